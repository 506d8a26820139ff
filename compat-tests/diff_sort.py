"""Differential cases for SORT, SORT_RO and SWAPDB (picked up by differential.py).

SORT over lists, sets and sorted sets: numeric and ALPHA order, DESC, LIMIT clamping,
BY string keys and hash fields (missing ones count as 0), constant BY patterns (no
sorting), GET patterns, STORE (and an empty result deleting the destination), the errors
and the order Redis checks them in. Sets are unordered in Redis (hashtable encoding), so
unsorted sets appear only as intsets, whose order is defined; ties that Redis leaves to
its sort routine's order appear only where they cannot differ.

SWAPDB: indexes and their errors, keys and TTLs moving between databases, a client
blocked on a key that the other database holds being served, WATCH dirtied by a swap.
"""

NUMBERS = ["3", "10", "1", "2.5", "-1", "007", "1e2", " 4", "0x10"]
WORDS = ["b", "a", "c", "aa", "B", "", "10", "2"]

EDGE_CASES = [
    [["RPUSH", "l"] + NUMBERS, ["SORT", "l"], ["SORT", "l", "DESC"], ["SORT", "l", "ALPHA"],
     ["SORT", "l", "ALPHA", "DESC"], ["SORT", "l", "LIMIT", "0", "3"],
     ["SORT", "l", "LIMIT", "2", "100"], ["SORT", "l", "LIMIT", "-5", "2"],
     ["SORT", "l", "LIMIT", "100", "2"], ["SORT", "l", "LIMIT", "1", "-1"],
     ["SORT", "l", "LIMIT", "1", "0"], ["SORT", "l", "LIMIT", "8", "5", "DESC"],
     ["SORT_RO", "l", "DESC", "LIMIT", "1", "2"], ["SORT", "l", "asc", "desc", "asc"]],
    [["RPUSH", "w"] + WORDS, ["SORT", "w"], ["SORT", "w", "ALPHA"], ["SORT", "w", "ALPHA", "DESC"],
     ["SORT", "w", "ALPHA", "STORE", "d"], ["LRANGE", "d", "0", "-1"],
     ["SORT", "w", "STORE", "d"], ["LRANGE", "d", "0", "-1"]],
    # Ties between equal numbers fall back to comparing the elements.
    [["RPUSH", "t", "1.0", "1", "01", "1e0", "+1", "0.5"], ["SORT", "t"], ["SORT", "t", "DESC"]],
    # Sets (intsets keep ascending order unsorted) and sorted sets.
    [["SADD", "s", "5", "3", "9", "1", "-2"], ["SORT", "s"], ["SORT", "s", "DESC"],
     ["SORT", "s", "BY", "nosort"], ["SORT", "s", "BY", "nosort", "LIMIT", "1", "2"],
     ["SORT", "s", "BY", "nosort", "STORE", "d"], ["LRANGE", "d", "0", "-1"],
     ["SADD", "h", "x", "y", "z", "w"], ["SORT", "h", "ALPHA"], ["SORT", "h", "ALPHA", "DESC"],
     ["SORT", "h", "BY", "nosort", "STORE", "d2"], ["LRANGE", "d2", "0", "-1"],
     ["SORT", "h"]],
    [["ZADD", "z", "3", "a", "1", "b", "2", "c", "2", "d"], ["SORT", "z", "ALPHA"],
     ["SORT", "z", "BY", "nosort"], ["SORT", "z", "BY", "nosort", "DESC"],
     ["SORT", "z", "BY", "nosort", "LIMIT", "1", "2"],
     ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
     ["SORT", "z", "BY", "nosort", "LIMIT", "5", "1"], ["SORT", "z"]],
    # BY and GET patterns.
    [["RPUSH", "l", "a", "b", "c", "d"],
     ["MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_c", "C", "v_d", "D"],
     ["HSET", "h_a", "f", "9", "g", "x"], ["HSET", "h_b", "f", "1"],
     ["SORT", "l", "BY", "w_*"], ["SORT", "l", "BY", "w_*", "DESC"],
     ["SORT", "l", "BY", "w_*", "GET", "#", "GET", "v_*"],
     ["SORT", "l", "BY", "h_*->f"], ["SORT", "l", "BY", "h_*->f", "GET", "h_*->g", "GET", "#"],
     ["SORT", "l", "BY", "w_*", "ALPHA"], ["SORT", "l", "BY", "v_*", "ALPHA"],
     ["SORT", "l", "BY", "v_*", "ALPHA", "DESC"],
     ["SORT", "l", "BY", "w_*", "LIMIT", "1", "2", "GET", "v_*"],
     ["SORT", "l", "BY", "nosort", "GET", "v_*", "GET", "nostar"],
     ["SORT", "l", "BY", "w_*", "GET", "v_*", "STORE", "d"], ["LRANGE", "d", "0", "-1"],
     ["SORT", "l", "GET", "h_*->"], ["SORT", "l", "BY", "h_*->", "GET", "#"],
     ["SORT", "l", "BY", "v_*"], ["SORT", "l", "BY", "w_*->f"], ["SORT", "l", "GET", "w_*->f"],
     ["SORT", "l", "BY", "x*y", "GET", "#"], ["SORT", "l", "ALPHA", "BY", "x", "BY", "w_*"],
     ["SORT_RO", "l", "BY", "w_*", "GET", "v_*"]],
    # STORE: overwriting any type, TTL dropped, an empty result deleting the destination.
    [["RPUSH", "l", "2", "1"], ["SET", "d", "x", "EX", "100"], ["SORT", "l", "STORE", "d"],
     ["TYPE", "d"], ["TTL", "d"], ["LRANGE", "d", "0", "-1"], ["SORT", "nokey", "STORE", "d"],
     ["EXISTS", "d"], ["SORT", "nokey", "STORE", "d"], ["SORT", "l", "LIMIT", "5", "1", "STORE", "d"],
     ["EXISTS", "d"], ["SORT", "l", "STORE", "l"], ["LRANGE", "l", "0", "-1"],
     ["SORT", "l", "STORE", "a", "STORE", "b"], ["EXISTS", "a", "b"],
     ["SORT", "l", "GET", "nostar", "STORE", "g"], ["LRANGE", "g", "0", "-1"]],
    # Errors and their order.
    [["RPUSH", "l", "1", "x"], ["SORT", "l"], ["SORT", "l", "STORE", "d"], ["EXISTS", "d"],
     ["SORT", "l", "ALPHA"], ["SORT", "l", "LIMIT"], ["SORT", "l", "LIMIT", "1"],
     ["SORT", "l", "LIMIT", "x", "1"], ["SORT", "l", "LIMIT", "1", "1.5"], ["SORT", "l", "BY"],
     ["SORT", "l", "GET"], ["SORT", "l", "STORE"], ["SORT", "l", "BAD"],
     ["SORT_RO", "l", "STORE", "d"], ["SORT", "nokey"], ["SORT", "nokey", "DESC", "LIMIT", "0", "1"],
     ["SET", "str", "1"], ["SORT", "str"], ["SORT", "str", "BAD"], ["SORT", "str", "LIMIT", "x", "1"],
     ["HSET", "hh", "f", "v"], ["SORT", "hh"], ["SORT_RO", "hh"], ["SORT"],
     ["RPUSH", "n", "1", "nan", "inf", "-inf"], ["SORT", "n"], ["DEL", "n"],
     ["RPUSH", "n", "1", "inf", "-inf", "1e308"], ["SORT", "n"], ["SORT", "n", "DESC"]],
    [["COMMAND", "GETKEYS", "SORT", "k", "STORE", "d"],
     ["COMMAND", "GETKEYS", "SORT", "k", "LIMIT", "0", "1", "GET", "store", "STORE", "a", "STORE", "b"],
     ["COMMAND", "GETKEYS", "SORT", "k", "BY", "w_*"], ["COMMAND", "GETKEYS", "SORT_RO", "k", "STORE", "d"],
     ["COMMAND", "GETKEYSANDFLAGS", "SORT", "k", "STORE", "d"]],
    # SORT's ACL: BY / GET need access to every key.
    [["ACL", "SETUSER", "sortuser", "on", "nopass", "+@all", "~l*", "~d*"],
     ["RPUSH", "l", "2", "1"], ["@1", "AUTH", "sortuser", "x"], ["@1", "SORT", "l"],
     ["@1", "SORT", "l", "BY", "nosort"], ["@1", "SORT", "l", "BY", "w_*"],
     ["@1", "SORT", "l", "GET", "#"], ["@1", "SORT", "l", "STORE", "d"],
     ["@1", "SORT", "l", "STORE", "x"], ["ACL", "DELUSER", "sortuser"]],
    # SWAPDB.
    [["SWAPDB", "0"], ["SWAPDB", "0", "1", "2"], ["SWAPDB", "x", "1"], ["SWAPDB", "0", "x"],
     ["SWAPDB", "x", "y"], ["SWAPDB", "0", "16"], ["SWAPDB", "-1", "0"], ["SWAPDB", "99", "x"],
     ["SWAPDB", "0", "2147483648"], ["SWAPDB", "0", "0"], ["SWAPDB", "1.5", "0"]],
    [["SET", "a", "1"], ["SET", "b", "2", "EX", "100"], ["RPUSH", "l", "x"], ["SELECT", "1"],
     ["SET", "a", "one"], ["HSET", "h", "f", "v"], ["SELECT", "0"], ["SWAPDB", "0", "1"],
     ["GET", "a"], ["EXISTS", "b"], ["HGET", "h", "f"], ["DBSIZE"], ["SELECT", "1"], ["GET", "a"],
     ["TTL", "b"], ["LRANGE", "l", "0", "-1"], ["DBSIZE"], ["SWAPDB", "1", "0"], ["DBSIZE"],
     ["SELECT", "0"], ["DBSIZE"], ["GET", "a"], ["SWAPDB", "0", "2"], ["DBSIZE"],
     ["SELECT", "2"], ["DBSIZE"], ["FLUSHALL"]],
    # A client blocked on a key the other database holds is served by the swap.
    [["SELECT", "1"], ["RPUSH", "q", "job"], ["SELECT", "0"],
     ["@1>", "BLPOP", "q", "0"], ["WAITBLOCKED", "1"], ["SWAPDB", "0", "1"], ["@1<"],
     ["SELECT", "1"], ["EXISTS", "q"], ["SELECT", "0"], ["EXISTS", "q"], ["FLUSHALL"]],
    # WATCH: dirtied when the key is in either database, not when it is in neither.
    [["SET", "k", "1"], ["WATCH", "k"], ["SWAPDB", "0", "1"], ["MULTI"], ["GET", "k"], ["EXEC"],
     ["WATCH", "nokey"], ["SWAPDB", "0", "1"], ["MULTI"], ["PING"], ["EXEC"],
     ["SELECT", "3"], ["SET", "other", "x"], ["SELECT", "0"], ["WATCH", "other"],
     ["SWAPDB", "0", "3"], ["MULTI"], ["PING"], ["EXEC"], ["FLUSHALL"]],
    [["SET", "k", "1"], ["@1", "WATCH", "k"], ["SWAPDB", "5", "6"], ["@1", "MULTI"],
     ["@1", "GET", "k"], ["@1", "EXEC"], ["FLUSHALL"]],
    # SORT inside MULTI and after a swap.
    [["RPUSH", "l", "3", "1", "2"], ["MULTI"], ["SORT", "l", "STORE", "d"], ["SWAPDB", "0", "1"],
     ["EXEC"], ["EXISTS", "d"], ["SELECT", "1"], ["LRANGE", "d", "0", "-1"], ["FLUSHALL"]],
]

