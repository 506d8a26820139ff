//! The string family: plain values, counters, ranges and LCS, as Redis 7.0 answers them.
//!
//! Every command here works on `Value::String` keys; any other type answers
//! `WRONGTYPE Operation against a key holding the wrong kind of value` (MGET answers null for
//! it instead, LCS `ERR The specified keys must contain string values`). Each command runs
//! in the txn the execution path opened over its keys, and records its changes with
//! Redis's event names (`set`, `expire`, `incrby`, `incrbyfloat`, `append`, `setrange`,
//! `del`, `persist`).
//!
//! Values written whole (SET, MSET, INCR, ...) are stored with [`StringValue::new`] so they
//! report `int`/`embstr`/`raw` like Redis's `tryObjectEncoding`; APPEND and SETRANGE modify
//! in place, as in Redis: through `Txn::edit_string`, which turns the string into a
//! [`StringValue::modified`] one (`raw`) once and then grows its buffer where it is, so a
//! long string is never copied per call; INCRBYFLOAT's result skips the integer encoding
//! in Redis and is stored with [`StringValue::plain`]. The bit commands that write strings
//! are in `bitmaps`.
//!
//! The commands the typed gRPC RPCs share (GET, SET and its variants, GETDEL, GETEX, MGET,
//! MSET, MSETNX, INCR*/DECR*, INCRBYFLOAT, APPEND, STRLEN, GETRANGE, SETRANGE) are split in
//! two: a typed operation (`get_op`, `set_op`, ...) that takes keys as bytes and typed
//! options ([`SetArgs`], [`GetExChange`], [`FloatIncrement`], ...), runs in the open txn
//! and holds all the semantics and error texts; and the RESP handler, which parses argv in
//! Redis's order and turns the result into a [`Reply`]. `crate::grpc::strings` calls the
//! same operations.
//!
//! # Commands
//! - `GET key` — bulk string, or null when the key is missing.
//! - `SET key value [NX | XX] [GET] [EX s | PX ms | EXAT unix-s | PXAT unix-ms | KEEPTTL]` —
//!   `OK`; null when NX/XX stopped it; with GET, the old value (bulk or null) instead, and
//!   WRONGTYPE (nothing set) when the old value is not a string. An option given against
//!   the rules (NX with XX, two expiry kinds, KEEPTTL with an expiry, a missing expiry
//!   argument) is `ERR syntax error`; an expiry <= 0, or one overflowing once converted to
//!   absolute milliseconds, is `ERR invalid expire time in 'set' command`. An absolute
//!   expiry in the past still answers `OK`, and the key is then gone.
//! - `SETNX key value` — integer 1 when set, 0 when the key existed.
//! - `SETEX key seconds value` / `PSETEX key milliseconds value` — `OK`;
//!   `ERR invalid expire time in 'setex'|'psetex' command`.
//! - `GETSET key value` — the old value (bulk or null); sets the new one without TTL.
//! - `GETDEL key` — the value (bulk or null); deletes the key.
//! - `GETEX key [EX s | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST]` — the value (bulk
//!   or null), then changes the TTL; an absolute time in the past deletes the key;
//!   `ERR invalid expire time in 'getex' command`.
//! - `MGET key [key ...]` — array of bulk strings, null for missing or non-string keys.
//! - `MSET key value [key value ...]` — `OK`.
//! - `MSETNX key value [key value ...]` — integer 1 when all were set, 0 (nothing set)
//!   when any key existed.
//! - `INCR key`, `DECR key`, `INCRBY key n`, `DECRBY key n` — the new value as an integer;
//!   a missing key counts as 0; the TTL is kept. `ERR value is not an integer or out of
//!   range` for a non-integer value or argument, `ERR increment or decrement would
//!   overflow`, and for `DECRBY key -9223372036854775808`, `ERR decrement would overflow`.
//! - `INCRBYFLOAT key increment` — the new value as a bulk string (long-double arithmetic);
//!   TTL kept; `ERR value is not a valid float`, `ERR increment would produce NaN or
//!   Infinity`.
//! - `APPEND key value` — the new length as an integer; TTL kept.
//! - `STRLEN key` — the length as an integer, 0 for a missing key.
//! - `GETRANGE key start end` / `SUBSTR key start end` — bulk string (inclusive, negative
//!   indexes count from the end); empty for a missing key.
//! - `SETRANGE key offset value` — the new length as an integer; zero-pads; TTL kept.
//!   `ERR offset is out of range` for a negative offset; an empty value on a missing key
//!   answers 0 and creates nothing.
//! - `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]` — the longest common
//!   subsequence as a bulk string; with LEN its length as an integer; with IDX a map
//!   `{"matches": [[[a_start, a_end], [b_start, b_end], (len)], ...], "len": n}` (a flat
//!   4-element array in RESP2), matches from the end of the strings backwards. Missing
//!   keys count as empty strings.
//!
//! APPEND and SETRANGE refuse results larger than `proto-max-bulk-len`
//! (`ERR string exceeds maximum allowed size (proto-max-bulk-len)`), like Redis's
//! `checkStringLength`; LCS refuses a DP table larger than it.

