//! DEBUG: Redis 7.0's `debugCommand`, for the subcommands Redis's own test suite uses.
//!
//! `DEBUG` runs only as `enable-debug-command` allows (`no` by default, `yes`, or `local`
//! for loopback clients); the execution path refuses it otherwise with Redis's error, as
//! `processCommand` does for protected commands.
//!
//! Served: HELP, SET-ACTIVE-EXPIRE, SLEEP, OBJECT, DIGEST, DIGEST-VALUE, RELOAD, LOADAOF,
//! QUICKLIST-PACKED-THRESHOLD, HTSTATS, HTSTATS-KEY, POPULATE, CHANGE-REPL-ID,
//! STRINGMATCH-TEST, LOG, LEAK, ERROR, PROTOCOL, SET-DISABLE-DENY-SCRIPTS,
//! SET-SKIP-CHECKSUM-VALIDATION, CONFIG-REWRITE-FORCE-ALL, LISTPACK, QUICKLIST,
//! STRUCTSIZE, CLIENT-EVICTION, and the switches with nothing to switch here
//! (AOF-FLUSH-SLEEP, PAUSE-CRON, REPLYBUFFER, DROP-CLUSTER-PACKET-FILTER, REPLICATE),
//! which answer as Redis does and change nothing.
//!
//! Left out on purpose, answering Redis's unknown-subcommand error: SEGFAULT, PANIC,
//! ASSERT, OOM, RESTART, CRASH-AND-RECOVER (no client input may crash or restart the
//! server), MALLCTL / MALLCTL-STR (no jemalloc here; HELP still lists them, as the
//! jemalloc build of redis-server does), SDSLEN (no SDS strings), CLUSTERLINK (no cluster).
//!
//! What differs from Redis and why:
//! - `DEBUG DIGEST` and `DIGEST-VALUE` are Redis's exact SHA1 mix (`xorObjectDigest`,
//!   `computeDatasetDigest`), so they equal redis-server's for the same data.
//! - `DEBUG OBJECT`'s address is the value's address in our memory; `serializedlength` is
//!   the length of our RDB encoding of the value (Redis's `rdbSavedObjectLen`); the
//!   `ql_*` fields describe the quicklist nodes our RDB writer would cut the list into.
//! - `HTSTATS` and `HTSTATS-KEY`: our maps are not Redis dicts (papaya segments, hash maps
//!   with no chains). The table size is what Redis's dict would have (the power of two
//!   at or above the element count, at least 4), and the chain statistics are those of
//!   the elements hashed into a table of that size (SipHash, not Redis's seed), so they
//!   look like Redis's but do not equal them; a dict is never shown rehashing.
//! - `DEBUG SLEEP` blocks the calling client (and what its command holds locked), not the
//!   whole server.
//! - `DEBUG PROTOCOL attrib` in RESP3: our reply model has no attribute type, so only the
//!   real reply after Redis's attribute is sent.
//! - `DEBUG RELOAD NOFLUSH` without `MERGE` over an existing key fails the load with
//!   "Error trying to load the RDB dump" (the keys loaded so far stay); Redis stops the
//!   server there.
//! - `DEBUG LOADAOF` refuses to run inside `MULTI` / a script (it replays commands, each
//!   in a txn of its own); Redis exits when the AOF cannot be loaded, we answer an error.
//! - Nothing DEBUG does is written to the AOF (Redis propagates none of it either).

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;

use super::{Command, Ctx, Locks, Reply, args};
use crate::error::{Error, Result};
use crate::persist::object;
use crate::store::listpack::Element;
use crate::store::stream::StreamId;
use crate::store::{Access, Entry, LockPlan, SEGMENTS, Value};

pub static COMMANDS: &[Command] = &[Command::new("debug", debug).locks(Locks::Custom(plan))];

/// Test switches `DEBUG` sets.
#[derive(Debug, Default)]
pub struct DebugSwitches {
    /// `SET-SKIP-CHECKSUM-VALIDATION`: RDB files and RESTORE payloads are not checked.
    skip_checksum: AtomicBool,
    /// `SET-DISABLE-DENY-SCRIPTS`: scripts may call `noscript` commands.
    disable_deny_scripts: AtomicBool,
}

impl DebugSwitches {
    pub fn skip_checksum(&self) -> bool {
        self.skip_checksum.load(Ordering::Relaxed)
    }

    pub fn disable_deny_scripts(&self) -> bool {
        self.disable_deny_scripts.load(Ordering::Relaxed)
    }
}

