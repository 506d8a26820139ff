//! Eviction under `maxmemory`: which keys go when memory runs out, by Redis's policies
//! (`maxmemory-policy`), and the access data they rank keys by (Redis's LRU clock and
//! LFU counter, kept in [`Entry`]'s access field).
//!
//! The store does not measure memory: the server decides how many bytes must go and
//! calls [`Store::evict`]. Like Redis, eviction approximates the policy by sampling. Redis
//! samples `maxmemory-samples` keys per eviction from a random position of its hash
//! table and keeps the best in a 16-entry pool; a `papaya` map cannot be read from a
//! random position, so here a sample is one whole segment (the first, from a random one
//! on, holding keys the policy may evict): its keys are ranked, and the best `1 / (2 * maxmemory-samples)` of them
//! (at least one) become the pool. Evictions then take keys from the pool, best first,
//! one segment lock for many keys, until the pool is empty and the next segment is
//! sampled. A pooled key accessed (or given another expiry) since it was ranked is
//! skipped. So each evicted key costs `2 * maxmemory-samples` keys looked at, about what
//! Redis's sampling costs, and is among the best tenth of its segment by default; more
//! samples mean a smaller, better share, as in Redis.
//!
//! Freed memory is counted by each evicted entry's estimated footprint
//! ([`Entry::footprint`]): the map gives a removed entry back only once no concurrent
//! reader can hold it, so measuring the allocator right after a removal would see
//! nothing freed and evict far too much.

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;

use parking_lot::lock_api::RawRwLock as _;

use super::{Access, Entry, Event, Key, LockPlan, SEGMENTS, Store};

/// Redis's eviction policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    NoEviction,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
}

impl Policy {
    /// The policy named as in `maxmemory-policy`.
    pub fn parse(name: &str) -> Option<Policy> {
        Some(match name.to_ascii_lowercase().as_str() {
            "noeviction" => Policy::NoEviction,
            "allkeys-lru" => Policy::AllKeysLru,
            "allkeys-lfu" => Policy::AllKeysLfu,
            "allkeys-random" => Policy::AllKeysRandom,
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            _ => return None,
        })
    }

    const ALL: [Policy; 8] = [
        Policy::NoEviction,
        Policy::AllKeysLru,
        Policy::AllKeysLfu,
        Policy::AllKeysRandom,
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ];

    /// Whether only keys with an expiry may be evicted.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// Whether keys carry an LFU counter rather than an access time.
    pub fn lfu(self) -> bool {
        matches!(self, Policy::AllKeysLfu | Policy::VolatileLfu)
    }
}

/// Redis's `LFU_INIT_VAL`: the counter of a new key.
pub const LFU_INIT_VAL: u8 = 5;

/// The LFU clock: minutes, modulo 2^16 (Redis's `LFUGetTimeInMinutes`).
pub fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xffff) as u32
}

/// An access field holding LFU data: the minute of the last decrement and the counter.
fn lfu_stamp(minutes: u32, counter: u8) -> u32 {
    (minutes << 8) | u32::from(counter)
}

/// The counter of an LFU access field, decayed by one per `decay_time` minutes since it
/// was last decremented (Redis's `LFUDecrAndReturn`; the minute clock wraps as Redis's).
pub fn lfu_decayed(access: u32, now_minutes: u32, decay_time: u32) -> u8 {
    let (last, counter) = ((access >> 8) & 0xffff, (access & 0xff) as u8);
    let elapsed = if now_minutes >= last {
        now_minutes - last
    } else {
        65535 - last + now_minutes
    };
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(u8::try_from(periods).unwrap_or(u8::MAX))
}

/// Redis's `LFULogIncr`: the counter grows with probability 1 / ((counter - 5) *
/// log_factor + 1), so it counts roughly the logarithm of the accesses.
fn lfu_log_incr(counter: u8, log_factor: u32, draw: f64) -> u8 {
    if counter == u8::MAX {
        return counter;
    }
    let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
    let p = 1.0 / (base * f64::from(log_factor) + 1.0);
    if draw < p { counter + 1 } else { counter }
}

