"""gRPC client suite for Memorabilia: the memorabilia.v1 API, health and reflection.

An independent client: Python stubs are generated from proto/ with grpcio-tools
at session start (into a temporary directory; nothing generated is kept), and
every RPC is called through grpcio exactly as a user of the API would.

Environment:
  GRPC_PORT    port of the server's gRPC listener (required)
  GRPC_HOST    host (default 127.0.0.1)
  SERVER_PORT  port of the same server's RESP listener (optional): when set,
               one test checks that both front ends share one store

Run (from compat-tests/, without the redis-py conftest):
    GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc.py

Every test starts from FLUSHALL sent through Execute. Expected values are
Redis 7.2's (the API documents that every RPC runs the Redis command's
implementation); the error texts were checked against a real redis-server.
"""
import atexit
import glob
import math
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pytest

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTO_DIR = os.path.join(ROOT, "proto")
PROTO_FILE = "memorabilia/v1/memorabilia.proto"

HOST = os.environ.get("GRPC_HOST", "127.0.0.1")
try:
    PORT = int(os.environ["GRPC_PORT"])
except (KeyError, ValueError):
    raise pytest.UsageError("GRPC_PORT must be set to the gRPC port of the server under test")

TIMEOUT = 10  # seconds, for every call
SERVICE = "memorabilia.v1.Memorabilia"


def _generate_stubs():
    out = tempfile.mkdtemp(prefix="memorabilia-grpc-stubs-")
    atexit.register(shutil.rmtree, out, True)
    # Every file of the package: memorabilia.proto imports the per-family ones.
    files = sorted(os.path.relpath(path, PROTO_DIR) for path in
                   glob.glob(os.path.join(PROTO_DIR, "memorabilia", "v1", "*.proto")))
    proc = subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", PROTO_DIR,
         f"--python_out={out}", f"--grpc_python_out={out}", *files],
        capture_output=True, text=True)
    if proc.returncode != 0:
        raise pytest.UsageError(f"grpc_tools.protoc failed:\n{proc.stdout}{proc.stderr}")
    sys.path.insert(0, out)


_generate_stubs()

from memorabilia.v1 import memorabilia_pb2 as pb  # noqa: E402
from memorabilia.v1 import memorabilia_pb2_grpc as pb_grpc  # noqa: E402
from memorabilia.v1 import lists_pb2 as lpb  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402
from grpc_status import rpc_status  # noqa: E402

# The RPCs of the service, in proto order; Pipeline is the only streaming one.
TYPED_RPCS = [
    "Ping", "Get", "Set", "GetDel", "GetEx", "MGet", "MSet", "MSetNx", "Incr", "IncrBy",
    "IncrByFloat", "Append", "StrLen", "GetRange", "SetRange", "Del", "Exists", "Type",
    "Expire", "Persist", "Ttl", "Rename", "Copy", "Scan", "DbSize", "FlushDb",
    "LPush", "RPush", "LPop", "RPop", "LLen", "LRange", "LIndex", "LSet", "LRem", "LTrim",
    "LMove", "BLPop", "BRPop", "BLMove",
]
# The typed RPCs of the families with a proto file of their own, in proto order; their
# suites are test_grpc_<family>.py.
FAMILY_RPCS = [
    "HSet", "HGet", "HMGet", "HGetAll", "HDel", "HIncrBy", "HLen", "HExists",
    "SAdd", "SRem", "SMembers", "SIsMember", "SCard",
    "ZAdd", "ZRem", "ZScore", "ZIncrBy", "ZCard", "ZRank", "ZRange", "BZPopMin", "BZPopMax",
    "XAdd", "XRange", "XRead", "XAck", "XFollow",
]
# Scripting RPCs (test_grpc_scripting.py).
SCRIPTING_RPCS = ["Eval", "EvalSha", "ScriptLoad", "FCall"]
ALL_RPCS = TYPED_RPCS + FAMILY_RPCS + SCRIPTING_RPCS + ["Execute", "Batch", "Transaction", "Pipeline",
                                        "Publish", "Subscribe", "Watch"]

OK = grpc.StatusCode.OK
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION

ERR_NOT_INT = "ERR value is not an integer or out of range"
ERR_NOT_FLOAT = "ERR value is not a valid float"
ERR_DB_RANGE = "ERR DB index is out of range"
ERR_SYNTAX = "ERR syntax error"
ERR_NO_SUCH_KEY = "ERR no such key"
ERR_OVERFLOW = "ERR increment or decrement would overflow"


# ---------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------

class Client:
    """The generated stub with a deadline on every call."""

    def __init__(self, stub):
        self._stub = stub

    def __getattr__(self, name):
        method = getattr(self._stub, name)

        def call(request, **kw):
            kw.setdefault("timeout", TIMEOUT)
            return method(request, **kw)
        return call


@pytest.fixture(scope="session")
def channel():
    ch = grpc.insecure_channel(f"{HOST}:{PORT}")
    grpc.channel_ready_future(ch).result(timeout=TIMEOUT)
    yield ch
    ch.close()


@pytest.fixture(scope="session")
def raw_stub(channel):
    return pb_grpc.MemorabiliaStub(channel)


@pytest.fixture(scope="session")
def m(raw_stub):
    return Client(raw_stub)


@pytest.fixture(autouse=True)
def _flushall(m):
    assert m.Execute(pb.Command(args=[b"FLUSHALL"])) == pb.Reply(simple="OK")
    yield


def b(x):
    return x if isinstance(x, bytes) else str(x).encode()


def cmd(*args, db=0):
    return pb.Command(args=[b(a) for a in args], db=db)


def ex(m, *args, db=0):
    return m.Execute(cmd(*args, db=db))


def rpc_error(method, request):
    """Calls a unary RPC that must fail; returns the grpc.RpcError."""
    with pytest.raises(grpc.RpcError) as info:
        method(request)
    return info.value


def error_detail(err):
    """The ErrorDetail packed in the standard google.rpc.Status details, read with the
    stock googleapis status type and grpcio-status, as any Python client would."""
    status = rpc_status.from_call(err)
    if status is None:
        return None
    assert status.code == err.code().value[0]
    assert status.message == err.details()
    for any_detail in status.details:
        detail = pb.ErrorDetail()
        if any_detail.Unpack(detail):
            return detail
    return None


def assert_status(err, code, text):
    assert (err.code(), err.details()) == (code, text)
    assert error_detail(err) == pb.ErrorDetail(code=text.split(" ", 1)[0], message=text)


def expect_error(method, request, code, text):
    assert_status(rpc_error(method, request), code, text)


def now_ms():
    return int(time.time() * 1000)


def kv(k, v):
    return pb.KeyValue(key=b(k), value=b(v))


def get(m, key, db=0):
    """GET through the typed RPC: None when absent, else the bytes."""
    r = m.Get(pb.GetRequest(db=db, key=b(key)))
    return r.value if r.HasField("value") else None


def ttl(m, key, db=0):
    return m.Ttl(pb.TtlRequest(db=db, key=b(key)))


def assert_expires_in(m, key, ms, slack=3000):
    """The key expires in (ms - slack, ms] milliseconds."""
    t = ttl(m, key)
    assert t.state == pb.TTL_STATE_EXPIRES
    assert ms - slack < t.ttl_milliseconds <= ms
    assert abs(t.expire_at_unix_milliseconds - (now_ms() + t.ttl_milliseconds)) < slack
    return t


def assert_no_expiry(m, key):
    assert ttl(m, key) == pb.TtlResponse(state=pb.TTL_STATE_NO_EXPIRY)


def scan_all(m, db=0, **kw):
    """Every key of a full SCAN iteration (and the number of pages)."""
    keys, cursor, pages = [], 0, 0
    while True:
        r = m.Scan(pb.ScanRequest(db=db, cursor=cursor, **kw))
        keys.extend(r.keys)
        pages += 1
        assert pages < 10000, "SCAN never returned cursor 0"
        cursor = r.cursor
        if cursor == 0:
            return keys, pages


# ---------------------------------------------------------------------------
# Ping
# ---------------------------------------------------------------------------

def test_ping(m):
    assert m.Ping(pb.PingRequest()) == pb.PingResponse(message=b"PONG")
    assert m.Ping(pb.PingRequest(message=b"hello")).message == b"hello"
    # Set but empty: echoed as the empty string, not PONG.
    assert m.Ping(pb.PingRequest(message=b"")).message == b""
    assert m.Ping(pb.PingRequest(message=b"\x00\xff bin")).message == b"\x00\xff bin"


# ---------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------

