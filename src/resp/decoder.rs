//! Incremental decoder for client *requests* (RESP multibulk and inline commands).
//!
//! This module owns turning the bytes a client sent into command argument vectors, and
//! nothing else: no replies, no command lookup, no socket I/O. It reproduces the request
//! parsing of Redis 7.0 (`processInlineBuffer` / `processMultibulkBuffer` in networking.c),
//! including its error messages and its quirks, because clients and test suites observe them.
//!
//! The caller owns the read buffer. It appends what it reads from the socket and calls
//! [`RequestDecoder::decode`] until that returns `Ok(false)`. Between calls it may only
//! append to the buffer: while a multibulk command is incomplete its bytes stay in the
//! buffer and the decoder remembers offsets into it, so a resumed call continues where the
//! previous one stopped instead of parsing the headers and finished arguments again. When a
//! command completes its bytes are split off the buffer once and the arguments are handed
//! out as zero-copy slices of that one chunk.
//!
//! After a protocol error the caller is expected to send the error and close the
//! connection, so the decoder's state after an error is unspecified.

use bytes::{Buf, Bytes, BytesMut};

use crate::store::numeric::parse_i64;

/// Redis's `PROTO_INLINE_MAX_SIZE`: the most bytes buffered without finding the end of an
/// inline request or of a `*`/`$` header line before the client is considered abusive.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// Redis's default `proto-max-bulk-len` (512 MiB).
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;

/// A client may announce up to `i32::MAX` arguments with a few bytes; only this many slots
/// are reserved up front, the rest grow as argument data actually arrives (as Redis does).
const MAX_PREALLOC_ARGS: usize = 1024;

/// Redis rejects multibulk counts above C's `INT_MAX`.
const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;

/// Limits the decoder enforces; both are configurable in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderLimits {
    /// `proto-max-bulk-len`: the largest bulk argument accepted.
    pub max_bulk_len: usize,
    /// Bytes that may be pending without a line terminator (`PROTO_INLINE_MAX_SIZE`).
    pub max_inline_len: usize,
    /// The client has not authenticated while the default user needs a password: as in
    /// Redis, it may send at most 10 arguments of at most 16 KiB each.
    pub unauthenticated: bool,
}

/// Most arguments, and largest argument, an unauthenticated client may send (Redis's
/// `processMultibulkBuffer`).
const UNAUTHENTICATED_MAX_ARGS: i64 = 10;
const UNAUTHENTICATED_MAX_BULK: usize = 16384;

impl Default for DecoderLimits {
    fn default() -> Self {
        DecoderLimits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_inline_len: PROTO_INLINE_MAX_SIZE,
            unauthenticated: false,
        }
    }
}

/// A malformed request. The string is the complete message Redis sends after `-ERR `,
/// e.g. `"Protocol error: invalid bulk length"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProtocolError {}

fn protocol_error(what: &str) -> ProtocolError {
    ProtocolError(format!("Protocol error: {what}"))
}

/// Where the decoder is inside the current command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Between commands: the next byte decides between multibulk and inline.
    Idle,
    /// Looking for the `\n` that ends an inline request.
    Inline,
    /// Looking for the end of the `*<count>` line.
    Count,
    /// Looking for the end of the `$<len>` line of the next argument, which starts at `pos`.
    BulkHeader,
    /// Waiting for `len` bytes of argument data plus 2 terminator bytes, starting at `pos`.
    BulkData { len: usize },
}

/// What one parsing step achieved.
enum Step {
    /// The buffer ends before the next element; wait for more input.
    NeedMore,
    /// Progress was made (or an empty command was skipped); keep going.
    Continue,
    /// A command is complete and its arguments are in `argv`.
    Done,
}

/// Counters that let the tests prove resumption does not redo work.
#[cfg(test)]
#[derive(Debug, Default)]
struct Stats {
    /// Header numbers parsed (`*<n>` and `$<n>`).
    numbers_parsed: usize,
    /// Bytes examined while looking for line terminators.
    bytes_scanned: usize,
}

/// Incremental, resumable request decoder; one per connection.
#[derive(Debug)]
pub struct RequestDecoder {
    limits: DecoderLimits,
    stage: Stage,
    /// Offset in the buffer of the next unparsed element of a partial multibulk command.
    /// Commands always start at offset 0 because finished ones are split off.
    pos: usize,
    /// Offset where the current search for a line terminator resumes: everything between
    /// `pos` (or 0 for inline/count) and here is known to hold no terminator. When the
    /// terminator was found but the byte after it is still missing, it points at the
    /// terminator itself.
    scan: usize,
    /// The current search hit a NUL byte. Redis searches with `strchr()` on its
    /// NUL-terminated query buffer, so it never looks past a NUL: the terminator is "not
    /// found" for good and the request stalls until the too-big limit trips.
    nul_blocked: bool,
    /// Arguments of the current multibulk command still to be read.
    args_left: usize,
    /// Byte ranges (in the buffer) of the arguments of the current command read so far.
    ranges: Vec<(usize, usize)>,
    #[cfg(test)]
    stats: Stats,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        RequestDecoder::new(DecoderLimits::default())
    }
}

impl RequestDecoder {
    pub fn new(limits: DecoderLimits) -> Self {
        RequestDecoder {
            limits,
            stage: Stage::Idle,
            pos: 0,
            scan: 0,
            nul_blocked: false,
            args_left: 0,
            ranges: Vec::new(),
            #[cfg(test)]
            stats: Stats::default(),
        }
    }

    /// Changes the limits (e.g. after `CONFIG SET proto-max-bulk-len`); they apply from
    /// the next element parsed on.
    pub fn set_limits(&mut self, limits: DecoderLimits) {
        self.limits = limits;
    }

