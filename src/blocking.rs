//! Clients blocked on keys (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP): the registry of waiters, FIFO per key, and the serving of them when a key they
//! wait on changes.
//!
//! This module knows no command, reply or server type: a waiter is a [`Waiter`] object
//! that knows how to serve itself, given the environment `E` the server passes in (the
//! execution path, `crate::exec`, builds the waiters and is `E`'s owner).
//!
//! # The protocol, as Redis has it
//! A blocking command first tries to serve itself like its non-blocking form. When every
//! key is empty it registers a waiter, queued on each of its keys, FIFO per key. Every txn
//! that changes a key hands its effects to the store's observer, which marks the key ready
//! when someone waits on it ([`Blocking::signal_ready`]). Right after that command (before
//! its client's next command), the server serves the ready keys ([`Blocking::serve_ready`]):
//! for each waiter of the key, oldest first, [`Waiter::attempt`] tries to serve from that
//! key. A waiter whose kind does not match the key's type is skipped; when the key is gone
//! (popped empty, or never filled) the later waiters are not tried. Serving can ready
//! further keys (BLMOVE pushes into its destination); serving goes on until no key is
//! ready. A waiter also ends at its timeout, by `CLIENT UNBLOCK`, or when its client goes
//! away (disconnect, `CLIENT KILL`, shutdown, a gRPC deadline or cancellation): dropping
//! its [`Wait`] removes it from every queue.
//!
//! # Why no wake-up is lost, and no element
//! A blocking command registers while it still holds the locks of the txn that found its
//! keys empty, and any change to those keys holds the same locks, so either the change
//! came first (and the command found its element) or the waiter is registered before the
//! change is observed. Serving and every way of leaving (timeout, `CLIENT UNBLOCK`,
//! disconnect) take one `serving` lock, so a waiter is either served (its result sent) or
//! removed without running, never both: an element is never popped for a client that is
//! gone. Lock order: `serving`, then segment locks, then the registry's mutex; a
//! registration or an observed change holds segment locks and then takes the registry,
//! never `serving`.
//!
//! Unlike single-threaded Redis, a command on another thread that runs between a push and
//! the serving that follows it can take the pushed element first (it never blocked, so
//! there is no queue position to respect); clients that did block are always served in
//! the order they blocked.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::error::{Error, Result};
use crate::store::numeric::timeout_ms;

/// How long a blocking command may wait: `None` is forever (a timeout of 0).
pub type BlockTimeout = Option<Duration>;

/// Parses a blocking command's timeout in seconds (a long double, rounded up to whole
/// milliseconds) with Redis's errors: `ERR timeout is not a float or out of range`,
/// `ERR timeout is negative`. 0 waits forever.
pub fn parse_timeout(arg: &[u8]) -> Result<BlockTimeout> {
    let ms = timeout_ms(arg).ok_or_else(|| Error::err("timeout is not a float or out of range"))?;
    timeout_from_ms(ms)
}

/// A timeout given as a number of seconds (typed gRPC requests), with the same rules.
pub fn timeout_from_secs(secs: f64) -> Result<BlockTimeout> {
    if secs.is_nan() {
        return Err(Error::err("timeout is not a float or out of range"));
    }
    let ms = (secs * 1000.0).ceil();
    let ms = if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&ms) {
        ms as i64
    } else {
        i64::MIN
    };
    timeout_from_ms(ms)
}

fn timeout_from_ms(ms: i64) -> Result<BlockTimeout> {
    match ms {
        ..0 => Err(Error::err("timeout is negative")),
        0 => Ok(None),
        ms => Ok(Some(Duration::from_millis(ms as u64))),
    }
}

/// How `CLIENT UNBLOCK` ends a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnblockMode {
    /// As if the timeout had expired.
    Timeout,
    /// With `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

/// The error a client unblocked with `CLIENT UNBLOCK id ERROR` gets.
pub const UNBLOCKED_ERROR: Error = Error::full("UNBLOCKED client unblocked via CLIENT UNBLOCK");

