//! Writing snapshots: SAVE and BGSAVE, save points, and the state `INFO persistence`
//! reports.
//!
//! A snapshot is consistent at the instant it starts although clients keep writing (see
//! [`crate::store::snapshot`]): this module is its [`SnapshotSink`], serializing each
//! segment it is handed into an RDB chunk, and its writer, which walks every segment,
//! writes the chunks to a temporary file in `dir`, then `EOF`, the checksum, `fsync`, and
//! renames it over `dbfilename` (and syncs the directory), so a crash or a full disk never
//! leaves a damaged file in place of the last good one. Chunks captured by writers wait in
//! memory until the walk writes them: that is the snapshot's extra memory (reported as
//! `rdb_last_cow_size`, the nearest thing to Redis's copy-on-write size).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;

use super::format::{CRC64, Out};
use super::rdb;
use crate::state::ServerState;
use crate::store::{Entry, Key, SEGMENTS, SnapshotSink, unix_time_ms};

/// Seconds between BGSAVE attempts after one failed (`CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_SECS: u64 = 5;

/// The persistence state of the server.
pub struct Persistence {
    /// Changes since the last successful save (`rdb_changes_since_last_save`).
    dirty: StripedCounter,
    /// `dirty` when the running save started; subtracted when it succeeds.
    dirty_at_start: AtomicU64,
    /// Unix seconds of the last successful save (the start time until one happens).
    last_save: AtomicU64,
    last_bgsave_ok: AtomicBool,
    /// Duration of the last BGSAVE in seconds, -1 before any.
    last_bgsave_secs: AtomicI64,
    /// Unix seconds of the last BGSAVE attempt (for the retry delay after a failure).
    last_try: AtomicU64,
    saves: AtomicU64,
    /// A snapshot is being written, since when, and for what (one at a time).
    running: Mutex<Option<(Instant, Job)>>,
    /// BGSAVE SCHEDULE / BGSAVE inside MULTI: start one when none runs.
    scheduled: AtomicBool,
    /// `stop-writes-on-bgsave-error` with save points set, and whether writes are
    /// refused now.
    stop_on_error: AtomicBool,
    refuse_writes: AtomicBool,
    /// Serialized bytes captured but not yet written (now and this save's peak), shared
    /// with the running snapshot's sink; and the last save's peak.
    pending: Arc<PendingBytes>,
    last_cow: AtomicU64,
    keys_processed: AtomicU64,
    keys_total: AtomicU64,
    pub loaded_keys: AtomicU64,
    pub loaded_expired: AtomicU64,
}

impl Default for Persistence {
    fn default() -> Self {
        Persistence {
            dirty: StripedCounter::default(),
            dirty_at_start: AtomicU64::new(0),
            last_save: AtomicU64::new(unix_time_ms() / 1000),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_secs: AtomicI64::new(-1),
            last_try: AtomicU64::new(0),
            saves: AtomicU64::new(0),
            running: Mutex::new(None),
            scheduled: AtomicBool::new(false),
            stop_on_error: AtomicBool::new(false),
            refuse_writes: AtomicBool::new(false),
            pending: Arc::default(),
            last_cow: AtomicU64::new(0),
            keys_processed: AtomicU64::new(0),
            keys_total: AtomicU64::new(0),
            loaded_keys: AtomicU64::new(0),
            loaded_expired: AtomicU64::new(0),
        }
    }
}

/// What a running snapshot is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// SAVE, BGSAVE, a save point or shutdown: the RDB file.
    Rdb,
    /// An append-only file rewrite (BGREWRITEAOF, turning the AOF on).
    AofRewrite,
}

/// Why a save did not start or did not finish.
#[derive(Debug)]
pub enum SaveError {
    /// Another snapshot is being written.
    InProgress,
    Io(std::io::Error),
}

impl std::fmt::Display for SaveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaveError::InProgress => f.write_str("Background save already in progress"),
            SaveError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `INFO persistence` numbers.
pub struct PersistenceInfo {
    pub dirty: u64,
    pub in_progress: bool,
    pub last_save: u64,
    pub last_bgsave_ok: bool,
    pub last_bgsave_secs: i64,
    pub current_secs: i64,
    pub saves: u64,
    pub cow_current: u64,
    pub cow_peak: u64,
    pub cow_last: u64,
    pub keys_processed: u64,
    pub keys_total: u64,
    pub loaded_keys: u64,
    pub loaded_expired: u64,
}

