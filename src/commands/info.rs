//! The text of `INFO`: `# Section` headers and `field:value` lines ending in "\r\n", sections
//! separated by an empty line, in redis-server's section order whatever order they were
//! asked in.
//!
//! Sections: server, clients, memory, persistence, stats, replication, cpu, modules,
//! commandstats, errorstats, latencystats, cluster, keyspace. No argument and `default`
//! select all but commandstats and latencystats, `all` and `everything` all of them, as in
//! Redis 7.0; an unknown name selects nothing. Every field of Redis 7.0.15 is printed, in
//! its order: measured here where Memorabilia has the number, and otherwise the value Redis
//! shows in the equivalent state (a master without replicas, no fork, no defrag, no I/O
//! threads). Additions: `memorabilia_version`, and Redis 7.2's `listener0` and
//! `total_blocking_keys*` (we report 7.2.4).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::connection::REDIS_VERSION;
use crate::state::ServerState;

/// Section names in output order.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// The sections `INFO` and `INFO default` print: all but the per-command statistics.
fn default_sections() -> impl Iterator<Item = &'static str> {
    SECTIONS
        .iter()
        .copied()
        .filter(|s| !matches!(*s, "commandstats" | "latencystats"))
}

/// Which sections the `INFO` arguments select.
fn selected(args: &[Bytes]) -> Vec<&'static str> {
    if args.is_empty() {
        return default_sections().collect();
    }
    let mut wanted = Vec::new();
    for arg in args {
        let arg = arg.to_ascii_lowercase();
        match arg.as_slice() {
            b"all" | b"everything" => return SECTIONS.to_vec(),
            b"default" => wanted.extend(default_sections()),
            // Redis names the module list section both ways.
            b"module_list" => wanted.push("modules"),
            name => wanted.extend(SECTIONS.iter().filter(|s| s.as_bytes() == name)),
        }
    }
    SECTIONS
        .iter()
        .copied()
        .filter(|s| wanted.contains(s))
        .collect()
}

/// Renders the `INFO` text for the given arguments (section names).
pub fn render(server: &ServerState, args: &[Bytes]) -> String {
    let mut out = String::new();
    for (i, section) in selected(args).into_iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let title = match section {
            "cpu" => "CPU".to_string(),
            s => s[..1].to_ascii_uppercase() + &s[1..],
        };
        let _ = write!(out, "# {title}\r\n");
        let lines = match section {
            "server" => server_section(server),
            "clients" => clients_section(server),
            "memory" => memory_section(server),
            "persistence" => persistence_section(server),
            "stats" => stats_section(server),
            "replication" => replication_section(server),
            "cpu" => cpu_section(),
            "commandstats" => commandstats_section(server),
            "errorstats" => errorstats_section(server),
            "latencystats" => latencystats_section(server),
            "cluster" => vec![("cluster_enabled".into(), "0".into())],
            "keyspace" => keyspace_section(server),
            _ => Vec::new(),
        };
        for (name, value) in lines {
            let _ = write!(out, "{name}:{value}\r\n");
        }
    }
    out
}

type Lines = Vec<(String, String)>;

