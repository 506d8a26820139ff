//! `memorabilia-load`: a load generator for RESP servers (memorabilia or redis-server) and
//! for memorabilia's gRPC API.
//!
//! Modes: `resp` (N connections, pipeline depth P, raw RESP), `grpc-unary` (typed `Get` /
//! `Set` calls, N connections with C calls in flight on each), `grpc-pipeline` (a
//! `Pipeline` stream per connection with P commands in flight) and `grpc-batch` (`Batch`
//! calls of P commands). Workloads: `set`, `get`, `mix` (80% GET / 20% SET), each over
//! random 16-byte keys of the keyspace, and `fill` (every key set once, then stop).
//!
//! It reports ops/s, p50/p99/p99.9 latency (HdrHistogram; a command's latency runs from
//! the write of its batch to the read of its reply) and, given the server's pid, the CPU
//! seconds the server spent in the measured window, so throughput per server CPU second can
//! be compared between servers whatever the client costs. `--json` prints one JSON line.
//! The exit status is 1 when a run had errors or completed nothing.

mod grpc;
mod resp;
mod stats;
mod workload;

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;

use stats::Recorder;
use workload::{MAX_KEYSPACE, OpSource, Workload};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    /// Raw pipelined RESP (any RESP server).
    Resp,
    /// gRPC typed unary Get/Set calls.
    GrpcUnary,
    /// gRPC `Pipeline` streams with P commands in flight.
    GrpcPipeline,
    /// gRPC `Batch` calls of P commands.
    GrpcBatch,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Resp => "resp",
            Mode::GrpcUnary => "grpc-unary",
            Mode::GrpcPipeline => "grpc-pipeline",
            Mode::GrpcBatch => "grpc-batch",
        }
    }
}

/// Load generator for memorabilia (RESP and gRPC) and any RESP server.
#[derive(Parser, Debug)]
#[command(name = "memorabilia-load", version, about)]
struct Cli {
    /// Protocol and call shape
    #[arg(long, value_enum, default_value = "resp")]
    mode: Mode,
    /// Server address
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Server port [default: 6379 for resp, 50051 for the gRPC modes]
    #[arg(short, long)]
    port: Option<u16>,
    /// Connections (TCP connections; HTTP/2 connections for gRPC)
    #[arg(short, long, default_value_t = 50)]
    connections: usize,
    /// Commands per batch: RESP pipeline depth, commands in flight on a `Pipeline` stream,
    /// commands per `Batch` message (unary calls carry one)
    #[arg(short = 'P', long, default_value_t = 1)]
    pipeline: usize,
    /// gRPC: calls (or streams) in flight on each connection
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Command mix
    #[arg(short = 't', long, value_enum, default_value = "set")]
    workload: Workload,
    /// Number of distinct keys (`key:000000000000` ...)
    #[arg(short = 'r', long, default_value_t = 1_000_000)]
    keyspace: u64,
    /// Value size in bytes for SET
    #[arg(short = 'd', long, default_value_t = 10)]
    value_size: usize,
    /// Seconds measured (ignored by `fill`, which runs until every key is set)
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring starts (ignored by `fill`)
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Server process id, to report the CPU time it spent in the measured window
    #[arg(long)]
    server_pid: Option<u32>,
    /// Client runtime threads [default: the CPUs this process may run on]
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON line instead of text
    #[arg(long)]
    json: bool,
}

impl Cli {
    fn check(&self) -> Result<(), String> {
        if self.connections == 0 || self.pipeline == 0 || self.concurrency == 0 {
            return Err("--connections, --pipeline and --concurrency must be at least 1".into());
        }
        if self.keyspace == 0 || self.keyspace > MAX_KEYSPACE {
            return Err(format!("--keyspace must be between 1 and {MAX_KEYSPACE}"));
        }
        if self.mode == Mode::Resp && self.concurrency != 1 {
            return Err("--concurrency applies to gRPC; RESP connections pipeline (-P)".into());
        }
        if self.mode == Mode::GrpcUnary && self.pipeline != 1 {
            return Err("unary calls carry one command: use --concurrency, not -P".into());
        }
        let ok = |s: f64| s.is_finite() && s >= 0.0;
        if !ok(self.duration) || !ok(self.warmup) || self.duration == 0.0 {
            return Err("--duration must be positive and --warmup not negative".into());
        }
        Ok(())
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or(match self.mode {
            Mode::Resp => 6379,
            _ => 50051,
        })
    }
}

