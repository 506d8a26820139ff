//! The sorted-set typed RPCs over real HTTP/2: ZAdd with every option and its conflicts,
//! ZRem, ZScore (found flag), ZIncrBy, ZCard, ZRank (optional), ZRange by rank / score /
//! lex with REV, LIMIT and scores; errors as statuses with Redis texts; data shared with
//! RESP; Execute for the commands without a typed RPC; BZPopMin/BZPopMax served by ZADD
//! from RESP in the order they blocked, their timeout, and the call deadline or
//! cancellation removing the waiter.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use memorabilia::grpc::proto::{
    self, ZAddComparison, ZAddCondition, memorabilia_client::MemorabiliaClient, reply::Kind,
    z_lex_bound::Bound, z_range_request::Range,
};
use memorabilia::server::RunningServer;
use redis::AsyncCommands;
use tonic::transport::Channel;
use tonic::{Code, Request, Response, Status};

type Client = MemorabiliaClient<Channel>;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn scored(member: &str, score: f64) -> proto::ScoredMember {
    proto::ScoredMember {
        member: b(member),
        score,
    }
}

#[track_caller]
fn assert_status<T: std::fmt::Debug>(
    result: Result<Response<T>, Status>,
    code: Code,
    message: &str,
) {
    let status = match result {
        Ok(r) => panic!("expected {code:?} {message:?}, got {:?}", r.into_inner()),
        Err(s) => s,
    };
    assert_eq!((status.code(), status.message()), (code, message));
}

