//! HyperLogLog values exactly as Redis 7.0 lays them out, so a value moves between
//! redis-server and Memorabilia (GET/SET, DUMP/RESTORE) and counts the same on both.
//!
//! A value is a string: a 16-byte header (`HYLL`, an encoding byte, three unused bytes, the
//! cached cardinality as 8 little-endian bytes whose top bit marks it stale), then the
//! 16384 registers of 6 bits each, either dense (12288 bytes, register 0 in the low bits of
//! the first byte) or sparse (run-length opcodes: `00llllll` that many zero registers,
//! `01llllll llllllll` up to 16384 zero registers, `1vvvvvll` up to 4 registers holding a
//! value of 1..=32). A sparse value turns dense once a register needs more than 32 or
//! once it would grow past `hll-sparse-max-bytes`.
//!
//! Changes go through [`Hll`], which keeps one byte past the end of the value, as Redis's
//! strings do (their terminator): Redis reads it when an opcode or register lies at the
//! very end, and its in-place sparse rewrite may leave data there, so the same bytes come
//! out of the same (even corrupted) inputs. Read-only functions take the value itself and
//! read a zero past its end. That byte lives as long as the [`Hll`]: Redis keeps it in its
//! string, so a forged value whose last XZERO is cut off, once split by PFADD, reads
//! differently in Redis's later commands than in ours (the only known difference).
//!
//! A sparse value decodes only when its runs add up to exactly 16384 registers. Nothing
//! here trusts the value: every run is bounded, every index checked, so corrupted input
//! yields [`Corrupt`], never a panic or an endless loop.

/// Bytes before the registers.
pub const HEADER_LEN: usize = 16;
/// Index bits taken from the hash.
const P: u32 = 14;
/// Hash bits left for the run of zeros.
const Q: u32 = 64 - P;
pub const REGISTERS: usize = 1 << P;
const REGISTER_MAX: u8 = 63;
/// Length of a dense value.
pub const DENSE_LEN: usize = HEADER_LEN + REGISTERS * 6 / 8;
pub const DENSE: u8 = 0;
pub const SPARSE: u8 = 1;
/// The largest value a sparse VAL opcode holds, and the longest run of each opcode.
const SPARSE_VAL_MAX: u8 = 32;
const SPARSE_VAL_MAX_RUN: usize = 4;
const SPARSE_ZERO_MAX_RUN: usize = 64;
const SPARSE_XZERO_MAX_RUN: usize = 16384;
/// Redis hashes elements with this seed; other seeds give other registers.
const SEED: u64 = 0xadc8_3b19;
/// The top bit of the last cardinality byte: set while the cached count is stale.
const STALE: u8 = 0x80;

/// A value that is an HLL string but whose registers cannot be decoded (Redis's
/// `INVALIDOBJ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// The encoding of a string Redis accepts as an HLL, or `None` when it refuses it (too
/// short, no magic, unknown encoding, dense with the wrong length).
pub fn encoding_of(value: &[u8]) -> Option<u8> {
    if value.len() < HEADER_LEN || &value[..4] != b"HYLL" {
        return None;
    }
    match value[4] {
        DENSE if value.len() == DENSE_LEN => Some(DENSE),
        SPARSE => Some(SPARSE),
        _ => None,
    }
}

/// The cached cardinality, unless it is marked stale.
pub fn cached_count(value: &[u8]) -> Option<u64> {
    let card: [u8; 8] = value.get(8..16)?.try_into().ok()?;
    (card[7] & STALE == 0).then(|| u64::from_le_bytes(card))
}

