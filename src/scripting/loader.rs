//! Loading a function library into a function interpreter (Redis's `luaEngineCreate`):
//! the library's code runs once with only `redis.register_function`, `redis.log` and the
//! version fields in reach, and each function it registers is kept in the interpreter's
//! registry for `FCALL`.

use std::cell::RefCell;
use std::ffi::{CString, c_int};
use std::time::{Duration, Instant};

use bytes::Bytes;
use mlua::ffi::{self, lua_State};

use super::ScriptFlags;
use super::engine::Engine;
use super::functions::{FunctionInfo, INVALID_NAME, valid_name};
use super::lua_api::{self, push_error_table, string_at};
use crate::error::Error;

/// How long a library's code may run at load (Redis's `LOAD_TIMEOUT_MS`).
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// The registry field of the load-time API table.
const LOAD_API: &std::ffi::CStr = c"__memorabilia_load_api";

/// The library being loaded on this thread: what it registered so far.
struct Loading {
    started: Instant,
    functions: Vec<FunctionInfo>,
}

thread_local! {
    static LOADING: RefCell<Option<Loading>> = const { RefCell::new(None) };
}

/// The registry field holding function `name`'s callback.
pub fn function_field(name: &[u8]) -> CString {
    let mut field = b"__fn_".to_vec();
    field.extend(name.iter().copied().filter(|&b| b != 0));
    CString::new(field).expect("NULs filtered")
}

/// Runs a library's code (its header line already cut, its line feed kept) in `engine`,
/// returning the functions it registered.
pub fn load(engine: &Engine, body: &[u8]) -> Result<Vec<FunctionInfo>, Error> {
    LOADING.with(|l| {
        *l.borrow_mut() = Some(Loading {
            started: Instant::now(),
            functions: Vec::new(),
        })
    });
    let mut outcome = Ok(());
    // Safety: raw API on the state mlua hands over; the stack is restored by exec_raw.
    let raw = unsafe {
        engine.lua.exec_raw::<()>((), |l| {
            outcome = run_library(l, body);
        })
    };
    let loading = LOADING.with(|l| l.borrow_mut().take());
    raw.map_err(|e| Error::err(format!("Error registering functions: {e}")))?;
    outcome?;
    let functions = loading.map(|l| l.functions).unwrap_or_default();
    if functions.is_empty() {
        return Err(Error::err("No functions registered"));
    }
    Ok(functions)
}

unsafe fn run_library(l: *mut lua_State, body: &[u8]) -> Result<(), Error> {
    unsafe {
        if super::lua_api::load_text(l, body, c"@user_function".as_ptr()) != 0 {
            let message = String::from_utf8_lossy(string_at(l, -1).unwrap_or_default());
            let error = Error::err(format!("Error compiling function: {message}"));
            ffi::lua_pop(l, 1);
            return Err(error);
        }
        let chunk = ffi::lua_gettop(l);
        push_load_api(l);
        let api = ffi::lua_gettop(l);
        // The library's closures keep the functions' environment; while it loads, that
        // environment reads from the load API instead of the globals.
        super::engine::push_script_env(l);
        ffi::lua_pushvalue(l, -1);
        ffi::lua_setfenv(l, chunk);
        ffi::lua_getmetatable(l, -1);
        let meta = ffi::lua_gettop(l);
        ffi::lua_getfield(l, meta, c"__index".as_ptr());
        let globals = ffi::lua_gettop(l);
        ffi::lua_pushvalue(l, api);
        ffi::lua_setfield(l, meta, c"__index".as_ptr());
        ffi::lua_pushvalue(l, chunk);
        ffi::lua_sethook(l, Some(load_hook), ffi::LUA_MASKCOUNT, 100_000);
        let status = ffi::lua_pcall(l, 0, 0, 0);
        ffi::lua_sethook(l, None, 0, 0);
        let result = if status != 0 {
            let message = if ffi::lua_istable(l, -1) != 0 {
                lua_api::error_info(l).message
            } else {
                let mut text = b"ERR ".to_vec();
                text.extend_from_slice(string_at(l, -1).unwrap_or_default());
                text
            };
            ffi::lua_pop(l, 1);
            Err(Error::err(format!(
                "Error registering functions: {}",
                String::from_utf8_lossy(&message)
            )))
        } else {
            Ok(())
        };
        ffi::lua_pushvalue(l, globals);
        ffi::lua_setfield(l, meta, c"__index".as_ptr());
        result
    }
}

