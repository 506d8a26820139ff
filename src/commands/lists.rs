//! The list family, blocking commands included, as Redis 7.0 answers them.
//!
//! Lists are [`ListValue`]s (O(1) push and pop at both ends). A command that removes the
//! last element deletes the key; every command answers WRONGTYPE for a key of another type.
//! Write commands look keys up without counting keyspace hits and misses (Redis's
//! `lookupKeyWrite`); LLEN, LRANGE, LINDEX and LPOS count them. Changes are recorded with
//! Redis's event names (`lpush`/`rpush`, `lpop`/`rpop`, `linsert`, `lset`, `lrem`,
//! `ltrim`, then `del` for a list emptied); a recorded change to a key serves the clients
//! blocked on it.
//!
//! The commands the typed gRPC RPCs share are split like `strings.rs`: a typed operation
//! (`push_op`, `pop_op`, ...) with the semantics, then the RESP handler that parses argv in
//! Redis's order and builds the [`Reply`].
//!
//! # Commands
//! - `LPUSH|RPUSH key element [element ...]` — the new length as an integer.
//! - `LPUSHX|RPUSHX key element [element ...]` — the new length; 0 (nothing created) when
//!   the key is missing.
//! - `LPOP|RPOP key [count]` — without count, a bulk string or null; with count, an array
//!   of up to count elements (empty for count 0), and for a missing key a null array
//!   (`*-1` RESP2, `_` RESP3). A negative or non-integer count is
//!   `ERR value is out of range, must be positive`.
//! - `LLEN key` — integer, 0 for a missing key.
//! - `LRANGE key start stop` — array (inclusive, negative indexes count from the tail).
//! - `LINDEX key index` — bulk or null.
//! - `LSET key index element` — `OK`; `ERR no such key`, `ERR index out of range`.
//! - `LINSERT key BEFORE|AFTER pivot element` — the new length, -1 when the pivot is
//!   missing, 0 when the key is.
//! - `LREM key count element` — the number removed (count > 0 from the head, < 0 from the
//!   tail, 0 all).
//! - `LTRIM key start stop` — `OK`.
//! - `LPOS key element [RANK rank] [COUNT num] [MAXLEN len]` — the index (or null);
//!   with COUNT an array of indexes (0 = all). `ERR RANK can't be zero: ...`,
//!   `ERR COUNT can't be negative`, `ERR MAXLEN can't be negative`.
//! - `RPOPLPUSH source destination`, `LMOVE source destination LEFT|RIGHT LEFT|RIGHT` —
//!   the moved element, or null when the source is missing. A destination of another type
//!   is WRONGTYPE and nothing moves.
//! - `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]` — `[key, [elements]]` from the
//!   first non-empty key, or a null array. `ERR numkeys should be greater than 0`,
//!   `ERR count should be greater than 0`.
//! - `BLPOP|BRPOP key [key ...] timeout` — `[key, element]`, or a null array at the timeout.
//! - `BRPOPLPUSH source destination timeout`, `BLMOVE source destination LEFT|RIGHT
//!   LEFT|RIGHT timeout` — the element, or a null array at the timeout.
//! - `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]` — as LMPOP, or a null
//!   array at the timeout.
//!
//! Timeouts are seconds as a long double (0 = forever): `ERR timeout is not a float or out
//! of range`, `ERR timeout is negative` (see [`crate::blocking::parse_timeout`]).

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::args::{self, is, opt};
use super::{BlockOn, Command, Ctx, Reply};
use crate::blocking::{BlockTimeout, parse_timeout};
use crate::error::{Error, Result};
use crate::store::{End, Entry, Event, ListValue, Txn, Value, ValueType};

