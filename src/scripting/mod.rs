//! Lua scripting (`EVAL`, `EVALSHA`, `SCRIPT`): the server-wide script cache, the one
//! script that may run at a time and what other clients see of it (`BUSY`, `SCRIPT
//! KILL`), and Redis's `math.random` sequence. The interpreters themselves live in
//! [`engine`], one per thread, each running the scripts of its thread.
//!
//! # Isolation
//! A script runs inside its command's txn, which the execution path opened over the keys
//! the script declared (KEYS), all locked for writing unless the script cannot write. A
//! key the script reaches without declaring it (a name built from ARGV, a `SELECT`ed
//! database, `KEYS *`) is locked when the script first touches it ([`Txn::extend`]): at
//! once when free, otherwise by waiting while every txn that waits for a lock steps back.
//! Taking locks out of order is safe only for one txn at a time, so scripts run one at a
//! time ([`Scripts::enter`]), as they do in Redis, while commands on other keys keep
//! running on every thread. A script therefore never sees a partial effect of another
//! command and no command sees a partial script, whatever keys it touches.
//!
//! [`Txn::extend`]: crate::store::Txn::extend

pub mod engine;
pub mod functions;
mod loader;
mod lua_api;
mod lua_bit;
mod lua_cjson;
mod lua_cmsgpack;
mod lua_struct;
mod rand48;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::{Mutex, MutexGuard, RwLock};

use crate::error::Error;

pub use rand48::Rand48;

/// Registers the libraries Redis adds to Lua: `bit`, `struct`, `cjson`, `cmsgpack`.
fn register_libraries(lua: &mlua::Lua) -> mlua::Result<()> {
    lua_bit::register(lua)?;
    lua_struct::register(lua)?;
    lua_cjson::register(lua)?;
    lua_cmsgpack::register(lua)?;
    Ok(())
}

/// A script's SHA1 as 40 lowercase hex digits: its name in the cache.
pub type Sha = [u8; 40];

/// The SHA1 of `body` in lowercase hex (Redis's `sha1hex`).
pub fn sha1_hex(body: &[u8]) -> Sha {
    let digest = sha1_smol::Sha1::from(body).digest().bytes();
    let mut out = [0u8; 40];
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in digest.iter().enumerate() {
        out[2 * i] = HEX[(byte >> 4) as usize];
        out[2 * i + 1] = HEX[(byte & 15) as usize];
    }
    out
}

/// What a script's shebang line (`#!lua flags=no-writes,allow-oom`) declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScriptFlags {
    /// No shebang: Redis's compatibility mode, where the script may write and the
    /// command's own flags apply.
    pub compat: bool,
    pub no_writes: bool,
    pub allow_oom: bool,
    pub allow_stale: bool,
    pub no_cluster: bool,
    pub allow_cross_slot_keys: bool,
}

impl ScriptFlags {
    /// Parses the shebang of `body` (Redis's `evalExtractShebangFlags`): the flags and how
    /// many bytes the shebang line takes (kept out of the compiled code, its line feed
    /// kept so line numbers stay the user's).
    pub fn from_shebang(body: &[u8]) -> Result<(ScriptFlags, usize), Error> {
        if !body.starts_with(b"#!") {
            return Ok((
                ScriptFlags {
                    compat: true,
                    ..ScriptFlags::default()
                },
                0,
            ));
        }
        let Some(end) = body.iter().position(|&b| b == b'\n') else {
            return Err(Error::err("Invalid script shebang"));
        };
        let mut flags = ScriptFlags::default();
        let words = split_args(&body[..end])
            .ok_or_else(|| Error::err("Invalid engine in script shebang"))?;
        let Some((engine, options)) = words.split_first() else {
            return Err(Error::err("Invalid engine in script shebang"));
        };
        if engine.as_slice() != b"#!lua" {
            return Err(Error::err(format!(
                "Unexpected engine in script shebang: {}",
                String::from_utf8_lossy(engine)
            )));
        }
        for option in options {
            let Some(list) = option.strip_prefix(b"flags=") else {
                return Err(Error::err(format!(
                    "Unknown lua shebang option: {}",
                    String::from_utf8_lossy(option)
                )));
            };
            for flag in list
                .split(|&b| b == b',')
                .filter(|f| !list.is_empty() || !f.is_empty())
            {
                match flag {
                    b"no-writes" => flags.no_writes = true,
                    b"allow-oom" => flags.allow_oom = true,
                    b"allow-stale" => flags.allow_stale = true,
                    b"no-cluster" => flags.no_cluster = true,
                    b"allow-cross-slot-keys" => flags.allow_cross_slot_keys = true,
                    other => {
                        return Err(Error::err(format!(
                            "Unexpected flag in script shebang: {}",
                            String::from_utf8_lossy(other)
                        )));
                    }
                }
            }
        }
        Ok((flags, end))
    }

