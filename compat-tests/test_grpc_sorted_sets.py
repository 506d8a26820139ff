"""gRPC suite for the sorted-set RPCs (ZAdd, ZRem, ZScore, ZIncrBy, ZCard, ZRank, ZRange,
and the blocking BZPopMin, BZPopMax) and the sorted-set commands reached through Execute,
written from the .proto only.

Reuses test_grpc.py's stub generation and fixtures. Run with
GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_sorted_sets.py
"""
import math
import time

import grpc
import pytest

from test_grpc import (ERR_DB_RANGE, INVALID, PRECONDITION, channel, m, pb,  # noqa: F401
                       raw_stub, _flushall)
from test_grpc_lists import in_thread, wait_blocked

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def ex(m, *args):
    return m.Execute(pb.Command(args=[a if isinstance(a, bytes) else str(a).encode()
                                      for a in args]))


def fails(call, request, code, message):
    with pytest.raises(grpc.RpcError) as ei:
        call(request)
    assert (ei.value.code(), ei.value.details()) == (code, message)


def zadd(m, key, *pairs, **options):
    return m.ZAdd(pb.ZAddRequest(
        key=key, members=[pb.ScoredMember(member=mb, score=s) for mb, s in pairs], **options))


def names(response):
    return [x.member for x in response.members]


def test_zadd_options(m):
    assert zadd(m, b"z", (b"a", 1), (b"b", 2)).count == 2
    r = zadd(m, b"z", (b"a", 5), (b"c", 0),
             comparison=pb.Z_ADD_COMPARISON_GREATER_THAN, changed=True)
    assert r.count == 2 and not r.HasField("score")
    r = zadd(m, b"z", (b"a", 1.5), incr=True)
    assert r.HasField("score") and r.score == 6.5
    r = zadd(m, b"z", (b"a", 1), condition=pb.Z_ADD_CONDITION_IF_ABSENT, incr=True)
    assert not r.HasField("score")
    assert zadd(m, b"new", (b"a", 1), condition=pb.Z_ADD_CONDITION_IF_PRESENT).count == 0
    assert m.ZCard(pb.ZCardRequest(key=b"new")).count == 0
    r = zadd(m, b"inf", (b"x", math.inf), (b"y", -math.inf))
    assert r.count == 2


def test_zadd_errors(m):
    cases = [
        (pb.ZAddRequest(key=b"z", members=[pb.ScoredMember(member=b"a")],
                        condition=pb.Z_ADD_CONDITION_IF_ABSENT,
                        comparison=pb.Z_ADD_COMPARISON_LESS_THAN),
         "ERR GT, LT, and/or NX options at the same time are not compatible"),
        (pb.ZAddRequest(key=b"z", incr=True, members=[pb.ScoredMember(member=b"a"),
                                                      pb.ScoredMember(member=b"b")]),
         "ERR INCR option supports a single increment-element pair"),
        (pb.ZAddRequest(key=b"z", members=[pb.ScoredMember(member=b"a", score=math.nan)]),
         "ERR value is not a valid float"),
        (pb.ZAddRequest(key=b"z"), "ERR wrong number of arguments for 'zadd' command"),
    ]
    for request, message in cases:
        fails(m.ZAdd, request, INVALID, message)
    ex(m, "SET", "s", "x")
    fails(m.ZAdd, pb.ZAddRequest(key=b"s", members=[pb.ScoredMember(member=b"a")]),
          PRECONDITION, WRONGTYPE)


