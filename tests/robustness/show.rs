//! Showing bytes and commands in reports, as `redis-cli` would read them.

// ---------------------------------------------------------------------------------------
// Showing commands
// ---------------------------------------------------------------------------------------

pub(crate) fn show_byte(b: u8) -> String {
    format!("{:?}", b as char)
}

/// Bytes as a quoted string with escapes.
pub(crate) fn show_bytes(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
}

/// One argument as `redis-cli` reads it: bare when plain, else double-quoted.
fn quote_arg(arg: &[u8]) -> String {
    let plain = !arg.is_empty()
        && arg
            .iter()
            .all(|&b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'\\'));
    if plain {
        String::from_utf8_lossy(arg).into_owned()
    } else {
        show_bytes(arg)
    }
}

/// A command as one `redis-cli` line; arguments longer than `max` are abbreviated.
pub(crate) fn show_argv(argv: &[Vec<u8>], max: usize) -> String {
    argv.iter()
        .map(|a| {
            if a.len() > max {
                let same = a.iter().all(|&b| b == a[0]);
                if same {
                    format!("<{} x {}>", a.len(), quote_arg(&a[..1]))
                } else {
                    format!(
                        "<{} bytes starting {}>",
                        a.len(),
                        quote_arg(&a[..max.min(24)])
                    )
                }
            } else {
                quote_arg(a)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
