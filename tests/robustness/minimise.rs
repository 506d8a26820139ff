//! Replaying a failed batch alone and minimising it to a short reproduction.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::batch::{BatchFailure, FailKind, run_batch};
use crate::generate::known_crash;
use crate::panics::{PanicRecord, QUIET, lock, panics_of};
use crate::resp::{Argv, Conn};
use crate::show::show_argv;
use crate::values::{KEY_PER_TYPE, KEYS};
use crate::world::{Failure, Shared, reseed};

// ---------------------------------------------------------------------------------------
// Minimisation
// ---------------------------------------------------------------------------------------

/// What a failure looks like, to check that a smaller input still shows it.
#[derive(Clone, Debug)]
struct Signature {
    kind: FailKind,
    /// The panic site, when the failure came with a panic.
    site: Option<String>,
}

struct Minimiser<'a> {
    shared: &'a Shared,
    resp3: bool,
    want: Signature,
    attempts: usize,
    budget: usize,
    limit: Duration,
}

impl Minimiser<'_> {
    /// Restores the keys, replays `cmds` on a fresh connection and says whether the
    /// same failure shows.
    async fn reproduces(&mut self, cmds: &[Argv]) -> bool {
        self.attempts += 1;
        // Never provoke a crash that is known (some abort the process).
        if cmds.is_empty() || cmds.iter().any(|c| known_crash(c).is_some()) {
            return false;
        }
        if let Err(e) = reseed(&mut *self.shared.control.lock().await).await {
            eprintln!("robustness: reseed while minimising failed: {e}");
            return false;
        }
        let Ok(mut conn) = Conn::open(self.shared.addr).await else {
            return false;
        };
        if self.resp3 && conn.hello3().await.is_err() {
            return false;
        }
        let before = panics_of(self.shared.thread_prefix).len();
        let result = run_batch(&mut conn, cmds, b"minimise", self.limit, None).await;
        // A panic is recorded before the socket closes; give the hook a moment anyway.
        if result.is_err() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let new_panics: Vec<PanicRecord> = panics_of(self.shared.thread_prefix)
            .into_iter()
            .skip(before)
            .collect();
        match (&result, &self.want.site) {
            (Err(f), Some(site)) => {
                f.kind == self.want.kind && new_panics.iter().any(|p| &p.site() == site)
            }
            (Err(f), None) => f.kind == self.want.kind,
            (Ok(_), _) => false,
        }
    }

    fn out_of_budget(&self) -> bool {
        self.attempts >= self.budget
    }

    /// The smallest list of commands (then arguments) that still fails.
    async fn minimise(&mut self, cmds: &[Argv], answered: usize) -> Option<Vec<Argv>> {
        // One command alone, trying the first unanswered one and those after it first.
        let order = (answered.min(cmds.len())..cmds.len()).chain(0..answered.min(cmds.len()));
        let mut current = None;
        for i in order {
            if self.out_of_budget() {
                break;
            }
            if self.reproduces(std::slice::from_ref(&cmds[i])).await {
                current = Some(vec![cmds[i].clone()]);
                break;
            }
        }
        // The batch (or another connection) may have given a key another type: try each
        // unanswered command with its keys replaced by keys of every type.
        let unanswered = answered.min(cmds.len())..cmds.len();
        'commands: for i in unanswered {
            if current.is_some() {
                break;
            }
            for (a, arg) in cmds[i].iter().enumerate().skip(1) {
                if !KEYS.contains(&arg.as_slice()) {
                    continue;
                }
                for key in KEY_PER_TYPE {
                    if self.out_of_budget() {
                        break 'commands;
                    }
                    if arg.as_slice() == *key {
                        continue;
                    }
                    let mut cmd = cmds[i].clone();
                    cmd[a] = key.to_vec();
                    if self.reproduces(std::slice::from_ref(&cmd)).await {
                        current = Some(vec![cmd]);
                        break 'commands;
                    }
                }
            }
        }
        let mut current = match current {
            Some(c) => c,
            None => {
                if !self.reproduces(cmds).await {
                    return None;
                }
                self.drop_commands(cmds.to_vec()).await
            }
        };
        for c in 0..current.len() {
            current = self.shrink_arguments(current, c).await;
            let mut upper = current.clone();
            upper[c][0].make_ascii_uppercase();
            if upper != current && self.reproduces(&upper).await {
                current = upper;
            }
        }
        Some(current)
    }

    /// Removes chunks of commands while the failure still shows (ddmin-like).
    async fn drop_commands(&mut self, mut cmds: Vec<Argv>) -> Vec<Argv> {
        let mut chunks = 2;
        while cmds.len() > 1 && !self.out_of_budget() {
            let size = cmds.len().div_ceil(chunks);
            let mut removed = false;
            let mut start = 0;
            while start < cmds.len() && !self.out_of_budget() {
                let mut candidate = cmds.clone();
                candidate.drain(start..(start + size).min(cmds.len()));
                if self.reproduces(&candidate).await {
                    cmds = candidate;
                    removed = true;
                } else {
                    start += size;
                }
            }
            if removed {
                chunks = chunks.saturating_sub(1).max(2);
            } else if size == 1 {
                break;
            } else {
                chunks = (chunks * 2).min(cmds.len());
            }
        }
        cmds
    }

    /// Drops, then shortens, the arguments of command `c` while the failure still shows.
    async fn shrink_arguments(&mut self, mut cmds: Vec<Argv>, c: usize) -> Vec<Argv> {
        let mut i = cmds[c].len();
        while i > 1 && !self.out_of_budget() {
            i -= 1;
            let mut candidate = cmds.clone();
            candidate[c].remove(i);
            if self.reproduces(&candidate).await {
                cmds = candidate;
            }
        }
        for i in 1..cmds[c].len() {
            // Numbers are not shortened: half the digits is another number, and a smaller
            // huge count can turn a panic into an abort of the whole process.
            let numeric = std::str::from_utf8(&cmds[c][i])
                .ok()
                .is_some_and(|t| t.trim().parse::<f64>().is_ok());
            while !numeric && cmds[c][i].len() > 1 && !self.out_of_budget() {
                let mut candidate = cmds.clone();
                let half = candidate[c][i].len() / 2;
                candidate[c][i].truncate(half);
                if self.reproduces(&candidate).await {
                    cmds = candidate;
                } else {
                    break;
                }
            }
        }
        cmds
    }
}

