"""redis-py compatibility suite for Memorabilia.

Every assertion here was validated against a real redis-server (7.0.15, the
oracle installed on the dev machine) started with
    redis-server --port 7779 --save '' --appendonly no
and is expected to hold for Redis 7.2. The few Redis 7.2-only behaviours are
marked `needs_72` and skipped when ORACLE_IS_REDIS_70=1 (oracle validation).

Run with SERVER_PORT=<port> PROTOCOL=2|3 python3 -m pytest test_redis_py.py
(compat-tests/run does that for both protocols).

Two kinds of clients are used:
  * redis-py (fixtures `r` and `rb`), negotiated with RESP2 or RESP3, to check
    that a real client library works end to end;
  * a raw RESP socket client (fixture `raw`, module resp_raw) to assert exact
    wire shapes and exact error texts.
Collections (lists, hashes, sets...) are out of scope, so WRONGTYPE is not
tested anywhere.
"""
import fnmatch
import re
import time

import pytest
import redis

from conftest import ORACLE_70, PORT, PROTOCOL, make_client
from resp_raw import (Error, Map, Null, NullBulk, RawConn, Set, Status,
                      Verbatim, encode_command, strict_eq)

OK = Status("OK")
NIL = NullBulk if PROTOCOL == 2 else Null
MIN_VERSION = (7, 0, 0) if ORACLE_70 else (7, 2, 0)

needs_72 = pytest.mark.skipif(
    ORACLE_70, reason="Redis 7.2+ behaviour; the 7.0.15 oracle lacks it")


def E(text):
    return Error(text)


def M(*pairs):
    """Expected map reply: a Map under RESP3, a flat array under RESP2."""
    if PROTOCOL == 3:
        return Map(pairs)
    flat = []
    for k, v in pairs:
        flat += [k, v]
    return flat


def S(*items):
    """Expected set-typed reply (e.g. COMMAND INFO flags)."""
    return Set(items) if PROTOCOL == 3 else list(items)


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def as_pairs(reply):
    """Key/value pairs of a map-shaped reply, whatever the protocol."""
    if PROTOCOL == 3:
        assert isinstance(reply, Map), reply
        return list(reply)
    assert type(reply) is list and len(reply) % 2 == 0, reply
    return list(zip(reply[::2], reply[1::2]))


def text_reply(reply):
    """INFO / CLIENT INFO / CLIENT LIST: bulk under RESP2, verbatim txt under RESP3."""
    if PROTOCOL == 3:
        assert isinstance(reply, Verbatim), reply
        assert reply.fmt == b"txt"
    else:
        assert type(reply) is bytes, reply
    return bytes(reply).decode()


def py_err(expected, fn, *args, **kwargs):
    """redis-py strips the leading 'ERR ' of error replies; other prefixes stay."""
    with pytest.raises(redis.ResponseError) as ei:
        fn(*args, **kwargs)
    want = expected[4:] if expected.startswith("ERR ") else expected
    assert str(ei.value) == want


def version_tuple(v):
    return tuple(int(x) for x in re.match(rb"^(\d+)\.(\d+)\.(\d+)", v).groups())


def info_dict(raw, section):
    text = text_reply(raw.cmd("INFO", section))
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


def client_fields(line):
    fields = []
    for tok in line.split(" "):
        k, sep, v = tok.partition("=")
        assert sep == "=", f"malformed CLIENT field {tok!r} in {line!r}"
        fields.append((k, v))
    return fields


# Field order of CLIENT LIST / CLIENT INFO in Redis 7.0 (7.2 appends lib-name and
# lib-ver). Later Redis versions insert more fields (watch=, io-thread=...), so the
# check is: all of these present, in this relative order.
CLIENT_FIELDS_70 = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags",
                    "db", "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free",
                    "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem",
                    "tot-mem", "events", "cmd", "user", "redir", "resp"]
CLIENT_FIELDS = CLIENT_FIELDS_70 + ([] if ORACLE_70 else ["lib-name", "lib-ver"])


def check_client_field_order(fields):
    keys = [k for k, _ in fields]
    assert len(keys) == len(set(keys)), keys
    it = iter(keys)
    missing = [f for f in CLIENT_FIELDS if f not in it]
    assert not missing, f"missing or out of order: {missing} in {keys}"


# ---------------------------------------------------------------------------
# connection: PING ECHO HELLO QUIT RESET SELECT
# ---------------------------------------------------------------------------

def test_ping(raw, r):
    assert raw.raw("PING") == b"+PONG\r\n"
    assert raw.raw("ping", "hello world") == b"$11\r\nhello world\r\n"
    assert raw.raw("PING", "") == b"$0\r\n\r\n"
    same(raw.cmd("PING", "a", "b"), E("ERR wrong number of arguments for 'ping' command"))
    assert r.ping() is True


def test_echo(raw, rb):
    assert raw.raw("ECHO", "quoted string") == b"$13\r\nquoted string\r\n"
    assert raw.raw("ECHO", "") == b"$0\r\n\r\n"
    same(raw.cmd("ECHO"), E("ERR wrong number of arguments for 'echo' command"))
    same(raw.cmd("ECHO", "a", "b"), E("ERR wrong number of arguments for 'echo' command"))
    data = bytes(range(256)) + b"\r\n\x00end"
    assert rb.echo(data) == data


def _check_hello(reply, proto, conn_id=None):
    if proto == 3:
        assert isinstance(reply, Map), reply
        pairs = list(reply)
    else:
        assert type(reply) is list and len(reply) == 14, reply
        pairs = list(zip(reply[::2], reply[1::2]))
    assert [k for k, _ in pairs] == [b"server", b"version", b"proto", b"id",
                                     b"mode", b"role", b"modules"]
    d = dict(pairs)
    same(d[b"server"], b"redis")
    assert type(d[b"version"]) is bytes and version_tuple(d[b"version"]) >= MIN_VERSION
    same(d[b"proto"], proto)
    assert type(d[b"id"]) is int and d[b"id"] > 0
    if conn_id is not None:
        assert d[b"id"] == conn_id
    same(d[b"mode"], b"standalone")
    same(d[b"role"], b"master")
    same(d[b"modules"], [])


