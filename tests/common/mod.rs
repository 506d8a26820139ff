//! Shared helpers for integration tests: an in-process server on a free port and raw
//! socket helpers for byte-exact protocol checks.

#![allow(dead_code)]

use std::time::Duration;

use memorabilia::config::Config;
use memorabilia::server::{self, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts a server on a free port with default settings.
pub async fn start() -> RunningServer {
    start_with(Config::default()).await
}

/// A fresh directory for a test server's files, removed with the process's temp files.
pub fn temp_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("memorabilia-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    dir
}

/// Starts a server on free ports for RESP and gRPC. A config that keeps the default `dir`
/// gets a fresh directory and no save points: a test never reads or writes the working
/// directory's dump.rdb.
pub async fn start_with(mut config: Config) -> RunningServer {
    if config.dir == Config::default().dir {
        config.dir = temp_dir().display().to_string();
        config.save.clear();
    }
    let listeners = server::Listeners {
        resp: Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind RESP"),
        ),
        grpc: Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind gRPC"),
        ),
        ..Default::default()
    };
    server::start_on(config, listeners).expect("server starts")
}

pub fn client(server: &RunningServer, protocol: u8) -> redis::Client {
    let url = format!(
        "redis://{}/?protocol={protocol}",
        server.resp_addr.expect("plaintext RESP")
    );
    redis::Client::open(url).expect("valid url")
}

pub async fn connection(server: &RunningServer, protocol: u8) -> redis::aio::MultiplexedConnection {
    client(server, protocol)
        .get_multiplexed_async_connection()
        .await
        .expect("connect")
}

/// A raw TCP connection for byte-level checks.
pub struct Raw {
    pub stream: TcpStream,
}

impl Raw {
    pub async fn connect(server: &RunningServer) -> Raw {
        Raw {
            stream: TcpStream::connect(server.resp_addr.expect("plaintext RESP"))
                .await
                .expect("connect"),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Reads until exactly `expected.len()` bytes arrived (or 5 s pass) and returns them.
    pub async fn read_exact_len(&mut self, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        tokio::time::timeout(Duration::from_secs(5), self.stream.read_exact(&mut buf))
            .await
            .expect("reply in time")
            .expect("read");
        buf
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    pub async fn read_line(&mut self) -> String {
        let mut line = Vec::new();
        while !line.ends_with(b"\r\n") {
            line.extend(self.read_exact_len(1).await);
        }
        line.truncate(line.len() - 2);
        String::from_utf8_lossy(&line).into_owned()
    }

    /// Asserts the next bytes on the wire are `expected`.
    pub async fn expect(&mut self, expected: &[u8]) {
        let got = self.read_exact_len(expected.len()).await;
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }

    /// Waits for the server to close the connection (EOF), failing after 5 s.
    pub async fn expect_closed(&mut self) {
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), self.stream.read(&mut buf))
            .await
            .expect("close in time")
            .unwrap_or(0);
        assert_eq!(
            n,
            0,
            "expected EOF, got {:?}",
            String::from_utf8_lossy(&buf[..n])
        );
    }
}

// ---------------------------------------------------------------------------------------
// gRPC and store helpers (tests/grpc.rs, tests/grpc_parity.rs)
// ---------------------------------------------------------------------------------------

/// A gRPC client of the server's `memorabilia.v1.Memorabilia` service.
pub async fn grpc(
    server: &RunningServer,
) -> memorabilia::grpc::proto::memorabilia_client::MemorabiliaClient<tonic::transport::Channel> {
    let addr = server.grpc_addr.expect("gRPC is enabled");
    memorabilia::grpc::proto::memorabilia_client::MemorabiliaClient::connect(format!(
        "http://{addr}"
    ))
    .await
    .expect("gRPC connect")
}

/// A `redis` crate connection on database `db`.
pub async fn connection_db(server: &RunningServer, db: u32) -> redis::aio::MultiplexedConnection {
    redis::Client::open(format!(
        "redis://{}/{db}",
        server.resp_addr.expect("plaintext RESP")
    ))
    .expect("valid url")
    .get_multiplexed_async_connection()
    .await
    .expect("connect")
}

/// Stores a list under `key` straight into the store: no list command exists yet, and the
/// typed RPCs need a key of another type to answer WRONGTYPE.
pub fn plant_list(server: &RunningServer, db: usize, key: &[u8], items: &[&[u8]]) {
    use memorabilia::store::{Access, Event, ListValue, Value};
    let list = ListValue {
        items: items
            .iter()
            .map(|i| bytes::Bytes::copy_from_slice(i))
            .collect(),
    };
    let store = &server.state.store;
    let txn = store.txn(Access::Write, db, [key]);
    txn.set(
        db,
        key,
        Value::List(std::sync::Arc::new(parking_lot::RwLock::new(list))),
        None,
        Event::RPush,
    );
}

/// A RESP2 reply, byte-exact (error texts are kept whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resp {
    Simple(String),
    Error(String),
    Int(i64),
    /// `None` is the null bulk string.
    Bulk(Option<Vec<u8>>),
    /// `None` is the null array.
    Array(Option<Vec<Resp>>),
}

