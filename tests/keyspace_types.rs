//! The keyspace commands over every collection type, with the `redis` crate in RESP2 and
//! RESP3: COPY makes independent copies (same and other database), RENAME moves value and
//! TTL over a key of another type, SCAN's TYPE filter, lazy expiry of collection keys, the
//! WRONGTYPE matrix, *STORE commands replacing other types; and, under concurrency, RENAME
//! and COPY of collections racing their writers without losing or tearing an element.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{RedisError, Value};

/// Runs one command, returning the server's reply or its error.
async fn run(con: &mut MultiplexedConnection, args: &[&str]) -> Result<Value, RedisError> {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query_async(con).await
}

/// Runs a command that must succeed and converts its reply.
async fn q<T: redis::FromRedisValue>(con: &mut MultiplexedConnection, args: &[&str]) -> T {
    let value = run(con, args)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    redis::from_redis_value(&value).unwrap_or_else(|e| panic!("{args:?}: {e} ({value:?})"))
}

async fn encoding(con: &mut MultiplexedConnection, key: &str) -> String {
    q(con, &["OBJECT", "ENCODING", key]).await
}

async fn fresh(server: &memorabilia::server::RunningServer, protocol: u8) -> MultiplexedConnection {
    let mut con = common::connection(server, protocol).await;
    let _: () = q(&mut con, &["FLUSHALL"]).await;
    con
}

/// Field/value pairs (or member/score pairs) of HGETALL or ZRANGE WITHSCORES, whatever the
/// protocol shapes them as.
fn pairs(value: Value) -> Vec<(String, String)> {
    let text = |v: &Value| -> String {
        match v {
            Value::Double(d) => d.to_string(),
            other => redis::from_redis_value(other).unwrap(),
        }
    };
    match value {
        Value::Map(items) => items.iter().map(|(k, v)| (text(k), text(v))).collect(),
        Value::Array(items) if items.iter().all(|i| matches!(i, Value::Array(_))) => items
            .iter()
            .map(|pair| match pair {
                Value::Array(p) => (text(&p[0]), text(&p[1])),
                _ => unreachable!(),
            })
            .collect(),
        Value::Array(items) => items
            .chunks(2)
            .map(|p| (text(&p[0]), text(&p[1])))
            .collect(),
        other => panic!("pairs expected, got {other:?}"),
    }
}

#[tokio::test]
async fn copy_of_each_collection_type_is_independent() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: i64 = q(&mut con, &["HSET", "h", "f", "v"]).await;
        let _: i64 = q(&mut con, &["SADD", "ints", "1", "2"]).await;
        let _: i64 = q(&mut con, &["SADD", "words", "a", "b"]).await;
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "a", "2", "b"]).await;
        let _: i64 = q(&mut con, &["PEXPIREAT", "z", "4102444800123"]).await;
        for (src, dst) in [
            ("h", "h2"),
            ("ints", "ints2"),
            ("words", "words2"),
            ("z", "z2"),
        ] {
            let copied: i64 = q(&mut con, &["COPY", src, dst]).await;
            assert_eq!(copied, 1, "{src}");
            assert_eq!(encoding(&mut con, dst).await, encoding(&mut con, src).await);
        }
        let expiry: i64 = q(&mut con, &["PEXPIRETIME", "z2"]).await;
        assert_eq!(expiry, 4102444800123);

        // Writing to each copy never changes its source (and the other way round).
        let _: i64 = q(&mut con, &["HSET", "h2", "f", "changed", "g", "w"]).await;
        let _: i64 = q(&mut con, &["HDEL", "h", "f"]).await;
        let _: i64 = q(&mut con, &["SADD", "ints2", "x"]).await;
        let _: i64 = q(&mut con, &["SREM", "words2", "a", "b"]).await;
        let _: f64 = q(&mut con, &["ZINCRBY", "z2", "10", "a"]).await;
        let _: i64 = q(&mut con, &["ZREM", "z", "b"]).await;
        let h2 = pairs(q(&mut con, &["HGETALL", "h2"]).await);
        assert_eq!(h2.len(), 2);
        assert!(h2.contains(&("f".into(), "changed".into())));
        let h: i64 = q(&mut con, &["EXISTS", "h"]).await;
        assert_eq!(h, 0);
        let ints: BTreeSet<String> = q(&mut con, &["SMEMBERS", "ints"]).await;
        assert_eq!(ints, BTreeSet::from(["1".into(), "2".into()]));
        assert_eq!(encoding(&mut con, "ints").await, "intset");
        assert_eq!(encoding(&mut con, "ints2").await, "hashtable");
        let words: BTreeSet<String> = q(&mut con, &["SMEMBERS", "words"]).await;
        assert_eq!(words.len(), 2);
        let words2: i64 = q(&mut con, &["EXISTS", "words2"]).await;
        assert_eq!(words2, 0);
        let z = pairs(q(&mut con, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]).await);
        assert_eq!(z, [("a".to_string(), "1".to_string())]);
        let z2 = pairs(q(&mut con, &["ZRANGE", "z2", "0", "-1", "WITHSCORES"]).await);
        assert_eq!(
            z2,
            [("b".into(), "2".into()), ("a".into(), "11".into())] as [(String, String); 2]
        );

        // Big encodings stay big in the copy; a copy in another database is independent.
        let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
        let mut zadd = vec!["ZADD", "big"];
        for m in &members {
            zadd.extend(["1", m.as_str()]);
        }
        let _: i64 = q(&mut con, &zadd).await;
        assert_eq!(encoding(&mut con, "big").await, "skiplist");
        let copied: i64 = q(&mut con, &["COPY", "big", "big", "DB", "1"]).await;
        assert_eq!(copied, 1);
        let again: i64 = q(&mut con, &["COPY", "big", "big", "DB", "1"]).await;
        assert_eq!(again, 0);
        let _: () = q(&mut con, &["SELECT", "1"]).await;
        assert_eq!(encoding(&mut con, "big").await, "skiplist");
        let _: i64 = q(&mut con, &["ZREMRANGEBYRANK", "big", "0", "99"]).await;
        let card: i64 = q(&mut con, &["ZCARD", "big"]).await;
        assert_eq!(card, 100);
        let _: () = q(&mut con, &["SELECT", "0"]).await;
        let card: i64 = q(&mut con, &["ZCARD", "big"]).await;
        assert_eq!(card, 200);
    }
}

