//! The RESP front end over real TCP: the `redis` crate in RESP2 and RESP3, pipelining,
//! inline commands, partial reads, protocol errors and limits.

mod common;

use std::time::Duration;

use common::Raw;
use redis::{AsyncCommands, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strings_and_keys_in_both_protocols() {
    let server = common::start().await;
    for protocol in [2u8, 3] {
        let mut con = common::connection(&server, protocol).await;
        let key = format!("k{protocol}");
        let _: () = con.set(&key, "v").await.unwrap();
        let v: Option<String> = con.get(&key).await.unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        let missing: Option<String> = con.get("nope").await.unwrap();
        assert_eq!(missing, None);
        let n: i64 = con.incr("counter", 5).await.unwrap();
        assert_eq!(n, if protocol == 2 { 5 } else { 10 });
        let ok: bool = con.expire(&key, 100).await.unwrap();
        assert!(ok);
        let ttl: i64 = con.ttl(&key).await.unwrap();
        assert!((99..=100).contains(&ttl));
        let deleted: i64 = con.del(&key).await.unwrap();
        assert_eq!(deleted, 1);
        let t: String = redis::cmd("TYPE")
            .arg("counter")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(t, "string");
    }
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_switches_protocol_and_reply_shapes() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"HELLO 4\r\n").await;
    raw.expect(b"-NOPROTO unsupported protocol version\r\n")
        .await;
    raw.send(b"GET nokey\r\n").await;
    raw.expect(b"$-1\r\n").await;
    raw.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n").await;
    // The HELLO reply is a map in RESP3; read its header only.
    raw.expect(b"%7\r\n").await;
    let mut con = common::connection(&server, 3).await;
    let reply: Value = redis::cmd("HELLO")
        .arg(3)
        .query_async(&mut con)
        .await
        .unwrap();
    let Value::Map(fields) = reply else {
        panic!("HELLO 3 must reply a map: {reply:?}")
    };
    let proto = fields
        .iter()
        .find(|(k, _)| matches!(k, Value::BulkString(b) if b == b"proto"))
        .map(|(_, v)| v.clone());
    assert_eq!(proto, Some(Value::Int(3)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_batch_gets_every_reply_in_order() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    let mut batch = Vec::new();
    let mut expected = Vec::new();
    for i in 0..1000 {
        batch.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n$4\r\nk{i:03}\r\n$1\r\nx\r\n").as_bytes(),
        );
        batch.extend_from_slice(b"INCR ctr\r\n");
        expected.extend_from_slice(b"+OK\r\n");
        expected.extend_from_slice(format!(":{}\r\n", i + 1).as_bytes());
    }
    raw.send(&batch).await;
    raw.expect(&expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_split_across_reads_byte_by_byte() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    let request = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nhello\r\nECHO \"in line\"\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
    for byte in request.iter() {
        raw.send(std::slice::from_ref(byte)).await;
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    raw.expect(b"+OK\r\n$7\r\nin line\r\n$5\r\nhello\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_values_round_trip() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let big: Vec<u8> = (0..20_000_000u32).map(|i| (i % 251) as u8).collect();
    let _: () = con.set("big", big.as_slice()).await.unwrap();
    let back: Vec<u8> = con.get("big").await.unwrap();
    assert!(back == big);
    let len: i64 = con.strlen("big").await.unwrap();
    assert_eq!(len, 20_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_reply_then_close_while_others_keep_working() {
    let server = common::start().await;
    let mut other = common::connection(&server, 2).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"PING\r\n*1\r\n$abc\r\n").await;
    raw.expect(b"+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")
        .await;
    raw.expect_closed().await;

    let mut raw = Raw::connect(&server).await;
    raw.send(b"*1\r\nPING\r\n").await;
    raw.expect(b"-ERR Protocol error: expected '$', got 'P'\r\n")
        .await;
    raw.expect_closed().await;

    let mut raw = Raw::connect(&server).await;
    raw.send(b"SET a \"unbalanced\r\n").await;
    raw.expect(b"-ERR Protocol error: unbalanced quotes in request\r\n")
        .await;
    raw.expect_closed().await;

    let pong: String = redis::cmd("PING").query_async(&mut other).await.unwrap();
    assert_eq!(pong, "PONG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_and_query_buffer_limits_follow_config() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("proto-max-bulk-len")
        .arg("1mb")
        .query_async(&mut con)
        .await
        .unwrap();
    let mut raw = Raw::connect(&server).await;
    raw.send(b"*2\r\n$4\r\nECHO\r\n$1048577\r\n").await;
    raw.expect(b"-ERR Protocol error: invalid bulk length\r\n")
        .await;
    raw.expect_closed().await;

    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("client-query-buffer-limit")
        .arg("1mb")
        .query_async(&mut con)
        .await
        .unwrap();
    // A bulk within proto-max-bulk-len but a query buffer beyond the limit: Redis closes
    // the client without a reply.
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("proto-max-bulk-len")
        .arg("100mb")
        .query_async(&mut con)
        .await
        .unwrap();
    let mut raw = Raw::connect(&server).await;
    raw.send(b"*2\r\n$4\r\nECHO\r\n$5000000\r\n").await;
    let chunk = vec![b'x'; 64 * 1024];
    let mut sent_ok = true;
    for _ in 0..40 {
        if tokio::io::AsyncWriteExt::write_all(&mut raw.stream, &chunk)
            .await
            .is_err()
        {
            sent_ok = false;
            break;
        }
    }
    if sent_ok {
        raw.expect_closed().await;
    }
    let pong: String = redis::cmd("PING").query_async(&mut con).await.unwrap();
    assert_eq!(pong, "PONG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quit_replies_then_closes() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"QUIT\r\nPING\r\n").await;
    raw.expect(b"+OK\r\n").await;
    raw.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_closes_the_victim() {
    let server = common::start().await;
    let mut victim = Raw::connect(&server).await;
    victim.send(b"CLIENT ID\r\n").await;
    let id = victim.read_line().await[1..].to_string();
    let mut con = common::connection(&server, 2).await;
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(&id)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(killed, 1);
    victim.expect_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_command_stops_the_server() {
    let server = common::start().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"SHUTDOWN NOSAVE\r\n").await;
    raw.expect_closed().await;
    tokio::time::timeout(Duration::from_secs(5), server.wait())
        .await
        .expect("server stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_expiry_reclaims_unread_keys() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    for i in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("tmp{i}"))
            .arg("v")
            .arg("PX")
            .arg(30)
            .query_async(&mut con)
            .await
            .unwrap();
    }
    let _: () = con.set("keep", "v").await.unwrap();
    // Nobody reads the keys again; the background cycle must reclaim them.
    let mut size = 0;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        size = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
        if size == 1 {
            break;
        }
    }
    assert_eq!(size, 1);
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(info.contains("expired_keys:200"), "{info}");
}