impl Persistence {
    /// Counts `n` changes to the data set (Redis's `server.dirty`).
    #[inline]
    pub fn changed(&self, n: u64) {
        self.dirty.add(n);
    }

    pub fn dirty(&self) -> u64 {
        self.dirty.sum()
    }

    pub fn last_save(&self) -> u64 {
        self.last_save.load(Ordering::Relaxed)
    }

    /// Whether an RDB snapshot (not an AOF rewrite) is being written.
    pub fn in_progress(&self) -> bool {
        matches!(*self.running.lock(), Some((_, Job::Rdb)))
    }

    /// How long the running `job` has been running, if it is.
    pub fn running_for(&self, job: Job) -> Option<std::time::Duration> {
        self.running
            .lock()
            .filter(|(_, running)| *running == job)
            .map(|(started, _)| started.elapsed())
    }

    /// What snapshot is being written, if any.
    pub fn running_job(&self) -> Option<Job> {
        self.running.lock().map(|(_, job)| job)
    }

    /// Whether writes are refused with `MISCONF`: the last BGSAVE failed while
    /// `stop-writes-on-bgsave-error` is on and save points are set. One load per
    /// command; kept by [`Persistence::configure`] and at the end of every save.
    #[inline]
    pub fn refusing_writes(&self) -> bool {
        self.refuse_writes.load(Ordering::Relaxed)
    }

    /// Takes the settings that decide [`Persistence::refusing_writes`].
    pub fn configure(&self, stop_on_error: bool, has_save_points: bool) {
        self.stop_on_error
            .store(stop_on_error && has_save_points, Ordering::Relaxed);
        self.update_refusal();
    }

    fn update_refusal(&self) {
        let refuse = self.stop_on_error.load(Ordering::Relaxed)
            && !self.last_bgsave_ok.load(Ordering::Relaxed);
        self.refuse_writes.store(refuse, Ordering::Relaxed);
    }

    /// Asks for a BGSAVE as soon as none runs (`BGSAVE SCHEDULE`).
    pub fn schedule(&self) {
        self.scheduled.store(true, Ordering::Relaxed);
    }

    pub fn info(&self) -> PersistenceInfo {
        let running = self
            .running
            .lock()
            .filter(|(_, job)| *job == Job::Rdb)
            .map(|(t, _)| t);
        PersistenceInfo {
            dirty: self.dirty(),
            in_progress: running.is_some(),
            last_save: self.last_save(),
            last_bgsave_ok: self.last_bgsave_ok.load(Ordering::Relaxed),
            last_bgsave_secs: self.last_bgsave_secs.load(Ordering::Relaxed),
            current_secs: running.map_or(-1, |t| t.elapsed().as_secs() as i64),
            saves: self.saves.load(Ordering::Relaxed),
            cow_current: if running.is_some() {
                self.pending.now.load(Ordering::Relaxed)
            } else {
                0
            },
            cow_peak: if running.is_some() {
                self.pending.peak.load(Ordering::Relaxed)
            } else {
                0
            },
            cow_last: self.last_cow.load(Ordering::Relaxed),
            keys_processed: if running.is_some() {
                self.keys_processed.load(Ordering::Relaxed)
            } else {
                0
            },
            keys_total: if running.is_some() {
                self.keys_total.load(Ordering::Relaxed)
            } else {
                0
            },
            loaded_keys: self.loaded_keys.load(Ordering::Relaxed),
            loaded_expired: self.loaded_expired.load(Ordering::Relaxed),
        }
    }

