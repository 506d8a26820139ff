//! The `bit` library of Redis scripts (LuaBitOp 1.0.2, as bundled with Redis 7.0).
//!
//! Provides `bit.tobit, tohex, bnot, band, bor, bxor, lshift, rshift, arshift, rol, ror,
//! bswap`: 32-bit operations on Lua numbers, results as signed 32-bit numbers. Arguments are
//! converted the LuaBitOp way (numbers and numeric strings, rounded to the nearest integer and
//! wrapped modulo 2^32), and errors carry the same text as the C library's. Like `luaL_register`,
//! `register` also records the table in `package.loaded`. No known deviation, except for calls
//! with about 8,000 arguments (see below).
//!
//! This file also holds what the four library files share: the way their functions raise
//! errors (see below) and conversions with the semantics of Lua 5.1 and of C on x86-64.

use std::ffi::{c_int, c_void};

use mlua::{Function, LightUserData, Lua, LuaString, MultiValue, Value, ffi};

/// Installs the global `bit` table.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    // Same sizing and insertion order as luaL_register, so `pairs(bit)` walks in the same order.
    let bit = lua.create_table_with_capacity(0, 12)?;
    bit.raw_set("tobit", lib_fn(lua, |lua, a| Ok(bret(barg(lua, a, 1)?)))?)?;
    bit.raw_set("bnot", lib_fn(lua, |lua, a| Ok(bret(!barg(lua, a, 1)?)))?)?;
    bit.raw_set("band", lib_fn(lua, |lua, a| fold(lua, a, |x, y| x & y))?)?;
    bit.raw_set("bor", lib_fn(lua, |lua, a| fold(lua, a, |x, y| x | y))?)?;
    bit.raw_set("bxor", lib_fn(lua, |lua, a| fold(lua, a, |x, y| x ^ y))?)?;
    bit.raw_set(
        "lshift",
        lib_fn(lua, |lua, a| shift(lua, a, |b, n| b << n))?,
    )?;
    bit.raw_set(
        "rshift",
        lib_fn(lua, |lua, a| shift(lua, a, |b, n| b >> n))?,
    )?;
    bit.raw_set(
        "arshift",
        lib_fn(lua, |lua, a| shift(lua, a, |b, n| ((b as i32) >> n) as u32))?,
    )?;
    bit.raw_set(
        "rol",
        lib_fn(lua, |lua, a| shift(lua, a, u32::rotate_left))?,
    )?;
    bit.raw_set(
        "ror",
        lib_fn(lua, |lua, a| shift(lua, a, u32::rotate_right))?,
    )?;
    bit.raw_set(
        "bswap",
        lib_fn(lua, |lua, a| Ok(bret(barg(lua, a, 1)?.swap_bytes())))?,
    )?;
    bit.raw_set("tohex", lib_fn(lua, tohex)?)?;
    lua.register_module("bit", &bit)?;
    lua.globals().raw_set("bit", bit)
}

/// Argument `i` as 32 bits. Adding 2^52+2^51 makes the low word of the double hold the number
/// rounded to an integer modulo 2^32, which is exactly how LuaBitOp converts (also for
/// fractions, huge values and infinities).
fn barg(lua: &Lua, args: &[Value], i: usize) -> Result<u32, Raise> {
    match to_number(lua, arg(args, i))? {
        Some(n) => Ok((n + 6755399441055744.0).to_bits() as u32),
        None => Err(type_error(args, i, "number")),
    }
}

/// Results are signed 32-bit numbers.
fn bret(b: u32) -> MultiValue {
    MultiValue::from_vec(vec![Value::Number(b as i32 as f64)])
}

/// band/bor/bxor. The C loop converts the arguments from the last one down to the second, so
/// that is also the order in which a bad argument is found.
fn fold(lua: &Lua, args: &[Value], op: fn(u32, u32) -> u32) -> Result<MultiValue, Raise> {
    let mut b = barg(lua, args, 1)?;
    for i in (2..=args.len()).rev() {
        b = op(b, barg(lua, args, i)?);
    }
    Ok(bret(b))
}

/// The shifts and rotations use the low 5 bits of the count.
fn shift(lua: &Lua, args: &[Value], op: fn(u32, u32) -> u32) -> Result<MultiValue, Raise> {
    let b = barg(lua, args, 1)?;
    let n = barg(lua, args, 2)? & 31;
    Ok(bret(op(b, n)))
}

