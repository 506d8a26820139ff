//! The execution path: every command, from either front end, passes through here, as
//! every command of redis-server passes through `processCommand` and `call()`.
//!
//! For a command given as Redis arguments ([`execute`]: RESP, gRPC `Execute`, `Batch`,
//! `Pipeline`):
//! 1. lookup and argument count ([`commands::resolve`]); a refused command is counted as
//!    rejected and, inside `MULTI`, makes `EXEC` fail with `EXECABORT`;
//! 2. inside `MULTI`, commands Redis refuses there are refused, the others are queued;
//! 3. access control: `NOAUTH` before authentication, then the user's ACL rules
//!    (commands, keys, channels; [`crate::acl`]); then, for a RESP2 client in subscribed
//!    mode, only the commands Redis allows there;
//! 4. key finding: the row's [`Locks`](commands::Locks), by default Redis's key specs
//!    ([`plan`]);
//! 5. locking: one [`Txn`] over all of them ([`Store::lock_at`](crate::store::Store));
//! 6. running the handler with the txn in its [`Ctx`], then handing what it changed to the
//!    observers (`WATCH`, blocked clients, keyspace notifications, client-side caching,
//!    change feeds) before its locks are released (`Txn::end_command`; the rest when the
//!    txn drops), and remembering a tracking client's keys after a read-only command;
//! 7. statistics (`INFO commandstats`, `errorstats`, `CLIENT LIST cmd=`);
//! 8. `MONITOR` lines;
//! 9. serving the clients blocked on keys the command readied; then what the command sent
//!    its own client that Redis writes after the reply goes to `Session::after_reply`.
//!
//! A typed gRPC RPC enters at step 3 with its command's route and its keys ([`typed`]).
//! `EXEC` is an ordinary command whose plan is the union of its queued commands' plans and
//! its client's watched keys; its handler runs each queued command at step 6 inside that
//! one txn ([`run_queued`]). A blocked client is served by its waiter
//! ([`block`]) through steps 5 to 8.
//!
//! The path adds no task, channel or allocation per command: two time-stamp counter reads
//! (the command's time and duration; see [`crate::store::clock`]), a key-spec walk into
//! an inline lock plan, and plain stores into this thread's statistics shard.

pub mod plan;
pub mod propagate;
pub mod stats;

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::acl;
use crate::blocking::{Attempt, Deliver, Outcome, UnblockMode, Wait, Waiter};
use crate::commands::pubsub::{ALLOWED_WHILE_SUBSCRIBED, not_allowed_while_subscribed};
use crate::commands::{self, BlockOn, Ctx, Protocol, Reply, Route, Session, flags};
use crate::error::{Error, Result};
use crate::monitor::typed_argv;
use crate::state::{ClientInfo, ServerState};
use crate::store::clock::Moment;
use crate::store::{Access, LockPlan, ValueType};
use crate::tracking::Tracking;
use smallvec::SmallVec;

/// Runs one command given as Redis arguments and returns its reply; errors become error
/// replies. Clients blocked on keys the command readied are served before this returns.
pub fn execute(server: &ServerState, session: &mut Session, argv: &[Bytes]) -> Reply {
    let outer = Tracking::enter(&session.client);
    let reply = dispatch(server, session, argv);
    serve_blocked(server);
    if session.client.tracking() {
        // `CLIENT CACHING` applies to the next command (or transaction) only.
        if session.multi.is_none() && !argv[0].eq_ignore_ascii_case(b"client") {
            session.client.tracking.lock().caching = false;
        }
    }
    session.after_reply.clear();
    server
        .tracking
        .leave(outer, &session.client, &mut session.after_reply);
    reply
}

/// Serves the clients blocked on keys that are ready (one atomic load when none are).
pub fn serve_blocked(server: &ServerState) {
    if server.blocking.has_ready() {
        server.blocking.serve_ready(server);
    }
}