pub static COMMANDS: &[Command] = &[
    Command::new("lpush", lpush),
    Command::new("rpush", rpush),
    Command::new("lpushx", lpushx),
    Command::new("rpushx", rpushx),
    Command::new("lpop", lpop),
    Command::new("rpop", rpop),
    Command::new("llen", llen),
    Command::new("lrange", lrange),
    Command::new("lindex", lindex),
    Command::new("lset", lset),
    Command::new("linsert", linsert),
    Command::new("lrem", lrem),
    Command::new("ltrim", ltrim),
    Command::new("lpos", lpos),
    Command::new("rpoplpush", rpoplpush),
    Command::new("lmove", lmove),
    Command::new("lmpop", lmpop),
    Command::new("blpop", blpop),
    Command::new("brpop", brpop),
    Command::new("brpoplpush", brpoplpush),
    Command::new("blmove", blmove),
    Command::new("blmpop", blmpop),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

type Shared = Arc<RwLock<ListValue>>;

/// The list of a looked-up entry (`None` when missing), or WRONGTYPE.
fn list_at(entry: Option<&Entry>) -> Result<Option<&Shared>> {
    match entry.map(|e| e.value()) {
        None => Ok(None),
        Some(Value::List(list)) => Ok(Some(list)),
        Some(_) => Err(Error::WrongType),
    }
}

/// Looks a key up for writing: its list, or WRONGTYPE.
fn list_for_write<'t>(txn: &'t Txn<'_>, db: usize, key: &[u8]) -> Result<Option<&'t Shared>> {
    list_at(txn.get_for_write(db, key))
}

/// Looks a key up for reading (counting a hit or miss): its list, or WRONGTYPE.
fn list_for_read<'t>(txn: &'t Txn<'_>, db: usize, key: &[u8]) -> Result<Option<&'t Shared>> {
    list_at(txn.get(db, key))
}

/// Records a change of `key`'s list as `event` (deleting the key if it was emptied).
fn changed(txn: &Txn<'_>, db: usize, key: &[u8], list: &Shared, event: Event) {
    let emptied = list.read().is_empty();
    txn.changed_collection(db, key, event, emptied);
}

/// The event of a pop from `end`.
fn pop_event(end: End) -> Event {
    match end {
        End::Left => Event::LPop,
        End::Right => Event::RPop,
    }
}

/// The event of a push at `end`.
fn push_event(end: End) -> Event {
    match end {
        End::Left => Event::LPush,
        End::Right => Event::RPush,
    }
}

/// Pushes `items` (copied: argv slices pin the read buffer) onto `key`'s list, creating it
/// when missing; the new length.
/// The caller has looked the key up (one access, as Redis's push looks it up once).
fn push_into(ctx: &Ctx<'_>, txn: &Txn<'_>, key: &[u8], end: End, items: &[Bytes]) -> usize {
    let db = ctx.db();
    match txn.peek(db, key).map(Entry::value) {
        Some(Value::List(list)) => {
            let len = {
                let mut list = list.write();
                for item in items {
                    list.push(end, Bytes::copy_from_slice(item));
                }
                list.len()
            };
            txn.modified(db, key, push_event(end));
            len
        }
        _ => {
            let mut list = ListValue::default();
            for item in items {
                list.push(end, Bytes::copy_from_slice(item));
            }
            let len = list.len();
            let value = Value::List(Arc::new(RwLock::new(list)));
            txn.set(db, key, value, None, push_event(end));
            len
        }
    }
}

/// `LEFT` or `RIGHT` (case-insensitive), else `ERR syntax error`.
pub fn parse_end(arg: &[u8]) -> Result<End> {
    end_word(arg).ok_or(Error::Syntax)
}

/// LEFT or RIGHT, compared as Redis's `strcasecmp` does (up to a NUL byte).
fn end_word(arg: &[u8]) -> Option<End> {
    if opt(arg, "LEFT") {
        Some(End::Left)
    } else if opt(arg, "RIGHT") {
        Some(End::Right)
    } else {
        None
    }
}

/// A LONG argument as Redis's `getLongFromObjectOrReply` reads it.
fn long(arg: &[u8]) -> Result<i64> {
    args::int(arg)
}

/// A count >= 0 as `getPositiveLongFromObjectOrReply(msg)` reads it.
fn non_negative(arg: &[u8], msg: &'static str) -> Result<usize> {
    match args::int(arg) {
        Ok(n) if n >= 0 => Ok(n as usize),
        _ => Err(Error::err(msg)),
    }
}

// ---------------------------------------------------------------------------------------
// Push and pop
// ---------------------------------------------------------------------------------------

/// LPUSH/RPUSH (and with `only_existing`, LPUSHX/RPUSHX): the new length; 0 when
/// `only_existing` and the key is missing.
pub fn push_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    end: End,
    items: &[Bytes],
    only_existing: bool,
) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    let existing = list_for_write(txn, db, key)?;
    if existing.is_none() && only_existing {
        return Ok(0);
    }
    Ok(push_into(ctx, txn, key, end, items))
}

fn push_handler(ctx: &Ctx<'_>, argv: &[Bytes], end: End, only_existing: bool) -> Result<Reply> {
    let len = push_op(ctx, &argv[1], end, &argv[2..], only_existing)?;
    Ok(Reply::integer(len))
}

/// `LPUSH key element [element ...]` → the new length.
fn lpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    push_handler(ctx, argv, End::Left, false)
}

/// `RPUSH key element [element ...]` → the new length.
fn rpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    push_handler(ctx, argv, End::Right, false)
}

/// `LPUSHX key element [element ...]` → the new length, 0 for a missing key.
fn lpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    push_handler(ctx, argv, End::Left, true)
}

/// `RPUSHX key element [element ...]` → the new length, 0 for a missing key.
fn rpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    push_handler(ctx, argv, End::Right, true)
}

/// LPOP/RPOP: up to `count` elements (1 without a count) from `end`; `None` when the key
/// is missing.
pub fn pop_op(ctx: &Ctx<'_>, key: &[u8], end: End, count: usize) -> Result<Option<Vec<Bytes>>> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(list) = list_for_write(txn, db, key)? else {
        return Ok(None);
    };
    let popped = list.write().pop_many(end, count);
    // `LPOP key 0` changes nothing (Redis answers before touching the list).
    if !popped.is_empty() {
        changed(txn, db, key, list, pop_event(end));
    }
    Ok(Some(popped))
}

fn pop_handler(ctx: &Ctx<'_>, argv: &[Bytes], end: End) -> Result<Reply> {
    if argv.len() > 3 {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        return Err(Error::WrongArity(name));
    }
    match argv.get(2) {
        None => {
            let popped = pop_op(ctx, &argv[1], end, 1)?;
            Ok(Reply::bulk_or_null(
                popped.and_then(|p| p.into_iter().next()),
            ))
        }
        Some(count) => {
            let count = non_negative(count, "value is out of range, must be positive")?;
            Ok(match pop_op(ctx, &argv[1], end, count)? {
                Some(popped) => Reply::bulks(popped),
                None => Reply::NullArray,
            })
        }
    }
}

/// `LPOP key [count]` → bulk or null; with count an array, or a null array.
fn lpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    pop_handler(ctx, argv, End::Left)
}

