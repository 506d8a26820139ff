//! Redis 7.0 listpack (`listpack.c`): the container behind small hashes,
//! sorted sets and every quicklist node of a list in RDB version 10+.
//!
//! Layout: `total_bytes: u32 LE`, `count: u16 LE` (65535 = "unknown", used
//! once there are 65535 or more entries), then entries, then `0xFF`. Each
//! entry is an encoding byte (plus length bytes), the payload, and a
//! "backlen": the entry's encoded size in 1-5 bytes, written so it can be
//! read right to left.
//!
//! This module owns building listpacks byte-for-byte as Redis's `lpAppend`
//! does ([`Writer`]) and validating/decoding untrusted ones ([`decode`]).

use super::element::{Corrupt, Element};
use crate::store::listpack::{
    COUNT_UNKNOWN, EOF, HDR_SIZE, Listpack, encode_backlen, read_backlen,
};

/// Builds a listpack by appending entries, producing exactly the bytes Redis
/// 7.0 produces for the same sequence of `lpAppend` / `lpAppendInteger`
/// calls (the store's [`Listpack`], which stream nodes live in).
#[derive(Debug, Clone, Default)]
pub struct Writer {
    lp: Listpack,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a string the way `lpAppend` does: canonical integers (per
    /// `string2ll`) are stored in the smallest integer encoding, everything
    /// else as a string.
    pub fn push(&mut self, s: &[u8]) {
        self.lp.append(s);
    }

    /// Appends an integer the way `lpAppendInteger` does.
    pub fn push_int(&mut self, v: i64) {
        self.lp.append_int(v);
    }

    /// Size in bytes of the listpack [`Writer::finish`] will return; lets
    /// callers apply Redis's size limits before committing to this encoding.
    pub fn bytes_len(&self) -> usize {
        self.lp.bytes_len()
    }

    /// Number of entries pushed so far.
    pub fn count(&self) -> usize {
        self.lp.len()
    }

    /// The listpack's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.lp.into_bytes()
    }
}

/// Validates `blob` as a listpack with the checks of Redis's deep
/// `lpValidateIntegrity` and returns its entries in order.
///
/// The backlen check is Redis's: the bytes read right to left must give the
/// entry's size. Like Redis, this tolerates a few non-canonical forms (a
/// continuation bit on the first backlen byte when the byte before it is
/// zero) that Redis never writes, so that whatever Redis loads, this loads.
pub fn decode(blob: &[u8]) -> Result<Vec<Element<'_>>, Corrupt> {
    if blob.len() < HDR_SIZE + 1 {
        return Err(Corrupt("listpack shorter than its header"));
    }
    let total = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]);
    if usize::try_from(total).ok() != Some(blob.len()) {
        return Err(Corrupt("listpack total bytes does not match its length"));
    }
    let end = blob.len() - 1;
    if blob[end] != EOF {
        return Err(Corrupt("listpack not terminated by 0xFF"));
    }
    let header_count = u16::from_le_bytes([blob[4], blob[5]]);

    // Entries occupy at least 2 bytes each, so never reserve more than the
    // blob can hold, whatever the header claims.
    let capacity = if header_count == COUNT_UNKNOWN {
        0
    } else {
        usize::from(header_count).min((end - HDR_SIZE) / 2)
    };
    let mut out = Vec::with_capacity(capacity);

    // Entries may not reach into the terminator.
    let body = &blob[..end];
    let mut pos = HDR_SIZE;
    while pos < end {
        let rest = &body[pos..];
        let (element, enc_len) = decode_entry(rest)?;
        // The backlen occupies the size Redis would write for this entry.
        let next = pos + enc_len + encode_backlen(enc_len).1;
        if next > end {
            return Err(Corrupt("listpack backlen overruns the blob"));
        }
        if read_backlen(&blob[..next]) != Some(enc_len as u64) {
            return Err(Corrupt("listpack backlen does not match its entry"));
        }
        out.push(element);
        pos = next;
    }

    if header_count != COUNT_UNKNOWN && usize::from(header_count) != out.len() {
        return Err(Corrupt("listpack entry count does not match its header"));
    }
    Ok(out)
}

