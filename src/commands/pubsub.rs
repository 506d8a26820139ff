//! Pub/sub commands, as Redis 7.0 answers them: PUBLISH, SUBSCRIBE, UNSUBSCRIBE,
//! PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB.
//!
//! The (un)subscribe commands answer with one confirmation per name, pushed through the
//! client's outbox (see [`crate::pubsub`]) rather than as their reply, so that they are
//! ordered with the messages other clients publish. Inside `EXEC` they become the
//! command's reply instead, as Redis writes them there.
//!
//! # Commands
//! - `SUBSCRIBE channel [channel ...]` → for each channel `[subscribe, channel, count]`,
//!   count being the client's channels plus patterns. Then, for each message,
//!   `[message, channel, payload]`. `PSUBSCRIBE pattern [...]` → `[psubscribe, pattern,
//!   count]`, then `[pmessage, pattern, channel, payload]`. `SSUBSCRIBE shardchannel [...]`
//!   → `[ssubscribe, shardchannel, count]` (count of shard channels alone), then
//!   `[smessage, shardchannel, payload]`. RESP3 sends them all as push frames.
//! - `UNSUBSCRIBE [channel ...]`, `PUNSUBSCRIBE [pattern ...]`, `SUNSUBSCRIBE
//!   [shardchannel ...]` → `[unsubscribe, name, count]` for each name given (subscribed or
//!   not), or for each subscription when none is given; `[unsubscribe, nil, count]` when
//!   there was none.
//! - `PUBLISH channel message`, `SPUBLISH shardchannel message` → integer: deliveries made
//!   (a client subscribed to the channel and to a matching pattern counts twice).
//! - `PUBSUB CHANNELS [pattern]`, `PUBSUB SHARDCHANNELS [pattern]` → array of the channels
//!   with subscribers; `PUBSUB NUMSUB [channel ...]`, `PUBSUB SHARDNUMSUB [...]` → flat
//!   array of channel, subscriber count; `PUBSUB NUMPAT` → integer: patterns subscribed to.
//! - Errors: a client that cannot take pushes (a gRPC call) gets `ERR SUBSCRIBE isn't
//!   allowed for a DENY BLOCKING client`, as Redis answers clients that expect one reply per
//!   command. In RESP2, a subscribed client may only run the (un)subscribe commands, PING,
//!   QUIT and RESET (checked by the execution path).

use bytes::Bytes;

use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};
use crate::pubsub::{Confirm, Kind, Push};

pub static COMMANDS: &[Command] = &[
    Command::new("subscribe", subscribe),
    Command::new("unsubscribe", unsubscribe),
    Command::new("psubscribe", psubscribe),
    Command::new("punsubscribe", punsubscribe),
    // Shard channels are not keys (nothing is locked for them), but Redis prints their
    // positions as keys' in `COMMAND INFO`, for cluster clients to route them.
    Command::new("ssubscribe", ssubscribe),
    Command::new("sunsubscribe", sunsubscribe),
    Command::new("publish", publish),
    Command::new("spublish", spublish),
    Command::container("pubsub", PUBSUB_SUBCOMMANDS),
];

static PUBSUB_SUBCOMMANDS: &[Command] = &[
    // In the order redis-server 7.0 lists them (`COMMAND INFO`, `COMMAND DOCS`).
    Command::new("shardnumsub", shardnumsub).of("pubsub"),
    Command::new("channels", channels).of("pubsub"),
    Command::new("numsub", numsub).of("pubsub"),
    Command::new("shardchannels", shardchannels).of("pubsub"),
    Command::new("numpat", numpat).of("pubsub"),
    Command::new("help", help).of("pubsub"),
];

/// Commands a RESP2 client in subscribed mode may still run (Redis's `processCommand`).
pub const ALLOWED_WHILE_SUBSCRIBED: &[&str] = &[
    "ping",
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "quit",
    "reset",
];

