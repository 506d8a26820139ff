//! Reference documentation of redis-server 7.0's commands beyond what our command table
//! carries (summary, since, group and complexity are in the table): argument trees, history,
//! doc flags and deprecation. `COMMAND DOCS` prints them for any command a family
//! implements, as Redis does.
//!
//! The rows were produced from the `COMMAND DOCS` reply of redis-server 7.0.15 (one row per
//! command or subcommand that has any of these), sorted by full name.

/// One argument of a command, as `COMMAND DOCS` prints it.
#[derive(Debug)]
pub struct ArgDoc {
    pub name: &'static str,
    /// `key`, `string`, `integer`, `double`, `pattern`, `unix-time`, `pure-token`, `oneof`,
    /// `block`.
    pub kind: &'static str,
    /// Index into the command's key specs; -1 when the argument is not a key.
    pub key_spec_index: i32,
    /// "" when none, for all the string fields below.
    pub token: &'static str,
    pub since: &'static str,
    pub deprecated_since: &'static str,
    /// `optional`, `multiple`, `multiple_token`.
    pub flags: &'static [&'static str],
    pub arguments: &'static [ArgDoc],
}

/// A command's documentation extras, by full name (`set`, `config|get`).
#[derive(Debug)]
pub struct CommandDoc {
    pub name: &'static str,
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    /// (version, description) pairs.
    pub history: &'static [(&'static str, &'static str)],
    pub arguments: &'static [ArgDoc],
}

/// The documentation extras of a command by its full name.
pub fn find(full_name: &str) -> Option<&'static CommandDoc> {
    DOCS.binary_search_by(|d| d.name.cmp(full_name))
        .ok()
        .map(|i| &DOCS[i])
}

const fn d(
    name: &'static str,
    doc_flags: &'static [&'static str],
    deprecated_since: &'static str,
    replaced_by: &'static str,
    history: &'static [(&'static str, &'static str)],
    arguments: &'static [ArgDoc],
) -> CommandDoc {
    CommandDoc {
        name,
        doc_flags,
        deprecated_since,
        replaced_by,
        history,
        arguments,
    }
}

const fn a(
    name: &'static str,
    kind: &'static str,
    key_spec_index: i32,
    token: &'static str,
    since: &'static str,
    flags: &'static [&'static str],
    arguments: &'static [ArgDoc],
) -> ArgDoc {
    ArgDoc {
        name,
        kind,
        key_spec_index,
        token,
        since,
        deprecated_since: "",
        flags,
        arguments,
    }
}

impl ArgDoc {
    const fn deprecated(mut self, since: &'static str) -> ArgDoc {
        self.deprecated_since = since;
        self
    }
}

