//! The list structure: a double-ended queue of byte strings.
//!
//! A [`VecDeque`] gives O(1) push and pop at both ends and O(1) access by index, which is
//! what every list command needs; Redis's quicklist is O(n) by index, so no command here is
//! slower than Redis's. The elements are [`Bytes`]: popping hands the stored buffer out
//! without a copy.
//!
//! Indexes follow Redis: negative ones count from the tail (-1 is the last element).
//! Commands never leave an empty list in the store; the callers delete the key when
//! [`ListValue::is_empty`] after a removal.

use std::collections::VecDeque;

use bytes::Bytes;

/// One end of a list: `LEFT` is the head, `RIGHT` the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Left,
    Right,
}

/// A list value. `items` is public for the few callers (COPY, tests) that build or read a
/// list whole; the commands use the methods below.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ListValue {
    pub items: VecDeque<Bytes>,
}

impl FromIterator<Bytes> for ListValue {
    fn from_iter<I: IntoIterator<Item = Bytes>>(iter: I) -> Self {
        ListValue {
            items: iter.into_iter().collect(),
        }
    }
}

impl ListValue {
    /// Roughly the heap bytes the list holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`ListValue::footprint`] measured on the first `samples` items.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        let slots = self.items.capacity() * std::mem::size_of::<Bytes>();
        slots
            + super::value::sampled_size(self.items.iter(), samples, |i| {
                i.len() + super::value::BYTES_HEAP
            })
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Pushes one element at `end`.
    pub fn push(&mut self, end: End, item: Bytes) {
        match end {
            End::Left => self.items.push_front(item),
            End::Right => self.items.push_back(item),
        }
    }

