//! The fuzz workers, and the client-leak check at the end of a test.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::batch::run_batch;
use crate::generate::{Gen, Taming, tame};
use crate::minimise::handle_failure;
use crate::panics::{lock, panics_of};
use crate::resp::{Conn, argv_of};
use crate::rng::Rng;
use crate::settings::{BATCH, RECONNECT_EVERY, RESEED_EVERY};
use crate::show::show_argv;
use crate::values::KEYS;
use crate::world::{Failure, Shared};

// ---------------------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------------------

fn inflight_path(worker: usize) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robustness-inflight-w{worker}.txt"))
}

async fn open_fuzz_conn(shared: &Shared, worker: usize, rng: &mut Rng) -> Result<Conn, String> {
    let mut conn = Conn::open(shared.addr).await?;
    if rng.chance(35) {
        conn.hello3().await?;
    }
    lock(&shared.fuzz_ids).insert(worker, conn.id);
    Ok(conn)
}

pub(crate) fn record_failure(shared: &Shared, signature: String, summary: String) {
    eprintln!("robustness: FAILURE: {summary}");
    let mut failures = lock(&shared.failures);
    failures.push(Failure {
        signature,
        summary,
        repro: String::new(),
    });
    shared.stop.store(true, Ordering::Relaxed);
}

