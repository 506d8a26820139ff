//! Server panic capture (a process-wide hook) and the named test runtimes.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

// ---------------------------------------------------------------------------------------
// Panic capture: the server runs in this process, so its panics reach our hook.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub(crate) struct PanicRecord {
    thread: String,
    message: String,
    location: String,
    /// The first `memorabilia::` frame of the backtrace, e.g.
    /// `memorabilia::commands::sets::srandmember_count_op::{{closure}} at src/commands/sets.rs:376:18`.
    frame: String,
}

impl PanicRecord {
    pub(crate) fn line(&self) -> String {
        format!(
            "thread '{}' panicked at {}: {}{}",
            self.thread,
            self.location,
            self.message,
            if self.frame.is_empty() {
                String::new()
            } else {
                format!(" (in {})", self.frame)
            }
        )
    }

    /// Where it happened, for telling crashes apart.
    pub(crate) fn site(&self) -> String {
        if self.frame.is_empty() {
            format!("{} ({})", self.location, self.message)
        } else {
            self.frame.clone()
        }
    }
}

static PANICS: Mutex<Vec<PanicRecord>> = Mutex::new(Vec::new());
/// While minimising, panics are recorded but not printed (they are provoked on purpose).
pub(crate) static QUIET: AtomicBool = AtomicBool::new(false);
static HOOK: std::sync::Once = std::sync::Once::new();

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn install_panic_hook() {
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic payload>".into());
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let thread = std::thread::current()
                .name()
                .unwrap_or("<unnamed>")
                .to_string();
            let trace = std::backtrace::Backtrace::force_capture().to_string();
            let frame = server_frame(&trace);
            lock(&PANICS).push(PanicRecord {
                thread: thread.clone(),
                message,
                location,
                frame,
            });
            // Only the server's threads (named `fuzz-...`) are quiet while minimising; a
            // failing assertion of a test still prints.
            let quiet = QUIET.load(Ordering::Relaxed) && thread.starts_with("fuzz-");
            if !quiet {
                default(info);
            }
        }));
    });
}

/// The first frame of the server crate in a formatted backtrace, with its source line.
fn server_frame(trace: &str) -> String {
    let mut lines = trace.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some((_, function)) = line.split_once(": ") else {
            continue;
        };
        if function.starts_with("memorabilia::") {
            let at = lines
                .next()
                .and_then(|l| l.strip_prefix("at "))
                .unwrap_or("");
            let at = at.find("/src/").map_or(at, |i| &at[i + 1..]);
            return format!("{function} at {at}");
        }
    }
    String::new()
}

/// Panics recorded on threads whose name starts with `prefix` (each test names the
/// threads of its runtime, so parallel tests do not see each other's panics).
pub(crate) fn panics_of(prefix: &str) -> Vec<PanicRecord> {
    lock(&PANICS)
        .iter()
        .filter(|p| p.thread.starts_with(prefix))
        .cloned()
        .collect()
}

pub(crate) fn runtime(thread_name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(thread_name)
        .enable_all()
        .build()
        .expect("tokio runtime")
}