/// What a subcommand locks: the keys it reads, the database it fills, or everything for
/// the whole-keyspace ones. Malformed calls lock nothing (they fail before touching any).
fn plan(ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    let sub = argv[1].to_ascii_lowercase();
    let argc = argv.len();
    let dbs = ctx.store().databases();
    match sub.as_slice() {
        b"digest" if argc == 2 => (0..dbs).for_each(|d| plan.db(d, Access::Read)),
        b"reload" => (0..dbs).for_each(|d| plan.db(d, Access::Write)),
        b"digest-value" => argv[2..].iter().for_each(|k| plan.key(db, k, Access::Read)),
        b"object" | b"htstats-key" | b"listpack" if argc == 3 => {
            plan.key(db, &argv[2], Access::Read)
        }
        b"quicklist" if argc == 3 || argc == 4 => plan.key(db, &argv[2], Access::Read),
        b"htstats" if argc == 3 => {
            if let Ok(id) = args::int(&argv[2])
                && (0..dbs as i64).contains(&id)
            {
                plan.db(id as usize, Access::Read);
            }
        }
        b"populate" if (3..=5).contains(&argc) => plan.db(db, Access::Write),
        _ => {}
    }
}

const HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
];

/// Redis's `addReplySubcommandSyntaxError`.
fn syntax_error(argv: &[Bytes]) -> Error {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        super::truncated(&argv[1], 128),
        String::from_utf8_lossy(args::c_str(&argv[0])).to_ascii_uppercase()
    ))
}

/// C's `atoi`: optional blanks and sign, then digits as far as they go; 0 for none.
fn atoi(arg: &[u8]) -> i64 {
    let text = args::c_str(arg);
    let mut i = text
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .count();
    let negative = match text.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut n: i64 = 0;
    for &b in &text[i..] {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
    }
    if negative { n.wrapping_neg() } else { n }
}

/// C's `strtod` without an end pointer: the longest prefix that is a number, else 0.
fn strtod(arg: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(args::c_str(arg));
    let text = text.trim_start();
    (1..=text.len())
        .rev()
        .filter(|&end| text.is_char_boundary(end))
        .find_map(|end| {
            let prefix = &text[..end];
            // Rust accepts "inf"/"nan" words as strtod does; both reject what is not a number.
            prefix.parse::<f64>().ok()
        })
        .unwrap_or(0.0)
}

