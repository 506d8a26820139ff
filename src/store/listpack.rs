//! Redis 7.0's listpack (`listpack.c`) as a mutable in-memory structure: the byte layout
//! stream nodes live in (so a node is stored, dumped and loaded as the exact bytes
//! redis-server has), and the encoder the RDB writer shares.
//!
//! Layout: `total_bytes: u32 LE`, `count: u16 LE` (65535 = "unknown", once there are 65535
//! or more entries), the entries, then `0xFF`. Each entry is an encoding byte (plus length
//! bytes), the payload, and a "backlen": the entry's encoded size in 1-5 bytes, written so
//! it can be read right to left. Strings that are canonical integers (`string2ll`) are
//! stored as integers, as `lpAppend` does.
//!
//! Positions handed out ([`Listpack::first`], [`Listpack::next`], ...) are byte offsets of
//! an entry's first byte; they stay valid until the listpack is changed before them.

use super::numeric::parse_i64;

pub const HDR_SIZE: usize = 6;
pub const EOF: u8 = 0xFF;
pub const COUNT_UNKNOWN: u16 = u16::MAX;
const MAX_BACKLEN_SIZE: usize = 5;

/// One entry of a listpack (or ziplist), borrowed from its bytes: Redis stores strings that
/// look like canonical integers as integers, so an entry is either raw bytes or an `i64`;
/// both are strings at the Redis level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Element<'_> {
    /// The string Redis exposes for this entry; integers in `ll2string`'s decimal form.
    pub fn to_bytes(&self) -> bytes::Bytes {
        match *self {
            Element::Str(s) => bytes::Bytes::copy_from_slice(s),
            Element::Int(v) => bytes::Bytes::from(v.to_string()),
        }
    }

    /// The integer value: stored as one, or a string `string2ll` accepts.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Element::Str(s) => parse_i64(s),
            Element::Int(v) => Some(v),
        }
    }

    /// Whether this entry is the string `s` (integers compared by their decimal form).
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            Element::Str(own) => own == s,
            Element::Int(v) => parse_i64(s) == Some(v),
        }
    }

    /// Appends the string form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Element::Str(s) => out.extend_from_slice(s),
            Element::Int(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        }
    }

    /// The length of the string form.
    pub fn str_len(&self) -> usize {
        match *self {
            Element::Str(s) => s.len(),
            Element::Int(v) => itoa::Buffer::new().format(v).len(),
        }
    }
}

