//! Sorted sets over real sockets with the `redis` crate, in RESP2 and RESP3: reply shapes
//! (doubles, nested pairs, nulls), byte-exact frames, and atomicity under concurrent
//! clients (ZINCRBY totals, ZUNIONSTORE / ZRANGESTORE never seeing a half-applied write,
//! ZPOPMIN handing each member to exactly one client), and the blocking BZPOPMIN /
//! BZPOPMAX / BZMPOP: FIFO serving by one ZADD, timeouts, ZUNIONSTORE / RENAME / COPY into
//! a waited key, disconnects, and a stress test where every member added is popped once.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Raw, Resp, RespClient};
use memorabilia::server::RunningServer;
use redis::{AsyncCommands, Value};

async fn cmd(con: &mut redis::aio::MultiplexedConnection, args: &[&str]) -> Value {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query_async(con)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

async fn err(con: &mut redis::aio::MultiplexedConnection, args: &[&str]) -> String {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    let e = c
        .query_async::<Value>(con)
        .await
        .expect_err("an error reply");
    format!("{} {}", e.code().unwrap_or("?"), e.detail().unwrap_or(""))
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_calls_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2u8, 3] {
        let mut con = common::connection(&server, protocol).await;
        let _: () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
        let added: i64 = con
            .zadd_multiple("z", &[(1.5, "a"), (2.0, "b"), (2.0, "c")])
            .await
            .unwrap();
        assert_eq!(added, 3);
        let score: Option<f64> = con.zscore("z", "a").await.unwrap();
        assert_eq!(score, Some(1.5));
        let missing: Option<f64> = con.zscore("z", "nope").await.unwrap();
        assert_eq!(missing, None);
        let members: Vec<String> = con.zrange("z", 0, -1).await.unwrap();
        assert_eq!(members, ["a", "b", "c"]);
        let with: Vec<(String, f64)> = con.zrange_withscores("z", 0, -1).await.unwrap();
        assert_eq!(
            with,
            [("a".into(), 1.5), ("b".into(), 2.0), ("c".into(), 2.0)]
        );
        let by_score: Vec<String> = con.zrangebyscore("z", "(1.5", "+inf").await.unwrap();
        assert_eq!(by_score, ["b", "c"]);
        let rank: Option<i64> = con.zrank("z", "c").await.unwrap();
        assert_eq!(rank, Some(2));
        let new: f64 = con.zincr("z", "a", 10).await.unwrap();
        assert_eq!(new, 11.5);
        let card: i64 = con.zcard("z").await.unwrap();
        assert_eq!(card, 3);
        let removed: i64 = con.zrem("z", &["a", "x"]).await.unwrap();
        assert_eq!(removed, 1);
        let count: i64 = con.zcount("z", "-inf", "+inf").await.unwrap();
        assert_eq!(count, 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_shapes_follow_the_protocol() {
    let server = common::start().await;
    let mut resp2 = common::connection(&server, 2).await;
    let mut resp3 = common::connection(&server, 3).await;
    cmd(&mut resp2, &["ZADD", "z", "1", "a", "0.1", "b", "inf", "c"]).await;
    // RESP2: flat, scores as %.17g bulk strings.
    assert_eq!(
        cmd(&mut resp2, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]).await,
        Value::Array(vec![
            bulk("b"),
            bulk("0.10000000000000001"),
            bulk("a"),
            bulk("1"),
            bulk("c"),
            bulk("inf"),
        ])
    );
    assert_eq!(cmd(&mut resp2, &["ZSCORE", "z", "x"]).await, Value::Nil);
    // RESP3: nested pairs with doubles.
    assert_eq!(
        cmd(&mut resp3, &["ZRANGE", "z", "0", "1", "WITHSCORES"]).await,
        Value::Array(vec![
            Value::Array(vec![bulk("b"), Value::Double(0.1)]),
            Value::Array(vec![bulk("a"), Value::Double(1.0)]),
        ])
    );
    assert_eq!(
        cmd(&mut resp3, &["ZSCORE", "z", "c"]).await,
        Value::Double(f64::INFINITY)
    );
    assert_eq!(
        cmd(&mut resp3, &["ZPOPMIN", "z"]).await,
        Value::Array(vec![bulk("b"), Value::Double(0.1)])
    );
    assert_eq!(
        cmd(&mut resp3, &["ZPOPMIN", "z", "1"]).await,
        Value::Array(vec![Value::Array(vec![bulk("a"), Value::Double(1.0)])])
    );
    assert_eq!(
        cmd(&mut resp3, &["ZMPOP", "1", "nokey", "MIN"]).await,
        Value::Nil
    );
    assert_eq!(
        cmd(&mut resp2, &["ZMPOP", "1", "z", "MAX"]).await,
        Value::Array(vec![
            bulk("z"),
            Value::Array(vec![Value::Array(vec![bulk("c"), bulk("inf")])])
        ])
    );
    assert_eq!(cmd(&mut resp2, &["EXISTS", "z"]).await, Value::Int(0));
    assert_eq!(
        err(&mut resp2, &["ZADD", "z", "NX", "XX", "1", "a"]).await,
        "ERR XX and NX options at the same time are not compatible"
    );
    cmd(&mut resp2, &["SET", "s", "x"]).await;
    assert_eq!(
        err(&mut resp3, &["ZRANGE", "s", "0", "-1"]).await,
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_frames_are_byte_exact() {
    let server = common::start().await;
    let mut raw = common::Raw::connect(&server).await;
    raw.send(b"*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\n-0\r\n$1\r\na\r\n$4\r\n1e-5\r\n")
        .await;
    raw.expect(b"-ERR syntax error\r\n").await;
    raw.send(b"*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$2\r\n-0\r\n$1\r\na\r\n$4\r\n1e-5\r\n$1\r\nb\r\n")
        .await;
    raw.expect(b":2\r\n").await;
    // A listpack turns -0 into 0; scores print with %.17g.
    raw.send(b"*4\r\n$6\r\nZRANGE\r\n$1\r\nz\r\n$1\r\n0\r\n$2\r\n-1\r\n")
        .await;
    raw.expect(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n").await;
    raw.send(b"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\nb\r\n")
        .await;
    raw.expect(b"$22\r\n1.0000000000000001e-05\r\n").await;
    raw.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n").await;
    // HELLO's own reply is long: skip it by asking something after it and reading lines.
    raw.send(b"*3\r\n$6\r\nZSCORE\r\n$1\r\nz\r\n$1\r\na\r\n")
        .await;
    loop {
        if raw.read_line().await == ",0" {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_zincrby_gives_an_exact_total() {
    let server = common::start().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..2000 {
                let member = format!("m{}", i % 4);
                let _: f64 = con.zincr("z", member, 0.5).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut con = common::connection(&server, 3).await;
    let all: Vec<(String, f64)> = con.zrange_withscores("z", 0, -1).await.unwrap();
    assert_eq!(all.len(), 4);
    for (_, score) in all {
        assert_eq!(score, 8.0 * 2000.0 / 4.0 * 0.5);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_never_see_a_torn_state() {
    let server = common::start().await;
    // Writers keep every member of `src` at one common score, changed by single ZADDs, and
    // move members between two keys with ZUNIONSTORE; readers store and read back.
    let mut tasks = Vec::new();
    for w in 0..3 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..1500 {
                let s = (w * 10_000 + i).to_string();
                cmd(
                    &mut con,
                    &["ZADD", "src", &s, "a", &s, "b", &s, "c", &s, "d"],
                )
                .await;
            }
        }));
    }
    let mut readers = Vec::new();
    for r in 0..2 {
        let mut con = common::connection(&server, 2 + r as u8).await;
        readers.push(tokio::spawn(async move {
            let dst = format!("dst{r}");
            for _ in 0..800 {
                cmd(
                    &mut con,
                    &["ZUNIONSTORE", &dst, "2", "src", "src", "AGGREGATE", "MAX"],
                )
                .await;
                cmd(
                    &mut con,
                    &["ZRANGESTORE", &format!("{dst}r"), "src", "0", "-1"],
                )
                .await;
                for key in [dst.clone(), format!("{dst}r")] {
                    let scores: Vec<(String, f64)> =
                        con.zrange_withscores(&key, 0, -1).await.unwrap();
                    if scores.is_empty() {
                        continue;
                    }
                    assert_eq!(scores.len(), 4, "{scores:?}");
                    assert!(
                        scores.iter().all(|(_, s)| *s == scores[0].1),
                        "torn: {scores:?}"
                    );
                }
            }
        }));
    }
    for t in tasks.into_iter().chain(readers) {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pops_hand_each_member_out_once() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let members: Vec<(f64, String)> = (0..4000).map(|i| (i as f64, format!("m{i}"))).collect();
    let _: i64 = con.zadd_multiple("z", &members).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..4 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let popped = if t % 2 == 0 {
                    cmd(&mut con, &["ZPOPMIN", "z", "3"]).await
                } else {
                    cmd(&mut con, &["ZMPOP", "1", "z", "MAX", "COUNT", "5"]).await
                };
                let items = match popped {
                    Value::Array(items) if items.is_empty() => break,
                    Value::Nil => break,
                    Value::Array(items) if t % 2 == 0 => items,
                    Value::Array(mut kv) => match kv.pop() {
                        Some(Value::Array(pairs)) => pairs
                            .into_iter()
                            .flat_map(|p| match p {
                                Value::Array(p) => p,
                                other => panic!("{other:?}"),
                            })
                            .collect(),
                        other => panic!("{other:?}"),
                    },
                    other => panic!("{other:?}"),
                };
                for pair in items.chunks(2) {
                    if let Value::BulkString(m) = &pair[0] {
                        got.push(String::from_utf8(m.clone()).unwrap());
                    }
                }
            }
            got
        }));
    }
    let mut all = HashSet::new();
    for t in tasks {
        for m in t.await.unwrap() {
            assert!(all.insert(m.clone()), "{m} popped twice");
        }
    }
    assert_eq!(all.len(), 4000);
}

// ---------------------------------------------------------------------------------------
// Blocking pops
// ---------------------------------------------------------------------------------------

fn rbulk(s: &str) -> Resp {
    Resp::Bulk(Some(s.as_bytes().to_vec()))
}

fn rarray(items: Vec<Resp>) -> Resp {
    Resp::Array(Some(items))
}

/// `[key, member, score]` as RESP2 sends it (the score a bulk string).
fn popped(key: &str, member: &str, score: &str) -> Resp {
    rarray(vec![rbulk(key), rbulk(member), rbulk(score)])
}

/// Waits until the server counts `n` blocked clients, failing after 5 s.
async fn wait_blocked(server: &RunningServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.state.blocking.blocked_clients() != n {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Sends a command on its own connection and returns the task that reads its reply.
async fn spawn_call(server: &RunningServer, argv: &[&str]) -> tokio::task::JoinHandle<Resp> {
    let mut client = RespClient::connect(server).await;
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    tokio::spawn(async move { client.call(&argv).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_blocked_clients_are_served_fifo_by_one_zadd() {
    let server = common::start().await;
    let first = spawn_call(&server, &["BZPOPMIN", "q", "0"]).await;
    wait_blocked(&server, 1).await;
    let second = spawn_call(&server, &["BZPOPMAX", "other", "q", "0"]).await;
    wait_blocked(&server, 2).await;
    let third = spawn_call(&server, &["BZMPOP", "0", "1", "q", "MIN", "COUNT", "2"]).await;
    wait_blocked(&server, 3).await;
    let mut adder = RespClient::connect(&server).await;
    let zadd = [
        "ZADD", "q", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
    ];
    assert_eq!(adder.call(&zadd).await, Resp::Int(5));
    assert_eq!(first.await.unwrap(), popped("q", "a", "1"));
    assert_eq!(second.await.unwrap(), popped("q", "e", "5"));
    assert_eq!(
        third.await.unwrap(),
        rarray(vec![
            rbulk("q"),
            rarray(vec![
                rarray(vec![rbulk("b"), rbulk("2")]),
                rarray(vec![rbulk("c"), rbulk("3")]),
            ])
        ])
    );
    assert_eq!(
        adder.call(&["ZRANGE", "q", "0", "-1"]).await,
        rarray(vec![rbulk("d")])
    );
    assert_eq!(server.state.blocking.blocked_clients(), 0);
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_fractional_and_forever() {
    let server = common::start().await;
    let mut con = RespClient::connect(&server).await;
    let started = Instant::now();
    assert_eq!(
        con.call(&["BZPOPMIN", "nokey", "0.2"]).await,
        Resp::Array(None)
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(190), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert_eq!(
        con.call(&["BZMPOP", "0.05", "1", "nokey", "MAX"]).await,
        Resp::Array(None)
    );
    assert_eq!(server.state.blocking.blocked_clients(), 0);
    // 0 waits until members come, however long.
    let forever = spawn_call(&server, &["BZPOPMAX", "k", "0"]).await;
    wait_blocked(&server, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!forever.is_finished());
    assert_eq!(con.call(&["ZADD", "k", "2.5", "v"]).await, Resp::Int(1));
    assert_eq!(forever.await.unwrap(), popped("k", "v", "2.5"));
    assert_eq!(
        con.call(&["BZPOPMIN", "k", "-1"]).await,
        Resp::Error("ERR timeout is negative".into())
    );
    assert_eq!(
        con.call(&["BZMPOP", "1e400", "1", "k", "MIN"]).await,
        Resp::Error("ERR timeout is negative".into())
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_renames_and_copies_into_a_waited_key_serve_it() {
    let server = common::start().await;
    let mut con = RespClient::connect(&server).await;
    con.call(&["ZADD", "a", "1", "x", "2", "y"]).await;
    con.call(&["ZADD", "b", "10", "y"]).await;
    let waiter = spawn_call(&server, &["BZPOPMAX", "dst", "0"]).await;
    wait_blocked(&server, 1).await;
    assert_eq!(
        con.call(&["ZUNIONSTORE", "dst", "2", "a", "b"]).await,
        Resp::Int(2)
    );
    assert_eq!(waiter.await.unwrap(), popped("dst", "y", "12"));
    assert_eq!(con.call(&["DEL", "dst"]).await, Resp::Int(1));
    let waiter = spawn_call(&server, &["BZMPOP", "0", "1", "dst", "MIN", "COUNT", "5"]).await;
    wait_blocked(&server, 1).await;
    assert_eq!(con.call(&["COPY", "a", "dst"]).await, Resp::Int(1));
    assert_eq!(
        waiter.await.unwrap(),
        rarray(vec![
            rbulk("dst"),
            rarray(vec![
                rarray(vec![rbulk("x"), rbulk("1")]),
                rarray(vec![rbulk("y"), rbulk("2")]),
            ])
        ])
    );
    let waiter = spawn_call(&server, &["BZPOPMIN", "dst", "0"]).await;
    wait_blocked(&server, 1).await;
    assert_eq!(
        con.call(&["RENAME", "b", "dst"]).await,
        Resp::Simple("OK".into())
    );
    assert_eq!(waiter.await.unwrap(), popped("dst", "y", "10"));
    assert_eq!(con.call(&["EXISTS", "b", "dst"]).await, Resp::Int(0));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_replies_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2u8, 3] {
        let mut con = common::connection(&server, protocol).await;
        let score = |s: &str, v: f64| {
            if protocol == 2 {
                bulk(s)
            } else {
                Value::Double(v)
            }
        };
        cmd(&mut con, &["ZADD", "z", "1.5", "a", "2", "b", "3", "c"]).await;
        assert_eq!(
            cmd(&mut con, &["BZPOPMIN", "z", "0"]).await,
            Value::Array(vec![bulk("z"), bulk("a"), score("1.5", 1.5)])
        );
        assert_eq!(
            cmd(
                &mut con,
                &["BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "5"]
            )
            .await,
            Value::Array(vec![
                bulk("z"),
                Value::Array(vec![
                    Value::Array(vec![bulk("c"), score("3", 3.0)]),
                    Value::Array(vec![bulk("b"), score("2", 2.0)]),
                ])
            ])
        );
        assert_eq!(cmd(&mut con, &["BZPOPMAX", "z", "0.01"]).await, Value::Nil);
        assert_eq!(
            cmd(&mut con, &["BZMPOP", "0.01", "1", "z", "MIN"]).await,
            Value::Nil
        );
        cmd(&mut con, &["SET", "s", "x"]).await;
        assert_eq!(
            err(&mut con, &["BZPOPMAX", "nokey", "s", "0"]).await,
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(
            err(&mut con, &["BZMPOP", "0", "1", "s", "MIN", "COUNT", "0"]).await,
            "ERR count should be greater than 0"
        );
        cmd(&mut con, &["DEL", "s"]).await;
    }
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disconnected_waiter_takes_nothing() {
    let server = common::start().await;
    let mut gone = Raw::connect(&server).await;
    gone.send(b"BZPOPMIN k 0\r\n").await;
    wait_blocked(&server, 1).await;
    drop(gone);
    wait_blocked(&server, 0).await;
    let mut con = RespClient::connect(&server).await;
    assert_eq!(con.call(&["ZADD", "k", "1", "v"]).await, Resp::Int(1));
    assert_eq!(con.call(&["ZCARD", "k"]).await, Resp::Int(1));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stress_every_member_added_is_popped_once() {
    let server = common::start().await;
    const CONSUMERS: usize = 16;
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 200;
    let total = PRODUCERS * PER_PRODUCER;
    let keys = ["s1", "s2", "s3"];
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut consumers = Vec::new();
    for c in 0..CONSUMERS {
        let mut con = RespClient::connect(&server).await;
        let sender = sender.clone();
        consumers.push(tokio::spawn(async move {
            loop {
                // Three shapes of consumer: BZPOPMIN, BZPOPMAX, BZMPOP with a count.
                let mut argv: Vec<&str> = match c % 3 {
                    0 => vec!["BZPOPMIN"],
                    1 => vec!["BZPOPMAX"],
                    _ => vec!["BZMPOP", "1", "3"],
                };
                argv.extend(keys);
                if c % 3 == 2 {
                    argv.extend(["MIN", "COUNT", "2"]);
                } else {
                    argv.push("1");
                }
                let members: Vec<String> = match con.call(&argv).await {
                    Resp::Array(None) => continue,
                    Resp::Array(Some(items)) if c % 3 == 2 => match &items[1] {
                        Resp::Array(Some(pairs)) => pairs
                            .iter()
                            .map(|pair| match pair {
                                Resp::Array(Some(p)) => match &p[0] {
                                    Resp::Bulk(Some(m)) => String::from_utf8(m.clone()).unwrap(),
                                    other => panic!("{other:?}"),
                                },
                                other => panic!("{other:?}"),
                            })
                            .collect(),
                        other => panic!("{other:?}"),
                    },
                    Resp::Array(Some(items)) => match &items[1] {
                        Resp::Bulk(Some(m)) => vec![String::from_utf8(m.clone()).unwrap()],
                        other => panic!("{other:?}"),
                    },
                    other => panic!("{other:?}"),
                };
                let mut stop = false;
                for m in members {
                    if m.starts_with("stop") {
                        stop = true;
                    } else {
                        sender.send(m).unwrap();
                    }
                }
                if stop {
                    return;
                }
            }
        }));
    }
    drop(sender);
    let mut producers = Vec::new();
    for p in 0..PRODUCERS {
        let mut con = RespClient::connect(&server).await;
        producers.push(tokio::spawn(async move {
            for i in 0..PER_PRODUCER {
                let key = keys[(p + i) % keys.len()];
                let member = format!("{p}-{i}");
                let score = i.to_string();
                let reply = if i % 2 == 0 {
                    con.call(&["ZADD", key, &score, &member]).await
                } else {
                    con.call(&["ZINCRBY", key, &score, &member]).await
                };
                assert!(!matches!(reply, Resp::Error(_)), "{reply:?}");
            }
        }));
    }
    for p in producers {
        p.await.unwrap();
    }
    let mut seen = HashSet::new();
    while seen.len() < total {
        let member = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("members keep arriving")
            .expect("consumers alive");
        assert!(seen.insert(member.clone()), "{member} popped twice");
    }
    // Stop members until every consumer has taken one (a BZMPOP consumer may take two
    // at once, so their number is not known in advance).
    let mut con = RespClient::connect(&server).await;
    let mut n = 0;
    while consumers.iter().any(|c| !c.is_finished()) {
        let stop = format!("stop{n}");
        con.call(&["ZADD", "s1", "1e9", &stop]).await;
        n += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(n < 10_000, "consumers never stopped");
    }
    for c in consumers {
        c.await.unwrap();
    }
    assert!(receiver.recv().await.is_none());
    assert_eq!(seen.len(), total);
    server.shutdown();
    server.wait().await;
}
