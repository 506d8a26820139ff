"""grpcio suite for the typed list RPCs (proto/memorabilia/v1/lists.proto) and for
blocking commands over gRPC: served by pushes from other calls, timeouts, deadlines
and cancellation removing the waiter, and blocking commands inside Execute, Batch and
Pipeline. Reuses test_grpc.py's stubs, fixtures and helpers.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_lists.py
"""
import queue
import threading
import time

import grpc
import pytest

from test_grpc import (  # noqa: F401 - fixtures are used by name
    INVALID, NOT_FOUND, PRECONDITION, TIMEOUT, _flushall, assert_status, channel, cmd, ex,
    expect_error, lpb, m, pb, raw_stub, rpc_error)

LEFT, RIGHT = lpb.LIST_END_LEFT, lpb.LIST_END_RIGHT
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def blocked_clients(m):
    info = ex(m, "INFO", "clients").verbatim.text
    for line in info.decode().split("\r\n"):
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    raise AssertionError(info)


def wait_blocked(m, n, timeout=5.0):
    deadline = time.time() + timeout
    while blocked_clients(m) != n:
        assert time.time() < deadline, f"expected {n} blocked clients"
        time.sleep(0.01)


def in_thread(fn, *args, **kw):
    out = queue.Queue()

    def run():
        try:
            out.put(("ok", fn(*args, **kw)))
        except grpc.RpcError as e:
            out.put(("error", e))
    threading.Thread(target=run, daemon=True).start()
    return out


def lrange(m, key):
    return list(m.LRange(lpb.LRangeRequest(key=key, start=0, stop=-1)).elements)


def test_push_pop_absent_vs_empty(m):
    assert m.RPush(lpb.ListPushRequest(key=b"l", elements=[b"a", b"b", b"c"])).length == 3
    assert m.LPush(lpb.ListPushRequest(key=b"l", elements=[b"y", b"z"])).length == 5
    assert lrange(m, b"l") == [b"z", b"y", b"a", b"b", b"c"]
    assert m.LPush(lpb.ListPushRequest(key=b"nx", elements=[b"v"], only_if_exists=True)).length == 0
    one = m.LPop(lpb.ListPopRequest(key=b"l"))
    assert (one.found, list(one.elements)) == (True, [b"z"])
    two = m.RPop(lpb.ListPopRequest(key=b"l", count=2))
    assert list(two.elements) == [b"c", b"b"]
    zero = m.LPop(lpb.ListPopRequest(key=b"l", count=0))
    assert (zero.found, list(zero.elements)) == (True, [])
    missing = m.LPop(lpb.ListPopRequest(key=b"nx", count=3))
    assert (missing.found, list(missing.elements)) == (False, [])
    assert m.LLen(lpb.LLenRequest(key=b"l")).length == 2
    assert m.LLen(lpb.LLenRequest(key=b"nx")).length == 0
    expect_error(m.RPush, lpb.ListPushRequest(key=b"l"), INVALID,
                 "ERR wrong number of arguments for 'rpush' command")


def test_index_set_rem_trim_move(m):
    m.RPush(lpb.ListPushRequest(key=b"l", elements=[b"a", b"b", b"a"]))
    assert m.LIndex(lpb.LIndexRequest(key=b"l", index=-1)).element == b"a"
    assert not m.LIndex(lpb.LIndexRequest(key=b"l", index=3)).HasField("element")
    m.LSet(lpb.LSetRequest(key=b"l", index=1, element=b""))
    found = m.LIndex(lpb.LIndexRequest(key=b"l", index=1))
    assert found.HasField("element") and found.element == b""
    expect_error(m.LSet, lpb.LSetRequest(key=b"l", index=5, element=b"x"), INVALID,
                 "ERR index out of range")
    expect_error(m.LSet, lpb.LSetRequest(key=b"nx", index=0, element=b"x"), NOT_FOUND,
                 "ERR no such key")
    assert m.LRem(lpb.LRemRequest(key=b"l", count=0, element=b"a")).removed == 2
    assert lrange(m, b"l") == [b""]
    m.RPush(lpb.ListPushRequest(key=b"l", elements=[b"x", b"y"]))
    m.LTrim(lpb.LTrimRequest(key=b"l", start=1, stop=-1))
    assert lrange(m, b"l") == [b"x", b"y"]
    moved = m.LMove(lpb.LMoveRequest(source=b"l", destination=b"d", to=RIGHT))
    assert moved.element == b"x"
    assert not m.LMove(lpb.LMoveRequest(source=b"nx", destination=b"d")).HasField("element")
    ex(m, "SET", "s", "v")
    err = rpc_error(m.LMove, lpb.LMoveRequest(source=b"l", destination=b"s"))
    assert_status(err, PRECONDITION, WRONGTYPE)
    assert lrange(m, b"l") == [b"y"]


