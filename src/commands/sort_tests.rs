//! Unit tests of SORT over the command harness (differential tests compare it with
//! redis-server in compat-tests/diff_sort.py).

use crate::commands::Reply;
use crate::commands::test_support::Harness;

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(|s| Reply::bulk(*s)).collect())
}

#[test]
fn numeric_alpha_and_desc() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "l", "3", "10", "1", "2.5", "-1"]);
    assert_eq!(h.run(&["SORT", "l"]), bulks(&["-1", "1", "2.5", "3", "10"]));
    assert_eq!(
        h.run(&["SORT", "l", "DESC"]),
        bulks(&["10", "3", "2.5", "1", "-1"])
    );
    assert_eq!(
        h.run(&["SORT", "l", "ALPHA"]),
        bulks(&["-1", "1", "10", "2.5", "3"])
    );
    assert_eq!(
        h.run(&["SORT", "l", "LIMIT", "1", "2"]),
        bulks(&["1", "2.5"])
    );
    h.run(&["RPUSH", "w", "x"]);
    assert_eq!(
        h.err(&["SORT", "w"]),
        "ERR One or more scores can't be converted into double"
    );
}

#[test]
fn by_and_get_patterns() {
    let mut h = Harness::new();
    h.run(&["RPUSH", "l", "a", "b", "c"]);
    h.run(&[
        "MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_c", "C",
    ]);
    h.run(&["HSET", "h_a", "f", "9"]);
    assert_eq!(h.run(&["SORT", "l", "BY", "w_*"]), bulks(&["b", "c", "a"]));
    assert_eq!(
        h.run(&[
            "SORT", "l", "BY", "w_*", "GET", "v_*", "GET", "#", "GET", "h_*->f"
        ]),
        Reply::Array(vec![
            Reply::Null,
            Reply::bulk("b"),
            Reply::Null,
            Reply::bulk("C"),
            Reply::bulk("c"),
            Reply::Null,
            Reply::bulk("A"),
            Reply::bulk("a"),
            Reply::bulk("9"),
        ])
    );
    // A constant BY pattern keeps the list's order (reversed by DESC).
    assert_eq!(
        h.run(&["SORT", "l", "BY", "nosort", "DESC"]),
        bulks(&["c", "b", "a"])
    );
    assert_eq!(
        h.run(&["SORT", "l", "BY", "nosort", "LIMIT", "1", "5"]),
        bulks(&["b", "c"])
    );
}

#[test]
fn store_and_errors() {
    let mut h = Harness::new();
    h.run(&["SADD", "s", "3", "1", "2"]);
    assert_eq!(h.run(&["SORT", "s", "STORE", "d"]), Reply::Integer(3));
    assert_eq!(h.run(&["LRANGE", "d", "0", "-1"]), bulks(&["1", "2", "3"]));
    assert_eq!(h.run(&["SORT", "nokey", "STORE", "d"]), Reply::Integer(0));
    assert_eq!(h.run(&["EXISTS", "d"]), Reply::Integer(0));
    assert_eq!(h.err(&["SORT_RO", "s", "STORE", "d"]), "ERR syntax error");
    assert_eq!(
        h.err(&["SORT", "s", "LIMIT", "x", "1"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(h.err(&["SORT", "s", "LIMIT", "1"]), "ERR syntax error");
    h.run(&["SET", "str", "x"]);
    assert!(h.err(&["SORT", "str"]).starts_with("WRONGTYPE"));
    // Options are checked before the key's type.
    assert_eq!(h.err(&["SORT", "str", "BAD"]), "ERR syntax error");
}

#[test]
fn weights_read_like_strtod() {
    assert_eq!(super::sort_weight(b""), Some(0.0));
    assert_eq!(super::sort_weight(b" 12"), Some(12.0));
    assert_eq!(super::sort_weight(b"12 "), None);
    assert_eq!(super::sort_weight(b"1\x002"), Some(1.0));
    assert_eq!(super::sort_weight(b"  "), None);
    assert_eq!(super::sort_weight(b"nan"), None);
    assert_eq!(super::sort_weight(b"1e400"), None);
}

#[test]
fn sort_keys_find_the_last_store() {
    let words: Vec<bytes::Bytes> = ["SORT", "k", "GET", "store", "STORE", "a", "STORE", "b"]
        .iter()
        .map(|s| bytes::Bytes::from(s.to_string()))
        .collect();
    let keys: Vec<usize> = super::sort_keys(&words).iter().map(|(p, _)| *p).collect();
    assert_eq!(keys, vec![1, 7]);
}
