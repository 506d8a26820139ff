"""Keyspace commands over every collection type, for differential.py (`--family types`).

The same small keyspace ("k1".."k4", in databases 0 and 1) is written by string, hash, set
and sorted-set commands in random order, so each key keeps changing type; the keyspace
commands (TYPE, OBJECT, COPY, RENAME, the expiry family, SCAN TYPE, KEYS, DBSIZE, INFO
keyspace, ...) and the WRONGTYPE paths of every family are then compared with redis-server.
Bulk writes cross the encoding thresholds Redis uses without a config file (128 entries or
64-byte elements for listpacks, 512 integers for intsets) so the sticky conversions and the
encodings of copies and *STORE results are compared too.

Only absolute expiry times in the future (or in the past, which deletes) are used, so no
reply depends on the moment a server runs a command; TTL and PTTL are compared by sign.
Unordered replies (hash tables, KEYS, SCAN) are compared as multisets; RANDOMKEY by kind.
"""

import re

import diff_hashes
import diff_sets
import diff_sorted_sets
from diff_hashes import parse

FUTURE = "4102444800"      # 2100-01-01
FUTURE2 = "4102531200"     # a day later
FUTURE_MS = "4102444800123"
LONG = "L" * 65            # one byte over the listpack value limit

KEYS = ["k1", "k2", "k3", "k4"]
FIELDS = ["a", "b", "1", LONG]
MEMBERS = ["1", "2", "-7", "a", "b", "", LONG, "9223372036854775808"]
SCORES = ["1", "2", "-1.5", "inf"]
TYPES = ["string", "hash", "set", "zset", "list", "STRING", "Hash", "none", "foo", ""]
WRONG = "WRONGTYPE"


def _many_fields(n):
    out = []
    for i in range(n):
        out += ["f%d" % i, "v"]
    return out


def _many_pairs(n):
    out = []
    for i in range(n):
        out += [str(i), "m%d" % i]
    return out


def _ints(n):
    return [str(i) for i in range(n)]


E = ["OBJECT", "ENCODING"]

