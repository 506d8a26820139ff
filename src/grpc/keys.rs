//! The keyspace RPCs: `Del`, `Exists`, `Type`, `Expire`, `Persist`, `Ttl`, `Rename`, `Copy`,
//! `Scan`, `DbSize`, `FlushDb`.
//!
//! Each function turns its request into typed arguments, runs the same typed operation as
//! the Redis command (`commands::keys::*_op`, `commands::server::{db_size_op,
//! flush_db_op}`), and builds the response. The service has already selected `req.db`
//! (so `ctx.db()` is used and `req.db` ignored) and maps an [`Error`] to a status.
//!
//! Choices where the request can say what Redis arguments cannot:
//! - `Del`/`Exists` with no key fail like the commands' arity check: `ERR wrong number of
//!   arguments for 'del' command` (`'exists'`).
//! - `Expire` without an expiry, or with a condition or `Scan` type outside the enum, is
//!   `ERR syntax error`. Relative times may be zero or negative (the key is deleted, like
//!   `EXPIRE k 0`); an overflowing time fails with `ERR invalid expire time in '<cmd>'
//!   command`, `<cmd>` being `expire`, `pexpire`, `expireat` or `pexpireat` after the
//!   oneof variant used.
//! - `Scan` with `type = VALUE_TYPE_NONE` is `ERR syntax error`: no key has type "none",
//!   so the filter could only ever match nothing (Redis's `SCAN ... TYPE none` does
//!   exactly that), which is surely a client mistake; the proto forbids it. `count = 0`
//!   means the default 10.
//! - `Copy` to a `destination_db` out of range is `ERR DB index is out of range`.
//! - `Rename` of a missing key is [`Error::NoSuchKey`] (NOT_FOUND); renaming a key to
//!   itself is applied without `only_if_new`, not applied with it (as RENAME / RENAMENX).
//! - `FlushDb`'s `async` changes nothing: both modes free synchronously.

use crate::commands::Ctx;
use crate::commands::keys::{
    self as ops, DEFAULT_SCAN_COUNT, ExpireCondition, ExpireTime, ScanType, Ttl,
};
use crate::commands::server::{db_size_op, flush_db_op};
use crate::error::{Error, Result};
use crate::grpc::proto;
use crate::store::ValueType;

/// A count as an int64 field.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub fn del(ctx: &mut Ctx<'_>, req: proto::DelRequest) -> Result<proto::DelResponse> {
    if req.keys.is_empty() {
        return Err(Error::WrongArity("del".into()));
    }
    Ok(proto::DelResponse {
        deleted: count(ops::del_op(ctx, &req.keys)?),
    })
}

pub fn exists(ctx: &mut Ctx<'_>, req: proto::ExistsRequest) -> Result<proto::ExistsResponse> {
    if req.keys.is_empty() {
        return Err(Error::WrongArity("exists".into()));
    }
    Ok(proto::ExistsResponse {
        count: count(ops::exists_op(ctx, &req.keys)?),
    })
}

fn proto_type(t: Option<ValueType>) -> proto::ValueType {
    match t {
        None => proto::ValueType::None,
        Some(ValueType::String) => proto::ValueType::String,
        Some(ValueType::List) => proto::ValueType::List,
        Some(ValueType::Hash) => proto::ValueType::Hash,
        Some(ValueType::Set) => proto::ValueType::Set,
        Some(ValueType::SortedSet) => proto::ValueType::Zset,
        Some(ValueType::Stream) => proto::ValueType::Stream,
    }
}

pub fn type_(ctx: &mut Ctx<'_>, req: proto::TypeRequest) -> Result<proto::TypeResponse> {
    Ok(proto::TypeResponse {
        r#type: proto_type(ops::type_op(ctx, &req.key)?) as i32,
    })
}

fn expire_time(expiry: Option<proto::Expiry>) -> Result<ExpireTime> {
    use proto::expiry::Time;
    Ok(match expiry.and_then(|e| e.time).ok_or(Error::Syntax)? {
        Time::Seconds(n) => ExpireTime::Seconds(n),
        Time::Milliseconds(n) => ExpireTime::Millis(n),
        Time::UnixSeconds(n) => ExpireTime::UnixSeconds(n),
        Time::UnixMilliseconds(n) => ExpireTime::UnixMillis(n),
    })
}

