//! The pools hostile arguments are drawn from: keys, integers, floats, option words, ...

use crate::catalog::Catalog;
use crate::rng::Rng;

// ---------------------------------------------------------------------------------------
// Hostile arguments
// ---------------------------------------------------------------------------------------

/// Keys: each pre-populated one ([`populate_script`]) plus a few that stay missing.
///
/// [`populate_script`]: crate::world::populate_script
pub(crate) const KEYS: &[&[u8]] = &[
    b"vq",
    b"vz",
    b"str",
    b"int",
    b"neg",
    b"float",
    b"bigstr",
    b"bin",
    b"ttl",
    b"list",
    b"biglist",
    b"hash",
    b"bighash",
    b"hashlong",
    b"set",
    b"intset",
    b"bigset",
    b"bigintset",
    b"zset",
    b"zlex",
    b"bigzset",
    b"stream",
    b"bigstream",
    b"missing",
    b"dest",
    b"tmp",
    b"",
    b"\x00k\xff",
    b"{tag}a",
];

/// The pre-populated keys of each type, by `COMMAND DOCS` group.
pub(crate) fn keys_of_group(group: &str) -> &'static [&'static [u8]] {
    match group {
        "string" => &[b"str", b"int", b"neg", b"float", b"bigstr", b"bin", b"ttl"],
        "list" => &[b"list", b"biglist", b"vq"],
        "hash" => &[b"hash", b"bighash", b"hashlong"],
        "set" => &[b"set", b"intset", b"bigset", b"bigintset"],
        "sorted-set" => &[b"zset", b"zlex", b"bigzset", b"vz"],
        "stream" => &[b"stream", b"bigstream"],
        _ => KEYS,
    }
}

/// One key of each type, for re-running a command on every type while minimising.
pub(crate) const KEY_PER_TYPE: &[&[u8]] = &[
    b"str", b"list", b"hash", b"set", b"zset", b"bighash", b"bigset", b"bigzset", b"intset",
    b"stream",
];

/// Integers at and around every edge a parser or an allocation can trip on. Counts
/// between 10^5 and 2^31 are left out on purpose: they are legal and make replies of
/// gigabytes (as in Redis), which is load, not robustness.
pub(crate) const INTS: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "-9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "9223372036854775806",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "4611686018427387904",
    "-4611686018427387904",
    "4611686018427387903",
    "-4611686018427387903",
    "4294967296",
    "-4294967296",
    "4294967295",
    "2147483648",
    "-2147483648",
    "2147483647",
    "-2147483647",
    "536870912",
    "536870913",
    "100000",
    "-100000",
    "65536",
    "65535",
    "1000",
    "-1000",
    "-1",
    "0",
    "1",
    "-2",
    "2",
    "513",
    "129",
    "64",
];

pub(crate) const FLOATS: &[&str] = &[
    "inf",
    "-inf",
    "+inf",
    "nan",
    "-nan",
    "NaN",
    "infinity",
    "1e400",
    "-1e400",
    "-0",
    "0x10",
    "0x1p3",
    "1e-400",
    "3.14",
    "-2.5",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "4.9e-324",
    ".5",
    "5.",
    "1e",
    "--1",
    "1,5",
    " 1.5",
    "1.5 ",
    "+1.5",
    "1e308",
    "9007199254740993",
    "0.1",
    "(1.5",
    "(inf",
    "[a",
    "(a",
    "-",
    "+",
];

/// Words Redis commands know as options, beyond the `COMMAND DOCS` tokens (which are
/// added at run time).
/// ACL SETUSER rules, well-formed and not (also the parser fuzz's rules).
pub(crate) const ACL_RULES: &[&str] = &[
    "on",
    "off",
    "nopass",
    "resetpass",
    ">pw",
    "<pw",
    ">",
    "<",
    "#",
    "!",
    "~*",
    "~k*",
    "%R~k*",
    "%W~*",
    "%RW~x",
    "%",
    "%R",
    "%RR~x",
    "%X~",
    "&*",
    "&c*",
    "allkeys",
    "resetkeys",
    "allchannels",
    "resetchannels",
    "+@all",
    "-@all",
    "+@read",
    "-@write",
    "+@hash",
    "-@string",
    "+@nosuch",
    "+get",
    "-get",
    "+set",
    "+client|id",
    "-client",
    "+client|kill",
    "+select|0",
    "+select|",
    "+config|get|x",
    "-select|0",
    "+nosuch",
    "+",
    "-",
    "(+get ~x)",
    "(+set",
    "~y)",
    "(",
    ")",
    "()",
    "(~a b)",
    "(\"",
    "clearselectors",
    "reset",
    "sanitize-payload",
    "skip-sanitize-payload",
    "allcommands",
    "nocommands",
    "#5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    "!5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
];