def test_get_absent_vs_empty(m):
    r = m.Get(pb.GetRequest(key=b"missing"))
    assert not r.HasField("value")
    m.Set(pb.SetRequest(key=b"empty", value=b""))
    r = m.Get(pb.GetRequest(key=b"empty"))
    assert r.HasField("value") and r.value == b""
    blob = bytes(range(256)) * 4
    m.Set(pb.SetRequest(key=b"\x00bin\xff", value=blob))
    assert get(m, b"\x00bin\xff") == blob


def test_set_plain_and_overwrite(m):
    r = m.Set(pb.SetRequest(key=b"k", value=b"v1"))
    assert r.applied and not r.HasField("old_value")
    assert get(m, "k") == b"v1"
    assert m.Set(pb.SetRequest(key=b"k", value=b"v2")).applied
    assert get(m, "k") == b"v2"
    assert_no_expiry(m, "k")
    # The same key through Execute.
    assert ex(m, "GET", "k") == pb.Reply(bulk=b"v2")


def test_set_expiry_kinds(m):
    m.Set(pb.SetRequest(key=b"ex", value=b"v", expiry=pb.Expiry(seconds=100)))
    assert_expires_in(m, "ex", 100_000)
    m.Set(pb.SetRequest(key=b"px", value=b"v", expiry=pb.Expiry(milliseconds=5500)))
    assert_expires_in(m, "px", 5500)
    at_s = int(time.time()) + 200
    m.Set(pb.SetRequest(key=b"exat", value=b"v", expiry=pb.Expiry(unix_seconds=at_s)))
    assert ttl(m, "exat").expire_at_unix_milliseconds == at_s * 1000
    at_ms = now_ms() + 300_123
    m.Set(pb.SetRequest(key=b"pxat", value=b"v", expiry=pb.Expiry(unix_milliseconds=at_ms)))
    t = assert_expires_in(m, "pxat", 300_123)
    assert t.expire_at_unix_milliseconds == at_ms
    # A past absolute time: written, and expired at once.
    r = m.Set(pb.SetRequest(key=b"past", value=b"v", expiry=pb.Expiry(unix_seconds=1)))
    assert r.applied
    assert get(m, "past") is None
    # A short PX really expires.
    m.Set(pb.SetRequest(key=b"short", value=b"v", expiry=pb.Expiry(milliseconds=50)))
    assert get(m, "short") == b"v"
    time.sleep(0.2)
    assert get(m, "short") is None
    assert ttl(m, "short").state == pb.TTL_STATE_NO_KEY
    # A SET without expiry clears the expiry.
    m.Set(pb.SetRequest(key=b"ex", value=b"w"))
    assert_no_expiry(m, "ex")


@pytest.mark.parametrize("expiry", [
    pb.Expiry(seconds=0), pb.Expiry(seconds=-1), pb.Expiry(milliseconds=0),
    pb.Expiry(milliseconds=-5), pb.Expiry(unix_seconds=0), pb.Expiry(unix_milliseconds=-1),
])
def test_set_invalid_expiry(m, expiry):
    m.Set(pb.SetRequest(key=b"k", value=b"old"))
    expect_error(m.Set, pb.SetRequest(key=b"k", value=b"v", expiry=expiry),
                 INVALID, "ERR invalid expire time in 'set' command")
    assert get(m, "k") == b"old"


def test_set_conditions(m):
    # NX
    r = m.Set(pb.SetRequest(key=b"k", value=b"1", condition=pb.SET_CONDITION_IF_ABSENT))
    assert r == pb.SetResponse(applied=True)
    r = m.Set(pb.SetRequest(key=b"k", value=b"2", condition=pb.SET_CONDITION_IF_ABSENT))
    assert r == pb.SetResponse(applied=False)
    assert get(m, "k") == b"1"
    # XX
    r = m.Set(pb.SetRequest(key=b"nokey", value=b"x", condition=pb.SET_CONDITION_IF_PRESENT))
    assert r == pb.SetResponse(applied=False)
    assert get(m, "nokey") is None
    r = m.Set(pb.SetRequest(key=b"k", value=b"3", condition=pb.SET_CONDITION_IF_PRESENT))
    assert r.applied
    assert get(m, "k") == b"3"
    # An empty value is a present key for NX/XX.
    m.Set(pb.SetRequest(key=b"e", value=b""))
    assert not m.Set(pb.SetRequest(key=b"e", value=b"x",
                                   condition=pb.SET_CONDITION_IF_ABSENT)).applied
    assert m.Set(pb.SetRequest(key=b"e", value=b"x",
                               condition=pb.SET_CONDITION_IF_PRESENT)).applied


def test_set_keep_ttl(m):
    m.Set(pb.SetRequest(key=b"k", value=b"1", expiry=pb.Expiry(seconds=100)))
    r = m.Set(pb.SetRequest(key=b"k", value=b"2", keep_ttl=True))
    assert r.applied
    assert get(m, "k") == b"2"
    assert_expires_in(m, "k", 100_000)
    # KEEPTTL on a key without expiry, and on a new key: no expiry.
    m.Set(pb.SetRequest(key=b"n", value=b"1"))
    m.Set(pb.SetRequest(key=b"n", value=b"2", keep_ttl=True))
    assert_no_expiry(m, "n")
    m.Set(pb.SetRequest(key=b"new", value=b"1", keep_ttl=True))
    assert_no_expiry(m, "new")
    # With XX.
    r = m.Set(pb.SetRequest(key=b"k", value=b"3", keep_ttl=True,
                            condition=pb.SET_CONDITION_IF_PRESENT))
    assert r.applied
    assert_expires_in(m, "k", 100_000)
    # Not allowed together with an expiry.
    expect_error(m.Set, pb.SetRequest(key=b"k", value=b"4", keep_ttl=True,
                                      expiry=pb.Expiry(seconds=10)),
                 INVALID, ERR_SYNTAX)
    assert get(m, "k") == b"3"


def test_set_return_old(m):
    r = m.Set(pb.SetRequest(key=b"k", value=b"1", return_old=True))
    assert r.applied and not r.HasField("old_value")
    r = m.Set(pb.SetRequest(key=b"k", value=b"", return_old=True))
    assert r.applied and r.HasField("old_value") and r.old_value == b"1"
    r = m.Set(pb.SetRequest(key=b"k", value=b"2", return_old=True))
    assert r.applied and r.HasField("old_value") and r.old_value == b""
    # NX GET (Redis 7): the old value, nothing written.
    r = m.Set(pb.SetRequest(key=b"k", value=b"3", return_old=True,
                            condition=pb.SET_CONDITION_IF_ABSENT))
    assert r == pb.SetResponse(applied=False, old_value=b"2")
    assert get(m, "k") == b"2"
    # XX GET on a missing key: nothing, nothing written.
    r = m.Set(pb.SetRequest(key=b"none", value=b"3", return_old=True,
                            condition=pb.SET_CONDITION_IF_PRESENT))
    assert r.applied is False and not r.HasField("old_value")
    assert get(m, "none") is None
    # With an expiry.
    r = m.Set(pb.SetRequest(key=b"k", value=b"4", return_old=True,
                            expiry=pb.Expiry(seconds=50)))
    assert r == pb.SetResponse(applied=True, old_value=b"2")
    assert_expires_in(m, "k", 50_000)


def test_getdel(m):
    r = m.GetDel(pb.GetDelRequest(key=b"missing"))
    assert not r.HasField("value")
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    r = m.GetDel(pb.GetDelRequest(key=b"k"))
    assert r.HasField("value") and r.value == b"v"
    assert get(m, "k") is None
    m.Set(pb.SetRequest(key=b"e", value=b""))
    r = m.GetDel(pb.GetDelRequest(key=b"e"))
    assert r.HasField("value") and r.value == b""
    assert m.Exists(pb.ExistsRequest(keys=[b"e"])).count == 0


def test_getex(m):
    r = m.GetEx(pb.GetExRequest(key=b"missing", expiry=pb.Expiry(seconds=10)))
    assert not r.HasField("value")
    assert ttl(m, "missing").state == pb.TTL_STATE_NO_KEY
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    # No change.
    assert m.GetEx(pb.GetExRequest(key=b"k")).value == b"v"
    assert_no_expiry(m, "k")
    # EX, PX, EXAT, PXAT.
    assert m.GetEx(pb.GetExRequest(key=b"k", expiry=pb.Expiry(seconds=100))).value == b"v"
    assert_expires_in(m, "k", 100_000)
    m.GetEx(pb.GetExRequest(key=b"k", expiry=pb.Expiry(milliseconds=7000)))
    assert_expires_in(m, "k", 7000)
    at_ms = now_ms() + 400_000
    m.GetEx(pb.GetExRequest(key=b"k", expiry=pb.Expiry(unix_milliseconds=at_ms)))
    assert ttl(m, "k").expire_at_unix_milliseconds == at_ms
    at_s = int(time.time()) + 500
    m.GetEx(pb.GetExRequest(key=b"k", expiry=pb.Expiry(unix_seconds=at_s)))
    assert ttl(m, "k").expire_at_unix_milliseconds == at_s * 1000
    # No change keeps the expiry.
    m.GetEx(pb.GetExRequest(key=b"k"))
    assert ttl(m, "k").expire_at_unix_milliseconds == at_s * 1000
    # PERSIST.
    r = m.GetEx(pb.GetExRequest(key=b"k", persist=True))
    assert r.HasField("value") and r.value == b"v"
    assert_no_expiry(m, "k")
    # Empty value.
    m.Set(pb.SetRequest(key=b"e", value=b""))
    r = m.GetEx(pb.GetExRequest(key=b"e", persist=True))
    assert r.HasField("value") and r.value == b""
    # Invalid expiries.
    for bad in (pb.Expiry(seconds=0), pb.Expiry(milliseconds=-1), pb.Expiry(unix_seconds=0)):
        expect_error(m.GetEx, pb.GetExRequest(key=b"k", expiry=bad),
                     INVALID, "ERR invalid expire time in 'getex' command")
    assert_no_expiry(m, "k")


