//! The list family over real TCP: the `redis` crate in RESP2 and RESP3, byte-exact null
//! shapes, and blocking commands (FIFO serving, chains, timeouts, disconnects, CLIENT KILL
//! and UNBLOCK, no stalls, stress), plus the atomicity of LMOVE / RPOPLPUSH under
//! concurrent clients.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{Raw, Resp, RespClient};
use memorabilia::server::RunningServer;
use redis::{AsyncCommands, Direction, Value};

fn bulk(s: &str) -> Resp {
    Resp::Bulk(Some(s.as_bytes().to_vec()))
}

fn array(items: Vec<Resp>) -> Resp {
    Resp::Array(Some(items))
}

fn bulks(items: &[&str]) -> Resp {
    array(items.iter().map(|s| bulk(s)).collect())
}

/// Waits until the server counts `n` blocked clients (INFO clients), failing after 5 s.
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
async fn list_commands_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2u8, 3] {
        let mut con = common::connection(&server, protocol).await;
        let key = format!("l{protocol}");
        let n: i64 = con.rpush(&key, &["a", "b", "c"]).await.unwrap();
        assert_eq!(n, 3);
        let n: i64 = con.lpush(&key, "z").await.unwrap();
        assert_eq!(n, 4);
        let all: Vec<String> = con.lrange(&key, 0, -1).await.unwrap();
        assert_eq!(all, ["z", "a", "b", "c"]);
        let first: Option<String> = con.lpop(&key, None).await.unwrap();
        assert_eq!(first.as_deref(), Some("z"));
        let two: Vec<String> = con
            .rpop(&key, std::num::NonZeroUsize::new(2))
            .await
            .unwrap();
        assert_eq!(two, ["c", "b"]);
        let len: i64 = con.llen(&key).await.unwrap();
        assert_eq!(len, 1);
        let _: () = con.lset(&key, 0, "x").await.unwrap();
        let at: Option<String> = con.lindex(&key, -1).await.unwrap();
        assert_eq!(at.as_deref(), Some("x"));
        let n: i64 = con.linsert_before(&key, "x", "w").await.unwrap();
        assert_eq!(n, 2);
        let pos: Option<i64> = redis::cmd("LPOS")
            .arg(&key)
            .arg("x")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(pos, Some(1));
        let moved: Option<String> = con
            .lmove(&key, "dst", Direction::Left, Direction::Right)
            .await
            .unwrap();
        assert_eq!(moved.as_deref(), Some("w"));
        let popped: Value = redis::cmd("LMPOP")
            .arg(2)
            .arg("nokey")
            .arg(&key)
            .arg("LEFT")
            .arg("COUNT")
            .arg(5)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(
            popped,
            Value::Array(vec![
                Value::BulkString(key.clone().into_bytes()),
                Value::Array(vec![Value::BulkString(b"x".to_vec())]),
            ])
        );
        let exists: bool = con.exists(&key).await.unwrap();
        assert!(!exists, "an emptied list is deleted");
        let missing: Value = redis::cmd("LPOP")
            .arg(&key)
            .arg(2)
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(missing, Value::Nil);
        let _: () = con.del("dst").await.unwrap();
    }
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_shapes_are_byte_exact() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"LPOP nokey\r\nLPOP nokey 1\r\nLPOS nokey a\r\nLPOS nokey a COUNT 0\r\n")
        .await;
    raw.expect(b"$-1\r\n*-1\r\n$-1\r\n*0\r\n").await;
    raw.send(b"BLPOP nokey 0.01\r\nBLMOVE nokey d LEFT LEFT 0.01\r\n")
        .await;
    raw.expect(b"*-1\r\n*-1\r\n").await;
    raw.send(b"RPUSH l a\r\nLPOP l 0\r\n").await;
    raw.expect(b":1\r\n*0\r\n").await;
    raw.send(b"HELLO 3\r\n").await;
    let _hello = raw.read_exact_len(1).await;
    // Skip the rest of the HELLO map by syncing on a PING.
    raw.send(b"PING\r\n").await;
    let mut seen = Vec::new();
    while !seen.ends_with(b"+PONG\r\n") {
        seen.extend(raw.read_exact_len(1).await);
    }
    raw.send(b"LPOP nokey\r\nLPOP nokey 1\r\nLMPOP 1 nokey LEFT\r\nBRPOP nokey 0.01\r\n")
        .await;
    raw.expect(b"_\r\n_\r\n_\r\n_\r\n").await;
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_clients_are_served_fifo() {
    let server = common::start().await;
    let mut tasks = Vec::new();
    for i in 0..3 {
        tasks.push(spawn_call(&server, &["BLPOP", "q", "0"]).await);
        wait_blocked(&server, i + 1).await;
    }
    let mut pusher = RespClient::connect(&server).await;
    assert_eq!(pusher.call(&["RPUSH", "q", "a", "b"]).await, Resp::Int(2));
    // Two served by one push, in the order they blocked; the third still waits.
    assert_eq!(tasks.remove(0).await.unwrap(), bulks(&["q", "a"]));
    assert_eq!(tasks.remove(0).await.unwrap(), bulks(&["q", "b"]));
    wait_blocked(&server, 1).await;
    assert_eq!(pusher.call(&["EXISTS", "q"]).await, Resp::Int(0));
    assert_eq!(pusher.call(&["LPUSH", "q", "c"]).await, Resp::Int(1));
    assert_eq!(tasks.remove(0).await.unwrap(), bulks(&["q", "c"]));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_move_readies_the_next_waiter() {
    let server = common::start().await;
    let end = spawn_call(&server, &["BLPOP", "c", "0"]).await;
    wait_blocked(&server, 1).await;
    let second = spawn_call(&server, &["BRPOPLPUSH", "b", "c", "0"]).await;
    wait_blocked(&server, 2).await;
    let first = spawn_call(&server, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"]).await;
    wait_blocked(&server, 3).await;
    let mut pusher = RespClient::connect(&server).await;
    assert_eq!(pusher.call(&["RPUSH", "a", "x"]).await, Resp::Int(1));
    assert_eq!(first.await.unwrap(), bulk("x"));
    assert_eq!(second.await.unwrap(), bulk("x"));
    assert_eq!(end.await.unwrap(), bulks(&["c", "x"]));
    assert_eq!(pusher.call(&["EXISTS", "a", "b", "c"]).await, Resp::Int(0));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_fractional_and_forever() {
    let server = common::start().await;
    let mut con = RespClient::connect(&server).await;
    let started = Instant::now();
    assert_eq!(
        con.call(&["BLPOP", "nokey", "0.2"]).await,
        Resp::Array(None)
    );
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(190), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert_eq!(
        con.call(&["BLMPOP", "0.05", "1", "nokey", "LEFT"]).await,
        Resp::Array(None)
    );
    assert_eq!(server.state.blocking.blocked_clients(), 0);
    // 0 waits until a push, however long.
    let forever = spawn_call(&server, &["BRPOP", "k", "0"]).await;
    wait_blocked(&server, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!forever.is_finished());
    assert_eq!(con.call(&["RPUSH", "k", "v"]).await, Resp::Int(1));
    assert_eq!(forever.await.unwrap(), bulks(&["k", "v"]));
    assert_eq!(
        con.call(&["BLPOP", "k", "-1"]).await,
        Resp::Error("ERR timeout is negative".into())
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_and_kill_remove_waiters() {
    let server = common::start().await;
    // A client that disconnects while blocked.
    let mut gone = Raw::connect(&server).await;
    gone.send(b"BLPOP k 0\r\n").await;
    wait_blocked(&server, 1).await;
    drop(gone);
    wait_blocked(&server, 0).await;
    // A client killed while blocked.
    let mut killed = RespClient::connect(&server).await;
    let id = match killed.call(&["CLIENT", "ID"]).await {
        Resp::Int(id) => id,
        other => panic!("{other:?}"),
    };
    let task = tokio::spawn(async move { killed.call(&["BLPOP", "k", "0"]).await });
    wait_blocked(&server, 1).await;
    let mut admin = RespClient::connect(&server).await;
    let list = admin.call(&["CLIENT", "LIST"]).await;
    let Resp::Bulk(Some(list)) = list else {
        panic!("{list:?}")
    };
    let list = String::from_utf8(list).unwrap();
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("id={id} ")) && l.contains(" flags=b ")),
        "{list}"
    );
    assert_eq!(
        admin.call(&["CLIENT", "KILL", "ID", &id.to_string()]).await,
        Resp::Int(1)
    );
    wait_blocked(&server, 0).await;
    assert!(task.await.is_err(), "the killed client got no reply");
    // The element pushed afterwards stays.
    assert_eq!(admin.call(&["RPUSH", "k", "v"]).await, Resp::Int(1));
    assert_eq!(admin.call(&["LRANGE", "k", "0", "-1"]).await, bulks(&["v"]));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_client_flooding_its_query_buffer_is_closed() {
    let server = common::start_with(memorabilia::config::Config {
        client_query_buffer_limit: 1024 * 1024,
        ..Default::default()
    })
    .await;
    let mut flooder = Raw::connect(&server).await;
    flooder.send(b"BLPOP k 0\r\n").await;
    wait_blocked(&server, 1).await;
    // An unfinished argument bigger than the limit, sent while blocked.
    flooder.send(b"*1\r\n$4000000\r\n").await;
    flooder.send(&vec![b'x'; 1_100_000]).await;
    flooder.expect_closed().await;
    wait_blocked(&server, 0).await;
    let mut other = RespClient::connect(&server).await;
    assert_eq!(other.call(&["RPUSH", "k", "v"]).await, Resp::Int(1));
    assert_eq!(other.call(&["LLEN", "k"]).await, Resp::Int(1));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_unblock_timeout_and_error() {
    let server = common::start().await;
    for (mode, expected) in [
        ("TIMEOUT", Resp::Array(None)),
        (
            "ERROR",
            Resp::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK".into()),
        ),
    ] {
        let mut blocked = RespClient::connect(&server).await;
        let Resp::Int(id) = blocked.call(&["CLIENT", "ID"]).await else {
            panic!("CLIENT ID")
        };
        let task = tokio::spawn(async move {
            let reply = blocked
                .call(&["BLMOVE", "a", "b", "LEFT", "LEFT", "0"])
                .await;
            // The connection goes on working afterwards.
            (reply, blocked.call(&["PING"]).await)
        });
        wait_blocked(&server, 1).await;
        let mut admin = RespClient::connect(&server).await;
        let info = admin.call(&["INFO", "clients"]).await;
        let Resp::Bulk(Some(info)) = info else {
            panic!("{info:?}")
        };
        assert!(String::from_utf8_lossy(&info).contains("blocked_clients:1\r\n"));
        let id = id.to_string();
        assert_eq!(
            admin.call(&["CLIENT", "UNBLOCK", &id, mode]).await,
            Resp::Int(1)
        );
        let (reply, pong) = task.await.unwrap();
        assert_eq!(reply, expected);
        assert_eq!(pong, Resp::Simple("PONG".into()));
        assert_eq!(admin.call(&["CLIENT", "UNBLOCK", &id]).await, Resp::Int(0));
    }
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_client_stalls_nobody_and_its_pipeline_waits() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    // Pipelined after the BLPOP: must run only once it is served.
    raw.send(b"BLPOP k 0\r\nRPUSH after x\r\n").await;
    wait_blocked(&server, 1).await;
    let mut other = RespClient::connect(&server).await;
    for i in 0..50 {
        let key = format!("s{i}");
        assert_eq!(
            other.call(&["SET", &key, "v"]).await,
            Resp::Simple("OK".into())
        );
    }
    assert_eq!(other.call(&["EXISTS", "after"]).await, Resp::Int(0));
    assert_eq!(other.call(&["RPUSH", "k", "v"]).await, Resp::Int(1));
    raw.expect(b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n:1\r\n").await;
    assert_eq!(
        other.call(&["LRANGE", "after", "0", "-1"]).await,
        bulks(&["x"])
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_in_resp3_gives_the_resp3_null() {
    let server = common::start().await;
    let client = common::client(&server, 3);
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let reply: Value = redis::cmd("BLPOP")
        .arg("nokey")
        .arg(0.01)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(reply, Value::Nil);
    let _: () = con.rpush("k", "v").await.unwrap();
    let reply: Value = redis::cmd("BLPOP")
        .arg("k")
        .arg(0)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(
        reply,
        Value::Array(vec![
            Value::BulkString(b"k".to_vec()),
            Value::BulkString(b"v".to_vec())
        ])
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stress_every_pushed_element_is_received_once() {
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
                let mut argv = vec![if c % 2 == 0 { "BLPOP" } else { "BRPOP" }];
                argv.extend(keys);
                argv.push("1");
                match con.call(&argv).await {
                    Resp::Array(Some(items)) => {
                        let Resp::Bulk(Some(item)) = &items[1] else {
                            panic!("{items:?}")
                        };
                        let item = String::from_utf8(item.clone()).unwrap();
                        if item == "stop" {
                            return;
                        }
                        sender.send(item).unwrap();
                    }
                    Resp::Array(None) => {}
                    other => panic!("{other:?}"),
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
                let item = format!("{p}-{i}");
                let cmd = if i % 2 == 0 { "LPUSH" } else { "RPUSH" };
                let Resp::Int(_) = con.call(&[cmd, key, &item]).await else {
                    panic!("push failed")
                };
            }
        }));
    }
    for p in producers {
        p.await.unwrap();
    }
    let mut seen = HashSet::new();
    while seen.len() < total {
        let item = tokio::time::timeout(Duration::from_secs(10), receiver.recv())
            .await
            .expect("elements keep arriving")
            .expect("consumers alive");
        assert!(seen.insert(item.clone()), "{item} received twice");
    }
    let mut con = RespClient::connect(&server).await;
    let stops: Vec<&str> = std::iter::repeat_n("stop", CONSUMERS).collect();
    let mut argv = vec!["RPUSH", "s1"];
    argv.extend(stops);
    con.call(&argv).await;
    for c in consumers {
        c.await.unwrap();
    }
    assert!(receiver.recv().await.is_none());
    assert_eq!(con.call(&["EXISTS", "s1", "s2", "s3"]).await, Resp::Int(0));
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_moves_never_lose_or_duplicate() {
    let server = common::start().await;
    const ITEMS: usize = 50;
    let mut setup = RespClient::connect(&server).await;
    let items: Vec<String> = (0..ITEMS).map(|i| format!("e{i}")).collect();
    let mut argv = vec!["RPUSH".to_string(), "left".to_string()];
    argv.extend(items.iter().cloned());
    setup.call(&argv).await;
    let mut workers = Vec::new();
    for w in 0..8 {
        let mut con = RespClient::connect(&server).await;
        workers.push(tokio::spawn(async move {
            for i in 0..300 {
                let (src, dst) = if (w + i) % 2 == 0 {
                    ("left", "right")
                } else {
                    ("right", "left")
                };
                let reply = if i % 3 == 0 {
                    con.call(&["RPOPLPUSH", src, dst]).await
                } else {
                    con.call(&["LMOVE", src, dst, "LEFT", "RIGHT"]).await
                };
                assert!(matches!(reply, Resp::Bulk(_)), "{reply:?}");
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let mut all = Vec::new();
    for key in ["left", "right"] {
        let Resp::Array(Some(found)) = setup.call(&["LRANGE", key, "0", "-1"]).await else {
            panic!("LRANGE")
        };
        all.extend(found);
    }
    let mut all: Vec<Vec<u8>> = all
        .into_iter()
        .map(|r| match r {
            Resp::Bulk(Some(b)) => b,
            other => panic!("{other:?}"),
        })
        .collect();
    all.sort();
    let mut expected: Vec<Vec<u8>> = items.into_iter().map(String::into_bytes).collect();
    expected.sort();
    assert_eq!(all, expected, "every element exactly once");
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_and_copy_of_a_list_serve_waiters() {
    let server = common::start().await;
    let renamed = spawn_call(&server, &["BLPOP", "k", "0"]).await;
    wait_blocked(&server, 1).await;
    let copied = spawn_call(&server, &["BRPOP", "k2", "0"]).await;
    wait_blocked(&server, 2).await;
    let mut con = RespClient::connect(&server).await;
    assert_eq!(con.call(&["RPUSH", "src", "a", "b"]).await, Resp::Int(2));
    assert_eq!(con.call(&["COPY", "src", "k2"]).await, Resp::Int(1));
    assert_eq!(copied.await.unwrap(), bulks(&["k2", "b"]));
    assert_eq!(
        con.call(&["RENAME", "src", "k"]).await,
        Resp::Simple("OK".into())
    );
    assert_eq!(renamed.await.unwrap(), bulks(&["k", "a"]));
    assert_eq!(con.call(&["LRANGE", "k", "0", "-1"]).await, bulks(&["b"]));
    // A string under a waited name serves nobody (the waiter stays blocked, as in Redis).
    let waiting = spawn_call(&server, &["BLPOP", "w", "0.3"]).await;
    wait_blocked(&server, 1).await;
    con.call(&["SET", "str", "v"]).await;
    con.call(&["RENAME", "str", "w"]).await;
    assert_eq!(waiting.await.unwrap(), Resp::Array(None));
    server.shutdown();
    server.wait().await;
}
