//! Loading the data at start-up, before any client is served: the RDB file, or the
//! append-only file (see [`super::rewrite`]).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;

use super::format::LoadError;
use super::rdb::{self, LoadReport, LoadTarget, LoadedKey};
use crate::scripting::engine;
use crate::scripting::functions::{self, Library};
use crate::state::ServerState;
use crate::store::{Access, Txn};

/// Loads the data at start-up, before any client is served: the append-only file when
/// `appendonly yes` (opening it for appending), else `dir`/`dbfilename` if it exists. An
/// error means the server must not start, as Redis exits.
pub fn load_at_startup(state: &ServerState) -> Result<Option<LoadReport>, LoadError> {
    if super::rewrite::start(state)? {
        return Ok(None);
    }
    let path = super::save::rdb_path(state);
    match load_rdb_file(state, &path, false) {
        Err(LoadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        other => other.map(Some),
    }
}

/// Loads the RDB file at `path` into the empty store (an AOF's base keeps keys already
/// expired, `keep_expired`, as the commands after it expect them).
pub fn load_rdb_file(
    state: &ServerState,
    path: &Path,
    keep_expired: bool,
) -> Result<LoadReport, LoadError> {
    let store = &state.store;
    let txn = store.txn_dbs(Access::Write, 0..store.databases());
    let report = load_rdb_into(state, &txn, path, keep_expired, false)?;
    drop(txn);
    Ok(report)
}

/// Loads the RDB file at `path` through `txn`, which holds every database for writing
/// (`DEBUG RELOAD` runs in its command's txn). With `merge`, keys and libraries the file
/// holds replace those already there (Redis's `RDBFLAGS_ALLOW_DUP`); without, one that
/// exists already fails the load.
pub fn load_rdb_into(
    state: &ServerState,
    txn: &Txn<'_>,
    path: &Path,
    keep_expired: bool,
    merge: bool,
) -> Result<LoadReport, LoadError> {
    let file = File::open(path).map_err(LoadError::Io)?;
    let started = Instant::now();
    let verify = state.config.read().rdbchecksum && !state.debug.skip_checksum();
    let mut target = StoreTarget { state, txn, merge };
    let now = txn.now_ms();
    let report = rdb::load(
        BufReader::with_capacity(1 << 20, file),
        &mut target,
        now,
        verify,
        keep_expired,
    )?;
    let persistence = &state.persistence;
    persistence
        .loaded_keys
        .store(report.keys_loaded, Ordering::Relaxed);
    persistence
        .loaded_expired
        .store(report.keys_expired, Ordering::Relaxed);
    tracing::info!(
        "Done loading RDB, keys loaded: {}, keys expired: {}.",
        report.keys_loaded,
        report.keys_expired
    );
    tracing::info!(
        "DB loaded from disk: {:.3} seconds",
        started.elapsed().as_secs_f64()
    );
    Ok(report)
}

/// Puts loaded keys into the store (one txn over every database, taken before clients
/// exist) and loaded libraries into the function registry.
struct StoreTarget<'a> {
    state: &'a ServerState,
    txn: &'a Txn<'a>,
    /// Replace what exists (`DEBUG RELOAD MERGE`).
    merge: bool,
}

impl LoadTarget for StoreTarget<'_> {
    fn databases(&self) -> usize {
        self.state.store.databases()
    }

    fn function(&mut self, code: Bytes) -> Result<(), String> {
        let name = functions::library_name(&code).map_err(|e| e.to_string())?;
        let mut library = Library {
            name,
            code,
            functions: Vec::new(),
        };
        library.functions =
            engine::check_library(self.state, library.body()).map_err(|e| e.to_string())?;
        let merge = self.merge;
        self.state
            .functions
            .update(|set| {
                if set.libraries.contains_key(&library.name) {
                    if !merge {
                        return Err(crate::error::Error::err(format!(
                            "Library {} already exists",
                            String::from_utf8_lossy(&library.name)
                        )));
                    }
                    set.unlink(&library.name);
                }
                set.link(library)
            })
            .map_err(|e| e.to_string())
    }

    fn reserve(&mut self, db: usize, keys: u64) {
        // A hint from the file: capped, so a corrupt count cannot reserve gigabytes.
        self.txn.reserve(db, keys.min(1 << 27) as usize);
    }

    fn key(&mut self, key: LoadedKey) -> bool {
        let added = if self.merge && self.txn.raw(key.db, &key.key).is_some() {
            self.txn
                .add_replacing(key.db, &key.key, key.value, key.expires_at);
            true
        } else {
            self.txn.load(key.db, &key.key, key.value, key.expires_at)
        };
        if added {
            self.txn
                .set_access(key.db, &key.key, key.idle_secs, key.freq);
        }
        added
    }
}
