//! Whole RDB files: what a snapshot writes around its keys, and reading a file back.
//!
//! A file is `REDIS0010`, AUX fields (`redis-ver`, `redis-bits`, `ctime`, `used-mem`,
//! `aof-base`), the function libraries (`FUNCTION2` opcodes), then per database a
//! `SELECTDB` and its keys (each: optional `EXPIRETIME_MS`, type, key, value), `EOF` and the
//! CRC-64 of everything before it (zero when `rdbchecksum no`), as Redis 7.0 writes it.
//! A snapshot here is written in segment-sized chunks that may visit a database more than
//! once (a writer captures a segment out of turn), so `SELECTDB` is repeated where the
//! database changes (Redis's loader and `redis-check-rdb` accept that), with a `RESIZEDB`
//! hint after a database's first `SELECTDB`.
//!
//! Reading accepts RDB versions 1 to 10 with every opcode Redis 7.0 knows; module AUX data
//! and module or stream values are refused with an error naming what and where.

use std::io::Read;

use bytes::Bytes;

use super::format::{In, LoadError, Out, RDB_VERSION, corrupt};
use super::object::{self, is_object_type};
use crate::store::{Entry, Value};

// Opcodes (rdb.h).
const OPCODE_FUNCTION2: u8 = 245;
const OPCODE_FUNCTION_PRE_GA: u8 = 246;
const OPCODE_MODULE_AUX: u8 = 247;
const OPCODE_IDLE: u8 = 248;
const OPCODE_FREQ: u8 = 249;
const OPCODE_AUX: u8 = 250;
const OPCODE_RESIZEDB: u8 = 251;
const OPCODE_EXPIRETIME_MS: u8 = 252;
const OPCODE_EXPIRETIME: u8 = 253;
const OPCODE_SELECTDB: u8 = 254;
const OPCODE_EOF: u8 = 255;

/// The version Redis reports in `redis-ver` and `INFO`; what we write as ours.
pub const REDIS_VERSION: &str = "7.0.15";

/// The file's magic, AUX fields and function libraries.
pub fn write_header(out: &mut Out, aof_base: bool, used_memory: u64, libraries: &[Bytes]) {
    out.raw(format!("REDIS{RDB_VERSION:04}").as_bytes());
    let now = crate::store::unix_time_ms() / 1000;
    for (name, value) in [
        ("redis-ver", REDIS_VERSION.to_string()),
        ("redis-bits", (usize::BITS).to_string()),
        ("ctime", now.to_string()),
        ("used-mem", used_memory.to_string()),
        ("aof-base", u8::from(aof_base).to_string()),
    ] {
        out.byte(OPCODE_AUX);
        out.string(name.as_bytes());
        out.string(value.as_bytes());
    }
    for code in libraries {
        out.byte(OPCODE_FUNCTION2);
        out.string(code);
    }
}

/// `SELECTDB db`.
pub fn write_select(out: &mut Out, db: usize) {
    out.byte(OPCODE_SELECTDB);
    out.length(db as u64);
}

/// `RESIZEDB keys expires`: how many keys (and volatile keys) the database holds.
pub fn write_resize(out: &mut Out, keys: u64, expires: u64) {
    out.byte(OPCODE_RESIZEDB);
    out.length(keys);
    out.length(expires);
}

/// One key with its expiry, type and value (`rdbSaveKeyValuePair`).
pub fn write_entry(out: &mut Out, key: &[u8], entry: &Entry) {
    if let Some(at) = entry.expires_at() {
        out.byte(OPCODE_EXPIRETIME_MS);
        out.ms_time(at as i64);
    }
    object::write_object(out, Some(key), entry.value());
}

/// The `EOF` opcode; the caller appends the checksum of everything written before it and
/// this byte (or zeros when `rdbchecksum no`).
pub fn write_eof(out: &mut Out) {
    out.byte(OPCODE_EOF);
}

/// What a load found, for the log and `INFO persistence`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LoadReport {
    pub keys_loaded: u64,
    pub keys_expired: u64,
    pub empty_keys_skipped: u64,
}

/// A key read from a file.
pub struct LoadedKey {
    pub db: usize,
    pub key: Bytes,
    pub value: Value,
    pub expires_at: Option<u64>,
    /// `IDLE` opcode: seconds since last access.
    pub idle_secs: Option<u64>,
    /// `FREQ` opcode: the LFU counter.
    pub freq: Option<u8>,
}

