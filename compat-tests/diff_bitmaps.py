"""Differential cases for the bitmap family (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD,
BITFIELD_RO), picked up by differential.py as `--family bitmaps`.

Besides every option and error (and which error wins when several apply: Redis parses SETBIT,
GETBIT and BITFIELD arguments before looking at the key, but looks the key up first in
BITCOUNT and BITPOS), the cases pin what bit commands do to the strings they touch: a string
grown by SETBIT or BITFIELD reads back through GET, STRLEN, GETRANGE and OBJECT ENCODING (always
`raw` once a bit command opened it for writing, even when nothing changed), APPEND and SETRANGE
keep growing it, COPY copies it apart, RENAME moves it. Keyspace events are compared through a
subscriber (the keyspace_events family's helpers). proto-max-bulk-len is lowered to 1 MB (its
minimum) for the offset limits, so no case allocates Redis's 512 MB; CLEANUP restores it.

Not compared: BITFIELD `#n` offsets whose product with the width overflows 64 bits. redis-server
multiplies without checking (undefined behaviour in C that wraps in practice), so some of them
wrap to small valid offsets there; Memorabilia refuses every overflowing offset. Those that wrap
to a negative number (refused by both) are compared.
"""

from diff_keyspace_events import DRAIN, OFF, SUB, _case

LIMIT_1MB = ["CONFIG", "SET", "proto-max-bulk-len", "1048576"]
LIMIT_DEFAULT = ["CONFIG", "SET", "proto-max-bulk-len", "536870912"]

CLEANUP = [OFF, LIMIT_DEFAULT]

BAD_TYPES = ["i0", "u0", "i65", "u64", "x8", "U8", "I8", "i", "u", "", "i-1", "i08", "u+8", "8",
             "i 8", "u99999999999999999999"]

