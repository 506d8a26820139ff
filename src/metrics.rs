//! Prometheus metrics on `metrics-port` (off when 0): what an operator watches, recorded
//! with the `metrics` crate's handles into a `metrics-exporter-prometheus` recorder owned by
//! the server (not the process-wide one, so several servers in one process stay apart),
//! and served as the Prometheus text format on `GET /metrics`.
//!
//! - per command and front end (`protocol="resp"|"grpc"`; a typed gRPC call counts as the
//!   command it runs): `memorabilia_commands_total`, `memorabilia_command_errors_total`
//!   (failed and refused calls) and the latency histogram
//!   `memorabilia_command_duration_seconds`, recorded as each call finishes;
//! - read at each scrape from what `INFO` reads: connected clients per front end, keys and
//!   keys with an expiry per database, expired and evicted keys, memory, blocked clients,
//!   pub/sub channels and patterns, error replies by code, ACL denials, persistence (changes
//!   since the last save, last save time and status, save in progress, AOF on and its last
//!   write status).
//!
//! With metrics off the execution path pays one load of an empty `OnceLock` per command.

use std::sync::OnceLock;
use std::sync::atomic::Ordering;

use metrics::{Counter, Histogram, Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::state::{ClientKind, ServerState};

const METADATA: Metadata<'static> = Metadata::new("memorabilia", Level::INFO, None);

/// Latency buckets, in seconds: from 10 µs (a GET) to 5 s (a long script).
const DURATION_BUCKETS: &[f64] = &[
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The `# HELP` text of each metric.
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "memorabilia_commands_total",
        "Commands run, per command and front end",
    ),
    (
        "memorabilia_command_errors_total",
        "Commands that failed or were refused, per command and front end",
    ),
    (
        "memorabilia_command_duration_seconds",
        "Time commands took to run, per command and front end",
    ),
    (
        "memorabilia_connected_clients",
        "Connected clients per front end",
    ),
    ("memorabilia_keys", "Keys per database"),
    (
        "memorabilia_keys_with_expiry",
        "Keys with an expiry per database",
    ),
    (
        "memorabilia_expired_keys_total",
        "Keys removed because they expired",
    ),
    (
        "memorabilia_evicted_keys_total",
        "Keys evicted under maxmemory",
    ),
    (
        "memorabilia_used_memory_bytes",
        "Memory used, as INFO's used_memory",
    ),
    (
        "memorabilia_blocked_clients",
        "Clients waiting in a blocking command",
    ),
    ("memorabilia_pubsub_channels", "Channels with subscribers"),
    ("memorabilia_pubsub_patterns", "Patterns with subscribers"),
    (
        "memorabilia_pubsub_shard_channels",
        "Shard channels with subscribers",
    ),
    (
        "memorabilia_error_replies_total",
        "Error replies per error code",
    ),
    (
        "memorabilia_acl_denied_total",
        "Authentications and commands ACLs refused",
    ),
    (
        "memorabilia_rdb_changes_since_last_save",
        "Changes not yet in an RDB snapshot",
    ),
    (
        "memorabilia_rdb_last_save_timestamp_seconds",
        "Unix time of the last successful save",
    ),
    (
        "memorabilia_rdb_last_bgsave_ok",
        "Whether the last background save succeeded",
    ),
    (
        "memorabilia_rdb_bgsave_in_progress",
        "Whether a background save is running",
    ),
    (
        "memorabilia_aof_enabled",
        "Whether the append-only file is on",
    ),
    (
        "memorabilia_aof_last_write_ok",
        "Whether the last append-only file write succeeded",
    ),
    (
        "memorabilia_uptime_seconds",
        "Seconds since the server started",
    ),
];

/// One command's series on one front end.
struct CommandSeries {
    calls: Counter,
    errors: Counter,
    duration: Histogram,
}

/// The recorder and the per-command handles.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// By route id, then front end (RESP, gRPC): registered on first use, so only the
    /// commands that ran are exported.
    commands: Vec<[OnceLock<CommandSeries>; 2]>,
}

