//! The latency monitor (Redis's `latency.c`): while `latency-monitor-threshold` is above
//! zero, every event that took at least that many milliseconds (`command`, `fast-command`
//! for commands flagged fast) is sampled into its event's time series: 160 samples, one
//! per second at most (the worst of that second), with the all-time maximum. LATENCY
//! LATEST / HISTORY / RESET read and clear the series, LATENCY DOCTOR writes Redis's
//! report about them, LATENCY GRAPH its ASCII sparkline.

use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

const SERIES_LEN: usize = 160;
const GRAPH_COLUMNS: usize = 80;

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    /// Unix seconds; 0 for an unused slot.
    time: u64,
    latency_ms: u64,
}

/// One event's samples (a ring, `next` is the oldest slot) and all-time maximum.
#[derive(Debug, Clone)]
pub struct Series {
    next: usize,
    max_ms: u64,
    samples: [Sample; SERIES_LEN],
}

impl Series {
    fn new() -> Series {
        Series {
            next: 0,
            max_ms: 0,
            samples: [Sample::default(); SERIES_LEN],
        }
    }

    fn add(&mut self, now: u64, latency_ms: u64) {
        self.max_ms = self.max_ms.max(latency_ms);
        let prev = (self.next + SERIES_LEN - 1) % SERIES_LEN;
        if self.samples[prev].time == now {
            let last = &mut self.samples[prev];
            last.latency_ms = last.latency_ms.max(latency_ms);
            return;
        }
        self.samples[self.next] = Sample {
            time: now,
            latency_ms,
        };
        self.next = (self.next + 1) % SERIES_LEN;
    }

    /// The samples, oldest first: (Unix seconds, milliseconds).
    pub fn history(&self) -> Vec<(u64, u64)> {
        (0..SERIES_LEN)
            .map(|j| self.samples[(self.next + j) % SERIES_LEN])
            .filter(|s| s.time != 0)
            .map(|s| (s.time, s.latency_ms))
            .collect()
    }

    /// The latest sample's time and latency, and the all-time maximum.
    pub fn latest(&self) -> (u64, u64, u64) {
        let last = self.samples[(self.next + SERIES_LEN - 1) % SERIES_LEN];
        (last.time, last.latency_ms, self.max_ms)
    }
}

#[derive(Default)]
pub struct LatencyMonitor {
    /// `latency-monitor-threshold` in milliseconds; 0 disables.
    threshold_ms: AtomicU64,
    /// Events in the order they first happened.
    events: Mutex<Vec<(&'static str, Series)>>,
}

fn unix_secs() -> u64 {
    crate::store::unix_time_ms() / 1000
}

impl LatencyMonitor {
    pub fn configure(&self, threshold_ms: u64) {
        self.threshold_ms.store(threshold_ms, Ordering::Relaxed);
    }

    pub fn threshold_ms(&self) -> u64 {
        self.threshold_ms.load(Ordering::Relaxed)
    }

    /// Redis's `latencyAddSampleIfNeeded`: samples `event` when monitoring is on and it
    /// took at least the threshold.
    #[inline]
    pub fn consider(&self, event: &'static str, latency_ms: u64) {
        let threshold = self.threshold_ms.load(Ordering::Relaxed);
        if threshold != 0 && latency_ms >= threshold {
            self.add(event, latency_ms);
        }
    }

    #[cold]
    fn add(&self, event: &'static str, latency_ms: u64) {
        let now = unix_secs();
        let mut events = self.events.lock();
        match events.iter_mut().find(|(name, _)| *name == event) {
            Some((_, series)) => series.add(now, latency_ms),
            None => {
                let mut series = Series::new();
                series.add(now, latency_ms);
                events.push((event, series));
            }
        }
    }

    /// Every event with its series.
    pub fn events(&self) -> Vec<(&'static str, Series)> {
        self.events.lock().clone()
    }

    pub fn series(&self, event: &[u8]) -> Option<Series> {
        self.events
            .lock()
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(event))
            .map(|(_, s)| s.clone())
    }

