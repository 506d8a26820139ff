//! The Lua interpreters, built as Redis builds its two (Lua 5.1 with the `redis` API,
//! `cjson`, `cmsgpack`, `bit` and `struct`, read-only globals): one for `EVAL` scripts,
//! each compiled once, and one for function libraries. Scripts run one at a time, so one
//! interpreter of each kind serves every thread (behind a mutex, uncontended while the
//! script's turn is held). `SCRIPT FLUSH` and `FUNCTION FLUSH` make theirs start over.
//!
//! [`run_eval`] and [`run_function`] run a script inside the txn of its command; while it
//! runs, the `redis.*` C functions reach it through this thread's current [`Run`].

use std::cell::Cell;
use std::ffi::{CString, c_int, c_void};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use mlua::ffi::{self, lua_State};
use mlua::{Lua, LuaOptions, StdLib};

use super::lua_api::{self, ResultStyle};
use super::{EvalScript, ScriptFlags, ScriptKind};
use crate::acl;
use crate::commands::{self, Ctx, Protocol, Reply, Session, flags};
use crate::error::{Error, Result};
use crate::exec;
use crate::state::{ClientInfo, ClientKind, Clients, ServerState};
use crate::store::{LockPlan, Txn};

/// How many Lua instructions run between two checks for `SCRIPT KILL` and the busy
/// threshold (Redis's count hook period).
const HOOK_PERIOD: c_int = 100_000;

/// Every this many scripts, a step of garbage collection (as Redis does).
const GC_PERIOD: u32 = 50;
/// Lua 5.1's own GC pause: a cycle starts when the heap reaches twice what the last one
/// left alive.
const LUA_DEFAULT_GC_PAUSE: c_int = 200;
/// The pause of a small heap: a cycle once the heap is ten times what stayed alive. Every
/// cycle marks and sweeps all live objects, so on the few dozen KB a typical interpreter
/// keeps, cycles every few hundred calls cost ~6% of a short script; ten times fewer
/// cost ~1%.
const SMALL_HEAP_GC_PAUSE: c_int = 1000;
/// The most the heap may grow to between cycles under [`SMALL_HEAP_GC_PAUSE`].
const SMALL_HEAP_GROWTH_BOUND: usize = 16 << 20;

/// The GC pause for a heap of `in_use` bytes under a memory limit of `limit` (0: none):
/// [`SMALL_HEAP_GC_PAUSE`] while that lets the heap grow to at most
/// [`SMALL_HEAP_GROWTH_BOUND`] and half the limit (Lua 5.1 has no emergency collection, so
/// garbage must never be what reaches the limit), Lua's default otherwise.
fn gc_pause(in_use: usize, limit: usize) -> c_int {
    let bound = match limit {
        0 => SMALL_HEAP_GROWTH_BOUND,
        limit => SMALL_HEAP_GROWTH_BOUND.min(limit / 2),
    };
    if in_use.saturating_mul(SMALL_HEAP_GC_PAUSE as usize / 100) <= bound {
        SMALL_HEAP_GC_PAUSE
    } else {
        LUA_DEFAULT_GC_PAUSE
    }
}

/// A script running on this thread: what its `redis.call`s run with.
pub(super) struct Run<'a> {
    server: &'a ServerState,
    txn: &'a Txn<'a>,
    /// The script's own client (Redis's Lua client): its database and protocol.
    session: &'a mut Session,
    /// The client that runs the script: its user's rules apply to `redis.call`.
    pub(super) caller: Arc<ClientInfo>,
    may_write: bool,
    /// Memory was over `maxmemory` with nothing to evict when the script's command began,
    /// and the script did not declare `allow-oom`: `denyoom` calls are refused until it
    /// has written (Redis's `scriptVerifyOOM`; once it wrote it cannot stop halfway).
    oom: bool,
    /// The script called a write command (Redis's `SCRIPT_WRITE_DIRTY`).
    dirty: bool,
    started: Instant,
    /// When this thread next offers its async tasks to another thread (a long script).
    next_hand_over: std::time::Duration,
}

/// A script running longer than this hands the other tasks of its thread over (see
/// [`leave_async_worker`]).
const LONG_SCRIPT: std::time::Duration = std::time::Duration::from_millis(5);

/// Lets the async runtime move the tasks queued on this worker thread (connections
/// waiting for their turn, `SCRIPT KILL` among them) to another thread, as this one will
/// be busy with a long script.
fn leave_async_worker() {
    use tokio::runtime::{Handle, RuntimeFlavor};
    let on_workers = Handle::try_current()
        .is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread);
    if on_workers {
        // The hand-over starts a thread that takes this worker's queues; waiting a
        // moment inside lets it take them before this thread returns to the script.
        tokio::task::block_in_place(|| std::thread::sleep(std::time::Duration::from_millis(1)));
    }
}

thread_local! {
    /// The [`Run`] of the script this thread is running (null when none).
    static CURRENT: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
}

