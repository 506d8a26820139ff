"""redis-py compatibility suite: the bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS,
BITOP, BITFIELD, BITFIELD_RO) through redis-py's own API (`bitfield()` builder, `mode=`), and
the strings they grow read back through the string commands.

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7301 --save ''
--appendonly no`) under PROTOCOL=2 and PROTOCOL=3, then run against Memorabilia.
"""
import pytest
import redis

from conftest import PROTOCOL
from resp_raw import Error, Null, NullBulk, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def test_setbit_getbit_grow_the_string(r, rb):
    assert r.setbit("b", 7, 1) == 0
    assert r.setbit("b", 7, 1) == 1
    assert r.getbit("b", 7) == 1
    assert r.getbit("b", 6) == 0
    assert r.getbit("b", 10_000) == 0
    assert r.getbit("nokey", 3) == 0
    assert rb.get("b") == b"\x01"
    assert r.setbit("b", 100, 1) == 0
    assert r.strlen("b") == 13
    assert rb.get("b") == b"\x01" + b"\x00" * 11 + b"\x08"
    assert r.object("encoding", "b") == "raw"
    assert r.append("b", "xyz") == 16
    assert rb.getrange("b", 12, -1) == b"\x08xyz"
    assert r.setrange("b", 20, "!") == 21
    assert r.bitcount("b") == 1 + 1 + 4 + 5 + 5 + 2


def test_setbit_errors(r):
    with pytest.raises(redis.ResponseError, match="bit offset is not an integer or out of range"):
        r.setbit("b", -1, 1)
    with pytest.raises(redis.ResponseError, match="bit offset is not an integer or out of range"):
        r.setbit("b", 4 * 1024 * 1024 * 1024, 1)
    # redis-py turns any true value into 1: the bad values go raw.
    with pytest.raises(redis.ResponseError, match="bit is not an integer or out of range"):
        r.execute_command("SETBIT", "b", 0, 2)
    with pytest.raises(redis.ResponseError, match="bit offset is not an integer or out of range"):
        r.getbit("b", -5)
    r.sadd("s", "m")
    with pytest.raises(redis.ResponseError, match="bit is not an integer or out of range"):
        r.execute_command("SETBIT", "s", 0, 5)
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.setbit("s", 0, 1)
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.getbit("s", 0)
    assert r.exists("b") == 0


def test_offset_limit_follows_proto_max_bulk_len(r):
    r.config_set("proto-max-bulk-len", 1024 * 1024)
    try:
        with pytest.raises(redis.ResponseError, match="bit offset"):
            r.setbit("b", 8 * 1024 * 1024, 1)
        assert r.setbit("b", 8 * 1024 * 1024 - 1, 1) == 0
        assert r.strlen("b") == 1024 * 1024
        assert r.bitpos("b", 1) == 8 * 1024 * 1024 - 1
        with pytest.raises(redis.ResponseError, match="proto-max-bulk-len"):
            r.append("b", "x")
    finally:
        r.config_set("proto-max-bulk-len", 512 * 1024 * 1024)


def test_bitcount_modes(r):
    r.set("s", "foobar")
    assert r.bitcount("s") == 26
    assert r.bitcount("s", 0, 0) == 4
    assert r.bitcount("s", 1, 1) == 6
    assert r.bitcount("s", 1, 1, "BYTE") == 6
    assert r.bitcount("s", 5, 30, "BIT") == 17
    assert r.bitcount("s", -2, -1) == 7
    assert r.bitcount("s", -1, -2) == 0
    assert r.bitcount("s", -100, 100) == 26
    assert r.bitcount("s", -5, -1, "BIT") == 2
    assert r.bitcount("nokey") == 0
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("BITCOUNT", "s", "0")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("BITCOUNT", "s", "0", "1", "WORD")
    # Redis answers this empty range before reading the unit.
    assert r.execute_command("BITCOUNT", "s", "-1", "-2", "WORD") == 0
    assert r.execute_command("BITCOUNT", "nokey", "x") == 0