SETBIT_GETBIT = [
    [["SETBIT", "b", "7", "1"], ["GET", "b"], ["GETBIT", "b", "7"], ["GETBIT", "b", "6"],
     ["GETBIT", "b", "8"], ["GETBIT", "b", "1000000"], ["SETBIT", "b", "7", "1"],
     ["SETBIT", "b", "7", "0"], ["GET", "b"], ["STRLEN", "b"], ["OBJECT", "ENCODING", "b"],
     ["SETBIT", "b", "100", "1"], ["STRLEN", "b"], ["GET", "b"], ["GETBIT", "nokey", "0"],
     ["GETBIT", "nokey", "99999"]],
    # Offset and value errors, and their order against WRONGTYPE.
    [["SETBIT", "b", "-1", "1"], ["SETBIT", "b", "x", "1"], ["SETBIT", "b", "", "1"],
     ["SETBIT", "b", "1.5", "1"], ["SETBIT", "b", "#1", "1"], ["SETBIT", "b", " 1", "1"],
     ["SETBIT", "b", "01", "1"], ["SETBIT", "b", "9223372036854775807", "1"],
     ["SETBIT", "b", "-9223372036854775808", "1"], ["SETBIT", "b", "4294967296", "1"],
     ["SETBIT", "b", "0", "2"], ["SETBIT", "b", "0", "-1"], ["SETBIT", "b", "0", "x"],
     ["SETBIT", "b", "0", ""], ["SETBIT", "b", "0", "1.0"], ["SETBIT", "b", "0", " 1"],
     ["SETBIT", "b", "0", "01"], ["SETBIT", "b", "0", "9223372036854775808"],
     ["SETBIT", "b", "x", "2"], ["EXISTS", "b"], ["GETBIT", "b", "-1"], ["GETBIT", "b", "x"],
     ["GETBIT", "b", "4294967296"], ["GETBIT", "b", "#0"]],
    [["SADD", "s", "m"], ["SETBIT", "s", "0", "1"], ["SETBIT", "s", "0", "2"],
     ["SETBIT", "s", "-1", "1"], ["GETBIT", "s", "0"], ["GETBIT", "s", "x"],
     ["LPUSH", "l", "a"], ["SETBIT", "l", "5", "0"], ["TYPE", "s"]],
    # The offset limit follows proto-max-bulk-len (bytes): 1 MB holds bits 0..8388607.
    [LIMIT_1MB, ["SETBIT", "b", "8388608", "1"], ["GETBIT", "b", "8388608"],
     ["SETBIT", "b", "8388607", "1"], ["STRLEN", "b"], ["GETBIT", "b", "8388607"],
     ["BITCOUNT", "b"], ["BITPOS", "b", "1"], ["BITPOS", "b", "0", "-1"],
     ["BITPOS", "b", "1", "-1", "-1"], ["APPEND", "b", "x"], ["SETRANGE", "b", "1048575", "y"],
     ["SETRANGE", "b", "1048576", "y"], ["SETRANGE", "b", "1048575", "yz"],
     ["SETRANGE", "c", "1048576", "y"], ["SET", "s", "abc"], ["APPEND", "s", "x"],
     ["BITFIELD", "b", "SET", "u8", "8388600", "1"], ["BITFIELD", "b", "SET", "u8", "8388601", "1"],
     ["BITFIELD", "b", "GET", "u8", "8388608"], ["BITFIELD", "b", "GET", "i64", "#131071"],
     ["BITFIELD", "b", "GET", "i64", "#131072"], ["BITFIELD_RO", "b", "GET", "u8", "#1048576"],
     ["STRLEN", "b"], LIMIT_DEFAULT],
    # `#n` times the width wraps as Redis's signed multiplication does: back into range
    # (2^61 * 8 = 2^64 -> offset 0) or below zero (2^60 * 8 = 2^63).
    [["SET", "w", "hello"], ["BITFIELD", "w", "GET", "u8", "#2305843009213693952"],
     ["BITFIELD", "w", "GET", "u8", "#1152921504606846976"],
     ["BITFIELD", "w", "SET", "u8", "#2305843009213693953", "65"], ["GET", "w"],
     ["BITFIELD_RO", "w", "GET", "i4", "#4611686018427387905"],
     ["BITFIELD", "w", "INCRBY", "u2", "#-9223372036854775808", "1"], ["GET", "w"]],
    # Integer-encoded and embstr strings turn raw once a bit command opens them for writing,
    # even when the bit does not change.
    [["SET", "n", "123"], ["OBJECT", "ENCODING", "n"], ["GETBIT", "n", "2"], ["GETBIT", "n", "7"],
     ["GETBIT", "n", "24"], ["OBJECT", "ENCODING", "n"], ["SETBIT", "n", "2", "1"],
     ["OBJECT", "ENCODING", "n"], ["GET", "n"], ["SET", "n", "5"], ["SETBIT", "n", "0", "0"],
     ["OBJECT", "ENCODING", "n"], ["GET", "n"], ["INCR", "n"], ["OBJECT", "ENCODING", "n"],
     ["SET", "e", "hello"], ["OBJECT", "ENCODING", "e"], ["SETBIT", "e", "0", "0"],
     ["OBJECT", "ENCODING", "e"], ["SET", "e", "hello"], ["BITFIELD", "e", "GET", "u8", "0"],
     ["OBJECT", "ENCODING", "e"], ["BITFIELD", "e", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "200"],
     ["OBJECT", "ENCODING", "e"], ["GET", "e"], ["SET", "f", "1"],
     ["BITFIELD", "f", "SET", "u8", "0", "49"], ["OBJECT", "ENCODING", "f"], ["OBJECT", "REFCOUNT", "f"]],
    # Long strings grown bit by bit read back through every string command.
    [["SETBIT", "g", "1000", "1"], ["SETBIT", "g", "0", "1"], ["SETBIT", "g", "399", "1"],
     ["STRLEN", "g"], ["GET", "g"], ["GETRANGE", "g", "0", "3"], ["GETRANGE", "g", "-3", "-1"],
     ["GETRANGE", "g", "49", "49"], ["OBJECT", "ENCODING", "g"], ["APPEND", "g", "tail"],
     ["STRLEN", "g"], ["SETRANGE", "g", "200", "far"], ["STRLEN", "g"], ["GET", "g"],
     ["SETBIT", "g", "1700", "1"], ["GET", "g"], ["BITCOUNT", "g"], ["BITPOS", "g", "1", "2"],
     ["SETRANGE", "g", "0", "\xff\xff"], ["BITPOS", "g", "0"], ["INCR", "g"], ["LCS", "g", "g", "LEN"],
     ["OBJECT", "ENCODING", "g"], ["DUMP", "g"], ["GETDEL", "g"], ["EXISTS", "g"]],
    # APPEND / SETRANGE first, bits after, and the other way round.
    [["APPEND", "a", "abc"], ["OBJECT", "ENCODING", "a"], ["APPEND", "a", "def"],
     ["OBJECT", "ENCODING", "a"], ["SETBIT", "a", "0", "1"], ["GET", "a"], ["SETRANGE", "a", "30", "x"],
     ["SETBIT", "a", "250", "1"], ["GET", "a"], ["APPEND", "a", "y" * 40], ["BITCOUNT", "a"],
     ["GET", "a"], ["SETRANGE", "r", "3", "abc"], ["OBJECT", "ENCODING", "r"], ["GETBIT", "r", "26"],
     ["SETBIT", "r", "26", "0"], ["GET", "r"], ["SET", "x", "y" * 100], ["OBJECT", "ENCODING", "x"],
     ["SETBIT", "x", "7", "0"], ["GET", "x"], ["APPEND", "x", "z"], ["STRLEN", "x"], ["GET", "x"]],
    # Copies are independent; a renamed or moved string keeps growing in place.
    [["SETBIT", "o", "300", "1"], ["COPY", "o", "c"], ["SETBIT", "o", "301", "1"], ["GET", "c"],
     ["GET", "o"], ["OBJECT", "ENCODING", "c"], ["APPEND", "c", "!"], ["GET", "o"],
     ["RENAME", "o", "p"], ["SETBIT", "p", "302", "1"], ["GET", "p"], ["EXISTS", "o"],
     ["MOVE", "p", "1"], ["SELECT", "1"], ["SETBIT", "p", "303", "1"], ["GET", "p"],
     ["SELECT", "0"], ["BITCOUNT", "c"], ["SET", "c", "plain"], ["OBJECT", "ENCODING", "c"]],
    # TTLs survive bit writes; DUMP / RESTORE of a string built by bits.
    [["SETBIT", "t", "70", "1"], ["EXPIREAT", "t", "4102444800"], ["SETBIT", "t", "900", "1"],
     ["EXPIRETIME", "t"], ["BITFIELD", "t", "SET", "u8", "0", "9"], ["EXPIRETIME", "t"],
     ["DUMP", "t"], ["SETBIT", "small", "3", "1"], ["DUMP", "small"], ["SET", "n", "77"],
     ["SETBIT", "n", "0", "0"], ["DUMP", "n"]],
    # Inside MULTI.
    [["MULTI"], ["SETBIT", "m", "1", "1"], ["GETBIT", "m", "1"], ["BITCOUNT", "m"],
     ["SETBIT", "m", "x", "1"], ["BITFIELD", "m", "INCRBY", "u4", "0", "3"], ["EXEC"], ["GET", "m"]],
]

