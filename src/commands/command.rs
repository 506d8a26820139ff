//! The `COMMAND` family: introspection of the command table, in redis-server 7's shapes.
//!
//! Everything here is built from the rows of [`super::all_commands`] (name, arity, flags, key
//! positions, docs) plus [`super::redis_meta`] (Redis's tips, key specs and the flags we have
//! no constant for). ACL categories are derived from flags and group as Redis does
//! (`setImplicitACLCategories`), with a short table of the categories Redis declares by hand.
//!
//! - `COMMAND` → array of command entries, one per top-level command.
//! - `COMMAND COUNT` → integer.
//! - `COMMAND INFO [name ...]` → array of entries (null for an unknown name); all when none.
//!   An entry is `[name, arity, flags (set), first, last, step, acl categories (set),
//!   tips (set), key specs (set of maps), subcommands (array of entries, or empty set)]`.
//! - `COMMAND DOCS [name ...]` → map name → `{summary, since, group, complexity
//!   [, doc_flags, deprecated_since, replaced_by, history, arguments, subcommands]}`;
//!   unknown names are skipped. The extras come from [`super::redis_docs`].
//! - `COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]` → array of full names,
//!   subcommands included.
//! - `COMMAND GETKEYS cmd arg ...` → array of keys; `COMMAND GETKEYSANDFLAGS` → array of
//!   `[key, flags (set)]`. Errors: `ERR Invalid command specified`, `ERR The command has no
//!   key arguments`, `ERR Invalid number of arguments specified for command`,
//!   `ERR Invalid arguments specified for command`.
//! - `COMMAND HELP` → array of status lines.

use bytes::Bytes;

use super::redis_docs::{self, ArgDoc};
use super::redis_meta::{self, Begin, Find, KeySpecMeta};
use super::{Command, Ctx, NO_KEYS, Reply, all_commands, flags::*, lookup};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;

const SUBS: &[Command] = &[
    Command::new("count", 2, LOADING | STALE, NO_KEYS, count)
        .doc("server", "2.8.13", "Returns a count of commands.", "O(1)")
        .of("command"),
    Command::new("info", -2, LOADING | STALE, NO_KEYS, info)
        .doc(
            "server",
            "2.8.13",
            "Returns information about one, multiple or all commands.",
            "O(N) where N is the number of commands to look up",
        )
        .of("command"),
    Command::new("docs", -2, LOADING | STALE, NO_KEYS, docs)
        .doc(
            "server",
            "7.0.0",
            "Returns documentary information about one, multiple or all commands.",
            "O(N) where N is the number of commands to look up",
        )
        .of("command"),
    Command::new("list", -2, LOADING | STALE, NO_KEYS, list)
        .doc(
            "server",
            "7.0.0",
            "Returns a list of command names.",
            "O(N) where N is the total number of Redis commands",
        )
        .of("command"),
    Command::new("getkeys", -4, LOADING | STALE, NO_KEYS, getkeys)
        .doc(
            "server",
            "2.8.13",
            "Extracts the key names from an arbitrary command.",
            "O(N) where N is the number of arguments to the command",
        )
        .of("command"),
    Command::new(
        "getkeysandflags",
        -4,
        LOADING | STALE,
        NO_KEYS,
        getkeysandflags,
    )
    .doc(
        "server",
        "7.0.0",
        "Extracts the key names and access flags for an arbitrary command.",
        "O(N) where N is the number of arguments to the command",
    )
    .of("command"),
    Command::new("help", 2, LOADING | STALE, NO_KEYS, help)
        .doc(
            "server",
            "5.0.0",
            "Returns helpful text about the different subcommands.",
            "O(1)",
        )
        .of("command"),
];

/// `COMMAND` is a container that also runs without a subcommand (arity -1, as in Redis).
pub static COMMANDS: &[Command] = &[
    Command::new("command", -1, LOADING | STALE, NO_KEYS, command)
        .with_subcommands(SUBS)
        .doc(
            "server",
            "2.8.13",
            "Returns detailed information about all commands.",
            "O(N) where N is the total number of Redis commands",
        ),
];

/// `COMMAND` alone: the entries of all commands.
fn command(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(all_commands().map(info_entry).collect()))
}

fn count(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(all_commands().count()))
}

