"""Sorted sets through redis-py and raw RESP, checked under PROTOCOL=2 and PROTOCOL=3.

Every expectation was validated against redis-server 7.0.15
(SERVER_PORT=<oracle> ORACLE_IS_REDIS_70=1 PROTOCOL=2|3 python3 -m pytest
test_redis_py_sorted_sets.py). Raw connections check the exact reply types: scores are
RESP3 doubles or RESP2 `%.17g` bulk strings, WITHSCORES replies are flat in RESP2 and
nested pairs in RESP3. The blocking BZPOPMIN / BZPOPMAX / BZMPOP are checked with threads:
clients block in threads of their own while the test adds members, and the order they are
served in, timeouts and disconnects are checked.
"""
import threading
import time

import pytest
import redis

from conftest import PROTOCOL, open_raw
from test_redis_py_lists import Call, blocked_clients, wait_blocked
from resp_raw import Double, Error, Null, NullArray, NullBulk, encode_command, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
NIL_ARRAY = NullArray if PROTOCOL == 2 else Null
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def D(text):
    """A score as the server sends it: a RESP3 double or a RESP2 bulk string."""
    if PROTOCOL == 2:
        return text.encode()
    d = Double(float(text))
    d.raw = text.encode()
    return d


def pairs(*items):
    """A WITHSCORES reply: flat in RESP2, [member, score] pairs in RESP3."""
    if PROTOCOL == 3:
        return [[m.encode(), D(s)] for m, s in items]
    out = []
    for m, s in items:
        out += [m.encode(), D(s)]
    return out


def members(*names):
    return [n.encode() for n in names]


def py_err(expected, fn, *args, **kwargs):
    with pytest.raises(redis.ResponseError) as ei:
        fn(*args, **kwargs)
    want = expected[4:] if expected.startswith("ERR ") else expected
    assert str(ei.value) == want


def scored_list(reply):
    """redis-py's WITHSCORES result as (member, score) tuples, whatever the protocol."""
    return [(m, float(s)) for m, s in reply]


# ---------------------------------------------------------------------------
# redis-py API
# ---------------------------------------------------------------------------

def test_zadd_options(r):
    assert r.zadd("z", {"a": 1, "b": 2}) == 2
    assert r.zadd("z", {"a": 5, "c": 0}, gt=True, ch=True) == 2
    assert r.zadd("z", {"a": 1}, lt=True) == 0  # lowered, but only CH counts updates
    assert r.zadd("z", {"a": 7, "n": 1}, xx=True) == 0
    assert r.zadd("z", {"a": 8, "d": 1}, nx=True) == 1
    assert r.zadd("z", {"a": 2.5}, incr=True) == 9.5
    assert r.zadd("z", {"a": 1}, nx=True, incr=True) is None
    assert scored_list(r.zrange("z", 0, -1, withscores=True)) == [
        ("c", 0.0), ("d", 1.0), ("b", 2.0), ("a", 9.5)]
    py_err("ERR XX and NX options at the same time are not compatible",
           r.execute_command, "ZADD", "z", "NX", "XX", "1", "a")
    py_err("ERR GT, LT, and/or NX options at the same time are not compatible",
           r.execute_command, "ZADD", "z", "GT", "LT", "1", "a")
    py_err("ERR INCR option supports a single increment-element pair",
           r.execute_command, "ZADD", "z", "INCR", "1", "a", "2", "b")
    py_err("ERR value is not a valid float", r.execute_command, "ZADD", "z", "x", "a")
    py_err("ERR syntax error", r.execute_command, "ZADD", "z", "1", "a", "2")


