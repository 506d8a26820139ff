//! Regression tests for the crashes found by the robustness harness (`tests/robustness/`).
//!
//! Each test sends one command that brought the server down and asserts what any input
//! must leave intact: the command gets a reply (an error, since no reply of that size can
//! be built), the same connection still answers `PING`, and `CLIENT LIST` holds no dead
//! client. A crash the harness finds gets its test here; while it is not fixed, the
//! harness skips its inputs through `KNOWN_CRASHES` in `tests/robustness/generate.rs`.
//!
//! Two kinds of crash:
//! - a panic in the connection task ("capacity overflow"): the connection closes and its
//!   `CLIENT LIST` entry stays forever (the task never unregisters it). These run against
//!   the in-process server of `tests/common`.
//! - an allocation failure, which aborts the whole process ("memory allocation of N bytes
//!   failed"). These start the server binary as a child process, under `ulimit -v` (4 GiB)
//!   so that the allocation fails at once whatever the machine's overcommit policy.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

fn multibulk(argv: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", argv.len()).into_bytes();
    for arg in argv {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Panics, against the in-process server
// ---------------------------------------------------------------------------------------

struct Client {
    reader: tokio::io::BufReader<tokio::net::TcpStream>,
}

impl Client {
    async fn connect(server: &memorabilia::server::RunningServer) -> Client {
        let stream = tokio::net::TcpStream::connect(server.resp_addr.expect("plaintext RESP"))
            .await
            .expect("connect");
        Client {
            reader: tokio::io::BufReader::new(stream),
        }
    }

    /// Sends a command and returns the first line of its reply, or `None` when the
    /// connection closed (or broke) instead. The rest of a multi-line reply is drained.
    async fn first_line(&mut self, argv: &[&str]) -> Option<String> {
        self.reader
            .get_mut()
            .write_all(&multibulk(argv))
            .await
            .ok()?;
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(30), self.reader.read_line(&mut line))
            .await
            .expect("a reply or a close within 30 s");
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                // Drain whatever else is buffered (a long reply) without waiting for it.
                let mut rest = vec![0u8; 1 << 16];
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(50), self.reader.read(&mut rest))
                        .await
                {
                    if n == 0 {
                        break;
                    }
                }
                Some(line.trim_end().to_string())
            }
        }
    }
}

/// Runs `setup`, then `crash`, and checks the connection and the client registry.
async fn survives(setup: &[&[&str]], crash: &[&str]) {
    let server = common::start().await;
    let mut client = Client::connect(&server).await;
    for cmd in setup {
        let reply = client.first_line(cmd).await;
        assert!(
            reply.as_deref().is_some_and(|r| !r.starts_with('-')),
            "setup {cmd:?} answered {reply:?}"
        );
    }
    let mut problems = Vec::new();
    match client.first_line(crash).await {
        None => problems.push(format!(
            "{crash:?}: the connection closed instead of answering (its task panicked; see the \
             panic printed above)"
        )),
        Some(reply) if !reply.starts_with('-') => problems.push(format!(
            "{crash:?}: expected an error reply (no reply that large can be built), got {reply:?}"
        )),
        Some(_) => {}
    }
    let pong = client.first_line(&["PING"]).await;
    let open = pong.as_deref() == Some("+PONG");
    if !open {
        problems.push(format!("PING on the same connection answered {pong:?}"));
    }
    let mut other = Client::connect(&server).await;
    assert_eq!(
        other.first_line(&["PING"]).await.as_deref(),
        Some("+PONG"),
        "the server is up"
    );
    // Closed sockets are noticed asynchronously: wait a little for the registry to settle.
    let alive = if open { 2 } else { 1 };
    let deadline = Instant::now() + Duration::from_secs(5);
    let listed = loop {
        let count = client_count(&mut other).await;
        if count == alive || Instant::now() > deadline {
            break count;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    if listed != alive {
        problems.push(format!(
            "CLIENT LIST lists {listed} clients, but only {alive} connection(s) are open: the \
             dead connection leaked its entry"
        ));
    }
    assert!(problems.is_empty(), "\n- {}\n", problems.join("\n- "));
    server.shutdown();
}

async fn client_count(client: &mut Client) -> usize {
    client
        .reader
        .get_mut()
        .write_all(&multibulk(&["CLIENT", "LIST"]))
        .await
        .expect("write");
    let mut header = String::new();
    client.reader.read_line(&mut header).await.expect("read");
    let len: usize = header
        .trim_end()
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("CLIENT LIST answered {header:?}"));
    let mut body = vec![0u8; len + 2];
    client.reader.read_exact(&mut body).await.expect("read");
    String::from_utf8_lossy(&body[..len])
        .lines()
        .filter(|l| l.starts_with("id="))
        .count()
}

/// Found by the harness: `SRANDMEMBER set -9223372036854775807` collects |count| random
/// members into one Vec (src/commands/sets.rs, srandmember_count_op) and panics with
/// "capacity overflow", which kills the connection task and leaks its client entry.
#[tokio::test]
async fn srandmember_most_negative_count_keeps_the_connection() {
    survives(
        &[&["SADD", "set", "a", "b", "c"]],
        &["SRANDMEMBER", "set", "-9223372036854775807"],
    )
    .await;
}

/// Found by the harness: the same in HRANDFIELD (src/commands/hashes.rs,
/// hrandfield_count_op).
#[tokio::test]
async fn hrandfield_most_negative_count_keeps_the_connection() {
    survives(
        &[&["HSET", "hash", "f1", "v1", "f2", "v2"]],
        &["HRANDFIELD", "hash", "-9223372036854775807"],
    )
    .await;
}

/// Found by the harness: WITHVALUES refuses counts beyond i64::MAX / 2, but the largest
/// one it lets through still overflows the Vec of pairs.
#[tokio::test]
async fn hrandfield_withvalues_largest_allowed_negative_count_keeps_the_connection() {
    survives(
        &[&["HSET", "hash", "f1", "v1", "f2", "v2"]],
        &["HRANDFIELD", "hash", "-4611686018427387903", "WITHVALUES"],
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Aborts, against the server binary in a child process
// ---------------------------------------------------------------------------------------

/// The server binary on a free port, its address read from its log.
struct ChildServer {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    output: Arc<Mutex<String>>,
}

impl ChildServer {
    fn start() -> ChildServer {
        // A free port (`--port 0` turns plaintext RESP off, as in Redis).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // 4 GiB of address space: enough to run, too little for the huge allocations.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 4194304 && exec \"$0\" --port \"$1\" --grpc-port 0")
            .arg(env!("CARGO_BIN_EXE_memorabilia"))
            .arg(port.to_string())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let output = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        for pipe in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let output = output.clone();
            let addr_tx = addr_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("RESP on ") {
                        let addr: String = line[at + 8..]
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                            .collect();
                        let _ = addr_tx.send(addr);
                    }
                    let mut all = output.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
            });
        }
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start: {}", output.lock().unwrap()))
            .parse()
            .expect("RESP address in the log");
        ChildServer {
            child,
            addr,
            output,
        }
    }

    /// The lines of its output that tell why it died, if it did.
    fn death(&mut self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = self.output.lock().unwrap();
                let why: Vec<&str> = output
                    .lines()
                    .filter(|l| l.contains("panicked") || l.contains("memory allocation"))
                    .collect();
                return Some(format!(
                    "the server process died ({status}): {}",
                    why.join(" / ")
                ));
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a command over a blocking socket; the first reply line, or `None` on a close.
fn call(stream: &mut BufReader<std::net::TcpStream>, argv: &[&str]) -> Option<String> {
    stream.get_mut().write_all(&multibulk(argv)).ok()?;
    let mut line = String::new();
    match stream.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end().to_string()),
    }
}

