"""redis-py compatibility suite: transactions (MULTI / EXEC / DISCARD / WATCH / UNWATCH).

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7781
--save '' --appendonly no`) under PROTOCOL=2 and PROTOCOL=3.

- redis-py end to end: `pipeline()` (MULTI ... EXEC), `pipeline(transaction=False)`,
  run-time errors returned in place or raised, queue-time errors aborting the whole
  transaction (EXECABORT), `Redis.transaction()`, explicit `watch()` / `multi()` /
  `WatchError` for every way another client can touch a watched key (and the ways that
  do not count as a modification), expiring watched keys, UNWATCH, `reset()`, DISCARD.
- raw wire shapes (resp_raw keeps the reply types): +OK / +QUEUED, the EXEC array with
  RESP3 types nested inside, the null EXEC of a failed WATCH (`*-1` vs `_`), the error
  texts, blocking commands inside MULTI answering at once, CLIENT LIST while queueing.
- concurrency with real threads, one connection each: WATCH-guarded increments that
  must not lose an update, and transfers between accounts whose total concurrent
  MULTI/EXEC readers must always see unchanged. Both fail on a server whose WATCH is a
  no-op or whose EXEC lets other clients' commands run between the queued ones.
"""
import threading
import time

import pytest
import redis
from redis.exceptions import ExecAbortError, ResponseError, WatchError

from conftest import (PROTOCOL, blocked_clients, make_client, open_raw, run_threads, same,
                      wait_blocked)
from resp_raw import (Double, Error, Map, Null, NullArray, NullBulk, Set, Status,
                      encode_command)

NIL = NullBulk if PROTOCOL == 2 else Null
NIL_ARRAY = NullArray if PROTOCOL == 2 else Null
OK = Status("OK")
QUEUED = Status("QUEUED")
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
EXECABORT = Error("EXECABORT Transaction discarded because of previous errors.")


# ---------------------------------------------------------------------------
# redis-py pipelines: MULTI ... EXEC and plain pipelining
# ---------------------------------------------------------------------------

def test_pipeline_transaction_returns_every_result(r):
    p = r.pipeline()  # transaction=True: MULTI, the commands, EXEC in one write
    (p.set("a", "1").incr("a").get("a").rpush("l", "x", "y").lrange("l", 0, -1)
     .hset("h", "f", "v").hgetall("h").sadd("s", "m").smembers("s")
     .zadd("z", {"m": 1.5}).zscore("z", "m").exists("a", "nokey").get("nokey")
     .expire("a", 100).ttl("a").delete("l").exists("l"))
    assert p.execute() == [True, 2, "2", 2, ["x", "y"], 1, {"f": "v"}, 1, {"m"}, 1, 1.5,
                           1, None, True, 100, 1, 0]
    assert r.get("a") == "2"
    assert len(p) == 0  # the pipeline is reset after execute()
    assert p.execute() == []  # nothing queued: nothing sent


def test_pipeline_without_transaction(r):
    p = r.pipeline(transaction=False)
    p.set("q", "1").incr("q").lpush("q", "x").get("q")
    res = p.execute(raise_on_error=False)
    assert res[:2] == [True, 2] and res[3] == "2"
    assert isinstance(res[2], ResponseError) and str(res[2]) == WRONGTYPE
    p.set("q", "1").lpush("q", "x").incr("q")
    with pytest.raises(ResponseError,
                       match=r"^Command # 2 \(LPUSH q x\) of pipeline caused error: WRONGTYPE"):
        p.execute()
    assert r.get("q") == "2"  # the command after the failing one ran


def test_runtime_error_is_returned_in_place(r):
    r.rpush("l", "x")
    r.hset("h", "f", "v")
    p = r.pipeline()
    p.set("s", "1").incr("l").incr("s").hincrby("s", "f", 1).incr("h").get("s")
    res = p.execute(raise_on_error=False)
    assert len(res) == 6
    assert res[0] is True and res[2] == 2 and res[5] == "2"
    for i in (1, 3, 4):
        assert isinstance(res[i], ResponseError), res
        assert str(res[i]) == WRONGTYPE
    assert r.get("s") == "2"
    assert r.lrange("l", 0, -1) == ["x"] and r.hgetall("h") == {"f": "v"}


