//! The sorted-set family, as Redis 7.0 answers it (replies, errors, RESP2 and RESP3).
//!
//! Structure: [`SortedSetValue`] (src/store/sorted_set.rs), a skiplist with span counts
//! plus a member map, so ranks and the start of every range are O(log n). Every command
//! runs in the txn the execution path opened over its keys (the multi-key ones over all of
//! them, destination included) and mutates the set in place, recording Redis's events
//! (`zadd`, `zincr`, `zrem`, `zremrangeby*`, `zpopmin`/`zpopmax`, `z*store`,
//! `zrangestore`, then `del` for a set emptied); an emptied set is deleted. Any other type answers
//! WRONGTYPE; ZUNION/ZINTER/ZDIFF(STORE)/ZINTERCARD also accept plain sets (score 1).
//!
//! Scores are doubles: `Reply::Double` in RESP3, `%.17g` bulk strings in RESP2 (ZSCAN's
//! scores are bulk strings in both, as in Redis). With WITHSCORES, RESP2 replies are flat
//! `[member, score, ...]` and RESP3 replies nested `[[member, score], ...]`.
//!
//! The commands the typed gRPC RPCs and the blocking BZPOP*/BZMPOP share are split
//! into typed operations (`zadd_op`, `zrange_op`, `zpop_op`, ...) holding the semantics and
//! error texts, and RESP handlers that parse argv in Redis's order.
//!
//! # Commands
//! - `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]` — integer:
//!   members added (with CH, added + updated); with INCR the new score (double) or null
//!   when NX/XX/GT/LT stopped it. Errors: `ERR XX and NX options at the same time are not
//!   compatible`, `ERR GT, LT, and/or NX options at the same time are not compatible`,
//!   `ERR INCR option supports a single increment-element pair`, `ERR value is not a valid
//!   float`, `ERR resulting score is not a number (NaN)`; an odd pair count is a syntax error.
//! - `ZINCRBY key increment member` — the new score (double).
//! - `ZREM key member [member ...]` — integer removed.
//! - `ZCARD key` — integer. `ZSCORE key member` — double or null.
//!   `ZMSCORE key member [member ...]` — array of doubles / nulls.
//! - `ZRANK key member`, `ZREVRANK key member` — integer or null (no WITHSCORE in 7.0).
//! - `ZCOUNT key min max` — integer (`ERR min or max is not a float`).
//!   `ZLEXCOUNT key min max` — integer (`ERR min or max not valid string range item`).
//! - `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`,
//!   `ZREVRANGE`, `ZRANGEBYSCORE`, `ZREVRANGEBYSCORE`, `ZRANGEBYLEX`, `ZREVRANGEBYLEX` —
//!   array of members (with scores). Score bounds `1.5`, `(1.5`, `-inf`, `+inf`; lex
//!   bounds `[a`, `(a`, `-`, `+`. A negative LIMIT offset gives nothing, a negative count
//!   everything. `ERR syntax error, LIMIT is only supported in combination with either
//!   BYSCORE or BYLEX`, `ERR syntax error, WITHSCORES not supported in combination with BYLEX`.
//! - `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]` — integer
//!   stored; an empty result deletes `dst`.
//! - `ZREMRANGEBYRANK key start stop`, `ZREMRANGEBYSCORE key min max`,
//!   `ZREMRANGEBYLEX key min max` — integer removed.
//! - `ZPOPMIN key [count]`, `ZPOPMAX key [count]` — array (`[m, s, ...]`; RESP3 with a count:
//!   `[[m, s], ...]`); `ERR value is out of range, must be positive`.
//! - `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]` — `[key, [[m, s], ...]]` from the
//!   first non-empty key, or a null array.
//! - `BZPOPMIN key [key ...] timeout`, `BZPOPMAX key [key ...] timeout` — `[key, member,
//!   score]` from the first non-empty key (the score a double in RESP3, a bulk string in
//!   RESP2); when every key is empty the client blocks (see [`crate::blocking`]) and gets a
//!   null array at the timeout. `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`
//!   — as ZMPOP, blocking the same way. Timeouts are seconds (fractions allowed, 0 waits
//!   forever): `ERR timeout is not a float or out of range`, `ERR timeout is negative`
//!   (BZMPOP checks its other arguments first). Every command that adds members (ZADD,
//!   ZINCRBY, ZRANGESTORE, Z*STORE, and RENAME/COPY of a sorted set) serves the clients
//!   blocked on the key, in the order they blocked.
//! - `ZRANDMEMBER key [count [WITHSCORES]]` — a member (or null); with a count an array: a
//!   positive count gives distinct members, a negative one may repeat.
//! - `ZUNION|ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
//!   [WITHSCORES]`, `ZDIFF numkeys key [key ...] [WITHSCORES]` — array ordered by score.
//!   `ZUNIONSTORE|ZINTERSTORE|ZDIFFSTORE dst numkeys key ...` — integer size of the stored
//!   result (an empty result deletes `dst`). `ZINTERCARD numkeys key [key ...] [LIMIT n]` —
//!   integer. `ERR at least 1 input key is needed for '<cmd>' command`, `ERR weight value is
//!   not a float`, `ERR LIMIT can't be negative`.
//! - `ZSCAN key cursor [MATCH pattern] [COUNT count]` — `[cursor, [m, score, ...]]`. Small
//!   (listpack) sets come whole with cursor 0; big ones in steps, every member present for
//!   the whole scan returned at least once.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{RwLock, RwLockReadGuard};
use rand::Rng;

use super::args::{self, opt};
use super::hashes::insufficient_memory;
use super::{BlockOn, Command, Ctx, Protocol, Reply};
use crate::blocking::{BlockTimeout, parse_timeout};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;
use crate::store::numeric::{format_double, listpack_score_text, parse_f64};
use crate::store::sorted_set::{LexBound, LexRange, Pos, ScoreChange, ScoreRange};
use crate::store::{
    Entry, Event, SetValue, SortedSetValue, Txn, Value, ValueType, distinct_indexes, repeated_picks,
};

pub static COMMANDS: &[Command] = &[
    Command::new("zadd", zadd),
    Command::new("zincrby", zincrby),
    Command::new("zrem", zrem),
    Command::new("zcard", zcard),
    Command::new("zscore", zscore),
    Command::new("zmscore", zmscore),
    Command::new("zrank", zrank),
    Command::new("zrevrank", zrevrank),
    Command::new("zcount", zcount),
    Command::new("zlexcount", zlexcount),
    Command::new("zrange", zrange),
    Command::new("zrangestore", zrangestore),
    Command::new("zrevrange", zrevrange),
    Command::new("zrangebyscore", zrangebyscore),
    Command::new("zrevrangebyscore", zrevrangebyscore),
    Command::new("zrangebylex", zrangebylex),
    Command::new("zrevrangebylex", zrevrangebylex),
    Command::new("zremrangebyrank", zremrangebyrank),
    Command::new("zremrangebyscore", zremrangebyscore),
    Command::new("zremrangebylex", zremrangebylex),
    Command::new("zpopmin", zpopmin),
    Command::new("zpopmax", zpopmax),
    Command::new("zmpop", zmpop),
    Command::new("bzpopmin", bzpopmin),
    Command::new("bzpopmax", bzpopmax),
    Command::new("bzmpop", bzmpop),
    Command::new("zrandmember", zrandmember),
    Command::new("zunion", zunion),
    Command::new("zinter", zinter),
    Command::new("zdiff", zdiff),
    Command::new("zunionstore", zunionstore),
    Command::new("zinterstore", zinterstore),
    Command::new("zdiffstore", zdiffstore),
    Command::new("zintercard", zintercard),
    Command::new("zscan", zscan),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// A member with its score, as the operations return them.
pub type Scored = (Bytes, f64);

type Shared = Arc<RwLock<SortedSetValue>>;

/// The sorted set in an entry, or WRONGTYPE.
fn zset_of(entry: &Entry) -> Result<&Shared> {
    match entry.value() {
        Value::SortedSet(z) => Ok(z),
        _ => Err(Error::WrongType),
    }
}

/// The sorted set at a looked-up key (`None` when missing), or WRONGTYPE.
pub(crate) fn zset_at(entry: Option<&Entry>) -> Result<Option<&Shared>> {
    entry.map(zset_of).transpose()
}

/// Records a change of `key`'s set as `event` (deleting the key if it was emptied).
fn changed(txn: &Txn<'_>, db: usize, key: &[u8], set: &SortedSetValue, event: Event) {
    txn.changed_collection(db, key, event, set.is_empty());
}

/// Stores a computed result in `dst` (replacing any value and TTL) as `event`, or deletes
/// `dst` when the result is empty, as Redis's Z*STORE commands do; the result's size.
pub(crate) fn store_result(
    txn: &Txn<'_>,
    db: usize,
    dst: &[u8],
    set: SortedSetValue,
    event: Event,
) -> usize {
    let len = set.len();
    if len == 0 {
        txn.remove(db, dst, Event::Del);
    } else {
        let value = Value::SortedSet(Arc::new(RwLock::new(set)));
        txn.set_key(db, dst, value, event);
    }
    len
}

/// Members with scores as a reply: flat in RESP2, `[member, score]` pairs in RESP3.
fn scored_reply(protocol: Protocol, entries: Vec<Scored>, with_scores: bool) -> Reply {
    if !with_scores {
        return Reply::Array(entries.into_iter().map(|(m, _)| Reply::Bulk(m)).collect());
    }
    let nested = protocol == Protocol::Resp3;
    let mut out = Vec::with_capacity(entries.len() * if nested { 1 } else { 2 });
    for (m, s) in entries {
        if nested {
            out.push(Reply::Array(vec![Reply::Bulk(m), Reply::Double(s)]));
        } else {
            out.push(Reply::Bulk(m));
            out.push(Reply::Double(s));
        }
    }
    Reply::Array(out)
}

/// C's `strtod` over a whole C string, as `zslParseRange` uses it: leading whitespace is
/// skipped, overflow gives an infinity, the empty string is 0, anything left over (or
/// NaN) is an error.
fn strtod_full(arg: &[u8]) -> Option<f64> {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    let text = &arg[..end];
    let start = text
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .unwrap_or(text.len());
    let body = &text[start..];
    if body.is_empty() {
        // No conversion: the end pointer stays at the start, which must be the NUL.
        return text.is_empty().then_some(0.0);
    }
    let value = parse_f64(body).or_else(|| std::str::from_utf8(body).ok()?.parse().ok())?;
    (!value.is_nan()).then_some(value)
}

/// Redis's `zslParseRange`: `ERR min or max is not a float`.
pub fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange> {
    let bound = |arg: &[u8]| match arg.first() {
        Some(b'(') => strtod_full(&arg[1..]).map(|v| (v, true)),
        _ => strtod_full(arg).map(|v| (v, false)),
    };
    match (bound(min), bound(max)) {
        (Some((min, min_exclusive)), Some((max, max_exclusive))) => Ok(ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        }),
        _ => Err(Error::err("min or max is not a float")),
    }
}

