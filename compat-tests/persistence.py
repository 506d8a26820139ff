#!/usr/bin/env python3
"""Persistence against redis-server 7.0: DUMP / RESTORE payloads and RDB files, both ways.

usage: persistence.py REDIS_PORT MEMORABILIA_PORT MEMORABILIA_BIN

Both servers get the same dataset: every type in each of its encodings (strings as ints,
short and long LZF-compressible text, binary; lists of one and of many quicklist nodes;
listpack and hashtable hashes; intset and hashtable sets; listpack and skiplist sorted sets
with integral, fractional and infinite scores), keys with expiry, keys in databases 0, 3
and 9, and a function library. Then:

1. DUMP of every key: where Redis's encoding is deterministic (strings, intsets, listpacks,
   single-node lists) the payloads must be byte-for-byte equal; every payload of one server
   must RESTORE into the other and read back the same value (type, contents, encoding).
2. RESTORE's errors (bad checksum, newer RDB version, truncated payload, BUSYKEY, bad TTL,
   IDLETIME / FREQ misuse, ...) are compared byte for byte.
3. SAVE on Memorabilia: the file passes redis-check-rdb and a fresh redis-server loads it
   with the same data; SAVE on redis-server: a fresh Memorabilia loads that file with the
   same data (functions included).
4. The append-only directory (base, manifest, incremental file, after a BGREWRITEAOF in the
   middle of the writes) moves both ways the same way, and passes redis-check-aof.

Exits non-zero on the first difference, printing it.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import redis

FAILURES = []


def fail(what):
    FAILURES.append(what)
    print("DIFFERENCE:", what, file=sys.stderr)


def client(port, db=0):
    return redis.Redis(host="127.0.0.1", port=port, db=db, decode_responses=False,
                       socket_timeout=30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ping(port, proc, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode} at start-up")
        try:
            if client(port).ping():
                return
        except redis.exceptions.RedisError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not answer PING within 60 s")


LIB = b"#!lua name=persistlib\nredis.register_function('pfn', function(keys, args) return 42 end)"


def dataset():
    """(db, command) pairs building the dataset."""
    cmds = []
    add = lambda *a, db=0: cmds.append((db, [x if isinstance(x, bytes) else str(x).encode() for x in a]))
    for n in ["0", "-1", "127", "-128", "32767", "2147483647", "2147483648", "-2147483649",
              "9223372036854775807", "01", "1.5", " 1"]:
        add("SET", "int:" + n, n)
    add("SET", "short", "hello")
    add("SET", "empty", "")
    add("SET", "long", "abcdefghij" * 30)
    add("SET", "rep", "a" * 1000)
    add("SET", "bin", bytes(range(256)) * 3)
    add("SET", "text", " ".join("word%d" % (i % 17) for i in range(300)))
    add("SET", "exp", "v", "PX", "100000000")
    add("SET", "exp2", "v", "EXAT", "4102444800")
    add("RPUSH", "list:small", "a", "1", "-5", "hello", "", "300000", "9223372036854775807")
    add("RPUSH", "list:big", *["element-%d" % i for i in range(3000)])
    add("RPUSH", "list:fat", *["x" * (i % 700) for i in range(60)])
    add("LPUSH", "list:exp", "a", "b")
    add("PEXPIRE", "list:exp", "100000000")
    add("HSET", "hash:small", "f", "v", "n", "12", "neg", "-7", "e", "")
    add("HSET", "hash:big", *sum((["f%d" % i, "v%d" % i] for i in range(600)), []))
    add("HSET", "hash:long", "f", "v" * 100)
    add("SADD", "set:int", "3", "1", "2", "-100", "70000", "5000000000")
    add("SADD", "set:int16", "1", "2", "300")
    add("SADD", "set:str", "a", "b", "c")
    add("SADD", "set:big", *[str(i) for i in range(600)])
    add("ZADD", "z:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d", "-inf", "e", "0", "f")
    add("ZADD", "z:big", *sum(([str(i / 7), "m%d" % i] for i in range(300)), []))
    add("ZADD", "z:long", "1", "m" * 100)
    for i in range(1, 251):
        add("XADD", "st:big", "%d-1" % i, "f", "v%d" % i, "n", str(i))
    add("XADD", "st:big", "300-0", "other", "x" * 70)
    add("XDEL", "st:big", "5-1", "120-1")
    add("XADD", "st:small", "MAXLEN", "3", "7-*", "a", "1")
    add("XADD", "st:small", "8-0", "a", "2", "b", "")
    add("XADD", "st:groups", "1-0", "job", "a")
    add("XADD", "st:groups", "2-0", "job", "b")
    add("XADD", "st:groups", "3-0", "job", "c")
    add("XGROUP", "CREATE", "st:groups", "workers", "0")
    add("XGROUP", "CREATE", "st:groups", "audit", "$", "ENTRIESREAD", "3")
    add("XREADGROUP", "GROUP", "workers", "alice", "COUNT", "2", "STREAMS", "st:groups", ">")
    add("XREADGROUP", "GROUP", "workers", "bob", "NOACK", "STREAMS", "st:groups", ">")
    add("XACK", "st:groups", "workers", "1-0")
    add("XGROUP", "CREATECONSUMER", "st:groups", "workers", "carol")
    add("XGROUP", "CREATE", "st:empty", "g", "$", "MKSTREAM")
    add("XADD", "st:emptied", "5-5", "f", "v")
    add("XDEL", "st:emptied", "5-5")
    add("SET", "db3:key", "in three", db=3)
    add("RPUSH", "db3:list", "x", "y", db=3)
    add("HSET", "db9:hash", "a", "b", db=9)
    add("ZADD", "db9:z", "1", "x", db=9)
    return cmds


def build(port):
    for db in (0, 3, 9):
        client(port, db).flushdb()
    client(port).function_flush()
    for db, cmd in dataset():
        client(port, db).execute_command(*cmd)
    client(port).function_load(LIB.decode())


def keys_of(port, db):
    return sorted(client(port, db).keys("*"))


def read(c, key):
    """A value in a server-independent form."""
    kind = c.type(key)
    if kind == b"string":
        value = c.get(key)
    elif kind == b"list":
        value = c.lrange(key, 0, -1)
    elif kind == b"hash":
        value = sorted(c.hgetall(key).items())
    elif kind == b"set":
        value = sorted(c.smembers(key))
    elif kind == b"zset":
        value = c.zrange(key, 0, -1, withscores=True)
    elif kind == b"stream":
        info = c.xinfo_stream(key)
        groups = []
        for g in c.xinfo_groups(key):
            name = g["name"]
            pending = [(p["message_id"], p["consumer"], p["times_delivered"])
                       for p in c.xpending_range(key, name, "-", "+", 1000)]
            consumers = [(x["name"], x["pending"]) for x in c.xinfo_consumers(key, name)]
            groups.append((sorted(g.items()), pending, consumers))
        # Delivery and seen times are the servers' clocks: everything else is compared.
        value = (c.xrange(key), [info[k] for k in (
            "length", "radix-tree-keys", "radix-tree-nodes", "last-generated-id",
            "max-deleted-entry-id", "entries-added", "recorded-first-entry-id")], groups)
    else:
        value = None
    return kind, value, c.object("encoding", key), c.pttl(key) > 0


def snapshot(port):
    out = {}
    for db in (0, 3, 9):
        c = client(port, db)
        for key in keys_of(port, db):
            out[(db, key)] = read(c, key)
    return out


def deterministic(encoding):
    """Whether redis-server's DUMP of a value so encoded is a function of its contents: hash
    tables list their elements in an order of the server's making."""
    return encoding in (b"int", b"embstr", b"raw", b"intset", b"listpack", b"quicklist")