fn info(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() == 2 {
        return Ok(Reply::Array(all_commands().map(info_entry).collect()));
    }
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|name| find_by_full_name(name).map_or(Reply::Null, info_entry))
            .collect(),
    ))
}

fn docs(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() == 2 {
        return Ok(Reply::Map(
            all_commands()
                .map(|c| (Reply::bulk(c.full_name()), docs_entry(c)))
                .collect(),
        ));
    }
    Ok(Reply::Map(
        argv[2..]
            .iter()
            .filter_map(|name| find_by_full_name(name))
            .map(|c| (Reply::bulk(c.full_name()), docs_entry(c)))
            .collect(),
    ))
}

fn list(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    enum Filter<'a> {
        All,
        Module,
        AclCat(String),
        Pattern(&'a [u8]),
    }
    let filter = match argv.len() {
        2 => Filter::All,
        5 if is(&argv[2], "FILTERBY") => {
            let arg = &argv[4];
            if is(&argv[3], "MODULE") {
                Filter::Module
            } else if is(&argv[3], "ACLCAT") {
                Filter::AclCat(format!("@{}", String::from_utf8_lossy(arg)).to_ascii_lowercase())
            } else if is(&argv[3], "PATTERN") {
                Filter::Pattern(arg)
            } else {
                return Err(Error::Syntax);
            }
        }
        _ => return Err(Error::Syntax),
    };
    let keep = |c: &Command| match &filter {
        Filter::All => true,
        // No modules: nothing belongs to one.
        Filter::Module => false,
        Filter::AclCat(cat) => acl_categories(c).contains(&cat.as_str()),
        Filter::Pattern(p) => glob_match(p, c.full_name().as_bytes(), true),
    };
    let mut names = Vec::new();
    for c in all_commands() {
        for c in std::iter::once(c).chain(c.subcommands) {
            if keep(c) {
                names.push(Reply::bulk(c.full_name()));
            }
        }
    }
    Ok(Reply::Array(names))
}

fn getkeys(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let keys = keys_of(&argv[2..])?;
    Ok(Reply::Array(
        keys.into_iter()
            .map(|(pos, _)| Reply::Bulk(argv[2 + pos].clone()))
            .collect(),
    ))
}

fn getkeysandflags(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let keys = keys_of(&argv[2..])?;
    Ok(Reply::Array(
        keys.into_iter()
            .map(|(pos, flags)| {
                Reply::Array(vec![
                    Reply::Bulk(argv[2 + pos].clone()),
                    Reply::Set(flags.iter().copied().map(Reply::simple).collect()),
                ])
            })
            .collect(),
    ))
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    ))
}

/// A container's `HELP` reply, framed as Redis's `addReplyHelp` frames it.
pub fn help_reply(container: &str, lines: &[&'static str]) -> Reply {
    let mut out = Vec::with_capacity(lines.len() + 3);
    out.push(Reply::Simple(
        format!("{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").into(),
    ));
    out.extend(lines.iter().copied().map(Reply::simple));
    out.push(Reply::simple("HELP"));
    out.push(Reply::simple("    Prints this help."));
    Reply::Array(out)
}

fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Looks a command up by `name` or `container|sub`, case-insensitively.
pub fn find_by_full_name(name: &[u8]) -> Option<&'static Command> {
    let mut parts = name.split(|&b| b == b'|');
    let base = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base.command),
        (Some(sub), None) => base.subcommand(sub).map(|r| r.command),
        _ => None,
    }
}

/// Redis's flag names in the order `COMMAND INFO` prints them, including the flags only
/// [`redis_meta`] supplies.
const FLAG_ORDER: &[&str] = &[
    "write",
    "readonly",
    "denyoom",
    "module",
    "admin",
    "pubsub",
    "noscript",
    "blocking",
    "loading",
    "stale",
    "skip_monitor",
    "skip_slowlog",
    "asking",
    "fast",
    "no_auth",
    "may_replicate",
    "sentinel",
    "no_mandatory_keys",
    "protected",
    "no_async_loading",
    "no_multi",
    "movablekeys",
    "allow_busy",
];

fn flag_names(cmd: &Command) -> Vec<&'static str> {
    let meta = redis_meta::find(&cmd.full_name());
    let mut names: Vec<&'static str> = NAMES
        .iter()
        // Redis never prints `sentinel`, and hides `may_replicate` on purpose.
        .filter(|(bit, name)| {
            cmd.flags & bit != 0 && !matches!(*name, "sentinel" | "may_replicate")
        })
        .map(|(_, name)| *name)
        .collect();
    if let Some(meta) = meta {
        names.extend(meta.extra_flags.iter().copied());
    }
    names.sort_by_key(|n| FLAG_ORDER.iter().position(|o| o == n));
    names.dedup();
    names
}