/// `RPOP key [count]` → bulk or null; with count an array, or a null array.
fn rpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    pop_handler(ctx, argv, End::Right)
}

// ---------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------

/// LLEN: the length, 0 for a missing key.
pub fn len_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    Ok(list_for_read(txn, db, key)?.map_or(0, |l| l.read().len()))
}

/// `LLEN key` → integer.
fn llen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(len_op(ctx, &argv[1])?))
}

/// LRANGE: the elements from `start` to `stop` inclusive.
pub fn range_op(ctx: &Ctx<'_>, key: &[u8], start: i64, stop: i64) -> Result<Vec<Bytes>> {
    let db = ctx.db();
    let txn = ctx.txn();
    Ok(match list_for_read(txn, db, key)? {
        Some(list) => list.read().range(start, stop).cloned().collect(),
        None => Vec::new(),
    })
}

/// `LRANGE key start stop` → array.
fn lrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (start, stop) = (long(&argv[2])?, long(&argv[3])?);
    Ok(Reply::bulks(range_op(ctx, &argv[1], start, stop)?))
}

/// LINDEX: the element at `index`, `None` when out of range or missing. The index is
/// parsed after the key is checked, as in Redis, so it is given as text.
pub fn index_op(ctx: &Ctx<'_>, key: &[u8], index: IndexArg<'_>) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(list) = list_for_read(txn, db, key)? else {
        return Ok(None);
    };
    let index = index.value()?;
    Ok(list.read().get(index).cloned())
}

/// An index argument: the client's text (RESP, parsed late like Redis) or a number.
#[derive(Debug, Clone, Copy)]
pub enum IndexArg<'a> {
    Text(&'a [u8]),
    Number(i64),
}

impl IndexArg<'_> {
    fn value(self) -> Result<i64> {
        match self {
            IndexArg::Text(t) => long(t),
            IndexArg::Number(n) => Ok(n),
        }
    }
}

/// `LINDEX key index` → bulk or null.
fn lindex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let found = index_op(ctx, &argv[1], IndexArg::Text(&argv[2]))?;
    Ok(Reply::bulk_or_null(found))
}

/// The options of LPOS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PosArgs {
    /// Which match to start from: 1 the first from the head, -1 the first from the tail.
    pub rank: i64,
    /// `None` without COUNT (one index or null); `Some(0)` for all matches.
    pub count: Option<usize>,
    /// How many elements to scan at most (0 = all).
    pub maxlen: usize,
}

impl Default for PosArgs {
    fn default() -> Self {
        PosArgs {
            rank: 1,
            count: None,
            maxlen: 0,
        }
    }
}

/// `ERR RANK can't be zero: ...`.
pub fn rank_zero() -> Error {
    Error::err(
        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or \
         use negative to start from the end of the list",
    )
}

/// LPOS: the indexes of matches (at most one without COUNT).
pub fn pos_op(ctx: &Ctx<'_>, key: &[u8], item: &[u8], args: PosArgs) -> Result<Vec<usize>> {
    if args.rank == 0 {
        return Err(rank_zero());
    }
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(list) = list_for_read(txn, db, key)? else {
        return Ok(Vec::new());
    };
    let count = args.count.unwrap_or(1);
    Ok(list.read().positions(item, args.rank, count, args.maxlen))
}

/// `LPOS key element [RANK rank] [COUNT num] [MAXLEN len]` → integer or null; with COUNT
/// an array.
fn lpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut pos = PosArgs::default();
    let mut options = args::Args::new(argv, 3);
    while let Some(opt) = options.next() {
        let more = options.remaining() > 0;
        if is(opt, "RANK") && more {
            pos.rank = long(options.value()?)?;
            if pos.rank == 0 {
                return Err(rank_zero());
            }
        } else if is(opt, "COUNT") && more {
            pos.count = Some(non_negative(options.value()?, "COUNT can't be negative")?);
        } else if is(opt, "MAXLEN") && more {
            pos.maxlen = non_negative(options.value()?, "MAXLEN can't be negative")?;
        } else {
            return Err(Error::Syntax);
        }
    }
    let found = pos_op(ctx, &argv[1], &argv[2], pos)?;
    Ok(match pos.count {
        Some(_) => Reply::Array(found.into_iter().map(Reply::integer).collect()),
        None => found.first().map_or(Reply::Null, |&i| Reply::integer(i)),
    })
}

// ---------------------------------------------------------------------------------------
// In-place edits
// ---------------------------------------------------------------------------------------

/// LSET: replaces the element at `index`. `ERR no such key` (checked before the index is
/// parsed), `ERR index out of range`.
pub fn set_op(ctx: &Ctx<'_>, key: &[u8], index: IndexArg<'_>, item: &[u8]) -> Result<()> {
    let db = ctx.db();
    let txn = ctx.txn();
    let list = list_for_write(txn, db, key)?.ok_or(Error::NoSuchKey)?;
    let index = index.value()?;
    if list.write().set(index, Bytes::copy_from_slice(item)) {
        txn.modified(db, key, Event::LSet);
        Ok(())
    } else {
        Err(Error::err("index out of range"))
    }
}

/// `LSET key index element` → OK.
fn lset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    set_op(ctx, &argv[1], IndexArg::Text(&argv[2]), &argv[3])?;
    Ok(Reply::ok())
}

