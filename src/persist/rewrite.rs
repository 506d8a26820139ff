//! The append-only file's life: loading it at start-up, turning it on and off, rewriting it
//! (BGREWRITEAOF and automatically), and its once-a-second work. The log itself is
//! [`super::aof`].

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::aof::{Manifest, Parsed, parse_command, read_manifest};
use super::format::LoadError;
use super::save::{Format, Job, SaveError, write_to};
use crate::state::{ClientKind, Clients, ServerState};

/// Loads the AOF at start-up when `appendonly yes` (Redis then ignores the RDB file) and
/// opens it for appending; with no AOF yet, writes a base of the (empty) data set first.
/// `Ok(false)` when the AOF is off (the caller loads the RDB file instead).
pub fn start(state: &ServerState) -> Result<bool, LoadError> {
    if !state.config.read().appendonly {
        return Ok(false);
    }
    let manifest_path = state.aof.manifest_path();
    let manifest = read_manifest(&manifest_path).map_err(LoadError::Corrupt)?;
    match manifest {
        Some(manifest) => {
            load(state, &manifest)?;
            state.aof.open(manifest).map_err(LoadError::Io)?;
        }
        None => {
            state
                .persistence
                .claim(Job::AofRewrite)
                .map_err(|e| LoadError::Corrupt(e.to_string()))?;
            let result = rewrite(state, true);
            state.persistence.release();
            result.map_err(LoadError::Io)?;
            tracing::info!("Creating AOF base file on server start");
        }
    }
    Ok(true)
}

/// `DEBUG LOADAOF`: writes out what the AOF buffers, empties the data set (keys and
/// function libraries, as Redis's `emptyData`), and loads the AOF its manifest on disk
/// names back, as at start-up. Called with no txn held (each replayed command takes its
/// own; being replayed, they are not logged again). Clients' writes made while it runs
/// are not held back, as Redis's single thread would hold them.
pub fn reload(state: &ServerState) -> Result<(), LoadError> {
    if state.aof.active() {
        state.aof.flush_and_sync();
    }
    {
        let store = &state.store;
        let txn = store.txn_dbs(crate::store::Access::Write, 0..store.databases());
        for db in 0..store.databases() {
            txn.clear(db);
        }
    }
    let _ = state.functions.update(|set| {
        *set = Default::default();
        Ok(())
    });
    state.functions.restart_interpreter();
    let manifest = read_manifest(&state.aof.manifest_path())
        .map_err(LoadError::Corrupt)?
        .ok_or_else(|| LoadError::Corrupt("no append only file manifest".into()))?;
    load(state, &manifest)?;
    tracing::warn!("Append Only File loaded by DEBUG LOADAOF");
    Ok(())
}

