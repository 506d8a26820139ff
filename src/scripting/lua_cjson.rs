//! The `cjson` library of Redis scripts (Lua CJSON 2.1.0 as patched in Redis 7.0).
//!
//! Provides `cjson.encode, decode, encode_sparse_array, encode_max_depth, decode_max_depth,
//! encode_number_precision, encode_keep_buffer, encode_invalid_numbers,
//! decode_invalid_numbers, new`, plus `cjson.null` (a NULL light userdata, which is what JSON
//! null decodes to), `_NAME` and `_VERSION`. Each table made by `new` has its own settings.
//!
//! Encoding and decoding follow the C library exactly: numbers printed with `%.14g` (or the
//! configured precision), `/` escaped as `\/`, tables with only positive integer keys written as
//! arrays (holes as null, too sparse ones an error by default), the empty table as `{}`, keys
//! in `next` order; decoding accepts what the C parser (with glibc's `strtod`) accepts, such
//! as hexadecimal numbers, `Infinity` and `NaN`. Error texts are the C library's, including
//! the character positions. The stack limits of the C code (8000 slots per C function) are
//! emulated, so absurdly deep nesting (with a raised max depth) fails with the same message.
//! No known deviation.
//!
//! Errors are raised, and arguments converted, with the helpers shared in `lua_bit` (which
//! also notes mlua's limit on calls with about 8,000 arguments).

use std::ffi::c_int;
use std::sync::{Arc, Mutex};

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

use super::lua_bit::{
    Raise, arg, check_string, double_to_i32, double_to_i64, lib_fn, lua_type_name, number_of,
    to_number, type_error,
};

/// Installs the global `cjson` table.
pub fn register(lua: &Lua) -> mlua::Result<()> {
    let module = new_module(lua)?;
    lua.globals().raw_set("cjson", module)
}

/// LUAI_MAXCSTACK: the stack slots a C function may use, which bounds the nesting.
const MAX_C_STACK: usize = 8000;

/// Settings of one cjson table.
#[derive(Clone, Copy)]
struct Config {
    sparse_convert: i32,
    sparse_ratio: i32,
    sparse_safe: i32,
    encode_max_depth: i32,
    decode_max_depth: i32,
    /// 0 off (error), 1 on (nan/inf written), 2 null.
    encode_invalid_numbers: i32,
    encode_number_precision: i32,
    encode_keep_buffer: i32,
    decode_invalid_numbers: i32,
}

const DEFAULTS: Config = Config {
    sparse_convert: 0,
    sparse_ratio: 2,
    sparse_safe: 10,
    encode_max_depth: 1000,
    decode_max_depth: 1000,
    encode_invalid_numbers: 0,
    encode_number_precision: 14,
    encode_keep_buffer: 1,
    decode_invalid_numbers: 1,
};

/// A new cjson table with default settings (also what `cjson.new()` returns).
fn new_module(lua: &Lua) -> mlua::Result<Table> {
    let cfg = Arc::new(Mutex::new(DEFAULTS));
    // Every function of the table works on its settings.
    let with = |f: fn(&Lua, &[Value], &mut Config) -> Result<MultiValue, Raise>| {
        let cfg = cfg.clone();
        lib_fn(lua, move |lua, a| {
            f(lua, a, &mut cfg.lock().unwrap_or_else(|e| e.into_inner()))
        })
    };
    let t = lua.create_table()?;
    // Field order as in the C library, so that `pairs(cjson)` walks in the same order.
    t.raw_set("encode", with(|lua, a, c| encode(lua, a, c))?)?;
    t.raw_set("decode", with(|lua, a, c| decode(lua, a, c))?)?;
    t.raw_set(
        "encode_sparse_array",
        with(|lua, a, c| {
            arg_count(a, 3)?;
            Ok(MultiValue::from_vec(vec![
                enum_option(lua, a, 1, &mut c.sparse_convert, BOOL_OPTIONS)?,
                integer_option(lua, a, 2, &mut c.sparse_ratio, 0, i32::MAX)?,
                integer_option(lua, a, 3, &mut c.sparse_safe, 0, i32::MAX)?,
            ]))
        })?,
    )?;
    t.raw_set(
        "encode_max_depth",
        with(|lua, a, c| integer_setting(lua, a, &mut c.encode_max_depth, 1, i32::MAX))?,
    )?;
    t.raw_set(
        "decode_max_depth",
        with(|lua, a, c| integer_setting(lua, a, &mut c.decode_max_depth, 1, i32::MAX))?,
    )?;
    t.raw_set(
        "encode_number_precision",
        with(|lua, a, c| integer_setting(lua, a, &mut c.encode_number_precision, 1, 14))?,
    )?;
    // Keeping the buffer only saves allocations in C; here it is just a setting.
    t.raw_set(
        "encode_keep_buffer",
        with(|lua, a, c| enum_setting(lua, a, &mut c.encode_keep_buffer, BOOL_OPTIONS))?,
    )?;
    t.raw_set(
        "encode_invalid_numbers",
        with(|lua, a, c| {
            enum_setting(
                lua,
                a,
                &mut c.encode_invalid_numbers,
                &["off", "on", "null"],
            )
        })?,
    )?;
    t.raw_set(
        "decode_invalid_numbers",
        with(|lua, a, c| enum_setting(lua, a, &mut c.decode_invalid_numbers, BOOL_OPTIONS))?,
    )?;
    let new = lib_fn(lua, |lua, _| {
        Ok(MultiValue::from_vec(vec![Value::Table(new_module(lua)?)]))
    })?;
    t.raw_set("new", new)?;
    t.raw_set(
        "null",
        Value::LightUserData(LightUserData(std::ptr::null_mut())),
    )?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    Ok(t)
}

