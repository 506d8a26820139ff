//! The typed sorted-set RPCs: proto request -> typed arguments -> the same operation the
//! RESP command runs (`crate::commands::sorted_sets`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`. A
//! request the Redis syntax could not express fails like the command would: no members in
//! ZAdd/ZRem is the command's wrong-arity error, an unknown enum value or an unset
//! `range` is `ERR syntax error`, a NaN score `ERR value is not a valid float`.
//!
//! BZPopMin/BZPopMax run the same pop as the commands; when there is nothing to pop they
//! register a waiter that serves the typed response itself, and the service awaits it
//! under the call's deadline.

use bytes::Bytes;

use super::proto;
use super::service::Answer;
use crate::blocking::timeout_from_secs;
use crate::commands::sorted_sets::{
    self as ops, PopEnd, RangeArgs, RangeSpec, ZAddArgs, ZAddComparison, ZAddCondition, ZAddOutcome,
};
use crate::commands::{BlockOn, Ctx};
use crate::error::{Error, Result};
use crate::exec;
use crate::store::ValueType;
use crate::store::sorted_set::{LexBound, LexRange, ScoreRange};

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn not_nan(v: f64) -> Result<f64> {
    if v.is_nan() {
        Err(Error::NotFloat)
    } else {
        Ok(v)
    }
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...
pub fn z_add(ctx: &mut Ctx<'_>, req: proto::ZAddRequest) -> Result<proto::ZAddResponse> {
    if req.members.is_empty() {
        return Err(Error::WrongArity("zadd".into()));
    }
    let condition = match proto::ZAddCondition::try_from(req.condition) {
        Ok(proto::ZAddCondition::Always) => ZAddCondition::Always,
        Ok(proto::ZAddCondition::IfAbsent) => ZAddCondition::IfAbsent,
        Ok(proto::ZAddCondition::IfPresent) => ZAddCondition::IfPresent,
        Err(_) => return Err(Error::Syntax),
    };
    let comparison = match proto::ZAddComparison::try_from(req.comparison) {
        Ok(proto::ZAddComparison::Any) => ZAddComparison::Any,
        Ok(proto::ZAddComparison::GreaterThan) => ZAddComparison::GreaterThan,
        Ok(proto::ZAddComparison::LessThan) => ZAddComparison::LessThan,
        Err(_) => return Err(Error::Syntax),
    };
    let args = ZAddArgs {
        condition,
        comparison,
        changed: req.changed,
        incr: req.incr,
    };
    args.validate(req.members.len())?;
    let pairs = req
        .members
        .iter()
        .map(|m| Ok((not_nan(m.score)?, &m.member[..])))
        .collect::<Result<Vec<_>>>()?;
    Ok(match ops::zadd_op(ctx, &req.key, &args, &pairs)? {
        ZAddOutcome::Count(n) => proto::ZAddResponse {
            count: count(n),
            score: None,
        },
        ZAddOutcome::Incremented(score) => proto::ZAddResponse { count: 0, score },
    })
}

/// ZREM key member [member ...].
pub fn z_rem(ctx: &mut Ctx<'_>, req: proto::ZRemRequest) -> Result<proto::ZRemResponse> {
    if req.members.is_empty() {
        return Err(Error::WrongArity("zrem".into()));
    }
    Ok(proto::ZRemResponse {
        removed: count(ops::zrem_op(ctx, &req.key, &req.members)?),
    })
}

/// ZSCORE key member.
pub fn z_score(ctx: &mut Ctx<'_>, req: proto::ZScoreRequest) -> Result<proto::ZScoreResponse> {
    let score = ops::zscore_op(ctx, &req.key, &req.member)?;
    Ok(proto::ZScoreResponse {
        found: score.is_some(),
        score: score.unwrap_or(0.0),
    })
}

/// ZINCRBY key increment member.
pub fn z_incr_by(ctx: &mut Ctx<'_>, req: proto::ZIncrByRequest) -> Result<proto::ZIncrByResponse> {
    let increment = not_nan(req.increment)?;
    Ok(proto::ZIncrByResponse {
        score: ops::zincrby_op(ctx, &req.key, increment, &req.member)?,
    })
}

/// ZCARD key.
pub fn z_card(ctx: &mut Ctx<'_>, req: proto::ZCardRequest) -> Result<proto::ZCardResponse> {
    Ok(proto::ZCardResponse {
        count: count(ops::zcard_op(ctx, &req.key)?),
    })
}

/// ZRANK / ZREVRANK key member.
pub fn z_rank(ctx: &mut Ctx<'_>, req: proto::ZRankRequest) -> Result<proto::ZRankResponse> {
    Ok(proto::ZRankResponse {
        rank: ops::zrank_op(ctx, &req.key, &req.member, req.reverse)?.map(count),
    })
}

/// A score bound; unset is the infinity on its side.
fn score_bound(bound: Option<&proto::ZScoreBound>, infinity: f64) -> Result<(f64, bool)> {
    match bound {
        None => Ok((infinity, false)),
        Some(b) => Ok((not_nan(b.value)?, b.exclusive)),
    }
}

/// A lex bound; unset or `unbounded` is `-` (min) or `+` (max).
fn lex_bound(bound: Option<&proto::ZLexBound>, open: LexBound) -> LexBound {
    use proto::z_lex_bound::Bound;
    match bound.and_then(|b| b.bound.as_ref()) {
        Some(Bound::Inclusive(m)) => LexBound::Inclusive(m.clone()),
        Some(Bound::Exclusive(m)) => LexBound::Exclusive(m.clone()),
        Some(Bound::Unbounded(_)) | None => open,
    }
}

/// ZRANGE key ... with the range chosen by the request's oneof.
pub fn z_range(ctx: &mut Ctx<'_>, req: proto::ZRangeRequest) -> Result<proto::ZRangeResponse> {
    use proto::z_range_request::Range;
    let spec = match req.range.as_ref().ok_or(Error::Syntax)? {
        Range::Rank(r) => RangeSpec::Rank {
            start: r.start,
            stop: r.stop,
        },
        Range::Score(r) => {
            let (min, min_exclusive) = score_bound(r.min.as_ref(), f64::NEG_INFINITY)?;
            let (max, max_exclusive) = score_bound(r.max.as_ref(), f64::INFINITY)?;
            RangeSpec::Score(ScoreRange {
                min,
                max,
                min_exclusive,
                max_exclusive,
            })
        }
        Range::Lex(r) => RangeSpec::Lex(LexRange {
            min: lex_bound(r.min.as_ref(), LexBound::Min),
            max: lex_bound(r.max.as_ref(), LexBound::Max),
        }),
    };
    let (offset, limit_count) = match &req.limit {
        Some(l) => (l.offset, l.count),
        None => (0, -1),
    };
    let args = RangeArgs {
        spec,
        rev: req.reverse,
        offset,
        // A given LIMIT is a LIMIT even with count -1 (the rank-range check must see it).
        count: if req.limit.is_some() && limit_count < 0 {
            i64::MIN
        } else {
            limit_count
        },
        with_scores: req.with_scores,
    };
    let members = ops::zrange_op(ctx, &req.key, &args)?
        .into_iter()
        .map(|(member, score)| proto::ScoredMember {
            member,
            score: if req.with_scores { score } else { 0.0 },
        })
        .collect();
    Ok(proto::ZRangeResponse { members })
}

/// BZPOPMIN / BZPOPMAX key... timeout: the popped member now, or the wait for one (served
/// from the first key to get members; the empty response at the request's timeout).
pub fn bz_pop(
    ctx: &mut Ctx<'_>,
    req: proto::BzPopRequest,
    end: PopEnd,
) -> Result<Answer<proto::BzPopResponse>> {
    if req.keys.is_empty() {
        let name = match end {
            PopEnd::Min => "bzpopmin",
            PopEnd::Max => "bzpopmax",
        };
        return Err(Error::WrongArity(name.into()));
    }
    let timeout = timeout_from_secs(req.timeout)?;
    let found = |popped: Option<(Bytes, Vec<(Bytes, f64)>)>| match popped {
        Some((key, mut members)) => match members.pop() {
            Some((member, score)) => proto::BzPopResponse {
                found: true,
                key,
                member,
                score,
            },
            None => proto::BzPopResponse::default(),
        },
        None => proto::BzPopResponse::default(),
    };
    if let Some(popped) = ops::zpop_op(ctx, &req.keys, end, 1)? {
        return Ok(Answer::Now(found(Some(popped))));
    }
    let on = BlockOn::keys(&req.keys, ValueType::SortedSet, timeout);
    Ok(Answer::Blocked(exec::block(ctx, on, move |ctx, key| {
        Ok(found(ops::zpop_op(ctx, &[key], end, 1)?))
    })))
}
