"""Differential cases for the hash family (picked up by differential.py).

Hashes stay small (at most 8 field names), so HSCAN answers in one call on both servers;
long values (> 64 bytes) and numbers make both encodings and every HINCRBY* error appear.
Replies whose order Redis leaves unspecified (a hashtable hash's HGETALL, HKEYS, HVALS,
HSCAN) are compared as sorted multisets of fields / pairs; HRANDFIELD is random, so only
its shape is compared (kind, length, and the whole content when the count covers the hash).
"""

LONG = "v" * 70

EDGE_CASES = [
    [["HSET", "h", "a", "1", "b", "2", "a", "3"], ["HGETALL", "h"], ["HSET", "h", "a"],
     ["HSET", "h", "a", "1", "b"], ["HMSET", "h", "c", "4"], ["HMSET", "h", "c"],
     ["HKEYS", "h"], ["HVALS", "h"], ["HLEN", "h"], ["HLEN", "nokey"]],
    [["HSET", "h", "a", "1", "b", "2", "c", "3"], ["HDEL", "h", "b", "zz", "b"],
     ["HSET", "h", "b", "9"], ["HGETALL", "h"], ["HSCAN", "h", "0"], ["HDEL", "h", "a", "b", "c"],
     ["EXISTS", "h"], ["HDEL", "h", "a"], ["HDEL", "h"]],
    [["HSET", "h", "a", "1"], ["HGET", "h", "a"], ["HGET", "h", "zz"], ["HGET", "nokey", "a"],
     ["HMGET", "h", "a", "zz", "a"], ["HMGET", "nokey", "a"], ["HSTRLEN", "h", "a"],
     ["HSTRLEN", "h", "zz"], ["HEXISTS", "h", "a"], ["HEXISTS", "h", "zz"],
     ["HSETNX", "h", "a", "2"], ["HSETNX", "h", "b", "2"], ["HSETNX", "h", "b"],
     ["HGETALL", "nokey"], ["HKEYS", "nokey"], ["HVALS", "nokey"]],
    [["HINCRBY", "h", "n", "5"], ["HINCRBY", "h", "n", "-7"], ["HINCRBY", "h", "n", "1.5"],
     ["HINCRBY", "h", "n", "x"], ["HSET", "h", "s", "abc", "z", "01", "m", "9223372036854775807"],
     ["HINCRBY", "h", "s", "1"], ["HINCRBY", "h", "z", "1"], ["HINCRBY", "h", "m", "1"],
     ["HINCRBY", "h", "m", "-1"], ["HSET", "h", "mn", "-9223372036854775808"],
     ["HINCRBY", "h", "mn", "-1"], ["HINCRBY", "h", "new", "9223372036854775807"],
     ["HGETALL", "h"]],
    [["HINCRBYFLOAT", "h", "f", "0.1"], ["HINCRBYFLOAT", "h", "f", "0.2"],
     ["HINCRBYFLOAT", "h", "f", "1e3"], ["HINCRBYFLOAT", "h", "f", "inf"],
     ["HINCRBYFLOAT", "h", "f", "-inf"], ["HINCRBYFLOAT", "h", "f", "nan"],
     ["HINCRBYFLOAT", "h", "f", "abc"], ["HINCRBYFLOAT", "h", "f", "5.0e3"],
     ["HINCRBYFLOAT", "h", "f", "-5000"], ["HSET", "h", "s", "abc", "x", "0x10"],
     ["HINCRBYFLOAT", "h", "s", "1"], ["HINCRBYFLOAT", "h", "x", "1"],
     ["HINCRBYFLOAT", "h", "big", "1e4932"], ["HINCRBYFLOAT", "h", "big", "1e4932"],
     ["OBJECT", "ENCODING", "h"], ["HINCRBYFLOAT", "h", "long", "1e70"],
     ["OBJECT", "ENCODING", "h"], ["HSTRLEN", "h", "long"]],
    [["SET", "s", "x"], ["HSET", "s", "a", "1"], ["HMSET", "s", "a", "1"], ["HSETNX", "s", "a", "1"],
     ["HGET", "s", "a"], ["HMGET", "s", "a"], ["HDEL", "s", "a"], ["HLEN", "s"],
     ["HSTRLEN", "s", "a"], ["HEXISTS", "s", "a"], ["HKEYS", "s"], ["HVALS", "s"],
     ["HGETALL", "s"], ["HINCRBY", "s", "a", "1"], ["HINCRBY", "s", "a", "x"],
     ["HINCRBYFLOAT", "s", "a", "1"], ["HINCRBYFLOAT", "s", "a", "inf"],
     ["HRANDFIELD", "s"], ["HRANDFIELD", "s", "1"], ["HRANDFIELD", "s", "x"],
     ["HSCAN", "s", "0"], ["HSCAN", "s", "x"], ["HSCAN", "s", "0", "COUNT", "0"]],
    [["HRANDFIELD", "nokey"], ["HRANDFIELD", "nokey", "5"], ["HRANDFIELD", "nokey", "5", "WITHVALUES"],
     ["HRANDFIELD", "nokey", "5", "WITHVALUE"], ["HRANDFIELD", "nokey", "x"],
     ["HRANDFIELD", "nokey", "-9223372036854775808"],
     ["HRANDFIELD", "nokey", "-4611686018427387904", "WITHVALUES"],
     ["HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"],
     ["HRANDFIELD", "nokey", "-4611686018427387903", "WITHVALUES"],
     ["HSET", "h", "a", "1", "b", "2", "c", "3"], ["HRANDFIELD", "h", "0"],
     ["HRANDFIELD", "h", "0", "WITHVALUES"], ["HRANDFIELD", "h", "3"], ["HRANDFIELD", "h", "10"],
     ["HRANDFIELD", "h", "10", "WITHVALUES"], ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
     ["HRANDFIELD", "h", "-5"], ["HRANDFIELD", "h", "-5", "WITHVALUES"], ["HRANDFIELD", "h", "2"],
     ["HRANDFIELD", "h"], ["HSET", "one", "f", "v"], ["HRANDFIELD", "one"],
     ["HRANDFIELD", "one", "-3", "WITHVALUES"]],
    [["HSET", "h", "a", "1", "b", "2", "ab", "3"], ["HSCAN", "h", "0"], ["HSCAN", "h", "99", "COUNT", "1"],
     ["HSCAN", "h", "0", "MATCH", "a*"], ["HSCAN", "h", "0", "MATCH", "z*"],
     ["HSCAN", "h", "0", "MATCH", "*", "COUNT", "100"], ["HSCAN", "h", "0", "COUNT", "0"],
     ["HSCAN", "h", "0", "COUNT", "-1"], ["HSCAN", "h", "0", "COUNT", "x"], ["HSCAN", "h", "0", "MATCH"],
     ["HSCAN", "h", "0", "TYPE", "hash"], ["HSCAN", "h", "0", "FOO", "1"], ["HSCAN", "h", "abc"],
     ["HSCAN", "h", "-1"], ["HSCAN", "h", ""], ["HSCAN", "nokey", "0", "COUNT", "0"],
     ["HSCAN", "nokey", "x"]],
    # Encodings: listpack limits, HSET checking every argument, stickiness.
    [["HSET", "a", "f", "v" * 64], ["OBJECT", "ENCODING", "a"], ["HSET", "a", "f", "v" * 65],
     ["OBJECT", "ENCODING", "a"], ["HDEL", "a", "f"], ["EXISTS", "a"], ["HSET", "b", "f" * 65, "v"],
     ["OBJECT", "ENCODING", "b"], ["HSET", "c", "f", LONG, "f", "v"], ["OBJECT", "ENCODING", "c"],
     ["HSET", "d", "f", "v"], ["HSETNX", "d", "f", LONG], ["OBJECT", "ENCODING", "d"],
     ["HSETNX", "d", "g", LONG], ["OBJECT", "ENCODING", "d"], ["HDEL", "d", "g"],
     ["OBJECT", "ENCODING", "d"], ["HINCRBY", "e", "f", "1"], ["OBJECT", "ENCODING", "e"]],
    [["HSET", "big"] + [x for i in range(512) for x in ("f%d" % i, "v")],
     ["OBJECT", "ENCODING", "big"], ["HSET", "big", "f512", "v"], ["OBJECT", "ENCODING", "big"],
     ["HLEN", "big"], ["HDEL", "big"] + ["f%d" % i for i in range(500)],
     ["OBJECT", "ENCODING", "big"], ["HLEN", "big"]],
    # Expiry survives writes; the key goes when emptied; TYPE.
    [["HSET", "h", "a", "1"], ["EXPIREAT", "h", "4102444800"], ["HSET", "h", "b", "2"],
     ["HINCRBY", "h", "c", "1"], ["HDEL", "h", "a"], ["EXPIRETIME", "h"], ["TYPE", "h"],
     ["HDEL", "h", "b", "c"], ["EXPIRETIME", "h"], ["HSET", "h", "a", "1"], ["EXPIRETIME", "h"]],
    [["HSET", "h", "a", "1"], ["RENAME", "h", "h2"], ["HGETALL", "h2"], ["COPY", "h2", "h3"],
     ["HSET", "h3", "b", "2"], ["HLEN", "h2"], ["HLEN", "h3"], ["OBJECT", "ENCODING", "h3"],
     ["DEL", "h2"], ["SCAN", "0", "TYPE", "hash"]],
]