def check_dumps(ref, mem):
    r, m = client(ref), client(mem)
    for key in keys_of(ref, 0):
        kind, _, encoding, _ = read(r, key)
        rp, mp = r.dump(key), m.dump(key)
        # A stream's DUMP holds its delivery and seen times: compared when it has no groups.
        plain_stream = kind == b"stream" and not r.xinfo_groups(key)
        if (deterministic(encoding) or plain_stream) and rp != mp:
            fail(f"DUMP {key!r} ({kind}, {encoding}): redis {rp!r} memorabilia {mp!r}")
        # Cross restores, into a fresh key name, then compare with the original.
        for src, dst, payload, name in [(r, m, rp, "redis->memorabilia"),
                                        (m, r, mp, "memorabilia->redis")]:
            target = b"restored:" + key
            dst.delete(target)
            try:
                dst.restore(target, 0, payload)
            except redis.exceptions.RedisError as e:
                fail(f"RESTORE {name} of {key!r}: {e}")
                continue
            got = read(dst, target)[:3]
            want = read(src, key)[:2] + (read(dst, key)[2],)
            if got != want:
                fail(f"RESTORE {name} of {key!r}: got {got!r}, want {want!r}")
            dst.delete(target)


def error_of(c, *args):
    try:
        return ("ok", c.execute_command(*args))
    except redis.exceptions.ResponseError as e:
        return ("error", str(e))


