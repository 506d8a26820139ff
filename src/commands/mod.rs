//! Protocol-neutral commands and the command table: the one dispatch point.
//!
//! Each family file (`strings.rs`, `keys.rs`, ...) implements its commands as handlers
//! `fn(&mut Ctx, &[Bytes]) -> Result<Reply>` and lists them in its `COMMANDS` slice with
//! name, arity, flags, key positions and docs. [`FAMILIES`] gathers those slices; `COMMAND`,
//! argument-count checks and lookups all read the same rows. Adding a command means one
//! handler and one row in its family's slice.
//!
//! Handlers take their own store txn (see [`crate::store`]) over exactly the keys they
//! touch, which is what makes each command atomic.
//!
//! Blocking commands park their client with [`Ctx::block`]; commands that add elements
//! call [`Ctx::signal_ready`], and [`execute`] serves the clients those keys release (see
//! [`crate::blocking`]).

pub mod args;
pub mod client;
pub mod command;
pub mod connection;
pub mod hashes;
pub mod info;
pub mod keys;
pub mod lists;
pub mod redis_docs;
pub mod redis_meta;
pub mod reply;
pub mod server;
pub mod sets;
pub mod sorted_sets;
pub mod strings;

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use bytes::Bytes;

pub use reply::{Protocol, Reply};

use crate::blocking::{BlockTimeout, RerunState, Wait};
use crate::error::{Error, Result};
use crate::state::{ClientInfo, ServerState};
use crate::store::Store;

/// A command handler: parses `argv` (command name included), runs, and replies.
pub type Handler = fn(&mut Ctx<'_>, &[Bytes]) -> Result<Reply>;

/// Command flags, as `COMMAND INFO` names them.
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

    /// Names in the order Redis prints them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (NOSCRIPT, "noscript"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (SENTINEL, "sentinel"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// Legacy key positions (`first`, `last`, `step`), as in `COMMAND INFO`: 1-based argument
/// indexes; a negative `last` counts from the end; all zero when the command takes no key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

/// A command that takes no key.
pub const NO_KEYS: KeySpec = KeySpec {
    first: 0,
    last: 0,
    step: 0,
};

/// Keys at `first..=last` every `step`.
pub const fn keys(first: i32, last: i32, step: i32) -> KeySpec {
    KeySpec { first, last, step }
}

/// One row of the command table.
#[derive(Debug)]
pub struct Command {
    /// Lower-case name; for a subcommand, its own word (`setname`).
    pub name: &'static str,
    /// Redis arity: exact argument count (name included) when positive, minimum when negative.
    pub arity: i32,
    pub flags: u32,
    pub keys: KeySpec,
    /// Documentation group (`string`, `generic`, `connection`, `server`).
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    /// `None` only for pure containers (CLIENT), which always dispatch to `subcommands`.
    pub handler: Option<Handler>,
    pub subcommands: &'static [Command],
    /// The container's name for a subcommand (`client`), else "".
    pub parent: &'static str,
}

impl Command {
    /// A command with a handler; documentation is added with [`Command::doc`].
    pub const fn new(
        name: &'static str,
        arity: i32,
        flags: u32,
        keys: KeySpec,
        handler: Handler,
    ) -> Command {
        Command {
            name,
            arity,
            flags,
            keys,
            group: "",
            since: "",
            summary: "",
            complexity: "",
            handler: Some(handler),
            subcommands: &[],
            parent: "",
        }
    }

    /// A container command such as `CLIENT` whose words after the name select a subcommand.
    pub const fn container(name: &'static str, subcommands: &'static [Command]) -> Command {
        Command {
            name,
            arity: -2,
            flags: 0,
            keys: NO_KEYS,
            group: "",
            since: "",
            summary: "",
            complexity: "",
            handler: None,
            subcommands,
            parent: "",
        }
    }

    pub const fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        summary: &'static str,
        complexity: &'static str,
    ) -> Command {
        self.group = group;
        self.since = since;
        self.summary = summary;
        self.complexity = complexity;
        self
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

    /// The name Redis uses in errors and `COMMAND`: `get`, `client|setname`.
    pub fn full_name(&self) -> String {
        if self.parent.is_empty() {
            self.name.to_string()
        } else {
            format!("{}|{}", self.parent, self.name)
        }
    }

    pub fn has_flag(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = self.arity as i64;
        if arity >= 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// Finds a subcommand by name, case-insensitively.
    pub fn subcommand(&self, name: &[u8]) -> Option<&'static Command> {
        self.subcommands
            .iter()
            .find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// The keys of `argv` according to the key spec.
    pub fn key_args<'a>(&self, argv: &'a [Bytes]) -> Vec<&'a Bytes> {
        let KeySpec { first, last, step } = self.keys;
        if first <= 0 || step <= 0 {
            return Vec::new();
        }
        let argc = argv.len() as i32;
        let last = if last < 0 {
            argc + last
        } else {
            last.min(argc - 1)
        };
        (first..=last)
            .step_by(step as usize)
            .filter_map(|i| argv.get(i as usize))
            .collect()
    }
}

/// Every family's command list.
pub static FAMILIES: &[&[Command]] = &[
    connection::COMMANDS,
    client::COMMANDS,
    server::COMMANDS,
    command::COMMANDS,
    strings::COMMANDS,
    keys::COMMANDS,
    lists::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    sorted_sets::COMMANDS,
];