/// ACL categories in the order Redis lists them.
const CATEGORY_ORDER: &[&str] = &[
    "@keyspace",
    "@read",
    "@write",
    "@set",
    "@sortedset",
    "@list",
    "@hash",
    "@string",
    "@bitmap",
    "@hyperloglog",
    "@geo",
    "@stream",
    "@pubsub",
    "@admin",
    "@fast",
    "@slow",
    "@blocking",
    "@dangerous",
    "@connection",
    "@transaction",
    "@scripting",
];

/// The categories Redis declares by hand beyond what flags and group imply:
/// (full name, added, removed).
const CATEGORY_EXCEPTIONS: &[(&str, &[&str], &[&str])] = &[
    ("asking", &["@connection"], &[]),
    ("dbsize", &["@keyspace"], &[]),
    ("flushall", &["@keyspace", "@dangerous"], &[]),
    ("flushdb", &["@keyspace", "@dangerous"], &[]),
    ("info", &["@dangerous"], &[]),
    ("keys", &["@dangerous"], &[]),
    ("lastsave", &["@admin", "@dangerous"], &[]),
    ("migrate", &["@dangerous"], &[]),
    ("pubsub|help", &[], &["@pubsub"]),
    ("readonly", &["@connection"], &[]),
    ("readwrite", &["@connection"], &[]),
    ("restore", &["@dangerous"], &[]),
    ("restore-asking", &["@keyspace", "@dangerous"], &[]),
    ("role", &["@admin", "@dangerous"], &[]),
    (
        "sort",
        &["@set", "@sortedset", "@list", "@dangerous"],
        &["@keyspace"],
    ),
    (
        "sort_ro",
        &["@set", "@sortedset", "@list", "@dangerous"],
        &["@keyspace"],
    ),
    ("swapdb", &["@keyspace", "@dangerous"], &[]),
    ("wait", &["@connection"], &["@keyspace"]),
];

fn group_category(group: &str) -> Option<&'static str> {
    Some(match group {
        "string" => "@string",
        "generic" => "@keyspace",
        "connection" => "@connection",
        "list" => "@list",
        "hash" => "@hash",
        "set" => "@set",
        "sorted-set" | "sorted_set" => "@sortedset",
        "bitmap" => "@bitmap",
        "hyperloglog" => "@hyperloglog",
        "geo" => "@geo",
        "stream" => "@stream",
        "pubsub" => "@pubsub",
        "transactions" => "@transaction",
        "scripting" => "@scripting",
        _ => return None,
    })
}

/// A command's ACL categories, as Redis 7 derives them: the group's category (containers
/// have none), categories implied by flags, hand-declared exceptions, and `@slow` for
/// everything not `@fast`.
pub fn acl_categories(cmd: &Command) -> Vec<&'static str> {
    let full = cmd.full_name();
    let flags = flag_names(cmd);
    let has = |f: &str| flags.contains(&f);
    let mut cats: Vec<&'static str> = Vec::new();
    let is_container = !cmd.subcommands.is_empty();
    if !is_container && let Some(cat) = group_category(cmd.group) {
        cats.push(cat);
    }
    if cmd.parent == "command" || full == "command" {
        cats.push("@connection");
    }
    if has("write") {
        cats.push("@write");
    }
    if has("readonly") && !cats.contains(&"@scripting") {
        cats.push("@read");
    }
    if has("admin") {
        cats.extend(["@admin", "@dangerous"]);
    }
    if has("pubsub") {
        cats.push("@pubsub");
    }
    if has("fast") {
        cats.push("@fast");
    }
    if has("blocking") {
        cats.push("@blocking");
    }
    if let Some((_, add, remove)) = CATEGORY_EXCEPTIONS.iter().find(|(n, _, _)| *n == full) {
        cats.extend(add.iter().copied());
        cats.retain(|c| !remove.contains(c));
    }
    if !cats.contains(&"@fast") {
        cats.push("@slow");
    }
    cats.sort_by_key(|c| CATEGORY_ORDER.iter().position(|o| o == c));
    cats.dedup();
    cats
}