fn dispatch(server: &ServerState, session: &mut Session, argv: &[Bytes]) -> Reply {
    let route = match commands::resolve(argv) {
        Ok(route) => route,
        Err((route, error)) => {
            if let Some(route) = route {
                session.client.note_command(route.id);
            }
            return reject(server, session, route, error);
        }
    };
    // The client's last command (CLIENT LIST cmd=, also in ACL LOG entries) is the one
    // being processed from here on, even if it is refused, as Redis sets `c->lastcmd`.
    session.client.note_command(route.id);
    // Protected commands run only as `enable-debug-command` allows (Redis checks this
    // right after the argument count, before authentication).
    if route.has_flag(flags::PROTECTED)
        && route.command.name == "debug"
        && !server.config.read().allows_debug(&session.client.addr)
    {
        let error = Error::err(
            "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", \
             you can run it from a local connection, otherwise you need to set this option in \
             the configuration file, and then restart the server.",
        );
        return reject(server, session, Some(route), error);
    }
    if let Err(error) = check_auth(server, session, route) {
        return reject(server, session, Some(route), error);
    }
    if session.multi.is_some() && route.has_flag(flags::NO_MULTI) {
        let error = Error::err("Command not allowed inside a transaction");
        return reject(server, session, Some(route), error);
    }
    if let Err(error) = check_access(server, session, route, argv) {
        return reject(server, session, Some(route), error);
    }
    if let Err(error) = check_memory(server, session, route, argv) {
        return reject(server, session, Some(route), error);
    }
    // A RESP2 subscriber reads every reply as a message, so Redis lets it run only the
    // commands whose replies look like one.
    if session.protocol == Protocol::Resp2
        && session.client.subscribed()
        && !(route.command.parent.is_empty()
            && ALLOWED_WHILE_SUBSCRIBED.contains(&route.command.name))
    {
        let error = not_allowed_while_subscribed(&route.full_name);
        return reject(server, session, Some(route), error);
    }
    // While a script runs past busy-reply-threshold, only a few commands are served.
    if !route.has_flag(flags::ALLOW_BUSY)
        && let Some(error) = server.scripts.busy_error(session.client.id)
    {
        return reject(server, session, Some(route), error);
    }
    // Redis marks a monitoring client as a replica, and replicas may not touch keys.
    if session.client.monitoring() && touches_keyspace(session, route) {
        let error = Error::err("Replica can't interact with the keyspace");
        return reject(server, session, Some(route), error);
    }
    // A failed BGSAVE with `stop-writes-on-bgsave-error` refuses writes (and, as in
    // Redis, PING) until a save succeeds.
    if (server.persistence.refusing_writes() || server.aof.write_failed())
        && (writes(session, route) || route.full_name == "ping")
    {
        let error = match server.aof.last_error.lock().clone() {
            Some(reason) if server.aof.write_failed() => {
                Error::Other(format!("MISCONF Errors writing to the AOF file: {reason}").into())
            }
            _ => misconf_error(),
        };
        return reject(server, session, Some(route), error);
    }
    if let Some(multi) = &mut session.multi
        && !route.has_flag(flags::TXN_CONTROL)
    {
        // A block that cannot run (a refused command, a changed watched key) keeps no
        // more commands, as Redis's `queueMultiCommand`.
        if !multi.aborted && !server.watches.is_dirty(session.client.id) {
            // Owned copies: a queued command must not pin the connection's read buffer.
            let owned = argv.iter().map(|a| Bytes::copy_from_slice(a)).collect();
            multi.queue.push((route, owned));
            session.client.set_multi(Some(multi.queue.len()));
            session.client.note_queued(argv);
        }
        return Reply::simple("QUEUED");
    }
    call(server, session, route, argv)
}

/// `maxmemory`, as Redis's `processCommand` applies it: over the limit, keys are evicted
/// first; when nothing may go, the commands that may grow memory are refused (see
/// [`denies_oom`]; for `EXEC`, one it would run), and inside `MULTI` every command but
/// EXEC, DISCARD, QUIT and RESET, since queueing takes memory too.
fn check_memory(
    server: &ServerState,
    session: &mut Session,
    route: &Route,
    argv: &[Bytes],
) -> Result<()> {
    if !out_of_memory(server, session) {
        return Ok(());
    }
    let queueing = session.multi.is_some()
        && !matches!(
            route.full_name.as_str(),
            "exec" | "discard" | "quit" | "reset"
        );
    let refused = queueing
        || denies_oom(server, route, argv)
        || (route.full_name == "exec"
            && session.multi.as_ref().is_some_and(|m| {
                m.queue
                    .iter()
                    .any(|(queued, argv)| denies_oom(server, queued, argv))
            }));
    if refused {
        return Err(Error::full(crate::maxmemory::OOM_ERROR));
    }
    Ok(())
}

/// Enforces `maxmemory` before a command (evicting what its policy allows) and tells
/// whether memory is still over it with nothing left to evict; the command's scripts
/// remember that (`Session::oom`). Skipped while a script runs past
/// `busy-reply-threshold` (it holds the keys) and for the AOF's replay, as in Redis.
fn out_of_memory(server: &ServerState, session: &mut Session) -> bool {
    session.oom = server.memory.limit() > 0
        && !session.replaying
        && !server.scripts.is_busy()
        && server.memory.enforce(&server.store) == crate::maxmemory::MemoryState::OutOfMemory;
    session.oom
}

/// Whether Redis refuses the command when out of memory: it is flagged `denyoom`, or it
/// runs a script that declared neither `allow-oom` nor `no-writes`.
fn denies_oom(server: &ServerState, route: &Route, argv: &[Bytes]) -> bool {
    match crate::scripting::declared_flags(server, route, argv) {
        Some(flags) => flags.denies_oom(),
        None => route.has_flag(flags::DENYOOM),
    }
}

/// Whether a command writes (for `EXEC`: whether a queued command does).
fn writes(session: &Session, route: &Route) -> bool {
    route.has_flag(flags::WRITE)
        || (route.command.name == "exec"
            && session
                .multi
                .as_ref()
                .is_some_and(|m| m.queue.iter().any(|(r, _)| r.has_flag(flags::WRITE))))
}

/// Redis's `shared.bgsaveerr`.
fn misconf_error() -> Error {
    Error::full(
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to \
         persist to disk. Commands that may modify the data set are disabled, because this \
         instance is configured to report errors during writes if RDB snapshotting fails \
         (stop-writes-on-bgsave-error option). Please check the Redis logs for details about \
         the RDB error.",
    )
}

