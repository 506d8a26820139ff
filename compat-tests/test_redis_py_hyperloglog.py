"""redis-py compatibility suite: the HyperLogLog family.

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7101
--save '' --appendonly no`) under PROTOCOL=2 and PROTOCOL=3, then run against Memorabilia.
HLL values are strings in Redis's own layout, so the raw bytes after PFADD / PFCOUNT are
asserted exactly, and values made by redis-server (below) count the same here.
"""
import pytest
import redis

from conftest import PROTOCOL
from resp_raw import Error, Status

# `PFADD h a b c` on redis-server 7.0.15, before and after PFCOUNT (the cached count).
REDIS_ABC = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
REDIS_ABC_COUNTED = (b"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"
                     b"`\xf3\x80P\xb1\x84K\xfb\x80BZ")
NOT_HLL = Error("WRONGTYPE Key is not a valid HyperLogLog string value.")
WRONGTYPE = Error("WRONGTYPE Operation against a key holding the wrong kind of value")
CORRUPT = Error("INVALIDOBJ Corrupted HLL object detected")


def same(actual, expected):
    from resp_raw import strict_eq
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def test_add_and_count(r, rb):
    assert r.pfadd("h") == 1
    assert r.pfadd("h") == 0
    assert r.pfcount("h") == 0
    assert r.pfadd("h", "a", "b", "c") == 1
    assert r.pfadd("h", "a", "b", "c") == 0
    assert rb.get("h") == REDIS_ABC
    assert r.pfcount("h") == 3
    assert rb.get("h") == REDIS_ABC_COUNTED
    assert r.pfcount("nokey") == 0
    assert r.exists("nokey") == 0
    assert r.pfadd("h", "") == 1
    assert rb.getrange("h", 15, 15) == b"\x80"


def test_values_made_by_redis_count_the_same(r, rb):
    rb.set("x", REDIS_ABC)
    assert r.pfcount("x") == 3
    assert rb.get("x") == REDIS_ABC_COUNTED
    assert r.pfadd("x", "a") == 0
    assert r.pfadd("x", "d") == 1
    assert r.pfcount("x") == 4


def test_union_and_merge(r, rb):
    r.pfadd("a", "1", "2", "3")
    r.pfadd("b", "3", "4", "5")
    assert r.pfcount("a", "b") == 5
    assert r.pfcount("a", "b", "nokey") == 5
    assert r.pfmerge("d", "a", "b") is True
    assert r.pfcount("d") == 5
    r.expire("d", 100)
    assert r.pfmerge("d", "a") is True
    assert r.ttl("d") == 100
    assert r.pfmerge("empty") is True
    assert r.pfcount("empty") == 0


