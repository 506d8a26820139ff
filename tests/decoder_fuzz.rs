//! Fuzzes the RESP request decoder (`memorabilia::resp::decoder::RequestDecoder`) directly,
//! through its public API only:
//! - valid streams (multibulk with binary arguments, inline commands, empty commands)
//!   decode to exactly the commands they encode, whether fed whole, split at every
//!   possible point, byte by byte or in random chunks;
//! - random bytes and mangled frames (huge and negative lengths, missing CRLF, RESP3
//!   prefixes, NULs, over-long lines) never panic; every call makes progress, reports a
//!   protocol error or asks for more input (and asking again without new input changes
//!   nothing); chunking never changes the outcome below the 64 KiB limits; small
//!   configured limits are survived too.
//!
//! A panic is caught, its input shrunk to a minimal one and printed as a byte string.
//! Size: `MEMO_FUZZ_ITERS` inputs of each kind (default 40000 / 8 = 5000 rounds),
//! seed `MEMO_FUZZ_SEED`; e.g.
//! `MEMO_FUZZ_ITERS=1000000 cargo test --release --test decoder_fuzz -- --nocapture`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::{Bytes, BytesMut};
use memorabilia::resp::decoder::{DecoderLimits, ProtocolError, RequestDecoder};

const DEFAULT_ITERS: u64 = 40_000;
const DEFAULT_SEED: u64 = 0x6d65_6d6f_7269_6131;

fn env_u64(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let text = raw.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    };
    Some(parsed.unwrap_or_else(|| panic!("{name}={raw:?} is not a number")))
}

fn rounds() -> (u64, u64) {
    let iters = env_u64("MEMO_FUZZ_ITERS").unwrap_or(DEFAULT_ITERS);
    let seed = env_u64("MEMO_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    ((iters / 8).max(100), seed)
}

/// SplitMix64.
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

type Command = Vec<Vec<u8>>;

/// What decoding a stream gave: the commands, then the error or `Ok` (more input needed
/// or nothing left).
type Outcome = (Vec<Command>, Result<(), ProtocolError>);

/// Feeds `chunks` one after the other, decoding after each, and checks the API's promises
/// on every call.
fn decode_chunks(limits: DecoderLimits, chunks: &[&[u8]]) -> Outcome {
    let mut decoder = RequestDecoder::new(limits);
    let mut buf = BytesMut::new();
    let mut argv: Vec<Bytes> = Vec::new();
    let mut commands = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let before = buf.len();
            match decoder.decode(&mut buf, &mut argv) {
                Ok(true) => {
                    assert!(!argv.is_empty(), "a decoded command has arguments");
                    assert!(buf.len() < before, "a decoded command consumes input");
                    commands.push(argv.iter().map(|a| a.to_vec()).collect());
                }
                Ok(false) => {
                    assert!(argv.is_empty(), "no arguments when more input is needed");
                    if let Some(n) = decoder.bytes_needed(&buf) {
                        assert!(n > 0, "bytes_needed is positive when known");
                    }
                    // Asking again without new input changes nothing.
                    let pending = buf.len();
                    assert_eq!(decoder.decode(&mut buf, &mut argv), Ok(false));
                    assert_eq!(buf.len(), pending, "a repeated call consumed input");
                    break;
                }
                Err(e) => {
                    assert!(
                        e.0.starts_with("Protocol error: "),
                        "protocol errors say so: {e}"
                    );
                    return (commands, Err(e));
                }
            }
        }
    }
    (commands, Ok(()))
}

fn decode_whole(limits: DecoderLimits, input: &[u8]) -> Outcome {
    decode_chunks(limits, &[input])
}

fn random_chunks<'a>(rng: &mut Rng, input: &'a [u8], max: usize) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let end = (at + 1 + rng.below(max)).min(input.len());
        chunks.push(&input[at..end]);
        at = end;
    }
    chunks
}

