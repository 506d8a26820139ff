//! The hash family: field/value maps, as Redis 7.0 answers them.
//!
//! Every command works on `Value::Hash` keys; any other type answers `WRONGTYPE Operation
//! against a key holding the wrong kind of value`. A missing key reads as an empty hash, a
//! write creates it, and a hash left empty is deleted. Each command runs in the txn the
//! execution path opened over its key and mutates the hash in place ([`HashValue`], which
//! also tracks the listpack / hashtable encoding `OBJECT ENCODING` reports), recording
//! Redis's event (`hset`, `hdel`, `hincrby`, `hincrbyfloat`, then `del` for a hash
//! emptied). The commands the typed gRPC RPCs share are
//! typed operations (`hset_op`, `hget_op`, ...) that `crate::grpc::hashes` calls too.
//!
//! # Commands
//! - `HSET key field value [field value ...]` — integer: how many fields were new.
//!   An odd number of field/value arguments is the wrong-arity error.
//! - `HMSET key field value [field value ...]` — `OK` (same as HSET otherwise).
//! - `HSETNX key field value` — integer 1 when set, 0 when the field existed.
//! - `HGET key field` — bulk string, or null.
//! - `HMGET key field [field ...]` — array of bulk strings / nulls.
//! - `HDEL key field [field ...]` — integer: how many fields were removed.
//! - `HLEN key` — integer; `HSTRLEN key field` — integer (0 when missing);
//!   `HEXISTS key field` — integer 1/0.
//! - `HKEYS key`, `HVALS key` — arrays; `HGETALL key` — a map (flat array in RESP2).
//! - `HINCRBY key field increment` — the new integer; a missing field counts as 0.
//!   `ERR value is not an integer or out of range` (argument), `ERR hash value is not an
//!   integer`, `ERR increment or decrement would overflow`.
//! - `HINCRBYFLOAT key field increment` — the new value as a bulk string, computed in long
//!   double like INCRBYFLOAT. `ERR value is not a valid float` (argument), `ERR value is
//!   NaN or Infinity` (an infinite argument; both before the key is looked at), `ERR hash
//!   value is not a float`, `ERR increment would produce NaN or Infinity`.
//! - `HRANDFIELD key [count [WITHVALUES]]` — without count a bulk string (null when the
//!   key is missing); with count an array: a positive count gives that many distinct fields
//!   (all of them when it exceeds the size), a negative one |count| fields that may repeat;
//!   WITHVALUES adds values: flat field, value, ... in RESP2, `[field, value]` pairs in
//!   RESP3. Count limits `-9223372036854775807..=9223372036854775807` (`ERR value is out of
//!   range, value must between ...`), and with WITHVALUES a count beyond
//!   ±4611686018427387903 is `ERR value is out of range`. Missing key: empty array.
//! - `HSCAN key cursor [MATCH pattern] [COUNT count]` — `[next cursor, [field, value, ...]]`.
//!   A listpack hash is returned whole with cursor 0; a hashtable one pages with a cursor
//!   that stays valid across writes (see `crate::store`'s `indexed` module): every field
//!   present for the whole scan is returned at least once. Errors come in Redis's order:
//!   `ERR invalid cursor`, then the key (missing: `[0, []]`; WRONGTYPE), then the options
//!   (`ERR syntax error`, COUNT `ERR value is not an integer or out of range`).

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;
use rand::Rng;

use super::args::{self, is};
use super::keys::{DEFAULT_SCAN_COUNT, parse_cursor};
use super::{Command, Ctx, Protocol, Reply};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;
use crate::store::numeric::{FloatIncrError, incr_by_float, parse_i64};
use crate::store::{Entry, Event, HashValue, Value, distinct_indexes, repeated_picks};

