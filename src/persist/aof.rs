//! The append-only file, as Redis 7.0 keeps it: a directory (`appenddirname`) holding a
//! base file (an RDB, or commands), incremental files of commands in RESP, and a manifest
//! naming them in order, so redis-server 7.0 loads our directory and we load its.
//!
//! # What is logged
//! Every command that changed the data set, as its deterministic effect (see
//! `exec::propagate`: relative expiry as `PEXPIREAT`, `SPOP` as `SREM`, a served blocking
//! pop as a pop, a transaction or script wrapped in `MULTI`/`EXEC`), and `DEL` for each key
//! found expired. Records are appended while the command's txn still holds its locks, so
//! conflicting commands are logged in the order they took effect.
//!
//! # Durability
//! Records are buffered; before a front end writes a reply it calls [`Aof::commit`], which
//! writes everything buffered so far (one `write` for all clients waiting: group commit)
//! and, under `appendfsync always`, `fdatasync`s it, so no acknowledged write can be lost.
//! Under `everysec` a background thread syncs once a second; under `no` the kernel does.
//!
//! # Rewriting
//! A rewrite (BGREWRITEAOF, or turning the AOF on) opens a new incremental file and starts
//! a snapshot (see `store::snapshot`) that becomes the new base. Every record carries the
//! snapshot generation of its txn: records of txns the snapshot includes go to the old
//! incremental file (or nowhere, when turning the AOF on), the others to the new one. When
//! the snapshot is written, the manifest names the new base and the new incremental file
//! only, and the old files are deleted. Until then the manifest names both incremental
//! files, so a crash at any point loads base + old + new: the full history.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::store::numeric::format_double;
use crate::store::stream::StreamId;
use crate::store::{Entry, StreamValue, Value};

/// `appendfsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    Always,
    EverySec,
    No,
}

impl Fsync {
    pub fn parse(text: &str) -> Option<Fsync> {
        match text {
            "always" => Some(Fsync::Always),
            "everysec" => Some(Fsync::EverySec),
            "no" => Some(Fsync::No),
            _ => None,
        }
    }

    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> Fsync {
        match code {
            0 => Fsync::Always,
            1 => Fsync::EverySec,
            _ => Fsync::No,
        }
    }
}

/// One file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub name: String,
    pub seq: u64,
    /// `b` base, `h` history (to delete), `i` incremental.
    pub kind: char,
}

/// The manifest: which files make the AOF, in load order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<FileInfo>,
    pub history: Vec<FileInfo>,
    pub incrs: Vec<FileInfo>,
}

impl Manifest {
    /// Parses a manifest (`aofLoadManifestFromFile`): lines `file NAME seq N type T`,
    /// `#` comments; names may be quoted.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut manifest = Manifest::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = crate::resp::decoder::split_args(line.as_bytes())
                .ok_or("Invalid AOF manifest file format")?;
            if words.len() % 2 != 0 {
                return Err("Invalid AOF manifest file format".into());
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for pair in words.chunks(2) {
                let value = String::from_utf8_lossy(&pair[1]).into_owned();
                match &pair[0][..] {
                    b"file" => name = Some(value),
                    b"seq" => seq = value.parse::<u64>().ok(),
                    b"type" => kind = value.chars().next(),
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err("Invalid AOF manifest file format".into());
            };
            let info = FileInfo { name, seq, kind };
            match kind {
                'b' => {
                    if manifest.base.is_some() {
                        return Err("Found duplicate base file information".into());
                    }
                    manifest.base = Some(info);
                }
                'h' => manifest.history.push(info),
                'i' => {
                    if manifest.incrs.last().is_some_and(|last| last.seq >= seq) {
                        return Err("Found a non-monotonic sequence number".into());
                    }
                    manifest.incrs.push(info);
                }
                _ => return Err("Unknown AOF file type".into()),
            }
        }
        Ok(manifest)
    }

