//! Redis' rules for reading and writing numbers, with no protocol attached.
//!
//! This module owns the exact text <-> number conventions of Redis 7.0 so
//! that commands accept, reject and print numbers byte-for-byte like the
//! real server (confirmed against redis-server 7.0.15, see the tests):
//! - [`parse_i64`]: `string2ll`, used for INCR/INCRBY/DECRBY values and for
//!   integer arguments.
//! - [`parse_f64`]: `string2d` (strtod), used for sorted-set scores (ZADD,
//!   ZINCRBY) and other double arguments.
//! - [`format_double`]: `addReplyDouble`'s `%.17g`.
//! - [`incr_by_float`] / [`parse_long_double_ok`]: INCRBYFLOAT and
//!   HINCRBYFLOAT, which Redis computes in C `long double`; the arithmetic is
//!   done by `csrc/longdouble.c` because Rust has no such type. The result
//!   therefore depends on the platform's `long double` exactly as Redis' does
//!   (80-bit extended on x86-64 Linux).
//!
//! Integer-to-text is not here: callers use `itoa`.

use std::ffi::{c_char, c_int};

/// Redis' LONG_STR_SIZE: integer strings this long or longer are rejected.
const LONG_STR_SIZE: usize = 21;

/// Parses a signed 64-bit integer exactly like Redis' `string2ll`.
///
/// Only canonical decimal is accepted: an optional `-`, then `0` alone or a
/// non-zero digit followed by digits. No `+`, no leading zeros, no `-0`, no
/// whitespace, nothing after the digits, no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        // -(v) fits as long as v <= 2^63.
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

/// C `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parses a double exactly like Redis' `string2d` (glibc `strtod` plus
/// Redis' checks), as used for sorted-set scores.
///
/// Accepts decimal (`1`, `-1.5e3`, `.5`, `5.`, `+2`, `007`), C99 hex floats
/// (`0x10`, `0x1.8p1`), and `inf`/`infinity` in any case with an optional
/// sign. Rejects: empty input, leading whitespace, any unconsumed byte
/// (trailing space, embedded NUL, `1e`), NaN in any spelling, values that
/// overflow to infinity (`1e400`), and non-zero values that underflow to zero
/// (`1e-400`; a literal zero like `0e-400` is fine, and so are subnormals).
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let (negative, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.len() >= 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        // strtod would stop after the "0" if no hex digits follow, leaving
        // trailing bytes, so a malformed hex body is a rejection either way.
        let v = parse_hex_float(&body[2..])?;
        return Some(if negative { -v } else { v });
    }
    // Rust's grammar for decimals and inf/nan matches strtod's, and both
    // round correctly; only strtod's ERANGE reporting must be added.
    let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        let word = body.to_ascii_lowercase();
        return (word == b"inf" || word == b"infinity").then_some(v);
    }
    if v == 0.0 {
        // Underflow to zero sets ERANGE; Redis rejects that.
        let mantissa = body
            .split(|&b| b == b'e' || b == b'E')
            .next()
            .unwrap_or(b"");
        if mantissa.iter().any(|&b| (b'1'..=b'9').contains(&b)) {
            return None;
        }
    }
    Some(v)
}

