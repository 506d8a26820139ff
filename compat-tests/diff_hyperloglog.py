"""Differential cases for the HyperLogLog family (picked up by differential.py as
`--family hyperloglog`).

An HLL is a string in Redis's own layout, so most cases GET the raw value after each
change: the sparse opcodes, their in-place splitting and merging, the promotion to dense at
hll-sparse-max-bytes, the cached cardinality in the header and its stale bit must be the
same bytes redis-server 7.0.15 holds. Values forged with SET (valid ones, corrupted sparse
runs, a dense value with impossible registers, bad magic / encoding / length) check the
validity rules and the WRONGTYPE / INVALIDOBJ errors; a corrupted value is never allowed to
crash either server. Keyspace events (pfadd, new, none for PFCOUNT and PFDEBUG), WATCH
(PFCOUNT's write-back of the cache signals the key, PFDEBUG's conversion does not), TTLs
kept through every change, OBJECT ENCODING (values become raw), MULTI and DUMP/RESTORE
round out the cases. The random part mixes PFADD / PFCOUNT / PFMERGE / PFDEBUG with GET,
corrupting SETRANGEs and hll-sparse-max-bytes changes. CLEANUP restores the settings a case
changes.

Not compared: a sparse value whose last opcode is an XZERO cut off by the end of the
string, once a PFADD split it: Redis then leaves a byte past the end of its string that its
next commands read (PFDEBUG DECODE, further PFADDs); Memorabilia stores the value alone.
Replies up to that point are compared (the GET right after the PFADD is equal).
"""

import random

HEADER_SPARSE_STALE = b"HYLL\x01" + b"\x00" * 10 + b"\x80"
HEADER_DENSE_STALE = b"HYLL\x00" + b"\x00" * 10 + b"\x80"
HEADER_DENSE_CACHED_7 = b"HYLL\x00" + b"\x00" * 3 + b"\x07" + b"\x00" * 7


def dense_bytes(registers):
    """Packs 16384 six-bit registers as Redis's dense encoding does."""
    out = bytearray(12288 + 1)
    for i, v in enumerate(registers):
        byte, shift = i * 6 // 8, i * 6 % 8
        out[byte] |= (v << shift) & 0xFF
        out[byte + 1] |= v >> (8 - shift)
    return bytes(out[:12288])


_rng = random.Random(7)
DENSE_RANDOM = HEADER_DENSE_STALE + dense_bytes([_rng.randrange(0, 20) for _ in range(16384)])
DENSE_ALL_50 = HEADER_DENSE_STALE + dense_bytes([50] * 16384)
DENSE_ALL_63 = HEADER_DENSE_STALE + b"\xff" * 12288
DENSE_SMALL = HEADER_DENSE_STALE + dense_bytes([(i % 7 == 0) * (i % 5 + 1) for i in range(16384)])

# Sparse values: too many registers, too few, a VAL run past the end, a cut XZERO, no
# opcode at all, one register short with room to fill it.
SPARSE_TOO_MANY = HEADER_SPARSE_STALE + b"\x7f\xff\x7f\xff"
SPARSE_TOO_FEW = HEADER_SPARSE_STALE + b"\x7f\xfe"
SPARSE_VAL_OVERRUN = HEADER_SPARSE_STALE + b"\x7f\xfe\x83"
SPARSE_CUT_XZERO = HEADER_SPARSE_STALE + b"\x7f"
SPARSE_EMPTY = HEADER_SPARSE_STALE
SPARSE_ZEROS = HEADER_SPARSE_STALE + b"\x3f" * 256
SPARSE_VALS = HEADER_SPARSE_STALE + b"\x83\x87\x8b\x8f\x7f\xef"
# Valid but spelled with short ZERO runs only, and with a stale cache / a fresh one.
SPARSE_CACHED_42 = b"HYLL\x01\x00\x00\x00\x2a" + b"\x00" * 7 + b"\x7f\xff"

# DUMP of `PFADD h a b c` + PFCOUNT on redis-server 7.0.15.
REDIS_DUMP_ABC = (b"\x00\x1bHYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P"
                  b"\xb1\x84K\xfb\x80BZ\n\x00\xab\xfb+~\xa3\xb0\xef\xec")

ELEMENTS = [str(i) for i in range(40)] + ["a", "b", "c", "", "hello", "\x00", "é", "x" * 100]
MANY = ["e%d" % i for i in range(600)]