pub static COMMANDS: &[Command] = &[
    Command::new("hset", hset),
    Command::new("hsetnx", hsetnx),
    Command::new("hmset", hmset),
    Command::new("hget", hget),
    Command::new("hmget", hmget),
    Command::new("hdel", hdel),
    Command::new("hlen", hlen),
    Command::new("hstrlen", hstrlen),
    Command::new("hexists", hexists),
    Command::new("hkeys", hkeys),
    Command::new("hvals", hvals),
    Command::new("hgetall", hgetall),
    Command::new("hincrby", hincrby),
    Command::new("hincrbyfloat", hincrbyfloat),
    Command::new("hrandfield", hrandfield),
    Command::new("hscan", hscan),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

type SharedHash = Arc<RwLock<HashValue>>;

/// The hash at a looked-up key (`None` when missing), or WRONGTYPE.
fn hash_at(entry: Option<&Entry>) -> Result<Option<&SharedHash>> {
    match entry.map(|e| e.value()) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Reads the hash at `key`; `f` gets `None` for a missing key.
fn read_hash<T>(ctx: &Ctx<'_>, key: &[u8], f: impl FnOnce(Option<&HashValue>) -> T) -> Result<T> {
    let db = ctx.db();
    Ok(match hash_at(ctx.txn().get(db, key))? {
        Some(hash) => f(Some(&hash.read())),
        None => f(None),
    })
}

/// Runs `f` on the hash at `key` for writing. `f` says whether it changed the hash; a
/// change is recorded as `event` (then `del` when the hash is left empty, which deletes
/// it). A missing key is an empty hash that is stored only if `f` leaves something in it.
fn update_hash<T>(
    ctx: &Ctx<'_>,
    key: &[u8],
    event: Event,
    f: impl FnOnce(&mut HashValue) -> Result<(T, bool)>,
) -> Result<T> {
    let db = ctx.db();
    let txn = ctx.txn();
    match hash_at(txn.get_for_write(db, key))? {
        Some(shared) => {
            let mut hash = shared.write();
            let (out, changed) = f(&mut hash)?;
            let emptied = hash.is_empty();
            drop(hash);
            if changed {
                txn.changed_collection(db, key, event, emptied);
            }
            Ok(out)
        }
        None => {
            let mut hash = HashValue::new();
            let (out, _) = f(&mut hash)?;
            if !hash.is_empty() {
                txn.set(
                    db,
                    key,
                    Value::Hash(Arc::new(RwLock::new(hash))),
                    None,
                    event,
                );
            }
            Ok(out)
        }
    }
}

/// The field/value pairs of HSET/HMSET (an odd count of arguments is an arity error).
fn field_value_pairs(argv: &[Bytes]) -> Result<Vec<(&[u8], &[u8])>> {
    if argv.len() % 2 == 1 {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        return Err(Error::WrongArity(name));
    }
    Ok(argv[2..]
        .chunks_exact(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect())
}

/// `MATCH` and `COUNT` of HSCAN/SSCAN (Redis's `scanGenericCommand` for a collection: no
/// TYPE, COUNT must be >= 1, each option needs its value).
pub(crate) fn collection_scan_options(
    argv: &[Bytes],
    start: usize,
) -> Result<(Option<&[u8]>, usize)> {
    let mut pattern = None;
    let mut count = DEFAULT_SCAN_COUNT as usize;
    let mut i = start;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if is(&argv[i], "COUNT") && has_value {
            let n = args::int(&argv[i + 1])?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(&argv[i], "MATCH") && has_value {
            pattern = Some(&argv[i + 1][..]);
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    // Redis skips matching for the pattern `*` (which would not match an empty name).
    Ok((pattern.filter(|p| *p != b"*"), count))
}

/// The `[cursor, elements]` reply of HSCAN/SSCAN.
pub(crate) fn scan_reply(next: u64, elements: Vec<Bytes>) -> Reply {
    Reply::Array(vec![Reply::bulk(next.to_string()), Reply::bulks(elements)])
}

// ---------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------

/// HSET/HMSET: stores every pair (a repeated field: the last value wins); how many fields
/// were new. Every argument is checked against the listpack limits first, as in Redis.
pub fn hset_op(ctx: &Ctx<'_>, key: &[u8], pairs: &[(&[u8], &[u8])]) -> Result<usize> {
    update_hash(ctx, key, Event::HSet, |hash| {
        hash.admit_arguments(pairs.iter().flat_map(|&(f, v)| [f, v]));
        let added = pairs
            .iter()
            .filter(|&&(f, v)| hash.insert(f, Bytes::copy_from_slice(v)))
            .count();
        // Every field was written, new or not.
        Ok((added, true))
    })
}

/// `HSET key field value [field value ...]` → the number of new fields.
fn hset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let pairs = field_value_pairs(argv)?;
    Ok(Reply::integer(hset_op(ctx, &argv[1], &pairs)?))
}

/// `HMSET key field value [field value ...]` → OK.
fn hmset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let pairs = field_value_pairs(argv)?;
    hset_op(ctx, &argv[1], &pairs)?;
    Ok(Reply::ok())
}

/// HSETNX: sets the field only when absent; whether it did.
pub fn hsetnx_op(ctx: &Ctx<'_>, key: &[u8], field: &[u8], value: &[u8]) -> Result<bool> {
    update_hash(ctx, key, Event::HSet, |hash| {
        let set = !hash.contains(field) && hash.insert(field, Bytes::copy_from_slice(value));
        Ok((set, set))
    })
}

/// `HSETNX key field value` → 1 when set, 0 when the field existed.
fn hsetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(
        hsetnx_op(ctx, &argv[1], &argv[2], &argv[3])?.into(),
    ))
}

/// HDEL: removes the fields; how many were there.
pub fn hdel_op(ctx: &Ctx<'_>, key: &[u8], fields: &[Bytes]) -> Result<usize> {
    update_hash(ctx, key, Event::HDel, |hash| {
        let removed = fields.iter().filter(|f| hash.remove(f)).count();
        Ok((removed, removed > 0))
    })
}

/// `HDEL key field [field ...]` → the number of removed fields.
fn hdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(hdel_op(ctx, &argv[1], &argv[2..])?))
}

