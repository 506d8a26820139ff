//! What scripts see of Redis, on the raw Lua C API: `redis.call`, `redis.pcall`, the other
//! `redis.*` functions, Redis's `pcall` and `math.random`, the guards of the protected
//! globals, and the conversions between replies and Lua values (Redis's
//! `redisProtocolToLuaType` and `luaReplyToRedisReply`).
//!
//! These are C functions because Redis's error protocol needs them: `redis.call` raises a
//! Lua *table* (`{err = "CODE message"}`), which the error handler completes with the
//! script's source line; mlua's Rust callbacks can only raise its own error userdata.
//!
//! # Raising errors
//! `lua_error` unwinds with `longjmp`, which must not skip a Rust destructor. Every
//! function here does its Rust work in an inner function that returns plain data, and
//! raises only once nothing owned is left on its frame.

use bytes::Bytes;
use mlua::ffi::{self, lua_State};
use std::ffi::{CStr, c_char, c_int, c_void};

use super::engine::current_run;
use crate::commands::{Protocol, Reply};
use crate::error::Error;
use crate::store::numeric::{format_double, format_human_double};

/// The deepest a returned table may nest before its conversion stops (Redis stops where
/// the Lua stack does, at about this depth; a limit keeps the reply's encoding and drop
/// from exhausting a thread's stack).
const MAX_DEPTH: usize = 1000;

pub(super) unsafe fn push_bytes(l: *mut lua_State, bytes: &[u8]) {
    unsafe { ffi::lua_pushlstring(l, bytes.as_ptr() as *const c_char, bytes.len()) };
}

/// The string at `idx`, if it is one (numbers are not converted: that would allocate).
pub(super) unsafe fn string_at<'l>(l: *mut lua_State, idx: c_int) -> Option<&'l [u8]> {
    unsafe {
        if ffi::lua_type(l, idx) != ffi::LUA_TSTRING {
            return None;
        }
        let mut len = 0usize;
        let data = ffi::lua_tolstring(l, idx, &mut len);
        Some(std::slice::from_raw_parts(data as *const u8, len))
    }
}

/// The value at `idx` as `lua_tolstring` sees it: strings, and numbers converted in place.
unsafe fn tolstring<'l>(l: *mut lua_State, idx: c_int) -> Option<&'l [u8]> {
    unsafe {
        let mut len = 0usize;
        let data = ffi::lua_tolstring(l, idx, &mut len);
        (!data.is_null()).then(|| std::slice::from_raw_parts(data as *const u8, len))
    }
}

/// Raises `message` as `luaL_error` does: prefixed by the calling Lua function's
/// `source:line:`.
unsafe fn raise(l: *mut lua_State, message: &'static CStr) -> ! {
    unsafe {
        ffi::luaL_where(l, 1);
        ffi::lua_pushstring(l, message.as_ptr());
        ffi::lua_concat(l, 2);
        ffi::lua_error(l)
    }
}

/// Pushes Redis's error table `{err = "CODE message"}` for `text` (Redis's
/// `luaPushErrorBuff`): a text starting with `-` carries its code, any other gets `ERR`;
/// line ends are trimmed.
pub(super) unsafe fn push_error_table(l: *mut lua_State, text: &[u8], counted: bool) {
    let text = text
        .strip_suffix(b"\r\n")
        .or_else(|| text.strip_suffix(b"\n"))
        .unwrap_or(text);
    let (code, message): (&[u8], &[u8]) = match text.strip_prefix(b"-") {
        Some(rest) => match rest.iter().position(|&b| b == b' ') {
            Some(space) => (&rest[..space], &rest[space + 1..]),
            None => (b"ERR", rest),
        },
        None => (b"ERR", text),
    };
    let message = trim_line_ends(message);
    unsafe {
        ffi::lua_createtable(l, 0, 2);
        ffi::lua_pushstring(l, c"err".as_ptr());
        push_bytes(l, code);
        push_bytes(l, b" ");
        push_bytes(l, message);
        ffi::lua_concat(l, 3);
        ffi::lua_settable(l, -3);
        if counted {
            // The error was counted in errorstats when the command failed.
            ffi::lua_pushstring(l, c"ignore_error_stats_update".as_ptr());
            ffi::lua_pushboolean(l, 1);
            ffi::lua_settable(l, -3);
        }
    }
}

/// `sdstrim(msg, "\r\n")`: carriage returns and line feeds off both ends.
fn trim_line_ends(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(start, |i| i + 1);
    &text[start..end]
}

/// The message of a Redis error reply, as the error table gets it (with its `-`).
fn error_text(error: &Error) -> Vec<u8> {
    let message = error.message();
    let mut text = Vec::with_capacity(message.len() + 1);
    text.push(b'-');
    text.extend_from_slice(message.as_bytes());
    text
}

/// What a `redis.*` function's Rust part decided.
enum Outcome {
    /// Return this many values (already pushed).
    Return(c_int),
    /// Raise the value on top of the stack.
    Raise,
}

/// The arguments of `redis.call` and friends: strings, and numbers as `%.17g`.
unsafe fn command_args(l: *mut lua_State) -> Result<Vec<Bytes>, &'static [u8]> {
    let argc = unsafe { ffi::lua_gettop(l) };
    if argc == 0 {
        return Err(b"Please specify at least one argument for this redis lib call");
    }
    let mut argv = Vec::with_capacity(argc as usize);
    for idx in 1..=argc {
        let arg = unsafe {
            match ffi::lua_type(l, idx) {
                ffi::LUA_TNUMBER => {
                    Bytes::from(format_double(ffi::lua_tonumber(l, idx)).into_bytes())
                }
                ffi::LUA_TSTRING => Bytes::copy_from_slice(string_at(l, idx).unwrap_or_default()),
                _ => {
                    ffi::lua_settop(l, 0);
                    return Err(b"Lua redis lib command arguments must be strings or integers");
                }
            }
        };
        argv.push(arg);
    }
    unsafe { ffi::lua_settop(l, 0) };
    Ok(argv)
}