    /// Whether running the script is refused over `maxmemory` (Redis's
    /// `scriptFlagsToCmdFlags`: unless it declared `allow-oom` or `no-writes`).
    pub fn denies_oom(&self) -> bool {
        !self.compat && !self.allow_oom && !self.no_writes
    }

    /// Whether the script's `redis.call`s of `denyoom` commands are let through over
    /// `maxmemory` (Redis's `SCRIPT_ALLOW_OOM`).
    pub fn allows_oom(&self) -> bool {
        !self.compat && self.allow_oom
    }

    /// Whether a run of the script may write: not when it declared `no-writes`, nor when
    /// called through a `_RO` command.
    pub fn may_write(&self, read_only_command: bool) -> bool {
        !read_only_command && (self.compat || !self.no_writes)
    }
}

/// The flags a script command would run its script under (Redis's `evalGetCommandFlags`
/// and `fcallGetCommandFlags`, before running it): those its shebang or its function
/// declared; `None` for another command, a script without shebang or one not found.
pub fn declared_flags(
    server: &crate::state::ServerState,
    route: &crate::commands::Route,
    argv: &[bytes::Bytes],
) -> Option<ScriptFlags> {
    if !route.command.parent.is_empty() || argv.len() < 2 {
        return None;
    }
    let flags = match route.command.name {
        "eval" | "eval_ro" => ScriptFlags::from_shebang(&argv[1]).ok()?.0,
        "evalsha" | "evalsha_ro" => server.scripts.get(&argv[1])?.flags,
        "fcall" | "fcall_ro" => server
            .functions
            .read(|set| set.function(&argv[1]).map(|(_, f)| f.flags))?,
        _ => return None,
    };
    (!flags.compat).then_some(flags)
}

/// Redis's `sdssplitargs` for a shebang line: words separated by blanks, with "double"
/// and 'single' quoted words; `None` for unbalanced quotes.
fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == line.len() {
            return Some(words);
        }
        let mut word = Vec::new();
        let mut quote = None;
        while i < line.len() {
            let c = line[i];
            match quote {
                Some(q) if c == q => {
                    // A closing quote must end the word.
                    if line.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                        return None;
                    }
                    quote = None;
                    i += 1;
                    break;
                }
                Some(b'"') if c == b'\\' && i + 1 < line.len() => {
                    word.push(line[i + 1]);
                    i += 2;
                }
                Some(_) => {
                    word.push(c);
                    i += 1;
                }
                None if c == b'"' || c == b'\'' => {
                    quote = Some(c);
                    i += 1;
                }
                None if c.is_ascii_whitespace() => break,
                None => {
                    word.push(c);
                    i += 1;
                }
            }
        }
        if quote.is_some() {
            return None;
        }
        words.push(word);
    }
}

/// A cached `EVAL` script.
#[derive(Debug)]
pub struct EvalScript {
    pub sha: Sha,
    pub body: Bytes,
    pub flags: ScriptFlags,
    /// Bytes of the shebang line, not compiled.
    pub shebang_len: usize,
}

/// Which kind of script is running: what `BUSY` tells other clients to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    Eval = 0,
    Function = 1,
}

const BUSY_EVAL: &str =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