def test_runtime_error_is_raised_by_default_but_the_rest_ran(r):
    r.rpush("l", "x")
    p = r.pipeline()
    p.set("s", "1").incr("l").incr("s")
    with pytest.raises(ResponseError) as e:
        p.execute()
    assert str(e.value) == f"Command # 2 (INCRBY l 1) of pipeline caused error: {WRONGTYPE}"
    assert not isinstance(e.value, ExecAbortError)
    # EXEC ran every command: the ones around the failing one were applied.
    assert r.get("s") == "2"
    assert r.lrange("l", 0, -1) == ["x"]


@pytest.mark.parametrize("bad, message", [
    (("FOO", "bar"), "unknown command 'FOO', with args beginning with: 'bar' "),
    (("SET", "a"), "wrong number of arguments for 'set' command"),
    (("GET",), "wrong number of arguments for 'get' command"),
    (("CLIENT", "FOO"), "unknown subcommand 'FOO'. Try CLIENT HELP."),
], ids=["unknown-command", "set-arity", "get-arity", "unknown-subcommand"])
@pytest.mark.parametrize("raise_on_error", [True, False])
def test_queue_time_error_aborts_the_whole_transaction(r, bad, message, raise_on_error):
    r.set("kept", "old")
    p = r.pipeline()
    p.set("y", "1").execute_command(*bad).set("kept", "new").incr("ctr")
    with pytest.raises(ResponseError) as e:
        p.execute(raise_on_error=raise_on_error)
    # redis-py raises the error of the rejected command (annotated with its position),
    # from inside its handling of the EXECABORT reply of EXEC.
    cmd = " ".join(bad)
    assert str(e.value) == f"Command # 2 ({cmd}) of pipeline caused error: {message}"
    assert isinstance(e.value.__context__, ExecAbortError)
    assert str(e.value.__context__) == "Transaction discarded because of previous errors."
    # Nothing was applied, and the connection is out of MULTI.
    assert r.get("kept") == "old"
    assert r.exists("y", "ctr") == 0
    assert r.ping() is True
    assert r.pipeline().set("y", "2").get("y").execute() == [True, "2"]


def test_argument_errors_are_runtime_errors(raw):
    """Only the arity is checked when queueing: the syntax of the arguments is checked
    when EXEC runs the command, so the others run."""
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "k", "v", "EX", "abc"), QUEUED)
    same(raw.cmd("SET", "k", "v", "XX", "NX"), QUEUED)
    same(raw.cmd("INCRBY", "k", "x"), QUEUED)
    same(raw.cmd("SET", "k", "v"), QUEUED)
    same(raw.cmd("EXEC"), [Error("ERR value is not an integer or out of range"),
                           Error("ERR syntax error"),
                           Error("ERR value is not an integer or out of range"), OK])
    same(raw.cmd("GET", "k"), b"v")


# ---------------------------------------------------------------------------
# Redis.transaction() and explicit WATCH through redis-py
# ---------------------------------------------------------------------------

def test_transaction_helper(r):
    def incr(pipe):
        current = int(pipe.get("c") or 0)  # immediate: the pipeline is WATCHing "c"
        pipe.multi()
        pipe.set("c", current + 1)
        pipe.get("c")
        return current + 1

    assert r.transaction(incr, "c") == [True, "1"]
    assert r.transaction(incr, "c", value_from_callable=True) == 2
    assert r.get("c") == "2"


def test_transaction_helper_retries_on_watch_error(r):
    other = make_client()
    calls = []

    def incr(pipe):
        current = int(pipe.get("c") or 0)
        calls.append(current)
        if len(calls) == 1:
            other.set("c", "10")  # another client changes "c" after it was WATCHed
        pipe.multi()
        pipe.set("c", current + 1)

    assert r.transaction(incr, "c") == [True]
    assert calls == [0, 10]
    assert r.get("c") == "11"
    other.close()


