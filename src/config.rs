//! Every tunable of the server, named as in redis.conf where Redis has the same setting.
//!
//! [`Config`] is the typed value; [`PARAMS`] describes each parameter once (name, whether
//! `CONFIG SET` may change it, how it parses and prints), and that one table serves the
//! command line, `--config FILE` (redis.conf syntax), `CONFIG GET` and `CONFIG SET`.

use std::path::Path;

use crate::notify::KeyspaceEvents;

pub mod rewrite;

/// The server's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address the RESP listener binds to (`bind`).
    pub bind: String,
    /// RESP port; 0 serves no plaintext RESP (`port`).
    pub port: u16,
    /// Port of the Prometheus scrape endpoint (`GET /metrics`); 0 none (`metrics-port`).
    pub metrics_port: u16,
    /// Address the metrics endpoint binds to (`metrics-bind`).
    pub metrics_bind: String,
    /// RESP port served over TLS; 0 none (`tls-port`).
    pub tls_port: u16,
    /// gRPC port served over TLS; 0 none (`grpc-tls-port`).
    pub grpc_tls_port: u16,
    /// PEM certificate chain of the TLS listeners (`tls-cert-file`).
    pub tls_cert_file: String,
    /// PEM private key of that certificate (`tls-key-file`).
    pub tls_key_file: String,
    /// PEM CA certificates client certificates must chain to (`tls-ca-cert-file`).
    pub tls_ca_cert_file: String,
    /// Client certificates: `yes` required, `optional`, `no` (`tls-auth-clients`).
    pub tls_auth_clients: String,
    /// Address the gRPC listener binds to (`grpc-bind`).
    pub grpc_bind: String,
    /// gRPC port; 0 disables the gRPC listener (`grpc-port`).
    pub grpc_port: u16,
    /// Number of databases (`databases`).
    pub databases: usize,
    /// Log verbosity: debug, verbose, notice or warning (`loglevel`).
    pub loglevel: String,
    /// Largest bulk string a client may send (`proto-max-bulk-len`), in bytes.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer of one client before it is disconnected
    /// (`client-query-buffer-limit`), in bytes.
    pub client_query_buffer_limit: u64,
    /// Most clients connected at once (`maxclients`).
    pub maxclients: u64,
    /// Close a client after this many idle seconds; 0 never (`timeout`).
    pub timeout: u64,
    /// Background task frequency: active expiry and statistics sampling (`hz`).
    pub hz: u64,
    /// TCP keepalive period in seconds; 0 off (`tcp-keepalive`).
    pub tcp_keepalive: u64,
    /// RDB save points, `seconds changes` pairs separated by spaces; "" for none (`save`).
    pub save: String,
    /// Directory of the RDB file (`dir`). Unlike Redis, the process does not `chdir` there:
    /// several servers may share one process (tests), so paths are joined instead.
    pub dir: String,
    /// RDB file name inside `dir` (`dbfilename`).
    pub dbfilename: String,
    /// LZF-compress long strings in RDB files (`rdbcompression`).
    pub rdbcompression: bool,
    /// Seal RDB files with a CRC-64 and check it on load (`rdbchecksum`).
    pub rdbchecksum: bool,
    /// Refuse writes with `MISCONF` while the last BGSAVE failed
    /// (`stop-writes-on-bgsave-error`).
    pub stop_writes_on_bgsave_error: bool,
    /// How much RESTORE payloads are checked (`sanitize-dump-payload`): accepted for
    /// compatibility; payloads are always checked whole, which is what `yes` asks.
    pub sanitize_dump_payload: String,
    /// Whether `CONFIG SET` may change protected parameters ([`PROTECTED`]): `no`, `yes`,
    /// or `local` (only from a loopback client), as Redis's `enable-protected-configs`.
    pub enable_protected_configs: String,
    /// Whether `DEBUG` may run (`enable-debug-command`): `no`, `yes`, or `local` (only from
    /// a loopback client). Fixed at start-up, as in Redis 7.0.
    pub enable_debug_command: String,
    /// Log every change to the append-only file (`appendonly`).
    pub appendonly: bool,
    /// When the AOF is synced: `always`, `everysec` or `no` (`appendfsync`).
    pub appendfsync: String,
    /// The AOF directory inside `dir` (`appenddirname`).
    pub appenddirname: String,
    /// The stem of the AOF's file names (`appendfilename`).
    pub appendfilename: String,
    /// Rewrites write the base as an RDB (`aof-use-rdb-preamble`), else as commands.
    pub aof_use_rdb_preamble: bool,
    /// Load an AOF whose last file ends inside a command, cutting it there
    /// (`aof-load-truncated`), instead of refusing to start.
    pub aof_load_truncated: bool,
    /// Rewrite when the AOF grew this many percent over its size after the last rewrite
    /// (`auto-aof-rewrite-percentage`; 0 never) and is at least `auto-aof-rewrite-min-size`.
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
    /// Memory limit in bytes for allocated memory (`used_memory`); 0 means none
    /// (`maxmemory`). Over it, keys are evicted by `maxmemory-policy`, or writes refused.
    pub maxmemory: u64,
    /// Eviction policy (`maxmemory-policy`); also decides whether keys carry an access
    /// time (`OBJECT IDLETIME`) or an LFU counter (`OBJECT FREQ`), as in Redis.
    pub maxmemory_policy: String,
    /// How many keys eviction weighs per key it evicts (`maxmemory-samples`).
    pub maxmemory_samples: u64,
    /// How long one command may spend evicting (`maxmemory-eviction-tenacity`, 0-100;
    /// 100 is unlimited).
    pub maxmemory_eviction_tenacity: u64,
    /// LFU counter growth (`lfu-log-factor`) and decay period in minutes
    /// (`lfu-decay-time`).
    pub lfu_log_factor: u64,
    pub lfu_decay_time: u64,
    /// Output limits per client class (`client-output-buffer-limit`): normal, replica,
    /// pubsub.
    pub client_output_buffer_limit: OutputLimits,
    /// Which keyspace notifications are published (`notify-keyspace-events`).
    pub notify_keyspace_events: KeyspaceEvents,
    /// A script running longer than this many milliseconds makes other clients' commands
    /// answer `BUSY` and can be killed; 0 never (`busy-reply-threshold`, alias
    /// `lua-time-limit`).
    pub busy_reply_threshold: u64,
    /// A stream node takes no more entries once its listpack reaches this many bytes; 0
    /// means 1 GiB (`stream-node-max-bytes`).
    pub stream_node_max_bytes: u64,
    /// ... nor more than this many entries, deleted ones included; 0 unlimited
    /// (`stream-node-max-entries`).
    pub stream_node_max_entries: u64,
    /// A sparse HyperLogLog that would grow past this many bytes (header included) turns
    /// dense (`hll-sparse-max-bytes`).
    pub hll_sparse_max_bytes: u64,
    /// When hashes, sorted sets, sets and lists leave their compact encodings
    /// (`hash-max-listpack-entries`, `zset-max-listpack-value`, `set-max-intset-entries`,
    /// `list-max-listpack-size`, `list-compress-depth`, and the `-ziplist-` aliases).
    pub encoding: crate::store::encoding::EncodingLimits,
    /// Commands at least this many microseconds long go to the slow log; negative: none
    /// (`slowlog-log-slower-than`), which keeps at most `slowlog-max-len` entries.
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: u64,
    /// Events at least this many milliseconds long are sampled by the latency monitor;
    /// 0 disables it (`latency-monitor-threshold`).
    pub latency_monitor_threshold: u64,
    /// Whether each command keeps a histogram of its durations (`latency-tracking`,
    /// `LATENCY HISTOGRAM`).
    pub latency_tracking: bool,
    /// The percentiles `INFO latencystats` prints (`latency-tracking-info-percentiles`).
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// Bytes each thread's Lua interpreter may allocate; 0 unlimited (`lua-memory-limit`,
    /// a Memorabilia setting: Redis's one interpreter has no limit).
    pub lua_memory_limit: u64,
    /// The default user's password; empty: none, the default user is `nopass`
    /// (`requirepass`).
    pub requirepass: String,
    /// A file of `user` lines loaded at start-up and by `ACL LOAD`, written by `ACL SAVE`;
    /// "" for none (`aclfile`).
    pub aclfile: String,
    /// Most entries the ACL log keeps (`acllog-max-len`).
    pub acllog_max_len: u64,
    /// Whether new users may use every channel (`acl-pubsub-default allchannels`) or none
    /// (`resetchannels`, Redis 7's default).
    pub acl_pubsub_default_all: bool,
    /// Refuse clients from beyond the loopback interface while the default user has no
    /// password (`protected-mode`).
    pub protected_mode: bool,
    /// `user <name> <rules...>` lines of the config file, applied at start-up.
    pub users: Vec<Vec<String>>,
    /// Path of the config file the server was started with, if any.
    pub config_file: Option<String>,
}