    /// Claims the right to write a snapshot.
    pub(crate) fn claim(&self, job: Job) -> Result<(), SaveError> {
        let mut running = self.running.lock();
        if running.is_some() {
            return Err(SaveError::InProgress);
        }
        *running = Some((Instant::now(), job));
        if job == Job::AofRewrite {
            return Ok(());
        }
        self.saves.fetch_add(1, Ordering::Relaxed);
        self.dirty_at_start.store(self.dirty(), Ordering::Relaxed);
        for counter in [&self.pending.now, &self.pending.peak, &self.keys_processed] {
            counter.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Ends a claimed AOF rewrite; returns how long it ran.
    pub(crate) fn release(&self) -> Option<std::time::Duration> {
        self.running.lock().take().map(|(t, _)| t.elapsed())
    }

    /// Records a save made outside the claim, in a command's txn (`DEBUG RELOAD`'s
    /// `rdbSave`): nothing is dirty any more, the last save is now and good.
    fn note_txn_save(&self) {
        self.dirty.sub(self.dirty());
        self.last_save
            .store(unix_time_ms() / 1000, Ordering::Relaxed);
        self.last_bgsave_ok.store(true, Ordering::Relaxed);
        self.update_refusal();
    }

    /// Records how the claimed save ended.
    fn finish(&self, result: &Result<(), SaveError>, background: bool) {
        let started = self.running.lock().take().map(|(t, _)| t);
        self.last_cow
            .store(self.pending.peak.load(Ordering::Relaxed), Ordering::Relaxed);
        let ok = result.is_ok();
        if ok {
            self.dirty.sub(self.dirty_at_start.load(Ordering::Relaxed));
            self.last_save
                .store(unix_time_ms() / 1000, Ordering::Relaxed);
        }
        if background {
            self.last_bgsave_ok.store(ok, Ordering::Relaxed);
            if let Some(started) = started {
                self.last_bgsave_secs
                    .store(started.elapsed().as_secs() as i64, Ordering::Relaxed);
            }
        } else if ok {
            // A good SAVE clears a BGSAVE error, as Redis's rdbSave sets the status ok.
            self.last_bgsave_ok.store(true, Ordering::Relaxed);
        }
        self.update_refusal();
    }
}

/// Where snapshots go: `dir`/`dbfilename`.
pub fn rdb_path(state: &ServerState) -> PathBuf {
    let config = state.config.read();
    Path::new(&config.dir).join(&config.dbfilename)
}

/// Writes a snapshot now, on this thread (`SAVE`, shutdown). Must not be called on a
/// thread that holds a txn: use [`save_blocking`] from a command.
pub fn save(state: &ServerState) -> Result<(), SaveError> {
    state.persistence.claim(Job::Rdb)?;
    let result = write_snapshot(state).map_err(SaveError::Io);
    state.persistence.finish(&result, false);
    match &result {
        Ok(()) => tracing::info!("DB saved on disk"),
        Err(e) => tracing::warn!("Write error saving DB on disk: {e}"),
    }
    result
}

/// The save before the server stops (`SHUTDOWN`, SIGTERM): waits for a running save to
/// end (Redis kills its child instead; a thread cannot be), then saves.
pub fn save_for_shutdown(state: &ServerState) -> Result<(), SaveError> {
    tracing::info!("Saving the final RDB snapshot before exiting.");
    loop {
        match save(state) {
            Err(SaveError::InProgress) => std::thread::sleep(std::time::Duration::from_millis(10)),
            other => return other,
        }
    }
}

/// Runs `job` on a thread of its own and waits for it, without stalling the async
/// runtime: a command handler's thread holds the command's txn, and a snapshot takes
/// segment locks of its own.
pub fn on_own_thread<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, SaveError> + Send + 'static,
) -> Result<T, SaveError> {
    let join = move || {
        std::thread::Builder::new()
            .name("save".into())
            .spawn(job)
            .map_err(SaveError::Io)?
            .join()
            .unwrap_or_else(|_| Err(SaveError::Io(std::io::Error::other("save thread panicked"))))
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(join)
        }
        _ => join(),
    }
}

/// [`save`] from a command handler: runs it on its own thread (the handler's thread holds
/// the command's txn, and a snapshot takes segment locks) and waits.
pub fn save_blocking(state: &Arc<ServerState>) -> Result<(), SaveError> {
    let state = state.clone();
    on_own_thread(move || save(&state))
}

/// Starts a BGSAVE on a thread of its own.
pub fn bgsave(state: &Arc<ServerState>) -> Result<(), SaveError> {
    state.persistence.claim(Job::Rdb)?;
    state
        .persistence
        .last_try
        .store(unix_time_ms() / 1000, Ordering::Relaxed);
    tracing::info!("Background saving started");
    let job = state.clone();
    let spawned = std::thread::Builder::new()
        .name("bgsave".into())
        .spawn(move || {
            let result = write_snapshot(&job).map_err(SaveError::Io);
            job.persistence.finish(&result, true);
            match result {
                Ok(()) => tracing::info!("Background saving terminated with success"),
                Err(e) => tracing::warn!("Background saving error: {e}"),
            }
        });
    if let Err(e) = spawned {
        let result = Err(SaveError::Io(e));
        state.persistence.finish(&result, true);
        return result;
    }
    Ok(())
}

