//! The generic keyspace family: commands that act on keys whatever their type: deleting,
//! testing, renaming and copying keys, expiry, keyspace iteration and `OBJECT` introspection.
//!
//! Every command runs in the one txn the execution path opened over the keys it touches
//! (both keys for `RENAME`/`COPY`, in both databases for `COPY ... DB`, every key for
//! `DEL`/`EXISTS`/`TOUCH`, the whole database, shared, for `KEYS`, `SCAN` and
//! `RANDOMKEY`), so each is atomic. Changes are recorded with Redis's event names (`del`,
//! `expire`, `persist`, `rename_from`/`rename_to`, `copy_to`).
//!
//! Lookups follow Redis's flags: `TTL`, `TYPE`, `EXISTS` and `OBJECT` count a keyspace hit or
//! miss but leave the access time alone ([`Txn::get_no_touch`]); `TOUCH` and `COPY`'s source
//! are ordinary reads; writes look keys up with `get_for_write` (no statistics).
//!
//! `DEL`, `EXISTS`, `TYPE`, the `EXPIRE` family, `PERSIST`, the `TTL` family, `RENAME`,
//! `RENAMENX`, `COPY` and `SCAN` are split into a typed operation (`del_op`, `exists_op`,
//! `type_op`, `expire_op`, `persist_op`, `ttl_op`, `rename_op`, `copy_op`, `scan_op`) that
//! holds all the semantics (expiry arithmetic, events, error texts) and a RESP handler that
//! parses argv in Redis's order and shapes the reply; the gRPC RPCs (`crate::grpc::keys`)
//! call the same operations.
//!
//! # Commands
//! - `DEL key [key ...]`, `UNLINK key [key ...]`
//!   Returns: integer, the number of keys removed (a repeated key counts once).
//! - `EXISTS key [key ...]`
//!   Returns: integer, how many of the keys exist (a repeated existing key counts each time).
//! - `TYPE key`
//!   Returns: simple string `string`, `list`, `hash`, `set`, `zset`, or `none` when missing.
//! - `EXPIRE key seconds [NX|XX|GT|LT]`, `PEXPIRE key ms [...]`, `EXPIREAT key unix-seconds
//!   [...]`, `PEXPIREAT key unix-ms [...]`
//!   Returns: integer 1 when the expiry was set (or the key deleted because the time is
//!   already past), 0 when the key is missing or a condition failed. `GT` treats a key
//!   without expiry as having an infinite TTL. Errors: incompatible options, `Unsupported
//!   option <opt>`, `invalid expire time in '<cmd>' command` on overflow.
//! - `TTL key`, `PTTL key`
//!   Returns: integer remaining time (seconds rounded to nearest, or ms), -1 without expiry,
//!   -2 when the key is missing.
//! - `EXPIRETIME key`, `PEXPIRETIME key`
//!   Returns: integer absolute Unix expiry (seconds rounded to nearest, or ms), -1, or -2.
//! - `PERSIST key`
//!   Returns: integer 1 when an expiry was removed, else 0.
//! - `KEYS pattern`
//!   Returns: array of the keys matching the glob pattern.
//! - `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
//!   Returns: array of [next cursor as bulk string, array of keys]. The cursor is a segment
//!   index (0..256); "0" ends the iteration. Every key present for the whole iteration is
//!   returned at least once. An unknown TYPE name matches nothing (Redis 7.0).
//! - `RENAME key newkey`
//!   Returns: `OK`; error `no such key`. Moves the value and its TTL.
//! - `RENAMENX key newkey`
//!   Returns: integer 1 when renamed, 0 when `newkey` exists (or equals `key`).
//! - `RANDOMKEY`
//!   Returns: bulk string, a random key, or null when the database is empty.
//! - `COPY source destination [DB db] [REPLACE]`
//!   Returns: integer 1 when copied, 0 when the source is missing or the destination exists
//!   without `REPLACE`. The copy is independent of the source and keeps its TTL.
//! - `MOVE key db`
//!   Returns: integer 1 when moved to database `db` (with its TTL), 0 when the key is missing
//!   or exists there; errors `DB index is out of range`, `source and destination objects are
//!   the same`.
//! - `TOUCH key [key ...]`
//!   Returns: integer, the number of keys that exist (their access time is updated).
//! - `OBJECT ENCODING key` → bulk string encoding, or null.
//!   `OBJECT REFCOUNT key` → integer, or null.
//!   `OBJECT IDLETIME key` → integer seconds since last access, or null; an error under an
//!   LFU `maxmemory-policy`.
//!   `OBJECT FREQ key` → integer LFU counter, or null; an error unless the policy is LFU.
//!   `OBJECT HELP` → array of simple strings.

use bytes::Bytes;

use super::args::{self, is};
use super::{Command, Ctx, Locks, Reply};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;
use crate::store::{Access, Event, LockPlan, SEGMENTS, Txn, ValueType};

pub static COMMANDS: &[Command] = &[
    Command::new("del", del),
    Command::new("unlink", del),
    Command::new("exists", exists),
    Command::new("type", type_cmd),
    Command::new("expire", expire),
    Command::new("pexpire", pexpire),
    Command::new("expireat", expireat),
    Command::new("pexpireat", pexpireat),
    Command::new("ttl", ttl),
    Command::new("pttl", pttl),
    Command::new("expiretime", expiretime),
    Command::new("pexpiretime", pexpiretime),
    Command::new("persist", persist),
    Command::new("keys", keys_cmd).locks(Locks::Db(Access::Read)),
    Command::new("scan", scan).locks(Locks::Db(Access::Read)),
    Command::new("rename", rename),
    Command::new("renamenx", renamenx),
    Command::new("randomkey", randomkey).locks(Locks::Db(Access::Read)),
    Command::new("copy", copy).locks(Locks::Custom(plan_copy)),
    Command::new("move", move_key).locks(Locks::Custom(plan_move)),
    Command::new("touch", touch),
    Command::container("object", OBJECT_SUBCOMMANDS),
];

// In the order redis-server lists them (`COMMAND INFO`, `COMMAND DOCS`).
static OBJECT_SUBCOMMANDS: &[Command] = &[
    Command::new("refcount", object_refcount).of("object"),
    Command::new("encoding", object_encoding).of("object"),
    Command::new("help", object_help).of("object"),
    Command::new("idletime", object_idletime).of("object"),
    Command::new("freq", object_freq).of("object"),
];

/// `SCAN`'s default `COUNT`.
pub const DEFAULT_SCAN_COUNT: u64 = 10;

/// A client word as C's `%s` prints it: up to the first NUL byte.
fn c_str(word: &[u8]) -> String {
    String::from_utf8_lossy(args::c_str(word)).into_owned()
}

/// An expiry as a signed Unix ms time (the store never holds one above `i64::MAX`).
fn signed_ms(at: u64) -> i64 {
    at.min(i64::MAX as u64) as i64
}

// ---- Existence, type, deletion ----
//
// Each command below is a typed operation (`<name>_op`: typed arguments in, typed result
// out, all the semantics inside) used by both the RESP handler and the gRPC front end
// (`crate::grpc::keys`), plus the RESP handler that parses argv and shapes the reply.

/// `DEL`/`UNLINK`: removes `keys` in one txn; returns how many existed (a repeated key
/// counts once).
pub fn del_op<K: AsRef<[u8]>>(ctx: &Ctx<'_>, keys: &[K]) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    Ok(keys
        .iter()
        .filter(|key| txn.remove(db, key.as_ref(), Event::Del).is_some())
        .count())
}

fn del(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(del_op(ctx, &argv[1..])?))
}

/// `EXISTS`: how many of `keys` exist, a repeated existing key counting each time.
pub fn exists_op<K: AsRef<[u8]>>(ctx: &Ctx<'_>, keys: &[K]) -> Result<usize> {
    let db = ctx.db();
    let txn = ctx.txn();
    Ok(keys
        .iter()
        .filter(|key| txn.get_no_touch(db, key.as_ref()).is_some())
        .count())
}

fn exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(exists_op(ctx, &argv[1..])?))
}

fn touch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let txn = ctx.txn();
    let found = argv[1..]
        .iter()
        .filter(|key| txn.get(db, key).is_some())
        .count();
    Ok(Reply::integer(found))
}

/// `TYPE`: the key's type, `None` when it does not exist.
pub fn type_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Option<ValueType>> {
    let db = ctx.db();
    Ok(ctx
        .txn()
        .get_no_touch(db, key)
        .map(|entry| entry.value().value_type()))
}

fn type_cmd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::simple(
        type_op(ctx, &argv[1])?.map_or("none", ValueType::name),
    ))
}