/// `bit.tohex(x [, n])`: the low |n| nibbles (default 8, at most 8), upper case if n < 0.
fn tohex(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let mut b = barg(lua, args, 1)?;
    // Only an absent second argument means 8; an explicit nil is a type error.
    let mut n = if args.len() < 2 {
        8
    } else {
        barg(lua, args, 2)? as i32
    };
    let digits: &[u8; 16] = if n < 0 {
        n = n.wrapping_neg();
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    // -2^31 stays negative after the negation; Redis's build clamps it to 8 like large counts.
    let n = if n < 0 { 8 } else { n.min(8) as usize };
    let mut buf = vec![0u8; n];
    for slot in buf.iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ok(MultiValue::from_vec(vec![Value::String(
        lua.create_string(buf)?,
    )]))
}

// ---------------------------------------------------------------------------
// Shared by the four library files (`lua_bit`, `lua_struct`, `lua_cjson`, `lua_cmsgpack`).
//
// An `Err` returned by an mlua callback reaches Lua as a userdata error object, whereas a
// script that pcalls a function of the C libraries gets a plain string. And lauxlib words the
// message from the call site: `luaL_argerror` names the function as the caller spelt it ('?'
// under pcall) and `luaL_error` prefixes the caller's "chunk:line:". So each library function
// is an mlua callback that reports a failure as tagged return values, wrapped in a small C
// closure that raises it with lauxlib from a real C frame, exactly where the original would.
// The closure also spreads a variable number of results kept in a table.
//
// One limit is mlua's: a call with more than about 7,970 arguments fails with "stack
// overflow (not enough stack slots available)" before the library code runs, where the C
// libraries would look at the arguments (Lua allows 8,000 stack slots per C function).
// ---------------------------------------------------------------------------

/// A failure, in the shape the C libraries raise it.
pub(super) enum Raise {
    /// `luaL_argerror(L, narg, msg)`: "bad argument #narg to 'name' (msg)".
    Arg(c_int, Vec<u8>),
    /// `luaL_error(L, msg)`: the message after the caller's position.
    Msg(Vec<u8>),
    /// An error Lua itself raises inside a C function (`luaG_runerror`): no position.
    Plain(Vec<u8>),
    /// A failure of the Lua API itself, e.g. out of memory.
    Lua(mlua::Error),
}

impl From<mlua::Error> for Raise {
    fn from(e: mlua::Error) -> Self {
        Raise::Lua(e)
    }
}

/// Tags a callback returns as its first value; only the addresses matter.
static TAGS: [u8; 4] = [0; 4];
const TAG_ARG: usize = 0;
const TAG_MSG: usize = 1;
const TAG_PLAIN: usize = 2;
const TAG_SPREAD: usize = 3;

fn tag(which: usize) -> *mut c_void {
    &TAGS[which] as *const u8 as *mut c_void
}

/// The C closure around each library function; upvalue 1 is the Rust callback.
unsafe extern "C-unwind" fn call_and_raise(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: a lua_CFunction using only its own frame; lua_call leaves the callback's results
    // in place of the arguments, and the message string stays on the stack while lauxlib reads
    // it.
    unsafe {
        let nargs = ffi::lua_gettop(state);
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
        ffi::lua_insert(state, 1);
        ffi::lua_call(state, nargs, ffi::LUA_MULTRET);
        let nres = ffi::lua_gettop(state);
        if nres != 3 || ffi::lua_type(state, 1) != ffi::LUA_TLIGHTUSERDATA {
            return nres;
        }
        let t = ffi::lua_touserdata(state, 1);
        if t == tag(TAG_ARG) {
            let narg = ffi::lua_tonumber(state, 3) as c_int;
            ffi::luaL_argerror(state, narg, ffi::lua_tostring(state, 2));
        } else if t == tag(TAG_MSG) || t == tag(TAG_PLAIN) {
            ffi::lua_settop(state, 2);
            if t == tag(TAG_MSG) {
                ffi::luaL_where(state, 1);
                ffi::lua_insert(state, 2);
                ffi::lua_concat(state, 2);
            }
            ffi::lua_error(state);
        } else if t == tag(TAG_SPREAD) {
            let n = ffi::lua_tonumber(state, 3) as c_int;
            ffi::lua_settop(state, 2);
            ffi::lua_replace(state, 1);
            if ffi::lua_checkstack(state, n) == 0 {
                ffi::lua_pushstring(state, c"stack overflow (too many results)".as_ptr());
                ffi::lua_error(state);
            }
            for i in 1..=n {
                ffi::lua_rawgeti(state, 1, i as _);
            }
            return n;
        }
        nres
    }
}

/// Results `1..=n` of `t`, which the C closure returns as separate values.
pub(super) fn spread(t: mlua::Table, n: usize) -> Result<MultiValue, Raise> {
    Ok(MultiValue::from_vec(vec![
        Value::LightUserData(LightUserData(tag(TAG_SPREAD))),
        Value::Table(t),
        Value::Number(n as f64),
    ]))
}

/// A library function running `f` on the call's arguments.
pub(super) fn lib_fn<F>(lua: &Lua, f: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, &[Value]) -> Result<MultiValue, Raise> + mlua::MaybeSend + 'static,
{
    let inner = lua.create_function(move |lua, args: MultiValue| {
        let (t, msg, narg) = match f(lua, &args.into_vec()) {
            Ok(results) => return Ok(results),
            Err(Raise::Arg(narg, msg)) => (TAG_ARG, msg, narg),
            Err(Raise::Msg(msg)) => (TAG_MSG, msg, 0),
            Err(Raise::Plain(msg)) => (TAG_PLAIN, msg, 0),
            // Lua's own text for a failed allocation; anything else is mlua's business.
            Err(Raise::Lua(mlua::Error::MemoryError(_))) => {
                (TAG_PLAIN, b"not enough memory".to_vec(), 0)
            }
            Err(Raise::Lua(e)) => return Err(e),
        };
        Ok(MultiValue::from_vec(vec![
            Value::LightUserData(LightUserData(tag(t))),
            Value::String(lua.create_string(msg)?),
            Value::Number(narg as f64),
        ]))
    })?;
    // SAFETY: exec_raw runs this protected with `inner` as the only value on the stack, which
    // becomes the closure's upvalue; the closure is the one result.
    unsafe {
        lua.exec_raw(inner, |state| {
            ffi::lua_pushcclosure(state, call_and_raise, 1)
        })
    }
}

/// Argument `i` (1-based); missing ones read as nil.
pub(super) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i.wrapping_sub(1)).unwrap_or(&Value::Nil)
}

