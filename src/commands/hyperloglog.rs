//! The HyperLogLog family, as Redis 7.0 answers it.
//!
//! An HLL is a string value in Redis's own layout ([`crate::store::hyperloglog`]), so GET,
//! SET, APPEND, DUMP/RESTORE and friends see the same bytes redis-server would hold, and a
//! value moves between the two servers with its count. A string is accepted as an HLL when
//! it is at least 16 bytes long, starts with `HYLL`, has encoding 0 (dense, then exactly
//! 12304 bytes) or 1 (sparse); any other string answers `WRONGTYPE Key is not a valid
//! HyperLogLog string value.`, any other type the usual WRONGTYPE. A sparse value whose
//! opcodes do not cover exactly the 16384 registers answers `INVALIDOBJ Corrupted HLL
//! object detected` where the command has to decode it.
//!
//! Values created here are stored as Redis's `raw` strings; a command that finds one Redis
//! would hold as an `embstr` rewrites it as `raw` without a trace, as Redis's
//! `dbUnshareStringValue` does. Sparse values turn dense past `hll-sparse-max-bytes`.
//!
//! # Commands
//! - `PFADD key [element ...]` — integer 1 when a register rose or the key was created
//!   (also with no element), else 0. Events `new` (created) and `pfadd`; the cached count
//!   is marked stale. A corrupt sparse value fails with INVALIDOBJ, keeping (silently,
//!   as Redis does in place) what earlier elements raised.
//! - `PFCOUNT key [key ...]` — integer. One key: 0 when missing; the cached count when
//!   fresh, else the estimate, written back into the header (the key is signalled as
//!   modified and the command propagated, but no event is published). Several keys: the
//!   estimate of their union (missing keys are empty), nothing written.
//! - `PFMERGE destkey [sourcekey ...]` — `OK`. The union of every key, destination
//!   included, is stored at `destkey` (created sparse when missing; dense when any input
//!   is dense; otherwise raised register by register in sparse form, which may turn it
//!   dense). The TTL is kept; events `new` (created) and `pfadd`.
//! - `PFDEBUG GETREG|DECODE|ENCODING|TODENSE key` — `ERR The specified key does not exist`
//!   for a missing key (checked before the subcommand), then: GETREG an array of the
//!   16384 registers (a sparse value is turned dense first, and stays so); DECODE the
//!   sparse opcodes as text (`ERR HLL encoding is not sparse` for a dense one); ENCODING
//!   `+dense` / `+sparse`; TODENSE integer 1 when it converted, 0 when already dense.
//!   Conversions are propagated but neither signalled nor published, as in Redis. Any
//!   other subcommand: `ERR Unknown PFDEBUG subcommand '<name>'`.
//! - `PFSELFTEST` — `OK`, or `ERR TESTFAILED ...`: checks the register packing and the
//!   estimator's error over 10 million elements (slow by design).

use bytes::Bytes;
use rand::Rng;

use super::args::opt;
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::store::hyperloglog::{self as hll, DENSE, Hll, REGISTERS, SPARSE, SelfTestFailure};
use crate::store::{Entry, Event, StringValue, Txn, Value};

pub static COMMANDS: &[Command] = &[
    Command::new("pfadd", pfadd),
    Command::new("pfcount", pfcount),
    Command::new("pfmerge", pfmerge),
    Command::new("pfdebug", pfdebug),
    Command::new("pfselftest", pfselftest),
];

const NOT_HLL: Error = Error::full("WRONGTYPE Key is not a valid HyperLogLog string value.");
const CORRUPT: Error = Error::full("INVALIDOBJ Corrupted HLL object detected");

/// PFSELFTEST's register round trips and elements, as Redis's.
const SELF_TEST_CYCLES: usize = 1000;
const SELF_TEST_ELEMENTS: u64 = 10_000_000;

/// The bytes of a value Redis accepts as an HLL, or its WRONGTYPE error.
fn hll_of(entry: &Entry) -> Result<Bytes> {
    let Value::String(s) = entry.value() else {
        return Err(Error::WrongType);
    };
    if hll::encoding_of(&s.as_bytes()).is_none() {
        return Err(NOT_HLL);
    }
    Ok(s.to_bytes())
}