/// A command's key specs, as the execution path finds its keys with them.
fn key_specs(cmd: &Command) -> Vec<KeySpecMeta> {
    super::route(&cmd.full_name()).map_or_else(Vec::new, |r| r.key_specs.clone())
}

fn info_entry(cmd: &'static Command) -> Reply {
    let status =
        |names: Vec<&'static str>| Reply::Set(names.into_iter().map(Reply::simple).collect());
    let tips = redis_meta::find(&cmd.full_name()).map_or(&[][..], |m| m.tips);
    let subcommands = if cmd.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(cmd.subcommands.iter().map(info_entry).collect())
    };
    Reply::Array(vec![
        Reply::bulk(cmd.full_name()),
        Reply::Integer(cmd.arity.into()),
        status(flag_names(cmd)),
        Reply::Integer(cmd.keys.first.into()),
        Reply::Integer(cmd.keys.last.into()),
        Reply::Integer(cmd.keys.step.into()),
        status(acl_categories(cmd)),
        Reply::Set(tips.iter().copied().map(Reply::bulk_static).collect()),
        Reply::Set(key_specs(cmd).iter().map(key_spec_entry).collect()),
        subcommands,
    ])
}

fn key_spec_entry(spec: &KeySpecMeta) -> Reply {
    let pair = |k: &'static str, v: Reply| (Reply::bulk_static(k), v);
    let int = |n: i32| Reply::Integer(n.into());
    let typed = |kind: &'static str, spec: Vec<(Reply, Reply)>| {
        Reply::Map(vec![
            pair("type", Reply::bulk_static(kind)),
            pair("spec", Reply::Map(spec)),
        ])
    };
    let begin = match spec.begin {
        Begin::Index(i) => typed("index", vec![pair("index", int(i))]),
        Begin::Keyword(word, from) => typed(
            "keyword",
            vec![
                pair("keyword", Reply::bulk_static(word)),
                pair("startfrom", int(from)),
            ],
        ),
        Begin::UnknownStart => typed("unknown", Vec::new()),
    };
    let find = match spec.find {
        Find::Range(last, step, limit) => typed(
            "range",
            vec![
                pair("lastkey", int(last)),
                pair("keystep", int(step)),
                pair("limit", int(limit)),
            ],
        ),
        Find::Keynum(idx, first, step) => typed(
            "keynum",
            vec![
                pair("keynumidx", int(idx)),
                pair("firstkey", int(first)),
                pair("keystep", int(step)),
            ],
        ),
        Find::UnknownKeys => typed("unknown", Vec::new()),
    };
    let mut fields = Vec::with_capacity(4);
    if !spec.notes.is_empty() {
        fields.push(pair("notes", Reply::bulk_static(spec.notes)));
    }
    fields.push(pair(
        "flags",
        Reply::Set(spec.flags.iter().copied().map(Reply::simple).collect()),
    ));
    fields.push(pair("begin_search", begin));
    fields.push(pair("find_keys", find));
    Reply::Map(fields)
}

fn docs_entry(cmd: &'static Command) -> Reply {
    let text = |k: &'static str, v: &'static str| (Reply::bulk_static(k), Reply::bulk_static(v));
    let mut fields = vec![
        text("summary", cmd.summary),
        text("since", cmd.since),
        text("group", cmd.group),
    ];
    // Redis leaves the field out for commands without one (`MONITOR`).
    if !cmd.complexity.is_empty() {
        fields.push(text("complexity", cmd.complexity));
    }
    if let Some(doc) = redis_docs::find(&cmd.full_name()) {
        if !doc.doc_flags.is_empty() {
            fields.push((
                Reply::bulk_static("doc_flags"),
                Reply::Set(doc.doc_flags.iter().copied().map(Reply::simple).collect()),
            ));
        }
        if !doc.deprecated_since.is_empty() {
            fields.push(text("deprecated_since", doc.deprecated_since));
            fields.push(text("replaced_by", doc.replaced_by));
        }
        if !doc.history.is_empty() {
            let history = doc
                .history
                .iter()
                .map(|(version, what)| {
                    Reply::Array(vec![Reply::bulk_static(version), Reply::bulk_static(what)])
                })
                .collect();
            fields.push((Reply::bulk_static("history"), Reply::Set(history)));
        }
        if !doc.arguments.is_empty() {
            fields.push((
                Reply::bulk_static("arguments"),
                Reply::Array(doc.arguments.iter().map(arg_entry).collect()),
            ));
        }
    }
    if !cmd.subcommands.is_empty() {
        fields.push((
            Reply::bulk_static("subcommands"),
            Reply::Map(
                cmd.subcommands
                    .iter()
                    .map(|s| (Reply::bulk(s.full_name()), docs_entry(s)))
                    .collect(),
            ),
        ));
    }
    Reply::Map(fields)
}

