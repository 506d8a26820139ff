//! Run settings: environment variables and the fixed shape of a run.

use std::time::Duration;

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/// Commands per batch; each batch ends with a `PING <nonce>` sentinel.
pub(crate) const BATCH: usize = 100;
const DEFAULT_ITERS: u64 = 40_000;
const DEFAULT_SEED: u64 = 0x6d65_6d6f_7269_6131;
/// Every this many batches a worker restores the pre-populated keys (and fresh victims).
pub(crate) const RESEED_EVERY: u64 = 8;
/// Every this many batches a worker QUITs and reconnects, picking RESP2 or RESP3 anew.
pub(crate) const RECONNECT_EVERY: u64 = 12;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    pub(crate) iters: u64,
    pub(crate) seed: u64,
    pub(crate) workers: usize,
    pub(crate) max_failures: usize,
    pub(crate) batch_limit: Duration,
}

pub(crate) fn env_u64(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let text = raw.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    Some(parsed.unwrap_or_else(|| panic!("{name}={raw:?} is not a number")))
}

pub(crate) fn settings() -> Settings {
    Settings {
        iters: env_u64("MEMO_FUZZ_ITERS").unwrap_or(DEFAULT_ITERS),
        seed: env_u64("MEMO_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        workers: env_u64("MEMO_FUZZ_WORKERS").unwrap_or(2).max(1) as usize,
        max_failures: env_u64("MEMO_FUZZ_MAX_FAILURES").unwrap_or(5).max(1) as usize,
        batch_limit: Duration::from_secs(env_u64("MEMO_FUZZ_BATCH_SECS").unwrap_or(60)),
    }
}
