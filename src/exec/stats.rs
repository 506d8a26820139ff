//! Statistics the execution path keeps, once for both front ends: per command (`INFO
//! commandstats`: calls, microseconds, rejected and failed calls; their sum is
//! `total_commands_processed`) and per error code (`INFO errorstats`,
//! `total_error_replies`). With `latency-tracking` on, each command also keeps a histogram
//! of its durations laid out as Redis's HDR histogram (1 ns to 1 s, 2 significant digits,
//! [`hdr`]): `INFO latencystats` reads its percentiles, `LATENCY HISTOGRAM` its log-2
//! buckets from 1024 ns, as Redis reads them. A thread allocates a command's histogram
//! (24 KiB) the first time it runs that command with tracking on, as Redis allocates one
//! per command on its first call.
//!
//! Command counters are per thread: each thread that runs commands owns a shard and bumps
//! it with plain stores, so the hot path pays no atomic read-modify-write and no cache
//! line moves between cores; a reader sums the shards. `CONFIG RESETSTAT` does not write
//! into other threads' shards (that could lose a concurrent update): it records the
//! current sums as a baseline that later readings subtract.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use smallvec::SmallVec;

use crate::error::Error;

/// The log-2 buckets `LATENCY HISTOGRAM` reports: bucket `k` holds durations up to
/// [`bucket_upper_ns`]`(k)` (durations are clamped to 1 s, as Redis clamps them).
pub const LATENCY_BUCKETS: usize = 21;

/// The upper bound of latency bucket `k` in nanoseconds: the highest value an HDR
/// histogram with 2 significant digits files under 1024·2^k ns (1031, 2063, 4127, ...).
pub fn bucket_upper_ns(k: usize) -> u64 {
    (1032u64 << k) - 1
}

/// The log-2 bucket of a duration of `ns` nanoseconds (bucket bounds fall on HDR bucket
/// bounds, so a whole HDR bucket files under one of them).
fn log_bucket(ns: u64) -> usize {
    ((64 - (ns / 1032).leading_zeros()) as usize).min(LATENCY_BUCKETS - 1)
}

/// Redis's command latency histogram (`hdr_init(1, 1000000000, 2)` in
/// deps/hdr_histogram): 256 sub-buckets per power of two above 256 ns, 3072 counts.
pub mod hdr {
    /// Lowest and highest value, in nanoseconds (Redis clamps durations to them).
    pub const MIN: u64 = 1;
    pub const MAX: u64 = 1_000_000_000;
    const HALF_MAGNITUDE: u32 = 7;
    const HALF: usize = 1 << HALF_MAGNITUDE;
    const SUB_BUCKETS: u64 = 256;
    /// Counts: (buckets + 1) · half the sub-buckets, 23 buckets reaching past 1 s.
    pub const LEN: usize = 24 * HALF;

    fn bucket_of(value: u64) -> u32 {
        (64 - (value | (SUB_BUCKETS - 1)).leading_zeros()) - (HALF_MAGNITUDE + 1)
    }

    /// The count index of `ns` (`counts_index_for`), clamped to the histogram's range.
    pub fn index(ns: u64) -> usize {
        let value = ns.clamp(MIN, MAX);
        let bucket = bucket_of(value);
        let sub = (value >> bucket) as usize;
        ((bucket as usize + 1) << HALF_MAGNITUDE) + sub - HALF
    }

    /// The lowest value counted at `index` (`hdr_value_at_index`).
    pub fn value_at(index: usize) -> u64 {
        let (bucket, sub) = match (index >> HALF_MAGNITUDE).checked_sub(1) {
            Some(bucket) => (bucket, (index & (HALF - 1)) + HALF),
            None => (0, index & (HALF - 1)),
        };
        (sub as u64) << bucket
    }

    /// The highest value equivalent to `value` (`highest_equivalent_value`).
    pub fn highest_equivalent(value: u64) -> u64 {
        let bucket = bucket_of(value);
        let sub = value >> bucket;
        let size_bucket = if sub >= SUB_BUCKETS {
            bucket + 1
        } else {
            bucket
        };
        (sub << bucket) + (1u64 << size_bucket) - 1
    }

    /// `hdr_value_at_percentile`: the highest value equivalent to the one at which the
    /// cumulative count reaches `percentile` of the total (the lowest for 0); 0 when empty.
    pub fn value_at_percentile(counts: &[u64], percentile: f64) -> u64 {
        let total: u64 = counts.iter().sum();
        let wanted = ((percentile.min(100.0) / 100.0) * total as f64 + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut cumulative = 0;
        let Some(index) = counts.iter().position(|n| {
            cumulative += n;
            cumulative >= wanted
        }) else {
            return 0;
        };
        let value = value_at(index);
        if percentile == 0.0 {
            // The lowest equivalent value: the bucket's own start.
            return value;
        }
        highest_equivalent(value)
    }
}

/// One command's latency counts, as [`hdr`] lays them out.
type Histogram = Box<[AtomicU64]>;

fn new_histogram() -> Histogram {
    (0..hdr::LEN).map(|_| AtomicU64::new(0)).collect()
}

/// One command's counters.
#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    usec: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    /// Set by the owning thread on its first tracked call of the command.
    latency: std::sync::OnceLock<Histogram>,
}