fn front(kind: ClientKind) -> (usize, &'static str) {
    match kind {
        ClientKind::Resp => (0, "resp"),
        ClientKind::Grpc => (1, "grpc"),
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("memorabilia_command_duration_seconds".into()),
                DURATION_BUCKETS,
            )
            .expect("valid buckets")
            .build_recorder();
        for (name, help) in DESCRIPTIONS {
            recorder.describe_gauge((*name).into(), None, (*help).into());
        }
        let handle = recorder.handle();
        let routes = crate::commands::all_routes().len();
        Metrics {
            recorder,
            handle,
            commands: (0..routes).map(|_| Default::default()).collect(),
        }
    }

    fn key(name: &'static str, labels: Vec<Label>) -> Key {
        Key::from_parts(name, labels)
    }

    fn series(&self, route: usize, kind: ClientKind) -> &CommandSeries {
        let (slot, protocol) = front(kind);
        self.commands[route][slot].get_or_init(|| {
            let name = crate::commands::all_routes()[route].full_name.clone();
            let labels = || {
                vec![
                    Label::new("command", name.clone()),
                    Label::new("protocol", protocol),
                ]
            };
            CommandSeries {
                calls: self.recorder.register_counter(
                    &Self::key("memorabilia_commands_total", labels()),
                    &METADATA,
                ),
                errors: self.recorder.register_counter(
                    &Self::key("memorabilia_command_errors_total", labels()),
                    &METADATA,
                ),
                duration: self.recorder.register_histogram(
                    &Self::key("memorabilia_command_duration_seconds", labels()),
                    &METADATA,
                ),
            }
        })
    }

    /// A call that ran, `usec` long.
    pub fn called(&self, route: usize, kind: ClientKind, usec: u64, failed: bool) {
        let series = self.series(route, kind);
        series.calls.increment(1);
        if failed {
            series.errors.increment(1);
        }
        series.duration.record(usec as f64 / 1e6);
    }

    /// A call refused before it ran (unknown arguments count, NOAUTH, NOPERM, ...).
    pub fn rejected(&self, route: usize, kind: ClientKind) {
        self.series(route, kind).errors.increment(1);
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>, value: f64) {
        self.recorder
            .register_gauge(&Self::key(name, labels), &METADATA)
            .set(value);
    }

    fn counter(&self, name: &'static str, labels: Vec<Label>, value: u64) {
        self.recorder
            .register_counter(&Self::key(name, labels), &METADATA)
            .absolute(value);
    }

    /// Folds the samples recorded since the last call into the histograms (bounded
    /// memory between scrapes; the cron calls it every second).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The Prometheus text of everything, the server-wide values read now.
    pub fn render(&self, server: &ServerState) -> String {
        self.sample(server);
        self.handle.run_upkeep();
        self.handle.render()
    }

    fn sample(&self, server: &ServerState) {
        let clients = server.clients.list();
        for kind in [ClientKind::Resp, ClientKind::Grpc] {
            let count = clients.iter().filter(|c| c.kind == kind).count();
            let labels = vec![Label::new("protocol", front(kind).1)];
            self.gauge("memorabilia_connected_clients", labels, count as f64);
        }
        for db in 0..server.store.databases() {
            let info = server.store.db_info(db);
            let labels = || vec![Label::new("db", db.to_string())];
            self.gauge("memorabilia_keys", labels(), info.keys as f64);
            self.gauge(
                "memorabilia_keys_with_expiry",
                labels(),
                info.expires as f64,
            );
        }
        let expired = server.store.stats.expired_keys.load(Ordering::Relaxed);
        self.counter("memorabilia_expired_keys_total", vec![], expired);
        let evicted = server.store.stats.evicted_keys.load(Ordering::Relaxed);
        self.counter("memorabilia_evicted_keys_total", vec![], evicted);
        let memory = crate::commands::info::used_memory();
        self.gauge("memorabilia_used_memory_bytes", vec![], memory as f64);
        let blocked = server.blocking.blocked_clients();
        self.gauge("memorabilia_blocked_clients", vec![], blocked as f64);
        let (channels, patterns, shard_channels) = server.pubsub.sizes();
        self.gauge("memorabilia_pubsub_channels", vec![], channels as f64);
        self.gauge("memorabilia_pubsub_patterns", vec![], patterns as f64);
        self.gauge(
            "memorabilia_pubsub_shard_channels",
            vec![],
            shard_channels as f64,
        );
        for (code, count) in server.stats.errors.by_code() {
            let labels = vec![Label::new("code", code)];
            self.counter("memorabilia_error_replies_total", labels, count);
        }
        let denied = &server.acl.denied;
        for (reason, counter) in [
            ("auth", &denied.auth),
            ("command", &denied.command),
            ("key", &denied.key),
            ("channel", &denied.channel),
        ] {
            let labels = vec![Label::new("reason", reason)];
            let value = counter.load(Ordering::Relaxed);
            self.counter("memorabilia_acl_denied_total", labels, value);
        }
        let p = server.persistence.info();
        self.gauge(
            "memorabilia_rdb_changes_since_last_save",
            vec![],
            p.dirty as f64,
        );
        self.gauge(
            "memorabilia_rdb_last_save_timestamp_seconds",
            vec![],
            p.last_save as f64,
        );
        self.gauge(
            "memorabilia_rdb_last_bgsave_ok",
            vec![],
            f64::from(u8::from(p.last_bgsave_ok)),
        );
        self.gauge(
            "memorabilia_rdb_bgsave_in_progress",
            vec![],
            f64::from(u8::from(p.in_progress)),
        );
        let aof = &server.aof;
        self.gauge(
            "memorabilia_aof_enabled",
            vec![],
            f64::from(u8::from(aof.active())),
        );
        self.gauge(
            "memorabilia_aof_last_write_ok",
            vec![],
            f64::from(u8::from(!aof.write_failed())),
        );
        let uptime = server.started.elapsed().as_secs();
        self.gauge("memorabilia_uptime_seconds", vec![], uptime as f64);
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

/// Serves `GET /metrics` on `listener` until the server shuts down.
pub async fn serve(listener: TcpListener, state: std::sync::Arc<ServerState>) {
    loop {
        let accepted = tokio::select! {
            _ = state.shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let reply =
                tokio::time::timeout(std::time::Duration::from_secs(10), answer(stream, &state));
            let _ = reply.await;
        });
    }
}

/// Reads one HTTP request (its head, at most 8 KiB) and answers it, then closes.
async fn answer(mut stream: TcpStream, state: &ServerState) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > 8192 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, path) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let path = path.split(|&b| b == b'?').next().unwrap_or_default();
    let (status, content_type, body) = match (method, path) {
        (b"GET", b"/metrics") => {
            let body = match state.metrics.get() {
                Some(metrics) => metrics.render(state),
                None => String::new(),
            };
            ("200 OK", "text/plain; version=0.0.4; charset=utf-8", body)
        }
        (b"GET", _) => ("404 Not Found", "text/plain", "Not Found\n".to_string()),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "Method Not Allowed\n".to_string(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