def test_watch_multi_exec_without_interference(r):
    r.set("k", "5")
    with r.pipeline() as pipe:
        assert pipe.watch("k", "absent") is True
        assert pipe.get("k") == "5"  # executed at once while watching
        assert pipe.exists("absent") == 0
        pipe.multi()
        pipe.set("k", "6")
        pipe.set("absent", "now")
        pipe.get("k")
        assert pipe.execute() == [True, True, "6"]
    assert r.mget("k", "absent") == ["6", "now"]


def _watch_then(r, setup, interfere):
    """WATCH k in a pipeline, run `interfere`, then try MULTI / SET k mine / EXEC."""
    for args in setup:
        r.execute_command(*args)
    other = make_client()
    try:
        with r.pipeline() as pipe:
            pipe.watch("k")
            interfere(other, pipe)
            pipe.multi()
            pipe.set("k", "mine")
            pipe.set("marker", "1")
            try:
                return pipe.execute()
            except WatchError:
                return "WatchError"
    finally:
        other.close()


MODIFYING = [
    ("set-existing", [("SET", "k", "1")], ("SET", "k", "2")),
    ("set-same-value", [("SET", "k", "1")], ("SET", "k", "1")),
    ("create-absent", [], ("SET", "k", "1")),
    ("delete", [("SET", "k", "1")], ("DEL", "k")),
    ("unlink", [("SET", "k", "1")], ("UNLINK", "k")),
    ("incrby-0", [("SET", "k", "1")], ("INCRBY", "k", "0")),
    ("append-empty", [("SET", "k", "1")], ("APPEND", "k", "")),
    ("expire", [("SET", "k", "1")], ("EXPIRE", "k", "100")),
    ("persist", [("SET", "k", "1", "EX", "100")], ("PERSIST", "k")),
    ("rename-onto", [("SET", "src", "1")], ("RENAME", "src", "k")),
    ("rename-away", [("SET", "k", "1")], ("RENAME", "k", "dst")),
    ("copy-onto", [("SET", "src", "1")], ("COPY", "src", "k")),
    ("rpush", [("RPUSH", "k", "a")], ("RPUSH", "k", "b")),
    ("lpop-last", [("RPUSH", "k", "a")], ("LPOP", "k")),
    ("hset-same", [("HSET", "k", "f", "v")], ("HSET", "k", "f", "v")),
    ("sadd", [("SADD", "k", "a")], ("SADD", "k", "b")),
    ("zadd", [("ZADD", "k", "1", "a")], ("ZADD", "k", "2", "a")),
    ("flushdb", [("SET", "k", "1")], ("FLUSHDB",)),
    ("flushall", [("SET", "k", "1")], ("FLUSHALL",)),
]


@pytest.mark.parametrize("setup, action", [m[1:] for m in MODIFYING],
                         ids=[m[0] for m in MODIFYING])
def test_watch_error_when_another_client_touches_the_key(r, setup, action):
    res = _watch_then(r, setup, lambda other, pipe: other.execute_command(*action))
    assert res == "WatchError"
    assert r.exists("marker") == 0
    assert r.type("k") != "string" or r.get("k") != "mine"


NOT_MODIFYING = [
    ("read-commands", [("SET", "k", "1")],
     [("GET", "k"), ("EXISTS", "k"), ("TTL", "k"), ("TYPE", "k"), ("STRLEN", "k")]),
    ("other-key", [("SET", "k", "1")], [("SET", "k2", "1"), ("DEL", "k3")]),
    ("del-absent", [], [("DEL", "k")]),
    ("lpop-absent", [], [("LPOP", "k")]),
    ("set-nx-fails", [("SET", "k", "1")], [("SET", "k", "2", "NX"), ("SETNX", "k", "3")]),
    ("persist-without-ttl", [("SET", "k", "1")], [("PERSIST", "k")]),
    ("same-name-other-db", [("SET", "k", "1")],
     [("SELECT", "1"), ("SET", "k", "2"), ("DEL", "k"), ("FLUSHDB",), ("SELECT", "0")]),
    ("flushdb-absent", [("SET", "other", "1")], [("FLUSHDB",)]),
    ("flushall-absent", [("SET", "other", "1")], [("FLUSHALL",)]),
]


@pytest.mark.parametrize("setup, actions", [m[1:] for m in NOT_MODIFYING],
                         ids=[m[0] for m in NOT_MODIFYING])