/// `redis.call` (`raise`) and `redis.pcall`.
unsafe fn redis_command(l: *mut lua_State, raise: bool) -> Outcome {
    let Some(run) = (unsafe { current_run() }) else {
        unsafe {
            push_error_table(
                l,
                b"redis.call/pcall can only be called inside a script invocation",
                false,
            )
        };
        return Outcome::Raise;
    };
    let argv = match unsafe { command_args(l) } {
        Ok(argv) => argv,
        Err(message) => {
            unsafe { push_error_table(l, message, false) };
            return if raise {
                Outcome::Raise
            } else {
                Outcome::Return(1)
            };
        }
    };
    let reply = match run.call(&argv) {
        Ok(Reply::Error(error)) => Err(error_text(&error)),
        Ok(reply) => Ok(reply),
        // Refused before running (also counted).
        Err(message) => Err(message.into_bytes()),
    };
    drop(argv);
    match reply {
        Ok(reply) => {
            let resp3 = run.protocol() == Protocol::Resp3;
            if let Err(message) = unsafe { push_reply_protected(l, &reply, resp3) } {
                unsafe { push_error_table(l, &message, false) };
                return Outcome::Raise;
            }
            Outcome::Return(1)
        }
        Err(text) => {
            unsafe { push_error_table(l, &text, true) };
            if raise {
                Outcome::Raise
            } else {
                Outcome::Return(1)
            }
        }
    }
}

unsafe fn finish(l: *mut lua_State, outcome: Outcome) -> c_int {
    match outcome {
        Outcome::Return(n) => n,
        Outcome::Raise => unsafe { ffi::lua_error(l) },
    }
}

pub(super) unsafe extern "C-unwind" fn redis_call(l: *mut lua_State) -> c_int {
    unsafe {
        let outcome = redis_command(l, true);
        finish(l, outcome)
    }
}

pub(super) unsafe extern "C-unwind" fn redis_pcall(l: *mut lua_State) -> c_int {
    unsafe {
        let outcome = redis_command(l, false);
        finish(l, outcome)
    }
}

/// Redis's `pcall`: an error table caught is returned as its `err` string, as scripts
/// written before Redis 7 expect.
pub(super) unsafe extern "C-unwind" fn lua_pcall_compat(l: *mut lua_State) -> c_int {
    unsafe {
        let argc = ffi::lua_gettop(l);
        if argc == 0 {
            ffi::luaL_argerror(l, 1, c"value expected".as_ptr());
        }
        ffi::lua_pushboolean(l, 1);
        ffi::lua_insert(l, 1);
        if ffi::lua_pcall(l, argc - 1, ffi::LUA_MULTRET, 0) != 0 {
            ffi::lua_remove(l, 1);
            if ffi::lua_istable(l, -1) != 0 {
                ffi::lua_getfield(l, -1, c"err".as_ptr());
                if ffi::lua_isstring(l, -1) != 0 {
                    ffi::lua_replace(l, -2);
                }
            }
            ffi::lua_pushboolean(l, 0);
            ffi::lua_insert(l, 1);
        }
        ffi::lua_gettop(l)
    }
}

pub(super) unsafe extern "C-unwind" fn redis_sha1hex(l: *mut lua_State) -> c_int {
    unsafe {
        if ffi::lua_gettop(l) != 1 {
            push_error_table(l, b"wrong number of arguments", false);
            ffi::lua_error(l);
        }
        let sha = super::sha1_hex(tolstring(l, 1).unwrap_or_default());
        push_bytes(l, &sha);
        1
    }
}

/// `redis.error_reply` and `redis.status_reply` check their argument alike.
unsafe fn single_string_arg(l: *mut lua_State) -> bool {
    unsafe { ffi::lua_gettop(l) == 1 && ffi::lua_type(l, -1) == ffi::LUA_TSTRING }
}

pub(super) unsafe extern "C-unwind" fn redis_error_reply(l: *mut lua_State) -> c_int {
    unsafe {
        if !single_string_arg(l) {
            push_error_table(l, b"wrong number or type of arguments", false);
            return 1;
        }
        let text = string_at(l, 1).unwrap_or_default();
        if text.starts_with(b"-") {
            push_error_table(l, text, false);
        } else {
            let mut with_dash = Vec::with_capacity(text.len() + 1);
            with_dash.push(b'-');
            with_dash.extend_from_slice(text);
            push_error_table(l, &with_dash, false);
        }
        1
    }
}

pub(super) unsafe extern "C-unwind" fn redis_status_reply(l: *mut lua_State) -> c_int {
    unsafe {
        if !single_string_arg(l) {
            push_error_table(l, b"wrong number or type of arguments", false);
            return 1;
        }
        ffi::lua_createtable(l, 0, 1);
        ffi::lua_pushstring(l, c"ok".as_ptr());
        ffi::lua_pushvalue(l, -3);
        ffi::lua_settable(l, -3);
        1
    }
}

/// Raises Redis's error table for `message` (`luaPushError` + `luaError`).
unsafe fn raise_table(l: *mut lua_State, message: &'static [u8]) -> ! {
    unsafe {
        push_error_table(l, message, false);
        ffi::lua_error(l)
    }
}

pub(super) unsafe extern "C-unwind" fn redis_setresp(l: *mut lua_State) -> c_int {
    unsafe {
        let Some(run) = current_run() else {
            raise_table(
                l,
                b"redis.setresp can only be called inside a script invocation",
            );
        };
        if ffi::lua_gettop(l) != 1 {
            raise_table(l, b"redis.setresp() requires one argument.");
        }
        let protocol = match ffi::lua_tonumber(l, 1) as c_int {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => raise_table(l, b"RESP version must be 2 or 3."),
        };
        run.set_protocol(protocol);
        0
    }
}

