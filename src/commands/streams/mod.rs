//! The stream family: append-only logs of field/value entries and their consumer groups,
//! as Redis 7.0 answers them.
//!
//! Every command works on `Value::Stream` keys (the structure is `crate::store::stream`);
//! any other type answers WRONGTYPE. Each command runs in the txn the execution path
//! opened over its keys, records Redis's keyspace events (`xadd`, `xtrim`, `xdel`,
//! `xsetid`, `xgroup-create`, `xgroup-createconsumer`, `xgroup-delconsumer`,
//! `xgroup-destroy`, `xgroup-setid`; consumer-group bookkeeping, as in Redis, does not
//! count as a modification for WATCH), and logs its deterministic effect for the AOF as
//! Redis propagates it: XADD with the id it made (and an approximate trim as the exact one
//! it did), XREADGROUP / XCLAIM / XAUTOCLAIM as `XCLAIM ... FORCE JUSTID LASTID` per entry
//! whose ownership changed (plus `XGROUP SETID` / `XGROUP CREATECONSUMER` where an XCLAIM
//! cannot carry the change, and `XGROUP SETID ... ENTRIESREAD` after every read that moved
//! a group, which Redis logs for NOACK reads only, so `entries-read` and `lag` survive a
//! replay exactly).
//!
//! Ids are `<ms>-<seq>` (a missing sequence is 0 at the start of a range and the maximum
//! at its end; `-` and `+` are the extremes; `(` makes a range bound exclusive), parsed as
//! Redis parses them (`string2ull`, so ` 5` and `+5` are 5); a bad one is `ERR Invalid
//! stream ID specified as stream command argument`.
//!
//! # Commands
//! - `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
//!   [field value ...]` — the new entry's id (bulk), or null with NOMKSTREAM on a missing
//!   key. Errors: `The ID specified in XADD must be greater than 0-0`, `... is equal or
//!   smaller than the target stream top item`, `The stream has exhausted the last possible
//!   ID, unable to add more items`, `Elements are too large to be stored`, the trim
//!   option errors below, wrong arity for a missing or odd field list.
//! - `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]` — how many entries went.
//!   `~` removes whole nodes only, at most LIMIT entries (default 100 nodes' worth).
//!   Errors: `syntax error, XTRIM must be called with a trimming strategy`, `syntax error,
//!   MAXLEN and MINID options at the same time are not compatible`, `syntax error, LIMIT
//!   cannot be used without the special ~ option` / `... without specifying a trimming
//!   strategy`, `The MAXLEN argument must be >= 0.`, `The LIMIT argument must be >= 0.`.
//! - `XLEN key` — integer. `XDEL key id [id ...]` — how many were deleted.
//! - `XRANGE key start end [COUNT n]` / `XREVRANGE key end start [COUNT n]` — entries as
//!   `[id, [field, value, ...]]`; COUNT 0 is a null array. `invalid start ID for the
//!   interval` / `invalid end ID ...` for an exclusive bound past the extremes.
//! - `XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]` — per stream with
//!   entries after its id (`$`: the stream's last id), `[key, entries]` (a map in RESP3);
//!   a null array when none and not blocking, or at the timeout. Blocks (not inside MULTI
//!   or scripts) until an XADD serves it, in the order clients blocked.
//! - `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key [key ...]
//!   id [id ...]` — `>` delivers entries never delivered to the group (creating pending
//!   entries unless NOACK); another id re-reads the consumer's own pending entries after
//!   it (a deleted one as `[id, null]`). A blocked XREADGROUP fails with `UNBLOCKED the
//!   stream key no longer exists` when the key goes and `NOGROUP the consumer group this
//!   client was blocked on no longer exists` when the group does.
//! - `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]`, `XGROUP SETID key group
//!   id|$ [ENTRIESREAD n]` — OK; `XGROUP DESTROY key group` — 1/0; `XGROUP CREATECONSUMER
//!   key group consumer` — 1/0; `XGROUP DELCONSUMER key group consumer` — the consumer's
//!   pending count; `XGROUP HELP`.
//! - `XACK key group id [id ...]` — how many were pending.
//! - `XPENDING key group [[IDLE ms] start end count [consumer]]` — the summary `[count,
//!   first, last, [[consumer, count], ...]]`, or `[id, consumer, idle ms, deliveries]` rows.
//! - `XCLAIM key group consumer min-idle id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
//!   [FORCE] [JUSTID] [LASTID id]` — the claimed entries (ids with JUSTID).
//! - `XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]` — `[next cursor,
//!   claimed, deleted ids]`.
//! - `XINFO STREAM key [FULL [COUNT n]]`, `XINFO GROUPS key`, `XINFO CONSUMERS key group`,
//!   `XINFO HELP` — maps with Redis 7.0's fields (`lag` and `entries-read` computed as 7.0
//!   does, null when unknown).
//! - `XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]` — OK.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::args::{self, opt};
use super::command::help_reply;
use super::{BlockOn, Command, Ctx, Protocol, Reply};
use crate::error::{Error, Result};
use crate::exec::propagate;
use crate::store::numeric::parse_i64;
use crate::store::stream::{
    ConsumerGroup, INVALID_ENTRIES_READ, LISTPACK_MAX_SIZE, Pending, StreamId, StreamMeta,
    StreamValue, Trim,
};
use crate::store::{Entry, Event, Txn, Value, ValueType};

