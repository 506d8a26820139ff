#!/usr/bin/env python3
"""Differential test: the same commands go to redis-server and to Memorabilia, and every
reply must be byte-for-byte the same, in RESP2 and in RESP3.

Per command family, two parts: hand-picked edge cases (options, errors, odd numbers), and a
seeded random sequence of the family's commands over a small keyspace, good and bad arguments
mixed. Strings and the keyspace live here; every other family is a `diff_<family>.py` module
found next to this file (see `families()`).

A case is a list of steps, run in order on both servers (redis-server first). A step is a
command (a list of arguments) sent on the main connection, or one of:

    ["@1", "SET", "k", "v"]   the command on connection 1 of this case (any N >= 1; "@0" is the
                              main connection). Extra connections are opened on first use, in the
                              case's protocol (HELLO 3 first in the RESP3 pass), and closed when
                              the case ends.
    ["@1>", "BLPOP", "l", "0"]   send only: the reply stays pending on that connection
    ["@1<"]                      read the oldest pending reply of that connection and compare it
    ["SLEEP", "300"]             sleep 300 ms; nothing is sent
    ["WAITBLOCKED", "1"]         poll INFO clients (on a separate connection) until the server
                                 reports blocked_clients:1 (5 s at most); the final
                                 "blocked_clients:N" is compared. Use it after a "@N>" of a
                                 blocking command so the next step cannot overtake it.
    ["@1!"]                      read the next frame that arrives on connection 1 without sending
                                 anything (a message pushed by PUBLISH, or one of the further
                                 replies of SUBSCRIBE a b ...: one per channel) and compare it;
                                 nothing within 5 s reads as "(no frame within 5 s)"
    ["DRAIN", "1"]               send PING on connection 1 and read every frame up to its reply
                                 (+PONG, the RESP2 subscribed ["pong", ""], or any +status or
                                 -error, e.g. +QUEUED); the list of frames is compared
    ["IF_RESP", "3", <step>]     the step only in the RESP3 pass (or "2": only in the RESP2 pass),
                                 for the few pub/sub sequences whose frames differ by protocol

An argument written "$ID:n" is replaced, on each server, by the CLIENT ID of that server's
connection n (asked once per case with CLIENT ID on connection n, so reference it before n
subscribes in RESP2; a ["@n", "CLIENT", "ID"] step teaches it too). Integer frames equal to a
known connection id are compared as ":$ID:n" in the replies of CLIENT ID / GETREDIR /
TRACKINGINFO and in frames read by "@N!" / DRAIN / the end-of-case drain (e.g. the RESP3
tracking-redir-broken push), so replies naming connections compare across servers. Only cases
that used "$ID:n" or CLIENT ID have known ids: other replies are never rewritten.

A plain step or "@N" reads exactly one frame: after SUBSCRIBE a b, the reply for b is read with
"@N!"; on a RESP3 subscriber, a message pushed before a command's reply is what that command's
step reads (the same order on both servers, so still compared frame by frame).

A case must read every pending reply; one left unread counts as a difference. Connections that
ran a (P|S)(UN)SUBSCRIBE, a CLIENT TRACKING or a "@N!" / DRAIN step are drained like DRAIN when
the case ends (the frames left are compared, a difference if they differ), and a main connection
left that way is RESET (then HELLO 3 in the RESP3 pass). Before every
case, before the random part and after it, the main connection is put back in a known state
(DISCARD, UNWATCH, SELECT 0, and HELLO 3 in the RESP3 pass; replies ignored), so a case or a
random sequence that leaves a MULTI open, a WATCH, another database or RESP2 (RESET) behind
cannot disturb what follows. A random generator may return any step above, too.

A family module may also define CLEANUP, a list of commands sent on both main connections
(replies ignored) after that reset, before every case and after the random part: server state
a case sets and undoes in its last steps (e.g. CONFIG SET notify-keyspace-events) is undone
even when the case stopped early at a difference.

Usage: differential.py REDIS_PORT MEMORABILIA_PORT [--ops N] [--seed S] [--family NAME]
Exits non-zero if any case or random sequence differs, printing the command history that led
to each difference (the first one of each case or sequence).
"""