// ---------------------------------------------------------------------------
// Configuration functions
// ---------------------------------------------------------------------------

const BOOL_OPTIONS: &[&str] = &["off", "on"];

/// At most `n` arguments.
fn arg_count(args: &[Value], n: usize) -> Result<(), Raise> {
    if args.len() > n {
        return Err(Raise::Arg(
            n as c_int + 1,
            b"found too many arguments".to_vec(),
        ));
    }
    Ok(())
}

fn integer_setting(
    lua: &Lua,
    a: &[Value],
    s: &mut i32,
    min: i32,
    max: i32,
) -> Result<MultiValue, Raise> {
    arg_count(a, 1)?;
    Ok(MultiValue::from_vec(vec![integer_option(
        lua, a, 1, s, min, max,
    )?]))
}

fn enum_setting(
    lua: &Lua,
    a: &[Value],
    s: &mut i32,
    options: &[&str],
) -> Result<MultiValue, Raise> {
    arg_count(a, 1)?;
    Ok(MultiValue::from_vec(vec![enum_option(
        lua, a, 1, s, options,
    )?]))
}

/// Sets `*setting` from integer argument `i` unless it is nil; returns the setting. The range
/// error names argument #1 whatever `i` is, as the C code does.
fn integer_option(
    lua: &Lua,
    args: &[Value],
    i: usize,
    setting: &mut i32,
    min: i32,
    max: i32,
) -> Result<Value, Raise> {
    let v = arg(args, i);
    if !v.is_nil() {
        let n = to_number(lua, v)?.ok_or_else(|| type_error(args, i, "number"))?;
        // luaL_checkinteger, then stored in a C int.
        let value = double_to_i64(n) as i32;
        if !(min..=max).contains(&value) {
            let msg = format!("expected integer between {min} and {max}");
            return Err(Raise::Arg(1, msg.into_bytes()));
        }
        *setting = value;
    }
    Ok(Value::Number(*setting as f64))
}

/// Sets `*setting` from argument `i` (a boolean, or the name of an option) unless it is nil;
/// returns it as a boolean when it is off/on, else as the option's name.
fn enum_option(
    lua: &Lua,
    args: &[Value],
    i: usize,
    setting: &mut i32,
    options: &[&str],
) -> Result<Value, Raise> {
    match arg(args, i) {
        Value::Nil => {}
        Value::Boolean(b) => *setting = *b as i32,
        _ => {
            let name = check_string(lua, args, i)?;
            let name = name.as_bytes();
            // luaL_checkoption compares C strings: an embedded NUL ends the name.
            let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
            let Some(k) = options.iter().position(|o| o.as_bytes() == name) else {
                let mut msg = b"invalid option '".to_vec();
                msg.extend_from_slice(name);
                msg.push(b'\'');
                return Err(Raise::Arg(i as c_int, msg));
            };
            *setting = k as i32;
        }
    }
    Ok(if *setting <= 1 {
        Value::Boolean(*setting != 0)
    } else {
        Value::String(lua.create_string(options[*setting as usize])?)
    })
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// A table being written.
enum Frame {
    /// Elements `next..=len` of the table at `store[at]` remain.
    Array { at: i64, next: i64, len: i64 },
    /// An object, written in one pass over the table except for the tables nested in it:
    /// `text` has the rest, nested table `k` (`store[base + 1 + k]`) goes at `text[cuts[k]]`,
    /// and `error` (if any) is what the C encoder raises after the last of them.
    Object {
        text: Vec<u8>,
        cuts: Vec<usize>,
        done: usize,
        copied: usize,
        error: Option<Raise>,
        base: i64,
    },
}

/// `cjson.encode` in progress. The tables waiting to be written are kept in `store`, a Lua
/// table used as a stack, rather than as mlua references, of which there can be only about
/// 8000 at a time (the C encoder allows nesting nearly that deep).
struct Encoder<'a> {
    lua: &'a Lua,
    cfg: Config,
    out: Vec<u8>,
    frames: Vec<Frame>,
    store: Option<Table>,
    store_top: i64,
    /// The table of the innermost array, fetched from `store` while it is being written.
    array: Option<Table>,
    /// Stack slots the C encoder would be using: the argument, one per enclosing array
    /// element, two (key and value) per enclosing object entry.
    slots: usize,
}