pub static COMMANDS: &[Command] = &[
    Command::new("xadd", xadd),
    Command::new("xtrim", xtrim),
    Command::new("xlen", xlen),
    Command::new("xdel", xdel),
    Command::new("xrange", xrange),
    Command::new("xrevrange", xrevrange),
    Command::new("xread", xread),
    Command::new("xreadgroup", xreadgroup),
    Command::new("xack", xack),
    Command::new("xpending", xpending),
    Command::new("xclaim", xclaim),
    Command::new("xautoclaim", xautoclaim),
    Command::new("xsetid", xsetid),
    Command::container("xgroup", XGROUP_SUBCOMMANDS),
    Command::container("xinfo", XINFO_SUBCOMMANDS),
];

static XGROUP_SUBCOMMANDS: &[Command] = &[
    Command::new("destroy", xgroup).of("xgroup"),
    Command::new("delconsumer", xgroup).of("xgroup"),
    Command::new("create", xgroup).of("xgroup"),
    Command::new("setid", xgroup).of("xgroup"),
    Command::new("createconsumer", xgroup).of("xgroup"),
    Command::new("help", xgroup_help).of("xgroup"),
];

static XINFO_SUBCOMMANDS: &[Command] = &[
    Command::new("help", xinfo_help).of("xinfo"),
    Command::new("consumers", xinfo).of("xinfo"),
    Command::new("groups", xinfo).of("xinfo"),
    Command::new("stream", xinfo).of("xinfo"),
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

type Shared = Arc<RwLock<StreamValue>>;

/// XREAD's COUNT when it blocks without one (`XREAD_BLOCKED_DEFAULT_COUNT`).
const BLOCKED_DEFAULT_COUNT: usize = 1000;

fn stream_at(entry: Option<&Entry>) -> Result<Option<&Shared>> {
    match entry.map(|e| e.value()) {
        None => Ok(None),
        Some(Value::Stream(stream)) => Ok(Some(stream)),
        Some(_) => Err(Error::WrongType),
    }
}

fn stream_for_read<'t>(txn: &'t Txn<'_>, db: usize, key: &[u8]) -> Result<Option<&'t Shared>> {
    stream_at(txn.get(db, key))
}

fn stream_for_write<'t>(txn: &'t Txn<'_>, db: usize, key: &[u8]) -> Result<Option<&'t Shared>> {
    stream_at(txn.get_for_write(db, key))
}

fn invalid_id() -> Error {
    Error::full("ERR Invalid stream ID specified as stream command argument")
}

/// A client-supplied name as Redis prints it with `%s` in an error: up to a NUL byte,
/// newlines blanked (`addReplyErrorFormat`).
fn printed(name: &[u8]) -> String {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    String::from_utf8_lossy(&name[..end]).replace(['\r', '\n'], " ")
}

/// An error whose text is built at run time (its code included).
fn error(text: String) -> Error {
    Error::Other(text.into())
}

/// `addReplySubcommandSyntaxError` for `container` (upper case).
fn subcommand_syntax_error(argv: &[Bytes], container: &str) -> Error {
    let sub = &argv[1][..argv[1].len().min(128)];
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {container} HELP.",
        printed(sub)
    ))
}

