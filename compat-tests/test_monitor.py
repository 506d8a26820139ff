"""MONITOR, checked on the wire (raw RESP connections, PROTOCOL=2 and 3).

Every expectation was validated against redis-server 7.0.15 (`redis-server --port 7811
--save ''`), reading replicationFeedMonitors() (replication.c), call() and monitorCommand()
(server.c) and execCommand() / execCommandAbort() (multi.c) of 7.0.15:

- MONITOR answers +OK; then every command run by any client arrives as one simple-string line
  `+<unix secs>.<6-digit usec> [<db> <ip>:<port>] "cmd" "arg" ...` (the same line in RESP2
  and RESP3), where db is the client's database *after* the command (SELECT 3 shows [3 ...])
  and ip:port is the client's address (its socket's local address here);
- arguments are quoted as sdscatrepr: `\\` and `"` get a backslash, \\n \\r \\t \\a \\b are
  written so, other bytes outside 0x20..0x7e as \\xhh (lower case), everything else as is;
- a command is shown after it ran (also when it failed while running: WRONGTYPE, not an
  integer, SELECT 99); never shown: commands rejected before running (unknown, wrong number of
  arguments), admin commands (CONFIG, CLIENT LIST / KILL, MONITOR itself), EVAL & co;
- transactions: MULTI when it is sent, the queued commands only at EXEC (with the database
  they ran in), then EXEC; an aborted EXEC (EXECABORT or WATCH) shows MULTI then EXEC only;
  DISCARD is shown;
- a blocking command is shown when it blocks, not again when it is served;
- the monitoring connection itself: its non-keyspace commands run and are shown after their
  reply (PING: +PONG, then its line), keyspace commands get `-ERR Replica can't interact with
  the keyspace` (not shown), a second MONITOR gets no reply at all, RESET (+RESET) stops
  monitoring and QUIT closes; MONITOR inside MULTI fails at EXEC (DENY BLOCKING client).
"""
import re
import time

import pytest

from conftest import open_raw
from resp_raw import encode_command

LINE = re.compile(rb"\+(?P<secs>\d+)\.(?P<usec>\d{6}) \[(?P<db>\d+) (?P<addr>[^\]]+)\] "
                  rb"(?P<args>.*)\r\n", re.S)


def sds_repr(arg):
    """Redis's sdscatrepr of one argument (the reference for the escaping checks)."""
    if isinstance(arg, str):
        arg = arg.encode()
    out = [b'"']
    for c in arg:
        ch = bytes([c])
        if ch in (b"\\", b'"'):
            out.append(b"\\" + ch)
        elif ch in b"\n\r\t\a\b":
            out.append({b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t", b"\a": b"\\a",
                        b"\b": b"\\b"}[ch])
        elif 0x20 <= c <= 0x7e:
            out.append(ch)
        else:
            out.append(b"\\x%02x" % c)
    out.append(b'"')
    return b"".join(out)


def shown(*args):
    return b" ".join(sds_repr(a) for a in args)


def addr(conn):
    ip, port = conn.sock.getsockname()[:2]
    return f"{ip}:{port}".encode()


class Monitor:
    """A connection in MONITOR mode (once started); line() parses and checks the next line.
    Connections are opened before any MONITOR starts: in RESP3 their HELLO 3 would be shown."""

    def __init__(self):
        self.conn = open_raw()
        self.last = (0, 0)

    def start(self):
        assert self.conn.raw("MONITOR") == b"+OK\r\n"
        return self

    def line(self):
        raw = self.conn.read_raw()
        m = LINE.fullmatch(raw)
        assert m, f"not a MONITOR line: {raw!r}"
        stamp = (int(m["secs"]), int(m["usec"]))
        assert abs(stamp[0] - time.time()) < 30, raw
        assert stamp >= self.last, f"time went back: {raw!r} after {self.last}"
        self.last = stamp
        return int(m["db"]), m["addr"], m["args"]

    def expect(self, *entries):
        """entries: (conn, db, [args...]) in the order the lines must arrive."""
        for conn, db, args in entries:
            assert self.line() == (db, addr(conn), shown(*args))

    def close(self):
        self.conn.close()


@pytest.fixture
def monitor():
    monitors = []

    def factory(start=True):
        m = Monitor()
        monitors.append(m)
        return m.start() if start else m

    yield factory
    for m in monitors:
        m.close()


@pytest.fixture
def client(new_raw):
    """Factory of ordinary raw connections (conftest's `new_raw`)."""
    return new_raw


def test_ok_then_one_line_per_command(monitor, client):
    c = client()
    m = monitor()
    assert c.raw("SET", "a", "1") == b"+OK\r\n"
    c.cmd("GET", "a")
    c.cmd("INCR", "a")
    raw = m.conn.read_raw()
    assert re.fullmatch(rb'\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "a" "1"\r\n', raw), raw
    assert raw.split(b"] ", 1)[0].endswith(b" " + addr(c))
    m.expect((c, 0, ["GET", "a"]), (c, 0, ["INCR", "a"]))