/// A complete listpack (header, entries, terminator), always valid.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Listpack({} bytes)", self.buf.len())
    }
}

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl Listpack {
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty listpack with room for `bytes` bytes, as `lpNew(capacity)`.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(bytes.max(HDR_SIZE + 1));
        buf.extend_from_slice(&((HDR_SIZE + 1) as u32).to_le_bytes());
        buf.extend_from_slice(&0u16.to_le_bytes());
        buf.push(EOF);
        Listpack { buf }
    }

    /// Takes bytes already validated as a listpack (a loaded RDB or RESTORE payload).
    pub fn from_validated(buf: Vec<u8>) -> Self {
        Listpack { buf }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// `lpBytes`: the total size, header and terminator included.
    pub fn bytes_len(&self) -> usize {
        self.buf.len()
    }

    /// Memory held, for `MEMORY USAGE`-like accounting.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// `lpShrinkToFit`: gives back the spare room of a node that will not grow any more.
    pub fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
    }

    /// The number of entries (counted when the header saturated).
    pub fn len(&self) -> usize {
        let count = u16::from_le_bytes([self.buf[4], self.buf[5]]);
        if count != COUNT_UNKNOWN {
            return usize::from(count);
        }
        let mut n = 0;
        let mut pos = self.first();
        while let Some(p) = pos {
            n += 1;
            pos = self.next(p);
        }
        n
    }

    pub fn is_empty(&self) -> bool {
        self.buf.len() == HDR_SIZE + 1
    }

    /// Appends a string as `lpAppend` does: canonical integers in the smallest integer
    /// encoding, anything else as a string.
    pub fn append(&mut self, s: &[u8]) {
        match parse_i64(s) {
            Some(v) => self.append_int(v),
            None => self.append_str(s),
        }
    }

    /// Appends an integer as `lpAppendInteger` does.
    pub fn append_int(&mut self, v: i64) {
        let start = self.open_tail();
        encode_int(v, &mut self.buf);
        self.close_tail(start);
    }

    /// Appends `s` as a string, never as an integer.
    pub fn append_str(&mut self, s: &[u8]) {
        let start = self.open_tail();
        encode_str(s, &mut self.buf);
        self.close_tail(start);
    }

    /// Removes the terminator so an entry can be written at the end; returns where it
    /// starts.
    fn open_tail(&mut self) -> usize {
        self.buf.pop();
        self.buf.len()
    }

    /// Ends the entry written since `start` with its backlen and the terminator.
    fn close_tail(&mut self, start: usize) {
        let (backlen, n) = encode_backlen(self.buf.len() - start);
        self.buf.extend_from_slice(&backlen[..n]);
        self.buf.push(EOF);
        self.set_header(1);
    }

    fn set_header(&mut self, added: isize) {
        let total = u32::try_from(self.buf.len()).expect("listpack larger than u32::MAX bytes");
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = u16::from_le_bytes([self.buf[4], self.buf[5]]);
        if count != COUNT_UNKNOWN {
            let new = (count as isize + added) as usize;
            let stored = if new >= usize::from(COUNT_UNKNOWN) {
                COUNT_UNKNOWN
            } else {
                new as u16
            };
            self.buf[4..6].copy_from_slice(&stored.to_le_bytes());
        }
    }

    /// Position of the first entry.
    pub fn first(&self) -> Option<usize> {
        (self.buf[HDR_SIZE] != EOF).then_some(HDR_SIZE)
    }

    /// Position of the last entry.
    pub fn last(&self) -> Option<usize> {
        if self.is_empty() {
            return None;
        }
        let end = self.buf.len() - 1;
        Some(end - self.entry_size_before(end))
    }

    /// The entry after the one at `pos`.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let next = pos + self.entry_size(pos);
        (self.buf[next] != EOF).then_some(next)
    }

    /// The entry before the one at `pos`.
    pub fn prev(&self, pos: usize) -> Option<usize> {
        (pos > HDR_SIZE).then(|| pos - self.entry_size_before(pos))
    }

    /// The entry at `pos` and the position after it (the terminator's at the end): one
    /// decoding for walks that read every element.
    pub fn read(&self, pos: usize) -> (Element<'_>, usize) {
        let (element, enc_len) =
            decode_entry(&self.buf[pos..self.buf.len() - 1]).expect("a valid listpack entry");
        (element, pos + enc_len + encode_backlen(enc_len).1)
    }

    /// The position after the entry at `pos`, from its encoding byte alone (no decoding):
    /// the hot step of walking a stream node.
    #[inline]
    pub fn skip(&self, pos: usize) -> usize {
        let buf = &self.buf;
        let tag = buf[pos];
        let enc_len = match tag {
            0x00..=0x7F => 1,
            0x80..=0xBF => 1 + usize::from(tag & 0x3F),
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 2 + ((usize::from(tag & 0x0F) << 8) | usize::from(buf[pos + 1])),
            0xF0 => {
                5 + u32::from_le_bytes([buf[pos + 1], buf[pos + 2], buf[pos + 3], buf[pos + 4]])
                    as usize
            }
            0xF1 => 3,
            0xF2 => 4,
            0xF3 => 5,
            0xF4 => 9,
            _ => return self.read(pos).1,
        };
        pos + enc_len + encode_backlen(enc_len).1
    }

    /// The integer at `pos` (0 for a string that is not one) and the position after it,
    /// with the 7-bit form stream metadata mostly uses decoded inline.
    #[inline]
    pub fn read_int(&self, pos: usize) -> (i64, usize) {
        let tag = self.buf[pos];
        if tag < 0x80 {
            return (i64::from(tag), pos + 2);
        }
        let (element, next) = self.read(pos);
        (element.as_i64().unwrap_or(0), next)
    }

    /// Whether `pos` is the terminator (past the last entry).
    pub fn is_end(&self, pos: usize) -> bool {
        self.buf[pos] == EOF
    }

    /// The entry at `pos`.
    pub fn get(&self, pos: usize) -> Element<'_> {
        decode_entry(&self.buf[pos..self.buf.len() - 1])
            .expect("a valid listpack entry")
            .0
    }

    /// The entry at `pos` as an integer (stream metadata is always integers).
    pub fn get_int(&self, pos: usize) -> i64 {
        self.get(pos).as_i64().unwrap_or(0)
    }

    /// `lpReplaceInteger`: the entry at `pos` becomes `v`; entries after it move when the
    /// size changes. `pos` stays the replaced entry's position.
    pub fn replace_int(&mut self, pos: usize, v: i64) {
        let old = self.entry_size(pos);
        let mut entry = Vec::with_capacity(11);
        encode_int(v, &mut entry);
        let (backlen, n) = encode_backlen(entry.len());
        entry.extend_from_slice(&backlen[..n]);
        self.buf.splice(pos..pos + old, entry);
        self.set_header(0);
    }

    /// Encoded size (with backlen) of the entry at `pos`.
    fn entry_size(&self, pos: usize) -> usize {
        let (_, enc_len) = decode_entry(&self.buf[pos..self.buf.len() - 1]).expect("valid entry");
        enc_len + encode_backlen(enc_len).1
    }

    /// Encoded size (with backlen) of the entry ending just before `end`.
    fn entry_size_before(&self, end: usize) -> usize {
        let enc_len = read_backlen(&self.buf[..end]).expect("valid backlen") as usize;
        enc_len + encode_backlen(enc_len).1
    }
}

