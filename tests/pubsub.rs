//! Pub/sub over real sockets: delivery order and completeness under concurrent publishers,
//! a subscriber that stops reading being cut off at its output limit while everyone else
//! keeps being served, cleanup of a subscriber's registrations when it goes, messages
//! reaching a RESP3 subscriber while it is blocked, and the gRPC front end (which cannot
//! subscribe, but publishes to RESP subscribers).

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{Raw, Resp, RespClient};
use memorabilia::grpc::proto::{self, reply::Kind};

fn bulk(s: &str) -> Resp {
    Resp::Bulk(Some(s.as_bytes().to_vec()))
}

fn message(channel: &str, payload: &str) -> Resp {
    Resp::Array(Some(vec![bulk("message"), bulk(channel), bulk(payload)]))
}

fn confirmation(word: &str, name: &str, count: i64) -> Resp {
    Resp::Array(Some(vec![bulk(word), bulk(name), Resp::Int(count)]))
}

/// Polls `done` every 10 ms for up to 5 s.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn numsub(client: &mut RespClient, channel: &str) -> i64 {
    match client.call(&["PUBSUB", "NUMSUB", channel]).await {
        Resp::Array(Some(items)) => match items[1] {
            Resp::Int(n) => n,
            ref other => panic!("NUMSUB count {other:?}"),
        },
        other => panic!("NUMSUB reply {other:?}"),
    }
}

async fn int(client: &mut RespClient, argv: &[&str]) -> i64 {
    match client.call(argv).await {
        Resp::Int(n) => n,
        other => panic!("{argv:?}: expected an integer, got {other:?}"),
    }
}

const PUBLISHERS: usize = 4;
const PER_PUBLISHER: usize = 2000;

/// Publishers on several threads: each subscriber gets every message, each publisher's in
/// the order it published them, and all subscribers (through a channel or a pattern) see
/// the same order, as on Redis's single thread. Fails on a server that drops a message
/// under contention, reorders one publisher's messages, or lets two publications
/// interleave differently for different subscribers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_message_arrives_in_one_order_for_all_subscribers() {
    let server = common::start().await;
    let mut by_channel = RespClient::connect(&server).await;
    assert_eq!(
        by_channel.call(&["SUBSCRIBE", "news"]).await,
        confirmation("subscribe", "news", 1)
    );
    let mut by_pattern = RespClient::connect(&server).await;
    assert_eq!(
        by_pattern.call(&["PSUBSCRIBE", "ne*"]).await,
        confirmation("psubscribe", "ne*", 1)
    );
    let mut publishers = Vec::new();
    for p in 0..PUBLISHERS {
        let mut client = RespClient::connect(&server).await;
        publishers.push(tokio::spawn(async move {
            for n in 0..PER_PUBLISHER {
                let payload = format!("{p}:{n}");
                assert_eq!(int(&mut client, &["PUBLISH", "news", &payload]).await, 2);
            }
        }));
    }
    let channel_order = tokio::spawn(async move { payloads(&mut by_channel, 2).await });
    let pattern_order = payloads(&mut by_pattern, 3).await;
    let channel_order = channel_order.await.unwrap();
    for publisher in publishers {
        publisher.await.unwrap();
    }
    let mut next = [0usize; PUBLISHERS];
    for text in &channel_order {
        let (p, n) = text.split_once(':').unwrap();
        let (p, n): (usize, usize) = (p.parse().unwrap(), n.parse().unwrap());
        assert_eq!(n, next[p], "publisher {p}'s messages out of order");
        next[p] += 1;
    }
    assert_eq!(next, [PER_PUBLISHER; PUBLISHERS]);
    assert!(
        channel_order == pattern_order,
        "the channel and the pattern subscriber saw different orders"
    );
}

/// The payloads of the next `PUBLISHERS * PER_PUBLISHER` messages, whose payload is the
/// frame's item `payload_at`.
async fn payloads(subscriber: &mut RespClient, payload_at: usize) -> Vec<String> {
    let mut seen = Vec::with_capacity(PUBLISHERS * PER_PUBLISHER);
    for _ in 0..PUBLISHERS * PER_PUBLISHER {
        let Resp::Array(Some(items)) = subscriber.receive().await else {
            panic!("not a message");
        };
        let Resp::Bulk(Some(payload)) = &items[payload_at] else {
            panic!("no payload");
        };
        seen.push(String::from_utf8(payload.clone()).unwrap());
    }
    seen
}