/// Replays the base and incremental files of `manifest` into the empty store.
fn load(state: &ServerState, manifest: &Manifest) -> Result<(), LoadError> {
    let dir = state.aof.dir();
    let truncate_ok = state.config.read().aof_load_truncated;
    let started = std::time::Instant::now();
    if let Some(base) = &manifest.base {
        let path = dir.join(&base.name);
        let mut head = [0u8; 5];
        let is_rdb = File::open(&path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
            && &head == b"REDIS";
        if is_rdb {
            let report = super::load::load_rdb_file(state, &path, true)?;
            tracing::info!(
                "Loaded AOF base {} (RDB): {} keys",
                base.name,
                report.keys_loaded
            );
        } else {
            replay(state, &path, false, truncate_ok)?;
        }
    }
    let last = manifest.incrs.len().saturating_sub(1);
    for (n, incr) in manifest.incrs.iter().enumerate() {
        replay(state, &dir.join(&incr.name), n == last, truncate_ok)?;
    }
    tracing::info!(
        "DB loaded from append only file: {:.3} seconds",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs the commands of one AOF file. A torn tail of the last file (`last`) is cut off
/// when `truncate_ok` (`aof-load-truncated`), with the unfinished `MULTI` it may end in.
fn replay(
    state: &ServerState,
    path: &Path,
    last: bool,
    truncate_ok: bool,
) -> Result<(), LoadError> {
    let data = match std::fs::read(path) {
        Ok(data) => data,
        // Redis tolerates a missing empty incremental file (created lazily).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(LoadError::Io(e)),
    };
    let mut session = crate::commands::Session::new(Clients::detached(ClientKind::Resp));
    session.replaying = true;
    let mut at = 0;
    // Where the data is whole: after the last command outside MULTI, or before a MULTI.
    let mut valid = 0;
    loop {
        match parse_command(&data, at) {
            Parsed::Command(argv, next) => {
                if let Err((None, _)) = crate::commands::resolve(&argv) {
                    return Err(LoadError::Corrupt(format!(
                        "Unknown command '{}' reading the append only file {}",
                        String::from_utf8_lossy(&argv[0]),
                        path.display()
                    )));
                }
                let reply = crate::exec::execute(state, &mut session, &argv);
                if let crate::commands::Reply::Error(e) = reply {
                    tracing::debug!(
                        "AOF command {:?} failed: {e}",
                        String::from_utf8_lossy(&argv[0])
                    );
                }
                at = next;
                if session.multi.is_none() {
                    valid = at;
                }
            }
            Parsed::End => {
                if session.multi.is_none() {
                    return Ok(());
                }
                return cut(
                    path,
                    &data,
                    valid,
                    last,
                    truncate_ok,
                    "an unfinished MULTI/EXEC",
                );
            }
            Parsed::Truncated => {
                return cut(path, &data, valid, last, truncate_ok, "a truncated command");
            }
            Parsed::Bad(what) => {
                return Err(LoadError::Corrupt(format!(
                    "Bad file format reading the append only file {}: {what}",
                    path.display()
                )));
            }
        }
    }
}

/// A torn tail: cut the file at `valid` (only the last file, only if allowed).
fn cut(
    path: &Path,
    data: &[u8],
    valid: usize,
    last: bool,
    truncate_ok: bool,
    what: &str,
) -> Result<(), LoadError> {
    if !(last && truncate_ok) {
        return Err(LoadError::Corrupt(format!(
            "Unexpected end of file reading the append only file {} ({what}). You can: 1) \
             Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. \
             2) Alternatively you can set the 'aof-load-truncated' configuration option to yes \
             and restart the server.",
            path.display()
        )));
    }
    tracing::warn!(
        "!!! Warning: short read while loading the AOF file {} ({what})!!! AOF loaded anyway \
         because aof-load-truncated is enabled; {} bytes cut off",
        path.display(),
        data.len() - valid
    );
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(LoadError::Io)?;
    file.set_len(valid as u64).map_err(LoadError::Io)?;
    file.sync_all().map_err(LoadError::Io)
}

/// Rewrites the AOF: a new incremental file takes the changes made from now on while a
/// snapshot becomes the new base (see [`super::aof`]). `enabling`: the AOF is being turned
/// on (nothing is logged yet; changes made before the snapshot are in its base). The
/// caller holds the persistence claim.
pub fn rewrite(state: &ServerState, enabling: bool) -> std::io::Result<()> {
    let aof = &state.aof;
    let (compress, checksum, preamble) = {
        let config = state.config.read();
        (
            config.rdbcompression,
            config.rdbchecksum,
            config.aof_use_rdb_preamble,
        )
    };
    // The claim keeps any other snapshot from starting, so the next one is the rewrite's.
    let generation = state.store.snapshot_generation() + 1;
    aof.begin_rewrite(generation, !enabling)?;
    let temp = aof.temp_base_path();
    let format = if preamble {
        Format::Rdb { aof_base: true }
    } else {
        Format::Commands
    };
    let written = write_to(state, &temp, compress, checksum, format);
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    let finished = aof.finish_rewrite(written.is_ok().then_some(temp.as_path()), preamble);
    let result = written.and(finished);
    if result.is_err() && enabling {
        // Without a base the new file alone is not the data: turn logging off again.
        aof.stop();
    }
    result
}

/// Starts a BGREWRITEAOF on a thread of its own (`enabling`: turning the AOF on).
pub fn bgrewriteaof(state: &Arc<ServerState>, enabling: bool) -> Result<(), SaveError> {
    state.persistence.claim(Job::AofRewrite)?;
    let aof = &state.aof;
    aof.rewrite_in_progress.store(true, Ordering::Relaxed);
    aof.rewrite_scheduled.store(false, Ordering::Relaxed);
    aof.rewrites.fetch_add(1, Ordering::Relaxed);
    tracing::info!("Background append only file rewriting started");
    let job = state.clone();
    let spawned = std::thread::Builder::new()
        .name("aof-rewrite".into())
        .spawn(move || {
            let result = rewrite(&job, enabling);
            let took = job.persistence.release();
            let aof = &job.aof;
            aof.rewrite_in_progress.store(false, Ordering::Relaxed);
            aof.last_rewrite_ok.store(result.is_ok(), Ordering::Relaxed);
            if let Some(took) = took {
                aof.last_rewrite_secs
                    .store(took.as_secs() as i64, Ordering::Relaxed);
            }
            match result {
                Ok(()) => tracing::info!("Background AOF rewrite finished successfully"),
                Err(e) => tracing::warn!("Background AOF rewrite failed: {e}"),
            }
        });
    if let Err(e) = spawned {
        state.persistence.release();
        aof.rewrite_in_progress.store(false, Ordering::Relaxed);
        return Err(SaveError::Io(e));
    }
    Ok(())
}

/// `CONFIG SET appendonly`: turning it on rewrites (in the background) so the new log
/// starts from a base; off stops logging after syncing what was logged.
pub fn set_appendonly(state: &Arc<ServerState>, on: bool) {
    if !on {
        state.aof.stop();
        return;
    }
    if state.aof.active() {
        return;
    }
    if bgrewriteaof(state, true).is_err() {
        // Another snapshot is being written: the cron starts this one after it.
        state.aof.rewrite_scheduled.store(true, Ordering::Relaxed);
    }
}

/// The cron's AOF work: a scheduled rewrite (or turning on) once no snapshot runs, and the
/// automatic rewrite when the AOF grew past `auto-aof-rewrite-percentage` of its base.
pub fn cron(state: &Arc<ServerState>) {
    let aof = &state.aof;
    if state.persistence.running_job().is_some() {
        return;
    }
    let (on, percentage, min_size) = {
        let config = state.config.read();
        (
            config.appendonly,
            config.auto_aof_rewrite_percentage,
            config.auto_aof_rewrite_min_size,
        )
    };
    if aof.rewrite_scheduled.load(Ordering::Relaxed) && on {
        let _ = bgrewriteaof(state, !aof.active());
        return;
    }
    if !aof.active() || percentage == 0 {
        return;
    }
    let size = aof.current_size.load(Ordering::Relaxed);
    let base = aof.base_size.load(Ordering::Relaxed).max(1);
    if size >= min_size && (size - base.min(size)) * 100 / base >= percentage {
        tracing::info!(
            "Starting automatic rewriting of AOF on {}% growth",
            (size - base.min(size)) * 100 / base
        );
        let _ = bgrewriteaof(state, false);
    }
}

/// The AOF's background thread: once a second, `everysec`'s fsync (and `no`'s write of
/// what no reply has flushed, such as expired keys' deletions).
pub fn spawn_ticker(state: &Arc<ServerState>) {
    let weak = Arc::downgrade(state);
    let _ = std::thread::Builder::new()
        .name("aof-fsync".into())
        .spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                let Some(state) = weak.upgrade() else { return };
                if state.shutdown.is_cancelled() {
                    return;
                }
                state.aof.tick();
            }
        });
}