/// Parses the part of a C99 hex float after `0x` (the sign is handled by the
/// caller): hex digits with an optional `.`, then an optional `p` binary
/// exponent. Rounds to nearest-even like glibc, and returns `None` on
/// malformed input, overflow to infinity, or non-zero underflow to zero.
fn parse_hex_float(s: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0; // first 16 significant hex digits
    let mut exp: i64 = 0; // value = mant * 2^exp (+ sticky)
    let mut sticky = false; // some non-zero digit did not fit in `mant`
    let mut any_digit = false;
    let mut seen_point = false;
    let mut sig_digits = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (b as char).to_digit(16) {
            any_digit = true;
            if mant == 0 && d == 0 {
                if seen_point {
                    exp -= 4;
                }
            } else if sig_digits < 16 {
                mant = (mant << 4) | u64::from(d);
                sig_digits += 1;
                if seen_point {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_point {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() {
        if s[i] | 0x20 != b'p' {
            return None;
        }
        i += 1;
        let neg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let digits = &s[i..];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturate: anything this large already over- or underflows.
        let mut e: i64 = 0;
        for &d in digits {
            e = (e * 10 + i64::from(d - b'0')).min(1 << 40);
        }
        exp += if neg { -e } else { e };
    }
    if mant == 0 {
        return Some(0.0);
    }

    // Pick the exponent of the result's last bit: 53 significant bits for a
    // normal number, fixed at 2^-1074 for subnormals.
    let top = 63 - i64::from(mant.leading_zeros()); // bit index of the leading 1
    let lsb_exp = (exp + top - 52).max(-1074);
    let shift = exp - lsb_exp;
    let m: u64 = if shift >= 0 {
        mant << shift // exact; `sticky` is necessarily false here
    } else {
        let d = -shift;
        if d > 65 {
            0 // below half of the smallest step: rounds to zero
        } else {
            let wide = u128::from(mant);
            let d = d as u32;
            let kept = (wide >> d) as u64;
            let rest = wide & ((1u128 << d) - 1);
            let half = 1u128 << (d - 1);
            let up = rest > half || (rest == half && (sticky || kept & 1 == 1));
            kept + u64::from(up)
        }
    };
    if m == 0 {
        return None; // ERANGE underflow
    }
    let bits = if lsb_exp == -1074 && m < (1 << 52) {
        m // subnormal (a carry to 2^52 yields the smallest normal, also right)
    } else {
        let (m, lsb_exp) = if m == 1 << 53 {
            (m >> 1, lsb_exp + 1)
        } else {
            (m, lsb_exp)
        };
        let biased = lsb_exp + 52 + 1023;
        if biased >= 0x7ff {
            return None; // ERANGE overflow
        }
        ((biased as u64) << 52) | (m & ((1 << 52) - 1))
    };
    Some(f64::from_bits(bits))
}

/// A score as a listpack holds it, which is what ZSCAN of a small set returns: an
/// integral score within +-2^62 is stored as an integer (Redis's `d2string`).
pub fn listpack_score_text(score: f64) -> String {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if (-LIMIT..=LIMIT).contains(&score) && score == (score as i64) as f64 {
        (score as i64).to_string()
    } else {
        format_double(score)
    }
}

/// Formats a double like Redis 7.0's `addReplyDouble`: `%.17g`, with `inf`
/// and `-inf` for infinities. `-0.0` prints as `-0`. NaN (which Redis never
/// replies with) prints as `nan`.
pub fn format_double(v: f64) -> String {
    if v.is_nan() {
        return "nan".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Integral values under 1e17 (scores, and the numbers scripts pass to redis.call) are
    // what `%.17g` prints without exponent or fraction: their integer digits. Exact,
    // since such a double converts to i64 without loss, and far cheaper than the below.
    if v.trunc() == v && v.abs() < 1e17 {
        if v == 0.0 && v.is_sign_negative() {
            return "-0".to_owned();
        }
        return (v as i64).to_string();
    }
    // Rust's `{:.16e}` is exact and rounds half-to-even like glibc, giving
    // the 17 significant digits and the decimal exponent `%g` decides on.
    let sci = format!("{:.16e}", v);
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::with_capacity(24);
    out.push_str(sign);
    if (-4..17).contains(&exp) {
        if exp >= 0 {
            let (int, frac) = digits.split_at(exp as usize + 1);
            out.push_str(int);
            push_fraction(&mut out, frac);
        } else {
            out.push('0');
            let frac = "0".repeat((-exp - 1) as usize) + &digits;
            push_fraction(&mut out, &frac);
        }
    } else {
        let (first, frac) = digits.split_at(1);
        out.push_str(first);
        push_fraction(&mut out, frac);
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    }
    out
}

/// A double as Redis's `addReplyHumanLongDouble` prints it (GEOPOS coordinates): `%.17Lf`
/// of the value (exact, as a `long double` holds every double), trailing zeros and a
/// bare point dropped, `-0` as `0`. Rust's fixed-precision formatting is exact and rounds
/// ties to even, as glibc's does.
pub fn format_human_double(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if v.is_nan() {
        return "nan".to_owned();
    }
    let mut text = format!("{v:.17}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.').len();
    text.truncate(trimmed);
    if text == "-0" {
        text = "0".to_owned();
    }
    text
}

/// Redis's `fixedpoint_d2string(v, digits)` (GEODIST and WITHDIST use 4 digits): `v`
/// scaled by `10^digits`, rounded by `llrint` (ties to even; NaN and anything out of
/// range become `LLONG_MIN`, which prints as `-922337203685477.5808` with 4 digits), then
/// printed with exactly `digits` fractional digits.
pub fn format_fixed_point(v: f64, digits: usize) -> String {
    debug_assert!((1..=17).contains(&digits));
    if v == 0.0 {
        return format!("0.{}", "0".repeat(digits));
    }
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    // Every power up to 10^17 is exact in a double, as in Redis's table.
    const POWERS: [f64; 18] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17,
    ];
    let scaled = (v * POWERS[digits.min(17)]).round_ties_even();
    let rounded = if scaled.is_nan() || !(-LIMIT..LIMIT).contains(&scaled) {
        i64::MIN
    } else {
        scaled as i64
    };
    let mut text = String::with_capacity(24);
    if rounded < 0 {
        text.push('-');
    }
    let magnitude = rounded.unsigned_abs().to_string();
    let padded = format!("{magnitude:0>width$}", width = digits + 1);
    let (int, frac) = padded.split_at(padded.len() - digits);
    text.push_str(int);
    text.push('.');
    text.push_str(frac);
    text
}

/// Appends `.frac` without trailing zeros, or nothing if that leaves no
/// digits (`%g` without the `#` flag).
fn push_fraction(out: &mut String, frac: &str) {
    let frac = frac.trim_end_matches('0');
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
}

/// Why INCRBYFLOAT (or HINCRBYFLOAT) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatIncrError {
    /// The stored value is not a valid long double. Redis replies
    /// "ERR value is not a valid float"; it checks this before the increment.
    ValueNotFloat,
    /// The increment is not a valid long double; same reply as above.
    IncrementNotFloat,
    /// The sum is NaN or infinite (including an `inf` operand). INCRBYFLOAT
    /// replies "ERR increment would produce NaN or Infinity", HINCRBYFLOAT
    /// "ERR value is NaN or Infinity".
    NanOrInfinity,
}

/// Redis' MAX_LONG_DOUBLE_CHARS; every formatted finite long double fits.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

const LD_OK: c_int = 0;
const LD_A_NOT_FLOAT: c_int = 1;
const LD_B_NOT_FLOAT: c_int = 2;
const LD_NAN_OR_INF: c_int = 3;

unsafe extern "C" {
    fn mb_ld_add(
        a: *const c_char,
        alen: usize,
        b: *const c_char,
        blen: usize,
        out: *mut c_char,
        outcap: usize,
        outlen: *mut usize,
    ) -> c_int;
    fn mb_ld_parse_ok(s: *const c_char, slen: usize) -> c_int;
    fn mb_ld_timeout_ms(s: *const c_char, slen: usize, out: *mut i64) -> c_int;
}

/// INCRBYFLOAT's arithmetic: `current + increment` in C `long double`,
/// formatted the way Redis stores the result. `current` is `None` when the
/// key is absent (counts as 0).
///
/// Both operands follow `string2ld`: strtold syntax (decimal, hex, `inf`),
/// at most 5119 bytes, no leading whitespace, nothing unconsumed, no NaN,
/// no overflow and no non-zero underflow to zero. The output is `%.17Lf`
/// with trailing fractional zeros and a bare `.` removed, and `-0` as `0`:
/// `0.1 + 0.2` is `0.3`, `1000 + 0.1` is `1000.09999999999999998`.
pub fn incr_by_float(current: Option<&[u8]>, increment: &[u8]) -> Result<Vec<u8>, FloatIncrError> {
    let (a_ptr, a_len) = match current {
        Some(a) => (a.as_ptr().cast::<c_char>(), a.len()),
        None => (std::ptr::null(), 0),
    };
    let mut out = [0u8; MAX_LONG_DOUBLE_CHARS];
    let mut len = 0usize;
    // SAFETY: every pointer/length pair describes a live buffer (or `a` is
    // null, which the C side treats as "absent"); the C code reads inputs
    // only within their lengths and writes at most `outcap` bytes to `out`.
    let rc = unsafe {
        mb_ld_add(
            a_ptr,
            a_len,
            increment.as_ptr().cast(),
            increment.len(),
            out.as_mut_ptr().cast(),
            out.len(),
            &mut len,
        )
    };
    match rc {
        LD_OK => Ok(out[..len].to_vec()),
        LD_A_NOT_FLOAT => Err(FloatIncrError::ValueNotFloat),
        LD_B_NOT_FLOAT => Err(FloatIncrError::IncrementNotFloat),
        LD_NAN_OR_INF => Err(FloatIncrError::NanOrInfinity),
        // Cannot happen: finite long doubles need < 4960 bytes.
        _ => unreachable!("long double result does not fit MAX_LONG_DOUBLE_CHARS"),
    }
}

/// Whether `s` is a valid long double by Redis' `string2ld` rules (the
/// operand check of INCRBYFLOAT/HINCRBYFLOAT).
pub fn parse_long_double_ok(s: &[u8]) -> bool {
    // SAFETY: pointer and length describe `s`; the C side only reads it.
    unsafe { mb_ld_parse_ok(s.as_ptr().cast(), s.len()) != 0 }
}

/// The timeout of a blocking command (seconds, as a long double) in whole milliseconds,
/// rounded up like Redis's `ceill(v * 1000)`; `None` when it is not a float. Values past
/// the range of i64 come back as `i64::MIN`, as on Redis (which then calls them negative).
pub fn timeout_ms(s: &[u8]) -> Option<i64> {
    let mut ms = 0i64;
    // SAFETY: pointer and length describe `s`; the C side only reads it and writes `ms`.
    let ok = unsafe { mb_ld_timeout_ms(s.as_ptr().cast(), s.len(), &mut ms) };
    (ok != 0).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_and_fixed_point_formats_match_redis() {
        // GEOPOS / GEODIST of redis-server 7.0.15, and C's printf on the same doubles.
        assert_eq!(
            format_human_double(13.361389338970184),
            "13.36138933897018433"
        );
        assert_eq!(
            format_human_double(38.1155563954963),
            "38.11555639549629859"
        );
        assert_eq!(format_human_double(-0.0), "0");
        assert_eq!(format_human_double(-1e-20), "0");
        assert_eq!(format_human_double(180.0), "180");
        assert_eq!(format_human_double(0.5), "0.5");
        assert_eq!(format_human_double(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_fixed_point(166274.15156960033, 4), "166274.1516");
        assert_eq!(format_fixed_point(0.0, 4), "0.0000");
        assert_eq!(format_fixed_point(-0.0, 4), "0.0000");
        assert_eq!(format_fixed_point(6.06429515983917e-5, 4), "0.0001");
        assert_eq!(format_fixed_point(1e-9, 4), "0.0000");
        assert_eq!(format_fixed_point(-1e-9, 4), "0.0000");
        assert_eq!(format_fixed_point(0.00005, 4), "0.0000");
        assert_eq!(format_fixed_point(-12.34567, 4), "-12.3457");
        assert_eq!(format_fixed_point(f64::NAN, 4), "-922337203685477.5808");
        assert_eq!(format_fixed_point(1e300, 4), "-922337203685477.5808");
        assert_eq!(format_fixed_point(0.7750, 4), "0.7750");
    }

    #[test]
    fn parse_i64_matches_redis() {
        // All confirmed with INCRBY / INCR on redis-server 7.0.15.
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"1"), Some(1));
        assert_eq!(parse_i64(b"-5"), Some(-5));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b"+1"[..],
            b"01",
            b"-0",
            b"000",
            b"-01",
            b"-",
            b"",
            b" 1",
            b"1 ",
            b"1\0",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"99999999999999999999",
            b"123456789012345678901",
            b"1.0",
            b"1e3",
            b"0x10",
            b"+5",
            b"007",
            b"--1",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn parse_f64_accepts_like_redis() {
        // Confirmed with ZADD z <score> m + ZSCORE on redis-server 7.0.15.
        let ok: &[(&str, f64)] = &[
            ("0x10", 16.0),
            ("0X1p4", 16.0),
            ("0x1.8p1", 3.0),
            ("1e5", 100000.0),
            ("inf", f64::INFINITY),
            ("+inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
            ("Infinity", f64::INFINITY),
            ("-INFINITY", f64::NEG_INFINITY),
            ("4e-320", 4e-320),
            ("2.4703282292062328e-324", 5e-324),
            ("0e-400", 0.0),
            ("0e999999", 0.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("+.5", 0.5),
            ("1.0000000000000000000000000000001", 1.0),
            ("0x1p-1074", 5e-324),
            ("-0", -0.0),
            ("00012", 12.0),
            ("1E5", 100000.0),
        ];
        for &(s, want) in ok {
            let got = parse_f64(s.as_bytes()).unwrap_or_else(|| panic!("{s} rejected"));
            assert_eq!(got.to_bits(), want.to_bits(), "{s}");
        }
    }

    #[test]
    fn parse_f64_rejects_like_redis() {
        for bad in [
            &b"0x"[..],
            b"0x1p",
            b"infinit",
            b"nan",
            b"NaN",
            b"-nan",
            b"nan(1)",
            b" 1",
            b"1 ",
            b"",
            b"1e400",
            b"-1e400",
            b"1e-400",
            b"2.4703282292062327e-324",
            b".",
            b"1e",
            b"1e+",
            b"1_0",
            b"1\0",
            b"\t1",
            b"0x1p-1080",
            b"0x1p1024",
            b"0x1.fffffffffffff8p1023",
            b"--1",
            b"+-1",
            b"0x.",
            b"0x1.8p+",
            b"\xff",
        ] {
            assert_eq!(parse_f64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn parse_hex_rounding() {
        let p = |s: &str| parse_f64(s.as_bytes());
        assert_eq!(p("0x1.fffffffffffffp1023"), Some(f64::MAX));
        assert_eq!(p("0x1.00000000000008p0"), Some(1.0)); // tie, even stays
        assert_eq!(p("0x1.00000000000018p0"), Some(1.0 + 2.0 * f64::EPSILON)); // tie, odd rounds up
        assert_eq!(p("0x1.000000000000080000001p0"), Some(1.0 + f64::EPSILON)); // sticky
        assert_eq!(p("0x0.0000000000001p-1022"), Some(5e-324));
        assert_eq!(p("0x0.00000000000008p-1022"), None); // half of min subnormal: ties to 0
        assert_eq!(p("0x0.000000000000081p-1022"), Some(5e-324));
        assert_eq!(p("0x1.fffffffffffffp-1023"), Some(f64::MIN_POSITIVE)); // carries into normal
        assert_eq!(p("-0x0p0").map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(p("0x.8"), Some(0.5));
        assert_eq!(p("0x8."), Some(8.0));
        assert_eq!(p("0x0000000000000000000001p0"), Some(1.0));
        assert_eq!(p("0x10000000000000000000p-76"), Some(1.0));
        assert_eq!(p("0x1p99999999999999999999999"), None);
        assert_eq!(p("0x1p-99999999999999999999999"), None);
        assert_eq!(p("0x0p99999999999999999999999"), Some(0.0));
    }

    #[test]
    fn format_double_matches_redis() {
        // Confirmed with ZADD + ZSCORE on redis-server 7.0.15 (`-0` with a
        // skiplist-encoded zset; listpack encoding stores it as 0).
        let cases: &[(f64, &str)] = &[
            (0.1, "0.10000000000000001"),
            (1.0, "1"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1e15, "1000000000000000"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-4, "0.0001"),
            (1e-5, "1.0000000000000001e-05"),
            (0.00012345, "0.00012344999999999999"),
            (1e15 + 0.25, "1000000000000000.2"), // a tie: rounds to even
            (3.0000000000000004, "3.0000000000000004"),
            (1e300, "1.0000000000000001e+300"),
            (-1.5e-300, "-1.5000000000000001e-300"),
            (5e-324, "4.9406564584124654e-324"),
            (4e-320, "3.999955468730732e-320"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (12345678901234567.0, "12345678901234568"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for &(v, want) in cases {
            assert_eq!(format_double(v), want, "{v:e}");
        }
    }

    fn incr(cur: Option<&str>, inc: &str) -> Result<String, FloatIncrError> {
        incr_by_float(cur.map(str::as_bytes), inc.as_bytes()).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn incr_by_float_matches_redis() {
        use FloatIncrError::*;
        // All confirmed with SET a <cur> + INCRBYFLOAT a <inc> (DEL a for
        // None) on redis-server 7.0.15, x86-64.
        let cases: &[(Option<&str>, &str, Result<&str, FloatIncrError>)] = &[
            (Some("0.1"), "0.2", Ok("0.3")),
            (Some("1000"), "0.1", Ok("1000.09999999999999998")),
            (Some("5.0e3"), "2.0e2", Ok("5200")),
            (Some("1"), "inf", Err(NanOrInfinity)),
            (Some("1"), "-inf", Err(NanOrInfinity)),
            (Some("1"), "infinity", Err(NanOrInfinity)),
            (Some("0"), "INF", Err(NanOrInfinity)),
            (Some("inf"), "1", Err(NanOrInfinity)),
            (Some("1"), " 1", Err(IncrementNotFloat)),
            (Some(" 1"), "1", Err(ValueNotFloat)),
            (Some("1"), "1 ", Err(IncrementNotFloat)),
            (Some("1"), "\t1", Err(IncrementNotFloat)),
            (Some("1"), "\x0b1", Err(IncrementNotFloat)),
            (Some("1"), "0x10", Ok("17")),
            (Some("0x10"), "0x1p-2", Ok("16.25")),
            (None, "1.5", Ok("1.5")),
            (None, "0", Ok("0")),
            (Some("1"), "-1", Ok("0")),
            (Some("-1"), "0.5", Ok("-0.5")),
            (Some("1"), "-1.5", Ok("-0.5")),
            (Some("0"), "-0", Ok("0")),
            (Some("-0"), "0", Ok("0")),
            (Some("0"), "-0.000000000000000001", Ok("0")),
            (Some("0"), "0.000000000000000001", Ok("0")),
            (Some("0"), "0.000000000000000005", Ok("0")),
            (Some("0"), "0.000000000000000015", Ok("0.00000000000000002")),
            (Some("0"), "0.000000000000000025", Ok("0.00000000000000002")),
            (Some("0"), "0.000000000000000035", Ok("0.00000000000000004")),
            (Some("0"), "2.5e-17", Ok("0.00000000000000002")),
            (
                Some("0"),
                "-0.000000000000000009",
                Ok("-0.00000000000000001"),
            ),
            (Some("-1"), "0.99999999999999999999", Ok("0")),
            (
                Some("0"),
                "1.23456789012345678901234",
                Ok("1.23456789012345679"),
            ),
            (Some("0"), "0.12345678901234565", Ok("0.12345678901234565")),
            (
                Some("0"),
                "123456789.123456789123",
                Ok("123456789.12345678912242875"),
            ),
            (Some("0"), "1e17", Ok("100000000000000000")),
            (Some("0"), "1e20", Ok("100000000000000000000")),
            (Some("0"), "1e-10", Ok("0.0000000001")),
            (Some("0"), "1e+5", Ok("100000")),
            (Some("0"), "1E5", Ok("100000")),
            (Some("0"), "0.7", Ok("0.7")),
            (Some("0.1"), "0.1", Ok("0.2")),
            (Some("100"), "-0.1", Ok("99.9")),
            (Some("1.1"), "2.2", Ok("3.3")),
            (Some("3.0"), "0", Ok("3")),
            (Some("10"), "-10", Ok("0")),
            (Some("1"), "+1", Ok("2")),
            (Some("1"), ".5", Ok("1.5")),
            (Some("1"), "5.", Ok("6")),
            (Some("9223372036854775807"), "1", Ok("9223372036854775808")),
            (Some("1"), "nan", Err(IncrementNotFloat)),
            (Some("1"), "", Err(IncrementNotFloat)),
            (Some(""), "1", Err(ValueNotFloat)),
            (Some("1"), "1e", Err(IncrementNotFloat)),
            (Some("1"), "1\0abc", Err(IncrementNotFloat)),
            (Some("1\0abc"), "1", Err(ValueNotFloat)),
            (Some("1"), "\x001", Err(IncrementNotFloat)),
            (Some("abc"), "1", Err(ValueNotFloat)),
            (Some("abc"), "xyz", Err(ValueNotFloat)),
            (Some("1"), "xyz", Err(IncrementNotFloat)),
            // long double range: overflow and zero-underflow are rejected,
            // subnormal long doubles are accepted.
            (Some("1"), "1e4933", Err(IncrementNotFloat)),
            (Some("1"), "1e-5000", Err(IncrementNotFloat)),
            (Some("1"), "1e-4951", Err(IncrementNotFloat)),
            (Some("0"), "3e-4951", Ok("0")),
            (Some("1"), "1e-4940", Ok("1")),
            (Some("0"), "1e-4940", Ok("0")),
            (Some("1"), "-0x1p-16382", Ok("1")),
            (Some("1e4932"), "1e4932", Err(NanOrInfinity)),
        ];
        for (cur, inc, want) in cases {
            assert_eq!(
                incr(*cur, inc),
                want.map(str::to_owned),
                "{cur:?} + {inc:?}"
            );
        }
    }

    #[test]
    fn incr_by_float_big_results() {
        // 1e300 is exact in long double's neighbourhood only to 64 bits; the
        // digits below are what redis-server 7.0.15 printed.
        let r = incr(Some("1000"), "1e300").unwrap();
        assert_eq!(r.len(), 301);
        assert!(r.starts_with(
            "10000000000000000000089973240795591938705239442732907479382600823212656465961809"
        ));
        let r = incr(Some("1.7976931348623157e308"), "1.7976931348623157e308").unwrap();
        assert_eq!(r.len(), 309);
        assert!(r.starts_with(
            "35953862697246313999184209354820886809677289388865835697062884153035325704624879"
        ));
        let r = incr(Some("1"), "1e4932").unwrap();
        assert_eq!(r.len(), 4933);
        assert!(r.starts_with(
            "10000000000000000000060189493879638913238377742545331147737850413525330194866087"
        ));
        let r = incr(Some("1e4931"), "1e4932").unwrap();
        assert_eq!(r.len(), 4933);
        assert!(r.starts_with(
            "11000000000000000000388685811252787432534122340809294447673390891585484977640260"
        ));
        // The nearest long double to 1e4000 is just below it: 4000 digits.
        let r = incr(Some("1"), "1e4000").unwrap();
        assert_eq!(r.len(), 4000);
        assert!(r.starts_with(
            "99999999999999999999654638730996237849324925835069576313015083330432619433063423"
        ));
        let r = incr(Some("1"), "-1.18e4932").unwrap();
        assert_eq!(r.len(), 4934);
        assert!(r.starts_with(
            "-1180000000000000000000652812918093699202690437140160471729831240061836527728446"
        ));
        // The result of a huge increment is itself a valid operand.
        let r2 = incr(Some(&r), "1").unwrap();
        assert_eq!(r2.len(), 4934);
    }

    #[test]
    fn incr_by_float_length_limit() {
        // Operands of 5120 bytes (MAX_LONG_DOUBLE_CHARS) or more are rejected
        // even when their value is fine; 5119 bytes is accepted.
        let zeros = |n: usize| "0".repeat(n) + "1";
        assert_eq!(incr(Some("1"), &zeros(5118)).as_deref(), Ok("2"));
        assert_eq!(
            incr(Some("1"), &zeros(5119)),
            Err(FloatIncrError::IncrementNotFloat)
        );
        assert_eq!(incr(Some(&zeros(5118)), "1").as_deref(), Ok("2"));
        assert_eq!(
            incr(Some(&zeros(5119)), "1"),
            Err(FloatIncrError::ValueNotFloat)
        );
        let point = |n: usize| "1.".to_owned() + &"0".repeat(n);
        assert_eq!(incr(Some("1"), &point(5117)).as_deref(), Ok("2"));
        assert_eq!(
            incr(Some("1"), &point(5118)),
            Err(FloatIncrError::IncrementNotFloat)
        );
        assert_eq!(
            incr(Some("1"), &("0.1e".to_owned() + &"0".repeat(5000) + "1")).as_deref(),
            Ok("2")
        );
        assert_eq!(
            incr(Some("1"), &("0x".to_owned() + &"0".repeat(5100) + "1")).as_deref(),
            Ok("2")
        );
        // Too big in value, not in length.
        assert_eq!(
            incr(Some("1"), &("1".to_owned() + &"0".repeat(5118))),
            Err(FloatIncrError::IncrementNotFloat)
        );
    }

    /// Differential checks against the C library this crate links anyway:
    /// `parse_f64` against Redis' `string2d` written over glibc `strtod`,
    /// `format_double` against `snprintf("%.17g")`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    mod against_libc {
        use super::super::{format_double, parse_f64};
        use std::ffi::{CString, c_char, c_int};

        unsafe extern "C" {
            fn strtod(s: *const c_char, end: *mut *mut c_char) -> f64;
            fn __errno_location() -> *mut c_int;
            fn snprintf(buf: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int;
        }
        const ERANGE: c_int = 34;

        /// Redis 7.0 string2d.
        fn string2d(s: &[u8]) -> Option<f64> {
            let c = CString::new(s).unwrap_or_else(|_| CString::new(&b"x"[..]).unwrap());
            let mut end: *mut c_char = std::ptr::null_mut();
            // SAFETY: `c` is NUL-terminated; errno is thread-local.
            let (d, errno) = unsafe {
                *__errno_location() = 0;
                let d = strtod(c.as_ptr(), &mut end);
                (d, *__errno_location())
            };
            let used = end as usize - c.as_ptr() as usize;
            let space = matches!(
                s.first(),
                Some(b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
            );
            if s.is_empty()
                || space
                || used != s.len()
                || (errno == ERANGE && (d.is_infinite() || d == 0.0))
                || d.is_nan()
            {
                return None;
            }
            Some(d)
        }

        struct Rng(u64);
        impl Rng {
            fn next(&mut self) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            }
            fn below(&mut self, n: usize) -> usize {
                (self.next() % n as u64) as usize
            }
            fn pick(&mut self, set: &[u8]) -> u8 {
                set[self.below(set.len())]
            }
        }

        /// Compares one input; returns whether strtod accepted it.
        fn check(s: &[u8]) -> bool {
            let want = string2d(s).map(f64::to_bits);
            let got = parse_f64(s).map(f64::to_bits);
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(s));
            want.is_some()
        }

        #[test]
        fn parse_f64_equals_strtod() {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            // Free-form junk over the characters strtod cares about.
            let junk = b"0123456789abcdefxXpPeE.+-inftyINFTYnN \t";
            let mut accepted = 0;
            for _ in 0..200_000 {
                let n = 1 + rng.below(12);
                let s: Vec<u8> = (0..n).map(|_| rng.pick(junk)).collect();
                accepted += usize::from(check(&s));
            }
            assert!(accepted > 5_000, "{accepted}");
            let mut accepted = 0;
            // Well-formed hex floats, biased towards rounding boundaries.
            let hex = b"0123456789abcdef";
            for _ in 0..200_000 {
                let mut s = Vec::new();
                match rng.below(3) {
                    0 => s.push(b'-'),
                    1 => s.push(b'+'),
                    _ => {}
                }
                s.extend_from_slice(if rng.below(2) == 0 { b"0x" } else { b"0X" });
                let zeros = rng.below(4);
                s.extend(std::iter::repeat_n(b'0', zeros));
                let before = rng.below(22);
                for _ in 0..before {
                    let set: &[u8] = if rng.below(3) == 0 { b"08f" } else { hex };
                    s.push(rng.pick(set));
                }
                if rng.below(2) == 0 {
                    s.push(b'.');
                    for _ in 0..rng.below(24) {
                        let set: &[u8] = if rng.below(3) == 0 { b"08f" } else { hex };
                        s.push(rng.pick(set));
                    }
                }
                if rng.below(4) != 0 {
                    s.push(b'p');
                    let e = rng.below(2200) as i64 - 1150;
                    s.extend_from_slice(e.to_string().as_bytes());
                }
                accepted += usize::from(check(&s));
            }
            assert!(accepted > 100_000, "{accepted}");
            let mut accepted = 0;
            // Decimals near the ends of the range.
            for _ in 0..100_000 {
                let mut s = Vec::new();
                for _ in 0..1 + rng.below(20) {
                    s.push(b'0' + rng.below(10) as u8);
                }
                s.push(b'e');
                let e = rng.below(700) as i64 - 350;
                let e = if e < 0 { e - 10 } else { e };
                s.extend_from_slice(e.to_string().as_bytes());
                accepted += usize::from(check(&s));
            }
            assert!(accepted > 80_000, "{accepted}");
        }

        fn printf_17g(v: f64) -> String {
            let mut buf = [0u8; 64];
            // SAFETY: buffer and format are valid; %.17g takes one double.
            let n = unsafe { snprintf(buf.as_mut_ptr().cast(), buf.len(), c"%.17g".as_ptr(), v) };
            String::from_utf8(buf[..n as usize].to_vec()).unwrap()
        }

        #[test]
        fn format_double_equals_printf() {
            let mut rng = Rng(0x2545_f491_4f6c_dd1d);
            for _ in 0..300_000 {
                let v = f64::from_bits(rng.next());
                if v.is_finite() {
                    assert_eq!(format_double(v), printf_17g(v), "{:#x}", v.to_bits());
                }
            }
            for _ in 0..100_000 {
                // Short decimals and exact halves exercise ties and %g's
                // switch between fixed and exponent form.
                let v = (rng.below(2_000_000) as f64 - 1_000_000.0)
                    / [1.0, 4.0, 1e3, 1e5][rng.below(4)]
                    * 10f64.powi(rng.below(44) as i32 - 22);
                assert_eq!(format_double(v), printf_17g(v), "{v:e}");
            }
            for k in 0..400 {
                let v = 1_000_000_000_000_000.0 + k as f64 * 0.125;
                assert_eq!(format_double(v), printf_17g(v), "{v}");
            }
            // Integral values, on both sides of the fast path's 1e17 bound.
            for _ in 0..100_000 {
                let v = (rng.next() >> rng.below(64)) as i64 as f64;
                assert_eq!(format_double(v), printf_17g(v), "{v}");
                assert_eq!(format_double(-v), printf_17g(-v), "{v}");
            }
            for k in -400..400 {
                let v = 1e17 + k as f64 * 16.0;
                assert_eq!(format_double(v), printf_17g(v), "{v}");
                assert_eq!(format_double(-v), printf_17g(-v), "{v}");
            }
        }
    }

    #[test]
    fn parse_long_double_ok_rules() {
        assert!(parse_long_double_ok(b"1.5"));
        assert!(parse_long_double_ok(b"0x10"));
        assert!(parse_long_double_ok(b"inf"));
        assert!(parse_long_double_ok(b"1e4000"));
        assert!(!parse_long_double_ok(b"nan"));
        assert!(!parse_long_double_ok(b""));
        assert!(!parse_long_double_ok(b" 1"));
        assert!(!parse_long_double_ok(b"1\0"));
        assert!(!parse_long_double_ok(b"1e5000"));
    }
}
