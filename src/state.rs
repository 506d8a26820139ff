//! Server-wide state that commands may see beyond the store: the live configuration, the
//! registry of connected clients, blocked clients and watched keys, statistics and the
//! shutdown signal. Both front ends share one [`ServerState`].

use crate::scripting::Scripts;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;

use crate::blocking::Blocking;
use crate::commands::Protocol;
use crate::config::Config;
use crate::exec::stats::{CommandStats, ErrorStats};
use crate::feed::Feeds;
use crate::monitor::Monitors;
use crate::notify::Notifier;
use crate::persist::Persistence;
use crate::pubsub::{Outbox, PubSub, Subscriptions};
use crate::store::{Effect, Event, Observer, Store, unix_time_ms};
use crate::tracking::{ClientTracking, Tracking};
use crate::watch::Watches;

/// Everything the command layer can reach.
pub struct ServerState {
    pub store: Store,
    /// The live configuration. Writers call [`ServerState::config_changed`] afterwards so
    /// hot paths that cache settings (each connection's limits) pick the change up.
    pub config: RwLock<Config>,
    config_epoch: AtomicU64,
    pub clients: Arc<Clients>,
    /// Clients blocked on keys (BLPOP and the other blocking commands).
    pub blocking: Arc<Blocking<ServerState>>,
    /// Keys clients `WATCH`.
    pub watches: Arc<Watches>,
    /// Channels and patterns clients subscribe to.
    pub pubsub: Arc<PubSub>,
    /// Publishes keyspace notifications (`notify-keyspace-events`).
    pub notifier: Arc<Notifier>,
    /// Client-side caching: who may cache which keys (`CLIENT TRACKING`).
    pub tracking: Arc<Tracking>,
    /// Clients in `MONITOR` mode.
    pub monitors: Monitors,
    /// Change feeds of the gRPC `Watch` RPC.
    pub feeds: Arc<Feeds>,
    /// Lua scripts: the cache, the running script, `BUSY` and `SCRIPT KILL`.
    pub scripts: Scripts,
    /// Function libraries (`FUNCTION LOAD`, `FCALL`).
    pub functions: crate::scripting::functions::Functions,
    pub stats: ServerStats,
    /// Users, authentication and the ACL log.
    pub acl: crate::acl::Acl,
    /// `maxmemory` and its background evictor.
    pub memory: crate::maxmemory::MemoryLimit,
    /// SLOWLOG's entries and settings.
    pub slowlog: crate::slowlog::SlowLog,
    /// The latency monitor (LATENCY).
    pub latency: crate::latency::LatencyMonitor,
    /// `proto-max-bulk-len` as gRPC calls read it (each call's message limit follows it).
    pub grpc_max_bulk_len: AtomicU64,
    /// Prometheus metrics, set when a metrics listener is served (`metrics-port`).
    pub metrics: std::sync::OnceLock<crate::metrics::Metrics>,
    /// Cancelled once to stop both listeners and every connection.
    pub shutdown: CancellationToken,
    pub started: Instant,
    /// Random 40-hex-digit id of this server run (`INFO run_id`).
    pub run_id: String,
    /// Ports actually bound (port 0 in the config picks a free one), for `INFO`.
    pub resp_port: AtomicU64,
    /// RDB snapshots: changes since the last save, the running save, its outcome.
    pub persistence: Arc<Persistence>,
    /// The append-only file.
    pub aof: Arc<crate::persist::aof::Aof>,
    /// Switches `DEBUG` sets for tests (checksum validation, script denials, ...).
    pub debug: crate::commands::debug::DebugSwitches,
    /// This state's own `Arc`, for work that outlives a command (a BGSAVE thread).
    me: Weak<ServerState>,
}

