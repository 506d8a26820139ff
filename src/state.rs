//! Server-wide state that commands may see beyond the store: the live configuration, the
//! registry of connected clients, statistics and the shutdown signal. Both front ends share
//! one [`ServerState`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;

use crate::blocking::Blocking;
use crate::commands::{Command, Protocol};
use crate::config::Config;
use crate::store::{Store, unix_time_ms};

/// Everything the command layer can reach.
pub struct ServerState {
    pub store: Store,
    /// The live configuration. Writers call [`ServerState::config_changed`] afterwards so
    /// hot paths that cache settings (each connection's limits) pick the change up.
    pub config: RwLock<Config>,
    config_epoch: AtomicU64,
    pub clients: Clients,
    /// Clients blocked on keys (BLPOP and the other blocking commands).
    pub blocking: Arc<Blocking>,
    pub stats: ServerStats,
    /// Cancelled once to stop both listeners and every connection.
    pub shutdown: CancellationToken,
    pub started: Instant,
    /// Random 40-hex-digit id of this server run (`INFO run_id`).
    pub run_id: String,
    /// Ports actually bound (port 0 in the config picks a free one), for `INFO`.
    pub resp_port: AtomicU64,
}

impl ServerState {
    pub fn new(config: Config) -> Arc<ServerState> {
        let run_id = (0..40)
            .map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap())
            .collect();
        Arc::new(ServerState {
            store: Store::new(config.databases),
            resp_port: AtomicU64::new(config.port as u64),
            config: RwLock::new(config),
            config_epoch: AtomicU64::new(0),
            clients: Clients::default(),
            blocking: Arc::default(),
            stats: ServerStats::default(),
            shutdown: CancellationToken::new(),
            started: Instant::now(),
            run_id,
        })
    }
}

impl ServerState {
    /// Marks the configuration as changed.
    pub fn config_changed(&self) {
        self.config_epoch.fetch_add(1, Ordering::Release);
    }

    /// A number that changes whenever the configuration does: one relaxed load lets a hot
    /// path know whether its cached settings are still current.
    pub fn config_epoch(&self) -> u64 {
        self.config_epoch.load(Ordering::Acquire)
    }
}

/// Counters for `INFO stats`, reset by `CONFIG RESETSTAT`.
#[derive(Debug, Default)]
pub struct ServerStats {
    pub total_connections_received: AtomicU64,
    pub total_commands_processed: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub total_net_input_bytes: AtomicU64,
    pub total_net_output_bytes: AtomicU64,
    /// Commands per second, sampled by the server's background task.
    pub instantaneous_ops_per_sec: AtomicU64,
}

impl ServerStats {
    pub fn reset(&self) {
        for counter in [
            &self.total_connections_received,
            &self.total_commands_processed,
            &self.rejected_connections,
            &self.total_net_input_bytes,
            &self.total_net_output_bytes,
            &self.instantaneous_ops_per_sec,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

/// Which front end a client came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    Resp,
    Grpc,
}

/// What the server knows about one client, visible to `CLIENT LIST` from other clients.
/// Fields that change on every command are atomics, so the owning connection never waits.
pub struct ClientInfo {
    pub id: u64,
    pub kind: ClientKind,
    pub addr: String,
    pub laddr: String,
    pub created: Instant,
    pub name: Mutex<Bytes>,
    pub lib_name: Mutex<Bytes>,
    pub lib_ver: Mutex<Bytes>,
    /// The socket's file descriptor for `CLIENT LIST`; -1 for clients without one.
    fd: AtomicI64,
    db: AtomicUsize,
    resp: AtomicU8,
    last_interaction_ms: AtomicU64,
    last_command: AtomicPtr<Command>,
    /// Cancelled by `CLIENT KILL`; the connection closes when it sees it.
    pub kill: CancellationToken,
}

impl ClientInfo {
    pub fn fd(&self) -> i64 {
        self.fd.load(Ordering::Relaxed)
    }

    pub fn set_fd(&self, fd: i64) {
        self.fd.store(fd, Ordering::Relaxed);
    }

    pub fn db(&self) -> usize {
        self.db.load(Ordering::Relaxed)
    }

    pub fn set_db(&self, db: usize) {
        self.db.store(db, Ordering::Relaxed);
    }

    pub fn protocol(&self) -> i64 {
        self.resp.load(Ordering::Relaxed) as i64
    }

    pub fn set_protocol(&self, protocol: Protocol) {
        self.resp.store(protocol.version() as u8, Ordering::Relaxed);
    }

    /// Records the command a client is running, for `CLIENT LIST`'s `cmd`.
    pub fn note_command(&self, command: &'static Command) {
        self.last_command
            .store(command as *const Command as *mut Command, Ordering::Relaxed);
    }

    /// Records that the client sent something now, for `CLIENT LIST`'s `idle`. Front ends
    /// call it once per batch of commands: a clock read per command costs more than the
    /// second-resolution `idle` needs.
    pub fn note_interaction(&self) {
        self.last_interaction_ms
            .store(unix_time_ms(), Ordering::Relaxed);
    }

    pub fn last_command(&self) -> Option<&'static Command> {
        let ptr = self.last_command.load(Ordering::Relaxed);
        // Safety: only ever set from `&'static Command` in `note_command`.
        unsafe { ptr.as_ref() }
    }

    pub fn idle_secs(&self) -> u64 {
        unix_time_ms().saturating_sub(self.last_interaction_ms.load(Ordering::Relaxed)) / 1000
    }
}

/// The registry of connected clients, ordered by id.
#[derive(Default)]
pub struct Clients {
    next_id: AtomicU64,
    connected: Mutex<BTreeMap<u64, Arc<ClientInfo>>>,
}

impl Clients {
    /// Registers a new client; it stays listed until [`Clients::unregister`].
    pub fn register(&self, kind: ClientKind, addr: String, laddr: String) -> Arc<ClientInfo> {
        let info = self.unlisted(kind, addr, laddr);
        self.connected.lock().insert(info.id, info.clone());
        info
    }

    /// A client with its own id that `CLIENT LIST` does not show: callers without a
    /// connection of their own (gRPC unary calls).
    pub fn unlisted(&self, kind: ClientKind, addr: String, laddr: String) -> Arc<ClientInfo> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(ClientInfo {
            id,
            kind,
            addr,
            laddr,
            created: Instant::now(),
            name: Mutex::new(Bytes::new()),
            lib_name: Mutex::new(Bytes::new()),
            lib_ver: Mutex::new(Bytes::new()),
            fd: AtomicI64::new(-1),
            db: AtomicUsize::new(0),
            resp: AtomicU8::new(2),
            last_interaction_ms: AtomicU64::new(unix_time_ms()),
            last_command: AtomicPtr::new(std::ptr::null_mut()),
            kill: CancellationToken::new(),
        })
    }

    pub fn unregister(&self, id: u64) {
        self.connected.lock().remove(&id);
    }

    /// A snapshot of the connected clients, ordered by id.
    pub fn list(&self) -> Vec<Arc<ClientInfo>> {
        self.connected.lock().values().cloned().collect()
    }

    pub fn count(&self) -> usize {
        self.connected.lock().len()
    }

    /// A client of no server at all, for unit tests that run commands directly.
    pub fn detached(kind: ClientKind) -> Arc<ClientInfo> {
        Clients::default().unlisted(kind, String::new(), String::new())
    }
}