/// The error a RESP2 subscriber gets for any other command.
pub fn not_allowed_while_subscribed(full_name: &str) -> Error {
    Error::err(format!(
        "Can't execute '{full_name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
         RESET are allowed in this context"
    ))
}

/// Where a command's confirmations go: its reply inside `EXEC` (or for a client that
/// takes no pushes), the outbox elsewhere.
fn confirm_to(ctx: &Ctx<'_>) -> Confirm {
    if ctx.session.deny_blocking || !ctx.session.pushes {
        Confirm::Return
    } else {
        Confirm::Outbox
    }
}

/// Inside `EXEC` the confirmations are the command's reply; elsewhere they went to the
/// outbox and the command has no reply of its own.
fn confirmations(pushes: Vec<Push>) -> Reply {
    Reply::Sequence(pushes.iter().map(Push::to_reply).collect())
}

fn subscribe_to(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> Result<Reply> {
    if !ctx.session.pushes {
        let name = argv[0].to_ascii_uppercase();
        return Err(Error::err(format!(
            "{} isn't allowed for a DENY BLOCKING client",
            String::from_utf8_lossy(&name)
        )));
    }
    let pushes =
        ctx.server
            .pubsub
            .subscribe(&ctx.session.client, kind, &argv[1..], confirm_to(ctx));
    Ok(confirmations(pushes))
}

fn unsubscribe_from(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> Result<Reply> {
    let pushes =
        ctx.server
            .pubsub
            .unsubscribe(&ctx.session.client, kind, &argv[1..], confirm_to(ctx));
    Ok(confirmations(pushes))
}

/// `SUBSCRIBE channel [channel ...]`.
fn subscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    subscribe_to(ctx, argv, Kind::Channel)
}

/// `PSUBSCRIBE pattern [pattern ...]`.
fn psubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    subscribe_to(ctx, argv, Kind::Pattern)
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]`.
fn ssubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    // Unlike (P)SUBSCRIBE, Redis refuses SSUBSCRIBE inside EXEC too.
    if ctx.session.deny_blocking {
        return Err(Error::err(
            "SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
        ));
    }
    subscribe_to(ctx, argv, Kind::Shard)
}

/// `UNSUBSCRIBE [channel ...]`.
fn unsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    unsubscribe_from(ctx, argv, Kind::Channel)
}

/// `PUNSUBSCRIBE [pattern ...]`.
fn punsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    unsubscribe_from(ctx, argv, Kind::Pattern)
}

/// `SUNSUBSCRIBE [shardchannel ...]`.
fn sunsubscribe(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    unsubscribe_from(ctx, argv, Kind::Shard)
}

/// `PUBLISH channel message` → deliveries made.
fn publish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(
        ctx.server.pubsub.publish(&argv[1], &argv[2], false),
    ))
}

/// `SPUBLISH shardchannel message` → deliveries made.
fn spublish(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(
        ctx.server.pubsub.publish(&argv[1], &argv[2], true),
    ))
}

/// `PUBSUB CHANNELS [pattern]` / `PUBSUB SHARDCHANNELS [pattern]`.
fn list_channels(ctx: &mut Ctx<'_>, argv: &[Bytes], shard: bool) -> Result<Reply> {
    if argv.len() > 3 {
        return Err(subcommand_syntax(argv));
    }
    let pattern = argv.get(2).map(|p| &p[..]);
    Ok(Reply::bulks(
        ctx.server.pubsub.active_channels(shard, pattern),
    ))
}

/// `PUBSUB NUMSUB [channel ...]` / `PUBSUB SHARDNUMSUB [shardchannel ...]`.
fn count_subscribers(ctx: &mut Ctx<'_>, argv: &[Bytes], shard: bool) -> Result<Reply> {
    let mut items = Vec::with_capacity((argv.len() - 2) * 2);
    for channel in &argv[2..] {
        items.push(Reply::Bulk(channel.clone()));
        items.push(Reply::integer(
            ctx.server.pubsub.subscribers(shard, channel),
        ));
    }
    Ok(Reply::Array(items))
}

fn channels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    list_channels(ctx, argv, false)
}

fn shardchannels(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    list_channels(ctx, argv, true)
}

fn numsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    count_subscribers(ctx, argv, false)
}

fn shardnumsub(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    count_subscribers(ctx, argv, true)
}

/// `PUBSUB NUMPAT` → patterns with at least one subscriber.
fn numpat(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(ctx.server.pubsub.sizes().1))
}

/// Redis's `addReplySubcommandSyntaxError`.
fn subcommand_syntax(argv: &[Bytes]) -> Error {
    Error::err(format!(
        "unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
        super::truncated(&argv[1], 128)
    ))
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(super::command::help_reply(
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> \
             (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use crate::commands::Reply;
    use crate::commands::test_support::Harness;

    #[test]
    fn a_client_without_pushes_cannot_subscribe_but_can_publish() {
        let mut h = Harness::new();
        for (command, name) in [
            ("SUBSCRIBE", "SUBSCRIBE"),
            ("psubscribe", "PSUBSCRIBE"),
            ("SSUBSCRIBE", "SSUBSCRIBE"),
        ] {
            assert_eq!(
                h.err(&[command, "c"]),
                format!("ERR {name} isn't allowed for a DENY BLOCKING client")
            );
        }
        assert_eq!(h.run(&["PUBLISH", "c", "m"]), Reply::Integer(0));
        assert_eq!(h.run(&["PUBSUB", "NUMPAT"]), Reply::Integer(0));
    }

    #[test]
    fn resp2_subscribers_may_only_run_the_subscription_commands() {
        let mut h = Harness::new();
        h.session.pushes = true;
        assert_eq!(h.run(&["SUBSCRIBE", "c"]), Reply::Sequence(vec![]));
        assert_eq!(
            h.err(&["GET", "k"]),
            "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / \
             RESET are allowed in this context"
        );
        assert_eq!(
            h.err(&["CLIENT", "ID"]),
            "ERR Can't execute 'client|id': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / \
             QUIT / RESET are allowed in this context"
        );
        assert_eq!(
            h.run(&["PING"]),
            Reply::Array(vec![Reply::bulk("pong"), Reply::bulk("")])
        );
        // Even HELLO is refused there; a RESP3 subscriber (one that said HELLO 3 before
        // subscribing) has no restriction.
        assert!(
            h.err(&["HELLO", "3"])
                .starts_with("ERR Can't execute 'hello'")
        );
        h.session.protocol = crate::commands::Protocol::Resp3;
        assert_eq!(h.run(&["GET", "k"]), Reply::Null);
        assert_eq!(h.run(&["PING"]), Reply::simple("PONG"));
        // RESET leaves subscribed mode (and RESP3).
        assert_eq!(h.run(&["RESET"]), Reply::simple("RESET"));
        assert!(!h.session.client.subscribed());
        assert_eq!(h.run(&["GET", "k"]), Reply::Null);
    }

    #[test]
    fn pubsub_subcommands_check_their_arguments_as_redis() {
        let mut h = Harness::new();
        assert_eq!(
            h.err(&["PUBSUB", "channels", "a", "b"]),
            "ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB \
             HELP."
        );
        assert_eq!(
            h.err(&["PUBSUB", "NUMPAT", "x"]),
            "ERR wrong number of arguments for 'pubsub|numpat' command"
        );
        assert_eq!(
            h.err(&["PUBSUB", "nope"]),
            "ERR unknown subcommand 'nope'. Try PUBSUB HELP."
        );
        assert_eq!(h.run(&["PUBSUB", "NUMSUB"]), Reply::Array(vec![]));
        assert_eq!(
            h.run(&["PUBSUB", "SHARDNUMSUB", "a"]),
            Reply::Array(vec![Reply::bulk("a"), Reply::Integer(0)])
        );
    }
}
