//! Lua scripts, as Redis 7.0 answers them: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT
//! LOAD / EXISTS / FLUSH / KILL / HELP. The interpreters and the script cache are in
//! [`crate::scripting`].
//!
//! A script runs inside its command's txn: the execution path locks its declared keys
//! before it starts (after taking the one-script-at-a-time turn, see the row flag
//! `SCRIPT`), and the keys it reaches without declaring them when it reaches them.
//!
//! # Commands
//! - `EVAL script numkeys [key ...] [arg ...]` → the script's result converted as Redis
//!   converts it (numbers truncated to integers, `false` → null, `{err=...}` → error,
//!   `{ok=...}` → status, tables → arrays up to the first nil; RESP3 types after
//!   `redis.setresp(3)`). Errors: `ERR value is not an integer or out of range` (numkeys),
//!   `ERR Number of keys can't be greater than number of args`, `ERR Number of keys can't
//!   be negative`, `ERR Error compiling script (new function): user_script:N: ...`, a
//!   script's error completed with ` script: <sha>, on @user_script:N.`, `BUSY ...` for
//!   other clients while one runs past `busy-reply-threshold`.
//! - `EVALSHA sha1 numkeys ...` → as EVAL for a cached script; `NOSCRIPT No matching
//!   script. Please use EVAL.` otherwise.
//! - `EVAL_RO` / `EVALSHA_RO` → as EVAL / EVALSHA, but a write command inside fails with
//!   `ERR Write commands are not allowed from read-only scripts.`, and a script whose
//!   shebang allows writes with `ERR Can not execute a script with write flag using *_ro
//!   command.`
//! - `SCRIPT LOAD script` → its SHA1 (bulk), after compiling it.
//! - `SCRIPT EXISTS sha1 [sha1 ...]` → array of 1/0.
//! - `SCRIPT FLUSH [ASYNC|SYNC]` → `OK`; every interpreter starts over.
//!   `ERR SCRIPT FLUSH only support SYNC|ASYNC option` otherwise.
//! - `SCRIPT KILL` → `OK` when a script that has not written runs;
//!   `NOTBUSY No scripts in execution right now.`; `UNKILLABLE Sorry the script already
//!   executed write commands against the dataset. ...`; the `BUSY` error naming
//!   `FUNCTION KILL` when a function runs.
//! - `SCRIPT DEBUG NO` → `OK`; `YES` and `SYNC` are refused (there is no Lua debugger);
//!   `ERR Use SCRIPT DEBUG YES/SYNC/NO` for anything else.
//! - `SCRIPT HELP` → array of status lines.

use bytes::Bytes;

use super::{Command, Ctx, Reply, flags};
use crate::error::{Error, Result};
use crate::scripting::{ScriptKind, engine};
use crate::store::numeric::parse_i64;

pub static COMMANDS: &[Command] = &[
    Command::new("eval", eval).internal(flags::SCRIPT),
    Command::new("evalsha", evalsha).internal(flags::SCRIPT),
    Command::new("eval_ro", eval_ro).internal(flags::SCRIPT),
    Command::new("evalsha_ro", evalsha_ro).internal(flags::SCRIPT),
    Command::container("script", SCRIPT_SUBCOMMANDS),
];

static SCRIPT_SUBCOMMANDS: &[Command] = &[
    Command::new("debug", script_debug).of("script"),
    Command::new("exists", script_exists).of("script"),
    Command::new("flush", script_flush).of("script"),
    Command::new("help", script_help).of("script"),
    Command::new("kill", script_kill).of("script"),
    Command::new("load", script_load).of("script"),
];

/// The keys and arguments of `EVAL`-like commands: `numkeys` checked as Redis checks it.
pub fn split_keys(argv: &[Bytes]) -> Result<(&[Bytes], &[Bytes])> {
    let numkeys = parse_i64(&argv[2]).ok_or(Error::NotInteger)?;
    let rest = &argv[3..];
    if numkeys > rest.len() as i64 {
        return Err(Error::err(
            "Number of keys can't be greater than number of args",
        ));
    }
    if numkeys < 0 {
        return Err(Error::err("Number of keys can't be negative"));
    }
    Ok(rest.split_at(numkeys as usize))
}

/// Redis feeds `MONITOR` with a script command before the script runs, so the commands
/// the script calls show after it.
fn feed_monitors(ctx: &Ctx<'_>, argv: &[Bytes]) {
    if ctx.server.monitors.active() {
        let addr = &ctx.session.client.addr;
        ctx.server
            .monitors
            .feed(&ctx.server.pubsub, ctx.db(), addr, argv);
    }
}

fn run(ctx: &mut Ctx<'_>, argv: &[Bytes], by_sha: bool, read_only: bool) -> Result<Reply> {
    feed_monitors(ctx, argv);
    let (keys, args) = split_keys(argv)?;
    let script = if by_sha {
        ctx.server
            .scripts
            .get(&argv[1])
            .ok_or_else(|| Error::full("NOSCRIPT No matching script. Please use EVAL."))?
    } else {
        engine::load(ctx.server, argv[1].clone())?
    };
    engine::run_eval(
        ctx,
        engine::Invocation {
            script: &script,
            keys,
            args,
            read_only,
        },
    )
}

fn eval(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    run(ctx, argv, false, false)
}

fn evalsha(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    run(ctx, argv, true, false)
}

fn eval_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    run(ctx, argv, false, true)
}

fn evalsha_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    run(ctx, argv, true, true)
}

fn script_load(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let script = engine::load(ctx.server, argv[2].clone())?;
    Ok(Reply::bulk(script.sha))
}

fn script_exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(
        argv[2..]
            .iter()
            .map(|sha| Reply::Integer(ctx.server.scripts.exists(sha) as i64))
            .collect(),
    ))
}

fn script_flush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mode_ok = match argv.get(2) {
        None => argv.len() == 2,
        Some(mode) => {
            argv.len() == 3
                && (mode.eq_ignore_ascii_case(b"sync") || mode.eq_ignore_ascii_case(b"async"))
        }
    };
    if !mode_ok {
        return Err(Error::err("SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    // Both modes free the interpreters as each thread next runs a script.
    ctx.server.scripts.flush();
    Ok(Reply::ok())
}

fn script_kill(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.server.scripts.kill(ScriptKind::Eval)?;
    Ok(Reply::ok())
}

/// `SCRIPT DEBUG NO` is accepted; the Lua debugger itself (YES, SYNC) is not there.
fn script_debug(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mode = &argv[2];
    if mode.eq_ignore_ascii_case(b"no") {
        Ok(Reply::ok())
    } else if mode.eq_ignore_ascii_case(b"yes") || mode.eq_ignore_ascii_case(b"sync") {
        Err(Error::err(
            "SCRIPT DEBUG YES and SYNC are not supported: Memorabilia has no Lua debugger",
        ))
    } else {
        Err(Error::err("Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

fn script_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(super::command::help_reply(
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined \
             by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    ))
}
