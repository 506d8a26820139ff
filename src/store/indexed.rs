//! What hashes and sets share: both keep their elements in an insertion-ordered map
//! (`indexmap`), whose dense indexes give O(1) random picks and a scan cursor that stays
//! valid across writes.
//!
//! # The scan guarantee
//! A cursor walks the indexes from the top down: cursor 0 starts at the current length,
//! and a cursor `c > 0` means "indexes below `c` are still to visit" (the reply's next
//! cursor is the lowest index visited, 0 when index 0 was reached). Writes between calls
//! keep every element that is present for the whole scan below the cursor until visited:
//! - new elements are appended, at an index at or above the cursor (or, after removals,
//!   below it — then they are merely seen, which the guarantee allows);
//! - a large collection removes with `swap_remove`, which moves the LAST element into the
//!   hole: if the hole is below the cursor, the moved element either was already visited
//!   (then it is returned twice, which Redis allows too) or was itself below the cursor,
//!   and stays there; a hole above the cursor can only receive an already visited element.
//!
//! Small collections (Redis's listpack/intset encodings) are scanned whole in one call, as
//! Redis does, so their order-preserving removals (`shift_remove`) never meet a cursor:
//! conversion to the large encoding is sticky, and only large collections page.

use std::ops::Range;

use rand::Rng;
use rand::seq::index;

/// The indexes one scan step visits (walk them from the top down) and the next cursor.
pub fn scan_window(len: usize, cursor: u64, count: usize) -> (Range<usize>, u64) {
    let upper = match cursor {
        0 => len,
        c => usize::try_from(c).unwrap_or(usize::MAX).min(len),
    };
    let lower = upper.saturating_sub(count.max(1));
    (lower..upper, lower as u64)
}

/// `count` distinct indexes below `len`, uniformly chosen (`count < len`), in O(count).
pub fn distinct_indexes(rng: &mut impl Rng, len: usize, count: usize) -> Vec<usize> {
    debug_assert!(count <= len);
    index::sample(rng, len, count).into_vec()
}

/// The one routine behind the repeating picks of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER
/// with a negative count: `picks` elements chosen independently and uniformly from a
/// collection of `len > 0`, each as `at(index)` gives it. A client can ask for any count
/// up to `i64::MAX`; `None` when the reply cannot even be allocated (Redis would stream it
/// until memory ran out), so no count can abort the server.
pub fn repeated_picks<T>(
    rng: &mut impl Rng,
    len: usize,
    picks: u64,
    mut at: impl FnMut(usize) -> T,
) -> Option<Vec<T>> {
    let picks = usize::try_from(picks).ok()?;
    let mut out = Vec::new();
    out.try_reserve_exact(picks).ok()?;
    out.extend((0..picks).map(|_| at(rng.random_range(0..len))));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_window_walks_down_to_zero() {
        assert_eq!(scan_window(25, 0, 10), (15..25, 15));
        assert_eq!(scan_window(25, 15, 10), (5..15, 5));
        assert_eq!(scan_window(25, 5, 10), (0..5, 0));
        // A cursor past the end (after removals) is clamped to the length.
        assert_eq!(scan_window(3, 15, 10), (0..3, 0));
        assert_eq!(scan_window(0, 0, 10), (0..0, 0));
        assert_eq!(scan_window(5, u64::MAX, 2), (3..5, 3));
    }

    #[test]
    fn repeated_picks_refuse_what_cannot_be_allocated() {
        let mut rng = rand::rng();
        let picks = repeated_picks(&mut rng, 3, 1000, |i| i).unwrap();
        assert_eq!(picks.len(), 1000);
        assert!(picks.iter().all(|&i| i < 3));
        assert!(repeated_picks(&mut rng, 3, i64::MAX as u64, |i| i).is_none());
        assert!(repeated_picks(&mut rng, 3, u64::MAX, |i| i).is_none());
    }

    #[test]
    fn distinct_indexes_are_distinct_and_in_range() {
        let mut rng = rand::rng();
        for _ in 0..100 {
            let mut picked = distinct_indexes(&mut rng, 50, 20);
            picked.sort_unstable();
            picked.dedup();
            assert_eq!(picked.len(), 20);
            assert!(picked.iter().all(|&i| i < 50));
        }
    }
}
