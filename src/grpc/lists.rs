//! The typed list RPCs: proto request -> typed arguments -> the same operation the RESP
//! command runs (`crate::commands::lists`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`. Requests
//! the Redis syntax could not express fail like the command would: no elements for a push
//! or no keys for a blocking pop is the command's wrong-arity error; an unknown `ListEnd`
//! is `ERR syntax error`. The blocking RPCs run the blocking operations with the argument
//! vector a RESP client would have sent, which is what a blocked client re-runs when it is
//! served; the service awaits the wait they may leave in the session.

use bytes::Bytes;

use super::proto;
use crate::blocking::timeout_from_secs;
use crate::commands::lists::{self as ops, IndexArg};
use crate::commands::{Ctx, Reply};
use crate::error::{Error, Result};
use crate::store::End;

fn end(value: i32) -> Result<End> {
    match proto::ListEnd::try_from(value) {
        Ok(proto::ListEnd::Left) => Ok(End::Left),
        Ok(proto::ListEnd::Right) => Ok(End::Right),
        Err(_) => Err(Error::Syntax),
    }
}

fn end_word(end: End) -> Bytes {
    Bytes::from_static(match end {
        End::Left => b"LEFT",
        End::Right => b"RIGHT",
    })
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

/// BLPOP / BRPOP: the reply now, or (when the session holds a wait) the placeholder; the
/// service turns the final reply into a response with [`blocking_pop_response`].
pub fn blocking_pop(ctx: &mut Ctx<'_>, req: proto::BlockingPopRequest, end: End) -> Result<Reply> {
    let name: &'static [u8] = match end {
        End::Left => b"BLPOP",
        End::Right => b"BRPOP",
    };
    if req.keys.is_empty() {
        return Err(Error::WrongArity(
            String::from_utf8_lossy(name).to_lowercase(),
        ));
    }
    let timeout = timeout_from_secs(req.timeout)?;
    // The command a served client re-runs; it never blocks then, so the timeout is moot.
    let mut argv = Vec::with_capacity(req.keys.len() + 2);
    argv.push(Bytes::from_static(name));
    argv.extend(req.keys.iter().cloned());
    argv.push(Bytes::from_static(b"0"));
    ops::blocking_pop(ctx, &argv, &req.keys, end, timeout)
}

/// The response of BLPop/BRPop from the command's reply.
pub fn blocking_pop_response(reply: Reply) -> Result<proto::BlockingPopResponse> {
    match reply {
        Reply::Error(e) => Err(e),
        Reply::Array(items) => {
            let mut items = items.into_iter();
            match (items.next(), items.next()) {
                (Some(Reply::Bulk(key)), Some(Reply::Bulk(element))) => {
                    Ok(proto::BlockingPopResponse {
                        found: true,
                        key,
                        element,
                    })
                }
                _ => Err(Error::err("unexpected reply to a blocking pop")),
            }
        }
        _ => Ok(proto::BlockingPopResponse::default()),
    }
}

/// BLMOVE: the reply now, or the placeholder of a wait (see [`blocking_pop`]).
pub fn bl_move(ctx: &mut Ctx<'_>, req: proto::BlMoveRequest) -> Result<Reply> {
    let (from, to) = (end(req.from)?, end(req.to)?);
    let timeout = timeout_from_secs(req.timeout)?;
    let argv = [
        Bytes::from_static(b"BLMOVE"),
        req.source.clone(),
        req.destination.clone(),
        end_word(from),
        end_word(to),
        Bytes::from_static(b"0"),
    ];
    ops::blocking_move(ctx, &argv, &req.source, &req.destination, from, to, timeout)
}

/// The response of BLMove from the command's reply.
pub fn bl_move_response(reply: Reply) -> Result<proto::LMoveResponse> {
    match reply {
        Reply::Error(e) => Err(e),
        Reply::Bulk(element) => Ok(proto::LMoveResponse {
            element: Some(element),
        }),
        _ => Ok(proto::LMoveResponse { element: None }),
    }
}
