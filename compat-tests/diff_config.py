"""Differential cases for the encoding thresholds and CONFIG REWRITE's metadata (picked up by
differential.py).

`hash-max-listpack-*`, `zset-max-listpack-*`, `set-max-intset-entries`,
`list-max-listpack-size`, `list-compress-depth` and their `-ziplist-` aliases: CONFIG SET /
GET (units, ranges, errors), several parameters in one CONFIG SET with rollback, and the
structures converting where Redis converts (OBJECT ENCODING, and the listpack's insertion
order where a hashtable's order would be unspecified). CLEANUP puts the defaults back.
"""

DEFAULTS = ["CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64",
            "zset-max-listpack-entries", "128", "zset-max-listpack-value", "64",
            "set-max-intset-entries", "512", "list-max-listpack-size", "-2",
            "list-compress-depth", "0"]
# The LFU counter as OBJECT FREQ shows it: lfu-log-factor 0 makes every access count and
# lfu-decay-time 0 stops the per-minute decay, so the counters are deterministic. Values are
# strings that are not shared integers (Redis shares 0-9999 when maxmemory is 0, and their
# one counter is the shared object's).
LFU = ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0",
       "lfu-decay-time", "0"]
LFU_DEFAULTS = ["CONFIG", "SET", "maxmemory-policy", "noeviction", "lfu-log-factor", "10",
                "lfu-decay-time", "1"]
PERCENTILES = ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"]
CLEANUP = [DEFAULTS, LFU_DEFAULTS, PERCENTILES]

