//! Change feeds (the gRPC `Watch` RPC): clients that follow the changes of the keys of one
//! database selected by prefix or glob pattern, like etcd's watchers.
//!
//! A feed is fed by the store's write-effect record, observed command by command while
//! the command's locks are held (see [`crate::store::effects`]): every change the record
//! names (the keyspace notification's event: `set`, `del`, `expired`, ...; not `new` and not
//! `keymiss`), from any front end or from expiry, in the order the changes happened. Each
//! change goes to the watcher's outbox, bounded like a subscriber's
//! (`client-output-buffer-limit pubsub`), so a watcher that stops reading is cut off instead
//! of growing memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::RwLock;

use crate::pubsub::{PubSub, Push};
use crate::state::ClientInfo;
use crate::store::glob::glob_match;
use crate::store::{Effect, Event, Store};

/// Which keys a feed follows.
#[derive(Debug, Clone)]
pub enum Selector {
    /// Keys starting with these bytes (every key for an empty prefix).
    Prefix(Bytes),
    /// Keys matching this glob-style pattern.
    Pattern(Bytes),
}

impl Selector {
    fn selects(&self, key: &[u8]) -> bool {
        match self {
            Selector::Prefix(prefix) => key.starts_with(prefix),
            Selector::Pattern(pattern) => glob_match(pattern, key, false),
        }
    }
}

/// One change, as a feed reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyChange {
    pub db: usize,
    pub key: Bytes,
    /// The keyspace notification's event name.
    pub event: &'static str,
    /// The key's type after the command ("none" when it is gone).
    pub value_type: &'static str,
    /// The string value after the command, for feeds that asked for values.
    pub value: Option<Bytes>,
}

struct Feed {
    client: Arc<ClientInfo>,
    db: usize,
    selector: Selector,
    with_values: bool,
}

/// Every feed of the server.
#[derive(Default)]
pub struct Feeds {
    feeds: RwLock<Vec<Feed>>,
    /// How many there are: while 0, a change costs one relaxed load.
    count: AtomicUsize,
}

impl Feeds {
    /// Starts a feed for `client`; its first push says so.
    pub fn add(
        &self,
        pubsub: &PubSub,
        client: &Arc<ClientInfo>,
        db: usize,
        selector: Selector,
        with_values: bool,
    ) {
        let mut feeds = self.feeds.write();
        // Queued under the registry lock: no change can reach the feed before it.
        pubsub.push_as_subscriber(client, Push::FeedStarted);
        feeds.push(Feed {
            client: client.clone(),
            db,
            selector,
            with_values,
        });
        self.count.store(feeds.len(), Ordering::Relaxed);
    }

    /// Ends every feed of `client`.
    pub fn remove(&self, client: &ClientInfo) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut feeds = self.feeds.write();
        feeds.retain(|f| f.client.id != client.id);
        self.count.store(feeds.len(), Ordering::Relaxed);
    }

    /// Reports the changes of `effects` to the feeds that select them.
    pub fn observe(&self, store: &Store, pubsub: &PubSub, effects: &[Effect]) {
        if self.count.load(Ordering::Relaxed) == 0 {
            return;
        }
        let feeds = self.feeds.read();
        for effect in effects {
            let Effect::Key { db, key, event } = effect else {
                continue;
            };
            if !event.modifies() || *event == Event::New {
                continue;
            }
            let key: &[u8] = key.as_ref();
            let mut change: Option<Arc<KeyChange>> = None;
            let mut with_value: Option<Arc<KeyChange>> = None;
            for feed in feeds.iter() {
                if feed.db != *db || !feed.selector.selects(key) {
                    continue;
                }
                let slot = if feed.with_values {
                    &mut with_value
                } else {
                    &mut change
                };
                let change = slot
                    .get_or_insert_with(|| {
                        let (value_type, value) = match store.observe_key(*db, key) {
                            Some((kind, value)) => (kind.name(), value),
                            None => ("none", None),
                        };
                        Arc::new(KeyChange {
                            db: *db,
                            key: Bytes::copy_from_slice(key),
                            event: event.name(),
                            value_type,
                            value: if feed.with_values { value } else { None },
                        })
                    })
                    .clone();
                pubsub.push_as_subscriber(&feed.client, Push::KeyChange(change));
            }
        }
    }
}
