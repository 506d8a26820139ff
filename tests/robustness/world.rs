//! The world the fuzz runs in: pre-populated keys, victim connections, shared state.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::catalog::Catalog;
use crate::generate::TameCounts;
use crate::panics::lock;
use crate::resp::{Argv, Conn, argv_of, encode_multibulk};
use crate::settings::Settings;
use crate::show::show_argv;
use crate::values::Dynamic;

// ---------------------------------------------------------------------------------------
// The world: pre-populated keys, victims, shared state
// ---------------------------------------------------------------------------------------

/// FLUSHALL, then one key of every type and encoding (listpack/intset thresholds crossed
/// by the big ones).
pub(crate) fn populate_script() -> Vec<Argv> {
    let words = |w: &[&str]| -> Argv { w.iter().map(|s| s.as_bytes().to_vec()).collect() };
    let mut script = vec![
        words(&["FLUSHALL"]),
        words(&["SET", "str", "hello world"]),
        words(&["SET", "int", "12345"]),
        words(&["SET", "neg", "-42"]),
        words(&["SET", "float", "3.5"]),
        vec![b"SET".to_vec(), b"bigstr".to_vec(), vec![b'x'; 1000]],
        vec![b"SET".to_vec(), b"bin".to_vec(), b"\x00\xff\r\nz".to_vec()],
        words(&["SET", "ttl", "v", "PX", "3600000"]),
        words(&["RPUSH", "list", "a", "b", "c", "1", "2", "3", "a"]),
        words(&[
            "HSET", "hash", "f1", "v1", "f2", "v2", "n", "10", "fl", "1.5",
        ]),
        vec![
            b"HSET".to_vec(),
            b"hashlong".to_vec(),
            b"f".to_vec(),
            vec![b'v'; 65],
        ],
        words(&["SADD", "set", "a", "b", "c", "d", "e"]),
        words(&[
            "SADD",
            "intset",
            "1",
            "2",
            "3",
            "-5",
            "100",
            "9223372036854775807",
            "-9223372036854775808",
        ]),
        words(&[
            "ZADD", "zset", "1", "a", "2", "b", "3", "c", "2.5", "d", "-inf", "lo", "+inf", "hi",
        ]),
        words(&[
            "ZADD", "zlex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e",
        ]),
    ];
    let mut biglist = words(&["RPUSH", "biglist"]);
    biglist.extend((0..256).map(|i| i.to_string().into_bytes()));
    biglist.push(vec![b'y'; 100]);
    let mut bighash = words(&["HSET", "bighash"]);
    let mut bigset = words(&["SADD", "bigset"]);
    let mut bigintset = words(&["SADD", "bigintset"]);
    for i in 0..600 {
        bighash.push(format!("f{i}").into_bytes());
        bighash.push(format!("v{i}").into_bytes());
        bigset.push(format!("m{i}").into_bytes());
        bigintset.push(i.to_string().into_bytes());
    }
    let mut bigzset = words(&["ZADD", "bigzset"]);
    for i in 0..200 {
        bigzset.push(i.to_string().into_bytes());
        bigzset.push(format!("m{i}").into_bytes());
    }
    script.extend([biglist, bighash, bigset, bigintset, bigzset]);
    // A small stream with a group, pending entries, a tombstone and an idle consumer, and
    // one spanning several nodes, so stream commands meet every part of the structure.
    script.extend([
        words(&["XADD", "stream", "1-1", "f", "v", "n", "1"]),
        words(&["XADD", "stream", "2-0", "other", "x"]),
        words(&["XADD", "stream", "3-0", "f", "w", "n", "3"]),
        words(&["XGROUP", "CREATE", "stream", "g", "0"]),
        words(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "c1",
            "COUNT",
            "2",
            "STREAMS",
            "stream",
            ">",
        ]),
        words(&["XGROUP", "CREATECONSUMER", "stream", "g", "idle"]),
        words(&["XDEL", "stream", "2-0"]),
    ]);
    for i in 1..=250 {
        script.push(words(&[
            "XADD",
            "bigstream",
            &format!("{i}-0"),
            "f",
            &i.to_string(),
        ]));
    }
    script
}