fn survives_in_child(setup: &[&[&str]], crash: &[&str]) {
    let mut server = ChildServer::start();
    let stream = std::net::TcpStream::connect(server.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut stream = BufReader::new(stream);
    for cmd in setup {
        let reply = call(&mut stream, cmd);
        assert!(
            reply.as_deref().is_some_and(|r| !r.starts_with('-')),
            "setup {cmd:?} answered {reply:?}"
        );
    }
    let reply = call(&mut stream, crash);
    let pong = call(&mut stream, &["PING"]);
    let mut problems = Vec::new();
    match &reply {
        None => problems.push(format!(
            "{crash:?}: the connection closed instead of answering"
        )),
        Some(r) if !r.starts_with('-') => problems.push(format!(
            "{crash:?}: expected an error reply (no reply that large can be built), got {r:?}"
        )),
        Some(_) => {}
    }
    if pong.as_deref() != Some("+PONG") {
        problems.push(format!("PING after it answered {pong:?}"));
    }
    if let Some(death) = server.death().filter(|_| !problems.is_empty()) {
        problems.push(death);
    }
    assert!(problems.is_empty(), "\n- {}\n", problems.join("\n- "));
}

/// Found by the harness: `SRANDMEMBER set -4294967296` asks for a 128 GiB Vec; the failed
/// allocation aborts the whole server ("memory allocation of 137438953472 bytes failed").
#[test]
fn srandmember_unallocatable_negative_count_does_not_abort_the_server() {
    survives_in_child(
        &[&["SADD", "set", "a", "b", "c"]],
        &["SRANDMEMBER", "set", "-4294967296"],
    );
}

/// Found by the harness: the same in HRANDFIELD ("memory allocation of 274877906944 bytes
/// failed").
#[test]
fn hrandfield_unallocatable_negative_count_does_not_abort_the_server() {
    survives_in_child(
        &[&["HSET", "hash", "f1", "v1", "f2", "v2"]],
        &["HRANDFIELD", "hash", "-4294967296"],
    );
}

/// Found by the harness: `XREAD BLOCK 2 "STREAMS\0" ...` — the command reads its option as
/// Redis does (up to the NUL byte) but the key finder compared the whole argument, found no
/// keys and ran the command without a txn (a panic). The key finder now compares keywords
/// as Redis's strcasecmp does.
#[tokio::test]
async fn a_keyword_with_a_nul_byte_finds_the_keys_its_command_reads() {
    survives(
        &[],
        &["XREAD", "BLOCK", "2", "STREAMS\0", "A", "d", "C", "-inf"],
    )
    .await;
}
