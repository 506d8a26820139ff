"""Differential cases for DEBUG (picked up by differential.py; both servers must run with
enable-debug-command yes, as compat-tests/run starts them).

DEBUG DIGEST and DIGEST-VALUE over every type and encoding (small and large strings,
integers, lists, intsets and hashtable sets, listpack and hashtable hashes, listpack and
skiplist sorted sets, streams with deleted entries), expiries, several databases; DEBUG
RELOAD keeping the digest (and its options and errors); POPULATE's keys and values; OBJECT
(its address and LRU clock normalized); PROTOCOL in both protocols; HELP; HTSTATS of empty
and tiny tables; SET-ACTIVE-EXPIRE; SLEEP; QUICKLIST-PACKED-THRESHOLD; the switches; the
errors. Left out: LOADAOF (redis-server exits when it has no AOF to load) and HTSTATS of
larger tables (the chain statistics depend on the hash function; see src/commands/debug.rs).
"""

import re

KEYS = ["k1", "k2", "k3", "{t}l", "{t}s", "{t}h", "{t}z", "{t}x"]
FIELDS = ["a", "b", "c", "1", "2", "-3", "10", "x" * 70]


def _many(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


EDGE_CASES = [
    # The empty data set, then one string, through every database.
    [["DEBUG", "DIGEST"], ["SET", "foo", "bar"], ["DEBUG", "DIGEST"],
     ["DEBUG", "DIGEST-VALUE", "foo", "nokey"], ["DEBUG", "DIGEST-VALUE"],
     ["SELECT", "3"], ["SET", "foo", "bar"], ["DEBUG", "DIGEST"],
     ["DEBUG", "DIGEST-VALUE", "foo"], ["SELECT", "0"], ["DEL", "foo"], ["DEBUG", "DIGEST"]],
    # Strings: embstr, raw, integers, LZF-sized ones, empty.
    [["SET", "a", "1"], ["SET", "b", "-12345678901"], ["SET", "c", "x" * 100],
     ["SET", "d", ""], ["SET", "e", "10000"], ["APPEND", "f", "abc"], ["INCR", "g"],
     ["DEBUG", "DIGEST-VALUE", "a", "b", "c", "d", "e", "f", "g"], ["DEBUG", "DIGEST"]],
    # Lists: order counts.
    [["RPUSH", "l1", "a", "b", "1", "2"], ["RPUSH", "l2", "2", "1", "b", "a"],
     ["RPUSH", "big"] + _many("element-", 300),
     ["DEBUG", "DIGEST-VALUE", "l1", "l2", "big"], ["DEBUG", "DIGEST"]],
    # Sets: intset, listpack-free hashtable, big; order never counts.
    [["SADD", "i", "3", "1", "2"], ["SADD", "s", "b", "a", "c"],
     ["SADD", "big"] + _many("m", 200), ["SADD", "ibig"] + [str(n) for n in range(600)],
     ["DEBUG", "DIGEST-VALUE", "i", "s", "big", "ibig"], ["DEBUG", "DIGEST"]],
    # Hashes and sorted sets, small and large encodings.
    [["HSET", "h", "f", "v", "n", "1"], ["HSET", "hbig"] + sum([[f"f{i}", f"v{i}"] for i in range(200)], []),
     ["HSET", "hlong", "f", "y" * 100],
     ["ZADD", "z", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0.1", "e"],
     ["ZADD", "zbig"] + sum([[str(i / 7), f"m{i}"] for i in range(200)], []),
     ["ZADD", "zint", "1", "1", "2", "20", "-3", "-30"],
     ["DEBUG", "DIGEST-VALUE", "h", "hbig", "hlong", "z", "zbig", "zint"], ["DEBUG", "DIGEST"]],
    # Streams: entries, deleted entries, groups (not in the digest).
    [["XADD", "x", "1-1", "f", "v", "n", "12"], ["XADD", "x", "2-0", "f", "w"],
     ["XADD", "x", "3-5", "a", "b", "c", "d"], ["DEBUG", "DIGEST-VALUE", "x"],
     ["XDEL", "x", "2-0"], ["DEBUG", "DIGEST-VALUE", "x"],
     ["XGROUP", "CREATE", "x", "g", "0"], ["DEBUG", "DIGEST-VALUE", "x"], ["DEBUG", "DIGEST"]],
    # Expiry joins the digest, its time does not.
    [["SET", "a", "v"], ["DEBUG", "DIGEST-VALUE", "a"], ["EXPIRE", "a", "100"],
     ["DEBUG", "DIGEST-VALUE", "a"], ["EXPIRE", "a", "200"], ["DEBUG", "DIGEST"],
     ["PERSIST", "a"], ["DEBUG", "DIGEST"]],
    # RELOAD keeps everything; its options and errors.
    [["SET", "a", "1"], ["RPUSH", "l", "x", "y"], ["HSET", "h", "f", "v"],
     ["ZADD", "z", "1", "m"], ["SADD", "s", "1", "x"], ["SET", "t", "v", "EX", "1000"],
     ["XADD", "x", "5-5", "f", "v"], ["SELECT", "2"], ["SET", "other", "db"], ["SELECT", "0"],
     ["DEBUG", "DIGEST"], ["DEBUG", "RELOAD"], ["DEBUG", "DIGEST"], ["DBSIZE"],
     ["TTL", "x"], ["OBJECT", "ENCODING", "a"], ["DEBUG", "RELOAD", "NOSAVE"],
     ["DEBUG", "DIGEST"], ["SET", "new", "1"], ["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"],
     ["DEBUG", "DIGEST"], ["EXISTS", "new"], ["DEBUG", "RELOAD", "nosave", "merge"],
     ["EXISTS", "new"], ["DEBUG", "RELOAD", "bogus"], ["DEBUG", "RELOAD", "MERGE", "x"]],
    # POPULATE: names, values, sizes, existing keys kept, errors.
    [["SET", "key:1", "mine"], ["DEBUG", "POPULATE", "5"], ["DBSIZE"],
     ["MGET", "key:0", "key:1", "key:4", "key:5"], ["DEBUG", "POPULATE", "3", "p"],
     ["MGET", "p:0", "p:2"], ["DEBUG", "POPULATE", "3", "q", "10"], ["GET", "q:2"],
     ["DEBUG", "POPULATE", "2", "r", "3"], ["GET", "r:1"], ["DEBUG", "POPULATE", "0"],
     ["DEBUG", "POPULATE", "-1"], ["DEBUG", "POPULATE", "x"], ["DEBUG", "POPULATE", "1", "p", "-1"],
     ["DEBUG", "POPULATE", "1", "p", "x"], ["DEBUG", "POPULATE", "1", "p", "1", "extra"],
     ["DEBUG", "POPULATE", "1", "z" * 200], ["DBSIZE"], ["DEBUG", "DIGEST"]],
    # OBJECT: encodings and serialized lengths (address and LRU clock normalized).
    [["SET", "s", "v"], ["SET", "n", "12345"], ["SET", "r", "x" * 60], ["SET", "c", "ab" * 40],
     ["RPUSH", "l", "a", "b", "c"], ["RPUSH", "lb"] + _many("item", 200),
     ["SADD", "i", "1", "2"], ["SADD", "hs", "a"], ["HSET", "h", "f", "v"],
     ["ZADD", "z", "1", "a"], ["XADD", "x", "1-1", "f", "v"],
     ["DEBUG", "OBJECT", "s"], ["DEBUG", "OBJECT", "n"], ["DEBUG", "OBJECT", "r"],
     ["DEBUG", "OBJECT", "c"], ["DEBUG", "OBJECT", "l"], ["DEBUG", "OBJECT", "lb"],
     ["DEBUG", "OBJECT", "i"], ["DEBUG", "OBJECT", "hs"], ["DEBUG", "OBJECT", "h"],
     ["DEBUG", "OBJECT", "z"], ["DEBUG", "OBJECT", "x"], ["DEBUG", "OBJECT", "nokey"],
     ["DEBUG", "OBJECT"], ["DEBUG", "OBJECT", "s", "x"],
     ["DEBUG", "LISTPACK", "h"], ["DEBUG", "LISTPACK", "s"], ["DEBUG", "QUICKLIST", "l"],
     ["DEBUG", "QUICKLIST", "l", "1"], ["DEBUG", "QUICKLIST", "h"], ["DEBUG", "LISTPACK", "no"]],
    # PROTOCOL: every type (RESP3's attribute is sent only as its reply here).
    [["DEBUG", "PROTOCOL", "string"], ["DEBUG", "PROTOCOL", "integer"],
     ["DEBUG", "PROTOCOL", "double"], ["DEBUG", "PROTOCOL", "bignum"],
     ["DEBUG", "PROTOCOL", "null"], ["DEBUG", "PROTOCOL", "array"],
     ["DEBUG", "PROTOCOL", "set"], ["DEBUG", "PROTOCOL", "map"],
     ["DEBUG", "PROTOCOL", "verbatim"], ["DEBUG", "PROTOCOL", "true"],
     ["DEBUG", "PROTOCOL", "FALSE"], ["DEBUG", "PROTOCOL", "nope"],
     ["IF_RESP", "2", "DEBUG", "PROTOCOL", "attrib"], ["IF_RESP", "2", "DEBUG", "PROTOCOL", "push"],
     ["IF_RESP", "3", "DEBUG", "PROTOCOL", "push"], ["IF_RESP", "3", "@0!"]],
    # HELP, unknown subcommands and argument counts, the accepted switches.
    [["DEBUG", "HELP"], ["DEBUG", "help", "x"], ["DEBUG"], ["DEBUG", "nosuch"],
     ["DEBUG", "JMAP"], ["DEBUG", "DIGEST", "x"],
     ["DEBUG", "LOG", "hello"], ["DEBUG", "LOG"], ["DEBUG", "LEAK", "x"],
     ["DEBUG", "CHANGE-REPL-ID"], ["DEBUG", "STRINGMATCH-TEST"], ["DEBUG", "STRUCTSIZE"],
     ["DEBUG", "ERROR", "custom failure"], ["DEBUG", "ERROR", "WRONG\r\nlines"],
     ["DEBUG", "CLIENT-EVICTION"], ["DEBUG", "AOF-FLUSH-SLEEP", "0"],
     ["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never"],
     ["DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x"], ["DEBUG", "REPLYBUFFER", "nope", "1"],
     ["DEBUG", "REPLYBUFFER", "RESIZING", "1"], ["DEBUG", "DROP-CLUSTER-PACKET-FILTER", "x"],
     ["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0"], ["DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0"],
     ["DEBUG", "CONFIG-REWRITE-FORCE-ALL"]],
    # SLEEP, SET-ACTIVE-EXPIRE: with the cycle off, expired keys stay counted.
    [["DEBUG", "SLEEP", "0"], ["DEBUG", "SLEEP", "0.05"], ["DEBUG", "SLEEP", "x"],
     ["DEBUG", "SLEEP", "-1"], ["DEBUG", "SET-ACTIVE-EXPIRE", "0"],
     ["SET", "gone", "v", "PX", "1"], ["SET", "stay", "v"], ["SLEEP", "300"], ["DBSIZE"],
     ["DEBUG", "DIGEST-VALUE", "gone"], ["DEBUG", "SET-ACTIVE-EXPIRE", "1"], ["SLEEP", "300"],
     ["DBSIZE"]],
    # QUICKLIST-PACKED-THRESHOLD parsing.
    [["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1b"], ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100kb"],
     ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"], ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "x"],
     ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "-1"], ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
     ["DEBUG", "QUICKLIST-PACKED-THRESHOLD"]],
    # HTSTATS: empty and tiny tables, errors.
    [["DEBUG", "HTSTATS", "0"], ["DEBUG", "HTSTATS", "99"], ["DEBUG", "HTSTATS", "-1"],
     ["DEBUG", "HTSTATS", "x"], ["SET", "a", "1"], ["DEBUG", "HTSTATS", "0"],
     ["DEBUG", "HTSTATS-KEY", "a"], ["DEBUG", "HTSTATS-KEY", "nokey"],
     ["SADD", "s", "m"], ["DEBUG", "HTSTATS-KEY", "s"], ["HSET", "h", "f", "v"],
     ["DEBUG", "HTSTATS-KEY", "h"], ["ZADD", "z", "1", "m"], ["DEBUG", "HTSTATS-KEY", "z"]],
    # Inside MULTI.
    [["SET", "a", "1"], ["MULTI"], ["DEBUG", "DIGEST-VALUE", "a"], ["DEBUG", "DIGEST"],
     ["DEBUG", "POPULATE", "2"], ["DEBUG", "RELOAD"], ["DBSIZE"], ["EXEC"], ["DEBUG", "DIGEST"]],
]

CLEANUP = [
    ["DEBUG", "SET-ACTIVE-EXPIRE", "1"],
    ["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"],
]


def random_command(rng):
    key = rng.choice(KEYS)
    member = rng.choice(FIELDS)
    roll = rng.random()
    if roll < 0.25:
        return ["DEBUG", "DIGEST"]
    if roll < 0.4:
        return ["DEBUG", "DIGEST-VALUE"] + rng.sample(KEYS, rng.randint(1, 3))
    if roll < 0.42:
        return ["DEBUG", "RELOAD"]
    if roll < 0.44:
        return ["DEBUG", "POPULATE", str(rng.randint(0, 5)), rng.choice(["k", "key", "{t}"])]
    choice = rng.randrange(12)
    if choice == 0:
        return ["SET", key, member]
    if choice == 1:
        return ["RPUSH", key, member, rng.choice(FIELDS)]
    if choice == 2:
        return ["SADD", key, member]
    if choice == 3:
        return ["HSET", key, member, rng.choice(FIELDS)]
    if choice == 4:
        return ["ZADD", key, rng.choice(["1", "2.5", "-7", "1e3", "0.1"]), member]
    if choice == 5:
        return ["XADD", key, f"{rng.randint(1, 1000)}-{rng.randint(0, 3)}", member,
                rng.choice(FIELDS)]
    if choice == 6:
        return ["EXPIRE", key, str(rng.randint(50, 500))]
    if choice == 7:
        return ["PERSIST", key]
    if choice == 8:
        return ["DEL", key]
    if choice == 9:
        return ["LPOP", key]
    if choice == 10:
        return ["SREM", key, member]
    return ["SELECT", str(rng.randint(0, 2))]


_ADDRESS = re.compile(rb"at:0x[0-9a-f]+")
_LRU = re.compile(rb"lru:\d+ lru_seconds_idle:\d+")


def normalize(cmd, raw):
    """DEBUG OBJECT: the value's address and LRU clock are the servers' own."""
    if len(cmd) >= 2 and cmd[0].upper() == "DEBUG" and cmd[1].upper() == "OBJECT":
        return _LRU.sub(b"lru:N lru_seconds_idle:N", _ADDRESS.sub(b"at:ADDR", raw))
    return raw