/// One client class's output buffer limits: a client whose undelivered output reaches
/// `hard` bytes, or stays at or above `soft` bytes for more than `soft_seconds`, is closed.
/// Zero turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

impl BufferLimit {
    /// Redis's `checkClientOutputBufferLimits`: whether `pending` bytes now break the
    /// limits, given since when (`over_soft_since`, kept by the caller) the client has been
    /// over the soft limit. `now` is read only over the soft limit.
    pub fn exceeded(
        &self,
        pending: usize,
        over_soft_since: &mut Option<std::time::Instant>,
        now: impl FnOnce() -> std::time::Instant,
    ) -> bool {
        let pending = pending as u64;
        if self.hard != 0 && pending >= self.hard {
            return true;
        }
        if self.soft != 0 && pending >= self.soft {
            let now = now();
            let since = *over_soft_since.get_or_insert(now);
            return now.duration_since(since).as_secs() > self.soft_seconds;
        }
        *over_soft_since = None;
        false
    }
}

/// `client-output-buffer-limit`: the limits of each client class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    pub normal: BufferLimit,
    pub replica: BufferLimit,
    pub pubsub: BufferLimit,
}

impl Default for OutputLimits {
    /// Redis's defaults: `normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60`.
    fn default() -> OutputLimits {
        const MB: u64 = 1024 * 1024;
        OutputLimits {
            normal: BufferLimit::default(),
            replica: BufferLimit {
                hard: 256 * MB,
                soft: 64 * MB,
                soft_seconds: 60,
            },
            pubsub: BufferLimit {
                hard: 32 * MB,
                soft: 8 * MB,
                soft_seconds: 60,
            },
        }
    }
}