pub(crate) async fn worker(shared: Arc<Shared>, index: usize, commands: u64) {
    let mut rng = Rng::new(
        shared
            .settings
            .seed
            .wrapping_add((index as u64 + 1).wrapping_mul(0xa076_1d64_78bd_642f)),
    );
    let mut conn = match open_fuzz_conn(&shared, index, &mut rng).await {
        Ok(c) => c,
        Err(e) => return record_failure(&shared, "connect".into(), format!("worker {index}: {e}")),
    };
    let mut sent = 0u64;
    let mut batch_no = 0u64;
    while sent < commands && !shared.stop.load(Ordering::Relaxed) {
        if batch_no % RESEED_EVERY == RESEED_EVERY - 1 {
            // Alone: another worker's batch could retype a key between FLUSHALL and its SET.
            let _alone = shared.world.write().await;
            if let Err(e) = shared.reseed().await {
                return record_failure(&shared, "reseed".into(), format!("reseed failed: {e}"));
            }
        }
        if batch_no % RECONNECT_EVERY == RECONNECT_EVERY - 1 {
            if let Err(e) = conn.quit().await {
                return record_failure(&shared, "quit".into(), format!("worker {index}: {e}"));
            }
            shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
            conn = match open_fuzz_conn(&shared, index, &mut rng).await {
                Ok(c) => c,
                Err(e) => {
                    return record_failure(
                        &shared,
                        "connect".into(),
                        format!("worker {index}: {e}"),
                    );
                }
            };
        }
        let n = (BATCH as u64).min(commands - sent) as usize;
        let dynamic = shared.dynamic().await;
        let mut cmds = Vec::with_capacity(n);
        if rng.chance(50) {
            cmds.push(argv_of(&[b"SELECT", b"0"]));
        }
        while cmds.len() < n {
            let mut argv = Gen {
                rng: &mut rng,
                cat: &shared.catalog,
                dynamic: &dynamic,
                typed_keys: KEYS,
            }
            .command();
            match tame(
                &mut argv,
                &shared.catalog,
                &dynamic,
                &mut rng,
                &shared.taming,
            ) {
                Taming::Kept => cmds.push(argv),
                Taming::Excluded => {}
                Taming::Known(id) => {
                    *lock(&shared.stats.skipped_known).entry(id).or_default() += 1;
                }
            }
        }
        let listing: String = cmds.iter().map(|c| show_argv(c, 256) + "\n").collect();
        if let Ok(dump) = std::env::var("MEMO_FUZZ_DUMP") {
            use std::io::Write as _;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(format!("{dump}.w{index}"))
                .expect("MEMO_FUZZ_DUMP file");
            file.write_all(listing.as_bytes()).expect("write the dump");
        }
        let _ = std::fs::write(inflight_path(index), listing);
        let bytes: usize = cmds.iter().flatten().map(Vec::len).sum();
        shared
            .stats
            .bytes_sent
            .fetch_add(bytes as u64, Ordering::Relaxed);
        if conn.wants_resp3
            && !conn.resp3
            && let Err(e) = conn.hello3().await
        {
            return record_failure(&shared, "hello".into(), format!("worker {index}: {e}"));
        }
        let resp3 = conn.resp3;
        let nonce = format!("robustness-w{index}-b{batch_no}").into_bytes();
        let guard = shared.world.read().await;
        let panics_before = panics_of(shared.thread_prefix).len();
        let result = run_batch(
            &mut conn,
            &cmds,
            &nonce,
            shared.settings.batch_limit,
            Some(&mut rng),
        )
        .await;
        drop(guard);
        shared.stats.commands.fetch_add(n as u64, Ordering::Relaxed);
        shared.stats.batches.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(outcome) => {
                let s = &shared.stats;
                s.errors.fetch_add(outcome.errors as u64, Ordering::Relaxed);
                s.resp3_replies
                    .fetch_add(outcome.resp3_replies as u64, Ordering::Relaxed);
                s.inline.fetch_add(outcome.inline as u64, Ordering::Relaxed);
                let mut kinds = lock(&s.error_kinds);
                for (kind, n) in outcome.error_kinds {
                    *kinds.entry(kind).or_default() += n;
                }
                if resp3 {
                    s.resp3_batches.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(failure) => {
                handle_failure(
                    &shared,
                    index,
                    batch_no,
                    &cmds,
                    resp3,
                    failure,
                    panics_before,
                )
                .await;
                conn = match open_fuzz_conn(&shared, index, &mut rng).await {
                    Ok(c) => c,
                    Err(e) => {
                        return record_failure(
                            &shared,
                            "connect".into(),
                            format!("worker {index}: {e}"),
                        );
                    }
                };
            }
        }
        if let Err(e) = shared.witness_ok().await {
            return record_failure(
                &shared,
                "witness".into(),
                format!(
                    "the witness stopped answering after worker {index}'s batch {batch_no}: {e}"
                ),
            );
        }
        sent += n as u64;
        batch_no += 1;
    }
    lock(&shared.fuzz_ids).remove(&index);
    if let Err(e) = conn.quit().await {
        record_failure(&shared, "quit".into(), format!("worker {index}: {e}"));
    }
}

/// `(id, line)` of every client in `CLIENT LIST`.
async fn client_list(conn: &mut Conn) -> Result<Vec<(i64, String)>, String> {
    let reply = conn.call(&argv_of(&[b"CLIENT", b"LIST"])).await?;
    let text = reply.text_lossy();
    Ok(text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let id = line
                .split(' ')
                .find_map(|f| f.strip_prefix("id="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(-1);
            (id, line.to_string())
        })
        .collect())
}

/// `connected_clients` and `blocked_clients` of `INFO clients`.
async fn connected_clients(conn: &mut Conn) -> Result<(i64, i64), String> {
    let reply = conn.call(&argv_of(&[b"INFO", b"clients"])).await?;
    let text = reply.text_lossy();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| format!("no {name} in {}", reply.brief()))
    };
    Ok((field("connected_clients:")?, field("blocked_clients:")?))
}

/// Waits until `CLIENT LIST` shows exactly `expected` (closed sockets are noticed by the
/// server asynchronously), then checks `INFO clients`.
pub(crate) async fn check_no_leak(
    control: &mut Conn,
    expected: &HashSet<i64>,
) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = client_list(control).await?;
        let ids: HashSet<i64> = list.iter().map(|(id, _)| *id).collect();
        if &ids == expected {
            break;
        }
        if std::time::Instant::now() > deadline {
            let extra: Vec<&String> = list
                .iter()
                .filter(|(id, _)| !expected.contains(id))
                .map(|(_, l)| l)
                .collect();
            return Err(format!(
                "CLIENT LIST should list only the harness's clients {expected:?}; leaked or \
                 missing: {extra:#?} (listed ids {ids:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (connected, blocked) = connected_clients(control).await?;
    if connected != expected.len() as i64 {
        return Err(format!(
            "INFO clients says connected_clients:{connected}, CLIENT LIST has {}",
            expected.len()
        ));
    }
    if blocked != 0 {
        return Err(format!(
            "INFO clients says blocked_clients:{blocked} with nobody blocked"
        ));
    }
    Ok(())
}
