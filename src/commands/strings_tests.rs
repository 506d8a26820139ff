//! Expected replies and error texts were taken from redis-server 7.0.15.
use super::*;
use crate::commands::Protocol;
use crate::commands::test_support::Harness;
use crate::store::Access;

fn bulk(s: &str) -> Reply {
    Reply::bulk(s)
}

fn int(n: i64) -> Reply {
    Reply::Integer(n)
}

fn ok() -> Reply {
    Reply::ok()
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";

/// Keys and values are stored inline up to 22 bytes and on the heap beyond: every
/// command must see the same bytes on both sides of that line and across it.
#[test]
fn keys_and_values_across_the_inline_limit() {
    let mut h = Harness::new();
    for len in [0, 1, 21, 22, 23, 44, 45, 1000] {
        let key = "k".repeat(len.max(1));
        let value = "v".repeat(len);
        assert_eq!(h.run(&["SET", &key, &value]), ok());
        assert_eq!(h.run(&["GET", &key]), bulk(&value));
        // APPEND moves a value from inline to the heap (or keeps it on the heap).
        assert_eq!(h.run(&["APPEND", &key, "xy"]), int(len as i64 + 2));
        assert_eq!(h.run(&["GET", &key]), bulk(&format!("{value}xy")));
        assert_eq!(h.run(&["SETRANGE", &key, "0", "ab"]), int(len as i64 + 2));
        let copy = format!("{key}-copy");
        assert_eq!(h.run(&["COPY", &key, &copy]), int(1));
        assert_eq!(h.run(&["RENAME", &copy, "other"]), ok());
        let expected = format!("ab{}", &format!("{value}xy")[2..]);
        assert_eq!(h.run(&["GET", "other"]), bulk(&expected));
        assert_eq!(h.run(&["STRLEN", &key]), int(len as i64 + 2));
    }
    let long = "1".repeat(19);
    assert_eq!(h.run(&["SET", "n", &long]), ok());
    assert_eq!(h.run(&["INCR", "n"]), int(long.parse::<i64>().unwrap() + 1));
    assert_eq!(h.run(&["OBJECT", "ENCODING", "n"]), bulk("int"));
}

fn make_list(h: &Harness, key: &str) {
    h.put(0, key, crate::store::Value::List(Default::default()), None);
}

/// The absolute expiry of a key, without touching it.
fn expiry(h: &Harness, key: &str) -> Option<u64> {
    let txn = h.server.store.txn(Access::Read, 0, [key.as_bytes()]);
    txn.peek(0, key.as_bytes()).and_then(Entry::expires_at)
}

/// Remaining TTL in ms (None when persistent or missing).
fn ttl_ms(h: &Harness, key: &str) -> Option<i64> {
    expiry(h, key).map(|at| at as i64 - crate::store::unix_time_ms() as i64)
}

fn is_list(h: &Harness, key: &str) -> bool {
    let txn = h.server.store.txn(Access::Read, 0, [key.as_bytes()]);
    matches!(txn.peek(0, key.as_bytes()).unwrap().value(), Value::List(_))
}

#[test]
fn get_and_plain_set() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    assert_eq!(h.run(&["SET", "k", "v"]), ok());
    assert_eq!(h.run(&["get", "k"]), bulk("v"));
    assert_eq!(h.run(&["SET", "k", ""]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk(""));
    assert_eq!(h.run(&["SET", "k", "a\0b\r\n"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("a\0b\r\n"));
    // Encodings as tryObjectEncoding chooses them.
    h.run(&["SET", "k", "12345"]);
    assert_eq!(h.encoding("k"), "int");
    h.run(&["SET", "k", "012"]);
    assert_eq!(h.encoding("k"), "embstr");
    h.run(&["SET", "k", &"x".repeat(45)]);
    assert_eq!(h.encoding("k"), "raw");
    assert_eq!(
        h.err(&["SET", "k"]),
        "ERR wrong number of arguments for 'set' command"
    );
    make_list(&h, "l");
    assert_eq!(h.err(&["GET", "l"]), WRONGTYPE);
    // SET without GET replaces a value of any type.
    assert_eq!(h.run(&["SET", "l", "s"]), ok());
    assert_eq!(h.run(&["GET", "l"]), bulk("s"));
}

#[test]
fn set_option_grammar() {
    let mut h = Harness::new();
    for bad in [
        &["NX", "XX"][..],
        &["XX", "NX"],
        &["EX", "10", "PX", "10"],
        &["PX", "10", "EX", "10"],
        &["EXAT", "10", "PXAT", "10"],
        &["EX", "10", "EXAT", "10"],
        &["EX", "10", "KEEPTTL"],
        &["KEEPTTL", "EX", "10"],
        &["KEEPTTL", "PXAT", "10"],
        &["PERSIST"],
        &["EX"],
        &["PX"],
        &["NX", "EX"],
        &["FOO"],
        &["NXX"],
        &[""],
        &["EX", "abc", "FOO"],
    ] {
        let mut argv = vec!["SET", "k", "v"];
        argv.extend_from_slice(bad);
        assert_eq!(h.err(&argv), "ERR syntax error", "{bad:?}");
    }
    assert!(!h.exists("k"));
    // Repeats and any case are fine; an option ends at a NUL byte like a C string.
    for good in [
        &["nx", "Nx"][..],
        &["XX", "xx"],
        &["GET", "get"],
        &["KEEPTTL", "keepttl"],
        &["EX", "10", "ex", "20"],
        &["nx\0zz"],
        &["kEePtTl\0", "xx\0"],
    ] {
        let mut argv = vec!["SET", "g", "v"];
        argv.extend_from_slice(good);
        assert!(
            !matches!(h.run(&argv), Reply::Error(_)),
            "{good:?} was refused"
        );
    }
    // The last of repeated expiries wins.
    h.run(&["SET", "e", "v", "EX", "10", "EX", "20"]);
    let ttl = ttl_ms(&h, "e").unwrap();
    assert!(ttl > 19_000 && ttl <= 20_000, "{ttl}");
}

#[test]
fn set_expiry_values() {
    let mut h = Harness::new();
    let invalid = "ERR invalid expire time in 'set' command";
    for (opt, value, expected) in [
        ("EX", "0", invalid),
        ("EX", "-1", invalid),
        ("PX", "0", invalid),
        ("PXAT", "0", invalid),
        ("EXAT", "-5", invalid),
        ("EX", "9223372036854776", invalid),
        ("EX", "9223372036854775", invalid),
        ("PX", "9223372036854775807", invalid),
        ("EXAT", "9223372036854776", invalid),
        ("EX", "abc", NOT_INT),
        ("EX", "1.5", NOT_INT),
        ("PX", " 1", NOT_INT),
        ("EX", "99999999999999999999", NOT_INT),
    ] {
        assert_eq!(
            h.err(&["SET", "k", "v", opt, value]),
            expected,
            "{opt} {value}"
        );
        // The expiry is checked before GET looks at the key.
        assert_eq!(h.err(&["SET", "k", "v", opt, value, "GET"]), expected);
    }
    assert!(!h.exists("k"));
    // The largest absolute expiries are accepted.
    assert_eq!(h.run(&["SET", "k", "v", "EXAT", "9223372036854775"]), ok());
    assert_eq!(expiry(&h, "k"), Some(9_223_372_036_854_775_000));
    assert_eq!(
        h.run(&["SET", "k", "v", "PXAT", "9223372036854775807"]),
        ok()
    );
    assert_eq!(expiry(&h, "k"), Some(i64::MAX as u64));
    assert_eq!(h.run(&["GET", "k"]), bulk("v"));
    assert_eq!(
        h.err(&["SETEX", "k", "0", "v"]),
        "ERR invalid expire time in 'setex' command"
    );
    assert_eq!(
        h.err(&["PSETEX", "k", "-1", "v"]),
        "ERR invalid expire time in 'psetex' command"
    );
    assert_eq!(h.err(&["SETEX", "k", "x", "v"]), NOT_INT);
}

#[test]
fn set_expiry_semantics() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["SET", "k", "v", "EX", "100"]), ok());
    let ttl = ttl_ms(&h, "k").unwrap();
    assert!(ttl > 99_000 && ttl <= 100_000);
    // KEEPTTL keeps it, a plain SET clears it.
    assert_eq!(h.run(&["SET", "k", "v2", "KEEPTTL"]), ok());
    assert!(ttl_ms(&h, "k").unwrap() > 99_000);
    assert_eq!(h.run(&["GET", "k"]), bulk("v2"));
    assert_eq!(h.run(&["SET", "k", "v3"]), ok());
    assert_eq!(expiry(&h, "k"), None);
    // KEEPTTL on a missing key: no TTL.
    assert_eq!(h.run(&["SET", "n", "v", "KEEPTTL"]), ok());
    assert_eq!(expiry(&h, "n"), None);
    h.run(&["SET", "k", "v", "PX", "5000"]);
    let ttl = ttl_ms(&h, "k").unwrap();
    assert!(ttl > 4_000 && ttl <= 5_000);
    let now_s = crate::store::unix_time_ms() / 1000;
    h.run(&["SET", "k", "v", "EXAT", &(now_s + 1000).to_string()]);
    assert_eq!(expiry(&h, "k"), Some((now_s + 1000) * 1000));
    // An absolute time in the past: OK, and the key is gone.
    assert_eq!(h.run(&["SET", "k", "v", "EXAT", "1"]), ok());
    assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    assert_eq!(h.run(&["SET", "k", "v", "PXAT", "1", "GET"]), Reply::Null);
    assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    assert_eq!(h.run(&["SETEX", "s", "100", "v"]), ok());
    assert!(ttl_ms(&h, "s").unwrap() > 99_000);
    assert_eq!(h.run(&["PSETEX", "s", "100000", "w"]), ok());
    assert!(ttl_ms(&h, "s").unwrap() > 99_000);
    assert_eq!(h.run(&["GET", "s"]), bulk("w"));
    assert_eq!(h.encoding("s"), "embstr");
}