impl OutputLimits {
    /// As `CONFIG GET` prints it: `normal 0 0 0 slave 268435456 67108864 60 pubsub ...`.
    fn show(&self) -> String {
        [
            ("normal", self.normal),
            ("slave", self.replica),
            ("pubsub", self.pubsub),
        ]
        .iter()
        .map(|(class, l)| format!("{class} {} {} {}", l.hard, l.soft, l.soft_seconds))
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// Redis's `updateClientOutputBufferLimit`: groups of `<class> <hard> <soft>
    /// <soft seconds>`; every group is checked before any is applied.
    fn update(&mut self, value: &str) -> Result<(), String> {
        let words = crate::resp::decoder::split_args(value.as_bytes())
            .ok_or("Wrong number of arguments in buffer limit configuration.")?;
        let words: Vec<String> = words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect();
        if !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut updated = *self;
        for group in words.chunks(4) {
            let class = match group[0].to_ascii_lowercase().as_str() {
                "normal" => &mut updated.normal,
                "slave" | "replica" => &mut updated.replica,
                "pubsub" => &mut updated.pubsub,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    );
                }
            };
            let bad =
                || "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            let hard = parse_memory(&group[1]).ok_or_else(bad)?;
            let soft = parse_memory(&group[2]).ok_or_else(bad)?;
            let soft_seconds = group[3].parse::<u64>().map_err(|_| bad())?;
            *class = BufferLimit {
                hard,
                soft,
                soft_seconds,
            };
        }
        *self = updated;
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            bind: "127.0.0.1".into(),
            port: 6379,
            grpc_bind: "127.0.0.1".into(),
            grpc_port: 50051,
            databases: 16,
            loglevel: "notice".into(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            maxclients: 10_000,
            timeout: 0,
            hz: 10,
            tcp_keepalive: 300,
            save: "3600 1 300 100 60 10000".into(),
            dir: ".".into(),
            dbfilename: "dump.rdb".into(),
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            sanitize_dump_payload: "no".into(),
            enable_protected_configs: "no".into(),
            enable_debug_command: "no".into(),
            appendonly: false,
            appendfsync: "everysec".into(),
            appenddirname: "appendonlydir".into(),
            appendfilename: "appendonly.aof".into(),
            aof_use_rdb_preamble: true,
            aof_load_truncated: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            client_output_buffer_limit: OutputLimits::default(),
            notify_keyspace_events: KeyspaceEvents::NONE,
            busy_reply_threshold: 5000,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            hll_sparse_max_bytes: 3000,
            encoding: crate::store::encoding::EncodingLimits::DEFAULT,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            lua_memory_limit: 1024 * 1024 * 1024,
            requirepass: String::new(),
            tls_port: 0,
            metrics_port: 0,
            metrics_bind: "127.0.0.1".into(),
            grpc_tls_port: 0,
            tls_cert_file: String::new(),
            tls_key_file: String::new(),
            tls_ca_cert_file: String::new(),
            tls_auth_clients: "yes".into(),
            aclfile: String::new(),
            acllog_max_len: 128,
            acl_pubsub_default_all: false,
            protected_mode: true,
            users: Vec::new(),
            config_file: None,
        }
    }
}

/// How a parameter's text value is parsed and printed.
enum Kind {
    Int {
        min: u64,
        max: u64,
    },
    /// A byte count with Redis's units (`1gb`, `512mb`, `64k`).
    Memory {
        min: u64,
        max: u64,
    },
    Enum(&'static [&'static str]),
    Text,
    /// Parsed and applied by its own function, which gives Redis's error text.
    Custom(fn(&mut Config, &str) -> Result<(), String>),
}

/// One configuration parameter.
pub struct Param {
    pub name: &'static str,
    /// Whether `CONFIG SET` may change it at run time.
    pub mutable: bool,
    kind: Kind,
    get: fn(&Config) -> String,
    set: fn(&mut Config, ParsedValue),
}

/// A value after parsing by its parameter's [`Kind`].
enum ParsedValue {
    Number(u64),
    Text(String),
}

impl ParsedValue {
    fn number(self) -> u64 {
        match self {
            ParsedValue::Number(n) => n,
            _ => unreachable!("parameter kind mismatch"),
        }
    }
    fn text(self) -> String {
        match self {
            ParsedValue::Text(s) => s,
            _ => unreachable!("parameter kind mismatch"),
        }
    }
}

const YES_NO: &[&str] = &["yes", "no"];

/// Parameters `CONFIG SET` changes only as `enable-protected-configs` allows (Redis's
/// `PROTECTED_CONFIG`: where files are written).
pub const PROTECTED: &[&str] = &["dir", "dbfilename"];

