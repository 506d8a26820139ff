#!/usr/bin/env python3
"""maxmemory and eviction, next to redis-server 7.0 with the same settings.

1. Replies over the limit, compared byte for byte (raw RESP): with `maxmemory 1` memory is
   always over it, so what each policy does is deterministic. noeviction refuses `denyoom`
   commands with Redis's OOM error, lets reads and deletions through, refuses queueing in
   MULTI (EXEC then aborts), refuses scripts that may write unless they declare
   `allow-oom` (a script without shebang runs, its first `denyoom` call fails), and
   FUNCTION LOAD. The volatile-* policies evict every key with an expiry and no other
   (then refuse as noeviction), allkeys-* evict everything; each eviction is published as
   an `evicted` keyspace event and counted in INFO evicted_keys. LFU counters (OBJECT
   FREQ, RESTORE ... FREQ) and the config parameters answer alike.
2. The limit holds under load: 300 MB of 1 KB values written under `maxmemory 64mb` with
   allkeys-lru all succeed, used_memory stays at the limit (sampled throughout) and RSS
   stays bounded; the same run against redis-server for comparison.
3. The policies keep what they should: after half the keys are read again, an LRU
   eviction takes mostly the others; volatile-ttl takes mostly the nearest expiries; both
   servers must pass the same thresholds.

Usage: maxmemory.py MEMORABILIA_BINARY (both servers are started here).
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from resp_raw import RawConn  # noqa: E402

FAILURES = []
MB = 1024 * 1024


def fail(what):
    FAILURES.append(what)
    print("FAIL:", what, file=sys.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, port):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{argv[0]} exited with {proc.returncode} at start-up")
        try:
            if redis.Redis(port=port).ping():
                return proc
        except redis.exceptions.RedisError:
            time.sleep(0.05)
    raise SystemExit(f"{argv[0]} did not answer PING within 60 s")


def start_both(binary, directory):
    rport, mport = free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]
    oracle = start(["redis-server", "--port", str(rport), "--logfile", ""] + common, rport)
    mine = start([binary, "--port", str(mport), "--grpc-port", "0"] + common, mport)
    return (rport, oracle), (mport, mine)


def info(port, field):
    text = redis.Redis(port=port).info("all")
    return text.get(field)


# --- 1. replies over the limit -------------------------------------------------------

LIB = "#!lua name=mmlib\nredis.register_function('f', function() return 1 end)"

NOEVICTION = [
    ["SET", "k2", "v"],
    ["GET", "k"],
    ["INCR", "n"],
    ["RPUSH", "l", "b"],
    ["HSET", "h", "g", "w"],
    ["SETEX", "k3", "100", "v"],
    ["APPEND", "k", "more"],
    ["LPOP", "l"],
    ["EXPIRE", "h", "100"],
    ["PERSIST", "h"],
    ["DEL", "k"],
    ["EXISTS", "k", "l", "h"],
    ["PING"],
    ["MULTI"],
    ["GET", "h"],
    ["SET", "x", "1"],
    ["EXEC"],
    ["MULTI"],
    ["EXEC"],
    ["EVAL", "return 1", "0"],
    ["EVAL", "return redis.call('get', 'h')", "0"],
    ["EVAL", "return redis.call('set', 'x', '1')", "0"],
    ["EVAL", "return redis.pcall('set', 'x', '1')", "0"],
    ["EVAL", "redis.call('del', 'nothing'); return redis.call('set', 'x', '1')", "0"],
    ["EVAL", "#!lua\nreturn 1", "0"],
    ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'h')", "0"],
    ["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'y', '1')", "0"],
    ["EVAL_RO", "#!lua flags=no-writes\nreturn 2", "0"],
    ["FUNCTION", "LOAD", LIB],
    ["GET", "y"],
    ["DBSIZE"],
]


def run_all(port, commands, protocol=2):
    conn = RawConn(port)
    if protocol == 3:
        conn.cmd("HELLO", "3")
    replies = [conn.raw(*c) for c in commands]
    conn.close()
    return replies


def compare_runs(what, ref, mem, commands):
    for c, a, b in zip(commands, ref, mem):
        if a != b:
            fail(f"{what}: {c!r}: redis {a!r} != memorabilia {b!r}")


def over_limit(ports, policy, setup, commands, what):
    """Runs `setup` with no limit, then `commands` with maxmemory 1 under `policy`, on
    both servers; compares the replies, the keys left and the evicted events."""
    results = []
    for port in ports:
        c = redis.Redis(port=port)
        c.config_set("maxmemory", 0)
        c.flushall()
        c.config_resetstat()
        c.config_set("maxmemory-policy", policy)
        c.config_set("notify-keyspace-events", "Ee")
        for command in setup:
            c.execute_command(*command)
        sub = redis.Redis(port=port).pubsub()
        sub.subscribe("__keyevent@0__:evicted")
        sub.get_message(timeout=1)
        c.config_set("maxmemory", 1)
        replies = run_all(port, commands)
        c.config_set("maxmemory", 0)
        events = []
        deadline = time.time() + 2
        while time.time() < deadline:
            m = sub.get_message(timeout=0.2)
            if m and m["type"] == "message":
                events.append(m["data"])
        sub.close()
        keys = sorted(c.keys("*"))
        results.append((replies, keys, sorted(events), c.info("stats")["evicted_keys"]))
        c.config_set("notify-keyspace-events", "")
        c.execute_command("FUNCTION", "FLUSH")
    (ref, rkeys, revents, rcount), (mem, mkeys, mevents, mcount) = results
    compare_runs(what, ref, mem, commands)
    if rkeys != mkeys:
        fail(f"{what}: keys left: redis {rkeys} != memorabilia {mkeys}")
    if revents != mevents:
        fail(f"{what}: evicted events: redis {revents} != memorabilia {mevents}")
    if rcount != mcount:
        fail(f"{what}: evicted_keys: redis {rcount} != memorabilia {mcount}")


def replies_over_the_limit(ports):
    base = [["SET", "k", "v"], ["RPUSH", "l", "a", "b"], ["HSET", "h", "f", "v"]]
    over_limit(ports, "noeviction", base, NOEVICTION, "noeviction")
    mixed = [["SET", f"p{i}", "v"] for i in range(20)]
    mixed += [["SET", f"t{i}", "v", "EX", str(1000 + i)] for i in range(20)]
    after = [["PING"], ["DBSIZE"], ["SET", "new", "v"], ["GET", "p1"], ["DBSIZE"]]
    for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                   "allkeys-lru", "allkeys-lfu", "allkeys-random"]:
        over_limit(ports, policy, mixed, after, policy)
    # A transaction queued before memory ran out: EXEC is refused for its SET, and the
    # client stays in MULTI with the transaction flagged (EXEC again aborts).
    txn = [["MULTI"], ["SET", "a", "1"]]
    for policy in ["noeviction", "allkeys-lru"]:
        results = []
        for port in ports:
            c = redis.Redis(port=port)
            c.config_set("maxmemory", 0)
            c.flushall()
            c.config_set("maxmemory-policy", policy)
            conn = RawConn(port)
            first = [conn.raw(*cmd) for cmd in txn]
            c.config_set("maxmemory", 1)
            rest = [conn.raw("EXEC"), conn.raw("EXEC"), conn.raw("GET", "a")]
            c.config_set("maxmemory", 0)
            conn.close()
            results.append(first + rest)
        compare_runs(f"EXEC over the limit ({policy})", results[0], results[1],
                     txn + [["EXEC"], ["EXEC"], ["GET", "a"]])


def lfu_and_config(ports):
    oracle = redis.Redis(port=ports[0])
    oracle.set("payload", "w")
    payload = oracle.dump("payload")
    oracle.delete("payload")
    commands = [
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        # Every access counts at log factor 0, so the counters below are deterministic.
        ["CONFIG", "SET", "lfu-log-factor", "0"],
        ["SET", "f", "v"],
        ["OBJECT", "FREQ", "f"],
        ["GET", "f"],
        ["OBJECT", "FREQ", "f"],
        ["SET", "f", "w"],
        ["OBJECT", "FREQ", "f"],
        ["OBJECT", "IDLETIME", "f"],
        ["RESTORE", "g", "0", payload, "FREQ", "100"],
        ["RESTORE", "i", "0", payload, "IDLETIME", "100"],
        ["OBJECT", "FREQ", "g"],
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
        ["OBJECT", "FREQ", "f"],
        ["RESTORE", "j", "0", payload, "FREQ", "100"],
        ["RESTORE", "k", "0", payload, "IDLETIME", "100"],
        ["OBJECT", "IDLETIME", "k"],
        ["CONFIG", "SET", "maxmemory-policy", "bogus"],
        ["CONFIG", "SET", "maxmemory-samples", "0"],
        ["CONFIG", "SET", "maxmemory-samples", "65"],
        ["CONFIG", "SET", "maxmemory-samples", "10"],
        ["CONFIG", "GET", "maxmemory-samples"],
        ["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
        ["CONFIG", "SET", "maxmemory-eviction-tenacity", "50"],
        ["CONFIG", "GET", "maxmemory-eviction-tenacity"],
        ["CONFIG", "SET", "lfu-log-factor", "-1"],
        ["CONFIG", "SET", "lfu-log-factor", "20"],
        ["CONFIG", "GET", "lfu-log-factor"],
        ["CONFIG", "SET", "lfu-decay-time", "5"],
        ["CONFIG", "GET", "lfu-decay-time"],
        ["CONFIG", "SET", "maxmemory", "10mb"],
        ["CONFIG", "GET", "maxmemory"],
        ["CONFIG", "SET", "maxmemory", "0"],
        ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        ["CONFIG", "SET", "maxmemory-samples", "5"],
        ["CONFIG", "SET", "maxmemory-eviction-tenacity", "10"],
        ["CONFIG", "SET", "lfu-log-factor", "10"],
        ["CONFIG", "SET", "lfu-decay-time", "1"],
    ]
    results = []
    for port in ports:
        redis.Redis(port=port).flushall()
        results.append(run_all(port, commands))
    compare_runs("LFU and eviction settings", results[0], results[1], commands)


# --- 2. the limit holds under load ---------------------------------------------------

def load(port, total_bytes, value_size=1000):
    """Writes `total_bytes` of values with random keys; returns (errors, highest
    used_memory seen, highest RSS seen, seconds)."""
    c = redis.Redis(port=port)
    value = b"x" * value_size
    highest = {"used": 0, "rss": 0}
    done = threading.Event()

    def sample():
        s = redis.Redis(port=port)
        while not done.is_set():
            m = s.info("memory")
            highest["used"] = max(highest["used"], m["used_memory"])
            highest["rss"] = max(highest["rss"], m["used_memory_rss"])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    errors = 0
    started = time.time()
    n = total_bytes // value_size
    batch = 500
    for first in range(0, n, batch):
        p = c.pipeline(transaction=False)
        for i in range(first, min(n, first + batch)):
            p.set(f"key:{i}", value)
        for reply in p.execute(raise_on_error=False):
            if reply is not True:
                errors += 1
    elapsed = time.time() - started
    done.set()
    sampler.join()
    return errors, highest["used"], highest["rss"], elapsed


def limit_holds_under_load(ports):
    limit = 64 * MB
    for name, port in zip(["redis-server", "memorabilia"], ports):
        c = redis.Redis(port=port)
        c.flushall()
        c.config_set("maxmemory-policy", "allkeys-lru")
        c.config_set("maxmemory", "64mb")
        errors, used, rss, secs = load(port, 300 * MB)
        stats = c.info("stats")
        keys = c.dbsize()
        c.config_set("maxmemory", 0)
        c.config_set("maxmemory-policy", "noeviction")
        print(f"{name}: 300 MB under maxmemory 64mb allkeys-lru: {errors} errors, "
              f"highest used_memory {used / MB:.1f} MB, highest RSS {rss / MB:.1f} MB, "
              f"{keys} keys left, {stats['evicted_keys']} evicted, {secs:.1f} s")
        if errors:
            fail(f"{name}: {errors} writes failed under allkeys-lru")
        # Allocation counters are per thread (64 KB of slack each) and freed entries
        # are given back a moment later: a few hundred KB over the limit at most.
        if used > limit * 1.02 + 512 * 1024:
            fail(f"{name}: used_memory reached {used} over maxmemory {limit}")
        if rss > 3 * limit:
            fail(f"{name}: RSS reached {rss} under maxmemory {limit}")
        if stats["evicted_keys"] < 100_000:
            fail(f"{name}: only {stats['evicted_keys']} keys evicted")
        c.flushall()


# --- 3. what the policies keep --------------------------------------------------------

def fill_to_limit(c, count, ttl=None):
    p = c.pipeline(transaction=False)
    for i in range(count):
        if ttl:
            p.set(f"key:{i}", b"x" * 200, ex=ttl(i))
        else:
            p.set(f"key:{i}", b"x" * 200)
    p.execute()


def squeeze(c):
    """Sets the limit 2 MB under used memory, writes one key, and waits until eviction
    (which may go on in the background once a command's time budget is spent, in both
    servers) brought memory under the limit; then lifts the limit."""
    limit = c.info("memory")["used_memory"] - 2 * MB
    c.config_set("maxmemory", limit)
    c.set("trigger", "x")
    deadline = time.time() + 10
    while c.info("memory")["used_memory"] > limit and time.time() < deadline:
        time.sleep(0.01)
    c.config_set("maxmemory", 0)


def policies_keep_what_they_should(ports):
    for name, port in zip(["redis-server", "memorabilia"], ports):
        c = redis.Redis(port=port)
        # LRU: 20,000 keys; the first half is read 2 s later; then the limit is set 2 MB
        # under used memory (a third to half of the keys): the evicted keys must be
        # mostly from the unread half.
        c.flushall()
        c.config_set("maxmemory-policy", "allkeys-lru")
        fill_to_limit(c, 20_000)
        time.sleep(2)
        p = c.pipeline(transaction=False)
        for i in range(10_000):
            p.get(f"key:{i}")
        p.execute()
        squeeze(c)
        left = set(k.decode() for k in c.keys("key:*"))
        gone_read = sum(1 for i in range(10_000) if f"key:{i}" not in left)
        gone_unread = sum(1 for i in range(10_000, 20_000) if f"key:{i}" not in left)
        print(f"{name}: allkeys-lru evicted {gone_unread} unread and {gone_read} read keys")
        if gone_unread < 1000 or gone_read * 5 > gone_unread:
            fail(f"{name}: allkeys-lru evicted {gone_read} read keys and {gone_unread} unread")
        # volatile-ttl: 30,000 keys expire 1000 + i seconds from now; squeezed, most
        # evicted keys are among the nearest third; keys without expiry stay.
        c.flushall()
        c.config_set("maxmemory-policy", "volatile-ttl")
        fill_to_limit(c, 30_000, ttl=lambda i: 1000 + i)
        c.set("persistent", "x")
        squeeze(c)
        left = set(k.decode() for k in c.keys("key:*"))
        gone = [i for i in range(30_000) if f"key:{i}" not in left]
        early = sum(1 for i in gone if i < 10_000)
        print(f"{name}: volatile-ttl evicted {len(gone)} keys, {early} of the nearest third")
        if len(gone) < 1000 or early * 10 < len(gone) * 7:
            fail(f"{name}: volatile-ttl evicted {len(gone)} keys, only {early} near ones")
        if not c.exists("persistent"):
            fail(f"{name}: volatile-ttl evicted a key without expiry")
        c.config_set("maxmemory-policy", "noeviction")
        c.flushall()


def main():
    binary = sys.argv[-1]
    with tempfile.TemporaryDirectory() as directory:
        (rport, oracle), (mport, mine) = start_both(binary, directory)
        try:
            ports = (rport, mport)
            replies_over_the_limit(ports)
            lfu_and_config(ports)
            policies_keep_what_they_should(ports)
            limit_holds_under_load(ports)
            if mine.poll() is not None:
                fail("memorabilia exited during the run")
        finally:
            for proc in (oracle, mine):
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    if FAILURES:
        print(f"maxmemory: {len(FAILURES)} failures", file=sys.stderr)
        sys.exit(1)
    print("maxmemory: all checks identical to redis-server / within bounds")


if __name__ == "__main__":
    main()
