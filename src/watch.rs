//! Keys watched by clients (`WATCH`), and which clients' next `EXEC` must fail because a
//! key they watch changed.
//!
//! The registry is fed by the write-effect record (see [`crate::store::effects`]): every
//! txn that changes a key reports it before releasing its locks, so a change is seen by
//! the registry before any `EXEC` can lock the key and check. `EXEC` locks every key its
//! client watches (for reading), then asks [`Watches::exec_allowed`].
//!
//! Semantics are Redis 7.0's (`multi.c`): a watched key that changes in any way (written,
//! even with an equal value; deleted; expired and reclaimed; created when it was absent)
//! marks the client dirty. A key that was already expired when it was watched is
//! "logically absent": its reclamation is no change (the flag is cleared), and `EXEC` only
//! fails for keys that expire after `WATCH`. `FLUSHDB`/`FLUSHALL` dirty the watchers of
//! keys that existed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::store::Txn;

/// What a watched key was when `WATCH` saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// No such key.
    Absent,
    /// A live key.
    Live,
    /// A key past its expiry, not yet reclaimed (Redis's `wk->expired`).
    Expired,
}

impl Seen {
    /// How `key` of `db` looks to `WATCH` in `txn`, touching nothing.
    pub fn of(txn: &Txn<'_>, db: usize, key: &[u8]) -> Seen {
        match txn.raw(db, key) {
            None => Seen::Absent,
            Some(entry) if entry.is_expired(txn.now_ms()) => Seen::Expired,
            Some(_) => Seen::Live,
        }
    }
}

#[derive(Debug, Clone)]
struct Watched {
    db: usize,
    key: Bytes,
    seen: Seen,
}

#[derive(Debug, Default)]
struct ClientWatches {
    dirty: bool,
    keys: Vec<Watched>,
}

#[derive(Default)]
struct Registry {
    /// Watching client ids per (database, key).
    by_key: HashMap<(usize, Bytes), Vec<u64>>,
    clients: HashMap<u64, ClientWatches>,
}

/// The registry (one per server).
#[derive(Default)]
pub struct Watches {
    /// Clients watching something: changes skip the registry with one load when none is.
    watching: AtomicUsize,
    registry: Mutex<Registry>,
}

impl Watches {
    /// `WATCH key` for `client` in `db`, as `seen` under the txn that locks the key. A key
    /// already watched in that database is not watched twice.
    pub fn watch(&self, client: u64, db: usize, key: &[u8], seen: Seen) {
        let mut registry = self.registry.lock();
        let entry = registry.clients.entry(client).or_insert_with(|| {
            self.watching.fetch_add(1, Ordering::Relaxed);
            ClientWatches::default()
        });
        if entry.keys.iter().any(|w| w.db == db && w.key == key) {
            return;
        }
        let key = Bytes::copy_from_slice(key);
        entry.keys.push(Watched {
            db,
            key: key.clone(),
            seen,
        });
        registry.by_key.entry((db, key)).or_default().push(client);
    }

    /// Whether `client` is already dirty (its `WATCH`es need not be recorded).
    pub fn is_dirty(&self, client: u64) -> bool {
        self.watching.load(Ordering::Relaxed) > 0
            && self
                .registry
                .lock()
                .clients
                .get(&client)
                .is_some_and(|c| c.dirty)
    }