/// The settings eviction and access tracking follow; set from the configuration.
pub(super) struct Settings {
    policy: AtomicU8,
    samples: AtomicUsize,
    lfu_log_factor: AtomicU32,
    lfu_decay_time: AtomicU32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: AtomicU8::new(0),
            samples: AtomicUsize::new(5),
            lfu_log_factor: AtomicU32::new(10),
            lfu_decay_time: AtomicU32::new(1),
        }
    }
}

impl Settings {
    fn policy(&self) -> Policy {
        Policy::ALL[usize::from(self.policy.load(Ordering::Relaxed))]
    }
}

/// Keys ranked by the last segment walk, waiting to be evicted.
#[derive(Default)]
pub(super) struct Pool {
    /// The policy they were ranked for (a change of policy empties the pool).
    policy: Option<Policy>,
    db: usize,
    segment: usize,
    /// Ascending by rank: the next to go is the last.
    candidates: Vec<Candidate>,
    /// The databases that held keys the policy may evict, and when that was looked up.
    databases: Vec<usize>,
    databases_checked: Option<Instant>,
}

/// How long the list of databases with evictable keys is trusted.
const DATABASES_RECHECK: Duration = Duration::from_millis(100);

struct Candidate {
    rank: u64,
    key: Key,
    /// The access field (or, for `volatile-ttl`, the expiry) when ranked.
    seen: u64,
}

/// How a call to [`Store::evict`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvictOutcome {
    /// The requested bytes were freed.
    Freed,
    /// The time budget ran out first; more can be evicted.
    TimedOut,
    /// Nothing (more) may be evicted: `noeviction`, or no key the policy allows.
    Exhausted,
}

/// What one call to [`Store::evict`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvictReport {
    pub outcome: EvictOutcome,
    pub keys: usize,
    pub bytes: usize,
}

impl Store {
    /// Applies the eviction and access-tracking settings (`maxmemory-policy`,
    /// `maxmemory-samples`, `lfu-log-factor`, `lfu-decay-time`).
    pub fn configure_eviction(&self, policy: Policy, samples: usize, log_factor: u32, decay: u32) {
        let settings = &self.eviction;
        let index = Policy::ALL.iter().position(|p| *p == policy).unwrap_or(0);
        settings.policy.store(index as u8, Ordering::Relaxed);
        settings.samples.store(samples.max(1), Ordering::Relaxed);
        settings.lfu_log_factor.store(log_factor, Ordering::Relaxed);
        settings.lfu_decay_time.store(decay, Ordering::Relaxed);
    }

    pub fn eviction_policy(&self) -> Policy {
        self.eviction.policy()
    }

    /// Whether keys carry LFU counters (an LFU policy is set).
    pub(super) fn tracks_lfu(&self) -> bool {
        self.eviction.policy().lfu()
    }

    /// The access field of a key created now.
    pub(super) fn fresh_access(&self, lfu: bool, now_ms: u64, now_secs: u32) -> u32 {
        if lfu {
            lfu_stamp(lfu_minutes(now_ms), LFU_INIT_VAL)
        } else {
            now_secs
        }
    }

    /// The access field after one more access under an LFU policy (Redis's `updateLFU`).
    pub(super) fn lfu_accessed(&self, access: u32, now_ms: u64) -> u32 {
        let minutes = lfu_minutes(now_ms);
        let settings = &self.eviction;
        let decayed = lfu_decayed(
            access,
            minutes,
            settings.lfu_decay_time.load(Ordering::Relaxed),
        );
        let factor = settings.lfu_log_factor.load(Ordering::Relaxed);
        lfu_stamp(minutes, lfu_log_incr(decayed, factor, rand::random()))
    }

    /// The access field `OBJECT FREQ` / `RESTORE ... FREQ` set: `counter` as of now.
    pub(super) fn lfu_with_counter(&self, counter: u8, now_ms: u64) -> u32 {
        lfu_stamp(lfu_minutes(now_ms), counter)
    }

