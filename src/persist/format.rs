//! The primitives of Redis's RDB format, shared by files, DUMP payloads and FUNCTION DUMP:
//! lengths, strings (integer-encoded, LZF-compressed or verbatim), doubles, times, and the
//! CRC-64 that seals a file or payload.
//!
//! [`Out`] writes into memory (a snapshot is serialized in chunks, a DUMP payload whole);
//! [`In`] reads from any [`Read`] (a file or a byte slice) and never allocates more than the
//! input can back: a length read from a corrupt or hostile payload is only trusted as far
//! as bytes actually arrive.

use std::io::Read;

use bytes::Bytes;
use crc::{CRC_64_REDIS, Crc, Digest, Table};

use super::element::string_to_i64;
use super::lzf;

/// The RDB version Redis 7.0 writes and the newest it reads.
pub const RDB_VERSION: u16 = 10;

/// Redis's CRC-64 (Jones polynomial, reflected), table-driven 16 bytes at a time.
pub static CRC64: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_REDIS);

/// CRC-64 of `data` as Redis's `crc64(0, data, len)`.
pub fn crc64(data: &[u8]) -> u64 {
    CRC64.checksum(data)
}

/// Ends a DUMP-style payload (`DUMP`, `FUNCTION DUMP`): the RDB version (2 bytes) and the
/// CRC-64 of everything before (8 bytes), both little-endian.
pub fn seal_payload(out: &mut Out) {
    out.raw(&RDB_VERSION.to_le_bytes());
    let crc = crc64(&out.buf);
    out.raw(&crc.to_le_bytes());
}

/// The body of a DUMP-style payload whose footer checks out (`verifyDumpPayload`): a
/// version this server reads and, when `verify_checksum`, the right CRC-64. `None` means
/// Redis's `DUMP payload version or checksum are wrong`.
pub fn open_payload(payload: &[u8], verify_checksum: bool) -> Option<&[u8]> {
    if payload.len() < 10 {
        return None;
    }
    let (body, footer) = payload.split_at(payload.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return None;
    }
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    if verify_checksum && crc64(&payload[..payload.len() - 8]) != crc {
        return None;
    }
    Some(body)
}

// Length encodings: the two top bits of the first byte.
const LEN_6BIT: u8 = 0;
const LEN_14BIT: u8 = 1;
const LEN_32BIT: u8 = 0x80;
const LEN_64BIT: u8 = 0x81;
const ENCVAL: u8 = 3;

// Special string encodings (after an ENCVAL length byte).
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// Serializes RDB primitives into a growing buffer.
pub struct Out {
    pub buf: Vec<u8>,
    /// `rdbcompression`: strings longer than 20 bytes are LZF-compressed when that saves at
    /// least four bytes.
    compress: bool,
}

impl Out {
    pub fn new(compress: bool) -> Out {
        Out {
            buf: Vec::new(),
            compress,
        }
    }

    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// `rdbSaveLen`.
    pub fn length(&mut self, len: u64) {
        if len < 1 << 6 {
            self.buf.push(len as u8 | (LEN_6BIT << 6));
        } else if len < 1 << 14 {
            self.buf.push((len >> 8) as u8 | (LEN_14BIT << 6));
            self.buf.push(len as u8);
        } else if len <= u32::MAX as u64 {
            self.buf.push(LEN_32BIT);
            self.buf.extend_from_slice(&(len as u32).to_be_bytes());
        } else {
            self.buf.push(LEN_64BIT);
            self.buf.extend_from_slice(&len.to_be_bytes());
        }
    }