/// MurmurHash64A, reading 8-byte blocks little-endian whatever the machine (as Redis does).
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (data.len() as u64).wrapping_mul(M);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("8-byte chunk"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element falls in and the value it offers: the position of the first
/// set bit of the rest of its hash (1..=Q+1).
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The guard bit bounds the run at Q zeros.
    let rest = (hash >> P) | (1 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

// ---------------------------------------------------------------------------------------
// Dense registers. `regs` starts at the first register byte; the last register's second
// byte is past the registers, so reads take it as zero and writes never change it.
// ---------------------------------------------------------------------------------------

fn dense_get(regs: &[u8], index: usize) -> u8 {
    let byte = index * 6 / 8;
    let shift = index * 6 % 8;
    let b0 = u16::from(regs[byte]);
    let b1 = u16::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> shift) | (b1 << (8 - shift))) & u16::from(REGISTER_MAX)) as u8
}

fn dense_put(regs: &mut [u8], index: usize, value: u8) {
    let byte = index * 6 / 8;
    let shift = index * 6 % 8;
    let v = u16::from(value);
    let mask = u16::from(REGISTER_MAX);
    regs[byte] = ((u16::from(regs[byte]) & !(mask << shift)) | (v << shift)) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        let keep = !(mask >> (8 - shift));
        *next = ((u16::from(*next) & keep) | (v >> (8 - shift))) as u8;
    }
}

/// Raises a dense register to `count`; whether it changed.
fn dense_raise(regs: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(regs, index) {
        dense_put(regs, index, count);
        true
    } else {
        false
    }
}

// ---------------------------------------------------------------------------------------
// Sparse opcodes
// ---------------------------------------------------------------------------------------

/// One decoded sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `len` zero registers, in one byte (`zero`) or two (`xzero`).
    Zeros { len: usize, wide: bool },
    /// `len` registers holding `value`.
    Val { value: u8, len: usize },
}

impl Op {
    /// Decodes the opcode starting with `b0`; `b1` is the byte after it (read only by
    /// XZERO).
    fn decode(b0: u8, b1: u8) -> Op {
        match b0 & 0xc0 {
            0x00 => Op::Zeros {
                len: usize::from(b0 & 0x3f) + 1,
                wide: false,
            },
            0x40 => Op::Zeros {
                len: ((usize::from(b0 & 0x3f) << 8) | usize::from(b1)) + 1,
                wide: true,
            },
            _ => Op::Val {
                value: ((b0 >> 2) & 0x1f) + 1,
                len: usize::from(b0 & 0x3) + 1,
            },
        }
    }

    fn bytes(self) -> usize {
        match self {
            Op::Zeros { wide: true, .. } => 2,
            _ => 1,
        }
    }

    fn len(self) -> usize {
        match self {
            Op::Zeros { len, .. } | Op::Val { len, .. } => len,
        }
    }
}

fn is_val(b: u8) -> bool {
    b & 0x80 != 0
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

/// Appends the shortest zero-run opcode for `len` (1..=16384) zeros.
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_RUN {
        let l = len - 1;
        seq.push(0x40 | (l >> 8) as u8);
        seq.push((l & 0xff) as u8);
    } else {
        seq.push(len as u8 - 1);
    }
}

/// Walks the sparse opcodes of a value that ends at `end` (header included); `bytes` may
/// go one byte further (an [`Hll`]'s byte past the end), else zero is read there.
fn sparse_ops(bytes: &[u8], end: usize) -> impl Iterator<Item = Op> + '_ {
    let mut p = HEADER_LEN;
    std::iter::from_fn(move || {
        if p >= end {
            return None;
        }
        let op = Op::decode(bytes[p], bytes.get(p + 1).copied().unwrap_or(0));
        p += op.bytes();
        Some(op)
    })
}

/// Registers covered by the sparse `value` (wide enough never to overflow) and the value
/// histogram.
fn sparse_histogram(value: &[u8], histogram: &mut [u64; 64]) -> u64 {
    let mut covered = 0u64;
    for op in sparse_ops(value, value.len()) {
        let len = op.len() as u64;
        covered += len;
        match op {
            Op::Zeros { .. } => histogram[0] += len,
            Op::Val { value, .. } => histogram[usize::from(value)] += len,
        }
    }
    covered
}

