"""redis-py compatibility suite: SLOWLOG, LATENCY and SWAPDB through the client's own
helpers (slowlog_get / slowlog_len / slowlog_reset, latency_latest / latency_history /
latency_reset, swapdb). Validated against redis-server 7.0.15 under PROTOCOL=2 and 3.
Durations and ports differ between servers, so entries are checked by shape.
"""
import pytest


@pytest.fixture
def slow(rb):
    before = next(iter(rb.config_get("slowlog-log-slower-than").values()))
    rb.slowlog_reset()
    yield rb
    rb.config_set("slowlog-log-slower-than", before)
    rb.slowlog_reset()


def test_slowlog_logs_every_command_at_threshold_zero(slow):
    slow.config_set("slowlog-log-slower-than", 0)
    slow.set("foo", "x" * 200)
    slow.rpush("many", *range(40))
    slow.config_set("slowlog-log-slower-than", -1)
    entries = slow.slowlog_get(-1)
    commands = [e["command"] for e in entries]
    # Newest first: RPUSH, SET, the enabling CONFIG SET (the disabling one ran under -1).
    assert commands[2] == b"CONFIG SET slowlog-log-slower-than 0"
    rpush = commands[0].split(b" ")
    assert rpush[0] == b"RPUSH" and commands[0].endswith(b"... (11 more arguments)")
    assert commands[1] == b"SET foo " + b"x" * 128 + b"... (72 more bytes)"
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)
    assert all(e["duration"] >= 0 and e["start_time"] > 0 for e in entries)
    assert slow.slowlog_len() == len(entries)
    assert len(slow.slowlog_get(2)) == 2


def test_slowlog_logs_script_and_blocked_commands(slow):
    import threading
    import time
    import redis
    from conftest import HOST, PORT
    slow.delete("diag:bl", "diag:bl2")
    blocker = redis.Redis(host=HOST, port=PORT)
    blocker.client_setname("blocker")
    blocker_id = blocker.client_id()

    def blpop(key, timeout):
        thread = threading.Thread(target=lambda: blocker.blpop(key, timeout))
        thread.start()
        return thread

    slow.config_set("slowlog-log-slower-than", 0)
    slow.eval("redis.call('set', KEYS[1], '1'); return redis.call('get', KEYS[1])", 1, "diag:x")
    served = blpop("diag:bl", 5)
    time.sleep(0.2)
    slow.rpush("diag:bl", "v")
    served.join()
    unblocked = blpop("diag:bl2", 5)
    time.sleep(0.2)
    slow.client_unblock(blocker_id)
    unblocked.join()
    blpop("diag:bl2", 0.1).join()
    slow.config_set("slowlog-log-slower-than", -1)
    entries = [e for e in reversed(slow.slowlog_get(-1))
               if not e["command"].startswith((b"CLIENT SETINFO", b"HELLO", b"CLIENT SETNAME",
                                               b"CLIENT ID", b"CLIENT SETNAME"))]
    got = [(e["command"], e["client_name"], e["client_address"] == b"?:0") for e in entries]
    assert got[1:] == [
        # A script's commands as its script client (no address, no name), before it.
        (b"set diag:x 1", b"", True),
        (b"get diag:x", b"", True),
        (b"EVAL redis.call('set', KEYS[1], '1'); return redis.call('get', KEYS[1]) 1 diag:x",
         b"", False),
        (b"RPUSH diag:bl v", b"", False),
        # A blocked command when it is served; by CLIENT UNBLOCK without its arguments; a
        # timeout not at all.
        (b"BLPOP diag:bl 5", b"blocker", False),
        (b"", b"blocker", False),
        (b"CLIENT UNBLOCK %d" % blocker_id, b"", False),
    ], got
    blocker.close()


def test_slowlog_redacts_secrets(slow):
    slow.config_set("slowlog-log-slower-than", 0)
    with pytest.raises(Exception):
        slow.execute_command("AUTH", "someone", "secret")
    slow.config_set("slowlog-log-slower-than", -1)
    logged = [e["command"] for e in slow.slowlog_get(-1)]
    assert b"AUTH (redacted) (redacted)" in logged
    assert not any(b"secret" in c for c in logged)


def test_slowlog_errors_and_max_len(slow):
    with pytest.raises(Exception, match="count should be greater than or equal to -1"):
        slow.execute_command("SLOWLOG", "GET", "-2")
    before = next(iter(slow.config_get("slowlog-max-len").values()))
    try:
        slow.config_set("slowlog-max-len", 3)
        slow.config_set("slowlog-log-slower-than", 0)
        for i in range(10):
            slow.ping()
        slow.config_set("slowlog-log-slower-than", -1)
        assert slow.slowlog_len() == 3
    finally:
        slow.config_set("slowlog-max-len", before)


def test_latency_without_events(r):
    r.execute_command("LATENCY", "RESET")
    assert r.execute_command("LATENCY", "LATEST") == []
    assert r.execute_command("LATENCY", "HISTORY", "command") == []
    assert r.execute_command("LATENCY", "RESET", "command") == 0
    doctor = r.execute_command("LATENCY", "DOCTOR")
    assert "Latency monitoring is disabled" in (doctor.decode() if isinstance(doctor, bytes) else str(doctor))
    with pytest.raises(Exception, match="No samples available for event 'command'"):
        r.execute_command("LATENCY", "GRAPH", "command")


def test_swapdb_through_the_client(r):
    r.flushall()
    r.set("a", "zero")
    r.execute_command("SELECT", 1)
    r.set("a", "one")
    r.execute_command("SELECT", 0)
    assert r.swapdb(0, 1) is True
    assert r.get("a") == "one"
    r.flushall()