/// The save-point check of the cron (`serverCron`): starts a BGSAVE when one is scheduled
/// or a save point (`save <seconds> <changes>`) is reached.
pub fn cron(state: &Arc<ServerState>) {
    let persistence = &state.persistence;
    // One snapshot at a time: a BGSAVE scheduled behind an AOF rewrite waits for it.
    if persistence.running_job().is_some() {
        return;
    }
    if persistence.scheduled.swap(false, Ordering::Relaxed) {
        let _ = bgsave(state);
        return;
    }
    let points = state.config.read().save_points();
    if points.is_empty() {
        return;
    }
    let now = unix_time_ms() / 1000;
    let dirty = persistence.dirty();
    let since_save = now.saturating_sub(persistence.last_save());
    let may_retry = persistence.last_bgsave_ok.load(Ordering::Relaxed)
        || now.saturating_sub(persistence.last_try.load(Ordering::Relaxed)) > RETRY_DELAY_SECS;
    for (seconds, changes) in points {
        if dirty >= changes && since_save >= seconds && may_retry {
            tracing::info!("{changes} changes in {seconds} seconds. Saving...");
            let _ = bgsave(state);
            return;
        }
    }
}

/// Writes `dir`/`dbfilename` from what `txn` sees, on this thread: `DEBUG RELOAD`'s save,
/// made in its command's txn, which holds every database (so no snapshot machinery is
/// needed: nothing changes meanwhile). The file is built in memory, then written to a
/// temporary name, fsynced and renamed like any snapshot.
pub fn save_in_txn(state: &ServerState, txn: &crate::store::Txn<'_>) -> std::io::Result<()> {
    let dest = Destination::of(state);
    let compress = dest.compress;
    let libraries = library_codes(state);
    let mut out = Out::new(compress);
    rdb::write_header(
        &mut out,
        false,
        crate::commands::info::used_memory(),
        &libraries,
    );
    for db in 0..state.store.databases() {
        let mut keys = 0u64;
        let mut expires = 0u64;
        let mut body = Out::new(compress);
        for segment in 0..SEGMENTS {
            txn.for_each_in_segment(db, segment, |key, entry| {
                keys += 1;
                expires += u64::from(entry.expires_at().is_some());
                rdb::write_entry(&mut body, key, entry);
            });
        }
        if keys > 0 {
            rdb::write_select(&mut out, db);
            rdb::write_resize(&mut out, keys, expires);
            out.buf.extend_from_slice(&body.buf);
        }
    }
    rdb::write_eof(&mut out);
    let crc = if dest.checksum {
        let mut digest = CRC64.digest();
        digest.update(&out.buf);
        digest.finalize()
    } else {
        0
    };
    out.buf.extend_from_slice(&crc.to_le_bytes());
    let temp = dest
        .dir
        .join(format!("temp-{}-debug.rdb", std::process::id()));
    let result = dest.install(&temp, |temp| {
        let mut file = File::create(temp)?;
        file.write_all(&out.buf)?;
        file.sync_all()
    });
    match &result {
        Ok(()) => {
            state.persistence.note_txn_save();
            tracing::info!("DB saved on disk");
        }
        Err(e) => tracing::warn!("Write error saving DB on disk: {e}"),
    }
    result
}

/// Where a snapshot of `dir`/`dbfilename` goes and how it is encoded.
struct Destination {
    dir: PathBuf,
    target: PathBuf,
    compress: bool,
    checksum: bool,
}

impl Destination {
    fn of(state: &ServerState) -> Destination {
        let config = state.config.read();
        Destination {
            dir: PathBuf::from(&config.dir),
            target: Path::new(&config.dir).join(&config.dbfilename),
            compress: config.rdbcompression,
            checksum: config.rdbchecksum,
        }
    }

