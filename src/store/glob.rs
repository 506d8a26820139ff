//! Redis-style glob matching, as used by KEYS, SCAN MATCH, PSUBSCRIBE and
//! friends.
//!
//! This module owns the matcher only: byte-for-byte the behaviour of Redis
//! 7.0's `stringmatchlen` (util.c), quirks included, so that patterns select
//! exactly the keys they select on a real server. It knows nothing about
//! keyspaces or commands.
//!
//! Things callers must know:
//! - `glob_match(b"*", b"", _)` is `false`, as in Redis: the matcher never
//!   matches an empty string against a non-empty pattern. KEYS and SCAN only
//!   return the empty key for `*` because they skip matching entirely when the
//!   pattern is exactly `*`; callers must keep that shortcut.
//! - A pattern with more than 1000 `*` groups that have to be tried never
//!   matches (Redis' guard against abusive patterns).
//!
//! Rules (confirmed against redis-server 7.0.15, see the tests):
//! - `?` matches any one byte; `*` any run of bytes, consecutive stars act as
//!   one.
//! - `\x` matches `x` literally, in and out of classes; a trailing lone `\`
//!   matches a `\`.
//! - `[abc]`, `[^abc]`, ranges `[a-z]` (reversed `[z-a]` works too). Range
//!   ends compare as C `char`, which is signed: `[a-\xff]` is `[\xff-a]`,
//!   i.e. bytes 0xff and 0x00..='a'.
//! - `-` makes a range whenever two more pattern bytes follow it, even if the
//!   second is `]`: `[a-]` is the range `]`..=`a` and the class is left
//!   unterminated.
//! - An unterminated class (`[abc`) acts as if closed at the end of the
//!   pattern; a lone `[` never matches and `[^` matches any one byte.
//! - With `nocase`, ASCII letters compare case-insensitively, except a `\`
//!   escape inside a class, which stays exact (as in Redis).

/// Redis gives up on patterns that need deeper `*` recursion than this.
const MAX_NESTING: u32 = 1000;

/// Does `string` match the Redis glob `pattern`? See the module docs.
pub fn glob_match(pattern: &[u8], string: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, nocase, &mut skip_longer, 0)
}