/// What one try at serving a waiter from a ready key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The waiter got its result and leaves every queue.
    Served,
    /// The key holds a type this waiter does not wait for: try the next waiter.
    Skip,
    /// The key holds nothing to serve: the waiter keeps waiting, and so do later ones.
    Keep,
}

/// A blocked client's pending command, able to serve itself.
pub trait Waiter<E>: Send {
    /// Tries to serve the client from `key` of `db` (called under the serving lock, with
    /// no store lock held). On [`Attempt::Served`] the waiter has delivered its result.
    fn attempt(&mut self, env: &E, db: usize, key: &[u8]) -> Attempt;

    /// Ends the wait without serving it (`CLIENT UNBLOCK`).
    fn unblock(self: Box<Self>, env: &E, mode: UnblockMode);
}

/// How a wait ended, as its [`Wait`] reports it.
#[derive(Debug)]
pub enum Outcome<T> {
    Served(T),
    TimedOut,
    Unblocked(UnblockMode),
}

/// The registry of blocked clients (one per server).
pub struct Blocking<E> {
    /// Waiters registered now: observed changes skip the registry with one load when
    /// nobody waits.
    waiting: AtomicUsize,
    /// Whether keys may be ready: one load after each command when none are.
    pending: AtomicBool,
    registry: Mutex<Registry<E>>,
    /// Held while serving and while a waiter leaves (see the module docs).
    serving: Mutex<()>,
    /// Waits with a timeout (`INFO` `clients_in_timeout_table`), counted by their
    /// [`TimedWait`] guards.
    timed: Arc<AtomicUsize>,
}

/// Counts a wait with a timeout while it lasts.
pub struct TimedWait(Arc<AtomicUsize>);

impl Drop for TimedWait {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<E> Default for Blocking<E> {
    fn default() -> Self {
        Blocking {
            waiting: AtomicUsize::new(0),
            pending: AtomicBool::new(false),
            registry: Mutex::new(Registry {
                next_id: 0,
                queues: HashMap::new(),
                waiters: HashMap::new(),
                by_client: HashMap::new(),
                ready: VecDeque::new(),
            }),
            serving: Mutex::new(()),
            timed: Arc::default(),
        }
    }
}

struct Registry<E> {
    next_id: u64,
    /// Waiter ids per (database, key), oldest first.
    queues: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, Entry<E>>,
    /// Waiter id per client id, for `CLIENT UNBLOCK` and `CLIENT LIST` flags.
    by_client: HashMap<u64, u64>,
    /// Keys readied since the last serving, in the order they became ready.
    ready: VecDeque<(usize, Bytes)>,
}

struct Entry<E> {
    client_id: u64,
    db: usize,
    keys: Vec<Bytes>,
    /// Taken out while the waiter is being tried (under the serving lock).
    waiter: Option<Box<dyn Waiter<E>>>,
}

impl<E> Registry<E> {
    /// Removes a waiter from every queue; `None` when it is not registered (any more).
    fn remove(&mut self, id: u64) -> Option<Entry<E>> {
        let entry = self.waiters.remove(&id)?;
        if self.by_client.get(&entry.client_id) == Some(&id) {
            self.by_client.remove(&entry.client_id);
        }
        for key in &entry.keys {
            let slot = (entry.db, key.clone());
            if let Some(queue) = self.queues.get_mut(&slot) {
                queue.retain(|&w| w != id);
                if queue.is_empty() {
                    self.queues.remove(&slot);
                }
            }
        }
        Some(entry)
    }
}

impl<E: 'static> Blocking<E> {
    /// Number of blocked clients (`INFO clients` `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Number of keys some client is blocked on (`INFO clients` `total_blocking_keys`).
    pub fn blocking_keys(&self) -> usize {
        if self.blocked_clients() == 0 {
            return 0;
        }
        self.registry.lock().queues.len()
    }

    /// Number of waits with a timeout (Redis's clients in its timeout table).
    pub fn with_timeout(&self) -> usize {
        self.timed.load(Ordering::Relaxed)
    }