use bytes::Bytes;

use super::args::{self, opt};
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::store::numeric::{FloatIncrError, incr_by_float};
use crate::store::{
    Entry, Event, StringValue, Value, grow_string_zeroed, reserve_string, zeroed_string,
};

pub static COMMANDS: &[Command] = &[
    Command::new("get", get),
    Command::new("set", set),
    Command::new("setnx", setnx),
    Command::new("setex", setex),
    Command::new("psetex", psetex),
    Command::new("getset", getset),
    Command::new("getdel", getdel),
    Command::new("getex", getex),
    Command::new("mget", mget),
    Command::new("mset", mset),
    Command::new("msetnx", msetnx),
    Command::new("incr", incr),
    Command::new("decr", decr),
    Command::new("incrby", incrby),
    Command::new("decrby", decrby),
    Command::new("incrbyfloat", incrbyfloat),
    Command::new("append", append),
    Command::new("strlen", strlen),
    Command::new("getrange", getrange),
    Command::new("substr", getrange),
    Command::new("setrange", setrange),
    Command::new("lcs", lcs),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The bytes of a string value, or WRONGTYPE.
pub(super) fn string_of(entry: &Entry) -> Result<&StringValue> {
    match entry.value() {
        Value::String(s) => Ok(s),
        _ => Err(Error::WrongType),
    }
}

/// The string at a looked-up key (`None` when missing), or WRONGTYPE.
fn string_at(entry: Option<&Entry>) -> Result<Option<Bytes>> {
    entry
        .map(|e| string_of(e).map(StringValue::to_bytes))
        .transpose()
}

/// A value written whole from an argument (copied: argv slices pin the read buffer).
fn whole(arg: &[u8]) -> Value {
    Value::String(StringValue::from_slice(arg))
}

/// Redis's `checkStringLength`: a string may not grow past `proto-max-bulk-len`.
pub(super) fn check_string_length(size: u64, append: u64, limit: u64) -> Result<()> {
    match size.checked_add(append) {
        Some(total) if total <= limit => Ok(()),
        _ => Err(Error::err(
            "string exceeds maximum allowed size (proto-max-bulk-len)",
        )),
    }
}

pub(super) fn proto_max_bulk_len(ctx: &Ctx<'_>) -> u64 {
    ctx.server.config.read().proto_max_bulk_len
}

/// A string the allocator refused to grow: Redis would abort; this answers instead.
pub(super) fn out_of_memory() -> Error {
    Error::full("OOM command not allowed when used memory > 'maxmemory'.")
}

// ---------------------------------------------------------------------------------------
// Typed arguments and results of the operations
// ---------------------------------------------------------------------------------------

/// The expiry kinds of SET / GETEX / SETEX / PSETEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireKind {
    /// EX: seconds from now.
    Ex,
    /// PX: milliseconds from now.
    Px,
    /// EXAT: Unix time in seconds.
    ExAt,
    /// PXAT: Unix time in milliseconds.
    PxAt,
}

impl ExpireKind {
    fn in_seconds(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::ExAt)
    }

    fn relative(self) -> bool {
        matches!(self, ExpireKind::Ex | ExpireKind::Px)
    }
}

/// An expiry as the client gave it. The operations check it like Redis (positive, no
/// overflow once made absolute), so the error names the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub kind: ExpireKind,
    pub time: i64,
}

/// When SET writes: always, NX (only a new key) or XX (only an existing key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetCondition {
    #[default]
    Always,
    IfAbsent,
    IfPresent,
}

/// What SET does to the key's TTL: clear it, keep it (KEEPTTL) or set a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetTtl {
    #[default]
    Clear,
    Keep,
    Expire(Expiry),
}

/// The options of SET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetArgs {
    pub condition: SetCondition,
    pub ttl: SetTtl,
    /// GET: answer the previous value (WRONGTYPE, nothing set, when it is not a string).
    pub return_old: bool,
}

