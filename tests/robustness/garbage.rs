//! The random-bytes test's inputs: mangled frames and junk, sent to fresh connections,
//! and the shrinking of a failing input.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::panics::{QUIET, panics_of};
use crate::resp::{Argv, ReadError, Scanner, encode_inline, encode_multibulk, read_reply};
use crate::rng::Rng;
use crate::show::show_bytes;
use crate::values::{BINARY, INTS, long_string};

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

pub(crate) fn junk(rng: &mut Rng, depth: usize) -> Vec<u8> {
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
pub(crate) enum JunkResult {
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
pub(crate) async fn send_junk(
    addr: SocketAddr,
    input: &[u8],
    chunks: Option<&mut Rng>,
) -> JunkResult {
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

/// Removes bytes from a failing input while it keeps failing the same way.
pub(crate) async fn shrink_junk(
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
