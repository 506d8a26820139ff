//! The `CLIENT` container: the calling connection's identity and the registry of connected
//! clients (`ServerState::clients`).
//!
//! - `CLIENT ID` → integer.
//! - `CLIENT SETNAME name` → `OK`; an empty name clears it. Names are printable ASCII
//!   without spaces (`ERR Client names cannot contain spaces, newlines or special
//!   characters.`).
//! - `CLIENT GETNAME` → bulk string, or null when unset.
//! - `CLIENT SETINFO LIB-NAME|LIB-VER value` (7.2) → `OK`; errors `ERR Unrecognized option
//!   '<attr>'` and `ERR <attr> cannot contain spaces, newlines or special characters.`
//! - `CLIENT INFO` → verbatim text: this client's line.
//! - `CLIENT LIST [TYPE normal|master|replica|slave|pubsub] [ID id ...]` → verbatim text:
//!   one line per client, each ending in "\n", in the Redis 7.2 format.
//! - `CLIENT KILL addr:port` → `OK` or `ERR No such client`;
//!   `CLIENT KILL [ID id] [ADDR a] [LADDR a] [USER u] [TYPE t] [SKIPME yes|no] ...` →
//!   integer: how many clients were closed.
//! - `CLIENT UNBLOCK id [TIMEOUT|ERROR]` → integer 1 when the client was blocked (in
//!   BLPOP and the like) and is now released: with its timeout reply, or with ERROR the
//!   error `UNBLOCKED client unblocked via CLIENT UNBLOCK`; 0 when it was not blocked.
//! - `CLIENT REPLY ON|OFF|SKIP` → `OK` for ON; nothing for OFF (no replies until ON) and
//!   SKIP (no reply to the next command); `ERR syntax error`. Pushes (pub/sub messages,
//!   invalidations, subscribe confirmations) still go out, as Redis sends them. Refused on
//!   gRPC, where every call answers.
//! - `CLIENT HELP` → array of status lines.
//!
//! A client with a pub/sub subscription is of type `pubsub` (flag `P`), any other of type
//! `normal`. The memory fields (`qbuf` ... `tot-mem`) are what the connection last
//! published (see [`crate::state::ClientMemory`]); the caller's own line counts its
//! running command as Redis does: still in its query buffer, and as its `argv-mem`.

use std::fmt::Write as _;

use bytes::Bytes;

use super::args;
use super::command::help_reply;
use super::{Command, Ctx, Reply};
use crate::blocking::UnblockMode;
use crate::error::{Error, Result};
use crate::state::{ClientInfo, ServerState};
use crate::tracking::TrackingOptions;

const SUBS: &[Command] = &[
    Command::new("id", id).of("client"),
    Command::new("setname", setname).of("client"),
    Command::new("getname", getname).of("client"),
    Command::new("setinfo", setinfo).of("client"),
    Command::new("info", info).of("client"),
    Command::new("list", list).of("client"),
    Command::new("kill", kill).of("client"),
    Command::new("unblock", unblock).of("client"),
    Command::new("tracking", tracking).of("client"),
    Command::new("caching", caching).of("client"),
    Command::new("reply", reply).of("client"),
    Command::new("getredir", getredir).of("client"),
    Command::new("trackinginfo", trackinginfo).of("client"),
    Command::new("help", help).of("client"),
];

pub static COMMANDS: &[Command] = &[Command::container("client", SUBS)];

fn id(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(ctx.session.client.id))
}

/// Redis's `validateClientAttr`: printable ASCII other than space, so that `CLIENT LIST`
/// stays splittable on spaces.
fn valid_attr(value: &[u8]) -> bool {
    value.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

/// Checks a client name (`CLIENT SETNAME`, `HELLO ... SETNAME`); the error is Redis's.
pub fn check_name(name: &[u8]) -> Result<()> {
    if valid_attr(name) {
        Ok(())
    } else {
        Err(Error::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ))
    }
}

