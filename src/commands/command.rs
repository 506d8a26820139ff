//! The `COMMAND` family: introspection of the command table, in redis-server 7's shapes.
//!
//! Everything here is read from the routes of [`super::all_commands`]: the commands this
//! server binds, each with its row of Redis's generated metadata table ([`super::meta`]:
//! arity, flags, key positions, ACL categories, tips, key specs, docs).
//!
//! - `COMMAND` → array of command entries, one per top-level command.
//! - `COMMAND COUNT` → integer.
//! - `COMMAND INFO [name ...]` → array of entries (null for an unknown name); all when none.
//!   An entry is `[name, arity, flags (set), first, last, step, acl categories (set),
//!   tips (set), key specs (set of maps), subcommands (array of entries, or empty set)]`.
//! - `COMMAND DOCS [name ...]` → map name → `{summary, since, group, complexity
//!   [, doc_flags, deprecated_since, replaced_by, history, arguments, subcommands]}`;
//!   unknown names are skipped.
//! - `COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]` → array of full names,
//!   subcommands included.
//! - `COMMAND GETKEYS cmd arg ...` → array of keys; `COMMAND GETKEYSANDFLAGS` → array of
//!   `[key, flags (set)]`. Errors: `ERR Invalid command specified`, `ERR The command has no
//!   key arguments`, `ERR Invalid number of arguments specified for command`,
//!   `ERR Invalid arguments specified for command`.
//! - `COMMAND HELP` → array of status lines.

use bytes::Bytes;

use super::meta::{self, ArgDoc, Begin, Find, KeySpecMeta};
use super::{Command, Ctx, Reply, Route, all_commands, flags::*, lookup, route};
use crate::error::{Error, Result};
use crate::store::glob::glob_match;

const SUBS: &[Command] = &[
    Command::new("count", count).of("command"),
    Command::new("info", info).of("command"),
    Command::new("docs", docs).of("command"),
    Command::new("list", list).of("command"),
    Command::new("getkeys", getkeys).of("command"),
    Command::new("getkeysandflags", getkeysandflags).of("command"),
    Command::new("help", help).of("command"),
];

/// `COMMAND` is a container that also runs without a subcommand (arity -1, as in Redis).
pub static COMMANDS: &[Command] = &[Command::new("command", command).with_subcommands(SUBS)];

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
            .map(|name| route(name).map_or(Reply::Null, info_entry))
            .collect(),
    ))
}

