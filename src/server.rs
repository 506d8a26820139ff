//! Owns the server's lifetime: builds the shared state, binds the listeners, runs the
//! background cron (active expiry, statistics), and shuts everything down along one path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::ServerState;
use crate::{grpc, resp};

/// A started server.
pub struct RunningServer {
    pub state: Arc<ServerState>,
    /// `None` when plaintext RESP is off (`port 0`).
    pub resp_addr: Option<SocketAddr>,
    /// The RESP TLS listener (`tls-port`), if any.
    pub tls_addr: Option<SocketAddr>,
    /// `None` when gRPC is disabled (`grpc-port 0`).
    pub grpc_addr: Option<SocketAddr>,
    /// The gRPC TLS listener (`grpc-tls-port`), if any.
    pub grpc_tls_addr: Option<SocketAddr>,
    /// The Prometheus scrape endpoint (`metrics-port`), if any.
    pub metrics_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

/// Bound sockets to serve on; each is optional (a port of 0 in the configuration).
#[derive(Default)]
pub struct Listeners {
    pub resp: Option<TcpListener>,
    pub tls: Option<TcpListener>,
    pub grpc: Option<TcpListener>,
    pub grpc_tls: Option<TcpListener>,
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds the listeners the configuration asks for.
    pub async fn bind(config: &Config) -> std::io::Result<Listeners> {
        async fn bind(addr: &str, port: u16) -> std::io::Result<Option<TcpListener>> {
            match port {
                0 => Ok(None),
                port => TcpListener::bind((addr, port)).await.map(Some),
            }
        }
        Ok(Listeners {
            resp: bind(&config.bind, config.port).await?,
            tls: bind(&config.bind, config.tls_port).await?,
            grpc: bind(&config.grpc_bind, config.grpc_port).await?,
            grpc_tls: bind(&config.grpc_bind, config.grpc_tls_port).await?,
            metrics: bind(&config.metrics_bind, config.metrics_port).await?,
        })
    }
}

impl RunningServer {
    /// Asks every listener and connection to stop.
    pub fn shutdown(&self) {
        // A running script stops at its next check rather than hold the exit up.
        self.state.scripts.shut_down();
        self.state.shutdown.cancel();
    }