/// The script this thread is running, if any.
///
/// # Safety
/// Only the `redis.*` C functions call this, while [`run_eval`] keeps the run alive; the
/// reference must not outlive the call.
pub(super) unsafe fn current_run<'r>() -> Option<&'r mut Run<'r>> {
    let ptr = CURRENT.with(Cell::get) as *mut Run<'r>;
    unsafe { ptr.as_mut() }
}

impl Run<'_> {
    pub(super) fn server(&self) -> &ServerState {
        self.server
    }

    pub(super) fn protocol(&self) -> Protocol {
        self.session.protocol
    }

    pub(super) fn set_protocol(&mut self, protocol: Protocol) {
        self.session.protocol = protocol;
    }

    pub(super) fn random_unit(&self) -> f64 {
        self.server.scripts.rand.lock().next_unit()
    }

    pub(super) fn random_seed(&self, seed: i32) {
        self.server.scripts.rand.lock().seed(seed);
    }

    pub(super) fn interrupted(&mut self) -> bool {
        // The hand-over can lose a race with this thread (a busy machine may not start
        // the new thread in time), so it is tried again at doubling intervals.
        let elapsed = self.started.elapsed();
        if elapsed >= self.next_hand_over {
            leave_async_worker();
            self.next_hand_over = elapsed * 2;
        }
        self.server.scripts.interrupted(self.started)
    }

    /// Runs a command for `redis.call` (Redis's `scriptCall`): its reply, or the message
    /// of a refusal (already counted in the statistics).
    pub(super) fn call(&mut self, argv: &[Bytes]) -> std::result::Result<Reply, String> {
        let server = self.server;
        let route = match commands::resolve(argv) {
            Ok(route) => route,
            Err((route, _)) => {
                let message = match route {
                    Some(_) => "Wrong number of args calling Redis command from script",
                    None => "Unknown Redis command called from script",
                };
                return Err(self.refuse(route.map(|r| r.id), message));
            }
        };
        // `DEBUG SET-DISABLE-DENY-SCRIPTS 1` lifts the ban (Redis's
        // `script_disable_deny_script`), except for what would wait or nest a unit of work.
        let waived = server.debug.disable_deny_scripts()
            && !route
                .has_flag(flags::BLOCKING | flags::TXN_CONTROL | flags::SCRIPT | flags::NO_MULTI);
        if route.has_flag(flags::NOSCRIPT) && !waived {
            return Err(self.refuse(
                Some(route.id),
                "This Redis command is not allowed from script",
            ));
        }
        if let Err(denied) = exec::check_user(server, &self.caller, route, argv, acl::Context::Lua)
        {
            let reason = match denied {
                acl::Denied::Command => "can't run this command or subcommand",
                acl::Denied::Key(_) => {
                    "can't access at least one of the keys mentioned in the command arguments"
                }
                acl::Denied::Channel(_) => "can't publish to the channel mentioned in the command",
            };
            let message = format!("The user executing the script {reason}");
            return Err(self.refuse(Some(route.id), &message));
        }
        if !self.may_write && route.has_flag(flags::WRITE | flags::MAY_REPLICATE) {
            return Err(self.refuse(
                Some(route.id),
                "Write commands are not allowed from read-only scripts.",
            ));
        }
        if self.oom && !self.dirty && route.has_flag(flags::DENYOOM) {
            let error = Error::full(crate::maxmemory::OOM_ERROR);
            server.stats.commands.rejected(route.id);
            server.stats.errors.count(&error);
            return Err(format!("-{}", error.message()));
        }
        if route.has_flag(flags::WRITE) {
            server.scripts.wrote();
            self.dirty = true;
        }
        // Keys the script did not declare are locked now (see the module docs of
        // `scripting`); a script that may write locks every key for writing, so no lock
        // has to be upgraded later.
        let mut plan = LockPlan::new();
        let db = self.session.db;
        exec::plan::command(&Ctx::new(server, self.session), route, argv, db, &mut plan);
        if self.may_write {
            plan.all_written();
        }
        if !self.txn.holds(&plan) {
            self.txn.extend(plan);
        }
        let mut ctx = Ctx::with_txn(server, self.session, Some(self.txn));
        Ok(exec::run_queued(&mut ctx, route, argv))
    }

    /// A command refused before it ran: counted as Redis's `scriptCall` counts it.
    fn refuse(&self, route: Option<usize>, message: &str) -> String {
        if let Some(id) = route {
            self.server.stats.commands.rejected(id);
        }
        self.server.stats.errors.count(&Error::err(message));
        message.to_owned()
    }
}

/// Which interpreter: Redis keeps `EVAL` scripts and function libraries in two Lua states
/// with slightly different APIs, and so does each thread here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Eval,
    Function,
}