/// What SET did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// Whether the value was written (false when the condition stopped it).
    pub applied: bool,
    /// With `return_old`: the previous value; always `None` without it.
    pub old: Option<Bytes>,
}

/// What GETEX does to the TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetExChange {
    Keep,
    /// PERSIST: remove it.
    Persist,
    Expire(Expiry),
}

/// An INCRBYFLOAT increment: the client's text (RESP), or a number (gRPC).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatIncrement<'a> {
    Text(&'a [u8]),
    Number(f64),
}

// ---------------------------------------------------------------------------------------
// SET and its options (shared with GETEX)
// ---------------------------------------------------------------------------------------

/// Options of SET (and GETEX, which accepts only the expiry kinds and PERSIST), as parsed
/// from argv: the expiry's time is still the argument.
#[derive(Debug, Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, &'a Bytes)>,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: options from `argv[start..]`, each
/// accepted only when it does not conflict with one seen before. The same expiry kind may
/// repeat (the last value wins); its value is only parsed later, after every option.
fn parse_set_options(argv: &[Bytes], start: usize, for_set: bool) -> Result<SetOptions<'_>> {
    let mut o = SetOptions::default();
    let mut j = start;
    while j < argv.len() {
        let arg = &argv[j];
        let next = argv.get(j + 1);
        let expiry_allowed = |kind: ExpireKind, o: &SetOptions<'_>| {
            !o.keepttl && !o.persist && o.expire.is_none_or(|(k, _)| k == kind)
        };
        if for_set && opt(arg, "NX") && !o.xx {
            o.nx = true;
        } else if for_set && opt(arg, "XX") && !o.nx {
            o.xx = true;
        } else if for_set && opt(arg, "GET") {
            o.get = true;
        } else if for_set && opt(arg, "KEEPTTL") && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if !for_set && opt(arg, "PERSIST") && o.expire.is_none() && !o.keepttl {
            o.persist = true;
        } else if let Some(next) = next
            && let Some(kind) = [
                ("EX", ExpireKind::Ex),
                ("PX", ExpireKind::Px),
                ("EXAT", ExpireKind::ExAt),
                ("PXAT", ExpireKind::PxAt),
            ]
            .into_iter()
            .find_map(|(w, k)| opt(arg, w).then_some(k))
            && expiry_allowed(kind, &o)
        {
            o.expire = Some((kind, next));
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// `ERR invalid expire time in '<cmd>' command`.
fn invalid_expire(cmd: &str) -> Error {
    Error::err(format!("invalid expire time in '{cmd}' command"))
}

/// Redis's `getExpireMillisecondsOrReply` (after the integer parse): the absolute expiry in
/// Unix milliseconds. Times <= 0, seconds that overflow when converted to ms, and relative
/// times that overflow when added to the command's clock are all invalid.
fn expire_at_ms(e: Expiry, now_ms: u64, cmd: &str) -> Result<u64> {
    let mut ms = e.time;
    if ms <= 0 || (e.kind.in_seconds() && ms > i64::MAX / 1000) {
        return Err(invalid_expire(cmd));
    }
    if e.kind.in_seconds() {
        ms *= 1000;
    }
    if e.kind.relative() {
        ms = ms
            .checked_add(now_ms as i64)
            .ok_or_else(|| invalid_expire(cmd))?;
    }
    Ok(ms as u64)
}

/// Redis's `setGenericCommand`, for SET and its variants (`cmd` names the command in the
/// expiry error): validates the expiry, reads the old value for `return_old` (WRONGTYPE
/// when it is not a string), applies the condition, then stores `value`. The TTL is
/// replaced by the expiry, kept with [`SetTtl::Keep`], and cleared otherwise.
pub fn set_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    value: &[u8],
    args: &SetArgs,
    cmd: &str,
) -> Result<SetOutcome> {
    let db = ctx.db();
    let txn = ctx.txn();
    let expires_at = match args.ttl {
        SetTtl::Expire(e) => Some(expire_at_ms(e, txn.now_ms(), cmd)?),
        SetTtl::Keep | SetTtl::Clear => None,
    };
    // GET reads like GET (counting a hit or miss); NX, XX and KEEPTTL need the current
    // entry; a plain SET replaces whatever is there without looking first (the insert
    // itself accounts for a replaced entry, expired or not).
    let needs_existing = args.return_old
        || args.condition != SetCondition::Always
        || matches!(args.ttl, SetTtl::Keep);
    // Under an LFU policy the lookup counts: Redis's SET always looks the key up for
    // writing, one more access on the counter the new value keeps.
    let existing = if args.return_old {
        let read = txn.get(db, key);
        // Redis reads the old value (lookupKeyRead), then looks the key up for writing.
        if txn.tracks_lfu() {
            txn.get_for_write(db, key)
        } else {
            read
        }
    } else if needs_existing || txn.tracks_lfu() {
        txn.get_for_write(db, key)
    } else {
        None
    };
    let old = if args.return_old {
        string_at(existing)?
    } else {
        None
    };
    let found = existing.is_some();
    let blocked = match args.condition {
        SetCondition::Always => false,
        SetCondition::IfAbsent => found,
        SetCondition::IfPresent => !found,
    };
    if blocked {
        return Ok(SetOutcome {
            applied: false,
            old,
        });
    }
    let expiry = match args.ttl {
        SetTtl::Expire(_) => expires_at,
        SetTtl::Keep => existing.and_then(Entry::expires_at),
        SetTtl::Clear => None,
    };
    txn.set(db, key, whole(value), expiry, Event::Set);
    if matches!(args.ttl, SetTtl::Expire(_)) {
        txn.note(db, key, Event::Expire);
    }
    Ok(SetOutcome { applied: true, old })
}

