//! Transactions, as Redis 7.0 answers them: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! `MULTI` opens a block: the execution path ([`crate::exec`]) then queues every command
//! but MULTI, EXEC, DISCARD, WATCH, `QUIT` and `RESET`, answering `QUEUED`, and a command it refuses while
//! queueing (unknown, wrong number of arguments, not allowed in a transaction) dooms the
//! block. `EXEC` locks, in one txn, every key its queued commands touch (following queued
//! `SELECT`s) and every key its client watches, checks the watches, and runs the commands
//! in that txn: no other command of any client, on any thread or front end, sees part of
//! the block or runs in its middle. Blocking commands inside it answer as if timed out.
//!
//! # Commands
//! - `MULTI` → `OK`; inside a block `ERR MULTI calls can not be nested` (the block stays
//!   valid).
//! - `EXEC` → an array of the queued commands' replies (errors in place: the others still
//!   run); a null array (RESP2 `*-1`, RESP3 null) when a watched key changed;
//!   `EXECABORT Transaction discarded because of previous errors.` when a command was
//!   refused while queueing; `ERR EXEC without MULTI`.
//! - `DISCARD` → `OK`, forgetting the block and the watched keys; `ERR DISCARD without
//!   MULTI`.
//! - `WATCH key [key ...]` → `OK`; inside a block `ERR WATCH inside MULTI is not allowed`
//!   (the block stays valid). The next `EXEC` fails if any of the keys changes before it:
//!   written (even with an equal value), deleted, created, renamed onto or away, expired
//!   after the `WATCH`, flushed, served to a blocked client, by any client of either front
//!   end.
//! - `UNWATCH` → `OK`, forgetting the watched keys.

use bytes::Bytes;

use super::{Command, Ctx, Locks, Reply, flags};
use crate::error::{Error, Result};
use crate::exec::{plan_queued, run_queued};
use crate::store::{Access, LockPlan};
use crate::watch::Seen;

pub static COMMANDS: &[Command] = &[
    Command::new("multi", multi).internal(flags::TXN_CONTROL),
    Command::new("exec", exec)
        .locks(Locks::Custom(plan_exec))
        .internal(flags::TXN_CONTROL),
    Command::new("discard", discard).internal(flags::TXN_CONTROL),
    Command::new("watch", watch).internal(flags::TXN_CONTROL),
    // Unlike WATCH, UNWATCH is queued inside MULTI (Redis's `processCommand`).
    Command::new("unwatch", unwatch),
];

/// `MULTI` → OK.
fn multi(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    if ctx.session.multi.is_some() {
        return Err(Error::err("MULTI calls can not be nested"));
    }
    ctx.session.multi = Some(Default::default());
    ctx.session.client.set_multi(Some(0));
    Ok(Reply::ok())
}

/// `DISCARD` → OK.
fn discard(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    if ctx.session.multi.is_none() {
        return Err(Error::err("DISCARD without MULTI"));
    }
    ctx.session.discard_multi();
    ctx.server.watches.unwatch_all(ctx.session.client.id);
    Ok(Reply::ok())
}

/// What `EXEC` locks: every key its queued commands touch, and every key its client
/// watches (read, to check them). Nothing when it will not run the block.
fn plan_exec(ctx: &Ctx<'_>, _argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    let Some(multi) = &ctx.session.multi else {
        return;
    };
    if multi.aborted {
        return;
    }
    for (watched_db, key) in ctx.server.watches.watched(ctx.session.client.id) {
        plan.key(watched_db, &key, Access::Read);
    }
    plan_queued(ctx, &multi.queue, db, plan);
}

