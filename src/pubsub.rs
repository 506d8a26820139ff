//! Pub/sub: which clients are subscribed to which channels, shard channels and patterns,
//! and delivery of messages into their outboxes.
//!
//! A client's subscriptions live on its [`ClientInfo`] (what it is subscribed to, for its
//! replies' counts and for cleaning up when it goes) and in the [`PubSub`] registry (who
//! listens to a channel, for `PUBLISH`). A message is delivered by appending it to each
//! subscriber's [`Outbox`] under the registry's read lock: no lock is held across socket
//! I/O and no task is spawned per message; each front end drains its clients' outboxes
//! when they are notified. Publications are serialized, so all subscribers see one order
//! of messages, as in Redis. Subscription confirmations go through the outbox too, queued
//! while the registry's write lock is held, so a message on a channel can never reach a
//! client before the confirmation of its subscription to that channel.
//!
//! The outbox is bounded as Redis bounds a pub/sub client's output buffer
//! (`client-output-buffer-limit pubsub <hard> <soft> <seconds>`): a client whose undelivered
//! output passes the hard limit, or stays above the soft limit for the soft seconds, is
//! closed instead of growing memory.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::Bytes;
use indexmap::IndexSet;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::commands::Reply;
use crate::config::BufferLimit;
use crate::feed::KeyChange;
use crate::state::ClientInfo;
use crate::store::glob::glob_match;

/// The three kinds of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SUBSCRIBE`: a channel.
    Channel,
    /// `PSUBSCRIBE`: a glob-style pattern over channel names.
    Pattern,
    /// `SSUBSCRIBE`: a shard channel (cluster-scoped in Redis; one shard here).
    Shard,
}

impl Kind {
    /// The first word of a confirmation, as Redis names it.
    fn confirmation_word(self, subscribed: bool) -> &'static str {
        match (self, subscribed) {
            (Kind::Channel, true) => "subscribe",
            (Kind::Pattern, true) => "psubscribe",
            (Kind::Shard, true) => "ssubscribe",
            (Kind::Channel, false) => "unsubscribe",
            (Kind::Pattern, false) => "punsubscribe",
            (Kind::Shard, false) => "sunsubscribe",
        }
    }
}

/// Where the confirmations of (un)subscriptions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// To the client's outbox, ordered with the messages published to it.
    Outbox,
    /// Back to the caller (a (un)subscribe inside `EXEC`, whose reply they are).
    Return,
    /// Nowhere (a closed client, `RESET`).
    Silently,
}

/// A published message, shared by every subscriber it is delivered to: one reference
/// count per delivery, and no pinning of the publisher's read buffer.
#[derive(Debug, PartialEq)]
pub struct Published {
    pub channel: Bytes,
    pub payload: Bytes,
}

impl Published {
    pub fn new(channel: &[u8], payload: &[u8]) -> Arc<Published> {
        Arc::new(Published {
            channel: Bytes::copy_from_slice(channel),
            payload: Bytes::copy_from_slice(payload),
        })
    }
}

/// Something pushed to a client outside the reply to its own command.
#[derive(Debug, Clone, PartialEq)]
pub enum Push {
    /// A message on a channel (`message`) or shard channel (`smessage`).
    Message {
        shard: bool,
        message: Arc<Published>,
    },
    /// A message on a channel matching a pattern the client subscribed to.
    PatternMessage {
        pattern: Bytes,
        message: Arc<Published>,
    },
    /// The confirmation of one (un)subscription, with the client's count after it. `name`
    /// is `None` for an unsubscribe-all of a client that had no subscription.
    Subscription {
        kind: Kind,
        /// A subscription (else an unsubscription).
        subscribed: bool,
        name: Option<Bytes>,
        count: usize,
    },
    /// A client-side caching invalidation (see [`crate::tracking`]): the keys, or `None`
    /// for every key (after a flush). `as_message` when it goes to a RESP2 client in
    /// subscribed mode, as a message on `__redis__:invalidate`. Redis writes the null of a
    /// flush in the protocol of the tracking client, which may not be the recipient's:
    /// `resp3_null` says which.
    Invalidate {
        keys: Option<Arc<[Bytes]>>,
        as_message: bool,
        resp3_null: bool,
    },
    /// The client's invalidations were redirected to client `id`, which has gone.
    TrackingRedirBroken { id: u64 },
    /// A line of `MONITOR` output (a status reply in either protocol).
    Monitor(Arc<str>),
    /// A change feed (gRPC `Watch`) started: changes from here on follow.
    FeedStarted,
    /// A change to a key a change feed follows.
    KeyChange(Arc<KeyChange>),
}

