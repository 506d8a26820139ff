//! Expected replies and error texts were taken from redis-server 7.0.15.
use super::*;
use crate::commands::test_support::{Harness, served};

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn bulks(items: &[&str]) -> Reply {
    Reply::Array(items.iter().map(|s| bulk(s)).collect())
}

fn entry(id: &str, fields: &[&str]) -> Reply {
    Reply::Array(vec![bulk(id), bulks(fields)])
}

#[test]
fn ids_parse_as_redis_parses_them() {
    let mut h = Harness::new();
    assert_eq!(h.run(&["XADD", "s", " 5", "f", "v"]), bulk("5-0"));
    assert_eq!(h.run(&["XADD", "s", "+6-1", "f", "v"]), bulk("6-1"));
    assert_eq!(h.run(&["XADD", "s", "6-*", "f", "v"]), bulk("6-2"));
    // strtoull wraps a negative sequence it parses with leading zeros.
    assert_eq!(
        h.run(&["XADD", "s", "7--05", "f", "v"]),
        bulk("7-18446744073709551611")
    );
    let invalid = "ERR Invalid stream ID specified as stream command argument";
    for bad in ["7--5", "x", "", "-", "+", "1-2-3", "18446744073709551616"] {
        assert_eq!(h.err(&["XADD", "s", bad, "f", "v"]), invalid, "{bad:?}");
    }
    assert_eq!(
        h.err(&["XADD", "s", "7-1", "f", "v"]),
        "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    );
    assert_eq!(
        h.err(&["XADD", "s", "0-0", "f", "v"]),
        "ERR The ID specified in XADD must be greater than 0-0"
    );
    // `(5` is exclusive of 5-0.
    assert_eq!(
        h.run(&["XRANGE", "s", "(5", "(6-2"]),
        Reply::Array(vec![entry("6-1", &["f", "v"])])
    );
    assert_eq!(
        h.err(&[
            "XRANGE",
            "s",
            "(18446744073709551615-18446744073709551615",
            "+"
        ]),
        "ERR invalid start ID for the interval"
    );
    assert_eq!(
        h.run(&["XRANGE", "s", "-", "+", "COUNT", "0"]),
        Reply::NullArray
    );
}

#[test]
fn entries_across_nodes_read_both_ways() {
    let mut h = Harness::new();
    h.run(&["CONFIG", "SET", "stream-node-max-entries", "3"]);
    for i in 1..=10 {
        let id = format!("{i}-0");
        let value = i.to_string();
        h.run(&["XADD", "s", &id, "f", &value]);
    }
    assert_eq!(
        h.run(&["XDEL", "s", "2-0", "3-0", "99-0"]),
        Reply::Integer(2)
    );
    let forward = h.run(&["XRANGE", "s", "-", "+", "COUNT", "3"]);
    assert_eq!(
        forward,
        Reply::Array(vec![
            entry("1-0", &["f", "1"]),
            entry("4-0", &["f", "4"]),
            entry("5-0", &["f", "5"])
        ])
    );
    let back = h.run(&["XREVRANGE", "s", "5", "-"]);
    assert_eq!(
        back,
        Reply::Array(vec![
            entry("5-0", &["f", "5"]),
            entry("4-0", &["f", "4"]),
            entry("1-0", &["f", "1"])
        ])
    );
    // Only the first node (one live entry left) can go whole.
    assert_eq!(
        h.run(&["XTRIM", "s", "MAXLEN", "~", "5"]),
        Reply::Integer(1)
    );
    assert_eq!(h.run(&["XLEN", "s"]), Reply::Integer(7));
}

#[test]
fn blocked_group_readers_get_one_entry_each_in_order() {
    let mut h = Harness::new();
    h.run(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    let mut first = h.other_session();
    let mut second = h.other_session();
    let read = [
        "XREADGROUP",
        "GROUP",
        "g",
        "c1",
        "COUNT",
        "1",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    ];
    h.run_as(&mut first, &read);
    let mut read2 = read;
    read2[3] = "c2";
    h.run_as(&mut second, &read2);
    assert_eq!(h.server.blocking.blocked_clients(), 2);
    h.run(&["XADD", "s", "1-0", "f", "a"]);
    let want = |id: &str, v: &str| {
        Reply::Array(vec![Reply::Array(vec![
            bulk("s"),
            Reply::Array(vec![entry(id, &["f", v])]),
        ])])
    };
    assert_eq!(served(&mut first), Some(want("1-0", "a")));
    assert!(served(&mut second).is_none());
    h.run_as(&mut second, &read2);
    // Moving the group back does not wake anyone (Redis signals no readiness for it).
    h.run(&["XGROUP", "SETID", "s", "g", "0"]);
    assert_eq!(h.server.blocking.blocked_clients(), 1);
    h.run(&["XADD", "s", "2-0", "f", "b"]);
    // Served from the group's last id, now 0: the oldest undelivered entry comes first.
    assert_eq!(served(&mut second), Some(want("1-0", "a")));
}

#[test]
fn blocked_group_readers_fail_when_their_stream_or_group_goes() {
    let mut h = Harness::new();
    h.run(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    let mut reader = h.other_session();
    let mut plain = h.other_session();
    let read = [
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "BLOCK",
        "0",
        "STREAMS",
        "s",
        ">",
    ];
    h.run_as(&mut reader, &read);
    h.run_as(&mut plain, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    h.run(&["DEL", "s"]);
    assert_eq!(
        served(&mut reader),
        Some(Reply::Error(Error::full(
            "UNBLOCKED the stream key no longer exists"
        )))
    );
    // XREAD keeps waiting: a new stream serves it.
    assert_eq!(h.server.blocking.blocked_clients(), 1);
    h.run(&["XADD", "s", "1-0", "f", "v"]);
    assert!(matches!(served(&mut plain), Some(Reply::Array(_))));
    h.run(&["XGROUP", "CREATE", "s", "g", "$"]);
    h.run_as(&mut reader, &read);
    h.run(&["XGROUP", "DESTROY", "s", "g"]);
    assert_eq!(
        served(&mut reader),
        Some(Reply::Error(Error::full(
            "NOGROUP the consumer group this client was blocked on no longer exists"
        )))
    );
    // Counted as Redis's updateStatsOnUnblock counts them: calls when they blocked, a
    // failure when they failed later.
    let Reply::Verbatim(_, info) = h.run(&["INFO", "commandstats"]) else {
        panic!("INFO is verbatim text")
    };
    let info = String::from_utf8_lossy(&info).into_owned();
    let line = info
        .lines()
        .find(|l| l.starts_with("cmdstat_xreadgroup:"))
        .expect("xreadgroup ran");
    assert!(
        line.contains("calls=2,") && line.contains("failed_calls=2"),
        "{line}"
    );
}

#[test]
fn claims_follow_redis_counting() {
    let mut h = Harness::new();
    h.run(&["XADD", "s", "1-0", "f", "v"]);
    h.run(&["XADD", "s", "2-0", "f", "v"]);
    h.run(&["XGROUP", "CREATE", "s", "g", "0"]);
    // A forced claim of an undelivered entry counts it delivered twice (created once,
    // then claimed), once with JUSTID.
    h.run(&["XCLAIM", "s", "g", "a", "0", "1-0", "FORCE"]);
    h.run(&["XCLAIM", "s", "g", "a", "0", "2-0", "FORCE", "JUSTID"]);
    let rows = h.run(&["XPENDING", "s", "g", "-", "+", "10"]);
    let Reply::Array(rows) = rows else {
        panic!("{rows:?}")
    };
    let counts: Vec<Reply> = rows
        .into_iter()
        .map(|r| match r {
            Reply::Array(mut cols) => cols.remove(3),
            other => other,
        })
        .collect();
    assert_eq!(counts, vec![Reply::Integer(2), Reply::Integer(1)]);
    assert_eq!(
        h.err(&["XCLAIM", "s", "g", "a", "0", "1-0", "BOGUS"]),
        "ERR Unrecognized XCLAIM option 'BOGUS'"
    );
    assert_eq!(
        h.err(&["XCLAIM", "s", "nogroup", "a", "0", "1-0"]),
        "NOGROUP No such key 's' or consumer group 'nogroup'"
    );
    h.run(&["XDEL", "s", "2-0"]);
    assert_eq!(
        h.run(&["XAUTOCLAIM", "s", "g", "b", "0", "-", "JUSTID"]),
        Reply::Array(vec![bulk("0-0"), bulks(&["1-0"]), bulks(&["2-0"])])
    );
}