/// The expiry of a SET-like command, its time parsed from the argument.
fn parsed_expiry(kind: ExpireKind, arg: &[u8]) -> Result<Expiry> {
    Ok(Expiry {
        kind,
        time: args::int(arg)?,
    })
}

/// `SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT t|KEEPTTL]`
fn set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let o = parse_set_options(argv, 3, true)?;
    let args = SetArgs {
        condition: if o.nx {
            SetCondition::IfAbsent
        } else if o.xx {
            SetCondition::IfPresent
        } else {
            SetCondition::Always
        },
        ttl: match o.expire {
            Some((kind, arg)) => SetTtl::Expire(parsed_expiry(kind, arg)?),
            None if o.keepttl => SetTtl::Keep,
            None => SetTtl::Clear,
        },
        return_old: o.get,
    };
    let outcome = set_op(ctx, &argv[1], &argv[2], &args, "set")?;
    Ok(if args.return_old {
        Reply::bulk_or_null(outcome.old)
    } else if outcome.applied {
        Reply::ok()
    } else {
        Reply::Null
    })
}

/// `SETNX key value` → 1 when set, 0 when the key existed.
fn setnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let args = SetArgs {
        condition: SetCondition::IfAbsent,
        ..SetArgs::default()
    };
    let outcome = set_op(ctx, &argv[1], &argv[2], &args, "setnx")?;
    Ok(Reply::Integer(outcome.applied.into()))
}

/// `SETEX key seconds value` / `PSETEX key milliseconds value` → OK.
fn set_with_expiry(ctx: &Ctx<'_>, argv: &[Bytes], kind: ExpireKind, cmd: &str) -> Result<Reply> {
    let args = SetArgs {
        ttl: SetTtl::Expire(parsed_expiry(kind, &argv[2])?),
        ..SetArgs::default()
    };
    set_op(ctx, &argv[1], &argv[3], &args, cmd)?;
    Ok(Reply::ok())
}

/// `SETEX key seconds value` → OK.
fn setex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    set_with_expiry(ctx, argv, ExpireKind::Ex, "setex")
}

/// `PSETEX key milliseconds value` → OK.
fn psetex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    set_with_expiry(ctx, argv, ExpireKind::Px, "psetex")
}

/// `GETSET key value` → the old value; the new one is stored without TTL (Redis's
/// `getsetCommand` is SET with GET).
fn getset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let args = SetArgs {
        return_old: true,
        ..SetArgs::default()
    };
    let outcome = set_op(ctx, &argv[1], &argv[2], &args, "getset")?;
    Ok(Reply::bulk_or_null(outcome.old))
}

// ---------------------------------------------------------------------------------------
// Reads and read-modify commands
// ---------------------------------------------------------------------------------------

/// GET: the string at `key`, `None` when missing; WRONGTYPE for another type.
pub fn get_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Option<Bytes>> {
    let db = ctx.db();
    string_at(ctx.txn().get(db, key))
}

/// `GET key` → bulk or null.
fn get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::bulk_or_null(get_op(ctx, &argv[1])?))
}

/// GETDEL: the string at `key` (`None` when missing), and the key is deleted.
pub fn getdel_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let txn = ctx.txn();
    let old = string_at(txn.get(db, key))?;
    if old.is_some() {
        txn.remove(db, key, Event::Del);
    }
    Ok(old)
}

/// `GETDEL key` → the value (bulk or null); the key is deleted.
fn getdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::bulk_or_null(getdel_op(ctx, &argv[1])?))
}