#[tokio::test]
async fn rename_moves_value_and_ttl_over_another_type() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: i64 = q(&mut con, &["HSET", "h", "f", "v"]).await;
        let _: i64 = q(&mut con, &["EXPIREAT", "h", "4102444800"]).await;
        let _: i64 = q(&mut con, &["SADD", "s", "1"]).await;
        let _: () = q(&mut con, &["SET", "str", "x", "EXAT", "4102531200"]).await;

        let renamed: i64 = q(&mut con, &["RENAMENX", "h", "s"]).await;
        assert_eq!(renamed, 0);
        let _: () = q(&mut con, &["RENAME", "h", "s"]).await;
        let kind: String = q(&mut con, &["TYPE", "s"]).await;
        assert_eq!(kind, "hash");
        let at: i64 = q(&mut con, &["EXPIRETIME", "s"]).await;
        assert_eq!(at, 4102444800);
        let h: i64 = q(&mut con, &["EXISTS", "h"]).await;
        assert_eq!(h, 0);

        // A persistent source makes a persistent destination, whatever the old TTL.
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "a"]).await;
        let _: () = q(&mut con, &["RENAME", "z", "str"]).await;
        let kind: String = q(&mut con, &["TYPE", "str"]).await;
        assert_eq!(kind, "zset");
        let ttl: i64 = q(&mut con, &["TTL", "str"]).await;
        assert_eq!(ttl, -1);

        let err = run(&mut con, &["RENAME", "nokey", "x"]).await.unwrap_err();
        assert_eq!(err.detail(), Some("no such key"));
        let _: () = q(&mut con, &["RENAME", "s", "s"]).await;
        let same: i64 = q(&mut con, &["RENAMENX", "s", "s"]).await;
        assert_eq!(same, 0);
    }
}