EDGE_CASES = [
    # INFO latencystats' percentiles (the values themselves are timings: not compared).
    [["CONFIG", "GET", "latency-tracking-info-percentiles"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.5 99.990 100"],
     ["CONFIG", "GET", "latency-tracking-info-percentiles"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "100.1"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "-1"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "50 x"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "nan"],
     ["CONFIG", "GET", "latency-tracking-info-percentiles"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", ""],
     ["CONFIG", "GET", "latency-tracking-info-percentiles"],
     ["CONFIG", "SET", "latency-tracking-info-percentiles", "1e1", "latency-tracking", "yes"],
     ["CONFIG", "GET", "latency-tracking-info-percentiles"], PERCENTILES],
    # Which commands count an access, and which counter a replaced or moved value keeps
    # (Redis's lookupKeyRead / lookupKeyWrite, setKey, dbSetValue, dbAdd of a moved object).
    [LFU, ["SET", "k", "v"], ["OBJECT", "FREQ", "k"], ["SET", "k", "w"], ["OBJECT", "FREQ", "k"],
     ["MSET", "k", "x"], ["OBJECT", "FREQ", "k"], ["GETSET", "k", "y"], ["OBJECT", "FREQ", "k"],
     ["SET", "k", "z", "GET"], ["OBJECT", "FREQ", "k"], ["MSETNX", "k", "a"], ["OBJECT", "FREQ", "k"],
     ["GETEX", "k", "EX", "100"], ["OBJECT", "FREQ", "k"], ["GETEX", "k", "PERSIST"],
     ["OBJECT", "FREQ", "k"], ["EXPIRE", "k", "100"], ["OBJECT", "FREQ", "k"], ["PERSIST", "k"],
     ["OBJECT", "FREQ", "k"], ["APPEND", "k", "b"], ["OBJECT", "FREQ", "k"], ["SETRANGE", "k", "1", "c"],
     ["OBJECT", "FREQ", "k"], ["SETBIT", "k", "1", "1"], ["OBJECT", "FREQ", "k"], ["STRLEN", "k"],
     ["OBJECT", "FREQ", "k"], ["SETEX", "k", "100", "v"], ["OBJECT", "FREQ", "k"],
     ["SETNX", "k", "v"], ["OBJECT", "FREQ", "k"], LFU_DEFAULTS],
    [LFU, ["SET", "k", "v"], ["GET", "k"], ["RENAME", "k", "k2"], ["OBJECT", "FREQ", "k2"],
     ["SET", "k3", "v"], ["RENAME", "k2", "k3"], ["OBJECT", "FREQ", "k3"], ["MOVE", "k3", "1"],
     ["SELECT", "1"], ["OBJECT", "FREQ", "k3"], ["SELECT", "0"], ["SET", "c", "v"], ["GET", "c"],
     ["GET", "c"], ["SET", "d", "v"], ["COPY", "d", "c", "REPLACE"], ["OBJECT", "FREQ", "c"],
     ["OBJECT", "FREQ", "d"], ["FLUSHALL"], LFU_DEFAULTS],
    [LFU, ["SADD", "s", "a"], ["SADD", "k", "b"], ["SUNIONSTORE", "k", "s"], ["OBJECT", "FREQ", "k"],
     ["SINTERSTORE", "k", "s", "s"], ["OBJECT", "FREQ", "k"], ["ZADD", "z", "1", "a"],
     ["ZUNIONSTORE", "k", "1", "z"], ["OBJECT", "FREQ", "k"], ["ZRANGESTORE", "k", "z", "0", "-1"],
     ["OBJECT", "FREQ", "k"], ["RPUSH", "l", "b", "a"], ["SORT", "l", "ALPHA", "STORE", "k"],
     ["OBJECT", "FREQ", "k"], ["SET", "k", "v"], ["BITOP", "NOT", "k", "k"], ["OBJECT", "FREQ", "k"],
     ["GEOADD", "g", "1", "1", "m"], ["GEORADIUS", "g", "1", "1", "10", "km", "STORE", "k"],
     ["OBJECT", "FREQ", "k"], ["RPUSH", "k2", "a"], ["RPUSH", "k2", "b"], ["OBJECT", "FREQ", "k2"],
     ["LMOVE", "k2", "k2", "LEFT", "RIGHT"], ["OBJECT", "FREQ", "k2"], ["HSET", "h", "a", "1"],
     ["HSET", "h", "b", "2"], ["OBJECT", "FREQ", "h"], ["PFADD", "p", "a"], ["PFADD", "p", "b"],
     ["OBJECT", "FREQ", "p"], ["PFMERGE", "p", "p"], ["OBJECT", "FREQ", "p"], LFU_DEFAULTS],
    # CONFIG REWRITE's help line, arity and command metadata (a rewrite itself would write
    # the servers' config files: tests/config_rewrite.rs covers it).
    [["CONFIG", "HELP"], ["CONFIG", "REWRITE", "x"], ["COMMAND", "INFO", "config|rewrite"],
     ["COMMAND", "DOCS", "config|rewrite"]],
    [["CONFIG", "GET", "hash-max-listpack-entries"], ["CONFIG", "GET", "hash-max-ziplist-entries"],
     ["CONFIG", "GET", "hash-max-listpack-value"], ["CONFIG", "GET", "zset-max-ziplist-value"],
     ["CONFIG", "GET", "zset-max-listpack-entries"], ["CONFIG", "GET", "set-max-intset-entries"],
     ["CONFIG", "GET", "list-max-listpack-size"], ["CONFIG", "GET", "list-max-ziplist-size"],
     ["CONFIG", "GET", "list-compress-depth"]],
    [["CONFIG", "SET", "hash-max-ziplist-value", "1kb"], ["CONFIG", "GET", "hash-max-listpack-value"],
     ["CONFIG", "SET", "hash-max-listpack-entries", "-1"], ["CONFIG", "SET", "zset-max-listpack-value", "x"],
     ["CONFIG", "SET", "set-max-intset-entries", "1.5"], ["CONFIG", "SET", "list-max-listpack-size", "-6"],
     ["CONFIG", "GET", "list-max-listpack-size"], ["CONFIG", "SET", "list-max-ziplist-size", "x"],
     ["CONFIG", "SET", "list-max-ziplist-size", "-2147483649"], ["CONFIG", "SET", "list-compress-depth", "-1"],
     ["CONFIG", "SET", "list-compress-depth", "3"], ["CONFIG", "GET", "list-compress-depth"], DEFAULTS],
    # Several at once: all or nothing.
    [["CONFIG", "SET", "set-max-intset-entries", "2", "zset-max-listpack-entries", "x"],
     ["CONFIG", "GET", "set-max-intset-entries"],
     ["CONFIG", "SET", "set-max-intset-entries", "2", "zset-max-listpack-entries", "1"],
     ["CONFIG", "GET", "set-max-intset-entries"], ["CONFIG", "GET", "zset-max-listpack-entries"],
     ["CONFIG", "SET", "set-max-intset-entries", "2", "databases", "16"],
     ["CONFIG", "SET", "set-max-intset-entries", "3", "set-max-intset-entries", "4"], DEFAULTS],
    # The structures follow them.
    [["CONFIG", "SET", "set-max-intset-entries", "2"], ["SADD", "s", "1", "2"], ["OBJECT", "ENCODING", "s"],
     ["SADD", "s", "3"], ["OBJECT", "ENCODING", "s"], ["SREM", "s", "3"], ["OBJECT", "ENCODING", "s"],
     ["SADD", "t", "1", "2", "3"], ["OBJECT", "ENCODING", "t"], DEFAULTS],
    [["CONFIG", "SET", "zset-max-ziplist-entries", "2", "zset-max-ziplist-value", "3"],
     ["ZADD", "z", "1", "a", "2", "b"], ["OBJECT", "ENCODING", "z"], ["ZADD", "z", "3", "c"],
     ["OBJECT", "ENCODING", "z"], ["ZADD", "y", "1", "abcd"], ["OBJECT", "ENCODING", "y"],
     ["ZADD", "x", "1", "abc"], ["OBJECT", "ENCODING", "x"], ["ZUNIONSTORE", "u", "1", "z"],
     ["OBJECT", "ENCODING", "u"], ["ZRANGESTORE", "r", "z", "0", "1"], ["OBJECT", "ENCODING", "r"],
     ["CONFIG", "SET", "zset-max-ziplist-entries", "0"], ["ZADD", "w", "1", "a"],
     ["OBJECT", "ENCODING", "w"], DEFAULTS],
    [["CONFIG", "SET", "hash-max-ziplist-entries", "2", "hash-max-ziplist-value", "4"],
     ["HSET", "h", "a", "1", "b", "2"], ["OBJECT", "ENCODING", "h"], ["HSET", "h", "c", "3"],
     ["OBJECT", "ENCODING", "h"], ["HSET", "g", "abcde", "1"], ["OBJECT", "ENCODING", "g"],
     ["HSET", "f", "a", "12345"], ["OBJECT", "ENCODING", "f"], ["HSET", "e", "abcd", "1234"],
     ["OBJECT", "ENCODING", "e"], ["HGETALL", "e"], ["HSCAN", "e", "0"], DEFAULTS],
    [["CONFIG", "SET", "list-max-ziplist-size", "1", "list-compress-depth", "1"],
     ["RPUSH", "l", "a", "b", "c", "d"], ["OBJECT", "ENCODING", "l"], ["LRANGE", "l", "0", "-1"],
     ["LINSERT", "l", "BEFORE", "c", "x"], ["LRANGE", "l", "0", "-1"], DEFAULTS],
]


def random_command(rng):
    """Random writes under small thresholds, with their encodings checked."""
    roll = rng.random()
    if roll < 0.1:
        return ["CONFIG", "SET", rng.choice(["set-max-intset-entries", "zset-max-listpack-entries",
                                             "hash-max-listpack-entries"]),
                str(rng.randint(0, 4))]
    if roll < 0.15:
        return ["CONFIG", "SET", rng.choice(["zset-max-listpack-value", "hash-max-listpack-value"]),
                str(rng.randint(0, 4))]
    key = rng.choice(["s", "z", "h"])
    if roll < 0.35:
        return ["OBJECT", "ENCODING", key]
    if roll < 0.45:
        return ["DEL", key]
    member = rng.choice(["1", "2", "3", "ab", "abcdef", "x"])
    if key == "s":
        return [rng.choice(["SADD", "SREM"]), "s", member]
    if key == "z":
        return ["ZADD", "z", str(rng.randint(0, 3)), member]
    return ["HSET", "h", member, rng.choice(["v", "value1"])]
