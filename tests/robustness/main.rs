//! Robustness harness: no client input may panic the server, stall it, break its reply
//! framing or leak a client.
//!
//! `hostile_commands_never_crash_or_leak` starts an in-process server, asks it for every
//! command it has (`COMMAND`, subcommands included) and their argument grammar
//! (`COMMAND DOCS`) at run time, so a new command is fuzzed without touching this file.
//! Worker tasks then pipeline seeded random commands over real TCP connections (a share
//! of them after `HELLO 3`, a few sent as inline commands), in batches of [`BATCH`]
//! commands followed by a `PING <nonce>` sentinel, and check that
//! - every command gets exactly one well-formed RESP2/RESP3 reply (no RESP3-only type on
//!   a RESP2 connection), the sentinel comes back last, and within the batch time limit;
//! - the connection stays open (a close before the sentinel is a crash: the batch is
//!   reported and minimised to a one-line reproduction);
//! - no server thread panics (a panic hook records every panic with the first
//!   `memorabilia::` frame of its backtrace);
//! - a separate witness connection answers `PING` between batches;
//! - at the end `CLIENT LIST` lists only the harness's connections and `INFO clients`
//!   agrees (and reports no blocked client).
//!
//! Commands are built three ways: from the `COMMAND DOCS` argument tree (valid-looking
//! forms, with `numkeys` usually right), the same then mutated (replace, insert, delete,
//! duplicate, swap, truncate an argument), or the name with 0..=12 hostile arguments (now
//! and then hundreds): extreme integers, odd floats, binary junk, strings up to 100 KB,
//! option words (ours, every token of `COMMAND DOCS`, every `CONFIG GET *` name), glob
//! patterns, command names, client ids, and keys from a small pre-populated set holding
//! every type and encoding ([`populate_script`]), most often of the type the command's
//! documentation group works on. Three "victim" connections (two of them blocked forever
//! on keys the fuzz pushes to) give `CLIENT KILL` and `CLIENT UNBLOCK` real targets.
//! Commands that would legitimately end the connection or stall are excluded or tamed
//! ([`EXCLUDED`], [`tame`]); inputs that are known to crash today are skipped through
//! [`KNOWN_CRASHES`], each with its regression test in `tests/regressions.rs`.
//!
//! A failed batch is replayed alone against freshly restored keys to find the smallest
//! reproduction: each unanswered command alone, then with its keys swapped for keys of
//! every type (an earlier command may have retyped a key), then the batch cut down
//! ddmin-style; then arguments are dropped and shortened while the same failure (same
//! panic site) still shows.
//!
//! `garbage_bytes_end_in_an_error_or_a_close` sends random bytes and mutated frames to
//! fresh connections: each must end in replies that are well-formed and a close (after
//! the harness half-closes), never a panic, while a witness keeps answering.
//!
//! `parsers` fuzzes what an operator or a file hands the server: config files (`user`
//! lines included), ACL rules and ACL files (whose `ACL LIST` must load back the same),
//! mutated RDB files and mutated AOF directories started from: taken or refused, never a
//! panic. (It found a config line or ACL selector holding a NUL byte making the argument
//! splitter loop forever, and a config line of no word panicking; both fixed.)
//!
//! Run (default size, a few seconds in a debug build):
//!     cargo test --test robustness
//! A long run by hand (numbers are commands; the byte fuzz gets ITERS/100 connections):
//!     MEMO_FUZZ_ITERS=1000000 cargo test --release --test robustness -- --nocapture
//! Environment: `MEMO_FUZZ_ITERS` (default 40000), `MEMO_FUZZ_SEED` (decimal or 0x-hex,
//! default fixed), `MEMO_FUZZ_WORKERS` (concurrent fuzz connections, default 2),
//! `MEMO_FUZZ_MAX_FAILURES` (distinct failures before stopping, default 5),
//! `MEMO_FUZZ_BATCH_SECS` (time limit of one batch, default 60), `MEMO_FUZZ_SKIP_KNOWN=0`
//! (send the inputs of [`KNOWN_CRASHES`] too, to check a fix).
//! The batch in flight is written to `<target>/tmp/robustness-inflight-w<N>.txt` before it
//! is sent, so a crash that takes the whole process down (an abort) can still be traced;
//! `MEMO_FUZZ_DUMP=<path>` appends every batch to `<path>.w<N>`.
//!
//! [`populate_script`]: world::populate_script
//! [`tame`]: generate::tame

#[path = "../common/mod.rs"]
mod common;