/// Writes the string entry (without backlen) as `lpEncodeString`.
fn encode_str(s: &[u8], out: &mut Vec<u8>) {
    let len = s.len();
    if len < 64 {
        out.push(0x80 | len as u8);
    } else if len < 4096 {
        out.push(0xE0 | (len >> 8) as u8);
        out.push(len as u8);
    } else {
        let len = u32::try_from(len).expect("listpack string longer than u32::MAX bytes");
        out.push(0xF0);
        out.extend_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(s);
}

/// Smallest integer encoding holding `v`, as `lpEncodeIntegerGetType`.
pub fn encode_int(v: i64, out: &mut Vec<u8>) {
    if (0..=127).contains(&v) {
        out.push(v as u8);
    } else if (-4096..=4095).contains(&v) {
        // 13-bit two's complement split over the tag byte and one more.
        let u = (v as u16) & 0x1FFF;
        out.push(0xC0 | (u >> 8) as u8);
        out.push(u as u8);
    } else if let Ok(v) = i16::try_from(v) {
        out.push(0xF1);
        out.extend_from_slice(&v.to_le_bytes());
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        out.push(0xF2);
        out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
    } else if let Ok(v) = i32::try_from(v) {
        out.push(0xF3);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        out.push(0xF4);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Encoded size of the string entry `s` (without backlen), for size limits.
pub fn encoded_str_len(s: &[u8]) -> usize {
    let len = s.len();
    len + if len < 64 {
        1
    } else if len < 4096 {
        2
    } else {
        5
    }
}

/// Backlen bytes for an entry of `len` encoded bytes, as `lpEncodeBacklen`.
///
/// The thresholds are Redis's, including `< 16383` where `<= 16383` would suffice: an
/// entry of exactly 16383 bytes gets a 3-byte backlen, and since Redis's validator
/// recomputes the size the same way, so must we.
pub fn encode_backlen(len: usize) -> ([u8; MAX_BACKLEN_SIZE], usize) {
    let l = len as u64;
    let n = match l {
        0..=127 => 1,
        128..16383 => 2,
        16383..2_097_151 => 3,
        2_097_151..268_435_455 => 4,
        _ => 5,
    };
    let mut out = [0u8; MAX_BACKLEN_SIZE];
    // Most significant 7-bit group first; every byte except the first has the
    // continuation bit, which is what a right-to-left reader stops on.
    for (i, b) in out[..n].iter_mut().enumerate() {
        let group = ((l >> (7 * (n - 1 - i))) & 0x7F) as u8;
        *b = if i == 0 { group } else { group | 0x80 };
    }
    (out, n)
}

/// Reads the backlen ending at the last byte of `before`, right to left, as
/// `lpDecodeBacklen` does: at most 5 bytes, stopping at the first byte without the
/// continuation bit.
pub fn read_backlen(before: &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for (i, &b) in before.iter().rev().take(MAX_BACKLEN_SIZE).enumerate() {
        value |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// Decodes the entry at the start of `rest` (which excludes the terminator), returning it
/// and its encoded size without the backlen; what is wrong when it cannot.
pub fn decode_entry(rest: &[u8]) -> Result<(Element<'_>, usize), &'static str> {
    const OVERRUN: &str = "listpack entry overruns the blob";
    let take = |n: usize| rest.get(..n).ok_or(OVERRUN);
    let tag = *rest.first().ok_or(OVERRUN)?;
    let entry = match tag {
        // 0xxxxxxx: 7-bit unsigned integer.
        0x00..=0x7F => (Element::Int(i64::from(tag)), 1),
        // 10xxxxxx: string of up to 63 bytes.
        0x80..=0xBF => {
            let len = usize::from(tag & 0x3F);
            (Element::Str(&take(1 + len)?[1..]), 1 + len)
        }
        // 110xxxxx yyyyyyyy: 13-bit signed integer.
        0xC0..=0xDF => {
            let b = take(2)?;
            let u = (i64::from(tag & 0x1F) << 8) | i64::from(b[1]);
            let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
            (Element::Int(v), 2)
        }
        // 1110xxxx yyyyyyyy: string of up to 4095 bytes.
        0xE0..=0xEF => {
            let b = take(2)?;
            let len = (usize::from(tag & 0x0F) << 8) | usize::from(b[1]);
            (Element::Str(&take(2 + len)?[2..]), 2 + len)
        }
        0xF0 => {
            let b = take(5)?;
            let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
            let size = usize::try_from(len)
                .ok()
                .and_then(|len| len.checked_add(5))
                .ok_or(OVERRUN)?;
            (Element::Str(&take(size)?[5..]), size)
        }
        0xF1 => {
            let b = take(3)?;
            (Element::Int(i64::from(i16::from_le_bytes([b[1], b[2]]))), 3)
        }
        0xF2 => {
            let b = take(4)?;
            // Place the 3 bytes high and shift back down to sign-extend.
            let v = i32::from_le_bytes([0, b[1], b[2], b[3]]) >> 8;
            (Element::Int(i64::from(v)), 4)
        }
        0xF3 => {
            let b = take(5)?;
            let v = i32::from_le_bytes([b[1], b[2], b[3], b[4]]);
            (Element::Int(i64::from(v)), 5)
        }
        0xF4 => {
            let b = take(9)?;
            let mut le = [0u8; 8];
            le.copy_from_slice(&b[1..9]);
            (Element::Int(i64::from_le_bytes(le)), 9)
        }
        EOF => return Err("listpack terminator before the end of the blob"),
        _ => return Err("listpack entry has an invalid encoding"),
    };
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_both_ways_and_replaces_in_place() {
        let mut lp = Listpack::new();
        assert!(lp.first().is_none() && lp.last().is_none());
        for s in [&b"1"[..], b"hello", b"-5000", &[b'x'; 200]] {
            lp.append(s);
        }
        assert_eq!(lp.len(), 4);
        let mut forward = vec![];
        let mut pos = lp.first();
        while let Some(p) = pos {
            forward.push(lp.get(p).to_bytes());
            pos = lp.next(p);
        }
        let mut backward = vec![];
        let mut pos = lp.last();
        while let Some(p) = pos {
            backward.push(lp.get(p).to_bytes());
            pos = lp.prev(p);
        }
        backward.reverse();
        assert_eq!(forward, backward);
        // Skipping by the encoding byte lands where decoding does, for every encoding.
        let mut all = Listpack::new();
        let long = vec![b'x'; 5000];
        for s in [
            &b"7"[..],
            b"-5000",
            b"30000",
            b"8000000",
            b"2000000000",
            b"9000000000",
            b"ab",
            &[b'y'; 300],
            &long,
        ] {
            all.append(s);
        }
        let mut pos = all.first();
        while let Some(p) = pos {
            assert_eq!(all.skip(p), all.read(p).1);
            assert_eq!(all.read_int(p).1, all.read(p).1);
            pos = all.next(p);
        }
        assert_eq!(&forward[1][..], b"hello");
        // Growing the first integer moves the rest.
        let first = lp.first().unwrap();
        lp.replace_int(first, 1 << 40);
        assert_eq!(lp.get_int(first), 1 << 40);
        let second = lp.next(first).unwrap();
        assert_eq!(lp.get(second), Element::Str(b"hello"));
        assert_eq!(lp.bytes_len(), lp.as_bytes().len());
        let total = u32::from_le_bytes(lp.as_bytes()[..4].try_into().unwrap()) as usize;
        assert_eq!(total, lp.bytes_len());
        lp.replace_int(first, 3);
        assert_eq!(lp.get_int(first), 3);
        assert_eq!(lp.len(), 4);
    }
}