def test_score_rank_card_rem_incr(m):
    zadd(m, b"z", (b"a", 1), (b"b", 2), (b"c", math.inf))
    r = m.ZScore(pb.ZScoreRequest(key=b"z", member=b"c"))
    assert r.found and r.score == math.inf
    assert not m.ZScore(pb.ZScoreRequest(key=b"z", member=b"x")).found
    assert not m.ZScore(pb.ZScoreRequest(key=b"nokey", member=b"x")).found
    assert m.ZRank(pb.ZRankRequest(key=b"z", member=b"b")).rank == 1
    assert m.ZRank(pb.ZRankRequest(key=b"z", member=b"a", reverse=True)).rank == 2
    assert not m.ZRank(pb.ZRankRequest(key=b"z", member=b"x")).HasField("rank")
    assert m.ZCard(pb.ZCardRequest(key=b"z")).count == 3
    assert m.ZIncrBy(pb.ZIncrByRequest(key=b"z", member=b"a", increment=0.5)).score == 1.5
    fails(m.ZIncrBy, pb.ZIncrByRequest(key=b"z", member=b"c", increment=-math.inf),
          INVALID, "ERR resulting score is not a number (NaN)")
    assert m.ZRem(pb.ZRemRequest(key=b"z", members=[b"a", b"b", b"c", b"x"])).removed == 3
    assert ex(m, "EXISTS", "z") == pb.Reply(integer=0)