def test_promotion_and_debug(r, raw):
    r.pfadd("h", *[f"e{i}" for i in range(100)])
    same(raw.cmd("PFDEBUG", "ENCODING", "h"), Status("sparse"))
    r.pfadd("h", *[f"e{i}" for i in range(100, 5000)])
    same(raw.cmd("PFDEBUG", "ENCODING", "h"), Status("dense"))
    assert r.strlen("h") == 12304
    count = r.pfcount("h")
    assert abs(count - 5000) < 250
    r.pfadd("s", "x")
    assert raw.cmd("PFDEBUG", "TODENSE", "s") == 1
    assert raw.cmd("PFDEBUG", "TODENSE", "s") == 0
    same(raw.cmd("PFDEBUG", "DECODE", "s"), Error("ERR HLL encoding is not sparse"))
    registers = raw.cmd("PFDEBUG", "GETREG", "s")
    assert len(registers) == 16384 and sum(1 for v in registers if v) == 1
    r.pfadd("t", "a", "b", "c")
    same(raw.cmd("PFDEBUG", "DECODE", "t"), b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603")
    same(raw.cmd("PFDEBUG", "GETREG", "nokey"), Error("ERR The specified key does not exist"))
    same(raw.cmd("PFDEBUG", "nope", "t"), Error("ERR Unknown PFDEBUG subcommand 'nope'"))


def test_sparse_max_bytes(r, rb):
    assert r.config_get("hll-sparse-max-bytes") == {"hll-sparse-max-bytes": "3000"}
    try:
        r.config_set("hll-sparse-max-bytes", "40")
        r.pfadd("h", "1", "2", "3", "4", "5", "6", "7", "8")
        assert r.execute_command("PFDEBUG", "ENCODING", "h") == "dense"
        with pytest.raises(redis.ResponseError):
            r.config_set("hll-sparse-max-bytes", "-1")
        assert r.config_get("hll-sparse-max-bytes") == {"hll-sparse-max-bytes": "40"}
    finally:
        r.config_set("hll-sparse-max-bytes", "3000")


def test_errors(r, rb, raw):
    r.set("s", "bar")
    r.lpush("l", "x")
    same(raw.cmd("PFADD", "s", "a"), NOT_HLL)
    same(raw.cmd("PFCOUNT", "s"), NOT_HLL)
    same(raw.cmd("PFCOUNT", "l"), WRONGTYPE)
    same(raw.cmd("PFMERGE", "d", "s"), NOT_HLL)
    same(raw.cmd("PFMERGE", "l", "d"), WRONGTYPE)
    assert r.exists("d") == 0
    r.pfadd("h", "a", "b", "c")
    r.append("h", "hello")
    same(raw.cmd("PFCOUNT", "h"), CORRUPT)
    same(raw.cmd("PFCOUNT", "h", "nokey"), CORRUPT)
    same(raw.cmd("PFMERGE", "d", "h"), CORRUPT)
    r.setrange("h", 4, "x")
    same(raw.cmd("PFCOUNT", "h"), NOT_HLL)
    same(raw.cmd("PFADD"), Error("ERR wrong number of arguments for 'pfadd' command"))
    same(raw.cmd("PFDEBUG", "GETREG", "h", "x"),
         Error("ERR wrong number of arguments for 'pfdebug' command"))
    with pytest.raises(redis.ResponseError, match="INVALIDOBJ"):
        rb.set("c", b"HYLL\x01" + b"\x00" * 10 + b"\x80" + b"\x7f\xfe")
        r.pfcount("c")


def test_forged_dense_estimate_past_i64(r, rb):
    # Every register at 63: Redis's estimate overflows and is printed as i64::MIN.
    rb.set("f", b"HYLL\x00" + b"\x00" * 10 + b"\x80" + b"\xff" * 12288)
    assert r.pfcount("f", "nokey") == -9223372036854775808
    assert r.pfcount("f") == -9223372036854775808
    assert rb.getrange("f", 8, 15) == b"\x00" * 7 + b"\x80"


def test_watch_sees_the_cache_write_back(r):
    r.pfadd("h", "a")
    with r.pipeline() as p:
        p.watch("h")
        other = redis.Redis(host=r.connection_pool.connection_kwargs["host"],
                            port=r.connection_pool.connection_kwargs["port"], protocol=PROTOCOL)
        assert other.pfcount("h") == 1
        p.multi()
        p.ping()
        with pytest.raises(redis.WatchError):
            p.execute()
    with r.pipeline() as p:
        p.watch("h")
        assert other.pfcount("h") == 1  # cached now: nothing written
        p.multi()
        p.ping()
        assert p.execute() == [True]
    other.close()


def test_keyspace_events(r):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=2)["type"] == "psubscribe"
        r.pfadd("h", "a")
        r.pfcount("h")
        r.pfmerge("d", "h")
        r.execute_command("PFDEBUG", "TODENSE", "h")
        r.set("end", "x")
        events = []
        while True:
            m = p.get_message(timeout=2)
            if m is None:
                break
            events.append((m["channel"].split(":", 1)[1], m["data"]))
            if m["data"] == "end":
                break
        assert events == [("pfadd", "h"), ("pfadd", "d"), ("set", "end")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")