    /// Has `write` fill the temporary file `temp`, then renames it into place, durably;
    /// on any failure the temporary file goes.
    fn install(
        &self,
        temp: &Path,
        write: impl FnOnce(&Path) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let result = write(temp).and_then(|()| {
            std::fs::rename(temp, &self.target)?;
            // The rename itself must survive a crash.
            File::open(&self.dir)?.sync_all()
        });
        if result.is_err() {
            let _ = std::fs::remove_file(temp);
        }
        result
    }
}

/// The code of every function library, as a snapshot stores them.
fn library_codes(state: &ServerState) -> Vec<Bytes> {
    state
        .functions
        .read(|set| set.libraries.values().map(|l| l.code.clone()).collect())
}

/// What a snapshot file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An RDB file (`aof-base` says whether it is an AOF's base).
    Rdb { aof_base: bool },
    /// Commands that rebuild the data (an AOF base without the RDB preamble).
    Commands,
}

/// Writes the whole snapshot to a temporary file and renames it into place.
fn write_snapshot(state: &ServerState) -> std::io::Result<()> {
    let dest = Destination::of(state);
    let temp = dest.dir.join(format!(
        "temp-{}-{}.rdb",
        std::process::id(),
        state.persistence.saves.load(Ordering::Relaxed)
    ));
    let format = Format::Rdb { aof_base: false };
    dest.install(&temp, |temp| {
        write_to(state, temp, dest.compress, dest.checksum, format)
    })
}

/// Writes a snapshot of the data in `format` to `path` (not renamed: the caller does).
pub fn write_to(
    state: &ServerState,
    path: &Path,
    compress: bool,
    checksum: bool,
    format: Format,
) -> std::io::Result<()> {
    let file = File::create(path)?;
    let mut file = ChecksummedFile {
        out: BufWriter::with_capacity(1 << 20, file),
        digest: CRC64.digest(),
        db: None,
        format,
        sizes: (0..state.store.databases())
            .map(|db| {
                let info = state.store.db_info(db);
                Some((info.keys as u64, info.expires as u64))
            })
            .collect(),
    };
    let libraries = library_codes(state);
    match format {
        Format::Rdb { aof_base } => {
            let mut header = Out::new(compress);
            let used = crate::commands::info::used_memory();
            rdb::write_header(&mut header, aof_base, used, &libraries);
            file.write(&header.buf)?;
        }
        Format::Commands => {
            let mut header = Vec::new();
            for code in &libraries {
                super::aof::encode_command(&mut header, &[&b"FUNCTION"[..], b"LOAD", code]);
            }
            file.write(&header)?;
        }
    }

    let store = &state.store;
    let persistence = &state.persistence;
    persistence.keys_total.store(
        (0..store.databases())
            .map(|db| store.db_info(db).keys as u64)
            .sum(),
        Ordering::Relaxed,
    );
    let sink = Arc::new(ChunkSink {
        chunks: Mutex::new(Vec::new()),
        compress,
        commands: format == Format::Commands,
        pending: persistence.pending.clone(),
    });
    let walk = {
        // No script may be running while the snapshot starts (see store::snapshot).
        let _turn = state.scripts.pause();
        SnapshotGuard::begin(store, sink.clone())
    };
    for db in 0..store.databases() {
        for segment in 0..SEGMENTS {
            store.capture_segment(db, segment);
            file.write_chunks(&sink, persistence)?;
        }
    }
    drop(walk);
    file.write_chunks(&sink, persistence)?;
    if let Format::Rdb { .. } = format {
        let mut tail = Out::new(compress);
        rdb::write_eof(&mut tail);
        file.write(&tail.buf)?;
        let crc = if checksum {
            file.digest.clone().finalize()
        } else {
            0
        };
        file.out.write_all(&crc.to_le_bytes())?;
    }
    let file = file.out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Ends the running snapshot however the walk ends (an I/O error included).
struct SnapshotGuard<'s>(&'s crate::store::Store);

impl<'s> SnapshotGuard<'s> {
    fn begin(store: &'s crate::store::Store, sink: Arc<ChunkSink>) -> Self {
        store.begin_snapshot(sink);
        SnapshotGuard(store)
    }
}

impl Drop for SnapshotGuard<'_> {
    fn drop(&mut self) {
        self.0.end_snapshot();
    }
}

