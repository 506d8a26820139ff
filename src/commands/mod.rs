//! Protocol-neutral commands and the command table.
//!
//! Each family file (`strings.rs`, `keys.rs`, ...) implements its commands as handlers
//! `fn(&mut Ctx, &[Bytes]) -> Result<Reply>` and binds them to names in its `COMMANDS`
//! slice, with what to lock when Redis's key specs do not say it ([`Locks`]). Everything
//! Redis states about a command (arity, flags, key specs, ACL categories, docs) comes from
//! the generated table in [`meta`]. [`FAMILIES`] gathers the slices into one table of
//! [`Route`]s (row + metadata); `COMMAND`, argument-count checks, key finding and
//! statistics all read it. Adding a command means one handler and one row in its family's
//! slice.
//!
//! Handlers never lock anything: the execution path ([`crate::exec`]) finds the command's
//! keys, opens the txn over them and hands it in through [`Ctx::txn`], so several commands
//! (a `MULTI` block) can run in one txn. A handler records every change it makes through
//! the txn's methods, each naming its keyspace event.
//!
//! Blocking commands that find nothing call [`Ctx::block`] with a closure that serves the
//! client later from the key that became ready (see [`crate::blocking`]).

pub mod acl;
pub mod args;
pub mod bitmaps;
pub mod client;
pub mod command;
pub mod connection;
pub mod debug;
pub mod diagnostics;
pub mod functions;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod info;
pub mod keys;
pub mod lists;
pub mod memory;
pub mod meta;
pub mod persistence;
pub mod pubsub;
pub mod reply;
pub mod scripting;
pub mod server;
pub mod sets;
pub mod sort;
pub mod sorted_sets;
pub mod streams;
pub mod strings;

pub mod transactions;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use rand::SeedableRng;
use rand::rngs::SmallRng;

pub use reply::{Protocol, Reply};

use crate::blocking::{BlockTimeout, Outcome, Wait};
use crate::error::{Error, Result};
use crate::state::{ClientInfo, ServerState};
use crate::store::{Access, LockPlan, Store, Txn, ValueType};
use meta::{KeySpecMeta, RedisCommand};

/// A command handler: parses `argv` (command name included), runs, and replies.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> Result<Reply>;

/// Command flags: Redis's `CMD_*` (from [`meta`]) and two of our own.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const NOSCRIPT: u32 = 1 << 4;
    pub const LOADING: u32 = 1 << 5;
    pub const STALE: u32 = 1 << 6;
    pub const FAST: u32 = 1 << 7;
    pub const NO_AUTH: u32 = 1 << 8;
    pub const MAY_REPLICATE: u32 = 1 << 9;
    pub const NO_MULTI: u32 = 1 << 10;
    pub const ALLOW_BUSY: u32 = 1 << 11;
    pub const SENTINEL: u32 = 1 << 12;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 13;
    pub const SKIP_SLOWLOG: u32 = 1 << 14;
    pub const SKIP_MONITOR: u32 = 1 << 15;
    pub const PUBSUB: u32 = 1 << 16;
    pub const BLOCKING: u32 = 1 << 17;
    pub const ASKING: u32 = 1 << 18;
    pub const NO_ASYNC_LOADING: u32 = 1 << 19;
    /// Derived from the key specs (`populateCommandLegacyRangeSpec`).
    pub const MOVABLE_KEYS: u32 = 1 << 20;
    pub const PROTECTED: u32 = 1 << 21;
    pub const ONLY_SENTINEL: u32 = 1 << 22;
    pub const TOUCHES_ARBITRARY_KEYS: u32 = 1 << 23;
    /// Not a Redis flag (never printed): runs at once inside `MULTI` instead of being
    /// queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET, as in Redis's `processCommand`).
    pub const TXN_CONTROL: u32 = 1 << 30;
    /// Not a Redis flag (never printed): runs a script, so it takes the one-script-at-a-
    /// time turn before its locks, and gets a txn even when it declares no key (see
    /// `crate::scripting`).
    pub const SCRIPT: u32 = 1 << 31;

    /// The names `COMMAND INFO` prints, in its order (`addReplyFlagsForCommand`); Redis
    /// hides `may_replicate`, `sentinel`, `only_sentinel`, `protected` and
    /// `touches_arbitrary_keys` on purpose.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Adds what a command locks, for the arguments `argv`, run in database `db`, to a plan.