/// Redis's `zslParseLexRangeItem`: `-`, `+`, `[member`, `(member`.
fn parse_lex_bound(arg: &[u8]) -> Option<LexBound> {
    let rest = || Bytes::copy_from_slice(&arg[1..]);
    match arg.first()? {
        b'+' if arg.get(1).is_none_or(|&b| b == 0) => Some(LexBound::Max),
        b'-' if arg.get(1).is_none_or(|&b| b == 0) => Some(LexBound::Min),
        b'(' => Some(LexBound::Exclusive(rest())),
        b'[' => Some(LexBound::Inclusive(rest())),
        _ => None,
    }
}

/// Redis's `zslParseLexRange`: `ERR min or max not valid string range item`.
pub fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(Error::err("min or max not valid string range item")),
    }
}

/// Negative indexes count from the end; `None` when the range is empty.
fn clamp_ranks(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

// ---------------------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------------------

/// ZADD's NX / XX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZAddCondition {
    #[default]
    Always,
    /// NX: only add new members.
    IfAbsent,
    /// XX: only update existing members.
    IfPresent,
}

/// ZADD's GT / LT (they never stop new members).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZAddComparison {
    #[default]
    Any,
    GreaterThan,
    LessThan,
}

/// ZADD's options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZAddArgs {
    pub condition: ZAddCondition,
    pub comparison: ZAddComparison,
    /// CH: count updated members too.
    pub changed: bool,
    /// INCR: add the score to the current one (one pair only).
    pub incr: bool,
}

impl ZAddArgs {
    /// The option conflicts Redis checks before parsing any score.
    pub fn validate(&self, pairs: usize) -> Result<()> {
        if pairs == 0 {
            return Err(Error::Syntax);
        }
        let nx = self.condition == ZAddCondition::IfAbsent;
        if nx && self.comparison != ZAddComparison::Any {
            return Err(Error::err(
                "GT, LT, and/or NX options at the same time are not compatible",
            ));
        }
        if self.incr && pairs > 1 {
            return Err(Error::err(
                "INCR option supports a single increment-element pair",
            ));
        }
        Ok(())
    }
}

/// What ZADD did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ZAddOutcome {
    /// Members added (plus updated with CH).
    Count(usize),
    /// INCR: the new score, `None` when a condition stopped it.
    Incremented(Option<f64>),
}

/// ZADD / ZINCRBY (Redis's `zaddGenericCommand` + `zsetAdd`): the pairs in order, the key
/// created only when something is added.
pub fn zadd_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    args: &ZAddArgs,
    pairs: &[(f64, &[u8])],
) -> Result<ZAddOutcome> {
    args.validate(pairs.len())?;
    if pairs.iter().any(|(s, _)| s.is_nan()) {
        return Err(Error::NotFloat);
    }
    let db = ctx.db();
    let txn = ctx.txn();
    let existing = zset_at(txn.get_for_write(db, key))?.cloned();
    let none = || {
        Ok(if args.incr {
            ZAddOutcome::Incremented(None)
        } else {
            ZAddOutcome::Count(0)
        })
    };
    if existing.is_none() && args.condition == ZAddCondition::IfPresent {
        return none();
    }
    let shared = existing.clone().unwrap_or_default();
    let mut set = shared.write();
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = None;
    for &(score, member) in pairs {
        let current = set.score(member);
        let mut score = score;
        match current {
            Some(_) if args.condition == ZAddCondition::IfAbsent => continue,
            None if args.condition == ZAddCondition::IfPresent => continue,
            Some(cur) => {
                if args.incr {
                    score += cur;
                    if score.is_nan() {
                        return Err(Error::err("resulting score is not a number (NaN)"));
                    }
                }
                let stopped = match args.comparison {
                    ZAddComparison::Any => false,
                    ZAddComparison::GreaterThan => score <= cur,
                    ZAddComparison::LessThan => score >= cur,
                };
                if stopped {
                    continue;
                }
            }
            None => {}
        }
        match set.set_score(member, score) {
            ScoreChange::Added => added += 1,
            ScoreChange::Updated => updated += 1,
            ScoreChange::Unchanged => {}
        }
        processed += 1;
        last_score = Some(score);
    }
    let event = if args.incr { Event::ZIncr } else { Event::ZAdd };
    if existing.is_none() {
        if !set.is_empty() {
            txn.set(db, key, Value::SortedSet(shared.clone()), None, event);
        }
    } else if added > 0 || updated > 0 {
        txn.modified(db, key, event);
    }
    Ok(if args.incr {
        ZAddOutcome::Incremented(if processed > 0 { last_score } else { None })
    } else {
        ZAddOutcome::Count(if args.changed { added + updated } else { added })
    })
}

/// Parses ZADD's options from argv[2..]; the index of the first score.
fn parse_zadd_options(argv: &[Bytes], args: &mut ZAddArgs) -> Result<usize> {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    let mut i = 2;
    while i < argv.len() {
        let a = &argv[i];
        if opt(a, "NX") {
            nx = true;
        } else if opt(a, "XX") {
            xx = true;
        } else if opt(a, "CH") {
            args.changed = true;
        } else if opt(a, "INCR") {
            args.incr = true;
        } else if opt(a, "GT") {
            gt = true;
        } else if opt(a, "LT") {
            lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = argv.len() - i;
    if elements % 2 == 1 || elements == 0 {
        return Err(Error::Syntax);
    }
    if nx && xx {
        return Err(Error::err(
            "XX and NX options at the same time are not compatible",
        ));
    }
    if ((gt || lt) && nx) || (gt && lt) {
        return Err(Error::err(
            "GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    args.condition = if nx {
        ZAddCondition::IfAbsent
    } else if xx {
        ZAddCondition::IfPresent
    } else {
        ZAddCondition::Always
    };
    args.comparison = if gt {
        ZAddComparison::GreaterThan
    } else if lt {
        ZAddComparison::LessThan
    } else {
        ZAddComparison::Any
    };
    Ok(i)
}

/// ZADD and ZINCRBY share Redis's parser (so `ZINCRBY k nx m` is a syntax error).
fn zadd_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], incr: bool) -> Result<Reply> {
    let mut args = ZAddArgs {
        incr,
        ..ZAddArgs::default()
    };
    let first = parse_zadd_options(argv, &mut args)?;
    args.validate((argv.len() - first) / 2)?;
    let pairs = argv[first..]
        .chunks_exact(2)
        .map(|p| Ok((args::float(&p[0])?, &p[1][..])))
        .collect::<Result<Vec<_>>>()?;
    Ok(match zadd_op(ctx, &argv[1], &args, &pairs)? {
        ZAddOutcome::Count(n) => Reply::integer(n),
        ZAddOutcome::Incremented(Some(s)) => Reply::Double(s),
        ZAddOutcome::Incremented(None) => Reply::Null,
    })
}

fn zadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    zadd_generic(ctx, argv, false)
}

fn zincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    zadd_generic(ctx, argv, true)
}

/// ZINCRBY: the new score.
pub fn zincrby_op(ctx: &Ctx<'_>, key: &[u8], increment: f64, member: &[u8]) -> Result<f64> {
    let args = ZAddArgs {
        incr: true,
        ..ZAddArgs::default()
    };
    match zadd_op(ctx, key, &args, &[(increment, member)])? {
        ZAddOutcome::Incremented(Some(s)) => Ok(s),
        _ => unreachable!("an unconditional increment always applies"),
    }
}

// ---------------------------------------------------------------------------------------
// Simple reads and ZREM
// ---------------------------------------------------------------------------------------

/// Runs `f` on the set at `key` under a read txn; `None` when the key is missing.
fn read_zset<T>(
    ctx: &Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&SortedSetValue) -> T,
) -> Result<Option<T>> {
    let db = ctx.db();
    Ok(zset_at(ctx.txn().get(db, key))?.map(|z| f(&z.read())))
}

/// ZREM: how many of `members` were removed.
pub fn zrem_op<M: AsRef<[u8]>>(ctx: &Ctx<'_>, key: &[u8], members: &[M]) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(z) = zset_at(txn.get_for_write(db, key))? else {
        return Ok(0);
    };
    let mut set = z.write();
    let removed = members
        .iter()
        .filter(|m| set.remove(m.as_ref()).is_some())
        .count();
    if removed > 0 {
        changed(txn, db, key, &set, Event::ZRem);
    }
    Ok(removed)
}

fn zrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(zrem_op(ctx, &argv[1], &argv[2..])?))
}

/// ZCARD.
pub fn zcard_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<usize> {
    Ok(read_zset(ctx, key, |z| z.len())?.unwrap_or(0))
}

fn zcard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(zcard_op(ctx, &argv[1])?))
}

/// ZSCORE.
pub fn zscore_op(ctx: &Ctx<'_>, key: &[u8], member: &[u8]) -> Result<Option<f64>> {
    Ok(read_zset(ctx, key, |z| z.score(member))?.flatten())
}

fn double_or_null(score: Option<f64>) -> Reply {
    score.map_or(Reply::Null, Reply::Double)
}

fn zscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(double_or_null(zscore_op(ctx, &argv[1], &argv[2])?))
}

/// ZMSCORE: one score per member (a missing key is an empty set).
pub fn zmscore_op<M: AsRef<[u8]>>(
    ctx: &Ctx<'_>,
    key: &[u8],
    members: &[M],
) -> Result<Vec<Option<f64>>> {
    Ok(read_zset(ctx, key, |z| {
        members.iter().map(|m| z.score(m.as_ref())).collect()
    })?
    .unwrap_or_else(|| vec![None; members.len()]))
}

fn zmscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let scores = zmscore_op(ctx, &argv[1], &argv[2..])?;
    Ok(Reply::Array(
        scores.into_iter().map(double_or_null).collect(),
    ))
}

/// ZRANK / ZREVRANK: the 0-based rank, `None` for a missing member or key.
pub fn zrank_op(ctx: &Ctx<'_>, key: &[u8], member: &[u8], reverse: bool) -> Result<Option<usize>> {
    Ok(read_zset(ctx, key, |z| {
        z.rank(member)
            .map(|r| if reverse { z.len() - 1 - r } else { r })
    })?
    .flatten())
}