#[test]
fn set_nx_xx_get() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["SET", "k", "1", "XX"]), Reply::Null);
    assert_eq!(h.run(&["SET", "k", "1", "XX", "GET"]), Reply::Null);
    assert!(!h.exists("k"));
    assert_eq!(h.run(&["SET", "k", "1", "NX", "GET"]), Reply::Null);
    assert_eq!(h.run(&["GET", "k"]), bulk("1"));
    // NX with GET (allowed since 7.0): the old value, nothing set.
    assert_eq!(h.run(&["SET", "k", "2", "NX", "GET"]), bulk("1"));
    assert_eq!(h.run(&["SET", "k", "2", "NX"]), Reply::Null);
    assert_eq!(h.run(&["GET", "k"]), bulk("1"));
    assert_eq!(h.run(&["SET", "k", "3", "XX", "GET"]), bulk("1"));
    assert_eq!(h.run(&["SET", "k", "4", "GET"]), bulk("3"));
    assert_eq!(h.run(&["SET", "k", "5", "XX"]), ok());
    assert_eq!(h.run(&["GET", "k"]), bulk("5"));
    // GET on a non-string fails and leaves the key alone.
    make_list(&h, "l");
    assert_eq!(h.err(&["SET", "l", "v", "GET"]), WRONGTYPE);
    assert_eq!(h.err(&["SET", "l", "v", "NX", "GET"]), WRONGTYPE);
    assert!(is_list(&h, "l"));
    assert_eq!(h.run(&["SET", "l", "v", "NX"]), Reply::Null);
    assert!(is_list(&h, "l"));
    assert_eq!(h.run(&["SETNX", "l", "v"]), int(0));
    assert_eq!(h.run(&["SETNX", "n", "v"]), int(1));
    assert_eq!(h.run(&["SETNX", "n", "w"]), int(0));
    assert_eq!(h.run(&["GET", "n"]), bulk("v"));
}