/// An [`Hll`] to change, from bytes [`hll_of`] accepted.
fn editable(value: &[u8]) -> Result<Hll> {
    Hll::from_value(value).ok_or(NOT_HLL)
}

fn sparse_max(ctx: &Ctx<'_>) -> u64 {
    ctx.server.config.read().hll_sparse_max_bytes
}

/// Stores an HLL's new bytes at `key` (a `raw` string, as Redis builds them), with
/// `expiry`, recording `event`.
fn store(txn: &Txn<'_>, db: usize, key: &[u8], value: Vec<u8>, expiry: Option<u64>, event: Event) {
    let value = Value::String(StringValue::modified(value));
    txn.set(db, key, value, expiry, event);
}

/// Redis's `dbUnshareStringValue` before changing an HLL in place: a value it would hold as
/// an `embstr` becomes `raw`, with no signal, event or propagation.
fn unshare(txn: &Txn<'_>, db: usize, key: &[u8], entry: &Entry) {
    if let Value::String(s) = entry.value()
        && s.encoding() != "raw"
    {
        let bytes = s.as_bytes().to_vec();
        store(txn, db, key, bytes, entry.expires_at(), Event::Unsignalled);
    }
}

/// `PFADD key [element ...]` → 1 when the HLL changed or was created, else 0.
fn pfadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let sparse_max = sparse_max(ctx);
    let (db, txn) = (ctx.db(), ctx.txn());
    let key = &argv[1];
    let entry = txn.get_for_write(db, key);
    let (original, expiry) = match entry {
        Some(e) => (Some(hll_of(e)?), e.expires_at()),
        None => (None, None),
    };
    let mut value = match original.as_deref() {
        Some(bytes) => editable(bytes)?,
        None => Hll::new(),
    };
    let mut updated = original.is_none();
    for element in &argv[2..] {
        match value.add(element, sparse_max) {
            Ok(raised) => updated |= raised,
            Err(hll::Corrupt) => {
                // Redis changed the value in place as it went: what earlier elements
                // raised stays, announced to no one.
                if let Some(e) = entry {
                    if original.as_deref() != Some(value.bytes()) {
                        store(txn, db, key, value.into_value(), expiry, Event::Unsignalled);
                    } else {
                        unshare(txn, db, key, e);
                    }
                }
                return Err(CORRUPT);
            }
        }
    }
    if updated {
        value.invalidate();
        store(txn, db, key, value.into_value(), expiry, Event::PfAdd);
    } else if let Some(e) = entry {
        unshare(txn, db, key, e);
    }
    Ok(Reply::Integer(updated.into()))
}

/// `PFCOUNT key [key ...]` → the estimated cardinality (of the union for several keys).
fn pfcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (db, txn) = (ctx.db(), ctx.txn());
    if argv.len() > 2 {
        let mut union = Box::new([0u8; REGISTERS]);
        for key in &argv[1..] {
            let Some(entry) = txn.get(db, key) else {
                continue;
            };
            let value = hll_of(entry)?;
            hll::merge_into(&mut union, &value).map_err(|_| CORRUPT)?;
        }
        return Ok(Reply::Integer(hll::count_registers(&union) as i64));
    }
    let key = &argv[1];
    let Some(entry) = txn.get(db, key) else {
        return Ok(Reply::Integer(0));
    };
    let value = hll_of(entry)?;
    let expiry = entry.expires_at();
    if let Some(count) = hll::cached_count(&value) {
        unshare(txn, db, key, entry);
        return Ok(Reply::Integer(count as i64));
    }
    let Ok(count) = hll::count(&value) else {
        unshare(txn, db, key, entry);
        return Err(CORRUPT);
    };
    let mut cached = editable(&value)?;
    cached.set_cached(count);
    store(txn, db, key, cached.into_value(), expiry, Event::PfCount);
    // Printed as a signed integer, as Redis does (2^63 shows negative).
    Ok(Reply::Integer(count as i64))
}

