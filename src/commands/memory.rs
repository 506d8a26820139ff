//! The `MEMORY` family, and the memory accounting `INFO memory` shares with it (Redis's
//! `getMemoryOverheadData`).
//!
//! - `MEMORY USAGE key [SAMPLES count]` → integer bytes, or null for a missing key: the
//!   key's map node and table slot, the key's own allocation when it is not inline, and
//!   the value's heap (its elements measured on the first `count`, default 5, and
//!   extrapolated; 0 measures all). Our structures' sizes, not Redis's: the numbers are of
//!   the same order, not equal. Errors: `ERR syntax error` (unknown option, negative
//!   count), `ERR value is not an integer or out of range`.
//! - `MEMORY STATS` → map of Redis's 27 fields plus one `db.<n>` map per database holding
//!   keys, in Redis's order.
//! - `MEMORY DOCTOR` → verbatim text: Redis's report for the same conditions.
//! - `MEMORY MALLOC-STATS` → "Stats not supported for the current allocator" (Redis's reply
//!   when not built with jemalloc: we run on the system allocator).
//! - `MEMORY PURGE` → OK, after giving the allocator's free pages back (`malloc_trim`).
//! - `MEMORY HELP` → Redis's help lines.

use bytes::Bytes;

use super::command::help_reply;
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::state::ServerState;

const SUBS: &[Command] = &[
    Command::new("usage", usage).of("memory"),
    Command::new("stats", stats).of("memory"),
    Command::new("doctor", doctor).of("memory"),
    Command::new("malloc-stats", malloc_stats).of("memory"),
    Command::new("purge", purge).of("memory"),
    Command::new("help", help).of("memory"),
];

pub static COMMANDS: &[Command] = &[Command::container("memory", SUBS)];

/// Redis's `OBJ_COMPUTE_SIZE_DEF_SAMPLES`.
const DEFAULT_SAMPLES: usize = 5;

/// What one key costs in its database's map beyond its key and value: the map's node
/// (inline key, entry header) and its table slot; Redis counts a `dictEntry`, a bucket
/// pointer and a `robj` per key.
pub const KEY_OVERHEAD: u64 = crate::store::KEY_NODE_BYTES as u64;

/// The server's memory, split as Redis's `getMemoryOverheadData` splits it.
pub struct Overhead {
    /// Bytes allocated now (`used_memory`), at the peak, and at start-up.
    pub allocated: u64,
    pub peak: u64,
    pub startup: u64,
    /// Resident set size of the process.
    pub rss: u64,
    pub clients_normal: u64,
    pub aof_buffer: u64,
    /// The EVAL scripts' cache and the function libraries' code.
    pub lua_caches: u64,
    pub functions_caches: u64,
    /// Per database holding keys: (index, main table overhead, expires table overhead).
    /// Expiry times live in the entries: the second is always 0.
    pub dbs: Vec<(usize, u64, u64)>,
    pub keys: u64,
    /// Everything above but the data itself.
    pub total: u64,
    /// `allocated` minus `total`.
    pub dataset: u64,
}

impl Overhead {
    /// Measures it now.
    pub fn measure(server: &ServerState) -> Overhead {
        let allocated = crate::memory::allocated() as u64;
        let peak = (crate::memory::sample_peak() as u64).max(allocated);
        let startup = crate::memory::startup() as u64;
        let rss = super::info::rss_bytes();
        let clients_normal: u64 = server.clients.list().iter().map(|c| c.memory().total).sum();
        let aof_buffer = server.aof.buffered();
        let (_, lua_caches) = server.scripts.cached_scripts();
        let functions_caches = server
            .functions
            .read(|set| set.libraries.values().map(|l| l.code.len()).sum::<usize>());
        let databases = server.config.read().databases;
        let mut dbs = Vec::new();
        let mut keys = 0;
        for db in 0..databases {
            let info = server.store.db_info(db);
            if info.keys == 0 {
                continue;
            }
            keys += info.keys as u64;
            dbs.push((db, info.keys as u64 * KEY_OVERHEAD, 0));
        }
        let tables: u64 = dbs.iter().map(|(_, main, expires)| main + expires).sum();
        let total = startup
            + clients_normal
            + aof_buffer
            + lua_caches as u64
            + functions_caches as u64
            + tables;
        Overhead {
            allocated,
            peak,
            startup,
            rss,
            clients_normal,
            aof_buffer,
            lua_caches: lua_caches as u64,
            functions_caches: functions_caches as u64,
            dbs,
            keys,
            total,
            dataset: allocated.saturating_sub(total),
        }
    }

    /// The data's share of what was allocated since start-up, in percent.
    pub fn dataset_percentage(&self) -> f64 {
        let net = self.allocated.saturating_sub(self.startup).max(1);
        self.dataset as f64 * 100.0 / net as f64
    }