#[test]
fn set_get_counts_a_keyspace_read() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "v"]);
    assert_eq!(h.server.store.hits_and_misses(), (0, 0));
    h.run(&["SET", "k", "v", "GET"]);
    h.run(&["SET", "m", "v", "GET"]);
    assert_eq!(h.server.store.hits_and_misses(), (1, 1));
    h.run(&["GET", "k"]);
    h.run(&["GET", "zz"]);
    assert_eq!(h.server.store.hits_and_misses(), (2, 2));
}

#[test]
fn getset_getdel() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["GETSET", "k", "1"]), Reply::Null);
    assert_eq!(h.run(&["GETSET", "k", "2"]), bulk("1"));
    h.run(&["SET", "k", "3", "EX", "100"]);
    assert_eq!(h.run(&["GETSET", "k", "4"]), bulk("3"));
    assert_eq!(expiry(&h, "k"), None);
    assert_eq!(h.run(&["GETDEL", "k"]), bulk("4"));
    assert_eq!(h.run(&["GETDEL", "k"]), Reply::Null);
    assert!(!h.exists("k"));
    make_list(&h, "l");
    assert_eq!(h.err(&["GETSET", "l", "v"]), WRONGTYPE);
    assert_eq!(h.err(&["GETDEL", "l"]), WRONGTYPE);
    assert!(is_list(&h, "l"));
}