fn debug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    // Nothing DEBUG changes goes to the AOF (POPULATE, RELOAD...), as in Redis.
    crate::exec::propagate::suppress();
    let sub = argv[1].to_ascii_lowercase();
    let argc = argv.len();
    match sub.as_slice() {
        b"help" if argc == 2 => Ok(super::command::help_reply("DEBUG", HELP)),
        b"log" if argc == 3 => {
            tracing::warn!(
                "DEBUG LOG: {}",
                String::from_utf8_lossy(args::c_str(&argv[2]))
            );
            Ok(Reply::ok())
        }
        b"leak" if argc == 3 => Ok(Reply::ok()),
        b"reload" => reload(ctx, argv),
        b"loadaof" => loadaof(ctx),
        b"drop-cluster-packet-filter" if argc == 3 => {
            args::int(&argv[2])?;
            Ok(Reply::ok())
        }
        b"object" if argc == 3 => object_info(ctx, &argv[2]),
        b"listpack" if argc == 3 => {
            let encoding = lookup_encoding(ctx, &argv[2])?;
            if encoding != "listpack" {
                return Err(Error::err("Not a listpack encoded object."));
            }
            Ok(Reply::simple("Listpack structure printed on stdout"))
        }
        b"quicklist" if argc == 3 || argc == 4 => {
            let encoding = lookup_encoding(ctx, &argv[2])?;
            if encoding != "quicklist" {
                return Err(Error::err("Not a quicklist encoded object."));
            }
            Ok(Reply::simple("Quicklist structure printed on stdout"))
        }
        b"populate" if (3..=5).contains(&argc) => populate(ctx, argv),
        b"digest" if argc == 2 => Ok(Reply::Simple(hex(&dataset_digest(ctx)).into())),
        b"digest-value" => {
            let db = ctx.db();
            let txn = ctx.txn_if_any();
            Ok(Reply::Array(
                argv[2..]
                    .iter()
                    .map(|key| {
                        let mut digest = [0u8; 20];
                        // Logically expired keys too, as Redis's dictFind.
                        if let Some(entry) = txn.and_then(|t| t.raw(db, key)) {
                            object_digest(&mut digest, entry);
                        }
                        Reply::Simple(hex(&digest).into())
                    })
                    .collect(),
            ))
        }
        b"protocol" if argc == 3 => protocol(ctx, &argv[2]),
        b"sleep" if argc == 3 => {
            let seconds = strtod(&argv[2]);
            let micros = (seconds * 1_000_000.0) as i64;
            if micros > 0 {
                sleep(std::time::Duration::from_micros(micros as u64));
            }
            Ok(Reply::ok())
        }
        b"set-active-expire" if argc == 3 => {
            ctx.store()
                .active_expire
                .store(atoi(&argv[2]) != 0, Ordering::Relaxed);
            Ok(Reply::ok())
        }
        b"quicklist-packed-threshold" if argc == 3 => {
            let size = std::str::from_utf8(&argv[2])
                .ok()
                .and_then(crate::config::parse_memory)
                .filter(|&sz| sz <= (1u64 << 32) - (1 << 20));
            let Some(size) = size else {
                return Err(Error::err(
                    "argument must be a memory value bigger than 1 and smaller than 4gb",
                ));
            };
            let size = if size == 0 {
                object::DEFAULT_PLAIN_THRESHOLD
            } else {
                size as usize
            };
            object::LIST_PLAIN_THRESHOLD.store(size, Ordering::Relaxed);
            Ok(Reply::ok())
        }
        b"set-skip-checksum-validation" if argc == 3 => {
            (ctx.server.debug.skip_checksum).store(atoi(&argv[2]) != 0, Ordering::Relaxed);
            Ok(Reply::ok())
        }
        // Switches of machinery we do not have: accepted, as Redis accepts them.
        b"aof-flush-sleep" | b"pause-cron" if argc == 3 => Ok(Reply::ok()),
        b"replicate" if argc >= 3 => Ok(Reply::ok()),
        b"error" if argc == 3 => {
            let text: String = String::from_utf8_lossy(&argv[2])
                .chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
                .collect();
            Err(Error::Other(text.into()))
        }
        b"structsize" if argc == 2 => Ok(Reply::bulk(
            "bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ",
        )),
        b"htstats" if argc == 3 => htstats(ctx, &argv[2]),
        b"htstats-key" if argc == 3 => htstats_key(ctx, &argv[2]),
        b"change-repl-id" if argc == 2 => {
            tracing::warn!("Changing replication IDs after receiving DEBUG change-repl-id");
            Ok(Reply::ok())
        }
        b"stringmatch-test" if argc == 2 => {
            Ok(Reply::simple("Apparently Redis did not crash: test passed"))
        }
        b"set-disable-deny-scripts" if argc == 3 => {
            (ctx.server.debug.disable_deny_scripts).store(atoi(&argv[2]) != 0, Ordering::Relaxed);
            Ok(Reply::ok())
        }
        b"config-rewrite-force-all" if argc == 2 => config_rewrite_force_all(ctx),
        b"client-eviction" if argc == 2 => Err(Error::err("maxmemory-clients is disabled.")),
        b"replybuffer" if argc == 4 => {
            let what = &argv[2];
            if what.eq_ignore_ascii_case(b"peak-reset-time") {
                let value = &argv[3];
                if !value.eq_ignore_ascii_case(b"never") && !value.eq_ignore_ascii_case(b"reset") {
                    args::int(value)?;
                }
            } else if !what.eq_ignore_ascii_case(b"resizing") {
                return Err(syntax_error(argv));
            }
            Ok(Reply::ok())
        }
        _ => Err(syntax_error(argv)),
    }
}

/// Waits `duration` on this thread, letting the runtime move its other tasks elsewhere.
fn sleep(duration: std::time::Duration) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| std::thread::sleep(duration))
        }
        _ => std::thread::sleep(duration),
    }
}

