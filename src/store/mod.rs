//! The store core: numbered databases of typed values, with expiry, behind a protocol-free
//! API. Nothing here knows RESP, protobuf or sockets.
//!
//! # Layout and isolation
//! Each database is split into [`SEGMENTS`] segments by a hash of the key. A segment is a
//! `papaya` map plus a reader-writer lock. A command opens a [`Txn`] over the keys it will
//! touch: the txn takes the segment locks of those keys, shared for reads and exclusive for
//! writes, always in ascending (database, segment) order, so multi-key commands cannot
//! deadlock and every command sees and leaves a consistent state of its keys. Whole-database
//! commands lock every segment of the database(s) they touch. A thread holds one txn at a
//! time and never across an `.await` (the txn also holds a `papaya` guard, which is `!Send`).
//!
//! Segments also give `SCAN` a stable cursor (a segment index) and the active expiry cycle a
//! unit of work.

mod compact;
mod expiry;
pub mod glob;
mod hash;
mod indexed;
pub mod list;
pub mod numeric;
mod set;
pub mod sorted_set;
mod value;

use std::hash::BuildHasher;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::RawRwLock;
use parking_lot::lock_api::RawRwLock as _;
use rand::Rng;
use seize::{Collector, LocalGuard};
use smallvec::SmallVec;

pub use compact::{CompactKey, CompactValue, INLINE_CAPACITY};
pub use expiry::ExpireCycleReport;
pub use indexed::distinct_indexes;
pub use list::End;
pub use value::{
    Entry, HashValue, Key, ListValue, SetValue, SortedSetValue, StringOrigin, StringValue, Value,
    ValueType,
};

/// Segments per database. A power of two; also the `SCAN` cursor space.
pub const SEGMENTS: usize = 256;

type SegmentMap = papaya::HashMap<Key, Entry, foldhash::fast::RandomState>;

/// Whether a txn reads or writes its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

// Padded so two segments' locks and counters never share a cache line.
#[repr(align(128))]
struct Segment {
    lock: RawRwLock,
    map: SegmentMap,
    /// Keys in this segment that carry an expiry.
    volatile: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
}

struct Db {
    segments: Box<[Segment]>,
    /// Estimated average TTL of volatile keys in ms, maintained by the expiry cycle.
    avg_ttl: AtomicU64,
}

/// Counters the store keeps for `INFO`.
#[derive(Debug, Default)]
pub struct StoreStats {
    pub expired_keys: AtomicU64,
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
    /// One collector for every segment map, so one guard serves a whole multi-key txn.
    collector: Arc<Collector>,
    segment_hasher: foldhash::quality::FixedState,
    epoch_secs: u64,
    pub stats: StoreStats,
    expiry_cursor: AtomicUsize,
}