#[test]
fn getex() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["GETEX", "k"]), Reply::Null);
    // A missing key answers null without looking at the expiry value.
    assert_eq!(h.run(&["GETEX", "k", "EX", "0"]), Reply::Null);
    assert_eq!(h.run(&["GETEX", "k", "EX", "abc"]), Reply::Null);
    h.run(&["SET", "k", "v"]);
    assert_eq!(h.run(&["GETEX", "k"]), bulk("v"));
    assert_eq!(h.run(&["GETEX", "k", "EX", "100"]), bulk("v"));
    assert!(ttl_ms(&h, "k").unwrap() > 99_000);
    assert_eq!(h.run(&["GETEX", "k", "PX", "50000"]), bulk("v"));
    let ttl = ttl_ms(&h, "k").unwrap();
    assert!(ttl > 49_000 && ttl <= 50_000);
    assert_eq!(h.run(&["GETEX", "k", "PERSIST"]), bulk("v"));
    assert_eq!(expiry(&h, "k"), None);
    let at = crate::store::unix_time_ms() + 100_000;
    assert_eq!(h.run(&["GETEX", "k", "PXAT", &at.to_string()]), bulk("v"));
    assert_eq!(expiry(&h, "k"), Some(at));
    assert_eq!(h.run(&["GETEX", "k"]), bulk("v"));
    assert_eq!(expiry(&h, "k"), Some(at));
    let invalid = "ERR invalid expire time in 'getex' command";
    assert_eq!(h.err(&["GETEX", "k", "EX", "0"]), invalid);
    assert_eq!(h.err(&["GETEX", "k", "PXAT", "-1"]), invalid);
    assert_eq!(h.err(&["GETEX", "k", "EX", "9223372036854775"]), invalid);
    assert_eq!(h.err(&["GETEX", "k", "EX", "x"]), NOT_INT);
    for bad in [
        &["GET"][..],
        &["NX"],
        &["XX"],
        &["KEEPTTL"],
        &["PERSIST", "EX", "1"],
        &["EX", "1", "PERSIST"],
        &["EX", "1", "PX", "1"],
        &["EX"],
        &["FOO"],
    ] {
        let mut argv = vec!["GETEX", "k"];
        argv.extend_from_slice(bad);
        assert_eq!(h.err(&argv), "ERR syntax error", "{bad:?}");
        // Syntax is checked before the key.
        argv[1] = "missing";
        assert_eq!(h.err(&argv), "ERR syntax error", "{bad:?}");
    }
    assert_eq!(h.run(&["GETEX", "k", "PERSIST", "persist"]), bulk("v"));
    // A past absolute time answers the value and deletes the key (as a DEL).
    assert_eq!(h.run(&["GETEX", "k", "EXAT", "1"]), bulk("v"));
    assert!(!h.exists("k"));
    assert_eq!(
        h.server
            .store
            .stats
            .expired_keys
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    make_list(&h, "l");
    assert_eq!(h.err(&["GETEX", "l"]), WRONGTYPE);
    // The type is checked before the expiry value.
    assert_eq!(h.err(&["GETEX", "l", "EX", "0"]), WRONGTYPE);
}

#[test]
fn getex_reads_the_time_only_after_finding_a_string() {
    // redis-server 7.0.15: a missing key answers null and another type WRONGTYPE
    // before an unparsable time is noticed; a string then gets the integer error.
    let mut h = Harness::new();
    assert_eq!(h.run(&["GETEX", "none", "PX", "abc"]), Reply::Null);
    make_list(&h, "l");
    assert_eq!(h.err(&["GETEX", "l", "EX", "abc"]), WRONGTYPE);
    h.run(&["SET", "k", "v", "EX", "100"]);
    assert_eq!(h.err(&["GETEX", "k", "EXAT", "1x"]), NOT_INT);
    // Nothing changed.
    assert!(ttl_ms(&h, "k").unwrap() > 99_000);
}