    /// A key's LFU counter as `OBJECT FREQ` reports it: decayed to now, not stored.
    pub fn lfu_counter(&self, entry: &Entry) -> u8 {
        let decay = self.eviction.lfu_decay_time.load(Ordering::Relaxed);
        lfu_decayed(
            entry.accessed_secs(),
            lfu_minutes(self.clock.now_ms()),
            decay,
        )
    }

    /// Evicts keys by the current policy until their estimated footprints add up to
    /// `bytes`, for at most `budget`. Each key goes as `evicted` (keyspace notification,
    /// WATCH, client-side caching and the append-only file see it as Redis's do).
    /// Must not be called while this thread holds a txn.
    pub fn evict(&self, bytes: usize, budget: Duration) -> EvictReport {
        let started = Instant::now();
        let mut report = EvictReport {
            outcome: EvictOutcome::Freed,
            keys: 0,
            bytes: 0,
        };
        let policy = self.eviction.policy();
        if policy == Policy::NoEviction {
            report.outcome = EvictOutcome::Exhausted;
            return report;
        }
        let mut pool = self.evictor.lock();
        if pool.policy != Some(policy) {
            *pool = Pool {
                policy: Some(policy),
                ..Pool::default()
            };
        }
        while report.bytes < bytes {
            if pool.candidates.is_empty() && !self.rank_segment(&mut pool, policy) {
                report.outcome = EvictOutcome::Exhausted;
                break;
            }
            self.evict_pooled(&mut pool, policy, bytes, &mut report);
            if report.bytes < bytes && started.elapsed() >= budget {
                report.outcome = EvictOutcome::TimedOut;
                break;
            }
        }
        self.stats
            .evicted_keys
            .fetch_add(report.keys as u64, Ordering::Relaxed);
        report
    }

    /// Evicts from the pool, best first, under one lock of its segment, until `bytes`
    /// are freed or the pool is empty.
    fn evict_pooled(
        &self,
        pool: &mut Pool,
        policy: Policy,
        bytes: usize,
        report: &mut EvictReport,
    ) {
        let (db, segment) = (pool.db, pool.segment);
        let mut plan = LockPlan::new();
        plan.segment(db, segment, Access::Write);
        let txn = self.lock(plan);
        while report.bytes < bytes
            && let Some(candidate) = pool.candidates.pop()
        {
            let Some(entry) = txn.peek(db, &candidate.key) else {
                continue;
            };
            // A key used (or given another expiry) since it was ranked lost its rank.
            if policy != Policy::AllKeysRandom
                && policy != Policy::VolatileRandom
                && seen(policy, entry) != candidate.seen
            {
                continue;
            }
            if policy.volatile() && entry.expires_at().is_none() {
                continue;
            }
            report.bytes += entry.footprint(&candidate.key);
            report.keys += 1;
            txn.remove(db, &candidate.key, Event::Evicted);
        }
    }