def test_exec_succeeds_when_the_key_was_not_modified(r, setup, actions):
    def interfere(other, pipe):
        for args in actions:
            other.execute_command(*args)

    # FLUSHDB / FLUSHALL only invalidate watched keys that exist.
    assert _watch_then(r, setup, interfere) == [True, True]
    assert r.get("k") == "mine"


def test_watch_error_when_the_same_client_modifies_the_key(r):
    res = _watch_then(r, [("SET", "k", "1")], lambda other, pipe: pipe.set("k", "2"))
    assert res == "WatchError"
    assert r.get("k") == "2"


def test_watch_several_keys_any_one_invalidates(r):
    other = make_client()
    for touched in ("a", "b", "c"):
        with r.pipeline() as pipe:
            pipe.watch("a", "b")
            pipe.watch("c")  # WATCH accumulates
            pipe.watch("a")  # watching again is harmless
            other.set(touched, "x")
            pipe.multi()
            pipe.set("res", touched)
            with pytest.raises(WatchError, match="^Watched variable changed.$"):
                pipe.execute()
    assert r.exists("res") == 0
    other.close()


def test_watched_key_that_expires_fails_exec(r):
    r.set("k", "v", px=100)
    with r.pipeline() as pipe:
        pipe.watch("k")
        time.sleep(0.3)
        pipe.multi()
        pipe.set("res", "1")
        with pytest.raises(WatchError):
            pipe.execute()
    # The same when another client's access made the server delete the expired key.
    r.set("k", "v", px=100)
    with r.pipeline() as pipe:
        pipe.watch("k")
        time.sleep(0.3)
        assert r.get("k") is None
        pipe.multi()
        pipe.set("res", "1")
        with pytest.raises(WatchError):
            pipe.execute()
    assert r.exists("res") == 0


def test_watched_key_with_ttl_that_did_not_expire(r):
    r.set("k", "v", px=5000)
    with r.pipeline() as pipe:
        pipe.watch("k")
        time.sleep(0.05)
        pipe.multi()
        pipe.get("k")
        assert pipe.execute() == ["v"]


def test_watching_an_already_expired_key_is_not_a_modification(r):
    """A key already expired when WATCHed counts as absent: its deletion (lazy or active)
    afterwards changes nothing logically, so EXEC runs."""
    r.set("k", "v", px=50)
    time.sleep(0.15)
    with r.pipeline() as pipe:
        pipe.watch("k")
        time.sleep(0.2)
        pipe.multi()
        pipe.set("res", "1")
        assert pipe.execute() == [True]


def test_unwatch(r):
    other = make_client()
    with r.pipeline() as pipe:
        pipe.watch("k")
        assert pipe.unwatch() is True
        other.set("k", "changed")
        pipe.multi()
        pipe.set("k", "mine")
        assert pipe.execute() == [True]
    assert r.get("k") == "mine"
    other.close()


def test_reset_unwatches_and_drops_queued_commands():
    # One connection only, so the next pipeline is sure to reuse the connection that
    # WATCHed: reset() sends UNWATCH, hence the later EXEC must not fail.
    c = make_client(max_connections=1)
    other = make_client()
    pipe = c.pipeline()
    pipe.watch("k")
    pipe.reset()
    other.set("k", "changed")
    assert c.pipeline().set("k", "mine").execute() == [True]
    pipe.watch("k")
    pipe.multi()
    pipe.set("k", "dropped")
    pipe.reset()  # the queued SET was never sent
    assert c.get("k") == "mine"
    assert pipe.execute() == []
    c.close()
    other.close()