/// GETEX: the string at `key` (`None` when missing, whatever the expiry), then the TTL
/// change. The expiry is checked only once a string was found, as in Redis; an absolute
/// time already past deletes the key.
pub fn getex_op(ctx: &Ctx<'_>, key: &[u8], change: GetExChange) -> Result<Option<Bytes>> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(value) = string_at(txn.get(db, key))? else {
        return Ok(None);
    };
    match change {
        GetExChange::Expire(e) => {
            let at = expire_at_ms(e, txn.now_ms(), "getex")?;
            if !e.kind.relative() && at <= txn.now_ms() {
                // A DEL, not an expiry.
                txn.remove(db, key, Event::Del);
            } else {
                txn.set_expiry(db, key, Some(at), Event::Expire);
            }
        }
        GetExChange::Persist => {
            // Only a key that had a TTL changes.
            if txn.peek(db, key).is_some_and(|e| e.expires_at().is_some()) {
                txn.set_expiry(db, key, None, Event::Persist);
            }
        }
        GetExChange::Keep => {}
    }
    Ok(Some(value))
}

/// `GETEX key [EX|PX|EXAT|PXAT t|PERSIST]` → the value (bulk or null), then the TTL change.
fn getex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let o = parse_set_options(argv, 2, false)?;
    let key = &argv[1][..];
    let change = match o.expire {
        Some((kind, arg)) => match parsed_expiry(kind, arg) {
            Ok(e) => GetExChange::Expire(e),
            // Redis parses the time only after finding a string: a missing key answers
            // null and another type WRONGTYPE before the integer error.
            Err(e) => {
                return match get_op(ctx, key)? {
                    Some(_) => Err(e),
                    None => Ok(Reply::Null),
                };
            }
        },
        None if o.persist => GetExChange::Persist,
        None => GetExChange::Keep,
    };
    Ok(Reply::bulk_or_null(getex_op(ctx, key, change)?))
}

/// MGET: one value per key, `None` for missing and non-string keys.
pub fn mget_op(ctx: &Ctx<'_>, keys: &[Bytes]) -> Vec<Option<Bytes>> {
    let db = ctx.db();
    let txn = ctx.txn();
    keys.iter()
        .map(|k| match txn.get(db, k).map(|e| e.value()) {
            Some(Value::String(s)) => Some(s.to_bytes()),
            _ => None,
        })
        .collect()
}

/// `MGET key [key ...]` → array; null for missing and non-string keys.
fn mget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let values = mget_op(ctx, &argv[1..]);
    Ok(Reply::Array(
        values.into_iter().map(Reply::bulk_or_null).collect(),
    ))
}

/// The key/value pairs of MSET/MSETNX (an odd count of them is an arity error).
fn pairs(argv: &[Bytes]) -> Result<impl Iterator<Item = (&[u8], &[u8])> + Clone> {
    if argv.len().is_multiple_of(2) {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        return Err(Error::WrongArity(name));
    }
    Ok(argv[1..].chunks_exact(2).map(|p| (&p[0][..], &p[1][..])))
}

/// MSET: stores every pair (the last of a repeated key wins), clearing their TTLs.
pub fn mset_op<'a, I>(ctx: &Ctx<'_>, pairs: I)
where
    I: Iterator<Item = (&'a [u8], &'a [u8])> + Clone,
{
    let db = ctx.db();
    let txn = ctx.txn();
    for (key, value) in pairs {
        txn.set_key(db, key, whole(value), Event::Set);
    }
}

/// `MSET key value [key value ...]` → OK.
fn mset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    mset_op(ctx, pairs(argv)?);
    Ok(Reply::ok())
}

/// MSETNX: stores every pair only when none of the keys exists; whether it did.
pub fn msetnx_op<'a, I>(ctx: &Ctx<'_>, pairs: I) -> bool
where
    I: Iterator<Item = (&'a [u8], &'a [u8])> + Clone,
{
    let db = ctx.db();
    let txn = ctx.txn();
    if pairs
        .clone()
        .any(|(key, _)| txn.get_for_write(db, key).is_some())
    {
        return false;
    }
    for (key, value) in pairs {
        txn.set(db, key, whole(value), None, Event::Set);
    }
    true
}

/// `MSETNX key value [key value ...]` → 1 when all were set, 0 when any key existed.
fn msetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let applied = msetnx_op(ctx, pairs(argv)?);
    Ok(Reply::Integer(applied.into()))
}