    /// Forgets the named events (every event when `names` is empty); how many there were.
    pub fn reset(&self, names: &[&[u8]]) -> usize {
        let mut events = self.events.lock();
        let before = events.len();
        if names.is_empty() {
            events.clear();
        } else {
            events.retain(|(name, _)| {
                !names
                    .iter()
                    .any(|n| name.as_bytes().eq_ignore_ascii_case(n))
            });
        }
        before - events.len()
    }

    /// Redis's `createLatencyReport` for the events Memorabilia samples.
    /// `slowlog_slower_than_us` is `slowlog-log-slower-than` and `hz` the cron frequency,
    /// which some advice quotes.
    pub fn doctor(&self, slowlog_slower_than_us: i64, hz: u64) -> String {
        let threshold = self.threshold_ms();
        let events = self.events();
        if events.is_empty() && threshold == 0 {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
        }
        let mut report = String::new();
        let (mut slowlog_enable, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
        let (mut scheduler, mut large_objects, mut more_hz) = (false, false, false);
        let mut advices = 0;
        let now = unix_secs();
        for (n, (event, series)) in events.iter().enumerate() {
            if n == 0 {
                report.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
            }
            let stats = Stats::of(series, now);
            report.push_str(&format!(
                "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
                n + 1,
                event,
                stats.samples,
                stats.avg,
                stats.mad,
                stats.period as f64 / stats.samples.max(1) as f64,
                series.max_ms
            ));
            match *event {
                "command" => {
                    if slowlog_slower_than_us < 0 {
                        slowlog_enable = true;
                        advices += 1;
                    } else if slowlog_slower_than_us / 1000 > threshold as i64 {
                        slowlog_tuning = true;
                        advices += 1;
                    }
                    slowlog_inspect = true;
                    large_objects = true;
                    advices += 2;
                }
                "fast-command" => {
                    scheduler = true;
                    advices += 1;
                }
                "expire-cycle" => {
                    more_hz = true;
                    large_objects = true;
                    advices += 2;
                }
                _ => {}
            }
            report.push('\n');
        }
        if events.is_empty() && advices == 0 {
            report.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        } else if advices == 0 {
            report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        } else {
            report.push_str("\nI have a few advices for you:\n\n");
            if slowlog_enable {
                report.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold * 1000));
            }
            if slowlog_tuning {
                report.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {}'.\n", threshold * 1000));
            }
            if slowlog_inspect {
                report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
            }
            if scheduler {
                report.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
            }
            if more_hz && hz < 100 {
                report.push_str("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
            }
            if large_objects {
                report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
            }
        }
        report
    }
}

/// Redis's `analyzeLatencyForEvent`.
struct Stats {
    samples: u64,
    avg: u64,
    mad: u64,
    /// Seconds since the oldest sample (at least 1).
    period: u64,
}

impl Stats {
    fn of(series: &Series, now: u64) -> Stats {
        let used: Vec<&Sample> = series.samples.iter().filter(|s| s.time != 0).collect();
        let samples = used.len() as u64;
        if samples == 0 {
            return Stats {
                samples: 0,
                avg: 0,
                mad: 0,
                period: 0,
            };
        }
        let avg = used.iter().map(|s| s.latency_ms).sum::<u64>() / samples;
        let oldest = used.iter().map(|s| s.time).min().unwrap_or(now);
        let period = now.saturating_sub(oldest).max(1);
        let mad = used.iter().map(|s| avg.abs_diff(s.latency_ms)).sum::<u64>() / samples;
        Stats {
            samples,
            avg,
            mad,
            period,
        }
    }
}

