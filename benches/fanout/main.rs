//! `memorabilia-fanout`: pub/sub fan-out throughput of a RESP server (memorabilia or
//! redis-server).
//!
//! N subscriber connections SUBSCRIBE to one channel; one publisher connection PUBLISHes
//! fixed-size messages to it with P commands in flight for the duration. It reports
//! messages published per second, messages delivered per second (summed over subscribers,
//! counted from the bytes each subscriber received: every message frame has the same
//! size), and, given the server's pid, the server's CPU seconds in the window, so servers
//! can be compared per CPU second. The exit status is 1 when a subscriber saw something
//! other than whole message frames, or when fewer messages arrived than were published
//! times subscribers after the publisher stopped (a server that loses messages).

#[path = "../loadgen/stats.rs"]
#[allow(dead_code)]
mod stats;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHANNEL: &str = "fanout-bench";

#[derive(Parser, Debug)]
#[command(name = "memorabilia-fanout", version, about)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(short, long, default_value_t = 6379)]
    port: u16,
    /// Subscriber connections
    #[arg(short, long, default_value_t = 1)]
    subscribers: usize,
    /// PUBLISH commands in flight on the publisher's connection
    #[arg(short = 'P', long, default_value_t = 16)]
    pipeline: usize,
    /// Payload bytes per message
    #[arg(long, default_value_t = 16)]
    payload: usize,
    /// Measured seconds (after the warm-up)
    #[arg(short, long, default_value_t = 3.0)]
    duration: f64,
    /// Warm-up seconds, not measured
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Server process id, for its CPU seconds in the measured window
    #[arg(long)]
    server_pid: Option<u32>,
    /// One JSON line instead of text
    #[arg(long)]
    json: bool,
}

/// Bytes of one `message` frame as RESP2 subscribers receive it.
fn frame_len(payload: usize) -> u64 {
    let bulk = |n: usize| (format!("${n}\r\n").len() + n + 2) as u64;
    4 + bulk(7) + bulk(CHANNEL.len()) + bulk(payload)
}

fn command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Connects and subscribes; returns once the confirmation is read.
async fn subscriber(addr: &str) -> Result<TcpStream, String> {
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).ok();
    stream
        .write_all(&command(&[b"SUBSCRIBE", CHANNEL.as_bytes()]))
        .await
        .map_err(|e| e.to_string())?;
    let expected = format!(
        "*3\r\n$9\r\nsubscribe\r\n${}\r\n{CHANNEL}\r\n:1\r\n",
        CHANNEL.len()
    );
    let mut got = vec![0u8; expected.len()];
    stream
        .read_exact(&mut got)
        .await
        .map_err(|e| format!("subscribe confirmation: {e}"))?;
    if got != expected.as_bytes() {
        return Err(format!(
            "unexpected subscribe reply {:?}",
            String::from_utf8_lossy(&got)
        ));
    }
    Ok(stream)
}

/// Counts bytes received until `stop`, adding them to `received` as they come.
async fn count_bytes(mut stream: TcpStream, received: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(n)) => {
                received.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(_) => {}
        }
    }
}

/// Reads `n` integer replies (`:<receivers>\r\n`) from the publisher's connection.
async fn read_replies(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    mut n: usize,
) -> Result<(), String> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        while n > 0 {
            let Some(eol) = buf.iter().position(|&b| b == b'\n') else {
                break;
            };
            if buf[0] != b':' {
                return Err(format!(
                    "PUBLISH answered {:?}",
                    String::from_utf8_lossy(&buf[..eol])
                ));
            }
            buf.drain(..=eol);
            n -= 1;
        }
        if n == 0 {
            return Ok(());
        }
        let read = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("publisher connection closed".into());
        }
        buf.extend_from_slice(&chunk[..read]);
    }
}

struct Outcome {
    published: u64,
    delivered: u64,
    seconds: f64,
    server_cpu: Option<f64>,
    lost: u64,
}

