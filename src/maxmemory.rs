//! `maxmemory`: the memory limit, checked before every command of either front end as
//! Redis's `processCommand` checks it (`performEvictions`).
//!
//! Used memory is what the process has allocated ([`crate::memory`]). Over the limit,
//! keys are evicted by `maxmemory-policy` ([`Store::evict`]) for at most the time
//! `maxmemory-eviction-tenacity` allows per command; when that runs out first, a
//! background task goes on evicting while commands are served, as Redis's
//! `evictionTimeProc`. When nothing may be evicted (`noeviction`, or no key the policy
//! allows), the execution path refuses the commands Redis flags `denyoom` with
//! [`OOM_ERROR`], and every command but `EXEC`, `DISCARD`, `QUIT` and `RESET` inside
//! `MULTI`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::state::ServerState;
use crate::store::{EvictOutcome, Store};

/// Redis's `shared.oomerr`.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// Where memory stands after a check (Redis's `EVICT_OK`, `EVICT_RUNNING`, `EVICT_FAIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryState {
    /// Within the limit (or no limit).
    Within,
    /// Over it, and eviction goes on in the background.
    Evicting,
    /// Over it, with nothing more to evict: `denyoom` commands are refused.
    OutOfMemory,
}

/// The limit and its background evictor.
#[derive(Default)]
pub struct MemoryLimit {
    maxmemory: AtomicU64,
    tenacity: AtomicU64,
    background_running: AtomicBool,
    wake_background: Notify,
}

impl MemoryLimit {
    /// Applies `maxmemory` and `maxmemory-eviction-tenacity`.
    pub fn configure(&self, maxmemory: u64, tenacity: u64) {
        self.maxmemory.store(maxmemory, Ordering::Relaxed);
        self.tenacity.store(tenacity.min(100), Ordering::Relaxed);
    }

    /// The limit in bytes; 0 when there is none.
    pub fn limit(&self) -> u64 {
        self.maxmemory.load(Ordering::Relaxed)
    }

    /// Redis's `evictionTimeLimitUs`: 50 us per step up to tenacity 10, then 15% more per
    /// step, unlimited at 100.
    fn budget(&self) -> Duration {
        let tenacity = self.tenacity.load(Ordering::Relaxed);
        match tenacity {
            0..=10 => Duration::from_micros(50 * tenacity),
            11..=99 => Duration::from_micros((500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64),
            _ => Duration::MAX,
        }
    }

    /// Brings used memory under the limit if it is over (Redis's `performEvictions`).
    /// Must not be called while this thread holds a txn.
    pub fn enforce(&self, store: &Store) -> MemoryState {
        let state = self.evict_round(store, Duration::ZERO);
        if state == MemoryState::Evicting && !self.background_running.swap(true, Ordering::AcqRel) {
            self.wake_background.notify_one();
        }
        state
    }

    /// One round of eviction of at least `min_budget` (and the tenacity's budget).
    fn evict_round(&self, store: &Store, min_budget: Duration) -> MemoryState {
        let limit = self.limit();
        let used = crate::memory::allocated() as u64;
        if limit == 0 || used <= limit {
            return MemoryState::Within;
        }
        let budget = self.budget().max(min_budget);
        // A little more than the excess (a thousandth of the limit): the next commands find
        // memory under it and evict nothing, and one eviction's locking and bookkeeping
        // serve many keys (Redis frees exactly the excess, at a lower cost per key).
        let excess = used - limit + (limit / 1024).min(1 << 20);
        match store.evict(excess as usize, budget).outcome {
            EvictOutcome::Freed => MemoryState::Within,
            EvictOutcome::TimedOut => MemoryState::Evicting,
            EvictOutcome::Exhausted => MemoryState::OutOfMemory,
        }
    }
}

/// Goes on evicting, a time budget at a time, whenever a command's eviction ran out of
/// time before memory was under the limit (Redis's `evictionTimeProc`).
pub async fn background(server: Arc<ServerState>) {
    loop {
        tokio::select! {
            _ = server.shutdown.cancelled() => return,
            _ = server.memory.wake_background.notified() => {}
        }
        loop {
            let state = server
                .memory
                .evict_round(&server.store, Duration::from_micros(500));
            if state != MemoryState::Evicting || server.shutdown.is_cancelled() {
                break;
            }
            // Serve the clients between rounds, as Redis's time event returns to its loop.
            tokio::task::yield_now().await;
        }
        server
            .memory
            .background_running
            .store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenacity_budgets_follow_redis() {
        let limit = MemoryLimit::default();
        let budget = |tenacity| {
            limit.configure(1, tenacity);
            limit.budget()
        };
        assert_eq!(budget(0), Duration::ZERO);
        assert_eq!(budget(10), Duration::from_micros(500));
        assert_eq!(budget(11), Duration::from_micros(575));
        assert!(budget(99) > Duration::from_secs(60));
        assert_eq!(budget(100), Duration::MAX);
    }

    #[test]
    fn no_limit_is_always_within() {
        let limit = MemoryLimit::default();
        assert_eq!(limit.enforce(&Store::new(1)), MemoryState::Within);
    }
}