#[tokio::test]
async fn scan_filters_by_type() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: () = q(&mut con, &["SET", "str", "v"]).await;
        for i in 0..20 {
            let key = format!("h{i}");
            let _: i64 = q(&mut con, &["HSET", &key, "f", "v"]).await;
        }
        let _: i64 = q(&mut con, &["SADD", "s", "a"]).await;
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "a"]).await;
        let scan_all = async |con: &mut MultiplexedConnection, ty: &str| -> BTreeSet<String> {
            let mut cursor = "0".to_string();
            let mut found = BTreeSet::new();
            loop {
                let (next, keys): (String, Vec<String>) =
                    q(con, &["SCAN", &cursor, "TYPE", ty, "COUNT", "5"]).await;
                found.extend(keys);
                if next == "0" {
                    return found;
                }
                cursor = next;
            }
        };
        assert_eq!(scan_all(&mut con, "hash").await.len(), 20);
        assert_eq!(scan_all(&mut con, "HASH").await.len(), 20);
        assert_eq!(
            scan_all(&mut con, "set").await,
            BTreeSet::from(["s".into()])
        );
        assert_eq!(
            scan_all(&mut con, "zset").await,
            BTreeSet::from(["z".into()])
        );
        assert_eq!(
            scan_all(&mut con, "string").await,
            BTreeSet::from(["str".into()])
        );
        // Names of no type (and `none`) are accepted and match nothing, as in Redis 7.0.
        for ty in ["list", "none", "foo"] {
            assert!(scan_all(&mut con, ty).await.is_empty(), "{ty}");
        }
    }
}

#[tokio::test]
async fn expired_collections_are_gone_and_start_fresh() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: i64 = q(&mut con, &["HSET", "h", "old", "1"]).await;
        let _: i64 = q(&mut con, &["SADD", "s", "old"]).await;
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "old"]).await;
        let _: () = q(&mut con, &["SET", "str", "old"]).await;
        for key in ["h", "s", "z", "str"] {
            let set: i64 = q(&mut con, &["PEXPIRE", key, "30"]).await;
            assert_eq!(set, 1);
        }
        tokio::time::sleep(Duration::from_millis(80)).await;

        // Each write starts a fresh, persistent key (of any type: the old one is gone).
        let _: i64 = q(&mut con, &["HSET", "h", "new", "1"]).await;
        let _: i64 = q(&mut con, &["SADD", "s", "new"]).await;
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "new"]).await;
        let _: i64 = q(&mut con, &["SADD", "str", "new"]).await;
        let h = pairs(q(&mut con, &["HGETALL", "h"]).await);
        assert_eq!(h, [("new".to_string(), "1".to_string())]);
        for key in ["s", "str"] {
            let members: Vec<String> = q(&mut con, &["SMEMBERS", key]).await;
            assert_eq!(members, ["new"]);
        }
        let z: Vec<String> = q(&mut con, &["ZRANGE", "z", "0", "-1"]).await;
        assert_eq!(z, ["new"]);
        for key in ["h", "s", "z", "str"] {
            let ttl: i64 = q(&mut con, &["TTL", key]).await;
            assert_eq!(ttl, -1, "{key}");
        }

        // An expired collection is missing for reads, COPY, RENAME and SCAN.
        let _: i64 = q(&mut con, &["PEXPIRE", "z", "30"]).await;
        tokio::time::sleep(Duration::from_millis(80)).await;
        let exists: i64 = q(&mut con, &["EXISTS", "z"]).await;
        assert_eq!(exists, 0);
        let copied: i64 = q(&mut con, &["COPY", "z", "z2"]).await;
        assert_eq!(copied, 0);
        assert!(run(&mut con, &["RENAME", "z", "z2"]).await.is_err());
        let (_, zsets): (String, Vec<String>) =
            q(&mut con, &["SCAN", "0", "TYPE", "zset", "COUNT", "1000"]).await;
        assert!(zsets.is_empty());
    }
}

