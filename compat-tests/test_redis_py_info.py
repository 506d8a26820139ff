"""INFO and CLIENT LIST / CLIENT INFO against Redis 7.0.15: the field names of every
`INFO everything` section, in order, as recorded below from redis-server 7.0.15
(`redis-server --save '' --appendonly no`, no replicas, no modules); the section
selection rules (default, all, everything, several names, unknown names, any case); and
the CLIENT LIST memory fields following a client's buffers (a large partial command, a
blocked command, a MULTI queue, a big reply the client does not read). Validated against
redis-server 7.0.15 with ORACLE_IS_REDIS_70=1.
"""
import socket
import time

from conftest import HOST, PORT, open_raw

# Fields Memorabilia adds, each with its reason; a server that lacks them passes too.
EXTRA_FIELDS = {
    # Our own version (redis_version says what clients may expect of the protocol).
    "Server": ["memorabilia_version",
               # Redis 7.2's listener line: we report redis_version 7.2.4.
               "listener0"],
    # Redis 7.2's blocking counters, for the same reason.
    "Clients": ["total_blocking_keys", "total_blocking_keys_on_nokey"],
}

# Printed by Redis 7.0 only while the append-only file is on (after aof_*_status...).
AOF_ON_FIELDS = ["aof_current_size", "aof_base_size", "aof_pending_rewrite",
                 "aof_buffer_length", "aof_pending_bio_fsync", "aof_delayed_fsync"]

# Sections whose lines are one per item (key space, command, error): checked by prefix.
ITEM_PREFIX = {"Keyspace": "db", "Commandstats": "cmdstat_", "Errorstats": "errorstat_",
               "Latencystats": "latency_percentiles_usec_"}

INFO_70 = {
    "Server": [
        "redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id",
        "redis_mode", "os", "arch_bits", "monotonic_clock", "multiplexing_api",
        "atomicvar_api", "gcc_version", "process_id", "process_supervised", "run_id",
        "tcp_port", "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz",
        "configured_hz", "lru_clock", "executable", "config_file", "io_threads_active",
    ],
    "Clients": [
        "connected_clients", "cluster_connections", "maxclients",
        "client_recent_max_input_buffer", "client_recent_max_output_buffer",
        "blocked_clients", "tracking_clients", "clients_in_timeout_table",
    ],
    "Memory": [
        "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
        "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc",
        "used_memory_overhead", "used_memory_startup", "used_memory_dataset",
        "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
        "allocator_resident", "total_system_memory", "total_system_memory_human",
        "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
        "used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
        "number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total",
        "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts",
        "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
        "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio",
        "allocator_rss_bytes", "rss_overhead_ratio", "rss_overhead_bytes",
        "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
        "mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves",
        "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer", "mem_allocator",
        "active_defrag_running", "lazyfree_pending_objects", "lazyfreed_objects",
    ],
    "Persistence": [
        "loading", "async_loading", "current_cow_peak", "current_cow_size",
        "current_cow_size_age", "current_fork_perc", "current_save_keys_processed",
        "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
        "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
        "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
        "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded", "aof_enabled",
        "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
        "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
        "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size",
    ],
    "Stats": [
        "total_connections_received", "total_commands_processed",
        "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
        "total_net_repl_input_bytes", "total_net_repl_output_bytes",
        "instantaneous_input_kbps", "instantaneous_output_kbps",
        "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps",
        "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
        "expired_keys", "expired_stale_perc", "expired_time_cap_reached_count",
        "expire_cycle_cpu_milliseconds", "evicted_keys", "evicted_clients",
        "total_eviction_exceeded_time", "current_eviction_exceeded_time", "keyspace_hits",
        "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
        "latest_fork_usec", "total_forks", "migrate_cached_sockets",
        "slave_expires_tracked_keys", "active_defrag_hits", "active_defrag_misses",
        "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
        "current_active_defrag_time", "tracking_total_keys", "tracking_total_items",
        "tracking_total_prefixes", "unexpected_error_replies", "total_error_replies",
        "dump_payload_sanitizations", "total_reads_processed", "total_writes_processed",
        "io_threaded_reads_processed", "io_threaded_writes_processed",
        "reply_buffer_shrinks", "reply_buffer_expands",
    ],
    "Replication": [
        "role", "connected_slaves", "master_failover_state", "master_replid",
        "master_replid2", "master_repl_offset", "second_repl_offset", "repl_backlog_active",
        "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen",
    ],
    "CPU": [
        "used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
        "used_cpu_sys_main_thread", "used_cpu_user_main_thread",
    ],
    "Modules": [],
    "Commandstats": [],
    "Errorstats": [],
    "Latencystats": [],
    "Cluster": [
        "cluster_enabled",
    ],
    "Keyspace": [],
}

DEFAULT_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication",
                    "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"]
ALL_SECTIONS = list(INFO_70)


def text(reply):
    return bytes(reply).decode()


def sections(info_text):
    """[(title, [field names])] in order."""
    out = []
    for line in info_text.split("\r\n"):
        if line.startswith("# "):
            out.append((line[2:], []))
        elif line:
            out[-1][1].append(line.split(":", 1)[0])
    return out


