//! The set family: unordered collections of unique strings, as Redis 7.0 answers them.
//!
//! Every command works on `Value::Set` keys; any other type answers `WRONGTYPE Operation
//! against a key holding the wrong kind of value` (the multi-key commands check every key
//! they read, even after a missing one). A missing key reads as an empty set, a write
//! creates it, a set left empty is deleted. Every command runs in the txn the execution
//! path opened over its keys (all of them for SMOVE and the set algebra: SINTER, SUNION,
//! SDIFF and their STORE forms, SINTERCARD), so each is atomic, and records Redis's events
//! (`sadd`, `srem`, `spop`, `sinterstore`, `sunionstore`, `sdiffstore`, `del`). Random
//! choices come from the session's random source. The sets mutate in place
//! ([`SetValue`], which also tracks the intset / hashtable encoding `OBJECT ENCODING`
//! reports; intsets list their members in ascending numeric order, as Redis's do). The
//! commands the typed gRPC RPCs share are typed operations (`sadd_op`, ...) that
//! `crate::grpc::sets` calls too.
//!
//! # Commands
//! - `SADD key member [member ...]` / `SREM key member [member ...]` — integer: how many
//!   members were added / removed.
//! - `SCARD key` — integer; `SISMEMBER key member` — integer 1/0;
//!   `SMISMEMBER key member [member ...]` — array of integers 1/0.
//! - `SMEMBERS key` — a set (array in RESP2).
//! - `SPOP key [count]` — without count a bulk string (null when missing); with count a set
//!   of up to `count` distinct members, removed (a count covering the set takes all of it
//!   and deletes the key). A count that is not a non-negative integer is `ERR value is out
//!   of range, must be positive`, checked before the key.
//! - `SRANDMEMBER key [count]` — without count a bulk string or null; with count an array:
//!   `count` distinct members when positive (the whole set when it has no more), |count|
//!   members that may repeat when negative. Count limits as HRANDFIELD's.
//! - `SMOVE source destination member` — integer 1 when moved, 0 when `member` was not in
//!   `source` (or `source` is missing, whatever `destination` holds); WRONGTYPE for a
//!   non-set source or destination. `source == destination`: 1 if a member, nothing moves.
//! - `SINTER key [key ...]`, `SUNION key [key ...]`, `SDIFF key [key ...]` — a set.
//! - `SINTERSTORE|SUNIONSTORE|SDIFFSTORE destination key [key ...]` — integer: the size of
//!   the result, stored at `destination` whatever it held before (no TTL), or
//!   `destination` deleted when the result is empty.
//! - `SINTERCARD numkeys key [key ...] [LIMIT limit]` — integer: the intersection's size,
//!   stopping at `limit` (0: no limit). `ERR numkeys should be greater than 0`, `ERR Number
//!   of keys can't be greater than number of args`, `ERR LIMIT can't be negative`, `ERR
//!   syntax error`; all before any key is read.
//! - `SSCAN key cursor [MATCH pattern] [COUNT count]` — `[next cursor, [member, ...]]`: an
//!   intset whole with cursor 0; a hashtable set pages with a cursor that stays valid across
//!   writes (every member present for the whole scan is returned at least once). Errors in
//!   HSCAN's order.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{RwLock, RwLockReadGuard};
use rand::Rng;
use rand::rngs::SmallRng;

use super::args::{self, is};
use super::hashes::{collection_scan_options, insufficient_memory, random_count, scan_reply};
use super::keys::parse_cursor;
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;
use crate::store::{Entry, Event, SetValue, Txn, Value, distinct_indexes, repeated_picks};

