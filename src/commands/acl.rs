//! `ACL`: users and their rules ([`crate::acl`]), as Redis 7.0 answers.
//!
//! - `ACL SETUSER username [rule ...]` → `OK`; creates the user (off, no permissions) if
//!   needed and applies all rules or none. `ERR Error in ACL SETUSER modifier '<rule>':
//!   <reason>`, `ERR Unmatched parenthesis in acl selector starting at '<arg>'.`, `ERR
//!   Usernames can't contain spaces or null characters`. Subscribers of the user that lost
//!   a channel they use are disconnected.
//! - `ACL GETUSER username` → map: flags, passwords, commands, keys, channels, selectors
//!   (one map per extra selector); null for no such user.
//! - `ACL DELUSER username [...]` → integer removed; their clients are disconnected.
//!   `ERR The 'default' user cannot be removed`.
//! - `ACL LIST` → `user <name> <rules>` lines; `ACL USERS` → names; `ACL WHOAMI` → the
//!   connection's user.
//! - `ACL CAT [category]` → category names, or the commands of one (`ERR Unknown category
//!   '<c>'`).
//! - `ACL GENPASS [bits]` → a random hex password of `bits` (default 256) bits; `ERR ACL
//!   GENPASS argument must be the number of bits for the output password, a positive
//!   number up to 4096`.
//! - `ACL LOG [count | RESET]` → the newest `count` (10) denials, each a map: count,
//!   reason, context, object, username, age-seconds, client-info.
//! - `ACL DRYRUN username command [arg ...]` → `OK`, or the reason as a bulk string.
//!   `ERR User '<u>' not found`, `ERR Command '<c>' not found`.
//! - `ACL LOAD` / `ACL SAVE` → `OK`: the `aclfile`, all or nothing; without one, Redis's
//!   explanation as an error.
//! - `AUTH` and `HELLO ... AUTH` are connection commands (`connection.rs`).

use std::sync::Arc;

use bytes::Bytes;
use rand::RngCore;

use super::command::help_reply;
use super::{Command, Ctx, Reply};
use crate::acl::rules::{CATEGORIES, category_bit, has_spaces, route_categories};
use crate::acl::{Denied, User, UserHandle};
use crate::error::{Error, Result};
use crate::store::numeric::parse_i64;

const SUBS: &[Command] = &[
    Command::new("cat", cat).of("acl"),
    Command::new("deluser", deluser).of("acl"),
    Command::new("dryrun", dryrun).of("acl"),
    Command::new("genpass", genpass).of("acl"),
    Command::new("getuser", getuser).of("acl"),
    Command::new("help", help).of("acl"),
    Command::new("list", list).of("acl"),
    Command::new("load", load).of("acl"),
    Command::new("log", log).of("acl"),
    Command::new("save", save).of("acl"),
    Command::new("setuser", setuser).of("acl"),
    Command::new("users", users).of("acl"),
    Command::new("whoami", whoami).of("acl"),
];

pub static COMMANDS: &[Command] = &[Command::container("acl", SUBS)];

fn setuser(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let name = &argv[2];
    if has_spaces(name) {
        return Err(Error::err(
            "Usernames can't contain spaces or null characters",
        ));
    }
    let (handle, before) = ctx
        .server
        .acl
        .set_user(name, &argv[3..])
        .map_err(Error::err)?;
    if let Some(before) = before {
        kill_subscribers_that_lost_channels(ctx, &handle, &before);
    }
    Ok(Reply::ok())
}

/// Redis's `ACLKillPubsubClientsIfNeeded`: when the user's channels are no longer a
/// superset of what they were, its subscribers using a channel it lost are disconnected.
fn kill_subscribers_that_lost_channels(ctx: &mut Ctx<'_>, handle: &Arc<UserHandle>, before: &User) {
    let after = handle.rules();
    if after.selectors.iter().any(|s| s.all_channels()) {
        return;
    }
    let upcoming: Vec<&Bytes> = after.selectors.iter().flat_map(|s| s.channels()).collect();
    let kept = before
        .selectors
        .iter()
        .all(|s| !s.all_channels() && s.channels().iter().all(|c| upcoming.contains(&c)));
    if kept {
        return;
    }
    let allowed = |channel: &[u8], pattern: bool| {
        upcoming.iter().any(|p| {
            if pattern {
                p.as_ref() == channel
            } else {
                crate::store::glob::glob_match(p, channel, false)
            }
        })
    };
    for client in ctx.server.clients.list() {
        let same_user = client.user().is_some_and(|u| Arc::ptr_eq(&u, handle));
        if !same_user || !client.subscribed() {
            continue;
        }
        let violates = {
            let subscriptions = client.subscriptions.lock();
            subscriptions.patterns().any(|p| !allowed(p, true))
                || subscriptions.channels().any(|c| !allowed(c, false))
        };
        if violates {
            close_client(ctx, &client);
        }
    }
}