/// Whether a command reads or writes keys (for `EXEC`: whether a queued command does).
fn touches_keyspace(session: &Session, route: &Route) -> bool {
    const KEYSPACE: u32 = flags::READONLY | flags::WRITE | flags::MAY_REPLICATE;
    route.has_flag(KEYSPACE)
        || (route.command.name == "exec"
            && session
                .multi
                .as_ref()
                .is_some_and(|m| m.queue.iter().any(|(r, _)| r.has_flag(KEYSPACE))))
}

/// Shows a command that ran to the `MONITOR` clients, unless Redis hides it.
fn feed_monitors<A: AsRef<[u8]>>(
    server: &ServerState,
    session: &Session,
    route: &Route,
    argv: &[A],
) {
    if server.monitors.active() && !route.has_flag(flags::SKIP_MONITOR | flags::ADMIN) {
        // A script's commands show as its script client's, `[db lua]`, as in Redis.
        let addr = if session.in_script {
            "lua"
        } else {
            &session.client.addr
        };
        server.monitors.feed(&server.pubsub, session.db, addr, argv);
    }
}

/// `NOAUTH`: a client that has not authenticated while the default user needs a password
/// may only run the commands Redis flags `no_auth` (AUTH, HELLO, ...).
fn check_auth(server: &ServerState, session: &Session, route: &Route) -> Result<()> {
    if server.acl.requires_auth()
        && !session.client.authenticated()
        && !session.replaying
        && !route.has_flag(flags::NO_AUTH)
    {
        return Err(Error::full("NOAUTH Authentication required."));
    }
    Ok(())
}

/// The access check: every command of either front end, also inside `MULTI` and at
/// `EXEC`, passes here with its route and arguments (Redis's `ACLCheckAllPerm`). A denial
/// is logged (`ACL LOG`) and answered with Redis's `NOPERM` text. Commands replayed from
/// the AOF, and those a script runs (checked in the script with its caller's user), are
/// not checked here.
fn check_access(
    server: &ServerState,
    session: &Session,
    route: &Route,
    argv: &[Bytes],
) -> Result<()> {
    if server.acl.open() || session.replaying || session.in_script {
        return Ok(());
    }
    let context = if session.multi.is_some() {
        acl::Context::Multi
    } else {
        acl::Context::Toplevel
    };
    check_user(server, &session.client, route, argv, context)
        .map_err(|denied| Error::Other(acl::denied_error(denied, &route.full_name).into()))
}

/// Checks `route` with `argv` against the rules of `client`'s user, logging a denial in
/// `context` (Lua: `client` is the script's caller).
pub fn check_user(
    server: &ServerState,
    client: &ClientInfo,
    route: &Route,
    argv: &[Bytes],
    context: acl::Context,
) -> std::result::Result<(), acl::Denied> {
    if server.acl.open() {
        return Ok(());
    }
    let user = server.acl.user_or_default(client.user());
    if user.unrestricted() {
        return Ok(());
    }
    user.rules().check(route, argv).inspect_err(|&denied| {
        let object = match denied {
            acl::Denied::Command => Bytes::from(route.full_name.clone()),
            acl::Denied::Key(pos) | acl::Denied::Channel(pos) => argv[pos].clone(),
        };
        log_denial(server, client, &user.name, denied.reason(), object, context);
    })
}

/// Adds an ACL LOG entry for `client`.
pub fn log_denial(
    server: &ServerState,
    client: &ClientInfo,
    username: &Bytes,
    reason: acl::Reason,
    object: Bytes,
    context: acl::Context,
) {
    server.acl.log(acl::LogEntry {
        count: 1,
        reason,
        context,
        object,
        username: username.clone(),
        ctime_ms: Moment::now().unix_ms(),
        client_info: commands::client::client_line(server, client, None),
    });
}

/// A command refused before it ran (Redis's `rejectCommand`): counted, and inside `MULTI`
/// it dooms the transaction. A refused `EXEC` discards the transaction at once.
fn reject(
    server: &ServerState,
    session: &mut Session,
    route: Option<&Route>,
    error: Error,
) -> Reply {
    if let Some(route) = route {
        server.stats.commands.rejected(route.id);
        if let Some(metrics) = server.metrics.get() {
            metrics.rejected(route.id, session.client.kind);
        }
    }
    let error = match route {
        Some(route) if route.command.name == "exec" => {
            session.discard_multi();
            server.watches.unwatch_all(session.client.id);
            let message = error.message();
            let reason = message.strip_prefix("ERR ").unwrap_or(&message);
            Error::Other(format!("EXECABORT Transaction discarded because of: {reason}").into())
        }
        _ => {
            if let Some(multi) = &mut session.multi {
                multi.aborted = true;
            }
            error
        }
    };
    server.stats.errors.count(&error);
    Reply::Error(error)
}