pub static COMMANDS: &[Command] = &[
    Command::new("sadd", sadd),
    Command::new("srem", srem),
    Command::new("scard", scard),
    Command::new("sismember", sismember),
    Command::new("smismember", smismember),
    Command::new("smembers", smembers),
    Command::new("spop", spop),
    Command::new("srandmember", srandmember),
    Command::new("smove", smove),
    Command::new("sinter", sinter),
    Command::new("sintercard", sintercard),
    Command::new("sinterstore", sinterstore),
    Command::new("sunion", sunion),
    Command::new("sunionstore", sunionstore),
    Command::new("sdiff", sdiff),
    Command::new("sdiffstore", sdiffstore),
    Command::new("sscan", sscan),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

type SharedSet = Arc<RwLock<SetValue>>;

/// The set at a looked-up key (`None` when missing), or WRONGTYPE.
fn set_at(entry: Option<&Entry>) -> Result<Option<&SharedSet>> {
    match entry.map(|e| e.value()) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Reads the set at `key`; `f` gets `None` for a missing key.
fn read_set<T>(ctx: &Ctx<'_>, key: &[u8], f: impl FnOnce(Option<&SetValue>) -> T) -> Result<T> {
    let db = ctx.db();
    Ok(match set_at(ctx.txn().get(db, key))? {
        Some(set) => f(Some(&set.read())),
        None => f(None),
    })
}

/// Runs `f` on the set at `key` for writing, with the command's random source. `f` says
/// whether it changed the set; a change is recorded as `event` (then `del` when the set is
/// left empty, which deletes it). A missing key is an empty set, stored only if `f` leaves
/// members in it.
fn write_set<T>(
    txn: &Txn<'_>,
    db: usize,
    key: &[u8],
    event: Event,
    rng: &mut SmallRng,
    f: impl FnOnce(&mut SetValue, &mut SmallRng) -> (T, bool),
) -> Result<T> {
    match set_at(txn.get_for_write(db, key))? {
        Some(shared) => {
            let mut set = shared.write();
            let (out, changed) = f(&mut set, rng);
            let emptied = set.is_empty();
            drop(set);
            if changed {
                txn.changed_collection(db, key, event, emptied);
            }
            Ok(out)
        }
        None => {
            let mut set = SetValue::new();
            let (out, _) = f(&mut set, rng);
            if !set.is_empty() {
                txn.set(db, key, shared(set), None, event);
            }
            Ok(out)
        }
    }
}

/// [`write_set`] on the key of a one-key command.
fn update_set<T>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    event: Event,
    f: impl FnOnce(&mut SetValue, &mut SmallRng) -> (T, bool),
) -> Result<T> {
    let (txn, db) = (ctx.txn(), ctx.db());
    write_set(txn, db, key, event, ctx.rng(), f)
}

fn shared(set: SetValue) -> Value {
    Value::Set(Arc::new(RwLock::new(set)))
}

fn members_reply(members: Vec<Bytes>) -> Reply {
    Reply::Set(members.into_iter().map(Reply::Bulk).collect())
}

fn cloned(members: Vec<&Bytes>) -> Vec<Bytes> {
    members.into_iter().cloned().collect()
}

// ---------------------------------------------------------------------------------------
// Single-key commands
// ---------------------------------------------------------------------------------------

/// SADD: adds the members; how many were new.
pub fn sadd_op(ctx: &mut Ctx<'_>, key: &[u8], members: &[Bytes]) -> Result<usize> {
    update_set(ctx, key, Event::SAdd, |set, _| {
        let added = members.iter().filter(|m| set.insert(m)).count();
        (added, added > 0)
    })
}

/// `SADD key member [member ...]` → the number of new members.
fn sadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(sadd_op(ctx, &argv[1], &argv[2..])?))
}

/// SREM: removes the members; how many were there.
pub fn srem_op(ctx: &mut Ctx<'_>, key: &[u8], members: &[Bytes]) -> Result<usize> {
    update_set(ctx, key, Event::SRem, |set, _| {
        let removed = members.iter().filter(|m| set.remove(m)).count();
        (removed, removed > 0)
    })
}

/// `SREM key member [member ...]` → the number of removed members.
fn srem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(srem_op(ctx, &argv[1], &argv[2..])?))
}

/// SCARD: the number of members (0 for a missing key).
pub fn scard_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<usize> {
    read_set(ctx, key, |set| set.map_or(0, SetValue::len))
}

/// `SCARD key` → integer.
fn scard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(scard_op(ctx, &argv[1])?))
}

/// SMISMEMBER (and SISMEMBER): whether each member is in the set.
pub fn smismember_op(ctx: &Ctx<'_>, key: &[u8], members: &[Bytes]) -> Result<Vec<bool>> {
    read_set(ctx, key, |set| {
        members
            .iter()
            .map(|m| set.is_some_and(|s| s.contains(m)))
            .collect()
    })
}

/// `SISMEMBER key member` → 1 or 0.
fn sismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let found = smismember_op(ctx, &argv[1], &argv[2..3])?;
    Ok(Reply::Integer(found[0].into()))
}

