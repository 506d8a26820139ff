//! Statistics the execution path keeps, once for both front ends: per command (`INFO
//! commandstats`: calls, microseconds, rejected and failed calls; their sum is
//! `total_commands_processed`) and per error code (`INFO errorstats`,
//! `total_error_replies`). With `latency-tracking` on, each command also keeps a histogram
//! of its durations in power-of-two buckets, the ones `LATENCY HISTOGRAM` reports (Redis
//! keeps an HDR histogram and reports it through a log-2 iterator from 1024 ns: the same
//! bucket bounds).
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

/// Latency buckets per command: bucket `k` holds durations up to
/// [`bucket_upper_ns`]`(k)`, the last one everything longer.
pub const LATENCY_BUCKETS: usize = 32;

/// The upper bound of latency bucket `k` in nanoseconds: the highest value an HDR
/// histogram with 2 significant digits files under 1024·2^k ns (1031, 2063, 4127, ...).
pub fn bucket_upper_ns(k: usize) -> u64 {
    (1032u64 << k) - 1
}

/// The bucket of a duration of `usec` microseconds.
fn latency_bucket(usec: u64) -> usize {
    let q = usec.saturating_mul(1000) / 1032;
    ((64 - q.leading_zeros()) as usize).min(LATENCY_BUCKETS - 1)
}

/// One command's counters.
#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    usec: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    latency: [AtomicU64; LATENCY_BUCKETS],
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
    latency_baseline: Mutex<Vec<[u64; LATENCY_BUCKETS]>>,
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
            latency_baseline: Mutex::new(vec![[0; LATENCY_BUCKETS]; commands]),
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
    /// error.
    pub fn called(&self, id: usize, usec: u64, failed: bool) {
        let track = self.track_latency.load(Ordering::Relaxed);
        self.with_counters(id, |c| {
            bump(&c.calls, 1);
            bump(&c.usec, usec);
            if failed {
                bump(&c.failed, 1);
            }
            if track {
                bump(&c.latency[latency_bucket(usec)], 1);
            }
        });
    }

    /// `latency-tracking yes|no`.
    pub fn set_latency_tracking(&self, on: bool) {
        self.track_latency.store(on, Ordering::Relaxed);
    }

    /// Command `id`'s latency histogram since the last reset: calls per bucket.
    pub fn latency_histogram(&self, id: usize) -> [u64; LATENCY_BUCKETS] {
        let mut total = [0u64; LATENCY_BUCKETS];
        for shard in self.shards.lock().iter() {
            for (t, b) in total.iter_mut().zip(shard[id].latency.iter()) {
                *t += b.load(Ordering::Relaxed);
            }
        }
        let base = self.latency_baseline.lock()[id];
        for (t, b) in total.iter_mut().zip(base) {
            *t = t.saturating_sub(b);
        }
        total
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
        let mut latency = vec![[0u64; LATENCY_BUCKETS]; self.commands];
        for shard in self.shards.lock().iter() {
            for (total, c) in latency.iter_mut().zip(shard.iter()) {
                for (t, b) in total.iter_mut().zip(c.latency.iter()) {
                    *t += b.load(Ordering::Relaxed);
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
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(1), 0);
        assert_eq!(latency_bucket(2), 1);
        assert_eq!(latency_bucket(3), 2);
        assert_eq!(latency_bucket(33), 5);
        assert_eq!(latency_bucket(34), 6);
        let labels: Vec<u64> = (0..7).map(|k| bucket_upper_ns(k) / 1000).collect();
        assert_eq!(labels, vec![1, 2, 4, 8, 16, 33, 66]);
        assert_eq!(latency_bucket(u64::MAX), LATENCY_BUCKETS - 1);
    }

    #[test]
    fn counts_sum_over_threads_and_reset_to_a_baseline() {
        let stats = Arc::new(CommandStats::new(3));
        stats.called(1, 10, false);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let stats = stats.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        stats.called(1, 2, false);
                    }
                    stats.called(2, 1, true);
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
        stats.called(1, 3, false);
        assert_eq!(stats.get(1).calls, 1);
        assert_eq!(stats.latency_histogram(1).iter().sum::<u64>(), 1);
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