async fn run(cli: &Cli) -> Result<Outcome, String> {
    let addr = format!("{}:{}", cli.host, cli.port);
    let received = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::with_capacity(cli.subscribers);
    for _ in 0..cli.subscribers {
        let stream = subscriber(&addr).await?;
        readers.push(tokio::spawn(count_bytes(
            stream,
            received.clone(),
            stop.clone(),
        )));
    }
    let mut publisher = TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    publisher.set_nodelay(true).ok();
    let payload = vec![b'x'; cli.payload];
    let batch: Vec<u8> = (0..cli.pipeline)
        .flat_map(|_| command(&[b"PUBLISH", CHANNEL.as_bytes(), &payload]))
        .collect();
    let frame = frame_len(cli.payload);
    let started = Instant::now();
    let window_start = started + Duration::from_secs_f64(cli.warmup);
    let window_end = window_start + Duration::from_secs_f64(cli.duration);
    let mut buf = Vec::new();
    let mut published = 0u64;
    let mut total_published = 0u64;
    let mut at_start = None;
    loop {
        let now = Instant::now();
        if now >= window_end {
            break;
        }
        if now >= window_start && at_start.is_none() {
            at_start = Some((
                now,
                received.load(Ordering::Relaxed),
                cli.server_pid.and_then(stats::cpu_seconds),
            ));
        }
        publisher
            .write_all(&batch)
            .await
            .map_err(|e| e.to_string())?;
        read_replies(&mut publisher, &mut buf, cli.pipeline).await?;
        total_published += cli.pipeline as u64;
        if at_start.is_some() {
            published += cli.pipeline as u64;
        }
    }
    let end = Instant::now();
    let received_at_end = received.load(Ordering::Relaxed);
    let cpu_end = cli.server_pid.and_then(stats::cpu_seconds);
    let (start, received_at_start, cpu_start) =
        at_start.ok_or("the window never started (duration too short?)")?;
    // Let the subscribers catch up, then check that nothing was lost.
    let expected = total_published * cli.subscribers as u64 * frame;
    let deadline = Instant::now() + Duration::from_secs(30);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.await.ok();
    }
    let total_received = received.load(Ordering::Relaxed);
    if !total_received.is_multiple_of(frame) || total_received > expected {
        return Err(format!(
            "subscribers received {total_received} bytes: not whole frames of {frame} bytes \
             for {total_published} messages"
        ));
    }
    Ok(Outcome {
        published,
        delivered: (received_at_end - received_at_start) / frame,
        seconds: (end - start).as_secs_f64(),
        server_cpu: cpu_start.zip(cpu_end).map(|(a, b)| b - a),
        lost: (expected - total_received) / frame,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(&cli)) {
        Ok(o) => {
            let published = o.published as f64 / o.seconds;
            let delivered = o.delivered as f64 / o.seconds;
            let per_cpu = o
                .server_cpu
                .filter(|c| *c > 0.0)
                .map(|c| o.delivered as f64 / c);
            if cli.json {
                println!(
                    "{{\"subscribers\":{},\"pipeline\":{},\"payload\":{},\"published_per_sec\":{published:.1},\"delivered_per_sec\":{delivered:.1},\"server_cpu_seconds\":{},\"delivered_per_cpu_sec\":{},\"seconds\":{:.3},\"lost\":{}}}",
                    cli.subscribers,
                    cli.pipeline,
                    cli.payload,
                    o.server_cpu.map_or("null".into(), |c| format!("{c:.3}")),
                    per_cpu.map_or("null".into(), |c| format!("{c:.1}")),
                    o.seconds,
                    o.lost,
                );
            } else {
                println!(
                    "{} subscribers, -P {}, {}-byte payloads: {published:.0} published/s, \
                     {delivered:.0} delivered/s{}{}",
                    cli.subscribers,
                    cli.pipeline,
                    cli.payload,
                    per_cpu.map_or(String::new(), |c| format!(
                        ", {c:.0} delivered per server CPU-s"
                    )),
                    if o.lost > 0 {
                        format!(", {} LOST", o.lost)
                    } else {
                        String::new()
                    },
                );
            }
            if o.lost > 0 || o.published == 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("memorabilia-fanout: {e}");
            ExitCode::FAILURE
        }
    }
}