/// Current Unix time in milliseconds.
pub fn unix_time_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Store {
    pub fn new(databases: usize) -> Store {
        let collector = Arc::new(Collector::new());
        let dbs = (0..databases.max(1))
            .map(|_| Db {
                segments: (0..SEGMENTS)
                    .map(|_| Segment {
                        lock: RawRwLock::INIT,
                        map: papaya::HashMap::builder()
                            .hasher(foldhash::fast::RandomState::default())
                            .shared_collector(collector.clone())
                            .capacity(0)
                            .build(),
                        volatile: AtomicUsize::new(0),
                        hits: AtomicU64::new(0),
                        misses: AtomicU64::new(0),
                    })
                    .collect(),
                avg_ttl: AtomicU64::new(0),
            })
            .collect();
        Store {
            dbs,
            collector,
            segment_hasher: foldhash::quality::FixedState::with_seed(0x6d656d6f),
            epoch_secs: unix_time_ms() / 1000,
            stats: StoreStats::default(),
            expiry_cursor: AtomicUsize::new(0),
        }
    }

    pub fn databases(&self) -> usize {
        self.dbs.len()
    }

    /// The segment a key lives in (the same in every database).
    pub fn segment_of(&self, key: &[u8]) -> usize {
        (self.segment_hasher.hash_one(key) >> 56) as usize % SEGMENTS
    }

    fn slot(&self, db: usize, key: &[u8]) -> u32 {
        (db * SEGMENTS + self.segment_of(key)) as u32
    }

    fn segment(&self, slot: u32) -> &Segment {
        let slot = slot as usize;
        &self.dbs[slot / SEGMENTS].segments[slot % SEGMENTS]
    }

    /// Opens a txn over `keys` of database `db`.
    ///
    /// # Panics
    /// If `db` is out of range; callers validate database indexes first.
    pub fn txn<'s, 'k>(
        &'s self,
        access: Access,
        db: usize,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> Txn<'s> {
        self.txn_multi(access, keys.into_iter().map(|k| (db, k)))
    }

    /// Opens a txn over keys that may live in different databases (`COPY ... DB`).
    pub fn txn_multi<'s, 'k>(
        &'s self,
        access: Access,
        keys: impl IntoIterator<Item = (usize, &'k [u8])>,
    ) -> Txn<'s> {
        let mut slots: SmallVec<[u32; 4]> =
            keys.into_iter().map(|(db, k)| self.slot(db, k)).collect();
        slots.sort_unstable();
        slots.dedup();
        for &slot in &slots {
            lock(&self.segment(slot).lock, access);
        }
        Txn::new(self, access, Held::Slots(slots))
    }

    /// Opens a txn over every key of the databases in `dbs`.
    pub fn txn_dbs(&self, access: Access, dbs: Range<usize>) -> Txn<'_> {
        for db in dbs.clone() {
            for seg in self.dbs[db].segments.iter() {
                lock(&seg.lock, access);
            }
        }
        Txn::new(self, access, Held::Dbs(dbs))
    }

    /// Opens a txn over one segment of one database (`SCAN`, the expiry cycle).
    pub fn txn_segment(&self, access: Access, db: usize, segment: usize) -> Txn<'_> {
        let slot = (db * SEGMENTS + segment) as u32;
        lock(&self.segment(slot).lock, access);
        Txn::new(self, access, Held::Slots(SmallVec::from_slice(&[slot])))
    }

    /// `INFO keyspace` numbers for one database (approximate under concurrent writes, as
    /// Redis's are between commands).
    pub fn db_info(&self, db: usize) -> DbInfo {
        let d = &self.dbs[db];
        let (mut keys, mut expires) = (0, 0);
        for seg in d.segments.iter() {
            keys += seg.map.len();
            expires += seg.volatile.load(Ordering::Relaxed);
        }
        DbInfo {
            keys,
            expires,
            avg_ttl: d.avg_ttl.load(Ordering::Relaxed),
        }
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
    }

    fn now_secs(&self, now_ms: u64) -> u32 {
        (now_ms / 1000).saturating_sub(self.epoch_secs) as u32
    }

    /// Seconds since the store's epoch, the clock `Entry::accessed_secs` is measured in.
    pub fn clock_secs(&self) -> u32 {
        self.now_secs(unix_time_ms())
    }
}

fn lock(lock: &RawRwLock, access: Access) {
    match access {
        Access::Read => lock.lock_shared(),
        Access::Write => lock.lock_exclusive(),
    }
}

enum Held {
    Slots(SmallVec<[u32; 4]>),
    Dbs(Range<usize>),
}

/// An open transaction: the locks over a set of keys (or whole databases) plus the time the
/// command runs at. Every read and write of a command goes through one txn, which is what
/// makes the command atomic. Dropping it releases the locks.
pub struct Txn<'s> {
    store: &'s Store,
    access: Access,
    held: Held,
    guard: LocalGuard<'s>,
    now_ms: u64,
    now_secs: u32,
}

impl<'s> Txn<'s> {
    fn new(store: &'s Store, access: Access, held: Held) -> Txn<'s> {
        let now_ms = unix_time_ms();
        Txn {
            store,
            access,
            held,
            guard: store.collector.enter(),
            now_ms,
            now_secs: store.now_secs(now_ms),
        }
    }

    /// The time this command runs at, in Unix milliseconds (fixed for the whole command,
    /// like Redis's per-command time snapshot).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    pub fn access(&self) -> Access {
        self.access
    }

    fn holds(&self, slot: u32) -> bool {
        match &self.held {
            Held::Slots(slots) => slots.contains(&slot),
            Held::Dbs(dbs) => dbs.contains(&(slot as usize / SEGMENTS)),
        }
    }

