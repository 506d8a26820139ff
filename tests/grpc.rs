//! The gRPC front end over real HTTP/2: every typed RPC (values, absent vs empty, errors as
//! statuses with Redis texts and `ErrorDetail`s, databases, expiries), `Execute`, `Batch`,
//! the `Pipeline` stream, health, reflection, and data crossing between gRPC and RESP.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use memorabilia::grpc::proto::{
    self, ExpireCondition, SetCondition, TtlState, ValueType, expiry::Time, get_ex_request::Change,
    memorabilia_client::MemorabiliaClient, reply::Kind,
};
use memorabilia::server::RunningServer;
use redis::AsyncCommands;
use tonic::transport::Channel;
use tonic::{Code, Response, Status};

type Client = MemorabiliaClient<Channel>;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const DB_RANGE: &str = "ERR DB index is out of range";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn b(s: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(s.as_ref())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A Unix time in seconds far enough ahead that nothing expires during a test.
fn far_secs() -> i64 {
    now_ms() / 1000 + 1_000_000
}

fn expiry(time: Time) -> Option<proto::Expiry> {
    Some(proto::Expiry { time: Some(time) })
}

/// Asserts a failed RPC: its code, its message (the Redis text), and details holding an
/// `ErrorDetail` with the same text and its first word as code.
#[track_caller]
fn assert_status<T: std::fmt::Debug>(
    result: Result<Response<T>, Status>,
    code: Code,
    message: &str,
) {
    let status = match result {
        Ok(r) => panic!(
            "expected {code:?} {message:?}, got Ok({:?})",
            r.into_inner()
        ),
        Err(s) => s,
    };
    assert_eq!(
        (status.code(), status.message()),
        (code, message),
        "{status:?}"
    );
    let detail = memorabilia::grpc::convert::error_detail_of(&status)
        .ok_or("no ErrorDetail")
        .unwrap_or_else(|e| panic!("details of {status:?} are no ErrorDetail: {e}"));
    assert_eq!(detail.message, message);
    assert_eq!(detail.code, message.split(' ').next().unwrap());
}

/// Asserts only the code of a failed RPC (for requests whose text the API leaves open), and
/// that the details still carry a consistent `ErrorDetail`.
#[track_caller]
fn assert_code<T: std::fmt::Debug>(result: Result<Response<T>, Status>, code: Code) {
    let status = match result {
        Ok(r) => panic!("expected {code:?}, got Ok({:?})", r.into_inner()),
        Err(s) => s,
    };
    assert_eq!(status.code(), code, "{status:?}");
    let detail = memorabilia::grpc::convert::error_detail_of(&status)
        .ok_or("no ErrorDetail")
        .expect("ErrorDetail");
    assert_eq!(detail.message, status.message());
    assert!(!detail.code.is_empty() && status.message().starts_with(&detail.code));
}

async fn get(c: &mut Client, db: u32, key: &str) -> Option<Bytes> {
    c.get(proto::GetRequest { db, key: b(key) })
        .await
        .unwrap()
        .into_inner()
        .value
}

async fn set(c: &mut Client, db: u32, key: &str, value: &str) {
    let r = c
        .set(proto::SetRequest {
            db,
            key: b(key),
            value: b(value),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r,
        proto::SetResponse {
            applied: true,
            old_value: None
        }
    );
}

async fn ttl(c: &mut Client, db: u32, key: &str) -> proto::TtlResponse {
    c.ttl(proto::TtlRequest { db, key: b(key) })
        .await
        .unwrap()
        .into_inner()
}

async fn exists(c: &mut Client, db: u32, key: &str) -> bool {
    let n = c
        .exists(proto::ExistsRequest {
            db,
            keys: vec![b(key)],
        })
        .await
        .unwrap()
        .into_inner()
        .count;
    n == 1
}

fn no_key() -> proto::TtlResponse {
    proto::TtlResponse {
        state: TtlState::NoKey as i32,
        ..Default::default()
    }
}

fn no_expiry() -> proto::TtlResponse {
    proto::TtlResponse {
        state: TtlState::NoExpiry as i32,
        ..Default::default()
    }
}

/// Asserts the key expires at exactly `at_ms`, with a remaining time that fits.
#[track_caller]
fn assert_expires_at(t: &proto::TtlResponse, at_ms: i64) {
    assert_eq!(t.state(), TtlState::Expires, "{t:?}");
    assert_eq!(t.expire_at_unix_milliseconds, at_ms, "{t:?}");
    let left = at_ms - now_ms();
    assert!(
        t.ttl_milliseconds <= left + 50 && t.ttl_milliseconds > left - 5000,
        "{t:?}, expected about {left} ms left"
    );
}

/// Asserts the key expires in about `ms` milliseconds from now.
#[track_caller]
fn assert_expires_in(t: &proto::TtlResponse, ms: i64) {
    assert_eq!(t.state(), TtlState::Expires, "{t:?}");
    assert!(
        t.ttl_milliseconds <= ms && t.ttl_milliseconds > ms - 5000,
        "{t:?}, expected about {ms} ms left"
    );
    let at = now_ms() + t.ttl_milliseconds;
    assert!(
        (t.expire_at_unix_milliseconds - at).abs() < 5000,
        "{t:?}: expire_at does not match ttl"
    );
}

fn cmd(args: &[&str]) -> proto::Command {
    cmd_db(0, args)
}

fn cmd_db(db: u32, args: &[&str]) -> proto::Command {
    proto::Command {
        args: args.iter().map(b).collect(),
        db,
    }
}

fn reply(kind: Kind) -> proto::Reply {
    proto::Reply { kind: Some(kind) }
}

fn simple(s: &str) -> proto::Reply {
    reply(Kind::Simple(s.into()))
}

fn bulk(s: impl AsRef<[u8]>) -> proto::Reply {
    reply(Kind::Bulk(b(s)))
}

fn int(n: i64) -> proto::Reply {
    reply(Kind::Integer(n))
}

fn null() -> proto::Reply {
    reply(Kind::Null(proto::Null {}))
}

fn array(items: Vec<proto::Reply>) -> proto::Reply {
    reply(Kind::Array(proto::Array { items }))
}

fn error(message: &str) -> proto::Reply {
    reply(Kind::Error(proto::ErrorDetail {
        code: message.split(' ').next().unwrap().into(),
        message: message.into(),
    }))
}

async fn execute(c: &mut Client, command: proto::Command) -> proto::Reply {
    c.execute(command).await.unwrap().into_inner()
}

async fn channel(url: String) -> Channel {
    Channel::from_shared(url)
        .expect("valid url")
        .connect()
        .await
        .expect("gRPC connect")
}

async fn start() -> (RunningServer, Client) {
    let server = common::start().await;
    let client = common::grpc(&server).await;
    (server, client)
}

async fn stop(server: RunningServer) {
    server.shutdown();
    tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("server stops");
}

// ---------------------------------------------------------------------------------------
// Typed RPCs: strings
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_pong_or_echoes() {
    let (server, mut c) = start().await;
    let pong = c.ping(proto::PingRequest { message: None }).await.unwrap();
    assert_eq!(pong.into_inner().message, b("PONG"));
    let echo = c
        .ping(proto::PingRequest {
            message: Some(b("hello \0 there")),
        })
        .await
        .unwrap();
    assert_eq!(echo.into_inner().message, b("hello \0 there"));
    let empty = c
        .ping(proto::PingRequest {
            message: Some(Bytes::new()),
        })
        .await
        .unwrap();
    assert_eq!(empty.into_inner().message, Bytes::new());
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_tells_absent_from_empty_and_refuses_other_types() {
    let (server, mut c) = start().await;
    assert_eq!(get(&mut c, 0, "missing").await, None);
    set(&mut c, 0, "empty", "").await;
    assert_eq!(get(&mut c, 0, "empty").await, Some(Bytes::new()));
    set(&mut c, 0, "k", "v").await;
    assert_eq!(get(&mut c, 0, "k").await, Some(b("v")));
    // Binary keys and values round-trip untouched.
    let key = Bytes::from_static(b"\x00\xffkey\r\n");
    let value = Bytes::from((0..=255u8).collect::<Vec<u8>>());
    c.set(proto::SetRequest {
        key: key.clone(),
        value: value.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let got = c.get(proto::GetRequest { db: 0, key }).await.unwrap();
    assert_eq!(got.into_inner().value, Some(value));

    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.get(proto::GetRequest {
            db: 0,
            key: b("list"),
        })
        .await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_conditions_return_old_and_keep_ttl() {
    let (server, mut c) = start().await;
    let req = |key: &str, value: &str| proto::SetRequest {
        key: b(key),
        value: b(value),
        ..Default::default()
    };
    let applied = |applied: bool, old: Option<&str>| proto::SetResponse {
        applied,
        old_value: old.map(b),
    };
    let nx = SetCondition::IfAbsent as i32;
    let xx = SetCondition::IfPresent as i32;

    // XX on a missing key writes nothing.
    let r = c
        .set(proto::SetRequest {
            condition: xx,
            ..req("k", "x")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(false, None));
    assert_eq!(get(&mut c, 0, "k").await, None);
    // NX on a missing key writes.
    let r = c
        .set(proto::SetRequest {
            condition: nx,
            ..req("k", "v1")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, None));
    // NX on a present key does not.
    let r = c
        .set(proto::SetRequest {
            condition: nx,
            ..req("k", "v2")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(false, None));
    assert_eq!(get(&mut c, 0, "k").await, Some(b("v1")));
    // XX on a present key does.
    let r = c
        .set(proto::SetRequest {
            condition: xx,
            ..req("k", "v3")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, None));
    assert_eq!(get(&mut c, 0, "k").await, Some(b("v3")));

    // return_old: the previous value, unset when there was none.
    let r = c
        .set(proto::SetRequest {
            return_old: true,
            ..req("k", "v4")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, Some("v3")));
    let r = c
        .set(proto::SetRequest {
            return_old: true,
            ..req("fresh", "f")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, None));
    set(&mut c, 0, "e", "").await;
    let r = c
        .set(proto::SetRequest {
            return_old: true,
            ..req("e", "x")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, Some("")));
    // NX with return_old on a present key: the old value, nothing written (Redis 7 SET NX GET).
    let r = c
        .set(proto::SetRequest {
            return_old: true,
            condition: nx,
            ..req("k", "v5")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(false, Some("v4")));
    assert_eq!(get(&mut c, 0, "k").await, Some(b("v4")));
    // XX with return_old on a missing key.
    let r = c
        .set(proto::SetRequest {
            return_old: true,
            condition: xx,
            ..req("nothere", "v")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(false, None));
    assert_eq!(get(&mut c, 0, "nothere").await, None);

    // return_old over another type: WRONGTYPE and nothing written; without it, SET replaces.
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.set(proto::SetRequest {
            return_old: true,
            ..req("list", "v")
        })
        .await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    let t = c
        .r#type(proto::TypeRequest {
            db: 0,
            key: b("list"),
        })
        .await
        .unwrap();
    assert_eq!(t.into_inner().r#type(), ValueType::List);
    set(&mut c, 0, "list", "now a string").await;
    assert_eq!(get(&mut c, 0, "list").await, Some(b("now a string")));

    // keep_ttl keeps the expiry; a plain SET drops it.
    let at = far_secs();
    c.set(proto::SetRequest {
        expiry: expiry(Time::UnixSeconds(at)),
        ..req("t", "1")
    })
    .await
    .unwrap();
    let r = c
        .set(proto::SetRequest {
            keep_ttl: true,
            ..req("t", "2")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, None));
    assert_eq!(get(&mut c, 0, "t").await, Some(b("2")));
    assert_expires_at(&ttl(&mut c, 0, "t").await, at * 1000);
    set(&mut c, 0, "t", "3").await;
    assert_eq!(ttl(&mut c, 0, "t").await, no_expiry());
    // keep_ttl on a key without expiry, and on a missing key.
    let r = c
        .set(proto::SetRequest {
            keep_ttl: true,
            ..req("t", "4")
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), applied(true, None));
    assert_eq!(ttl(&mut c, 0, "t").await, no_expiry());
    c.set(proto::SetRequest {
        keep_ttl: true,
        ..req("t2", "x")
    })
    .await
    .unwrap();
    assert_eq!(ttl(&mut c, 0, "t2").await, no_expiry());

    // keep_ttl together with an expiry is SET's syntax error, and writes nothing.
    assert_status(
        c.set(proto::SetRequest {
            keep_ttl: true,
            expiry: expiry(Time::Seconds(10)),
            ..req("t", "5")
        })
        .await,
        Code::InvalidArgument,
        "ERR syntax error",
    );
    assert_eq!(get(&mut c, 0, "t").await, Some(b("4")));
    // An unknown condition value is refused.
    assert_code(
        c.set(proto::SetRequest {
            condition: 7,
            ..req("t", "6")
        })
        .await,
        Code::InvalidArgument,
    );
    assert_eq!(get(&mut c, 0, "t").await, Some(b("4")));
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_expiry_in_every_form_and_invalid_expiries() {
    let (server, mut c) = start().await;
    let with = |key: &str, time: Time| proto::SetRequest {
        key: b(key),
        value: b("v"),
        expiry: expiry(time),
        ..Default::default()
    };
    c.set(with("ex", Time::Seconds(100))).await.unwrap();
    assert_expires_in(&ttl(&mut c, 0, "ex").await, 100_000);
    c.set(with("px", Time::Milliseconds(250_500)))
        .await
        .unwrap();
    assert_expires_in(&ttl(&mut c, 0, "px").await, 250_500);
    let at = far_secs();
    c.set(with("exat", Time::UnixSeconds(at))).await.unwrap();
    assert_expires_at(&ttl(&mut c, 0, "exat").await, at * 1000);
    c.set(with("pxat", Time::UnixMilliseconds(at * 1000 + 123)))
        .await
        .unwrap();
    assert_expires_at(&ttl(&mut c, 0, "pxat").await, at * 1000 + 123);

    // An absolute time in the past: applied, and the key is gone at once.
    let r = c.set(with("past", Time::UnixSeconds(1))).await.unwrap();
    assert!(r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "past").await, None);
    assert_eq!(ttl(&mut c, 0, "past").await, no_key());
    set(&mut c, 0, "past2", "old").await;
    c.set(with("past2", Time::UnixMilliseconds(now_ms() - 1000)))
        .await
        .unwrap();
    assert!(!exists(&mut c, 0, "past2").await);

    // Zero, negative and overflowing times are SET's invalid expire time; nothing written.
    set(&mut c, 0, "keep", "old").await;
    for time in [
        Time::Seconds(0),
        Time::Seconds(-1),
        Time::Milliseconds(0),
        Time::Milliseconds(-100),
        Time::UnixSeconds(0),
        Time::UnixSeconds(-5),
        Time::UnixMilliseconds(0),
        Time::UnixMilliseconds(i64::MIN),
        Time::Seconds(i64::MAX),
        Time::Seconds(i64::MAX / 1000 + 1),
        Time::UnixSeconds(i64::MAX / 100),
        Time::Milliseconds(i64::MAX),
    ] {
        let r = c
            .set(proto::SetRequest {
                value: b("new"),
                ..with("keep", time)
            })
            .await;
        assert_status(
            r,
            Code::InvalidArgument,
            "ERR invalid expire time in 'set' command",
        );
    }
    assert_eq!(get(&mut c, 0, "keep").await, Some(b("old")));
    assert_eq!(ttl(&mut c, 0, "keep").await, no_expiry());
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_millisecond_expiry_removes_the_key() {
    let (server, mut c) = start().await;
    c.set(proto::SetRequest {
        key: b("short"),
        value: b("v"),
        expiry: expiry(Time::Milliseconds(150)),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(get(&mut c, 0, "short").await, Some(b("v")));
    let t = ttl(&mut c, 0, "short").await;
    assert_eq!(t.state(), TtlState::Expires);
    assert!(t.ttl_milliseconds > 0 && t.ttl_milliseconds <= 150, "{t:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(get(&mut c, 0, "short").await, None);
    assert_eq!(ttl(&mut c, 0, "short").await, no_key());
    assert!(!exists(&mut c, 0, "short").await);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getdel_and_getex() {
    let (server, mut c) = start().await;
    let getdel = |key: &str| proto::GetDelRequest { db: 0, key: b(key) };
    set(&mut c, 0, "k", "v").await;
    let r = c.get_del(getdel("k")).await.unwrap().into_inner();
    assert_eq!(r.value, Some(b("v")));
    assert!(!exists(&mut c, 0, "k").await);
    let r = c.get_del(getdel("k")).await.unwrap().into_inner();
    assert_eq!(r.value, None);
    set(&mut c, 0, "e", "").await;
    let r = c.get_del(getdel("e")).await.unwrap().into_inner();
    assert_eq!(r.value, Some(Bytes::new()));
    assert!(!exists(&mut c, 0, "e").await);
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.get_del(getdel("list")).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert!(exists(&mut c, 0, "list").await);

    let getex = |key: &str, change: Option<Change>| proto::GetExRequest {
        db: 0,
        key: b(key),
        change,
    };
    // No change: the value, the expiry untouched.
    let r = c.get_ex(getex("nothing", None)).await.unwrap().into_inner();
    assert_eq!(r.value, None);
    assert!(!exists(&mut c, 0, "nothing").await);
    set(&mut c, 0, "g", "val").await;
    let r = c.get_ex(getex("g", None)).await.unwrap().into_inner();
    assert_eq!(r.value, Some(b("val")));
    assert_eq!(ttl(&mut c, 0, "g").await, no_expiry());
    // Relative and absolute expiries.
    let r = c
        .get_ex(getex(
            "g",
            Some(Change::Expiry(proto::Expiry {
                time: Some(Time::Seconds(500)),
            })),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.value, Some(b("val")));
    assert_expires_in(&ttl(&mut c, 0, "g").await, 500_000);
    let at = far_secs() * 1000 + 7;
    c.get_ex(getex(
        "g",
        Some(Change::Expiry(proto::Expiry {
            time: Some(Time::UnixMilliseconds(at)),
        })),
    ))
    .await
    .unwrap();
    assert_expires_at(&ttl(&mut c, 0, "g").await, at);
    // PERSIST.
    let r = c
        .get_ex(getex("g", Some(Change::Persist(true))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.value, Some(b("val")));
    assert_eq!(ttl(&mut c, 0, "g").await, no_expiry());
    // On a missing key nothing is created.
    let r = c
        .get_ex(getex("nope", Some(Change::Persist(true))))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.value, None);
    assert!(!exists(&mut c, 0, "nope").await);
    // Invalid expiries: GETEX's own error, value and expiry untouched.
    for time in [
        Time::Seconds(0),
        Time::Milliseconds(-1),
        Time::UnixSeconds(0),
        Time::Seconds(i64::MAX),
    ] {
        assert_status(
            c.get_ex(getex(
                "g",
                Some(Change::Expiry(proto::Expiry { time: Some(time) })),
            ))
            .await,
            Code::InvalidArgument,
            "ERR invalid expire time in 'getex' command",
        );
    }
    assert_eq!(ttl(&mut c, 0, "g").await, no_expiry());
    // A time in the past: the value, then the key is gone.
    let r = c
        .get_ex(getex(
            "g",
            Some(Change::Expiry(proto::Expiry {
                time: Some(Time::UnixSeconds(1)),
            })),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.value, Some(b("val")));
    assert!(!exists(&mut c, 0, "g").await);
    assert_status(
        c.get_ex(getex("list", Some(Change::Persist(true)))).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mget_mset_msetnx() {
    let (server, mut c) = start().await;
    let kv = |k: &str, v: &str| proto::KeyValue {
        key: b(k),
        value: b(v),
    };
    let found = |v: &str| proto::OptionalValue {
        found: true,
        value: b(v),
    };
    let absent = proto::OptionalValue {
        found: false,
        value: Bytes::new(),
    };
    common::plant_list(&server, 0, b"list", &[b"a"]);
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("a"),
        value: b("old"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    // MSET overwrites (dropping the expiry); a repeated key keeps the last value.
    c.m_set(proto::MSetRequest {
        db: 0,
        pairs: vec![kv("a", "1"), kv("b", ""), kv("c", "x"), kv("c", "3")],
    })
    .await
    .unwrap();
    assert_eq!(ttl(&mut c, 0, "a").await, no_expiry());
    let r = c
        .m_get(proto::MGetRequest {
            db: 0,
            keys: ["a", "missing", "b", "list", "c", "a"]
                .iter()
                .map(b)
                .collect(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.values,
        vec![
            found("1"),
            absent.clone(),
            found(""),
            absent.clone(),
            found("3"),
            found("1")
        ]
    );
    // MSETNX: all or nothing.
    let r = c
        .m_set_nx(proto::MSetNxRequest {
            db: 0,
            pairs: vec![kv("n1", "1"), kv("a", "no"), kv("n2", "2")],
        })
        .await
        .unwrap();
    assert!(!r.into_inner().applied);
    let r = c
        .m_get(proto::MGetRequest {
            db: 0,
            keys: vec![b("n1"), b("a"), b("n2")],
        })
        .await
        .unwrap();
    assert_eq!(
        r.into_inner().values,
        vec![absent.clone(), found("1"), absent.clone()]
    );
    // A key of another type counts as existing.
    let r = c
        .m_set_nx(proto::MSetNxRequest {
            db: 0,
            pairs: vec![kv("n1", "1"), kv("list", "x")],
        })
        .await
        .unwrap();
    assert!(!r.into_inner().applied);
    let r = c
        .m_set_nx(proto::MSetNxRequest {
            db: 0,
            pairs: vec![kv("n1", "1"), kv("n2", "2")],
        })
        .await
        .unwrap();
    assert!(r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "n2").await, Some(b("2")));
    // Empty requests are the commands' arity errors.
    assert_status(
        c.m_get(proto::MGetRequest {
            db: 0,
            keys: vec![],
        })
        .await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'mget' command",
    );
    assert_status(
        c.m_set(proto::MSetRequest {
            db: 0,
            pairs: vec![],
        })
        .await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'mset' command",
    );
    assert_status(
        c.m_set_nx(proto::MSetNxRequest {
            db: 0,
            pairs: vec![],
        })
        .await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'msetnx' command",
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incr_and_incr_by() {
    let (server, mut c) = start().await;
    let incr = |key: &str| proto::IncrRequest { db: 0, key: b(key) };
    let incr_by = |key: &str, increment: i64| proto::IncrByRequest {
        db: 0,
        key: b(key),
        increment,
    };
    assert_eq!(c.incr(incr("n")).await.unwrap().into_inner().value, 1);
    assert_eq!(c.incr(incr("n")).await.unwrap().into_inner().value, 2);
    assert_eq!(
        c.incr_by(incr_by("n", 40))
            .await
            .unwrap()
            .into_inner()
            .value,
        42
    );
    assert_eq!(
        c.incr_by(incr_by("n", -50))
            .await
            .unwrap()
            .into_inner()
            .value,
        -8
    );
    assert_eq!(get(&mut c, 0, "n").await, Some(b("-8")));
    assert_eq!(
        c.incr_by(incr_by("z", 0)).await.unwrap().into_inner().value,
        0
    );
    assert_eq!(get(&mut c, 0, "z").await, Some(b("0")));
    // The expiry is kept.
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("t"),
        value: b("10"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(c.incr(incr("t")).await.unwrap().into_inner().value, 11);
    assert_expires_at(&ttl(&mut c, 0, "t").await, at * 1000);
    // Extremes.
    assert_eq!(
        c.incr_by(incr_by("min", i64::MIN))
            .await
            .unwrap()
            .into_inner()
            .value,
        i64::MIN
    );
    assert_status(
        c.incr_by(incr_by("min", -1)).await,
        Code::InvalidArgument,
        "ERR increment or decrement would overflow",
    );
    set(&mut c, 0, "max", &i64::MAX.to_string()).await;
    assert_status(
        c.incr(incr("max")).await,
        Code::InvalidArgument,
        "ERR increment or decrement would overflow",
    );
    assert_eq!(get(&mut c, 0, "max").await, Some(b(i64::MAX.to_string())));
    // Values that are not integers.
    for bad in ["abc", "", " 1", "1.5", "99999999999999999999"] {
        set(&mut c, 0, "bad", bad).await;
        assert_status(
            c.incr(incr("bad")).await,
            Code::InvalidArgument,
            NOT_INTEGER,
        );
        assert_status(
            c.incr_by(incr_by("bad", 1)).await,
            Code::InvalidArgument,
            NOT_INTEGER,
        );
        assert_eq!(get(&mut c, 0, "bad").await, Some(b(bad)));
    }
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.incr(incr("list")).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert_status(
        c.incr_by(incr_by("list", 2)).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incr_by_float_prints_like_redis() {
    let (server, mut c) = start().await;
    let incr = |key: &str, increment: f64| proto::IncrByFloatRequest {
        db: 0,
        key: b(key),
        increment,
    };
    // The examples of Redis's INCRBYFLOAT page.
    set(&mut c, 0, "mykey", "10.50").await;
    let r = c.incr_by_float(incr("mykey", 0.1)).await.unwrap();
    assert_eq!(r.into_inner().value, "10.6");
    let r = c.incr_by_float(incr("mykey", -5.0)).await.unwrap();
    assert_eq!(r.into_inner().value, "5.6");
    set(&mut c, 0, "mykey", "5.0e3").await;
    let r = c.incr_by_float(incr("mykey", 2.0e2)).await.unwrap();
    assert_eq!(r.into_inner().value, "5200");
    assert_eq!(get(&mut c, 0, "mykey").await, Some(b("5200")));
    // A missing key counts as 0.
    let r = c.incr_by_float(incr("f", 1.5)).await.unwrap();
    assert_eq!(r.into_inner().value, "1.5");
    let r = c.incr_by_float(incr("f", 0.25)).await.unwrap();
    assert_eq!(r.into_inner().value, "1.75");
    let r = c.incr_by_float(incr("i", 3.0)).await.unwrap();
    assert_eq!(r.into_inner().value, "3");
    // The expiry is kept.
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("t"),
        value: b("1"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    let r = c.incr_by_float(incr("t", 0.5)).await.unwrap();
    assert_eq!(r.into_inner().value, "1.5");
    assert_expires_at(&ttl(&mut c, 0, "t").await, at * 1000);
    // Errors.
    set(&mut c, 0, "s", "abc").await;
    assert_status(
        c.incr_by_float(incr("s", 1.0)).await,
        Code::InvalidArgument,
        "ERR value is not a valid float",
    );
    assert_status(
        c.incr_by_float(incr("f", f64::INFINITY)).await,
        Code::InvalidArgument,
        "ERR increment would produce NaN or Infinity",
    );
    assert!(c.incr_by_float(incr("f", f64::NAN)).await.is_err());
    assert_eq!(get(&mut c, 0, "f").await, Some(b("1.75")));
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.incr_by_float(incr("list", 1.0)).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_strlen_getrange_setrange() {
    let (server, mut c) = start().await;
    let append = |key: &str, value: &str| proto::AppendRequest {
        db: 0,
        key: b(key),
        value: b(value),
    };
    let strlen = |key: &str| proto::StrLenRequest { db: 0, key: b(key) };
    let getrange = |key: &str, start: i64, end: i64| proto::GetRangeRequest {
        db: 0,
        key: b(key),
        start,
        end,
    };
    let setrange = |key: &str, offset: i64, value: &str| proto::SetRangeRequest {
        db: 0,
        key: b(key),
        offset,
        value: b(value),
    };
    assert_eq!(
        c.append(append("s", "Hello")).await.unwrap().into_inner(),
        proto::AppendResponse { length: 5 }
    );
    assert_eq!(
        c.append(append("s", " World")).await.unwrap().into_inner(),
        proto::AppendResponse { length: 11 }
    );
    assert_eq!(
        c.append(append("s", "")).await.unwrap().into_inner().length,
        11
    );
    // APPEND of nothing to a missing key creates an empty string.
    assert_eq!(
        c.append(append("e", "")).await.unwrap().into_inner().length,
        0
    );
    assert_eq!(get(&mut c, 0, "e").await, Some(Bytes::new()));
    assert_eq!(
        c.str_len(strlen("s")).await.unwrap().into_inner().length,
        11
    );
    assert_eq!(
        c.str_len(strlen("missing"))
            .await
            .unwrap()
            .into_inner()
            .length,
        0
    );
    for (start, end, want) in [
        (0, 4, "Hello"),
        (-5, -1, "World"),
        (0, -1, "Hello World"),
        (-100, 100, "Hello World"),
        (5, 1, ""),
        (20, 30, ""),
        (-1, -1, "d"),
        (3, 3, "l"),
    ] {
        let r = c.get_range(getrange("s", start, end)).await.unwrap();
        assert_eq!(r.into_inner().value, b(want), "GETRANGE s {start} {end}");
    }
    let r = c.get_range(getrange("missing", 0, -1)).await.unwrap();
    assert_eq!(r.into_inner().value, Bytes::new());
    // SETRANGE.
    assert_eq!(
        c.set_range(setrange("s", 6, "Redis"))
            .await
            .unwrap()
            .into_inner()
            .length,
        11
    );
    assert_eq!(get(&mut c, 0, "s").await, Some(b("Hello Redis")));
    assert_eq!(
        c.set_range(setrange("p", 5, "x"))
            .await
            .unwrap()
            .into_inner()
            .length,
        6
    );
    assert_eq!(get(&mut c, 0, "p").await, Some(b("\0\0\0\0\0x")));
    assert_eq!(
        c.set_range(setrange("s", 9, "sss!"))
            .await
            .unwrap()
            .into_inner()
            .length,
        13
    );
    assert_eq!(get(&mut c, 0, "s").await, Some(b("Hello Redsss!")));
    // An empty patch: the current length; a missing key stays missing.
    assert_eq!(
        c.set_range(setrange("none", 3, ""))
            .await
            .unwrap()
            .into_inner()
            .length,
        0
    );
    assert!(!exists(&mut c, 0, "none").await);
    assert_eq!(
        c.set_range(setrange("s", 100, ""))
            .await
            .unwrap()
            .into_inner()
            .length,
        13
    );
    assert_status(
        c.set_range(setrange("s", -1, "x")).await,
        Code::InvalidArgument,
        "ERR offset is out of range",
    );
    assert_status(
        c.set_range(setrange("big", 512 * 1024 * 1024, "x")).await,
        Code::InvalidArgument,
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
    );
    assert!(!exists(&mut c, 0, "big").await);
    // APPEND and SETRANGE keep the expiry.
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("t"),
        value: b("abc"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    c.append(append("t", "d")).await.unwrap();
    c.set_range(setrange("t", 0, "A")).await.unwrap();
    assert_eq!(get(&mut c, 0, "t").await, Some(b("Abcd")));
    assert_expires_at(&ttl(&mut c, 0, "t").await, at * 1000);
    // Other types.
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_status(
        c.append(append("list", "x")).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert_status(
        c.str_len(strlen("list")).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert_status(
        c.get_range(getrange("list", 0, -1)).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    assert_status(
        c.set_range(setrange("list", 0, "x")).await,
        Code::FailedPrecondition,
        WRONGTYPE,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_values_round_trip_within_proto_max_bulk_len() {
    let server = common::start_with(memorabilia::config::Config {
        proto_max_bulk_len: 8 * 1024 * 1024,
        ..Default::default()
    })
    .await;
    // tonic clients receive at most 4 MiB unless told otherwise.
    let mut c = common::grpc(&server)
        .await
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    let big = Bytes::from(
        (0..8 * 1024 * 1024u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let r = c
        .set(proto::SetRequest {
            key: b("big"),
            value: big.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(r.into_inner().applied);
    assert!(get(&mut c, 0, "big").await == Some(big.clone()));
    let r = c
        .get_range(proto::GetRangeRequest {
            db: 0,
            key: b("big"),
            start: -3,
            end: -1,
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner().value, big.slice(big.len() - 3..));
    assert!(execute(&mut c, cmd(&["GET", "big"])).await == reply(Kind::Bulk(big.clone())));
    // The same limit as RESP: one byte more cannot grow the string.
    assert_status(
        c.append(proto::AppendRequest {
            db: 0,
            key: b("big"),
            value: b("x"),
        })
        .await,
        Code::InvalidArgument,
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
    );
    // A message far beyond the limit is refused by the transport, and the server goes on.
    let huge = Bytes::from(vec![0u8; 9 * 1024 * 1024]);
    let err = c
        .set(proto::SetRequest {
            key: b("huge"),
            value: huge,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    assert_eq!(get(&mut c, 0, "huge").await, None);
    stop(server).await;
}

// ---------------------------------------------------------------------------------------
// Typed RPCs: keys
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn del_exists_type() {
    let (server, mut c) = start().await;
    let keys = |ks: &[&str]| ks.iter().map(b).collect::<Vec<_>>();
    set(&mut c, 0, "a", "1").await;
    set(&mut c, 0, "b", "").await;
    common::plant_list(&server, 0, b"list", &[b"x"]);
    let n = c
        .exists(proto::ExistsRequest {
            db: 0,
            keys: keys(&["a", "a", "b", "missing", "list"]),
        })
        .await
        .unwrap();
    assert_eq!(n.into_inner().count, 4);
    for (key, want) in [
        ("a", ValueType::String),
        ("b", ValueType::String),
        ("list", ValueType::List),
        ("missing", ValueType::None),
    ] {
        let t = c
            .r#type(proto::TypeRequest { db: 0, key: b(key) })
            .await
            .unwrap();
        assert_eq!(t.into_inner().r#type(), want, "TYPE {key}");
    }
    // A key named twice is deleted once.
    let d = c
        .del(proto::DelRequest {
            db: 0,
            keys: keys(&["a", "a", "missing", "list"]),
        })
        .await
        .unwrap();
    assert_eq!(d.into_inner().deleted, 2);
    let n = c
        .exists(proto::ExistsRequest {
            db: 0,
            keys: keys(&["a", "b", "list"]),
        })
        .await
        .unwrap();
    assert_eq!(n.into_inner().count, 1);
    let d = c
        .del(proto::DelRequest {
            db: 0,
            keys: keys(&["a"]),
        })
        .await
        .unwrap();
    assert_eq!(d.into_inner().deleted, 0);
    assert_status(
        c.del(proto::DelRequest {
            db: 0,
            keys: vec![],
        })
        .await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'del' command",
    );
    assert_status(
        c.exists(proto::ExistsRequest {
            db: 0,
            keys: vec![],
        })
        .await,
        Code::InvalidArgument,
        "ERR wrong number of arguments for 'exists' command",
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_forms_conditions_and_errors() {
    let (server, mut c) = start().await;
    let expire = |key: &str, time: Time, condition: ExpireCondition| proto::ExpireRequest {
        db: 0,
        key: b(key),
        expiry: expiry(time),
        condition: condition as i32,
    };
    let always = ExpireCondition::Always;
    let applied =
        |r: Result<Response<proto::ExpireResponse>, Status>| r.unwrap().into_inner().applied;

    // A missing key.
    assert!(!applied(
        c.expire(expire("missing", Time::Seconds(10), always)).await
    ));
    assert!(!exists(&mut c, 0, "missing").await);
    // The four forms.
    set(&mut c, 0, "k", "v").await;
    assert!(applied(
        c.expire(expire("k", Time::Seconds(100), always)).await
    ));
    assert_expires_in(&ttl(&mut c, 0, "k").await, 100_000);
    assert!(applied(
        c.expire(expire("k", Time::Milliseconds(200_500), always))
            .await
    ));
    assert_expires_in(&ttl(&mut c, 0, "k").await, 200_500);
    let at = far_secs();
    assert!(applied(
        c.expire(expire("k", Time::UnixSeconds(at), always)).await
    ));
    assert_expires_at(&ttl(&mut c, 0, "k").await, at * 1000);
    assert!(applied(
        c.expire(expire("k", Time::UnixMilliseconds(at * 1000 + 5), always))
            .await
    ));
    assert_expires_at(&ttl(&mut c, 0, "k").await, at * 1000 + 5);

    // Conditions. "k" expires at `at`+5ms; "p" never expires.
    set(&mut c, 0, "p", "v").await;
    let nx = ExpireCondition::IfNoExpiry;
    let xx = ExpireCondition::IfHasExpiry;
    let gt = ExpireCondition::IfLater;
    let lt = ExpireCondition::IfEarlier;
    let later = Time::UnixSeconds(at + 100);
    let earlier = Time::UnixSeconds(at - 100);
    assert!(!applied(c.expire(expire("k", later, nx)).await));
    assert!(!applied(c.expire(expire("p", later, xx)).await));
    assert!(!applied(c.expire(expire("k", earlier, gt)).await));
    assert!(!applied(c.expire(expire("k", later, lt)).await));
    // No expiry counts as infinite: GT never applies to it, LT always does.
    assert!(!applied(c.expire(expire("p", later, gt)).await));
    assert_eq!(ttl(&mut c, 0, "p").await, no_expiry());
    assert_expires_at(&ttl(&mut c, 0, "k").await, at * 1000 + 5);
    assert!(applied(c.expire(expire("k", later, gt)).await));
    assert_expires_at(&ttl(&mut c, 0, "k").await, (at + 100) * 1000);
    assert!(applied(c.expire(expire("k", earlier, lt)).await));
    assert_expires_at(&ttl(&mut c, 0, "k").await, (at - 100) * 1000);
    assert!(applied(c.expire(expire("k", later, xx)).await));
    assert_expires_at(&ttl(&mut c, 0, "k").await, (at + 100) * 1000);
    assert!(applied(c.expire(expire("p", earlier, lt)).await));
    assert_expires_at(&ttl(&mut c, 0, "p").await, (at - 100) * 1000);
    set(&mut c, 0, "q", "v").await;
    assert!(applied(c.expire(expire("q", earlier, nx)).await));
    assert_expires_at(&ttl(&mut c, 0, "q").await, (at - 100) * 1000);

    // Zero, negative and past times delete the key (and report applied).
    for (i, time) in [
        Time::Seconds(0),
        Time::Seconds(-10),
        Time::Milliseconds(0),
        Time::Milliseconds(-1),
        Time::UnixSeconds(1),
        Time::UnixMilliseconds(now_ms() - 10),
        Time::UnixSeconds(0),
        Time::UnixMilliseconds(-5),
    ]
    .into_iter()
    .enumerate()
    {
        let key = format!("gone{i}");
        set(&mut c, 0, &key, "v").await;
        assert!(
            applied(c.expire(expire(&key, time, always)).await),
            "{time:?}"
        );
        assert!(!exists(&mut c, 0, &key).await, "{time:?}");
    }

    // Overflowing times are the command's invalid expire time; the key is untouched.
    for (time, name) in [
        (Time::Seconds(i64::MAX), "expire"),
        (Time::Seconds(i64::MIN), "expire"),
        (Time::Milliseconds(i64::MAX), "pexpire"),
        (Time::UnixSeconds(i64::MAX), "expireat"),
    ] {
        assert_status(
            c.expire(expire("p", time, always)).await,
            Code::InvalidArgument,
            &format!("ERR invalid expire time in '{name}' command"),
        );
    }
    assert_expires_at(&ttl(&mut c, 0, "p").await, (at - 100) * 1000);
    // A request without an expiry, or with an unknown condition, is refused.
    assert_code(
        c.expire(proto::ExpireRequest {
            db: 0,
            key: b("p"),
            expiry: None,
            condition: 0,
        })
        .await,
        Code::InvalidArgument,
    );
    assert_code(
        c.expire(proto::ExpireRequest {
            db: 0,
            key: b("p"),
            expiry: expiry(Time::Seconds(5)),
            condition: 9,
        })
        .await,
        Code::InvalidArgument,
    );
    assert_expires_at(&ttl(&mut c, 0, "p").await, (at - 100) * 1000);
    // Keys of other types take expiries too.
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert!(applied(
        c.expire(expire("list", Time::UnixSeconds(at), always))
            .await
    ));
    assert_expires_at(&ttl(&mut c, 0, "list").await, at * 1000);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persist_and_ttl_states() {
    let (server, mut c) = start().await;
    let persist = |key: &str| proto::PersistRequest { db: 0, key: b(key) };
    assert_eq!(ttl(&mut c, 0, "missing").await, no_key());
    assert!(
        !c.persist(persist("missing"))
            .await
            .unwrap()
            .into_inner()
            .applied
    );
    set(&mut c, 0, "k", "v").await;
    assert_eq!(ttl(&mut c, 0, "k").await, no_expiry());
    assert!(!c.persist(persist("k")).await.unwrap().into_inner().applied);
    let at = far_secs() * 1000 + 999;
    c.expire(proto::ExpireRequest {
        db: 0,
        key: b("k"),
        expiry: expiry(Time::UnixMilliseconds(at)),
        condition: 0,
    })
    .await
    .unwrap();
    assert_expires_at(&ttl(&mut c, 0, "k").await, at);
    assert!(c.persist(persist("k")).await.unwrap().into_inner().applied);
    assert_eq!(ttl(&mut c, 0, "k").await, no_expiry());
    assert_eq!(get(&mut c, 0, "k").await, Some(b("v")));
    assert!(!c.persist(persist("k")).await.unwrap().into_inner().applied);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_and_renamenx() {
    let (server, mut c) = start().await;
    let rename = |key: &str, new_key: &str, only_if_new: bool| proto::RenameRequest {
        db: 0,
        key: b(key),
        new_key: b(new_key),
        only_if_new,
    };
    for only_if_new in [false, true] {
        assert_status(
            c.rename(rename("missing", "x", only_if_new)).await,
            Code::NotFound,
            "ERR no such key",
        );
    }
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("a"),
        value: b("1"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    let r = c.rename(rename("a", "b", false)).await.unwrap();
    assert!(r.into_inner().applied);
    assert!(!exists(&mut c, 0, "a").await);
    assert_eq!(get(&mut c, 0, "b").await, Some(b("1")));
    assert_expires_at(&ttl(&mut c, 0, "b").await, at * 1000);
    // Over an existing key: RENAME replaces, dropping the target's expiry for the source's.
    set(&mut c, 0, "c", "3").await;
    let r = c.rename(rename("c", "b", false)).await.unwrap();
    assert!(r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "b").await, Some(b("3")));
    assert_eq!(ttl(&mut c, 0, "b").await, no_expiry());
    // RENAMENX refuses an existing target.
    set(&mut c, 0, "d", "4").await;
    let r = c.rename(rename("d", "b", true)).await.unwrap();
    assert!(!r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "b").await, Some(b("3")));
    assert_eq!(get(&mut c, 0, "d").await, Some(b("4")));
    let r = c.rename(rename("d", "e", true)).await.unwrap();
    assert!(r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "e").await, Some(b("4")));
    assert!(!exists(&mut c, 0, "d").await);
    // Onto itself: RENAME succeeds, RENAMENX reports the target exists (Redis 7).
    let r = c.rename(rename("e", "e", false)).await.unwrap();
    assert!(r.into_inner().applied);
    let r = c.rename(rename("e", "e", true)).await.unwrap();
    assert!(!r.into_inner().applied);
    assert_eq!(get(&mut c, 0, "e").await, Some(b("4")));
    // Any type moves.
    common::plant_list(&server, 0, b"list", &[b"a"]);
    c.rename(rename("list", "moved", false)).await.unwrap();
    let t = c
        .r#type(proto::TypeRequest {
            db: 0,
            key: b("moved"),
        })
        .await
        .unwrap();
    assert_eq!(t.into_inner().r#type(), ValueType::List);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_within_and_across_databases() {
    let (server, mut c) = start().await;
    let copy = |src: &str, dst: &str, dst_db: Option<u32>, replace: bool| proto::CopyRequest {
        db: 0,
        source: b(src),
        destination: b(dst),
        destination_db: dst_db,
        replace,
    };
    let copied = |r: Result<Response<proto::CopyResponse>, Status>| r.unwrap().into_inner().copied;
    assert!(!copied(c.copy(copy("missing", "x", None, false)).await));
    assert!(!exists(&mut c, 0, "x").await);
    let at = far_secs();
    c.set(proto::SetRequest {
        key: b("src"),
        value: b("v"),
        expiry: expiry(Time::UnixSeconds(at)),
        ..Default::default()
    })
    .await
    .unwrap();
    // Same database, new key: value and expiry copied.
    assert!(copied(c.copy(copy("src", "dst", None, false)).await));
    assert_eq!(get(&mut c, 0, "dst").await, Some(b("v")));
    assert_expires_at(&ttl(&mut c, 0, "dst").await, at * 1000);
    // Across databases, same name.
    assert!(copied(c.copy(copy("src", "src", Some(3), false)).await));
    assert_eq!(get(&mut c, 3, "src").await, Some(b("v")));
    assert_expires_at(&ttl(&mut c, 3, "src").await, at * 1000);
    // The copy is independent of its source.
    set(&mut c, 0, "src", "changed").await;
    assert_eq!(get(&mut c, 3, "src").await, Some(b("v")));
    // An existing destination: refused without replace, replaced with it.
    assert!(!copied(c.copy(copy("src", "src", Some(3), false)).await));
    assert_eq!(get(&mut c, 3, "src").await, Some(b("v")));
    assert!(copied(c.copy(copy("src", "src", Some(3), true)).await));
    assert_eq!(get(&mut c, 3, "src").await, Some(b("changed")));
    assert_eq!(ttl(&mut c, 3, "src").await, no_expiry());
    // destination_db from a request on another db.
    let r = c
        .copy(proto::CopyRequest {
            db: 3,
            source: b("src"),
            destination: b("back"),
            destination_db: Some(0),
            replace: false,
        })
        .await
        .unwrap();
    assert!(r.into_inner().copied);
    assert_eq!(get(&mut c, 0, "back").await, Some(b("changed")));
    assert!(!exists(&mut c, 3, "back").await);
    // Errors.
    assert_status(
        c.copy(copy("src", "src", None, true)).await,
        Code::InvalidArgument,
        "ERR source and destination objects are the same",
    );
    assert_status(
        c.copy(copy("src", "src", Some(0), false)).await,
        Code::InvalidArgument,
        "ERR source and destination objects are the same",
    );
    for bad in [16, 99, u32::MAX] {
        assert_status(
            c.copy(copy("src", "x", Some(bad), false)).await,
            Code::InvalidArgument,
            DB_RANGE,
        );
    }
    // Other types copy too.
    common::plant_list(&server, 0, b"list", &[b"a", b"b"]);
    assert!(copied(c.copy(copy("list", "list2", Some(5), false)).await));
    let t = c
        .r#type(proto::TypeRequest {
            db: 5,
            key: b("list2"),
        })
        .await
        .unwrap();
    assert_eq!(t.into_inner().r#type(), ValueType::List);
    stop(server).await;
}

/// Every key SCAN returns over a whole iteration, checking each page.
async fn scan_all(c: &mut Client, mut req: proto::ScanRequest) -> BTreeSet<Bytes> {
    let mut seen = BTreeSet::new();
    req.cursor = 0;
    for _ in 0..100_000 {
        let r = c.scan(req.clone()).await.unwrap().into_inner();
        seen.extend(r.keys);
        if r.cursor == 0 {
            return seen;
        }
        req.cursor = r.cursor;
    }
    panic!("SCAN never finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_pages_collect_exactly_every_key() {
    let (server, mut c) = start().await;
    let mut all = BTreeSet::new();
    let mut users = BTreeSet::new();
    let mut pairs = Vec::new();
    for i in 0..300 {
        let key = format!("key:{i}");
        all.insert(b(&key));
        pairs.push(proto::KeyValue {
            key: b(&key),
            value: b("v"),
        });
    }
    for i in 0..40 {
        let key = format!("user:{i}");
        all.insert(b(&key));
        users.insert(b(&key));
        pairs.push(proto::KeyValue {
            key: b(&key),
            value: b("u"),
        });
    }
    c.m_set(proto::MSetRequest { db: 0, pairs }).await.unwrap();
    common::plant_list(&server, 0, b"alist", &[b"a"]);
    set(&mut c, 1, "other-db", "x").await;
    let strings = all.clone();
    all.insert(b("alist"));

    for count in [0, 1, 7, 1000] {
        let got = scan_all(
            &mut c,
            proto::ScanRequest {
                count,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(got, all, "COUNT {count}");
    }
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            pattern: Some(b("user:*")),
            count: 5,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got, users);
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            pattern: Some(b("key:1?")),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got.len(), 10, "{got:?}");
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            r#type: Some(ValueType::String as i32),
            count: 50,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got, strings);
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            r#type: Some(ValueType::List as i32),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got, BTreeSet::from([b("alist")]));
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            r#type: Some(ValueType::Hash as i32),
            ..Default::default()
        },
    )
    .await;
    assert!(got.is_empty());
    let got = scan_all(
        &mut c,
        proto::ScanRequest {
            db: 1,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(got, BTreeSet::from([b("other-db")]));
    let r = c
        .scan(proto::ScanRequest {
            db: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(r.into_inner(), proto::ScanResponse::default());
    assert_code(
        c.scan(proto::ScanRequest {
            r#type: Some(ValueType::None as i32),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbsize_and_flushdb_per_database() {
    let (server, mut c) = start().await;
    let size = |db: u32| proto::DbSizeRequest { db };
    for i in 0..5 {
        set(&mut c, 0, &format!("a{i}"), "v").await;
    }
    for i in 0..3 {
        set(&mut c, 3, &format!("b{i}"), "v").await;
    }
    set(&mut c, 4, "c", "v").await;
    assert_eq!(c.db_size(size(0)).await.unwrap().into_inner().size, 5);
    assert_eq!(c.db_size(size(3)).await.unwrap().into_inner().size, 3);
    assert_eq!(c.db_size(size(15)).await.unwrap().into_inner().size, 0);
    c.flush_db(proto::FlushDbRequest {
        db: 3,
        r#async: false,
    })
    .await
    .unwrap();
    assert_eq!(c.db_size(size(3)).await.unwrap().into_inner().size, 0);
    assert_eq!(c.db_size(size(0)).await.unwrap().into_inner().size, 5);
    assert_eq!(get(&mut c, 3, "b0").await, None);
    assert_eq!(get(&mut c, 0, "a0").await, Some(b("v")));
    c.flush_db(proto::FlushDbRequest {
        db: 0,
        r#async: true,
    })
    .await
    .unwrap();
    assert_eq!(c.db_size(size(0)).await.unwrap().into_inner().size, 0);
    assert_eq!(c.db_size(size(4)).await.unwrap().into_inner().size, 1);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn databases_are_independent_and_checked() {
    let (server, mut c) = start().await;
    set(&mut c, 0, "k", "zero").await;
    set(&mut c, 3, "k", "three").await;
    set(&mut c, 15, "k", "fifteen").await;
    assert_eq!(get(&mut c, 0, "k").await, Some(b("zero")));
    assert_eq!(get(&mut c, 3, "k").await, Some(b("three")));
    assert_eq!(get(&mut c, 15, "k").await, Some(b("fifteen")));
    assert_eq!(get(&mut c, 1, "k").await, None);
    c.del(proto::DelRequest {
        db: 3,
        keys: vec![b("k")],
    })
    .await
    .unwrap();
    assert_eq!(get(&mut c, 3, "k").await, None);
    assert_eq!(get(&mut c, 0, "k").await, Some(b("zero")));
    c.incr_by(proto::IncrByRequest {
        db: 7,
        key: b("n"),
        increment: 5,
    })
    .await
    .unwrap();
    assert_eq!(get(&mut c, 7, "n").await, Some(b("5")));
    assert_eq!(get(&mut c, 0, "n").await, None);

    // Every typed RPC refuses a database out of range, before doing anything.
    for db in [16, 99, u32::MAX] {
        let k = b("k");
        macro_rules! refused {
            ($rpc:ident, $req:expr) => {
                assert_status(c.$rpc($req).await, Code::InvalidArgument, DB_RANGE)
            };
        }
        refused!(get, proto::GetRequest { db, key: k.clone() });
        refused!(
            set,
            proto::SetRequest {
                db,
                key: k.clone(),
                ..Default::default()
            }
        );
        refused!(get_del, proto::GetDelRequest { db, key: k.clone() });
        refused!(
            get_ex,
            proto::GetExRequest {
                db,
                key: k.clone(),
                change: None
            }
        );
        refused!(
            m_get,
            proto::MGetRequest {
                db,
                keys: vec![k.clone()]
            }
        );
        refused!(
            m_set,
            proto::MSetRequest {
                db,
                pairs: vec![proto::KeyValue {
                    key: k.clone(),
                    value: k.clone()
                }]
            }
        );
        refused!(
            m_set_nx,
            proto::MSetNxRequest {
                db,
                pairs: vec![proto::KeyValue {
                    key: k.clone(),
                    value: k.clone()
                }]
            }
        );
        refused!(incr, proto::IncrRequest { db, key: k.clone() });
        refused!(
            incr_by,
            proto::IncrByRequest {
                db,
                key: k.clone(),
                increment: 1
            }
        );
        refused!(
            incr_by_float,
            proto::IncrByFloatRequest {
                db,
                key: k.clone(),
                increment: 1.0
            }
        );
        refused!(
            append,
            proto::AppendRequest {
                db,
                key: k.clone(),
                value: k.clone()
            }
        );
        refused!(str_len, proto::StrLenRequest { db, key: k.clone() });
        refused!(
            get_range,
            proto::GetRangeRequest {
                db,
                key: k.clone(),
                start: 0,
                end: -1
            }
        );
        refused!(
            set_range,
            proto::SetRangeRequest {
                db,
                key: k.clone(),
                offset: 0,
                value: k.clone()
            }
        );
        refused!(
            del,
            proto::DelRequest {
                db,
                keys: vec![k.clone()]
            }
        );
        refused!(
            exists,
            proto::ExistsRequest {
                db,
                keys: vec![k.clone()]
            }
        );
        refused!(r#type, proto::TypeRequest { db, key: k.clone() });
        refused!(
            expire,
            proto::ExpireRequest {
                db,
                key: k.clone(),
                expiry: expiry(Time::Seconds(10)),
                condition: 0
            }
        );
        refused!(persist, proto::PersistRequest { db, key: k.clone() });
        refused!(ttl, proto::TtlRequest { db, key: k.clone() });
        refused!(
            rename,
            proto::RenameRequest {
                db,
                key: k.clone(),
                new_key: b("k2"),
                only_if_new: false
            }
        );
        refused!(
            copy,
            proto::CopyRequest {
                db,
                source: k.clone(),
                destination: b("k2"),
                destination_db: Some(0),
                replace: true
            }
        );
        refused!(
            scan,
            proto::ScanRequest {
                db,
                ..Default::default()
            }
        );
        refused!(db_size, proto::DbSizeRequest { db });
        refused!(flush_db, proto::FlushDbRequest { db, r#async: false });
    }
    // Nothing changed.
    assert_eq!(get(&mut c, 0, "k").await, Some(b("zero")));
    assert_eq!(get(&mut c, 15, "k").await, Some(b("fifteen")));
    assert_eq!(
        c.db_size(proto::DbSizeRequest { db: 0 })
            .await
            .unwrap()
            .into_inner()
            .size,
        1
    );
    stop(server).await;
}

// ---------------------------------------------------------------------------------------
// Execute and Batch
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_models_every_reply_kind() {
    let (server, mut c) = start().await;
    assert_eq!(execute(&mut c, cmd(&["SET", "k", "v"])).await, simple("OK"));
    assert_eq!(execute(&mut c, cmd(&["PING"])).await, simple("PONG"));
    assert_eq!(execute(&mut c, cmd(&["GET", "k"])).await, bulk("v"));
    assert_eq!(execute(&mut c, cmd(&["SET", "e", ""])).await, simple("OK"));
    assert_eq!(execute(&mut c, cmd(&["GET", "e"])).await, bulk(""));
    assert_eq!(execute(&mut c, cmd(&["GET", "missing"])).await, null());
    assert_eq!(execute(&mut c, cmd(&["INCR", "n"])).await, int(1));
    assert_eq!(execute(&mut c, cmd(&["INCRBY", "n", "-3"])).await, int(-2));
    assert_eq!(
        execute(&mut c, cmd(&["MGET", "k", "missing", "e"])).await,
        array(vec![bulk("v"), null(), bulk("")])
    );
    assert_eq!(
        execute(
            &mut c,
            cmd(&["SCAN", "0", "MATCH", "nomatch*", "COUNT", "100000"])
        )
        .await,
        array(vec![bulk("0"), array(vec![])])
    );
    assert_eq!(
        execute(&mut c, cmd(&["CONFIG", "GET", "databases"])).await,
        reply(Kind::Map(proto::Map {
            entries: vec![proto::MapEntry {
                key: Some(bulk("databases")),
                value: Some(bulk("16")),
            }]
        }))
    );
    // SET with GET on a missing key, and SET NX refused: null replies.
    assert_eq!(execute(&mut c, cmd(&["SET", "k", "w", "NX"])).await, null());
    assert_eq!(
        execute(&mut c, cmd(&["SET", "new", "w", "GET"])).await,
        null()
    );
    // Errors are replies inside an OK response.
    assert_eq!(
        execute(&mut c, cmd(&["INCR", "k"])).await,
        error(NOT_INTEGER)
    );
    assert_eq!(
        execute(&mut c, cmd(&["GET"])).await,
        error("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        execute(&mut c, cmd(&["SET", "k", "v", "BOGUS"])).await,
        error("ERR syntax error")
    );
    common::plant_list(&server, 0, b"list", &[b"a"]);
    assert_eq!(
        execute(&mut c, cmd(&["GET", "list"])).await,
        error(WRONGTYPE)
    );
    assert_eq!(
        execute(&mut c, cmd(&["RENAME", "nokey", "x"])).await,
        error("ERR no such key")
    );
    // An unknown command: the same text RESP answers.
    let mut resp = common::RespClient::connect(&server).await;
    let common::Resp::Error(text) = resp.call(&["NOSUCHCMD", "a", "b"]).await else {
        panic!("RESP must answer an error")
    };
    assert!(
        text.starts_with("ERR unknown command 'NOSUCHCMD'"),
        "{text}"
    );
    assert_eq!(
        execute(&mut c, cmd(&["NOSUCHCMD", "a", "b"])).await,
        error(&text)
    );
    // Empty argv and bad databases are error replies too.
    let r = execute(&mut c, cmd(&[])).await;
    assert!(
        matches!(&r.kind, Some(Kind::Error(e)) if e.code == "ERR"),
        "{r:?}"
    );
    assert_eq!(
        execute(&mut c, cmd_db(16, &["PING"])).await,
        error(DB_RANGE)
    );
    assert_eq!(
        execute(&mut c, cmd_db(u32::MAX, &["GET", "k"])).await,
        error(DB_RANGE)
    );
    // The db field selects the database for the command.
    assert_eq!(
        execute(&mut c, cmd_db(3, &["SET", "k", "three"])).await,
        simple("OK")
    );
    assert_eq!(
        execute(&mut c, cmd_db(3, &["GET", "k"])).await,
        bulk("three")
    );
    assert_eq!(execute(&mut c, cmd(&["GET", "k"])).await, bulk("v"));
    assert_eq!(execute(&mut c, cmd_db(3, &["DBSIZE"])).await, int(1));
    // SELECT inside Execute affects nothing after it.
    assert_eq!(execute(&mut c, cmd(&["SELECT", "3"])).await, simple("OK"));
    assert_eq!(execute(&mut c, cmd(&["GET", "k"])).await, bulk("v"));
    assert_eq!(
        execute(&mut c, cmd(&["SELECT", "16"])).await,
        error(DB_RANGE)
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_runs_in_order_with_errors_in_place() {
    let (server, mut c) = start().await;
    let commands = vec![
        cmd(&["SET", "a", "1"]),
        cmd(&["INCR", "a"]),
        cmd(&["GET", "a"]),
        cmd(&["APPEND", "a", "x"]),
        cmd(&["INCR", "a"]),
        cmd(&["GET", "a"]),
        cmd_db(2, &["SET", "a", "two"]),
        cmd_db(2, &["GET", "a"]),
        cmd_db(20, &["GET", "a"]),
        cmd(&["GET", "a"]),
        cmd(&["NOPE"]),
        cmd(&["DEL", "a", "a"]),
        cmd(&["EXISTS", "a"]),
        cmd_db(2, &["EXISTS", "a"]),
    ];
    let r = c
        .batch(proto::BatchRequest { commands })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.replies.len(), 14);
    let expected = vec![
        simple("OK"),
        int(2),
        bulk("2"),
        int(2),
        error(NOT_INTEGER),
        bulk("2x"),
        simple("OK"),
        bulk("two"),
        error(DB_RANGE),
        bulk("2x"),
        error("ERR unknown command 'NOPE', with args beginning with: "),
        int(1),
        int(0),
        int(1),
    ];
    assert_eq!(r.replies, expected);
    let empty = c
        .batch(proto::BatchRequest { commands: vec![] })
        .await
        .unwrap();
    assert!(empty.into_inner().replies.is_empty());
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_calls_do_not_share_connection_state() {
    let (server, mut c) = start().await;
    let r = execute(&mut c, cmd(&["CLIENT", "SETNAME", "leak"])).await;
    assert!(
        matches!(r.kind, Some(Kind::Simple(_) | Kind::Error(_))),
        "{r:?}"
    );
    // A later, unrelated call (another client, even) must not see that name.
    let mut other = common::grpc(&server).await;
    let r = execute(&mut other, cmd(&["CLIENT", "GETNAME"])).await;
    assert_ne!(r, bulk("leak"));
    let r = other
        .batch(proto::BatchRequest {
            commands: vec![cmd(&["CLIENT", "GETNAME"])],
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(r.replies, vec![bulk("leak")]);
    stop(server).await;
}

// ---------------------------------------------------------------------------------------
// Pipeline
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_answers_10000_commands_in_flight_in_order() {
    let (server, mut c) = start().await;
    execute(&mut c, cmd(&["SET", "str", "abc"])).await;
    let mut commands = Vec::new();
    let mut expected = Vec::new();
    let mut ctr = 0;
    let mut log = 0;
    for i in 0..10_000 {
        let (command, reply) = match i {
            5000 => (cmd(&["INCR", "str"]), error(NOT_INTEGER)),
            6000 => (
                cmd(&["NOSUCH"]),
                error("ERR unknown command 'NOSUCH', with args beginning with: "),
            ),
            7000 => (cmd_db(99, &["PING"]), error(DB_RANGE)),
            8000 => (
                cmd(&["GET"]),
                error("ERR wrong number of arguments for 'get' command"),
            ),
            _ => match i % 5 {
                0 => {
                    ctr += 1;
                    (cmd(&["INCR", "ctr"]), int(ctr))
                }
                1 => (
                    cmd(&["SET", &format!("k{i}"), &format!("v{i}")]),
                    simple("OK"),
                ),
                2 => (
                    cmd(&["GET", &format!("k{}", i - 1)]),
                    bulk(format!("v{}", i - 1)),
                ),
                3 => {
                    log += 1;
                    (cmd_db(1, &["APPEND", "log", "x"]), int(log))
                }
                _ => (cmd(&["GET", "never"]), null()),
            },
        };
        commands.push(command);
        expected.push(reply);
    }
    // The whole stream is ready before the call: every command is in flight at once.
    let mut replies = c
        .pipeline(tokio_stream::iter(commands))
        .await
        .unwrap()
        .into_inner();
    let mut got = Vec::with_capacity(expected.len());
    let read_all = async {
        while let Some(r) = replies.message().await.unwrap() {
            got.push(r);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .expect("all replies in time");
    assert_eq!(got.len(), expected.len());
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "reply {i}");
    }
    // The state is what the stream did.
    assert_eq!(
        execute(&mut c, cmd(&["GET", "ctr"])).await,
        bulk(ctr.to_string())
    );
    assert_eq!(
        execute(&mut c, cmd_db(1, &["STRLEN", "log"])).await,
        int(log)
    );
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_answers_one_at_a_time_and_ends_when_the_client_does() {
    let (server, mut c) = start().await;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut replies = c
        .pipeline(tokio_stream::wrappers::UnboundedReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    for i in 0..200 {
        let text = format!("m{i}");
        tx.send(cmd(&["ECHO", &text])).unwrap();
        let r = tokio::time::timeout(Duration::from_secs(5), replies.message())
            .await
            .expect("reply in time")
            .unwrap();
        assert_eq!(r, Some(bulk(&text)));
        if i == 100 {
            // An error does not end the stream.
            tx.send(cmd(&["INCRBY", "x", "notanumber"])).unwrap();
            let r = replies.message().await.unwrap();
            assert_eq!(r, Some(error(NOT_INTEGER)));
        }
    }
    // The client closes its side: the reply stream ends with an OK status.
    drop(tx);
    let end = tokio::time::timeout(Duration::from_secs(5), replies.message())
        .await
        .expect("end in time");
    assert!(matches!(end, Ok(None)), "{end:?}");
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_keeps_connection_state_per_stream() {
    let (server, mut c) = start().await;
    let (tx_a, rx_a) = tokio::sync::mpsc::unbounded_channel();
    let mut a = c
        .pipeline(tokio_stream::wrappers::UnboundedReceiverStream::new(rx_a))
        .await
        .unwrap()
        .into_inner();
    let mut ask = async |command: proto::Command| {
        tx_a.send(command).unwrap();
        tokio::time::timeout(Duration::from_secs(5), a.message())
            .await
            .expect("reply in time")
            .unwrap()
            .expect("stream open")
    };
    assert_eq!(
        ask(cmd(&["CLIENT", "SETNAME", "alpha"])).await,
        simple("OK")
    );
    assert_eq!(ask(cmd(&["CLIENT", "GETNAME"])).await, bulk("alpha"));
    let Some(Kind::Integer(id)) = ask(cmd(&["CLIENT", "ID"])).await.kind else {
        panic!("CLIENT ID is an integer")
    };
    // Each command runs in its own `db`: a SELECT in the stream does not carry over to
    // the next command, whose db field (0 here) wins.
    assert_eq!(ask(cmd(&["SELECT", "5"])).await, simple("OK"));
    assert_eq!(ask(cmd(&["SET", "sel", "v"])).await, simple("OK"));
    assert_eq!(ask(cmd_db(5, &["GET", "sel"])).await, null());
    assert_eq!(ask(cmd(&["GET", "sel"])).await, bulk("v"));
    assert_eq!(ask(cmd_db(5, &["SET", "five", "5"])).await, simple("OK"));
    assert_eq!(
        execute(&mut c, cmd_db(5, &["GET", "five"])).await,
        bulk("5")
    );
    assert_eq!(execute(&mut c, cmd(&["GET", "five"])).await, null());

    // Another stream has its own client: no name, another id.
    let mut b_replies = c
        .pipeline(tokio_stream::iter([
            cmd(&["CLIENT", "GETNAME"]),
            cmd(&["CLIENT", "ID"]),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b_replies.message().await.unwrap(), Some(null()));
    let other = b_replies.message().await.unwrap().expect("CLIENT ID reply");
    assert!(
        matches!(other.kind, Some(Kind::Integer(n)) if n != id),
        "{other:?}"
    );
    assert_eq!(b_replies.message().await.unwrap(), None);

    // The stream is a client RESP can see and kill; killing it ends the stream.
    let mut con = common::connection(&server, 2).await;
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(
        list.lines()
            .any(|l| l.starts_with(&format!("id={id} ")) && l.contains(" name=alpha ")),
        "{list}"
    );
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(killed, 1);
    let end = tokio::time::timeout(Duration::from_secs(5), a.message())
        .await
        .expect("stream ends in time");
    assert!(matches!(end, Ok(None)), "{end:?}");
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(!list.contains("name=alpha"), "{list}");
    drop(tx_a);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_stream_leaves_client_list_and_shutdown_ends_open_streams() {
    let (server, mut c) = start().await;
    let mut con = common::connection(&server, 2).await;
    let client_list = async |con: &mut redis::aio::MultiplexedConnection| -> String {
        redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(con)
            .await
            .unwrap()
    };
    // A client that goes away without closing its side.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut replies = c
        .pipeline(tokio_stream::wrappers::UnboundedReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(cmd(&["CLIENT", "SETNAME", "dropped"])).unwrap();
    assert_eq!(replies.message().await.unwrap(), Some(simple("OK")));
    assert!(client_list(&mut con).await.contains(" name=dropped "));
    drop(replies);
    drop(tx);
    let mut gone = false;
    for _ in 0..50 {
        if !client_list(&mut con).await.contains("name=dropped") {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gone, "the dropped stream is still listed");

    // An open stream does not keep the server from stopping; it ends.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut replies = c
        .pipeline(tokio_stream::wrappers::UnboundedReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(cmd(&["PING"])).unwrap();
    assert_eq!(replies.message().await.unwrap(), Some(simple("PONG")));
    server.shutdown();
    let end = tokio::time::timeout(Duration::from_secs(5), replies.message())
        .await
        .expect("the stream ends at shutdown");
    assert!(!matches!(end, Ok(Some(_))), "{end:?}");
    tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("server stops with a stream open");
    drop(tx);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_quit_answers_then_ends() {
    let (server, mut c) = start().await;
    let mut replies = c
        .pipeline(tokio_stream::iter([
            cmd(&["PING"]),
            cmd(&["QUIT"]),
            cmd(&["SET", "after", "quit"]),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replies.message().await.unwrap(), Some(simple("PONG")));
    assert_eq!(replies.message().await.unwrap(), Some(simple("OK")));
    let end = tokio::time::timeout(Duration::from_secs(5), replies.message())
        .await
        .expect("end in time");
    assert!(matches!(end, Ok(None)), "{end:?}");
    assert_eq!(execute(&mut c, cmd(&["EXISTS", "after"])).await, int(0));
    stop(server).await;
}

// ---------------------------------------------------------------------------------------
// Health and reflection
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_serving() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let server = common::start().await;
    let url = format!("http://{}", server.grpc_addr.unwrap());
    let mut health = HealthClient::new(channel(url).await);
    for service in ["", "memorabilia.v1.Memorabilia"] {
        let r = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.status(), ServingStatus::Serving, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_v1_and_v1alpha_list_the_services() {
    let server = common::start().await;
    let url = format!("http://{}", server.grpc_addr.unwrap());
    let wanted = ["grpc.health.v1.Health", "memorabilia.v1.Memorabilia"];

    {
        use tonic_reflection::pb::v1::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let mut client = ServerReflectionClient::new(channel(url.clone()).await);
        let requests = [
            MessageRequest::ListServices(String::new()),
            MessageRequest::FileContainingSymbol("memorabilia.v1.Memorabilia".into()),
        ]
        .map(|m| ServerReflectionRequest {
            host: String::new(),
            message_request: Some(m),
        });
        let mut responses = client
            .server_reflection_info(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let Some(MessageResponse::ListServicesResponse(list)) =
            responses.message().await.unwrap().unwrap().message_response
        else {
            panic!("v1: expected a service list")
        };
        let names: BTreeSet<String> = list.service.into_iter().map(|s| s.name).collect();
        for name in wanted {
            assert!(names.contains(name), "v1 lacks {name}: {names:?}");
        }
        let Some(MessageResponse::FileDescriptorResponse(files)) =
            responses.message().await.unwrap().unwrap().message_response
        else {
            panic!("v1: expected a file descriptor")
        };
        let has = |needle: &[u8]| {
            files
                .file_descriptor_proto
                .iter()
                .any(|f| f.windows(needle.len()).any(|w| w == needle))
        };
        assert!(has(b"memorabilia/v1/memorabilia.proto"));
        assert!(has(b"ErrorDetail") && has(b"Pipeline"));
        assert_eq!(responses.message().await.unwrap(), None);
    }
    {
        use tonic_reflection::pb::v1alpha::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let mut client = ServerReflectionClient::new(channel(url).await);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut responses = client
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let Some(MessageResponse::ListServicesResponse(list)) =
            responses.message().await.unwrap().unwrap().message_response
        else {
            panic!("v1alpha: expected a service list")
        };
        let names: BTreeSet<String> = list.service.into_iter().map(|s| s.name).collect();
        for name in wanted {
            assert!(names.contains(name), "v1alpha lacks {name}: {names:?}");
        }
    }
    stop(server).await;
}

// ---------------------------------------------------------------------------------------
// gRPC and RESP on one store
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn written_over_grpc_read_over_resp() {
    let (server, mut c) = start().await;
    let at_ms = far_secs() * 1000 + 321;
    c.set(proto::SetRequest {
        db: 5,
        key: b("x"),
        value: b("41"),
        expiry: expiry(Time::UnixMilliseconds(at_ms)),
        ..Default::default()
    })
    .await
    .unwrap();
    c.incr(proto::IncrRequest { db: 5, key: b("x") })
        .await
        .unwrap();
    c.m_set(proto::MSetRequest {
        db: 2,
        pairs: vec![
            proto::KeyValue {
                key: b("m1"),
                value: b("a"),
            },
            proto::KeyValue {
                key: b("m2"),
                value: Bytes::new(),
            },
        ],
    })
    .await
    .unwrap();
    execute(
        &mut c,
        cmd_db(9, &["SET", "e", "via-execute", "EX", "1000"]),
    )
    .await;
    let at_s = far_secs() + 77;
    c.copy(proto::CopyRequest {
        db: 5,
        source: b("x"),
        destination: b("y"),
        destination_db: Some(6),
        replace: false,
    })
    .await
    .unwrap();
    c.expire(proto::ExpireRequest {
        db: 6,
        key: b("y"),
        expiry: expiry(Time::UnixSeconds(at_s)),
        condition: 0,
    })
    .await
    .unwrap();

    let mut db5 = common::connection_db(&server, 5).await;
    let v: Option<String> = db5.get("x").await.unwrap();
    assert_eq!(v.as_deref(), Some("42"));
    let at: i64 = redis::cmd("PEXPIRETIME")
        .arg("x")
        .query_async(&mut db5)
        .await
        .unwrap();
    assert_eq!(at, at_ms);
    let pttl: i64 = redis::cmd("PTTL")
        .arg("x")
        .query_async(&mut db5)
        .await
        .unwrap();
    assert!(pttl > 0 && pttl <= at_ms - now_ms() + 50, "{pttl}");
    let mut db0 = common::connection_db(&server, 0).await;
    let v: Option<String> = db0.get("x").await.unwrap();
    assert_eq!(v, None);
    let mut db2 = common::connection_db(&server, 2).await;
    let v: Vec<Option<String>> = db2.mget(&["m1", "m2", "m3"]).await.unwrap();
    assert_eq!(v, vec![Some("a".into()), Some(String::new()), None]);
    let mut db9 = common::connection_db(&server, 9).await;
    let v: Option<String> = db9.get("e").await.unwrap();
    assert_eq!(v.as_deref(), Some("via-execute"));
    let ttl: i64 = db9.ttl("e").await.unwrap();
    assert!((995..=1000).contains(&ttl), "{ttl}");
    let mut db6 = common::connection_db(&server, 6).await;
    let v: Option<String> = db6.get("y").await.unwrap();
    assert_eq!(v.as_deref(), Some("42"));
    let at: i64 = redis::cmd("EXPIRETIME")
        .arg("y")
        .query_async(&mut db6)
        .await
        .unwrap();
    assert_eq!(at, at_s);
    let size: i64 = redis::cmd("DBSIZE").query_async(&mut db6).await.unwrap();
    assert_eq!(size, 1);

    // A pipeline stream writes where RESP reads.
    let mut replies = c
        .pipeline(tokio_stream::iter([
            cmd_db(3, &["SET", "p", "piped"]),
            cmd_db(3, &["PEXPIREAT", "p", &at_ms.to_string()]),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replies.message().await.unwrap(), Some(simple("OK")));
    assert_eq!(replies.message().await.unwrap(), Some(int(1)));
    assert_eq!(replies.message().await.unwrap(), None);
    let mut db3 = common::connection_db(&server, 3).await;
    let v: Option<String> = db3.get("p").await.unwrap();
    assert_eq!(v.as_deref(), Some("piped"));
    let at: i64 = redis::cmd("PEXPIRETIME")
        .arg("p")
        .query_async(&mut db3)
        .await
        .unwrap();
    assert_eq!(at, at_ms);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn written_over_resp_read_over_grpc() {
    let (server, mut c) = start().await;
    let at_ms = far_secs() * 1000 + 654;
    let mut db7 = common::connection_db(&server, 7).await;
    let _: () = redis::cmd("SET")
        .arg("y")
        .arg("from-resp")
        .arg("PXAT")
        .arg(at_ms)
        .query_async(&mut db7)
        .await
        .unwrap();
    let _: () = db7.set("counter", 41).await.unwrap();
    let _: () = db7.set("empty", "").await.unwrap();
    assert_eq!(get(&mut c, 7, "y").await, Some(b("from-resp")));
    assert_eq!(get(&mut c, 0, "y").await, None);
    assert_expires_at(&ttl(&mut c, 7, "y").await, at_ms);
    assert_eq!(get(&mut c, 7, "empty").await, Some(Bytes::new()));
    assert_eq!(ttl(&mut c, 7, "counter").await, no_expiry());
    let n = c
        .incr(proto::IncrRequest {
            db: 7,
            key: b("counter"),
        })
        .await
        .unwrap()
        .into_inner()
        .value;
    assert_eq!(n, 42);
    let v: String = db7.get("counter").await.unwrap();
    assert_eq!(v, "42");
    assert_eq!(
        c.db_size(proto::DbSizeRequest { db: 7 })
            .await
            .unwrap()
            .into_inner()
            .size,
        3
    );
    // A RESP SELECT only moves that connection.
    let mut con = common::connection(&server, 2).await;
    let _: () = redis::cmd("SELECT")
        .arg(4)
        .query_async(&mut con)
        .await
        .unwrap();
    let _: () = con.set("s", "four").await.unwrap();
    assert_eq!(get(&mut c, 4, "s").await, Some(b("four")));
    assert_eq!(get(&mut c, 0, "s").await, None);
    // RESP3 writes are the same data.
    let mut con3 = common::connection(&server, 3).await;
    let _: () = redis::cmd("SET")
        .arg("r3")
        .arg("v")
        .arg("EXAT")
        .arg(at_ms / 1000)
        .query_async(&mut con3)
        .await
        .unwrap();
    assert_expires_at(&ttl(&mut c, 0, "r3").await, at_ms / 1000 * 1000);
    // A RESP FLUSHDB empties the database for gRPC.
    let _: () = redis::cmd("FLUSHDB").query_async(&mut db7).await.unwrap();
    assert_eq!(
        c.db_size(proto::DbSizeRequest { db: 7 })
            .await
            .unwrap()
            .into_inner()
            .size,
        0
    );
    assert_eq!(get(&mut c, 7, "y").await, None);
    assert_eq!(get(&mut c, 4, "s").await, Some(b("four")));
    stop(server).await;
}