/// Redis's `incrDecrCommand`: adds `by` to the integer at `key` (0 when missing), keeping
/// the TTL; the new value.
pub fn incr_by_op(ctx: &Ctx<'_>, key: &[u8], by: i64) -> Result<i64> {
    let db = ctx.db();
    let txn = ctx.txn();
    let (current, expiry) = match txn.get_for_write(db, key) {
        Some(e) => (args::int(&string_of(e)?.as_bytes())?, e.expires_at()),
        None => (0, None),
    };
    let value = current.checked_add(by).ok_or(Error::Overflow)?;
    let mut text = itoa::Buffer::new();
    let text = text.format(value).as_bytes();
    txn.set(
        db,
        key,
        Value::String(StringValue::from_slice(text)),
        expiry,
        Event::IncrBy,
    );
    Ok(value)
}

/// `INCR key` → the new value.
fn incr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(incr_by_op(ctx, &argv[1], 1)?))
}

/// `DECR key` → the new value.
fn decr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(incr_by_op(ctx, &argv[1], -1)?))
}

/// `INCRBY key increment` → the new value.
fn incrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let by = args::int(&argv[2])?;
    Ok(Reply::Integer(incr_by_op(ctx, &argv[1], by)?))
}

/// `DECRBY key decrement` → the new value. The minimum i64 cannot be negated, which
/// Redis reports before even looking at the key.
fn decrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let by = args::int(&argv[2])?;
    if by == i64::MIN {
        return Err(Error::err("decrement would overflow"));
    }
    Ok(Reply::Integer(incr_by_op(ctx, &argv[1], -by)?))
}

/// INCRBYFLOAT: adds `increment` to the number at `key` (0 when missing) in long-double
/// arithmetic, keeping the TTL; the new value as stored. A numeric increment is given to
/// the long-double parser as its shortest round-trip text (so `0.1` adds what the text
/// "0.1" adds); a non-finite one as `inf`, whose sum is NaN or infinite whatever the
/// stored number, so the error comes where Redis's would (after WRONGTYPE and the stored
/// value's check).
pub fn incr_by_float_op(ctx: &Ctx<'_>, key: &[u8], increment: FloatIncrement<'_>) -> Result<Bytes> {
    let text;
    let increment: &[u8] = match increment {
        FloatIncrement::Text(t) => t,
        FloatIncrement::Number(v) if v.is_finite() => {
            text = v.to_string();
            text.as_bytes()
        }
        FloatIncrement::Number(_) => b"inf",
    };
    let db = ctx.db();
    let txn = ctx.txn();
    let entry = txn.get_for_write(db, key);
    let current = string_at(entry)?;
    let expiry = entry.and_then(Entry::expires_at);
    let sum = incr_by_float(current.as_deref(), increment).map_err(|e| match e {
        FloatIncrError::ValueNotFloat | FloatIncrError::IncrementNotFloat => Error::NotFloat,
        FloatIncrError::NanOrInfinity => Error::err("increment would produce NaN or Infinity"),
    })?;
    let sum = Bytes::from(sum);
    // Redis stores the formatted result as is, never int-encoded (`OBJECT ENCODING` embstr).
    txn.set(
        db,
        key,
        Value::String(StringValue::plain(sum.clone())),
        expiry,
        Event::IncrByFloat,
    );
    Ok(sum)
}

/// `INCRBYFLOAT key increment` → the new value as a bulk string; TTL kept.
fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let sum = incr_by_float_op(ctx, &argv[1], FloatIncrement::Text(&argv[2]))?;
    Ok(Reply::Bulk(sum))
}

/// APPEND: appends `suffix` to the string at `key` (created when missing), keeping the
/// TTL; the new length. The string grows in place (amortized O(1) per append).
pub fn append_op(ctx: &Ctx<'_>, key: &[u8], suffix: &[u8]) -> Result<usize> {
    let limit = proto_max_bulk_len(ctx);
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(entry) = txn.get_for_write(db, key) else {
        // A new key holds the argument itself, encoded like SET would.
        txn.set(db, key, whole(suffix), None, Event::Append);
        return Ok(suffix.len());
    };
    let old_len = string_of(entry)?.len();
    check_string_length(old_len as u64, suffix.len() as u64, limit)?;
    let len = txn
        .edit_string(db, key, |buf| {
            reserve_string(buf, old_len + suffix.len()).map_err(|_| out_of_memory())?;
            buf.extend_from_slice(suffix);
            Ok(buf.len())
        })
        .ok_or(Error::WrongType)??;
    txn.modified(db, key, Event::Append);
    Ok(len)
}

