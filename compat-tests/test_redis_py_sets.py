"""redis-py compatibility suite: the set family.

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 7721
--save '' --appendonly no`) under PROTOCOL=2 and PROTOCOL=3, then run against Memorabilia.
Hashtable sets have no defined order, so their members are compared as sets; intsets list
in ascending numeric order on both servers, which the raw checks assert.
"""
from conftest import PROTOCOL
from resp_raw import Error, Null, NullBulk, Set, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
WRONGTYPE = Error("WRONGTYPE Operation against a key holding the wrong kind of value")


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def S(*items):
    """A set-typed reply: Set in RESP3, array in RESP2."""
    return Set(items) if PROTOCOL == 3 else list(items)


def test_membership(r):
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.sadd("s", "b", "c") == 1
    assert r.scard("s") == 3
    assert r.scard("nokey") == 0
    assert r.sismember("s", "a") == 1
    assert r.sismember("s", "z") == 0
    assert r.smismember("s", ["a", "z"]) == [1, 0]
    assert r.smembers("s") == {"a", "b", "c"}
    assert r.smembers("nokey") == set()
    assert r.srem("s", "a", "z") == 1
    assert r.srem("s", "b", "c") == 2
    assert r.exists("s") == 0


def test_intset_order_and_encoding(r, raw):
    r.sadd("i", 10, -3, 2)
    same(raw.cmd("SMEMBERS", "i"), S(b"-3", b"2", b"10"))
    same(raw.cmd("SSCAN", "i", "7", "COUNT", "1"), [b"0", [b"-3", b"2", b"10"]])
    assert r.object("encoding", "i") == "intset"
    r.sadd("i", "x")
    r.srem("i", "x")
    assert r.object("encoding", "i") == "hashtable"
    r.sadd("n", *range(512))
    assert r.object("encoding", "n") == "intset"
    r.sadd("n", 512)
    assert r.object("encoding", "n") == "hashtable"
    r.sadd("h", "01")
    assert r.object("encoding", "h") == "hashtable"


def test_spop_srandmember(r, raw):
    same(raw.cmd("SPOP", "nokey"), NIL)
    same(raw.cmd("SPOP", "nokey", "2"), S())
    same(raw.cmd("SRANDMEMBER", "nokey"), NIL)
    same(raw.cmd("SRANDMEMBER", "nokey", "2"), [])
    same(raw.cmd("SPOP", "s", "-1"), Error("ERR value is out of range, must be positive"))
    same(raw.cmd("SPOP", "s", "1", "2"), Error("ERR syntax error"))
    same(raw.cmd("SRANDMEMBER", "s", "x"), Error("ERR value is not an integer or out of range"))
    members = {f"m{i}" for i in range(20)}
    r.sadd("s", *members)
    assert r.srandmember("s") in members
    for _ in range(10):
        picked = r.srandmember("s", 5)
        assert len(picked) == 5 and len(set(picked)) == 5 and set(picked) <= members
    assert len(r.srandmember("s", -50)) == 50
    assert set(r.srandmember("s", 100)) == members
    popped = r.spop("s", 5)
    assert len(popped) == 5
    assert r.scard("s") == 15
    assert not set(popped) & r.smembers("s")
    assert set(r.spop("s", 100)) | set(popped) == members
    assert r.exists("s") == 0
    reply = raw.cmd("SPOP", "nokey", "0")
    same(reply, S())


def test_smove(r):
    r.sadd("s", "a", "b")
    assert r.smove("s", "t", "zz") is False
    assert r.smove("s", "s", "a") is True
    assert r.smove("s", "t", "a") is True
    assert r.smembers("t") == {"a"}
    assert r.smove("s", "t", "b") is True
    assert r.exists("s") == 0
    r.set("str", "x")
    assert r.smove("nokey", "str", "a") is False


def test_algebra(r, raw):
    r.sadd("s", "a", "b", "c")
    r.sadd("t", "b", "c", "d")
    assert r.sinter("s", "t") == {"b", "c"}
    assert r.sinter("s", "t", "nokey") == set()
    assert r.sunion("s", "t", "nokey") == {"a", "b", "c", "d"}
    assert r.sdiff("s", "t") == {"a"}
    r.set("d", "x")
    assert r.sinterstore("d", ["s", "t"]) == 2
    assert r.type("d") == "set"
    assert r.sunionstore("d", ["s", "t"]) == 4
    assert r.sdiffstore("d", ["s", "t"]) == 1
    assert r.smembers("d") == {"a"}
    assert r.sdiffstore("d", ["s", "s"]) == 0
    assert r.exists("d") == 0
    assert r.sintercard(2, ["s", "t"]) == 2
    assert r.sintercard(2, ["s", "t"], limit=1) == 1
    same(raw.cmd("SINTERCARD", "0", "s"), Error("ERR numkeys should be greater than 0"))
    same(raw.cmd("SINTERCARD", "3", "s", "t"),
         Error("ERR Number of keys can't be greater than number of args"))
    same(raw.cmd("SINTERCARD", "2", "s", "t", "LIMIT", "-1"), Error("ERR LIMIT can't be negative"))
    r.sadd("i", 3, 1, 2)
    same(raw.cmd("SUNION", "i", "nokey"), S(b"1", b"2", b"3"))


def test_wrongtype(raw):
    raw.cmd("SET", "str", "x")
    raw.cmd("SADD", "s", "a")
    for cmd in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"),
                ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"),
                ("SPOP", "str"), ("SRANDMEMBER", "str"), ("SMOVE", "s", "str", "a"),
                ("SINTER", "nokey", "str"), ("SUNION", "s", "str"), ("SDIFF", "nokey", "str"),
                ("SINTERCARD", "2", "nokey", "str"), ("SINTERSTORE", "d", "nokey", "str"),
                ("SSCAN", "str", "0")]:
        same(raw.cmd(*cmd), WRONGTYPE)


def test_sscan_large_set_under_writes(r):
    r.sadd("s", *[f"m{i}" for i in range(1000)])
    seen = set()
    cursor, calls = 0, 0
    while True:
        cursor, page = r.sscan("s", cursor, count=25)
        seen.update(page)
        r.srem("s", *[f"m{2 * (calls * 5 + j) + 1}" for j in range(5)])
        r.sadd("s", f"new{calls}")
        calls += 1
        if cursor == 0:
            break
    assert calls > 10
    assert {f"m{i}" for i in range(0, 1000, 2)} <= seen
    assert set(r.sscan_iter("s", match="new1*")) == {f"new{i}" for i in range(calls)
                                                     if str(i).startswith("1")}