fn line(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

fn unix_now() -> std::time::Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn read_proc(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn server_section(server: &ServerState) -> Lines {
    let config = server.config.read();
    let os = format!(
        "{} {} {}",
        read_proc("/proc/sys/kernel/ostype").trim(),
        read_proc("/proc/sys/kernel/osrelease").trim(),
        std::env::consts::ARCH
    );
    let now = unix_now();
    let uptime = server.started.elapsed().as_secs();
    let port = server.resp_port.load(Ordering::Relaxed);
    let executable = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    vec![
        line("redis_version", REDIS_VERSION),
        line("memorabilia_version", crate::VERSION),
        line("redis_git_sha1", "00000000"),
        line("redis_git_dirty", 0),
        line("redis_build_id", build_id()),
        line("redis_mode", "standalone"),
        line("os", os.trim()),
        line("arch_bits", usize::BITS),
        // std's Instant on Linux; what Redis prints without its TSC clock.
        line("monotonic_clock", "POSIX clock_gettime"),
        line("multiplexing_api", "epoll"),
        line("atomicvar_api", "c11-builtin"),
        // Redis prints 0.0.0 when not built by GCC.
        line("gcc_version", "0.0.0"),
        line("process_id", std::process::id()),
        line("process_supervised", "no"),
        line("run_id", &server.run_id),
        line("tcp_port", port),
        line("server_time_usec", now.as_micros()),
        line("uptime_in_seconds", uptime),
        line("uptime_in_days", uptime / 86400),
        line("hz", config.hz),
        line("configured_hz", config.hz),
        // Redis's LRU clock: seconds, wrapping at 24 bits.
        line("lru_clock", now.as_secs() & ((1 << 24) - 1)),
        line("executable", executable),
        line("config_file", config.config_file.as_deref().unwrap_or("")),
        line("io_threads_active", 0),
        line(
            "listener0",
            format!("name=tcp,bind={},port={port}", config.bind),
        ),
    ]
}

/// Redis's build id: a hex hash of what built it; ours hashes our version.
fn build_id() -> String {
    let digest = sha1_smol::Sha1::from(crate::VERSION).digest().to_string();
    digest[..15].to_string()
}

fn clients_section(server: &ServerState) -> Lines {
    // Redis keeps the largest query and output buffers of the last few seconds, sampled
    // by its cron; here they are the largest now.
    let (max_input, max_output) = server
        .clients
        .list()
        .iter()
        .map(|c| (c.memory().query_buffer, c.memory().output_memory))
        .fold((0, 0), |(i, o), (qi, qo)| (i.max(qi), o.max(qo)));
    vec![
        line("connected_clients", server.clients.count()),
        line("cluster_connections", 0),
        line("maxclients", server.config.read().maxclients),
        line("client_recent_max_input_buffer", max_input),
        line("client_recent_max_output_buffer", max_output),
        line("blocked_clients", server.blocking.blocked_clients()),
        line("tracking_clients", server.tracking.tracking_clients()),
        line("clients_in_timeout_table", server.blocking.with_timeout()),
        line("total_blocking_keys", server.blocking.blocking_keys()),
        line("total_blocking_keys_on_nokey", 0),
    ]
}

/// Redis's `bytesToHuman`: B below 1 KiB, else two decimals and K, M, G, T or P.
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: &[(u64, &str)] = &[
        (1 << 50, "P"),
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    if n >= 1 << 60 {
        return format!("{n}B");
    }
    for &(unit, suffix) in UNITS {
        if n >= unit {
            return format!("{:.2}{suffix}", n as f64 / unit as f64);
        }
    }
    format!("{n}B")
}

/// A `Vm...: N kB` field of /proc/self/status, in bytes.
fn proc_status_bytes(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// `used_memory` as INFO reports it: the bytes the process has allocated and not freed
/// (the counting allocator of [`crate::memory`]), what `maxmemory` limits.
/// The process's resident set size (`VmRSS`).
pub fn rss_bytes() -> u64 {
    proc_status_bytes(&read_proc("/proc/self/status"), "VmRSS")
}

pub fn used_memory() -> u64 {
    crate::memory::allocated() as u64
}

fn memory_section(server: &ServerState) -> Lines {
    // used_memory counts allocations, as Redis's zmalloc does; the resident set size comes
    // from /proc/self/status and also holds code, stacks and the allocator's free pages.
    let m = super::memory::Overhead::measure(server);
    let (used, rss, peak, startup) = (m.allocated, m.rss, m.peak, m.startup);
    let total = proc_status_bytes(&read_proc("/proc/meminfo"), "MemTotal");
    let (clients, aof_buffer) = (m.clients_normal, m.aof_buffer);
    let scripting = scripting_memory_lines(server);
    let (overhead, dataset) = (m.total, m.dataset);
    let config = server.config.read();
    let perc = |part: u64, whole: u64| {
        if whole == 0 {
            "0.00%".to_string()
        } else {
            format!("{:.2}%", part as f64 * 100.0 / whole as f64)
        }
    };
    let ratio = |a: u64, b: u64| {
        if b == 0 {
            "0.00".to_string()
        } else {
            format!("{:.2}", a as f64 / b as f64)
        }
    };
    // The system allocator tells nothing of its pages (Redis's libc build prints zeros and
    // NaN ratios): its allocated and active bytes are what we count, resident is the RSS.
    let (allocated, active, resident) = (used, used, rss);
    let mut lines = vec![
        line("used_memory", used),
        line("used_memory_human", bytes_to_human(used)),
        line("used_memory_rss", rss),
        line("used_memory_rss_human", bytes_to_human(rss)),
        line("used_memory_peak", peak),
        line("used_memory_peak_human", bytes_to_human(peak)),
        line("used_memory_peak_perc", perc(used, peak)),
        line("used_memory_overhead", overhead),
        line("used_memory_startup", startup),
        line("used_memory_dataset", dataset),
        line(
            "used_memory_dataset_perc",
            format!("{:.2}%", m.dataset_percentage()),
        ),
        line("allocator_allocated", allocated),
        line("allocator_active", active),
        line("allocator_resident", resident),
        line("total_system_memory", total),
        line("total_system_memory_human", bytes_to_human(total)),
    ];
    lines.extend(scripting);
    lines.extend([
        line("maxmemory", config.maxmemory),
        line("maxmemory_human", bytes_to_human(config.maxmemory)),
        line("maxmemory_policy", &config.maxmemory_policy),
        line("allocator_frag_ratio", ratio(active, allocated)),
        line("allocator_frag_bytes", active - allocated),
        line("allocator_rss_ratio", ratio(resident, active)),
        line("allocator_rss_bytes", resident as i64 - active as i64),
        line("rss_overhead_ratio", ratio(rss, resident)),
        line("rss_overhead_bytes", rss as i64 - resident as i64),
        line("mem_fragmentation_ratio", ratio(rss, used)),
        line("mem_fragmentation_bytes", rss as i64 - used as i64),
        // maxmemory counts every allocation, the AOF buffer too.
        line("mem_not_counted_for_evict", 0),
        line("mem_replication_backlog", 0),
        line("mem_total_replication_buffers", 0),
        line("mem_clients_slaves", 0),
        line("mem_clients_normal", clients),
        line("mem_cluster_links", 0),
        line("mem_aof_buffer", aof_buffer),
        line("mem_allocator", "libc"),
        line("active_defrag_running", 0),
        // Values are freed where they are dropped: nothing waits for a lazy-free thread.
        line("lazyfree_pending_objects", 0),
        line("lazyfreed_objects", 0),
    ]);
    lines
}

/// INFO memory's scripting fields, in Redis 7.0's order: the two interpreters' memory (as
/// of their last periodic GC step) and what the cached scripts and libraries hold; and
/// that last total (`used_memory_scripts`).
fn scripting_memory_lines(server: &ServerState) -> Lines {
    use crate::scripting::ScriptKind;
    let eval_vm = server.scripts.vm_bytes(ScriptKind::Eval);
    let functions_vm = server.scripts.vm_bytes(ScriptKind::Function);
    let (cached, scripts_bytes) = server.scripts.cached_scripts();
    let (functions, libraries, functions_bytes) = server.functions.read(|set| {
        let code: usize = set.libraries.values().map(|l| l.code.len()).sum();
        (set.functions.len(), set.libraries.len(), code)
    });
    let scripts_total = (scripts_bytes + functions_bytes) as u64;
    let lines = vec![
        line("used_memory_lua", eval_vm),
        line("used_memory_vm_eval", eval_vm),
        line("used_memory_lua_human", bytes_to_human(eval_vm)),
        line("used_memory_scripts_eval", scripts_bytes),
        line("number_of_cached_scripts", cached),
        line("number_of_functions", functions),
        line("number_of_libraries", libraries),
        line("used_memory_vm_functions", functions_vm),
        line("used_memory_vm_total", eval_vm + functions_vm),
        line(
            "used_memory_vm_total_human",
            bytes_to_human(eval_vm + functions_vm),
        ),
        line("used_memory_functions", functions_bytes),
        line("used_memory_scripts", scripts_total),
        line("used_memory_scripts_human", bytes_to_human(scripts_total)),
    ];
    lines
}

fn persistence_section(server: &ServerState) -> Lines {
    let p = server.persistence.info();
    let aof = &server.aof;
    let rewriting = load_bool(&aof.rewrite_in_progress);
    let mut lines = vec![
        line("loading", 0),
        line("async_loading", 0),
        line("current_cow_peak", p.cow_peak),
        line("current_cow_size", p.cow_current),
        line("current_cow_size_age", 0),
        line("current_fork_perc", "0.00"),
        line("current_save_keys_processed", p.keys_processed),
        line("current_save_keys_total", p.keys_total),
        line("rdb_changes_since_last_save", p.dirty),
        line("rdb_bgsave_in_progress", u8::from(p.in_progress)),
        line("rdb_last_save_time", p.last_save),
        line(
            "rdb_last_bgsave_status",
            if p.last_bgsave_ok { "ok" } else { "err" },
        ),
        line("rdb_last_bgsave_time_sec", p.last_bgsave_secs),
        line("rdb_current_bgsave_time_sec", p.current_secs),
        line("rdb_saves", p.saves),
        line("rdb_last_cow_size", p.cow_last),
        line("rdb_last_load_keys_expired", p.loaded_expired),
        line("rdb_last_load_keys_loaded", p.loaded_keys),
        line("aof_enabled", u8::from(aof.active())),
        line("aof_rewrite_in_progress", u8::from(rewriting)),
        line(
            "aof_rewrite_scheduled",
            u8::from(load_bool(&aof.rewrite_scheduled)),
        ),
        line(
            "aof_last_rewrite_time_sec",
            aof.last_rewrite_secs.load(Ordering::Relaxed),
        ),
        line(
            "aof_current_rewrite_time_sec",
            server
                .persistence
                .running_for(crate::persist::save::Job::AofRewrite)
                .map_or(-1, |d| d.as_secs() as i64),
        ),
        line(
            "aof_last_bgrewrite_status",
            ok_err(load_bool(&aof.last_rewrite_ok)),
        ),
        line("aof_rewrites", aof.rewrites.load(Ordering::Relaxed)),
        line("aof_rewrites_consecutive_failures", 0),
        line("aof_last_write_status", ok_err(!aof.write_failed())),
        line("aof_last_cow_size", 0),
        line("module_fork_in_progress", 0),
        line("module_fork_last_cow_size", 0),
    ];
    if aof.active() {
        lines.extend([
            line("aof_current_size", aof.current_size.load(Ordering::Relaxed)),
            line("aof_base_size", aof.base_size.load(Ordering::Relaxed)),
            line("aof_pending_rewrite", 0),
            line("aof_buffer_length", aof.buffered()),
            line("aof_pending_bio_fsync", 0),
            line("aof_delayed_fsync", 0),
        ]);
    }
    lines
}

fn load_bool(flag: &std::sync::atomic::AtomicBool) -> bool {
    flag.load(Ordering::Relaxed)
}

fn ok_err(ok: bool) -> &'static str {
    if ok { "ok" } else { "err" }
}

fn stats_section(server: &ServerState) -> Lines {
    let stats = &server.stats;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let kbps = |c: &std::sync::atomic::AtomicU64| format!("{:.2}", f64::from_bits(load(c)));
    let (hits, misses) = server.store.hits_and_misses();
    let (channels, patterns, shard_channels) = server.pubsub.sizes();
    let zero = |name: &str| line(name, 0);
    vec![
        line(
            "total_connections_received",
            load(&stats.total_connections_received),
        ),
        line("total_commands_processed", stats.commands.total_calls()),
        line(
            "instantaneous_ops_per_sec",
            load(&stats.instantaneous_ops_per_sec),
        ),
        line(
            "total_net_input_bytes",
            load(&stats.net.total_net_input_bytes),
        ),
        line(
            "total_net_output_bytes",
            load(&stats.net.total_net_output_bytes),
        ),
        zero("total_net_repl_input_bytes"),
        zero("total_net_repl_output_bytes"),
        line(
            "instantaneous_input_kbps",
            kbps(&stats.instantaneous_input_kbps),
        ),
        line(
            "instantaneous_output_kbps",
            kbps(&stats.instantaneous_output_kbps),
        ),
        line("instantaneous_input_repl_kbps", "0.00"),
        line("instantaneous_output_repl_kbps", "0.00"),
        line("rejected_connections", load(&stats.rejected_connections)),
        zero("sync_full"),
        zero("sync_partial_ok"),
        zero("sync_partial_err"),
        line(
            "expired_keys",
            server.store.stats.expired_keys.load(Ordering::Relaxed),
        ),
        // The active expiry cycle's own figures are not kept.
        line("expired_stale_perc", "0.00"),
        zero("expired_time_cap_reached_count"),
        zero("expire_cycle_cpu_milliseconds"),
        line(
            "evicted_keys",
            server.store.stats.evicted_keys.load(Ordering::Relaxed),
        ),
        // maxmemory-clients is not implemented: no client is evicted.
        zero("evicted_clients"),
        zero("total_eviction_exceeded_time"),
        zero("current_eviction_exceeded_time"),
        line("keyspace_hits", hits),
        line("keyspace_misses", misses),
        line("pubsub_channels", channels),
        line("pubsub_patterns", patterns),
        line("pubsubshard_channels", shard_channels),
        // Snapshots are written by a thread, never a fork.
        zero("latest_fork_usec"),
        zero("total_forks"),
        zero("migrate_cached_sockets"),
        zero("slave_expires_tracked_keys"),
        zero("active_defrag_hits"),
        zero("active_defrag_misses"),
        zero("active_defrag_key_hits"),
        zero("active_defrag_key_misses"),
        zero("total_active_defrag_time"),
        zero("current_active_defrag_time"),
        line("tracking_total_keys", server.tracking.total_keys()),
        line("tracking_total_items", server.tracking.total_items()),
        line("tracking_total_prefixes", server.tracking.total_prefixes()),
        zero("unexpected_error_replies"),
        line("total_error_replies", stats.errors.total()),
        // RESTORE payloads are checked in full whatever sanitize-dump-payload says.
        zero("dump_payload_sanitizations"),
        line(
            "total_reads_processed",
            load(&stats.net.total_reads_processed),
        ),
        line(
            "total_writes_processed",
            load(&stats.net.total_writes_processed),
        ),
        zero("io_threaded_reads_processed"),
        zero("io_threaded_writes_processed"),
        zero("reply_buffer_shrinks"),
        zero("reply_buffer_expands"),
    ]
}

/// `cmdstat_<name>:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..` for
/// every command (subcommands as `container|sub`) called, rejected or failed at least once.
fn commandstats_section(server: &ServerState) -> Lines {
    let routes = crate::commands::all_routes();
    server
        .stats
        .commands
        .all()
        .into_iter()
        .zip(routes)
        .filter(|(c, _)| c.calls > 0 || c.rejected > 0 || c.failed > 0)
        .map(|(c, route)| {
            let per_call = if c.calls == 0 {
                0.0
            } else {
                c.usec as f32 / c.calls as f32
            };
            line(
                &format!("cmdstat_{}", route.full_name),
                format!(
                    "calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                    c.calls, c.usec, c.rejected, c.failed
                ),
            )
        })
        .collect()
}

/// `latency_percentiles_usec_<command>:p50=..,p99=..,p99.9=..` for every command with
/// tracked calls since the last reset: the `latency-tracking-info-percentiles` of its
/// histogram (Redis's HDR layout and `hdr_value_at_percentile`), in microseconds with 3
/// decimals. Redis lists commands in its command table's hash order; ours is table order.
fn latencystats_section(server: &ServerState) -> Lines {
    let percentiles = server
        .config
        .read()
        .latency_tracking_info_percentiles
        .clone();
    let names: Vec<String> = percentiles
        .iter()
        .map(|p| crate::config::percentile_text(*p))
        .collect();
    let stats = &server.stats.commands;
    crate::commands::all_routes()
        .iter()
        .filter_map(|route| {
            let values = stats.latency_percentiles(route.id, &percentiles)?;
            let shown: Vec<String> = names
                .iter()
                .zip(values)
                .map(|(name, ns)| format!("p{name}={:.3}", ns as f64 / 1000.0))
                .collect();
            Some(line(
                &format!("latency_percentiles_usec_{}", route.full_name),
                shown.join(","),
            ))
        })
        .collect()
}

/// `errorstat_<code>:count=<n>` for every error code answered since the last reset.
fn errorstats_section(server: &ServerState) -> Lines {
    server
        .stats
        .errors
        .by_code()
        .into_iter()
        .map(|(code, n)| line(&format!("errorstat_{code}"), format!("count={n}")))
        .collect()
}

fn replication_section(server: &ServerState) -> Lines {
    vec![
        line("role", "master"),
        line("connected_slaves", 0),
        line("master_failover_state", "no-failover"),
        line("master_replid", &server.run_id),
        line("master_replid2", "0".repeat(40)),
        line("master_repl_offset", 0),
        line("second_repl_offset", -1),
        line("repl_backlog_active", 0),
        line("repl_backlog_size", 1048576),
        line("repl_backlog_first_byte_offset", 0),
        line("repl_backlog_histlen", 0),
    ]
}

/// `(system, user)` CPU time in Redis's `seconds.micros` form from a /proc `stat` file.
fn cpu_times(path: &str) -> (String, String) {
    // utime and stime are fields 14 and 15, in USER_HZ ticks (100 a second on Linux). The
    // command name (field 2) may contain spaces: count after its ')'.
    let stat = read_proc(path);
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Field 14 is the 12th after the ')' (field 3 is the first).
    let (user, sys) = (ticks(11), ticks(12));
    let secs = |t: u64| format!("{}.{:06}", t / 100, (t % 100) * 10_000);
    (secs(sys), secs(user))
}

fn cpu_section() -> Lines {
    let (sys, user) = cpu_times("/proc/self/stat");
    // Redis's main thread is the one that runs commands; here, the worker running INFO.
    let (thread_sys, thread_user) = cpu_times("/proc/thread-self/stat");
    vec![
        line("used_cpu_sys", sys),
        line("used_cpu_user", user),
        line("used_cpu_sys_children", "0.000000"),
        line("used_cpu_user_children", "0.000000"),
        line("used_cpu_sys_main_thread", thread_sys),
        line("used_cpu_user_main_thread", thread_user),
    ]
}

fn keyspace_section(server: &ServerState) -> Lines {
    let databases = server.config.read().databases;
    (0..databases)
        .filter_map(|db| {
            let info = server.store.db_info(db);
            (info.keys > 0).then(|| {
                line(
                    &format!("db{db}"),
                    format!(
                        "keys={},expires={},avg_ttl={}",
                        info.keys, info.expires, info.avg_ttl
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_match_redis() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(1388056), "1.32M");
        assert_eq!(bytes_to_human(25276502016), "23.54G");
    }

    #[test]
    fn section_selection() {
        let args = |w: &[&str]| -> Vec<Bytes> {
            w.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        let defaults: Vec<_> = SECTIONS
            .iter()
            .copied()
            .filter(|s| !["commandstats", "latencystats"].contains(s))
            .collect();
        assert_eq!(selected(&[]), defaults);
        assert_eq!(selected(&args(&["default"])), defaults);
        assert_eq!(selected(&args(&["EVERYTHING"])), SECTIONS);
        assert_eq!(selected(&args(&["all"])), SECTIONS);
        assert_eq!(
            selected(&args(&["errorstats", "commandstats"])),
            ["commandstats", "errorstats"]
        );
        assert_eq!(
            selected(&args(&["keyspace", "Server", "server"])),
            ["server", "keyspace"]
        );
        assert!(selected(&args(&["nosuch"])).is_empty());
        assert_eq!(selected(&args(&["module_list"])), ["modules"]);
    }

    #[test]
    fn proc_fields() {
        let status = "Name:\tx\nVmHWM:\t    1968 kB\nVmRSS:\t     900 kB\n";
        assert_eq!(proc_status_bytes(status, "VmHWM"), 1968 * 1024);
        assert_eq!(proc_status_bytes(status, "VmRSS"), 900 * 1024);
        assert_eq!(proc_status_bytes(status, "VmSwap"), 0);
    }
}