fn zrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(zrank_op(ctx, &argv[1], &argv[2], false)?.map_or(Reply::Null, Reply::integer))
}

fn zrevrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(zrank_op(ctx, &argv[1], &argv[2], true)?.map_or(Reply::Null, Reply::integer))
}

/// ZCOUNT.
pub fn zcount_op(ctx: &Ctx<'_>, key: &[u8], range: &ScoreRange) -> Result<usize> {
    Ok(read_zset(ctx, key, |z| z.count_in_score_range(range))?.unwrap_or(0))
}

fn zcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let range = parse_score_range(&argv[2], &argv[3])?;
    Ok(Reply::integer(zcount_op(ctx, &argv[1], &range)?))
}

/// ZLEXCOUNT.
pub fn zlexcount_op(ctx: &Ctx<'_>, key: &[u8], range: &LexRange) -> Result<usize> {
    Ok(read_zset(ctx, key, |z| z.count_in_lex_range(range))?.unwrap_or(0))
}

fn zlexcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let range = parse_lex_range(&argv[2], &argv[3])?;
    Ok(Reply::integer(zlexcount_op(ctx, &argv[1], &range)?))
}

// ---------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------

/// What a range selects.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeSpec {
    /// By 0-based rank, negative from the end, both inclusive.
    Rank {
        start: i64,
        stop: i64,
    },
    Score(ScoreRange),
    Lex(LexRange),
}

/// A ZRANGE request (the bounds of a reversed score or lex range are given min first).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeArgs {
    pub spec: RangeSpec,
    /// REV: from the highest rank / score / member down.
    pub rev: bool,
    /// LIMIT offset (score and lex only; a negative offset selects nothing).
    pub offset: i64,
    /// LIMIT count; negative is no limit (Redis's default -1).
    pub count: i64,
    pub with_scores: bool,
}

impl RangeArgs {
    /// ZRANGE's conflict checks (made before the bounds are parsed).
    fn check_conflicts(rank: bool, lex: bool, limited: bool, with_scores: bool) -> Result<()> {
        if limited && rank {
            return Err(Error::err(
                "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
            ));
        }
        if with_scores && lex {
            return Err(Error::err(
                "syntax error, WITHSCORES not supported in combination with BYLEX",
            ));
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<()> {
        Self::check_conflicts(
            matches!(self.spec, RangeSpec::Rank { .. }),
            matches!(self.spec, RangeSpec::Lex(_)),
            self.count != -1,
            self.with_scores,
        )
    }
}

/// Whether a walked entry is still inside a range.
type InRange<'a> = Box<dyn Fn(&[u8], f64) -> bool + 'a>;

/// The selected entries of `z`, in reply order (Redis's `genericZrangeby*Command`).
fn select_range(z: &SortedSetValue, args: &RangeArgs) -> Vec<Scored> {
    let rev = args.rev;
    let owned = |(m, s): (&Bytes, f64)| (m.clone(), s);
    let (start, inside): (Option<Pos>, InRange<'_>) = match &args.spec {
        RangeSpec::Rank { start, stop } => {
            let Some((a, b)) = clamp_ranks(*start, *stop, z.len()) else {
                return Vec::new();
            };
            let first = if rev { z.len() - 1 - a } else { a };
            return z
                .iter_from(z.at_rank(first), rev)
                .take(b - a + 1)
                .map(owned)
                .collect();
        }
        RangeSpec::Score(r) => {
            // An offset past the end gives nothing before any lookup.
            if args.offset > 0 && args.offset as u64 >= z.len() as u64 {
                return Vec::new();
            }
            let start = if rev {
                z.last_in_score_range(r)
            } else {
                z.first_in_score_range(r)
            };
            let inside = move |_: &[u8], s: f64| if rev { r.gte_min(s) } else { r.lte_max(s) };
            (start, Box::new(inside))
        }
        RangeSpec::Lex(r) => {
            let start = if rev {
                z.last_in_lex_range(r)
            } else {
                z.first_in_lex_range(r)
            };
            let inside = move |m: &[u8], _: f64| if rev { r.gte_min(m) } else { r.lte_max(m) };
            (start, Box::new(inside))
        }
    };
    // Redis walks `offset` steps (a negative offset walks off the end: nothing), then takes
    // up to `count` (negative: all) while in range.
    let Ok(offset) = usize::try_from(args.offset) else {
        return Vec::new();
    };
    let count = usize::try_from(args.count).unwrap_or(usize::MAX);
    z.iter_from(start, rev)
        .skip(offset)
        .take(count)
        .take_while(|(m, s)| inside(m, *s))
        .map(owned)
        .collect()
}

/// ZRANGE (every form): the selected members and scores; an empty list for a missing key.
pub fn zrange_op(ctx: &Ctx<'_>, key: &[u8], args: &RangeArgs) -> Result<Vec<Scored>> {
    args.validate()?;
    Ok(read_zset(ctx, key, |z| select_range(z, args))?.unwrap_or_default())
}

/// ZRANGESTORE: stores the selected range in `dst` (deleted when it is empty); its size.
pub fn zrangestore_op(ctx: &Ctx<'_>, dst: &[u8], src: &[u8], args: &RangeArgs) -> Result<usize> {
    args.validate()?;
    let db = ctx.db();
    let txn = ctx.txn();
    let selected = match zset_at(txn.get(db, src))? {
        Some(z) => select_range(&z.read(), args),
        None => Vec::new(),
    };
    // Built like Redis's `zrangeResultBeginStore`: a rank range whose length is known and
    // over the listpack limit starts as a skiplist (a `-0` score stays `-0`); anything else
    // is a listpack filled member by member, converted when it outgrows it.
    let known_large = matches!(args.spec, RangeSpec::Rank { .. })
        && selected.len() > crate::store::encoding::limits().zset_max_listpack_entries;
    let set = if known_large {
        SortedSetValue::from_distinct(selected)
    } else {
        let mut set = SortedSetValue::new();
        for (m, s) in &selected {
            set.set_score(m, *s);
        }
        set
    };
    Ok(store_result(txn, db, dst, set, Event::ZRangeStore))
}

/// How a ZRANGE-family command fixes the range type and direction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fixed {
    /// ZRANGE / ZRANGESTORE: options choose.
    Auto,
    Rank,
    Score,
    Lex,
}

/// Redis's `zrangeGenericCommand` argument handling: options after `<src> <min> <max>`,
/// conflict checks, then the bounds.
fn parse_range(
    argv: &[Bytes],
    src: usize,
    store: bool,
    fixed: Fixed,
    rev: bool,
) -> Result<RangeArgs> {
    let (rank, mut score, mut lex) = (
        fixed == Fixed::Rank,
        fixed == Fixed::Score,
        fixed == Fixed::Lex,
    );
    let mut rev = rev;
    let (mut with_scores, mut offset, mut count) = (false, 0i64, -1i64);
    let mut j = src + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = &argv[j];
        if !store && opt(a, "WITHSCORES") {
            with_scores = true;
        } else if opt(a, "LIMIT") && left >= 2 {
            offset = args::int(&argv[j + 1])?;
            count = args::int(&argv[j + 2])?;
            j += 2;
        } else if fixed == Fixed::Auto && !rev && opt(a, "REV") {
            rev = true;
        } else if fixed == Fixed::Auto && !rank && !score && !lex && opt(a, "BYLEX") {
            lex = true;
        } else if fixed == Fixed::Auto && !rank && !score && !lex && opt(a, "BYSCORE") {
            score = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let rank = rank || (!score && !lex);
    RangeArgs::check_conflicts(rank, lex, count != -1, with_scores)?;
    let (mut min, mut max) = (&argv[src + 1][..], &argv[src + 2][..]);
    if rev && !rank {
        std::mem::swap(&mut min, &mut max);
    }
    let spec = if rank {
        RangeSpec::Rank {
            start: args::int(min)?,
            stop: args::int(max)?,
        }
    } else if score {
        RangeSpec::Score(parse_score_range(min, max)?)
    } else {
        RangeSpec::Lex(parse_lex_range(min, max)?)
    };
    Ok(RangeArgs {
        spec,
        rev,
        offset,
        count,
        with_scores,
    })
}

fn range_command(ctx: &mut Ctx<'_>, argv: &[Bytes], fixed: Fixed, rev: bool) -> Result<Reply> {
    let args = parse_range(argv, 1, false, fixed, rev)?;
    let entries = zrange_op(ctx, &argv[1], &args)?;
    Ok(scored_reply(
        ctx.session.protocol,
        entries,
        args.with_scores,
    ))
}

fn zrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Auto, false)
}

fn zrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Rank, true)
}

fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Score, false)
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Score, true)
}

fn zrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Lex, false)
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_command(ctx, argv, Fixed::Lex, true)
}

fn zrangestore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let args = parse_range(argv, 2, true, Fixed::Auto, false)?;
    Ok(Reply::integer(zrangestore_op(
        ctx, &argv[1], &argv[2], &args,
    )?))
}

/// ZREMRANGEBYRANK / BYSCORE / BYLEX: how many members were removed.
pub fn zremrange_op(ctx: &Ctx<'_>, key: &[u8], spec: &RangeSpec) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(z) = zset_at(txn.get_for_write(db, key))? else {
        return Ok(0);
    };
    let mut set = z.write();
    let removed = match spec {
        RangeSpec::Rank { start, stop } => match clamp_ranks(*start, *stop, set.len()) {
            Some((a, b)) => set.remove_rank_range(a, b),
            None => return Ok(0),
        },
        RangeSpec::Score(r) => set.remove_score_range(r),
        RangeSpec::Lex(r) => set.remove_lex_range(r),
    };
    if removed > 0 {
        let event = match spec {
            RangeSpec::Rank { .. } => Event::ZRemRangeByRank,
            RangeSpec::Score(_) => Event::ZRemRangeByScore,
            RangeSpec::Lex(_) => Event::ZRemRangeByLex,
        };
        changed(txn, db, key, &set, event);
    }
    Ok(removed)
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let spec = RangeSpec::Rank {
        start: args::int(&argv[2])?,
        stop: args::int(&argv[3])?,
    };
    Ok(Reply::integer(zremrange_op(ctx, &argv[1], &spec)?))
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let spec = RangeSpec::Score(parse_score_range(&argv[2], &argv[3])?);
    Ok(Reply::integer(zremrange_op(ctx, &argv[1], &spec)?))
}

fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let spec = RangeSpec::Lex(parse_lex_range(&argv[2], &argv[3])?);
    Ok(Reply::integer(zremrange_op(ctx, &argv[1], &spec)?))
}

// ---------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP
// ---------------------------------------------------------------------------------------