    /// Pops one element from `end`.
    pub fn pop(&mut self, end: End) -> Option<Bytes> {
        match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }
    }

    /// Pops up to `count` elements from `end`, in the order they were popped.
    pub fn pop_many(&mut self, end: End, count: usize) -> Vec<Bytes> {
        let n = count.min(self.items.len());
        match end {
            End::Left => self.items.drain(..n).collect(),
            End::Right => {
                let start = self.items.len() - n;
                self.items.drain(start..).rev().collect()
            }
        }
    }

    /// The position of a Redis index (negative counts from the tail), if in range.
    fn position(&self, index: i64) -> Option<usize> {
        let len = self.items.len() as i64;
        let i = if index < 0 { index + len } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The element at a Redis index.
    pub fn get(&self, index: i64) -> Option<&Bytes> {
        self.items.get(self.position(index)?)
    }

    /// Replaces the element at a Redis index; false when out of range.
    pub fn set(&mut self, index: i64, item: Bytes) -> bool {
        match self.position(index) {
            Some(i) => {
                self.items[i] = item;
                true
            }
            None => false,
        }
    }

    /// The inclusive position range `start..=stop` of Redis indexes (LRANGE's rules), or
    /// `None` when it selects nothing.
    pub fn span(&self, start: i64, stop: i64) -> Option<(usize, usize)> {
        let len = self.items.len() as i64;
        let start = if start < 0 { start + len } else { start }.max(0);
        let stop = if stop < 0 { stop + len } else { stop };
        if start > stop || start >= len {
            return None;
        }
        Some((start as usize, stop.min(len - 1) as usize))
    }

    /// The elements from `start` to `stop` inclusive (Redis indexes).
    pub fn range(&self, start: i64, stop: i64) -> impl Iterator<Item = &Bytes> {
        let (from, to) = match self.span(start, stop) {
            Some((from, to)) => (from, to + 1),
            None => (0, 0),
        };
        self.items.range(from..to)
    }

    /// Keeps only the elements from `start` to `stop` inclusive (LTRIM's rules).
    pub fn trim(&mut self, start: i64, stop: i64) {
        match self.span(start, stop) {
            Some((from, to)) => {
                self.items.truncate(to + 1);
                self.items.drain(..from);
            }
            None => self.items.clear(),
        }
    }

    /// Inserts `item` before or after the first element equal to `pivot` (from the head);
    /// false when there is no such element.
    pub fn insert(&mut self, pivot: &[u8], item: Bytes, before: bool) -> bool {
        match self.items.iter().position(|e| e[..] == *pivot) {
            Some(i) => {
                self.items.insert(if before { i } else { i + 1 }, item);
                true
            }
            None => false,
        }
    }

    /// Removes elements equal to `item`: the first `count` from the head when `count > 0`,
    /// the last `-count` from the tail when `count < 0`, all when 0. Returns how many.
    pub fn remove(&mut self, item: &[u8], count: i64) -> usize {
        let limit = if count == 0 {
            usize::MAX
        } else {
            count.unsigned_abs().try_into().unwrap_or(usize::MAX)
        };
        let before = self.items.len();
        if count >= 0 {
            let mut removed = 0;
            self.items.retain(|e| {
                let drop = removed < limit && e[..] == *item;
                removed += usize::from(drop);
                !drop
            });
        } else {
            // From the tail: find the positions first, then drop exactly those.
            let mut doomed: Vec<usize> = Vec::new();
            for (i, e) in self.items.iter().enumerate().rev() {
                if doomed.len() == limit {
                    break;
                }
                if e[..] == *item {
                    doomed.push(i);
                }
            }
            let mut next = doomed.pop();
            let mut i = 0;
            self.items.retain(|_| {
                let drop = next == Some(i);
                if drop {
                    next = doomed.pop();
                }
                i += 1;
                !drop
            });
        }
        before - self.items.len()
    }

    /// LPOS: the positions (from the head) of elements equal to `item`. A negative `rank`
    /// scans from the tail and skips `|rank| - 1` matches (a positive one from the head);
    /// at most `count` positions (0 = all), scanning at most `maxlen` elements (0 = all).
    /// `rank` must not be 0.
    pub fn positions(&self, item: &[u8], rank: i64, count: usize, maxlen: usize) -> Vec<usize> {
        // Redis negates the rank in a C long: i64::MIN stays negative and so every match
        // is at or past it.
        let skip_to = if rank < 0 { rank.wrapping_neg() } else { rank };
        let limit = if maxlen == 0 { usize::MAX } else { maxlen };
        let wanted = if count == 0 { usize::MAX } else { count };
        let mut found = Vec::new();
        let mut matches: i64 = 0;
        let mut check = |i: usize, e: &Bytes, found: &mut Vec<usize>| {
            if e[..] == *item {
                matches += 1;
                if matches >= skip_to {
                    found.push(i);
                }
            }
            found.len() < wanted
        };
        let len = self.items.len();
        if rank > 0 {
            for (i, e) in self.items.iter().enumerate().take(limit) {
                if !check(i, e, &mut found) {
                    break;
                }
            }
        } else {
            for (i, e) in self.items.iter().enumerate().rev().take(limit.min(len)) {
                if !check(i, e, &mut found) {
                    break;
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> ListValue {
        items
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect()
    }

    fn strs(items: impl IntoIterator<Item = impl AsRef<[u8]>>) -> Vec<String> {
        items
            .into_iter()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .collect()
    }

    #[test]
    fn push_pop_both_ends() {
        let mut l = list(&["b"]);
        l.push(End::Left, Bytes::from_static(b"a"));
        l.push(End::Right, Bytes::from_static(b"c"));
        assert_eq!(strs(&l.items), ["a", "b", "c"]);
        assert_eq!(strs(l.pop_many(End::Right, 2)), ["c", "b"]);
        assert_eq!(strs(l.pop_many(End::Left, 5)), ["a"]);
        assert!(l.is_empty());
        assert_eq!(l.pop(End::Left), None);
    }

    #[test]
    fn indexes_and_ranges_follow_redis() {
        let mut l = list(&["a", "b", "c", "d"]);
        assert_eq!(l.get(-1).unwrap(), "d");
        assert_eq!(l.get(4), None);
        assert_eq!(l.get(-5), None);
        assert_eq!(strs(l.range(1, -2)), ["b", "c"]);
        assert_eq!(strs(l.range(-100, 100)), ["a", "b", "c", "d"]);
        assert!(l.range(3, 1).next().is_none());
        assert!(l.range(4, 10).next().is_none());
        assert!(l.set(-2, Bytes::from_static(b"x")));
        assert!(!l.set(9, Bytes::from_static(b"x")));
        l.trim(1, -1);
        assert_eq!(strs(&l.items), ["b", "x", "d"]);
        l.trim(5, 1);
        assert!(l.is_empty());
    }

    #[test]
    fn insert_and_remove() {
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert!(l.insert(b"a", Bytes::from_static(b"z"), false));
        assert_eq!(strs(&l.items), ["a", "z", "b", "a", "c", "a"]);
        assert!(!l.insert(b"q", Bytes::from_static(b"z"), true));
        assert_eq!(l.remove(b"a", -2), 2);
        assert_eq!(strs(&l.items), ["a", "z", "b", "c"]);
        assert_eq!(l.remove(b"z", 1), 1);
        assert_eq!(l.remove(b"a", 0), 1);
        assert_eq!(strs(&l.items), ["b", "c"]);
    }

    #[test]
    fn positions_with_rank_count_maxlen() {
        let l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.positions(b"a", 1, 1, 0), [0]);
        assert_eq!(l.positions(b"a", 2, 0, 0), [2, 4]);
        assert_eq!(l.positions(b"a", -1, 0, 0), [4, 2, 0]);
        assert_eq!(l.positions(b"a", -2, 1, 0), [2]);
        assert_eq!(l.positions(b"a", 1, 0, 2), [0]);
        assert_eq!(l.positions(b"a", -1, 0, 2), [4]);
        assert_eq!(l.positions(b"a", i64::MIN, 1, 0), [4]);
        assert!(l.positions(b"z", 1, 0, 0).is_empty());
    }
}