#[test]
fn mget_mset_msetnx() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["MSET", "a", "1", "b", "2"]), ok());
    make_list(&h, "l");
    assert_eq!(
        h.run(&["MGET", "a", "b", "c", "l", "a"]),
        Reply::Array(vec![
            bulk("1"),
            bulk("2"),
            Reply::Null,
            Reply::Null,
            bulk("1")
        ])
    );
    assert_eq!(
        h.err(&["MSET", "a", "1", "b"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        h.err(&["MSETNX", "a", "1", "b"]),
        "ERR wrong number of arguments for 'msetnx' command"
    );
    assert_eq!(
        h.err(&["MSET", "a"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    // MSET replaces any type and clears TTLs; a repeated key takes the last value.
    h.run(&["SET", "t", "x", "EX", "100"]);
    assert_eq!(
        h.run(&["MSET", "l", "s", "t", "y", "d", "1", "d", "2"]),
        ok()
    );
    assert_eq!(h.run(&["GET", "l"]), bulk("s"));
    assert_eq!(expiry(&h, "t"), None);
    assert_eq!(h.run(&["GET", "d"]), bulk("2"));
    // MSETNX: all or nothing.
    assert_eq!(h.run(&["MSETNX", "x", "1", "a", "9"]), int(0));
    assert!(!h.exists("x"));
    assert_eq!(h.run(&["GET", "a"]), bulk("1"));
    make_list(&h, "l2");
    assert_eq!(h.run(&["MSETNX", "x", "1", "l2", "9"]), int(0));
    assert_eq!(h.run(&["MSETNX", "x", "1", "y", "2", "x", "3"]), int(1));
    assert_eq!(
        h.run(&["MGET", "x", "y"]),
        Reply::Array(vec![bulk("3"), bulk("2")])
    );
}

#[test]
fn incr_decr() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["INCR", "n"]), int(1));
    assert_eq!(h.run(&["INCR", "n"]), int(2));
    assert_eq!(h.run(&["DECR", "n"]), int(1));
    assert_eq!(h.run(&["DECR", "m"]), int(-1));
    assert_eq!(h.run(&["INCRBY", "n", "10"]), int(11));
    assert_eq!(h.run(&["INCRBY", "n", "-20"]), int(-9));
    assert_eq!(h.run(&["DECRBY", "n", "-9"]), int(0));
    assert_eq!(h.run(&["DECRBY", "z", "5"]), int(-5));
    assert_eq!(h.run(&["GET", "n"]), bulk("0"));
    assert_eq!(h.encoding("n"), "int");
    for bad in [
        " 1",
        "+1",
        "1 ",
        "01",
        "-0",
        "1.0",
        "",
        "abc",
        "99999999999999999999",
    ] {
        h.run(&["SET", "s", bad]);
        assert_eq!(h.err(&["INCR", "s"]), NOT_INT, "{bad:?}");
        assert_eq!(h.run(&["GET", "s"]), bulk(bad));
    }
    assert_eq!(h.err(&["INCRBY", "n", "+1"]), NOT_INT);
    assert_eq!(h.err(&["INCRBY", "n", "1.5"]), NOT_INT);
    assert_eq!(h.err(&["DECRBY", "n", "x"]), NOT_INT);
    let overflow = "ERR increment or decrement would overflow";
    h.run(&["SET", "n", "9223372036854775807"]);
    assert_eq!(h.err(&["INCR", "n"]), overflow);
    assert_eq!(h.err(&["DECRBY", "n", "-1"]), overflow);
    assert_eq!(h.run(&["DECR", "n"]), int(i64::MAX - 1));
    h.run(&["SET", "n", "-9223372036854775808"]);
    assert_eq!(h.err(&["DECR", "n"]), overflow);
    assert_eq!(h.err(&["INCRBY", "n", "-1"]), overflow);
    assert_eq!(h.run(&["INCRBY", "n", "9223372036854775807"]), int(-1));
    assert_eq!(
        h.err(&["DECRBY", "n", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    assert_eq!(
        h.run(&["INCRBY", "n", "-9223372036854775807"]),
        int(i64::MIN)
    );
    // The TTL stays.
    h.run(&["SET", "t", "5", "EX", "100"]);
    assert_eq!(h.run(&["INCR", "t"]), int(6));
    assert!(ttl_ms(&h, "t").unwrap() > 99_000);
    // Type errors; DECRBY's minimum check comes first, the argument parse before both.
    make_list(&h, "l");
    assert_eq!(h.err(&["INCR", "l"]), WRONGTYPE);
    assert_eq!(h.err(&["DECRBY", "l", "1"]), WRONGTYPE);
    assert_eq!(h.err(&["INCRBY", "l", "x"]), NOT_INT);
    assert_eq!(
        h.err(&["DECRBY", "l", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    // An APPENDed (raw) integer still counts, and the result is int-encoded again.
    h.run(&["SET", "r", "1"]);
    h.run(&["APPEND", "r", "2"]);
    assert_eq!(h.encoding("r"), "raw");
    assert_eq!(h.run(&["INCR", "r"]), int(13));
    assert_eq!(h.encoding("r"), "int");
}

#[test]
fn incrbyfloat() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["INCRBYFLOAT", "f", "1.5"]), bulk("1.5"));
    assert_eq!(h.run(&["INCRBYFLOAT", "f", "1.5"]), bulk("3"));
    assert_eq!(h.run(&["GET", "f"]), bulk("3"));
    assert_eq!(h.encoding("f"), "embstr");
    h.run(&["SET", "g", "1000"]);
    assert_eq!(
        h.run(&["INCRBYFLOAT", "g", "0.1"]),
        bulk("1000.09999999999999998")
    );
    h.run(&["SET", "g", "0.1"]);
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "0.2"]), bulk("0.3"));
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "-0.3"]), bulk("0"));
    assert_eq!(h.run(&["INCRBYFLOAT", "g", "5.0e3"]), bulk("5000"));
    let not_float = "ERR value is not a valid float";
    let nan = "ERR increment would produce NaN or Infinity";
    assert_eq!(h.err(&["INCRBYFLOAT", "g", "abc"]), not_float);
    assert_eq!(h.err(&["INCRBYFLOAT", "g", ""]), not_float);
    assert_eq!(h.err(&["INCRBYFLOAT", "g", "nan"]), not_float);
    assert_eq!(h.err(&["INCRBYFLOAT", "g", "inf"]), nan);
    h.run(&["SET", "s", "abc"]);
    assert_eq!(h.err(&["INCRBYFLOAT", "s", "1"]), not_float);
    h.run(&["SET", "s", " 1"]);
    assert_eq!(h.err(&["INCRBYFLOAT", "s", "1"]), not_float);
    h.run(&["SET", "s", "1e308"]);
    // Long-double arithmetic: no overflow at 1e308 * 2.
    assert!(matches!(
        h.run(&["INCRBYFLOAT", "s", "1e308"]),
        Reply::Bulk(_)
    ));
    // TTL kept.
    h.run(&["SET", "t", "1", "EX", "100"]);
    assert_eq!(h.run(&["INCRBYFLOAT", "t", "1"]), bulk("2"));
    assert!(ttl_ms(&h, "t").unwrap() > 99_000);
    make_list(&h, "l");
    assert_eq!(h.err(&["INCRBYFLOAT", "l", "abc"]), WRONGTYPE);
    assert!(!h.exists("fresh") && h.err(&["INCRBYFLOAT", "fresh", "x"]) == not_float);
    assert!(!h.exists("fresh"));
}