fn expire_condition(raw: i32) -> Result<ExpireCondition> {
    use proto::ExpireCondition as P;
    Ok(match P::try_from(raw).map_err(|_| Error::Syntax)? {
        P::Always => ExpireCondition::Always,
        P::IfNoExpiry => ExpireCondition::IfNoExpiry,
        P::IfHasExpiry => ExpireCondition::IfHasExpiry,
        P::IfLater => ExpireCondition::IfLater,
        P::IfEarlier => ExpireCondition::IfEarlier,
    })
}

pub fn expire(ctx: &mut Ctx<'_>, req: proto::ExpireRequest) -> Result<proto::ExpireResponse> {
    let time = expire_time(req.expiry)?;
    let condition = expire_condition(req.condition)?;
    Ok(proto::ExpireResponse {
        applied: ops::expire_op(ctx, &req.key, time, condition)?,
    })
}

pub fn persist(ctx: &mut Ctx<'_>, req: proto::PersistRequest) -> Result<proto::PersistResponse> {
    Ok(proto::PersistResponse {
        applied: ops::persist_op(ctx, &req.key)?,
    })
}

pub fn ttl(ctx: &mut Ctx<'_>, req: proto::TtlRequest) -> Result<proto::TtlResponse> {
    let (state, ttl_milliseconds, expire_at_unix_milliseconds) = match ops::ttl_op(ctx, &req.key)? {
        Ttl::NoKey => (proto::TtlState::NoKey, 0, 0),
        Ttl::NoExpiry => (proto::TtlState::NoExpiry, 0, 0),
        Ttl::Expires { ttl_ms, at_ms } => (proto::TtlState::Expires, ttl_ms, at_ms),
    };
    Ok(proto::TtlResponse {
        state: state as i32,
        ttl_milliseconds,
        expire_at_unix_milliseconds,
    })
}

pub fn rename(ctx: &mut Ctx<'_>, req: proto::RenameRequest) -> Result<proto::RenameResponse> {
    Ok(proto::RenameResponse {
        applied: ops::rename_op(ctx, &req.key, &req.new_key, req.only_if_new)?,
    })
}

pub fn copy(ctx: &mut Ctx<'_>, req: proto::CopyRequest) -> Result<proto::CopyResponse> {
    // The op rejects an index out of range with Redis's text.
    let dst_db = req
        .destination_db
        .map_or(ctx.db(), |n| usize::try_from(n).unwrap_or(usize::MAX));
    Ok(proto::CopyResponse {
        copied: ops::copy_op(ctx, &req.source, &req.destination, dst_db, req.replace)?,
    })
}

fn scan_type(raw: i32) -> Result<ScanType> {
    use proto::ValueType as P;
    Ok(ScanType::Of(
        match P::try_from(raw).map_err(|_| Error::Syntax)? {
            P::None => return Err(Error::Syntax),
            P::String => ValueType::String,
            P::List => ValueType::List,
            P::Hash => ValueType::Hash,
            P::Set => ValueType::Set,
            P::Zset => ValueType::SortedSet,
            P::Stream => ValueType::Stream,
        },
    ))
}

pub fn scan(ctx: &mut Ctx<'_>, req: proto::ScanRequest) -> Result<proto::ScanResponse> {
    let type_filter = req.r#type.map(scan_type).transpose()?;
    let count = match req.count {
        0 => DEFAULT_SCAN_COUNT,
        n => u64::from(n),
    };
    let (cursor, keys) = ops::scan_op(ctx, req.cursor, req.pattern.as_deref(), count, type_filter)?;
    Ok(proto::ScanResponse { cursor, keys })
}

pub fn db_size(ctx: &mut Ctx<'_>, _req: proto::DbSizeRequest) -> Result<proto::DbSizeResponse> {
    Ok(proto::DbSizeResponse {
        size: count(db_size_op(ctx)?),
    })
}

