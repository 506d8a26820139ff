//! Argument parsing shared by all families. Every failure is a Redis error value (with
//! Redis's exact text), never a dropped connection.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::store::numeric::{parse_f64, parse_i64};

/// Parses an integer argument (`ERR value is not an integer or out of range`).
pub fn int(arg: &[u8]) -> Result<i64> {
    parse_i64(arg).ok_or(Error::NotInteger)
}

/// Parses a float argument (`ERR value is not a valid float`).
pub fn float(arg: &[u8]) -> Result<f64> {
    parse_f64(arg).ok_or(Error::NotFloat)
}

/// Whether `arg` is the option `word` (case-insensitive; `word` is upper-case ASCII).
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// A client word as C sees it: up to its first NUL byte (Redis compares options with
/// `strcasecmp`, searches with `strchr`, prints with `%s`).
pub fn c_str(arg: &[u8]) -> &[u8] {
    &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())]
}

/// Whether `arg` is the option `word` as Redis compares options: C's `strcasecmp` on the
/// argument, which ends at its first NUL byte (`LEFT\0x` is `LEFT`).
pub fn opt(arg: &[u8], word: &str) -> bool {
    is(c_str(arg), word)
}

/// `numkeys key [key ...] <end> [COUNT count]` from `argv[numkeys_at..]`, the tail of LMPOP,
/// BLMPOP, ZMPOP and BZMPOP, checked in Redis's order; `end` reads the end word (LEFT|RIGHT,
/// MIN|MAX). Returns the keys, the end and the count (1 when not given).
pub fn mpop<E>(
    argv: &[Bytes],
    numkeys_at: usize,
    end: impl Fn(&[u8]) -> Option<E>,
) -> Result<(&[Bytes], E, usize)> {
    let numkeys = at_least_one(&argv[numkeys_at], "numkeys should be greater than 0")?;
    let end_at = numkeys_at
        .checked_add(numkeys)
        .and_then(|i| i.checked_add(1))
        .filter(|&i| i < argv.len())
        .ok_or(Error::Syntax)?;
    let which = end(&argv[end_at]).ok_or(Error::Syntax)?;
    let mut count = None;
    let mut options = Args::new(argv, end_at + 1);
    while let Some(word) = options.next() {
        if count.is_none() && opt(word, "COUNT") && options.remaining() > 0 {
            count = Some(at_least_one(
                options.value()?,
                "count should be greater than 0",
            )?);
        } else {
            return Err(Error::Syntax);
        }
    }
    Ok((&argv[numkeys_at + 1..end_at], which, count.unwrap_or(1)))
}

/// A count of at least 1 (`getRangeLongFromObjectOrReply(1, LONG_MAX, msg)`).
fn at_least_one(arg: &[u8], msg: &'static str) -> Result<usize> {
    match int(arg) {
        Ok(n) if n >= 1 => Ok(n as usize),
        _ => Err(Error::err(msg)),
    }
}

/// Parses a database index (`SELECT`, `COPY ... DB`): an integer, then a range check.
pub fn db_index(arg: &[u8], databases: usize) -> Result<usize> {
    let n = parse_i64(arg).ok_or_else(|| Error::err("value is not an integer or out of range"))?;
    if n < 0 || n as u64 >= databases as u64 {
        return Err(Error::DbIndexOutOfRange);
    }
    Ok(n as usize)
}

/// A cursor over a command's optional arguments.
pub struct Args<'a> {
    argv: &'a [Bytes],
    pos: usize,
}

impl<'a> Args<'a> {
    /// Starts at argument `pos` (0 is the command name).
    pub fn new(argv: &'a [Bytes], pos: usize) -> Args<'a> {
        Args { argv, pos }
    }

    /// The next argument, which an option requires (`ERR syntax error` when missing).
    pub fn value(&mut self) -> Result<&'a Bytes> {
        self.next().ok_or(Error::Syntax)
    }

    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = &'a Bytes;

    fn next(&mut self) -> Option<&'a Bytes> {
        let arg = self.argv.get(self.pos)?;
        self.pos += 1;
        Some(arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_numbers() {
        assert!(is(b"nx", "NX"));
        assert!(!is(b"nxx", "NX"));
        assert_eq!(int(b"-12").unwrap(), -12);
        assert_eq!(int(b"1.5"), Err(Error::NotInteger));
        assert_eq!(db_index(b"16", 16), Err(Error::DbIndexOutOfRange));
        assert_eq!(db_index(b"15", 16), Ok(15));
        let argv = [Bytes::from_static(b"x"), Bytes::from_static(b"EX")];
        let mut args = Args::new(&argv, 1);
        assert_eq!(args.next().unwrap().as_ref(), b"EX");
        assert_eq!(args.value(), Err(Error::Syntax));
    }
}