/// `SMISMEMBER key member [member ...]` → array of 1/0.
fn smismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let found = smismember_op(ctx, &argv[1], &argv[2..])?;
    Ok(Reply::Array(
        found
            .into_iter()
            .map(|f| Reply::Integer(f.into()))
            .collect(),
    ))
}

/// SMEMBERS: every member, in Redis's order (ascending numbers for an intset).
pub fn smembers_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Vec<Bytes>> {
    read_set(ctx, key, |set| {
        set.map_or_else(Vec::new, |s| cloned(s.ordered()))
    })
}

/// `SMEMBERS key` → a set.
fn smembers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(members_reply(smembers_op(ctx, &argv[1])?))
}

/// SPOP key: removes and returns a random member, `None` for a missing key.
pub fn spop_one_op(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Bytes>> {
    update_set(ctx, key, Event::SPop, |set, rng| {
        let popped = (!set.is_empty()).then(|| set.pop_random(rng));
        let changed = popped.is_some();
        (popped, changed)
    })
}

/// SPOP key count: removes and returns up to `count` distinct random members, O(count).
pub fn spop_count_op(ctx: &mut Ctx<'_>, key: &[u8], count: u64) -> Result<Vec<Bytes>> {
    update_set(ctx, key, Event::SPop, |set, rng| {
        let len = set.len() as u64;
        if count >= len {
            // The whole set goes (the key is deleted once empty).
            let all = cloned(set.ordered());
            all.iter().for_each(|m| {
                set.remove(m);
            });
            let changed = !all.is_empty();
            return (all, changed);
        }
        let popped: Vec<Bytes> = (0..count).map(|_| set.pop_random(rng)).collect();
        // Redis 7.0 rebuilds a set it keeps less than 4/5 of, re-choosing its encoding.
        if count.saturating_mul(5) > len {
            set.rebuild_encoding();
        }
        let changed = !popped.is_empty();
        (popped, changed)
    })
}

/// `SPOP key [count]` → a bulk (or null), or with count a set.
fn spop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    match argv.len() {
        2 => Ok(Reply::bulk_or_null(spop_one_op(ctx, &argv[1])?)),
        3 => {
            let count = args::int(&argv[2])
                .ok()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| Error::err("value is out of range, must be positive"))?;
            Ok(members_reply(spop_count_op(ctx, &argv[1], count)?))
        }
        _ => Err(Error::Syntax),
    }
}

/// SRANDMEMBER key: a random member, `None` for a missing key.
pub fn srandmember_one_op(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let Some(set) = set_at(ctx.txn().get(db, key))? else {
        return Ok(None);
    };
    let set = set.read();
    let i = ctx.rng().random_range(0..set.len());
    Ok(Some(set.at(i).clone()))
}

/// SRANDMEMBER key count: `count` distinct random members when positive (the whole set
/// when it has no more), |count| members that may repeat when negative; O(1) per pick. A
/// repeating count whose reply cannot be allocated is refused.
pub fn srandmember_count_op(ctx: &mut Ctx<'_>, key: &[u8], count: i64) -> Result<Vec<Bytes>> {
    let db = ctx.db();
    let Some(set) = set_at(ctx.txn().get(db, key))? else {
        return Ok(Vec::new());
    };
    let set = set.read();
    let len = set.len();
    Ok(if count < 0 {
        repeated_picks(ctx.rng(), len, count.unsigned_abs(), |i| set.at(i).clone())
            .ok_or_else(|| insufficient_memory("SRANDMEMBER"))?
    } else if count as u64 >= len as u64 {
        cloned(set.ordered())
    } else {
        distinct_indexes(ctx.rng(), len, count as usize)
            .into_iter()
            .map(|i| set.at(i).clone())
            .collect()
    })
}

/// `SRANDMEMBER key [count]` → a bulk (or null), or with count an array.
fn srandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    match argv.len() {
        2 => Ok(Reply::bulk_or_null(srandmember_one_op(ctx, &argv[1])?)),
        3 => {
            let count = random_count(&argv[2])?;
            Ok(Reply::bulks(srandmember_count_op(ctx, &argv[1], count)?))
        }
        _ => Err(Error::Syntax),
    }
}