#[tokio::test]
async fn wrongtype_matrix() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: () = q(&mut con, &["SET", "string", "1"]).await;
        let _: i64 = q(&mut con, &["HSET", "hash", "f", "v"]).await;
        let _: i64 = q(&mut con, &["SADD", "set", "a"]).await;
        let _: i64 = q(&mut con, &["ZADD", "zset", "1", "a"]).await;
        let commands: [(&str, &[&str]); 16] = [
            ("string", &["GET", "K"]),
            ("string", &["INCR", "K"]),
            ("string", &["APPEND", "K", "x"]),
            ("string", &["STRLEN", "K"]),
            ("hash", &["HSET", "K", "f", "v"]),
            ("hash", &["HGET", "K", "f"]),
            ("hash", &["HGETALL", "K"]),
            ("hash", &["HINCRBY", "K", "n", "1"]),
            ("set", &["SADD", "K", "a"]),
            ("set", &["SMEMBERS", "K"]),
            ("set", &["SINTERSTORE", "dst", "K"]),
            ("set", &["SMOVE", "K", "set", "a"]),
            ("zset", &["ZADD", "K", "1", "a"]),
            ("zset", &["ZRANGE", "K", "0", "-1"]),
            ("zset", &["ZINCRBY", "K", "1", "a"]),
            ("zset", &["ZRANGESTORE", "dst", "K", "0", "-1"]),
        ];
        for key in ["string", "hash", "set", "zset"] {
            for (family, template) in commands {
                let args: Vec<&str> = template
                    .iter()
                    .map(|a| if *a == "K" { key } else { a })
                    .collect();
                let result = run(&mut con, &args).await;
                if family == key {
                    assert!(result.is_ok(), "{args:?}: {result:?}");
                } else {
                    let err = result.expect_err(&format!("{args:?} must fail"));
                    assert_eq!(err.code(), Some("WRONGTYPE"), "{args:?}");
                }
            }
        }
        // ZUNIONSTORE takes sets, not strings; a string input leaves the destination alone.
        assert!(
            run(&mut con, &["ZUNIONSTORE", "dst", "2", "set", "zset"])
                .await
                .is_ok()
        );
        let err = run(&mut con, &["ZUNIONSTORE", "dst", "2", "zset", "string"])
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("WRONGTYPE"));
        let card: i64 = q(&mut con, &["ZCARD", "dst"]).await;
        assert_eq!(card, 1);
        // MGET answers nil for a collection instead of failing.
        let values: Vec<Option<String>> = q(&mut con, &["MGET", "string", "hash", "zset"]).await;
        assert_eq!(values[1..], [None, None]);
    }
}

#[tokio::test]
async fn store_commands_replace_other_types_and_drop_the_ttl() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = fresh(&server, protocol).await;
        let _: i64 = q(&mut con, &["SADD", "s", "a", "b"]).await;
        let _: i64 = q(&mut con, &["ZADD", "z", "1", "a"]).await;
        let cases: [(&str, &[&str], &str); 5] = [
            ("string", &["SUNIONSTORE", "dst", "s"], "set"),
            ("hash", &["SINTERSTORE", "dst", "s", "s"], "set"),
            ("set", &["ZUNIONSTORE", "dst", "2", "s", "z"], "zset"),
            ("zset", &["SDIFFSTORE", "dst", "s", "z2"], "set"),
            ("string", &["ZRANGESTORE", "dst", "z", "0", "-1"], "zset"),
        ];
        for (old_type, store, new_type) in cases {
            let _: i64 = q(&mut con, &["DEL", "dst"]).await;
            let create: &[&str] = match old_type {
                "string" => &["SET", "dst", "x"],
                "hash" => &["HSET", "dst", "f", "v"],
                "set" => &["SADD", "dst", "x"],
                _ => &["ZADD", "dst", "1", "x"],
            };
            let _: Value = q(&mut con, create).await;
            let _: i64 = q(&mut con, &["EXPIREAT", "dst", "4102444800"]).await;
            let stored: i64 = q(&mut con, store).await;
            assert!(stored > 0, "{store:?}");
            let kind: String = q(&mut con, &["TYPE", "dst"]).await;
            assert_eq!(kind, new_type, "{store:?}");
            let ttl: i64 = q(&mut con, &["TTL", "dst"]).await;
            assert_eq!(ttl, -1, "{store:?}");
        }
        // An empty result deletes the destination, whatever it held.
        let _: () = q(&mut con, &["SET", "dst", "x"]).await;
        let stored: i64 = q(&mut con, &["ZINTERSTORE", "dst", "2", "z", "nokey"]).await;
        assert_eq!(stored, 0);
        let exists: i64 = q(&mut con, &["EXISTS", "dst"]).await;
        assert_eq!(exists, 0);
        let info: String = q(&mut con, &["INFO", "keyspace"]).await;
        assert!(info.contains("db0:keys=2,expires=0,"), "{info}");
    }
}

/// How the concurrency test writes to one type: a command adding the pair `a`/`b` of
/// elements in one step, and how to read a key's elements back.
struct Kind {
    key: &'static str,
    add: fn(&str, &str, &str) -> Vec<String>,
    read: fn(&str) -> Vec<String>,
}

const KINDS: [Kind; 3] = [
    Kind {
        key: "hash",
        add: |key, a, b| ["HSET", key, a, "1", b, "1"].map(String::from).to_vec(),
        read: |key| ["HKEYS", key].map(String::from).to_vec(),
    },
    Kind {
        key: "set",
        add: |key, a, b| ["SADD", key, a, b].map(String::from).to_vec(),
        read: |key| ["SMEMBERS", key].map(String::from).to_vec(),
    },
    Kind {
        key: "zset",
        add: |key, a, b| ["ZADD", key, "1", a, "2", b].map(String::from).to_vec(),
        read: |key| ["ZRANGE", key, "0", "-1"].map(String::from).to_vec(),
    },
];