CLEANUP = [
    ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"],
    ["CONFIG", "SET", "notify-keyspace-events", ""],
]

EDGE_CASES = [
    # Creation, the empty value, cache invalidation and write-back, byte for byte.
    [["PFADD", "h"], ["GET", "h"], ["PFADD", "h"], ["PFCOUNT", "h"], ["GET", "h"],
     ["PFADD", "h", "a", "b", "c"], ["GET", "h"], ["PFCOUNT", "h"], ["GET", "h"],
     ["PFCOUNT", "h"], ["PFADD", "h", "a"], ["GET", "h"], ["PFADD", "h", ""], ["GET", "h"],
     ["PFCOUNT", "h"], ["STRLEN", "h"], ["OBJECT", "ENCODING", "h"], ["TYPE", "h"],
     ["PFDEBUG", "ENCODING", "h"], ["PFDEBUG", "DECODE", "h"], ["PFCOUNT", "nokey"],
     ["EXISTS", "nokey"], ["PFADD", "h2", "a", "a", "a"], ["GET", "h2"]],
    # Growth in sparse form: splits of XZERO / ZERO / VAL runs, merges of equal VALs.
    [["PFADD", "s"] + ELEMENTS[:10], ["GET", "s"], ["PFDEBUG", "DECODE", "s"],
     ["PFADD", "s"] + ELEMENTS[10:30], ["GET", "s"], ["PFDEBUG", "DECODE", "s"],
     ["PFADD", "s"] + ELEMENTS[30:], ["GET", "s"], ["PFCOUNT", "s"], ["GET", "s"]]
    + [["PFADD", "t", e] for e in MANY[:120]] + [["GET", "t"], ["PFCOUNT", "t"]],
    # Promotion to dense at the default limit, and at lowered / raised limits.
    [["PFADD", "big"] + MANY[:300], ["PFDEBUG", "ENCODING", "big"], ["STRLEN", "big"],
     ["PFADD", "big"] + MANY[300:], ["PFDEBUG", "ENCODING", "big"], ["STRLEN", "big"],
     ["GET", "big"], ["PFCOUNT", "big"], ["GET", "big"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "40"], ["CONFIG", "GET", "hll-sparse-max-bytes"],
     ["PFADD", "small", "1", "2", "3"], ["PFDEBUG", "ENCODING", "small"], ["GET", "small"],
     ["PFADD", "small", "4", "5", "6", "7"], ["PFDEBUG", "ENCODING", "small"], ["STRLEN", "small"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "0"], ["PFADD", "zero"], ["GET", "zero"],
     ["PFADD", "zero", "a"], ["PFDEBUG", "ENCODING", "zero"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "1mb"], ["CONFIG", "GET", "hll-sparse-max-bytes"],
     ["PFADD", "huge"] + MANY, ["PFDEBUG", "ENCODING", "huge"], ["GET", "huge"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "-1"], ["CONFIG", "SET", "hll-sparse-max-bytes", "x"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "9223372036854775807"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "9223372036854775808"],
     ["CONFIG", "GET", "hll-sparse-max-bytes"], ["CONFIG", "GET", "hll-*"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]],
    # PFCOUNT of several keys: sparse, dense, missing, duplicated; nothing is written.
    [["PFADD", "a", "1", "2", "3"], ["PFADD", "b", "3", "4", "5"], ["PFADD", "c"] + MANY,
     ["PFCOUNT", "a", "b"], ["GET", "a"], ["PFCOUNT", "a", "nokey"], ["PFCOUNT", "nokey", "nokey2"],
     ["PFCOUNT", "a", "a", "a"], ["PFCOUNT", "a", "b", "c"], ["GET", "c"], ["PFCOUNT", "c", "nokey"],
     ["SET", "str", "x"], ["PFCOUNT", "a", "str"], ["PFCOUNT", "nokey", "str"],
     ["LPUSH", "l", "x"], ["PFCOUNT", "a", "l"], ["PFCOUNT", "l", "str"]],
    # PFMERGE: missing destination, sparse destination raised register by register, dense
    # inputs, the destination as an input, TTL kept, no source at all.
    [["PFADD", "a", "1", "2", "3"], ["PFADD", "b", "3", "4", "5"], ["PFMERGE", "d", "a", "b"],
     ["GET", "d"], ["PFCOUNT", "d"], ["PFDEBUG", "ENCODING", "d"], ["PFMERGE", "d"], ["GET", "d"],
     ["PFMERGE", "e"], ["GET", "e"], ["PFMERGE", "f", "nokey"], ["GET", "f"],
     ["PFADD", "m"] + MANY[:200], ["PFMERGE", "d", "m"], ["GET", "d"], ["PFCOUNT", "d"],
     ["PFADD", "g", "x"], ["PFDEBUG", "TODENSE", "g"], ["PFMERGE", "d2", "a", "g"], ["GET", "d2"],
     ["PFDEBUG", "ENCODING", "d2"], ["PFMERGE", "g", "a"], ["PFDEBUG", "ENCODING", "g"],
     ["PFCOUNT", "g"], ["PFADD", "t", "z"], ["EXPIRE", "t", "1000"], ["PFMERGE", "t", "a", "m"],
     ["TTL", "t"], ["GET", "t"], ["PFADD", "t", "new-one"], ["TTL", "t"], ["PFCOUNT", "t"],
     ["TTL", "t"], ["PFDEBUG", "TODENSE", "t"], ["TTL", "t"]],
    # Many sparse registers merged into a sparse destination until it turns dense.
    [["PFADD", "x"] + MANY[:450], ["PFADD", "y", "q"], ["PFMERGE", "y", "x"],
     ["PFDEBUG", "ENCODING", "y"], ["GET", "y"],
     ["CONFIG", "SET", "hll-sparse-max-bytes", "300"], ["PFADD", "w", "q"], ["PFMERGE", "w", "x"],
     ["PFDEBUG", "ENCODING", "w"], ["GET", "w"], ["PFCOUNT", "w", "x"]],
    # Wrong types and values that are not HLLs.
    [["SET", "s", "bar"], ["LPUSH", "l", "x"], ["PFADD", "h", "a"],
     ["PFADD", "s", "a"], ["PFADD", "s"], ["PFADD", "l", "a"], ["PFCOUNT", "s"], ["PFCOUNT", "l"],
     ["PFMERGE", "s", "h"], ["PFMERGE", "h", "s"], ["PFMERGE", "d", "l"], ["PFMERGE", "l", "h"],
     ["EXISTS", "d"], ["PFDEBUG", "ENCODING", "s"], ["PFDEBUG", "GETREG", "l"],
     ["PFDEBUG", "foo", "s"], ["PFDEBUG", "foo", "nokey"], ["PFDEBUG", "foo", "h"],
     ["PFDEBUG", "", "h"], ["PFDEBUG", "foo\r\nbar", "h"], ["PFDEBUG", "foo\x00bar", "h"],
     ["PFDEBUG", "getreg\x00zzz", "s"], ["PFDEBUG", "EnCoDiNg", "h"],
     ["SET", "n", "1234567890123456"], ["PFCOUNT", "n"], ["SET", "short", "HYLL"],
     ["PFCOUNT", "short"], ["SET", "magic", "HYLX" + "\x01" + "\x00" * 11 + "\x7f\xff"],
     ["PFCOUNT", "magic"], ["SET", "enc", b"HYLL\x02" + b"\x00" * 11 + b"\x7f\xff"],
     ["PFADD", "enc", "a"], ["SET", "dlen", HEADER_DENSE_STALE + b"\x00" * 100],
     ["PFCOUNT", "dlen"], ["PFMERGE", "dlen2", "dlen"], ["PFDEBUG", "ENCODING", "dlen"],
     ["SET", "hdr", HEADER_SPARSE_STALE[:15]], ["PFCOUNT", "hdr"]],
    # Arity.
    [["PFADD"], ["PFCOUNT"], ["PFMERGE"], ["PFDEBUG"], ["PFDEBUG", "GETREG"],
     ["PFDEBUG", "GETREG", "k", "x"], ["PFSELFTEST", "x"]],
    # Corrupted sparse values: the TCL suite's three, and forged runs.
    [["PFADD", "h", "a", "b", "c"], ["APPEND", "h", "hello"], ["PFCOUNT", "h"], ["GET", "h"],
     ["PFADD", "h", "x"], ["PFADD", "h"], ["PFCOUNT", "h", "nokey"], ["PFMERGE", "d", "h"],
     ["EXISTS", "d"], ["PFDEBUG", "DECODE", "h"], ["PFDEBUG", "GETREG", "h"],
     ["PFDEBUG", "TODENSE", "h"], ["PFDEBUG", "ENCODING", "h"], ["GET", "h"],
     ["SETRANGE", "h", "0", "0123"], ["PFCOUNT", "h"], ["DEL", "h"],
     ["PFADD", "h", "a", "b", "c"], ["SETRANGE", "h", "4", "x"], ["PFCOUNT", "h"],
     ["PFADD", "h2", "a", "b", "c"], ["SETRANGE", "h2", "4", "\x00"], ["PFCOUNT", "h2"]],
    [["SET", "many", SPARSE_TOO_MANY], ["PFCOUNT", "many"], ["PFADD", "many", "a"], ["GET", "many"],
     ["PFCOUNT", "many"], ["PFADD", "many"] + ELEMENTS, ["GET", "many"],
     ["PFDEBUG", "DECODE", "many"], ["PFDEBUG", "TODENSE", "many"], ["PFMERGE", "d", "many"],
     ["SET", "few", SPARSE_TOO_FEW], ["PFCOUNT", "few"], ["PFADD", "few"] + ELEMENTS,
     ["GET", "few"], ["PFDEBUG", "DECODE", "few"], ["PFADD", "few"], ["GET", "few"],
     ["SET", "over", SPARSE_VAL_OVERRUN], ["PFCOUNT", "over"], ["PFDEBUG", "GETREG", "over"],
     ["PFDEBUG", "DECODE", "over"], ["PFADD", "over"] + ELEMENTS, ["GET", "over"],
     ["SET", "empty", SPARSE_EMPTY], ["PFCOUNT", "empty"], ["PFADD", "empty"],
     ["PFADD", "empty", "a"], ["PFDEBUG", "DECODE", "empty"], ["PFDEBUG", "TODENSE", "empty"],
     ["PFCOUNT", "empty", "few"], ["GET", "empty"], ["OBJECT", "ENCODING", "empty"]],
    # A cut-off XZERO: the first split is compared, nothing after it (see the docstring).
    [["SET", "cut", SPARSE_CUT_XZERO], ["PFCOUNT", "cut"], ["PFDEBUG", "DECODE", "cut"],
     ["PFADD", "cut", "a"], ["GET", "cut"], ["PFCOUNT", "cut"],
     ["SET", "cut2", SPARSE_CUT_XZERO], ["PFADD", "cut2", "a", "b", "c"], ["GET", "cut2"]],
    # Forged valid sparse values: short ZERO runs, VAL runs, a fresh cache.
    [["SET", "z", SPARSE_ZEROS], ["PFCOUNT", "z"], ["GET", "z"], ["PFADD", "z"] + ELEMENTS[:12],
     ["GET", "z"], ["PFDEBUG", "DECODE", "z"], ["PFCOUNT", "z"],
     ["SET", "v", SPARSE_VALS], ["PFCOUNT", "v"], ["PFDEBUG", "DECODE", "v"],
     ["PFADD", "v"] + ELEMENTS, ["GET", "v"], ["PFMERGE", "vv", "v", "z"], ["GET", "vv"],
     ["SET", "c42", SPARSE_CACHED_42], ["PFCOUNT", "c42"], ["OBJECT", "ENCODING", "c42"],
     ["PFCOUNT", "c42", "nokey"], ["PFADD", "c42"], ["GET", "c42"], ["PFADD", "c42", "a"],
     ["PFCOUNT", "c42"], ["GET", "c42"]],
    # Forged dense values: random registers, impossible ones (estimates past 2^63).
    [["SET", "r", DENSE_RANDOM], ["PFCOUNT", "r"], ["GET", "r"], ["PFCOUNT", "r", "nokey"],
     ["PFADD", "r"] + ELEMENTS, ["PFCOUNT", "r"], ["PFDEBUG", "DECODE", "r"],
     ["SET", "f", DENSE_ALL_50], ["PFCOUNT", "f"], ["GET", "f"], ["PFCOUNT", "f"],
     ["PFCOUNT", "f", "nokey"], ["SET", "s", DENSE_ALL_63], ["PFCOUNT", "s"], ["PFCOUNT", "s", "r"],
     ["PFMERGE", "m", "s", "r"], ["PFCOUNT", "m"], ["PFDEBUG", "ENCODING", "m"],
     ["SET", "small", DENSE_SMALL], ["PFCOUNT", "small"], ["PFMERGE", "sm", "small"],
     ["PFDEBUG", "ENCODING", "sm"], ["PFCOUNT", "sm"], ["GET", "sm"],
     ["SET", "c7", HEADER_DENSE_CACHED_7 + b"\x00" * 12288], ["PFCOUNT", "c7"],
     ["PFADD", "c7"], ["PFCOUNT", "c7"], ["PFADD", "c7", "a"], ["PFCOUNT", "c7"]],
    # PFDEBUG: every subcommand, sparse and dense; GETREG / TODENSE convert for good.
    [["PFADD", "h", "a", "b", "c"], ["PFDEBUG", "ENCODING", "h"], ["PFDEBUG", "DECODE", "h"],
     ["PFDEBUG", "GETREG", "h"], ["PFDEBUG", "ENCODING", "h"], ["GET", "h"],
     ["PFDEBUG", "DECODE", "h"], ["PFDEBUG", "TODENSE", "h"], ["PFADD", "k", "x"],
     ["PFCOUNT", "k"], ["PFDEBUG", "todense", "k"], ["GET", "k"], ["PFDEBUG", "TODENSE", "k"],
     ["PFDEBUG", "getreg", "k"], ["PFADD", "e"], ["PFDEBUG", "decode", "e"],
     ["PFDEBUG", "GETREG", "nokey"], ["PFDEBUG", "TODENSE", "nokey"], ["EXISTS", "nokey"]],
    # Encodings of the string: values written here are raw; a short SET value becomes raw
    # once a command unshares it.
    [["PFADD", "h", "a"], ["OBJECT", "ENCODING", "h"], ["GET", "h"], ["SET", "c", "x"],
     ["SET", "c", SPARSE_CACHED_42], ["OBJECT", "ENCODING", "c"], ["PFCOUNT", "c"],
     ["OBJECT", "ENCODING", "c"], ["SET", "c", SPARSE_CACHED_42], ["PFADD", "c"],
     ["OBJECT", "ENCODING", "c"], ["SET", "c", SPARSE_CACHED_42], ["PFDEBUG", "ENCODING", "c"],
     ["OBJECT", "ENCODING", "c"], ["SET", "c", SPARSE_CACHED_42], ["PFCOUNT", "c", "h"],
     ["OBJECT", "ENCODING", "c"], ["SET", "c", SPARSE_CACHED_42], ["PFMERGE", "x", "c"],
     ["OBJECT", "ENCODING", "c"], ["OBJECT", "ENCODING", "x"]],
    # Values moved through GET/SET and DUMP/RESTORE count the same.
    [["PFADD", "h"] + MANY[:250], ["DUMP", "h"], ["GET", "h"], ["PFCOUNT", "h"], ["DUMP", "h"],
     ["PFADD", "d"] + MANY, ["PFDEBUG", "TODENSE", "d"], ["DUMP", "d"],
     ["RESTORE", "r", "0", REDIS_DUMP_ABC], ["PFCOUNT", "r"], ["GET", "r"], ["PFADD", "r", "d"],
     ["PFCOUNT", "r"], ["DUMP", "r"], ["COPY", "h", "h3"], ["PFCOUNT", "h3"], ["RENAME", "d", "d2"], ["PFCOUNT", "d2"],
     ["PFCOUNT", "h3", "d2"]],
    # MULTI: queued PF commands run in order.
    [["MULTI"], ["PFADD", "h", "a", "b"], ["PFCOUNT", "h"], ["PFADD", "h", "c"], ["PFCOUNT", "h"],
     ["PFMERGE", "d", "h"], ["PFDEBUG", "ENCODING", "d"], ["GET", "d"], ["EXEC"],
     ["MULTI"], ["PFADD", "h"], ["PFCOUNT"], ["EXEC"], ["MULTI"], ["SET", "s", "x"], ["PFADD", "s"],
     ["PFCOUNT", "h"], ["EXEC"]],
    # WATCH: PFADD and PFMERGE signal the key; PFCOUNT only when it writes the cache back;
    # PFDEBUG's conversion never.
    [["PFADD", "h", "a"], ["WATCH", "h"], ["@1", "PFCOUNT", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFCOUNT", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFADD", "h", "a"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFADD", "h", "zz"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFDEBUG", "TODENSE", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFDEBUG", "GETREG", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFMERGE", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "h"], ["@1", "PFCOUNT", "h", "h"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "n"], ["@1", "PFMERGE", "n"], ["MULTI"], ["PING"], ["EXEC"]],
    # Keyspace events: new + pfadd, pfadd for PFMERGE, nothing for PFCOUNT / PFDEBUG /
    # a PFADD that changed nothing; keymiss for PFCOUNT / PFMERGE lookups.
    [["CONFIG", "SET", "notify-keyspace-events", "KEA"], ["@1", "PSUBSCRIBE", "__key*__:*"],
     ["PFADD", "h", "a"], ["DRAIN", "1"], ["PFADD", "h", "a"], ["DRAIN", "1"],
     ["PFADD", "h"], ["DRAIN", "1"], ["PFCOUNT", "h"], ["DRAIN", "1"],
     ["PFMERGE", "d", "h"], ["DRAIN", "1"], ["PFMERGE", "d", "h"], ["DRAIN", "1"],
     ["PFDEBUG", "TODENSE", "h"], ["DRAIN", "1"], ["PFDEBUG", "GETREG", "d"], ["DRAIN", "1"],
     ["PFADD", "n"], ["DRAIN", "1"], ["SET", "s", "x"], ["DRAIN", "1"], ["PFADD", "s", "a"],
     ["DRAIN", "1"], ["CONFIG", "SET", "notify-keyspace-events", "KEAmn"],
     ["PFCOUNT", "miss"], ["DRAIN", "1"], ["PFCOUNT", "miss", "h"], ["DRAIN", "1"],
     ["PFMERGE", "nd", "miss"], ["DRAIN", "1"], ["PFADD", "nd2"], ["DRAIN", "1"],
     ["PFDEBUG", "ENCODING", "miss"], ["DRAIN", "1"],
     ["CONFIG", "SET", "notify-keyspace-events", ""]],
    # COMMAND metadata of the family.
    [["COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest"],
     ["COMMAND", "DOCS", "pfadd", "pfmerge"], ["COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"],
     ["COMMAND", "GETKEYS", "PFDEBUG", "GETREG", "k"], ["COMMAND", "GETKEYS", "PFCOUNT", "a", "b"]],
]

