//! Persistence commands: snapshots and serialized values (see [`crate::persist`]).
//!
//! - `SAVE` → `OK` once the snapshot is on disk (clients keep being served meanwhile; a
//!   running AOF rewrite is waited for); `ERR Background save already in progress` while
//!   a BGSAVE runs; on a write error `ERR` (and the log says why).
//! - `BGSAVE [SCHEDULE]` → `Background saving started`; inside `MULTI`, or with
//!   `SCHEDULE` while an AOF rewrite runs, `Background saving scheduled`; during a rewrite
//!   without SCHEDULE `ERR Another child process is active (AOF?): can't BGSAVE right now.
//!   Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.`; while a save
//!   runs `ERR Background save already in progress`; another argument: `ERR syntax error`.
//! - `BGREWRITEAOF` → `Background append only file rewriting started` (with the AOF off it
//!   writes a base and turns logging on, as `CONFIG SET appendonly yes`); behind a BGSAVE
//!   or inside a transaction `Background append only file rewriting scheduled`; during one
//!   `ERR Background append only file rewriting already in progress`.
//! - `LASTSAVE` → integer: Unix time of the last successful save (server start before).
//! - `DUMP key` → bulk string: the value in Redis's DUMP format (RDB object, RDB version
//!   10, CRC-64), or nil when the key does not exist.
//! - `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ
//!   frequency]` → `OK`. `ttl` is milliseconds from now (a Unix time in ms with ABSTTL),
//!   0 for none; a restored key already expired is not created (an existing one replaced
//!   is deleted). Errors: `BUSYKEY Target key name already exists.` without REPLACE,
//!   `ERR Invalid TTL value, must be >= 0`, `ERR Invalid IDLETIME value, must be >= 0`,
//!   `ERR Invalid FREQ value, must be >= 0 and <= 255`, `ERR DUMP payload version or
//!   checksum are wrong`, `ERR Bad data format`, `ERR syntax error` (IDLETIME and FREQ
//!   together, as in Redis). IDLETIME applies under an LRU (or no) policy, FREQ under an LFU one.

use bytes::Bytes;

use super::args;
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::persist::object::{self, PayloadError};
use crate::persist::rewrite;
use crate::persist::save::{self, Job, SaveError};
use crate::store::Event;
use std::sync::atomic::Ordering;

pub static COMMANDS: &[Command] = &[
    Command::new("save", save_cmd),
    Command::new("bgsave", bgsave),
    Command::new("bgrewriteaof", bgrewriteaof),
    Command::new("lastsave", lastsave),
    Command::new("dump", dump),
    Command::new("restore", restore),
];

fn save_error(e: SaveError) -> Error {
    match e {
        SaveError::InProgress => Error::err("Background save already in progress"),
        // Redis answers its generic `shared.err`; the log has the cause.
        SaveError::Io(_) => Error::full("ERR"),
    }
}

fn save_cmd(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let persistence = &ctx.server.persistence;
    if persistence.running_job() == Some(Job::Rdb) {
        return Err(Error::err("Background save already in progress"));
    }
    // Redis saves in the foreground even while an AOF rewrite runs; here one snapshot runs
    // at a time, so SAVE waits for the rewrite.
    let state = ctx.server.arc();
    save::on_own_thread(move || {
        loop {
            match save::save(&state) {
                Err(SaveError::InProgress)
                    if state.persistence.running_job() == Some(Job::AofRewrite) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => return other,
            }
        }
    })
    .map_err(save_error)?;
    Ok(Reply::ok())
}

fn bgsave(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let schedule = match argv.get(1) {
        None => false,
        Some(arg) if argv.len() == 2 && arg.eq_ignore_ascii_case(b"schedule") => true,
        Some(_) => return Err(Error::Syntax),
    };
    let persistence = &ctx.server.persistence;
    match persistence.running_job() {
        Some(Job::Rdb) => return Err(Error::err("Background save already in progress")),
        // Behind an AOF rewrite Redis schedules only when asked to (or inside MULTI).
        Some(Job::AofRewrite) if !schedule && !ctx.session.deny_blocking => {
            return Err(Error::err(
                "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE \
                 SCHEDULE in order to schedule a BGSAVE whenever possible.",
            ));
        }
        Some(Job::AofRewrite) => {
            persistence.schedule();
            return Ok(Reply::Simple("Background saving scheduled".into()));
        }
        None => {}
    }
    // Inside a transaction (where blocking is denied) Redis schedules the save for later.
    if ctx.session.deny_blocking {
        persistence.schedule();
        return Ok(Reply::Simple("Background saving scheduled".into()));
    }
    save::bgsave(&ctx.server.arc()).map_err(save_error)?;
    Ok(Reply::Simple("Background saving started".into()))
}

