//! Transactions over real sockets: MULTI/EXEC/WATCH through the `redis` crate, the gRPC
//! `Transaction` RPC with its preconditions, and the two front ends seeing each other's
//! writes. The concurrency tests fail on a server whose EXEC is not atomic or whose WATCH
//! misses a write.

mod common;

use bytes::Bytes;
use memorabilia::grpc::proto::{
    self, memorabilia_client::MemorabiliaClient, precondition::Check, reply::Kind,
};
use redis::AsyncCommands;
use tonic::Code;
use tonic::transport::Channel;

type Grpc = MemorabiliaClient<Channel>;

fn b(s: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(s.as_ref())
}

fn command(words: &[&str]) -> proto::Command {
    proto::Command {
        args: words.iter().map(b).collect(),
        db: 0,
    }
}

fn precondition(key: &str, check: Check) -> proto::Precondition {
    proto::Precondition {
        db: 0,
        key: b(key),
        check: Some(check),
    }
}

async fn transaction(
    c: &mut Grpc,
    preconditions: Vec<proto::Precondition>,
    commands: &[&[&str]],
) -> proto::TransactionResponse {
    c.transaction(proto::TransactionRequest {
        preconditions,
        commands: commands.iter().map(|w| command(w)).collect(),
    })
    .await
    .expect("transaction")
    .into_inner()
}

fn integer(reply: &proto::Reply) -> i64 {
    match &reply.kind {
        Some(Kind::Integer(n)) => *n,
        Some(Kind::Bulk(text)) => std::str::from_utf8(text).unwrap().parse().unwrap(),
        Some(Kind::Null(_)) => 0,
        other => panic!("not a number: {other:?}"),
    }
}

fn version_of(response: &proto::TransactionResponse, key: &str) -> u64 {
    response
        .versions
        .iter()
        .find(|v| v.key == key.as_bytes())
        .unwrap_or_else(|| panic!("no version of {key}"))
        .version
}

const ACCOUNTS: [&str; 5] = ["acc:0", "acc:1", "acc:2", "acc:3", "acc:4"];
const TOTAL: i64 = 5 * 1000;

/// Writers move money between accounts inside MULTI/EXEC (over RESP) and inside Transaction
/// calls (over gRPC) while readers read every account inside a transaction, over both
/// protocols: every reader must always see the total.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transfers_never_show_a_partial_transaction_to_either_protocol() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let pairs: Vec<(&str, i64)> = ACCOUNTS.iter().map(|a| (*a, 1000)).collect();
    let _: () = con.mset(&pairs).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..3usize {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..300usize {
                let (from, to) = (ACCOUNTS[(w + i) % 5], ACCOUNTS[(w + 2 * i + 1) % 5]);
                let _: (i64, i64) = redis::pipe()
                    .atomic()
                    .decr(from, 7)
                    .incr(to, 7)
                    .query_async(&mut con)
                    .await
                    .unwrap();
            }
        }));
    }
    for w in 0..2usize {
        let mut grpc = common::grpc(&server).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..300usize {
                let (from, to) = (ACCOUNTS[(w + 3 * i) % 5], ACCOUNTS[(w + i + 2) % 5]);
                let done = transaction(
                    &mut grpc,
                    vec![],
                    &[&["DECRBY", from, "3"], &["INCRBY", to, "3"]],
                )
                .await;
                assert!(done.committed);
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..2 {
        let mut con = common::connection(&server, 3).await;
        readers.push(tokio::spawn(async move {
            for _ in 0..400 {
                let mut pipe = redis::pipe();
                pipe.atomic();
                for a in ACCOUNTS {
                    pipe.get(a);
                }
                let values: Vec<i64> = pipe.query_async(&mut con).await.unwrap();
                assert_eq!(values.iter().sum::<i64>(), TOTAL, "RESP saw {values:?}");
            }
        }));
    }
    for _ in 0..2 {
        let mut grpc = common::grpc(&server).await;
        readers.push(tokio::spawn(async move {
            let gets: Vec<Vec<&str>> = ACCOUNTS.iter().map(|a| vec!["GET", *a]).collect();
            let gets: Vec<&[&str]> = gets.iter().map(|g| g.as_slice()).collect();
            for _ in 0..400 {
                let done = transaction(&mut grpc, vec![], &gets).await;
                let values: Vec<i64> = done.replies.iter().map(integer).collect();
                assert_eq!(values.iter().sum::<i64>(), TOTAL, "gRPC saw {values:?}");
            }
        }));
    }
    for t in tasks.into_iter().chain(readers) {
        t.await.unwrap();
    }
    let values: Vec<i64> = con.mget(&ACCOUNTS).await.unwrap();
    assert_eq!(values.iter().sum::<i64>(), TOTAL);
}

/// 8 clients, 4 over RESP (WATCH / GET / MULTI / SET / EXEC, retried when EXEC fails) and
/// 4 over gRPC (a Transaction reading the value and its version, then one conditional on
/// that version, retried when it does not commit), each adding 1 a number of times: the
/// counter must end at exactly 8 times that.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn optimistic_increments_from_both_protocols_lose_nothing() {
    const ROUNDS: i64 = 150;
    let server = common::start().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            let mut retries = 0u32;
            for _ in 0..ROUNDS {
                loop {
                    let _: () = redis::cmd("WATCH")
                        .arg("counter")
                        .query_async(&mut con)
                        .await
                        .unwrap();
                    let current: Option<i64> = con.get("counter").await.unwrap();
                    let next = current.unwrap_or(0) + 1;
                    let result: Option<(String,)> = redis::pipe()
                        .atomic()
                        .set("counter", next)
                        .query_async(&mut con)
                        .await
                        .unwrap();
                    if result.is_some() {
                        break;
                    }
                    retries += 1;
                }
            }
            retries
        }));
    }
    for _ in 0..4 {
        let mut grpc = common::grpc(&server).await;
        tasks.push(tokio::spawn(async move {
            let mut retries = 0u32;
            for _ in 0..ROUNDS {
                loop {
                    let read = transaction(&mut grpc, vec![], &[&["GET", "counter"]]).await;
                    let version = version_of(&read, "counter");
                    let next = (integer(&read.replies[0]) + 1).to_string();
                    let write = transaction(
                        &mut grpc,
                        vec![precondition("counter", Check::Version(version))],
                        &[&["SET", "counter", &next]],
                    )
                    .await;
                    if write.committed {
                        break;
                    }
                    assert_eq!(write.held, [false]);
                    assert!(write.replies.is_empty());
                    retries += 1;
                }
            }
            retries
        }));
    }
    let mut retries = 0;
    for t in tasks {
        retries += t.await.unwrap();
    }
    let mut con = common::connection(&server, 2).await;
    let total: i64 = con.get("counter").await.unwrap();
    assert_eq!(total, 8 * ROUNDS, "after {retries} retries");
}

