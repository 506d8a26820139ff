"""redis-py compatibility suite: Lua scripting (EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, SCRIPT
LOAD / EXISTS / FLUSH / KILL) and functions (FUNCTION LOAD / DELETE / LIST / FLUSH / DUMP /
RESTORE / STATS / KILL, FCALL / FCALL_RO).

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7401 --save ''
--appendonly no`) under PROTOCOL=2 and PROTOCOL=3.

- redis-py end to end: eval / evalsha / eval_ro / evalsha_ro and what redis-py makes of the
  replies, script_load / script_exists / script_flush, `register_script` Script objects (the
  first call gets NOSCRIPT and falls back to SCRIPT LOAD + EVALSHA, seen in INFO errorstats /
  commandstats; again after SCRIPT FLUSH), Scripts inside pipelines (redis-py loads them
  first), eval / fcall inside MULTI pipelines, `Lock` (acquire, release, extend, reacquire,
  expiry, a blocked acquirer woken by a release in another client, LockError /
  LockNotOwnedError), the function_* methods, fcall / fcall_ro, and dump / restore round trips
  with the APPEND / REPLACE / FLUSH policies.
- raw wire shapes (resp_raw keeps the reply types): Lua values converted for RESP2 and RESP3
  clients, redis.setresp(3), FUNCTION LIST / STATS maps, error texts.
- isolation, with real threads on separate connections: scripts incrementing a counter whose
  key name is built inside the script (numkeys 0), and scripts moving units between two such
  keys while other clients read both: the counter must end at the number of calls and the
  sum never change (fails on a server that lets other commands run inside a script).
- BUSY: with busy-reply-threshold lowered to 100 ms (restored afterwards) a looping EVAL makes
  other clients get `BUSY ...`, SCRIPT KILL stops it and its caller gets the killed-script
  error; the same with FCALL and FUNCTION KILL (FUNCTION STATS shows the running function).
  The UNKILLABLE case (a script that wrote before looping) is left out: only SHUTDOWN NOSAVE
  ends it.
"""
import hashlib
import re
import threading
import time

import pytest
from redis.exceptions import LockError, LockNotOwnedError, NoScriptError, ResponseError

from conftest import PROTOCOL, make_client, open_raw, run_threads, wait_until
from resp_raw import (Bool, BigNum, Double, Error, Map, Null, NullBulk, Set, Status, Verbatim,
                      strict_eq)

NIL = NullBulk if PROTOCOL == 2 else Null
OK = Status("OK")
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
BUSY_EVAL = ("BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
             "SHUTDOWN NOSAVE.")
BUSY_FUNCTION = ("BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE.")
NOTBUSY = "NOTBUSY No scripts in execution right now."


def sha1(script):
    return hashlib.sha1(script.encode()).hexdigest()


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def double(text):
    d = Double(float(text))
    d.raw = text.encode()
    return d


@pytest.fixture(autouse=True)
def _no_scripts():
    """Every test starts with no cached script and no library (FLUSHALL keeps both)."""
    c = open_raw()
    try:
        assert c.cmd("SCRIPT", "FLUSH") == "OK"
        assert c.cmd("FUNCTION", "FLUSH") == "OK"
    finally:
        c.close()
    yield


# ---------------------------------------------------------------------------
# EVAL / EVALSHA through redis-py
# ---------------------------------------------------------------------------

def test_eval_converts_lua_values(r):
    assert r.eval("return {1, 'a', 3.99, -3.99, true, false, 'after'}", 0) == \
        [1, "a", 3, -3, 1, None, "after"]
    assert r.eval("return {1, 2, nil, 3}", 0) == [1, 2]  # cut at the first nil
    assert r.eval("return {{1, {2}}, {}}", 0) == [[1, [2]], []]
    assert r.eval("return nil", 0) is None
    assert r.eval("return false", 0) is None
    assert r.eval("return 'x'", 0) == "x"
    assert r.eval("return {ok='FINE'}", 0) == "FINE"
    assert r.eval("return redis.status_reply('DONE')", 0) == "DONE"
    assert r.eval("return {a=1, b=2}", 0) == []  # hash keys are ignored
    assert r.eval("return #KEYS .. ':' .. #ARGV", 2, "k1", "k2", "a1") == "2:1"
    assert r.eval("return {KEYS[1], KEYS[2], ARGV[1]}", 2, "k1", "k2", "a1") == ["k1", "k2", "a1"]


def test_eval_resp3_types_as_redis_py_sees_them(r):
    # RESP3 values are sent as such to a RESP3 client; a RESP2 client gets equivalents.
    if PROTOCOL == 3:
        assert r.eval("return {map={a=1}}", 0) == {"a": 1}
        assert r.eval("redis.setresp(3) return true", 0) is True
        assert r.eval("redis.setresp(3) return false", 0) is False
    else:
        assert r.eval("return {map={a=1}}", 0) == ["a", 1]
        assert r.eval("redis.setresp(3) return true", 0) == 1
        assert r.eval("redis.setresp(3) return false", 0) == 0
    assert r.eval("return {double=1.5}", 0) in (1.5, "1.5")
    assert r.eval("return {set={only=true}}", 0) in (["only"], {"only"})