pub(super) unsafe extern "C-unwind" fn redis_set_repl(l: *mut lua_State) -> c_int {
    unsafe {
        if current_run().is_none() {
            raise_table(
                l,
                b"redis.set_repl can only be called inside a script invocation",
            );
        }
        if ffi::lua_gettop(l) != 1 {
            raise_table(l, b"redis.set_repl() requires two arguments.");
        }
        let flags = ffi::lua_tonumber(l, -1) as c_int;
        if flags & !3 != 0 {
            raise_table(
                l,
                b"Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
            );
        }
        // Replication and the AOF do not exist yet: there is nothing to switch off.
        0
    }
}

pub(super) unsafe extern "C-unwind" fn redis_replicate_commands(l: *mut lua_State) -> c_int {
    unsafe { ffi::lua_pushboolean(l, 1) };
    1
}

pub(super) unsafe extern "C-unwind" fn redis_breakpoint(l: *mut lua_State) -> c_int {
    // The debugger (SCRIPT DEBUG) is not there, so no breakpoint is ever hit.
    unsafe { ffi::lua_pushboolean(l, 0) };
    1
}

pub(super) unsafe extern "C-unwind" fn redis_debug(_l: *mut lua_State) -> c_int {
    0
}

pub(super) unsafe extern "C-unwind" fn redis_acl_check_cmd(l: *mut lua_State) -> c_int {
    unsafe {
        let Some(run) = current_run() else {
            raise_table(
                l,
                b"redis.acl_check_cmd can only be called inside a script invocation",
            );
        };
        let argv = match command_args(l) {
            Ok(argv) => argv,
            Err(message) => raise_table(l, message),
        };
        // Only whether the command exists: its argument count is not checked.
        let route = match crate::commands::resolve(&argv) {
            Ok(route) | Err((Some(route), _)) => route,
            Err((None, _)) => raise_table(l, b"Invalid command passed to redis.acl_check_cmd()"),
        };
        // Redis checks the caller's user directly, logging nothing.
        let user = run.server().acl.user_or_default(run.caller.user());
        let allowed = user.unrestricted() || user.rules().check(route, &argv).is_ok();
        ffi::lua_pushboolean(l, c_int::from(allowed));
        1
    }
}

pub(super) unsafe extern "C-unwind" fn redis_log(l: *mut lua_State) -> c_int {
    unsafe {
        let argc = ffi::lua_gettop(l);
        if argc < 2 {
            raise_table(l, b"redis.log() requires two arguments or more.");
        }
        if ffi::lua_isnumber(l, 1) == 0 {
            raise_table(l, b"First argument must be a number (log level).");
        }
        let level = ffi::lua_tonumber(l, 1) as c_int;
        if !(0..=3).contains(&level) {
            raise_table(l, b"Invalid debug level.");
        }
        let mut line = Vec::new();
        for idx in 2..=argc {
            if let Some(text) = tolstring(l, idx) {
                if idx != 2 {
                    line.push(b' ');
                }
                line.extend_from_slice(text);
            }
        }
        let line = String::from_utf8_lossy(&line);
        match level {
            0 => tracing::debug!(target: "script", "{line}"),
            1 => tracing::info!(target: "script", "{line}"),
            2 => tracing::info!(target: "script", "{line}"),
            _ => tracing::warn!(target: "script", "{line}"),
        }
        0
    }
}

/// Redis's `math.random`: the process-wide `lrand48` sequence.
pub(super) unsafe extern "C-unwind" fn math_random(l: *mut lua_State) -> c_int {
    unsafe {
        let Some(run) = current_run() else {
            raise(
                l,
                c"math.random can only be called inside a script invocation",
            );
        };
        // Arguments are checked before the generator is locked: a raised error must not
        // leave the lock held.
        let bounds = match ffi::lua_gettop(l) {
            0 => None,
            1 => {
                let upper = ffi::luaL_checkinteger(l, 1) as c_int;
                if upper < 1 {
                    ffi::luaL_argerror(l, 1, c"interval is empty".as_ptr());
                }
                Some((1, upper))
            }
            2 => {
                let lower = ffi::luaL_checkinteger(l, 1) as c_int;
                let upper = ffi::luaL_checkinteger(l, 2) as c_int;
                if lower > upper {
                    ffi::luaL_argerror(l, 2, c"interval is empty".as_ptr());
                }
                Some((lower, upper))
            }
            _ => raise(l, c"wrong number of arguments"),
        };
        let r = run.random_unit();
        match bounds {
            None => ffi::lua_pushnumber(l, r),
            Some((lower, upper)) => ffi::lua_pushnumber(
                l,
                (r * (upper as f64 - lower as f64 + 1.0)).floor() + lower as f64,
            ),
        }
        1
    }
}

pub(super) unsafe extern "C-unwind" fn math_randomseed(l: *mut lua_State) -> c_int {
    unsafe {
        let Some(run) = current_run() else {
            raise(
                l,
                c"math.randomseed can only be called inside a script invocation",
            );
        };
        let seed = ffi::luaL_checkinteger(l, 1) as i32;
        run.random_seed(seed);
        0
    }
}

/// `__index` of the globals: reading a global that does not exist is an error.
pub(super) unsafe extern "C-unwind" fn missing_global(l: *mut lua_State) -> c_int {
    unsafe {
        if ffi::lua_gettop(l) != 2 {
            raise(l, c"Wrong number of arguments to luaProtectedTableError");
        }
        if ffi::lua_isstring(l, -1) == 0 && ffi::lua_isnumber(l, -1) == 0 {
            raise(
                l,
                c"Second argument to luaProtectedTableError must be a string or number",
            );
        }
        ffi::luaL_where(l, 1);
        ffi::lua_pushstring(
            l,
            c"Script attempted to access nonexistent global variable '".as_ptr(),
        );
        ffi::lua_pushvalue(l, 2);
        ffi::lua_pushstring(l, c"'".as_ptr());
        ffi::lua_concat(l, 4);
        ffi::lua_error(l)
    }
}