BITCOUNT = [
    [["SET", "s", "foobar"], ["BITCOUNT", "s"], ["BITCOUNT", "s", "0", "0"], ["BITCOUNT", "s", "1", "1"],
     ["BITCOUNT", "s", "1", "1", "BYTE"], ["BITCOUNT", "s", "5", "30", "BIT"],
     ["BITCOUNT", "s", "5", "30", "bit"], ["BITCOUNT", "s", "5", "30", "byte"],
     ["BITCOUNT", "s", "0", "-1"], ["BITCOUNT", "s", "-2", "-1"], ["BITCOUNT", "s", "-1", "-2"],
     ["BITCOUNT", "s", "-100", "100"], ["BITCOUNT", "s", "100", "200"], ["BITCOUNT", "s", "3", "1"],
     ["BITCOUNT", "s", "-1", "-2", "FOO"], ["BITCOUNT", "s", "1", "2", "FOO"],
     ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807"],
     ["BITCOUNT", "s", "-9223372036854775808", "9223372036854775807", "BIT"],
     ["BITCOUNT", "s", "0", "-1", "BIT"], ["BITCOUNT", "s", "-5", "-1", "BIT"],
     ["BITCOUNT", "s", "-48", "-41", "BIT"], ["BITCOUNT", "s", "7", "7", "BIT"],
     ["BITCOUNT", "s", "1", "6", "BIT"], ["BITCOUNT", "s", "47", "47", "BIT"],
     ["BITCOUNT", "s", "48", "100", "BIT"], ["BITCOUNT", "s", "9", "8", "BIT"],
     ["BITCOUNT", "s", "0"], ["BITCOUNT", "s", "0", "1", "BIT", "x"], ["BITCOUNT", "s", "x", "1"],
     ["BITCOUNT", "s", "1", "x"], ["BITCOUNT", "s", "1.5", "2"], ["BITCOUNT", "s", "0", "1", "BIT\x00x"]],
    # A missing key answers 0 before any argument is read; another type, WRONGTYPE.
    [["BITCOUNT", "nokey"], ["BITCOUNT", "nokey", "0"], ["BITCOUNT", "nokey", "x", "y"],
     ["BITCOUNT", "nokey", "0", "1", "FOO", "BAR"], ["SADD", "set", "a"], ["BITCOUNT", "set"],
     ["BITCOUNT", "set", "x"], ["BITCOUNT", "set", "0", "1", "FOO"], ["SET", "e", ""],
     ["BITCOUNT", "e"], ["BITCOUNT", "e", "0", "-1"], ["BITCOUNT", "e", "0", "-1", "BIT"],
     ["BITCOUNT", "e", "0"]],
    [["SET", "w", "\xff" * 37 + "\x0f"], ["BITCOUNT", "w"], ["BITCOUNT", "w", "3", "35"],
     ["BITCOUNT", "w", "19", "290", "BIT"], ["BITCOUNT", "w", "-4", "-1", "BIT"],
     ["SET", "n", "1234567"], ["BITCOUNT", "n"], ["BITCOUNT", "n", "1", "2"],
     ["BITCOUNT", "n", "3", "17", "BIT"]],
]

