//! Time for the store and the execution path: the Unix time commands run at, and a tick
//! counter for measuring durations.
//!
//! Both come from the CPU's time-stamp counter (through `quanta`, which falls back to the
//! monotonic clock where the counter is unusable). Every command that touches keys needs
//! the current Unix time and every command is timed; reading the system clock for each
//! cost about as much as the rest of a `PING`. Unix time is extrapolated from a per-thread
//! anchor (a system clock reading and the counter at that moment) that is renewed every
//! [`RESYNC_NS`], so a slewed or stepped system clock is followed within that interval and
//! the extrapolation error stays in microseconds.

use std::cell::Cell;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The tick counter (calibrated against the monotonic clock at its first use).
static COUNTER: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

/// How long a thread extrapolates Unix time before reading the system clock again.
const RESYNC_NS: u64 = 10_000_000;

/// A system clock reading and the tick count at that moment.
#[derive(Clone, Copy)]
struct Anchor {
    ticks: u64,
    unix_us: u64,
}

thread_local! {
    static ANCHOR: Cell<Option<Anchor>> = const { Cell::new(None) };
}

/// A moment, as a tick count: what a command measures its duration from and reads its
/// Unix time at, from one counter read.
#[derive(Debug, Clone, Copy)]
pub struct Moment(u64);

impl Moment {
    /// Now.
    #[inline]
    pub fn now() -> Moment {
        Moment(COUNTER.raw())
    }

    /// Microseconds from this moment until now.
    #[inline]
    pub fn elapsed_us(self) -> u64 {
        COUNTER.delta_as_nanos(self.0, COUNTER.raw()) / 1000
    }

    /// This moment in Unix microseconds.
    pub fn unix_us(self) -> u64 {
        ANCHOR.with(|anchor| {
            if let Some(a) = anchor.get() {
                // A thread that moved to a core whose counter lags would read a zero delta.
                let ns = COUNTER.delta_as_nanos(a.ticks, self.0);
                if self.0 >= a.ticks && ns < RESYNC_NS {
                    return a.unix_us + ns / 1000;
                }
            }
            let unix_us = system_unix_us();
            anchor.set(Some(Anchor {
                ticks: self.0,
                unix_us,
            }));
            unix_us
        })
    }

    /// This moment in Unix milliseconds.
    pub fn unix_ms(self) -> u64 {
        self.unix_us() / 1000
    }
}

/// Calibrates the tick counter now rather than during the first command (it takes
/// milliseconds).
pub fn calibrate() {
    LazyLock::force(&COUNTER);
}

/// Current Unix time in microseconds.
pub fn unix_time_us() -> u64 {
    Moment::now().unix_us()
}

/// Current Unix time in milliseconds.
pub fn unix_time_ms() -> u64 {
    unix_time_us() / 1000
}

/// The system clock, read directly.
fn system_unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The time commands run at: the system clock, or a fixed time set by tests.
#[derive(Debug, Default)]
pub struct Clock {
    /// Unix milliseconds; 0 follows the system clock.
    fixed_ms: AtomicU64,
}

impl Clock {
    /// The current time in Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.at_ms(Moment::now())
    }

    /// The time at `moment` in Unix milliseconds (the fixed time, when one is set).
    pub fn at_ms(&self, moment: Moment) -> u64 {
        self.fixed().unwrap_or_else(|| moment.unix_ms())
    }

    /// The fixed time, when one is set.
    pub fn fixed(&self) -> Option<u64> {
        match self.fixed_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(ms),
        }
    }

    /// Fixes the clock at `ms` (Unix milliseconds), or lets it follow the system clock again.
    pub fn set_fixed(&self, ms: Option<u64>) {
        self.fixed_ms.store(
            ms.unwrap_or(0).max(u64::from(ms.is_some())),
            Ordering::Relaxed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_follows_the_system_clock() {
        for _ in 0..50 {
            let before = system_unix_us();
            let ours = unix_time_us();
            let after = system_unix_us();
            // Extrapolation may be off by a few microseconds either way.
            assert!(ours + 1_000 >= before, "{ours} is behind {before}");
            assert!(ours <= after + 1_000, "{ours} is ahead of {after}");
            std::thread::sleep(std::time::Duration::from_micros(700));
        }
    }

    #[test]
    fn unix_time_is_renewed_after_the_resync_interval() {
        let first = unix_time_us();
        std::thread::sleep(std::time::Duration::from_nanos(RESYNC_NS * 2));
        let anchor = ANCHOR.with(Cell::get).expect("anchored");
        let later = unix_time_us();
        let renewed = ANCHOR.with(Cell::get).expect("anchored");
        assert!(renewed.ticks > anchor.ticks);
        assert!(later >= first + RESYNC_NS / 1000 * 2 - 1_000);
    }

    #[test]
    fn elapsed_measures_microseconds() {
        let start = Moment::now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let us = start.elapsed_us();
        assert!((19_000..2_000_000).contains(&us), "{us}");
    }
}
