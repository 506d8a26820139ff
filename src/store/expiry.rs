//! Active expiry: reclaims expired keys that nobody reads again.
//!
//! Lazy expiry (in [`Txn`](super::Txn) lookups) hides an expired key from every command;
//! this cycle frees the memory. Like Redis's `activeExpireCycle`, each call has a time
//! budget and stops early once the keys it looks at are mostly alive, so a keyspace with
//! many long TTLs costs little, while a burst of expirations is cleaned up quickly.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Access, Event, LockPlan, SEGMENTS, Store};

/// Keep going while at least this share of the inspected volatile keys had expired (Redis's
/// `ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE`, 10%).
const ACCEPTABLE_STALE_PERCENT: usize = 10;
/// Volatile keys to inspect before the stale share is allowed to stop the cycle.
const MIN_SAMPLE: usize = 64;

/// What one cycle did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExpireCycleReport {
    pub segments_visited: usize,
    pub keys_checked: usize,
    pub keys_expired: usize,
}

impl Store {
    /// Runs one active expiry cycle of at most `budget`, resuming where the last one
    /// stopped. Segments without volatile keys are skipped without taking their lock.
    pub fn active_expire_cycle(&self, budget: Duration) -> ExpireCycleReport {
        let started = Instant::now();
        let total = self.dbs.len() * SEGMENTS;
        let mut report = ExpireCycleReport::default();
        if !self.active_expire.load(Ordering::Relaxed) {
            return report;
        }
        let mut volatile_seen = 0usize;
        for _ in 0..total {
            let slot = self.expiry_cursor.fetch_add(1, Ordering::Relaxed) % total;
            let (db, segment) = (slot / SEGMENTS, slot % SEGMENTS);
            let seg = &self.dbs[db].segments[segment];
            if seg.volatile.load(Ordering::Relaxed) == 0 {
                continue;
            }
            report.segments_visited += 1;
            let (checked, expired, ttl_sum) = self.expire_segment(db, segment);
            report.keys_checked += checked;
            report.keys_expired += expired;
            volatile_seen += checked;
            let alive = checked - expired;
            if alive > 0 {
                // Same smoothing as Redis: the estimate moves 2% toward each sample.
                let sample = ttl_sum / alive as u64;
                let avg = &self.dbs[db].avg_ttl;
                let old = avg.load(Ordering::Relaxed);
                let new = if old == 0 {
                    sample
                } else {
                    old / 50 * 49 + sample / 50
                };
                avg.store(new, Ordering::Relaxed);
            }
            if started.elapsed() >= budget {
                break;
            }
            if volatile_seen >= MIN_SAMPLE
                && report.keys_expired * 100 < volatile_seen * ACCEPTABLE_STALE_PERCENT
            {
                break;
            }
        }
        report
    }

    /// Removes the expired keys of one segment. Returns (volatile keys checked, removed,
    /// sum of remaining TTLs in ms).
    fn expire_segment(&self, db: usize, segment: usize) -> (usize, usize, u64) {
        let mut plan = LockPlan::new();
        plan.segment(db, segment, Access::Write);
        let txn = self.lock(plan);
        let now = txn.now_ms();
        let mut expired = Vec::new();
        let (mut checked, mut ttl_sum) = (0, 0u64);
        txn.for_each_raw(db, segment, |key, entry| {
            if let Some(at) = entry.expires_at() {
                checked += 1;
                if at <= now {
                    expired.push(key.clone());
                } else {
                    ttl_sum += at - now;
                }
            }
        });
        // Each removal is recorded as `expired` (the entry is past its time).
        for key in &expired {
            txn.remove(db, key, Event::Expired);
        }
        (checked, expired.len(), ttl_sum)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::store::Value;

    #[test]
    fn cycle_reclaims_expired_keys_nobody_reads() {
        let store = Store::new(2);
        let keys: Vec<Vec<u8>> = (0..1000).map(|i| format!("k{i}").into_bytes()).collect();
        {
            let txn = store.txn(Access::Write, 1, keys.iter().map(|k| k.as_slice()));
            let past = txn.now_ms() - 1;
            for (i, k) in keys.iter().enumerate() {
                let expiry = if i % 2 == 0 {
                    Some(past)
                } else {
                    Some(past + 3_600_000)
                };
                txn.set(
                    1,
                    k,
                    Value::string(Bytes::from_static(b"v")),
                    expiry,
                    crate::store::Event::Set,
                );
            }
        }
        assert_eq!(store.db_info(1).keys, 1000);
        let mut expired = 0;
        for _ in 0..100 {
            expired += store
                .active_expire_cycle(Duration::from_secs(1))
                .keys_expired;
            if expired == 500 {
                break;
            }
        }
        assert_eq!(expired, 500);
        let info = store.db_info(1);
        assert_eq!((info.keys, info.expires), (500, 500));
        assert!(
            info.avg_ttl > 3_000_000 && info.avg_ttl <= 3_600_000,
            "{info:?}"
        );
        assert_eq!(store.stats.expired_keys.load(Ordering::Relaxed), 500);
    }

    #[test]
    fn cycle_without_volatile_keys_does_nothing() {
        let store = Store::new(1);
        let report = store.active_expire_cycle(Duration::from_millis(10));
        assert_eq!(report, ExpireCycleReport::default());
    }
}