impl ServerState {
    pub fn new(config: Config) -> Arc<ServerState> {
        // Calibrating the clock takes milliseconds; better now than in a client's command.
        crate::store::clock::calibrate();
        let run_id = (0..40)
            .map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap())
            .collect();
        let store = Store::new(config.databases);
        let blocking: Arc<Blocking<ServerState>> = Arc::default();
        let watches: Arc<Watches> = Arc::default();
        let pubsub: Arc<PubSub> = Arc::default();
        let limits = &config.client_output_buffer_limit;
        pubsub.set_limits(limits.pubsub, limits.normal);
        let notifier = Arc::new(Notifier::new(pubsub.clone(), config.notify_keyspace_events));
        let clients: Arc<Clients> = Arc::default();
        let tracking = Arc::new(Tracking::new(clients.clone(), pubsub.clone()));
        let feeds: Arc<Feeds> = Arc::default();
        let persistence: Arc<Persistence> = Arc::default();
        let aof: Arc<crate::persist::aof::Aof> = Arc::default();
        store.record_key_misses(config.notify_keyspace_events.wants_key_misses());
        store.set_observer(Arc::new(EffectObservers {
            blocking: blocking.clone(),
            watches: watches.clone(),
            notifier: notifier.clone(),
            tracking: tracking.clone(),
            feeds: feeds.clone(),
            pubsub: pubsub.clone(),
            persistence: persistence.clone(),
            aof: aof.clone(),
        }));
        let busy_reply_threshold = config.busy_reply_threshold;
        let lua_memory_limit = config.lua_memory_limit;
        let state = Arc::new_cyclic(|me| ServerState {
            store,
            resp_port: AtomicU64::new(config.port as u64),
            config: RwLock::new(config),
            config_epoch: AtomicU64::new(0),
            clients,
            blocking,
            watches,
            pubsub,
            notifier,
            tracking,
            monitors: Monitors::default(),
            feeds,
            scripts: Scripts::new(busy_reply_threshold, lua_memory_limit),
            functions: Default::default(),
            stats: ServerStats::new(crate::commands::all_routes().len()),
            acl: Default::default(),
            memory: Default::default(),
            slowlog: Default::default(),
            latency: Default::default(),
            grpc_max_bulk_len: AtomicU64::new(0),
            metrics: std::sync::OnceLock::new(),
            shutdown: CancellationToken::new(),
            started: Instant::now(),
            run_id,
            persistence,
            aof,
            debug: Default::default(),
            me: me.clone(),
        });
        // Hands the settings kept outside the config (persistence's MISCONF rule) theirs.
        state.config_changed();
        state
    }

    /// This state as an `Arc` (it is only ever built inside one).
    pub fn arc(&self) -> Arc<ServerState> {
        self.me.upgrade().expect("the server state lives in an Arc")
    }
}

/// Who learns of every change to the keyspace (see [`crate::store::effects`]): clients
/// watching the key, clients blocked on it, and subscribers of keyspace notifications.
struct EffectObservers {
    blocking: Arc<Blocking<ServerState>>,
    watches: Arc<Watches>,
    notifier: Arc<Notifier>,
    tracking: Arc<Tracking>,
    feeds: Arc<Feeds>,
    pubsub: Arc<PubSub>,
    persistence: Arc<Persistence>,
    aof: Arc<crate::persist::aof::Aof>,
}

