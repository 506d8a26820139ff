//! Server commands: statistics, configuration, whole-database operations and shutdown.
//!
//! - `INFO [section ...]` → verbatim text (bulk string in RESP2); see `info.rs`.
//! - `CONFIG GET pattern [pattern ...]` → map name → value over [`crate::config::PARAMS`];
//!   a pattern without glob characters is an exact (case-insensitive) name and is answered
//!   under the name as given.
//! - `CONFIG SET name value [name value ...]` → `OK`. All or nothing: every pair is checked
//!   and applied to a copy, which replaces the configuration only if all succeed. Errors:
//!   `ERR Unknown option or number of arguments for CONFIG SET - '<name>'`,
//!   `ERR CONFIG SET failed (possibly related to argument '<name>') - <reason>` (reasons
//!   include `can't set immutable config`, `can't set protected config` (`dir` and
//!   `dbfilename` unless `enable-protected-configs` allows) and `duplicate parameter`).
//! - `CONFIG RESETSTAT` → `OK`: zeroes the `INFO stats` counters and keyspace hits/misses.
//! - `CONFIG REWRITE` → `OK`: the running configuration (and, without an `aclfile`, the
//!   users) written into the config file as Redis's `rewriteConfig` writes it (see
//!   [`crate::config::rewrite`]). Errors: `ERR The server is running without a config
//!   file`; `ERR Rewriting config file: <strerror>` when the file cannot be read or
//!   replaced.
//! - `CONFIG HELP` → array of status lines.
//! - `DBSIZE` → integer: keys in the selected database.
//! - `FLUSHDB [ASYNC|SYNC]`, `FLUSHALL [ASYNC|SYNC]` → `OK` (both modes free synchronously).
//! - `TIME` → array of two bulk strings: Unix seconds and microseconds.
//! - `MONITOR` → `OK`, then a status line per command the server runs (see
//!   [`crate::monitor`]); no reply at all when the client is monitoring already. A
//!   monitoring client that runs a command touching the keyspace gets `ERR Replica can't
//!   interact with the keyspace`; `RESET` ends monitoring. Refused where a client cannot
//!   take pushes (inside `EXEC`, gRPC calls): `ERR MONITOR isn't allowed for DENY BLOCKING
//!   client`.
//! - `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]` → no reply: the server stops and this
//!   connection closes. With SAVE, or with save points set and no NOSAVE, it first writes
//!   a snapshot (waiting for a running BGSAVE); if that fails it answers `ERR Errors
//!   trying to SHUTDOWN. Check logs.` and keeps running, unless FORCE. There are no
//!   replicas to wait for, so NOW changes nothing. `SHUTDOWN ABORT` → `ERR No shutdown in
//!   progress.` (shutdown is immediate).

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::command::help_reply;
use super::{Command, Ctx, Locks, Reply, info};
use crate::config::{PARAMS, PROTECTED, Param, param};
use crate::error::{Error, Result};
use crate::store::Access;
use crate::store::glob::glob_match;

const CONFIG_SUBS: &[Command] = &[
    Command::new("get", config_get).of("config"),
    Command::new("set", config_set).of("config"),
    Command::new("resetstat", config_resetstat).of("config"),
    Command::new("rewrite", config_rewrite).of("config"),
    Command::new("help", config_help).of("config"),
];

pub static COMMANDS: &[Command] = &[
    Command::new("info", info),
    Command::container("config", CONFIG_SUBS),
    Command::new("dbsize", dbsize).locks(Locks::Db(Access::Read)),
    Command::new("flushdb", flushdb).locks(Locks::Db(Access::Write)),
    Command::new("swapdb", swapdb).locks(Locks::Custom(plan_swapdb)),
    Command::new("flushall", flushall).locks(Locks::AllDbs(Access::Write)),
    Command::new("time", time),
    Command::new("monitor", monitor),
    Command::new("shutdown", shutdown),
];