/// LINSERT: the new length; -1 when the pivot is missing, 0 when the key is.
pub fn insert_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    before: bool,
    pivot: &[u8],
    item: &[u8],
) -> Result<i64> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(list) = list_for_write(txn, db, key)? else {
        return Ok(0);
    };
    let len = {
        let mut list = list.write();
        if !list.insert(pivot, Bytes::copy_from_slice(item), before) {
            return Ok(-1);
        }
        list.len()
    };
    txn.modified(db, key, Event::LInsert);
    Ok(len as i64)
}

/// `LINSERT key BEFORE|AFTER pivot element` → integer.
fn linsert(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let before = if is(&argv[2], "BEFORE") {
        true
    } else if is(&argv[2], "AFTER") {
        false
    } else {
        return Err(Error::Syntax);
    };
    Ok(Reply::Integer(insert_op(
        ctx, &argv[1], before, &argv[3], &argv[4],
    )?))
}

/// LREM: removes matches of `item` (count > 0 from the head, < 0 from the tail, 0 all);
/// how many.
pub fn rem_op(ctx: &Ctx<'_>, key: &[u8], count: i64, item: &[u8]) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(list) = list_for_write(txn, db, key)? else {
        return Ok(0);
    };
    let removed = list.write().remove(item, count);
    if removed > 0 {
        changed(txn, db, key, list, Event::LRem);
    }
    Ok(removed)
}

/// `LREM key count element` → integer.
fn lrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let count = long(&argv[2])?;
    Ok(Reply::integer(rem_op(ctx, &argv[1], count, &argv[3])?))
}

/// LTRIM: keeps `start..=stop`; the key goes when nothing is left.
pub fn trim_op(ctx: &Ctx<'_>, key: &[u8], start: i64, stop: i64) -> Result<()> {
    let db = ctx.db();
    let txn = ctx.txn();
    if let Some(list) = list_for_write(txn, db, key)? {
        list.write().trim(start, stop);
        changed(txn, db, key, list, Event::LTrim);
    }
    Ok(())
}

/// `LTRIM key start stop` → OK.
fn ltrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (start, stop) = (long(&argv[2])?, long(&argv[3])?);
    trim_op(ctx, &argv[1], start, stop)?;
    Ok(Reply::ok())
}

// ---------------------------------------------------------------------------------------
// Moves between lists
// ---------------------------------------------------------------------------------------

/// LMOVE/RPOPLPUSH inside an open txn over both keys: pops from `from` of `source` and
/// pushes at `to` of `destination`. `None` when the source is missing; WRONGTYPE (nothing
/// moved) when either key holds another type.
fn move_in(
    ctx: &Ctx<'_>,
    txn: &Txn<'_>,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let Some(src) = list_for_write(txn, db, source)? else {
        return Ok(None);
    };
    list_for_write(txn, db, destination)?;
    let Some(item) = src.write().pop(from) else {
        return Ok(None);
    };
    // Push before deleting an emptied source: with source == destination the element
    // goes back into the same list.
    push_into(ctx, txn, destination, to, std::slice::from_ref(&item));
    changed(txn, db, source, src, pop_event(from));
    Ok(Some(item))
}

/// LMOVE source destination from to: the moved element, `None` when the source is
/// missing. Both keys are locked together, so the move is atomic.
pub fn move_op(
    ctx: &Ctx<'_>,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
) -> Result<Option<Bytes>> {
    move_in(ctx, ctx.txn(), source, destination, from, to)
}

/// `RPOPLPUSH source destination` → bulk or null.
fn rpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let moved = move_op(ctx, &argv[1], &argv[2], End::Right, End::Left)?;
    Ok(Reply::bulk_or_null(moved))
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT` → bulk or null.
fn lmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (from, to) = (parse_end(&argv[3])?, parse_end(&argv[4])?);
    let moved = move_op(ctx, &argv[1], &argv[2], from, to)?;
    Ok(Reply::bulk_or_null(moved))
}

/// LMPOP inside an open txn: up to `count` elements from the first key that exists;
/// WRONGTYPE when a key before it holds another type.
fn mpop_in(
    ctx: &Ctx<'_>,
    txn: &Txn<'_>,
    keys: &[Bytes],
    end: End,
    count: usize,
) -> Result<Option<(Bytes, Vec<Bytes>)>> {
    let db = ctx.db();
    for key in keys {
        if let Some(list) = list_for_write(txn, db, key)? {
            let popped = list.write().pop_many(end, count);
            changed(txn, db, key, list, pop_event(end));
            return Ok(Some((key.clone(), popped)));
        }
    }
    Ok(None)
}

/// LMPOP: up to `count` elements from `end` of the first non-empty key of `keys`, with
/// that key; `None` when all are missing.
pub fn mpop_op(
    ctx: &Ctx<'_>,
    keys: &[Bytes],
    end: End,
    count: usize,
) -> Result<Option<(Bytes, Vec<Bytes>)>> {
    mpop_in(ctx, ctx.txn(), keys, end, count)
}

fn mpop_reply(popped: Option<(Bytes, Vec<Bytes>)>) -> Reply {
    match popped {
        Some((key, items)) => Reply::Array(vec![Reply::Bulk(key), Reply::bulks(items)]),
        None => Reply::NullArray,
    }
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]` → `[key, [elements]]` or a null
/// array.
fn lmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (keys, end, count) = args::mpop(argv, 1, end_word)?;
    Ok(mpop_reply(mpop_op(ctx, keys, end, count)?))
}

// ---------------------------------------------------------------------------------------
// Blocking commands
// ---------------------------------------------------------------------------------------

