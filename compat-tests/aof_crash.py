#!/usr/bin/env python3
"""No acknowledged write is lost under `appendfsync always`, across kill -9.

usage: aof_crash.py MEMORABILIA_BIN [--cycles N] [--seconds S] [--fsync always|everysec]

Each cycle starts the server on the same AOF directory, checks that every write acknowledged
in earlier cycles is there, then runs writers (INCR of counters, RPUSH of numbered elements,
MULTI/EXEC pairs, scripts, expiring keys) for a random moment, sometimes with a
BGREWRITEAOF running, and kills the server with SIGKILL while they write. A write counts as
acknowledged when its reply arrived; one in flight at the kill may or may not have happened,
so a counter must be at least its acknowledged count and at most that plus one.

Under `everysec` the check is that the files always load (no lost acknowledged write is
allowed either: a kill -9 does not lose what the kernel already has; only a machine crash
could lose the last second).

Prints cycles, writes and the largest counter seen; exits non-zero on the first loss.
"""

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, directory, fsync):
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--grpc-port", "0", "--dir", directory,
         "--save", "", "--appendonly", "yes", "--appendfsync", fsync],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")
            raise SystemExit(f"memorabilia exited at start-up ({proc.returncode}):\n{err[-3000:]}")
        try:
            if redis.Redis(port=port, socket_timeout=5).ping():
                return port, proc
        except redis.exceptions.RedisError:
            time.sleep(0.02)
    raise SystemExit("memorabilia did not answer within 60 s")


class Writer(threading.Thread):
    """Writes until told to stop or the server dies; remembers what was acknowledged."""

    def __init__(self, port, n, acked):
        super().__init__(daemon=True)
        self.port, self.n, self.acked = port, n, acked
        self.stop = False
        self.writes = 0

    def run(self):
        r = redis.Redis(port=self.port, socket_timeout=5)
        n = self.n
        try:
            while not self.stop:
                kind = self.writes % 4
                if kind == 0:
                    r.incr(f"c:{n}")
                    self.acked[f"c:{n}"] = self.acked.get(f"c:{n}", 0) + 1
                elif kind == 1:
                    seq = self.acked.get(f"l:{n}", 0)
                    r.rpush(f"l:{n}", seq)
                    self.acked[f"l:{n}"] = seq + 1
                elif kind == 2:
                    p = r.pipeline(transaction=True)
                    p.incr(f"m:{n}:a")
                    p.incr(f"m:{n}:b")
                    p.execute()
                    self.acked[f"m:{n}"] = self.acked.get(f"m:{n}", 0) + 1
                else:
                    r.eval("return redis.call('INCR', KEYS[1])", 1, f"e:{n}")
                    self.acked[f"e:{n}"] = self.acked.get(f"e:{n}", 0) + 1
                self.writes += 1
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            pass


def check(port, acked, cycle):
    r = redis.Redis(port=port, socket_timeout=30)
    for key, count in sorted(acked.items()):
        kind = key.split(":")[0]
        if kind in ("c", "e"):
            got = int(r.get(key) or 0)
        elif kind == "l":
            items = [int(x) for x in r.lrange(key, 0, -1)]
            got = len(items)
            if items != list(range(len(items))):
                raise SystemExit(f"cycle {cycle}: list {key} is not 0..n in order: {items[:10]}...")
        else:
            a, b = int(r.get(key + ":a") or 0), int(r.get(key + ":b") or 0)
            if a != b:
                raise SystemExit(f"cycle {cycle}: transaction {key} half applied: {a} != {b}")
            got = a
        if not count <= got <= count + 1:
            raise SystemExit(f"cycle {cycle}: {key}: {count} acknowledged, {got} after restart")
        # What was in flight at the kill and did happen counts from now on.
        acked[key] = got


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=0.6)
    parser.add_argument("--fsync", default="always")
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="memorabilia-aof-crash-")
    acked = {}
    total_writes = 0
    running = []
    rng = random.Random(1234)
    try:
        for cycle in range(args.cycles):
            port, proc = start(args.binary, work, args.fsync)
            running.append(proc)
            check(port, acked, cycle)
            shares = [dict() for _ in range(args.writers)]
            for n, share in enumerate(shares):
                share.update({k: v for k, v in acked.items() if k.split(":")[1] == str(n)})
            writers = [Writer(port, n, shares[n]) for n in range(args.writers)]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.1, args.seconds))
            if cycle % 3 == 1:
                redis.Redis(port=port).bgrewriteaof()
                time.sleep(rng.uniform(0.0, 0.2))
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            for w in writers:
                w.stop = True
                w.join(10)
                total_writes += w.writes
            for share in shares:
                acked.update(share)
        port, proc = start(args.binary, work, args.fsync)
        running.append(proc)
        check(port, acked, args.cycles)
        proc.terminate()
        proc.wait(10)
        check_aof = subprocess.run(
            ["redis-check-aof", os.path.join(work, "appendonlydir", "appendonly.aof.manifest")],
            capture_output=True, text=True)
        if "All AOF files and manifest are valid" not in check_aof.stdout:
            raise SystemExit(f"redis-check-aof rejects the files:\n{check_aof.stdout}{check_aof.stderr}")
    finally:
        # A failed check must not leave its server running.
        for proc in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"aof crash test: {args.cycles} kill -9 cycles, {total_writes} writes, appendfsync "
          f"{args.fsync}: no acknowledged write lost, files valid for redis-check-aof")


if __name__ == "__main__":
    main()