/// C's `tolower` in the "C" locale, applied to a `char` that has already been
/// widened to `int` (so it may be negative).
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Matches `pat` against `s`. The C code relies on the pattern being
/// NUL-terminated and peeks one byte past its end in a few places; `at`
/// reproduces that by reading 0 past the end.
///
/// `skip_longer` is Redis' shortcut: once the tail after a `*` has failed to
/// match at every remaining offset, no earlier `*` can help either, which
/// keeps patterns like `a*a*a*a*b` linear instead of exponential.
fn match_from(
    pat: &[u8],
    mut s: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: u32,
) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    let at = |i: usize| pat.get(i).copied().unwrap_or(0);
    let mut pi = 0usize;

    while pi < pat.len() && !s.is_empty() {
        match pat[pi] {
            b'*' => {
                while at(pi + 1) == b'*' {
                    pi += 1;
                }
                if pat.len() - pi == 1 {
                    return true;
                }
                while !s.is_empty() {
                    if match_from(&pat[pi + 1..], s, nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s = &s[1..];
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                pi += 1;
                let negate = at(pi) == b'^';
                if negate {
                    pi += 1;
                }
                let c = s[0];
                let mut matched = false;
                loop {
                    let rem = pat.len() - pi;
                    if at(pi) == b'\\' && rem >= 2 {
                        pi += 1;
                        if pat[pi] == c {
                            matched = true;
                        }
                    } else if at(pi) == b']' {
                        break;
                    } else if rem == 0 {
                        // Ran off the end: step back so the shared `pi += 1`
                        // below lands exactly on the end again.
                        pi -= 1;
                        break;
                    } else if rem >= 3 && pat[pi + 1] == b'-' {
                        // Redis compares plain `char`s, which are signed.
                        let mut start = i32::from(pat[pi] as i8);
                        let mut end = i32::from(pat[pi + 2] as i8);
                        let mut ch = i32::from(c as i8);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = lower(start);
                            end = lower(end);
                            ch = lower(ch);
                        }
                        pi += 2;
                        if ch >= start && ch <= end {
                            matched = true;
                        }
                    } else if eq(pat[pi], c, nocase) {
                        matched = true;
                    }
                    pi += 1;
                }
                if negate {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' => {
                if pat.len() - pi >= 2 {
                    pi += 1;
                }
                if !eq(pat[pi], s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            lit => {
                if !eq(lit, s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        pi += 1;
        if s.is_empty() {
            while at(pi) == b'*' {
                pi += 1;
            }
            break;
        }
    }
    pi == pat.len() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn basics() {
        assert!(m("hello", "hello"));
        assert!(!m("hello", "hell"));
        assert!(!m("hell", "hello"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
        assert!(m("h*llo", "hllo"));
        assert!(m("h*llo", "heeeello"));
        assert!(m("h*", "h"));
        assert!(m("*o", "hello"));
        assert!(m("h**o", "hello"));
        assert!(m("*", "x"));
        assert!(m("**", "xyz"));
        assert!(m("a*b*c", "aXbYc"));
        assert!(!m("a*b*c", "aXbY"));
        assert!(m("a*", "a"));
        assert!(m("a**", "a"));
        assert!(!m("a*?", "a"));
        assert!(m("", ""));
        assert!(!m("", "a"));
    }

    #[test]
    fn empty_string_never_matches_a_nonempty_pattern() {
        // Redis: KEYS * lists the empty key only via its `*` shortcut;
        // KEYS ** does not list it.
        assert!(!m("*", ""));
        assert!(!m("**", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn classes() {
        assert!(m("h[ae]llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(!m("h[a-b]llo", "hcllo"));
        assert!(m("[z-a]", "q")); // reversed range is swapped
        // `]` right after `[` closes the class: `[]` never matches and
        // `[^]` matches any byte.
        assert!(!m("[]]", "]"));
        assert!(!m("[]]", "]]"));
        assert!(m("[^]]", "x]"));
        assert!(m("[\\]]", "]"));
        assert!(m("[\\-]", "-"));
        assert!(m("[-a]", "-"));
        assert!(m("[a-]", "]")); // `a-]` is a range ']'..='a', class open
        assert!(m("[a-]", "_"));
        assert!(!m("[a-]", "-"));
        assert!(!m("[a-]]", "]]")); // the second ']' is inside the open class
        assert!(m("[a-]]", "]"));
    }

    #[test]
    fn unterminated_classes() {
        assert!(!m("[", "["));
        assert!(!m("[", "a"));
        assert!(m("[^", "a"));
        assert!(m("[^", "^"));
        assert!(!m("[^", "ab"));
        assert!(m("[ab", "a"));
        assert!(m("[ab", "b"));
        assert!(!m("[ab", "c"));
        assert!(m("x[ab", "xb"));
        assert!(m("[\\", "\\")); // lone backslash in a class is literal
    }

    #[test]
    fn escapes() {
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("\\?", "?"));
        assert!(m("\\[", "["));
        assert!(m("a\\", "a\\")); // trailing backslash is literal
        assert!(!m("a\\", "a"));
        assert!(m("\\\\", "\\"));
        assert!(m("\\a", "a"));
    }

    #[test]
    fn signed_char_ranges() {
        // Redis compares range bounds as signed chars.
        assert!(!glob_match(b"[a-\xff]", b"b", false));
        assert!(glob_match(b"[a-\xff]", b"\xff", false));
        assert!(glob_match(b"[a-\xff]", b"\x01", false));
        assert!(!glob_match(b"[a-\xff]", b"\x80", false));
        assert!(glob_match(b"[\x80-\xff]", b"\x90", false));
        assert!(!glob_match(b"[\x80-\xff]", b"a", false));
    }

    #[test]
    fn nocase() {
        let n = |p: &str, s: &str| glob_match(p.as_bytes(), s.as_bytes(), true);
        assert!(n("HeLLo", "hello"));
        assert!(n("h?LLO", "hello"));
        assert!(n("[A-C]", "b"));
        assert!(n("[a-c]", "B"));
        assert!(n("[ABC]", "b"));
        assert!(!n("[^ABC]", "b"));
        assert!(n("\\H", "h"));
        // A `\` escape inside a class compares exactly.
        assert!(!n("[\\H]", "h"));
        assert!(n("[\\H]", "H"));
        // Bounds are swapped before lowering: Z-a lowers to z..a, empty.
        assert!(!n("[Z-a]", "z"));
        assert!(!n("[Z-a]", "_"));
        assert!(m("[Z-a]", "_"));
        assert!(!m("HELLO", "hello"));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let s = "a".repeat(200);
        let p = "a*".repeat(30) + "b";
        assert!(!m(&p, &s));
        let p = "*a".repeat(30) + "*b";
        assert!(!m(&p, &s));
    }

    #[test]
    fn nesting_limit() {
        let s = "a".repeat(1001);
        assert!(m(&"*a".repeat(1000), &s));
        assert!(!m(&"*a".repeat(1001), &s));
        // A trailing star needs no recursion.
        assert!(m(&("*a".repeat(1000) + "*"), &s));
    }
}