/// BLPOP/BRPOP without blocking: one element from `end` of the first non-empty key of
/// `keys`, with that key; `None` when all are missing.
pub fn pop_first(ctx: &Ctx<'_>, keys: &[Bytes], end: End) -> Result<Option<(Bytes, Bytes)>> {
    Ok(
        mpop_in(ctx, ctx.txn(), keys, end, 1)?.map(|(key, mut items)| {
            let item = items.pop().expect("an existing list has an element");
            (key, item)
        }),
    )
}

/// What a list waiter is served from: the ready key alone.
fn ready_key(key: &[u8]) -> [Bytes; 1] {
    [Bytes::copy_from_slice(key)]
}

fn bpop_reply(popped: Option<(Bytes, Bytes)>) -> Reply {
    match popped {
        Some((key, item)) => Reply::Array(vec![Reply::Bulk(key), Reply::Bulk(item)]),
        None => Reply::NullArray,
    }
}

fn bpop_handler(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> Result<Reply> {
    let timeout = parse_timeout(&argv[argv.len() - 1])?;
    let keys = &argv[1..argv.len() - 1];
    if let Some(popped) = pop_first(ctx, keys, end)? {
        return Ok(bpop_reply(Some(popped)));
    }
    let on = BlockOn::keys(keys, ValueType::List, timeout);
    let line = argv.to_vec();
    Ok(ctx.block(on, Reply::NullArray, move |ctx, key| {
        let reply = bpop_reply(pop_first(ctx, &ready_key(key), end)?);
        ctx.log_served(&line, &reply);
        Ok(reply)
    }))
}

/// `BLPOP key [key ...] timeout` → `[key, element]` or a null array.
fn blpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bpop_handler(ctx, argv, End::Left)
}

/// `BRPOP key [key ...] timeout` → `[key, element]` or a null array.
fn brpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bpop_handler(ctx, argv, End::Right)
}

/// BLMOVE/BRPOPLPUSH without blocking: whether the source has elements (then they moved
/// like LMOVE); a destination of another type is WRONGTYPE only when something would
/// move, so an empty source blocks even then, as in Redis (the error comes when the client
/// is served).
pub fn try_move(
    ctx: &Ctx<'_>,
    source: &[u8],
    destination: &[u8],
    from: End,
    to: End,
) -> Result<Option<Bytes>> {
    let txn = ctx.txn();
    if list_for_write(txn, ctx.db(), source)?.is_none() {
        return Ok(None);
    }
    move_in(ctx, txn, source, destination, from, to)
}

/// BLMOVE/BRPOPLPUSH: moves like LMOVE when the source has elements; otherwise blocks on
/// the source.
fn blocking_move(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    from: End,
    to: End,
    timeout: BlockTimeout,
) -> Result<Reply> {
    let (source, destination) = (&argv[1], &argv[2]);
    if let Some(moved) = try_move(ctx, source, destination, from, to)? {
        return Ok(Reply::Bulk(moved));
    }
    if !ctx.may_block() {
        // Inside EXEC Redis answers a null bulk here, not the timeout's null array.
        return Ok(Reply::Null);
    }
    let on = BlockOn::keys(std::slice::from_ref(source), ValueType::List, timeout)
        .also_locking(std::slice::from_ref(destination));
    let destination = destination.clone();
    let line = argv.to_vec();
    Ok(ctx.block(on, Reply::NullArray, move |ctx, key| {
        let moved = move_in(ctx, ctx.txn(), key, &destination, from, to)?;
        let reply = Reply::bulk_or_null(moved);
        ctx.log_served(&line, &reply);
        Ok(reply)
    }))
}

/// `BRPOPLPUSH source destination timeout` → the element or a null array.
fn brpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let timeout = parse_timeout(&argv[3])?;
    blocking_move(ctx, argv, End::Right, End::Left, timeout)
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout` → the element or a null
/// array.
fn blmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (from, to) = (parse_end(&argv[3])?, parse_end(&argv[4])?);
    let timeout = parse_timeout(&argv[5])?;
    blocking_move(ctx, argv, from, to, timeout)
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]` → as LMPOP, or a null
/// array at the timeout.
fn blmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (keys, end, count) = args::mpop(argv, 2, end_word)?;
    let timeout = parse_timeout(&argv[1])?;
    if let Some(popped) = mpop_op(ctx, keys, end, count)? {
        return Ok(mpop_reply(Some(popped)));
    }
    let on = BlockOn::keys(keys, ValueType::List, timeout);
    let line = argv.to_vec();
    Ok(ctx.block(on, Reply::NullArray, move |ctx, key| {
        let reply = mpop_reply(mpop_op(ctx, &ready_key(key), end, count)?);
        ctx.log_served(&line, &reply);
        Ok(reply)
    }))
}

#[cfg(test)]
mod tests {
    //! Expected replies and error texts were taken from redis-server 7.0.15.
    use super::*;
    use crate::commands::Session;
    use crate::commands::test_support::{Harness, served};
    use crate::exec::execute;
    use crate::state::{ClientKind, Clients};

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn bulks(items: &[&str]) -> Reply {
        Reply::Array(items.iter().map(|s| bulk(s)).collect())
    }

    fn int(n: i64) -> Reply {
        Reply::Integer(n)
    }

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    const NOT_INT: &str = "ERR value is not an integer or out of range";

    fn range(h: &mut Harness, key: &str) -> Reply {
        h.run(&["LRANGE", key, "0", "-1"])
    }