/// One thread's interpreter.
pub(super) struct Engine {
    pub(super) lua: Lua,
    /// The generation (of the script cache, or of the libraries) it was built for.
    generation: u64,
    /// The script client's session, reused by every run.
    session: Session,
    runs: u32,
    /// The `lua-memory-limit` last applied to `lua`.
    memory_limit: usize,
    /// The GC pause last set (see [`gc_pause`]).
    gc_pause: c_int,
    /// Function interpreter: the code of each library it loaded, and the version of the
    /// libraries it last looked at.
    loaded: std::collections::HashMap<Bytes, Bytes>,
    libraries_version: u64,
    /// The state `lua` runs scripts on, for the raw API on the hot path (mlua's
    /// `exec_raw` allocates two closures per call).
    state: RawState,
    /// EVAL interpreter: the registry reference of each script compiled in it.
    compiled: Compiled,
}

/// A Lua state's pointer, owned by the [`Engine`] that holds it.
struct RawState(*mut lua_State);

// Safety: the pointer is the main state of the engine's `Lua`, which is `Send` (mlua's
// `send` feature); it is used only by the thread that holds the engine exclusively.
unsafe impl Send for RawState {}

impl Engine {
    pub(super) fn new(kind: Kind, generation: u64, memory_limit: usize) -> Result<Engine> {
        // Safety: the debug library is loaded only for the error handler, which keeps a
        // private reference to it; the global `debug` is removed before any script runs.
        let lua = unsafe {
            Lua::unsafe_new_with(
                StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::DEBUG,
                LuaOptions::new(),
            )
        };
        let setup = (|| -> mlua::Result<()> {
            let globals = lua.globals();
            // Redis never lets these in.
            for name in [
                "print", "dofile", "loadfile", "require", "module", "package", "setfenv",
                "getfenv", "newproxy",
            ] {
                globals.raw_set(name, mlua::Nil)?;
            }
            super::register_libraries(&lua)?;
            // Safety: `install` only uses the raw API on the state mlua hands it.
            unsafe { lua.exec_raw::<()>((), |l| install(l, kind)) }
        })();
        setup.map_err(|e| Error::err(format!("failed to set up the Lua interpreter: {e}")))?;
        if memory_limit > 0 {
            let _ = lua.set_memory_limit(memory_limit);
        }
        let mut state = std::ptr::null_mut();
        // Safety: only reads the pointer of the main state (outside any coroutine here).
        unsafe {
            lua.exec_raw::<()>((), |l| {
                state = l;
            })
        }
        .map_err(|e| Error::err(format!("failed to set up the Lua interpreter: {e}")))?;
        let client = Clients::detached(ClientKind::Resp);
        let mut session = Session::new(client);
        session.deny_blocking = true;
        session.in_script = true;
        Ok(Engine {
            lua,
            generation,
            session,
            runs: 0,
            memory_limit,
            gc_pause: LUA_DEFAULT_GC_PAUSE,
            loaded: Default::default(),
            libraries_version: u64::MAX,
            state: RawState(state),
            compiled: Default::default(),
        })
    }
}

