//! Memorabilia: an in-memory key-value server that speaks the Redis protocol (RESP2/RESP3)
//! over one protocol-free store core.
//!
//! # Layout
//! - [`store`]: the core. Databases of `papaya` maps split into locked segments, typed
//!   [`store::Value`]s, lazy and active expiry. Knows nothing of protocols.
//! - [`commands`]: every command once, protocol-neutral, in one file per family, all
//!   registered in one command table; replies are [`commands::Reply`] values.
//! - [`acl`]: users, authentication and access rules (Redis 7.0's ACL), the ACL log.
//! - [`exec`]: the execution path every command of both front ends passes through:
//!   lookup, checks, `MULTI` queueing, key finding and locking, running, statistics.
//! - [`resp`]: the RESP front end (request decoder, reply encoder, per-client connection).
//! - [`blocking`]: clients blocked on keys (BLPOP, BLMOVE, ...) and their serving.
//! - [`watch`]: keys clients `WATCH`, and whose `EXEC` must fail.
//! - [`pubsub`]: channel and pattern subscriptions, and delivery into clients' outboxes.
//! - [`persist`]: durability in Redis's formats: RDB snapshots (consistent while clients
//!   write), loading them, DUMP / RESTORE payloads.
//! - [`scripting`]: Lua scripts (`EVAL`): the script cache, one interpreter per thread,
//!   Redis's `redis.*` API and sandbox, one script at a time.
//! - [`state`]: what commands see beyond the store (config, clients, stats, shutdown).
//! - [`config`]: every tunable, named as in redis.conf.
//! - [`tls`]: TLS for both listeners (rustls).
//! - [`metrics`]: Prometheus metrics on `metrics-port`.
//! - [`maxmemory`]: the memory limit checked before each command, and eviction's
//!   background task.
//! - [`memory`]: the counting global allocator behind `used_memory` and `maxmemory`.
//! - [`server`]: starts the listeners and the background cron; one shutdown path.
//! - [`error`]: command errors with Redis's exact texts.

pub mod acl;
pub mod blocking;
pub mod commands;
pub mod config;
pub mod error;
pub mod exec;
pub mod feed;
pub mod grpc;
pub mod latency;
pub mod maxmemory;
pub mod memory;
pub mod metrics;
pub mod monitor;
pub mod notify;
pub mod persist;
pub mod pubsub;
pub mod resp;
pub mod scripting;
pub mod server;
pub mod slowlog;
pub mod state;
pub mod store;
pub mod tls;
pub mod tracking;
pub mod watch;

/// Every allocation of the process is counted (`used_memory`, the `maxmemory` check).
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator = memory::CountingAllocator;

/// This crate's version, reported as `memorabilia_version` in `INFO`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