    /// `rdbSaveRawString`: a short canonical integer as an 8/16/32-bit integer, a long
    /// string LZF-compressed when that pays, anything else verbatim.
    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 11
            && let Some(n) = string_to_i64(s)
            && self.int_encoded(n)
        {
            return;
        }
        if self.compress
            && s.len() > 20
            && let Some(packed) = lzf::compress(s, s.len() - 4)
        {
            self.buf.push((ENCVAL << 6) | ENC_LZF);
            self.length(packed.len() as u64);
            self.length(s.len() as u64);
            self.buf.extend_from_slice(&packed);
            return;
        }
        self.length(s.len() as u64);
        self.buf.extend_from_slice(s);
    }

    /// `rdbEncodeInteger`: writes `n` as an encoded integer if it fits 32 bits.
    fn int_encoded(&mut self, n: i64) -> bool {
        if let Ok(n) = i8::try_from(n) {
            self.buf
                .extend_from_slice(&[(ENCVAL << 6) | ENC_INT8, n as u8]);
        } else if let Ok(n) = i16::try_from(n) {
            self.buf.push((ENCVAL << 6) | ENC_INT16);
            self.buf.extend_from_slice(&n.to_le_bytes());
        } else if let Ok(n) = i32::try_from(n) {
            self.buf.push((ENCVAL << 6) | ENC_INT32);
            self.buf.extend_from_slice(&n.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// A time in Unix milliseconds, little-endian (`rdbSaveMillisecondTime`).
    pub fn ms_time(&mut self, ms: i64) {
        self.buf.extend_from_slice(&ms.to_le_bytes());
    }

    /// An IEEE 754 double, little-endian (`rdbSaveBinaryDoubleValue`).
    pub fn binary_double(&mut self, value: f64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }
}

/// Why an RDB file or payload could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// The input ended early (`Unexpected EOF reading RDB file`).
    Eof,
    Io(std::io::Error),
    /// Malformed content, with what was wrong.
    Corrupt(String),
    /// Well-formed content Memorabilia cannot hold (a module or stream value).
    Unsupported(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Eof => f.write_str("Unexpected EOF reading RDB file"),
            LoadError::Io(e) => write!(f, "I/O error reading RDB file: {e}"),
            LoadError::Corrupt(what) => write!(f, "Bad RDB data: {what}"),
            LoadError::Unsupported(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for LoadError {}

pub fn corrupt(what: impl Into<String>) -> LoadError {
    LoadError::Corrupt(what.into())
}

impl From<super::element::Corrupt> for LoadError {
    fn from(e: super::element::Corrupt) -> LoadError {
        LoadError::Corrupt(e.0.to_string())
    }
}

/// A length as read: a plain count, or the tag of a specially encoded string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    Plain(u64),
    Encoded(u8),
}

/// Reads RDB primitives from `R`, keeping the CRC-64 of everything read.
pub struct In<R> {
    src: R,
    digest: Digest<'static, u64, Table<16>>,
    /// Bytes read so far.
    pub offset: u64,
}

/// Reads of untrusted lengths grow their buffer at most this much at a time.
const READ_CHUNK: usize = 1 << 20;

impl<R: Read> In<R> {
    pub fn new(src: R) -> In<R> {
        In {
            src,
            digest: CRC64.digest(),
            offset: 0,
        }
    }

    /// The CRC-64 of everything read so far.
    pub fn checksum(&self) -> u64 {
        self.digest.clone().finalize()
    }

    /// Fills `buf` exactly.
    pub fn exact(&mut self, buf: &mut [u8]) -> Result<(), LoadError> {
        self.src.read_exact(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => LoadError::Eof,
            _ => LoadError::Io(e),
        })?;
        self.digest.update(buf);
        self.offset += buf.len() as u64;
        Ok(())
    }

    /// `len` bytes, trusting `len` only as far as bytes arrive.
    pub fn bytes(&mut self, len: u64) -> Result<Vec<u8>, LoadError> {
        let len = usize::try_from(len).map_err(|_| corrupt("length out of range"))?;
        let mut out = Vec::with_capacity(len.min(READ_CHUNK));
        while out.len() < len {
            let start = out.len();
            let take = (len - start).min(READ_CHUNK);
            out.resize(start + take, 0);
            self.exact(&mut out[start..])?;
        }
        Ok(out)
    }

    pub fn byte(&mut self) -> Result<u8, LoadError> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Ok(b[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], LoadError> {
        let mut b = [0u8; N];
        self.exact(&mut b)?;
        Ok(b)
    }

    /// `rdbLoadLenByRef`.
    pub fn len_or_encoding(&mut self) -> Result<Len, LoadError> {
        let first = self.byte()?;
        Ok(match first >> 6 {
            ENCVAL => Len::Encoded(first & 0x3f),
            0 => Len::Plain((first & 0x3f) as u64),
            1 => Len::Plain((((first & 0x3f) as u64) << 8) | self.byte()? as u64),
            _ if first == LEN_32BIT => Len::Plain(u32::from_be_bytes(self.array()?) as u64),
            _ if first == LEN_64BIT => Len::Plain(u64::from_be_bytes(self.array()?)),
            _ => return Err(corrupt(format!("unknown length encoding {first}"))),
        })
    }

    /// A plain length (`rdbLoadLen` where an encoded string may not appear).
    pub fn length(&mut self) -> Result<u64, LoadError> {
        match self.len_or_encoding()? {
            Len::Plain(n) => Ok(n),
            Len::Encoded(_) => Err(corrupt("unexpected encoded length")),
        }
    }

    /// A string in any of its encodings (`rdbGenericLoadStringObject`).
    pub fn string(&mut self) -> Result<Vec<u8>, LoadError> {
        match self.len_or_encoding()? {
            Len::Plain(len) => self.bytes(len),
            Len::Encoded(ENC_INT8) => Ok((self.byte()? as i8).to_string().into_bytes()),
            Len::Encoded(ENC_INT16) => {
                Ok(i16::from_le_bytes(self.array()?).to_string().into_bytes())
            }
            Len::Encoded(ENC_INT32) => {
                Ok(i32::from_le_bytes(self.array()?).to_string().into_bytes())
            }
            Len::Encoded(ENC_LZF) => {
                let packed_len = self.length()?;
                let plain_len = self.length()?;
                let packed = self.bytes(packed_len)?;
                let plain_len =
                    usize::try_from(plain_len).map_err(|_| corrupt("length out of range"))?;
                lzf::decompress(&packed, plain_len)
                    .ok_or_else(|| corrupt("Invalid LZF compressed string"))
            }
            Len::Encoded(other) => Err(corrupt(format!("unknown string encoding {other}"))),
        }
    }

    /// A string as `Bytes`.
    pub fn bulk(&mut self) -> Result<Bytes, LoadError> {
        self.string().map(Bytes::from)
    }

    /// A double written as text with a length byte (RDB_TYPE_ZSET, `rdbLoadDoubleValue`).
    pub fn text_double(&mut self) -> Result<f64, LoadError> {
        match self.byte()? {
            255 => Ok(f64::NEG_INFINITY),
            254 => Ok(f64::INFINITY),
            253 => Ok(f64::NAN),
            len => {
                let text = self.bytes(len as u64)?;
                std::str::from_utf8(&text)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or_else(|| corrupt("invalid double"))
            }
        }
    }

    pub fn binary_double(&mut self) -> Result<f64, LoadError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    pub fn ms_time(&mut self) -> Result<i64, LoadError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub fn secs_time(&mut self) -> Result<i32, LoadError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub fn u64_le(&mut self) -> Result<u64, LoadError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_matches_redis() {
        assert_eq!(crc64(b"123456789"), 0xe9c6_d914_c4b8_d9ca);
    }

    #[test]
    fn lengths_round_trip() {
        for n in [
            0,
            63,
            64,
            16383,
            16384,
            u32::MAX as u64,
            u32::MAX as u64 + 1,
        ] {
            let mut out = Out::new(false);
            out.length(n);
            let mut input = In::new(&out.buf[..]);
            assert_eq!(input.length().unwrap(), n);
        }
    }

    #[test]
    fn strings_use_redis_encodings() {
        let enc = |s: &[u8]| {
            let mut out = Out::new(true);
            out.string(s);
            out.buf
        };
        assert_eq!(enc(b"12"), [0xc0, 12]);
        assert_eq!(enc(b"-129"), [0xc1, 0x7f, 0xff]);
        assert_eq!(enc(b"2147483647"), [0xc2, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(enc(b"2147483648"), b"\x0a2147483648");
        assert_eq!(enc(b"01"), b"\x0201");
        let long = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let packed = enc(long);
        assert_eq!(packed[0], 0xc3);
        for s in [&b"12"[..], b"-129", b"2147483648", b"", long] {
            let bytes = enc(s);
            assert_eq!(In::new(&bytes[..]).string().unwrap(), s);
        }
    }

    #[test]
    fn untrusted_lengths_do_not_allocate() {
        let mut out = Out::new(false);
        out.length(u32::MAX as u64);
        out.raw(b"abc");
        assert!(matches!(
            In::new(&out.buf[..]).string(),
            Err(LoadError::Eof)
        ));
    }
}
