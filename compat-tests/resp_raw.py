"""Minimal raw RESP2/RESP3 client used by the compatibility suite.

It exists so tests can assert the *exact* wire shape of replies (simple string
vs bulk string, map vs flat array, null kinds, doubles...), which a high level
client such as redis-py normalises away.
"""
import socket

__all__ = ["RawConn", "Status", "Error", "Map", "Set", "Push", "Double",
           "Verbatim", "BigNum", "Bool", "Attr", "NullBulk", "NullArray",
           "Null", "encode_command", "ProtocolClosed", "strict_eq"]


class Status(str):
    """+simple string. Never equal to an Error carrying the same text."""
    def __eq__(self, other):
        if isinstance(other, Error):
            return False
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self):
        return f"Status({str.__repr__(self)})"


class Error(str):
    """-error / !bulk error (returned, never raised).
    Never equal to a Status carrying the same text."""
    def __eq__(self, other):
        if isinstance(other, Status):
            return False
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self):
        return f"Error({str.__repr__(self)})"


class Map(list):
    """RESP3 %map, kept as an ordered list of (key, value) pairs."""
    def as_dict(self):
        return dict(self)

    def __repr__(self):
        return f"Map({list.__repr__(self)})"


class Set(list):
    def __repr__(self):
        return f"Set({list.__repr__(self)})"


class Push(list):
    def __repr__(self):
        return f"Push({list.__repr__(self)})"


class Attr(list):
    pass


class Double(float):
    """RESP3 ,double ; .raw keeps the textual form sent by the server"""
    raw = b""

    def __repr__(self):
        return f"Double({self.raw!r})"


class Verbatim(bytes):
    fmt = b""


class BigNum(int):
    pass


class Bool:
    def __init__(self, v):
        self.v = bool(v)

    def __eq__(self, other):
        return isinstance(other, Bool) and other.v == self.v

    def __repr__(self):
        return f"Bool({self.v})"


class _NullType:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __bool__(self):
        return False


NullBulk = _NullType("NullBulk")     # RESP2 $-1
NullArray = _NullType("NullArray")   # RESP2 *-1
Null = _NullType("Null")             # RESP3 _


class ProtocolClosed(Exception):
    pass


def strict_eq(a, b):
    """Deep equality that also requires identical RESP types at every level
    (Map vs list, Set vs list, Status vs bytes, Null kinds...)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(strict_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, Double):
        return a.raw == b.raw
    return a == b


def _b(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, (int, float)):
        return str(x).encode()
    return str(x).encode()


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = _b(a)
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConn:
    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.last_raw = b""

    # -- low level -------------------------------------------------------
    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ProtocolClosed("connection closed by server")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = self.buf[:i]
                self.buf = self.buf[i + 2:]
                self._raw.append(line + b"\r\n")
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data = self.buf[:n]
        if self.buf[n:n + 2] != b"\r\n":
            raise AssertionError(f"bulk not terminated by CRLF: {self.buf[:n+2]!r}")
        self.buf = self.buf[n + 2:]
        self._raw.append(data + b"\r\n")
        return data

    def _parse(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Status(rest.decode())
        if t == b"-":
            return Error(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n == -1:
                return NullBulk
            return self._exact(n)
        if t == b"*":
            n = int(rest)
            if n == -1:
                return NullArray
            return [self._parse() for _ in range(n)]
        if t == b"%":
            n = int(rest)
            return Map((self._parse(), self._parse()) for _ in range(n))
        if t == b"~":
            return Set(self._parse() for _ in range(int(rest)))
        if t == b">":
            return Push(self._parse() for _ in range(int(rest)))
        if t == b"|":
            n = int(rest)
            Attr((self._parse(), self._parse()) for _ in range(n))
            return self._parse()  # attributes are skipped
        if t == b"_":
            return Null
        if t == b",":
            d = Double(float(rest.decode()))
            d.raw = rest
            return d
        if t == b"#":
            return Bool(rest == b"t")
        if t == b"(":
            return BigNum(int(rest))
        if t == b"!":
            return Error(self._exact(int(rest)).decode())
        if t == b"=":
            data = self._exact(int(rest))
            v = Verbatim(data[4:])
            v.fmt = data[:3]
            return v
        raise AssertionError(f"unknown RESP type byte in line {line!r}")

    def read(self):
        """Read one reply; returns the parsed value. self.last_raw keeps its bytes."""
        self._raw = []
        v = self._parse()
        self.last_raw = b"".join(self._raw)
        return v

    def read_raw(self):
        self.read()
        return self.last_raw

    # -- high level ------------------------------------------------------
    def cmd(self, *args):
        self.send(encode_command(*args))
        return self.read()

    def raw(self, *args):
        """Send a command and return the exact bytes of its reply."""
        self.send(encode_command(*args))
        return self.read_raw()

    def is_closed(self, timeout=2.0):
        """True when the server closed the connection (EOF) within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