pub type Planner = fn(&Ctx<'_>, &[Bytes], usize, &mut LockPlan);

/// What the execution path locks before a command runs.
#[derive(Debug, Clone, Copy)]
pub enum Locks {
    /// The keys its key specs find in its arguments, each read or written as its spec's
    /// flags say; nothing when it has no key spec. When the specs cannot be followed (a bad
    /// `numkeys`) the whole database, read or written as the command's flags say: the
    /// command then fails on its argument before touching anything.
    Keys,
    /// Every key of the selected database (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHDB).
    Db(Access),
    /// Every key of every database (FLUSHALL).
    AllDbs(Access),
    /// Found by the command's own function (COPY ... DB, EXEC).
    Custom(Planner),
}

/// One row of the command table: a name bound to its handler. What Redis states about the
/// command comes from [`meta`] by its full name.
#[derive(Debug)]
pub struct Command {
    /// Lower-case name; for a subcommand, its own word (`setname`).
    pub name: &'static str,
    /// Our own flags ([`flags::TXN_CONTROL`], [`flags::SCRIPT`]), added to Redis's.
    pub internal_flags: u32,
    pub locks: Locks,
    /// `None` only for pure containers (CLIENT), which always dispatch to `subcommands`.
    pub handler: Option<Handler>,
    pub subcommands: &'static [Command],
    /// The container's name for a subcommand (`client`), else "".
    pub parent: &'static str,
}

impl Command {
    /// A command run by `handler`.
    pub const fn new(name: &'static str, handler: Handler) -> Command {
        Command {
            name,
            internal_flags: 0,
            locks: Locks::Keys,
            handler: Some(handler),
            subcommands: &[],
            parent: "",
        }
    }

    /// A container command such as `CLIENT` whose words after the name select a subcommand.
    pub const fn container(name: &'static str, subcommands: &'static [Command]) -> Command {
        Command {
            name,
            internal_flags: 0,
            locks: Locks::Keys,
            handler: None,
            subcommands,
            parent: "",
        }
    }

    /// Marks a subcommand as belonging to `parent`.
    pub const fn of(mut self, parent: &'static str) -> Command {
        self.parent = parent;
        self
    }

    /// Gives a command with a handler subcommands too (COMMAND, which runs alone or as
    /// COMMAND COUNT, COMMAND INFO, ...).
    pub const fn with_subcommands(mut self, subcommands: &'static [Command]) -> Command {
        self.subcommands = subcommands;
        self
    }

    /// Says what to lock when the key specs do not say it (see [`Locks`]).
    pub const fn locks(mut self, locks: Locks) -> Command {
        self.locks = locks;
        self
    }

    /// Adds our own flags ([`flags::TXN_CONTROL`], [`flags::SCRIPT`]).
    pub const fn internal(mut self, flags: u32) -> Command {
        self.internal_flags |= flags;
        self
    }

    /// The name Redis uses in errors and `COMMAND`: `get`, `client|setname`.
    pub fn full_name(&self) -> String {
        if self.parent.is_empty() {
            self.name.to_string()
        } else {
            format!("{}|{}", self.parent, self.name)
        }
    }
}

/// Every family's command list.
pub static FAMILIES: &[&[Command]] = &[
    connection::COMMANDS,
    acl::COMMANDS,
    client::COMMANDS,
    server::COMMANDS,
    diagnostics::COMMANDS,
    memory::COMMANDS,
    debug::COMMANDS,
    persistence::COMMANDS,
    command::COMMANDS,
    transactions::COMMANDS,
    strings::COMMANDS,
    bitmaps::COMMANDS,
    keys::COMMANDS,
    lists::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    sorted_sets::COMMANDS,
    sort::COMMANDS,
    hyperloglog::COMMANDS,
    geo::COMMANDS,
    streams::COMMANDS,
    pubsub::COMMANDS,
    scripting::COMMANDS,
    functions::COMMANDS,
];

/// A command of the table as the server runs it: the row, Redis's metadata of it (from
/// [`meta`]), the flags and key access the execution path checks, and a dense id for its
/// statistics.
#[derive(Debug)]
pub struct Route {
    pub command: &'static Command,
    pub meta: &'static RedisCommand,
    pub id: usize,
    pub full_name: String,
    /// Redis's flags and the row's own ([`Command::internal`]).
    pub flags: u32,
    /// Redis 7.0's key specs of the command.
    pub key_specs: &'static [KeySpecMeta],
    /// For each key spec: whether its keys are only read.
    pub key_access: Vec<Access>,
    pub subcommands: Vec<Route>,
}

impl Route {
    /// Panics when Redis's table has no such command: every bound name must be described
    /// (a test builds every route).
    fn build(command: &'static Command, next_id: &mut usize) -> Route {
        let id = *next_id;
        *next_id += 1;
        let full_name = command.full_name();
        let meta = meta::find(&full_name)
            .unwrap_or_else(|| panic!("{full_name} has no row in src/commands/redis-json"));
        Route {
            command,
            meta,
            id,
            flags: meta.flags | command.internal_flags,
            key_specs: meta.key_specs,
            key_access: meta.key_specs.iter().map(spec_access).collect(),
            full_name,
            subcommands: command
                .subcommands
                .iter()
                .map(|sub| Route::build(sub, next_id))
                .collect(),
        }
    }

    /// Finds a subcommand by name, case-insensitively.
    pub fn subcommand(&self, name: &[u8]) -> Option<&Route> {
        self.subcommands
            .iter()
            .find(|r| r.command.name.as_bytes().eq_ignore_ascii_case(name))
    }

    pub fn has_flag(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.meta.arity);
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }
}

