//! The bitmap family: strings read and written as arrays of bits and of small integers,
//! as Redis 7.0 answers them.
//!
//! Bit 0 is the most significant bit of the first byte; a string reads as zeros past its
//! end, and a write past its end zero-pads it first. Any key that is not a string answers
//! `WRONGTYPE Operation against a key holding the wrong kind of value`. Reading commands
//! borrow the stored bytes (no copy); writing ones change the string in place
//! (`Txn::edit_string`: a string written whole is copied into a growable buffer once,
//! then edited where it is, so it reports `raw` as Redis's does) and record `setbit`.
//! The bit arithmetic itself is in [`crate::store::bits`].
//!
//! Arguments are checked in Redis's order, which decides which error a bad command gets:
//! SETBIT, GETBIT and BITFIELD parse all their arguments before looking at the key;
//! BITCOUNT and BITPOS look the key up first (a missing key answers before a bad range is
//! noticed), BITPOS after checking the bit.
//!
//! # Commands
//! - `SETBIT key offset value` — integer: the bit's previous value. The string grows
//!   (zero-padded) to hold the bit. `ERR bit offset is not an integer or out of range` for
//!   an offset that is negative or reaches `proto-max-bulk-len` bytes; `ERR bit is not an
//!   integer or out of range` for a value other than 0 or 1. Records `setbit` when the
//!   string was created, grew or the bit changed.
//! - `GETBIT key offset` — integer 0 or 1 (0 past the end or for a missing key).
//! - `BITCOUNT key [start end [BYTE | BIT]]` — integer: set bits in the range (inclusive,
//!   negative indexes from the end, clamped), 0 for a missing key.
//! - `BITPOS key bit [start [end [BYTE | BIT]]]` — integer: the first position holding
//!   `bit`, or -1. A missing key holds only zeros (0 for bit 0, -1 for bit 1). Looking
//!   for a 0 in a string of ones without an explicit end answers the first bit past the
//!   string; with an end, -1. `ERR The bit argument must be 1 or 0.`
//! - `BITOP AND | OR | XOR | NOT destkey key [key ...]` — integer: the length of the
//!   result (the longest input; shorter ones read as zero-padded), stored at `destkey`
//!   without TTL (`set`), or `destkey` deleted (`del`) when every input is empty or
//!   missing. `ERR BITOP NOT must be called with a single source key.`
//! - `BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
//!   increment] [OVERFLOW WRAP | SAT | FAIL] ...` — array: per GET the field, per SET the
//!   old value, per INCRBY the new one; null for a write refused by `OVERFLOW FAIL`.
//!   Types are `i1`..`i64` and `u1`..`u63`; an offset `#n` means `n` times the type's
//!   width. OVERFLOW applies to the writes after it. The string grows to hold the
//!   farthest field written, even when every write fails. Records `setbit` once when any
//!   write changed the string (or created or grew it). Errors: `ERR Invalid bitfield type.
//!   Use something like i16 u8. Note that u64 is not supported but i64 is.`, `ERR Invalid
//!   OVERFLOW type specified`, the bit offset error, `ERR syntax error`.
//! - `BITFIELD_RO key [GET type offset ...]` — BITFIELD's GETs;
//!   `ERR BITFIELD_RO only supports the GET subcommand` for a write.
//!
//! Divergence: Redis multiplies a `#n` offset without checking for overflow, so some
//! huge `n` wrap around to valid offsets; here any offset that overflows is refused.

use bytes::Bytes;

use super::args::{self, opt};
use super::strings::{out_of_memory, proto_max_bulk_len, string_of};
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::store::bits::{self, BitposRange, Overflow, Unit};
use crate::store::numeric::parse_i64;
use crate::store::{Event, StringValue, Value, grow_string_zeroed, zeroed_string};

pub static COMMANDS: &[Command] = &[
    Command::new("setbit", setbit),
    Command::new("getbit", getbit),
    Command::new("bitcount", bitcount),
    Command::new("bitpos", bitpos),
    Command::new("bitop", bitop),
    Command::new("bitfield", bitfield),
    Command::new("bitfield_ro", bitfield_ro),
];

const BAD_OFFSET: &str = "bit offset is not an integer or out of range";

