//! The set family over real sockets with the `redis` crate, in RESP2 and RESP3, plus
//! concurrency: SMOVE and the set algebra are atomic over all their keys.

mod common;

use std::collections::HashSet;

use redis::{AsyncCommands, Value};

#[tokio::test]
async fn set_commands_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2, 3] {
        let mut con = common::connection(&server, protocol).await;
        let _: () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
        let added: i64 = con.sadd("s", &["a", "b", "c"]).await.unwrap();
        assert_eq!(added, 3);
        let _: i64 = con.sadd("t", &["b", "c", "d"]).await.unwrap();
        let members: HashSet<String> = con.smembers("s").await.unwrap();
        assert_eq!(members.len(), 3);
        // The wire shape: a set in RESP3, an array in RESP2.
        let raw: Value = redis::cmd("SMEMBERS")
            .arg("s")
            .query_async(&mut con)
            .await
            .unwrap();
        match (protocol, raw) {
            (3, Value::Set(items)) | (2, Value::Array(items)) => assert_eq!(items.len(), 3),
            (p, other) => panic!("RESP{p}: unexpected SMEMBERS shape {other:?}"),
        }
        let card: i64 = con.scard("s").await.unwrap();
        assert_eq!(card, 3);
        let is: bool = con.sismember("s", "a").await.unwrap();
        assert!(is);
        let many: Vec<bool> = con.smismember("s", &["a", "z"]).await.unwrap();
        assert_eq!(many, [true, false]);
        let inter: HashSet<String> = con.sinter(&["s", "t"]).await.unwrap();
        assert_eq!(inter, HashSet::from(["b".to_string(), "c".to_string()]));
        let union: HashSet<String> = con.sunion(&["s", "t"]).await.unwrap();
        assert_eq!(union.len(), 4);
        let diff: HashSet<String> = con.sdiff(&["s", "t"]).await.unwrap();
        assert_eq!(diff, HashSet::from(["a".to_string()]));
        let n: i64 = con.sinterstore("d", &["s", "t"]).await.unwrap();
        assert_eq!(n, 2);
        let n: i64 = con.sunionstore("d", &["s", "t"]).await.unwrap();
        assert_eq!(n, 4);
        let n: i64 = con.sdiffstore("d", &["s", "s"]).await.unwrap();
        assert_eq!(n, 0);
        let exists: bool = con.exists("d").await.unwrap();
        assert!(!exists);
        let card: i64 = redis::cmd("SINTERCARD")
            .arg(2)
            .arg("s")
            .arg("t")
            .arg("LIMIT")
            .arg(1)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(card, 1);
        let moved: bool = con.smove("s", "t", "a").await.unwrap();
        assert!(moved);
        let popped: Vec<String> = con.spop("s").await.map(|m: String| vec![m]).unwrap();
        assert_eq!(popped.len(), 1);
        let random: Vec<String> = redis::cmd("SRANDMEMBER")
            .arg("t")
            .arg(-7)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(random.len(), 7);
        let raw: Value = redis::cmd("SPOP")
            .arg("t")
            .arg(2)
            .query_async(&mut con)
            .await
            .unwrap();
        match (protocol, raw) {
            (3, Value::Set(items)) | (2, Value::Array(items)) => assert_eq!(items.len(), 2),
            (p, other) => panic!("RESP{p}: unexpected SPOP shape {other:?}"),
        }
        let removed: i64 = con.srem("t", &["a", "b", "c", "d"]).await.unwrap();
        assert_eq!(removed, 2);
        let exists: bool = con.exists("t").await.unwrap();
        assert!(!exists, "an emptied set is deleted");
        let _: () = con.set("str", "x").await.unwrap();
        let err = con.sadd::<_, _, Value>("str", "a").await.unwrap_err();
        assert!(err.to_string().contains("WRONGTYPE"), "{err}");
        let _: i64 = con.sadd("i", &[3, 1, 2]).await.unwrap();
        let encoding: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg("i")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(encoding, "intset");
        let ordered: Vec<String> = con.smembers("i").await.unwrap();
        assert_eq!(ordered, ["1", "2", "3"], "intsets list in numeric order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_smove_never_loses_or_duplicates_a_member() {
    let server = common::start().await;
    let keys = ["a", "b", "c"];
    let members: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
    let mut con = common::connection(&server, 2).await;
    let _: i64 = con.sadd("a", &members).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..6usize {
        let mut con = common::connection(&server, 2).await;
        let members = members.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..1500usize {
                let from = keys[(t + i) % 3];
                let to = keys[(t + i + 1 + i % 2) % 3];
                let member = &members[(t * 7 + i) % members.len()];
                let _: bool = con.smove(from, to, member).await.unwrap();
            }
        }));
    }
    // Readers see every member in exactly one set at any instant (SUNION and SINTER run
    // over the three keys atomically).
    for _ in 0..2 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..1000 {
                let total: i64 = redis::cmd("SUNIONSTORE")
                    .arg("{snapshot}")
                    .arg(&keys)
                    .query_async(&mut con)
                    .await
                    .unwrap();
                assert_eq!(total, 50, "a member is missing mid-move");
                let overlap: i64 = redis::cmd("SINTERCARD")
                    .arg(2)
                    .arg("a")
                    .arg("b")
                    .query_async(&mut con)
                    .await
                    .unwrap();
                assert_eq!(overlap, 0, "a member is in two sets");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut seen = Vec::new();
    for k in keys {
        let part: Vec<String> = con.smembers(k).await.unwrap();
        seen.extend(part);
    }
    seen.sort();
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(seen, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sinterstore_never_sees_a_torn_state() {
    let server = common::start().await;
    // Each writer owns a 200-member source set and keeps overwriting `x` with a copy of it
    // (SUNIONSTORE, atomic over both keys), so `x` always holds exactly one writer's
    // members. Readers copy `x` with SINTERSTORE and must never see a mix or a partial set.
    let mut tasks = Vec::new();
    for w in 0..3 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            let src = format!("src{w}");
            let members: Vec<String> = (0..200).map(|j| format!("w{w}-{j}")).collect();
            let _: i64 = con.sadd(&src, &members).await.unwrap();
            for _ in 0..800 {
                let n: i64 = con.sunionstore("x", &src).await.unwrap();
                assert_eq!(n, 200);
            }
        }));
    }
    for r in 0..3 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            let copy = format!("copy{r}");
            for _ in 0..800 {
                let n: i64 = con.sinterstore(&copy, &["x", "x"]).await.unwrap();
                assert!(n == 0 || n == 200, "torn state: {n} members");
                let members: Vec<String> = con.smembers(&copy).await.unwrap();
                assert_eq!(members.len() as i64, n);
                if let Some(first) = members.first() {
                    let writer = &first[..first.find('-').unwrap()];
                    assert!(
                        members.iter().all(|m| m.starts_with(writer)),
                        "members of two writers mixed"
                    );
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}