/// Keys of a spec flagged only `RO` are read; `RW`, `OW` and `RM` keys are written.
fn spec_access(spec: &KeySpecMeta) -> Access {
    if spec.flags.iter().any(|f| matches!(*f, "RW" | "OW" | "RM")) {
        Access::Write
    } else {
        Access::Read
    }
}

struct Routes {
    /// Lowercase names; a fast fixed hasher, as the table never grows from client input.
    by_name: HashMap<&'static [u8], &'static Route, foldhash::fast::FixedState>,
    /// Every route (subcommands included), indexed by id.
    by_id: Vec<&'static Route>,
}

static ROUTES: LazyLock<Routes> = LazyLock::new(|| {
    let mut next_id = 0;
    let mut by_name = HashMap::with_hasher(foldhash::fast::FixedState::default());
    let mut by_id = Vec::new();
    for command in FAMILIES.iter().flat_map(|f| f.iter()) {
        let route: &'static Route = Box::leak(Box::new(Route::build(command, &mut next_id)));
        let previous = by_name.insert(command.name.as_bytes(), route);
        assert!(
            previous.is_none(),
            "command {} registered twice",
            command.name
        );
        by_id.push(route);
        by_id.extend(route.subcommands.iter());
    }
    by_id.sort_by_key(|r| r.id);
    Routes { by_name, by_id }
});

/// The route with statistics id `id`.
pub fn route_by_id(id: usize) -> Option<&'static Route> {
    ROUTES.by_id.get(id).copied()
}

/// All top-level commands, in table order.
pub fn all_commands() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .by_id
        .iter()
        .copied()
        .filter(|r| r.command.parent.is_empty())
}

/// Every route, subcommands included, in id order.
pub fn all_routes() -> &'static [&'static Route] {
    &ROUTES.by_id
}

/// Looks a command up by name, case-insensitively, without allocating.
pub fn lookup(name: &[u8]) -> Option<&'static Route> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    for (dst, src) in lower.iter_mut().zip(name) {
        *dst = src.to_ascii_lowercase();
    }
    ROUTES.by_name.get(&*lower).copied()
}

