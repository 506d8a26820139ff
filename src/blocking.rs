//! Blocking commands (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX,
//! BZMPOP): the registry of blocked clients and the serving of them when their keys get
//! elements.
//!
//! # The protocol, as Redis has it
//! A blocking command first tries to serve itself like its non-blocking form. When every
//! key is empty it blocks: it is queued on each of its keys, FIFO per key. A command that
//! adds elements to a key "readies" it; right after that command (before the same client's
//! next command), the server serves the ready keys: each waiter of a ready key, oldest
//! first, re-runs its own command in non-blocking mode. If that produced a reply (elements,
//! or an error such as WRONGTYPE on BLMOVE's destination), the waiter is removed from all
//! its queues and gets the reply; if not (the key is empty again), it keeps waiting and the
//! key's later waiters are not tried. Serving can ready further keys (BLMOVE pushes into its
//! destination); serving goes on until no key is ready. A waiter also ends at its timeout
//! (the command's timeout reply), by `CLIENT UNBLOCK`, or when its client goes away
//! (disconnect, `CLIENT KILL`, shutdown, a gRPC deadline or cancellation): dropping the
//! [`Wait`] removes it from every queue.
//!
//! # Plugging a new blocking command in
//! - Its handler opens its txn as usual and, finding something, answers like the
//!   non-blocking form. Finding every key empty, it calls
//!   [`Ctx::block`](crate::commands::Ctx::block)`(argv, keys, timeout, timeout_reply)`
//!   **while still holding that txn** and returns what `block` returns. The timeout is
//!   parsed with [`parse_timeout`] (seconds, Redis's rules and error texts). `block`
//!   registers the client (or, when the server is re-running the command to serve it,
//!   notes that nothing was served) and the front end then waits; the handler needs
//!   nothing else.
//! - Every command that adds elements to a key a blocking command waits on calls
//!   [`Ctx::signal_ready`](crate::commands::Ctx::signal_ready)`(db, key)` after adding them
//!   (inside or after its txn). It costs one relaxed load when nobody is blocked.
//!   [`crate::commands::execute`] (and the typed gRPC RPCs) serve the ready keys after the
//!   command returns.
//!
//! # Why no wake-up is lost, and no element
//! Registration happens under the segment locks of the txn that found the keys empty, and
//! a push to one of those keys holds the same lock, so either the push comes first (and the
//! blocking command finds its element) or the waiter is registered before the push signals.
//! Serving and every way of leaving (timeout, `CLIENT UNBLOCK`, disconnect) take one
//! `serving` lock, so a waiter is either served (its command ran and the reply was sent) or
//! removed without running, never both: an element is never popped for a client that is
//! gone. Lock order: `serving`, then segment locks, then the registry's mutex; a
//! registration holds segment locks and then takes the registry, never `serving`.
//!
//! Unlike single-threaded Redis, a blocking command from another thread that runs between
//! a push and the serving that follows it can take the pushed element first (it never
//! blocked, so there is no queue position to respect); clients that did block are always
//! served in the order they blocked.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::commands::{Ctx, Protocol, Reply, Session};
use crate::error::{Error, Result};
use crate::state::{ClientInfo, ServerState};
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

/// The registry of blocked clients (one per server).
#[derive(Default)]
pub struct Blocking {
    /// Waiters registered now: pushes skip the registry with one load when nobody waits.
    waiting: AtomicUsize,
    /// Whether keys may be ready: one load after each command when none are.
    pending: AtomicBool,
    registry: Mutex<Registry>,
    /// Held while serving and while a waiter leaves (see the module docs).
    serving: Mutex<()>,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// Waiter ids per (database, key), oldest first.
    queues: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, Waiter>,
    /// Waiter id per client id, for `CLIENT UNBLOCK` and `CLIENT LIST` flags.
    by_client: HashMap<u64, u64>,
    /// Keys readied since the last serving, in the order they became ready.
    ready: VecDeque<(usize, Bytes)>,
}

struct Waiter {
    client: Arc<ClientInfo>,
    db: usize,
    protocol: Protocol,
    /// The command to re-run (owned copies: no slice of a read buffer is kept).
    argv: Vec<Bytes>,
    keys: Vec<Bytes>,
    timeout_reply: Reply,
    reply: oneshot::Sender<Reply>,
}

impl Registry {
    /// Removes a waiter from every queue; `None` when it is not registered (any more).
    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let waiter = self.waiters.remove(&id)?;
        if self.by_client.get(&waiter.client.id) == Some(&id) {
            self.by_client.remove(&waiter.client.id);
        }
        for key in &waiter.keys {
            let slot = (waiter.db, key.clone());
            if let Some(queue) = self.queues.get_mut(&slot) {
                queue.retain(|&w| w != id);
                if queue.is_empty() {
                    self.queues.remove(&slot);
                }
            }
        }
        Some(waiter)
    }
}

/// What re-running a waiter's command needs, copied out of the registry.
struct Rerun {
    id: u64,
    client: Arc<ClientInfo>,
    db: usize,
    protocol: Protocol,
    argv: Vec<Bytes>,
}

impl Blocking {
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

    /// Whether a client is blocked now (`CLIENT LIST` flag `b`).
    pub fn is_blocked(&self, client_id: u64) -> bool {
        self.blocked_clients() > 0 && self.registry.lock().by_client.contains_key(&client_id)
    }

