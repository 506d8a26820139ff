//! Reference metadata of redis-server 7.0's commands that our command table does not carry:
//! command tips, key specifications and the few flags Memorabilia has no constant for
//! (`pubsub`, `blocking`, `movablekeys`, ...). `COMMAND INFO` and `COMMAND GETKEYS` use it so
//! that any command a family implements describes itself exactly as Redis does.
//!
//! The rows were produced from the `COMMAND` reply of redis-server 7.0.15 (one row per
//! command or subcommand with tips, key specs or such flags), sorted by full name.

/// Where the search for a key spec's keys starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// At this argument index.
    Index(i32),
    /// After the first argument equal to this keyword, searching from `startfrom` (negative:
    /// backwards from the end).
    Keyword(&'static str, i32),
    UnknownStart,
}

/// How the keys are found from the start position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    /// `lastkey` (relative to the start; negative counts from the end), `keystep`, `limit`.
    Range(i32, i32, i32),
    /// `keynumidx`, `firstkey`, `keystep`: the key count is an argument.
    Keynum(i32, i32, i32),
    UnknownKeys,
}

/// One key specification as `COMMAND INFO` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpecMeta {
    /// "" when Redis gives no notes.
    pub notes: &'static str,
    pub flags: &'static [&'static str],
    pub begin: Begin,
    pub find: Find,
}

/// Metadata of one command, by full name (`get`, `client|list`).
#[derive(Debug)]
pub struct Meta {
    pub name: &'static str,
    pub extra_flags: &'static [&'static str],
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpecMeta],
}

/// The metadata of a command by its full name.
pub fn find(full_name: &str) -> Option<&'static Meta> {
    META.binary_search_by(|m| m.name.cmp(full_name))
        .ok()
        .map(|i| &META[i])
}

/// Redis's `getKeysUsingKeySpecs`: calls `f(argument index, spec index)` for each key the
/// specs find in `words` (the command name first). False when a spec cannot be followed
/// (an unknown kind, an `incomplete` spec, a key count that is no integer or positions out
/// of range); keys found before that point have been reported.
pub fn find_keys(
    specs: &[KeySpecMeta],
    words: &[bytes::Bytes],
    mut f: impl FnMut(usize, usize),
) -> bool {
    let argc = words.len() as i32;
    for (n, spec) in specs.iter().enumerate() {
        if spec.flags.contains(&"not_key") {
            continue;
        }
        let mut first = match spec.begin {
            Begin::Index(i) => i,
            Begin::Keyword(word, from) => {
                let start = if from > 0 { from } else { argc + from };
                let end = if from > 0 { argc - 1 } else { 1 };
                let mut found = 0;
                let mut i = start;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    // Redis compares with strcasecmp: an argument ends at a NUL byte, as
                    // the command's own option parsing reads it.
                    if super::args::opt(&words[i as usize], word) {
                        found = i + 1;
                        break;
                    }
                    i = if start <= end { i + 1 } else { i - 1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            Begin::UnknownStart => return false,
        };
        let (last, step) = match spec.find {
            Find::Range(lastkey, step, limit) => {
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, step)
            }
            Find::Keynum(idx, firstkey, step) => {
                if idx >= argc - first {
                    return false;
                }
                let Some(n) = crate::store::numeric::parse_i64(&words[(first + idx) as usize])
                else {
                    return false;
                };
                if n < 0 || n > i64::from(argc) {
                    return false;
                }
                if n == 0 {
                    // No key at all (EVAL script 0): nothing to find, nothing missed.
                    continue;
                }
                first += firstkey;
                (first + n as i32 - 1, step)
            }
            Find::UnknownKeys => return false,
        };
        if last >= argc || last < first || first >= argc {
            return false;
        }
        let mut i = first;
        while i <= last {
            f(i as usize, n);
            i += step.max(1);
        }
        if spec.flags.contains(&"incomplete") {
            return false;
        }
    }
    true
}

const fn m(
    name: &'static str,
    extra_flags: &'static [&'static str],
    tips: &'static [&'static str],
    key_specs: &'static [KeySpecMeta],
) -> Meta {
    Meta {
        name,
        extra_flags,
        tips,
        key_specs,
    }
}

