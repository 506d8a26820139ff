//! The Prometheus endpoint (`metrics-port`): commands, errors and latency per command and
//! front end (typed gRPC calls as the command they run), and the server-wide values read
//! at each scrape, in the Prometheus text format; other paths and methods are refused.

mod common;

use std::time::Duration;

use common::{Resp, RespClient};
use memorabilia::config::Config;
use memorabilia::server::{Listeners, RunningServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start() -> RunningServer {
    let bind = || async { Some(TcpListener::bind("127.0.0.1:0").await.unwrap()) };
    let listeners = Listeners {
        resp: bind().await,
        grpc: bind().await,
        metrics: bind().await,
        ..Listeners::default()
    };
    let config = Config {
        dir: common::temp_dir().display().to_string(),
        save: String::new(),
        ..Config::default()
    };
    memorabilia::server::start_on(config, listeners).unwrap()
}

/// One HTTP exchange: (status line, body).
async fn http(server: &RunningServer, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(server.metrics_addr.unwrap())
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

async fn scrape(server: &RunningServer) -> String {
    let (status, body) = http(server, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    body
}

/// The value of the series `name` whose labels include all of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            let series = l.split(' ').next().unwrap_or_default();
            (series == name || series.starts_with(&format!("{name}{{")))
                && labels.iter().all(|label| series.contains(label))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_errors_and_server_values_per_front_end() {
    let server = start().await;
    let mut c = RespClient::connect(&server).await;
    assert_eq!(c.call(&["SET", "k", "v"]).await, Resp::Simple("OK".into()));
    assert_eq!(
        c.call(&["SET", "k2", "v", "EX", "100"]).await,
        Resp::Simple("OK".into())
    );
    assert!(matches!(c.call(&["INCR", "k"]).await, Resp::Error(_)));
    assert!(matches!(c.call(&["GET"]).await, Resp::Error(_)));
    let mut g = common::grpc(&server).await;
    g.get(memorabilia::grpc::proto::GetRequest {
        db: 0,
        key: "k".into(),
    })
    .await
    .unwrap();
    let text = scrape(&server).await;
    let resp = "protocol=\"resp\"";
    let grpc = "protocol=\"grpc\"";
    let cmd = |name: &str| format!("command=\"{name}\"");
    assert_eq!(
        value(&text, "memorabilia_commands_total", &[&cmd("set"), resp]),
        Some(2.0)
    );
    assert_eq!(
        value(
            &text,
            "memorabilia_command_errors_total",
            &[&cmd("incr"), resp]
        ),
        Some(1.0)
    );
    // A call refused for its arguments is an error, not a call.
    assert_eq!(
        value(
            &text,
            "memorabilia_command_errors_total",
            &[&cmd("get"), resp]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "memorabilia_commands_total", &[&cmd("get"), grpc]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "memorabilia_command_duration_seconds_count",
            &[&cmd("set"), resp]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &text,
            "memorabilia_command_duration_seconds_bucket",
            &[&cmd("set"), resp, "le=\"+Inf\""]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(&text, "memorabilia_connected_clients", &[resp]),
        Some(1.0)
    );
    assert_eq!(value(&text, "memorabilia_keys", &["db=\"0\""]), Some(2.0));
    assert_eq!(
        value(&text, "memorabilia_keys_with_expiry", &["db=\"0\""]),
        Some(1.0)
    );
    assert!(value(&text, "memorabilia_used_memory_bytes", &[]).unwrap() > 0.0);
    assert_eq!(value(&text, "memorabilia_blocked_clients", &[]), Some(0.0));
    assert_eq!(
        value(&text, "memorabilia_error_replies_total", &["code=\"ERR\""]),
        Some(2.0)
    );
    assert_eq!(value(&text, "memorabilia_aof_enabled", &[]), Some(0.0));
    assert!(text.contains("# TYPE memorabilia_command_duration_seconds histogram"));
    // A blocked client shows while it waits.
    let mut blocked = RespClient::connect(&server).await;
    blocked.send(&["BLPOP", "list", "0"]).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let text = scrape(&server).await;
        if value(&text, "memorabilia_blocked_clients", &[]) == Some(1.0) {
            assert_eq!(
                value(&text, "memorabilia_connected_clients", &[resp]),
                Some(2.0)
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "BLPOP never counted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(c.call(&["RPUSH", "list", "x"]).await, Resp::Int(1));
    // Other paths and methods.
    let (status, _) = http(&server, "GET /other HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    let (status, _) = http(&server, "POST /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(status, "HTTP/1.1 405 Method Not Allowed");
    server.shutdown();
    server.wait().await;
}
