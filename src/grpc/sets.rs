//! The typed set RPCs: proto request -> the same operation the RESP command runs
//! (`crate::commands::sets`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`, so
//! `req.db` is ignored here. An empty `members` list fails like the command given no
//! member: with its wrong-arity error.

use super::proto;
use crate::commands::Ctx;
use crate::commands::sets as ops;
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

/// SADD key member [member ...].
pub fn s_add(ctx: &mut Ctx<'_>, req: proto::SAddRequest) -> Result<proto::SAddResponse> {
    require_some(&req.members, "sadd")?;
    Ok(proto::SAddResponse {
        added: count(ops::sadd_op(ctx, &req.key, &req.members)?),
    })
}

/// SREM key member [member ...].
pub fn s_rem(ctx: &mut Ctx<'_>, req: proto::SRemRequest) -> Result<proto::SRemResponse> {
    require_some(&req.members, "srem")?;
    Ok(proto::SRemResponse {
        removed: count(ops::srem_op(ctx, &req.key, &req.members)?),
    })
}

/// SMEMBERS key.
pub fn s_members(
    ctx: &mut Ctx<'_>,
    req: proto::SMembersRequest,
) -> Result<proto::SMembersResponse> {
    Ok(proto::SMembersResponse {
        members: ops::smembers_op(ctx, &req.key)?,
    })
}

/// SISMEMBER key member.
pub fn s_is_member(
    ctx: &mut Ctx<'_>,
    req: proto::SIsMemberRequest,
) -> Result<proto::SIsMemberResponse> {
    let found = ops::smismember_op(ctx, &req.key, std::slice::from_ref(&req.member))?;
    Ok(proto::SIsMemberResponse {
        is_member: found[0],
    })
}

/// SCARD key.
pub fn s_card(ctx: &mut Ctx<'_>, req: proto::SCardRequest) -> Result<proto::SCardResponse> {
    Ok(proto::SCardResponse {
        cardinality: count(ops::scard_op(ctx, &req.key)?),
    })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::commands::test_support::Harness;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn typed_set_rpcs() {
        let mut h = Harness::new();
        h.locked(|c| {
            let add = proto::SAddRequest {
                db: 0,
                key: b("s"),
                members: vec![b("3"), b("1"), b("3"), b("2")],
            };
            assert_eq!(s_add(c, add).unwrap().added, 3);
            let members = s_members(c, proto::SMembersRequest { db: 0, key: b("s") }).unwrap();
            assert_eq!(members.members, [b("1"), b("2"), b("3")], "intset order");
            let is = |c: &mut Ctx<'_>, m: &str| {
                s_is_member(
                    c,
                    proto::SIsMemberRequest {
                        db: 0,
                        key: b("s"),
                        member: b(m),
                    },
                )
                .unwrap()
                .is_member
            };
            assert!(is(c, "2"));
            assert!(!is(c, "9"));
            let rem = proto::SRemRequest {
                db: 0,
                key: b("s"),
                members: vec![b("1"), b("9")],
            };
            assert_eq!(s_rem(c, rem).unwrap().removed, 1);
            let card = s_card(c, proto::SCardRequest { db: 0, key: b("s") }).unwrap();
            assert_eq!(card.cardinality, 2);
            let empty = proto::SAddRequest {
                db: 0,
                key: b("s"),
                members: vec![],
            };
            assert_eq!(
                s_add(c, empty).unwrap_err(),
                Error::WrongArity("sadd".into())
            );
        });
    }
}
