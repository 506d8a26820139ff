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
//! - [`load`]: loading the RDB file at start-up.
//!
//! Nothing here knows a protocol; commands live in `commands::persistence`.

pub mod element;
pub mod format;
pub mod intset;
pub mod listpack;
pub mod load;
pub mod lzf;
pub mod object;
pub mod rdb;
pub mod save;
pub mod ziplist;
pub mod zipmap;

pub use save::Persistence;