    /// Waits until the server has stopped (after [`RunningServer::shutdown`], a `SHUTDOWN`
    /// command or a signal handled by [`run`]).
    pub async fn wait(self) {
        for task in self.tasks {
            let _ = task.await;
        }
        // Everything logged reaches the disk before the process may exit.
        self.state.aof.stop();
    }
}

/// Binds the listeners and starts serving in the background.
pub async fn start(config: Config) -> std::io::Result<RunningServer> {
    let listeners = Listeners::bind(&config).await?;
    start_on(config, listeners)
}

/// Starts serving on already bound listeners (tests bind port 0 themselves).
pub fn start_on(config: Config, listeners: Listeners) -> std::io::Result<RunningServer> {
    let addr = |l: &Option<TcpListener>| l.as_ref().map(|l| l.local_addr()).transpose();
    let (resp_addr, tls_addr) = (addr(&listeners.resp)?, addr(&listeners.tls)?);
    let (grpc_addr, grpc_tls_addr) = (addr(&listeners.grpc)?, addr(&listeners.grpc_tls)?);
    let metrics_addr = addr(&listeners.metrics)?;
    // TLS files are read before anything is served: a bad one stops the start.
    let resp_tls = match &listeners.tls {
        Some(_) => Some(crate::tls::server_config(&config).map_err(std::io::Error::other)?),
        None => None,
    };
    let grpc_tls = match &listeners.grpc_tls {
        Some(_) => Some(crate::tls::grpc_config(&config).map_err(std::io::Error::other)?),
        None => None,
    };
    let state = ServerState::new(config);
    state.load_acl_at_startup().map_err(std::io::Error::other)?;
    if let Err(error) = crate::scripting::engine::prepare(&state) {
        tracing::warn!("Lua interpreters not built at start-up: {error}");
    }
    crate::memory::mark_startup();
    // Redis refuses to start on a file it cannot load rather than serve without its data.
    if let Err(error) = crate::persist::load::load_at_startup(&state) {
        let path = crate::persist::save::rdb_path(&state);
        return Err(std::io::Error::other(format!(
            "Fatal error loading the DB ({}): {error}. Exiting.",
            path.display()
        )));
    }
    if let Some(addr) = resp_addr.or(tls_addr) {
        state.resp_port.store(addr.port() as u64, Ordering::Relaxed);
    }
    crate::persist::rewrite::spawn_ticker(&state);
    let mut tasks = vec![
        tokio::spawn(cron(state.clone())),
        tokio::spawn(crate::maxmemory::background(state.clone())),
    ];
    if let Some(listener) = listeners.resp {
        tasks.push(tokio::spawn(resp::serve(listener, state.clone(), None)));
    }
    if let Some(listener) = listeners.tls {
        let acceptor = resp_tls.map(tokio_rustls::TlsAcceptor::from);
        tasks.push(tokio::spawn(resp::serve(listener, state.clone(), acceptor)));
    }
    if let Some(listener) = listeners.grpc {
        tasks.push(tokio::spawn(grpc::serve(listener, state.clone(), None)));
    }
    if let Some(listener) = listeners.grpc_tls {
        tasks.push(tokio::spawn(grpc::serve(listener, state.clone(), grpc_tls)));
    }
    if let Some(listener) = listeners.metrics {
        let _ = state.metrics.set(crate::metrics::Metrics::new());
        tasks.push(tokio::spawn(crate::metrics::serve(listener, state.clone())));
    }
    Ok(RunningServer {
        state,
        resp_addr,
        tls_addr,
        grpc_addr,
        grpc_tls_addr,
        metrics_addr,
        tasks,
    })
}

/// Runs a server until SIGINT, SIGTERM or `SHUTDOWN`.
pub async fn run(config: Config) -> std::io::Result<()> {
    let server = start(config).await?;
    let listening: Vec<String> = [
        ("RESP", server.resp_addr),
        ("RESP over TLS", server.tls_addr),
        ("gRPC", server.grpc_addr),
        ("gRPC over TLS", server.grpc_tls_addr),
        ("metrics", server.metrics_addr),
    ]
    .iter()
    .filter_map(|(what, addr)| addr.map(|a| format!("{what} on {a}")))
    .collect();
    tracing::info!("Ready to accept connections: {}", listening.join(", "));
    let state = server.state.clone();
    loop {
        tokio::select! {
            _ = state.shutdown.cancelled() => break,
            _ = shutdown_signal() => {
                tracing::info!("Received shutdown signal, scheduling shutdown...");
                // With save points set, the data is saved first; if that fails the server
                // keeps running, as Redis does ("Error trying to save the DB, can't exit").
                if !state.config.read().save_points().is_empty() {
                    let saver = state.clone();
                    let saved = tokio::task::spawn_blocking(move || {
                        crate::persist::save::save_for_shutdown(&saver)
                    })
                    .await;
                    if !matches!(saved, Ok(Ok(()))) {
                        tracing::warn!("Error trying to save the DB, can't exit.");
                        continue;
                    }
                }
                server.shutdown();
                break;
            }
        }
    }
    server.wait().await;
    tracing::info!("Memorabilia is now ready to exit, bye bye...");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// The periodic background work, `hz` times a second: active expiry (given up to a
/// quarter of each period, like Redis), memory given back after large frees (the key
/// tables of an emptied store, then the allocator's free pages), and the ops/sec sample.
async fn cron(state: Arc<ServerState>) {
    let mut last_commands = state.stats.commands.total_calls();
    let net = |s: &ServerState| {
        (
            s.stats.net.total_net_input_bytes.load(Ordering::Relaxed),
            s.stats.net.total_net_output_bytes.load(Ordering::Relaxed),
        )
    };
    let mut last_net = net(&state);
    let mut last_sample = std::time::Instant::now();
    loop {
        let hz = state.config.read().hz.max(1);
        let period = Duration::from_millis(1000 / hz);
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(period) => {}
        }
        // The cycle takes segment locks and may run for milliseconds: keep it off the
        // workers that serve clients.
        // Then freed memory goes back to the system once deleted values are reclaimed (a
        // few periods after a flush; the trim walks the heap, so it runs here too).
        let expiry_state = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            expiry_state.store.active_expire_cycle(period / 4);
            // Redis's `expire-cycle` latency event: the cycle's own duration.
            let elapsed_ms = started.elapsed().as_millis() as u64;
            expiry_state.latency.consider("expire-cycle", elapsed_ms);
            // An emptied store gives its key tables back (FLUSHALL, DEL of every key).
            expiry_state.store.renew_tables_if_emptied();
            crate::memory::give_back();
        })
        .await;
        crate::persist::save::cron(&state);
        crate::persist::rewrite::cron(&state);
        crate::memory::sample_peak();
        let now = std::time::Instant::now();
        let elapsed = now.duration_since(last_sample).as_secs_f64();
        if elapsed >= 1.0 {
            let commands = state.stats.commands.total_calls();
            let rate = commands.saturating_sub(last_commands) as f64 / elapsed;
            state
                .stats
                .instantaneous_ops_per_sec
                .store(rate as u64, Ordering::Relaxed);
            last_commands = commands;
            let (input, output) = net(&state);
            let kbps = |now: u64, before: u64| {
                (now.saturating_sub(before) as f64 / elapsed / 1024.0).to_bits()
            };
            let stats = &state.stats;
            stats
                .instantaneous_input_kbps
                .store(kbps(input, last_net.0), Ordering::Relaxed);
            stats
                .instantaneous_output_kbps
                .store(kbps(output, last_net.1), Ordering::Relaxed);
            last_net = (input, output);
            last_sample = now;
            if let Some(metrics) = state.metrics.get() {
                metrics.upkeep();
            }
        }
    }
}
