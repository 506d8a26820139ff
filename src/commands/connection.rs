//! Connection commands: liveness, handshake, authentication and per-connection state
//! (`ctx.session`). `CLIENT` lives in `client.rs`.
//!
//! - `PING [message]` → `PONG`, or the message as a bulk string.
//! - `ECHO message` → bulk string.
//! - `HELLO [protover [AUTH username password] [SETNAME name]]` → map: server, version,
//!   proto, id, mode, role, modules. Switches the connection to RESP2 or RESP3.
//!   Errors: `NOPROTO unsupported protocol version`, `ERR Protocol version is not an integer
//!   or out of range`, `ERR Syntax error in HELLO option '<opt>'`, `WRONGPASS ...`.
//! - `AUTH [username] password` → `OK`: the connection runs as that user (see
//!   [`crate::acl`]); the one-argument form names the default user, and is an error while
//!   it has no password. `WRONGPASS invalid username-password pair or user is disabled.`
//!   (logged in `ACL LOG`).
//! - `QUIT` → `OK`, then the connection closes.
//! - `RESET` → `RESET`: no transaction, no watched keys, database 0, RESP2, no name.
//! - `SELECT index` → `OK`; `ERR DB index is out of range`.

use std::sync::Arc;

use bytes::Bytes;

use super::client::{check_name, set_name};
use super::{Command, Ctx, Protocol, Reply, flags};
use crate::acl;
use crate::error::{Error, Result};
use crate::store::numeric::parse_i64;

/// The Redis version Memorabilia reports (`HELLO`, `INFO`): the one whose behaviour it
/// follows.
pub const REDIS_VERSION: &str = "7.2.4";

pub static COMMANDS: &[Command] = &[
    Command::new("ping", ping),
    Command::new("echo", echo),
    Command::new("hello", hello),
    Command::new("auth", auth),
    // QUIT and RESET run at once inside MULTI (never queued), as in Redis.
    Command::new("quit", quit).internal(flags::TXN_CONTROL),
    Command::new("reset", reset).internal(flags::TXN_CONTROL),
    Command::new("select", select),
];

fn ping(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    // A RESP2 subscriber reads every reply as a pub/sub message: Redis answers it with one.
    if argv.len() <= 2 && ctx.session.protocol == Protocol::Resp2 && ctx.session.client.subscribed()
    {
        let echoed = argv.get(1).cloned().unwrap_or_default();
        return Ok(Reply::Array(vec![
            Reply::bulk_static("pong"),
            Reply::Bulk(echoed),
        ]));
    }
    match argv.len() {
        1 => Ok(Reply::simple("PONG")),
        2 => Ok(Reply::Bulk(argv[1].clone())),
        _ => Err(Error::WrongArity("ping".into())),
    }
}

fn echo(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Bulk(argv[1].clone()))
}

/// Redis's `ACLAuthenticateUser`: on success the connection runs as that user, on failure
/// the attempt is in the ACL log (`object` is the command's name as sent).
fn authenticate(
    ctx: &mut Ctx<'_>,
    command: &Bytes,
    username: &Bytes,
    password: &[u8],
) -> Result<()> {
    let server = ctx.server;
    match server.acl.check_credentials(username, password) {
        Some(handle) => {
            let user = (!Arc::ptr_eq(&handle, server.acl.default_user())).then_some(handle);
            ctx.session.client.set_user(user, true);
            Ok(())
        }
        None => {
            let context = if ctx.session.multi.is_some() {
                acl::Context::Multi
            } else {
                acl::Context::Toplevel
            };
            crate::exec::log_denial(
                server,
                &ctx.session.client,
                username,
                acl::Reason::Auth,
                command.clone(),
                context,
            );
            Err(Error::full(
                "WRONGPASS invalid username-password pair or user is disabled.",
            ))
        }
    }
}