/// The registers of a sparse value, or `Corrupt` unless its runs cover exactly all of
/// them. A run past the last register makes the value corrupt even when the runs before
/// it covered them all: redis-server 7.0.15 as shipped with the CVE-2025-32023 fix
/// (Debian's 7.0.15-1~deb12u10, our reference) checks every run, where the 7.0.15 source
/// only stopped at a VAL run.
fn sparse_registers(
    bytes: &[u8],
    end: usize,
    mut each: impl FnMut(usize, u8),
) -> Result<(), Corrupt> {
    let mut index = 0usize;
    for op in sparse_ops(bytes, end) {
        let len = op.len();
        if index + len > REGISTERS {
            return Err(Corrupt);
        }
        if let Op::Val { value, .. } = op {
            for i in index..index + len {
                each(i, value);
            }
        }
        index += len;
    }
    if index == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

// ---------------------------------------------------------------------------------------
// Counting
// ---------------------------------------------------------------------------------------

/// Ertl's sigma (arXiv:1702.01284), iterated until it stops changing.
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if before == z {
            return z;
        }
    }
}

/// Ertl's tau (arXiv:1702.01284).
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powf(2.0) * y;
        if before == z {
            return z / 3.0;
        }
    }
}

/// The cardinality estimate from a histogram of register values (Redis 7.0's estimator;
/// the same float operations in the same order, so the same integer comes out).
fn estimate(histogram: &[u64; 64]) -> u64 {
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
    let m = REGISTERS as f64;
    let q = Q as usize;
    let mut z = m * tau((m - histogram[q + 1] as f64) / m);
    for j in (1..=q).rev() {
        z += histogram[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histogram[0] as f64 / m);
    // Redis rounds with llroundl and converts the result through a double to u64: an
    // estimate past i64 (registers no element can produce: a forged dense value) comes
    // out as 2^63.
    let rounded = (ALPHA_INF * m * m / z).round();
    if rounded < 9_223_372_036_854_775_808.0 {
        rounded as u64
    } else {
        1 << 63
    }
}

/// The estimate of a valid HLL value; `Corrupt` when sparse runs do not cover exactly
/// the registers.
pub fn count(value: &[u8]) -> Result<u64, Corrupt> {
    let mut histogram = [0u64; 64];
    let encoding = encoding_of(value).ok_or(Corrupt)?;
    if encoding == DENSE {
        let regs = &value[HEADER_LEN..];
        for i in 0..REGISTERS {
            histogram[usize::from(dense_get(regs, i))] += 1;
        }
    } else if sparse_histogram(value, &mut histogram) != REGISTERS as u64 {
        return Err(Corrupt);
    }
    Ok(estimate(&histogram))
}

/// The estimate of one register per byte (the union PFCOUNT builds).
pub fn count_registers(registers: &[u8; REGISTERS]) -> u64 {
    let mut histogram = [0u64; 64];
    for &r in registers {
        histogram[usize::from(r & REGISTER_MAX)] += 1;
    }
    estimate(&histogram)
}

/// Raises each of `max` to the matching register of the valid HLL `value`.
pub fn merge_into(max: &mut [u8; REGISTERS], value: &[u8]) -> Result<(), Corrupt> {
    if encoding_of(value).ok_or(Corrupt)? == DENSE {
        let regs = &value[HEADER_LEN..];
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(regs, i));
        }
        Ok(())
    } else {
        sparse_registers(value, value.len(), |i, v| max[i] = max[i].max(v))
    }
}

/// The registers of a dense value, one per byte (none for anything else).
pub fn dense_registers(value: &[u8]) -> Vec<u8> {
    if encoding_of(value) != Some(DENSE) {
        return Vec::new();
    }
    let regs = &value[HEADER_LEN..];
    (0..REGISTERS).map(|i| dense_get(regs, i)).collect()
}