const fn ks(
    notes: &'static str,
    flags: &'static [&'static str],
    begin: Begin,
    find: Find,
) -> KeySpecMeta {
    KeySpecMeta {
        notes,
        flags,
        begin,
        find,
    }
}

use Begin::*;
use Find::*;

#[rustfmt::skip]
static META: &[Meta] = &[
    m("append", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("bgrewriteaof", &["no_async_loading"], &[], &[]),
    m("bgsave", &["no_async_loading"], &[], &[]),
    m("bitcount", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("bitfield", &[], &[], &[ks("This command allows both access and modification of the key", &["RW", "access", "update", "variable_flags"], Index(1), Range(0, 1, 0))]),
    m("bitfield_ro", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("bitop", &[], &[], &[ks("", &["OW", "update"], Index(2), Range(0, 1, 0)), ks("", &["RO", "access"], Index(3), Range(-1, 1, 0))]),
    m("bitpos", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("blmove", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("blmpop", &["blocking", "movablekeys"], &[], &[ks("", &["RW", "access", "delete"], Index(2), Keynum(0, 1, 1))]),
    m("blpop", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    m("brpop", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    m("brpoplpush", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("bzmpop", &["blocking", "movablekeys"], &[], &[ks("", &["RW", "access", "delete"], Index(2), Keynum(0, 1, 1))]),
    m("bzpopmax", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    m("bzpopmin", &["blocking"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    m("client|info", &[], &["nondeterministic_output"], &[]),
    m("client|list", &[], &["nondeterministic_output"], &[]),
    m("cluster|addslots", &["no_async_loading"], &[], &[]),
    m("cluster|addslotsrange", &["no_async_loading"], &[], &[]),
    m("cluster|bumpepoch", &["no_async_loading"], &["nondeterministic_output"], &[]),
    m("cluster|count-failure-reports", &[], &["nondeterministic_output"], &[]),
    m("cluster|delslots", &["no_async_loading"], &[], &[]),
    m("cluster|delslotsrange", &["no_async_loading"], &[], &[]),
    m("cluster|failover", &["no_async_loading"], &[], &[]),
    m("cluster|flushslots", &["no_async_loading"], &[], &[]),
    m("cluster|forget", &["no_async_loading"], &[], &[]),
    m("cluster|getkeysinslot", &[], &["nondeterministic_output"], &[]),
    m("cluster|info", &[], &["nondeterministic_output"], &[]),
    m("cluster|links", &[], &["nondeterministic_output"], &[]),
    m("cluster|meet", &["no_async_loading"], &[], &[]),
    m("cluster|nodes", &[], &["nondeterministic_output"], &[]),
    m("cluster|replicas", &[], &["nondeterministic_output"], &[]),
    m("cluster|replicate", &["no_async_loading"], &[], &[]),
    m("cluster|saveconfig", &["no_async_loading"], &[], &[]),
    m("cluster|set-config-epoch", &["no_async_loading"], &[], &[]),
    m("cluster|setslot", &["no_async_loading"], &[], &[]),
    m("cluster|shards", &[], &["nondeterministic_output"], &[]),
    m("cluster|slaves", &[], &["nondeterministic_output"], &[]),
    m("cluster|slots", &[], &["nondeterministic_output"], &[]),
    m("command", &[], &["nondeterministic_output_order"], &[]),
    m("command|docs", &[], &["nondeterministic_output_order"], &[]),
    m("command|info", &[], &["nondeterministic_output_order"], &[]),
    m("command|list", &[], &["nondeterministic_output_order"], &[]),
    m("config|set", &[], &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("copy", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0)), ks("", &["OW", "update"], Index(2), Range(0, 1, 0))]),
    m("dbsize", &[], &["request_policy:all_shards", "response_policy:agg_sum"], &[]),
    m("decr", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("decrby", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("del", &[], &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks("", &["RM", "delete"], Index(1), Range(-1, 1, 0))]),
    m("dump", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("eval", &["movablekeys"], &[], &[ks("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", &["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    m("eval_ro", &["movablekeys"], &[], &[ks("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    m("evalsha", &["movablekeys"], &[], &[ks("", &["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    m("evalsha_ro", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    m("exists", &[], &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks("", &["RO"], Index(1), Range(-1, 1, 0))]),
    m("expire", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("expireat", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("expiretime", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("fcall", &["movablekeys"], &[], &[ks("We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", &["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    m("fcall_ro", &["movablekeys"], &[], &[ks("We cannot tell how the keys will be used so we assume the worst, RO and ACCESS", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    m("flushall", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("flushdb", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|delete", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|flush", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|kill", &[], &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    m("function|list", &[], &["nondeterministic_output_order"], &[]),
    m("function|load", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|restore", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("function|stats", &[], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("geoadd", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("geodist", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("geohash", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("geopos", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("georadius", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0)), ks("", &["OW", "update"], Keyword("STORE", 6), Range(0, 1, 0)), ks("", &["OW", "update"], Keyword("STOREDIST", 6), Range(0, 1, 0))]),
    m("georadius_ro", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("georadiusbymember", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0)), ks("", &["OW", "update"], Keyword("STORE", 5), Range(0, 1, 0)), ks("", &["OW", "update"], Keyword("STOREDIST", 5), Range(0, 1, 0))]),
    m("georadiusbymember_ro", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("geosearch", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("geosearchstore", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(0, 1, 0))]),
    m("get", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("getbit", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("getdel", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("getex", &[], &[], &[ks("RW and UPDATE because it changes the TTL", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("getrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("getset", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("hdel", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("hexists", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("hget", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hgetall", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hincrby", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("hincrbyfloat", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("hkeys", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hlen", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("hmget", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hmset", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("hrandfield", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hscan", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("hset", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("hsetnx", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("hstrlen", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("hvals", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("incr", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("incrby", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("incrbyfloat", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("info", &[], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("keys", &[], &["request_policy:all_shards", "nondeterministic_output_order"], &[]),
    m("lastsave", &[], &["nondeterministic_output"], &[]),
    m("latency|doctor", &[], &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|graph", &[], &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|histogram", &[], &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|history", &[], &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|latest", &[], &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    m("latency|reset", &[], &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("lcs", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(1, 1, 0))]),
    m("lindex", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("linsert", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("llen", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("lmove", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("lmpop", &["movablekeys"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Keynum(0, 1, 1))]),
    m("lpop", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("lpos", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("lpush", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("lpushx", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("lrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("lrem", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("lset", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("ltrim", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("memory|doctor", &[], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|malloc-stats", &[], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|purge", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("memory|stats", &[], &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    m("memory|usage", &[], &[], &[ks("", &["RO"], Index(2), Range(0, 1, 0))]),
    m("mget", &[], &["request_policy:multi_shard"], &[ks("", &["RO", "access"], Index(1), Range(-1, 1, 0))]),
    m("migrate", &["movablekeys"], &["nondeterministic_output"], &[ks("", &["RW", "access", "delete"], Index(3), Range(0, 1, 0)), ks("", &["RW", "access", "delete", "incomplete"], Keyword("KEYS", -2), Range(-1, 1, 0))]),
    m("module|list", &[], &["nondeterministic_output_order"], &[]),
    m("module|load", &["no_async_loading"], &[], &[]),
    m("module|loadex", &["no_async_loading"], &[], &[]),
    m("module|unload", &["no_async_loading"], &[], &[]),
    m("move", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("mset", &[], &["request_policy:multi_shard", "response_policy:all_succeeded"], &[ks("", &["OW", "update"], Index(1), Range(-1, 2, 0))]),
    m("msetnx", &[], &["request_policy:multi_shard", "response_policy:agg_min"], &[ks("", &["OW", "insert"], Index(1), Range(-1, 2, 0))]),
    m("object|encoding", &[], &["nondeterministic_output"], &[ks("", &["RO"], Index(2), Range(0, 1, 0))]),
    m("object|freq", &[], &["nondeterministic_output"], &[ks("", &["RO"], Index(2), Range(0, 1, 0))]),
    m("object|idletime", &[], &["nondeterministic_output"], &[ks("", &["RO"], Index(2), Range(0, 1, 0))]),
    m("object|refcount", &[], &["nondeterministic_output"], &[ks("", &["RO"], Index(2), Range(0, 1, 0))]),
    m("persist", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("pexpire", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("pexpireat", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("pexpiretime", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("pfadd", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("pfcount", &[], &[], &[ks("RW because it may change the internal representation of the key, and propagate to replicas", &["RW", "access"], Index(1), Range(-1, 1, 0))]),
    m("pfdebug", &[], &[], &[ks("", &["RW", "access"], Index(2), Range(0, 1, 0))]),
    m("pfmerge", &[], &[], &[ks("", &["RW", "access", "insert"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(-1, 1, 0))]),
    m("ping", &[], &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    m("psetex", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0))]),
    m("psubscribe", &["pubsub"], &[], &[]),
    m("psync", &["no_async_loading"], &[], &[]),
    m("pttl", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("publish", &["pubsub"], &[], &[]),
    m("pubsub|channels", &["pubsub"], &[], &[]),
    m("pubsub|numpat", &["pubsub"], &[], &[]),
    m("pubsub|numsub", &["pubsub"], &[], &[]),
    m("pubsub|shardchannels", &["pubsub"], &[], &[]),
    m("pubsub|shardnumsub", &["pubsub"], &[], &[]),
    m("punsubscribe", &["pubsub"], &[], &[]),
    m("randomkey", &[], &["request_policy:all_shards", "nondeterministic_output"], &[]),
    m("rename", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["OW", "update"], Index(2), Range(0, 1, 0))]),
    m("renamenx", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["OW", "insert"], Index(2), Range(0, 1, 0))]),
    m("replicaof", &["no_async_loading"], &[], &[]),
    m("restore", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0))]),
    m("restore-asking", &["asking"], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0))]),
    m("rpop", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("rpoplpush", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("rpush", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("rpushx", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("sadd", &[], &[], &[ks("", &["RW", "insert"], Index(1), Range(0, 1, 0))]),
    m("save", &["no_async_loading"], &[], &[]),
    m("scan", &[], &["nondeterministic_output", "request_policy:special"], &[]),
    m("scard", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("script|exists", &[], &["request_policy:all_shards", "response_policy:agg_logical_and"], &[]),
    m("script|flush", &[], &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("script|kill", &[], &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    m("script|load", &[], &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("sdiff", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(-1, 1, 0))]),
    m("sdiffstore", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(-1, 1, 0))]),
    m("set", &[], &[], &[ks("RW and ACCESS due to the optional `GET` argument", &["RW", "access", "update", "variable_flags"], Index(1), Range(0, 1, 0))]),
    m("setbit", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("setex", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0))]),
    m("setnx", &[], &[], &[ks("", &["OW", "insert"], Index(1), Range(0, 1, 0))]),
    m("setrange", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("sinter", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(-1, 1, 0))]),
    m("sintercard", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    m("sinterstore", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(-1, 1, 0))]),
    m("sismember", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("slaveof", &["no_async_loading"], &[], &[]),
    m("slowlog|get", &[], &["request_policy:all_nodes", "nondeterministic_output"], &[]),
    m("slowlog|len", &[], &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"], &[]),
    m("slowlog|reset", &[], &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    m("smembers", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("smismember", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("smove", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("sort", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0)), ks("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", &["RO", "access"], UnknownStart, UnknownKeys), ks("For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", &["OW", "update"], UnknownStart, UnknownKeys)]),
    m("sort_ro", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0)), ks("For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", &["RO", "access"], UnknownStart, UnknownKeys)]),
    m("spop", &[], &["nondeterministic_output"], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("spublish", &["pubsub"], &[], &[ks("", &["not_key"], Index(1), Range(0, 1, 0))]),
    m("srandmember", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("srem", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("sscan", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("ssubscribe", &["pubsub"], &[], &[ks("", &["not_key"], Index(1), Range(-1, 1, 0))]),
    m("strlen", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("subscribe", &["pubsub"], &[], &[]),
    m("substr", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("sunion", &[], &["nondeterministic_output_order"], &[ks("", &["RO", "access"], Index(1), Range(-1, 1, 0))]),
    m("sunionstore", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(-1, 1, 0))]),
    m("sunsubscribe", &["pubsub"], &[], &[ks("", &["not_key"], Index(1), Range(-1, 1, 0))]),
    m("sync", &["no_async_loading"], &[], &[]),
    m("time", &[], &["nondeterministic_output"], &[]),
    m("touch", &[], &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks("", &["RO"], Index(1), Range(-1, 1, 0))]),
    m("ttl", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("type", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("unlink", &[], &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks("", &["RM", "delete"], Index(1), Range(-1, 1, 0))]),
    m("unsubscribe", &["pubsub"], &[], &[]),
    m("wait", &[], &["request_policy:all_shards", "response_policy:agg_min"], &[]),
    m("watch", &[], &[], &[ks("", &["RO"], Index(1), Range(-1, 1, 0))]),
    m("xack", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("xadd", &[], &["nondeterministic_output"], &[ks("UPDATE instead of INSERT because of the optional trimming feature", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("xautoclaim", &[], &["nondeterministic_output"], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("xclaim", &[], &["nondeterministic_output"], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("xdel", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("xgroup|create", &[], &[], &[ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("xgroup|createconsumer", &[], &[], &[ks("", &["RW", "insert"], Index(2), Range(0, 1, 0))]),
    m("xgroup|delconsumer", &[], &[], &[ks("", &["RW", "delete"], Index(2), Range(0, 1, 0))]),
    m("xgroup|destroy", &[], &[], &[ks("", &["RW", "delete"], Index(2), Range(0, 1, 0))]),
    m("xgroup|setid", &[], &[], &[ks("", &["RW", "update"], Index(2), Range(0, 1, 0))]),
    m("xinfo|consumers", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(2), Range(0, 1, 0))]),
    m("xinfo|groups", &[], &[], &[ks("", &["RO", "access"], Index(2), Range(0, 1, 0))]),
    m("xinfo|stream", &[], &[], &[ks("", &["RO", "access"], Index(2), Range(0, 1, 0))]),
    m("xlen", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("xpending", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("xrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("xread", &["blocking", "movablekeys"], &[], &[ks("", &["RO", "access"], Keyword("STREAMS", 1), Range(-1, 1, 2))]),
    m("xreadgroup", &["blocking", "movablekeys"], &[], &[ks("", &["RO", "access"], Keyword("STREAMS", 4), Range(-1, 1, 2))]),
    m("xrevrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("xsetid", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("xtrim", &[], &["nondeterministic_output"], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("zadd", &[], &[], &[ks("", &["RW", "update"], Index(1), Range(0, 1, 0))]),
    m("zcard", &[], &[], &[ks("", &["RO"], Index(1), Range(0, 1, 0))]),
    m("zcount", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zdiff", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    m("zdiffstore", &["movablekeys"], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    m("zincrby", &[], &[], &[ks("", &["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    m("zinter", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    m("zintercard", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    m("zinterstore", &["movablekeys"], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    m("zlexcount", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zmpop", &["movablekeys"], &[], &[ks("", &["RW", "access", "delete"], Index(1), Keynum(0, 1, 1))]),
    m("zmscore", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zpopmax", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("zpopmin", &[], &[], &[ks("", &["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    m("zrandmember", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrangebylex", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrangebyscore", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrangestore", &[], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Range(0, 1, 0))]),
    m("zrank", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrem", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("zremrangebylex", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("zremrangebyrank", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("zremrangebyscore", &[], &[], &[ks("", &["RW", "delete"], Index(1), Range(0, 1, 0))]),
    m("zrevrange", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrevrangebylex", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrevrangebyscore", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zrevrank", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zscan", &[], &["nondeterministic_output"], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zscore", &[], &[], &[ks("", &["RO", "access"], Index(1), Range(0, 1, 0))]),
    m("zunion", &["movablekeys"], &[], &[ks("", &["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    m("zunionstore", &["movablekeys"], &[], &[ks("", &["OW", "update"], Index(1), Range(0, 1, 0)), ks("", &["RO", "access"], Index(2), Keynum(0, 1, 1))]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sorted_and_found() {
        assert!(META.windows(2).all(|w| w[0].name < w[1].name));
        let get = find("get").unwrap();
        assert_eq!(get.key_specs[0].flags, &["RO", "access"]);
        assert_eq!(get.key_specs[0].begin, Index(1));
        assert_eq!(
            find("client|list").unwrap().tips,
            &["nondeterministic_output"]
        );
        assert!(find("nosuch").is_none());
    }
}