    /// Whether the client still has to authenticate (see [`DecoderLimits::unauthenticated`]).
    pub fn set_unauthenticated(&mut self, unauthenticated: bool) {
        self.limits.unauthenticated = unauthenticated;
    }

    /// Decode the next complete command from `buf`, consuming its bytes. On success the
    /// arguments are pushed into `argv` (cleared first) as zero-copy `Bytes` slices of the
    /// consumed bytes, and `Ok(true)` is returned.
    ///
    /// `Ok(false)`: more input is needed; the partial command stays in `buf` and the next
    /// call resumes where this one stopped. Between calls the caller may only append to
    /// `buf`. Empty commands (`*0\r\n`, `*-1\r\n`, blank inline lines) are consumed and
    /// skipped.
    pub fn decode(
        &mut self,
        buf: &mut BytesMut,
        argv: &mut Vec<Bytes>,
    ) -> Result<bool, ProtocolError> {
        argv.clear();
        debug_assert!(
            buf.len() >= self.scan && buf.len() >= self.pos,
            "the buffer of a partial command was consumed by someone else"
        );
        loop {
            let step = match self.stage {
                Stage::Idle => {
                    let Some(&first) = buf.first() else {
                        return Ok(false);
                    };
                    self.stage = if first == b'*' {
                        Stage::Count
                    } else {
                        Stage::Inline
                    };
                    Step::Continue
                }
                Stage::Inline => self.inline(buf, argv)?,
                Stage::Count => self.count(buf)?,
                Stage::BulkHeader => self.bulk_header(buf)?,
                Stage::BulkData { len } => self.bulk_data(buf, len, argv),
            };
            match step {
                Step::NeedMore => return Ok(false),
                Step::Continue => {}
                Step::Done => return Ok(true),
            }
        }
    }

    /// How many more bytes the current partial command needs at least, when known: while
    /// waiting for the data of a bulk argument it is the rest of that argument plus its
    /// CRLF (later arguments are not counted). `None` when unknown or nothing is missing.
    pub fn bytes_needed(&self, buf: &BytesMut) -> Option<usize> {
        match self.stage {
            Stage::BulkData { len } => {
                let end = self.pos.saturating_add(len).saturating_add(2);
                end.checked_sub(buf.len()).filter(|&n| n > 0)
            }
            _ => None,
        }
    }

    /// Forgets the finished (or skipped) command; its bytes must already be consumed.
    fn reset(&mut self) {
        self.stage = Stage::Idle;
        self.pos = 0;
        self.start_search(0);
        self.args_left = 0;
        // A command with a huge number of arguments must not pin that memory forever.
        if self.ranges.capacity() > MAX_PREALLOC_ARGS {
            self.ranges = Vec::new();
        } else {
            self.ranges.clear();
        }
    }

    fn start_search(&mut self, from: usize) {
        self.scan = from;
        self.nul_blocked = false;
    }

    /// Finds `delim` at or after `self.scan` the way Redis's `strchr()` does, i.e. a NUL
    /// byte ends the search unsuccessfully. Remembers how far it got, so that a resumed
    /// search never looks at a byte twice.
    fn find(&mut self, buf: &[u8], delim: u8) -> Option<usize> {
        if self.nul_blocked {
            return None;
        }
        let rest = &buf[self.scan..];
        match rest.iter().position(|&b| b == delim || b == 0) {
            Some(i) => {
                #[cfg(test)]
                {
                    self.stats.bytes_scanned += i + 1;
                }
                let at = self.scan + i;
                if buf[at] == 0 {
                    self.nul_blocked = true;
                    None
                } else {
                    self.scan = at;
                    Some(at)
                }
            }
            None => {
                #[cfg(test)]
                {
                    self.stats.bytes_scanned += rest.len();
                }
                self.scan = buf.len();
                None
            }
        }
    }

    /// Parses a header number, counting the parses in tests.
    fn parse_number(&mut self, digits: &[u8]) -> Option<i64> {
        #[cfg(test)]
        {
            self.stats.numbers_parsed += 1;
        }
        parse_i64(digits)
    }