impl Observer for EffectObservers {
    fn observe(&self, store: &Store, effects: &[Effect], generation: u64) {
        let notify = self.notifier.active();
        let mut changes = 0;
        for effect in effects {
            match effect {
                Effect::Key { db, key, event } => {
                    if notify {
                        self.notifier.notify(*db, key, *event);
                    }
                    if !event.changes() {
                        continue;
                    }
                    // Redis's `dbAdd` leaves `server.dirty` to the command, whose own event
                    // follows (or, in BITFIELD's failed writes, never comes).
                    if *event != Event::New {
                        changes += 1;
                    }
                    // A key found expired (or evicted) is deleted in the log too, as Redis
                    // propagates it, before whatever the command that found it does.
                    if event.by_server() && self.aof.active() {
                        let del = vec![Bytes::from_static(b"DEL"), Bytes::copy_from_slice(key)];
                        self.aof.append(generation, &[(*db, del)]);
                    }
                    if event.modifies() {
                        self.watches.touch(*db, key, event.deletes());
                    }
                    // Deletions too: a blocked XREADGROUP learns its stream is gone.
                    if event.readies() {
                        self.blocking.signal_ready(*db, key);
                    }
                }
                Effect::Flushed { db } => {
                    changes += 1;
                    self.watches.flushed(*db);
                    self.blocking.signal_db(*db);
                }
                Effect::Swapped { a, b } => {
                    changes += 1;
                    self.watches
                        .swapped(*a, *b, |db, key| store.observe_presence(db, key));
                    // Clients blocked on keys the other database holds may be served now.
                    self.blocking.signal_db(*a);
                    self.blocking.signal_db(*b);
                }
            }
        }
        if changes > 0 {
            self.persistence.changed(changes);
        }
        self.tracking.invalidate(effects);
        self.feeds.observe(store, &self.pubsub, effects);
    }
}

impl ServerState {
    /// Marks the configuration as changed, and hands the settings kept outside it their
    /// new values.
    pub fn config_changed(&self) {
        let config = self.config.read();
        let limits = &config.client_output_buffer_limit;
        self.pubsub.set_limits(limits.pubsub, limits.normal);
        let events = config.notify_keyspace_events;
        self.notifier.set(events);
        self.store.record_key_misses(events.wants_key_misses());
        self.scripts
            .configure(config.busy_reply_threshold, config.lua_memory_limit);
        self.persistence.configure(
            config.stop_writes_on_bgsave_error,
            !config.save_points().is_empty(),
        );
        if let Some(policy) = crate::persist::aof::Fsync::parse(&config.appendfsync) {
            self.aof.set_fsync(policy);
        }
        self.aof.set_paths(
            std::path::Path::new(&config.dir).join(&config.appenddirname),
            config.appendfilename.clone(),
        );
        self.acl.configure(
            usize::try_from(config.acllog_max_len).unwrap_or(usize::MAX),
            config.acl_pubsub_default_all,
        );
        self.store.configure_eviction(
            crate::store::Policy::parse(&config.maxmemory_policy)
                .unwrap_or(crate::store::Policy::NoEviction),
            config.maxmemory_samples as usize,
            u32::try_from(config.lfu_log_factor).unwrap_or(u32::MAX),
            u32::try_from(config.lfu_decay_time).unwrap_or(u32::MAX),
        );
        self.memory
            .configure(config.maxmemory, config.maxmemory_eviction_tenacity);
        self.grpc_max_bulk_len
            .store(config.proto_max_bulk_len, Ordering::Relaxed);
        self.store.encoding.set(config.encoding);
        self.slowlog
            .configure(config.slowlog_log_slower_than, config.slowlog_max_len);
        self.latency.configure(config.latency_monitor_threshold);
        self.stats
            .commands
            .set_latency_tracking(config.latency_tracking);
        drop(config);
        self.config_epoch.fetch_add(1, Ordering::Release);
    }

    /// Whether one more client (a connection or a gRPC stream) would pass `maxclients`;
    /// a refusal is counted in `rejected_connections`.
    pub fn refuse_client(&self) -> bool {
        let maxclients = self.config.read().maxclients;
        self.clients.refuse_another(maxclients, &self.stats)
    }

    /// A new connection on either front end: counted, then admitted unless the server
    /// already has `maxclients` clients.
    pub fn admit_connection(&self) -> bool {
        self.stats
            .total_connections_received
            .fetch_add(1, Ordering::Relaxed);
        !self.refuse_client()
    }