def test_eval_errors_are_raised_with_their_text(r):
    script = "error('boom')"
    with pytest.raises(ResponseError) as e:
        r.eval(script, 0)
    assert str(e.value) == f"user_script:1: boom script: {sha1(script)}, on @user_script:1."
    with pytest.raises(ResponseError) as e:
        r.eval("return {err='MY custom error'}", 0)
    assert str(e.value) == "MY custom error"
    script = "return redis.call('nosuch')"
    with pytest.raises(ResponseError) as e:
        r.eval(script, 0)
    assert str(e.value) == (f"Unknown Redis command called from script script: {sha1(script)}, "
                            "on @user_script:1.")
    with pytest.raises(ResponseError) as e:
        r.eval("return 1 +", 0)
    assert str(e.value) == ("Error compiling script (new function): user_script:1: "
                            "unexpected symbol near '<eof>'")
    with pytest.raises(ResponseError) as e:
        r.eval("return 1", 2, "only-one")
    assert str(e.value) == "Number of keys can't be greater than number of args"
    with pytest.raises(ResponseError) as e:
        r.eval("return 1", -1)
    assert str(e.value) == "Number of keys can't be negative"


def test_wrongtype_through_call_and_pcall(r):
    r.set("s", "x")
    script = "return redis.call('lpush', KEYS[1], 'v')"
    with pytest.raises(ResponseError) as e:
        r.eval(script, 1, "s")
    assert str(e.value) == f"{WRONGTYPE} script: {sha1(script)}, on @user_script:1."
    with pytest.raises(ResponseError) as e:
        r.eval("return redis.pcall('lpush', KEYS[1], 'v')", 1, "s")
    assert str(e.value) == WRONGTYPE
    # pcall's error table can be inspected by the script and the script go on.
    assert r.eval("local e = redis.pcall('lpush', KEYS[1], 'v') return {e.err, 'went on'}",
                  1, "s") == [WRONGTYPE, "went on"]
    assert r.get("s") == "x"


def test_writes_before_an_error_are_kept(r):
    with pytest.raises(ResponseError):
        r.eval("redis.call('set', 'a', '1') redis.call('incr', 'a') error('stop')", 0)
    assert r.get("a") == "2"


def test_evalsha_script_load_exists_flush(r):
    script = "return 'cached ' .. ARGV[1]"
    sha = r.script_load(script)
    assert sha == sha1(script)
    assert r.evalsha(sha, 0, "x") == "cached x"
    assert r.evalsha(sha.upper(), 0, "y") == "cached y"  # the sha1 is case-insensitive
    assert r.script_exists(sha, "f" * 40, sha.upper()) == [True, False, True]
    with pytest.raises(NoScriptError) as e:
        r.evalsha("f" * 40, 0)
    assert str(e.value) == "No matching script. Please use EVAL."
    # EVAL caches the script too.
    other = "return 2"
    assert r.script_exists(sha1(other)) == [False]
    assert r.eval(other, 0) == 2
    assert r.script_exists(sha1(other)) == [True]
    # FLUSHALL keeps the cache, SCRIPT FLUSH (SYNC or ASYNC) empties it.
    r.flushall()
    assert r.script_exists(sha) == [True]
    assert r.script_flush("ASYNC") is True
    assert r.script_exists(sha, sha1(other)) == [False, False]
    r.script_load(script)
    assert r.script_flush("SYNC") is True
    assert r.script_exists(sha) == [False]
    with pytest.raises(NoScriptError):
        r.evalsha(sha, 0, "x")


def test_eval_ro_and_evalsha_ro(r):
    r.set("k", "v")
    assert r.eval_ro("return redis.call('get', KEYS[1])", 1, "k") == "v"
    script = "return redis.call('set', KEYS[1], 'w')"
    with pytest.raises(ResponseError) as e:
        r.eval_ro(script, 1, "k")
    assert str(e.value) == ("Write commands are not allowed from read-only scripts. "
                            f"script: {sha1(script)}, on @user_script:1.")
    sha = r.script_load("return redis.call('get', KEYS[1])")
    assert r.evalsha_ro(sha, 1, "k") == "v"
    # A script without the no-writes flag is refused by *_RO before it runs.
    with pytest.raises(ResponseError) as e:
        r.eval_ro("#!lua\nreturn redis.call('get', KEYS[1])", 1, "k")
    assert str(e.value) == "Can not execute a script with write flag using *_ro command."
    assert r.eval_ro("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, "k") == "v"
    assert r.get("k") == "v"


def test_no_writes_shebang(r):
    script = "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'v')"
    with pytest.raises(ResponseError) as e:
        r.eval(script, 1, "k")
    assert str(e.value) == ("Write commands are not allowed from read-only scripts. "
                            f"script: {sha1(script)}, on @user_script:2.")
    with pytest.raises(ResponseError) as e:
        r.eval("#!lua flags=bogus\nreturn 1", 0)
    assert str(e.value) == "Unexpected flag in script shebang: bogus"
    with pytest.raises(ResponseError) as e:
        r.eval("#!python\nreturn 1", 0)
    assert str(e.value) == "Unexpected engine in script shebang: #!python"
    assert r.exists("k") == 0


def test_select_inside_a_script_does_not_move_the_caller(r):
    assert r.eval("redis.call('select', 1) redis.call('set', 'a', 'db1') "
                  "return redis.call('get', 'a')", 0) == "db1"
    assert r.get("a") is None
    other = make_client(db=1)
    try:
        assert other.get("a") == "db1"
    finally:
        other.close()


# ---------------------------------------------------------------------------
# Script objects (register_script)
# ---------------------------------------------------------------------------

def _stats(r):
    errors = r.info("errorstats").get("errorstat_NOSCRIPT", {}).get("count", 0)
    evalsha = r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0)
    return errors, evalsha