def test_info_everything_fields_match_redis_70(raw):
    raw.cmd("SET", "k", "v")
    raw.cmd("GET", "k")
    got = sections(text(raw.cmd("INFO", "everything")))
    assert [title for title, _ in got] == ALL_SECTIONS
    for title, fields in got:
        if title in ITEM_PREFIX:
            assert all(f.startswith(ITEM_PREFIX[title]) for f in fields), (title, fields)
            continue
        fields = [f for f in fields if f not in EXTRA_FIELDS.get(title, [])]
        expected = list(INFO_70[title])
        if title == "Persistence" and "aof_enabled:1" in text(raw.cmd("INFO", "persistence")):
            expected += AOF_ON_FIELDS
        assert fields == expected, title
    # Keys written show in the key space, commands in the command statistics.
    stats = text(raw.cmd("INFO", "keyspace", "commandstats"))
    assert "db0:keys=1,expires=0,avg_ttl=0\r\n" in stats
    assert "cmdstat_get:calls=" in stats


def test_info_section_selection(raw):
    def titles(*args):
        return [t for t, _ in sections(text(raw.cmd("INFO", *args)))]

    assert titles() == DEFAULT_SECTIONS
    assert titles("default") == DEFAULT_SECTIONS
    assert titles("all") == ALL_SECTIONS
    assert titles("EveryThing") == ALL_SECTIONS
    assert titles("keyspace", "SERVER", "clients") == ["Server", "Clients", "Keyspace"]
    assert titles("default", "commandstats") == ALL_SECTIONS[:8] + ["Commandstats"] + \
        ["Errorstats", "Cluster", "Keyspace"]
    assert titles("modules") == ["Modules"]
    assert titles("nosuchsection") == []
    assert text(raw.cmd("INFO", "nosuchsection")) == ""
    assert text(raw.cmd("INFO", "cluster")) == "# Cluster\r\ncluster_enabled:0\r\n"


def test_info_values_measure(raw):
    info = dict(line.split(":", 1) for line in text(raw.cmd("INFO", "everything")).split("\r\n")
                if line and not line.startswith("#"))
    assert int(info["connected_clients"]) >= 1
    assert info["role"] == "master" and info["connected_slaves"] == "0"
    used, peak = int(info["used_memory"]), int(info["used_memory_peak"])
    assert 0 < used <= peak
    startup, overhead = int(info["used_memory_startup"]), int(info["used_memory_overhead"])
    assert 0 < startup <= overhead
    assert 0 <= int(info["used_memory_dataset"]) <= used
    # Redis sums client memory in its cron, so a fresh client may count 0 there.
    assert int(info["mem_clients_normal"]) >= 0
    assert int(info["total_reads_processed"]) > 0
    assert float(info["used_cpu_user_main_thread"]) >= 0
    assert float(info["instantaneous_input_kbps"]) >= 0


def latencystats(raw):
    """{command: {percentile name: microseconds}} of INFO latencystats."""
    out = {}
    for line in text(raw.cmd("INFO", "latencystats")).split("\r\n"):
        if line.startswith("latency_percentiles_usec_"):
            name, values = line[len("latency_percentiles_usec_"):].split(":", 1)
            out[name] = {k: float(v) for k, v in
                         (pair.split("=") for pair in values.split(",") if pair)}
    return out


def test_info_latencystats_percentiles(raw):
    raw.cmd("CONFIG", "SET", "latency-tracking", "yes")
    raw.cmd("CONFIG", "RESETSTAT")
    for _ in range(20):
        raw.cmd("SET", "lat", "v")
    raw.cmd("CONFIG", "GET", "maxmemory")
    stats = latencystats(raw)
    # Only what ran since the reset (RESETSTAT itself is counted once it finished).
    assert "set" in stats and "config|get" in stats and "get" not in stats, stats
    assert list(stats["set"]) == ["p50", "p99", "p99.9"]
    p = stats["set"]
    # Microseconds of Redis's HDR buckets: at least a nanosecond, in order.
    assert 0.001 <= p["p50"] <= p["p99"] <= p["p99.9"] < 1_000_000
    try:
        raw.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", "0 12.5 100")
        assert list(latencystats(raw)["set"]) == ["p0", "p12.5", "p100"]
        raw.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", "")
        assert latencystats(raw)["set"] == {}
    finally:
        raw.cmd("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9")


def client_line(raw, name):
    for line in text(raw.cmd("CLIENT", "LIST")).splitlines():
        fields = dict(tok.split("=", 1) for tok in line.split(" "))
        if fields["name"] == name:
            return fields
    raise AssertionError(f"no client named {name}")


def named_socket(name):
    s = socket.create_connection((HOST, PORT))
    s.sendall(f"CLIENT SETNAME {name}\r\n".encode())
    assert s.recv(100) == b"+OK\r\n"
    return s