// ---- Expiry ----

/// The time argument of the `EXPIRE` family: relative to now or absolute, in seconds or
/// milliseconds. Zero and negative values are allowed (a time not in the future deletes
/// the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpireTime {
    /// `EXPIRE`: seconds from now.
    Seconds(i64),
    /// `PEXPIRE`: milliseconds from now.
    Millis(i64),
    /// `EXPIREAT`: Unix time in seconds.
    UnixSeconds(i64),
    /// `PEXPIREAT`: Unix time in milliseconds.
    UnixMillis(i64),
}

impl ExpireTime {
    /// The command this form belongs to, as the overflow error names it.
    fn command_name(self) -> &'static str {
        match self {
            ExpireTime::Seconds(_) => "expire",
            ExpireTime::Millis(_) => "pexpire",
            ExpireTime::UnixSeconds(_) => "expireat",
            ExpireTime::UnixMillis(_) => "pexpireat",
        }
    }

    /// The absolute Unix ms time, given the command's `now`, or Redis's `invalid expire
    /// time` error when the arithmetic overflows.
    fn absolute_ms(self, now: i64) -> Result<i64> {
        let invalid = || {
            Error::err(format!(
                "invalid expire time in '{}' command",
                self.command_name()
            ))
        };
        let (value, seconds, relative) = match self {
            ExpireTime::Seconds(v) => (v, true, true),
            ExpireTime::Millis(v) => (v, false, true),
            ExpireTime::UnixSeconds(v) => (v, true, false),
            ExpireTime::UnixMillis(v) => (v, false, false),
        };
        let ms = if seconds {
            value.checked_mul(1000).ok_or_else(invalid)?
        } else {
            value
        };
        if relative {
            ms.checked_add(now).ok_or_else(invalid)
        } else {
            Ok(ms)
        }
    }
}

/// When an `EXPIRE`-family command applies: the valid combinations of `NX`, `XX`, `GT`
/// and `LT`. A key without expiry counts as having an infinite TTL for `GT` and `LT`, so
/// `XX GT` is the same as `GT`, while `XX LT` differs from `LT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpireCondition {
    /// No option.
    #[default]
    Always,
    /// `NX`: only when the key has no expiry.
    IfNoExpiry,
    /// `XX`: only when the key has an expiry.
    IfHasExpiry,
    /// `GT` (or `XX GT`): only when the new expiry is later than the current one.
    IfLater,
    /// `LT`: only when the new expiry is earlier (a key without expiry always qualifies).
    IfEarlier,
    /// `XX LT`: only when the key has an expiry and the new one is earlier.
    IfHasExpiryAndEarlier,
}

impl ExpireCondition {
    /// Parses the options after the time, with Redis's error texts and checks.
    fn parse(options: &[Bytes]) -> Result<ExpireCondition> {
        let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
        for opt in options {
            if is(opt, "NX") {
                nx = true;
            } else if is(opt, "XX") {
                xx = true;
            } else if is(opt, "GT") {
                gt = true;
            } else if is(opt, "LT") {
                lt = true;
            } else {
                return Err(Error::err(format!("Unsupported option {}", c_str(opt))));
            }
        }
        if nx && (xx || gt || lt) {
            return Err(Error::err(
                "NX and XX, GT or LT options at the same time are not compatible",
            ));
        }
        if gt && lt {
            return Err(Error::err(
                "GT and LT options at the same time are not compatible",
            ));
        }
        Ok(match (nx, xx, gt, lt) {
            (true, ..) => ExpireCondition::IfNoExpiry,
            (_, _, true, _) => ExpireCondition::IfLater,
            (_, true, _, true) => ExpireCondition::IfHasExpiryAndEarlier,
            (_, _, _, true) => ExpireCondition::IfEarlier,
            (_, true, ..) => ExpireCondition::IfHasExpiry,
            _ => ExpireCondition::Always,
        })
    }

    /// Whether a new expiry `when` may replace `current` (`None`: no expiry).
    fn allow(self, current: Option<i64>, when: i64) -> bool {
        match self {
            ExpireCondition::Always => true,
            ExpireCondition::IfNoExpiry => current.is_none(),
            ExpireCondition::IfHasExpiry => current.is_some(),
            ExpireCondition::IfLater => current.is_some_and(|c| when > c),
            ExpireCondition::IfEarlier => current.is_none_or(|c| when < c),
            ExpireCondition::IfHasExpiryAndEarlier => current.is_some_and(|c| when < c),
        }
    }
}

/// `EXPIRE`/`PEXPIRE`/`EXPIREAT`/`PEXPIREAT`: true when the expiry was set (or the key
/// deleted because the time is not in the future), false when the key is missing or the
/// condition failed. Errors: `invalid expire time in '<cmd>' command` on overflow.
pub fn expire_op(
    ctx: &Ctx<'_>,
    key: &[u8],
    time: ExpireTime,
    condition: ExpireCondition,
) -> Result<bool> {
    let db = ctx.db();
    let txn = ctx.txn();
    let now = signed_ms(txn.now_ms());
    // Overflow fails before the key is looked at, as in Redis.
    let when = time.absolute_ms(now)?;
    let Some(entry) = txn.get_for_write(db, key) else {
        return Ok(false);
    };
    if !condition.allow(entry.expires_at().map(signed_ms), when) {
        return Ok(false);
    }
    if when <= now {
        // A time already past deletes the key, as Redis does.
        txn.remove(db, key, Event::Del);
    } else {
        txn.set_expiry(db, key, Some(when as u64), Event::Expire);
    }
    Ok(true)
}

fn expire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    expire_generic(ctx, argv, ExpireTime::Seconds)
}

fn pexpire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    expire_generic(ctx, argv, ExpireTime::Millis)
}

fn expireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    expire_generic(ctx, argv, ExpireTime::UnixSeconds)
}

fn pexpireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    expire_generic(ctx, argv, ExpireTime::UnixMillis)
}

fn expire_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], form: fn(i64) -> ExpireTime) -> Result<Reply> {
    // Same order of checks as Redis: options, then the number, then overflow (in the op).
    let condition = ExpireCondition::parse(&argv[3..])?;
    let time = form(args::int(&argv[2])?);
    Ok(Reply::Integer(
        expire_op(ctx, &argv[1], time, condition)? as i64
    ))
}

/// A key's expiry state, as `TTL` and its relatives report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// The key does not exist (-2).
    NoKey,
    /// The key exists and never expires (-1).
    NoExpiry,
    /// The key expires: `ttl_ms` from now (never negative), at Unix ms `at_ms`.
    Expires { ttl_ms: i64, at_ms: i64 },
}

/// `PTTL` and `PEXPIRETIME` as one typed answer.
pub fn ttl_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<Ttl> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(entry) = txn.get_no_touch(db, key) else {
        return Ok(Ttl::NoKey);
    };
    let Some(at_ms) = entry.expires_at().map(signed_ms) else {
        return Ok(Ttl::NoExpiry);
    };
    let ttl_ms = at_ms.saturating_sub(signed_ms(txn.now_ms())).max(0);
    Ok(Ttl::Expires { ttl_ms, at_ms })
}

fn ttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    ttl_generic(ctx, argv, false, false)
}

fn pttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    ttl_generic(ctx, argv, true, false)
}

fn expiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    ttl_generic(ctx, argv, false, true)
}

fn pexpiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    ttl_generic(ctx, argv, true, true)
}

fn ttl_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], millis: bool, absolute: bool) -> Result<Reply> {
    let ms = match ttl_op(ctx, &argv[1])? {
        Ttl::NoKey => return Ok(Reply::Integer(-2)),
        Ttl::NoExpiry => return Ok(Reply::Integer(-1)),
        Ttl::Expires { at_ms, .. } if absolute => at_ms,
        Ttl::Expires { ttl_ms, .. } => ttl_ms,
    };
    // Seconds round to the nearest, like Redis's (ttl+500)/1000 (which does not overflow
    // there either: `EXPIRETIME` of the largest expiry is 9223372036854776).
    Ok(Reply::Integer(if millis {
        ms
    } else {
        ((i128::from(ms) + 500) / 1000) as i64
    }))
}

/// `PERSIST`: true when an expiry was removed.
pub fn persist_op(ctx: &Ctx<'_>, key: &[u8]) -> Result<bool> {
    let db = ctx.db();
    let txn = ctx.txn();
    let had_expiry = txn
        .get_for_write(db, key)
        .is_some_and(|e| e.expires_at().is_some());
    if had_expiry {
        txn.set_expiry(db, key, None, Event::Persist);
    }
    Ok(had_expiry)
}

