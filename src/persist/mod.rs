//! Durability in Redis's formats: RDB snapshots (SAVE, BGSAVE, save points, loading at
//! start-up) and DUMP / RESTORE payloads, file-compatible with redis-server 7.0 both ways.
//!
//! # Layout
//! - [`format`]: RDB primitives (lengths, strings, doubles, CRC-64); [`lzf`]: compression.
//! - [`element`], [`listpack`], [`ziplist`], [`intset`], [`zipmap`]: Redis's compact
//!   encodings as they appear inside values.
//! - [`object`]: a store value as an RDB object, both ways; DUMP payloads.
//! - [`rdb`]: whole files (header, AUX fields, functions, databases, checksum) and loading.
//! - [`save`]: writing a snapshot while clients keep writing (the store's
//!   [`snapshot`](crate::store::snapshot) mechanism feeds it), the BGSAVE job, save points.
//! - [`load`]: loading the RDB file or the append-only file at start-up.
//! - [`aof`]: the append-only file (Redis 7's multi-part directory): logging, group
//!   commit and fsync policies, the manifest, reading commands back.
//! - [`rewrite`]: the AOF's life: loading it, turning it on and off, rewriting it.
//!
//! Nothing here knows a protocol; commands live in `commands::persistence`.

pub mod aof;
pub mod element;
pub mod format;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod object;
pub mod rdb;
pub mod rewrite;
pub mod save;
pub mod stream;
pub mod ziplist;
pub mod zipmap;

pub use save::Persistence;