fn monitor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    if !ctx.session.pushes || ctx.session.deny_blocking {
        return Err(Error::err("MONITOR isn't allowed for DENY BLOCKING client"));
    }
    if ctx.server.monitors.add(&ctx.session.client) {
        Ok(Reply::ok())
    } else {
        // Redis ignores a second MONITOR without a word.
        Ok(Reply::Sequence(Vec::new()))
    }
}

fn info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::text("txt", info::render(ctx.server, &argv[1..])))
}

fn config_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut matches: Vec<(String, &'static Param)> = Vec::new();
    let seen =
        |matches: &[(String, &Param)], p: &Param| matches.iter().any(|(_, m)| m.name == p.name);
    for pattern in &argv[2..] {
        if !pattern.iter().any(|b| b"[*?".contains(b)) {
            let name = String::from_utf8_lossy(pattern);
            if let Some(p) = param(&name)
                && !seen(&matches, p)
            {
                matches.push((name.into_owned(), p));
            }
            continue;
        }
        for p in PARAMS {
            if !seen(&matches, p) && glob_match(pattern, p.name.as_bytes(), true) {
                matches.push((p.name.to_string(), p));
            }
        }
    }
    let config = ctx.server.config.read();
    Ok(Reply::Map(
        matches
            .into_iter()
            .map(|(name, p)| (Reply::bulk(name), Reply::bulk(p.get(&config))))
            .collect(),
    ))
}

fn config_set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if !argv.len().is_multiple_of(2) {
        return Err(Error::Syntax);
    }
    let failed = |name: &str, reason: &str| {
        Error::err(format!(
            "CONFIG SET failed (possibly related to argument '{name}') - {reason}"
        ))
    };
    // First pass, as Redis: names, mutability and duplicates. An unknown name is reported
    // in preference to other problems, unless one was found before it.
    let mut pairs: Vec<(&'static Param, String)> = Vec::new();
    let mut problem: Option<Error> = None;
    for pair in argv[2..].chunks(2) {
        let name = String::from_utf8_lossy(&pair[0]);
        let Some(p) = param(&name) else {
            if problem.is_none() {
                return Err(Error::err(format!(
                    "Unknown option or number of arguments for CONFIG SET - '{name}'"
                )));
            }
            continue;
        };
        if problem.is_some() {
            continue;
        }
        if !p.mutable {
            problem = Some(failed(&name, "can't set immutable config"));
        } else if PROTECTED.contains(&p.name)
            && !ctx
                .server
                .config
                .read()
                .allows_protected(&ctx.session.client.addr)
        {
            problem = Some(failed(&name, "can't set protected config"));
        } else if pairs.iter().any(|(q, _)| q.name == p.name) {
            problem = Some(failed(&name, "duplicate parameter"));
        }
        pairs.push((p, String::from_utf8_lossy(&pair[1]).into_owned()));
    }
    if let Some(e) = problem {
        return Err(e);
    }
    // Second pass: apply to a copy under the write lock, so concurrent CONFIG SETs cannot
    // interleave and a failure leaves the configuration untouched.
    let mut config = ctx.server.config.write();
    let mut updated = config.clone();
    for (p, value) in &pairs {
        p.set(&mut updated, value)
            .map_err(|reason| failed(p.name, &reason))?;
    }
    let aof_switched = (config.appendonly != updated.appendonly).then_some(updated.appendonly);
    // Setting requirepass replaces the default user's passwords, even with the same value.
    let requirepass = pairs
        .iter()
        .any(|(p, _)| p.name == "requirepass")
        .then(|| updated.requirepass.clone());
    *config = updated;
    drop(config);
    if let Some(password) = requirepass {
        ctx.server.acl.set_default_password(password.as_bytes());
    }
    if let Some((_, level)) = pairs.iter().find(|(p, _)| p.name == "loglevel")
        && let Some(hook) = crate::config::LOG_LEVEL_HOOK.get()
    {
        hook(&level.to_ascii_lowercase());
    }
    ctx.server.config_changed();
    if let Some(on) = aof_switched {
        crate::persist::rewrite::set_appendonly(&ctx.server.arc(), on);
    }
    Ok(Reply::ok())
}