    /// Ranks the keys of one segment, the first holding keys the policy may evict from a
    /// random position on, and pools the best of them. False when there are none.
    ///
    /// Segments are not weighed by size: within a database keys spread evenly over them,
    /// and across databases Redis does not weigh either (its pool samples each database
    /// alike, its random policies take databases in turn).
    fn rank_segment(&self, pool: &mut Pool, policy: Policy) -> bool {
        let eligible = |db: usize, segment: usize| {
            let seg = &self.dbs[db].segments[segment];
            if policy.volatile() {
                seg.volatile.load(Ordering::Relaxed) > 0
            } else {
                seg.keys.load(Ordering::Relaxed) > 0
            }
        };
        // Which databases hold keys is looked up again now and then, not per walk: a walk
        // should not cost a look at every segment of every database.
        let stale = pool
            .databases_checked
            .is_none_or(|at| at.elapsed() >= DATABASES_RECHECK);
        if stale {
            pool.databases = (0..self.dbs.len())
                .filter(|&db| {
                    self.dbs[db].populated.load(Ordering::Relaxed)
                        && (0..SEGMENTS).any(|s| eligible(db, s))
                })
                .collect();
            pool.databases_checked = Some(Instant::now());
        }
        let mut rng = rand::rng();
        let mut chosen = None;
        while chosen.is_none() && !pool.databases.is_empty() {
            let i = rng.random_range(0..pool.databases.len());
            let db = pool.databases[i];
            let start = rng.random_range(0..SEGMENTS);
            chosen = (0..SEGMENTS)
                .map(|s| (start + s) % SEGMENTS)
                .find(|&s| eligible(db, s))
                .map(|s| db * SEGMENTS + s);
            if chosen.is_none() {
                pool.databases.swap_remove(i);
            }
        }
        let Some(chosen) = chosen else {
            // Nothing anywhere: look again on the next call.
            pool.databases_checked = None;
            return false;
        };
        let (db, segment) = (chosen / SEGMENTS, chosen % SEGMENTS);
        let now_ms = self.clock.now_ms();
        let now_secs = self.now_secs(now_ms);
        let minutes = lfu_minutes(now_ms);
        let decay = self.eviction.lfu_decay_time.load(Ordering::Relaxed);
        // Under the segment's shared lock (the table may not be renewed meanwhile); the
        // pool's keys are checked again when they are evicted, under the evicting txn.
        let seg = &self.dbs[db].segments[segment];
        seg.lock.lock_shared();
        // Safety: the lock is held until after the guard and every reference are dropped.
        let guard = unsafe { self.collector() }.enter();
        // The entries are read in a second pass, each prefetched a few steps ahead: one
        // cache miss per entry is what a walk costs, and misses in flight together cost
        // little more than one.
        let entries: Vec<(&Key, &Entry)> = unsafe { seg.map() }.iter(&guard).collect();
        let mut ranked: Vec<Candidate> = Vec::with_capacity(entries.len());
        for (i, &(key, entry)) in entries.iter().enumerate() {
            if let Some((_, ahead)) = entries.get(i + PREFETCH_DISTANCE) {
                prefetch(ahead);
            }
            if policy.volatile() && entry.expires_at().is_none() {
                continue;
            }
            let rank = match policy {
                // An expired key goes first: looking it up reclaims it (as `expired`), so a
                // segment of expired keys cannot keep eviction from moving on.
                _ if entry.is_expired(now_ms) => u64::MAX,
                Policy::AllKeysLru | Policy::VolatileLru => {
                    u64::from(now_secs.saturating_sub(entry.accessed_secs()))
                }
                Policy::AllKeysLfu | Policy::VolatileLfu => {
                    255 - u64::from(lfu_decayed(entry.accessed_secs(), minutes, decay))
                }
                Policy::VolatileTtl => u64::MAX - entry.expires_at().unwrap_or(0),
                _ => rng.random(),
            };
            ranked.push(Candidate {
                rank,
                key: key.clone(),
                seen: seen(policy, entry),
            });
        }
        drop(entries);
        drop(guard);
        // Safety: taken shared above, once.
        unsafe { seg.lock.unlock_shared() };
        if ranked.is_empty() {
            // Emptied since it was chosen: another segment next.
            return true;
        }
        let samples = self.eviction.samples.load(Ordering::Relaxed);
        let keep = (ranked.len() / (2 * samples)).max(1);
        let cut = ranked.len() - keep;
        ranked.select_nth_unstable_by_key(cut, |c| c.rank);
        ranked.drain(..cut);
        ranked.sort_unstable_by_key(|c| c.rank);
        pool.db = db;
        pool.segment = segment;
        pool.candidates = ranked;
        true
    }
}

/// How many entries ahead a segment walk prefetches.
const PREFETCH_DISTANCE: usize = 8;

/// Asks the CPU to start loading `entry` (its expiry and access fields).
#[inline(always)]
fn prefetch(entry: &Entry) {
    #[cfg(target_arch = "x86_64")]
    // Safety: a prefetch has no effect beyond the cache; the address is a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((entry as *const Entry).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = entry;
}