/// `cjson.encode(value)`.
fn encode(lua: &Lua, args: &[Value], cfg: &Config) -> Result<MultiValue, Raise> {
    if args.len() != 1 {
        return Err(Raise::Arg(1, b"expected 1 argument".to_vec()));
    }
    let mut e = Encoder {
        lua,
        cfg: *cfg,
        out: Vec::new(),
        frames: Vec::new(),
        store: None,
        store_top: 0,
        array: None,
        slots: 1,
    };
    match &args[0] {
        Value::Table(t) => e.open(t.clone())?,
        v => encode_scalar(cfg, v, &mut e.out)?,
    }
    while let Some(frame) = e.frames.last_mut() {
        match frame {
            Frame::Array { at, next, len } => {
                if *next > *len {
                    e.out.push(b']');
                    e.store_top = *at - 1;
                    e.close();
                    continue;
                }
                if *next > 1 {
                    e.out.push(b',');
                }
                let index = *next;
                *next += 1;
                let t = match &e.array {
                    Some(t) => t,
                    None => e
                        .array
                        .insert(e.store.as_ref().expect("store").raw_get(*at)?),
                };
                match t.raw_get::<Value>(index)? {
                    Value::Table(child) => {
                        e.array = None;
                        e.open(child)?;
                    }
                    v => encode_scalar(cfg, &v, &mut e.out)?,
                }
            }
            Frame::Object {
                text,
                cuts,
                done,
                copied,
                error,
                base,
            } => {
                if let Some(&cut) = cuts.get(*done) {
                    e.out.extend_from_slice(&text[*copied..cut]);
                    *copied = cut;
                    let child: Table = e
                        .store
                        .as_ref()
                        .expect("store")
                        .raw_get(*base + 1 + *done as i64)?;
                    *done += 1;
                    e.open(child)?;
                    continue;
                }
                e.out.extend_from_slice(&text[*copied..]);
                if let Some(err) = error.take() {
                    return Err(err);
                }
                e.out.push(b'}');
                e.store_top = *base;
                e.close();
            }
        }
    }
    Ok(MultiValue::from_vec(vec![Value::String(
        lua.create_string(e.out)?,
    )]))
}

impl Encoder<'_> {
    fn push(&mut self, t: Table) -> mlua::Result<i64> {
        let store = match &self.store {
            Some(s) => s,
            None => self.store.insert(self.lua.create_table()?),
        };
        self.store_top += 1;
        store.raw_set(self.store_top, t)?;
        Ok(self.store_top)
    }

    /// Starts writing table `t`.
    fn open(&mut self, t: Table) -> Result<(), Raise> {
        let depth = self.frames.len() + 1;
        if depth > self.cfg.encode_max_depth as usize || self.slots + 3 > MAX_C_STACK {
            return Err(Raise::Msg(
                format!("Cannot serialise, excessive nesting ({depth})").into_bytes(),
            ));
        }
        let len = array_length(&self.cfg, &t)?;
        if len > 0 {
            self.out.push(b'[');
            self.slots += 1;
            let at = self.push(t.clone())?;
            self.frames.push(Frame::Array {
                at,
                next: 1,
                len: len as i64,
            });
            self.array = Some(t);
            return Ok(());
        }
        self.out.push(b'{');
        self.slots += 2;
        let base = self.store_top;
        let (mut text, mut cuts, mut error) = (Vec::new(), Vec::new(), None);
        for pair in t.pairs::<Value, Value>() {
            let (k, v) = pair?;
            // Stop at the first failure, to be raised once the nested tables before it are done.
            if let Err(raise) = self.object_entry(k, v, &mut text, &mut cuts) {
                if let Raise::Lua(e) = raise {
                    return Err(Raise::Lua(e));
                }
                error = Some(raise);
                break;
            }
        }
        self.frames.push(Frame::Object {
            text,
            cuts,
            done: 0,
            copied: 0,
            error,
            base,
        });
        Ok(())
    }

    /// Writes key `k` and, unless it is a table (which is stored), value `v` of an object.
    fn object_entry(
        &mut self,
        k: Value,
        v: Value,
        text: &mut Vec<u8>,
        cuts: &mut Vec<usize>,
    ) -> Result<(), Raise> {
        if !text.is_empty() || !cuts.is_empty() {
            text.push(b',');
        }
        match &k {
            Value::Integer(_) | Value::Number(_) => {
                text.push(b'"');
                encode_number(&self.cfg, number_of(&k), text)?;
                text.extend_from_slice(b"\":");
            }
            Value::String(s) => {
                encode_string(&s.as_bytes(), text);
                text.push(b':');
            }
            other => {
                return Err(cannot_serialise(
                    other,
                    "table key must be a number or string",
                ));
            }
        }
        match v {
            Value::Table(child) => {
                cuts.push(text.len());
                self.push(child)?;
            }
            v => encode_scalar(&self.cfg, &v, text)?,
        }
        Ok(())
    }

    fn close(&mut self) {
        let frame = self.frames.pop();
        self.slots -= if matches!(frame, Some(Frame::Array { .. })) {
            1
        } else {
            2
        };
        self.array = None;
    }
}

