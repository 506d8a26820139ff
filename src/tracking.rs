//! Client-side caching (`CLIENT TRACKING`): which clients may hold which keys, and the
//! invalidation messages sent to them when the keys change, as Redis 7.0's `tracking.c`.
//!
//! - Default mode: after a read-only command of a tracking client, its keys are
//!   remembered in the tracking table (key name → client ids; databases are not told
//!   apart, as in Redis). When a key changes, every client remembered for it gets one
//!   invalidation and the key is forgotten until read again. `OPTIN` remembers only after
//!   `CLIENT CACHING yes`, `OPTOUT` not after `CLIENT CACHING no`.
//! - `BCAST`: no table; a client registers prefixes (`""` = every key) and gets, after each
//!   command that changed matching keys, one message listing them (sorted, each once).
//! - `NOLOOP`: no invalidation for keys the client changed itself.
//! - Messages go to the client itself in RESP3 (a push `invalidate [keys]`), or to the
//!   client named by `REDIRECT`: a RESP3 one gets the push, a RESP2 one in subscribed mode
//!   a message on `__redis__:invalidate`; RESP2 without redirection gets nothing. A
//!   redirection whose target has gone marks the client `broken_redirect` and, in RESP3,
//!   pushes `tracking-redir-broken <id>` to it.
//! - `FLUSHDB` / `FLUSHALL` send every tracking client a null key list and empty the table.
//!
//! Changes come from the store's write-effect record (see [`crate::store::effects`]),
//! delivered while the changing command still holds its locks. An invalidation meant for the
//! client whose command caused it is held back until that command's reply is written, as
//! Redis does, so it never lands before the reply.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::pubsub::{PubSub, Push};
use crate::state::{ClientInfo, ClientKind, Clients};
use crate::store::{Effect, Event};

/// A tracking client's settings (Redis's `CLIENT_TRACKING*` flags and its redirection).
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    pub on: bool,
    /// Client id invalidations go to; 0 for the client itself.
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// `CLIENT CACHING yes|no` was given for the next command.
    pub caching: bool,
    /// The redirection target went away.
    pub broken_redirect: bool,
    /// `BCAST` prefixes, in Redis's (byte) order.
    pub prefixes: BTreeSet<Bytes>,
}

/// The options of one `CLIENT TRACKING ON`.
#[derive(Debug, Default)]
pub struct TrackingOptions {
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    pub prefixes: Vec<Bytes>,
}

/// The server's tracking state.
pub struct Tracking {
    clients: Arc<Clients>,
    pubsub: Arc<PubSub>,
    /// Clients with tracking on.
    tracking_clients: AtomicUsize,
    /// Keys in the table: with no tracking client and an empty table, changes cost two
    /// relaxed loads. (Keys outlive the tracking of their clients: Redis forgets them only
    /// when they change.)
    table_keys: AtomicUsize,
    /// Client ids in the table, summed over its keys (`tracking_total_items`).
    table_items: AtomicUsize,
    /// Key → ids of the clients that may cache it (default mode).
    table: Mutex<HashMap<Bytes, Vec<u64>>>,
    /// `BCAST` prefix → its clients.
    prefixes: Mutex<BTreeMap<Bytes, Vec<Arc<ClientInfo>>>>,
}

thread_local! {
    /// The client whose command this thread is running (Redis's `server.current_client`).
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    /// What that client's own command sent it, held until the command's reply is out.
    static HELD: RefCell<Vec<Held>> = const { RefCell::new(Vec::new()) };
    /// `BCAST`: per prefix, the keys the running command changed and who changed each
    /// last (for `NOLOOP`), sent when the command is done (Redis sends once per event loop
    /// iteration).
    static BROADCAST: RefCell<BTreeMap<Bytes, BTreeMap<Bytes, u64>>> =
        const { RefCell::new(BTreeMap::new()) };
}