/// A snapshot of one command's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandCounts {
    pub calls: u64,
    pub usec: u64,
    pub rejected: u64,
    pub failed: u64,
}

impl CommandCounts {
    fn minus(self, base: CommandCounts) -> CommandCounts {
        CommandCounts {
            calls: self.calls.saturating_sub(base.calls),
            usec: self.usec.saturating_sub(base.usec),
            rejected: self.rejected.saturating_sub(base.rejected),
            failed: self.failed.saturating_sub(base.failed),
        }
    }
}

type Shard = Box<[Counters]>;

/// Per-command statistics of one server.
pub struct CommandStats {
    /// Distinguishes this server's shards in the threads' registries (tests run many
    /// servers in one process).
    instance: u64,
    commands: usize,
    shards: Mutex<Vec<Arc<Shard>>>,
    baseline: Mutex<Vec<CommandCounts>>,
    /// Each command's latency counts at the last reset (none before one).
    latency_baseline: Mutex<Vec<Option<Vec<u64>>>>,
    /// `latency-tracking`.
    track_latency: std::sync::atomic::AtomicBool,
}

static INSTANCES: AtomicU64 = AtomicU64::new(0);

/// A thread's shards, by server instance.
type LocalShards = SmallVec<[(u64, Arc<Shard>); 1]>;

thread_local! {
    /// This thread's shard of each server's statistics.
    static LOCAL: RefCell<LocalShards> = RefCell::default();
}

