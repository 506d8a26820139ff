//! The store core: numbered databases of typed values, with expiry, behind a protocol-free
//! API. Nothing here knows RESP, protobuf or sockets.
//!
//! # Layout and isolation
//! Each database is split into [`SEGMENTS`] segments by a hash of the key. A segment is a
//! `papaya` map plus a reader-writer lock. All work happens inside a [`Txn`] opened by
//! [`Store::lock`] over a [`LockPlan`] (see [`txn`] for the locking rules); every change a
//! txn makes is recorded as an [`Effect`] and handed to the store's [`Observer`] before
//! its locks are released (see [`effects`]).
//!
//! Segments also give `SCAN` a stable cursor (a segment index) and the active expiry cycle a
//! unit of work. Each segment stamps the entries it changes with a version (a per-segment
//! counter), so a key's version changes whenever the key does.

pub mod bits;
pub mod clock;
mod compact;
pub mod effects;
pub mod encoding;
pub mod evict;
mod expiry;
pub mod geohash;
pub mod glob;
mod hash;
pub mod hyperloglog;
mod indexed;
pub mod list;
pub mod listpack;
pub mod numeric;
mod set;
pub mod snapshot;
pub mod sorted_set;
pub mod stream;
mod txn;
mod value;

use std::cell::UnsafeCell;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::RawRwLock;
use parking_lot::lock_api::RawRwLock as _;
use seize::Collector;

pub use clock::{Clock, unix_time_ms, unix_time_us};
pub use compact::{CompactKey, CompactValue, INLINE_CAPACITY};
pub use effects::{Effect, Event, EventClass, Observer};
pub use evict::{EvictOutcome, EvictReport, Policy};
pub use expiry::ExpireCycleReport;
pub use indexed::{distinct_indexes, repeated_picks};
pub use list::End;
pub use snapshot::SnapshotSink;
pub use txn::{LockPlan, Txn};
pub use value::{
    Entry, HashValue, KEY_NODE_BYTES, Key, ListValue, SetValue, SortedSetValue, StreamValue,
    StringBytes, StringOrigin, StringValue, Value, ValueType, grow_string_zeroed, reserve_string,
    zeroed_string,
};

/// Segments per database. A power of two; also the `SCAN` cursor space.
pub const SEGMENTS: usize = 256;

type SegmentMap = papaya::HashMap<Key, Entry, foldhash::fast::RandomState>;

/// Once the store held this many keys, its key tables are renewed when it is next found
/// empty ([`Store::renew_tables_if_emptied`]).
const RENEW_TABLES_AFTER: usize = 16 * 1024;

/// The key tables and the collector they share: replaced only while every segment lock of
/// the store is held exclusively ([`Store::renew_tables_if_emptied`]), so whoever holds one
/// segment lock may read the collector, and whoever holds a segment's lock its table.
/// papaya never shrinks a table (a cleared one keeps its capacity), and dropping a map
/// that shares a collector reclaims everything that collector holds, which is only sound
/// when nothing uses the collector: so tables are given back by renewing all of them, with
/// a new collector, at a moment no txn runs.
struct Renewable<T>(UnsafeCell<T>);

// Safety: see the type's docs; every reader holds a segment lock, the only writer all of
// them exclusively.
unsafe impl<T: Send + Sync> Sync for Renewable<T> {}

impl<T> Renewable<T> {
    fn new(value: T) -> Self {
        Renewable(UnsafeCell::new(value))
    }

    /// # Safety
    /// The caller holds a lock that keeps [`Renewable::replace`] out for as long as the
    /// reference lives (see the type's docs for which).
    unsafe fn get(&self) -> &T {
        unsafe { &*self.0.get() }
    }

    /// # Safety
    /// The caller holds every segment lock of the store exclusively and no reference
    /// from [`Renewable::get`] is alive.
    unsafe fn replace(&self, value: T) -> T {
        unsafe { std::ptr::replace(self.0.get(), value) }
    }
}

