"""Fixtures of the redis-py compatibility suite.

Environment:
  SERVER_PORT          port of the server under test (required), on 127.0.0.1
  SERVER_HOST          host (default 127.0.0.1)
  PROTOCOL             2 (default) or 3: the RESP version every client of the
                       suite negotiates (redis-py `protocol=`, and HELLO 3 for
                       the raw connections)
  ORACLE_IS_REDIS_70   set to 1 only while validating the suite against the
                       redis-server 7.0.15 oracle: it skips the few Redis 7.2
                       only assertions (CLIENT SETINFO, lib-name/lib-ver...) and
                       relaxes redis_version >= 7.2.0 to >= 7.0.0.
"""
import os
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import redis  # noqa: E402

from resp_raw import RawConn, Map, strict_eq  # noqa: E402

HOST = os.environ.get("SERVER_HOST", "127.0.0.1")
try:
    PORT = int(os.environ["SERVER_PORT"])
except (KeyError, ValueError):
    raise pytest.UsageError("SERVER_PORT must be set to the port of the server under test")
PROTOCOL = int(os.environ.get("PROTOCOL", "2"))
if PROTOCOL not in (2, 3):
    raise pytest.UsageError("PROTOCOL must be 2 or 3")
ORACLE_70 = os.environ.get("ORACLE_IS_REDIS_70") == "1"


def pytest_report_header(config):
    return (f"server 127.0.0.1:{PORT}, RESP{PROTOCOL}, redis-py {redis.__version__}"
            + (", ORACLE_IS_REDIS_70=1" if ORACLE_70 else ""))


def open_raw(protocol=PROTOCOL):
    c = RawConn(PORT, HOST)
    if protocol == 3:
        reply = c.cmd("HELLO", 3)
        assert isinstance(reply, Map), reply
    return c


def make_client(decode=True, protocol=PROTOCOL, **kw):
    return redis.Redis(host=HOST, port=PORT, protocol=protocol,
                       decode_responses=decode, socket_timeout=10, **kw)


@pytest.fixture(autouse=True)
def _flushall():
    c = RawConn(PORT, HOST)
    try:
        assert c.cmd("FLUSHALL") == "OK"
    finally:
        c.close()
    yield


@pytest.fixture
def r():
    """redis-py client with decode_responses=True, negotiated with PROTOCOL."""
    client = make_client(decode=True)
    yield client
    client.close()


@pytest.fixture
def rb():
    """redis-py client returning bytes."""
    client = make_client(decode=False)
    yield client
    client.close()


@pytest.fixture
def raw():
    """Raw RESP connection (HELLO 3 already sent when PROTOCOL=3)."""
    c = open_raw()
    yield c
    c.close()


@pytest.fixture
def new_raw():
    """Factory of extra raw connections, closed at teardown."""
    conns = []

    def factory(protocol=PROTOCOL):
        c = open_raw(protocol)
        conns.append(c)
        return c

    yield factory
    for c in conns:
        c.close()


def run_threads(targets, timeout=60.0):
    """Starts one thread per callable, joins them all and re-raises the first error."""
    errors = []

    def wrap(fn):
        def body():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 - reported to the calling test
                errors.append(e)
        return body

    threads = [threading.Thread(target=wrap(fn), daemon=True) for fn in targets]
    for t in threads:
        t.start()
    deadline = time.time() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.time()))
    assert not any(t.is_alive() for t in threads), f"threads still running after {timeout} s"
    if errors:
        raise errors[0]


def wait_until(fn, expected, timeout=5.0):
    """Polls fn() until it returns `expected`: what a disconnect frees, an invalidation or a
    notification reaches the server or its target asynchronously, so it is checked with a
    deadline."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value == expected or time.time() > deadline:
            break
        time.sleep(0.01)
    assert value == expected, f"still {value!r} after {timeout} s, want {expected!r}"


def same(actual, expected):
    """A reply equal to `expected` in value and RESP type (resp_raw.strict_eq)."""
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n, timeout=5.0):
    """Waits until the server reports `n` blocked clients, so a command sent next cannot
    overtake a blocking one sent before it."""
    deadline = time.time() + timeout
    while blocked_clients(r) != n:
        assert time.time() < deadline, f"expected {n} blocked clients, have {blocked_clients(r)}"
        time.sleep(0.01)