/// The encoding of a live key (`objectCommandLookupOrReply`), or `no such key`.
fn lookup_encoding(ctx: &Ctx<'_>, key: &[u8]) -> Result<&'static str> {
    ctx.txn()
        .get_no_touch_quiet(ctx.db(), key)
        .map(|entry| entry.value().encoding())
        .ok_or(Error::NoSuchKey)
}

// ---- RELOAD, LOADAOF, CONFIG-REWRITE-FORCE-ALL ----

fn reload(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for opt in &argv[2..] {
        if opt.eq_ignore_ascii_case(b"merge") {
            merge = true;
        } else if opt.eq_ignore_ascii_case(b"noflush") {
            flush = false;
        } else if opt.eq_ignore_ascii_case(b"nosave") {
            save = false;
        } else {
            return Err(Error::err(
                "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    let server = ctx.server;
    let txn = ctx.txn();
    if save && crate::persist::save::save_in_txn(server, txn).is_err() {
        return Err(Error::full("ERR"));
    }
    if flush {
        for db in 0..server.store.databases() {
            txn.clear(db);
        }
        let _ = server.functions.update(|set| {
            *set = Default::default();
            Ok(())
        });
        server.functions.restart_interpreter();
    }
    let path = crate::persist::save::rdb_path(server);
    match crate::persist::load::load_rdb_into(server, txn, &path, false, merge) {
        Ok(_) => {
            tracing::warn!("DB reloaded by DEBUG RELOAD");
            Ok(Reply::ok())
        }
        Err(e) => {
            tracing::warn!("DEBUG RELOAD could not load {}: {e}", path.display());
            Err(Error::err("Error trying to load the RDB dump"))
        }
    }
}

fn loadaof(ctx: &mut Ctx<'_>) -> Result<Reply> {
    // It replays commands, each in a txn of its own: not from inside another one.
    if ctx.txn_if_any().is_some() || ctx.session.in_script {
        return Err(Error::err(
            "DEBUG LOADAOF can't run inside a transaction or a script",
        ));
    }
    crate::persist::rewrite::reload(ctx.server).map_err(|e| {
        tracing::warn!("DEBUG LOADAOF failed: {e}");
        Error::err(format!("Error loading the append only file: {e}"))
    })?;
    Ok(Reply::ok())
}

fn config_rewrite_force_all(ctx: &mut Ctx<'_>) -> Result<Reply> {
    let config = ctx.server.config.read().clone();
    let users = ctx.server.acl.list();
    // Redis hands rewriteConfig a NULL path without a config file: fopen fails.
    let result = match &config.config_file {
        Some(path) => crate::config::rewrite::rewrite_file_with(
            std::path::Path::new(path),
            &config,
            &users,
            true,
        )
        .map_err(|e| crate::config::rewrite::strerror(&e)),
        None => Err("Bad address".to_string()),
    };
    result
        .map(|()| Reply::ok())
        .map_err(|e| Error::err(format!("CONFIG-REWRITE-FORCE-ALL failed: {e}")))
}

// ---- OBJECT ----

fn object_info(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Reply> {
    let server = ctx.server;
    let db = ctx.db();
    let entry = ctx.txn().raw(db, key).ok_or(Error::NoSuchKey)?;
    let value = entry.value();
    let compress = server.config.read().rdbcompression;
    let now = server.store.clock_secs();
    let idle = now.saturating_sub(entry.accessed_secs());
    // Redis's `lru` field: the LRU clock (Unix seconds in 24 bits) at the last access.
    let lru = (crate::store::unix_time_ms() / 1000).saturating_sub(u64::from(idle)) & 0xFF_FFFF;
    let mut extra = String::new();
    if let Value::List(list) = value
        && value.encoding() == "quicklist"
    {
        let list = list.read();
        let nodes = object::quicklist_nodes(&list);
        let limits = crate::store::encoding::limits();
        let fill = limits.list_max_listpack_size.clamp(-5, 1 << 15);
        let size: usize = nodes.iter().map(|(_, _, blob)| blob.len()).sum();
        let avg = list.items.len() as f64 / nodes.len().max(1) as f64;
        extra = format!(
            " ql_nodes:{} ql_avg_node:{avg:.2} ql_listpack_max:{fill} ql_compressed:{} \
             ql_uncompressed_size:{size}",
            nodes.len(),
            u8::from(limits.list_compress_depth != 0),
        );
    }
    Ok(Reply::Simple(
        format!(
            "Value at:0x{:x} refcount:{} encoding:{} serializedlength:{} lru:{lru} \
             lru_seconds_idle:{idle}{extra}",
            object_address(db, key),
            value.refcount(),
            value.encoding(),
            object::serialized_len(value, compress),
        )
        .into(),
    ))
}

/// What `DEBUG OBJECT` shows as the value's address: our values move when they change
/// (INCR stores a new one) where Redis changes its object in place, so the address is
/// derived from the database and key instead: the same for a key's life, 16-byte
/// aligned in the range a heap address has.
fn object_address(db: usize, key: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    (db, key).hash(&mut hasher);
    0x7f00_0000_0000 | (hasher.finish() & 0x00ff_ffff_fff0)
}

// ---- DIGEST ----

/// Redis's `xorDigest`: `digest ^= SHA1(data)` (order-independent).
fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    let hash = sha1_smol::Sha1::from(data).digest().bytes();
    for (d, h) in digest.iter_mut().zip(hash) {
        *d ^= h;
    }
}

/// Redis's `mixDigest`: `digest = SHA1(digest ^ SHA1(data))` (order-dependent).
fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    *digest = sha1_smol::Sha1::from(&digest[..]).digest().bytes();
}

fn element_bytes(element: Element<'_>) -> Bytes {
    element.to_bytes()
}

/// Redis's `xorObjectDigest` of one key's value (and whether it expires) into `digest`.
fn object_digest(digest: &mut [u8; 20], entry: &Entry) {
    let kind: u32 = match entry.value() {
        Value::String(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::SortedSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    };
    mix_digest(digest, &kind.to_be_bytes());
    match entry.value() {
        Value::String(s) => mix_digest(digest, &s.as_bytes()),
        Value::List(list) => {
            for item in &list.read().items {
                mix_digest(digest, item);
            }
        }
        Value::Set(set) => {
            for member in set.read().iter() {
                xor_digest(digest, member);
            }
        }
        Value::SortedSet(zset) => {
            for (member, score) in zset.read().iter() {
                let mut element = [0u8; 20];
                mix_digest(&mut element, member);
                mix_digest(
                    &mut element,
                    crate::store::numeric::format_double(score).as_bytes(),
                );
                xor_digest(digest, &element);
            }
        }
        Value::Hash(hash) => {
            for (field, value) in hash.read().iter() {
                let mut element = [0u8; 20];
                mix_digest(&mut element, field);
                mix_digest(&mut element, value);
                xor_digest(digest, &element);
            }
        }
        Value::Stream(stream) => {
            let stream = stream.read();
            for entry in stream.range(StreamId::MIN, StreamId::MAX, false) {
                mix_digest(
                    digest,
                    format!("{}.{}", entry.id.ms, entry.id.seq).as_bytes(),
                );
                entry.for_each_field(|field, value| {
                    mix_digest(digest, &element_bytes(field));
                    mix_digest(digest, &element_bytes(value));
                });
            }
        }
    }
    if entry.expires_at().is_some() {
        xor_digest(digest, b"!!expire!!");
    }
}

/// Redis's `computeDatasetDigest`: per non-empty database its id mixed in, then each
/// key's digest (key, then value) xored in. Keys expired but not yet reclaimed count, as
/// they do in Redis's dict.
fn dataset_digest(ctx: &Ctx<'_>) -> [u8; 20] {
    let mut digest = [0u8; 20];
    let txn = ctx.txn();
    for db in 0..ctx.store().databases() {
        if txn.is_empty(db) {
            continue;
        }
        mix_digest(&mut digest, &(db as u32).to_be_bytes());
        for segment in 0..SEGMENTS {
            txn.for_each_entry(db, segment, |key, entry| {
                let mut pair = [0u8; 20];
                mix_digest(&mut pair, key);
                object_digest(&mut pair, entry);
                xor_digest(&mut digest, &pair);
            });
        }
    }
    digest
}

fn hex(digest: &[u8; 20]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

// ---- POPULATE ----

/// Redis's `getPositiveLongFromObjectOrReply` with no message of its own.
/// (its message stands for every failure, an unparsable number too).
fn positive_long(arg: &[u8]) -> Result<i64> {
    match args::int(arg) {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(Error::err("value is out of range, must be positive")),
    }
}

fn populate(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let count = positive_long(&argv[2])?;
    let size = match argv.get(4) {
        Some(arg) => positive_long(arg)? as usize,
        None => 0,
    };
    let prefix: &[u8] = match argv.get(3) {
        Some(p) => args::c_str(p),
        None => b"key",
    };
    let db = ctx.db();
    let txn = ctx.txn();
    for j in 0..count {
        // snprintf into a 128-byte buffer: at most 127 bytes.
        let mut key = prefix.to_vec();
        key.push(b':');
        key.extend_from_slice(j.to_string().as_bytes());
        key.truncate(127);
        if txn.get_for_write(db, &key).is_some() {
            continue;
        }
        let text = format!("value:{j}");
        let value = if size == 0 {
            Bytes::from(text)
        } else {
            let mut buf = vec![0u8; size];
            let n = size.min(text.len());
            buf[..n].copy_from_slice(&text.as_bytes()[..n]);
            Bytes::from(buf)
        };
        txn.add(db, &key, Value::string(value));
    }
    Ok(Reply::ok())
}

// ---- PROTOCOL ----

fn protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> Result<Reply> {
    let is = |word: &str| name.eq_ignore_ascii_case(word.as_bytes());
    let reply = if is("string") {
        Reply::bulk_static("Hello World")
    } else if is("integer") {
        Reply::Integer(12345)
    } else if is("double") {
        // Redis's literal, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        Reply::Double(3.141)
    } else if is("bignum") {
        Reply::BigNumber("1234567999999999999999999999999999999".into())
    } else if is("null") {
        Reply::Null
    } else if is("array") {
        Reply::Array((0..3).map(Reply::Integer).collect())
    } else if is("set") {
        Reply::Set((0..3).map(Reply::Integer).collect())
    } else if is("map") {
        Reply::Map(
            (0..3)
                .map(|j| (Reply::Integer(j), Reply::Boolean(j == 1)))
                .collect(),
        )
    } else if is("attrib") {
        // Redis sends an attribute first in RESP3; our reply model has none.
        Reply::bulk_static("Some real reply following the attribute")
    } else if is("push") {
        if ctx.session.protocol == super::Protocol::Resp2 {
            return Err(Error::err("RESP2 is not supported by this command"));
        }
        Reply::Sequence(vec![
            Reply::Push(vec![
                Reply::bulk_static("server-cpu-usage"),
                Reply::Integer(42),
            ]),
            Reply::bulk_static("Some real reply following the push reply"),
        ])
    } else if is("true") {
        Reply::Boolean(true)
    } else if is("false") {
        Reply::Boolean(false)
    } else if is("verbatim") {
        Reply::Verbatim(
            "txt".into(),
            Bytes::from_static(b"This is a verbatim\nstring"),
        )
    } else {
        return Err(Error::err(
            "Wrong protocol type name. Please use one of the following: \
             string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        ));
    };
    Ok(reply)
}

// ---- HTSTATS ----

/// Redis's `dictGetStats` text for a dict of `n` elements (see the module docs: the
/// chains are those of `elements` hashed into a table of Redis's size).
fn dict_stats<'e>(n: usize, elements: impl Iterator<Item = &'e [u8]>) -> String {
    const VECTLEN: usize = 50;
    if n == 0 {
        return "Hash table 0 stats (main hash table):\n\
                No stats available for empty dictionaries\n"
            .to_string();
    }
    let size = n.next_power_of_two().max(4);
    let mut chains = vec![0u32; size];
    for element in elements {
        let mut hasher = std::hash::DefaultHasher::new();
        element.hash(&mut hasher);
        chains[(hasher.finish() as usize) & (size - 1)] += 1;
    }
    let mut vector = [0u64; VECTLEN];
    let (mut slots, mut max_chain, mut total_chain) = (0u64, 0u64, 0u64);
    for &len in &chains {
        let len = u64::from(len);
        if len == 0 {
            vector[0] += 1;
            continue;
        }
        slots += 1;
        vector[(len as usize).min(VECTLEN - 1)] += 1;
        max_chain = max_chain.max(len);
        total_chain += len;
    }
    let mut out = format!(
        "Hash table 0 stats (main hash table):\n table size: {size}\n number of elements: \
         {n}\n different slots: {slots}\n max chain length: {max_chain}\n avg chain length \
         (counted): {:.2}\n avg chain length (computed): {:.2}\n Chain length distribution:\n",
        f64::from(total_chain as f32 / slots as f32),
        f64::from(n as f32 / slots as f32),
    );
    for (i, &count) in vector.iter().enumerate().take(VECTLEN - 1) {
        if count == 0 {
            continue;
        }
        out.push_str(&format!(
            "   {i}: {count} ({:.2}%)\n",
            f64::from((count as f32 / size as f32) * 100.0)
        ));
    }
    out
}

fn htstats(ctx: &mut Ctx<'_>, arg: &[u8]) -> Result<Reply> {
    let id = args::int(arg)?;
    if !(0..ctx.store().databases() as i64).contains(&id) {
        return Err(Error::err("Out of range database"));
    }
    let db = id as usize;
    let txn = ctx.txn();
    let mut keys: Vec<Bytes> = Vec::new();
    let mut volatile: Vec<Bytes> = Vec::new();
    for segment in 0..SEGMENTS {
        txn.for_each_entry(db, segment, |key, entry| {
            keys.push(Bytes::copy_from_slice(key));
            if entry.expires_at().is_some() {
                volatile.push(Bytes::copy_from_slice(key));
            }
        });
    }
    let mut text = String::from("[Dictionary HT]\n");
    text.push_str(&dict_stats(keys.len(), keys.iter().map(|k| &k[..])));
    text.push_str("[Expires HT]\n");
    text.push_str(&dict_stats(volatile.len(), volatile.iter().map(|k| &k[..])));
    Ok(Reply::text("txt", text))
}

fn htstats_key(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Reply> {
    let entry = ctx
        .txn()
        .get_no_touch_quiet(ctx.db(), key)
        .ok_or(Error::NoSuchKey)?;
    let not_table = || {
        Error::err("The value stored at the specified key is not represented using an hash table")
    };
    let text = match entry.value() {
        Value::Set(set) => {
            let set = set.read();
            if set.encoding() != "hashtable" {
                return Err(not_table());
            }
            dict_stats(set.len(), set.iter().map(|m| &m[..]))
        }
        Value::Hash(hash) => {
            let hash = hash.read();
            if hash.encoding() != "hashtable" {
                return Err(not_table());
            }
            dict_stats(hash.len(), hash.iter().map(|(f, _)| &f[..]))
        }
        Value::SortedSet(zset) => {
            let zset = zset.read();
            if !zset.is_large() {
                return Err(not_table());
            }
            dict_stats(zset.len(), zset.iter().map(|(m, _)| &m[..]))
        }
        _ => return Err(not_table()),
    };
    Ok(Reply::text("txt", text))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::Harness;
    use super::*;

    fn harness() -> Harness {
        let h = Harness::new();
        h.server.config.write().enable_debug_command = "yes".into();
        h
    }

    fn status(reply: Reply) -> String {
        match reply {
            Reply::Simple(s) => s.into_owned(),
            other => panic!("expected a status, got {other:?}"),
        }
    }

    #[test]
    fn refused_unless_enabled() {
        let mut h = Harness::new();
        let err = h.err(&["DEBUG", "HELP"]);
        assert!(err.starts_with("ERR DEBUG command not allowed. If the enable-debug-command"));
        assert!(err.ends_with("and then restart the server."));
        h.server.config.write().enable_debug_command = "local".into();
        // The harness's client has no address: not local.
        assert!(h.err(&["DEBUG", "HELP"]).contains("not allowed"));
        assert!(crate::config::is_local_client("127.0.0.1:5000"));
        assert!(crate::config::is_local_client("[::1]:5000"));
        assert!(!crate::config::is_local_client("127.0.0.2:5000"));
        assert!(!crate::config::is_local_client("10.0.0.1:5000"));
    }

    #[test]
    fn refusal_dooms_a_transaction_and_loadaof_stays_out_of_one() {
        let mut h = Harness::new();
        h.run(&["multi"]);
        assert!(h.err(&["debug", "digest"]).contains("not allowed"));
        assert!(h.err(&["exec"]).starts_with("EXECABORT"));
        h.server.config.write().enable_debug_command = "yes".into();
        h.run(&["multi"]);
        assert_eq!(h.run(&["debug", "loadaof"]), Reply::simple("QUEUED"));
        assert_eq!(h.run(&["debug", "digest"]), Reply::simple("QUEUED"));
        let Reply::Array(replies) = h.run(&["exec"]) else {
            panic!()
        };
        assert!(matches!(&replies[0], Reply::Error(e) if e.message().contains("LOADAOF")));
        assert_eq!(replies[1], Reply::Simple("0".repeat(40).into()));
    }

    #[test]
    fn loadaof_without_an_aof_answers_an_error() {
        let mut h = harness();
        let dir = std::env::temp_dir().join(format!("memorabilia-loadaof-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        h.server.config.write().dir = dir.display().to_string();
        h.run(&["set", "k", "v"]);
        assert!(
            h.err(&["debug", "loadaof"])
                .starts_with("ERR Error loading the append only file")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn help_and_unknown_subcommands() {
        let mut h = harness();
        let Reply::Array(lines) = h.run(&["debug", "help"]) else {
            panic!()
        };
        assert_eq!(lines.len(), HELP.len() + 3);
        assert_eq!(
            h.err(&["debug", "nosuch"]),
            "ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP."
        );
        assert!(h.err(&["debug", "help", "x"]).contains("'help'"));
        assert!(h.err(&["debug", "segfault"]).contains("unknown subcommand"));
    }

    #[test]
    fn digests_follow_redis() {
        let mut h = harness();
        let dir = std::env::temp_dir().join(format!("memorabilia-debug-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        h.server.config.write().dir = dir.display().to_string();
        assert_eq!(status(h.run(&["debug", "digest"])), "0".repeat(40));
        h.run(&["set", "foo", "bar"]);
        // Redis 7.0.15: SET foo bar, DEBUG DIGEST-VALUE foo.
        let value = match h.run(&["debug", "digest-value", "foo", "missing"]) {
            Reply::Array(v) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(status(value[1].clone()), "0".repeat(40));
        let mut expected = [0u8; 20];
        mix_digest(&mut expected, &0u32.to_be_bytes());
        mix_digest(&mut expected, b"bar");
        assert_eq!(status(value[0].clone()), hex(&expected));
        // Order matters for lists, not for sets.
        h.run(&["rpush", "l1", "a", "b"]);
        h.run(&["rpush", "l2", "b", "a"]);
        h.run(&["sadd", "s1", "a", "b"]);
        h.run(&["sadd", "s2", "b", "a"]);
        let digests = h.run(&["debug", "digest-value", "l1", "l2", "s1", "s2"]);
        let Reply::Array(d) = digests else { panic!() };
        assert_ne!(d[0], d[1]);
        assert_eq!(d[2], d[3]);
        let before = status(h.run(&["debug", "digest"]));
        assert_eq!(h.run(&["debug", "reload"]), Reply::ok());
        assert_eq!(status(h.run(&["debug", "digest"])), before);
        // NOSAVE NOFLUSH over existing keys fails unless MERGE.
        assert_eq!(
            h.err(&["debug", "reload", "nosave", "noflush"]),
            "ERR Error trying to load the RDB dump"
        );
        assert_eq!(
            h.run(&["debug", "reload", "nosave", "noflush", "merge"]),
            Reply::ok()
        );
        assert_eq!(status(h.run(&["debug", "digest"])), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn populate_object_and_protocol() {
        let mut h = harness();
        assert_eq!(h.run(&["debug", "populate", "3"]), Reply::ok());
        assert_eq!(h.run(&["get", "key:2"]), Reply::bulk("value:2"));
        h.run(&["debug", "populate", "2", "p", "10"]);
        assert_eq!(h.run(&["get", "p:1"]), Reply::bulk(b"value:1\0\0\0"));
        assert_eq!(
            h.err(&["debug", "populate", "-1"]),
            "ERR value is out of range, must be positive"
        );
        let line = status(h.run(&["debug", "object", "key:0"]));
        assert!(line.starts_with("Value at:0x7f"), "{line}");
        // The address stays while the key changes in place (Redis's INCR test).
        h.run(&["set", "n", "20000"]);
        let address = |h: &mut Harness| {
            let line = status(h.run(&["debug", "object", "n"]));
            line.split(' ').nth(1).unwrap().to_string()
        };
        let before = address(&mut h);
        h.run(&["incr", "n"]);
        assert_eq!(address(&mut h), before);
        assert!(line.contains(" refcount:1 encoding:embstr serializedlength:8 lru:"));
        h.run(&["rpush", "list", "a", "b", "c"]);
        h.server.config.write().encoding.list_max_listpack_size = 1;
        h.server.config_changed();
        assert_eq!(h.err(&["debug", "object", "nokey"]), "ERR no such key");
        assert_eq!(
            h.run(&["debug", "protocol", "map"]),
            Reply::Map(vec![
                (Reply::Integer(0), Reply::Boolean(false)),
                (Reply::Integer(1), Reply::Boolean(true)),
                (Reply::Integer(2), Reply::Boolean(false)),
            ])
        );
        assert_eq!(
            h.err(&["debug", "protocol", "push"]),
            "ERR RESP2 is not supported by this command"
        );
        assert!(
            h.err(&["debug", "protocol", "x"])
                .starts_with("ERR Wrong protocol")
        );
    }

    #[test]
    fn switches_and_parsing() {
        let mut h = harness();
        assert_eq!(h.run(&["debug", "set-active-expire", "0"]), Reply::ok());
        assert!(!h.server.store.active_expire.load(Ordering::Relaxed));
        h.run(&["debug", "set-active-expire", "1"]);
        assert!(h.server.store.active_expire.load(Ordering::Relaxed));
        assert_eq!(h.run(&["debug", "sleep", "0"]), Reply::ok());
        assert_eq!(
            h.run(&["debug", "quicklist-packed-threshold", "1b"]),
            Reply::ok()
        );
        assert_eq!(object::LIST_PLAIN_THRESHOLD.load(Ordering::Relaxed), 1);
        h.run(&["debug", "quicklist-packed-threshold", "0"]);
        assert_eq!(
            object::LIST_PLAIN_THRESHOLD.load(Ordering::Relaxed),
            object::DEFAULT_PLAIN_THRESHOLD
        );
        assert!(
            h.err(&["debug", "quicklist-packed-threshold", "5gb"])
                .contains("smaller than 4gb")
        );
        assert_eq!(
            h.err(&["debug", "reload", "bad"]),
            "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
        );
        assert_eq!(atoi(b" 12abc"), 12);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(strtod(b"0.5s"), 0.5);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(
            h.err(&["debug", "htstats", "99"]),
            "ERR Out of range database"
        );
        h.run(&["set", "a", "1"]);
        let Reply::Verbatim(_, text) = h.run(&["debug", "htstats", "0"]) else {
            panic!()
        };
        let text = String::from_utf8_lossy(&text).into_owned();
        assert!(text.starts_with("[Dictionary HT]\nHash table 0 stats (main hash table):\n table size: 4\n number of elements: 1\n"), "{text}");
        assert!(text.contains("[Expires HT]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"));
        assert!(
            h.err(&["debug", "htstats-key", "a"])
                .contains("not represented")
        );
    }
}