def wait_for(fn, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value or time.time() > deadline:
            return value
        time.sleep(0.05)


def test_idle_client_query_buffer_is_freed(raw):
    # Redis's unit/querybuf: a client's read buffer is 16-32 KiB after a command, and goes
    # back to the allocator once the client is idle over 2 seconds.
    s = named_socket("qbuf_idle")
    try:
        def total():
            f = client_line(raw, "qbuf_idle")
            return int(f["qbuf"]) + int(f["qbuf-free"])
        assert 16384 <= total() < 32768
        assert wait_for(lambda: int(client_line(raw, "qbuf_idle")["idle"]) >= 3
                        and total() == 0, timeout=8.0)
        # It reads again when the client sends.
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
    finally:
        s.close()


def test_client_info_counts_the_running_command(raw):
    fields = dict(tok.split("=", 1) for tok in text(raw.cmd("CLIENT", "INFO")).strip().split(" "))
    # "*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n" is still in the query buffer; its
    # arguments are "CLIENT" and "INFO".
    assert fields["qbuf"] == "26"
    assert fields["argv-mem"] == "10"
    assert int(fields["qbuf-free"]) > 0
    assert int(fields["tot-mem"]) > 26 + 10


def test_client_list_query_buffer_of_a_partial_command(raw):
    s = named_socket("partial")
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + b"x" * 50000)
        # Redis keeps the parsed header apart (argv-mem 4); here it is still unparsed.
        assert wait_for(lambda: int(client_line(raw, "partial")["qbuf"]) >= 50000)
        fields = client_line(raw, "partial")
        assert int(fields["qbuf-free"]) > 0
        assert int(fields["tot-mem"]) > 100000
        s.sendall(b"x" * 50000 + b"\r\n")
        assert s.recv(100) == b"+OK\r\n"
        assert wait_for(lambda: client_line(raw, "partial")["qbuf"] == "0")
    finally:
        s.close()


def test_client_list_multi_and_blocked_arguments(raw):
    s = named_socket("queuer")
    try:
        s.sendall(b"MULTI\r\nSET a bbbbbbbbbb\r\nSET c d\r\n")
        got = b""
        while got.count(b"\r\n") < 3:
            got += s.recv(100)
        # Arguments' bytes plus a pointer per argument: (14 + 3 * 8) + (5 + 3 * 8).
        assert client_line(raw, "queuer")["multi-mem"] == "67"
        s.sendall(b"DISCARD\r\n")
        assert s.recv(100) == b"+OK\r\n"
        assert client_line(raw, "queuer")["multi-mem"] == "0"
        s.sendall(b"BLPOP somelist 0\r\n")
        assert wait_for(lambda: "b" in client_line(raw, "queuer")["flags"])
        assert client_line(raw, "queuer")["argv-mem"] == "14"
        assert raw.cmd("CLIENT", "UNBLOCK", client_line(raw, "queuer")["id"]) == 1
        assert s.recv(100) == b"*-1\r\n"
        assert wait_for(lambda: client_line(raw, "queuer")["argv-mem"] == "0")
    finally:
        s.close()


def test_client_list_output_of_a_client_that_does_not_read(raw):
    raw.cmd("SET", "big", "y" * 1000000)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((HOST, PORT))
    try:
        s.sendall(b"CLIENT SETNAME slow\r\n")
        assert s.recv(100) == b"+OK\r\n"
        assert client_line(raw, "slow")["omem"] == "0"
        assert client_line(raw, "slow")["events"] == "r"
        s.sendall(b"GET big\r\n" * 5)
        assert wait_for(lambda: int(client_line(raw, "slow")["omem"]) > 500000)
        fields = client_line(raw, "slow")
        assert fields["events"] == "rw"
        assert int(fields["oll"]) > 0
        assert int(fields["tot-mem"]) > int(fields["omem"])

        def recent_max_output():
            info = dict(line.split(":", 1)
                        for line in text(raw.cmd("INFO", "clients")).split("\r\n")
                        if line and not line.startswith("#"))
            return int(info["client_recent_max_output_buffer"]) > 500000

        # Redis samples it in its cron (every second); here it is read when asked.
        assert wait_for(recent_max_output)
    finally:
        s.close()


def test_info_counts_blocked_clients_with_a_timeout(raw):
    def clients():
        return dict(line.split(":", 1) for line in text(raw.cmd("INFO", "clients")).split("\r\n")
                    if line and not line.startswith("#"))

    before = int(clients()["clients_in_timeout_table"])
    forever, timed = named_socket("forever"), named_socket("timed")
    try:
        forever.sendall(b"BLPOP somelist 0\r\n")
        timed.sendall(b"BLPOP somelist 30\r\n")
        assert wait_for(lambda: int(clients()["blocked_clients"]) >= 2)
        # Only the wait with a timeout is in Redis's timeout table.
        assert int(clients()["clients_in_timeout_table"]) == before + 1
        assert raw.cmd("CLIENT", "UNBLOCK", client_line(raw, "timed")["id"]) == 1
        assert timed.recv(100) == b"*-1\r\n"
        assert wait_for(lambda: int(clients()["clients_in_timeout_table"]) == before)
    finally:
        forever.close()
        timed.close()