fn new_table(collector: &Arc<Collector>) -> SegmentMap {
    papaya::HashMap::builder()
        .hasher(foldhash::fast::RandomState::default())
        .shared_collector(collector.clone())
        .capacity(0)
        .build()
}

/// Whether a txn reads or writes a segment. Ordered: a segment asked for both is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
}

// Padded so two segments' locks and counters never share a cache line.
#[repr(align(128))]
struct Segment {
    lock: RawRwLock,
    map: Renewable<SegmentMap>,
    /// Keys in this segment (kept here so counting them needs no lock).
    keys: AtomicUsize,
    /// Keys in this segment that carry an expiry.
    volatile: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
    /// The last version stamped on an entry of this segment.
    versions: AtomicU32,
    /// The epoch of the last snapshot that captured this segment (see [`snapshot`]).
    captured: AtomicU64,
}

impl Segment {
    /// The segment's key table.
    ///
    /// # Safety
    /// The caller holds this segment's lock (shared or exclusive) while the reference lives.
    unsafe fn map(&self) -> &SegmentMap {
        unsafe { self.map.get() }
    }

    fn add_key(&self) {
        self.keys.fetch_add(1, Ordering::Relaxed);
    }

    fn remove_key(&self) {
        self.keys.fetch_sub(1, Ordering::Relaxed);
    }

    /// A version no entry of this segment has had recently: written only under the
    /// segment's exclusive lock, so a plain load and store suffice. Never 0, which stands
    /// for "absent".
    fn next_version(&self) -> u32 {
        let next = self.versions.load(Ordering::Relaxed).wrapping_add(1).max(1);
        self.versions.store(next, Ordering::Relaxed);
        next
    }
}

struct Db {
    segments: Box<[Segment]>,
    /// Estimated average TTL of volatile keys in ms, maintained by the expiry cycle.
    avg_ttl: AtomicU64,
    /// Set once a key is first added: eviction skips the databases never used without
    /// looking at their segments.
    populated: AtomicBool,
}

impl Db {
    /// Notes that a key was added (after the first time, one read of a shared line).
    fn note_key_added(&self) {
        if !self.populated.load(Ordering::Relaxed) {
            self.populated.store(true, Ordering::Relaxed);
        }
    }
}

/// Counters the store keeps for `INFO`.
#[derive(Debug, Default)]
pub struct StoreStats {
    pub expired_keys: AtomicU64,
    pub evicted_keys: AtomicU64,
}

/// Per-database numbers for `INFO keyspace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbInfo {
    pub keys: usize,
    pub expires: usize,
    pub avg_ttl: u64,
}

/// All databases of the server.
pub struct Store {
    dbs: Box<[Db]>,
    /// One collector for every segment map, so one guard serves a whole multi-key txn
    /// (renewed with the tables).
    collector: Renewable<Arc<Collector>>,
    /// The guards of txns that hold no lock (a script's, until it reaches a key): they
    /// may not read the renewable collector, and touch no table.
    idle_collector: Collector,
    /// The most keys the store held since its tables were last renewed (sampled).
    keys_peak: AtomicUsize,
    epoch_secs: u64,
    pub stats: StoreStats,
    pub clock: Clock,
    expiry_cursor: AtomicUsize,
    /// Whether the cron's active expiry cycle runs (`DEBUG SET-ACTIVE-EXPIRE`).
    pub active_expire: AtomicBool,
    observer: OnceLock<Arc<dyn Observer>>,
    /// Whether read lookups that miss are recorded as `keymiss` effects: only while
    /// someone listens for them, since every read would pay otherwise.
    record_key_misses: AtomicBool,
    /// Set while a txn takes locks out of order ([`Txn::extend`]): every txn waiting for a
    /// lock then lets go of what it holds, so the out-of-order one cannot deadlock.
    escalating: AtomicBool,
    /// `generation << 1 | running`: how many snapshots have begun, and whether the last
    /// one still runs (see [`snapshot`]); one load tells a txn both.
    snapshot_state: AtomicU64,
    snapshot_sink: parking_lot::RwLock<Option<Arc<dyn SnapshotSink>>>,
    /// The eviction policy and access-tracking settings.
    eviction: evict::Settings,
    /// Keys ranked for eviction (see [`evict`]).
    evictor: parking_lot::Mutex<evict::Pool>,
    /// When collections convert to their big encodings (see [`encoding`]).
    pub encoding: encoding::Settings,
}