def test_lines_name_the_client_and_its_database(monitor, client):
    c1, c2 = client(), client()
    m = monitor()
    c1.cmd("SELECT", "3")
    c1.cmd("SET", "k", "v")
    c2.cmd("GET", "k")
    c1.cmd("SELECT", "99")  # fails while running: shown, database unchanged
    c1.cmd("SELECT", "0")
    c1.cmd("DBSIZE")
    m.expect((c1, 3, ["SELECT", "3"]), (c1, 3, ["SET", "k", "v"]), (c2, 0, ["GET", "k"]),
             (c1, 3, ["SELECT", "99"]), (c1, 0, ["SELECT", "0"]), (c1, 0, ["DBSIZE"]))


def test_transaction_shows_multi_then_queued_commands_at_exec(monitor, client):
    c1, c2 = client(), client()
    m = monitor()
    assert c1.raw("MULTI") == b"+OK\r\n"
    assert c1.raw("SET", "x", "1") == b"+QUEUED\r\n"
    assert c1.raw("SELECT", "5") == b"+QUEUED\r\n"
    c2.cmd("ECHO", "between")
    assert c1.raw("INCR", "x") == b"+QUEUED\r\n"
    c1.cmd("EXEC")
    c1.cmd("SELECT", "0")
    m.expect((c1, 0, ["MULTI"]), (c2, 0, ["ECHO", "between"]), (c1, 0, ["SET", "x", "1"]),
             (c1, 5, ["SELECT", "5"]), (c1, 5, ["INCR", "x"]), (c1, 5, ["EXEC"]),
             (c1, 0, ["SELECT", "0"]))


def test_aborted_and_discarded_transactions(monitor, client):
    c, other = client(), client()
    m = monitor()
    # EXECABORT: the queued SET never runs; the rejected GET is not shown; EXEC is.
    c.cmd("MULTI")
    c.cmd("SET", "x", "1")
    assert c.cmd("GET").startswith("ERR wrong number of arguments")
    assert c.cmd("EXEC").startswith("EXECABORT")
    # DISCARD
    c.cmd("MULTI")
    c.cmd("SET", "x", "2")
    c.cmd("DISCARD")
    # WATCH abort: EXEC answers nil, the queued command is not shown.
    c.cmd("WATCH", "w")
    other.cmd("SET", "w", "changed")
    c.cmd("MULTI")
    c.cmd("GET", "w")
    c.raw("EXEC")
    # Errors while a transaction's commands run are shown like any failing command.
    c.cmd("MULTI")
    c.cmd("INCR", "w")
    c.cmd("EXEC")
    m.expect((c, 0, ["MULTI"]), (c, 0, ["EXEC"]),
             (c, 0, ["MULTI"]), (c, 0, ["DISCARD"]),
             (c, 0, ["WATCH", "w"]), (other, 0, ["SET", "w", "changed"]), (c, 0, ["MULTI"]),
             (c, 0, ["EXEC"]),
             (c, 0, ["MULTI"]), (c, 0, ["INCR", "w"]), (c, 0, ["EXEC"]))


def test_which_commands_are_shown(monitor, client):
    c = client()
    m = monitor()
    c.cmd("RPUSH", "l", "x")
    c.cmd("SET", "s", "abc")
    # Rejected before running: not shown.
    assert c.cmd("NOSUCHCOMMAND", "a").startswith("ERR unknown command")
    assert c.cmd("GET").startswith("ERR wrong number of arguments")
    assert c.cmd("GET", "a", "b").startswith("ERR wrong number of arguments")
    # Admin commands: not shown.
    c.cmd("CONFIG", "GET", "save")
    c.cmd("CLIENT", "LIST")
    c.cmd("CLIENT", "KILL", "ID", "999999999")
    # Failing while running: shown.
    assert c.cmd("GET", "l").startswith("WRONGTYPE")
    assert c.cmd("INCR", "s").startswith("ERR value is not an integer")
    assert c.cmd("SET", "k", "v", "EX", "0").startswith("ERR invalid expire time")
    # Other connection commands: shown.
    c.cmd("CLIENT", "GETNAME")
    c.cmd("ECHO", "end")
    m.expect((c, 0, ["RPUSH", "l", "x"]), (c, 0, ["SET", "s", "abc"]), (c, 0, ["GET", "l"]),
             (c, 0, ["INCR", "s"]), (c, 0, ["SET", "k", "v", "EX", "0"]),
             (c, 0, ["CLIENT", "GETNAME"]), (c, 0, ["ECHO", "end"]))