    /// Whether a client is blocked now (`CLIENT LIST` flag `b`).
    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.blocked_clients() > 0 && self.registry.lock().by_client.contains_key(&client_id)
    }

    /// Registers `waiter` for client `client_id` on `keys` of `db`. Called while the txn
    /// that found the keys empty still holds their locks. The returned registration
    /// removes the waiter when dropped before it was served.
    pub fn register(
        self: &Arc<Self>,
        client_id: u64,
        db: usize,
        keys: &[&[u8]],
        waiter: Box<dyn Waiter<E>>,
    ) -> Registration {
        let keys: Vec<Bytes> = keys.iter().map(|k| Bytes::copy_from_slice(k)).collect();
        let mut registry = self.registry.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        for key in &keys {
            let queue = registry.queues.entry((db, key.clone())).or_default();
            // BLPOP k k waits once on k.
            if queue.back() != Some(&id) {
                queue.push_back(id);
            }
        }
        registry.by_client.insert(client_id, id);
        registry.waiters.insert(
            id,
            Entry {
                client_id,
                db,
                keys,
                waiter: Some(waiter),
            },
        );
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Registration {
            blocking: self.clone(),
            id,
            finished: false,
        }
    }

    /// Notes that `key` of `db` changed. A no-op unless someone waits on it.
    pub fn signal_ready(&self, db: usize, key: &[u8]) {
        if self.waiting.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        let slot = (db, Bytes::copy_from_slice(key));
        if registry.queues.contains_key(&slot) && !registry.ready.contains(&slot) {
            registry.ready.push_back(slot);
            self.pending.store(true, Ordering::Release);
        }
    }

    /// Marks every waited key of database `db` ready (it was flushed: a blocked
    /// XREADGROUP learns its stream is gone).
    pub fn signal_db(&self, db: usize) {
        if self.waiting.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut registry = self.registry.lock();
        let keys: Vec<(usize, Bytes)> = registry
            .queues
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        for slot in keys {
            if !registry.ready.contains(&slot) {
                registry.ready.push_back(slot);
                self.pending.store(true, Ordering::Release);
            }
        }
    }

    /// Whether some key is ready to serve.
    pub fn has_ready(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Serves every ready key (see the module docs); returns once none is left, so the
    /// command that readied a key has its waiters served before its client goes on.
    pub fn serve_ready(&self, env: &E) {
        let _serving = self.serving.lock();
        while let Some((db, key)) = self.next_ready() {
            let mut skipped = Vec::new();
            while let Some((id, mut waiter)) = self.next_waiter(db, &key, &skipped) {
                let attempt = waiter.attempt(env, db, &key);
                let mut registry = self.registry.lock();
                match attempt {
                    Attempt::Served => {
                        if registry.remove(id).is_some() {
                            self.waiting.fetch_sub(1, Ordering::Relaxed);
                        }
                    }
                    Attempt::Skip | Attempt::Keep => {
                        // Still registered: nothing but serving removes a waiter while
                        // the serving lock is held.
                        if let Some(entry) = registry.waiters.get_mut(&id) {
                            entry.waiter = Some(waiter);
                        }
                        if attempt == Attempt::Keep {
                            break;
                        }
                        skipped.push(id);
                    }
                }
            }
        }
    }

    fn next_ready(&self) -> Option<(usize, Bytes)> {
        let mut registry = self.registry.lock();
        let next = registry.ready.pop_front();
        if next.is_none() {
            self.pending.store(false, Ordering::Release);
        }
        next
    }

    /// The oldest waiter of a key not yet skipped in this round, taken out to be tried.
    fn next_waiter(
        &self,
        db: usize,
        key: &Bytes,
        skipped: &[u64],
    ) -> Option<(u64, Box<dyn Waiter<E>>)> {
        let mut registry = self.registry.lock();
        let id = *registry
            .queues
            .get(&(db, key.clone()))?
            .iter()
            .find(|id| !skipped.contains(id))?;
        let waiter = registry.waiters.get_mut(&id)?.waiter.take()?;
        Some((id, waiter))
    }

    /// Removes a waiter that was not served; false when it was served already (its result
    /// is then in its channel).
    fn cancel(&self, id: u64) -> bool {
        let _serving = self.serving.lock();
        let removed = self.registry.lock().remove(id);
        if removed.is_some() {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        removed.is_some()
    }

    /// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: ends the client's wait; false when it is not
    /// blocked.
    pub fn unblock(&self, env: &E, client_id: u64, mode: UnblockMode) -> bool {
        let _serving = self.serving.lock();
        let mut registry = self.registry.lock();
        let Some(&id) = registry.by_client.get(&client_id) else {
            return false;
        };
        let Some(entry) = registry.remove(id) else {
            return false;
        };
        drop(registry);
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        if let Some(waiter) = entry.waiter {
            waiter.unblock(env, mode);
        }
        true
    }
}

/// What a registration needs of its registry, whatever the registry's environment type.
trait Cancel: Send + Sync {
    fn cancel(&self, id: u64) -> bool;
}

impl<E: 'static> Cancel for Blocking<E> {
    fn cancel(&self, id: u64) -> bool {
        Blocking::cancel(self, id)
    }
}

