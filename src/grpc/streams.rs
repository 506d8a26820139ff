//! The typed stream RPCs: XAdd, XRange, XRead (XREAD / XREADGROUP, blocking), XAck, and
//! XFollow, a server stream that follows a stream or consumes a group's share of it.
//!
//! Each request becomes the Redis arguments of its command and runs that command's own
//! code (`crate::commands::streams`), so ids, options, errors and what reaches the AOF are
//! the command's; the reply becomes the typed response. XRead shares the plan / serve /
//! wait steps of XREAD, and XFollow is a loop of XRead calls on a client of its own, each
//! starting where the previous one ended, so nothing is skipped or repeated.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;
use tonic::Status;

use super::convert;
use super::proto;
use super::service::Answer;
use super::typed::Typed;
use crate::blocking::{Outcome, UNBLOCKED_ERROR, UnblockMode};
use crate::commands::streams::{self as ops, Served};
use crate::commands::{BlockOn, Ctx, Reply, Session};
use crate::error::{Error, Result};
use crate::exec;
use crate::state::{ClientGuard, ClientInfo, ServerState};
use crate::store::ValueType;

fn word(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn text(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn id_text(b: &Bytes) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A reply entry `[id, [field, value, ...]]` (or `[id, null]`) as a typed entry.
fn entry(reply: Reply) -> proto::StreamEntry {
    let Reply::Array(mut parts) = reply else {
        return proto::StreamEntry::default();
    };
    let fields = parts.pop();
    let id = match parts.pop() {
        Some(Reply::Bulk(id)) => id_text(&id),
        _ => String::new(),
    };
    match fields {
        Some(Reply::Array(flat)) => {
            let mut fields = Vec::with_capacity(flat.len() / 2);
            let mut it = flat.into_iter();
            while let (Some(Reply::Bulk(field)), Some(Reply::Bulk(value))) = (it.next(), it.next())
            {
                fields.push(proto::StreamField { field, value });
            }
            proto::StreamEntry {
                id,
                fields,
                deleted: false,
            }
        }
        _ => proto::StreamEntry {
            id,
            fields: vec![],
            deleted: true,
        },
    }
}

fn entries(reply: Reply) -> Vec<proto::StreamEntry> {
    match reply {
        Reply::Array(items) => items.into_iter().map(entry).collect(),
        _ => vec![],
    }
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [~|=] threshold [LIMIT n]] id|* field value ...
pub fn x_add(ctx: &mut Ctx<'_>, req: proto::XAddRequest) -> Result<proto::XAddResponse> {
    let mut argv = vec![word("XADD"), req.key];
    if req.no_mkstream {
        argv.push(word("NOMKSTREAM"));
    }
    if let Some(trim) = req.trim {
        let (option, threshold) = match trim.strategy {
            Some(proto::stream_trim::Strategy::MaxLen(n)) => (word("MAXLEN"), text(&n.to_string())),
            Some(proto::stream_trim::Strategy::MinId(id)) => (word("MINID"), text(&id)),
            None => return Err(Error::Syntax),
        };
        argv.push(option);
        argv.push(if trim.approximate {
            word("~")
        } else {
            word("=")
        });
        argv.push(threshold);
        if trim.limit != 0 {
            argv.push(word("LIMIT"));
            argv.push(text(&trim.limit.to_string()));
        }
    }
    argv.push(if req.id.is_empty() {
        word("*")
    } else {
        text(&req.id)
    });
    for f in req.fields {
        argv.push(f.field);
        argv.push(f.value);
    }
    let id = match ops::xadd(ctx, &argv)? {
        Reply::Bulk(id) => Some(id_text(&id)),
        _ => None,
    };
    Ok(proto::XAddResponse { id })
}

/// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n].
pub fn x_range(ctx: &mut Ctx<'_>, req: proto::XRangeRequest) -> Result<proto::XRangeResponse> {
    let start = if req.start.is_empty() {
        "-"
    } else {
        &req.start
    };
    let end = if req.end.is_empty() { "+" } else { &req.end };
    let mut argv = if req.reverse {
        vec![word("XREVRANGE"), req.key.clone(), text(end), text(start)]
    } else {
        vec![word("XRANGE"), req.key.clone(), text(start), text(end)]
    };
    if let Some(count) = req.count {
        argv.push(word("COUNT"));
        argv.push(text(&count.min(i64::MAX as u64).to_string()));
    }
    let reply = if req.reverse {
        ops::xrevrange(ctx, &argv)?
    } else {
        ops::xrange(ctx, &argv)?
    };
    Ok(proto::XRangeResponse {
        entries: entries(reply),
    })
}

/// XACK key group id [id ...].
pub fn x_ack(ctx: &mut Ctx<'_>, req: proto::XAckRequest) -> Result<proto::XAckResponse> {
    if req.ids.is_empty() {
        return Err(Error::WrongArity("xack".into()));
    }
    let mut argv = vec![word("XACK"), req.key, req.group];
    argv.extend(req.ids.iter().map(|id| text(id)));
    let acknowledged = match ops::xack(ctx, &argv)? {
        Reply::Integer(n) => n,
        _ => 0,
    };
    Ok(proto::XAckResponse { acknowledged })
}

/// The XREAD / XREADGROUP arguments of a request (BLOCK aside: the RPC waits itself).
fn read_argv(req: &proto::XReadRequest) -> Result<(Vec<Bytes>, bool)> {
    let grouped = req.group.is_some();
    if req.streams.is_empty() {
        let name = if grouped { "xreadgroup" } else { "xread" };
        return Err(Error::WrongArity(name.into()));
    }
    let mut argv = vec![if grouped {
        word("XREADGROUP")
    } else {
        word("XREAD")
    }];
    if let Some(group) = &req.group {
        argv.extend([word("GROUP"), group.group.clone(), group.consumer.clone()]);
        if group.no_ack {
            argv.push(word("NOACK"));
        }
    }
    if req.count > 0 {
        argv.push(word("COUNT"));
        argv.push(text(&req.count.min(i64::MAX as u64).to_string()));
    }
    argv.push(word("STREAMS"));
    argv.extend(req.streams.iter().map(|s| s.key.clone()));
    let default_id = if grouped { ">" } else { "$" };
    argv.extend(
        req.streams
            .iter()
            .map(|s| text(if s.id.is_empty() { default_id } else { &s.id })),
    );
    Ok((argv, grouped))
}

fn read_response(served: Served) -> proto::XReadResponse {
    proto::XReadResponse {
        streams: served
            .into_iter()
            .map(|(key, list)| proto::StreamEntries {
                key,
                entries: list
                    .into_iter()
                    .map(|(id, fields)| {
                        let deleted = fields.is_none();
                        let fields = fields
                            .unwrap_or_default()
                            .chunks_exact(2)
                            .map(|p| proto::StreamField {
                                field: p[0].clone(),
                                value: p[1].clone(),
                            })
                            .collect();
                        proto::StreamEntry {
                            id: id.to_string(),
                            fields,
                            deleted,
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// XREAD / XREADGROUP: what is there now, or the wait for it (the empty response at
/// `block_ms`).
pub fn x_read(ctx: &mut Ctx<'_>, req: proto::XReadRequest) -> Result<Answer<proto::XReadResponse>> {
    let (argv, grouped) = read_argv(&req)?;
    let plan = ops::read_plan(ctx, &argv, grouped)?;
    let served = ops::read_now(ctx, &plan)?;
    if !served.is_empty() {
        return Ok(Answer::Now(read_response(served)));
    }
    let Some(ms) = req.block_ms else {
        return Ok(Answer::Now(proto::XReadResponse::default()));
    };
    let timeout = (ms > 0).then(|| std::time::Duration::from_millis(ms));
    let keys = plan.keys().to_vec();
    let serve = ops::read_waiter(plan, |_, served| read_response(served));
    let on = BlockOn::keys(&keys, ValueType::Stream, timeout);
    Ok(Answer::Blocked(exec::block_until(ctx, on, serve)))
}

/// Entries per XFollow event when the request names no count.
const FOLLOW_DEFAULT_COUNT: u64 = 100;

/// Runs an XFollow call on its own client: XRead after XRead, each from the last id it
/// delivered (with a group: its history first when asked, then `>`), one event per read
/// that delivered something, until the call, the client or the server ends.
pub fn follow(
    state: Arc<ServerState>,
    client: Arc<ClientInfo>,
    guard: ClientGuard,
    session: Session,
    req: proto::XFollowRequest,
) -> mpsc::Receiver<std::result::Result<proto::XFollowEvent, Status>> {
    // One event in flight: a reader that does not keep up holds the next read back.
    let (tx, rx) = mpsc::channel(1);
    tokio::spawn(async move {
        let _guard = guard;
        let mut session = session;
        let grouped = req.group.is_some();
        let mut from = match (req.id.is_empty(), grouped) {
            (true, true) => ">".to_string(),
            (true, false) => "$".to_string(),
            (false, _) => req.id.clone(),
        };
        let count = if req.count == 0 {
            FOLLOW_DEFAULT_COUNT
        } else {
            req.count
        };
        loop {
            if client.kill.is_cancelled() {
                let _ = tx.send(Err(Status::aborted("client killed"))).await;
                return;
            }
            let history = grouped && from != ">";
            let read = proto::XReadRequest {
                db: req.db,
                streams: vec![proto::XReadStream {
                    key: req.key.clone(),
                    id: from.clone(),
                }],
                count,
                // History reads answer at once; the others wait for entries.
                block_ms: (!history).then_some(0),
                group: req.group.clone(),
            };
            let name = read.command("xread");
            let answer = exec::typed(
                &state,
                &mut session,
                name,
                read,
                |r, locks| r.locks(locks),
                x_read,
            );
            let response = match answer {
                Err(e) => {
                    let _ = tx.send(Err(convert::status(&e))).await;
                    return;
                }
                Ok(Answer::Now(response)) => response,
                Ok(Answer::Blocked(wait)) => {
                    let outcome = tokio::select! {
                        outcome = wait.outcome() => outcome,
                        _ = tx.closed() => return,
                        _ = client.kill.cancelled() => {
                            let _ = tx.send(Err(Status::aborted("client killed"))).await;
                            return;
                        }
                        _ = state.shutdown.cancelled() => {
                            let _ = tx.send(Err(Status::unavailable("server shutting down"))).await;
                            return;
                        }
                    };
                    match outcome {
                        Outcome::Served(Ok(response)) => response,
                        Outcome::Served(Err(e)) => {
                            let _ = tx.send(Err(convert::status(&e))).await;
                            return;
                        }
                        Outcome::Unblocked(UnblockMode::Error) => {
                            let _ = tx.send(Err(convert::status(&UNBLOCKED_ERROR))).await;
                            return;
                        }
                        Outcome::TimedOut | Outcome::Unblocked(UnblockMode::Timeout) => {
                            proto::XReadResponse::default()
                        }
                    }
                }
            };
            let entries: Vec<proto::StreamEntry> = response
                .streams
                .into_iter()
                .flat_map(|s| s.entries)
                .collect();
            match entries.last() {
                None if history => from = ">".to_string(),
                None => continue,
                Some(last) if !grouped || history => from = last.id.clone(),
                Some(_) => {}
            }
            if entries.is_empty() {
                continue;
            }
            let event = proto::XFollowEvent { entries };
            let ended = tokio::select! {
                sent = tx.send(Ok(event)) => if sent.is_err() { return } else { continue },
                _ = client.kill.cancelled() => Status::aborted("client killed"),
                _ = state.shutdown.cancelled() => Status::unavailable("server shutting down"),
            };
            let _ = tx.send(Err(ended)).await;
            return;
        }
    });
    rx
}
