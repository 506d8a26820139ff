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
use crate::persist::format::{In, Out, open_payload, seal_payload};

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

/// `FUNCTION DUMP`: each library as `RDB_OPCODE_FUNCTION2` and its code as an RDB string
/// (LZF-compressed under `rdbcompression`, as Redis's `rdbSaveFunctions`), then the RDB
/// version and a CRC-64 of everything before it.
pub fn dump(set: &LibrarySet, compress: bool) -> Vec<u8> {
    let mut out = Out::new(compress);
    for library in set.libraries.values() {
        out.byte(OPCODE_FUNCTION2);
        out.string(&library.code);
    }
    seal_payload(&mut out);
    out.buf
}

/// The library codes of a `FUNCTION RESTORE` payload.
pub fn parse_dump(payload: &[u8]) -> Result<Vec<Bytes>, Error> {
    let body = open_payload(payload, true)
        .ok_or_else(|| Error::err("DUMP payload version or checksum are wrong"))?;
    let mut input = In::new(body);
    let mut codes = Vec::new();
    while input.offset < body.len() as u64 {
        if input.byte().ok() != Some(OPCODE_FUNCTION2) {
            return Err(Error::err("given type is not a function"));
        }
        let code = input
            .bulk()
            .map_err(|_| Error::err("failed loading the given functions payload"))?;
        codes.push(code);
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let payload = dump(&set, true);
        assert_eq!(parse_dump(&payload).unwrap(), vec![code]);
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert!(parse_dump(&bad).is_err());
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