/// Registers a C function as field `name` of the table on top of the stack.
unsafe fn set_function(l: *mut lua_State, name: &std::ffi::CStr, f: ffi::lua_CFunction) {
    unsafe {
        ffi::lua_pushcfunction(l, f);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
}

unsafe fn set_number(l: *mut lua_State, name: &std::ffi::CStr, n: f64) {
    unsafe {
        ffi::lua_pushnumber(l, n);
        ffi::lua_setfield(l, -2, name.as_ptr());
    }
}

/// Redis's error handler: completes an error with the source and line of the Lua code
/// that raised it (the caller's, when a C function such as `redis.call` raised it).
const ERROR_HANDLER: &str = "local dbg = debug
debug = nil
function __redis__err__handler(err)
  local i = dbg.getinfo(2,'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}  end  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end  return err
end
";

/// The libraries scripts may read but not change (each is replaced by a read-only view).
const LIBRARIES: &[&std::ffi::CStr] = &[
    c"redis",
    c"string",
    c"table",
    c"math",
    c"coroutine",
    c"cjson",
    c"bit",
    c"struct",
    c"cmsgpack",
];

/// The registry key of Redis's error handler: the address of this static, as a light
/// userdata (looked up per call, so no string to intern).
static ERROR_HANDLER_KEY: u8 = 0;

unsafe fn push_error_handler_key(l: *mut lua_State) {
    unsafe { ffi::lua_pushlightuserdata(l, &ERROR_HANDLER_KEY as *const u8 as *mut c_void) };
}
/// The registry field of the environment scripts run in: a read-only view of the globals.
const SCRIPT_ENV: &std::ffi::CStr = c"__memorabilia_env";
/// The registry field of the table of protected tables (what `rawset` refuses).
const PROTECTED: &std::ffi::CStr = c"__memorabilia_protected";

/// Builds Redis's API and sandbox into a fresh state.
unsafe fn install(l: *mut lua_State, kind: Kind) {
    unsafe {
        // Redis's pcall, and its math.random.
        ffi::lua_pushcfunction(l, lua_api::lua_pcall_compat);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"pcall".as_ptr());
        ffi::lua_pushcfunction(l, lua_api::loadstring_text);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"loadstring".as_ptr());
        ffi::lua_pushcfunction(l, lua_api::load_reader_text);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"load".as_ptr());
        ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"math".as_ptr());
        set_function(l, c"random", lua_api::math_random);
        set_function(l, c"randomseed", lua_api::math_randomseed);
        ffi::lua_pop(l, 1);

        ffi::lua_newtable(l);
        set_function(l, c"call", lua_api::redis_call);
        set_function(l, c"pcall", lua_api::redis_pcall);
        set_function(l, c"log", lua_api::redis_log);
        set_number(l, c"LOG_DEBUG", 0.0);
        set_number(l, c"LOG_VERBOSE", 1.0);
        set_number(l, c"LOG_NOTICE", 2.0);
        set_number(l, c"LOG_WARNING", 3.0);
        set_number(l, c"REDIS_VERSION_NUM", version_num() as f64);
        let version = CString::new(commands::connection::REDIS_VERSION).unwrap_or_default();
        ffi::lua_pushstring(l, version.as_ptr());
        ffi::lua_setfield(l, -2, c"REDIS_VERSION".as_ptr());
        set_function(l, c"setresp", lua_api::redis_setresp);
        set_function(l, c"sha1hex", lua_api::redis_sha1hex);
        set_function(l, c"error_reply", lua_api::redis_error_reply);
        set_function(l, c"status_reply", lua_api::redis_status_reply);
        set_function(l, c"set_repl", lua_api::redis_set_repl);
        set_number(l, c"REPL_NONE", 0.0);
        set_number(l, c"REPL_AOF", 1.0);
        set_number(l, c"REPL_SLAVE", 2.0);
        set_number(l, c"REPL_REPLICA", 2.0);
        set_number(l, c"REPL_ALL", 3.0);
        set_function(l, c"acl_check_cmd", lua_api::redis_acl_check_cmd);
        if kind == Kind::Eval {
            // Only EVAL scripts have these (the debugger's and a deprecated one).
            set_function(l, c"breakpoint", lua_api::redis_breakpoint);
            set_function(l, c"debug", lua_api::redis_debug);
            set_function(l, c"replicate_commands", lua_api::redis_replicate_commands);
        }
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"redis".as_ptr());

        if ffi::luaL_loadbuffer(
            l,
            ERROR_HANDLER.as_ptr() as *const _,
            ERROR_HANDLER.len(),
            c"@err_handler_def".as_ptr(),
        ) == 0
        {
            ffi::lua_pcall(l, 0, 0, 0);
        }
        // The handler in the registry for the server; EVAL scripts also see it as a
        // global, as in Redis, and functions do not.
        push_error_handler_key(l);
        ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"__redis__err__handler".as_ptr());
        ffi::lua_rawset(l, ffi::LUA_REGISTRYINDEX);
        lua_api::register_protected_runners(l);
        if kind == Kind::Function {
            ffi::lua_pushnil(l);
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"__redis__err__handler".as_ptr());
        }

        ffi::lua_newtable(l);
        ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, lua_api::VIEWS.as_ptr());
        ffi::lua_pushcfunction(l, lua_api::view_next);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"next".as_ptr());
        ffi::lua_pushcfunction(l, lua_api::view_pairs);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"pairs".as_ptr());
        // The protected tables: the globals and every library, each seen by scripts
        // through a view whose writes fail (Redis makes them read-only in its Lua VM).
        ffi::lua_newtable(l);
        let protected = ffi::lua_gettop(l);
        for &name in LIBRARIES {
            ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
            if ffi::lua_istable(l, -1) == 0 {
                ffi::lua_pop(l, 1);
                continue;
            }
            let library = ffi::lua_gettop(l);
            push_readonly_view(l, library);
            ffi::lua_pushvalue(l, -1);
            ffi::lua_pushboolean(l, 1);
            ffi::lua_rawset(l, protected);
            ffi::lua_pushvalue(l, library);
            ffi::lua_pushboolean(l, 1);
            ffi::lua_rawset(l, protected);
            // string methods ("x"):rep() go through the view too.
            if name == c"string" {
                ffi::lua_pushstring(l, c"".as_ptr());
                if ffi::lua_getmetatable(l, -1) != 0 {
                    ffi::lua_pushvalue(l, -3);
                    ffi::lua_setfield(l, -2, c"__index".as_ptr());
                    ffi::lua_pop(l, 1);
                }
                ffi::lua_pop(l, 1);
            }
            ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, name.as_ptr());
            ffi::lua_pop(l, 1);
        }
        // rawset that respects the protection.
        ffi::lua_pushvalue(l, protected);
        ffi::lua_pushcclosure(l, lua_api::guarded_rawset, 1);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"rawset".as_ptr());
        // The globals: missing names are errors, and scripts see them through a view.
        push_readonly_view(l, ffi::LUA_GLOBALSINDEX);
        let env = ffi::lua_gettop(l);
        ffi::lua_pushvalue(l, env);
        ffi::lua_setfield(l, ffi::LUA_GLOBALSINDEX, c"_G".as_ptr());
        ffi::lua_pushvalue(l, env);
        ffi::lua_pushboolean(l, 1);
        ffi::lua_rawset(l, protected);
        ffi::lua_pushvalue(l, ffi::LUA_GLOBALSINDEX);
        ffi::lua_pushboolean(l, 1);
        ffi::lua_rawset(l, protected);
        ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, SCRIPT_ENV.as_ptr());
        ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, PROTECTED.as_ptr());
        ffi::lua_newtable(l);
        set_function(l, c"__index", lua_api::missing_global);
        set_function(l, c"__newindex", lua_api::readonly_table);
        ffi::lua_pushboolean(l, 0);
        ffi::lua_setfield(l, -2, c"__metatable".as_ptr());
        ffi::lua_setmetatable(l, ffi::LUA_GLOBALSINDEX);

        // getmetatable and setmetatable as on Redis's read-only tables: the globals show
        // their (read-only) metatable, a library none, and none can be given another.
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, PROTECTED.as_ptr());
        let protected = ffi::lua_gettop(l);
        ffi::lua_getmetatable(l, ffi::LUA_GLOBALSINDEX);
        push_readonly_view(l, -1);
        for index in [-1, -2] {
            ffi::lua_pushvalue(l, index);
            ffi::lua_pushboolean(l, 1);
            ffi::lua_rawset(l, protected);
        }
        ffi::lua_setfield(
            l,
            ffi::LUA_REGISTRYINDEX,
            lua_api::GLOBALS_METATABLE.as_ptr(),
        );
        ffi::lua_pop(l, 1);
        ffi::lua_pushstring(l, c"setmetatable".as_ptr());
        ffi::lua_pushvalue(l, protected);
        ffi::lua_pushcclosure(l, lua_api::guarded_setmetatable, 1);
        ffi::lua_rawset(l, ffi::LUA_GLOBALSINDEX);
        ffi::lua_pushstring(l, c"getmetatable".as_ptr());
        ffi::lua_pushcfunction(l, lua_api::view_getmetatable);
        ffi::lua_rawset(l, ffi::LUA_GLOBALSINDEX);
        ffi::lua_pop(l, 1);
    }
}