    /// Bytes allocated since start-up per key (0 without keys).
    pub fn bytes_per_key(&self) -> u64 {
        self.allocated
            .saturating_sub(self.startup)
            .checked_div(self.keys)
            .unwrap_or(0)
    }

    /// The resident set over what is allocated (Redis's total fragmentation).
    pub fn fragmentation(&self) -> f64 {
        self.rss as f64 / self.allocated.max(1) as f64
    }
}

/// `MEMORY USAGE key [SAMPLES count]`.
fn usage(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut samples = DEFAULT_SAMPLES;
    let mut i = 3;
    while i < argv.len() {
        if super::args::is(&argv[i], "samples") && i + 1 < argv.len() {
            let n = crate::store::numeric::parse_i64(&argv[i + 1]).ok_or(Error::NotInteger)?;
            samples = match n {
                0 => usize::MAX,
                n if n < 0 => return Err(Error::Syntax),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            };
            i += 2;
        } else {
            return Err(Error::Syntax);
        }
    }
    let key = &argv[2];
    let db = ctx.db();
    // No access recorded: Redis finds the entry in the dictionary directly.
    let Some(entry) = ctx.txn().peek(db, key) else {
        return Ok(Reply::Null);
    };
    Ok(Reply::integer(entry.footprint_sampled(key, samples)))
}

/// `MEMORY STATS`.
fn stats(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let m = Overhead::measure(ctx.server);
    let int = |name: &'static str, n: u64| (Reply::bulk_static(name), Reply::integer(n));
    let signed = |name: &'static str, n: i64| (Reply::bulk_static(name), Reply::Integer(n));
    let double = |name: &'static str, d: f64| (Reply::bulk_static(name), Reply::Double(d));
    let mut fields = vec![
        int("peak.allocated", m.peak),
        int("total.allocated", m.allocated),
        int("startup.allocated", m.startup),
        int("replication.backlog", 0),
        int("clients.slaves", 0),
        int("clients.normal", m.clients_normal),
        int("cluster.links", 0),
        int("aof.buffer", m.aof_buffer),
        int("lua.caches", m.lua_caches),
        int("functions.caches", m.functions_caches),
    ];
    for &(db, main, expires) in &m.dbs {
        fields.push((
            Reply::bulk(format!("db.{db}")),
            Reply::Map(vec![
                int("overhead.hashtable.main", main),
                int("overhead.hashtable.expires", expires),
                int("overhead.hashtable.slot-to-keys", 0),
            ]),
        ));
    }
    // The system allocator reports nothing of its pages: what it holds is what we count,
    // and its resident bytes are the process's (INFO memory says the same).
    let (allocated, active, resident) = (m.allocated, m.allocated, m.rss);
    fields.extend([
        int("overhead.total", m.total),
        int("keys.count", m.keys),
        int("keys.bytes-per-key", m.bytes_per_key()),
        int("dataset.bytes", m.dataset),
        double("dataset.percentage", m.dataset_percentage()),
        double(
            "peak.percentage",
            m.allocated as f64 * 100.0 / m.peak.max(1) as f64,
        ),
        int("allocator.allocated", allocated),
        int("allocator.active", active),
        int("allocator.resident", resident),
        double("allocator-fragmentation.ratio", ratio(active, allocated)),
        signed(
            "allocator-fragmentation.bytes",
            active as i64 - allocated as i64,
        ),
        double("allocator-rss.ratio", ratio(resident, active)),
        signed("allocator-rss.bytes", resident as i64 - active as i64),
        double("rss-overhead.ratio", ratio(m.rss, resident)),
        signed("rss-overhead.bytes", m.rss as i64 - resident as i64),
        double("fragmentation", m.fragmentation()),
        signed("fragmentation.bytes", m.rss as i64 - m.allocated as i64),
    ]);
    Ok(Reply::Map(fields))
}

fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b.max(1) as f64
}

/// `MEMORY DOCTOR`: Redis's `getMemoryDoctorReport` over our numbers.
fn doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let m = Overhead::measure(ctx.server);
    let clients = ctx.server.clients.list().len().max(1) as u64;
    let scripts = ctx.server.scripts.cached_scripts().0;
    Ok(Reply::text("txt", doctor_report(&m, clients, scripts)))
}