fn persist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(persist_op(ctx, &argv[1])? as i64))
}

// ---- Iteration ----

fn keys_cmd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let pattern = argv[1].as_ref();
    // Redis skips matching for a lone "*" (the matcher never matches the empty key).
    let all = pattern == b"*";
    let txn = ctx.txn();
    let mut found = Vec::new();
    for segment in 0..SEGMENTS {
        txn.for_each_in_segment(db, segment, |key, _| {
            if all || glob_match(pattern, key, false) {
                found.push(Bytes::copy_from_slice(key));
            }
        });
    }
    Ok(Reply::bulks(found))
}

/// Parses a `SCAN` cursor as Redis does with `strtoul`: an optional sign (a negative value
/// wraps), decimal digits, nothing else; the empty string is 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64> {
    let invalid = || Error::err("invalid cursor");
    if arg.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match arg[0] {
        b'-' => (true, &arg[1..]),
        b'+' => (false, &arg[1..]),
        _ => (false, arg),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or_else(invalid)?;
    }
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// `SCAN ... TYPE`'s filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanType {
    /// Only keys of this type.
    Of(ValueType),
    /// A name that is no type (`none`, `foo`): Redis 7.0 accepts it and matches nothing.
    Unknown,
}

/// One `SCAN` step: from `cursor` (a segment index; 0 starts), visiting about `count`
/// keys (at least one segment), returning the next cursor (0 when done) and the keys that
/// match `pattern` (a glob; `None` or `*` for all) and `type_filter`.
pub fn scan_op(
    ctx: &Ctx<'_>,
    cursor: u64,
    pattern: Option<&[u8]>,
    count: u64,
    type_filter: Option<ScanType>,
) -> Result<(u64, Vec<Bytes>)> {
    let pattern = pattern.filter(|p| *p != b"*");
    let count = count.max(1);
    let db = ctx.db();
    let txn = ctx.txn();
    let mut found = Vec::new();
    // COUNT bounds the keys visited, before filtering, as in Redis.
    let mut visited: u64 = 0;
    let mut segment = usize::try_from(cursor).unwrap_or(SEGMENTS).min(SEGMENTS);
    while segment < SEGMENTS && visited < count {
        // A key stays in its segment, so a key present throughout is always seen.
        txn.for_each_in_segment(db, segment, |key, entry| {
            visited += 1;
            if pattern.is_some_and(|p| !glob_match(p, key, false)) {
                return;
            }
            if let Some(wanted) = type_filter {
                // Redis looks the key up to check its type, which counts a keyspace hit.
                let value = txn
                    .get_no_touch(db, key)
                    .map_or(entry.value(), |e| e.value());
                if wanted != ScanType::Of(value.value_type()) {
                    return;
                }
            }
            found.push(Bytes::copy_from_slice(key));
        });
        segment += 1;
    }
    let next = if segment >= SEGMENTS { 0 } else { segment };
    Ok((next as u64, found))
}

fn scan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let cursor = parse_cursor(&argv[1])?;
    let mut count = DEFAULT_SCAN_COUNT;
    let mut pattern: Option<&[u8]> = None;
    let mut type_filter: Option<ScanType> = None;
    let mut i = 2;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        let opt = &argv[i];
        if is(opt, "COUNT") && has_value {
            let n = args::int(&argv[i + 1])?;
            if n < 1 {
                return Err(Error::Syntax);
            }
            count = n as u64;
        } else if is(opt, "MATCH") && has_value {
            pattern = Some(argv[i + 1].as_ref());
        } else if is(opt, "TYPE") && has_value {
            // Compared like C's strcasecmp, which stops at a NUL byte.
            type_filter = Some(
                ValueType::from_name(args::c_str(&argv[i + 1]))
                    .map_or(ScanType::Unknown, ScanType::Of),
            );
        } else {
            return Err(Error::Syntax);
        }
        i += 2;
    }
    let (next, found) = scan_op(ctx, cursor, pattern, count, type_filter)?;
    Ok(Reply::Array(vec![
        Reply::bulk(next.to_string()),
        Reply::bulks(found),
    ]))
}

fn randomkey(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let txn = ctx.txn();
    Ok(Reply::bulk_or_null(txn.random_key(db, ctx.rng())))
}

// ---- Rename and copy ----

/// `RENAME` (`only_if_new` false) or `RENAMENX` (true): moves the value and its TTL.
/// Returns false only with `only_if_new` when `dst` exists (renaming a key to itself
/// counts as `dst` existing; without `only_if_new` it succeeds and changes nothing).
/// Errors: [`Error::NoSuchKey`] when `src` does not exist.
pub fn rename_op(ctx: &Ctx<'_>, src: &[u8], dst: &[u8], only_if_new: bool) -> Result<bool> {
    let db = ctx.db();
    let txn = ctx.txn();
    let Some(entry) = txn.get_for_write(db, src) else {
        return Err(Error::NoSuchKey);
    };
    if src == dst {
        return Ok(!only_if_new);
    }
    if only_if_new && txn.get_for_write(db, dst).is_some() {
        return Ok(false);
    }
    // A list or sorted set under a new name serves clients blocked on that name, as in
    // Redis: the recorded change readies it. Redis adds the destination (`new`) before it
    // deletes the source, whether or not the destination existed.
    // Moving shares the value (collections are behind an Arc), so this is O(1); the entry
    // keeps its access data, as Redis moves the same object.
    txn.add_moved(db, dst, entry);
    txn.remove(db, src, Event::RenameFrom);
    txn.note(db, dst, Event::RenameTo);
    Ok(true)
}

fn rename(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    rename_op(ctx, &argv[1], &argv[2], false)?;
    Ok(Reply::ok())
}

fn renamenx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(
        rename_op(ctx, &argv[1], &argv[2], true)? as i64
    ))
}

