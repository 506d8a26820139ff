//! Measurements: per-worker latency histograms over the measured window, and CPU time of
//! a process read from /proc.

use std::time::Instant;

use hdrhistogram::Histogram;

/// Latencies are recorded in nanoseconds, from 1 ns to 60 s, at 3 significant digits.
const MAX_LATENCY_NS: u64 = 60_000_000_000;

/// What one worker measured.
pub struct Recorder {
    pub hist: Histogram<u64>,
    /// Replies received inside the window.
    pub ops: u64,
    /// Error replies and failed calls, inside the window or not (any error fails a run).
    pub errors: u64,
    pub first_error: Option<String>,
    window_start: Instant,
    window_end: Instant,
}

impl Recorder {
    /// Counts only commands that complete in `[window_start, window_end]` and were sent
    /// after `window_start`: warm-up traffic and stragglers after the end are not measured.
    pub fn new(window_start: Instant, window_end: Instant) -> Recorder {
        Recorder {
            hist: Histogram::new_with_bounds(1, MAX_LATENCY_NS, 3).expect("valid bounds"),
            ops: 0,
            errors: 0,
            first_error: None,
            window_start,
            window_end,
        }
    }

    /// Records `count` commands sent at `sent` whose replies were all read at `done`.
    pub fn replies(&mut self, sent: Instant, done: Instant, count: u64) {
        if count == 0 || sent < self.window_start || done > self.window_end {
            return;
        }
        let ns = done.duration_since(sent).as_nanos() as u64;
        self.hist.saturating_record_n(ns.max(1), count);
        self.ops += count;
    }

    pub fn error(&mut self, what: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(what());
        }
    }

    pub fn merge(&mut self, other: Recorder) {
        self.hist.add(&other.hist).expect("same bounds");
        self.ops += other.ops;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// User plus system CPU seconds consumed so far by process `pid` (all of its threads), or
/// `None` when /proc has no such process.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat_cpu_ticks(&stat).map(|ticks| ticks as f64 / clock_ticks_per_second() as f64)
}

/// utime + stime (fields 14 and 15 of /proc/<pid>/stat), in clock ticks. The command name
/// (field 2) is in parentheses and may hold spaces or parentheses itself, so fields are
/// counted from the last `)`.
fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After the name come field 3 (state) onward: utime is the 12th of those, stime the 13th.
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// The kernel's USER_HZ, from the auxiliary vector (AT_CLKTCK); 100, its value on every
/// mainstream Linux architecture, when that cannot be read.
fn clock_ticks_per_second() -> u64 {
    const AT_CLKTCK: u64 = 17;
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
        return 100;
    };
    let words: Vec<u64> = auxv
        .chunks_exact(8)
        .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect();
    words
        .chunks_exact(2)
        .find(|pair| pair[0] == AT_CLKTCK)
        .map(|pair| pair[1])
        .filter(|&hz| hz > 0)
        .unwrap_or(100)
}

/// Busy CPU seconds of the whole machine so far (all CPUs: user, nice, system, irq,
/// softirq and steal time of the `cpu` line of /proc/stat). Minus the server's and the
/// client's own CPU time it tells how much else ran during a measurement.
pub fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks = parse_machine_busy_ticks(stat.lines().next()?)?;
    Some(ticks as f64 / clock_ticks_per_second() as f64)
}

fn parse_machine_busy_ticks(cpu_line: &str) -> Option<u64> {
    let mut fields = cpu_line.split_ascii_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let values: Vec<u64> = fields.map(|f| f.parse().ok()).collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal [guest guest_nice, already in user]
    let busy = [0, 1, 2, 5, 6, 7];
    Some(busy.iter().filter_map(|&i| values.get(i)).sum())
}

/// Resident set size of process `pid` in bytes (`VmRSS` of /proc/<pid>/status).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_ascii_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_after_the_name() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 75 0 0 20 0 3 0 12345 1000000 200 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn machine_busy_time_skips_idle_and_iowait() {
        let line = "cpu  100 5 50 9999 777 3 2 1 40 0";
        assert_eq!(parse_machine_busy_ticks(line), Some(161));
        assert_eq!(parse_machine_busy_ticks("cpu0 1 2 3 4"), None);
        assert!(machine_busy_seconds().is_some());
    }

    #[test]
    fn own_process_has_cpu_time_and_rss() {
        let me = std::process::id();
        let spin = (0..2_000_000u64).fold(0u64, |a, b| a.wrapping_add(b * b));
        assert!(spin > 0);
        assert!(cpu_seconds(me).is_some());
        assert!(rss_bytes(me).unwrap() > 0);
        assert!(clock_ticks_per_second() > 0);
    }

    #[test]
    fn window_excludes_warmup_and_stragglers() {
        let t0 = Instant::now();
        let start = t0 + std::time::Duration::from_millis(10);
        let end = t0 + std::time::Duration::from_millis(20);
        let mut r = Recorder::new(start, end);
        r.replies(t0, start, 3); // sent during warm-up
        r.replies(start, end + std::time::Duration::from_millis(1), 3); // after the end
        r.replies(start, end, 2);
        assert_eq!(r.ops, 2);
        assert_eq!(r.hist.len(), 2);
    }
}