    /// Sets up the users at start-up (Redis's `ACLLoadUsersAtStartup`): `requirepass`,
    /// then the config file's `user` lines or the `aclfile`, never both.
    pub fn load_acl_at_startup(&self) -> std::result::Result<(), String> {
        let config = self.config.read().clone();
        if !config.requirepass.is_empty() {
            self.acl.set_default_password(config.requirepass.as_bytes());
        }
        if !config.aclfile.is_empty() && !config.users.is_empty() {
            return Err(
                "Configuring Redis with users defined in redis.conf and at the same \
                        setting an ACL file path is invalid. This setup is very likely to lead \
                        to configuration errors and security holes, please define either an \
                        ACL file or declare users directly in your redis.conf, but not both."
                    .into(),
            );
        }
        let lines: Vec<Vec<Bytes>> = config
            .users
            .iter()
            .map(|line| line.iter().map(|w| Bytes::from(w.clone())).collect())
            .collect();
        self.acl.load_config_users(&lines)?;
        if !config.aclfile.is_empty() {
            self.acl
                .load_file(std::path::Path::new(&config.aclfile))
                .map_err(|e| format!("Aborting Redis startup because of ACL errors: {e}"))?;
        }
        Ok(())
    }

    /// A number that changes whenever the configuration does: one relaxed load lets a hot
    /// path know whether its cached settings are still current.
    pub fn config_epoch(&self) -> u64 {
        self.config_epoch.load(Ordering::Acquire)
    }
}

/// Network counters every RESP read or write adds to, in one cache line: a read's second
/// count (`total_reads_processed`) then costs no other line than its byte count's.
#[repr(C, align(64))]
#[derive(Default)]
pub struct NetCounters {
    pub total_net_input_bytes: AtomicU64,
    /// Socket reads that returned bytes.
    pub total_reads_processed: AtomicU64,
    pub total_net_output_bytes: AtomicU64,
    /// Writes of a batch of replies (or pushes) to a socket.
    pub total_writes_processed: AtomicU64,
}

/// Counters for `INFO stats`, `commandstats` and `errorstats`, reset by `CONFIG
/// RESETSTAT`.
pub struct ServerStats {
    pub total_connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub net: NetCounters,
    /// Commands per second, sampled by the server's background task.
    pub instantaneous_ops_per_sec: AtomicU64,
    /// Network KB/s in and out (an `f64`'s bits), sampled with the commands per second.
    pub instantaneous_input_kbps: AtomicU64,
    pub instantaneous_output_kbps: AtomicU64,
    /// Per command; their calls add up to `total_commands_processed`.
    pub commands: CommandStats,
    pub errors: ErrorStats,
}

impl ServerStats {
    fn new(commands: usize) -> ServerStats {
        ServerStats {
            total_connections_received: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            net: NetCounters::default(),
            instantaneous_ops_per_sec: AtomicU64::new(0),
            instantaneous_input_kbps: AtomicU64::new(0),
            instantaneous_output_kbps: AtomicU64::new(0),
            commands: CommandStats::new(commands),
            errors: ErrorStats::default(),
        }
    }