async fn zadd(c: &mut Client, key: &str, members: &[(&str, f64)]) -> proto::ZAddResponse {
    c.z_add(proto::ZAddRequest {
        key: b(key),
        members: members.iter().map(|(m, s)| scored(m, *s)).collect(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
}

async fn range(c: &mut Client, req: proto::ZRangeRequest) -> Vec<(String, f64)> {
    c.z_range(req)
        .await
        .unwrap()
        .into_inner()
        .members
        .into_iter()
        .map(|m| (String::from_utf8(m.member.to_vec()).unwrap(), m.score))
        .collect()
}

fn names(items: &[(String, f64)]) -> Vec<&str> {
    items.iter().map(|(m, _)| m.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zadd_options_and_conflicts() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    assert_eq!(zadd(&mut c, "z", &[("a", 1.0), ("b", 2.0)]).await.count, 2);
    let r = c
        .z_add(proto::ZAddRequest {
            key: b("z"),
            members: vec![scored("a", 5.0), scored("c", 0.0)],
            comparison: ZAddComparison::GreaterThan as i32,
            changed: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((r.count, r.score), (2, None));
    let r = c
        .z_add(proto::ZAddRequest {
            key: b("z"),
            members: vec![scored("a", 1.5)],
            incr: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.score, Some(6.5));
    let r = c
        .z_add(proto::ZAddRequest {
            key: b("z"),
            members: vec![scored("a", 1.0)],
            condition: ZAddCondition::IfAbsent as i32,
            incr: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.score, None, "NX stops INCR on an existing member");
    let r = c
        .z_add(proto::ZAddRequest {
            key: b("new"),
            members: vec![scored("a", 1.0)],
            condition: ZAddCondition::IfPresent as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.count, 0);
    for (req, message) in [
        (
            proto::ZAddRequest {
                condition: ZAddCondition::IfAbsent as i32,
                comparison: ZAddComparison::LessThan as i32,
                members: vec![scored("a", 1.0)],
                ..Default::default()
            },
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ),
        (
            proto::ZAddRequest {
                incr: true,
                members: vec![scored("a", 1.0), scored("b", 1.0)],
                ..Default::default()
            },
            "ERR INCR option supports a single increment-element pair",
        ),
        (
            proto::ZAddRequest {
                members: vec![scored("a", f64::NAN)],
                ..Default::default()
            },
            "ERR value is not a valid float",
        ),
        (
            proto::ZAddRequest::default(),
            "ERR wrong number of arguments for 'zadd' command",
        ),
        (
            proto::ZAddRequest {
                condition: 99,
                members: vec![scored("a", 1.0)],
                ..Default::default()
            },
            "ERR syntax error",
        ),
    ] {
        assert_status(c.z_add(req).await, Code::InvalidArgument, message);
    }
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("str", "x").await.unwrap();
    assert_status(
        c.z_add(proto::ZAddRequest {
            key: b("str"),
            members: vec![scored("a", 1.0)],
            ..Default::default()
        })
        .await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn score_rank_card_rem_incr() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    zadd(&mut c, "z", &[("a", 1.0), ("b", 2.0), ("c", f64::INFINITY)]).await;
    let s = c
        .z_score(proto::ZScoreRequest {
            key: b("z"),
            member: b("c"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((s.found, s.score), (true, f64::INFINITY));
    let s = c
        .z_score(proto::ZScoreRequest {
            key: b("z"),
            member: b("zz"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!s.found);
    let rank = |member: &str, reverse: bool| proto::ZRankRequest {
        key: b("z"),
        member: b(member),
        reverse,
        ..Default::default()
    };
    assert_eq!(
        c.z_rank(rank("b", false)).await.unwrap().into_inner().rank,
        Some(1)
    );
    assert_eq!(
        c.z_rank(rank("a", true)).await.unwrap().into_inner().rank,
        Some(2)
    );
    assert_eq!(
        c.z_rank(rank("x", false)).await.unwrap().into_inner().rank,
        None
    );
    let card = c
        .z_card(proto::ZCardRequest {
            key: b("z"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(card.count, 3);
    let incr = |increment: f64| proto::ZIncrByRequest {
        key: b("z"),
        member: b("c"),
        increment,
        ..Default::default()
    };
    assert_status(
        c.z_incr_by(incr(f64::NEG_INFINITY)).await,
        Code::InvalidArgument,
        "ERR resulting score is not a number (NaN)",
    );
    let r = c
        .z_incr_by(proto::ZIncrByRequest {
            key: b("z"),
            member: b("a"),
            increment: 0.5,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.score, 1.5);
    let removed = c
        .z_rem(proto::ZRemRequest {
            key: b("z"),
            members: vec![b("a"), b("b"), b("c"), b("x")],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(removed.removed, 3);
    // The emptied set is gone, for RESP clients too.
    let mut con = common::connection(&server, 2).await;
    let exists: bool = con.exists("z").await.unwrap();
    assert!(!exists);
    assert_status(
        c.z_rem(proto::ZRemRequest::default()).await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'zrem' command",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrange_by_rank_score_and_lex() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    zadd(
        &mut c,
        "z",
        &[("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)],
    )
    .await;
    zadd(
        &mut c,
        "lex",
        &[("a", 0.0), ("b", 0.0), ("c", 0.0), ("d", 0.0)],
    )
    .await;
    let by_rank = range(
        &mut c,
        proto::ZRangeRequest {
            key: b("z"),
            range: Some(Range::Rank(proto::ZRankRange { start: 1, stop: -1 })),
            reverse: true,
            with_scores: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        by_rank,
        [("c".into(), 3.0), ("b".into(), 2.0), ("a".into(), 1.0)]
    );
    let score_bound = |value: f64, exclusive: bool| Some(proto::ZScoreBound { value, exclusive });
    let by_score = range(
        &mut c,
        proto::ZRangeRequest {
            key: b("z"),
            range: Some(Range::Score(proto::ZScoreRange {
                min: score_bound(1.0, true),
                max: None,
            })),
            limit: Some(proto::ZLimit {
                offset: 1,
                count: 5,
            }),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(names(&by_score), ["c", "d"]);
    assert!(by_score.iter().all(|(_, s)| *s == 0.0), "no scores asked");
    let rev_score = range(
        &mut c,
        proto::ZRangeRequest {
            key: b("z"),
            range: Some(Range::Score(proto::ZScoreRange {
                min: score_bound(f64::NEG_INFINITY, false),
                max: score_bound(3.0, false),
            })),
            reverse: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(names(&rev_score), ["c", "b", "a"]);
    let lex = |min: Option<Bound>, max: Option<Bound>| proto::ZLexRange {
        min: min.map(|b| proto::ZLexBound { bound: Some(b) }),
        max: max.map(|b| proto::ZLexBound { bound: Some(b) }),
    };
    let by_lex = range(
        &mut c,
        proto::ZRangeRequest {
            key: b("lex"),
            range: Some(Range::Lex(lex(
                Some(Bound::Exclusive(b("a"))),
                Some(Bound::Inclusive(b("c"))),
            ))),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(names(&by_lex), ["b", "c"]);
    let all_lex = range(
        &mut c,
        proto::ZRangeRequest {
            key: b("lex"),
            range: Some(Range::Lex(lex(None, Some(Bound::Unbounded(true))))),
            reverse: true,
            limit: Some(proto::ZLimit {
                offset: 0,
                count: 2,
            }),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(names(&all_lex), ["d", "c"]);
    assert_status(
        c.z_range(proto::ZRangeRequest {
            key: b("z"),
            range: Some(Range::Rank(proto::ZRankRange { start: 0, stop: 1 })),
            limit: Some(proto::ZLimit {
                offset: 0,
                count: -1,
            }),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
    );
    assert_status(
        c.z_range(proto::ZRangeRequest {
            key: b("lex"),
            range: Some(Range::Lex(lex(None, None))),
            with_scores: true,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
    );
    assert_status(
        c.z_range(proto::ZRangeRequest {
            key: b("z"),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "ERR syntax error",
    );
    // A missing key is an empty range; another database is another keyspace.
    let empty = range(
        &mut c,
        proto::ZRangeRequest {
            db: 1,
            key: b("z"),
            range: Some(Range::Rank(proto::ZRankRange { start: 0, stop: -1 })),
            ..Default::default()
        },
    )
    .await;
    assert!(empty.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_reaches_the_other_commands_and_resp_sees_the_data() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    zadd(&mut c, "z", &[("a", 1.0), ("b", 2.0)]).await;
    let reply = c
        .execute(proto::Command {
            db: 0,
            args: vec![b("ZPOPMAX"), b("z"), b("1")],
        })
        .await
        .unwrap()
        .into_inner();
    // Execute speaks RESP3: nested [member, double] pairs.
    let Some(Kind::Array(outer)) = reply.kind else {
        panic!("{reply:?}")
    };
    let Some(Kind::Array(pair)) = &outer.items[0].kind else {
        panic!("{outer:?}")
    };
    assert_eq!(pair.items[0].kind, Some(Kind::Bulk(b("b"))));
    assert_eq!(pair.items[1].kind, Some(Kind::Double(2.0)));
    let mut con = common::connection(&server, 2).await;
    let left: Vec<(String, f64)> = con.zrange_withscores("z", 0, -1).await.unwrap();
    assert_eq!(left, [("a".into(), 1.0)]);
}

async fn wait_blocked(server: &RunningServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.state.blocking.blocked_clients() != n {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn bzpop(keys: &[&str], timeout: f64) -> proto::BzPopRequest {
    proto::BzPopRequest {
        db: 0,
        keys: keys.iter().map(|k| b(k)).collect(),
        timeout,
    }
}

fn found(key: &str, member: &str, score: f64) -> proto::BzPopResponse {
    proto::BzPopResponse {
        found: true,
        key: b(key),
        member: b(member),
        score,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bzpop_rpcs_pop_at_once_and_are_served_in_order() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    zadd(&mut c, "z", &[("a", 1.0), ("b", 2.0), ("c", 3.0)]).await;
    let r = c.bz_pop_min(bzpop(&["nx", "z"], 0.0)).await.unwrap();
    assert_eq!(r.into_inner(), found("z", "a", 1.0));
    let r = c.bz_pop_max(bzpop(&["z"], 1.0)).await.unwrap();
    assert_eq!(r.into_inner(), found("z", "c", 3.0));
    // Two waiters on an empty key, served oldest first by one ZADD from RESP.
    let mut first = c.clone();
    let min = tokio::spawn(async move { first.bz_pop_min(bzpop(&["w", "x"], 0.0)).await });
    wait_blocked(&server, 1).await;
    let mut second = c.clone();
    let max = tokio::spawn(async move { second.bz_pop_max(bzpop(&["x"], 5.0)).await });
    wait_blocked(&server, 2).await;
    let mut redis = common::connection(&server, 3).await;
    let added: i64 = redis
        .zadd_multiple("x", &[(1.5, "m"), (2.5, "n"), (3.5, "o")])
        .await
        .unwrap();
    assert_eq!(added, 3);
    assert_eq!(
        min.await.unwrap().unwrap().into_inner(),
        found("x", "m", 1.5)
    );
    assert_eq!(
        max.await.unwrap().unwrap().into_inner(),
        found("x", "o", 3.5)
    );
    let left: Vec<String> = redis.zrange("x", 0, -1).await.unwrap();
    assert_eq!(left, ["n"]);
    // The command's timeout: not found, after at least that long.
    let started = Instant::now();
    let r = c
        .bz_pop_max(bzpop(&["nx"], 0.1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r, proto::BzPopResponse::default());
    assert!(started.elapsed() >= Duration::from_millis(95));
    // Errors are the command's.
    let _: () = redis.set("s", "v").await.unwrap();
    assert_status(
        c.bz_pop_min(bzpop(&["s"], 0.0)).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert_status(
        c.bz_pop_min(bzpop(&["nx"], -1.0)).await,
        Code::InvalidArgument,
        "ERR timeout is negative",
    );
    assert_status(
        c.bz_pop_max(bzpop(&[], 0.0)).await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'bzpopmax' command",
    );
    assert_eq!(server.state.blocking.blocked_clients(), 0);
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bzpop_deadline_and_cancellation_remove_the_waiter() {
    let server = common::start().await;
    let c = common::grpc(&server).await;
    // A deadline shorter than the command's timeout: the call fails, the wait is gone.
    let mut caller = c.clone();
    let mut request = Request::new(bzpop(&["k"], 0.0));
    request.set_timeout(Duration::from_millis(100));
    let started = Instant::now();
    let err = caller.bz_pop_min(request).await.unwrap_err();
    assert!(
        matches!(err.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    wait_blocked(&server, 0).await;
    // A cancelled call (the client drops it).
    let mut cancelled = c.clone();
    let task = tokio::spawn(async move { cancelled.bz_pop_max(bzpop(&["k"], 0.0)).await });
    wait_blocked(&server, 1).await;
    task.abort();
    wait_blocked(&server, 0).await;
    // Nobody took the members added afterwards; BZMPOP through Execute gets them.
    let mut redis = common::connection(&server, 2).await;
    let _: () = redis.zadd("k", "v", 1).await.unwrap();
    let card: i64 = redis.zcard("k").await.unwrap();
    assert_eq!(card, 1);
    let mut e = c.clone();
    let r = e
        .execute(proto::Command {
            args: ["BZMPOP", "0", "1", "k", "MIN", "COUNT", "9"]
                .iter()
                .map(|a| b(a))
                .collect(),
            db: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let bulk = |s: &str| proto::Reply {
        kind: Some(Kind::Bulk(b(s))),
    };
    let array = |items: Vec<proto::Reply>| proto::Reply {
        kind: Some(Kind::Array(proto::Array { items })),
    };
    let double = proto::Reply {
        kind: Some(Kind::Double(1.0)),
    };
    assert_eq!(
        r,
        array(vec![bulk("k"), array(vec![array(vec![bulk("v"), double])])])
    );
    server.shutdown();
    server.wait().await;
}
