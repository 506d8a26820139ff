//! Types shared by the compact-encoding codecs: the decoded [`Element`], the
//! [`Corrupt`] error, and Redis's strict string-to-integer rule
//! ([`string_to_i64`]) that decides when a string is stored as an integer.

use std::fmt;

/// One entry of a listpack or ziplist: the store's (stream nodes are listpacks in memory).
pub use crate::store::listpack::Element;

/// A compact encoding failed validation; the payload says what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt(pub &'static str);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt encoding: {}", self.0)
    }
}

impl std::error::Error for Corrupt {}

/// Redis's `LONG_STR_SIZE` is 21, and `string2ll` rejects `slen >= 21`.
const MAX_INT_STR_LEN: usize = 20;

/// Parses `s` exactly like Redis's `string2ll` (and listpack's identical
/// `lpStringToInt64`): only the canonical decimal form of an `i64` is
/// accepted, so converting back with `ll2string` reproduces `s` byte for
/// byte. That is what makes storing such strings as integers lossless.
///
/// Rejected: empty input, more than 20 bytes, leading zeros, `-0`, `+`,
/// whitespace, anything outside `i64`.
pub fn string_to_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > MAX_INT_STR_LEN {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    // The first digit must be 1-9: this rejects "-", "-0", "00", "+1", " 1".
    let (&first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut magnitude = u64::from(first - b'0');
    for &c in rest {
        if !c.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        // Succeeds up to 2^63, i.e. i64::MIN.
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn canonical_integers_parse() {
        let cases: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"127", 127),
            (b"-4096", -4096),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"10", 10),
        ];
        for &(s, v) in cases {
            assert_eq!(
                string_to_i64(s),
                Some(v),
                "{:?}",
                String::from_utf8_lossy(s)
            );
            // Canonical means the round trip through ll2string is exact.
            assert_eq!(v.to_string().as_bytes(), s);
        }
    }

    #[test]
    fn non_canonical_strings_are_rejected() {
        let cases: &[&[u8]] = &[
            b"",
            b"-",
            b"-0",
            b"00",
            b"01",
            b"-01",
            b"+1",
            b" 1",
            b"1 ",
            b"1.5",
            b"1e3",
            b"0x10",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"99999999999999999999",
            b"000000000000000000001",
            b"\xff",
        ];
        for &s in cases {
            assert_eq!(string_to_i64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn length_limit_matches_long_str_size() {
        // 20 bytes is the longest accepted input ("-9223372036854775808").
        assert_eq!(string_to_i64(b"-9223372036854775808"), Some(i64::MIN));
        // No 21-byte string can be canonical anyway, but the limit must not
        // reject 20-byte ones.
        assert_eq!(b"-9223372036854775808".len(), 20);
    }

    #[test]
    fn element_accessors() {
        assert_eq!(Element::Int(-42).to_bytes(), Bytes::from_static(b"-42"));
        assert_eq!(
            Element::Int(i64::MIN).to_bytes(),
            Bytes::from_static(b"-9223372036854775808")
        );
        assert_eq!(Element::Str(b"abc").to_bytes(), Bytes::from_static(b"abc"));
        assert_eq!(Element::Int(7).as_i64(), Some(7));
        assert_eq!(Element::Str(b"123").as_i64(), Some(123));
        assert_eq!(Element::Str(b"0123").as_i64(), None);
        assert_eq!(Element::Str(b"").as_i64(), None);
    }

    #[test]
    fn corrupt_displays_reason() {
        assert_eq!(
            Corrupt("bad header").to_string(),
            "corrupt encoding: bad header"
        );
    }
}

/// What the codecs' tests share.
#[cfg(test)]
pub(crate) mod test_support {
    /// Every truncation of `blob` fails to decode (`fails` says whether decoding failed)
    /// and single-byte corruptions never panic.
    pub fn assert_robust(fails: impl Fn(&[u8]) -> bool, blob: &[u8]) {
        for cut in 0..blob.len() {
            assert!(fails(&blob[..cut]), "truncated at {cut}");
        }
        let mut copy = blob.to_vec();
        for i in 0..copy.len() {
            for mask in [0x01, 0x02, 0x10, 0x40, 0x7F, 0x80, 0xFF] {
                copy[i] ^= mask;
                let _ = fails(&copy);
                copy[i] ^= mask;
            }
        }
    }

    /// A xorshift64 generator: random bytes for fuzzing the decoders, the same every run.
    pub fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }
}