/// Redis's `getBitOffsetFromArgument`: a bit offset below `proto-max-bulk-len` bytes (not
/// checked while the AOF is replayed, as Redis obeys its own log). With `field_bits`
/// (BITFIELD), `#n` means `n` fields of that width; the product wraps as Redis's signed
/// multiplication does on its two's-complement targets (a huge `#n` may wrap back into
/// range, or below zero and fail).
fn bit_offset(ctx: &Ctx<'_>, arg: &[u8], field_bits: Option<u32>) -> Result<u64> {
    let bad = || Error::err(BAD_OFFSET);
    let (digits, scale) = match (arg.split_first(), field_bits) {
        (Some((b'#', rest)), Some(bits)) => (rest, i64::from(bits)),
        _ => (arg, 1),
    };
    let offset = parse_i64(digits)
        .map(|n| n.wrapping_mul(scale))
        .ok_or_else(bad)?;
    if offset < 0 || (!ctx.session.replaying && (offset >> 3) as u64 >= proto_max_bulk_len(ctx)) {
        return Err(bad());
    }
    Ok(offset as u64)
}

/// Redis's `lookupStringForBitCommand` followed by the command's change: the string at
/// `key` (created when missing) zero-padded to hold bit `max_bit`, given to `edit` with
/// whether that lookup already changed the key (created or grew it). `edit` answers its
/// result and whether the key changed; then `setbit` is recorded. A string that is not
/// changed is still turned `raw`, as in Redis.
fn edit_bits<R>(
    ctx: &Ctx<'_>,
    key: &[u8],
    max_bit: u64,
    edit: impl FnOnce(&mut Vec<u8>, bool) -> (R, bool),
) -> Result<R> {
    let db = ctx.db();
    let txn = ctx.txn();
    let len = usize::try_from(max_bit >> 3)
        .ok()
        .and_then(|byte| byte.checked_add(1))
        .ok_or_else(out_of_memory)?;
    let Some(entry) = txn.get_for_write(db, key) else {
        let mut buf = zeroed_string(len).ok_or_else(out_of_memory)?;
        let (out, changed) = edit(&mut buf, true);
        let value = Value::String(StringValue::modified(buf));
        if changed {
            txn.set(db, key, value, None, Event::SetBit);
        } else {
            txn.add(db, key, value);
        }
        return Ok(out);
    };
    string_of(entry)?;
    let (out, changed) = txn
        .edit_string(db, key, |buf| {
            let before = buf.len();
            grow_string_zeroed(buf, len).map_err(|_| out_of_memory())?;
            let grew = buf.len() != before;
            Ok(edit(buf, grew))
        })
        .ok_or(Error::WrongType)??;
    if changed {
        txn.modified(db, key, Event::SetBit);
    }
    Ok(out)
}

/// `SETBIT key offset value` → the bit's previous value.
fn setbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let offset = bit_offset(ctx, &argv[2], None)?;
    let on = match parse_i64(&argv[3]) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(Error::err("bit is not an integer or out of range")),
    };
    let was = edit_bits(ctx, &argv[1], offset, |buf, grew| {
        let was = bits::get_unsigned(buf, offset, 1) == 1;
        if grew || was != on {
            bits::set_field(buf, offset, 1, u64::from(on));
        }
        (was, grew || was != on)
    })?;
    Ok(Reply::Integer(was.into()))
}

/// `GETBIT key offset` → 0 or 1.
fn getbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let offset = bit_offset(ctx, &argv[2], None)?;
    let db = ctx.db();
    let Some(entry) = ctx.txn().get(db, &argv[1]) else {
        return Ok(Reply::Integer(0));
    };
    let bytes = string_of(entry)?.as_bytes();
    Ok(Reply::Integer(bits::get_unsigned(&bytes, offset, 1) as i64))
}

/// The `BYTE | BIT` word of BITCOUNT and BITPOS.
fn unit(arg: &[u8]) -> Result<Unit> {
    if opt(arg, "BIT") {
        Ok(Unit::Bit)
    } else if opt(arg, "BYTE") {
        Ok(Unit::Byte)
    } else {
        Err(Error::Syntax)
    }
}

/// `BITCOUNT key [start end [BYTE | BIT]]` → the number of set bits.
fn bitcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let Some(entry) = ctx.txn().get(db, &argv[1]) else {
        return Ok(Reply::Integer(0));
    };
    let bytes = string_of(entry)?.as_bytes();
    let range = match argv.len() {
        2 => None,
        4 | 5 => {
            let start = args::int(&argv[2])?;
            let end = args::int(&argv[3])?;
            // Redis answers this empty range before it reads the unit.
            if start < 0 && end < 0 && start > end {
                return Ok(Reply::Integer(0));
            }
            let unit = argv.get(4).map_or(Ok(Unit::Byte), |u| unit(u))?;
            Some((start, end, unit))
        }
        _ => return Err(Error::Syntax),
    };
    Ok(Reply::integer(bits::count(&bytes, range)))
}