/// HINCRBY: adds `by` to the integer in `field` (0 when missing); the new value.
pub fn hincrby_op(ctx: &Ctx<'_>, key: &[u8], field: &[u8], by: i64) -> Result<i64> {
    update_hash(ctx, key, Event::HIncrBy, |hash| {
        let current = match hash.get(field) {
            Some(v) => parse_i64(v).ok_or_else(|| Error::err("hash value is not an integer"))?,
            None => 0,
        };
        let value = current.checked_add(by).ok_or(Error::Overflow)?;
        let text = itoa::Buffer::new().format(value).as_bytes().to_vec();
        hash.insert(field, Bytes::from(text));
        Ok((value, true))
    })
}

/// `HINCRBY key field increment` → the new value.
fn hincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let by = args::int(&argv[3])?;
    Ok(Reply::Integer(hincrby_op(ctx, &argv[1], &argv[2], by)?))
}

/// HINCRBYFLOAT: adds `increment` (text, parsed as a long double) to the number in `field`
/// (0 when missing); the new value as stored. The increment is checked before the key, as
/// in Redis: unparsable, then infinite.
pub fn hincrbyfloat_op(ctx: &Ctx<'_>, key: &[u8], field: &[u8], increment: &[u8]) -> Result<Bytes> {
    // 0 + increment fails exactly when the increment is unparsable or infinite.
    match incr_by_float(None, increment) {
        Err(FloatIncrError::NanOrInfinity) => return Err(Error::err("value is NaN or Infinity")),
        Err(_) => return Err(Error::NotFloat),
        Ok(_) => {}
    }
    update_hash(ctx, key, Event::HIncrByFloat, |hash| {
        let sum =
            incr_by_float(hash.get(field).map(|v| &v[..]), increment).map_err(|e| match e {
                FloatIncrError::ValueNotFloat => Error::err("hash value is not a float"),
                FloatIncrError::IncrementNotFloat => Error::NotFloat,
                FloatIncrError::NanOrInfinity => {
                    Error::err("increment would produce NaN or Infinity")
                }
            })?;
        let sum = Bytes::from(sum);
        hash.insert(field, sum.clone());
        Ok((sum.clone(), true))
    })
}

/// `HINCRBYFLOAT key field increment` → the new value as a bulk string.
fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Bulk(hincrbyfloat_op(
        ctx, &argv[1], &argv[2], &argv[3],
    )?))
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// HGET: the value of `field`, `None` when the key or field is missing.
pub fn hget_op(ctx: &Ctx<'_>, key: &[u8], field: &[u8]) -> Result<Option<Bytes>> {
    read_hash(ctx, key, |hash| hash.and_then(|h| h.get(field).cloned()))
}

/// `HGET key field` → bulk or null.
fn hget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::bulk_or_null(hget_op(ctx, &argv[1], &argv[2])?))
}

/// HMGET: one value per field, `None` for missing ones.
pub fn hmget_op(ctx: &Ctx<'_>, key: &[u8], fields: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
    read_hash(ctx, key, |hash| {
        fields
            .iter()
            .map(|f| hash.and_then(|h| h.get(f).cloned()))
            .collect()
    })
}

/// `HMGET key field [field ...]` → array of bulk strings / nulls.
fn hmget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let values = hmget_op(ctx, &argv[1], &argv[2..])?;
    Ok(Reply::Array(
        values.into_iter().map(Reply::bulk_or_null).collect(),
    ))
}

/// HLEN: the number of fields (0 for a missing key).
pub fn hlen_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<usize> {
    read_hash(ctx, key, |hash| hash.map_or(0, HashValue::len))
}

/// `HLEN key` → integer.
fn hlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(hlen_op(ctx, &argv[1])?))
}

/// `HSTRLEN key field` → the value's length (0 when missing).
fn hstrlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let field = &argv[2];
    let len = read_hash(ctx, &argv[1], |hash| {
        hash.and_then(|h| h.get(field)).map_or(0, Bytes::len)
    })?;
    Ok(Reply::integer(len))
}

