//! The `memorabilia` server binary: parses the configuration and runs the server until a
//! shutdown signal or `SHUTDOWN`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use memorabilia::config::Config;

/// A fast in-memory key-value server speaking the Redis protocol.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Address to listen on for RESP clients [default: 127.0.0.1]
    #[arg(long)]
    bind: Option<String>,
    /// RESP port; 0 picks a free one [default: 6379]
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

fn build_config(cli: &Cli) -> Result<Config, String> {
    let mut config = Config::default();
    if let Some(path) = &cli.config {
        config.load_file(path)?;
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match build_config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("memorabilia: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_filter(&config.loglevel).into()),
        )
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
