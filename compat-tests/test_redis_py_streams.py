"""redis-py suite for the stream family, consumer groups and blocking reads included.

Every command goes through redis-py's own stream API (xadd, xrange, xread,
xreadgroup, xpending_range, xclaim, xautoclaim, xinfo_stream...), so the test
checks both what the server answers and the Python shapes redis-py builds from
it: the same under PROTOCOL=2 and PROTOCOL=3 except XREAD/XREADGROUP, which
RESP3 answers with a map that redis-py turns into a dict of key -> [entries].
A few raw checks pin the wire shapes themselves (null kinds, map vs array).

Every assertion was validated against redis-server 7.0.15 (the oracle) under
PROTOCOL=2 and PROTOCOL=3, including its approximate (~) trimming, which only
drops whole stream nodes of stream-node-max-entries (100) entries, and the
entries-read/lag bookkeeping of XINFO GROUPS. Blocking tests use threads: a
client blocks in one thread (checked through INFO clients' blocked_clients)
while the main thread adds, deletes or destroys, so nothing depends on timing.
"""
import threading
import time
from collections import Counter

import pytest
import redis

from conftest import PROTOCOL, blocked_clients, make_client, run_threads, same, wait_blocked
from resp_raw import Error, Map, Null, NullArray, NullBulk, Status

NIL = NullBulk if PROTOCOL == 2 else Null
NIL_ARRAY = NullArray if PROTOCOL == 2 else Null
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
INVALID_ID = "Invalid stream ID specified as stream command argument"
ID_TOO_SMALL = "The ID specified in XADD is equal or smaller than the target stream top item"
KEY_DELETED = "UNBLOCKED the stream key no longer exists"
GROUP_DESTROYED = "NOGROUP the consumer group this client was blocked on no longer exists"

# What XREAD / XREADGROUP give through redis-py when nothing is read (null reply).
EMPTY_READ = [] if PROTOCOL == 2 else {}


def read_reply(*streams):
    """The parsed XREAD/XREADGROUP reply redis-py builds for (key, entries) pairs:
    RESP2 a list of [key, entries], RESP3 a dict key -> [entries]."""
    if PROTOCOL == 2:
        return [[key, entries] for key, entries in streams]
    return {key: [entries] for key, entries in streams}


def server_ms(r):
    sec, usec = r.time()
    return sec * 1000 + usec // 1000


def error_of(fn):
    with pytest.raises(redis.ResponseError) as e:
        fn()
    return str(e.value)


def add_entries(r, key, n, start=1):
    """Adds entries <i>-0 with field i = <i> for i in start..start+n-1 (pipelined)."""
    pipe = r.pipeline(transaction=False)
    for i in range(start, start + n):
        pipe.xadd(key, {"i": i}, id=f"{i}-0")
    return pipe.execute()


class Call(threading.Thread):
    """Runs fn(client) on a client of its own and keeps the reply (or exception)."""

    def __init__(self, fn, client=None):
        super().__init__(daemon=True)
        self.client = client or make_client()
        self.fn = fn
        self.reply = None
        self.error = None
        self.start()

    def run(self):
        try:
            self.reply = self.fn(self.client)
        except Exception as e:  # noqa: BLE001 - kept for the test to inspect
            self.error = e

    def result(self, timeout=5.0):
        self.join(timeout)
        assert not self.is_alive(), "call still blocked"
        self.client.close()
        if self.error:
            raise self.error
        return self.reply

    def error_message(self, timeout=5.0):
        self.join(timeout)
        assert not self.is_alive(), "call still blocked"
        self.client.close()
        assert isinstance(self.error, redis.ResponseError), (self.reply, self.error)
        return str(self.error)


# ---------------------------------------------------------------------------
# XADD / XLEN / XRANGE / XREVRANGE / XDEL / XTRIM
# ---------------------------------------------------------------------------

def test_xadd_ids_and_xlen(r):
    auto = r.xadd("s", {"a": "1", "b": "2"})
    ms, seq = auto.split("-")
    assert ms.isdigit() and seq.isdigit()
    now = server_ms(r)
    assert abs(int(ms) - now) < 60000
    r.delete("s")
    assert r.xadd("s", {"f": "v"}, id="5-5") == "5-5"
    assert r.xadd("s", {"f": "v"}, id="5-*") == "5-6"
    assert r.xadd("s", {"f": "v"}, id="6-*") == "6-0"
    assert r.xadd("s", {"f": "v"}, id="7") == "7-0"
    assert r.xadd("s", {"f": "v"}, id=8) == "8-0"
    auto = r.xadd("s", {"f": "v"})
    assert int(auto.split("-")[0]) >= 8
    assert r.xlen("s") == 6
    assert r.xlen("nokey") == 0
    assert r.type("s") == "stream"
    # field order and repeated values are kept as sent
    assert r.xadd("t", {"z": "1", "a": "2", "m": "1"}, id="1-0") == "1-0"
    assert r.xrange("t") == [("1-0", {"z": "1", "a": "2", "m": "1"})]
    assert list(r.xrange("t")[0][1]) == ["z", "a", "m"]


def test_xadd_id_errors(r):
    r.xadd("s", {"f": "v"}, id="5-5")
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="5-5")) == ID_TOO_SMALL
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="5-4")) == ID_TOO_SMALL
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="4-*")) == ID_TOO_SMALL
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="abc")) == INVALID_ID
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="1-x")) == INVALID_ID
    assert error_of(lambda: r.xadd("new", {"f": "v"}, id="0-0")) == \
        "The ID specified in XADD must be greater than 0-0"
    assert error_of(lambda: r.xadd("new", {"f": "v"}, id="0")) == \
        "The ID specified in XADD must be greater than 0-0"
    assert r.exists("new") == 0
    top = "18446744073709551615-18446744073709551615"
    assert r.xadd("s", {"f": "v"}, id=top) == top
    exhausted = "The stream has exhausted the last possible ID, unable to add more items"
    assert error_of(lambda: r.xadd("s", {"f": "v"})) == exhausted
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="18446744073709551615-*")) == exhausted
    assert r.xlen("s") == 2
    assert error_of(lambda: r.execute_command("XADD", "s", "*", "a")) == \
        "wrong number of arguments for 'xadd' command"
    assert error_of(lambda: r.execute_command("XADD", "s", "*")) == \
        "wrong number of arguments for 'xadd' command"


def test_xadd_nomkstream(r):
    assert r.xadd("s", {"f": "v"}, nomkstream=True) is None
    assert r.exists("s") == 0
    r.xadd("s", {"f": "v"}, id="1-0")
    assert r.xadd("s", {"f": "w"}, id="2-0", nomkstream=True) == "2-0"
    assert r.xlen("s") == 2


def test_xadd_exact_maxlen_and_minid(r):
    for i in range(1, 11):
        r.xadd("s", {"i": i}, id=f"{i}-0", maxlen=3, approximate=False)
    assert r.xlen("s") == 3
    assert r.xrange("s") == [("8-0", {"i": "8"}), ("9-0", {"i": "9"}), ("10-0", {"i": "10"})]
    assert r.xadd("s", {"i": 11}, id="11-0", minid="10-0", approximate=False) == "11-0"
    assert r.xrange("s") == [("10-0", {"i": "10"}), ("11-0", {"i": "11"})]
    # MAXLEN 0 keeps nothing, not even the new entry, but the key stays
    assert r.xadd("s", {"i": 12}, id="12-0", maxlen=0, approximate=False) == "12-0"
    assert r.xlen("s") == 0
    assert r.exists("s") == 1
    info = r.xinfo_stream("s")
    assert info["last-generated-id"] == "12-0"
    assert info["entries-added"] == 12
    assert info["first-entry"] is None and info["last-entry"] is None