impl Push {
    /// As a reply: a push frame in RESP3, an array in RESP2, as Redis sends it.
    pub fn to_reply(&self) -> Reply {
        let items = match self {
            Push::Message { shard, message } => vec![
                Reply::bulk_static(if *shard { "smessage" } else { "message" }),
                Reply::Bulk(message.channel.clone()),
                Reply::Bulk(message.payload.clone()),
            ],
            Push::PatternMessage { pattern, message } => vec![
                Reply::bulk_static("pmessage"),
                Reply::Bulk(pattern.clone()),
                Reply::Bulk(message.channel.clone()),
                Reply::Bulk(message.payload.clone()),
            ],
            Push::Subscription {
                kind,
                subscribed,
                name,
                count,
            } => vec![
                Reply::bulk_static(kind.confirmation_word(*subscribed)),
                name.clone().map_or(Reply::Null, Reply::Bulk),
                Reply::integer(*count),
            ],
            Push::Invalidate {
                keys, as_message, ..
            } => {
                let keys = keys.as_ref().map_or(Reply::Null, |keys| {
                    Reply::Array(keys.iter().cloned().map(Reply::Bulk).collect())
                });
                if *as_message {
                    vec![
                        Reply::bulk_static("message"),
                        Reply::bulk_static("__redis__:invalidate"),
                        keys,
                    ]
                } else {
                    vec![Reply::bulk_static("invalidate"), keys]
                }
            }
            Push::TrackingRedirBroken { id } => vec![
                Reply::bulk_static("tracking-redir-broken"),
                Reply::integer(*id),
            ],
            Push::Monitor(line) => return Reply::Simple(line.to_string().into()),
            // Change feeds exist only on gRPC streams; as a reply, what one reports.
            Push::FeedStarted => vec![Reply::bulk_static("watching")],
            Push::KeyChange(change) => vec![
                Reply::integer(change.db),
                Reply::Bulk(change.key.clone()),
                Reply::bulk_static(change.event),
                Reply::bulk_static(change.value_type),
                change.value.clone().map_or(Reply::Null, Reply::Bulk),
            ],
        };
        Reply::Push(items)
    }

    /// Bytes it holds, for the output buffer limits (payloads plus a frame's overhead).
    fn size(&self) -> usize {
        const FRAME: usize = 32;
        FRAME
            + match self {
                Push::Message { message, .. } => message.channel.len() + message.payload.len(),
                Push::PatternMessage { pattern, message } => {
                    pattern.len() + message.channel.len() + message.payload.len()
                }
                Push::Subscription { name, .. } => name.as_ref().map_or(0, Bytes::len),
                Push::Invalidate { keys, .. } => keys
                    .as_ref()
                    .map_or(0, |keys| keys.iter().map(|k| k.len() + 16).sum()),
                Push::TrackingRedirBroken { .. } => 0,
                Push::Monitor(line) => line.len(),
                Push::FeedStarted => 0,
                Push::KeyChange(change) => {
                    change.key.len() + change.value.as_ref().map_or(0, Bytes::len)
                }
            }
    }
}

/// What a client is subscribed to. Insertion-ordered: unsubscribing from everything
/// answers in subscription order (Redis's order there is its hash table's).
#[derive(Debug, Default)]
pub struct Subscriptions {
    channels: IndexSet<Bytes>,
    patterns: IndexSet<Bytes>,
    shard_channels: IndexSet<Bytes>,
}

impl Subscriptions {
    /// The channels and shard channels subscribed.
    pub fn channels(&self) -> impl Iterator<Item = &Bytes> {
        self.channels.iter().chain(&self.shard_channels)
    }

    /// The patterns subscribed.
    pub fn patterns(&self) -> impl Iterator<Item = &Bytes> {
        self.patterns.iter()
    }

    fn set(&mut self, kind: Kind) -> &mut IndexSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard_channels,
        }
    }

    /// The count a confirmation of `kind` carries: channels and patterns together, shard
    /// channels alone (as Redis counts them).
    fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.channels.len() + self.patterns.len(),
            Kind::Shard => self.shard_channels.len(),
        }
    }

    /// `(channels, patterns, shard channels)`, for `CLIENT LIST`.
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.channels.len(),
            self.patterns.len(),
            self.shard_channels.len(),
        )
    }

    /// Whether the client is in Redis's subscribed ("pub/sub") state.
    pub fn any(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard_channels.is_empty())
    }
}