/// Steps 4 to 8 for a command that passed the checks.
fn call(server: &ServerState, session: &mut Session, route: &Route, argv: &[Bytes]) -> Reply {
    let started = Moment::now();
    let runs_script = runs_script(session, route);
    // Scripts run one at a time; the turn is taken before any lock (see `scripting`).
    let turn = match runs_script.then(|| server.scripts.enter()) {
        Some(Err(busy)) => return finish(server, session, route, argv, started, Err(busy)),
        Some(Ok(turn)) => Some(turn),
        None => None,
    };
    let mut plan = LockPlan::new();
    let db = session.db;
    plan::command(&Ctx::new(server, session), route, argv, db, &mut plan);
    if runs_script && route.command.name == "exec" {
        // A queued script may write what another queued command only reads.
        plan.all_written();
    }
    let result = if plan.is_empty() && !runs_script {
        let result = run(&mut Ctx::new(server, session), route, argv);
        propagate::flush(server, None);
        result
    } else {
        let client = session.client.id;
        let busy = || server.scripts.busy_error(client).is_some();
        match server.store.lock_unless(plan, started, busy) {
            Some(txn) => {
                let result = run(&mut Ctx::with_txn(server, session, Some(&txn)), route, argv);
                // Logged before the locks go, so conflicting commands log in commit order.
                propagate::flush(server, Some(&txn));
                result
            }
            None => Err(server
                .scripts
                .busy_error(client)
                .unwrap_or_else(|| Error::err("busy"))),
        }
    };
    drop(turn);
    let reply = finish(server, session, route, argv, started, result);
    feed_monitors(server, session, route, argv);
    reply
}

/// Whether a command runs a script: a script command, or an `EXEC` queueing one.
fn runs_script(session: &Session, route: &Route) -> bool {
    route.has_flag(flags::SCRIPT)
        || (route.command.name == "exec"
            && session
                .multi
                .as_ref()
                .is_some_and(|m| m.queue.iter().any(|(r, _)| r.has_flag(flags::SCRIPT))))
}

/// Step 6: the handler.
fn run(ctx: &mut Ctx<'_>, route: &Route, argv: &[Bytes]) -> Result<Reply> {
    let handler = route
        .command
        .handler
        .expect("resolved commands have handlers");
    // The append-only file's record of this command (one load when it is off).
    let logging = ctx.server.aof.active().then(|| {
        let from = ctx.txn_if_any().map_or(0, |txn| txn.effects().len());
        (ctx.db(), from, propagate::begin_command())
    });
    let result = handler(ctx, argv);
    if let Some(txn) = ctx.txn_if_any() {
        txn.end_command();
    }
    if let Some((db, from, outer)) = logging {
        propagate::end_command(ctx, db, route, argv, &result, from, outer);
    }
    if ctx.session.client.tracking() && route.has_flag(flags::READONLY) {
        // The keys a tracking client read may be in its cache now.
        let mut keys: SmallVec<[&Bytes; 4]> = SmallVec::new();
        plan::for_each_key(route, argv, |key| keys.push(key));
        ctx.server.tracking.remember(&ctx.session.client, &keys);
    }
    result
}

/// Step 7: statistics of a call that started at `started`, and the slow log and latency
/// monitor when it was slow. A command a script runs is logged as the script's (Redis's
/// script client); one that blocked goes in the slow log and its latency histogram when it
/// is served (see `Blocked::attempt`), as Redis's `updateStatsOnUnblock` does.
fn finish(
    server: &ServerState,
    session: &Session,
    route: &Route,
    argv: &[Bytes],
    started: Moment,
    result: Result<Reply>,
) -> Reply {
    let usec = started.elapsed_us();
    let blocked = session.blocked.is_some();
    if blocked && let Some(slot) = &session.blocked_argv {
        let _ = slot.set(argv.to_vec());
    }
    if !blocked {
        let caller = (!session.in_script).then_some(&*session.client);
        server.slowlog.consider(caller, route, argv, usec);
    }
    let event = if route.has_flag(flags::FAST) {
        "fast-command"
    } else {
        "command"
    };
    server.latency.consider(event, usec / 1000);
    server
        .stats
        .commands
        .called(route.id, usec, result.is_err(), blocked);
    if let Some(metrics) = server.metrics.get() {
        metrics.called(route.id, session.client.kind, usec, result.is_err());
    }
    match result {
        Ok(reply) => reply,
        Err(error) => {
            server.stats.errors.count(&error);
            Reply::Error(error)
        }
    }
}

/// Runs a command queued by `MULTI` inside the txn `EXEC` opened (whose plan covers it),
/// with the checks `EXEC` repeats (access control) and the command's statistics.
pub fn run_queued(ctx: &mut Ctx<'_>, route: &Route, argv: &[Bytes]) -> Reply {
    if !ctx.server.acl.open() && !ctx.session.in_script && !ctx.session.replaying {
        let checked = check_user(
            ctx.server,
            &ctx.session.client,
            route,
            argv,
            acl::Context::Multi,
        );
        if let Err(denied) = checked {
            let reason = match denied {
                acl::Denied::Command => "no permission to execute the command or subcommand",
                acl::Denied::Key(_) => "no permission to touch the specified keys",
                acl::Denied::Channel(_) => {
                    "no permission to access one of the channels used as arguments"
                }
            };
            let error = Error::Other(
                format!(
                    "NOPERM ACLs rules changed between the moment the transaction was \
                     accumulated and the EXEC call. This command is no longer allowed for \
                     the following reason: {reason}"
                )
                .into(),
            );
            ctx.server.stats.errors.count(&error);
            return Reply::Error(error);
        }
    }
    let started = Moment::now();
    let result = run(ctx, route, argv);
    let reply = finish(ctx.server, ctx.session, route, argv, started, result);
    feed_monitors(ctx.server, ctx.session, route, argv);
    reply
}

