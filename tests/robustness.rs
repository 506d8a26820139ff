//! Robustness harness: no client input may panic the server, stall it, break its reply
//! framing or leak a client.
//!
//! `hostile_commands_never_crash_or_leak` starts an in-process server, asks it for every
//! command it has (`COMMAND`, subcommands included) and their argument grammar
//! (`COMMAND DOCS`) at run time, so a new command is fuzzed without touching this file.
//! Worker tasks then pipeline seeded random commands over real TCP connections (a share
//! of them after `HELLO 3`, a few sent as inline commands), in batches of [`BATCH`]
//! commands followed by a `PING <nonce>` sentinel, and check that
//! - every command gets exactly one well-formed RESP2/RESP3 reply (no RESP3-only type on
//!   a RESP2 connection), the sentinel comes back last, and within the batch time limit;
//! - the connection stays open (a close before the sentinel is a crash: the batch is
//!   reported and minimised to a one-line reproduction);
//! - no server thread panics (a panic hook records every panic with the first
//!   `memorabilia::` frame of its backtrace);
//! - a separate witness connection answers `PING` between batches;
//! - at the end `CLIENT LIST` lists only the harness's connections and `INFO clients`
//!   agrees (and reports no blocked client).
//!
//! Commands are built three ways: from the `COMMAND DOCS` argument tree (valid-looking
//! forms, with `numkeys` usually right), the same then mutated (replace, insert, delete,
//! duplicate, swap, truncate an argument), or the name with 0..=12 hostile arguments (now
//! and then hundreds): extreme integers, odd floats, binary junk, strings up to 100 KB,
//! option words (ours, every token of `COMMAND DOCS`, every `CONFIG GET *` name), glob
//! patterns, command names, client ids, and keys from a small pre-populated set holding
//! every type and encoding ([`populate_script`]), most often of the type the command's
//! documentation group works on. Three "victim" connections (two of them blocked forever
//! on keys the fuzz pushes to) give `CLIENT KILL` and `CLIENT UNBLOCK` real targets.
//! Commands that would legitimately end the connection or stall are excluded or tamed
//! ([`EXCLUDED`], [`tame`]); inputs that are known to crash today are skipped through
//! [`KNOWN_CRASHES`], each with its regression test in `tests/regressions.rs`.
//!
//! A failed batch is replayed alone against freshly restored keys to find the smallest
//! reproduction: each unanswered command alone, then with its keys swapped for keys of
//! every type (an earlier command may have retyped a key), then the batch cut down
//! ddmin-style; then arguments are dropped and shortened while the same failure (same
//! panic site) still shows.
//!
//! `garbage_bytes_end_in_an_error_or_a_close` sends random bytes and mutated frames to
//! fresh connections: each must end in replies that are well-formed and a close (after
//! the harness half-closes), never a panic, while a witness keeps answering.
//!
//! Run (default size, a few seconds in a debug build):
//!     cargo test --test robustness
//! A long run by hand (numbers are commands; the byte fuzz gets ITERS/100 connections):
//!     MEMO_FUZZ_ITERS=1000000 cargo test --release --test robustness -- --nocapture
//! Environment: `MEMO_FUZZ_ITERS` (default 40000), `MEMO_FUZZ_SEED` (decimal or 0x-hex,
//! default fixed), `MEMO_FUZZ_WORKERS` (concurrent fuzz connections, default 2),
//! `MEMO_FUZZ_MAX_FAILURES` (distinct failures before stopping, default 5),
//! `MEMO_FUZZ_BATCH_SECS` (time limit of one batch, default 60), `MEMO_FUZZ_SKIP_KNOWN=0`
//! (send the inputs of [`KNOWN_CRASHES`] too, to check a fix).
//! The batch in flight is written to `<target>/tmp/robustness-inflight-w<N>.txt` before it
//! is sent, so a crash that takes the whole process down (an abort) can still be traced;
//! `MEMO_FUZZ_DUMP=<path>` appends every batch to `<path>.w<N>`.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

/// Commands per batch; each batch ends with a `PING <nonce>` sentinel.
const BATCH: usize = 100;
const DEFAULT_ITERS: u64 = 40_000;
const DEFAULT_SEED: u64 = 0x6d65_6d6f_7269_6131;
/// Every this many batches a worker restores the pre-populated keys (and fresh victims).
const RESEED_EVERY: u64 = 8;
/// Every this many batches a worker QUITs and reconnects, picking RESP2 or RESP3 anew.
const RECONNECT_EVERY: u64 = 12;

#[derive(Clone, Copy, Debug)]
struct Settings {
    iters: u64,
    seed: u64,
    workers: usize,
    max_failures: usize,
    batch_limit: Duration,
}

fn env_u64(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let text = raw.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    Some(parsed.unwrap_or_else(|| panic!("{name}={raw:?} is not a number")))
}

fn settings() -> Settings {
    Settings {
        iters: env_u64("MEMO_FUZZ_ITERS").unwrap_or(DEFAULT_ITERS),
        seed: env_u64("MEMO_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        workers: env_u64("MEMO_FUZZ_WORKERS").unwrap_or(2).max(1) as usize,
        max_failures: env_u64("MEMO_FUZZ_MAX_FAILURES").unwrap_or(5).max(1) as usize,
        batch_limit: Duration::from_secs(env_u64("MEMO_FUZZ_BATCH_SECS").unwrap_or(60)),
    }
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness (SplitMix64): the same seed gives the same commands.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Panic capture: the server runs in this process, so its panics reach our hook.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct PanicRecord {
    thread: String,
    message: String,
    location: String,
    /// The first `memorabilia::` frame of the backtrace, e.g.
    /// `memorabilia::commands::sets::srandmember_count_op::{{closure}} at src/commands/sets.rs:376:18`.
    frame: String,
}

impl PanicRecord {
    fn line(&self) -> String {
        format!(
            "thread '{}' panicked at {}: {}{}",
            self.thread,
            self.location,
            self.message,
            if self.frame.is_empty() {
                String::new()
            } else {
                format!(" (in {})", self.frame)
            }
        )
    }

    /// Where it happened, for telling crashes apart.
    fn site(&self) -> String {
        if self.frame.is_empty() {
            format!("{} ({})", self.location, self.message)
        } else {
            self.frame.clone()
        }
    }
}

static PANICS: Mutex<Vec<PanicRecord>> = Mutex::new(Vec::new());
/// While minimising, panics are recorded but not printed (they are provoked on purpose).
static QUIET: AtomicBool = AtomicBool::new(false);
static HOOK: std::sync::Once = std::sync::Once::new();

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn install_panic_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic payload>".into());
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let thread = std::thread::current()
                .name()
                .unwrap_or("<unnamed>")
                .to_string();
            let trace = std::backtrace::Backtrace::force_capture().to_string();
            let frame = server_frame(&trace);
            lock(&PANICS).push(PanicRecord {
                thread: thread.clone(),
                message,
                location,
                frame,
            });
            // Only the server's threads (named `fuzz-...`) are quiet while minimising; a
            // failing assertion of a test still prints.
            let quiet = QUIET.load(Ordering::Relaxed) && thread.starts_with("fuzz-");
            if !quiet {
                default(info);
            }
        }));
    });
}

/// The first frame of the server crate in a formatted backtrace, with its source line.
fn server_frame(trace: &str) -> String {
    let mut lines = trace.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some((_, function)) = line.split_once(": ") else {
            continue;
        };
        if function.starts_with("memorabilia::") {
            let at = lines
                .next()
                .and_then(|l| l.strip_prefix("at "))
                .unwrap_or("");
            let at = at.find("/src/").map_or(at, |i| &at[i + 1..]);
            return format!("{function} at {at}");
        }
    }
    String::new()
}

/// Panics recorded on threads whose name starts with `prefix` (each test names the
/// threads of its runtime, so parallel tests do not see each other's panics).
fn panics_of(prefix: &str) -> Vec<PanicRecord> {
    lock(&PANICS)
        .iter()
        .filter(|p| p.thread.starts_with(prefix))
        .cloned()
        .collect()
}