/// Pushes the table library code sees as its globals while it loads.
unsafe fn push_load_api(l: *mut lua_State) {
    unsafe {
        ffi::lua_getfield(l, ffi::LUA_REGISTRYINDEX, LOAD_API.as_ptr());
        if ffi::lua_istable(l, -1) != 0 {
            return;
        }
        ffi::lua_pop(l, 1);
        ffi::lua_newtable(l);
        ffi::lua_newtable(l);
        ffi::lua_pushcfunction(l, register_function);
        ffi::lua_setfield(l, -2, c"register_function".as_ptr());
        ffi::lua_getfield(l, ffi::LUA_GLOBALSINDEX, c"redis".as_ptr());
        for field in [
            c"log",
            c"LOG_DEBUG",
            c"LOG_VERBOSE",
            c"LOG_NOTICE",
            c"LOG_WARNING",
            c"REDIS_VERSION",
            c"REDIS_VERSION_NUM",
        ] {
            ffi::lua_getfield(l, -1, field.as_ptr());
            ffi::lua_setfield(l, -3, field.as_ptr());
        }
        ffi::lua_pop(l, 1);
        push_error_metatable(l);
        ffi::lua_setmetatable(l, -2);
        ffi::lua_setfield(l, -2, c"redis".as_ptr());
        push_error_metatable(l);
        ffi::lua_setmetatable(l, -2);
        ffi::lua_pushvalue(l, -1);
        ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, LOAD_API.as_ptr());
    }
}

/// A metatable whose missing fields are errors and whose table refuses writes.
unsafe fn push_error_metatable(l: *mut lua_State) {
    unsafe {
        ffi::lua_newtable(l);
        ffi::lua_pushcfunction(l, lua_api::missing_global);
        ffi::lua_setfield(l, -2, c"__index".as_ptr());
        ffi::lua_pushcfunction(l, lua_api::readonly_table);
        ffi::lua_setfield(l, -2, c"__newindex".as_ptr());
        ffi::lua_pushboolean(l, 0);
        ffi::lua_setfield(l, -2, c"__metatable".as_ptr());
    }
}

unsafe extern "C-unwind" fn load_hook(l: *mut lua_State, _ar: *mut ffi::lua_Debug) {
    let late = LOADING.with(|loading| {
        loading
            .borrow()
            .as_ref()
            .is_some_and(|x| x.started.elapsed() > LOAD_TIMEOUT)
    });
    if late {
        unsafe {
            ffi::lua_sethook(l, Some(load_hook), ffi::LUA_MASKLINE, 0);
            push_error_table(l, b"FUNCTION LOAD timeout", false);
            ffi::lua_error(l);
        }
    }
}