KEYS = ["h1", "h2", "s"]
FIELDS = ["a", "b", "c", "d", "e", "f", "g", "long" * 17]
VALUES = ["", "0", "1", "-1", "10", "3.5", "abc", "9223372036854775807", "-9223372036854775808",
          "1e3", " 1", "007", "0x10", LONG]
INCREMENTS = ["1", "-1", "100", "0", "1.5", "x", "9223372036854775807", "-9223372036854775808", ""]
FLOAT_INCREMENTS = ["0.1", "-1.5", "1e2", "abc", "3", "inf", "1e4932", "-0.1", "5.0e3"]


def random_command(rng):
    k = rng.choice(KEYS)
    f, f2 = rng.choice(FIELDS), rng.choice(FIELDS)
    v, v2 = rng.choice(VALUES), rng.choice(VALUES)
    options = [
        ["HSET", k, f, v], ["HSET", k, f, v, f2, v2], ["HMSET", k, f, v, f2, v2],
        ["HSETNX", k, f, v], ["HGET", k, f], ["HMGET", k, f, f2, "zz"], ["HDEL", k, f],
        ["HDEL", k, f, f2], ["HLEN", k], ["HSTRLEN", k, f], ["HEXISTS", k, f],
        ["HKEYS", k], ["HVALS", k], ["HGETALL", k],
        ["HINCRBY", k, f, rng.choice(INCREMENTS)],
        ["HINCRBYFLOAT", k, f, rng.choice(FLOAT_INCREMENTS)],
        ["HRANDFIELD", k], ["HRANDFIELD", k, rng.choice(["0", "1", "3", "-2", "20", "x"])],
        ["HRANDFIELD", k, rng.choice(["2", "-3", "20"]), "WITHVALUES"],
        # A hashtable hash pages differently in Redis (its COUNT counts fields and values):
        # a COUNT above the size gets the whole hash from both.
        ["HSCAN", k, "0", "COUNT", "100"],
        ["HSCAN", k, "0", "MATCH", rng.choice(["a*", "[a-c]", "*", "l*"]), "COUNT", "100"],
        ["HSCAN", k, "0", "COUNT", rng.choice(["100", "0", "x"])],
        ["OBJECT", "ENCODING", k], ["EXISTS", k], ["TYPE", k], ["DEL", k],
        ["SET", "s", "x"],
    ]
    return rng.choice(options)