pub(crate) async fn reseed(control: &mut Conn) -> Result<(), String> {
    for cmd in populate_script() {
        let reply = control.call(&cmd).await?;
        if reply.is_error() {
            return Err(format!(
                "{} answered {}",
                show_argv(&cmd, 40),
                reply.brief()
            ));
        }
    }
    Ok(())
}

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) commands: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) resp3_replies: AtomicU64,
    pub(crate) resp3_batches: AtomicU64,
    pub(crate) inline: AtomicU64,
    pub(crate) bytes_sent: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) reseeds: AtomicU64,
    pub(crate) victims_killed: AtomicU64,
    pub(crate) error_kinds: Mutex<HashMap<String, u64>>,
    pub(crate) skipped_known: Mutex<BTreeMap<&'static str, u64>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Failure {
    pub(crate) signature: String,
    pub(crate) summary: String,
    pub(crate) repro: String,
}

pub(crate) struct Shared {
    pub(crate) addr: SocketAddr,
    pub(crate) settings: Settings,
    pub(crate) catalog: Catalog,
    pub(crate) control: tokio::sync::Mutex<Conn>,
    pub(crate) witness: tokio::sync::Mutex<Conn>,
    pub(crate) victims: tokio::sync::Mutex<Vec<Conn>>,
    /// Ids of the fuzz connections currently open.
    pub(crate) fuzz_ids: Mutex<HashMap<usize, i64>>,
    /// Batches hold it shared; minimisation holds it alone (it restores the keys and
    /// replays commands, which must not interleave with other traffic).
    pub(crate) world: tokio::sync::RwLock<()>,
    pub(crate) stats: Stats,
    pub(crate) taming: TameCounts,
    pub(crate) failures: Mutex<Vec<Failure>>,
    /// Panics already attributed to a reported failure.
    pub(crate) attributed_panics: AtomicU64,
    pub(crate) stop: AtomicBool,
    pub(crate) thread_prefix: &'static str,
}

impl Shared {
    pub(crate) async fn dynamic(&self) -> Dynamic {
        let victims = self.victims.lock().await;
        let mut dynamic = Dynamic {
            victim_ids: victims
                .iter()
                .map(|v| v.id.to_string().into_bytes())
                .collect(),
            victim_addrs: victims
                .iter()
                .map(|v| v.addr.clone().into_bytes())
                .collect(),
            ids: Vec::new(),
        };
        dynamic.ids = dynamic.victim_ids.clone();
        dynamic.ids.extend(
            lock(&self.fuzz_ids)
                .values()
                .map(|id| id.to_string().into_bytes()),
        );
        dynamic.ids.push(b"0".to_vec());
        dynamic.ids.push(b"-1".to_vec());
        dynamic.ids.push(b"99999999".to_vec());
        dynamic
    }

    /// Restores the keys and replaces the victims (counting those the fuzz killed).
    pub(crate) async fn reseed(&self) -> Result<(), String> {
        reseed(&mut *self.control.lock().await).await?;
        let mut victims = self.victims.lock().await;
        for victim in victims.drain(..) {
            let mut probe = [0u8; 16];
            let closed = matches!(
                tokio::time::timeout(Duration::from_millis(1), {
                    let mut stream = victim.stream;
                    async move { stream.read(&mut probe).await }
                })
                .await,
                Ok(Ok(0)) | Ok(Err(_))
            );
            if closed {
                self.stats.victims_killed.fetch_add(1, Ordering::Relaxed);
            }
        }
        for i in 0..3 {
            let mut victim = Conn::open(self.addr).await?;
            // Two of them wait forever on keys the fuzz pushes to, so that CLIENT KILL,
            // CLIENT UNBLOCK, serving and the close at the next reseed all meet blocked
            // clients. Their replies are never read.
            let wait: &[&[u8]] = match i {
                0 => &[b"BLPOP", b"vq", b"0"],
                1 => &[b"BZPOPMIN", b"vz", b"0"],
                _ => &[],
            };
            if !wait.is_empty() {
                let mut out = Vec::new();
                encode_multibulk(&mut out, &argv_of(wait));
                victim
                    .stream
                    .write_all(&out)
                    .await
                    .map_err(|e| format!("victim write: {e}"))?;
            }
            victims.push(victim);
        }
        self.stats.reseeds.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    pub(crate) async fn witness_ok(&self) -> Result<(), String> {
        self.witness.lock().await.ping().await
    }
}