/// A client's undelivered pushes, and how its front end learns there are some.
#[derive(Debug, Default)]
pub struct Outbox {
    queue: Mutex<Queue>,
    /// Bytes pushed and not yet written to the client: queued here, or taken by the front
    /// end and not yet written. One relaxed load tells a front end whether to look.
    pending: AtomicUsize,
    notify: Notify,
}

#[derive(Debug, Default)]
struct Queue {
    pushes: VecDeque<Push>,
    /// When the pending bytes went over the soft limit (None while under it).
    over_soft_since: Option<Instant>,
    /// Set once the client was found over its limits: later pushes are dropped.
    closing: bool,
}

/// How [`Outbox::push`] went.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    /// The client went over its output buffer limits and must be closed.
    OverLimit,
    /// The client is being closed for its limits already; the push was dropped.
    Dropped,
}

impl Outbox {
    /// Queues `push` and wakes the front end, unless that takes the client over `limit`.
    pub fn push(&self, push: Push, limit: BufferLimit) -> Delivery {
        let size = push.size();
        let mut queue = self.queue.lock();
        if queue.closing {
            return Delivery::Dropped;
        }
        let pending = self.pending.load(Ordering::Relaxed) + size;
        if limit.exceeded(pending, &mut queue.over_soft_since, Instant::now) {
            queue.closing = true;
            queue.pushes.clear();
            return Delivery::OverLimit;
        }
        queue.pushes.push_back(push);
        self.pending.fetch_add(size, Ordering::Relaxed);
        drop(queue);
        self.notify.notify_one();
        Delivery::Queued
    }

    /// Whether the client went over its output limits (and is being closed for it).
    pub fn over_limit(&self) -> bool {
        self.queue.lock().closing
    }

    /// Whether anything was pushed and not yet reported written.
    #[inline]
    pub fn has_pending(&self) -> bool {
        self.pending.load(Ordering::Relaxed) != 0
    }

    /// `(pushes queued, bytes pending)`, for `CLIENT LIST`'s `oll` and `omem`.
    pub fn backlog(&self) -> (usize, usize) {
        let queued = self.queue.lock().pushes.len();
        (queued, self.pending.load(Ordering::Relaxed))
    }

    /// Takes every queued push; returns their size, to pass to [`Outbox::written`] once
    /// they are written.
    pub fn take(&self, into: &mut Vec<Push>) -> usize {
        let mut queue = self.queue.lock();
        let mut size = 0;
        for push in queue.pushes.drain(..) {
            size += push.size();
            into.push(push);
        }
        size
    }

    /// Reports `size` bytes of taken pushes written to the client.
    pub fn written(&self, size: usize) {
        if size != 0 {
            self.pending.fetch_sub(size, Ordering::Relaxed);
        }
    }

    /// Waits until something is pushed (returns at once if a push came since the last
    /// wait ended).
    pub async fn notified(&self) {
        self.notify.notified().await;
    }
}

/// Subscribers by channel name.
type Listeners = HashMap<Bytes, Vec<Arc<ClientInfo>>>;

/// The registry of subscriptions of every client of the server.
#[derive(Default)]
pub struct PubSub {
    channels: RwLock<Listeners>,
    patterns: RwLock<Listeners>,
    shard_channels: RwLock<Listeners>,
    /// The limits of a subscribed client's output (`client-output-buffer-limit pubsub`).
    limit: Mutex<BufferLimit>,
    /// The limits of any other client's (`client-output-buffer-limit normal`), for what
    /// reaches it outside pub/sub (invalidations, `MONITOR` lines).
    normal_limit: Mutex<BufferLimit>,
    /// Held through a whole publication, so every subscriber sees the messages of all
    /// publishers in one order, as with Redis's single thread (not only each publisher's
    /// messages in its own order).
    publishing: Mutex<()>,
}