def test_register_script_falls_back_on_noscript(r):
    body = "return {KEYS[1], ARGV[1], redis.call('incr', KEYS[1])}"
    script = r.register_script(body)
    assert script.sha == sha1(body)
    assert r.script_exists(script.sha) == [False]
    noscript0, evalsha0 = _stats(r)
    # First call: EVALSHA -> NOSCRIPT, then SCRIPT LOAD and EVALSHA again.
    assert script(keys=["n"], args=["a"]) == ["n", "a", 1]
    noscript1, evalsha1 = _stats(r)
    assert (noscript1 - noscript0, evalsha1 - evalsha0) == (1, 2)
    assert r.script_exists(script.sha) == [True]
    # Cached: one EVALSHA, no error.
    assert script(keys=["n"], args=["b"]) == ["n", "b", 2]
    noscript2, evalsha2 = _stats(r)
    assert (noscript2 - noscript1, evalsha2 - evalsha1) == (0, 1)
    # After SCRIPT FLUSH the fallback happens again.
    r.script_flush()
    assert script(keys=["n"], args=["c"]) == ["n", "c", 3]
    noscript3, evalsha3 = _stats(r)
    assert (noscript3 - noscript2, evalsha3 - evalsha2) == (1, 2)


def test_register_script_with_another_client_and_errors(r):
    script = r.register_script("return redis.call('hget', KEYS[1], ARGV[1])")
    other = make_client()
    try:
        other.hset("h", "f", "v")
        assert script(keys=["h"], args=["f"], client=other) == "v"
        assert script(keys=["h"], args=["zz"]) is None
        other.set("s", "x")
        with pytest.raises(ResponseError) as e:
            script(keys=["s"], args=["f"])
        assert str(e.value).startswith(WRONGTYPE + " script: ")
    finally:
        other.close()


def test_scripts_in_pipelines(r):
    incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    get = r.register_script("return redis.call('get', KEYS[1])")
    # Not cached yet: the pipeline loads them (SCRIPT EXISTS / SCRIPT LOAD) before running.
    for transaction in (False, True):
        r.delete("c")
        p = r.pipeline(transaction=transaction)
        incr(keys=["c"], args=[5], client=p)
        incr(keys=["c"], args=[2], client=p)
        get(keys=["c"], client=p)
        p.eval("return redis.call('incr', KEYS[1])", 1, "c")
        assert p.execute() == [5, 7, "7", 8]
        assert r.script_exists(incr.sha, get.sha) == [True, True]
        r.script_flush()


def test_pipeline_errors_of_scripts_in_place(r):
    r.set("s", "x")
    p = r.pipeline()
    p.eval("return redis.call('incr', KEYS[1])", 1, "n")
    p.eval("return redis.call('lpush', KEYS[1], 'v')", 1, "s")
    p.evalsha("f" * 40, 0)
    p.eval("return {err='CUSTOM bad'}", 0)
    p.get("n")
    res = p.execute(raise_on_error=False)
    assert res[0] == 1 and res[4] == "1"
    assert isinstance(res[1], ResponseError) and str(res[1]).startswith(WRONGTYPE + " script: ")
    assert isinstance(res[2], NoScriptError)
    assert isinstance(res[3], ResponseError) and str(res[3]) == "CUSTOM bad"


# ---------------------------------------------------------------------------
# Lock (redis-py's Lua scripts for release / extend / reacquire)
# ---------------------------------------------------------------------------

def test_lock_acquire_release(r):
    lock = r.lock("res", timeout=10)
    assert lock.acquire(blocking=False) is True
    token = r.get("res")
    assert token is not None and lock.owned() and lock.locked()
    assert 9000 < r.pttl("res") <= 10000
    rival = r.lock("res", timeout=10)
    assert rival.acquire(blocking=False) is False
    assert rival.owned() is False and rival.locked() is True
    lock.release()
    assert r.exists("res") == 0 and lock.locked() is False
    assert rival.acquire(blocking=False) is True
    assert r.get("res") != token
    rival.release()


def test_lock_context_manager_and_release_errors(r):
    with r.lock("res", timeout=5) as lock:
        assert lock.owned()
    assert r.exists("res") == 0
    with pytest.raises(LockError) as e:
        lock.release()
    # Decided by redis-py (no token held): no command is sent.
    assert str(e.value) == "Cannot release a lock that's not owned or is already unlocked."