/// Redis's `string2ull`: `string2ll` when that parses (negative refused), else C's
/// `strtoull` over the whole string (leading spaces and a sign allowed, `-` wrapping).
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut rest = s;
    while let [c, tail @ ..] = rest
        && matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    {
        rest = tail;
    }
    let negative = match rest.first() {
        Some(b'-') => {
            rest = &rest[1..];
            true
        }
        Some(b'+') => {
            rest = &rest[1..];
            false
        }
        _ => false,
    };
    if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in rest {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// How an id argument is read (`streamGenericParseIDOrReply`).
#[derive(Clone, Copy)]
struct IdRules {
    /// The sequence of an id given as `<ms>` alone.
    missing_seq: u64,
    /// Refuse `-` and `+`.
    strict: bool,
    /// Accept `<ms>-*` (XADD): the sequence is then not given.
    auto_seq: bool,
}

const STRICT: IdRules = IdRules {
    missing_seq: 0,
    strict: true,
    auto_seq: false,
};

/// Parses an id; also whether its sequence was given (false for `<ms>-*`).
fn parse_id_with(arg: &[u8], rules: IdRules) -> Result<(StreamId, bool)> {
    if arg.len() > 127 {
        return Err(invalid_id());
    }
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    let s = &arg[..end];
    if rules.strict && (s == b"-" || s == b"+") {
        return Err(invalid_id());
    }
    match s {
        b"-" => return Ok((StreamId::MIN, true)),
        b"+" => return Ok((StreamId::MAX, true)),
        _ => {}
    }
    let (ms_part, seq_part) = match s.iter().position(|&b| b == b'-') {
        Some(dash) => (&s[..dash], Some(&s[dash + 1..])),
        None => (s, None),
    };
    let ms = string2ull(ms_part).ok_or_else(invalid_id)?;
    match seq_part {
        Some(b"*") if rules.auto_seq => Ok((StreamId::new(ms, 0), false)),
        Some(seq) => Ok((
            StreamId::new(ms, string2ull(seq).ok_or_else(invalid_id)?),
            true,
        )),
        None => Ok((StreamId::new(ms, rules.missing_seq), true)),
    }
}

fn parse_strict(arg: &[u8]) -> Result<StreamId> {
    Ok(parse_id_with(arg, STRICT)?.0)
}

/// A range bound: `(` makes it exclusive (`streamParseIntervalIDOrReply`).
fn parse_bound(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool)> {
    if arg.len() > 1 && arg[0] == b'(' {
        let rules = IdRules {
            missing_seq,
            strict: true,
            auto_seq: false,
        };
        return Ok((parse_id_with(&arg[1..], rules)?.0, true));
    }
    let rules = IdRules {
        missing_seq,
        strict: false,
        auto_seq: false,
    };
    Ok((parse_id_with(arg, rules)?.0, false))
}

/// The inclusive start of a range from its argument.
fn range_start(arg: &[u8]) -> Result<StreamId> {
    match parse_bound(arg, 0)? {
        (id, true) => id
            .incr()
            .ok_or_else(|| Error::full("ERR invalid start ID for the interval")),
        (id, false) => Ok(id),
    }
}

/// The inclusive end of a range from its argument.
fn range_end(arg: &[u8]) -> Result<StreamId> {
    match parse_bound(arg, u64::MAX)? {
        (id, true) => id
            .decr()
            .ok_or_else(|| Error::full("ERR invalid end ID for the interval")),
        (id, false) => Ok(id),
    }
}

fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

fn entry_reply(id: StreamId, fields: Vec<Bytes>) -> Reply {
    Reply::Array(vec![
        id_reply(id),
        Reply::Array(fields.into_iter().map(Reply::Bulk).collect()),
    ])
}

/// Up to `count` (0: all) entries of `start..=end` as replies.
fn range_reply(
    stream: &StreamValue,
    start: StreamId,
    end: StreamId,
    count: usize,
    rev: bool,
) -> Vec<Reply> {
    let mut out = Vec::new();
    for entry in stream.range(start, end, rev) {
        out.push(entry_reply(entry.id, entry.fields()));
        if count != 0 && out.len() == count {
            break;
        }
    }
    out
}

fn now_ms(ctx: &Ctx<'_>) -> i64 {
    ctx.now_ms() as i64
}

fn word(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: impl itoa::Integer) -> Bytes {
    Bytes::copy_from_slice(itoa::Buffer::new().format(n).as_bytes())
}

fn aof_on(ctx: &Ctx<'_>) -> bool {
    ctx.server.aof.active()
}

/// `streamPropagateXCLAIM`: the XCLAIM that gives `id` to its current owner with its
/// delivery time and count, and moves the group's last id (replayable as is).
fn log_claim(ctx: &Ctx<'_>, key: &[u8], group_name: &[u8], group: &ConsumerGroup, id: StreamId) {
    if let Some(pending) = group.pel.get(&id) {
        log_pending(ctx, key, group_name, group.last_id, id, pending);
    }
}

/// The XCLAIM of `pending` as it is (for an entry whose stream entry is gone, Redis logs
/// it before dropping it: on replay FORCE finds no entry and the pending entry goes).
fn log_pending(
    ctx: &Ctx<'_>,
    key: &[u8],
    group_name: &[u8],
    last_id: StreamId,
    id: StreamId,
    pending: &Pending,
) {
    propagate::push(
        ctx.db(),
        vec![
            word("XCLAIM"),
            Bytes::copy_from_slice(key),
            Bytes::copy_from_slice(group_name),
            pending.consumer.clone(),
            word("0"),
            id.to_bytes(),
            word("TIME"),
            num(pending.delivery_time),
            word("RETRYCOUNT"),
            num(pending.delivery_count),
            word("FORCE"),
            word("JUSTID"),
            word("LASTID"),
            last_id.to_bytes(),
        ],
    );
}

/// `streamPropagateGroupID`: `XGROUP SETID key group last-id ENTRIESREAD n`.
fn log_group_id(ctx: &Ctx<'_>, key: &[u8], group_name: &[u8], group: &ConsumerGroup) {
    propagate::push(
        ctx.db(),
        vec![
            word("XGROUP"),
            word("SETID"),
            Bytes::copy_from_slice(key),
            Bytes::copy_from_slice(group_name),
            group.last_id.to_bytes(),
            word("ENTRIESREAD"),
            num(group.entries_read),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// XADD, XTRIM
// ---------------------------------------------------------------------------------------

/// XADD's and XTRIM's options (`streamAddTrimArgs`).
#[derive(Default)]
struct AddTrimArgs {
    /// XADD's id, when not `*`, and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    no_mkstream: bool,
    trim: Option<Trim>,
    /// The position of the trim threshold (for rewriting an approximate trim).
    trim_at: usize,
    approx: bool,
    limit: u64,
    /// Where XADD's id is (`argv.len()` when missing).
    id_at: usize,
}

/// `streamParseAddOrTrimArgsOrReply`, Redis's order of checks included.
fn parse_add_trim(ctx: &Ctx<'_>, argv: &[Bytes], xadd: bool) -> Result<AddTrimArgs> {
    let mut args = AddTrimArgs::default();
    let mut limit_given = false;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let arg = &argv[i];
        if xadd && &arg[..] == b"*" {
            break;
        } else if (opt(arg, "MAXLEN") || opt(arg, "MINID")) && more > 0 {
            if args.trim.is_some() {
                return Err(Error::full(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
                ));
            }
            let maxlen = opt(arg, "MAXLEN");
            args.approx = false;
            let next = &argv[i + 1];
            if more >= 2 && &next[..] == b"~" {
                args.approx = true;
                i += 1;
            } else if more >= 2 && &next[..] == b"=" {
                i += 1;
            }
            let threshold = &argv[i + 1];
            if maxlen {
                let n = args::int(threshold)?;
                if n < 0 {
                    return Err(Error::full("ERR The MAXLEN argument must be >= 0."));
                }
                args.trim = Some(Trim::MaxLen(n as u64));
            } else {
                args.trim = Some(Trim::MinId(parse_strict(threshold)?));
            }
            i += 1;
            args.trim_at = i;
        } else if opt(arg, "LIMIT") && more > 0 {
            let n = args::int(&argv[i + 1])?;
            if n < 0 {
                return Err(Error::full("ERR The LIMIT argument must be >= 0."));
            }
            args.limit = n as u64;
            limit_given = true;
            i += 1;
        } else if xadd && opt(arg, "NOMKSTREAM") {
            args.no_mkstream = true;
        } else if xadd {
            let rules = IdRules {
                missing_seq: 0,
                strict: true,
                auto_seq: true,
            };
            args.id = Some(parse_id_with(arg, rules)?);
            break;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    args.id_at = i;
    if args.limit != 0 && args.trim.is_none() {
        return Err(Error::full(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && args.trim.is_none() {
        return Err(Error::full(
            "ERR syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if ctx.session.replaying {
        // The log holds exact trims (see `log_trim`): obey them whole.
        args.limit = 0;
    } else if limit_given {
        if !args.approx {
            return Err(Error::full(
                "ERR syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
    } else if args.approx {
        let per_node = ctx.server.config.read().stream_node_max_entries;
        let limit = per_node.saturating_mul(100);
        args.limit = match limit {
            0 => 10_000,
            l => l.min(1_000_000),
        };
    } else {
        args.limit = 0;
    }
    Ok(args)
}

/// An approximate trim is logged as the exact one it amounted to (`MAXLEN = <length>`,
/// `MINID = <first id>`), as Redis rewrites it for replicas and the AOF.
fn rewrite_trim(line: &mut [Bytes], args: &AddTrimArgs, stream: &StreamValue) {
    if !args.approx {
        return;
    }
    line[args.trim_at - 1] = word("=");
    line[args.trim_at] = match args.trim {
        Some(Trim::MaxLen(_)) => num(stream.len()),
        _ => stream.first_entry_id(false).to_bytes(),
    };
}

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
/// [field value ...]` → the entry's id, or null (NOMKSTREAM, missing key).
pub fn xadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let args = parse_add_trim(ctx, argv, true)?;
    let fields_at = args.id_at + 1;
    if fields_at > argv.len() || (argv.len() - fields_at) < 2 || (argv.len() - fields_at) % 2 == 1 {
        return Err(Error::WrongArity("xadd".into()));
    }
    if let Some((id, true)) = args.id
        && id.is_zero()
    {
        return Err(Error::full(
            "ERR The ID specified in XADD must be greater than 0-0",
        ));
    }
    let (db, txn, key) = (ctx.db(), ctx.txn(), &argv[1]);
    let stream = match stream_for_write(txn, db, key)? {
        Some(stream) => stream.clone(),
        None if args.no_mkstream => return Ok(Reply::Null),
        None => {
            let stream: Shared = Arc::new(RwLock::new(StreamValue::new()));
            txn.add(db, key, Value::Stream(stream.clone()));
            stream
        }
    };
    let mut s = stream.write();
    let last = s.meta.last_id;
    if last == StreamId::MAX {
        return Err(Error::full(
            "ERR The stream has exhausted the last possible ID, unable to add more items",
        ));
    }
    let too_large = || Error::full("ERR Elements are too large to be stored");
    let id = match args.id {
        Some((id, true)) => id,
        Some((id, false)) if id.ms == last.ms => {
            StreamId::new(id.ms, last.seq.checked_add(1).ok_or_else(too_large)?)
        }
        Some((id, false)) => id,
        None => {
            let now = ctx.now_ms();
            if now > last.ms {
                StreamId::new(now, 0)
            } else {
                last.incr().expect("not the last possible id")
            }
        }
    };
    if id <= last {
        return Err(Error::full(
            "ERR The ID specified in XADD is equal or smaller than the target stream top item",
        ));
    }
    let fields = &argv[fields_at..];
    let total: u64 = fields.iter().map(|f| f.len() as u64).sum();
    if total > LISTPACK_MAX_SIZE {
        return Err(too_large());
    }
    let (max_bytes, max_entries) = {
        let config = ctx.server.config.read();
        (config.stream_node_max_bytes, config.stream_node_max_entries)
    };
    s.append(id, fields, max_bytes, max_entries);
    txn.modified(db, key, Event::XAdd);
    if let Some(trim) = args.trim
        && s.trim(trim, args.approx, args.limit) > 0
    {
        txn.note(db, key, Event::XTrim);
    }
    if aof_on(ctx) {
        let mut line = argv.to_vec();
        if args.trim.is_some() {
            rewrite_trim(&mut line, &args, &s);
        }
        if !matches!(args.id, Some((_, true))) {
            line[args.id_at] = id.to_bytes();
        }
        propagate::push(db, line);
    }
    Ok(id_reply(id))
}

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]` → how many entries were removed.
fn xtrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let args = parse_add_trim(ctx, argv, false)?;
    let (db, txn, key) = (ctx.db(), ctx.txn(), &argv[1]);
    let Some(stream) = stream_for_write(txn, db, key)? else {
        return Ok(Reply::Integer(0));
    };
    let mut s = stream.write();
    let trim = args.trim.expect("XTRIM has a strategy");
    let deleted = s.trim(trim, args.approx, args.limit);
    if deleted > 0 {
        txn.modified(db, key, Event::XTrim);
        if aof_on(ctx) {
            let mut line = argv.to_vec();
            rewrite_trim(&mut line, &args, &s);
            propagate::push(db, line);
        }
    }
    Ok(Reply::integer(deleted))
}

// ---------------------------------------------------------------------------------------
// XLEN, XDEL, XRANGE, XREVRANGE
// ---------------------------------------------------------------------------------------

/// `XLEN key` → the number of entries (0 for a missing key).
fn xlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let len = stream_for_read(ctx.txn(), ctx.db(), &argv[1])?.map_or(0, |s| s.read().len());
    Ok(Reply::integer(len))
}

/// `XDEL key id [id ...]` → how many entries were deleted.
fn xdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (db, txn, key) = (ctx.db(), ctx.txn(), &argv[1]);
    let Some(stream) = stream_for_write(txn, db, key)? else {
        return Ok(Reply::Integer(0));
    };
    let ids = argv[2..]
        .iter()
        .map(|a| parse_strict(a))
        .collect::<Result<Vec<_>>>()?;
    let mut s = stream.write();
    let mut deleted = 0;
    let mut first_deleted = false;
    for id in ids {
        if s.delete(id) {
            if id == s.meta.first_id {
                first_deleted = true;
            }
            if id > s.meta.max_deleted_id {
                s.meta.max_deleted_id = id;
            }
            deleted += 1;
        }
    }
    if deleted > 0 {
        if s.is_empty() {
            s.meta.first_id = StreamId::MIN;
        } else if first_deleted {
            s.meta.first_id = s.first_entry_id(true);
        }
        txn.modified(db, key, Event::XDel);
    }
    Ok(Reply::Integer(deleted))
}

fn range_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> Result<Reply> {
    let (start_arg, end_arg) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = range_start(start_arg)?;
    let end = range_end(end_arg)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if opt(&argv[j], "COUNT") && j + 1 < argv.len() {
            count = args::int(&argv[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let Some(stream) = stream_for_read(ctx.txn(), ctx.db(), &argv[1])? else {
        return Ok(Reply::Array(vec![]));
    };
    if count == 0 {
        return Ok(Reply::NullArray);
    }
    let count = if count < 0 { 0 } else { count as usize };
    Ok(Reply::Array(range_reply(
        &stream.read(),
        start,
        end,
        count,
        rev,
    )))
}

/// `XRANGE key start end [COUNT count]` → entries from start to end.
pub fn xrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_generic(ctx, argv, false)
}

/// `XREVRANGE key end start [COUNT count]` → entries from end down to start.
pub fn xrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    range_generic(ctx, argv, true)
}

mod groups;
mod info;
mod read;

pub use groups::xack;
use groups::{xautoclaim, xclaim, xgroup, xgroup_help, xpending, xsetid};
use info::{xinfo, xinfo_help};
pub use read::{Entries, ReadPlan, Served, read_now, read_plan, read_waiter};
use read::{xread, xreadgroup};

#[cfg(test)]
mod tests;