/// `__newindex` of the globals and of the libraries: they are read-only.
pub(super) unsafe extern "C-unwind" fn readonly_table(l: *mut lua_State) -> c_int {
    unsafe { raise(l, c"Attempt to modify a readonly table") }
}

/// Raises Redis's read-only error if the first argument is one of the protected tables
/// (their set is the calling closure's upvalue). Redis's VM raises it with no Lua position.
unsafe fn refuse_protected_argument(l: *mut lua_State) {
    unsafe {
        ffi::lua_pushvalue(l, 1);
        ffi::lua_rawget(l, ffi::lua_upvalueindex(1));
        let protected = ffi::lua_toboolean(l, -1) != 0;
        ffi::lua_pop(l, 1);
        if protected {
            ffi::lua_pushstring(l, c"Attempt to modify a readonly table".as_ptr());
            ffi::lua_error(l);
        }
    }
}

/// `rawset`, refusing the protected tables, which `__newindex` cannot guard from it.
pub(super) unsafe extern "C-unwind" fn guarded_rawset(l: *mut lua_State) -> c_int {
    unsafe {
        ffi::luaL_checktype(l, 1, ffi::LUA_TTABLE);
        ffi::luaL_checkany(l, 2);
        ffi::luaL_checkany(l, 3);
        refuse_protected_argument(l);
        ffi::lua_settop(l, 3);
        ffi::lua_rawset(l, 1);
        1
    }
}

/// The registry field holding the read-only view of the globals' metatable.
pub(super) const GLOBALS_METATABLE: &CStr = c"__memorabilia_globals_metatable";

/// `setmetatable`, refusing the protected tables as Redis's read-only tables do.
pub(super) unsafe extern "C-unwind" fn guarded_setmetatable(l: *mut lua_State) -> c_int {
    unsafe {
        let kind = ffi::lua_type(l, 2);
        ffi::luaL_checktype(l, 1, ffi::LUA_TTABLE);
        if kind != ffi::LUA_TNIL && kind != ffi::LUA_TTABLE {
            ffi::luaL_argerror(l, 2, c"nil or table expected".as_ptr());
        }
        refuse_protected_argument(l);
        if ffi::luaL_getmetafield(l, 1, c"__metatable".as_ptr()) != 0 {
            ffi::luaL_error(l, c"cannot change a protected metatable".as_ptr());
        }
        ffi::lua_settop(l, 2);
        ffi::lua_setmetatable(l, 1);
        1
    }
}

/// `getmetatable`, showing what Redis's read-only tables show: for the globals' view, a
/// read-only view of their metatable; for a library's, none.
pub(super) unsafe extern "C-unwind" fn view_getmetatable(l: *mut lua_State) -> c_int {
    unsafe {
        ffi::luaL_checkany(l, 1);
        ffi::lua_settop(l, 1);
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, VIEWS.as_ptr());
        ffi::lua_pushvalue(l, 1);
        ffi::lua_rawget(l, -2);
        if ffi::lua_istable(l, -1) != 0 {
            if ffi::lua_rawequal(l, -1, ffi::LUA_GLOBALSINDEX) != 0 {
                ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, GLOBALS_METATABLE.as_ptr());
            } else {
                ffi::lua_pushnil(l);
            }
            return 1;
        }
        ffi::lua_settop(l, 1);
        if ffi::lua_getmetatable(l, 1) == 0 {
            ffi::lua_pushnil(l);
            return 1;
        }
        ffi::luaL_getmetafield(l, 1, c"__metatable".as_ptr());
        1
    }
}

/// The registry field mapping each read-only view to the table it shows.
pub(super) const VIEWS: &CStr = c"__memorabilia_views";

/// Replaces the table at index 1 by the table it is a read-only view of, if it is one.
unsafe fn see_through_view(l: *mut lua_State) {
    unsafe {
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, VIEWS.as_ptr());
        ffi::lua_pushvalue(l, 1);
        ffi::lua_rawget(l, -2);
        if ffi::lua_istable(l, -1) != 0 {
            ffi::lua_replace(l, 1);
        } else {
            ffi::lua_pop(l, 1);
        }
        ffi::lua_pop(l, 1);
    }
}

/// `next`, which walks a library or the globals through their read-only views.
pub(super) unsafe extern "C-unwind" fn view_next(l: *mut lua_State) -> c_int {
    unsafe {
        ffi::luaL_checktype(l, 1, ffi::LUA_TTABLE);
        ffi::lua_settop(l, 2);
        see_through_view(l);
        if ffi::lua_next(l, 1) != 0 {
            2
        } else {
            ffi::lua_pushnil(l);
            1
        }
    }
}

/// `pairs`, iterating with [`view_next`].
pub(super) unsafe extern "C-unwind" fn view_pairs(l: *mut lua_State) -> c_int {
    unsafe {
        ffi::luaL_checktype(l, 1, ffi::LUA_TTABLE);
        ffi::lua_pushcfunction(l, view_next);
        ffi::lua_pushvalue(l, 1);
        ffi::lua_pushnil(l);
        3
    }
}

/// The count hook: stops a script that was killed, or whose server shuts down.
pub(super) unsafe extern "C-unwind" fn count_hook(l: *mut lua_State, _ar: *mut ffi::lua_Debug) {
    unsafe {
        let Some(run) = current_run() else {
            return;
        };
        if run.interrupted() {
            tracing::warn!("Lua script killed by user with SCRIPT KILL.");
            // From now on on every line, so a pcall cannot keep the script going.
            ffi::lua_sethook(l, Some(count_hook), ffi::LUA_MASKLINE, 0);
            push_error_table(l, b"Script killed by user with SCRIPT KILL...", false);
            ffi::lua_error(l);
        }
    }
}

// --- Replies into Lua values --------------------------------------------------------