def test_lock_extend_and_reacquire(r):
    lock = r.lock("res", timeout=2)
    assert lock.acquire(blocking=False)
    assert lock.extend(10) is True  # adds 10 s
    assert 11000 < r.pttl("res") <= 12000
    assert lock.extend(3, replace_ttl=True) is True
    assert 2000 < r.pttl("res") <= 3000
    assert lock.reacquire() is True  # back to the lock's timeout
    assert 1000 < r.pttl("res") <= 2000
    no_ttl = r.lock("other")
    assert no_ttl.acquire(blocking=False)
    with pytest.raises(LockError) as e:
        no_ttl.extend(1)
    assert "Cannot extend a lock with no timeout" in str(e.value)
    lock.release()
    no_ttl.release()


def test_lock_expires_and_the_old_owner_cannot_release(r):
    lock = r.lock("res", timeout=0.2)
    assert lock.acquire(blocking=False)
    wait_until(lambda: r.exists("res"), 0, timeout=3)
    assert lock.owned() is False
    rival = r.lock("res", timeout=10)
    assert rival.acquire(blocking=False)
    # The extend / reacquire / release scripts see another token: 0, LockNotOwnedError.
    with pytest.raises(LockNotOwnedError) as e:
        lock.extend(5)
    assert str(e.value) == "Cannot extend a lock that's no longer owned"
    with pytest.raises(LockNotOwnedError) as e:
        lock.reacquire()
    assert str(e.value) == "Cannot reacquire a lock that's no longer owned"
    with pytest.raises(LockNotOwnedError) as e:
        lock.release()
    assert str(e.value) == "Cannot release a lock that's no longer owned"
    assert rival.owned()
    rival.release()


def test_lock_release_of_a_key_taken_by_someone_else(r):
    lock = r.lock("res", timeout=10)
    assert lock.acquire(blocking=False)
    r.set("res", "someone-else")
    with pytest.raises(LockNotOwnedError):
        lock.release()
    assert r.get("res") == "someone-else"  # the release script did not delete it


def test_blocking_lock_between_two_clients(r):
    # thread_local=False: the token must be visible to the releasing thread.
    holder = r.lock("res", timeout=10, thread_local=False)
    assert holder.acquire(blocking=False)
    waiter_client = make_client()
    result = {}

    def waiter():
        lock = waiter_client.lock("res", timeout=10, sleep=0.02)
        t0 = time.monotonic()
        result["acquired"] = lock.acquire(blocking=True, blocking_timeout=5)
        result["waited"] = time.monotonic() - t0
        result["owned"] = lock.owned()
        lock.release()

    def releaser():
        time.sleep(0.3)
        holder.release()

    try:
        run_threads([waiter, releaser], timeout=10)
    finally:
        waiter_client.close()
    assert result["acquired"] is True and result["owned"] is True
    assert result["waited"] >= 0.25
    # Without a release in time, the waiter gives up.
    holder = r.lock("res", timeout=10)
    assert holder.acquire(blocking=False)
    t0 = time.monotonic()
    assert r.lock("res", sleep=0.02).acquire(blocking=True, blocking_timeout=0.3) is False
    assert time.monotonic() - t0 >= 0.25
    holder.release()


# ---------------------------------------------------------------------------
# Raw wire shapes
# ---------------------------------------------------------------------------

def test_raw_lua_to_resp(raw):
    same(raw.cmd("EVAL", "return {1, 'a', true, false}", "0"), [1, b"a", 1, NIL])
    same(raw.cmd("EVAL", "return nil", "0"), NIL)
    same(raw.cmd("EVAL", "return {ok='S'}", "0"), Status("S"))
    same(raw.cmd("EVAL", "return {err='E x'}", "0"), Error("E x"))
    same(raw.cmd("EVAL", "return redis.error_reply('plain')", "0"), Error("ERR plain"))
    same(raw.cmd("EVAL", "return {1, {err='inner'}}", "0"), [1, Error("inner")])
    if PROTOCOL == 3:
        same(raw.cmd("EVAL", "return {map={a=1}}", "0"), Map([(b"a", 1)]))
        same(raw.cmd("EVAL", "return {set={m=true}}", "0"), Set([b"m"]))
        same(raw.cmd("EVAL", "return {double=0.1}", "0"), double("0.10000000000000001"))
        same(raw.cmd("EVAL", "return {big_number='123456789012345678901'}", "0"),
             BigNum(123456789012345678901))
        v = raw.cmd("EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0")
        assert isinstance(v, Verbatim) and v == b"hi" and v.fmt == b"txt"
        same(raw.cmd("EVAL", "redis.setresp(3) return {true, false, nil}", "0"),
             [Bool(True), Bool(False)])
        same(raw.cmd("EVAL", "redis.setresp(3) return false", "0"), Bool(False))
    else:
        same(raw.cmd("EVAL", "return {map={a=1}}", "0"), [b"a", 1])
        same(raw.cmd("EVAL", "return {set={m=true}}", "0"), [b"m"])
        same(raw.cmd("EVAL", "return {double=0.1}", "0"), b"0.10000000000000001")
        same(raw.cmd("EVAL", "return {big_number='123456789012345678901'}", "0"),
             b"123456789012345678901")
        same(raw.cmd("EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0"), b"hi")
        same(raw.cmd("EVAL", "redis.setresp(3) return {true, false, nil}", "0"), [1, 0])
        same(raw.cmd("EVAL", "redis.setresp(3) return false", "0"), 0)