def check_restore_errors(ref, mem):
    r, m = client(ref), client(mem)
    good = r.dump(b"short")
    bad_crc = good[:-1] + bytes([good[-1] ^ 1])
    newer = good[:-10] + bytes([11, 0]) + good[-8:]
    cases = [
        ["RESTORE", "new1", "0", bad_crc],
        ["RESTORE", "new1", "0", good[:5]],
        ["RESTORE", "new1", "0", b""],
        ["RESTORE", "new1", "0", newer],
        ["RESTORE", "short", "0", good],
        ["RESTORE", "new1", "-1", good],
        ["RESTORE", "new1", "abc", good],
        ["RESTORE", "new1", "0", good, "IDLETIME", "-1"],
        ["RESTORE", "new1", "0", good, "FREQ", "256"],
        ["RESTORE", "new1", "0", good, "IDLETIME", "1", "FREQ", "1"],
        ["RESTORE", "new1", "0", good, "IDLETIME"],
        ["RESTORE", "new1", "0", good, "FOO"],
        ["RESTORE", "new2", "0", good, "REPLACE", "ABSTTL", "IDLETIME", "100"],
        ["OBJECT", "IDLETIME", "new2"],
        ["RESTORE", "new2", "0", good, "REPLACE"],
        ["RESTORE", "new3", "1", good, "ABSTTL"],
        ["EXISTS", "new3"],
        ["RESTORE", "new2", "1", good, "ABSTTL", "REPLACE"],
        ["EXISTS", "new2"],
        ["RESTORE", "new4", "100000", good],
        ["DUMP", "nosuchkey"],
    ]
    for args in cases:
        a, b = error_of(r, *args), error_of(m, *args)
        if args[0] == "OBJECT":
            a, b = (a[0], a[1] >= 99), (b[0], b[1] >= 99)
        if a != b:
            fail(f"{args[:2]}...: redis {a!r}, memorabilia {b!r}")


def start_memorabilia(binary, directory, filename, aof=False):
    port = free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--grpc-port", "0",
                             "--dir", directory, "--dbfilename", filename, "--save", "",
                             "--appendonly", "yes" if aof else "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_ping(port, proc, "memorabilia")
    return port, proc


def start_redis(directory, filename, aof=False):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", directory,
                             "--dbfilename", filename, "--save", "", "--appendonly", "yes" if aof else "no",
                             "--logfile", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ping(port, proc, "redis-server")
    return port, proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def compare(what, a, b):
    if a.keys() != b.keys():
        fail(f"{what}: keys differ: only in first {sorted(set(a) - set(b))[:5]}, "
             f"only in second {sorted(set(b) - set(a))[:5]}")
    for k in sorted(set(a) & set(b)):
        if a[k] != b[k]:
            fail(f"{what}: {k!r}: {a[k]!r} != {b[k]!r}")


