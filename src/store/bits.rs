//! Bit arithmetic over byte strings as Redis's bitmap commands see them: bit 0 is the most
//! significant bit of the first byte, and a string reads as zeros past its end.
//!
//! Pure functions over slices (no store, no errors), so the commands in
//! `commands::bitmaps` only parse, look up and reply: counting set bits in a range
//! (BITCOUNT), finding the first set or clear bit (BITPOS), and reading, writing and
//! incrementing integers of 1 to 64 bits at any bit offset with Redis's three overflow
//! behaviours (BITFIELD). Ranges follow Redis's index rules, quirks included: what its
//! commands answer for odd ranges is what clients depend on.

/// What the indexes of a BITCOUNT / BITPOS range count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Byte,
    Bit,
}

/// Set bits in `data`.
pub fn popcount(data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(8);
    let mut total: u64 = words
        .by_ref()
        .map(|w| u64::from(u64::from_ne_bytes(w.try_into().unwrap_or([0; 8])).count_ones()))
        .sum();
    total += words
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>();
    total
}

/// A range of whole bytes, with the bits of its first and last byte that lie outside the
/// requested bit range (masks of zero for a byte range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    first: usize,
    last: usize,
    /// Bits of `data[first]` before the range.
    head_mask: u8,
    /// Bits of `data[last]` after the range.
    tail_mask: u8,
}

/// Redis's range arithmetic shared by BITCOUNT and BITPOS: negative indexes count from the
/// end, both are clamped into the string, and an empty range is `None`.
fn span(len: usize, start: i64, end: i64, unit: Unit) -> Option<Span> {
    // A string holds at most proto-max-bulk-len bytes, far below i64::MAX / 8.
    let mut total = len as i64;
    if unit == Unit::Bit {
        total = total.saturating_mul(8);
    }
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    Some(match unit {
        Unit::Byte => Span {
            first: start as usize,
            last: end as usize,
            head_mask: 0,
            tail_mask: 0,
        },
        Unit::Bit => Span {
            first: (start >> 3) as usize,
            last: (end >> 3) as usize,
            head_mask: !(0xFFu8 >> (start & 7)),
            tail_mask: ((1u16 << (7 - (end & 7))) - 1) as u8,
        },
    })
}

/// BITCOUNT: the set bits of `data` in `start..=end` (counted in `unit`), or of all of it.
pub fn count(data: &[u8], range: Option<(i64, i64, Unit)>) -> u64 {
    let Some((start, end, unit)) = range else {
        return popcount(data);
    };
    if start < 0 && end < 0 && start > end {
        return 0;
    }
    let Some(s) = span(data.len(), start, end, unit) else {
        return 0;
    };
    popcount(&data[s.first..=s.last])
        - u64::from((data[s.first] & s.head_mask).count_ones())
        - u64::from((data[s.last] & s.tail_mask).count_ones())
}

/// The first `bit` of `data` as if zeros followed it (Redis's `redisBitpos`): a clear bit
/// is always found (at `8 * data.len()` at the latest); no set bit is -1.
fn first_bit(data: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xFF };
    let mut words = data.chunks_exact(8);
    let mut at = 0usize;
    for word in words.by_ref() {
        if word.iter().any(|&b| b != skip) {
            break;
        }
        at += 8;
    }
    for &byte in &data[at..] {
        if byte != skip {
            let within = if bit {
                byte.leading_zeros()
            } else {
                byte.leading_ones()
            };
            return (at * 8) as i64 + i64::from(within);
        }
        at += 1;
    }
    if bit { -1 } else { (data.len() * 8) as i64 }
}

/// Where a BITPOS search looks: the whole string, from `start`, or `start..=end` (the end
/// given by the client), counted in `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitposRange {
    pub start: i64,
    pub end: Option<i64>,
    pub unit: Unit,
}