fn docs(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() == 2 {
        return Ok(Reply::Map(
            all_commands()
                .map(|c| (Reply::bulk(c.full_name.clone()), docs_entry(c)))
                .collect(),
        ));
    }
    Ok(Reply::Map(
        argv[2..]
            .iter()
            .filter_map(|name| route(name))
            .map(|c| (Reply::bulk(c.full_name.clone()), docs_entry(c)))
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
    let keep = |c: &Route| match &filter {
        Filter::All => true,
        // No modules: nothing belongs to one.
        Filter::Module => false,
        Filter::AclCat(cat) => c.meta.acl_categories.contains(&cat.as_str()),
        Filter::Pattern(p) => glob_match(p, c.full_name.as_bytes(), true),
    };
    let mut names = Vec::new();
    for c in all_commands() {
        for c in std::iter::once(c).chain(&c.subcommands) {
            if keep(c) {
                names.push(Reply::bulk(c.full_name.clone()));
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

/// The flag names `COMMAND INFO` prints for a command, in Redis's order.
fn flag_names(route: &Route) -> Vec<&'static str> {
    NAMES
        .iter()
        .filter(|(bit, _)| route.meta.flags & bit != 0)
        .map(|(_, name)| *name)
        .collect()
}

fn info_entry(route: &Route) -> Reply {
    let status =
        |names: Vec<&'static str>| Reply::Set(names.into_iter().map(Reply::simple).collect());
    let meta = route.meta;
    let subcommands = if route.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(route.subcommands.iter().map(info_entry).collect())
    };
    let (first, last, step) = meta.legacy_keys;
    Reply::Array(vec![
        Reply::bulk(route.full_name.clone()),
        Reply::Integer(meta.arity.into()),
        status(flag_names(route)),
        Reply::Integer(first.into()),
        Reply::Integer(last.into()),
        Reply::Integer(step.into()),
        status(meta.acl_categories.to_vec()),
        Reply::Set(meta.tips.iter().copied().map(Reply::bulk_static).collect()),
        Reply::Set(meta.key_specs.iter().map(key_spec_entry).collect()),
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

/// `addReplyCommandDocs`: the fields a command has, in Redis's order.
fn docs_entry(route: &Route) -> Reply {
    let meta = route.meta;
    let text = |k: &'static str, v: &'static str| (Reply::bulk_static(k), Reply::bulk_static(v));
    let set_of = |names: &'static [&'static str]| {
        Reply::Set(names.iter().copied().map(Reply::simple).collect())
    };
    let mut fields = vec![
        text("summary", meta.summary),
        text("since", meta.since),
        text("group", meta.group),
    ];
    // Redis leaves out the fields a command has no value for (MONITOR has no complexity).
    if !meta.complexity.is_empty() {
        fields.push(text("complexity", meta.complexity));
    }
    if !meta.doc_flags.is_empty() {
        fields.push((Reply::bulk_static("doc_flags"), set_of(meta.doc_flags)));
    }
    if !meta.deprecated_since.is_empty() {
        fields.push(text("deprecated_since", meta.deprecated_since));
    }
    if !meta.replaced_by.is_empty() {
        fields.push(text("replaced_by", meta.replaced_by));
    }
    if !meta.history.is_empty() {
        let history = meta
            .history
            .iter()
            .map(|(version, what)| {
                Reply::Array(vec![Reply::bulk_static(version), Reply::bulk_static(what)])
            })
            .collect();
        fields.push((Reply::bulk_static("history"), Reply::Set(history)));
    }
    if !meta.arguments.is_empty() {
        fields.push((
            Reply::bulk_static("arguments"),
            Reply::Array(meta.arguments.iter().map(arg_entry).collect()),
        ));
    }
    if !route.subcommands.is_empty() {
        fields.push((
            Reply::bulk_static("subcommands"),
            Reply::Map(
                route
                    .subcommands
                    .iter()
                    .map(|s| (Reply::bulk(s.full_name.clone()), docs_entry(s)))
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
    let specs = route.key_specs;
    if specs.iter().all(|s| s.flags.contains(&"not_key")) {
        return Err(Error::err("The command has no key arguments"));
    }
    let argc = words.len() as i32;
    let arity = route.meta.arity;
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    // Key flags that depend on the arguments come from the command's own key finder in
    // Redis; these are the two built-in commands with such specs.
    if specs.iter().any(|s| s.flags.contains(&"variable_flags")) {
        match route.full_name.as_str() {
            "set" => return Ok(vec![(1, set_key_flags(words))]),
            "bitfield" => return Ok(vec![(1, bitfield_key_flags(words))]),
            _ => {}
        }
    }
    if route.full_name == "sort" {
        return Ok(super::sort::sort_keys(words));
    }
    match keys_from_specs(specs, words) {
        Some(keys) if !keys.is_empty() => Ok(keys),
        _ if route.has_flag(NO_MANDATORY_KEYS) => Ok(Vec::new()),
        // A key count that is not one (`ZUNIONSTORE d x a`): Redis's own key finder for such
        // commands finds no key either.
        _ if specs.iter().any(|s| matches!(s.find, Find::Keynum(..))) => {
            Err(Error::err("Invalid arguments specified for command"))
        }
        // Specs Redis cannot follow (movable keys found by code): fall back to the table's
        // legacy key positions.
        _ => {
            let legacy: Vec<_> = legacy_positions(route.meta.legacy_keys, words.len())
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

/// The argument positions of `COMMAND INFO`'s (first, last, step) in `argc` words.
fn legacy_positions((first, last, step): (i32, i32, i32), argc: usize) -> Vec<usize> {
    if first <= 0 || step <= 0 {
        return Vec::new();
    }
    let argc = argc as i32;
    let last = if last < 0 {
        argc + last
    } else {
        last.min(argc - 1)
    };
    (first..=last)
        .step_by(step as usize)
        .map(|p| p as usize)
        .collect()
}

/// Redis's `getKeysUsingKeySpecs` (see [`meta::find_keys`]): `None` when a spec
/// cannot be followed.
fn keys_from_specs(
    specs: &[KeySpecMeta],
    words: &[Bytes],
) -> Option<Vec<(usize, &'static [&'static str])>> {
    let mut keys = Vec::new();
    meta::find_keys(specs, words, |i, spec| keys.push((i, specs[spec].flags))).then_some(keys)
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
        let categories = |name: &[u8]| route(name).unwrap().meta.acl_categories;
        assert_eq!(categories(b"ping"), ["@fast", "@connection"]);
        assert_eq!(
            categories(b"flushall"),
            ["@keyspace", "@write", "@slow", "@dangerous"]
        );
        assert_eq!(
            categories(b"CLIENT|list"),
            ["@admin", "@slow", "@dangerous", "@connection"]
        );
        assert_eq!(categories(b"client"), ["@slow"]);
        // Declared by hand in Redis's JSON beyond what flags imply.
        assert_eq!(
            categories(b"sort"),
            [
                "@write",
                "@set",
                "@sortedset",
                "@list",
                "@slow",
                "@dangerous"
            ]
        );
        assert_eq!(categories(b"pubsub|help"), ["@slow"]);
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
            "*2 $14 client|setname *10 $7 summary $31 Set the current connection name $5 since \
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