/// SMOVE: moves `member` from `source` to `destination` atomically; whether it moved.
pub fn smove_op(
    ctx: &mut Ctx<'_>,
    source: &[u8],
    destination: &[u8],
    member: &[u8],
) -> Result<bool> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(src) = set_at(txn.get_for_write(db, source))? else {
        return Ok(false);
    };
    set_at(txn.get_for_write(db, destination))?;
    if source == destination {
        return Ok(src.read().contains(member));
    }
    let emptied = {
        let mut src = src.write();
        if !src.remove(member) {
            return Ok(false);
        }
        src.is_empty()
    };
    txn.modified(db, source, Event::SRem);
    if emptied {
        txn.remove(db, source, Event::Del);
    }
    write_set(txn, db, destination, Event::SAdd, ctx.rng(), |dst, _| {
        let added = dst.insert(member);
        (added, added)
    })?;
    Ok(true)
}

/// `SMOVE source destination member` → 1 when moved, else 0.
fn smove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(
        smove_op(ctx, &argv[1], &argv[2], &argv[3])?.into(),
    ))
}

// ---------------------------------------------------------------------------------------
// Set algebra
// ---------------------------------------------------------------------------------------

/// Which combination of sets SINTER/SUNION/SDIFF (and their STORE forms) compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAlgebra {
    Inter,
    Union,
    Diff,
}

/// Read guards over the operand sets (`None`: missing key, an empty set). Looks every key
/// up first, so a WRONGTYPE anywhere fails the command before anything is computed. A key
/// named twice is read-locked twice: recursively, as only readers can hold these locks
/// under the txn.
fn operands<'t>(
    txn: &'t Txn<'_>,
    db: usize,
    keys: &[Bytes],
) -> Result<Vec<Option<RwLockReadGuard<'t, SetValue>>>> {
    // Read lookups also for the *STORE forms, as Redis (hits, misses, `keymiss`).
    let found = keys
        .iter()
        .map(|k| set_at(txn.get(db, k)))
        .collect::<Result<Vec<_>>>()?;
    Ok(found
        .into_iter()
        .map(|s| s.map(|s| s.read_recursive()))
        .collect())
}

/// The members of the intersection, walking the smallest set and stopping after `limit`
/// members (0: no limit).
fn intersection<'a>(sets: &[Option<&'a SetValue>], limit: usize) -> Vec<&'a Bytes> {
    let Some(mut present) = sets.iter().copied().collect::<Option<Vec<&SetValue>>>() else {
        return Vec::new();
    };
    present.sort_by_key(|s| s.len());
    let (smallest, others) = present.split_first().expect("at least one key");
    let mut out = Vec::new();
    for m in smallest.ordered() {
        if others.iter().all(|s| s.contains(m)) {
            out.push(m);
            if out.len() == limit {
                break;
            }
        }
    }
    out
}

/// The result of `op` over `sets`, as a new set (built member by member, so it gets the
/// encoding Redis's result set would have).
fn combine(op: SetAlgebra, sets: &[Option<&SetValue>]) -> SetValue {
    let mut result = SetValue::new();
    match op {
        SetAlgebra::Inter => {
            for m in intersection(sets, 0) {
                result.insert_owned(m.clone());
            }
        }
        SetAlgebra::Union => {
            for set in sets.iter().flatten() {
                for m in set.iter() {
                    result.insert_owned(m.clone());
                }
            }
        }
        SetAlgebra::Diff => {
            if let Some(first) = sets[0] {
                for m in first.iter() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(m)) {
                        result.insert_owned(m.clone());
                    }
                }
            }
        }
    }
    result
}

/// SINTER / SUNION / SDIFF: the members of the result, in Redis's order where it has one.
pub fn set_algebra_op(ctx: &Ctx<'_>, op: SetAlgebra, keys: &[Bytes]) -> Result<Vec<Bytes>> {
    let db = ctx.db();
    let guards = operands(ctx.txn(), db, keys)?;
    let sets: Vec<Option<&SetValue>> = guards.iter().map(|g| g.as_deref()).collect();
    Ok(match op {
        // Redis replies while walking the smallest set.
        SetAlgebra::Inter => cloned(intersection(&sets, 0)),
        SetAlgebra::Union | SetAlgebra::Diff => cloned(combine(op, &sets).ordered()),
    })
}