/// The hasher that picks a key's segment: fixed, so a key's segment is the same in every
/// database and every run.
static SEGMENT_HASHER: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0x6d656d6f);

/// The segment a key lives in (the same in every database).
pub fn segment_of(key: &[u8]) -> usize {
    (SEGMENT_HASHER.hash_one(key) >> 56) as usize % SEGMENTS
}

/// The global slot of a key: database * SEGMENTS + segment.
fn slot_of(db: usize, key: &[u8]) -> u32 {
    (db * SEGMENTS + segment_of(key)) as u32
}

impl Store {
    pub fn new(databases: usize) -> Store {
        let collector = Arc::new(Collector::new());
        let dbs = (0..databases.max(1))
            .map(|_| Db {
                segments: (0..SEGMENTS)
                    .map(|_| Segment {
                        lock: RawRwLock::INIT,
                        map: Renewable::new(new_table(&collector)),
                        keys: AtomicUsize::new(0),
                        volatile: AtomicUsize::new(0),
                        hits: AtomicU64::new(0),
                        misses: AtomicU64::new(0),
                        versions: AtomicU32::new(0),
                        captured: AtomicU64::new(0),
                    })
                    .collect(),
                avg_ttl: AtomicU64::new(0),
                populated: AtomicBool::new(false),
            })
            .collect();
        Store {
            dbs,
            collector: Renewable::new(collector),
            idle_collector: Collector::new(),
            keys_peak: AtomicUsize::new(0),
            // Access times count from 2^30 s (34 years) before start-up, so a key can be
            // made to look idle for longer than the server has run (`RESTORE ... IDLETIME`,
            // an RDB's `IDLE`).
            epoch_secs: (unix_time_ms() / 1000).saturating_sub(1 << 30),
            stats: StoreStats::default(),
            clock: Clock::default(),
            expiry_cursor: AtomicUsize::new(0),
            active_expire: AtomicBool::new(true),
            observer: OnceLock::new(),
            record_key_misses: AtomicBool::new(false),
            escalating: AtomicBool::new(false),
            snapshot_state: AtomicU64::new(0),
            snapshot_sink: parking_lot::RwLock::new(None),
            eviction: evict::Settings::default(),
            evictor: parking_lot::Mutex::default(),
            encoding: encoding::Settings::default(),
        }
    }

    /// Turns the recording of read misses (`keymiss` effects) on or off.
    pub fn record_key_misses(&self, on: bool) {
        self.record_key_misses.store(on, Ordering::Relaxed);
    }

    pub(crate) fn records_key_misses(&self) -> bool {
        self.record_key_misses.load(Ordering::Relaxed)
    }

    /// Installs the observer every txn hands its effects to. Set once, at start-up.
    pub fn set_observer(&self, observer: Arc<dyn Observer>) {
        let _ = self.observer.set(observer);
    }

    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// The segment a key lives in (the same in every database).
    pub fn segment_of(&self, key: &[u8]) -> usize {
        segment_of(key)
    }

    fn segment(&self, slot: u32) -> &Segment {
        let slot = slot as usize;
        &self.dbs[slot / SEGMENTS].segments[slot % SEGMENTS]
    }

    /// The type and, for a string, the value of a live key, read without its segment's
    /// lock: for observers of the write-effect record, which run while the txn that
    /// changed the key still holds that lock. `None` when the key does not exist.
    pub fn observe_key(&self, db: usize, key: &[u8]) -> Option<(ValueType, Option<bytes::Bytes>)> {
        // Safety: the observed txn holds the key's segment lock (see above).
        let map = unsafe { self.segment(slot_of(db, key)).map() }.pin();
        let entry = map.get(key)?;
        if entry.is_expired(unix_time_ms()) {
            return None;
        }
        let string = match entry.value() {
            Value::String(s) => Some(bytes::Bytes::copy_from_slice(&s.as_bytes())),
            _ => None,
        };
        Some((entry.value().value_type(), string))
    }

