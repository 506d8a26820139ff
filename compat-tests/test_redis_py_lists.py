"""redis-py suite for the list family, blocking commands included.

Every assertion was validated against redis-server 7.0.15 (the oracle) under
PROTOCOL=2 and PROTOCOL=3. Blocking tests use threads: a client blocks in one
thread while another pushes, and the order in which blocked clients are
served, timeouts, CLIENT UNBLOCK and disconnects are checked.
"""
import threading
import time

import pytest
import redis

from conftest import PROTOCOL, blocked_clients, make_client, open_raw, same, wait_blocked
from resp_raw import Error, Null, NullArray, NullBulk, Status

NIL = NullBulk if PROTOCOL == 2 else Null
NIL_ARRAY = NullArray if PROTOCOL == 2 else Null
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class Call(threading.Thread):
    """Runs one command on a client of its own and keeps the reply (or exception)."""

    def __init__(self, *args):
        super().__init__(daemon=True)
        self.client = make_client()
        self.args = args
        self.reply = None
        self.error = None
        self.start()

    def run(self):
        try:
            self.reply = self.client.execute_command(*self.args)
        except Exception as e:  # noqa: BLE001 - kept for the test to inspect
            self.error = e

    def result(self, timeout=5.0):
        self.join(timeout)
        assert not self.is_alive(), f"{self.args} still blocked"
        self.client.close()
        if self.error:
            raise self.error
        # redis-py turns BLPOP's RESP2 array into a tuple.
        return list(self.reply) if isinstance(self.reply, tuple) else self.reply


# ---------------------------------------------------------------------------
# Non-blocking commands through redis-py
# ---------------------------------------------------------------------------

