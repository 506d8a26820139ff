//! Redis intset (`intset.c`): the sorted array of integers behind small
//! all-integer sets (RDB type 11), unchanged from Redis 2.x to 7.0.
//!
//! Layout: `encoding: u32 LE` (bytes per value: 2, 4 or 8), `length: u32 LE`,
//! then `length` values of that width, little endian, strictly ascending.
//! This module owns both directions.
//!
//! The integers come back as [`i64`]; the shared `Element` type is not
//! needed here, only [`Corrupt`].

use super::element::Corrupt;

const HDR_SIZE: usize = 8;

/// Bytes needed for `v`, as Redis's `_intsetValueEncoding`.
fn value_width(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Encodes strictly ascending values with the narrowest width holding all of
/// them, which is what an intset grown by `SADD` ends up with (Redis widens
/// on demand and never narrows, so a set that once held a wide value can
/// differ; RDB readers accept either).
///
/// # Panics
///
/// If there are more than `u32::MAX` values. Debug builds also check the
/// ordering.
pub fn encode(sorted_ascending: &[i64]) -> Vec<u8> {
    debug_assert!(
        sorted_ascending.windows(2).all(|w| w[0] < w[1]),
        "intset values must be strictly ascending"
    );
    // Ascending order puts the extremes, hence the widest values, at the ends.
    let width = match (sorted_ascending.first(), sorted_ascending.last()) {
        (Some(&lo), Some(&hi)) => value_width(lo).max(value_width(hi)),
        _ => 2, // intsetNew starts at 16 bits
    };
    let len = u32::try_from(sorted_ascending.len()).expect("intset larger than u32::MAX values");
    let mut out = Vec::with_capacity(HDR_SIZE + sorted_ascending.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    for v in sorted_ascending {
        // Little-endian truncation of an in-range value is its narrower
        // two's complement form.
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// Validates `blob` with the checks of Redis's deep
/// `intsetValidateIntegrity` and returns its values.
///
/// Unlike Redis, an empty intset is accepted: whether an empty set is
/// acceptable is the caller's decision.
pub fn decode(blob: &[u8]) -> Result<Vec<i64>, Corrupt> {
    let header = blob
        .get(..HDR_SIZE)
        .ok_or(Corrupt("intset shorter than its header"))?;
    let width = match u32::from_le_bytes([header[0], header[1], header[2], header[3]]) {
        2 => 2,
        4 => 4,
        8 => 8,
        _ => return Err(Corrupt("intset has an invalid encoding")),
    };
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let body = &blob[HDR_SIZE..];
    // Checked before anything is allocated, so a lying count costs nothing.
    if u64::from(count) * width as u64 != body.len() as u64 {
        return Err(Corrupt("intset length does not match its size"));
    }
    let values: Vec<i64> = body
        .chunks_exact(width)
        .map(|c| match *c {
            [a, b] => i64::from(i16::from_le_bytes([a, b])),
            [a, b, c, d] => i64::from(i32::from_le_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => i64::from_le_bytes([a, b, c, d, e, f, g, h]),
            _ => unreachable!("chunks_exact yields {width}-byte chunks"),
        })
        .collect();
    if values.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Corrupt("intset values are not strictly ascending"));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_redis_vector(values: &[i64], redis: &[u8]) {
        assert_eq!(encode(values), redis);
        assert_eq!(decode(redis).unwrap(), values);
        for cut in 0..redis.len() {
            assert!(decode(&redis[..cut]).is_err(), "truncated at {cut}");
        }
    }

    #[test]
    fn matches_redis() {
        // redis-cli SADD s 1 2 3; DUMP s (type 11)
        assert_redis_vector(
            &[1, 2, 3],
            b"\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00",
        );
        // redis-cli SADD big 1 70000 5000000000
        assert_redis_vector(
            &[1, 70000, 5000000000],
            b"\x08\x00\x00\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x70\x11\x01\x00\x00\x00\x00\x00\x00\xf2\x05\x2a\x01\x00\x00\x00",
        );
        // redis-cli SADD s16 -32768 32767 0
        assert_redis_vector(
            &[-32768, 0, 32767],
            b"\x02\x00\x00\x00\x03\x00\x00\x00\x00\x80\x00\x00\xff\x7f",
        );
        // redis-cli SADD s32 -32769 1 32768
        assert_redis_vector(
            &[-32769, 1, 32768],
            b"\x04\x00\x00\x00\x03\x00\x00\x00\xff\x7f\xff\xff\x01\x00\x00\x00\x00\x80\x00\x00",
        );
        // redis-cli SADD s32b -2147483648 2147483647
        assert_redis_vector(
            &[i64::from(i32::MIN), i64::from(i32::MAX)],
            b"\x04\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff\x7f",
        );
        // redis-cli SADD s64 -9223372036854775808 9223372036854775807 -2147483649
        assert_redis_vector(
            &[i64::MIN, -2147483649, i64::MAX],
            b"\x08\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
        );
    }

    #[test]
    fn matches_redis_test_assets() {
        // tests/assets/encodings.rdb (RDB version 4), "set_zipped_1".
        assert_redis_vector(
            &[1, 2, 3, 4],
            b"\x02\x00\x00\x00\x04\x00\x00\x00\x01\x00\x02\x00\x03\x00\x04\x00",
        );
        // encodings.rdb, "set_zipped_2".
        assert_redis_vector(
            &[100000, 200000, 300000, 400000],
            b"\x04\x00\x00\x00\x04\x00\x00\x00\xa0\x86\x01\x00\x40\x0d\x03\x00\xe0\x93\x04\x00\x80\x1a\x06\x00",
        );
        // encodings.rdb, "set_zipped_3".
        assert_redis_vector(
            &[1000000000, 2000000000, 3000000000, 4000000000, 5000000000, 6000000000],
            b"\x08\x00\x00\x00\x06\x00\x00\x00\x00\xca\x9a\x3b\x00\x00\x00\x00\x00\x94\x35\x77\x00\x00\x00\x00\x00\x5e\xd0\xb2\x00\x00\x00\x00\x00\x28\x6b\xee\x00\x00\x00\x00\x00\xf2\x05\x2a\x01\x00\x00\x00\x00\xbc\xa0\x65\x01\x00\x00\x00",
        );
    }

    #[test]
    fn width_follows_the_extremes() {
        let cases: &[(&[i64], u8)] = &[
            (&[], 2),
            (&[i16::MIN as i64, i16::MAX as i64], 2),
            (&[i16::MIN as i64 - 1], 4),
            (&[i16::MAX as i64 + 1], 4),
            (&[i32::MIN as i64, 0, i32::MAX as i64], 4),
            (&[i32::MIN as i64 - 1, 0], 8),
            (&[0, i32::MAX as i64 + 1], 8),
            (&[i64::MIN, i64::MAX], 8),
        ];
        for &(values, width) in cases {
            let blob = encode(values);
            assert_eq!(blob[0], width, "{values:?}");
            assert_eq!(blob.len(), HDR_SIZE + values.len() * usize::from(width));
            assert_eq!(decode(&blob).unwrap(), values);
        }
    }

    #[test]
    fn corruption_is_rejected() {
        let good = encode(&[1, 2, 3]);
        let corrupt = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            decode(&b)
        };
        for enc in [0u8, 1, 3, 16, 0xff] {
            assert!(corrupt(&|b| b[0] = enc).is_err(), "{enc}");
        }
        assert!(corrupt(&|b| b[3] = 1).is_err());
        // Length says more or fewer values than present.
        assert!(corrupt(&|b| b[4] = 4).is_err());
        assert!(corrupt(&|b| b[4] = 2).is_err());
        assert!(corrupt(&|b| b[4..8].copy_from_slice(&[0xff; 4])).is_err());
        // Duplicate and descending values.
        assert!(corrupt(&|b| b[10] = 1).is_err());
        assert!(corrupt(&|b| b[12] = 0).is_err());
        // Trailing byte.
        assert!(corrupt(&|b| b.push(0)).is_err());
        assert!(decode(b"").is_err());
    }

    #[test]
    fn flips_never_panic() {
        let mut blob = encode(&[-5, 70000, 1 << 40]);
        for i in 0..blob.len() {
            for mask in [0x01, 0x04, 0x80, 0xFF] {
                blob[i] ^= mask;
                let _ = decode(&blob);
                blob[i] ^= mask;
            }
        }
    }
}