/// The route of the command (or `container|subcommand`) named `full_name`: Redis's `lookupCommandBySds`: case-insensitive, one level of subcommands only (a third
/// `|` part finds nothing).
pub fn route(full_name: &[u8]) -> Option<&'static Route> {
    let mut parts = full_name.split(|&b| b == b'|');
    let base = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) => base.subcommand(sub),
        _ => None,
    }
}

/// Finds the command `argv` names, checks its argument count and picks the subcommand of
/// a container: Redis's `lookupCommand`, `commandCheckExistence` and `commandCheckArity`.
/// An unknown command or subcommand is `Err((None, error))`; a wrong argument count is
/// `Err((Some(route), error))`: it counts as a rejected call of that command.
pub fn resolve(
    argv: &[Bytes],
) -> std::result::Result<&'static Route, (Option<&'static Route>, Error)> {
    let Some(name) = argv.first() else {
        return Err((None, Error::err("empty command")));
    };
    let route = lookup(name).ok_or_else(|| (None, unknown_command(argv)))?;
    // A container with a handler of its own (COMMAND) runs it when given no subcommand.
    let route = if route.subcommands.is_empty() || argv.len() == 1 {
        route
    } else {
        route.subcommand(&argv[1]).ok_or_else(|| {
            (
                None,
                Error::err(format!(
                    "unknown subcommand '{}'. Try {} HELP.",
                    truncated(&argv[1], 128),
                    route.command.name.to_ascii_uppercase()
                )),
            )
        })?
    };
    if !route.arity_ok(argv.len()) {
        return Err((Some(route), Error::WrongArity(route.full_name.clone())));
    }
    Ok(route)
}

/// `CLIENT REPLY` state (Redis's `CLIENT_REPLY_OFF` / `_SKIP_NEXT` / `_SKIP` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Set by `CLIENT REPLY SKIP`: the next command's reply is skipped.
    SkipNext,
    /// This command's reply is skipped.
    Skip,
}

impl ReplyMode {
    /// After a command ran (Redis's `resetClient`): whether its reply is dropped, and
    /// the mode for the next one.
    pub fn after_command(&mut self) -> bool {
        let silent = matches!(self, ReplyMode::Off | ReplyMode::Skip);
        *self = match *self {
            ReplyMode::Skip => ReplyMode::On,
            ReplyMode::SkipNext => ReplyMode::Skip,
            mode => mode,
        };
        silent
    }
}

/// Per-client state a command can read and change (`SELECT`, `HELLO`, `MULTI`, ...).
pub struct Session {
    pub db: usize,
    pub protocol: Protocol,
    pub client: Arc<ClientInfo>,
    /// Set by `QUIT`: close the connection once the reply is written.
    pub close_after_reply: bool,
    /// Set by `SHUTDOWN`: close without replying.
    pub close_now: bool,
    /// Set by [`Ctx::block`]: the command's reply comes from this wait, and the front end
    /// runs nothing more for this client until it ends.
    pub blocked: Option<Blocked>,
    /// The open `MULTI` block, if any.
    pub multi: Option<Multi>,
    /// Set while `EXEC` runs its commands: blocking commands answer as if timed out.
    pub(crate) deny_blocking: bool,
    /// Set while a script's `redis.call` runs (Redis's `CLIENT_SCRIPT`).
    pub(crate) in_script: bool,
    /// Set while the AOF is replayed: commands are obeyed as written (Redis's
    /// `mustObeyClient`), e.g. XADD's trimming ignores a LIMIT left in the log.
    pub(crate) replaying: bool,
    /// Whether memory was over `maxmemory` with nothing left to evict when the command
    /// began (Redis's `pre_command_oom_state`): its scripts' `denyoom` calls are refused.
    pub(crate) oom: bool,
    /// The source of every random choice a command makes (seedable for tests).
    pub rng: SmallRng,
    /// Whether the front end delivers pushes (pub/sub messages) to this client between
    /// replies: RESP connections do; a gRPC call expects one reply per command, so
    /// subscribing is refused there as Redis refuses it to such clients.
    pub pushes: bool,
    /// What the client's own command sent the client itself that Redis writes after the
    /// command's reply (its invalidations, its `MONITOR` line); the front end writes them
    /// after the reply.
    pub after_reply: Vec<crate::pubsub::Push>,
    /// Where the execution path leaves the arguments of a command that blocked, for its
    /// waiter's slow-log entry when it is served.
    pub(crate) blocked_argv: Option<Arc<std::sync::OnceLock<Vec<Bytes>>>>,
    /// `CLIENT REPLY`: whether this command's reply goes out.
    pub reply_mode: ReplyMode,
}