    /// The manifest's text (`getAofManifestAsString`): base, history, incrementals.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for info in self.base.iter().chain(&self.history).chain(&self.incrs) {
            let name = if info
                .name
                .bytes()
                .any(|b| !b.is_ascii_graphic() || b == b'"' || b == b'\\')
            {
                format!("{:?}", info.name)
            } else {
                info.name.clone()
            };
            out.push_str(&format!(
                "file {name} seq {} type {}\n",
                info.seq, info.kind
            ));
        }
        out
    }

    /// Moves the base and every incremental file to the history (to be deleted).
    fn retire_all(&mut self) {
        let retired = self.base.take().into_iter().chain(self.incrs.drain(..));
        self.history.extend(retired.map(|mut info| {
            info.kind = 'h';
            info
        }));
    }

    fn next_base_seq(&self) -> u64 {
        self.base
            .iter()
            .chain(&self.history)
            .filter(|i| i.kind != 'i' && i.name.contains(".base."))
            .map(|i| i.seq)
            .max()
            .unwrap_or(0)
            + 1
    }

    fn next_incr_seq(&self) -> u64 {
        self.incrs
            .iter()
            .chain(self.history.iter().filter(|i| i.name.contains(".incr.")))
            .map(|i| i.seq)
            .max()
            .unwrap_or(0)
            + 1
    }
}

/// Where records go: one incremental file and what is buffered for it.
struct Target {
    file: Arc<File>,
    pending: Vec<u8>,
    /// The database the file's last record selected (`None`: a new file selects first).
    selected_db: Option<usize>,
}

/// The log's state, under one mutex.
#[derive(Default)]
struct Log {
    /// Where records of the current generation go.
    current: Option<Target>,
    /// During a rewrite, where records of txns the rewrite's snapshot includes go; `None`
    /// while turning the AOF on (those records are in the new base).
    previous: Option<Target>,
    /// During a rewrite: the generation of its snapshot. 0 when none runs.
    switch_generation: u64,
    manifest: Manifest,
    /// Bytes appended since start (the sequence number commits wait for).
    appended: u64,
}

/// The append-only file of a running server.
pub struct Aof {
    /// Records are being logged.
    active: AtomicBool,
    log: Mutex<Log>,
    /// Serializes writing buffered records to the files (group commit).
    io: Mutex<()>,
    /// Bytes appended, written to the files, and synced, since start.
    appended: AtomicU64,
    written: AtomicU64,
    synced: AtomicU64,
    fsync: AtomicU8,
    /// The last write or fsync failed (`aof_last_write_status:err`, MISCONF).
    write_failed: AtomicBool,
    pub last_error: Mutex<Option<String>>,
    /// Size of the files now, and of the base at the last rewrite (`INFO`, auto rewrite).
    pub current_size: AtomicU64,
    pub base_size: AtomicU64,
    pub rewrites: AtomicU64,
    pub rewrite_in_progress: AtomicBool,
    pub rewrite_scheduled: AtomicBool,
    pub last_rewrite_ok: AtomicBool,
    pub last_rewrite_secs: std::sync::atomic::AtomicI64,
    /// Where the AOF directory is (`dir`/`appenddirname`) and the file name stem.
    paths: Mutex<(PathBuf, String)>,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            active: AtomicBool::new(false),
            log: Mutex::default(),
            io: Mutex::new(()),
            appended: AtomicU64::new(0),
            written: AtomicU64::new(0),
            synced: AtomicU64::new(0),
            fsync: AtomicU8::new(Fsync::EverySec.code()),
            write_failed: AtomicBool::new(false),
            last_error: Mutex::new(None),
            current_size: AtomicU64::new(0),
            base_size: AtomicU64::new(0),
            rewrites: AtomicU64::new(0),
            rewrite_in_progress: AtomicBool::new(false),
            rewrite_scheduled: AtomicBool::new(false),
            last_rewrite_ok: AtomicBool::new(true),
            last_rewrite_secs: std::sync::atomic::AtomicI64::new(-1),
            paths: Mutex::new((PathBuf::from("appendonlydir"), "appendonly.aof".into())),
        }
    }
}