def test_discard_through_redis_py():
    # A single-connection client sends MULTI / DISCARD itself. (redis-py's reply
    # callbacks would turn the +QUEUED of SET into False: commands without one are used.)
    c = make_client(single_connection_client=True)
    other = make_client()
    assert c.execute_command("MULTI") == "OK"
    assert c.execute_command("INCR", "a") == "QUEUED"
    assert c.execute_command("RPUSH", "l", "x") == "QUEUED"
    assert c.execute_command("DISCARD") == "OK"
    assert c.exists("a", "l") == 0
    with pytest.raises(ResponseError, match="^EXEC without MULTI$"):
        c.execute_command("EXEC")
    with pytest.raises(ResponseError, match="^DISCARD without MULTI$"):
        c.execute_command("DISCARD")
    # DISCARD also forgets the WATCHed keys.
    assert c.execute_command("WATCH", "w") is True
    assert c.execute_command("MULTI") == "OK"
    assert c.execute_command("DISCARD") == "OK"
    other.set("w", "5")
    assert c.execute_command("MULTI") == "OK"
    assert c.execute_command("INCR", "w") == "QUEUED"
    assert c.execute_command("EXEC") == [6]
    assert c.get("w") == "6"
    c.close()
    other.close()


# ---------------------------------------------------------------------------
# Wire shapes through the raw connection
# ---------------------------------------------------------------------------

def test_wire_multi_queued_exec(raw):
    assert raw.raw("MULTI") == b"+OK\r\n"
    assert raw.raw("SET", "a", "1") == b"+QUEUED\r\n"
    assert raw.raw("INCR", "a") == b"+QUEUED\r\n"
    assert raw.raw("GET", "a") == b"+QUEUED\r\n"
    assert raw.raw("GET", "nokey") == b"+QUEUED\r\n"
    nil = b"$-1\r\n" if PROTOCOL == 2 else b"_\r\n"
    assert raw.raw("EXEC") == b"*4\r\n+OK\r\n:2\r\n$1\r\n2\r\n" + nil
    assert raw.raw("MULTI") == b"+OK\r\n"
    assert raw.raw("EXEC") == b"*0\r\n"
    assert raw.raw("PING") == b"+PONG\r\n"  # out of MULTI again


def test_wire_exec_after_a_failed_watch_is_a_null(raw, new_raw):
    other = new_raw()
    same(raw.cmd("WATCH", "k"), OK)
    same(other.cmd("SET", "k", "x"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "k", "mine"), QUEUED)
    assert raw.raw("EXEC") == (b"*-1\r\n" if PROTOCOL == 2 else b"_\r\n")
    same(raw.cmd("GET", "k"), b"x")
    # the failed EXEC ended the transaction and forgot the watched keys
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    same(other.cmd("SET", "k", "y"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("GET", "k"), QUEUED)
    same(raw.cmd("EXEC"), [b"y"])


def test_wire_errors(raw):
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    same(raw.cmd("DISCARD"), Error("ERR DISCARD without MULTI"))
    same(raw.cmd("WATCH"), Error("ERR wrong number of arguments for 'watch' command"))
    same(raw.cmd("MULTI", "x"), Error("ERR wrong number of arguments for 'multi' command"))
    same(raw.cmd("UNWATCH"), OK)  # nothing watched: fine
    same(raw.cmd("MULTI"), OK)
    # Neither error aborts the transaction.
    same(raw.cmd("MULTI"), Error("ERR MULTI calls can not be nested"))
    same(raw.cmd("WATCH", "k"), Error("ERR WATCH inside MULTI is not allowed"))
    same(raw.cmd("SET", "k", "1"), QUEUED)
    same(raw.cmd("UNWATCH"), QUEUED)
    same(raw.cmd("INCR", "k"), QUEUED)
    same(raw.cmd("EXEC"), [OK, OK, 2])


def test_wire_queue_time_errors_and_execabort(raw):
    same(raw.cmd("SET", "kept", "old"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "y", "1"), QUEUED)
    same(raw.cmd("FOO", "bar"), Error("ERR unknown command 'FOO', with args beginning with: 'bar' "))
    same(raw.cmd("SET", "a"), Error("ERR wrong number of arguments for 'set' command"))
    same(raw.cmd("CONFIG", "GET"),
         Error("ERR wrong number of arguments for 'config|get' command"))
    same(raw.cmd("OBJECT", "FOO", "k"), Error("ERR unknown subcommand 'FOO'. Try OBJECT HELP."))
    same(raw.cmd("SET", "kept", "new"), QUEUED)  # still queued after the errors
    assert raw.raw("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    same(raw.cmd("EXISTS", "y"), 0)
    same(raw.cmd("GET", "kept"), b"old")
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    # DISCARD after a queue-time error is fine and leaves MULTI too.
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("FOO"), Error("ERR unknown command 'FOO', with args beginning with: "))
    same(raw.cmd("DISCARD"), OK)
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))