fn doctor_report(m: &Overhead, clients: u64, cached_scripts: usize) -> String {
    const TEN_MB: i64 = 10 << 20;
    let mut issues: Vec<&str> = Vec::new();
    let empty = m.allocated < 5 * 1024 * 1024;
    if !empty {
        if m.peak as f32 / m.allocated as f32 > 1.5 {
            issues.push(BIG_PEAK);
        }
        let rss_bytes = m.rss as i64 - m.allocated as i64;
        if m.fragmentation() > 1.4 && rss_bytes > TEN_MB {
            issues.push(HIGH_FRAG);
        }
        // Allocator fragmentation and the rss overhead beyond the allocator's are 1.0 on
        // the system allocator; its rss ratio is the process's.
        if ratio(m.rss, m.allocated) > 1.1 && rss_bytes > TEN_MB {
            issues.push(HIGH_ALLOC_RSS);
        }
        if m.clients_normal / clients > 1024 * 200 {
            issues.push(BIG_CLIENT_BUF);
        }
        if cached_scripts > 1000 {
            issues.push(MANY_SCRIPTS);
        }
    }
    if empty {
        return "Hi Sam, this instance is empty or is using very little memory, my issues \
                detector can't be used in these conditions. Please, leave for your mission \
                on Earth and fill it with some data. The new Sam and I will be back to our \
                programming as soon as I finished rebooting.\n"
            .to_string();
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account \
                for what occurs on this base.\n"
            .to_string();
    }
    let mut out =
        String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for issue in issues {
        out.push_str(issue);
        out.push_str("\n\n");
    }
    out.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    out
}

const BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.";
const HIGH_FRAG: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".";
const HIGH_ALLOC_RSS: &str = " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.";
const BIG_CLIENT_BUF: &str = " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.";
const MANY_SCRIPTS: &str = " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.";

/// `MEMORY MALLOC-STATS`: Redis's reply when its allocator is not jemalloc.
fn malloc_stats(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::bulk_static(
        "Stats not supported for the current allocator",
    ))
}

/// `MEMORY PURGE`: the allocator's free pages go back to the system.
fn purge(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    crate::memory::purge();
    Ok(Reply::ok())
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::Harness;

    #[test]
    fn usage_counts_the_key_and_its_value() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["MEMORY", "USAGE", "nokey"]), Reply::Null);
        h.run(&["SET", "k", "v"]);
        let small = match h.run(&["MEMORY", "USAGE", "k"]) {
            Reply::Integer(n) => n,
            other => panic!("{other:?}"),
        };
        assert_eq!(small, KEY_OVERHEAD as i64);
        h.run(&["SET", "big", &"x".repeat(1000)]);
        let Reply::Integer(big) = h.run(&["MEMORY", "USAGE", "big"]) else {
            panic!()
        };
        assert!(big > 1000, "{big}");
        // Sampling extrapolates from the first elements: a hash of equal fields measures
        // the same with 5 samples or all of them.
        for i in 0..100 {
            h.run(&["HSET", "h", &format!("f{i:03}"), "value"]);
        }
        let five = h.run(&["MEMORY", "USAGE", "h"]);
        assert_eq!(five, h.run(&["MEMORY", "USAGE", "h", "SAMPLES", "0"]));
        assert_eq!(
            h.err(&["MEMORY", "USAGE", "h", "SAMPLES", "-1"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["MEMORY", "USAGE", "h", "SAMPLES", "x"]),
            "ERR value is not an integer or out of range"
        );
        assert_eq!(h.err(&["MEMORY", "USAGE", "h", "FOO"]), "ERR syntax error");
        assert_eq!(
            h.err(&["MEMORY", "USAGE", "h", "SAMPLES"]),
            "ERR syntax error"
        );
    }

    #[test]
    fn stats_lists_redis_fields_in_order() {
        let mut h = Harness::new();
        h.run(&["SET", "k", "v"]);
        let Reply::Map(fields) = h.run(&["MEMORY", "STATS"]) else {
            panic!()
        };
        let names: Vec<String> = fields
            .iter()
            .map(|(k, _)| match k {
                Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names.len(), 27 + 1);
        assert_eq!(names[0], "peak.allocated");
        assert_eq!(names[10], "db.0");
        assert_eq!(names[11], "overhead.total");
        assert_eq!(names[27], "fragmentation.bytes");
    }

    #[test]
    fn doctor_reports_like_redis() {
        let mut m = Overhead {
            allocated: 1 << 20,
            peak: 1 << 20,
            startup: 1 << 19,
            rss: 1 << 21,
            clients_normal: 0,
            aof_buffer: 0,
            lua_caches: 0,
            functions_caches: 0,
            dbs: Vec::new(),
            keys: 0,
            total: 0,
            dataset: 0,
        };
        assert!(doctor_report(&m, 1, 0).starts_with("Hi Sam, this instance is empty"));
        m.allocated = 100 << 20;
        m.peak = 100 << 20;
        m.rss = 100 << 20;
        assert!(doctor_report(&m, 1, 0).starts_with("Hi Sam, I can't find any memory issue"));
        m.peak = 200 << 20;
        let report = doctor_report(&m, 1, 2000);
        assert!(report.starts_with("Sam, I detected a few issues"));
        assert!(report.contains(" * Peak memory:") && report.contains(" * Many scripts:"));
        assert!(report.ends_with("I want to help you.\n"));
    }
}