/// A raw RESP2 client that sends argv as multibulk and parses replies itself.
pub struct RespClient {
    reader: tokio::io::BufReader<TcpStream>,
}

impl RespClient {
    pub async fn connect(server: &RunningServer) -> RespClient {
        RespClient::connect_to(server.resp_addr.expect("plaintext RESP")).await
    }

    pub async fn connect_to(addr: std::net::SocketAddr) -> RespClient {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        RespClient {
            reader: tokio::io::BufReader::new(stream),
        }
    }

    /// Sends one command and reads its reply.
    pub async fn call<A: AsRef<[u8]>>(&mut self, argv: &[A]) -> Resp {
        self.send(argv).await;
        self.receive().await
    }

    /// Sends one command without reading anything.
    pub async fn send<A: AsRef<[u8]>>(&mut self, argv: &[A]) {
        let mut out = format!("*{}\r\n", argv.len()).into_bytes();
        for a in argv {
            let a = a.as_ref();
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&out).await.expect("write");
    }

    /// Reads the next reply or pushed message (failing after 5 s).
    pub async fn receive(&mut self) -> Resp {
        tokio::time::timeout(Duration::from_secs(5), self.read())
            .await
            .expect("reply in time")
    }

    async fn line(&mut self) -> Vec<u8> {
        use tokio::io::AsyncBufReadExt;
        let mut line = Vec::new();
        self.reader
            .read_until(b'\n', &mut line)
            .await
            .expect("read");
        assert!(line.ends_with(b"\r\n"), "truncated reply line {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    fn read(&mut self) -> std::pin::Pin<Box<dyn std::future::Future<Output = Resp> + Send + '_>> {
        Box::pin(async move {
            let line = self.line().await;
            let text = String::from_utf8_lossy(&line[1..]).into_owned();
            match line[0] {
                b'+' => Resp::Simple(text),
                b'-' => Resp::Error(text),
                b':' => Resp::Int(text.parse().expect("integer reply")),
                b'$' => {
                    let len: i64 = text.parse().expect("bulk length");
                    if len < 0 {
                        return Resp::Bulk(None);
                    }
                    let mut buf = vec![0u8; len as usize + 2];
                    self.reader.read_exact(&mut buf).await.expect("read bulk");
                    buf.truncate(len as usize);
                    Resp::Bulk(Some(buf))
                }
                b'*' => {
                    let len: i64 = text.parse().expect("array length");
                    if len < 0 {
                        return Resp::Array(None);
                    }
                    let mut items = Vec::with_capacity(len as usize);
                    for _ in 0..len {
                        items.push(self.read().await);
                    }
                    Resp::Array(Some(items))
                }
                other => panic!("unexpected reply type byte {other:?}"),
            }
        })
    }
}