/// Adds `n` to a counter only this thread writes.
fn bump(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

impl CommandStats {
    /// Statistics for `commands` commands (route ids `0..commands`).
    pub fn new(commands: usize) -> CommandStats {
        CommandStats {
            instance: INSTANCES.fetch_add(1, Ordering::Relaxed),
            commands,
            shards: Mutex::new(Vec::new()),
            baseline: Mutex::new(vec![CommandCounts::default(); commands]),
            latency_baseline: Mutex::new(vec![None; commands]),
            track_latency: std::sync::atomic::AtomicBool::new(true),
        }
    }

    fn with_counters(&self, id: usize, f: impl FnOnce(&Counters)) {
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            if let Some((_, shard)) = local.iter().find(|(i, _)| *i == self.instance) {
                return f(&shard[id]);
            }
            let shard: Arc<Shard> =
                Arc::new((0..self.commands).map(|_| Counters::default()).collect());
            self.shards.lock().push(shard.clone());
            f(&shard[id]);
            // Forget the shards of servers that are gone (tests start many).
            local.retain(|(_, s)| Arc::strong_count(s) > 1);
            local.push((self.instance, shard));
        });
    }

    /// A call of command `id` that took `usec` microseconds; `failed` when it answered an
    /// error. A call that blocked goes in its histogram when it is served
    /// ([`CommandStats::unblocked`]), as in Redis.
    pub fn called(&self, id: usize, usec: u64, failed: bool, blocked: bool) {
        let track = !blocked && self.track_latency.load(Ordering::Relaxed);
        self.with_counters(id, |c| {
            bump(&c.calls, 1);
            bump(&c.usec, usec);
            if failed {
                bump(&c.failed, 1);
            }
            if track {
                // Redis records microseconds × 1000 (its duration's resolution).
                let histogram = c.latency.get_or_init(new_histogram);
                bump(&histogram[hdr::index(usec.saturating_mul(1000))], 1);
            }
        });
    }

    /// `latency-tracking yes|no`.
    pub fn set_latency_tracking(&self, on: bool) {
        self.track_latency.store(on, Ordering::Relaxed);
    }

    /// Command `id`'s latency counts since the last reset, as [`hdr`] lays them out;
    /// `None` when it has none (no tracked call since the start or the last reset).
    pub fn latency_counts(&self, id: usize) -> Option<Vec<u64>> {
        let mut total: Option<Vec<u64>> = None;
        for shard in self.shards.lock().iter() {
            if let Some(histogram) = shard[id].latency.get() {
                let total = total.get_or_insert_with(|| vec![0; hdr::LEN]);
                for (t, n) in total.iter_mut().zip(histogram.iter()) {
                    *t += n.load(Ordering::Relaxed);
                }
            }
        }
        let mut total = total?;
        if let Some(base) = &self.latency_baseline.lock()[id] {
            for (t, b) in total.iter_mut().zip(base) {
                *t = t.saturating_sub(*b);
            }
        }
        total.iter().any(|&n| n > 0).then_some(total)
    }

    /// Command `id`'s `LATENCY HISTOGRAM` buckets since the last reset: calls per log-2
    /// bucket (Redis's `hdr_iter_log_init(.., 1024, 2)` walk).
    pub fn latency_histogram(&self, id: usize) -> [u64; LATENCY_BUCKETS] {
        let mut buckets = [0u64; LATENCY_BUCKETS];
        for (index, n) in self
            .latency_counts(id)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if *n > 0 {
                buckets[log_bucket(hdr::value_at(index))] += n;
            }
        }
        buckets
    }

    /// Command `id`'s latency at each of `percentiles`, in nanoseconds (`INFO
    /// latencystats`); `None` when it has no counts.
    pub fn latency_percentiles(&self, id: usize, percentiles: &[f64]) -> Option<Vec<u64>> {
        let counts = self.latency_counts(id)?;
        Some(
            percentiles
                .iter()
                .map(|&p| hdr::value_at_percentile(&counts, p))
                .collect(),
        )
    }

    /// A call of command `id` that blocked, served after `usec` more microseconds (Redis's
    /// `updateStatsOnUnblock`: the time adds to the command's, its histogram records it).
    pub fn unblocked(&self, id: usize, usec: u64) {
        let track = self.track_latency.load(Ordering::Relaxed);
        self.with_counters(id, |c| {
            bump(&c.usec, usec);
            if track {
                let histogram = c.latency.get_or_init(new_histogram);
                bump(&histogram[hdr::index(usec.saturating_mul(1000))], 1);
            }
        });
    }

    /// A call of command `id`, counted when it blocked, that ended in an error later.
    pub fn failed_later(&self, id: usize) {
        self.with_counters(id, |c| bump(&c.failed, 1));
    }

    /// A call of command `id` refused before it ran (wrong arity, not allowed in MULTI).
    pub fn rejected(&self, id: usize) {
        self.with_counters(id, |c| bump(&c.rejected, 1));
    }

    /// Every command's counters, summed over the shards, since the start.
    fn raw(&self) -> Vec<CommandCounts> {
        let mut totals = vec![CommandCounts::default(); self.commands];
        for shard in self.shards.lock().iter() {
            for (total, c) in totals.iter_mut().zip(shard.iter()) {
                total.calls += c.calls.load(Ordering::Relaxed);
                total.usec += c.usec.load(Ordering::Relaxed);
                total.rejected += c.rejected.load(Ordering::Relaxed);
                total.failed += c.failed.load(Ordering::Relaxed);
            }
        }
        totals
    }

    /// Every command's counters since the last reset, indexed by route id.
    pub fn all(&self) -> Vec<CommandCounts> {
        let baseline = self.baseline.lock();
        self.raw()
            .into_iter()
            .zip(baseline.iter())
            .map(|(now, base)| now.minus(*base))
            .collect()
    }

    /// The counters of command `id` since the last reset.
    pub fn get(&self, id: usize) -> CommandCounts {
        self.all()[id]
    }

    /// Every command's calls since the last reset: `total_commands_processed`.
    pub fn total_calls(&self) -> u64 {
        self.all().iter().map(|c| c.calls).sum()
    }

    /// `CONFIG RESETSTAT`.
    pub fn reset(&self) {
        let now = self.raw();
        *self.baseline.lock() = now;
        let mut latency: Vec<Option<Vec<u64>>> = vec![None; self.commands];
        for shard in self.shards.lock().iter() {
            for (total, c) in latency.iter_mut().zip(shard.iter()) {
                if let Some(histogram) = c.latency.get() {
                    let total = total.get_or_insert_with(|| vec![0; hdr::LEN]);
                    for (t, n) in total.iter_mut().zip(histogram.iter()) {
                        *t += n.load(Ordering::Relaxed);
                    }
                }
            }
        }
        *self.latency_baseline.lock() = latency;
    }
}

/// Error replies by code.
#[derive(Debug, Default)]
pub struct ErrorStats {
    total: AtomicU64,
    by_code: Mutex<BTreeMap<String, u64>>,
}

