"""Differential cases for the list family (picked up by differential.py).

Non-blocking list commands with their options and errors, plus blocking ones only where
their reply cannot depend on timing: on keys that hold elements, with argument errors,
or on empty keys with a timeout so small (0.001 s) that both servers time out at once.
"""

KEYS = ["l1", "l2", "l3", "s"]
VALUES = ["a", "b", "c", "", "1", "long-" + "x" * 70]
INDEXES = ["0", "1", "-1", "2", "-3", "10", "-100", "x"]

EDGE_CASES = [
    # Push / pop, counts and their null shapes
    [["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z"], ["LRANGE", "l", "0", "-1"],
     ["LPOP", "l"], ["RPOP", "l", "2"], ["LPOP", "l", "0"], ["RPOP", "l", "9"],
     ["EXISTS", "l"], ["LPOP", "l"], ["LPOP", "l", "0"], ["RPOP", "l", "3"]],
    [["LPOP", "l", "-1"], ["LPOP", "l", "x"], ["LPOP", "l", "1", "2"], ["LPUSH", "l"]],
    [["LPUSHX", "l", "a"], ["RPUSHX", "l", "a"], ["EXISTS", "l"], ["RPUSH", "l", "m"],
     ["LPUSHX", "l", "a", "b"], ["RPUSHX", "l", "z"], ["LRANGE", "l", "0", "-1"]],
    # Wrong type
    [["SET", "s", "v"], ["LPUSH", "s", "a"], ["RPUSHX", "s", "a"], ["LPOP", "s", "0"],
     ["LLEN", "s"], ["LRANGE", "s", "0", "1"], ["LINDEX", "s", "x"], ["LSET", "s", "x", "v"],
     ["LINSERT", "s", "BEFORE", "a", "b"], ["LINSERT", "s", "MIDDLE", "a", "b"],
     ["LREM", "s", "0", "a"], ["LTRIM", "s", "0", "1"], ["LPOS", "s", "a"],
     ["LPOS", "s", "a", "RANK", "0"], ["LMPOP", "2", "nx", "s", "LEFT"],
     ["BLPOP", "nx", "s", "0"], ["BLMPOP", "0", "1", "s", "LEFT"],
     ["RPOPLPUSH", "s", "d"], ["BLMOVE", "s", "d", "LEFT", "LEFT", "0"]],
    # Indexes and ranges
    [["RPUSH", "l", "a", "b", "c"], ["LINDEX", "l", "-1"], ["LINDEX", "l", "3"],
     ["LINDEX", "l", "x"], ["LINDEX", "nx", "x"], ["LRANGE", "l", "-2", "100"],
     ["LRANGE", "l", "2", "1"], ["LRANGE", "nx", "x", "1"], ["LRANGE", "l", "-100", "-50"]],
    [["LSET", "nx", "x", "v"], ["RPUSH", "l", "a"], ["LSET", "l", "0", "b"],
     ["LSET", "l", "1", "b"], ["LSET", "l", "-2", "b"], ["LSET", "l", "x", "b"],
     ["LRANGE", "l", "0", "-1"]],
    # LINSERT, LREM, LTRIM
    [["RPUSH", "l", "a", "b", "a", "c", "a"], ["LINSERT", "l", "after", "a", "x"],
     ["LINSERT", "l", "BEFORE", "q", "x"], ["LINSERT", "nx", "BEFORE", "q", "x"],
     ["LREM", "l", "-1", "a"], ["LREM", "l", "0", "x"], ["LREM", "l", "1", "a"],
     ["LREM", "nx", "x", "a"], ["LRANGE", "l", "0", "-1"], ["LTRIM", "l", "1", "-2"],
     ["LRANGE", "l", "0", "-1"], ["LTRIM", "l", "5", "1"], ["EXISTS", "l"],
     ["LTRIM", "nx", "a", "1"]],
    # LPOS
    [["RPUSH", "l", "a", "b", "a", "c", "a"], ["LPOS", "l", "a"],
     ["LPOS", "l", "a", "RANK", "-1"], ["LPOS", "l", "a", "RANK", "2", "COUNT", "0"],
     ["LPOS", "l", "a", "COUNT", "0", "MAXLEN", "3"],
     ["LPOS", "l", "a", "RANK", "-9223372036854775808"],
     ["LPOS", "l", "a", "RANK", "-1", "COUNT", "2", "MAXLEN", "2"], ["LPOS", "l", "q"],
     ["LPOS", "nx", "q", "COUNT", "1"], ["LPOS", "nx", "a", "RANK", "0"],
     ["LPOS", "l", "a", "COUNT", "x"], ["LPOS", "l", "a", "MAXLEN", "-1"],
     ["LPOS", "l", "a", "RANK", "x"], ["LPOS", "l", "a", "RANK"], ["LPOS", "l", "a", "FOO", "1"],
     ["LPOS", "l", "a", "count", "-1", "rank", "0"]],
    # Moves
    [["RPUSH", "src", "a", "b", "c"], ["RPOPLPUSH", "src", "dst"],
     ["LMOVE", "src", "dst", "LEFT", "RIGHT"], ["LMOVE", "src", "src", "left", "right"],
     ["LRANGE", "src", "0", "-1"], ["LRANGE", "dst", "0", "-1"], ["RPOPLPUSH", "nx", "dst"],
     ["SET", "s", "v"], ["LMOVE", "src", "s", "LEFT", "LEFT"], ["LMOVE", "src", "dst", "UP", "LEFT"],
     ["LMOVE", "src", "dst", "RIGHT", "LEFT"], ["EXISTS", "src"]],
    # LMPOP
    [["RPUSH", "b", "1", "2", "3"], ["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"],
     ["LMPOP", "1", "b", "left", "count", "9"], ["LMPOP", "1", "b", "LEFT"],
     ["LMPOP", "0", "a", "LEFT"], ["LMPOP", "x", "a", "LEFT"], ["LMPOP", "-1", "a", "LEFT"],
     ["LMPOP", "99999999999999999999", "a", "LEFT"], ["LMPOP", "5", "a", "LEFT"],
     ["LMPOP", "1", "a", "MIDDLE"], ["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
     ["LMPOP", "1", "a", "LEFT", "COUNT", "x"], ["LMPOP", "1", "a", "LEFT", "FOO"],
     ["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"]],
    # Blocking commands that are served at once, time out at once, or fail
    [["RPUSH", "b", "1", "2", "3", "4", "5"], ["BLPOP", "a", "b", "0"], ["BRPOP", "b", "0.5"],
     ["BRPOPLPUSH", "b", "c", "0"], ["BLMOVE", "c", "d", "LEFT", "LEFT", "1"],
     ["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "5"], ["EXISTS", "b"]],
    [["BLPOP", "nx", "0.001"], ["BRPOP", "nx", "nx2", "0.001"],
     ["BRPOPLPUSH", "nx", "d", "0.001"], ["BLMOVE", "nx", "d", "RIGHT", "LEFT", "0.001"],
     ["BLMPOP", "0.001", "1", "nx", "LEFT"], ["BLPOP", "nx", "1e-400"]],
    [["BLPOP", "l", "-1"], ["BLPOP", "l", "x"], ["BLPOP", "l", "inf"], ["BLPOP", "l", "nan"],
     ["BLPOP", "l", "1e400"], ["BLPOP", "l", "-0.5"], ["BLPOP", "l", "9223372036854776"],
     ["BLPOP", "l", " 1"], ["BRPOPLPUSH", "l", "d", "-1"],
     ["BLMOVE", "l", "d", "UP", "LEFT", "x"], ["BLMOVE", "l", "d", "LEFT", "LEFT", "x"],
     ["BLMPOP", "x", "x", "l", "LEFT"], ["BLMPOP", "x", "1", "l", "MIDDLE"],
     ["BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"], ["BLMPOP", "x", "1", "l", "LEFT"],
     ["BLMPOP", "0", "0", "l", "LEFT"], ["BLPOP", "l"]],
    # Index extremes
    [["RPUSH", "l", "a", "b", "c"], ["LRANGE", "l", "-9223372036854775808", "9223372036854775807"],
     ["LINDEX", "l", "-9223372036854775808"], ["LINDEX", "l", "9223372036854775807"],
     ["LSET", "l", "-9223372036854775808", "x"], ["LREM", "l", "-9223372036854775808", "a"],
     ["LPOS", "l", "b", "MAXLEN", "9223372036854775807", "COUNT", "9223372036854775807"],
     ["LPOP", "l", "9223372036854775807"], ["RPUSH", "l", "a", "b"],
     ["LTRIM", "l", "-9223372036854775808", "9223372036854775807"], ["LRANGE", "l", "0", "-1"],
     ["LTRIM", "l", "9223372036854775807", "-9223372036854775808"], ["EXISTS", "l"]],
    # Encoding, type, expiry of list keys
    [["RPUSH", "l", "a"], ["OBJECT", "ENCODING", "l"], ["TYPE", "l"],
     ["EXPIREAT", "l", "4102444800"], ["RPUSH", "l", "b"], ["EXPIRETIME", "l"],
     ["LPOP", "l", "2"], ["EXPIRETIME", "l"]],
    [["CLIENT", "UNBLOCK", "x"], ["CLIENT", "UNBLOCK", "99999"],
     ["CLIENT", "UNBLOCK", "99999", "foo"], ["CLIENT", "UNBLOCK", "99999", "error"],
     ["CLIENT", "UNBLOCK", "1", "timeout", "x"], ["CLIENT", "UNBLOCK", "-1"]],
]


def random_command(rng):
    k = rng.choice(KEYS)
    k2 = rng.choice(KEYS)
    v = rng.choice(VALUES)
    i = rng.choice(INDEXES)
    j = rng.choice(INDEXES)
    end = lambda: rng.choice(["LEFT", "RIGHT", "left"])  # noqa: E731
    options = [
        ["LPUSH", k, v], ["RPUSH", k, v, rng.choice(VALUES)], ["LPUSHX", k, v], ["RPUSHX", k, v],
        ["LPOP", k], ["RPOP", k], ["LPOP", k, rng.choice(["0", "1", "3", "-1"])],
        ["RPOP", k, rng.choice(["0", "2", "9"])],
        ["LLEN", k], ["LRANGE", k, i, j], ["LINDEX", k, i], ["LSET", k, i, v],
        ["LINSERT", k, rng.choice(["BEFORE", "AFTER"]), rng.choice(VALUES), v],
        ["LREM", k, rng.choice(["0", "1", "-1", "2", "-2"]), v], ["LTRIM", k, i, j],
        ["LPOS", k, v], ["LPOS", k, v, "RANK", rng.choice(["1", "-1", "2", "-2"])],
        ["LPOS", k, v, "COUNT", rng.choice(["0", "1", "2"]), "MAXLEN", rng.choice(["0", "2"])],
        ["RPOPLPUSH", k, k2], ["LMOVE", k, k2, end(), end()],
        ["LMPOP", "2", k, k2, end(), "COUNT", rng.choice(["1", "2", "5"])],
        ["BLPOP", k, k2, "0.001"], ["BRPOP", k, "0.001"],
        ["BLMOVE", k, k2, end(), end(), "0.001"], ["BRPOPLPUSH", k, k2, "0.001"],
        ["BLMPOP", "0.001", "2", k, k2, end(), "COUNT", "2"],
        ["SET", "s", v], ["DEL", k], ["EXISTS", k, k2], ["TYPE", k], ["OBJECT", "ENCODING", k],
    ]
    return rng.choice(options)