/// Pushes an empty table that reads through to the table at `target` and refuses writes
/// (`pairs` and `next` walk the target).
unsafe fn push_readonly_view(l: *mut lua_State, target: c_int) {
    unsafe {
        let target = if target > 0 || target <= ffi::LUA_REGISTRYINDEX {
            target
        } else {
            ffi::lua_gettop(l) + target + 1
        };
        ffi::lua_newtable(l);
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, lua_api::VIEWS.as_ptr());
        ffi::lua_pushvalue(l, -2);
        ffi::lua_pushvalue(l, target);
        ffi::lua_rawset(l, -3);
        ffi::lua_pop(l, 1);
        ffi::lua_newtable(l);
        ffi::lua_pushvalue(l, target);
        ffi::lua_setfield(l, -2, c"__index".as_ptr());
        set_function(l, c"__newindex", lua_api::readonly_table);
        ffi::lua_pushboolean(l, 0);
        ffi::lua_setfield(l, -2, c"__metatable".as_ptr());
        ffi::lua_setmetatable(l, -2);
    }
}

/// `REDIS_VERSION_NUM`: 0x00MMmmpp of [`commands::connection::REDIS_VERSION`].
fn version_num() -> u32 {
    let mut parts = commands::connection::REDIS_VERSION
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    (major << 16) | (minor << 8) | patch
}

/// Runs `f` with the interpreter of `kind`, built (or rebuilt after `SCRIPT FLUSH` or
/// `FUNCTION FLUSH`) first; the function interpreter first loads the libraries loaded or
/// replaced since it last ran. There is one interpreter of each kind, as in Redis: scripts
/// run one at a time anyway, and a library keeps its state between calls.
fn with_engine<T>(
    server: &ServerState,
    kind: Kind,
    f: impl FnOnce(&mut Engine) -> Result<T>,
) -> Result<T> {
    let (slot, generation) = match kind {
        Kind::Eval => (&server.scripts.eval_engine, server.scripts.generation()),
        Kind::Function => (
            &server.scripts.function_engine,
            server.functions.generation(),
        ),
    };
    let mut slot = server.scripts.wait_for(slot)?;
    let limit = server.scripts.memory_limit();
    if slot.as_ref().is_none_or(|e| e.generation != generation) {
        *slot = None;
        let engine = Engine::new(kind, generation, limit)?;
        let script_kind = match kind {
            Kind::Eval => ScriptKind::Eval,
            Kind::Function => ScriptKind::Function,
        };
        server
            .scripts
            .note_vm_bytes(script_kind, engine.lua.used_memory());
        *slot = Some(engine);
    }
    let engine = slot.as_mut().expect("just built");
    if engine.memory_limit != limit {
        let _ = engine.lua.set_memory_limit(limit);
        engine.memory_limit = limit;
    }
    if kind == Kind::Function {
        engine.sync_libraries(server);
    }
    f(engine)
}