/// One argument of `COMMAND DOCS`, fields in Redis's order.
fn arg_entry(arg: &ArgDoc) -> Reply {
    let text = |k: &'static str, v: &'static str| (Reply::bulk_static(k), Reply::bulk_static(v));
    let mut fields = vec![text("name", arg.name), text("type", arg.kind)];
    if arg.key_spec_index >= 0 {
        fields.push((
            Reply::bulk_static("key_spec_index"),
            Reply::Integer(arg.key_spec_index.into()),
        ));
    }
    for (k, v) in [
        ("token", arg.token),
        ("since", arg.since),
        ("deprecated_since", arg.deprecated_since),
    ] {
        if !v.is_empty() {
            fields.push(text(k, v));
        }
    }
    if !arg.flags.is_empty() {
        fields.push((
            Reply::bulk_static("flags"),
            Reply::Set(arg.flags.iter().copied().map(Reply::simple).collect()),
        ));
    }
    if !arg.arguments.is_empty() {
        fields.push((
            Reply::bulk_static("arguments"),
            Reply::Array(arg.arguments.iter().map(arg_entry).collect()),
        ));
    }
    Reply::Map(fields)
}

/// The keys of the command `words` (its name first) with their key-spec flags, found as
/// Redis's `COMMAND GETKEYS` finds them.
fn keys_of(words: &[Bytes]) -> Result<Vec<(usize, &'static [&'static str])>> {
    let base = lookup(&words[0]).ok_or_else(|| Error::err("Invalid command specified"))?;
    let route = if base.subcommands.is_empty() || words.len() < 2 {
        base
    } else {
        base.subcommand(&words[1])
            .ok_or_else(|| Error::err("Invalid command specified"))?
    };
    let cmd = route.command;
    let specs = &route.key_specs;
    if specs.iter().all(|s| s.flags.contains(&"not_key")) {
        return Err(Error::err("The command has no key arguments"));
    }
    let argc = words.len() as i32;
    if (cmd.arity > 0 && cmd.arity != argc) || argc < -cmd.arity {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    // Key flags that depend on the arguments come from the command's own key finder in
    // Redis; these are the two built-in commands with such specs.
    if specs.iter().any(|s| s.flags.contains(&"variable_flags")) {
        match cmd.full_name().as_str() {
            "set" => return Ok(vec![(1, set_key_flags(words))]),
            "bitfield" => return Ok(vec![(1, bitfield_key_flags(words))]),
            _ => {}
        }
    }
    if cmd.full_name() == "sort" {
        return Ok(super::sort::sort_keys(words));
    }
    match keys_from_specs(specs, words) {
        Some(keys) if !keys.is_empty() => Ok(keys),
        _ if cmd.has_flag(NO_MANDATORY_KEYS) => Ok(Vec::new()),
        // A key count that is not one (`ZUNIONSTORE d x a`): Redis's own key finder for such
        // commands finds no key either.
        _ if specs.iter().any(|s| matches!(s.find, Find::Keynum(..))) => {
            Err(Error::err("Invalid arguments specified for command"))
        }
        // Specs Redis cannot follow (movable keys found by code): fall back to the table's
        // legacy key positions.
        _ => {
            let legacy: Vec<_> = legacy_positions(cmd, words.len())
                .into_iter()
                .map(|p| (p, specs[0].flags))
                .collect();
            if legacy.is_empty() {
                Err(Error::err("Invalid arguments specified for command"))
            } else {
                Ok(legacy)
            }
        }
    }
}

/// `SET`'s key is read too when `GET` is among its options (Redis's `setGetKeys`).
fn set_key_flags(words: &[Bytes]) -> &'static [&'static str] {
    if words.iter().skip(3).any(|w| is(w, "GET")) {
        &["RW", "access", "update"]
    } else {
        &["OW", "update"]
    }
}