#[test]
fn append_and_strlen() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["STRLEN", "k"]), int(0));
    assert_eq!(h.run(&["APPEND", "k", "12"]), int(2));
    // A new key holds the argument as SET would encode it.
    assert_eq!(h.encoding("k"), "int");
    assert_eq!(h.run(&["APPEND", "k", "34"]), int(4));
    assert_eq!(h.encoding("k"), "raw");
    assert_eq!(h.run(&["GET", "k"]), bulk("1234"));
    assert_eq!(h.run(&["STRLEN", "k"]), int(4));
    h.run(&["SET", "e", "5"]);
    assert_eq!(h.run(&["APPEND", "e", ""]), int(1));
    assert_eq!(h.encoding("e"), "raw");
    assert_eq!(h.run(&["APPEND", "z", ""]), int(0));
    assert_eq!(h.run(&["GET", "z"]), bulk(""));
    h.run(&["SET", "t", "a", "EX", "100"]);
    assert_eq!(h.run(&["APPEND", "t", "\0b"]), int(3));
    assert!(ttl_ms(&h, "t").unwrap() > 99_000);
    assert_eq!(h.run(&["GET", "t"]), bulk("a\0b"));
    make_list(&h, "l");
    assert_eq!(h.err(&["APPEND", "l", "x"]), WRONGTYPE);
    assert_eq!(h.err(&["STRLEN", "l"]), WRONGTYPE);
    // The configured proto-max-bulk-len bounds the result.
    h.server.config.write().proto_max_bulk_len = 8;
    assert_eq!(h.run(&["APPEND", "k", "5678"]), int(8));
    assert_eq!(
        h.err(&["APPEND", "k", "9"]),
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    );
    assert_eq!(h.run(&["STRLEN", "k"]), int(8));
}

#[test]
fn getrange_and_substr() {
    let mut h = Harness::new();
    h.run(&["SET", "s", "hello"]);
    for (start, end, want) in [
        ("0", "-1", "hello"),
        ("-1", "-5", ""),
        ("-5", "-1", "hello"),
        ("-3", "-4", ""),
        ("-100", "-99", "h"),
        ("-100", "100", "hello"),
        ("3", "1", ""),
        ("5", "10", ""),
        ("4", "4", "o"),
        ("-1", "0", ""),
        ("0", "-100", "h"),
        ("1", "3", "ell"),
        ("-9223372036854775808", "9223372036854775807", "hello"),
        ("9223372036854775807", "9223372036854775807", ""),
    ] {
        assert_eq!(
            h.run(&["GETRANGE", "s", start, end]),
            bulk(want),
            "{start} {end}"
        );
        assert_eq!(h.run(&["SUBSTR", "s", start, end]), bulk(want));
    }
    assert_eq!(h.run(&["GETRANGE", "none", "0", "-1"]), bulk(""));
    h.run(&["SET", "e", ""]);
    assert_eq!(h.run(&["GETRANGE", "e", "0", "-1"]), bulk(""));
    h.run(&["SET", "i", "-12345"]);
    assert_eq!(h.run(&["GETRANGE", "i", "0", "1"]), bulk("-1"));
    assert_eq!(h.err(&["GETRANGE", "s", "a", "1"]), NOT_INT);
    assert_eq!(h.err(&["GETRANGE", "none", "1", "b"]), NOT_INT);
    make_list(&h, "l");
    assert_eq!(h.err(&["GETRANGE", "l", "0", "1"]), WRONGTYPE);
    assert_eq!(h.err(&["GETRANGE", "l", "x", "1"]), NOT_INT);
}

