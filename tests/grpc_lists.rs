//! The typed list RPCs and blocking over gRPC: values, absent vs empty, errors as statuses,
//! the blocking RPCs served by pushes from RESP, timeouts, deadlines and cancellation
//! removing waiters, and blocking commands through Execute, Batch and Pipeline.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use memorabilia::grpc::proto::{self, ListEnd, memorabilia_client::MemorabiliaClient, reply::Kind};
use memorabilia::server::RunningServer;
use redis::AsyncCommands;
use tonic::transport::Channel;
use tonic::{Code, Request};

type Client = MemorabiliaClient<Channel>;

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn bs(items: &[&str]) -> Vec<Bytes> {
    items.iter().map(|s| b(s)).collect()
}

async fn start() -> (RunningServer, Client) {
    let server = common::start().await;
    let client = common::grpc(&server).await;
    (server, client)
}

async fn wait_blocked(server: &RunningServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.state.blocking.blocked_clients() != n {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn push(key: &str, items: &[&str]) -> proto::ListPushRequest {
    proto::ListPushRequest {
        db: 0,
        key: b(key),
        elements: bs(items),
        only_if_exists: false,
    }
}

fn pop(key: &str, count: Option<u64>) -> proto::ListPopRequest {
    proto::ListPopRequest {
        db: 0,
        key: b(key),
        count,
    }
}

async fn range(c: &mut Client, key: &str) -> Vec<Bytes> {
    c.l_range(proto::LRangeRequest {
        db: 0,
        key: b(key),
        start: 0,
        stop: -1,
    })
    .await
    .unwrap()
    .into_inner()
    .elements
}

fn command(args: &[&str]) -> proto::Command {
    proto::Command {
        args: bs(args),
        db: 0,
    }
}

fn bulk(s: &str) -> proto::Reply {
    proto::Reply {
        kind: Some(Kind::Bulk(b(s))),
    }
}

fn array(items: Vec<proto::Reply>) -> proto::Reply {
    proto::Reply {
        kind: Some(Kind::Array(proto::Array { items })),
    }
}

fn null() -> proto::Reply {
    proto::Reply {
        kind: Some(Kind::Null(proto::Null {})),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_list_rpcs() {
    let (server, mut c) = start().await;
    let r = c.r_push(push("l", &["a", "b", "c"])).await.unwrap();
    assert_eq!(r.into_inner().length, 3);
    let r = c.l_push(push("l", &["y", "z"])).await.unwrap();
    assert_eq!(r.into_inner().length, 5);
    assert_eq!(range(&mut c, "l").await, bs(&["z", "y", "a", "b", "c"]));
    let mut x = push("nx", &["v"]);
    x.only_if_exists = true;
    assert_eq!(c.l_push(x).await.unwrap().into_inner().length, 0);
    // Pops: one, several, none (found), and a missing key (not found).
    let one = c.l_pop(pop("l", None)).await.unwrap().into_inner();
    assert_eq!((one.found, one.elements), (true, bs(&["z"])));
    let two = c.r_pop(pop("l", Some(2))).await.unwrap().into_inner();
    assert_eq!(two.elements, bs(&["c", "b"]));
    let none = c.l_pop(pop("l", Some(0))).await.unwrap().into_inner();
    assert_eq!((none.found, none.elements.len()), (true, 0));
    let missing = c.l_pop(pop("nx", Some(3))).await.unwrap().into_inner();
    assert!(!missing.found);
    let len = c
        .l_len(proto::LLenRequest { db: 0, key: b("l") })
        .await
        .unwrap();
    assert_eq!(len.into_inner().length, 2);
    let at = |index| proto::LIndexRequest {
        db: 0,
        key: b("l"),
        index,
    };
    assert_eq!(
        c.l_index(at(-1)).await.unwrap().into_inner().element,
        Some(b("a"))
    );
    assert_eq!(c.l_index(at(5)).await.unwrap().into_inner().element, None);
    let set = |key: &str, index| proto::LSetRequest {
        db: 0,
        key: b(key),
        index,
        element: b(""),
    };
    c.l_set(set("l", 0)).await.unwrap();
    // An empty element is a value, not an absence.
    assert_eq!(
        c.l_index(at(0)).await.unwrap().into_inner().element,
        Some(b(""))
    );
    let err = c.l_set(set("l", 9)).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "ERR index out of range")
    );
    let err = c.l_set(set("nx", 0)).await.unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::NotFound, "ERR no such key")
    );
    c.r_push(push("l", &["a", "a"])).await.unwrap();
    let removed = c
        .l_rem(proto::LRemRequest {
            db: 0,
            key: b("l"),
            count: -2,
            element: b("a"),
        })
        .await
        .unwrap();
    assert_eq!(removed.into_inner().removed, 2);
    assert_eq!(range(&mut c, "l").await, bs(&["", "a"]));
    c.l_trim(proto::LTrimRequest {
        db: 0,
        key: b("l"),
        start: 1,
        stop: -1,
    })
    .await
    .unwrap();
    let moved = c
        .l_move(proto::LMoveRequest {
            db: 0,
            source: b("l"),
            destination: b("d"),
            from: ListEnd::Left as i32,
            to: ListEnd::Right as i32,
        })
        .await
        .unwrap();
    assert_eq!(moved.into_inner().element, Some(b("a")));
    assert!(range(&mut c, "l").await.is_empty());
    // Errors: another type, bad db, no elements.
    let mut redis = common::connection(&server, 2).await;
    let _: () = redis.set("s", "v").await.unwrap();
    let err = c.l_pop(pop("s", None)).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().starts_with("WRONGTYPE"));
    let mut far = push("l", &["a"]);
    far.db = 99;
    assert_eq!(
        c.r_push(far).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    let err = c.r_push(push("l", &[])).await.unwrap_err();
    assert_eq!(
        err.message(),
        "ERR wrong number of arguments for 'rpush' command"
    );
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_blocking_rpcs_are_served_by_resp_pushes() {
    let (server, c) = start().await;
    let mut waiter = c.clone();
    let blpop = tokio::spawn(async move {
        waiter
            .bl_pop(proto::BlockingPopRequest {
                db: 0,
                keys: bs(&["a", "b"]),
                timeout: 0.0,
            })
            .await
            .map(|r| r.into_inner())
    });
    wait_blocked(&server, 1).await;
    let mut mover = c.clone();
    let blmove = tokio::spawn(async move {
        mover
            .bl_move(proto::BlMoveRequest {
                db: 0,
                source: b("b"),
                destination: b("d"),
                from: ListEnd::Right as i32,
                to: ListEnd::Left as i32,
                timeout: 5.0,
            })
            .await
            .map(|r| r.into_inner())
    });
    wait_blocked(&server, 2).await;
    let mut redis = common::connection(&server, 3).await;
    let _: () = redis.rpush("b", &["x", "y"]).await.unwrap();
    let popped = blpop.await.unwrap().unwrap();
    assert_eq!(
        popped,
        proto::BlockingPopResponse {
            found: true,
            key: b("b"),
            element: b("x"),
        }
    );
    assert_eq!(blmove.await.unwrap().unwrap().element, Some(b("y")));
    let mut c = c;
    // Timeout: not found.
    let started = Instant::now();
    let r = c
        .br_pop(proto::BlockingPopRequest {
            db: 0,
            keys: bs(&["nx"]),
            timeout: 0.1,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!r.found);
    assert!(started.elapsed() >= Duration::from_millis(95));
    let err = c
        .bl_pop(proto::BlockingPopRequest {
            db: 0,
            keys: bs(&["nx"]),
            timeout: -1.0,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "ERR timeout is negative")
    );
    assert_eq!(server.state.blocking.blocked_clients(), 0);
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_and_cancellation_remove_waiters() {
    let (server, c) = start().await;
    // A deadline shorter than the command's timeout: the call fails, the wait is gone.
    let mut caller = c.clone();
    let mut request = Request::new(command(&["BLPOP", "k", "0"]));
    request.set_timeout(Duration::from_millis(200));
    let err = caller.execute(request).await.unwrap_err();
    assert!(
        matches!(err.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{err:?}"
    );
    wait_blocked(&server, 0).await;
    let mut request = Request::new(proto::BlockingPopRequest {
        db: 0,
        keys: bs(&["k"]),
        timeout: 0.0,
    });
    request.set_timeout(Duration::from_millis(100));
    assert!(caller.bl_pop(request).await.is_err());
    wait_blocked(&server, 0).await;
    // A cancelled call (the client drops it).
    let mut cancelled = c.clone();
    let task = tokio::spawn(async move { cancelled.execute(command(&["BRPOP", "k", "0"])).await });
    wait_blocked(&server, 1).await;
    task.abort();
    wait_blocked(&server, 0).await;
    // Nobody took the element pushed afterwards.
    let mut redis = common::connection(&server, 2).await;
    let _: () = redis.rpush("k", "v").await.unwrap();
    let items: Vec<String> = redis.lrange("k", 0, -1).await.unwrap();
    assert_eq!(items, ["v"]);
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_commands_through_execute_batch_and_pipeline() {
    let (server, c) = start().await;
    let mut redis = common::connection(&server, 2).await;
    // Execute: timeout gives the null reply.
    let mut e = c.clone();
    let r = e
        .execute(command(&["BLMPOP", "0.05", "1", "nx", "LEFT"]))
        .await
        .unwrap();
    assert_eq!(r.into_inner(), null());
    // Batch: the command after a blocked one runs once it is served.
    let mut batcher = c.clone();
    let batch = tokio::spawn(async move {
        batcher
            .batch(proto::BatchRequest {
                commands: vec![command(&["BLPOP", "q", "0"]), command(&["LLEN", "q"])],
            })
            .await
            .unwrap()
            .into_inner()
            .replies
    });
    wait_blocked(&server, 1).await;
    let _: () = redis.rpush("q", &["a", "b"]).await.unwrap();
    let replies = batch.await.unwrap();
    assert_eq!(replies[0], array(vec![bulk("q"), bulk("a")]));
    assert_eq!(
        replies[1],
        proto::Reply {
            kind: Some(Kind::Integer(1))
        }
    );
    // Pipeline: replies stay in order around a blocked command.
    let mut p = c.clone();
    let (sender, receiver) = tokio::sync::mpsc::channel(8);
    let mut replies = p
        .pipeline(tokio_stream::wrappers::ReceiverStream::new(receiver))
        .await
        .unwrap()
        .into_inner();
    for args in [&["PING"][..], &["BRPOP", "p", "0"], &["LLEN", "p"]] {
        sender.send(command(args)).await.unwrap();
    }
    let first = replies.message().await.unwrap().unwrap();
    assert_eq!(
        first,
        proto::Reply {
            kind: Some(Kind::Simple("PONG".into()))
        }
    );
    wait_blocked(&server, 1).await;
    let _: () = redis.rpush("p", &["x", "y"]).await.unwrap();
    let second = replies.message().await.unwrap().unwrap();
    assert_eq!(second, array(vec![bulk("p"), bulk("y")]));
    let third = replies.message().await.unwrap().unwrap();
    assert_eq!(
        third,
        proto::Reply {
            kind: Some(Kind::Integer(1))
        }
    );
    // Closing the stream while blocked removes the waiter.
    sender
        .send(command(&["BLPOP", "never", "0"]))
        .await
        .unwrap();
    wait_blocked(&server, 1).await;
    drop(sender);
    drop(replies);
    wait_blocked(&server, 0).await;
    server.shutdown();
    server.wait().await;
}