/// Which end ZPOP* and ZMPOP take from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopEnd {
    Min,
    Max,
}

/// Redis's `genericZpopCommand`: pops up to `count` members from the first of `keys` that
/// exists (WRONGTYPE when that key is not a sorted set); `None` when no key exists. The
/// blocking BZPOP*/BZMPOP run the same pops inside their own txn ([`zpop_in`]) and block
/// on `None`.
pub fn zpop_op<K: AsRef<[u8]>>(
    ctx: &Ctx<'_>,
    keys: &[K],
    end: PopEnd,
    count: usize,
) -> Result<Option<(Bytes, Vec<Scored>)>> {
    zpop_in(ctx.txn(), ctx.db(), keys, end, count)
}

/// [`zpop_op`] inside an open write txn over `keys`.
fn zpop_in<K: AsRef<[u8]>>(
    txn: &Txn<'_>,
    db: usize,
    keys: &[K],
    end: PopEnd,
    count: usize,
) -> Result<Option<(Bytes, Vec<Scored>)>> {
    for key in keys {
        let key = key.as_ref();
        let Some(z) = zset_at(txn.get_for_write(db, key))? else {
            continue;
        };
        let mut set = z.write();
        let mut popped = Vec::with_capacity(count.min(set.len()));
        while popped.len() < count {
            match set.pop(end == PopEnd::Max) {
                Some(entry) => popped.push(entry),
                None => break,
            }
        }
        if !popped.is_empty() {
            let event = match end {
                PopEnd::Min => Event::ZPopMin,
                PopEnd::Max => Event::ZPopMax,
            };
            changed(txn, db, key, &set, event);
        }
        return Ok(Some((Bytes::copy_from_slice(key), popped)));
    }
    Ok(None)
}

fn zpop_command(ctx: &mut Ctx<'_>, argv: &[Bytes], end: PopEnd) -> Result<Reply> {
    if argv.len() > 3 {
        return Err(Error::Syntax);
    }
    let count = match argv.get(2) {
        Some(arg) => {
            // Redis's getPositiveLongFromObjectOrReply: one message for both failures.
            let n = args::int(arg)
                .ok()
                .filter(|&n| n >= 0)
                .ok_or_else(|| Error::err("value is out of range, must be positive"))?;
            Some(n as usize)
        }
        None => None,
    };
    let popped = zpop_op(ctx, &argv[1..2], end, count.unwrap_or(1))?;
    let entries = popped.map(|(_, e)| e).unwrap_or_default();
    // RESP3 nests the pairs only when a count was given.
    let protocol = match count {
        Some(_) => ctx.session.protocol,
        None => Protocol::Resp2,
    };
    Ok(scored_reply(protocol, entries, true))
}

fn zpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    zpop_command(ctx, argv, PopEnd::Min)
}

fn zpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    zpop_command(ctx, argv, PopEnd::Max)
}

/// `[key, [[member, score], ...]]`, or a null array: ZMPOP's (and BZMPOP's) reply.
pub fn mpop_reply(popped: Option<(Bytes, Vec<Scored>)>) -> Reply {
    match popped {
        None => Reply::NullArray,
        Some((key, entries)) => Reply::Array(vec![
            Reply::Bulk(key),
            scored_reply(Protocol::Resp3, entries, true),
        ]),
    }
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` from `argv[at..]` (ZMPOP, and
/// BZMPOP after its timeout): the keys, the end, the count.
pub fn parse_mpop(argv: &[Bytes], at: usize) -> Result<(&[Bytes], PopEnd, usize)> {
    args::mpop(argv, at, |word| {
        if opt(word, "MIN") {
            Some(PopEnd::Min)
        } else if opt(word, "MAX") {
            Some(PopEnd::Max)
        } else {
            None
        }
    })
}

fn zmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (keys, end, count) = parse_mpop(argv, 1)?;
    Ok(mpop_reply(zpop_op(ctx, keys, end, count)?))
}

// ---------------------------------------------------------------------------------------
// BZPOPMIN / BZPOPMAX / BZMPOP
// ---------------------------------------------------------------------------------------

/// How much a blocking pop takes, which also decides its reply's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockingTake {
    /// BZPOPMIN/BZPOPMAX: one member, answered `[key, member, score]`.
    One,
    /// BZMPOP with its COUNT: up to that many, answered `[key, [[member, score], ...]]`.
    Many(usize),
}

/// The reply of a blocking pop: `[key, member, score]` for BZPOPMIN/BZPOPMAX,
/// `[key, [[member, score], ...]]` for BZMPOP, a null array when nothing was popped.
fn bzpop_reply(popped: Option<(Bytes, Vec<Scored>)>, take: BlockingTake) -> Reply {
    match popped {
        Some((key, mut popped)) if take == BlockingTake::One => {
            let (member, score) = popped.pop().expect("an existing sorted set has a member");
            Reply::Array(vec![
                Reply::Bulk(key),
                Reply::Bulk(member),
                Reply::Double(score),
            ])
        }
        popped => mpop_reply(popped),
    }
}

/// BZPOPMIN/BZPOPMAX/BZMPOP: pops like ZPOP*/ZMPOP from the first existing key of `keys`
/// (WRONGTYPE when that key holds another type); when none exists, blocks the client on
/// all of them (see [`crate::blocking`]) with a null array as the timeout reply, to be
/// served from the first of them that gets members.
fn blocking_zpop(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    keys: &[Bytes],
    end: PopEnd,
    take: BlockingTake,
    timeout: BlockTimeout,
) -> Result<Reply> {
    let count = match take {
        BlockingTake::One => 1,
        BlockingTake::Many(n) => n,
    };
    if let Some(popped) = zpop_op(ctx, keys, end, count)? {
        return Ok(bzpop_reply(Some(popped), take));
    }
    let on = BlockOn::keys(keys, ValueType::SortedSet, timeout);
    let line = argv.to_vec();
    Ok(ctx.block(on, Reply::NullArray, move |ctx, key| {
        let reply = bzpop_reply(zpop_op(ctx, &[key], end, count)?, take);
        ctx.log_served(&line, &reply);
        Ok(reply)
    }))
}

fn bzpop_command(ctx: &mut Ctx<'_>, argv: &[Bytes], end: PopEnd) -> Result<Reply> {
    let timeout = parse_timeout(&argv[argv.len() - 1])?;
    let keys = &argv[1..argv.len() - 1];
    blocking_zpop(ctx, argv, keys, end, BlockingTake::One, timeout)
}

/// `BZPOPMIN key [key ...] timeout` → `[key, member, score]` or a null array.
fn bzpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bzpop_command(ctx, argv, PopEnd::Min)
}

/// `BZPOPMAX key [key ...] timeout` → `[key, member, score]` or a null array.
fn bzpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bzpop_command(ctx, argv, PopEnd::Max)
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]` → as ZMPOP, or a null
/// array at the timeout. The timeout is checked after the other arguments, as in Redis.
fn bzmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (keys, end, count) = parse_mpop(argv, 2)?;
    let timeout = parse_timeout(&argv[1])?;
    blocking_zpop(ctx, argv, keys, end, BlockingTake::Many(count), timeout)
}

// ---------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------

/// ZRANDMEMBER with a count: distinct members when `count >= 0` (the whole set, from the
/// highest, when it asks for at least that many), `-count` picks with repetition
/// otherwise. `None` for a missing key.
/// A huge negative count (which makes redis-server abort) is refused with an error when
/// its reply cannot even be allocated, instead of taking the server down.
pub fn zrandmember_op(ctx: &mut Ctx<'_>, key: &[u8], count: i64) -> Result<Option<Vec<Scored>>> {
    let db = ctx.db();
    let Some(z) = zset_at(ctx.txn().get(db, key))? else {
        return Ok(None);
    };
    let z = z.read();
    let size = z.len();
    let owned = |(m, s): (&Bytes, f64)| (m.clone(), s);
    if count < 0 || count == 1 {
        return repeated_picks(ctx.rng(), size, count.unsigned_abs(), |slot| {
            owned(z.entry_at_slot(slot))
        })
        .map(Some)
        .ok_or_else(|| insufficient_memory("ZRANDMEMBER"));
    }
    let count = count as usize;
    if count >= size {
        // Redis walks the set backwards here.
        return Ok(Some(z.iter_from(z.last(), true).map(owned).collect()));
    }
    Ok(Some(
        distinct_indexes(ctx.rng(), size, count)
            .into_iter()
            .map(|slot| owned(z.entry_at_slot(slot)))
            .collect(),
    ))
}

fn zrandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let Some(count_arg) = argv.get(2) else {
        let db = ctx.db();
        let Some(z) = zset_at(ctx.txn().get(db, &argv[1]))? else {
            return Ok(Reply::Null);
        };
        let z = z.read();
        let slot = ctx.rng().random_range(0..z.len());
        return Ok(Reply::Bulk(z.entry_at_slot(slot).0.clone()));
    };
    let count = args::int(count_arg)?;
    if count == i64::MIN {
        return Err(Error::err(
            "value is out of range, value must between -9223372036854775807 and \
             9223372036854775807",
        ));
    }
    if argv.len() > 4 || (argv.len() == 4 && !opt(&argv[3], "WITHSCORES")) {
        return Err(Error::Syntax);
    }
    let with_scores = argv.len() == 4;
    let entries = if count == 0 {
        // Redis answers before looking at the key's contents (but after its type).
        read_zset(ctx, &argv[1], |_| ())?;
        Vec::new()
    } else {
        zrandmember_op(ctx, &argv[1], count)?.unwrap_or_default()
    };
    Ok(scored_reply(ctx.session.protocol, entries, with_scores))
}

// ---------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE) / ZINTERCARD
// ---------------------------------------------------------------------------------------

/// The set operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Union,
    Inter,
    Diff,
}

/// How scores of one member in several inputs combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    #[default]
    Sum,
    Min,
    Max,
}

/// WEIGHTS / AGGREGATE of ZUNION and ZINTER (ZDIFF takes neither).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetOpArgs {
    /// One weight per input key, or empty for all 1.
    pub weights: Vec<f64>,
    pub aggregate: Aggregate,
}

/// One input: a sorted set, a plain set (every score 1) or nothing.
enum Source<'a> {
    Missing,
    Zset(RwLockReadGuard<'a, SortedSetValue>),
    Set(RwLockReadGuard<'a, SetValue>),
}

/// The members of a plain set, in storage order (the order does not matter here).
fn set_members(set: &SetValue) -> impl Iterator<Item = &Bytes> {
    set.iter()
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Zset(z) => z.len(),
            Source::Set(s) => s.len(),
        }
    }

    fn entries(&self) -> Box<dyn Iterator<Item = (&Bytes, f64)> + '_> {
        match self {
            Source::Missing => Box::new(std::iter::empty()),
            Source::Zset(z) => Box::new(z.iter()),
            Source::Set(s) => Box::new(set_members(s).map(|m| (m, 1.0))),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Zset(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }
}