def test_mget(m):
    m.Set(pb.SetRequest(key=b"a", value=b"1"))
    m.Set(pb.SetRequest(key=b"e", value=b""))
    r = m.MGet(pb.MGetRequest(keys=[b"a", b"missing", b"e", b"a"]))
    assert list(r.values) == [
        pb.OptionalValue(found=True, value=b"1"),
        pb.OptionalValue(found=False),
        pb.OptionalValue(found=True, value=b""),
        pb.OptionalValue(found=True, value=b"1"),
    ]
    expect_error(m.MGet, pb.MGetRequest(), INVALID,
                 "ERR wrong number of arguments for 'mget' command")


def test_mset(m):
    m.Set(pb.SetRequest(key=b"a", value=b"old", expiry=pb.Expiry(seconds=100)))
    assert m.MSet(pb.MSetRequest(pairs=[kv("a", "1"), kv("b", ""), kv("c", "3")])) \
        == pb.MSetResponse()
    assert [v.value for v in m.MGet(pb.MGetRequest(keys=[b"a", b"b", b"c"])).values] \
        == [b"1", b"", b"3"]
    # MSET replaces like SET: the expiry is gone.
    assert_no_expiry(m, "a")
    # The last of a repeated key wins.
    m.MSet(pb.MSetRequest(pairs=[kv("d", "x"), kv("d", "y")]))
    assert get(m, "d") == b"y"
    expect_error(m.MSet, pb.MSetRequest(), INVALID,
                 "ERR wrong number of arguments for 'mset' command")


def test_msetnx(m):
    r = m.MSetNx(pb.MSetNxRequest(pairs=[kv("a", "1"), kv("b", "2")]))
    assert r == pb.MSetNxResponse(applied=True)
    assert get(m, "a") == b"1" and get(m, "b") == b"2"
    # Any key existing: none is set.
    r = m.MSetNx(pb.MSetNxRequest(pairs=[kv("c", "3"), kv("a", "x")]))
    assert r == pb.MSetNxResponse(applied=False)
    assert get(m, "c") is None and get(m, "a") == b"1"
    expect_error(m.MSetNx, pb.MSetNxRequest(), INVALID,
                 "ERR wrong number of arguments for 'msetnx' command")


def test_incr(m):
    assert m.Incr(pb.IncrRequest(key=b"n")) == pb.IncrResponse(value=1)
    assert m.Incr(pb.IncrRequest(key=b"n")).value == 2
    assert get(m, "n") == b"2"
    m.Set(pb.SetRequest(key=b"neg", value=b"-10"))
    assert m.Incr(pb.IncrRequest(key=b"neg")).value == -9
    for bad in (b"abc", b"", b" 1", b"1.5", b"99999999999999999999"):
        m.Set(pb.SetRequest(key=b"s", value=bad))
        expect_error(m.Incr, pb.IncrRequest(key=b"s"), INVALID, ERR_NOT_INT)
        assert get(m, "s") == bad
    m.Set(pb.SetRequest(key=b"max", value=b"9223372036854775807"))
    expect_error(m.Incr, pb.IncrRequest(key=b"max"), INVALID, ERR_OVERFLOW)
    assert get(m, "max") == b"9223372036854775807"
    # INCR keeps the expiry.
    m.Set(pb.SetRequest(key=b"t", value=b"5", expiry=pb.Expiry(seconds=100)))
    assert m.Incr(pb.IncrRequest(key=b"t")).value == 6
    assert_expires_in(m, "t", 100_000)


def test_incrby(m):
    assert m.IncrBy(pb.IncrByRequest(key=b"n", increment=10)).value == 10
    assert m.IncrBy(pb.IncrByRequest(key=b"n", increment=-25)).value == -15
    assert m.IncrBy(pb.IncrByRequest(key=b"n", increment=0)).value == -15
    assert get(m, "n") == b"-15"
    assert m.IncrBy(pb.IncrByRequest(key=b"z", increment=0)).value == 0
    assert get(m, "z") == b"0"
    assert m.IncrBy(pb.IncrByRequest(key=b"min", increment=-(2 ** 63))).value == -(2 ** 63)
    expect_error(m.IncrBy, pb.IncrByRequest(key=b"min", increment=-1), INVALID, ERR_OVERFLOW)
    m.Set(pb.SetRequest(key=b"s", value=b"abc"))
    expect_error(m.IncrBy, pb.IncrByRequest(key=b"s", increment=1), INVALID, ERR_NOT_INT)


def test_incrbyfloat(m):
    m.Set(pb.SetRequest(key=b"f", value=b"10.5"))
    assert m.IncrByFloat(pb.IncrByFloatRequest(key=b"f", increment=0.1)) \
        == pb.IncrByFloatResponse(value="10.6")
    assert get(m, "f") == b"10.6"
    m.Set(pb.SetRequest(key=b"e", value=b"5.0e3"))
    assert m.IncrByFloat(pb.IncrByFloatRequest(key=b"e", increment=200)).value == "5200"
    assert get(m, "e") == b"5200"
    assert m.IncrByFloat(pb.IncrByFloatRequest(key=b"new", increment=1.5)).value == "1.5"
    assert m.IncrByFloat(pb.IncrByFloatRequest(key=b"new", increment=-1.5)).value == "0"
    m.Set(pb.SetRequest(key=b"i", value=b"3"))
    assert m.IncrByFloat(pb.IncrByFloatRequest(key=b"i", increment=-0.25)).value == "2.75"
    m.Set(pb.SetRequest(key=b"s", value=b"abc"))
    expect_error(m.IncrByFloat, pb.IncrByFloatRequest(key=b"s", increment=1.0),
                 INVALID, ERR_NOT_FLOAT)
    assert get(m, "s") == b"abc"


@pytest.mark.parametrize("increment", [math.inf, -math.inf, math.nan])
def test_incrbyfloat_nan_or_infinity(m, increment):
    m.Set(pb.SetRequest(key=b"f", value=b"1"))
    err = rpc_error(m.IncrByFloat, pb.IncrByFloatRequest(key=b"f", increment=increment))
    text = "ERR increment would produce NaN or Infinity"
    if math.isnan(increment) and err.details() == ERR_NOT_FLOAT:
        text = ERR_NOT_FLOAT   # what Redis answers to INCRBYFLOAT f nan
    assert err.details() == text
    assert error_detail(err) == pb.ErrorDetail(code="ERR", message=text)
    assert err.code() == INVALID
    assert get(m, "f") == b"1"


def test_append_and_strlen(m):
    assert m.StrLen(pb.StrLenRequest(key=b"k")) == pb.StrLenResponse(length=0)
    assert m.Append(pb.AppendRequest(key=b"k", value=b"Hello")) == pb.AppendResponse(length=5)
    assert m.Append(pb.AppendRequest(key=b"k", value=b" World")).length == 11
    assert get(m, "k") == b"Hello World"
    assert m.StrLen(pb.StrLenRequest(key=b"k")).length == 11
    # APPEND of nothing to a missing key creates an empty string (Redis does).
    assert m.Append(pb.AppendRequest(key=b"e", value=b"")).length == 0
    assert get(m, "e") == b""
    # Lengths are in bytes.
    m.Set(pb.SetRequest(key=b"u", value="héllo".encode()))
    assert m.StrLen(pb.StrLenRequest(key=b"u")).length == 6
    # APPEND to a number.
    m.Incr(pb.IncrRequest(key=b"n"))
    assert m.Append(pb.AppendRequest(key=b"n", value=b"23")).length == 3
    assert m.Incr(pb.IncrRequest(key=b"n")).value == 124