/// PFDEBUG DECODE's text for a sparse value: `z:len`, `Z:len` and `v:value,len` per
/// opcode, space-separated.
pub fn decode(value: &[u8]) -> String {
    let mut out = Vec::new();
    for op in sparse_ops(value, value.len()) {
        out.push(match op {
            Op::Zeros { len, wide: false } => format!("z:{len}"),
            Op::Zeros { len, wide: true } => format!("Z:{len}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        });
    }
    out.join(" ")
}

// ---------------------------------------------------------------------------------------
// Changing a value
// ---------------------------------------------------------------------------------------

/// An HLL value being changed. `buf` holds the value and one more byte: what Redis keeps
/// past a string's end, which its code reads and sometimes writes (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hll {
    buf: Vec<u8>,
}

impl Default for Hll {
    fn default() -> Self {
        Self::new()
    }
}

impl Hll {
    /// An empty sparse HLL: XZERO runs over every register, cached count 0.
    pub fn new() -> Hll {
        let mut buf = Vec::with_capacity(HEADER_LEN + 3);
        buf.extend_from_slice(b"HYLL");
        buf.push(SPARSE);
        buf.resize(HEADER_LEN, 0);
        let mut left = REGISTERS;
        while left > 0 {
            let run = left.min(SPARSE_XZERO_MAX_RUN);
            push_zeros(&mut buf, run);
            left -= run;
        }
        buf.push(0);
        Hll { buf }
    }

    /// A copy of the stored `value`, if Redis accepts it as an HLL ([`encoding_of`]).
    pub fn from_value(value: &[u8]) -> Option<Hll> {
        encoding_of(value)?;
        let mut buf = Vec::with_capacity(value.len() + 1);
        buf.extend_from_slice(value);
        buf.push(0);
        Some(Hll { buf })
    }

    fn len(&self) -> usize {
        self.buf.len() - 1
    }

    /// The value's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len()]
    }

    /// The value, to be stored.
    pub fn into_value(mut self) -> Vec<u8> {
        self.buf.pop();
        self.buf
    }

    pub fn encoding(&self) -> u8 {
        self.buf[4]
    }

    /// Marks the cached count stale.
    pub fn invalidate(&mut self) {
        self.buf[15] |= STALE;
    }

    /// Caches `count` (which also marks it fresh).
    pub fn set_cached(&mut self, count: u64) {
        self.buf[8..16].copy_from_slice(&count.to_le_bytes());
    }

    /// Adds an element; whether a register rose. `Corrupt` when a sparse value cannot be
    /// walked to the element's register.
    pub fn add(&mut self, element: &[u8], sparse_max: u64) -> Result<bool, Corrupt> {
        let (index, count) = pattern(element);
        self.raise(index, count, sparse_max)
    }

    /// Raises register `index` to `count` if below it; whether it rose.
    pub fn raise(&mut self, index: usize, count: u8, sparse_max: u64) -> Result<bool, Corrupt> {
        match self.encoding() {
            DENSE => Ok(dense_raise(&mut self.buf[HEADER_LEN..], index, count)),
            SPARSE => self.sparse_raise(index, count, sparse_max),
            _ => Err(Corrupt),
        }
    }

    /// Turns a sparse value dense (the header, cached count included, is kept); whether it
    /// was sparse. `Corrupt` (nothing changed) when its runs do not cover the registers.
    pub fn to_dense(&mut self) -> Result<bool, Corrupt> {
        if self.encoding() == DENSE {
            return Ok(false);
        }
        let mut dense = vec![0u8; DENSE_LEN + 1];
        dense[..HEADER_LEN].copy_from_slice(&self.buf[..HEADER_LEN]);
        dense[4] = DENSE;
        {
            let regs = &mut dense[HEADER_LEN..];
            // The byte past the end takes part in reading a final XZERO, as in Redis.
            let end = self.len();
            sparse_registers(&self.buf, end, |i, v| dense_put(regs, i, v))?;
        }
        self.buf = dense;
        Ok(true)
    }

    /// Redis's in-place sparse update: find the opcode covering `index`, split it around
    /// the register, splice the new opcodes in, merge equal neighbouring VALs; promote to
    /// dense when the value needs more than 32 or the value would pass `sparse_max`.
    fn sparse_raise(&mut self, index: usize, count: u8, sparse_max: u64) -> Result<bool, Corrupt> {
        if count > SPARSE_VAL_MAX {
            return self.promote(index, count);
        }
        let end = self.len();
        // Find the opcode at `p` covering `index`; `first` is its first register.
        let mut p = HEADER_LEN;
        let mut first = 0usize;
        let mut prev = None;
        let mut found = None;
        while p < end {
            let op = Op::decode(self.buf[p], self.buf[p + 1]);
            if index < first + op.len() {
                found = Some(op);
                break;
            }
            prev = Some(p);
            p += op.bytes();
            first += op.len();
        }
        let Some(op) = found else {
            return Err(Corrupt);
        };
        let last = first + op.len() - 1;
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        match op {
            Op::Val { value, .. } if value >= count => return Ok(false),
            // A run of one register just takes the new value.
            Op::Val { len: 1, .. }
            | Op::Zeros {
                len: 1,
                wide: false,
            } => {
                self.buf[p] = val_byte(count, 1);
                self.merge_vals(prev, end);
                return Ok(true);
            }
            Op::Zeros { .. } => {
                if index != first {
                    push_zeros(&mut seq, index - first);
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    push_zeros(&mut seq, last - index);
                }
            }
            Op::Val { value, .. } => {
                if index != first {
                    seq.push(val_byte(value, index - first));
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    seq.push(val_byte(value, last - index));
                }
            }
        }
        let old_len = op.bytes();
        let new_end = end + seq.len() - old_len;
        if seq.len() > old_len && new_end as u64 > sparse_max {
            return self.promote(index, count);
        }
        // Splice in place. An XZERO cut off by the end of the value also covers the byte
        // past it, so the new opcodes then end on that byte, as Redis's copy does;
        // otherwise that byte is zero again, as Redis's string length update leaves it.
        let cut_off = p + old_len > end;
        self.buf.splice(p..p + old_len, seq);
        if !cut_off {
            self.buf[new_end] = 0;
        }
        debug_assert_eq!(self.buf.len(), new_end + 1);
        self.merge_vals(prev, new_end);
        Ok(true)
    }

    /// Merges adjacent VAL opcodes of equal value (up to the longest VAL run), looking at
    /// five opcodes from `from` (the opcode before the change), then marks the count stale.
    fn merge_vals(&mut self, from: Option<usize>, mut end: usize) {
        let mut p = from.unwrap_or(HEADER_LEN);
        let mut budget = 5;
        while p < end && budget > 0 {
            budget -= 1;
            let b = self.buf[p];
            if !is_val(b) {
                p += if b & 0xc0 == 0x40 { 2 } else { 1 };
                continue;
            }
            if p + 1 < end && is_val(self.buf[p + 1]) {
                let (a, b) = (Op::decode(b, 0), Op::decode(self.buf[p + 1], 0));
                if let (Op::Val { value: v1, len: l1 }, Op::Val { value: v2, len: l2 }) = (a, b)
                    && v1 == v2
                    && l1 + l2 <= SPARSE_VAL_MAX_RUN
                {
                    self.buf[p + 1] = val_byte(v1, l1 + l2);
                    self.buf.remove(p);
                    end -= 1;
                    self.buf[end] = 0;
                    // Try the merged opcode with the one after it.
                    continue;
                }
            }
            p += 1;
        }
        self.invalidate();
    }

    /// Converts to dense, then raises the register there.
    fn promote(&mut self, index: usize, count: u8) -> Result<bool, Corrupt> {
        self.to_dense()?;
        Ok(dense_raise(&mut self.buf[HEADER_LEN..], index, count))
    }

    /// The estimate (see [`count`]).
    pub fn count(&self) -> Result<u64, Corrupt> {
        count(self.bytes())
    }
}

// ---------------------------------------------------------------------------------------
// PFSELFTEST
// ---------------------------------------------------------------------------------------

/// PFSELFTEST's first part: sets every register of a dense array to random values and
/// reads them back, `cycles` times. The first register read back wrong, as
/// (register, expected, found).
pub fn self_test_registers(
    cycles: usize,
    mut random: impl FnMut() -> u8,
) -> Option<(usize, u8, u8)> {
    let mut regs = vec![0u8; DENSE_LEN - HEADER_LEN];
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..cycles {
        for (i, e) in expected.iter_mut().enumerate() {
            *e = random() & REGISTER_MAX;
            dense_put(&mut regs, i, *e);
        }
        for (i, &e) in expected.iter().enumerate() {
            let found = dense_get(&regs, i);
            if found != e {
                return Some((i, e, found));
            }
        }
    }
    None
}

/// How PFSELFTEST's second part failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfTestFailure {
    SparseNotUsed,
    Disagree,
    TooBigError { cardinality: u64, error: u64 },
}

