//! The encoding thresholds of Redis's compact encodings (`hash-max-listpack-entries`,
//! `zset-max-listpack-value`, `set-max-intset-entries`, `list-max-listpack-size`, ...):
//! when a hash, sorted set or set converts to its big encoding, which decides what `OBJECT
//! ENCODING` reports, how HSCAN / SSCAN / ZSCAN walk it and how it is written to an RDB.
//!
//! The values are the store's settings ([`Settings`], set from the configuration). The
//! structures decide their encoding deep inside methods such as `SetValue::insert`, which
//! have no store at hand, so each thread keeps a copy of the settings of the store whose
//! txn it last opened ([`limits`]); opening a txn refreshes the copy only when the settings
//! changed since (one atomic load). Outside any txn (unit tests of a structure) the copy
//! holds Redis's defaults.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// The thresholds, with redis-server 7.0's built-in defaults in [`EncodingLimits::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingLimits {
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    /// A quicklist node's limit: negative for a byte size class (-1: 4 KB ... -5: 64 KB),
    /// positive for an element count (bounded by 8 KB).
    pub list_max_listpack_size: i64,
    /// How many quicklist nodes at each end stay uncompressed (0: none is compressed).
    pub list_compress_depth: i64,
}

impl EncodingLimits {
    pub const DEFAULT: EncodingLimits = EncodingLimits {
        hash_max_listpack_entries: 512,
        hash_max_listpack_value: 64,
        zset_max_listpack_entries: 128,
        zset_max_listpack_value: 64,
        set_max_intset_entries: 512,
        list_max_listpack_size: -2,
        list_compress_depth: 0,
    };
}

impl Default for EncodingLimits {
    fn default() -> Self {
        EncodingLimits::DEFAULT
    }
}

/// Versions are unique across stores, so a thread moving between the stores of one
/// process (tests run several servers) never mistakes one's settings for another's.
static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static CURRENT: Cell<(u64, EncodingLimits)> = const { Cell::new((0, EncodingLimits::DEFAULT)) };
}

/// A store's thresholds.
pub struct Settings {
    limits: parking_lot::Mutex<EncodingLimits>,
    version: AtomicU64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: parking_lot::Mutex::new(EncodingLimits::DEFAULT),
            version: AtomicU64::new(NEXT_VERSION.fetch_add(1, Ordering::Relaxed)),
        }
    }
}

impl Settings {
    pub fn get(&self) -> EncodingLimits {
        *self.limits.lock()
    }

    pub fn set(&self, limits: EncodingLimits) {
        let mut current = self.limits.lock();
        if *current != limits {
            *current = limits;
            // Published after the values: a thread that sees the new version reads them.
            self.version.store(
                NEXT_VERSION.fetch_add(1, Ordering::Relaxed),
                Ordering::Release,
            );
        }
    }

    /// Makes these the thresholds the calling thread's structures use (a txn opening).
    #[inline]
    pub fn enter(&self) {
        let version = self.version.load(Ordering::Acquire);
        CURRENT.with(|current| {
            if current.get().0 != version {
                current.set((version, self.get()));
            }
        });
    }
}

/// The thresholds in force on this thread (those of the store of its last txn).
pub fn limits() -> EncodingLimits {
    CURRENT.with(|current| current.get().1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_follows_the_store_it_entered() {
        let (a, b) = (Settings::default(), Settings::default());
        b.set(EncodingLimits {
            set_max_intset_entries: 3,
            ..EncodingLimits::DEFAULT
        });
        a.enter();
        assert_eq!(limits().set_max_intset_entries, 512);
        b.enter();
        assert_eq!(limits().set_max_intset_entries, 3);
        a.enter();
        assert_eq!(limits(), EncodingLimits::DEFAULT);
    }
}