fn show(bytes: &[u8]) -> String {
    let mut s = String::from("b\"");
    for &b in bytes {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    if s.len() > 600 {
        format!("{}... ({} bytes)", &s[..600], bytes.len())
    } else {
        s
    }
}

/// Runs `check` on `input`; on a panic, shrinks the input while it still panics and
/// fails with the smallest one.
fn guarded(input: &[u8], check: &dyn Fn(&[u8])) {
    let panicked = |bytes: &[u8]| catch_unwind(AssertUnwindSafe(|| check(bytes))).is_err();
    if !panicked(input) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut current = input.to_vec();
    let mut chunk = current.len().div_ceil(2).max(1);
    let started = std::time::Instant::now();
    let budget = std::time::Duration::from_secs(60);
    loop {
        let mut removed = false;
        let mut start = 0;
        while start < current.len() && started.elapsed() < budget {
            let mut candidate = current.clone();
            candidate.drain(start..(start + chunk).min(current.len()));
            if panicked(&candidate) {
                current = candidate;
                removed = true;
            } else {
                start += chunk;
            }
        }
        if !removed {
            if chunk == 1 || started.elapsed() >= budget {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }
    std::panic::set_hook(previous);
    // Run it once more, unguarded, so the failure message is the real one.
    eprintln!(
        "decoder fuzz: minimal failing input ({} of {} bytes): {}",
        current.len(),
        input.len(),
        show(&current)
    );
    check(&current);
    panic!("the shrunk input stopped failing: {}", show(input));
}

// ---------------------------------------------------------------------------------------
// Valid streams
// ---------------------------------------------------------------------------------------

fn encode(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

const TRICKY_ARGS: &[&[u8]] = &[
    b"\r\n",
    b"\0",
    b"*1\r\n$4\r\nPING\r\n",
    b"$-1\r\n",
    b"\r",
    b"\n",
];
const EMPTY_COMMANDS: &[&[u8]] = &[b"*0\r\n", b"*-1\r\n", b"\r\n", b"\n", b"  \r\n"];
const INLINE_PIECES: &[&[u8]] = &[
    b"\"", b"'", b"\\", b"\\x", b"\\x4", b"\\x41", b"\\n", b"a", b" ", b"\0", b"\t", b"\x0b",
];

fn random_arg(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => Vec::new(),
        1 => rng.pick(TRICKY_ARGS).to_vec(),
        2 => {
            let len = rng.below(300);
            rng.bytes(len)
        }
        3 if rng.chance(3) => vec![b'x'; 70_000],
        _ => {
            let len = 1 + rng.below(12);
            (0..len).map(|_| b'a' + rng.below(26) as u8).collect()
        }
    }
}

/// An inline word: no blanks, quotes, backslashes, NUL or CR/LF.
fn inline_word(rng: &mut Rng) -> Vec<u8> {
    let len = 1 + rng.below(10);
    (0..len)
        .map(|_| *rng.pick(b"abcXYZ0123456789-+:.*$@!?_"))
        .collect()
}

/// A valid stream and the commands it encodes.
fn valid_stream(rng: &mut Rng) -> (Vec<u8>, Vec<Command>) {
    let mut bytes = Vec::new();
    let mut commands = Vec::new();
    for _ in 0..1 + rng.below(6) {
        match rng.below(10) {
            0 => {
                // Empty commands are consumed and skipped.
                let empty = *rng.pick(EMPTY_COMMANDS);
                bytes.extend_from_slice(empty);
            }
            1..=2 => {
                let mut argv: Command = vec![inline_word(rng)];
                // An inline line must not start with '*'.
                if argv[0][0] == b'*' {
                    argv[0][0] = b'a';
                }
                for _ in 0..rng.below(5) {
                    argv.push(inline_word(rng));
                }
                let line: Vec<u8> = argv.join(&b' ');
                bytes.extend_from_slice(&line);
                bytes.extend_from_slice(if rng.chance(50) { b"\r\n" } else { b"\n" });
                commands.push(argv);
            }
            _ => {
                let argv: Command = (0..1 + rng.below(6)).map(|_| random_arg(rng)).collect();
                encode(&mut bytes, &argv);
                commands.push(argv);
            }
        }
    }
    (bytes, commands)
}

#[test]
fn valid_streams_decode_the_same_however_split() {
    let (rounds, seed) = rounds();
    let mut rng = Rng::new(seed ^ 0x76_616c_6964);
    let limits = DecoderLimits::default();
    let mut bytes_total = 0usize;
    let mut every_point = 0usize;
    for round in 0..rounds {
        let (input, expected) = valid_stream(&mut rng);
        bytes_total += input.len();
        let chunk_seed = rng.next_u64();
        let exhaustive = round % 4 == 0 && input.len() <= 600;
        every_point += usize::from(exhaustive);
        guarded(&input, &|input: &[u8]| {
            let whole = decode_whole(limits, input);
            assert_eq!(whole, (expected.clone(), Ok(())), "input {}", show(input));
            let mut rng = Rng::new(chunk_seed);
            for max in [4, 64, 4096] {
                let chunks = random_chunks(&mut rng, input, max);
                assert_eq!(
                    decode_chunks(limits, &chunks),
                    whole,
                    "input {}",
                    show(input)
                );
            }
            if exhaustive {
                for at in 0..=input.len() {
                    let (a, b) = input.split_at(at);
                    assert_eq!(
                        decode_chunks(limits, &[a, b]),
                        whole,
                        "split at {at} of {}",
                        show(input)
                    );
                }
                let bytes: Vec<&[u8]> = input.chunks(1).collect();
                assert_eq!(
                    decode_chunks(limits, &bytes),
                    whole,
                    "byte by byte: {}",
                    show(input)
                );
            }
        });
    }
    println!(
        "decoder fuzz (valid): seed={seed:#x} {rounds} streams, {:.1} MB, {every_point} split at \
         every point",
        bytes_total as f64 / 1e6
    );
}

// ---------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------

const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+ \t\"'\\xAfaZ\0\x0b\x0c\xff%~|>_#,(=:!";

const HOSTILE_NUMBERS: &[&str] = &[
    "-1",
    "-2",
    "0",
    "-0",
    "01",
    "+1",
    " 1",
    "",
    "2147483647",
    "2147483648",
    "-2147483648",
    "536870912",
    "536870913",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "99999999999999999999",
    "1e3",
    "0x10",
    "3",
];

fn hostile_input(rng: &mut Rng) -> Vec<u8> {
    let (valid, _) = valid_stream(rng);
    match rng.below(8) {
        0 => {
            let len = rng.below(300);
            rng.bytes(len)
        }
        1 => {
            let len = rng.below(300);
            (0..len).map(|_| *rng.pick(ALPHABET)).collect()
        }
        2 => {
            // A valid stream with a few bytes replaced, inserted or removed.
            let mut v = valid;
            for _ in 0..1 + rng.below(4) {
                let n = v.len();
                match rng.below(3) {
                    0 if n > 0 => {
                        let i = rng.below(n);
                        v[i] = *rng.pick(ALPHABET);
                    }
                    1 => {
                        let i = rng.below(n + 1);
                        v.insert(i, *rng.pick(ALPHABET));
                    }
                    _ if n > 0 => {
                        let i = rng.below(n);
                        v.remove(i);
                    }
                    _ => {}
                }
            }
            v
        }
        3 => {
            // Headers with hostile numbers.
            let mut v = Vec::new();
            v.push(*rng.pick(b"*$"));
            v.extend_from_slice(rng.pick(HOSTILE_NUMBERS).as_bytes());
            v.extend_from_slice(b"\r\n");
            for _ in 0..rng.below(3) {
                v.push(b'$');
                v.extend_from_slice(rng.pick(HOSTILE_NUMBERS).as_bytes());
                v.extend_from_slice(b"\r\n");
                let len = rng.below(8);
                v.extend(rng.bytes(len));
                v.extend_from_slice(b"\r\n");
            }
            v.extend(valid);
            v
        }
        4 => {
            // Terminators removed or reduced to one byte.
            let mut v = valid;
            for _ in 0..1 + rng.below(3) {
                if let Some(i) = v.iter().position(|&b| b == b'\r' || b == b'\n') {
                    v.remove(i);
                }
            }
            v
        }
        5 => {
            // RESP3 types sent as requests.
            let mut v = vec![*rng.pick(b"%~|>_#,(=:!+-$")];
            v.extend_from_slice(rng.pick(HOSTILE_NUMBERS).as_bytes());
            v.extend_from_slice(b"\r\n");
            v.extend(valid);
            v
        }
        6 => {
            // Truncated.
            let mut v = valid;
            let cut = rng.below(v.len() + 1);
            v.truncate(cut);
            v
        }
        _ => {
            // Quotes and escapes in inline requests.
            let mut v = b"ECHO ".to_vec();
            for _ in 0..1 + rng.below(6) {
                let piece = *rng.pick(INLINE_PIECES);
                v.extend_from_slice(piece);
            }
            v.extend_from_slice(b"\r\n");
            v
        }
    }
}

#[test]
fn hostile_input_never_panics_and_chunking_never_matters() {
    let (rounds, seed) = rounds();
    let mut rng = Rng::new(seed ^ 0x686f_7374);
    let errors = std::cell::Cell::new(0usize);
    let mut bytes_total = 0usize;
    for round in 0..rounds {
        let input = hostile_input(&mut rng);
        bytes_total += input.len();
        let chunk_seed = rng.next_u64();
        let small = DecoderLimits {
            max_bulk_len: rng.below(64),
            max_inline_len: 1 + rng.below(64),
            // Half the rounds as a client that has not authenticated yet.
            unauthenticated: rng.below(2) == 0,
        };
        let exhaustive = round % 8 == 0 && input.len() <= 300;
        guarded(&input, &|input: &[u8]| {
            let limits = DecoderLimits::default();
            let whole = decode_whole(limits, input);
            errors.set(errors.get() + usize::from(whole.1.is_err()));
            let mut rng = Rng::new(chunk_seed);
            for max in [3, 50] {
                let chunks = random_chunks(&mut rng, input, max);
                let chunked = decode_chunks(limits, &chunks);
                // Past 64 KiB a "too big" limit is checked against what is buffered, so
                // where it trips may depend on the chunks (as in Redis).
                if input.len() <= 64 * 1024 {
                    assert_eq!(chunked, whole, "input {}", show(input));
                }
            }
            if exhaustive {
                for at in 0..=input.len() {
                    let (a, b) = input.split_at(at);
                    assert_eq!(
                        decode_chunks(limits, &[a, b]),
                        whole,
                        "split at {at} of {}",
                        show(input)
                    );
                }
            }
            // Tiny limits: only survival is required (a limit is checked against what is
            // buffered, so chunking may legitimately change where it trips).
            let _ = decode_whole(small, input);
            let chunks = random_chunks(&mut rng, input, 7);
            let _ = decode_chunks(small, &chunks);
        });
    }
    // Over-long lines and huge declared lengths, around the 64 KiB limits.
    for input in [
        vec![b'a'; 65_537],
        [b"*".as_slice(), &[b'1'; 65_536]].concat(),
        [b"*1\r\n$".as_slice(), &[b'1'; 65_536]].concat(),
        [b"ECHO a\0".as_slice(), &[b'x'; 70_000]].concat(),
        b"*1\r\n$536870912\r\n".to_vec(),
        b"*2147483647\r\n$1\r\na\r\n".to_vec(),
    ] {
        guarded(&input, &|input: &[u8]| {
            let whole = decode_whole(DecoderLimits::default(), input);
            let mut rng = Rng::new(7);
            let chunks = random_chunks(&mut rng, input, 9000);
            let _ = decode_chunks(DecoderLimits::default(), &chunks);
            let _ = whole;
        });
    }
    println!(
        "decoder fuzz (hostile): seed={seed:#x} {rounds} inputs, {:.1} MB, {} ended in a \
         protocol error",
        bytes_total as f64 / 1e6,
        errors.get()
    );
}