/// BITPOS: the position of the first `bit` in the range, or -1. Without an explicit end a
/// clear bit may be found just past the string (it reads as zeros there); with one, the
/// search stops at the range's end.
pub fn position(data: &[u8], bit: bool, range: Option<BitposRange>) -> i64 {
    let (start, end, unit, end_given) = match range {
        None => (0, -1, Unit::Byte, false),
        Some(r) => {
            let end = r.end.unwrap_or(match r.unit {
                Unit::Byte => data.len() as i64 - 1,
                Unit::Bit => (data.len() as i64) * 8 + 7,
            });
            (r.start, end, r.unit, r.end.is_some())
        }
    };
    let Some(s) = span(data.len(), start, end, unit) else {
        return -1;
    };
    // The edge bytes outside the range are forced to the opposite of what is sought.
    let masked = |byte: u8, mask: u8| if bit { byte & !mask } else { byte | mask };
    let mut from = s.first;
    let mut bytes = s.last - s.first + 1;
    let found = 'search: {
        if s.head_mask != 0 {
            let mut b = masked(data[from], s.head_mask);
            if bytes == 1 && s.tail_mask != 0 {
                b = masked(b, s.tail_mask);
            }
            let pos = first_bit(&[b], bit);
            if bytes == 1 || (pos != -1 && pos != 8) {
                break 'search pos;
            }
            from += 1;
            bytes -= 1;
        }
        let middle = bytes - usize::from(s.tail_mask != 0);
        if middle > 0 {
            let pos = first_bit(&data[from..from + middle], bit);
            if bytes == middle || (pos != -1 && pos != (middle * 8) as i64) {
                break 'search pos;
            }
            from += middle;
            bytes -= middle;
        }
        first_bit(&[masked(data[s.last], s.tail_mask)], bit)
    };
    if end_given && !bit && found == (bytes * 8) as i64 {
        return -1;
    }
    if found == -1 {
        -1
    } else {
        found + (from * 8) as i64
    }
}

/// Reads `bits` (1..=64) bits at bit `offset` as an unsigned integer, most significant
/// first; bits past the end of `data` read as zero.
pub fn get_unsigned(data: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for i in 0..u64::from(bits) {
        let at = offset + i;
        let byte = usize::try_from(at >> 3)
            .ok()
            .and_then(|b| data.get(b))
            .copied()
            .unwrap_or(0);
        value = (value << 1) | u64::from((byte >> (7 - (at & 7))) & 1);
    }
    value
}

/// Reads `bits` bits at bit `offset` as a two's complement signed integer.
pub fn get_signed(data: &[u8], offset: u64, bits: u32) -> i64 {
    let mut value = get_unsigned(data, offset, bits);
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        value |= u64::MAX << bits;
    }
    value as i64
}

/// Writes the low `bits` bits of `value` at bit `offset`. `data` must hold them (the
/// command grows the string first).
pub fn set_field(data: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..u64::from(bits) {
        let at = offset + i;
        let on = (value >> (u64::from(bits) - 1 - i)) & 1;
        let byte = &mut data[(at >> 3) as usize];
        let shift = 7 - (at & 7);
        *byte = (*byte & !(1 << shift)) | ((on as u8) << shift);
    }
}

/// BITFIELD's `OVERFLOW` behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around, modulo 2^bits (two's complement for signed fields).
    Wrap,
    /// Saturate at the type's minimum or maximum.
    Sat,
    /// Refuse: the field is not written and the command answers null for it.
    Fail,
}

/// `value + incr` stored in an unsigned field of `bits` (1..=63) bits: the value to store,
/// or `None` when it overflows under [`Overflow::Fail`]. Redis's
/// `checkUnsignedBitfieldOverflow`, whose arithmetic wraps in 64 bits first: a negative
/// SET value (`value` = its two's complement) counts as an overflow upwards.
pub fn unsigned_add(value: u64, incr: i64, bits: u32, overflow: Overflow) -> Option<u64> {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let sum = value.wrapping_add(incr as u64);
    let wrapped = sum & max;
    if value > max || (incr > 0 && incr > max_incr) {
        return match overflow {
            Overflow::Wrap => Some(wrapped),
            Overflow::Sat => Some(max),
            Overflow::Fail => None,
        };
    }
    if incr < 0 && incr < min_incr {
        return match overflow {
            Overflow::Wrap => Some(wrapped),
            Overflow::Sat => Some(0),
            Overflow::Fail => None,
        };
    }
    Some(sum)
}