/// Adds what the queued commands of `queue` lock, run in order from database `db` (a
/// queued `SELECT` changes the database of the commands after it), to `plan`.
pub fn plan_queued(
    ctx: &Ctx<'_>,
    queue: &[(&'static Route, Vec<Bytes>)],
    mut db: usize,
    plan: &mut LockPlan,
) {
    for (route, argv) in queue {
        plan::command(ctx, route, argv, db, plan);
        if route.command.name == "select"
            && let Some(index) = argv
                .get(1)
                .and_then(|a| crate::store::numeric::parse_i64(a))
            && (0..ctx.store().databases() as i64).contains(&index)
        {
            db = index as usize;
        }
    }
}

/// What a transaction of the gRPC API checks about a key before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The key exists (true) or does not (false).
    Exists(bool),
    /// The key holds a string equal to this.
    ValueEquals(Bytes),
    /// The key is at this version (0: absent).
    Version(u64),
}

/// A precondition of a transaction: `check` on `key` of database `db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precondition {
    pub db: usize,
    pub key: Bytes,
    pub check: Check,
}

/// What a transaction did.
#[derive(Debug, Default)]
pub struct Transacted {
    /// Whether every precondition held (the commands ran only then).
    pub committed: bool,
    /// Per precondition: whether it held.
    pub held: Vec<bool>,
    /// Per command, when committed: its reply.
    pub replies: Vec<Reply>,
    /// (database, key, version) of every key the preconditions and commands name, once.
    pub versions: Vec<(usize, Bytes, u32)>,
}

/// A transaction of the gRPC API: `commands` (each with its database) run as one `EXEC`
/// would run them, in one txn that also checks `preconditions` first. A command that could
/// not be queued fails the whole transaction with `EXECABORT` before anything runs.
pub fn transaction(
    server: &ServerState,
    session: &mut Session,
    preconditions: &[Precondition],
    commands: &[(usize, Vec<Bytes>)],
) -> Result<Transacted> {
    let outer = Tracking::enter(&session.client);
    let result = transaction_as_current(server, session, preconditions, commands);
    // A gRPC call has nowhere to write pushes after its reply.
    server
        .tracking
        .leave(outer, &session.client, &mut Vec::new());
    result
}

fn transaction_as_current(
    server: &ServerState,
    session: &mut Session,
    preconditions: &[Precondition],
    commands: &[(usize, Vec<Bytes>)],
) -> Result<Transacted> {
    let exec_route = commands::route(b"exec").expect("EXEC is in the table");
    let started = Moment::now();
    let execabort = |error: Error| {
        let message = error.message();
        let reason = message.strip_prefix("ERR ").unwrap_or(&message);
        Error::Other(format!("EXECABORT Transaction discarded because of: {reason}").into())
    };
    let mut queued = Vec::with_capacity(commands.len());
    for (db, argv) in commands {
        let route = match commands::resolve(argv) {
            Ok(route) => route,
            Err((route, error)) => {
                if let Some(route) = route {
                    server.stats.commands.rejected(route.id);
                }
                return Err(execabort(error));
            }
        };
        if route.has_flag(flags::NO_MULTI) || route.has_flag(flags::TXN_CONTROL) {
            server.stats.commands.rejected(route.id);
            return Err(execabort(Error::err(
                "Command not allowed inside a transaction",
            )));
        }
        check_auth(server, session, route).map_err(execabort)?;
        check_access(server, session, route, argv).map_err(execabort)?;
        queued.push((*db, route, argv));
    }
    if out_of_memory(server, session)
        && queued
            .iter()
            .any(|(_, route, argv)| denies_oom(server, route, argv))
    {
        server.stats.commands.rejected(exec_route.id);
        return Err(Error::full(crate::maxmemory::OOM_ERROR));
    }
    let runs_script = queued
        .iter()
        .any(|(_, route, _)| route.has_flag(flags::SCRIPT));
    let _turn = if runs_script {
        Some(server.scripts.enter()?)
    } else {
        None
    };
    let mut plan = LockPlan::new();
    for p in preconditions {
        plan.key(p.db, &p.key, Access::Read);
    }
    for (db, route, argv) in &queued {
        plan::command(&Ctx::new(server, session), route, argv, *db, &mut plan);
    }
    if runs_script {
        plan.all_written();
    }
    let txn = (!plan.is_empty() || runs_script).then(|| server.store.lock_at(plan, started));
    // Monitors see the transaction as Redis shows one: MULTI, its commands, EXEC.
    let multi_route = commands::route(b"multi").expect("MULTI is in the table");
    feed_monitors(server, session, multi_route, &["multi"]);
    let mut ctx = Ctx::with_txn(server, session, txn.as_ref());
    let mut done = Transacted::default();
    for p in preconditions {
        let entry = ctx.txn().peek(p.db, &p.key);
        done.held.push(match &p.check {
            Check::Exists(wanted) => entry.is_some() == *wanted,
            Check::ValueEquals(value) => entry.is_some_and(|e| {
                matches!(e.value(), crate::store::Value::String(s) if *s.as_bytes() == value[..])
            }),
            Check::Version(version) => u64::from(entry.map_or(0, |e| e.version())) == *version,
        });
    }
    done.committed = done.held.iter().all(|&held| held);
    if done.committed {
        let db = ctx.session.db;
        ctx.session.deny_blocking = true;
        for (db, route, argv) in &queued {
            ctx.session.db = *db;
            done.replies.push(run_queued(&mut ctx, route, argv));
        }
        ctx.session.deny_blocking = false;
        ctx.session.db = db;
    }
    let mut named: Vec<(usize, &Bytes)> = preconditions.iter().map(|p| (p.db, &p.key)).collect();
    for (db, route, argv) in &queued {
        plan::for_each_key(route, argv, |key| named.push((*db, key)));
    }
    for (db, key) in named {
        if done.versions.iter().any(|(d, k, _)| *d == db && k == key) {
            continue;
        }
        let version = ctx.txn().peek(db, key).map_or(0, |e| e.version());
        done.versions.push((db, key.clone(), version));
    }
    propagate::flush(server, txn.as_ref());
    // The txn goes (its effects reach the observers) before blocked clients are served.
    drop(txn);
    server.aof.commit_on_worker();
    let usec = started.elapsed_us();
    server
        .stats
        .commands
        .called(exec_route.id, usec, false, false);
    if let Some(metrics) = server.metrics.get() {
        metrics.called(exec_route.id, session.client.kind, usec, false);
    }
    feed_monitors(server, session, exec_route, &["exec"]);
    serve_blocked(server);
    Ok(done)
}