#[test]
fn setrange() {
    let mut h = Harness::new();
    let range = "ERR offset is out of range";
    // Empty value on a missing key: 0, nothing created.
    assert_eq!(h.run(&["SETRANGE", "k", "5", ""]), int(0));
    assert_eq!(h.run(&["SETRANGE", "k", "9223372036854775807", ""]), int(0));
    assert!(!h.exists("k"));
    assert_eq!(h.run(&["SETRANGE", "k", "2", "ab"]), int(4));
    assert_eq!(h.run(&["GET", "k"]), bulk("\0\0ab"));
    assert_eq!(h.encoding("k"), "raw");
    assert_eq!(h.run(&["SETRANGE", "k", "0", "xyz"]), int(4));
    assert_eq!(h.run(&["GET", "k"]), bulk("xyzb"));
    assert_eq!(h.run(&["SETRANGE", "k", "6", "!"]), int(7));
    assert_eq!(h.run(&["GET", "k"]), bulk("xyzb\0\0!"));
    h.run(&["SET", "n", "12"]);
    assert_eq!(h.run(&["SETRANGE", "n", "0", ""]), int(2));
    assert_eq!(h.encoding("n"), "int");
    assert_eq!(h.run(&["SETRANGE", "n", "1", "3"]), int(2));
    assert_eq!(h.encoding("n"), "raw");
    assert_eq!(h.err(&["SETRANGE", "k", "-1", "x"]), range);
    assert_eq!(h.err(&["SETRANGE", "k", "x", "x"]), NOT_INT);
    h.run(&["SET", "t", "abc", "EX", "100"]);
    assert_eq!(h.run(&["SETRANGE", "t", "1", "B"]), int(3));
    assert!(ttl_ms(&h, "t").unwrap() > 99_000);
    assert_eq!(h.run(&["GET", "t"]), bulk("aBc"));
    make_list(&h, "l");
    assert_eq!(h.err(&["SETRANGE", "l", "0", "x"]), WRONGTYPE);
    assert_eq!(h.err(&["SETRANGE", "l", "0", ""]), WRONGTYPE);
    assert_eq!(h.err(&["SETRANGE", "l", "-1", "x"]), range);
    let too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    assert_eq!(h.err(&["SETRANGE", "big", "536870911", "ab"]), too_big);
    assert_eq!(
        h.err(&["SETRANGE", "k", "9223372036854775807", "a"]),
        too_big
    );
    assert_eq!(h.err(&["SETRANGE", "k", "536870912", "a"]), too_big);
    assert!(!h.exists("big"));
    h.server.config.write().proto_max_bulk_len = 1024 * 1024;
    assert_eq!(h.run(&["SETRANGE", "big", "1048575", "x"]), int(1_048_576));
    assert_eq!(h.err(&["SETRANGE", "big", "1048576", "x"]), too_big);
    // Setting nothing is not checked against the limit.
    assert_eq!(h.run(&["SETRANGE", "big", "2000000", ""]), int(1_048_576));
}

fn range(a: i64, b: i64) -> Reply {
    Reply::Array(vec![int(a), int(b)])
}

#[test]
fn lcs_replies() {
    let mut h = Harness::new();
    h.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
    assert_eq!(h.run(&["LCS", "a", "b"]), bulk("mytext"));
    assert_eq!(h.run(&["LCS", "a", "b", "LEN"]), int(6));
    assert_eq!(h.run(&["lcs", "a", "b", "len", "len"]), int(6));
    let m1 = Reply::Array(vec![range(4, 7), range(5, 8)]);
    let m2 = Reply::Array(vec![range(2, 3), range(0, 1)]);
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX"]),
        Reply::Map(vec![
            (bulk("matches"), Reply::Array(vec![m1.clone(), m2])),
            (bulk("len"), int(6)),
        ])
    );
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4"]),
        Reply::Map(vec![
            (bulk("matches"), Reply::Array(vec![m1])),
            (bulk("len"), int(6)),
        ])
    );
    let w1 = Reply::Array(vec![range(4, 7), range(5, 8), int(4)]);
    let w2 = Reply::Array(vec![range(2, 3), range(0, 1), int(2)]);
    assert_eq!(
        h.run(&["LCS", "a", "b", "IDX", "WITHMATCHLEN", "MINMATCHLEN", "-5"]),
        Reply::Map(vec![
            (bulk("matches"), Reply::Array(vec![w1, w2])),
            (bulk("len"), int(6)),
        ])
    );
    // WITHMATCHLEN / MINMATCHLEN alone change nothing.
    assert_eq!(
        h.run(&["LCS", "a", "b", "WITHMATCHLEN", "MINMATCHLEN", "3"]),
        bulk("mytext")
    );
    assert_eq!(
        h.run(&["LCS", "a", "a", "IDX"]),
        Reply::Map(vec![
            (
                bulk("matches"),
                Reply::Array(vec![Reply::Array(vec![range(0, 7), range(0, 7)])])
            ),
            (bulk("len"), int(8)),
        ])
    );
    // Missing keys are empty strings.
    assert_eq!(h.run(&["LCS", "a", "none"]), bulk(""));
    assert_eq!(
        h.run(&["LCS", "none", "a", "IDX"]),
        Reply::Map(vec![
            (bulk("matches"), Reply::Array(vec![])),
            (bulk("len"), int(0)),
        ])
    );
    h.run(&["MSET", "x", "aaaa", "y", "aa"]);
    assert_eq!(
        h.run(&["LCS", "x", "y", "IDX", "WITHMATCHLEN"]),
        Reply::Map(vec![
            (
                bulk("matches"),
                Reply::Array(vec![Reply::Array(vec![range(2, 3), range(0, 1), int(2)])])
            ),
            (bulk("len"), int(2)),
        ])
    );
    h.run(&[
        "MSET",
        "d1",
        "ACCGGTCGAGTGCGCGGAAGCCGGCCGAA",
        "d2",
        "GTCGTTCGGAATGCCGTTGCTCTGTAAA",
    ]);
    assert_eq!(h.run(&["LCS", "d1", "d2"]), bulk("GTCGTCGGAAGCCGGCCGAA"));
    assert_eq!(h.run(&["LCS", "d1", "d2", "LEN"]), int(20));
}