BITPOS = [
    [["SET", "s", "\xff\xf0\x00"], ["BITPOS", "s", "0"], ["BITPOS", "s", "1"], ["BITPOS", "s", "0", "2"],
     ["BITPOS", "s", "1", "2"], ["BITPOS", "s", "1", "-1"], ["BITPOS", "s", "0", "-3", "-2"],
     ["BITPOS", "s", "1", "7", "15", "BIT"], ["BITPOS", "s", "0", "7", "15", "BIT"],
     ["BITPOS", "s", "0", "0", "11", "BIT"], ["BITPOS", "s", "0", "0", "12", "BIT"],
     ["BITPOS", "s", "1", "12", "23", "BIT"], ["BITPOS", "s", "0", "12", "23", "BIT"],
     ["BITPOS", "s", "1", "-12", "-1", "bit"], ["BITPOS", "s", "0", "5", "5", "BIT"],
     ["BITPOS", "s", "0", "13", "13", "BIT"], ["BITPOS", "s", "1", "3", "2", "BIT"],
     ["BITPOS", "s", "1", "0", "0", "BYTE"], ["BITPOS", "s", "0", "0", "0", "BYTE"],
     ["BITPOS", "s", "0", "-100", "100"], ["BITPOS", "s", "1", "100"], ["BITPOS", "s", "0", "100"],
     ["BITPOS", "s", "0", "-9223372036854775808", "9223372036854775807", "BIT"]],
    # Looking for 0 in all ones: past the string without an end, -1 with one.
    [["SET", "o", "\xff\xff\xff"], ["BITPOS", "o", "0"], ["BITPOS", "o", "0", "0"],
     ["BITPOS", "o", "0", "1"], ["BITPOS", "o", "0", "0", "-1"], ["BITPOS", "o", "0", "0", "2"],
     ["BITPOS", "o", "0", "0", "-1", "BIT"], ["BITPOS", "o", "0", "0", "23", "BIT"],
     ["BITPOS", "o", "0", "3", "20", "BIT"], ["BITPOS", "o", "0", "8", "8", "BIT"],
     ["BITPOS", "o", "1", "0", "-1"], ["BITPOS", "o", "1", "2"], ["SET", "z", "\x00\x00\x00"],
     ["BITPOS", "z", "1"], ["BITPOS", "z", "1", "0", "-1"], ["BITPOS", "z", "0", "1"],
     ["BITPOS", "z", "1", "0", "-1", "BIT"], ["SET", "w", "\xff" * 40], ["BITPOS", "w", "0"],
     ["BITPOS", "w", "0", "3"], ["BITPOS", "w", "0", "3", "39"], ["BITPOS", "w", "0", "3", "319", "BIT"],
     ["SETBIT", "w", "250", "0"], ["BITPOS", "w", "0", "3", "319", "BIT"], ["BITPOS", "w", "0", "251", "319", "BIT"]],
    # Errors in Redis's order: the bit first, then the key, then the range (start, unit, end).
    [["BITPOS", "nokey", "0"], ["BITPOS", "nokey", "1"], ["BITPOS", "nokey", "0", "x", "y", "FOO"],
     ["BITPOS", "nokey", "2"], ["BITPOS", "nokey", "x"], ["BITPOS", "nokey", "-1"],
     ["BITPOS", "nokey", "1", "0", "1", "BIT", "extra"], ["SADD", "set", "a"], ["BITPOS", "set", "1"],
     ["BITPOS", "set", "2"], ["BITPOS", "set", "1", "x"], ["SET", "s", "ab"], ["BITPOS", "s", "1", "x"],
     ["BITPOS", "s", "1", "0", "x"], ["BITPOS", "s", "1", "0", "x", "FOO"], ["BITPOS", "s", "1", "x", "0", "FOO"],
     ["BITPOS", "s", "1", "0", "1", "FOO"], ["BITPOS", "s", "1", "0", "1", "BIT", "x"],
     ["BITPOS", "s", "1", "0", "1", "BYTE", "BIT"], ["BITPOS", "s", "1.0"], ["BITPOS", "s", ""],
     ["SET", "e", ""], ["BITPOS", "e", "0"], ["BITPOS", "e", "1"], ["BITPOS", "e", "0", "0"],
     ["BITPOS", "e", "0", "0", "-1"], ["BITPOS", "e", "0", "0", "-1", "BIT"],
     ["SET", "n", "12"], ["BITPOS", "n", "1"], ["BITPOS", "n", "0", "1"]],
]