def test_zrange_kinds(m):
    zadd(m, b"z", (b"a", 1), (b"b", 2), (b"c", 3), (b"d", 4))
    zadd(m, b"lex", (b"a", 0), (b"b", 0), (b"c", 0), (b"d", 0))
    r = m.ZRange(pb.ZRangeRequest(key=b"z", rank=pb.ZRankRange(start=1, stop=-1),
                                  reverse=True, with_scores=True))
    assert [(x.member, x.score) for x in r.members] == [(b"c", 3), (b"b", 2), (b"a", 1)]
    r = m.ZRange(pb.ZRangeRequest(
        key=b"z", score=pb.ZScoreRange(min=pb.ZScoreBound(value=1, exclusive=True)),
        limit=pb.ZLimit(offset=1, count=5)))
    assert names(r) == [b"c", b"d"] and all(x.score == 0 for x in r.members)
    r = m.ZRange(pb.ZRangeRequest(
        key=b"z", score=pb.ZScoreRange(min=pb.ZScoreBound(value=-math.inf),
                                       max=pb.ZScoreBound(value=3)), reverse=True))
    assert names(r) == [b"c", b"b", b"a"]
    r = m.ZRange(pb.ZRangeRequest(
        key=b"lex", lex=pb.ZLexRange(min=pb.ZLexBound(exclusive=b"a"),
                                     max=pb.ZLexBound(inclusive=b"c"))))
    assert names(r) == [b"b", b"c"]
    r = m.ZRange(pb.ZRangeRequest(key=b"lex", lex=pb.ZLexRange(), reverse=True,
                                  limit=pb.ZLimit(offset=0, count=2)))
    assert names(r) == [b"d", b"c"]
    fails(m.ZRange, pb.ZRangeRequest(key=b"z", rank=pb.ZRankRange(start=0, stop=1),
                                     limit=pb.ZLimit(count=1)), INVALID,
          "ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
          "or BYLEX")
    fails(m.ZRange, pb.ZRangeRequest(key=b"lex", lex=pb.ZLexRange(), with_scores=True),
          INVALID, "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    fails(m.ZRange, pb.ZRangeRequest(key=b"z"), INVALID, "ERR syntax error")
    assert names(m.ZRange(pb.ZRangeRequest(db=1, key=b"z",
                                           rank=pb.ZRankRange(start=0, stop=-1)))) == []


def test_execute_reaches_the_other_commands(m):
    zadd(m, b"a", (b"x", 1), (b"y", 2))
    zadd(m, b"b", (b"y", 10))
    assert ex(m, "ZUNIONSTORE", "d", 2, "a", "b") == pb.Reply(integer=2)
    reply = ex(m, "ZPOPMAX", "d", 1)
    [pair] = reply.array.items
    assert [x.bulk if x.HasField("bulk") else x.double for x in pair.array.items] == [b"y", 12.0]
    assert ex(m, "ZMPOP", 1, "nokey", "MIN").WhichOneof("kind") == "null"
    assert ex(m, "ZADD", "a", "nan", "x").error.message == "ERR value is not a valid float"


def _requests(db):
    return [
        ("ZAdd", pb.ZAddRequest(db=db, key=b"k", members=[pb.ScoredMember(member=b"m")])),
        ("ZRem", pb.ZRemRequest(db=db, key=b"k", members=[b"m"])),
        ("ZScore", pb.ZScoreRequest(db=db, key=b"k", member=b"m")),
        ("ZIncrBy", pb.ZIncrByRequest(db=db, key=b"k", increment=1, member=b"m")),
        ("ZCard", pb.ZCardRequest(db=db, key=b"k")),
        ("ZRank", pb.ZRankRequest(db=db, key=b"k", member=b"m")),
        ("ZRange", pb.ZRangeRequest(db=db, key=b"k", rank=pb.ZRankRange(start=0, stop=-1))),
        ("BZPopMin", pb.BZPopRequest(db=db, keys=[b"k"], timeout=0.01)),
        ("BZPopMax", pb.BZPopRequest(db=db, keys=[b"k"], timeout=0.01)),
    ]


@pytest.mark.parametrize("db", [16, 2 ** 32 - 1])
def test_db_out_of_range(m, db):
    for name, request in _requests(db):
        fails(getattr(m, name), request, INVALID, ERR_DB_RANGE)


def test_every_rpc_is_implemented(m):
    for name, request in _requests(3):
        getattr(m, name)(request)


def test_bzpop_pops_at_once_or_is_served_in_order(m):
    zadd(m, b"z", (b"a", 1), (b"b", 2), (b"c", 3))
    r = m.BZPopMin(pb.BZPopRequest(keys=[b"nx", b"z"], timeout=0))
    assert (r.found, r.key, r.member, r.score) == (True, b"z", b"a", 1.0)
    r = m.BZPopMax(pb.BZPopRequest(keys=[b"z"], timeout=1))
    assert (r.found, r.key, r.member, r.score) == (True, b"z", b"c", 3.0)
    first = in_thread(m.BZPopMax, pb.BZPopRequest(keys=[b"w"], timeout=0))
    wait_blocked(m, 1)
    second = in_thread(m.BZPopMin, pb.BZPopRequest(keys=[b"x", b"w"], timeout=5))
    wait_blocked(m, 2)
    # One ZADD (through Execute, any front end) serves both, oldest first.
    assert ex(m, "ZADD", "w", 1, "p", 2, "q", 3, "r") == pb.Reply(integer=3)
    kind, r = first.get(timeout=5)
    assert kind == "ok" and (r.key, r.member, r.score) == (b"w", b"r", 3.0)
    kind, r = second.get(timeout=5)
    assert kind == "ok" and (r.key, r.member, r.score) == (b"w", b"p", 1.0)
    assert names(m.ZRange(pb.ZRangeRequest(key=b"w", rank=pb.ZRankRange(start=0, stop=-1)))) \
        == [b"q"]


def test_bzpop_timeout_and_errors(m):
    started = time.time()
    r = m.BZPopMin(pb.BZPopRequest(keys=[b"nx"], timeout=0.1))
    assert not r.found and time.time() - started >= 0.09
    fails(m.BZPopMin, pb.BZPopRequest(keys=[b"nx"], timeout=-1), INVALID,
          "ERR timeout is negative")
    fails(m.BZPopMax, pb.BZPopRequest(timeout=0), INVALID,
          "ERR wrong number of arguments for 'bzpopmax' command")
    ex(m, "SET", "s", "v")
    fails(m.BZPopMax, pb.BZPopRequest(keys=[b"nx", b"s"], timeout=0), PRECONDITION, WRONGTYPE)
    wait_blocked(m, 0)


def test_bzpop_deadline_removes_the_waiter(m, raw_stub):
    with pytest.raises(grpc.RpcError) as info:
        raw_stub.BZPopMin(pb.BZPopRequest(keys=[b"k"], timeout=0), timeout=0.2)
    # The client's deadline and the server's grpc-timeout ("Timeout expired") race.
    assert info.value.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)
    wait_blocked(m, 0)
    zadd(m, b"k", (b"v", 1))
    assert m.ZCard(pb.ZCardRequest(key=b"k")).count == 1