/// Disconnects a client: at once, or after this reply when it is the caller.
fn close_client(ctx: &mut Ctx<'_>, client: &crate::state::ClientInfo) {
    if client.id == ctx.session.client.id {
        ctx.session.close_after_reply = true;
    } else {
        client.kill.cancel();
    }
}

/// Disconnects the clients of removed users, which first fall back to the default user,
/// unauthenticated (as Redis's `ACLFreeUserAndKillClients`).
fn kill_clients_of(ctx: &mut Ctx<'_>, removed: &[Arc<UserHandle>]) {
    if removed.is_empty() {
        return;
    }
    for client in ctx.server.clients.list() {
        let gone = client
            .user()
            .is_some_and(|u| removed.iter().any(|r| Arc::ptr_eq(r, &u)));
        if gone {
            client.set_user(None, false);
            close_client(ctx, &client);
        }
    }
    if ctx
        .session
        .client
        .user()
        .is_some_and(|u| removed.iter().any(|r| Arc::ptr_eq(r, &u)))
    {
        ctx.session.client.set_user(None, false);
        ctx.session.close_after_reply = true;
    }
}

fn deluser(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let names = &argv[2..];
    if names.iter().any(|n| n.as_ref() == b"default") {
        return Err(Error::err("The 'default' user cannot be removed"));
    }
    let removed = ctx.server.acl.delete_users(names);
    kill_clients_of(ctx, &removed);
    Ok(Reply::integer(removed.len()))
}

fn getuser(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let Some(handle) = ctx.server.acl.user(&argv[2]) else {
        return Ok(Reply::Null);
    };
    let user = handle.rules();
    let field = |k: &'static str, v: Reply| (Reply::bulk_static(k), v);
    let selector_fields = |s: &crate::acl::rules::Selector| {
        vec![
            field("commands", Reply::bulk(s.describe_commands())),
            field("keys", Reply::bulk(s.keys_text())),
            field("channels", Reply::bulk(s.channels_text())),
        ]
    };
    let mut fields = vec![
        field(
            "flags",
            Reply::Set(
                user.flag_names()
                    .into_iter()
                    .map(Reply::bulk_static)
                    .collect(),
            ),
        ),
        field(
            "passwords",
            Reply::Array(user.passwords.iter().map(Reply::bulk).collect()),
        ),
    ];
    fields.extend(selector_fields(user.root()));
    fields.push(field(
        "selectors",
        Reply::Array(
            user.selectors[1..]
                .iter()
                .map(|s| Reply::Map(selector_fields(s)))
                .collect(),
        ),
    ));
    Ok(Reply::Map(fields))
}

fn list(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(
        ctx.server.acl.list().into_iter().map(Reply::bulk).collect(),
    ))
}

fn users(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(
        ctx.server
            .acl
            .users()
            .iter()
            .map(|u| Reply::Bulk(u.name.clone()))
            .collect(),
    ))
}

fn whoami(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Bulk(ctx.session.client.user_name()))
}

/// The `aclfile`, or Redis's error when there is none.
fn aclfile(ctx: &Ctx<'_>) -> Result<std::path::PathBuf> {
    let path = ctx.server.config.read().aclfile.clone();
    if path.is_empty() {
        return Err(Error::err(
            "This Redis instance is not configured to use an ACL file. You may want to \
             specify users via the ACL SETUSER command and then issue a CONFIG REWRITE \
             (assuming you have a Redis configuration file set) in order to store users in \
             the Redis configuration.",
        ));
    }
    Ok(path.into())
}

fn load(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let path = aclfile(ctx)?;
    let old = ctx.server.acl.load_file(&path).map_err(Error::err)?;
    kill_clients_of(ctx, &old);
    Ok(Reply::ok())
}

fn save(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let path = aclfile(ctx)?;
    ctx.server.acl.save_file(&path).map_err(|e| {
        tracing::warn!("Saving the ACL file {}: {e}", path.display());
        Error::err(
            "There was an error trying to save the ACLs. Please check the server logs for \
             more information",
        )
    })?;
    Ok(Reply::ok())
}

