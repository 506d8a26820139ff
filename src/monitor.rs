//! `MONITOR`: clients that see every command the server runs, one line per command, in
//! Redis's format: `+<seconds>.<microseconds> [<db> <client address>] "arg" "arg" ...`
//! with each argument quoted and escaped as Redis's `sdscatrepr` does.
//!
//! The execution path feeds a command after it ran (so `SELECT 3` shows database 3), as
//! Redis's `call()` does; commands refused before running (unknown, wrong arity, queued by
//! `MULTI`) are not shown, queued commands show when `EXEC` runs them, followed by `EXEC`
//! itself. Administrative commands and those Redis marks `skip_monitor` are never shown.
//! Lines are delivered through each monitor's outbox, like pub/sub messages.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use parking_lot::RwLock;

use crate::pubsub::{PubSub, Push};
use crate::state::ClientInfo;
use crate::store::unix_time_us;
use crate::tracking::{hold_for_running_client, running_client};

/// The clients in `MONITOR` mode.
#[derive(Default)]
pub struct Monitors {
    clients: RwLock<Vec<Arc<ClientInfo>>>,
    /// How many there are: while 0, a command pays one relaxed load.
    count: AtomicUsize,
}

impl Monitors {
    /// Adds `client`; false if it was monitoring already.
    pub fn add(&self, client: &Arc<ClientInfo>) -> bool {
        let mut clients = self.clients.write();
        if client.monitoring() {
            return false;
        }
        client.set_monitoring(true);
        client.expect_pushes();
        clients.push(client.clone());
        self.count.store(clients.len(), Ordering::Relaxed);
        true
    }

    /// Ends monitor mode for `client` (`RESET`, or it went away).
    pub fn remove(&self, client: &ClientInfo) {
        if !client.monitoring() {
            return;
        }
        let mut clients = self.clients.write();
        clients.retain(|c| c.id != client.id);
        client.set_monitoring(false);
        self.count.store(clients.len(), Ordering::Relaxed);
    }

    #[inline]
    pub fn active(&self) -> bool {
        self.count.load(Ordering::Relaxed) != 0
    }

    /// Shows a command that ran in database `db` for the client at `addr`.
    pub fn feed<A: AsRef<[u8]>>(&self, pubsub: &PubSub, db: usize, addr: &str, argv: &[A]) {
        let line: Arc<str> = line(unix_time_us(), db, addr, argv).into();
        let running = running_client();
        for monitor in self.clients.read().iter() {
            let push = Push::Monitor(line.clone());
            if monitor.id == running {
                // A monitor's own command shows after its reply.
                hold_for_running_client(push);
            } else {
                pubsub.push_to(monitor, push);
            }
        }
    }
}

/// One line of output, without the `+` and line end the encoder adds.
fn line<A: AsRef<[u8]>>(time_us: u64, db: usize, addr: &str, argv: &[A]) -> String {
    let mut line =
        String::with_capacity(48 + argv.iter().map(|a| a.as_ref().len() + 3).sum::<usize>());
    let _ = write!(
        line,
        "{}.{:06} [{db} {addr}]",
        time_us / 1_000_000,
        time_us % 1_000_000
    );
    for arg in argv {
        line.push(' ');
        quote(&mut line, arg.as_ref());
    }
    line
}

/// Redis's `sdscatrepr`: a double-quoted string with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`,
/// `\b` escaped, other printable ASCII as is, and every other byte as `\xHH`.
fn quote(out: &mut String, arg: &[u8]) {
    out.push('"');
    for &b in arg {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b' '..=b'~' => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push('"');
}

/// The arguments of a command the gRPC API ran without Redis arguments (a typed RPC): its
/// name and the keys it named.
pub fn typed_argv(name: &str, keys: &[Bytes]) -> Vec<Bytes> {
    let mut argv = Vec::with_capacity(1 + keys.len());
    argv.push(Bytes::copy_from_slice(name.as_bytes()));
    argv.extend(keys.iter().cloned());
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_quote_like_redis() {
        let argv: Vec<&[u8]> = vec![b"set", b"a b", b"x\"y\\z", b"\x01\n\r\t\x07\x08\xff", b""];
        assert_eq!(
            line(1_700_000_000_000_042, 3, "127.0.0.1:5000", &argv),
            r#"1700000000.000042 [3 127.0.0.1:5000] "set" "a b" "x\"y\\z" "\x01\n\r\t\a\b\xff" """#
        );
    }
}