KEYS = ["h1", "h2", "h3"]
POOL = ELEMENTS + MANY[:60]


def random_command(rng):
    k, k2, k3 = rng.choice(KEYS), rng.choice(KEYS), rng.choice(KEYS)
    some = [rng.choice(POOL) for _ in range(rng.randint(0, 6))]
    lots = [rng.choice(MANY) + str(rng.randint(0, 9)) for _ in range(rng.randint(20, 120))]
    dst = rng.choice(KEYS + ["d"])
    options = [
        ["PFADD", k] + some, ["PFADD", k] + some, ["PFADD", k] + some, ["PFADD", k] + lots,
        ["PFCOUNT", k], ["PFCOUNT", k], ["PFCOUNT", k, k2], ["PFCOUNT", k, k2, k3, "nokey"],
        ["PFMERGE", dst, k], ["PFMERGE", dst, k, k2], ["PFMERGE", dst],
        ["GET", k], ["GET", k], ["GET", dst], ["STRLEN", k],
        ["PFDEBUG", "ENCODING", k], ["PFDEBUG", "DECODE", k], ["PFDEBUG", "TODENSE", k],
        ["PFDEBUG", rng.choice(["GETREG", "getreg"]), k] if rng.random() < 0.2 else ["PING"],
        ["SETRANGE", k, str(rng.randint(0, 24)), bytes([rng.randrange(256)])],
        ["SETRANGE", k, str(rng.randint(16, 300)), bytes([rng.randrange(256)])],
        ["APPEND", k, rng.choice(["\x00", "\x7f\xff", "\x80", "x"])],
        ["SET", k, rng.choice([SPARSE_CACHED_42, SPARSE_ZEROS, DENSE_SMALL, SPARSE_TOO_FEW, "v"])],
        ["DEL", k], ["EXISTS", k], ["OBJECT", "ENCODING", k], ["TYPE", k],
        ["CONFIG", "SET", "hll-sparse-max-bytes", rng.choice(["3000", "3000", "64", "500", "0"])],
    ]
    return rng.choice(options)