    /// Registers a waiter on `keys`; called by [`Ctx::block`] under the command's txn.
    pub(crate) fn register(
        self: &Arc<Self>,
        session: &Session,
        argv: &[Bytes],
        keys: &[&[u8]],
        timeout: BlockTimeout,
        timeout_reply: Reply,
    ) -> Wait {
        let (sender, receiver) = oneshot::channel();
        let owned = |b: &[u8]| Bytes::copy_from_slice(b);
        let keys: Vec<Bytes> = keys.iter().map(|k| owned(k)).collect();
        let mut registry = self.registry.lock();
        registry.next_id += 1;
        let id = registry.next_id;
        for key in &keys {
            let queue = registry
                .queues
                .entry((session.db, key.clone()))
                .or_default();
            // BLPOP k k waits once on k.
            if queue.back() != Some(&id) {
                queue.push_back(id);
            }
        }
        registry.by_client.insert(session.client.id, id);
        registry.waiters.insert(
            id,
            Waiter {
                client: session.client.clone(),
                db: session.db,
                protocol: session.protocol,
                argv: argv.iter().map(|a| owned(a)).collect(),
                keys,
                timeout_reply: timeout_reply.clone(),
                reply: sender,
            },
        );
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Wait {
            blocking: self.clone(),
            id,
            receiver,
            deadline: timeout.and_then(|t| Instant::now().checked_add(t)),
            timeout_reply,
            finished: false,
        }
    }

    /// Notes that `key` of `db` got elements. A no-op unless someone waits on it.
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

    /// Whether some key is ready to serve.
    pub fn has_ready(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// Serves every ready key (see the module docs); returns once none is left, so the
    /// command that readied a key has its waiters served before its client goes on.
    pub fn serve_ready(&self, server: &ServerState) {
        let _serving = self.serving.lock();
        while let Some(slot) = self.next_ready() {
            while let Some(rerun) = self.first_waiter(&slot) {
                let mut session = Session::new(rerun.client.clone());
                session.db = rerun.db;
                session.protocol = rerun.protocol;
                session.rerun = RerunState::Serving;
                let reply = match crate::commands::dispatch(
                    &mut Ctx {
                        server,
                        session: &mut session,
                    },
                    &rerun.argv,
                ) {
                    Ok(reply) => reply,
                    Err(e) => Reply::Error(e),
                };
                if session.rerun == RerunState::Unserved {
                    break;
                }
                let waiter = self.registry.lock().remove(rerun.id);
                if let Some(waiter) = waiter {
                    self.waiting.fetch_sub(1, Ordering::Relaxed);
                    // A receiver dropped since is cleaning up under `serving`; cannot be.
                    let _ = waiter.reply.send(reply);
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

    fn first_waiter(&self, slot: &(usize, Bytes)) -> Option<Rerun> {
        let registry = self.registry.lock();
        let id = *registry.queues.get(slot)?.front()?;
        let w = &registry.waiters[&id];
        Some(Rerun {
            id,
            client: w.client.clone(),
            db: w.db,
            protocol: w.protocol,
            argv: w.argv.clone(),
        })
    }

    /// Removes a waiter that was not served; false when it was served already (its reply
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
    pub fn unblock(&self, client_id: u64, mode: UnblockMode) -> bool {
        let _serving = self.serving.lock();
        let mut registry = self.registry.lock();
        let Some(&id) = registry.by_client.get(&client_id) else {
            return false;
        };
        let Some(waiter) = registry.remove(id) else {
            return false;
        };
        drop(registry);
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let reply = match mode {
            UnblockMode::Timeout => waiter.timeout_reply,
            UnblockMode::Error => Reply::Error(UNBLOCKED_ERROR),
        };
        let _ = waiter.reply.send(reply);
        true
    }
}

/// Whether a command runs to serve a blocked client (set by the serving loop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RerunState {
    /// A normal call: a blocking command may block.
    #[default]
    No,
    /// Re-run to serve a waiter: it must not block again.
    Serving,
    /// Re-run found nothing: the waiter keeps waiting.
    Unserved,
}

/// A blocked client's wait for its reply. Dropping it before the reply came removes the
/// client from every queue (disconnect, `CLIENT KILL`, gRPC cancellation).
pub struct Wait {
    blocking: Arc<Blocking>,
    id: u64,
    receiver: oneshot::Receiver<Reply>,
    deadline: Option<Instant>,
    timeout_reply: Reply,
    finished: bool,
}

impl Wait {
    /// Waits until the client is served, unblocked, or its timeout passes (then the
    /// command's timeout reply).
    pub async fn reply(mut self) -> Reply {
        let served = match self.deadline {
            None => (&mut self.receiver).await.ok(),
            Some(deadline) => tokio::select! {
                reply = &mut self.receiver => reply.ok(),
                _ = tokio::time::sleep_until(deadline) => None,
            },
        };
        self.finished = true;
        if let Some(reply) = served {
            return reply;
        }
        if self.blocking.cancel(self.id) {
            return self.timeout_reply.clone();
        }
        // Served (or unblocked) while the timer fired: that reply stands.
        self.receiver
            .try_recv()
            .unwrap_or_else(|_| self.timeout_reply.clone())
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if !self.finished {
            self.blocking.cancel(self.id);
        }
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
}
