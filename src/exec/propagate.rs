//! What each command puts in the append-only file: its deterministic effect (Redis's
//! command propagation, `alsoPropagate` and `rewriteClientCommandVector`).
//!
//! A command that changed the data set (its write effects say so) is logged as it was
//! sent, unless that would not replay to the same data:
//! - relative or repeated expiry (`SET ... EX`, `SETEX`, `PSETEX`, `GETEX`, `EXPIRE`,
//!   `PEXPIRE`, `EXPIREAT`, `RESTORE ttl`) becomes the absolute form, read from the key
//!   after the command (`SET key value PXAT ms`, `PEXPIREAT`, `PERSIST`, `RESTORE ...
//!   ABSTTL`), or `DEL` when the expiry deleted the key;
//! - `INCRBYFLOAT` becomes `SET key result KEEPTTL`, `HINCRBYFLOAT` `HSET key field result`;
//! - `SPOP` becomes `SREM` of what it popped;
//! - `GEOADD` becomes the `ZADD` it runs (options kept, positions as integer scores);
//! - blocking commands become the pop or move they did (`BLPOP` → `LPOP key`, `BLMOVE` →
//!   `LMOVE`, `BZMPOP` → `ZPOPMIN key count`, ...), whether they ran at once or were
//!   served later (their waiters call [`push`]);
//! - `EXEC` and scripts log nothing of their own: the commands they ran log themselves,
//!   and the whole unit is appended as one `MULTI` ... `EXEC` when it holds several;
//! - a key found expired is logged as `DEL` by the effect observer, as Redis propagates
//!   the deletion of an expired key.
//!
//! Typed gRPC calls have no command line: each key they changed is logged by its state
//! ([`state_records`]).
//!
//! Records gather per thread while a command (or transaction, or script) runs and are
//! appended by [`flush`] before its txn releases its locks.

use std::cell::RefCell;

use bytes::Bytes;

use crate::commands::{Ctx, Reply, Route};
use crate::persist::object;
use crate::state::ServerState;
use crate::store::{Effect, Txn, Value};

#[derive(Default)]
struct Pending {
    records: Vec<(usize, Vec<Bytes>)>,
    /// The running command logged what it did itself ([`push`]).
    overridden: bool,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::default();
}

/// Logs `argv` (run in database `db`) for the running command, instead of the command as
/// sent.
pub fn push(db: usize, argv: Vec<Bytes>) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.records.push((db, argv));
        p.overridden = true;
    });
}

/// Logs nothing for the running command, whatever its effects: it logged what it did
/// with [`push`] (possibly nothing), as Redis's `preventCommandPropagation`.
pub fn suppress() {
    PENDING.with(|p| p.borrow_mut().overridden = true);
}

/// Starts a command: returns the enclosing command's override flag, to hand back to
/// [`end_command`].
pub(super) fn begin_command() -> bool {
    PENDING.with(|p| std::mem::replace(&mut p.borrow_mut().overridden, false))
}

/// Ends a typed call or a served waiter (started with [`begin_command`]): whether it
/// logged what it did itself ([`push`] / [`suppress`]), so its keys need not be logged by
/// state.
pub(super) fn end_own(outer_overridden: bool) -> bool {
    PENDING.with(|p| std::mem::replace(&mut p.borrow_mut().overridden, outer_overridden))
}

/// Ends a command that ran in `db` with `effects_from` the length of its txn's effect
/// record before it ran: logs it unless it logged itself or changed nothing.
pub(super) fn end_command(
    ctx: &Ctx<'_>,
    db: usize,
    route: &Route,
    argv: &[Bytes],
    result: &crate::error::Result<Reply>,
    effects_from: usize,
    outer_overridden: bool,
) {
    let overridden =
        PENDING.with(|p| std::mem::replace(&mut p.borrow_mut().overridden, outer_overridden));
    // A replayed AOF (`DEBUG LOADAOF`) is not logged again.
    if overridden || composite(route) || ctx.session.replaying {
        return;
    }
    let changed = match ctx.txn_if_any() {
        Some(txn) => txn.effects()[effects_from.min(txn.effects().len())..]
            .iter()
            .any(|e| match e {
                Effect::Key { event, .. } => event.changes() && !event.by_server(),
                Effect::Flushed { .. } | Effect::Swapped { .. } => true,
            }),
        // Keyless writes that change server state the AOF keeps: function libraries.
        None => result.is_ok() && logs_without_keys(route),
    };
    if !changed {
        return;
    }
    let records = match (ctx.txn_if_any(), result) {
        (Some(txn), Ok(reply)) => rewrite(txn, db, route, argv, reply),
        _ => None,
    }
    .unwrap_or_else(|| vec![argv.to_vec()]);
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        p.records.extend(records.into_iter().map(|r| (db, r)));
    });
}