def test_getrange(m):
    m.Set(pb.SetRequest(key=b"k", value=b"Hello World"))

    def gr(start, end, key=b"k"):
        return m.GetRange(pb.GetRangeRequest(key=key, start=start, end=end)).value
    assert gr(0, 4) == b"Hello"
    assert gr(-5, -1) == b"World"
    assert gr(0, -1) == b"Hello World"
    assert gr(6, 1000) == b"World"
    assert gr(-100, 2) == b"Hel"
    assert gr(5, 2) == b""
    assert gr(20, 30) == b""
    assert gr(0, 10, key=b"missing") == b""


def test_setrange(m):
    assert m.SetRange(pb.SetRangeRequest(key=b"k", offset=5, value=b"x")) \
        == pb.SetRangeResponse(length=6)
    assert get(m, "k") == b"\x00\x00\x00\x00\x00x"
    m.Set(pb.SetRequest(key=b"h", value=b"Hello World"))
    assert m.SetRange(pb.SetRangeRequest(key=b"h", offset=6, value=b"Redis")).length == 11
    assert get(m, "h") == b"Hello Redis"
    assert m.SetRange(pb.SetRangeRequest(key=b"h", offset=11, value=b"!!")).length == 13
    assert get(m, "h") == b"Hello Redis!!"
    # An empty value: the length, and a missing key is not created.
    assert m.SetRange(pb.SetRangeRequest(key=b"h", offset=100, value=b"")).length == 13
    assert m.SetRange(pb.SetRangeRequest(key=b"none", offset=3, value=b"")).length == 0
    assert m.Exists(pb.ExistsRequest(keys=[b"none"])).count == 0
    expect_error(m.SetRange, pb.SetRangeRequest(key=b"h", offset=-1, value=b"x"),
                 INVALID, "ERR offset is out of range")
    m.Set(pb.SetRequest(key=b"s", value=b"abc"))
    assert get(m, "h") == b"Hello Redis!!"


def test_setrange_too_large(m):
    err = rpc_error(m.SetRange, pb.SetRangeRequest(key=b"k", offset=600_000_000, value=b"x"))
    text = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    assert err.details() == text
    assert error_detail(err) == pb.ErrorDetail(code="ERR", message=text)
    assert err.code() == INVALID
    assert get(m, "k") is None


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

def test_del_and_exists(m):
    m.MSet(pb.MSetRequest(pairs=[kv("a", "1"), kv("b", ""), kv("c", "3")]))
    assert m.Exists(pb.ExistsRequest(keys=[b"a", b"b", b"missing"])) \
        == pb.ExistsResponse(count=2)
    # A key named twice counts twice.
    assert m.Exists(pb.ExistsRequest(keys=[b"a", b"a", b"a"])).count == 3
    assert m.Del(pb.DelRequest(keys=[b"a", b"missing", b"b", b"a"])) \
        == pb.DelResponse(deleted=2)
    assert m.Exists(pb.ExistsRequest(keys=[b"a", b"b", b"c"])).count == 1
    assert m.Del(pb.DelRequest(keys=[b"missing"])).deleted == 0
    expect_error(m.Del, pb.DelRequest(), INVALID,
                 "ERR wrong number of arguments for 'del' command")
    expect_error(m.Exists, pb.ExistsRequest(), INVALID,
                 "ERR wrong number of arguments for 'exists' command")


def test_type(m):
    assert m.Type(pb.TypeRequest(key=b"missing")) == pb.TypeResponse(type=pb.VALUE_TYPE_NONE)
    m.Set(pb.SetRequest(key=b"s", value=b"x"))
    assert m.Type(pb.TypeRequest(key=b"s")).type == pb.VALUE_TYPE_STRING
    m.Incr(pb.IncrRequest(key=b"n"))
    assert m.Type(pb.TypeRequest(key=b"n")).type == pb.VALUE_TYPE_STRING


def test_ttl_states(m):
    assert ttl(m, "missing") == pb.TtlResponse(state=pb.TTL_STATE_NO_KEY)
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    assert ttl(m, "k") == pb.TtlResponse(state=pb.TTL_STATE_NO_EXPIRY)
    at_ms = now_ms() + 60_000
    m.Expire(pb.ExpireRequest(key=b"k", expiry=pb.Expiry(unix_milliseconds=at_ms)))
    t = ttl(m, "k")
    assert t.state == pb.TTL_STATE_EXPIRES
    assert t.expire_at_unix_milliseconds == at_ms
    assert 55_000 < t.ttl_milliseconds <= 60_000


def test_expire_kinds(m):
    assert m.Expire(pb.ExpireRequest(key=b"missing", expiry=pb.Expiry(seconds=10))) \
        == pb.ExpireResponse(applied=False)
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    assert m.Expire(pb.ExpireRequest(key=b"k", expiry=pb.Expiry(seconds=100))).applied
    assert_expires_in(m, "k", 100_000)
    assert m.Expire(pb.ExpireRequest(key=b"k", expiry=pb.Expiry(milliseconds=8000))).applied
    assert_expires_in(m, "k", 8000)
    at_s = int(time.time()) + 1000
    assert m.Expire(pb.ExpireRequest(key=b"k", expiry=pb.Expiry(unix_seconds=at_s))).applied
    assert ttl(m, "k").expire_at_unix_milliseconds == at_s * 1000
    at_ms = now_ms() + 900_000
    assert m.Expire(pb.ExpireRequest(key=b"k",
                                     expiry=pb.Expiry(unix_milliseconds=at_ms))).applied
    assert ttl(m, "k").expire_at_unix_milliseconds == at_ms
    assert get(m, "k") == b"v"


@pytest.mark.parametrize("expiry", [
    pb.Expiry(seconds=0), pb.Expiry(seconds=-10), pb.Expiry(milliseconds=0),
    pb.Expiry(unix_seconds=1), pb.Expiry(unix_milliseconds=1000),
])
def test_expire_not_in_future_deletes(m, expiry):
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    assert m.Expire(pb.ExpireRequest(key=b"k", expiry=expiry)) == pb.ExpireResponse(applied=True)
    assert get(m, "k") is None
    assert ttl(m, "k").state == pb.TTL_STATE_NO_KEY


def test_expire_conditions(m):
    def expire(seconds, condition, key=b"k"):
        return m.Expire(pb.ExpireRequest(key=key, expiry=pb.Expiry(seconds=seconds),
                                         condition=condition)).applied
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    # No expiry yet.
    assert expire(100, pb.EXPIRE_CONDITION_IF_HAS_EXPIRY) is False
    assert expire(100, pb.EXPIRE_CONDITION_IF_LATER) is False   # no expiry = infinite
    assert_no_expiry(m, "k")
    assert expire(100, pb.EXPIRE_CONDITION_IF_NO_EXPIRY) is True
    assert_expires_in(m, "k", 100_000)
    # Expiry of 100 s now.
    assert expire(50, pb.EXPIRE_CONDITION_IF_NO_EXPIRY) is False
    assert expire(50, pb.EXPIRE_CONDITION_IF_LATER) is False
    assert_expires_in(m, "k", 100_000)
    assert expire(200, pb.EXPIRE_CONDITION_IF_LATER) is True
    assert_expires_in(m, "k", 200_000)
    assert expire(300, pb.EXPIRE_CONDITION_IF_EARLIER) is False
    assert expire(150, pb.EXPIRE_CONDITION_IF_EARLIER) is True
    assert_expires_in(m, "k", 150_000)
    assert expire(120, pb.EXPIRE_CONDITION_IF_HAS_EXPIRY) is True
    assert_expires_in(m, "k", 120_000)
    assert expire(500, pb.EXPIRE_CONDITION_ALWAYS) is True
    assert_expires_in(m, "k", 500_000)
    # LT on a key without expiry applies (any time is earlier than never).
    m.Set(pb.SetRequest(key=b"p", value=b"v"))
    assert expire(100, pb.EXPIRE_CONDITION_IF_EARLIER, key=b"p") is True
    assert_expires_in(m, "p", 100_000)
    # Conditions on a missing key.
    for c in (pb.EXPIRE_CONDITION_ALWAYS, pb.EXPIRE_CONDITION_IF_NO_EXPIRY,
              pb.EXPIRE_CONDITION_IF_EARLIER):
        assert expire(10, c, key=b"missing") is False
    assert ttl(m, "missing").state == pb.TTL_STATE_NO_KEY


def test_persist(m):
    assert m.Persist(pb.PersistRequest(key=b"missing")) == pb.PersistResponse(applied=False)
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    assert m.Persist(pb.PersistRequest(key=b"k")).applied is False
    m.Expire(pb.ExpireRequest(key=b"k", expiry=pb.Expiry(seconds=100)))
    assert m.Persist(pb.PersistRequest(key=b"k")).applied is True
    assert_no_expiry(m, "k")
    assert m.Persist(pb.PersistRequest(key=b"k")).applied is False
    assert get(m, "k") == b"v"