def test_raw_resp_to_lua(raw):
    raw.cmd("ZADD", "z", "1.5", "m")
    raw.cmd("HSET", "h", "f", "v")
    same(raw.cmd("EVAL", "return {type(redis.call('get', 'nokey')), "
                 "tostring(redis.call('get', 'nokey'))}", "0"), [b"boolean", b"false"])
    same(raw.cmd("EVAL", "redis.setresp(3) return type(redis.call('get', 'nokey'))", "0"), b"nil")
    same(raw.cmd("EVAL", "return redis.call('zscore', 'z', 'm')", "0"), b"1.5")
    same(raw.cmd("EVAL", "redis.setresp(3) local d = redis.call('zscore', 'z', 'm') "
                 "return {type(d), tostring(d.double)}", "0"), [b"table", b"1.5"])
    same(raw.cmd("EVAL", "redis.setresp(3) return redis.call('hgetall', 'h').map.f", "0"), b"v")
    same(raw.cmd("EVAL", "return redis.call('set', 'k', 'v').ok", "0"), b"OK")
    same(raw.cmd("EVAL", "return redis.pcall('incr', 'h').err", "0"), WRONGTYPE.encode())


def test_raw_function_list_and_stats_shapes(raw):
    code = ("#!lua name=shape\nredis.register_function{function_name='f', "
            "callback=function() return 1 end, flags={'no-writes'}, description='desc'}")
    same(raw.cmd("FUNCTION", "LOAD", code), b"shape")
    fn = [(b"name", b"f"), (b"description", b"desc"), (b"flags", [Status("no-writes")])]
    lib = [(b"library_name", b"shape"), (b"engine", b"LUA")]
    stats = [(b"running_script", NIL),
             (b"engines", [(b"LUA", [(b"libraries_count", 1), (b"functions_count", 1)])])]
    if PROTOCOL == 3:
        fn[2] = (b"flags", Set([Status("no-writes")]))
        same(raw.cmd("FUNCTION", "LIST"), [Map(lib + [(b"functions", [Map(fn)])])])
        same(raw.cmd("FUNCTION", "LIST", "WITHCODE"),
             [Map(lib + [(b"functions", [Map(fn)]), (b"library_code", code.encode())])])
        same(raw.cmd("FUNCTION", "STATS"),
             Map([stats[0], (b"engines", Map([(b"LUA", Map(stats[1][1][0][1]))]))]))
    else:
        flat = [x for pair in fn for x in pair]
        same(raw.cmd("FUNCTION", "LIST"),
             [[b"library_name", b"shape", b"engine", b"LUA", b"functions", [flat]]])
        same(raw.cmd("FUNCTION", "STATS"),
             [b"running_script", NIL, b"engines",
              [b"LUA", [b"libraries_count", 1, b"functions_count", 1]]])
    same(raw.cmd("FCALL_RO", "f", "0"), 1)


# ---------------------------------------------------------------------------
# Functions through redis-py
# ---------------------------------------------------------------------------

LIB = ("#!lua name=mylib\n"
       "redis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) "
       "return redis.call('get', keys[1]) end)\n"
       "redis.register_function{function_name='readonly', callback=function(keys) "
       "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}")
LIB2 = "#!lua name=other\nredis.register_function('ping2', function() return 'pong2' end)"


def _functions(library_entry):
    """{name: (description, flags)} of one FUNCTION LIST entry as redis-py returns it."""
    entry = library_entry if isinstance(library_entry, dict) else dict(
        zip(library_entry[::2], library_entry[1::2]))
    out = {}
    for f in entry["functions"]:
        f = f if isinstance(f, dict) else dict(zip(f[::2], f[1::2]))
        out[f["name"]] = (f["description"], sorted(f["flags"]))
    return entry["library_name"], entry["engine"], out, entry.get("library_code")


def test_function_load_call_list_delete(r):
    assert r.function_load(LIB) == "mylib"
    assert r.fcall("setget", 1, "k", "v1") == "v1"
    assert r.fcall_ro("readonly", 1, "k") == "v1"
    assert r.fcall("readonly", 1, "k") == "v1"
    with pytest.raises(ResponseError) as e:
        r.fcall_ro("setget", 1, "k", "v2")
    assert str(e.value) == "Can not execute a script with write flag using *_ro command."
    with pytest.raises(ResponseError) as e:
        r.fcall("nosuch", 0)
    assert str(e.value) == "Function not found"
    (listed,) = r.function_list()
    name, engine, functions, code = _functions(listed)
    assert (name, engine, code) == ("mylib", "LUA", None)
    assert functions == {"setget": (None, []), "readonly": ("reads a key", ["no-writes"])}
    (listed,) = r.function_list(library="my*", withcode=True)
    assert _functions(listed)[3] == LIB
    assert r.function_list(library="nomatch*") == []
    with pytest.raises(ResponseError) as e:
        r.function_load(LIB)
    assert str(e.value) == "Library 'mylib' already exists"
    assert r.function_load(LIB, replace=True) == "mylib"
    assert r.function_delete("mylib") is True
    with pytest.raises(ResponseError) as e:
        r.function_delete("mylib")
    assert str(e.value) == "Library not found"
    assert r.function_list() == []