const OPTIONS: &[&str] = &[
    "NX",
    "XX",
    "GT",
    "LT",
    "CH",
    "INCR",
    "WITHSCORES",
    "WITHVALUES",
    "LIMIT",
    "COUNT",
    "MATCH",
    "TYPE",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "REPLACE",
    "DB",
    "KEEPTTL",
    "GET",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "PERSIST",
    "MIN",
    "MAX",
    "IDX",
    "LEN",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "RANK",
    "MAXLEN",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "STORE",
    "ID",
    "ADDR",
    "LADDR",
    "SKIPME",
    "USER",
    "ERROR",
    "TIMEOUT",
    "ASYNC",
    "SYNC",
    "NOSAVE",
    "SAVE",
    "ABORT",
    "NOW",
    "FORCE",
    "AUTH",
    "SETNAME",
    "FILTERBY",
    "PATTERN",
    "ACLCAT",
    "MODULE",
    "normal",
    "master",
    "replica",
    "pubsub",
    "yes",
    "no",
    "default",
    "lib-name",
    "lib-ver",
    "WITHSCORE",
    "ANY",
    "FULL",
    "NOVALUES",
    "FIELDS",
];

pub(crate) const MEMBERS: &[&str] = &[
    "a", "b", "c", "d", "e", "f1", "f2", "n", "fl", "m0", "m1", "m599", "1", "2", "3", "-5", "100",
    "x", "hello", "value", "0",
];

pub(crate) const BINARY: &[&[u8]] = &[
    b"\x00",
    b"a\x00b",
    b"\r\n",
    b"\r",
    b"\n",
    b"*1\r\n$4\r\nPING\r\n",
    b"\xff\xfe\xfd",
    b"\xc3\x28",
    b"\x80",
    b"\xed\xa0\x80",
    b"\"",
    b"'",
    b"\\",
    b" ",
    b"\t",
    b"\"unbalanced",
    b"%s%n%x",
    b"\x1b[31m",
    b"\xef\xbb\xbf",
    b"1\x00",
];

pub(crate) const GLOBS: &[&str] = &[
    "*",
    "?",
    "[",
    "[a-",
    "[^a]*",
    "\\",
    "[\\",
    "*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "[[[[[[",
    "a*",
    "*[a-z]*?",
    "[z-a]",
    "[]",
    "[!a]",
    "big*",
    "*\\*",
    "f?",
    "m5*",
    "[^",
];

const NUMERIC_EDGES: &[&str] = &[
    "+1",
    "01",
    "-01",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "-0",
    "00",
    "1\t",
    "\u{661}",
    "1_000",
    "0b1",
    "1e-3",
    "-1.5",
    "2.5",
    "12345678901234567890123",
    "0.001",
    "-0.0",
];

pub(crate) const TIMES: &[&str] = &[
    "0",
    "-1",
    "1",
    "1700000000",
    "4102444800",
    "4102444800000",
    "253402300799",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775",
    "9223372036854776",
];

/// Ids and addresses of the connections the harness lets commands touch.
#[derive(Clone, Debug, Default)]
pub(crate) struct Dynamic {
    /// Victims, which `CLIENT KILL` may kill, plus fuzz connections (for `CLIENT UNBLOCK`).
    pub(crate) ids: Vec<Vec<u8>>,
    pub(crate) victim_ids: Vec<Vec<u8>>,
    pub(crate) victim_addrs: Vec<Vec<u8>>,
}

pub(crate) fn long_string(rng: &mut Rng) -> Vec<u8> {
    let len = *rng.pick(&[
        44usize, 45, 64, 65, 255, 256, 1024, 4096, 16384, 65536, 100_000,
    ]);
    match rng.below(4) {
        0 => rng.bytes(len),
        1 => vec![b'1'; len],
        2 => (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        _ => vec![b'x'; len],
    }
}

pub(crate) fn random_case(rng: &mut Rng, word: &[u8]) -> Vec<u8> {
    match rng.below(10) {
        0..=4 => word.to_ascii_uppercase(),
        5..=7 => word.to_ascii_lowercase(),
        _ => word
            .iter()
            .map(|b| {
                if rng.chance(50) {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

pub(crate) fn small_int(rng: &mut Rng) -> Vec<u8> {
    (rng.below(24) as i64 - 3).to_string().into_bytes()
}

pub(crate) fn hostile(rng: &mut Rng, cat: &Catalog, dynamic: &Dynamic) -> Vec<u8> {
    match rng.below(100) {
        0..=21 => rng.pick(KEYS).to_vec(),
        22..=32 => small_int(rng),
        33..=42 => rng.pick(INTS).as_bytes().to_vec(),
        43..=49 => rng.pick(FLOATS).as_bytes().to_vec(),
        50..=57 => {
            let words = if rng.chance(15) { ACL_RULES } else { OPTIONS };
            let word = rng.pick(words).as_bytes().to_vec();
            random_case(rng, &word)
        }
        58..=63 if !cat.tokens.is_empty() => {
            let word = rng.pick(&cat.tokens).clone();
            random_case(rng, &word)
        }
        58..=72 => rng.pick(MEMBERS).as_bytes().to_vec(),
        73..=78 => {
            if rng.chance(50) {
                rng.pick(BINARY).to_vec()
            } else {
                let len = 1 + rng.below(32);
                rng.bytes(len)
            }
        }
        79..=80 => long_string(rng),
        81..=83 => rng.pick(GLOBS).as_bytes().to_vec(),
        84..=86 => rng.pick(&cat.names).clone(),
        87..=88 if !dynamic.ids.is_empty() => rng.pick(&dynamic.ids).clone(),
        87..=88 => b"127.0.0.1:1".to_vec(),
        89..=90 => Vec::new(),
        91..=95 => rng.pick(NUMERIC_EDGES).as_bytes().to_vec(),
        _ => rng.pick(TIMES).as_bytes().to_vec(),
    }
}