/// Sets (or, when empty, clears) the client name.
pub fn set_name(client: &ClientInfo, name: &[u8]) -> Result<()> {
    check_name(name)?;
    *client.name.lock() = Bytes::copy_from_slice(name);
    Ok(())
}

fn setname(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    set_name(&ctx.session.client, &argv[2])?;
    Ok(Reply::ok())
}

fn getname(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let name = ctx.session.client.name.lock().clone();
    Ok(if name.is_empty() {
        Reply::Null
    } else {
        Reply::Bulk(name)
    })
}

fn setinfo(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (attr, value) = (&argv[2], &argv[3]);
    let client = &ctx.session.client;
    let slot = if attr.eq_ignore_ascii_case(b"lib-name") {
        &client.lib_name
    } else if attr.eq_ignore_ascii_case(b"lib-ver") {
        &client.lib_ver
    } else {
        return Err(Error::err(format!(
            "Unrecognized option '{}'",
            String::from_utf8_lossy(attr)
        )));
    };
    if !valid_attr(value) {
        return Err(Error::err(format!(
            "{} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attr)
        )));
    }
    *slot.lock() = Bytes::copy_from_slice(value);
    Ok(Reply::ok())
}

/// One `CLIENT LIST` line (without its "\n"), in Redis 7.2's field order. The flags are
/// Redis's, in its order: `P` subscribed (pub/sub), `x` in `MULTI`, `b` blocked (BLPOP and
/// the like), `d` a watched key changed, `N` none of them.
pub fn client_line(server: &ServerState, client: &ClientInfo, running: Option<&[Bytes]>) -> String {
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    let mut flags = String::new();
    let (sub, psub, ssub) = client.subscription_counts();
    if client.monitoring() {
        flags.push('O');
    }
    if client.subscribed() {
        flags.push('P');
    }
    if client.multi() >= 0 {
        flags.push('x');
    }
    if server.blocking.is_blocked(client.id) {
        flags.push('b');
    }
    let (redirect, tracking_flags) = {
        let t = client.tracking.lock();
        let flags: String = [(t.on, 't'), (t.broken_redirect, 'R'), (t.bcast, 'B')]
            .iter()
            .filter(|(set, _)| *set)
            .map(|&(_, flag)| flag)
            .collect();
        (if t.on { t.redirect as i64 } else { -1 }, flags)
    };
    flags.push_str(&tracking_flags);
    if server.watches.is_dirty(client.id) {
        flags.push('d');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let mut mem = client.memory();
    if let Some(argv) = running {
        mem.argv = crate::state::argv_mem(argv);
        if client.kind == crate::state::ClientKind::Resp {
            let capacity = mem.query_buffer + mem.query_free;
            mem.query_buffer += resp_size(argv);
            mem.query_free = capacity.saturating_sub(mem.query_buffer);
        }
        mem.total = mem.totalled();
    }
    let mut line = String::with_capacity(320);
    let _ = write!(
        line,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} \
         ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} \
         oll={} omem={} tot-mem={} events={} cmd={} user={} redir={} resp={} lib-name={} \
         lib-ver={}",
        client.id,
        client.addr,
        client.laddr,
        client.fd(),
        text(&client.name.lock()),
        client.created.elapsed().as_secs(),
        client.idle_secs(),
        flags,
        client.db(),
        sub,
        psub,
        ssub,
        client.multi(),
        mem.query_buffer,
        mem.query_free,
        mem.argv,
        mem.multi,
        mem.reply_size,
        mem.reply_peak,
        mem.output_buffer,
        mem.output_list,
        mem.output_memory,
        mem.total,
        // Redis also waits to write (`w`) to a client whose replies are not all taken.
        if mem.output_buffer > 0 { "rw" } else { "r" },
        client.last_command().map_or("NULL", |id| {
            crate::commands::all_routes()[id].full_name.as_str()
        }),
        text(&client.user_name()),
        redirect,
        client.protocol(),
        text(&client.lib_name.lock()),
        text(&client.lib_ver.lock()),
    );
    line
}