def test_function_load_errors(r):
    cases = [
        ("return 1", "Missing library metadata"),
        ("#!lua\nreturn 1", "Library name was not given"),
        ("#!lua name=x\nreturn 1", "No functions registered"),
        ("#!lua name=x foo=bar\nreturn 1", "Invalid metadata value given: foo=bar"),
        ("#!lua name=x\nreturn 1 +",
         "Error compiling function: user_function:2: unexpected symbol near '<eof>'"),
        ("#!lua name=x\nredis.register_function('f', 1)",
         "Error registering functions: ERR second argument to redis.register_function must be "
         "a function"),
        ("#!lua name=x\nredis.call('ping')",
         "Error registering functions: ERR user_function:2: Script attempted to access "
         "nonexistent global variable 'call'"),
    ]
    for code, message in cases:
        with pytest.raises(ResponseError) as e:
            r.function_load(code)
        assert str(e.value) == message, code
    r.function_load(LIB)
    with pytest.raises(ResponseError) as e:
        r.function_load("#!lua name=clash\nredis.register_function('setget', function() end)")
    assert str(e.value) == "Function setget already exists"


def test_function_stats_and_flush(r):
    stats = r.function_stats()
    if PROTOCOL == 2:
        assert stats == ["running_script", None, "engines",
                         ["LUA", ["libraries_count", 0, "functions_count", 0]]]
    else:
        assert stats == {"running_script": None,
                         "engines": {"LUA": {"libraries_count": 0, "functions_count": 0}}}
    r.function_load(LIB)
    r.function_load(LIB2)
    stats = r.function_stats()
    counts = stats[3][1] if PROTOCOL == 2 else stats["engines"]["LUA"]
    assert counts == (["libraries_count", 2, "functions_count", 3] if PROTOCOL == 2
                      else {"libraries_count": 2, "functions_count": 3})
    r.flushall()  # keeps functions
    assert r.fcall("ping2", 0) == "pong2"
    assert r.function_flush("ASYNC") is True
    assert r.function_list() == []
    r.function_load(LIB2)
    assert r.function_flush("SYNC") is True
    with pytest.raises(ResponseError):
        r.fcall("ping2", 0)


def test_function_dump_restore_round_trip(r):
    r.function_load(LIB)
    r.function_load(LIB2)
    payload = r.function_dump()
    assert isinstance(payload, bytes) and payload
    r.function_flush()
    assert r.function_restore(payload) is True  # APPEND by default
    assert sorted(_functions(x)[0] for x in r.function_list()) == ["mylib", "other"]
    assert r.fcall("setget", 1, "k", "restored") == "restored"
    with pytest.raises(ResponseError) as e:
        r.function_restore(payload)
    assert re.fullmatch(r"Library (mylib|other) already exists", str(e.value)), str(e.value)
    with pytest.raises(ResponseError):
        r.function_restore(payload, "APPEND")
    # REPLACE: the libraries of the payload replace those of the same name.
    r.function_load("#!lua name=other\nredis.register_function('ping2', function() return 'v2' end)",
                    replace=True)
    assert r.fcall("ping2", 0) == "v2"
    assert r.function_restore(payload, "REPLACE") is True
    assert r.fcall("ping2", 0) == "pong2"
    # FLUSH: everything else goes.
    r.function_load("#!lua name=extra\nredis.register_function('extra', function() return 1 end)")
    assert r.function_restore(payload, "FLUSH") is True
    assert sorted(_functions(x)[0] for x in r.function_list()) == ["mylib", "other"]
    with pytest.raises(ResponseError):
        r.fcall("extra", 0)
    # A function name held by another library blocks even REPLACE; nothing is restored.
    r.function_flush()
    r.function_load("#!lua name=holder\nredis.register_function('ping2', function() return 'h' end)")
    with pytest.raises(ResponseError) as e:
        r.function_restore(payload, "REPLACE")
    assert str(e.value) == "Function ping2 already exists"
    assert [_functions(x)[0] for x in r.function_list()] == ["holder"]
    # Damaged payloads and bad policies.
    with pytest.raises(ResponseError) as e:
        r.function_restore(payload[:-1])
    assert str(e.value) == "DUMP payload version or checksum are wrong"
    with pytest.raises(ResponseError) as e:
        r.function_restore(payload, "BOGUS")
    assert str(e.value) == ("Wrong restore policy given, value should be either FLUSH, APPEND "
                            "or REPLACE.")


def test_function_dump_of_nothing_restores_nothing(r):
    empty = r.function_dump()
    r.function_load(LIB2)
    assert r.function_restore(empty) is True
    assert r.fcall("ping2", 0) == "pong2"
    assert r.function_restore(empty, "FLUSH") is True
    assert r.function_list() == []