import argparse
import collections
import glob
import importlib
import os
import random
import select
import socket
import sys
import time


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        """Reads one reply and returns its raw bytes."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        raw = line + b"\r\n"
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n >= 0:
                raw += self._exact(n + 2)
        elif kind in (b"*", b"~", b">", b"%"):
            n = int(rest)
            if kind == b"%":
                n *= 2
            for _ in range(max(n, 0)):
                raw += self.reply()
        return raw

    def call(self, args):
        self.sock.sendall(encode(args))
        return self.reply()

    def reply_within(self, seconds):
        """The next reply, or a marker when nothing starts arriving within `seconds` (a pushed
        message that never comes must not stall the run for the socket timeout)."""
        if not self.buf:
            readable, _, _ = select.select([self.sock], [], [], seconds)
            if not readable:
                return b"(no frame within %d s)" % seconds
        return self.reply()

    def send(self, args):
        self.sock.sendall(encode(args))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Session:
    """The connections to one server during one case: 0 is the family's main connection
    (kept), the others are opened on first use and closed by close()."""

    def __init__(self, port, main, protocol):
        self.port = port
        self.protocol = protocol
        self.conns = {0: main}
        self.pending = collections.defaultdict(collections.deque)
        self.control = None
        # Connections that (un)subscribed, enabled tracking or read pushed frames: drained
        # when the case ends.
        self.pubsub = set()
        # Client ids of this server's connections ("$ID:n" arguments, CLIENT ID replies).
        self.ids = {}

    def _note(self, index, args):
        if args and isinstance(args[0], str) and args[0].upper() in PUBSUB_COMMANDS:
            self.pubsub.add(index)
        if _words(args) == "CLIENT TRACKING":
            self.pubsub.add(index)

    def client_id(self, index):
        """The CLIENT ID of connection `index` (opened if needed), asked once."""
        if index not in self.ids:
            if self.pending[index]:
                raise HarnessError(f"$ID:{index}: connection {index} has pending replies")
            reply = self.conn(index).call(["CLIENT", "ID"])
            if reply[:1] != b":":
                raise HarnessError(f"$ID:{index}: CLIENT ID answered {reply!r} (reference "
                                   f"$ID:{index} before connection {index} subscribes)")
            self.ids[index] = int(reply[1:-2])
        return str(self.ids[index])

    def resolve(self, args):
        """args with every "$ID:n" replaced by this server's id of connection n."""
        return [self.client_id(int(a[4:])) if isinstance(a, str) and a.startswith("$ID:")
                and a[4:].isdigit() else a for a in args]

    def map_ids(self, raw):
        """raw (bytes, or a list of frames) with each integer frame equal to the id of a known
        connection n written ":$ID:n"."""
        if not self.ids:
            return raw
        if isinstance(raw, list):
            return [self.map_ids(frame) for frame in raw]
        if not isinstance(raw, bytes):
            return raw  # a marker such as "(connection closed)"
        names = {b"%d" % cid: b"$ID:%d" % index for index, cid in self.ids.items()}
        out, i = [], 0
        while i < len(raw):
            j = raw.find(b"\r\n", i)
            if j < 0:
                out.append(raw[i:])
                break
            kind, rest = raw[i:i + 1], raw[i + 1:j]
            end = j + 2
            if kind in (b"$", b"=", b"!") and rest.lstrip(b"-").isdigit() and int(rest) >= 0:
                end += int(rest) + 2  # a bulk's content is never rewritten
            elif kind == b":" and rest in names:
                out.append(b":" + names[rest] + b"\r\n")
                i = end
                continue
            out.append(raw[i:end])
            i = end
        return b"".join(out)

    def learn_id(self, index, args, reply):
        """A CLIENT ID reply tells the id of the connection that asked."""
        if _words(args) == "CLIENT ID" and len(args) == 2 and reply[:1] == b":":
            self.ids.setdefault(index, int(reply[1:-2]))

    def conn(self, index):
        if index not in self.conns:
            conn = Conn(self.port)
            if self.protocol == 3:
                conn.call(["HELLO", "3"])
            self.conns[index] = conn
        return self.conns[index]

    def call(self, index, args):
        if self.pending[index]:
            raise HarnessError(f"@{index} still has {len(self.pending[index])} unread "
                               f"reply(ies): read them with \"@{index}<\" first")
        self._note(index, args)
        resolved = self.resolve(args)
        reply = self.conn(index).call(resolved)
        self.learn_id(index, args, reply)
        return reply

    def send(self, index, args):
        self._note(index, args)
        self.conn(index).send(self.resolve(args))
        self.pending[index].append(args)

    def pushed(self, index):
        """The next frame of a connection with no pending reply (a pushed message, or a further
        reply of a multi-channel (UN)SUBSCRIBE)."""
        if self.pending[index]:
            raise HarnessError(f"@{index}!: connection {index} has pending replies; "
                               f"read them with \"@{index}<\" first")
        self.pubsub.add(index)
        return self.conn(index).reply_within(5)

    def drain(self, index):
        """PING on the connection, then every frame up to and including PING's reply."""
        if self.pending[index]:
            raise HarnessError(f"DRAIN {index}: connection {index} has pending replies")
        self.pubsub.add(index)
        conn = self.conn(index)
        conn.send(["PING"])
        frames = []
        while True:
            frame = conn.reply()
            frames.append(frame)
            if frame[:1] in (b"+", b"-") or frame == RESP2_SUBSCRIBED_PONG:
                return frames

    def drain_leftovers(self):
        """{connection: frames} for every pub/sub connection still open and without pending
        replies, drained through a PING; a connection the server closed reads as a marker."""
        left = {}
        for index in sorted(self.pubsub):
            if index in self.conns and not self.pending[index]:
                try:
                    left[index] = self.drain(index)
                except OSError:
                    left[index] = ["(connection closed)"]
        return left

    def receive(self, index):
        if not self.pending[index]:
            raise HarnessError(f"@{index}<: no pending reply on connection {index}")
        cmd, reply = self.pending[index].popleft(), self.conns[index].reply()
        self.learn_id(index, cmd, reply)
        return cmd, reply

    def blocked_clients(self, wanted, timeout=5.0):
        """Polls INFO clients until blocked_clients is `wanted` or the timeout passes."""
        if self.control is None:
            self.control = Conn(self.port)
        deadline = time.monotonic() + timeout
        while True:
            info = self.control.call(["INFO", "clients"])
            count = None
            for line in info.split(b"\r\n"):
                if line.startswith(b"blocked_clients:"):
                    count = int(line.split(b":", 1)[1])
            if count == wanted or time.monotonic() > deadline:
                return b"blocked_clients:%s" % (b"?" if count is None else str(count).encode())
            time.sleep(0.005)

    def close(self):
        """Closes the extra connections; returns the commands whose replies were never read.
        Unread replies of the main connection are read (and dropped) to keep it in step."""
        unread = [(i, cmd) for i, queue in sorted(self.pending.items()) for cmd in queue]
        for _ in self.pending[0]:
            self.conns[0].reply()
        self.pending.clear()
        if 0 in self.pubsub:
            # The main connection may still be subscribed: RESET ends that (and RESP3).
            main = self.conns[0]
            main.send(["RESET"])
            while main.reply()[:1] not in (b"+", b"-"):
                pass
            if self.protocol == 3:
                main.call(["HELLO", "3"])
        self.pubsub.clear()
        for index, conn in list(self.conns.items()):
            if index != 0:
                conn.close()
                del self.conns[index]
        if self.control is not None:
            self.control.close()
            self.control = None
        return unread


