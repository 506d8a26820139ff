//! Redis ziplist (`ziplist.c`), decode only: the pre-7.0 container for small
//! lists, hashes and sorted sets, still found in RDB files written by older
//! versions (RDB types 10, 12, 13 and quicklist nodes of type 14).
//!
//! Layout: `zlbytes: u32 LE`, `zltail: u32 LE` (offset of the last entry),
//! `zllen: u16 LE` (65535 = "count it yourself"), entries, `0xFF`. Each entry
//! is `prevlen` (1 byte below 254, else `0xFE` + `u32 LE`), an encoding
//! (string length prefix or integer tag) and the payload.
//!
//! Redis 7.0 never writes ziplists, so there is no encoder here.

use super::element::{Corrupt, Element};

const HDR_SIZE: usize = 10;
const END: u8 = 0xFF;
const BIG_PREVLEN: u8 = 0xFE;
const COUNT_UNKNOWN: u16 = u16::MAX;

/// Validates `blob` as a ziplist with the checks of Redis's deep
/// `ziplistValidateIntegrity` and returns its entries in order.
///
/// Beyond Redis, an empty ziplist must have `zltail` pointing at the end of
/// the header (what `ziplistNew` writes); Redis leaves it unchecked.
pub fn decode(blob: &[u8]) -> Result<Vec<Element<'_>>, Corrupt> {
    if blob.len() < HDR_SIZE + 1 {
        return Err(Corrupt("ziplist shorter than its header"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([blob[i], blob[i + 1], blob[i + 2], blob[i + 3]]);
    if usize::try_from(u32_at(0)).ok() != Some(blob.len()) {
        return Err(Corrupt("ziplist zlbytes does not match its length"));
    }
    let end = blob.len() - 1;
    if blob[end] != END {
        return Err(Corrupt("ziplist not terminated by 0xFF"));
    }
    let tail = usize::try_from(u32_at(4)).unwrap_or(usize::MAX);
    let header_count = u16::from_le_bytes([blob[8], blob[9]]);

    // Entries take at least 2 bytes; never trust the header beyond that.
    let capacity = if header_count == COUNT_UNKNOWN {
        0
    } else {
        usize::from(header_count).min((end - HDR_SIZE) / 2)
    };
    let mut out = Vec::with_capacity(capacity);

    // Entries may not reach into the terminator.
    let body = &blob[..end];
    let mut pos = HDR_SIZE;
    let mut prev_len = 0;
    let mut last_start = HDR_SIZE;
    while pos < end {
        let (element, len, prevlen) = decode_entry(&body[pos..])?;
        // The first entry's prevlen is 0, like Redis's `prev_raw_size`.
        if prevlen != prev_len {
            return Err(Corrupt("ziplist prevlen does not match the previous entry"));
        }
        out.push(element);
        last_start = pos;
        prev_len = len;
        pos += len;
    }

    if tail != last_start {
        return Err(Corrupt("ziplist zltail does not point at the last entry"));
    }
    if header_count != COUNT_UNKNOWN && usize::from(header_count) != out.len() {
        return Err(Corrupt("ziplist entry count does not match its header"));
    }
    Ok(out)
}

/// Decodes the entry at the start of `rest` (which excludes the terminator),
/// returning it, its total size and the prevlen it records.
fn decode_entry(rest: &[u8]) -> Result<(Element<'_>, usize, usize), Corrupt> {
    const OVERRUN: Corrupt = Corrupt("ziplist entry overruns the blob");
    let take = |n: usize| rest.get(..n).ok_or(OVERRUN);

    let (prevlen, p) = match rest[0] {
        END => return Err(Corrupt("ziplist terminator before the end of the blob")),
        // Redis sometimes keeps the 5-byte form for small values (cascade
        // updates avoid shrinking), so any value is accepted in it.
        BIG_PREVLEN => {
            let b = take(5)?;
            let v = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
            (usize::try_from(v).unwrap_or(usize::MAX), 5)
        }
        small => (usize::from(small), 1),
    };

    let tag = take(p + 1)?[p];
    let int_entry = |size: usize| -> Result<(&[u8], usize), Corrupt> {
        Ok((&take(p + 1 + size)?[p + 1..], p + 1 + size))
    };
    let (element, len) = match tag {
        // 00pppppp: string of up to 63 bytes.
        0x00..=0x3F => {
            let n = usize::from(tag);
            let header = p + 1;
            (Element::Str(&take(header + n)?[header..]), header + n)
        }
        // 01pppppp qqqqqqqq: string length as 14-bit big endian.
        0x40..=0x7F => {
            let b = take(p + 2)?;
            let n = (usize::from(tag & 0x3F) << 8) | usize::from(b[p + 1]);
            let header = p + 2;
            (Element::Str(&take(header + n)?[header..]), header + n)
        }
        // 10______ + u32 big endian length. Like Redis, the low 6 bits of
        // the tag are ignored.
        0x80..=0xBF => {
            let b = take(p + 5)?;
            let n = u32::from_be_bytes([b[p + 1], b[p + 2], b[p + 3], b[p + 4]]);
            let header = p + 5;
            let len = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(header))
                .ok_or(OVERRUN)?;
            (Element::Str(&take(len)?[header..]), len)
        }
        0xC0 => {
            let (d, len) = int_entry(2)?;
            (
                Element::Int(i64::from(i16::from_le_bytes([d[0], d[1]]))),
                len,
            )
        }
        0xD0 => {
            let (d, len) = int_entry(4)?;
            let v = i32::from_le_bytes([d[0], d[1], d[2], d[3]]);
            (Element::Int(i64::from(v)), len)
        }
        0xE0 => {
            let (d, len) = int_entry(8)?;
            let mut le = [0u8; 8];
            le.copy_from_slice(d);
            (Element::Int(i64::from_le_bytes(le)), len)
        }
        0xF0 => {
            let (d, len) = int_entry(3)?;
            // Shift into the top of an i32 and back down to sign-extend.
            let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
            (Element::Int(i64::from(v)), len)
        }
        0xFE => {
            let (d, len) = int_entry(1)?;
            (Element::Int(i64::from(d[0] as i8)), len)
        }
        // 1111xxxx with xxxx in 1..=13: the value is xxxx - 1.
        0xF1..=0xFD => (Element::Int(i64::from(tag & 0x0F) - 1), p + 1),
        _ => return Err(Corrupt("ziplist entry has an invalid encoding")),
    };
    Ok((element, len, prevlen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_robust(blob: &[u8]) {
        crate::persist::element::test_support::assert_robust(|b| decode(b).is_err(), blob);
    }

    fn strs(items: &[Element<'_>]) -> Vec<Vec<u8>> {
        items.iter().map(|e| e.to_bytes().to_vec()).collect()
    }

    // Hand-built per ziplist.c: every encoding Redis writes (6-bit string,
    // int8, int16, int24, int32, int64, immediates 0 and 12), plus entry 3
    // using the 5-byte prevlen form for a small value. Redis 7.0.15 accepts
    // it via RESTORE (type 10, list ziplist, always deep-validated) and
    // LRANGE returns exactly the values below.
    const ALL_ENCODINGS: &[u8] = b"\x62\x00\x00\x00\x5d\x00\x00\x00\x12\x00\x00\x00\x02\x05\x68\x65\x6c\x6c\x6f\x07\xfe\x80\xfe\x03\x00\x00\x00\xfe\x7f\x07\xfe\x0d\x03\xfe\xff\x03\xc0\x00\x80\x04\xc0\xff\x7f\x04\xf0\xff\xff\x7f\x05\xf0\x00\x00\x80\x05\xd0\x00\x00\x00\x80\x06\xd0\xff\xff\xff\x7f\x06\xe0\x00\x00\x00\x00\x00\x00\x00\x80\x0a\xe0\xff\xff\xff\xff\xff\xff\xff\x7f\x0a\xf1\x02\xfd\x02\x02\x30\x31\x04\x02\x2d\x30\xff";

    #[test]
    fn decodes_every_encoding() {
        let got = decode(ALL_ENCODINGS).unwrap();
        let want = [
            Element::Str(b""),
            Element::Str(b"hello"),
            Element::Int(-128),
            Element::Int(127),
            Element::Int(13),
            Element::Int(-1),
            Element::Int(-32768),
            Element::Int(32767),
            Element::Int(8388607),
            Element::Int(-8388608),
            Element::Int(-2147483648),
            Element::Int(2147483647),
            Element::Int(i64::MIN),
            Element::Int(i64::MAX),
            Element::Int(0),
            Element::Int(12),
            Element::Str(b"01"),
            Element::Str(b"-0"),
        ];
        assert_eq!(got, want);
        assert_robust(ALL_ENCODINGS);
    }

    /// A 300-byte string (14-bit length) followed by an entry whose prevlen
    /// needs the 5-byte form; accepted by Redis 7.0.15 via RESTORE type 10.
    #[test]
    fn decodes_14bit_string_and_big_prevlen() {
        let mut zl = b"\x45\x01\x00\x00\x3f\x01\x00\x00\x03\x00\x00\x41\x2c".to_vec();
        zl.extend_from_slice(&[b'y'; 300]);
        zl.extend_from_slice(b"\xfe\x2f\x01\x00\x00\xf8\x06\x03\x65\x6e\x64\xff");
        let got = decode(&zl).unwrap();
        assert_eq!(
            got,
            [
                Element::Str(&[b'y'; 300]),
                Element::Int(7),
                Element::Str(b"end")
            ]
        );
        assert_robust(&zl);
    }

    /// A 16384-byte string (32-bit length); accepted by Redis 7.0.15 via
    /// RESTORE type 10.
    #[test]
    fn decodes_32bit_string() {
        let mut zl =
            b"\x1a\x40\x00\x00\x12\x40\x00\x00\x03\x00\x00\xf2\x02\x80\x00\x00\x40\x00".to_vec();
        zl.extend_from_slice(&[b'w'; 16384]);
        zl.extend_from_slice(b"\xfe\x06\x40\x00\x00\x01\x7a\xff");
        let got = decode(&zl).unwrap();
        assert_eq!(
            got,
            [
                Element::Int(1),
                Element::Str(&[b'w'; 16384]),
                Element::Str(b"z")
            ]
        );
    }

    // tests/assets/encodings.rdb (Redis repo, RDB version 4), key
    // "list_zipped" (type 10, list ziplist).
    const RDB_LIST_ZIPPED: &[u8] = b"\x30\x00\x00\x00\x25\x00\x00\x00\x08\x00\x00\xc0\x01\x00\x04\xc0\x02\x00\x04\xc0\x03\x00\x04\x01\x61\x03\x01\x62\x03\x01\x63\x03\xd0\xa0\x86\x01\x00\x06\xe0\x00\xbc\xa0\x65\x01\x00\x00\x00\xff";
    // encodings.rdb, key "hash_zipped" (type 13, hash ziplist); "zset_zipped"
    // (type 12) holds the same bytes.
    const RDB_HASH_ZIPPED: &[u8] = b"\x20\x00\x00\x00\x1b\x00\x00\x00\x06\x00\x00\x01\x61\x03\xc0\x01\x00\x04\x01\x62\x03\xc0\x02\x00\x04\x01\x63\x03\xc0\x03\x00\xff";
    // tests/assets/zset-ziplist.rdb, key "zset" (type 12, zset ziplist).
    const RDB_ZSET: &[u8] = b"\x19\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x03\x6f\x6e\x65\x05\xf2\x02\x03\x74\x77\x6f\x05\xf3\xff";
    // tests/assets/hash-ziplist.rdb, key "hash" (type 13).
    const RDB_HASH: &[u8] = b"\x1b\x00\x00\x00\x16\x00\x00\x00\x04\x00\x00\x02\x66\x31\x04\x02\x76\x31\x04\x02\x66\x32\x04\x02\x76\x32\xff";
    // tests/assets/list-quicklist.rdb, key "list" (type 14, one node).
    const RDB_QUICKLIST_NODE: &[u8] = b"\x0d\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\xf8\xff";

    #[test]
    fn decodes_redis_test_assets() {
        // Expected values from tests/integration/rdb.tcl and the
        // convert-ziplist-*-on-load tests.
        let cases: &[(&[u8], &[&[u8]])] = &[
            (
                RDB_LIST_ZIPPED,
                &[b"1", b"2", b"3", b"a", b"b", b"c", b"100000", b"6000000000"],
            ),
            (RDB_HASH_ZIPPED, &[b"a", b"1", b"b", b"2", b"c", b"3"]),
            (RDB_ZSET, &[b"one", b"1", b"two", b"2"]),
            (RDB_HASH, &[b"f1", b"v1", b"f2", b"v2"]),
            (RDB_QUICKLIST_NODE, &[b"7"]),
        ];
        for &(blob, want) in cases {
            let got = decode(blob).unwrap();
            assert_eq!(strs(&got), want);
            assert_robust(blob);
        }
        // Old Redis stored small numbers as int16 rather than immediates;
        // the value must still come back as an integer.
        assert_eq!(decode(RDB_LIST_ZIPPED).unwrap()[0], Element::Int(1));
    }

    #[test]
    fn empty_ziplist() {
        assert_eq!(
            decode(b"\x0b\x00\x00\x00\x0a\x00\x00\x00\x00\x00\xff").unwrap(),
            []
        );
        // Count says one entry, none present.
        assert!(decode(b"\x0b\x00\x00\x00\x0a\x00\x00\x00\x01\x00\xff").is_err());
        // Tail beyond the header.
        assert!(decode(b"\x0b\x00\x00\x00\x0b\x00\x00\x00\x00\x00\xff").is_err());
    }

    #[test]
    fn structural_corruption_is_rejected() {
        let good = RDB_HASH.to_vec();
        let corrupt = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            decode(&b).map(|v| v.len())
        };
        assert_eq!(corrupt(&|_| {}), Ok(4));
        // zlbytes off by one.
        assert!(corrupt(&|b| b[0] += 1).is_err());
        // zltail pointing at the wrong entry or past the end.
        assert!(corrupt(&|b| b[4] -= 4).is_err());
        assert!(corrupt(&|b| b[4..8].copy_from_slice(&[0xff; 4])).is_err());
        // Wrong counts; 65535 means "unknown".
        assert!(corrupt(&|b| b[8] = 3).is_err());
        assert!(corrupt(&|b| b[8] = 5).is_err());
        assert_eq!(corrupt(&|b| b[8..10].copy_from_slice(&[0xff, 0xff])), Ok(4));
        // First entry with a non-zero prevlen; later one with a wrong one.
        assert!(corrupt(&|b| b[10] = 1).is_err());
        assert!(corrupt(&|b| b[14] = 5).is_err());
        // Invalid encodings.
        for tag in [0xC1, 0xCF, 0xD1, 0xE1, 0xEF, 0xFF] {
            assert!(corrupt(&|b| b[11] = tag).is_err(), "{tag:#x}");
        }
        // String length past the end.
        assert!(corrupt(&|b| b[11] = 0x3F).is_err());
        // Missing terminator.
        assert!(corrupt(&|b| *b.last_mut().unwrap() = 0).is_err());
        assert!(decode(b"").is_err());
    }

    #[test]
    fn random_input_never_panics() {
        let mut next = crate::persist::element::test_support::xorshift(0x2545_F491_4F6C_DD1Du64);
        for _ in 0..20_000 {
            let len = (next() % 40) as usize + 11;
            let mut blob: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            blob[0..4].copy_from_slice(&(len as u32).to_le_bytes());
            blob[len - 1] = END;
            blob[10] = 0;
            let _ = decode(&blob);
        }
    }
}
