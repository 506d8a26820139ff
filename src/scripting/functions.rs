//! Function libraries (`FUNCTION LOAD`, `FCALL`): the server-wide registry of libraries and
//! their functions, the `#!lua name=...` header, and the `FUNCTION DUMP` payload (Redis's
//! RDB encoding of libraries, so a dump from either server restores into the other).
//!
//! The registry holds what each library declared; the compiled callbacks live in each
//! thread's function interpreter, which loads every library again when the registry's
//! generation changes (see [`super::engine`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::RwLock;

use super::ScriptFlags;
use crate::error::Error;

/// One function a library registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    pub name: Bytes,
    pub description: Option<Bytes>,
    pub flags: ScriptFlags,
}

/// A loaded library.
#[derive(Debug, Clone)]
pub struct Library {
    pub name: Bytes,
    /// The code as loaded, header included (`FUNCTION LIST WITHCODE`, `FUNCTION DUMP`).
    pub code: Bytes,
    pub functions: Vec<FunctionInfo>,
}

impl Library {
    /// The code after the header line (its line feed kept, so line numbers stay the
    /// user's): what the engine runs.
    pub fn body(&self) -> &[u8] {
        let end = self
            .code
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.code.len());
        &self.code[end..]
    }
}

/// The libraries of the server.
#[derive(Debug, Default, Clone)]
pub struct LibrarySet {
    pub libraries: BTreeMap<Bytes, Library>,
    /// Function name, lowercase (Redis looks functions up case-insensitively) → library
    /// name.
    pub functions: BTreeMap<Bytes, Bytes>,
}

impl LibrarySet {
    /// The function `name` and its library.
    pub fn function(&self, name: &[u8]) -> Option<(&Library, &FunctionInfo)> {
        let library = self.libraries.get(self.functions.get(&lowercase(name))?)?;
        let function = library
            .functions
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))?;
        Some((library, function))
    }

    /// Adds `library`, unless a function of it already exists elsewhere (Redis's
    /// `libraryLink` after its collision check).
    pub fn link(&mut self, library: Library) -> Result<(), Error> {
        for function in &library.functions {
            if self.functions.contains_key(&lowercase(&function.name)) {
                return Err(Error::err(format!(
                    "Function {} already exists",
                    String::from_utf8_lossy(&function.name)
                )));
            }
        }
        for function in &library.functions {
            self.functions
                .insert(lowercase(&function.name), library.name.clone());
        }
        self.libraries.insert(library.name.clone(), library);
        Ok(())
    }

    /// Removes the library `name` and its functions.
    pub fn unlink(&mut self, name: &[u8]) -> Option<Library> {
        let library = self.libraries.remove(name)?;
        for function in &library.functions {
            self.functions.remove(&lowercase(&function.name));
        }
        Some(library)
    }

    pub fn function_count(&self) -> usize {
        self.functions.len()
    }
}

fn lowercase(name: &[u8]) -> Bytes {
    Bytes::from(name.to_ascii_lowercase())
}

/// The registry every thread reads.
#[derive(Default)]
pub struct Functions {
    set: RwLock<LibrarySet>,
    /// Changed by `FUNCTION FLUSH`: the interpreter starts over.
    generation: AtomicU64,
    /// Changed by every change of the set: the interpreter loads what changed.
    version: AtomicU64,
}

impl Functions {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// Makes the function interpreter start over (`FUNCTION FLUSH`, `FUNCTION RESTORE ...
    /// FLUSH`), so no state of a removed library survives.
    pub fn restart_interpreter(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// A copy of the libraries (to load them into an interpreter, list or dump them).
    pub fn snapshot(&self) -> LibrarySet {
        self.set.read().clone()
    }

    pub fn read<T>(&self, f: impl FnOnce(&LibrarySet) -> T) -> T {
        f(&self.set.read())
    }

    /// Changes the set; a failed change leaves it as it was.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut LibrarySet) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut set = self.set.write();
        let mut changed = set.clone();
        let out = f(&mut changed)?;
        *set = changed;
        self.version.fetch_add(1, Ordering::AcqRel);
        Ok(out)
    }
}