def test_rename(m):
    m.Set(pb.SetRequest(key=b"a", value=b"1", expiry=pb.Expiry(seconds=100)))
    assert m.Rename(pb.RenameRequest(key=b"a", new_key=b"b")) == pb.RenameResponse(applied=True)
    assert get(m, "a") is None and get(m, "b") == b"1"
    # The expiry moves with the value.
    assert_expires_in(m, "b", 100_000)
    # Over an existing key.
    m.Set(pb.SetRequest(key=b"c", value=b"3"))
    assert m.Rename(pb.RenameRequest(key=b"c", new_key=b"b")).applied
    assert get(m, "b") == b"3" and get(m, "c") is None
    assert_no_expiry(m, "b")
    # Onto itself.
    assert m.Rename(pb.RenameRequest(key=b"b", new_key=b"b")).applied
    assert get(m, "b") == b"3"
    # Missing source.
    expect_error(m.Rename, pb.RenameRequest(key=b"missing", new_key=b"x"),
                 NOT_FOUND, ERR_NO_SUCH_KEY)
    assert get(m, "x") is None


def test_rename_only_if_new(m):
    m.MSet(pb.MSetRequest(pairs=[kv("a", "1"), kv("b", "2")]))
    r = m.Rename(pb.RenameRequest(key=b"a", new_key=b"b", only_if_new=True))
    assert r == pb.RenameResponse(applied=False)
    assert get(m, "a") == b"1" and get(m, "b") == b"2"
    assert m.Rename(pb.RenameRequest(key=b"a", new_key=b"c", only_if_new=True)).applied
    assert get(m, "a") is None and get(m, "c") == b"1"
    # RENAMENX onto itself: the key exists, so not applied.
    assert m.Rename(pb.RenameRequest(key=b"c", new_key=b"c", only_if_new=True)).applied is False
    assert get(m, "c") == b"1"
    expect_error(m.Rename, pb.RenameRequest(key=b"missing", new_key=b"y", only_if_new=True),
                 NOT_FOUND, ERR_NO_SUCH_KEY)


def test_copy(m):
    m.Set(pb.SetRequest(key=b"src", value=b"v", expiry=pb.Expiry(seconds=100)))
    assert m.Copy(pb.CopyRequest(source=b"src", destination=b"dst")) \
        == pb.CopyResponse(copied=True)
    assert get(m, "dst") == b"v" and get(m, "src") == b"v"
    assert_expires_in(m, "dst", 100_000)   # COPY copies the expiry
    # Destination exists.
    m.Set(pb.SetRequest(key=b"src", value=b"w"))
    assert m.Copy(pb.CopyRequest(source=b"src", destination=b"dst")).copied is False
    assert get(m, "dst") == b"v"
    assert m.Copy(pb.CopyRequest(source=b"src", destination=b"dst", replace=True)).copied
    assert get(m, "dst") == b"w"
    assert_no_expiry(m, "dst")
    # Missing source.
    assert m.Copy(pb.CopyRequest(source=b"missing", destination=b"x")).copied is False
    assert m.Copy(pb.CopyRequest(source=b"missing", destination=b"dst",
                                 replace=True)).copied is False
    assert get(m, "dst") == b"w"
    # The copy is independent of the source.
    m.Append(pb.AppendRequest(key=b"src", value=b"!"))
    assert get(m, "dst") == b"w"


def test_copy_same_key(m):
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    err = rpc_error(m.Copy, pb.CopyRequest(source=b"k", destination=b"k"))
    text = "ERR source and destination objects are the same"
    assert err.details() == text
    assert error_detail(err) == pb.ErrorDetail(code="ERR", message=text)
    assert err.code() == INVALID


def test_copy_between_databases(m):
    m.Set(pb.SetRequest(key=b"k", value=b"zero"))
    assert m.Copy(pb.CopyRequest(source=b"k", destination=b"k", destination_db=3)).copied
    assert get(m, "k", db=3) == b"zero"
    assert m.DbSize(pb.DbSizeRequest(db=3)).size == 1
    # Exists there now.
    m.Set(pb.SetRequest(key=b"k", value=b"new"))
    assert m.Copy(pb.CopyRequest(source=b"k", destination=b"k",
                                 destination_db=3)).copied is False
    assert m.Copy(pb.CopyRequest(source=b"k", destination=b"k", destination_db=3,
                                 replace=True)).copied
    assert get(m, "k", db=3) == b"new"
    # From db 3: destination_db unset means db 3; set to 0 means db 0.
    assert m.Copy(pb.CopyRequest(db=3, source=b"k", destination=b"k2")).copied
    assert get(m, "k2", db=3) == b"new" and get(m, "k2") is None
    assert m.Copy(pb.CopyRequest(db=3, source=b"k", destination=b"k3",
                                 destination_db=0)).copied
    assert get(m, "k3") == b"new" and get(m, "k3", db=3) is None
    expect_error(m.Copy, pb.CopyRequest(source=b"k", destination=b"k", destination_db=99),
                 INVALID, ERR_DB_RANGE)


def test_scan_paging(m):
    keys = sorted(b"key:%d" % i for i in range(250))
    m.MSet(pb.MSetRequest(pairs=[pb.KeyValue(key=k, value=b"v") for k in keys]))
    found, pages = scan_all(m, count=10)
    assert sorted(set(found)) == keys
    assert pages > 1
    # Default count (10 when 0).
    found, pages = scan_all(m)
    assert sorted(set(found)) == keys
    assert pages > 1
    found, _ = scan_all(m, count=1000)
    assert sorted(set(found)) == keys


def test_scan_match_and_type(m):
    users = sorted(b"user:%d" % i for i in range(40))
    m.MSet(pb.MSetRequest(pairs=[pb.KeyValue(key=k, value=b"1") for k in users]
                          + [kv("other:%d" % i, "x") for i in range(30)]))
    found, _ = scan_all(m, pattern=b"user:*", count=7)
    assert sorted(set(found)) == users
    found, _ = scan_all(m, pattern=b"user:1?", count=100)
    assert sorted(set(found)) == sorted(b"user:1%d" % i for i in range(10))
    found, _ = scan_all(m, pattern=b"nothing*")
    assert found == []
    found, _ = scan_all(m, type=pb.VALUE_TYPE_STRING, count=20)
    assert len(set(found)) == 70
    found, _ = scan_all(m, type=pb.VALUE_TYPE_HASH, count=20)
    assert found == []
    found, _ = scan_all(m, pattern=b"other:*", type=pb.VALUE_TYPE_STRING)
    assert sorted(set(found)) == sorted(b"other:%d" % i for i in range(30))
    # Other databases are not scanned.
    found, _ = scan_all(m, db=5)
    assert found == []


def test_scan_type_none_rejected(m):
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    err = rpc_error(m.Scan, pb.ScanRequest(cursor=0, type=pb.VALUE_TYPE_NONE))
    assert err.code() == INVALID
    assert error_detail(err) == pb.ErrorDetail(code=err.details().split(" ", 1)[0],
                                               message=err.details())


def test_dbsize_and_flushdb(m):
    assert m.DbSize(pb.DbSizeRequest()) == pb.DbSizeResponse(size=0)
    m.MSet(pb.MSetRequest(pairs=[kv("a", "1"), kv("b", "2"), kv("c", "3")]))
    m.MSet(pb.MSetRequest(db=7, pairs=[kv("x", "1"), kv("y", "2")]))
    assert m.DbSize(pb.DbSizeRequest()).size == 3
    assert m.DbSize(pb.DbSizeRequest(db=7)).size == 2
    assert m.FlushDb(pb.FlushDbRequest(db=7)) == pb.FlushDbResponse()
    assert m.DbSize(pb.DbSizeRequest(db=7)).size == 0
    assert m.DbSize(pb.DbSizeRequest()).size == 3
    # The field is named "async", a Python keyword.
    assert m.FlushDb(pb.FlushDbRequest(**{"async": True})) == pb.FlushDbResponse()
    assert m.DbSize(pb.DbSizeRequest()).size == 0
    assert get(m, "a") is None


def test_databases_are_separate(m):
    m.Set(pb.SetRequest(db=1, key=b"k", value=b"one"))
    m.Set(pb.SetRequest(db=15, key=b"k", value=b"fifteen"))
    assert get(m, "k") is None
    assert get(m, "k", db=1) == b"one"
    assert get(m, "k", db=15) == b"fifteen"
    assert ex(m, "GET", "k", db=15) == pb.Reply(bulk=b"fifteen")
    assert m.Incr(pb.IncrRequest(db=2, key=b"n")).value == 1
    assert m.Exists(pb.ExistsRequest(db=2, keys=[b"n"])).count == 1
    assert m.Exists(pb.ExistsRequest(keys=[b"n"])).count == 0