class HarnessError(Exception):
    """A case that the harness cannot run as written (not a difference between servers)."""


PSEUDO_COMMANDS = ("SLEEP", "WAITBLOCKED", "DRAIN", "IF_RESP")

# Commands after which a connection may receive pushed frames (drained when a case ends).
PUBSUB_COMMANDS = {"SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE",
                   "SUNSUBSCRIBE"}
RESP2_SUBSCRIBED_PONG = b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"

# Commands whose replies name connections by client id (compared through Session.map_ids).
ID_REPLIES = {"CLIENT ID", "CLIENT GETREDIR", "CLIENT TRACKINGINFO"}


def _words(args):
    """The first two arguments, upper case, as one string ("CLIENT TRACKING")."""
    return " ".join(a.upper() for a in args[:2] if isinstance(a, str))


def parse_step(step):
    """(connection index, mode, arguments) of a step; mode is "" (send and compare the
    reply), ">" (send only), "<" (read a pending reply) or "!" (read a pushed frame)."""
    head = step[0] if step else ""
    if isinstance(head, str) and head.startswith("@"):
        tag, mode = head[1:], ""
        if tag[-1:] in (">", "<", "!"):
            tag, mode = tag[:-1], tag[-1]
        return int(tag or 0), mode, list(step[1:])
    return 0, "", step


def reset_main(conn, protocol):
    """Puts the main connection back in a known state whatever a case left behind: no
    MULTI, no WATCH, database 0 and the pass's protocol (RESET would switch to RESP2)."""
    for args in (["DISCARD"], ["UNWATCH"], ["SELECT", "0"]):
        conn.call(args)
    if protocol == 3:
        conn.call(["HELLO", "3"])


# Commands whose replies legitimately differ (server identity, time, randomness).
NONDETERMINISTIC = {"RANDOMKEY", "TIME", "INFO", "CLIENT", "HELLO", "OBJECT IDLETIME"}

