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

/// Starts a server on free ports for RESP and gRPC.
pub async fn start_with(config: Config) -> RunningServer {
    let listeners = server::Listeners {
        resp: tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind RESP"),
        grpc: Some(
            tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind gRPC"),
        ),
    };
    server::start_on(config, listeners).expect("server starts")
}

pub fn client(server: &RunningServer, protocol: u8) -> redis::Client {
    let url = format!("redis://{}/?protocol={protocol}", server.resp_addr);
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
            stream: TcpStream::connect(server.resp_addr).await.expect("connect"),
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