    /// The keys `client` watches, to lock them for `EXEC`.
    pub fn watched(&self, client: u64) -> Vec<(usize, Bytes)> {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return Vec::new();
        }
        self.registry
            .lock()
            .clients
            .get(&client)
            .map_or_else(Vec::new, |c| {
                c.keys.iter().map(|w| (w.db, w.key.clone())).collect()
            })
    }

    /// Whether `client`'s `EXEC` may run, checked under a txn that locks every key it
    /// watches: not dirty, and no watched key expired since `WATCH` (Redis's
    /// `isWatchedKeyExpired`). A watched key that is absent now although it was live, or
    /// present although it was absent, changed as well: that catches a lazy expiry by a
    /// reader sharing the locks whose report may still be on its way.
    pub fn exec_allowed(&self, client: u64, txn: &Txn<'_>) -> bool {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return true;
        }
        let registry = self.registry.lock();
        let Some(watches) = registry.clients.get(&client) else {
            return true;
        };
        if watches.dirty {
            return false;
        }
        watches.keys.iter().all(|w| {
            let now = Seen::of(txn, w.db, &w.key);
            match w.seen {
                Seen::Expired => true,
                Seen::Live => now == Seen::Live,
                Seen::Absent => now == Seen::Absent,
            }
        })
    }

    /// Forgets everything `client` watches and its dirty flag (`UNWATCH`, `EXEC`,
    /// `DISCARD`, `RESET`, disconnect).
    pub fn unwatch_all(&self, client: u64) {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        let Some(watches) = registry.clients.remove(&client) else {
            return;
        };
        self.watching.fetch_sub(1, Ordering::Relaxed);
        for w in watches.keys {
            let slot = (w.db, w.key);
            if let Some(clients) = registry.by_key.get_mut(&slot) {
                clients.retain(|&c| c != client);
                if clients.is_empty() {
                    registry.by_key.remove(&slot);
                }
            }
        }
    }

    /// `key` of `db` changed; `deleted` when it no longer exists (Redis's
    /// `touchWatchedKey`).
    pub fn touch(&self, db: usize, key: &[u8], deleted: bool) {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        let Registry { by_key, clients } = &mut *registry;
        let Some(watchers) = by_key.get(&(db, Bytes::copy_from_slice(key))) else {
            return;
        };
        for id in watchers {
            let Some(watches) = clients.get_mut(id) else {
                continue;
            };
            if watches.dirty {
                continue;
            }
            let Some(watched) = watches.keys.iter_mut().find(|w| w.db == db && w.key == key) else {
                continue;
            };
            if watched.seen == Seen::Expired {
                // Reclaiming a key that had already expired is no logical change; from now
                // on it is watched as absent. (Any other change of an expired key first
                // reclaims it, so it arrives here as a deletion first.)
                if deleted {
                    watched.seen = Seen::Absent;
                }
                continue;
            }
            watches.dirty = true;
        }
    }

    /// Every key of `db` was removed (Redis's `touchAllWatchedKeysInDb`): watchers of keys
    /// that existed are dirty. A key watched as live either still existed, or its removal
    /// already dirtied its watchers; one watched as absent was either still absent or its
    /// creation did; one watched as expired is now simply absent.
    pub fn flushed(&self, db: usize) {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        for watches in registry.clients.values_mut() {
            for watched in watches.keys.iter_mut().filter(|w| w.db == db) {
                match watched.seen {
                    Seen::Live => watches.dirty = true,
                    Seen::Expired => watched.seen = Seen::Absent,
                    Seen::Absent => {}
                }
            }
        }
    }

    /// Databases `a` and `b` exchanged their contents (Redis's `touchAllWatchedKeysInDb`
    /// for SWAPDB). `presence(db, key)` tells what is there now: `None` absent,
    /// `Some(expired)` present. A watched key that was in neither database is untouched;
    /// an expired one that is now absent or still expired is no logical change.
    pub fn swapped(&self, a: usize, b: usize, presence: impl Fn(usize, &[u8]) -> Option<bool>) {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        for watches in registry.clients.values_mut() {
            for watched in watches.keys.iter_mut() {
                let other = match watched.db {
                    db if db == a => b,
                    db if db == b => a,
                    _ => continue,
                };
                // What this database held before the swap is now in the other one.
                let before = presence(other, &watched.key);
                let now = presence(watched.db, &watched.key);
                if before.is_none() && now.is_none() {
                    continue;
                }
                if watched.seen == Seen::Expired {
                    match now {
                        None => {
                            watched.seen = Seen::Absent;
                            continue;
                        }
                        Some(true) => continue,
                        Some(false) => {}
                    }
                } else if before.is_none() && now == Some(true) {
                    watched.seen = Seen::Expired;
                    continue;
                }
                watches.dirty = true;
            }
        }
    }

    /// Number of clients watching keys now.
    pub fn watching_clients(&self) -> usize {
        self.watching.load(Ordering::Relaxed)
    }

    /// Number of distinct watched keys (`INFO` `watching_clients`/`total_watched_keys` of
    /// Redis 7.2; kept for tests and introspection).
    pub fn watched_keys(&self) -> usize {
        if self.watching.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.registry.lock().by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touches_dirty_watchers_of_that_key_only() {
        let w = Watches::default();
        w.watch(1, 0, b"a", Seen::Live);
        w.watch(1, 0, b"a", Seen::Live);
        w.watch(2, 0, b"b", Seen::Absent);
        w.watch(3, 1, b"a", Seen::Live);
        assert_eq!((w.watching_clients(), w.watched_keys()), (3, 3));
        w.touch(0, b"a", false);
        assert!(w.is_dirty(1));
        assert!(!w.is_dirty(2) && !w.is_dirty(3));
        w.touch(0, b"b", false);
        assert!(w.is_dirty(2));
        w.unwatch_all(1);
        w.unwatch_all(2);
        assert!(!w.is_dirty(1));
        assert_eq!((w.watching_clients(), w.watched_keys()), (1, 1));
        w.unwatch_all(3);
        assert_eq!((w.watching_clients(), w.watched_keys()), (0, 0));
    }

    #[test]
    fn an_expired_key_watched_is_absent_once_reclaimed() {
        let w = Watches::default();
        w.watch(1, 0, b"k", Seen::Expired);
        w.touch(0, b"k", true);
        assert!(!w.is_dirty(1));
        // Created again afterwards: a change.
        w.touch(0, b"k", false);
        assert!(w.is_dirty(1));
    }

    #[test]
    fn flushes_dirty_only_watchers_of_existing_keys() {
        let w = Watches::default();
        w.watch(1, 0, b"live", Seen::Live);
        w.watch(2, 0, b"absent", Seen::Absent);
        w.watch(3, 0, b"expired", Seen::Expired);
        w.watch(4, 1, b"live", Seen::Live);
        w.flushed(0);
        assert!(w.is_dirty(1));
        assert!(!w.is_dirty(2) && !w.is_dirty(3) && !w.is_dirty(4));
        w.touch(0, b"expired", false);
        assert!(w.is_dirty(3));
    }
}
