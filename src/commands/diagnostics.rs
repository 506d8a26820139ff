//! SLOWLOG and LATENCY: what the slow log ([`crate::slowlog`]) and the latency monitor
//! ([`crate::latency`]) recorded.
//!
//! - `SLOWLOG GET [count]` → array of entries, newest first (10 by default, all with -1),
//!   each `[id, unix time, microseconds, [arguments...], "ip:port", client name]`. Error:
//!   `count should be greater than or equal to -1`.
//! - `SLOWLOG LEN` → integer; `SLOWLOG RESET` → `OK`; `SLOWLOG HELP` → status lines.
//! - `LATENCY LATEST` → array of `[event, unix time, latest ms, all-time max ms]`.
//! - `LATENCY HISTORY event` → array of `[unix time, ms]`, oldest first (empty for an
//!   unknown event).
//! - `LATENCY RESET [event ...]` → integer: how many events were reset (all without names).
//! - `LATENCY DOCTOR` → verbatim text: Redis's report and advice.
//! - `LATENCY GRAPH event` → verbatim text: an ASCII sparkline. Error: `No samples
//!   available for event '<event>'`.
//! - `LATENCY HISTOGRAM [command ...]` → map of command → `{calls, histogram_usec}`.
//! - `LATENCY HELP` → status lines.

use bytes::Bytes;

use super::command::help_reply;
use super::{Command, Ctx, Reply};
use crate::error::{Error, Result};

const SLOWLOG_SUBS: &[Command] = &[
    Command::new("get", slowlog_get).of("slowlog"),
    Command::new("len", slowlog_len).of("slowlog"),
    Command::new("reset", slowlog_reset).of("slowlog"),
    Command::new("help", slowlog_help).of("slowlog"),
];

const LATENCY_SUBS: &[Command] = &[
    Command::new("latest", latency_latest).of("latency"),
    Command::new("history", latency_history).of("latency"),
    Command::new("reset", latency_reset).of("latency"),
    Command::new("doctor", latency_doctor).of("latency"),
    Command::new("graph", latency_graph).of("latency"),
    Command::new("histogram", latency_histogram).of("latency"),
    Command::new("help", latency_help).of("latency"),
];

pub static COMMANDS: &[Command] = &[
    Command::container("slowlog", SLOWLOG_SUBS),
    Command::container("latency", LATENCY_SUBS),
];

fn slowlog_get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    if argv.len() > 3 {
        return Err(Error::err(format!(
            "unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            String::from_utf8_lossy(&argv[1])
        )));
    }
    let count = match argv.get(2) {
        None => Some(10),
        Some(arg) => match crate::store::numeric::parse_i64(arg) {
            Some(-1) => None,
            Some(n) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => {
                return Err(Error::err("count should be greater than or equal to -1"));
            }
        },
    };
    Ok(Reply::Array(
        ctx.server
            .slowlog
            .newest(count)
            .into_iter()
            .map(|e| {
                Reply::Array(vec![
                    Reply::Integer(e.id as i64),
                    Reply::Integer(e.unix_secs as i64),
                    Reply::Integer(e.duration_us as i64),
                    Reply::Array(e.argv.into_iter().map(Reply::Bulk).collect()),
                    Reply::bulk(e.peer),
                    Reply::Bulk(e.client_name),
                ])
            })
            .collect(),
    ))
}

fn slowlog_len(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::integer(ctx.server.slowlog.len()))
}

fn slowlog_reset(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    ctx.server.slowlog.reset();
    Ok(Reply::ok())
}

fn slowlog_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    ))
}

fn latency_latest(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(Reply::Array(
        ctx.server
            .latency
            .events()
            .into_iter()
            .map(|(event, series)| {
                let (time, latest, max) = series.latest();
                Reply::Array(vec![
                    Reply::bulk(event),
                    Reply::Integer(time as i64),
                    Reply::Integer(latest as i64),
                    Reply::Integer(max as i64),
                ])
            })
            .collect(),
    ))
}

fn latency_history(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let history = ctx
        .server
        .latency
        .series(&argv[2])
        .map_or_else(Vec::new, |s| s.history());
    Ok(Reply::Array(
        history
            .into_iter()
            .map(|(time, ms)| {
                Reply::Array(vec![Reply::Integer(time as i64), Reply::Integer(ms as i64)])
            })
            .collect(),
    ))
}

fn latency_reset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let names: Vec<&[u8]> = argv[2..].iter().map(|a| &a[..]).collect();
    Ok(Reply::integer(ctx.server.latency.reset(&names)))
}

fn latency_doctor(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    let (slower_than, hz) = {
        let config = ctx.server.config.read();
        (config.slowlog_log_slower_than, config.hz)
    };
    Ok(Reply::text(
        "txt",
        ctx.server.latency.doctor(slower_than, hz),
    ))
}

fn latency_graph(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let event = String::from_utf8_lossy(&argv[2]).into_owned();
    match ctx.server.latency.series(&argv[2]) {
        Some(series) => Ok(Reply::text("txt", crate::latency::graph(&event, &series))),
        None => Err(Error::err(format!(
            "No samples available for event '{event}'"
        ))),
    }
}

/// `LATENCY HISTOGRAM [command ...]` → a map: each command (or subcommand, `config|get`)
/// that has calls, or each named one (a container names its subcommands; unknown names
/// are skipped), → `{calls, histogram_usec}`, the histogram as bucket bound (µs) →
/// cumulative calls, only where the count grows (Redis's log-2 CDF).
fn latency_histogram(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let mut routes: Vec<&'static super::Route> = Vec::new();
    if argv.len() == 2 {
        routes.extend(super::all_routes().iter().copied());
    } else {
        for name in &argv[2..] {
            let Some(route) = super::route(name) else {
                continue;
            };
            if route.subcommands.is_empty() {
                routes.push(route);
            } else {
                routes.extend(route.subcommands.iter());
            }
        }
    }
    let stats = &ctx.server.stats.commands;
    let mut out = Vec::new();
    for route in routes {
        if out
            .iter()
            .any(|(name, _): &(Reply, Reply)| *name == Reply::bulk(route.full_name.clone()))
        {
            continue;
        }
        let buckets = stats.latency_histogram(route.id);
        let calls: u64 = buckets.iter().sum();
        if calls == 0 {
            continue;
        }
        let mut cumulative = 0;
        let mut cdf = Vec::new();
        for (k, n) in buckets.iter().enumerate() {
            if *n > 0 {
                cumulative += n;
                let bound = crate::exec::stats::bucket_upper_ns(k) / 1000;
                cdf.push((
                    Reply::Integer(bound as i64),
                    Reply::Integer(cumulative as i64),
                ));
            }
        }
        out.push((
            Reply::bulk(route.full_name.clone()),
            Reply::Map(vec![
                (Reply::bulk("calls"), Reply::Integer(calls as i64)),
                (Reply::bulk("histogram_usec"), Reply::Map(cdf)),
            ]),
        ));
    }
    Ok(Reply::Map(out))
}

fn latency_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Result<Reply> {
    Ok(help_reply(
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    ))
}