struct ChecksummedFile {
    out: BufWriter<File>,
    digest: crc::Digest<'static, u64, crc::Table<16>>,
    /// The database the last chunk selected.
    db: Option<usize>,
    format: Format,
    /// Keys and volatile keys per database when the snapshot began: written once, as a
    /// `RESIZEDB` hint after the database's first `SELECTDB`, so loaders can presize.
    sizes: Vec<Option<(u64, u64)>>,
}

impl ChecksummedFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.digest.update(bytes);
        self.out.write_all(bytes)
    }

    fn write_chunks(&mut self, sink: &ChunkSink, persistence: &Persistence) -> std::io::Result<()> {
        let chunks = std::mem::take(&mut *sink.chunks.lock());
        for chunk in chunks {
            if self.db != Some(chunk.db) {
                let mut select = Out::new(false);
                match self.format {
                    Format::Rdb { .. } => {
                        rdb::write_select(&mut select, chunk.db);
                        if let Some((keys, expires)) = self.sizes[chunk.db].take() {
                            rdb::write_resize(&mut select, keys, expires);
                        }
                    }
                    Format::Commands => super::aof::encode_command(
                        &mut select.buf,
                        &[
                            &b"SELECT"[..],
                            itoa::Buffer::new().format(chunk.db).as_bytes(),
                        ],
                    ),
                }
                self.write(&select.buf)?;
                self.db = Some(chunk.db);
            }
            self.write(&chunk.bytes)?;
            persistence
                .pending
                .now
                .fetch_sub(chunk.bytes.len() as u64, Ordering::Relaxed);
            persistence
                .keys_processed
                .fetch_add(chunk.keys, Ordering::Relaxed);
        }
        Ok(())
    }
}

struct Chunk {
    db: usize,
    bytes: Vec<u8>,
    keys: u64,
}

/// Serializes captured segments into chunks waiting to be written.
struct ChunkSink {
    chunks: Mutex<Vec<Chunk>>,
    compress: bool,
    /// Commands instead of RDB entries (an AOF base without the RDB preamble).
    commands: bool,
    pending: Arc<PendingBytes>,
}

/// Bytes serialized and not yet written.
#[derive(Default)]
struct PendingBytes {
    now: AtomicU64,
    peak: AtomicU64,
}

impl SnapshotSink for ChunkSink {
    fn capture(&self, db: usize, entries: &mut dyn Iterator<Item = (&Key, &Entry)>) {
        let now = unix_time_ms();
        let mut out = Out::new(self.compress);
        let mut keys = 0;
        for (key, entry) in entries {
            // An expired key would be dropped by any loader: leave it out.
            if entry.is_expired(now) {
                continue;
            }
            if self.commands {
                super::aof::rewrite_entry(&mut out.buf, key, entry);
            } else {
                rdb::write_entry(&mut out, key, entry);
            }
            keys += 1;
        }
        if keys == 0 {
            return;
        }
        let size = out.buf.len() as u64;
        let pending = self.pending.now.fetch_add(size, Ordering::Relaxed) + size;
        self.pending.peak.fetch_max(pending, Ordering::Relaxed);
        self.chunks.lock().push(Chunk {
            db,
            bytes: out.buf,
            keys,
        });
    }
}

/// A counter many threads add to without sharing a cache line: each thread adds to one
/// of a few stripes (picked once per thread), readers sum them. `server.dirty` is bumped
/// by every write command, so one shared atomic would bounce between cores.
#[derive(Default)]
struct StripedCounter {
    stripes: [Stripe; STRIPES],
}

const STRIPES: usize = 16;

#[derive(Default)]
#[repr(align(128))]
struct Stripe(AtomicI64);

thread_local! {
    static STRIPE: usize = {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) as usize % STRIPES
    };
}

impl StripedCounter {
    #[inline]
    fn add(&self, n: u64) {
        let stripe = STRIPE.with(|s| *s);
        self.stripes[stripe]
            .0
            .fetch_add(n as i64, Ordering::Relaxed);
    }

    /// Takes `n` away (what a successful save wrote); never below zero in sum.
    fn sub(&self, n: u64) {
        let n = n.min(self.sum());
        self.stripes[0].0.fetch_sub(n as i64, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .sum::<i64>()
            .max(0) as u64
    }
}