def test_bitpos_special_cases(r):
    r.set("o", b"\xff\xff\xff")
    assert r.bitpos("o", 0) == 24
    assert r.bitpos("o", 0, 0) == 24
    assert r.bitpos("o", 0, 0, -1) == -1
    assert r.bitpos("o", 0, 0, -1, "BIT") == -1
    assert r.bitpos("o", 1, 1) == 8
    r.set("z", b"\x00\x00")
    assert r.bitpos("z", 1) == -1
    assert r.bitpos("z", 0, 1) == 8
    r.set("s", b"\xff\xf0\x00")
    assert r.bitpos("s", 0, 7, 15, "BIT") == 12
    assert r.bitpos("s", 1, 12, 23, "BIT") == -1
    assert r.bitpos("s", 0, 0, 11, "BIT") == -1
    assert r.bitpos("s", 1, -12, -1, "BIT") == -1
    assert r.bitpos("nokey", 0) == 0
    assert r.bitpos("nokey", 1) == -1
    with pytest.raises(redis.ResponseError, match="The bit argument must be 1 or 0."):
        r.execute_command("BITPOS", "s", 2)
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("BITPOS", "s", "1", "0", "x", "FOO")
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        r.execute_command("BITPOS", "s", "1", "0", "x", "BIT")


def test_bitop(r, rb):
    r.set("a", "foobar")
    r.set("b", "abcdef")
    assert r.bitop("AND", "d", "a", "b") == 6
    assert rb.get("d") == bytes(x & y for x, y in zip(b"foobar", b"abcdef"))
    assert r.object("encoding", "d") == "raw"
    assert r.bitop("OR", "d", "a", "b") == 6
    assert rb.get("d") == bytes(x | y for x, y in zip(b"foobar", b"abcdef"))
    assert r.bitop("XOR", "d", "a", "b") == 6
    assert rb.get("d") == bytes(x ^ y for x, y in zip(b"foobar", b"abcdef"))
    assert r.bitop("NOT", "d", "a") == 6
    assert rb.get("d") == bytes(~c & 0xFF for c in b"foobar")
    r.set("short", b"\xff")
    assert r.bitop("AND", "d", "a", "short") == 6
    assert rb.get("d") == b"f\x00\x00\x00\x00\x00"
    # An empty result deletes the destination, TTL or not.
    r.set("d", "x", ex=100)
    assert r.bitop("OR", "d", "nokey", "nokey2") == 0
    assert r.exists("d") == 0
    with pytest.raises(redis.ResponseError, match="BITOP NOT must be called with a single source key."):
        r.bitop("NOT", "d", "a", "b")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.bitop("NAND", "d", "a", "b")
    r.sadd("set", "m")
    with pytest.raises(redis.ResponseError, match=WRONGTYPE):
        r.bitop("AND", "d", "a", "set")
    assert r.bitop("OR", "set", "a") == 6
    assert r.type("set") == "string"


def test_bitfield_builder(r, rb):
    bf = r.bitfield("f")
    assert bf.set("i8", 0, -100).get("i8", 0).get("u8", 0).incrby("u4", "#1", 3).execute() == \
        [0, -100, 156, 15]
    assert rb.get("f") == b"\x9f"
    assert r.bitfield("f", default_overflow="SAT").incrby("i8", 0, -1000).execute() == [-128]
    assert r.bitfield("f").overflow("FAIL").incrby("u2", 100, 10).execute() == [None]
    assert r.strlen("f") == 13
    assert r.bitfield("f").overflow("WRAP").incrby("u2", 100, 10).execute() == [2]
    assert r.bitfield("nokey").get("i64", 0).execute() == [0]
    assert r.exists("nokey") == 0
    assert r.bitfield("g").set("i64", 0, -1).get("u63", 0).get("i64", 0).execute() == \
        [0, (1 << 63) - 1, -1]
    assert r.bitfield("g").overflow("SAT").incrby("i64", 0, -(1 << 63)).execute() == [-(1 << 63)]
    assert r.bitfield("g").overflow("WRAP").incrby("i64", 0, -1).execute() == [(1 << 63) - 1]
    assert r.bitfield_ro("g", "u8", 0, items=[("i4", 4), ("u1", 63)]) == [127, -1, 1]