def test_push_pop_range(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == ["z", "a", "b", "c"]
    assert r.lpop("l") == "z"
    assert r.rpop("l", 2) == ["c", "b"]
    assert r.lpop("l", 0) == []
    assert r.rpop("l", 5) == ["a"]
    assert r.exists("l") == 0
    assert r.lpop("l") is None
    assert r.lpop("l", 2) is None
    assert r.lpushx("l", "a") == 0
    assert r.rpush("l", "m") == 1
    assert r.lpushx("l", "a", "b") == 3
    assert r.rpushx("l", "z") == 4
    assert r.lrange("l", 0, -1) == ["b", "a", "m", "z"]
    assert r.llen("l") == 4
    assert r.llen("nokey") == 0
    assert r.object("encoding", "l") == "quicklist"


def test_index_set_insert_rem_trim(r):
    r.rpush("l", "a", "b", "a", "c", "a")
    assert r.lindex("l", -1) == "a"
    assert r.lindex("l", 5) is None
    assert r.lset("l", 1, "B") is True
    with pytest.raises(redis.ResponseError, match="^index out of range$"):
        r.lset("l", 9, "x")
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        r.lset("nokey", 0, "x")
    assert r.linsert("l", "AFTER", "c", "d") == 6
    assert r.linsert("l", "BEFORE", "zz", "d") == -1
    assert r.linsert("nokey", "BEFORE", "a", "d") == 0
    assert r.lrem("l", -2, "a") == 2
    assert r.lrange("l", 0, -1) == ["a", "B", "c", "d"]
    assert r.ltrim("l", 1, 2) is True
    assert r.lrange("l", 0, -1) == ["B", "c"]
    assert r.ltrim("l", 5, 1) is True
    assert r.exists("l") == 0


def test_lpos(r):
    r.rpush("l", "a", "b", "a", "c", "a")
    assert r.lpos("l", "a") == 0
    assert r.lpos("l", "a", rank=-1) == 4
    assert r.lpos("l", "a", rank=2, count=0) == [2, 4]
    assert r.lpos("l", "a", count=0, maxlen=3) == [0, 2]
    assert r.lpos("l", "q") is None
    assert r.lpos("nokey", "q", count=1) == []
    with pytest.raises(redis.ResponseError, match="RANK can't be zero"):
        r.lpos("l", "a", rank=0)
    with pytest.raises(redis.ResponseError, match="COUNT can't be negative"):
        r.lpos("l", "a", count=-1)
    with pytest.raises(redis.ResponseError, match="MAXLEN can't be negative"):
        r.lpos("l", "a", maxlen=-1)


def test_moves_and_lmpop(r):
    r.rpush("src", "a", "b", "c")
    assert r.rpoplpush("src", "dst") == "c"
    assert r.lmove("src", "dst", "LEFT", "RIGHT") == "a"
    assert r.lrange("dst", 0, -1) == ["c", "a"]
    assert r.lmove("src", "src", "LEFT", "RIGHT") == "b"
    assert r.rpoplpush("nokey", "dst") is None
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.lmove("src", "s", "LEFT", "LEFT")
    assert r.lrange("src", 0, -1) == ["b"]
    assert r.lmpop(2, "nokey", "dst", direction="RIGHT", count=5) == ["dst", ["a", "c"]]
    assert r.lmpop(1, "dst", direction="LEFT") is None
    with pytest.raises(redis.ResponseError, match="numkeys should be greater than 0"):
        r.execute_command("LMPOP", 0, "a", "LEFT")
    with pytest.raises(redis.ResponseError, match="count should be greater than 0"):
        r.execute_command("LMPOP", 1, "a", "LEFT", "COUNT", 0)


def test_wrong_type(r):
    r.set("s", "v")
    for args in [("LPUSH", "s", "a"), ("LPOP", "s"), ("LLEN", "s"), ("LRANGE", "s", 0, 1),
                 ("LINDEX", "s", 0), ("LREM", "s", 0, "a"), ("LPOS", "s", "a"),
                 ("BLPOP", "nokey", "s", 0), ("BLMPOP", 0, 1, "s", "LEFT")]:
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command(*args)
        assert str(e.value) == WRONGTYPE, args


def test_null_shapes(raw):
    same(raw.cmd("LPOP", "nokey"), NIL)
    same(raw.cmd("LPOP", "nokey", 1), NIL_ARRAY)
    same(raw.cmd("LMPOP", 1, "nokey", "LEFT"), NIL_ARRAY)
    same(raw.cmd("LPOS", "nokey", "a"), NIL)
    same(raw.cmd("LPOS", "nokey", "a", "COUNT", 0), [])
    same(raw.cmd("BLPOP", "nokey", "0.01"), NIL_ARRAY)
    same(raw.cmd("BRPOPLPUSH", "nokey", "d", "0.01"), NIL_ARRAY)
    same(raw.cmd("BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01"), NIL_ARRAY)
    same(raw.cmd("BLMPOP", "0.01", 1, "nokey", "LEFT"), NIL_ARRAY)
    same(raw.cmd("RPUSH", "l", "a"), 1)
    same(raw.cmd("LPOP", "l", 0), [])


def test_timeout_errors(raw):
    same(raw.cmd("BLPOP", "k", "-1"), Error("ERR timeout is negative"))
    same(raw.cmd("BLPOP", "k", "x"), Error("ERR timeout is not a float or out of range"))
    same(raw.cmd("BLPOP", "k", "inf"), Error("ERR timeout is negative"))
    same(raw.cmd("BLPOP", "k", "nan"), Error("ERR timeout is not a float or out of range"))
    same(raw.cmd("BLMOVE", "k", "d", "UP", "LEFT", "x"), Error("ERR syntax error"))


# ---------------------------------------------------------------------------
# Blocking, with threads
# ---------------------------------------------------------------------------

def test_blocked_clients_served_in_order(r):
    calls = []
    for i in range(3):
        calls.append(Call("BLPOP", "q", 0))
        wait_blocked(r, i + 1)
    assert r.rpush("q", "a", "b") == 2
    assert calls[0].result() == ["q", "a"]
    assert calls[1].result() == ["q", "b"]
    wait_blocked(r, 1)
    assert r.lpush("q", "c") == 1
    assert calls[2].result() == ["q", "c"]
    assert r.exists("q") == 0


def test_blmove_chain_readies_the_next_waiter(r):
    end = Call("BLPOP", "c", 0)
    wait_blocked(r, 1)
    middle = Call("BRPOPLPUSH", "b", "c", 0)
    wait_blocked(r, 2)
    first = Call("BLMOVE", "a", "b", "LEFT", "RIGHT", 0)
    wait_blocked(r, 3)
    r.rpush("a", "x")
    assert first.result() == "x"
    assert middle.result() == "x"
    assert end.result() == ["c", "x"]
    assert r.exists("a", "b", "c") == 0


def test_blmpop_gets_up_to_count(r):
    call = Call("BLMPOP", 0, 2, "a", "b", "RIGHT", "COUNT", 2)
    wait_blocked(r, 1)
    r.rpush("b", "1", "2", "3")
    assert call.result() == ["b", ["3", "2"]]
    assert r.lrange("b", 0, -1) == ["1"]


def test_fractional_timeout(r):
    started = time.time()
    assert r.blpop(["nokey"], timeout=0.2) is None
    assert 0.18 <= time.time() - started < 2
    assert blocked_clients(r) == 0


def test_zero_timeout_waits_for_a_push(r):
    call = Call("BRPOP", "k", 0)
    wait_blocked(r, 1)
    time.sleep(0.3)
    assert call.is_alive()
    r.rpush("k", "v")
    assert call.result() == ["k", "v"]


def test_client_unblock_timeout_and_error(r):
    blocked = make_client()
    bid = blocked.client_id()
    out = {}

    def run():
        try:
            out["reply"] = blocked.blpop(["k"], timeout=0)
        except redis.ResponseError as e:
            out["error"] = str(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_blocked(r, 1)
    assert "b" in [c["flags"] for c in r.client_list() if int(c["id"]) == bid][0]
    assert r.client_unblock(bid) == 1
    t.join(5)
    assert out == {"reply": None}
    out.clear()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_blocked(r, 1)
    assert r.client_unblock(bid, error=True) == 1
    t.join(5)
    assert out["error"] == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    assert r.client_unblock(bid) == 0
    assert blocked.ping() is True
    blocked.close()


def test_disconnect_and_kill_remove_waiters(r):
    c = open_raw()
    c.send(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
    wait_blocked(r, 1)
    c.close()
    wait_blocked(r, 0)
    victim = make_client()
    vid = victim.client_id()
    call_out = {}

    def run():
        try:
            call_out["reply"] = victim.blpop(["k"], timeout=0)
        except redis.ConnectionError as e:
            call_out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    wait_blocked(r, 1)
    assert r.client_kill_filter(_id=vid) == 1
    wait_blocked(r, 0)
    r.rpush("k", "v")
    assert r.lrange("k", 0, -1) == ["v"]
    t.join(5)
    victim.close()


def test_blocked_client_stalls_nobody(r):
    call = Call("BLPOP", "k", 0)
    wait_blocked(r, 1)
    for i in range(100):
        r.set(f"s{i}", i)
    assert r.dbsize() == 100
    r.rpush("k", "v")
    assert call.result() == ["k", "v"]


def test_many_blockers_receive_each_element_once(r):
    n = 20
    calls = [Call("BRPOP", "k1", "k2", 5) for _ in range(n)]
    wait_blocked(r, n)
    for i in range(n):
        r.lpush("k1" if i % 2 else "k2", f"e{i}")
    got = sorted(call.result()[1] for call in calls)
    assert got == sorted(f"e{i}" for i in range(n))
    assert r.exists("k1", "k2") == 0
