//! The `cmsgpack` library of Redis scripts (lua-cmsgpack 0.4.0, as bundled with Redis 7.0):
//! `cmsgpack.pack(...)`, `unpack(s)`, `unpack_one(s [, offset])`, `unpack_limit(s, limit
//! [, offset])`, and the fields `_NAME`, `_VERSION`, `_COPYRIGHT`, `_DESCRIPTION`.
//!
//! Packing follows the C library: integral numbers become the smallest (u)int encoding
//! (non-negative ones unsigned), other numbers a float 32 when that is exact, else a float 64;
//! strings are str8/16/32; a table whose keys are exactly 1..n is an array (so `{}` is an
//! empty array), any other a map in `next` order; tables nested 16 deep, functions, nil and
//! other values become nil. Unpacking reads what the C code reads (no bin or ext types), with
//! its quirks: uint 64 values above 2^63 come back negative, a nil map key is an error. Error
//! texts and the stack limits of the C code (8000 slots per C function, which bound the
//! values returned at once and the nesting) are the same. No known deviation.
//!
//! Errors are raised, and arguments converted, with the helpers shared in `lua_bit` (which
//! also notes mlua's limit on calls with about 8,000 arguments).

use mlua::{Lua, MultiValue, Table, Value};

use super::lua_bit::{
    Raise, arg, check_string, double_to_i32, double_to_i64, lib_fn, number_of, spread, to_number,
    type_error,
};

/// Installs the global `cmsgpack` table.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let t = lua.create_table()?;
    t.raw_set("pack", lib_fn(lua, pack)?)?;
    t.raw_set(
        "unpack",
        lib_fn(lua, |lua, a| unpack(lua, a, 0, 0, a.len()))?,
    )?;
    t.raw_set("unpack_one", lib_fn(lua, unpack_one)?)?;
    t.raw_set("unpack_limit", lib_fn(lua, unpack_limit)?)?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo")?;
    t.raw_set("_DESCRIPTION", "MessagePack C implementation for Lua")?;
    lua.globals().raw_set("cmsgpack", t)
}

/// Tables nested this deep are packed as nil (this also stops cycles).
const MAX_NESTING: usize = 16;
/// LUAI_MAXCSTACK: the stack slots a C function may use.
const MAX_C_STACK: usize = 8000;

// ---------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------

/// `cmsgpack.pack(...)`: the encodings of all arguments, concatenated.
fn pack(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    if args.is_empty() {
        return Err(Raise::Arg(0, b"MessagePack pack needs input.".to_vec()));
    }
    // lua_checkstack(L, nargs) on top of the arguments.
    if 2 * args.len() > MAX_C_STACK {
        return Err(Raise::Arg(
            0,
            b"Too many arguments for MessagePack pack.".to_vec(),
        ));
    }
    let mut out = Vec::new();
    for v in args {
        encode(v, 0, &mut out)?;
    }
    Ok(MultiValue::from_vec(vec![Value::String(
        lua.create_string(out)?,
    )]))
}