    /// Whether a key is there at all (`Some(true)`: past its expiry, not yet reclaimed),
    /// read without its segment's lock, like [`Store::observe_key`].
    pub fn observe_presence(&self, db: usize, key: &[u8]) -> Option<bool> {
        // Safety: as for `observe_key`.
        let map = unsafe { self.segment(slot_of(db, key)).map() }.pin();
        map.get(key).map(|entry| entry.is_expired(unix_time_ms()))
    }

    /// `INFO keyspace` numbers for one database (approximate under concurrent writes, as
    /// Redis's are between commands).
    pub fn db_info(&self, db: usize) -> DbInfo {
        let d = &self.dbs[db];
        let (mut keys, mut expires) = (0, 0);
        for seg in d.segments.iter() {
            keys += seg.keys.load(Ordering::Relaxed);
            expires += seg.volatile.load(Ordering::Relaxed);
        }
        DbInfo {
            keys,
            expires,
            avg_ttl: d.avg_ttl.load(Ordering::Relaxed),
        }
    }

    /// Keys in every database (approximate under concurrent writes).
    pub fn total_keys(&self) -> usize {
        self.dbs
            .iter()
            .flat_map(|d| d.segments.iter())
            .map(|seg| seg.keys.load(Ordering::Relaxed))
            .sum()
    }

    /// The collector of the current tables.
    ///
    /// # Safety
    /// The caller holds a segment lock while the reference (and any guard entered on it)
    /// lives.
    unsafe fn collector(&self) -> &Collector {
        unsafe { self.collector.get() }
    }

    /// Gives the key tables' memory back once the store is empty after having held many
    /// keys (after `FLUSHALL`, or `FLUSHDB` / `DEL` of every key): papaya keeps a table's
    /// capacity when its keys go (16 MB of tables stay after 1M keys), so every table is
    /// replaced by an empty one, with a new collector, under every segment lock. Called by
    /// the cron, off the threads that serve clients: the old tables (and any entries their
    /// collector still holds) are freed here, after the locks are released. Returns
    /// whether it renewed.
    pub fn renew_tables_if_emptied(&self) -> bool {
        let keys = self.total_keys();
        let peak = self.keys_peak.fetch_max(keys, Ordering::Relaxed).max(keys);
        if keys > 0 || peak < RENEW_TABLES_AFTER {
            return false;
        }
        let slots: Vec<(u32, Access)> = (0..self.dbs.len() * SEGMENTS)
            .map(|slot| (slot as u32, Access::Write))
            .collect();
        // Gives up rather than wait behind a script.
        if !self.acquire_all(&slots, &|| true) {
            return false;
        }
        let mut old = None;
        // Keys may have come between the count and the locks.
        if self.total_keys() == 0 {
            let collector = Arc::new(Collector::new());
            let tables: Vec<SegmentMap> = self
                .dbs
                .iter()
                .flat_map(|d| d.segments.iter())
                // Safety: every segment lock is held exclusively, and no txn (the only
                // holders of references into tables or guards on their collector) runs.
                .map(|seg| unsafe { seg.map.replace(new_table(&collector)) })
                .collect();
            // Safety: as above.
            let collector = unsafe { self.collector.replace(collector) };
            old = Some((tables, collector));
            self.keys_peak.store(0, Ordering::Relaxed);
        }
        self.release(&slots);
        // Nothing can reach the old tables any more; dropping them frees their capacity
        // and whatever their collector still held.
        let renewed = old.is_some();
        drop(old);
        renewed
    }

    /// Notes how many keys the store held, for [`Store::renew_tables_if_emptied`].
    pub(crate) fn note_keys_peak(&self, keys: usize) {
        self.keys_peak.fetch_max(keys, Ordering::Relaxed);
    }