/// Bytes of `argv` as a RESP multibulk request: what the running command occupies in its
/// client's query buffer.
fn resp_size(argv: &[Bytes]) -> u64 {
    let header = |n: usize| 3 + n.to_string().len() as u64;
    header(argv.len())
        + argv
            .iter()
            .map(|a| header(a.len()) + a.len() as u64 + 2)
            .sum::<u64>()
}

fn info(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut text = client_line(ctx.server, &ctx.session.client, Some(argv));
    text.push('\n');
    Ok(Reply::text("txt", text))
}

/// Client types as `TYPE` options name them. A Memorabilia client is `pubsub` while it is
/// subscribed to something, else `normal`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

impl ClientType {
    fn of(client: &ClientInfo) -> ClientType {
        if client.subscribed() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }
}

fn client_type(name: &[u8]) -> Result<ClientType> {
    let lower = name.to_ascii_lowercase();
    Ok(match lower.as_slice() {
        b"normal" => ClientType::Normal,
        b"slave" | b"replica" => ClientType::Replica,
        b"pubsub" => ClientType::PubSub,
        b"master" => ClientType::Master,
        _ => {
            return Err(Error::err(format!(
                "Unknown client type '{}'",
                String::from_utf8_lossy(name)
            )));
        }
    })
}

fn list(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let clients = ctx.server.clients.list();
    let mut text = String::new();
    let me = ctx.session.client.id;
    let mut add = |c: &ClientInfo| {
        let running = (c.id == me).then_some(argv);
        text.push_str(&client_line(ctx.server, c, running));
        text.push('\n');
    };
    if argv.len() == 4 && argv[2].eq_ignore_ascii_case(b"type") {
        let wanted = client_type(&argv[3])?;
        clients
            .iter()
            .filter(|c| ClientType::of(c) == wanted)
            .for_each(|c| add(c));
    } else if argv.len() > 3 && argv[2].eq_ignore_ascii_case(b"id") {
        let ids = argv[3..]
            .iter()
            .map(|a| {
                crate::store::numeric::parse_i64(a).ok_or_else(|| Error::err("Invalid client ID"))
            })
            .collect::<Result<Vec<i64>>>()?;
        for id in ids {
            if let Some(c) = clients.iter().find(|c| c.id as i64 == id) {
                add(c);
            }
        }
    } else if argv.len() != 2 {
        return Err(Error::Syntax);
    } else {
        clients.iter().for_each(|c| add(c));
    }
    Ok(Reply::text("txt", text))
}