def test_typed_blocking_served_by_another_call(m):
    pop = in_thread(m.BLPop, lpb.BlockingPopRequest(keys=[b"a", b"b"], timeout=0))
    wait_blocked(m, 1)
    move = in_thread(m.BLMove, lpb.BLMoveRequest(source=b"b", destination=b"d",
                                                 **{"from": RIGHT}, to=LEFT, timeout=5))
    wait_blocked(m, 2)
    # A push through Execute (any front end) serves both, in order.
    assert ex(m, "RPUSH", "b", "x", "y") == pb.Reply(integer=2)
    kind, popped = pop.get(timeout=5)
    assert kind == "ok" and (popped.found, popped.key, popped.element) == (True, b"b", b"x")
    kind, moved = move.get(timeout=5)
    assert kind == "ok" and moved.element == b"y"
    assert lrange(m, b"d") == [b"y"]


def test_typed_blocking_timeout_and_errors(m):
    started = time.time()
    r = m.BRPop(lpb.BlockingPopRequest(keys=[b"nx"], timeout=0.1))
    assert not r.found and time.time() - started >= 0.09
    expect_error(m.BLPop, lpb.BlockingPopRequest(keys=[b"nx"], timeout=-1), INVALID,
                 "ERR timeout is negative")
    ex(m, "SET", "s", "v")
    err = rpc_error(m.BLPop, lpb.BlockingPopRequest(keys=[b"nx", b"s"], timeout=0))
    assert_status(err, PRECONDITION, WRONGTYPE)
    assert blocked_clients(m) == 0


# At the deadline either side may end the call first: the client reports DEADLINE_EXCEEDED,
# or tonic's server-side timer (started from the `grpc-timeout` header) ends it with
# CANCELLED "Timeout expired", which is tonic's mapping of an expired server timeout.
DEADLINE_CODES = (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)


def test_deadline_removes_the_waiter(m, raw_stub):
    started = time.time()
    with pytest.raises(grpc.RpcError) as info:
        raw_stub.Execute(cmd("BLPOP", "k", "0"), timeout=0.2)
    assert info.value.code() in DEADLINE_CODES
    with pytest.raises(grpc.RpcError) as info:
        raw_stub.BLPop(lpb.BlockingPopRequest(keys=[b"k"]), timeout=0.2)
    assert info.value.code() in DEADLINE_CODES
    assert time.time() - started >= 0.39
    wait_blocked(m, 0)
    assert ex(m, "RPUSH", "k", "v") == pb.Reply(integer=1)
    assert lrange(m, b"k") == [b"v"]


def test_cancellation_removes_the_waiter(m, raw_stub):
    future = raw_stub.Execute.future(cmd("BRPOP", "k", "0"), timeout=TIMEOUT)
    wait_blocked(m, 1)
    future.cancel()
    wait_blocked(m, 0)
    ex(m, "RPUSH", "k", "v")
    assert lrange(m, b"k") == [b"v"]


def test_execute_and_batch_wait_for_blocked_commands(m):
    assert ex(m, "BLMPOP", "0.05", "1", "nx", "LEFT") == pb.Reply(null=pb.Null())
    batch = in_thread(m.Batch, pb.BatchRequest(commands=[cmd("BLPOP", "q", "0"),
                                                         cmd("LLEN", "q")]))
    wait_blocked(m, 1)
    ex(m, "RPUSH", "q", "a", "b")
    kind, r = batch.get(timeout=5)
    assert kind == "ok"
    assert list(r.replies) == [
        pb.Reply(array=pb.Array(items=[pb.Reply(bulk=b"q"), pb.Reply(bulk=b"a")])),
        pb.Reply(integer=1)]


def test_pipeline_keeps_order_around_a_blocked_command(m):
    commands = queue.Queue()

    def requests():
        while True:
            c = commands.get()
            if c is None:
                return
            yield c

    replies = m.Pipeline(requests())
    commands.put(cmd("PING"))
    commands.put(cmd("BRPOP", "p", "0"))
    commands.put(cmd("LLEN", "p"))
    assert next(replies) == pb.Reply(simple="PONG")
    wait_blocked(m, 1)
    ex(m, "RPUSH", "p", "x", "y")
    assert next(replies) == pb.Reply(array=pb.Array(items=[pb.Reply(bulk=b"p"),
                                                          pb.Reply(bulk=b"y")]))
    assert next(replies) == pb.Reply(integer=1)
    commands.put(None)
    assert list(replies) == []