/// Commands whose own line is not logged: what they ran is.
fn composite(route: &Route) -> bool {
    route.has_flag(crate::commands::flags::SCRIPT) || route.command.name == "exec"
}

fn logs_without_keys(route: &Route) -> bool {
    matches!(
        route.full_name.as_str(),
        "function|load" | "function|delete" | "function|flush" | "function|restore"
    )
}

/// Appends what the unit of work gathered to the AOF, with the generation of `txn`
/// (or the store's current one for keyless work).
pub fn flush(server: &ServerState, txn: Option<&Txn<'_>>) {
    let records = PENDING.with(|p| std::mem::take(&mut p.borrow_mut().records));
    if records.is_empty() || !server.aof.active() {
        return;
    }
    let generation = txn.map_or_else(|| server.store.snapshot_generation(), |t| t.generation());
    server.aof.append(generation, &records);
}

/// Whether the running unit of work has gathered records.
pub fn has_pending() -> bool {
    PENDING.with(|p| !p.borrow().records.is_empty())
}

/// Forgets what was gathered (the AOF is off).
pub fn discard() {
    PENDING.with(|p| p.borrow_mut().records.clear());
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn num(n: impl itoa::Integer) -> Bytes {
    Bytes::copy_from_slice(itoa::Buffer::new().format(n).as_bytes())
}

fn has_option(argv: &[Bytes], options: &[&str]) -> bool {
    argv.iter()
        .any(|a| options.iter().any(|o| a.eq_ignore_ascii_case(o.as_bytes())))
}

/// The deterministic form of a command that changed something, when its line is not.
fn rewrite(
    txn: &Txn<'_>,
    db: usize,
    route: &Route,
    argv: &[Bytes],
    reply: &Reply,
) -> Option<Vec<Vec<Bytes>>> {
    let name = route.full_name.as_str();
    let key = argv.get(1)?;
    let expiry_of = || txn.peek(db, key).map(|e| e.expires_at());
    Some(match name {
        "set" | "setex" | "psetex" => {
            let entry = txn.peek(db, key)?;
            let Value::String(s) = entry.value() else {
                return None;
            };
            let value = s.to_bytes();
            match entry.expires_at() {
                Some(at) => vec![vec![b("SET"), key.clone(), value, b("PXAT"), num(at)]],
                None if name == "set" => return None,
                None => vec![vec![b("SET"), key.clone(), value]],
            }
        }
        "getex" => match expiry_of() {
            None => vec![vec![b("DEL"), key.clone()]],
            Some(_) if has_option(argv, &["persist"]) => vec![vec![b("PERSIST"), key.clone()]],
            Some(Some(at)) => vec![vec![b("PEXPIREAT"), key.clone(), num(at)]],
            Some(None) => return None,
        },
        "expire" | "pexpire" | "expireat" | "pexpireat" => match expiry_of() {
            None => vec![vec![b("DEL"), key.clone()]],
            Some(Some(at)) => vec![vec![b("PEXPIREAT"), key.clone(), num(at)]],
            Some(None) => return None,
        },
        "restore" => {
            let at = expiry_of()??;
            let mut line = argv.to_vec();
            line[2] = num(at);
            if !has_option(argv, &["absttl"]) {
                line.push(b("ABSTTL"));
            }
            vec![line]
        }
        "incrbyfloat" => {
            let Reply::Bulk(value) = reply else {
                return None;
            };
            vec![vec![b("SET"), key.clone(), value.clone(), b("KEEPTTL")]]
        }
        "hincrbyfloat" => {
            let Reply::Bulk(value) = reply else {
                return None;
            };
            vec![vec![
                b("HSET"),
                key.clone(),
                argv.get(2)?.clone(),
                value.clone(),
            ]]
        }
        "geoadd" => vec![crate::commands::geo::zadd_line(argv)?],
        "spop" => {
            let mut line = vec![b("SREM"), key.clone()];
            match reply {
                Reply::Bulk(member) => line.push(member.clone()),
                Reply::Array(members) | Reply::Set(members) => {
                    line.extend(members.iter().filter_map(|m| match m {
                        Reply::Bulk(m) => Some(m.clone()),
                        _ => None,
                    }))
                }
                _ => return None,
            }
            vec![line]
        }
        _ => return blocking_rewrite(name, argv, reply).map(|line| vec![line]),
    })
}

/// The pop or move a blocking command did, from its reply (`None` when it did nothing).
pub fn blocking_rewrite(name: &str, argv: &[Bytes], reply: &Reply) -> Option<Vec<Bytes>> {
    let items = |r: &Reply| match r {
        Reply::Array(items) => Some(items.clone()),
        _ => None,
    };
    let bulk = |r: &Reply| match r {
        Reply::Bulk(b) => Some(b.clone()),
        _ => None,
    };
    Some(match name {
        "blpop" | "brpop" => {
            let key = bulk(items(reply)?.first()?)?;
            vec![b(if name == "blpop" { "LPOP" } else { "RPOP" }), key]
        }
        "blmove" => {
            bulk(reply)?;
            vec![
                b("LMOVE"),
                argv[1].clone(),
                argv[2].clone(),
                argv[3].clone(),
                argv[4].clone(),
            ]
        }
        "brpoplpush" => {
            bulk(reply)?;
            vec![b("RPOPLPUSH"), argv[1].clone(), argv[2].clone()]
        }
        "blmpop" | "bzmpop" => {
            let reply = items(reply)?;
            let key = bulk(reply.first()?)?;
            let count = items(reply.get(1)?)?.len();
            let left = has_option(argv, &["left", "min"]);
            let pop = match (name, left) {
                ("blmpop", true) => "LPOP",
                ("blmpop", false) => "RPOP",
                (_, true) => "ZPOPMIN",
                (_, false) => "ZPOPMAX",
            };
            vec![b(pop), key, num(count)]
        }
        "bzpopmin" | "bzpopmax" => {
            let key = bulk(items(reply)?.first()?)?;
            vec![
                b(if name == "bzpopmin" {
                    "ZPOPMIN"
                } else {
                    "ZPOPMAX"
                }),
                key,
            ]
        }
        _ => return None,
    })
}

/// Records restoring the state of every key `txn` changed from `effects_from` on: `DEL`
/// for a key now absent, `SET key value [PXAT ms]` for a string, `RESTORE key ms payload
/// REPLACE ABSTTL` for a collection (typed gRPC calls, which have no command line).
pub fn state_records(txn: &Txn<'_>, effects_from: usize) -> Vec<(usize, Vec<Bytes>)> {
    let mut keys: Vec<(usize, Bytes)> = Vec::new();
    let mut records = Vec::new();
    for effect in &txn.effects()[effects_from.min(txn.effects().len())..] {
        match effect {
            Effect::Key { db, key, event } if event.changes() && !event.by_server() => {
                let key = Bytes::copy_from_slice(key);
                if !keys.contains(&(*db, key.clone())) {
                    keys.push((*db, key));
                }
            }
            Effect::Flushed { db } => records.push((*db, vec![b("FLUSHDB")])),
            _ => {}
        }
    }
    for (db, key) in keys {
        let record = match txn.peek(db, &key) {
            None => vec![b("DEL"), key],
            Some(entry) => match (entry.value(), entry.expires_at()) {
                (Value::String(s), None) => vec![b("SET"), key, s.to_bytes()],
                (Value::String(s), Some(at)) => {
                    vec![b("SET"), key, s.to_bytes(), b("PXAT"), num(at)]
                }
                (value, at) => vec![
                    b("RESTORE"),
                    key,
                    num(at.unwrap_or(0)),
                    Bytes::from(object::dump(value, true)),
                    b("REPLACE"),
                    b("ABSTTL"),
                ],
            },
        };
        records.push((db, record));
    }
    records
}

/// Appends state records for a typed call directly (it runs no `run`).
pub fn push_all(records: Vec<(usize, Vec<Bytes>)>) {
    PENDING.with(|p| p.borrow_mut().records.extend(records));
}
