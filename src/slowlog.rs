//! The slow log (Redis's `slowlog.c`): commands that ran for at least
//! `slowlog-log-slower-than` microseconds (negative: never; 0: every command), newest
//! first, at most `slowlog-max-len` of them. Each entry keeps an id, the Unix time, the
//! duration, the arguments (at most 32, the last one then saying how many more there
//! were; each at most 128 bytes, then how many more bytes), the client's address and
//! name. Secrets are never kept: the arguments Redis redacts (AUTH and HELLO passwords,
//! ACL SETUSER rules, sensitive CONFIG SET values) are logged as `(redacted)`.
//!
//! Checked after every command with one atomic load (the threshold), so a server with the
//! default threshold pays nothing more on the hot path.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::commands::Route;
use crate::state::ClientInfo;

const MAX_ARGC: usize = 32;
const MAX_STRING: usize = 128;

/// One logged command.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    pub unix_secs: u64,
    pub duration_us: u64,
    pub argv: Vec<Bytes>,
    pub peer: String,
    pub client_name: Bytes,
}

pub struct SlowLog {
    /// `slowlog-log-slower-than` in microseconds; negative disables.
    threshold_us: AtomicI64,
    max_len: AtomicU64,
    next_id: AtomicU64,
    entries: Mutex<VecDeque<SlowEntry>>,
}

impl Default for SlowLog {
    fn default() -> Self {
        SlowLog {
            threshold_us: AtomicI64::new(10_000),
            max_len: AtomicU64::new(128),
            next_id: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::new()),
        }
    }
}

impl SlowLog {
    pub fn configure(&self, threshold_us: i64, max_len: u64) {
        self.threshold_us.store(threshold_us, Ordering::Relaxed);
        self.max_len.store(max_len, Ordering::Relaxed);
        let mut entries = self.entries.lock();
        entries.truncate(usize::try_from(max_len).unwrap_or(usize::MAX));
    }

    /// Logs a command of `client` (`None`: a script's, which Redis logs as its script
    /// client, address `?:0` and no name) that took `duration_us`, if that is slow enough
    /// and the command is one Redis logs.
    #[inline]
    pub fn consider(
        &self,
        client: Option<&ClientInfo>,
        route: &Route,
        argv: &[Bytes],
        duration_us: u64,
    ) {
        let threshold = self.threshold_us.load(Ordering::Relaxed);
        if threshold < 0 || (duration_us as i64) < threshold {
            return;
        }
        if route.has_flag(crate::commands::flags::SKIP_SLOWLOG) {
            return;
        }
        self.push(client, route, argv, duration_us);
    }

    #[cold]
    fn push(&self, client: Option<&ClientInfo>, route: &Route, argv: &[Bytes], duration_us: u64) {
        let redacted = redacted_arguments(route, argv);
        let kept = argv.len().min(MAX_ARGC);
        let mut logged = Vec::with_capacity(kept);
        for (i, arg) in argv.iter().take(kept).enumerate() {
            logged.push(if kept != argv.len() && i == kept - 1 {
                Bytes::from(format!("... ({} more arguments)", argv.len() - kept + 1))
            } else if redacted.contains(&i) {
                Bytes::from_static(b"(redacted)")
            } else if arg.len() > MAX_STRING {
                let mut s = arg[..MAX_STRING].to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_STRING).as_bytes(),
                );
                Bytes::from(s)
            } else {
                Bytes::copy_from_slice(arg)
            });
        }
        let entry = SlowEntry {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            unix_secs: crate::store::unix_time_ms() / 1000,
            duration_us,
            argv: logged,
            peer: client.map_or_else(|| "?:0".into(), |c| c.addr.clone()),
            client_name: client.map(|c| c.name.lock().clone()).unwrap_or_default(),
        };
        let max_len = usize::try_from(self.max_len.load(Ordering::Relaxed)).unwrap_or(usize::MAX);
        let mut entries = self.entries.lock();
        entries.push_front(entry);
        entries.truncate(max_len);
    }

    /// The newest `count` entries (all when `None`), newest first.
    pub fn newest(&self, count: Option<usize>) -> Vec<SlowEntry> {
        let entries = self.entries.lock();
        let n = count.map_or(entries.len(), |c| c.min(entries.len()));
        entries.iter().take(n).cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn reset(&self) {
        self.entries.lock().clear();
    }
}

/// The argument positions Redis replaces with `(redacted)` before anything logs the
/// command (its `redactClientCommandArgument` calls).
fn redacted_arguments(route: &Route, argv: &[Bytes]) -> Vec<usize> {
    let is = |i: usize, word: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(word.as_bytes()))
    };
    match route.full_name.as_str() {
        "auth" if argv.len() <= 3 => (1..argv.len()).collect(),
        "hello" => {
            let mut out = Vec::new();
            let mut j = 2;
            while j < argv.len() {
                if is(j, "AUTH") && j + 2 < argv.len() {
                    out.extend([j + 1, j + 2]);
                    j += 3;
                } else if is(j, "SETNAME") && j + 1 < argv.len() {
                    j += 2;
                } else {
                    break;
                }
            }
            out
        }
        "acl|setuser" => (2..argv.len()).collect(),
        "config|set" => (2..argv.len())
            .step_by(2)
            .filter(|&i| {
                i + 1 < argv.len()
                    && ["requirepass", "masterauth", "masteruser"]
                        .iter()
                        .any(|s| argv[i].eq_ignore_ascii_case(s.as_bytes()))
            })
            .map(|i| i + 1)
            .collect(),
        _ => Vec::new(),
    }
}
