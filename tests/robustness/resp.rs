//! The RESP2/RESP3 reply model, its scanner and parser, request encoding and the
//! harness's client connection.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::show::{show_argv, show_byte, show_bytes};

// ---------------------------------------------------------------------------------------
// RESP2/RESP3 replies: an incremental framing scanner plus a validating parser.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reply {
    Simple(Vec<u8>),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`.
    Null,
    Array(Vec<Reply>),
    Set(Vec<Reply>),
    Push(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Double(f64),
    Bool(bool),
    BigNumber(Vec<u8>),
    /// `=` text including its `fmt:` prefix.
    Verbatim(Vec<u8>),
    BlobError(Vec<u8>),
    Attribute(Vec<(Reply, Reply)>, Box<Reply>),
}

impl Reply {
    pub(crate) fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_) | Reply::BlobError(_))
    }

    pub(crate) fn text(&self) -> Option<&[u8]> {
        match self {
            Reply::Simple(t) | Reply::Bulk(t) | Reply::Error(t) | Reply::BlobError(t) => Some(t),
            Reply::Verbatim(t) => Some(t.get(4..).unwrap_or_default()),
            _ => None,
        }
    }

    pub(crate) fn text_lossy(&self) -> String {
        self.text()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .unwrap_or_default()
    }

    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Reply::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v,
            _ => &[],
        }
    }

    /// Key/value pairs of a RESP3 map or of a RESP2 flattened one.
    pub(crate) fn pairs(&self) -> Vec<(&Reply, &Reply)> {
        match self {
            Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
            Reply::Array(items) => items.chunks_exact(2).map(|p| (&p[0], &p[1])).collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Reply> {
        self.pairs()
            .into_iter()
            .find(|(k, _)| k.text() == Some(key.as_bytes()))
            .map(|(_, v)| v)
    }

    /// A short description for failure reports.
    pub(crate) fn brief(&self) -> String {
        let s = match self {
            Reply::Simple(t) => format!("+{}", show_bytes(t)),
            Reply::Error(t) => format!("-{}", show_bytes(t)),
            Reply::Bulk(t) => format!("${}", show_bytes(t)),
            other => format!("{other:?}"),
        };
        if s.len() > 300 {
            format!("{}... ({} chars)", &s[..300], s.len())
        } else {
            s
        }
    }
}

/// One header line at `at`: its type byte, its body and where the next element starts.
/// `None` when the line is not complete yet.
/// A reply line: its type byte, its body and the offset after its CRLF.
type Line<'a> = (u8, &'a [u8], usize);

fn header(buf: &[u8], at: usize) -> Result<Option<Line<'_>>, String> {
    let rest = &buf[at..];
    let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    if nl < 2 || rest[nl - 1] != b'\r' {
        return Err(format!(
            "reply line not ended by CRLF: {}",
            show_bytes(&rest[..(nl + 1).min(80)])
        ));
    }
    let body = &rest[1..nl - 1];
    if body.contains(&b'\r') {
        return Err(format!("bare CR inside a reply line: {}", show_bytes(body)));
    }
    Ok(Some((rest[0], body, at + nl + 1)))
}

/// A canonical decimal integer as Redis prints it.
fn canonical_int(body: &[u8]) -> Result<i64, String> {
    let text = std::str::from_utf8(body).map_err(|_| format!("bad number {body:?}"))?;
    match text.parse::<i64>() {
        Ok(n) if n.to_string() == text => Ok(n),
        _ => Err(format!("bad number {}", show_bytes(body))),
    }
}

/// Finds where complete replies end, resuming where it stopped so that a large reply
/// arriving in many reads is scanned once.
#[derive(Debug, Default)]
pub(crate) struct Scanner {
    pos: usize,
    /// Elements still missing in each open aggregate.
    pending: Vec<u64>,
}

impl Scanner {
    /// The end of the first complete reply in `buf` (which starts at offset 0), if any.
    fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, String> {
        loop {
            let Some((kind, body, mut next)) = header(buf, self.pos)? else {
                return Ok(None);
            };
            let mut children = 0u64;
            match kind {
                b'$' | b'=' | b'!' => {
                    let len = canonical_int(body)?;
                    if !(len == -1 && kind == b'$') {
                        if len < 0 {
                            return Err(format!("negative length {len} for {}", kind as char));
                        }
                        let end = next + len as usize + 2;
                        if buf.len() < end {
                            return Ok(None);
                        }
                        if &buf[end - 2..end] != b"\r\n" {
                            return Err("bulk data not followed by CRLF".into());
                        }
                        next = end;
                    }
                }
                b'*' | b'~' | b'>' | b'%' | b'|' => {
                    let n = canonical_int(body)?;
                    if !(n == -1 && kind == b'*') {
                        if !(0..1 << 32).contains(&n) {
                            return Err(format!("bad aggregate length {n}"));
                        }
                        children = n as u64;
                        if matches!(kind, b'%' | b'|') {
                            children *= 2;
                        }
                        if kind == b'|' {
                            // An attribute is followed by the reply it describes.
                            children += 1;
                        }
                    }
                }
                b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => {}
                other => return Err(format!("unknown reply type byte {}", show_byte(other))),
            }
            self.pos = next;
            if children > 0 {
                self.pending.push(children);
                continue;
            }
            loop {
                match self.pending.last_mut() {
                    None => {
                        let end = self.pos;
                        self.pos = 0;
                        return Ok(Some(end));
                    }
                    Some(left) => {
                        *left -= 1;
                        if *left == 0 {
                            self.pending.pop();
                        } else {
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Parses and validates one complete reply; sets `resp3` when a RESP3-only type is used.
fn parse_reply(
    buf: &[u8],
    at: &mut usize,
    depth: usize,
    resp3: &mut bool,
) -> Result<Reply, String> {
    if depth > 64 {
        return Err("replies nested more than 64 deep".into());
    }
    let (kind, body, next) = header(buf, *at)?.ok_or("truncated reply")?;
    *at = next;
    if !matches!(kind, b'+' | b'-' | b':' | b'$' | b'*') {
        *resp3 = true;
    }
    let count = |body: &[u8]| -> Result<usize, String> {
        let n = canonical_int(body)?;
        usize::try_from(n).map_err(|_| format!("bad count {n}"))
    };
    Ok(match kind {
        b'+' => Reply::Simple(body.to_vec()),
        b'-' => {
            if body.is_empty() {
                return Err("empty error line".into());
            }
            Reply::Error(body.to_vec())
        }
        b':' => Reply::Int(canonical_int(body)?),
        b'$' | b'=' | b'!' => {
            if kind == b'$' && body == b"-1" {
                return Ok(Reply::Null);
            }
            let len = count(body)?;
            let data = buf.get(next..next + len).ok_or("truncated bulk")?.to_vec();
            *at = next + len + 2;
            match kind {
                b'$' => Reply::Bulk(data),
                b'=' => {
                    if data.len() < 4 || data[3] != b':' {
                        return Err(format!(
                            "verbatim string without format: {}",
                            show_bytes(&data)
                        ));
                    }
                    Reply::Verbatim(data)
                }
                _ => Reply::BlobError(data),
            }
        }
        b'*' | b'~' | b'>' => {
            if kind == b'*' && body == b"-1" {
                return Ok(Reply::Null);
            }
            let n = count(body)?;
            let mut items = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                items.push(parse_reply(buf, at, depth + 1, resp3)?);
            }
            match kind {
                b'*' => Reply::Array(items),
                b'~' => Reply::Set(items),
                _ => Reply::Push(items),
            }
        }
        b'%' | b'|' => {
            let n = count(body)?;
            let mut pairs = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                let k = parse_reply(buf, at, depth + 1, resp3)?;
                let v = parse_reply(buf, at, depth + 1, resp3)?;
                pairs.push((k, v));
            }
            if kind == b'%' {
                Reply::Map(pairs)
            } else {
                let described = parse_reply(buf, at, depth + 1, resp3)?;
                Reply::Attribute(pairs, Box::new(described))
            }
        }
        b'_' => {
            if !body.is_empty() {
                return Err(format!("null with a body: {}", show_bytes(body)));
            }
            Reply::Null
        }
        b',' => {
            let text = std::str::from_utf8(body).unwrap_or("?");
            let value = match text {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ if text.bytes().all(|b| {
                    b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')
                }) =>
                {
                    text.parse::<f64>()
                        .map_err(|_| format!("bad double {}", show_bytes(body)))?
                }
                _ => return Err(format!("bad double {}", show_bytes(body))),
            };
            Reply::Double(value)
        }
        b'#' => match body {
            b"t" => Reply::Bool(true),
            b"f" => Reply::Bool(false),
            _ => return Err(format!("bad boolean {}", show_bytes(body))),
        },
        b'(' => {
            let digits = body.strip_prefix(b"-").unwrap_or(body);
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(format!("bad big number {}", show_bytes(body)));
            }
            Reply::BigNumber(body.to_vec())
        }
        other => return Err(format!("unknown reply type byte {}", show_byte(other))),
    })
}

/// Why reading a reply failed.
#[derive(Clone, Debug)]
pub(crate) enum ReadError {
    Closed,
    Timeout,
    Malformed(String),
}

/// Reads one reply; returns it and whether it used RESP3-only types.
pub(crate) async fn read_reply<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut BytesMut,
    scanner: &mut Scanner,
    deadline: Instant,
) -> Result<(Reply, bool), ReadError> {
    loop {
        match scanner.scan(buf) {
            Err(e) => {
                return Err(ReadError::Malformed(format!(
                    "{e}; buffered: {}",
                    show_bytes(&buf[..buf.len().min(200)])
                )));
            }
            Ok(Some(end)) => {
                let frame = buf.split_to(end);
                let mut at = 0;
                let mut resp3 = false;
                let reply = parse_reply(&frame, &mut at, 0, &mut resp3).map_err(|e| {
                    ReadError::Malformed(format!(
                        "{e}; reply: {}",
                        show_bytes(&frame[..frame.len().min(200)])
                    ))
                })?;
                if at != end {
                    return Err(ReadError::Malformed("reply framing disagrees".into()));
                }
                return Ok((reply, resp3));
            }
            Ok(None) => {}
        }
        if buf.capacity() - buf.len() < 16 * 1024 {
            buf.reserve(64 * 1024);
        }
        match timeout_at(deadline, rd.read_buf(buf)).await {
            Err(_) => return Err(ReadError::Timeout),
            Ok(Ok(0)) | Ok(Err(_)) => return Err(ReadError::Closed),
            Ok(Ok(_)) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Requests and connections
// ---------------------------------------------------------------------------------------

pub(crate) type Argv = Vec<Vec<u8>>;

pub(crate) fn encode_multibulk(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Whether `argv` survives the inline splitter unchanged (no blanks, quotes, escapes).
pub(crate) fn inline_safe(argv: &[Vec<u8>]) -> bool {
    argv.iter().map(Vec::len).sum::<usize>() < 32 * 1024
        && argv.iter().all(|a| {
            !a.is_empty()
                && a.iter()
                    .all(|&b| (0x21..0x7f).contains(&b) && !matches!(b, b'"' | b'\'' | b'\\'))
        })
        && argv[0][0] != b'*'
}

pub(crate) fn encode_inline(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(arg);
    }
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn argv_of(words: &[&[u8]]) -> Argv {
    words.iter().map(|w| w.to_vec()).collect()
}

pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    pub(crate) buf: BytesMut,
    pub(crate) scanner: Scanner,
    /// Whether replies may use RESP3 types (after a successful `HELLO 3`).
    pub(crate) resp3: bool,
    /// A RESP3 connection: it says `HELLO 3` again before a batch when a fuzzed `RESET`
    /// or `HELLO 2` switched it back.
    pub(crate) wants_resp3: bool,
    pub(crate) id: i64,
    /// The address the server sees for this client (`addr=` in `CLIENT LIST`).
    pub(crate) addr: String,
}

const CALL_LIMIT: Duration = Duration::from_secs(30);

impl Conn {
    pub(crate) async fn open(server: SocketAddr) -> Result<Conn, String> {
        let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(server))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).ok();
        let addr = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let mut conn = Conn {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            scanner: Scanner::default(),
            resp3: false,
            wants_resp3: false,
            id: 0,
            addr,
        };
        let id = conn.call(&argv_of(&[b"CLIENT", b"ID"])).await?;
        conn.id = id.int().ok_or(format!("CLIENT ID answered {id:?}"))?;
        Ok(conn)
    }

    pub(crate) async fn call(&mut self, argv: &[Vec<u8>]) -> Result<Reply, String> {
        let mut out = Vec::new();
        encode_multibulk(&mut out, argv);
        let deadline = Instant::now() + CALL_LIMIT;
        timeout_at(deadline, self.stream.write_all(&out))
            .await
            .map_err(|_| "write timed out".to_string())?
            .map_err(|e| format!("write: {e}"))?;
        let (reply, _) =
            read_past_invalidations(&mut self.stream, &mut self.buf, &mut self.scanner, deadline)
                .await
                .map_err(|e| format!("{} answered {e:?}", show_argv(argv, 60)))?;
        Ok(reply)
    }

    pub(crate) async fn hello3(&mut self) -> Result<(), String> {
        let reply = self.call(&argv_of(&[b"HELLO", b"3"])).await?;
        if reply.get("proto").and_then(Reply::int) != Some(3) {
            return Err(format!("HELLO 3 answered {}", reply.brief()));
        }
        self.resp3 = true;
        self.wants_resp3 = true;
        Ok(())
    }

    pub(crate) async fn ping(&mut self) -> Result<(), String> {
        match self.call(&argv_of(&[b"PING"])).await? {
            Reply::Simple(s) if s == b"PONG" => Ok(()),
            other => Err(format!("PING answered {}", other.brief())),
        }
    }

    /// QUIT must answer +OK and then close.
    pub(crate) async fn quit(mut self) -> Result<(), String> {
        let reply = self.call(&argv_of(&[b"QUIT"])).await?;
        if reply != Reply::Simple(b"OK".to_vec()) {
            return Err(format!("QUIT answered {}", reply.brief()));
        }
        let mut rest = [0u8; 64];
        match tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut rest)).await {
            Ok(Ok(0)) | Ok(Err(_)) => Ok(()),
            Ok(Ok(n)) => Err(format!(
                "bytes after QUIT's +OK: {}",
                show_bytes(&rest[..n])
            )),
            Err(_) => Err("the connection stayed open after QUIT".into()),
        }
    }
}

/// The next reply, past any client-side caching pushes (see [`is_tracking_push`]).
pub(crate) async fn read_past_invalidations<R: AsyncRead + Unpin>(
    rd: &mut R,
    buf: &mut bytes::BytesMut,
    scanner: &mut Scanner,
    deadline: Instant,
) -> Result<(Reply, bool), ReadError> {
    loop {
        let (reply, used_resp3) = read_reply(rd, buf, scanner, deadline).await?;
        if !is_tracking_push(&reply) {
            return Ok((reply, used_resp3));
        }
    }
}

/// An invalidation (`invalidate`) or broken-redirection notice of client-side caching.
fn is_tracking_push(reply: &Reply) -> bool {
    match reply {
        Reply::Push(items) => matches!(
            items.first(),
            Some(Reply::Bulk(kind))
                if kind.as_slice() == b"invalidate" || kind.as_slice() == b"tracking-redir-broken"
        ),
        _ => false,
    }
}
