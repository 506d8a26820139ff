"""Differential cases for the set family (picked up by differential.py).

Members mix integers and words, so intset and hashtable encodings (and the conversion
between them) both appear. A hashtable set's order is unspecified, so SMEMBERS, SINTER,
SUNION, SDIFF, SPOP with a count and SSCAN are compared as sorted multisets; SRANDMEMBER is
random and compared by shape (kind, length, and content when the count covers the set).
SPOP with a count is compared by kind and length; in the random sequence it only appears
where it is deterministic (a count covering the set, or 0): a random pop would make the two
keyspaces drift apart.
"""

from diff_hashes import parse

EDGE_CASES = [
    [["SADD", "s", "a", "b", "c"], ["SADD", "s", "a", "d"], ["SMEMBERS", "s"], ["SCARD", "s"],
     ["SISMEMBER", "s", "a"], ["SISMEMBER", "s", "z"], ["SMISMEMBER", "s", "a", "z", "a"],
     ["SREM", "s", "a", "z", "a"], ["SCARD", "nokey"], ["SISMEMBER", "nokey", "a"],
     ["SMISMEMBER", "nokey", "a"], ["SMEMBERS", "nokey"], ["SREM", "nokey", "a"],
     ["SREM", "s", "b", "c", "d"], ["EXISTS", "s"]],
    # Intsets: sorted members, conversion and stickiness, 512 entries.
    [["SADD", "i", "3", "1", "2", "-5"], ["SMEMBERS", "i"], ["OBJECT", "ENCODING", "i"],
     ["SSCAN", "i", "0"], ["SSCAN", "i", "7", "COUNT", "1"], ["SADD", "i", "x"],
     ["OBJECT", "ENCODING", "i"], ["SREM", "i", "x"], ["OBJECT", "ENCODING", "i"],
     ["SINTERSTORE", "i2", "i", "i"], ["OBJECT", "ENCODING", "i2"], ["SMEMBERS", "i2"],
     ["SUNION", "i2"], ["SDIFF", "i2", "nokey"], ["SINTER", "i2"], ["SPOP", "i2", "10"],
     ["EXISTS", "i2"], ["SADD", "hx", "-0", "01", "+1", " 1"], ["OBJECT", "ENCODING", "hx"],
     ["SADD", "big", "9223372036854775807", "-9223372036854775808", "0"], ["SMEMBERS", "big"],
     ["OBJECT", "ENCODING", "big"], ["SADD", "big", "9223372036854775808"],
     ["OBJECT", "ENCODING", "big"]],
    [["SADD", "n"] + [str(i) for i in range(512)], ["OBJECT", "ENCODING", "n"],
     ["SADD", "n", "512"], ["OBJECT", "ENCODING", "n"], ["SREM", "n", "512"],
     ["OBJECT", "ENCODING", "n"], ["SUNIONSTORE", "n2", "n"], ["OBJECT", "ENCODING", "n2"],
     ["SPOP", "n", "500"], ["OBJECT", "ENCODING", "n"], ["SCARD", "n"]],
    [["SADD", "s", "a", "1", "2"], ["SPOP", "s", "0"], ["SPOP", "s", "-1"], ["SPOP", "s", "x"],
     ["SPOP", "s", "1", "2"], ["SPOP", "nokey"], ["SPOP", "nokey", "3"], ["SPOP", "nokey", "0"],
     ["SRANDMEMBER", "nokey"], ["SRANDMEMBER", "nokey", "3"], ["SRANDMEMBER", "s", "0"],
     ["SRANDMEMBER", "s", "10"], ["SRANDMEMBER", "s", "3"], ["SRANDMEMBER", "s", "-5"],
     ["SRANDMEMBER", "s", "x"], ["SRANDMEMBER", "s", "1", "2"], ["SRANDMEMBER", "s", "x", "2"],
     ["SRANDMEMBER", "s", "-9223372036854775808"], ["SRANDMEMBER", "s"],
     ["SPOP", "s", "3"], ["EXISTS", "s"], ["SADD", "one", "m"], ["SPOP", "one"], ["EXISTS", "one"]],
    [["SADD", "s", "a", "b", "c"], ["SADD", "t", "b", "c", "d"], ["SINTER", "s", "t"],
     ["SINTER", "s", "t", "nokey"], ["SUNION", "s", "t", "nokey"], ["SDIFF", "s", "t"],
     ["SDIFF", "nokey", "s"], ["SINTERSTORE", "d", "s", "t"], ["SMEMBERS", "d"],
     ["SUNIONSTORE", "d", "s", "t"], ["SCARD", "d"], ["SDIFFSTORE", "d", "s", "t"],
     ["SMEMBERS", "d"], ["SDIFFSTORE", "d", "s", "s"], ["EXISTS", "d"],
     ["SINTERSTORE", "s", "s", "t"], ["SMEMBERS", "s"], ["SUNIONSTORE", "t", "t"], ["SCARD", "t"]],
    [["SET", "str", "x"], ["SADD", "s", "a"], ["SINTER", "nokey", "str"], ["SUNION", "nokey", "str"],
     ["SDIFF", "nokey", "str"], ["SDIFF", "s", "str"], ["SINTERCARD", "2", "nokey", "str"],
     ["SINTERSTORE", "d", "nokey", "str"], ["SDIFFSTORE", "d", "nokey", "str"],
     ["SADD", "str", "a"], ["SREM", "str", "a"], ["SCARD", "str"], ["SISMEMBER", "str", "a"],
     ["SMISMEMBER", "str", "a"], ["SMEMBERS", "str"], ["SPOP", "str"], ["SPOP", "str", "1"],
     ["SPOP", "str", "x"], ["SPOP", "str", "0"], ["SRANDMEMBER", "str"], ["SRANDMEMBER", "str", "1"],
     ["SRANDMEMBER", "str", "x"], ["SRANDMEMBER", "str", "0"], ["SSCAN", "str", "0"],
     ["SSCAN", "str", "0", "COUNT", "0"], ["SMOVE", "s", "str", "a"], ["SMOVE", "str", "s", "a"],
     ["SMOVE", "nokey", "str", "a"], ["SINTERSTORE", "str", "s", "s"], ["TYPE", "str"],
     ["SET", "str", "x"], ["SINTERSTORE", "str", "s", "nokey"], ["EXISTS", "str"]],
    [["SADD", "s", "a", "b"], ["SADD", "t", "b"], ["SINTERCARD", "0", "s"], ["SINTERCARD", "-1", "s"],
     ["SINTERCARD", "x", "s"], ["SINTERCARD", "3", "s", "t"], ["SINTERCARD", "2", "s", "t", "LIMIT"],
     ["SINTERCARD", "2", "s", "t", "LIMIT", "-1"], ["SINTERCARD", "2", "s", "t", "LIMIT", "x"],
     ["SINTERCARD", "2", "s", "t", "LIMIT", "1"], ["SINTERCARD", "2", "s", "t", "LIMIT", "0"],
     ["SINTERCARD", "2", "s", "t", "FOO", "1"], ["SINTERCARD", "2", "s", "t", "limit", "1", "LIMIT", "5"],
     ["SINTERCARD", "1"], ["SINTERCARD", "1", "s", "LIMIT", "-1", "FOO"], ["SINTERCARD", "1", "s"],
     ["SINTERCARD", "2", "s", "nokey"], ["SINTERCARD", "1", "s", "LIMIT", "1"]],
    [["SADD", "s", "a", "b", "c"], ["SADD", "t", "x"], ["SMOVE", "s", "t", "zz"], ["SMOVE", "s", "s", "a"],
     ["SMOVE", "s", "s", "zz"], ["SMOVE", "s", "t", "a"], ["SMEMBERS", "t"], ["SMOVE", "s", "new", "b"],
     ["SMEMBERS", "new"], ["SMOVE", "s", "t", "c"], ["EXISTS", "s"], ["SADD", "i", "1"],
     ["SMOVE", "i", "n2", "1"], ["OBJECT", "ENCODING", "n2"], ["SMOVE", "t", "n2", "x"],
     ["OBJECT", "ENCODING", "n2"], ["SMOVE"], ["SMOVE", "a", "b"]],
    [["SADD", "s", "a", "b", "ab"], ["SSCAN", "s", "0", "MATCH", "a*"], ["SSCAN", "s", "0", "MATCH", "z*"],
     ["SSCAN", "s", "0", "COUNT", "0"], ["SSCAN", "s", "0", "COUNT", "x"], ["SSCAN", "s", "0", "MATCH"],
     ["SSCAN", "s", "0", "TYPE", "set"], ["SSCAN", "s", "abc"], ["SSCAN", "nokey", "0", "COUNT", "0"],
     ["SSCAN", "nokey", "x"], ["SADD", "e", ""], ["SMEMBERS", "e"], ["SSCAN", "e", "0", "MATCH", "*"]],
    [["SADD", "s", "a"], ["EXPIREAT", "s", "4102444800"], ["SADD", "s", "b"], ["SREM", "s", "a"],
     ["EXPIRETIME", "s"], ["TYPE", "s"], ["SUNIONSTORE", "s", "s"], ["EXPIRETIME", "s"],
     ["EXPIREAT", "s", "4102444800"], ["SMOVE", "s", "t", "b"], ["EXISTS", "s"], ["EXPIRETIME", "t"]],
    [["SADD"], ["SADD", "s"], ["SREM", "s"], ["SCARD"], ["SISMEMBER", "s"], ["SMISMEMBER", "s"],
     ["SMEMBERS"], ["SPOP"], ["SRANDMEMBER"], ["SINTER"], ["SUNION"], ["SDIFF"], ["SINTERSTORE", "d"],
     ["SUNIONSTORE", "d"], ["SDIFFSTORE", "d"], ["SSCAN", "s"]],
]

