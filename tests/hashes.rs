//! The hash family over real sockets with the `redis` crate, in RESP2 and RESP3, plus
//! concurrency: hash commands are atomic under concurrent clients on several threads.

mod common;

use std::collections::{HashMap, HashSet};

use redis::{AsyncCommands, Value};

#[tokio::test]
async fn hash_commands_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = common::connection(&server, protocol).await;
        let _: () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
        let added: i64 = con
            .hset_multiple("h", &[("a", "1"), ("b", "2")])
            .await
            .map(|()| 2)
            .unwrap();
        assert_eq!(added, 2);
        let n: i64 = con.hset("h", "c", "3").await.unwrap();
        assert_eq!(n, 1);
        let v: Option<String> = con.hget("h", "a").await.unwrap();
        assert_eq!(v.as_deref(), Some("1"));
        let vs: Vec<Option<String>> = con.hget("h", &["a", "zz"]).await.unwrap();
        assert_eq!(vs, [Some("1".to_string()), None]);
        let all: HashMap<String, String> = con.hgetall("h").await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all["c"], "3");
        // The wire shape: a map in RESP3, a flat array in RESP2.
        let raw: Value = redis::cmd("HGETALL")
            .arg("h")
            .query_async(&mut con)
            .await
            .unwrap();
        match (protocol, raw) {
            (3, Value::Map(pairs)) => assert_eq!(pairs.len(), 3),
            (2, Value::Array(items)) => assert_eq!(items.len(), 6),
            (p, other) => panic!("RESP{p}: unexpected HGETALL shape {other:?}"),
        }
        let keys: Vec<String> = con.hkeys("h").await.unwrap();
        assert_eq!(keys, ["a", "b", "c"]);
        let vals: Vec<String> = con.hvals("h").await.unwrap();
        assert_eq!(vals, ["1", "2", "3"]);
        let len: i64 = con.hlen("h").await.unwrap();
        assert_eq!(len, 3);
        let exists: bool = con.hexists("h", "b").await.unwrap();
        assert!(exists);
        let n: i64 = con.hincr("h", "a", 10).await.unwrap();
        assert_eq!(n, 11);
        let f: String = redis::cmd("HINCRBYFLOAT")
            .arg("h")
            .arg("f")
            .arg("0.5")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(f, "0.5");
        let strlen: i64 = redis::cmd("HSTRLEN")
            .arg("h")
            .arg("a")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(strlen, 2);
        let deleted: i64 = con.hdel("h", &["a", "b", "c", "f"]).await.unwrap();
        assert_eq!(deleted, 4);
        let exists: bool = con.exists("h").await.unwrap();
        assert!(!exists, "an emptied hash is deleted");
        // HRANDFIELD WITHVALUES: [field, value] pairs in RESP3, flat in RESP2.
        let _: () = con
            .hset_multiple("r", &[("x", "1"), ("y", "2")])
            .await
            .unwrap();
        let raw: Value = redis::cmd("HRANDFIELD")
            .arg("r")
            .arg(-3)
            .arg("WITHVALUES")
            .query_async(&mut con)
            .await
            .unwrap();
        let Value::Array(items) = raw else {
            panic!("array expected")
        };
        if protocol == 3 {
            assert_eq!(items.len(), 3);
            assert!(
                items
                    .iter()
                    .all(|p| matches!(p, Value::Array(fv) if fv.len() == 2))
            );
        } else {
            assert_eq!(items.len(), 6);
        }
        let err = redis::cmd("HGET")
            .arg("h")
            .query_async::<Value>(&mut con)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("wrong number of arguments for 'hget' command")
        );
        let _: () = con.set("s", "x").await.unwrap();
        let err = con.hget::<_, _, Value>("s", "a").await.unwrap_err();
        assert!(err.to_string().contains("WRONGTYPE"), "{err}");
    }
}

#[tokio::test]
async fn hscan_iterates_a_large_hash() {
    let server = common::start().await;
    let mut con = common::connection(&server, 3).await;
    let pairs: Vec<(String, String)> = (0..2000)
        .map(|i| (format!("f{i}"), i.to_string()))
        .collect();
    let _: () = con.hset_multiple("h", &pairs).await.unwrap();
    let mut seen = HashSet::new();
    let mut cursor = 0u64;
    let mut calls = 0;
    loop {
        let (next, page): (u64, Vec<(String, String)>) = redis::cmd("HSCAN")
            .arg("h")
            .arg(cursor)
            .arg("COUNT")
            .arg(100)
            .query_async(&mut con)
            .await
            .unwrap();
        for (field, value) in page {
            assert_eq!(field[1..], value);
            seen.insert(field);
        }
        calls += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 2000);
    assert_eq!(
        calls, 20,
        "COUNT 100 pages a hashtable hash 100 fields at a time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_hincrby_gives_an_exact_total() {
    let server = common::start().await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..2_000 {
                let _: i64 = con.hincr("h", "shared", 1).await.unwrap();
                // Writers also touch fields of their own, which grows and converts the hash
                // while the others increment.
                let _: i64 = con
                    .hincr("h", format!("t{t}-{}", i % 100), 1)
                    .await
                    .unwrap();
                let _: f64 = redis::cmd("HINCRBYFLOAT")
                    .arg("h")
                    .arg("float")
                    .arg("0.5")
                    .query_async(&mut con)
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut con = common::connection(&server, 2).await;
    let total: i64 = con.hget("h", "shared").await.unwrap();
    assert_eq!(total, 16_000);
    let float: String = con.hget("h", "float").await.unwrap();
    assert_eq!(float, "8000");
    let len: i64 = con.hlen("h").await.unwrap();
    assert_eq!(len, 2 + 800);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hset_of_several_fields_is_never_seen_half_done() {
    let server = common::start().await;
    let fields = ["a", "b", "c", "d"];
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..2000 {
                let value = format!("{writer}-{i}");
                let pairs: Vec<(&str, &str)> =
                    fields.iter().map(|f| (*f, value.as_str())).collect();
                let _: () = con.hset_multiple("h", &pairs).await.unwrap();
                if i % 10 == 0 {
                    let _: i64 = con.del("h").await.unwrap();
                }
            }
        }));
    }
    for _ in 0..4 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..2000 {
                let values: Vec<Option<String>> = con.hget("h", &fields).await.unwrap();
                assert!(
                    values.iter().all(|v| v == &values[0]),
                    "torn HSET: {values:?}"
                );
                let all: HashMap<String, String> = con.hgetall("h").await.unwrap();
                assert!(all.is_empty() || all.len() == 4, "torn HSET: {all:?}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