/// Builds both interpreters ahead of the first script, as Redis does at start-up: the
/// first EVAL or FCALL does not pay for it, and INFO memory shows them from the start.
pub fn prepare(server: &ServerState) -> Result<()> {
    with_engine(server, Kind::Eval, |_| Ok(()))?;
    with_engine(server, Kind::Function, |_| Ok(()))
}

impl Engine {
    /// Loads the libraries loaded or replaced since this interpreter last looked.
    fn sync_libraries(&mut self, server: &ServerState) {
        let version = server.functions.version();
        if self.libraries_version == version {
            return;
        }
        let set = server.functions.snapshot();
        self.loaded
            .retain(|name, _| set.libraries.contains_key(name));
        for library in set.libraries.values() {
            if self.loaded.get(&library.name) != Some(&library.code) {
                // What loaded once loads again: a library that fails now is left out.
                let _ = super::loader::load(self, library.body());
                self.loaded
                    .insert(library.name.clone(), library.code.clone());
            }
        }
        self.libraries_version = version;
    }
}

/// Pushes the environment scripts and functions run in (a read-only view of the globals).
pub(super) unsafe fn push_script_env(l: *mut lua_State) {
    unsafe { ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, SCRIPT_ENV.as_ptr()) };
}

/// Loads a library's code (its header cut) into a fresh function interpreter: the
/// functions it registers, or why it cannot be loaded.
pub fn check_library(
    server: &ServerState,
    body: &[u8],
) -> Result<Vec<super::functions::FunctionInfo>> {
    let engine = Engine::new(Kind::Function, 0, server.scripts.memory_limit())?;
    super::loader::load(&engine, body)
}

/// Compiles `script` into the interpreter unless `compiled` has it; leaves the function on
/// the stack.
unsafe fn push_compiled(
    l: *mut lua_State,
    compiled: &mut Compiled,
    script: &EvalScript,
) -> std::result::Result<(), Vec<u8>> {
    unsafe {
        if let Some(&reference) = compiled.get(&script.sha) {
            ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, reference as ffi::lua_Integer);
            return Ok(());
        }
        let code = &script.body[script.shebang_len..];
        if lua_api::load_text(l, code, c"@user_script".as_ptr()) != 0 {
            let message = lua_api::string_at(l, -1).unwrap_or_default().to_vec();
            ffi::lua_pop(l, 1);
            return Err(message);
        }
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, SCRIPT_ENV.as_ptr());
        ffi::lua_setfenv(l, -2);
        ffi::lua_pushvalue(l, -1);
        let reference = ffi::luaL_ref(l, ffi::LUA_REGISTRYINDEX);
        compiled.insert(script.sha, reference);
    }
    Ok(())
}

fn compile_error(message: &[u8]) -> Error {
    Error::err(format!(
        "Error compiling script (new function): {}",
        String::from_utf8_lossy(message)
    ))
}

/// Caches `body` after compiling it in this thread's interpreter (`SCRIPT LOAD`, and
/// `EVAL` of a script not cached yet): Redis refuses a script that does not compile
/// without caching it.
pub fn load(server: &ServerState, body: Bytes) -> Result<std::sync::Arc<EvalScript>> {
    let sha = super::sha1_hex(&body);
    if let Some(script) = server.scripts.get(&sha) {
        return Ok(script);
    }
    let (flags, shebang_len) = ScriptFlags::from_shebang(&body)?;
    let candidate = EvalScript {
        sha,
        body: body.clone(),
        flags,
        shebang_len,
    };
    with_engine(server, Kind::Eval, |engine| {
        let mut outcome = Ok(());
        let compiled = &mut engine.compiled;
        // Safety: raw API calls on the state mlua hands over, stack balanced by exec_raw.
        let raw = unsafe {
            engine.lua.exec_raw::<()>((), |l| {
                outcome = push_compiled(l, compiled, &candidate);
            })
        };
        raw.map_err(|e| Error::err(e.to_string()))?;
        outcome.map_err(|m| compile_error(&m))
    })?;
    server.scripts.insert(body)
}

/// What a script run needs besides its context.
pub struct Invocation<'s> {
    pub script: &'s EvalScript,
    pub keys: &'s [Bytes],
    pub args: &'s [Bytes],
    /// Called through `EVAL_RO` / `EVALSHA_RO`.
    pub read_only: bool,
}