    /// Total keyspace hits and misses over all databases.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        let mut totals = (0, 0);
        for seg in self.dbs.iter().flat_map(|d| d.segments.iter()) {
            totals.0 += seg.hits.load(Ordering::Relaxed);
            totals.1 += seg.misses.load(Ordering::Relaxed);
        }
        totals
    }

    pub fn reset_stats(&self) {
        for seg in self.dbs.iter().flat_map(|d| d.segments.iter()) {
            seg.hits.store(0, Ordering::Relaxed);
            seg.misses.store(0, Ordering::Relaxed);
        }
        self.stats.expired_keys.store(0, Ordering::Relaxed);
        self.stats.evicted_keys.store(0, Ordering::Relaxed);
    }

    fn now_secs(&self, now_ms: u64) -> u32 {
        (now_ms / 1000).saturating_sub(self.epoch_secs) as u32
    }

    /// Seconds since the store's epoch, the clock `Entry::accessed_secs` is measured in.
    pub fn clock_secs(&self) -> u32 {
        self.now_secs(self.clock.now_ms())
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use parking_lot::Mutex;

    use super::*;

    fn string(v: &str) -> Value {
        Value::string(Bytes::copy_from_slice(v.as_bytes()))
    }

    fn get_str(store: &Store, db: usize, key: &[u8]) -> Option<Bytes> {
        let txn = store.txn(Access::Read, db, [key]);
        txn.get(db, key).map(|e| match e.value() {
            Value::String(s) => s.to_bytes(),
            _ => panic!("not a string"),
        })
    }

    #[test]
    fn set_get_remove() {
        let store = Store::new(2);
        {
            let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
            txn.set(0, b"k", string("v"), None, Event::Set);
        }
        assert_eq!(get_str(&store, 0, b"k").as_deref(), Some(&b"v"[..]));
        assert_eq!(get_str(&store, 1, b"k"), None);
        let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
        assert!(txn.remove(0, b"k", Event::Del).is_some());
        assert!(txn.remove(0, b"k", Event::Del).is_none());
    }

    #[test]
    fn expired_keys_are_absent_and_reclaimed() {
        let store = Store::new(1);
        {
            let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
            txn.set(0, b"k", string("v"), Some(txn.now_ms() - 1), Event::Set);
        }
        assert_eq!(store.db_info(0).expires, 1);
        assert_eq!(get_str(&store, 0, b"k"), None);
        assert_eq!(
            store.db_info(0),
            DbInfo {
                keys: 0,
                expires: 0,
                avg_ttl: 0
            }
        );
        assert_eq!(store.stats.expired_keys.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn overwriting_an_expired_key_counts_it_as_expired() {
        let store = Store::new(1);
        let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
        txn.set(0, b"k", string("v"), Some(txn.now_ms() - 1), Event::Set);
        txn.set(0, b"k", string("w"), None, Event::Set);
        drop(txn);
        assert_eq!(store.stats.expired_keys.load(Ordering::Relaxed), 1);
        assert_eq!(store.db_info(0).expires, 0);
        assert_eq!(get_str(&store, 0, b"k").as_deref(), Some(&b"w"[..]));
    }

    #[test]
    fn volatile_count_follows_expiry_changes() {
        let store = Store::new(1);
        let far = unix_time_ms() + 100_000;
        let txn = store.txn(Access::Write, 0, [&b"a"[..], &b"b"[..]]);
        txn.set(0, b"a", string("1"), Some(far), Event::Set);
        txn.set(0, b"b", string("1"), None, Event::Set);
        assert!(txn.set_expiry(0, b"b", Some(far), Event::Expire));
        txn.set(0, b"a", string("2"), None, Event::Set);
        assert!(txn.set_expiry(0, b"b", None, Event::Persist));
        drop(txn);
        assert_eq!(store.db_info(0).expires, 0);
        assert_eq!(store.db_info(0).keys, 2);
    }

    #[test]
    fn strings_are_edited_in_place_after_one_copy() {
        let store = Store::new(1);
        let far = unix_time_ms() + 100_000;
        let txn = store.txn(Access::Write, 0, [&b"k"[..], &b"n"[..], &b"missing"[..]]);
        txn.set(0, b"k", string(&"x".repeat(30)), Some(far), Event::Set);
        let version = txn.get(0, b"k").unwrap().version();
        // The first edit replaces the immutable string quietly: same expiry and version.
        let len = txn.edit_string(0, b"k", |buf| {
            buf.extend_from_slice(b"yz");
            buf.len()
        });
        assert_eq!(len, Some(32));
        let entry = txn.get(0, b"k").unwrap();
        assert_eq!((entry.version(), entry.expires_at()), (version, Some(far)));
        let Value::String(s) = entry.value() else {
            panic!("not a string")
        };
        assert!(s.is_growable());
        assert_eq!(s.encoding(), "raw");
        let before = s.as_bytes().as_ptr();
        // Later edits change that buffer where it is.
        txn.edit_string(0, b"k", |buf| buf[0] = b'!');
        let entry = txn.get(0, b"k").unwrap();
        let Value::String(s) = entry.value() else {
            panic!("not a string")
        };
        assert_eq!(s.as_bytes().as_ptr(), before);
        assert_eq!(&s.as_bytes()[..2], b"!x");
        // `new` and `set`: the edits recorded nothing themselves.
        assert_eq!(txn.effects().len(), 2);
        txn.modified(0, b"k", Event::Append);
        assert_ne!(txn.get(0, b"k").unwrap().version(), version);
        // Short results stay inline; other types and missing keys are left alone.
        txn.set(0, b"n", string("12"), None, Event::Set);
        txn.edit_string(0, b"n", |buf| buf.push(b'3'));
        assert_eq!(get_str_in(&txn, b"n").as_deref(), Some(&b"123"[..]));
        assert_eq!(txn.edit_string(0, b"missing", |_| ()), None);
        drop(txn);
        assert_eq!(store.db_info(0).expires, 1);
    }

    fn get_str_in(txn: &Txn<'_>, key: &[u8]) -> Option<Bytes> {
        txn.get(0, key).map(|e| match e.value() {
            Value::String(s) => s.to_bytes(),
            _ => panic!("not a string"),
        })
    }

    #[test]
    fn multi_key_txn_locks_each_segment_once() {
        let store = Store::new(1);
        // Many keys, many of them in the same segment: must not self-deadlock.
        let keys: Vec<Vec<u8>> = (0..2000).map(|i| format!("k{i}").into_bytes()).collect();
        let txn = store.txn(Access::Write, 0, keys.iter().map(|k| k.as_slice()));
        for k in &keys {
            txn.set(0, k, string("x"), None, Event::Set);
        }
        drop(txn);
        let txn = store.txn_dbs(Access::Read, 0..1);
        assert_eq!(txn.len(0), 2000);
        assert!(txn.random_key(0, &mut rand::rng()).is_some());
    }

    #[test]
    fn concurrent_multi_key_writes_are_isolated() {
        let store = Arc::new(Store::new(1));
        let keys: [&[u8]; 2] = [b"a", b"b"];
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        let v = string(&format!("{t}-{i}"));
                        let txn = store.txn(Access::Write, 0, keys);
                        txn.set(0, b"a", v.clone(), None, Event::Set);
                        txn.set(0, b"b", v, None, Event::Set);
                    }
                })
            })
            .collect();
        for _ in 0..2000 {
            let txn = store.txn(Access::Read, 0, keys);
            let a = txn.get(0, b"a").map(|e| e.value().clone());
            let b = txn.get(0, b"b").map(|e| e.value().clone());
            match (a, b) {
                (Some(Value::String(a)), Some(Value::String(b))) => {
                    assert_eq!(a.as_bytes(), b.as_bytes())
                }
                (None, None) => {}
                other => panic!("torn read: {other:?}"),
            }
        }
        for w in writers {
            w.join().unwrap();
        }
    }

    /// Collects every record handed to it.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Effect>>);

    impl Observer for Recorder {
        fn observe(&self, _store: &Store, effects: &[Effect], _generation: u64) {
            self.0.lock().extend_from_slice(effects);
        }
    }

    fn key_event(db: usize, key: &str, event: Event) -> Effect {
        Effect::Key {
            db,
            key: Key::from(key.as_bytes()),
            event,
        }
    }

    #[test]
    fn effects_are_recorded_in_order_and_observed_at_the_end() {
        let store = Store::new(2);
        let recorder = Arc::new(Recorder::default());
        store.set_observer(recorder.clone());
        let now = unix_time_ms();
        {
            let txn = store.txn(Access::Write, 0, [&b"a"[..], &b"b"[..]]);
            txn.set(0, b"a", string("1"), Some(now - 1), Event::Set);
            txn.set(0, b"a", string("2"), None, Event::Set);
            txn.set(0, b"a", string("3"), None, Event::IncrBy);
            assert!(txn.set_expiry(0, b"a", Some(now + 10_000), Event::Expire));
            assert!(!txn.set_expiry(0, b"b", None, Event::Persist));
            txn.modified(0, b"a", Event::Append);
            assert!(txn.remove(0, b"a", Event::Del).is_some());
            assert!(txn.remove(0, b"b", Event::Del).is_none());
            assert!(recorder.0.lock().is_empty(), "observed before the end");
        }
        assert_eq!(
            *recorder.0.lock(),
            vec![
                key_event(0, "a", Event::New),
                key_event(0, "a", Event::Set),
                key_event(0, "a", Event::Expired),
                key_event(0, "a", Event::New),
                key_event(0, "a", Event::Set),
                key_event(0, "a", Event::IncrBy),
                key_event(0, "a", Event::Expire),
                key_event(0, "a", Event::Append),
                key_event(0, "a", Event::Del),
            ]
        );
        recorder.0.lock().clear();
        // Lazy expiry by a reader, and a flush.
        {
            let txn = store.txn(Access::Write, 1, [&b"x"[..]]);
            txn.set(1, b"x", string("v"), Some(now - 1), Event::Set);
        }
        recorder.0.lock().clear();
        assert_eq!(get_str(&store, 1, b"x"), None);
        store.txn_dbs(Access::Write, 1..2).clear(1);
        assert_eq!(
            *recorder.0.lock(),
            vec![key_event(1, "x", Event::Expired), Effect::Flushed { db: 1 }]
        );
    }

    #[test]
    fn versions_change_with_every_change_and_never_repeat_in_a_segment() {
        let store = Store::new(1);
        let version = |key: &[u8]| {
            let txn = store.txn(Access::Read, 0, [key]);
            txn.get(0, key).map_or(0, |e| e.version())
        };
        let mut seen = vec![version(b"k")];
        assert_eq!(seen[0], 0);
        let changes: [&dyn Fn(&Txn<'_>); 4] = [
            &|txn| txn.set(0, b"k", string("v"), None, Event::Set),
            &|txn| txn.set(0, b"k", string("v"), None, Event::Set),
            &|txn| assert!(txn.set_expiry(0, b"k", Some(u64::MAX / 2), Event::Expire)),
            &|txn| txn.modified(0, b"k", Event::Append),
        ];
        for change in changes {
            change(&store.txn(Access::Write, 0, [&b"k"[..]]));
            let v = version(b"k");
            assert!(!seen.contains(&v), "version {v} repeated");
            seen.push(v);
        }
        let _ = store
            .txn(Access::Write, 0, [&b"k"[..]])
            .remove(0, b"k", Event::Del);
        assert_eq!(version(b"k"), 0);
    }

    #[test]
    fn plans_lock_each_slot_once_with_the_strongest_access() {
        let store = Store::new(2);
        let mut plan = LockPlan::new();
        plan.key(0, b"a", Access::Read);
        plan.key(0, b"a", Access::Write);
        plan.key(0, b"a", Access::Read);
        plan.key(1, b"b", Access::Read);
        let txn = store.lock(plan);
        // Written through the slot asked for both ways; read through the other.
        txn.set(0, b"a", string("1"), None, Event::Set);
        assert!(txn.covers(1, b"b") && txn.get(1, b"b").is_none());
        assert!(!txn.covers(1, b"a") || segment_of(b"a") == segment_of(b"b"));
    }

    #[test]
    fn an_emptied_store_renews_its_tables_and_keeps_working() {
        let store = Store::new(2);
        let keys: Vec<Vec<u8>> = (0..RENEW_TABLES_AFTER + 100)
            .map(|i| format!("key:{i}").into_bytes())
            .collect();
        {
            let txn = store.txn(Access::Write, 1, keys.iter().map(|k| k.as_slice()));
            for k in &keys {
                txn.set(1, k, string("v"), None, Event::Set);
            }
        }
        assert!(
            !store.renew_tables_if_emptied(),
            "renewed while holding keys"
        );
        {
            let txn = store.txn(Access::Write, 1, keys.iter().map(|k| k.as_slice()));
            for k in &keys[..100] {
                assert!(txn.remove(1, k, Event::Del).is_some());
            }
        }
        assert_eq!(store.db_info(1).keys, RENEW_TABLES_AFTER);
        store.txn_dbs(Access::Write, 0..2).clear(1);
        assert_eq!(store.total_keys(), 0);
        assert!(store.renew_tables_if_emptied());
        // Nothing to renew until the store has grown again.
        assert!(!store.renew_tables_if_emptied());
        {
            let txn = store.txn(Access::Write, 1, [&b"k"[..]]);
            txn.set(
                1,
                b"k",
                string("w"),
                Some(unix_time_ms() + 100_000),
                Event::Set,
            );
        }
        assert_eq!(get_str(&store, 1, b"k").as_deref(), Some(&b"w"[..]));
        assert_eq!((store.db_info(1).keys, store.db_info(1).expires), (1, 1));
    }

    #[test]
    fn tables_are_renewed_safely_under_concurrent_txns() {
        let store = Arc::new(Store::new(1));
        let stop = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..3)
            .map(|t| {
                let (store, stop) = (store.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let key = format!("k{t}-{}", i % 7);
                        let value = format!("{t}-{i}");
                        {
                            let txn = store.txn(Access::Write, 0, [key.as_bytes()]);
                            txn.set(0, key.as_bytes(), string(&value), None, Event::Set);
                        }
                        assert_eq!(
                            get_str(&store, 0, key.as_bytes()).as_deref(),
                            Some(value.as_bytes())
                        );
                        let txn = store.txn(Access::Write, 0, [key.as_bytes()]);
                        assert!(txn.remove(0, key.as_bytes(), Event::Del).is_some());
                        i += 1;
                    }
                    i
                })
            })
            .collect();
        let mut renewed = 0;
        let started = std::time::Instant::now();
        while renewed < 200 && started.elapsed() < std::time::Duration::from_secs(20) {
            store.note_keys_peak(RENEW_TABLES_AFTER);
            if store.renew_tables_if_emptied() {
                renewed += 1;
            }
        }
        stop.store(true, Ordering::Relaxed);
        let done: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(renewed > 0 && done > 0, "renewed {renewed}, txns {done}");
        assert_eq!(store.total_keys(), 0);
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "a thread opened a second transaction")]
    fn a_second_txn_on_one_thread_is_a_bug() {
        let store = Store::new(1);
        let _first = store.txn(Access::Read, 0, [&b"a"[..]]);
        let _second = store.txn(Access::Read, 0, [&b"zzz"[..]]);
    }

    #[test]
    fn a_fixed_clock_is_the_time_of_every_txn() {
        let store = Store::new(1);
        store.clock.set_fixed(Some(1_000_000));
        assert_eq!(store.txn(Access::Read, 0, [&b"a"[..]]).now_ms(), 1_000_000);
        {
            let txn = store.txn(Access::Write, 0, [&b"a"[..]]);
            txn.set(0, b"a", string("v"), Some(1_000_500), Event::Set);
        }
        assert!(get_str(&store, 0, b"a").is_some());
        store.clock.set_fixed(Some(1_000_500));
        assert!(get_str(&store, 0, b"a").is_none());
        store.clock.set_fixed(None);
        assert!(store.txn(Access::Read, 0, [&b"a"[..]]).now_ms() > 1_000_000_000_000);
    }
}
