//! Transactions over the store: [`LockPlan`], the set of segment locks a unit of work
//! needs, and [`Txn`], the locked view it reads and writes through.
//!
//! # Isolation
//! A plan names segments, each to read or to write. [`Store::lock`] takes them all before
//! anything is read, shared for reads and exclusive for writes, in ascending (database,
//! segment) order and each once (a segment asked for both is written), so two txns cannot
//! deadlock and each sees and leaves a consistent state of everything it locked. The
//! execution path (`crate::exec`) builds the plan of a command, or of a whole `MULTI` block,
//! from its keys; commands never lock anything themselves.
//!
//! A thread holds at most one txn (debug builds assert it): the locks are not reentrant,
//! so a second txn on the same thread could wait for itself. A txn is never held across
//! an `.await` (it also holds a `papaya` guard, which is `!Send`).
//!
//! # Effects
//! Every change names its [`Event`] and is recorded (see [`super::effects`]); the record is
//! handed to the store's [`Observer`](super::Observer) when the txn is dropped, before its
//! locks are released.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::mem::ManuallyDrop;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use parking_lot::RawRwLock;
use parking_lot::lock_api::{RawRwLock as _, RawRwLockTimed as _};
use rand::Rng;
use seize::LocalGuard;
use smallvec::SmallVec;

use super::clock::Moment;
use super::effects::{Effect, Event};
use super::{
    Access, Entry, Key, SEGMENTS, Segment, SegmentMap, Store, StringValue, Value, slot_of,
};

/// The segment locks a unit of work needs: built by the execution path from a command's
/// keys (or whole databases), then taken at once by [`Store::lock`].
#[derive(Debug, Clone, Default)]
pub struct LockPlan {
    /// (database * SEGMENTS + segment, access); sorted and deduplicated when locked.
    slots: SmallVec<[(u32, Access); 4]>,
}

impl LockPlan {
    pub fn new() -> LockPlan {
        LockPlan::default()
    }

    /// Adds the segment of `key` in database `db`.
    pub fn key(&mut self, db: usize, key: &[u8], access: Access) {
        self.slots.push((slot_of(db, key), access));
    }

    /// Adds every segment of database `db`.
    pub fn db(&mut self, db: usize, access: Access) {
        let first = (db * SEGMENTS) as u32;
        self.slots
            .extend((first..first + SEGMENTS as u32).map(|slot| (slot, access)));
    }

    /// Adds one segment of database `db` (the active expiry cycle's unit of work).
    pub fn segment(&mut self, db: usize, segment: usize, access: Access) {
        self.slots.push(((db * SEGMENTS + segment) as u32, access));
    }

    /// Adds everything `other` locks.
    pub fn extend(&mut self, other: &LockPlan) {
        self.slots.extend_from_slice(&other.slots);
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Asks for every slot for writing (a script that may write any key it reads).
    pub fn all_written(&mut self) {
        for slot in &mut self.slots {
            slot.1 = Access::Write;
        }
    }

    /// Sorts by slot and keeps each slot once, written when any request writes it.
    fn normalize(&mut self) {
        if self.slots.len() < 2 {
            return;
        }
        self.slots.sort_unstable_by_key(|&(slot, _)| slot);
        self.slots.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                kept.1 = kept.1.max(later.1);
                true
            } else {
                false
            }
        });
    }
}

/// How long a txn waits for a contended lock before it looks again whether it must let go
/// (see [`Store::lock_unless`]).
const LOCK_SLICE: std::time::Duration = std::time::Duration::from_millis(1);

/// Takes `lock` in `access` mode, waiting at most `wait` (not at all when `None`).
fn try_lock(lock: &RawRwLock, access: Access, wait: Option<std::time::Duration>) -> bool {
    match (access, wait) {
        (Access::Read, None) => lock.try_lock_shared(),
        (Access::Write, None) => lock.try_lock_exclusive(),
        (Access::Read, Some(wait)) => lock.try_lock_shared_for(wait),
        (Access::Write, Some(wait)) => lock.try_lock_exclusive_for(wait),
    }
}