/// `LATENCY GRAPH event`: Redis's header and 4-row filled sparkline, each sample labelled
/// with how long ago it happened.
pub fn graph(event: &str, series: &Series) -> String {
    let now = unix_secs();
    let history = series.history();
    let (min, max) = history
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), &(_, ms)| (lo.min(ms), hi.max(ms)));
    let min = if history.is_empty() { 0 } else { min };
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n",
        series.max_ms
    );
    out.push_str(&"-".repeat(GRAPH_COLUMNS));
    out.push('\n');
    let samples: Vec<(f64, String)> = history
        .iter()
        .map(|&(time, ms)| {
            let elapsed = now.saturating_sub(time);
            let label = match elapsed {
                e if e < 60 => format!("{e}s"),
                e if e < 3600 => format!("{}m", e / 60),
                e if e < 3600 * 24 => format!("{}h", e / 3600),
                e => format!("{}d", e / (3600 * 24)),
            };
            (ms as f64, label)
        })
        .collect();
    sparkline(&mut out, &samples, GRAPH_COLUMNS, 4);
    out
}

/// Redis's `sparklineRender` with `SPARKLINE_FILL`: rows of `_o#` / `|` bars, then each
/// sample's label written downwards, `columns` samples per block.
fn sparkline(out: &mut String, samples: &[(f64, String)], columns: usize, rows: usize) {
    const FILL: &[u8] = b"_o#";
    let (mut min, mut max) = (0.0f64, 0.0f64);
    // Redis's sequence tracks min and max with an `else if`, which a rising first value
    // can leave behind; followed as is so the bars match.
    for (i, (v, _)) in samples.iter().enumerate() {
        if i == 0 {
            min = *v;
            max = *v;
        } else if *v < min {
            min = *v;
        } else if *v > max {
            max = *v;
        }
    }
    let labels = samples.iter().any(|(_, l)| !l.is_empty());
    let mut start = 0;
    while start < samples.len() {
        let block = &samples[start..(start + columns).min(samples.len())];
        if start != 0 {
            out.push('\n');
        }
        let mut relmax = max - min;
        if relmax == 0.0 {
            relmax = 1.0;
        }
        let steps = (FILL.len() * rows) as i64;
        let mut row = 0usize;
        loop {
            let mut more = false;
            let mut line = vec![b' '; block.len()];
            for (j, (value, label)) in block.iter().enumerate() {
                let relval = value - min;
                let step = (((relval * steps as f64) / relmax) as i64).clamp(0, steps - 1);
                if row < rows {
                    let charidx = step - ((rows - row - 1) * FILL.len()) as i64;
                    more = true;
                    if (0..FILL.len() as i64).contains(&charidx) {
                        line[j] = FILL[charidx as usize];
                    } else if charidx >= FILL.len() as i64 {
                        line[j] = b'|';
                    }
                } else {
                    // One blank row between the bars and the labels.
                    if labels && row - rows < 1 {
                        more = true;
                        break;
                    }
                    let label_char = row - rows - 1;
                    if label.len() > label_char {
                        more = true;
                        line[j] = label.as_bytes()[label_char];
                    }
                }
            }
            if !more {
                break;
            }
            row += 1;
            out.push_str(&String::from_utf8_lossy(&line));
            out.push('\n');
        }
        start += columns;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_keeps_the_worst() {
        let mut series = Series::new();
        series.add(100, 5);
        series.add(100, 9);
        series.add(100, 3);
        series.add(101, 4);
        assert_eq!(series.history(), vec![(100, 9), (101, 4)]);
        assert_eq!(series.latest(), (101, 4, 9));
        for t in 0..200 {
            series.add(1000 + t, t);
        }
        assert_eq!(series.history().len(), SERIES_LEN);
        assert_eq!(series.history()[0], (1040, 40));
    }

    #[test]
    fn monitor_samples_only_over_the_threshold() {
        let monitor = LatencyMonitor::default();
        monitor.consider("command", 500);
        assert!(monitor.events().is_empty());
        monitor.configure(10);
        monitor.consider("command", 9);
        monitor.consider("command", 10);
        assert_eq!(monitor.events().len(), 1);
        assert_eq!(monitor.reset(&[b"nope"]), 0);
        assert_eq!(monitor.reset(&[b"COMMAND"]), 1);
    }
}