/// HEXISTS: whether `field` exists.
pub fn hexists_op(ctx: &Ctx<'_>, key: &[u8], field: &[u8]) -> Result<bool> {
    read_hash(ctx, key, |hash| hash.is_some_and(|h| h.contains(field)))
}

/// `HEXISTS key field` → 1 or 0.
fn hexists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(hexists_op(ctx, &argv[1], &argv[2])?.into()))
}

/// HGETALL: every field and value, in the hash's order.
pub fn hgetall_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Vec<(Bytes, Bytes)>> {
    read_hash(ctx, key, |hash| {
        hash.map_or_else(Vec::new, |h| {
            h.iter().map(|(f, v)| (f.clone(), v.clone())).collect()
        })
    })
}

/// `HGETALL key` → map field → value (flat array in RESP2).
fn hgetall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let pairs = hgetall_op(ctx, &argv[1])?;
    Ok(Reply::Map(
        pairs
            .into_iter()
            .map(|(f, v)| (Reply::Bulk(f), Reply::Bulk(v)))
            .collect(),
    ))
}

/// `HKEYS key` → array of fields.
fn hkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let fields = read_hash(ctx, &argv[1], |hash| {
        hash.map_or_else(Vec::new, |h| h.iter().map(|(f, _)| f.clone()).collect())
    })?;
    Ok(Reply::bulks(fields))
}

/// `HVALS key` → array of values.
fn hvals(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let values = read_hash(ctx, &argv[1], |hash| {
        hash.map_or_else(Vec::new, |h| h.iter().map(|(_, v)| v.clone()).collect())
    })?;
    Ok(Reply::bulks(values))
}

/// HRANDFIELD key (no count): a random field, `None` for a missing key.
pub fn hrandfield_one_op(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let Some(hash) = hash_at(ctx.txn().get(db, key))? else {
        return Ok(None);
    };
    let hash = hash.read();
    let i = ctx.rng().random_range(0..hash.len());
    Ok(Some(hash.at(i).0.clone()))
}

/// HRANDFIELD key count: `count` distinct random pairs when positive (the whole hash when
/// it has no more), |count| pairs that may repeat when negative. Each pick is O(1). A
/// repeating count whose reply cannot be allocated is refused.
pub fn hrandfield_count_op(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    count: i64,
) -> Result<Vec<(Bytes, Bytes)>> {
    let db = ctx.db();
    let Some(hash) = hash_at(ctx.txn().get(db, key))? else {
        return Ok(Vec::new());
    };
    let hash = hash.read();
    let pair = |i: usize| {
        let (f, v) = hash.at(i);
        (f.clone(), v.clone())
    };
    let len = hash.len();
    Ok(if count < 0 {
        repeated_picks(ctx.rng(), len, count.unsigned_abs(), pair)
            .ok_or_else(|| insufficient_memory("HRANDFIELD"))?
    } else if count as u64 >= len as u64 {
        (0..len).map(pair).collect()
    } else {
        distinct_indexes(ctx.rng(), len, count as usize)
            .into_iter()
            .map(pair)
            .collect()
    })
}

/// The error of a random-pick count whose reply cannot be allocated.
pub(crate) fn insufficient_memory(command: &str) -> Error {
    Error::err(format!(
        "Insufficient memory, failed allocating transient memory for {command}"
    ))
}

/// `HRANDFIELD key [count [WITHVALUES]]`.
fn hrandfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() == 2 {
        return Ok(Reply::bulk_or_null(hrandfield_one_op(ctx, &argv[1])?));
    }
    let count = random_count(&argv[2])?;
    let with_values = match argv.len() {
        3 => false,
        4 if is(&argv[3], "WITHVALUES") => true,
        _ => return Err(Error::Syntax),
    };
    // Redis refuses counts whose WITHVALUES reply length (2 * count) would overflow.
    if with_values && count.unsigned_abs() > (i64::MAX / 2) as u64 {
        return Err(Error::err("value is out of range"));
    }
    let pairs = hrandfield_count_op(ctx, &argv[1], count)?;
    Ok(match (with_values, ctx.session.protocol) {
        (false, _) => Reply::bulks(pairs.into_iter().map(|(f, _)| f)),
        (true, Protocol::Resp2) => Reply::bulks(pairs.into_iter().flat_map(|(f, v)| [f, v])),
        (true, Protocol::Resp3) => Reply::Array(
            pairs
                .into_iter()
                .map(|(f, v)| Reply::Array(vec![Reply::Bulk(f), Reply::Bulk(v)]))
                .collect(),
        ),
    })
}

