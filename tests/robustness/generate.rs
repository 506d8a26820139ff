//! Building commands from the catalog, and taming them: exclusions, rewrites and the
//! crashes known today.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::catalog::{ArgDoc, Catalog, Spec};
use crate::resp::Argv;
use crate::rng::Rng;
use crate::settings::env_u64;
use crate::values::{
    Dynamic, FLOATS, GLOBS, INTS, KEYS, MEMBERS, TIMES, hostile, keys_of_group, random_case,
    small_int,
};

// ---------------------------------------------------------------------------------------
// Command generation
// ---------------------------------------------------------------------------------------

pub(crate) struct Gen<'a> {
    pub(crate) rng: &'a mut Rng,
    pub(crate) cat: &'a Catalog,
    pub(crate) dynamic: &'a Dynamic,
    /// Keys of the type the current command works on.
    pub(crate) typed_keys: &'static [&'static [u8]],
}

impl Gen<'_> {
    /// A key, most often one of the type the command expects.
    fn key(&mut self) -> Vec<u8> {
        if self.rng.chance(60) {
            self.rng.pick(self.typed_keys).to_vec()
        } else {
            self.rng.pick(KEYS).to_vec()
        }
    }

    fn hostile(&mut self) -> Vec<u8> {
        hostile(self.rng, self.cat, self.dynamic)
    }

    fn token(&mut self, token: &[u8]) -> Vec<u8> {
        if self.rng.chance(20) {
            random_case(self.rng, token)
        } else {
            token.to_vec()
        }
    }

    /// Arguments following a `COMMAND DOCS` argument list.
    fn doc_args(&mut self, args: &[ArgDoc], out: &mut Argv, depth: usize) {
        let mut numkeys_at = None;
        for arg in args {
            if arg.optional && self.rng.chance(50) {
                continue;
            }
            let reps = if arg.multiple {
                1 + self.rng.below(3)
            } else {
                1
            };
            let mut values = 0;
            for rep in 0..reps {
                if let Some(token) = &arg.token
                    && (rep == 0 || arg.multiple_token)
                {
                    let token = self.token(token);
                    out.push(token);
                }
                self.doc_value(arg, out, depth);
                values += 1;
            }
            if arg.name == "numkeys" {
                numkeys_at = Some(out.len() - 1);
            } else if arg.kind == "key"
                && arg.multiple
                && let Some(at) = numkeys_at.take()
                && self.rng.chance(80)
            {
                out[at] = values.to_string().into_bytes();
            }
        }
    }

    fn doc_value(&mut self, arg: &ArgDoc, out: &mut Argv, depth: usize) {
        if depth > 8 {
            out.push(self.hostile());
            return;
        }
        let value = match arg.kind.as_str() {
            "pure-token" => return,
            "oneof" if !arg.children.is_empty() => {
                let child = self.rng.pick(&arg.children).clone();
                if let Some(token) = &child.token {
                    let token = self.token(token);
                    out.push(token);
                }
                self.doc_value(&child, out, depth + 1);
                return;
            }
            "block" => {
                self.doc_args(&arg.children.clone(), out, depth + 1);
                return;
            }
            "key" => {
                if self.rng.chance(90) {
                    self.key()
                } else {
                    self.hostile()
                }
            }
            "integer" => match self.rng.below(100) {
                0..=54 => small_int(self.rng),
                55..=84 => self.rng.pick(INTS).as_bytes().to_vec(),
                // Some "integers" (WEIGHTS) take floats.
                _ => self.rng.pick(FLOATS).as_bytes().to_vec(),
            },
            "double" => {
                if self.rng.chance(60) {
                    self.rng
                        .pick(&["0", "1", "1.5", "-2", "3", "0.5", "-inf", "+inf", "10"])
                        .as_bytes()
                        .to_vec()
                } else {
                    self.rng.pick(FLOATS).as_bytes().to_vec()
                }
            }
            "unix-time" => self.rng.pick(TIMES).as_bytes().to_vec(),
            "pattern" => self.rng.pick(GLOBS).as_bytes().to_vec(),
            "string" => {
                if self.rng.chance(60) {
                    self.rng.pick(MEMBERS).as_bytes().to_vec()
                } else {
                    self.hostile()
                }
            }
            _ => self.hostile(),
        };
        out.push(value);
    }

    fn is_key_position(spec: &Spec, pos: usize, argc: usize) -> bool {
        let (first, last, step) = spec.keys;
        if first <= 0 || step <= 0 {
            return false;
        }
        let last = if last < 0 { argc as i64 + last } else { last };
        let pos = pos as i64;
        pos >= first && pos <= last && (pos - first) % step == 0
    }

    /// One command, before taming.
    pub(crate) fn command(&mut self) -> Argv {
        let spec = self.cat.pick(self.rng).clone();
        self.typed_keys = keys_of_group(&spec.group);
        let mut argv: Argv = spec
            .words
            .iter()
            .map(|w| {
                if self.rng.chance(30) {
                    random_case(self.rng, w)
                } else {
                    w.clone()
                }
            })
            .collect();
        let mode = self.rng.below(100);
        if spec.documented && mode < 40 {
            self.doc_args(&spec.args, &mut argv, 0);
        } else if spec.documented && mode < 65 {
            self.doc_args(&spec.args, &mut argv, 0);
            let fixed = if self.rng.chance(10) {
                1
            } else {
                spec.words.len()
            };
            self.mutate(&mut argv, fixed);
        } else {
            // Half the time an argument count the command accepts, else 0..=12 more, and
            // once in a while hundreds (variadic commands, many keys in one txn).
            let argc = if self.rng.chance(50) {
                if spec.arity > 0 {
                    spec.arity as usize
                } else {
                    spec.arity.unsigned_abs() as usize + self.rng.below(7)
                }
            } else if self.rng.chance(2) {
                spec.words.len() + 100 + self.rng.below(900)
            } else {
                spec.words.len() + self.rng.below(13)
            }
            .max(argv.len());
            for pos in argv.len()..argc {
                let arg = if Self::is_key_position(&spec, pos, argc) && self.rng.chance(80) {
                    self.key()
                } else {
                    self.hostile()
                };
                argv.push(arg);
            }
        }
        argv
    }

    /// Replaces, inserts, deletes, duplicates, swaps or truncates arguments at or after
    /// `fixed`.
    fn mutate(&mut self, argv: &mut Argv, fixed: usize) {
        for _ in 0..1 + self.rng.below(3) {
            let n = argv.len();
            let some = n > fixed;
            let at = |rng: &mut Rng| fixed + rng.below(n - fixed);
            match self.rng.below(7) {
                0 if some => {
                    let i = at(self.rng);
                    argv[i] = self.hostile();
                }
                1 => {
                    let i = fixed + self.rng.below(n - fixed + 1);
                    let arg = self.hostile();
                    argv.insert(i, arg);
                }
                2 if some => {
                    let i = at(self.rng);
                    argv.remove(i);
                }
                3 if some => {
                    let i = at(self.rng);
                    let j = fixed + self.rng.below(n - fixed + 1);
                    let arg = argv[i].clone();
                    argv.insert(j, arg);
                }
                4 if n > fixed + 1 => {
                    let (i, j) = (at(self.rng), at(self.rng));
                    argv.swap(i, j);
                }
                5 if some => {
                    let i = at(self.rng);
                    let len = argv[i].len();
                    if len > 0 && self.rng.chance(50) {
                        let keep = self.rng.below(len);
                        argv[i].truncate(keep);
                    } else {
                        let junk = *self.rng.pick(&[0u8, b'\r', b'\n', b' ', 0xff, b'x', b'0']);
                        argv[i].push(junk);
                    }
                }
                _ if some => {
                    let i = at(self.rng);
                    argv[i] = random_case(self.rng, &argv[i].clone());
                }
                _ => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Taming: what is excluded, what is rewritten, and the crashes known today
// ---------------------------------------------------------------------------------------

/// Commands never sent (by catalog name), and why. Names that the server does not have
/// today are listed so that the harness stays safe when they are added.
pub(crate) const EXCLUDED: &[(&str, &str)] = &[
    ("shutdown", "stops the server"),
    (
        "quit",
        "closes the connection (the harness QUITs itself when it reconnects)",
    ),
    ("monitor", "turns the connection into a feed"),
    ("subscribe", "turns the connection into a feed"),
    ("psubscribe", "turns the connection into a feed"),
    ("ssubscribe", "turns the connection into a feed"),
    (
        "unsubscribe",
        "answers once per channel named (tests/pubsub.rs covers it)",
    ),
    (
        "punsubscribe",
        "answers once per pattern named (tests/pubsub.rs covers it)",
    ),
    (
        "sunsubscribe",
        "answers once per channel named (tests/pubsub.rs covers it)",
    ),
    ("sync", "replication stream"),
    ("psync", "replication stream"),
    ("replicaof", "replication"),
    ("slaveof", "replication"),
    ("failover", "replication"),
    ("debug", "crashes, sleeps or reloads on purpose"),
    ("wait", "blocks on replicas"),
    ("waitaof", "blocks on fsync"),
    ("client|pause", "stalls every client"),
    ("client|reply", "suppresses replies"),
    (
        "pfselftest",
        "takes no input and runs Redis's HLL self test for seconds (11 s in a debug build)",
    ),
];

/// `CONFIG SET` parameters that would close or refuse the harness's connections, with
/// the value they are pinned to (the value parsing is still fuzzed on the others).
const RISKY_CONFIG: &[(&str, &str)] = &[
    ("requirepass", ""),
    ("timeout", "0"),
    ("maxclients", "10000"),
    ("proto-max-bulk-len", "512mb"),
    ("client-query-buffer-limit", "1gb"),
];

/// What blocking commands get as their timeout: a few milliseconds or an invalid value,
/// never 0 (forever) or a long wait.
const SAFE_TIMEOUTS: &[&str] = &[
    "0.001",
    "0.001",
    "0.002",
    "0.005",
    "0.01",
    "1e-3",
    "0.0001",
    "0x0.01",
    "-1",
    "-0.5",
    "abc",
    "",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "-9223372036854775808",
];

/// An input that crashes the server and is not fixed yet: the random harness skips it (so
/// the default run passes) while `tests/regressions.rs` holds a failing test for it.
/// Remove the entry when the server is fixed.
pub(crate) struct KnownCrash {
    /// A name for the crash, printed when its inputs are skipped.
    pub(crate) id: &'static str,
    matches: fn(&[Vec<u8>]) -> bool,
}

/// None today. The two the harness found (SRANDMEMBER and HRANDFIELD with a huge negative
/// count: a capacity-overflow panic, a process abort on a failed allocation, and the
/// CLIENT LIST entry a panicking task leaked) are fixed and have their tests in
/// `tests/regressions.rs`.
pub(crate) const KNOWN_CRASHES: &[KnownCrash] = &[];

fn is_word(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

pub(crate) fn known_crash(argv: &[Vec<u8>]) -> Option<&'static KnownCrash> {
    static SKIP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let skip = *SKIP.get_or_init(|| env_u64("MEMO_FUZZ_SKIP_KNOWN") != Some(0));
    KNOWN_CRASHES.iter().find(|k| skip && (k.matches)(argv))
}

/// What [`tame`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Taming {
    Kept,
    Excluded,
    Known(&'static str),
}

#[derive(Default)]
pub(crate) struct TameCounts {
    pub(crate) blocking: AtomicU64,
    pub(crate) kill: AtomicU64,
    pub(crate) config: AtomicU64,
    pub(crate) excluded: AtomicU64,
}

/// Makes `argv` safe to send: excluded commands are refused; `CLIENT KILL` can only
/// reach victims; risky `CONFIG SET` values are pinned; blocking commands get a tiny or
/// invalid timeout; known crashes are refused.
pub(crate) fn tame(
    argv: &mut Argv,
    cat: &Catalog,
    dynamic: &Dynamic,
    rng: &mut Rng,
    counts: &TameCounts,
) -> Taming {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let full = cat.full_name(argv);
    if EXCLUDED.iter().any(|(n, _)| *n == name || *n == full) {
        counts.excluded.fetch_add(1, Ordering::Relaxed);
        return Taming::Excluded;
    }
    match full.as_str() {
        "client|kill" => {
            counts.kill.fetch_add(1, Ordering::Relaxed);
            if argv.len() == 3 {
                // The old form kills by address: a victim's, or one no client has.
                if !dynamic.victim_addrs.contains(&argv[2]) {
                    argv[2] = if dynamic.victim_addrs.is_empty() || rng.chance(50) {
                        b"127.0.0.1:1".to_vec()
                    } else {
                        rng.pick(&dynamic.victim_addrs).clone()
                    };
                }
            } else {
                // Filters are ANDed: an ID filter last narrows any kill to one victim.
                argv.push(b"ID".to_vec());
                argv.push(if dynamic.victim_ids.is_empty() {
                    b"999999999".to_vec()
                } else {
                    rng.pick(&dynamic.victim_ids).clone()
                });
            }
        }
        // The harness's connections run as the default user: its rules stay, and no
        // connection switches to a user the fuzz made (whose rules may refuse the PING
        // sentinel). The rules themselves are fuzzed on other users.
        "acl|setuser" if argv.len() > 2 && is_word(&argv[2], "default") => {
            counts.config.fetch_add(1, Ordering::Relaxed);
            argv[2] = b"fuzz-user".to_vec();
        }
        "auth" if argv.len() == 3 => argv[1] = b"default".to_vec(),
        "hello" => {
            for i in 2..argv.len().saturating_sub(2) {
                if is_word(&argv[i], "auth") {
                    argv[i + 1] = b"default".to_vec();
                }
            }
        }
        "config|set" => {
            let mut i = 2;
            while i + 1 < argv.len() {
                if let Some((_, safe)) = RISKY_CONFIG.iter().find(|(p, _)| is_word(&argv[i], p)) {
                    counts.config.fetch_add(1, Ordering::Relaxed);
                    argv[i + 1] = safe.as_bytes().to_vec();
                }
                i += 2;
            }
        }
        _ => {}
    }
    if let Some(spec) = cat.get(&name)
        && spec.flags.contains("blocking")
        && argv.len() > 1
    {
        counts.blocking.fetch_add(1, Ordering::Relaxed);
        let at = if spec.timeout_first {
            1
        } else {
            argv.len() - 1
        };
        argv[at] = rng.pick(SAFE_TIMEOUTS).as_bytes().to_vec();
    }
    match known_crash(argv) {
        Some(known) => Taming::Known(known.id),
        None => Taming::Kept,
    }
}