/// `PFMERGE destkey [sourcekey ...]` → OK; `destkey` holds the union of all the keys.
fn pfmerge(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let sparse_max = sparse_max(ctx);
    let (db, txn) = (ctx.db(), ctx.txn());
    let mut union = Box::new([0u8; REGISTERS]);
    let mut dense = false;
    // The destination is one of the inputs.
    for key in &argv[1..] {
        let Some(entry) = txn.get(db, key) else {
            continue;
        };
        let value = hll_of(entry)?;
        dense |= value[4] == DENSE;
        hll::merge_into(&mut union, &value).map_err(|_| CORRUPT)?;
    }
    let dest = &argv[1];
    let (mut merged, expiry) = match txn.get_for_write(db, dest) {
        Some(entry) => (editable(&hll_of(entry)?)?, entry.expires_at()),
        None => (Hll::new(), None),
    };
    if dense && merged.to_dense().is_err() {
        return Err(CORRUPT);
    }
    for (index, &register) in union.iter().enumerate() {
        if register != 0 {
            // The destination decoded above, so raising cannot fail.
            let _ = merged.raise(index, register, sparse_max);
        }
    }
    merged.invalidate();
    store(txn, db, dest, merged.into_value(), expiry, Event::PfAdd);
    Ok(Reply::ok())
}

/// `PFDEBUG GETREG|DECODE|ENCODING|TODENSE key`.
fn pfdebug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (db, txn) = (ctx.db(), ctx.txn());
    let (sub, key) = (&argv[1], &argv[2]);
    let Some(entry) = txn.get_for_write(db, key) else {
        return Err(Error::err("The specified key does not exist"));
    };
    let value = hll_of(entry)?;
    let expiry = entry.expires_at();
    unshare(txn, db, key, entry);
    // Turns a sparse value dense for good; whether it was sparse.
    let to_dense = |value: &[u8]| -> Result<(Hll, bool)> {
        let mut h = editable(value)?;
        let converted = h.to_dense().map_err(|_| CORRUPT)?;
        if converted {
            store(txn, db, key, h.bytes().to_vec(), expiry, Event::PfDebug);
        }
        Ok((h, converted))
    };
    if opt(sub, "GETREG") {
        let (h, _) = to_dense(&value)?;
        let registers = hll::dense_registers(h.bytes());
        Ok(Reply::Array(
            registers
                .into_iter()
                .map(|r| Reply::Integer(r.into()))
                .collect(),
        ))
    } else if opt(sub, "DECODE") {
        if value[4] != SPARSE {
            return Err(Error::err("HLL encoding is not sparse"));
        }
        Ok(Reply::bulk(hll::decode(&value)))
    } else if opt(sub, "ENCODING") {
        Ok(Reply::simple(if value[4] == DENSE {
            "dense"
        } else {
            "sparse"
        }))
    } else if opt(sub, "TODENSE") {
        let (_, converted) = to_dense(&value)?;
        Ok(Reply::Integer(converted.into()))
    } else {
        Err(Error::err(format!(
            "Unknown PFDEBUG subcommand '{}'",
            c_string(sub)
        )))
    }
}

/// A word as Redis's `%s` prints it in an error: up to its first NUL, line breaks as
/// spaces.
fn c_string(word: &[u8]) -> String {
    String::from_utf8_lossy(super::args::c_str(word)).replace(['\r', '\n'], " ")
}