/// A typed gRPC RPC: the command `name` (its route gives its statistics and, later, its
/// access rules), the keys `locks` finds in `request`, and `op`, run on `request` with the
/// txn over them. Clients blocked on keys it readied are served before this returns.
pub fn typed<R, T>(
    server: &ServerState,
    session: &mut Session,
    name: &str,
    request: R,
    locks: impl FnOnce(&R, &mut TypedLocks<'_>),
    op: impl FnOnce(&mut Ctx<'_>, R) -> Result<T>,
) -> Result<T> {
    let route = commands::route(name.as_bytes()).expect("typed RPCs name commands of the table");
    let outer = Tracking::enter(&session.client);
    let mut named = Vec::new();
    let result = (|| {
        let kind = session.client.kind;
        let refused = |error: Error| {
            server.stats.commands.rejected(route.id);
            if let Some(metrics) = server.metrics.get() {
                metrics.rejected(route.id, kind);
            }
            error
        };
        check_auth(server, session, route).map_err(refused)?;
        let started = Moment::now();
        let mut plan = LockPlan::new();
        let mut checked = (!server.acl.open()).then(TypedNames::default);
        locks(
            &request,
            &mut TypedLocks {
                plan: &mut plan,
                db: session.db,
                databases: server.store.databases(),
                access: if route.has_flag(flags::WRITE) {
                    Access::Write
                } else {
                    Access::Read
                },
                named: server.monitors.active().then_some(&mut named),
                checked: checked.as_mut(),
            },
        );
        if let Some(names) = &checked {
            check_typed(server, &session.client, route, names).map_err(refused)?;
        }
        if out_of_memory(server, session) && route.has_flag(flags::DENYOOM) {
            return Err(refused(Error::full(crate::maxmemory::OOM_ERROR)));
        }
        session.client.note_command(route.id);
        // Set again by a typed operation that blocks (see `block_until`).
        session.blocked_argv = None;
        let result = if plan.is_empty() {
            op(&mut Ctx::new(server, session), request)
        } else {
            let txn = server.store.lock_at(plan, started);
            let outer = propagate::begin_command();
            let result = op(&mut Ctx::with_txn(server, session, Some(&txn)), request);
            let logged_itself = propagate::end_own(outer);
            if server.aof.active() && route.has_flag(flags::WRITE) {
                // A typed call has no command line: unless its operation logged what it
                // did (a stream command's rewrite), the keys it changed are logged by state.
                txn.end_command();
                if !logged_itself {
                    propagate::push_all(propagate::state_records(&txn, 0));
                }
                propagate::flush(server, Some(&txn));
            } else {
                propagate::discard();
            }
            result
        };
        let usec = started.elapsed_us();
        let blocked = session.blocked_argv.is_some();
        server
            .stats
            .commands
            .called(route.id, usec, result.is_err(), blocked);
        if let Some(metrics) = server.metrics.get() {
            metrics.called(route.id, session.client.kind, usec, result.is_err());
        }
        // Monitors see a typed RPC as its command's name and the keys it named.
        let argv = typed_argv(name, &named);
        if let Some(slot) = &session.blocked_argv {
            let _ = slot.set(argv.clone());
        }
        feed_monitors(server, session, route, &argv);
        result
    })();
    if let Err(error) = &result {
        server.stats.errors.count(error);
    }
    serve_blocked(server);
    server.aof.commit_on_worker();
    // A gRPC call has nowhere to write pushes after its reply.
    server
        .tracking
        .leave(outer, &session.client, &mut Vec::new());
    result
}

/// The keys a typed RPC locks: each is read or written as its command's flags say.
pub struct TypedLocks<'p> {
    plan: &'p mut LockPlan,
    db: usize,
    databases: usize,
    access: Access,
    /// The keys named, collected only while someone monitors.
    named: Option<&'p mut Vec<Bytes>>,
    /// The keys and channels named, collected for the access check unless ACLs are open.
    checked: Option<&'p mut TypedNames>,
}

/// What a typed call names, for its access check.
#[derive(Default)]
pub struct TypedNames {
    keys: Vec<(Bytes, Access)>,
    channels: Vec<(Bytes, bool)>,
    /// The written keys need write permission only (a SET without GET).
    write_only: bool,
}

/// The access check of a typed call: its command, its keys (each needing the permissions
/// its command's key specs ask for its access) and its channels.
fn check_typed(
    server: &ServerState,
    client: &ClientInfo,
    route: &Route,
    names: &TypedNames,
) -> Result<()> {
    let user = server.acl.user_or_default(client.user());
    if user.unrestricted() {
        return Ok(());
    }
    let permissions = |access: Access| {
        let specs = route.key_specs.iter().zip(&route.key_access);
        let wanted = specs
            .filter(|(_, a)| **a == access)
            .fold(0, |p, (spec, _)| {
                p | acl::rules::spec_permissions(spec.flags)
            });
        match (wanted, access) {
            (_, Access::Write) if names.write_only => acl::rules::WRITE,
            (0, Access::Read) => acl::rules::READ,
            (0, Access::Write) => acl::rules::READ | acl::rules::WRITE,
            (wanted, _) => wanted,
        }
    };
    let keys: Vec<(&[u8], u8)> = names
        .keys
        .iter()
        .map(|(key, access)| (key.as_ref(), permissions(*access)))
        .collect();
    let rules = user.rules();
    let mut result = rules.check_typed(route, &keys, &[]);
    if result.is_ok()
        && let Some(i) = names
            .channels
            .iter()
            .position(|(channel, pattern)| !rules.channel_allowed(channel, *pattern))
    {
        result = Err(acl::Denied::Channel(i));
    }
    result.map_err(|denied| {
        let object = match denied {
            acl::Denied::Command => Bytes::from(route.full_name.clone()),
            acl::Denied::Key(i) => names.keys[i].0.clone(),
            acl::Denied::Channel(i) => names.channels[i].0.clone(),
        };
        log_denial(
            server,
            client,
            &user.name,
            denied.reason(),
            object,
            acl::Context::Toplevel,
        );
        Error::Other(acl::denied_error(denied, &route.full_name).into())
    })
}

impl TypedLocks<'_> {
    /// A key of the request's database.
    pub fn key(&mut self, key: &[u8]) {
        self.plan.key(self.db, key, self.access);
        self.note(key, self.access);
    }

    /// Whether the keys written are only written, never read (the access check then asks
    /// for write permission alone).
    pub fn write_only(&mut self, write_only: bool) {
        if let Some(checked) = &mut self.checked {
            checked.write_only = write_only;
        }
    }

    /// A channel the call publishes to or subscribes to (a pattern when `pattern`): not
    /// locked, only checked against the user's channel rules.
    pub fn channel(&mut self, channel: &[u8], pattern: bool) {
        if let Some(checked) = &mut self.checked {
            checked
                .channels
                .push((Bytes::copy_from_slice(channel), pattern));
        }
    }

    fn note(&mut self, key: &[u8], access: Access) {
        if let Some(named) = &mut self.named {
            named.push(Bytes::copy_from_slice(key));
        }
        if let Some(checked) = &mut self.checked {
            checked.keys.push((Bytes::copy_from_slice(key), access));
        }
    }

    pub fn keys<K: AsRef<[u8]>>(&mut self, keys: &[K]) {
        for key in keys {
            self.key(key.as_ref());
        }
    }

    /// A key with an access of its own, maybe in another database (`Copy`). A database
    /// out of range locks nothing (the RPC fails on it before touching a key).
    pub fn key_in(&mut self, db: usize, key: &[u8], access: Access) {
        if db < self.databases {
            self.plan.key(db, key, access);
            self.note(key, access);
        }
    }

    /// The request's database.
    pub fn request_db(&self) -> usize {
        self.db
    }

    /// The whole database of the request.
    pub fn db(&mut self) {
        self.plan.db(self.db, self.access);
    }
}