/// Redis's `addReplySubcommandSyntaxError` for a subcommand given too many arguments.
fn at_most(argv: &[Bytes], max: usize) -> Result<()> {
    if argv.len() > max {
        return Err(Error::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try ACL HELP.",
            super::truncated(&argv[1], 128)
        )));
    }
    Ok(())
}

fn cat(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    at_most(argv, 3)?;
    let Some(name) = argv.get(2) else {
        return Ok(Reply::Array(
            CATEGORIES.iter().map(|c| Reply::bulk_static(c)).collect(),
        ));
    };
    let bit = category_bit(name).ok_or_else(|| {
        Error::err(format!(
            "Unknown category '{}'",
            super::truncated(name, 128)
        ))
    })?;
    Ok(Reply::Array(
        super::all_routes()
            .iter()
            .filter(|r| route_categories(r) & bit != 0)
            .map(|r| Reply::bulk(r.full_name.as_bytes()))
            .collect(),
    ))
}

/// Redis's `GENPASS_MAX_BITS`.
const GENPASS_MAX_BITS: i64 = 4096;

fn genpass(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    at_most(argv, 3)?;
    let bits = match argv.get(2) {
        Some(arg) => parse_i64(arg).ok_or(Error::NotInteger)?,
        None => 256,
    };
    if bits <= 0 || bits > GENPASS_MAX_BITS {
        return Err(Error::err(format!(
            "ACL GENPASS argument must be the number of bits for the output password, a \
             positive number up to {GENPASS_MAX_BITS}"
        )));
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut random = vec![0u8; chars.div_ceil(2)];
    // The thread's generator is a CSPRNG seeded from the OS.
    rand::rng().fill_bytes(&mut random);
    let hex: String = random
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .take(chars)
        .map(|n| char::from_digit(u32::from(n), 16).expect("nibble"))
        .collect();
    Ok(Reply::bulk(hex))
}

fn log(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    at_most(argv, 3)?;
    let mut count = 10;
    if let Some(arg) = argv.get(2) {
        if arg.eq_ignore_ascii_case(b"reset") {
            ctx.server.acl.reset_log();
            return Ok(Reply::ok());
        }
        count = parse_i64(arg).ok_or(Error::NotInteger)?.max(0);
    }
    let now = crate::store::clock::Moment::now().unix_ms();
    let field = |k: &'static str, v: Reply| (Reply::bulk_static(k), v);
    let entries = ctx.server.acl.log_entries(count as usize);
    Ok(Reply::Array(
        entries
            .into_iter()
            .map(|e| {
                Reply::Map(vec![
                    field("count", Reply::integer(e.count)),
                    field("reason", Reply::bulk_static(e.reason.name())),
                    field("context", Reply::bulk_static(e.context_name())),
                    field("object", Reply::Bulk(e.object)),
                    field("username", Reply::Bulk(e.username)),
                    field(
                        "age-seconds",
                        Reply::Double(now.saturating_sub(e.ctime_ms) as f64 / 1000.0),
                    ),
                    field("client-info", Reply::bulk(e.client_info)),
                ])
            })
            .collect(),
    ))
}

fn dryrun(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let Some(user) = ctx.server.acl.user(&argv[2]) else {
        return Err(Error::err(format!(
            "User '{}' not found",
            String::from_utf8_lossy(&argv[2])
        )));
    };
    let command = &argv[3..];
    let route = match super::resolve(command) {
        Ok(route) => route,
        Err((Some(route), _)) => {
            return Err(Error::err(format!(
                "wrong number of arguments for '{}' command",
                route.full_name
            )));
        }
        Err((None, _)) => {
            return Err(Error::err(format!(
                "Command '{}' not found",
                String::from_utf8_lossy(&argv[3])
            )));
        }
    };
    Ok(match user.rules().check(route, command) {
        Ok(()) => Reply::ok(),
        Err(Denied::Command) => Reply::bulk(format!(
            "This user has no permissions to run the '{}' command",
            route.full_name
        )),
        Err(denied @ (Denied::Key(pos) | Denied::Channel(pos))) => {
            let what: &[u8] = if matches!(denied, Denied::Key(_)) {
                b"' key"
            } else {
                b"' channel"
            };
            let mut text = b"This user has no permissions to access the '".to_vec();
            text.extend_from_slice(&command[pos]);
            text.extend_from_slice(what);
            Reply::bulk(text)
        }
    })
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "ACL",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    ))
}