def test_argument_escaping(monitor, client):
    c = client()
    m = monitor()
    c.cmd("SET", "a b", 'x"y')
    c.cmd("ECHO", "\x01\n")
    c.cmd("ECHO", "\r\t\a\b\\")
    c.cmd("ECHO", "")
    c.send(encode_command(b"ECHO", b"\x7f\x80\xff\x00\x0b\x0c"))
    c.read()
    c.cmd("ECHO", "\u00e9 '`~{}")
    c.cmd("ECHO", "12345")
    # The exact bytes, written out (not through sds_repr).
    expected = [
        rb'"SET" "a b" "x\"y"',
        rb'"ECHO" "\x01\n"',
        rb'"ECHO" "\r\t\a\b\\"',
        rb'"ECHO" ""',
        rb'"ECHO" "\x7f\x80\xff\x00\x0b\x0c"',
        rb'"ECHO" "\xc3\xa9 ' + b"'`~{}" + rb'"',
        rb'"ECHO" "12345"',
    ]
    for want in expected:
        assert m.line() == (0, addr(c), want)
    # Every byte value, against the reference implementation of sdscatrepr.
    every = bytes(range(256))
    c.send(encode_command(b"SET", every, every[::-1]))
    c.read()
    assert m.line() == (0, addr(c), shown(b"SET", every, every[::-1]))


def test_pipelined_commands_in_order(monitor, client):
    c = client()
    m = monitor()
    c.send(b"".join(encode_command("SET", f"k{i}", str(i)) for i in range(50)))
    for _ in range(50):
        c.read()
    m.expect(*[(c, 0, ["SET", f"k{i}", str(i)]) for i in range(50)])


def test_blocking_command_shown_when_it_blocks(monitor, client):
    blocked, pusher = client(), client()
    m = monitor()
    blocked.send(encode_command("BLPOP", "l", "0"))
    m.expect((blocked, 0, ["BLPOP", "l", "0"]))
    pusher.cmd("RPUSH", "l", "x")
    assert blocked.read() in (["l", "x"], [b"l", b"x"])
    pusher.cmd("ECHO", "end")
    m.expect((pusher, 0, ["RPUSH", "l", "x"]), (pusher, 0, ["ECHO", "end"]))


def test_commands_of_the_monitoring_connection(monitor, client):
    c = client()
    m = monitor()
    mc = m.conn
    # Non-keyspace commands run; the reply comes first, then the command's own line.
    assert mc.raw("PING") == b"+PONG\r\n"
    m.expect((mc, 0, ["PING"]))
    assert mc.cmd("ECHO", "hi") == b"hi"
    m.expect((mc, 0, ["ECHO", "hi"]))
    # Keyspace commands are refused (and not shown).
    assert mc.raw("GET", "k") == b"-ERR Replica can't interact with the keyspace\r\n"
    assert mc.raw("SET", "k", "v") == b"-ERR Replica can't interact with the keyspace\r\n"
    # MONITOR again: no reply at all (the next reply is PING's).
    mc.send(encode_command("MONITOR"))
    assert mc.raw("PING") == b"+PONG\r\n"
    m.expect((mc, 0, ["PING"]))
    assert mc.raw("SELECT", "2") == b"+OK\r\n"
    m.expect((mc, 2, ["SELECT", "2"]))
    c.cmd("SET", "k", "v")
    m.expect((c, 0, ["SET", "k", "v"]))
    # RESET ends monitoring: the SET below is not shown before PING's reply.
    assert mc.raw("RESET") == b"+RESET\r\n"
    c.cmd("SET", "k", "w")
    assert mc.raw("PING") == b"+PONG\r\n"
    assert mc.cmd("GET", "k") == b"w"


def test_quit_from_the_monitoring_connection(monitor):
    m = monitor()
    assert m.conn.raw("QUIT") == b"+OK\r\n"
    assert m.conn.is_closed()


def test_monitor_inside_multi_fails_at_exec(client):
    c = client()
    assert c.raw("MULTI") == b"+OK\r\n"
    assert c.raw("MONITOR") == b"+QUEUED\r\n"
    assert c.raw("EXEC") == b"*1\r\n-ERR MONITOR isn't allowed for DENY BLOCKING client\r\n"
    assert c.raw("SET", "k", "v") == b"+OK\r\n"


def test_two_monitors_see_the_same_lines_but_not_monitor(monitor, client):
    c = client()
    m1, m2 = monitor(start=False), monitor(start=False)
    m1.start()
    m2.start()  # its MONITOR is not shown to m1
    c.cmd("SET", "a", "1")
    for m in (m1, m2):
        m.expect((c, 0, ["SET", "a", "1"]))


def test_script_commands_show_as_the_lua_client(monitor, client):
    # Redis's replicationFeedMonitors: a script's commands show as `[db lua]`, after the
    # EVAL line of the client that ran the script (MONITOR shows EVAL before it runs).
    c = client()
    m = monitor()
    c.cmd("EVAL", "redis.call('set', KEYS[1], 'bar')", "1", "mon:lua")
    assert m.line() == (0, addr(c), shown("EVAL", "redis.call('set', KEYS[1], 'bar')", "1",
                                           "mon:lua"))
    assert m.line() == (0, b"lua", shown("set", "mon:lua", "bar"))