/// Messages [`flood`] publishes, 4 KB each: 32 MB in all, far past the limit
/// [`small_pubsub_limit`] sets plus what socket buffers and HTTP/2 flow control hold.
const MESSAGES: usize = 8000;

/// Sets a pub/sub client's output limit to a 256 KB hard limit; returns the admin client.
async fn small_pubsub_limit(server: &memorabilia::server::RunningServer) -> RespClient {
    let mut admin = RespClient::connect(server).await;
    assert_eq!(
        admin
            .call(&[
                "CONFIG",
                "SET",
                "client-output-buffer-limit",
                "pubsub 256kb 0 0"
            ])
            .await,
        Resp::Simple("OK".into())
    );
    admin
}

/// Publishes [`MESSAGES`] messages to `channel`; returns the deliveries PUBLISH reported.
async fn flood(server: &memorabilia::server::RunningServer, channel: &str) -> i64 {
    let payload = "x".repeat(4096);
    let mut publisher = RespClient::connect(server).await;
    let mut delivered = 0;
    for _ in 0..MESSAGES {
        delivered += int(&mut publisher, &["PUBLISH", channel, &payload]).await;
    }
    delivered
}

/// A subscriber that never reads is closed once its undelivered output passes the hard
/// limit, as Redis does, and nothing else is disturbed: the publisher keeps publishing, a
/// subscriber that reads gets everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_stops_reading_is_closed_at_its_hard_limit() {
    let server = common::start().await;
    let mut admin = small_pubsub_limit(&server).await;
    let mut stalled = Raw::connect(&server).await;
    stalled.send(b"SUBSCRIBE feed\r\n").await;
    stalled
        .expect(b"*3\r\n$9\r\nsubscribe\r\n$4\r\nfeed\r\n:1\r\n")
        .await;
    let mut reader = RespClient::connect(&server).await;
    assert_eq!(
        reader.call(&["SUBSCRIBE", "feed"]).await,
        confirmation("subscribe", "feed", 1)
    );
    let drained = tokio::spawn(async move {
        for _ in 0..MESSAGES {
            match reader.receive().await {
                Resp::Array(Some(items)) => assert_eq!(items[0], bulk("message")),
                other => panic!("reader got {other:?}"),
            }
        }
    });
    let delivered = flood(&server, "feed").await;
    drained.await.unwrap();
    // The stalled subscriber counted until it was cut off, the reader throughout.
    assert!(
        delivered < 2 * MESSAGES as i64,
        "the stalled subscriber was never cut off"
    );
    eventually("the stalled subscriber to go", async || {
        numsub(&mut admin, "feed").await == 0
    })
    .await;
    assert_eq!(
        admin.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).await,
        Resp::Bulk(Some(Vec::new()))
    );
    // What it had not read is not kept for it: the connection ends after what the kernel
    // buffered.
    let mut sink = vec![0u8; 1 << 20];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        use tokio::io::AsyncReadExt;
        loop {
            match stalled.stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the stalled subscriber was not disconnected"
    );
}