/// `BITFIELD` only reads its key when every operation is a `GET` (Redis's
/// `bitfieldGetKeys`).
fn bitfield_key_flags(words: &[Bytes]) -> &'static [&'static str] {
    let mut i = 2;
    while i < words.len() {
        let remaining = words.len() - i - 1;
        let word = &words[i];
        if is(word, "GET") && remaining >= 2 {
            i += 3;
        } else if is(word, "OVERFLOW") && remaining >= 1 {
            i += 2;
        } else {
            return &["RW", "access", "update"];
        }
    }
    &["RO", "access"]
}

fn legacy_positions(cmd: &Command, argc: usize) -> Vec<usize> {
    let k = cmd.keys;
    if k.first <= 0 || k.step <= 0 {
        return Vec::new();
    }
    let argc = argc as i32;
    let last = if k.last < 0 {
        argc + k.last
    } else {
        k.last.min(argc - 1)
    };
    (k.first..=last)
        .step_by(k.step as usize)
        .map(|p| p as usize)
        .collect()
}

/// Redis's `getKeysUsingKeySpecs` (see [`redis_meta::find_keys`]): `None` when a spec
/// cannot be followed.
fn keys_from_specs(
    specs: &[KeySpecMeta],
    words: &[Bytes],
) -> Option<Vec<(usize, &'static [&'static str])>> {
    let mut keys = Vec::new();
    redis_meta::find_keys(specs, words, |i, spec| keys.push((i, specs[spec].flags))).then_some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Protocol;
    use crate::commands::test_support::Harness;
    use crate::resp::encoder::encode;

    fn resp(reply: &Reply, protocol: Protocol) -> String {
        let mut out = bytes::BytesMut::new();
        encode(reply, protocol, &mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn flat(reply: &Reply, protocol: Protocol) -> String {
        resp(reply, protocol).replace("\r\n", " ")
    }

    #[test]
    fn info_of_a_container_and_its_subcommands_matches_redis() {
        let mut h = Harness::new();
        let reply = h.run(&["COMMAND", "INFO", "command|count", "nosuch"]);
        assert_eq!(
            flat(&reply, Protocol::Resp2),
            "*2 *10 $13 command|count :2 *2 +loading +stale :0 :0 :0 *2 +@slow +@connection \
             *0 *0 *0 $-1 "
        );
        let reply = h.run(&["command", "info", "command"]);
        let text = flat(&reply, Protocol::Resp3);
        assert!(
            text.starts_with(
                "*1 *10 $7 command :-1 ~2 +loading +stale :0 :0 :0 ~2 +@slow +@connection \
                 ~1 $29 nondeterministic_output_order ~0 *7 *10 $13 command|count"
            ),
            "{text}"
        );
    }

    /// Redis's `populateCommandLegacyRangeSpec` (server.c) and the conversion `COMMAND INFO`
    /// applies: the (first, last, step) a command's key specs imply.
    fn legacy_range(specs: &[KeySpecMeta]) -> crate::commands::KeySpec {
        let none = crate::commands::NO_KEYS;
        let printed = |first: i32, lastkey: i32, step: i32| crate::commands::KeySpec {
            first,
            last: if lastkey >= 0 {
                first + lastkey
            } else {
                lastkey
            },
            step,
        };
        if let [spec] = specs
            && let (Begin::Index(pos), Find::Range(lastkey, step, _)) = (spec.begin, spec.find)
        {
            return printed(pos, lastkey, step);
        }
        let (mut first, mut last, mut prev_last) = (i32::MAX, 0i32, 0i32);
        for spec in specs {
            let (Begin::Index(pos), Find::Range(lastkey, step, _)) = (spec.begin, spec.find) else {
                continue;
            };
            if step != 1 || (prev_last != 0 && prev_last != pos - 1) {
                continue;
            }
            first = first.min(pos);
            let absolute = if lastkey >= 0 { lastkey + pos } else { lastkey };
            // Redis compares as unsigned, so a negative (from the end) wins.
            last = if (last as u32) >= (absolute as u32) {
                last
            } else {
                absolute
            };
            prev_last = last;
        }
        if first == i32::MAX {
            return none;
        }
        let lastkey = if last < 0 { last } else { last - first };
        printed(first, lastkey, 1)
    }

    /// The key positions a row prints in `COMMAND INFO` are the ones its key specs imply,
    /// as Redis derives them: keys are found from the specs alone.
    #[test]
    fn legacy_key_positions_follow_the_key_specs() {
        for route in crate::commands::all_routes() {
            assert_eq!(
                route.command.keys,
                legacy_range(&route.key_specs),
                "{}",
                route.full_name
            );
        }
    }

    #[test]
    fn count_matches_the_table() {
        let mut h = Harness::new();
        assert_eq!(
            h.run(&["COMMAND", "COUNT"]),
            Reply::integer(all_commands().count())
        );
        assert_eq!(
            h.err(&["COMMAND", "COUNT", "x"]),
            "ERR wrong number of arguments for 'command|count' command"
        );
        assert_eq!(
            h.err(&["COMMAND", "NOPE"]),
            "ERR unknown subcommand 'NOPE'. Try COMMAND HELP."
        );
        match h.run(&["COMMAND"]) {
            Reply::Array(items) => assert_eq!(items.len(), all_commands().count()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn key_specs_and_categories_follow_redis() {
        let ping = lookup(b"ping").unwrap().command;
        assert_eq!(acl_categories(ping), ["@fast", "@connection"]);
        let flushall = lookup(b"flushall").unwrap().command;
        assert_eq!(
            acl_categories(flushall),
            ["@keyspace", "@write", "@slow", "@dangerous"]
        );
        let client_list = find_by_full_name(b"CLIENT|list").unwrap();
        assert_eq!(
            acl_categories(client_list),
            ["@admin", "@slow", "@dangerous", "@connection"]
        );
        assert_eq!(
            acl_categories(lookup(b"client").unwrap().command),
            ["@slow"]
        );
        let get_like = KeySpecMeta {
            notes: "",
            flags: &["RO", "access"],
            begin: Begin::Index(1),
            find: Find::Range(0, 1, 0),
        };
        assert_eq!(
            flat(&key_spec_entry(&get_like), Protocol::Resp3),
            "%3 $5 flags ~2 +RO +access $12 begin_search %2 $4 type $5 index $4 spec %1 \
             $5 index :1 $9 find_keys %2 $4 type $5 range $4 spec %3 $7 lastkey :0 \
             $7 keystep :1 $5 limit :0 "
        );
    }

    #[test]
    fn keys_from_specs_handles_ranges_keynums_and_keywords() {
        let words = |w: &[&str]| -> Vec<Bytes> {
            w.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        let mset = [KeySpecMeta {
            notes: "",
            flags: &["OW", "update"],
            begin: Begin::Index(1),
            find: Find::Range(-1, 2, 0),
        }];
        let got = keys_from_specs(&mset, &words(&["mset", "a", "1", "b", "2"])).unwrap();
        assert_eq!(got.iter().map(|k| k.0).collect::<Vec<_>>(), [1, 3]);
        let zunion = [KeySpecMeta {
            notes: "",
            flags: &["RO", "access"],
            begin: Begin::Index(1),
            find: Find::Keynum(0, 1, 1),
        }];
        let got = keys_from_specs(&zunion, &words(&["zunion", "2", "a", "b", "WEIGHTS"]));
        assert_eq!(got.unwrap().iter().map(|k| k.0).collect::<Vec<_>>(), [2, 3]);
        let streams = [KeySpecMeta {
            notes: "",
            flags: &["RO", "access"],
            begin: Begin::Keyword("STREAMS", 1),
            find: Find::Range(-1, 1, 2),
        }];
        let got = keys_from_specs(
            &streams,
            &words(&["xread", "COUNT", "1", "streams", "s1", "s2", "0", "0"]),
        );
        assert_eq!(got.unwrap().iter().map(|k| k.0).collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn variable_key_flags() {
        let words = |w: &[&str]| -> Vec<Bytes> {
            w.iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect()
        };
        assert_eq!(set_key_flags(&words(&["set", "k", "v"])), ["OW", "update"]);
        assert_eq!(
            set_key_flags(&words(&["set", "k", "v", "EX", "1", "get"])),
            ["RW", "access", "update"]
        );
        assert_eq!(
            bitfield_key_flags(&words(&[
                "bitfield", "k", "GET", "u8", "0", "OVERFLOW", "SAT"
            ])),
            ["RO", "access"]
        );
        assert_eq!(
            bitfield_key_flags(&words(&["bitfield", "k", "SET", "u8", "0", "1"])),
            ["RW", "access", "update"]
        );
    }

    #[test]
    fn getkeys_errors() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["COMMAND", "GETKEYS", "nosuch", "a"]),
            "ERR Invalid command specified"
        );
        assert_eq!(
            h.err(&["COMMAND", "GETKEYS", "ping", "a"]),
            "ERR The command has no key arguments"
        );
        assert_eq!(
            h.err(&["COMMAND", "GETKEYS", "client", "nosuch"]),
            "ERR Invalid command specified"
        );
        assert_eq!(
            h.err(&["COMMAND", "GETKEYS", "client", "list"]),
            "ERR The command has no key arguments"
        );
        assert_eq!(
            h.err(&["COMMAND", "GETKEYS", "ping"]),
            "ERR wrong number of arguments for 'command|getkeys' command"
        );
        // A key count that is none: no keys, as redis-server 7.0.15 answers.
        for bad in [
            &["zunionstore", "d", "9223372036854775807", "a"][..],
            &["zunionstore", "d", "2", "a"],
            &["lmpop", "5", "a", "LEFT"],
        ] {
            let mut words = vec!["COMMAND", "GETKEYS"];
            words.extend_from_slice(bad);
            assert_eq!(
                h.err(&words),
                "ERR Invalid arguments specified for command",
                "{bad:?}"
            );
        }
        assert_eq!(
            h.run(&["COMMAND", "GETKEYS", "zunionstore", "d", "1", "a"]),
            Reply::bulks(["d", "a"])
        );
    }

    #[test]
    fn list_and_filters() {
        let mut h = Harness::new();
        let Reply::Array(all) = h.run(&["COMMAND", "LIST"]) else {
            panic!()
        };
        assert!(all.contains(&Reply::bulk("client|list")));
        assert!(all.contains(&Reply::bulk("ping")));
        let Reply::Array(cl) = h.run(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT|L*"])
        else {
            panic!()
        };
        assert_eq!(cl, vec![Reply::bulk("client|list")]);
        let Reply::Array(conn) = h.run(&["command", "list", "filterby", "aclcat", "Connection"])
        else {
            panic!()
        };
        assert!(conn.contains(&Reply::bulk("ping")));
        assert!(!conn.contains(&Reply::bulk("client")));
        assert_eq!(
            h.run(&["COMMAND", "LIST", "FILTERBY", "MODULE", "x"]),
            Reply::Array(vec![])
        );
        assert_eq!(
            h.run(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]),
            Reply::Array(vec![])
        );
        assert_eq!(
            h.err(&["COMMAND", "LIST", "FILTERBY", "foo", "x"]),
            "ERR syntax error"
        );
        assert_eq!(h.err(&["COMMAND", "LIST", "foo"]), "ERR syntax error");
    }

    #[test]
    fn docs_shape() {
        let mut h = Harness::new();
        let reply = h.run(&["COMMAND", "DOCS", "client|setname", "nosuch"]);
        assert_eq!(
            flat(&reply, Protocol::Resp2),
            "*2 $14 client|setname *10 $7 summary $25 Sets the connection name. $5 since \
             $5 2.6.9 $5 group $10 connection $10 complexity $4 O(1) $9 arguments *1 *4 \
             $4 name $15 connection-name $4 type $6 string "
        );
        assert_eq!(h.run(&["COMMAND", "DOCS", "nosuch"]), Reply::Map(vec![]));
        let reply = h.run(&["COMMAND", "DOCS", "config"]);
        let text = flat(&reply, Protocol::Resp3);
        assert!(text.contains("$11 subcommands %"), "{text}");
        assert!(
            text.contains(
                "$7 history ~1 *2 $5 7.0.0 $65 Added the ability to pass multiple pattern \
                 parameters in one call $9 arguments *1 %4 $4 name $9 parameter $4 type \
                 $5 block $5 flags ~1 +multiple $9 arguments *1 %2 $4 name $9 parameter \
                 $4 type $6 string "
            ),
            "{text}"
        );
    }

    #[test]
    fn help_lists_subcommands() {
        let mut h = Harness::new();
        let Reply::Array(lines) = h.run(&["COMMAND", "HELP"]) else {
            panic!()
        };
        assert_eq!(
            lines[0],
            Reply::simple("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
        assert_eq!(lines.len(), 21);
        assert_eq!(lines[20], Reply::simple("    Prints this help."));
    }
}
