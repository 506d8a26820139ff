//! The `memorabilia` server binary: parses the configuration and runs the server until a
//! shutdown signal or `SHUTDOWN`.

use std::path::PathBuf;
use std::process::ExitCode;

use std::ffi::OsString;

use clap::{CommandFactory, Parser};
use memorabilia::config::Config;

/// A fast in-memory key-value server speaking the Redis protocol.
#[derive(Parser, Debug)]
#[command(
    version,
    about,
    after_help = "Any other setting of the config file is taken as `--name value` too, as \
                  redis-server takes them (e.g. --requirepass secret --tls-port 6380)."
)]
struct Cli {
    /// Address to listen on for RESP clients [default: 127.0.0.1]
    #[arg(long)]
    bind: Option<String>,
    /// RESP port; 0 serves no plaintext RESP (a TLS port then) [default: 6379]
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on for gRPC clients [default: 127.0.0.1]
    #[arg(long)]
    grpc_bind: Option<String>,
    /// gRPC port; 0 disables gRPC [default: 50051]
    #[arg(long)]
    grpc_port: Option<u16>,
    /// Number of databases [default: 16]
    #[arg(long)]
    databases: Option<usize>,
    /// Log level: debug, verbose, notice, warning or nothing [default: notice]
    #[arg(long)]
    loglevel: Option<String>,
    /// Directory of the RDB file [default: the working directory]
    #[arg(long)]
    dir: Option<String>,
    /// RDB file name inside --dir [default: dump.rdb]
    #[arg(long)]
    dbfilename: Option<String>,
    /// RDB save points, "seconds changes ..."; "" saves only on SAVE/BGSAVE
    /// [default: "3600 1 300 100 60 10000"]
    #[arg(long)]
    save: Option<String>,
    /// Keep the append-only file in --dir: yes or no [default: no]
    #[arg(long)]
    appendonly: Option<String>,
    /// When the append-only file is synced: always, everysec or no [default: everysec]
    #[arg(long)]
    appendfsync: Option<String>,
    /// A redis.conf-style file of `name value` lines; command-line flags override it
    #[arg(long)]
    config: Option<PathBuf>,
}

fn build_config(cli: &Cli, settings: &[(String, String)]) -> Result<Config, String> {
    let mut config = Config::default();
    if let Some(path) = &cli.config {
        config.load_file(path)?;
    }
    for (name, value) in settings {
        config.apply(name, value)?;
    }
    let flags = [
        ("bind", cli.bind.clone()),
        ("port", cli.port.map(|p| p.to_string())),
        ("grpc-bind", cli.grpc_bind.clone()),
        ("grpc-port", cli.grpc_port.map(|p| p.to_string())),
        ("databases", cli.databases.map(|d| d.to_string())),
        ("loglevel", cli.loglevel.clone()),
        ("dir", cli.dir.clone()),
        ("dbfilename", cli.dbfilename.clone()),
        ("save", cli.save.clone()),
        ("appendonly", cli.appendonly.clone()),
        ("appendfsync", cli.appendfsync.clone()),
    ];
    for (name, value) in flags {
        if let Some(value) = value {
            config.apply(name, &value)?;
        }
    }
    Ok(config)
}

fn tracing_filter(loglevel: &str) -> &'static str {
    match loglevel {
        "debug" => "debug",
        "verbose" => "info",
        "notice" => "info",
        "warning" => "warn",
        _ => "off",
    }
}

/// Configuration settings given as `--name value` on the command line.
type Settings = Vec<(String, String)>;

/// Takes the `--name value` pairs that name configuration parameters clap does not know
/// out of `args`, as redis-server accepts any setting on its command line.
fn split_settings(args: Vec<OsString>) -> Result<(Vec<OsString>, Settings), String> {
    let command = Cli::command();
    let known: Vec<&str> = command
        .get_arguments()
        .filter_map(|a| a.get_long())
        .collect();
    let mut kept = Vec::with_capacity(args.len());
    let mut settings = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let name = arg
            .to_str()
            .and_then(|a| a.strip_prefix("--"))
            .filter(|name| !known.contains(name) && memorabilia::config::param(name).is_some());
        match name {
            Some(name) => {
                let value = args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("--{name} needs a value"))?;
                settings.push((name.to_string(), value));
            }
            None => kept.push(arg),
        }
    }
    Ok((kept, settings))
}

fn main() -> ExitCode {
    let (args, settings) = match split_settings(std::env::args_os().collect()) {
        Ok(split) => split,
        Err(e) => {
            eprintln!("memorabilia: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::parse_from(args);
    let config = match build_config(&cli, &settings) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("memorabilia: {e}");
            return ExitCode::FAILURE;
        }
    };
    // RUST_LOG, when set, wins over `loglevel`; otherwise CONFIG SET loglevel swaps the
    // filter of the running process.
    use tracing_subscriber::prelude::*;
    let from_env = tracing_subscriber::EnvFilter::try_from_default_env().ok();
    let follows_loglevel = from_env.is_none();
    let filter = from_env
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new(tracing_filter(&config.loglevel)));
    let (filter, reload) = tracing_subscriber::reload::Layer::new(filter);
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer())
        .init();
    if follows_loglevel {
        let _ = memorabilia::config::LOG_LEVEL_HOOK.set(Box::new(move |level: &str| {
            let _ = reload.reload(tracing_subscriber::EnvFilter::new(tracing_filter(level)));
        }));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Fairness under many connections: a worker's run queue holds 256 tasks, so with
        // hundreds of ready connections most wake-ups overflow into the shared queue, which
        // by default a worker only looks at every few dozen polls; those clients then wait
        // 100+ ms (p99 124 ms at 1,000 connections, where redis-server serves everyone in
        // turn at 12 ms). Taking from it every other poll brings p99 to 14 ms, for 2-3% of
        // throughput at 50 connections (BENCHMARKS.md, "Connections").
        .global_queue_interval(2)
        .build()
        .expect("build the tokio runtime");
    match runtime.block_on(memorabilia::server::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server failed: {e}");
            eprintln!("memorabilia: {e}");
            ExitCode::FAILURE
        }
    }
}