def test_score_rank_card_count(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zscore("z", "b") == 2.0
    assert r.zscore("z", "x") is None
    assert r.zmscore("z", ["a", "x"]) == [1.0, None]
    assert r.zrank("z", "c") == 2
    assert r.zrevrank("z", "c") == 0
    assert r.zrank("z", "x") is None
    assert r.zcard("z") == 3
    assert r.zcount("z", "(1", "+inf") == 2
    assert r.zincrby("z", 2, "a") == 3.0
    assert r.zrem("z", "a", "x") == 1
    assert r.zrem("z", "b", "c") == 2
    assert r.exists("z") == 0
    py_err("ERR min or max is not a float", r.zcount, "z", "x", "1")


def test_ranges(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zrange("z", 1, 2) == ["b", "c"]
    assert r.zrange("z", 0, 1, desc=True) == ["d", "c"]
    assert r.zrevrange("z", 0, 0) == ["d"]
    assert r.zrangebyscore("z", "(1", 3) == ["b", "c"]
    assert r.zrangebyscore("z", "-inf", "+inf", start=1, num=2) == ["b", "c"]
    assert r.zrevrangebyscore("z", "+inf", 3) == ["d", "c"]
    assert r.zrange("z", "(1", "3", byscore=True, offset=1, num=5) == ["c"]
    assert r.zrangestore("dst", "z", 1, 2, desc=True) == 2
    assert r.zrange("dst", 0, -1) == ["b", "c"]
    assert r.zremrangebyrank("z", -1, -1) == 1
    assert r.zremrangebyscore("z", "(1", 2) == 1
    assert r.zrange("z", 0, -1) == ["a", "c"]


def test_lex(r):
    r.zadd("z", {m: 0 for m in "abcde"})
    assert r.zrangebylex("z", "[b", "(d") == ["b", "c"]
    assert r.zrevrangebylex("z", "+", "-", start=1, num=2) == ["d", "c"]
    assert r.zlexcount("z", "(a", "[d") == 3
    assert r.zremrangebylex("z", "[b", "[c") == 2
    assert r.zrange("z", 0, -1) == ["a", "d", "e"]
    py_err("ERR min or max not valid string range item", r.zrangebylex, "z", "a", "+")


def test_pops(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert scored_list(r.zpopmin("z", 1)) == [("a", 1.0)]
    assert scored_list(r.zpopmax("z", 5)) == [("c", 3.0), ("b", 2.0)]
    assert r.exists("z") == 0
    r.zadd("y", {"a": 1, "b": 2})
    key, popped = r.zmpop(2, ["nokey", "y"], max=True, count=1)
    assert key == "y" and [(m, float(s)) for m, s in popped] == [("b", 2.0)]
    assert r.zmpop(1, ["nokey"], min=True) is None


def test_set_algebra(r):
    r.zadd("a", {"x": 1, "y": 2})
    r.zadd("b", {"y": 10, "z": 20})
    assert scored_list(r.zunion(["a", "b"], withscores=True)) == [
        ("x", 1.0), ("y", 12.0), ("z", 20.0)]
    assert scored_list(r.zinter({"a": 2, "b": 1}, aggregate="MAX", withscores=True)) == [
        ("y", 10.0)]
    assert r.zdiff(["a", "b"]) == ["x"]
    assert r.zunionstore("d", ["a", "b"], aggregate="MIN") == 3
    assert scored_list(r.zrange("d", 0, -1, withscores=True)) == [
        ("x", 1.0), ("y", 2.0), ("z", 20.0)]
    assert r.zinterstore("d", ["a", "nokey"]) == 0
    assert r.exists("d") == 0
    assert r.zdiffstore("d", ["a", "b"]) == 1
    assert r.zintercard(2, ["a", "b"]) == 1
    py_err("ERR at least 1 input key is needed for 'zunion' command",
           r.execute_command, "ZUNION", "0", "a")
    py_err("ERR weight value is not a float",
           r.execute_command, "ZUNION", "1", "a", "WEIGHTS", "x")


def test_randmember_and_scan(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrandmember("z") in ("a", "b", "c")
    assert r.zrandmember("z", 10) == ["c", "b", "a"]
    assert len(set(r.zrandmember("z", 2))) == 2
    assert len(r.zrandmember("z", -7)) == 7
    assert r.zrandmember("nokey") is None
    cursor, items = r.zscan("z")
    assert cursor == 0 and sorted(items) == [("a", 1.0), ("b", 2.0), ("c", 3.0)]
    big = {f"m{i}": i for i in range(300)}
    r.zadd("big", big)
    assert dict(r.zscan_iter("big", count=17)) == {k: float(v) for k, v in big.items()}


def test_encodings(r):
    r.zadd("z", {f"m{i}": i for i in range(128)})
    assert r.object("encoding", "z") == "listpack"
    r.zadd("z", {"one-more": 1})
    assert r.object("encoding", "z") == "skiplist"
    r.zremrangebyrank("z", 0, 100)
    assert r.object("encoding", "z") == "skiplist"
    r.zadd("long", {"x" * 65: 1})
    assert r.object("encoding", "long") == "skiplist"
    assert r.zunionstore("copy", ["z"]) == 28
    assert r.object("encoding", "copy") == "listpack"


def test_wrongtype(r):
    r.set("s", "x")
    for call in (lambda: r.zadd("s", {"a": 1}), lambda: r.zrange("s", 0, -1),
                 lambda: r.zscore("s", "a"), lambda: r.zpopmin("s"),
                 lambda: r.zunion(["s"]), lambda: r.zscan("s")):
        py_err(WRONGTYPE, call)


# ---------------------------------------------------------------------------
# Raw RESP: exact reply types
# ---------------------------------------------------------------------------

def test_raw_scores_and_shapes(raw):
    same(raw.cmd("ZADD", "z", "0.1", "b", "1", "a", "inf", "c"), 3)
    same(raw.cmd("ZSCORE", "z", "b"), D("0.10000000000000001"))
    same(raw.cmd("ZSCORE", "z", "c"), D("inf"))
    same(raw.cmd("ZSCORE", "z", "x"), NIL)
    same(raw.cmd("ZSCORE", "nokey", "x"), NIL)
    same(raw.cmd("ZMSCORE", "z", "a", "x"), [D("1"), NIL])
    same(raw.cmd("ZINCRBY", "z", "1e-5", "a"), D("1.0000100000000001"))
    same(raw.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES"),
         pairs(("b", "0.10000000000000001"), ("a", "1.0000100000000001"), ("c", "inf")))
    same(raw.cmd("ZRANGE", "z", "0", "0"), members("b"))
    same(raw.cmd("ZRANK", "z", "c"), 2)
    same(raw.cmd("ZRANK", "z", "x"), NIL)
    same(raw.cmd("ZADD", "z", "XX", "INCR", "1", "nope"), NIL)
    same(raw.cmd("ZRANGE", "nokey", "0", "-1"), [])


def test_raw_pops(raw):
    raw.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    # Without a count the pair is flat in both protocols.
    same(raw.cmd("ZPOPMIN", "z"), [b"a", D("1")])
    same(raw.cmd("ZPOPMAX", "z", "1"), pairs(("c", "3")))
    same(raw.cmd("ZPOPMAX", "z", "0"), [])
    same(raw.cmd("ZMPOP", "1", "z", "MIN", "COUNT", "5"), [b"z", [[b"b", D("2")]]])
    same(raw.cmd("ZMPOP", "1", "z", "MIN"), NIL_ARRAY)
    same(raw.cmd("ZPOPMIN", "z"), [])
    same(raw.cmd("ZPOPMIN", "z", "-1"), Error("ERR value is out of range, must be positive"))
    same(raw.cmd("ZMPOP", "0", "z", "MIN"), Error("ERR numkeys should be greater than 0"))
    same(raw.cmd("ZMPOP", "1", "z", "MIN", "COUNT", "0"),
         Error("ERR count should be greater than 0"))


def test_raw_range_errors(raw):
    raw.cmd("ZADD", "z", "1", "a")
    same(raw.cmd("ZRANGE", "z", "0", "1", "LIMIT", "0", "1"), Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"))
    same(raw.cmd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"), Error(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX"))
    same(raw.cmd("ZRANGE", "z", "0", "1", "REV", "REV"), Error("ERR syntax error"))
    same(raw.cmd("ZRANGEBYSCORE", "z", "x", "1"), Error("ERR min or max is not a float"))
    same(raw.cmd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "1"), [])
    same(raw.cmd("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"), Error("ERR syntax error"))
    same(raw.cmd("ZRANK", "z", "a", "WITHSCORE"),
         Error("ERR wrong number of arguments for 'zrank' command"))


def test_raw_algebra_and_scan(raw):
    raw.cmd("ZADD", "a", "inf", "x", "1", "y")
    raw.cmd("ZADD", "b", "-inf", "x", "2", "y")
    same(raw.cmd("ZUNION", "2", "a", "b", "WITHSCORES"), pairs(("x", "0"), ("y", "3")))
    same(raw.cmd("ZUNION", "1", "a", "WEIGHTS", "0", "WITHSCORES"), pairs(("x", "0"), ("y", "0")))
    same(raw.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "1"), 1)
    same(raw.cmd("ZINTERCARD", "1", "a", "LIMIT", "-1"), Error("ERR LIMIT can't be negative"))
    raw.cmd("ZADD", "s", "123456789012345678", "big", "1.5", "f")
    same(raw.cmd("ZSCAN", "s", "0"), [b"0", [b"f", b"1.5", b"big", b"123456789012345680"]])
    same(raw.cmd("ZSCAN", "nokey", "0", "FOO"), [b"0", []])
    same(raw.cmd("ZSCAN", "s", "x"), Error("ERR invalid cursor"))
    same(raw.cmd("ZRANDMEMBER", "s", "-9223372036854775808"), Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807"))


# ---------------------------------------------------------------------------
# Blocking pops, with threads
# ---------------------------------------------------------------------------

def popped(reply):
    """redis-py's BZPOPMIN/BZPOPMAX result as (key, member, score), whatever the protocol."""
    key, member, score = reply
    return key, member, float(score)


def test_bzpop_answers_at_once_when_it_can(r):
    r.zadd("z", {"a": 1, "b": 2.5, "c": 3})
    assert popped(r.bzpopmin(["nokey", "z"], timeout=0)) == ("z", "a", 1.0)
    assert popped(r.bzpopmax("z", timeout=1)) == ("z", "c", 3.0)
    key, items = r.bzmpop(0, 2, ["nokey", "z"], min=True, count=5)
    assert key == "z" and [(m, float(s)) for m, s in items] == [("b", 2.5)]
    assert r.exists("z") == 0
    assert r.bzpopmin("z", timeout=0.05) is None
    assert r.bzmpop(0.05, 1, ["z"], max=True) is None
    r.set("s", "x")
    py_err(WRONGTYPE, r.bzpopmax, ["nokey", "s"], timeout=0)
    py_err(WRONGTYPE, r.bzmpop, 0, 1, ["s"], min=True)
    py_err("ERR timeout is negative", r.bzpopmin, "z", timeout=-1)
    assert blocked_clients(r) == 0


def test_blocked_clients_served_in_order(r):
    calls = [Call("BZPOPMIN", "q", 0)]
    wait_blocked(r, 1)
    calls.append(Call("BZPOPMAX", "other", "q", 0))
    wait_blocked(r, 2)
    calls.append(Call("BZMPOP", 0, 1, "q", "MIN", "COUNT", 2))
    wait_blocked(r, 3)
    assert r.zadd("q", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}) == 5
    assert popped(calls[0].result()) == ("q", "a", 1.0)
    assert popped(calls[1].result()) == ("q", "e", 5.0)
    key, items = calls[2].result()
    assert key == "q" and [(m, float(s)) for m, s in items] == [("b", 2.0), ("c", 3.0)]
    assert r.zrange("q", 0, -1) == ["d"]
    assert blocked_clients(r) == 0


def test_fractional_timeout_and_zero_waits(r):
    started = time.time()
    assert r.bzpopmax(["nokey"], timeout=0.2) is None
    assert 0.18 <= time.time() - started < 2
    call = Call("BZPOPMIN", "k", 0)
    wait_blocked(r, 1)
    time.sleep(0.3)
    assert call.is_alive()
    r.zincrby("k", 1.5, "m")
    assert popped(call.result()) == ("k", "m", 1.5)


def test_stores_rename_and_copy_serve_waiters(r):
    r.zadd("a", {"x": 1, "y": 2})
    r.zadd("b", {"y": 10})
    call = Call("BZPOPMAX", "dst", 0)
    wait_blocked(r, 1)
    assert r.zunionstore("dst", ["a", "b"]) == 2
    assert popped(call.result()) == ("dst", "y", 12.0)
    r.delete("dst")
    call = Call("BZMPOP", 0, 1, "dst", "MAX", "COUNT", 9)
    wait_blocked(r, 1)
    assert r.copy("a", "dst") == 1
    key, items = call.result()
    assert key == "dst" and [(m, float(s)) for m, s in items] == [("y", 2.0), ("x", 1.0)]
    call = Call("BZPOPMIN", "dst", 0)
    wait_blocked(r, 1)
    assert r.rename("b", "dst") is True
    assert popped(call.result()) == ("dst", "y", 10.0)


def test_a_disconnected_waiter_takes_nothing(r):
    gone = open_raw()
    gone.send(encode_command("BZPOPMIN", "k", "0"))
    wait_blocked(r, 1)
    gone.close()
    wait_blocked(r, 0)
    r.zadd("k", {"v": 1})
    assert r.zcard("k") == 1


def test_raw_served_replies(r, raw):
    """The exact reply types of served clients: [key, member, score] and ZMPOP's shape."""
    out = {}

    def block(name, *args):
        conn = open_raw()
        out[name] = conn.cmd(*args)
        conn.close()
    threads = [threading.Thread(target=block, args=("min", "BZPOPMIN", "k", "0"))]
    threads[0].start()
    wait_blocked(r, 1)
    threads.append(threading.Thread(target=block,
                                    args=("m", "BZMPOP", "0", "1", "k", "MAX", "COUNT", "2")))
    threads[1].start()
    wait_blocked(r, 2)
    same(raw.cmd("ZADD", "k", "1", "a", "2.5", "b", "3", "c", "4", "d"), 4)
    for t in threads:
        t.join(5)
    same(out["min"], [b"k", b"a", D("1")])
    same(out["m"], [b"k", [[b"d", D("4")], [b"c", D("3")]]])
    same(raw.cmd("BZPOPMIN", "k", "0"), [b"k", b"b", D("2.5")])
    same(raw.cmd("BZPOPMAX", "k", "0.01"), NIL_ARRAY)
    same(raw.cmd("BZMPOP", "0.01", "1", "k", "MIN"), NIL_ARRAY)