/// Something held for the running client until its reply is written.
enum Held {
    /// An invalidation (sent through [`Tracking::send`], which resolves redirection then).
    Invalidation(Option<Arc<[Bytes]>>),
    /// Any other push (a `MONITOR` line of its own command).
    Push(Push),
}

/// The id of the client whose command this thread runs, 0 for none (expiry, start-up).
#[inline]
pub fn running_client() -> u64 {
    CURRENT.with(Cell::get)
}

/// Holds `push` for the running client until its command's reply is written, as Redis
/// writes what a command causes for its own client after the reply.
pub fn hold_for_running_client(push: Push) {
    HELD.with(|h| h.borrow_mut().push(Held::Push(push)));
}

impl Tracking {
    pub fn new(clients: Arc<Clients>, pubsub: Arc<PubSub>) -> Tracking {
        Tracking {
            clients,
            pubsub,
            tracking_clients: AtomicUsize::new(0),
            table_keys: AtomicUsize::new(0),
            table_items: AtomicUsize::new(0),
            table: Mutex::default(),
            prefixes: Mutex::default(),
        }
    }

    /// Number of clients with tracking on (`INFO` `tracking_clients`).
    pub fn tracking_clients(&self) -> usize {
        self.tracking_clients.load(Ordering::Relaxed)
    }

    /// Keys in the tracking table (`INFO` `tracking_total_keys`).
    pub fn total_keys(&self) -> usize {
        self.table_keys.load(Ordering::Relaxed)
    }

    /// Client ids in the tracking table over all its keys (`INFO` `tracking_total_items`).
    pub fn total_items(&self) -> usize {
        self.table_items.load(Ordering::Relaxed)
    }