#[cfg(debug_assertions)]
thread_local! {
    /// Whether this thread holds a txn (debug builds: see the module docs).
    static HOLDS_TXN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Store {
    /// Takes the locks of `plan` and opens a txn at the store clock's current time.
    ///
    /// # Panics
    /// If the plan names a database out of range (callers validate database indexes), and
    /// in debug builds if this thread already holds a txn.
    pub fn lock(&self, plan: LockPlan) -> Txn<'_> {
        self.lock_at(plan, Moment::now())
    }

    /// [`Store::lock`] with the txn's time taken at `moment` (a command's start).
    pub fn lock_at(&self, plan: LockPlan, moment: Moment) -> Txn<'_> {
        self.lock_unless(plan, moment, || false)
            .expect("a txn that never gives up gets its locks")
    }

    /// [`Store::lock_at`] that gives up, holding nothing, when `give_up` says so while it
    /// waits for a contended lock (a command waiting for a long script's keys answers
    /// `BUSY` instead of holding its thread).
    #[inline]
    pub fn lock_unless(
        &self,
        mut plan: LockPlan,
        moment: Moment,
        give_up: impl Fn() -> bool,
    ) -> Option<Txn<'_>> {
        #[cfg(debug_assertions)]
        HOLDS_TXN.with(|held| {
            assert!(!held.get(), "a thread opened a second transaction");
            held.set(true);
        });
        plan.normalize();
        if !self.acquire_all(&plan.slots, &give_up) {
            #[cfg(debug_assertions)]
            HOLDS_TXN.with(|held| held.set(false));
            return None;
        }
        self.encoding.enter();
        let now_ms = self.clock.at_ms(moment);
        let lfu = self.tracks_lfu();
        let now_secs = self.now_secs(now_ms);
        let guard = self.enter_guard(!plan.slots.is_empty());
        // One load on the hot path; segments are captured only while a snapshot runs.
        let snapshot_state = self.snapshot_state();
        if snapshot_state & 1 == 1 {
            self.capture_before_write(snapshot_state >> 1, &plan.slots, &guard);
        }
        Some(Txn {
            store: self,
            held: RefCell::new(plan.slots),
            guard: UnsafeCell::new(ManuallyDrop::new(guard)),
            snapshot_state,
            now_ms,
            now_secs,
            lfu,
            fresh_access: self.fresh_access(lfu, now_ms, now_secs),
            effects: RefCell::default(),
            delivered: Cell::new(0),
        })
    }

    /// A guard for a txn's reads: on the tables' collector when it holds a lock (which keeps
    /// the tables from being renewed), else on a collector no table uses.
    ///
    /// Its lifetime is `'static` so the txn stays covariant in its store's lifetime (the
    /// guard sits in an `UnsafeCell`); the txn drops it before it lets go of its locks,
    /// while both collectors are alive.
    fn enter_guard(&self, holds_locks: bool) -> LocalGuard<'static> {
        let collector = if holds_locks {
            // Safety: the caller holds a segment lock.
            unsafe { self.collector() }
        } else {
            &self.idle_collector
        };
        // Safety: see above; the collector outlives the guard.
        let collector: &'static seize::Collector = unsafe { &*(collector as *const _) };
        collector.enter()
    }

    /// Takes the sorted `slots`. Uncontended locks cost one atomic operation each; a
    /// contended one is waited for in short slices, between which this lets go of
    /// everything (and starts over once it may) while a txn takes locks out of order, or
    /// gives up for good when `give_up` says so.
    pub(super) fn acquire_all(&self, slots: &[(u32, Access)], give_up: &impl Fn() -> bool) -> bool {
        'start: loop {
            for (taken, &(slot, access)) in slots.iter().enumerate() {
                let lock = &self.segment(slot).lock;
                if try_lock(lock, access, None) {
                    continue;
                }
                while !try_lock(lock, access, Some(LOCK_SLICE)) {
                    let escalating = self.escalating.load(Ordering::SeqCst);
                    if escalating || give_up() {
                        self.release(&slots[..taken]);
                        if !escalating {
                            return false;
                        }
                        while self.escalating.load(Ordering::SeqCst) {
                            if give_up() {
                                return false;
                            }
                            std::thread::sleep(LOCK_SLICE);
                        }
                        continue 'start;
                    }
                }
            }
            return true;
        }
    }

    /// Releases locks this thread took.
    pub(super) fn release(&self, slots: &[(u32, Access)]) {
        for &(slot, access) in slots {
            let lock = &self.segment(slot).lock;
            // Safety: the caller took each of these locks exactly once, in this mode.
            unsafe {
                match access {
                    Access::Read => lock.unlock_shared(),
                    Access::Write => lock.unlock_exclusive(),
                }
            }
        }
    }

    /// A txn over `keys` of database `db`, all with one access (tests, tools).
    pub fn txn<'k>(
        &self,
        access: Access,
        db: usize,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> Txn<'_> {
        let mut plan = LockPlan::new();
        for key in keys {
            plan.key(db, key, access);
        }
        self.lock(plan)
    }

    /// A txn over every key of the databases in `dbs` (tests, tools).
    pub fn txn_dbs(&self, access: Access, dbs: std::ops::Range<usize>) -> Txn<'_> {
        let mut plan = LockPlan::new();
        for db in dbs {
            plan.db(db, access);
        }
        self.lock(plan)
    }
}

