//! Raw pipelined RESP: a minimal request writer and reply reader, so the client's cost per
//! command is a few dozen bytes copied and scanned, the same against any server.

use std::net::SocketAddr;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::stats::Recorder;
use crate::workload::{KEY_LEN, Op, OpSource, key};

/// Pre-encoded request pieces for one value size.
pub struct Requests {
    /// `$<len>\r\n<value>\r\n`
    value_tail: Vec<u8>,
}

impl Requests {
    pub fn new(value: &[u8]) -> Requests {
        let mut value_tail = format!("${}\r\n", value.len()).into_bytes();
        value_tail.extend_from_slice(value);
        value_tail.extend_from_slice(b"\r\n");
        Requests { value_tail }
    }

    /// Appends the multibulk encoding of `op` to `out`.
    pub fn push(&self, op: Op, out: &mut Vec<u8>) {
        const KEY_HEADER: &[u8] = b"$16\r\n";
        const _: () = assert!(KEY_LEN == 16);
        let n = match op {
            Op::Get(n) => {
                out.extend_from_slice(b"*2\r\n$3\r\nGET\r\n");
                n
            }
            Op::Set(n) => {
                out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
                n
            }
        };
        out.extend_from_slice(KEY_HEADER);
        out.extend_from_slice(&key(n));
        out.extend_from_slice(b"\r\n");
        if let Op::Set(_) = op {
            out.extend_from_slice(&self.value_tail);
        }
    }
}

/// One parsed reply: its length in bytes and whether it is an error.
#[derive(Debug, PartialEq, Eq)]
pub struct Parsed {
    pub len: usize,
    pub error: bool,
}

/// Parses the reply at the start of `buf` (RESP2 or RESP3). `Ok(None)`: incomplete.
pub fn parse_reply(buf: &[u8]) -> Result<Option<Parsed>, String> {
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let Some(eol) = buf.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    if eol < 1 || buf[eol - 1] != b'\r' {
        return Err(format!("reply line without CRLF: {:?}", preview(buf)));
    }
    let header = eol + 1;
    let number = || -> Result<i64, String> {
        std::str::from_utf8(&buf[1..eol - 1])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad length in reply: {:?}", preview(buf)))
    };
    match kind {
        b'+' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(Parsed {
            len: header,
            error: false,
        })),
        b'-' => Ok(Some(Parsed {
            len: header,
            error: true,
        })),
        b'$' | b'=' | b'!' => {
            let n = number()?;
            if n < 0 {
                return Ok(Some(Parsed {
                    len: header,
                    error: false,
                }));
            }
            let len = header + n as usize + 2;
            if buf.len() < len {
                return Ok(None);
            }
            Ok(Some(Parsed {
                len,
                error: kind == b'!',
            }))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = number()?;
            let items = match kind {
                _ if n < 0 => 0,
                b'%' | b'|' => n as usize * 2,
                _ => n as usize,
            };
            let mut len = header;
            let mut error = false;
            for _ in 0..items {
                match parse_reply(&buf[len..])? {
                    Some(item) => {
                        len += item.len;
                        error |= item.error;
                    }
                    None => return Ok(None),
                }
            }
            Ok(Some(Parsed { len, error }))
        }
        _ => Err(format!("unknown reply type: {:?}", preview(buf))),
    }
}

fn preview(buf: &[u8]) -> String {
    String::from_utf8_lossy(&buf[..buf.len().min(60)]).into_owned()
}

/// An open connection.
pub struct Conn {
    stream: TcpStream,
}

pub async fn connect(addr: SocketAddr) -> std::io::Result<Conn> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(Conn { stream })
}

/// Sends batches of `depth` commands and waits for all their replies before the next
/// batch (what `redis-benchmark -P` does), until the source says stop.
pub async fn worker(
    mut conn: Conn,
    requests: &Requests,
    mut source: OpSource,
    depth: usize,
    rec: &mut Recorder,
) {
    let mut out = Vec::with_capacity(depth * 64);
    let mut input = BytesMut::with_capacity(64 * 1024);
    while source.more() {
        out.clear();
        let mut sent = 0usize;
        while sent < depth {
            let Some(op) = source.next_op() else { break };
            requests.push(op, &mut out);
            sent += 1;
        }
        if sent == 0 {
            break;
        }
        let start = std::time::Instant::now();
        if let Err(e) = conn.stream.write_all(&out).await {
            rec.error(|| format!("write: {e}"));
            return;
        }
        let mut pending = sent;
        while pending > 0 {
            match conn.stream.read_buf(&mut input).await {
                Ok(0) => {
                    rec.error(|| "server closed the connection".into());
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    rec.error(|| format!("read: {e}"));
                    return;
                }
            }
            let done = std::time::Instant::now();
            let mut used = 0;
            let mut got = 0;
            while pending > 0 {
                match parse_reply(&input[used..]) {
                    Ok(Some(reply)) => {
                        if reply.error {
                            let text = &input[used..used + reply.len];
                            rec.error(|| String::from_utf8_lossy(text).trim_end().to_string());
                        }
                        used += reply.len;
                        got += 1;
                        pending -= 1;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        rec.error(|| e);
                        return;
                    }
                }
            }
            rec.replies(start, done, got);
            input.advance(used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(bytes: &[u8]) -> Option<Parsed> {
        parse_reply(bytes).unwrap()
    }

    #[test]
    fn requests_are_multibulk() {
        let r = Requests::new(b"xxxxxxxxxx");
        let mut out = Vec::new();
        r.push(Op::Set(7), &mut out);
        r.push(Op::Get(8), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000007\r\n$10\r\nxxxxxxxxxx\r\n\
             *2\r\n$3\r\nGET\r\n$16\r\nkey:000000000008\r\n"
        );
    }

    #[test]
    fn replies_of_every_shape() {
        let ok = |len| Some(Parsed { len, error: false });
        assert_eq!(parsed(b"+OK\r\n+OK"), ok(5));
        assert_eq!(parsed(b"$-1\r\n"), ok(5));
        assert_eq!(parsed(b"$3\r\nabc\r\n"), ok(9));
        assert_eq!(parsed(b"_\r\n"), ok(3));
        assert_eq!(parsed(b":12\r\n"), ok(5));
        assert_eq!(parsed(b"*2\r\n$1\r\na\r\n:1\r\n"), ok(15));
        assert_eq!(parsed(b"%1\r\n+a\r\n:1\r\n"), ok(12));
        assert_eq!(parsed(b"*-1\r\n"), ok(5));
        assert_eq!(
            parsed(b"-ERR no\r\n"),
            Some(Parsed {
                len: 9,
                error: true
            })
        );
    }

    #[test]
    fn incomplete_replies_wait() {
        for partial in [
            &b""[..],
            b"+OK",
            b"+OK\r",
            b"$3\r\nab",
            b"$3\r\nabc\r",
            b"*2\r\n:1\r\n",
        ] {
            assert_eq!(parsed(partial), None, "{partial:?}");
        }
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_reply(b"?\r\n").is_err());
        assert!(parse_reply(b"$x\r\n").is_err());
        assert!(parse_reply(b"+OK\n").is_err());
    }
}