KEYS = ["s1", "s2", "s3"]
MEMBERS = ["1", "2", "3", "10", "-1", "a", "b", "c", "hello", "", "01", "9223372036854775807"]


def random_command(rng):
    k, k2, k3 = rng.choice(KEYS), rng.choice(KEYS), rng.choice(KEYS)
    m, m2 = rng.choice(MEMBERS), rng.choice(MEMBERS)
    dst = rng.choice(KEYS + ["d"])
    options = [
        ["SADD", k, m], ["SADD", k, m, m2], ["SADD", k, m, m2, rng.choice(MEMBERS)],
        ["SREM", k, m], ["SREM", k, m, m2], ["SCARD", k], ["SISMEMBER", k, m],
        ["SMISMEMBER", k, m, m2], ["SMEMBERS", k],
        ["SPOP", k, rng.choice(["0", "100", "-1", "x"])],
        ["SRANDMEMBER", k], ["SRANDMEMBER", k, rng.choice(["0", "1", "3", "-4", "100", "x"])],
        ["SMOVE", k, k2, m], ["SINTER", k, k2], ["SINTER", k, k2, k3], ["SUNION", k, k2],
        ["SDIFF", k, k2], ["SDIFF", k, k2, k3], ["SINTERSTORE", dst, k, k2],
        ["SUNIONSTORE", dst, k, k2], ["SDIFFSTORE", dst, k, k2],
        ["SINTERCARD", "2", k, k2], ["SINTERCARD", "2", k, k2, "LIMIT", rng.choice(["0", "1", "2"])],
        ["SSCAN", k, "0", "COUNT", "1000"], ["SSCAN", k, "0", "MATCH", rng.choice(["1*", "[a-c]", "*"]),
                                              "COUNT", "1000"],
        ["OBJECT", "ENCODING", k], ["OBJECT", "ENCODING", "d"], ["EXISTS", k], ["TYPE", dst],
        ["DEL", k], ["SET", "d", "x"],
    ]
    return rng.choice(options)


def normalize(cmd, raw):
    name = cmd[0].upper()
    if raw[:1] in (b"-", b"!"):
        return raw
    kind, items = parse(raw)
    if name in ("SMEMBERS", "SINTER", "SUNION", "SDIFF"):
        return (kind, sorted(items))
    if name == "SPOP" and len(cmd) == 3:
        # Which members go is random; what is left is compared by later commands.
        return (kind, len(items))
    if name == "SSCAN":
        (_, cursor), (ikind, elements) = items
        return (kind, cursor, ikind, sorted(elements))
    if name == "SRANDMEMBER":
        if len(cmd) == 2 or items is None:
            return (kind, items is None)
        count = int(cmd[2])
        if count > 0:
            return (kind, len(items), sorted(items) if len(items) < count else None)
        return (kind, len(items))
    return raw