/// `value + incr` stored in a signed field of `bits` (1..=64) bits, as
/// [`unsigned_add`]. Redis's `checkSignedBitfieldOverflow`, with its 64-bit wrapping: a
/// SET of a value far below the minimum can read as an overflow upwards (so SAT stores
/// the maximum), as redis-server answers.
pub fn signed_add(value: i64, incr: i64, bits: u32, overflow: Overflow) -> Option<i64> {
    let max = if bits >= 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let sum = (value as u64).wrapping_add(incr as u64);
        if bits >= 64 {
            return sum as i64;
        }
        let high = u64::MAX << bits;
        if sum & (1 << (bits - 1)) != 0 {
            (sum | high) as i64
        } else {
            (sum & !high) as i64
        }
    };
    let narrow = bits < 64;
    if value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        return match overflow {
            Overflow::Wrap => Some(wrapped()),
            Overflow::Sat => Some(max),
            Overflow::Fail => None,
        };
    }
    if value < min || (narrow && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr) {
        return match overflow {
            Overflow::Wrap => Some(wrapped()),
            Overflow::Sat => Some(min),
            Overflow::Fail => None,
        };
    }
    Some(value.wrapping_add(incr))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: one bit at a time.
    fn bit_at(data: &[u8], i: usize) -> bool {
        data.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
    }

    #[test]
    fn popcount_matches_bit_by_bit() {
        let data: Vec<u8> = (0..77u32).map(|i| (i * 37 % 256) as u8).collect();
        for len in [0, 1, 7, 8, 9, 16, 77] {
            let slow = (0..len * 8).filter(|&i| bit_at(&data, i)).count() as u64;
            assert_eq!(popcount(&data[..len]), slow);
        }
    }

    #[test]
    fn count_ranges_follow_redis() {
        let foobar = b"foobar";
        assert_eq!(count(foobar, None), 26);
        assert_eq!(count(foobar, Some((0, 0, Unit::Byte))), 4);
        assert_eq!(count(foobar, Some((1, 1, Unit::Byte))), 6);
        assert_eq!(count(foobar, Some((1, 1, Unit::Bit))), 1);
        assert_eq!(count(foobar, Some((5, 30, Unit::Bit))), 17);
        assert_eq!(count(foobar, Some((-1, -2, Unit::Byte))), 0);
        assert_eq!(count(foobar, Some((-100, 100, Unit::Byte))), 26);
        assert_eq!(count(foobar, Some((i64::MIN, i64::MAX, Unit::Bit))), 26);
        assert_eq!(count(b"", Some((0, -1, Unit::Bit))), 0);
        // Every bit range of a short string, against the bit-by-bit count.
        let data = [0xA5u8, 0xFF, 0x00, 0x3C];
        for start in -40i64..40 {
            for end in -40i64..40 {
                let total = 32i64;
                let (mut s, mut e) = (start, end);
                if s < 0 && e < 0 && s > e {
                    assert_eq!(count(&data, Some((start, end, Unit::Bit))), 0);
                    continue;
                }
                if s < 0 {
                    s += total;
                }
                if e < 0 {
                    e += total;
                }
                let (s, e) = (s.max(0), e.max(0).min(total - 1));
                let slow = (s..=e).filter(|&i| bit_at(&data, i as usize)).count() as u64;
                assert_eq!(
                    count(&data, Some((start, end, Unit::Bit))),
                    slow,
                    "{start} {end}"
                );
            }
        }
    }

    fn range(start: i64, end: Option<i64>, unit: Unit) -> Option<BitposRange> {
        Some(BitposRange { start, end, unit })
    }

    #[test]
    fn first_bits_across_word_boundaries() {
        let mut data = vec![0u8; 40];
        assert_eq!(first_bit(&data, true), -1);
        assert_eq!(first_bit(&data, false), 0);
        data[37] = 0x10;
        assert_eq!(first_bit(&data, true), 37 * 8 + 3);
        let ones = vec![0xFFu8; 19];
        assert_eq!(first_bit(&ones, false), 19 * 8);
        assert_eq!(first_bit(&[], false), 0);
    }

    #[test]
    fn position_follows_redis() {
        let ones = [0xFFu8; 3];
        // A clear bit past the string, unless the range's end was given.
        assert_eq!(position(&ones, false, None), 24);
        assert_eq!(position(&ones, false, range(0, None, Unit::Byte)), 24);
        assert_eq!(position(&ones, false, range(0, Some(-1), Unit::Byte)), -1);
        assert_eq!(position(&ones, false, range(0, Some(-1), Unit::Bit)), -1);
        assert_eq!(position(&ones, true, range(1, None, Unit::Byte)), 8);
        assert_eq!(position(&[0, 0, 0], true, None), -1);
        assert_eq!(
            position(&[0x00, 0xFF, 0xF0], true, range(2, Some(-1), Unit::Byte)),
            16
        );
        assert_eq!(
            position(&[0x00, 0xFF, 0xF0], false, range(8, Some(19), Unit::Bit)),
            -1
        );
        assert_eq!(
            position(&[0x00, 0xFF, 0xF0], false, range(8, Some(20), Unit::Bit)),
            20
        );
        assert_eq!(
            position(&[0x00, 0xFF, 0xF0], true, range(3, Some(3), Unit::Bit)),
            -1
        );
        assert_eq!(
            position(&[0x00, 0xFF, 0xF0], true, range(7, Some(9), Unit::Bit)),
            8
        );
        assert_eq!(position(&[0x10], true, range(5, Some(2), Unit::Bit)), -1);
        assert_eq!(position(&[], false, range(0, None, Unit::Byte)), -1);
        // Every bit range, against a bit-by-bit search.
        let data = [0xF0u8, 0xFF, 0x0F, 0x81];
        for bit in [false, true] {
            for start in -34i64..34 {
                for end in -34i64..34 {
                    let (mut s, mut e) = (start, end);
                    if s < 0 {
                        s += 32;
                    }
                    if e < 0 {
                        e += 32;
                    }
                    let (s, e) = (s.max(0), e.clamp(0, 31));
                    let slow = (s..=e)
                        .find(|&i| bit_at(&data, i as usize) == bit)
                        .unwrap_or(-1);
                    let got = position(&data, bit, range(start, Some(end), Unit::Bit));
                    assert_eq!(got, slow, "bit {bit} {start}..={end}");
                }
            }
        }
    }

    #[test]
    fn fields_read_and_write_at_any_offset() {
        let mut data = vec![0u8; 10];
        set_field(&mut data, 7, 5, 23);
        assert_eq!(&data[..2], &[0b0000_0001, 0b0111_0000]);
        assert_eq!(get_unsigned(&data, 7, 5), 23);
        assert_eq!(get_signed(&data, 7, 5), -9);
        set_field(&mut data, 3, 64, u64::MAX);
        assert_eq!(get_signed(&data, 3, 64), -1);
        assert_eq!(get_unsigned(&data, 3, 63), (1 << 63) - 1);
        assert_eq!(get_unsigned(&data, 0, 3), 0);
        // Past the end reads as zeros.
        assert_eq!(get_unsigned(&[0xFF], 4, 8), 0xF0);
        assert_eq!(get_unsigned(&[], u64::MAX - 64, 64), 0);
    }

    #[test]
    fn overflow_at_width_boundaries() {
        use Overflow::*;
        assert_eq!(unsigned_add(255, 1, 8, Wrap), Some(0));
        assert_eq!(unsigned_add(255, 1, 8, Sat), Some(255));
        assert_eq!(unsigned_add(255, 1, 8, Fail), None);
        assert_eq!(unsigned_add(0, -1, 8, Sat), Some(0));
        assert_eq!(unsigned_add(0, -1, 8, Wrap), Some(255));
        assert_eq!(unsigned_add(0, -1, 1, Wrap), Some(1));
        assert_eq!(unsigned_add(u64::MAX, 0, 8, Sat), Some(255));
        assert_eq!(unsigned_add((1 << 63) - 1, 1, 63, Wrap), Some(0));
        assert_eq!(unsigned_add(5, i64::MIN, 63, Sat), Some(0));
        assert_eq!(unsigned_add(5, i64::MAX, 63, Fail), None);
        assert_eq!(signed_add(127, 1, 8, Wrap), Some(-128));
        assert_eq!(signed_add(-128, -1, 8, Sat), Some(-128));
        assert_eq!(signed_add(i64::MIN, 0, 8, Sat), Some(127));
        assert_eq!(signed_add(-200, 0, 8, Sat), Some(-128));
        assert_eq!(signed_add(i64::MIN, -1, 64, Sat), Some(i64::MIN));
        assert_eq!(signed_add(i64::MIN, -1, 64, Wrap), Some(i64::MAX));
        assert_eq!(signed_add(i64::MAX, 1, 64, Fail), None);
        assert_eq!(signed_add(0, 1, 1, Wrap), Some(-1));
        assert_eq!(signed_add(-1, -1, 1, Sat), Some(-1));
        assert_eq!(signed_add(3, 4, 64, Fail), Some(7));
    }
}