    /// Redis compares LEFT/RIGHT and COUNT with `strcasecmp`, so a word ends at a NUL byte.
    #[test]
    fn option_words_end_at_a_nul_byte() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "k", "a", "b", "c"]);
        assert_eq!(
            h.run(&["LMPOP", "1", "k", "LEFT\0zz", "COUNT\0yy", "2"]),
            Reply::Array(vec![bulk("k"), bulks(&["a", "b"])])
        );
        assert_eq!(h.run(&["LMOVE", "k", "k2", "LEFT\0x", "RIGHT"]), bulk("c"));
        assert_eq!(h.err(&["LMPOP", "1", "k2", "LEFTX"]), "ERR syntax error");
    }

    #[test]
    fn push_and_pop_both_ends() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["RPUSH", "l", "b", "c"]), int(2));
        assert_eq!(h.run(&["LPUSH", "l", "a", "z"]), int(4));
        assert_eq!(range(&mut h, "l"), bulks(&["z", "a", "b", "c"]));
        assert_eq!(h.run(&["LPOP", "l"]), bulk("z"));
        assert_eq!(h.run(&["RPOP", "l", "2"]), bulks(&["c", "b"]));
        assert_eq!(h.run(&["LPOP", "l", "0"]), bulks(&[]));
        assert_eq!(h.run(&["RPOP", "l", "5"]), bulks(&["a"]));
        assert_eq!(h.run(&["EXISTS", "l"]), int(0));
        assert_eq!(h.run(&["LPOP", "l"]), Reply::Null);
        assert_eq!(h.run(&["LPOP", "l", "0"]), Reply::NullArray);
        assert_eq!(h.run(&["RPOP", "l", "3"]), Reply::NullArray);
        assert_eq!(
            h.err(&["LPOP", "l", "-1"]),
            "ERR value is out of range, must be positive"
        );
        assert_eq!(
            h.err(&["LPOP", "l", "x"]),
            "ERR value is out of range, must be positive"
        );
        assert_eq!(
            h.err(&["LPOP", "l", "1", "2"]),
            "ERR wrong number of arguments for 'lpop' command"
        );
    }

    #[test]
    fn pushx_only_on_existing_lists() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["LPUSHX", "l", "a"]), int(0));
        assert_eq!(h.run(&["EXISTS", "l"]), int(0));
        h.run(&["RPUSH", "l", "m"]);
        assert_eq!(h.run(&["LPUSHX", "l", "a", "b"]), int(3));
        assert_eq!(h.run(&["RPUSHX", "l", "z"]), int(4));
        assert_eq!(range(&mut h, "l"), bulks(&["b", "a", "m", "z"]));
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "v"]);
        for cmd in [
            &["LPUSH", "s", "a"][..],
            &["RPUSHX", "s", "a"],
            &["LPOP", "s"],
            &["LPOP", "s", "0"],
            &["LLEN", "s"],
            &["LRANGE", "s", "0", "1"],
            &["LINDEX", "s", "x"],
            &["LSET", "s", "x", "v"],
            &["LINSERT", "s", "BEFORE", "a", "b"],
            &["LREM", "s", "0", "a"],
            &["LTRIM", "s", "0", "1"],
            &["LPOS", "s", "a"],
            &["LMPOP", "2", "nx", "s", "LEFT"],
            &["BLPOP", "nx", "s", "0"],
            &["BLMPOP", "0", "1", "s", "LEFT"],
        ] {
            assert_eq!(h.err(cmd), WRONGTYPE, "{cmd:?}");
        }
    }

    #[test]
    fn reads_and_index_errors() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "l", "a", "b", "c"]);
        assert_eq!(h.run(&["LLEN", "l"]), int(3));
        assert_eq!(h.run(&["LLEN", "nx"]), int(0));
        assert_eq!(h.run(&["LINDEX", "l", "-1"]), bulk("c"));
        assert_eq!(h.run(&["LINDEX", "l", "3"]), Reply::Null);
        assert_eq!(h.run(&["LINDEX", "nx", "x"]), Reply::Null);
        assert_eq!(h.err(&["LINDEX", "l", "x"]), NOT_INT);
        assert_eq!(h.run(&["LRANGE", "l", "-2", "100"]), bulks(&["b", "c"]));
        assert_eq!(h.run(&["LRANGE", "l", "2", "1"]), bulks(&[]));
        assert_eq!(h.err(&["LRANGE", "nx", "x", "1"]), NOT_INT);
        assert_eq!(h.run(&["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
    }

    #[test]
    fn lset_linsert_lrem_ltrim() {
        let mut h = Harness::new();
        assert_eq!(h.err(&["LSET", "nx", "x", "v"]), "ERR no such key");
        h.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
        assert_eq!(h.run(&["LSET", "l", "-1", "z"]), Reply::ok());
        assert_eq!(h.err(&["LSET", "l", "5", "z"]), "ERR index out of range");
        assert_eq!(h.err(&["LSET", "l", "x", "z"]), NOT_INT);
        assert_eq!(h.run(&["LINSERT", "l", "after", "a", "x"]), int(6));
        assert_eq!(h.run(&["LINSERT", "l", "BEFORE", "q", "x"]), int(-1));
        assert_eq!(h.run(&["LINSERT", "nx", "BEFORE", "q", "x"]), int(0));
        assert_eq!(
            h.err(&["LINSERT", "l", "middle", "a", "x"]),
            "ERR syntax error"
        );
        assert_eq!(range(&mut h, "l"), bulks(&["a", "x", "b", "a", "c", "z"]));
        assert_eq!(h.run(&["LREM", "l", "-1", "a"]), int(1));
        assert_eq!(h.run(&["LREM", "l", "0", "x"]), int(1));
        assert_eq!(h.err(&["LREM", "nx", "x", "a"]), NOT_INT);
        assert_eq!(range(&mut h, "l"), bulks(&["a", "b", "c", "z"]));
        assert_eq!(h.run(&["LTRIM", "l", "1", "-2"]), Reply::ok());
        assert_eq!(range(&mut h, "l"), bulks(&["b", "c"]));
        assert_eq!(h.run(&["LTRIM", "l", "5", "1"]), Reply::ok());
        assert_eq!(h.run(&["EXISTS", "l"]), int(0));
        assert_eq!(h.run(&["LTRIM", "nx", "0", "1"]), Reply::ok());
        h.run(&["RPUSH", "l", "a"]);
        assert_eq!(h.run(&["LREM", "l", "0", "a"]), int(1));
        assert_eq!(h.run(&["EXISTS", "l"]), int(0));
    }

    #[test]
    fn lpos_options_and_errors() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "l", "a", "b", "a", "c", "a"]);
        assert_eq!(h.run(&["LPOS", "l", "a"]), int(0));
        assert_eq!(h.run(&["LPOS", "l", "a", "RANK", "-1"]), int(4));
        assert_eq!(h.run(&["LPOS", "l", "a", "RANK", "2", "COUNT", "0"]), {
            Reply::Array(vec![int(2), int(4)])
        });
        assert_eq!(
            h.run(&["LPOS", "l", "a", "COUNT", "0", "MAXLEN", "3"]),
            Reply::Array(vec![int(0), int(2)])
        );
        assert_eq!(
            h.run(&["LPOS", "l", "a", "RANK", "-9223372036854775808"]),
            int(4)
        );
        assert_eq!(h.run(&["LPOS", "l", "q"]), Reply::Null);
        assert_eq!(h.run(&["LPOS", "nx", "q", "COUNT", "1"]), bulks(&[]));
        assert!(
            h.err(&["LPOS", "nx", "a", "RANK", "0"])
                .starts_with("ERR RANK can't be zero")
        );
        assert_eq!(
            h.err(&["LPOS", "l", "a", "COUNT", "x"]),
            "ERR COUNT can't be negative"
        );
        assert_eq!(
            h.err(&["LPOS", "l", "a", "MAXLEN", "-1"]),
            "ERR MAXLEN can't be negative"
        );
        assert_eq!(h.err(&["LPOS", "l", "a", "RANK", "x"]), NOT_INT);
        assert_eq!(h.err(&["LPOS", "l", "a", "RANK"]), "ERR syntax error");
    }

    #[test]
    fn moves_between_lists() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "src", "a", "b", "c"]);
        assert_eq!(h.run(&["RPOPLPUSH", "src", "dst"]), bulk("c"));
        assert_eq!(h.run(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), bulk("a"));
        assert_eq!(range(&mut h, "dst"), bulks(&["c", "a"]));
        // Rotation of a one-element list keeps the key.
        assert_eq!(h.run(&["LMOVE", "src", "src", "left", "right"]), bulk("b"));
        assert_eq!(range(&mut h, "src"), bulks(&["b"]));
        assert_eq!(h.run(&["RPOPLPUSH", "nx", "dst"]), Reply::Null);
        h.run(&["SET", "s", "v"]);
        assert_eq!(h.err(&["LMOVE", "src", "s", "LEFT", "LEFT"]), WRONGTYPE);
        assert_eq!(range(&mut h, "src"), bulks(&["b"]));
        assert_eq!(
            h.err(&["LMOVE", "src", "dst", "UP", "LEFT"]),
            "ERR syntax error"
        );
        assert_eq!(h.run(&["LMOVE", "src", "dst", "RIGHT", "LEFT"]), bulk("b"));
        assert_eq!(h.run(&["EXISTS", "src"]), int(0));
    }

    #[test]
    fn lmpop_parsing_and_replies() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "b", "1", "2", "3"]);
        assert_eq!(
            h.run(&["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "2"]),
            Reply::Array(vec![bulk("b"), bulks(&["3", "2"])])
        );
        assert_eq!(
            h.run(&["LMPOP", "1", "b", "left", "count", "9"]),
            Reply::Array(vec![bulk("b"), bulks(&["1"])])
        );
        assert_eq!(h.run(&["LMPOP", "1", "b", "LEFT"]), Reply::NullArray);
        let numkeys = "ERR numkeys should be greater than 0";
        assert_eq!(h.err(&["LMPOP", "0", "a", "LEFT"]), numkeys);
        assert_eq!(h.err(&["LMPOP", "x", "a", "LEFT"]), numkeys);
        assert_eq!(
            h.err(&["LMPOP", "99999999999999999999", "a", "LEFT"]),
            numkeys
        );
        assert_eq!(h.err(&["LMPOP", "5", "a", "LEFT"]), "ERR syntax error");
        assert_eq!(h.err(&["LMPOP", "1", "a", "MIDDLE"]), "ERR syntax error");
        let count = "ERR count should be greater than 0";
        assert_eq!(h.err(&["LMPOP", "1", "a", "LEFT", "COUNT", "0"]), count);
        assert_eq!(
            h.err(&["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "2"]),
            "ERR syntax error"
        );
    }

    #[test]
    fn blocking_commands_serve_at_once_when_they_can() {
        let mut h = Harness::new();
        h.run(&["RPUSH", "b", "1", "2", "3"]);
        assert_eq!(h.run(&["BLPOP", "a", "b", "0"]), bulks(&["b", "1"]));
        assert_eq!(h.run(&["BRPOP", "b", "0.5"]), bulks(&["b", "3"]));
        assert_eq!(h.run(&["BRPOPLPUSH", "b", "c", "0"]), bulk("2"));
        assert_eq!(h.run(&["BLMOVE", "c", "d", "LEFT", "LEFT", "1"]), bulk("2"));
        h.run(&["RPUSH", "b", "x", "y"]);
        assert_eq!(
            h.run(&["BLMPOP", "0", "1", "b", "RIGHT", "COUNT", "5"]),
            Reply::Array(vec![bulk("b"), bulks(&["y", "x"])])
        );
        assert!(h.session.blocked.is_none());
        assert_eq!(h.err(&["BLPOP", "b", "-1"]), "ERR timeout is negative");
        assert_eq!(
            h.err(&["BLPOP", "b", "x"]),
            "ERR timeout is not a float or out of range"
        );
        // Argument checks come before the timeout's, as in Redis.
        assert_eq!(
            h.err(&["BLMOVE", "b", "c", "UP", "LEFT", "x"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["BLMPOP", "x", "x", "b", "LEFT"]),
            "ERR numkeys should be greater than 0"
        );
    }

    /// A second client of the harness's server.
    fn other_session(h: &Harness) -> Session {
        Session::new(
            h.server
                .clients
                .register(ClientKind::Resp, String::new(), String::new()),
        )
    }

    fn run_as(h: &Harness, session: &mut Session, words: &[&str]) -> Reply {
        let argv: Vec<Bytes> = words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect();
        execute(&h.server, session, &argv)
    }

    #[test]
    fn blocked_clients_are_served_in_order_by_a_push() {
        let mut h = Harness::new();
        let mut first = other_session(&h);
        let mut second = other_session(&h);
        run_as(&h, &mut first, &["BLPOP", "k", "0"]);
        run_as(&h, &mut second, &["BRPOPLPUSH", "k", "dst", "0"]);
        assert!(first.blocked.is_some() && second.blocked.is_some());
        assert_eq!(h.server.blocking.blocked_clients(), 2);
        assert_eq!(h.server.blocking.blocking_keys(), 1);
        assert!(h.server.blocking.is_blocked(first.client.id));
        assert_eq!(h.run(&["RPUSH", "k", "a", "b", "c"]), int(3));
        assert_eq!(served(&mut first), Some(bulks(&["k", "a"])));
        assert_eq!(served(&mut second), Some(bulk("c")));
        assert_eq!(range(&mut h, "k"), bulks(&["b"]));
        assert_eq!(range(&mut h, "dst"), bulks(&["c"]));
        assert_eq!(h.server.blocking.blocked_clients(), 0);
        assert_eq!(h.server.blocking.blocking_keys(), 0);
    }

    #[test]
    fn a_served_move_readies_its_destination() {
        let mut h = Harness::new();
        let mut mover = other_session(&h);
        let mut popper = other_session(&h);
        run_as(
            &h,
            &mut popper,
            &["BLMPOP", "0", "1", "b", "LEFT", "COUNT", "3"],
        );
        run_as(&h, &mut mover, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"]);
        h.run(&["LPUSH", "a", "x"]);
        assert_eq!(served(&mut mover), Some(bulk("x")));
        assert_eq!(
            served(&mut popper),
            Some(Reply::Array(vec![bulk("b"), bulks(&["x"])]))
        );
        assert_eq!(h.run(&["EXISTS", "a", "b"]), int(0));
    }

    #[test]
    fn unblock_and_cancel_leave_no_waiter() {
        let mut h = Harness::new();
        let mut waiter = other_session(&h);
        run_as(&h, &mut waiter, &["BLPOP", "k", "0"]);
        let id = waiter.client.id.to_string();
        assert_eq!(h.run(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1));
        assert_eq!(
            served(&mut waiter),
            Some(Reply::Error(crate::blocking::UNBLOCKED_ERROR))
        );
        assert_eq!(h.run(&["CLIENT", "UNBLOCK", &id]), int(0));
        run_as(&h, &mut waiter, &["BRPOP", "k", "0"]);
        assert_eq!(h.run(&["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), int(1));
        assert_eq!(served(&mut waiter), Some(Reply::NullArray));
        assert_eq!(
            h.err(&["CLIENT", "UNBLOCK", &id, "MAYBE"]),
            "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
        );
        // A dropped wait (disconnect) leaves the element for later.
        run_as(&h, &mut waiter, &["BLPOP", "k", "0"]);
        drop(waiter.blocked.take());
        assert_eq!(h.server.blocking.blocked_clients(), 0);
        h.run(&["RPUSH", "k", "v"]);
        assert_eq!(range(&mut h, "k"), bulks(&["v"]));
    }

    #[test]
    fn timeout_gives_the_null_array() {
        let h = Harness::new();
        let mut waiter = Session::new(Clients::detached(ClientKind::Resp));
        run_as(
            &h,
            &mut waiter,
            &["BLMOVE", "k", "d", "LEFT", "LEFT", "0.01"],
        );
        assert_eq!(served(&mut waiter), Some(Reply::NullArray));
        assert_eq!(h.server.blocking.blocked_clients(), 0);
    }
}