/// Redis's `functionsVerifyName`: letters, digits and underscores, at least one.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

pub const INVALID_NAME: &str = "Library names can only contain letters, numbers, or \
                                underscores(_) and must be at least one character long";

/// The library name of a `#!lua name=<name>` header (Redis's
/// `functionExtractLibMetaData` and the checks after it).
pub fn library_name(code: &[u8]) -> Result<Bytes, Error> {
    if !code.starts_with(b"#!") {
        return Err(Error::err("Missing library metadata"));
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err(Error::err("Invalid library metadata"));
    };
    let parts = super::split_args(&code[..end])
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::err("Invalid library metadata"))?;
    let engine = &parts[0][2..];
    let mut name: Option<&[u8]> = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(Error::err(
                    "Invalid metadata value, name argument was given multiple times",
                ));
            }
            name = Some(&part[5..]);
            continue;
        }
        return Err(Error::err(format!(
            "Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        )));
    }
    let Some(name) = name else {
        return Err(Error::err("Library name was not given"));
    };
    if !valid_name(name) {
        return Err(Error::err(INVALID_NAME));
    }
    if !engine.eq_ignore_ascii_case(b"lua") {
        return Err(Error::err(format!(
            "Engine '{}' not found",
            String::from_utf8_lossy(engine)
        )));
    }
    Ok(Bytes::copy_from_slice(name))
}

// --- The DUMP payload ----------------------------------------------------------------

/// `RDB_OPCODE_FUNCTION2`: a library's code follows.
const OPCODE_FUNCTION2: u8 = 245;
/// The RDB version Redis 7.0 writes.
const RDB_VERSION: u16 = 10;

/// `FUNCTION DUMP`: each library as `RDB_OPCODE_FUNCTION2` and its code as an RDB string,
/// then the RDB version and a CRC-64 of everything before it.
pub fn dump(set: &LibrarySet) -> Vec<u8> {
    let mut out = Vec::new();
    for library in set.libraries.values() {
        out.push(OPCODE_FUNCTION2);
        write_length(&mut out, library.code.len() as u64);
        out.extend_from_slice(&library.code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The library codes of a `FUNCTION RESTORE` payload.
pub fn parse_dump(payload: &[u8]) -> Result<Vec<Bytes>, Error> {
    let wrong = || Error::err("DUMP payload version or checksum are wrong");
    if payload.len() < 10 {
        return Err(wrong());
    }
    let (body, footer) = payload.split_at(payload.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return Err(wrong());
    }
    let crc = u64::from_le_bytes(footer[2..10].try_into().expect("8 bytes"));
    if crc64(0, &payload[..payload.len() - 8]) != crc {
        return Err(wrong());
    }
    let mut codes = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let opcode = body[at];
        at += 1;
        if opcode != OPCODE_FUNCTION2 {
            return Err(Error::err("given type is not a function"));
        }
        let code = read_string(body, &mut at)
            .ok_or_else(|| Error::err("failed loading the given functions payload"))?;
        codes.push(Bytes::from(code));
    }
    Ok(codes)
}

fn write_length(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// An RDB length: `Ok((value, false))`, or `Ok((kind, true))` for a special encoding.
fn read_length(data: &[u8], at: &mut usize) -> Option<(u64, bool)> {
    let first = *data.get(*at)?;
    *at += 1;
    Some(match first >> 6 {
        0 => ((first & 0x3f) as u64, false),
        1 => {
            let second = *data.get(*at)?;
            *at += 1;
            ((((first & 0x3f) as u64) << 8) | second as u64, false)
        }
        2 if first == 0x80 => {
            let bytes = data.get(*at..*at + 4)?;
            *at += 4;
            (u32::from_be_bytes(bytes.try_into().ok()?) as u64, false)
        }
        2 if first == 0x81 => {
            let bytes = data.get(*at..*at + 8)?;
            *at += 8;
            (u64::from_be_bytes(bytes.try_into().ok()?), false)
        }
        2 => return None,
        _ => ((first & 0x3f) as u64, true),
    })
}

/// An RDB string: raw, an encoded integer, or LZF-compressed.
fn read_string(data: &[u8], at: &mut usize) -> Option<Vec<u8>> {
    let (len, special) = read_length(data, at)?;
    if !special {
        let bytes = data.get(*at..*at + len as usize)?;
        *at += len as usize;
        return Some(bytes.to_vec());
    }
    let int_bytes = |n: usize, at: &mut usize| -> Option<i64> {
        let bytes = data.get(*at..*at + n)?;
        *at += n;
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(bytes);
        // Sign-extend from n bytes.
        let shift = 64 - 8 * n as u32;
        Some((i64::from_le_bytes(le) << shift) >> shift)
    };
    match len {
        0 => int_bytes(1, at).map(|n| n.to_string().into_bytes()),
        1 => int_bytes(2, at).map(|n| n.to_string().into_bytes()),
        2 => int_bytes(4, at).map(|n| n.to_string().into_bytes()),
        3 => {
            let (compressed, _) = read_length(data, at)?;
            let (plain, _) = read_length(data, at)?;
            let input = data.get(*at..*at + compressed as usize)?;
            *at += compressed as usize;
            lzf_decompress(input, plain as usize)
        }
        _ => None,
    }
}

/// LZF decompression (liblzf's format, as Redis writes compressed RDB strings).
fn lzf_decompress(input: &[u8], expected: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(expected);
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let literal = input.get(i..i + ctrl + 1)?;
            out.extend_from_slice(literal);
            i += ctrl + 1;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i)? as usize;
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            let start = out.len().checked_sub(back)?;
            for k in 0..len + 2 {
                let byte = out[start + k];
                out.push(byte);
            }
        }
        if out.len() > expected {
            return None;
        }
    }
    (out.len() == expected).then_some(out)
}

/// Redis's CRC-64 (Jones polynomial, reflected, no final xor).
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    const POLY: u64 = 0x95ac_9329_ac4b_c9b5;
    for &byte in data {
        crc ^= byte as u64;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_matches_redis() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn dump_round_trips() {
        let mut set = LibrarySet::default();
        let code =
            Bytes::from_static(b"#!lua name=x\nredis.register_function('f', function() end)");
        set.link(Library {
            name: Bytes::from_static(b"x"),
            code: code.clone(),
            functions: vec![],
        })
        .unwrap();
        let payload = dump(&set);
        assert_eq!(parse_dump(&payload).unwrap(), vec![code]);
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert!(parse_dump(&bad).is_err());
    }

    #[test]
    fn lzf_back_references() {
        // "abcabcabc": literal "abc", then a 6-byte copy from 3 back.
        let input = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(lzf_decompress(&input, 9).unwrap(), b"abcabcabc");
    }

    #[test]
    fn headers() {
        let name = |code: &[u8]| library_name(code).map_err(|e| e.message().into_owned());
        assert_eq!(name(b"#!lua name=mylib\n").unwrap(), "mylib");
        assert_eq!(
            name(b"return 1").unwrap_err(),
            "ERR Missing library metadata"
        );
        assert_eq!(
            name(b"#!lua name=a").unwrap_err(),
            "ERR Invalid library metadata"
        );
        assert_eq!(
            name(b"#!lua foo=bar\n").unwrap_err(),
            "ERR Invalid metadata value given: foo=bar"
        );
        assert_eq!(
            name(b"#!lua\n").unwrap_err(),
            "ERR Library name was not given"
        );
        assert_eq!(
            name(b"#!js name=x\n").unwrap_err(),
            "ERR Engine 'js' not found"
        );
    }
}