static TABLE: LazyLock<HashMap<&'static str, &'static Command>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    for command in FAMILIES.iter().flat_map(|f| f.iter()) {
        let previous = table.insert(command.name, command);
        assert!(
            previous.is_none(),
            "command {} registered twice",
            command.name
        );
    }
    table
});

/// All top-level commands.
pub fn all_commands() -> impl Iterator<Item = &'static Command> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// Looks a command up by name, case-insensitively, without allocating.
pub fn lookup(name: &[u8]) -> Option<&'static Command> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    for (dst, src) in lower.iter_mut().zip(name) {
        *dst = src.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(lower).ok()?;
    TABLE.get(lower).copied()
}

/// Per-client state a command can read and change (`SELECT`, `HELLO`, `CLIENT SETNAME`).
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
    pub blocked: Option<Wait>,
    /// Whether the command runs to serve a blocked client (then it must not block).
    pub(crate) rerun: RerunState,
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
            rerun: RerunState::No,
        }
    }
}

/// What a handler runs with: the server and the calling client's session.
pub struct Ctx<'a> {
    pub server: &'a ServerState,
    pub session: &'a mut Session,
}

impl Ctx<'_> {
    pub fn store(&self) -> &Store {
        &self.server.store
    }

    pub fn db(&self) -> usize {
        self.session.db
    }

    /// Blocks the client on `keys` (see [`crate::blocking`]). A blocking command's handler
    /// calls it when it found every key empty, while it still holds the txn it looked in,
    /// and returns the reply this gives (a placeholder: the client's real reply is an
    /// element later, or `timeout_reply` once `timeout` passes). When the command is being
    /// re-run to serve the client, this only records that nothing was served.
    pub fn block(
        &mut self,
        argv: &[Bytes],
        keys: &[&[u8]],
        timeout: BlockTimeout,
        timeout_reply: Reply,
    ) -> Reply {
        if self.session.rerun != RerunState::No {
            self.session.rerun = RerunState::Unserved;
        } else {
            let wait =
                self.server
                    .blocking
                    .register(self.session, argv, keys, timeout, timeout_reply);
            self.session.blocked = Some(wait);
        }
        Reply::NullArray
    }

    /// Notes that `key` of `db` got elements, so clients blocked on it get served after
    /// this command. Costs one atomic load when no client is blocked.
    pub fn signal_ready(&self, db: usize, key: &[u8]) {
        self.server.blocking.signal_ready(db, key);
    }
}

/// Runs one command and returns its reply; errors become error replies. Clients blocked
/// on keys the command readied are served before this returns.
pub fn execute(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Reply {
    let reply = match dispatch(ctx, argv) {
        Ok(reply) => reply,
        Err(e) => Reply::Error(e),
    };
    serve_blocked(ctx.server);
    reply
}

/// Serves the clients blocked on keys that are ready (one atomic load when none are).
pub fn serve_blocked(server: &ServerState) {
    if server.blocking.has_ready() {
        server.blocking.serve_ready(server);
    }
}

pub(crate) fn dispatch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let Some(name) = argv.first() else {
        return Err(Error::err("empty command"));
    };
    let command = lookup(name).ok_or_else(|| unknown_command(argv))?;
    let command = resolve(command, argv)?;
    let handler = command.handler.expect("resolved commands have handlers");
    ctx.session.client.note_command(command);
    handler(ctx, argv)
}

/// Checks the argument count and picks the subcommand of a container.
pub fn resolve(command: &'static Command, argv: &[Bytes]) -> Result<&'static Command> {
    if !command.arity_ok(argv.len()) {
        return Err(Error::WrongArity(command.full_name()));
    }
    // A container with a handler of its own (COMMAND) runs it when given no subcommand.
    if command.subcommands.is_empty() || argv.len() == 1 {
        return Ok(command);
    }
    let sub = command.subcommand(&argv[1]).ok_or_else(|| {
        Error::err(format!(
            "unknown subcommand '{}'. Try {} HELP.",
            truncated(&argv[1], 128),
            command.name.to_ascii_uppercase()
        ))
    })?;
    if !sub.arity_ok(argv.len()) {
        return Err(Error::WrongArity(sub.full_name()));
    }
    Ok(sub)
}

/// Redis prints at most `max` bytes of a client-supplied word in an error (`%.128s`), and
/// stops at a NUL byte like C's `%s`.
fn truncated(word: &[u8], max: usize) -> String {
    let end = word.iter().position(|&b| b == 0).unwrap_or(word.len());
    String::from_utf8_lossy(&word[..end.min(max)]).into_owned()
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
            let mut ctx = Ctx {
                server: &self.server,
                session: &mut self.session,
            };
            execute(&mut ctx, &argv)
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
    fn every_command_is_well_formed() {
        for command in all_commands() {
            assert_eq!(command.name, command.name.to_ascii_lowercase());
            assert!(!command.group.is_empty(), "{} has no group", command.name);
            assert!(
                !command.summary.is_empty(),
                "{} has no summary",
                command.name
            );
            assert!(command.name.len() <= 32);
            for sub in command.subcommands {
                assert_eq!(sub.parent, command.name, "{} parent", sub.name);
                assert!(sub.handler.is_some());
                assert!(
                    !sub.summary.is_empty(),
                    "{}|{} has no summary",
                    command.name,
                    sub.name
                );
            }
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup(b"PiNg").unwrap().name, "ping");
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