/// The running script, for `FUNCTION STATS`.
#[derive(Debug, Clone)]
pub struct RunningScript {
    pub kind: ScriptKind,
    pub name: Bytes,
    pub command: Vec<Bytes>,
    pub started: Instant,
}

/// Scripting state shared by every thread.
pub struct Scripts {
    /// The interpreter of `EVAL` scripts, and the one of function libraries.
    eval_engine: Mutex<Option<engine::Engine>>,
    function_engine: Mutex<Option<engine::Engine>>,
    /// What the running function is (set just before it starts).
    described: Mutex<Option<(Bytes, Vec<Bytes>)>>,
    running: Mutex<Option<RunningScript>>,
    cache: RwLock<HashMap<Sha, Arc<EvalScript>, foldhash::fast::RandomState>>,
    /// Changed by `SCRIPT FLUSH`: each thread's interpreter starts over when it sees a new
    /// value, as Redis resets its Lua state.
    generation: AtomicU64,
    /// Held by the script that runs (see the module docs).
    run_lock: Mutex<()>,
    /// The running script's client id; 0 when none runs.
    running_client: AtomicU64,
    running_function: AtomicBool,
    /// The running script has called a write command: it can no longer be killed.
    running_wrote: AtomicBool,
    /// The running script has run past `busy-reply-threshold`.
    busy: AtomicBool,
    /// `SCRIPT KILL` / `FUNCTION KILL` asked the running script to stop.
    kill: AtomicBool,
    /// `SHUTDOWN` asked every script to stop.
    shutdown: AtomicBool,
    busy_threshold_ms: AtomicU64,
    memory_limit: AtomicU64,
    /// Redis's process-wide `math.random` generator.
    pub rand: Mutex<Rand48>,
    /// Bytes the EVAL and the function interpreter last reported in use (INFO memory),
    /// refreshed when one is built and at its periodic GC step.
    vm_bytes: [AtomicU64; 2],
}

impl Scripts {
    pub fn new(busy_threshold_ms: u64, memory_limit: u64) -> Scripts {
        Scripts {
            eval_engine: Mutex::new(None),
            function_engine: Mutex::new(None),
            described: Mutex::new(None),
            running: Mutex::new(None),
            cache: RwLock::default(),
            generation: AtomicU64::new(1),
            run_lock: Mutex::new(()),
            running_client: AtomicU64::new(0),
            running_function: AtomicBool::new(false),
            running_wrote: AtomicBool::new(false),
            busy: AtomicBool::new(false),
            kill: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
            busy_threshold_ms: AtomicU64::new(busy_threshold_ms),
            memory_limit: AtomicU64::new(memory_limit),
            rand: Mutex::new(Rand48::new()),
            vm_bytes: [AtomicU64::new(0), AtomicU64::new(0)],
        }
    }

    /// Records what the interpreter of `kind` has in use.
    pub(crate) fn note_vm_bytes(&self, kind: ScriptKind, bytes: usize) {
        self.vm_bytes[kind as usize].store(bytes as u64, Ordering::Relaxed);
    }

    /// What the interpreter of `kind` last had in use (0 before it was first built).
    pub fn vm_bytes(&self, kind: ScriptKind) -> u64 {
        self.vm_bytes[kind as usize].load(Ordering::Relaxed)
    }

    /// The cached EVAL scripts: how many, and the bytes of their bodies and hashes.
    pub fn cached_scripts(&self) -> (usize, usize) {
        let cache = self.cache.read();
        let bytes = cache
            .values()
            .map(|script| script.body.len() + script.sha.len())
            .sum();
        (cache.len(), bytes)
    }

    /// Applies `busy-reply-threshold` and `lua-memory-limit`.
    pub fn configure(&self, busy_threshold_ms: u64, memory_limit: u64) {
        self.busy_threshold_ms
            .store(busy_threshold_ms, Ordering::Relaxed);
        self.memory_limit.store(memory_limit, Ordering::Relaxed);
    }