EDGE_CASES = [
    # SET options and errors
    [["SET", "k", "v", "NX", "XX"]],
    [["SET", "k", "v", "EX", "0"]],
    [["SET", "k", "v", "EX", "-1"]],
    [["SET", "k", "v", "PX", "abc"]],
    [["SET", "k", "v", "EX", "10", "PX", "100"]],
    [["SET", "k", "v", "KEEPTTL", "EX", "10"]],
    [["SET", "k", "v", "EX", "9223372036854775807"]],
    [["SET", "k", "v", "EXAT", "1"], ["GET", "k"], ["EXISTS", "k"]],
    [["SET", "k", "v", "GET"], ["SET", "k", "w", "GET"], ["SET", "k", "x", "NX", "GET"]],
    [["SET", "k", "v", "EX", "100"], ["SET", "k", "w", "KEEPTTL"], ["TTL", "k"]],
    [["SET", "k", "v", "EX", "100"], ["SET", "k", "w"], ["TTL", "k"]],
    [["SET", "k", "v", "XX"], ["SET", "k", "v", "NX"], ["SET", "k", "w", "NX"], ["GET", "k"]],
    [["SET", "k"]],
    [["SET", "k", "v", "FOO"]],
    [["SETEX", "k", "0", "v"], ["PSETEX", "k", "-5", "v"], ["SETEX", "k", "x", "v"]],
    [["SETEX", "k", "100", "v"], ["TTL", "k"], ["SETNX", "k", "w"], ["SETNX", "n", "w"]],
    # Integers
    [["INCR", "n"], ["INCRBY", "n", "10"], ["DECR", "n"], ["DECRBY", "n", "-5"], ["GET", "n"]],
    [["SET", "n", "9223372036854775807"], ["INCR", "n"], ["DECRBY", "n", "-1"]],
    [["SET", "n", "-9223372036854775808"], ["DECR", "n"]],
    [["DECRBY", "n", "-9223372036854775808"]],
    [["SET", "n", " 1"], ["INCR", "n"], ["SET", "n", "+1"], ["INCR", "n"], ["SET", "n", "01"], ["INCR", "n"]],
    [["INCRBY", "n", "1.5"], ["INCRBY", "n", "abc"], ["INCRBY", "n", "99999999999999999999"]],
    # Floats
    [["SET", "f", "0.1"], ["INCRBYFLOAT", "f", "0.2"], ["INCRBYFLOAT", "f", "1e3"], ["GET", "f"]],
    [["INCRBYFLOAT", "f", "inf"], ["INCRBYFLOAT", "f", "nan"], ["INCRBYFLOAT", "f", "abc"]],
    [["SET", "f", "abc"], ["INCRBYFLOAT", "f", "1"]],
    [["SET", "f", "10.50"], ["INCRBYFLOAT", "f", "0.1"], ["INCRBYFLOAT", "f", "-5.0e3"]],
    [["SET", "f", "5.0e3"], ["INCRBYFLOAT", "f", "2.0e2"], ["OBJECT", "ENCODING", "f"]],
    # Ranges
    [["SET", "s", "Hello World"], ["GETRANGE", "s", "0", "4"], ["GETRANGE", "s", "-5", "-1"],
     ["GETRANGE", "s", "5", "2"], ["GETRANGE", "s", "-100", "100"], ["SUBSTR", "s", "0", "-1"],
     ["GETRANGE", "s", "x", "1"], ["GETRANGE", "nokey", "0", "10"]],
    [["SETRANGE", "s", "5", "abc"], ["GET", "s"], ["SETRANGE", "s", "-1", "x"],
     ["SETRANGE", "s", "0", ""], ["SETRANGE", "e", "0", ""], ["EXISTS", "e"],
     ["SETRANGE", "s", "536870912", "x"]],
    [["APPEND", "a", "x"], ["APPEND", "a", "yz"], ["STRLEN", "a"], ["STRLEN", "nokey"],
     ["OBJECT", "ENCODING", "a"]],
    # Multi-key strings
    [["MSET", "a", "1", "b", "2"], ["MGET", "a", "b", "c"], ["MSETNX", "c", "3", "a", "9"],
     ["MSETNX", "c", "3", "d", "4"], ["MGET", "a", "b", "c", "d"]],
    [["MSET", "a"], ["MSET", "a", "1", "b"], ["MSETNX", "a"]],
    [["GETSET", "g", "1"], ["GETSET", "g", "2"], ["GETDEL", "g"], ["GETDEL", "g"]],
    [["SET", "g", "v"], ["GETEX", "g", "EX", "100"], ["TTL", "g"], ["GETEX", "g", "PERSIST"],
     ["TTL", "g"], ["GETEX", "g", "EX", "0"], ["GETEX", "g", "PX", "10", "EX", "10"],
     ["GETEX", "g", "FOO"], ["GETEX", "nokey", "EX", "10"]],
    # LCS
    [["MSET", "k1", "ohmytext", "k2", "mynewtext"], ["LCS", "k1", "k2"],
     ["LCS", "k1", "k2", "LEN"], ["LCS", "k1", "k2", "IDX"],
     ["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
     ["LCS", "k1", "k2", "LEN", "IDX"], ["LCS", "k1", "nokey"], ["LCS", "k1", "k2", "FOO"]],
    # Keys
    [["SET", "a", "1"], ["EXPIRE", "a", "100", "NX"], ["EXPIRE", "a", "200", "NX"],
     ["EXPIRE", "a", "50", "GT"], ["EXPIRE", "a", "500", "GT"], ["TTL", "a"],
     ["EXPIRE", "a", "10", "LT"], ["TTL", "a"], ["EXPIRE", "a", "10", "NX", "XX"],
     ["EXPIRE", "a", "10", "GT", "LT"], ["EXPIRE", "a", "10", "FOO"], ["PERSIST", "a"],
     ["PERSIST", "a"], ["EXPIRE", "a", "10", "XX"], ["EXPIRE", "a", "100", "GT"], ["TTL", "a"]],
    [["SET", "a", "1"], ["EXPIRE", "a", "-1"], ["EXISTS", "a"], ["EXPIRE", "nokey", "10"],
     ["EXPIRE", "a", "abc"], ["PEXPIRE", "a", "9223372036854775807"]],
    [["SET", "a", "1"], ["EXPIREAT", "a", "4102444800"], ["EXPIRETIME", "a"],
     ["PEXPIRETIME", "a"], ["PEXPIREAT", "a", "4102444800123"], ["PEXPIRETIME", "a"],
     ["EXPIRETIME", "nokey"], ["SET", "b", "1"], ["EXPIRETIME", "b"], ["TTL", "nokey"],
     ["PTTL", "b"]],
    [["MSET", "a", "1", "b", "2"], ["DEL", "a", "b", "c", "a"], ["UNLINK", "a"],
     ["EXISTS", "a", "a", "b"], ["TYPE", "a"], ["SET", "a", "1"], ["EXISTS", "a", "a"],
     ["TYPE", "a"], ["TOUCH", "a", "b", "a"]],
    [["SET", "a", "1"], ["RENAME", "a", "b"], ["GET", "b"], ["RENAME", "a", "c"],
     ["RENAME", "b", "b"], ["SET", "c", "x"], ["RENAMENX", "b", "c"], ["RENAMENX", "b", "d"],
     ["RENAMENX", "nokey", "z"], ["RENAME", "d", "d"]],
    [["SET", "a", "1", "EX", "100"], ["RENAME", "a", "b"], ["TTL", "b"]],
    [["SET", "a", "1"], ["COPY", "a", "b"], ["COPY", "a", "b"], ["COPY", "a", "b", "REPLACE"],
     ["COPY", "a", "a"], ["COPY", "nokey", "x"], ["COPY", "a", "b", "DB", "1"],
     ["COPY", "a", "b", "DB", "99"], ["COPY", "a", "b", "DB", "x"], ["COPY", "a", "b", "FOO"],
     ["SELECT", "1"], ["GET", "b"], ["SELECT", "0"]],
    # MOVE: the value and its TTL go; 0 when missing here or present there; errors.
    [["SET", "a", "1", "EX", "100"], ["MOVE", "a", "1"], ["EXISTS", "a"], ["MOVE", "a", "1"],
     ["SELECT", "1"], ["GET", "a"], ["PERSIST", "a"], ["SET", "b", "there"], ["SELECT", "0"],
     ["SET", "b", "here"], ["MOVE", "b", "1"], ["GET", "b"], ["MOVE", "b", "0"],
     ["MOVE", "b", "16"], ["MOVE", "b", "-1"], ["MOVE", "b", "x"], ["MOVE", "b", "4294967296"],
     ["MOVE", "b"], ["MOVE", "b", "1", "2"], ["MOVE", "nokey", "2"],
     ["RPUSH", "l", "x", "y"], ["MOVE", "l", "2"], ["SELECT", "2"], ["LRANGE", "l", "0", "-1"],
     ["MULTI"], ["MOVE", "l", "0"], ["MOVE", "l", "0"], ["EXEC"], ["SELECT", "0"],
     ["LRANGE", "l", "0", "-1"]],
    [["MSET", "key1", "a", "key2", "b", "kex", "c", "other", "d"], ["KEYS", "key?"],
     ["KEYS", "ke[xy]*"], ["KEYS", "*[^1]"], ["KEYS", "nomatch*"]],
    [["SET", "i", "12345"], ["SET", "e", "hello"], ["SET", "r", "x" * 45],
     ["OBJECT", "ENCODING", "i"], ["OBJECT", "ENCODING", "e"], ["OBJECT", "ENCODING", "r"],
     ["OBJECT", "REFCOUNT", "i"], ["OBJECT", "REFCOUNT", "e"], ["OBJECT", "ENCODING", "nokey"],
     ["OBJECT", "FREQ", "i"], ["OBJECT", "FOO", "i"], ["OBJECT", "HELP"], ["OBJECT"]],
    [["SCAN", "abc"], ["SCAN", "0", "COUNT", "0"], ["SCAN", "0", "MATCH"], ["SCAN", "0", "FOO", "1"]],
    # Connection and server
    [["PING"], ["PING", "hi"], ["PING", "a", "b"], ["ECHO", "x"], ["ECHO"]],
    [["SELECT", "16"], ["SELECT", "-1"], ["SELECT", "x"], ["SELECT", "15"], ["SELECT", "0"]],
    [["DBSIZE"], ["SET", "x", "1"], ["DBSIZE"], ["FLUSHDB"], ["DBSIZE"], ["FLUSHDB", "ASYNC"],
     ["FLUSHALL", "SYNC"], ["FLUSHDB", "FOO"]],
    [["CONFIG", "GET", "save"], ["CONFIG", "GET", "appendonly"], ["CONFIG", "GET", "databases"],
     ["CONFIG", "SET", "nosuchparam", "1"], ["CONFIG", "GET", "nosuchparam"], ["CONFIG"],
     ["CONFIG", "FOO"], ["CONFIG", "SET", "maxclients"]],
    [["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "a b"], ["CLIENT", "SETNAME", "ab"],
     ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", ""], ["CLIENT", "GETNAME"], ["CLIENT", "FOO"]],
    [["GET"], ["GET", "a", "b"], ["NOSUCHCOMMAND", "a", "b"], ["nosuch"], ["COMMAND", "COUNT", "x"]],
]

WRONGTYPE_CASES = [
    # A list is made with LPUSH only against redis-server; both sides get the same key via
    # a type both servers have: none yet, so WRONGTYPE is covered by unit tests instead.
]

KEYS = ["a", "b", "c", "n", "f"]
VALUES = ["", "0", "1", "-1", "10", "3.5", "abc", "hello world", "9223372036854775807",
          "-9223372036854775808", "1e3", " 1", "007", "x" * 50]
NUMBERS = ["0", "1", "-1", "2", "100", "-100", "abc", "1.5", "9223372036854775807",
           "-9223372036854775808", "99999999999999999999", ""]


# Absolute expiry times (2100-01-01 and a day later) keep replies independent of the moment
# each server runs the command; relative ones (EX 1000) could round differently.
FUTURE = "4102444800"
FUTURE2 = "4102531200"


def random_command(rng):
    k = rng.choice(KEYS)
    k2 = rng.choice(KEYS)
    v = rng.choice(VALUES)
    n = rng.choice(NUMBERS)
    n2 = rng.choice(NUMBERS)
    options = [
        ["SET", k, v],
        ["SET", k, v, rng.choice(["NX", "XX", "GET", "KEEPTTL"])],
        ["SET", k, v, "EXAT", rng.choice([FUTURE, FUTURE2, "0", "-1", "abc"])],
        ["SET", k, v, rng.choice(["NX", "XX"]), "GET"],
        ["GET", k], ["GETDEL", k], ["GETSET", k, v], ["SETNX", k, v],
        ["GETEX", k, "PERSIST"],
        ["GETEX", k, rng.choice(["EXAT", "PXAT"]), rng.choice([FUTURE, "0", "x"])],
        # A relative EX would make PEXPIRETIME depend on each server's clock: only errors here.
        ["GETEX", k, "EX", rng.choice(["0", "-1", "x"])],
        ["APPEND", k, v], ["STRLEN", k],
        ["INCR", k], ["DECR", k], ["INCRBY", k, n], ["DECRBY", k, n],
        ["INCRBYFLOAT", k, rng.choice(["0.1", "-1.5", "1e2", "abc", "3", "-0.1"])],
        ["GETRANGE", k, n, n2], ["SETRANGE", k, rng.choice(["0", "1", "5", "-1", "x"]), v],
        ["MSET", k, v, k2, v], ["MGET", k, k2, "zz"], ["MSETNX", k, v, k2, v],
        ["DEL", k, k2], ["EXISTS", k, k2, k], ["TYPE", k], ["TOUCH", k, k2],
        ["EXPIREAT", k, rng.choice([FUTURE, FUTURE2, "-1", "abc"]),
         rng.choice(["NX", "XX", "GT", "LT"])],
        ["EXPIREAT", k, rng.choice([FUTURE, FUTURE2])], ["PERSIST", k],
        ["EXPIRETIME", k], ["PEXPIRETIME", k],
        ["RENAME", k, k2], ["RENAMENX", k, k2], ["COPY", k, k2],
        ["COPY", k, k2, "REPLACE"], ["OBJECT", "ENCODING", k], ["OBJECT", "REFCOUNT", k],
        ["LCS", k, k2], ["LCS", k, k2, "LEN"], ["LCS", k, k2, "IDX", "WITHMATCHLEN"],
        ["DBSIZE"], ["KEYS", rng.choice(["*", "a*", "[ab]", "?"])],
    ]
    return rng.choice(options)


def sorted_keys_reply(raw):
    """KEYS order is unspecified: compare as a sorted multiset of lines."""
    return sorted(raw.split(b"\r\n"))


def compare(history, cmd, ra, rb, normalize=None):
    """`cmd` may carry a connection prefix ("@1", "@1<" ...): it is printed as given and
    stripped for KEYS and `normalize`."""
    shown = cmd
    _, _, cmd = parse_step(cmd)
    if cmd and cmd[0] == "reply to:":
        cmd = cmd[1:]
    a, b = ra, rb
    if not cmd:
        pass
    elif cmd[0].upper() == "KEYS":
        a, b = sorted_keys_reply(ra), sorted_keys_reply(rb)
    elif normalize is not None:
        a, b = normalize(cmd, ra), normalize(cmd, rb)
    if a != b:
        print("DIFFERENCE after:", file=sys.stderr)
        for h in history[-30:]:
            print("   ", h, file=sys.stderr)
        print("command:", shown, file=sys.stderr)
        print("redis-server:", ra, file=sys.stderr)
        print("memorabilia: ", rb, file=sys.stderr)
        return False
    return True


# Per family: the module's CLEANUP commands (see the module docstring), filled by families().
CLEANUP = {}


def run_cleanup(name, ref, mem):
    """The family's CLEANUP commands on both main connections, replies ignored."""
    for args in CLEANUP.get(name, ()):
        ref.call(args)
        mem.call(args)


def families():
    """(name, edge cases, random command generator, reply normalizer) per command family:
    strings and the keyspace here, one `diff_<family>.py` module next to this file for each
    other family (each defines EDGE_CASES, random_command(rng) and optionally
    normalize(cmd, raw) for replies whose order Redis leaves unspecified)."""
    found = [("strings+keys", EDGE_CASES, random_command, None)]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    for path in sorted(glob.glob(os.path.join(here, "diff_*.py"))):
        name = os.path.basename(path)[:-3]
        module = importlib.import_module(name)
        found.append((name[len("diff_"):], module.EDGE_CASES, module.random_command,
                      getattr(module, "normalize", None)))
        CLEANUP[name[len("diff_"):]] = getattr(module, "CLEANUP", [])
    return found


def run_step(step, ref, mem, history, normalize):
    """Runs one step on both sessions (redis-server first); False on a difference."""
    index, mode, args = parse_step(step)
    name = args[0].upper() if args and isinstance(args[0], str) else ""
    if mode == "" and name in PSEUDO_COMMANDS:
        if index != 0:
            raise HarnessError(f"{step}: {name} takes no connection prefix")
        if name == "IF_RESP":
            if int(args[1]) != ref.protocol:
                return True
            return run_step(list(args[2:]), ref, mem, history, normalize)
        history.append(step)
        if name == "DRAIN":
            which = int(args[1])
            return compare(history, step, ref.map_ids(ref.drain(which)),
                           mem.map_ids(mem.drain(which)), normalize)
        if name == "SLEEP":
            time.sleep(int(args[1]) / 1000)
            return True
        wanted = int(args[1])
        return compare(history, step, ref.blocked_clients(wanted), mem.blocked_clients(wanted))
    if mode == ">":
        history.append(step)
        ref.send(index, args)
        mem.send(index, args)
        return True
    if mode == "!":
        shown = [f"@{index}!"]
        history.append(shown)
        return compare(history, shown, ref.map_ids(ref.pushed(index)),
                       mem.map_ids(mem.pushed(index)))
    if mode == "<":
        cmd, ra = ref.receive(index)
        _, rb = mem.receive(index)
        shown = [f"@{index}<", "reply to:"] + list(cmd)
        history.append(shown)
        if _words(cmd) in ID_REPLIES:
            ra, rb = ref.map_ids(ra), mem.map_ids(rb)
        return compare(history, shown, ra, rb, normalize)
    history.append(step)
    ra, rb = ref.call(index, args), mem.call(index, args)
    if _words(args) in ID_REPLIES:
        ra, rb = ref.map_ids(ra), mem.map_ids(rb)
    return compare(history, step, ra, rb, normalize)


def run_steps(steps, ref, mem, protocol, normalize):
    """Runs a case (or a random sequence) on fresh sessions around the main connections
    ref and mem; returns 1 on a difference (the first one ends the case), else 0."""
    sessions = Session(ref.port, ref, protocol), Session(mem.port, mem, protocol)
    history = []
    failed = False
    try:
        for step in steps:
            if not run_step(step, *sessions, history, normalize):
                failed = True
                break
    except (OSError, HarnessError):
        # A server closed a connection or did not answer in time (socket timeout): show
        # where, then stop the run (the main connections may be out of step).
        print("ERROR after:", file=sys.stderr)
        for h in history[-30:]:
            print("   ", h, file=sys.stderr)
        raise
    finally:
        try:
            left = [{i: s.map_ids(frames) for i, frames in s.drain_leftovers().items()}
                    for s in sessions]
            unread = [s.close() for s in sessions]
        except OSError:
            left, unread = [{}, {}], [[], []]
    if not failed and left[0] != left[1]:
        normalized = [{i: normalize(["DRAIN", str(i)], frames) if normalize else frames
                       for i, frames in side.items()} for side in left]
        if normalized[0] != normalized[1]:
            print("DIFFERENCE: frames left unread at the end of the case (drained with PING):",
                  file=sys.stderr)
            for h in history[-30:]:
                print("   ", h, file=sys.stderr)
            print("redis-server:", left[0], file=sys.stderr)
            print("memorabilia: ", left[1], file=sys.stderr)
            failed = True
    if not failed and any(unread):
        print("DIFFERENCE: the case ended with unread replies:",
              ", ".join(f"@{i} {cmd}" for i, cmd in unread[0] or unread[1]), file=sys.stderr)
        for h in history[-30:]:
            print("   ", h, file=sys.stderr)
        failed = True
    return int(failed)


def run_family(ref, mem, protocol, family, ops, seed):
    name, edge_cases, generator, normalize = family
    failures = 0
    for case in edge_cases:
        # Each case starts from empty databases, database 0, no MULTI and no WATCH.
        reset_main(ref, protocol)
        reset_main(mem, protocol)
        run_cleanup(name, ref, mem)
        ref.call(["FLUSHALL"])
        mem.call(["FLUSHALL"])
        failures += run_steps(case, ref, mem, protocol, normalize)
    rng = random.Random(seed + protocol)
    reset_main(ref, protocol)
    reset_main(mem, protocol)
    run_cleanup(name, ref, mem)
    ref.call(["FLUSHALL"])
    mem.call(["FLUSHALL"])
    failures += run_steps((generator(rng) for _ in range(ops)), ref, mem, protocol, normalize)
    # A random sequence may end inside a MULTI, after a WATCH or in another database.
    reset_main(ref, protocol)
    reset_main(mem, protocol)
    run_cleanup(name, ref, mem)
    print(f"RESP{protocol} {name}: {len(edge_cases)} edge cases and {ops} random commands compared")
    return failures


def run(redis_port, mem_port, ops, seed, only=None):
    failures = 0
    for protocol in (2, 3):
        ref, mem = Conn(redis_port), Conn(mem_port)
        if protocol == 3:
            # HELLO replies differ in server identity; only the switch matters here.
            ref.call(["HELLO", "3"])
            mem.call(["HELLO", "3"])
        for family in families():
            if only is None or family[0] == only:
                failures += run_family(ref, mem, protocol, family, ops, seed)
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("redis_port", type=int)
    parser.add_argument("memorabilia_port", type=int)
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--family", help="run only this family (e.g. strings+keys, lists)")
    args = parser.parse_args()
    failures = run(args.redis_port, args.memorabilia_port, args.ops, args.seed, args.family)
    if failures:
        print(f"differential: {failures} difference(s)", file=sys.stderr)
        sys.exit(1)
    print("differential: replies identical")


if __name__ == "__main__":
    main()