mod batch;
mod catalog;
mod garbage;
mod generate;
mod minimise;
mod panics;
mod parsers;
mod resp;
mod rng;
mod settings;
mod show;
mod values;
mod workers;
mod world;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::catalog::load_catalog;
use crate::garbage::{JunkResult, junk, send_junk, shrink_junk};
use crate::generate::{EXCLUDED, KNOWN_CRASHES, TameCounts};
use crate::panics::{PanicRecord, install_panic_hook, lock, panics_of, runtime};
use crate::resp::Conn;
use crate::rng::Rng;
use crate::settings::{BATCH, settings};
use crate::show::show_bytes;
use crate::workers::{check_no_leak, record_failure, worker};
use crate::world::{Shared, Stats, reseed};

// ---------------------------------------------------------------------------------------
// Test 1: hostile commands
// ---------------------------------------------------------------------------------------

#[test]
fn hostile_commands_never_crash_or_leak() {
    install_panic_hook();
    runtime("fuzz-cmds").block_on(fuzz_commands());
}

async fn fuzz_commands() {
    let settings = settings();
    let started = std::time::Instant::now();
    println!(
        "robustness: seed={:#x} iterations={} commands, {} workers, batches of {BATCH} \
         (MEMO_FUZZ_SEED / MEMO_FUZZ_ITERS / MEMO_FUZZ_WORKERS)",
        settings.seed, settings.iters, settings.workers
    );
    let server = common::start().await;
    let addr = server.resp_addr.expect("plaintext RESP");
    let mut control = Conn::open(addr).await.expect("control connection");
    let catalog = load_catalog(&mut control).await;
    let subcommands = catalog
        .specs
        .iter()
        .filter(|s| s.full.contains('|'))
        .count();
    let blocking: Vec<&str> = catalog
        .specs
        .iter()
        .filter(|s| s.flags.contains("blocking"))
        .map(|s| s.full.as_str())
        .collect();
    println!(
        "robustness: catalog of {} commands ({} subcommands, {} with argument docs, {} option \
         tokens); blocking (timeout tamed): {}; excluded: {}",
        catalog.specs.len(),
        subcommands,
        catalog.specs.iter().filter(|s| s.documented).count(),
        catalog.tokens.len(),
        blocking.join(" "),
        EXCLUDED
            .iter()
            .filter(|(n, _)| catalog.get(n).is_some())
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "robustness: skipping known crashes: {}",
        KNOWN_CRASHES
            .iter()
            .map(|k| k.id)
            .collect::<Vec<_>>()
            .join(", ")
    );
    reseed(&mut control).await.expect("populate keys");
    let mut witness = Conn::open(addr).await.expect("witness connection");
    witness.ping().await.expect("witness answers");
    let control_id = control.id;
    let witness_id = witness.id;
    let shared = Arc::new(Shared {
        addr,
        settings,
        catalog,
        control: tokio::sync::Mutex::new(control),
        witness: tokio::sync::Mutex::new(witness),
        victims: tokio::sync::Mutex::new(Vec::new()),
        fuzz_ids: Mutex::new(HashMap::new()),
        world: tokio::sync::RwLock::new(()),
        stats: Stats::default(),
        taming: TameCounts::default(),
        failures: Mutex::new(Vec::new()),
        attributed_panics: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        thread_prefix: "fuzz-cmds",
    });
    shared.reseed().await.expect("victims");

    let per_worker = settings.iters / settings.workers as u64;
    let mut tasks = Vec::new();
    for w in 0..settings.workers {
        let extra = if w == 0 {
            settings.iters % settings.workers as u64
        } else {
            0
        };
        tasks.push(tokio::spawn(worker(shared.clone(), w, per_worker + extra)));
    }
    for task in tasks {
        if let Err(e) = task.await {
            record_failure(
                &shared,
                "worker".into(),
                format!("a worker task failed: {e}"),
            );
        }
    }

    // Leaks: close the victims and check that only the control and witness remain.
    shared.victims.lock().await.clear();
    let expected: HashSet<i64> = [control_id, witness_id].into();
    if let Err(e) = check_no_leak(&mut *shared.control.lock().await, &expected).await {
        let note = if panics_of(shared.thread_prefix).is_empty() {
            ""
        } else {
            " (a connection whose task panicked is never unregistered, so each panic above \
             also leaks its CLIENT LIST entry)"
        };
        record_failure(&shared, "leak".into(), format!("{e}{note}"));
    }
    let all_panics = panics_of(shared.thread_prefix);
    let unattributed: Vec<String> = all_panics
        .iter()
        .skip(shared.attributed_panics.load(Ordering::Relaxed) as usize)
        .map(PanicRecord::line)
        .collect();
    if !unattributed.is_empty() {
        record_failure(
            &shared,
            "panic".into(),
            format!(
                "server panics not tied to a failed batch:\n  {}",
                unattributed.join("\n  ")
            ),
        );
    }

    let s = &shared.stats;
    let commands = s.commands.load(Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let percent = |n: u64| 100.0 * n as f64 / commands.max(1) as f64;
    println!(
        "robustness: {commands} commands in {} batches (+{} sentinel PINGs), {:.1} MB of \
         arguments, {:.1}s ({:.0} commands/s); error replies {:.1}%, replies with RESP3 types \
         {:.1}%, batches on RESP3 connections {}, inline {}; reconnects {}, reseeds {}, \
         victims killed by CLIENT KILL {}",
        s.batches.load(Ordering::Relaxed),
        s.batches.load(Ordering::Relaxed),
        s.bytes_sent.load(Ordering::Relaxed) as f64 / 1e6,
        elapsed,
        commands as f64 / elapsed,
        percent(s.errors.load(Ordering::Relaxed)),
        percent(s.resp3_replies.load(Ordering::Relaxed)),
        s.resp3_batches.load(Ordering::Relaxed),
        s.inline.load(Ordering::Relaxed),
        s.reconnects.load(Ordering::Relaxed),
        s.reseeds.load(Ordering::Relaxed),
        s.victims_killed.load(Ordering::Relaxed),
    );
    let t = &shared.taming;
    println!(
        "robustness: tamed: blocking timeouts {}, CLIENT KILL {}, CONFIG SET values {}, \
         excluded {}; skipped known crashes: {:?}",
        t.blocking.load(Ordering::Relaxed),
        t.kill.load(Ordering::Relaxed),
        t.config.load(Ordering::Relaxed),
        t.excluded.load(Ordering::Relaxed),
        lock(&s.skipped_known)
    );
    let mut kinds: Vec<(String, u64)> = lock(&s.error_kinds).clone().into_iter().collect();
    kinds.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    println!(
        "robustness: most common error replies: {}",
        kinds
            .iter()
            .take(12)
            .map(|(k, n)| format!("{n} x {k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failures = lock(&shared.failures).clone();
    if !failures.is_empty() {
        let mut text = format!(
            "{} distinct failure(s) with seed {:#x} (rerun with MEMO_FUZZ_SEED={:#x} \
             MEMO_FUZZ_ITERS={}):\n",
            failures.len(),
            settings.seed,
            settings.seed,
            settings.iters
        );
        for f in &failures {
            text.push_str(&format!("- {}\n  reproduction: {}\n", f.summary, f.repro));
        }
        panic!("{text}");
    }
    server.shutdown();
}

// ---------------------------------------------------------------------------------------
// Test 2: garbage bytes over TCP
// ---------------------------------------------------------------------------------------

#[test]
fn garbage_bytes_end_in_an_error_or_a_close() {
    install_panic_hook();
    runtime("fuzz-junk").block_on(fuzz_bytes());
}

async fn fuzz_bytes() {
    let settings = settings();
    let inputs = (settings.iters / 100).max(50);
    let started = std::time::Instant::now();
    println!(
        "robustness (bytes): seed={:#x} inputs={inputs} (MEMO_FUZZ_ITERS/100)",
        settings.seed
    );
    let server = common::start().await;
    let addr = server.resp_addr.expect("plaintext RESP");
    let mut control = Conn::open(addr).await.expect("control");
    let mut witness = Conn::open(addr).await.expect("witness");
    let mut rng = Rng::new(settings.seed ^ 0x6a75_6e6b);
    let mut failures = Vec::new();
    let mut bytes = 0usize;
    let mut closed_with_replies = 0usize;
    for i in 0..inputs {
        let input = junk(&mut rng, 0);
        bytes += input.len();
        let before = panics_of("fuzz-junk").len();
        let chunked = rng.chance(10);
        let result = send_junk(addr, &input, chunked.then_some(&mut rng)).await;
        let panicked = panics_of("fuzz-junk").len() > before;
        match &result {
            JunkResult::Closed { replies } if !panicked => {
                closed_with_replies += usize::from(*replies > 0);
            }
            _ => {
                let minimal = shrink_junk(addr, &input, &result, panicked).await;
                let report = format!(
                    "input {i}: {result:?}{} for {} bytes; minimal input: {}",
                    if panicked { " with a server panic" } else { "" },
                    input.len(),
                    show_bytes(&minimal)
                );
                eprintln!("robustness (bytes): FAILURE {report}");
                failures.push(report);
                if failures.len() >= settings.max_failures {
                    break;
                }
            }
        }
        if i % 10 == 0
            && let Err(e) = witness.ping().await
        {
            failures.push(format!(
                "the witness stopped answering after input {i}: {e}"
            ));
            break;
        }
    }
    let expected: HashSet<i64> = [control.id, witness.id].into();
    if let Err(e) = check_no_leak(&mut control, &expected).await {
        failures.push(e);
    }
    println!(
        "robustness (bytes): {inputs} inputs, {:.1} MB, {closed_with_replies} answered before \
         the close, {:.1}s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.shutdown();
}