fn bgrewriteaof(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let aof = &ctx.server.aof;
    let scheduled = || {
        aof.rewrite_scheduled.store(true, Ordering::Relaxed);
        Ok(Reply::Simple(
            "Background append only file rewriting scheduled".into(),
        ))
    };
    match ctx.server.persistence.running_job() {
        Some(Job::AofRewrite) => {
            return Err(Error::err(
                "Background append only file rewriting already in progress",
            ));
        }
        // Behind a BGSAVE, or inside a transaction, Redis schedules the rewrite.
        Some(Job::Rdb) => return scheduled(),
        None if ctx.session.deny_blocking => return scheduled(),
        None => {}
    }
    let enabling = !aof.active();
    match rewrite::bgrewriteaof(&ctx.server.arc(), enabling) {
        Ok(()) => Ok(Reply::Simple(
            "Background append only file rewriting started".into(),
        )),
        Err(_) => Err(Error::err(
            "Can't execute an AOF background rewriting. Please check the server logs for \
             more information.",
        )),
    }
}

fn lastsave(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Integer(ctx.server.persistence.last_save() as i64))
}

fn dump(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let db = ctx.db();
    let compress = ctx.server.config.read().rdbcompression;
    match ctx.txn().get(db, &argv[1]) {
        Some(entry) => Ok(Reply::Bulk(Bytes::from(object::dump(
            entry.value(),
            compress,
        )))),
        None => Ok(Reply::Null),
    }
}

fn restore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let arg = &argv[j];
        let more = j + 1 < argv.len();
        if arg.eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if arg.eq_ignore_ascii_case(b"absttl") {
            absttl = true;
        } else if arg.eq_ignore_ascii_case(b"idletime") && more && freq.is_none() {
            let n = args::int(&argv[j + 1])?;
            if n < 0 {
                return Err(Error::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(n);
            j += 1;
        } else if arg.eq_ignore_ascii_case(b"freq") && more && idle.is_none() {
            let n = args::int(&argv[j + 1])?;
            if !(0..=255).contains(&n) {
                return Err(Error::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(n);
            j += 1;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let db = ctx.db();
    let key = &argv[1];
    let txn = ctx.txn();
    if !replace && txn.get_for_write(db, key).is_some() {
        return Err(Error::full("BUSYKEY Target key name already exists."));
    }
    let ttl = args::int(&argv[2])?;
    if ttl < 0 {
        return Err(Error::err("Invalid TTL value, must be >= 0"));
    }
    let checksum = ctx.server.config.read().rdbchecksum && !ctx.server.debug.skip_checksum();
    let value = object::undump(&argv[3], checksum).map_err(|e| match e {
        PayloadError::VersionOrChecksum => Error::err("DUMP payload version or checksum are wrong"),
        PayloadError::BadFormat => Error::err("Bad data format"),
    })?;
    let now = ctx.now_ms();
    let expires_at = match ttl {
        0 => None,
        ttl if absttl => Some(ttl as u64),
        ttl => Some(now.saturating_add(ttl as u64)),
    };
    let txn = ctx.txn();
    if let Some(at) = expires_at
        && at <= now
    {
        // Already expired: the key is not created; one it replaces is deleted.
        if replace {
            txn.remove(db, key, Event::Del);
        }
        return Ok(Reply::ok());
    }
    // Redis's dbDelete (silent) + dbAdd (`new`), then `restore`.
    txn.add_replacing(db, key, value, expires_at);
    txn.note(db, key, Event::Restore);
    txn.set_access(db, key, idle.map(|i| i as u64), freq.map(|f| f as u8));
    Ok(Reply::ok())
}