impl ErrorStats {
    /// Counts an error reply sent to a client.
    pub fn count(&self, error: &Error) {
        if matches!(error, Error::Counted(_)) {
            return;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        let message = error.message();
        *self
            .by_code
            .lock()
            .entry(error_code(&message).to_owned())
            .or_default() += 1;
    }

    /// `total_error_replies`.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// `errorstat_<code>:count=<n>` lines, by code.
    pub fn by_code(&self) -> Vec<(String, u64)> {
        self.by_code
            .lock()
            .iter()
            .map(|(code, n)| (code.clone(), *n))
            .collect()
    }

    pub fn reset(&self) {
        self.total.store(0, Ordering::Relaxed);
        self.by_code.lock().clear();
    }
}

/// The code Redis files an error under: its first word when a space follows within 32
/// bytes, else `ERR` (`afterErrorReply`).
fn error_code(message: &str) -> &str {
    let window = &message.as_bytes()[..message.len().min(32)];
    match window.iter().position(|&b| b == b' ') {
        Some(end) => &message[..end],
        None => "ERR",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_follow_redis_bounds() {
        let bucket = |usec: u64| log_bucket(hdr::value_at(hdr::index(usec * 1000)));
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 0);
        assert_eq!(bucket(2), 1);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(33), 5);
        assert_eq!(bucket(34), 6);
        let labels: Vec<u64> = (0..7).map(|k| bucket_upper_ns(k) / 1000).collect();
        assert_eq!(labels, vec![1, 2, 4, 8, 16, 33, 66]);
        // Clamped to 1 s: the last bucket is the one of 1 s.
        assert_eq!(bucket(u64::MAX / 1000), LATENCY_BUCKETS - 1);
        assert_eq!(bucket(1_000_000), LATENCY_BUCKETS - 1);
        assert_eq!(bucket_upper_ns(LATENCY_BUCKETS - 1) / 1000, 1_082_130);
    }

    /// Values from hdr_histogram.c's arithmetic for (1, 1e9, 2 digits).
    #[test]
    fn hdr_layout_matches_redis() {
        assert_eq!(hdr::index(1), 1);
        assert_eq!(hdr::index(255), 255);
        assert_eq!(hdr::index(256), 256);
        assert_eq!(hdr::index(1000), (3 << 7) + (1000 >> 2) - 128);
        assert_eq!(hdr::value_at(hdr::index(1000)), 1000);
        assert_eq!(hdr::highest_equivalent(1000), 1003);
        assert_eq!(hdr::highest_equivalent(2000), 2007);
        assert_eq!(hdr::highest_equivalent(3000), 3007);
        assert_eq!(hdr::highest_equivalent(1_000_000_000), 1_002_438_655);
        assert!(hdr::index(u64::MAX) < hdr::LEN);
        let mut counts = vec![0u64; hdr::LEN];
        counts[hdr::index(1000)] = 98;
        counts[hdr::index(2000)] = 1;
        counts[hdr::index(3000)] = 1;
        let at = |p| hdr::value_at_percentile(&counts, p);
        assert_eq!(
            (at(50.0), at(99.0), at(99.9), at(100.0)),
            (1003, 2007, 3007, 3007)
        );
        assert_eq!(at(0.0), 1000);
        assert_eq!(hdr::value_at_percentile(&vec![0; hdr::LEN], 50.0), 0);
    }

    #[test]
    fn counts_sum_over_threads_and_reset_to_a_baseline() {
        let stats = Arc::new(CommandStats::new(3));
        stats.called(1, 10, false, false);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let stats = stats.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        stats.called(1, 2, false, false);
                    }
                    stats.called(2, 1, true, false);
                    stats.rejected(2);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(
            stats.get(1),
            CommandCounts {
                calls: 4001,
                usec: 8010,
                rejected: 0,
                failed: 0
            }
        );
        assert_eq!((stats.get(2).failed, stats.get(2).rejected), (4, 4));
        assert_eq!(stats.total_calls(), 4005);
        stats.reset();
        assert_eq!(stats.get(1), CommandCounts::default());
        stats.called(1, 3, false, false);
        assert_eq!(stats.get(1).calls, 1);
        assert_eq!(stats.latency_histogram(1).iter().sum::<u64>(), 1);
        assert_eq!(stats.latency_percentiles(1, &[50.0]), Some(vec![3007]));
        assert_eq!(stats.latency_percentiles(2, &[50.0]), None);
        assert_eq!(stats.total_calls(), 1);
    }

    #[test]
    fn error_codes_follow_redis() {
        assert_eq!(error_code("ERR syntax error"), "ERR");
        assert_eq!(error_code("WRONGTYPE Operation against a key"), "WRONGTYPE");
        assert_eq!(error_code("EXECABORT Transaction discarded"), "EXECABORT");
        assert_eq!(error_code("NOSPACEINTHISVERYLONGERRORCODEXXXX y"), "ERR");
        assert_eq!(error_code("NOSPACE"), "ERR");
        let errors = ErrorStats::default();
        errors.count(&Error::WrongType);
        errors.count(&Error::Syntax);
        errors.count(&Error::WrongType);
        assert_eq!(errors.total(), 3);
        assert_eq!(
            errors.by_code(),
            vec![("ERR".to_string(), 1), ("WRONGTYPE".to_string(), 2)]
        );
    }
}