/// What [`push_reply_in_lua`] is given through its light userdata.
struct PushRequest<'r> {
    reply: &'r Reply,
    resp3: bool,
}

/// Pushes `reply` as Redis converts a command's reply for a script, in a protected call:
/// a reply too big for the Lua memory limit fails with the allocation error's message
/// instead of unwinding through Rust.
pub(super) unsafe fn push_reply_protected(
    l: *mut lua_State,
    reply: &Reply,
    resp3: bool,
) -> Result<(), Vec<u8>> {
    // What allocates nothing needs no protection (most replies to writes).
    match reply {
        Reply::Integer(n) => {
            unsafe { ffi::lua_pushnumber(l, *n as f64) };
            return Ok(());
        }
        Reply::Null | Reply::NullArray => {
            unsafe { push_null(l, resp3) };
            return Ok(());
        }
        _ => {}
    }
    let mut request = PushRequest { reply, resp3 };
    unsafe {
        protected_push(
            l,
            push_reply_in_lua,
            &mut request as *mut PushRequest as *mut c_void,
            1,
        )
    }
}

unsafe extern "C-unwind" fn push_reply_in_lua(l: *mut lua_State) -> c_int {
    unsafe {
        let request = &*(ffi::lua_touserdata(l, 1) as *const PushRequest);
        ffi::lua_pop(l, 1);
        push_reply(l, request.reply, request.resp3);
        1
    }
}

/// A null reply as a script sees it: `false` under RESP2, `nil` under RESP3.
unsafe fn push_null(l: *mut lua_State, resp3: bool) {
    unsafe {
        if resp3 {
            ffi::lua_pushnil(l)
        } else {
            ffi::lua_pushboolean(l, 0)
        }
    }
}

/// `redisProtocolToLuaType`: a RESP2 script sees what a RESP2 client would read, a RESP3
/// script RESP3's types as tables (`{map=...}`, `{set=...}`, `{double=...}`, ...).
/// Frames here hold only references, so an allocation error may unwind through them.
unsafe fn push_reply(l: *mut lua_State, reply: &Reply, resp3: bool) {
    unsafe {
        ffi::luaL_checkstack(l, 4, c"reply too deep".as_ptr());
        match reply {
            Reply::Simple(text) => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"ok".as_ptr());
                push_bytes(l, text.as_bytes());
                ffi::lua_settable(l, -3);
            }
            Reply::Error(error) => {
                let message = error.message();
                push_error_table_borrowed(l, message.as_bytes());
            }
            Reply::Integer(n) => ffi::lua_pushnumber(l, *n as f64),
            Reply::Bulk(bytes) => push_bytes(l, bytes),
            Reply::Null | Reply::NullArray => push_null(l, resp3),
            Reply::Array(items) | Reply::Push(items) | Reply::Sequence(items) => {
                push_array(l, items, resp3)
            }
            Reply::Set(items) if resp3 => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"set".as_ptr());
                ffi::lua_createtable(l, 0, items.len() as c_int);
                for item in items {
                    push_reply(l, item, resp3);
                    ffi::lua_pushboolean(l, 1);
                    ffi::lua_settable(l, -3);
                }
                ffi::lua_settable(l, -3);
            }
            Reply::Set(items) => push_array(l, items, resp3),
            Reply::Map(pairs) if resp3 => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"map".as_ptr());
                ffi::lua_createtable(l, 0, pairs.len() as c_int);
                for (key, value) in pairs {
                    push_reply(l, key, resp3);
                    push_reply(l, value, resp3);
                    ffi::lua_settable(l, -3);
                }
                ffi::lua_settable(l, -3);
            }
            Reply::Map(pairs) => {
                ffi::lua_createtable(l, (pairs.len() * 2) as c_int, 0);
                for (i, (key, value)) in pairs.iter().enumerate() {
                    push_reply(l, key, resp3);
                    ffi::lua_rawseti(l, -2, (2 * i + 1) as ffi::lua_Integer);
                    push_reply(l, value, resp3);
                    ffi::lua_rawseti(l, -2, (2 * i + 2) as ffi::lua_Integer);
                }
            }
            Reply::Double(d) if resp3 => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"double".as_ptr());
                ffi::lua_pushnumber(l, *d);
                ffi::lua_settable(l, -3);
            }
            Reply::Double(d) => {
                let text = format_double_stack(*d);
                push_bytes(l, text.as_bytes());
            }
            Reply::HumanDouble(d) => {
                // Redis hands the script what it would send: the number as printed.
                let text = format_human_double(*d);
                if resp3 {
                    ffi::lua_createtable(l, 0, 1);
                    ffi::lua_pushstring(l, c"double".as_ptr());
                    ffi::lua_pushnumber(l, text.parse().unwrap_or(*d));
                    ffi::lua_settable(l, -3);
                } else {
                    push_bytes(l, text.as_bytes());
                }
            }
            Reply::Boolean(b) if resp3 => ffi::lua_pushboolean(l, *b as c_int),
            Reply::Boolean(b) => ffi::lua_pushnumber(l, *b as i64 as f64),
            Reply::BigNumber(n) if resp3 => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"big_number".as_ptr());
                push_bytes(l, n.as_bytes());
                ffi::lua_settable(l, -3);
            }
            Reply::BigNumber(n) => push_bytes(l, n.as_bytes()),
            Reply::Verbatim(format, text) if resp3 => {
                ffi::lua_createtable(l, 0, 1);
                ffi::lua_pushstring(l, c"verbatim_string".as_ptr());
                ffi::lua_createtable(l, 0, 2);
                ffi::lua_pushstring(l, c"string".as_ptr());
                push_bytes(l, text);
                ffi::lua_settable(l, -3);
                ffi::lua_pushstring(l, c"format".as_ptr());
                push_bytes(l, format.as_bytes());
                ffi::lua_settable(l, -3);
                ffi::lua_settable(l, -3);
            }
            Reply::Verbatim(_, text) => push_bytes(l, text),
        }
    }
}