/// `APPEND key value` → the new length; TTL kept.
fn append(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(append_op(ctx, &argv[1], &argv[2])?))
}

/// STRLEN: the length of the string at `key`, 0 when missing.
pub fn strlen_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<usize> {
    let db = ctx.db();
    Ok(match ctx.txn().get(db, key) {
        Some(e) => string_of(e)?.len(),
        None => 0,
    })
}

/// `STRLEN key` → the length, 0 when missing.
fn strlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(strlen_op(ctx, &argv[1])?))
}

/// The inclusive byte range GETRANGE answers for `start..=end` of a `len`-byte string,
/// or `None` for the empty string (Redis's index clamping, in its order).
fn clamp_range(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    if start < 0 {
        start = start.wrapping_add(len);
    }
    if end < 0 {
        end = end.wrapping_add(len);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// GETRANGE: bytes `start..=end` of the string at `key` (negative indexes count from the
/// end); empty when the range is or the key is missing.
pub fn getrange_op(ctx: &Ctx<'_>, key: &[u8], start: i64, end: i64) -> Result<Bytes> {
    let db = ctx.db();
    let Some(entry) = ctx.txn().get(db, key) else {
        return Ok(Bytes::new());
    };
    let s = string_of(entry)?;
    // A string changed in place is borrowed, so only the range is copied.
    let bytes = s.as_bytes();
    Ok(match clamp_range(start, end, bytes.len()) {
        Some((from, to)) if s.is_growable() => Bytes::copy_from_slice(&bytes[from..=to]),
        Some((from, to)) => s.to_bytes().slice(from..=to),
        None => Bytes::new(),
    })
}

/// `GETRANGE key start end` (and `SUBSTR`) → bulk string, empty when missing.
fn getrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let start = args::int(&argv[2])?;
    let end = args::int(&argv[3])?;
    Ok(Reply::Bulk(getrange_op(ctx, &argv[1], start, end)?))
}

/// SETRANGE: writes `patch` at `offset` of the string at `key`, zero-padding, keeping the
/// TTL; the new length. A negative offset is refused before the key is looked at; an
/// empty patch changes (and creates) nothing.
pub fn setrange_op(ctx: &Ctx<'_>, key: &[u8], offset: i64, patch: &[u8]) -> Result<usize> {
    if offset < 0 {
        return Err(Error::err("offset is out of range"));
    }
    let offset = offset as u64;
    let limit = proto_max_bulk_len(ctx);
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(entry) = txn.get_for_write(db, key) else {
        if patch.is_empty() {
            return Ok(0);
        }
        check_string_length(offset, patch.len() as u64, limit)?;
        let offset = offset as usize;
        let mut bytes = zeroed_string(offset + patch.len()).ok_or_else(out_of_memory)?;
        bytes[offset..].copy_from_slice(patch);
        let len = bytes.len();
        let value = Value::String(StringValue::modified(bytes));
        txn.set(db, key, value, None, Event::SetRange);
        return Ok(len);
    };
    let old_len = string_of(entry)?.len();
    if patch.is_empty() {
        return Ok(old_len);
    }
    check_string_length(offset, patch.len() as u64, limit)?;
    let offset = offset as usize;
    let len = txn
        .edit_string(db, key, |buf| {
            let end = offset + patch.len();
            grow_string_zeroed(buf, end).map_err(|_| out_of_memory())?;
            buf[offset..end].copy_from_slice(patch);
            Ok(buf.len())
        })
        .ok_or(Error::WrongType)??;
    txn.modified(db, key, Event::SetRange);
    Ok(len)
}

/// `SETRANGE key offset value` → the new length; zero-pads; TTL kept.
fn setrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let offset = args::int(&argv[2])?;
    Ok(Reply::integer(setrange_op(
        ctx, &argv[1], offset, &argv[3],
    )?))
}

// ---------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------