/// Looks up every input (WRONGTYPE for a type other than set or sorted set).
fn sources<'t, K: AsRef<[u8]>>(txn: &'t Txn<'_>, db: usize, keys: &[K]) -> Result<Vec<Source<'t>>> {
    keys.iter()
        .map(|k| match txn.get(db, k.as_ref()).map(|e| e.value()) {
            None => Ok(Source::Missing),
            Some(Value::SortedSet(z)) => Ok(Source::Zset(z.read())),
            Some(Value::Set(s)) => Ok(Source::Set(s.read())),
            Some(_) => Err(Error::WrongType),
        })
        .collect()
}

fn aggregate(target: &mut f64, value: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += value;
            // inf + -inf: Redis keeps 0 rather than NaN.
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if value < *target {
                *target = value;
            }
        }
        Aggregate::Max => {
            if value > *target {
                *target = value;
            }
        }
    }
}

/// A weighted score; NaN (0 * inf) counts as 0.
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() { 0.0 } else { v }
}

/// Redis's `zunionInterDiffGenericCommand` core: the result in score order. Inputs of
/// union and intersection are visited smallest first (as Redis sorts them, stably), which
/// fixes the order floating-point sums are made in.
fn combine(
    sources: &[Source<'_>],
    op: SetOp,
    args: &SetOpArgs,
    limit: Option<usize>,
) -> (Vec<Scored>, usize) {
    let weight = |i: usize| args.weights.get(i).copied().unwrap_or(1.0);
    let mut order: Vec<usize> = (0..sources.len()).collect();
    if op != SetOp::Diff {
        order.sort_by_key(|&i| sources[i].len());
    }
    let mut result: Vec<Scored> = Vec::new();
    let mut cardinality = 0;
    match op {
        SetOp::Inter => {
            let first = order[0];
            'members: for (member, score) in sources[first].entries() {
                let mut total = weighted(weight(first), score);
                for &j in &order[1..] {
                    let Some(s) = sources[j].score(member) else {
                        continue 'members;
                    };
                    aggregate(&mut total, weight(j) * s, args.aggregate);
                }
                cardinality += 1;
                if limit.is_some() {
                    if limit.is_some_and(|l| l > 0 && cardinality >= l) {
                        break;
                    }
                } else {
                    result.push((member.clone(), total));
                }
            }
        }
        SetOp::Union => {
            let mut acc: std::collections::HashMap<Bytes, f64, foldhash::fast::RandomState> =
                Default::default();
            for &i in &order {
                for (member, score) in sources[i].entries() {
                    let value = weighted(weight(i), score);
                    match acc.get_mut(&member[..]) {
                        Some(total) => aggregate(total, value, args.aggregate),
                        None => {
                            acc.insert(member.clone(), value);
                        }
                    }
                }
            }
            result = acc.into_iter().collect();
        }
        SetOp::Diff => {
            result = sources[0]
                .entries()
                .filter(|(m, _)| sources[1..].iter().all(|s| s.score(m).is_none()))
                .map(|(m, s)| (m.clone(), s))
                .collect();
        }
    }
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .expect("no NaN")
            .then_with(|| a.0.cmp(&b.0))
    });
    (result, cardinality)
}

fn check_setop_args(op: SetOp, keys: usize, args: &SetOpArgs, cmd: &str) -> Result<()> {
    if keys == 0 {
        return Err(at_least_one_key(cmd));
    }
    if (op == SetOp::Diff && args != &SetOpArgs::default())
        || (!args.weights.is_empty() && args.weights.len() != keys)
    {
        return Err(Error::Syntax);
    }
    Ok(())
}

fn at_least_one_key(cmd: &str) -> Error {
    Error::err(format!(
        "at least 1 input key is needed for '{cmd}' command"
    ))
}

/// ZUNION / ZINTER / ZDIFF: the result in score order (`cmd` names the command in errors).
pub fn zsetop_op<K: AsRef<[u8]>>(
    ctx: &Ctx<'_>,
    op: SetOp,
    keys: &[K],
    args: &SetOpArgs,
    cmd: &str,
) -> Result<Vec<Scored>> {
    check_setop_args(op, keys.len(), args, cmd)?;
    let db = ctx.db();
    let sources = sources(ctx.txn(), db, keys)?;
    Ok(combine(&sources, op, args, None).0)
}

/// ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE: the result stored in `dst` (replacing it, or
/// deleting it when empty), atomically with the reads; its size.
pub fn zsetop_store_op<K: AsRef<[u8]>>(
    ctx: &Ctx<'_>,
    op: SetOp,
    dst: &[u8],
    keys: &[K],
    args: &SetOpArgs,
    cmd: &str,
) -> Result<usize> {
    check_setop_args(op, keys.len(), args, cmd)?;
    let db = ctx.db();
    let txn = ctx.txn();
    let result = {
        let sources = sources(txn, db, keys)?;
        combine(&sources, op, args, None).0
    };
    let event = match op {
        SetOp::Union => Event::ZUnionStore,
        SetOp::Inter => Event::ZInterStore,
        SetOp::Diff => Event::ZDiffStore,
    };
    Ok(store_result(
        txn,
        db,
        dst,
        SortedSetValue::from_distinct(result),
        event,
    ))
}

/// ZINTERCARD: the intersection's size, counting stops at `limit` (0: no limit).
pub fn zintercard_op<K: AsRef<[u8]>>(ctx: &Ctx<'_>, keys: &[K], limit: usize) -> Result<usize> {
    if keys.is_empty() {
        return Err(at_least_one_key("zintercard"));
    }
    let db = ctx.db();
    let sources = sources(ctx.txn(), db, keys)?;
    Ok(combine(&sources, SetOp::Inter, &SetOpArgs::default(), Some(limit)).1)
}

/// The parsed argv of a set-operation command.
struct SetOpCommand<'a> {
    keys: &'a [Bytes],
    args: SetOpArgs,
    with_scores: bool,
    limit: usize,
}

/// Parses `numkeys key [key ...] options` from `argv[at..]`. Option errors are reported
/// only after the keys' types were checked, as Redis looks the keys up first.
fn parse_setop<'a>(
    ctx: &Ctx<'_>,
    argv: &'a [Bytes],
    at: usize,
    op: SetOp,
    store: bool,
    card: bool,
) -> Result<SetOpCommand<'a>> {
    let numkeys = args::int(&argv[at])?;
    let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    if numkeys < 1 {
        return Err(at_least_one_key(&cmd));
    }
    if numkeys as u64 > (argv.len() - at - 1) as u64 {
        return Err(Error::Syntax);
    }
    let keys = &argv[at + 1..at + 1 + numkeys as usize];
    let options = parse_setop_options(&argv[at + 1 + keys.len()..], keys.len(), op, store, card);
    match options {
        Ok(parsed) => Ok(SetOpCommand { keys, ..parsed }),
        Err(e) => {
            sources(ctx.txn(), ctx.db(), keys)?;
            Err(e)
        }
    }
}

fn parse_setop_options(
    options: &[Bytes],
    numkeys: usize,
    op: SetOp,
    store: bool,
    card: bool,
) -> Result<SetOpCommand<'static>> {
    let mut parsed = SetOpCommand {
        keys: &[],
        args: SetOpArgs::default(),
        with_scores: false,
        limit: 0,
    };
    let mut j = 0;
    while j < options.len() {
        let remaining = options.len() - j;
        let a = &options[j];
        if op != SetOp::Diff && !card && remaining > numkeys && opt(a, "WEIGHTS") {
            parsed.args.weights = options[j + 1..j + 1 + numkeys]
                .iter()
                .map(|w| parse_f64(w).ok_or_else(|| Error::err("weight value is not a float")))
                .collect::<Result<_>>()?;
            j += 1 + numkeys;
        } else if op != SetOp::Diff && !card && remaining >= 2 && opt(a, "AGGREGATE") {
            let how = &options[j + 1];
            parsed.args.aggregate = if opt(how, "SUM") {
                Aggregate::Sum
            } else if opt(how, "MIN") {
                Aggregate::Min
            } else if opt(how, "MAX") {
                Aggregate::Max
            } else {
                return Err(Error::Syntax);
            };
            j += 2;
        } else if !store && !card && opt(a, "WITHSCORES") {
            parsed.with_scores = true;
            j += 1;
        } else if card && remaining >= 2 && opt(a, "LIMIT") {
            let limit = args::int(&options[j + 1])
                .ok()
                .filter(|&n| n >= 0)
                .ok_or_else(|| Error::err("LIMIT can't be negative"))?;
            parsed.limit = limit as usize;
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(parsed)
}

fn setop_command(ctx: &mut Ctx<'_>, argv: &[Bytes], op: SetOp) -> Result<Reply> {
    let parsed = parse_setop(ctx, argv, 1, op, false, false)?;
    let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let entries = zsetop_op(ctx, op, parsed.keys, &parsed.args, &cmd)?;
    Ok(scored_reply(
        ctx.session.protocol,
        entries,
        parsed.with_scores,
    ))
}

fn setop_store_command(ctx: &mut Ctx<'_>, argv: &[Bytes], op: SetOp) -> Result<Reply> {
    let parsed = parse_setop(ctx, argv, 2, op, true, false)?;
    let cmd = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let n = zsetop_store_op(ctx, op, &argv[1], parsed.keys, &parsed.args, &cmd)?;
    Ok(Reply::integer(n))
}

fn zunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_command(ctx, argv, SetOp::Union)
}

fn zinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_command(ctx, argv, SetOp::Inter)
}

fn zdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_command(ctx, argv, SetOp::Diff)
}

fn zunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_store_command(ctx, argv, SetOp::Union)
}

fn zinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_store_command(ctx, argv, SetOp::Inter)
}

fn zdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    setop_store_command(ctx, argv, SetOp::Diff)
}

fn zintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let parsed = parse_setop(ctx, argv, 1, SetOp::Inter, false, true)?;
    Ok(Reply::integer(zintercard_op(
        ctx,
        parsed.keys,
        parsed.limit,
    )?))
}

// ---------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------