def test_xadd_trim_option_errors(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    cases = [
        (("XADD", "s", "MAXLEN", "-1", "*", "a", "1"), "The MAXLEN argument must be >= 0."),
        (("XADD", "s", "MAXLEN", "x", "*", "a", "1"), "value is not an integer or out of range"),
        (("XADD", "s", "MAXLEN", "1", "MINID", "0", "*", "a", "1"),
         "syntax error, MAXLEN and MINID options at the same time are not compatible"),
        (("XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "a", "1"),
         "syntax error, LIMIT cannot be used without the special ~ option"),
        (("XADD", "s", "LIMIT", "10", "*", "a", "1"),
         "syntax error, LIMIT cannot be used without specifying a trimming strategy"),
        (("XTRIM", "s", "MAXLEN", "-1"), "The MAXLEN argument must be >= 0."),
        (("XTRIM", "s", "MAXLEN", "~", "5", "LIMIT", "-1"), "The LIMIT argument must be >= 0."),
        (("XTRIM", "s", "MAXLEN", "=", "5", "LIMIT", "10"),
         "syntax error, LIMIT cannot be used without the special ~ option"),
        (("XTRIM", "s", "BOGUS", "1"), "syntax error"),
        (("XTRIM", "s"), "wrong number of arguments for 'xtrim' command"),
    ]
    for args, message in cases:
        assert error_of(lambda: r.execute_command(*args)) == message, args
    # redis-py refuses the same mistakes before sending anything
    with pytest.raises(redis.DataError):
        r.xadd("s", {"a": 1}, maxlen=1, minid="0")
    with pytest.raises(redis.DataError):
        r.xtrim("s")
    assert error_of(lambda: r.xadd("s", {"a": 1}, maxlen=3, approximate=False, limit=2)) == \
        "syntax error, LIMIT cannot be used without the special ~ option"
    assert r.xlen("s") == 1


def test_xtrim_exact(r):
    add_entries(r, "s", 10)
    assert r.xtrim("s", maxlen=7, approximate=False) == 3
    assert r.xrange("s", count=1) == [("4-0", {"i": "4"})]
    assert r.xtrim("s", maxlen=7, approximate=False) == 0
    assert r.xtrim("s", minid="6-0", approximate=False) == 2
    assert r.xrange("s", count=1) == [("6-0", {"i": "6"})]
    assert r.xtrim("s", minid="7-1", approximate=False) == 2
    assert [e[0] for e in r.xrange("s")] == ["8-0", "9-0", "10-0"]
    assert r.xtrim("s", maxlen=0, approximate=False) == 3
    assert r.xlen("s") == 0
    assert r.exists("s") == 1
    assert r.xinfo_stream("s")["max-deleted-entry-id"] == "0-0"
    assert r.xtrim("nokey", maxlen=0, approximate=False) == 0
    assert r.exists("nokey") == 0


def test_approximate_trimming_removes_whole_nodes_only(r):
    assert r.config_get("stream-node-max-entries") == {"stream-node-max-entries": "100"}
    add_entries(r, "s", 250)  # nodes of 100, 100 and 50 entries
    # LIMIT below a node's size can't remove any node
    assert r.xtrim("s", maxlen=120, approximate=True, limit=50) == 0
    assert r.xlen("s") == 250
    # ~ 120: the first node goes (150 left >= 120), the second can't (50 < 120)
    assert r.xtrim("s", maxlen=120) == 100
    assert r.xlen("s") == 150
    assert r.xrange("s", count=1) == [("101-0", {"i": "101"})]
    # a node smaller than what MAXLEN ~ would drop stays
    assert r.xtrim("s", maxlen=10) == 100
    assert r.xlen("s") == 50
    assert r.xtrim("s", maxlen=10) == 0
    assert r.xlen("s") == 50
    # MINID ~ only drops a node whose every entry is below the id
    add_entries(r, "t", 250)
    assert r.xtrim("t", minid="150-0") == 100
    assert r.xtrim("t", minid="230-0") == 100
    assert r.xlen("t") == 50
    assert r.xtrim("t", minid="230-0", approximate=False) == 29
    assert r.xrange("t", count=1) == [("230-0", {"i": "230"})]
    # XADD with the default approximate MAXLEN trims the same way
    for i in range(1, 151):
        r.xadd("u", {"i": i}, id=f"{i}-0", maxlen=120)
    assert r.xlen("u") == 150
    for i in range(151, 231):
        r.xadd("u", {"i": i}, id=f"{i}-0", maxlen=120)
    assert r.xlen("u") == 130
    assert r.xrange("u", count=1) == [("101-0", {"i": "101"})]


def test_xrange_and_xrevrange(r):
    for id_ in ["1-0", "2-0", "2-1", "2-5", "3-0", "4-0"]:
        r.xadd("s", {"id": id_}, id=id_)
    ids = lambda entries: [e[0] for e in entries]  # noqa: E731
    assert ids(r.xrange("s")) == ["1-0", "2-0", "2-1", "2-5", "3-0", "4-0"]
    assert r.xrange("s", "2-1", "2-1") == [("2-1", {"id": "2-1"})]
    # an id without sequence means -0 as start and -<max> as end
    assert ids(r.xrange("s", "2", "2")) == ["2-0", "2-1", "2-5"]
    assert ids(r.xrange("s", "2", "3")) == ["2-0", "2-1", "2-5", "3-0"]
    assert ids(r.xrange("s", "(2-0", "(3-0")) == ["2-1", "2-5"]
    assert ids(r.xrange("s", "(2-5", "+")) == ["3-0", "4-0"]
    assert ids(r.xrange("s", "-", "+", count=2)) == ["1-0", "2-0"]
    assert ids(r.xrange("s", "(2-0", "+", count=2)) == ["2-1", "2-5"]
    assert r.xrange("s", "5", "+") == []
    assert r.xrange("s", "3", "2") == []
    assert r.xrange("nokey") == []
    assert ids(r.xrevrange("s")) == ["4-0", "3-0", "2-5", "2-1", "2-0", "1-0"]
    assert ids(r.xrevrange("s", "2", "2")) == ["2-5", "2-1", "2-0"]
    assert ids(r.xrevrange("s", "(3-0", "(1-0", count=2)) == ["2-5", "2-1"]
    assert ids(r.xrevrange("s", "+", "-", count=1)) == ["4-0"]
    assert r.xrevrange("s", "1-0", "2-0") == []
    assert r.xrevrange("nokey") == []
    # COUNT 0 or negative answers a null reply, which redis-py passes on as None
    assert r.execute_command("XRANGE", "s", "-", "+", "COUNT", 0) is None
    assert r.execute_command("XREVRANGE", "s", "+", "-", "COUNT", -1) is None
    assert r.execute_command("XRANGE", "s", "(0-0", "+", "COUNT", 1) == [("1-0", {"id": "1-0"})]


def test_xrange_errors(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    bad = [("x", "+"), ("-", "x"), ("(-", "+"), ("(+", "+"), ("-", "(-"), ("1-x", "+")]
    for start, end in bad:
        assert error_of(lambda: r.xrange("s", start, end)) == INVALID_ID, (start, end)
        assert error_of(lambda: r.xrevrange("s", end, start)) == INVALID_ID, (start, end)
    top = "18446744073709551615-18446744073709551615"
    assert error_of(lambda: r.xrange("s", f"({top}", "+")) == "invalid start ID for the interval"
    assert error_of(lambda: r.xrange("s", "-", "(0-0")) == "invalid end ID for the interval"
    assert error_of(lambda: r.execute_command("XRANGE", "s", "-", "+", "COUNT", "x")) == \
        "value is not an integer or out of range"
    assert error_of(lambda: r.execute_command("XRANGE", "s", "-", "+", "LIMIT", "1")) == \
        "syntax error"


def test_xdel(r):
    add_entries(r, "s", 5)
    assert r.xdel("s", "2-0", "4-0", "9-0") == 2
    assert r.xdel("s", "2-0") == 0
    assert r.xdel("s", "3-0", "3-0") == 1
    assert [e[0] for e in r.xrange("s")] == ["1-0", "5-0"]
    assert r.xlen("s") == 2
    info = r.xinfo_stream("s")
    assert info["max-deleted-entry-id"] == "4-0"
    assert info["entries-added"] == 5
    assert info["recorded-first-entry-id"] == "1-0"
    assert r.xdel("s", "1-0", "5-0") == 2
    # an emptied stream is still a stream and keeps its last id
    assert r.exists("s") == 1
    assert r.xlen("s") == 0
    assert error_of(lambda: r.xadd("s", {"f": "v"}, id="5-0")) == ID_TOO_SMALL
    assert r.xdel("nokey", "1-0") == 0
    assert error_of(lambda: r.xdel("s", "x")) == INVALID_ID


def test_binary_entries(rb):
    assert rb.xadd(b"bin", {b"\x00k\xff": b"\x01\r\n\x02"}, id=b"1-0") == b"1-0"
    assert rb.xrange(b"bin") == [(b"1-0", {b"\x00k\xff": b"\x01\r\n\x02"})]
    assert rb.xread({b"bin": 0}) == \
        read_reply((b"bin", [(b"1-0", {b"\x00k\xff": b"\x01\r\n\x02"})]))


def test_wrong_type(r):
    r.set("str", "v")
    calls = [
        lambda: r.xadd("str", {"a": 1}),
        lambda: r.xlen("str"),
        lambda: r.xrange("str"),
        lambda: r.xrevrange("str"),
        lambda: r.xdel("str", "1-0"),
        lambda: r.xtrim("str", maxlen=1),
        lambda: r.xread({"str": 0}),
        lambda: r.xgroup_create("str", "g"),
        lambda: r.xinfo_stream("str"),
        lambda: r.xinfo_groups("str"),
        lambda: r.xreadgroup("g", "c", {"str": ">"}),
        lambda: r.xread({"nokey": 0, "str": 0}, block=0),
    ]
    for i, call in enumerate(calls):
        assert error_of(call) == WRONGTYPE, i
    assert r.get("str") == "v"


# ---------------------------------------------------------------------------
# XREAD (non-blocking)
# ---------------------------------------------------------------------------

def test_xread(r):
    add_entries(r, "a", 3)
    r.xadd("b", {"x": "y"}, id="7-0")
    e = lambda i: (f"{i}-0", {"i": str(i)})  # noqa: E731
    assert r.xread({"a": 0}) == read_reply(("a", [e(1), e(2), e(3)]))
    assert r.xread({"a": "1-0"}) == read_reply(("a", [e(2), e(3)]))
    assert r.xread({"a": "1"}, count=1) == read_reply(("a", [e(2)]))
    assert r.xread({"a": 0, "b": 0}, count=2) == \
        read_reply(("a", [e(1), e(2)]), ("b", [("7-0", {"x": "y"})]))
    # streams with nothing after the id are left out of the reply
    assert r.xread({"a": "3-0", "b": "0-0"}) == read_reply(("b", [("7-0", {"x": "y"})]))
    assert r.xread({"nokey": 0, "a": "2-0"}) == read_reply(("a", [e(3)]))
    assert r.xread({"a": "$"}) == EMPTY_READ
    assert r.xread({"a": "3-0", "nokey": 0}) == EMPTY_READ
    assert r.execute_command("XREAD", "COUNT", -1, "STREAMS", "a", "2-0") == \
        read_reply(("a", [e(3)]))


def test_xread_errors(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    assert error_of(lambda: r.xread({"s": "x"})) == INVALID_ID
    assert error_of(lambda: r.xread({"s": ">"})) == (
        "The > ID can be specified only when calling XREADGROUP using the GROUP "
        "<group> <consumer> option.")
    assert error_of(lambda: r.execute_command("XREAD", "BLOCK", -1, "STREAMS", "s", 0)) == \
        "timeout is negative"
    assert error_of(lambda: r.execute_command("XREAD", "BLOCK", "x", "STREAMS", "s", 0)) == \
        "timeout is not an integer or out of range"
    assert error_of(lambda: r.execute_command("XREAD", "STREAMS", "s", "t", 0)) == (
        "Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
    assert error_of(lambda: r.execute_command("XREAD", "STREAMS", "s")) == \
        "wrong number of arguments for 'xread' command"
    assert error_of(lambda: r.execute_command("XREAD", "COUNT", "x", "STREAMS", "s", 0)) == \
        "value is not an integer or out of range"


def test_raw_reply_shapes(raw):
    same(raw.cmd("XADD", "s", "1-0", "a", "1"), b"1-0")
    same(raw.cmd("XADD", "nokey", "NOMKSTREAM", "*", "a", "1"), NIL)
    same(raw.cmd("XRANGE", "s", "-", "+"), [[b"1-0", [b"a", b"1"]]])
    same(raw.cmd("XRANGE", "s", "-", "+", "COUNT", 0), NIL_ARRAY)
    same(raw.cmd("XRANGE", "nokey", "-", "+"), [])
    entries = [[b"1-0", [b"a", b"1"]]]
    read = [[b"s", entries]] if PROTOCOL == 2 else Map([(b"s", entries)])
    same(raw.cmd("XREAD", "STREAMS", "s", "0"), read)
    same(raw.cmd("XREAD", "STREAMS", "s", "$"), NIL_ARRAY)
    same(raw.cmd("XREAD", "STREAMS", "nokey", "0"), NIL_ARRAY)
    same(raw.cmd("XREAD", "BLOCK", 10, "STREAMS", "s", "$"), NIL_ARRAY)
    same(raw.cmd("XGROUP", "CREATE", "s", "g", "0"), Status("OK"))
    same(raw.cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), read)
    same(raw.cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), NIL_ARRAY)
    same(raw.cmd("XREADGROUP", "GROUP", "g", "c", "BLOCK", 10, "STREAMS", "s", ">"), NIL_ARRAY)
    same(raw.cmd("XPENDING", "s", "g"), [1, b"1-0", b"1-0", [[b"c", b"1"]]])
    same(raw.cmd("XAUTOCLAIM", "s", "g", "c", 0, 0), [b"0-0", entries, []])
    same(raw.cmd("XDEL", "s", "1-0"), 1)
    # a pending entry that was deleted comes back as [id, null]
    history = [[b"1-0", NIL_ARRAY]]
    same(raw.cmd("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"),
         [[b"s", history]] if PROTOCOL == 2 else Map([(b"s", history)]))
    groups = raw.cmd("XINFO", "GROUPS", "s")
    assert len(groups) == 1
    if PROTOCOL == 2:
        assert isinstance(groups[0], list) and groups[0][0::2] == [
            b"name", b"consumers", b"pending", b"last-delivered-id", b"entries-read", b"lag"]
    else:
        assert isinstance(groups[0], Map) and [k for k, _ in groups[0]] == [
            b"name", b"consumers", b"pending", b"last-delivered-id", b"entries-read", b"lag"]
    info = raw.cmd("XINFO", "STREAM", "s")
    assert isinstance(info, Map) == (PROTOCOL == 3)
    same(raw.cmd("XPENDING", "s", "nogroup"),
         Error("NOGROUP No such key 's' or consumer group 'nogroup'"))
    same(raw.cmd("XADD", "s", "0-0", "a", "1"),
         Error("ERR The ID specified in XADD must be greater than 0-0"))
    same(raw.cmd("XGROUP", "CREATE", "s", "g", "$"),
         Error("BUSYGROUP Consumer Group name already exists"))


# ---------------------------------------------------------------------------
# Consumer groups
# ---------------------------------------------------------------------------

def test_xgroup_create_destroy_setid(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    assert r.xgroup_create("s", "g") is True
    assert error_of(lambda: r.xgroup_create("s", "g")) == \
        "BUSYGROUP Consumer Group name already exists"
    assert error_of(lambda: r.xgroup_create("s", "g", id="0")) == \
        "BUSYGROUP Consumer Group name already exists"
    assert r.xgroup_create("made", "g", mkstream=True) is True
    assert r.type("made") == "stream"
    assert r.xlen("made") == 0
    assert error_of(lambda: r.xgroup_create("s", "g2", id="x")) == INVALID_ID
    assert r.xgroup_create("s", "zero", id="0") is True
    assert r.xgroup_create("s", "later", id="9-0") is True
    # groups (like consumers) are listed in name order
    assert [(g["name"], g["last-delivered-id"]) for g in r.xinfo_groups("s")] == \
        [("g", "1-0"), ("later", "9-0"), ("zero", "0-0")]
    assert r.xgroup_setid("s", "later", "0") is True
    assert r.xgroup_setid("s", "zero", "$") is True
    assert [(g["name"], g["last-delivered-id"]) for g in r.xinfo_groups("s")] == \
        [("g", "1-0"), ("later", "0-0"), ("zero", "1-0")]
    assert error_of(lambda: r.xgroup_setid("s", "nogroup", "0")) == \
        "NOGROUP No such consumer group 'nogroup' for key name 's'"
    assert error_of(lambda: r.xgroup_setid("s", "g", "x")) == INVALID_ID
    assert r.xgroup_destroy("s", "g") is True
    assert r.xgroup_destroy("s", "g") is False
    assert r.xgroup_destroy("made", "g") is True
    assert r.xinfo_groups("made") == []
    assert r.exists("made") == 1
    assert error_of(lambda: r.execute_command("XGROUP", "BOGUS")) == \
        "unknown subcommand 'BOGUS'. Try XGROUP HELP."


def test_group_end_to_end(r):
    add_entries(r, "s", 4)
    e = lambda i: (f"{i}-0", {"i": str(i)})  # noqa: E731
    r.xgroup_create("s", "g", id="0")
    assert r.xreadgroup("g", "alice", {"s": ">"}, count=2) == read_reply(("s", [e(1), e(2)]))
    assert r.xreadgroup("g", "bob", {"s": ">"}, count=1) == read_reply(("s", [e(3)]))
    assert r.xpending("s", "g") == {
        "pending": 3, "min": "1-0", "max": "3-0",
        "consumers": [{"name": "alice", "pending": 2}, {"name": "bob", "pending": 1}]}
    # a consumer's history (an id instead of >) only holds its own pending entries
    assert r.xreadgroup("g", "alice", {"s": "0"}) == read_reply(("s", [e(1), e(2)]))
    assert r.xreadgroup("g", "alice", {"s": "1-0"}) == read_reply(("s", [e(2)]))
    assert r.xreadgroup("g", "bob", {"s": "0"}) == read_reply(("s", [e(3)]))
    assert r.xreadgroup("g", "carol", {"s": "0"}) == read_reply(("s", []))
    # reading the history again counts as a new delivery
    counts = {p["message_id"]: p["times_delivered"]
              for p in r.xpending_range("s", "g", "-", "+", 10)}
    assert counts == {"1-0": 2, "2-0": 3, "3-0": 2}
    assert r.xack("s", "g", "1-0", "1-0", "9-0") == 1
    assert r.xack("s", "g", "1-0") == 0
    assert r.xack("s", "nogroup", "2-0") == 0
    assert r.xack("nokey", "g", "2-0") == 0
    assert error_of(lambda: r.xack("s", "g", "x")) == INVALID_ID
    assert r.xreadgroup("g", "alice", {"s": "0"}) == read_reply(("s", [e(2)]))
    assert r.xreadgroup("g", "alice", {"s": ">"}) == read_reply(("s", [e(4)]))
    assert r.xreadgroup("g", "alice", {"s": ">"}) == EMPTY_READ
    assert r.xack("s", "g", "2-0", "3-0", "4-0") == 3
    assert r.xpending("s", "g") == {"pending": 0, "min": None, "max": None, "consumers": []}
    assert r.xpending_range("s", "g", "-", "+", 10) == []
    groups = r.xinfo_groups("s")
    assert groups == [{"name": "g", "consumers": 3, "pending": 0, "last-delivered-id": "4-0",
                       "entries-read": 4, "lag": 0}]


def test_xreadgroup_several_streams_and_noack(r):
    r.xadd("a", {"k": "a1"}, id="1-0")
    r.xadd("b", {"k": "b1"}, id="1-0")
    r.xgroup_create("a", "g", id="0")
    r.xgroup_create("b", "g", id="0")
    assert r.xreadgroup("g", "c", {"a": ">", "b": ">"}, noack=True) == read_reply(
        ("a", [("1-0", {"k": "a1"})]), ("b", [("1-0", {"k": "b1"})]))
    assert r.xpending("a", "g")["pending"] == 0
    assert r.xpending("b", "g")["pending"] == 0
    assert r.xinfo_groups("a")[0]["last-delivered-id"] == "1-0"
    r.xadd("b", {"k": "b2"}, id="2-0")
    assert r.xreadgroup("g", "c", {"a": ">", "b": ">"}) == \
        read_reply(("b", [("2-0", {"k": "b2"})]))
    assert r.xpending("b", "g")["pending"] == 1
    r.xgroup_create("a", "only_a", id="0")
    assert error_of(lambda: r.xreadgroup("only_a", "c", {"a": ">", "b": ">"})) == \
        "NOGROUP No such key 'b' or consumer group 'only_a' in XREADGROUP with GROUP option"


def test_xreadgroup_errors(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    r.xgroup_create("s", "g", id="0")
    assert error_of(lambda: r.xreadgroup("nogroup", "c", {"s": ">"})) == \
        "NOGROUP No such key 's' or consumer group 'nogroup' in XREADGROUP with GROUP option"
    assert error_of(lambda: r.xreadgroup("g", "c", {"nokey": ">"})) == \
        "NOGROUP No such key 'nokey' or consumer group 'g' in XREADGROUP with GROUP option"
    assert error_of(lambda: r.xreadgroup("g", "c", {"s": "x"})) == INVALID_ID
    assert error_of(lambda: r.execute_command(
        "XREADGROUP", "GROUP", "g", "c", "BLOCK", -1, "STREAMS", "s", ">")) == "timeout is negative"
    assert error_of(lambda: r.execute_command("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s")) == \
        "wrong number of arguments for 'xreadgroup' command"
    assert error_of(lambda: r.execute_command("XREADGROUP", "STREAMS", "s", ">")) == \
        "wrong number of arguments for 'xreadgroup' command"
    # the errors delivered nothing and created no consumer
    assert r.xinfo_groups("s")[0]["consumers"] == 0


def test_history_of_deleted_entries(r):
    add_entries(r, "s", 3)
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "c", {"s": ">"})
    assert r.xdel("s", "2-0") == 1
    # the pending entry stays; its fields come back as a null that redis-py maps to {}
    assert r.xreadgroup("g", "c", {"s": "0"}) == read_reply(
        ("s", [("1-0", {"i": "1"}), ("2-0", {}), ("3-0", {"i": "3"})]))
    assert r.xpending("s", "g")["pending"] == 3


def test_xpending_range_filters(r):
    add_entries(r, "s", 6)
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"}, count=4)
    r.xreadgroup("g", "bob", {"s": ">"}, count=1)
    # make 1-0 and 2-0 look idle for 100 s (claimed by bob)
    assert r.xclaim("s", "g", "bob", 0, ["1-0", "2-0"], idle=100000, justid=True) == ["1-0", "2-0"]
    full = r.xpending_range("s", "g", "-", "+", 10)
    assert [(p["message_id"], p["consumer"], p["times_delivered"]) for p in full] == [
        ("1-0", "bob", 1), ("2-0", "bob", 1), ("3-0", "alice", 1), ("4-0", "alice", 1),
        ("5-0", "bob", 1)]
    assert set(full[0]) == {"message_id", "consumer", "time_since_delivered", "times_delivered"}
    assert 100000 <= full[0]["time_since_delivered"] < 110000
    assert 0 <= full[2]["time_since_delivered"] < 10000
    def ids(*args, **kw):
        return [p["message_id"] for p in r.xpending_range("s", "g", *args, **kw)]

    assert ids("-", "+", 10, idle=50000) == ["1-0", "2-0"]
    assert ids("-", "+", 10, consumername="bob") == ["1-0", "2-0", "5-0"]
    assert ids("-", "+", 10, consumername="bob", idle=50000) == ["1-0", "2-0"]
    assert ids("-", "+", 10, consumername="alice", idle=50000) == []
    assert ids("(1-0", "+", 2) == ["2-0", "3-0"]
    assert ids("2-0", "(4-0", 10) == ["2-0", "3-0"]
    assert ids("+", "-", 10) == []
    assert r.xpending_range("s", "g", "-", "+", 10, consumername="nobody") == []
    assert r.xpending("s", "g") == {
        "pending": 5, "min": "1-0", "max": "5-0",
        "consumers": [{"name": "alice", "pending": 2}, {"name": "bob", "pending": 3}]}
    assert error_of(lambda: r.xpending("s", "nogroup")) == \
        "NOGROUP No such key 's' or consumer group 'nogroup'"
    assert error_of(lambda: r.xpending("nokey", "g")) == \
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    assert error_of(lambda: r.execute_command("XPENDING", "s", "g", "-", "+", "x")) == \
        "value is not an integer or out of range"


def test_xclaim(r):
    add_entries(r, "s", 6)
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"}, count=4)
    # claimed entries come back with their fields and count one more delivery
    assert r.xclaim("s", "g", "bob", 0, ["1-0", "2-0"]) == \
        [("1-0", {"i": "1"}), ("2-0", {"i": "2"})]
    assert {p["message_id"]: (p["consumer"], p["times_delivered"])
            for p in r.xpending_range("s", "g", "-", "+", 10)} == {
        "1-0": ("bob", 2), "2-0": ("bob", 2), "3-0": ("alice", 1), "4-0": ("alice", 1)}
    # entries not idle long enough are left alone
    assert r.xclaim("s", "g", "carol", 10 ** 9, ["3-0"]) == []
    # RETRYCOUNT sets the count, JUSTID doesn't count a delivery
    assert r.xclaim("s", "g", "carol", 0, ["3-0"], retrycount=7, justid=True) == ["3-0"]
    [p] = r.xpending_range("s", "g", "3-0", "3-0", 1)
    assert (p["consumer"], p["times_delivered"]) == ("carol", 7)
    # TIME sets the delivery time (unix ms)
    now = server_ms(r)
    assert r.xclaim("s", "g", "dave", 0, ["4-0"], time=now - 500000, justid=True) == ["4-0"]
    [p] = r.xpending_range("s", "g", "4-0", "4-0", 1)
    assert p["consumer"] == "dave" and 500000 <= p["time_since_delivered"] < 510000
    # an entry pending nowhere is claimed only with FORCE, and only if it exists
    assert r.xclaim("s", "g", "carol", 0, ["5-0"]) == []
    assert r.xclaim("s", "g", "carol", 0, ["5-0"], force=True) == [("5-0", {"i": "5"})]
    assert r.xclaim("s", "g", "carol", 0, ["99-0"], force=True) == []
    assert r.xpending("s", "g") == {
        "pending": 5, "min": "1-0", "max": "5-0",
        "consumers": [{"name": "bob", "pending": 2}, {"name": "carol", "pending": 2},
                      {"name": "dave", "pending": 1}]}
    # a deleted entry is dropped from the PEL instead of being claimed
    r.xdel("s", "2-0")
    assert r.xclaim("s", "g", "erin", 0, ["2-0", "1-0"]) == [("1-0", {"i": "1"})]
    assert [p["message_id"] for p in r.xpending_range("s", "g", "-", "+", 10)] == \
        ["1-0", "3-0", "4-0", "5-0"]
    assert error_of(lambda: r.xclaim("s", "nogroup", "c", 0, ["1-0"])) == \
        "NOGROUP No such key 's' or consumer group 'nogroup'"
    assert error_of(lambda: r.xclaim("nokey", "g", "c", 0, ["1-0"])) == \
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    assert error_of(lambda: r.execute_command("XCLAIM", "s", "g", "c", "x", "1-0")) == \
        "Invalid min-idle-time argument for XCLAIM"
    assert error_of(lambda: r.execute_command("XCLAIM", "s", "g", "c", 0, "x")) == \
        "Unrecognized XCLAIM option 'x'"


def test_xautoclaim(r):
    add_entries(r, "s", 6)
    r.xgroup_create("s", "g", id="0")
    r.xreadgroup("g", "alice", {"s": ">"}, count=5)
    r.xdel("s", "2-0", "4-0")
    # COUNT bounds the scanned PEL entries; deleted ones are listed and dropped from the PEL
    assert r.xautoclaim("s", "g", "bob", 0, "0-0", count=2) == \
        ["3-0", [("1-0", {"i": "1"})], ["2-0"]]
    assert r.xautoclaim("s", "g", "bob", 0, "3-0", count=2) == \
        ["5-0", [("3-0", {"i": "3"})], ["4-0"]]
    assert r.xautoclaim("s", "g", "bob", 0, "5-0", count=2) == ["0-0", [("5-0", {"i": "5"})], []]
    assert r.xpending("s", "g") == {
        "pending": 3, "min": "1-0", "max": "5-0", "consumers": [{"name": "bob", "pending": 3}]}
    assert [p["times_delivered"] for p in r.xpending_range("s", "g", "-", "+", 10)] == [2, 2, 2]
    # entries not idle long enough are skipped
    assert r.xautoclaim("s", "g", "carol", 10 ** 9, "0-0") == ["0-0", [], []]
    # JUSTID gives only the ids (redis-py drops the cursor) and counts no delivery
    assert r.xautoclaim("s", "g", "carol", 0, "0-0", justid=True) == ["1-0", "3-0", "5-0"]
    assert [p["times_delivered"] for p in r.xpending_range("s", "g", "-", "+", 10)] == [2, 2, 2]
    assert r.xpending("s", "g")["consumers"] == [{"name": "carol", "pending": 3}]
    assert error_of(lambda: r.xautoclaim("s", "nogroup", "c", 0)) == \
        "NOGROUP No such key 's' or consumer group 'nogroup'"
    assert error_of(lambda: r.xautoclaim("nokey", "g", "c", 0)) == \
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    assert error_of(lambda: r.xautoclaim("s", "g", "c", 0, count=0)) == "COUNT must be > 0"
    assert error_of(lambda: r.xautoclaim("s", "g", "c", 0, "x")) == INVALID_ID


def test_consumers_create_delete_and_info(r):
    add_entries(r, "s", 3)
    r.xgroup_create("s", "g", id="0")
    assert r.xgroup_createconsumer("s", "g", "idle") == 1
    assert r.xgroup_createconsumer("s", "g", "idle") == 0
    r.xreadgroup("g", "worker", {"s": ">"})
    consumers = r.xinfo_consumers("s", "g")
    assert [(c["name"], c["pending"]) for c in consumers] == [("idle", 0), ("worker", 3)]
    for c in consumers:
        assert set(c) == {"name", "pending", "idle"}
        assert 0 <= c["idle"] < 10000
    assert r.xinfo_groups("s")[0]["consumers"] == 2
    # deleting a consumer answers how many pending entries it had, and drops them
    assert r.xgroup_delconsumer("s", "g", "worker") == 3
    assert r.xgroup_delconsumer("s", "g", "nobody") == 0
    assert r.xpending("s", "g")["pending"] == 0
    assert [c["name"] for c in r.xinfo_consumers("s", "g")] == ["idle"]
    # a > read that finds nothing creates no consumer; a history read does
    assert r.xreadgroup("g", "late", {"s": ">"}) == EMPTY_READ
    assert [c["name"] for c in r.xinfo_consumers("s", "g")] == ["idle"]
    assert r.xreadgroup("g", "late", {"s": "0"}) == read_reply(("s", []))
    assert [c["name"] for c in r.xinfo_consumers("s", "g")] == ["idle", "late"]
    for call in [lambda: r.xgroup_createconsumer("s", "nogroup", "c"),
                 lambda: r.xgroup_delconsumer("s", "nogroup", "c"),
                 lambda: r.xinfo_consumers("s", "nogroup")]:
        assert error_of(call) == "NOGROUP No such consumer group 'nogroup' for key name 's'"
    r.xgroup_create("empty", "g", mkstream=True)
    assert error_of(lambda: r.xinfo_consumers("empty", "nogroup")) == \
        "NOGROUP No such consumer group 'nogroup' for key name 'empty'"


def test_group_commands_on_a_missing_key(r):
    key_must_exist = (
        "The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
        "use the MKSTREAM option to create an empty stream automatically.")
    for call in [lambda: r.xgroup_create("nokey", "g"),
                 lambda: r.xgroup_setid("nokey", "g", "0"),
                 lambda: r.xgroup_createconsumer("nokey", "g", "c"),
                 lambda: r.xgroup_delconsumer("nokey", "g", "c"),
                 lambda: r.xgroup_destroy("nokey", "g")]:
        assert error_of(call) == key_must_exist
    assert error_of(lambda: r.xinfo_groups("nokey")) == "no such key"
    assert error_of(lambda: r.xinfo_consumers("nokey", "g")) == "no such key"
    assert error_of(lambda: r.xpending_range("nokey", "g", "-", "+", 1)) == \
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    assert r.xack("nokey", "g", "1-0") == 0
    assert r.exists("nokey") == 0


def test_xinfo_groups_lag_and_entries_read(r):
    add_entries(r, "s", 5)
    r.xgroup_create("s", "g", id="0")

    def group(name="g"):
        [info] = [g for g in r.xinfo_groups("s") if g["name"] == name]
        return info

    assert group() == {"name": "g", "consumers": 0, "pending": 0, "last-delivered-id": "0-0",
                       "entries-read": None, "lag": 5}
    r.xreadgroup("g", "c", {"s": ">"}, count=2)
    assert (group()["entries-read"], group()["lag"]) == (2, 3)
    # a tombstone after the last delivered id makes the lag unknown
    r.xdel("s", "4-0")
    assert (group()["entries-read"], group()["lag"]) == (2, None)
    r.xreadgroup("g", "c", {"s": ">"}, count=1)
    assert group()["last-delivered-id"] == "3-0"
    assert (group()["entries-read"], group()["lag"]) == (None, None)
    # having read up to the last id, the group is known to be level again
    r.xreadgroup("g", "c", {"s": ">"})
    assert (group()["last-delivered-id"], group()["entries-read"], group()["lag"]) == ("5-0", 5, 0)
    r.xadd("s", {"i": 6}, id="6-0")
    assert (group()["entries-read"], group()["lag"]) == (5, 1)
    # creation at $, at an explicit id and with ENTRIESREAD
    r.xgroup_create("s", "at_end", id="$")
    assert (group("at_end")["entries-read"], group("at_end")["lag"]) == (None, 0)
    r.xgroup_create("s", "counted", id="0", entries_read=2)
    assert (group("counted")["last-delivered-id"], group("counted")["entries-read"],
            group("counted")["lag"]) == ("0-0", 2, None)
    r.xgroup_create("s", "mid", id="2-0")
    assert (group("mid")["entries-read"], group("mid")["lag"]) == (None, None)
    assert r.xgroup_setid("s", "mid", "3-0", entries_read=3) is True
    assert (group("mid")["last-delivered-id"], group("mid")["entries-read"]) == ("3-0", 3)
    # deleting the first entries before reading keeps the lag exact
    r.delete("t")
    add_entries(r, "t", 5)
    r.xgroup_create("t", "g", id="0")
    r.xdel("t", "1-0")
    assert r.xinfo_groups("t")[0]["lag"] == 4
    r.xreadgroup("g", "c", {"t": ">"}, count=1)
    assert [(g["entries-read"], g["lag"]) for g in r.xinfo_groups("t")] == [(2, 3)]
    r.xadd("t", {"i": 6}, id="6-0")
    assert [(g["entries-read"], g["lag"]) for g in r.xinfo_groups("t")] == [(2, 4)]


def test_xinfo_stream(r):
    assert error_of(lambda: r.xinfo_stream("nokey")) == "no such key"
    assert error_of(lambda: r.xinfo_stream("nokey", full=True)) == "no such key"
    add_entries(r, "s", 3)
    r.xdel("s", "2-0")
    r.xgroup_create("s", "g1", id="0")
    r.xgroup_create("s", "g2", id="$")
    info = r.xinfo_stream("s")
    assert list(info) == ["length", "radix-tree-keys", "radix-tree-nodes", "last-generated-id",
                          "max-deleted-entry-id", "entries-added", "recorded-first-entry-id",
                          "groups", "first-entry", "last-entry"]
    assert isinstance(info["radix-tree-keys"], int) and isinstance(info["radix-tree-nodes"], int)
    del info["radix-tree-keys"], info["radix-tree-nodes"]
    assert info == {"length": 2, "last-generated-id": "3-0", "max-deleted-entry-id": "2-0",
                    "entries-added": 3, "recorded-first-entry-id": "1-0", "groups": 2,
                    "first-entry": ("1-0", {"i": "1"}), "last-entry": ("3-0", {"i": "3"})}
    r.xgroup_create("e", "g", mkstream=True)
    empty = r.xinfo_stream("e")
    assert (empty["length"], empty["last-generated-id"], empty["entries-added"], empty["groups"],
            empty["first-entry"], empty["last-entry"]) == (0, "0-0", 0, 1, None, None)


def test_xinfo_stream_full(r):
    add_entries(r, "s", 15)
    r.xgroup_create("s", "g", id="0")
    r.xgroup_create("s", "idle_group", id="$")
    before = server_ms(r)
    r.xreadgroup("g", "alice", {"s": ">"}, count=2)
    r.xreadgroup("g", "bob", {"s": ">"}, count=1)
    r.xreadgroup("g", "alice", {"s": "0"})  # alice's entries delivered twice
    after = server_ms(r)
    info = r.xinfo_stream("s", full=True)
    assert list(info) == ["length", "radix-tree-keys", "radix-tree-nodes", "last-generated-id",
                          "max-deleted-entry-id", "entries-added", "recorded-first-entry-id",
                          "entries", "groups"]
    assert (info["length"], info["last-generated-id"], info["entries-added"]) == (15, "15-0", 15)
    # FULL lists the first 10 entries by default, as a dict id -> fields
    assert info["entries"] == {f"{i}-0": {"i": str(i)} for i in range(1, 11)}
    g, idle = info["groups"]
    assert idle == {"name": "idle_group", "last-delivered-id": "15-0", "entries-read": None,
                    "lag": 0, "pel-count": 0, "pending": [], "consumers": []}
    assert list(g) == ["name", "last-delivered-id", "entries-read", "lag", "pel-count",
                       "pending", "consumers"]
    assert (g["name"], g["last-delivered-id"], g["entries-read"], g["lag"], g["pel-count"]) == \
        ("g", "3-0", 3, 12, 3)
    assert [(p[0], p[1], p[3]) for p in g["pending"]] == \
        [("1-0", "alice", 2), ("2-0", "alice", 2), ("3-0", "bob", 1)]
    for p in g["pending"]:
        assert before - 1000 <= p[2] <= after + 1000
    alice, bob = g["consumers"]
    assert list(alice) == ["name", "seen-time", "pel-count", "pending"]
    assert (alice["name"], alice["pel-count"]) == ("alice", 2)
    assert [(p[0], p[2]) for p in alice["pending"]] == [("1-0", 2), ("2-0", 2)]
    assert (bob["name"], bob["pel-count"]) == ("bob", 1)
    assert [(p[0], p[2]) for p in bob["pending"]] == [("3-0", 1)]
    for c in (alice, bob):
        assert before - 1000 <= c["seen-time"] <= after + 1000
        for p in c["pending"]:
            assert before - 1000 <= p[1] <= after + 1000
    assert error_of(lambda: r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "x")) == \
        "value is not an integer or out of range"


# ---------------------------------------------------------------------------
# Blocking reads, with threads
# ---------------------------------------------------------------------------

def test_xread_block_served_by_xadd(r):
    r.xadd("s", {"old": "1"}, id="1-0")
    call = Call(lambda c: c.xread({"s": "$"}, block=0))
    wait_blocked(r, 1)
    r.xadd("s", {"new": "2"}, id="2-0")
    assert call.result() == read_reply(("s", [("2-0", {"new": "2"})]))
    assert blocked_clients(r) == 0


def test_xread_block_on_missing_stream_and_several_keys(r):
    call = Call(lambda c: c.xread({"a": "$", "b": "$"}, block=0))
    wait_blocked(r, 1)
    r.xadd("b", {"k": "v"}, id="3-0")
    assert call.result() == read_reply(("b", [("3-0", {"k": "v"})]))


def test_xread_block_with_data_returns_at_once(r):
    add_entries(r, "s", 3)
    assert r.xread({"s": "1-0"}, block=0) == \
        read_reply(("s", [("2-0", {"i": "2"}), ("3-0", {"i": "3"})]))
    assert r.xread({"s": "1-0"}, block=0, count=1) == read_reply(("s", [("2-0", {"i": "2"})]))
    assert blocked_clients(r) == 0


def test_several_blocked_clients_all_served_by_one_xadd(r):
    r.xadd("s", {"old": "1"}, id="1-0")
    r.xgroup_create("s", "g1", id="$")
    r.xgroup_create("s", "g2", id="$")
    readers = []
    for i in range(3):
        readers.append(Call(lambda c: c.xread({"s": "$"}, block=0)))
        wait_blocked(r, i + 1)
    group_readers = []
    for i, group in enumerate(["g1", "g2"]):
        group_readers.append(
            Call(lambda c, group=group: c.xreadgroup(group, "c", {"s": ">"}, block=0)))
        wait_blocked(r, 4 + i)
    r.xadd("s", {"new": "2"}, id="2-0")
    expected = read_reply(("s", [("2-0", {"new": "2"})]))
    for call in readers + group_readers:
        assert call.result() == expected
    assert blocked_clients(r) == 0
    assert [g["pending"] for g in r.xinfo_groups("s")] == [1, 1]


def test_entries_added_in_multi_are_served_together(r):
    r.xadd("s", {"old": "1"}, id="1-0")
    call = Call(lambda c: c.xread({"s": "$"}, block=0))
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=True)
    pipe.xadd("s", {"n": "2"}, id="2-0")
    pipe.xadd("s", {"n": "3"}, id="3-0")
    assert pipe.execute() == ["2-0", "3-0"]
    assert call.result() == read_reply(("s", [("2-0", {"n": "2"}), ("3-0", {"n": "3"})]))
    call = Call(lambda c: c.xread({"s": "$"}, block=0, count=1))
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=True)
    pipe.xadd("s", {"n": "4"}, id="4-0")
    pipe.xadd("s", {"n": "5"}, id="5-0")
    pipe.execute()
    assert call.result() == read_reply(("s", [("4-0", {"n": "4"})]))


def test_xreadgroup_block_two_consumers_get_one_entry_each(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    first = Call(lambda c: c.xreadgroup("g", "alice", {"s": ">"}, block=0))
    wait_blocked(r, 1)
    second = Call(lambda c: c.xreadgroup("g", "bob", {"s": ">"}, block=0))
    wait_blocked(r, 2)
    r.xadd("s", {"n": "1"}, id="1-0")
    assert first.result() == read_reply(("s", [("1-0", {"n": "1"})]))
    # bob found nothing new for the group and is still waiting
    wait_blocked(r, 1)
    assert second.is_alive()
    r.xadd("s", {"n": "2"}, id="2-0")
    assert second.result() == read_reply(("s", [("2-0", {"n": "2"})]))
    assert r.xpending("s", "g") == {
        "pending": 2, "min": "1-0", "max": "2-0",
        "consumers": [{"name": "alice", "pending": 1}, {"name": "bob", "pending": 1}]}


def test_xreadgroup_block_count_shares_a_multi_batch(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    first = Call(lambda c: c.xreadgroup("g", "alice", {"s": ">"}, block=0, count=1))
    wait_blocked(r, 1)
    second = Call(lambda c: c.xreadgroup("g", "bob", {"s": ">"}, block=0, count=1))
    wait_blocked(r, 2)
    pipe = r.pipeline(transaction=True)
    pipe.xadd("s", {"n": "1"}, id="1-0")
    pipe.xadd("s", {"n": "2"}, id="2-0")
    pipe.execute()
    assert first.result() == read_reply(("s", [("1-0", {"n": "1"})]))
    assert second.result() == read_reply(("s", [("2-0", {"n": "2"})]))
    assert blocked_clients(r) == 0


def test_xreadgroup_block_with_history_id_does_not_block(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    assert r.xreadgroup("g", "c", {"s": "0"}, block=0) == read_reply(("s", []))
    assert blocked_clients(r) == 0


def test_xreadgroup_block_woken_by_key_deletion(r):
    r.xadd("s", {"old": "1"}, id="1-0")
    r.xgroup_create("s", "g", id="$")
    group_reader = Call(lambda c: c.xreadgroup("g", "c", {"s": ">"}, block=0))
    wait_blocked(r, 1)
    plain_reader = Call(lambda c: c.xread({"s": "$"}, block=0))
    wait_blocked(r, 2)
    assert r.delete("s") == 1
    assert group_reader.error_message() == KEY_DELETED
    # a plain XREAD keeps waiting and is served once the key is a stream again
    wait_blocked(r, 1)
    assert plain_reader.is_alive()
    r.xadd("s", {"new": "5"}, id="5-0")
    assert plain_reader.result() == read_reply(("s", [("5-0", {"new": "5"})]))


def test_xreadgroup_block_woken_when_key_is_overwritten(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    call = Call(lambda c: c.xreadgroup("g", "c", {"s": ">"}, block=0))
    wait_blocked(r, 1)
    assert r.set("s", "now a string") is True
    assert call.error_message() == KEY_DELETED
    r.delete("s")
    r.xgroup_create("s", "g", id="$", mkstream=True)
    call = Call(lambda c: c.xreadgroup("g", "c", {"s": ">"}, block=0))
    wait_blocked(r, 1)
    assert r.flushall() is True
    assert call.error_message() == KEY_DELETED
    assert blocked_clients(r) == 0


def test_xreadgroup_block_woken_by_group_destroy(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    r.xgroup_create("s", "other", id="$")
    doomed = Call(lambda c: c.xreadgroup("g", "c", {"s": ">"}, block=0))
    wait_blocked(r, 1)
    survivor = Call(lambda c: c.xreadgroup("other", "c", {"s": ">"}, block=0))
    wait_blocked(r, 2)
    assert r.xgroup_destroy("s", "g") is True
    assert doomed.error_message() == GROUP_DESTROYED
    assert doomed.error_message().startswith("NOGROUP")
    wait_blocked(r, 1)
    r.xadd("s", {"n": "1"}, id="1-0")
    assert survivor.result() == read_reply(("s", [("1-0", {"n": "1"})]))


def test_xread_block_timeout(r):
    r.xadd("s", {"f": "v"}, id="1-0")
    r.xgroup_create("s", "g", id="$")
    started = time.time()
    assert r.xread({"s": "$"}, block=200) == EMPTY_READ
    assert 0.18 <= time.time() - started < 5
    assert r.xread({"nokey": "$"}, block=50) == EMPTY_READ
    started = time.time()
    assert r.xreadgroup("g", "c", {"s": ">"}, block=200) == EMPTY_READ
    assert 0.18 <= time.time() - started < 5
    assert blocked_clients(r) == 0
    # the timed out read delivered nothing and created no consumer
    assert r.xpending("s", "g")["pending"] == 0
    assert r.xinfo_groups("s")[0]["consumers"] == 0


def test_client_unblock(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    blocked = make_client()
    bid = blocked.client_id()
    call = Call(lambda c: c.xread({"s": "$"}, block=0), client=blocked)
    wait_blocked(r, 1)
    assert r.client_unblock(bid) == 1
    assert call.result() == EMPTY_READ
    blocked = make_client()
    bid = blocked.client_id()
    call = Call(lambda c: c.xreadgroup("g", "c", {"s": ">"}, block=0), client=blocked)
    wait_blocked(r, 1)
    assert r.client_unblock(bid, error=True) == 1
    assert call.error_message() == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    assert r.client_unblock(bid) == 0


def test_blocking_reads_inside_multi_return_at_once(r):
    r.xgroup_create("s", "g", id="$", mkstream=True)
    pipe = r.pipeline(transaction=True)
    pipe.xread({"s": "$"}, block=0)
    pipe.xreadgroup("g", "c", {"s": ">"}, block=0)
    pipe.xadd("s", {"n": "1"}, id="1-0")
    pipe.xread({"s": "$"}, block=0)
    pipe.xread({"s": "0"}, block=0)
    pipe.xreadgroup("g", "c", {"s": ">"}, block=0)
    pipe.xreadgroup("g", "c", {"s": ">"}, block=0)
    assert pipe.execute() == [
        EMPTY_READ, EMPTY_READ, "1-0", EMPTY_READ,
        read_reply(("s", [("1-0", {"n": "1"})])),
        read_reply(("s", [("1-0", {"n": "1"})])),
        EMPTY_READ]
    assert blocked_clients(r) == 0
    assert r.xpending("s", "g")["pending"] == 1


def test_consumer_group_workers_deliver_each_entry_once(r):
    total = 2000
    r.xgroup_create("s", "g", id="$", mkstream=True)
    lock = threading.Lock()
    delivered = []
    stop = threading.Event()
    produced = []

    def consumer(name):
        def body():
            c = make_client()
            try:
                while not stop.is_set():
                    reply = c.xreadgroup("g", name, {"s": ">"}, count=10, block=100)
                    if not reply:
                        continue
                    entries = reply[0][1] if PROTOCOL == 2 else reply["s"][0]
                    assert 1 <= len(entries) <= 10
                    ids = [id_ for id_, _ in entries]
                    with lock:
                        delivered.extend(ids)
                    assert c.xack("s", "g", *ids) == len(ids)
            finally:
                c.close()
        return body

    def producer():
        c = make_client()
        try:
            for i in range(total):
                produced.append(c.xadd("s", {"n": str(i)}))
            deadline = time.time() + 30
            while time.time() < deadline:
                with lock:
                    if len(delivered) >= total:
                        break
                time.sleep(0.01)
        finally:
            stop.set()
            c.close()

    run_threads([consumer(f"c{i}") for i in range(4)] + [producer], timeout=90)
    counts = Counter(delivered)
    assert [id_ for id_, n in counts.items() if n > 1] == []
    assert len(delivered) == total
    assert set(delivered) == set(produced)
    assert r.xpending("s", "g")["pending"] == 0
    [group] = r.xinfo_groups("s")
    assert (group["pending"], group["last-delivered-id"], group["entries-read"], group["lag"]) == \
        (0, produced[-1], total, 0)
    assert r.xreadgroup("g", "late", {"s": ">"}) == EMPTY_READ
