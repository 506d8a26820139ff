//! Which segments a command locks: its keys, found from Redis's key specs of its row (or
//! what its row's [`Locks`] says instead), each read or written as its spec says.

use bytes::Bytes;

use crate::commands::meta::find_keys;
use crate::commands::{Ctx, Locks, Route, flags};
use crate::store::{Access, LockPlan};

/// Adds what `route` locks for `argv`, run in database `db`, to `plan`.
pub fn command(ctx: &Ctx<'_>, route: &Route, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    match route.command.locks {
        Locks::Keys => keys(route, argv, db, plan),
        Locks::Db(access) => plan.db(db, access),
        Locks::AllDbs(access) => {
            for db in 0..ctx.store().databases() {
                plan.db(db, access);
            }
        }
        Locks::Custom(planner) => planner(ctx, argv, db, plan),
    }
}

/// Calls `f` with each key the key specs of `route` find in `argv` (none for a command
/// whose row locks something else than its keys).
pub fn for_each_key<'a>(route: &Route, argv: &'a [Bytes], mut f: impl FnMut(&'a Bytes)) {
    if matches!(route.command.locks, Locks::Keys) {
        find_keys(route.key_specs, argv, |i, _| f(&argv[i]));
    }
}

/// The keys the key specs find. A command whose specs cannot be followed for these
/// arguments (`ZUNIONSTORE d notanumber ...`) fails on them before touching a key; it gets
/// the whole database anyway, so no argument can make a command reach an unlocked key.
fn keys(route: &Route, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    if route.key_specs.is_empty() {
        return;
    }
    let complete = find_keys(route.key_specs, argv, |i, spec| {
        plan.key(db, &argv[i], route.key_access[spec]);
    });
    if !complete {
        // Written when the command writes or any of its specs does (EVAL: RW keys).
        let writes = route.has_flag(flags::WRITE) || route.key_access.contains(&Access::Write);
        let access = if writes { Access::Write } else { Access::Read };
        plan.db(db, access);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::Harness;
    use crate::commands::{Session, resolve};
    use crate::store::Store;

    fn argv(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

    /// Whether the plan of `words` lets a txn touch `key` (and write it).
    fn covers(h: &mut Harness, words: &[&str], db: usize, key: &str) -> (bool, bool) {
        let argv = argv(words);
        let route = resolve(&argv).map_err(|e| e.1).unwrap();
        let mut plan = LockPlan::new();
        let session: &mut Session = &mut h.session;
        let ctx = Ctx::new(&h.server, session);
        command(&ctx, route, &argv, 0, &mut plan);
        let store: &Store = &h.server.store;
        let readable = {
            let txn = store.lock(plan.clone());
            txn.covers(db, key.as_bytes())
        };
        // Written: a write through the txn must not trip the debug assertion.
        let writable = readable
            && std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let txn = store.lock(plan);
                txn.modified(db, key.as_bytes(), crate::store::Event::Set);
            }))
            .is_ok();
        (readable, writable)
    }

    #[test]
    fn keys_come_from_the_key_specs_with_their_access() {
        let mut h = Harness::new();
        assert_eq!(
            covers(&mut h, &["GET", "k"], 0, "k"),
            (true, cfg!(not(debug_assertions)))
        );
        assert_eq!(covers(&mut h, &["SET", "k", "v"], 0, "k"), (true, true));
        let zunion = ["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"];
        assert_eq!(covers(&mut h, &zunion, 0, "dst"), (true, true));
        assert!(covers(&mut h, &zunion, 0, "b").0);
        let mset = ["MSET", "a", "1", "b", "2"];
        assert_eq!(covers(&mut h, &mset, 0, "b"), (true, true));
        let lmpop = ["LMPOP", "2", "x", "y", "LEFT"];
        assert_eq!(covers(&mut h, &lmpop, 0, "y"), (true, true));
    }

    #[test]
    fn unfollowable_specs_lock_the_whole_database() {
        let mut h = Harness::new();
        let bad = ["ZUNIONSTORE", "dst", "x", "a"];
        assert!(covers(&mut h, &bad, 0, "anything").0);
        assert!(!covers(&mut h, &bad, 1, "anything").0);
    }

    #[test]
    fn copy_locks_its_destination_database() {
        let mut h = Harness::new();
        let copy = ["COPY", "a", "b", "DB", "3", "REPLACE"];
        assert_eq!(covers(&mut h, &copy, 3, "b"), (true, true));
        assert!(covers(&mut h, &copy, 0, "a").0);
    }
}
