"""redis-py compatibility suite: the hash family.

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7721
--save '' --appendonly no`) under PROTOCOL=2 and PROTOCOL=3, then run against Memorabilia.
redis-py checks end-to-end use; the raw connection checks exact wire shapes (maps, nulls,
nested HRANDFIELD pairs in RESP3) and error texts.
"""
import pytest

from conftest import PROTOCOL
from resp_raw import Error, Map, Null, NullBulk, Status, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
WRONGTYPE = Error("WRONGTYPE Operation against a key holding the wrong kind of value")


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def test_hset_hget_hmget_and_friends(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", "a", "3") == 0
    assert r.hmset("h", {"c": "4"}) is True
    assert r.hget("h", "a") == "3"
    assert r.hget("h", "zz") is None
    assert r.hget("nokey", "a") is None
    assert r.hmget("h", ["a", "zz", "c"]) == ["3", None, "4"]
    assert r.hlen("h") == 3
    assert r.hlen("nokey") == 0
    assert r.hstrlen("h", "a") == 1
    assert r.hstrlen("h", "zz") == 0
    assert r.hexists("h", "a") is True
    assert r.hexists("h", "zz") is False
    assert r.hsetnx("h", "a", "9") == 0
    assert r.hsetnx("h", "d", "9") == 1
    assert r.hgetall("h") == {"a": "3", "b": "2", "c": "4", "d": "9"}
    assert r.hgetall("nokey") == {}


def test_listpack_order_is_insertion_order(r, raw):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hdel("h", "b", "zz") == 1
    r.hset("h", "b", "5")
    r.hset("h", "a", "7")
    assert r.hkeys("h") == ["a", "c", "b"]
    assert r.hvals("h") == ["7", "3", "5"]
    pairs = [(b"a", b"7"), (b"c", b"3"), (b"b", b"5")]
    if PROTOCOL == 3:
        same(raw.cmd("HGETALL", "h"), Map(pairs))
    else:
        same(raw.cmd("HGETALL", "h"), [x for p in pairs for x in p])
    same(raw.cmd("HGETALL", "nokey"), Map([]) if PROTOCOL == 3 else [])


def test_hdel_deletes_the_emptied_key_and_keeps_ttl(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.expire("h", 100)
    r.hset("h", "c", "3")
    r.hincrby("h", "n", 1)
    assert r.hdel("h", "a") == 1
    assert r.ttl("h") == 100
    assert r.hdel("h", "b", "c", "n") == 3
    assert r.exists("h") == 0
    assert r.hdel("h", "a") == 0


def test_hincrby(r):
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    r.hset("h", mapping={"s": "abc", "m": "9223372036854775807", "z": "01"})
    with pytest.raises(Exception, match="^hash value is not an integer$"):
        r.hincrby("h", "s", 1)
    with pytest.raises(Exception, match="^hash value is not an integer$"):
        r.hincrby("h", "z", 1)
    with pytest.raises(Exception, match="^increment or decrement would overflow$"):
        r.hincrby("h", "m", 1)
    assert r.hincrby("h", "m", -1) == 9223372036854775806


def test_hincrbyfloat(r, raw):
    assert r.hincrbyfloat("h", "f", 0.1) == 0.1
    same(raw.cmd("HINCRBYFLOAT", "h", "f", "0.2"), b"0.3")
    same(raw.cmd("HINCRBYFLOAT", "h", "f", "1e3"), b"1000.29999999999999999")
    same(raw.cmd("HINCRBYFLOAT", "h", "f", "abc"), Error("ERR value is not a valid float"))
    same(raw.cmd("HINCRBYFLOAT", "h", "f", "inf"), Error("ERR value is NaN or Infinity"))
    r.hset("h", mapping={"s": "abc", "x": "0x10", "big": "1e4932"})
    same(raw.cmd("HINCRBYFLOAT", "h", "s", "1"), Error("ERR hash value is not a float"))
    same(raw.cmd("HINCRBYFLOAT", "h", "x", "1"), b"17")
    same(raw.cmd("HINCRBYFLOAT", "h", "big", "1e4932"),
         Error("ERR increment would produce NaN or Infinity"))


def test_argument_errors(raw):
    for cmd, name in [(("HSET", "h", "a", "1", "b"), "hset"), (("HSET", "h", "a"), "hset"),
                      (("HMSET", "h", "a"), "hmset"), (("HSETNX", "h", "a"), "hsetnx"),
                      (("HGET", "h"), "hget"), (("HDEL", "h"), "hdel"), (("HLEN",), "hlen")]:
        same(raw.cmd(*cmd), Error(f"ERR wrong number of arguments for '{name}' command"))
    same(raw.cmd("HINCRBY", "h", "f", "1.5"),
         Error("ERR value is not an integer or out of range"))


def test_wrongtype(raw):
    raw.cmd("SET", "s", "x")
    for cmd in [("HSET", "s", "a", "1"), ("HMSET", "s", "a", "1"), ("HSETNX", "s", "a", "1"),
                ("HGET", "s", "a"), ("HMGET", "s", "a"), ("HDEL", "s", "a"), ("HLEN", "s"),
                ("HSTRLEN", "s", "a"), ("HEXISTS", "s", "a"), ("HKEYS", "s"), ("HVALS", "s"),
                ("HGETALL", "s"), ("HINCRBY", "s", "a", "1"), ("HINCRBYFLOAT", "s", "a", "1"),
                ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "2"), ("HSCAN", "s", "0")]:
        same(raw.cmd(*cmd), WRONGTYPE)
    same(raw.cmd("GET", "s"), b"x")


def test_hrandfield(r, raw):
    same(raw.cmd("HRANDFIELD", "nokey"), NIL)
    same(raw.cmd("HRANDFIELD", "nokey", "2"), [])
    same(raw.cmd("HRANDFIELD", "nokey", "2", "WITHVALUES"), [])
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hrandfield("h") in ("a", "b", "c")
    same(raw.cmd("HRANDFIELD", "h", "0"), [])
    # A count covering the hash returns all of it, in the listpack's order.
    same(raw.cmd("HRANDFIELD", "h", "10"), [b"a", b"b", b"c"])
    for _ in range(20):
        two = r.hrandfield("h", 2)
        assert len(two) == 2 and len(set(two)) == 2
    assert len(r.hrandfield("h", -10)) == 10
    reply = raw.cmd("HRANDFIELD", "h", "-5", "WITHVALUES")
    values = {b"a": b"1", b"b": b"2", b"c": b"3"}
    if PROTOCOL == 3:
        assert len(reply) == 5
        assert all(isinstance(p, list) and values[p[0]] == p[1] for p in reply)
    else:
        assert len(reply) == 10
        assert all(values[f] == v for f, v in zip(reply[0::2], reply[1::2]))
    same(raw.cmd("HRANDFIELD", "h", "1", "WITHVALUE"), Error("ERR syntax error"))
    same(raw.cmd("HRANDFIELD", "h", "x"), Error("ERR value is not an integer or out of range"))
    same(raw.cmd("HRANDFIELD", "h", "-9223372036854775808"), Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807"))
    same(raw.cmd("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"),
         Error("ERR value is out of range"))


def test_hscan_small_hash_in_one_call(r, raw):
    r.hset("h", mapping={"a": "1", "b": "2", "ab": "3"})
    same(raw.cmd("HSCAN", "h", "0"), [b"0", [b"a", b"1", b"b", b"2", b"ab", b"3"]])
    same(raw.cmd("HSCAN", "h", "7", "COUNT", "1", "MATCH", "a*"), [b"0", [b"a", b"1", b"ab", b"3"]])
    same(raw.cmd("HSCAN", "nokey", "0"), [b"0", []])
    same(raw.cmd("HSCAN", "h", "x"), Error("ERR invalid cursor"))
    same(raw.cmd("HSCAN", "h", "0", "COUNT", "0"), Error("ERR syntax error"))
    same(raw.cmd("HSCAN", "h", "0", "TYPE", "hash"), Error("ERR syntax error"))
    same(raw.cmd("HSCAN", "nokey", "0", "COUNT", "0"), [b"0", []])
    assert dict(r.hscan_iter("h", match="a*")) == {"a": "1", "ab": "3"}


def test_hscan_large_hash_sees_every_stable_field_under_writes(r):
    r.hset("h", mapping={f"f{i}": str(i) for i in range(1000)})
    assert r.object("encoding", "h") == "hashtable"
    seen = {}
    cursor, calls = 0, 0
    while True:
        cursor, page = r.hscan("h", cursor, count=25)
        seen.update(page)
        # Between calls: drop odd fields, add new ones.
        r.hdel("h", *[f"f{2 * calls * 5 + 2 * j + 1}" for j in range(5)])
        r.hset("h", f"new{calls}", "x")
        calls += 1
        if cursor == 0:
            break
    assert calls > 10
    for i in range(0, 1000, 2):
        assert seen.get(f"f{i}") == str(i)


def test_object_encoding(r):
    r.hset("a", "f", "v" * 64)
    assert r.object("encoding", "a") == "listpack"
    r.hset("a", "f", "v" * 65)
    assert r.object("encoding", "a") == "hashtable"
    r.hset("a", "f", "v")
    assert r.object("encoding", "a") == "hashtable"
    r.hset("b", mapping={f"f{i}": "v" for i in range(512)})
    assert r.object("encoding", "b") == "listpack"
    r.hset("b", "one more", "v")
    assert r.object("encoding", "b") == "hashtable"
    r.hset("c", "f", "v")
    r.hsetnx("c", "f", "v" * 100)
    assert r.object("encoding", "c") == "listpack"


def test_status_replies(raw):
    same(raw.cmd("HMSET", "h", "a", "1"), Status("OK"))
    same(raw.cmd("HSET", "h", "b", ""), 1)
    same(raw.cmd("HGET", "h", "b"), b"")
    same(raw.cmd("HGET", "h", "zz"), NIL)
    same(raw.cmd("HMGET", "h", "a", "zz"), [b"1", NIL])