    pub fn memory_limit(&self) -> usize {
        self.memory_limit.load(Ordering::Relaxed) as usize
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The cached script named `sha` (any case).
    pub fn get(&self, sha: &[u8]) -> Option<Arc<EvalScript>> {
        let mut sha: Sha = sha.try_into().ok()?;
        sha.make_ascii_lowercase();
        self.cache.read().get(&sha).cloned()
    }

    /// Caches `body` (after checking its shebang) and returns it; an already cached body is
    /// returned as it is. Compiling is left to each thread's interpreter, so a body that
    /// does not compile is refused by the caller before it is cached (see
    /// [`engine::load`]).
    pub fn insert(&self, body: Bytes) -> Result<Arc<EvalScript>, Error> {
        let sha = sha1_hex(&body);
        if let Some(script) = self.cache.read().get(&sha) {
            return Ok(script.clone());
        }
        let (flags, shebang_len) = ScriptFlags::from_shebang(&body)?;
        let script = Arc::new(EvalScript {
            sha,
            body,
            flags,
            shebang_len,
        });
        Ok(self.cache.write().entry(sha).or_insert(script).clone())
    }

    /// Whether `sha` is cached (`SCRIPT EXISTS`).
    pub fn exists(&self, sha: &[u8]) -> bool {
        self.get(sha).is_some()
    }

    /// Forgets every script and resets every interpreter (`SCRIPT FLUSH`).
    pub fn flush(&self) {
        self.cache.write().clear();
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many scripts are cached, and the bytes of their bodies.
    pub fn cached(&self) -> (usize, usize) {
        let cache = self.cache.read();
        (cache.len(), cache.values().map(|s| s.body.len() + 40).sum())
    }

    /// Waits for the turn to run a script (see the module docs). While another script has
    /// been running past `busy-reply-threshold`, gives up with its `BUSY` error instead.
    pub fn enter(&self) -> Result<MutexGuard<'_, ()>, Error> {
        loop {
            if let Some(guard) = self.run_lock.try_lock_for(Duration::from_millis(1)) {
                return Ok(guard);
            }
            if let Some(error) = self.busy_error(0) {
                return Err(error);
            }
        }
    }

    /// Takes the turn however long the running script takes, keeping scripts out (a
    /// snapshot's start: see `store::snapshot`).
    pub fn pause(&self) -> MutexGuard<'_, ()> {
        self.run_lock.lock()
    }

    /// Names the function about to run and the command that runs it (`FUNCTION STATS`).
    pub fn describe(&self, name: &Bytes, command: &[Bytes]) {
        *self.described.lock() = Some((name.clone(), command.to_vec()));
    }

    /// The script running now, if any.
    pub fn running(&self) -> Option<RunningScript> {
        self.running.lock().clone()
    }