/// Subscribers that disconnect, however many subscriptions they held, leave none behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_that_disconnect_leave_no_subscription_behind() {
    let server = common::start().await;
    let mut admin = RespClient::connect(&server).await;
    let mut subscribers = Vec::new();
    for i in 0..50 {
        let mut c = RespClient::connect(&server).await;
        assert_eq!(
            c.call(&["SUBSCRIBE", "shared"]).await,
            confirmation("subscribe", "shared", 1)
        );
        let own = format!("own:{i}");
        assert_eq!(
            c.call(&["PSUBSCRIBE", &own]).await,
            confirmation("psubscribe", &own, 2)
        );
        assert_eq!(
            c.call(&["SSUBSCRIBE", "shard"]).await,
            confirmation("ssubscribe", "shard", 1)
        );
        subscribers.push(c);
    }
    assert_eq!(numsub(&mut admin, "shared").await, 50);
    assert_eq!(int(&mut admin, &["PUBSUB", "NUMPAT"]).await, 50);
    assert_eq!(int(&mut admin, &["PUBLISH", "shared", "m"]).await, 50);
    assert_eq!(int(&mut admin, &["SPUBLISH", "shard", "m"]).await, 50);
    drop(subscribers);
    eventually("every subscription to go", async || {
        numsub(&mut admin, "shared").await == 0 && int(&mut admin, &["PUBSUB", "NUMPAT"]).await == 0
    })
    .await;
    let Resp::Bulk(Some(info)) = admin.call(&["INFO", "stats"]).await else {
        panic!("INFO is a bulk string");
    };
    let info = String::from_utf8(info).unwrap();
    for line in [
        "pubsub_channels:0",
        "pubsub_patterns:0",
        "pubsubshard_channels:0",
    ] {
        assert!(info.contains(line), "{line} missing from {info}");
    }
}