    /// An inline request: one line, split into arguments like `sdssplitargs()`.
    fn inline(&mut self, buf: &mut BytesMut, argv: &mut Vec<Bytes>) -> Result<Step, ProtocolError> {
        let Some(newline) = self.find(buf, b'\n') else {
            if buf.len() > self.limits.max_inline_len {
                return Err(protocol_error("too big inline request"));
            }
            return Ok(Step::NeedMore);
        };
        // Only one `\r` is stripped; any other is whitespace to the splitter.
        let line_len = if newline > 0 && buf[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        let frame = buf.split_to(newline + 1).freeze();
        self.reset();
        if !split_inline_args(&frame, line_len, argv) {
            // Do not hand out the words split before the error.
            argv.clear();
            return Err(protocol_error("unbalanced quotes in request"));
        }
        // A blank line is no command; Redis just moves on to the next one.
        Ok(if argv.is_empty() {
            Step::Continue
        } else {
            Step::Done
        })
    }

    /// The `*<count>\r\n` line that opens a multibulk command.
    fn count(&mut self, buf: &mut BytesMut) -> Result<Step, ProtocolError> {
        let Some(cr) = self.find(buf, b'\r') else {
            if buf.len() > self.limits.max_inline_len {
                return Err(protocol_error("too big mbulk count string"));
            }
            return Ok(Step::NeedMore);
        };
        // Redis waits for one byte after the `\r` and then skips it without checking that
        // it is a `\n`. The `\r` may also lie far beyond this line (after a lone `\n`), in
        // which case the "number" below is garbage and rejected, as in Redis.
        if cr + 2 > buf.len() {
            return Ok(Step::NeedMore);
        }
        let count = match self.parse_number(&buf[1..cr]) {
            Some(n) if n <= MAX_MULTIBULK_LEN => n,
            _ => return Err(protocol_error("invalid multibulk length")),
        };
        if count > UNAUTHENTICATED_MAX_ARGS && self.limits.unauthenticated {
            return Err(protocol_error("unauthenticated multibulk length"));
        }
        let header_len = cr + 2;
        if count <= 0 {
            // `*0` and `*-1` are empty commands: consume and skip them.
            buf.advance(header_len);
            self.reset();
            return Ok(Step::Continue);
        }
        // Lossless: 0 < count <= i32::MAX.
        let count = count as usize;
        self.args_left = count;
        self.ranges.clear();
        self.ranges.reserve(count.min(MAX_PREALLOC_ARGS));
        self.pos = header_len;
        self.start_search(header_len);
        self.stage = Stage::BulkHeader;
        Ok(Step::Continue)
    }

    /// The `$<len>\r\n` line in front of each argument.
    fn bulk_header(&mut self, buf: &mut BytesMut) -> Result<Step, ProtocolError> {
        let Some(cr) = self.find(buf, b'\r') else {
            if buf.len() - self.pos > self.limits.max_inline_len {
                return Err(protocol_error("too big bulk count string"));
            }
            return Ok(Step::NeedMore);
        };
        // As for the count line: one byte after `\r` must be there, and it is skipped.
        if cr + 2 > buf.len() {
            return Ok(Step::NeedMore);
        }
        let first = buf[self.pos];
        if first != b'$' {
            return Err(ProtocolError(format!(
                "Protocol error: expected '$', got '{}'",
                reply_char(first)
            )));
        }
        let len = self
            .parse_number(&buf[self.pos + 1..cr])
            .and_then(|n| usize::try_from(n).ok()) // negative lengths are invalid
            .filter(|&n| n <= self.limits.max_bulk_len)
            .ok_or_else(|| protocol_error("invalid bulk length"))?;
        if len > UNAUTHENTICATED_MAX_BULK && self.limits.unauthenticated {
            return Err(protocol_error("unauthenticated bulk length"));
        }
        self.pos = cr + 2;
        self.stage = Stage::BulkData { len };
        Ok(Step::Continue)
    }

    /// The data of one argument plus its terminator.
    fn bulk_data(&mut self, buf: &mut BytesMut, len: usize, argv: &mut Vec<Bytes>) -> Step {
        let data_end = self.pos.saturating_add(len);
        // Redis skips the two bytes after the data without checking they are CRLF.
        let next = data_end.saturating_add(2);
        if buf.len() < next {
            return Step::NeedMore;
        }
        self.ranges.push((self.pos, data_end));
        self.pos = next;
        self.args_left -= 1;
        if self.args_left > 0 {
            self.start_search(next);
            self.stage = Stage::BulkHeader;
            return Step::Continue;
        }
        let frame = buf.split_to(next).freeze();
        argv.reserve(self.ranges.len());
        argv.extend(self.ranges.iter().map(|&(s, e)| frame.slice(s..e)));
        self.reset();
        Step::Done
    }
}

/// How Redis shows an unexpected byte in "expected '$', got '<c>'": it formats the raw byte
/// and then replaces CR and LF in error messages with spaces to keep the reply one line.
/// A `String` cannot hold a lone byte >= 0x80, so those become the Latin-1 character of the
/// same value (Redis would send the raw byte).
fn reply_char(byte: u8) -> char {
    match byte {
        b'\r' | b'\n' => ' ',
        other => char::from(other),
    }
}

/// C's `isspace()` in the "C" locale, which is what `sdssplitargs()` uses to skip blanks
/// and to check what follows a closing quote.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits a line into words like Redis's `sdssplitargs()` (quotes and escapes included);
/// `None` on unbalanced quotes. Used for inline commands and redis.conf-style files.
pub fn split_args(line: &[u8]) -> Option<Vec<Bytes>> {
    let frame = Bytes::copy_from_slice(line);
    let mut argv = Vec::new();
    split_inline_args(&frame, frame.len(), &mut argv).then_some(argv)
}

/// One argument being assembled by the inline splitter: a range of the line as long as its
/// bytes are a contiguous, unmodified run (zero copy), an owned copy once quotes or escapes
/// break the run.
#[derive(Default)]
struct InlineArg {
    start: usize,
    end: usize,
    owned: Option<Vec<u8>>,
}

impl InlineArg {
    /// Appends the line's byte at `i` as it is.
    fn push_from_line(&mut self, line: &[u8], i: usize) {
        match &mut self.owned {
            Some(v) => v.push(line[i]),
            None if self.start == self.end => {
                self.start = i;
                self.end = i + 1;
            }
            None if self.end == i => self.end += 1,
            None => self.owned(line).push(line[i]),
        }
    }

    /// Appends a byte produced by an escape sequence.
    fn push_byte(&mut self, line: &[u8], b: u8) {
        self.owned(line).push(b);
    }

    fn owned(&mut self, line: &[u8]) -> &mut Vec<u8> {
        let (start, end) = (self.start, self.end);
        self.owned.get_or_insert_with(|| line[start..end].to_vec())
    }