/// `EXEC` → the replies of the queued commands, or null when a watched key changed.
fn exec(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let Some(multi) = ctx.session.multi.take() else {
        return Err(Error::err("EXEC without MULTI"));
    };
    // The client shows its transaction (CLIENT LIST flags=x multi=N) until EXEC is done,
    // as in Redis, where the queued commands run before the MULTI state is cleared.
    let client = ctx.session.client.id;
    let watches = &ctx.server.watches;
    if multi.aborted {
        ctx.session.client.set_multi(None);
        watches.unwatch_all(client);
        return Err(Error::full(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    let allowed = match ctx.txn_if_any() {
        Some(txn) => watches.exec_allowed(client, txn),
        // Nothing locked: nothing watched either.
        None => !watches.is_dirty(client),
    };
    watches.unwatch_all(client);
    if !allowed {
        ctx.session.client.set_multi(None);
        return Ok(Reply::NullArray);
    }
    ctx.session.deny_blocking = true;
    let replies = multi
        .queue
        .iter()
        .map(|(route, argv)| run_queued(ctx, route, argv))
        .collect();
    ctx.session.deny_blocking = false;
    ctx.session.client.set_multi(None);
    Ok(Reply::Array(replies))
}

/// `WATCH key [key ...]` → OK.
fn watch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if ctx.session.multi.is_some() {
        return Err(Error::err("WATCH inside MULTI is not allowed"));
    }
    let client = ctx.session.client.id;
    let watches = &ctx.server.watches;
    // No point in watching more once a watched key changed.
    if watches.is_dirty(client) {
        return Ok(Reply::ok());
    }
    let db = ctx.db();
    let txn = ctx.txn();
    for key in &argv[1..] {
        watches.watch(client, db, key, Seen::of(txn, db, key));
    }
    Ok(Reply::ok())
}

/// `UNWATCH` → OK.
fn unwatch(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.server.watches.unwatch_all(ctx.session.client.id);
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    //! Expected replies and error texts were taken from redis-server 7.0.15.
    use super::*;
    use crate::commands::Session;
    use crate::commands::test_support::Harness;

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn queued() -> Reply {
        Reply::simple("QUEUED")
    }

    fn info(h: &mut Harness, section: &str) -> String {
        match h.run(&["INFO", section]) {
            Reply::Verbatim(_, text) => String::from_utf8(text.to_vec()).unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn queues_then_runs_in_order_with_errors_in_place() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MULTI"]), Reply::ok());
        assert_eq!(h.run(&["SET", "a", "1"]), queued());
        assert_eq!(h.run(&["LPUSH", "a", "x"]), queued());
        assert_eq!(h.run(&["INCR", "a"]), queued());
        assert_eq!(h.run(&["GET", "a"]), queued());
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![
                Reply::ok(),
                Reply::Error(Error::WrongType),
                Reply::Integer(2),
                bulk("2"),
            ])
        );
        assert_eq!(h.run(&["MULTI"]), Reply::ok());
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![]));
        assert_eq!(h.err(&["EXEC"]), "ERR EXEC without MULTI");
        assert_eq!(h.err(&["DISCARD"]), "ERR DISCARD without MULTI");
    }

    #[test]
    fn queue_time_errors_abort_and_nested_multi_or_watch_do_not() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        assert_eq!(h.err(&["MULTI"]), "ERR MULTI calls can not be nested");
        assert_eq!(
            h.err(&["WATCH", "x"]),
            "ERR WATCH inside MULTI is not allowed"
        );
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![Reply::ok()]));
        for refused in [
            &["NOSUCH", "x"][..],
            &["GET"],
            &["SHUTDOWN"],
            &["CLIENT", "NOSUCH"],
        ] {
            h.run(&["MULTI"]);
            h.run(&["SET", "b", "1"]);
            assert!(matches!(h.run(refused), Reply::Error(_)), "{refused:?}");
            assert_eq!(h.run(&["SET", "c", "1"]), queued());
            assert_eq!(
                h.err(&["EXEC"]),
                "EXECABORT Transaction discarded because of previous errors."
            );
        }
        assert_eq!(h.run(&["EXISTS", "b", "c"]), Reply::Integer(0));
        h.run(&["MULTI"]);
        assert_eq!(
            h.err(&["SHUTDOWN"]),
            "ERR Command not allowed inside a transaction"
        );
        h.run(&["DISCARD"]);
        // A refused EXEC discards the block at once, inside MULTI or not.
        h.run(&["MULTI"]);
        h.run(&["SET", "d", "1"]);
        let abort = "EXECABORT Transaction discarded because of: wrong number of arguments \
                     for 'exec' command";
        assert_eq!(h.err(&["EXEC", "x"]), abort);
        assert_eq!(h.err(&["EXEC"]), "ERR EXEC without MULTI");
        assert_eq!(h.err(&["EXEC", "x"]), abort);
        assert_eq!(h.run(&["EXISTS", "d"]), Reply::Integer(0));
    }

    #[test]
    fn discard_reset_and_select_inside_a_block() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["DISCARD"]), Reply::ok());
        assert_eq!(h.run(&["EXISTS", "a"]), Reply::Integer(0));
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["RESET"]), Reply::simple("RESET"));
        assert_eq!(h.err(&["EXEC"]), "ERR EXEC without MULTI");
        h.run(&["MULTI"]);
        h.run(&["SELECT", "2"]);
        h.run(&["SET", "k", "in2"]);
        h.run(&["SELECT", "99"]);
        h.run(&["SET", "j", "still2"]);
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![
                Reply::ok(),
                Reply::ok(),
                Reply::Error(Error::DbIndexOutOfRange),
                Reply::ok(),
            ])
        );
        assert_eq!(h.session.db, 2);
        assert_eq!(h.run(&["MGET", "k", "j"]), Reply::bulks(["in2", "still2"]));
    }

    #[test]
    fn blocking_commands_answer_at_once_inside_exec() {
        let mut h = Harness::new();
        h.run(&["MULTI"]);
        for cmd in [
            &["BLPOP", "l", "0"][..],
            &["BRPOPLPUSH", "l", "m", "0"],
            &["BLMOVE", "l", "m", "LEFT", "LEFT", "0"],
            &["BLMPOP", "0", "1", "l", "LEFT"],
            &["BZPOPMIN", "z", "0"],
            &["BZMPOP", "0", "1", "z", "MIN"],
        ] {
            assert_eq!(h.run(cmd), queued());
        }
        // BRPOPLPUSH and BLMOVE answer a null bulk here, the others a null array.
        let null_array = Reply::NullArray;
        assert_eq!(
            h.run(&["EXEC"]),
            Reply::Array(vec![
                null_array.clone(),
                Reply::Null,
                Reply::Null,
                null_array.clone(),
                null_array.clone(),
                null_array,
            ])
        );
        assert!(h.session.blocked.is_none());
        assert_eq!(h.server.blocking.blocked_clients(), 0);
    }

    #[test]
    fn watched_keys_changed_by_another_client_fail_exec() {
        let mut h = Harness::new();
        let mut other = h.other_session();
        let changes: &[(&[&str], &[&str])] = &[
            (&["SET", "k", "v"], &["SET", "k", "v"]),
            (&[], &["SET", "k", "new"]),
            (&["SET", "k", "v"], &["DEL", "k"]),
            (&["SET", "k", "v"], &["EXPIRE", "k", "100"]),
            (&["SET", "k", "v"], &["RENAME", "k", "j"]),
            (&["SET", "j", "v"], &["RENAME", "j", "k"]),
            (&["SET", "j", "v"], &["COPY", "j", "k"]),
            (&["RPUSH", "k", "a"], &["RPOP", "k"]),
            (&["SET", "k", "v"], &["FLUSHDB"]),
            (&["SET", "k", "v"], &["FLUSHALL"]),
        ];
        // Sets up, watches k, lets the other client run `change`, and EXECs a PING.
        let mut exec_after = |setup: &[&str], change: &[&str]| {
            h.run(&["FLUSHALL"]);
            if !setup.is_empty() {
                h.run(setup);
            }
            h.run(&["WATCH", "k"]);
            h.run_as(&mut other, change);
            h.run(&["MULTI"]);
            h.run(&["PING"]);
            h.run(&["EXEC"])
        };
        for &(setup, change) in changes {
            assert_eq!(exec_after(setup, change), Reply::NullArray, "{change:?}");
        }
        // Untouched, or touched without a change: it runs.
        let untouched: &[(&[&str], &[&str])] = &[
            (&["SET", "k", "v"], &["GET", "k"]),
            (&[], &["DEL", "k"]),
            (&["SET", "k", "v"], &["SET", "k", "w", "NX"]),
            (&["SET", "k", "v"], &["PERSIST", "k"]),
            (&["SADD", "k", "a"], &["SADD", "k", "a"]),
            (&[], &["FLUSHDB"]),
            (&["SET", "other", "v"], &["SET", "other", "w"]),
        ];
        for &(setup, change) in untouched {
            assert_eq!(
                exec_after(setup, change),
                Reply::Array(vec![Reply::simple("PONG")]),
                "{change:?}"
            );
        }
    }

    #[test]
    fn watches_are_per_database_and_end_with_exec_discard_unwatch() {
        let mut h = Harness::new();
        let mut other = h.other_session();
        h.run(&["SELECT", "1"]);
        h.run(&["WATCH", "k"]);
        h.run(&["SELECT", "0"]);
        // The same name in database 0 is another key.
        h.run_as(&mut other, &["SET", "k", "0"]);
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![]));
        h.run(&["WATCH", "k"]);
        h.run_as(&mut other, &["SET", "k", "1"]);
        assert_eq!(h.run(&["UNWATCH"]), Reply::ok());
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![]));
        h.run(&["WATCH", "k"]);
        h.run(&["MULTI"]);
        h.run(&["DISCARD"]);
        h.run_as(&mut other, &["SET", "k", "2"]);
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![]));
        assert_eq!(h.server.watches.watching_clients(), 0);
    }

    #[test]
    fn expiry_after_watch_fails_exec_and_before_does_not() {
        let mut h = Harness::new();
        let clock = &h.server.store.clock;
        let now = crate::store::unix_time_ms();
        clock.set_fixed(Some(now));
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.run(&["WATCH", "k"]);
        h.server.store.clock.set_fixed(Some(now + 200));
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
        // Watched when already expired (and not yet reclaimed): logically absent.
        h.run(&["SET", "k", "v", "PX", "100"]);
        h.server.store.clock.set_fixed(Some(now + 400));
        h.run(&["WATCH", "k"]);
        // Reclaiming it is no change.
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Integer(0));
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::Array(vec![]));
        h.server.store.clock.set_fixed(None);
    }

    #[test]
    fn a_served_blocked_client_dirties_a_watch_of_its_keys() {
        let mut h = Harness::new();
        let mut blocked = h.other_session();
        let mut pusher = h.other_session();
        h.run(&["WATCH", "dst"]);
        assert_eq!(
            h.run_as(&mut blocked, &["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]),
            Reply::NullArray
        );
        let wait = blocked.blocked.take().expect("blocked");
        h.run_as(&mut pusher, &["RPUSH", "src", "a"]);
        let reply = futures_lite_block_on(wait.reply());
        assert_eq!(reply, bulk("a"));
        h.run(&["MULTI"]);
        assert_eq!(h.run(&["EXEC"]), Reply::NullArray);
    }

    /// Drives a future that is already complete (a served wait) to its end.
    fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn client_list_shows_the_block_and_a_dirty_watch() {
        let h = Harness::new();
        let mut a = h.other_session();
        let mut b = h.other_session();
        let line_of_a = |h: &Harness, b: &mut Session, a: &Session| {
            let Reply::Verbatim(_, text) = h.run_as(b, &["CLIENT", "LIST"]) else {
                panic!("CLIENT LIST is verbatim text");
            };
            let text = String::from_utf8(text.to_vec()).unwrap();
            let prefix = format!("id={} ", a.client.id);
            text.lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap()
                .to_string()
        };
        assert!(line_of_a(&h, &mut b, &a).contains(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "));
        h.run_as(&mut a, &["MULTI"]);
        h.run_as(&mut a, &["SET", "x", "1"]);
        h.run_as(&mut a, &["SET", "y", "1"]);
        assert!(line_of_a(&h, &mut b, &a).contains(" flags=x db=0 sub=0 psub=0 ssub=0 multi=2 "));
        h.run_as(&mut a, &["DISCARD"]);
        h.run_as(&mut a, &["WATCH", "k"]);
        h.run_as(&mut b, &["SET", "k", "v"]);
        assert!(line_of_a(&h, &mut b, &a).contains(" flags=d "));
        h.run_as(&mut a, &["MULTI"]);
        // Once the block cannot run, queued commands are no longer kept (as in Redis).
        h.run_as(&mut a, &["SET", "z", "1"]);
        assert!(line_of_a(&h, &mut b, &a).contains(" flags=xd db=0 sub=0 psub=0 ssub=0 multi=0 "));
        assert_eq!(h.run_as(&mut a, &["EXEC"]), Reply::NullArray);
        assert!(line_of_a(&h, &mut b, &a).contains(" flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 "));
    }

    #[test]
    fn statistics_count_calls_rejections_and_failures_as_redis_does() {
        let mut h = Harness::new();
        h.run(&["CONFIG", "RESETSTAT"]);
        h.run(&["GET", "a"]);
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        h.run(&["BOGUS"]);
        h.run(&["GET"]);
        h.run(&["EXEC"]);
        let stats = info(&mut h, "commandstats");
        let calls = |name: &str| {
            stats
                .lines()
                .find(|l| l.starts_with(&format!("cmdstat_{name}:")))
                .map(|l| l.split_once(':').unwrap().1.to_string())
        };
        let fields = |name: &str| {
            let line = calls(name).unwrap_or_else(|| panic!("no {name} in {stats}"));
            line.split(',')
                .filter(|f| !f.starts_with("usec"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(fields("multi"), "calls=1,rejected_calls=0,failed_calls=0");
        assert_eq!(fields("exec"), "calls=1,rejected_calls=0,failed_calls=1");
        assert_eq!(fields("get"), "calls=1,rejected_calls=1,failed_calls=0");
        assert_eq!(
            fields("config|resetstat"),
            "calls=1,rejected_calls=0,failed_calls=0"
        );
        assert_eq!(calls("set"), None, "a discarded block runs nothing");
        assert_eq!(
            info(&mut h, "errorstats"),
            "# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_EXECABORT:count=1\r\n"
        );
        let stats = info(&mut h, "stats");
        // RESETSTAT, GET, MULTI, EXEC and the two INFOs before this one, as redis-server
        // counts the same sequence.
        assert!(
            stats.contains("\r\ntotal_commands_processed:6\r\n"),
            "{stats}"
        );
        assert!(stats.contains("\r\ntotal_error_replies:3\r\n"), "{stats}");
        // The commands a block runs are calls of their own.
        h.run(&["MULTI"]);
        h.run(&["SET", "a", "1"]);
        h.run(&["INCR", "a"]);
        h.run(&["EXEC"]);
        let stats = info(&mut h, "commandstats");
        assert!(stats.contains("cmdstat_set:calls=1,"), "{stats}");
        assert!(stats.contains("cmdstat_incr:calls=1,"), "{stats}");
    }
}