/// PFSELFTEST's second part: adds `elements` distinct elements (counters xor `seed`, as
/// 8 little-endian bytes) to a dense array and to a sparse HLL, checking at each power of
/// ten that small sets stay sparse, that both count the same, and that the error stays
/// within six standard errors.
pub fn self_test_counts(elements: u64, seed: u64, sparse_max: u64) -> Result<(), SelfTestFailure> {
    let mut dense = Hll::new();
    let _ = dense.to_dense();
    let mut sparse = Hll::new();
    let relative_error = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint = 1u64;
    for j in 1..=elements {
        let element = (j ^ seed).to_le_bytes();
        let _ = dense.add(&element, sparse_max);
        let _ = sparse.add(&element, sparse_max);
        if j != checkpoint {
            continue;
        }
        if j < sparse_max / 2 && sparse.encoding() != SPARSE {
            return Err(SelfTestFailure::SparseNotUsed);
        }
        let counted = dense.count().unwrap_or(0);
        if counted != sparse.count().unwrap_or(u64::MAX) {
            return Err(SelfTestFailure::Disagree);
        }
        let mut max_error = (relative_error * 6.0 * checkpoint as f64).ceil() as u64;
        // Collisions make 10 a statistically noisy point.
        if j == 10 {
            max_error = 1;
        }
        let error = checkpoint.abs_diff(counted);
        if error > max_error {
            return Err(SelfTestFailure::TooBigError {
                cardinality: checkpoint,
                error,
            });
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PFADD h a b c` on redis-server 7.0.15, then GET.
    const REDIS_ABC: &[u8] =
        b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ";

    fn with(elements: &[&str], sparse_max: u64) -> Hll {
        let mut h = Hll::new();
        for e in elements {
            h.add(e.as_bytes(), sparse_max).unwrap();
        }
        h
    }

    #[test]
    fn empty_value_is_one_xzero() {
        let h = Hll::new();
        assert_eq!(h.bytes().len(), 18);
        assert_eq!(&h.bytes()[16..], &[0x7f, 0xff]);
        assert_eq!(encoding_of(h.bytes()), Some(SPARSE));
        assert_eq!(cached_count(h.bytes()), Some(0));
        assert_eq!(h.count(), Ok(0));
    }

    #[test]
    fn adds_byte_for_byte_as_redis() {
        let mut h = with(&["a", "b", "c"], 3000);
        assert_eq!(h.bytes(), REDIS_ABC);
        assert_eq!(
            decode(h.bytes()),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
        );
        assert_eq!(h.count(), Ok(3));
        assert_eq!(cached_count(h.bytes()), None);
        h.set_cached(3);
        assert_eq!(cached_count(h.bytes()), Some(3));
        assert!(!h.add(b"a", 3000).unwrap());
    }

    #[test]
    fn murmur_matches_redis() {
        // Register and run of "a" as PFDEBUG DECODE shows them after PFADD a.
        assert_eq!(pattern(b"a"), (12711, 2));
    }

    #[test]
    fn dense_registers_round_trip_and_agree_with_sparse() {
        let elements: Vec<String> = (0..2000).map(|i| format!("e{i}")).collect();
        let refs: Vec<&str> = elements.iter().map(String::as_str).collect();
        let sparse = with(&refs, u64::MAX);
        assert_eq!(sparse.encoding(), SPARSE);
        let mut dense = sparse.clone();
        assert_eq!(dense.to_dense(), Ok(true));
        assert_eq!(dense.bytes().len(), DENSE_LEN);
        assert_eq!(dense.count(), sparse.count());
        let mut max = [0u8; REGISTERS];
        merge_into(&mut max, sparse.bytes()).unwrap();
        assert_eq!(max.to_vec(), dense_registers(dense.bytes()));
        assert_eq!(count_registers(&max), dense.count().unwrap());
        let n = dense.count().unwrap();
        assert!(n.abs_diff(2000) < 100, "{n}");
    }

    #[test]
    fn promotes_past_the_byte_limit() {
        let elements: Vec<String> = (0..200).map(|i| format!("e{i}")).collect();
        let refs: Vec<&str> = elements.iter().map(String::as_str).collect();
        let h = with(&refs, 100);
        assert_eq!(h.encoding(), DENSE);
        assert_eq!(h.bytes().len(), DENSE_LEN);
    }

    #[test]
    fn validity_checks() {
        assert_eq!(encoding_of(b"HYLL"), None);
        assert_eq!(encoding_of(b"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(encoding_of(b"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(encoding_of(b"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(encoding_of(b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0"), Some(SPARSE));
    }

    #[test]
    fn corrupted_sparse_values_fail_without_panicking() {
        // Too few registers, too many, a VAL run past the end, a cut-off XZERO.
        let mut short = REDIS_ABC.to_vec();
        short.pop();
        let mut long = REDIS_ABC.to_vec();
        long.extend_from_slice(b"hello");
        let mut overrun = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        overrun.extend_from_slice(&[0x7f, 0xfe, 0xff]);
        let mut cut = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        cut.push(0x7f);
        // All registers covered, then one more VAL run.
        let mut tail = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        tail.extend_from_slice(&[0x7f, 0xff, 0x80]);
        let empty = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        for value in [short, long, overrun, cut, tail, empty] {
            assert_eq!(count(&value), Err(Corrupt), "{value:?}");
            assert_eq!(merge_into(&mut [0; REGISTERS], &value), Err(Corrupt));
            assert_eq!(Hll::from_value(&value).unwrap().to_dense(), Err(Corrupt));
            let mut h = Hll::from_value(&value).unwrap();
            for i in 0..50 {
                let _ = h.add(format!("x{i}").as_bytes(), 3000);
            }
            let _ = decode(h.bytes());
        }
    }

    #[test]
    fn cut_off_xzero_reads_the_byte_past_the_end() {
        // A final XZERO whose second byte is missing: Redis reads the byte past the end
        // (0: 16129 registers), splits it around "a"'s register, and the last new opcode
        // ends past the value (redis-server 7.0.15: SET, PFADD a, GET).
        let mut v = b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80".to_vec();
        v.push(0x7f);
        let mut h = Hll::from_value(&v).unwrap();
        assert_eq!(h.add(b"a", 3000), Ok(true));
        assert_eq!(&h.bytes()[16..], b"q\xa6\x84M");
        assert_eq!(h.buf.last(), Some(&0x58));
    }

    #[test]
    fn estimator_matches_known_redis_counts() {
        // Sparse values of 1..5 distinct elements count exactly, as on redis-server.
        for n in 1..=5 {
            let elements: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
            let refs: Vec<&str> = elements.iter().map(String::as_str).collect();
            assert_eq!(with(&refs, 3000).count(), Ok(n as u64));
        }
    }

    #[test]
    fn self_test_passes() {
        let mut x = 7u32;
        let mut random = || {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        };
        assert_eq!(self_test_registers(3, &mut random), None);
        assert_eq!(self_test_counts(100_000, 0x1234_5678_9abc, 3000), Ok(()));
    }
}