unsafe fn push_array(l: *mut lua_State, items: &[Reply], resp3: bool) {
    unsafe {
        ffi::lua_createtable(l, items.len() as c_int, 0);
        for (i, item) in items.iter().enumerate() {
            push_reply(l, item, resp3);
            ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
        }
    }
}

/// An error element inside a reply (a transaction's failed command), as the error table
/// Redis builds for it, marked as counted.
unsafe fn push_error_table_borrowed(l: *mut lua_State, message: &[u8]) {
    // Built without an owned buffer: this frame may be unwound by an allocation error.
    let (code, rest) = match message.iter().position(|&b| b == b' ') {
        Some(space) => (&message[..space], &message[space + 1..]),
        None => (&b"ERR"[..], message),
    };
    unsafe {
        ffi::lua_createtable(l, 0, 2);
        ffi::lua_pushstring(l, c"err".as_ptr());
        push_bytes(l, code);
        push_bytes(l, b" ");
        push_bytes(l, trim_line_ends(rest));
        ffi::lua_concat(l, 3);
        ffi::lua_settable(l, -3);
        ffi::lua_pushstring(l, c"ignore_error_stats_update".as_ptr());
        ffi::lua_pushboolean(l, 1);
        ffi::lua_settable(l, -3);
    }
}

/// A double as RESP2 writes it, formatted on the stack (this frame may be unwound).
fn format_double_stack(d: f64) -> StackText {
    let text = format_double(d);
    let mut out = StackText {
        buf: [0; 32],
        len: 0,
    };
    let len = text.len().min(32);
    out.buf[..len].copy_from_slice(&text.as_bytes()[..len]);
    out.len = len;
    out
}

struct StackText {
    buf: [u8; 32],
    len: usize,
}

impl StackText {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

// --- Lua values into replies --------------------------------------------------------

/// How a script's result is converted (Redis's `luaReplyToRedisReply`).
#[derive(Clone, Copy)]
pub(super) struct ResultStyle {
    /// The script's `redis.setresp`: booleans are RESP3 booleans under 3.
    pub script_resp3: bool,
}

/// Converts the value on top of the stack into a reply and pops it. The caller lifts the
/// Lua memory limit first: nothing here may fail to allocate.
pub(super) unsafe fn pop_reply(l: *mut lua_State, style: ResultStyle) -> Reply {
    unsafe { pop_reply_at_depth(l, style, 0) }
}

unsafe fn pop_reply_at_depth(l: *mut lua_State, style: ResultStyle, depth: usize) -> Reply {
    unsafe {
        if depth > MAX_DEPTH || ffi::lua_checkstack(l, 4) == 0 {
            ffi::lua_pop(l, 1);
            return Reply::Error(Error::err("reached lua stack limit"));
        }
        let reply = match ffi::lua_type(l, -1) {
            ffi::LUA_TSTRING => {
                Reply::Bulk(Bytes::copy_from_slice(string_at(l, -1).unwrap_or_default()))
            }
            ffi::LUA_TBOOLEAN => {
                let b = ffi::lua_toboolean(l, -1) != 0;
                match (style.script_resp3, b) {
                    (true, b) => Reply::Boolean(b),
                    (false, true) => Reply::Integer(1),
                    (false, false) => Reply::Null,
                }
            }
            ffi::LUA_TNUMBER => Reply::Integer(c_cast_to_i64(ffi::lua_tonumber(l, -1))),
            ffi::LUA_TTABLE => table_reply(l, style, depth),
            _ => Reply::Null,
        };
        ffi::lua_pop(l, 1);
        reply
    }
}

/// C's `(long long)` of a double as x86-64 computes it: out of range and NaN give the
/// "integer indefinite" value.
fn c_cast_to_i64(n: f64) -> i64 {
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

/// Pushes field `name` of the table on top (raw).
unsafe fn raw_field(l: *mut lua_State, name: &CStr) -> c_int {
    unsafe {
        ffi::lua_pushstring(l, name.as_ptr());
        ffi::lua_rawget(l, -2);
        ffi::lua_type(l, -1)
    }
}

/// A table on top of the stack (left there): error, status, double, big number,
/// verbatim string, map, set, or else an array up to its first nil.
unsafe fn table_reply(l: *mut lua_State, style: ResultStyle, depth: usize) -> Reply {
    unsafe {
        if raw_field(l, c"err") == ffi::LUA_TSTRING {
            ffi::lua_pop(l, 1);
            let info = error_info(l);
            let text = String::from_utf8_lossy(&info.message).into_owned();
            return Reply::Error(if info.counted {
                Error::Counted(text.into())
            } else {
                Error::Other(text.into())
            });
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"ok") == ffi::LUA_TSTRING {
            let text = String::from_utf8_lossy(string_at(l, -1).unwrap_or_default())
                .replace(['\r', '\n'], " ");
            ffi::lua_pop(l, 1);
            return Reply::Simple(text.into());
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"double") == ffi::LUA_TNUMBER {
            let d = ffi::lua_tonumber(l, -1);
            ffi::lua_pop(l, 1);
            return Reply::Double(d);
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"big_number") == ffi::LUA_TSTRING {
            let text = String::from_utf8_lossy(string_at(l, -1).unwrap_or_default())
                .replace(['\r', '\n'], " ");
            ffi::lua_pop(l, 1);
            return Reply::BigNumber(text);
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"verbatim_string") == ffi::LUA_TTABLE {
            if raw_field(l, c"format") == ffi::LUA_TSTRING {
                let format = string_at(l, -1).unwrap_or_default().to_vec();
                if raw_field_below(l, c"string", 2) == ffi::LUA_TSTRING {
                    let text = Bytes::copy_from_slice(string_at(l, -1).unwrap_or_default());
                    ffi::lua_pop(l, 3);
                    return Reply::Verbatim(verbatim_format(&format).into(), text);
                }
                ffi::lua_pop(l, 1);
            }
            ffi::lua_pop(l, 1);
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"map") == ffi::LUA_TTABLE {
            let mut pairs = Vec::new();
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, -2) != 0 {
                // Stack: map, key, value. The key is converted from a copy: lua_next needs
                // the original untouched.
                ffi::lua_pushvalue(l, -2);
                let key = pop_reply_at_depth(l, style, depth + 1);
                let value = pop_reply_at_depth(l, style, depth + 1);
                pairs.push((key, value));
            }
            ffi::lua_pop(l, 1);
            return Reply::Map(pairs);
        }
        ffi::lua_pop(l, 1);
        if raw_field(l, c"set") == ffi::LUA_TTABLE {
            let mut members = Vec::new();
            ffi::lua_pushnil(l);
            while ffi::lua_next(l, -2) != 0 {
                ffi::lua_pop(l, 1);
                ffi::lua_pushvalue(l, -1);
                members.push(pop_reply_at_depth(l, style, depth + 1));
            }
            ffi::lua_pop(l, 1);
            return Reply::Set(members);
        }
        ffi::lua_pop(l, 1);
        let mut items = Vec::new();
        let mut index: ffi::lua_Integer = 1;
        loop {
            ffi::lua_rawgeti(l, -1, index);
            if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                ffi::lua_pop(l, 1);
                break;
            }
            items.push(pop_reply_at_depth(l, style, depth + 1));
            index += 1;
        }
        Reply::Array(items)
    }
}