fn kill(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut kind: Option<ClientType> = None;
    let mut id: Option<u64> = None;
    let mut user: Option<&Bytes> = None;
    let mut skipme = true;
    let old_style = argv.len() == 3;
    if old_style {
        // CLIENT KILL addr:port, which may kill the caller itself.
        addr = Some(&argv[2]);
        skipme = false;
    } else {
        for pair in argv[2..].chunks(2) {
            let [option, value] = pair else {
                return Err(Error::Syntax);
            };
            match option.to_ascii_lowercase().as_slice() {
                b"id" => {
                    let n = crate::store::numeric::parse_i64(value)
                        .filter(|&n| n >= 1)
                        .ok_or_else(|| Error::err("client-id should be greater than 0"))?;
                    id = Some(n as u64);
                }
                b"type" => kind = Some(client_type(value)?),
                b"addr" => addr = Some(value),
                b"laddr" => laddr = Some(value),
                b"user" => {
                    if ctx.server.acl.user(value).is_none() {
                        return Err(Error::err(format!(
                            "No such user '{}'",
                            String::from_utf8_lossy(value)
                        )));
                    }
                    user = Some(value);
                }
                b"skipme" => {
                    skipme = if value.eq_ignore_ascii_case(b"yes") {
                        true
                    } else if value.eq_ignore_ascii_case(b"no") {
                        false
                    } else {
                        return Err(Error::Syntax);
                    }
                }
                _ => return Err(Error::Syntax),
            }
        }
    }
    let me = ctx.session.client.id;
    let mut killed = 0;
    for client in ctx.server.clients.list() {
        if addr.is_some_and(|a| a != client.addr.as_bytes())
            || laddr.is_some_and(|a| a != client.laddr.as_bytes())
            || kind.is_some_and(|k| k != ClientType::of(&client))
            || id.is_some_and(|id| id != client.id)
            || user.is_some_and(|u| *u != client.user_name())
            || (client.id == me && skipme)
        {
            continue;
        }
        if client.id == me {
            // Like Redis, the caller still gets its reply before the connection closes.
            ctx.session.close_after_reply = true;
        } else {
            // Gone from the registry at once, as Redis frees it at once; the connection
            // closes as soon as its task sees the token.
            client.kill.cancel();
            ctx.server.clients.unregister(client.id);
        }
        killed += 1;
    }
    if old_style {
        if killed == 0 {
            return Err(Error::err("No such client"));
        }
        return Ok(Reply::ok());
    }
    Ok(Reply::integer(killed))
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]` → 1 when the client was blocked, else 0.
fn unblock(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() > 4 {
        // Redis checks this subcommand's argument count itself, naming it as given.
        return Err(Error::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            String::from_utf8_lossy(&argv[1])
        )));
    }
    let id = crate::commands::args::int(&argv[2])?;
    let mode = match argv.get(3) {
        None => UnblockMode::Timeout,
        Some(m) if m.eq_ignore_ascii_case(b"timeout") => UnblockMode::Timeout,
        Some(m) if m.eq_ignore_ascii_case(b"error") => UnblockMode::Error,
        Some(_) => {
            return Err(Error::err(
                "CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ));
        }
    };
    let released =
        u64::try_from(id).is_ok_and(|id| ctx.server.blocking.unblock(ctx.server, id, mode));
    Ok(Reply::Integer(released.into()))
}

/// Redis's text for a `BCAST` prefix overlapping another (`checkPrefixCollisionsOrReply`);
/// Redis prints the prefixes as C strings, so a NUL ends each.
fn prefix_overlap(prefix: &[u8], other: &[u8], kind: &str) -> Error {
    let c_string = |s: &[u8]| s.split(|&b| b == 0).next().unwrap_or_default().to_vec();
    let (prefix, other) = (c_string(prefix), c_string(other));
    Error::err(format!(
        "Prefix '{}' overlaps with {kind} '{}'. Prefixes for a single client must not overlap.",
        String::from_utf8_lossy(&prefix),
        String::from_utf8_lossy(&other)
    ))
}

/// Two prefixes overlap when one starts with the other (both would see some key).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

fn tracking(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut options = TrackingOptions::default();
    let mut i = 3;
    while i < argv.len() {
        let arg = &argv[i];
        let more = i + 1 < argv.len();
        if arg.eq_ignore_ascii_case(b"redirect") && more {
            i += 1;
            if options.redirect != 0 {
                return Err(Error::err(
                    "A client can only redirect to a single other client",
                ));
            }
            let id = args::int(&argv[i])? as u64;
            // The target must exist now, though it may go later.
            if ctx.server.clients.get(id).is_none() {
                return Err(Error::err(
                    "The client ID you want redirect to does not exist",
                ));
            }
            options.redirect = id;
        } else if arg.eq_ignore_ascii_case(b"bcast") {
            options.bcast = true;
        } else if arg.eq_ignore_ascii_case(b"optin") {
            options.optin = true;
        } else if arg.eq_ignore_ascii_case(b"optout") {
            options.optout = true;
        } else if arg.eq_ignore_ascii_case(b"noloop") {
            options.noloop = true;
        } else if arg.eq_ignore_ascii_case(b"prefix") && more {
            i += 1;
            options.prefixes.push(argv[i].clone());
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    let client = &ctx.session.client;
    if argv[2].eq_ignore_ascii_case(b"off") {
        ctx.server.tracking.disable(client);
        return Ok(Reply::ok());
    }
    if !argv[2].eq_ignore_ascii_case(b"on") {
        return Err(Error::Syntax);
    }
    if !options.bcast && !options.prefixes.is_empty() {
        return Err(Error::err(
            "PREFIX option requires BCAST mode to be enabled",
        ));
    }
    let current = client.tracking.lock().clone();
    if current.on && current.bcast != options.bcast {
        return Err(Error::err(
            "You can't switch BCAST mode on/off before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    if options.bcast && (options.optin || options.optout) {
        return Err(Error::err("OPTIN and OPTOUT are not compatible with BCAST"));
    }
    if options.optin && options.optout {
        return Err(Error::err(
            "You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if (options.optin && current.optout) || (options.optout && current.optin) {
        return Err(Error::err(
            "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
             and then re-enabling it with a different mode.",
        ));
    }
    if options.bcast {
        for (i, prefix) in options.prefixes.iter().enumerate() {
            if let Some(existing) = current.prefixes.iter().find(|p| overlaps(p, prefix)) {
                return Err(prefix_overlap(prefix, existing, "an existing prefix"));
            }
            if let Some(other) = options.prefixes[i + 1..]
                .iter()
                .find(|p| overlaps(prefix, p))
            {
                return Err(prefix_overlap(prefix, other, "another provided prefix"));
            }
        }
    }
    ctx.server.tracking.enable(client, options);
    Ok(Reply::ok())
}

fn caching(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut state = ctx.session.client.tracking.lock();
    if !state.on {
        return Err(Error::err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN \
             or OPTOUT mode enabled",
        ));
    }
    if argv[2].eq_ignore_ascii_case(b"yes") {
        if !state.optin {
            return Err(Error::err(
                "CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if argv[2].eq_ignore_ascii_case(b"no") {
        if !state.optout {
            return Err(Error::err(
                "CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(Error::Syntax);
    }
    state.caching = true;
    Ok(Reply::ok())
}

fn reply(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    use super::ReplyMode;
    if !ctx.session.pushes {
        return Err(Error::err(
            "CLIENT REPLY isn't allowed for a client that needs every reply (gRPC)",
        ));
    }
    let mode = &mut ctx.session.reply_mode;
    if super::args::is(&argv[2], "on") {
        *mode = ReplyMode::On;
        Ok(Reply::ok())
    } else if super::args::is(&argv[2], "off") {
        *mode = ReplyMode::Off;
        Ok(Reply::Sequence(Vec::new()))
    } else if super::args::is(&argv[2], "skip") {
        if *mode != ReplyMode::Off {
            *mode = ReplyMode::SkipNext;
        }
        Ok(Reply::Sequence(Vec::new()))
    } else {
        Err(Error::Syntax)
    }
}

fn getredir(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let state = ctx.session.client.tracking.lock();
    Ok(Reply::Integer(if state.on {
        state.redirect as i64
    } else {
        -1
    }))
}

/// `CLIENT TRACKINGINFO` → map: `flags` (a set: `on`/`off`, `bcast`, `optin`,
/// `caching-yes`, `optout`, `caching-no`, `noloop`, `broken_redirect`), `redirect` (-1 when
/// off, 0 for none), `prefixes`.
fn trackinginfo(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let state = ctx.session.client.tracking.lock();
    let mut flags = vec![if state.on { "on" } else { "off" }];
    for (set, flag) in [
        (state.bcast, "bcast"),
        (state.optin, "optin"),
        (state.optin && state.caching, "caching-yes"),
        (state.optout, "optout"),
        (state.optout && state.caching, "caching-no"),
        (state.noloop, "noloop"),
        (state.broken_redirect, "broken_redirect"),
    ] {
        if set {
            flags.push(flag);
        }
    }
    let redirect = if state.on { state.redirect as i64 } else { -1 };
    Ok(Reply::Map(vec![
        (
            Reply::bulk_static("flags"),
            Reply::Set(flags.into_iter().map(Reply::bulk_static).collect()),
        ),
        (Reply::bulk_static("redirect"), Reply::Integer(redirect)),
        (
            Reply::bulk_static("prefixes"),
            Reply::Array(state.prefixes.iter().cloned().map(Reply::Bulk).collect()),
        ),
    ]))
}

fn help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::test_support::Harness;
    use crate::state::ClientKind;

    /// A harness whose session is a registered client, as a real connection's is.
    fn registered() -> Harness {
        let mut h = Harness::new();
        h.session.client = h.server.clients.register(
            ClientKind::Resp,
            "127.0.0.1:50000".into(),
            "127.0.0.1:6379".into(),
        );
        h
    }

    fn text(reply: Reply) -> String {
        match reply {
            Reply::Verbatim(f, t) if f == "txt" => String::from_utf8(t.to_vec()).unwrap(),
            other => panic!("expected verbatim text, got {other:?}"),
        }
    }

    #[test]
    fn id_and_names() {
        let mut h = registered();
        assert_eq!(
            h.run(&["CLIENT", "ID"]),
            Reply::integer(h.session.client.id)
        );
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        assert_eq!(h.run(&["CLIENT", "SETNAME", "conn-1"]), Reply::ok());
        assert_eq!(h.run(&["client", "getname"]), Reply::bulk("conn-1"));
        for bad in ["a b", "a\nb", "é"] {
            assert_eq!(
                h.err(&["CLIENT", "SETNAME", bad]),
                "ERR Client names cannot contain spaces, newlines or special characters."
            );
        }
        assert_eq!(h.run(&["CLIENT", "SETNAME", ""]), Reply::ok());
        assert_eq!(h.run(&["CLIENT", "GETNAME"]), Reply::Null);
        assert_eq!(
            h.err(&["CLIENT", "GETNAME", "x"]),
            "ERR wrong number of arguments for 'client|getname' command"
        );
        assert_eq!(
            h.err(&["CLIENT", "NOPE"]),
            "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."
        );
    }

    #[test]
    fn setinfo_follows_redis_7_2() {
        let mut h = registered();
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "LIB-NAME", "redis-py(x)"]),
            Reply::ok()
        );
        assert_eq!(
            h.run(&["CLIENT", "SETINFO", "lib-ver", "5.0.1"]),
            Reply::ok()
        );
        assert_eq!(
            h.err(&["CLIENT", "SETINFO", "lib-foo", "x"]),
            "ERR Unrecognized option 'lib-foo'"
        );
        assert_eq!(
            h.err(&["CLIENT", "SETINFO", "LIB-NAME", "a b"]),
            "ERR LIB-NAME cannot contain spaces, newlines or special characters."
        );
        let line = text(h.run(&["CLIENT", "INFO"]));
        assert!(
            line.ends_with(" lib-name=redis-py(x) lib-ver=5.0.1\n"),
            "{line}"
        );
    }

    #[test]
    fn info_line_format() {
        let mut h = registered();
        h.run(&["CLIENT", "SETNAME", "me"]);
        let line = text(h.run(&["CLIENT", "INFO"]));
        let id = h.session.client.id;
        // The running CLIENT INFO is in the query buffer (26 bytes of RESP) and its
        // arguments are its argv-mem, as in Redis; no connection published buffers here.
        let total = 26 + 10 + std::mem::size_of::<ClientInfo>();
        assert_eq!(
            line,
            format!(
                "id={id} addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=-1 name=me age=0 idle=0 \
                 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=0 argv-mem=10 \
                 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem={total} events=r \
                 cmd=client|info user=default redir=-1 resp=2 lib-name= lib-ver=\n"
            )
        );
    }

    #[test]
    fn list_filters() {
        let mut h = registered();
        let other = h
            .server
            .clients
            .register(ClientKind::Resp, "10.0.0.2:1".into(), "x:1".into());
        let all = text(h.run(&["CLIENT", "LIST"]));
        assert_eq!(all.lines().count(), 2);
        assert!(all.ends_with('\n'));
        let one = text(h.run(&["CLIENT", "LIST", "ID", &other.id.to_string(), "999"]));
        assert!(one.starts_with(&format!("id={} addr=10.0.0.2:1 ", other.id)));
        assert_eq!(one.lines().count(), 1);
        assert_eq!(
            text(h.run(&["CLIENT", "LIST", "TYPE", "NORMAL"]))
                .lines()
                .count(),
            2
        );
        assert_eq!(text(h.run(&["CLIENT", "LIST", "TYPE", "pubsub"])), "");
        assert_eq!(
            h.err(&["CLIENT", "LIST", "TYPE", "foo"]),
            "ERR Unknown client type 'foo'"
        );
        assert_eq!(
            h.err(&["CLIENT", "LIST", "ID", "1", "x"]),
            "ERR Invalid client ID"
        );
        assert_eq!(h.err(&["CLIENT", "LIST", "ID"]), "ERR syntax error");
        assert_eq!(h.err(&["CLIENT", "LIST", "foo"]), "ERR syntax error");
    }

    #[test]
    fn kill_old_and_new_forms() {
        let mut h = registered();
        let victim = h
            .server
            .clients
            .register(ClientKind::Resp, "10.0.0.2:1".into(), "x:1".into());
        assert_eq!(
            h.err(&["CLIENT", "KILL", "1.2.3.4:5"]),
            "ERR No such client"
        );
        assert_eq!(h.run(&["CLIENT", "KILL", "10.0.0.2:1"]), Reply::ok());
        assert!(victim.kill.is_cancelled());
        assert_eq!(h.server.clients.count(), 1);
        let victim = h
            .server
            .clients
            .register(ClientKind::Resp, "10.0.0.3:1".into(), "x:1".into());
        assert_eq!(
            h.run(&["CLIENT", "KILL", "ID", &victim.id.to_string()]),
            Reply::Integer(1)
        );
        assert!(victim.kill.is_cancelled());
        // SKIPME defaults to yes in the new form.
        assert_eq!(
            h.run(&["CLIENT", "KILL", "USER", "default"]),
            Reply::Integer(0)
        );
        assert!(!h.session.close_after_reply);
        assert_eq!(
            h.run(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]),
            Reply::Integer(1)
        );
        assert!(h.session.close_after_reply);
        for (args, err) in [
            (&["ID", "x"][..], "ERR client-id should be greater than 0"),
            (&["ID", "0"][..], "ERR client-id should be greater than 0"),
            (&["USER", "foo"][..], "ERR No such user 'foo'"),
            (&["TYPE", "bar"][..], "ERR Unknown client type 'bar'"),
            (&["SKIPME", "maybe"][..], "ERR syntax error"),
            (&["foo", "bar"][..], "ERR syntax error"),
            (&["ID", "1", "ADDR"][..], "ERR syntax error"),
        ] {
            let mut words = vec!["CLIENT", "KILL"];
            words.extend_from_slice(args);
            assert_eq!(h.err(&words), err, "{args:?}");
        }
        assert_eq!(
            h.err(&["CLIENT", "KILL"]),
            "ERR wrong number of arguments for 'client|kill' command"
        );
    }

    #[test]
    fn help_starts_and_ends_like_redis() {
        let mut h = registered();
        let Reply::Array(lines) = h.run(&["CLIENT", "HELP"]) else {
            panic!()
        };
        assert_eq!(
            lines[0],
            Reply::simple("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
        );
        assert_eq!(lines.last(), Some(&Reply::simple("    Prints this help.")));
    }
}