impl Session {
    pub fn new(client: Arc<ClientInfo>) -> Session {
        Session {
            db: 0,
            protocol: Protocol::Resp2,
            client,
            close_after_reply: false,
            close_now: false,
            blocked: None,
            multi: None,
            deny_blocking: false,
            in_script: false,
            replaying: false,
            oom: false,
            rng: SmallRng::from_rng(&mut rand::rng()),
            pushes: false,
            after_reply: Vec::new(),
            blocked_argv: None,
            reply_mode: ReplyMode::On,
        }
    }

    /// Ends an open `MULTI` block without running it.
    pub fn discard_multi(&mut self) {
        self.multi = None;
        self.client.set_multi(None);
    }
}

/// A RESP client's blocked command: the wait for its reply, and the reply it gets if the
/// wait times out.
pub struct Blocked {
    pub wait: Wait<Result<Reply>>,
    pub timeout_reply: Reply,
}

impl Blocked {
    /// The command's final reply.
    pub async fn reply(self) -> Reply {
        match self.wait.outcome().await {
            Outcome::Served(Ok(reply)) => reply,
            Outcome::Served(Err(error)) => Reply::Error(error),
            Outcome::TimedOut | Outcome::Unblocked(crate::blocking::UnblockMode::Timeout) => {
                self.timeout_reply
            }
            Outcome::Unblocked(crate::blocking::UnblockMode::Error) => {
                Reply::Error(crate::blocking::UNBLOCKED_ERROR)
            }
        }
    }
}

/// An open `MULTI` block.
#[derive(Default)]
pub struct Multi {
    /// The commands queued so far (owned copies of their arguments).
    pub queue: Vec<(&'static Route, Vec<Bytes>)>,
    /// Set by a command refused while queueing: `EXEC` then answers `EXECABORT`.
    pub aborted: bool,
}

/// What a handler runs with: the server, the calling client's session, and the txn the
/// execution path opened over the command's keys.
pub struct Ctx<'a> {
    pub server: &'a ServerState,
    pub session: &'a mut Session,
    txn: Option<&'a Txn<'a>>,
}

impl<'a> Ctx<'a> {
    /// Logs, for the append-only file, what a blocking command (`line`, as sent) did when
    /// it was served later, from its `reply` (see `exec::propagate`).
    pub fn log_served(&self, line: &[Bytes], reply: &Reply) {
        if !self.server.aof.active() {
            return;
        }
        let name = String::from_utf8_lossy(&line[0]).to_ascii_lowercase();
        if let Some(record) = crate::exec::propagate::blocking_rewrite(&name, line, reply) {
            crate::exec::propagate::push(self.db(), record);
        }
    }