/// `COPY ... DB n`: an int (Redis's `getIntFromObjectOrReply`), then a range check.
fn parse_copy_db(arg: &[u8], databases: usize) -> Result<usize> {
    let n = args::int(arg)?;
    if i32::try_from(n).is_err() {
        return Err(Error::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    if n < 0 || n as u64 >= databases as u64 {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// `COPY`: copies `src` (in the selected db) to `dst` in `dst_db`, with its TTL; the copy
/// is independent of the source. False when `src` is missing, or `dst` exists and
/// `replace` is off. Errors: `DB index is out of range`, `source and destination objects
/// are the same`.
pub fn copy_op(
    ctx: &Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    dst_db: usize,
    replace: bool,
) -> Result<bool> {
    let db = ctx.db();
    if dst_db >= ctx.store().databases() {
        return Err(Error::DbIndexOutOfRange);
    }
    if dst_db == db && src == dst {
        return Err(Error::err("source and destination objects are the same"));
    }
    let txn = ctx.txn();
    let Some(entry) = txn.get(db, src) else {
        return Ok(false);
    };
    if !replace && txn.get_for_write(dst_db, dst).is_some() {
        return Ok(false);
    }
    // A copied list or sorted set serves clients blocked on the destination. The copy is
    // a new key even over a replaced one (`new`), as Redis deletes then adds it.
    let value = entry.value().deep_clone();
    txn.add_replacing(dst_db, dst, value, entry.expires_at());
    txn.note(dst_db, dst, Event::CopyTo);
    Ok(true)
}

/// The options of `COPY source destination [DB db] [REPLACE]`: the destination database
/// (`db` by default) and whether to replace.
fn copy_options(argv: &[Bytes], db: usize, databases: usize) -> Result<(usize, bool)> {
    let mut dst_db = db;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let has_value = j + 1 < argv.len();
        if is(&argv[j], "REPLACE") {
            replace = true;
        } else if is(&argv[j], "DB") && has_value {
            dst_db = parse_copy_db(&argv[j + 1], databases)?;
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    Ok((dst_db, replace))
}

/// What `COPY` locks: its source, read, and its destination in the destination database,
/// written (in the selected database when the options are wrong: the command then fails
/// before touching anything).
fn plan_copy(ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    let dst_db = copy_options(argv, db, ctx.store().databases()).map_or(db, |(d, _)| d);
    plan.key(db, &argv[1], Access::Read);
    plan.key(dst_db, &argv[2], Access::Write);
}

fn copy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (dst_db, replace) = copy_options(argv, ctx.db(), ctx.store().databases())?;
    Ok(Reply::Integer(
        copy_op(ctx, &argv[1], &argv[2], dst_db, replace)? as i64,
    ))
}

fn plan_move(ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    plan.key(db, &argv[1], Access::Write);
    if let Ok(dst_db) = parse_copy_db(&argv[2], ctx.store().databases()) {
        plan.key(dst_db, &argv[1], Access::Write);
    }
}

/// `MOVE key db` → 1 when moved (with its TTL), 0 when the key is missing here or exists
/// there. Errors: not an integer, `DB index is out of range`, `source and destination
/// objects are the same`. Events: `new` and `move_to` in the target database, `move_from`
/// here (Redis's order: added there, then deleted here).
fn move_key(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let dst_db = parse_copy_db(&argv[2], ctx.store().databases())?;
    let db = ctx.db();
    if dst_db == db {
        return Err(Error::err("source and destination objects are the same"));
    }
    let key = &argv[1][..];
    let txn = ctx.txn();
    let Some(entry) = txn.get_for_write(db, key) else {
        return Ok(Reply::Integer(0));
    };
    if txn.get_for_write(dst_db, key).is_some() {
        return Ok(Reply::Integer(0));
    }
    // Moving shares the value (collections are behind an Arc): O(1), access data kept.
    txn.add_moved(dst_db, key, entry);
    txn.remove(db, key, Event::MoveFrom);
    txn.note(dst_db, key, Event::MoveTo);
    Ok(Reply::Integer(1))
}

// ---- OBJECT ----

/// Whether `maxmemory-policy` is one of the LFU policies.
fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    ctx.server.config.read().maxmemory_policy.ends_with("-lfu")
}

/// Runs `f` on the entry of `OBJECT <sub> key`, or replies null when the key is missing.
/// The lookup leaves the access time alone, as Redis's does.
fn with_object(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    f: impl FnOnce(&Txn<'_>, &crate::store::Entry) -> Result<Reply>,
) -> Result<Reply> {
    let db = ctx.db();
    let txn = ctx.txn();
    match txn.get_no_touch_quiet(db, &argv[2]) {
        Some(entry) => f(txn, entry),
        None => Ok(Reply::Null),
    }
}

fn object_encoding(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    with_object(ctx, argv, |_, entry| {
        Ok(Reply::bulk_static(entry.value().encoding()))
    })
}

fn object_refcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    // Redis stops sharing small integers when maxmemory is set with an LRU/LFU policy,
    // since a shared object cannot carry a per-key access time.
    let no_shared = {
        let config = ctx.server.config.read();
        config.maxmemory != 0
            && (config.maxmemory_policy.ends_with("-lru")
                || config.maxmemory_policy.ends_with("-lfu"))
    };
    with_object(ctx, argv, |_, entry| {
        Ok(Reply::Integer(if no_shared {
            1
        } else {
            entry.value().refcount()
        }))
    })
}

fn object_idletime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let lfu = lfu_policy(ctx);
    let clock = ctx.store().clock_secs();
    with_object(ctx, argv, |_, entry| {
        if lfu {
            return Err(Error::err(
                "An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ));
        }
        Ok(Reply::integer(clock.saturating_sub(entry.accessed_secs())))
    })
}

fn object_freq(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let lfu = lfu_policy(ctx);
    let store = ctx.store();
    with_object(ctx, argv, |_, entry| {
        if !lfu {
            return Err(Error::err(
                "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ));
        }
        Ok(Reply::integer(i64::from(store.lfu_counter(entry))))
    })
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

fn object_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(
        OBJECT_HELP.iter().map(|line| Reply::simple(line)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use parking_lot::RwLock;

    use super::*;
    use crate::commands::Session;
    use crate::commands::test_support::Harness;
    use crate::state::{ClientKind, Clients};
    use crate::store::{
        HashValue, ListValue, SetValue, SortedSetValue, StringValue, Value, unix_time_ms,
    };

    fn set(h: &Harness, key: &str, value: &str) {
        h.put(
            0,
            key,
            Value::string(Bytes::copy_from_slice(value.as_bytes())),
            None,
        );
    }

    fn set_px(h: &Harness, key: &str, value: &str, ttl_ms: u64) {
        let at = unix_time_ms() + ttl_ms;
        h.put(
            0,
            key,
            Value::string(Bytes::copy_from_slice(value.as_bytes())),
            Some(at),
        );
    }

    fn get(h: &Harness, db: usize, key: &str) -> Option<Value> {
        let txn = h.server.store.txn(Access::Read, db, [key.as_bytes()]);
        txn.peek(db, key.as_bytes()).map(|e| e.value().clone())
    }

    fn get_str(h: &Harness, db: usize, key: &str) -> Option<String> {
        get(h, db, key).map(|v| match v {
            Value::String(s) => String::from_utf8(s.as_bytes().to_vec()).unwrap(),
            other => panic!("not a string: {other:?}"),
        })
    }

    fn expiry(h: &Harness, db: usize, key: &str) -> Option<u64> {
        let txn = h.server.store.txn(Access::Read, db, [key.as_bytes()]);
        txn.peek(db, key.as_bytes()).and_then(|e| e.expires_at())
    }

    fn int(n: i64) -> Reply {
        Reply::Integer(n)
    }

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn list(items: &[&str]) -> Value {
        let mut l = ListValue::default();
        l.items
            .extend(items.iter().map(|i| Bytes::copy_from_slice(i.as_bytes())));
        Value::List(Arc::new(RwLock::new(l)))
    }

    /// The keys of an array reply, sorted.
    fn sorted_keys(reply: &Reply) -> Vec<String> {
        let Reply::Array(items) = reply else {
            panic!("not an array: {reply:?}")
        };
        let mut keys: Vec<String> = items
            .iter()
            .map(|r| match r {
                Reply::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect();
        keys.sort();
        keys
    }

    /// One SCAN call: (next cursor, keys).
    fn scan_once(h: &mut Harness, args: &[&str]) -> (String, Vec<String>) {
        let mut words = vec!["SCAN"];
        words.extend_from_slice(args);
        match h.run(&words) {
            Reply::Array(parts) => match parts.as_slice() {
                [Reply::Bulk(cursor), keys] => (
                    String::from_utf8(cursor.to_vec()).unwrap(),
                    sorted_keys(keys),
                ),
                other => panic!("bad scan reply {other:?}"),
            },
            other => panic!("bad scan reply {other:?}"),
        }
    }

    /// A whole SCAN iteration with extra options; returns every key seen (with repeats).
    fn scan_all(h: &mut Harness, options: &[&str]) -> Vec<String> {
        let mut cursor = "0".to_string();
        let mut all = Vec::new();
        let mut calls = 0;
        loop {
            let mut args = vec![cursor.as_str()];
            args.extend_from_slice(options);
            let (next, keys) = scan_once(h, &args);
            all.extend(keys);
            calls += 1;
            assert!(calls <= SEGMENTS + 1, "scan did not terminate");
            if next == "0" {
                return all;
            }
            cursor = next;
        }
    }

    /// A second client on the same server.
    fn other_client(h: &Harness) -> Harness {
        Harness {
            server: h.server.clone(),
            session: Session::new(Clients::detached(ClientKind::Resp)),
        }
    }

    #[test]
    fn del_and_unlink_count_removed_keys() {
        let mut h = Harness::new();
        set(&h, "a", "1");
        set(&h, "b", "2");
        set_px(&h, "gone", "x", 0);
        assert_eq!(h.run(&["DEL", "a", "a", "nokey", "gone"]), int(1));
        assert_eq!(get(&h, 0, "a").map(|_| ()), None);
        assert_eq!(h.run(&["UNLINK", "b", "a"]), int(1));
        assert_eq!(h.run(&["DEL", "b"]), int(0));
        assert_eq!(
            h.err(&["DEL"]),
            "ERR wrong number of arguments for 'del' command"
        );
        assert_eq!(
            h.err(&["UNLINK"]),
            "ERR wrong number of arguments for 'unlink' command"
        );
    }

    #[test]
    fn exists_counts_repeats_and_touch_counts_existing() {
        let mut h = Harness::new();
        set(&h, "a", "1");
        set(&h, "b", "1");
        set_px(&h, "gone", "x", 0);
        assert_eq!(h.run(&["EXISTS", "a", "a", "b", "c", "gone"]), int(3));
        assert_eq!(h.run(&["EXISTS", "c"]), int(0));
        assert_eq!(h.run(&["TOUCH", "a", "a", "c", "b"]), int(3));
        assert_eq!(
            h.err(&["EXISTS"]),
            "ERR wrong number of arguments for 'exists' command"
        );
    }

    #[test]
    fn type_names_every_kind() {
        let mut h = Harness::new();
        set(&h, "s", "v");
        h.put(0, "l", list(&["x"]), None);
        h.put(0, "h", Value::Hash(Default::default()), None);
        h.put(0, "st", Value::Set(Default::default()), None);
        h.put(0, "z", Value::SortedSet(Default::default()), None);
        for (key, name) in [
            ("s", "string"),
            ("l", "list"),
            ("h", "hash"),
            ("st", "set"),
            ("z", "zset"),
            ("missing", "none"),
        ] {
            assert_eq!(h.run(&["TYPE", key]), Reply::simple(name), "{key}");
        }
        set_px(&h, "gone", "x", 0);
        assert_eq!(h.run(&["TYPE", "gone"]), Reply::simple("none"));
    }

    #[test]
    fn expire_sets_ttl_and_ttl_rounds() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        assert_eq!(h.run(&["TTL", "k"]), int(-1));
        assert_eq!(h.run(&["PTTL", "k"]), int(-1));
        assert_eq!(h.run(&["TTL", "nokey"]), int(-2));
        assert_eq!(h.run(&["PTTL", "nokey"]), int(-2));
        assert_eq!(h.run(&["EXPIRE", "k", "100"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(100));
        let Reply::Integer(pttl) = h.run(&["PTTL", "k"]) else {
            panic!()
        };
        assert!((99_000..=100_000).contains(&pttl), "{pttl}");
        assert_eq!(h.run(&["PEXPIRE", "k", "1499"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(1));
        assert_eq!(h.run(&["PEXPIRE", "k", "2600"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(3));
        assert_eq!(h.run(&["EXPIRE", "nokey", "10"]), int(0));
        assert_eq!(h.run(&["PEXPIRE", "nokey", "10"]), int(0));
    }

    #[test]
    fn expire_in_the_past_deletes_the_key() {
        let mut h = Harness::new();
        for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
            for when in ["0", "-10"] {
                set(&h, "k", "v");
                assert_eq!(h.run(&[cmd, "k", when]), int(1), "{cmd} {when}");
                assert_eq!(h.run(&["EXISTS", "k"]), int(0));
            }
        }
        set(&h, "k", "v");
        assert_eq!(h.run(&["PEXPIRE", "k", "-9223372036854775808"]), int(1));
        assert_eq!(h.run(&["EXISTS", "k"]), int(0));
        set(&h, "k", "v");
        let past = (unix_time_ms() / 1000 - 5).to_string();
        assert_eq!(h.run(&["EXPIREAT", "k", &past]), int(1));
        assert_eq!(h.run(&["EXISTS", "k"]), int(0));
    }

    #[test]
    fn expire_errors_match_redis() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        let nx_err = "ERR NX and XX, GT or LT options at the same time are not compatible";
        let gtlt_err = "ERR GT and LT options at the same time are not compatible";
        for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
            assert_eq!(h.err(&[cmd, "k", "10", "nx", "xx"]), nx_err);
            assert_eq!(h.err(&[cmd, "k", "10", "NX", "GT"]), nx_err);
            assert_eq!(h.err(&[cmd, "k", "10", "lt", "nx"]), nx_err);
            assert_eq!(h.err(&[cmd, "k", "10", "lt", "gt", "nx"]), nx_err);
            assert_eq!(h.err(&[cmd, "k", "10", "GT", "LT"]), gtlt_err);
            assert_eq!(
                h.err(&[cmd, "k", "10", "foo"]),
                "ERR Unsupported option foo"
            );
            // Options are checked before the number.
            assert_eq!(
                h.err(&[cmd, "k", "abc", "foo"]),
                "ERR Unsupported option foo"
            );
            assert_eq!(
                h.err(&[cmd, "nokey", "abc"]),
                "ERR value is not an integer or out of range"
            );
            assert_eq!(
                h.err(&[cmd, "k"]),
                format!(
                    "ERR wrong number of arguments for '{}' command",
                    cmd.to_lowercase()
                )
            );
        }
        assert_eq!(
            h.err(&["EXPIRE", "k", "10", "foo\0bar"]),
            "ERR Unsupported option foo"
        );
        let invalid = |name: &str| format!("ERR invalid expire time in '{name}' command");
        assert_eq!(
            h.err(&["EXPIRE", "nokey", "99999999999999999"]),
            invalid("expire")
        );
        assert_eq!(
            h.err(&["EXPIRE", "k", "-9999999999999999"]),
            invalid("expire")
        );
        assert_eq!(
            h.err(&["EXPIREAT", "k", "9223372036854776"]),
            invalid("expireat")
        );
        assert_eq!(
            h.err(&["PEXPIRE", "k", "9223372036854775807"]),
            invalid("pexpire")
        );
        // Absolute ms times cannot overflow: the largest one is accepted.
        assert_eq!(h.run(&["PEXPIREAT", "k", "9223372036854775807"]), int(1));
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(9223372036854775807));
        assert_eq!(h.run(&["EXPIRETIME", "k"]), int(9223372036854776));
        assert_eq!(h.run(&["PEXPIREAT", "k", "9223372036854775307"]), int(1));
        assert_eq!(h.run(&["EXPIRETIME", "k"]), int(9223372036854775));
        assert_eq!(get_str(&h, 0, "k").as_deref(), Some("v"));
    }

    #[test]
    fn expire_conditions() {
        let mut h = Harness::new();
        // One fixed time for every command: "the same TTL" must not drift by a millisecond.
        h.server.store.clock.set_fixed(Some(unix_time_ms()));
        set(&h, "k", "v");
        // No expiry yet: XX and GT fail (GT: infinite TTL), LT and NX succeed.
        assert_eq!(h.run(&["EXPIRE", "k", "100", "XX"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "k", "100", "GT"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "k", "100", "XX", "GT"]), int(0));
        assert_eq!(h.run(&["TTL", "k"]), int(-1));
        assert_eq!(h.run(&["EXPIRE", "k", "100", "LT"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(100));
        assert_eq!(h.run(&["PERSIST", "k"]), int(1));
        assert_eq!(h.run(&["EXPIRE", "k", "100", "nx", "NX"]), int(1));
        // With an expiry of 100s.
        assert_eq!(h.run(&["EXPIRE", "k", "200", "NX"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "k", "50", "GT"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "k", "100", "GT"]), int(0));
        assert_eq!(h.run(&["TTL", "k"]), int(100));
        assert_eq!(h.run(&["EXPIRE", "k", "200", "GT"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(200));
        assert_eq!(h.run(&["EXPIRE", "k", "300", "LT"]), int(0));
        assert_eq!(h.run(&["EXPIRE", "k", "50", "LT", "XX"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(50));
        assert_eq!(h.run(&["EXPIRE", "k", "60", "XX"]), int(1));
        assert_eq!(h.run(&["TTL", "k"]), int(60));
        // LT with a past time deletes the key.
        assert_eq!(h.run(&["EXPIRE", "k", "-1", "LT"]), int(1));
        assert_eq!(h.run(&["EXISTS", "k"]), int(0));
        // Missing keys answer 0 whatever the options.
        assert_eq!(h.run(&["EXPIRE", "nokey", "10", "LT"]), int(0));
    }

    #[test]
    fn absolute_expiry_and_expiretime() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        assert_eq!(h.run(&["EXPIRETIME", "k"]), int(-1));
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(-1));
        assert_eq!(h.run(&["EXPIRETIME", "nokey"]), int(-2));
        assert_eq!(h.run(&["PEXPIRETIME", "nokey"]), int(-2));
        let at = unix_time_ms() / 1000 + 1000;
        assert_eq!(h.run(&["EXPIREAT", "k", &at.to_string()]), int(1));
        assert_eq!(h.run(&["EXPIRETIME", "k"]), int(at as i64));
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(at as i64 * 1000));
        let at_ms = unix_time_ms() + 5_000_499;
        assert_eq!(h.run(&["PEXPIREAT", "k", &at_ms.to_string()]), int(1));
        assert_eq!(h.run(&["PEXPIRETIME", "k"]), int(at_ms as i64));
        // Seconds round to the nearest.
        assert_eq!(
            h.run(&["EXPIRETIME", "k"]),
            int((at_ms as i64 + 500) / 1000)
        );
        assert_eq!(expiry(&h, 0, "k"), Some(at_ms));
        assert_eq!(h.run(&["EXPIREAT", "k", &at.to_string(), "GT"]), int(0));
        assert_eq!(h.run(&["EXPIREAT", "k", &at.to_string(), "LT"]), int(1));
        assert_eq!(expiry(&h, 0, "k"), Some(at * 1000));
    }

    #[test]
    fn persist_removes_expiry() {
        let mut h = Harness::new();
        set_px(&h, "k", "v", 100_000);
        set(&h, "p", "v");
        assert_eq!(h.run(&["PERSIST", "k"]), int(1));
        assert_eq!(h.run(&["PERSIST", "k"]), int(0));
        assert_eq!(h.run(&["TTL", "k"]), int(-1));
        assert_eq!(h.run(&["PERSIST", "p"]), int(0));
        assert_eq!(h.run(&["PERSIST", "nokey"]), int(0));
        assert_eq!(h.server.store.db_info(0).expires, 0);
    }

    #[test]
    fn keys_matches_glob_patterns() {
        let mut h = Harness::new();
        for k in ["hello", "hallo", "hxllo", "foo", ""] {
            set(&h, k, "v");
        }
        set_px(&h, "hgone", "v", 0);
        h.put(1, "hother_db", list(&["x"]), None);
        assert_eq!(
            sorted_keys(&h.run(&["KEYS", "*"])),
            ["", "foo", "hallo", "hello", "hxllo"]
        );
        assert_eq!(
            sorted_keys(&h.run(&["KEYS", "h[ae]llo"])),
            ["hallo", "hello"]
        );
        assert_eq!(
            sorted_keys(&h.run(&["KEYS", "h*"])),
            ["hallo", "hello", "hxllo"]
        );
        assert_eq!(sorted_keys(&h.run(&["KEYS", "f?o"])), ["foo"]);
        assert_eq!(h.run(&["KEYS", "zz*"]), Reply::Array(vec![]));
        assert_eq!(
            h.err(&["KEYS", "a", "b"]),
            "ERR wrong number of arguments for 'keys' command"
        );
    }

    #[test]
    fn scan_argument_errors() {
        let mut h = Harness::new();
        for cursor in [
            "abc",
            " 1",
            "1 ",
            "-",
            "+",
            "1.5",
            "0x10",
            "18446744073709551616",
        ] {
            assert_eq!(h.err(&["SCAN", cursor]), "ERR invalid cursor", "{cursor:?}");
        }
        assert_eq!(
            h.err(&["SCAN", "-18446744073709551616"]),
            "ERR invalid cursor"
        );
        // The cursor is checked first.
        assert_eq!(h.err(&["SCAN", "x", "foo"]), "ERR invalid cursor");
        assert_eq!(h.err(&["SCAN", "0", "COUNT", "0"]), "ERR syntax error");
        assert_eq!(h.err(&["SCAN", "0", "COUNT", "-1"]), "ERR syntax error");
        assert_eq!(
            h.err(&["SCAN", "0", "COUNT", "abc"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(
            h.err(&["SCAN", "0", "COUNT", "9223372036854775808"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(h.err(&["SCAN", "0", "COUNT"]), "ERR syntax error");
        assert_eq!(h.err(&["SCAN", "0", "MATCH"]), "ERR syntax error");
        assert_eq!(h.err(&["SCAN", "0", "TYPE"]), "ERR syntax error");
        assert_eq!(h.err(&["SCAN", "0", "foo", "bar"]), "ERR syntax error");
        assert_eq!(
            h.err(&["SCAN"]),
            "ERR wrong number of arguments for 'scan' command"
        );
    }

    #[test]
    fn scan_cursor_forms_like_strtoul() {
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"-0"), Ok(0));
        assert_eq!(parse_cursor(b"+5"), Ok(5));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"-18446744073709551615"), Ok(1));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        let mut h = Harness::new();
        set(&h, "a", "1");
        assert_eq!(scan_once(&mut h, &[""]), ("0".into(), vec!["a".into()]));
        // A cursor past the last segment ends the iteration.
        assert_eq!(scan_once(&mut h, &["-1"]), ("0".into(), vec![]));
        assert_eq!(scan_once(&mut h, &["256"]), ("0".into(), vec![]));
    }

    #[test]
    fn scan_small_db_in_one_call() {
        let mut h = Harness::new();
        for k in ["a", "b", "c"] {
            set(&h, k, "1");
        }
        h.put(0, "l", list(&["x"]), None);
        set_px(&h, "gone", "x", 0);
        assert_eq!(
            scan_once(&mut h, &["0"]),
            (
                "0".into(),
                vec!["a".into(), "b".into(), "c".into(), "l".into()]
            )
        );
        assert_eq!(
            scan_once(&mut h, &["0", "MATCH", "[ab]", "match", "*"]),
            (
                "0".into(),
                vec!["a".into(), "b".into(), "c".into(), "l".into()]
            )
        );
        assert_eq!(
            scan_once(&mut h, &["0", "MATCH", "*", "MATCH", "[ab]"]),
            ("0".into(), vec!["a".into(), "b".into()])
        );
        assert_eq!(
            scan_once(&mut h, &["0", "TYPE", "LIST"]),
            ("0".into(), vec!["l".into()])
        );
        assert_eq!(
            scan_once(&mut h, &["0", "type", "string", "count", "1000"]).1,
            ["a", "b", "c"]
        );
        // Redis 7.0: an unknown type name matches nothing rather than failing.
        assert_eq!(
            scan_once(&mut h, &["0", "TYPE", "foo"]),
            ("0".into(), vec![])
        );
        assert_eq!(
            scan_once(&mut h, &["0", "TYPE", "none"]),
            ("0".into(), vec![])
        );
        assert_eq!(
            h.run(&["SCAN", "0", "MATCH", "zz"]),
            Reply::Array(vec![bulk("0"), Reply::Array(vec![])])
        );
    }

    #[test]
    fn scan_iterates_everything_with_count() {
        let mut h = Harness::new();
        let keys: Vec<String> = (0..2000).map(|i| format!("key:{i}")).collect();
        for k in &keys {
            set(&h, k, "v");
        }
        h.put(1, "other", list(&["x"]), None);
        let (cursor, first) = scan_once(&mut h, &["0", "COUNT", "5"]);
        assert_ne!(cursor, "0");
        assert!(first.len() >= 5 && first.len() < 2000);
        let seen = scan_all(&mut h, &["COUNT", "5"]);
        // Each key lives in exactly one segment: no repeats without concurrent writes.
        assert_eq!(seen.len(), 2000);
        let seen: HashSet<String> = seen.into_iter().collect();
        assert_eq!(seen, keys.iter().cloned().collect());
        let matched = scan_all(&mut h, &["MATCH", "key:1??", "COUNT", "100"]);
        assert_eq!(matched.len(), 100);
        assert!(scan_all(&mut h, &["TYPE", "list"]).is_empty());
        assert_eq!(scan_all(&mut h, &["COUNT", "1000000"]).len(), 2000);
    }

    #[test]
    fn scan_returns_stable_keys_despite_concurrent_writers() {
        let h = Harness::new();
        let stable: Vec<String> = (0..3000).map(|i| format!("stable:{i}")).collect();
        for k in &stable {
            set(&h, k, "v");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let mut w = other_client(&h);
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let a = format!("churn:{t}:{}", i % 500);
                        let b = format!("churn:{t}:{}", (i + 250) % 500);
                        w.put(0, &a, Value::string(Bytes::from_static(b"x")), None);
                        w.run(&["RENAME", &a, &b]);
                        w.run(&["DEL", &b]);
                        if i.is_multiple_of(7) {
                            let s = format!("stable:{}", i % 3000);
                            // Touching stable keys must not hide them either.
                            assert_eq!(w.run(&["EXPIRE", &s, "1000", "GT"]), int(0));
                        }
                        i += 1;
                    }
                })
            })
            .collect();
        let scanners: Vec<_> = (0..2)
            .map(|_| {
                let mut s = other_client(&h);
                let stable = stable.clone();
                std::thread::spawn(move || {
                    for round in 0..20 {
                        let count = ["3", "10", "200"][round % 3];
                        let seen: HashSet<String> =
                            scan_all(&mut s, &["COUNT", count]).into_iter().collect();
                        for k in &stable {
                            assert!(seen.contains(k), "scan missed {k}");
                        }
                    }
                })
            })
            .collect();
        for s in scanners {
            s.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
    }

    #[test]
    fn rename_moves_value_and_ttl() {
        let mut h = Harness::new();
        assert_eq!(h.err(&["RENAME", "nokey", "x"]), "ERR no such key");
        assert_eq!(h.err(&["RENAME", "nokey", "nokey"]), "ERR no such key");
        assert_eq!(h.err(&["RENAMENX", "nokey", "x"]), "ERR no such key");
        set_px(&h, "a", "1", 100_000);
        let at = expiry(&h, 0, "a");
        assert_eq!(h.run(&["RENAME", "a", "a"]), Reply::ok());
        assert_eq!(h.run(&["RENAMENX", "a", "a"]), int(0));
        assert_eq!(h.run(&["RENAME", "a", "b"]), Reply::ok());
        assert_eq!(h.run(&["EXISTS", "a"]), int(0));
        assert_eq!(get_str(&h, 0, "b").as_deref(), Some("1"));
        assert_eq!(expiry(&h, 0, "b"), at);
        // Overwriting drops the destination's own TTL.
        set(&h, "c", "3");
        set_px(&h, "d", "4", 5000);
        assert_eq!(h.run(&["RENAME", "c", "d"]), Reply::ok());
        assert_eq!(get_str(&h, 0, "d").as_deref(), Some("3"));
        assert_eq!(h.run(&["TTL", "d"]), int(-1));
        assert_eq!(h.server.store.db_info(0).expires, 1);
        // RENAMENX refuses an existing destination.
        assert_eq!(h.run(&["RENAMENX", "b", "d"]), int(0));
        assert_eq!(get_str(&h, 0, "b").as_deref(), Some("1"));
        assert_eq!(h.run(&["RENAMENX", "b", "e"]), int(1));
        assert_eq!(get_str(&h, 0, "e").as_deref(), Some("1"));
        assert_eq!(h.run(&["EXISTS", "b"]), int(0));
        // Collections move as they are.
        h.put(0, "l", list(&["x", "y"]), None);
        assert_eq!(h.run(&["RENAME", "l", "l2"]), Reply::ok());
        assert_eq!(h.run(&["TYPE", "l2"]), Reply::simple("list"));
        assert_eq!(
            h.err(&["RENAME", "a"]),
            "ERR wrong number of arguments for 'rename' command"
        );
    }

    #[test]
    fn randomkey_returns_a_live_key_or_null() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["RANDOMKEY"]), Reply::Null);
        set_px(&h, "gone", "x", 0);
        assert_eq!(h.run(&["RANDOMKEY"]), Reply::Null);
        set(&h, "a", "1");
        set(&h, "b", "1");
        for _ in 0..20 {
            let key = h.run(&["RANDOMKEY"]);
            assert!(key == bulk("a") || key == bulk("b"), "{key:?}");
        }
        assert_eq!(
            h.err(&["RANDOMKEY", "x"]),
            "ERR wrong number of arguments for 'randomkey' command"
        );
    }

    #[test]
    fn copy_errors_match_redis() {
        let mut h = Harness::new();
        set(&h, "a", "1");
        let same = "ERR source and destination objects are the same";
        assert_eq!(h.err(&["COPY", "a", "a"]), same);
        assert_eq!(h.err(&["COPY", "nokey", "nokey"]), same);
        assert_eq!(h.err(&["COPY", "a", "a", "DB", "0", "REPLACE"]), same);
        assert_eq!(
            h.err(&["COPY", "a", "x", "DB", "16"]),
            "ERR DB index is out of range"
        );
        assert_eq!(
            h.err(&["COPY", "a", "x", "db", "-1"]),
            "ERR DB index is out of range"
        );
        assert_eq!(
            h.err(&["COPY", "a", "x", "DB", "abc"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(
            h.err(&["COPY", "a", "x", "DB", "4294967296"]),
            "ERR value is out of range, value must between -2147483648 and 2147483647"
        );
        assert_eq!(h.err(&["COPY", "a", "x", "DB"]), "ERR syntax error");
        assert_eq!(h.err(&["COPY", "a", "x", "foo"]), "ERR syntax error");
        assert_eq!(
            h.err(&["COPY", "a", "x", "DB", "99", "foo"]),
            "ERR DB index is out of range"
        );
        assert_eq!(
            h.err(&["COPY", "a", "x", "foo", "DB", "99"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["COPY", "a"]),
            "ERR wrong number of arguments for 'copy' command"
        );
        assert_eq!(h.run(&["EXISTS", "x"]), int(0));
    }

    #[test]
    fn copy_duplicates_value_and_ttl() {
        let mut h = Harness::new();
        set_px(&h, "a", "1", 100_000);
        set(&h, "b", "2");
        assert_eq!(h.run(&["COPY", "nokey", "x"]), int(0));
        assert_eq!(h.run(&["COPY", "a", "b"]), int(0));
        assert_eq!(get_str(&h, 0, "b").as_deref(), Some("2"));
        assert_eq!(h.run(&["COPY", "a", "b", "REPLACE"]), int(1));
        assert_eq!(get_str(&h, 0, "b").as_deref(), Some("1"));
        assert_eq!(expiry(&h, 0, "b"), expiry(&h, 0, "a"));
        assert_eq!(h.run(&["COPY", "a", "a", "DB", "1"]), int(1));
        assert_eq!(get_str(&h, 1, "a").as_deref(), Some("1"));
        assert_eq!(expiry(&h, 1, "a"), expiry(&h, 0, "a"));
        // The last DB option wins.
        assert_eq!(
            h.run(&["COPY", "a", "z", "DB", "1", "DB", "2", "replace", "REPLACE"]),
            int(1)
        );
        assert_eq!(get_str(&h, 2, "z").as_deref(), Some("1"));
        assert_eq!(get(&h, 1, "z").map(|_| ()), None);
        // The source keeps its value; a persistent source gives a persistent copy.
        assert_eq!(get_str(&h, 0, "a").as_deref(), Some("1"));
        set(&h, "p", "v");
        set_px(&h, "q", "old", 5000);
        assert_eq!(h.run(&["COPY", "p", "q", "REPLACE"]), int(1));
        assert_eq!(h.run(&["TTL", "q"]), int(-1));
    }

    #[test]
    fn copy_of_a_collection_is_independent() {
        let mut h = Harness::new();
        h.put(0, "l", list(&["x", "y"]), None);
        assert_eq!(h.run(&["COPY", "l", "l2"]), int(1));
        let (Some(Value::List(src)), Some(Value::List(dst))) = (get(&h, 0, "l"), get(&h, 0, "l2"))
        else {
            panic!("lists expected")
        };
        assert!(!Arc::ptr_eq(&src, &dst));
        src.write().items.push_back(Bytes::from_static(b"z"));
        assert_eq!(src.read().items.len(), 3);
        assert_eq!(dst.read().items.len(), 2);
        let mut hash = HashValue::default();
        hash.insert(b"f", Bytes::from_static(b"v"));
        h.put(0, "h", Value::Hash(Arc::new(RwLock::new(hash))), None);
        assert_eq!(h.run(&["COPY", "h", "h", "DB", "3"]), int(1));
        h.run(&["SELECT", "3"]);
        let Some(Value::Hash(copy)) = get(&h, 3, "h") else {
            panic!("hash expected")
        };
        assert_eq!(copy.read().len(), 1);
    }

    #[test]
    fn object_encoding_and_refcount() {
        let mut h = Harness::new();
        set(&h, "int", "123");
        set(&h, "big", "12345");
        set(&h, "emb", "hello");
        set(&h, "raw", &"x".repeat(45));
        h.put(
            0,
            "mod",
            Value::String(StringValue::modified(b"12".to_vec())),
            None,
        );
        h.put(0, "l", list(&["a"]), None);
        h.put(0, "h", Value::Hash(Default::default()), None);
        let mut ints = SetValue::default();
        ints.insert(b"1");
        h.put(0, "si", Value::Set(Arc::new(RwLock::new(ints))), None);
        let mut strs = SetValue::default();
        strs.insert(b"a");
        h.put(0, "ss", Value::Set(Arc::new(RwLock::new(strs))), None);
        h.put(
            0,
            "z",
            Value::SortedSet(Arc::new(RwLock::new(SortedSetValue::default()))),
            None,
        );
        for (key, enc) in [
            ("int", "int"),
            ("big", "int"),
            ("emb", "embstr"),
            ("raw", "raw"),
            ("mod", "raw"),
            ("l", "quicklist"),
            ("h", "listpack"),
            ("si", "intset"),
            ("ss", "hashtable"),
            ("z", "listpack"),
        ] {
            assert_eq!(h.run(&["OBJECT", "ENCODING", key]), bulk(enc), "{key}");
        }
        assert_eq!(h.run(&["object", "Encoding", "nokey"]), Reply::Null);
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "int"]), int(2147483647));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "big"]), int(1));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "l"]), int(1));
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "nokey"]), Reply::Null);
        {
            let mut config = h.server.config.write();
            config.maxmemory = 1 << 30;
            config.maxmemory_policy = "allkeys-lru".into();
        }
        assert_eq!(h.run(&["OBJECT", "REFCOUNT", "int"]), int(1));
    }

    /// Waits until the store clock has moved past the start (keys created before this are
    /// then idle for at least a second).
    fn wait_a_second(h: &Harness) {
        let start = h.server.store.clock_secs();
        while h.server.store.clock_secs() == start {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn idle(h: &mut Harness, key: &str) -> i64 {
        match h.run(&["OBJECT", "IDLETIME", key]) {
            Reply::Integer(n) => n,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn object_idletime_is_not_reset_by_introspection() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        set(&h, "j", "v");
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "k"]), int(0));
        wait_a_second(&h);
        for cmd in [
            &["OBJECT", "ENCODING", "k"][..],
            &["OBJECT", "REFCOUNT", "k"],
            &["OBJECT", "FREQ", "k"],
            &["TTL", "k"],
            &["PTTL", "k"],
            &["EXPIRETIME", "k"],
            &["TYPE", "k"],
            &["EXISTS", "k"],
            &["SCAN", "0", "TYPE", "string"],
            &["KEYS", "*"],
        ] {
            h.run(cmd);
            assert!(idle(&mut h, "k") >= 1, "{cmd:?} reset the idle time");
        }
        assert_eq!(h.run(&["TOUCH", "k"]), int(1));
        assert_eq!(idle(&mut h, "k"), 0);
        assert!(idle(&mut h, "j") >= 1);
        assert_eq!(h.run(&["EXPIRE", "j", "100"]), int(1));
        assert_eq!(idle(&mut h, "j"), 0);
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "nokey"]), Reply::Null);
    }

    #[test]
    fn object_freq_and_idletime_depend_on_policy() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        assert_eq!(
            h.err(&["OBJECT", "FREQ", "k"]),
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
        );
        // A missing key is null before the policy is checked.
        assert_eq!(h.run(&["OBJECT", "FREQ", "nokey"]), Reply::Null);
        h.server.config.write().maxmemory_policy = "allkeys-lfu".into();
        h.server.config_changed();
        // Keys made under an LFU policy start at Redis's LFU_INIT_VAL; a read counts
        // (at the initial value every access does).
        h.run(&["DEL", "k"]);
        set(&h, "k", "v");
        assert_eq!(h.run(&["OBJECT", "FREQ", "k"]), int(5));
        h.run(&["GET", "k"]);
        assert_eq!(h.run(&["OBJECT", "FREQ", "k"]), int(6));
        // Overwriting keeps the counter, as Redis's dbSetValue.
        set(&h, "k", "w");
        assert_eq!(h.run(&["OBJECT", "FREQ", "k"]), int(6));
        assert_eq!(
            h.err(&["OBJECT", "IDLETIME", "k"]),
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
        );
        assert_eq!(h.run(&["OBJECT", "IDLETIME", "nokey"]), Reply::Null);
        h.server.config.write().maxmemory_policy = "volatile-lfu".into();
        h.server.config_changed();
        assert_eq!(h.run(&["OBJECT", "FREQ", "k"]), int(6));
        h.server.config.write().maxmemory_policy = "allkeys-lru".into();
        h.server.config_changed();
        set(&h, "k", "v");
        assert_eq!(idle(&mut h, "k"), 0);
    }

    #[test]
    fn object_help_and_errors() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["OBJECT", "help"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 15);
        assert_eq!(
            lines[0],
            Reply::simple("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
        assert_eq!(lines[14], Reply::simple("    Prints this help."));
        assert_eq!(
            h.err(&["OBJECT"]),
            "ERR wrong number of arguments for 'object' command"
        );
        assert_eq!(
            h.err(&["OBJECT", "foo"]),
            "ERR unknown subcommand 'foo'. Try OBJECT HELP."
        );
        assert_eq!(
            h.err(&["OBJECT", "encoding", "a", "b"]),
            "ERR wrong number of arguments for 'object|encoding' command"
        );
        assert_eq!(
            h.err(&["OBJECT", "help", "x"]),
            "ERR wrong number of arguments for 'object|help' command"
        );
    }

    #[test]
    fn lookups_count_keyspace_hits_like_redis() {
        let mut h = Harness::new();
        set(&h, "k", "v");
        let stats = |h: &Harness| h.server.store.hits_and_misses();
        for (cmd, delta) in [
            (&["TTL", "k"][..], (1, 0)),
            (&["TTL", "nokey"], (0, 1)),
            (&["TYPE", "k"], (1, 0)),
            (&["EXISTS", "k", "nokey"], (1, 1)),
            (&["OBJECT", "ENCODING", "k"], (1, 0)),
            (&["EXPIRETIME", "k"], (1, 0)),
            (&["TOUCH", "k", "nokey"], (1, 1)),
            (&["COPY", "k", "k2"], (1, 0)),
            (&["PERSIST", "k"], (0, 0)),
            (&["EXPIRE", "k", "100"], (0, 0)),
            (&["KEYS", "*"], (0, 0)),
            (&["SCAN", "0"], (0, 0)),
            (&["RANDOMKEY"], (0, 0)),
            (&["RENAME", "k2", "k3"], (0, 0)),
            (&["DEL", "k3"], (0, 0)),
        ] {
            let before = stats(&h);
            h.run(cmd);
            let after = stats(&h);
            assert_eq!((after.0 - before.0, after.1 - before.1), delta, "{cmd:?}");
        }
    }

    #[test]
    fn commands_work_in_the_selected_db() {
        let mut h = Harness::new();
        h.put(5, "k", Value::string(Bytes::from_static(b"v")), None);
        h.session.db = 5;
        assert_eq!(h.run(&["EXISTS", "k"]), int(1));
        assert_eq!(h.run(&["KEYS", "*"]), Reply::bulks(["k"]));
        assert_eq!(scan_once(&mut h, &["0"]).1, ["k"]);
        assert_eq!(h.run(&["RANDOMKEY"]), bulk("k"));
        assert_eq!(h.run(&["COPY", "k", "k", "DB", "0"]), int(1));
        assert_eq!(h.run(&["RENAME", "k", "j"]), Reply::ok());
        assert_eq!(h.run(&["DEL", "j"]), int(1));
        assert_eq!(get_str(&h, 0, "k").as_deref(), Some("v"));
    }

    #[test]
    fn rename_is_atomic_under_concurrency() {
        let h = Harness::new();
        set(&h, "a", "v");
        let stop = Arc::new(AtomicBool::new(false));
        let renamers: Vec<_> = [("a", "b"), ("b", "a"), ("a", "b"), ("b", "a")]
            .into_iter()
            .map(|(from, to)| {
                let mut c = other_client(&h);
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let mut done = 0;
                    while !stop.load(Ordering::Relaxed) {
                        match c.run(&["RENAME", from, to]) {
                            Reply::Simple(_) => done += 1,
                            Reply::Error(e) => assert_eq!(e, Error::NoSuchKey),
                            other => panic!("{other:?}"),
                        }
                    }
                    done
                })
            })
            .collect();
        let checkers: Vec<_> = (0..3)
            .map(|_| {
                let mut c = other_client(&h);
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        assert_eq!(c.run(&["EXISTS", "a", "b"]), int(1));
                    }
                })
            })
            .collect();
        for c in checkers {
            c.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        let renames: i32 = renamers.into_iter().map(|r| r.join().unwrap()).sum();
        assert!(renames > 0);
        let mut h = h;
        assert_eq!(h.run(&["EXISTS", "a", "b"]), int(1));
        assert_eq!(sorted_keys(&h.run(&["KEYS", "*"])).len(), 1);
    }

    #[test]
    fn multi_key_del_and_copy_are_atomic() {
        let h = Harness::new();
        let stop = Arc::new(AtomicBool::new(false));
        // A writer creates x and y together; a deleter removes both in one DEL.
        let writer = {
            let server = h.server.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let txn = server.store.txn(Access::Write, 0, [&b"x"[..], &b"y"[..]]);
                    txn.set(
                        0,
                        b"x",
                        Value::string(Bytes::from_static(b"1")),
                        None,
                        crate::store::Event::Set,
                    );
                    txn.set(
                        0,
                        b"y",
                        Value::string(Bytes::from_static(b"1")),
                        None,
                        crate::store::Event::Set,
                    );
                }
            })
        };
        let deleter = {
            let mut c = other_client(&h);
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Reply::Integer(n) = c.run(&["DEL", "x", "y"]) else {
                        panic!()
                    };
                    assert!(n == 0 || n == 2, "DEL removed {n}");
                }
            })
        };
        let mut c = other_client(&h);
        for _ in 0..20_000 {
            let Reply::Integer(n) = c.run(&["EXISTS", "x", "y"]) else {
                panic!()
            };
            assert!(n == 0 || n == 2, "torn state: {n}");
            // COPY reads x and writes c in one txn.
            c.run(&["COPY", "x", "cx", "REPLACE"]);
        }
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        deleter.join().unwrap();
    }
}