/// What `redis.register_function` was given.
struct Registration {
    name: Vec<u8>,
    description: Option<Vec<u8>>,
    flags: ScriptFlags,
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=,
/// callback=, flags=, description=}`.
unsafe extern "C-unwind" fn register_function(l: *mut lua_State) -> c_int {
    let message = unsafe { register(l) };
    match message {
        None => 0,
        Some(message) => unsafe {
            push_error_table(l, message.as_bytes(), false);
            ffi::lua_error(l)
        },
    }
}

/// Registers the function the arguments describe; the error message otherwise.
unsafe fn register(l: *mut lua_State) -> Option<String> {
    let loading = LOADING.with(|l| l.borrow().is_some());
    if !loading {
        return Some("redis.register_function can only be called on FUNCTION LOAD command".into());
    }
    let registration = match unsafe { read_registration(l) } {
        Ok(registration) => registration,
        Err(message) => return Some(message.into()),
    };
    // The callback is on top of the stack.
    if !valid_name(&registration.name) {
        return Some(INVALID_NAME.into());
    }
    let duplicate = LOADING.with(|loading| {
        loading
            .borrow()
            .as_ref()
            .is_some_and(|x| x.functions.iter().any(|f| f.name == registration.name))
    });
    if duplicate {
        return Some("Function already exists in the library".into());
    }
    let field = function_field(&registration.name);
    unsafe { ffi::lua_setfield(l, ffi::LUA_REGISTRYINDEX, field.as_ptr()) };
    LOADING.with(|loading| {
        if let Some(loading) = loading.borrow_mut().as_mut() {
            loading.functions.push(FunctionInfo {
                name: Bytes::from(registration.name),
                description: registration.description.map(Bytes::from),
                flags: registration.flags,
            });
        }
    });
    None
}

/// Reads the arguments as Redis does, leaving only the callback on the stack.
unsafe fn read_registration(l: *mut lua_State) -> Result<Registration, &'static str> {
    unsafe {
        let argc = ffi::lua_gettop(l);
        if !(1..=2).contains(&argc) {
            return Err("wrong number of arguments to redis.register_function");
        }
        if argc == 2 {
            let Some(name) = string_value(l, 1) else {
                return Err("first argument to redis.register_function must be a string");
            };
            if ffi::lua_isfunction(l, 2) == 0 {
                return Err("second argument to redis.register_function must be a function");
            }
            ffi::lua_remove(l, 1);
            return Ok(Registration {
                name,
                description: None,
                flags: ScriptFlags::default(),
            });
        }
        if ffi::lua_istable(l, 1) == 0 {
            return Err(
                "calling redis.register_function with a single argument is only applicable \
                 to Lua table (representing named arguments).",
            );
        }
        let (mut name, mut description, mut flags) = (None, None, ScriptFlags::default());
        let mut callback = false;
        // Index 2 keeps the callback while the table is walked.
        ffi::lua_pushnil(l);
        ffi::lua_pushnil(l);
        while ffi::lua_next(l, 1) != 0 {
            if ffi::lua_isstring(l, -2) == 0 {
                return Err("named argument key given to redis.register_function is not a string");
            }
            let key = string_value(l, -2).unwrap_or_default().to_ascii_lowercase();
            match key.as_slice() {
                b"function_name" => {
                    name = Some(string_value(l, -1).ok_or(
                        "function_name argument given to redis.register_function must be a \
                         string",
                    )?);
                }
                b"description" => {
                    description = Some(string_value(l, -1).ok_or(
                        "description argument given to redis.register_function must be a \
                         string",
                    )?);
                }
                b"callback" => {
                    if ffi::lua_isfunction(l, -1) == 0 {
                        return Err(
                            "callback argument given to redis.register_function must be a \
                             function",
                        );
                    }
                    // Kept below the table until the end.
                    ffi::lua_pushvalue(l, -1);
                    ffi::lua_replace(l, 2);
                    callback = true;
                }
                b"flags" => {
                    if ffi::lua_istable(l, -1) == 0 {
                        return Err("flags argument to redis.register_function must be a table \
                             representing function flags");
                    }
                    flags = read_flags(l).ok_or("unknown flag given")?;
                }
                _ => return Err("unknown argument given to redis.register_function"),
            }
            ffi::lua_pop(l, 1);
        }
        let Some(name) = name else {
            return Err("redis.register_function must get a function name argument");
        };
        if !callback {
            return Err("redis.register_function must get a callback argument");
        }
        ffi::lua_settop(l, 2);
        ffi::lua_remove(l, 1);
        Ok(Registration {
            name,
            description,
            flags,
        })
    }
}

/// A string argument (numbers converted, as `luaGetStringSds` does).
unsafe fn string_value(l: *mut lua_State, idx: c_int) -> Option<Vec<u8>> {
    unsafe {
        if ffi::lua_isstring(l, idx) == 0 {
            return None;
        }
        let mut len = 0usize;
        let data = ffi::lua_tolstring(l, idx, &mut len);
        Some(std::slice::from_raw_parts(data as *const u8, len).to_vec())
    }
}

/// The flags table on top of the stack (left there): `None` for an unknown flag.
unsafe fn read_flags(l: *mut lua_State) -> Option<ScriptFlags> {
    let mut flags = ScriptFlags::default();
    let mut index: ffi::lua_Integer = 1;
    unsafe {
        loop {
            ffi::lua_rawgeti(l, -1, index);
            if ffi::lua_isnil(l, -1) != 0 {
                ffi::lua_pop(l, 1);
                return Some(flags);
            }
            let flag = string_value(l, -1).map(|f| f.to_ascii_lowercase());
            ffi::lua_pop(l, 1);
            match flag.as_deref() {
                Some(b"no-writes") => flags.no_writes = true,
                Some(b"allow-oom") => flags.allow_oom = true,
                Some(b"allow-stale") => flags.allow_stale = true,
                Some(b"no-cluster") => flags.no_cluster = true,
                Some(b"allow-cross-slot-keys") => flags.allow_cross_slot_keys = true,
                _ => return None,
            }
            index += 1;
        }
    }
}