/// A registered waiter. Dropping it before the wait ended removes the waiter from every
/// queue (disconnect, `CLIENT KILL`, gRPC cancellation).
pub struct Registration {
    blocking: Arc<dyn Cancel>,
    id: u64,
    finished: bool,
}

impl Registration {
    /// Removes the waiter; false when it was served (or unblocked) first.
    fn cancel(&mut self) -> bool {
        self.finished = true;
        self.blocking.cancel(self.id)
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if !self.finished {
            self.blocking.cancel(self.id);
        }
    }
}

/// The sending half a waiter delivers its outcome through.
pub type Deliver<T> = oneshot::Sender<Outcome<T>>;

/// A blocked client's wait for its result.
pub struct Wait<T> {
    registration: Registration,
    receiver: oneshot::Receiver<Outcome<T>>,
    deadline: Option<Instant>,
    /// Set when the wait has a deadline and counts in its registry.
    timed: Option<TimedWait>,
}

impl<T> Wait<T> {
    /// A wait for a waiter registered as `registration` that delivers through the sender
    /// paired with `receiver`.
    pub fn new(
        registration: Registration,
        receiver: oneshot::Receiver<Outcome<T>>,
        timeout: BlockTimeout,
    ) -> Wait<T> {
        Wait {
            registration,
            receiver,
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            timed: None,
        }
    }

    /// Counts the wait, while it lasts, among `blocking`'s waits with a timeout.
    pub fn counted_in<E>(mut self, blocking: &Blocking<E>) -> Wait<T> {
        if self.deadline.is_some() && self.timed.is_none() {
            blocking.timed.fetch_add(1, Ordering::Relaxed);
            self.timed = Some(TimedWait(blocking.timed.clone()));
        }
        self
    }