/// SINTERSTORE / SUNIONSTORE / SDIFFSTORE: stores the result at `destination` (replacing
/// whatever it held, TTL included), or deletes `destination` when the result is empty;
/// the result's size. One txn over the destination and every source.
pub fn set_store_op(
    ctx: &Ctx<'_>,
    op: SetAlgebra,
    destination: &[u8],
    keys: &[Bytes],
) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    let result = {
        let guards = operands(txn, db, keys)?;
        let sets: Vec<Option<&SetValue>> = guards.iter().map(|g| g.as_deref()).collect();
        combine(op, &sets)
    };
    let len = result.len();
    if len == 0 {
        txn.remove(db, destination, Event::Del);
    } else {
        let event = match op {
            SetAlgebra::Inter => Event::SInterStore,
            SetAlgebra::Union => Event::SUnionStore,
            SetAlgebra::Diff => Event::SDiffStore,
        };
        txn.set_key(db, destination, shared(result), event);
    }
    Ok(len)
}

/// SINTERCARD: the size of the intersection, counting at most `limit` (0: no limit).
pub fn sintercard_op(ctx: &Ctx<'_>, keys: &[Bytes], limit: usize) -> Result<usize> {
    let db = ctx.db();
    let guards = operands(ctx.txn(), db, keys)?;
    let sets: Vec<Option<&SetValue>> = guards.iter().map(|g| g.as_deref()).collect();
    Ok(intersection(&sets, limit).len())
}

fn sinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(members_reply(set_algebra_op(
        ctx,
        SetAlgebra::Inter,
        &argv[1..],
    )?))
}

fn sunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(members_reply(set_algebra_op(
        ctx,
        SetAlgebra::Union,
        &argv[1..],
    )?))
}

fn sdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(members_reply(set_algebra_op(
        ctx,
        SetAlgebra::Diff,
        &argv[1..],
    )?))
}

fn sinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(set_store_op(
        ctx,
        SetAlgebra::Inter,
        &argv[1],
        &argv[2..],
    )?))
}

fn sunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(set_store_op(
        ctx,
        SetAlgebra::Union,
        &argv[1],
        &argv[2..],
    )?))
}

fn sdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(set_store_op(
        ctx,
        SetAlgebra::Diff,
        &argv[1],
        &argv[2..],
    )?))
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]` → integer.
fn sintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let numkeys = args::int(&argv[1])
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| Error::err("numkeys should be greater than 0"))?;
    if numkeys as u64 > (argv.len() - 2) as u64 {
        return Err(Error::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    let keys_end = 2 + numkeys as usize;
    let mut limit = 0usize;
    let mut i = keys_end;
    while i < argv.len() {
        if is(&argv[i], "LIMIT") && i + 1 < argv.len() {
            limit = args::int(&argv[i + 1])
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| Error::err("LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok(Reply::integer(sintercard_op(
        ctx,
        &argv[2..keys_end],
        limit,
    )?))
}

// ---------------------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------------------

/// One SSCAN step: the next cursor and the matching members visited.
pub fn sscan_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<Bytes>)> {
    read_set(ctx, key, |set| {
        let mut found = Vec::new();
        let next = set.map_or(0, |s| {
            s.scan(cursor, count, |m| {
                if pattern.is_none_or(|p| glob_match(p, m, false)) {
                    found.push(m.clone());
                }
            })
        });
        (next, found)
    })
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]` → `[next cursor, [member, ...]]`.
fn sscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let cursor = parse_cursor(&argv[2])?;
    let (pattern, count) = match collection_scan_options(argv, 3) {
        Ok(options) => options,
        // Redis looks the key up before it reads the options.
        Err(e) => {
            return match read_set(ctx, &argv[1], |set| set.is_some())? {
                true => Err(e),
                false => Ok(scan_reply(0, Vec::new())),
            };
        }
    };
    let (next, found) = sscan_op(ctx, &argv[1], cursor, pattern, count)?;
    Ok(scan_reply(next, found))
}

#[cfg(test)]
mod tests {
    //! Expected replies and error texts were taken from redis-server 7.0.15.
    use super::*;
    use crate::commands::test_support::Harness;

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn int(n: i64) -> Reply {
        Reply::Integer(n)
    }

    fn set_of(items: &[&str]) -> Reply {
        Reply::Set(items.iter().map(|s| bulk(s)).collect())
    }

