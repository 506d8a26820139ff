//! The typed list RPCs: proto request -> typed arguments -> the same operation the RESP
//! command runs (`crate::commands::lists`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`. Requests
//! the Redis syntax could not express fail like the command would: no elements for a push
//! or no keys for a blocking pop is the command's wrong-arity error; an unknown `ListEnd`
//! is `ERR syntax error`. The blocking RPCs run the same operations as the commands; when
//! they find nothing they register a waiter that serves the typed response itself, and the
//! service awaits it.

use bytes::Bytes;

use super::proto;
use super::service::Answer;
use crate::blocking::timeout_from_secs;
use crate::commands::lists::{self as ops, IndexArg};
use crate::commands::{BlockOn, Ctx};
use crate::error::{Error, Result};
use crate::exec;
use crate::store::{End, ValueType};

fn end(value: i32) -> Result<End> {
    match proto::ListEnd::try_from(value) {
        Ok(proto::ListEnd::Left) => Ok(End::Left),
        Ok(proto::ListEnd::Right) => Ok(End::Right),
        Err(_) => Err(Error::Syntax),
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn push(
    ctx: &mut Ctx<'_>,
    req: proto::ListPushRequest,
    end: End,
    cmd: &str,
) -> Result<proto::ListPushResponse> {
    if req.elements.is_empty() {
        let name = if req.only_if_exists {
            format!("{cmd}x")
        } else {
            cmd.to_string()
        };
        return Err(Error::WrongArity(name));
    }
    let length = ops::push_op(ctx, &req.key, end, &req.elements, req.only_if_exists)?;
    Ok(proto::ListPushResponse {
        length: count(length),
    })
}

/// LPUSH / LPUSHX.
pub fn l_push(ctx: &mut Ctx<'_>, req: proto::ListPushRequest) -> Result<proto::ListPushResponse> {
    push(ctx, req, End::Left, "lpush")
}

/// RPUSH / RPUSHX.
pub fn r_push(ctx: &mut Ctx<'_>, req: proto::ListPushRequest) -> Result<proto::ListPushResponse> {
    push(ctx, req, End::Right, "rpush")
}

fn pop(ctx: &mut Ctx<'_>, req: proto::ListPopRequest, end: End) -> Result<proto::ListPopResponse> {
    let n = req
        .count
        .map_or(1, |c| usize::try_from(c).unwrap_or(usize::MAX));
    let popped = ops::pop_op(ctx, &req.key, end, n)?;
    Ok(proto::ListPopResponse {
        found: popped.is_some(),
        elements: popped.unwrap_or_default(),
    })
}

/// LPOP key [count].
pub fn l_pop(ctx: &mut Ctx<'_>, req: proto::ListPopRequest) -> Result<proto::ListPopResponse> {
    pop(ctx, req, End::Left)
}

/// RPOP key [count].
pub fn r_pop(ctx: &mut Ctx<'_>, req: proto::ListPopRequest) -> Result<proto::ListPopResponse> {
    pop(ctx, req, End::Right)
}

/// LLEN key.
pub fn l_len(ctx: &mut Ctx<'_>, req: proto::LLenRequest) -> Result<proto::LLenResponse> {
    Ok(proto::LLenResponse {
        length: count(ops::len_op(ctx, &req.key)?),
    })
}

/// LRANGE key start stop.
pub fn l_range(ctx: &mut Ctx<'_>, req: proto::LRangeRequest) -> Result<proto::LRangeResponse> {
    Ok(proto::LRangeResponse {
        elements: ops::range_op(ctx, &req.key, req.start, req.stop)?,
    })
}

/// LINDEX key index.
pub fn l_index(ctx: &mut Ctx<'_>, req: proto::LIndexRequest) -> Result<proto::LIndexResponse> {
    Ok(proto::LIndexResponse {
        element: ops::index_op(ctx, &req.key, IndexArg::Number(req.index))?,
    })
}

/// LSET key index element.
pub fn l_set(ctx: &mut Ctx<'_>, req: proto::LSetRequest) -> Result<proto::LSetResponse> {
    ops::set_op(ctx, &req.key, IndexArg::Number(req.index), &req.element)?;
    Ok(proto::LSetResponse {})
}

/// LREM key count element.
pub fn l_rem(ctx: &mut Ctx<'_>, req: proto::LRemRequest) -> Result<proto::LRemResponse> {
    Ok(proto::LRemResponse {
        removed: count(ops::rem_op(ctx, &req.key, req.count, &req.element)?),
    })
}

/// LTRIM key start stop.
pub fn l_trim(ctx: &mut Ctx<'_>, req: proto::LTrimRequest) -> Result<proto::LTrimResponse> {
    ops::trim_op(ctx, &req.key, req.start, req.stop)?;
    Ok(proto::LTrimResponse {})
}

/// LMOVE source destination from to.
pub fn l_move(ctx: &mut Ctx<'_>, req: proto::LMoveRequest) -> Result<proto::LMoveResponse> {
    let (from, to) = (end(req.from)?, end(req.to)?);
    Ok(proto::LMoveResponse {
        element: ops::move_op(ctx, &req.source, &req.destination, from, to)?,
    })
}

/// BLPOP / BRPOP: the element now, or the wait for one (served from the first key to get
/// elements; the empty response at the request's timeout).
pub fn blocking_pop(
    ctx: &mut Ctx<'_>,
    req: proto::BlockingPopRequest,
    end: End,
) -> Result<Answer<proto::BlockingPopResponse>> {
    if req.keys.is_empty() {
        let name = match end {
            End::Left => "blpop",
            End::Right => "brpop",
        };
        return Err(Error::WrongArity(name.into()));
    }
    let timeout = timeout_from_secs(req.timeout)?;
    let found = |popped: Option<(Bytes, Bytes)>| match popped {
        Some((key, element)) => proto::BlockingPopResponse {
            found: true,
            key,
            element,
        },
        None => proto::BlockingPopResponse::default(),
    };
    if let Some(popped) = ops::pop_first(ctx, &req.keys, end)? {
        return Ok(Answer::Now(found(Some(popped))));
    }
    let on = BlockOn::keys(&req.keys, ValueType::List, timeout);
    Ok(Answer::Blocked(exec::block(ctx, on, move |ctx, key| {
        Ok(found(ops::pop_first(
            ctx,
            &[Bytes::copy_from_slice(key)],
            end,
        )?))
    })))
}

/// BLMOVE: the moved element now, or the wait for one (the empty response at the
/// request's timeout).
pub fn bl_move(
    ctx: &mut Ctx<'_>,
    req: proto::BlMoveRequest,
) -> Result<Answer<proto::LMoveResponse>> {
    let (from, to) = (end(req.from)?, end(req.to)?);
    let timeout = timeout_from_secs(req.timeout)?;
    if let Some(moved) = ops::try_move(ctx, &req.source, &req.destination, from, to)? {
        return Ok(Answer::Now(proto::LMoveResponse {
            element: Some(moved),
        }));
    }
    let on = BlockOn::keys(std::slice::from_ref(&req.source), ValueType::List, timeout)
        .also_locking(std::slice::from_ref(&req.destination));
    let destination = req.destination.clone();
    Ok(Answer::Blocked(exec::block(ctx, on, move |ctx, key| {
        Ok(proto::LMoveResponse {
            element: ops::move_op(ctx, key, &destination, from, to)?,
        })
    })))
}