def test_bitfield_errors(r, raw):
    bad_type = ("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
                "supported but i64 is.")
    same(raw.cmd("BITFIELD", "f", "GET", "u64", "0"), Error(bad_type))
    same(raw.cmd("BITFIELD", "f", "GET", "i65", "0"), Error(bad_type))
    same(raw.cmd("BITFIELD", "f", "GET", "u8", "-1"),
         Error("ERR bit offset is not an integer or out of range"))
    same(raw.cmd("BITFIELD", "f", "OVERFLOW", "MAYBE"), Error("ERR Invalid OVERFLOW type specified"))
    same(raw.cmd("BITFIELD", "f", "GET", "u8"), Error("ERR syntax error"))
    same(raw.cmd("BITFIELD", "f", "SET", "u8", "0", "x"),
         Error("ERR value is not an integer or out of range"))
    same(raw.cmd("BITFIELD_RO", "f", "SET", "u8", "0", "1"),
         Error("ERR BITFIELD_RO only supports the GET subcommand"))
    same(raw.cmd("BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"), [NIL])
    raw.cmd("SADD", "s", "m")
    same(raw.cmd("BITFIELD", "s", "GET", "u8", "0"), Error(WRONGTYPE))
    # Arguments are checked before the key.
    same(raw.cmd("BITFIELD", "s", "GET", "u64", "0"), Error(bad_type))


def test_modified_strings_in_every_representation(r, rb):
    # int and embstr strings turn raw once a bit command writes them, changed or not.
    r.set("n", 123)
    assert r.object("encoding", "n") == "int"
    assert r.setbit("n", 2, 1) == 1
    assert r.object("encoding", "n") == "raw"
    r.set("n", 5)
    assert r.setbit("n", 0, 0) == 0
    assert r.object("encoding", "n") == "raw"
    assert r.get("n") == "5"
    assert r.incr("n") == 6
    assert r.object("encoding", "n") == "int"
    # A long string built by APPEND keeps growing in place across commands.
    for i in range(200):
        r.append("log", f"{i:04d}")
    assert r.strlen("log") == 800
    assert r.getrange("log", 796, 799) == "0199"
    r.setbit("log", 0, 1)
    assert rb.getrange("log", 0, 3) == b"\xb0000"
    r.copy("log", "copy")
    r.setrange("log", 0, "Z")
    assert rb.getrange("copy", 0, 0) == b"\xb0"
    r.rename("log", "moved")
    r.append("moved", "!")
    assert r.strlen("moved") == 801
    assert r.getrange("moved", 0, 0) == "Z"
    dumped = rb.dump("moved")
    r.restore("restored", 0, dumped)
    assert rb.get("restored") == rb.get("moved")


def test_bitmap_keyspace_events(r):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        p.subscribe("marker")
        assert p.get_message(timeout=5)["type"] == "psubscribe"
        assert p.get_message(timeout=5)["type"] == "subscribe"
        r.setbit("b", 3, 1)
        r.setbit("b", 3, 1)  # unchanged: no event
        r.bitfield("b").set("u8", 0, 0).execute()
        r.bitfield("b").set("u8", 0, 0).execute()  # unchanged
        r.bitop("NOT", "c", "b")
        r.bitop("AND", "c", "nokey")
        r.publish("marker", "end")
        events = []
        while True:
            m = p.get_message(timeout=5)
            assert m is not None, events
            if m["type"] == "message" and m["channel"] == "marker":
                break
            events.append((m["channel"].split(":", 1)[1], m["data"]))
        # A holds no `new` events.
        assert events == [("setbit", "b"), ("setbit", "b"), ("set", "c"), ("del", "c")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")