/// Runs an `EVAL` script in the txn of its command (`ctx.txn()`): Redis's
/// `evalGenericCommand` from the point the script is found.
pub fn run_eval(ctx: &mut Ctx<'_>, invocation: Invocation<'_>) -> Result<Reply> {
    let script = invocation.script;
    if !script.flags.compat && !script.flags.no_writes && invocation.read_only {
        return Err(Error::err(
            "Can not execute a script with write flag using *_ro command.",
        ));
    }
    refuse_over_memory(ctx, script.flags)?;
    let may_write = script.flags.may_write(invocation.read_only);
    let sha = std::str::from_utf8(&script.sha).unwrap_or_default();
    let oom = ctx.session.oom && !script.flags.allows_oom();
    run_in(
        ctx,
        Kind::Eval,
        (may_write, oom),
        sha,
        |l, compiled| unsafe {
            push_compiled(l, compiled, script).map_err(|m| compile_error(&m))?;
            // On EVAL, KEYS and ARGV are globals (set raw: the globals refuse writes from
            // scripts, not from the server).
            push_arguments(l, &[invocation.keys, invocation.args], sha)?;
            for name in [c"ARGV", c"KEYS"] {
                ffi::lua_pushstring(l, name.as_ptr());
                ffi::lua_insert(l, -2);
                ffi::lua_rawset(l, ffi::LUA_GLOBALSINDEX);
            }
            Ok(0)
        },
    )
}

/// Runs the function `name` (`FCALL`, `FCALL_RO`) in the txn of its command.
pub fn run_function(
    ctx: &mut Ctx<'_>,
    name: &[u8],
    keys: &[Bytes],
    args: &[Bytes],
    read_only: bool,
) -> Result<Reply> {
    let Some((name, flags)) = ctx
        .server
        .functions
        .read(|set| set.function(name).map(|(_, f)| (f.name.clone(), f.flags)))
    else {
        return Err(Error::err("Function not found"));
    };
    if !flags.no_writes && read_only {
        return Err(Error::err(
            "Can not execute a script with write flag using *_ro command.",
        ));
    }
    refuse_over_memory(ctx, flags)?;
    let name = String::from_utf8_lossy(&name).into_owned();
    let field = super::loader::function_field(name.as_bytes());
    let oom = ctx.session.oom && !flags.allows_oom();
    run_in(
        ctx,
        Kind::Function,
        (flags.may_write(read_only), oom),
        &name,
        |l, _| unsafe {
            ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, field.as_ptr());
            if ffi::lua_isfunction(l, -1) == 0 {
                return Err(Error::err("Function not found"));
            }
            push_arguments(l, &[keys, args], &name)?;
            Ok(2)
        },
    )
}