BITOP = [
    [["SET", "a", "foobar"], ["SET", "b", "abcdef"], ["BITOP", "AND", "d", "a", "b"], ["GET", "d"],
     ["OBJECT", "ENCODING", "d"], ["BITOP", "or", "d", "a", "b"], ["GET", "d"],
     ["BITOP", "Xor", "d", "a", "b"], ["GET", "d"], ["BITOP", "NOT", "d", "a"], ["GET", "d"],
     ["BITOP", "NOT", "d", "a", "b"], ["BITOP", "NOT", "d"], ["BITOP", "NAND", "d", "a", "b"],
     ["BITOP", "", "d", "a"], ["BITOP", "AND\x00x", "d", "a"], ["BITOP", "AND", "d", "a"], ["GET", "d"],
     ["BITOP", "AND", "d", "a", "a", "a"], ["GET", "d"], ["BITOP", "XOR", "d", "a", "a"], ["GET", "d"]],
    # Missing sources read as empty; an empty result deletes the destination.
    [["SET", "a", "\xff\x0f"], ["BITOP", "AND", "d", "a", "nokey"], ["GET", "d"], ["STRLEN", "d"],
     ["BITOP", "OR", "d", "nokey", "a"], ["GET", "d"], ["BITOP", "XOR", "d", "a", "nokey"], ["GET", "d"],
     ["BITOP", "NOT", "d", "nokey"], ["EXISTS", "d"], ["SET", "d", "x"],
     ["BITOP", "OR", "d", "nokey", "nokey2"], ["EXISTS", "d"], ["SET", "e", ""],
     ["SET", "d", "x", "EX", "100"], ["BITOP", "AND", "d", "e", "e"], ["EXISTS", "d"],
     ["BITOP", "NOT", "d", "e"], ["EXISTS", "d"], ["SET", "d", "x", "EXAT", "4102444800"],
     ["BITOP", "NOT", "d", "a"], ["TTL", "d"], ["GET", "d"]],
    # Another type: as a source WRONGTYPE (nothing stored), as the destination overwritten.
    [["SADD", "set", "m"], ["SET", "a", "ab"], ["BITOP", "AND", "d", "a", "set"], ["EXISTS", "d"],
     ["BITOP", "AND", "d", "nokey", "set"], ["BITOP", "NOT", "d", "set"], ["BITOP", "OR", "set", "a"],
     ["TYPE", "set"], ["GET", "set"], ["LPUSH", "l", "x"], ["BITOP", "OR", "l", "nokey"], ["EXISTS", "l"],
     ["BITOP", "FOO", "d", "set"], ["BITOP", "NOT", "d", "set", "a"]],
    # Long and uneven inputs (Redis's word-at-a-time path), the destination among the sources.
    [["SET", "a", "0123456789" * 7], ["SET", "b", "\xaa" * 33], ["SET", "c", "z" * 40],
     ["BITOP", "AND", "d", "a", "b", "c"], ["GET", "d"], ["BITOP", "OR", "d", "a", "b", "c"], ["GET", "d"],
     ["BITOP", "XOR", "d", "a", "b", "c"], ["GET", "d"], ["BITOP", "NOT", "d", "a"], ["GET", "d"],
     ["BITOP", "XOR", "a", "a", "b"], ["GET", "a"], ["BITOP", "AND", "b", "b", "nokey"], ["GET", "b"],
     ["SET", "n", "12345"], ["BITOP", "OR", "d", "n", "n"], ["GET", "d"], ["OBJECT", "ENCODING", "d"],
     ["SETBIT", "d", "1000", "1"], ["STRLEN", "d"], ["BITOP", "AND", "e", "d", "a"], ["STRLEN", "e"]],
]