KEYS = ["l", "s", "z", "d", "str"]


def random_command(rng):
    """A random SORT over small lists, intsets, sorted sets and weight keys, or a write
    that changes them."""
    roll = rng.random()
    if roll < 0.35:
        key = rng.choice(["l", "s", "z"])
        n = rng.randint(1, 4)
        items = [rng.choice(["1", "2", "3", "10", "-4", "7"]) for _ in range(n)]
        if key == "l":
            return ["RPUSH", key] + items
        if key == "s":
            return ["SADD", key] + items
        pairs = []
        for item in items:
            pairs += [rng.choice(["1", "2", "5"]), item]
        return ["ZADD", key] + pairs
    if roll < 0.45:
        return ["SET", "w_" + rng.choice(["1", "2", "3", "10", "-4", "7"]),
                rng.choice(["5", "1", "x", "-2", "3.5", ""])]
    if roll < 0.5:
        return ["HSET", "h_" + rng.choice(["1", "2", "3", "7"]), "f",
                rng.choice(["5", "1", "2", "9"])]
    if roll < 0.55:
        return ["DEL", rng.choice(KEYS)]
    cmd = [rng.choice(["SORT", "SORT", "SORT_RO"]), rng.choice(["l", "z", "nokey", "str", "d"])]
    if rng.random() < 0.3:
        cmd += ["BY", rng.choice(["w_*", "h_*->f", "nosort"])]
    if rng.random() < 0.3:
        cmd += ["LIMIT", str(rng.randint(-2, 5)), str(rng.randint(-2, 5))]
    for _ in range(rng.randint(0, 2)):
        cmd += ["GET", rng.choice(["#", "w_*", "h_*->f", "x"])]
    if rng.random() < 0.4:
        cmd.append(rng.choice(["ASC", "DESC"]))
    if rng.random() < 0.2 and "BY" not in cmd:
        cmd.append("ALPHA")
    if cmd[0] == "SORT" and rng.random() < 0.2:
        cmd += ["STORE", "d"]
    return cmd