/// `PFSELFTEST` → OK, or `ERR TESTFAILED ...`.
fn pfselftest(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let sparse_max = sparse_max(ctx);
    let rng = ctx.rng();
    if let Some((register, expected, found)) =
        hll::self_test_registers(SELF_TEST_CYCLES, || rng.random::<u8>())
    {
        return Err(Error::err(format!(
            "TESTFAILED Register {register} should be {expected} but is {found}"
        )));
    }
    let seed = rng.random::<u64>();
    match hll::self_test_counts(SELF_TEST_ELEMENTS, seed, sparse_max) {
        Ok(()) => Ok(Reply::ok()),
        Err(SelfTestFailure::SparseNotUsed) => {
            Err(Error::err("TESTFAILED sparse encoding not used"))
        }
        Err(SelfTestFailure::Disagree) => Err(Error::err("TESTFAILED dense/sparse disagree")),
        Err(SelfTestFailure::TooBigError { cardinality, error }) => Err(Error::err(format!(
            "TESTFAILED Too big error. card:{cardinality} abserr:{error}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use super::*;

    fn get(h: &mut Harness, key: &str) -> Vec<u8> {
        match h.run(&["GET", key]) {
            Reply::Bulk(b) => b.to_vec(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn add_count_and_cache() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["PFADD", "h"]), Reply::Integer(1));
        assert_eq!(h.run(&["PFADD", "h"]), Reply::Integer(0));
        assert_eq!(h.run(&["PFCOUNT", "h"]), Reply::Integer(0));
        assert_eq!(h.run(&["PFADD", "h", "a", "b", "c"]), Reply::Integer(1));
        assert_eq!(h.run(&["PFADD", "h", "a", "b", "c"]), Reply::Integer(0));
        assert_eq!(get(&mut h, "h")[15], 0x80);
        assert_eq!(h.run(&["PFCOUNT", "h"]), Reply::Integer(3));
        assert_eq!(&get(&mut h, "h")[8..16], &[3, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.run(&["PFCOUNT", "h", "nokey"]), Reply::Integer(3));
        assert_eq!(h.run(&["PFCOUNT", "nokey"]), Reply::Integer(0));
    }

    #[test]
    fn errors_are_redis_texts() {
        let mut h = Harness::new();
        h.run(&["SET", "s", "bar"]);
        h.run(&["LPUSH", "l", "x"]);
        assert_eq!(
            h.err(&["PFADD", "s", "a"]),
            "WRONGTYPE Key is not a valid HyperLogLog string value."
        );
        assert_eq!(
            h.err(&["PFCOUNT", "l"]),
            "WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        h.run(&["PFADD", "h", "a", "b", "c"]);
        h.run(&["APPEND", "h", "hello"]);
        assert_eq!(
            h.err(&["PFCOUNT", "h"]),
            "INVALIDOBJ Corrupted HLL object detected"
        );
        assert_eq!(
            h.err(&["PFDEBUG", "getreg", "nokey"]),
            "ERR The specified key does not exist"
        );
        h.run(&["PFADD", "g", "a"]);
        assert_eq!(
            h.err(&["PFDEBUG", "foo\r\nx", "g"]),
            "ERR Unknown PFDEBUG subcommand 'foo  x'"
        );
        assert_eq!(h.run(&["PFDEBUG", "todense", "g"]), Reply::Integer(1));
        assert_eq!(h.run(&["PFDEBUG", "todense", "g"]), Reply::Integer(0));
        assert_eq!(h.run(&["PFDEBUG", "encoding", "g"]), Reply::simple("dense"));
        assert_eq!(
            h.err(&["PFDEBUG", "decode", "g"]),
            "ERR HLL encoding is not sparse"
        );
    }

    #[test]
    fn merge_keeps_the_union_and_the_ttl() {
        let mut h = Harness::new();
        h.run(&["PFADD", "a", "1", "2", "3"]);
        h.run(&["PFADD", "b", "3", "4"]);
        h.run(&["PFADD", "d", "9"]);
        h.run(&["EXPIRE", "d", "100"]);
        assert_eq!(h.run(&["PFMERGE", "d", "a", "b", "nokey"]), Reply::ok());
        assert_eq!(h.run(&["PFCOUNT", "d"]), Reply::Integer(5));
        assert_eq!(h.run(&["TTL", "d"]), Reply::Integer(100));
        assert_eq!(h.run(&["PFMERGE", "new"]), Reply::ok());
        assert_eq!(h.run(&["PFCOUNT", "new"]), Reply::Integer(0));
    }
}