/// Decodes the entry at the start of `rest` (which excludes the terminator),
/// returning it and its encoded size without the backlen.
fn decode_entry(rest: &[u8]) -> Result<(Element<'_>, usize), Corrupt> {
    crate::store::listpack::decode_entry(rest).map_err(Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::element::string_to_i64;

    /// The element Redis would decode for an input pushed with `push`.
    fn expected(s: &[u8]) -> Element<'_> {
        string_to_i64(s).map_or(Element::Str(s), Element::Int)
    }

    fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut w = Writer::new();
        for item in items {
            w.push(item);
        }
        let len = w.bytes_len();
        let out = w.finish();
        assert_eq!(out.len(), len);
        out
    }

    fn assert_redis_vector(items: &[&[u8]], redis: &[u8]) {
        assert_eq!(build(items), redis);
        let decoded = decode(redis).expect("Redis listpack must decode");
        let want: Vec<_> = items.iter().map(|s| expected(s)).collect();
        assert_eq!(decoded, want);
    }

    fn assert_robust(blob: &[u8]) {
        crate::persist::element::test_support::assert_robust(|b| decode(b).is_err(), blob);
    }

    // redis-cli RPUSH l 1 -1 127 128 4095 4096 -4097 32767 40000 8388607
    //   8388608 2147483648 9223372036854775807 hello "" 01; DUMP l
    // (quicklist2, one packed node: this is the node's listpack)
    const RPUSH_MIXED: &[u8] = b"\x51\x00\x00\x00\x10\x00\x01\x01\xdf\xff\x02\x7f\x01\xc0\x80\x02\xcf\xff\x02\xf1\x00\x10\x03\xf1\xff\xef\x03\xf1\xff\x7f\x03\xf2\x40\x9c\x00\x04\xf2\xff\xff\x7f\x04\xf3\x00\x00\x80\x00\x05\xf4\x00\x00\x00\x80\x00\x00\x00\x00\x09\xf4\xff\xff\xff\xff\xff\xff\xff\x7f\x09\x85\x68\x65\x6c\x6c\x6f\x06\x80\x01\x82\x30\x31\x03\xff";
    const RPUSH_MIXED_ITEMS: &[&[u8]] = &[
        b"1",
        b"-1",
        b"127",
        b"128",
        b"4095",
        b"4096",
        b"-4097",
        b"32767",
        b"40000",
        b"8388607",
        b"8388608",
        b"2147483648",
        b"9223372036854775807",
        b"hello",
        b"",
        b"01",
    ];

    // redis-cli RPUSH lints 0 127 128 -1 -4096 4095 -4097 4096 -32768 32767
    //   -32769 32768 -8388608 8388607 -8388609 8388608 -2147483648 2147483647
    //   -2147483649 2147483648 -9223372036854775808 9223372036854775807
    const RPUSH_INT_BOUNDS: &[u8] = b"\x7b\x00\x00\x00\x16\x00\x00\x01\x7f\x01\xc0\x80\x02\xdf\xff\x02\xd0\x00\x02\xcf\xff\x02\xf1\xff\xef\x03\xf1\x00\x10\x03\xf1\x00\x80\x03\xf1\xff\x7f\x03\xf2\xff\x7f\xff\x04\xf2\x00\x80\x00\x04\xf2\x00\x00\x80\x04\xf2\xff\xff\x7f\x04\xf3\xff\xff\x7f\xff\x05\xf3\x00\x00\x80\x00\x05\xf3\x00\x00\x00\x80\x05\xf3\xff\xff\xff\x7f\x05\xf4\xff\xff\xff\x7f\xff\xff\xff\xff\x09\xf4\x00\x00\x00\x80\x00\x00\x00\x00\x09\xf4\x00\x00\x00\x00\x00\x00\x00\x80\x09\xf4\xff\xff\xff\xff\xff\xff\xff\x7f\x09\xff";
    const INT_BOUNDS: &[i64] = &[
        0,
        127,
        128,
        -1,
        -4096,
        4095,
        -4097,
        4096,
        -32768,
        32767,
        -32769,
        32768,
        -8388608,
        8388607,
        -8388609,
        8388608,
        -2147483648,
        2147483647,
        -2147483649,
        2147483648,
        i64::MIN,
        i64::MAX,
    ];

    // redis-cli RPUSH lstr "" 01 -0 +1 " 1" "1 " 9223372036854775808
    //   -9223372036854775809 00 1.5 - 99999999999999999999
    const RPUSH_NUMBERLIKE: &[u8] = b"\x6a\x00\x00\x00\x0c\x00\x80\x01\x82\x30\x31\x03\x82\x2d\x30\x03\x82\x2b\x31\x03\x82\x20\x31\x03\x82\x31\x20\x03\x93\x39\x32\x32\x33\x33\x37\x32\x30\x33\x36\x38\x35\x34\x37\x37\x35\x38\x30\x38\x14\x94\x2d\x39\x32\x32\x33\x33\x37\x32\x30\x33\x36\x38\x35\x34\x37\x37\x35\x38\x30\x39\x15\x82\x30\x30\x03\x83\x31\x2e\x35\x04\x81\x2d\x02\x94\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x39\x15\xff";
    const NUMBERLIKE_ITEMS: &[&[u8]] = &[
        b"",
        b"01",
        b"-0",
        b"+1",
        b" 1",
        b"1 ",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"00",
        b"1.5",
        b"-",
        b"99999999999999999999",
    ];

    // redis-cli HSET h f v num 12345; DUMP h (type 16, hash listpack)
    const HSET: &[u8] =
        b"\x16\x00\x00\x00\x04\x00\x81\x66\x02\x81\x76\x02\x83\x6e\x75\x6d\x04\xf1\x39\x30\x03\xff";

    // redis-cli ZADD z 1.5 a 2 b -3 c; DUMP z (type 17, zset listpack:
    // member then score as Redis formats it, in score order)
    const ZADD: &[u8] = b"\x1a\x00\x00\x00\x06\x00\x81\x63\x02\xdf\xfd\x02\x81\x61\x02\x83\x31\x2e\x35\x04\x81\x62\x02\x02\x01\xff";

    #[test]
    fn matches_redis_rpush_mixed() {
        assert_redis_vector(RPUSH_MIXED_ITEMS, RPUSH_MIXED);
    }

    #[test]
    fn matches_redis_integer_boundaries() {
        let text: Vec<String> = INT_BOUNDS.iter().map(i64::to_string).collect();
        let items: Vec<&[u8]> = text.iter().map(|s| s.as_bytes()).collect();
        assert_redis_vector(&items, RPUSH_INT_BOUNDS);

        let mut w = Writer::new();
        for &v in INT_BOUNDS {
            w.push_int(v);
        }
        assert_eq!(w.finish(), RPUSH_INT_BOUNDS);
    }

    #[test]
    fn matches_redis_numberlike_strings() {
        assert_redis_vector(NUMBERLIKE_ITEMS, RPUSH_NUMBERLIKE);
        assert!(
            decode(RPUSH_NUMBERLIKE)
                .unwrap()
                .iter()
                .all(|e| matches!(e, Element::Str(_)))
        );
    }

    #[test]
    fn matches_redis_hash_and_zset() {
        assert_redis_vector(&[b"f", b"v", b"num", b"12345"], HSET);
        assert_redis_vector(&[b"c", b"-3", b"a", b"1.5", b"b", b"2"], ZADD);
    }

    /// `RPUSH ls<N> <N x ch> x` in Redis; DUMP gives one node whose listpack
    /// is `prefix ++ [ch; N] ++ suffix` (the fill is elided here).
    /// For N = 16377 and 16378 the "x" lands in a second node, so the first
    /// listpack holds only the long string.
    #[test]
    fn matches_redis_string_length_boundaries() {
        type Case = (usize, u8, &'static [u8], &'static [u8]);
        let cases: &[Case] = &[
            (
                63,
                b'a',
                b"\x4b\x00\x00\x00\x02\x00\xbf",
                b"\x40\x81\x78\x02\xff",
            ),
            (
                64,
                b'b',
                b"\x4d\x00\x00\x00\x02\x00\xe0\x40",
                b"\x42\x81\x78\x02\xff",
            ),
            // Entry of 128 bytes: first 2-byte backlen.
            (
                126,
                b'c',
                b"\x8c\x00\x00\x00\x02\x00\xe0\x7e",
                b"\x01\x80\x81\x78\x02\xff",
            ),
            (
                4095,
                b'd',
                b"\x0d\x10\x00\x00\x02\x00\xef\xff",
                b"\x20\x81\x81\x78\x02\xff",
            ),
            (
                4096,
                b'e',
                b"\x11\x10\x00\x00\x02\x00\xf0\x00\x10\x00\x00",
                b"\x20\x85\x81\x78\x02\xff",
            ),
            // Entry of 16382 bytes: still a 2-byte backlen.
            (
                16377,
                b'f',
                b"\x07\x40\x00\x00\x01\x00\xf0\xf9\x3f\x00\x00",
                b"\x7f\xfe\xff",
            ),
            // Entry of 16383 bytes: Redis's `< 16383` gives a 3-byte backlen.
            (
                16378,
                b'g',
                b"\x09\x40\x00\x00\x01\x00\xf0\xfa\x3f\x00\x00",
                b"\x00\xff\xff\xff",
            ),
        ];
        for &(n, ch, prefix, suffix) in cases {
            let long = vec![ch; n];
            let mut redis = prefix.to_vec();
            redis.extend_from_slice(&long);
            redis.extend_from_slice(suffix);
            let items: &[&[u8]] = if n >= 16377 { &[&long] } else { &[&long, b"x"] };
            assert_redis_vector(items, &redis);
        }
        // The second node of `RPUSH ls16377 ...`.
        assert_redis_vector(&[b"x"], b"\x0a\x00\x00\x00\x01\x00\x81\x78\x02\xff");
    }

    fn fnv1a(data: &[u8]) -> u64 {
        data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// CONFIG SET hash-max-listpack-entries 100000; then
    /// `HSET hp<P> <i-20000> v ...` for i in 0..P (in order); DUMP hp<P>.
    /// The 220 KB listpacks are pinned by length, head, tail and FNV-1a.
    #[test]
    fn matches_redis_count_field_saturation() {
        type Case = (usize, usize, &'static [u8], &'static [u8], u64);
        let cases: &[Case] = &[
            // 65534 entries: count still exact.
            (
                32767,
                221056,
                b"\x80\x5f\x03\x00\xfe\xff\xf1\xe0\xb1\x03\x81\x76\x02\xf1\xe1\xb1",
                b"\xf1\xde\x31\x03\x81\x76\x02\xff",
                0xdcf4e0c6ec2c838e,
            ),
            // 65536 entries: count field is 65535 ("unknown").
            (
                32768,
                221063,
                b"\x87\x5f\x03\x00\xff\xff\xf1\xe0\xb1\x03\x81\x76\x02\xf1\xe1\xb1",
                b"\xf1\xdf\x31\x03\x81\x76\x02\xff",
                0x112119a6812b22e3,
            ),
        ];
        for &(pairs, len, head, tail, hash) in cases {
            let mut w = Writer::new();
            for i in 0..pairs as i64 {
                w.push((i - 20000).to_string().as_bytes());
                w.push(b"v");
            }
            assert_eq!(w.count(), pairs * 2);
            let lp = w.finish();
            assert_eq!(lp.len(), len);
            assert_eq!(&lp[..16], head);
            assert_eq!(&lp[lp.len() - 8..], tail);
            assert_eq!(fnv1a(&lp), hash);
            let decoded = decode(&lp).unwrap();
            assert_eq!(decoded.len(), pairs * 2);
            assert_eq!(decoded[0], Element::Int(-20000));
            assert_eq!(decoded[1], Element::Str(b"v"));
        }
    }

    #[test]
    fn count_field_at_65535() {
        for (n, field) in [(65534usize, 65534u16), (65535, 65535), (65536, 65535)] {
            let mut w = Writer::new();
            for _ in 0..n {
                w.push_int(1);
            }
            let lp = w.finish();
            assert_eq!(u16::from_le_bytes([lp[4], lp[5]]), field);
            assert_eq!(decode(&lp).unwrap().len(), n);
        }
    }

    #[test]
    fn integer_round_trips_use_smallest_encoding() {
        let cases: &[(i64, usize)] = &[
            (0, 1),
            (127, 1),
            (128, 2),
            (-1, 2),
            (-4096, 2),
            (4095, 2),
            (4096, 3),
            (-4097, 3),
            (i64::from(i16::MIN), 3),
            (i64::from(i16::MAX), 3),
            (i64::from(i16::MAX) + 1, 4),
            (i64::from(i16::MIN) - 1, 4),
            (-(1 << 23), 4),
            ((1 << 23) - 1, 4),
            (1 << 23, 5),
            (-(1 << 23) - 1, 5),
            (i64::from(i32::MIN), 5),
            (i64::from(i32::MAX), 5),
            (i64::from(i32::MAX) + 1, 9),
            (i64::from(i32::MIN) - 1, 9),
            (i64::MIN, 9),
            (i64::MAX, 9),
        ];
        for &(v, enc_len) in cases {
            let mut w = Writer::new();
            w.push_int(v);
            let lp = w.finish();
            // header + entry + 1-byte backlen + terminator
            assert_eq!(lp.len(), HDR_SIZE + enc_len + 2, "{v}");
            assert_eq!(lp, build(&[v.to_string().as_bytes()]), "{v}");
            assert_eq!(decode(&lp).unwrap(), [Element::Int(v)]);
            assert_robust(&lp);
        }
    }

    #[test]
    fn string_round_trips_at_length_boundaries() {
        let cases: &[(usize, usize)] = &[
            (0, 1),
            (1, 1),
            (63, 1),
            (64, 2),
            (125, 2),
            (126, 2),
            (4095, 2),
            (4096, 5),
            (16377, 5),
            (16378, 5),
            (70000, 5),
        ];
        for &(n, hdr) in cases {
            let s = vec![b'z'; n];
            let lp = build(&[&s, b"tail"]);
            let entry = hdr + n;
            assert_eq!(decode_entry(&lp[HDR_SIZE..]).unwrap().1, entry, "{n}");
            let (backlen, bn) = encode_backlen(entry);
            assert_eq!(&lp[HDR_SIZE + entry..][..bn], &backlen[..bn]);
            assert_eq!(
                decode(&lp).unwrap(),
                [Element::Str(&s), Element::Str(b"tail")]
            );
        }
    }

    #[test]
    fn backlen_thresholds_match_redis() {
        let sizes: &[(usize, &[u8])] = &[
            (1, b"\x01"),
            (127, b"\x7f"),
            (128, b"\x01\x80"),
            (16382, b"\x7f\xfe"),
            (16383, b"\x00\xff\xff"),
            (2_097_150, b"\x7f\xff\xfe"),
            (2_097_151, b"\x00\xff\xff\xff"),
            (268_435_455, b"\x00\xff\xff\xff\xff"),
        ];
        for &(len, want) in sizes {
            let (b, n) = encode_backlen(len);
            assert_eq!(&b[..n], want, "{len}");
        }
    }

    #[test]
    fn tolerates_the_backlen_forms_redis_tolerates() {
        let mut lp = Writer::new();
        lp.push_int(0);
        let mut lp = lp.finish();
        assert_eq!(lp, b"\x09\x00\x00\x00\x01\x00\x00\x01\xff");
        // Continuation bit on the backlen; the entry byte before it is 0x00,
        // so reading right to left still yields 1. Redis 7.0.15 RESTOREs
        // listpacks like this (found by differential testing).
        lp[7] = 0x81;
        assert_eq!(decode(&lp).unwrap(), [Element::Int(0)]);
        // With a non-zero byte before it the value changes: rejected.
        lp[6] = 0x01;
        assert!(decode(&lp).is_err());
    }

    #[test]
    fn empty_listpack() {
        let lp = Writer::new().finish();
        assert_eq!(lp, b"\x07\x00\x00\x00\x00\x00\xff");
        assert_eq!(decode(&lp).unwrap(), []);
    }

    #[test]
    fn truncations_and_flips_are_safe() {
        for blob in [RPUSH_MIXED, RPUSH_INT_BOUNDS, RPUSH_NUMBERLIKE, HSET, ZADD] {
            assert_robust(blob);
        }
    }

    #[test]
    fn structural_corruption_is_rejected() {
        let good = HSET.to_vec();
        let corrupt = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            decode(&b).map(|v| v.len())
        };
        // Header count too high, too low, and claiming more than fits.
        assert!(corrupt(&|b| b[4] = 5).is_err());
        assert!(corrupt(&|b| b[4] = 3).is_err());
        assert!(corrupt(&|b| b[4..6].copy_from_slice(&[0xfe, 0xff])).is_err());
        // 65535 means "unknown" and is accepted.
        assert_eq!(corrupt(&|b| b[4..6].copy_from_slice(&[0xff, 0xff])), Ok(4));
        // Total bytes off by one either way.
        assert!(corrupt(&|b| b[0] += 1).is_err());
        assert!(corrupt(&|b| b[0] -= 1).is_err());
        // Missing terminator.
        assert!(corrupt(&|b| *b.last_mut().unwrap() = 0).is_err());
        // Wrong backlen of "f".
        assert!(corrupt(&|b| b[8] = 3).is_err());
        // Invalid encoding byte.
        assert!(corrupt(&|b| b[6] = 0xF5).is_err());
        // Early terminator.
        assert!(corrupt(&|b| b[6] = 0xFF).is_err());
        // String length running past the end.
        assert!(corrupt(&|b| b[6] = 0xBF).is_err());
        assert!(corrupt(&|b| b[6..11].copy_from_slice(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF])).is_err());
        // Trailing garbage after the terminator.
        assert!(
            corrupt(&|b| {
                b.push(0);
                b[0] += 1;
            })
            .is_err()
        );
        assert!(decode(b"").is_err());
        assert!(decode(b"\x06\x00\x00\x00\x00\x00").is_err());
    }

    #[test]
    fn random_input_never_panics() {
        let mut next = crate::persist::element::test_support::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..20_000 {
            let len = (next() % 40) as usize + 7;
            let mut blob: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Mostly well-formed frames so the entry parser gets exercised.
            blob[0..4].copy_from_slice(&(len as u32).to_le_bytes());
            blob[len - 1] = EOF;
            if next().is_multiple_of(2) {
                blob[4..6].copy_from_slice(&[0xff, 0xff]);
            }
            let _ = decode(&blob);
        }
    }
}