def saved_by(start, work, filename):
    """Starts a server writing `filename` in `work`, builds the dataset, SAVEs, and returns
    what it held (keys and functions)."""
    port, proc = start(work, filename)
    try:
        build(port)
        client(port).save()
        return snapshot(port), client(port).function_list()
    finally:
        stop(proc)


def check_files(binary):
    work = tempfile.mkdtemp(prefix="memorabilia-persist-")
    ours = lambda d, f: start_memorabilia(binary, d, f)
    try:
        data, functions = saved_by(ours, work, "ours.rdb")
        path = os.path.join(work, "ours.rdb")
        check = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
        if check.returncode != 0 or "RDB looks OK" not in check.stdout:
            fail(f"redis-check-rdb rejects our file:\n{check.stdout}{check.stderr}")
        port, proc = start_redis(work, "ours.rdb")
        try:
            compare("our RDB loaded by redis-server", data, snapshot(port))
            if client(port).function_list() != functions:
                fail("functions differ after redis-server loaded our RDB")
        finally:
            stop(proc)

        data, functions = saved_by(start_redis, work, "theirs.rdb")
        port, proc = ours(work, "theirs.rdb")
        try:
            compare("redis-server's RDB loaded by memorabilia", data, snapshot(port))
            if client(port).function_list() != functions:
                fail("functions differ after memorabilia loaded redis-server's RDB")
        finally:
            stop(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def logged_by(start, work):
    """Starts a server keeping its AOF in `work`, builds the dataset in two halves with a
    BGREWRITEAOF between them (so the directory holds a base and a tail), stops it, and
    returns what it held."""
    port, proc = start(work)
    try:
        build(port)
        c = client(port)
        c.bgrewriteaof()
        deadline = time.time() + 30
        while c.info("persistence")["aof_rewrite_in_progress"] and time.time() < deadline:
            time.sleep(0.05)
        for db, cmd in dataset()[:10]:
            client(port, db).execute_command(*cmd)
        client(port).set("after-rewrite", "yes")
        return snapshot(port), client(port).function_list()
    finally:
        stop(proc)


def check_aof(binary):
    for first, second, what in [
        (lambda d: start_memorabilia(binary, d, "x.rdb", aof=True),
         lambda d: start_redis(d, "x.rdb", aof=True), "our AOF loaded by redis-server"),
        (lambda d: start_redis(d, "x.rdb", aof=True),
         lambda d: start_memorabilia(binary, d, "x.rdb", aof=True), "redis-server's AOF loaded by memorabilia"),
    ]:
        work = tempfile.mkdtemp(prefix="memorabilia-aof-")
        try:
            data, functions = logged_by(first, work)
            manifest = os.path.join(work, "appendonlydir", "appendonly.aof.manifest")
            check = subprocess.run(["redis-check-aof", manifest], capture_output=True, text=True)
            if "All AOF files and manifest are valid" not in check.stdout:
                fail(f"{what}: redis-check-aof rejects the files:\n{check.stdout}{check.stderr}")
            port, proc = second(work)
            try:
                compare(what, data, snapshot(port))
                if client(port).function_list() != functions:
                    fail(f"{what}: functions differ")
            finally:
                stop(proc)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ref, mem, binary = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    for port in (ref, mem):
        build(port)
    compare("datasets as built", snapshot(ref), snapshot(mem))
    check_dumps(ref, mem)
    check_restore_errors(ref, mem)
    check_files(binary)
    check_aof(binary)
    for port in (ref, mem):
        for db in (0, 3, 9):
            client(port, db).flushdb()
        client(port).function_flush()
    if FAILURES:
        print(f"{len(FAILURES)} difference(s)", file=sys.stderr)
        sys.exit(1)
    print("persistence: DUMP/RESTORE, RDB files and AOF directories agree with redis-server")


if __name__ == "__main__":
    main()