def test_fcall_in_pipelines_and_transactions(r):
    r.function_load(LIB)
    for transaction in (False, True):
        p = r.pipeline(transaction=transaction)
        p.fcall("setget", 1, "k", "a").fcall_ro("readonly", 1, "k").fcall("nosuch", 0).get("k")
        res = p.execute(raise_on_error=False)
        assert res[0] == "a" and res[1] == "a" and res[3] == "a"
        assert isinstance(res[2], ResponseError) and str(res[2]) == "Function not found"


def test_function_errors_name_the_function(r):
    r.function_load("#!lua name=errs\n"
                    "redis.register_function('boom', function() error('inner') end)\n"
                    "redis.register_function('wrong', function(keys) "
                    "return redis.call('lpush', keys[1], 'x') end)")
    with pytest.raises(ResponseError) as e:
        r.fcall("boom", 0)
    assert str(e.value) == "user_function:2: inner script: boom, on @user_function:2."
    r.set("s", "x")
    with pytest.raises(ResponseError) as e:
        r.fcall("wrong", 1, "s")
    assert str(e.value) == f"{WRONGTYPE} script: wrong, on @user_function:3."


# ---------------------------------------------------------------------------
# Isolation: concurrent scripts on separate connections
# ---------------------------------------------------------------------------

COUNTER = ("local k = ARGV[1] .. ':counter' "
           "local v = tonumber(redis.call('get', k) or '0') "
           "redis.call('set', k, v + 1) return v + 1")
# Moves ARGV[2] units from one undeclared key to the other, with reads in between so that a
# server interleaving other clients inside the script would expose the half-done transfer.
TRANSFER = ("local a, b = ARGV[1] .. ':a', ARGV[1] .. ':b' "
            "local from, to = a, b if tonumber(ARGV[3]) == 1 then from, to = b, a end "
            "local have = tonumber(redis.call('get', from)) "
            "local n = tonumber(ARGV[2]) if n > have then n = have end "
            "redis.call('set', from, have - n) "
            "for i = 1, 20 do redis.call('get', to) end "
            "redis.call('set', to, tonumber(redis.call('get', to)) + n) "
            "return n")


def test_scripts_are_isolated_counter():
    threads, calls = 8, 150
    clients = [make_client() for _ in range(threads)]
    sha = clients[0].script_load(COUNTER)

    def worker(c, i):
        def body():
            for j in range(calls):
                if j % 2:
                    c.evalsha(sha, 0, "iso")
                else:
                    c.eval(COUNTER, 0, "iso")
        return body

    try:
        run_threads([worker(c, i) for i, c in enumerate(clients)], timeout=120)
        assert clients[0].get("iso:counter") == str(threads * calls)
    finally:
        for c in clients:
            c.close()


def test_scripts_are_isolated_transfers():
    total = 1000
    movers, readers, rounds = 4, 3, 150
    setup = make_client()
    setup.mset({"acct:a": total, "acct:b": 0})
    stop = threading.Event()
    seen = []
    clients = [make_client() for _ in range(movers + readers)]

    def mover(c, i):
        def body():
            for j in range(rounds):
                c.eval(TRANSFER, 0, "acct", (i * 7 + j) % 50 + 1, (i + j) % 2)
        return body

    def reader(c):
        def body():
            while not stop.is_set():
                a, b = c.mget("acct:a", "acct:b")
                seen.append(int(a) + int(b))
                # A read-only script sees a consistent state too.
                seen.append(c.eval_ro("#!lua flags=no-writes\nreturn redis.call('get', "
                                      "ARGV[1] .. ':a') + redis.call('get', ARGV[1] .. ':b')",
                                      0, "acct"))
        return body

    def movers_then_stop():
        try:
            run_threads([mover(c, i) for i, c in enumerate(clients[:movers])], timeout=120)
        finally:
            stop.set()

    try:
        run_threads([movers_then_stop] + [reader(c) for c in clients[movers:]], timeout=150)
        a, b = setup.mget("acct:a", "acct:b")
        assert int(a) + int(b) == total
        assert seen and set(seen) == {total}, sorted(set(seen))[:10]
    finally:
        setup.close()
        for c in clients:
            c.close()


# ---------------------------------------------------------------------------
# BUSY, SCRIPT KILL, FUNCTION KILL
# ---------------------------------------------------------------------------

@pytest.fixture
def low_busy_threshold(r):
    """busy-reply-threshold at 100 ms for the test, the original value restored after."""
    original = r.config_get("busy-reply-threshold")["busy-reply-threshold"]
    assert r.config_set("busy-reply-threshold", 100) is True
    yield
    # A script still running would answer BUSY: wait for the server to be free first.
    c = open_raw()
    try:
        wait_until(lambda: c.cmd("PING"), Status("PONG"), timeout=10)
        assert c.cmd("CONFIG", "SET", "busy-reply-threshold", original) == "OK"
    finally:
        c.close()


def _wait_busy(conn, expected, timeout=5.0):
    """Polls PING on conn until the server answers BUSY; returns that error."""
    deadline = time.monotonic() + timeout
    while True:
        reply = conn.cmd("PING")
        if isinstance(reply, Error) and reply.startswith("BUSY"):
            return reply
        assert reply == Status("PONG"), reply
        assert time.monotonic() < deadline, "the server never answered BUSY"
        time.sleep(0.02)