/// One ZSCAN step: the next cursor (0 when done) and the members matching `pattern`, each
/// with its score as text, as ZSCAN prints it. A small set is returned whole; a big one
/// `count` slots at a time, from the top slot down (see `store::sorted_set` for why that
/// keeps Redis's guarantee).
pub fn zscan_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<(Bytes, String)>)> {
    let pattern = pattern.filter(|p| *p != b"*");
    let keep = |m: &[u8]| pattern.is_none_or(|p| glob_match(p, m, false));
    let found = read_zset(ctx, key, |z| {
        if !z.is_large() {
            let all = z
                .iter()
                .filter(|(m, _)| keep(m))
                .map(|(m, s)| (m.clone(), listpack_score_text(s)))
                .collect();
            return (0, all);
        }
        let top = if cursor == 0 {
            z.len()
        } else {
            usize::try_from(cursor).unwrap_or(usize::MAX).min(z.len())
        };
        let bottom = top.saturating_sub(count.max(1));
        let page = (bottom..top)
            .rev()
            .map(|slot| z.entry_at_slot(slot))
            .filter(|(m, _)| keep(m))
            .map(|(m, s)| (m.clone(), format_double(s)))
            .collect();
        (bottom as u64, page)
    })?;
    Ok(found.unwrap_or((0, Vec::new())))
}

fn zscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let cursor = super::keys::parse_cursor(&argv[2])?;
    // Redis checks the key (missing: an empty scan; WRONGTYPE) before the options.
    if read_zset(ctx, &argv[1], |_| ())?.is_none() {
        return Ok(Reply::Array(vec![
            Reply::bulk("0"),
            Reply::Array(Vec::new()),
        ]));
    }
    let mut count = super::keys::DEFAULT_SCAN_COUNT as usize;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if opt(&argv[i], "COUNT") && has_value {
            let n = args::int(&argv[i + 1])?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt(&argv[i], "MATCH") && has_value {
            pattern = Some(&argv[i + 1]);
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    let (next, entries) = zscan_op(ctx, &argv[1], cursor, pattern, count)?;
    let mut items = Vec::with_capacity(entries.len() * 2);
    for (m, s) in entries {
        items.push(Reply::Bulk(m));
        items.push(Reply::bulk(s));
    }
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::Array(items),
    ]))
}

#[cfg(test)]
mod tests {
    //! Expected replies and error texts were taken from redis-server 7.0.15.
    use super::*;
    use crate::commands::test_support::{Harness, served};
    use crate::store::Access;

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn int(n: i64) -> Reply {
        Reply::Integer(n)
    }