/// An LCS operand: a missing key is the empty string; any other type is refused (after
/// both keys were looked up, as in Redis).
fn lcs_operand(entry: Option<&Entry>) -> Result<Bytes> {
    match entry.map(|e| e.value()) {
        None => Ok(Bytes::new()),
        Some(Value::String(s)) => Ok(s.to_bytes()),
        Some(_) => Err(Error::err("The specified keys must contain string values")),
    }
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]`.
fn lcs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let (a, b) = {
        let txn = ctx.txn();
        let ea = txn.get(db, &argv[1]);
        let eb = txn.get(db, &argv[2]);
        (lcs_operand(ea), lcs_operand(eb))
    };
    let (a, b) = (a?, b?);

    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let arg = &argv[j];
        let more = argv.len() - 1 - j;
        if opt(arg, "IDX") {
            get_idx = true;
        } else if opt(arg, "LEN") {
            get_len = true;
        } else if opt(arg, "WITHMATCHLEN") {
            with_match_len = true;
        } else if opt(arg, "MINMATCHLEN") && more > 0 {
            min_match_len = args::int(&argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    if get_idx && get_len {
        return Err(Error::err(
            "If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return Err(Error::err("String too long for LCS"));
    }

    // Redis allocates the full (alen+1) x (blen+1) table of u32 and refuses one larger
    // than proto-max-bulk-len; the same limit applies here whatever is computed.
    let failed = || Error::err("Insufficient memory, failed allocating transient memory for LCS");
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    let table_bytes = cells.checked_mul(4).ok_or_else(failed)?;
    if table_bytes > proto_max_bulk_len(ctx) {
        return Err(Error::err(
            "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        ));
    }

    if get_len && !get_idx {
        return Ok(Reply::integer(lcs_len(&a, &b)));
    }
    let table = LcsTable::build(&a, &b).ok_or_else(failed)?;
    let (result, matches) = table.backtrack(&a, &b, min_match_len as u64, with_match_len);
    if get_idx {
        Ok(Reply::Map(vec![
            (Reply::bulk_static("matches"), Reply::Array(matches)),
            (Reply::bulk_static("len"), Reply::integer(table.len())),
        ]))
    } else {
        Ok(Reply::Bulk(Bytes::from(result)))
    }
}

/// The LCS length alone, with two rolling rows instead of the whole table.
fn lcs_len(a: &[u8], b: &[u8]) -> u32 {
    let mut prev = vec![0u32; b.len() + 1];
    let mut cur = vec![0u32; b.len() + 1];
    for &ca in a {
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The dynamic-programming table: `at(i, j)` is the LCS length of `a[..i]` and `b[..j]`.
struct LcsTable {
    cells: Vec<u32>,
    width: usize,
    alen: usize,
    blen: usize,
}

impl LcsTable {
    fn build(a: &[u8], b: &[u8]) -> Option<LcsTable> {
        let width = b.len() + 1;
        let count = (a.len() + 1).checked_mul(width)?;
        let mut cells = Vec::new();
        cells.try_reserve_exact(count).ok()?;
        cells.resize(count, 0u32);
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * width + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * width + j - 1] + 1
                } else {
                    cells[(i - 1) * width + j].max(cells[i * width + j - 1])
                };
            }
        }
        Some(LcsTable {
            cells,
            width,
            alen: a.len(),
            blen: b.len(),
        })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    fn len(&self) -> u32 {
        self.at(self.alen, self.blen)
    }

    /// Walks back from the end like Redis: the LCS string, and the matching ranges
    /// (longest-first from the end) as IDX reports them, filtered by `min_len`.
    fn backtrack(&self, a: &[u8], b: &[u8], min_len: u64, with_len: bool) -> (Vec<u8>, Vec<Reply>) {
        let mut result = vec![0u8; self.len() as usize];
        let mut idx = result.len();
        let mut matches = Vec::new();
        // The current range of contiguous matches, if any: (a_start, a_end, b_start, b_end).
        let mut range: Option<(usize, usize, usize, usize)> = None;
        let (mut i, mut j) = (self.alen, self.blen);
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                result[idx - 1] = a[i - 1];
                range = Some(match range {
                    None => (i - 1, i - 1, j - 1, j - 1),
                    // Contiguous: the range extends backwards (a non-contiguous match
                    // cannot follow a match, so Redis's other branch never runs).
                    Some((_, ae, _, be)) => (i - 1, ae, j - 1, be),
                });
                if let Some((a_start, _, b_start, _)) = range
                    && (a_start == 0 || b_start == 0)
                {
                    emit = true;
                }
                idx -= 1;
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = range.is_some();
            }
            if emit && let Some((a_start, a_end, b_start, b_end)) = range.take() {
                let match_len = (a_end - a_start + 1) as u64;
                if min_len == 0 || match_len >= min_len {
                    let mut m = vec![
                        Reply::Array(vec![Reply::integer(a_start), Reply::integer(a_end)]),
                        Reply::Array(vec![Reply::integer(b_start), Reply::integer(b_end)]),
                    ];
                    if with_len {
                        m.push(Reply::integer(match_len));
                    }
                    matches.push(Reply::Array(m));
                }
            }
        }
        (result, matches)
    }
}

#[cfg(test)]
#[path = "strings_tests.rs"]
mod tests;
