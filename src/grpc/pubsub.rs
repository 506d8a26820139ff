//! The pub/sub RPCs: `Publish` (a typed PUBLISH / SPUBLISH), `Subscribe` (SUBSCRIBE,
//! PSUBSCRIBE and SSUBSCRIBE as a server stream fed by the subscriber's outbox, see
//! [`crate::pubsub`]) and `Watch` (a change feed of keys, see [`crate::feed`]).

use std::sync::Arc;

use tokio::sync::mpsc;
use tonic::Status;

use super::proto;
use crate::commands::Ctx;
use crate::error::{Error, Result};
use crate::feed::Selector;
use crate::pubsub::{Confirm, Kind, Push};
use crate::state::{ClientGuard, ClientInfo, ServerState};

/// PUBLISH channel message / SPUBLISH shardchannel message.
pub fn publish(ctx: &mut Ctx<'_>, req: proto::PublishRequest) -> Result<proto::PublishResponse> {
    let receivers = ctx
        .server
        .pubsub
        .publish(&req.channel, &req.message, req.shard);
    Ok(proto::PublishResponse {
        receivers: receivers as i64,
    })
}

/// Subscribes the call's client to every name of the request; the confirmations wait in
/// its outbox, ahead of any message.
pub fn subscribe(ctx: &mut Ctx<'_>, req: proto::SubscribeRequest) -> Result<()> {
    if req.channels.is_empty() && req.patterns.is_empty() && req.shard_channels.is_empty() {
        return Err(Error::err(
            "SUBSCRIBE needs at least one channel, pattern or shard channel",
        ));
    }
    let client = ctx.session.client.clone();
    let pubsub = &ctx.server.pubsub;
    pubsub.subscribe(&client, Kind::Channel, &req.channels, Confirm::Outbox);
    pubsub.subscribe(&client, Kind::Pattern, &req.patterns, Confirm::Outbox);
    pubsub.subscribe(&client, Kind::Shard, &req.shard_channels, Confirm::Outbox);
    Ok(())
}

/// Starts the change feed of a `Watch` call's client. Errors: the database out of range
/// (Redis's text), a prefix and a pattern both given.
pub fn watch(
    state: &ServerState,
    client: &Arc<ClientInfo>,
    req: proto::WatchRequest,
) -> Result<()> {
    let db = super::service::checked_db(state, req.db)?;
    let selector = match (req.prefix.is_empty(), req.pattern.is_empty()) {
        (_, true) => Selector::Prefix(req.prefix),
        (true, false) => Selector::Pattern(req.pattern),
        (false, false) => {
            return Err(Error::err("WATCH takes a prefix or a pattern, not both"));
        }
    };
    state
        .feeds
        .add(&state.pubsub, client, db, selector, req.with_values);
    Ok(())
}

/// The `Watch` stream's event for one push (`None` for pushes a feed never gets).
pub fn watch_event(push: Push) -> Option<proto::WatchEvent> {
    use proto::watch_event::Event;
    let event = match push {
        Push::FeedStarted => Event::Started(proto::WatchStarted {}),
        Push::KeyChange(change) => Event::Change(proto::KeyChange {
            db: change.db as u32,
            key: change.key.clone(),
            event: change.event.to_string(),
            r#type: change.value_type.to_string(),
            value: change.value.clone(),
        }),
        _ => return None,
    };
    Some(proto::WatchEvent { event: Some(event) })
}

/// The `Subscribe` stream's event for one push; `None` for pushes a subscribe stream never
/// gets (invalidations and `MONITOR` lines go only to RESP connections).
pub fn subscribe_event(push: Push) -> Option<proto::SubscribeEvent> {
    use proto::subscribe_event::Event;
    let event = match push {
        Push::Message { shard, message } => Event::Message(proto::PublishedMessage {
            channel: message.channel.clone(),
            payload: message.payload.clone(),
            pattern: Default::default(),
            shard,
        }),
        Push::PatternMessage { pattern, message } => Event::Message(proto::PublishedMessage {
            channel: message.channel.clone(),
            payload: message.payload.clone(),
            pattern,
            shard: false,
        }),
        Push::Subscription {
            kind, name, count, ..
        } => {
            let kind = match kind {
                Kind::Channel => proto::SubscriptionKind::Channel,
                Kind::Pattern => proto::SubscriptionKind::Pattern,
                Kind::Shard => proto::SubscriptionKind::ShardChannel,
            };
            Event::Subscribed(proto::Subscribed {
                kind: kind as i32,
                name: name.unwrap_or_default(),
                count: count as i64,
            })
        }
        Push::Invalidate { .. }
        | Push::TrackingRedirBroken { .. }
        | Push::Monitor(_)
        | Push::FeedStarted
        | Push::KeyChange(_) => {
            return None;
        }
    };
    Some(proto::SubscribeEvent { event: Some(event) })
}

/// Ends the stream with `status` after the events already buffered; a caller that reads
/// nothing more is not waited for long (its guard, and so its client, must go).
async fn end<E>(
    state: &ServerState,
    client: &Arc<ClientInfo>,
    tx: &mpsc::Sender<std::result::Result<E, Status>>,
    status: Status,
) {
    // Like Redis unlinking a closed client at once: no publisher counts it meanwhile.
    state.pubsub.unsubscribe_all(client);
    state.feeds.remove(client);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), tx.send(Err(status))).await;
}

/// Events buffered between the subscriber's outbox and tonic; past them the outbox (and
/// its limits) holds the rest.
const STREAM_BUFFER: usize = 64;

/// Moves the subscriber's (or watcher's) pushes, as `event` turns them into stream events,
/// into the returned stream until the call ends (the receiver dropped: cancelled, deadline,
/// disconnect), the client is killed or over its limits, or the server shuts down. The
/// guard, dropped at the end, unsubscribes it and ends its feeds.
pub fn forward<E: Send + 'static>(
    state: Arc<ServerState>,
    client: Arc<ClientInfo>,
    guard: ClientGuard,
    event: fn(Push) -> Option<E>,
) -> mpsc::Receiver<std::result::Result<E, Status>> {
    let (tx, rx) = mpsc::channel(STREAM_BUFFER);
    tokio::spawn(async move {
        let _guard = guard;
        let mut taken = Vec::new();
        let ended = |client: &ClientInfo| {
            if client.outbox.over_limit() {
                Status::resource_exhausted(
                    "closed for overcoming of output buffer limits (client-output-buffer-limit \
                     pubsub)",
                )
            } else {
                Status::aborted("client killed")
            }
        };
        loop {
            let size = client.outbox.take(&mut taken);
            for push in taken.drain(..) {
                let Some(item) = event(push) else { continue };
                tokio::select! {
                    sent = tx.send(Ok(item)) => if sent.is_err() { return },
                    _ = client.kill.cancelled() => return end(&state, &client, &tx, ended(&client)).await,
                    _ = state.shutdown.cancelled() => return,
                }
            }
            client.outbox.written(size);
            tokio::select! {
                _ = client.outbox.notified() => {}
                _ = client.kill.cancelled() => return end(&state, &client, &tx, ended(&client)).await,
                _ = state.shutdown.cancelled() => {
                    return end(&state, &client, &tx, Status::unavailable("server shutting down")).await;
                }
                _ = tx.closed() => return,
            }
        }
    });
    rx
}