pub fn flush_db(ctx: &mut Ctx<'_>, _req: proto::FlushDbRequest) -> Result<proto::FlushDbResponse> {
    flush_db_op(ctx)?;
    Ok(proto::FlushDbResponse {})
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use parking_lot::RwLock;

    use super::*;
    use crate::commands::Reply;
    use crate::commands::test_support::Harness;
    use crate::store::{ListValue, SEGMENTS, Value, unix_time_ms};

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn expiry_of(time: proto::expiry::Time) -> Option<proto::Expiry> {
        Some(proto::Expiry { time: Some(time) })
    }

    fn expire_req(
        key: &str,
        time: proto::expiry::Time,
        cond: proto::ExpireCondition,
    ) -> proto::ExpireRequest {
        proto::ExpireRequest {
            db: 0,
            key: b(key),
            expiry: expiry_of(time),
            condition: cond as i32,
        }
    }

    fn ttl_of(h: &mut Harness, key: &str) -> proto::TtlResponse {
        h.call(ttl, proto::TtlRequest { db: 0, key: b(key) })
            .unwrap()
    }

    #[test]
    fn del_and_exists() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["SET", "b", ""]);
        let keys = |ks: &[&str]| ks.iter().map(|k| b(k)).collect::<Vec<_>>();
        let r = h
            .call(
                exists,
                proto::ExistsRequest {
                    db: 0,
                    keys: keys(&["a", "a", "b", "c"]),
                },
            )
            .unwrap();
        assert_eq!(r.count, 3);
        let r = h
            .call(
                del,
                proto::DelRequest {
                    db: 0,
                    keys: keys(&["a", "a", "c"]),
                },
            )
            .unwrap();
        assert_eq!(r.deleted, 1);
        assert_eq!(h.run(&["EXISTS", "a", "b"]), Reply::Integer(1));
        assert_eq!(
            h.call(del, proto::DelRequest::default()).unwrap_err(),
            Error::WrongArity("del".into())
        );
        assert_eq!(
            h.call(exists, proto::ExistsRequest::default())
                .unwrap_err()
                .message(),
            "ERR wrong number of arguments for 'exists' command"
        );
    }

    #[test]
    fn type_names_every_kind_and_none() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "v"]);
        let mut list = ListValue::default();
        list.items.push_back(b("x"));
        h.put(0, "l", Value::List(Arc::new(RwLock::new(list))), None);
        h.put(0, "h", Value::Hash(Default::default()), None);
        h.put(0, "st", Value::Set(Default::default()), None);
        h.put(0, "z", Value::SortedSet(Default::default()), None);
        for (key, t) in [
            ("s", proto::ValueType::String),
            ("l", proto::ValueType::List),
            ("h", proto::ValueType::Hash),
            ("st", proto::ValueType::Set),
            ("z", proto::ValueType::Zset),
            ("missing", proto::ValueType::None),
        ] {
            let r = h
                .call(type_, proto::TypeRequest { db: 0, key: b(key) })
                .unwrap();
            assert_eq!(r.r#type, t as i32, "{key}");
        }
    }

    #[test]
    fn expire_every_form_and_ttl() {
        use proto::ExpireCondition as C;
        use proto::expiry::Time;
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        assert_eq!(ttl_of(&mut h, "k").state, proto::TtlState::NoExpiry as i32);
        assert_eq!(ttl_of(&mut h, "nokey").state, proto::TtlState::NoKey as i32);
        assert_eq!(
            ttl_of(&mut h, "nokey"),
            proto::TtlResponse {
                state: proto::TtlState::NoKey as i32,
                ttl_milliseconds: 0,
                expire_at_unix_milliseconds: 0,
            }
        );

        let r = h
            .call(expire, expire_req("k", Time::Seconds(100), C::Always))
            .unwrap();
        assert!(r.applied);
        assert_eq!(h.run(&["TTL", "k"]), Reply::Integer(100));
        let t = ttl_of(&mut h, "k");
        assert_eq!(t.state, proto::TtlState::Expires as i32);
        assert!((99_000..=100_000).contains(&t.ttl_milliseconds), "{t:?}");
        assert_eq!(
            h.run(&["PEXPIRETIME", "k"]),
            Reply::Integer(t.expire_at_unix_milliseconds)
        );

        let r = h.call(expire, expire_req("k", Time::Milliseconds(5000), C::Always));
        assert!(r.unwrap().applied);
        assert_eq!(h.run(&["TTL", "k"]), Reply::Integer(5));

        let at = unix_time_ms() as i64 / 1000 + 1000;
        let r = h.call(expire, expire_req("k", Time::UnixSeconds(at), C::Always));
        assert!(r.unwrap().applied);
        assert_eq!(h.run(&["EXPIRETIME", "k"]), Reply::Integer(at));
        assert_eq!(ttl_of(&mut h, "k").expire_at_unix_milliseconds, at * 1000);

        let at_ms = at * 1000 + 1234;
        let r = h.call(
            expire,
            expire_req("k", Time::UnixMilliseconds(at_ms), C::Always),
        );
        assert!(r.unwrap().applied);
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), Reply::Integer(at_ms));

        // A missing key is not applied.
        let r = h.call(expire, expire_req("nokey", Time::Seconds(10), C::Always));
        assert!(!r.unwrap().applied);
        assert_eq!(h.run(&["EXISTS", "nokey"]), Reply::Integer(0));
    }

    #[test]
    fn expire_zero_or_negative_deletes() {
        use proto::ExpireCondition as C;
        use proto::expiry::Time;
        let mut h = Harness::new();
        for time in [
            Time::Seconds(0),
            Time::Seconds(-5),
            Time::Milliseconds(0),
            Time::Milliseconds(-1),
            Time::UnixSeconds(1),
            Time::UnixMilliseconds(-100),
        ] {
            h.run(&["SET", "k", "v"]);
            let r = h.call(expire, expire_req("k", time, C::Always)).unwrap();
            assert!(r.applied, "{time:?}");
            assert_eq!(h.run(&["EXISTS", "k"]), Reply::Integer(0), "{time:?}");
        }
    }

    #[test]
    fn expire_errors() {
        use proto::ExpireCondition as C;
        use proto::expiry::Time;
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        for (time, name) in [
            (Time::Seconds(i64::MAX / 100), "expire"),
            (Time::Seconds(i64::MIN), "expire"),
            (Time::Milliseconds(i64::MAX), "pexpire"),
            (Time::UnixSeconds(i64::MAX / 999), "expireat"),
        ] {
            let e = h
                .call(expire, expire_req("k", time, C::Always))
                .unwrap_err();
            assert_eq!(
                e.message(),
                format!("ERR invalid expire time in '{name}' command")
            );
        }
        // PEXPIREAT cannot overflow: the largest time is just far in the future.
        let r = h.call(
            expire,
            expire_req("k", Time::UnixMilliseconds(i64::MAX), C::Always),
        );
        assert!(r.unwrap().applied);
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), Reply::Integer(i64::MAX));
        // Nothing to set, an unknown condition: syntax errors, and the key is untouched.
        for req in [
            proto::ExpireRequest {
                key: b("k"),
                ..Default::default()
            },
            proto::ExpireRequest {
                key: b("k"),
                expiry: Some(proto::Expiry { time: None }),
                ..Default::default()
            },
            proto::ExpireRequest {
                key: b("k"),
                expiry: expiry_of(Time::Seconds(1)),
                condition: 99,
                ..Default::default()
            },
        ] {
            assert_eq!(h.call(expire, req).unwrap_err(), Error::Syntax);
        }
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), Reply::Integer(i64::MAX));
    }

    #[test]
    fn expire_conditions() {
        use proto::ExpireCondition as C;
        use proto::expiry::Time;
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let run = |h: &mut Harness, secs: i64, c: C| {
            h.call(expire, expire_req("k", Time::Seconds(secs), c))
                .unwrap()
                .applied
        };
        // No expiry: XX and GT refuse, LT accepts (infinite), NX accepts.
        assert!(!run(&mut h, 100, C::IfHasExpiry));
        assert!(!run(&mut h, 100, C::IfLater));
        assert!(run(&mut h, 100, C::IfEarlier));
        assert!(!run(&mut h, 50, C::IfNoExpiry));
        assert!(!run(&mut h, 50, C::IfLater));
        assert!(run(&mut h, 200, C::IfLater));
        assert!(!run(&mut h, 300, C::IfEarlier));
        assert!(run(&mut h, 150, C::IfEarlier));
        assert!(run(&mut h, 120, C::IfHasExpiry));
        assert_eq!(h.run(&["TTL", "k"]), Reply::Integer(120));
        h.run(&["PERSIST", "k"]);
        assert!(run(&mut h, 60, C::IfNoExpiry));
        assert_eq!(h.run(&["TTL", "k"]), Reply::Integer(60));
    }

    #[test]
    fn persist_removes_expiry() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v", "EX", "100"]);
        let req = || proto::PersistRequest { db: 0, key: b("k") };
        assert!(h.call(persist, req()).unwrap().applied);
        assert_eq!(h.run(&["TTL", "k"]), Reply::Integer(-1));
        assert!(!h.call(persist, req()).unwrap().applied);
        h.run(&["DEL", "k"]);
        assert!(!h.call(persist, req()).unwrap().applied);
    }

    #[test]
    fn rename_and_renamenx() {
        let mut h = Harness::new();
        let req = |from: &str, to: &str, nx: bool| proto::RenameRequest {
            db: 0,
            key: b(from),
            new_key: b(to),
            only_if_new: nx,
        };
        assert_eq!(
            h.call(rename, req("nokey", "x", false)).unwrap_err(),
            Error::NoSuchKey
        );
        assert_eq!(
            h.call(rename, req("nokey", "x", true)).unwrap_err(),
            Error::NoSuchKey
        );
        h.run(&["SET", "a", "1", "EX", "100"]);
        h.run(&["SET", "b", "2"]);
        assert!(h.call(rename, req("a", "a", false)).unwrap().applied);
        assert!(!h.call(rename, req("a", "a", true)).unwrap().applied);
        assert!(!h.call(rename, req("a", "b", true)).unwrap().applied);
        assert_eq!(h.run(&["GET", "b"]), Reply::bulk("2"));
        assert!(h.call(rename, req("a", "c", true)).unwrap().applied);
        assert_eq!(h.run(&["TTL", "c"]), Reply::Integer(100));
        assert!(h.call(rename, req("c", "b", false)).unwrap().applied);
        assert_eq!(h.run(&["GET", "b"]), Reply::bulk("1"));
        assert_eq!(h.run(&["EXISTS", "a", "c"]), Reply::Integer(0));
    }

    #[test]
    fn copy_across_dbs() {
        let mut h = Harness::new();
        let req = |src: &str, dst: &str, db: Option<u32>, replace: bool| proto::CopyRequest {
            db: 0,
            source: b(src),
            destination: b(dst),
            destination_db: db,
            replace,
        };
        assert!(!h.call(copy, req("nokey", "x", None, false)).unwrap().copied);
        h.run(&["SET", "a", "1", "PX", "100000"]);
        h.run(&["SET", "b", "2"]);
        assert_eq!(
            h.call(copy, req("a", "a", None, false))
                .unwrap_err()
                .message(),
            "ERR source and destination objects are the same"
        );
        assert_eq!(
            h.call(copy, req("a", "a", Some(0), true))
                .unwrap_err()
                .message(),
            "ERR source and destination objects are the same"
        );
        for db in [16, u32::MAX] {
            assert_eq!(
                h.call(copy, req("a", "x", Some(db), false)).unwrap_err(),
                Error::DbIndexOutOfRange
            );
        }
        assert!(!h.call(copy, req("a", "b", None, false)).unwrap().copied);
        assert_eq!(h.run(&["GET", "b"]), Reply::bulk("2"));
        assert!(h.call(copy, req("a", "b", None, true)).unwrap().copied);
        assert_eq!(h.run(&["GET", "b"]), Reply::bulk("1"));
        assert!(h.call(copy, req("a", "a", Some(3), false)).unwrap().copied);
        h.run(&["SELECT", "3"]);
        assert_eq!(h.run(&["GET", "a"]), Reply::bulk("1"));
        let Reply::Integer(pttl) = h.run(&["PTTL", "a"]) else {
            panic!()
        };
        assert!(pttl > 90_000, "{pttl}");
    }

    /// A whole SCAN iteration through the RPC; returns every key seen, sorted.
    fn scan_all(h: &mut Harness, pattern: Option<&str>, count: u32, t: Option<i32>) -> Vec<String> {
        let mut cursor = 0;
        let mut keys = Vec::new();
        for _ in 0..=SEGMENTS {
            let r = h
                .call(
                    scan,
                    proto::ScanRequest {
                        db: 0,
                        cursor,
                        pattern: pattern.map(b),
                        count,
                        r#type: t,
                    },
                )
                .unwrap();
            keys.extend(
                r.keys
                    .iter()
                    .map(|k| String::from_utf8(k.to_vec()).unwrap()),
            );
            if r.cursor == 0 {
                keys.sort();
                return keys;
            }
            cursor = r.cursor;
        }
        panic!("scan did not terminate");
    }

    #[test]
    fn scan_iterates_with_filters() {
        let mut h = Harness::new();
        let mut expected = Vec::new();
        for i in 0..100 {
            let key = format!("key:{i}");
            h.run(&["SET", &key, "v"]);
            expected.push(key);
        }
        expected.sort();
        h.put(0, "hash", Value::Hash(Default::default()), None);
        let mut with_hash = expected.clone();
        with_hash.push("hash".into());
        with_hash.sort();
        assert_eq!(scan_all(&mut h, None, 0, None), with_hash);
        assert_eq!(scan_all(&mut h, Some("*"), 1, None), with_hash);
        assert_eq!(scan_all(&mut h, Some("key:*"), 1000, None), expected);
        assert_eq!(
            scan_all(&mut h, Some("key:1?"), 3, None),
            [
                "key:10", "key:11", "key:12", "key:13", "key:14", "key:15", "key:16", "key:17",
                "key:18", "key:19"
            ]
        );
        let string = Some(proto::ValueType::String as i32);
        assert_eq!(scan_all(&mut h, None, 0, string), expected);
        let hash = Some(proto::ValueType::Hash as i32);
        assert_eq!(scan_all(&mut h, None, 7, hash), ["hash"]);
        let zset = Some(proto::ValueType::Zset as i32);
        assert!(scan_all(&mut h, None, 0, zset).is_empty());

        // Count 0 is the default 10; a cursor past the end finishes at once.
        let r = h.call(scan, proto::ScanRequest::default()).unwrap();
        assert_ne!(r.cursor, 0);
        let r = h
            .call(
                scan,
                proto::ScanRequest {
                    cursor: u64::MAX,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!((r.cursor, r.keys.len()), (0, 0));

        // The same step through RESP gives the same answer.
        let r = h
            .call(
                scan,
                proto::ScanRequest {
                    cursor: 5,
                    count: 20,
                    pattern: Some(b("key:*")),
                    ..Default::default()
                },
            )
            .unwrap();
        let resp = h.run(&["SCAN", "5", "COUNT", "20", "MATCH", "key:*"]);
        assert_eq!(
            resp,
            Reply::Array(vec![
                Reply::bulk(r.cursor.to_string()),
                Reply::bulks(r.keys)
            ])
        );
    }

    #[test]
    fn scan_type_none_or_unknown_is_a_syntax_error() {
        let mut h = Harness::new();
        for t in [proto::ValueType::None as i32, 42] {
            assert_eq!(
                h.call(
                    scan,
                    proto::ScanRequest {
                        r#type: Some(t),
                        ..Default::default()
                    },
                )
                .unwrap_err(),
                Error::Syntax
            );
        }
    }

    #[test]
    fn db_size_and_flush_db_use_the_selected_db() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "1"]);
        h.run(&["SELECT", "2"]);
        h.run(&["SET", "x", "1"]);
        h.run(&["SET", "y", "1"]);
        let size = |h: &mut Harness| {
            h.call(db_size, proto::DbSizeRequest::default())
                .unwrap()
                .size
        };
        assert_eq!(size(&mut h), 2);
        h.call(
            flush_db,
            proto::FlushDbRequest {
                db: 2,
                r#async: true,
            },
        )
        .unwrap();
        assert_eq!(size(&mut h), 0);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(0));
        h.session.db = 0;
        assert_eq!(size(&mut h), 1);
        assert_eq!(h.run(&["GET", "a"]), Reply::bulk("1"));
    }
}