/// Field `name` of the table `below` slots under the top (raw), pushed.
unsafe fn raw_field_below(l: *mut lua_State, name: &CStr, below: c_int) -> c_int {
    unsafe {
        ffi::lua_pushstring(l, name.as_ptr());
        ffi::lua_rawget(l, -1 - below);
        ffi::lua_type(l, -1)
    }
}

/// Redis writes the first three bytes of a verbatim string's format.
fn verbatim_format(format: &[u8]) -> String {
    let mut out: Vec<u8> = format.iter().copied().take(3).collect();
    out.resize(3, b' ');
    String::from_utf8_lossy(&out).into_owned()
}

/// What an error table says (Redis's `luaExtractErrorInformation`).
pub(super) struct ErrorInfo {
    pub message: Vec<u8>,
    pub source: Option<Vec<u8>>,
    pub line: Option<Vec<u8>>,
    pub counted: bool,
}

/// Reads the error table on top of the stack (left there).
pub(super) unsafe fn error_info(l: *mut lua_State) -> ErrorInfo {
    unsafe {
        let field = |name: &CStr| -> Option<Vec<u8>> {
            ffi::lua_getfield(l, -1, name.as_ptr());
            let value = if ffi::lua_isstring(l, -1) != 0 {
                tolstring(l, -1).map(<[u8]>::to_vec)
            } else {
                None
            };
            ffi::lua_pop(l, 1);
            value
        };
        let message = field(c"err").unwrap_or_default();
        let source = field(c"source");
        let line = field(c"line");
        ffi::lua_getfield(l, -1, c"ignore_error_stats_update".as_ptr());
        let counted = ffi::lua_isboolean(l, -1) != 0 && ffi::lua_toboolean(l, -1) != 0;
        ffi::lua_pop(l, 1);
        ErrorInfo {
            message,
            source,
            line,
            counted,
        }
    }
}

/// Pushes one Lua array per list of `lists` (KEYS and ARGV), in one protected call (they
/// may be large).
pub(super) unsafe fn push_strings_protected(
    l: *mut lua_State,
    lists: &[&[Bytes]],
) -> Result<(), Vec<u8>> {
    let mut lists = lists;
    unsafe {
        protected_push(
            l,
            push_strings_in_lua,
            &mut lists as *mut &[&[Bytes]] as *mut c_void,
            lists.len() as c_int,
        )
    }
}

unsafe extern "C-unwind" fn push_strings_in_lua(l: *mut lua_State) -> c_int {
    unsafe {
        let lists = *(ffi::lua_touserdata(l, 1) as *const &[&[Bytes]]);
        ffi::lua_pop(l, 1);
        ffi::luaL_checkstack(l, lists.len() as c_int + 2, c"too many lists".as_ptr());
        for items in lists {
            ffi::lua_createtable(l, items.len() as c_int, 0);
            for (i, item) in items.iter().enumerate() {
                push_bytes(l, item);
                ffi::lua_rawseti(l, -2, (i + 1) as ffi::lua_Integer);
            }
        }
        lists.len() as c_int
    }
}

/// Runs `body` in protected mode on `l` (the stack is as it was afterwards): an error
/// raised in it returns its message instead of unwinding through Rust frames. `body`
/// must not panic, and may be cut short by an error, so it should own nothing to drop.
pub(super) unsafe fn protected_call(
    l: *mut lua_State,
    body: &mut dyn FnMut(*mut lua_State),
) -> Result<(), Vec<u8>> {
    let mut body = body;
    unsafe {
        ffi::lua_pushlightuserdata(l, run_body_in_lua as *mut c_void);
        ffi::lua_rawget(l, ffi::LUA_REGISTRYINDEX);
        ffi::lua_pushlightuserdata(
            l,
            &mut body as *mut &mut dyn FnMut(*mut lua_State) as *mut c_void,
        );
        if ffi::lua_pcall(l, 1, 0, 0) != 0 {
            let message = string_at(l, -1).unwrap_or(b"not enough memory").to_vec();
            ffi::lua_pop(l, 1);
            return Err(message);
        }
    }
    Ok(())
}

unsafe extern "C-unwind" fn run_body_in_lua(l: *mut lua_State) -> c_int {
    unsafe {
        let body = &mut *(ffi::lua_touserdata(l, 1) as *mut &mut dyn FnMut(*mut lua_State));
        ffi::lua_pop(l, 1);
        body(l);
        0
    }
}