    fn segment_for(&self, db: usize, key: &[u8]) -> &'s Segment {
        let slot = self.store.slot(db, key);
        debug_assert!(self.holds(slot), "key used outside the txn's locks");
        self.store.segment(slot)
    }

    /// Looks a key up for reading: counts a keyspace hit or miss and updates its access
    /// time. Expired keys are absent (and reclaimed).
    pub fn get(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.counted(db, key, self.lookup(db, key, true))
    }

    /// Looks a key up for reading without updating its access time, but counting a keyspace
    /// hit or miss: Redis's `LOOKUP_NOTOUCH` reads (`TTL`, `TYPE`, `EXISTS`, `OBJECT`).
    pub fn get_no_touch(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.counted(db, key, self.lookup(db, key, false))
    }

    /// Counts a read lookup's outcome as a keyspace hit or miss.
    fn counted<'t>(&self, db: usize, key: &[u8], entry: Option<&'t Entry>) -> Option<&'t Entry> {
        let seg = self.segment_for(db, key);
        let counter = if entry.is_some() {
            &seg.hits
        } else {
            &seg.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        entry
    }

    /// Looks a key up to modify it: updates its access time, counts no hit or miss.
    pub fn get_for_write(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.lookup(db, key, true)
    }

    /// Looks a key up without side effects on statistics or access time (`OBJECT`, `TTL`).
    pub fn peek(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.lookup(db, key, false)
    }

    fn lookup(&self, db: usize, key: &[u8], touch: bool) -> Option<&Entry> {
        let seg = self.segment_for(db, key);
        let entry = seg.map.get(key, &self.guard)?;
        if entry.is_expired(self.now_ms) {
            self.expire_now(seg, key);
            return None;
        }
        if touch {
            entry.touch(self.now_secs);
        }
        Some(entry)
    }

    /// Lazy expiry. Under a shared lock other readers may race to remove the same key, so
    /// removal is conditional and only the winner counts it; no writer can be active here.
    fn expire_now(&self, seg: &Segment, key: &[u8]) {
        let now = self.now_ms;
        if let Ok(Some(_)) = seg
            .map
            .remove_if(key, |_, e| e.is_expired(now), &self.guard)
        {
            seg.volatile.fetch_sub(1, Ordering::Relaxed);
            self.store
                .stats
                .expired_keys
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    fn assert_writable(&self) {
        debug_assert!(self.access == Access::Write, "write through a read txn");
    }

    /// Stores `value` under `key`, replacing any previous value and expiry. Callers need not
    /// look the key up first: replacing an entry that had expired counts it as expired, as
    /// Redis's lookup before the write would have.
    pub fn set(&self, db: usize, key: &[u8], value: Value, expires_at: Option<u64>) {
        self.assert_writable();
        let seg = self.segment_for(db, key);
        let entry = Entry::new(value, expires_at, self.now_secs);
        let old = seg.map.insert(Key::from(key), entry, &self.guard);
        let was_volatile = old.is_some_and(|e| e.expires_at().is_some());
        if old.is_some_and(|e| e.is_expired(self.now_ms)) {
            self.store
                .stats
                .expired_keys
                .fetch_add(1, Ordering::Relaxed);
        }
        adjust_volatile(seg, was_volatile, expires_at.is_some());
    }

    /// Replaces the value of an existing key, keeping its expiry (`KEEPTTL`, `INCR`,
    /// `APPEND`). Creates the key without expiry when absent.
    pub fn replace_value(&self, db: usize, key: &[u8], value: Value) {
        let expiry = self.get_for_write(db, key).and_then(Entry::expires_at);
        self.set(db, key, value, expiry);
    }

    /// Removes a key; returns the removed value when the key was live.
    pub fn remove(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.assert_writable();
        let seg = self.segment_for(db, key);
        let old = seg.map.remove(key, &self.guard)?;
        if old.expires_at().is_some() {
            seg.volatile.fetch_sub(1, Ordering::Relaxed);
        }
        if old.is_expired(self.now_ms) {
            self.store
                .stats
                .expired_keys
                .fetch_add(1, Ordering::Relaxed);
            return None;
        }
        Some(old)
    }

    /// Sets or clears the expiry of a live key. Returns false when the key is absent.
    pub fn set_expiry(&self, db: usize, key: &[u8], expires_at: Option<u64>) -> bool {
        self.assert_writable();
        let Some(entry) = self.get_for_write(db, key) else {
            return false;
        };
        let seg = self.segment_for(db, key);
        adjust_volatile(seg, entry.expires_at().is_some(), expires_at.is_some());
        entry.store_expiry(expires_at);
        true
    }

    /// Number of keys in a database, counting keys that expired but are not yet reclaimed
    /// (as Redis's `DBSIZE` does).
    pub fn len(&self, db: usize) -> usize {
        self.store.dbs[db]
            .segments
            .iter()
            .map(|s| s.map.len())
            .sum()
    }

    pub fn is_empty(&self, db: usize) -> bool {
        self.len(db) == 0
    }

    /// Removes every key of a database. Requires a txn over the whole database.
    pub fn clear(&self, db: usize) {
        self.assert_writable();
        debug_assert!(matches!(&self.held, Held::Dbs(r) if r.contains(&db)));
        for seg in self.store.dbs[db].segments.iter() {
            seg.map.clear(&self.guard);
            seg.volatile.store(0, Ordering::Relaxed);
        }
        self.store.dbs[db].avg_ttl.store(0, Ordering::Relaxed);
    }

    /// Calls `f` for each live key of one segment (expired keys are skipped).
    pub fn for_each_in_segment(&self, db: usize, segment: usize, mut f: impl FnMut(&[u8], &Entry)) {
        let slot = (db * SEGMENTS + segment) as u32;
        debug_assert!(self.holds(slot));
        for (key, entry) in self.store.segment(slot).map.iter(&self.guard) {
            if !entry.is_expired(self.now_ms) {
                f(key, entry);
            }
        }
    }

    /// A uniformly chosen segment, then a uniformly chosen live key within it; `None` when
    /// the database holds no live key. Requires a txn over the whole database.
    pub fn random_key(&self, db: usize) -> Option<Bytes> {
        let mut rng = rand::rng();
        let segments = &self.store.dbs[db].segments;
        let start = rng.random_range(0..SEGMENTS);
        for i in 0..SEGMENTS {
            let seg = &segments[(start + i) % SEGMENTS];
            let live: Vec<&Key> = seg
                .map
                .iter(&self.guard)
                .filter(|(_, e)| !e.is_expired(self.now_ms))
                .map(|(k, _)| k)
                .collect();
            if !live.is_empty() {
                let key = live[rng.random_range(0..live.len())];
                return Some(Bytes::copy_from_slice(key));
            }
        }
        None
    }
}

fn adjust_volatile(seg: &Segment, was: bool, is: bool) {
    match (was, is) {
        (false, true) => {
            seg.volatile.fetch_add(1, Ordering::Relaxed);
        }
        (true, false) => {
            seg.volatile.fetch_sub(1, Ordering::Relaxed);
        }
        _ => {}
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        let unlock = |lock: &RawRwLock| {
            // Safety: this txn acquired each of these locks exactly once, in this mode.
            unsafe {
                match self.access {
                    Access::Read => lock.unlock_shared(),
                    Access::Write => lock.unlock_exclusive(),
                }
            }
        };
        match &self.held {
            Held::Slots(slots) => {
                for &slot in slots {
                    unlock(&self.store.segment(slot).lock);
                }
            }
            Held::Dbs(dbs) => {
                for db in dbs.clone() {
                    for seg in self.store.dbs[db].segments.iter() {
                        unlock(&seg.lock);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(v: &str) -> Value {
        Value::string(Bytes::copy_from_slice(v.as_bytes()))
    }

    fn get_str(store: &Store, db: usize, key: &[u8]) -> Option<Bytes> {
        let txn = store.txn(Access::Read, db, [key]);
        txn.get(db, key).map(|e| match &e.value {
            Value::String(s) => s.to_bytes(),
            _ => panic!("not a string"),
        })
    }

    #[test]
    fn set_get_remove() {
        let store = Store::new(2);
        {
            let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
            txn.set(0, b"k", string("v"), None);
        }
        assert_eq!(get_str(&store, 0, b"k").as_deref(), Some(&b"v"[..]));
        assert_eq!(get_str(&store, 1, b"k"), None);
        let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
        assert!(txn.remove(0, b"k").is_some());
        assert!(txn.remove(0, b"k").is_none());
    }

    #[test]
    fn expired_keys_are_absent_and_reclaimed() {
        let store = Store::new(1);
        {
            let txn = store.txn(Access::Write, 0, [&b"k"[..]]);
            txn.set(0, b"k", string("v"), Some(txn.now_ms() - 1));
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
        txn.set(0, b"k", string("v"), Some(txn.now_ms() - 1));
        txn.set(0, b"k", string("w"), None);
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
        txn.set(0, b"a", string("1"), Some(far));
        txn.set(0, b"b", string("1"), None);
        assert!(txn.set_expiry(0, b"b", Some(far)));
        txn.set(0, b"a", string("2"), None);
        assert!(txn.set_expiry(0, b"b", None));
        drop(txn);
        assert_eq!(store.db_info(0).expires, 0);
        assert_eq!(store.db_info(0).keys, 2);
    }

    #[test]
    fn multi_key_txn_locks_each_segment_once() {
        let store = Store::new(1);
        // Many keys, many of them in the same segment: must not self-deadlock.
        let keys: Vec<Vec<u8>> = (0..2000).map(|i| format!("k{i}").into_bytes()).collect();
        let txn = store.txn(Access::Write, 0, keys.iter().map(|k| k.as_slice()));
        for k in &keys {
            txn.set(0, k, string("x"), None);
        }
        drop(txn);
        let txn = store.txn_dbs(Access::Read, 0..1);
        assert_eq!(txn.len(0), 2000);
        assert!(txn.random_key(0).is_some());
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
                        txn.set(0, b"a", v.clone(), None);
                        txn.set(0, b"b", v, None);
                    }
                })
            })
            .collect();
        for _ in 0..2000 {
            let txn = store.txn(Access::Read, 0, keys);
            let a = txn.get(0, b"a").map(|e| e.value.clone());
            let b = txn.get(0, b"b").map(|e| e.value.clone());
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
}