    pub fn reset(&self) {
        self.commands.reset();
        self.errors.reset();
        for counter in [
            &self.total_connections_received,
            &self.rejected_connections,
            &self.net.total_net_input_bytes,
            &self.net.total_net_output_bytes,
            &self.net.total_reads_processed,
            &self.net.total_writes_processed,
            &self.instantaneous_ops_per_sec,
            &self.instantaneous_input_kbps,
            &self.instantaneous_output_kbps,
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
    /// Route id of the last command (`usize::MAX` before the first).
    last_command: AtomicUsize,
    /// Commands queued by an open `MULTI`, -1 outside one (`CLIENT LIST` `multi=`).
    multi: AtomicI64,
    /// Cancelled by `CLIENT KILL` (and when its output passes its limits); the connection
    /// closes when it sees it.
    pub kill: CancellationToken,
    /// What the client is subscribed to (see [`crate::pubsub`]).
    pub subscriptions: Mutex<Subscriptions>,
    /// `(channels, patterns, shard channels)` subscribed, readable without the lock: the
    /// execution path checks for subscribed mode on every command.
    subscription_counts: [AtomicUsize; 3],
    /// Pushes waiting to be written to the client (pub/sub messages and confirmations,
    /// invalidations, `MONITOR` lines).
    pub outbox: Outbox,
    /// Its client-side caching settings (see [`crate::tracking`]).
    pub tracking: Mutex<ClientTracking>,
    /// Whether tracking is on, readable without the lock on every command.
    tracking_on: AtomicBool,
    /// Set once the client may get pushes outside pub/sub (it tracks keys, is a tracking
    /// redirection target, or monitors): its front end then always watches its outbox.
    expects_pushes: AtomicBool,
    /// In `MONITOR` mode (kept by [`Monitors`]).
    monitoring: AtomicBool,
    /// The ACL user it runs as; `None` is the default user.
    user: parking_lot::RwLock<Option<Arc<crate::acl::UserHandle>>>,
    /// Whether it authenticated (or connected while the default user needed no password).
    authenticated: AtomicBool,
    /// Its buffers as its front end last published them (`CLIENT LIST` memory fields).
    buffers: ClientBuffers,
}

/// Buffer sizes a connection publishes for `CLIENT LIST` and `INFO`, read from other
/// threads. The front end stores a value only when it changed, so a client whose batches
/// leave nothing behind stores nothing (rule 5).
#[derive(Default)]
struct ClientBuffers {
    /// The query buffer after the last batch: unparsed bytes (low 32 bits) and free
    /// capacity (high 32 bits), each saturating.
    query: AtomicU64,
    /// The reply buffer: its capacity (low 32 bits) and the largest batch of replies it
    /// held since it was last shrunk (high 32 bits).
    reply: AtomicU64,
    /// Reply bytes a write that would block still holds (a client that does not read).
    stalled_output: AtomicU64,
    /// Argument bytes of the command the client is blocked in (0 when not blocked).
    blocked_argv: AtomicU64,
    /// What its open `MULTI` queue holds: argument bytes plus a pointer per argument, as
    /// Redis's `mstate.argv_len_sums` counts.
    multi: AtomicU64,
}

/// Packs two sizes into one word so one relaxed store publishes both.
fn pack(low: usize, high: usize) -> u64 {
    let sat = |n: usize| n.min(u32::MAX as usize) as u64;
    sat(low) | (sat(high) << 32)
}

fn unpack(word: u64) -> (u64, u64) {
    (word & u64::from(u32::MAX), word >> 32)
}

/// A client's memory as `CLIENT LIST` shows it (Redis's field names). Redis's reply has a
/// 16 KiB static buffer (`obl`) followed by a list of blocks (`oll`, `omem`); here the
/// reply bytes held past the first 16 KiB count as `omem` in 16 KiB blocks, and pushes
/// waiting in the outbox (pub/sub messages, invalidations) as one block each.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ClientMemory {
    /// `qbuf`: bytes read and not yet parsed into a command.
    pub query_buffer: u64,
    /// `qbuf-free`: the query buffer's free capacity.
    pub query_free: u64,
    /// `argv-mem`: argument bytes of the command it runs or is blocked in.
    pub argv: u64,
    /// `multi-mem`: what its queued `MULTI` commands hold.
    pub multi: u64,
    /// `rbs`: the reply buffer's capacity.
    pub reply_size: u64,
    /// `rbp`: the largest batch of replies since the reply buffer was last shrunk.
    pub reply_peak: u64,
    /// `obl`, `oll`, `omem`: replies waiting to be written (see above).
    pub output_buffer: u64,
    pub output_list: u64,
    pub output_memory: u64,
    /// `tot-mem`: all of the above, the buffers' capacities and the client's own record.
    pub total: u64,
}

impl ClientMemory {
    /// `tot-mem`, as Redis's `getClientMemoryUsage` adds it up: output, the query
    /// buffer's allocation, the client record, the reply buffer, arguments, `MULTI`.
    pub fn totalled(&self) -> u64 {
        self.output_memory
            + self.query_buffer
            + self.query_free
            + std::mem::size_of::<ClientInfo>() as u64
            + self.reply_size
            + self.argv
            + self.multi
    }
}

/// Argument bytes of a command (Redis's `argv_len_sum`).
pub fn argv_mem(argv: &[Bytes]) -> u64 {
    argv.iter().map(|a| a.len() as u64).sum()
}

/// Redis's static reply buffer size (`PROTO_REPLY_CHUNK_BYTES`).
const REPLY_CHUNK: u64 = 16 * 1024;

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