/// What a pooled key is checked against before it goes: its access field, or for
/// `volatile-ttl` its expiry.
fn seen(policy: Policy, entry: &Entry) -> u64 {
    match policy {
        Policy::VolatileTtl => entry.expires_at().unwrap_or(0),
        _ => u64::from(entry.accessed_secs()),
    }
}

impl Pool {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.candidates.len()
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::store::Value;

    fn fill(store: &Store, keys: usize, ttl: impl Fn(usize) -> Option<u64>) {
        for i in 0..keys {
            let key = format!("key:{i}");
            let txn = store.txn(Access::Write, 0, [key.as_bytes()]);
            let value = Value::string(Bytes::from(vec![b'x'; 100]));
            txn.set(0, key.as_bytes(), value, ttl(i), Event::Set);
        }
    }

    fn exists(store: &Store, key: &str) -> bool {
        let txn = store.txn(Access::Read, 0, [key.as_bytes()]);
        txn.peek(0, key.as_bytes()).is_some()
    }

    #[test]
    fn lfu_counter_decays_and_grows_logarithmically() {
        assert_eq!(lfu_decayed(lfu_stamp(100, 10), 103, 1), 7);
        assert_eq!(lfu_decayed(lfu_stamp(100, 10), 103, 2), 9);
        assert_eq!(lfu_decayed(lfu_stamp(100, 10), 103, 0), 10);
        assert_eq!(lfu_decayed(lfu_stamp(65534, 10), 1, 1), 8);
        assert_eq!(lfu_decayed(lfu_stamp(0, 3), 500, 1), 0);
        // At the initial value every access counts; far above it almost none does.
        assert_eq!(lfu_log_incr(LFU_INIT_VAL, 10, 0.999), LFU_INIT_VAL + 1);
        assert_eq!(lfu_log_incr(100, 10, 0.01), 100);
        assert_eq!(lfu_log_incr(255, 0, 0.0), 255);
    }

    #[test]
    fn noeviction_evicts_nothing() {
        let store = Store::new(1);
        fill(&store, 10, |_| None);
        let report = store.evict(1 << 20, Duration::from_secs(1));
        assert_eq!(report.outcome, EvictOutcome::Exhausted);
        assert_eq!(store.db_info(0).keys, 10);
    }

    #[test]
    fn allkeys_policies_free_what_is_asked() {
        for policy in [
            Policy::AllKeysLru,
            Policy::AllKeysLfu,
            Policy::AllKeysRandom,
        ] {
            let store = Store::new(2);
            store.configure_eviction(policy, 5, 10, 1);
            fill(&store, 5000, |_| None);
            let report = store.evict(50_000, Duration::from_secs(10));
            assert_eq!(report.outcome, EvictOutcome::Freed, "{policy:?}");
            assert!(report.bytes >= 50_000 && report.keys > 100, "{report:?}");
            assert_eq!(store.db_info(0).keys, 5000 - report.keys);
            assert_eq!(
                store.stats.evicted_keys.load(Ordering::Relaxed),
                report.keys as u64
            );
            // Everything goes when everything is asked for.
            let all = store.evict(usize::MAX, Duration::from_secs(10));
            assert_eq!(all.outcome, EvictOutcome::Exhausted);
            assert_eq!(store.db_info(0).keys, 0);
        }
    }

    #[test]
    fn volatile_policies_evict_only_keys_with_an_expiry() {
        let far = crate::store::unix_time_ms() + 3_600_000;
        for policy in [
            Policy::VolatileLru,
            Policy::VolatileLfu,
            Policy::VolatileRandom,
            Policy::VolatileTtl,
        ] {
            let store = Store::new(1);
            store.configure_eviction(policy, 5, 10, 1);
            fill(&store, 2000, |i| (i % 2 == 0).then(|| far + i as u64));
            let report = store.evict(usize::MAX, Duration::from_secs(10));
            assert_eq!(report.outcome, EvictOutcome::Exhausted, "{policy:?}");
            assert_eq!(report.keys, 1000, "{policy:?}");
            assert!(
                (0..2000)
                    .filter(|i| i % 2 == 1)
                    .all(|i| exists(&store, &format!("key:{i}")))
            );
        }
    }