/// A script that may write and did not declare `allow-oom` does not start while memory is
/// over `maxmemory` with nothing to evict (Redis's `scriptPrepareForRun`; reached when
/// its command was let through, as inside `EXEC`).
fn refuse_over_memory(ctx: &Ctx<'_>, flags: super::ScriptFlags) -> Result<()> {
    if ctx.session.oom && flags.denies_oom() {
        return Err(Error::full(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    Ok(())
}

/// Pushes one table per list (KEYS, ARGV).
unsafe fn push_arguments(l: *mut lua_State, lists: &[&[Bytes]], name: &str) -> Result<()> {
    unsafe { lua_api::push_strings_protected(l, lists) }.map_err(|message| {
        Error::err(format!(
            "Error running script {name}, {}",
            String::from_utf8_lossy(&message)
        ))
    })
}

/// The registry reference of each script compiled in an interpreter.
type Compiled = std::collections::HashMap<super::Sha, c_int>;

/// Runs a script in this thread's interpreter of `kind`: `push` pushes the function to
/// call and its arguments (returning how many), then it runs under the count hook with
/// Redis's error handler, and its result or error is converted.
fn run_in(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    (may_write, oom): (bool, bool),
    name: &str,
    push: impl FnOnce(*mut lua_State, &mut Compiled) -> Result<c_int>,
) -> Result<Reply> {
    let server = ctx.server;
    let txn = ctx.txn();
    let caller_db = ctx.db();
    let caller_id = ctx.session.client.id;
    let caller = ctx.session.client.clone();
    with_engine(server, kind, |engine| {
        engine.session.db = caller_db;
        engine.session.protocol = Protocol::Resp2;
        let mut run = Run {
            server,
            txn,
            session: &mut engine.session,
            caller,
            may_write,
            oom,
            dirty: false,
            started: Instant::now(),
            next_hand_over: LONG_SCRIPT,
        };
        let script_kind = match kind {
            Kind::Eval => ScriptKind::Eval,
            Kind::Function => ScriptKind::Function,
        };
        server.scripts.started(caller_id, script_kind, run.started);
        let mut outcome: Result<Reply> = Ok(Reply::Null);
        let lua = &engine.lua;
        let compiled = &mut engine.compiled;
        engine.runs = engine.runs.wrapping_add(1);
        let collect = engine.runs % GC_PERIOD == 0;
        let memory_limit = engine.memory_limit;
        let gc_pause_set = &mut engine.gc_pause;
        let raw = {
            let run_ptr = &mut run as *mut Run<'_> as *mut c_void;
            let mut push = Some(push);
            // Safety: raw API on the engine's state, held exclusively; `run` outlives the
            // call, and CURRENT is cleared before it ends.
            unsafe {
                lua_api::protected_call(engine.state.0, &mut |l| {
                    let Some(push) = push.take() else { return };
                    outcome = call_protected(l, lua, run_ptr, name, |l| push(l, &mut *compiled));
                    if collect {
                        // Redis's periodic step, so a full cycle rarely lands in one call;
                        // protected, since a step may run finalizers.
                        ffi::lua_gc(l, ffi::LUA_GCSTEP, 0);
                        let in_use = ffi::lua_gc(l, ffi::LUA_GCCOUNT, 0).max(0) as usize * 1024;
                        server.scripts.note_vm_bytes(script_kind, in_use);
                        let pause = gc_pause(in_use, memory_limit);
                        if pause != *gc_pause_set {
                            ffi::lua_gc(l, ffi::LUA_GCSETPAUSE, pause);
                            *gc_pause_set = pause;
                        }
                    }
                })
            }
        };
        CURRENT.with(|c| c.set(std::ptr::null_mut()));
        server.scripts.finished();
        raw.map_err(|message| {
            Error::err(format!(
                "Error running script {name}, {}",
                String::from_utf8_lossy(&message)
            ))
        })?;
        // An error the script returns is the command's error: counted in errorstats (unless
        // it is one a command already counted) and in the command's failed calls.
        match outcome? {
            Reply::Error(error) => Err(error),
            reply => Ok(reply),
        }
    })
}

unsafe fn call_protected(
    l: *mut lua_State,
    lua: &Lua,
    run: *mut c_void,
    name: &str,
    push: impl FnOnce(*mut lua_State) -> Result<c_int>,
) -> Result<Reply> {
    unsafe {
        push_error_handler_key(l);
        ffi::lua_rawget(l, ffi::LUA_REGISTRYINDEX);
        let handler = ffi::lua_gettop(l);
        let nargs = push(l)?;
        CURRENT.with(|c| c.set(run));
        ffi::lua_sethook(
            l,
            Some(lua_api::count_hook),
            ffi::LUA_MASKCOUNT,
            HOOK_PERIOD,
        );
        let status = ffi::lua_pcall(l, nargs, 1, handler);
        ffi::lua_sethook(l, None, 0, 0);
        CURRENT.with(|c| c.set(std::ptr::null_mut()));
        let run = &*(run as *const Run<'_>);
        let style = ResultStyle {
            script_resp3: run.protocol() == Protocol::Resp3,
        };
        // Converting a table (a result, or an error) allocates a little on the Lua
        // stack: not worth failing over.
        let relax = status != 0 || ffi::lua_type(l, -1) == ffi::LUA_TTABLE;
        let limit = if relax {
            lua.set_memory_limit(0).unwrap_or(0)
        } else {
            0
        };
        let result = if status != 0 {
            Err(script_error(l, name))
        } else {
            Ok(lua_api::pop_reply(l, style))
        };
        if relax {
            let _ = lua.set_memory_limit(limit);
        }
        result
    }
}

/// The error a failed script answers with (Redis's `luaCallFunction`): the error table
/// the handler completed, with where it happened.
unsafe fn script_error(l: *mut lua_State, name: &str) -> Error {
    unsafe {
        if ffi::lua_istable(l, -1) == 0 {
            let message = lua_api::string_at(l, -1)
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_else(|| "execution failure".to_owned());
            let message: String = message.chars().take(100).collect();
            return Error::err(format!("Error running script {name}, {message}"));
        }
        let info = lua_api::error_info(l);
        let mut text = String::from_utf8_lossy(&info.message).into_owned();
        if let (Some(line), Some(source)) = (&info.line, &info.source) {
            text.push_str(&format!(
                " script: {name}, on {}:{}.",
                String::from_utf8_lossy(source),
                String::from_utf8_lossy(line)
            ));
        }
        if info.counted {
            Error::Counted(text.into())
        } else {
            Error::Other(text.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_pause_grows_only_small_heaps_and_stays_under_half_the_limit() {
        // A typical interpreter (tens of KB) with no limit, or the default 1 GB one.
        assert_eq!(gc_pause(48 << 10, 0), SMALL_HEAP_GC_PAUSE);
        assert_eq!(gc_pause(48 << 10, 1 << 30), SMALL_HEAP_GC_PAUSE);
        // Ten times the heap must fit under the bound, and under half the limit.
        assert_eq!(
            gc_pause(SMALL_HEAP_GROWTH_BOUND / 10, 0),
            SMALL_HEAP_GC_PAUSE
        );
        assert_eq!(
            gc_pause(SMALL_HEAP_GROWTH_BOUND / 10 + 1, 0),
            LUA_DEFAULT_GC_PAUSE
        );
        assert_eq!(gc_pause(100 << 10, 2 << 20), SMALL_HEAP_GC_PAUSE);
        assert_eq!(gc_pause(200 << 10, 2 << 20), LUA_DEFAULT_GC_PAUSE);
        assert_eq!(gc_pause(usize::MAX, 0), LUA_DEFAULT_GC_PAUSE);
    }
}
