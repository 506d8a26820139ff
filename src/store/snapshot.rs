//! Point-in-time snapshots without stopping writers (what `fork` gives Redis's BGSAVE).
//!
//! A snapshot has an epoch. Starting one installs a [`SnapshotSink`] and publishes the
//! epoch; from then on every segment is handed to the sink exactly once, before anything
//! changes it: either by the snapshot's own walk ([`Store::capture_segment`], under the
//! segment's shared lock) or by the first txn that locks it for writing, which captures it
//! under its exclusive lock right after taking its locks and before its handler runs (as
//! Dragonfly serializes a bucket before the first write to it). The sink serializes the
//! segment's entries at once, so the snapshot's extra memory is the serialized bytes not
//! yet written out, never a copy of values.
//!
//! Why the result is the state at one instant: a txn that took its locks before the epoch
//! was published captures nothing, and every segment it writes is captured after it
//! released it (capturing needs the segment's lock), so its changes are all in; a txn that
//! sees the epoch captures each segment it writes before writing it, so none of its
//! changes are. A txn cannot see the epoch for some of its segments and not for others: it
//! reads it once, after taking all its locks, and if any of its segments had been captured
//! already, that capture's release of the lock happened before this txn acquired it, so the
//! epoch is visible to it. Scripts, which can add locks while they run (`Txn::extend`), are
//! kept out of the start by the script turn (the caller takes it around
//! [`Store::begin_snapshot`]); a script that starts later captures what it extends to like
//! any txn. Lazy expiry may remove a key an unvisited segment held: such a key was expired
//! for the snapshot's loader anyway.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{Access, Entry, Key, LockPlan, SEGMENTS, Segment, Store};

/// The epoch (generation) of the running snapshot in a `snapshot_state`, 0 when none runs.
#[inline]
pub(super) fn running_epoch(state: u64) -> u64 {
    if state & 1 == 1 { state >> 1 } else { 0 }
}

/// Receives each segment of a snapshot once, while the segment is locked.
pub trait SnapshotSink: Send + Sync {
    /// Serializes the live entries of one segment of database `db`.
    fn capture(&self, db: usize, entries: &mut dyn Iterator<Item = (&Key, &Entry)>);
}

impl Store {
    /// Starts a snapshot feeding `sink`; returns its epoch, the new generation: every txn
    /// that takes its locks from now on belongs to it (see [`Txn::generation`]). The caller holds the script
    /// turn (see the module docs) and ends it with [`Store::end_snapshot`] after visiting
    /// every segment with [`Store::capture_segment`].
    ///
    /// # Panics
    /// If a snapshot is already running (the caller serializes them).
    pub fn begin_snapshot(&self, sink: Arc<dyn SnapshotSink>) -> u64 {
        let mut slot = self.snapshot_sink.write();
        assert!(slot.is_none(), "one snapshot at a time");
        *slot = Some(sink);
        let generation = (self.snapshot_state.load(Ordering::SeqCst) >> 1) + 1;
        self.snapshot_state
            .store(generation << 1 | 1, Ordering::SeqCst);
        generation
    }

    /// Captures one segment for the running snapshot, unless a writer already did.
    pub fn capture_segment(&self, db: usize, segment: usize) {
        let mut plan = LockPlan::new();
        plan.segment(db, segment, Access::Read);
        let txn = self.lock(plan);
        let epoch = running_epoch(self.snapshot_state());
        self.capture_if_needed((db * SEGMENTS + segment) as u32, epoch, txn.guard());
    }

    /// Ends the running snapshot: every segment has been captured.
    pub fn end_snapshot(&self) {
        let mut slot = self.snapshot_sink.write();
        let generation = self.snapshot_state.load(Ordering::SeqCst) >> 1;
        self.snapshot_state.store(generation << 1, Ordering::SeqCst);
        *slot = None;
    }

    /// `generation << 1 | running`: the one load every txn makes after taking its locks.
    #[inline]
    pub(super) fn snapshot_state(&self) -> u64 {
        self.snapshot_state.load(Ordering::Acquire)
    }

    /// How many snapshots have begun (the generation a txn that starts now belongs to).
    pub fn snapshot_generation(&self) -> u64 {
        self.snapshot_state() >> 1
    }

    /// The slow path of taking locks while snapshot `epoch` runs: captures each segment
    /// locked for writing that the snapshot has not seen yet.
    #[cold]
    pub(super) fn capture_before_write(
        &self,
        epoch: u64,
        slots: &[(u32, Access)],
        guard: &seize::LocalGuard<'_>,
    ) {
        for &(slot, access) in slots {
            if access == Access::Write {
                self.capture_if_needed(slot, epoch, guard);
            }
        }
    }

    /// Captures `slot` for snapshot `epoch` if it still runs and has not seen the segment;
    /// the caller holds the segment's lock (only one party can capture a segment: the
    /// snapshot's walk under a shared lock, or a writer under an exclusive one). A txn
    /// passes the epoch it read once after taking its locks, so it captures for one
    /// snapshot or none, even if one ends and another starts meanwhile.
    fn capture_if_needed(&self, slot: u32, epoch: u64, guard: &seize::LocalGuard<'_>) {
        let seg: &Segment = self.segment(slot);
        if epoch == 0 || seg.captured.load(Ordering::Relaxed) == epoch {
            return;
        }
        // Held while capturing, so the snapshot cannot end (or another begin) meanwhile.
        let sink = self.snapshot_sink.read();
        let Some(sink) = sink.as_ref() else { return };
        if running_epoch(self.snapshot_state()) != epoch {
            return;
        }
        let db = slot as usize / SEGMENTS;
        // Safety: the caller holds the segment's lock.
        let mut entries = unsafe { seg.map() }.iter(guard);
        sink.capture(db, &mut entries);
        seg.captured.store(epoch, Ordering::Relaxed);
    }
}
