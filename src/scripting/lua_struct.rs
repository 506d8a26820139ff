//! The `struct` library of Redis scripts (Roberto Ierusalimschy's struct, as bundled with
//! Redis 7.0): `struct.pack(fmt, ...)`, `struct.unpack(fmt, data [, pos])` and
//! `struct.size(fmt)`.
//!
//! Formats are read as on the x86-64 build of Redis: native order little endian, `h` 2 bytes,
//! `l`, `L` and `T` 8, `i`/`I` 4 unless sized (`i1`..`i32`), `f` 4, `d` 8, `b`/`B`/`x` 1, `cN`
//! N bytes (`c0`: the whole string, or on unpack the preceding number), `s` a zero-terminated
//! string, `<` `>` set the byte order, `!N` the maximum alignment (default 8) and spaces are
//! ignored. Integers go through a 64-bit `long`, numbers are doubles, and conversions of
//! out-of-range doubles give what x86-64 gives. Error texts are the C library's. Like
//! `luaL_register`, `register` also records the table in `package.loaded`. No known deviation.
//!
//! Errors are raised, and arguments converted, with the helpers shared in `lua_bit` (which
//! also notes mlua's limit on calls with about 8,000 arguments).

use std::ffi::c_int;

use mlua::{Lua, MultiValue, Value};

use super::lua_bit::{
    Raise, arg, check_string, double_to_i64, lib_fn, lua_type_name, spread, to_number, type_error,
};

/// Installs the global `struct` table.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let module = lua.create_table_with_capacity(0, 3)?;
    module.raw_set("pack", lib_fn(lua, pack)?)?;
    module.raw_set("unpack", lib_fn(lua, unpack)?)?;
    module.raw_set("size", lib_fn(lua, size)?)?;
    lua.register_module("struct", &module)?;
    lua.globals().raw_set("struct", module)
}

/// Integer options hold at most this many bytes.
const MAXINTSIZE: i32 = 32;
/// Default of `!`: the alignment of a double on x86-64.
const MAXALIGN: i32 = 8;
/// LUAI_MAXCSTACK: the stack slots a C function may use, which bounds unpack's results.
const MAX_C_STACK: usize = 8000;

/// Byte order and maximum alignment in effect.
struct Header {
    little: bool,
    align: usize,
}

impl Header {
    fn new() -> Self {
        Header {
            little: true,
            align: 1,
        }
    }
}

/// A format string being walked; like the C code it ends at the first NUL byte.
struct Format<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Format<'a> {
    fn new(s: &'a [u8]) -> Self {
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        Format {
            bytes: &s[..end],
            pos: 0,
        }
    }

    fn next_option(&mut self) -> Option<u8> {
        let c = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(c)
    }

    /// The decimal number following an option, or `default` if there is none.
    fn number(&mut self, default: i32) -> Result<i32, Raise> {
        if !self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return Ok(default);
        }
        let mut a: i32 = 0;
        while let Some(&c) = self.bytes.get(self.pos).filter(|c| c.is_ascii_digit()) {
            let d = (c - b'0') as i32;
            if a > i32::MAX / 10 || a * 10 > i32::MAX - d {
                return Err(Raise::Msg(b"integral size overflow".to_vec()));
            }
            a = a * 10 + d;
            self.pos += 1;
        }
        Ok(a)
    }

    /// The size in bytes of option `opt` (reading its count), 0 for options without one.
    fn size_of(&mut self, opt: u8) -> Result<usize, Raise> {
        Ok(match opt {
            b'B' | b'b' | b'x' => 1,
            b'H' | b'h' => 2,
            b'L' | b'l' | b'T' | b'd' => 8,
            b'f' => 4,
            b'c' => self.number(1)? as usize,
            b'i' | b'I' => {
                let sz = self.number(4)?;
                if sz > MAXINTSIZE {
                    let msg = format!("integral size {sz} is larger than limit of {MAXINTSIZE}");
                    return Err(Raise::Msg(msg.into_bytes()));
                }
                sz as usize
            }
            _ => 0,
        })
    }

    /// Options that are not data: byte order, alignment and spaces; anything else is invalid.
    fn control(&mut self, opt: u8, h: &mut Header) -> Result<(), Raise> {
        match opt {
            b' ' => {}
            b'>' => h.little = false,
            b'<' => h.little = true,
            b'!' => {
                let a = self.number(MAXALIGN)?;
                if a <= 0 || a & (a - 1) != 0 {
                    return Err(Raise::Msg(
                        format!("alignment {a} is not a power of 2").into_bytes(),
                    ));
                }
                h.align = a as usize;
            }
            _ => {
                let mut msg = b"invalid format option '".to_vec();
                msg.extend_from_slice(&[opt, b'\'']);
                return Err(Raise::Arg(1, msg));
            }
        }
        Ok(())
    }
}

