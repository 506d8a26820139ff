//! Smoke runs of the load generator (`memorabilia-load`, benches/loadgen) against an
//! in-process server, so the harness keeps building and working. Each mode runs for about
//! half a second; only "something was done and nothing failed" is asserted, never a time.

mod common;

use std::process::Command;

use memorabilia::server::RunningServer;

/// Runs the load generator with `args` plus short-run defaults and returns its JSON line.
async fn load(args: &[&str]) -> String {
    let mut all: Vec<String> = [
        "--json",
        "--duration",
        "0.5",
        "--warmup",
        "0.1",
        "--connections",
        "2",
        "--keyspace",
        "1000",
        "--threads",
        "1",
        // The server runs inside this test process.
        "--server-pid",
        &std::process::id().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(args.iter().map(|s| s.to_string()));
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_memorabilia-load"))
            .args(&all)
            .output()
            .expect("run memorabilia-load")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "memorabilia-load {args:?} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The number after `"name":` in a flat JSON object (`None` for null).
fn field(json: &str, name: &str) -> Option<f64> {
    let at = json.find(&format!("\"{name}\":"))? + name.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].parse().ok()
}

fn assert_worked(json: &str) {
    assert!(field(json, "ops").unwrap() > 0.0, "no ops: {json}");
    assert_eq!(field(json, "errors"), Some(0.0), "errors: {json}");
    assert!(field(json, "p99_ms").is_some(), "no latency: {json}");
    assert!(
        field(json, "server_cpu_s").is_some(),
        "no server cpu: {json}"
    );
}

fn port(server: &RunningServer, grpc: bool) -> String {
    let addr = if grpc {
        server.grpc_addr.expect("gRPC enabled")
    } else {
        server.resp_addr.expect("plaintext RESP")
    };
    addr.port().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resp_modes() {
    let server = common::start().await;
    let p = port(&server, false);
    let fill = load(&["--port", &p, "--workload", "fill", "--pipeline", "16"]).await;
    assert_eq!(
        field(&fill, "ops"),
        Some(1000.0),
        "fill sets every key: {fill}"
    );
    assert_eq!(server.state.store.db_info(0).keys, 1000);
    for workload in ["set", "get", "mix"] {
        for depth in ["1", "8"] {
            let json = load(&["--port", &p, "--workload", workload, "--pipeline", depth]).await;
            assert_worked(&json);
        }
    }
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_modes() {
    let server = common::start().await;
    let p = port(&server, true);
    for (mode, workload, extra) in [
        ("grpc-unary", "set", ["--concurrency", "2"]),
        ("grpc-unary", "mix", ["--concurrency", "1"]),
        ("grpc-pipeline", "mix", ["--pipeline", "8"]),
        ("grpc-batch", "get", ["--pipeline", "8"]),
    ] {
        let mut args = vec!["--mode", mode, "--port", &p, "--workload", workload];
        args.extend(extra);
        assert_worked(&load(&args).await);
    }
    let fill = load(&[
        "--mode",
        "grpc-batch",
        "--port",
        &p,
        "-t",
        "fill",
        "-P",
        "16",
    ])
    .await;
    assert_eq!(
        field(&fill, "ops"),
        Some(1000.0),
        "fill sets every key: {fill}"
    );
    assert_eq!(server.state.store.db_info(0).keys, 1000);
    server.shutdown();
    server.wait().await;
}

#[test]
fn field_reads_numbers_and_nulls() {
    let json = r#"{"ops":12,"p99_ms":0.250,"server_cpu_s":null}"#;
    assert_eq!(field(json, "ops"), Some(12.0));
    assert_eq!(field(json, "p99_ms"), Some(0.25));
    assert_eq!(field(json, "server_cpu_s"), None);
    assert_eq!(field(json, "missing"), None);
}