def test_busy_script_and_script_kill(new_raw, low_busy_threshold):
    runner, other = new_raw(), new_raw()
    script = "local i = 0 while true do i = i + 1 end"
    result = {}

    def run():
        result["reply"] = runner.cmd("EVAL", script, "0")

    def kill():
        busy = _wait_busy(other, BUSY_EVAL)
        result["busy"] = busy
        result["get"] = other.cmd("GET", "k")
        result["function_kill"] = other.cmd("FUNCTION", "KILL")
        result["kill"] = other.cmd("SCRIPT", "KILL")

    run_threads([run, kill], timeout=20)
    same(result["busy"], Error(BUSY_EVAL))
    same(result["get"], Error(BUSY_EVAL))
    same(result["function_kill"], Error(BUSY_EVAL))
    same(result["kill"], OK)
    same(result["reply"], Error(f"ERR Script killed by user with SCRIPT KILL... script: "
                                f"{sha1(script)}, on @user_script:1."))
    # The server works again, for both clients.
    same(other.cmd("PING"), Status("PONG"))
    same(runner.cmd("EVAL", "return 'alive'", "0"), b"alive")
    same(other.cmd("SCRIPT", "KILL"), Error(NOTBUSY))


def test_busy_function_and_function_kill(r, new_raw, low_busy_threshold):
    r.function_load("#!lua name=looping\n"
                    "redis.register_function('spin', function() while true do end end)")
    runner, other = new_raw(), new_raw()
    result = {}

    def run():
        result["reply"] = runner.cmd("FCALL", "spin", "0")

    def kill():
        result["busy"] = _wait_busy(other, BUSY_FUNCTION)
        result["script_kill"] = other.cmd("SCRIPT", "KILL")
        result["stats"] = other.cmd("FUNCTION", "STATS")
        result["kill"] = other.cmd("FUNCTION", "KILL")

    run_threads([run, kill], timeout=20)
    same(result["busy"], Error(BUSY_FUNCTION))
    same(result["script_kill"], Error(BUSY_FUNCTION))
    same(result["kill"], OK)
    same(result["reply"], Error("ERR Script killed by user with SCRIPT KILL... script: spin, "
                                "on @user_function:2."))
    stats = result["stats"]
    if PROTOCOL == 3:
        assert isinstance(stats, Map)
        stats = dict(stats)
        running = dict(stats[b"running_script"])
        counts = dict(dict(stats[b"engines"])[b"LUA"])
    else:
        stats = dict(zip(stats[::2], stats[1::2]))
        running = dict(zip(stats[b"running_script"][::2], stats[b"running_script"][1::2]))
        engines = stats[b"engines"]
        lua = dict(zip(engines[::2], engines[1::2]))[b"LUA"]
        counts = dict(zip(lua[::2], lua[1::2]))
    assert running[b"name"] == b"spin"
    assert running[b"command"] == [b"FCALL", b"spin", b"0"]
    assert isinstance(running[b"duration_ms"], int) and running[b"duration_ms"] >= 100
    assert counts == {b"libraries_count": 1, b"functions_count": 1}
    same(other.cmd("FUNCTION", "KILL"), Error(NOTBUSY))
    same(runner.cmd("PING"), Status("PONG"))


def test_slow_script_below_the_threshold_makes_others_wait(new_raw):
    runner, other = new_raw(), new_raw()
    script = ("local s = redis.call('time') local n repeat n = redis.call('time') "
              "until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 300000 "
              "return redis.call('incr', KEYS[1])")
    result = {}

    def run():
        result["script"] = runner.cmd("EVAL", script, "1", "c")

    def wait_for_it():
        time.sleep(0.1)
        t0 = time.monotonic()
        result["incr"] = other.cmd("INCR", "c")
        result["waited"] = time.monotonic() - t0

    run_threads([run, wait_for_it], timeout=20)
    assert result["script"] == 1 and result["incr"] == 2
    assert result["waited"] >= 0.1


def test_script_errors_in_errorstats_and_info_memory(r):
    """An error a script returns counts like the command's own error (once: one a command
    raised inside the script was counted already); INFO memory reports the cache."""
    r.config_resetstat()
    with pytest.raises(ResponseError, match="custom msg"):
        r.eval("return redis.error_reply('MY_ERR_CODE custom msg')", 0)
    with pytest.raises(ResponseError):
        r.eval("return redis.pcall('nosuch')", 0)
    r.set("{sc}k", "v")
    with pytest.raises(ResponseError, match="not an integer"):
        r.eval("return redis.pcall('incr', KEYS[1])", 1, "{sc}k")
    errors = r.info("errorstats")
    assert errors["errorstat_MY_ERR_CODE"]["count"] == 1
    assert errors["errorstat_ERR"]["count"] == 2
    assert r.info("commandstats")["cmdstat_eval"]["failed_calls"] == 3
    r.script_flush()
    r.script_load("return 1")
    r.script_load("return 2")
    memory = r.info("memory")
    assert memory["number_of_cached_scripts"] == 2
    assert memory["used_memory_vm_eval"] > 0
    assert memory["used_memory_lua"] == memory["used_memory_vm_eval"]
    assert "number_of_functions" in memory and "number_of_libraries" in memory