    fn bulks(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    /// A flat RESP2 `[member, score, ...]` reply.
    fn scored(items: &[(&str, f64)]) -> Reply {
        Reply::Array(
            items
                .iter()
                .flat_map(|(m, s)| [bulk(m), Reply::Double(*s)])
                .collect(),
        )
    }

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    fn put(h: &Harness, key: &str, value: Value) {
        let txn = h.server.store.txn(Access::Write, 0, [key.as_bytes()]);
        txn.set(0, key.as_bytes(), value, None, crate::store::Event::Set);
    }

    fn plain_set(members: &[&str]) -> Value {
        let mut set = SetValue::default();
        for m in members {
            set.insert(m.as_bytes());
        }
        Value::Set(Arc::new(RwLock::new(set)))
    }

    #[test]
    fn zadd_options_and_replies() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["ZADD", "z", "1", "a", "2", "b", "2", "b"]), int(2));
        assert_eq!(h.run(&["ZADD", "z", "CH", "5", "a", "1", "new"]), int(2));
        assert_eq!(
            h.run(&["ZADD", "z", "GT", "CH", "1", "a", "10", "b"]),
            int(1)
        );
        assert_eq!(h.run(&["ZADD", "z", "LT", "CH", "0", "new"]), int(1));
        assert_eq!(
            h.run(&["ZADD", "z", "XX", "CH", "7", "nope", "7", "a"]),
            int(1)
        );
        assert_eq!(h.run(&["ZADD", "z", "NX", "8", "a", "8", "c"]), int(1));
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
            scored(&[("new", 0.0), ("a", 7.0), ("c", 8.0), ("b", 10.0)])
        );
        assert_eq!(
            h.run(&["ZADD", "z", "INCR", "2.5", "a"]),
            Reply::Double(9.5)
        );
        assert_eq!(h.run(&["ZADD", "z", "NX", "INCR", "1", "a"]), Reply::Null);
        assert_eq!(h.run(&["ZADD", "z", "GT", "INCR", "-1", "a"]), Reply::Null);
        assert_eq!(h.run(&["ZADD", "nokey", "XX", "1", "a"]), int(0));
        assert!(!h.exists("nokey"));
        assert_eq!(
            h.run(&["ZADD", "nokey", "XX", "INCR", "1", "a"]),
            Reply::Null
        );
        for (args, err) in [
            (
                &["NX", "XX", "1", "a"][..],
                "ERR XX and NX options at the same time are not compatible",
            ),
            (
                &["GT", "LT", "1", "a"],
                "ERR GT, LT, and/or NX options at the same time are not compatible",
            ),
            (
                &["NX", "GT", "1", "a"],
                "ERR GT, LT, and/or NX options at the same time are not compatible",
            ),
            (
                &["INCR", "1", "a", "2", "b"],
                "ERR INCR option supports a single increment-element pair",
            ),
            (&["1", "a", "2"], "ERR syntax error"),
            (&["NX", "CH"], "ERR syntax error"),
            (&["abc", "a"], "ERR value is not a valid float"),
            (&["nan", "a"], "ERR value is not a valid float"),
        ] {
            let mut argv = vec!["ZADD", "z"];
            argv.extend_from_slice(args);
            assert_eq!(h.err(&argv), err, "{args:?}");
        }
        assert_eq!(h.err(&["ZINCRBY", "z", "nx", "a"]), "ERR syntax error");
        assert_eq!(
            h.run(&["ZINCRBY", "z", "inf", "a"]),
            Reply::Double(f64::INFINITY)
        );
        assert_eq!(
            h.err(&["ZINCRBY", "z", "-inf", "a"]),
            "ERR resulting score is not a number (NaN)"
        );
        h.run(&["SET", "s", "x"]);
        assert_eq!(h.err(&["ZADD", "s", "1", "a"]), WRONGTYPE);
    }

    #[test]
    fn reads_and_removal() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(h.run(&["ZCARD", "z"]), int(3));
        assert_eq!(h.run(&["ZCARD", "nokey"]), int(0));
        assert_eq!(h.run(&["ZSCORE", "z", "b"]), Reply::Double(2.0));
        assert_eq!(h.run(&["ZSCORE", "z", "x"]), Reply::Null);
        assert_eq!(
            h.run(&["ZMSCORE", "z", "a", "x"]),
            Reply::Array(vec![Reply::Double(1.0), Reply::Null])
        );
        assert_eq!(
            h.run(&["ZMSCORE", "nokey", "a"]),
            Reply::Array(vec![Reply::Null])
        );
        assert_eq!(h.run(&["ZRANK", "z", "c"]), int(2));
        assert_eq!(h.run(&["ZREVRANK", "z", "c"]), int(0));
        assert_eq!(h.run(&["ZRANK", "z", "x"]), Reply::Null);
        assert_eq!(
            h.err(&["ZRANK", "z", "c", "WITHSCORE"]),
            "ERR wrong number of arguments for 'zrank' command"
        );
        assert_eq!(h.run(&["ZCOUNT", "z", "(1", "+inf"]), int(2));
        assert_eq!(
            h.err(&["ZCOUNT", "z", "x", "1"]),
            "ERR min or max is not a float"
        );
        assert_eq!(h.run(&["ZREM", "z", "a", "x", "a"]), int(1));
        assert_eq!(h.run(&["ZREM", "z", "b", "c"]), int(2));
        assert!(!h.exists("z"), "an emptied set is deleted");
        h.run(&["SET", "s", "x"]);
        for cmd in [
            &["ZCARD", "s"][..],
            &["ZSCORE", "s", "a"],
            &["ZMSCORE", "s", "a"],
            &["ZRANK", "s", "a"],
            &["ZREM", "s", "a"],
            &["ZRANGE", "s", "0", "1"],
            &["ZPOPMIN", "s"],
            &["ZRANDMEMBER", "s"],
            &["ZSCAN", "s", "0"],
        ] {
            assert_eq!(h.err(cmd), WRONGTYPE, "{cmd:?}");
        }
    }

    #[test]
    fn score_bounds_parse_like_strtod() {
        let r = parse_score_range(b"(1.5", b"+inf").unwrap();
        assert_eq!((r.min, r.min_exclusive, r.max), (1.5, true, f64::INFINITY));
        assert_eq!(parse_score_range(b"", b"(").unwrap().min, 0.0);
        assert_eq!(
            parse_score_range(b" 1", b"1e400").unwrap().max,
            f64::INFINITY
        );
        assert_eq!(parse_score_range(b"0x10", b"1").unwrap().min, 16.0);
        for bad in [&b"  "[..], b"nan", b"(nan", b"1 ", b"abc", b"1e"] {
            assert!(parse_score_range(bad, b"1").is_err(), "{bad:?}");
        }
        assert!(parse_lex_range(b"+", b"-").is_ok());
        for bad in [&b""[..], b"a", b"+x", b"--"] {
            assert_eq!(
                parse_lex_range(bad, b"+").unwrap_err().message(),
                "ERR min or max not valid string range item"
            );
        }
    }

    #[test]
    fn range_forms_and_their_errors() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(h.run(&["ZRANGE", "z", "1", "2"]), bulks(&["b", "c"]));
        assert_eq!(
            h.run(&["ZRANGE", "z", "-2", "100", "REV"]),
            bulks(&["b", "a"])
        );
        assert_eq!(h.run(&["ZREVRANGE", "z", "0", "0"]), bulks(&["d"]));
        assert_eq!(
            h.run(&["ZRANGE", "z", "(1", "3", "BYSCORE", "LIMIT", "1", "5"]),
            bulks(&["c"])
        );
        assert_eq!(
            h.run(&["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "WITHSCORES"]),
            scored(&[("c", 3.0), ("b", 2.0)])
        );
        assert_eq!(
            h.run(&["ZREVRANGEBYSCORE", "z", "+inf", "3"]),
            bulks(&["d", "c"])
        );
        assert_eq!(
            h.run(&["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"]),
            bulks(&[])
        );
        assert_eq!(
            h.run(&["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1"]),
            bulks(&["c", "d"])
        );
        // LIMIT 0 -1 is Redis's "no limit" and so allowed even with a rank range.
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "0", "LIMIT", "0", "-1"]),
            bulks(&["a"])
        );
        assert_eq!(
            h.err(&["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
        );
        assert_eq!(
            h.err(&["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        );
        for bad in [
            &["ZRANGE", "z", "0", "1", "REV", "REV"][..],
            &["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"],
            &["ZRANGE", "z", "0", "1", "LIMIT", "1"],
            &["ZREVRANGE", "z", "0", "1", "REV"],
            &["ZRANGEBYSCORE", "z", "0", "1", "BYSCORE"],
            &["ZRANGESTORE", "d", "z", "0", "1", "WITHSCORES"],
        ] {
            assert_eq!(h.err(bad), "ERR syntax error", "{bad:?}");
        }
        assert_eq!(
            h.err(&["ZRANGE", "z", "x", "1"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(h.run(&["ZRANGE", "nokey", "0", "-1"]), bulks(&[]));
        // RESP3 nests member/score pairs.
        h.session.protocol = Protocol::Resp3;
        assert_eq!(
            h.run(&["ZRANGE", "z", "0", "0", "WITHSCORES"]),
            Reply::Array(vec![Reply::Array(vec![bulk("a"), Reply::Double(1.0)])])
        );
    }

    #[test]
    fn lex_ranges_on_equal_scores() {
        let mut h = Harness::new();
        h.run(&[
            "ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ]);
        assert_eq!(h.run(&["ZRANGEBYLEX", "z", "[b", "(d"]), bulks(&["b", "c"]));
        assert_eq!(
            h.run(&["ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"]),
            bulks(&["d", "c"])
        );
        assert_eq!(h.run(&["ZLEXCOUNT", "z", "(a", "[d"]), int(3));
        assert_eq!(h.run(&["ZLEXCOUNT", "z", "+", "-"]), int(0));
        assert_eq!(h.run(&["ZREMRANGEBYLEX", "z", "[b", "[c"]), int(2));
        assert_eq!(h.run(&["ZRANGE", "z", "0", "-1"]), bulks(&["a", "d", "e"]));
    }

    #[test]
    fn remrange_and_store() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(h.run(&["ZRANGESTORE", "d", "z", "1", "2", "REV"]), int(2));
        assert_eq!(h.run(&["ZRANGE", "d", "0", "-1"]), bulks(&["b", "c"]));
        assert_eq!(h.run(&["ZRANGESTORE", "d", "nokey", "0", "-1"]), int(0));
        assert!(!h.exists("d"));
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "-1", "-1"]), int(1));
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "z", "5", "10"]), int(0));
        assert_eq!(h.run(&["ZREMRANGEBYSCORE", "z", "(1", "2"]), int(1));
        assert_eq!(h.run(&["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]), int(2));
        assert!(!h.exists("z"));
    }

    #[test]
    fn pops() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(h.run(&["ZPOPMIN", "z"]), scored(&[("a", 1.0)]));
        assert_eq!(h.run(&["ZPOPMAX", "z", "0"]), bulks(&[]));
        assert_eq!(
            h.err(&["ZPOPMIN", "z", "-1"]),
            "ERR value is out of range, must be positive"
        );
        assert_eq!(h.err(&["ZPOPMIN", "z", "1", "2"]), "ERR syntax error");
        h.session.protocol = Protocol::Resp3;
        assert_eq!(
            h.run(&["ZPOPMAX", "z", "1"]),
            Reply::Array(vec![Reply::Array(vec![bulk("c"), Reply::Double(3.0)])])
        );
        assert_eq!(h.run(&["ZPOPMAX", "z"]), scored(&[("b", 2.0)]));
        assert!(!h.exists("z"));
        assert_eq!(h.run(&["ZPOPMIN", "z"]), bulks(&[]));
        h.run(&["ZADD", "y", "1", "a", "2", "b"]);
        assert_eq!(
            h.run(&["ZMPOP", "2", "nokey", "y", "MAX", "COUNT", "5"]),
            Reply::Array(vec![
                bulk("y"),
                Reply::Array(vec![
                    Reply::Array(vec![bulk("b"), Reply::Double(2.0)]),
                    Reply::Array(vec![bulk("a"), Reply::Double(1.0)]),
                ])
            ])
        );
        assert_eq!(h.run(&["ZMPOP", "1", "y", "MIN"]), Reply::NullArray);
        assert_eq!(
            h.err(&["ZMPOP", "0", "y", "MIN"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(
            h.err(&["ZMPOP", "1", "y", "MIN", "COUNT", "0"]),
            "ERR count should be greater than 0"
        );
        assert_eq!(h.err(&["ZMPOP", "5", "y", "MIN"]), "ERR syntax error");
        // The typed operation the blocking BZPOP* will use: `None` means "block".
        assert_eq!(
            h.locked(|ctx| zpop_op(ctx, &["y"], PopEnd::Min, 1))
                .unwrap(),
            None
        );
    }

    #[test]
    fn randmember() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        let Reply::Bulk(m) = h.run(&["ZRANDMEMBER", "z"]) else {
            panic!()
        };
        assert!([&b"a"[..], b"b", b"c"].contains(&&m[..]));
        // At least the whole set: everything, highest first (Redis walks backwards).
        assert_eq!(h.run(&["ZRANDMEMBER", "z", "10"]), bulks(&["c", "b", "a"]));
        let Reply::Array(two) = h.run(&["ZRANDMEMBER", "z", "2", "WITHSCORES"]) else {
            panic!()
        };
        assert_eq!(two.len(), 4);
        assert_ne!(two[0], two[2], "distinct members");
        let Reply::Array(many) = h.run(&["ZRANDMEMBER", "z", "-10"]) else {
            panic!()
        };
        assert_eq!(many.len(), 10);
        assert_eq!(h.run(&["ZRANDMEMBER", "z", "0"]), bulks(&[]));
        assert_eq!(h.run(&["ZRANDMEMBER", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["ZRANDMEMBER", "nokey", "5"]), bulks(&[]));
        assert_eq!(h.err(&["ZRANDMEMBER", "z", "1", "FOO"]), "ERR syntax error");
        assert_eq!(
            h.err(&["ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"]),
            "ERR Insufficient memory, failed allocating transient memory for ZRANDMEMBER"
        );
        assert_eq!(
            h.err(&["ZRANDMEMBER", "z", "-9223372036854775808"]),
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
        );
    }

    #[test]
    fn set_algebra_with_weights_aggregates_and_plain_sets() {
        let mut h = Harness::new();
        h.run(&["ZADD", "a", "1", "x", "2", "y"]);
        h.run(&["ZADD", "b", "10", "y", "20", "z"]);
        put(&h, "s", plain_set(&["y", "q"]));
        assert_eq!(
            h.run(&["ZUNION", "3", "a", "b", "s", "WITHSCORES"]),
            scored(&[("q", 1.0), ("x", 1.0), ("y", 13.0), ("z", 20.0)])
        );
        assert_eq!(
            h.run(&[
                "ZINTER",
                "3",
                "a",
                "b",
                "s",
                "WEIGHTS",
                "1",
                "2",
                "3",
                "AGGREGATE",
                "MAX",
                "WITHSCORES"
            ]),
            scored(&[("y", 20.0)])
        );
        assert_eq!(h.run(&["ZDIFF", "2", "a", "s"]), bulks(&["x"]));
        assert_eq!(h.run(&["ZINTERCARD", "2", "a", "s"]), int(1));
        assert_eq!(h.run(&["ZINTERCARD", "2", "a", "b", "LIMIT", "0"]), int(1));
        assert_eq!(
            h.run(&["ZUNIONSTORE", "d", "2", "a", "s", "AGGREGATE", "MIN"]),
            int(3)
        );
        assert_eq!(
            h.run(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
            scored(&[("q", 1.0), ("x", 1.0), ("y", 1.0)])
        );
        assert_eq!(h.encoding("d"), "listpack");
        assert_eq!(h.run(&["ZINTERSTORE", "d", "2", "a", "nokey"]), int(0));
        assert!(!h.exists("d"));
        // inf - inf is 0 in a sum; 0 * inf is 0 as a weight.
        h.run(&["ZADD", "p", "inf", "m"]);
        h.run(&["ZADD", "n", "-inf", "m"]);
        assert_eq!(
            h.run(&["ZUNION", "2", "p", "n", "WITHSCORES"]),
            scored(&[("m", 0.0)])
        );
        assert_eq!(
            h.run(&["ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES"]),
            scored(&[("m", 0.0)])
        );
        for (cmd, err) in [
            (
                &["ZUNION", "0", "a"][..],
                "ERR at least 1 input key is needed for 'zunion' command",
            ),
            (
                &["ZINTERCARD", "0", "a"],
                "ERR at least 1 input key is needed for 'zintercard' command",
            ),
            (&["ZUNION", "3", "a", "b"], "ERR syntax error"),
            (
                &["ZUNION", "1", "a", "WEIGHTS", "x"],
                "ERR weight value is not a float",
            ),
            (
                &["ZUNION", "2", "a", "b", "WEIGHTS", "1"],
                "ERR syntax error",
            ),
            (
                &["ZUNION", "1", "a", "AGGREGATE", "avg"],
                "ERR syntax error",
            ),
            (&["ZDIFF", "1", "a", "WEIGHTS", "1"], "ERR syntax error"),
            (
                &["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"],
                "ERR syntax error",
            ),
            (
                &["ZINTERCARD", "1", "a", "LIMIT", "-1"],
                "ERR LIMIT can't be negative",
            ),
            (
                &["ZINTERCARD", "1", "a", "LIMIT", "x"],
                "ERR LIMIT can't be negative",
            ),
            (
                &["ZUNION", "x", "a"],
                "ERR value is not an integer or out of range",
            ),
        ] {
            assert_eq!(h.err(cmd), err, "{cmd:?}");
        }
        // Redis checks the inputs' types before it parses the options.
        h.run(&["SET", "str", "v"]);
        assert_eq!(h.err(&["ZUNION", "2", "a", "str", "FOO"]), WRONGTYPE);
        assert_eq!(h.err(&["ZINTERSTORE", "d", "2", "a", "str"]), WRONGTYPE);
    }

    #[test]
    fn store_results_get_redis_encodings() {
        let mut h = Harness::new();
        let mut argv = vec!["ZADD".to_string(), "big".to_string()];
        for i in 0..130 {
            argv.push(i.to_string());
            argv.push(format!("m{i}"));
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        assert_eq!(h.run(&argv), int(130));
        assert_eq!(h.encoding("big"), "skiplist");
        assert_eq!(h.run(&["ZREMRANGEBYRANK", "big", "0", "99"]), int(100));
        assert_eq!(h.encoding("big"), "skiplist", "sticky");
        // A computed result is encoded for its contents.
        assert_eq!(h.run(&["ZUNIONSTORE", "u", "1", "big"]), int(30));
        assert_eq!(h.encoding("u"), "listpack");
        assert_eq!(h.run(&["ZRANGESTORE", "r", "big", "0", "-1"]), int(30));
        assert_eq!(h.encoding("r"), "listpack");
    }

    #[test]
    fn zscan_small_and_large() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "1.5", "b", "123456789012345678", "c"]);
        assert_eq!(
            h.run(&["ZSCAN", "z", "0", "MATCH", "[ac]"]),
            Reply::Array(vec![
                bulk("0"),
                bulks(&["a", "1", "c", "123456789012345680"])
            ])
        );
        assert_eq!(h.err(&["ZSCAN", "z", "x"]), "ERR invalid cursor");
        assert_eq!(
            h.err(&["ZSCAN", "z", "0", "COUNT", "0"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["ZSCAN", "z", "0", "TYPE", "zset"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.run(&["ZSCAN", "nokey", "0", "FOO"]),
            Reply::Array(vec![bulk("0"), bulks(&[])])
        );
        // A big set in steps: every member exactly once without concurrent writes.
        for i in 0..300 {
            h.run(&["ZADD", "big", &i.to_string(), &format!("m{i}")]);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let Reply::Array(parts) = h.run(&["ZSCAN", "big", &cursor, "COUNT", "20"]) else {
                panic!()
            };
            let (Reply::Bulk(next), Reply::Array(items)) = (&parts[0], &parts[1]) else {
                panic!()
            };
            for pair in items.chunks(2) {
                let Reply::Bulk(m) = &pair[0] else { panic!() };
                assert!(seen.insert(m.clone()), "duplicate without writes");
            }
            calls += 1;
            cursor = String::from_utf8(next.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 300);
        assert_eq!(calls, 15);
    }

    #[test]
    fn zscan_guarantee_under_writes() {
        let mut h = Harness::new();
        for i in 0..500 {
            h.run(&["ZADD", "big", &i.to_string(), &format!("keep{i}")]);
            h.run(&["ZADD", "big", &i.to_string(), &format!("tmp{i}")]);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut step = 0;
        loop {
            let Reply::Array(parts) = h.run(&["ZSCAN", "big", &cursor, "COUNT", "7"]) else {
                panic!()
            };
            let (Reply::Bulk(next), Reply::Array(items)) = (&parts[0], &parts[1]) else {
                panic!()
            };
            for pair in items.chunks(2) {
                let Reply::Bulk(m) = &pair[0] else { panic!() };
                seen.insert(m.clone());
            }
            // Between calls: remove temporary members, add new ones, rescore kept ones.
            h.run(&[
                "ZREM",
                "big",
                &format!("tmp{step}"),
                &format!("tmp{}", 499 - step),
            ]);
            h.run(&["ZADD", "big", "1", &format!("new{step}")]);
            h.run(&["ZINCRBY", "big", "1000", &format!("keep{}", step * 3 % 500)]);
            step += 1;
            cursor = String::from_utf8(next.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        for i in 0..500 {
            assert!(
                seen.contains(format!("keep{i}").as_bytes()),
                "keep{i} missed"
            );
        }
    }

    fn other_client(h: &Harness) -> Harness {
        Harness {
            server: h.server.clone(),
            session: crate::commands::Session::new(crate::state::Clients::detached(
                crate::state::ClientKind::Resp,
            )),
        }
    }

    #[test]
    fn concurrent_zincrby_gives_the_exact_total() {
        let h = Harness::new();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let mut c = other_client(&h);
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        c.run(&["ZINCRBY", "counter", "1", "m"]);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut h = h;
        assert_eq!(h.run(&["ZSCORE", "counter", "m"]), Reply::Double(2000.0));
    }

    #[test]
    fn zunionstore_never_sees_a_torn_zadd() {
        let h = Harness::new();
        let mut writer = other_client(&h);
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = done.clone();
        let w = std::thread::spawn(move || {
            for i in 0..3000 {
                // One ZADD moves both members to the same new score.
                let s = i.to_string();
                writer.run(&["ZADD", "src", &s, "a", &s, "b"]);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        let mut reader = other_client(&h);
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            reader.run(&["ZUNIONSTORE", "dst", "2", "src", "src"]);
            if let Reply::Array(items) = reader.run(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"])
                && !items.is_empty()
            {
                assert_eq!(items.len(), 4);
                assert_eq!(items[1], items[3], "torn state: {items:?}");
            }
        }
        w.join().unwrap();
    }

    fn popped(key: &str, member: &str, score: f64) -> Reply {
        Reply::Array(vec![bulk(key), bulk(member), Reply::Double(score)])
    }

    #[test]
    fn blocking_pops_answer_at_once_when_they_can() {
        let mut h = Harness::new();
        h.run(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
        assert_eq!(
            h.run(&["BZPOPMIN", "nokey", "z", "0"]),
            popped("z", "a", 1.0)
        );
        assert_eq!(h.run(&["BZPOPMAX", "z", "0.5"]), popped("z", "d", 4.0));
        // BZMPOP answers like ZMPOP, nested pairs in both protocols.
        assert_eq!(
            h.run(&["BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "5"]),
            Reply::Array(vec![
                bulk("z"),
                Reply::Array(vec![
                    Reply::Array(vec![bulk("c"), Reply::Double(3.0)]),
                    Reply::Array(vec![bulk("b"), Reply::Double(2.0)]),
                ])
            ])
        );
        assert!(!h.exists("z"));
        assert!(h.session.blocked.is_none());
        h.run(&["SET", "s", "x"]);
        for words in [
            &["BZPOPMIN", "nokey", "s", "0"][..],
            &["BZPOPMAX", "s", "0"],
            &["BZMPOP", "0", "2", "nokey", "s", "MIN"],
        ] {
            assert_eq!(
                h.err(words),
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            );
        }
        assert_eq!(h.err(&["BZPOPMIN", "z", "-1"]), "ERR timeout is negative");
        assert_eq!(
            h.err(&["BZPOPMAX", "s", "x"]),
            "ERR timeout is not a float or out of range"
        );
        // BZMPOP checks its other arguments before the timeout, as in Redis.
        assert_eq!(
            h.err(&["BZMPOP", "x", "0", "z", "MIN"]),
            "ERR numkeys should be greater than 0"
        );
        assert_eq!(h.err(&["BZMPOP", "x", "1", "z", "UP"]), "ERR syntax error");
        assert_eq!(
            h.err(&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "0"]),
            "ERR count should be greater than 0"
        );
        assert_eq!(
            h.err(&["BZMPOP", "x", "1", "z", "MIN"]),
            "ERR timeout is not a float or out of range"
        );
        assert_eq!(
            h.err(&["BZMPOP", "-1", "1", "z", "MIN"]),
            "ERR timeout is negative"
        );
        assert!(h.session.blocked.is_none());
    }

    #[test]
    fn blocked_clients_are_served_in_order_by_zadd() {
        let mut h = Harness::new();
        let mut first = other_client(&h);
        let mut second = other_client(&h);
        let mut third = other_client(&h);
        first.run(&["BZPOPMIN", "k", "0"]);
        second.run(&["BZMPOP", "0", "2", "other", "k", "MAX", "COUNT", "2"]);
        third.run(&["BZPOPMAX", "k", "0"]);
        assert_eq!(h.server.blocking.blocked_clients(), 3);
        assert_eq!(h.server.blocking.blocking_keys(), 2);
        assert_eq!(
            h.run(&["ZADD", "k", "1", "a", "2", "b", "3", "c", "4", "d"]),
            int(4)
        );
        assert_eq!(served(&mut first.session), Some(popped("k", "a", 1.0)));
        assert_eq!(
            served(&mut second.session),
            Some(Reply::Array(vec![
                bulk("k"),
                Reply::Array(vec![
                    Reply::Array(vec![bulk("d"), Reply::Double(4.0)]),
                    Reply::Array(vec![bulk("c"), Reply::Double(3.0)]),
                ])
            ]))
        );
        assert_eq!(served(&mut third.session), Some(popped("k", "b", 2.0)));
        assert!(!h.exists("k"));
        assert_eq!(h.server.blocking.blocked_clients(), 0);
        assert_eq!(h.server.blocking.blocking_keys(), 0);
    }

    #[test]
    fn every_way_of_adding_members_serves_waiters() {
        let mut h = Harness::new();
        h.run(&["ZADD", "src", "1", "a", "2", "b"]);
        let adders: &[&[&str]] = &[
            &["ZINCRBY", "w", "5", "m"],
            &["ZUNIONSTORE", "w", "1", "src"],
            &["ZINTERSTORE", "w", "1", "src"],
            &["ZDIFFSTORE", "w", "1", "src"],
            &["ZRANGESTORE", "w", "src", "0", "-1"],
            &["COPY", "src", "w"],
        ];
        for words in adders {
            let mut waiter = other_client(&h);
            waiter.run(&["BZPOPMIN", "w", "0"]);
            assert!(waiter.session.blocked.is_some(), "{words:?}");
            h.run(words);
            let reply = served(&mut waiter.session);
            assert!(
                matches!(&reply, Some(Reply::Array(items)) if items.len() == 3),
                "{words:?}: {reply:?}"
            );
            h.run(&["DEL", "w"]);
        }
        // RENAME of a sorted set onto a waited key.
        let mut waiter = other_client(&h);
        waiter.run(&["BZPOPMAX", "w", "0"]);
        h.run(&["RENAME", "src", "w"]);
        assert_eq!(served(&mut waiter.session), Some(popped("w", "b", 2.0)));
        assert_eq!(h.run(&["ZCARD", "w"]), int(1));
        // An empty store result deletes the key and serves nobody.
        let mut waiter = other_client(&h);
        waiter.run(&["BZPOPMIN", "e", "0"]);
        h.run(&["ZUNIONSTORE", "e", "1", "nokey"]);
        assert_eq!(served(&mut waiter.session), None);
        assert_eq!(h.server.blocking.blocked_clients(), 0);
    }

    #[test]
    fn a_dropped_wait_leaves_the_members_and_a_timeout_answers_null() {
        let mut h = Harness::new();
        let mut waiter = other_client(&h);
        waiter.run(&["BZPOPMIN", "k", "0"]);
        drop(waiter.session.blocked.take());
        assert_eq!(h.server.blocking.blocked_clients(), 0);
        h.run(&["ZADD", "k", "1", "a"]);
        assert_eq!(h.run(&["ZCARD", "k"]), int(1));
        waiter.run(&["BZMPOP", "0.01", "1", "nokey", "MIN"]);
        assert_eq!(served(&mut waiter.session), Some(Reply::NullArray));
        assert_eq!(h.server.blocking.blocked_clients(), 0);
    }
}