    /// A context with no txn: commands that touch no key.
    pub fn new(server: &'a ServerState, session: &'a mut Session) -> Ctx<'a> {
        Ctx {
            server,
            session,
            txn: None,
        }
    }

    /// A context whose commands read and write through `txn`.
    pub fn with_txn(
        server: &'a ServerState,
        session: &'a mut Session,
        txn: Option<&'a Txn<'a>>,
    ) -> Ctx<'a> {
        Ctx {
            server,
            session,
            txn,
        }
    }

    pub fn store(&self) -> &'a Store {
        &self.server.store
    }

    /// The txn over the command's keys.
    ///
    /// # Panics
    /// When the command's table row locks nothing: a table bug, which every test of the
    /// command would hit.
    pub fn txn(&self) -> &'a Txn<'a> {
        self.txn
            .expect("the command's row names what it locks (see commands::Locks)")
    }

    /// The txn, if the path opened one.
    pub fn txn_if_any(&self) -> Option<&'a Txn<'a>> {
        self.txn
    }

    pub fn db(&self) -> usize {
        self.session.db
    }

    /// The time the command runs at (Unix milliseconds): its txn's, else the store clock.
    pub fn now_ms(&self) -> u64 {
        self.txn
            .map_or_else(|| self.server.store.clock.now_ms(), |t| t.now_ms())
    }

    /// Whether a blocking command may block now: not inside `EXEC`, where Redis answers at
    /// once instead.
    pub fn may_block(&self) -> bool {
        !self.session.deny_blocking
    }

    /// Random choices of the command.
    pub fn rng(&mut self) -> &mut SmallRng {
        &mut self.session.rng
    }

    /// Blocks the client (see [`crate::blocking`]): a blocking command's handler calls it
    /// when it found every key empty, and returns the reply this gives. The client is
    /// served later by `serve(ctx, key)`, run in a txn that locks `key` (of a type `kind`)
    /// and `also_locks`, or gets `timeout_reply` once `timeout` passes. Inside `EXEC` the
    /// command does not block: this answers `timeout_reply` at once, as in Redis.
    pub fn block<F>(&mut self, on: BlockOn<'_>, timeout_reply: Reply, serve: F) -> Reply
    where
        F: FnMut(&mut Ctx<'_>, &[u8]) -> Result<Reply> + Send + 'static,
    {
        if self.session.deny_blocking {
            return timeout_reply;
        }
        let wait = crate::exec::block::<Reply, F>(self, on, serve);
        self.session.blocked = Some(Blocked {
            wait,
            timeout_reply,
        });
        Reply::NullArray
    }
}

impl Ctx<'_> {
    /// As [`Ctx::block`], for a waiter that decides itself whether a ready key serves it
    /// (`None`: keep waiting); see [`crate::exec::block_until`].
    pub fn block_until<F>(&mut self, on: BlockOn<'_>, timeout_reply: Reply, serve: F) -> Reply
    where
        F: FnMut(&mut Ctx<'_>, &[u8]) -> Option<Result<Reply>> + Send + 'static,
    {
        if self.session.deny_blocking {
            return timeout_reply;
        }
        let wait = crate::exec::block_until::<Reply, F>(self, on, serve);
        self.session.blocked = Some(Blocked {
            wait,
            timeout_reply,
        });
        Reply::NullArray
    }
}

/// What a blocked command waits on.
pub struct BlockOn<'k> {
    /// The keys it waits on.
    pub keys: &'k [Bytes],
    /// The type of value that can serve it (Redis serves a key only to waiters of its type).
    pub kind: ValueType,
    /// Other keys serving it writes (BLMOVE's destination).
    pub also_locks: &'k [Bytes],
    pub timeout: BlockTimeout,
}

impl<'k> BlockOn<'k> {
    /// Waiting on `keys` for a value of type `kind`, until `timeout`.
    pub fn keys(keys: &'k [Bytes], kind: ValueType, timeout: BlockTimeout) -> BlockOn<'k> {
        BlockOn {
            keys,
            kind,
            also_locks: &[],
            timeout,
        }
    }

    /// Serving also writes `keys` (BLMOVE's destination).
    pub fn also_locking(mut self, keys: &'k [Bytes]) -> BlockOn<'k> {
        self.also_locks = keys;
        self
    }
}

/// Redis prints at most `max` bytes of a client-supplied word in an error (`%.128s`), and
/// stops at a NUL byte like C's `%s`.
pub(crate) fn truncated(word: &[u8], max: usize) -> String {
    let word = args::c_str(word);
    String::from_utf8_lossy(&word[..word.len().min(max)]).into_owned()
}

fn unknown_command(argv: &[Bytes]) -> Error {
    let mut args = String::new();
    for arg in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push('\'');
        args.push_str(&truncated(arg, room));
        args.push_str("' ");
    }
    Error::UnknownCommand(format!(
        "ERR unknown command '{}', with args beginning with: {}",
        truncated(&argv[0], 128),
        args
    ))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::config::Config;
    use crate::state::{ClientKind, Clients};

    /// The reply a blocked session got, if any yet (waits a little for it).
    pub fn served(session: &mut Session) -> Option<Reply> {
        let wait = session.blocked.take()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_millis(50), wait.reply()).await
        })
        .ok()
    }

    /// A server state plus a session, for running commands in unit tests.
    pub struct Harness {
        pub server: Arc<ServerState>,
        pub session: Session,
    }

    impl Harness {
        pub fn new() -> Harness {
            Harness {
                server: ServerState::new(Config::default()),
                session: Session::new(Clients::detached(ClientKind::Resp)),
            }
        }

        /// Runs a command given as words.
        pub fn run(&mut self, words: &[&str]) -> Reply {
            let argv: Vec<Bytes> = words
                .iter()
                .map(|w| Bytes::copy_from_slice(w.as_bytes()))
                .collect();
            crate::exec::execute(&self.server, &mut self.session, &argv)
        }

        /// Stores `value` under `key` of `db` straight into the store (a value no command
        /// could build, or one with a given expiry).
        pub fn put(
            &self,
            db: usize,
            key: &str,
            value: crate::store::Value,
            expires_at: Option<u64>,
        ) {
            let txn = self.server.store.txn(Access::Write, db, [key.as_bytes()]);
            let event = crate::store::Event::Set;
            txn.set(db, key.as_bytes(), value, expires_at, event);
        }

        /// Whether `key` is live in database 0, looked at without touching it.
        pub fn exists(&self, key: &str) -> bool {
            let txn = self.server.store.txn(Access::Read, 0, [key.as_bytes()]);
            txn.peek(0, key.as_bytes()).is_some()
        }

        /// `OBJECT ENCODING` of the live `key` of database 0.
        pub fn encoding(&self, key: &str) -> &'static str {
            let txn = self.server.store.txn(Access::Read, 0, [key.as_bytes()]);
            txn.peek(0, key.as_bytes()).unwrap().value().encoding()
        }

        /// A session of another client of the same server (listed by `CLIENT LIST`).
        pub fn other_session(&self) -> Session {
            Session::new(self.server.clients.register(
                ClientKind::Resp,
                String::new(),
                String::new(),
            ))
        }

        /// Runs a command given as words in another client's session.
        pub fn run_as(&self, session: &mut Session, words: &[&str]) -> Reply {
            let argv: Vec<Bytes> = words
                .iter()
                .map(|w| Bytes::copy_from_slice(w.as_bytes()))
                .collect();
            crate::exec::execute(&self.server, session, &argv)
        }

        /// Runs `f` with a context whose txn locks every key of every database: unit tests of
        /// typed operations, which otherwise run inside the execution path.
        pub fn locked<T>(&mut self, f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
            let mut plan = LockPlan::new();
            for db in 0..self.server.store.databases() {
                plan.db(db, Access::Write);
            }
            let txn = self.server.store.lock(plan);
            f(&mut Ctx::with_txn(
                &self.server,
                &mut self.session,
                Some(&txn),
            ))
        }

        /// Calls a typed operation (a gRPC family function) on `request` in [`Self::locked`].
        pub fn call<Req, Resp>(&mut self, f: fn(&mut Ctx<'_>, Req) -> Resp, request: Req) -> Resp {
            self.locked(|ctx| f(ctx, request))
        }

        /// Runs a command and returns its error text, panicking if it did not fail.
        pub fn err(&mut self, words: &[&str]) -> String {
            match self.run(words) {
                Reply::Error(e) => e.message().into_owned(),
                other => panic!("expected an error from {words:?}, got {other:?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::Harness;
    use super::*;

    #[test]
    fn every_row_binds_a_described_command() {
        // Building the routes looks every row up in Redis's table (and panics on a name
        // it does not describe).
        let routes = all_routes();
        assert!(routes.len() > 250);
        for route in all_commands() {
            let command = route.command;
            assert_eq!(command.name, command.name.to_ascii_lowercase());
            assert!(command.name.len() <= 32);
            assert_eq!(route.meta.name, route.full_name);
            // A container without a handler of its own has subcommands, and they say so.
            assert!(command.handler.is_some() || !command.subcommands.is_empty());
            for sub in &route.subcommands {
                assert_eq!(sub.command.parent, command.name, "{} parent", sub.full_name);
                assert!(sub.command.handler.is_some());
                assert_eq!(
                    sub.meta.name,
                    format!("{}|{}", command.name, sub.command.name)
                );
            }
        }
    }

    /// Redis's `lookupCommandBySds`, which COMMAND INFO/DOCS, ACL rules and LATENCY
    /// HISTOGRAM all use.
    #[test]
    fn full_names_find_one_level_of_subcommands() {
        assert_eq!(route(b"GET").unwrap().full_name, "get");
        assert_eq!(route(b"Client|LIST").unwrap().full_name, "client|list");
        assert_eq!(route(b"client").unwrap().full_name, "client");
        assert!(route(b"client|list|x").is_none());
        assert!(route(b"get|x").is_none());
        assert!(route(b"client|").is_none());
        assert!(route(b"").is_none());
        assert!(route(b"nosuch").is_none());
    }

    #[test]
    fn routes_carry_redis_metadata() {
        let get = lookup(b"get").unwrap();
        assert_eq!(get.meta.arity, 2);
        assert_eq!(get.flags, flags::READONLY | flags::FAST);
        assert_eq!(get.meta.legacy_keys, (1, 1, 1));
        assert_eq!(get.meta.acl_categories, ["@read", "@string", "@fast"]);
        let exec = lookup(b"exec").unwrap();
        assert!(exec.has_flag(flags::TXN_CONTROL));
        assert!(
            lookup(b"eval")
                .unwrap()
                .has_flag(flags::SCRIPT | flags::MAY_REPLICATE)
        );
        assert_eq!(
            route(b"client|list").unwrap().meta.tips,
            ["nondeterministic_output"]
        );
        // Movable keys and the legacy range come from the key specs, as in Redis.
        let zunion = lookup(b"zunionstore").unwrap();
        assert!(zunion.has_flag(flags::MOVABLE_KEYS));
        assert_eq!(zunion.meta.legacy_keys, (1, 1, 1));
        assert_eq!(lookup(b"mset").unwrap().meta.legacy_keys, (1, -1, 2));
        assert_eq!(lookup(b"blpop").unwrap().meta.legacy_keys, (1, -2, 1));
        assert_eq!(lookup(b"eval").unwrap().meta.legacy_keys, (0, 0, 0));
        assert_eq!(lookup(b"smove").unwrap().meta.legacy_keys, (1, 2, 1));
    }

    #[test]
    fn time_and_randomness_come_from_the_context() {
        let mut h = Harness::new();
        let start = 1_700_000_000_000;
        h.server.store.clock.set_fixed(Some(start));
        h.run(&["SET", "k", "v", "PX", "1000"]);
        assert_eq!(h.run(&["PTTL", "k"]), Reply::Integer(1000));
        h.server.store.clock.set_fixed(Some(start + 999));
        assert_eq!(h.run(&["PTTL", "k"]), Reply::Integer(1));
        h.server.store.clock.set_fixed(Some(start + 1000));
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Integer(0));
        h.server.store.clock.set_fixed(None);
        let members: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
        let mut sadd = vec!["SADD", "s"];
        sadd.extend(members.iter().map(String::as_str));
        h.run(&sadd);
        let picks = |h: &mut Harness| {
            h.session.rng = SmallRng::seed_from_u64(7);
            [
                h.run(&["SRANDMEMBER", "s", "-20"]),
                h.run(&["SRANDMEMBER", "s", "5"]),
                h.run(&["SRANDMEMBER", "s"]),
            ]
        };
        assert_eq!(picks(&mut h), picks(&mut h));
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup(b"PiNg").unwrap().command.name, "ping");
        assert!(lookup(b"nosuchcommand").is_none());
        assert!(lookup(&[b'a'; 100]).is_none());
    }

    #[test]
    fn unknown_command_text_matches_redis() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["foo", "a", "b"]),
            "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            h.err(&["foo"]),
            "ERR unknown command 'foo', with args beginning with: "
        );
    }

    #[test]
    fn arity_errors_use_the_canonical_name() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["GET"]),
            "ERR wrong number of arguments for 'get' command"
        );
    }
}