/// Reports a failed batch, minimises it (alone in the world) and records it.
pub(crate) async fn handle_failure(
    shared: &Shared,
    worker: usize,
    batch_no: u64,
    cmds: &[Argv],
    resp3: bool,
    failure: BatchFailure,
    panics_before: usize,
) {
    let _alone = shared.world.write().await;
    let prefix = shared.thread_prefix;
    let new_panics: Vec<PanicRecord> = panics_of(prefix).into_iter().skip(panics_before).collect();
    let site = new_panics.first().map(PanicRecord::site);
    let mut report = format!(
        "robustness: FAILURE in worker {worker}, batch {batch_no} (seed {:#x}, {}): {:?} after {} \
         of {} replies: {}\n",
        shared.settings.seed,
        if resp3 { "RESP3" } else { "RESP2" },
        failure.kind,
        failure.answered,
        cmds.len(),
        failure.detail
    );
    for p in &new_panics {
        report.push_str(&format!("  server log: {}\n", p.line()));
    }
    for (i, cmd) in cmds.iter().enumerate().skip(failure.answered).take(5) {
        report.push_str(&format!("  command {i}: {}\n", show_argv(cmd, 64)));
    }
    let batch_file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("robustness-failed-w{worker}-b{batch_no}.txt"));
    let listing: String = cmds
        .iter()
        .map(|c| show_argv(c, usize::MAX) + "\n")
        .collect();
    let _ = std::fs::write(&batch_file, listing);
    report.push_str(&format!("  whole batch: {}\n", batch_file.display()));
    eprint!("{report}");

    QUIET.store(true, Ordering::Relaxed);
    let mut minimiser = Minimiser {
        shared,
        resp3,
        want: Signature {
            kind: failure.kind,
            site: site.clone(),
        },
        attempts: 0,
        budget: 1500,
        limit: if failure.kind == FailKind::Stalled {
            Duration::from_secs(5)
        } else {
            Duration::from_secs(20)
        },
    };
    let minimal = minimiser.minimise(cmds, failure.answered).await;
    QUIET.store(false, Ordering::Relaxed);
    let repro = match &minimal {
        Some(cmds) => cmds
            .iter()
            .map(|c| show_argv(c, 2000))
            .collect::<Vec<_>>()
            .join(" ; "),
        None => format!(
            "(did not reproduce alone in {} attempts; see {})",
            minimiser.attempts,
            batch_file.display()
        ),
    };
    eprintln!(
        "robustness: minimal reproduction ({} attempts{}): {repro}",
        minimiser.attempts,
        if resp3 { ", after HELLO 3" } else { "" }
    );
    shared
        .attributed_panics
        .store(panics_of(prefix).len() as u64, Ordering::Relaxed);
    let signature = match &site {
        Some(site) => format!("panic in {site}"),
        None => format!("{:?} after {}", failure.kind, repro),
    };
    let summary = format!(
        "{:?}{}",
        failure.kind,
        new_panics
            .first()
            .map(|p| format!(" with server panic: {}", p.line()))
            .unwrap_or_default()
    );
    {
        let mut failures = lock(&shared.failures);
        if !failures.iter().any(|f| f.signature == signature) {
            failures.push(Failure {
                signature,
                summary,
                repro,
            });
        }
        if failures.len() >= shared.settings.max_failures {
            shared.stop.store(true, Ordering::Relaxed);
        }
    }
    // Let the restored world be the one the next batches see.
    if let Err(e) = reseed(&mut *shared.control.lock().await).await {
        eprintln!("robustness: reseed after a failure failed: {e}");
        shared.stop.store(true, Ordering::Relaxed);
    }
}