fn hello(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut protocol = None;
    if let Some(version) = argv.get(1) {
        let version = parse_i64(version)
            .ok_or_else(|| Error::err("Protocol version is not an integer or out of range"))?;
        protocol = Some(match version {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            _ => return Err(Error::full("NOPROTO unsupported protocol version")),
        });
    }
    let mut credentials = None;
    let mut name = None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let option = &argv[i];
        if option.eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            credentials = Some((&argv[i + 1], &argv[i + 2]));
            i += 3;
        } else if option.eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            // Validated before anything changes, as in Redis.
            check_name(&argv[i + 1])?;
            name = Some(&argv[i + 1]);
            i += 2;
        } else {
            return Err(Error::err(format!(
                "Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(option)
            )));
        }
    }
    if let Some((user, pass)) = credentials {
        authenticate(ctx, &argv[0], user, pass)?;
    }
    if ctx.server.acl.requires_auth() && !ctx.session.client.authenticated() {
        return Err(Error::full(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    let client = ctx.session.client.clone();
    if let Some(name) = name {
        set_name(&client, name)?;
    }
    if let Some(protocol) = protocol {
        ctx.session.protocol = protocol;
        client.set_protocol(protocol);
    }
    let field = |k: &'static str, v: Reply| (Reply::bulk_static(k), v);
    Ok(Reply::Map(vec![
        field("server", Reply::bulk_static("redis")),
        field("version", Reply::bulk_static(REDIS_VERSION)),
        field("proto", Reply::Integer(ctx.session.protocol.version())),
        field("id", Reply::integer(client.id)),
        field("mode", Reply::bulk_static("standalone")),
        field("role", Reply::bulk_static("master")),
        field("modules", Reply::Array(Vec::new())),
    ]))
}

fn auth(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    match argv.len() {
        2 if ctx.server.acl.default_user().rules().nopass => Err(Error::err(
            "AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        )),
        2 => {
            let default = Bytes::from_static(b"default");
            authenticate(ctx, &argv[0], &default, &argv[1]).map(|()| Reply::ok())
        }
        3 => authenticate(ctx, &argv[0], &argv[1], &argv[2]).map(|()| Reply::ok()),
        _ => Err(Error::Syntax),
    }
}

fn quit(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.session.close_after_reply = true;
    Ok(Reply::ok())
}

/// Redis's `clearClientConnectionState`, for the state Memorabilia keeps: no transaction,
/// no watched keys and no subscriptions (dropped without confirmations), database 0, RESP2,
/// no name. The library name and version stay, as
/// in Redis 7.2.
fn reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.session.discard_multi();
    ctx.server.watches.unwatch_all(ctx.session.client.id);
    ctx.server.pubsub.unsubscribe_all(&ctx.session.client);
    ctx.server.tracking.disable(&ctx.session.client);
    ctx.server.monitors.remove(&ctx.session.client);
    ctx.session.db = 0;
    ctx.session.client.set_db(0);
    ctx.session.protocol = Protocol::Resp2;
    ctx.session.client.set_protocol(Protocol::Resp2);
    *ctx.session.client.name.lock() = Bytes::new();
    // Back to the default user, authenticated when it needs no password (Redis's
    // `clientSetDefaultAuth`), and replies on again.
    ctx.session
        .client
        .set_user(None, !ctx.server.acl.requires_auth());
    ctx.session.reply_mode = super::ReplyMode::On;
    Ok(Reply::simple("RESET"))
}

fn select(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    // Redis parses a long long, then checks that it fits a C int.
    let index = parse_i64(&argv[1]).ok_or(Error::NotInteger)?;
    if i32::try_from(index).is_err() {
        return Err(Error::err(
            "value is out of range, value must between -2147483648 and 2147483647",
        ));
    }
    let databases = ctx.server.config.read().databases;
    if index < 0 || index as usize >= databases {
        return Err(Error::DbIndexOutOfRange);
    }
    ctx.session.db = index as usize;
    ctx.session.client.set_db(index as usize);
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::Harness;

    fn hello_map(proto: i64, id: u64) -> Reply {
        let field = |k: &'static str, v: Reply| (Reply::bulk_static(k), v);
        Reply::Map(vec![
            field("server", Reply::bulk("redis")),
            field("version", Reply::bulk("7.2.4")),
            field("proto", Reply::Integer(proto)),
            field("id", Reply::integer(id)),
            field("mode", Reply::bulk("standalone")),
            field("role", Reply::bulk("master")),
            field("modules", Reply::Array(vec![])),
        ])
    }

    #[test]
    fn ping_and_echo() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["PING"]), Reply::simple("PONG"));
        assert_eq!(h.run(&["ping", "hi"]), Reply::bulk("hi"));
        assert_eq!(
            h.err(&["PING", "a", "b"]),
            "ERR wrong number of arguments for 'ping' command"
        );
        assert_eq!(h.run(&["ECHO", "x y"]), Reply::bulk("x y"));
        assert_eq!(
            h.err(&["ECHO"]),
            "ERR wrong number of arguments for 'echo' command"
        );
    }

    #[test]
    fn hello_switches_protocol_and_reports() {
        let mut h = Harness::new();
        let id = h.session.client.id;
        assert_eq!(h.run(&["HELLO"]), hello_map(2, id));
        assert_eq!(h.run(&["HELLO", "3"]), hello_map(3, id));
        assert_eq!(h.session.protocol, Protocol::Resp3);
        assert_eq!(h.session.client.protocol(), 3);
        assert_eq!(h.run(&["HELLO"]), hello_map(3, id));
        assert_eq!(
            h.run(&["hello", "2", "auth", "default", "any", "setname", "n1"]),
            hello_map(2, id)
        );
        assert_eq!(h.session.protocol, Protocol::Resp2);
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::bulk("n1"));
    }

    #[test]
    fn hello_errors_change_nothing() {
        let mut h = Harness::new();
        for v in ["1", "4", "0", "-3"] {
            assert_eq!(h.err(&["HELLO", v]), "NOPROTO unsupported protocol version");
        }
        assert_eq!(
            h.err(&["HELLO", "x"]),
            "ERR Protocol version is not an integer or out of range"
        );
        assert_eq!(
            h.err(&["HELLO", "3", "AUTH", "default"]),
            "ERR Syntax error in HELLO option 'AUTH'"
        );
        assert_eq!(
            h.err(&["HELLO", "3", "foo"]),
            "ERR Syntax error in HELLO option 'foo'"
        );
        assert_eq!(
            h.err(&["HELLO", "3", "setname"]),
            "ERR Syntax error in HELLO option 'setname'"
        );
        assert_eq!(
            h.err(&["HELLO", "3", "SETNAME", "a b"]),
            "ERR Client names cannot contain spaces, newlines or special characters."
        );
        assert_eq!(
            h.err(&["HELLO", "3", "AUTH", "foo", "pw", "SETNAME", "n"]),
            "WRONGPASS invalid username-password pair or user is disabled."
        );
        assert_eq!(h.session.protocol, Protocol::Resp2);
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
    }

    #[test]
    fn auth_without_configured_password() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["AUTH", "pw"]),
            "ERR AUTH <password> called without any password configured for the default \
             user. Are you sure your configuration is correct?"
        );
        assert_eq!(h.run(&["AUTH", "default", "pw"]), Reply::ok());
        assert_eq!(
            h.err(&["AUTH", "foo", "pw"]),
            "WRONGPASS invalid username-password pair or user is disabled."
        );
        assert_eq!(h.err(&["AUTH", "a", "b", "c"]), "ERR syntax error");
        assert_eq!(
            h.err(&["AUTH"]),
            "ERR wrong number of arguments for 'auth' command"
        );
    }

    #[test]
    fn quit_closes_after_reply() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["QUIT"]), Reply::ok());
        assert!(h.session.close_after_reply);
        assert!(!h.session.close_now);
    }

    #[test]
    fn select_and_reset() {
        let mut h = Harness::new();
        assert_eq!(h.run(&["SELECT", "15"]), Reply::ok());
        assert_eq!((h.session.db, h.session.client.db()), (15, 15));
        assert_eq!(h.err(&["SELECT", "16"]), "ERR DB index is out of range");
        assert_eq!(h.err(&["SELECT", "-1"]), "ERR DB index is out of range");
        for bad in ["x", "1.0", "99999999999999999999"] {
            assert_eq!(
                h.err(&["SELECT", bad]),
                "ERR value is not an integer or out of range"
            );
        }
        assert_eq!(
            h.err(&["SELECT", "-99999999999"]),
            "ERR value is out of range, value must between -2147483648 and 2147483647"
        );
        h.run(&["HELLO", "3", "SETNAME", "n"]);
        h.run(&["CLIENT", "SETINFO", "LIB-NAME", "lib"]);
        assert_eq!(h.run(&["RESET"]), Reply::simple("RESET"));
        assert_eq!(h.session.db, 0);
        assert_eq!(h.session.client.db(), 0);
        assert_eq!(h.session.protocol, Protocol::Resp2);
        assert_eq!(h.session.client.protocol(), 2);
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        assert_eq!(h.session.client.lib_name.lock().as_ref(), b"lib");
        assert_eq!(
            h.err(&["RESET", "x"]),
            "ERR wrong number of arguments for 'reset' command"
        );
    }
}