def _bad_db_requests(db):
    return [
        ("Get", pb.GetRequest(db=db, key=b"k")),
        ("Set", pb.SetRequest(db=db, key=b"k", value=b"v")),
        ("GetDel", pb.GetDelRequest(db=db, key=b"k")),
        ("GetEx", pb.GetExRequest(db=db, key=b"k")),
        ("MGet", pb.MGetRequest(db=db, keys=[b"k"])),
        ("MSet", pb.MSetRequest(db=db, pairs=[kv("k", "v")])),
        ("MSetNx", pb.MSetNxRequest(db=db, pairs=[kv("k", "v")])),
        ("Incr", pb.IncrRequest(db=db, key=b"k")),
        ("IncrBy", pb.IncrByRequest(db=db, key=b"k", increment=1)),
        ("IncrByFloat", pb.IncrByFloatRequest(db=db, key=b"k", increment=1)),
        ("Append", pb.AppendRequest(db=db, key=b"k", value=b"v")),
        ("StrLen", pb.StrLenRequest(db=db, key=b"k")),
        ("GetRange", pb.GetRangeRequest(db=db, key=b"k", start=0, end=1)),
        ("SetRange", pb.SetRangeRequest(db=db, key=b"k", offset=0, value=b"v")),
        ("Del", pb.DelRequest(db=db, keys=[b"k"])),
        ("Exists", pb.ExistsRequest(db=db, keys=[b"k"])),
        ("Type", pb.TypeRequest(db=db, key=b"k")),
        ("Expire", pb.ExpireRequest(db=db, key=b"k", expiry=pb.Expiry(seconds=1))),
        ("Persist", pb.PersistRequest(db=db, key=b"k")),
        ("Ttl", pb.TtlRequest(db=db, key=b"k")),
        ("Rename", pb.RenameRequest(db=db, key=b"k", new_key=b"j")),
        ("Copy", pb.CopyRequest(db=db, source=b"k", destination=b"j")),
        ("Scan", pb.ScanRequest(db=db)),
        ("DbSize", pb.DbSizeRequest(db=db)),
        ("FlushDb", pb.FlushDbRequest(db=db)),
        ("LPush", lpb.ListPushRequest(db=db, key=b"k", elements=[b"v"])),
        ("RPush", lpb.ListPushRequest(db=db, key=b"k", elements=[b"v"])),
        ("LPop", lpb.ListPopRequest(db=db, key=b"k")),
        ("RPop", lpb.ListPopRequest(db=db, key=b"k")),
        ("LLen", lpb.LLenRequest(db=db, key=b"k")),
        ("LRange", lpb.LRangeRequest(db=db, key=b"k")),
        ("LIndex", lpb.LIndexRequest(db=db, key=b"k")),
        ("LSet", lpb.LSetRequest(db=db, key=b"k")),
        ("LRem", lpb.LRemRequest(db=db, key=b"k")),
        ("LTrim", lpb.LTrimRequest(db=db, key=b"k")),
        ("LMove", lpb.LMoveRequest(db=db, source=b"k", destination=b"j")),
        ("BLPop", lpb.BlockingPopRequest(db=db, keys=[b"k"])),
        ("BRPop", lpb.BlockingPopRequest(db=db, keys=[b"k"])),
        ("BLMove", lpb.BLMoveRequest(db=db, source=b"k", destination=b"j")),
    ]


@pytest.mark.parametrize("db", [16, 99, 2 ** 32 - 1])
def test_db_out_of_range(m, db):
    assert ex(m, "CONFIG", "GET", "databases") == pb.Reply(map=pb.Map(entries=[
        pb.MapEntry(key=pb.Reply(bulk=b"databases"), value=pb.Reply(bulk=b"16"))]))
    requests = _bad_db_requests(db)
    assert sorted(name for name, _ in requests) == sorted(TYPED_RPCS[1:])
    for name, request in requests:
        err = rpc_error(getattr(m, name), request)
        assert (name, err.code(), err.details()) == (name, INVALID, ERR_DB_RANGE)
        assert error_detail(err) == pb.ErrorDetail(code="ERR", message=ERR_DB_RANGE)
    # Nothing was written anywhere.
    assert ex(m, "DBSIZE") == pb.Reply(integer=0)
    assert m.Execute(cmd("GET", "k", db=db)) == pb.Reply(
        error=pb.ErrorDetail(code="ERR", message=ERR_DB_RANGE))


def test_last_database_is_valid(m):
    m.Set(pb.SetRequest(db=15, key=b"k", value=b"v"))
    assert m.DbSize(pb.DbSizeRequest(db=15)).size == 1


def test_typed_and_execute_share_the_store(m):
    m.Set(pb.SetRequest(key=b"k", value=b"typed"))
    assert ex(m, "GET", "k") == pb.Reply(bulk=b"typed")
    assert ex(m, "SET", "k2", "exec") == pb.Reply(simple="OK")
    assert get(m, "k2") == b"exec"
    assert ex(m, "PTTL", "k") == pb.Reply(integer=-1)


def _run_id(info_text):
    for line in info_text.splitlines():
        if line.startswith(b"run_id:"):
            return line.split(b":", 1)[1].strip()
    return None


@pytest.mark.skipif(not os.environ.get("SERVER_PORT"), reason="SERVER_PORT not set")
def test_resp_and_grpc_share_the_store(m):
    sys.path.insert(0, HERE)
    from resp_raw import RawConn, Status
    with RawConn(int(os.environ["SERVER_PORT"]), os.environ.get("SERVER_HOST", "127.0.0.1")) as c:
        resp_id = _run_id(bytes(c.cmd("INFO", "server")))
        grpc_id = _run_id(ex(m, "INFO", "server").verbatim.text)
        if resp_id != grpc_id:
            pytest.skip("SERVER_PORT is another server than GRPC_PORT")
        m.Set(pb.SetRequest(key=b"shared", value=b"from grpc", db=4))
        assert c.cmd("SELECT", "4") == Status("OK")
        assert c.cmd("GET", "shared") == b"from grpc"
        assert c.cmd("SET", "resp", "yes") == Status("OK")
    assert get(m, "resp", db=4) == b"yes"


# ---------------------------------------------------------------------------
# Execute
# ---------------------------------------------------------------------------

def test_execute_reply_kinds(m):
    assert ex(m, "SET", "k", "v") == pb.Reply(simple="OK")
    assert ex(m, "PING") == pb.Reply(simple="PONG")
    assert ex(m, "PING", "hi") == pb.Reply(bulk=b"hi")
    assert ex(m, "GET", "k") == pb.Reply(bulk=b"v")
    assert ex(m, "SET", "e", "") == pb.Reply(simple="OK")
    r = ex(m, "GET", "e")
    assert r.WhichOneof("kind") == "bulk" and r.bulk == b""
    r = ex(m, "GET", "missing")
    assert r.WhichOneof("kind") == "null" and r == pb.Reply(null=pb.Null())
    assert ex(m, "INCR", "n") == pb.Reply(integer=1)
    assert ex(m, "INCRBY", "n", "-5") == pb.Reply(integer=-4)
    assert ex(m, "MGET", "k", "missing", "e") == pb.Reply(array=pb.Array(items=[
        pb.Reply(bulk=b"v"), pb.Reply(null=pb.Null()), pb.Reply(bulk=b"")]))
    assert ex(m, "INCR", "k") == pb.Reply(error=pb.ErrorDetail(code="ERR", message=ERR_NOT_INT))
    assert ex(m, "INCRBYFLOAT", "n", "0.5") == pb.Reply(bulk=b"-3.5")
    # An empty array.
    assert ex(m, "KEYS", "nomatch*") == pb.Reply(array=pb.Array())
    # SCAN: [cursor, [keys]].
    r = ex(m, "SCAN", "0", "MATCH", "k", "COUNT", "100")
    assert r == pb.Reply(array=pb.Array(items=[
        pb.Reply(bulk=b"0"), pb.Reply(array=pb.Array(items=[pb.Reply(bulk=b"k")]))]))


def test_execute_config_get_is_a_map(m):
    # The reply models RESP3: CONFIG GET is a map.
    assert ex(m, "CONFIG", "GET", "save") == pb.Reply(map=pb.Map(entries=[
        pb.MapEntry(key=pb.Reply(bulk=b"save"), value=pb.Reply(bulk=b""))]))
    r = ex(m, "CONFIG", "GET", "nosuchparameter")
    assert r.WhichOneof("kind") == "map" and len(r.map.entries) == 0