fn runtime(thread_name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(thread_name)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

// ---------------------------------------------------------------------------------------
// RESP2/RESP3 replies: an incremental framing scanner plus a validating parser.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Reply {
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
    fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_) | Reply::BlobError(_))
    }

    fn text(&self) -> Option<&[u8]> {
        match self {
            Reply::Simple(t) | Reply::Bulk(t) | Reply::Error(t) | Reply::BlobError(t) => Some(t),
            Reply::Verbatim(t) => Some(t.get(4..).unwrap_or_default()),
            _ => None,
        }
    }

    fn text_lossy(&self) -> String {
        self.text()
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .unwrap_or_default()
    }

    fn int(&self) -> Option<i64> {
        match self {
            Reply::Int(n) => Some(*n),
            _ => None,
        }
    }

    fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v,
            _ => &[],
        }
    }

    /// Key/value pairs of a RESP3 map or of a RESP2 flattened one.
    fn pairs(&self) -> Vec<(&Reply, &Reply)> {
        match self {
            Reply::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
            Reply::Array(items) => items.chunks_exact(2).map(|p| (&p[0], &p[1])).collect(),
            _ => Vec::new(),
        }
    }

    fn get(&self, key: &str) -> Option<&Reply> {
        self.pairs()
            .into_iter()
            .find(|(k, _)| k.text() == Some(key.as_bytes()))
            .map(|(_, v)| v)
    }

    /// A short description for failure reports.
    fn brief(&self) -> String {
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
struct Scanner {
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
enum ReadError {
    Closed,
    Timeout,
    Malformed(String),
}

/// Reads one reply; returns it and whether it used RESP3-only types.
async fn read_reply<R: AsyncRead + Unpin>(
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

type Argv = Vec<Vec<u8>>;

fn encode_multibulk(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Whether `argv` survives the inline splitter unchanged (no blanks, quotes, escapes).
fn inline_safe(argv: &[Vec<u8>]) -> bool {
    argv.iter().map(Vec::len).sum::<usize>() < 32 * 1024
        && argv.iter().all(|a| {
            !a.is_empty()
                && a.iter()
                    .all(|&b| (0x21..0x7f).contains(&b) && !matches!(b, b'"' | b'\'' | b'\\'))
        })
        && argv[0][0] != b'*'
}

fn encode_inline(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(arg);
    }
    out.extend_from_slice(b"\r\n");
}

fn argv_of(words: &[&[u8]]) -> Argv {
    words.iter().map(|w| w.to_vec()).collect()
}

struct Conn {
    stream: TcpStream,
    buf: BytesMut,
    scanner: Scanner,
    /// Whether replies may use RESP3 types (after a successful `HELLO 3`).
    resp3: bool,
    /// A RESP3 connection: it says `HELLO 3` again before a batch when a fuzzed `RESET`
    /// or `HELLO 2` switched it back.
    wants_resp3: bool,
    id: i64,
    /// The address the server sees for this client (`addr=` in `CLIENT LIST`).
    addr: String,
}

const CALL_LIMIT: Duration = Duration::from_secs(30);

impl Conn {
    async fn open(server: SocketAddr) -> Result<Conn, String> {
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

    async fn call(&mut self, argv: &[Vec<u8>]) -> Result<Reply, String> {
        let mut out = Vec::new();
        encode_multibulk(&mut out, argv);
        let deadline = Instant::now() + CALL_LIMIT;
        timeout_at(deadline, self.stream.write_all(&out))
            .await
            .map_err(|_| "write timed out".to_string())?
            .map_err(|e| format!("write: {e}"))?;
        let (reply, _) = read_reply(&mut self.stream, &mut self.buf, &mut self.scanner, deadline)
            .await
            .map_err(|e| format!("{} answered {e:?}", show_argv(argv, 60)))?;
        Ok(reply)
    }

    async fn hello3(&mut self) -> Result<(), String> {
        let reply = self.call(&argv_of(&[b"HELLO", b"3"])).await?;
        if reply.get("proto").and_then(Reply::int) != Some(3) {
            return Err(format!("HELLO 3 answered {}", reply.brief()));
        }
        self.resp3 = true;
        self.wants_resp3 = true;
        Ok(())
    }

    async fn ping(&mut self) -> Result<(), String> {
        match self.call(&argv_of(&[b"PING"])).await? {
            Reply::Simple(s) if s == b"PONG" => Ok(()),
            other => Err(format!("PING answered {}", other.brief())),
        }
    }

    /// QUIT must answer +OK and then close.
    async fn quit(mut self) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------
// Running one pipelined batch
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum FailKind {
    /// The connection closed before the sentinel's reply.
    Closed,
    /// No (complete) reply within the batch time limit.
    Stalled,
    /// A reply that is not valid RESP, or RESP3 types on a RESP2 connection.
    Malformed,
    /// The sentinel did not come back where expected (a command answered twice or not
    /// at all), or an out-of-band push.
    WrongReplies,
}

#[derive(Clone, Debug)]
struct BatchFailure {
    kind: FailKind,
    /// Replies received before the failure; the command at this index is the first one
    /// not (fully) answered. Replies are written once per batch, so a crash loses the
    /// replies of the commands run before it in the same read: the culprit may be later.
    answered: usize,
    detail: String,
}

#[derive(Debug, Default)]
struct BatchOutcome {
    errors: usize,
    /// Error replies by their first words, for tuning the generator.
    error_kinds: HashMap<String, u64>,
    resp3_replies: usize,
    inline: usize,
}

/// Sends `cmds`, a `DISCARD` (a `MULTI` the batch opened would queue the sentinel instead of
/// answering it) and `PING <nonce>` in one write (while reading, so neither side can fill
/// its socket buffer and wait for the other) and checks every reply.
async fn run_batch(
    conn: &mut Conn,
    cmds: &[Argv],
    nonce: &[u8],
    limit: Duration,
    mut inline: Option<&mut Rng>,
) -> Result<BatchOutcome, BatchFailure> {
    let deadline = Instant::now() + limit;
    let mut outcome = BatchOutcome::default();
    let mut out = Vec::new();
    for cmd in cmds {
        let as_inline = match inline.as_deref_mut() {
            Some(rng) => inline_safe(cmd) && rng.chance(5),
            None => false,
        };
        if as_inline {
            outcome.inline += 1;
            encode_inline(&mut out, cmd);
        } else {
            encode_multibulk(&mut out, cmd);
        }
    }
    encode_multibulk(&mut out, &[b"DISCARD".to_vec()]);
    encode_multibulk(&mut out, &[b"PING".to_vec(), nonce.to_vec()]);
    let Conn {
        stream,
        buf,
        scanner,
        resp3,
        ..
    } = conn;
    let (mut rd, mut wr) = stream.split();
    let write = async {
        match timeout_at(deadline, wr.write_all(&out)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("write failed: {e}")),
            Err(_) => Err("write timed out".to_string()),
        }
    };
    let read = async {
        let fail = |kind, answered, detail: String| BatchFailure {
            kind,
            answered,
            detail,
        };
        let from_read = |e: ReadError, answered: usize| match e {
            ReadError::Closed => fail(FailKind::Closed, answered, "connection closed".into()),
            ReadError::Timeout => fail(
                FailKind::Stalled,
                answered,
                format!("no complete reply within {limit:?}"),
            ),
            ReadError::Malformed(m) => fail(FailKind::Malformed, answered, m),
        };
        for (i, cmd) in cmds.iter().enumerate() {
            let (reply, used_resp3) = read_reply(&mut rd, buf, scanner, deadline)
                .await
                .map_err(|e| from_read(e, i))?;
            let name = cmd[0].to_ascii_lowercase();
            if let Reply::Push(_) = reply {
                return Err(fail(
                    FailKind::WrongReplies,
                    i,
                    format!("out-of-band push {}", reply.brief()),
                ));
            }
            // HELLO answers in the protocol it switches to; everything else must use the
            // connection's protocol.
            if used_resp3 && !*resp3 && name != b"hello" {
                return Err(fail(
                    FailKind::Malformed,
                    i,
                    format!("RESP3 type on a RESP2 connection: {}", reply.brief()),
                ));
            }
            if used_resp3 {
                outcome.resp3_replies += 1;
            }
            if reply.is_error() {
                outcome.errors += 1;
                let text = reply.text_lossy();
                let kind: String = text.split(' ').take(4).collect::<Vec<_>>().join(" ");
                *outcome
                    .error_kinds
                    .entry(kind.chars().take(48).collect())
                    .or_default() += 1;
            } else if name == b"hello" {
                if let Some(proto) = reply.get("proto").and_then(Reply::int) {
                    *resp3 = proto == 3;
                }
            } else if name == b"reset" && reply == Reply::Simple(b"RESET".to_vec()) {
                *resp3 = false;
            }
        }
        let (discarded, _) = read_reply(&mut rd, buf, scanner, deadline)
            .await
            .map_err(|e| from_read(e, cmds.len()))?;
        let closed_block = discarded == Reply::Simple(b"OK".to_vec());
        if !closed_block && discarded.text() != Some(&b"ERR DISCARD without MULTI"[..]) {
            return Err(fail(
                FailKind::WrongReplies,
                cmds.len(),
                format!("DISCARD after the batch answered {}", discarded.brief()),
            ));
        }
        let (last, _) = read_reply(&mut rd, buf, scanner, deadline)
            .await
            .map_err(|e| from_read(e, cmds.len()))?;
        if last.text() != Some(nonce) {
            return Err(fail(
                FailKind::WrongReplies,
                cmds.len(),
                format!(
                    "expected the sentinel {:?} after {} replies, got {}",
                    String::from_utf8_lossy(nonce),
                    cmds.len(),
                    last.brief()
                ),
            ));
        }
        Ok(())
    };
    let (written, read) = tokio::join!(write, read);
    read?;
    written.map_err(|detail| BatchFailure {
        kind: FailKind::Closed,
        answered: cmds.len(),
        detail,
    })?;
    Ok(outcome)
}

// ---------------------------------------------------------------------------------------
// The command catalog, read from the server at run time
// ---------------------------------------------------------------------------------------

/// One argument of a command, from `COMMAND DOCS`.
#[derive(Clone, Debug)]
struct ArgDoc {
    name: String,
    kind: String,
    token: Option<Vec<u8>>,
    optional: bool,
    multiple: bool,
    multiple_token: bool,
    children: Vec<ArgDoc>,
}

#[derive(Clone, Debug)]
struct Spec {
    /// `client|kill`.
    full: String,
    /// The words that name it: `["client", "kill"]`.
    words: Vec<Vec<u8>>,
    /// Redis arity: exact argument count (name included) when positive, minimum when negative.
    arity: i64,
    flags: HashSet<String>,
    /// Legacy key positions (first, last, step) from `COMMAND`.
    keys: (i64, i64, i64),
    args: Vec<ArgDoc>,
    documented: bool,
    /// The documentation group (`hash`, `sorted-set`, ...), which picks typed keys.
    group: String,
    has_subcommands: bool,
    /// Blocking commands: the timeout comes right after the name (BLMPOP) or last.
    timeout_first: bool,
    weight: u64,
}

struct Catalog {
    specs: Vec<Spec>,
    total_weight: u64,
    index: HashMap<String, usize>,
    /// Every `token` of every documented argument.
    tokens: Vec<Vec<u8>>,
    /// Every command name, subcommands as `parent|sub` too.
    names: Vec<Vec<u8>>,
}

impl Catalog {
    fn get(&self, full: &str) -> Option<&Spec> {
        self.index.get(full).map(|&i| &self.specs[i])
    }

    fn pick(&self, rng: &mut Rng) -> &Spec {
        let mut at = rng.next_u64() % self.total_weight;
        for spec in &self.specs {
            if at < spec.weight {
                return spec;
            }
            at -= spec.weight;
        }
        unreachable!("weights add up")
    }

    /// The catalog name of `argv`: `client|kill` for a known subcommand, else its name.
    fn full_name(&self, argv: &[Vec<u8>]) -> String {
        let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
        if let Some(sub) = argv.get(1) {
            let full = format!(
                "{name}|{}",
                String::from_utf8_lossy(sub).to_ascii_lowercase()
            );
            if self.index.contains_key(&full) {
                return full;
            }
        }
        name
    }
}

fn parse_arg_doc(doc: &Reply) -> ArgDoc {
    let text = |key: &str| doc.get(key).map(Reply::text_lossy).unwrap_or_default();
    let flags: Vec<String> = doc
        .get("flags")
        .map(|f| f.items().iter().map(Reply::text_lossy).collect())
        .unwrap_or_default();
    ArgDoc {
        name: text("name"),
        kind: text("type"),
        token: doc.get("token").and_then(Reply::text).map(<[u8]>::to_vec),
        optional: flags.iter().any(|f| f == "optional"),
        multiple: flags.iter().any(|f| f == "multiple"),
        multiple_token: flags.iter().any(|f| f == "multiple_token"),
        children: doc
            .get("arguments")
            .map(|a| a.items().iter().map(parse_arg_doc).collect())
            .unwrap_or_default(),
    }
}

fn collect_docs(map: &Reply, out: &mut HashMap<String, (Vec<ArgDoc>, String)>) {
    for (name, doc) in map.pairs() {
        let name = name.text_lossy().to_ascii_lowercase();
        let args = doc
            .get("arguments")
            .map(|a| a.items().iter().map(parse_arg_doc).collect())
            .unwrap_or_default();
        let group = doc.get("group").map(Reply::text_lossy).unwrap_or_default();
        out.insert(name, (args, group));
        if let Some(subs) = doc.get("subcommands") {
            collect_docs(subs, out);
        }
    }
}

fn collect_tokens(args: &[ArgDoc], out: &mut HashSet<Vec<u8>>) {
    for arg in args {
        if let Some(token) = &arg.token {
            out.insert(token.clone());
        }
        collect_tokens(&arg.children, out);
    }
}

fn parse_command_entry(entry: &Reply, specs: &mut Vec<Spec>) {
    let items = entry.items();
    if items.len() < 6 {
        return;
    }
    let full = items[0].text_lossy().to_ascii_lowercase();
    let flags = items[2].items().iter().map(Reply::text_lossy).collect();
    let key = |i: usize| items[i].int().unwrap_or(0);
    let subcommands = items.get(9).map(Reply::items).unwrap_or_default();
    specs.push(Spec {
        words: full.split('|').map(|w| w.as_bytes().to_vec()).collect(),
        full,
        arity: items[1].int().unwrap_or(-1),
        flags,
        keys: (key(3), key(4), key(5)),
        args: Vec::new(),
        documented: false,
        group: String::new(),
        has_subcommands: !subcommands.is_empty(),
        timeout_first: false,
        weight: 10,
    });
    for sub in subcommands {
        parse_command_entry(sub, specs);
    }
}

async fn load_catalog(conn: &mut Conn) -> Catalog {
    let list = conn
        .call(&argv_of(&[b"COMMAND"]))
        .await
        .expect("COMMAND answers");
    let mut specs = Vec::new();
    for entry in list.items() {
        parse_command_entry(entry, &mut specs);
    }
    assert!(
        !specs.is_empty(),
        "COMMAND listed nothing: {}",
        list.brief()
    );
    let docs = conn
        .call(&argv_of(&[b"COMMAND", b"DOCS"]))
        .await
        .expect("COMMAND DOCS answers");
    let mut doc_args = HashMap::new();
    collect_docs(&docs, &mut doc_args);
    let mut tokens = HashSet::new();
    for spec in &mut specs {
        if let Some((args, group)) = doc_args.get(&spec.full) {
            spec.documented = !args.is_empty();
            spec.args = args.clone();
            spec.group = group.clone();
            collect_tokens(args, &mut tokens);
        }
        spec.timeout_first = spec.args.first().is_some_and(|a| a.name == "timeout");
        spec.weight = match spec.full.as_str() {
            // They empty the pre-populated keys; rarer keeps the typed keys around.
            "flushall" | "flushdb" => 1,
            _ if spec.has_subcommands => 3,
            _ => 10,
        };
    }
    // CONFIG parameter names are option words too.
    if let Ok(config) = conn.call(&argv_of(&[b"CONFIG", b"GET", b"*"])).await {
        for (name, _) in config.pairs() {
            if let Some(name) = name.text() {
                tokens.insert(name.to_vec());
            }
        }
    }
    let mut tokens: Vec<Vec<u8>> = tokens.into_iter().collect();
    tokens.sort();
    let names = specs.iter().map(|s| s.full.as_bytes().to_vec()).collect();
    let index = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.full.clone(), i))
        .collect();
    Catalog {
        total_weight: specs.iter().map(|s| s.weight).sum(),
        specs,
        index,
        tokens,
        names,
    }
}

// ---------------------------------------------------------------------------------------
// Hostile arguments
// ---------------------------------------------------------------------------------------

/// Keys: each pre-populated one ([`populate_script`]) plus a few that stay missing.
const KEYS: &[&[u8]] = &[
    b"vq",
    b"vz",
    b"str",
    b"int",
    b"neg",
    b"float",
    b"bigstr",
    b"bin",
    b"ttl",
    b"list",
    b"biglist",
    b"hash",
    b"bighash",
    b"hashlong",
    b"set",
    b"intset",
    b"bigset",
    b"bigintset",
    b"zset",
    b"zlex",
    b"bigzset",
    b"missing",
    b"dest",
    b"tmp",
    b"",
    b"\x00k\xff",
    b"{tag}a",
];

/// The pre-populated keys of each type, by `COMMAND DOCS` group.
fn keys_of_group(group: &str) -> &'static [&'static [u8]] {
    match group {
        "string" => &[b"str", b"int", b"neg", b"float", b"bigstr", b"bin", b"ttl"],
        "list" => &[b"list", b"biglist", b"vq"],
        "hash" => &[b"hash", b"bighash", b"hashlong"],
        "set" => &[b"set", b"intset", b"bigset", b"bigintset"],
        "sorted-set" => &[b"zset", b"zlex", b"bigzset", b"vz"],
        _ => KEYS,
    }
}

/// One key of each type, for re-running a command on every type while minimising.
const KEY_PER_TYPE: &[&[u8]] = &[
    b"str", b"list", b"hash", b"set", b"zset", b"bighash", b"bigset", b"bigzset", b"intset",
];

/// Integers at and around every edge a parser or an allocation can trip on. Counts
/// between 10^5 and 2^31 are left out on purpose: they are legal and make replies of
/// gigabytes (as in Redis), which is load, not robustness.
const INTS: &[&str] = &[
    "-9223372036854775808",
    "9223372036854775807",
    "-9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "9223372036854775806",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999",
    "4611686018427387904",
    "-4611686018427387904",
    "4611686018427387903",
    "-4611686018427387903",
    "4294967296",
    "-4294967296",
    "4294967295",
    "2147483648",
    "-2147483648",
    "2147483647",
    "-2147483647",
    "536870912",
    "536870913",
    "100000",
    "-100000",
    "65536",
    "65535",
    "1000",
    "-1000",
    "-1",
    "0",
    "1",
    "-2",
    "2",
    "513",
    "129",
    "64",
];

const FLOATS: &[&str] = &[
    "inf",
    "-inf",
    "+inf",
    "nan",
    "-nan",
    "NaN",
    "infinity",
    "1e400",
    "-1e400",
    "-0",
    "0x10",
    "0x1p3",
    "1e-400",
    "3.14",
    "-2.5",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "4.9e-324",
    ".5",
    "5.",
    "1e",
    "--1",
    "1,5",
    " 1.5",
    "1.5 ",
    "+1.5",
    "1e308",
    "9007199254740993",
    "0.1",
    "(1.5",
    "(inf",
    "[a",
    "(a",
    "-",
    "+",
];

/// Words Redis commands know as options, beyond the `COMMAND DOCS` tokens (which are
/// added at run time).
const OPTIONS: &[&str] = &[
    "NX",
    "XX",
    "GT",
    "LT",
    "CH",
    "INCR",
    "WITHSCORES",
    "WITHVALUES",
    "LIMIT",
    "COUNT",
    "MATCH",
    "TYPE",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "REPLACE",
    "DB",
    "KEEPTTL",
    "GET",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "PERSIST",
    "MIN",
    "MAX",
    "IDX",
    "LEN",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "RANK",
    "MAXLEN",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "STORE",
    "ID",
    "ADDR",
    "LADDR",
    "SKIPME",
    "USER",
    "ERROR",
    "TIMEOUT",
    "ASYNC",
    "SYNC",
    "NOSAVE",
    "SAVE",
    "ABORT",
    "NOW",
    "FORCE",
    "AUTH",
    "SETNAME",
    "FILTERBY",
    "PATTERN",
    "ACLCAT",
    "MODULE",
    "normal",
    "master",
    "replica",
    "pubsub",
    "yes",
    "no",
    "default",
    "lib-name",
    "lib-ver",
    "WITHSCORE",
    "ANY",
    "FULL",
    "NOVALUES",
    "FIELDS",
];

const MEMBERS: &[&str] = &[
    "a", "b", "c", "d", "e", "f1", "f2", "n", "fl", "m0", "m1", "m599", "1", "2", "3", "-5", "100",
    "x", "hello", "value", "0",
];

const BINARY: &[&[u8]] = &[
    b"\x00",
    b"a\x00b",
    b"\r\n",
    b"\r",
    b"\n",
    b"*1\r\n$4\r\nPING\r\n",
    b"\xff\xfe\xfd",
    b"\xc3\x28",
    b"\x80",
    b"\xed\xa0\x80",
    b"\"",
    b"'",
    b"\\",
    b" ",
    b"\t",
    b"\"unbalanced",
    b"%s%n%x",
    b"\x1b[31m",
    b"\xef\xbb\xbf",
    b"1\x00",
];

const GLOBS: &[&str] = &[
    "*",
    "?",
    "[",
    "[a-",
    "[^a]*",
    "\\",
    "[\\",
    "*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "[[[[[[",
    "a*",
    "*[a-z]*?",
    "[z-a]",
    "[]",
    "[!a]",
    "big*",
    "*\\*",
    "f?",
    "m5*",
    "[^",
];

const NUMERIC_EDGES: &[&str] = &[
    "+1",
    "01",
    "-01",
    " 1",
    "1 ",
    "1.0",
    "1e3",
    "0x10",
    "-0",
    "00",
    "1\t",
    "\u{661}",
    "1_000",
    "0b1",
    "1e-3",
    "-1.5",
    "2.5",
    "12345678901234567890123",
    "0.001",
    "-0.0",
];

const TIMES: &[&str] = &[
    "0",
    "-1",
    "1",
    "1700000000",
    "4102444800",
    "4102444800000",
    "253402300799",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775",
    "9223372036854776",
];

/// Ids and addresses of the connections the harness lets commands touch.
#[derive(Clone, Debug, Default)]
struct Dynamic {
    /// Victims, which `CLIENT KILL` may kill, plus fuzz connections (for `CLIENT UNBLOCK`).
    ids: Vec<Vec<u8>>,
    victim_ids: Vec<Vec<u8>>,
    victim_addrs: Vec<Vec<u8>>,
}

fn long_string(rng: &mut Rng) -> Vec<u8> {
    let len = *rng.pick(&[
        44usize, 45, 64, 65, 255, 256, 1024, 4096, 16384, 65536, 100_000,
    ]);
    match rng.below(4) {
        0 => rng.bytes(len),
        1 => vec![b'1'; len],
        2 => (0..len).map(|i| b'a' + (i % 26) as u8).collect(),
        _ => vec![b'x'; len],
    }
}

fn random_case(rng: &mut Rng, word: &[u8]) -> Vec<u8> {
    match rng.below(10) {
        0..=4 => word.to_ascii_uppercase(),
        5..=7 => word.to_ascii_lowercase(),
        _ => word
            .iter()
            .map(|b| {
                if rng.chance(50) {
                    b.to_ascii_uppercase()
                } else {
                    b.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

fn small_int(rng: &mut Rng) -> Vec<u8> {
    (rng.below(24) as i64 - 3).to_string().into_bytes()
}

fn hostile(rng: &mut Rng, cat: &Catalog, dynamic: &Dynamic) -> Vec<u8> {
    match rng.below(100) {
        0..=21 => rng.pick(KEYS).to_vec(),
        22..=32 => small_int(rng),
        33..=42 => rng.pick(INTS).as_bytes().to_vec(),
        43..=49 => rng.pick(FLOATS).as_bytes().to_vec(),
        50..=57 => {
            let word = rng.pick(OPTIONS).as_bytes().to_vec();
            random_case(rng, &word)
        }
        58..=63 if !cat.tokens.is_empty() => {
            let word = rng.pick(&cat.tokens).clone();
            random_case(rng, &word)
        }
        58..=72 => rng.pick(MEMBERS).as_bytes().to_vec(),
        73..=78 => {
            if rng.chance(50) {
                rng.pick(BINARY).to_vec()
            } else {
                let len = 1 + rng.below(32);
                rng.bytes(len)
            }
        }
        79..=80 => long_string(rng),
        81..=83 => rng.pick(GLOBS).as_bytes().to_vec(),
        84..=86 => rng.pick(&cat.names).clone(),
        87..=88 if !dynamic.ids.is_empty() => rng.pick(&dynamic.ids).clone(),
        87..=88 => b"127.0.0.1:1".to_vec(),
        89..=90 => Vec::new(),
        91..=95 => rng.pick(NUMERIC_EDGES).as_bytes().to_vec(),
        _ => rng.pick(TIMES).as_bytes().to_vec(),
    }
}

// ---------------------------------------------------------------------------------------
// Command generation
// ---------------------------------------------------------------------------------------

struct Gen<'a> {
    rng: &'a mut Rng,
    cat: &'a Catalog,
    dynamic: &'a Dynamic,
    /// Keys of the type the current command works on.
    typed_keys: &'static [&'static [u8]],
}

impl Gen<'_> {
    /// A key, most often one of the type the command expects.
    fn key(&mut self) -> Vec<u8> {
        if self.rng.chance(60) {
            self.rng.pick(self.typed_keys).to_vec()
        } else {
            self.rng.pick(KEYS).to_vec()
        }
    }

    fn hostile(&mut self) -> Vec<u8> {
        hostile(self.rng, self.cat, self.dynamic)
    }

    fn token(&mut self, token: &[u8]) -> Vec<u8> {
        if self.rng.chance(20) {
            random_case(self.rng, token)
        } else {
            token.to_vec()
        }
    }

    /// Arguments following a `COMMAND DOCS` argument list.
    fn doc_args(&mut self, args: &[ArgDoc], out: &mut Argv, depth: usize) {
        let mut numkeys_at = None;
        for arg in args {
            if arg.optional && self.rng.chance(50) {
                continue;
            }
            let reps = if arg.multiple {
                1 + self.rng.below(3)
            } else {
                1
            };
            let mut values = 0;
            for rep in 0..reps {
                if let Some(token) = &arg.token
                    && (rep == 0 || arg.multiple_token)
                {
                    let token = self.token(token);
                    out.push(token);
                }
                self.doc_value(arg, out, depth);
                values += 1;
            }
            if arg.name == "numkeys" {
                numkeys_at = Some(out.len() - 1);
            } else if arg.kind == "key"
                && arg.multiple
                && let Some(at) = numkeys_at.take()
                && self.rng.chance(80)
            {
                out[at] = values.to_string().into_bytes();
            }
        }
    }

    fn doc_value(&mut self, arg: &ArgDoc, out: &mut Argv, depth: usize) {
        if depth > 8 {
            out.push(self.hostile());
            return;
        }
        let value = match arg.kind.as_str() {
            "pure-token" => return,
            "oneof" if !arg.children.is_empty() => {
                let child = self.rng.pick(&arg.children).clone();
                if let Some(token) = &child.token {
                    let token = self.token(token);
                    out.push(token);
                }
                self.doc_value(&child, out, depth + 1);
                return;
            }
            "block" => {
                self.doc_args(&arg.children.clone(), out, depth + 1);
                return;
            }
            "key" => {
                if self.rng.chance(90) {
                    self.key()
                } else {
                    self.hostile()
                }
            }
            "integer" => match self.rng.below(100) {
                0..=54 => small_int(self.rng),
                55..=84 => self.rng.pick(INTS).as_bytes().to_vec(),
                // Some "integers" (WEIGHTS) take floats.
                _ => self.rng.pick(FLOATS).as_bytes().to_vec(),
            },
            "double" => {
                if self.rng.chance(60) {
                    self.rng
                        .pick(&["0", "1", "1.5", "-2", "3", "0.5", "-inf", "+inf", "10"])
                        .as_bytes()
                        .to_vec()
                } else {
                    self.rng.pick(FLOATS).as_bytes().to_vec()
                }
            }
            "unix-time" => self.rng.pick(TIMES).as_bytes().to_vec(),
            "pattern" => self.rng.pick(GLOBS).as_bytes().to_vec(),
            "string" => {
                if self.rng.chance(60) {
                    self.rng.pick(MEMBERS).as_bytes().to_vec()
                } else {
                    self.hostile()
                }
            }
            _ => self.hostile(),
        };
        out.push(value);
    }

    fn is_key_position(spec: &Spec, pos: usize, argc: usize) -> bool {
        let (first, last, step) = spec.keys;
        if first <= 0 || step <= 0 {
            return false;
        }
        let last = if last < 0 { argc as i64 + last } else { last };
        let pos = pos as i64;
        pos >= first && pos <= last && (pos - first) % step == 0
    }

    /// One command, before taming.
    fn command(&mut self) -> Argv {
        let spec = self.cat.pick(self.rng).clone();
        self.typed_keys = keys_of_group(&spec.group);
        let mut argv: Argv = spec
            .words
            .iter()
            .map(|w| {
                if self.rng.chance(30) {
                    random_case(self.rng, w)
                } else {
                    w.clone()
                }
            })
            .collect();
        let mode = self.rng.below(100);
        if spec.documented && mode < 40 {
            self.doc_args(&spec.args, &mut argv, 0);
        } else if spec.documented && mode < 65 {
            self.doc_args(&spec.args, &mut argv, 0);
            let fixed = if self.rng.chance(10) {
                1
            } else {
                spec.words.len()
            };
            self.mutate(&mut argv, fixed);
        } else {
            // Half the time an argument count the command accepts, else 0..=12 more, and
            // once in a while hundreds (variadic commands, many keys in one txn).
            let argc = if self.rng.chance(50) {
                if spec.arity > 0 {
                    spec.arity as usize
                } else {
                    spec.arity.unsigned_abs() as usize + self.rng.below(7)
                }
            } else if self.rng.chance(2) {
                spec.words.len() + 100 + self.rng.below(900)
            } else {
                spec.words.len() + self.rng.below(13)
            }
            .max(argv.len());
            for pos in argv.len()..argc {
                let arg = if Self::is_key_position(&spec, pos, argc) && self.rng.chance(80) {
                    self.key()
                } else {
                    self.hostile()
                };
                argv.push(arg);
            }
        }
        argv
    }

    /// Replaces, inserts, deletes, duplicates, swaps or truncates arguments at or after
    /// `fixed`.
    fn mutate(&mut self, argv: &mut Argv, fixed: usize) {
        for _ in 0..1 + self.rng.below(3) {
            let n = argv.len();
            let some = n > fixed;
            let at = |rng: &mut Rng| fixed + rng.below(n - fixed);
            match self.rng.below(7) {
                0 if some => {
                    let i = at(self.rng);
                    argv[i] = self.hostile();
                }
                1 => {
                    let i = fixed + self.rng.below(n - fixed + 1);
                    let arg = self.hostile();
                    argv.insert(i, arg);
                }
                2 if some => {
                    let i = at(self.rng);
                    argv.remove(i);
                }
                3 if some => {
                    let i = at(self.rng);
                    let j = fixed + self.rng.below(n - fixed + 1);
                    let arg = argv[i].clone();
                    argv.insert(j, arg);
                }
                4 if n > fixed + 1 => {
                    let (i, j) = (at(self.rng), at(self.rng));
                    argv.swap(i, j);
                }
                5 if some => {
                    let i = at(self.rng);
                    let len = argv[i].len();
                    if len > 0 && self.rng.chance(50) {
                        let keep = self.rng.below(len);
                        argv[i].truncate(keep);
                    } else {
                        let junk = *self.rng.pick(&[0u8, b'\r', b'\n', b' ', 0xff, b'x', b'0']);
                        argv[i].push(junk);
                    }
                }
                _ if some => {
                    let i = at(self.rng);
                    argv[i] = random_case(self.rng, &argv[i].clone());
                }
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Taming: what is excluded, what is rewritten, and the crashes known today
// ---------------------------------------------------------------------------------------

/// Commands never sent (by catalog name), and why. Names that the server does not have
/// today are listed so that the harness stays safe when they are added.
const EXCLUDED: &[(&str, &str)] = &[
    ("shutdown", "stops the server"),
    (
        "quit",
        "closes the connection (the harness QUITs itself when it reconnects)",
    ),
    ("monitor", "turns the connection into a feed"),
    ("subscribe", "turns the connection into a feed"),
    ("psubscribe", "turns the connection into a feed"),
    ("ssubscribe", "turns the connection into a feed"),
    ("sync", "replication stream"),
    ("psync", "replication stream"),
    ("replicaof", "replication"),
    ("slaveof", "replication"),
    ("failover", "replication"),
    ("debug", "crashes, sleeps or reloads on purpose"),
    ("wait", "blocks on replicas"),
    ("waitaof", "blocks on fsync"),
    ("client|pause", "stalls every client"),
    ("client|reply", "suppresses replies"),
];

/// `CONFIG SET` parameters that would close or refuse the harness's connections, with
/// the value they are pinned to (the value parsing is still fuzzed on the others).
const RISKY_CONFIG: &[(&str, &str)] = &[
    ("timeout", "0"),
    ("maxclients", "10000"),
    ("proto-max-bulk-len", "512mb"),
    ("client-query-buffer-limit", "1gb"),
];

/// What blocking commands get as their timeout: a few milliseconds or an invalid value,
/// never 0 (forever) or a long wait.
const SAFE_TIMEOUTS: &[&str] = &[
    "0.001",
    "0.001",
    "0.002",
    "0.005",
    "0.01",
    "1e-3",
    "0.0001",
    "0x0.01",
    "-1",
    "-0.5",
    "abc",
    "",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "-9223372036854775808",
];

/// An input that crashes the server and is not fixed yet: the random harness skips it (so
/// the default run passes) while `tests/regressions.rs` holds a failing test for it.
/// Remove the entry when the server is fixed.
struct KnownCrash {
    /// A name for the crash, printed when its inputs are skipped.
    id: &'static str,
    matches: fn(&[Vec<u8>]) -> bool,
}

/// None today. The two the harness found (SRANDMEMBER and HRANDFIELD with a huge negative
/// count: a capacity-overflow panic, a process abort on a failed allocation, and the
/// CLIENT LIST entry a panicking task leaked) are fixed and have their tests in
/// `tests/regressions.rs`.
const KNOWN_CRASHES: &[KnownCrash] = &[];

fn is_word(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

fn known_crash(argv: &[Vec<u8>]) -> Option<&'static KnownCrash> {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let skip = *SKIP.get_or_init(|| env_u64("MEMO_FUZZ_SKIP_KNOWN") != Some(0));
    KNOWN_CRASHES.iter().find(|k| skip && (k.matches)(argv))
}

/// What [`tame`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Taming {
    Kept,
    Excluded,
    Known(&'static str),
}

#[derive(Default)]
struct TameCounts {
    blocking: AtomicU64,
    kill: AtomicU64,
    config: AtomicU64,
    excluded: AtomicU64,
}

/// Makes `argv` safe to send: excluded commands are refused; `CLIENT KILL` can only
/// reach victims; risky `CONFIG SET` values are pinned; blocking commands get a tiny or
/// invalid timeout; known crashes are refused.
fn tame(
    argv: &mut Argv,
    cat: &Catalog,
    dynamic: &Dynamic,
    rng: &mut Rng,
    counts: &TameCounts,
) -> Taming {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let full = cat.full_name(argv);
    if EXCLUDED.iter().any(|(n, _)| *n == name || *n == full) {
        counts.excluded.fetch_add(1, Ordering::Relaxed);
        return Taming::Excluded;
    }
    match full.as_str() {
        "client|kill" => {
            counts.kill.fetch_add(1, Ordering::Relaxed);
            if argv.len() == 3 {
                // The old form kills by address: a victim's, or one no client has.
                if !dynamic.victim_addrs.contains(&argv[2]) {
                    argv[2] = if dynamic.victim_addrs.is_empty() || rng.chance(50) {
                        b"127.0.0.1:1".to_vec()
                    } else {
                        rng.pick(&dynamic.victim_addrs).clone()
                    };
                }
            } else {
                // Filters are ANDed: an ID filter last narrows any kill to one victim.
                argv.push(b"ID".to_vec());
                argv.push(if dynamic.victim_ids.is_empty() {
                    b"999999999".to_vec()
                } else {
                    rng.pick(&dynamic.victim_ids).clone()
                });
            }
        }
        "config|set" => {
            let mut i = 2;
            while i + 1 < argv.len() {
                if let Some((_, safe)) = RISKY_CONFIG.iter().find(|(p, _)| is_word(&argv[i], p)) {
                    counts.config.fetch_add(1, Ordering::Relaxed);
                    argv[i + 1] = safe.as_bytes().to_vec();
                }
                i += 2;
            }
        }
        _ => {}
    }
    if let Some(spec) = cat.get(&name)
        && spec.flags.contains("blocking")
        && argv.len() > 1
    {
        counts.blocking.fetch_add(1, Ordering::Relaxed);
        let at = if spec.timeout_first {
            1
        } else {
            argv.len() - 1
        };
        argv[at] = rng.pick(SAFE_TIMEOUTS).as_bytes().to_vec();
    }
    match known_crash(argv) {
        Some(known) => Taming::Known(known.id),
        None => Taming::Kept,
    }
}

// ---------------------------------------------------------------------------------------
// The world: pre-populated keys, victims, shared state
// ---------------------------------------------------------------------------------------

/// FLUSHALL, then one key of every type and encoding (listpack/intset thresholds crossed
/// by the big ones).
fn populate_script() -> Vec<Argv> {
    let words = |w: &[&str]| -> Argv { w.iter().map(|s| s.as_bytes().to_vec()).collect() };
    let mut script = vec![
        words(&["FLUSHALL"]),
        words(&["SET", "str", "hello world"]),
        words(&["SET", "int", "12345"]),
        words(&["SET", "neg", "-42"]),
        words(&["SET", "float", "3.5"]),
        vec![b"SET".to_vec(), b"bigstr".to_vec(), vec![b'x'; 1000]],
        vec![b"SET".to_vec(), b"bin".to_vec(), b"\x00\xff\r\nz".to_vec()],
        words(&["SET", "ttl", "v", "PX", "3600000"]),
        words(&["RPUSH", "list", "a", "b", "c", "1", "2", "3", "a"]),
        words(&[
            "HSET", "hash", "f1", "v1", "f2", "v2", "n", "10", "fl", "1.5",
        ]),
        vec![
            b"HSET".to_vec(),
            b"hashlong".to_vec(),
            b"f".to_vec(),
            vec![b'v'; 65],
        ],
        words(&["SADD", "set", "a", "b", "c", "d", "e"]),
        words(&[
            "SADD",
            "intset",
            "1",
            "2",
            "3",
            "-5",
            "100",
            "9223372036854775807",
            "-9223372036854775808",
        ]),
        words(&[
            "ZADD", "zset", "1", "a", "2", "b", "3", "c", "2.5", "d", "-inf", "lo", "+inf", "hi",
        ]),
        words(&[
            "ZADD", "zlex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ]),
    ];
    let mut biglist = words(&["RPUSH", "biglist"]);
    biglist.extend((0..256).map(|i| i.to_string().into_bytes()));
    biglist.push(vec![b'y'; 100]);
    let mut bighash = words(&["HSET", "bighash"]);
    let mut bigset = words(&["SADD", "bigset"]);
    let mut bigintset = words(&["SADD", "bigintset"]);
    for i in 0..600 {
        bighash.push(format!("f{i}").into_bytes());
        bighash.push(format!("v{i}").into_bytes());
        bigset.push(format!("m{i}").into_bytes());
        bigintset.push(i.to_string().into_bytes());
    }
    let mut bigzset = words(&["ZADD", "bigzset"]);
    for i in 0..200 {
        bigzset.push(i.to_string().into_bytes());
        bigzset.push(format!("m{i}").into_bytes());
    }
    script.extend([biglist, bighash, bigset, bigintset, bigzset]);
    script
}

async fn reseed(control: &mut Conn) -> Result<(), String> {
    for cmd in populate_script() {
        let reply = control.call(&cmd).await?;
        if reply.is_error() {
            return Err(format!(
                "{} answered {}",
                show_argv(&cmd, 40),
                reply.brief()
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Stats {
    commands: AtomicU64,
    batches: AtomicU64,
    errors: AtomicU64,
    resp3_replies: AtomicU64,
    resp3_batches: AtomicU64,
    inline: AtomicU64,
    bytes_sent: AtomicU64,
    reconnects: AtomicU64,
    reseeds: AtomicU64,
    victims_killed: AtomicU64,
    error_kinds: Mutex<HashMap<String, u64>>,
    skipped_known: Mutex<BTreeMap<&'static str, u64>>,
}

#[derive(Clone, Debug)]
struct Failure {
    signature: String,
    summary: String,
    repro: String,
}

struct Shared {
    addr: SocketAddr,
    settings: Settings,
    catalog: Catalog,
    control: tokio::sync::Mutex<Conn>,
    witness: tokio::sync::Mutex<Conn>,
    victims: tokio::sync::Mutex<Vec<Conn>>,
    /// Ids of the fuzz connections currently open.
    fuzz_ids: Mutex<HashMap<usize, i64>>,
    /// Batches hold it shared; minimisation holds it alone (it restores the keys and
    /// replays commands, which must not interleave with other traffic).
    world: tokio::sync::RwLock<()>,
    stats: Stats,
    taming: TameCounts,
    failures: Mutex<Vec<Failure>>,
    /// Panics already attributed to a reported failure.
    attributed_panics: AtomicU64,
    stop: AtomicBool,
    thread_prefix: &'static str,
}

impl Shared {
    async fn dynamic(&self) -> Dynamic {
        let victims = self.victims.lock().await;
        let mut dynamic = Dynamic {
            victim_ids: victims
                .iter()
                .map(|v| v.id.to_string().into_bytes())
                .collect(),
            victim_addrs: victims
                .iter()
                .map(|v| v.addr.clone().into_bytes())
                .collect(),
            ids: Vec::new(),
        };
        dynamic.ids = dynamic.victim_ids.clone();
        dynamic.ids.extend(
            lock(&self.fuzz_ids)
                .values()
                .map(|id| id.to_string().into_bytes()),
        );
        dynamic.ids.push(b"0".to_vec());
        dynamic.ids.push(b"-1".to_vec());
        dynamic.ids.push(b"99999999".to_vec());
        dynamic
    }

    /// Restores the keys and replaces the victims (counting those the fuzz killed).
    async fn reseed(&self) -> Result<(), String> {
        reseed(&mut *self.control.lock().await).await?;
        let mut victims = self.victims.lock().await;
        for victim in victims.drain(..) {
            let mut probe = [0u8; 16];
            let closed = matches!(
                tokio::time::timeout(Duration::from_millis(1), {
                    let mut stream = victim.stream;
                    async move { stream.read(&mut probe).await }
                })
                .await,
                Ok(Ok(0)) | Ok(Err(_))
            );
            if closed {
                self.stats.victims_killed.fetch_add(1, Ordering::Relaxed);
            }
        }
        for i in 0..3 {
            let mut victim = Conn::open(self.addr).await?;
            // Two of them wait forever on keys the fuzz pushes to, so that CLIENT KILL,
            // CLIENT UNBLOCK, serving and the close at the next reseed all meet blocked
            // clients. Their replies are never read.
            let wait: &[&[u8]] = match i {
                0 => &[b"BLPOP", b"vq", b"0"],
                1 => &[b"BZPOPMIN", b"vz", b"0"],
                _ => &[],
            };
            if !wait.is_empty() {
                let mut out = Vec::new();
                encode_multibulk(&mut out, &argv_of(wait));
                victim
                    .stream
                    .write_all(&out)
                    .await
                    .map_err(|e| format!("victim write: {e}"))?;
            }
            victims.push(victim);
        }
        self.stats.reseeds.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn witness_ok(&self) -> Result<(), String> {
        self.witness.lock().await.ping().await
    }
}

// ---------------------------------------------------------------------------------------
// Showing commands
// ---------------------------------------------------------------------------------------

fn show_byte(b: u8) -> String {
    format!("{:?}", b as char)
}

/// Bytes as a quoted string with escapes.
fn show_bytes(bytes: &[u8]) -> String {
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
fn show_argv(argv: &[Vec<u8>], max: usize) -> String {
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

fn inflight_path(worker: usize) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robustness-inflight-w{worker}.txt"))
}

// ---------------------------------------------------------------------------------------
// Minimisation
// ---------------------------------------------------------------------------------------

/// What a failure looks like, to check that a smaller input still shows it.
#[derive(Clone, Debug)]
struct Signature {
    kind: FailKind,
    /// The panic site, when the failure came with a panic.
    site: Option<String>,
}

struct Minimiser<'a> {
    shared: &'a Shared,
    resp3: bool,
    want: Signature,
    attempts: usize,
    budget: usize,
    limit: Duration,
}

impl Minimiser<'_> {
    /// Restores the keys, replays `cmds` on a fresh connection and says whether the
    /// same failure shows.
    async fn reproduces(&mut self, cmds: &[Argv]) -> bool {
        self.attempts += 1;
        // Never provoke a crash that is known (some abort the process).
        if cmds.is_empty() || cmds.iter().any(|c| known_crash(c).is_some()) {
            return false;
        }
        if let Err(e) = reseed(&mut *self.shared.control.lock().await).await {
            eprintln!("robustness: reseed while minimising failed: {e}");
            return false;
        }
        let Ok(mut conn) = Conn::open(self.shared.addr).await else {
            return false;
        };
        if self.resp3 && conn.hello3().await.is_err() {
            return false;
        }
        let before = panics_of(self.shared.thread_prefix).len();
        let result = run_batch(&mut conn, cmds, b"minimise", self.limit, None).await;
        // A panic is recorded before the socket closes; give the hook a moment anyway.
        if result.is_err() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let new_panics: Vec<PanicRecord> = panics_of(self.shared.thread_prefix)
            .into_iter()
            .skip(before)
            .collect();
        match (&result, &self.want.site) {
            (Err(f), Some(site)) => {
                f.kind == self.want.kind && new_panics.iter().any(|p| &p.site() == site)
            }
            (Err(f), None) => f.kind == self.want.kind,
            (Ok(_), _) => false,
        }
    }

    fn out_of_budget(&self) -> bool {
        self.attempts >= self.budget
    }

    /// The smallest list of commands (then arguments) that still fails.
    async fn minimise(&mut self, cmds: &[Argv], answered: usize) -> Option<Vec<Argv>> {
        // One command alone, trying the first unanswered one and those after it first.
        let order = (answered.min(cmds.len())..cmds.len()).chain(0..answered.min(cmds.len()));
        let mut current = None;
        for i in order {
            if self.out_of_budget() {
                break;
            }
            if self.reproduces(std::slice::from_ref(&cmds[i])).await {
                current = Some(vec![cmds[i].clone()]);
                break;
            }
        }
        // The batch (or another connection) may have given a key another type: try each
        // unanswered command with its keys replaced by keys of every type.
        let unanswered = answered.min(cmds.len())..cmds.len();
        'commands: for i in unanswered {
            if current.is_some() {
                break;
            }
            for (a, arg) in cmds[i].iter().enumerate().skip(1) {
                if !KEYS.contains(&arg.as_slice()) {
                    continue;
                }
                for key in KEY_PER_TYPE {
                    if self.out_of_budget() {
                        break 'commands;
                    }
                    if arg.as_slice() == *key {
                        continue;
                    }
                    let mut cmd = cmds[i].clone();
                    cmd[a] = key.to_vec();
                    if self.reproduces(std::slice::from_ref(&cmd)).await {
                        current = Some(vec![cmd]);
                        break 'commands;
                    }
                }
            }
        }
        let mut current = match current {
            Some(c) => c,
            None => {
                if !self.reproduces(cmds).await {
                    return None;
                }
                self.drop_commands(cmds.to_vec()).await
            }
        };
        for c in 0..current.len() {
            current = self.shrink_arguments(current, c).await;
            let mut upper = current.clone();
            upper[c][0].make_ascii_uppercase();
            if upper != current && self.reproduces(&upper).await {
                current = upper;
            }
        }
        Some(current)
    }

    /// Removes chunks of commands while the failure still shows (ddmin-like).
    async fn drop_commands(&mut self, mut cmds: Vec<Argv>) -> Vec<Argv> {
        let mut chunks = 2;
        while cmds.len() > 1 && !self.out_of_budget() {
            let size = cmds.len().div_ceil(chunks);
            let mut removed = false;
            let mut start = 0;
            while start < cmds.len() && !self.out_of_budget() {
                let mut candidate = cmds.clone();
                candidate.drain(start..(start + size).min(cmds.len()));
                if self.reproduces(&candidate).await {
                    cmds = candidate;
                    removed = true;
                } else {
                    start += size;
                }
            }
            if removed {
                chunks = chunks.saturating_sub(1).max(2);
            } else if size == 1 {
                break;
            } else {
                chunks = (chunks * 2).min(cmds.len());
            }
        }
        cmds
    }

    /// Drops, then shortens, the arguments of command `c` while the failure still shows.
    async fn shrink_arguments(&mut self, mut cmds: Vec<Argv>, c: usize) -> Vec<Argv> {
        let mut i = cmds[c].len();
        while i > 1 && !self.out_of_budget() {
            i -= 1;
            let mut candidate = cmds.clone();
            candidate[c].remove(i);
            if self.reproduces(&candidate).await {
                cmds = candidate;
            }
        }
        for i in 1..cmds[c].len() {
            // Numbers are not shortened: half the digits is another number, and a smaller
            // huge count can turn a panic into an abort of the whole process.
            let numeric = std::str::from_utf8(&cmds[c][i])
                .ok()
                .is_some_and(|t| t.trim().parse::<f64>().is_ok());
            while !numeric && cmds[c][i].len() > 1 && !self.out_of_budget() {
                let mut candidate = cmds.clone();
                let half = candidate[c][i].len() / 2;
                candidate[c][i].truncate(half);
                if self.reproduces(&candidate).await {
                    cmds = candidate;
                } else {
                    break;
                }
            }
        }
        cmds
    }
}

/// Reports a failed batch, minimises it (alone in the world) and records it.
async fn handle_failure(
    shared: &Shared,
    worker: usize,
    batch_no: u64,
    cmds: &[Argv],
    resp3: bool,
    failure: BatchFailure,
    panics_before: usize,
) {
    let _alone = shared.world.write().await;
    let prefix = shared.thread_prefix;
    let new_panics: Vec<PanicRecord> = panics_of(prefix).into_iter().skip(panics_before).collect();
    let site = new_panics.first().map(PanicRecord::site);
    let mut report = format!(
        "robustness: FAILURE in worker {worker}, batch {batch_no} (seed {:#x}, {}): {:?} after {} \
         of {} replies: {}\n",
        shared.settings.seed,
        if resp3 { "RESP3" } else { "RESP2" },
        failure.kind,
        failure.answered,
        cmds.len(),
        failure.detail
    );
    for p in &new_panics {
        report.push_str(&format!("  server log: {}\n", p.line()));
    }
    for (i, cmd) in cmds.iter().enumerate().skip(failure.answered).take(5) {
        report.push_str(&format!("  command {i}: {}\n", show_argv(cmd, 64)));
    }
    let batch_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robustness-failed-w{worker}-b{batch_no}.txt"));
    let listing: String = cmds
        .iter()
        .map(|c| show_argv(c, usize::MAX) + "\n")
        .collect();
    let _ = std::fs::write(&batch_file, listing);
    report.push_str(&format!("  whole batch: {}\n", batch_file.display()));
    eprint!("{report}");

    QUIET.store(true, Ordering::Relaxed);
    let mut minimiser = Minimiser {
        shared,
        resp3,
        want: Signature {
            kind: failure.kind,
            site: site.clone(),
        },
        attempts: 0,
        budget: 1500,
        limit: if failure.kind == FailKind::Stalled {
            Duration::from_secs(5)
        } else {
            Duration::from_secs(20)
        },
    };
    let minimal = minimiser.minimise(cmds, failure.answered).await;
    QUIET.store(false, Ordering::Relaxed);
    let repro = match &minimal {
        Some(cmds) => cmds
            .iter()
            .map(|c| show_argv(c, 2000))
            .collect::<Vec<_>>()
            .join(" ; "),
        None => format!(
            "(did not reproduce alone in {} attempts; see {})",
            minimiser.attempts,
            batch_file.display()
        ),
    };
    eprintln!(
        "robustness: minimal reproduction ({} attempts{}): {repro}",
        minimiser.attempts,
        if resp3 { ", after HELLO 3" } else { "" }
    );
    shared
        .attributed_panics
        .store(panics_of(prefix).len() as u64, Ordering::Relaxed);
    let signature = match &site {
        Some(site) => format!("panic in {site}"),
        None => format!("{:?} after {}", failure.kind, repro),
    };
    let summary = format!(
        "{:?}{}",
        failure.kind,
        new_panics
            .first()
            .map(|p| format!(" with server panic: {}", p.line()))
            .unwrap_or_default()
    );
    {
        let mut failures = lock(&shared.failures);
        if !failures.iter().any(|f| f.signature == signature) {
            failures.push(Failure {
                signature,
                summary,
                repro,
            });
        }
        if failures.len() >= shared.settings.max_failures {
            shared.stop.store(true, Ordering::Relaxed);
        }
    }
    // Let the restored world be the one the next batches see.
    if let Err(e) = reseed(&mut *shared.control.lock().await).await {
        eprintln!("robustness: reseed after a failure failed: {e}");
        shared.stop.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------

async fn open_fuzz_conn(shared: &Shared, worker: usize, rng: &mut Rng) -> Result<Conn, String> {
    let mut conn = Conn::open(shared.addr).await?;
    if rng.chance(35) {
        conn.hello3().await?;
    }
    lock(&shared.fuzz_ids).insert(worker, conn.id);
    Ok(conn)
}

fn record_failure(shared: &Shared, signature: String, summary: String) {
    eprintln!("robustness: FAILURE: {summary}");
    let mut failures = lock(&shared.failures);
    failures.push(Failure {
        signature,
        summary,
        repro: String::new(),
    });
    shared.stop.store(true, Ordering::Relaxed);
}

async fn worker(shared: Arc<Shared>, index: usize, commands: u64) {
    let mut rng = Rng::new(
        shared
            .settings
            .seed
            .wrapping_add((index as u64 + 1).wrapping_mul(0xa076_1d64_78bd_642f)),
    );
    let mut conn = match open_fuzz_conn(&shared, index, &mut rng).await {
        Ok(c) => c,
        Err(e) => return record_failure(&shared, "connect".into(), format!("worker {index}: {e}")),
    };
    let mut sent = 0u64;
    let mut batch_no = 0u64;
    while sent < commands && !shared.stop.load(Ordering::Relaxed) {
        if batch_no % RESEED_EVERY == RESEED_EVERY - 1 {
            // Alone: another worker's batch could retype a key between FLUSHALL and its SET.
            let _alone = shared.world.write().await;
            if let Err(e) = shared.reseed().await {
                return record_failure(&shared, "reseed".into(), format!("reseed failed: {e}"));
            }
        }
        if batch_no % RECONNECT_EVERY == RECONNECT_EVERY - 1 {
            if let Err(e) = conn.quit().await {
                return record_failure(&shared, "quit".into(), format!("worker {index}: {e}"));
            }
            shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
            conn = match open_fuzz_conn(&shared, index, &mut rng).await {
                Ok(c) => c,
                Err(e) => {
                    return record_failure(
                        &shared,
                        "connect".into(),
                        format!("worker {index}: {e}"),
                    );
                }
            };
        }
        let n = (BATCH as u64).min(commands - sent) as usize;
        let dynamic = shared.dynamic().await;
        let mut cmds = Vec::with_capacity(n);
        if rng.chance(50) {
            cmds.push(argv_of(&[b"SELECT", b"0"]));
        }
        while cmds.len() < n {
            let mut argv = Gen {
                rng: &mut rng,
                cat: &shared.catalog,
                dynamic: &dynamic,
                typed_keys: KEYS,
            }
            .command();
            match tame(
                &mut argv,
                &shared.catalog,
                &dynamic,
                &mut rng,
                &shared.taming,
            ) {
                Taming::Kept => cmds.push(argv),
                Taming::Excluded => {}
                Taming::Known(id) => {
                    *lock(&shared.stats.skipped_known).entry(id).or_default() += 1;
                }
            }
        }
        let listing: String = cmds.iter().map(|c| show_argv(c, 256) + "\n").collect();
        if let Ok(dump) = std::env::var("MEMO_FUZZ_DUMP") {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(format!("{dump}.w{index}"))
                .expect("MEMO_FUZZ_DUMP file");
            file.write_all(listing.as_bytes()).expect("write the dump");
        }
        let _ = std::fs::write(inflight_path(index), listing);
        let bytes: usize = cmds.iter().flatten().map(Vec::len).sum();
        shared
            .stats
            .bytes_sent
            .fetch_add(bytes as u64, Ordering::Relaxed);
        if conn.wants_resp3
            && !conn.resp3
            && let Err(e) = conn.hello3().await
        {
            return record_failure(&shared, "hello".into(), format!("worker {index}: {e}"));
        }
        let resp3 = conn.resp3;
        let nonce = format!("robustness-w{index}-b{batch_no}").into_bytes();
        let guard = shared.world.read().await;
        let panics_before = panics_of(shared.thread_prefix).len();
        let result = run_batch(
            &mut conn,
            &cmds,
            &nonce,
            shared.settings.batch_limit,
            Some(&mut rng),
        )
        .await;
        drop(guard);
        shared.stats.commands.fetch_add(n as u64, Ordering::Relaxed);
        shared.stats.batches.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(outcome) => {
                let s = &shared.stats;
                s.errors.fetch_add(outcome.errors as u64, Ordering::Relaxed);
                s.resp3_replies
                    .fetch_add(outcome.resp3_replies as u64, Ordering::Relaxed);
                s.inline.fetch_add(outcome.inline as u64, Ordering::Relaxed);
                let mut kinds = lock(&s.error_kinds);
                for (kind, n) in outcome.error_kinds {
                    *kinds.entry(kind).or_default() += n;
                }
                if resp3 {
                    s.resp3_batches.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(failure) => {
                handle_failure(
                    &shared,
                    index,
                    batch_no,
                    &cmds,
                    resp3,
                    failure,
                    panics_before,
                )
                .await;
                conn = match open_fuzz_conn(&shared, index, &mut rng).await {
                    Ok(c) => c,
                    Err(e) => {
                        return record_failure(
                            &shared,
                            "connect".into(),
                            format!("worker {index}: {e}"),
                        );
                    }
                };
            }
        }
        if let Err(e) = shared.witness_ok().await {
            return record_failure(
                &shared,
                "witness".into(),
                format!(
                    "the witness stopped answering after worker {index}'s batch {batch_no}: {e}"
                ),
            );
        }
        sent += n as u64;
        batch_no += 1;
    }
    lock(&shared.fuzz_ids).remove(&index);
    if let Err(e) = conn.quit().await {
        record_failure(&shared, "quit".into(), format!("worker {index}: {e}"));
    }
}

/// `(id, line)` of every client in `CLIENT LIST`.
async fn client_list(conn: &mut Conn) -> Result<Vec<(i64, String)>, String> {
    let reply = conn.call(&argv_of(&[b"CLIENT", b"LIST"])).await?;
    let text = reply.text_lossy();
    Ok(text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let id = line
                .split(' ')
                .find_map(|f| f.strip_prefix("id="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(-1);
            (id, line.to_string())
        })
        .collect())
}

/// `connected_clients` and `blocked_clients` of `INFO clients`.
async fn connected_clients(conn: &mut Conn) -> Result<(i64, i64), String> {
    let reply = conn.call(&argv_of(&[b"INFO", b"clients"])).await?;
    let text = reply.text_lossy();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("no {name} in {}", reply.brief()))
    };
    Ok((field("connected_clients:")?, field("blocked_clients:")?))
}

/// Waits until `CLIENT LIST` shows exactly `expected` (closed sockets are noticed by the
/// server asynchronously), then checks `INFO clients`.
async fn check_no_leak(control: &mut Conn, expected: &HashSet<i64>) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = client_list(control).await?;
        let ids: HashSet<i64> = list.iter().map(|(id, _)| *id).collect();
        if &ids == expected {
            break;
        }
        if std::time::Instant::now() > deadline {
            let extra: Vec<&String> = list
                .iter()
                .filter(|(id, _)| !expected.contains(id))
                .map(|(_, l)| l)
                .collect();
            return Err(format!(
                "CLIENT LIST should list only the harness's clients {expected:?}; leaked or \
                 missing: {extra:#?} (listed ids {ids:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (connected, blocked) = connected_clients(control).await?;
    if connected != expected.len() as i64 {
        return Err(format!(
            "INFO clients says connected_clients:{connected}, CLIENT LIST has {}",
            expected.len()
        ));
    }
    if blocked != 0 {
        return Err(format!(
            "INFO clients says blocked_clients:{blocked} with nobody blocked"
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Test 1: hostile commands
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_commands_never_crash_or_leak() {
    install_panic_hook();
    runtime("fuzz-cmds").block_on(fuzz_commands());
}

async fn fuzz_commands() {
    let settings = settings();
    let started = std::time::Instant::now();
    println!(
        "robustness: seed={:#x} iterations={} commands, {} workers, batches of {BATCH} \
         (MEMO_FUZZ_SEED / MEMO_FUZZ_ITERS / MEMO_FUZZ_WORKERS)",
        settings.seed, settings.iters, settings.workers
    );
    let server = common::start().await;
    let addr = server.resp_addr;
    let mut control = Conn::open(addr).await.expect("control connection");
    let catalog = load_catalog(&mut control).await;
    let subcommands = catalog
        .specs
        .iter()
        .filter(|s| s.full.contains('|'))
        .count();
    let blocking: Vec<&str> = catalog
        .specs
        .iter()
        .filter(|s| s.flags.contains("blocking"))
        .map(|s| s.full.as_str())
        .collect();
    println!(
        "robustness: catalog of {} commands ({} subcommands, {} with argument docs, {} option \
         tokens); blocking (timeout tamed): {}; excluded: {}",
        catalog.specs.len(),
        subcommands,
        catalog.specs.iter().filter(|s| s.documented).count(),
        catalog.tokens.len(),
        blocking.join(" "),
        EXCLUDED
            .iter()
            .filter(|(n, _)| catalog.get(n).is_some())
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "robustness: skipping known crashes: {}",
        KNOWN_CRASHES
            .iter()
            .map(|k| k.id)
            .collect::<Vec<_>>()
            .join(", ")
    );
    reseed(&mut control).await.expect("populate keys");
    let mut witness = Conn::open(addr).await.expect("witness connection");
    witness.ping().await.expect("witness answers");
    let control_id = control.id;
    let witness_id = witness.id;
    let shared = Arc::new(Shared {
        addr,
        settings,
        catalog,
        control: tokio::sync::Mutex::new(control),
        witness: tokio::sync::Mutex::new(witness),
        victims: tokio::sync::Mutex::new(Vec::new()),
        fuzz_ids: Mutex::new(HashMap::new()),
        world: tokio::sync::RwLock::new(()),
        stats: Stats::default(),
        taming: TameCounts::default(),
        failures: Mutex::new(Vec::new()),
        attributed_panics: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        thread_prefix: "fuzz-cmds",
    });
    shared.reseed().await.expect("victims");

    let per_worker = settings.iters / settings.workers as u64;
    let mut tasks = Vec::new();
    for w in 0..settings.workers {
        let extra = if w == 0 {
            settings.iters % settings.workers as u64
        } else {
            0
        };
        tasks.push(tokio::spawn(worker(shared.clone(), w, per_worker + extra)));
    }
    for task in tasks {
        if let Err(e) = task.await {
            record_failure(
                &shared,
                "worker".into(),
                format!("a worker task failed: {e}"),
            );
        }
    }

    // Leaks: close the victims and check that only the control and witness remain.
    shared.victims.lock().await.clear();
    let expected: HashSet<i64> = [control_id, witness_id].into();
    if let Err(e) = check_no_leak(&mut *shared.control.lock().await, &expected).await {
        let note = if panics_of(shared.thread_prefix).is_empty() {
            ""
        } else {
            " (a connection whose task panicked is never unregistered, so each panic above \
             also leaks its CLIENT LIST entry)"
        };
        record_failure(&shared, "leak".into(), format!("{e}{note}"));
    }
    let all_panics = panics_of(shared.thread_prefix);
    let unattributed: Vec<String> = all_panics
        .iter()
        .skip(shared.attributed_panics.load(Ordering::Relaxed) as usize)
        .map(PanicRecord::line)
        .collect();
    if !unattributed.is_empty() {
        record_failure(
            &shared,
            "panic".into(),
            format!(
                "server panics not tied to a failed batch:\n  {}",
                unattributed.join("\n  ")
            ),
        );
    }

    let s = &shared.stats;
    let commands = s.commands.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let percent = |n: u64| 100.0 * n as f64 / commands.max(1) as f64;
    println!(
        "robustness: {commands} commands in {} batches (+{} sentinel PINGs), {:.1} MB of \
         arguments, {:.1}s ({:.0} commands/s); error replies {:.1}%, replies with RESP3 types \
         {:.1}%, batches on RESP3 connections {}, inline {}; reconnects {}, reseeds {}, \
         victims killed by CLIENT KILL {}",
        s.batches.load(Ordering::Relaxed),
        s.batches.load(Ordering::Relaxed),
        s.bytes_sent.load(Ordering::Relaxed) as f64 / 1e6,
        elapsed,
        commands as f64 / elapsed,
        percent(s.errors.load(Ordering::Relaxed)),
        percent(s.resp3_replies.load(Ordering::Relaxed)),
        s.resp3_batches.load(Ordering::Relaxed),
        s.inline.load(Ordering::Relaxed),
        s.reconnects.load(Ordering::Relaxed),
        s.reseeds.load(Ordering::Relaxed),
        s.victims_killed.load(Ordering::Relaxed),
    );
    let t = &shared.taming;
    println!(
        "robustness: tamed: blocking timeouts {}, CLIENT KILL {}, CONFIG SET values {}, \
         excluded {}; skipped known crashes: {:?}",
        t.blocking.load(Ordering::Relaxed),
        t.kill.load(Ordering::Relaxed),
        t.config.load(Ordering::Relaxed),
        t.excluded.load(Ordering::Relaxed),
        lock(&s.skipped_known)
    );
    let mut kinds: Vec<(String, u64)> = lock(&s.error_kinds).clone().into_iter().collect();
    kinds.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    println!(
        "robustness: most common error replies: {}",
        kinds
            .iter()
            .take(12)
            .map(|(k, n)| format!("{n} x {k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failures = lock(&shared.failures).clone();
    if !failures.is_empty() {
        let mut text = format!(
            "{} distinct failure(s) with seed {:#x} (rerun with MEMO_FUZZ_SEED={:#x} \
             MEMO_FUZZ_ITERS={}):\n",
            failures.len(),
            settings.seed,
            settings.seed,
            settings.iters
        );
        for f in &failures {
            text.push_str(&format!("- {}\n  reproduction: {}\n", f.summary, f.repro));
        }
        panic!("{text}");
    }
    server.shutdown();
}

// ---------------------------------------------------------------------------------------
// Test 2: garbage bytes over TCP
// ---------------------------------------------------------------------------------------

/// Well-formed commands whose bytes get mangled.
const SAFE_FRAMES: &[&[&str]] = &[
    &["PING"],
    &["ECHO", "hello"],
    &["SET", "junk:k", "v"],
    &["GET", "junk:k"],
    &["INCR", "junk:n"],
    &["RPUSH", "junk:l", "a", "b"],
    &["HSET", "junk:h", "f", "v"],
    &["SADD", "junk:s", "m"],
    &["ZADD", "junk:z", "1", "m"],
    &["DEL", "junk:k"],
    &["EXISTS", "junk:l"],
    &["MGET", "junk:k", "junk:n"],
];

const EVIL_FRAMES: &[&[u8]] = &[
    b"*-5\r\n",
    b"*2147483648\r\n",
    b"*2147483647\r\n",
    b"*9223372036854775807\r\n",
    b"*-9223372036854775808\r\n",
    b"*1\r\n$-2\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$9999999999999\r\n",
    b"*1\r\n$536870912\r\n",
    b"*1\r\n$536870913\r\n",
    b"*1\r\n$4\r\nPING",
    b"*1\n$4\nPING\n",
    b"*1\r\n$4\r\nPINGXX",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n",
    b"$5\r\nhello\r\n",
    b"%1\r\n+a\r\n+b\r\n",
    b"~1\r\n+a\r\n",
    b"|1\r\n+a\r\n+b\r\n",
    b">1\r\n+a\r\n",
    b"_\r\n",
    b"#t\r\n",
    b",1.5\r\n",
    b":1\r\n",
    b"+PING\r\n",
    b"-ERR\r\n",
    b"(123\r\n",
    b"=5\r\ntxt:a\r\n",
    b"ECHO \"unterminated\r\n",
    b"ECHO 'a\r\n",
    b"ECHO \"a\\x4\"\r\n",
    b"ECHO a\x00b\r\n",
    b"\r\n\r\n\n\n",
    b"*0\r\n*-1\r\n",
    b"*1\r\n$0\r\n\r\n",
    b"*1\r\n\r\n",
    b"*\r\n",
    b"*1\r\n$\r\n",
    b"*01\r\n",
    b"* 1\r\n",
    b"*1\r\n$01\r\n",
];

fn safe_pipeline(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(5) {
        let frame: Argv = rng
            .pick(SAFE_FRAMES)
            .iter()
            .map(|w| w.as_bytes().to_vec())
            .collect();
        if rng.chance(30) {
            encode_inline(&mut out, &frame);
        } else {
            encode_multibulk(&mut out, &frame);
        }
    }
    out
}

fn mangle(rng: &mut Rng, mut bytes: Vec<u8>) -> Vec<u8> {
    const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+:_,#(=%~|> \t\"'\\xaZ\x00\xff";
    for _ in 0..1 + rng.below(4) {
        let n = bytes.len();
        match rng.below(4) {
            0 if n > 0 => {
                let i = rng.below(n);
                bytes[i] = *rng.pick(ALPHABET);
            }
            1 => {
                let i = rng.below(n + 1);
                bytes.insert(i, *rng.pick(ALPHABET));
            }
            2 if n > 0 => {
                let i = rng.below(n);
                bytes.remove(i);
            }
            _ => {
                let cut = rng.below(n + 1);
                bytes.truncate(cut);
            }
        }
    }
    bytes
}

fn junk(rng: &mut Rng, depth: usize) -> Vec<u8> {
    const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+:_,#(=%~|> \t\"'\\xaZ\x00\xff";
    match rng.below(if depth > 0 { 9 } else { 10 }) {
        0 => {
            let len = rng.below(4096);
            rng.bytes(len)
        }
        1 => {
            let len = rng.below(512);
            (0..len).map(|_| *rng.pick(ALPHABET)).collect()
        }
        2 => {
            let valid = safe_pipeline(rng);
            mangle(rng, valid)
        }
        3 => {
            let mut out = rng.pick(EVIL_FRAMES).to_vec();
            if rng.chance(50) {
                out.extend(safe_pipeline(rng));
            }
            out
        }
        4 => {
            // A RESP3 reply type or a request header with a hostile number.
            let prefix = *rng.pick(b"*$%~|>_#,(=!:+-");
            let mut out = vec![prefix];
            out.extend_from_slice(rng.pick(INTS).as_bytes());
            out.extend_from_slice(b"\r\n");
            if rng.chance(50) {
                out.extend_from_slice(b"$");
                out.extend_from_slice(rng.pick(INTS).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            let tail = rng.below(64);
            out.extend(rng.bytes(tail));
            out
        }
        5 => {
            // Terminators missing or replaced.
            let mut out = safe_pipeline(rng);
            for _ in 0..1 + rng.below(3) {
                if let Some(i) = out.iter().position(|&b| b == b'\r' || b == b'\n') {
                    if rng.chance(50) {
                        out.remove(i);
                    } else {
                        out[i] = b'x';
                    }
                }
            }
            out
        }
        6 => {
            // Longer than the inline limit, with or without a NUL or a final newline.
            let mut out = vec![b'a'; 60_000 + rng.below(12_000)];
            if rng.chance(30) {
                let i = rng.below(out.len());
                out[i] = 0;
            }
            if rng.chance(30) {
                out.extend_from_slice(b"\r\n");
            }
            out
        }
        7 => {
            let mut out = b"ECHO ".to_vec();
            for _ in 0..1 + rng.below(4) {
                out.push(*rng.pick(b"\"'\\ x\t"));
                out.extend(rng.pick(BINARY).iter());
            }
            out.extend_from_slice(b"\r\n");
            out
        }
        8 => {
            let mut frame: Argv = rng
                .pick(SAFE_FRAMES)
                .iter()
                .map(|w| w.as_bytes().to_vec())
                .collect();
            let last = frame.len() - 1;
            frame[last] = long_string(rng);
            let mut out = Vec::new();
            encode_multibulk(&mut out, &frame);
            mangle(rng, out)
        }
        _ => (0..2 + rng.below(3))
            .flat_map(|_| junk(rng, depth + 1))
            .collect(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum JunkResult {
    /// The server closed after these replies (the last may be a protocol error).
    Closed {
        replies: usize,
    },
    Stalled,
    Malformed(String),
    ReplyAfterProtocolError,
}

/// Sends `input` to a fresh connection (in pieces when `chunks`), half-closes, and
/// reads replies until the server closes.
async fn send_junk(addr: SocketAddr, input: &[u8], chunks: Option<&mut Rng>) -> JunkResult {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return JunkResult::Malformed("connect failed".into());
    };
    stream.set_nodelay(true).ok();
    let (mut rd, mut wr) = stream.split();
    let deadline = Instant::now() + Duration::from_secs(20);
    let write = async {
        match chunks {
            Some(rng) => {
                let mut at = 0;
                while at < input.len() {
                    let end = (at + 1 + rng.below(64)).min(input.len());
                    if wr.write_all(&input[at..end]).await.is_err() {
                        return;
                    }
                    at = end;
                    tokio::task::yield_now().await;
                }
            }
            None => {
                if wr.write_all(input).await.is_err() {
                    return;
                }
            }
        }
        let _ = wr.shutdown().await;
    };
    let read = async {
        let mut buf = BytesMut::new();
        let mut scanner = Scanner::default();
        let mut replies = 0;
        let mut protocol_error = false;
        loop {
            match read_reply(&mut rd, &mut buf, &mut scanner, deadline).await {
                Ok((reply, _)) => {
                    if protocol_error {
                        return JunkResult::ReplyAfterProtocolError;
                    }
                    if reply.text_lossy().starts_with("ERR Protocol error") {
                        protocol_error = true;
                    }
                    replies += 1;
                }
                Err(ReadError::Closed) => {
                    if !buf.is_empty() {
                        return JunkResult::Malformed(format!(
                            "a partial reply before the close: {}",
                            show_bytes(&buf[..buf.len().min(200)])
                        ));
                    }
                    return JunkResult::Closed { replies };
                }
                Err(ReadError::Timeout) => return JunkResult::Stalled,
                Err(ReadError::Malformed(m)) => return JunkResult::Malformed(m),
            }
        }
    };
    let ((), result) = tokio::join!(write, read);
    result
}

#[test]
fn garbage_bytes_end_in_an_error_or_a_close() {
    install_panic_hook();
    runtime("fuzz-junk").block_on(fuzz_bytes());
}

async fn fuzz_bytes() {
    let settings = settings();
    let inputs = (settings.iters / 100).max(50);
    let started = std::time::Instant::now();
    println!(
        "robustness (bytes): seed={:#x} inputs={inputs} (MEMO_FUZZ_ITERS/100)",
        settings.seed
    );
    let server = common::start().await;
    let addr = server.resp_addr;
    let mut control = Conn::open(addr).await.expect("control");
    let mut witness = Conn::open(addr).await.expect("witness");
    let mut rng = Rng::new(settings.seed ^ 0x6a75_6e6b);
    let mut failures = Vec::new();
    let mut bytes = 0usize;
    let mut closed_with_replies = 0usize;
    for i in 0..inputs {
        let input = junk(&mut rng, 0);
        bytes += input.len();
        let before = panics_of("fuzz-junk").len();
        let chunked = rng.chance(10);
        let result = send_junk(addr, &input, chunked.then_some(&mut rng)).await;
        let panicked = panics_of("fuzz-junk").len() > before;
        match &result {
            JunkResult::Closed { replies } if !panicked => {
                closed_with_replies += usize::from(*replies > 0);
            }
            _ => {
                let minimal = shrink_junk(addr, &input, &result, panicked).await;
                let report = format!(
                    "input {i}: {result:?}{} for {} bytes; minimal input: {}",
                    if panicked { " with a server panic" } else { "" },
                    input.len(),
                    show_bytes(&minimal)
                );
                eprintln!("robustness (bytes): FAILURE {report}");
                failures.push(report);
                if failures.len() >= settings.max_failures {
                    break;
                }
            }
        }
        if i % 10 == 0
            && let Err(e) = witness.ping().await
        {
            failures.push(format!(
                "the witness stopped answering after input {i}: {e}"
            ));
            break;
        }
    }
    let expected: HashSet<i64> = [control.id, witness.id].into();
    if let Err(e) = check_no_leak(&mut control, &expected).await {
        failures.push(e);
    }
    println!(
        "robustness (bytes): {inputs} inputs, {:.1} MB, {closed_with_replies} answered before \
         the close, {:.1}s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.shutdown();
}

/// Removes bytes from a failing input while it keeps failing the same way.
async fn shrink_junk(
    addr: SocketAddr,
    input: &[u8],
    result: &JunkResult,
    panicked: bool,
) -> Vec<u8> {
    QUIET.store(true, Ordering::Relaxed);
    let same = |r: &JunkResult, p: bool| {
        if panicked {
            p
        } else {
            std::mem::discriminant(r) == std::mem::discriminant(result)
        }
    };
    let mut current = input.to_vec();
    let mut chunk = current.len().div_ceil(2).max(1);
    let mut attempts = 0;
    while chunk >= 1 && attempts < 300 {
        let mut start = 0;
        let mut removed = false;
        while start < current.len() && attempts < 300 {
            let mut candidate = current.clone();
            candidate.drain(start..(start + chunk).min(current.len()));
            attempts += 1;
            let before = panics_of("fuzz-junk").len();
            let r = send_junk(addr, &candidate, None).await;
            let p = panics_of("fuzz-junk").len() > before;
            if same(&r, p) && !candidate.is_empty() {
                current = candidate;
                removed = true;
            } else {
                start += chunk;
            }
        }
        if !removed {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    QUIET.store(false, Ordering::Relaxed);
    current
}