    /// Records the command a client is running (its route id), for `CLIENT LIST`'s `cmd`.
    pub fn note_command(&self, route: usize) {
        self.last_command.store(route, Ordering::Relaxed);
    }

    /// Records the length of the client's open `MULTI` queue (`None` outside `MULTI`).
    pub fn set_multi(&self, queued: Option<usize>) {
        self.multi
            .store(queued.map_or(-1, |n| n as i64), Ordering::Relaxed);
        if queued.is_none_or(|n| n == 0) {
            self.buffers.multi.store(0, Ordering::Relaxed);
        }
    }

    /// Adds a command queued by `MULTI` to `multi-mem`.
    pub fn note_queued(&self, argv: &[Bytes]) {
        self.buffers
            .multi
            .fetch_add(argv_mem(argv) + 8 * argv.len() as u64, Ordering::Relaxed);
    }

    /// Publishes the query buffer after a batch: `len` bytes unparsed, `free` spare.
    /// Returns the word stored, which the caller compares to skip unchanged stores.
    pub fn publish_query_buffer(&self, len: usize, free: usize, last: u64) -> u64 {
        let word = pack(len, free);
        if word != last {
            self.buffers.query.store(word, Ordering::Relaxed);
        }
        word
    }

    /// Publishes the reply buffer's capacity and peak (see [`ClientMemory::reply_peak`]),
    /// when they changed from `last`; returns the word.
    pub fn publish_reply_buffer(&self, capacity: usize, peak: usize, last: u64) -> u64 {
        let word = pack(capacity, peak);
        if word != last {
            self.buffers.reply.store(word, Ordering::Relaxed);
        }
        word
    }

    /// Records reply bytes held by a write that would block (0 once written).
    pub fn set_stalled_output(&self, bytes: usize) {
        self.buffers
            .stalled_output
            .store(bytes as u64, Ordering::Relaxed);
    }

    /// Records the arguments of the command the client blocks in (empty when it unblocks).
    pub fn set_blocked_argv(&self, argv: &[Bytes]) {
        self.buffers
            .blocked_argv
            .store(argv_mem(argv), Ordering::Relaxed);
    }

    /// The client's memory as `CLIENT LIST` shows it (as last published: see
    /// [`ClientBuffers`]).
    pub fn memory(&self) -> ClientMemory {
        let b = &self.buffers;
        let (query_buffer, query_free) = unpack(b.query.load(Ordering::Relaxed));
        let (reply_size, reply_peak) = unpack(b.reply.load(Ordering::Relaxed));
        let stalled = b.stalled_output.load(Ordering::Relaxed);
        let (pushes, pushed_bytes) = self.outbox.backlog();
        let beyond = stalled.saturating_sub(REPLY_CHUNK);
        let output_memory = beyond + pushed_bytes as u64;
        let mut memory = ClientMemory {
            query_buffer,
            query_free,
            argv: b.blocked_argv.load(Ordering::Relaxed),
            multi: b.multi.load(Ordering::Relaxed),
            reply_size,
            reply_peak,
            output_buffer: stalled.min(REPLY_CHUNK),
            output_list: beyond.div_ceil(REPLY_CHUNK) + pushes as u64,
            output_memory,
            total: 0,
        };
        memory.total = memory.totalled();
        memory
    }