impl Config {
    /// Whether a client at `addr` may `CONFIG SET` a protected parameter.
    pub fn allows_protected(&self, addr: &str) -> bool {
        allows_protected_action(&self.enable_protected_configs, addr)
    }

    /// Whether a client at `addr` may run `DEBUG` (`enable-debug-command`).
    pub fn allows_debug(&self, addr: &str) -> bool {
        allows_protected_action(&self.enable_debug_command, addr)
    }
}

/// Redis's `allowProtectedAction`: `yes`, or `local` for a local client.
fn allows_protected_action(setting: &str, addr: &str) -> bool {
    match setting {
        "yes" => true,
        "local" => is_local_client(addr),
        _ => false,
    }
}

/// Redis's `islocalClient`: a peer at exactly 127.0.0.1 or ::1 (`addr` is the peer as
/// `ip:port`, `[ip]:port` for IPv6). We serve no Unix socket.
pub fn is_local_client(addr: &str) -> bool {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(std::net::SocketAddr::V4(a)) => *a.ip() == std::net::Ipv4Addr::LOCALHOST,
        Ok(std::net::SocketAddr::V6(a)) => *a.ip() == std::net::Ipv6Addr::LOCALHOST,
        Err(_) => false,
    }
}
const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning", "nothing"];
const POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// All parameters, in the order `CONFIG GET *` lists them.
pub static PARAMS: &[Param] = &[
    Param {
        name: "bind",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.bind.clone(),
        set: |c, v| c.bind = v.text(),
    },
    Param {
        name: "port",
        mutable: false,
        kind: Kind::Int { min: 0, max: 65535 },
        get: |c| c.port.to_string(),
        set: |c, v| c.port = v.number() as u16,
    },
    Param {
        name: "grpc-bind",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.grpc_bind.clone(),
        set: |c, v| c.grpc_bind = v.text(),
    },
    Param {
        name: "grpc-port",
        mutable: false,
        kind: Kind::Int { min: 0, max: 65535 },
        get: |c| c.grpc_port.to_string(),
        set: |c, v| c.grpc_port = v.number() as u16,
    },
    Param {
        name: "databases",
        mutable: false,
        kind: Kind::Int {
            min: 1,
            max: i32::MAX as u64,
        },
        get: |c| c.databases.to_string(),
        set: |c, v| c.databases = v.number() as usize,
    },
    Param {
        name: "loglevel",
        mutable: true,
        kind: Kind::Enum(LOGLEVELS),
        get: |c| c.loglevel.clone(),
        set: |c, v| c.loglevel = v.text(),
    },
    Param {
        name: "proto-max-bulk-len",
        mutable: true,
        kind: Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX as u64,
        },
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| c.proto_max_bulk_len = v.number(),
    },
    Param {
        name: "client-query-buffer-limit",
        mutable: true,
        kind: Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX as u64,
        },
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| c.client_query_buffer_limit = v.number(),
    },
    Param {
        name: "maxclients",
        mutable: true,
        kind: Kind::Int {
            min: 1,
            max: u32::MAX as u64,
        },
        get: |c| c.maxclients.to_string(),
        set: |c, v| c.maxclients = v.number(),
    },
    Param {
        name: "timeout",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as u64,
        },
        get: |c| c.timeout.to_string(),
        set: |c, v| c.timeout = v.number(),
    },
    Param {
        name: "hz",
        mutable: true,
        kind: Kind::Int { min: 1, max: 500 },
        get: |c| c.hz.to_string(),
        set: |c, v| c.hz = v.number(),
    },
    Param {
        name: "tcp-keepalive",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as u64,
        },
        get: |c| c.tcp_keepalive.to_string(),
        set: |c, v| c.tcp_keepalive = v.number(),
    },
    Param {
        name: "save",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.save = parse_save_points(v)?;
            Ok(())
        }),
        get: |c| c.save.clone(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "dir",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            if !Path::new(v).is_dir() {
                return Err("No such file or directory".into());
            }
            c.dir = v.to_string();
            Ok(())
        }),
        // Redis prints its working directory, absolute.
        get: |c| {
            std::fs::canonicalize(&c.dir)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| c.dir.clone())
        },
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "dbfilename",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            if !is_base_name(v) {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            c.dbfilename = v.to_string();
            Ok(())
        }),
        get: |c| c.dbfilename.clone(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "rdbcompression",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.rdbcompression),
        set: |c, v| c.rdbcompression = v.text() == "yes",
    },
    Param {
        name: "rdbchecksum",
        mutable: false,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.rdbchecksum),
        set: |c, v| c.rdbchecksum = v.text() == "yes",
    },
    Param {
        name: "stop-writes-on-bgsave-error",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.stop_writes_on_bgsave_error),
        set: |c, v| c.stop_writes_on_bgsave_error = v.text() == "yes",
    },
    Param {
        name: "enable-protected-configs",
        mutable: false,
        kind: Kind::Enum(&["no", "yes", "local"]),
        get: |c| c.enable_protected_configs.clone(),
        set: |c, v| c.enable_protected_configs = v.text(),
    },
    Param {
        name: "enable-debug-command",
        mutable: false,
        kind: Kind::Enum(&["no", "yes", "local"]),
        get: |c| c.enable_debug_command.clone(),
        set: |c, v| c.enable_debug_command = v.text(),
    },
    Param {
        name: "sanitize-dump-payload",
        mutable: true,
        kind: Kind::Enum(&["no", "yes", "clients"]),
        get: |c| c.sanitize_dump_payload.clone(),
        set: |c, v| c.sanitize_dump_payload = v.text(),
    },
    Param {
        name: "appendonly",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.appendonly),
        set: |c, v| c.appendonly = v.text() == "yes",
    },
    Param {
        name: "appendfsync",
        mutable: true,
        kind: Kind::Enum(&["always", "everysec", "no"]),
        get: |c| c.appendfsync.clone(),
        set: |c, v| c.appendfsync = v.text(),
    },
    Param {
        name: "appenddirname",
        mutable: false,
        kind: Kind::Custom(|c, v| {
            if v.is_empty() {
                return Err("appenddirname can't be empty".into());
            }
            if !is_base_name(v) {
                return Err("appenddirname can't be a path, just a dirname".into());
            }
            c.appenddirname = v.to_string();
            Ok(())
        }),
        get: |c| c.appenddirname.clone(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "appendfilename",
        mutable: false,
        kind: Kind::Custom(|c, v| {
            if v.is_empty() {
                return Err("appendfilename can't be empty".into());
            }
            if !is_base_name(v) {
                return Err("appendfilename can't be a path, just a filename".into());
            }
            c.appendfilename = v.to_string();
            Ok(())
        }),
        get: |c| c.appendfilename.clone(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "aof-use-rdb-preamble",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.aof_use_rdb_preamble),
        set: |c, v| c.aof_use_rdb_preamble = v.text() == "yes",
    },
    Param {
        name: "aof-load-truncated",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.aof_load_truncated),
        set: |c, v| c.aof_load_truncated = v.text() == "yes",
    },
    Param {
        name: "auto-aof-rewrite-percentage",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as u64,
        },
        get: |c| c.auto_aof_rewrite_percentage.to_string(),
        set: |c, v| c.auto_aof_rewrite_percentage = v.number(),
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.auto_aof_rewrite_min_size.to_string(),
        set: |c, v| c.auto_aof_rewrite_min_size = v.number(),
    },
    Param {
        name: "maxmemory",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.maxmemory.to_string(),
        set: |c, v| c.maxmemory = v.number(),
    },
    Param {
        name: "maxmemory-policy",
        mutable: true,
        kind: Kind::Enum(POLICIES),
        get: |c| c.maxmemory_policy.clone(),
        set: |c, v| c.maxmemory_policy = v.text(),
    },
    Param {
        name: "maxmemory-samples",
        mutable: true,
        kind: Kind::Int {
            min: 1,
            max: i32::MAX as u64,
        },
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, v| c.maxmemory_samples = v.number(),
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        mutable: true,
        kind: Kind::Int { min: 0, max: 100 },
        get: |c| c.maxmemory_eviction_tenacity.to_string(),
        set: |c, v| c.maxmemory_eviction_tenacity = v.number(),
    },
    Param {
        name: "lfu-log-factor",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as u64,
        },
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, v| c.lfu_log_factor = v.number(),
    },
    Param {
        name: "lfu-decay-time",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as u64,
        },
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, v| c.lfu_decay_time = v.number(),
    },
    Param {
        name: "client-output-buffer-limit",
        mutable: true,
        kind: Kind::Custom(|c, v| c.client_output_buffer_limit.update(v)),
        get: |c| c.client_output_buffer_limit.show(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "notify-keyspace-events",
        mutable: true,
        kind: Kind::Custom(|c, v| c.notify_keyspace_events.update(v)),
        get: |c| c.notify_keyspace_events.show(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "busy-reply-threshold",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.busy_reply_threshold.to_string(),
        set: |c, v| c.busy_reply_threshold = v.number(),
    },
    Param {
        name: "stream-node-max-bytes",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.stream_node_max_bytes.to_string(),
        set: |c, v| c.stream_node_max_bytes = v.number(),
    },
    Param {
        name: "stream-node-max-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.stream_node_max_entries.to_string(),
        set: |c, v| c.stream_node_max_entries = v.number(),
    },
    Param {
        name: "hash-max-listpack-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.hash_max_listpack_entries.to_string(),
        set: |c, v| c.encoding.hash_max_listpack_entries = v.number() as usize,
    },
    Param {
        name: "hash-max-ziplist-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.hash_max_listpack_entries.to_string(),
        set: |c, v| c.encoding.hash_max_listpack_entries = v.number() as usize,
    },
    Param {
        name: "hash-max-listpack-value",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.hash_max_listpack_value.to_string(),
        set: |c, v| c.encoding.hash_max_listpack_value = v.number() as usize,
    },
    Param {
        name: "hash-max-ziplist-value",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.hash_max_listpack_value.to_string(),
        set: |c, v| c.encoding.hash_max_listpack_value = v.number() as usize,
    },
    Param {
        name: "zset-max-listpack-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.zset_max_listpack_entries.to_string(),
        set: |c, v| c.encoding.zset_max_listpack_entries = v.number() as usize,
    },
    Param {
        name: "zset-max-ziplist-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.zset_max_listpack_entries.to_string(),
        set: |c, v| c.encoding.zset_max_listpack_entries = v.number() as usize,
    },
    Param {
        name: "zset-max-listpack-value",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.zset_max_listpack_value.to_string(),
        set: |c, v| c.encoding.zset_max_listpack_value = v.number() as usize,
    },
    Param {
        name: "zset-max-ziplist-value",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.zset_max_listpack_value.to_string(),
        set: |c, v| c.encoding.zset_max_listpack_value = v.number() as usize,
    },
    Param {
        name: "set-max-intset-entries",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.encoding.set_max_intset_entries.to_string(),
        set: |c, v| c.encoding.set_max_intset_entries = v.number() as usize,
    },
    Param {
        name: "list-max-listpack-size",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.encoding.list_max_listpack_size = parse_int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        }),
        get: |c| c.encoding.list_max_listpack_size.to_string(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "list-max-ziplist-size",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.encoding.list_max_listpack_size = parse_int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        }),
        get: |c| c.encoding.list_max_listpack_size.to_string(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "list-compress-depth",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.encoding.list_compress_depth = parse_int_in(v, 0, i32::MAX as i64)?;
            Ok(())
        }),
        get: |c| c.encoding.list_compress_depth.to_string(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "slowlog-log-slower-than",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.slowlog_log_slower_than = parse_int_in(v, i64::MIN, i64::MAX)?;
            Ok(())
        }),
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "slowlog-max-len",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.slowlog_max_len.to_string(),
        set: |c, v| c.slowlog_max_len = v.number(),
    },
    Param {
        name: "latency-tracking",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.latency_tracking),
        set: |c, v| c.latency_tracking = v.text() == "yes",
    },
    Param {
        name: "latency-tracking-info-percentiles",
        mutable: true,
        kind: Kind::Custom(|c, v| {
            c.latency_tracking_info_percentiles = parse_percentiles(v)?;
            Ok(())
        }),
        get: |c| {
            let shown: Vec<String> = c
                .latency_tracking_info_percentiles
                .iter()
                .map(|p| percentile_text(*p))
                .collect();
            shown.join(" ")
        },
        set: |_, _| unreachable!("applied by its Custom kind"),
    },
    Param {
        name: "latency-monitor-threshold",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.latency_monitor_threshold.to_string(),
        set: |c, v| c.latency_monitor_threshold = v.number(),
    },
    Param {
        name: "hll-sparse-max-bytes",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.hll_sparse_max_bytes.to_string(),
        set: |c, v| c.hll_sparse_max_bytes = v.number(),
    },
    Param {
        name: "lua-time-limit",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.busy_reply_threshold.to_string(),
        set: |c, v| c.busy_reply_threshold = v.number(),
    },
    Param {
        name: "lua-memory-limit",
        mutable: true,
        kind: Kind::Memory {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.lua_memory_limit.to_string(),
        set: |c, v| c.lua_memory_limit = v.number(),
    },
    Param {
        name: "metrics-port",
        mutable: false,
        kind: Kind::Int { min: 0, max: 65535 },
        get: |c| c.metrics_port.to_string(),
        set: |c, v| c.metrics_port = v.number() as u16,
    },
    Param {
        name: "metrics-bind",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.metrics_bind.clone(),
        set: |c, v| c.metrics_bind = v.text(),
    },
    Param {
        name: "tls-port",
        mutable: false,
        kind: Kind::Int { min: 0, max: 65535 },
        get: |c| c.tls_port.to_string(),
        set: |c, v| c.tls_port = v.number() as u16,
    },
    Param {
        name: "grpc-tls-port",
        mutable: false,
        kind: Kind::Int { min: 0, max: 65535 },
        get: |c| c.grpc_tls_port.to_string(),
        set: |c, v| c.grpc_tls_port = v.number() as u16,
    },
    Param {
        name: "tls-cert-file",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.tls_cert_file.clone(),
        set: |c, v| c.tls_cert_file = v.text(),
    },
    Param {
        name: "tls-key-file",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.tls_key_file.clone(),
        set: |c, v| c.tls_key_file = v.text(),
    },
    Param {
        name: "tls-ca-cert-file",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.tls_ca_cert_file.clone(),
        set: |c, v| c.tls_ca_cert_file = v.text(),
    },
    Param {
        name: "tls-auth-clients",
        mutable: false,
        kind: Kind::Enum(&["yes", "no", "optional"]),
        get: |c| c.tls_auth_clients.clone(),
        set: |c, v| c.tls_auth_clients = v.text(),
    },
    Param {
        name: "requirepass",
        mutable: true,
        kind: Kind::Text,
        get: |c| c.requirepass.clone(),
        set: |c, v| c.requirepass = v.text(),
    },
    Param {
        name: "aclfile",
        mutable: false,
        kind: Kind::Text,
        get: |c| c.aclfile.clone(),
        set: |c, v| c.aclfile = v.text(),
    },
    Param {
        name: "acllog-max-len",
        mutable: true,
        kind: Kind::Int {
            min: 0,
            max: i64::MAX as u64,
        },
        get: |c| c.acllog_max_len.to_string(),
        set: |c, v| c.acllog_max_len = v.number(),
    },
    Param {
        name: "acl-pubsub-default",
        mutable: true,
        kind: Kind::Enum(&["allchannels", "resetchannels"]),
        get: |c| {
            if c.acl_pubsub_default_all {
                "allchannels".into()
            } else {
                "resetchannels".into()
            }
        },
        set: |c, v| c.acl_pubsub_default_all = v.text() == "allchannels",
    },
    Param {
        name: "protected-mode",
        mutable: true,
        kind: Kind::Enum(YES_NO),
        get: |c| yes_no(c.protected_mode),
        set: |c, v| c.protected_mode = v.text() == "yes",
    },
];