/// Writes a value other than a table.
fn encode_scalar(cfg: &Config, v: &Value, out: &mut Vec<u8>) -> Result<(), Raise> {
    match v {
        Value::String(s) => encode_string(&s.as_bytes(), out),
        Value::Integer(_) | Value::Number(_) => encode_number(cfg, number_of(v), out)?,
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        other => return Err(cannot_serialise(other, "type not supported")),
    }
    Ok(())
}

/// The length to write `t` with as an array, or a value <= 0 to write it as an object. Keys
/// must all be integers >= 1; the maximum key is kept in a C int, so huge keys wrap to
/// INT_MIN (and the table becomes an object) exactly as in the C code.
fn array_length(cfg: &Config, t: &Table) -> Result<i32, Raise> {
    let mut max: i32 = 0;
    let mut items: i32 = 0;
    // Values are read as booleans only to avoid converting them.
    for pair in t.pairs::<Value, bool>() {
        let k = match pair?.0 {
            k @ (Value::Integer(_) | Value::Number(_)) => number_of(&k),
            _ => return Ok(-1),
        };
        if k == 0.0 || k.floor() != k || k < 1.0 {
            return Ok(-1);
        }
        if k > max as f64 {
            max = double_to_i32(k);
        }
        items = items.wrapping_add(1);
    }
    if cfg.sparse_ratio > 0 && max > items.wrapping_mul(cfg.sparse_ratio) && max > cfg.sparse_safe {
        if cfg.sparse_convert == 0 {
            return Err(Raise::Msg(
                b"Cannot serialise table: excessively sparse array".to_vec(),
            ));
        }
        return Ok(-1);
    }
    Ok(max)
}

fn cannot_serialise(v: &Value, reason: &str) -> Raise {
    Raise::Msg(format!("Cannot serialise {}: {reason}", lua_type_name(v)).into_bytes())
}