    /// Commands queued by an open `MULTI`, -1 outside one.
    pub fn multi(&self) -> i64 {
        self.multi.load(Ordering::Relaxed)
    }

    /// Records that the client sent something now, for `CLIENT LIST`'s `idle`. Front ends
    /// call it once per batch of commands: a clock read per command costs more than the
    /// second-resolution `idle` needs.
    pub fn note_interaction(&self) {
        self.last_interaction_ms
            .store(unix_time_ms(), Ordering::Relaxed);
    }

    /// The route id of the client's last command, if it ran one.
    pub fn last_command(&self) -> Option<usize> {
        match self.last_command.load(Ordering::Relaxed) {
            usize::MAX => None,
            id => Some(id),
        }
    }

    /// Records the client's subscription counts after a change.
    pub fn note_subscriptions(&self, subscriptions: &Subscriptions) {
        let (channels, patterns, shard) = subscriptions.counts();
        for (slot, n) in self
            .subscription_counts
            .iter()
            .zip([channels, patterns, shard])
        {
            slot.store(n, Ordering::Relaxed);
        }
    }

    /// `(channels, patterns, shard channels)` the client is subscribed to.
    pub fn subscription_counts(&self) -> (usize, usize, usize) {
        let [c, p, s] = &self.subscription_counts;
        (
            c.load(Ordering::Relaxed),
            p.load(Ordering::Relaxed),
            s.load(Ordering::Relaxed),
        )
    }

    /// Whether the client is subscribed to anything (Redis's `CLIENT_PUBSUB` flag).
    #[inline]
    pub fn subscribed(&self) -> bool {
        self.subscription_counts
            .iter()
            .any(|n| n.load(Ordering::Relaxed) != 0)
    }

    /// Whether `CLIENT TRACKING` is on (Redis's `CLIENT_TRACKING` flag).
    #[inline]
    pub fn tracking(&self) -> bool {
        self.tracking_on.load(Ordering::Relaxed)
    }

    pub(crate) fn set_tracking(&self, on: bool) {
        self.tracking_on.store(on, Ordering::Relaxed);
    }

    /// The ACL user the client runs as (`None`: the default user).
    pub fn user(&self) -> Option<Arc<crate::acl::UserHandle>> {
        self.user.read().clone()
    }

    /// The name of the client's user (`CLIENT LIST user=`, `ACL WHOAMI`).
    pub fn user_name(&self) -> Bytes {
        self.user
            .read()
            .as_ref()
            .map_or_else(|| Bytes::from_static(b"default"), |u| u.name.clone())
    }

    /// Makes the client run as `user` (`None`: the default user), authenticated or not.
    pub fn set_user(&self, user: Option<Arc<crate::acl::UserHandle>>, authenticated: bool) {
        *self.user.write() = user;
        self.authenticated.store(authenticated, Ordering::Relaxed);
    }