BITFIELD = [
    [["BITFIELD", "f", "SET", "i8", "0", "-100"], ["BITFIELD", "f", "GET", "i8", "0"],
     ["BITFIELD", "f", "GET", "u8", "0"], ["GET", "f"], ["OBJECT", "ENCODING", "f"],
     ["BITFIELD", "f", "INCRBY", "i8", "0", "10", "GET", "u4", "0", "GET", "i4", "4"],
     ["BITFIELD", "f", "SET", "u5", "3", "31", "GET", "u16", "0", "SET", "i64", "8", "-1", "GET", "u63", "8"],
     ["GET", "f"], ["STRLEN", "f"], ["BITFIELD", "f"], ["BITFIELD", "nokey"], ["EXISTS", "nokey"],
     ["BITFIELD", "nokey", "GET", "i64", "1000"], ["EXISTS", "nokey"],
     ["BITFIELD", "f", "get", "u8", "0", "Set", "u8", "0", "1", "incrBY", "u8", "0", "1", "overflow", "sat"]],
    # `#n` offsets count fields of the type's width.
    [["BITFIELD", "h", "SET", "u8", "#0", "1", "SET", "u8", "#1", "2", "SET", "u8", "#2", "3"], ["GET", "h"],
     ["BITFIELD", "h", "GET", "u16", "#1", "GET", "u4", "#3", "INCRBY", "i3", "#5", "2"],
     ["BITFIELD", "h", "GET", "u8", "#-1"], ["BITFIELD", "h", "GET", "u8", "#"], ["BITFIELD", "h", "GET", "u8", "##1"],
     ["BITFIELD", "h", "GET", "u8", "#x"], ["BITFIELD", "h", "GET", "u8", "#1.5"],
     ["BITFIELD", "h", "GET", "i64", "#144115188075855872"], ["BITFIELD", "h", "GET", "u8", "# 1"],
     ["BITFIELD", "h", "GET", "u8", "#9223372036854775807"], ["BITFIELD", "h", "SET", "i64", "#1", "7"],
     ["STRLEN", "h"], ["GET", "h"]],
    # Types.
    [["BITFIELD", "t", "GET", ty, "0"] for ty in BAD_TYPES]
    + [["BITFIELD", "t", "SET", "i64", "0", "-2"], ["BITFIELD", "t", "GET", "u63", "0"],
       ["BITFIELD", "t", "GET", "i64", "0"], ["BITFIELD", "t", "GET", "i1", "63"],
       ["BITFIELD", "t", "GET", "u1", "63"], ["BITFIELD", "t", "GET", "u8\x00junk", "0"],
       ["BITFIELD", "t", "GET", "i64", "60"], ["BITFIELD", "t", "GET", "u63", "1"]],
    # Argument errors, all before the key is looked at.
    [["SADD", "set", "m"], ["BITFIELD", "set", "GET", "u8", "0"], ["BITFIELD", "set"],
     ["BITFIELD", "set", "GET", "u64", "0"], ["BITFIELD", "set", "GET", "u8", "-1"],
     ["BITFIELD", "set", "SET", "u8", "0", "x"], ["BITFIELD", "set", "GET", "u8"],
     ["BITFIELD", "set", "SET", "u8", "0"], ["BITFIELD", "set", "INCRBY", "u8", "0"],
     ["BITFIELD", "set", "OVERFLOW"], ["BITFIELD", "set", "OVERFLOW", "FOO"],
     ["BITFIELD", "set", "OVERFLOW", "FOO", "GET", "u64", "0"], ["BITFIELD", "set", "GET", "u64", "x"],
     ["BITFIELD", "set", "GET", "u8", "x", "SET", "u64", "0", "1"], ["BITFIELD", "set", "FOO"],
     ["BITFIELD", "set", "GET", "u8", "0", "FOO"], ["BITFIELD", "set", "SET", "u8", "0", "1.5"],
     ["BITFIELD", "set", "INCRBY", "u8", "0", "9223372036854775808"],
     ["BITFIELD", "f", "SET", "u8", "0", "1", "GET", "u8", "x"], ["EXISTS", "f"],
     ["BITFIELD", "f", "OVERFLOW", "wrap", "OVERFLOW", "Sat", "OVERFLOW", "fail"], ["EXISTS", "f"],
     ["BITFIELD", "f", "GET"], ["BITFIELD", "f", "OVERFLOW", "WRAP\x00"]],
    # BITFIELD_RO: GETs only.
    [["SET", "r", "\x12\x34"], ["BITFIELD_RO", "r", "GET", "u8", "0", "GET", "i4", "#3"],
     ["BITFIELD_RO", "r"], ["BITFIELD_RO", "nokey", "GET", "u8", "0"], ["EXISTS", "nokey"],
     ["BITFIELD_RO", "r", "SET", "u8", "0", "1"], ["BITFIELD_RO", "r", "INCRBY", "u8", "0", "1"],
     ["BITFIELD_RO", "r", "OVERFLOW", "SAT"], ["BITFIELD_RO", "r", "OVERFLOW", "SAT", "GET", "u8", "0"],
     ["BITFIELD_RO", "r", "GET", "u64", "0"], ["BITFIELD_RO", "r", "SET", "u8", "0", "x"],
     ["BITFIELD_RO", "r", "GET", "u8", "0", "SET", "u8", "0", "1"], ["SADD", "set", "m"],
     ["BITFIELD_RO", "set", "GET", "u8", "0"], ["BITFIELD_RO", "set", "SET", "u8", "0", "1"],
     ["BITFIELD_RO", "set"], ["GET", "r"], ["OBJECT", "ENCODING", "r"]],
    # Overflow: a FAIL write is null and writes nothing, but the string has grown.
    [["BITFIELD", "v", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10"], ["STRLEN", "v"], ["GET", "v"],
     ["BITFIELD", "v", "INCRBY", "u2", "100", "10", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10",
      "OVERFLOW", "SAT", "INCRBY", "u2", "100", "10", "OVERFLOW", "WRAP", "INCRBY", "u2", "100", "1"],
     ["BITFIELD", "v", "OVERFLOW", "FAIL", "SET", "i4", "200", "7", "SET", "i4", "200", "8",
      "SET", "i4", "200", "-8", "SET", "i4", "200", "-9"], ["STRLEN", "v"]],
]


def _overflow_case(ty, values, increments):
    """Every overflow behaviour for SET and INCRBY of one type around its limits."""
    steps = []
    for ow in ("WRAP", "SAT", "FAIL"):
        for v in values:
            steps.append(["BITFIELD", "o", "OVERFLOW", ow, "SET", ty, "5", v, "GET", ty, "5"])
            for inc in increments:
                steps.append(["BITFIELD", "o", "SET", ty, "5", v, "OVERFLOW", ow,
                              "INCRBY", ty, "5", inc, "GET", ty, "5"])
    steps.append(["GET", "o"])
    return steps


I64_EDGES = ["0", "1", "-1", "9223372036854775807", "-9223372036854775808", "4611686018427387904",
             "-4611686018427387905"]
OVERFLOWS = [
    _overflow_case("i1", ["0", "-1", "1", "-2", "2", "9223372036854775807", "-9223372036854775808"],
                   ["1", "-1", "2", "-2", "9223372036854775807", "-9223372036854775808"]),
    _overflow_case("u1", ["0", "1", "2", "-1", "9223372036854775807", "-9223372036854775808"],
                   ["1", "-1", "2", "-2", "9223372036854775807", "-9223372036854775808"]),
    _overflow_case("i8", ["127", "-128", "128", "-129", "-200", "255", "9223372036854775807",
                          "-9223372036854775808"], ["1", "-1", "127", "-128", "255", "-256",
                                                   "9223372036854775807", "-9223372036854775808"]),
    _overflow_case("u8", ["255", "0", "256", "-1", "-255", "9223372036854775807", "-9223372036854775808"],
                   ["1", "-1", "255", "-256", "9223372036854775807", "-9223372036854775808"]),
    _overflow_case("i63", ["4611686018427387903", "-4611686018427387904"] + I64_EDGES,
                   ["1", "-1", "4611686018427387903", "-4611686018427387904"] + I64_EDGES[3:5]),
    _overflow_case("u63", ["9223372036854775807", "0", "-1", "-9223372036854775808", "1"],
                   ["1", "-1", "9223372036854775807", "-9223372036854775808", "2"]),
    _overflow_case("i64", I64_EDGES, ["1", "-1", "9223372036854775807", "-9223372036854775808", "2", "-2"]),
    _overflow_case("i32", ["2147483647", "-2147483648", "2147483648", "-2147483649"] + I64_EDGES[3:5],
                   ["1", "-1", "4294967296", "-4294967296"] + I64_EDGES[3:5]),
    _overflow_case("u32", ["4294967295", "4294967296", "-1"] + I64_EDGES[3:5],
                   ["1", "-1", "-4294967296"] + I64_EDGES[3:5]),
]

# Keyspace events: setbit only when something changed; BITOP's set / del.
EVENTS = [
    _case("KEA", [["SETBIT", "b", "3", "1"], ["SETBIT", "b", "3", "1"], ["SETBIT", "b", "3", "0"],
                  ["SETBIT", "b", "100", "0"], ["SETBIT", "b", "5", "0"], ["SETBIT", "b", "x", "1"],
                  ["SET", "n", "1"], ["SETBIT", "n", "0", "0"], ["SETBIT", "nk", "0", "0"],
                  ["GETBIT", "b", "3"], ["BITCOUNT", "b"], ["BITPOS", "b", "1"]]),
    _case("KEA", [["BITFIELD", "f", "SET", "u8", "0", "0"], ["BITFIELD", "f", "SET", "u8", "0", "0"],
                  ["BITFIELD", "f", "SET", "u8", "0", "7", "SET", "u8", "8", "1"],
                  ["BITFIELD", "f", "GET", "u8", "0"], ["BITFIELD", "f", "INCRBY", "u8", "0", "0"],
                  ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"],
                  ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "100", "300"], ["STRLEN", "f"],
                  ["BITFIELD", "g", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"], ["EXISTS", "g"],
                  ["BITFIELD", "f", "SET", "u8", "200", "0"], ["BITFIELD_RO", "f", "GET", "u8", "0"],
                  ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300"]]),
    _case("KEA", [["SET", "a", "ab"], ["BITOP", "AND", "d", "a", "a"], ["BITOP", "OR", "d", "nokey"],
                  ["BITOP", "OR", "d", "nokey"], ["BITOP", "NOT", "d2", "a"], ["BITOP", "FOO", "d2", "a"],
                  ["SADD", "s", "m"], ["BITOP", "OR", "d2", "s"]]),
    _case("KEA", [["APPEND", "x", "abc"], ["APPEND", "x", "d" * 30], ["APPEND", "x", ""],
                  ["SETRANGE", "x", "40", "zz"], ["SETRANGE", "x", "0", ""], ["SETBIT", "x", "0", "1"]]),
    _case("K$", [["SETBIT", "b", "1", "1"], ["BITOP", "NOT", "c", "b"], ["BITOP", "AND", "c", "zz"]]),
    _case("Eg", [["SETBIT", "b", "1", "1"], ["BITOP", "NOT", "c", "b"], ["BITOP", "AND", "c", "zz"]]),
    _case("KEn", [["SETBIT", "b", "1", "1"], ["SETBIT", "b", "2", "1"], ["BITOP", "NOT", "c", "b"],
                  ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"]]),
]



def _binary(step):
    """Arguments written with \x80-\xff escapes are sent as those bytes (latin-1), not UTF-8."""
    return [a.encode("latin-1") if isinstance(a, str) and any(ord(c) > 0x7f for c in a) else a
            for a in step]


EDGE_CASES = [[_binary(step) for step in case]
              for case in SETBIT_GETBIT + BITCOUNT + BITPOS + BITOP + BITFIELD + OVERFLOWS + EVENTS]

KEYS = ["b1", "b2", "b3", "set"]
OFFSETS = ["0", "1", "7", "8", "9", "15", "23", "31", "63", "64", "100", "255", "256", "511", "-1",
           "x", "#1", "#3"]
RANGE_INDEXES = ["0", "1", "2", "-1", "-2", "-3", "3", "5", "7", "8", "10", "15", "16", "31", "64",
                 "-9", "-17", "-100", "100", "x"]
TYPES = ["i1", "u1", "i3", "u3", "i8", "u8", "i13", "u16", "i32", "u33", "i63", "u63", "i64", "u64",
         "i0"]
FIELD_VALUES = ["0", "1", "-1", "2", "5", "-7", "100", "127", "128", "-128", "255", "256", "65535",
                "9223372036854775807", "-9223372036854775808", "x"]
STRING_VALUES = ["", "a", "foobar", "\xff\xff", "\x00\x0f\xf0", "123", "hello world", "z" * 50,
                 "\xaa" * 30]


def _field_op(rng):
    ty = rng.choice(TYPES)
    offset = rng.choice(["0", "1", "3", "7", "8", "13", "30", "64", "100", "#0", "#1", "#2", "#5", "-1"])
    kind = rng.choice(["GET", "GET", "SET", "INCRBY", "OVERFLOW"])
    if kind == "OVERFLOW":
        return ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL", "wrap", "sat", "fail"])]
    if kind == "GET":
        return ["GET", ty, offset]
    return [kind, ty, offset, rng.choice(FIELD_VALUES)]


def random_command(rng):
    k, k2, k3 = rng.choice(KEYS), rng.choice(KEYS), rng.choice(KEYS)
    i, j = rng.choice(RANGE_INDEXES), rng.choice(RANGE_INDEXES)
    unit = rng.choice(["BYTE", "BIT", "bit", "FOO"])
    bitfield = ["BITFIELD", k]
    for _ in range(rng.randrange(0, 5)):
        bitfield += _field_op(rng)
    ro = ["BITFIELD_RO", k]
    for _ in range(rng.randrange(0, 3)):
        ro += ["GET", rng.choice(TYPES), rng.choice(["0", "5", "#1", "12"])]
    options = [
        ["SETBIT", k, rng.choice(OFFSETS), rng.choice(["0", "1", "1", "2"])],
        ["SETBIT", k, str(rng.randrange(0, 400)), rng.choice(["0", "1"])],
        ["GETBIT", k, rng.choice(OFFSETS)], ["GETBIT", k, str(rng.randrange(0, 400))],
        ["BITCOUNT", k], ["BITCOUNT", k, i, j], ["BITCOUNT", k, i, j, unit],
        ["BITPOS", k, rng.choice(["0", "1"])], ["BITPOS", k, rng.choice(["0", "1"]), i],
        ["BITPOS", k, rng.choice(["0", "1"]), i, j], ["BITPOS", k, rng.choice(["0", "1", "2"]), i, j, unit],
        ["BITOP", rng.choice(["AND", "OR", "XOR"]), k, k2, k3],
        ["BITOP", rng.choice(["AND", "OR", "XOR", "NOT"]), rng.choice(KEYS + ["d"]), k2],
        bitfield, bitfield, ro,
        ["GET", k], ["STRLEN", k], ["OBJECT", "ENCODING", k], ["APPEND", k, rng.choice(STRING_VALUES)],
        ["SETRANGE", k, rng.choice(["0", "1", "5", "40"]), rng.choice(STRING_VALUES)],
        ["GETRANGE", k, i, j], ["SET", k, rng.choice(STRING_VALUES)], ["DEL", k], ["COPY", k, k2],
        ["COPY", k, k2, "REPLACE"], ["INCR", k], ["SADD", "set", "m"], ["EXISTS", "d"], ["GET", "d"],
    ]
    return _binary(rng.choice(options))
