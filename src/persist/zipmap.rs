//! Redis zipmap (`zipmap.c`), decode only: the small-hash encoding of
//! Redis 2.x RDB files (RDB type 9), still loaded (and converted) by 7.0.
//!
//! Layout: `zmlen: u8` (pair count, 254 or more = "unknown"), then pairs of
//! `len key len free value <free unused bytes>`, then `0xFF`. A `len` is one
//! byte below 254, or `0xFE` followed by a `u32` (little endian, as written
//! on every platform Redis shipped on).

use super::element::Corrupt;

/// One `(field, value)` pair, borrowed from the zipmap.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

const END: u8 = 0xFF;
const BIGLEN: u8 = 0xFE;

/// Validates `blob` with the checks of Redis's `zipmapValidateIntegrity` and
/// returns its `(field, value)` pairs in order.
///
/// Stricter than Redis where Redis relies on never writing something: the
/// terminator must be the last byte and a value length may not start with
/// `0xFF`. An empty zipmap is accepted (Redis rejects it); whether that is
/// acceptable is the caller's decision.
pub fn decode(blob: &[u8]) -> Result<Vec<Pair<'_>>, Corrupt> {
    const OVERRUN: Corrupt = Corrupt("zipmap entry overruns the blob");
    let (&zmlen, rest) = blob
        .split_first()
        .ok_or(Corrupt("zipmap shorter than its header"))?;
    // Entries may not reach into the terminator.
    let body = match rest.split_last() {
        Some((&END, body)) => body,
        _ => return Err(Corrupt("zipmap not terminated by 0xFF")),
    };

    let mut out = Vec::new();
    let mut pos = 0;
    // Cuts `n` bytes off the body at `pos`, advancing it.
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], Corrupt> {
        let start = *pos;
        let end = start.checked_add(n).ok_or(OVERRUN)?;
        let bytes = body.get(start..end).ok_or(OVERRUN)?;
        *pos = end;
        Ok(bytes)
    };
    let read_len = |pos: &mut usize, first: u8| -> Result<usize, Corrupt> {
        match first {
            END => Err(Corrupt("zipmap terminator inside an entry")),
            BIGLEN => {
                let b = body.get(*pos..*pos + 4).ok_or(OVERRUN)?;
                *pos += 4;
                usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).map_err(|_| OVERRUN)
            }
            small => Ok(usize::from(small)),
        }
    };
    while pos < body.len() {
        let first = take(&mut pos, 1)?[0];
        let key_len = read_len(&mut pos, first)?;
        let key = take(&mut pos, key_len)?;
        let first = take(&mut pos, 1)?[0];
        let value_len = read_len(&mut pos, first)?;
        let free = take(&mut pos, 1)?[0];
        let value = take(&mut pos, value_len)?;
        // Slack left by in-place updates; its content is meaningless.
        take(&mut pos, usize::from(free))?;
        out.push((key, value));
    }

    if zmlen != BIGLEN && usize::from(zmlen) != out.len() {
        return Err(Corrupt("zipmap entry count does not match its header"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_robust(blob: &[u8]) {
        crate::persist::element::test_support::assert_robust(|b| decode(b).is_err(), blob);
    }

    // tests/assets/hash-zipmap.rdb (Redis repo, RDB version 3), key "hash"
    // (type 9): f1 => v1, f2 => v2.
    const RDB_HASH: &[u8] = b"\x02\x02\x66\x31\x02\x00\x76\x31\x02\x66\x32\x02\x00\x76\x32\xff";

    // Hand-built per zipmap.c with an empty value, an empty key and free
    // bytes; Redis 7.0.15 accepts it via RESTORE (type 9) and HGETALL gives
    // k => "", "" => v, num => 12345.
    const EDGE_CASES: &[u8] = b"\x03\x01\x6b\x00\x00\x00\x01\x02\x76\xaa\xaa\x03\x6e\x75\x6d\x05\x04\x31\x32\x33\x34\x35\xaa\xaa\xaa\xaa\xff";

    #[test]
    fn decodes_redis_vectors() {
        assert_eq!(
            decode(RDB_HASH).unwrap(),
            [(&b"f1"[..], &b"v1"[..]), (b"f2", b"v2")]
        );
        assert_eq!(
            decode(EDGE_CASES).unwrap(),
            [(&b"k"[..], &b""[..]), (b"", b"v"), (b"num", b"12345")]
        );
        assert_robust(RDB_HASH);
        assert_robust(EDGE_CASES);
    }

    /// Hand-built: zmlen 254 ("unknown"), a 254-byte key and a 300-byte
    /// value (5-byte lengths) with 1 free byte, then x => y. Redis 7.0.15
    /// accepts it via RESTORE (type 9).
    #[test]
    fn decodes_big_lengths_and_unknown_count() {
        let mut zm = b"\xfe\xfe\xfe\x00\x00\x00".to_vec();
        zm.extend_from_slice(&[b'K'; 254]);
        zm.extend_from_slice(b"\xfe\x2c\x01\x00\x00\x01");
        zm.extend_from_slice(&[b'V'; 300]);
        zm.extend_from_slice(b"\xaa\x01\x78\x01\x00\x79\xff");
        let got = decode(&zm).unwrap();
        assert_eq!(got, [(&[b'K'; 254][..], &[b'V'; 300][..]), (b"x", b"y")]);
        assert_robust(&zm);
    }

    #[test]
    fn corruption_is_rejected() {
        // Count mismatch (Redis rejects this one via RESTORE too).
        assert!(decode(b"\x02\x01k\x01\x00v\xff").is_err());
        // Value length 0xFF (also rejected by Redis via RESTORE).
        assert!(decode(b"\x01\x01k\xff\x00v\xff").is_err());
        // Terminator inside the key position.
        assert!(decode(b"\x01\xff\xff").is_err());
        // Free bytes running past the end.
        assert!(decode(b"\x01\x01k\x01\x05v\xff").is_err());
        // Big length running past the end.
        assert!(decode(b"\x01\xfe\xff\xff\xff\xff\xff").is_err());
        // Missing terminator; trailing byte after it.
        assert!(decode(b"\x01\x01k\x01\x00v").is_err());
        assert!(decode(b"\x01\x01k\x01\x00v\xff\x00").is_err());
        assert!(decode(b"").is_err());
        assert!(decode(b"\xff").is_err());
    }

    #[test]
    fn empty_zipmap_is_left_to_the_caller() {
        assert_eq!(decode(b"\x00\xff").unwrap(), []);
    }
}