    fn finish(self, frame: &Bytes) -> Bytes {
        match self.owned {
            Some(v) => Bytes::from(v),
            None => frame.slice(self.start..self.end),
        }
    }
}

/// Splits the first `line_len` bytes of `frame` into `argv` exactly like Redis's
/// `sdssplitargs()`; returns false where that returns NULL (unterminated quotes, or a
/// closing quote followed by something other than whitespace).
///
/// `sdssplitargs()` works on a C string: the line ends at its first NUL (an inline
/// command never has one, the newline search stops there; a config file line or an ACL
/// selector may), and reading past the end as 0 reproduces it.
fn split_inline_args(frame: &Bytes, line_len: usize, argv: &mut Vec<Bytes>) -> bool {
    let line = &frame[..line_len];
    let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut i = 0;
    loop {
        while i < line.len() && is_c_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return true;
        }
        let mut arg = InlineArg::default();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = at(i);
            if in_double {
                if c == b'\\'
                    && at(i + 1) == b'x'
                    && let (Some(hi), Some(lo)) = (hex_value(at(i + 2)), hex_value(at(i + 3)))
                {
                    arg.push_byte(line, hi * 16 + lo);
                    i += 3;
                } else if c == b'\\' && at(i + 1) != 0 {
                    i += 1;
                    match line[i] {
                        b'n' => arg.push_byte(line, b'\n'),
                        b'r' => arg.push_byte(line, b'\r'),
                        b't' => arg.push_byte(line, b'\t'),
                        b'b' => arg.push_byte(line, 0x08),
                        b'a' => arg.push_byte(line, 0x07),
                        // Any other escaped byte stands for itself (`\"`, `\\`, `\q`...).
                        _ => arg.push_from_line(line, i),
                    }
                } else if c == b'"' {
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return false;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return false; // unterminated double quotes
                } else {
                    arg.push_from_line(line, i);
                }
            } else if in_single {
                // Only `\'` is an escape inside single quotes.
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    arg.push_from_line(line, i);
                } else if c == b'\'' {
                    if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                        return false;
                    }
                    i += 1;
                    break;
                } else if c == 0 {
                    return false; // unterminated single quotes
                } else {
                    arg.push_from_line(line, i);
                }
            } else {
                match c {
                    // Note: unlike the blank skipping above, \v and \f do not end a word.
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    // A quote may open in the middle of a word: ab"cd" is "abcd".
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => arg.push_from_line(line, i),
                }
            }
            i += 1;
        }
        argv.push(arg.finish(frame));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_args_ends_a_line_at_a_nul_as_c_does() {
        // Found by the parser fuzz (tests/robustness/parsers.rs): a NUL used to make the
        // splitter push empty words forever (ACL SETUSER u "(+get\0 ~x)", a config line).
        let split = |line: &[u8]| {
            split_args(line).map(|a| a.iter().map(|w| w.to_vec()).collect::<Vec<_>>())
        };
        assert_eq!(split(b"+get\0 ~x"), Some(vec![b"+get".to_vec()]));
        assert_eq!(split(b"\0abc"), Some(vec![]));
        assert_eq!(split(b"a \"b\0c\""), None);
    }

    type Cmd = Vec<Vec<u8>>;

    fn to_vecs(argv: &[Bytes]) -> Cmd {
        argv.iter().map(|a| a.to_vec()).collect()
    }

    fn cmd(args: &[&[u8]]) -> Cmd {
        args.iter().map(|a| a.to_vec()).collect()
    }

    /// Encodes a command as a RESP multibulk request.
    fn resp(args: &[&[u8]]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Decodes everything available in `buf`; the error, if any, ends the list.
    fn drain(
        dec: &mut RequestDecoder,
        buf: &mut BytesMut,
        out: &mut Vec<Cmd>,
    ) -> Result<(), ProtocolError> {
        let mut argv = Vec::new();
        while dec.decode(buf, &mut argv)? {
            assert!(!argv.is_empty());
            out.push(to_vecs(&argv));
        }
        assert!(
            argv.is_empty(),
            "argv is cleared when no command is returned"
        );
        Ok(())
    }

    /// Decodes `input` delivered in the given chunks.
    fn decode_chunks(
        limits: DecoderLimits,
        chunks: &[&[u8]],
    ) -> (Vec<Cmd>, Result<(), ProtocolError>) {
        let mut dec = RequestDecoder::new(limits);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            if let Err(e) = drain(&mut dec, &mut buf, &mut out) {
                return (out, Err(e));
            }
        }
        (out, Ok(()))
    }

    fn decode_whole(input: &[u8]) -> (Vec<Cmd>, Result<(), ProtocolError>) {
        decode_chunks(DecoderLimits::default(), &[input])
    }

    fn decode_bytewise(input: &[u8]) -> (Vec<Cmd>, Result<(), ProtocolError>) {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        decode_chunks(DecoderLimits::default(), &chunks)
    }

    /// The error a complete input produces (panics if it produces none).
    fn error_of(input: &[u8]) -> String {
        error_with(DecoderLimits::default(), input)
    }

    fn error_with(limits: DecoderLimits, input: &[u8]) -> String {
        match decode_chunks(limits, &[input]).1 {
            Err(ProtocolError(msg)) => msg,
            Ok(()) => panic!("no error for {input:?}"),
        }
    }

    /// Decodes one inline line that must yield exactly one command.
    fn inline_args(line: &[u8]) -> Result<Cmd, ProtocolError> {
        let (cmds, res) = decode_whole(line);
        res?;
        assert_eq!(cmds.len(), 1, "{line:?}");
        Ok(cmds.into_iter().next().unwrap())
    }

    /// A stream mixing everything: multibulk, inline, empty commands, binary data with
    /// CR/LF inside arguments, an empty argument, quoting.
    fn mixed_stream() -> (Vec<u8>, Vec<Cmd>) {
        let mut input = Vec::new();
        let mut expected = Vec::new();
        input.extend(resp(&[b"SET", b"key", b"a\r\nb\0c"]));
        expected.push(cmd(&[b"SET", b"key", b"a\r\nb\0c"]));
        input.extend_from_slice(b"*0\r\n*-1\r\n");
        input.extend_from_slice(b"PING\r\n");
        expected.push(cmd(&[b"PING"]));
        input.extend_from_slice(b"\r\n   \n");
        input.extend_from_slice(b"ECHO \"a\\x41\\n\" 'it\\'s' plain\n");
        expected.push(cmd(&[b"ECHO", b"aA\n", b"it's", b"plain"]));
        input.extend(resp(&[b"GET", b""]));
        expected.push(cmd(&[b"GET", b""]));
        let big = vec![b'x'; 300];
        input.extend(resp(&[b"SET", b"k2", &big]));
        expected.push(cmd(&[b"SET", b"k2", &big]));
        input.extend_from_slice(b"  GET   k  \r\n");
        expected.push(cmd(&[b"GET", b"k"]));
        (input, expected)
    }

    #[test]
    fn single_multibulk_command() {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n"[..]);
        let mut argv = vec![Bytes::from_static(b"stale")];
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(to_vecs(&argv), cmd(&[b"GET", b"foo"]));
        assert!(buf.is_empty());
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        assert!(argv.is_empty());
    }

    #[test]
    fn pipelined_commands_in_one_buffer() {
        let (input, expected) = mixed_stream();
        let (cmds, res) = decode_whole(&input);
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, expected);
    }

    #[test]
    fn partial_tail_is_kept_for_later() {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"PING\r\n*1\r\n$4\r\nPI"[..]);
        let mut argv = Vec::new();
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(to_vecs(&argv), cmd(&[b"PING"]));
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        assert_eq!(
            &buf[..],
            b"*1\r\n$4\r\nPI",
            "partial bytes stay in the buffer"
        );
        buf.extend_from_slice(b"NG\r\n");
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(to_vecs(&argv), cmd(&[b"PING"]));
        assert!(buf.is_empty());
    }

    #[test]
    fn every_split_point_gives_the_same_commands() {
        let (input, expected) = mixed_stream();
        for at in 0..=input.len() {
            let (cmds, res) =
                decode_chunks(DecoderLimits::default(), &[&input[..at], &input[at..]]);
            assert_eq!(res, Ok(()), "split at {at}");
            assert_eq!(cmds, expected, "split at {at}");
        }
        for a in (0..=input.len()).step_by(7) {
            for b in (a..=input.len()).step_by(5) {
                let chunks = [&input[..a], &input[a..b], &input[b..]];
                let (cmds, res) = decode_chunks(DecoderLimits::default(), &chunks);
                assert_eq!(res, Ok(()));
                assert_eq!(cmds, expected, "split at {a} and {b}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_commands() {
        let (input, expected) = mixed_stream();
        let (cmds, res) = decode_bytewise(&input);
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, expected);

        // Inline only, including quotes split anywhere.
        let inline = b"SET k \"v a\\x42\"\r\nGET 'k'\n\nDEL a b c\r\n";
        let (cmds, res) = decode_bytewise(inline);
        assert_eq!(res, Ok(()));
        assert_eq!(
            cmds,
            vec![
                cmd(&[b"SET", b"k", b"v aB"]),
                cmd(&[b"GET", b"k"]),
                cmd(&[b"DEL", b"a", b"b", b"c"]),
            ]
        );
    }

    #[test]
    fn resumption_does_not_reparse() {
        let input = resp(&[b"SET", b"somekey", b"some value"]);
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::new();
        let mut argv = Vec::new();
        for (i, &b) in input.iter().enumerate() {
            buf.extend_from_slice(&[b]);
            let done = dec.decode(&mut buf, &mut argv).unwrap();
            assert_eq!(done, i == input.len() - 1);
        }
        assert_eq!(to_vecs(&argv), cmd(&[b"SET", b"somekey", b"some value"]));
        // One `*` count and three `$` lengths, each parsed exactly once.
        assert_eq!(dec.stats.numbers_parsed, 4);
        // Each header byte up to its `\r` is looked at once; the `\r` itself is looked at
        // again while waiting for the byte after it (4 headers). Argument data is never
        // scanned.
        let header_bytes = "*3\r".len() + "$3\r".len() + "$7\r".len() + "$10\r".len();
        assert_eq!(dec.stats.bytes_scanned, header_bytes + 4);

        // Same for an inline line fed byte by byte: linear, not quadratic.
        let mut dec = RequestDecoder::default();
        let line = b"ECHO hello-there-this-is-a-long-line\r\n";
        let mut buf = BytesMut::new();
        for &b in line.iter() {
            buf.extend_from_slice(&[b]);
            let _ = dec.decode(&mut buf, &mut argv).unwrap();
        }
        assert_eq!(dec.stats.bytes_scanned, line.len());
    }

    #[test]
    fn partial_command_offsets() {
        let mut dec = RequestDecoder::default();
        let mut argv = Vec::new();
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nfoo\r\n$3\r\nba"[..]);
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        assert_eq!(dec.stage, Stage::BulkData { len: 3 });
        assert_eq!(dec.pos, 17, "next data starts after `$3\\r\\n`");
        assert_eq!(dec.ranges, vec![(8, 11)]);
        assert_eq!(dec.args_left, 1);
        assert_eq!(buf.len(), 19, "nothing consumed yet");
        let parsed = dec.stats.numbers_parsed;
        buf.extend_from_slice(b"r\r\n");
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(dec.stats.numbers_parsed, parsed, "no header parsed again");
        assert_eq!(to_vecs(&argv), cmd(&[b"foo", b"bar"]));
        assert_eq!(dec.stage, Stage::Idle);
    }

    #[test]
    fn large_bulk_with_bytes_needed() {
        let value = vec![7u8; 1 << 20];
        let input = resp(&[b"SET", b"k", &value]);
        let header_end = input.len() - value.len() - 2;
        let mut dec = RequestDecoder::default();
        let mut argv = Vec::new();
        let mut buf = BytesMut::new();
        buf.extend_from_slice(&input[..header_end - 3]);
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        assert_eq!(dec.bytes_needed(&buf), None, "length not known yet");

        buf.extend_from_slice(&input[header_end - 3..header_end + 1000]);
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        let needed = dec.bytes_needed(&buf).unwrap();
        assert_eq!(needed, value.len() + 2 - 1000);

        // Reserving once is enough: the rest arrives without the buffer moving.
        buf.reserve(needed);
        let ptr = buf.as_ptr();
        let mut fed = header_end + 1000;
        while fed < input.len() {
            let next = (fed + 65536).min(input.len());
            buf.extend_from_slice(&input[fed..next]);
            fed = next;
            if fed < input.len() {
                assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
                assert_eq!(dec.bytes_needed(&buf), Some(input.len() - fed));
            }
        }
        assert_eq!(
            buf.as_ptr(),
            ptr,
            "no reallocation after the single reserve"
        );
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(argv.len(), 3);
        assert_eq!(argv[2].len(), value.len());
        assert!(argv[2].iter().all(|&b| b == 7));
        assert_eq!(dec.bytes_needed(&buf), None);
    }

    #[test]
    fn argv_slices_point_into_one_buffer() {
        let mut dec = RequestDecoder::default();
        let input = resp(&[b"MSET", b"a", b"1", b"b", b"2"]);
        let mut buf = BytesMut::from(&input[..]);
        let base = buf.as_ptr() as usize;
        let mut argv = Vec::new();
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        // Each argument is found at its own offset of the original buffer: no copies.
        for (arg, offset) in argv.iter().zip([8, 18, 25, 32, 39]) {
            assert_eq!(arg.as_ptr() as usize, base + offset);
        }

        // Inline words without escapes are slices too; escaped ones are necessarily copies.
        let mut buf = BytesMut::from(&b"SET \"k y\" v\\x41 \"e\\x41\"\r\n"[..]);
        let base = buf.as_ptr() as usize;
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(true));
        assert_eq!(to_vecs(&argv), cmd(&[b"SET", b"k y", b"v\\x41", b"eA"]));
        assert_eq!(argv[0].as_ptr() as usize, base);
        assert_eq!(argv[1].as_ptr() as usize, base + 5);
        assert_eq!(argv[2].as_ptr() as usize, base + 10);
        let end = base + 25;
        let p = argv[3].as_ptr() as usize;
        assert!(
            !(base..end).contains(&p),
            "escaped argument is an owned copy"
        );
    }

    #[test]
    fn empty_commands_are_skipped() {
        let mut dec = RequestDecoder::default();
        let mut argv = Vec::new();
        let mut buf = BytesMut::from(&b"*0\r\n*-1\r\n\r\n\n   \r\n\t\x0b\x0c\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false));
        assert!(buf.is_empty(), "empty commands are consumed");
        assert!(argv.is_empty());
        // Redis answers only PONG to "*-1\r\n*0\r\n*1\r\n$4\r\nPING\r\n".
        let (cmds, res) = decode_whole(b"*-1\r\n*0\r\n*1\r\n$4\r\nPING\r\n");
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, vec![cmd(&[b"PING"])]);
        // "*-9223372036854775808" is a valid (empty) count.
        let (cmds, res) = decode_whole(b"*-9223372036854775808\r\nPING\r\n");
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, vec![cmd(&[b"PING"])]);
    }

    /// Results checked against redis-server 7.0.15 (reply shown after `=>`).
    #[test]
    fn inline_quoting_matches_redis() {
        // ECHO "a\x41b" => $3 aAb
        assert_eq!(
            inline_args(b"ECHO \"a\\x41b\"\r\n"),
            Ok(cmd(&[b"ECHO", b"aAb"]))
        );
        // ECHO 'it\'s' => $4 it's
        assert_eq!(
            inline_args(b"ECHO 'it\\'s'\r\n"),
            Ok(cmd(&[b"ECHO", b"it's"]))
        );
        // ECHO "unterminated => -ERR Protocol error: unbalanced quotes in request
        assert_eq!(
            error_of(b"ECHO \"unterminated\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        // ECHO "a"b => same error: a closing quote must be followed by a blank.
        assert_eq!(
            error_of(b"ECHO \"a\"b\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        // ECHO a"b"c => same error.
        assert_eq!(
            error_of(b"ECHO a\"b\"c\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            error_of(b"ECHO 'a\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        // ECHO ab"cd" => $4 abcd (a quote may open mid-word)
        assert_eq!(
            inline_args(b"ECHO ab\"cd\"\r\n"),
            Ok(cmd(&[b"ECHO", b"abcd"]))
        );
        // ECHO "a\x4gb" => $5 ax4gb (bad hex: backslash dropped, x kept)
        assert_eq!(
            inline_args(b"ECHO \"a\\x4gb\"\r\n"),
            Ok(cmd(&[b"ECHO", b"ax4gb"]))
        );
        // ECHO "a\n\r\t\b\a\\\"\q" => $9 a LF CR TAB BS BEL \ " q
        assert_eq!(
            inline_args(b"ECHO \"a\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
            Ok(cmd(&[b"ECHO", b"a\n\r\t\x08\x07\\\"q"]))
        );
        // ECHO 'a\\b' => $4 a\\b (no escapes but \' in single quotes)
        assert_eq!(
            inline_args(b"ECHO 'a\\\\b'\r\n"),
            Ok(cmd(&[b"ECHO", b"a\\\\b"]))
        );
        // ECHO a<VT>b => $3 a<VT>b (VT/FF do not end a word...)
        assert_eq!(
            inline_args(b"ECHO a\x0bb\r\n"),
            Ok(cmd(&[b"ECHO", b"a\x0bb"]))
        );
        // <VT>ECHO x => $1 x (...but are skipped between words)
        assert_eq!(inline_args(b"\x0bECHO x\r\n"), Ok(cmd(&[b"ECHO", b"x"])));
        // ECHO "a"<VT> => $1 a (and count as blank after a closing quote)
        assert_eq!(
            inline_args(b"ECHO \"a\"\x0b\r\n"),
            Ok(cmd(&[b"ECHO", b"a"]))
        );
        // ECHO "" => $0 (empty argument)
        assert_eq!(inline_args(b"ECHO \"\"\r\n"), Ok(cmd(&[b"ECHO", b""])));
        // ECHO a\r\r\n => $1 a (only one \r is stripped, the other is a blank)
        assert_eq!(inline_args(b"ECHO a\r\r\n"), Ok(cmd(&[b"ECHO", b"a"])));
        // \rPING\r\n => +PONG
        assert_eq!(inline_args(b"\rPING\r\n"), Ok(cmd(&[b"PING"])));
        // A backslash right before the end of a quoted word leaves it unterminated.
        assert_eq!(
            error_of(b"ECHO \"a\\\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        // Bare LF works as a terminator.
        assert_eq!(inline_args(b"PING\n"), Ok(cmd(&[b"PING"])));
    }

    #[test]
    fn multibulk_count_errors() {
        let invalid = "Protocol error: invalid multibulk length";
        // All of these were answered with this error by redis-server 7.0.15.
        for input in [
            &b"*-0\r\n"[..],
            b"*01\r\n",
            b"*+1\r\n",
            b"* 1\r\n",
            b"*\r\n",
            b"*2147483648\r\n",
            b"*-9223372036854775809\r\n",
            b"*99999999999999999999\r\n",
            // A lone LF does not end the count line: the next `\r` does.
            b"*1\n$4\r\nPING\r\n",
        ] {
            assert_eq!(error_of(input), invalid, "{input:?}");
        }
        // INT_MAX itself is fine: Redis waits for the arguments (and so do we, without
        // reserving room for 2^31 of them).
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2147483647\r\n"[..]);
        assert_eq!(dec.decode(&mut buf, &mut Vec::new()), Ok(false));
        assert!(dec.ranges.capacity() <= MAX_PREALLOC_ARGS);
        assert_eq!(dec.args_left, i32::MAX as usize);

        // No `\r` within 64 KiB.
        let mut input = b"*".to_vec();
        input.extend(std::iter::repeat_n(b'1', 65535));
        let (_, res) = decode_whole(&input);
        assert_eq!(res, Ok(()), "exactly 64 KiB pending: still waiting");
        input.push(b'1');
        assert_eq!(
            error_of(&input),
            "Protocol error: too big mbulk count string"
        );
        // A `\r` found far away is used anyway; the "count" is then invalid.
        let mut input = b"*1".to_vec();
        input.extend(std::iter::repeat_n(b'x', 70000));
        input.extend_from_slice(b"\r\n");
        assert_eq!(error_of(&input), invalid);
    }

    #[test]
    fn bulk_errors() {
        let invalid = "Protocol error: invalid bulk length";
        for input in [
            &b"*1\r\n$-1\r\n"[..],
            b"*1\r\n$\r\n",
            b"*1\r\n$01\r\n",
            b"*1\r\n$ 1\r\n",
            b"*1\r\n$99999999999999999999\r\n",
            b"*1\r\n$536870913\r\n",
            // A lone LF does not end the length line.
            b"*1\r\n$4\nPING\r\n\r\n",
        ] {
            assert_eq!(error_of(input), invalid, "{input:?}");
        }
        // The default limit itself is accepted (the data is awaited).
        let (_, res) = decode_whole(b"*1\r\n$536870912\r\n");
        assert_eq!(res, Ok(()));
        // A configured limit applies.
        let mut dec = RequestDecoder::default();
        dec.set_limits(DecoderLimits {
            max_bulk_len: 10,
            ..DecoderLimits::default()
        });
        let mut buf = BytesMut::from(&b"*2\r\n$10\r\n0123456789\r\n$11\r\n"[..]);
        assert_eq!(
            dec.decode(&mut buf, &mut Vec::new()),
            Err(ProtocolError(invalid.to_string()))
        );

        assert_eq!(
            error_of(b"*1\r\nX\r\n"),
            "Protocol error: expected '$', got 'X'"
        );
        assert_eq!(
            error_of(b"*2\r\n$1\r\na\r\n:1\r\n"),
            "Protocol error: expected '$', got ':'"
        );
        // Redis turns CR/LF in error messages into spaces.
        assert_eq!(
            error_of(b"*1\r\n\r\n"),
            "Protocol error: expected '$', got ' '"
        );
        assert_eq!(
            error_of(b"*1\r\n\n\r\n"),
            "Protocol error: expected '$', got ' '"
        );
        // Redis sends the raw byte 0xC3; a String holds its Latin-1 character instead.
        assert_eq!(
            error_of(b"*1\r\n\xc3\r\n"),
            "Protocol error: expected '$', got '\u{c3}'"
        );
        // The `$` check waits for the whole header line, like Redis.
        let (_, res) = decode_whole(b"*1\r\nX");
        assert_eq!(res, Ok(()));

        // No `\r` within 64 KiB of the start of a length line.
        let mut input = b"*1\r\n$".to_vec();
        input.extend(std::iter::repeat_n(b'1', 65535));
        let (_, res) = decode_whole(&input);
        assert_eq!(res, Ok(()), "exactly 64 KiB pending: still waiting");
        input.push(b'1');
        assert_eq!(
            error_of(&input),
            "Protocol error: too big bulk count string"
        );
    }

    #[test]
    fn too_big_inline_request() {
        let mut input = vec![b'a'; 65536];
        let (_, res) = decode_whole(&input);
        assert_eq!(res, Ok(()), "exactly 64 KiB pending: still waiting");
        input.push(b'a');
        assert_eq!(error_of(&input), "Protocol error: too big inline request");
        // The limit only applies while no newline was found.
        let mut line = b"ECHO ".to_vec();
        line.extend(std::iter::repeat_n(b'x', 70000));
        line.extend_from_slice(b"\r\n");
        let args = inline_args(&line).unwrap();
        assert_eq!(args[1].len(), 70000);
        // Small configured limits.
        let small = DecoderLimits {
            max_inline_len: 4,
            ..DecoderLimits::default()
        };
        assert_eq!(
            error_with(small, b"PINGX"),
            "Protocol error: too big inline request"
        );
        assert_eq!(
            error_with(small, b"*1234"),
            "Protocol error: too big mbulk count string"
        );
        assert_eq!(
            error_with(small, b"*1\r\n$1234"),
            "Protocol error: too big bulk count string"
        );
        assert_eq!(decode_chunks(small, &[b"PING"]).1, Ok(()));
    }

    /// Redis only needs some byte after a header's `\r` and never checks it, nor the two
    /// bytes after bulk data. Checked against redis-server 7.0.15 (both answer +PONG).
    #[test]
    fn terminators_are_not_verified() {
        let (cmds, res) = decode_whole(b"*1\rX$4\rXPING\r\n");
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, vec![cmd(&[b"PING"])]);
        let (cmds, res) = decode_whole(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, vec![cmd(&[b"PING"]), cmd(&[b"PING"])]);
        // A header `\r` without any byte after it is not enough.
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*1\r"[..]);
        assert_eq!(dec.decode(&mut buf, &mut Vec::new()), Ok(false));
        assert_eq!(dec.stage, Stage::Count);
    }

    /// Redis looks for terminators with strchr(), which stops at a NUL byte: such a request
    /// stalls until the too-big limit trips. redis-server 7.0.15 gives no reply to
    /// "ECHO a\0b\r\nPING\r\n" and the too-big errors once 64 KiB more arrive.
    #[test]
    fn nul_before_terminator_stalls_like_redis() {
        for (input, error) in [
            (
                &b"ECHO a\0b\r\nPING\r\n"[..],
                "Protocol error: too big inline request",
            ),
            (
                b"*1\0\r\n$4\r\nPING\r\n",
                "Protocol error: too big mbulk count string",
            ),
            (
                b"*1\r\n$4\0\r\nPING\r\n",
                "Protocol error: too big bulk count string",
            ),
        ] {
            let mut dec = RequestDecoder::default();
            let mut buf = BytesMut::from(input);
            let mut argv = Vec::new();
            assert_eq!(dec.decode(&mut buf, &mut argv), Ok(false), "{input:?}");
            buf.extend_from_slice(&vec![b'x'; 70000]);
            assert_eq!(
                dec.decode(&mut buf, &mut argv),
                Err(ProtocolError(error.into()))
            );
        }
        // NULs inside bulk data are just data.
        let (cmds, res) = decode_whole(&resp(&[b"ECHO", b"\0\0\r\n"]));
        assert_eq!(res, Ok(()));
        assert_eq!(cmds, vec![cmd(&[b"ECHO", b"\0\0\r\n"])]);
    }

    /// xorshift64*: deterministic randomness without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Random streams never panic, and chunking never changes the outcome.
    #[test]
    fn random_streams_never_panic() {
        const ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+ \t\"'\\xAfaZ\0\x0b\xff";
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (valid, _) = mixed_stream();
        for round in 0..3000 {
            let len = rng.below(200);
            let mut input: Vec<u8> = match round % 3 {
                // Protocol-flavoured noise.
                0 => (0..len)
                    .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                    .collect(),
                // Raw noise.
                1 => (0..len).map(|_| rng.next() as u8).collect(),
                // A valid stream with a few bytes flipped.
                _ => {
                    let mut v = valid.clone();
                    for _ in 0..1 + rng.below(3) {
                        let i = rng.below(v.len());
                        v[i] = ALPHABET[rng.below(ALPHABET.len())];
                    }
                    v
                }
            };
            if round % 7 == 0 {
                input.truncate(rng.below(input.len() + 1));
            }
            let whole = decode_whole(&input);
            let mut chunks = Vec::new();
            let mut at = 0;
            while at < input.len() {
                let n = 1 + rng.below(8);
                let end = (at + n).min(input.len());
                chunks.push(&input[at..end]);
                at = end;
            }
            let chunked = decode_chunks(DecoderLimits::default(), &chunks);
            assert_eq!(whole, chunked, "input {input:?}");
        }
    }
}