    /// Waits until the client is served, unblocked, or its timeout passes.
    pub async fn outcome(mut self) -> Outcome<T> {
        let delivered = match self.deadline {
            None => (&mut self.receiver).await.ok(),
            Some(deadline) => tokio::select! {
                outcome = &mut self.receiver => outcome.ok(),
                _ = tokio::time::sleep_until(deadline) => None,
            },
        };
        if let Some(outcome) = delivered {
            self.registration.finished = true;
            return outcome;
        }
        if self.registration.cancel() {
            return Outcome::TimedOut;
        }
        // Served (or unblocked) while the timer fired: that outcome stands.
        self.receiver.try_recv().unwrap_or(Outcome::TimedOut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_follow_redis() {
        let ms = |s: &str| parse_timeout(s.as_bytes());
        assert_eq!(ms("0").unwrap(), None);
        assert_eq!(ms("1.5").unwrap(), Some(Duration::from_millis(1500)));
        assert_eq!(ms("0.0001").unwrap(), Some(Duration::from_millis(1)));
        assert_eq!(ms("0x10").unwrap(), Some(Duration::from_secs(16)));
        // ceil(-0.001 * 1000) is -0 in long double arithmetic: wait forever.
        assert_eq!(ms("-0.001").unwrap(), None);
        let negative = Error::err("timeout is negative");
        let not_float = Error::err("timeout is not a float or out of range");
        for bad in ["-1", "-0.5", "inf", "1e400", "9223372036854776"] {
            assert_eq!(ms(bad), Err(negative.clone()), "{bad}");
        }
        for bad in ["x", "nan", " 1", "1 ", ""] {
            assert_eq!(ms(bad), Err(not_float.clone()), "{bad}");
        }
        assert_eq!(timeout_from_secs(0.0).unwrap(), None);
        assert_eq!(
            timeout_from_secs(0.25).unwrap(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(timeout_from_secs(-1.0), Err(negative));
        assert_eq!(timeout_from_secs(f64::NAN), Err(not_float));
    }

    /// A waiter serving from a per-key counter of "elements" in the environment.
    struct Counter {
        name: &'static str,
        wants: &'static str,
        deliver: Option<Deliver<&'static str>>,
    }

    type Env = Mutex<HashMap<&'static str, (&'static str, usize)>>;

    impl Waiter<Env> for Counter {
        fn attempt(&mut self, env: &Env, _db: usize, key: &[u8]) -> Attempt {
            let mut env = env.lock();
            let key = std::str::from_utf8(key).unwrap();
            match env.get_mut(key) {
                None | Some((_, 0)) => Attempt::Keep,
                Some((kind, _)) if *kind != self.wants => Attempt::Skip,
                Some((_, n)) => {
                    *n -= 1;
                    let _ = self
                        .deliver
                        .take()
                        .unwrap()
                        .send(Outcome::Served(self.name));
                    Attempt::Served
                }
            }
        }

        fn unblock(mut self: Box<Self>, _env: &Env, mode: UnblockMode) {
            let _ = self.deliver.take().unwrap().send(Outcome::Unblocked(mode));
        }
    }

    fn wait_for(
        blocking: &Arc<Blocking<Env>>,
        client: u64,
        keys: &[&[u8]],
        name: &'static str,
        wants: &'static str,
    ) -> Wait<&'static str> {
        let (deliver, receiver) = oneshot::channel();
        let registration = blocking.register(
            client,
            0,
            keys,
            Box::new(Counter {
                name,
                wants,
                deliver: Some(deliver),
            }),
        );
        Wait::new(registration, receiver, None)
    }

    #[tokio::test]
    async fn serves_in_order_skips_other_kinds_and_keeps_the_rest_waiting() {
        let blocking: Arc<Blocking<Env>> = Arc::default();
        let env: Env = Mutex::new(HashMap::new());
        let first = wait_for(&blocking, 1, &[b"k"], "first", "list");
        let zset = wait_for(&blocking, 2, &[b"k"], "zset", "zset");
        let second = wait_for(&blocking, 3, &[b"k", b"other"], "second", "list");
        let third = wait_for(&blocking, 4, &[b"k"], "third", "list");
        assert_eq!(blocking.blocked_clients(), 4);
        assert_eq!(blocking.blocking_keys(), 2);
        env.lock().insert("k", ("list", 2));
        blocking.signal_ready(0, b"k");
        blocking.serve_ready(&env);
        assert!(matches!(first.outcome().await, Outcome::Served("first")));
        assert!(matches!(second.outcome().await, Outcome::Served("second")));
        assert_eq!(blocking.blocked_clients(), 2);
        assert!(blocking.is_blocked(2) && blocking.is_blocked(4));
        assert!(blocking.unblock(&env, 4, UnblockMode::Error));
        assert!(matches!(
            third.outcome().await,
            Outcome::Unblocked(UnblockMode::Error)
        ));
        drop(zset);
        assert_eq!(blocking.blocked_clients(), 0);
        assert_eq!(blocking.blocking_keys(), 0);
    }

    #[tokio::test]
    async fn a_timeout_removes_the_waiter() {
        let blocking: Arc<Blocking<Env>> = Arc::default();
        let (deliver, receiver) = oneshot::channel();
        let registration = blocking.register(
            1,
            0,
            &[b"k"],
            Box::new(Counter {
                name: "w",
                wants: "list",
                deliver: Some(deliver),
            }),
        );
        let wait = Wait::new(registration, receiver, Some(Duration::from_millis(5)));
        assert!(matches!(wait.outcome().await, Outcome::TimedOut));
        assert_eq!(blocking.blocked_clients(), 0);
    }
}