fn encode(v: &Value, level: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match v {
        Value::String(s) => {
            let s = s.as_bytes();
            let len = s.len();
            if len < 32 {
                out.push(0xa0 | len as u8);
            } else if len <= 0xff {
                out.extend_from_slice(&[0xd9, len as u8]);
            } else if len <= 0xffff {
                out.push(0xda);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                out.push(0xdb);
                out.extend_from_slice(&(len as u32).to_be_bytes());
            }
            out.extend_from_slice(&s);
        }
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(_) | Value::Number(_) => {
            let n = number_of(v);
            if !n.is_infinite() && double_to_i64(n) as f64 == n {
                encode_int(double_to_i64(n), out);
            } else {
                let f = n as f32;
                if f as f64 == n {
                    out.push(0xca);
                    out.extend_from_slice(&f.to_be_bytes());
                } else {
                    out.push(0xcb);
                    out.extend_from_slice(&n.to_be_bytes());
                }
            }
        }
        Value::Table(t) if level < MAX_NESTING => {
            if is_array(t)? {
                let len = t.raw_len();
                encode_header(len, 0x90, 0xdc, out);
                for j in 1..=len {
                    // The C code reads with lua_gettable; every index is present, so no
                    // metamethod can be involved.
                    encode(&t.raw_get::<Value>(j)?, level + 1, out)?;
                }
            } else {
                let mut len = 0;
                t.for_each::<bool, bool>(|_, _| {
                    len += 1;
                    Ok(())
                })?;
                encode_header(len, 0x80, 0xde, out);
                t.for_each::<Value, Value>(|k, v| {
                    encode(&k, level + 1, out)?;
                    encode(&v, level + 1, out)
                })?;
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

/// Whether the keys of `t` are exactly 1..n: numbers that fit a C int, the largest equal to
/// their count.
fn is_array(t: &Table) -> mlua::Result<bool> {
    let mut count: i32 = 0;
    let mut max: i32 = 0;
    let mut array = true;
    // Values are read as booleans only to avoid converting them.
    let pass = t.for_each::<Value, bool>(|k, _| {
        let n = match k {
            Value::Integer(_) | Value::Number(_) => number_of(&k),
            _ => 0.0,
        };
        if n <= 0.0 || n.is_infinite() || double_to_i32(n) as f64 != n {
            array = false;
            return Err(mlua::Error::runtime("stop"));
        }
        max = max.max(n as i32);
        count = count.wrapping_add(1);
        Ok(())
    });
    if !array {
        return Ok(false);
    }
    pass?;
    Ok(max == count)
}

/// Array or map header: fix form (`fix` | n), 16-bit form (`wide`) or 32-bit form (`wide`+1).
fn encode_header(n: usize, fix: u8, wide: u8, out: &mut Vec<u8>) {
    if n <= 15 {
        out.push(fix | n as u8);
    } else if n <= 0xffff {
        out.push(wide);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(wide + 1);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// Integers: non-negative ones as positive fixint or uint 8..64, negative ones as negative
/// fixint or int 8..64.
fn encode_int(n: i64, out: &mut Vec<u8>) {
    if n >= 0 {
        if n <= 127 {
            out.push(n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[0xcc, n as u8]);
        } else if n <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&n.to_be_bytes());
        }
    } else if n >= -32 {
        out.push(n as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -2147483648 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

// ---------------------------------------------------------------------------
// Unpacking
// ---------------------------------------------------------------------------

/// `cmsgpack.unpack_one(s [, offset])`.
fn unpack_one(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let offset = opt_integer(lua, args, 2)?;
    unpack(lua, args, 1, offset, 1)
}

/// `cmsgpack.unpack_limit(s, limit [, offset])`.
fn unpack_limit(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let limit = match to_number(lua, arg(args, 2))? {
        Some(n) => double_to_i64(n),
        None => return Err(type_error(args, 2, "number")),
    };
    let offset = opt_integer(lua, args, 3)?;
    unpack(lua, args, limit, offset, 1)
}

/// `luaL_optinteger(L, i, 0)`.
fn opt_integer(lua: &Lua, args: &[Value], i: usize) -> Result<i64, Raise> {
    match arg(args, i) {
        Value::Nil => Ok(0),
        v => match to_number(lua, v)? {
            Some(n) => Ok(double_to_i64(n)),
            None => Err(type_error(args, i, "number")),
        },
    }
}

/// Why decoding stopped.
enum Stop {
    Eof,
    BadFormat,
    Raise(Raise),
}

impl From<mlua::Error> for Stop {
    fn from(e: mlua::Error) -> Self {
        Stop::Raise(Raise::Lua(e))
    }
}

/// Decodes up to `limit` values from byte `offset` of argument 1 (everything when both are 0;
/// otherwise the next offset, or -1 at the end, comes first). `stacked` is how many
/// arguments the C function still has on its stack.
fn unpack(
    lua: &Lua,
    args: &[Value],
    limit: i64,
    offset: i64,
    stacked: usize,
) -> Result<MultiValue, Raise> {
    let s = check_string(lua, args, 1)?;
    let s = s.as_bytes();
    let len = s.len();
    if offset < 0 || limit < 0 {
        // Sic: the message shows the length where it says limit.
        let msg = format!(
            "Invalid request to unpack with offset of {} and limit of {}.",
            offset as i32, len as i32
        );
        return Err(Raise::Msg(msg.into_bytes()));
    }
    if offset as u64 > len as u64 {
        let msg = format!(
            "Start offset {} greater than input length {}.",
            offset as i32, len as i32
        );
        return Err(Raise::Msg(msg.into_bytes()));
    }
    let decode_all = limit == 0 && offset == 0;
    let limit = if decode_all { i32::MAX as i64 } else { limit };
    let mut d = Decoder {
        lua,
        data: &s,
        pos: offset as usize,
        outer: None,
    };
    let results = lua.create_table()?;
    let mut first = 1;
    if !decode_all {
        first = 2;
    }
    let mut count = 0usize;
    while d.pos < len && (count as i64) < limit {
        let value = match d.value(stacked + count) {
            Ok(v) => v,
            Err(Stop::Eof) => return Err(Raise::Msg(b"Missing bytes in input.".to_vec())),
            Err(Stop::BadFormat) => return Err(Raise::Msg(b"Bad data format in input.".to_vec())),
            Err(Stop::Raise(r)) => return Err(r),
        };
        results.raw_set(first + count, value)?;
        count += 1;
    }
    if !decode_all {
        let next = if d.pos == len { -1.0 } else { d.pos as f64 };
        results.raw_set(1, next)?;
        count += 1;
    }
    spread(results, count)
}

/// A container being filled: `left` more elements (map entries) to read.
enum Open {
    Array {
        left: usize,
        next: i64,
    },
    /// `has_key`: the key of the current entry has been read.
    Map {
        left: usize,
        has_key: bool,
    },
}

struct Decoder<'a> {
    lua: &'a Lua,
    data: &'a [u8],
    pos: usize,
    /// Containers enclosing the innermost one, with their pending keys; see `value`.
    outer: Option<Table>,
}

impl Decoder<'_> {
    fn need(&self, n: usize) -> Result<(), Stop> {
        if self.data.len() - self.pos < n {
            Err(Stop::Eof)
        } else {
            Ok(())
        }
    }

    fn be(&self, at: usize, n: usize) -> u64 {
        self.data[at..at + n]
            .iter()
            .fold(0, |v, &b| v << 8 | b as u64)
    }

    /// One value. The innermost open container and its pending key (nil in arrays) are held
    /// here, the outer ones wait in a Lua table (mlua can hold only about 8000 references,
    /// and the C decoder allows nesting about 4000 deep). `used` counts the stack slots the C
    /// decoder would be using below this value, to fail where its stack checks fail.
    fn value(&mut self, mut used: usize) -> Result<Value, Stop> {
        let mut open: Vec<Open> = Vec::new();
        let mut inner: Option<(Table, Value)> = None;
        loop {
            self.need(1)?;
            if used + 1 > MAX_C_STACK {
                return Err(stack_overflow(
                    "too many return values at once; use unpack_one or unpack_limit instead.",
                ));
            }
            let b = self.data[self.pos];
            let p = self.pos;
            let (mut item, container) = match b {
                0x00..=0x7f => (self.scalar(1, Value::Number(b as f64)), None),
                0xe0..=0xff => (self.scalar(1, Value::Number(b as i8 as f64)), None),
                0xc0 => (self.scalar(1, Value::Nil), None),
                0xc2 => (self.scalar(1, Value::Boolean(false)), None),
                0xc3 => (self.scalar(1, Value::Boolean(true)), None),
                0xcc => (self.number(2, |d| d.data[p + 1] as f64)?, None),
                0xcd => (self.number(3, |d| d.be(p + 1, 2) as f64)?, None),
                0xce => (self.number(5, |d| d.be(p + 1, 4) as f64)?, None),
                // Pushed as a lua_Integer, so values of 2^63 and above wrap to negative.
                0xcf => (self.number(9, |d| d.be(p + 1, 8) as i64 as f64)?, None),
                0xd0 => (self.number(2, |d| d.data[p + 1] as i8 as f64)?, None),
                0xd1 => (self.number(3, |d| d.be(p + 1, 2) as i16 as f64)?, None),
                0xd2 => (self.number(5, |d| d.be(p + 1, 4) as i32 as f64)?, None),
                0xd3 => (self.number(9, |d| d.be(p + 1, 8) as i64 as f64)?, None),
                0xca => (
                    self.number(5, |d| f32::from_bits(d.be(p + 1, 4) as u32) as f64)?,
                    None,
                ),
                0xcb => (self.number(9, |d| f64::from_bits(d.be(p + 1, 8)))?, None),
                0xa0..=0xbf => (self.string(1, (b & 0x1f) as usize)?, None),
                0xd9 => {
                    self.need(2)?;
                    (self.string(2, self.data[p + 1] as usize)?, None)
                }
                0xda => {
                    self.need(3)?;
                    (self.string(3, self.be(p + 1, 2) as usize)?, None)
                }
                0xdb => {
                    self.need(5)?;
                    (self.string(5, self.be(p + 1, 4) as usize)?, None)
                }
                0x90..=0x9f => self.header(1, (b & 0xf) as usize, true)?,
                0x80..=0x8f => self.header(1, (b & 0xf) as usize, false)?,
                0xdc => self.header(3, 0, true)?,
                0xdd => self.header(5, 0, true)?,
                0xde => self.header(3, 0, false)?,
                0xdf => self.header(5, 0, false)?,
                _ => return Err(Stop::BadFormat),
            };
            if let Some((t, left, is_array)) = container {
                used += 1; // the new table
                if is_array && used + 1 > MAX_C_STACK {
                    return Err(stack_overflow("in function mp_decode_to_lua_array"));
                }
                if left > 0 {
                    // Descend: the new container becomes the innermost one.
                    if let Some((parent, key)) = inner.take() {
                        self.set_outer(open.len(), parent, key)?;
                    }
                    inner = Some((t, Value::Nil));
                    open.push(if is_array {
                        Open::Array { left, next: 1 }
                    } else {
                        Open::Map {
                            left,
                            has_key: false,
                        }
                    });
                    if is_array {
                        used += 1; // the index pushed before each element
                    }
                    continue;
                }
                used -= 1;
                item = Value::Table(t);
            }
            // Store the finished item, closing the containers it completes.
            loop {
                let Some(top) = open.last_mut() else {
                    return Ok(item);
                };
                let (t, key) = inner.as_mut().expect("innermost container");
                let done = match top {
                    Open::Array { left, next } => {
                        t.raw_set(*next, item)?;
                        *next += 1;
                        *left -= 1;
                        *left == 0
                    }
                    Open::Map {
                        has_key: has_key @ false,
                        ..
                    } => {
                        *key = item;
                        *has_key = true;
                        used += 1; // the key stays on the stack while the value is read
                        break;
                    }
                    Open::Map { left, has_key } => {
                        let k = std::mem::replace(key, Value::Nil);
                        match &k {
                            Value::Nil => {
                                return Err(Stop::Raise(Raise::Plain(
                                    b"table index is nil".to_vec(),
                                )));
                            }
                            Value::Number(n) if n.is_nan() => {
                                return Err(Stop::Raise(Raise::Plain(
                                    b"table index is NaN".to_vec(),
                                )));
                            }
                            _ => {}
                        }
                        t.raw_set(k, item)?;
                        *has_key = false;
                        used -= 1;
                        *left -= 1;
                        *left == 0
                    }
                };
                if !done {
                    break;
                }
                // Close the innermost container; it is the item for the one around it.
                let is_array = matches!(open.pop(), Some(Open::Array { .. }));
                used -= if is_array { 2 } else { 1 };
                let (t, _) = inner.take().expect("innermost container");
                if !open.is_empty() {
                    inner = Some(self.get_outer(open.len())?);
                }
                item = Value::Table(t);
            }
        }
    }

    fn scalar(&mut self, len: usize, v: Value) -> Value {
        self.pos += len;
        v
    }

    fn number(&mut self, len: usize, read: impl Fn(&Self) -> f64) -> Result<Value, Stop> {
        self.need(len)?;
        let n = read(self);
        self.pos += len;
        Ok(Value::Number(n))
    }

    /// A string of `len` bytes after a header of `header` bytes.
    fn string(&mut self, header: usize, len: usize) -> Result<Value, Stop> {
        if header == 5 {
            // The C code consumes the 32-bit header before checking the body.
            self.pos += 5;
            self.need(len)?;
        } else {
            self.need(header + len)?;
            self.pos += header;
        }
        let s = self
            .lua
            .create_string(&self.data[self.pos..self.pos + len])?;
        self.pos += len;
        Ok(Value::String(s))
    }

    /// An array or map header of `header` bytes (the count follows the type byte unless
    /// `fixed` is given in the type byte): a new empty table and its element count.
    #[allow(clippy::type_complexity)]
    fn header(
        &mut self,
        header: usize,
        fixed: usize,
        is_array: bool,
    ) -> Result<(Value, Option<(Table, usize, bool)>), Stop> {
        self.need(header)?;
        let n = if header == 1 {
            fixed
        } else {
            self.be(self.pos + 1, header - 1) as usize
        };
        self.pos += header;
        Ok((Value::Nil, Some((self.lua.create_table()?, n, is_array))))
    }

    /// Keeps the container at depth `d` and its pending key while deeper ones are read.
    fn set_outer(&mut self, d: usize, t: Table, key: Value) -> mlua::Result<()> {
        let outer = match &self.outer {
            Some(o) => o,
            None => self.outer.insert(self.lua.create_table()?),
        };
        outer.raw_set(2 * d - 1, t)?;
        outer.raw_set(2 * d, key)
    }

    fn get_outer(&self, d: usize) -> mlua::Result<(Table, Value)> {
        let outer = self.outer.as_ref().expect("outer containers");
        Ok((outer.raw_get(2 * d - 1)?, outer.raw_get(2 * d)?))
    }
}

/// `luaL_checkstack` failing.
fn stack_overflow(what: &str) -> Stop {
    Stop::Raise(Raise::Msg(format!("stack overflow ({what})").into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::LuaString;

    fn eval(code: &str) -> String {
        let lua = Lua::new();
        register(&lua).unwrap();
        let v: LuaString = lua.load(code).set_name("=t").eval().unwrap();
        v.to_str().unwrap().to_owned()
    }

    fn packed(code: &str) -> Vec<u8> {
        let lua = Lua::new();
        register(&lua).unwrap();
        let v: LuaString = lua.load(code).eval().unwrap();
        v.as_bytes().to_vec()
    }

    #[test]
    fn packs_like_lua_cmsgpack() {
        assert_eq!(
            packed("return cmsgpack.pack(1, -1, 200, -200, 1.5, 0.1)")[..9],
            [1, 0xff, 0xcc, 200, 0xd1, 0xff, 0x38, 0xca, 0x3f]
        );
        assert_eq!(
            packed("return cmsgpack.pack({}, {1, 2}, 'ab', true, nil)"),
            [0x90, 0x92, 1, 2, 0xa2, b'a', b'b', 0xc3, 0xc0]
        );
        assert_eq!(
            packed("return cmsgpack.pack({a = 1})"),
            [0x81, 0xa1, b'a', 1]
        );
        assert_eq!(
            packed("return cmsgpack.pack(2^32)"),
            [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]
        );
    }

    #[test]
    fn unpacks_like_lua_cmsgpack() {
        assert_eq!(
            eval("return table.concat({cmsgpack.unpack(cmsgpack.pack(1, 'x', 2.5))}, ',')"),
            "1,x,2.5"
        );
        assert_eq!(
            eval("return table.concat({cmsgpack.unpack_one(cmsgpack.pack(7, 8))}, ',')"),
            "1,7"
        );
        assert_eq!(
            eval(
                "return tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255'))"
            ),
            "-1"
        );
        assert_eq!(
            eval("return cmsgpack.unpack('\\130\\161a\\1\\161b\\145\\161c').b[1]"),
            "c"
        );
        assert_eq!(
            eval("return select(2, pcall(cmsgpack.unpack, '\\196'))"),
            "Bad data format in input."
        );
        assert_eq!(
            eval("return select(2, pcall(cmsgpack.unpack, '\\129\\192\\1'))"),
            "table index is nil"
        );
    }
}
