//! Memory accounting: the process's global allocator counts the bytes it hands out, so
//! `used_memory` (INFO, metrics) and the `maxmemory` check measure allocated memory, as
//! Redis's zmalloc does, not the resident set size.
//!
//! Each thread keeps its running difference in a thread-local cell and adds it to the
//! shared total only once it passes [`FLUSH_BYTES`] either way: the hot path pays a
//! thread-local add per allocation, never a shared atomic. The total is therefore exact
//! to within `FLUSH_BYTES` per thread, which is what Redis's own per-thread counters give.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// How far a thread's unreported difference may grow before it is added to the total.
const FLUSH_BYTES: isize = 64 * 1024;

/// Bytes allocated and not yet freed, as far as the threads have reported them.
static ALLOCATED: AtomicIsize = AtomicIsize::new(0);
/// The highest [`allocated`] value seen by [`sample_peak`] (`used_memory_peak`).
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised and without a destructor: reading it never allocates, which a
    // global allocator must not do.
    static UNREPORTED: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let reported = UNREPORTED.try_with(|cell| {
        let pending = cell.get() + delta;
        if pending.abs() >= FLUSH_BYTES {
            ALLOCATED.fetch_add(pending, Ordering::Relaxed);
            cell.set(0);
        } else {
            cell.set(pending);
        }
    });
    if reported.is_err() {
        // A thread being torn down: report directly.
        ALLOCATED.fetch_add(delta, Ordering::Relaxed);
    }
}

/// The system allocator, counting. Installed as the global allocator in `lib.rs`.
pub struct CountingAllocator;

// Safety: every method forwards to `System` unchanged; the accounting touches only a
// thread-local cell and an atomic.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            account(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            account(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// Bytes currently allocated by the whole process (exact to within [`FLUSH_BYTES`] per
/// thread). 0 when the counting allocator is not the global one.
pub fn allocated() -> usize {
    ALLOCATED.load(Ordering::Relaxed).max(0) as usize
}

/// What the server had allocated once started, before loading data (Redis's
/// `used_memory_startup`).
static STARTUP: AtomicUsize = AtomicUsize::new(0);

/// Records the allocation now as the start-up baseline.
pub fn mark_startup() {
    STARTUP.store(allocated(), Ordering::Relaxed);
}

/// The start-up baseline ([`mark_startup`]).
pub fn startup() -> usize {
    STARTUP.load(Ordering::Relaxed)
}

/// Records the current allocation in the peak and returns the peak.
pub fn sample_peak() -> usize {
    let now = allocated();
    PEAK.fetch_max(now, Ordering::Relaxed).max(now)
}

/// The allocation high mark since memory was last given back (see [`give_back`]).
static HIGH_MARK: AtomicUsize = AtomicUsize::new(0);

/// Gives memory the allocator keeps but no longer uses back to the system after a large
/// drop in allocated memory (FLUSHALL, FLUSHDB, UNLINK or eviction of many keys): glibc's
/// malloc keeps freed heap for reuse and its RSS would stay at the high mark, where Redis's
/// jemalloc purges. Called by the cron; trims only when allocation fell by at least a
/// quarter and 16 MB below the high mark since the last trim, or by half and 1 MB (the
/// last steps of a store being emptied, each under 16 MB), so a steady server never pays
/// for it. Returns whether it trimmed.
pub fn give_back() -> bool {
    let now = allocated();
    let high = HIGH_MARK.fetch_max(now, Ordering::Relaxed).max(now);
    let dropped = high - now;
    let large = dropped >= 16 << 20 && dropped >= high / 4;
    let most = dropped >= 1 << 20 && dropped >= high / 2;
    if !(large || most) {
        return false;
    }
    HIGH_MARK.store(now, Ordering::Relaxed);
    trim();
    true
}

/// Gives the allocator's free pages back now (`MEMORY PURGE`), whatever the drop.
pub fn purge() {
    HIGH_MARK.store(allocated(), Ordering::Relaxed);
    trim();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    unsafe extern "C" {
        /// glibc: releases free memory at the top of the heap and, since 2.8, free pages
        /// inside every arena (`madvise(MADV_DONTNEED)`).
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_allocations_are_counted_and_given_back() {
        // Other test threads allocate too, so only a large difference is meaningful.
        let before = allocated();
        let block = vec![7u8; 64 << 20];
        let during = allocated();
        assert!(
            during >= before + (48 << 20),
            "{before} -> {during} with 64 MiB allocated"
        );
        drop(block);
        let after = allocated();
        assert!(
            after + (48 << 20) <= during,
            "{during} -> {after} after freeing 64 MiB"
        );
        assert!(sample_peak() >= after);
    }
}