/// Padding needed before an item of `size` bytes at offset `len`. Sizes that are not powers of
/// two (e.g. `i3`) give the same odd padding as the C formula.
fn padding(len: usize, h: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(h.align);
    size.wrapping_sub(len & (size - 1)) & (size - 1)
}

fn is_integer_option(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

/// Bytes of a float or double in the requested order (the host is little endian).
fn ordered(mut bytes: Vec<u8>, little: bool) -> Vec<u8> {
    if !little {
        bytes.reverse();
    }
    bytes
}

/// `struct.pack(fmt, ...)`.
fn pack(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let fmt = check_string(lua, args, 1)?;
    let fmt = fmt.as_bytes();
    let mut fmt = Format::new(&fmt);
    let mut h = Header::new();
    let mut arg = 2;
    let mut out: Vec<u8> = Vec::new();
    while let Some(opt) = fmt.next_option() {
        let mut size = fmt.size_of(opt)?;
        let pad = padding(out.len(), &h, opt, size);
        out.resize(out.len() + pad, 0);
        match opt {
            _ if is_integer_option(opt) => {
                let n = pack_number(lua, args, &out, arg)?;
                arg += 1;
                // Negative numbers go through the signed type, others through the unsigned one.
                let mut value = if n < 0.0 {
                    double_to_i64(n) as u64
                } else {
                    double_to_u64(n)
                };
                let mut bytes = vec![0u8; size];
                for b in bytes.iter_mut() {
                    *b = value as u8;
                    value >>= 8;
                }
                out.extend(ordered(bytes, h.little));
            }
            b'x' => out.push(0),
            b'f' => {
                let f = pack_number(lua, args, &out, arg)? as f32;
                arg += 1;
                out.extend(ordered(f.to_le_bytes().to_vec(), h.little));
            }
            b'd' => {
                let d = pack_number(lua, args, &out, arg)?;
                arg += 1;
                out.extend(ordered(d.to_le_bytes().to_vec(), h.little));
            }
            b'c' | b's' => {
                let s = match pack_slot(lua, args, &out, arg)? {
                    Some(v @ (Value::String(_) | Value::Integer(_) | Value::Number(_))) => lua
                        .coerce_string(v)?
                        .map(|s| s.as_bytes().to_vec())
                        .unwrap_or_default(),
                    v => return Err(slot_type_error(v.as_ref(), arg, "string")),
                };
                arg += 1;
                if size == 0 {
                    size = s.len();
                }
                if s.len() < size {
                    // The C code reports the argument after the string.
                    return Err(Raise::Arg(arg as c_int, b"string too short".to_vec()));
                }
                out.extend_from_slice(&s[..size]);
                if opt == b's' {
                    out.push(0);
                }
            }
            _ => fmt.control(opt, &mut h)?,
        }
    }
    Ok(MultiValue::from_vec(vec![Value::String(
        lua.create_string(out)?,
    )]))
}

/// `luaL_checknumber` on stack slot `k` of `pack`.
fn pack_number(lua: &Lua, args: &[Value], out: &[u8], k: usize) -> Result<f64, Raise> {
    match pack_slot(lua, args, out, k)? {
        Some(v) => to_number(lua, &v)?.ok_or_else(|| slot_type_error(Some(&v), k, "number")),
        None => Err(slot_type_error(None, k, "number")),
    }
}

/// Stack slot `k` as the C `pack` sees it: past its arguments lie a nil (the mark it pushes)
/// and then the pieces its `luaL_Buffer` has pushed so far, which a format asking for more
/// arguments than given reads as if they were arguments.
fn pack_slot(lua: &Lua, args: &[Value], out: &[u8], k: usize) -> mlua::Result<Option<Value>> {
    if k <= args.len() {
        return Ok(Some(args[k - 1].clone()));
    }
    if k == args.len() + 1 {
        return Ok(Some(Value::Nil));
    }
    Ok(match buffer_pieces(out.len()).get(k - args.len() - 2) {
        Some(piece) => Some(Value::String(lua.create_string(&out[piece.clone()])?)),
        None => None,
    })
}

/// The strings a Lua 5.1 `luaL_Buffer` (BUFSIZ = 8192 bytes) has on the stack once `len`
/// bytes went in: one per full buffer, merged the way its `adjuststack` merges them.
fn buffer_pieces(len: usize) -> Vec<std::ops::Range<usize>> {
    const BUFSIZE: usize = 8192;
    const LIMIT: usize = 10; // LUA_MINSTACK / 2
    let mut pieces: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    while len > start + BUFSIZE {
        pieces.push(start..start + BUFSIZE);
        start += BUFSIZE;
        let lvl = pieces.len();
        if lvl > 1 {
            let mut toget = 1;
            let mut toplen = pieces[lvl - 1].len();
            while toget < lvl {
                let l = pieces[lvl - 1 - toget].len();
                if lvl - toget + 1 >= LIMIT || toplen > l {
                    toplen += l;
                    toget += 1;
                } else {
                    break;
                }
            }
            let merged = pieces[lvl - toget].start..pieces[lvl - 1].end;
            pieces.truncate(lvl - toget);
            pieces.push(merged);
        }
    }
    pieces
}

/// `luaL_typerror` for a slot that may be past the top of the stack.
fn slot_type_error(v: Option<&Value>, k: usize, expected: &str) -> Raise {
    let got = v.map_or("no value", lua_type_name);
    Raise::Arg(
        k as c_int,
        format!("{expected} expected, got {got}").into_bytes(),
    )
}

/// Reads `size` bytes as an integer; only the low 64 bits survive, as with the C `long`.
fn read_integer(bytes: &[u8], little: bool, signed: bool) -> f64 {
    let size = bytes.len();
    let fold = |l: u64, &b: &u8| (l << 8) | b as u64;
    let mut l = if little {
        bytes.iter().rev().fold(0u64, fold)
    } else {
        bytes.iter().fold(0u64, fold)
    };
    if !signed {
        return l as f64;
    }
    // Sign extension from the top bit of the item; the shift count wraps like on x86-64.
    let mask = u64::MAX.wrapping_shl((size as u32).wrapping_mul(8).wrapping_sub(1));
    if l & mask != 0 {
        l |= mask;
    }
    l as i64 as f64
}

/// `struct.unpack(fmt, data [, pos])`: the values, then the position after the last one.
fn unpack(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let fmt = check_string(lua, args, 1)?;
    let fmt = fmt.as_bytes();
    let data = check_string(lua, args, 2)?;
    let data = data.as_bytes();
    let ld = data.len();
    let start = match arg(args, 3) {
        Value::Nil => 1,
        v => match to_number(lua, v)? {
            Some(n) => double_to_i64(n),
            None => return Err(type_error(args, 3, "number")),
        },
    };
    // The offset is a size_t in C: negative ones wrap around and fail the length checks.
    let mut pos = start as usize;
    if pos == 0 {
        return Err(Raise::Arg(3, b"offset must be 1 or greater".to_vec()));
    }
    pos -= 1;
    let too_short = || Raise::Arg(2, b"data string too short".to_vec());
    let mut fmt = Format::new(&fmt);
    let mut h = Header::new();
    // Results are collected in a table (handed back spread), so that strings don't each hold
    // an mlua reference.
    let results = lua.create_table()?;
    let mut n = 0usize;
    let mut last = Value::Nil;
    while let Some(opt) = fmt.next_option() {
        let mut size = fmt.size_of(opt)?;
        pos = pos.wrapping_add(padding(pos, &h, opt, size));
        if !(size <= ld && pos <= ld - size) {
            return Err(too_short());
        }
        // luaL_checkstack(L, 2) on top of the arguments and the results so far.
        if args.len() + n + 2 > MAX_C_STACK {
            return Err(Raise::Msg(b"stack overflow (too many results)".to_vec()));
        }
        let value = match opt {
            _ if is_integer_option(opt) => {
                let signed = opt.is_ascii_lowercase();
                Some(Value::Number(read_integer(
                    &data[pos..pos + size],
                    h.little,
                    signed,
                )))
            }
            b'x' => None,
            b'f' => {
                let b: [u8; 4] = data[pos..pos + 4].try_into().unwrap();
                let f = if h.little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                Some(Value::Number(f as f64))
            }
            b'd' => {
                let b: [u8; 8] = data[pos..pos + 8].try_into().unwrap();
                let d = if h.little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                Some(Value::Number(d))
            }
            b'c' => {
                if size == 0 {
                    // `c0` takes its length from the preceding result, which it replaces.
                    let len = match to_number(lua, &last)? {
                        Some(len) if n > 0 => len,
                        _ => return Err(Raise::Msg(b"format 'c0' needs a previous size".to_vec())),
                    };
                    size = double_to_u64(len) as usize;
                    results.raw_set(n, Value::Nil)?;
                    n -= 1;
                    if !(size <= ld && pos <= ld - size) {
                        return Err(too_short());
                    }
                }
                Some(Value::String(lua.create_string(&data[pos..pos + size])?))
            }
            b's' => {
                let Some(len) = data[pos..].iter().position(|&c| c == 0) else {
                    return Err(Raise::Msg(b"unfinished string in data".to_vec()));
                };
                size = len + 1;
                Some(Value::String(lua.create_string(&data[pos..pos + len])?))
            }
            _ => {
                fmt.control(opt, &mut h)?;
                None
            }
        };
        if let Some(v) = value {
            n += 1;
            results.raw_set(n, v.clone())?;
            last = v;
        }
        pos = pos.wrapping_add(size);
    }
    n += 1;
    results.raw_set(n, Value::Number(pos.wrapping_add(1) as i64 as f64))?;
    spread(results, n)
}

/// `struct.size(fmt)`: the bytes `pack` would produce; fails for variable-size options.
fn size(lua: &Lua, args: &[Value]) -> Result<MultiValue, Raise> {
    let fmt = check_string(lua, args, 1)?;
    let fmt = fmt.as_bytes();
    let mut fmt = Format::new(&fmt);
    let mut h = Header::new();
    let mut pos = 0usize;
    while let Some(opt) = fmt.next_option() {
        let size = fmt.size_of(opt)?;
        pos = pos.wrapping_add(padding(pos, &h, opt, size));
        if opt == b's' {
            return Err(Raise::Arg(1, b"option 's' has no fixed size".to_vec()));
        } else if opt == b'c' && size == 0 {
            return Err(Raise::Arg(1, b"option 'c0' has no fixed size".to_vec()));
        }
        // Unknown letters and digits are skipped here, unlike in pack and unpack.
        if !opt.is_ascii_alphanumeric() {
            fmt.control(opt, &mut h)?;
        }
        pos = pos.wrapping_add(size);
    }
    Ok(MultiValue::from_vec(vec![Value::Number(pos as i64 as f64)]))
}

/// `(unsigned long)d` as gcc compiles it for x86-64: below 2^63 (or NaN) a signed conversion,
/// otherwise a signed conversion of d - 2^63 with the top bit flipped.
fn double_to_u64(d: f64) -> u64 {
    const TWO_63: f64 = 9223372036854775808.0;
    if d >= TWO_63 {
        (double_to_i64(d - TWO_63) as u64) ^ (1 << 63)
    } else {
        double_to_i64(d) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(code: &str) -> String {
        let lua = Lua::new();
        register(&lua).unwrap();
        let v: mlua::LuaString = lua.load(code).set_name("=t").eval().unwrap();
        v.to_str().unwrap().to_owned()
    }

    #[test]
    fn round_trips() {
        assert_eq!(eval("return struct.pack('>I2', 0x4142)"), "AB");
        assert_eq!(
            eval(
                "return table.concat({struct.unpack('<hBs', struct.pack('<hBs', -2, 7, 'hi'))}, ',')"
            ),
            "-2,7,hi,7"
        );
        assert_eq!(eval("return tostring(struct.size('!4 b i d'))"), "16");
        assert_eq!(
            eval("return table.concat({struct.unpack('B c0', '\\3abcd')}, ',')"),
            "abc,5"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            eval("return select(2, pcall(struct.pack, 'z'))"),
            "bad argument #1 to '?' (invalid format option 'z')"
        );
        assert_eq!(
            eval("return select(2, pcall(function() return struct.unpack('s', 'abc') end))"),
            "t:1: unfinished string in data"
        );
    }
}