async fn elements(con: &mut MultiplexedConnection, kind: &Kind, key: &str) -> Vec<String> {
    let args = (kind.read)(key);
    q(con, &args.iter().map(String::as_str).collect::<Vec<_>>()).await
}

/// Each element `w<writer>:<i>:a` comes with its `...:b`, added by the same command.
fn assert_pairs_whole(elements: &[String], context: &str) {
    let all: BTreeSet<&str> = elements.iter().map(String::as_str).collect();
    for e in &all {
        let partner = match e.strip_suffix(":a") {
            Some(stem) => format!("{stem}:b"),
            None => format!("{}:a", e.strip_suffix(":b").unwrap()),
        };
        assert!(
            all.contains(partner.as_str()),
            "{context}: {e} without {partner}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rename_and_copy_race_writers_without_losing_elements() {
    const WRITERS: usize = 3;
    const ADDS: usize = 150;
    let server = common::start().await;
    let mut admin = fresh(&server, 3).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    let mut others = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for w in 0..WRITERS {
            let mut con = common::connection(&server, 2).await;
            writers.push(tokio::spawn(async move {
                let kind = &KINDS[k];
                for i in 0..ADDS {
                    let (a, b) = (format!("w{w}:{i}:a"), format!("w{w}:{i}:b"));
                    let args = (kind.add)(kind.key, &a, &b);
                    let added: i64 = q(
                        &mut con,
                        &args.iter().map(String::as_str).collect::<Vec<_>>(),
                    )
                    .await;
                    assert_eq!(added, 2);
                }
            }));
        }
        // Movers rename the live key away to a fresh name (nothing is ever overwritten).
        for m in 0..2 {
            let mut con = common::connection(&server, 3).await;
            let done = done.clone();
            let key = kind.key;
            others.push(tokio::spawn(async move {
                let mut moves = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let to = format!("{key}:moved:{m}:{moves}");
                    match run(&mut con, &["RENAME", key, &to]).await {
                        Ok(_) => moves += 1,
                        Err(e) => assert_eq!(e.detail(), Some("no such key")),
                    }
                    tokio::task::yield_now().await;
                }
                moves
            }));
        }
        // Copiers snapshot the live key, here and in another database; a snapshot never
        // holds half of a pair.
        for c in 0..2 {
            let mut con = common::connection(&server, 2).await;
            let done = done.clone();
            let key = kind.key;
            others.push(tokio::spawn(async move {
                let kind = KINDS.iter().find(|k| k.key == key).unwrap();
                let snapshot = format!("{key}:snapshot:{c}");
                let mut copies = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let db = if c == 0 { "0" } else { "1" };
                    let copied: i64 =
                        q(&mut con, &["COPY", key, &snapshot, "DB", db, "REPLACE"]).await;
                    if copied == 1 {
                        copies += 1;
                        let _: () = q(&mut con, &["SELECT", db]).await;
                        let found = elements(&mut con, kind, &snapshot).await;
                        assert_pairs_whole(&found, &snapshot);
                        let _: () = q(&mut con, &["SELECT", "0"]).await;
                    }
                }
                copies
            }));
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut raced = 0;
    for o in others {
        raced += o.await.unwrap();
    }
    assert!(raced > 0, "no RENAME or COPY ran alongside the writers");

    // Every element written is in exactly one of the live key and the moved keys.
    for kind in &KINDS {
        let pattern = format!("{}:moved:*", kind.key);
        let mut keys: Vec<String> = q(&mut admin, &["KEYS", &pattern]).await;
        keys.push(kind.key.to_string());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for key in &keys {
            let found = elements(&mut admin, kind, key).await;
            assert_pairs_whole(&found, key);
            for e in found {
                *seen.entry(e).or_default() += 1;
            }
        }
        assert_eq!(seen.len(), WRITERS * ADDS * 2, "{}", kind.key);
        assert!(
            seen.values().all(|&n| n == 1),
            "{}: an element twice",
            kind.key
        );
        let kind_name: String = q(&mut admin, &["TYPE", &format!("{}:snapshot:0", kind.key)]).await;
        assert!(kind_name == kind.key || kind_name == "none");
    }
}