/// Appends one command in RESP, as Redis's `catAppendOnlyGenericCommand`.
pub fn encode_command(out: &mut Vec<u8>, argv: &[impl AsRef<[u8]>]) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(argv.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in argv {
        let arg = arg.as_ref();
        out.push(b'$');
        out.extend_from_slice(itoa::Buffer::new().format(arg.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Items per command when a rewrite writes a collection as commands
/// (`AOF_REWRITE_ITEMS_PER_CMD`).
const ITEMS_PER_COMMAND: usize = 64;

/// A stream as the commands that rebuild it (`rewriteStreamObject`): an XADD per entry
/// (an empty stream by `XADD key MAXLEN 0 0-1 x y`), XSETID for its counters, then per
/// group XGROUP CREATE, an XCLAIM per pending entry and XGROUP CREATECONSUMER for
/// consumers that own none.
fn rewrite_stream(out: &mut Vec<u8>, key: &[u8], stream: &StreamValue) {
    let id = |id: StreamId| id.to_bytes();
    let num = |n: i64| Bytes::copy_from_slice(itoa::Buffer::new().format(n).as_bytes());
    let word = Bytes::from_static;
    let key = Bytes::copy_from_slice(key);
    if stream.is_empty() {
        encode_command(
            out,
            &[
                word(b"XADD"),
                key.clone(),
                word(b"MAXLEN"),
                word(b"0"),
                word(b"0-1"),
                word(b"x"),
                word(b"y"),
            ],
        );
    } else {
        for entry in stream.range(StreamId::MIN, StreamId::MAX, false) {
            let mut argv = vec![word(b"XADD"), key.clone(), id(entry.id)];
            argv.extend(entry.fields());
            encode_command(out, &argv);
        }
    }
    let meta = &stream.meta;
    encode_command(
        out,
        &[
            word(b"XSETID"),
            key.clone(),
            id(meta.last_id),
            word(b"ENTRIESADDED"),
            num(meta.entries_added as i64),
            word(b"MAXDELETEDID"),
            id(meta.max_deleted_id),
        ],
    );
    for (name, group) in &stream.groups {
        encode_command(
            out,
            &[
                word(b"XGROUP"),
                word(b"CREATE"),
                key.clone(),
                name.clone(),
                id(group.last_id),
                word(b"ENTRIESREAD"),
                num(group.entries_read),
            ],
        );
        for (consumer_name, consumer) in &group.consumers {
            if consumer.pel.is_empty() {
                encode_command(
                    out,
                    &[
                        word(b"XGROUP"),
                        word(b"CREATECONSUMER"),
                        key.clone(),
                        name.clone(),
                        consumer_name.clone(),
                    ],
                );
                continue;
            }
            for pending_id in &consumer.pel {
                let Some(pending) = group.pel.get(pending_id) else {
                    continue;
                };
                encode_command(
                    out,
                    &[
                        word(b"XCLAIM"),
                        key.clone(),
                        name.clone(),
                        consumer_name.clone(),
                        word(b"0"),
                        id(*pending_id),
                        word(b"TIME"),
                        num(pending.delivery_time),
                        word(b"RETRYCOUNT"),
                        num(pending.delivery_count as i64),
                        word(b"JUSTID"),
                        word(b"FORCE"),
                    ],
                );
            }
        }
    }
}

/// A key as the commands that rebuild it (`rewriteAppendOnlyFileRio` without the RDB
/// preamble): `SET`, `RPUSH` / `SADD` / `ZADD` / `HMSET` of at most 64 items each, then
/// `PEXPIREAT` when it expires.
pub fn rewrite_entry(out: &mut Vec<u8>, key: &[u8], entry: &Entry) {
    let batches = |out: &mut Vec<u8>, command: &[u8], items: Vec<Vec<Bytes>>| {
        for chunk in items.chunks(ITEMS_PER_COMMAND) {
            let mut argv: Vec<Bytes> =
                vec![Bytes::copy_from_slice(command), Bytes::copy_from_slice(key)];
            argv.extend(chunk.iter().flatten().cloned());
            encode_command(out, &argv);
        }
    };
    match entry.value() {
        Value::String(s) => encode_command(out, &[&b"SET"[..], key, &s.as_bytes()]),
        Value::List(list) => {
            let items = list.read().items.iter().map(|i| vec![i.clone()]).collect();
            batches(out, b"RPUSH", items);
        }
        Value::Set(set) => {
            let items = set.read().iter().map(|m| vec![m.clone()]).collect();
            batches(out, b"SADD", items);
        }
        Value::SortedSet(zset) => {
            let items = zset
                .read()
                .iter()
                .map(|(m, score)| vec![Bytes::from(format_double(score)), m.clone()])
                .collect();
            batches(out, b"ZADD", items);
        }
        Value::Hash(hash) => {
            let items = hash
                .read()
                .iter()
                .map(|(f, v)| vec![f.clone(), v.clone()])
                .collect();
            batches(out, b"HMSET", items);
        }
        Value::Stream(stream) => rewrite_stream(out, key, &stream.read()),
    }
    if let Some(at) = entry.expires_at() {
        encode_command(
            out,
            &[
                &b"PEXPIREAT"[..],
                key,
                itoa::Buffer::new().format(at).as_bytes(),
            ],
        );
    }
}

impl Aof {
    /// Whether records are logged: one load on every write command.
    #[inline]
    pub fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    pub fn set_fsync(&self, policy: Fsync) {
        self.fsync.store(policy.code(), Ordering::Relaxed);
    }

    pub fn fsync(&self) -> Fsync {
        Fsync::from_code(self.fsync.load(Ordering::Relaxed))
    }

    /// Whether the last write or fsync failed (writes are then refused with MISCONF).
    pub fn write_failed(&self) -> bool {
        self.write_failed.load(Ordering::Relaxed)
    }

    pub fn set_paths(&self, dir: PathBuf, stem: String) {
        *self.paths.lock() = (dir, stem);
    }

    fn paths(&self) -> (PathBuf, String) {
        self.paths.lock().clone()
    }

    /// Bytes buffered and not yet written (`aof_buffer_length`).
    pub fn buffered(&self) -> u64 {
        self.appended
            .load(Ordering::Relaxed)
            .saturating_sub(self.written.load(Ordering::Relaxed))
    }

    /// Logs `records` (each with its database), made by a txn of snapshot generation
    /// `generation`; several are one transaction (`MULTI` ... `EXEC`). Called while the
    /// txn holds its locks.
    pub fn append(&self, generation: u64, records: &[(usize, Vec<Bytes>)]) {
        if records.is_empty() || !self.active() {
            return;
        }
        let mut log = self.log.lock();
        let log = &mut *log;
        let target = if log.switch_generation != 0 && generation < log.switch_generation {
            match log.previous.as_mut() {
                Some(previous) => previous,
                // Turning the AOF on: the new base holds this change.
                None => return,
            }
        } else {
            match log.current.as_mut() {
                Some(current) => current,
                None => return,
            }
        };
        let before = target.pending.len();
        let wrap = records.len() > 1;
        if wrap {
            // The first record's database is selected before MULTI, as Redis does.
            select(target, records[0].0);
            encode_command(&mut target.pending, &[b"MULTI"]);
        }
        for (db, record) in records {
            select(target, *db);
            encode_command(&mut target.pending, record);
        }
        if wrap {
            encode_command(&mut target.pending, &[b"EXEC"]);
        }
        log.appended += (target.pending.len() - before) as u64;
        self.appended.store(log.appended, Ordering::Release);
    }

    /// Makes everything appended so far survive as `appendfsync` promises: written to the
    /// files (so a crash of the process loses nothing), and synced under `always`. Front
    /// ends call it before writing replies; one caller writes for all (group commit).
    pub fn commit(&self) {
        if !self.active() {
            return;
        }
        let always = self.fsync() == Fsync::Always;
        let target = self.appended.load(Ordering::Acquire);
        let done = |aof: &Aof| {
            if always {
                aof.synced.load(Ordering::Acquire) >= target
            } else {
                aof.written.load(Ordering::Acquire) >= target
            }
        };
        if done(self) {
            return;
        }
        let _io = self.io.lock();
        if done(self) {
            return;
        }
        self.write_pending(always);
    }

    /// [`Aof::commit`] from a thread of the async runtime: under `always`, whose fsync
    /// may take milliseconds, the runtime first moves its other tasks off this thread.
    pub fn commit_on_worker(&self) {
        if !self.active() {
            return;
        }
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if self.fsync() == Fsync::Always && multi_thread {
            tokio::task::block_in_place(|| self.commit());
        } else {
            self.commit();
        }
    }

    /// Writes what is buffered (holding `io`), then syncs when `sync`.
    fn write_pending(&self, sync: bool) {
        let (batches, upto) = {
            let mut log = self.log.lock();
            let log = &mut *log;
            let mut batches = Vec::new();
            for target in [log.previous.as_mut(), log.current.as_mut()]
                .into_iter()
                .flatten()
            {
                if !target.pending.is_empty() {
                    batches.push((target.file.clone(), std::mem::take(&mut target.pending)));
                }
            }
            (batches, log.appended)
        };
        let mut files = Vec::new();
        let mut batches = batches.into_iter();
        while let Some((file, bytes)) = batches.next() {
            if let Err(e) = write_whole(&file, &bytes) {
                // Nothing of this batch stays in the file; it and the batches after it wait
                // in the buffer for the next attempt, while writes are refused (MISCONF).
                self.requeue(std::iter::once((file, bytes)).chain(batches));
                self.failed(format!("Error writing to the AOF file: {e}"));
                if always_policy(self) {
                    // Redis: with `always` an acknowledged write may not be lost, and the
                    // reply is about to go out: stop rather than acknowledge.
                    tracing::error!(
                        "Can't recover from AOF write error when the AOF fsync policy is \
                         'always'. Exiting..."
                    );
                    std::process::exit(1);
                }
                return;
            }
            self.current_size
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            files.push(file);
        }
        self.written.fetch_max(upto, Ordering::AcqRel);
        if sync {
            if files.is_empty()
                && let Some(current) = self.log.lock().current.as_ref()
            {
                files.push(current.file.clone());
            }
            for file in files {
                if let Err(e) = file.sync_data() {
                    self.failed(format!("Can't persist AOF for fsync error: {e}"));
                    return;
                }
            }
            self.synced.fetch_max(upto, Ordering::AcqRel);
        }
        if self.write_failed.swap(false, Ordering::Relaxed) {
            tracing::warn!("AOF write error looks solved, Redis can write again.");
        }
    }

    /// Puts batches that could not be written back in front of what was buffered since.
    fn requeue(&self, batches: impl Iterator<Item = (Arc<File>, Vec<u8>)>) {
        let mut log = self.log.lock();
        let log = &mut *log;
        for (file, mut bytes) in batches {
            let target = [log.previous.as_mut(), log.current.as_mut()]
                .into_iter()
                .flatten()
                .find(|t| Arc::ptr_eq(&t.file, &file));
            if let Some(target) = target {
                bytes.extend_from_slice(&target.pending);
                target.pending = bytes;
            }
        }
    }

    fn failed(&self, message: String) {
        if !self.write_failed.swap(true, Ordering::Relaxed) {
            tracing::warn!("{message}");
        }
        *self.last_error.lock() = Some(message);
    }

    /// The once-a-second work of `everysec` (and of `no`, which only writes): called by
    /// the AOF's background thread.
    pub fn tick(&self) {
        if !self.active() {
            return;
        }
        let _io = self.io.lock();
        let sync = self.fsync() == Fsync::EverySec
            && self.synced.load(Ordering::Acquire) < self.appended.load(Ordering::Acquire);
        self.write_pending(sync);
    }

    /// Writes and syncs everything (shutdown, turning the AOF off).
    pub fn flush_and_sync(&self) {
        if !self.active() {
            return;
        }
        let _io = self.io.lock();
        self.write_pending(true);
    }

    /// Stops logging and closes the files (CONFIG SET appendonly no, shutdown).
    pub fn stop(&self) {
        self.flush_and_sync();
        self.active.store(false, Ordering::SeqCst);
        let mut log = self.log.lock();
        log.current = None;
        log.previous = None;
        log.switch_generation = 0;
    }

    /// Opens the last incremental file for appending after a load (or creates the first
    /// one), persists the manifest, and starts logging. `manifest` is what was loaded.
    pub fn open(&self, mut manifest: Manifest) -> std::io::Result<()> {
        let (dir, stem) = self.paths();
        std::fs::create_dir_all(&dir)?;
        // A rewrite that a crash interrupted leaves its temporary base behind.
        for entry in std::fs::read_dir(&dir)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with("temp-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        if manifest.incrs.is_empty() {
            let seq = manifest.next_incr_seq();
            manifest.incrs.push(FileInfo {
                name: format!("{stem}.{seq}.incr.aof"),
                seq,
                kind: 'i',
            });
        }
        let last = manifest
            .incrs
            .last()
            .expect("one incremental file at least");
        let file = open_append(&dir.join(&last.name))?;
        persist_manifest(&dir, &stem, &manifest)?;
        let mut size = 0;
        for info in manifest.base.iter().chain(&manifest.incrs) {
            size += std::fs::metadata(dir.join(&info.name)).map_or(0, |m| m.len());
        }
        self.current_size.store(size, Ordering::Relaxed);
        // The automatic rewrite measures growth from what was loaded, as Redis does.
        self.base_size.store(size, Ordering::Relaxed);
        let mut log = self.log.lock();
        log.current = Some(Target {
            file: Arc::new(file),
            pending: Vec::new(),
            selected_db: None,
        });
        log.manifest = manifest;
        self.active.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// A rewrite's first step, under the log's lock: a new incremental file receives the
    /// records of generation `generation` and later; the current one, kept for the records
    /// of earlier generations, when `keep_previous` (a rewrite of a running AOF) or
    /// nothing (turning the AOF on). Persists a manifest naming both.
    pub fn begin_rewrite(&self, generation: u64, keep_previous: bool) -> std::io::Result<()> {
        let (dir, stem) = self.paths();
        std::fs::create_dir_all(&dir)?;
        let mut log = self.log.lock();
        let mut manifest = log.manifest.clone();
        if !keep_previous {
            // Turning on: whatever the manifest held is superseded by the new base.
            manifest.retire_all();
        }
        let seq = manifest.next_incr_seq();
        let info = FileInfo {
            name: format!("{stem}.{seq}.incr.aof"),
            seq,
            kind: 'i',
        };
        // A new file: whatever a crash left under this name is not part of the log.
        let file = create_fresh(&dir.join(&info.name))?;
        manifest.incrs.push(info);
        if keep_previous {
            persist_manifest(&dir, &stem, &manifest)?;
        }
        log.manifest = manifest;
        log.previous = if keep_previous {
            log.current.take()
        } else {
            None
        };
        log.current = Some(Target {
            file: Arc::new(file),
            pending: Vec::new(),
            selected_db: None,
        });
        log.switch_generation = generation;
        drop(log);
        if !keep_previous {
            self.active.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// A rewrite's last step: `base_temp` (written by the snapshot) becomes the new base,
    /// the manifest names it and the newest incremental file only, and older files are
    /// deleted. On `Err` of the snapshot the rewrite is abandoned: both incremental files
    /// stay in the manifest (they are still the full history).
    pub fn finish_rewrite(&self, base_temp: Option<&Path>, rdb_base: bool) -> std::io::Result<()> {
        let (dir, stem) = self.paths();
        // No record of the old generation can come any more (the snapshot has visited
        // every segment); write the old file out and close it.
        {
            let _io = self.io.lock();
            self.write_pending(true);
        }
        let mut log = self.log.lock();
        log.previous = None;
        log.switch_generation = 0;
        let Some(base_temp) = base_temp else {
            return Ok(());
        };
        let mut manifest = log.manifest.clone();
        let seq = manifest.next_base_seq();
        let suffix = if rdb_base { "rdb" } else { "aof" };
        let base = FileInfo {
            name: format!("{stem}.{seq}.base.{suffix}"),
            seq,
            kind: 'b',
        };
        std::fs::rename(base_temp, dir.join(&base.name))?;
        let newest = manifest
            .incrs
            .pop()
            .expect("the rewrite's incremental file");
        manifest.retire_all();
        manifest.base = Some(base.clone());
        manifest.incrs.push(newest);
        // History first (a crash now still names every file), then the files go and the
        // manifest is written once more without them, as Redis's aofDelHistoryFiles.
        persist_manifest(&dir, &stem, &manifest)?;
        for old in manifest.history.drain(..) {
            let _ = std::fs::remove_file(dir.join(&old.name));
        }
        persist_manifest(&dir, &stem, &manifest)?;
        let base_size = std::fs::metadata(dir.join(&base.name)).map_or(0, |m| m.len());
        self.base_size.store(base_size, Ordering::Relaxed);
        let incr_size = manifest
            .incrs
            .iter()
            .map(|i| std::fs::metadata(dir.join(&i.name)).map_or(0, |m| m.len()))
            .sum::<u64>();
        self.current_size
            .store(base_size + incr_size, Ordering::Relaxed);
        log.manifest = manifest;
        Ok(())
    }

    /// The path a rewrite writes its base to before it is renamed into place.
    pub fn temp_base_path(&self) -> PathBuf {
        let (dir, stem) = self.paths();
        dir.join(format!("temp-rewriteaof-{}-{stem}", std::process::id()))
    }

    pub fn dir(&self) -> PathBuf {
        self.paths().0
    }

    pub fn manifest_path(&self) -> PathBuf {
        let (dir, stem) = self.paths();
        dir.join(format!("{stem}.manifest"))
    }
}

/// Writes all of `bytes` at the end of `file`, or nothing: after a short write the file is
/// cut back to where it was, as Redis does, so no half record stays.
fn write_whole(file: &File, bytes: &[u8]) -> std::io::Result<()> {
    let mut done = 0;
    while done < bytes.len() {
        match (&*file).write(&bytes[done..]) {
            Ok(0) => {
                undo_short_write(file, done);
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                undo_short_write(file, done);
                return Err(e);
            }
        }
    }
    Ok(())
}

fn undo_short_write(file: &File, written: usize) {
    if written > 0
        && let Ok(meta) = file.metadata()
    {
        let _ = file.set_len(meta.len().saturating_sub(written as u64));
    }
}

fn always_policy(aof: &Aof) -> bool {
    aof.fsync() == Fsync::Always
}

/// Selects `db` in `target` unless its last record did.
fn select(target: &mut Target, db: usize) {
    if target.selected_db != Some(db) {
        encode_command(
            &mut target.pending,
            &[&b"SELECT"[..], itoa::Buffer::new().format(db).as_bytes()],
        );
        target.selected_db = Some(db);
    }
}

fn create_fresh(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    drop(file);
    open_append(path)
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

/// Writes the manifest through a temporary file, fsync and rename (and a sync of the
/// directory), so a crash leaves the old or the new manifest, never half of one.
fn persist_manifest(dir: &Path, stem: &str, manifest: &Manifest) -> std::io::Result<()> {
    let temp = dir.join(format!("temp-{stem}.manifest"));
    {
        let mut file = File::create(&temp)?;
        file.write_all(manifest.render().as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, dir.join(format!("{stem}.manifest")))?;
    File::open(dir)?.sync_all()
}

/// Reads the manifest of the AOF directory; `Ok(None)` when there is none.
pub fn read_manifest(path: &Path) -> Result<Option<Manifest>, String> {
    let mut text = String::new();
    match File::open(path) {
        Ok(mut file) => file
            .read_to_string(&mut text)
            .map_err(|e| format!("can't read the AOF manifest {}: {e}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "can't open the AOF manifest {}: {e}",
                path.display()
            ));
        }
    };
    Manifest::parse(&text).map(Some)
}

/// One command read from an AOF file.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A command and the offset just past it.
    Command(Vec<Bytes>, usize),
    /// The input ends inside a command (a torn tail).
    Truncated,
    /// Not a command (`Bad file format reading the append only file`).
    Bad(String),
    /// The input ended cleanly.
    End,
}

/// Reads the command at `at` of an AOF file's bytes (`loadSingleAppendOnlyFile`):
/// `*N\r\n` then N bulk strings; `#` lines are annotations, skipped.
pub fn parse_command(data: &[u8], mut at: usize) -> Parsed {
    loop {
        if at >= data.len() {
            return Parsed::End;
        }
        if data[at] != b'#' {
            break;
        }
        match find_crlf(data, at) {
            Some(end) => at = end + 2,
            None => return Parsed::Truncated,
        }
    }
    if data[at] != b'*' {
        return Parsed::Bad(format!("expected '*' at offset {at}"));
    }
    let Some(end) = find_crlf(data, at) else {
        return Parsed::Truncated;
    };
    let Some(count) = parse_len(&data[at + 1..end]) else {
        return Parsed::Bad(format!("bad argument count at offset {at}"));
    };
    if count < 1 {
        return Parsed::Bad(format!("bad argument count at offset {at}"));
    }
    at = end + 2;
    let mut argv = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        if at >= data.len() {
            return Parsed::Truncated;
        }
        if data[at] != b'$' {
            return Parsed::Bad(format!("expected '$' at offset {at}"));
        }
        let Some(end) = find_crlf(data, at) else {
            return Parsed::Truncated;
        };
        let Some(len) = parse_len(&data[at + 1..end]) else {
            return Parsed::Bad(format!("bad bulk length at offset {at}"));
        };
        let start = end + 2;
        if data.len() < start + len + 2 {
            return Parsed::Truncated;
        }
        if &data[start + len..start + len + 2] != b"\r\n" {
            return Parsed::Bad(format!("bulk not terminated at offset {}", start + len));
        }
        argv.push(Bytes::copy_from_slice(&data[start..start + len]));
        at = start + len + 2;
    }
    Parsed::Command(argv, at)
}

fn find_crlf(data: &[u8], from: usize) -> Option<usize> {
    data[from..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

fn parse_len(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write error (a full disk) is remembered, so writes are refused with MISCONF, and
    /// clears once a write succeeds again.
    #[test]
    fn write_errors_are_reported_and_recover() {
        let dir = std::env::temp_dir().join(format!("memorabilia-aof-unit-{}", std::process::id()));
        let aof = Aof::default();
        aof.set_paths(dir.clone(), "appendonly.aof".into());
        // Under `always` a write error stops the process, as in Redis.
        aof.set_fsync(Fsync::EverySec);
        aof.open(Manifest::default()).unwrap();
        let record = vec![(
            0,
            vec![
                Bytes::from_static(b"SET"),
                Bytes::from_static(b"k"),
                Bytes::from_static(b"v"),
            ],
        )];
        aof.append(0, &record);
        aof.commit();
        assert!(!aof.write_failed());
        // Swap the file for a read-only handle: the next write fails like a full disk.
        let path = dir.join("appendonly.aof.1.incr.aof");
        let good = {
            let mut log = aof.log.lock();
            let current = log.current.as_mut().unwrap();
            std::mem::replace(&mut current.file, Arc::new(File::open(&path).unwrap()))
        };
        aof.append(0, &record);
        aof.commit();
        assert!(aof.write_failed());
        assert!(
            aof.last_error
                .lock()
                .as_deref()
                .unwrap()
                .starts_with("Error writing to the AOF file")
        );
        aof.log.lock().current.as_mut().unwrap().file = good;
        aof.append(0, &record);
        aof.commit();
        assert!(!aof.write_failed());
        aof.stop();
        // The record that failed was kept and written on the retry: three SETs in all.
        let text = std::fs::read(&path).unwrap();
        assert_eq!(text.windows(3).filter(|w| w == b"SET").count(), 3);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn manifest_round_trips_like_redis() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\n\
                    file appendonly.aof.1.incr.aof seq 1 type i\n\
                    file appendonly.aof.2.incr.aof seq 2 type i\n";
        let manifest = Manifest::parse(text).unwrap();
        assert_eq!(manifest.incrs.len(), 2);
        assert_eq!(manifest.render(), text);
        assert!(Manifest::parse("file a seq 1 type b\nfile b seq 2 type b\n").is_err());
        assert!(Manifest::parse("file a seq 2 type i\nfile b seq 1 type i\n").is_err());
        assert!(Manifest::parse("file a seq\n").is_err());
        let quoted = Manifest::parse("file \"a b\" seq 1 type b\n").unwrap();
        assert_eq!(quoted.base.unwrap().name, "a b");
    }

    #[test]
    fn commands_parse_and_torn_tails_are_found() {
        let mut data = b"#TS:1700000000\r\n".to_vec();
        encode_command(&mut data, &[&b"SET"[..], b"k", b"v"]);
        let first = data.len();
        encode_command(&mut data, &[&b"DEL"[..], b"k"]);
        let Parsed::Command(argv, next) = parse_command(&data, 0) else {
            panic!()
        };
        assert_eq!(argv, [&b"SET"[..], b"k", b"v"]);
        assert_eq!(next, first);
        assert!(matches!(parse_command(&data, next), Parsed::Command(_, n) if n == data.len()));
        assert_eq!(parse_command(&data, data.len()), Parsed::End);
        for cut in first + 1..data.len() {
            assert_eq!(
                parse_command(&data[..cut], first),
                Parsed::Truncated,
                "cut {cut}"
            );
        }
        assert!(matches!(parse_command(b"SET k v\r\n", 0), Parsed::Bad(_)));
        assert!(matches!(
            parse_command(b"*1\r\n$3\r\nabcX\n", 0),
            Parsed::Bad(_)
        ));
    }
}