def test_execute_hello_and_info(m):
    r = ex(m, "HELLO", "3")
    assert r.WhichOneof("kind") == "map"
    hello = {e.key.bulk: e.value for e in r.map.entries}
    assert hello[b"server"] == pb.Reply(bulk=b"redis")
    assert hello[b"proto"] == pb.Reply(integer=3)
    assert hello[b"mode"] == pb.Reply(bulk=b"standalone")
    assert hello[b"modules"] == pb.Reply(array=pb.Array())
    # INFO is a verbatim string in RESP3.
    r = ex(m, "INFO", "server")
    assert r.WhichOneof("kind") == "verbatim"
    assert r.verbatim.format == "txt"
    assert r.verbatim.text.startswith(b"# Server\r\n")
    assert b"\r\nredis_version:" in r.verbatim.text


def test_execute_errors_are_replies(m):
    assert ex(m, "NOSUCHCMD", "a", "b") == pb.Reply(error=pb.ErrorDetail(
        code="ERR",
        message="ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' "))
    assert ex(m, "GET") == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message="ERR wrong number of arguments for 'get' command"))
    assert ex(m, "SET", "k", "v", "EX", "0") == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message="ERR invalid expire time in 'set' command"))
    assert ex(m, "SET", "k", "v", "BOGUS") == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message=ERR_SYNTAX))
    assert ex(m, "RENAME", "missing", "x") == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message=ERR_NO_SUCH_KEY))
    assert ex(m, "PING", db=99) == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message=ERR_DB_RANGE))
    assert ex(m, "SELECT", "99") == pb.Reply(error=pb.ErrorDetail(
        code="ERR", message=ERR_DB_RANGE))
    r = m.Execute(pb.Command())
    assert r.WhichOneof("kind") == "error" and r.error.code == "ERR"


def test_execute_binary_safe(m):
    key, value = b"\x00\xff\r\n key", bytes(range(256))
    assert m.Execute(pb.Command(args=[b"SET", key, value])) == pb.Reply(simple="OK")
    assert m.Execute(pb.Command(args=[b"GET", key])) == pb.Reply(bulk=value)
    assert get(m, key) == value
    big = os.urandom(3 * 1024 * 1024)
    assert m.Execute(pb.Command(args=[b"SET", b"big", big])) == pb.Reply(simple="OK")
    assert get(m, "big") == big
    assert m.StrLen(pb.StrLenRequest(key=b"big")).length == len(big)


def test_execute_db_field(m):
    assert ex(m, "SET", "k", "db3", db=3) == pb.Reply(simple="OK")
    assert ex(m, "GET", "k") == pb.Reply(null=pb.Null())
    assert ex(m, "GET", "k", db=3) == pb.Reply(bulk=b"db3")
    assert get(m, "k", db=3) == b"db3"
    assert ex(m, "DBSIZE", db=3) == pb.Reply(integer=1)


# ---------------------------------------------------------------------------
# Batch
# ---------------------------------------------------------------------------

def test_batch_in_order(m):
    r = m.Batch(pb.BatchRequest(commands=[
        cmd("SET", "a", "1"),
        cmd("INCR", "a"),
        cmd("SET", "s", "abc"),
        cmd("INCR", "s"),            # an error in the middle
        cmd("INCRBY", "a", "10"),
        cmd("GET", "a"),
        cmd("GET", "missing"),
        cmd("SET", "a", "other-db", db=2),
        cmd("GET", "a", db=2),
        cmd("GET", "a"),
        cmd("GET", "a", db=42),
        cmd("MGET", "a", "missing"),
    ]))
    assert list(r.replies) == [
        pb.Reply(simple="OK"),
        pb.Reply(integer=2),
        pb.Reply(simple="OK"),
        pb.Reply(error=pb.ErrorDetail(code="ERR", message=ERR_NOT_INT)),
        pb.Reply(integer=12),
        pb.Reply(bulk=b"12"),
        pb.Reply(null=pb.Null()),
        pb.Reply(simple="OK"),
        pb.Reply(bulk=b"other-db"),
        pb.Reply(bulk=b"12"),
        pb.Reply(error=pb.ErrorDetail(code="ERR", message=ERR_DB_RANGE)),
        pb.Reply(array=pb.Array(items=[pb.Reply(bulk=b"12"), pb.Reply(null=pb.Null())])),
    ]
    assert get(m, "a", db=2) == b"other-db"


def test_batch_empty_and_large(m):
    assert m.Batch(pb.BatchRequest()) == pb.BatchResponse()
    n = 2000
    r = m.Batch(pb.BatchRequest(commands=[cmd("INCR", "c") for _ in range(n)]))
    assert [x.integer for x in r.replies] == list(range(1, n + 1))
    assert all(x.WhichOneof("kind") == "integer" for x in r.replies)
    assert get(m, "c") == str(n).encode()


# ---------------------------------------------------------------------------
# Pipeline
# ---------------------------------------------------------------------------

def test_pipeline_1000_in_order(raw_stub):
    n = 1000
    bad = 500
    commands = []
    expected = []
    for i in range(n):
        if i == 0:
            commands.append(cmd("SET", "s", "abc"))
            expected.append(pb.Reply(simple="OK"))
        elif i == bad:
            commands.append(cmd("INCR", "s"))
            expected.append(pb.Reply(error=pb.ErrorDetail(code="ERR", message=ERR_NOT_INT)))
        elif i == bad + 1:
            commands.append(cmd("NOSUCH"))
            expected.append(pb.Reply(error=pb.ErrorDetail(
                code="ERR", message="ERR unknown command 'NOSUCH', with args beginning with: ")))
        elif i % 3 == 0:
            commands.append(cmd("SET", f"k{i}", f"v{i}"))
            expected.append(pb.Reply(simple="OK"))
        elif i % 3 == 1:
            commands.append(cmd("GET", f"k{i - 1}"))
            expected.append(pb.Reply(bulk=f"v{i - 1}".encode()) if (i - 1) not in (0, bad, bad + 1)
                            and (i - 1) % 3 == 0 else pb.Reply(null=pb.Null()))
        else:
            commands.append(cmd("INCR", "counter"))
            expected.append(None)  # filled below
    counter = 0
    for i, e in enumerate(expected):
        if e is None:
            counter += 1
            expected[i] = pb.Reply(integer=counter)
    replies = list(raw_stub.Pipeline(iter(commands), timeout=30))
    assert len(replies) == n
    for i, (got, want) in enumerate(zip(replies, expected)):
        assert got == want, f"reply {i}"


def test_pipeline_interactive(raw_stub):
    """A reply comes back while the request stream is still open."""
    requests = queue.Queue()

    def gen():
        while True:
            item = requests.get()
            if item is None:
                return
            yield item

    replies = raw_stub.Pipeline(gen(), timeout=TIMEOUT)
    try:
        for i in range(1, 21):
            requests.put(cmd("INCR", "n"))
            assert next(replies) == pb.Reply(integer=i)
        requests.put(cmd("CLIENT", "SETNAME", "grpc-pipe"))
        assert next(replies) == pb.Reply(simple="OK")
        requests.put(cmd("CLIENT", "GETNAME"))
        assert next(replies) == pb.Reply(bulk=b"grpc-pipe")
        requests.put(cmd("GET", "n", db=1))
        assert next(replies) == pb.Reply(null=pb.Null())
        requests.put(cmd("GET", "n"))
        assert next(replies) == pb.Reply(bulk=b"20")
    finally:
        requests.put(None)
    assert list(replies) == []


def test_pipeline_select_does_not_carry_over(raw_stub, m):
    """The database is always each Command's `db`; SELECT has no lasting effect."""
    replies = list(raw_stub.Pipeline(iter([
        cmd("SELECT", "1"), cmd("SET", "sel", "x"), cmd("GET", "sel"),
        cmd("GET", "sel", db=1), cmd("SET", "sel", "one", db=1),
    ]), timeout=TIMEOUT))
    assert replies == [pb.Reply(simple="OK"), pb.Reply(simple="OK"), pb.Reply(bulk=b"x"),
                       pb.Reply(null=pb.Null()), pb.Reply(simple="OK")]
    assert get(m, "sel") == b"x"
    assert get(m, "sel", db=1) == b"one"


def test_pipeline_quit_ends_the_stream(raw_stub):
    replies = list(raw_stub.Pipeline(iter([cmd("PING"), cmd("QUIT"), cmd("PING")]),
                                     timeout=TIMEOUT))
    assert replies == [pb.Reply(simple="PONG"), pb.Reply(simple="OK")]


