//! The typed hash RPCs: proto request -> the same operation the RESP command runs
//! (`crate::commands::hashes`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`, so
//! `req.db` is ignored here. An empty `fields` list fails like the command given no field:
//! with its wrong-arity error.

use super::proto;
use crate::commands::Ctx;
use crate::commands::hashes as ops;
use crate::error::{Error, Result};

/// A count as the proto's int64.
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn require_some<T>(items: &[T], cmd: &str) -> Result<()> {
    if items.is_empty() {
        return Err(Error::WrongArity(cmd.into()));
    }
    Ok(())
}

/// HSET key field value [field value ...].
pub fn h_set(ctx: &mut Ctx<'_>, req: proto::HSetRequest) -> Result<proto::HSetResponse> {
    require_some(&req.fields, "hset")?;
    let pairs: Vec<(&[u8], &[u8])> = req
        .fields
        .iter()
        .map(|f| (&f.field[..], &f.value[..]))
        .collect();
    Ok(proto::HSetResponse {
        added: count(ops::hset_op(ctx, &req.key, &pairs)?),
    })
}

/// HGET key field.
pub fn h_get(ctx: &mut Ctx<'_>, req: proto::HGetRequest) -> Result<proto::HGetResponse> {
    Ok(proto::HGetResponse {
        value: ops::hget_op(ctx, &req.key, &req.field)?,
    })
}

/// HMGET key field [field ...].
pub fn hm_get(ctx: &mut Ctx<'_>, req: proto::HmGetRequest) -> Result<proto::HmGetResponse> {
    require_some(&req.fields, "hmget")?;
    let values = ops::hmget_op(ctx, &req.key, &req.fields)?
        .into_iter()
        .map(|v| proto::OptionalFieldValue {
            found: v.is_some(),
            value: v.unwrap_or_default(),
        })
        .collect();
    Ok(proto::HmGetResponse { values })
}

/// HGETALL key.
pub fn h_get_all(ctx: &mut Ctx<'_>, req: proto::HGetAllRequest) -> Result<proto::HGetAllResponse> {
    let fields = ops::hgetall_op(ctx, &req.key)?
        .into_iter()
        .map(|(field, value)| proto::FieldValue { field, value })
        .collect();
    Ok(proto::HGetAllResponse { fields })
}

/// HDEL key field [field ...].
pub fn h_del(ctx: &mut Ctx<'_>, req: proto::HDelRequest) -> Result<proto::HDelResponse> {
    require_some(&req.fields, "hdel")?;
    Ok(proto::HDelResponse {
        removed: count(ops::hdel_op(ctx, &req.key, &req.fields)?),
    })
}

/// HINCRBY key field increment.
pub fn h_incr_by(ctx: &mut Ctx<'_>, req: proto::HIncrByRequest) -> Result<proto::HIncrByResponse> {
    Ok(proto::HIncrByResponse {
        value: ops::hincrby_op(ctx, &req.key, &req.field, req.increment)?,
    })
}

/// HLEN key.
pub fn h_len(ctx: &mut Ctx<'_>, req: proto::HLenRequest) -> Result<proto::HLenResponse> {
    Ok(proto::HLenResponse {
        length: count(ops::hlen_op(ctx, &req.key)?),
    })
}

/// HEXISTS key field.
pub fn h_exists(ctx: &mut Ctx<'_>, req: proto::HExistsRequest) -> Result<proto::HExistsResponse> {
    Ok(proto::HExistsResponse {
        exists: ops::hexists_op(ctx, &req.key, &req.field)?,
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::commands::test_support::Harness;

    fn fv(field: &str, value: &str) -> proto::FieldValue {
        proto::FieldValue {
            field: Bytes::copy_from_slice(field.as_bytes()),
            value: Bytes::copy_from_slice(value.as_bytes()),
        }
    }

    fn key(k: &str) -> Bytes {
        Bytes::copy_from_slice(k.as_bytes())
    }

    #[test]
    fn typed_hash_rpcs() {
        let mut h = Harness::new();
        h.locked(|c| {
            let set = proto::HSetRequest {
                db: 0,
                key: key("h"),
                fields: vec![fv("a", "1"), fv("b", "2"), fv("a", "3")],
            };
            assert_eq!(h_set(c, set).unwrap().added, 2);
            let get = |c: &mut Ctx<'_>, f: &str| {
                h_get(
                    c,
                    proto::HGetRequest {
                        db: 0,
                        key: key("h"),
                        field: key(f),
                    },
                )
                .unwrap()
                .value
            };
            assert_eq!(get(c, "a"), Some(key("3")));
            assert_eq!(get(c, "zz"), None);
            let values = hm_get(
                c,
                proto::HmGetRequest {
                    db: 0,
                    key: key("h"),
                    fields: vec![key("b"), key("zz")],
                },
            )
            .unwrap()
            .values;
            assert_eq!(
                values,
                [
                    proto::OptionalFieldValue {
                        found: true,
                        value: key("2")
                    },
                    proto::OptionalFieldValue {
                        found: false,
                        value: Bytes::new()
                    }
                ]
            );
            let all = h_get_all(
                c,
                proto::HGetAllRequest {
                    db: 0,
                    key: key("h"),
                },
            )
            .unwrap()
            .fields;
            assert_eq!(all, [fv("a", "3"), fv("b", "2")]);
            let incr = proto::HIncrByRequest {
                db: 0,
                key: key("h"),
                field: key("n"),
                increment: -4,
            };
            assert_eq!(h_incr_by(c, incr).unwrap().value, -4);
            let len = |c: &mut Ctx<'_>| {
                h_len(
                    c,
                    proto::HLenRequest {
                        db: 0,
                        key: key("h"),
                    },
                )
                .unwrap()
                .length
            };
            assert_eq!(len(c), 3);
            let exists = proto::HExistsRequest {
                db: 0,
                key: key("h"),
                field: key("n"),
            };
            assert!(h_exists(c, exists).unwrap().exists);
            let del = proto::HDelRequest {
                db: 0,
                key: key("h"),
                fields: vec![key("a"), key("b"), key("n"), key("zz")],
            };
            assert_eq!(h_del(c, del).unwrap().removed, 3);
            assert_eq!(len(c), 0);
        });
    }

    #[test]
    fn empty_lists_are_arity_errors() {
        let mut h = Harness::new();
        h.locked(|c| {
            let err = h_set(
                c,
                proto::HSetRequest {
                    db: 0,
                    key: key("h"),
                    fields: vec![],
                },
            )
            .unwrap_err();
            assert_eq!(err, Error::WrongArity("hset".into()));
            let err = h_del(
                c,
                proto::HDelRequest {
                    db: 0,
                    key: key("h"),
                    fields: vec![],
                },
            )
            .unwrap_err();
            assert_eq!(err, Error::WrongArity("hdel".into()));
        });
    }
}