def test_wire_execabort_wins_over_a_failed_watch(raw, new_raw):
    same(raw.cmd("WATCH", "k"), OK)
    same(new_raw().cmd("SET", "k", "x"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("FOO"), Error("ERR unknown command 'FOO', with args beginning with: "))
    same(raw.cmd("EXEC"), EXECABORT)


def test_wire_discard(raw, new_raw):
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "a", "1"), QUEUED)
    same(raw.cmd("DISCARD"), OK)
    same(raw.cmd("EXISTS", "a"), 0)
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    same(raw.cmd("DISCARD"), Error("ERR DISCARD without MULTI"))


def test_wire_watch_lifetime(raw, new_raw):
    other = new_raw()
    # a successful EXEC forgets the watched keys
    same(raw.cmd("WATCH", "k"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), [])
    same(other.cmd("SET", "k", "1"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), [])
    # so does DISCARD
    same(raw.cmd("WATCH", "k"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("DISCARD"), OK)
    same(other.cmd("SET", "k", "2"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), [])
    # and UNWATCH before MULTI
    same(raw.cmd("WATCH", "k"), OK)
    same(raw.cmd("UNWATCH"), OK)
    same(other.cmd("SET", "k", "3"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), [])
    # an EXEC without MULTI keeps them
    same(raw.cmd("WATCH", "k"), OK)
    same(other.cmd("SET", "k", "4"), OK)
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), NIL_ARRAY)
    # UNWATCH queued inside MULTI runs too late to save the transaction
    same(raw.cmd("WATCH", "k"), OK)
    same(other.cmd("SET", "k", "5"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("UNWATCH"), QUEUED)
    same(raw.cmd("EXEC"), NIL_ARRAY)


def test_wire_watch_is_per_database(raw, new_raw):
    other = new_raw()
    same(raw.cmd("SELECT", "1"), OK)
    same(raw.cmd("WATCH", "k"), OK)  # k of db 1
    same(other.cmd("SET", "k", "db0"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "k", "db1"), QUEUED)
    same(raw.cmd("EXEC"), [OK])
    same(other.cmd("SELECT", "1"), OK)
    same(raw.cmd("WATCH", "k"), OK)
    same(raw.cmd("SELECT", "0"), OK)  # WATCH keeps watching k of db 1
    same(other.cmd("SET", "k", "changed"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), NIL_ARRAY)


def test_wire_reply_types_nested_in_exec(raw):
    same(raw.cmd("MULTI"), OK)
    for args in [("HSET", "h", "f", "v"), ("HGETALL", "h"), ("ZADD", "z", "1.5", "m"),
                 ("ZSCORE", "z", "m"), ("SADD", "s", "x"), ("SMEMBERS", "s"),
                 ("GET", "nokey"), ("INCRBYFLOAT", "fl", "1.5"), ("LPOP", "nolist", "2"),
                 ("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("LPUSH", "h", "x"), ("PING",)]:
        same(raw.cmd(*args), QUEUED)
    got = raw.cmd("EXEC")
    if PROTOCOL == 2:
        expected = [1, [b"f", b"v"], 1, b"1.5", 1, [b"x"], NullBulk, b"1.5", NullArray,
                    [b"m", b"1.5"], Error(WRONGTYPE), Status("PONG")]
    else:
        d = Double(1.5)
        d.raw = b"1.5"
        expected = [1, Map([(b"f", b"v")]), 1, d, 1, Set([b"x"]), Null, b"1.5", Null,
                    [[b"m", d]], Error(WRONGTYPE), Status("PONG")]
    same(got, expected)


BLOCKING_IN_MULTI = [
    ("BLPOP", "e", "0"),
    ("BRPOP", "e", "e2", "0"),
    ("BRPOPLPUSH", "e", "d", "0"),
    ("BLMOVE", "e", "d", "LEFT", "RIGHT", "0"),
    ("BLMPOP", "0", "1", "e", "LEFT"),
    ("BZPOPMIN", "z", "0"),
    ("BZPOPMAX", "z", "0"),
    ("BZMPOP", "0", "1", "z", "MIN"),
]


def test_wire_blocking_commands_inside_multi_do_not_block(r, raw):
    raw.sock.settimeout(5)
    same(raw.cmd("MULTI"), OK)
    for args in BLOCKING_IN_MULTI:
        same(raw.cmd(*args), QUEUED)
    same(raw.cmd("BLPOP", "e", "-1"), QUEUED)
    started = time.time()
    got = raw.cmd("EXEC")
    assert time.time() - started < 1.0
    # In RESP2 the timeout reply is *-1, except BRPOPLPUSH and BLMOVE, which answer a
    # null bulk inside MULTI (they answer *-1 when they really time out).
    same(got, [NIL_ARRAY, NIL_ARRAY, NIL, NIL, NIL_ARRAY, NIL_ARRAY, NIL_ARRAY, NIL_ARRAY,
               Error("ERR timeout is negative")])
    assert blocked_clients(r) == 0
    # with data, they pop as usual, including data pushed earlier in the transaction
    same(raw.cmd("MULTI"), OK)
    for args in [("RPUSH", "e", "a", "b"), ("BLPOP", "e", "0"),
                 ("BLMOVE", "e", "d", "LEFT", "RIGHT", "0"), ("BLPOP", "e", "0")]:
        same(raw.cmd(*args), QUEUED)
    same(raw.cmd("EXEC"), [2, [b"e", b"a"], b"b", NIL_ARRAY])
    same(raw.cmd("LRANGE", "d", "0", "-1"), [b"b"])


def test_wire_blocked_clients_are_served_after_exec(r, raw, new_raw):
    waiter = new_raw()
    waiter.send(encode_command("BLPOP", "q", "0"))
    wait_blocked(r, 1)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("RPUSH", "q", "a", "b"), QUEUED)
    same(raw.cmd("LRANGE", "q", "0", "-1"), QUEUED)
    same(raw.cmd("LPOP", "q"), QUEUED)
    # the waiter gets nothing in the middle of the transaction
    same(raw.cmd("EXEC"), [2, [b"a", b"b"], b"a"])
    same(waiter.read(), [b"q", b"b"])
    same(raw.cmd("EXISTS", "q"), 0)
    # an element pushed and popped inside one transaction never reaches a waiter
    waiter.send(encode_command("BLPOP", "q", "0"))
    wait_blocked(r, 1)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("RPUSH", "q", "x"), QUEUED)
    same(raw.cmd("LPOP", "q"), QUEUED)
    same(raw.cmd("EXEC"), [1, b"x"])
    time.sleep(0.1)
    assert blocked_clients(r) == 1
    same(raw.cmd("RPUSH", "q", "y"), 1)
    same(waiter.read(), [b"q", b"y"])


def test_wire_client_list_while_queueing(r, raw):
    cid = raw.cmd("CLIENT", "ID")

    def me():
        return [c for c in r.client_list() if int(c["id"]) == cid][0]

    assert me()["multi"] == "-1" and "x" not in me()["flags"]
    same(raw.cmd("MULTI"), OK)
    assert me()["multi"] == "0" and "x" in me()["flags"]
    same(raw.cmd("SET", "a", "1"), QUEUED)
    same(raw.cmd("GET", "a"), QUEUED)
    assert me()["multi"] == "2" and "x" in me()["flags"]
    same(raw.cmd("EXEC"), [OK, b"1"])
    assert me()["multi"] == "-1" and "x" not in me()["flags"]


def test_wire_select_inside_multi(raw):
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SELECT", "1"), QUEUED)
    same(raw.cmd("SET", "x", "1"), QUEUED)
    same(raw.cmd("EXEC"), [OK, OK])
    same(raw.cmd("GET", "x"), b"1")  # the connection stays in db 1
    same(raw.cmd("SELECT", "0"), OK)
    same(raw.cmd("GET", "x"), NIL)


def test_wire_reset_and_quit_inside_multi(raw, new_raw):
    other = new_raw()
    same(raw.cmd("WATCH", "w"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("SET", "a", "1"), QUEUED)
    same(raw.cmd("RESET"), Status("RESET"))  # leaves MULTI and unwatches
    same(raw.cmd("EXEC"), Error("ERR EXEC without MULTI"))
    same(raw.cmd("EXISTS", "a"), 0)
    same(other.cmd("SET", "w", "1"), OK)
    same(raw.cmd("MULTI"), OK)
    same(raw.cmd("EXEC"), [])
    q = new_raw()
    same(q.cmd("MULTI"), OK)
    same(q.cmd("SET", "quit", "1"), QUEUED)
    assert q.raw("QUIT") == b"+OK\r\n"
    assert q.is_closed()
    same(other.cmd("EXISTS", "quit"), 0)


def test_disconnect_discards_the_transaction(r, new_raw):
    c = new_raw()
    same(c.cmd("MULTI"), OK)
    same(c.cmd("SET", "gone", "1"), QUEUED)
    c.close()
    time.sleep(0.1)
    assert r.exists("gone") == 0


# ---------------------------------------------------------------------------
# Concurrency: real threads, one connection each
# ---------------------------------------------------------------------------

def test_concurrent_watch_increments_lose_no_update(r):
    clients, rounds = 8, 200
    retries = []

    def worker():
        c = make_client()
        done = failed = 0
        try:
            with c.pipeline() as pipe:
                while done < rounds:
                    pipe.watch("counter")
                    value = int(pipe.get("counter") or 0)
                    pipe.multi()
                    pipe.set("counter", value + 1)
                    try:
                        pipe.execute()
                        done += 1
                    except WatchError:
                        failed += 1
        finally:
            c.close()
        retries.append(failed)

    started = time.time()
    run_threads([worker] * clients)
    assert int(r.get("counter")) == clients * rounds
    assert len(retries) == clients
    print(f"{clients}x{rounds} WATCH increments in {time.time() - started:.2f} s, "
          f"{sum(retries)} WatchError retries")


def test_concurrent_transaction_helper_increments(r):
    clients, rounds = 4, 50

    def incr(pipe):
        value = int(pipe.get("c") or 0)
        pipe.multi()
        pipe.set("c", value + 1)

    def worker():
        c = make_client()
        try:
            for _ in range(rounds):
                assert c.transaction(incr, "c") == [True]
        finally:
            c.close()

    run_threads([worker] * clients)
    assert r.get("c") == str(clients * rounds)


def test_concurrent_transfers_keep_the_total(r):
    accounts = [f"acct:{i}" for i in range(5)]
    initial = 1000
    total = initial * len(accounts)
    r.mset({a: initial for a in accounts})
    writers, transfers = 4, 250
    stop = threading.Event()
    snapshots = []
    bad = []

    def writer(seed):
        c = make_client()
        try:
            for i in range(transfers):
                src = accounts[(seed + i) % len(accounts)]
                dst = accounts[(seed + 3 * i + 1) % len(accounts)]
                if dst == src:
                    dst = accounts[(accounts.index(src) + 1) % len(accounts)]
                amount = 1 + (seed * 7 + i) % 50
                p = c.pipeline()  # MULTI DECRBY INCRBY EXEC
                p.decrby(src, amount).incrby(dst, amount)
                p.execute()
        finally:
            c.close()

    reader_errors = []

    def reader():
        c = make_client()
        try:
            while not stop.is_set():
                p = c.pipeline()  # MULTI GET ... GET EXEC
                for a in accounts:
                    p.get(a)
                values = [int(v) for v in p.execute()]
                snapshots.append(values)
                if sum(values) != total:
                    bad.append(values)
        except Exception as e:  # noqa: BLE001 - reported by the test
            reader_errors.append(e)
        finally:
            c.close()

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        run_threads([lambda s=s: writer(s) for s in range(writers)])
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert not any(t.is_alive() for t in readers)
    if reader_errors:
        raise reader_errors[0]
    assert not bad, f"{len(bad)} of {len(snapshots)} snapshots with a wrong total, e.g. {bad[0]}"
    assert len(snapshots) >= 20, "the readers barely ran"
    final = [int(v) for v in r.mget(accounts)]
    assert sum(final) == total
    assert final != [initial] * len(accounts)