/// Redis's `pathIsBaseName`: neither a slash nor a backslash.
fn is_base_name(name: &str) -> bool {
    !name.contains(['/', '\\'])
}

/// `latency-tracking-info-percentiles`: space-separated percentiles (Redis splits the
/// value into arguments); `""` is none. Redis's texts for a bad value.
fn parse_percentiles(value: &str) -> Result<Vec<f64>, String> {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        let word = word.trim_matches('"');
        if word.is_empty() {
            continue;
        }
        let p = crate::store::numeric::parse_f64(word.as_bytes())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        out.push(p);
    }
    Ok(out)
}

/// A percentile as Redis prints it: `%f` with trailing zeros (and a bare point) trimmed.
pub fn percentile_text(p: f64) -> String {
    let text = format!("{p:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn yes_no(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

/// Checks and normalizes `save` points: pairs of non-negative integers (`3600 1 300 100`),
/// or "" for none; Redis's error text otherwise.
fn parse_save_points(value: &str) -> Result<String, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    if !words.len().is_multiple_of(2) {
        return Err("Invalid save parameters".into());
    }
    for word in &words {
        if word.parse::<u64>().is_err() {
            return Err("Invalid save parameters".into());
        }
    }
    Ok(words.join(" "))
}

impl Config {
    /// The save points as (seconds, changes) pairs.
    pub fn save_points(&self) -> Vec<(u64, u64)> {
        let numbers: Vec<u64> = self
            .save
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        numbers.chunks_exact(2).map(|p| (p[0], p[1])).collect()
    }
}

/// How the running process changes its log filter when `loglevel` changes (`CONFIG SET
/// loglevel`): set once by the binary, which owns the log subscriber.
pub static LOG_LEVEL_HOOK: std::sync::OnceLock<LogLevelHook> = std::sync::OnceLock::new();

/// See [`LOG_LEVEL_HOOK`].
pub type LogLevelHook = Box<dyn Fn(&str) + Send + Sync>;

/// Looks a parameter up by name, case-insensitively.
pub fn param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Parses a byte count with Redis's units (`memtoull`): b, k, kb, m, mb, g, gb.
/// A signed integer parameter within `min..=max`, with Redis's error texts.
fn parse_int_in(value: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = value
        .parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

pub fn parse_memory(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(mul)
}

impl Param {
    /// The current value as `CONFIG GET` prints it.
    pub fn get(&self, config: &Config) -> String {
        (self.get)(config)
    }

    /// Parses and applies `value`. The error is the reason Redis gives after
    /// "CONFIG SET failed (possibly related to argument '...') - ".
    pub fn set(&self, config: &mut Config, value: &str) -> Result<(), String> {
        let parsed = match &self.kind {
            Kind::Int { min, max } => {
                let n: i64 = value
                    .parse()
                    .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
                if n < *min as i64 || n as u64 > *max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                ParsedValue::Number(n as u64)
            }
            Kind::Memory { min, max } => {
                let n = parse_memory(value)
                    .ok_or_else(|| "argument must be a memory value".to_string())?;
                if n < *min || n > *max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                ParsedValue::Number(n)
            }
            Kind::Enum(allowed) => {
                let lower = value.to_ascii_lowercase();
                match allowed.iter().find(|a| **a == lower) {
                    Some(a) => ParsedValue::Text((*a).to_string()),
                    None => {
                        return Err("argument(s) must be one of the following: ".to_string()
                            + &allowed.join(", "));
                    }
                }
            }
            Kind::Text => ParsedValue::Text(value.to_string()),
            Kind::Custom(apply) => return apply(config, value),
        };
        (self.set)(config, parsed);
        Ok(())
    }
}

impl Config {
    /// Applies one `name value` setting from a file or the command line.
    pub fn apply(&mut self, name: &str, value: &str) -> Result<(), String> {
        let param = param(name)
            .ok_or_else(|| format!("Bad directive or wrong number of arguments: '{name}'"))?;
        param.set(self, value).map_err(|e| format!("'{name}': {e}"))
    }

    /// Reads a redis.conf-style file: `name value` per line, `#` comments, quoted values.
    pub fn load_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        let mut saw_save = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = crate::resp::decoder::split_args(line.as_bytes())
                .ok_or_else(|| format!("line {}: unbalanced quotes", n + 1))?;
            let words: Vec<String> = words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            // A line with no word (it starts with a NUL byte) is skipped, as in Redis.
            let Some((name, values)) = words.split_first() else {
                continue;
            };
            // `user <name> <rules...>`: an ACL user, applied once the server starts.
            if name.eq_ignore_ascii_case("user") {
                if values.is_empty() {
                    return Err(format!(
                        "line {}: Bad directive or wrong number of arguments",
                        n + 1
                    ));
                }
                if self.users.iter().any(|u| u[0] == values[0]) {
                    return Err(format!(
                        "line {}: Error in user declaration '{}': Duplicate user found. A user \
                         can only be defined once in config files",
                        n + 1,
                        values[0]
                    ));
                }
                self.users.push(values.to_vec());
                continue;
            }
            let mut value = values.join(" ");
            // Save lines add up (`save 900 1` then `save 300 10`); the first replaces the
            // default, and `save ""` clears.
            if name.eq_ignore_ascii_case("save") {
                if saw_save && !value.is_empty() {
                    value = format!("{} {value}", self.save);
                }
                saw_save = true;
            }
            self.apply(name, &value)
                .map_err(|e| format!("line {}: {e}", n + 1))?;
        }
        self.config_file = Some(path.display().to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_output_buffer_limits_parse_and_print_as_redis() {
        let mut c = Config::default();
        let param = param("client-output-buffer-limit").unwrap();
        assert_eq!(
            param.get(&c),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        param
            .set(&mut c, "pubsub 1mb 512kb 5 NORMAL 1 2 3")
            .unwrap();
        assert_eq!(
            param.get(&c),
            "normal 1 2 3 slave 268435456 67108864 60 pubsub 1048576 524288 5"
        );
        let before = c.clone();
        for (value, error) in [
            (
                "pubsub 1 2",
                "Wrong number of arguments in buffer limit configuration.",
            ),
            (
                "master 1 2 3",
                "Invalid client class specified in buffer limit configuration.",
            ),
            (
                "normal 1 2 3 pubsub x 2 3",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
            (
                "pubsub 1 2 -1",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
        ] {
            assert_eq!(param.set(&mut c, value), Err(error.to_string()), "{value}");
            // Nothing of a refused value is applied.
            assert_eq!(c, before);
        }
    }

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory("512mb"), Some(512 * 1024 * 1024));
        assert_eq!(parse_memory("1GB"), Some(1 << 30));
        assert_eq!(parse_memory("10k"), Some(10_000));
        assert_eq!(parse_memory("100"), Some(100));
        assert_eq!(parse_memory("1xb"), None);
        assert_eq!(parse_memory(""), None);
    }

    #[test]
    fn set_and_get_round_trip() {
        let mut c = Config::default();
        param("MAXCLIENTS").unwrap().set(&mut c, "77").unwrap();
        assert_eq!(param("maxclients").unwrap().get(&c), "77");
        assert!(param("maxclients").unwrap().set(&mut c, "x").is_err());
        assert!(param("hz").unwrap().set(&mut c, "1000").is_err());
        assert_eq!(param("appendonly").unwrap().get(&c), "no");
        assert!(param("appendonly").unwrap().set(&mut c, "maybe").is_err());
        assert!(
            param("appendfsync")
                .unwrap()
                .set(&mut c, "sometimes")
                .is_err()
        );
        assert!(param("appendfilename").unwrap().set(&mut c, "a/b").is_err());
        // `\\` makes a path too, as Redis's pathIsBaseName says.
        assert_eq!(
            param("dbfilename").unwrap().set(&mut c, "a\\b"),
            Err("dbfilename can't be a path, just a filename".into())
        );
        assert_eq!(
            param("appendfilename").unwrap().set(&mut c, ""),
            Err("appendfilename can't be empty".into())
        );
        assert!(param("save").unwrap().set(&mut c, "10").is_err());
        param("save").unwrap().set(&mut c, " 10  1 ").unwrap();
        assert_eq!(c.save_points(), [(10, 1)]);
        param("proto-max-bulk-len")
            .unwrap()
            .set(&mut c, "1gb")
            .unwrap();
        assert_eq!(c.proto_max_bulk_len, 1 << 30);
    }

    #[test]
    fn config_file() {
        let dir = std::env::temp_dir().join(format!("memorabilia-conf-{}", std::process::id()));
        std::fs::write(
            &dir,
            // The line starting with a NUL has no word: skipped, as Redis skips it (it
            // used to panic; found by the parser fuzz).
            "# comment\nport 7000\n\0port 1\ndatabases 4\nsave \"\"\nloglevel warning\n",
        )
        .unwrap();
        let mut c = Config::default();
        c.load_file(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(
            (c.port, c.databases, c.loglevel.as_str()),
            (7000, 4, "warning")
        );
        assert!(Config::default().apply("nosuch", "1").is_err());
    }
}