/// Registers the client of `ctx` as blocked on `on` (see [`Ctx::block`]); `serve` serves
/// it later from the key that became ready.
pub fn block<T, F>(ctx: &mut Ctx<'_>, on: BlockOn<'_>, mut serve: F) -> Wait<Result<T>>
where
    T: Send + 'static,
    F: FnMut(&mut Ctx<'_>, &[u8]) -> Result<T> + Send + 'static,
{
    block_until(ctx, on, move |ctx, key| Some(serve(ctx, key)))
}

/// As [`block`], for waiters that decide themselves whether a ready key serves them:
/// `serve` answers `None` to keep waiting. A waiter for [`ValueType::Stream`] is also
/// tried when its key is gone or holds another type (a blocked XREADGROUP then fails,
/// as in Redis); others are tried only on a key of their type.
pub fn block_until<T, F>(ctx: &mut Ctx<'_>, on: BlockOn<'_>, serve: F) -> Wait<Result<T>>
where
    T: Send + 'static,
    F: FnMut(&mut Ctx<'_>, &[u8]) -> Option<Result<T>> + Send + 'static,
{
    let (deliver, receiver) = oneshot::channel();
    let keys: Vec<&[u8]> = on.keys.iter().map(|k| &k[..]).collect();
    let argv = Arc::new(std::sync::OnceLock::new());
    ctx.session.blocked_argv = Some(argv.clone());
    let waiter = Blocked {
        client: ctx.session.client.clone(),
        db: ctx.db(),
        protocol: ctx.session.protocol,
        kind: on.kind,
        command: ctx.session.client.last_command(),
        argv,
        also_locks: on.also_locks.to_vec(),
        serve,
        deliver: Some(deliver),
    };
    let registration =
        ctx.server
            .blocking
            .register(ctx.session.client.id, ctx.db(), &keys, Box::new(waiter));
    Wait::new(registration, receiver, on.timeout).counted_in(&ctx.server.blocking)
}

impl<T, F> Blocked<T, F> {
    /// Redis's `updateStatsOnUnblock` for a command served (or unblocked by CLIENT
    /// UNBLOCK, `served` false) after `usec` of serving: its time and histogram, the slow
    /// log, the `command-unblocking` latency event. (Redis also adds the first run's
    /// duration; its CLIENT UNBLOCK entry has no arguments, the client's were reset.)
    fn log_unblocked(&self, server: &ServerState, usec: u64, served: bool) {
        let Some(route) = self.command.and_then(crate::commands::route_by_id) else {
            return;
        };
        server.stats.commands.unblocked(route.id, usec);
        let argv = match self.argv.get() {
            Some(argv) if served => &argv[..],
            _ => &[][..],
        };
        server
            .slowlog
            .consider(Some(&self.client), route, argv, usec);
        server.latency.consider("command-unblocking", usec / 1000);
    }
}

/// A blocked command waiting to be served.
struct Blocked<T, F> {
    client: Arc<ClientInfo>,
    db: usize,
    protocol: Protocol,
    kind: ValueType,
    /// The blocked command's route (for its statistics when it fails later).
    command: Option<usize>,
    /// Its arguments, for the slow log when it is served (left by the execution path
    /// once the command's first run ends).
    argv: Arc<std::sync::OnceLock<Vec<Bytes>>>,
    also_locks: Vec<Bytes>,
    serve: F,
    deliver: Option<Deliver<Result<T>>>,
}

impl<T, F> Waiter<ServerState> for Blocked<T, F>
where
    T: Send + 'static,
    F: FnMut(&mut Ctx<'_>, &[u8]) -> Option<Result<T>> + Send + 'static,
{
    fn attempt(&mut self, server: &ServerState, db: usize, key: &[u8]) -> Attempt {
        let started = Moment::now();
        let mut session = Session::new(self.client.clone());
        session.db = self.db;
        session.protocol = self.protocol;
        let mut plan = LockPlan::new();
        plan.key(db, key, Access::Write);
        for other in &self.also_locks {
            plan.key(db, other, Access::Write);
        }
        let txn = server.store.lock(plan);
        // Redis serves a ready key only to the clients blocked for its type.
        if self.kind != ValueType::Stream {
            match txn.peek(db, key).map(|e| e.value().value_type()) {
                None => return Attempt::Keep,
                Some(kind) if kind != self.kind => return Attempt::Skip,
                Some(_) => {}
            }
        }
        let outer = propagate::begin_command();
        let served = (self.serve)(&mut Ctx::with_txn(server, &mut session, Some(&txn)), key);
        let logged_itself = propagate::end_own(outer);
        let Some(result) = served else {
            propagate::discard();
            return Attempt::Skip;
        };
        if server.aof.active() {
            // RESP waiters log the pop they did; others (typed gRPC waiters) by state.
            txn.end_command();
            if !logged_itself && !propagate::has_pending() {
                propagate::push_all(propagate::state_records(&txn, 0));
            }
            propagate::flush(server, Some(&txn));
        } else {
            propagate::discard();
        }
        drop(txn);
        // The client's reply goes out after this: its pop must be as durable as any.
        server.aof.commit_on_worker();
        if let Err(error) = &result {
            server.stats.errors.count(error);
            // Redis's updateStatsOnUnblock: the blocked command failed after all.
            if let Some(id) = self.command {
                server.stats.commands.failed_later(id);
            }
        }
        self.log_unblocked(server, started.elapsed_us(), true);
        if let Some(deliver) = self.deliver.take() {
            // A client gone since cannot be served: its registration is removed first.
            let _ = deliver.send(Outcome::Served(result));
        }
        Attempt::Served
    }

    fn unblock(mut self: Box<Self>, server: &ServerState, mode: UnblockMode) {
        // Redis counts a CLIENT UNBLOCK as a failed call of the blocked command, either
        // way (`updateStatsOnUnblock(.., had_errors = 1)`), and its error reply as one.
        if let Some(id) = self.command {
            server.stats.commands.failed_later(id);
        }
        self.log_unblocked(server, 0, false);
        if mode == UnblockMode::Error {
            server.stats.errors.count(&crate::blocking::UNBLOCKED_ERROR);
        }
        if let Some(deliver) = self.deliver.take() {
            let _ = deliver.send(Outcome::Unblocked(mode));
        }
    }
}