/// A JSON string: `"`, `\`, `/`, control characters and DEL escaped, other bytes as they are.
fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0..=0x1f | 0x7f => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn encode_number(cfg: &Config, n: f64, out: &mut Vec<u8>) -> Result<(), Raise> {
    match cfg.encode_invalid_numbers {
        0 if !n.is_finite() => {
            return Err(Raise::Msg(
                b"Cannot serialise number: must not be NaN or Inf".to_vec(),
            ));
        }
        1 if n.is_nan() => {
            out.extend_from_slice(b"nan");
            return Ok(());
        }
        2 if !n.is_finite() => {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        _ => {}
    }
    format_g(n, cfg.encode_number_precision as usize, out);
    Ok(())
}

/// C's `printf("%.<precision>g", x)`.
fn format_g(x: f64, precision: usize, out: &mut Vec<u8>) {
    use std::io::Write;
    let precision = precision.max(1);
    if x.is_nan() {
        out.extend_from_slice(if x.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    let x = x.abs();
    if x.is_infinite() {
        out.extend_from_slice(b"inf");
        return;
    }
    if x == 0.0 {
        out.push(b'0');
        return;
    }
    // Integers of at most `precision` digits print as themselves.
    if x.fract() == 0.0 && x < 1e15 {
        let start = out.len();
        let _ = write!(out, "{}", x as u64);
        if out.len() - start <= precision {
            return;
        }
        out.truncate(start);
    }
    // For a normal double, the shortest digits that read back as x are also what rounding to
    // `precision` (at most 15) digits gives, when there are no more of them; otherwise round
    // exactly (Rust rounds half to even on the binary value, like glibc).
    let mut sci = format!("{x:e}");
    if sci
        .bytes()
        .take_while(|&c| c != b'e')
        .filter(u8::is_ascii_digit)
        .count()
        > precision
        || x < f64::MIN_POSITIVE
    {
        sci = format!("{:.*e}", precision - 1, x);
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    // Trailing zeros are never printed by %g.
    let n = digits.iter().rposition(|&d| d != b'0').map_or(1, |p| p + 1);
    let digits = &digits[..n];
    if exp < -4 || exp >= precision as i32 {
        out.push(digits[0]);
        if n > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend_from_slice(&digits[..n.min(int_len)]);
        out.resize(out.len() + int_len.saturating_sub(n), b'0');
        if n > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-exp - 1) as usize, b'0');
        out.extend_from_slice(digits);
    }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Tok {
    ObjBegin,
    ObjEnd,
    ArrBegin,
    ArrEnd,
    String,
    Number,
    Boolean,
    Null,
    Colon,
    Comma,
    End,
    /// A lexical error, with its description.
    Error(&'static str),
}

impl Tok {
    /// How an error message calls the token.
    fn name(self) -> &'static str {
        match self {
            Tok::ObjBegin => "T_OBJ_BEGIN",
            Tok::ObjEnd => "T_OBJ_END",
            Tok::ArrBegin => "T_ARR_BEGIN",
            Tok::ArrEnd => "T_ARR_END",
            Tok::String => "T_STRING",
            Tok::Number => "T_NUMBER",
            Tok::Boolean => "T_BOOLEAN",
            Tok::Null => "T_NULL",
            Tok::Colon => "T_COLON",
            Tok::Comma => "T_COMMA",
            Tok::End => "T_END",
            Tok::Error(what) => what,
        }
    }
}

/// A token: its kind, 0-based position, and value (a string's is in the parser's `string`).
struct Token {
    kind: Tok,
    index: usize,
    number: f64,
    boolean: bool,
}

struct Parser<'a> {
    /// The JSON text; reading past its end gives NUL, like the C string's terminator.
    data: &'a [u8],
    pos: usize,
    invalid_numbers: bool,
    /// The value of the last string token.
    string: Vec<u8>,
}

impl Parser<'_> {
    fn at(&self, i: usize) -> u8 {
        self.data.get(i).copied().unwrap_or(0)
    }

    fn next_token(&mut self) -> Token {
        while matches!(self.at(self.pos), b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
        let mut tok = Token {
            kind: Tok::End,
            index: self.pos,
            number: 0.0,
            boolean: false,
        };
        let c = self.at(self.pos);
        let single = match c {
            b'{' => Some(Tok::ObjBegin),
            b'}' => Some(Tok::ObjEnd),
            b'[' => Some(Tok::ArrBegin),
            b']' => Some(Tok::ArrEnd),
            b',' => Some(Tok::Comma),
            b':' => Some(Tok::Colon),
            0 => return tok,
            _ => None,
        };
        if let Some(kind) = single {
            tok.kind = kind;
            self.pos += 1;
            return tok;
        }
        let rest = &self.data[self.pos..];
        if c == b'"' {
            self.string_token(&mut tok);
        } else if c == b'-' || c.is_ascii_digit() {
            if !self.invalid_numbers && self.is_invalid_number() {
                tok.kind = Tok::Error("invalid number");
            } else {
                self.number_token(&mut tok);
            }
        } else if !matches!(c, b'f' | b'i' | b'I' | b'n' | b'N' | b't' | b'+') {
            tok.kind = Tok::Error("invalid token");
        } else if rest.starts_with(b"true") {
            tok.kind = Tok::Boolean;
            tok.boolean = true;
            self.pos += 4;
        } else if rest.starts_with(b"false") {
            tok.kind = Tok::Boolean;
            self.pos += 5;
        } else if rest.starts_with(b"null") {
            tok.kind = Tok::Null;
            self.pos += 4;
        } else if self.invalid_numbers && self.is_invalid_number() {
            self.number_token(&mut tok);
        } else {
            tok.kind = Tok::Error("invalid token");
        }
        tok
    }

    /// Number forms `strtod` takes but JSON does not: leading `+`, hexadecimal, leading zeros,
    /// infinity and NaN.
    fn is_invalid_number(&self) -> bool {
        let mut p = self.pos;
        match self.at(p) {
            b'+' => return true,
            b'-' => p += 1,
            _ => {}
        }
        let c = self.at(p);
        if c == b'0' {
            let c2 = self.at(p + 1);
            return c2 | 0x20 == b'x' || c2.is_ascii_digit();
        }
        if c <= b'9' {
            return false;
        }
        let word = |w: &[u8]| (0..w.len()).all(|i| self.at(p + i).eq_ignore_ascii_case(&w[i]));
        word(b"inf") || word(b"nan")
    }

    fn number_token(&mut self, tok: &mut Token) {
        match strtod(&self.data[self.pos..]) {
            Some((n, len)) => {
                tok.kind = Tok::Number;
                tok.number = n;
                self.pos += len;
            }
            None => tok.kind = Tok::Error("invalid number"),
        }
    }

    fn string_token(&mut self, tok: &mut Token) {
        self.pos += 1;
        let mut s = std::mem::take(&mut self.string);
        s.clear();
        let ok = self.string_body(tok, &mut s);
        self.string = s;
        if ok {
            tok.kind = Tok::String;
        }
    }

    /// The characters of a string token up to the closing quote, which is consumed.
    fn string_body(&mut self, tok: &mut Token, s: &mut Vec<u8>) -> bool {
        loop {
            let c = self.at(self.pos);
            if c == b'"' {
                break;
            }
            if c == 0 {
                self.token_error(tok, "unexpected end of string");
                return false;
            }
            if c != b'\\' {
                s.push(c);
                self.pos += 1;
                continue;
            }
            let unescaped = match self.at(self.pos + 1) {
                b'"' => b'"',
                b'\\' => b'\\',
                b'/' => b'/',
                b'b' => b'\x08',
                b't' => b'\t',
                b'n' => b'\n',
                b'f' => b'\x0c',
                b'r' => b'\r',
                b'u' => {
                    if !self.unicode_escape(s) {
                        self.token_error(tok, "invalid unicode escape code");
                        return false;
                    }
                    continue;
                }
                _ => {
                    self.token_error(tok, "invalid escape code");
                    return false;
                }
            };
            s.push(unescaped);
            self.pos += 2;
        }
        self.pos += 1;
        true
    }

    /// An error inside a token is reported where the scan stopped.
    fn token_error(&self, tok: &mut Token, what: &'static str) {
        tok.kind = Tok::Error(what);
        tok.index = self.pos;
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let mut v = 0;
        for i in 0..4 {
            v = v << 4 | (self.at(at + i) as char).to_digit(16)?;
        }
        Some(v)
    }

    /// `\uXXXX` (or a surrogate pair of them) at `pos`, appended as UTF-8.
    fn unicode_escape(&mut self, s: &mut Vec<u8>) -> bool {
        let Some(mut cp) = self.hex4(self.pos + 2) else {
            return false;
        };
        let mut len = 6;
        if cp & 0xF800 == 0xD800 {
            // Must be a high surrogate followed by an escaped low one.
            if cp & 0x400 != 0 || self.at(self.pos + 6) != b'\\' || self.at(self.pos + 7) != b'u' {
                return false;
            }
            let Some(low) = self.hex4(self.pos + 8) else {
                return false;
            };
            if low & 0xFC00 != 0xDC00 {
                return false;
            }
            cp = (((cp & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000;
            len = 12;
        }
        // Lone surrogates were refused above, so this is a valid character.
        let Some(ch) = char::from_u32(cp) else {
            return false;
        };
        s.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
        self.pos += len;
        true
    }
}

/// `cjson.decode(text)`.
fn decode(lua: &Lua, args: &[Value], cfg: &Config) -> Result<MultiValue, Raise> {
    if args.len() != 1 {
        return Err(Raise::Arg(1, b"expected 1 argument".to_vec()));
    }
    let text = check_string(lua, args, 1)?;
    let text = text.as_bytes();
    if text.len() >= 2 && (text[0] == 0 || text[1] == 0) {
        return Err(Raise::Msg(
            b"JSON parser does not support UTF-16 or UTF-32".to_vec(),
        ));
    }
    let mut p = Parser {
        data: &text,
        pos: 0,
        invalid_numbers: cfg.decode_invalid_numbers != 0,
        string: Vec::new(),
    };
    let expected = |what: &str, tok: &Token| {
        let msg = format!(
            "Expected {what} but found {} at character {}",
            tok.kind.name(),
            tok.index + 1
        );
        Raise::Msg(msg.into_bytes())
    };
    // The containers being filled, like the tables being written when encoding: the innermost
    // one with its pending key (nil in arrays) is held here, the outer ones in a Lua table.
    // `next` holds the next array index, or 0 for an object.
    let mut next: Vec<i64> = Vec::new();
    let mut inner: Option<(Table, Value)> = None;
    let mut outer: Option<Table> = None;
    // Stack slots the C decoder would be using: the argument, one per enclosing array (the
    // table), two per enclosing object (table and key).
    let mut slots = 1usize;
    let mut tok = p.next_token();
    loop {
        // `tok` starts a value.
        let mut value = match tok.kind {
            Tok::String => Value::String(lua.create_string(&p.string)?),
            Tok::Number => Value::Number(tok.number),
            Tok::Boolean => Value::Boolean(tok.boolean),
            Tok::Null => Value::LightUserData(LightUserData(std::ptr::null_mut())),
            Tok::ArrBegin | Tok::ObjBegin => {
                let is_array = tok.kind == Tok::ArrBegin;
                let depth = next.len() + 1;
                let needed = if is_array { 2 } else { 3 };
                if depth > cfg.decode_max_depth as usize || slots + needed > MAX_C_STACK {
                    let msg = format!(
                        "Found too many nested data structures ({depth}) at character {}",
                        p.pos
                    );
                    return Err(Raise::Msg(msg.into_bytes()));
                }
                let t = lua.create_table()?;
                tok = p.next_token();
                if tok.kind == if is_array { Tok::ArrEnd } else { Tok::ObjEnd } {
                    Value::Table(t)
                } else {
                    let key = if is_array {
                        Value::Nil
                    } else {
                        object_key(lua, &mut p, &tok, &expected)?
                    };
                    if let Some((parent, parent_key)) = inner.take() {
                        let d = next.len() as i64;
                        let o = match &outer {
                            Some(o) => o,
                            None => outer.insert(lua.create_table()?),
                        };
                        o.raw_set(2 * d - 1, parent)?;
                        o.raw_set(2 * d, parent_key)?;
                    }
                    inner = Some((t, key));
                    next.push(if is_array { 1 } else { 0 });
                    slots += if is_array { 1 } else { 2 };
                    if !is_array {
                        tok = p.next_token();
                    }
                    continue;
                }
            }
            _ => return Err(expected("value", &tok)),
        };
        // Store the finished value in its container, closing containers that end here.
        loop {
            let Some(index) = next.last_mut() else {
                let tok = p.next_token();
                if tok.kind != Tok::End {
                    return Err(expected("the end", &tok));
                }
                return Ok(MultiValue::from_vec(vec![value]));
            };
            let (t, key) = inner.as_mut().expect("innermost container");
            let is_array = *index > 0;
            if is_array {
                t.raw_set(*index, value)?;
                *index += 1;
            } else {
                t.raw_set(std::mem::replace(key, Value::Nil), value)?;
            }
            tok = p.next_token();
            if tok.kind == if is_array { Tok::ArrEnd } else { Tok::ObjEnd } {
                let (t, _) = inner.take().expect("innermost container");
                next.pop();
                slots -= if is_array { 1 } else { 2 };
                let d = next.len() as i64;
                if let (Some(o), 1..) = (&outer, d) {
                    inner = Some((o.raw_get(2 * d - 1)?, o.raw_get(2 * d)?));
                }
                value = Value::Table(t);
                continue;
            }
            if tok.kind != Tok::Comma {
                let what = if is_array {
                    "comma or array end"
                } else {
                    "comma or object end"
                };
                return Err(expected(what, &tok));
            }
            tok = p.next_token();
            if !is_array {
                *key = object_key(lua, &mut p, &tok, &expected)?;
                tok = p.next_token();
            }
            break;
        }
    }
}

/// A key string `tok` and the colon after it.
fn object_key(
    lua: &Lua,
    p: &mut Parser,
    tok: &Token,
    expected: &dyn Fn(&str, &Token) -> Raise,
) -> Result<Value, Raise> {
    if tok.kind != Tok::String {
        return Err(expected("object key string", tok));
    }
    let key = Value::String(lua.create_string(&p.string)?);
    let colon = p.next_token();
    if colon.kind != Tok::Colon {
        return Err(expected("colon", &colon));
    }
    Ok(key)
}

/// glibc's `strtod` in the C locale: the number at the start of `s` and the bytes it takes,
/// or None if there is none. Besides decimals it reads hexadecimal numbers (with binary
/// exponents), `inf`, `infinity` and `nan`, `nan(chars)`, in any case.
fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let word = |i: usize, w: &[u8]| (0..w.len()).all(|k| at(i + k).eq_ignore_ascii_case(&w[k]));
    let mut i = 0;
    while matches!(at(i), b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let negative = at(i) == b'-';
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let sign = |x: f64| if negative { -x } else { x };
    if word(i, b"inf") {
        i += if word(i + 3, b"inity") { 8 } else { 3 };
        return Some((sign(f64::INFINITY), i));
    }
    if word(i, b"nan") {
        i += 3;
        let mut nan = f64::NAN;
        if at(i) == b'(' {
            let mut j = i + 1;
            while at(j).is_ascii_alphanumeric() || at(j) == b'_' {
                j += 1;
            }
            if at(j) == b')' {
                // glibc puts the number in the parentheses into the mantissa (below the quiet
                // bit) when strtoull reads all of it.
                if let Some(payload) = nan_payload(&s[i + 1..j]) {
                    nan = f64::from_bits(nan.to_bits() | (payload & 0x0007_ffff_ffff_ffff));
                }
                i = j + 1;
            }
        }
        return Some((sign(nan), i));
    }
    if at(i) == b'0' && at(i + 1) | 0x20 == b'x' {
        return Some(match hex_float(s, i + 2) {
            Some((x, end)) => (sign(x), end),
            // "0x" without digits: just the 0.
            None => (sign(0.0), i + 1),
        });
    }
    let start = i;
    let mut digits = 0;
    while at(i).is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if at(i) == b'.' {
        i += 1;
        while at(i).is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if at(i) | 0x20 == b'e' {
        let mut j = i + 1;
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            while at(j).is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    // Rust's parser is correctly rounded for any length, as glibc's is.
    let text = std::str::from_utf8(&s[start..i]).ok()?;
    let x: f64 = text.parse().ok()?;
    Some((sign(x), i))
}

/// `strtoull(seq, &end, 0)` if it reads all of `seq` (saturating like strtoull); an empty
/// `seq` reads as 0.
fn nan_payload(seq: &[u8]) -> Option<u64> {
    let (digits, radix) = match seq {
        [b'0', x, d, ..] if x | 0x20 == b'x' && d.is_ascii_hexdigit() => (&seq[2..], 16),
        [b'0', ..] => (seq, 8),
        _ => (seq, 10),
    };
    digits.iter().try_fold(0u64, |v, &c| {
        let d = (c as char).to_digit(radix)? as u64;
        Some(
            v.checked_mul(radix as u64)
                .and_then(|v| v.checked_add(d))
                .unwrap_or(u64::MAX),
        )
    })
}

/// The hexadecimal digits (and binary exponent) starting at `s[i]`, correctly rounded (half to
/// even), with where they end; None if there are no digits.
fn hex_float(s: &[u8], mut i: usize) -> Option<(f64, usize)> {
    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut mant: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut any = false;
    let mut seen_point = false;
    loop {
        let c = at(i);
        if c == b'.' && !seen_point {
            seen_point = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else {
            break;
        };
        any = true;
        i += 1;
        if mant >> 60 == 0 {
            mant = mant << 4 | d as u64;
            if seen_point {
                exp2 -= 4;
            }
        } else {
            // Beyond 64 bits only whether anything is non-zero matters.
            sticky |= d != 0;
            if !seen_point {
                exp2 += 4;
            }
        }
    }
    if !any {
        return None;
    }
    if at(i) | 0x20 == b'p' {
        let mut j = i + 1;
        let negative = at(j) == b'-';
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        if at(j).is_ascii_digit() {
            let mut e: i64 = 0;
            while at(j).is_ascii_digit() {
                e = (e * 10 + (at(j) - b'0') as i64).min(1 << 40);
                j += 1;
            }
            exp2 += if negative { -e } else { e };
            i = j;
        }
    }
    if mant == 0 {
        return Some((0.0, i));
    }
    // Round mant * 2^exp2 to 53 significant bits (fewer for subnormals).
    let top = exp2 + 63 - mant.leading_zeros() as i64;
    let q = (top - 52).max(-1074);
    let shift = q - exp2;
    let mut r = mant;
    if shift > 0 {
        let (kept, rest, half) = if shift >= 64 {
            (0, mant as u128, 1u128 << (shift - 1).min(127))
        } else {
            (
                mant >> shift,
                (mant & ((1u64 << shift) - 1)) as u128,
                1u128 << (shift - 1),
            )
        };
        r = kept;
        if rest > half || (rest == half && (sticky || r & 1 == 1)) {
            r += 1;
        }
    }
    if top > 1023 {
        return Some((f64::INFINITY, i));
    }
    // r <= 2^53, so the product is exact unless it overflows to infinity.
    let x = if shift >= 0 {
        r as f64 * pow2(q)
    } else {
        r as f64 * pow2(exp2)
    };
    Some((x, i))
}

/// 2^e for -1074 <= e <= 1023, exactly.
fn pow2(e: i64) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
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

    #[test]
    fn encodes_like_lua_cjson() {
        assert_eq!(
            eval("return cjson.encode({1, 2.5, 'a/b', true, cjson.null})"),
            r#"[1,2.5,"a\/b",true,null]"#
        );
        assert_eq!(eval("return cjson.encode({})"), "{}");
        assert_eq!(eval("return cjson.encode({[3] = 1})"), "[null,null,1]");
        assert_eq!(
            eval("return cjson.encode({1/3, 1e20, 0.1, -0.0})"),
            "[0.33333333333333,1e+20,0.1,-0]"
        );
        assert_eq!(
            eval("return cjson.encode({a = {b = {}}})"),
            r#"{"a":{"b":{}}}"#
        );
        assert_eq!(
            eval("return select(2, pcall(cjson.encode, {[20] = 1}))"),
            "Cannot serialise table: excessively sparse array"
        );
    }

    #[test]
    fn decodes_like_lua_cjson() {
        assert_eq!(
            eval(r#"return cjson.decode('{"a":[1,"\\u00e9\\ud83d\\ude00",null]}').a[2]"#),
            "é😀"
        );
        assert_eq!(
            eval("return tostring(cjson.decode('0x10') + cjson.decode(' 1e2 '))"),
            "116"
        );
        assert_eq!(
            eval("return select(2, pcall(cjson.decode, '[1,]'))"),
            "Expected value but found T_ARR_END at character 4"
        );
        assert_eq!(
            eval("return select(2, pcall(function() return cjson.decode('x') end))"),
            "t:1: Expected value but found invalid token at character 1"
        );
    }

    #[test]
    fn formats_like_printf_g() {
        let g = |x: f64, p: usize| {
            let mut out = Vec::new();
            format_g(x, p, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(g(123456789012345.0, 14), "1.2345678901234e+14");
        assert_eq!(g(0.0001, 14), "0.0001");
        assert_eq!(g(0.00001, 14), "1e-05");
        assert_eq!(g(0.125, 2), "0.12");
        assert_eq!(g(5e-324, 14), "4.9406564584125e-324");
        assert_eq!(g(f64::NEG_INFINITY, 14), "-inf");
    }
}