impl PubSub {
    fn listeners(&self, kind: Kind) -> &RwLock<Listeners> {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::Shard => &self.shard_channels,
        }
    }

    /// Sets the output limits of subscribed clients and of the others.
    pub fn set_limits(&self, pubsub: BufferLimit, normal: BufferLimit) {
        *self.limit.lock() = pubsub;
        *self.normal_limit.lock() = normal;
    }

    /// Pushes to `client` bounded by the limits of a subscriber, whatever its class (change
    /// feeds are bounded like subscriptions).
    pub fn push_as_subscriber(&self, client: &ClientInfo, push: Push) {
        self.deliver(client, push, self.limit());
    }

    /// Pushes something other than a publication to `client`, bounded by the limits of its
    /// class (pub/sub while subscribed, else normal), as Redis bounds its output buffer.
    pub fn push_to(&self, client: &ClientInfo, push: Push) {
        let limit = if client.subscribed() {
            self.limit()
        } else {
            *self.normal_limit.lock()
        };
        self.deliver(client, push, limit);
    }

    fn limit(&self) -> BufferLimit {
        *self.limit.lock()
    }

    /// Subscribes `client` to each of `names`, confirming each (also a name it was
    /// subscribed to already) as `confirm` says.
    pub fn subscribe(
        &self,
        client: &Arc<ClientInfo>,
        kind: Kind,
        names: &[Bytes],
        confirm: Confirm,
    ) -> Vec<Push> {
        let limit = self.limit();
        let mut confirmations = Vec::new();
        let mut subscriptions = client.subscriptions.lock();
        for name in names {
            // Owned: a subscription must not pin the client's read buffer.
            let name = Bytes::copy_from_slice(name);
            // Confirmed under the write lock: a publisher that sees the new subscriber
            // pushes after the confirmation.
            let mut listeners = self.listeners(kind).write();
            if subscriptions.set(kind).insert(name.clone()) {
                listeners
                    .entry(name.clone())
                    .or_default()
                    .push(client.clone());
            }
            let push = Push::Subscription {
                kind,
                subscribed: true,
                name: Some(name.clone()),
                count: subscriptions.count(kind),
            };
            self.confirm(client, push, confirm, limit, &mut confirmations);
        }
        client.note_subscriptions(&subscriptions);
        confirmations
    }

    /// Unsubscribes `client` from each of `names`, or from every subscription of `kind`
    /// when `names` is empty, confirming each as `confirm` says (with no name when there
    /// was nothing to unsubscribe from).
    pub fn unsubscribe(
        &self,
        client: &Arc<ClientInfo>,
        kind: Kind,
        names: &[Bytes],
        confirm: Confirm,
    ) -> Vec<Push> {
        let limit = self.limit();
        let mut confirmations = Vec::new();
        let mut subscriptions = client.subscriptions.lock();
        let all: Vec<Bytes>;
        let names = if names.is_empty() {
            all = subscriptions.set(kind).iter().cloned().collect();
            if all.is_empty() {
                let push = Push::Subscription {
                    kind,
                    subscribed: false,
                    name: None,
                    count: subscriptions.count(kind),
                };
                self.confirm(client, push, confirm, limit, &mut confirmations);
            }
            &all[..]
        } else {
            names
        };
        for name in names {
            let mut listeners = self.listeners(kind).write();
            if subscriptions.set(kind).shift_remove(name)
                && let Some(clients) = listeners.get_mut(name)
            {
                clients.retain(|c| !Arc::ptr_eq(c, client));
                if clients.is_empty() {
                    listeners.remove(name);
                }
            }
            let push = Push::Subscription {
                kind,
                subscribed: false,
                name: Some(name.clone()),
                count: subscriptions.count(kind),
            };
            self.confirm(client, push, confirm, limit, &mut confirmations);
        }
        client.note_subscriptions(&subscriptions);
        confirmations
    }

    fn confirm(
        &self,
        client: &ClientInfo,
        push: Push,
        confirm: Confirm,
        limit: BufferLimit,
        confirmations: &mut Vec<Push>,
    ) {
        match confirm {
            Confirm::Outbox => self.deliver(client, push, limit),
            Confirm::Return => confirmations.push(push),
            Confirm::Silently => {}
        }
    }

    /// Forgets every subscription of `client`, without confirmations (a closed client,
    /// `RESET`).
    pub fn unsubscribe_all(&self, client: &Arc<ClientInfo>) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            self.unsubscribe(client, kind, &[], Confirm::Silently);
        }
    }

    /// Delivers `payload` to every subscriber of `channel` (and, for a non-shard channel,
    /// of every pattern matching it); returns how many deliveries there were, a client
    /// counted once per matching subscription, as `PUBLISH` answers.
    pub fn publish(&self, channel: &[u8], payload: &[u8], shard: bool) -> usize {
        let limit = self.limit();
        let _in_order = self.publishing.lock();
        let mut receivers = 0;
        let mut message = None;
        let mut shared = || {
            message
                .get_or_insert_with(|| Published::new(channel, payload))
                .clone()
        };
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        {
            let listeners = self.listeners(kind).read();
            if let Some(clients) = listeners.get(channel) {
                for client in clients {
                    let message = shared();
                    self.deliver(client, Push::Message { shard, message }, limit);
                    receivers += 1;
                }
            }
        }
        if shard {
            return receivers;
        }
        let patterns = self.patterns.read();
        for (pattern, clients) in patterns.iter() {
            if !glob_match(pattern, channel, false) {
                continue;
            }
            for client in clients {
                let push = Push::PatternMessage {
                    pattern: pattern.clone(),
                    message: shared(),
                };
                self.deliver(client, push, limit);
                receivers += 1;
            }
        }
        receivers
    }

    /// Pushes to one client; a client over its limits is closed, as Redis closes it
    /// asynchronously ("scheduled to be closed ASAP for overcoming of output buffer limits").
    fn deliver(&self, client: &ClientInfo, push: Push, limit: BufferLimit) {
        if client.outbox.push(push, limit) == Delivery::OverLimit {
            tracing::warn!(
                client = client.id,
                addr = %client.addr,
                "client scheduled to be closed ASAP for overcoming of output buffer limits"
            );
            client.kill.cancel();
        }
    }

    /// Channels (or shard channels) with at least one subscriber matching `pattern` (all
    /// when `None`), as `PUBSUB CHANNELS` lists them.
    pub fn active_channels(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        self.listeners(kind)
            .read()
            .keys()
            .filter(|name| pattern.is_none_or(|p| glob_match(p, name, false)))
            .cloned()
            .collect()
    }

    /// Subscribers of a channel (or shard channel), not counting patterns.
    pub fn subscribers(&self, shard: bool, channel: &[u8]) -> usize {
        let kind = if shard { Kind::Shard } else { Kind::Channel };
        self.listeners(kind).read().get(channel).map_or(0, Vec::len)
    }

    /// How many channels, patterns and shard channels have subscribers (`INFO`'s
    /// `pubsub_channels`, `pubsub_patterns`, `pubsubshard_channels`; `PUBSUB NUMPAT`).
    pub fn sizes(&self) -> (usize, usize, usize) {
        (
            self.channels.read().len(),
            self.patterns.read().len(),
            self.shard_channels.read().len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ClientKind, Clients};

    const OUTBOX: Confirm = Confirm::Outbox;

    fn bytes(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn drain(client: &ClientInfo) -> Vec<Push> {
        let mut pushes = Vec::new();
        let size = client.outbox.take(&mut pushes);
        client.outbox.written(size);
        pushes
    }

    fn confirmation(word: &'static str, name: Option<&str>, count: usize) -> Push {
        let (kind, subscribed) = match word {
            "subscribe" => (Kind::Channel, true),
            "psubscribe" => (Kind::Pattern, true),
            "ssubscribe" => (Kind::Shard, true),
            "unsubscribe" => (Kind::Channel, false),
            "punsubscribe" => (Kind::Pattern, false),
            "sunsubscribe" => (Kind::Shard, false),
            _ => panic!("no confirmation is called {word}"),
        };
        Push::Subscription {
            kind,
            subscribed,
            name: name.map(bytes),
            count,
        }
    }

    #[test]
    fn subscriptions_are_confirmed_with_counts_and_messages_follow() {
        let pubsub = PubSub::default();
        let a = Clients::detached(ClientKind::Resp);
        pubsub.subscribe(
            &a,
            Kind::Channel,
            &[bytes("x"), bytes("y"), bytes("x")],
            OUTBOX,
        );
        pubsub.subscribe(&a, Kind::Pattern, &[bytes("n*")], OUTBOX);
        pubsub.subscribe(&a, Kind::Shard, &[bytes("s")], OUTBOX);
        assert_eq!(
            drain(&a),
            vec![
                confirmation("subscribe", Some("x"), 1),
                confirmation("subscribe", Some("y"), 2),
                confirmation("subscribe", Some("x"), 2),
                confirmation("psubscribe", Some("n*"), 3),
                confirmation("ssubscribe", Some("s"), 1),
            ]
        );
        assert_eq!(pubsub.publish(&bytes("x"), &bytes("1"), false), 1);
        assert_eq!(pubsub.publish(&bytes("nx"), &bytes("2"), false), 1);
        assert_eq!(pubsub.publish(&bytes("s"), &bytes("3"), true), 1);
        // A shard channel is not a channel, and patterns do not see shard messages.
        assert_eq!(pubsub.publish(&bytes("s"), &bytes("4"), false), 0);
        assert_eq!(pubsub.publish(&bytes("nx"), &bytes("5"), true), 0);
        assert_eq!(
            drain(&a),
            vec![
                Push::Message {
                    shard: false,
                    message: Published::new(b"x", b"1"),
                },
                Push::PatternMessage {
                    pattern: bytes("n*"),
                    message: Published::new(b"nx", b"2"),
                },
                Push::Message {
                    shard: true,
                    message: Published::new(b"s", b"3"),
                },
            ]
        );
        assert_eq!(pubsub.sizes(), (2, 1, 1));
        assert_eq!(a.subscriptions.lock().counts(), (2, 1, 1));
    }

    #[test]
    fn unsubscribing_confirms_each_name_and_forgets_empty_channels() {
        let pubsub = PubSub::default();
        let a = Clients::detached(ClientKind::Resp);
        let b = Clients::detached(ClientKind::Resp);
        pubsub.unsubscribe(&a, Kind::Channel, &[], OUTBOX);
        assert_eq!(drain(&a), vec![confirmation("unsubscribe", None, 0)]);
        pubsub.subscribe(&a, Kind::Channel, &[bytes("x"), bytes("y")], OUTBOX);
        pubsub.subscribe(&b, Kind::Channel, &[bytes("x")], OUTBOX);
        drain(&a);
        assert_eq!(pubsub.subscribers(false, b"x"), 2);
        pubsub.unsubscribe(&a, Kind::Channel, &[bytes("nope"), bytes("x")], OUTBOX);
        assert_eq!(
            drain(&a),
            vec![
                confirmation("unsubscribe", Some("nope"), 2),
                confirmation("unsubscribe", Some("x"), 1),
            ]
        );
        assert_eq!(pubsub.subscribers(false, b"x"), 1);
        pubsub.unsubscribe_all(&b);
        assert_eq!(pubsub.subscribers(false, b"x"), 0);
        assert_eq!(pubsub.active_channels(false, None), vec![bytes("y")]);
        pubsub.unsubscribe(&a, Kind::Channel, &[], OUTBOX);
        assert_eq!(drain(&a), vec![confirmation("unsubscribe", Some("y"), 0)]);
        assert_eq!(pubsub.sizes(), (0, 0, 0));
        assert!(!a.subscriptions.lock().any());
    }

    #[test]
    fn a_client_over_its_hard_limit_is_closed_and_gets_nothing_more() {
        let pubsub = PubSub::default();
        let limit = BufferLimit {
            hard: 1000,
            soft: 0,
            soft_seconds: 0,
        };
        pubsub.set_limits(limit, BufferLimit::default());
        let slow = Clients::detached(ClientKind::Resp);
        let fast = Clients::detached(ClientKind::Resp);
        pubsub.subscribe(&slow, Kind::Channel, &[bytes("c")], OUTBOX);
        pubsub.subscribe(&fast, Kind::Channel, &[bytes("c")], OUTBOX);
        for _ in 0..20 {
            pubsub.publish(&bytes("c"), &Bytes::from(vec![b'x'; 100]), false);
            drain(&fast);
        }
        assert!(slow.kill.is_cancelled());
        assert!(!fast.kill.is_cancelled());
        // Nothing is kept for the closed client.
        assert!(drain(&slow).is_empty());
    }

    #[test]
    fn the_soft_limit_closes_a_client_that_stays_over_it() {
        let limit = BufferLimit {
            hard: 0,
            soft: 100,
            soft_seconds: 60,
        };
        let start = Instant::now();
        let mut since = None;
        assert!(!limit.exceeded(50, &mut since, || start));
        assert!(!limit.exceeded(150, &mut since, || start));
        let later = |secs| start + std::time::Duration::from_secs(secs);
        // Like Redis: closed once it has been over for more than the soft seconds.
        assert!(!limit.exceeded(150, &mut since, || later(60)));
        assert!(limit.exceeded(150, &mut since, || later(61)));
        // Going under the soft limit starts the clock again.
        let mut since = Some(start);
        assert!(!limit.exceeded(10, &mut since, || start));
        assert_eq!(since, None);
    }
}