    #[inline]
    pub fn authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Relaxed)
    }

    /// Whether the client is in `MONITOR` mode.
    #[inline]
    pub fn monitoring(&self) -> bool {
        self.monitoring.load(Ordering::Relaxed)
    }

    pub(crate) fn set_monitoring(&self, on: bool) {
        self.monitoring.store(on, Ordering::Relaxed);
    }

    /// Notes that pushes may come to this client from now on (see `expects_pushes`).
    pub fn expect_pushes(&self) {
        self.expects_pushes.store(true, Ordering::Relaxed);
    }

    /// Whether the front end must watch the outbox even when nothing is pending.
    #[inline]
    pub fn expects_pushes(&self) -> bool {
        self.subscribed() || self.expects_pushes.load(Ordering::Relaxed)
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
    /// Open gRPC connections: each counts as a client toward `maxclients`, as its streams
    /// do (they are listed clients), though only the streams are listed.
    grpc_connections: AtomicUsize,
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
            last_command: AtomicUsize::new(usize::MAX),
            multi: AtomicI64::new(-1),
            buffers: ClientBuffers::default(),
            kill: CancellationToken::new(),
            subscriptions: Mutex::default(),
            subscription_counts: Default::default(),
            outbox: Outbox::default(),
            tracking: Mutex::default(),
            tracking_on: AtomicBool::new(false),
            expects_pushes: AtomicBool::new(false),
            monitoring: AtomicBool::new(false),
            user: parking_lot::RwLock::new(None),
            authenticated: AtomicBool::new(false),
        })
    }

    /// The connected client with this id.
    pub fn get(&self, id: u64) -> Option<Arc<ClientInfo>> {
        self.connected.lock().get(&id).cloned()
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

    /// What `maxclients` limits: listed clients (RESP connections, gRPC streams) and open
    /// gRPC connections.
    pub fn count_toward_limit(&self) -> usize {
        self.count() + self.grpc_connections.load(Ordering::Relaxed)
    }

    /// Whether one more client would pass `maxclients`; if so, counts the refusal
    /// (`rejected_connections`).
    pub fn refuse_another(&self, maxclients: u64, stats: &ServerStats) -> bool {
        let full = self.count_toward_limit() as u64 >= maxclients;
        if full {
            stats.rejected_connections.fetch_add(1, Ordering::Relaxed);
        }
        full
    }

    /// A gRPC connection opened; the count goes down when `slot` is dropped.
    pub fn grpc_connection_opened(self: &Arc<Self>) -> GrpcConnectionSlot {
        self.grpc_connections.fetch_add(1, Ordering::Relaxed);
        GrpcConnectionSlot(self.clone())
    }

    /// A client of no server at all, for unit tests that run commands directly.
    pub fn detached(kind: ClientKind) -> Arc<ClientInfo> {
        Clients::default().unlisted(kind, String::new(), String::new())
    }
}

/// An open gRPC connection's place among the clients `maxclients` counts.
pub struct GrpcConnectionSlot(Arc<Clients>);

impl Drop for GrpcConnectionSlot {
    fn drop(&mut self) {
        self.0.grpc_connections.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Undoes everything a client left behind when it goes, however it goes (a closed
/// connection, an ended gRPC call or stream, a panic in its task): it leaves the client
/// list, forgets its watched keys and its subscriptions. (A blocked command's waiter goes
/// with its wait.)
pub struct ClientGuard {
    state: Arc<ServerState>,
    client: Arc<ClientInfo>,
}

impl ClientGuard {
    pub fn new(state: Arc<ServerState>, client: Arc<ClientInfo>) -> ClientGuard {
        ClientGuard { state, client }
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.state.clients.unregister(self.client.id);
        self.state.watches.unwatch_all(self.client.id);
        self.state.pubsub.unsubscribe_all(&self.client);
        self.state.tracking.disable(&self.client);
        self.state.monitors.remove(&self.client);
        self.state.feeds.remove(&self.client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::Seen;

    #[test]
    fn a_guard_unregisters_its_client_and_forgets_its_watches() {
        let state = ServerState::new(Config::default());
        let client = state
            .clients
            .register(ClientKind::Resp, "a".into(), "b".into());
        state.watches.watch(client.id, 0, b"k", Seen::Live);
        state.pubsub.subscribe(
            &client,
            crate::pubsub::Kind::Pattern,
            &[Bytes::from("p*")],
            crate::pubsub::Confirm::Outbox,
        );
        let guard = ClientGuard::new(state.clone(), client.clone());
        assert_eq!(state.clients.count(), 1);
        // A task that panics still drops its guard.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _guard = guard;
            panic!("a bug in a connection task");
        }));
        assert!(outcome.is_err());
        assert_eq!(state.clients.count(), 0);
        assert_eq!(state.watches.watching_clients(), 0);
        assert_eq!(state.pubsub.sizes(), (0, 0, 0));
    }
}