/// A RESP WATCH sees a write made over gRPC; a gRPC precondition sees a write made over
/// RESP.
#[tokio::test]
async fn each_front_end_sees_the_other_s_writes() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let mut grpc = common::grpc(&server).await;
    let _: () = con.set("k", "v").await.unwrap();
    let _: () = redis::cmd("WATCH")
        .arg("k")
        .query_async(&mut con)
        .await
        .unwrap();
    grpc.set(proto::SetRequest {
        key: b("k"),
        value: b("v"),
        ..Default::default()
    })
    .await
    .unwrap();
    let exec: Option<(String,)> = redis::pipe()
        .atomic()
        .set("k", "mine")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(
        exec, None,
        "EXEC must fail: a gRPC client wrote k (an equal value)"
    );

    let read = transaction(&mut grpc, vec![], &[&["GET", "k"]]).await;
    let version = version_of(&read, "k");
    assert_ne!(version, 0);
    let _: () = con.set("k", "v").await.unwrap();
    let write = transaction(
        &mut grpc,
        vec![precondition("k", Check::Version(version))],
        &[&["SET", "k", "grpc"]],
    )
    .await;
    assert!(
        !write.committed,
        "a RESP client wrote k since its version was read"
    );
    let value: String = con.get("k").await.unwrap();
    assert_eq!(value, "v");
}

#[tokio::test]
async fn transaction_preconditions_and_refusals() {
    let server = common::start().await;
    let mut grpc = common::grpc(&server).await;
    let done = transaction(
        &mut grpc,
        vec![
            precondition("a", Check::Exists(false)),
            precondition("b", Check::Exists(false)),
        ],
        &[&["SET", "a", "1"], &["LPUSH", "a", "x"], &["GET", "a"]],
    )
    .await;
    assert!(done.committed);
    assert_eq!(done.held, [true, true]);
    assert_eq!(done.replies.len(), 3);
    assert!(matches!(&done.replies[1].kind, Some(Kind::Error(e)) if e.code == "WRONGTYPE"));
    assert_eq!(integer(&done.replies[2]), 1);
    assert_ne!(version_of(&done, "a"), 0);
    assert_eq!(version_of(&done, "b"), 0);
    let done = transaction(
        &mut grpc,
        vec![
            precondition("a", Check::ValueEquals(b("1"))),
            precondition("a", Check::ValueEquals(b("2"))),
        ],
        &[&["SET", "a", "3"]],
    )
    .await;
    assert!(!done.committed);
    assert_eq!(done.held, [true, false]);
    assert!(done.replies.is_empty());
    for refused in [
        &["NOSUCH"][..],
        &["GET"],
        &["MULTI"],
        &["WATCH", "a"],
        &["SHUTDOWN"],
    ] {
        let status = grpc
            .transaction(proto::TransactionRequest {
                preconditions: vec![],
                commands: vec![command(&["SET", "a", "9"]), command(refused)],
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{refused:?}");
        assert!(
            status
                .message()
                .starts_with("EXECABORT Transaction discarded because of: "),
            "{status:?}"
        );
    }
    let mut con = common::connection(&server, 2).await;
    let value: String = con.get("a").await.unwrap();
    assert_eq!(value, "1", "a refused transaction runs nothing");
    // A blocking command inside answers at once.
    let done = transaction(&mut grpc, vec![], &[&["BLPOP", "empty", "0"]]).await;
    assert!(matches!(done.replies[0].kind, Some(Kind::Null(_))));
}

/// Statistics count gRPC calls like RESP ones: typed RPCs under their command's name.
#[tokio::test]
async fn command_statistics_count_both_front_ends() {
    let server = common::start().await;
    let mut con = common::connection(&server, 2).await;
    let mut grpc = common::grpc(&server).await;
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut con)
        .await
        .unwrap();
    for _ in 0..3 {
        grpc.get(proto::GetRequest {
            key: b("k"),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let _: Option<String> = con.get("k").await.unwrap();
    grpc.execute(command(&["HSET", "h"])).await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(info.contains("cmdstat_get:calls=4,"), "{info}");
    assert!(info.contains("rejected_calls=1,failed_calls=0"), "{info}");
    let info: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut con)
        .await
        .unwrap();
    // RESETSTAT, 3 + 1 GETs, INFO commandstats (HSET was refused).
    assert!(info.contains("total_commands_processed:6\r\n"), "{info}");
}