fn config_resetstat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.server.stats.reset();
    ctx.store().reset_stats();
    Ok(Reply::ok())
}

/// `CONFIG REWRITE`: the running configuration and the users written into the config file
/// the server was started with (see [`crate::config::rewrite`]).
fn config_rewrite(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let config = ctx.server.config.read().clone();
    let Some(path) = config.config_file.clone() else {
        return Err(Error::err("The server is running without a config file"));
    };
    let users = ctx.server.acl.list();
    crate::config::rewrite::rewrite_file(std::path::Path::new(&path), &config, &users).map_err(
        |e| {
            tracing::warn!(
                "CONFIG REWRITE failed: {}",
                crate::config::rewrite::strerror(&e)
            );
            Error::err(format!(
                "Rewriting config file: {}",
                crate::config::rewrite::strerror(&e)
            ))
        },
    )?;
    tracing::info!("CONFIG REWRITE executed with success.");
    Ok(Reply::ok())
}

fn config_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    ))
}

/// `DBSIZE` as a typed operation (shared with the gRPC front end): the number of keys in
/// the selected database.
pub fn db_size_op(ctx: &Ctx<'_>) -> Result<usize> {
    Ok(ctx.txn().len(ctx.db()))
}

fn dbsize(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(db_size_op(ctx)?))
}

/// The optional `ASYNC|SYNC` of the flush commands. Both free synchronously here.
fn flush_mode(argv: &[Bytes]) -> Result<()> {
    match argv {
        [_] => Ok(()),
        [_, mode] if mode.eq_ignore_ascii_case(b"ASYNC") || mode.eq_ignore_ascii_case(b"SYNC") => {
            Ok(())
        }
        _ => Err(Error::Syntax),
    }
}

/// `FLUSHDB` as a typed operation (shared with the gRPC front end): removes every key of
/// the selected database. `ASYNC` and `SYNC` both free synchronously, so it takes no mode.
pub fn flush_db_op(ctx: &Ctx<'_>) -> Result<()> {
    ctx.txn().clear(ctx.db());
    Ok(())
}

fn flushdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    flush_mode(argv)?;
    flush_db_op(ctx)?;
    Ok(Reply::ok())
}

/// SWAPDB's two database indexes, checked in Redis's order: each an integer (`invalid
/// first DB index` / `invalid second DB index`), then both in range (`DB index is out of
/// range`).
fn swapdb_indexes(argv: &[Bytes], databases: usize) -> Result<(usize, usize)> {
    let index = |arg: &[u8], which: &str| {
        crate::store::numeric::parse_i64(arg)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| Error::err(format!("invalid {which} DB index")))
    };
    let a = index(&argv[1], "first")?;
    let b = index(&argv[2], "second")?;
    let in_range = |n: i64| usize::try_from(n).ok().filter(|&n| n < databases);
    match (in_range(a), in_range(b)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(Error::err("DB index is out of range")),
    }
}

/// What SWAPDB locks: every key of both databases (nothing when the indexes are wrong:
/// the command then fails before touching anything).
fn plan_swapdb(ctx: &Ctx<'_>, argv: &[Bytes], _db: usize, plan: &mut crate::store::LockPlan) {
    if let Ok((a, b)) = swapdb_indexes(argv, ctx.store().databases()) {
        plan.db(a, Access::Write);
        plan.db(b, Access::Write);
    }
}

/// `SWAPDB index1 index2` → `OK`: the two databases exchange their keys; clients stay in
/// their database, so a client blocked on a key the other database holds is served, and
/// `WATCH`es of keys in either are dirtied (Redis's rules for expired keys included).
/// No keyspace event. Swapping a database with itself changes nothing.
fn swapdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (a, b) = swapdb_indexes(argv, ctx.store().databases())?;
    ctx.txn().swap_dbs(a, b);
    Ok(Reply::ok())
}

fn flushall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    flush_mode(argv)?;
    let txn = ctx.txn();
    for db in 0..ctx.store().databases() {
        txn.clear(db);
    }
    Ok(Reply::ok())
}