    /// `BCAST` prefixes registered (`INFO` `tracking_total_prefixes`).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.lock().len()
    }

    /// Marks `client` as the one whose command this thread runs (from its front end);
    /// returns what to pass to [`Tracking::leave`] when the command is done.
    #[inline]
    pub fn enter(client: &ClientInfo) -> u64 {
        CURRENT.with(|c| c.replace(client.id))
    }

    /// Ends what [`Tracking::enter`] began. What the command sent its own client is
    /// appended to `after_reply`, for the front end to write after the reply; an
    /// invalidation redirected to another client goes to that client now.
    #[inline]
    pub fn leave(&self, outer: u64, client: &Arc<ClientInfo>, after_reply: &mut Vec<Push>) {
        if outer != 0 {
            CURRENT.with(|c| c.set(outer));
            return;
        }
        self.flush_broadcast(client.id);
        CURRENT.with(|c| c.set(outer));
        let held = HELD.with(|h| std::mem::take(&mut *h.borrow_mut()));
        for held in held {
            match held {
                Held::Invalidation(keys) => {
                    if let Some((recipient, push)) = self.message(client, keys) {
                        if recipient.id == client.id {
                            after_reply.push(push);
                        } else {
                            self.pubsub.push_to(&recipient, push);
                        }
                    }
                }
                Held::Push(push) => after_reply.push(push),
            }
        }
    }

    /// `CLIENT TRACKING ON` with `options`, already checked against the client's state.
    pub fn enable(&self, client: &Arc<ClientInfo>, options: TrackingOptions) {
        let mut prefixes = self.prefixes.lock();
        let mut state = client.tracking.lock();
        if !state.on {
            self.tracking_clients.fetch_add(1, Ordering::Relaxed);
            client.set_tracking(true);
        }
        client.expect_pushes();
        if let Some(target) = self.clients.get(options.redirect) {
            target.expect_pushes();
        }
        state.on = true;
        state.redirect = options.redirect;
        state.broken_redirect = false;
        state.bcast = options.bcast;
        state.optin = options.optin;
        state.optout = options.optout;
        state.noloop = options.noloop;
        if options.bcast {
            let mut wanted = options.prefixes;
            if wanted.is_empty() {
                wanted.push(Bytes::new());
            }
            for prefix in wanted {
                if state.prefixes.insert(prefix.clone()) {
                    prefixes.entry(prefix).or_default().push(client.clone());
                }
            }
        }
    }

    /// `CLIENT TRACKING OFF` (also when the client goes). The client's entries in the table
    /// are left to be dropped lazily, as Redis leaves them.
    pub fn disable(&self, client: &ClientInfo) {
        let mut prefixes = self.prefixes.lock();
        let mut state = client.tracking.lock();
        for prefix in std::mem::take(&mut state.prefixes) {
            if let Some(clients) = prefixes.get_mut(&prefix) {
                clients.retain(|c| c.id != client.id);
                if clients.is_empty() {
                    prefixes.remove(&prefix);
                }
            }
        }
        if state.on {
            self.tracking_clients.fetch_sub(1, Ordering::Relaxed);
            client.set_tracking(false);
        }
        *state = ClientTracking::default();
    }

    /// After a read-only command of a tracking client: remembers its keys, unless its mode
    /// says otherwise.
    pub fn remember(&self, client: &ClientInfo, keys: &[&Bytes]) {
        {
            let state = client.tracking.lock();
            if !state.on
                || state.bcast
                || (state.optin && !state.caching)
                || (state.optout && state.caching)
            {
                return;
            }
        }
        let mut table = self.table.lock();
        for key in keys {
            let ids = table.entry((*key).clone()).or_default();
            if !ids.contains(&client.id) {
                ids.push(client.id);
                self.table_items.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.table_keys.store(table.len(), Ordering::Relaxed);
    }

    /// Takes the clients remembered for `key` out of the table.
    fn forget(&self, key: &[u8]) -> Option<Vec<u64>> {
        let mut table = self.table.lock();
        let ids = table.remove(key);
        self.table_keys.store(table.len(), Ordering::Relaxed);
        if let Some(ids) = &ids {
            self.table_items.fetch_sub(ids.len(), Ordering::Relaxed);
        }
        ids
    }

    /// The effects of one txn: invalidates every key it changed, once per key, and
    /// broadcasts to `BCAST` clients whose prefixes match.
    pub fn invalidate(&self, effects: &[Effect]) {
        if self.tracking_clients() == 0 && self.total_keys() == 0 {
            return;
        }
        let current = running_client();
        let mut flushed = false;
        for effect in effects {
            match effect {
                // `new` is followed by the command's own event on the key: Redis signals the
                // change once, in that event's place.
                Effect::Key { key, event, .. } if event.modifies() && *event != Event::New => {
                    flushed = false;
                    let key: &[u8] = key.as_ref();
                    self.note_for_broadcast(key, current);
                    let Some(ids) = self.forget(key) else {
                        continue;
                    };
                    let keys: Arc<[Bytes]> = Arc::new([Bytes::copy_from_slice(key)]);
                    for id in ids {
                        self.invalidate_for(id, current, &keys);
                    }
                }
                Effect::Key { .. } => {}
                // One flush notice for consecutive flushes (FLUSHALL flushes every db).
                Effect::Flushed { .. } if flushed => {}
                Effect::Flushed { .. } => {
                    flushed = true;
                    self.flush(current);
                }
                // Redis 7.0's SWAPDB invalidates nothing.
                Effect::Swapped { .. } => {}
            }
        }
        // Changes outside any client's command (expiry) are broadcast at once.
        if current == 0 {
            self.flush_broadcast(0);
        }
    }

    fn note_for_broadcast(&self, key: &[u8], current: u64) {
        let prefixes = self.prefixes.lock();
        if prefixes.is_empty() {
            return;
        }
        BROADCAST.with(|b| {
            let mut broadcast = b.borrow_mut();
            for prefix in prefixes.keys() {
                if key.starts_with(prefix) {
                    broadcast
                        .entry(prefix.clone())
                        .or_default()
                        .insert(Bytes::copy_from_slice(key), current);
                }
            }
        });
    }

    /// Sends what [`Tracking::note_for_broadcast`] collected.
    fn flush_broadcast(&self, current: u64) {
        let pending = BROADCAST.with(|b| std::mem::take(&mut *b.borrow_mut()));
        for (prefix, keys) in pending {
            self.broadcast(&prefix, &keys, current);
        }
    }

    fn invalidate_for(&self, id: u64, current: u64, keys: &Arc<[Bytes]>) {
        let Some(target) = self.clients.get(id) else {
            return;
        };
        {
            let state = target.tracking.lock();
            if !state.on || state.bcast || (state.noloop && id == current) {
                return;
            }
        }
        self.deliver(&target, current, Some(keys.clone()));
    }

    /// `FLUSHDB` / `FLUSHALL`: every tracking client is told all its keys are invalid.
    fn flush(&self, current: u64) {
        for client in self.clients.list() {
            if client.tracking() {
                self.deliver(&client, current, None);
            }
        }
        let mut table = self.table.lock();
        table.clear();
        self.table_keys.store(0, Ordering::Relaxed);
        self.table_items.store(0, Ordering::Relaxed);
    }

    fn broadcast(&self, prefix: &Bytes, keys: &BTreeMap<Bytes, u64>, current: u64) {
        let clients = match self.prefixes.lock().get(prefix) {
            Some(clients) => clients.clone(),
            None => return,
        };
        let all: Arc<[Bytes]> = keys.keys().cloned().collect();
        for client in clients {
            let noloop = client.tracking.lock().noloop;
            let keys = if noloop {
                let own: Arc<[Bytes]> = keys
                    .iter()
                    .filter(|&(_, &by)| by != client.id)
                    .map(|(key, _)| key.clone())
                    .collect();
                if own.is_empty() {
                    continue;
                }
                own
            } else {
                all.clone()
            };
            self.deliver(&client, current, Some(keys));
        }
    }

    /// Sends now, or, for the client whose command is running, after its reply.
    fn deliver(&self, target: &Arc<ClientInfo>, current: u64, keys: Option<Arc<[Bytes]>>) {
        if target.id == current {
            HELD.with(|h| h.borrow_mut().push(Held::Invalidation(keys)));
        } else {
            self.send(target, keys);
        }
    }

    /// Redis's `sendTrackingMessage`: to the client or its redirection, in the form the
    /// recipient can read (`keys` `None` means every key).
    fn send(&self, client: &Arc<ClientInfo>, keys: Option<Arc<[Bytes]>>) {
        if let Some((recipient, push)) = self.message(client, keys) {
            self.pubsub.push_to(&recipient, push);
        }
    }

    /// Who gets `client`'s invalidation of `keys`, and as what; `None` when nobody can
    /// (a RESP2 client without redirection, a gRPC client). A redirection whose target has
    /// gone marks the client and tells a RESP3 one so instead.
    fn message(
        &self,
        client: &Arc<ClientInfo>,
        keys: Option<Arc<[Bytes]>>,
    ) -> Option<(Arc<ClientInfo>, Push)> {
        let redirect = client.tracking.lock().redirect;
        let (recipient, redirected) = if redirect == 0 {
            (client.clone(), false)
        } else {
            match self.clients.get(redirect) {
                Some(target) => (target, true),
                None => {
                    client.tracking.lock().broken_redirect = true;
                    if client.protocol() == 3 {
                        let push = Push::TrackingRedirBroken { id: redirect };
                        return Some((client.clone(), push));
                    }
                    return None;
                }
            }
        };
        // A gRPC client has no channel for pushes outside its own streams.
        if recipient.kind == ClientKind::Grpc {
            return None;
        }
        let as_message = if recipient.protocol() == 3 {
            false
        } else if redirected && recipient.subscribed() {
            true
        } else {
            return None;
        };
        let push = Push::Invalidate {
            keys,
            as_message,
            resp3_null: client.protocol() == 3,
        };
        Some((recipient, push))
    }
}
