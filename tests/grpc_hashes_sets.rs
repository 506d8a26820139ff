//! The typed hash and set RPCs over real HTTP/2 with tonic: values, absent vs empty,
//! errors as statuses with Redis texts, databases, and data crossing between gRPC and RESP.

mod common;

use bytes::Bytes;
use memorabilia::grpc::proto::{self, memorabilia_client::MemorabiliaClient};
use redis::AsyncCommands;
use tonic::Code;
use tonic::transport::Channel;

type Client = MemorabiliaClient<Channel>;

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn b(s: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(s.as_ref())
}

fn fv(field: &str, value: &str) -> proto::FieldValue {
    proto::FieldValue {
        field: b(field),
        value: b(value),
    }
}

async fn hset(client: &mut Client, db: u32, key: &str, fields: Vec<proto::FieldValue>) -> i64 {
    client
        .h_set(proto::HSetRequest {
            db,
            key: b(key),
            fields,
        })
        .await
        .unwrap()
        .into_inner()
        .added
}

#[tokio::test]
async fn hash_rpcs() {
    let server = common::start().await;
    let mut client = common::grpc(&server).await;
    let c = &mut client;
    assert_eq!(
        hset(c, 0, "h", vec![fv("a", "1"), fv("e", ""), fv("a", "2")]).await,
        2
    );
    let get = |field: &str| proto::HGetRequest {
        db: 0,
        key: b("h"),
        field: b(field),
    };
    assert_eq!(
        c.h_get(get("a")).await.unwrap().into_inner().value,
        Some(b("2"))
    );
    assert_eq!(
        c.h_get(get("e")).await.unwrap().into_inner().value,
        Some(b(""))
    );
    assert_eq!(c.h_get(get("zz")).await.unwrap().into_inner().value, None);
    let values = c
        .hm_get(proto::HmGetRequest {
            db: 0,
            key: b("h"),
            fields: vec![b("a"), b("zz")],
        })
        .await
        .unwrap()
        .into_inner()
        .values;
    assert_eq!(
        values,
        [
            proto::OptionalFieldValue {
                found: true,
                value: b("2")
            },
            proto::OptionalFieldValue {
                found: false,
                value: Bytes::new()
            }
        ]
    );
    let all = c
        .h_get_all(proto::HGetAllRequest { db: 0, key: b("h") })
        .await
        .unwrap()
        .into_inner()
        .fields;
    assert_eq!(all, [fv("a", "2"), fv("e", "")]);
    let incr = proto::HIncrByRequest {
        db: 0,
        key: b("h"),
        field: b("n"),
        increment: 40,
    };
    assert_eq!(c.h_incr_by(incr).await.unwrap().into_inner().value, 40);
    let len = c
        .h_len(proto::HLenRequest { db: 0, key: b("h") })
        .await
        .unwrap()
        .into_inner()
        .length;
    assert_eq!(len, 3);
    let exists = proto::HExistsRequest {
        db: 0,
        key: b("h"),
        field: b("n"),
    };
    assert!(c.h_exists(exists).await.unwrap().into_inner().exists);
    let del = proto::HDelRequest {
        db: 0,
        key: b("h"),
        fields: vec![b("a"), b("e"), b("n"), b("zz")],
    };
    assert_eq!(c.h_del(del).await.unwrap().into_inner().removed, 3);
    // The emptied hash is gone, for RESP clients too.
    let mut con = common::connection(&server, 2).await;
    let exists: bool = con.exists("h").await.unwrap();
    assert!(!exists);
}

#[tokio::test]
async fn set_rpcs() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    let add = proto::SAddRequest {
        db: 0,
        key: b("s"),
        members: vec![b("3"), b("1"), b("3"), b("2")],
    };
    assert_eq!(c.s_add(add).await.unwrap().into_inner().added, 3);
    let members = c
        .s_members(proto::SMembersRequest { db: 0, key: b("s") })
        .await
        .unwrap()
        .into_inner()
        .members;
    assert_eq!(members, [b("1"), b("2"), b("3")]);
    let is = proto::SIsMemberRequest {
        db: 0,
        key: b("s"),
        member: b("2"),
    };
    assert!(c.s_is_member(is).await.unwrap().into_inner().is_member);
    let rem = proto::SRemRequest {
        db: 0,
        key: b("s"),
        members: vec![b("2"), b("9")],
    };
    assert_eq!(c.s_rem(rem).await.unwrap().into_inner().removed, 1);
    let card = c
        .s_card(proto::SCardRequest { db: 0, key: b("s") })
        .await
        .unwrap()
        .into_inner()
        .cardinality;
    assert_eq!(card, 2);
    // RESP sees what gRPC wrote, and the other way round.
    let mut con = common::connection(&server, 3).await;
    let from_resp: Vec<String> = con.smembers("s").await.unwrap();
    assert_eq!(from_resp, ["1", "3"]);
    let _: i64 = con.sadd("r", "x").await.unwrap();
    let card = c
        .s_card(proto::SCardRequest { db: 0, key: b("r") })
        .await
        .unwrap()
        .into_inner()
        .cardinality;
    assert_eq!(card, 1);
}

#[tokio::test]
async fn errors_are_statuses_with_redis_texts() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("str", "x").await.unwrap();
    let err = c
        .h_get(proto::HGetRequest {
            db: 0,
            key: b("str"),
            field: b("f"),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::FailedPrecondition, WRONGTYPE)
    );
    let err = c
        .s_card(proto::SCardRequest {
            db: 0,
            key: b("str"),
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::FailedPrecondition, WRONGTYPE)
    );
    let err = c
        .h_set(proto::HSetRequest {
            db: 0,
            key: b("h"),
            fields: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (
            Code::InvalidArgument,
            "ERR wrong number of arguments for 'hset' command"
        )
    );
    hset(&mut c, 0, "h", vec![fv("s", "abc")]).await;
    let err = c
        .h_incr_by(proto::HIncrByRequest {
            db: 0,
            key: b("h"),
            field: b("s"),
            increment: 1,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "ERR hash value is not an integer")
    );
    let err = c
        .s_add(proto::SAddRequest {
            db: 16,
            key: b("s"),
            members: vec![b("m")],
        })
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.message()),
        (Code::InvalidArgument, "ERR DB index is out of range")
    );
}

#[tokio::test]
async fn databases_are_separate() {
    let server = common::start().await;
    let mut c = common::grpc(&server).await;
    assert_eq!(hset(&mut c, 4, "h", vec![fv("f", "v")]).await, 1);
    let len = |db| proto::HLenRequest { db, key: b("h") };
    assert_eq!(c.h_len(len(4)).await.unwrap().into_inner().length, 1);
    assert_eq!(c.h_len(len(0)).await.unwrap().into_inner().length, 0);
    let mut con = common::connection_db(&server, 4).await;
    let v: String = con.hget("h", "f").await.unwrap();
    assert_eq!(v, "v");
}
