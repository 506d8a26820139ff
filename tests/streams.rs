//! Streams over real sockets: a consumer group shared by concurrent consumers delivers
//! every entry exactly once; the whole state of a stream (entries, counters, groups,
//! pending entries, consumers) survives a restart from the AOF, from a rewritten AOF with
//! a commands base, and from an RDB file.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use memorabilia::config::Config;
use memorabilia::server::RunningServer;
use parking_lot::Mutex;
use redis::Value;

async fn stop(server: RunningServer) {
    server.shutdown();
    server.wait().await;
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

/// The ids of an XREADGROUP reply (RESP2: `[[key, [[id, fields], ...]]]`).
fn ids_of(reply: &Value) -> Vec<String> {
    let Value::Array(streams) = reply else {
        return vec![];
    };
    let mut out = vec![];
    for stream in streams {
        let Value::Array(pair) = stream else { continue };
        let Value::Array(entries) = &pair[1] else {
            continue;
        };
        for entry in entries {
            if let Value::Array(parts) = entry {
                out.push(text(&parts[0]));
            }
        }
    }
    out
}

/// Several consumers of one group read and acknowledge while a producer appends: each
/// entry reaches exactly one consumer, once, and nothing stays pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consumer_group_delivers_every_entry_once() {
    const ENTRIES: usize = 3000;
    const CONSUMERS: usize = 4;
    let server = common::start().await;
    let mut admin = common::connection(&server, 2).await;
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "jobs", "workers", "$", "MKSTREAM"])
        .query_async(&mut admin)
        .await
        .unwrap();
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let mut consumers = Vec::new();
    for n in 0..CONSUMERS {
        let mut con = common::connection(&server, 2).await;
        let seen = seen.clone();
        consumers.push(tokio::spawn(async move {
            let name = format!("consumer-{n}");
            loop {
                if seen.lock().len() >= ENTRIES {
                    return;
                }
                let reply: Value = redis::cmd("XREADGROUP")
                    .arg(&["GROUP", "workers", &name, "COUNT", "7", "BLOCK", "50"])
                    .arg(&["STREAMS", "jobs", ">"])
                    .query_async(&mut con)
                    .await
                    .unwrap();
                let ids = ids_of(&reply);
                if ids.is_empty() {
                    continue;
                }
                {
                    let mut seen = seen.lock();
                    for id in &ids {
                        *seen.entry(id.clone()).or_default() += 1;
                    }
                }
                let acked: usize = redis::cmd("XACK")
                    .arg("jobs")
                    .arg("workers")
                    .arg(&ids)
                    .query_async(&mut con)
                    .await
                    .unwrap();
                assert_eq!(acked, ids.len(), "every delivered id was pending");
            }
        }));
    }
    let mut producer = common::connection(&server, 2).await;
    for batch in 0..ENTRIES / 100 {
        let mut pipe = redis::pipe();
        for i in 0..100 {
            pipe.cmd("XADD")
                .arg("jobs")
                .arg("*")
                .arg("n")
                .arg(batch * 100 + i)
                .ignore();
        }
        let _: () = pipe.query_async(&mut producer).await.unwrap();
    }
    let all = async {
        for consumer in consumers {
            consumer.await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("consumers drain the stream");
    {
        let seen = seen.lock();
        assert_eq!(seen.len(), ENTRIES);
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
        assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    }
    let pending: Value = redis::cmd("XPENDING")
        .arg(&["jobs", "workers"])
        .query_async(&mut admin)
        .await
        .unwrap();
    let Value::Array(summary) = pending else {
        panic!("{pending:?}")
    };
    assert_eq!(summary[0], Value::Int(0));
    stop(server).await;
}

/// Everything about a stream that does not depend on the clock, in a comparable form.
async fn stream_state(con: &mut redis::aio::MultiplexedConnection, key: &str) -> Vec<String> {
    let mut out = vec![];
    let mut add = |label: &str, v: &Value| out.push(format!("{label}: {v:?}"));
    let entries: Value = redis::cmd("XRANGE")
        .arg(&[key, "-", "+"])
        .query_async(con)
        .await
        .unwrap();
    add("entries", &entries);
    let info: Value = redis::cmd("XINFO")
        .arg(&["STREAM", key])
        .query_async(con)
        .await
        .unwrap();
    // The node layout depends on how the entries came (appends and trims, or a rewrite's
    // appends of the live ones): everything else must be the same.
    if let Value::Array(fields) = &info {
        for pair in fields.chunks(2) {
            if !text(&pair[0]).starts_with("radix-tree") {
                add(&text(&pair[0]), &pair[1]);
            }
        }
    }
    let groups: Value = redis::cmd("XINFO")
        .arg(&["GROUPS", key])
        .query_async(con)
        .await
        .unwrap();
    add("groups", &groups);
    for group in ["g", "other"] {
        let rows: Value = redis::cmd("XPENDING")
            .arg(&[key, group, "-", "+", "100"])
            .query_async(con)
            .await
            .unwrap_or(Value::Nil);
        // Rows without their idle time: [id, consumer, deliveries].
        if let Value::Array(rows) = rows {
            for row in rows {
                if let Value::Array(cols) = row {
                    out.push(format!(
                        "pending {group}: {} {} {}",
                        text(&cols[0]),
                        text(&cols[1]),
                        text(&cols[3])
                    ));
                }
            }
        }
        let consumers: Value = redis::cmd("XINFO")
            .arg(&["CONSUMERS", key, group])
            .query_async(con)
            .await
            .unwrap_or(Value::Nil);
        if let Value::Array(consumers) = consumers {
            for c in consumers {
                if let Value::Array(fields) = c {
                    out.push(format!(
                        "consumer {group}: {} {}",
                        text(&fields[1]),
                        text(&fields[3])
                    ));
                }
            }
        }
    }
    out
}

fn aof_config(dir: &Path, preamble: bool) -> Config {
    Config {
        dir: dir.display().to_string(),
        save: String::new(),
        appendonly: true,
        appendfsync: "always".into(),
        aof_use_rdb_preamble: preamble,
        enable_protected_configs: "local".into(),
        stream_node_max_entries: 4,
        ..Config::default()
    }
}

/// Starts a server with `config` and checks it holds streams `s` and `empty` as `want`.
async fn restart_with_state(
    config: Config,
    want: &[Vec<String>; 2],
) -> (RunningServer, redis::aio::MultiplexedConnection) {
    let server = common::start_with(config).await;
    let mut con = common::connection(&server, 2).await;
    assert_eq!(stream_state(&mut con, "s").await, want[0]);
    assert_eq!(stream_state(&mut con, "empty").await, want[1]);
    (server, con)
}

/// Runs a command given as one line of space-separated words.
async fn cmd(con: &mut redis::aio::MultiplexedConnection, line: &str) -> Value {
    let args: Vec<&str> = line.split_whitespace().collect();
    run(con, &args).await
}

async fn run(con: &mut redis::aio::MultiplexedConnection, args: &[&str]) -> Value {
    redis::cmd(args[0])
        .arg(&args[1..])
        .query_async(con)
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// The AOF logs each stream command as its deterministic effect (ids made by `*`, exact
/// trims, deliveries as XCLAIMs, NOACK reads as XGROUP SETID, a blocked read served
/// later): replaying it rebuilds the same stream; so do a rewritten AOF with a commands
/// base and an RDB file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_state_survives_restarts() {
    let dir = common::temp_dir();
    let server = common::start_with(aof_config(&dir, false)).await;
    let mut con = common::connection(&server, 2).await;
    for i in 0..20 {
        let n = i.to_string();
        run(&mut con, &["XADD", "s", "MAXLEN", "~", "12", "*", "n", &n]).await;
    }
    cmd(&mut con, "XGROUP CREATE s g 0").await;
    cmd(&mut con, "XGROUP CREATE s other $ ENTRIESREAD 5").await;
    cmd(&mut con, "XREADGROUP GROUP g alice COUNT 3 STREAMS s >").await;
    cmd(&mut con, "XREADGROUP GROUP g bob COUNT 2 NOACK STREAMS s >").await;
    cmd(&mut con, "XREADGROUP GROUP g bob COUNT 2 STREAMS s >").await;
    let first: Value = cmd(&mut con, "XRANGE s - + COUNT 1").await;
    let Value::Array(first) = first else { panic!() };
    let Value::Array(first) = &first[0] else {
        panic!()
    };
    let first_id = text(&first[0]);
    run(
        &mut con,
        &[
            "XCLAIM",
            "s",
            "g",
            "carol",
            "0",
            &first_id,
            "RETRYCOUNT",
            "7",
        ],
    )
    .await;
    run(&mut con, &["XDEL", "s", &first_id]).await;
    cmd(&mut con, "XAUTOCLAIM s g dave 0 - COUNT 2").await;
    cmd(&mut con, "XGROUP CREATECONSUMER s other eve").await;
    // A blocked read served later is logged as what it delivered.
    let mut waiter = common::connection(&server, 2).await;
    let blocked = tokio::spawn(async move {
        cmd(
            &mut waiter,
            "XREADGROUP GROUP other frank BLOCK 5000 STREAMS s >",
        )
        .await
    });
    for _ in 0..500 {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query_async(&mut con)
            .await
            .unwrap();
        if info.contains("blocked_clients:1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cmd(&mut con, "XADD s * late 1").await;
    assert_eq!(ids_of(&blocked.await.unwrap()).len(), 1);
    cmd(&mut con, "XTRIM s MINID ~ 0").await;
    cmd(&mut con, "XADD empty 1-1 f v").await;
    cmd(&mut con, "XDEL empty 1-1").await;
    let want = [
        stream_state(&mut con, "s").await,
        stream_state(&mut con, "empty").await,
    ];
    assert!(
        want[0].iter().any(|l| l.starts_with("pending g:")),
        "{want:?}"
    );
    stop(server).await;

    // 1. Replaying the log.
    let (server, mut con) = restart_with_state(aof_config(&dir, false), &want).await;
    // 2. A rewritten log whose base is commands (XADD, XSETID, XGROUP, XCLAIM).
    cmd(&mut con, "BGREWRITEAOF").await;
    for _ in 0..2000 {
        let info: String = redis::cmd("INFO")
            .arg("persistence")
            .query_async(&mut con)
            .await
            .unwrap();
        if info.contains("aof_rewrite_in_progress:0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cmd(&mut con, "SAVE").await;
    stop(server).await;
    let (server, _) = restart_with_state(aof_config(&dir, false), &want).await;
    stop(server).await;
    // 3. The RDB file SAVE wrote.
    let rdb_only = Config {
        appendonly: false,
        ..aof_config(&dir, false)
    };
    let (server, _) = restart_with_state(rdb_only, &want).await;
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}