def test_hello_3_then_2():
    with RawConn(PORT) as c:
        cid = c.cmd("CLIENT", "ID")
        # default protocol is RESP2
        assert c.raw("GET", "missing") == b"$-1\r\n"
        _check_hello(c.cmd("HELLO"), 2, cid)
        _check_hello(c.cmd("HELLO", "3"), 3, cid)
        assert c.last_raw.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n")
        assert c.raw("GET", "missing") == b"_\r\n"
        _check_hello(c.cmd("HELLO"), 3, cid)
        _check_hello(c.cmd("HELLO", "2"), 2, cid)
        assert c.last_raw.startswith(b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
        assert c.raw("GET", "missing") == b"$-1\r\n"


def test_hello_errors():
    with RawConn(PORT) as c:
        same(c.cmd("HELLO", "4"), E("NOPROTO unsupported protocol version"))
        same(c.cmd("HELLO", "1"), E("NOPROTO unsupported protocol version"))
        same(c.cmd("HELLO", "abc"),
             E("ERR Protocol version is not an integer or out of range"))
        same(c.cmd("HELLO", "3", "FOO"), E("ERR Syntax error in HELLO option 'FOO'"))
        same(c.cmd("HELLO", "3", "SETNAME", "n", "AUTH"),
             E("ERR Syntax error in HELLO option 'AUTH'"))
        same(c.cmd("HELLO", "3", "SETNAME", "bad name"),
             E("ERR Client names cannot contain spaces, newlines or special characters."))
        same(c.cmd("HELLO", "3", "AUTH", "nosuchuser", "pw"),
             E("WRONGPASS invalid username-password pair or user is disabled."))
        # none of the failed HELLOs switched the protocol
        assert c.raw("GET", "missing") == b"$-1\r\n"


def test_hello_setname_and_auth():
    with RawConn(PORT) as c:
        _check_hello(c.cmd("HELLO", "3", "SETNAME", "hello-name"), 3)
        same(c.cmd("CLIENT", "GETNAME"), b"hello-name")
        # the default user has no password: any password is accepted
        _check_hello(c.cmd("HELLO", "2", "AUTH", "default", "whatever", "SETNAME", "n2"), 2)
        same(c.cmd("CLIENT", "GETNAME"), b"n2")


def test_redis_py_negotiated_protocol(r):
    info = r.client_info()
    assert str(info["resp"]) == str(PROTOCOL)
    assert r.set("k", "v") is True
    assert r.get("k") == "v"
    assert r.get("missing") is None


def test_quit():
    with RawConn(PORT) as c:
        assert c.raw("QUIT") == b"+OK\r\n"
        assert c.is_closed()


def test_reset():
    with RawConn(PORT) as c:
        c.cmd("HELLO", "3")
        same(c.cmd("SELECT", "3"), OK)
        same(c.cmd("SET", "in-db3", "x"), OK)
        same(c.cmd("CLIENT", "SETNAME", "before-reset"), OK)
        assert c.raw("RESET") == b"+RESET\r\n"
        # back to RESP2, db 0, no name
        assert c.raw("CLIENT", "GETNAME") == b"$-1\r\n"
        assert c.raw("GET", "in-db3") == b"$-1\r\n"
        fields = dict(client_fields(c.cmd("CLIENT", "INFO").decode().rstrip("\n")))
        assert fields["db"] == "0"
        assert fields["resp"] == "2"
        assert fields["name"] == ""


def test_select(raw, r):
    same(raw.cmd("SET", "k", "db0"), OK)
    same(raw.cmd("SELECT", "1"), OK)
    same(raw.cmd("GET", "k"), NIL)
    same(raw.cmd("SET", "k", "db1"), OK)
    same(raw.cmd("SELECT", "15"), OK)
    same(raw.cmd("SELECT", "16"), E("ERR DB index is out of range"))
    same(raw.cmd("SELECT", "-1"), E("ERR DB index is out of range"))
    same(raw.cmd("SELECT", "abc"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("SELECT"), E("ERR wrong number of arguments for 'select' command"))
    same(raw.cmd("SELECT", "0"), OK)
    same(raw.cmd("GET", "k"), b"db0")
    r1 = make_client(db=1)
    try:
        assert r1.get("k") == "db1"
        assert r1.dbsize() == 1
    finally:
        r1.close()
    assert r.get("k") == "db0"


# ---------------------------------------------------------------------------
# CLIENT
# ---------------------------------------------------------------------------

def test_client_id(new_raw):
    a, b = new_raw(), new_raw()
    ida, idb = a.cmd("CLIENT", "ID"), b.cmd("CLIENT", "ID")
    assert type(ida) is int and type(idb) is int
    assert idb > ida > 0
    assert a.cmd("CLIENT", "ID") == ida
    fields = dict(client_fields(text_reply(a.cmd("CLIENT", "INFO")).rstrip("\n")))
    assert fields["id"] == str(ida)
    same(a.cmd("CLIENT", "ID", "x"),
         E("ERR wrong number of arguments for 'client|id' command"))


def test_client_setname_getname(raw, r):
    same(raw.cmd("CLIENT", "GETNAME"), NIL)
    same(raw.cmd("CLIENT", "SETNAME", "conn-1"), OK)
    same(raw.cmd("CLIENT", "GETNAME"), b"conn-1")
    fields = dict(client_fields(text_reply(raw.cmd("CLIENT", "INFO")).rstrip("\n")))
    assert fields["name"] == "conn-1"
    for bad in ("a b", "a\nb", "tab\there", "caf\xe9"):
        same(raw.cmd("CLIENT", "SETNAME", bad),
             E("ERR Client names cannot contain spaces, newlines or special characters."))
    same(raw.cmd("CLIENT", "GETNAME"), b"conn-1")
    same(raw.cmd("CLIENT", "SETNAME", ""), OK)   # empty name clears it
    same(raw.cmd("CLIENT", "GETNAME"), NIL)
    assert r.client_setname("py-name") is True
    assert r.client_getname() == "py-name"


def test_client_info_format(raw):
    cid = raw.cmd("CLIENT", "ID")
    raw.cmd("SELECT", "2")
    reply = raw.cmd("CLIENT", "INFO")
    text = text_reply(reply)
    assert text.endswith("\n") and text.count("\n") == 1
    fields = client_fields(text[:-1])
    check_client_field_order(fields)
    d = dict(fields)
    local = raw.sock.getsockname()
    assert d["id"] == str(cid)
    assert d["addr"] == f"{local[0]}:{local[1]}"
    assert d["laddr"] == f"127.0.0.1:{PORT}"
    assert d["name"] == ""
    assert d["flags"] == "N"
    assert d["db"] == "2"
    assert d["sub"] == "0" and d["psub"] == "0" and d["multi"] == "-1"
    assert d["cmd"] == "client|info"
    assert d["user"] == "default"
    assert d["resp"] == str(PROTOCOL)
    for k in ("fd", "age", "idle", "qbuf", "qbuf-free", "obl", "oll", "omem", "tot-mem"):
        assert re.fullmatch(r"\d+", d[k]), (k, d[k])
    same(raw.cmd("CLIENT", "INFO", "x"),
         E("ERR wrong number of arguments for 'client|info' command"))


def test_client_list(new_raw, r):
    a, b = new_raw(), new_raw()
    ida, idb = a.cmd("CLIENT", "ID"), b.cmd("CLIENT", "ID")
    b.cmd("CLIENT", "SETNAME", "bee")
    text = text_reply(a.cmd("CLIENT", "LIST"))
    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    by_id = {}
    for line in lines:
        fields = client_fields(line)
        check_client_field_order(fields)
        by_id[int(dict(fields)["id"])] = dict(fields)
    assert ida in by_id and idb in by_id
    assert by_id[idb]["name"] == "bee"
    assert by_id[ida]["cmd"] == "client|list"
    assert by_id[idb]["cmd"] == "client|setname"

    only = text_reply(a.cmd("CLIENT", "LIST", "ID", str(idb)))
    assert only.count("\n") == 1 and only.startswith(f"id={idb} ")
    both = text_reply(a.cmd("CLIENT", "LIST", "ID", str(ida), str(idb), "999999999"))
    assert sorted(int(dict(client_fields(l))["id"]) for l in both[:-1].split("\n")) == [ida, idb]
    normal = text_reply(a.cmd("CLIENT", "LIST", "TYPE", "normal"))
    assert f"id={ida} " in normal and f"id={idb} " in normal
    same(a.cmd("CLIENT", "LIST", "ID", "abc"), E("ERR Invalid client ID"))
    same(a.cmd("CLIENT", "LIST", "TYPE", "foo"), E("ERR Unknown client type 'foo'"))
    same(a.cmd("CLIENT", "LIST", "FOO"), E("ERR syntax error"))

    # redis-py parses it into dicts
    ids = {int(c["id"]) for c in r.client_list()}
    assert {ida, idb} <= ids


def test_client_kill(new_raw):
    killer, v1, v2, v3 = new_raw(), new_raw(), new_raw(), new_raw()
    id1 = v1.cmd("CLIENT", "ID")
    same(killer.cmd("CLIENT", "KILL", "ID", str(id1)), 1)
    assert v1.is_closed()
    same(killer.cmd("CLIENT", "KILL", "ID", str(id1)), 0)
    same(killer.cmd("CLIENT", "KILL", "ID", "abc"), E("ERR client-id should be greater than 0"))

    addr2 = "%s:%d" % v2.sock.getsockname()[:2]
    same(killer.cmd("CLIENT", "KILL", "ADDR", addr2), 1)
    assert v2.is_closed()

    addr3 = "%s:%d" % v3.sock.getsockname()[:2]
    same(killer.cmd("CLIENT", "KILL", addr3), OK)          # old form
    assert v3.is_closed()
    same(killer.cmd("CLIENT", "KILL", addr3), E("ERR No such client"))
    same(killer.cmd("CLIENT", "KILL", "ADDR", "1.2.3.4:5"), 0)
    same(killer.cmd("CLIENT", "KILL", "FOO", "bar"), E("ERR syntax error"))
    same(killer.cmd("PING"), Status("PONG"))


def test_client_reply_off_skip_on():
    """CLIENT REPLY: the exact bytes redis-server 7.0.15 sends for a pipeline (pushes such
    as subscribe confirmations still go out)."""
    import socket
    import time
    from conftest import HOST, PORT

    def exchange(payload):
        s = socket.create_connection((HOST, PORT))
        s.sendall(payload)
        time.sleep(0.2)
        s.settimeout(0.3)
        out = b""
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                out += data
        except socket.timeout:
            pass
        s.close()
        return out

    assert exchange(b"CLIENT REPLY OFF\r\nSET cr:a 1\r\nGET cr:a\r\nCLIENT REPLY SKIP\r\n"
                    b"CLIENT REPLY ON\r\nGET cr:a\r\nDEL cr:a\r\n") == b"+OK\r\n$1\r\n1\r\n:1\r\n"
    assert exchange(b"CLIENT REPLY SKIP\r\nNOSUCH\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\n"
                    b"PING\r\nPING\r\nCLIENT REPLY FOO\r\nCLIENT REPLY\r\n") == (
        b"+PONG\r\n-ERR syntax error\r\n"
        b"-ERR wrong number of arguments for 'client|reply' command\r\n")
    assert exchange(b"CLIENT REPLY OFF\r\nSUBSCRIBE cr:ch\r\nPING\r\n") == (
        b"*3\r\n$9\r\nsubscribe\r\n$5\r\ncr:ch\r\n:1\r\n")


def test_client_unknown_subcommand(raw):
    same(raw.cmd("CLIENT", "foo"), E("ERR unknown subcommand 'foo'. Try CLIENT HELP."))
    same(raw.cmd("CLIENT", "FOO", "bar"), E("ERR unknown subcommand 'FOO'. Try CLIENT HELP."))
    same(raw.cmd("CLIENT"), E("ERR wrong number of arguments for 'client' command"))


@needs_72
def test_client_setinfo(raw):
    # Redis 7.2+ only (redis 7.0.15 answers "unknown subcommand").
    same(raw.cmd("CLIENT", "SETINFO", "LIB-NAME", "mylib"), OK)
    same(raw.cmd("CLIENT", "SETINFO", "lib-ver", "1.2.3"), OK)
    d = dict(client_fields(text_reply(raw.cmd("CLIENT", "INFO")).rstrip("\n")))
    assert d["lib-name"] == "mylib"
    assert d["lib-ver"] == "1.2.3"
    # texts from Redis 7.2 networking.c (clientSetinfoCommand): the attribute
    # name is echoed as given
    same(raw.cmd("CLIENT", "SETINFO", "lib-name", "has space"),
         E("ERR lib-name cannot contain spaces, newlines or special characters."))
    same(raw.cmd("CLIENT", "SETINFO", "lib-ver", "1.0\n"),
         E("ERR lib-ver cannot contain spaces, newlines or special characters."))
    same(raw.cmd("CLIENT", "SETINFO", "foo", "bar"), E("ERR Unrecognized option 'foo'"))
    same(raw.cmd("CLIENT", "SETINFO", "lib-name"),
         E("ERR wrong number of arguments for 'client|setinfo' command"))
    d = dict(client_fields(text_reply(raw.cmd("CLIENT", "INFO")).rstrip("\n")))
    assert d["lib-name"] == "mylib"


@needs_72
def test_redis_py_sets_lib_name(r):
    # redis-py sends CLIENT SETINFO LIB-NAME/LIB-VER after connecting (7.2+)
    info = r.client_info()
    assert str(info["lib-name"]).startswith("redis-py")
    assert str(info["lib-ver"]) != ""


# ---------------------------------------------------------------------------
# server: DBSIZE FLUSHDB FLUSHALL TIME INFO CONFIG COMMAND
# ---------------------------------------------------------------------------

def test_dbsize_flushdb_flushall(raw, r):
    same(raw.cmd("DBSIZE"), 0)
    same(raw.cmd("MSET", "a", "1", "b", "2", "c", "3"), OK)
    raw.cmd("SELECT", "1")
    same(raw.cmd("MSET", "x", "1", "y", "2"), OK)
    same(raw.cmd("DBSIZE"), 2)
    raw.cmd("SELECT", "0")
    same(raw.cmd("DBSIZE"), 3)
    same(raw.cmd("FLUSHDB"), OK)
    same(raw.cmd("DBSIZE"), 0)
    raw.cmd("SELECT", "1")
    same(raw.cmd("DBSIZE"), 2)
    same(raw.cmd("FLUSHALL"), OK)
    same(raw.cmd("DBSIZE"), 0)
    for args in (("FLUSHALL", "ASYNC"), ("FLUSHALL", "SYNC"), ("FLUSHDB", "ASYNC"),
                 ("FLUSHDB", "sync"), ("flushall", "async")):
        same(raw.cmd("SET", "k", "v"), OK)
        same(raw.cmd(*args), OK)
        same(raw.cmd("DBSIZE"), 0)
    same(raw.cmd("FLUSHALL", "FOO"), E("ERR syntax error"))
    same(raw.cmd("FLUSHDB", "FOO"), E("ERR syntax error"))
    same(raw.cmd("DBSIZE", "x"), E("ERR wrong number of arguments for 'dbsize' command"))
    r.mset({"p": 1, "q": 2})
    assert r.dbsize() == 2
    assert r.flushdb() is True
    assert r.dbsize() == 0


def test_time(raw, r):
    reply = raw.cmd("TIME")
    assert type(reply) is list and len(reply) == 2
    assert all(type(x) is bytes and x.isdigit() for x in reply)
    secs, usecs = int(reply[0]), int(reply[1])
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1_000_000
    s, us = r.time()
    assert abs(s - time.time()) < 5 and 0 <= us < 1_000_000
    same(raw.cmd("TIME", "1"), E("ERR wrong number of arguments for 'time' command"))


def test_info_default_sections(raw, r):
    text = text_reply(raw.cmd("INFO"))
    lines = text.split("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    headers = [l for l in lines if l.startswith("# ")]
    wanted = ["# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"]
    it = iter(headers)
    assert all(h in it for h in wanted), headers  # present, in this order
    server = info_dict(raw, "server")
    assert version_tuple(server["redis_version"].encode()) >= MIN_VERSION
    assert server["redis_mode"] == "standalone"
    assert server["tcp_port"] == str(PORT)
    assert re.fullmatch(r"\d+", server["uptime_in_seconds"])
    assert re.fullmatch(r"\d+", server["process_id"])
    assert re.fullmatch(r"[0-9a-f]{40}", server["run_id"])
    assert int(info_dict(raw, "clients")["connected_clients"]) >= 1
    mem = info_dict(raw, "memory")
    assert int(mem["used_memory"]) > 0
    assert "used_memory_human" in mem
    stats = info_dict(raw, "stats")
    for k in ("total_connections_received", "total_commands_processed",
              "keyspace_hits", "keyspace_misses", "expired_keys"):
        assert re.fullmatch(r"\d+", stats[k]), k
    # redis-py parses it
    info = r.info()
    assert isinstance(info["redis_version"], str)
    assert info["redis_mode"] == "standalone"
    assert int(info["connected_clients"]) >= 1


def test_info_sections_selection(raw):
    text = text_reply(raw.cmd("INFO", "server", "clients"))
    headers = [l for l in text.split("\r\n") if l.startswith("# ")]
    assert headers == ["# Server", "# Clients"]
    text = text_reply(raw.cmd("INFO", "CLIENTS"))
    assert text.startswith("# Clients\r\nconnected_clients:")
    for sect in ("all", "everything", "default"):
        text = text_reply(raw.cmd("INFO", sect))
        assert "# Server\r\n" in text and "# Keyspace\r\n" in text
    if PROTOCOL == 2:
        assert raw.raw("INFO", "nosuchsection") == b"$0\r\n\r\n"
    else:
        assert raw.raw("INFO", "nosuchsection") == b"=4\r\ntxt:\r\n"


def test_info_connected_clients(new_raw):
    a = new_raw()

    def count():
        return int(info_dict(a, "clients")["connected_clients"])

    # connections closed by earlier tests may still be reaped: wait for a stable value
    before, deadline = count(), time.time() + 3
    while time.time() < deadline:
        time.sleep(0.1)
        now = count()
        if now == before:
            break
        before = now
    assert before >= 1
    extra = [new_raw() for _ in range(3)]
    assert all(c.cmd("PING") == "PONG" for c in extra)
    assert count() == before + 3
    for c in extra:
        c.close()
    deadline = time.time() + 3
    while count() != before and time.time() < deadline:
        time.sleep(0.05)
    assert count() == before


def test_info_keyspace(raw, r):
    assert text_reply(raw.cmd("INFO", "keyspace")) == "# Keyspace\r\n"
    raw.cmd("MSET", "a", "1", "b", "2")
    raw.cmd("SET", "c", "3", "EX", "100")
    raw.cmd("SELECT", "5")
    raw.cmd("SET", "z", "1")
    text = text_reply(raw.cmd("INFO", "keyspace"))
    lines = text.split("\r\n")
    assert lines[0] == "# Keyspace"
    assert re.fullmatch(r"db0:keys=3,expires=1,avg_ttl=\d+", lines[1]), lines
    assert re.fullmatch(r"db5:keys=1,expires=0,avg_ttl=0", lines[2]), lines
    assert lines[3:] == [""]
    ks = r.info("keyspace")
    assert ks["db0"]["keys"] == 3 and ks["db0"]["expires"] == 1
    assert ks["db5"] == {"keys": 1, "expires": 0, "avg_ttl": 0}


def test_info_stats_and_resetstat(raw):
    same(raw.cmd("SET", "a", "1"), OK)
    same(raw.cmd("CONFIG", "RESETSTAT"), OK)
    stats = info_dict(raw, "stats")
    assert stats["keyspace_hits"] == "0" and stats["keyspace_misses"] == "0"
    assert stats["total_commands_processed"] == "1"
    raw.cmd("GET", "a")                   # hit
    raw.cmd("GET", "nope")                # miss
    raw.cmd("MGET", "a", "b", "c")        # 1 hit, 2 misses
    raw.cmd("SET", "e", "v", "PX", "30")
    time.sleep(0.12)
    same(raw.cmd("GET", "e"), NIL)        # expired (lazily or actively): a miss
    stats = info_dict(raw, "stats")
    assert stats["keyspace_hits"] == "2"
    assert stats["keyspace_misses"] == "4"
    assert stats["expired_keys"] == "1"
    assert int(stats["total_commands_processed"]) >= 7
    same(raw.cmd("CONFIG", "RESETSTAT"), OK)
    stats = info_dict(raw, "stats")
    assert stats["keyspace_hits"] == "0" and stats["expired_keys"] == "0"


def test_config_get(raw, r):
    same(raw.cmd("CONFIG", "GET", "databases"), M((b"databases", b"16")))
    same(raw.cmd("CONFIG", "GET", "save"), M((b"save", b"")))
    same(raw.cmd("CONFIG", "GET", "appendonly"), M((b"appendonly", b"no")))
    same(raw.cmd("CONFIG", "GET", "databa?es"), M((b"databases", b"16")))
    same(raw.cmd("CONFIG", "GET", "databas*"), M((b"databases", b"16")))
    same(raw.cmd("CONFIG", "GET", "data[a-c]ases"), M((b"databases", b"16")))
    same(raw.cmd("CONFIG", "GET", "nosuchparam"), M())
    assert dict(as_pairs(raw.cmd("CONFIG", "GET", "save", "appendonly"))) == \
        {b"save": b"", b"appendonly": b"no"}
    pairs = as_pairs(raw.cmd("CONFIG", "GET", "maxmemory*"))
    names = [k.decode() for k, _ in pairs]
    assert len(names) == len(set(names))
    assert {"maxmemory", "maxmemory-policy"} <= set(names)
    assert all(fnmatch.fnmatchcase(n, "maxmemory*") for n in names)
    assert dict(pairs)[b"maxmemory"] == b"0"
    assert dict(pairs)[b"maxmemory-policy"] == b"noeviction"
    assert r.config_get("databases") == {"databases": "16"}
    assert r.config_get("appendonly") == {"appendonly": "no"}
    same(raw.cmd("CONFIG", "GET"), E("ERR wrong number of arguments for 'config|get' command"))


def test_config_set_errors(raw):
    same(raw.cmd("CONFIG", "SET", "foo", "bar"),
         E("ERR Unknown option or number of arguments for CONFIG SET - 'foo'"))
    same(raw.cmd("CONFIG", "SET", "maxmemory"),
         E("ERR wrong number of arguments for 'config|set' command"))
    same(raw.cmd("CONFIG", "FOO"), E("ERR unknown subcommand 'FOO'. Try CONFIG HELP."))
    same(raw.cmd("CONFIG", "RESETSTAT", "x"),
         E("ERR wrong number of arguments for 'config|resetstat' command"))


def test_config_set_maxmemory_policy_and_object_freq(raw):
    same(raw.cmd("SET", "k", "v"), OK)
    same(raw.cmd("OBJECT", "FREQ", "k"),
         E("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
           "Please note that when switching between policies at runtime LRU and LFU "
           "data will take some time to adjust."))
    try:
        same(raw.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"), OK)
        same(raw.cmd("CONFIG", "GET", "maxmemory-policy"),
             M((b"maxmemory-policy", b"allkeys-lfu")))
        assert type(raw.cmd("OBJECT", "FREQ", "k")) is int
        same(raw.cmd("OBJECT", "FREQ", "missing"), NIL)
        idle = raw.cmd("OBJECT", "IDLETIME", "k")
        same(idle, E("ERR An LFU maxmemory policy is selected, idle time not tracked. "
                     "Please note that when switching between policies at runtime LRU "
                     "and LFU data will take some time to adjust."))
    finally:
        same(raw.cmd("CONFIG", "SET", "maxmemory-policy", "noeviction"), OK)
    same(raw.cmd("CONFIG", "GET", "maxmemory-policy"), M((b"maxmemory-policy", b"noeviction")))


IN_SCOPE_COMMANDS = """ping echo hello quit reset select client command info config dbsize
flushdb flushall time shutdown get set setnx setex psetex getset getdel getex mget mset
msetnx incr decr incrby decrby incrbyfloat append strlen getrange substr setrange lcs
del unlink exists type expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime
persist keys scan rename renamenx randomkey copy touch object""".split()


def test_command_count_and_list(raw, r):
    count = raw.cmd("COMMAND", "COUNT")
    assert type(count) is int and count > 50
    everything = raw.cmd("COMMAND")
    assert type(everything) is list and len(everything) == count
    names = raw.cmd("COMMAND", "LIST")
    assert type(names) is list
    assert all(type(n) is bytes for n in names)
    names = [n.decode() for n in names]
    assert len(names) == len(set(names))
    # COMMAND LIST also lists subcommands as "container|sub"; COMMAND does not
    top = {n for n in names if "|" not in n}
    assert len(top) == count
    assert {e[0].decode() for e in everything} == top
    missing = [c for c in IN_SCOPE_COMMANDS if c not in top]
    assert not missing, missing
    subs = {n for n in names if "|" in n}
    assert {"client|list", "client|setname", "config|get", "config|set", "command|info",
            "object|encoding"} <= subs
    assert r.command_count() == count
    same(raw.cmd("COMMAND", "COUNT", "x"),
         E("ERR wrong number of arguments for 'command|count' command"))


def test_command_list_filterby(raw):
    g = {n.decode() for n in raw.cmd("COMMAND", "LIST", "FILTERBY", "PATTERN", "get*")}
    assert {"get", "getdel", "getex", "getrange", "getset"} <= g
    assert all(n.startswith("get") for n in g)
    strings = {n.decode() for n in raw.cmd("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")}
    assert {"get", "set", "lcs", "incrbyfloat", "setrange", "mget"} <= strings
    assert "ping" not in strings and "del" not in strings
    same(raw.cmd("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuchmodule"), [])
    same(raw.cmd("COMMAND", "LIST", "FOO"), E("ERR syntax error"))
    same(raw.cmd("COMMAND", "foo"), E("ERR unknown subcommand 'foo'. Try COMMAND HELP."))


def _flat(v):
    """Map -> flat list, recursively (to compare key specs across protocols)."""
    if isinstance(v, Map):
        out = []
        for k, x in v:
            out += [_flat(k), _flat(x)]
        return out
    if isinstance(v, list):
        return [_flat(x) for x in v]
    return v


def test_command_info_get(raw):
    reply = raw.cmd("COMMAND", "INFO", "get")
    assert type(reply) is list and len(reply) == 1
    info = reply[0]
    assert type(info) is list and len(info) == 10
    same(info[0], b"get")
    same(info[1], 2)
    same(info[2], S(Status("readonly"), Status("fast")))
    same(info[3:6], [1, 1, 1])
    same(info[6], S(Status("@read"), Status("@string"), Status("@fast")))
    assert list(info[7]) == []                     # tips
    assert [_flat(x) for x in info[8]] == [[
        b"flags", [Status("RO"), Status("access")],
        b"begin_search", [b"type", b"index", b"spec", [b"index", 1]],
        b"find_keys", [b"type", b"range", b"spec",
                       [b"lastkey", 0, b"keystep", 1, b"limit", 0]]]]
    assert list(info[9]) == []                     # subcommands
    # case-insensitive lookup, several names, unknown name -> null
    reply = raw.cmd("COMMAND", "INFO", "GET", "set", "nosuchcmd", "mset", "ping")
    assert len(reply) == 5
    assert reply[0][0] == b"get"
    assert reply[1][:2] == [b"set", -3] and reply[1][3:6] == [1, 1, 1]
    assert {"write", "denyoom"} <= {str(f) for f in reply[1][2]}
    same(reply[2], NIL)
    assert reply[3][:2] == [b"mset", -3] and reply[3][3:6] == [1, -1, 2]
    assert reply[4][:2] == [b"ping", -1] and reply[4][3:6] == [0, 0, 0]
    same(raw.cmd("COMMAND", "INFO", "nosuchcmd"), [NIL])


def test_command_docs_get(raw):
    pairs = as_pairs(raw.cmd("COMMAND", "DOCS", "get"))
    assert [k for k, _ in pairs] == [b"get"]
    doc = dict(as_pairs(pairs[0][1]))
    assert type(doc[b"summary"]) is bytes and doc[b"summary"]
    same(doc[b"since"], b"1.0.0")
    same(doc[b"group"], b"string")
    same(doc[b"complexity"], b"O(1)")
    args = doc[b"arguments"]
    assert type(args) is list and len(args) == 1
    arg = dict(as_pairs(args[0]))
    same(arg[b"name"], b"key")
    same(arg[b"type"], b"key")
    same(arg[b"key_spec_index"], 0)
    same(raw.cmd("COMMAND", "DOCS", "nosuchcmd"), M())
    names = [k for k, _ in as_pairs(raw.cmd("COMMAND", "DOCS", "get", "set"))]
    assert sorted(names) == [b"get", b"set"]


# ---------------------------------------------------------------------------
# errors common to all commands
# ---------------------------------------------------------------------------

def test_unknown_command(raw, r):
    same(raw.cmd("foo", "a", "b"),
         E("ERR unknown command 'foo', with args beginning with: 'a' 'b' "))
    same(raw.cmd("foo"), E("ERR unknown command 'foo', with args beginning with: "))
    same(raw.cmd("FOOBAR", "x y"),
         E("ERR unknown command 'FOOBAR', with args beginning with: 'x y' "))
    # the argument list is cut at 128 characters
    same(raw.cmd("foo", "x" * 200, "y"),
         E("ERR unknown command 'foo', with args beginning with: '" + "x" * 128 + "' "))
    same(raw.cmd("foo", "a" * 100, "b" * 100, "c"),
         E("ERR unknown command 'foo', with args beginning with: '" + "a" * 100 + "' '"
           + "b" * 25 + "' "))
    # CR/LF would break the protocol: replaced by spaces
    same(raw.cmd("fo\no", "a\r\nb"),
         E("ERR unknown command 'fo o', with args beginning with: 'a  b' "))
    py_err("ERR unknown command 'foo', with args beginning with: 'a' ",
           r.execute_command, "foo", "a")
    same(raw.cmd("PING"), Status("PONG"))  # connection still usable


ARITY_CASES = [
    ("get",), ("get", "a", "b"), ("set", "k"), ("setnx", "k"), ("setex", "k", "1"),
    ("psetex", "k", "1"), ("getset", "k"), ("getdel",), ("getex",), ("mget",),
    ("mset",), ("mset", "a", "1", "b"), ("msetnx", "a"), ("incr",), ("decr",),
    ("incrby", "k"), ("decrby", "k"), ("incrbyfloat", "k"), ("append", "k"),
    ("strlen",), ("getrange", "k", "0"), ("substr", "k", "0"), ("setrange", "k", "0"),
    ("lcs", "a"), ("del",), ("unlink",), ("exists",), ("type",), ("expire", "k"),
    ("pexpire", "k"), ("expireat", "k"), ("pexpireat", "k"), ("ttl",), ("pttl",),
    ("expiretime",), ("pexpiretime",), ("persist",), ("keys",), ("scan",),
    ("rename", "a"), ("renamenx", "a"), ("randomkey", "x"), ("copy", "a"), ("touch",),
    ("echo",), ("select",), ("dbsize", "x"), ("time", "x"), ("object",), ("config",),
    ("client",), ("ping", "a", "b"),
]


@pytest.mark.parametrize("args", ARITY_CASES, ids=lambda a: " ".join(a))
def test_arity_errors(raw, args):
    same(raw.cmd(*args), E(f"ERR wrong number of arguments for '{args[0]}' command"))


def test_subcommand_arity_errors(raw):
    for args, name in [(("OBJECT", "ENCODING"), "object|encoding"),
                       (("CONFIG", "GET"), "config|get"),
                       (("CLIENT", "SETNAME"), "client|setname"),
                       (("CLIENT", "GETNAME", "x"), "client|getname"),
                       (("CLIENT", "ID", "1"), "client|id")]:
        same(raw.cmd(*args), E(f"ERR wrong number of arguments for '{name}' command"))


# ---------------------------------------------------------------------------
# strings
# ---------------------------------------------------------------------------

def test_get_set_basic(raw, rb, r):
    same(raw.cmd("SET", "k", "v"), OK)
    assert raw.raw("GET", "k") == b"$1\r\nv\r\n"
    assert raw.raw("GET", "missing") == (b"$-1\r\n" if PROTOCOL == 2 else b"_\r\n")
    value = bytes(range(256)) * 4 + b"\r\n\x00"
    assert rb.set(b"bin\x00key", value) is True
    assert rb.get(b"bin\x00key") == value
    big = b"x" * (1024 * 1024 + 7)
    assert rb.set("big", big) is True
    assert rb.get("big") == big
    assert rb.strlen("big") == len(big)
    assert r.set("empty", "") is True
    assert r.get("empty") == ""
    assert r.exists("empty") == 1
    same(raw.cmd("SET", "", "empty-key"), OK)
    same(raw.cmd("GET", ""), b"empty-key")
    assert r.set("k", "v2") is True
    assert r.get("k") == "v2"
    assert r.get("missing") is None


def test_set_nx_xx_get(raw, r):
    same(raw.cmd("SET", "k", "v1", "NX"), OK)
    same(raw.cmd("SET", "k", "v2", "NX"), NIL)
    same(raw.cmd("GET", "k"), b"v1")
    same(raw.cmd("SET", "k", "v3", "XX"), OK)
    same(raw.cmd("SET", "nokey", "v", "XX"), NIL)
    same(raw.cmd("EXISTS", "nokey"), 0)
    same(raw.cmd("SET", "k", "v4", "GET"), b"v3")
    same(raw.cmd("SET", "new", "v", "GET"), NIL)
    same(raw.cmd("GET", "new"), b"v")
    same(raw.cmd("SET", "k", "v5", "NX", "GET"), b"v4")   # not set, old value returned
    same(raw.cmd("GET", "k"), b"v4")
    same(raw.cmd("SET", "k", "v6", "XX", "GET"), b"v4")
    same(raw.cmd("SET", "nokey", "v", "XX", "GET"), NIL)
    same(raw.cmd("EXISTS", "nokey"), 0)
    same(raw.cmd("set", "k", "v7", "nx"), NIL)             # options are case-insensitive
    assert r.set("k", "v8", get=True) == "v6"
    assert r.set("k", "x", nx=True) is None
    assert r.set("k", "x", xx=True) is True


def test_set_expire_options(raw, r):
    same(raw.cmd("SET", "k", "v", "EX", "100"), OK)
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("SET", "k", "v", "PX", "100000"), OK)
    pttl = raw.cmd("PTTL", "k")
    assert 99000 < pttl <= 100000
    same(raw.cmd("SET", "k", "v2", "KEEPTTL"), OK)
    assert 99000 < raw.cmd("PTTL", "k") <= 100000
    same(raw.cmd("SET", "k", "v3"), OK)          # plain SET clears the TTL
    same(raw.cmd("TTL", "k"), -1)
    at = int(time.time()) + 1000
    same(raw.cmd("SET", "k", "v", "EXAT", str(at)), OK)
    same(raw.cmd("EXPIRETIME", "k"), at)
    pat = int(time.time() * 1000) + 500_000
    same(raw.cmd("SET", "k", "v", "PXAT", str(pat)), OK)
    same(raw.cmd("PEXPIRETIME", "k"), pat)
    same(raw.cmd("SET", "k", "v", "EXAT", "1"), OK)  # in the past: gone at once
    same(raw.cmd("EXISTS", "k"), 0)
    same(raw.cmd("SET", "k", "v", "XX", "EX", "10"), NIL)
    same(raw.cmd("SET", "k", "v", "NX", "PX", "10000", "GET"), NIL)
    assert 9000 < raw.cmd("PTTL", "k") <= 10000
    assert r.set("p", "v", px=5000) is True
    assert 4000 < r.pttl("p") <= 5000
    assert r.set("p", "v", ex=50, xx=True) is True
    assert r.ttl("p") == 50
    assert r.set("p", "v2", keepttl=True) is True
    assert r.ttl("p") == 50


SET_ERRORS = [
    (("k", "v", "NX", "XX"), "ERR syntax error"),
    (("k", "v", "XX", "NX"), "ERR syntax error"),
    (("k", "v", "EX", "10", "PX", "100"), "ERR syntax error"),
    (("k", "v", "EX", "10", "KEEPTTL"), "ERR syntax error"),
    (("k", "v", "KEEPTTL", "EX", "10"), "ERR syntax error"),
    (("k", "v", "EXAT", "10", "PXAT", "10"), "ERR syntax error"),
    (("k", "v", "EX"), "ERR syntax error"),
    (("k", "v", "FOO"), "ERR syntax error"),
    (("k", "v", "EX", "0"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "EX", "-1"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "PX", "0"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "EXAT", "0"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "PXAT", "-1"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "EX", "9223372036854775807"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "PX", "9223372036854775807"), "ERR invalid expire time in 'set' command"),
    (("k", "v", "EX", "abc"), "ERR value is not an integer or out of range"),
    (("k", "v", "PX", "1.5"), "ERR value is not an integer or out of range"),
    (("k", "v", "EX", "99999999999999999999"), "ERR value is not an integer or out of range"),
]


@pytest.mark.parametrize("args,err", SET_ERRORS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_set_errors(raw, args, err):
    raw.cmd("SET", "k", "orig")
    same(raw.cmd("SET", *args), E(err))
    same(raw.cmd("GET", "k"), b"orig")
    same(raw.cmd("TTL", "k"), -1)


def test_set_errors_redis_py(r):
    py_err("ERR syntax error", r.execute_command, "SET", "k", "v", "NX", "XX")
    py_err("ERR invalid expire time in 'set' command", r.set, "k", "v", ex=0)


def test_setnx_setex_psetex(raw, r):
    same(raw.cmd("SETNX", "k", "a"), 1)
    same(raw.cmd("SETNX", "k", "b"), 0)
    same(raw.cmd("GET", "k"), b"a")
    same(raw.cmd("SETEX", "k", "100", "v"), OK)
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("GET", "k"), b"v")
    same(raw.cmd("PSETEX", "k", "50000", "w"), OK)
    assert 49000 < raw.cmd("PTTL", "k") <= 50000
    same(raw.cmd("SETEX", "k", "0", "v"), E("ERR invalid expire time in 'setex' command"))
    same(raw.cmd("SETEX", "k", "-10", "v"), E("ERR invalid expire time in 'setex' command"))
    same(raw.cmd("PSETEX", "k", "-5", "v"), E("ERR invalid expire time in 'psetex' command"))
    same(raw.cmd("SETEX", "k", "x", "v"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("GET", "k"), b"w")
    assert r.setnx("n", "1") is True
    assert r.setnx("n", "2") is False
    assert r.setex("e", 30, "v") is True
    assert r.ttl("e") == 30
    assert r.psetex("pe", 30000, "v") is True
    assert 29000 < r.pttl("pe") <= 30000


def test_getset_getdel(raw, r):
    same(raw.cmd("GETSET", "k", "1"), NIL)
    same(raw.cmd("GETSET", "k", "2"), b"1")
    same(raw.cmd("SET", "t", "v", "EX", "100"), OK)
    same(raw.cmd("GETSET", "t", "w"), b"v")
    same(raw.cmd("TTL", "t"), -1)              # GETSET discards the TTL
    same(raw.cmd("GETDEL", "k"), b"2")
    same(raw.cmd("EXISTS", "k"), 0)
    same(raw.cmd("GETDEL", "k"), NIL)
    assert r.getset("g", "a") is None
    assert r.getset("g", "b") == "a"
    assert r.getdel("g") == "b"
    assert r.getdel("g") is None


def test_getex(raw, r):
    same(raw.cmd("SET", "k", "v"), OK)
    same(raw.cmd("GETEX", "k"), b"v")
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("GETEX", "k", "EX", "100"), b"v")
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("GETEX", "k", "PX", "50000"), b"v")
    assert 49000 < raw.cmd("PTTL", "k") <= 50000
    at = int(time.time()) + 2000
    same(raw.cmd("GETEX", "k", "EXAT", str(at)), b"v")
    same(raw.cmd("EXPIRETIME", "k"), at)
    pat = int(time.time() * 1000) + 3_000_000
    same(raw.cmd("GETEX", "k", "PXAT", str(pat)), b"v")
    same(raw.cmd("PEXPIRETIME", "k"), pat)
    same(raw.cmd("GETEX", "k", "PERSIST"), b"v")
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("GETEX", "missing", "EX", "10"), NIL)
    same(raw.cmd("GETEX", "k", "EX", "0"), E("ERR invalid expire time in 'getex' command"))
    same(raw.cmd("GETEX", "k", "PX", "-1"), E("ERR invalid expire time in 'getex' command"))
    same(raw.cmd("GETEX", "k", "EX", "abc"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("GETEX", "k", "PERSIST", "EX", "10"), E("ERR syntax error"))
    same(raw.cmd("GETEX", "k", "EX", "10", "PX", "10"), E("ERR syntax error"))
    same(raw.cmd("GETEX", "k", "FOO"), E("ERR syntax error"))
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("GETEX", "k", "EXAT", "1"), b"v")   # past: deleted after reply
    same(raw.cmd("EXISTS", "k"), 0)
    r.set("p", "v")
    assert r.getex("p", ex=60) == "v"
    assert r.ttl("p") == 60
    assert r.getex("p", persist=True) == "v"
    assert r.ttl("p") == -1


def test_mget_mset_msetnx(raw, r, rb):
    same(raw.cmd("MSET", "a", "1", "b", "2", "c", "3"), OK)
    same(raw.cmd("MGET", "a", "missing", "c"), [b"1", NIL, b"3"])
    assert raw.last_raw == (b"*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n" if PROTOCOL == 2
                            else b"*3\r\n$1\r\n1\r\n_\r\n$1\r\n3\r\n")
    same(raw.cmd("MSET", "a", "x", "a", "y"), OK)        # last one wins
    same(raw.cmd("GET", "a"), b"y")
    same(raw.cmd("MSETNX", "a", "1", "new", "2"), 0)     # one exists: nothing set
    same(raw.cmd("EXISTS", "new"), 0)
    same(raw.cmd("MSETNX", "n1", "1", "n2", "2"), 1)
    same(raw.cmd("MGET", "n1", "n2"), [b"1", b"2"])
    same(raw.cmd("SET", "t", "v", "EX", "100"), OK)
    same(raw.cmd("MSET", "t", "w"), OK)
    same(raw.cmd("TTL", "t"), -1)                        # MSET discards TTLs
    assert r.mset({"x": "1", "y": "2"}) is True
    assert r.mget("x", "nope", "y") == ["1", None, "2"]
    assert r.msetnx({"x": "9", "z": "3"}) is False
    assert r.msetnx({"z": "3", "w": "4"}) is True
    assert rb.mget(["z", "w"]) == [b"3", b"4"]


def test_incr_decr(raw, r):
    same(raw.cmd("INCR", "n"), 1)
    same(raw.cmd("INCR", "n"), 2)
    same(raw.cmd("INCRBY", "n", "10"), 12)
    same(raw.cmd("INCRBY", "n", "-20"), -8)
    same(raw.cmd("DECR", "n"), -9)
    same(raw.cmd("DECRBY", "n", "-9"), 0)
    same(raw.cmd("DECRBY", "fresh", "5"), -5)
    same(raw.cmd("GET", "n"), b"0")
    same(raw.cmd("SET", "n", "  5"), OK)
    for value in ("abc", " 1", "1 ", "01", "+1", "1.5", "", "0x10", "1e3",
                  "9223372036854775808", "-9223372036854775809"):
        same(raw.cmd("SET", "bad", value), OK)
        same(raw.cmd("INCR", "bad"), E("ERR value is not an integer or out of range"))
        same(raw.cmd("GET", "bad"), value.encode())
    same(raw.cmd("SET", "m", "-0"), OK)
    same(raw.cmd("INCR", "m"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("INCRBY", "n", "abc"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("INCRBY", "n", "1.5"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("DECRBY", "n", "9223372036854775808"),
         E("ERR value is not an integer or out of range"))
    same(raw.cmd("SET", "max", "9223372036854775807"), OK)
    same(raw.cmd("INCR", "max"), E("ERR increment or decrement would overflow"))
    same(raw.cmd("INCRBY", "max", "1"), E("ERR increment or decrement would overflow"))
    same(raw.cmd("DECRBY", "max", "-1"), E("ERR increment or decrement would overflow"))
    same(raw.cmd("INCRBY", "max", "-1"), 9223372036854775806)
    same(raw.cmd("SET", "min", "-9223372036854775808"), OK)
    same(raw.cmd("DECR", "min"), E("ERR increment or decrement would overflow"))
    same(raw.cmd("INCRBY", "min", "-1"), E("ERR increment or decrement would overflow"))
    same(raw.cmd("INCR", "min"), -9223372036854775807)
    same(raw.cmd("DECRBY", "min", "-9223372036854775808"), E("ERR decrement would overflow"))
    same(raw.cmd("SET", "t", "5", "EX", "100"), OK)
    same(raw.cmd("INCR", "t"), 6)
    same(raw.cmd("TTL", "t"), 100)                       # INCR keeps the TTL
    assert r.incr("p") == 1
    assert r.incrby("p", 41) == 42
    assert r.decr("p") == 41
    assert r.decrby("p", 40) == 1
    py_err("ERR value is not an integer or out of range", r.incr, "bad")
    r.set("max", "9223372036854775807")
    py_err("ERR increment or decrement would overflow", r.incr, "max")


INCRBYFLOAT_CASES = [
    (None, "0.1", "0.1"),
    ("0.1", "0.2", "0.3"),
    ("10.50", "0.1", "10.6"),
    ("1", "1e-5", "1.00001"),
    ("5", "-5", "0"),
    ("3", "1.5", "4.5"),
    ("1e3", "1", "1001"),
    (None, "1.10000", "1.1"),
    (None, "5.0e-1", "0.5"),
    ("0", "1e-20", "0"),
    ("-1", "-0.5", "-1.5"),
    ("10", "-20", "-10"),
    ("1.5", "1.5", "3"),
    (None, "-0", "0"),
    ("2", "3", "5"),
    ("12345", "0.5", "12345.5"),
    ("5.0e3", "2.0e2", "5200"),
]


@pytest.mark.parametrize("init,incr,expected", INCRBYFLOAT_CASES)
def test_incrbyfloat_format(raw, init, incr, expected):
    if init is not None:
        same(raw.cmd("SET", "f", init), OK)
    # always a bulk string, even under RESP3 (not a double)
    same(raw.cmd("INCRBYFLOAT", "f", incr), expected.encode())
    same(raw.cmd("GET", "f"), expected.encode())


def test_incrbyfloat_errors_and_ttl(raw, r):
    same(raw.cmd("SET", "s", "abc"), OK)
    same(raw.cmd("INCRBYFLOAT", "s", "1"), E("ERR value is not a valid float"))
    same(raw.cmd("INCRBYFLOAT", "f", "abc"), E("ERR value is not a valid float"))
    same(raw.cmd("INCRBYFLOAT", "f", "nan"), E("ERR value is not a valid float"))
    same(raw.cmd("INCRBYFLOAT", "f", " 1"), E("ERR value is not a valid float"))
    same(raw.cmd("INCRBYFLOAT", "f", "inf"),
         E("ERR increment would produce NaN or Infinity"))
    same(raw.cmd("SET", "i", "inf"), OK)
    same(raw.cmd("INCRBYFLOAT", "i", "1"), E("ERR increment would produce NaN or Infinity"))
    same(raw.cmd("EXISTS", "f"), 0)
    same(raw.cmd("SET", "fl", "1.5"), OK)
    same(raw.cmd("INCR", "fl"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("SET", "t", "1", "EX", "100"), OK)
    same(raw.cmd("INCRBYFLOAT", "t", "0.5"), b"1.5")
    same(raw.cmd("TTL", "t"), 100)
    assert r.incrbyfloat("pf", 0.5) == 0.5
    assert r.incrbyfloat("pf", 0.25) == 0.75
    py_err("ERR value is not a valid float", r.incrbyfloat, "s", 1.0)


def test_append_strlen(raw, rb):
    same(raw.cmd("APPEND", "k", "Hello"), 5)
    same(raw.cmd("APPEND", "k", " World"), 11)
    same(raw.cmd("GET", "k"), b"Hello World")
    same(raw.cmd("STRLEN", "k"), 11)
    same(raw.cmd("STRLEN", "missing"), 0)
    same(raw.cmd("APPEND", "e", ""), 0)          # creates an empty string
    same(raw.cmd("EXISTS", "e"), 1)
    same(raw.cmd("SET", "n", "123"), OK)
    same(raw.cmd("APPEND", "n", "4"), 4)
    same(raw.cmd("GET", "n"), b"1234")
    same(raw.cmd("INCR", "n"), 1235)
    same(raw.cmd("STRLEN", "n"), 4)
    same(raw.cmd("SET", "t", "v", "EX", "100"), OK)
    same(raw.cmd("APPEND", "t", "w"), 2)
    same(raw.cmd("TTL", "t"), 100)
    assert rb.append("b", b"\x00\xff") == 2
    assert rb.append("b", b"\r\n") == 4
    assert rb.get("b") == b"\x00\xff\r\n"
    assert rb.strlen("b") == 4


def test_getrange_substr(raw, r):
    same(raw.cmd("SET", "s", "This is a string"), OK)
    for start, end, expected in [(0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
                                 (10, 100, b"string"), (5, 3, b""), (3, 3, b"s"),
                                 (-1, -1, b"g"), (-100, 3, b"This"), (16, 20, b""),
                                 (100, 200, b"")]:
        same(raw.cmd("GETRANGE", "s", str(start), str(end)), expected)
        same(raw.cmd("SUBSTR", "s", str(start), str(end)), expected)
    same(raw.cmd("GETRANGE", "missing", "0", "-1"), b"")
    assert raw.last_raw == b"$0\r\n\r\n"
    same(raw.cmd("SET", "n", "12345"), OK)
    same(raw.cmd("GETRANGE", "n", "1", "3"), b"234")
    same(raw.cmd("GETRANGE", "s", "a", "1"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("GETRANGE", "s", "0", "1.5"), E("ERR value is not an integer or out of range"))
    assert r.getrange("s", 0, 3) == "This"
    assert r.substr("s", -6) == "string"


def test_setrange(raw, rb):
    same(raw.cmd("SETRANGE", "k", "5", "hi"), 7)
    same(raw.cmd("GET", "k"), b"\x00\x00\x00\x00\x00hi")
    same(raw.cmd("SET", "k", "Hello World"), OK)
    same(raw.cmd("SETRANGE", "k", "6", "Redis"), 11)
    same(raw.cmd("GET", "k"), b"Hello Redis")
    same(raw.cmd("SETRANGE", "k", "9", "xyz"), 12)
    same(raw.cmd("GET", "k"), b"Hello Redxyz")
    same(raw.cmd("SETRANGE", "k", "0", ""), 12)
    same(raw.cmd("SETRANGE", "missing", "0", ""), 0)      # does not create the key
    same(raw.cmd("SETRANGE", "missing", "10", ""), 0)
    same(raw.cmd("EXISTS", "missing"), 0)
    same(raw.cmd("SETRANGE", "k", "-1", "x"), E("ERR offset is out of range"))
    same(raw.cmd("SETRANGE", "k", "abc", "x"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("SETRANGE", "k", "536870912", "x"),
         E("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
    same(raw.cmd("SETRANGE", "other", "536870912", "x"),
         E("ERR string exceeds maximum allowed size (proto-max-bulk-len)"))
    same(raw.cmd("EXISTS", "other"), 0)
    same(raw.cmd("SET", "n", "123"), OK)
    same(raw.cmd("SETRANGE", "n", "1", "x"), 3)
    same(raw.cmd("GET", "n"), b"1x3")
    same(raw.cmd("SET", "t", "abc", "EX", "100"), OK)
    same(raw.cmd("SETRANGE", "t", "1", "B"), 3)
    same(raw.cmd("TTL", "t"), 100)
    assert rb.setrange("b", 2, b"\xff") == 3
    assert rb.get("b") == b"\x00\x00\xff"


def test_lcs_raw_shapes(raw):
    same(raw.cmd("MSET", "key1", "ohmytext", "key2", "mynewtext"), OK)
    same(raw.cmd("LCS", "key1", "key2"), b"mytext")
    same(raw.cmd("LCS", "key1", "key2", "LEN"), 6)
    same(raw.cmd("LCS", "key1", "key2", "IDX"),
         M((b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]), (b"len", 6)))
    same(raw.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4"),
         M((b"matches", [[[4, 7], [5, 8]]]), (b"len", 6)))
    same(raw.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
         M((b"matches", [[[4, 7], [5, 8], 4]]), (b"len", 6)))
    same(raw.cmd("LCS", "key1", "key2", "IDX", "WITHMATCHLEN"),
         M((b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]]), (b"len", 6)))
    if PROTOCOL == 2:
        assert raw.last_raw == (b"*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n"
                                b":5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
                                b":2\r\n$3\r\nlen\r\n:6\r\n")
    else:
        assert raw.last_raw.startswith(b"%2\r\n$7\r\nmatches\r\n*2\r\n")
    same(raw.cmd("LCS", "key1", "key2", "MINMATCHLEN", "4"), b"mytext")  # ignored without IDX
    same(raw.cmd("LCS", "missing1", "missing2"), b"")
    same(raw.cmd("LCS", "key1", "missing2", "LEN"), 0)
    same(raw.cmd("LCS", "missing1", "missing2", "IDX"), M((b"matches", []), (b"len", 0)))
    same(raw.cmd("LCS", "key1", "key2", "LEN", "IDX"),
         E("ERR If you want both the length and indexes, please just use IDX."))
    same(raw.cmd("LCS", "key1", "key2", "FOO"), E("ERR syntax error"))
    same(raw.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN", "abc"),
         E("ERR value is not an integer or out of range"))
    same(raw.cmd("LCS", "key1", "key2", "IDX", "MINMATCHLEN"), E("ERR syntax error"))


def test_lcs_redis_py(r):
    r.mset({"key1": "ohmytext", "key2": "mynewtext"})
    assert r.lcs("key1", "key2") == "mytext"
    assert r.lcs("key1", "key2", len=True) == 6
    res = r.lcs("key1", "key2", idx=True, minmatchlen=4, withmatchlen=True)
    expected_matches = [[[4, 7], [5, 8], 4]]
    if isinstance(res, dict):
        assert res == {"matches": expected_matches, "len": 6}
    else:
        assert res == ["matches", expected_matches, "len", 6]


# ---------------------------------------------------------------------------
# keyspace
# ---------------------------------------------------------------------------

def test_del_unlink_exists_touch_type(raw, r):
    same(raw.cmd("MSET", "a", "1", "b", "2", "c", "3", "d", "4"), OK)
    same(raw.cmd("EXISTS", "a", "a", "b", "missing"), 3)
    same(raw.cmd("TOUCH", "a", "a", "missing"), 2)
    same(raw.cmd("TYPE", "a"), Status("string"))
    same(raw.cmd("TYPE", "missing"), Status("none"))
    same(raw.cmd("DEL", "a", "a", "missing"), 1)
    same(raw.cmd("UNLINK", "b", "c", "missing"), 2)
    same(raw.cmd("EXISTS", "a", "b", "c", "d"), 1)
    same(raw.cmd("DEL", "missing"), 0)
    assert r.delete("d") == 1
    assert r.exists("d") == 0
    r.set("x", "1")
    assert r.unlink("x", "y") == 1
    assert r.type("x") == "none"
    r.set("x", "1")
    assert r.type("x") == "string"
    assert r.touch("x", "nope") == 1


def test_ttl_persist(raw, r):
    same(raw.cmd("TTL", "missing"), -2)
    same(raw.cmd("PTTL", "missing"), -2)
    same(raw.cmd("SET", "k", "v"), OK)
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("PTTL", "k"), -1)
    same(raw.cmd("PERSIST", "k"), 0)
    same(raw.cmd("EXPIRE", "k", "100"), 1)
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("PEXPIRE", "k", "100000"), 1)
    assert 99000 < raw.cmd("PTTL", "k") <= 100000
    same(raw.cmd("PERSIST", "k"), 1)
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("PERSIST", "missing"), 0)
    same(raw.cmd("EXPIRE", "missing", "100"), 0)
    same(raw.cmd("PEXPIRE", "missing", "100"), 0)
    same(raw.cmd("EXPIREAT", "missing", "99999999999"), 0)
    # TTL rounds to the nearest second
    same(raw.cmd("SET", "r", "v", "PX", "2400"), OK)
    same(raw.cmd("TTL", "r"), 2)
    same(raw.cmd("SET", "r", "v", "PX", "2600"), OK)
    same(raw.cmd("TTL", "r"), 3)
    assert r.expire("k", 50) is True
    assert r.ttl("k") == 50
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.ttl("missing") == -2


def test_expire_in_the_past_deletes(raw):
    for args in (("EXPIRE", "k", "-1"), ("EXPIRE", "k", "0"), ("PEXPIRE", "k", "-100"),
                 ("EXPIREAT", "k", "1"), ("PEXPIREAT", "k", "1000")):
        same(raw.cmd("SET", "k", "v"), OK)
        same(raw.cmd(*args), 1)
        same(raw.cmd("EXISTS", "k"), 0)
        same(raw.cmd("TTL", "k"), -2)


def test_expireat_expiretime(raw, r):
    same(raw.cmd("EXPIRETIME", "missing"), -2)
    same(raw.cmd("PEXPIRETIME", "missing"), -2)
    same(raw.cmd("SET", "k", "v"), OK)
    same(raw.cmd("EXPIRETIME", "k"), -1)
    same(raw.cmd("PEXPIRETIME", "k"), -1)
    at = int(time.time()) + 1000
    same(raw.cmd("EXPIREAT", "k", str(at)), 1)
    same(raw.cmd("EXPIRETIME", "k"), at)
    same(raw.cmd("PEXPIRETIME", "k"), at * 1000)
    assert 998 <= raw.cmd("TTL", "k") <= 1000
    same(raw.cmd("PEXPIREAT", "k", "4000000000123"), 1)
    same(raw.cmd("PEXPIRETIME", "k"), 4000000000123)
    same(raw.cmd("EXPIRETIME", "k"), 4000000000)
    same(raw.cmd("PEXPIREAT", "k", "4000000000600"), 1)
    same(raw.cmd("EXPIRETIME", "k"), 4000000001)       # rounded to nearest second
    assert r.expiretime("k") == 4000000001
    assert r.pexpiretime("k") == 4000000000600


def test_expire_options(raw, r):
    same(raw.cmd("SET", "k", "v"), OK)
    # no TTL yet: XX and GT fail, NX and LT succeed (no TTL == infinite)
    same(raw.cmd("EXPIRE", "k", "100", "XX"), 0)
    same(raw.cmd("EXPIRE", "k", "100", "GT"), 0)
    same(raw.cmd("TTL", "k"), -1)
    same(raw.cmd("EXPIRE", "k", "100", "LT"), 1)
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("PERSIST", "k"), 1)
    same(raw.cmd("EXPIRE", "k", "100", "NX"), 1)
    same(raw.cmd("EXPIRE", "k", "200", "NX"), 0)
    same(raw.cmd("TTL", "k"), 100)
    same(raw.cmd("EXPIRE", "k", "200", "XX"), 1)
    same(raw.cmd("TTL", "k"), 200)
    same(raw.cmd("EXPIRE", "k", "100", "GT"), 0)
    same(raw.cmd("EXPIRE", "k", "300", "GT"), 1)
    same(raw.cmd("TTL", "k"), 300)
    same(raw.cmd("EXPIRE", "k", "400", "LT"), 0)
    same(raw.cmd("EXPIRE", "k", "50", "LT"), 1)
    same(raw.cmd("TTL", "k"), 50)
    same(raw.cmd("EXPIRE", "k", "60", "XX", "GT"), 1)
    same(raw.cmd("EXPIRE", "k", "10", "xx", "lt"), 1)
    same(raw.cmd("TTL", "k"), 10)
    same(raw.cmd("PEXPIRE", "k", "20000", "GT"), 1)
    same(raw.cmd("EXPIREAT", "k", str(int(time.time()) + 5), "GT"), 0)
    same(raw.cmd("PEXPIREAT", "k", str(int(time.time() * 1000) + 5000), "LT"), 1)
    same(raw.cmd("EXPIRE", "missing", "10", "NX"), 0)
    for bad in (("NX", "XX"), ("NX", "GT"), ("NX", "LT"), ("XX", "NX")):
        same(raw.cmd("EXPIRE", "k", "10", *bad),
             E("ERR NX and XX, GT or LT options at the same time are not compatible"))
    same(raw.cmd("PEXPIRE", "k", "10", "GT", "LT"),
         E("ERR GT and LT options at the same time are not compatible"))
    same(raw.cmd("EXPIRE", "k", "10", "FOO"), E("ERR Unsupported option FOO"))
    same(raw.cmd("EXPIRE", "k", "abc"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("EXPIRE", "k", "9223372036854775807"),
         E("ERR invalid expire time in 'expire' command"))
    same(raw.cmd("PEXPIRE", "k", "9223372036854775807"),
         E("ERR invalid expire time in 'pexpire' command"))
    same(raw.cmd("EXPIREAT", "k", "9223372036854775807"),
         E("ERR invalid expire time in 'expireat' command"))
    assert r.expire("k", 1000, gt=True) is True
    assert r.expire("k", 10, gt=True) is False
    assert r.expire("k", 10, lt=True) is True
    py_err("ERR NX and XX, GT or LT options at the same time are not compatible",
           r.execute_command, "EXPIRE", "k", "10", "NX", "XX")


def test_short_expiry(raw, r):
    same(raw.cmd("SET", "k", "v", "PX", "100"), OK)
    same(raw.cmd("SET", "keep", "v"), OK)
    same(raw.cmd("SET", "e2", "v"), OK)
    same(raw.cmd("PEXPIRE", "e2", "100"), 1)
    assert r.psetex("e3", 100, "v") is True
    same(raw.cmd("GET", "k"), b"v")
    time.sleep(0.2)
    same(raw.cmd("GET", "k"), NIL)
    same(raw.cmd("EXISTS", "k", "e2", "e3"), 0)
    same(raw.cmd("TTL", "e2"), -2)
    same(raw.cmd("KEYS", "*"), [b"keep"])
    cursor, keys = raw.cmd("SCAN", "0", "COUNT", "100")
    assert keys == [b"keep"]
    same(raw.cmd("RANDOMKEY"), b"keep")
    assert r.get("e3") is None
    same(raw.cmd("SET", "k", "v", "PX", "100"), OK)
    same(raw.cmd("SET", "k", "v2", "KEEPTTL"), OK)
    time.sleep(0.2)
    same(raw.cmd("GET", "k"), NIL)


def test_keys_patterns(raw, r):
    keys = ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*b", "aXb", "abc", "bcd",
            "key:1", "key:2", "key:10"]
    args = []
    for k in keys:
        args += [k, "1"]
    same(raw.cmd("MSET", *args), OK)

    def K(pattern):
        reply = raw.cmd("KEYS", pattern)
        assert type(reply) is list
        return sorted(x.decode() for x in reply)

    assert K("*") == sorted(keys)
    assert K("h?llo") == ["hallo", "hello", "hxllo"]
    assert K("h*llo") == ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    assert K("h[ae]llo") == ["hallo", "hello"]
    assert K("h[^e]llo") == ["hallo", "hxllo"]
    assert K("h[a-b]llo") == ["hallo"]
    assert K("[a-c]*") == ["a*b", "aXb", "abc", "bcd"]
    assert K("a\\*b") == ["a*b"]
    assert K("a*b") == ["a*b", "aXb"]
    assert K("key:?") == ["key:1", "key:2"]
    assert K("key:1*") == ["key:1", "key:10"]
    assert K("nomatch*") == []
    assert K("hello") == ["hello"]
    assert sorted(r.keys("h?llo")) == ["hallo", "hello", "hxllo"]
    raw.cmd("SELECT", "1")
    assert K("*") == []


def test_scan(raw, r):
    n = 1000
    args = []
    for i in range(n):
        args += [f"key:{i}", str(i)]
    same(raw.cmd("MSET", *args), OK)
    seen, cursor, rounds = set(), b"0", 0
    while True:
        reply = raw.cmd("SCAN", cursor, "COUNT", "100")
        assert type(reply) is list and len(reply) == 2
        cursor, batch = reply
        assert type(cursor) is bytes and cursor.isdigit()
        assert type(batch) is list
        seen.update(batch)
        rounds += 1
        assert rounds < 10_000
        if cursor == b"0":
            break
    assert seen == {f"key:{i}".encode() for i in range(n)}

    def full_scan(*opts):
        out, cur = set(), b"0"
        while True:
            cur, batch = raw.cmd("SCAN", cur, *opts)
            out.update(x.decode() for x in batch)
            if cur == b"0":
                return out

    assert full_scan("MATCH", "key:1*", "COUNT", "50") == \
        {f"key:{i}" for i in range(n) if str(i).startswith("1")}
    assert full_scan("MATCH", "key:99?") == {f"key:{i}" for i in range(990, 1000)}
    assert full_scan("TYPE", "string") == {f"key:{i}" for i in range(n)}
    assert full_scan("TYPE", "STRING", "MATCH", "key:5?") == {f"key:{i}" for i in range(50, 60)}
    assert full_scan("TYPE", "list") == set()
    assert full_scan("MATCH", "nomatch*") == set()
    assert set(r.scan_iter(match="key:12*", count=200)) == \
        {"key:12"} | {f"key:12{i}" for i in range(10)}
    cur, batch = r.scan(0, match="key:7", count=2000)
    assert cur == 0 and batch == ["key:7"]
    same(raw.cmd("SCAN", "abc"), E("ERR invalid cursor"))
    same(raw.cmd("SCAN", "0", "COUNT", "0"), E("ERR syntax error"))
    same(raw.cmd("SCAN", "0", "COUNT", "abc"), E("ERR value is not an integer or out of range"))
    same(raw.cmd("SCAN", "0", "MATCH"), E("ERR syntax error"))
    same(raw.cmd("SCAN", "0", "FOO", "bar"), E("ERR syntax error"))


def test_scan_empty_db(raw):
    same(raw.cmd("SCAN", "0"), [b"0", []])
    assert raw.last_raw == b"*2\r\n$1\r\n0\r\n*0\r\n"


def test_rename_renamenx(raw, r):
    same(raw.cmd("SET", "a", "1", "EX", "100"), OK)
    same(raw.cmd("RENAME", "a", "b"), OK)
    same(raw.cmd("EXISTS", "a"), 0)
    same(raw.cmd("GET", "b"), b"1")
    same(raw.cmd("TTL", "b"), 100)                      # TTL travels with the key
    same(raw.cmd("SET", "c", "3"), OK)
    same(raw.cmd("RENAME", "b", "c"), OK)               # overwrites, TTL included
    same(raw.cmd("GET", "c"), b"1")
    same(raw.cmd("TTL", "c"), 100)
    same(raw.cmd("RENAME", "c", "c"), OK)
    same(raw.cmd("RENAME", "missing", "x"), E("ERR no such key"))
    same(raw.cmd("RENAMENX", "missing", "x"), E("ERR no such key"))
    same(raw.cmd("SET", "d", "4"), OK)
    same(raw.cmd("RENAMENX", "c", "d"), 0)
    same(raw.cmd("GET", "d"), b"4")
    same(raw.cmd("RENAMENX", "c", "e"), 1)
    same(raw.cmd("GET", "e"), b"1")
    same(raw.cmd("RENAMENX", "e", "e"), 0)
    r.set("p", "v")
    assert r.rename("p", "q") is True
    assert r.renamenx("q", "d") is False
    assert r.renamenx("q", "z") is True
    py_err("ERR no such key", r.rename, "nope", "x")


def test_randomkey(raw, r):
    same(raw.cmd("RANDOMKEY"), NIL)
    same(raw.cmd("SET", "only", "1"), OK)
    same(raw.cmd("RANDOMKEY"), b"only")
    raw.cmd("MSET", "a", "1", "b", "2", "c", "3")
    got = {raw.cmd("RANDOMKEY") for _ in range(50)}
    assert got <= {b"only", b"a", b"b", b"c"} and got
    assert r.randomkey() in {"only", "a", "b", "c"}


def test_copy(raw, r):
    same(raw.cmd("SET", "src", "v", "EX", "100"), OK)
    same(raw.cmd("COPY", "src", "dst"), 1)
    same(raw.cmd("GET", "dst"), b"v")
    same(raw.cmd("TTL", "dst"), 100)                   # TTL is copied
    same(raw.cmd("APPEND", "dst", "2"), 2)
    same(raw.cmd("GET", "src"), b"v")                  # independent values
    same(raw.cmd("COPY", "src", "dst"), 0)             # destination exists
    same(raw.cmd("GET", "dst"), b"v2")
    same(raw.cmd("COPY", "src", "dst", "REPLACE"), 1)
    same(raw.cmd("GET", "dst"), b"v")
    same(raw.cmd("COPY", "missing", "x"), 0)
    same(raw.cmd("COPY", "src", "src", "DB", "1"), 1)  # same name, other db
    same(raw.cmd("COPY", "src", "src", "DB", "1"), 0)
    same(raw.cmd("COPY", "src", "src", "DB", "1", "REPLACE"), 1)
    same(raw.cmd("COPY", "src", "src"), E("ERR source and destination objects are the same"))
    same(raw.cmd("COPY", "src", "src", "DB", "0"),
         E("ERR source and destination objects are the same"))
    same(raw.cmd("COPY", "src", "x", "DB", "16"), E("ERR DB index is out of range"))
    same(raw.cmd("COPY", "src", "x", "DB", "abc"),
         E("ERR value is not an integer or out of range"))
    same(raw.cmd("COPY", "src", "x", "FOO"), E("ERR syntax error"))
    same(raw.cmd("SELECT", "1"), OK)
    same(raw.cmd("GET", "src"), b"v")
    same(raw.cmd("TTL", "src"), 100)
    assert r.copy("src", "c2") is True
    assert r.copy("src", "c2") is False
    assert r.copy("src", "c2", replace=True) is True
    assert r.copy("src", "c3", destination_db=2) is True


def test_object_encoding(raw, r):
    cases = [("123", "int"), ("-5", "int"), ("0", "int"), ("9223372036854775807", "int"),
             ("-9223372036854775808", "int"), ("12345678901234567890", "embstr"),
             ("0.3", "embstr"), ("007", "embstr"), ("-0", "embstr"), (" 1", "embstr"),
             ("abc", "embstr"), ("a" * 44, "embstr"), ("a" * 45, "raw"), ("b" * 1000, "raw")]
    for value, enc in cases:
        same(raw.cmd("SET", "k", value), OK)
        same(raw.cmd("OBJECT", "ENCODING", "k"), enc.encode())
    same(raw.cmd("SET", "k", "123"), OK)
    same(raw.cmd("APPEND", "k", "4"), 4)
    same(raw.cmd("OBJECT", "ENCODING", "k"), b"raw")
    same(raw.cmd("SET", "k", "abc"), OK)
    same(raw.cmd("APPEND", "k", "d"), 4)
    same(raw.cmd("OBJECT", "ENCODING", "k"), b"raw")
    same(raw.cmd("SET", "k", "abc"), OK)
    same(raw.cmd("SETRANGE", "k", "0", "x"), 3)
    same(raw.cmd("OBJECT", "ENCODING", "k"), b"raw")
    same(raw.cmd("SET", "k", "5"), OK)
    same(raw.cmd("INCRBY", "k", "100000"), 100005)
    same(raw.cmd("OBJECT", "ENCODING", "k"), b"int")
    same(raw.cmd("INCRBYFLOAT", "k", "0.5"), b"100005.5")
    same(raw.cmd("OBJECT", "ENCODING", "k"), b"embstr")
    same(raw.cmd("OBJECT", "ENCODING", "missing"), NIL)
    r.set("p", "42")
    assert r.object("encoding", "p") == "int"


def test_object_refcount_idletime_help(raw):
    same(raw.cmd("SET", "s", "abc"), OK)
    same(raw.cmd("OBJECT", "REFCOUNT", "s"), 1)
    same(raw.cmd("SET", "big", "100000"), OK)
    same(raw.cmd("OBJECT", "REFCOUNT", "big"), 1)
    # small integers (0..9999) are shared objects, reported with INT_MAX refcount
    same(raw.cmd("SET", "small", "123"), OK)
    same(raw.cmd("OBJECT", "REFCOUNT", "small"), 2147483647)
    same(raw.cmd("OBJECT", "REFCOUNT", "missing"), NIL)
    idle = raw.cmd("OBJECT", "IDLETIME", "s")
    assert type(idle) is int and 0 <= idle <= 2
    same(raw.cmd("OBJECT", "IDLETIME", "missing"), NIL)
    same(raw.cmd("OBJECT", "FREQ", "s"),
         E("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
           "Please note that when switching between policies at runtime LRU and LFU "
           "data will take some time to adjust."))
    help_lines = raw.cmd("OBJECT", "HELP")
    assert type(help_lines) is list and all(isinstance(l, Status) for l in help_lines)
    same(help_lines[0],
         Status("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
    for entry in ("ENCODING <key>", "FREQ <key>", "IDLETIME <key>", "REFCOUNT <key>", "HELP"):
        assert Status(entry) in help_lines, entry
    same(help_lines[-1], Status("    Prints this help."))
    same(raw.cmd("OBJECT", "foo"), E("ERR unknown subcommand 'foo'. Try OBJECT HELP."))
    same(raw.cmd("OBJECT", "foo", "k"), E("ERR unknown subcommand 'foo'. Try OBJECT HELP."))


# ---------------------------------------------------------------------------
# wire-level behaviour seen through the raw client
# ---------------------------------------------------------------------------

def test_pipelined_commands_in_one_write(raw):
    n = 1000
    raw.send(b"".join(encode_command("INCR", "ctr") for _ in range(n)))
    got = [raw.read() for _ in range(n)]
    assert got == list(range(1, n + 1))
    same(raw.cmd("GET", "ctr"), str(n).encode())


def test_redis_py_pipeline_without_transaction(r):
    p = r.pipeline(transaction=False)
    p.set("a", "1").incr("a").get("a").mget("a", "nope").delete("a").exists("a")
    assert p.execute() == [True, 2, "2", ["2", None], 1, 0]


def test_large_value_split_writes(raw):
    value = b"v" * 300_000
    payload = encode_command("SET", "big", value)
    for i in range(0, len(payload), 65536):
        raw.send(payload[i:i + 65536])
        time.sleep(0.005)
    same(raw.read(), OK)
    raw.send(encode_command("GET", "big"))
    same(raw.read(), value)


def test_inline_commands(raw):
    raw.send(b"SET inline \"with space\"\r\nGET inline\r\nPING\r\n")
    same(raw.read(), OK)
    same(raw.read(), b"with space")
    same(raw.read(), Status("PONG"))


def test_protocol_error_closes_connection():
    with RawConn(PORT) as c:
        c.send(b"*1\r\n$abc\r\n")
        assert c.read_raw() == b"-ERR Protocol error: invalid bulk length\r\n"
        assert c.is_closed()
    with RawConn(PORT) as c:
        c.send(b"*abc\r\n")
        assert c.read_raw() == b"-ERR Protocol error: invalid multibulk length\r\n"
        assert c.is_closed()
    with RawConn(PORT) as c:
        c.send(b"*2\r\n+ECHO\r\n$1\r\nx\r\n")
        assert c.read_raw() == b"-ERR Protocol error: expected '$', got '+'\r\n"
        assert c.is_closed()
    with RawConn(PORT) as c:
        c.send(b'ECHO "unbalanced\r\n')
        assert c.read_raw() == b"-ERR Protocol error: unbalanced quotes in request\r\n"
        assert c.is_closed()
    with RawConn(PORT) as c:   # the server is still fine
        assert c.raw("PING") == b"+PONG\r\n"


# --- client-output-buffer-limit for normal clients ------------------------------------

def _received_until_closed(conn, timeout=10):
    """Reads from a raw connection until the server closes it; returns the byte count,
    or None when it was still open after `timeout` seconds."""
    conn.sock.settimeout(timeout)
    total = len(conn.buf)
    try:
        while True:
            chunk = conn.sock.recv(1 << 20)
            if not chunk:
                return total
            total += len(chunk)
    except TimeoutError:
        return None
    except ConnectionResetError:
        return total


@pytest.mark.parametrize("limit, closed", [
    ("normal 1mb 0 0", True),        # the hard limit passed inside one batch of replies
    ("normal 0 0 0", False),         # no limit (Redis's default for normal clients)
    ("normal 4mb 0 0", False),       # under the hard limit
])
def test_normal_client_output_buffer_limit(r, limit, closed):
    r.set("big", "x" * 600_000)
    r.config_set("client-output-buffer-limit", limit)
    try:
        conn = RawConn(PORT)
        # Three replies of 600 KB from one read: 1.8 MB of output at once.
        conn.send(b"".join(encode_command("GET", "big") for _ in range(3)) +
                  encode_command("QUIT"))
        received = _received_until_closed(conn)
        conn.close()
        assert received is not None
        if closed:
            assert received < 3 * 600_000
        else:
            assert received > 3 * 600_000
        # Everyone else is still served.
        assert r.ping()
    finally:
        r.config_set("client-output-buffer-limit", "normal 0 0 0")