def test_pipeline_is_a_listed_client(raw_stub, m):
    """A stream is a client of its own: CLIENT LIST shows it, CLIENT KILL ends it."""
    requests = queue.Queue()

    def gen():
        while True:
            item = requests.get()
            if item is None:
                return
            yield item

    replies = raw_stub.Pipeline(gen(), timeout=TIMEOUT)
    try:
        requests.put(cmd("CLIENT", "SETNAME", "listed-pipe"))
        assert next(replies) == pb.Reply(simple="OK")
        requests.put(cmd("CLIENT", "ID"))
        r = next(replies)
        assert r.WhichOneof("kind") == "integer"
        client_id = r.integer
        listing = ex(m, "CLIENT", "LIST")
        assert listing.WhichOneof("kind") == "verbatim"
        lines = [line for line in listing.verbatim.text.decode().splitlines()
                 if f"id={client_id} " in line + " "]
        assert len(lines) == 1 and " name=listed-pipe " in lines[0], listing.verbatim.text
        assert ex(m, "CLIENT", "KILL", "ID", str(client_id)) == pb.Reply(integer=1)
        # The stream ends, without a reply to what comes after.
        requests.put(cmd("PING"))
        assert list(replies) == []
    finally:
        requests.put(None)
    deadline = time.monotonic() + 5
    while f"id={client_id} " in ex(m, "CLIENT", "LIST").verbatim.text.decode():
        assert time.monotonic() < deadline, "the killed stream is still listed"
        time.sleep(0.01)


def test_pipeline_streams_are_independent(raw_stub):
    a = raw_stub.Pipeline(iter([cmd("CLIENT", "SETNAME", "one"), cmd("CLIENT", "GETNAME")]),
                          timeout=TIMEOUT)
    b_ = raw_stub.Pipeline(iter([cmd("CLIENT", "GETNAME")]), timeout=TIMEOUT)
    assert list(a) == [pb.Reply(simple="OK"), pb.Reply(bulk=b"one")]
    assert list(b_) == [pb.Reply(null=pb.Null())]
    assert list(raw_stub.Pipeline(iter([]), timeout=TIMEOUT)) == []


def test_pipeline_concurrent_streams(raw_stub, m):
    def worker(tag, out):
        cmds = [cmd("INCR", "shared") for _ in range(300)] + [cmd("SET", tag, "done")]
        out[tag] = list(raw_stub.Pipeline(iter(cmds), timeout=30))
    out = {}
    threads = [threading.Thread(target=worker, args=(f"t{i}", out)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(out) == ["t0", "t1", "t2", "t3"]
    for tag, replies in out.items():
        ints = [r.integer for r in replies[:-1]]
        assert ints == sorted(ints) and len(set(ints)) == 300
        assert replies[-1] == pb.Reply(simple="OK")
    assert get(m, "shared") == b"1200"


# ---------------------------------------------------------------------------
# Health
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_serving(channel, service):
    health = health_pb2_grpc.HealthStub(channel)
    r = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
    assert r.status == health_pb2.HealthCheckResponse.SERVING


def test_health_unknown_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.RpcError) as info:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=TIMEOUT)
    assert info.value.code() == NOT_FOUND


def test_health_watch(channel):
    health = health_pb2_grpc.HealthStub(channel)
    stream = health.Watch(health_pb2.HealthCheckRequest(service=SERVICE), timeout=TIMEOUT)
    try:
        assert next(stream).status == health_pb2.HealthCheckResponse.SERVING
    finally:
        stream.cancel()


# ---------------------------------------------------------------------------
# Reflection (v1alpha, the version grpcio-reflection speaks)
# ---------------------------------------------------------------------------

def _reflect(channel, *requests):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    return list(stub.ServerReflectionInfo(iter(requests), timeout=TIMEOUT))


def test_reflection_list_services(channel):
    [r] = _reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    names = {s.name for s in r.list_services_response.service}
    assert {SERVICE, "grpc.health.v1.Health"} <= names


def _file_protos(response):
    files = {}
    for raw in response.file_descriptor_response.file_descriptor_proto:
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        files[fd.name] = fd
    return files


def _local_file_proto():
    fd = descriptor_pb2.FileDescriptorProto()
    pb.DESCRIPTOR.CopyToProto(fd)
    return fd


def _shape(fd):
    """What matters of a file descriptor: messages, enums, services."""
    return (
        fd.name, fd.package, fd.syntax,
        sorted((msg.name, sorted((f.name, f.number, f.type, f.label, f.type_name,
                                  f.proto3_optional, f.HasField("oneof_index"))
                                 for f in msg.field))
               for msg in fd.message_type),
        sorted((e.name, [(v.name, v.number) for v in e.value]) for e in fd.enum_type),
        [(s.name, [(x.name, x.input_type, x.output_type, x.client_streaming,
                    x.server_streaming) for x in s.method]) for s in fd.service],
    )


def test_reflection_file_containing_symbol(channel):
    responses = _reflect(
        channel,
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE + ".Get"),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="memorabilia.v1.SetRequest"),
        reflection_pb2.ServerReflectionRequest(file_by_filename=PROTO_FILE),
    )
    assert len(responses) == 4
    local = _local_file_proto()
    for r in responses[:4]:
        assert r.WhichOneof("message_response") == "file_descriptor_response"
        files = _file_protos(r)
        assert PROTO_FILE in files, sorted(files)
        fd = files[PROTO_FILE]
        assert fd.package == "memorabilia.v1"
        [service] = fd.service
        assert service.name == "Memorabilia"
        assert [x.name for x in service.method] == ALL_RPCS
        streaming = {x.name: (x.client_streaming, x.server_streaming) for x in service.method}
        assert streaming.pop("Pipeline") == (True, True)
        assert streaming.pop("Subscribe") == (False, True)
        assert streaming.pop("Watch") == (False, True)
        assert streaming.pop("XFollow") == (False, True)
        # Every other RPC is unary.
        assert set(streaming.values()) == {(False, False)}
        # The served descriptor is the proto in this repository.
        assert _shape(fd) == _shape(local)


def test_reflection_unknown_symbol(channel):
    """NOT_FOUND for an unknown symbol.

    grpc-go, grpc C++ and grpcio answer with an in-stream error_response and keep
    the stream open; tonic-reflection (which the server uses) ends the stream with
    a NOT_FOUND status instead. Both tell the client the same thing, so both are
    accepted here.
    """
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol")
    try:
        [r] = list(stub.ServerReflectionInfo(iter([request]), timeout=TIMEOUT))
    except grpc.RpcError as e:
        assert e.code() == NOT_FOUND
    else:
        assert r.WhichOneof("message_response") == "error_response"
        assert r.error_response.error_code == NOT_FOUND.value[0]


def test_reflection_health_file(channel):
    [r] = _reflect(channel, reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="grpc.health.v1.Health"))
    files = _file_protos(r)
    [fd] = [f for f in files.values() if f.package == "grpc.health.v1"]
    assert [s.name for s in fd.service] == ["Health"]
    assert [x.name for x in fd.service[0].method][:2] == ["Check", "Watch"]


def test_reflection_dynamic_client(channel):
    """A client with no generated code: descriptors from reflection, then real calls."""
    from google.protobuf import message_factory
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase)
    db = ProtoReflectionDescriptorDatabase(channel)
    assert {SERVICE, "grpc.health.v1.Health"} <= set(db.get_services())
    pool = descriptor_pool.DescriptorPool(db)
    service = pool.FindServiceByName(SERVICE)
    assert [x.name for x in service.methods] == ALL_RPCS

    def unary(name):
        method = service.methods_by_name[name]
        req_cls = message_factory.GetMessageClass(method.input_type)
        resp_cls = message_factory.GetMessageClass(method.output_type)
        call = channel.unary_unary(f"/{SERVICE}/{name}",
                                   request_serializer=req_cls.SerializeToString,
                                   response_deserializer=resp_cls.FromString)
        return req_cls, call

    cmd_cls, execute = unary("Execute")
    r = execute(cmd_cls(args=[b"SET", b"dyn", b"amic"]), timeout=TIMEOUT)
    assert r.WhichOneof("kind") == "simple" and r.simple == "OK"
    get_cls, get_call = unary("Get")
    r = get_call(get_cls(key=b"dyn"), timeout=TIMEOUT)
    assert r.HasField("value") and r.value == b"amic"
    ping_cls, ping = unary("Ping")
    assert ping(ping_cls(), timeout=TIMEOUT).message == b"PONG"


# ---------------------------------------------------------------------------
# Transport-level behaviour
# ---------------------------------------------------------------------------

def test_unknown_method_is_unimplemented(channel):
    call = channel.unary_unary(f"/{SERVICE}/NoSuchMethod",
                               request_serializer=lambda x: x,
                               response_deserializer=lambda x: x)
    with pytest.raises(grpc.RpcError) as info:
        call(b"", timeout=TIMEOUT)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_every_typed_rpc_is_implemented(m):
    """Each typed RPC answers something other than UNIMPLEMENTED."""
    for name, request in _bad_db_requests(0) + [("Ping", pb.PingRequest())]:
        try:
            getattr(m, name)(request)
        except grpc.RpcError as e:
            assert e.code() != grpc.StatusCode.UNIMPLEMENTED, (name, e.details())