#[test]
fn lcs_errors() {
    let mut h = Harness::new();
    h.run(&["MSET", "a", "ohmytext", "b", "mynewtext"]);
    let both = "ERR If you want both the length and indexes, please just use IDX.";
    assert_eq!(h.err(&["LCS", "a", "b", "IDX", "LEN"]), both);
    assert_eq!(h.err(&["LCS", "a", "b", "LEN", "IDX"]), both);
    assert_eq!(h.err(&["LCS", "a", "b", "MINMATCHLEN"]), "ERR syntax error");
    assert_eq!(h.err(&["LCS", "a", "b", "FOO"]), "ERR syntax error");
    assert_eq!(h.err(&["LCS", "a", "b", "MINMATCHLEN", "x"]), NOT_INT);
    // Options are parsed in order: the first problem wins.
    assert_eq!(
        h.err(&["LCS", "a", "b", "MINMATCHLEN", "x", "FOO"]),
        NOT_INT
    );
    assert_eq!(
        h.err(&["LCS", "a", "b", "FOO", "IDX", "LEN"]),
        "ERR syntax error"
    );
    make_list(&h, "l");
    let types = "ERR The specified keys must contain string values";
    assert_eq!(h.err(&["LCS", "a", "l"]), types);
    // The type check comes before the options.
    assert_eq!(h.err(&["LCS", "l", "a", "FOO"]), types);
    assert_eq!(
        h.err(&["LCS", "a"]),
        "ERR wrong number of arguments for 'lcs' command"
    );
    // The transient table (601 x 511 x 4 bytes) is bounded by proto-max-bulk-len.
    h.server.config.write().proto_max_bulk_len = 1024 * 1024;
    h.run(&["SET", "p", &"x".repeat(600)]);
    h.run(&["SET", "q", &"x".repeat(510)]);
    let too_big = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
    assert_eq!(h.err(&["LCS", "p", "q", "LEN"]), too_big);
    assert_eq!(h.err(&["LCS", "p", "q"]), too_big);
    h.run(&["SET", "q", &"x".repeat(400)]);
    assert_eq!(h.run(&["LCS", "p", "q", "LEN"]), int(400));
}

#[test]
fn lcs_len_agrees_with_the_table() {
    // Pseudo-random strings over a small alphabet: the rolling-row length equals the
    // full table's, and the reconstructed string is a common subsequence of that length.
    let mut seed = 12345u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for _ in 0..200 {
        let a: Vec<u8> = (0..next() % 30).map(|_| b"abc"[next() % 3]).collect();
        let b: Vec<u8> = (0..next() % 30).map(|_| b"abc"[next() % 3]).collect();
        let table = LcsTable::build(&a, &b).unwrap();
        assert_eq!(lcs_len(&a, &b), table.len());
        let (s, _) = table.backtrack(&a, &b, 0, false);
        assert_eq!(s.len(), table.len() as usize);
        let is_subseq = |s: &[u8], t: &[u8]| {
            let mut it = t.iter();
            s.iter().all(|c| it.any(|d| d == c))
        };
        assert!(is_subseq(&s, &a) && is_subseq(&s, &b));
    }
}

#[test]
fn works_in_resp3_sessions() {
    let mut h = Harness::new();
    h.session.protocol = Protocol::Resp3;
    assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    h.run(&["MSET", "a", "ab", "b", "b"]);
    assert!(matches!(h.run(&["LCS", "a", "b", "IDX"]), Reply::Map(_)));
}

#[test]
fn commands_use_the_selected_db() {
    let mut h = Harness::new();
    h.run(&["SET", "k", "0"]);
    h.session.db = 1;
    assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    assert_eq!(h.run(&["INCR", "k"]), int(1));
    h.session.db = 0;
    assert_eq!(h.run(&["GET", "k"]), bulk("0"));
}