/// Where a load puts what it reads.
pub trait LoadTarget {
    fn databases(&self) -> usize;
    /// Adds a function library's code.
    fn function(&mut self, code: Bytes) -> Result<(), String>;
    /// Adds a key; false when it exists already (a corrupt file).
    fn key(&mut self, key: LoadedKey) -> bool;
    /// `RESIZEDB`: about `keys` keys follow for database `db` (a hint; the count is not
    /// trusted beyond what the input holds, so it is capped).
    fn reserve(&mut self, _db: usize, _keys: u64) {}
}

/// Reads a whole RDB stream into `target`. Keys already expired at `now_ms` are dropped
/// (counted), unless `keep_expired` (an AOF's RDB preamble, replayed as it was).
pub fn load<R: Read>(
    src: R,
    target: &mut dyn LoadTarget,
    now_ms: u64,
    verify_checksum: bool,
    keep_expired: bool,
) -> Result<LoadReport, LoadError> {
    let mut input = In::new(src);
    let mut magic = [0u8; 9];
    input.exact(&mut magic)?;
    if &magic[..5] != b"REDIS" {
        return Err(corrupt("Wrong signature trying to load DB from file"));
    }
    let version: u16 = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("Wrong signature trying to load DB from file"))?;
    if !(1..=RDB_VERSION).contains(&version) {
        return Err(corrupt(format!(
            "Can't handle RDB format version {version}"
        )));
    }
    let mut report = LoadReport::default();
    let mut db = 0usize;
    let (mut expires_at, mut idle_secs): (Option<i64>, Option<u64>) = (None, None);
    let mut freq: Option<u8> = None;
    loop {
        let kind = input.byte()?;
        match kind {
            OPCODE_EXPIRETIME => {
                expires_at = Some(input.secs_time()? as i64 * 1000);
                continue;
            }
            OPCODE_EXPIRETIME_MS => {
                expires_at = Some(input.ms_time()?);
                continue;
            }
            OPCODE_FREQ => {
                freq = Some(input.byte()?);
                continue;
            }
            OPCODE_IDLE => {
                idle_secs = Some(input.length()?);
                continue;
            }
            OPCODE_EOF => break,
            OPCODE_SELECTDB => {
                let id = input.length()?;
                if id >= target.databases() as u64 {
                    return Err(corrupt(format!(
                        "Data file was created with a server configured to handle more than {} databases (it selects db {id})",
                        target.databases()
                    )));
                }
                db = id as usize;
                continue;
            }
            OPCODE_RESIZEDB => {
                let keys = input.length()?;
                input.length()?;
                target.reserve(db, keys);
                continue;
            }
            OPCODE_AUX => {
                input.string()?;
                input.string()?;
                continue;
            }
            OPCODE_MODULE_AUX => {
                return Err(LoadError::Unsupported(
                    "The RDB file contains AUX module data I can't load: modules are not supported"
                        .into(),
                ));
            }
            OPCODE_FUNCTION2 => {
                let code = input.bulk()?;
                target
                    .function(code)
                    .map_err(|e| corrupt(format!("Failed loading library, {e}")))?;
                continue;
            }
            OPCODE_FUNCTION_PRE_GA => {
                return Err(LoadError::Unsupported(
                    "Pre-GA function format not supported".into(),
                ));
            }
            _ if is_object_type(kind) => {}
            other => return Err(corrupt(format!("Unknown RDB opcode {other}"))),
        }
        let key = input.bulk()?;
        let value = object::read_value(&mut input, kind).map_err(|e| match e {
            LoadError::Unsupported(what) => LoadError::Unsupported(format!(
                "Can't load key '{}' of db {db}: {what}",
                String::from_utf8_lossy(&key)
            )),
            other => other,
        })?;
        let expiry = expires_at.take();
        let idle = idle_secs.take();
        let counter = freq.take();
        let Some(value) = value else {
            report.empty_keys_skipped += 1;
            continue;
        };
        if let Some(at) = expiry
            && !keep_expired
            && at < now_ms as i64
        {
            report.keys_expired += 1;
            continue;
        }
        let loaded = LoadedKey {
            db,
            key: key.clone(),
            value,
            // An expiry at or before the epoch is already past; 1 keeps it volatile.
            expires_at: expiry.map(|at| at.max(1) as u64),
            idle_secs: idle,
            freq: counter,
        };
        if !target.key(loaded) {
            return Err(corrupt(format!(
                "RDB has duplicated key '{}' in DB {db}",
                String::from_utf8_lossy(&key)
            )));
        }
        report.keys_loaded += 1;
    }
    if version >= 5 {
        let expected = input.checksum();
        let stored = input.u64_le()?;
        if verify_checksum && stored != 0 && stored != expected {
            return Err(corrupt(format!(
                "Wrong RDB checksum expected: ({expected:x}) but got ({stored:x})"
            )));
        }
    }
    Ok(report)
}