EDGE_CASES = [
    # TYPE and encodings of every type, and SCAN's TYPE filter (unknown names match nothing).
    [["SET", "s", "v"], ["HSET", "h", "f", "v"], ["SADD", "i", "1"], ["SADD", "t", "a"],
     ["ZADD", "z", "1", "a"], ["TYPE", "s"], ["TYPE", "h"], ["TYPE", "i"], ["TYPE", "t"],
     ["TYPE", "z"], ["TYPE", "nokey"], E + ["h"], E + ["i"], E + ["t"], E + ["z"],
     ["OBJECT", "REFCOUNT", "h"], ["OBJECT", "REFCOUNT", "i"], ["OBJECT", "REFCOUNT", "z"],
     ["SCAN", "0", "TYPE", "hash", "COUNT", "1000"], ["SCAN", "0", "TYPE", "set", "COUNT", "1000"],
     ["SCAN", "0", "TYPE", "zset", "COUNT", "1000"], ["SCAN", "0", "TYPE", "string", "COUNT", "1000"],
     ["SCAN", "0", "TYPE", "ZSet", "COUNT", "1000"], ["SCAN", "0", "TYPE", "list", "COUNT", "1000"],
     ["SCAN", "0", "TYPE", "foo", "COUNT", "1000"], ["SCAN", "0", "TYPE", "none", "COUNT", "1000"],
     ["SCAN", "0", "TYPE", "", "COUNT", "1000"], ["SCAN", "0", "TYPE"],
     ["SCAN", "0", "MATCH", "[hz]", "TYPE", "zset", "COUNT", "1000"],
     ["KEYS", "*"], ["DBSIZE"], ["INFO", "keyspace"], ["EXISTS", "s", "h", "i", "t", "z", "n"],
     ["TOUCH", "h", "i", "z", "n"], ["DEL", "h", "i", "z", "n"], ["UNLINK", "t", "s"], ["DBSIZE"],
     ["RANDOMKEY"]],
    # Hash encodings: 128 entries, 64-byte fields and values, sticky after deletion.
    [["HSET", "h"] + _many_fields(128), E + ["h"], ["HSET", "h", "x", "v"], E + ["h"],
     ["HDEL", "h", "x", "f1"], E + ["h"], ["COPY", "h", "hc"], E + ["hc"],
     ["HSET", "v", "f", "x" * 64], E + ["v"], ["HSET", "v", "g", LONG], E + ["v"],
     ["HDEL", "v", "g"], E + ["v"], ["COPY", "v", "vc"], E + ["vc"], ["RENAME", "v", "vr"],
     E + ["vr"], ["HSET", "lf", LONG, "1"], E + ["lf"], ["HSETNX", "n", "f", LONG], E + ["n"],
     ["HINCRBY", "hi", LONG, "1"], E + ["hi"], ["HINCRBYFLOAT", "hf", "f", "1e100"],
     E + ["hf"], ["HSET", "dup", "a", "1"] + ["a", "2"] * 130, E + ["dup"], ["HLEN", "dup"]],
    # Set encodings: intset up to 512 integers, a non-integer or a huge one converts.
    [["SADD", "s"] + _ints(512), E + ["s"], ["SADD", "s", "512"], E + ["s"],
     ["SREM", "s", "512", "511"], E + ["s"], ["COPY", "s", "sc"], E + ["sc"],
     ["SADD", "m", "1", "x"], ["SREM", "m", "x"], E + ["m"], ["COPY", "m", "mc"], E + ["mc"],
     ["SUNIONSTORE", "u", "m"], E + ["u"], ["SINTERSTORE", "in", "m", "m"], E + ["in"],
     ["SDIFFSTORE", "d", "m"], E + ["d"], ["SMOVE", "m", "mv", "1"], E + ["mv"],
     ["EXISTS", "m"], ["SADD", "b", "9223372036854775808"], E + ["b"],
     ["SADD", "z0", "-0"], E + ["z0"], ["SADD", "lead", "007"], E + ["lead"],
     ["SADD", "min", "-9223372036854775808"], E + ["min"], ["SADD", "big"] + _ints(513),
     E + ["big"], ["SPOP", "big", "1000"], ["EXISTS", "big"]],
    # Sorted-set encodings, including ZADD's size hint and the *STORE results.
    [["ZADD", "z"] + _many_pairs(128), E + ["z"], ["ZADD", "z", "1", "new"], E + ["z"],
     ["ZREM", "z", "new", "m1"], E + ["z"], ["COPY", "z", "zc"], E + ["zc"],
     ["ZADD", "l", "1", "x" * 64], E + ["l"], ["ZADD", "l", "1", LONG], E + ["l"],
     ["ZADD", "dup"] + ["1", "a"] * 129, E + ["dup"], ["ZCARD", "dup"],
     ["ZADD", "xx", "XX"] + ["1", "a"] * 129, ["EXISTS", "xx"],
     ["ZINCRBY", "inc", "1", LONG], E + ["inc"],
     ["ZUNIONSTORE", "u", "1", "z"], E + ["u"], ["ZRANGESTORE", "r", "z", "0", "9"], E + ["r"],
     ["ZRANGESTORE", "r2", "z", "0", "-1"], E + ["r2"],
     ["ZRANGESTORE", "r3", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "0", "5"], E + ["r3"],
     ["ZADD", "sl", "1", LONG, "2", "b"], ["ZREM", "sl", LONG], E + ["sl"],
     ["ZUNIONSTORE", "u2", "1", "sl"], E + ["u2"], ["COPY", "sl", "slc"], E + ["slc"],
     ["ZDIFFSTORE", "d", "1", "sl"], E + ["d"], ["ZINTERSTORE", "i", "1", "sl"], E + ["i"],
     ["SADD", "set", "a", LONG], ["ZUNIONSTORE", "u3", "1", "set"], E + ["u3"],
     ["ZPOPMIN", "u3"], E + ["u3"]],
    # COPY: independent copies of each type, DB, REPLACE of another type, TTL kept.
    [["HSET", "h", "f", "v"], ["SADD", "s", "1", "a"], ["ZADD", "z", "1", "a"],
     ["PEXPIREAT", "z", FUTURE_MS], ["COPY", "h", "h2"], ["COPY", "s", "s2"],
     ["COPY", "z", "z2"], ["HSET", "h2", "g", "w"], ["HGETALL", "h"], ["HGETALL", "h2"],
     ["SADD", "s2", "b"], ["SREM", "s2", "1"], ["SMEMBERS", "s"], ["SMEMBERS", "s2"],
     ["ZADD", "z2", "5", "a", "2", "b"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"],
     ["ZRANGE", "z2", "0", "-1", "WITHSCORES"], ["PEXPIRETIME", "z2"], ["COPY", "h", "s"],
     ["COPY", "h", "s", "REPLACE"], ["TYPE", "s"], ["HGETALL", "s"], ["COPY", "z", "z", "DB", "1"],
     ["COPY", "z", "z", "DB", "1"], ["COPY", "s2", "z", "DB", "1", "REPLACE"], ["SELECT", "1"],
     ["TYPE", "z"], ["SMEMBERS", "z"], ["EXPIRETIME", "z"], ["SADD", "z", "c"], ["DBSIZE"],
     ["INFO", "keyspace"], ["COPY", "z", "back", "DB", "0"], ["SELECT", "0"],
     ["SMEMBERS", "back"], ["SMEMBERS", "s2"], ["COPY", "z", "z"], ["COPY", "z", "z", "DB", "0"],
     ["PEXPIREAT", "h", FUTURE_MS], ["SET", "str", "x", "EXAT", FUTURE2],
     ["COPY", "h", "str", "REPLACE"], ["EXPIRETIME", "str"], ["HGETALL", "str"],
     ["INFO", "keyspace"], ["FLUSHALL"], ["SELECT", "0"]],
    # RENAME and RENAMENX move value and TTL over a destination of another type.
    [["HSET", "h", "f", "v"], ["EXPIREAT", "h", FUTURE], ["SADD", "s", "1"],
     ["EXPIREAT", "s", FUTURE2], ["ZADD", "z", "1", "a"], ["SET", "str", "x"],
     ["RENAMENX", "h", "s"], ["RENAME", "h", "s"], ["TYPE", "s"], ["EXPIRETIME", "s"],
     ["EXISTS", "h"], ["RENAME", "s", "str"], ["TYPE", "str"], ["EXPIRETIME", "str"],
     ["RENAME", "z", "str"], ["TYPE", "str"], ["EXPIRETIME", "str"], ["RENAMENX", "str", "new"],
     ["ZRANGE", "new", "0", "-1"], ["RENAME", "new", "new"], ["RENAMENX", "new", "new"],
     ["RENAME", "nokey", "new"], ["RENAMENX", "nokey", "new"], ["KEYS", "*"]],
    # Expiry on collection keys; a time in the past deletes.
    [["HSET", "h", "f", "v"], ["SADD", "s", "a"], ["ZADD", "z", "1", "a"],
     ["EXPIREAT", "h", FUTURE, "XX"], ["EXPIREAT", "h", FUTURE, "NX"], ["EXPIRETIME", "h"],
     ["EXPIREAT", "h", FUTURE2, "LT"], ["EXPIREAT", "h", FUTURE2, "GT"], ["EXPIRETIME", "h"],
     ["PEXPIREAT", "s", FUTURE_MS], ["PEXPIRETIME", "s"], ["PERSIST", "s"], ["PERSIST", "s"],
     ["PEXPIRETIME", "s"], ["TTL", "s"], ["PTTL", "nokey"], ["HSET", "h", "g", "w"],
     ["EXPIRETIME", "h"], ["HDEL", "h", "f", "g"], ["EXPIRETIME", "h"], ["EXISTS", "h"],
     ["EXPIREAT", "z", "1"], ["EXISTS", "z"], ["PEXPIRE", "s", "-1"], ["EXISTS", "s"],
     ["DBSIZE"], ["INFO", "keyspace"]],
    # *STORE over a key of another type (with a TTL: Redis drops it) and empty results.
    [["SET", "d", "x", "EXAT", FUTURE], ["SADD", "s", "a", "b"], ["SADD", "t", "b"],
     ["SINTERSTORE", "d", "s", "t"], ["TYPE", "d"], ["EXPIRETIME", "d"],
     ["HSET", "d2", "f", "v"], ["EXPIREAT", "d2", FUTURE], ["ZUNIONSTORE", "d2", "2", "s", "t"],
     ["TYPE", "d2"], ["EXPIRETIME", "d2"], ["ZRANGE", "d2", "0", "-1", "WITHSCORES"],
     ["ZADD", "z", "1", "a"], ["EXPIREAT", "z", FUTURE], ["SUNIONSTORE", "z", "s"],
     ["TYPE", "z"], ["EXPIRETIME", "z"], ["SET", "e", "x"], ["SDIFFSTORE", "e", "s", "s"],
     ["EXISTS", "e"], ["SET", "e", "x"], ["ZINTERSTORE", "e", "2", "s", "nokey"], ["EXISTS", "e"],
     ["SET", "e", "x"], ["ZRANGESTORE", "e", "nokey", "0", "-1"], ["EXISTS", "e"],
     ["SET", "e", "x"], ["ZRANGESTORE", "e", "d2", "5", "9"], ["EXISTS", "e"],
     ["HSET", "h", "f", "v"], ["ZRANGESTORE", "h", "d2", "0", "-1"], ["TYPE", "h"],
     ["SMOVE", "s", "str", "a"], ["SET", "str", "x"], ["SMOVE", "s", "str", "a"],
     ["SMOVE", "str", "s", "a"], ["SMEMBERS", "s"]],
    # WRONGTYPE matrix: every family's commands against the other types.
    [["SET", "str", "v"], ["HSET", "h", "f", "v"], ["SADD", "s", "a"], ["ZADD", "z", "1", "a"]]
    + [cmd for key in ("str", "h", "s", "z") for cmd in (
        ["GET", key], ["APPEND", key, "x"], ["INCR", key], ["STRLEN", key], ["GETRANGE", key, "0", "1"],
        ["SETRANGE", key, "0", "x"], ["GETDEL", key], ["GETEX", key], ["GETSET", key, "x"],
        ["INCRBYFLOAT", key, "1"], ["MGET", key, "str"], ["LCS", key, "str"],
        ["HSET", key, "f", "v"], ["HGET", key, "f"], ["HLEN", key], ["HGETALL", key],
        ["HINCRBY", key, "f", "1"], ["HDEL", key, "f"], ["HSCAN", key, "0"], ["HRANDFIELD", key],
        ["SADD", key, "a"], ["SREM", key, "a"], ["SCARD", key], ["SMEMBERS", key],
        ["SISMEMBER", key, "a"], ["SINTER", key, "s"], ["SUNIONSTORE", "dst", key, "s"],
        ["SMOVE", key, "s", "a"], ["SINTERCARD", "1", key], ["SPOP", key], ["SSCAN", key, "0"],
        ["ZADD", key, "1", "a"], ["ZREM", key, "a"], ["ZCARD", key], ["ZSCORE", key, "a"],
        ["ZRANGE", key, "0", "-1"], ["ZINCRBY", key, "1", "a"], ["ZUNIONSTORE", "dst", "1", key],
        ["ZINTER", "2", key, "z"], ["ZRANGESTORE", "dst", key, "0", "-1"], ["ZPOPMIN", key],
        ["ZMPOP", "1", key, "MIN"], ["ZSCAN", key, "0"], ["TYPE", key], ["EXISTS", "dst"])],
    # Keyspace counts and FLUSHDB with collections in two databases.
    [["HSET", "h", "f", "v"], ["SADD", "s", "1"], ["EXPIREAT", "s", FUTURE],
     ["COPY", "h", "h", "DB", "1"], ["COPY", "s", "s", "DB", "1"], ["COPY", "s", "s2", "DB", "1"],
     ["INFO", "keyspace"], ["DBSIZE"], ["SELECT", "1"], ["DBSIZE"], ["KEYS", "*"],
     ["SCAN", "0", "TYPE", "set", "COUNT", "1000"], ["FLUSHDB"], ["DBSIZE"], ["SELECT", "0"],
     ["DBSIZE"], ["INFO", "keyspace"], ["FLUSHALL"], ["INFO", "keyspace"], ["RANDOMKEY"]],
]


def _pick(rng, items):
    return rng.choice(items)


def _string_writes(rng, k, k2):
    return [
        ["SET", k, _pick(rng, ["v", "12", "x" * 50])],
        ["SET", k, "v", "EXAT", _pick(rng, [FUTURE, FUTURE2])],
        ["APPEND", k, "x"], ["INCR", k], ["SETRANGE", k, "1", "y"], ["GETDEL", k],
        ["MSET", k, "1", k2, "2"], ["GETEX", k, "PERSIST"], ["INCRBYFLOAT", k, "1.5"],
    ]


def _bulk(rng):
    """Whether a write adds many elements at once (crossing an encoding threshold)."""
    return rng.random() < 0.08


def _hash_writes(rng, k, k2):
    f = _pick(rng, FIELDS)
    return [
        ["HSET", k, f, _pick(rng, ["v", "1", LONG])], ["HSET", k, "a", "1", "b", "2"],
        ["HDEL", k, f], ["HINCRBY", k, "n", "1"], ["HINCRBYFLOAT", k, "x", "1e70"],
        ["HSET", k] + _many_fields(rng.randint(120, 135)) if _bulk(rng) else ["HSETNX", k, f, "v"],
    ]


def _set_writes(rng, k, k2):
    m, m2 = _pick(rng, MEMBERS), _pick(rng, MEMBERS)
    return [
        ["SADD", k, m, m2], ["SADD", k, _pick(rng, ["1", "2", "3"])], ["SREM", k, m],
        ["SMOVE", k, k2, m],
        ["SADD", k] + _ints(rng.randint(505, 515)) if _bulk(rng) else ["SPOP", k, "10000"],
    ]


def _zset_writes(rng, k, k2):
    m = _pick(rng, MEMBERS)
    return [
        ["ZADD", k, _pick(rng, SCORES), m], ["ZADD", k, "1", "a", "2", "b"], ["ZREM", k, m],
        ["ZINCRBY", k, "1", m], ["ZMPOP", "2", k, k2, "MAX"],
        ["ZADD", k] + _many_pairs(rng.randint(120, 135)) if _bulk(rng) else ["ZPOPMIN", k],
    ]


def _stores(rng, k, k2):
    """Stores over a destination of any type, from inputs of any type."""
    k3 = _pick(rng, KEYS)
    return [
        ["SUNIONSTORE", k, k2, k3], ["SINTERSTORE", k, k2, k3], ["SDIFFSTORE", k, k2, k3],
        ["ZUNIONSTORE", k, "2", k2, k3], ["ZINTERSTORE", k, "2", k2, k3],
        ["ZDIFFSTORE", k, "2", k2, k3],
        ["ZRANGESTORE", k, k2, _pick(rng, ["0", "1"]), _pick(rng, ["-1", "5", "200"])],
    ]


def _reads(rng, k, k2):
    f, m = _pick(rng, FIELDS), _pick(rng, MEMBERS)
    return [
        ["GET", k], ["STRLEN", k], ["MGET", k, k2], ["HGET", k, f], ["HLEN", k], ["HGETALL", k],
        ["SCARD", k], ["SISMEMBER", k, m], ["SMEMBERS", k], ["SINTERCARD", "2", k, k2],
        ["ZCARD", k], ["ZSCORE", k, m], ["ZRANGE", k, "0", "-1", "WITHSCORES"],
        ["ZUNION", "2", k, k2, "WITHSCORES"], ["SUNION", k, k2],
    ]


def _keyspace(rng, k, k2):
    t = _pick(rng, TYPES)
    return [
        ["TYPE", k], ["OBJECT", "ENCODING", k], ["OBJECT", "REFCOUNT", k],
        ["OBJECT", "IDLETIME", k], ["EXISTS", k, k2, k], ["TOUCH", k, k2],
        ["DEL", k], ["UNLINK", k, k2],
        ["EXPIREAT", k, _pick(rng, [FUTURE, FUTURE2]), _pick(rng, ["NX", "XX", "GT", "LT"])],
        ["EXPIREAT", k, _pick(rng, [FUTURE, FUTURE2])], ["PEXPIREAT", k, FUTURE_MS],
        ["EXPIREAT", k, _pick(rng, ["1", "-5"])], ["PERSIST", k],
        ["TTL", k], ["PTTL", k], ["EXPIRETIME", k], ["PEXPIRETIME", k],
        ["RENAME", k, k2], ["RENAMENX", k, k2], ["COPY", k, k2], ["COPY", k, k2, "REPLACE"],
        ["COPY", k, k2, "DB", _pick(rng, ["0", "1"]), "REPLACE"], ["COPY", k, k2, "DB", "1"],
        ["SELECT", _pick(rng, ["0", "0", "1"])],
        ["SCAN", "0", "TYPE", t, "COUNT", "1000"],
        ["SCAN", "0", "MATCH", _pick(rng, ["k[12]", "*", "k?"]), "TYPE", t, "COUNT", "1000"],
        ["KEYS", _pick(rng, ["*", "k[13]"])], ["RANDOMKEY"], ["DBSIZE"], ["INFO", "keyspace"],
        ["FLUSHDB"] if rng.random() < 0.1 else ["DBSIZE"],
    ]


# (weight, generator): collection writes outweigh string writes, and deletions keep
# keys changing type instead of settling as strings (SET overwrites anything).
GROUPS = [
    (6, lambda rng, k, k2: [["DEL", k], ["UNLINK", k, k2], ["GETDEL", k]]),
    (6, _string_writes), (12, _hash_writes), (12, _set_writes), (12, _zset_writes),
    (8, _stores), (14, _reads), (30, _keyspace),
]


def random_command(rng):
    k, k2 = _pick(rng, KEYS), _pick(rng, KEYS)
    generators = [g for weight, g in GROUPS for _ in range(weight)]
    return rng.choice(_pick(rng, generators)(rng, k, k2))


_AVG_TTL = re.compile(rb"avg_ttl=\d+")


def normalize(cmd, raw):
    name = cmd[0].upper()
    if raw[:1] in (b"-", b"!"):
        return raw
    if name == "INFO":
        # avg_ttl is an estimate Redis refreshes in its expiry cycle; the rest is exact.
        body = parse(raw)[1]
        return _AVG_TTL.sub(b"avg_ttl", body)
    if name in ("TTL", "PTTL"):
        value = int(raw[1:-2])
        return value if value < 0 else "positive"
    if name == "OBJECT" and cmd[1].upper() == "IDLETIME":
        return raw[:1]
    if name == "RANDOMKEY":
        return raw[:1] + (b"null" if raw in (b"$-1\r\n", b"_\r\n") else b"key")
    if name == "SCAN":
        kind, ((_, cursor), (ikind, keys)) = parse(raw)
        return (kind, cursor, ikind, sorted(keys))
    if name.startswith("H"):
        return diff_hashes.normalize(cmd, raw)
    if name.startswith("S") and name not in ("SET", "SETRANGE", "STRLEN", "SELECT"):
        return diff_sets.normalize(cmd, raw)
    if name.startswith("Z"):
        return diff_sorted_sets.normalize(cmd, raw)
    return raw