/// `luaL_typerror`: "<expected> expected, got <type of argument i>".
pub(super) fn type_error(args: &[Value], i: usize, expected: &str) -> Raise {
    let got = args
        .get(i.wrapping_sub(1))
        .map_or("no value", lua_type_name);
    Raise::Arg(
        i as c_int,
        format!("{expected} expected, got {got}").into_bytes(),
    )
}

/// `lua_typename` of a value (a light userdata is a "userdata" to Lua).
pub(super) fn lua_type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::Function(_) => "function",
        Value::Thread(_) => "thread",
        _ => "userdata",
    }
}

/// A Lua number (mlua reads integral ones as `Integer`).
pub(super) fn number_of(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Number(n) => *n,
        _ => 0.0,
    }
}

/// Lua 5.1's `lua_tonumber`: numbers, and strings that read as numbers.
pub(super) fn to_number(lua: &Lua, v: &Value) -> mlua::Result<Option<f64>> {
    Ok(match v {
        Value::Integer(_) | Value::Number(_) => Some(number_of(v)),
        Value::String(_) => lua.coerce_number(v.clone())?,
        _ => None,
    })
}

/// `luaL_checklstring`: strings, and numbers in their Lua spelling.
pub(super) fn check_string(lua: &Lua, args: &[Value], i: usize) -> Result<LuaString, Raise> {
    let v = arg(args, i);
    let s = match v {
        Value::String(s) => Some(s.clone()),
        Value::Integer(_) | Value::Number(_) => lua.coerce_string(v.clone())?,
        _ => None,
    };
    s.ok_or_else(|| type_error(args, i, "string"))
}

/// `(long)d` on x86-64 (also `lua_tointeger`): NaN and out-of-range values give the "integer
/// indefinite" -2^63.
pub(super) fn double_to_i64(d: f64) -> i64 {
    if (-9223372036854775808.0..9223372036854775808.0).contains(&d) {
        d as i64
    } else {
        i64::MIN
    }
}

/// `(int)d` on x86-64: NaN and out-of-range values give -2^31.
pub(super) fn double_to_i32(d: f64) -> i32 {
    if d > -2147483649.0 && d < 2147483648.0 {
        d as i32
    } else {
        i32::MIN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(code: &str) -> String {
        let lua = Lua::new();
        register(&lua).unwrap();
        lua.load(code)
            .set_name("=t")
            .eval::<mlua::LuaString>()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn operations() {
        assert_eq!(eval("return tostring(bit.tobit(0xffffffff))"), "-1");
        assert_eq!(eval("return tostring(bit.band(0xff, 0x0f, 0x3))"), "3");
        assert_eq!(eval("return tostring(bit.lshift(1, 31))"), "-2147483648");
        assert_eq!(eval("return tostring(bit.arshift(-256, 4))"), "-16");
        assert_eq!(eval("return tostring(bit.rol(0x12345678, 8))"), "878082066");
        assert_eq!(
            eval("return bit.tohex(255) .. bit.tohex(255, -2) .. bit.tohex(-1, 3)"),
            "000000ffFFfff"
        );
        assert_eq!(eval("return tostring(bit.bswap(0x12345678))"), "2018915346");
        assert_eq!(eval("return tostring(bit.tobit(2^32 + 1.5))"), "2");
    }

    #[test]
    fn errors_are_strings_naming_the_function() {
        assert_eq!(
            eval("local ok, e = pcall(function() return bit.tohex() end) return e"),
            "t:1: bad argument #1 to 'tohex' (number expected, got no value)"
        );
        assert_eq!(
            eval("local ok, e = pcall(bit.band, 1, 2, {}) return e"),
            "bad argument #3 to '?' (number expected, got table)"
        );
    }
}