/// Which access data (LRU time / LFU counter) an entry stored by [`Txn::insert`] gets.
#[derive(Clone, Copy)]
enum Counter {
    /// The replaced entry's under an LFU policy (Redis's `dbSetValue`), else a fresh one.
    Kept,
    /// A fresh one: a new object (`dbDelete` + `dbAdd`).
    Fresh,
    /// The moved entry's (`RENAME`, `MOVE`).
    Carried(u32),
}

/// An open transaction: the locks of a [`LockPlan`], the time its work runs at, and the
/// record of what it changed. Every read and write of a command goes through one txn,
/// which is what makes it atomic. Dropping it hands the record to the store's observer and
/// releases the locks.
pub struct Txn<'s> {
    store: &'s Store,
    /// The locked slots, sorted, each with the access it was locked for; grows only by
    /// [`Txn::extend`].
    held: RefCell<SmallVec<[(u32, Access); 4]>>,
    /// Protects what this txn reads from the tables; replaced only by [`Txn::extend`] when
    /// a txn that held no lock takes its first ones (nothing was read through it then),
    /// and dropped before the locks are released (see [`Txn::guard`]).
    guard: UnsafeCell<ManuallyDrop<LocalGuard<'static>>>,
    /// The store's snapshot state when the locks were taken: the generation this txn
    /// belongs to, and whether that snapshot was running (segments this txn adds later are
    /// captured for it too, never for a later one).
    snapshot_state: u64,
    now_ms: u64,
    now_secs: u32,
    /// Whether accesses count in LFU counters (an LFU policy) rather than set a time.
    lfu: bool,
    /// The access field of an entry this txn creates.
    fresh_access: u32,
    effects: RefCell<SmallVec<[Effect; 2]>>,
    /// How many of `effects` the observer has seen ([`Txn::end_command`]).
    delivered: Cell<usize>,
}

impl<'s> Txn<'s> {
    /// The time this txn runs at, in Unix milliseconds: fixed for its whole life, like
    /// Redis's per-command time snapshot (and for a whole `MULTI` block, which runs in one
    /// txn).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// How many snapshots had begun when this txn took its locks: its changes are in none
    /// of those and in every later one (see `store::snapshot`). The append-only file
    /// routes its records by it.
    pub fn generation(&self) -> u64 {
        self.snapshot_state >> 1
    }