    #[test]
    fn expired_keys_are_reclaimed_and_do_not_stall_eviction() {
        let store = Store::new(1);
        store.configure_eviction(Policy::VolatileLru, 5, 10, 1);
        store.clock.set_fixed(Some(1_000_000_000_000));
        fill(&store, 300, |_| Some(1_000_000_001_000));
        store.clock.set_fixed(Some(1_000_000_002_000));
        // Every key has expired: they are reclaimed, none counts as evicted, and with
        // nothing left the call ends (it once spun on the expired segment until its
        // budget ran out, forever at tenacity 100).
        let report = store.evict(usize::MAX, Duration::MAX);
        assert_eq!(report.outcome, EvictOutcome::Exhausted);
        assert_eq!(report.keys, 0);
        assert_eq!(store.db_info(0).keys, 0);
        assert_eq!(store.stats.expired_keys.load(Ordering::Relaxed), 300);
    }

    #[test]
    fn volatile_ttl_evicts_the_nearest_expiry_first() {
        let store = Store::new(1);
        store.configure_eviction(Policy::VolatileTtl, 5, 10, 1);
        let base = crate::store::unix_time_ms() + 3_600_000;
        fill(&store, 4000, |i| Some(base + i as u64 * 1000));
        // Each key's footprint is about 300 bytes: 400 of them.
        let report = store.evict(400 * 300, Duration::from_secs(10));
        assert!(report.keys >= 300, "{report:?}");
        // Sampling per segment: the evicted keys are mostly among the earliest third.
        let early_gone = (0..1333)
            .filter(|i| !exists(&store, &format!("key:{i}")))
            .count();
        assert!(
            early_gone * 10 >= report.keys * 8,
            "{early_gone} of {report:?}"
        );
    }

    #[test]
    fn lru_spares_recently_used_keys() {
        let store = Store::new(1);
        store.configure_eviction(Policy::AllKeysLru, 5, 10, 1);
        store.clock.set_fixed(Some(1_000_000_000_000));
        fill(&store, 4000, |_| None);
        store.clock.set_fixed(Some(1_000_000_100_000));
        // The first half is read 100 s later: the second half is idle longer.
        for i in 0..2000 {
            let key = format!("key:{i}");
            let txn = store.txn(Access::Read, 0, [key.as_bytes()]);
            assert!(txn.get(0, key.as_bytes()).is_some());
        }
        let report = store.evict(500 * 300, Duration::from_secs(10));
        assert!(report.keys >= 400, "{report:?}");
        // A segment sampled more often than it has idle keys gives up a recent one.
        let recent_gone = (0..2000)
            .filter(|i| !exists(&store, &format!("key:{i}")))
            .count();
        assert!(
            recent_gone * 20 <= report.keys,
            "{recent_gone} recent keys of {report:?}"
        );
    }

    #[test]
    fn a_pooled_key_used_since_it_was_ranked_is_skipped() {
        let store = Store::new(1);
        store.configure_eviction(Policy::AllKeysLru, 64, 10, 1);
        store.clock.set_fixed(Some(1_000_000_000_000));
        fill(&store, 1, |_| None);
        let mut pool = store.evictor.lock();
        assert!(store.rank_segment(&mut pool, Policy::AllKeysLru));
        assert_eq!(pool.len(), 1);
        drop(pool);
        store.clock.set_fixed(Some(1_000_000_005_000));
        {
            let txn = store.txn(Access::Read, 0, [&b"key:0"[..]]);
            assert!(txn.get(0, b"key:0").is_some());
        }
        // The pool's only key was used: skipped; the next walk ranks it afresh.
        let mut pool = store.evictor.lock();
        let mut report = EvictReport {
            outcome: EvictOutcome::Freed,
            keys: 0,
            bytes: 0,
        };
        store.evict_pooled(&mut pool, Policy::AllKeysLru, usize::MAX, &mut report);
        assert_eq!(report.keys, 0);
        drop(pool);
        assert_eq!(store.evict(1, Duration::from_secs(1)).keys, 1);
    }
}