#[rustfmt::skip]
static DOCS: &[CommandDoc] = &[
    d("acl|cat", &[], "", "", &[], &[
        a("categoryname", "string", -1, "", "", &["optional"], &[]),
    ]),
    d("acl|deluser", &[], "", "", &[], &[
        a("username", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("acl|dryrun", &[], "", "", &[], &[
        a("username", "string", -1, "", "", &[], &[]),
        a("command", "string", -1, "", "", &[], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("acl|genpass", &[], "", "", &[], &[
        a("bits", "integer", -1, "", "", &["optional"], &[]),
    ]),
    d("acl|getuser", &[], "", "", &[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation.")], &[
        a("username", "string", -1, "", "", &[], &[]),
    ]),
    d("acl|log", &[], "", "", &[], &[
        a("operation", "oneof", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "", "", &[], &[]),
            a("reset", "pure-token", -1, "RESET", "", &[], &[]),
        ]),
    ]),
    d("acl|setuser", &[], "", "", &[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and key based permissions.")], &[
        a("username", "string", -1, "", "", &[], &[]),
        a("rule", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("append", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("auth", &[], "", "", &[("6.0.0", "Added ACL style (username and password).")], &[
        a("username", "string", -1, "", "6.0.0", &["optional"], &[]),
        a("password", "string", -1, "", "", &[], &[]),
    ]),
    d("bgsave", &[], "", "", &[("3.2.2", "Added the `SCHEDULE` option.")], &[
        a("schedule", "pure-token", -1, "SCHEDULE", "3.2.2", &["optional"], &[]),
    ]),
    d("bitcount", &[], "", "", &[("7.0.0", "Added the `BYTE|BIT` option.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("index", "block", -1, "", "", &["optional"], &[
            a("start", "integer", -1, "", "", &[], &[]),
            a("end", "integer", -1, "", "", &[], &[]),
            a("index_unit", "oneof", -1, "", "7.0.0", &["optional"], &[
                a("byte", "pure-token", -1, "BYTE", "", &[], &[]),
                a("bit", "pure-token", -1, "BIT", "", &[], &[]),
            ]),
        ]),
    ]),
    d("bitfield", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("operation", "oneof", -1, "", "", &["optional", "multiple"], &[
            a("encoding_offset", "block", -1, "GET", "", &[], &[
                a("encoding", "string", -1, "", "", &[], &[]),
                a("offset", "integer", -1, "", "", &[], &[]),
            ]),
            a("write", "block", -1, "", "", &[], &[
                a("wrap_sat_fail", "oneof", -1, "OVERFLOW", "", &["optional"], &[
                    a("wrap", "pure-token", -1, "WRAP", "", &[], &[]),
                    a("sat", "pure-token", -1, "SAT", "", &[], &[]),
                    a("fail", "pure-token", -1, "FAIL", "", &[], &[]),
                ]),
                a("write_operation", "oneof", -1, "", "", &[], &[
                    a("encoding_offset_value", "block", -1, "SET", "", &[], &[
                        a("encoding", "string", -1, "", "", &[], &[]),
                        a("offset", "integer", -1, "", "", &[], &[]),
                        a("value", "integer", -1, "", "", &[], &[]),
                    ]),
                    a("encoding_offset_increment", "block", -1, "INCRBY", "", &[], &[
                        a("encoding", "string", -1, "", "", &[], &[]),
                        a("offset", "integer", -1, "", "", &[], &[]),
                        a("increment", "integer", -1, "", "", &[], &[]),
                    ]),
                ]),
            ]),
        ]),
    ]),
    d("bitfield_ro", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("encoding_offset", "block", -1, "GET", "", &["optional", "multiple", "multiple_token"], &[
            a("encoding", "string", -1, "", "", &[], &[]),
            a("offset", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("bitop", &[], "", "", &[], &[
        a("operation", "string", -1, "", "", &[], &[]),
        a("destkey", "key", 0, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("bitpos", &[], "", "", &[("7.0.0", "Added the `BYTE|BIT` option.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("bit", "integer", -1, "", "", &[], &[]),
        a("index", "block", -1, "", "", &["optional"], &[
            a("start", "integer", -1, "", "", &[], &[]),
            a("end_index", "block", -1, "", "", &["optional"], &[
                a("end", "integer", -1, "", "", &[], &[]),
                a("index_unit", "oneof", -1, "", "7.0.0", &["optional"], &[
                    a("byte", "pure-token", -1, "BYTE", "", &[], &[]),
                    a("bit", "pure-token", -1, "BIT", "", &[], &[]),
                ]),
            ]),
        ]),
    ]),
    d("blmove", &[], "", "", &[], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
        a("wherefrom", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
        a("whereto", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("blmpop", &[], "", "", &[], &[
        a("timeout", "double", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("where", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("blpop", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("brpop", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("brpoplpush", &["deprecated"], "6.2.0", "`BLMOVE` with the `RIGHT` and `LEFT` arguments", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("bzmpop", &[], "", "", &[], &[
        a("timeout", "double", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("where", "oneof", -1, "", "", &[], &[
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("bzpopmax", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("bzpopmin", &[], "", "", &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("timeout", "double", -1, "", "", &[], &[]),
    ]),
    d("client|caching", &[], "", "", &[], &[
        a("mode", "oneof", -1, "", "", &[], &[
            a("yes", "pure-token", -1, "YES", "", &[], &[]),
            a("no", "pure-token", -1, "NO", "", &[], &[]),
        ]),
    ]),
    d("client|kill", &[], "", "", &[("2.8.12", "Added new filter format."), ("2.8.12", "`ID` option."), ("3.2.0", "Added `master` type in for `TYPE` option."), ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."), ("6.2.0", "`LADDR` option.")], &[
        a("filter", "oneof", -1, "", "", &[], &[
            a("ip:port", "string", -1, "", "", &[], &[]).deprecated("2.8.12"),
            a("new-format", "oneof", -1, "", "", &["multiple"], &[
                a("client-id", "integer", -1, "ID", "2.8.12", &["optional"], &[]),
                a("normal_master_slave_pubsub", "oneof", -1, "TYPE", "2.8.12", &["optional"], &[
                    a("normal", "pure-token", -1, "NORMAL", "", &[], &[]),
                    a("master", "pure-token", -1, "MASTER", "3.2.0", &[], &[]),
                    a("slave", "pure-token", -1, "SLAVE", "", &[], &[]),
                    a("replica", "pure-token", -1, "REPLICA", "5.0.0", &[], &[]),
                    a("pubsub", "pure-token", -1, "PUBSUB", "", &[], &[]),
                ]),
                a("username", "string", -1, "USER", "", &["optional"], &[]),
                a("ip:port", "string", -1, "ADDR", "", &["optional"], &[]),
                a("ip:port", "string", -1, "LADDR", "6.2.0", &["optional"], &[]),
                a("yes/no", "string", -1, "SKIPME", "", &["optional"], &[]),
            ]),
        ]),
    ]),
    d("client|list", &[], "", "", &[("2.8.12", "Added unique client `id` field."), ("5.0.0", "Added optional `TYPE` filter."), ("6.0.0", "Added `user` field."), ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."), ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."), ("7.0.3", "Added `ssub` field.")], &[
        a("normal_master_replica_pubsub", "oneof", -1, "TYPE", "5.0.0", &["optional"], &[
            a("normal", "pure-token", -1, "NORMAL", "", &[], &[]),
            a("master", "pure-token", -1, "MASTER", "", &[], &[]),
            a("replica", "pure-token", -1, "REPLICA", "", &[], &[]),
            a("pubsub", "pure-token", -1, "PUBSUB", "", &[], &[]),
        ]),
        a("id", "block", -1, "ID", "6.2.0", &["optional"], &[
            a("client-id", "integer", -1, "", "", &["multiple"], &[]),
        ]),
    ]),
    d("client|no-evict", &[], "", "", &[], &[
        a("enabled", "oneof", -1, "", "", &[], &[
            a("on", "pure-token", -1, "ON", "", &[], &[]),
            a("off", "pure-token", -1, "OFF", "", &[], &[]),
        ]),
    ]),
    d("client|pause", &[], "", "", &[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")], &[
        a("timeout", "integer", -1, "", "", &[], &[]),
        a("mode", "oneof", -1, "", "6.2.0", &["optional"], &[
            a("write", "pure-token", -1, "WRITE", "", &[], &[]),
            a("all", "pure-token", -1, "ALL", "", &[], &[]),
        ]),
    ]),
    d("client|reply", &[], "", "", &[], &[
        a("on_off_skip", "oneof", -1, "", "", &[], &[
            a("on", "pure-token", -1, "ON", "", &[], &[]),
            a("off", "pure-token", -1, "OFF", "", &[], &[]),
            a("skip", "pure-token", -1, "SKIP", "", &[], &[]),
        ]),
    ]),
    d("client|setname", &[], "", "", &[], &[
        a("connection-name", "string", -1, "", "", &[], &[]),
    ]),
    d("client|tracking", &[], "", "", &[], &[
        a("status", "oneof", -1, "", "", &[], &[
            a("on", "pure-token", -1, "ON", "", &[], &[]),
            a("off", "pure-token", -1, "OFF", "", &[], &[]),
        ]),
        a("client-id", "integer", -1, "REDIRECT", "", &["optional"], &[]),
        a("prefix", "string", -1, "PREFIX", "", &["optional", "multiple", "multiple_token"], &[]),
        a("bcast", "pure-token", -1, "BCAST", "", &["optional"], &[]),
        a("optin", "pure-token", -1, "OPTIN", "", &["optional"], &[]),
        a("optout", "pure-token", -1, "OPTOUT", "", &["optional"], &[]),
        a("noloop", "pure-token", -1, "NOLOOP", "", &["optional"], &[]),
    ]),
    d("client|unblock", &[], "", "", &[], &[
        a("client-id", "integer", -1, "", "", &[], &[]),
        a("timeout_error", "oneof", -1, "", "", &["optional"], &[
            a("timeout", "pure-token", -1, "TIMEOUT", "", &[], &[]),
            a("error", "pure-token", -1, "ERROR", "", &[], &[]),
        ]),
    ]),
    d("cluster|addslots", &[], "", "", &[], &[
        a("slot", "integer", -1, "", "", &["multiple"], &[]),
    ]),
    d("cluster|addslotsrange", &[], "", "", &[], &[
        a("start-slot_end-slot", "block", -1, "", "", &["multiple"], &[
            a("start-slot", "integer", -1, "", "", &[], &[]),
            a("end-slot", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("cluster|count-failure-reports", &[], "", "", &[], &[
        a("node-id", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|countkeysinslot", &[], "", "", &[], &[
        a("slot", "integer", -1, "", "", &[], &[]),
    ]),
    d("cluster|delslots", &[], "", "", &[], &[
        a("slot", "integer", -1, "", "", &["multiple"], &[]),
    ]),
    d("cluster|delslotsrange", &[], "", "", &[], &[
        a("start-slot_end-slot", "block", -1, "", "", &["multiple"], &[
            a("start-slot", "integer", -1, "", "", &[], &[]),
            a("end-slot", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("cluster|failover", &[], "", "", &[], &[
        a("options", "oneof", -1, "", "", &["optional"], &[
            a("force", "pure-token", -1, "FORCE", "", &[], &[]),
            a("takeover", "pure-token", -1, "TAKEOVER", "", &[], &[]),
        ]),
    ]),
    d("cluster|forget", &[], "", "", &[], &[
        a("node-id", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|getkeysinslot", &[], "", "", &[], &[
        a("slot", "integer", -1, "", "", &[], &[]),
        a("count", "integer", -1, "", "", &[], &[]),
    ]),
    d("cluster|keyslot", &[], "", "", &[], &[
        a("key", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|meet", &[], "", "", &[("4.0.0", "Added the optional `cluster_bus_port` argument.")], &[
        a("ip", "string", -1, "", "", &[], &[]),
        a("port", "integer", -1, "", "", &[], &[]),
        a("cluster_bus_port", "integer", -1, "", "4.0.0", &["optional"], &[]),
    ]),
    d("cluster|replicas", &[], "", "", &[], &[
        a("node-id", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|replicate", &[], "", "", &[], &[
        a("node-id", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|reset", &[], "", "", &[], &[
        a("hard_soft", "oneof", -1, "", "", &["optional"], &[
            a("hard", "pure-token", -1, "HARD", "", &[], &[]),
            a("soft", "pure-token", -1, "SOFT", "", &[], &[]),
        ]),
    ]),
    d("cluster|set-config-epoch", &[], "", "", &[], &[
        a("config-epoch", "integer", -1, "", "", &[], &[]),
    ]),
    d("cluster|setslot", &[], "", "", &[], &[
        a("slot", "integer", -1, "", "", &[], &[]),
        a("subcommand", "oneof", -1, "", "", &[], &[
            a("node-id", "string", -1, "IMPORTING", "", &[], &[]),
            a("node-id", "string", -1, "MIGRATING", "", &[], &[]),
            a("node-id", "string", -1, "NODE", "", &[], &[]),
            a("stable", "pure-token", -1, "STABLE", "", &[], &[]),
        ]),
    ]),
    d("cluster|slaves", &["deprecated"], "5.0.0", "`CLUSTER REPLICAS`", &[], &[
        a("node-id", "string", -1, "", "", &[], &[]),
    ]),
    d("cluster|slots", &["deprecated"], "7.0.0", "`CLUSTER SHARDS`", &[("4.0.0", "Added node IDs."), ("7.0.0", "Added additional networking metadata field.")], &[]),
    d("command|docs", &[], "", "", &[], &[
        a("command-name", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("command|info", &[], "", "", &[("7.0.0", "Allowed to be called with no argument to get info on all commands.")], &[
        a("command-name", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("command|list", &[], "", "", &[], &[
        a("filterby", "oneof", -1, "FILTERBY", "", &["optional"], &[
            a("module-name", "string", -1, "MODULE", "", &[], &[]),
            a("category", "string", -1, "ACLCAT", "", &[], &[]),
            a("pattern", "pattern", -1, "PATTERN", "", &[], &[]),
        ]),
    ]),
    d("config|get", &[], "", "", &[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")], &[
        a("parameter", "block", -1, "", "", &["multiple"], &[
            a("parameter", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("config|set", &[], "", "", &[("7.0.0", "Added the ability to set multiple parameters in one call.")], &[
        a("parameter_value", "block", -1, "", "", &["multiple"], &[
            a("parameter", "string", -1, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("copy", &[], "", "", &[], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
        a("destination-db", "integer", -1, "DB", "", &["optional"], &[]),
        a("replace", "pure-token", -1, "REPLACE", "", &["optional"], &[]),
    ]),
    d("debug", &["syscmd"], "", "", &[], &[]),
    d("decr", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("decrby", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("decrement", "integer", -1, "", "", &[], &[]),
    ]),
    d("del", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("dump", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("echo", &[], "", "", &[], &[
        a("message", "string", -1, "", "", &[], &[]),
    ]),
    d("eval", &[], "", "", &[], &[
        a("script", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("eval_ro", &[], "", "", &[], &[
        a("script", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("evalsha", &[], "", "", &[], &[
        a("sha1", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("evalsha_ro", &[], "", "", &[], &[
        a("sha1", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("exists", &[], "", "", &[("3.0.3", "Accepts multiple `key` arguments.")], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("expire", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("seconds", "integer", -1, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "7.0.0", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
            a("gt", "pure-token", -1, "GT", "", &[], &[]),
            a("lt", "pure-token", -1, "LT", "", &[], &[]),
        ]),
    ]),
    d("expireat", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("unix-time-seconds", "unix-time", -1, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "7.0.0", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
            a("gt", "pure-token", -1, "GT", "", &[], &[]),
            a("lt", "pure-token", -1, "LT", "", &[], &[]),
        ]),
    ]),
    d("expiretime", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("failover", &[], "", "", &[], &[
        a("target", "block", -1, "TO", "", &["optional"], &[
            a("host", "string", -1, "", "", &[], &[]),
            a("port", "integer", -1, "", "", &[], &[]),
            a("force", "pure-token", -1, "FORCE", "", &["optional"], &[]),
        ]),
        a("abort", "pure-token", -1, "ABORT", "", &["optional"], &[]),
        a("milliseconds", "integer", -1, "TIMEOUT", "", &["optional"], &[]),
    ]),
    d("fcall", &[], "", "", &[], &[
        a("function", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("fcall_ro", &[], "", "", &[], &[
        a("function", "string", -1, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["optional", "multiple"], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("flushall", &[], "", "", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")], &[
        a("async", "oneof", -1, "", "", &["optional"], &[
            a("async", "pure-token", -1, "ASYNC", "4.0.0", &[], &[]),
            a("sync", "pure-token", -1, "SYNC", "6.2.0", &[], &[]),
        ]),
    ]),
    d("flushdb", &[], "", "", &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")], &[
        a("async", "oneof", -1, "", "", &["optional"], &[
            a("async", "pure-token", -1, "ASYNC", "4.0.0", &[], &[]),
            a("sync", "pure-token", -1, "SYNC", "6.2.0", &[], &[]),
        ]),
    ]),
    d("function|delete", &[], "", "", &[], &[
        a("library-name", "string", -1, "", "", &[], &[]),
    ]),
    d("function|flush", &[], "", "", &[], &[
        a("async", "oneof", -1, "", "", &["optional"], &[
            a("async", "pure-token", -1, "ASYNC", "", &[], &[]),
            a("sync", "pure-token", -1, "SYNC", "", &[], &[]),
        ]),
    ]),
    d("function|list", &[], "", "", &[], &[
        a("library-name-pattern", "string", -1, "LIBRARYNAME", "", &["optional"], &[]),
        a("withcode", "pure-token", -1, "WITHCODE", "", &["optional"], &[]),
    ]),
    d("function|load", &[], "", "", &[], &[
        a("replace", "pure-token", -1, "REPLACE", "", &["optional"], &[]),
        a("function-code", "string", -1, "", "", &[], &[]),
    ]),
    d("function|restore", &[], "", "", &[], &[
        a("serialized-value", "string", -1, "", "", &[], &[]),
        a("policy", "oneof", -1, "", "", &["optional"], &[
            a("flush", "pure-token", -1, "FLUSH", "", &[], &[]),
            a("append", "pure-token", -1, "APPEND", "", &[], &[]),
            a("replace", "pure-token", -1, "REPLACE", "", &[], &[]),
        ]),
    ]),
    d("geoadd", &[], "", "", &[("6.2.0", "Added the `CH`, `NX` and `XX` options.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "6.2.0", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
        ]),
        a("change", "pure-token", -1, "CH", "6.2.0", &["optional"], &[]),
        a("longitude_latitude_member", "block", -1, "", "", &["multiple"], &[
            a("longitude", "double", -1, "", "", &[], &[]),
            a("latitude", "double", -1, "", "", &[], &[]),
            a("member", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("geodist", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member1", "string", -1, "", "", &[], &[]),
        a("member2", "string", -1, "", "", &[], &[]),
        a("unit", "oneof", -1, "", "", &["optional"], &[
            a("m", "pure-token", -1, "M", "", &[], &[]),
            a("km", "pure-token", -1, "KM", "", &[], &[]),
            a("ft", "pure-token", -1, "FT", "", &[], &[]),
            a("mi", "pure-token", -1, "MI", "", &[], &[]),
        ]),
    ]),
    d("geohash", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("geopos", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("georadius", &["deprecated"], "6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument", &[("6.2.0", "Added the `ANY` option for `COUNT`."), ("7.0.0", "Added support for uppercase unit names.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("longitude", "double", -1, "", "", &[], &[]),
        a("latitude", "double", -1, "", "", &[], &[]),
        a("radius", "double", -1, "", "", &[], &[]),
        a("unit", "oneof", -1, "", "", &[], &[
            a("m", "pure-token", -1, "M", "", &[], &[]),
            a("km", "pure-token", -1, "KM", "", &[], &[]),
            a("ft", "pure-token", -1, "FT", "", &[], &[]),
            a("mi", "pure-token", -1, "MI", "", &[], &[]),
        ]),
        a("withcoord", "pure-token", -1, "WITHCOORD", "", &["optional"], &[]),
        a("withdist", "pure-token", -1, "WITHDIST", "", &["optional"], &[]),
        a("withhash", "pure-token", -1, "WITHHASH", "", &["optional"], &[]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "6.2.0", &["optional"], &[]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("key", "key", 1, "STORE", "", &["optional"], &[]),
        a("key", "key", 2, "STOREDIST", "", &["optional"], &[]),
    ]),
    d("georadius_ro", &["deprecated"], "6.2.0", "`GEOSEARCH` with the `BYRADIUS` argument", &[("6.2.0", "Added the `ANY` option for `COUNT`.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("longitude", "double", -1, "", "", &[], &[]),
        a("latitude", "double", -1, "", "", &[], &[]),
        a("radius", "double", -1, "", "", &[], &[]),
        a("unit", "oneof", -1, "", "", &[], &[
            a("m", "pure-token", -1, "M", "", &[], &[]),
            a("km", "pure-token", -1, "KM", "", &[], &[]),
            a("ft", "pure-token", -1, "FT", "", &[], &[]),
            a("mi", "pure-token", -1, "MI", "", &[], &[]),
        ]),
        a("withcoord", "pure-token", -1, "WITHCOORD", "", &["optional"], &[]),
        a("withdist", "pure-token", -1, "WITHDIST", "", &["optional"], &[]),
        a("withhash", "pure-token", -1, "WITHHASH", "", &["optional"], &[]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "6.2.0", &["optional"], &[]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
    ]),
    d("georadiusbymember", &["deprecated"], "6.2.0", "`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments", &[("7.0.0", "Added support for uppercase unit names.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
        a("radius", "double", -1, "", "", &[], &[]),
        a("unit", "oneof", -1, "", "", &[], &[
            a("m", "pure-token", -1, "M", "", &[], &[]),
            a("km", "pure-token", -1, "KM", "", &[], &[]),
            a("ft", "pure-token", -1, "FT", "", &[], &[]),
            a("mi", "pure-token", -1, "MI", "", &[], &[]),
        ]),
        a("withcoord", "pure-token", -1, "WITHCOORD", "", &["optional"], &[]),
        a("withdist", "pure-token", -1, "WITHDIST", "", &["optional"], &[]),
        a("withhash", "pure-token", -1, "WITHHASH", "", &["optional"], &[]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "", &["optional"], &[]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("key", "key", 1, "STORE", "", &["optional"], &[]),
        a("key", "key", 2, "STOREDIST", "", &["optional"], &[]),
    ]),
    d("georadiusbymember_ro", &["deprecated"], "6.2.0", "`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
        a("radius", "double", -1, "", "", &[], &[]),
        a("unit", "oneof", -1, "", "", &[], &[
            a("m", "pure-token", -1, "M", "", &[], &[]),
            a("km", "pure-token", -1, "KM", "", &[], &[]),
            a("ft", "pure-token", -1, "FT", "", &[], &[]),
            a("mi", "pure-token", -1, "MI", "", &[], &[]),
        ]),
        a("withcoord", "pure-token", -1, "WITHCOORD", "", &["optional"], &[]),
        a("withdist", "pure-token", -1, "WITHDIST", "", &["optional"], &[]),
        a("withhash", "pure-token", -1, "WITHHASH", "", &["optional"], &[]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "", &["optional"], &[]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
    ]),
    d("geosearch", &[], "", "", &[("7.0.0", "Added support for uppercase unit names.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("from", "oneof", -1, "", "", &[], &[
            a("member", "string", -1, "FROMMEMBER", "", &[], &[]),
            a("longitude_latitude", "block", -1, "FROMLONLAT", "", &[], &[
                a("longitude", "double", -1, "", "", &[], &[]),
                a("latitude", "double", -1, "", "", &[], &[]),
            ]),
        ]),
        a("by", "oneof", -1, "", "", &[], &[
            a("circle", "block", -1, "", "", &[], &[
                a("radius", "double", -1, "BYRADIUS", "", &[], &[]),
                a("unit", "oneof", -1, "", "", &[], &[
                    a("m", "pure-token", -1, "M", "", &[], &[]),
                    a("km", "pure-token", -1, "KM", "", &[], &[]),
                    a("ft", "pure-token", -1, "FT", "", &[], &[]),
                    a("mi", "pure-token", -1, "MI", "", &[], &[]),
                ]),
            ]),
            a("box", "block", -1, "", "", &[], &[
                a("width", "double", -1, "BYBOX", "", &[], &[]),
                a("height", "double", -1, "", "", &[], &[]),
                a("unit", "oneof", -1, "", "", &[], &[
                    a("m", "pure-token", -1, "M", "", &[], &[]),
                    a("km", "pure-token", -1, "KM", "", &[], &[]),
                    a("ft", "pure-token", -1, "FT", "", &[], &[]),
                    a("mi", "pure-token", -1, "MI", "", &[], &[]),
                ]),
            ]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "", &["optional"], &[]),
        ]),
        a("withcoord", "pure-token", -1, "WITHCOORD", "", &["optional"], &[]),
        a("withdist", "pure-token", -1, "WITHDIST", "", &["optional"], &[]),
        a("withhash", "pure-token", -1, "WITHHASH", "", &["optional"], &[]),
    ]),
    d("geosearchstore", &[], "", "", &[("7.0.0", "Added support for uppercase unit names.")], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("source", "key", 1, "", "", &[], &[]),
        a("from", "oneof", -1, "", "", &[], &[
            a("member", "string", -1, "FROMMEMBER", "", &[], &[]),
            a("longitude_latitude", "block", -1, "FROMLONLAT", "", &[], &[
                a("longitude", "double", -1, "", "", &[], &[]),
                a("latitude", "double", -1, "", "", &[], &[]),
            ]),
        ]),
        a("by", "oneof", -1, "", "", &[], &[
            a("circle", "block", -1, "", "", &[], &[
                a("radius", "double", -1, "BYRADIUS", "", &[], &[]),
                a("unit", "oneof", -1, "", "", &[], &[
                    a("m", "pure-token", -1, "M", "", &[], &[]),
                    a("km", "pure-token", -1, "KM", "", &[], &[]),
                    a("ft", "pure-token", -1, "FT", "", &[], &[]),
                    a("mi", "pure-token", -1, "MI", "", &[], &[]),
                ]),
            ]),
            a("box", "block", -1, "", "", &[], &[
                a("width", "double", -1, "BYBOX", "", &[], &[]),
                a("height", "double", -1, "", "", &[], &[]),
                a("unit", "oneof", -1, "", "", &[], &[
                    a("m", "pure-token", -1, "M", "", &[], &[]),
                    a("km", "pure-token", -1, "KM", "", &[], &[]),
                    a("ft", "pure-token", -1, "FT", "", &[], &[]),
                    a("mi", "pure-token", -1, "MI", "", &[], &[]),
                ]),
            ]),
        ]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("count", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &[], &[]),
            a("any", "pure-token", -1, "ANY", "", &["optional"], &[]),
        ]),
        a("storedist", "pure-token", -1, "STOREDIST", "", &["optional"], &[]),
    ]),
    d("get", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("getbit", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("offset", "integer", -1, "", "", &[], &[]),
    ]),
    d("getdel", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("getex", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("expiration", "oneof", -1, "", "", &["optional"], &[
            a("seconds", "integer", -1, "EX", "", &[], &[]),
            a("milliseconds", "integer", -1, "PX", "", &[], &[]),
            a("unix-time-seconds", "unix-time", -1, "EXAT", "", &[], &[]),
            a("unix-time-milliseconds", "unix-time", -1, "PXAT", "", &[], &[]),
            a("persist", "pure-token", -1, "PERSIST", "", &[], &[]),
        ]),
    ]),
    d("getrange", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("end", "integer", -1, "", "", &[], &[]),
    ]),
    d("getset", &["deprecated"], "6.2.0", "`SET` with the `!GET` argument", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("hdel", &[], "", "", &[("2.4.0", "Accepts multiple `field` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("hello", &[], "", "", &[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")], &[
        a("arguments", "block", -1, "", "", &["optional"], &[
            a("protover", "integer", -1, "", "", &[], &[]),
            a("username_password", "block", -1, "AUTH", "", &["optional"], &[
                a("username", "string", -1, "", "", &[], &[]),
                a("password", "string", -1, "", "", &[], &[]),
            ]),
            a("clientname", "string", -1, "SETNAME", "", &["optional"], &[]),
        ]),
    ]),
    d("hexists", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
    ]),
    d("hget", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
    ]),
    d("hgetall", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("hincrby", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
        a("increment", "integer", -1, "", "", &[], &[]),
    ]),
    d("hincrbyfloat", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
        a("increment", "double", -1, "", "", &[], &[]),
    ]),
    d("hkeys", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("hlen", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("hmget", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("hmset", &["deprecated"], "4.0.0", "`HSET` with multiple field-value pairs", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field_value", "block", -1, "", "", &["multiple"], &[
            a("field", "string", -1, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("hrandfield", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("options", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "", "", &[], &[]),
            a("withvalues", "pure-token", -1, "WITHVALUES", "", &["optional"], &[]),
        ]),
    ]),
    d("hscan", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("cursor", "integer", -1, "", "", &[], &[]),
        a("pattern", "pattern", -1, "MATCH", "", &["optional"], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("hset", &[], "", "", &[("4.0.0", "Accepts multiple `field` and `value` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field_value", "block", -1, "", "", &["multiple"], &[
            a("field", "string", -1, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("hsetnx", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("hstrlen", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("field", "string", -1, "", "", &[], &[]),
    ]),
    d("hvals", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("incr", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("incrby", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("increment", "integer", -1, "", "", &[], &[]),
    ]),
    d("incrbyfloat", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("increment", "double", -1, "", "", &[], &[]),
    ]),
    d("info", &[], "", "", &[("7.0.0", "Added support for taking multiple section arguments.")], &[
        a("section", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("keys", &[], "", "", &[], &[
        a("pattern", "pattern", -1, "", "", &[], &[]),
    ]),
    d("latency|graph", &[], "", "", &[], &[
        a("event", "string", -1, "", "", &[], &[]),
    ]),
    d("latency|histogram", &[], "", "", &[], &[
        a("command", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("latency|history", &[], "", "", &[], &[
        a("event", "string", -1, "", "", &[], &[]),
    ]),
    d("latency|reset", &[], "", "", &[], &[
        a("event", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("lcs", &[], "", "", &[], &[
        a("key1", "key", 0, "", "", &[], &[]),
        a("key2", "key", 0, "", "", &[], &[]),
        a("len", "pure-token", -1, "LEN", "", &["optional"], &[]),
        a("idx", "pure-token", -1, "IDX", "", &["optional"], &[]),
        a("len", "integer", -1, "MINMATCHLEN", "", &["optional"], &[]),
        a("withmatchlen", "pure-token", -1, "WITHMATCHLEN", "", &["optional"], &[]),
    ]),
    d("lindex", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("index", "integer", -1, "", "", &[], &[]),
    ]),
    d("linsert", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("where", "oneof", -1, "", "", &[], &[
            a("before", "pure-token", -1, "BEFORE", "", &[], &[]),
            a("after", "pure-token", -1, "AFTER", "", &[], &[]),
        ]),
        a("pivot", "string", -1, "", "", &[], &[]),
        a("element", "string", -1, "", "", &[], &[]),
    ]),
    d("llen", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("lmove", &[], "", "", &[], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
        a("wherefrom", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
        a("whereto", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
    ]),
    d("lmpop", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("where", "oneof", -1, "", "", &[], &[
            a("left", "pure-token", -1, "LEFT", "", &[], &[]),
            a("right", "pure-token", -1, "RIGHT", "", &[], &[]),
        ]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("lolwut", &[], "", "", &[], &[
        a("version", "integer", -1, "VERSION", "", &["optional"], &[]),
    ]),
    d("lpop", &[], "", "", &[("6.2.0", "Added the `count` argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "6.2.0", &["optional"], &[]),
    ]),
    d("lpos", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &[], &[]),
        a("rank", "integer", -1, "RANK", "", &["optional"], &[]),
        a("num-matches", "integer", -1, "COUNT", "", &["optional"], &[]),
        a("len", "integer", -1, "MAXLEN", "", &["optional"], &[]),
    ]),
    d("lpush", &[], "", "", &[("2.4.0", "Accepts multiple `element` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("lpushx", &[], "", "", &[("4.0.0", "Accepts multiple `element` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("lrange", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("stop", "integer", -1, "", "", &[], &[]),
    ]),
    d("lrem", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "", &[], &[]),
        a("element", "string", -1, "", "", &[], &[]),
    ]),
    d("lset", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("index", "integer", -1, "", "", &[], &[]),
        a("element", "string", -1, "", "", &[], &[]),
    ]),
    d("ltrim", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("stop", "integer", -1, "", "", &[], &[]),
    ]),
    d("memory|usage", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "SAMPLES", "", &["optional"], &[]),
    ]),
    d("mget", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("migrate", &[], "", "", &[("3.0.0", "Added the `COPY` and `REPLACE` options."), ("3.0.6", "Added the `KEYS` option."), ("4.0.7", "Added the `AUTH` option."), ("6.0.0", "Added the `AUTH2` option.")], &[
        a("host", "string", -1, "", "", &[], &[]),
        a("port", "integer", -1, "", "", &[], &[]),
        a("key_or_empty_string", "oneof", -1, "", "", &[], &[
            a("key", "key", 0, "", "", &[], &[]),
            a("empty_string", "pure-token", -1, "", "", &[], &[]),
        ]),
        a("destination-db", "integer", -1, "", "", &[], &[]),
        a("timeout", "integer", -1, "", "", &[], &[]),
        a("copy", "pure-token", -1, "COPY", "3.0.0", &["optional"], &[]),
        a("replace", "pure-token", -1, "REPLACE", "3.0.0", &["optional"], &[]),
        a("authentication", "oneof", -1, "", "", &["optional"], &[
            a("password", "string", -1, "AUTH", "4.0.7", &["optional"], &[]),
            a("username_password", "block", -1, "AUTH2", "6.0.0", &["optional"], &[
                a("username", "string", -1, "", "", &[], &[]),
                a("password", "string", -1, "", "", &[], &[]),
            ]),
        ]),
        a("key", "key", 1, "KEYS", "3.0.6", &["optional", "multiple"], &[]),
    ]),
    d("module|load", &[], "", "", &[], &[
        a("path", "string", -1, "", "", &[], &[]),
        a("arg", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("module|loadex", &[], "", "", &[], &[
        a("path", "string", -1, "", "", &[], &[]),
        a("configs", "block", -1, "CONFIG", "", &["optional", "multiple", "multiple_token"], &[
            a("name", "string", -1, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
        a("args", "block", -1, "ARGS", "", &["optional", "multiple"], &[
            a("arg", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("module|unload", &[], "", "", &[], &[
        a("name", "string", -1, "", "", &[], &[]),
    ]),
    d("move", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("db", "integer", -1, "", "", &[], &[]),
    ]),
    d("mset", &[], "", "", &[], &[
        a("key_value", "block", -1, "", "", &["multiple"], &[
            a("key", "key", 0, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("msetnx", &[], "", "", &[], &[
        a("key_value", "block", -1, "", "", &["multiple"], &[
            a("key", "key", 0, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("object|encoding", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("object|freq", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("object|idletime", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("object|refcount", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("persist", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("pexpire", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("milliseconds", "integer", -1, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "7.0.0", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
            a("gt", "pure-token", -1, "GT", "", &[], &[]),
            a("lt", "pure-token", -1, "LT", "", &[], &[]),
        ]),
    ]),
    d("pexpireat", &[], "", "", &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("unix-time-milliseconds", "unix-time", -1, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "7.0.0", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
            a("gt", "pure-token", -1, "GT", "", &[], &[]),
            a("lt", "pure-token", -1, "LT", "", &[], &[]),
        ]),
    ]),
    d("pexpiretime", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("pfadd", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("pfcount", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("pfdebug", &["syscmd"], "", "", &[], &[
        a("subcommand", "string", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("pfmerge", &[], "", "", &[], &[
        a("destkey", "key", 0, "", "", &[], &[]),
        a("sourcekey", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("pfselftest", &["syscmd"], "", "", &[], &[]),
    d("ping", &[], "", "", &[], &[
        a("message", "string", -1, "", "", &["optional"], &[]),
    ]),
    d("psetex", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("milliseconds", "integer", -1, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("psubscribe", &[], "", "", &[], &[
        a("pattern", "block", -1, "", "", &["multiple"], &[
            a("pattern", "pattern", -1, "", "", &[], &[]),
        ]),
    ]),
    d("psync", &[], "", "", &[], &[
        a("replicationid", "string", -1, "", "", &[], &[]),
        a("offset", "integer", -1, "", "", &[], &[]),
    ]),
    d("pttl", &[], "", "", &[("2.8.0", "Added the -2 reply.")], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("publish", &[], "", "", &[], &[
        a("channel", "string", -1, "", "", &[], &[]),
        a("message", "string", -1, "", "", &[], &[]),
    ]),
    d("pubsub|channels", &[], "", "", &[], &[
        a("pattern", "pattern", -1, "", "", &["optional"], &[]),
    ]),
    d("pubsub|numsub", &[], "", "", &[], &[
        a("channel", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("pubsub|shardchannels", &[], "", "", &[], &[
        a("pattern", "pattern", -1, "", "", &["optional"], &[]),
    ]),
    d("pubsub|shardnumsub", &[], "", "", &[], &[
        a("shardchannel", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("punsubscribe", &[], "", "", &[], &[
        a("pattern", "pattern", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("rename", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("newkey", "key", 1, "", "", &[], &[]),
    ]),
    d("renamenx", &[], "", "", &[("3.2.0", "The command no longer returns an error when source and destination names are the same.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("newkey", "key", 1, "", "", &[], &[]),
    ]),
    d("replconf", &["syscmd"], "", "", &[], &[]),
    d("replicaof", &[], "", "", &[], &[
        a("args", "oneof", -1, "", "", &[], &[
            a("host-port", "block", -1, "", "", &[], &[
                a("host", "string", -1, "", "", &[], &[]),
                a("port", "integer", -1, "", "", &[], &[]),
            ]),
            a("no-one", "block", -1, "", "", &[], &[
                a("no", "pure-token", -1, "NO", "", &[], &[]),
                a("one", "pure-token", -1, "ONE", "", &[], &[]),
            ]),
        ]),
    ]),
    d("restore", &[], "", "", &[("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("ttl", "integer", -1, "", "", &[], &[]),
        a("serialized-value", "string", -1, "", "", &[], &[]),
        a("replace", "pure-token", -1, "REPLACE", "3.0.0", &["optional"], &[]),
        a("absttl", "pure-token", -1, "ABSTTL", "5.0.0", &["optional"], &[]),
        a("seconds", "integer", -1, "IDLETIME", "5.0.0", &["optional"], &[]),
        a("frequency", "integer", -1, "FREQ", "5.0.0", &["optional"], &[]),
    ]),
    d("restore-asking", &["syscmd"], "", "", &[("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("ttl", "integer", -1, "", "", &[], &[]),
        a("serialized-value", "string", -1, "", "", &[], &[]),
        a("replace", "pure-token", -1, "REPLACE", "3.0.0", &["optional"], &[]),
        a("absttl", "pure-token", -1, "ABSTTL", "5.0.0", &["optional"], &[]),
        a("seconds", "integer", -1, "IDLETIME", "5.0.0", &["optional"], &[]),
        a("frequency", "integer", -1, "FREQ", "5.0.0", &["optional"], &[]),
    ]),
    d("rpop", &[], "", "", &[("6.2.0", "Added the `count` argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "6.2.0", &["optional"], &[]),
    ]),
    d("rpoplpush", &["deprecated"], "6.2.0", "`LMOVE` with the `RIGHT` and `LEFT` arguments", &[], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
    ]),
    d("rpush", &[], "", "", &[("2.4.0", "Accepts multiple `element` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("rpushx", &[], "", "", &[("4.0.0", "Accepts multiple `element` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("element", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("sadd", &[], "", "", &[("2.4.0", "Accepts multiple `member` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("scan", &[], "", "", &[("6.0.0", "Added the `TYPE` subcommand.")], &[
        a("cursor", "integer", -1, "", "", &[], &[]),
        a("pattern", "pattern", -1, "MATCH", "", &["optional"], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
        a("type", "string", -1, "TYPE", "6.0.0", &["optional"], &[]),
    ]),
    d("scard", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("script|debug", &[], "", "", &[], &[
        a("mode", "oneof", -1, "", "", &[], &[
            a("yes", "pure-token", -1, "YES", "", &[], &[]),
            a("sync", "pure-token", -1, "SYNC", "", &[], &[]),
            a("no", "pure-token", -1, "NO", "", &[], &[]),
        ]),
    ]),
    d("script|exists", &[], "", "", &[], &[
        a("sha1", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("script|flush", &[], "", "", &[("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")], &[
        a("async", "oneof", -1, "", "6.2.0", &["optional"], &[
            a("async", "pure-token", -1, "ASYNC", "", &[], &[]),
            a("sync", "pure-token", -1, "SYNC", "", &[], &[]),
        ]),
    ]),
    d("script|load", &[], "", "", &[], &[
        a("script", "string", -1, "", "", &[], &[]),
    ]),
    d("sdiff", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("sdiffstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("select", &[], "", "", &[], &[
        a("index", "integer", -1, "", "", &[], &[]),
    ]),
    d("set", &[], "", "", &[("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."), ("6.0.0", "Added the `KEEPTTL` option."), ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."), ("7.0.0", "Allowed the `NX` and `GET` options to be used together.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "2.6.12", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
        ]),
        a("get", "pure-token", -1, "GET", "6.2.0", &["optional"], &[]),
        a("expiration", "oneof", -1, "", "", &["optional"], &[
            a("seconds", "integer", -1, "EX", "2.6.12", &[], &[]),
            a("milliseconds", "integer", -1, "PX", "2.6.12", &[], &[]),
            a("unix-time-seconds", "unix-time", -1, "EXAT", "6.2.0", &[], &[]),
            a("unix-time-milliseconds", "unix-time", -1, "PXAT", "6.2.0", &[], &[]),
            a("keepttl", "pure-token", -1, "KEEPTTL", "6.0.0", &[], &[]),
        ]),
    ]),
    d("setbit", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("offset", "integer", -1, "", "", &[], &[]),
        a("value", "integer", -1, "", "", &[], &[]),
    ]),
    d("setex", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("seconds", "integer", -1, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("setnx", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("setrange", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("offset", "integer", -1, "", "", &[], &[]),
        a("value", "string", -1, "", "", &[], &[]),
    ]),
    d("shutdown", &[], "", "", &[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")], &[
        a("nosave_save", "oneof", -1, "", "", &["optional"], &[
            a("nosave", "pure-token", -1, "NOSAVE", "", &[], &[]),
            a("save", "pure-token", -1, "SAVE", "", &[], &[]),
        ]),
        a("now", "pure-token", -1, "NOW", "7.0.0", &["optional"], &[]),
        a("force", "pure-token", -1, "FORCE", "7.0.0", &["optional"], &[]),
        a("abort", "pure-token", -1, "ABORT", "7.0.0", &["optional"], &[]),
    ]),
    d("sinter", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("sintercard", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("limit", "integer", -1, "LIMIT", "", &["optional"], &[]),
    ]),
    d("sinterstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("sismember", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("slaveof", &["deprecated"], "5.0.0", "`REPLICAOF`", &[], &[
        a("args", "oneof", -1, "", "", &[], &[
            a("host-port", "block", -1, "", "", &[], &[
                a("host", "string", -1, "", "", &[], &[]),
                a("port", "integer", -1, "", "", &[], &[]),
            ]),
            a("no-one", "block", -1, "", "", &[], &[
                a("no", "pure-token", -1, "NO", "", &[], &[]),
                a("one", "pure-token", -1, "ONE", "", &[], &[]),
            ]),
        ]),
    ]),
    d("slowlog|get", &[], "", "", &[("4.0.0", "Added client IP address, port and name to the reply.")], &[
        a("count", "integer", -1, "", "", &["optional"], &[]),
    ]),
    d("smembers", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("smismember", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("smove", &[], "", "", &[], &[
        a("source", "key", 0, "", "", &[], &[]),
        a("destination", "key", 1, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("sort", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("pattern", "pattern", 1, "BY", "", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
        a("pattern", "pattern", 1, "GET", "", &["optional", "multiple", "multiple_token"], &[]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("sorting", "pure-token", -1, "ALPHA", "", &["optional"], &[]),
        a("destination", "key", 2, "STORE", "", &["optional"], &[]),
    ]),
    d("sort_ro", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("pattern", "pattern", 1, "BY", "", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
        a("pattern", "pattern", 1, "GET", "", &["optional", "multiple", "multiple_token"], &[]),
        a("order", "oneof", -1, "", "", &["optional"], &[
            a("asc", "pure-token", -1, "ASC", "", &[], &[]),
            a("desc", "pure-token", -1, "DESC", "", &[], &[]),
        ]),
        a("sorting", "pure-token", -1, "ALPHA", "", &["optional"], &[]),
    ]),
    d("spop", &[], "", "", &[("3.2.0", "Added the `count` argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "3.2.0", &["optional"], &[]),
    ]),
    d("spublish", &[], "", "", &[], &[
        a("shardchannel", "string", -1, "", "", &[], &[]),
        a("message", "string", -1, "", "", &[], &[]),
    ]),
    d("srandmember", &[], "", "", &[("2.6.0", "Added the optional `count` argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "2.6.0", &["optional"], &[]),
    ]),
    d("srem", &[], "", "", &[("2.4.0", "Accepts multiple `member` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("sscan", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("cursor", "integer", -1, "", "", &[], &[]),
        a("pattern", "pattern", -1, "MATCH", "", &["optional"], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("ssubscribe", &[], "", "", &[], &[
        a("shardchannel", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("strlen", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("subscribe", &[], "", "", &[], &[
        a("channel", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("substr", &["deprecated"], "2.0.0", "`GETRANGE`", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("end", "integer", -1, "", "", &[], &[]),
    ]),
    d("sunion", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("sunionstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("sunsubscribe", &[], "", "", &[], &[
        a("shardchannel", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("swapdb", &[], "", "", &[], &[
        a("index1", "integer", -1, "", "", &[], &[]),
        a("index2", "integer", -1, "", "", &[], &[]),
    ]),
    d("touch", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("ttl", &[], "", "", &[("2.8.0", "Added the -2 reply.")], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("type", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("unlink", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("unsubscribe", &[], "", "", &[], &[
        a("channel", "string", -1, "", "", &["optional", "multiple"], &[]),
    ]),
    d("wait", &[], "", "", &[], &[
        a("numreplicas", "integer", -1, "", "", &[], &[]),
        a("timeout", "integer", -1, "", "", &[], &[]),
    ]),
    d("watch", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &["multiple"], &[]),
    ]),
    d("xack", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("group", "string", -1, "", "", &[], &[]),
        a("id", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("xadd", &[], "", "", &[("6.2.0", "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."), ("7.0.0", "Added support for the `<ms>-*` explicit ID form.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("nomkstream", "pure-token", -1, "NOMKSTREAM", "6.2.0", &["optional"], &[]),
        a("trim", "block", -1, "", "", &["optional"], &[
            a("strategy", "oneof", -1, "", "", &[], &[
                a("maxlen", "pure-token", -1, "MAXLEN", "", &[], &[]),
                a("minid", "pure-token", -1, "MINID", "6.2.0", &[], &[]),
            ]),
            a("operator", "oneof", -1, "", "", &["optional"], &[
                a("equal", "pure-token", -1, "=", "", &[], &[]),
                a("approximately", "pure-token", -1, "~", "", &[], &[]),
            ]),
            a("threshold", "string", -1, "", "", &[], &[]),
            a("count", "integer", -1, "LIMIT", "6.2.0", &["optional"], &[]),
        ]),
        a("id_or_auto", "oneof", -1, "", "", &[], &[
            a("auto_id", "pure-token", -1, "*", "", &[], &[]),
            a("id", "string", -1, "", "", &[], &[]),
        ]),
        a("field_value", "block", -1, "", "", &["multiple"], &[
            a("field", "string", -1, "", "", &[], &[]),
            a("value", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("xautoclaim", &[], "", "", &[("7.0.0", "Added an element to the reply array, containing deleted entries the command cleared from the PEL")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("group", "string", -1, "", "", &[], &[]),
        a("consumer", "string", -1, "", "", &[], &[]),
        a("min-idle-time", "string", -1, "", "", &[], &[]),
        a("start", "string", -1, "", "", &[], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
        a("justid", "pure-token", -1, "JUSTID", "", &["optional"], &[]),
    ]),
    d("xclaim", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("group", "string", -1, "", "", &[], &[]),
        a("consumer", "string", -1, "", "", &[], &[]),
        a("min-idle-time", "string", -1, "", "", &[], &[]),
        a("id", "string", -1, "", "", &["multiple"], &[]),
        a("ms", "integer", -1, "IDLE", "", &["optional"], &[]),
        a("unix-time-milliseconds", "unix-time", -1, "TIME", "", &["optional"], &[]),
        a("count", "integer", -1, "RETRYCOUNT", "", &["optional"], &[]),
        a("force", "pure-token", -1, "FORCE", "", &["optional"], &[]),
        a("justid", "pure-token", -1, "JUSTID", "", &["optional"], &[]),
        a("id", "string", -1, "LASTID", "", &["optional"], &[]),
    ]),
    d("xdel", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("id", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("xgroup|create", &[], "", "", &[("7.0.0", "Added the `entries_read` named argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
        a("id", "oneof", -1, "", "", &[], &[
            a("id", "string", -1, "", "", &[], &[]),
            a("new_id", "pure-token", -1, "$", "", &[], &[]),
        ]),
        a("mkstream", "pure-token", -1, "MKSTREAM", "", &["optional"], &[]),
        a("entries_read", "integer", -1, "ENTRIESREAD", "", &["optional"], &[]),
    ]),
    d("xgroup|createconsumer", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
        a("consumername", "string", -1, "", "", &[], &[]),
    ]),
    d("xgroup|delconsumer", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
        a("consumername", "string", -1, "", "", &[], &[]),
    ]),
    d("xgroup|destroy", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
    ]),
    d("xgroup|setid", &[], "", "", &[("7.0.0", "Added the optional `entries_read` argument.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
        a("id", "oneof", -1, "", "", &[], &[
            a("id", "string", -1, "", "", &[], &[]),
            a("new_id", "pure-token", -1, "$", "", &[], &[]),
        ]),
        a("entries_read", "integer", -1, "ENTRIESREAD", "", &["optional"], &[]),
    ]),
    d("xinfo|consumers", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("groupname", "string", -1, "", "", &[], &[]),
    ]),
    d("xinfo|groups", &[], "", "", &[("7.0.0", "Added the `entries-read` and `lag` fields")], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("xinfo|stream", &[], "", "", &[("6.0.0", "Added the `FULL` modifier."), ("7.0.0", "Added the `max-deleted-entry-id`, `entries-added`, `recorded-first-entry-id`, `entries-read` and `lag` fields")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("full", "block", -1, "FULL", "", &["optional"], &[
            a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
        ]),
    ]),
    d("xlen", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("xpending", &[], "", "", &[("6.2.0", "Added the `IDLE` option and exclusive range intervals.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("group", "string", -1, "", "", &[], &[]),
        a("filters", "block", -1, "", "", &["optional"], &[
            a("min-idle-time", "integer", -1, "IDLE", "6.2.0", &["optional"], &[]),
            a("start", "string", -1, "", "", &[], &[]),
            a("end", "string", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
            a("consumer", "string", -1, "", "", &["optional"], &[]),
        ]),
    ]),
    d("xrange", &[], "", "", &[("6.2.0", "Added exclusive ranges.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "string", -1, "", "", &[], &[]),
        a("end", "string", -1, "", "", &[], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("xread", &[], "", "", &[], &[
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
        a("milliseconds", "integer", -1, "BLOCK", "", &["optional"], &[]),
        a("streams", "block", -1, "STREAMS", "", &[], &[
            a("key", "key", 0, "", "", &["multiple"], &[]),
            a("id", "string", -1, "", "", &["multiple"], &[]),
        ]),
    ]),
    d("xreadgroup", &[], "", "", &[], &[
        a("group_consumer", "block", -1, "GROUP", "", &[], &[
            a("group", "string", -1, "", "", &[], &[]),
            a("consumer", "string", -1, "", "", &[], &[]),
        ]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
        a("milliseconds", "integer", -1, "BLOCK", "", &["optional"], &[]),
        a("noack", "pure-token", -1, "NOACK", "", &["optional"], &[]),
        a("streams", "block", -1, "STREAMS", "", &[], &[
            a("key", "key", 0, "", "", &["multiple"], &[]),
            a("id", "string", -1, "", "", &["multiple"], &[]),
        ]),
    ]),
    d("xrevrange", &[], "", "", &[("6.2.0", "Added exclusive ranges.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("end", "string", -1, "", "", &[], &[]),
        a("start", "string", -1, "", "", &[], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("xsetid", &[], "", "", &[("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("last-id", "string", -1, "", "", &[], &[]),
        a("entries_added", "integer", -1, "ENTRIESADDED", "7.0.0", &["optional"], &[]),
        a("max_deleted_entry_id", "string", -1, "MAXDELETEDID", "7.0.0", &["optional"], &[]),
    ]),
    d("xtrim", &[], "", "", &[("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("trim", "block", -1, "", "", &[], &[
            a("strategy", "oneof", -1, "", "", &[], &[
                a("maxlen", "pure-token", -1, "MAXLEN", "", &[], &[]),
                a("minid", "pure-token", -1, "MINID", "6.2.0", &[], &[]),
            ]),
            a("operator", "oneof", -1, "", "", &["optional"], &[
                a("equal", "pure-token", -1, "=", "", &[], &[]),
                a("approximately", "pure-token", -1, "~", "", &[], &[]),
            ]),
            a("threshold", "string", -1, "", "", &[], &[]),
            a("count", "integer", -1, "LIMIT", "6.2.0", &["optional"], &[]),
        ]),
    ]),
    d("zadd", &[], "", "", &[("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("condition", "oneof", -1, "", "3.0.2", &["optional"], &[
            a("nx", "pure-token", -1, "NX", "", &[], &[]),
            a("xx", "pure-token", -1, "XX", "", &[], &[]),
        ]),
        a("comparison", "oneof", -1, "", "6.2.0", &["optional"], &[
            a("gt", "pure-token", -1, "GT", "", &[], &[]),
            a("lt", "pure-token", -1, "LT", "", &[], &[]),
        ]),
        a("change", "pure-token", -1, "CH", "3.0.2", &["optional"], &[]),
        a("increment", "pure-token", -1, "INCR", "3.0.2", &["optional"], &[]),
        a("score_member", "block", -1, "", "", &["multiple"], &[
            a("score", "double", -1, "", "", &[], &[]),
            a("member", "string", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zcard", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
    ]),
    d("zcount", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "double", -1, "", "", &[], &[]),
        a("max", "double", -1, "", "", &[], &[]),
    ]),
    d("zdiff", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
    ]),
    d("zdiffstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
    ]),
    d("zincrby", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("increment", "integer", -1, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("zinter", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("weight", "integer", -1, "WEIGHTS", "", &["optional", "multiple"], &[]),
        a("aggregate", "oneof", -1, "AGGREGATE", "", &["optional"], &[
            a("sum", "pure-token", -1, "SUM", "", &[], &[]),
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
    ]),
    d("zintercard", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("limit", "integer", -1, "LIMIT", "", &["optional"], &[]),
    ]),
    d("zinterstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
        a("weight", "integer", -1, "WEIGHTS", "", &["optional", "multiple"], &[]),
        a("aggregate", "oneof", -1, "AGGREGATE", "", &["optional"], &[
            a("sum", "pure-token", -1, "SUM", "", &[], &[]),
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
    ]),
    d("zlexcount", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "string", -1, "", "", &[], &[]),
        a("max", "string", -1, "", "", &[], &[]),
    ]),
    d("zmpop", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("where", "oneof", -1, "", "", &[], &[
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("zmscore", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("zpopmax", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "", &["optional"], &[]),
    ]),
    d("zpopmin", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("count", "integer", -1, "", "", &["optional"], &[]),
    ]),
    d("zrandmember", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("options", "block", -1, "", "", &["optional"], &[
            a("count", "integer", -1, "", "", &[], &[]),
            a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
        ]),
    ]),
    d("zrange", &[], "", "", &[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "string", -1, "", "", &[], &[]),
        a("stop", "string", -1, "", "", &[], &[]),
        a("sortby", "oneof", -1, "", "6.2.0", &["optional"], &[
            a("byscore", "pure-token", -1, "BYSCORE", "", &[], &[]),
            a("bylex", "pure-token", -1, "BYLEX", "", &[], &[]),
        ]),
        a("rev", "pure-token", -1, "REV", "6.2.0", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "6.2.0", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
    ]),
    d("zrangebylex", &["deprecated"], "6.2.0", "`ZRANGE` with the `BYLEX` argument", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "string", -1, "", "", &[], &[]),
        a("max", "string", -1, "", "", &[], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zrangebyscore", &["deprecated"], "6.2.0", "`ZRANGE` with the `BYSCORE` argument", &[("2.0.0", "Added the `WITHSCORES` modifier.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "double", -1, "", "", &[], &[]),
        a("max", "double", -1, "", "", &[], &[]),
        a("withscores", "pure-token", -1, "WITHSCORES", "2.0.0", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zrangestore", &[], "", "", &[], &[
        a("dst", "key", 0, "", "", &[], &[]),
        a("src", "key", 1, "", "", &[], &[]),
        a("min", "string", -1, "", "", &[], &[]),
        a("max", "string", -1, "", "", &[], &[]),
        a("sortby", "oneof", -1, "", "", &["optional"], &[
            a("byscore", "pure-token", -1, "BYSCORE", "", &[], &[]),
            a("bylex", "pure-token", -1, "BYLEX", "", &[], &[]),
        ]),
        a("rev", "pure-token", -1, "REV", "", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zrank", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("zrem", &[], "", "", &[("2.4.0", "Accepts multiple elements.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &["multiple"], &[]),
    ]),
    d("zremrangebylex", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "string", -1, "", "", &[], &[]),
        a("max", "string", -1, "", "", &[], &[]),
    ]),
    d("zremrangebyrank", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("stop", "integer", -1, "", "", &[], &[]),
    ]),
    d("zremrangebyscore", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("min", "double", -1, "", "", &[], &[]),
        a("max", "double", -1, "", "", &[], &[]),
    ]),
    d("zrevrange", &["deprecated"], "6.2.0", "`ZRANGE` with the `REV` argument", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("start", "integer", -1, "", "", &[], &[]),
        a("stop", "integer", -1, "", "", &[], &[]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
    ]),
    d("zrevrangebylex", &["deprecated"], "6.2.0", "`ZRANGE` with the `REV` and `BYLEX` arguments", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("max", "string", -1, "", "", &[], &[]),
        a("min", "string", -1, "", "", &[], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zrevrangebyscore", &["deprecated"], "6.2.0", "`ZRANGE` with the `REV` and `BYSCORE` arguments", &[("2.1.6", "`min` and `max` can be exclusive.")], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("max", "double", -1, "", "", &[], &[]),
        a("min", "double", -1, "", "", &[], &[]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
        a("offset_count", "block", -1, "LIMIT", "", &["optional"], &[
            a("offset", "integer", -1, "", "", &[], &[]),
            a("count", "integer", -1, "", "", &[], &[]),
        ]),
    ]),
    d("zrevrank", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("zscan", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("cursor", "integer", -1, "", "", &[], &[]),
        a("pattern", "pattern", -1, "MATCH", "", &["optional"], &[]),
        a("count", "integer", -1, "COUNT", "", &["optional"], &[]),
    ]),
    d("zscore", &[], "", "", &[], &[
        a("key", "key", 0, "", "", &[], &[]),
        a("member", "string", -1, "", "", &[], &[]),
    ]),
    d("zunion", &[], "", "", &[], &[
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 0, "", "", &["multiple"], &[]),
        a("weight", "integer", -1, "WEIGHTS", "", &["optional", "multiple"], &[]),
        a("aggregate", "oneof", -1, "AGGREGATE", "", &["optional"], &[
            a("sum", "pure-token", -1, "SUM", "", &[], &[]),
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
        a("withscores", "pure-token", -1, "WITHSCORES", "", &["optional"], &[]),
    ]),
    d("zunionstore", &[], "", "", &[], &[
        a("destination", "key", 0, "", "", &[], &[]),
        a("numkeys", "integer", -1, "", "", &[], &[]),
        a("key", "key", 1, "", "", &["multiple"], &[]),
        a("weight", "integer", -1, "WEIGHTS", "", &["optional", "multiple"], &[]),
        a("aggregate", "oneof", -1, "AGGREGATE", "", &["optional"], &[
            a("sum", "pure-token", -1, "SUM", "", &[], &[]),
            a("min", "pure-token", -1, "MIN", "", &[], &[]),
            a("max", "pure-token", -1, "MAX", "", &[], &[]),
        ]),
    ]),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_sorted_and_found() {
        assert!(DOCS.windows(2).all(|w| w[0].name < w[1].name));
        let get = find("get").unwrap();
        assert_eq!(
            (get.arguments[0].name, get.arguments[0].kind),
            ("key", "key")
        );
        assert_eq!(get.arguments[0].key_spec_index, 0);
        let getset = find("getset").unwrap();
        assert_eq!(getset.doc_flags, &["deprecated"]);
        assert_eq!(getset.deprecated_since, "6.2.0");
        assert!(find("client|id").is_none());
    }
}