    /// The guard every table access of this txn goes through.
    pub(super) fn guard(&self) -> &LocalGuard<'static> {
        // Safety: replaced only in `extend` while no reference into a table exists (the
        // txn held no lock, so it read nothing), and dropped only in `drop`.
        unsafe { &*self.guard.get() }
    }

    /// A segment's table. Txns reach segments only through `segment_for*` and the
    /// whole-database walks, which hold (and in debug builds assert) the segment's lock.
    fn map<'a>(&'a self, seg: &'a Segment) -> &'a SegmentMap {
        // Safety: this txn holds the segment's lock until it is dropped.
        unsafe { seg.map() }
    }

    /// How a slot is locked, if it is.
    fn access_of(&self, slot: u32) -> Option<Access> {
        let held = self.held.borrow();
        held.binary_search_by_key(&slot, |&(s, _)| s)
            .ok()
            .map(|i| held[i].1)
    }

    /// Whether this txn holds every lock of `plan` (with at least the access it asks).
    pub fn holds(&self, plan: &LockPlan) -> bool {
        plan.slots
            .iter()
            .all(|&(slot, access)| self.access_of(slot).is_some_and(|held| held >= access))
    }

    /// Takes the locks of `plan` this txn does not hold yet: a script reaching keys it did
    /// not declare. Free locks are taken at once, in any order (nothing waits). A
    /// contended one is waited for out of order, which could deadlock with a txn that
    /// holds it and waits for one of ours: so while this waits, every txn waiting in
    /// [`Store::lock_unless`] lets go of what it holds (it has read nothing yet) and waits
    /// for this to finish. At most one txn may extend at a time (the execution path runs
    /// one script at a time); a txn that extends never lets go of anything, so what it
    /// read and wrote so far stays isolated (strict two-phase locking).
    ///
    /// A lock held for reading and wanted for writing cannot be upgraded without letting
    /// it go: the execution path never asks for that (a script that may write locks every
    /// key it touches for writing), and in debug builds this asserts it.
    pub fn extend(&self, mut plan: LockPlan) {
        plan.normalize();
        let mut contended: SmallVec<[(u32, Access); 4]> = SmallVec::new();
        for &(slot, access) in &plan.slots {
            match self.access_of(slot) {
                Some(held) if held >= access => {}
                Some(_) => {
                    debug_assert!(false, "a read lock cannot be upgraded in place");
                    // Release builds: let go and wait for the write lock, as contended.
                    let lock = &self.store.segment(slot).lock;
                    // Safety: this txn holds the lock shared, once.
                    unsafe { lock.unlock_shared() };
                    self.forget(slot);
                    contended.push((slot, access));
                }
                None => {
                    if try_lock(&self.store.segment(slot).lock, access, None) {
                        self.remember(slot, access);
                        self.capture_added(slot, access);
                    } else {
                        contended.push((slot, access));
                    }
                }
            }
        }
        if contended.is_empty() {
            return;
        }
        self.store.escalating.store(true, Ordering::SeqCst);
        for (slot, access) in contended {
            let lock = &self.store.segment(slot).lock;
            match access {
                Access::Read => lock.lock_shared(),
                Access::Write => lock.lock_exclusive(),
            }
            self.remember(slot, access);
            self.capture_added(slot, access);
        }
        self.store.escalating.store(false, Ordering::SeqCst);
    }

    /// A segment added by [`Txn::extend`] is captured for this txn's snapshot before the
    /// script writes it, like the segments locked up front.
    fn capture_added(&self, slot: u32, access: Access) {
        let epoch = super::snapshot::running_epoch(self.snapshot_state);
        if epoch != 0 {
            self.store
                .capture_before_write(epoch, &[(slot, access)], self.guard());
        }
    }

    fn remember(&self, slot: u32, access: Access) {
        let mut held = self.held.borrow_mut();
        if held.is_empty() {
            // The first lock: from now on the guard must be on the tables' collector.
            let guard = ManuallyDrop::new(self.store.enter_guard(true));
            // Safety: holding no lock until now, this txn read nothing through the old
            // guard, so no reference it protects lives.
            let old = std::mem::replace(unsafe { &mut *self.guard.get() }, guard);
            drop(ManuallyDrop::into_inner(old));
        }
        let at = held.partition_point(|&(s, _)| s < slot);
        held.insert(at, (slot, access));
    }

    fn forget(&self, slot: u32) {
        let mut held = self.held.borrow_mut();
        if let Ok(at) = held.binary_search_by_key(&slot, |&(s, _)| s) {
            held.remove(at);
        }
    }

    /// Whether this txn may read `key` of `db` (debug checks of the execution path's plans).
    pub fn covers(&self, db: usize, key: &[u8]) -> bool {
        self.access_of(slot_of(db, key)).is_some()
    }

    fn segment_for(&self, db: usize, key: &[u8]) -> &'s Segment {
        let slot = slot_of(db, key);
        debug_assert!(
            self.access_of(slot).is_some(),
            "key {:?} of db {db} used outside the txn's locks",
            Bytes::copy_from_slice(key)
        );
        self.store.segment(slot)
    }

    fn segment_for_write(&self, db: usize, key: &[u8]) -> &'s Segment {
        let slot = slot_of(db, key);
        debug_assert!(
            self.access_of(slot) == Some(Access::Write),
            "key {:?} of db {db} written without an exclusive lock",
            Bytes::copy_from_slice(key)
        );
        self.store.segment(slot)
    }

    fn record(&self, effect: Effect) {
        self.effects.borrow_mut().push(effect);
    }

    fn record_key(&self, db: usize, key: &[u8], event: Event) {
        self.record(Effect::Key {
            db,
            key: Key::from(key),
            event,
        });
    }

    /// Hands the observer what the command that just ran in this txn changed, as Redis
    /// signals each command's changes when it runs: a transaction of several commands is
    /// observed command by command (client-side caching depends on it: a key read, written
    /// and read again inside one `EXEC` is invalidated in between). Whatever is left is
    /// handed over when the txn ends.
    pub fn end_command(&self) {
        let effects = self.effects.borrow();
        let from = self.delivered.get();
        if effects.len() > from
            && let Some(observer) = self.store.observer.get()
        {
            observer.observe(self.store, &effects[from..], self.generation());
        }
        self.delivered.set(effects.len());
    }

    /// What this txn has changed so far, in order.
    pub fn effects(&self) -> std::cell::Ref<'_, SmallVec<[Effect; 2]>> {
        self.effects.borrow()
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

    /// [`Txn::get_no_touch`] that never records a `keymiss` (`OBJECT`, as Redis's
    /// `objectCommandLookup`).
    pub fn get_no_touch_quiet(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.count_lookup(db, key, self.lookup(db, key, false), false)
    }

    /// Counts a read lookup's outcome as a keyspace hit or miss; records a miss as a
    /// `keymiss` effect while the store is asked to.
    fn counted<'t>(&self, db: usize, key: &[u8], entry: Option<&'t Entry>) -> Option<&'t Entry> {
        self.count_lookup(db, key, entry, true)
    }

    fn count_lookup<'t>(
        &self,
        db: usize,
        key: &[u8],
        entry: Option<&'t Entry>,
        may_record_miss: bool,
    ) -> Option<&'t Entry> {
        let seg = self.segment_for(db, key);
        if entry.is_some() {
            seg.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            seg.misses.fetch_add(1, Ordering::Relaxed);
            if may_record_miss && self.store.records_key_misses() {
                self.record_key(db, key, Event::KeyMiss);
            }
        }
        entry
    }

    /// Whether the eviction policy counts accesses (LFU) rather than timing them.
    pub fn tracks_lfu(&self) -> bool {
        self.lfu
    }

    /// Looks a key up to modify it: updates its access time, counts no hit or miss.
    pub fn get_for_write(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.lookup(db, key, true)
    }

    /// Looks a key up without side effects on statistics or access time (`OBJECT`, `TTL`).
    pub fn peek(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.lookup(db, key, false)
    }

    /// What the map holds for `key`, expired or not, touching nothing and reclaiming
    /// nothing (Redis's `keyIsExpired` checks, for `WATCH`).
    pub fn raw(&self, db: usize, key: &[u8]) -> Option<&Entry> {
        self.map(self.segment_for(db, key)).get(key, self.guard())
    }

    fn lookup(&self, db: usize, key: &[u8], touch: bool) -> Option<&Entry> {
        let seg = self.segment_for(db, key);
        let entry = self.map(seg).get(key, self.guard())?;
        if entry.is_expired(self.now_ms) {
            self.expire_now(seg, db, key);
            return None;
        }
        if touch {
            self.touch(entry);
        }
        Some(entry)
    }

    /// Records an access: its time, or under an LFU policy one more count.
    fn touch(&self, entry: &Entry) {
        if self.lfu {
            entry.touch(self.store.lfu_accessed(entry.accessed_secs(), self.now_ms));
        } else {
            entry.touch(self.now_secs);
        }
    }

    /// Lazy expiry. Under a shared lock other readers may race to remove the same key, so
    /// removal is conditional and only the winner counts and records it; no writer can be
    /// active here.
    fn expire_now(&self, seg: &Segment, db: usize, key: &[u8]) {
        let now = self.now_ms;
        if let Ok(Some(_)) = self
            .map(seg)
            .remove_if(key, |_, e| e.is_expired(now), self.guard())
        {
            seg.remove_key();
            seg.volatile.fetch_sub(1, Ordering::Relaxed);
            self.count_expired();
            self.record_key(db, key, Event::Expired);
        }
    }

    fn count_expired(&self) {
        self.store
            .stats
            .expired_keys
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Stores `value` under `key`, replacing any previous value and expiry, and records
    /// `event` (after `expired` for an expired entry it replaces, and `new` when no live
    /// key was there, as Redis's lookup and `dbAdd` would). Callers need not look the key
    /// up first.
    pub fn set(&self, db: usize, key: &[u8], value: Value, expires_at: Option<u64>, event: Event) {
        if !self.insert(db, key, value, expires_at, Counter::Kept) {
            self.record_key(db, key, Event::New);
        }
        self.record_key(db, key, event);
    }

    /// Adds `value` under the missing key `key`, recording only `new` (Redis's `dbAdd`): the
    /// command names its own event once it has filled the value.
    pub fn add(&self, db: usize, key: &[u8], value: Value) {
        if !self.insert(db, key, value, None, Counter::Kept) {
            self.record_key(db, key, Event::New);
        }
    }

    /// Stores a command's result under `key` as Redis's `setKey(.., 0)` does: the key is
    /// looked up for writing first (under an LFU policy, one more access on the counter the
    /// new value then keeps), then set as [`Txn::set`]. For the commands that store without
    /// looking the key up themselves (MSET, SUNIONSTORE, ZUNIONSTORE, SORT ... STORE, BITOP,
    /// GEORADIUS ... STORE).
    pub fn set_key(&self, db: usize, key: &[u8], value: Value, event: Event) {
        if self.lfu {
            self.get_for_write(db, key);
        }
        self.set(db, key, value, None, event);
    }

    /// Puts a new entry under `key`; returns whether it replaced a live one (an expired
    /// one it replaces is counted and recorded as `expired`).
    fn insert(
        &self,
        db: usize,
        key: &[u8],
        value: Value,
        expires_at: Option<u64>,
        counter: Counter,
    ) -> bool {
        let seg = self.segment_for_write(db, key);
        let access = match counter {
            // A value replacing another keeps its LFU counter, as Redis's `dbSetValue` does.
            Counter::Kept if self.lfu => self
                .map(seg)
                .get(key, self.guard())
                .map_or(self.fresh_access, |old| old.accessed_secs()),
            Counter::Kept | Counter::Fresh => self.fresh_access,
            Counter::Carried(access) => access,
        };
        let entry = Entry::new(value, expires_at, access, seg.next_version());
        self.store.dbs[db].note_key_added();
        let old = self.map(seg).insert(Key::from(key), entry, self.guard());
        if old.is_none() {
            seg.add_key();
        }
        let was_volatile = old.is_some_and(|e| e.expires_at().is_some());
        adjust_volatile(seg, was_volatile, expires_at.is_some());
        match old {
            Some(e) if e.is_expired(self.now_ms) => {
                self.count_expired();
                self.record_key(db, key, Event::Expired);
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Adds a key read from a snapshot file, recording nothing (Redis's `dbAddRDBLoad`:
    /// nobody observes a load). Returns false, changing nothing, when the key exists.
    pub fn load(&self, db: usize, key: &[u8], value: Value, expires_at: Option<u64>) -> bool {
        let seg = self.segment_for_write(db, key);
        let entry = Entry::new(value, expires_at, self.fresh_access, seg.next_version());
        self.store.dbs[db].note_key_added();
        // One lookup: a key already there is a duplicate in the file.
        if self
            .map(seg)
            .try_insert(Key::from(key), entry, self.guard())
            .is_err()
        {
            return false;
        }
        seg.add_key();
        adjust_volatile(seg, false, expires_at.is_some());
        true
    }

    /// Makes room for `keys` more keys in database `db` (an RDB's `RESIZEDB` hint), spread
    /// over its segments, so loading does not grow every map step by step.
    pub fn reserve(&self, db: usize, keys: usize) {
        let per_segment = keys / SEGMENTS + 1;
        for seg in self.store.dbs[db].segments.iter() {
            self.map(seg).reserve(per_segment, self.guard());
        }
    }

    /// Sets a live key's access data as `RESTORE ... IDLETIME | FREQ` and an RDB's
    /// `IDLE` / `FREQ` do (Redis's `objectSetLRUOrLFU`): the counter under an LFU policy,
    /// the idle time otherwise; the one the policy does not track is ignored.
    pub fn set_access(&self, db: usize, key: &[u8], idle_secs: Option<u64>, freq: Option<u8>) {
        let Some(entry) = self.peek(db, key) else {
            return;
        };
        match (self.lfu, idle_secs, freq) {
            (true, _, Some(freq)) => entry.touch(self.store.lfu_with_counter(freq, self.now_ms)),
            (false, Some(idle), _) => {
                let idle = u32::try_from(idle).unwrap_or(u32::MAX);
                entry.touch(self.now_secs.saturating_sub(idle));
            }
            _ => {}
        }
    }

    /// Replaces the value of an existing key, keeping its expiry (`INCR`, `APPEND`).
    /// Creates the key without expiry when absent.
    pub fn replace_value(&self, db: usize, key: &[u8], value: Value, event: Event) {
        let expiry = self.get_for_write(db, key).and_then(Entry::expires_at);
        self.set(db, key, value, expiry, event);
    }

    /// Stores `value` under `key` as a new key, after silently dropping whatever was there
    /// (Redis's `dbDelete` + `dbAdd` in `COPY ... REPLACE` and `RESTORE ... REPLACE`): a new
    /// object, so a fresh access time / LFU counter; records `new`, and nothing for the
    /// replaced value. The caller records the command's own event.
    pub fn add_replacing(&self, db: usize, key: &[u8], value: Value, expires_at: Option<u64>) {
        self.insert(db, key, value, expires_at, Counter::Fresh);
        self.record_key(db, key, Event::New);
    }

    /// As [`Txn::add_replacing`] for the entry `from` moved under a new name or database
    /// (`RENAME`, `MOVE`): the same object in Redis, so it keeps its access data.
    pub fn add_moved(&self, db: usize, key: &[u8], from: &Entry) {
        let counter = Counter::Carried(from.accessed_secs());
        self.insert(db, key, from.value().clone(), from.expires_at(), counter);
        self.record_key(db, key, Event::New);
    }

    /// Removes a key, recording `event` (`del`, `rename_from`, ...) when it was live; returns
    /// the removed entry then. An expired entry is reclaimed as `expired` instead.
    pub fn remove(&self, db: usize, key: &[u8], event: Event) -> Option<&Entry> {
        let seg = self.segment_for_write(db, key);
        let old = self.map(seg).remove(key, self.guard())?;
        seg.remove_key();
        if old.expires_at().is_some() {
            seg.volatile.fetch_sub(1, Ordering::Relaxed);
        }
        if old.is_expired(self.now_ms) {
            self.count_expired();
            self.record_key(db, key, Event::Expired);
            return None;
        }
        self.record_key(db, key, event);
        Some(old)
    }

    /// Sets or clears the expiry of a live key, recording `event` (`expire`, `persist`).
    /// Returns false when the key is absent. A key gaining or losing its expiry gets a new
    /// entry: an entry looked up before is stale afterwards.
    /// The caller has looked the key up as its command does (one access, as in Redis's
    /// `lookupKeyWrite` before `setExpire`); this lookup touches nothing.
    pub fn set_expiry(&self, db: usize, key: &[u8], expires_at: Option<u64>, event: Event) -> bool {
        let Some(entry) = self.peek(db, key) else {
            return false;
        };
        let seg = self.segment_for_write(db, key);
        adjust_volatile(seg, entry.expires_at().is_some(), expires_at.is_some());
        if entry.store_expiry(expires_at) {
            entry.set_version(seg.next_version());
        } else {
            // The key gains or loses its expiry: an entry of the other shape, with the same
            // value (collections and growable strings shared, not copied) and access data.
            let replacement = Entry::new(
                entry.value().clone(),
                expires_at,
                entry.accessed_secs(),
                seg.next_version(),
            );
            self.map(seg)
                .insert(Key::from(key), replacement, self.guard());
        }
        self.record_key(db, key, event);
        true
    }

    /// Records one more event of a change this txn just made through another method (the
    /// `expire` that follows a `SET ... EX`'s `set`).
    pub fn note(&self, db: usize, key: &[u8], event: Event) {
        self.record_key(db, key, event);
    }

    /// Records that the value of the live key `key` was changed in place (a collection
    /// pushed to, popped from, ...): the change every `WATCH` of it must see.
    pub fn modified(&self, db: usize, key: &[u8], event: Event) {
        let seg = self.segment_for_write(db, key);
        if let Some(entry) = self.map(seg).get(key, self.guard()) {
            entry.set_version(seg.next_version());
        }
        self.record_key(db, key, event);
    }

    /// Changes the string at the live key `key` in place: `edit` gets its bytes to change
    /// (growing them with `value::reserve_string` / `grow_string_zeroed`). `None`, running
    /// nothing, when the key holds no string.
    ///
    /// A string written whole is immutable, so it is first replaced by a modified copy
    /// (once; Redis's `dbUnshareStringValue`), keeping its expiry, access data and version:
    /// that alone is no change anyone observes, and Redis turns the string `raw` even when
    /// the command then changes nothing. Records nothing: the caller records its event
    /// with [`Txn::modified`] when something changed. An entry looked up before is stale
    /// afterwards (look it up again to read the value).
    pub fn edit_string<R>(
        &self,
        db: usize,
        key: &[u8],
        edit: impl FnOnce(&mut Vec<u8>) -> R,
    ) -> Option<R> {
        let seg = self.segment_for_write(db, key);
        let entry = self.map(seg).get(key, self.guard())?;
        let Value::String(s) = entry.value() else {
            return None;
        };
        if let Some(mut buf) = s.growable() {
            return Some(edit(&mut buf));
        }
        let mut buf = s.as_bytes().to_vec();
        let out = edit(&mut buf);
        let value = Value::String(StringValue::modified(buf));
        let replacement = Entry::new(
            value,
            entry.expires_at(),
            entry.accessed_secs(),
            entry.version(),
        );
        self.map(seg)
            .insert(Key::from(key), replacement, self.guard());
        Some(out)
    }

    /// Records that the collection at `key` was changed in place as `event`; when the change
    /// emptied it, deletes the key, recorded as `del` (Redis never keeps an empty
    /// collection).
    pub fn changed_collection(&self, db: usize, key: &[u8], event: Event, emptied: bool) {
        self.modified(db, key, event);
        if emptied {
            self.remove(db, key, Event::Del);
        }
    }

    /// Number of keys in a database, counting keys that expired but are not yet reclaimed
    /// (as Redis's `DBSIZE` does).
    pub fn len(&self, db: usize) -> usize {
        self.store.dbs[db]
            .segments
            .iter()
            .map(|s| s.keys.load(Ordering::Relaxed))
            .sum()
    }

    pub fn is_empty(&self, db: usize) -> bool {
        self.len(db) == 0
    }

    /// Removes every key of a database. Requires every segment of it locked for writing.
    pub fn clear(&self, db: usize) {
        debug_assert!(
            (0..SEGMENTS)
                .all(|s| self.access_of((db * SEGMENTS + s) as u32) == Some(Access::Write))
        );
        self.record(Effect::Flushed { db });
        // The tables keep their capacity: the cron renews them once the store is empty.
        self.store.note_keys_peak(self.store.total_keys());
        for seg in self.store.dbs[db].segments.iter() {
            self.map(seg).clear(self.guard());
            seg.keys.store(0, Ordering::Relaxed);
            seg.volatile.store(0, Ordering::Relaxed);
        }
        self.store.dbs[db].avg_ttl.store(0, Ordering::Relaxed);
    }

    /// Exchanges the contents of two databases (`SWAPDB`): every entry moves, keeping its
    /// expiry and access data, with a new version (so a `WATCH` of a key that was in either
    /// database sees a change). Requires every segment of both locked for writing. Entries
    /// are moved one by one, O(N): a segment's map is not behind a pointer that could be
    /// exchanged, and the snapshot and lock machinery work per segment of a database index.
    pub fn swap_dbs(&self, a: usize, b: usize) {
        debug_assert!((0..SEGMENTS).all(|s| {
            [a, b]
                .iter()
                .all(|db| self.access_of((db * SEGMENTS + s) as u32) == Some(Access::Write))
        }));
        if a == b {
            return;
        }
        self.record(Effect::Swapped { a, b });
        let take = |seg: &Segment| {
            let entries: Vec<(Key, Value, Option<u64>, u32)> = self
                .map(seg)
                .iter(self.guard())
                .map(|(key, e)| {
                    (
                        key.clone(),
                        e.value().clone(),
                        e.expires_at(),
                        e.accessed_secs(),
                    )
                })
                .collect();
            self.map(seg).clear(self.guard());
            seg.keys.store(0, Ordering::Relaxed);
            seg.volatile.store(0, Ordering::Relaxed);
            entries
        };
        let put = |db: usize, seg: &Segment, entries: Vec<(Key, Value, Option<u64>, u32)>| {
            if !entries.is_empty() {
                self.store.dbs[db].note_key_added();
            }
            for (key, value, expires_at, accessed) in entries {
                adjust_volatile(seg, false, expires_at.is_some());
                let entry = Entry::new(value, expires_at, accessed, seg.next_version());
                self.map(seg).insert(key, entry, self.guard());
                seg.add_key();
            }
        };
        let (dbs_a, dbs_b) = (&self.store.dbs[a], &self.store.dbs[b]);
        for (seg_a, seg_b) in dbs_a.segments.iter().zip(dbs_b.segments.iter()) {
            let from_a = take(seg_a);
            let from_b = take(seg_b);
            put(a, seg_a, from_b);
            put(b, seg_b, from_a);
        }
        let ttl_a = dbs_a.avg_ttl.load(Ordering::Relaxed);
        dbs_a
            .avg_ttl
            .store(dbs_b.avg_ttl.load(Ordering::Relaxed), Ordering::Relaxed);
        dbs_b.avg_ttl.store(ttl_a, Ordering::Relaxed);
    }

    /// Calls `f` for each live key of one segment (expired keys are skipped).
    pub fn for_each_in_segment(&self, db: usize, segment: usize, mut f: impl FnMut(&[u8], &Entry)) {
        let slot = (db * SEGMENTS + segment) as u32;
        debug_assert!(self.access_of(slot).is_some());
        for (key, entry) in self.map(self.store.segment(slot)).iter(self.guard()) {
            if !entry.is_expired(self.now_ms) {
                f(key, entry);
            }
        }
    }

    /// Calls `f` for each entry of one segment, expired ones not yet reclaimed included
    /// (`DEBUG DIGEST`, which walks Redis's dict as it is).
    pub fn for_each_entry(&self, db: usize, segment: usize, mut f: impl FnMut(&[u8], &Entry)) {
        self.for_each_raw(db, segment, |key, entry| f(key, entry));
    }

    /// Calls `f` for each entry of one segment, expired ones included (the expiry cycle).
    pub(super) fn for_each_raw(&self, db: usize, segment: usize, mut f: impl FnMut(&Key, &Entry)) {
        let slot = (db * SEGMENTS + segment) as u32;
        debug_assert!(self.access_of(slot).is_some());
        for (key, entry) in self.map(self.store.segment(slot)).iter(self.guard()) {
            f(key, entry);
        }
    }

    /// A uniformly chosen segment, then a uniformly chosen live key within it; `None` when
    /// the database holds no live key. Requires a txn over the whole database.
    pub fn random_key(&self, db: usize, rng: &mut impl Rng) -> Option<Bytes> {
        let segments = &self.store.dbs[db].segments;
        let start = rng.random_range(0..SEGMENTS);
        for i in 0..SEGMENTS {
            let seg = &segments[(start + i) % SEGMENTS];
            let live: Vec<&Key> = self
                .map(seg)
                .iter(self.guard())
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
        let effects = std::mem::take(self.effects.get_mut());
        let from = self.delivered.get();
        if effects.len() > from
            && let Some(observer) = self.store.observer.get()
        {
            observer.observe(self.store, &effects[from..], self.generation());
        }
        // Before the locks go: a guard on the tables' collector may not outlive them.
        // Safety: dropped once, here; nothing borrows from the txn any more.
        unsafe { ManuallyDrop::drop(self.guard.get_mut()) };
        self.store.release(self.held.get_mut());
        #[cfg(debug_assertions)]
        HOLDS_TXN.with(|held| held.set(false));
    }
}