# ---------------------------------------------------------------------------------------
# Normalization of unordered replies
# ---------------------------------------------------------------------------------------

def parse(raw):
    """Raw RESP bytes -> (kind, value) trees: aggregates keep their kind byte."""
    value, rest = _parse(raw)
    assert rest == b"", rest
    return value


def _parse(raw):
    line, rest = raw.split(b"\r\n", 1)
    kind, body = line[:1], line[1:]
    if kind in (b"$", b"=", b"!"):
        n = int(body)
        if n < 0:
            return (kind, None), rest
        return (kind, rest[:n]), rest[n + 2:]
    if kind in (b"*", b"~", b">", b"%"):
        n = int(body)
        if n < 0:
            return (kind, None), rest
        items = []
        for _ in range(n * 2 if kind == b"%" else n):
            item, rest = _parse(rest)
            items.append(item)
        return (kind, items), rest
    return (kind, body), rest


def _pairs(items):
    """Field/value pairs of a flat array or a map's items."""
    return sorted(zip(items[0::2], items[1::2]))


def normalize(cmd, raw):
    name = cmd[0].upper()
    if raw[:1] in (b"-", b"!"):
        return raw
    tree = parse(raw)
    kind, items = tree
    if name in ("HKEYS", "HVALS"):
        return (kind, sorted(items))
    if name == "HGETALL":
        return (kind, _pairs(items))
    if name == "HSCAN":
        (_, cursor), (ikind, elements) = items
        return (kind, cursor, ikind, _pairs(elements))
    if name == "HRANDFIELD":
        if len(cmd) == 2 or items is None:
            # Null, or one random field: compare the kind only.
            return (kind, items is None)
        count = int(cmd[2])
        if count > 0:
            # Distinct picks: the whole hash when the count covers it, else just the length.
            with_values = len(cmd) == 4
            flat = [x for item in items for x in (item[1] if item[0] == b"*" and with_values
                                                  and isinstance(item[1], list) else [item])]
            return (kind, len(items), sorted(flat) if len(items) < count else None)
        return (kind, len(items), [i[0] for i in items])
    return raw