/// The count of HRANDFIELD / SRANDMEMBER: an integer in `-i64::MAX..=i64::MAX`.
pub(crate) fn random_count(arg: &[u8]) -> Result<i64> {
    match args::int(arg)? {
        i64::MIN => Err(Error::err(
            "value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        )),
        n => Ok(n),
    }
}

/// One HSCAN step (see the module docs): the next cursor and the matching fields with their
/// values, flattened.
pub fn hscan_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    cursor: u64,
    pattern: Option<&[u8]>,
    count: usize,
) -> Result<(u64, Vec<Bytes>)> {
    read_hash(ctx, key, |hash| {
        let mut found = Vec::new();
        let next = hash.map_or(0, |h| {
            h.scan(cursor, count, |f, v| {
                if pattern.is_none_or(|p| glob_match(p, f, false)) {
                    found.push(f.clone());
                    found.push(v.clone());
                }
            })
        });
        (next, found)
    })
}

/// `HSCAN key cursor [MATCH pattern] [COUNT count]` → `[next cursor, [field, value, ...]]`.
fn hscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let cursor = parse_cursor(&argv[2])?;
    let (pattern, count) = match collection_scan_options(argv, 3) {
        Ok(options) => options,
        // Redis looks the key up before it reads the options.
        Err(e) => {
            return match read_hash(ctx, &argv[1], |hash| hash.is_some())? {
                true => Err(e),
                false => Ok(scan_reply(0, Vec::new())),
            };
        }
    };
    let (next, found) = hscan_op(ctx, &argv[1], cursor, pattern, count)?;
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

    fn bulks(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

    fn encoding(h: &mut Harness, key: &str) -> Reply {
        h.run(&["OBJECT", "ENCODING", key])
    }

    /// Fields of an HSCAN/HRANDFIELD-style flat reply, sorted.
    fn sorted_strings(reply: &Reply) -> Vec<String> {
        let Reply::Array(items) = reply else {
            panic!("array expected, got {reply:?}")
        };
        let mut out: Vec<String> = items
            .iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                other => panic!("bulk expected, got {other:?}"),
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn set_get_and_delete() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["HSET", "h", "a", "1", "b", "2", "a", "3"]), int(2));
        assert_eq!(h.run(&["HSET", "h", "a", "4"]), int(0));
        assert_eq!(h.run(&["HMSET", "h", "c", "5"]), Reply::ok());
        assert_eq!(h.run(&["HGET", "h", "a"]), bulk("4"));
        assert_eq!(h.run(&["HGET", "h", "zz"]), Reply::Null);
        assert_eq!(h.run(&["HGET", "nokey", "a"]), Reply::Null);
        assert_eq!(
            h.run(&["HMGET", "h", "a", "zz", "c"]),
            Reply::Array(vec![bulk("4"), Reply::Null, bulk("5")])
        );
        assert_eq!(
            h.run(&["HMGET", "nokey", "a"]),
            Reply::Array(vec![Reply::Null])
        );
        assert_eq!(h.run(&["HLEN", "h"]), int(3));
        assert_eq!(h.run(&["HLEN", "nokey"]), int(0));
        assert_eq!(h.run(&["HSTRLEN", "h", "a"]), int(1));
        assert_eq!(h.run(&["HSTRLEN", "h", "zz"]), int(0));
        assert_eq!(h.run(&["HEXISTS", "h", "a"]), int(1));
        assert_eq!(h.run(&["HEXISTS", "h", "zz"]), int(0));
        assert_eq!(h.run(&["HSETNX", "h", "a", "9"]), int(0));
        assert_eq!(h.run(&["HSETNX", "h", "d", "9"]), int(1));
        // Listpack order: insertion order, updates in place, removals close the gap.
        assert_eq!(h.run(&["HDEL", "h", "b", "zz", "b"]), int(1));
        assert_eq!(h.run(&["HKEYS", "h"]), bulks(&["a", "c", "d"]));
        assert_eq!(h.run(&["HVALS", "h"]), bulks(&["4", "5", "9"]));
        assert_eq!(
            h.run(&["HGETALL", "h"]),
            Reply::Map(vec![
                (bulk("a"), bulk("4")),
                (bulk("c"), bulk("5")),
                (bulk("d"), bulk("9"))
            ])
        );
        assert_eq!(h.run(&["HGETALL", "nokey"]), Reply::Map(vec![]));
        assert_eq!(h.run(&["HDEL", "h", "a", "c", "d"]), int(3));
        assert_eq!(h.run(&["EXISTS", "h"]), int(0));
        assert_eq!(h.run(&["HDEL", "h", "a"]), int(0));
        assert_eq!(h.run(&["HSETNX", "n", "f", ""]), int(1));
        assert_eq!(h.run(&["HGET", "n", "f"]), bulk(""));
    }

    #[test]
    fn arity_and_wrong_type() {
        let mut h = Harness::new();
        for (cmd, name) in [
            (&["HSET", "h", "a", "1", "b"][..], "hset"),
            (&["HSET", "h", "a"], "hset"),
            (&["HMSET", "h", "a", "1", "b"], "hmset"),
            (&["HSETNX", "h", "a"], "hsetnx"),
            (&["HGET", "h"], "hget"),
            (&["HDEL", "h"], "hdel"),
        ] {
            assert_eq!(
                h.err(cmd),
                format!("ERR wrong number of arguments for '{name}' command")
            );
        }
        h.run(&["SET", "s", "x"]);
        for cmd in [
            &["HSET", "s", "a", "1"][..],
            &["HMSET", "s", "a", "1"],
            &["HSETNX", "s", "a", "1"],
            &["HGET", "s", "a"],
            &["HMGET", "s", "a"],
            &["HDEL", "s", "a"],
            &["HLEN", "s"],
            &["HSTRLEN", "s", "a"],
            &["HEXISTS", "s", "a"],
            &["HKEYS", "s"],
            &["HVALS", "s"],
            &["HGETALL", "s"],
            &["HINCRBY", "s", "a", "1"],
            &["HINCRBYFLOAT", "s", "a", "1"],
            &["HRANDFIELD", "s"],
            &["HRANDFIELD", "s", "0"],
            &["HSCAN", "s", "0"],
            &["HSCAN", "s", "0", "COUNT", "0"],
        ] {
            assert_eq!(h.err(cmd), WRONGTYPE, "{cmd:?}");
        }
        assert_eq!(h.run(&["GET", "s"]), bulk("x"));
    }

    #[test]
    fn hincrby_rules() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["HINCRBY", "h", "n", "5"]), int(5));
        assert_eq!(h.run(&["HINCRBY", "h", "n", "-7"]), int(-2));
        assert_eq!(h.run(&["HGET", "h", "n"]), bulk("-2"));
        assert_eq!(
            h.err(&["HINCRBY", "h", "n", "1.5"]),
            "ERR value is not an integer or out of range"
        );
        h.run(&[
            "HSET",
            "h",
            "s",
            "abc",
            "max",
            "9223372036854775807",
            "z",
            "01",
        ]);
        assert_eq!(
            h.err(&["HINCRBY", "h", "s", "1"]),
            "ERR hash value is not an integer"
        );
        assert_eq!(
            h.err(&["HINCRBY", "h", "z", "1"]),
            "ERR hash value is not an integer"
        );
        assert_eq!(
            h.err(&["HINCRBY", "h", "max", "1"]),
            "ERR increment or decrement would overflow"
        );
        assert_eq!(h.run(&["HINCRBY", "h", "max", "-1"]), int(i64::MAX - 1));
        // The argument is checked before the key's type.
        h.run(&["SET", "str", "x"]);
        assert_eq!(
            h.err(&["HINCRBY", "str", "f", "x"]),
            "ERR value is not an integer or out of range"
        );
    }

    #[test]
    fn hincrbyfloat_rules() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["HINCRBYFLOAT", "h", "f", "0.1"]), bulk("0.1"));
        assert_eq!(h.run(&["HINCRBYFLOAT", "h", "f", "0.2"]), bulk("0.3"));
        assert_eq!(
            h.run(&["HINCRBYFLOAT", "h", "f", "1e3"]),
            bulk("1000.29999999999999999")
        );
        h.run(&["HSET", "h", "hex", "0x10", "s", "abc"]);
        assert_eq!(h.run(&["HINCRBYFLOAT", "h", "hex", "1"]), bulk("17"));
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "h", "s", "1"]),
            "ERR hash value is not a float"
        );
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "h", "f", "abc"]),
            "ERR value is not a valid float"
        );
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "h", "f", "nan"]),
            "ERR value is not a valid float"
        );
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "h", "f", "-inf"]),
            "ERR value is NaN or Infinity"
        );
        h.run(&["HSET", "h", "huge", "1e4932"]);
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "h", "huge", "1e4932"]),
            "ERR increment would produce NaN or Infinity"
        );
        // Both argument checks come before the key's type.
        h.run(&["SET", "str", "x"]);
        assert_eq!(
            h.err(&["HINCRBYFLOAT", "str", "f", "inf"]),
            "ERR value is NaN or Infinity"
        );
        assert_eq!(h.err(&["HINCRBYFLOAT", "str", "f", "1"]), WRONGTYPE);
        // No value-length check happens before HINCRBYFLOAT writes; the long result
        // converts the hash when stored.
        assert_eq!(h.run(&["HINCRBYFLOAT", "l", "f", "1e70"]).clone(), {
            let Reply::Bulk(b) = h.run(&["HGET", "l", "f"]) else {
                panic!()
            };
            Reply::Bulk(b)
        });
        assert_eq!(encoding(&mut h, "l"), bulk("hashtable"));
    }

    #[test]
    fn encodings_follow_redis() {
        let mut h = Harness::new();
        let long = "x".repeat(65);
        h.run(&["HSET", "a", "f", "v"]);
        assert_eq!(encoding(&mut h, "a"), bulk("listpack"));
        h.run(&["HSET", "a", "g", &"x".repeat(64)]);
        assert_eq!(encoding(&mut h, "a"), bulk("listpack"));
        h.run(&["HSET", "a", "g", &long]);
        assert_eq!(encoding(&mut h, "a"), bulk("hashtable"));
        h.run(&["HDEL", "a", "g"]);
        assert_eq!(encoding(&mut h, "a"), bulk("hashtable"), "sticky");
        // HSET checks every argument first, even a value overwritten in the same call.
        h.run(&["HSET", "b", "f", &long, "f", "v"]);
        assert_eq!(encoding(&mut h, "b"), bulk("hashtable"));
        // HSETNX checks nothing when it does not write.
        h.run(&["HSET", "c", "f", "v"]);
        h.run(&["HSETNX", "c", "f", &long]);
        assert_eq!(encoding(&mut h, "c"), bulk("listpack"));
        for i in 0..512 {
            h.run(&["HSET", "d", &format!("f{i}"), "v"]);
        }
        assert_eq!(encoding(&mut h, "d"), bulk("listpack"));
        h.run(&["HSET", "d", "f512", "v"]);
        assert_eq!(encoding(&mut h, "d"), bulk("hashtable"));
    }

    #[test]
    fn hrandfield_counts_and_shapes() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["HRANDFIELD", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["HRANDFIELD", "nokey", "3"]), Reply::Array(vec![]));
        h.run(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
        let Reply::Bulk(one) = h.run(&["HRANDFIELD", "h"]) else {
            panic!()
        };
        assert!([&b"a"[..], b"b", b"c"].contains(&&one[..]));
        assert_eq!(h.run(&["HRANDFIELD", "h", "0"]), Reply::Array(vec![]));
        // A count at least the size returns the whole hash, in its order.
        assert_eq!(h.run(&["HRANDFIELD", "h", "5"]), bulks(&["a", "b", "c"]));
        assert_eq!(
            h.run(&["HRANDFIELD", "h", "3", "WITHVALUES"]),
            bulks(&["a", "1", "b", "2", "c", "3"])
        );
        for _ in 0..20 {
            let picked = sorted_strings(&h.run(&["HRANDFIELD", "h", "2"]));
            assert_eq!(picked.len(), 2);
            assert_ne!(picked[0], picked[1], "positive counts are distinct");
        }
        let Reply::Array(repeats) = h.run(&["HRANDFIELD", "h", "-10"]) else {
            panic!()
        };
        assert_eq!(repeats.len(), 10);
        // WITHVALUES pairs every field with its own value.
        let Reply::Array(flat) = h.run(&["HRANDFIELD", "h", "-6", "withvalues"]) else {
            panic!()
        };
        assert_eq!(flat.len(), 12);
        for pair in flat.chunks(2) {
            let (Reply::Bulk(f), Reply::Bulk(v)) = (&pair[0], &pair[1]) else {
                panic!()
            };
            let expected = match &f[..] {
                b"a" => "1",
                b"b" => "2",
                _ => "3",
            };
            assert_eq!(&v[..], expected.as_bytes());
        }
        h.run(&["HELLO", "3"]);
        let Reply::Array(pairs) = h.run(&["HRANDFIELD", "h", "-2", "WITHVALUES"]) else {
            panic!()
        };
        assert_eq!(pairs.len(), 2);
        assert!(
            pairs
                .iter()
                .all(|p| matches!(p, Reply::Array(fv) if fv.len() == 2))
        );
    }

    #[test]
    fn hrandfield_argument_errors() {
        let mut h = Harness::new();
        h.run(&["HSET", "h", "a", "1"]);
        assert_eq!(
            h.err(&["HRANDFIELD", "h", "1", "WITHVALUE"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["HRANDFIELD", "h", "1", "WITHVALUES", "x"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["HRANDFIELD", "nokey", "x"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(
            h.err(&["HRANDFIELD", "h", "-9223372036854775808"]),
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
        );
        for count in ["-4611686018427387904", "4611686018427387904"] {
            assert_eq!(
                h.err(&["HRANDFIELD", "nokey", count, "WITHVALUES"]),
                "ERR value is out of range"
            );
        }
        assert_eq!(
            h.run(&["HRANDFIELD", "nokey", "-4611686018427387903", "WITHVALUES"]),
            Reply::Array(vec![])
        );
    }

    fn hscan_once(h: &mut Harness, args: &[&str]) -> (u64, Vec<String>) {
        let mut argv = vec!["HSCAN"];
        argv.extend_from_slice(args);
        match h.run(&argv) {
            Reply::Array(parts) => match &parts[..] {
                [Reply::Bulk(cursor), items] => (
                    std::str::from_utf8(cursor).unwrap().parse().unwrap(),
                    match items {
                        Reply::Array(items) => items
                            .iter()
                            .map(|i| match i {
                                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                                other => panic!("{other:?}"),
                            })
                            .collect(),
                        other => panic!("{other:?}"),
                    },
                ),
                other => panic!("bad hscan reply {other:?}"),
            },
            other => panic!("bad hscan reply {other:?}"),
        }
    }

    #[test]
    fn hscan_small_and_errors() {
        let mut h = Harness::new();
        assert_eq!(hscan_once(&mut h, &["nokey", "0"]), (0, vec![]));
        h.run(&["HSET", "h", "a", "1", "b", "2", "ab", "3"]);
        // A listpack hash comes whole, whatever the cursor and count.
        assert_eq!(
            hscan_once(&mut h, &["h", "99", "COUNT", "1"]),
            (
                0,
                ["a", "1", "b", "2", "ab", "3"].map(String::from).to_vec()
            )
        );
        assert_eq!(
            hscan_once(&mut h, &["h", "0", "MATCH", "a*"]),
            (0, ["a", "1", "ab", "3"].map(String::from).to_vec())
        );
        assert_eq!(h.err(&["HSCAN", "h", "x"]), "ERR invalid cursor");
        assert_eq!(
            h.err(&["HSCAN", "h", "0", "COUNT", "0"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["HSCAN", "h", "0", "COUNT", "x"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(h.err(&["HSCAN", "h", "0", "MATCH"]), "ERR syntax error");
        assert_eq!(
            h.err(&["HSCAN", "h", "0", "TYPE", "hash"]),
            "ERR syntax error"
        );
        // Option errors come after the key lookup: a missing key scans empty.
        assert_eq!(
            hscan_once(&mut h, &["nokey", "0", "COUNT", "0"]),
            (0, vec![])
        );
        assert_eq!(h.err(&["HSCAN", "nokey", "x"]), "ERR invalid cursor");
    }

    #[test]
    fn hscan_pages_large_hashes_under_writes() {
        let mut h = Harness::new();
        h.run(&["HSET", "h", "long", &"x".repeat(65)]);
        for i in 0..300 {
            h.run(&["HSET", "h", &format!("f{i}"), &i.to_string()]);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            let (next, items) = hscan_once(&mut h, &["h", &cursor.to_string(), "COUNT", "20"]);
            for pair in items.chunks(2) {
                if pair[0].starts_with('f') {
                    assert_eq!(pair[0][1..], pair[1], "value belongs to its field");
                }
                seen.insert(pair[0].clone());
            }
            // Remove odd fields and add new ones between calls.
            h.run(&["HDEL", "h", &format!("f{}", calls * 2 + 1)]);
            h.run(&["HSET", "h", &format!("g{calls}"), "x"]);
            calls += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
            assert!(calls < 100, "scan did not end");
        }
        assert!(calls > 1, "a hashtable hash pages");
        for i in (0..300).step_by(2) {
            assert!(seen.contains(&format!("f{i}")), "f{i} missed");
        }
    }

    #[test]
    fn expiry_is_kept_by_writes_and_goes_with_the_key() {
        let mut h = Harness::new();
        h.run(&["HSET", "h", "a", "1"]);
        h.run(&["EXPIRE", "h", "100"]);
        h.run(&["HSET", "h", "b", "2"]);
        h.run(&["HINCRBY", "h", "c", "1"]);
        h.run(&["HDEL", "h", "a"]);
        assert_eq!(h.run(&["TTL", "h"]), int(100));
        h.run(&["HDEL", "h", "b", "c"]);
        assert_eq!(h.run(&["TTL", "h"]), int(-2));
        h.run(&["HSET", "h", "a", "1"]);
        assert_eq!(h.run(&["TTL", "h"]), int(-1));
    }
}
