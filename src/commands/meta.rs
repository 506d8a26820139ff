//! The command-metadata table: every fact redis-server 7.0 states about a command, generated
//! at build time (`build.rs`) from Redis's own command JSON files kept in
//! `src/commands/redis-json/` (plus `7.2/` for the few later commands we serve).
//!
//! A row holds what `COMMAND INFO` prints (arity, flags with `movablekeys` derived from the
//! key specs, the legacy first/last/step, ACL categories with the implicit ones
//! `setImplicitACLCategories` adds, tips, key specs) and what `COMMAND DOCS` prints (summary,
//! since, group, complexity, doc flags, deprecation, history, argument tree). Family files
//! only bind handlers to names ([`super::Command`]); the table gives each bound command its
//! metadata ([`super::Route`]), so `COMMAND`, the execution path's key finder (from the key
//! specs), argument-count checks and ACL categories all read this one source.

use super::flags::*;

/// One command or subcommand of Redis 7.0, as its JSON file describes it.
#[derive(Debug)]
pub struct RedisCommand {
    /// Full name: `get`, `client|list`.
    pub name: &'static str,
    /// Exact argument count (name included) when positive, minimum when negative.
    pub arity: i32,
    /// [`super::flags`] bits (Redis's `CMD_*`, `MOVABLE_KEYS` included).
    pub flags: u32,
    /// `@category` names in Redis's table order, implicit ones included.
    pub acl_categories: &'static [&'static str],
    /// `COMMAND INFO`'s first key, last key and step (`populateCommandLegacyRangeSpec`).
    pub legacy_keys: (i32, i32, i32),
    pub tips: &'static [&'static str],
    pub key_specs: &'static [KeySpecMeta],
    /// As `COMMAND DOCS` prints it (`sorted-set`).
    pub group: &'static str,
    pub summary: &'static str,
    pub since: &'static str,
    /// "" when Redis gives none (MONITOR), as for the other text fields below.
    pub complexity: &'static str,
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    /// (version, change) pairs.
    pub history: &'static [(&'static str, &'static str)],
    pub arguments: &'static [ArgDoc],
}

include!(concat!(env!("OUT_DIR"), "/redis_commands.rs"));

/// The row of a command by its full name (`get`, `client|list`, lowercase).
pub fn find(full_name: &str) -> Option<&'static RedisCommand> {
    REDIS_COMMANDS
        .binary_search_by(|c| c.name.cmp(full_name))
        .ok()
        .map(|i| &REDIS_COMMANDS[i])
}

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