    /// The members of a set/array reply, sorted.
    fn sorted(reply: Reply) -> Vec<String> {
        let (Reply::Set(items) | Reply::Array(items)) = reply else {
            panic!("set expected, got {reply:?}")
        };
        let mut out: Vec<String> = items
            .into_iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                other => panic!("bulk expected, got {other:?}"),
            })
            .collect();
        out.sort();
        out
    }

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    #[test]
    fn membership_commands() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SADD", "s", "a", "b", "a"]), int(2));
        assert_eq!(h.run(&["SADD", "s", "b", "c"]), int(1));
        assert_eq!(h.run(&["SCARD", "s"]), int(3));
        assert_eq!(h.run(&["SCARD", "nokey"]), int(0));
        assert_eq!(h.run(&["SISMEMBER", "s", "a"]), int(1));
        assert_eq!(h.run(&["SISMEMBER", "s", "z"]), int(0));
        assert_eq!(
            h.run(&["SMISMEMBER", "s", "a", "z"]),
            Reply::Array(vec![int(1), int(0)])
        );
        assert_eq!(sorted(h.run(&["SMEMBERS", "s"])), ["a", "b", "c"]);
        assert_eq!(h.run(&["SMEMBERS", "nokey"]), set_of(&[]));
        assert_eq!(h.run(&["SREM", "s", "a", "z", "a"]), int(1));
        assert_eq!(h.run(&["SREM", "s", "b", "c"]), int(2));
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
        // Intsets list in numeric order.
        h.run(&["SADD", "i", "10", "-3", "2"]);
        assert_eq!(h.run(&["SMEMBERS", "i"]), set_of(&["-3", "2", "10"]));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "i"]), bulk("intset"));
        h.run(&["SADD", "i", "x"]);
        h.run(&["SREM", "i", "x"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "i"]), bulk("hashtable"));
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut h = Harness::new();
        h.run(&["SET", "str", "x"]);
        h.run(&["SADD", "s", "a"]);
        for cmd in [
            &["SADD", "str", "a"][..],
            &["SREM", "str", "a"],
            &["SCARD", "str"],
            &["SISMEMBER", "str", "a"],
            &["SMISMEMBER", "str", "a"],
            &["SMEMBERS", "str"],
            &["SPOP", "str"],
            &["SPOP", "str", "0"],
            &["SRANDMEMBER", "str"],
            &["SRANDMEMBER", "str", "0"],
            &["SMOVE", "s", "str", "a"],
            &["SMOVE", "str", "s", "a"],
            &["SINTER", "nokey", "str"],
            &["SUNION", "s", "str"],
            &["SDIFF", "nokey", "str"],
            &["SINTERCARD", "2", "nokey", "str"],
            &["SINTERSTORE", "d", "nokey", "str"],
            &["SUNIONSTORE", "d", "s", "str"],
            &["SDIFFSTORE", "d", "nokey", "str"],
            &["SSCAN", "str", "0"],
        ] {
            assert_eq!(h.err(cmd), WRONGTYPE, "{cmd:?}");
        }
        // A missing source answers 0 whatever the destination holds.
        assert_eq!(h.run(&["SMOVE", "nokey", "str", "a"]), int(0));
        assert_eq!(h.run(&["GET", "str"]), bulk("x"));
    }

    #[test]
    fn spop_and_srandmember() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SPOP", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["SPOP", "nokey", "3"]), set_of(&[]));
        assert_eq!(h.run(&["SRANDMEMBER", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["SRANDMEMBER", "nokey", "3"]), Reply::Array(vec![]));
        let positive = "ERR value is out of range, must be positive";
        assert_eq!(h.err(&["SPOP", "s", "-1"]), positive);
        assert_eq!(h.err(&["SPOP", "s", "x"]), positive);
        assert_eq!(h.err(&["SPOP", "s", "1", "2"]), "ERR syntax error");
        assert_eq!(h.err(&["SRANDMEMBER", "s", "x", "2"]), "ERR syntax error");
        assert_eq!(
            h.err(&["SRANDMEMBER", "s", "x"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(
            h.err(&["SRANDMEMBER", "s", "-9223372036854775808"]),
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
        );
        for i in 0..20 {
            h.run(&["SADD", "s", &format!("m{i}")]);
        }
        for _ in 0..20 {
            let picked = sorted(h.run(&["SRANDMEMBER", "s", "5"]));
            let mut distinct = picked.clone();
            distinct.dedup();
            assert_eq!(distinct.len(), 5);
        }
        assert_eq!(sorted(h.run(&["SRANDMEMBER", "s", "-50"])).len(), 50);
        assert_eq!(sorted(h.run(&["SRANDMEMBER", "s", "100"])).len(), 20);
        assert_eq!(h.run(&["SPOP", "s", "0"]), set_of(&[]));
        let popped = sorted(h.run(&["SPOP", "s", "5"]));
        assert_eq!(popped.len(), 5);
        for m in &popped {
            assert_eq!(h.run(&["SISMEMBER", "s", m]), int(0));
        }
        assert_eq!(h.run(&["SCARD", "s"]), int(15));
        let Reply::Bulk(one) = h.run(&["SPOP", "s"]) else {
            panic!()
        };
        assert_eq!(
            h.run(&["SISMEMBER", "s", std::str::from_utf8(&one).unwrap()]),
            int(0)
        );
        assert_eq!(sorted(h.run(&["SPOP", "s", "100"])).len(), 14);
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
    }

    /// A repeating count whose reply cannot be allocated is refused, not a panic (it was a
    /// capacity overflow that killed the connection task and leaked its client).
    #[test]
    fn random_picks_with_a_huge_negative_count_are_refused() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "a", "b"]);
        h.run(&["HSET", "h", "f", "v"]);
        h.run(&["ZADD", "z", "1", "m"]);
        for (cmd, key) in [
            ("SRANDMEMBER", "s"),
            ("HRANDFIELD", "h"),
            ("ZRANDMEMBER", "z"),
        ] {
            assert_eq!(
                h.err(&[cmd, key, "-9223372036854775807"]),
                format!("ERR Insufficient memory, failed allocating transient memory for {cmd}")
            );
        }
        assert_eq!(
            h.err(&["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"]),
            "ERR value is out of range"
        );
        // Moderate repeating counts still answer.
        assert!(
            matches!(h.run(&["SRANDMEMBER", "s", "-1000"]), Reply::Array(a) if a.len() == 1000)
        );
    }

    #[test]
    fn spop_rebuilds_the_encoding_of_what_it_keeps() {
        let mut h = Harness::new();
        for i in 0..10 {
            h.run(&["SADD", "s", &i.to_string()]);
        }
        h.run(&["SADD", "s", "x"]);
        h.run(&["SREM", "s", "x"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
        // Keeping less than 4/5 of the set rebuilds it: all integers again, so an intset.
        h.run(&["SPOP", "s", "3"]);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
    }

    #[test]
    fn smove() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "a", "b"]);
        h.run(&["EXPIRE", "s", "100"]);
        assert_eq!(h.run(&["SMOVE", "s", "t", "zz"]), int(0));
        assert_eq!(h.run(&["SMOVE", "s", "s", "a"]), int(1));
        assert_eq!(h.run(&["SMOVE", "s", "s", "zz"]), int(0));
        assert_eq!(h.run(&["SMOVE", "s", "t", "a"]), int(1));
        assert_eq!(h.run(&["SMEMBERS", "t"]), set_of(&["a"]));
        assert_eq!(h.run(&["TTL", "s"]), int(100));
        assert_eq!(h.run(&["TTL", "t"]), int(-1));
        assert_eq!(h.run(&["SMOVE", "s", "t", "b"]), int(1));
        assert_eq!(h.run(&["EXISTS", "s"]), int(0));
        assert_eq!(sorted(h.run(&["SMEMBERS", "t"])), ["a", "b"]);
    }

    #[test]
    fn algebra_and_store() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "a", "b", "c"]);
        h.run(&["SADD", "t", "b", "c", "d"]);
        assert_eq!(sorted(h.run(&["SINTER", "s", "t"])), ["b", "c"]);
        assert_eq!(h.run(&["SINTER", "s", "t", "nokey"]), set_of(&[]));
        assert_eq!(
            sorted(h.run(&["SUNION", "s", "t", "nokey"])),
            ["a", "b", "c", "d"]
        );
        assert_eq!(sorted(h.run(&["SDIFF", "s", "t"])), ["a"]);
        assert_eq!(h.run(&["SDIFF", "nokey", "s"]), set_of(&[]));
        h.run(&["SET", "d", "x"]);
        h.run(&["EXPIRE", "d", "100"]);
        assert_eq!(h.run(&["SINTERSTORE", "d", "s", "t"]), int(2));
        assert_eq!(
            h.run(&["TTL", "d"]),
            int(-1),
            "the store replaces the TTL too"
        );
        assert_eq!(h.run(&["SUNIONSTORE", "d", "s", "t"]), int(4));
        assert_eq!(h.run(&["SDIFFSTORE", "d", "s", "t"]), int(1));
        assert_eq!(h.run(&["SMEMBERS", "d"]), set_of(&["a"]));
        assert_eq!(h.run(&["SDIFFSTORE", "d", "s", "s"]), int(0));
        assert_eq!(h.run(&["EXISTS", "d"]), int(0));
        // The destination may be a source.
        assert_eq!(h.run(&["SINTERSTORE", "s", "s", "t"]), int(2));
        assert_eq!(sorted(h.run(&["SMEMBERS", "s"])), ["b", "c"]);
        // Results get the encoding of a set built from scratch.
        h.run(&["SADD", "i", "3", "1", "x"]);
        h.run(&["SREM", "i", "x"]);
        assert_eq!(h.run(&["SUNIONSTORE", "j", "i"]), int(2));
        assert_eq!(h.run(&["OBJECT", "ENCODING", "j"]), bulk("intset"));
        assert_eq!(h.run(&["SUNION", "j", "nokey"]), set_of(&["1", "3"]));
    }

    #[test]
    fn sintercard() {
        let mut h = Harness::new();
        h.run(&["SADD", "s", "a", "b", "c"]);
        h.run(&["SADD", "t", "b", "c", "d"]);
        assert_eq!(h.run(&["SINTERCARD", "2", "s", "t"]), int(2));
        assert_eq!(h.run(&["SINTERCARD", "2", "s", "t", "LIMIT", "1"]), int(1));
        assert_eq!(h.run(&["SINTERCARD", "2", "s", "t", "LIMIT", "0"]), int(2));
        assert_eq!(h.run(&["SINTERCARD", "2", "s", "nokey"]), int(0));
        assert_eq!(
            h.run(&["SINTERCARD", "2", "s", "t", "limit", "1", "LIMIT", "5"]),
            int(2)
        );
        let numkeys = "ERR numkeys should be greater than 0";
        assert_eq!(h.err(&["SINTERCARD", "0", "s"]), numkeys);
        assert_eq!(h.err(&["SINTERCARD", "x", "s"]), numkeys);
        assert_eq!(
            h.err(&["SINTERCARD", "3", "s", "t"]),
            "ERR Number of keys can't be greater than number of args"
        );
        let negative = "ERR LIMIT can't be negative";
        assert_eq!(
            h.err(&["SINTERCARD", "2", "s", "t", "LIMIT", "-1"]),
            negative
        );
        assert_eq!(
            h.err(&["SINTERCARD", "2", "s", "t", "LIMIT", "x"]),
            negative
        );
        assert_eq!(
            h.err(&["SINTERCARD", "2", "s", "t", "LIMIT"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["SINTERCARD", "2", "s", "t", "FOO", "1"]),
            "ERR syntax error"
        );
    }

    #[test]
    fn sscan_pages_large_sets_under_writes() {
        let mut h = Harness::new();
        // An intset is scanned whole, whatever the cursor and count.
        h.run(&["SADD", "small", "3", "1", "12"]);
        let scan = |h: &mut Harness, args: &[&str]| -> (String, Vec<String>) {
            let mut argv = vec!["SSCAN"];
            argv.extend_from_slice(args);
            let Reply::Array(parts) = h.run(&argv) else {
                panic!()
            };
            let [Reply::Bulk(cursor), items] = &parts[..] else {
                panic!()
            };
            (
                String::from_utf8(cursor.to_vec()).unwrap(),
                sorted(items.clone()),
            )
        };
        assert_eq!(
            scan(&mut h, &["small", "5", "COUNT", "1", "MATCH", "1*"]),
            ("0".to_string(), vec!["1".to_string(), "12".to_string()])
        );
        assert_eq!(
            h.err(&["SSCAN", "small", "0", "COUNT", "0"]),
            "ERR syntax error"
        );
        assert_eq!(scan(&mut h, &["nokey", "0", "COUNT", "0"]).1.len(), 0);
        for i in 0..600 {
            h.run(&["SADD", "big", &format!("m{i}")]);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        loop {
            let (next, items) = scan(&mut h, &["big", &cursor, "COUNT", "30"]);
            seen.extend(items);
            h.run(&["SREM", "big", &format!("m{}", calls * 2 + 1)]);
            h.run(&["SADD", "big", &format!("new{calls}")]);
            calls += 1;
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        assert!(calls > 10);
        for i in (0..600).step_by(2) {
            assert!(seen.contains(&format!("m{i}")), "m{i} missed");
        }
    }
}
