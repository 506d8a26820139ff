"""grpcio suite for the scripting RPCs (proto/memorabilia/v1/scripting.proto): Eval,
EvalSha, ScriptLoad and FCall run the scripts and functions RESP clients run (one script
cache, one set of libraries), with keys and arguments as bytes and a Reply back; errors are
the call's status (NOSCRIPT as NOT_FOUND, BUSY as UNAVAILABLE). Reuses test_grpc.py's stubs,
fixtures and helpers.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_scripting.py
"""
import threading

import grpc

from test_grpc import (  # noqa: F401 - fixtures are used by name
    INVALID, NOT_FOUND, _flushall, assert_status, b, channel, ex, m, pb, raw_stub, rpc_error)
from memorabilia.v1 import scripting_pb2 as spb

INCR = "return redis.call('INCR', KEYS[1])"


def eval_(m, script, keys=(), args=(), **kw):
    return m.Eval(spb.EvalRequest(script=b(script), keys=[b(k) for k in keys],
                                  args=[b(a) for a in args], **kw))


def test_eval_converts_like_resp(m):
    r = eval_(m, "return {1, 'two', 3.9, false, {ok='fine'}, nil, 5}")
    items = r.array.items
    assert [i.WhichOneof("kind") for i in items] == ["integer", "bulk", "integer", "null",
                                                     "simple"]
    assert (items[0].integer, items[1].bulk, items[2].integer, items[4].simple) == \
        (1, b"two", 3, "fine")
    assert eval_(m, "redis.setresp(3) return {double=1.5}").double == 1.5
    r = eval_(m, "return {KEYS[1], ARGV[1], ARGV[2]}", keys=["k"], args=["a", "\x00b"])
    assert [i.bulk for i in r.array.items] == [b"k", b"a", b"\x00b"]


def test_eval_sees_and_makes_writes_of_every_front_end(m):
    ex(m, "SET", "n", "41")
    assert eval_(m, INCR, keys=["n"]).integer == 42
    assert ex(m, "GET", "n").bulk == b"42"
    assert eval_(m, "return redis.call('GET', 'n')", db=1).WhichOneof("kind") == "null"


def test_script_load_and_eval_sha(m):
    sha = m.ScriptLoad(spb.ScriptLoadRequest(script=b(INCR))).sha1
    assert sha == ex(m, "SCRIPT", "LOAD", INCR).bulk.decode()
    assert len(sha) == 40
    for expected in (1, 2):
        r = m.EvalSha(spb.EvalShaRequest(sha1=sha.upper(), keys=[b"c"]))
        assert r.integer == expected
    assert ex(m, "SCRIPT", "EXISTS", sha).array.items[0].integer == 1


def test_errors_are_statuses(m):
    err = rpc_error(m.EvalSha, spb.EvalShaRequest(sha1="f" * 40))
    assert_status(err, NOT_FOUND, "NOSCRIPT No matching script. Please use EVAL.")
    err = rpc_error(m.ScriptLoad, spb.ScriptLoadRequest(script=b"return ("))
    assert err.code() == INVALID
    assert err.details().startswith("ERR Error compiling script (new function): user_script:1:")
    ex(m, "SET", "s", "x")
    err = rpc_error(m.Eval, spb.EvalRequest(script=b(INCR), keys=[b"s"]))
    assert err.code() == INVALID and err.details().startswith(
        "ERR value is not an integer or out of range script: ")
    err = rpc_error(m.Eval, spb.EvalRequest(script=b"return redis.call('SET', 'k', 'v')",
                                            read_only=True))
    assert err.details().startswith("ERR Write commands are not allowed from read-only scripts.")
    err = rpc_error(m.Eval, spb.EvalRequest(script=b"return 1", db=99))
    assert_status(err, INVALID, "ERR DB index is out of range")


def test_fcall_runs_functions_loaded_over_either_front_end(m):
    ex(m, "FUNCTION", "FLUSH")
    lib = ("#!lua name=glib\n"
           "redis.register_function('add', function(keys, args) "
           "return redis.call('INCRBY', keys[1], args[1]) end)\n"
           "redis.register_function{function_name='peek', callback=function(keys) "
           "return redis.call('GET', keys[1]) end, flags={'no-writes'}}")
    assert ex(m, "FUNCTION", "LOAD", lib).bulk == b"glib"
    r = m.FCall(spb.FCallRequest(function="add", keys=[b"x"], args=[b"5"]))
    assert r.integer == 5
    r = m.FCall(spb.FCallRequest(function="peek", keys=[b"x"], read_only=True))
    assert r.bulk == b"5"
    err = rpc_error(m.FCall, spb.FCallRequest(function="add", keys=[b"x"], args=[b"1"],
                                              read_only=True))
    assert_status(err, INVALID, "ERR Can not execute a script with write flag using *_ro command.")
    err = rpc_error(m.FCall, spb.FCallRequest(function="nope"))
    assert_status(err, INVALID, "ERR Function not found")
    ex(m, "FUNCTION", "FLUSH")


def test_scripts_are_atomic_across_grpc_calls(m):
    # Many threads each add 1 to a counter whose name the script builds from ARGV (an
    # undeclared key): no increment may be lost.
    script = ("local k = ARGV[1] .. ':n' local v = tonumber(redis.call('GET', k) or '0') "
              "redis.call('SET', k, v + 1) return v + 1")
    threads, per = 6, 100
    errors = []

    def work():
        try:
            for _ in range(per):
                eval_(m, script, args=["ctr"])
        except grpc.RpcError as e:  # pragma: no cover - reported below
            errors.append(e)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert not errors
    assert ex(m, "GET", "ctr:n").bulk == str(threads * per).encode()