/// The C functions [`protected_push`] and [`protected_call`] run: each is stored in the
/// registry under its own address (a light userdata key: no string to intern per call, no
/// closure to allocate).
const PROTECTED_RUNNERS: [ffi::lua_CFunction; 3] =
    [push_reply_in_lua, push_strings_in_lua, run_body_in_lua];

/// Stores [`PROTECTED_RUNNERS`] in a fresh state's registry.
pub(super) unsafe fn register_protected_runners(l: *mut lua_State) {
    for pusher in PROTECTED_RUNNERS {
        unsafe {
            ffi::lua_pushlightuserdata(l, pusher as *mut c_void);
            ffi::lua_pushcfunction(l, pusher);
            ffi::lua_rawset(l, ffi::LUA_REGISTRYINDEX);
        }
    }
}

/// Runs `push` (one of [`PROTECTED_RUNNERS`], given `data` as a light userdata, returning `results`
/// values) in protected mode, leaving its values on the stack. A failure, such as the Lua
/// memory limit, returns the error's message instead of unwinding through Rust frames.
unsafe fn protected_push(
    l: *mut lua_State,
    push: ffi::lua_CFunction,
    data: *mut c_void,
    results: c_int,
) -> Result<(), Vec<u8>> {
    unsafe {
        ffi::lua_pushlightuserdata(l, push as *mut c_void);
        ffi::lua_rawget(l, ffi::LUA_REGISTRYINDEX);
        ffi::lua_pushlightuserdata(l, data);
        if ffi::lua_pcall(l, 1, results, 0) != 0 {
            let message = string_at(l, -1).unwrap_or(b"not enough memory").to_vec();
            ffi::lua_pop(l, 1);
            return Err(message);
        }
    }
    Ok(())
}

/// `luaL_loadbuffer` as Redis's Lua loads code: always as source text. Redis's Lua never
/// loads precompiled bytecode (which can break the VM's memory safety), so a chunk that
/// starts with the bytecode signature fails to parse like any other bad text; a space put
/// in front makes stock Lua parse it the same way (same lines, same message).
pub(super) unsafe fn load_text(
    l: *mut lua_State,
    code: &[u8],
    chunk_name: *const std::ffi::c_char,
) -> c_int {
    const BYTECODE_SIGNATURE: u8 = 0x1b;
    unsafe {
        if code.first() == Some(&BYTECODE_SIGNATURE) {
            let mut text = Vec::with_capacity(code.len() + 1);
            text.push(b' ');
            text.extend_from_slice(code);
            ffi::luaL_loadbuffer(l, text.as_ptr() as *const _, text.len(), chunk_name)
        } else {
            ffi::luaL_loadbuffer(l, code.as_ptr() as *const _, code.len(), chunk_name)
        }
    }
}

/// `loadstring(s [, chunkname])`, loading text only (see [`load_text`]): the function, or
/// nil and the error.
pub(super) unsafe extern "C-unwind" fn loadstring_text(l: *mut lua_State) -> c_int {
    unsafe {
        let mut len = 0;
        let code = ffi::luaL_checklstring(l, 1, &mut len);
        let chunk_name = ffi::luaL_optlstring(l, 2, code, std::ptr::null_mut());
        let code = std::slice::from_raw_parts(code as *const u8, len);
        if load_text(l, code, chunk_name) == 0 {
            return 1;
        }
        ffi::lua_pushnil(l);
        ffi::lua_insert(l, -2);
        2
    }
}

/// `load(func [, chunkname])`, loading text only (see [`load_text`]): the pieces `func`
/// returns, up to nil or an empty string, loaded as one chunk.
pub(super) unsafe extern "C-unwind" fn load_reader_text(l: *mut lua_State) -> c_int {
    unsafe {
        ffi::luaL_checktype(l, 1, ffi::LUA_TFUNCTION);
        ffi::luaL_optlstring(l, 2, c"=(load)".as_ptr(), std::ptr::null_mut());
        ffi::lua_settop(l, 2);
        if ffi::lua_isnil(l, 2) != 0 {
            ffi::lua_pushstring(l, c"=(load)".as_ptr());
            ffi::lua_replace(l, 2);
        }
        // The pieces stay on the stack (nothing Rust-owned lives across the calls, which
        // may raise), then one concatenation.
        let mut pieces = 0;
        loop {
            ffi::luaL_checkstack(l, 2, c"too many pieces".as_ptr());
            ffi::lua_pushvalue(l, 1);
            // As in Lua's own `load`, what goes wrong while reading is returned, not raised.
            if ffi::lua_pcall(l, 0, 1, 0) != 0 {
                ffi::lua_pushnil(l);
                ffi::lua_insert(l, -2);
                return 2;
            }
            if ffi::lua_isnil(l, -1) != 0 {
                ffi::lua_pop(l, 1);
                break;
            }
            if ffi::lua_isstring(l, -1) == 0 {
                ffi::lua_pushnil(l);
                ffi::lua_pushstring(l, c"reader function must return a string".as_ptr());
                return 2;
            }
            if ffi::lua_objlen(l, -1) == 0 {
                ffi::lua_pop(l, 1);
                break;
            }
            pieces += 1;
            if pieces > 32 {
                ffi::lua_concat(l, pieces);
                pieces = 1;
            }
        }
        if pieces == 0 {
            ffi::lua_pushstring(l, c"".as_ptr());
        } else {
            ffi::lua_concat(l, pieces);
        }
        let code = string_at(l, -1).unwrap_or_default();
        let (code_ptr, code_len) = (code.as_ptr(), code.len());
        let chunk_name = ffi::lua_tolstring(l, 2, std::ptr::null_mut());
        let code = std::slice::from_raw_parts(code_ptr, code_len);
        if load_text(l, code, chunk_name) == 0 {
            return 1;
        }
        ffi::lua_pushnil(l);
        ffi::lua_insert(l, -2);
        2
    }
}