/// A RESP3 client may subscribe and keep running commands; messages reach it while one of
/// them is blocked, and its own PUBLISH's message comes before PUBLISH's reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resp3_subscriber_gets_messages_while_blocked() {
    let server = common::start().await;
    let mut sub = Raw::connect(&server).await;
    sub.send(b"HELLO 3\r\nPING\r\n").await;
    while sub.read_line().await != "+PONG" {}
    sub.send(b"SUBSCRIBE ch\r\nBLPOP jobs 0\r\n").await;
    sub.expect(b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
        .await;
    let mut other = RespClient::connect(&server).await;
    eventually("the BLPOP to block", async || {
        let Resp::Bulk(Some(list)) = other.call(&["CLIENT", "LIST"]).await else {
            return false;
        };
        String::from_utf8_lossy(&list).contains("flags=Pb")
    })
    .await;
    assert_eq!(
        int(&mut other, &["PUBLISH", "ch", "while-blocked"]).await,
        1
    );
    sub.expect(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$13\r\nwhile-blocked\r\n")
        .await;
    assert_eq!(int(&mut other, &["RPUSH", "jobs", "j1"]).await, 1);
    sub.expect(b"*2\r\n$4\r\njobs\r\n$2\r\nj1\r\n").await;
    sub.send(b"PUBLISH ch self\r\n").await;
    sub.expect(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nself\r\n:1\r\n")
        .await;
}

/// gRPC calls expect one reply per command, so they cannot subscribe (Redis's answer to
/// such clients); what they publish reaches RESP subscribers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_publishes_to_resp_subscribers_and_cannot_subscribe() {
    let server = common::start().await;
    let mut grpc = common::grpc(&server).await;
    let command = |words: &[&str]| proto::Command {
        args: words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect(),
        db: 0,
    };
    let reply = grpc
        .execute(command(&["SUBSCRIBE", "ch"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        reply.kind,
        Some(Kind::Error(proto::ErrorDetail {
            code: "ERR".into(),
            message: "ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client".into(),
        }))
    );
    let mut sub = RespClient::connect(&server).await;
    assert_eq!(
        sub.call(&["SUBSCRIBE", "ch"]).await,
        confirmation("subscribe", "ch", 1)
    );
    let reply = grpc
        .execute(command(&["PUBLISH", "ch", "from-grpc"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reply.kind, Some(Kind::Integer(1)));
    assert_eq!(sub.receive().await, message("ch", "from-grpc"));
}

fn subscribed(kind: proto::SubscriptionKind, name: &str, count: i64) -> proto::SubscribeEvent {
    proto::SubscribeEvent {
        event: Some(proto::subscribe_event::Event::Subscribed(
            proto::Subscribed {
                kind: kind as i32,
                name: Bytes::copy_from_slice(name.as_bytes()),
                count,
            },
        )),
    }
}

fn published(channel: &str, payload: &str, pattern: &str, shard: bool) -> proto::SubscribeEvent {
    proto::SubscribeEvent {
        event: Some(proto::subscribe_event::Event::Message(
            proto::PublishedMessage {
                channel: Bytes::copy_from_slice(channel.as_bytes()),
                payload: Bytes::copy_from_slice(payload.as_bytes()),
                pattern: Bytes::copy_from_slice(pattern.as_bytes()),
                shard,
            },
        )),
    }
}

async fn next_event(
    stream: &mut tonic::Streaming<proto::SubscribeEvent>,
) -> std::result::Result<proto::SubscribeEvent, tonic::Status> {
    tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("an event in time")
        .map(|event| event.expect("the stream goes on"))
}

/// The `Subscribe` stream confirms each name in order, then carries what RESP and gRPC
/// publishers send, through channels, patterns and shard channels; the subscriber is a
/// listed pubsub client until the call is cancelled, and then leaves nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_subscribers_get_what_both_front_ends_publish() {
    use proto::SubscriptionKind::{Channel, Pattern, ShardChannel};
    let server = common::start().await;
    let mut grpc = common::grpc(&server).await;
    let b = |s: &str| Bytes::copy_from_slice(s.as_bytes());
    let mut stream = grpc
        .subscribe(proto::SubscribeRequest {
            channels: vec![b("news"), b("sport")],
            patterns: vec![b("n*")],
            shard_channels: vec![b("s1")],
        })
        .await
        .unwrap()
        .into_inner();
    for expected in [
        subscribed(Channel, "news", 1),
        subscribed(Channel, "sport", 2),
        subscribed(Pattern, "n*", 3),
        subscribed(ShardChannel, "s1", 1),
    ] {
        assert_eq!(next_event(&mut stream).await.unwrap(), expected);
    }
    let mut resp = RespClient::connect(&server).await;
    let Resp::Bulk(Some(list)) = resp.call(&["CLIENT", "LIST", "TYPE", "pubsub"]).await else {
        panic!("CLIENT LIST is a bulk string");
    };
    assert!(
        String::from_utf8_lossy(&list).contains("flags=P db=0 sub=2 psub=1 ssub=1"),
        "{}",
        String::from_utf8_lossy(&list)
    );
    // Through the channel and the pattern: two deliveries, channel first.
    assert_eq!(int(&mut resp, &["PUBLISH", "news", "n1"]).await, 2);
    let receivers = grpc
        .publish(proto::PublishRequest {
            channel: b("sport"),
            message: b("s1"),
            shard: false,
        })
        .await
        .unwrap()
        .into_inner()
        .receivers;
    assert_eq!(receivers, 1);
    assert_eq!(int(&mut resp, &["SPUBLISH", "s1", "sharded"]).await, 1);
    for expected in [
        published("news", "n1", "", false),
        published("news", "n1", "n*", false),
        published("sport", "s1", "", false),
        published("s1", "sharded", "", true),
    ] {
        assert_eq!(next_event(&mut stream).await.unwrap(), expected);
    }
    drop(stream);
    eventually("the cancelled subscriber to go", async || {
        numsub(&mut resp, "news").await == 0 && int(&mut resp, &["PUBSUB", "NUMPAT"]).await == 0
    })
    .await;
    // A request with nothing to subscribe to is refused.
    let status = grpc
        .subscribe(proto::SubscribeRequest::default())
        .await
        .expect_err("nothing to subscribe to");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
}

/// `CLIENT KILL TYPE pubsub` ends a gRPC subscriber's stream with ABORTED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_kill_ends_a_grpc_subscription() {
    let server = common::start().await;
    let mut grpc = common::grpc(&server).await;
    let mut stream = grpc
        .subscribe(proto::SubscribeRequest {
            channels: vec![Bytes::from_static(b"c")],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    next_event(&mut stream).await.unwrap();
    let mut resp = RespClient::connect(&server).await;
    assert_eq!(
        int(&mut resp, &["CLIENT", "KILL", "TYPE", "pubsub"]).await,
        1
    );
    let status = next_event(&mut stream).await.expect_err("the stream ends");
    assert_eq!(status.code(), tonic::Code::Aborted);
    eventually("the killed subscriber to go", async || {
        numsub(&mut resp, "c").await == 0
    })
    .await;
}

/// A gRPC subscriber that stops reading is cut off at its output limit like a RESP one:
/// it stops counting as a receiver, and when it reads again it gets what HTTP/2 had
/// buffered, then RESOURCE_EXHAUSTED instead of the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_subscriber_that_stops_reading_ends_with_resource_exhausted() {
    let server = common::start().await;
    let mut admin = small_pubsub_limit(&server).await;
    let mut grpc = common::grpc(&server).await;
    let mut stream = grpc
        .subscribe(proto::SubscribeRequest {
            channels: vec![Bytes::from_static(b"feed")],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    next_event(&mut stream).await.unwrap();
    let delivered = flood(&server, "feed").await;
    assert!(
        delivered < MESSAGES as i64,
        "the stalled subscriber was never cut off"
    );
    eventually("the stalled subscriber to go", async || {
        numsub(&mut admin, "feed").await == 0
    })
    .await;
    let mut received = 0;
    let status = loop {
        match next_event(&mut stream).await {
            Ok(_) => received += 1,
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(received < MESSAGES, "nothing was dropped");
}

async fn next_change(
    stream: &mut tonic::Streaming<proto::WatchEvent>,
) -> std::result::Result<proto::WatchEvent, tonic::Status> {
    tokio::time::timeout(Duration::from_secs(5), stream.message())
        .await
        .expect("an event in time")
        .map(|event| event.expect("the stream goes on"))
}

fn key_change(key: &str, event: &str, kind: &str, value: Option<&str>) -> proto::WatchEvent {
    proto::WatchEvent {
        event: Some(proto::watch_event::Event::Change(proto::KeyChange {
            db: 0,
            key: Bytes::copy_from_slice(key.as_bytes()),
            event: event.into(),
            r#type: kind.into(),
            value: value.map(|v| Bytes::copy_from_slice(v.as_bytes())),
        })),
    }
}

/// A gRPC `Watch` reports what RESP clients change, in their order; a watcher that stops
/// reading is cut off at the pub/sub output limit with RESOURCE_EXHAUSTED while writers
/// keep writing, and leaves no feed behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_watcher_sees_resp_changes_and_is_bounded_when_it_stops_reading() {
    let server = common::start().await;
    let mut admin = small_pubsub_limit(&server).await;
    let mut grpc = common::grpc(&server).await;
    let mut stream = grpc
        .watch(proto::WatchRequest {
            prefix: Bytes::from_static(b"w:"),
            with_values: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let started = next_change(&mut stream).await.unwrap();
    assert!(matches!(
        started.event,
        Some(proto::watch_event::Event::Started(_))
    ));
    let mut writer = RespClient::connect(&server).await;
    writer.call(&["SET", "w:a", "1"]).await;
    writer.call(&["SET", "other", "1"]).await;
    writer.call(&["HSET", "w:h", "f", "v"]).await;
    writer.call(&["DEL", "w:a"]).await;
    assert_eq!(
        next_change(&mut stream).await.unwrap(),
        key_change("w:a", "set", "string", Some("1"))
    );
    assert_eq!(
        next_change(&mut stream).await.unwrap(),
        key_change("w:h", "hset", "hash", None)
    );
    assert_eq!(
        next_change(&mut stream).await.unwrap(),
        key_change("w:a", "del", "none", None)
    );
    // Now stop reading: 8000 changes of 4 KB values each pass the 256 KB limit.
    let payload = "x".repeat(4096);
    for i in 0..MESSAGES {
        let reply = writer
            .call(&["SET", &format!("w:{}", i % 16), &payload])
            .await;
        assert_eq!(reply, Resp::Simple("OK".into()));
    }
    let mut received = 0;
    let status = loop {
        match next_change(&mut stream).await {
            Ok(_) => received += 1,
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(received < MESSAGES, "nothing was dropped");
    // The watcher is gone from the client list: only the admin and the writer remain.
    eventually("the cut-off watcher to go", async || {
        let listing = admin.call(&["CLIENT", "LIST"]).await;
        let Resp::Bulk(Some(text)) = listing else {
            panic!("{listing:?}")
        };
        String::from_utf8_lossy(&text).lines().count() == 2
    })
    .await;
}