/// `BITPOS key bit [start [end [BYTE | BIT]]]` → the first position of `bit`, or -1.
fn bitpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let bit = match args::int(&argv[2])? {
        0 => false,
        1 => true,
        _ => return Err(Error::err("The bit argument must be 1 or 0.")),
    };
    let db = ctx.db();
    let Some(entry) = ctx.txn().get(db, &argv[1]) else {
        return Ok(Reply::Integer(if bit { -1 } else { 0 }));
    };
    let bytes = string_of(entry)?.as_bytes();
    let range = match argv.len() {
        3 => None,
        4..=6 => {
            let start = args::int(&argv[3])?;
            // Redis reads the unit before the end.
            let unit = argv.get(5).map_or(Ok(Unit::Byte), |u| unit(u))?;
            let end = argv.get(4).map(|e| args::int(e)).transpose()?;
            Some(BitposRange { start, end, unit })
        }
        _ => return Err(Error::Syntax),
    };
    Ok(Reply::Integer(bits::position(&bytes, bit, range)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP AND | OR | XOR | NOT destkey key [key ...]` → the length of the result.
fn bitop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let op = [
        ("AND", BitOp::And),
        ("OR", BitOp::Or),
        ("XOR", BitOp::Xor),
        ("NOT", BitOp::Not),
    ]
    .into_iter()
    .find_map(|(word, op)| opt(&argv[1], word).then_some(op))
    .ok_or(Error::Syntax)?;
    if op == BitOp::Not && argv.len() != 4 {
        return Err(Error::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let db = ctx.db();
    let txn = ctx.txn();
    let dest = &argv[2][..];
    let result = {
        let mut sources = Vec::with_capacity(argv.len() - 3);
        for key in &argv[3..] {
            sources.push(match txn.get(db, key) {
                Some(entry) => Some(string_of(entry)?.as_bytes()),
                None => None,
            });
        }
        let slices: Vec<&[u8]> = sources
            .iter()
            .map(|s| s.as_deref().unwrap_or(&[]))
            .collect();
        combine(op, &slices)?
    };
    let len = result.len();
    if len > 0 {
        // Redis's result is a fresh `raw` string, whatever its length.
        let value = Value::String(StringValue::modified(result));
        txn.set_key(db, dest, value, Event::Set);
    } else {
        txn.remove(db, dest, Event::Del);
    }
    Ok(Reply::integer(len))
}

/// The bytes of `op` over `sources`, as long as the longest (shorter ones read as zeros).
fn combine(op: BitOp, sources: &[&[u8]]) -> Result<Vec<u8>> {
    let len = sources.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| out_of_memory())?;
    out.extend_from_slice(sources[0]);
    out.resize(len, 0);
    match op {
        BitOp::Not => out.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in &sources[1..] {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o &= *s);
                // Past a shorter source its bytes are zero.
                let from = src.len().min(len);
                out[from..].fill(0);
            }
        }
        BitOp::Or => {
            for src in &sources[1..] {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o |= *s);
            }
        }
        BitOp::Xor => {
            for src in &sources[1..] {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o ^= *s);
            }
        }
    }
    Ok(out)
}

/// One BITFIELD operation, parsed.
#[derive(Debug, Clone, Copy)]
struct FieldOp {
    kind: FieldOpKind,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldOpKind {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// Redis's `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63` (read as a C string,
/// up to a NUL byte).
fn field_type(arg: &[u8]) -> Result<(bool, u32)> {
    let bad = || {
        Error::err(
            "Invalid bitfield type. Use something like i16 u8. Note that u64 is not \
             supported but i64 is.",
        )
    };
    let (signed, digits) = match args::c_str(arg).split_first() {
        Some((b'i', rest)) => (true, rest),
        Some((b'u', rest)) => (false, rest),
        _ => return Err(bad()),
    };
    match parse_i64(digits) {
        Some(n) if n >= 1 && n <= if signed { 64 } else { 63 } => Ok((signed, n as u32)),
        _ => Err(bad()),
    }
}

/// BITFIELD's arguments in Redis's order: every operation is checked before the key is
/// looked at. Also the farthest bit a write reaches, when there is a write.
fn parse_field_ops(ctx: &Ctx<'_>, argv: &[Bytes]) -> Result<(Vec<FieldOp>, Option<u64>)> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest_write: Option<u64> = None;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let word = &argv[j];
        let is_get = opt(word, "GET") && left >= 2;
        let is_set = opt(word, "SET") && left >= 3;
        let is_incr = opt(word, "INCRBY") && left >= 3;
        if !(is_get || is_set || is_incr) {
            if opt(word, "OVERFLOW") && left >= 1 {
                let behaviour = &argv[j + 1];
                overflow = if opt(behaviour, "WRAP") {
                    Overflow::Wrap
                } else if opt(behaviour, "SAT") {
                    Overflow::Sat
                } else if opt(behaviour, "FAIL") {
                    Overflow::Fail
                } else {
                    return Err(Error::err("Invalid OVERFLOW type specified"));
                };
                j += 2;
                continue;
            }
            return Err(Error::Syntax);
        }
        let (signed, bits) = field_type(&argv[j + 1])?;
        let offset = bit_offset(ctx, &argv[j + 2], Some(bits))?;
        let kind = if is_get {
            FieldOpKind::Get
        } else {
            let last = offset + u64::from(bits) - 1;
            highest_write = Some(highest_write.map_or(last, |h| h.max(last)));
            let n = args::int(&argv[j + 3])?;
            if is_set {
                FieldOpKind::Set(n)
            } else {
                FieldOpKind::IncrBy(n)
            }
        };
        ops.push(FieldOp {
            kind,
            signed,
            bits,
            offset,
            overflow,
        });
        j += if is_get { 3 } else { 4 };
    }
    Ok((ops, highest_write))
}

/// A GET's field: signed or unsigned, as an integer reply.
fn read_field(data: &[u8], op: &FieldOp) -> Reply {
    if op.signed {
        Reply::Integer(bits::get_signed(data, op.offset, op.bits))
    } else {
        Reply::Integer(bits::get_unsigned(data, op.offset, op.bits) as i64)
    }
}

/// A SET or INCRBY on `data` (grown to hold it): the reply (old value for SET, new for
/// INCRBY, null when OVERFLOW FAIL refused it) and whether the field changed.
fn write_field(data: &mut [u8], op: &FieldOp) -> (Reply, bool) {
    let (offset, width) = (op.offset, op.bits);
    if op.signed {
        let old = bits::get_signed(data, offset, width);
        let (new, reply) = match op.kind {
            FieldOpKind::Set(v) => (bits::signed_add(v, 0, width, op.overflow), old),
            FieldOpKind::IncrBy(by) => {
                let new = bits::signed_add(old, by, width, op.overflow);
                (new, new.unwrap_or(0))
            }
            FieldOpKind::Get => return (read_field(data, op), false),
        };
        let Some(new) = new else {
            return (Reply::Null, false);
        };
        bits::set_field(data, offset, width, new as u64);
        (Reply::Integer(reply), new != old)
    } else {
        let old = bits::get_unsigned(data, offset, width);
        let (new, reply) = match op.kind {
            FieldOpKind::Set(v) => (bits::unsigned_add(v as u64, 0, width, op.overflow), old),
            FieldOpKind::IncrBy(by) => {
                let new = bits::unsigned_add(old, by, width, op.overflow);
                (new, new.unwrap_or(0))
            }
            FieldOpKind::Get => return (read_field(data, op), false),
        };
        let Some(new) = new else {
            return (Reply::Null, false);
        };
        bits::set_field(data, offset, width, new);
        // A u63 field fits an i64 reply.
        (Reply::Integer(reply as i64), new != old)
    }
}

/// BITFIELD and BITFIELD_RO: parse everything, then read (no write asked) or edit.
fn bitfield_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], read_only: bool) -> Result<Reply> {
    let (ops, highest_write) = parse_field_ops(ctx, argv)?;
    let Some(max_bit) = highest_write else {
        let db = ctx.db();
        let entry = ctx.txn().get(db, &argv[1]);
        let bytes = entry.map(string_of).transpose()?.map(|s| s.as_bytes());
        let data = bytes.as_deref().unwrap_or(&[]);
        return Ok(Reply::Array(
            ops.iter().map(|op| read_field(data, op)).collect(),
        ));
    };
    if read_only {
        return Err(Error::err("BITFIELD_RO only supports the GET subcommand"));
    }
    edit_bits(ctx, &argv[1], max_bit, |buf, grew| {
        let mut changed = false;
        let replies = ops
            .iter()
            .map(|op| {
                let (reply, field_changed) = write_field(buf, op);
                // A growth counts as a change only with a write that went through.
                let written = !matches!(op.kind, FieldOpKind::Get) && reply != Reply::Null;
                changed |= field_changed || (grew && written);
                reply
            })
            .collect();
        (Reply::Array(replies), changed)
    })
}

/// `BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
/// increment] [OVERFLOW WRAP|SAT|FAIL] ...` → one reply per GET, SET and INCRBY.
fn bitfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bitfield_generic(ctx, argv, false)
}

/// `BITFIELD_RO key [GET type offset ...]` → one reply per GET.
fn bitfield_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    bitfield_generic(ctx, argv, true)
}