    /// Locks an interpreter: at once while this thread holds the script turn; otherwise
    /// (`SCRIPT LOAD`) after the running script, or `BUSY` if it runs past the threshold.
    fn wait_for<'m, T>(&self, mutex: &'m Mutex<T>) -> Result<MutexGuard<'m, T>, Error> {
        loop {
            if let Some(guard) = mutex.try_lock_for(Duration::from_millis(1)) {
                return Ok(guard);
            }
            if let Some(error) = self.busy_error(0) {
                return Err(error);
            }
        }
    }

    /// Marks the start of a script run by `client` (its turn already taken).
    pub fn started(&self, client: u64, kind: ScriptKind, at: Instant) {
        let (name, command) = self.described.lock().take().unwrap_or_default();
        *self.running.lock() = Some(RunningScript {
            kind,
            name,
            command,
            started: at,
        });
        self.kill.store(false, Ordering::SeqCst);
        self.running_wrote.store(false, Ordering::SeqCst);
        self.running_function
            .store(kind == ScriptKind::Function, Ordering::SeqCst);
        self.running_client.store(client, Ordering::SeqCst);
    }

    /// Marks the end of the running script.
    pub fn finished(&self) {
        *self.running.lock() = None;
        self.running_client.store(0, Ordering::SeqCst);
        self.busy.store(false, Ordering::SeqCst);
        self.kill.store(false, Ordering::SeqCst);
    }

    /// Whether a script runs past `busy-reply-threshold` (Redis's
    /// `isInsideYieldingLongCommand`).
    pub fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Relaxed)
    }

    /// The running script called a write command.
    pub fn wrote(&self) {
        self.running_wrote.store(true, Ordering::Relaxed);
    }

    /// Called by the running script from time to time: whether it must stop (killed, or
    /// the server shuts down), and marks it busy once it ran past the threshold.
    pub fn interrupted(&self, started: Instant) -> bool {
        if !self.busy.load(Ordering::Relaxed) {
            let threshold = self.busy_threshold_ms.load(Ordering::Relaxed);
            if threshold > 0 && started.elapsed() >= Duration::from_millis(threshold) {
                tracing::warn!(
                    "Slow script detected: still in execution after {} milliseconds. You can \
                     try killing the script using the {} command.",
                    started.elapsed().as_millis(),
                    if self.running_function.load(Ordering::Relaxed) {
                        "FUNCTION KILL"
                    } else {
                        "SCRIPT KILL"
                    }
                );
                self.busy.store(true, Ordering::SeqCst);
            }
        }
        self.kill.load(Ordering::Relaxed) || self.shutdown.load(Ordering::Relaxed)
    }

    /// The `BUSY` error other clients get while a script runs past the threshold (none for
    /// the script's own client, `exclude`).
    pub fn busy_error(&self, exclude: u64) -> Option<Error> {
        if !self.busy.load(Ordering::Relaxed) {
            return None;
        }
        let running = self.running_client.load(Ordering::SeqCst);
        if running == 0 || running == exclude {
            return None;
        }
        Some(Error::full(
            if self.running_function.load(Ordering::SeqCst) {
                BUSY_FUNCTION
            } else {
                BUSY_EVAL
            },
        ))
    }

    /// `SCRIPT KILL` (`kind` Eval) or `FUNCTION KILL` (Function), with Redis's refusals.
    pub fn kill(&self, kind: ScriptKind) -> Result<(), Error> {
        if self.running_client.load(Ordering::SeqCst) == 0 {
            return Err(Error::full("NOTBUSY No scripts in execution right now."));
        }
        if self.running_wrote.load(Ordering::SeqCst) {
            return Err(Error::full(
                "UNKILLABLE Sorry the script already executed write commands against the \
                 dataset. You can either wait the script termination or kill the server in a \
                 hard way using the SHUTDOWN NOSAVE command.",
            ));
        }
        let running_function = self.running_function.load(Ordering::SeqCst);
        match (kind, running_function) {
            (ScriptKind::Eval, true) => return Err(Error::full(BUSY_FUNCTION)),
            (ScriptKind::Function, false) => return Err(Error::full(BUSY_EVAL)),
            _ => {}
        }
        self.kill.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// Stops every script at its next check (`SHUTDOWN`).
    pub fn shut_down(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_hex_matches_redis() {
        assert_eq!(
            &sha1_hex(b"return 1"),
            b"e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
    }

    #[test]
    fn shebang_flags() {
        let (flags, len) =
            ScriptFlags::from_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1").unwrap();
        assert!(flags.no_writes && flags.allow_oom && !flags.compat);
        assert_eq!(len, 31);
        let (flags, len) = ScriptFlags::from_shebang(b"return 1").unwrap();
        assert!(flags.compat);
        assert_eq!(len, 0);
        let err = |body: &[u8]| {
            ScriptFlags::from_shebang(body)
                .unwrap_err()
                .message()
                .into_owned()
        };
        assert_eq!(err(b"#!lua"), "ERR Invalid script shebang");
        assert_eq!(
            err(b"#!python\n"),
            "ERR Unexpected engine in script shebang: #!python"
        );
        assert_eq!(
            err(b"#!lua flags=bad\n"),
            "ERR Unexpected flag in script shebang: bad"
        );
        assert_eq!(
            err(b"#!lua name=x\n"),
            "ERR Unknown lua shebang option: name=x"
        );
        assert_eq!(ScriptFlags::from_shebang(b"#!lua flags=\n").unwrap().1, 12);
    }
}
