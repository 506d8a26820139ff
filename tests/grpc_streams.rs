//! The typed stream RPCs: XAdd / XRange / XRead / XAck against RESP's view of the same
//! streams, errors as statuses, a blocked XRead served by a RESP XADD, and XFollow: a
//! follower sees every entry once and in order, and a group consumer over gRPC shares a
//! group with RESP consumers and acknowledges what it was given.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use memorabilia::grpc::proto::{self, memorabilia_client::MemorabiliaClient};
use memorabilia::server::RunningServer;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::Channel;

type Client = MemorabiliaClient<Channel>;

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn field(f: &str, v: &str) -> proto::StreamField {
    proto::StreamField {
        field: b(f),
        value: b(v),
    }
}

async fn wait_blocked(server: &RunningServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.state.blocking.blocked_clients() != n {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn add(c: &mut Client, key: &str, id: &str, value: &str) -> Option<String> {
    c.x_add(proto::XAddRequest {
        key: b(key),
        id: id.into(),
        fields: vec![field("v", value)],
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_stream_rpcs_match_the_commands() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    let mut con = common::connection(&server, 2).await;
    assert_eq!(add(&mut c, "s", "1-1", "a").await.as_deref(), Some("1-1"));
    assert_eq!(add(&mut c, "s", "1-*", "b").await.as_deref(), Some("1-2"));
    let auto = add(&mut c, "s", "", "c").await.unwrap();
    assert!(auto.ends_with("-0"), "{auto}");
    // Trimming and NOMKSTREAM as XADD has them.
    let trimmed = c
        .x_add(proto::XAddRequest {
            key: b("s"),
            fields: vec![field("v", "d")],
            trim: Some(proto::StreamTrim {
                strategy: Some(proto::stream_trim::Strategy::MaxLen(2)),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(trimmed.into_inner().id.is_some());
    let len: i64 = redis::cmd("XLEN")
        .arg("s")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(len, 2);
    let none = c
        .x_add(proto::XAddRequest {
            key: b("missing"),
            fields: vec![field("v", "x")],
            no_mkstream: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(none.into_inner().id, None);
    // XRange both ways, with a count.
    let all = c
        .x_range(proto::XRangeRequest {
            key: b("s"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].fields, vec![field("v", "d")]);
    let last = c
        .x_range(proto::XRangeRequest {
            key: b("s"),
            reverse: true,
            count: Some(1),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert_eq!(last, all[1..]);
    // Errors are the commands' texts.
    let err = c
        .x_add(proto::XAddRequest {
            key: b("s"),
            id: "1-1".into(),
            fields: vec![field("v", "x")],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    );
    let _: () = redis::cmd("SET")
        .arg("str")
        .arg("x")
        .query_async(&mut con)
        .await
        .unwrap();
    let err = c
        .x_range(proto::XRangeRequest {
            key: b("str"),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let err = c
        .x_add(proto::XAddRequest {
            key: b("s"),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "ERR wrong number of arguments for 'xadd' command"
    );
    stop(server).await;
}

async fn stop(server: RunningServer) {
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_xread_is_served_by_a_resp_xadd() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    let mut con = common::connection(&server, 2).await;
    let mut reader = c.clone();
    let read = tokio::spawn(async move {
        reader
            .x_read(proto::XReadRequest {
                streams: vec![proto::XReadStream {
                    key: b("s"),
                    id: String::new(),
                }],
                block_ms: Some(0),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    });
    wait_blocked(&server, 1).await;
    let _: String = redis::cmd("XADD")
        .arg(&["s", "5-5", "k", "v"])
        .query_async(&mut con)
        .await
        .unwrap();
    let got = read.await.unwrap();
    assert_eq!(got.streams.len(), 1);
    assert_eq!(got.streams[0].entries[0].id, "5-5");
    // A timeout answers the empty response.
    let empty = c
        .x_read(proto::XReadRequest {
            streams: vec![proto::XReadStream {
                key: b("s"),
                id: "$".into(),
            }],
            block_ms: Some(20),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(empty.streams.is_empty());
    // A group read over gRPC shares the group with RESP and is acknowledged with XAck.
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "s", "g", "0"])
        .query_async(&mut con)
        .await
        .unwrap();
    let got = c
        .x_read(proto::XReadRequest {
            streams: vec![proto::XReadStream {
                key: b("s"),
                id: String::new(),
            }],
            group: Some(proto::XReadGroup {
                group: b("g"),
                consumer: b("grpc"),
                no_ack: false,
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.streams[0].entries[0].id, "5-5");
    let acked = c
        .x_ack(proto::XAckRequest {
            key: b("s"),
            group: b("g"),
            ids: vec!["5-5".into(), "9-9".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acked.acknowledged, 1);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn xfollow_sees_every_entry_once_in_order() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    add(&mut c, "log", "1-0", "before").await;
    let mut events = c
        .x_follow(proto::XFollowRequest {
            key: b("log"),
            count: 7,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    wait_blocked(&server, 1).await;
    let mut con = common::connection(&server, 2).await;
    const N: usize = 500;
    let writer = tokio::spawn(async move {
        for i in 0..N {
            let mut pipe = redis::pipe();
            pipe.cmd("XADD")
                .arg("log")
                .arg("*")
                .arg("n")
                .arg(i)
                .ignore();
            let _: () = pipe.query_async(&mut con).await.unwrap();
        }
    });
    let mut seen = Vec::new();
    while seen.len() < N {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event")
            .expect("the stream goes on")
            .unwrap();
        assert!(!event.entries.is_empty() && event.entries.len() <= 7);
        for e in event.entries {
            seen.push(String::from_utf8(e.fields[0].value.to_vec()).unwrap());
        }
    }
    writer.await.unwrap();
    let want: Vec<String> = (0..N).map(|i| i.to_string()).collect();
    assert_eq!(seen, want, "every entry after the start, once, in order");
    drop(events);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn xfollow_consumes_a_group_with_acknowledgement() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "jobs", "workers", "$", "MKSTREAM"])
        .query_async(&mut con)
        .await
        .unwrap();
    let group = proto::XReadGroup {
        group: b("workers"),
        consumer: b("grpc-worker"),
        no_ack: false,
    };
    let mut events = c
        .x_follow(proto::XFollowRequest {
            key: b("jobs"),
            group: Some(group.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    wait_blocked(&server, 1).await;
    for i in 0..20 {
        let _: String = redis::cmd("XADD")
            .arg("jobs")
            .arg(format!("{}-0", i + 1))
            .arg(&["job", "x"])
            .query_async(&mut con)
            .await
            .unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 20 {
        let event = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event")
            .unwrap()
            .unwrap();
        got.extend(event.entries.into_iter().map(|e| e.id));
    }
    let pending: Vec<redis::Value> = redis::cmd("XPENDING")
        .arg(&["jobs", "workers"])
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(pending[0], redis::Value::Int(20));
    let acked = c
        .x_ack(proto::XAckRequest {
            key: b("jobs"),
            group: b("workers"),
            ids: got.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(acked.acknowledged, 20);
    // A follower that starts from its history gets nothing pending now, then new entries.
    drop(events);
    wait_blocked(&server, 0).await;
    let mut again = c
        .x_follow(proto::XFollowRequest {
            key: b("jobs"),
            id: "0".into(),
            group: Some(group),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    wait_blocked(&server, 1).await;
    let _: String = redis::cmd("XADD")
        .arg(&["jobs", "99-0", "job", "y"])
        .query_async(&mut con)
        .await
        .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(10), again.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(event.entries[0].id, "99-0");
    // Destroying the group ends the stream with the command's error.
    let _: i64 = redis::cmd("XGROUP")
        .arg(&["DESTROY", "jobs", "workers"])
        .query_async(&mut con)
        .await
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(10), again.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(end.code(), Code::FailedPrecondition);
    assert!(end.message().starts_with("NOGROUP"), "{}", end.message());
    stop(server).await;
}