fn time(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Reply::Array(vec![
        Reply::bulk(now.as_secs().to_string()),
        Reply::bulk(now.subsec_micros().to_string()),
    ]))
}

fn shutdown(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (mut save, mut nosave, mut other, mut abort) = (false, false, false, false);
    let mut force = false;
    for arg in &argv[1..] {
        match arg.to_ascii_lowercase().as_slice() {
            b"nosave" => nosave = true,
            b"save" => save = true,
            b"now" => other = true,
            b"force" => {
                other = true;
                force = true;
            }
            b"abort" => abort = true,
            _ => return Err(Error::Syntax),
        }
    }
    if (abort && (save || nosave || other)) || (save && nosave) {
        return Err(Error::Syntax);
    }
    if abort {
        // Shutdown never waits (no replicas, nothing to save), so none can be in progress.
        return Err(Error::err("No shutdown in progress."));
    }
    // During a script past busy-reply-threshold only SHUTDOWN NOSAVE may end the server.
    if !nosave && let Some(busy) = ctx.server.scripts.busy_error(ctx.session.client.id) {
        return Err(busy);
    }
    tracing::info!("User requested shutdown...");
    let has_save_points = !ctx.server.config.read().save_points().is_empty();
    if save || (has_save_points && !nosave) {
        let state = ctx.server.arc();
        let saved = crate::persist::save::on_own_thread(move || {
            crate::persist::save::save_for_shutdown(&state)
        });
        // FORCE exits even when the data could not be saved.
        if saved.is_err() && !force {
            tracing::warn!("Error trying to save the DB, can't exit.");
            return Err(Error::err("Errors trying to SHUTDOWN. Check logs."));
        }
    }
    ctx.server.scripts.shut_down();
    ctx.server.shutdown.cancel();
    ctx.session.close_now = true;
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Protocol;
    use crate::commands::test_support::Harness;
    use crate::resp::encoder::encode;
    use crate::store::Value;

    fn set(h: &Harness, db: usize, key: &str, expires: Option<u64>) {
        let store = &h.server.store;
        let txn = store.txn(Access::Write, db, [key.as_bytes()]);
        let expires = expires.map(|ms| txn.now_ms() + ms);
        txn.set(
            db,
            key.as_bytes(),
            Value::string(Bytes::from_static(b"v")),
            expires,
            crate::store::Event::Set,
        );
    }

    fn text(reply: Reply) -> String {
        match reply {
            Reply::Verbatim(f, t) if f == "txt" => String::from_utf8(t.to_vec()).unwrap(),
            other => panic!("expected verbatim text, got {other:?}"),
        }
    }

    #[test]
    fn info_sections_and_format() {
        let mut h = Harness::new();
        set(&h, 0, "a", None);
        set(&h, 0, "b", Some(100_000));
        set(&h, 3, "c", None);
        let keyspace = text(h.run(&["INFO", "keyspace"]));
        assert_eq!(
            keyspace,
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n"
        );
        assert_eq!(text(h.run(&["INFO", "nosuch"])), "");
        let two = text(h.run(&["INFO", "cluster", "server"]));
        assert!(
            two.starts_with("# Server\r\nredis_version:7.2.4\r\n"),
            "{two}"
        );
        assert!(
            two.ends_with("\r\n\r\n# Cluster\r\ncluster_enabled:0\r\n"),
            "{two}"
        );
        assert!(two.contains(&format!("memorabilia_version:{}\r\n", crate::VERSION)));
        let all = text(h.run(&["INFO"]));
        for field in [
            "connected_clients:",
            "used_memory:",
            "used_memory_human:",
            "maxmemory_policy:noeviction",
            "keyspace_hits:",
            "role:master",
            "loading:0",
            "used_cpu_user:",
            "# Modules\r\n\r\n",
        ] {
            assert!(all.contains(field), "{field} missing");
        }
        let headers = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.starts_with('#'))
                .map(String::from)
                .collect()
        };
        // The default sections are all but the per-command statistics, as in Redis.
        let mut everything = headers(&text(h.run(&["INFO", "everything"])));
        assert_eq!(everything.remove(8), "# Commandstats");
        assert_eq!(everything.remove(9), "# Latencystats");
        assert_eq!(everything, headers(&all));
        assert_eq!(headers(&all).len(), 11);
        assert_eq!(headers(&all)[8], "# Errorstats");
        // RESP2 clients get a plain bulk string.
        let mut out = bytes::BytesMut::new();
        encode(&h.run(&["INFO", "cluster"]), Protocol::Resp2, &mut out);
        assert_eq!(&out[..], b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n");
    }

    #[test]
    fn info_stats_follow_the_store() {
        let mut h = Harness::new();
        set(&h, 0, "a", None);
        {
            let txn = h.server.store.txn(Access::Read, 0, [&b"a"[..], &b"zz"[..]]);
            txn.get(0, b"a");
            txn.get(0, b"zz");
        }
        let stats = text(h.run(&["INFO", "stats"]));
        assert!(
            stats.contains("keyspace_hits:1\r\nkeyspace_misses:1\r\n"),
            "{stats}"
        );
        assert_eq!(h.run(&["CONFIG", "RESETSTAT"]), Reply::ok());
        let stats = text(h.run(&["INFO", "stats"]));
        assert!(
            stats.contains("keyspace_hits:0\r\nkeyspace_misses:0\r\n"),
            "{stats}"
        );
    }

    #[test]
    fn config_get_patterns() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "GET", "maxmemory*"]),
            Reply::Map(vec![
                (Reply::bulk("maxmemory"), Reply::bulk("0")),
                (Reply::bulk("maxmemory-policy"), Reply::bulk("noeviction")),
                (Reply::bulk("maxmemory-samples"), Reply::bulk("5")),
                (
                    Reply::bulk("maxmemory-eviction-tenacity"),
                    Reply::bulk("10")
                ),
            ])
        );
        assert_eq!(
            h.run(&["CONFIG", "GET", "HZ", "hz", "*bulk*"]),
            Reply::Map(vec![
                (Reply::bulk("HZ"), Reply::bulk("10")),
                (Reply::bulk("proto-max-bulk-len"), Reply::bulk("536870912")),
            ])
        );
        assert_eq!(h.run(&["CONFIG", "GET", "nosuch"]), Reply::Map(vec![]));
        assert_eq!(
            h.err(&["CONFIG", "GET"]),
            "ERR wrong number of arguments for 'config|get' command"
        );
    }

    #[test]
    fn swapdb_exchanges_keys_with_their_ttls() {
        let mut h = Harness::new();
        h.run(&["SET", "a", "0"]);
        h.run(&["SET", "t", "x", "EX", "100"]);
        h.run(&["SELECT", "1"]);
        h.run(&["SET", "a", "1"]);
        assert_eq!(h.run(&["SWAPDB", "0", "1"]), Reply::ok());
        assert_eq!(h.run(&["GET", "a"]), Reply::bulk("0"));
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(2));
        assert!(matches!(h.run(&["TTL", "t"]), Reply::Integer(99..=100)));
        h.run(&["SELECT", "0"]);
        assert_eq!(h.run(&["GET", "a"]), Reply::bulk("1"));
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(1));
        assert_eq!(h.err(&["SWAPDB", "x", "0"]), "ERR invalid first DB index");
        assert_eq!(h.err(&["SWAPDB", "0", "x"]), "ERR invalid second DB index");
        assert_eq!(
            h.err(&["SWAPDB", "0", "16"]),
            "ERR DB index is out of range"
        );
    }

    #[test]
    fn config_set_is_atomic_with_redis_errors() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["CONFIG", "SET", "hz", "20", "maxclients", "50"]),
            Reply::ok()
        );
        let config = h.server.config.read().clone();
        assert_eq!((config.hz, config.maxclients), (20, 50));
        for (args, err) in [
            (
                &["hz", "30", "maxclients", "x"][..],
                "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument \
                 couldn't be parsed into an integer",
            ),
            (
                &["nosuch", "1"][..],
                "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
            ),
            (
                &["DATABASES", "3"][..],
                "ERR CONFIG SET failed (possibly related to argument 'DATABASES') - can't set \
                 immutable config",
            ),
            (
                &["databases", "3", "nosuch", "1"][..],
                "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set \
                 immutable config",
            ),
            (
                &["hz", "30", "nosuch", "1"][..],
                "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'",
            ),
            (
                &["hz", "10", "HZ", "11"][..],
                "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter",
            ),
            (
                &["HZ", "abc"][..],
                "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't \
                 be parsed into an integer",
            ),
            (&["hz", "10", "maxclients"][..], "ERR syntax error"),
        ] {
            let mut words = vec!["CONFIG", "SET"];
            words.extend_from_slice(args);
            assert_eq!(h.err(&words), err, "{args:?}");
        }
        // Nothing of the failed commands was applied.
        assert_eq!(*h.server.config.read(), config);
        assert_eq!(
            h.err(&["CONFIG", "SET", "hz"]),
            "ERR wrong number of arguments for 'config|set' command"
        );
    }

    #[test]
    fn config_help_and_unknown_subcommand() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["CONFIG", "HELP"]) else {
            panic!()
        };
        assert_eq!(lines.len(), 11);
        assert_eq!(
            h.err(&["CONFIG", "foo"]),
            "ERR unknown subcommand 'foo'. Try CONFIG HELP."
        );
        assert_eq!(
            h.err(&["CONFIG", "REWRITE"]),
            "ERR The server is running without a config file"
        );
    }

    #[test]
    fn dbsize_and_flushes() {
        let mut h = Harness::new();
        set(&h, 0, "a", None);
        set(&h, 0, "b", Some(100_000));
        set(&h, 1, "c", None);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(2));
        assert_eq!(
            h.err(&["DBSIZE", "x"]),
            "ERR wrong number of arguments for 'dbsize' command"
        );
        h.run(&["SELECT", "1"]);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(1));
        assert_eq!(h.err(&["FLUSHDB", "foo"]), "ERR syntax error");
        assert_eq!(h.err(&["FLUSHDB", "SYNC", "x"]), "ERR syntax error");
        assert_eq!(h.run(&["FLUSHDB", "async"]), Reply::ok());
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(0));
        h.run(&["SELECT", "0"]);
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(2));
        assert_eq!(h.err(&["FLUSHALL", "x"]), "ERR syntax error");
        assert_eq!(h.run(&["FLUSHALL", "SYNC"]), Reply::ok());
        assert_eq!(h.run(&["DBSIZE"]), Reply::Integer(0));
        assert_eq!(h.server.store.db_info(0).expires, 0);
        assert_eq!(h.run(&["FLUSHALL"]), Reply::ok());
    }

    #[test]
    fn time_is_seconds_and_micros() {
        let mut h = Harness::new();
        let Reply::Array(parts) = h.run(&["TIME"]) else {
            panic!()
        };
        let num = |r: &Reply| match r {
            Reply::Bulk(b) => std::str::from_utf8(b).unwrap().parse::<u64>().unwrap(),
            other => panic!("{other:?}"),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(num(&parts[0]).abs_diff(now) <= 1);
        assert!(num(&parts[1]) < 1_000_000);
    }

    #[test]
    fn shutdown_options() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["SHUTDOWN", "ABORT"]),
            "ERR No shutdown in progress."
        );
        for bad in [&["foo"][..], &["nosave", "save"][..], &["abort", "now"][..]] {
            let mut words = vec!["SHUTDOWN"];
            words.extend_from_slice(bad);
            assert_eq!(h.err(&words), "ERR syntax error", "{bad:?}");
        }
        assert!(!h.server.shutdown.is_cancelled());
        h.run(&["SHUTDOWN", "NOSAVE", "NOW", "now", "FORCE"]);
        assert!(h.server.shutdown.is_cancelled());
        assert!(h.session.close_now);
    }
}