/// Everything measured by one run.
struct Outcome {
    rec: Recorder,
    seconds: f64,
    server_cpu: Option<f64>,
    client_cpu: Option<f64>,
    /// Busy CPU time of the whole machine in the window (all processes, all CPUs).
    machine_cpu: Option<f64>,
    /// Server resident set size before the first request and after the last reply.
    server_rss: (Option<u64>, Option<u64>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = cli.check() {
        eprintln!("memorabilia-load: {e}");
        return ExitCode::from(2);
    }
    let threads = cli.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    // One thread: a current-thread runtime, without the cost of work stealing.
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    }
    .expect("build the tokio runtime");
    let outcome = match runtime.block_on(run(&cli)) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("memorabilia-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.json {
        println!("{}", json(&cli, &outcome));
    } else {
        print!("{}", text(&cli, &outcome));
    }
    if outcome.rec.errors > 0 || outcome.rec.ops == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A connection of either protocol, opened before the clock starts.
enum Conn {
    Resp(resp::Conn),
    Grpc(tonic::transport::Channel),
}

async fn connect_all(cli: &Cli) -> Result<Vec<Conn>, String> {
    let host = cli.host.as_str();
    let port = cli.port();
    let mut conns = Vec::with_capacity(cli.connections);
    if cli.mode == Mode::Resp {
        let addr: SocketAddr = (host, port)
            .to_socket_addrs()
            .map_err(|e| format!("{host}:{port}: {e}"))?
            .next()
            .ok_or_else(|| format!("{host}:{port}: no address"))?;
        for _ in 0..cli.connections {
            let conn = resp::connect(addr)
                .await
                .map_err(|e| format!("connect to {addr}: {e}"))?;
            conns.push(Conn::Resp(conn));
        }
    } else {
        let uri = format!("http://{host}:{port}");
        for _ in 0..cli.connections {
            let channel = grpc::connect(&uri)
                .await
                .map_err(|e| format!("connect to {uri}: {e:?}"))?;
            conns.push(Conn::Grpc(channel));
        }
    }
    Ok(conns)
}

async fn run(cli: &Cli) -> Result<Outcome, String> {
    let conns = connect_all(cli).await?;
    let rss_before = cli.server_pid.and_then(stats::rss_bytes);
    let fill = cli.workload == Workload::Fill;
    let value = Bytes::from(vec![b'x'; cli.value_size]);
    let requests = Arc::new(resp::Requests::new(&value));

    let begin = Instant::now();
    let (window_start, window_end) = if fill {
        // Everything is measured; the far end only bounds the latency window.
        (begin, begin + Duration::from_secs(365 * 24 * 3600))
    } else {
        let start = begin + Duration::from_secs_f64(cli.warmup);
        (start, start + Duration::from_secs_f64(cli.duration))
    };
    let streams = match cli.mode {
        Mode::Resp => 1,
        _ => cli.concurrency,
    };
    let workers = conns.len() * streams;
    let mut tasks = Vec::with_capacity(workers);
    let mut index = 0;
    for conn in conns {
        // Each RESP connection has one worker; each gRPC connection `concurrency`.
        let (resp_conn, channel) = match conn {
            Conn::Resp(c) => (Some(c), None),
            Conn::Grpc(c) => (None, Some(c)),
        };
        let mut resp_conn = resp_conn;
        for _ in 0..streams {
            let source = OpSource::new(cli.workload, cli.keyspace, index, workers, window_end);
            index += 1;
            let mut rec = Recorder::new(window_start, window_end);
            let (mode, depth, value) = (cli.mode, cli.pipeline, value.clone());
            let requests = requests.clone();
            let resp_conn = resp_conn.take();
            let channel = channel.clone();
            tasks.push(tokio::spawn(async move {
                match (mode, resp_conn, channel) {
                    (Mode::Resp, Some(conn), _) => {
                        resp::worker(conn, &requests, source, depth, &mut rec).await
                    }
                    (Mode::GrpcUnary, _, Some(ch)) => {
                        grpc::unary(ch, value, source, &mut rec).await
                    }
                    (Mode::GrpcBatch, _, Some(ch)) => {
                        grpc::batch(ch, value, source, depth, &mut rec).await
                    }
                    (Mode::GrpcPipeline, _, Some(ch)) => {
                        grpc::pipeline(ch, value, source, depth, &mut rec).await
                    }
                    _ => unreachable!("each mode gets its kind of connection"),
                }
                rec
            }));
        }
    }

    let me = std::process::id();
    let sample = || {
        (
            cli.server_pid.and_then(stats::cpu_seconds),
            stats::cpu_seconds(me),
            stats::machine_busy_seconds(),
        )
    };
    let at_start = if fill {
        sample()
    } else {
        tokio::time::sleep_until(window_start.into()).await;
        sample()
    };
    let mut at_end = None;
    if !fill {
        tokio::time::sleep_until(window_end.into()).await;
        at_end = Some(sample());
    }
    let mut total = Recorder::new(window_start, window_end);
    for task in tasks {
        total.merge(task.await.map_err(|e| format!("worker failed: {e}"))?);
    }
    let finished = Instant::now();
    let at_end = at_end.unwrap_or_else(sample);
    let seconds = if fill {
        finished.duration_since(begin).as_secs_f64()
    } else {
        cli.duration
    };
    let delta = |a: Option<f64>, b: Option<f64>| Some((b? - a?).max(0.0));
    Ok(Outcome {
        rec: total,
        seconds,
        server_cpu: delta(at_start.0, at_end.0),
        client_cpu: delta(at_start.1, at_end.1),
        machine_cpu: delta(at_start.2, at_end.2),
        server_rss: (rss_before, cli.server_pid.and_then(stats::rss_bytes)),
    })
}

/// Figures of a run, as reported.
struct Figures {
    ops_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    max_ms: f64,
    ops_per_server_cpu_sec: Option<f64>,
}

fn figures(o: &Outcome) -> Figures {
    let ms = |q: f64| o.rec.hist.value_at_quantile(q) as f64 / 1e6;
    Figures {
        ops_per_sec: o.rec.ops as f64 / o.seconds,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        p999_ms: ms(0.999),
        max_ms: o.rec.hist.max() as f64 / 1e6,
        ops_per_server_cpu_sec: o
            .server_cpu
            .filter(|&s| s > 0.0)
            .map(|s| o.rec.ops as f64 / s),
    }
}

fn depth(cli: &Cli) -> usize {
    match cli.mode {
        Mode::GrpcUnary => 1,
        _ => cli.pipeline,
    }
}

fn json(cli: &Cli, o: &Outcome) -> String {
    let f = figures(o);
    let opt = |v: Option<f64>, decimals: usize| match v {
        Some(v) => format!("{v:.decimals$}"),
        None => "null".into(),
    };
    let error = match &o.rec.first_error {
        Some(e) => format!("\"{}\"", json_escape(e)),
        None => "null".into(),
    };
    format!(
        "{{\"mode\":\"{}\",\"workload\":\"{}\",\"connections\":{},\"pipeline\":{},\
         \"concurrency\":{},\"keyspace\":{},\"value_size\":{},\"seconds\":{:.3},\"ops\":{},\
         \"ops_per_sec\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"p999_ms\":{:.3},\
         \"max_ms\":{:.3},\"errors\":{},\"first_error\":{},\"server_cpu_s\":{},\
         \"ops_per_server_cpu_s\":{},\"client_cpu_s\":{},\"machine_cpu_s\":{},\"server_rss_before\":{},\
         \"server_rss_after\":{}}}",
        cli.mode.name(),
        cli.workload.name(),
        cli.connections,
        depth(cli),
        cli.concurrency,
        cli.keyspace,
        cli.value_size,
        o.seconds,
        o.rec.ops,
        f.ops_per_sec,
        f.p50_ms,
        f.p99_ms,
        f.p999_ms,
        f.max_ms,
        o.rec.errors,
        error,
        opt(o.server_cpu, 3),
        opt(f.ops_per_server_cpu_sec, 1),
        opt(o.client_cpu, 3),
        opt(o.machine_cpu, 3),
        opt(o.server_rss.0.map(|b| b as f64), 0),
        opt(o.server_rss.1.map(|b| b as f64), 0),
    )
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn text(cli: &Cli, o: &Outcome) -> String {
    let f = figures(o);
    let mut s = format!(
        "{} {}: {} connections, depth {}, concurrency {}, keyspace {}, {}-byte values\n\
         {} ops in {:.2} s: {:.0} ops/s\n\
         latency ms: p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}\n",
        cli.mode.name(),
        cli.workload.name(),
        cli.connections,
        depth(cli),
        cli.concurrency,
        cli.keyspace,
        cli.value_size,
        o.rec.ops,
        o.seconds,
        f.ops_per_sec,
        f.p50_ms,
        f.p99_ms,
        f.p999_ms,
        f.max_ms,
    );
    if let Some(cpu) = o.server_cpu {
        s += &format!(
            "server cpu: {cpu:.2} s ({:.0}% of a core)",
            100.0 * cpu / o.seconds
        );
        match f.ops_per_server_cpu_sec {
            Some(rate) => s += &format!(", {rate:.0} ops per server cpu second\n"),
            None => s += "\n",
        }
    }
    if let Some(cpu) = o.client_cpu {
        s += &format!(
            "client cpu: {cpu:.2} s ({:.0}% of a core)\n",
            100.0 * cpu / o.seconds
        );
    }
    if let Some(cpu) = o.machine_cpu {
        s += &format!(
            "machine cpu (all processes): {cpu:.2} s ({:.0}% of a core)\n",
            100.0 * cpu / o.seconds
        );
    }
    if let (Some(before), Some(after)) = o.server_rss {
        s += &format!(
            "server rss: {:.1} MiB before, {:.1} MiB after\n",
            before as f64 / 1048576.0,
            after as f64 / 1048576.0
        );
    }
    s += &format!("errors: {}\n", o.rec.errors);
    if let Some(e) = &o.rec.first_error {
        s += &format!("first error: {e}\n");
    }
    s
}
