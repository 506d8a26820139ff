//! The set value: members in an insertion-ordered set, plus the encoding Redis 7.0 would
//! report for it.
//!
//! Redis 7.0 starts every set as an intset (a sorted array of integers) when its first
//! member is an integer (`string2ll`), and converts it for good to a hashtable when a
//! non-integer member arrives or it grows past `set-max-intset-entries` (512); 7.0 has no
//! listpack sets. [`SetValue`] tracks that, and while intset-encoded it lists its members
//! in ascending numeric order, as Redis's intset does (at most 512 members to sort).
//! Removals are `swap_remove` (O(1)); see [`super::indexed`] for why `SSCAN`'s guarantee
//! holds and how random picks stay O(1).

use bytes::Bytes;
use indexmap::IndexSet;
use rand::Rng;

use super::encoding::limits;
use super::indexed::scan_window;
use super::numeric::parse_i64;

type Members = IndexSet<Bytes, foldhash::fast::RandomState>;

/// A set. `hashtable` is sticky like Redis's conversion.
#[derive(Debug, Default, Clone)]
pub struct SetValue {
    members: Members,
    hashtable: bool,
}

impl SetValue {
    /// Roughly the heap bytes the set holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`SetValue::footprint`] measured on the first `samples` members.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        let slots = self.members.capacity() * (std::mem::size_of::<Bytes>() + 16);
        slots
            + super::value::sampled_size(self.members.iter(), samples, |m| {
                m.len() + super::value::BYTES_HEAP
            })
    }

    /// An empty set, intset-encoded until a member says otherwise (Redis's `setTypeCreate`
    /// followed by the first add gives the same result).
    pub fn new() -> SetValue {
        SetValue::default()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.members.contains(member)
    }

    /// `OBJECT ENCODING`: `intset` or `hashtable`.
    pub fn encoding(&self) -> &'static str {
        if self.hashtable {
            "hashtable"
        } else {
            "intset"
        }
    }

    /// Adds a member; true when it is new.
    pub fn insert(&mut self, member: &[u8]) -> bool {
        if self.members.contains(member) {
            return false;
        }
        self.insert_new(Bytes::copy_from_slice(member));
        true
    }

    /// Adds a member already owned (a copy from another set); true when it is new.
    pub fn insert_owned(&mut self, member: Bytes) -> bool {
        if self.members.contains(&member[..]) {
            return false;
        }
        self.insert_new(member);
        true
    }

    fn insert_new(&mut self, member: Bytes) {
        if !self.hashtable && parse_i64(&member).is_none() {
            self.hashtable = true;
        }
        self.members.insert(member);
        if self.members.len() > limits().set_max_intset_entries {
            self.hashtable = true;
        }
    }

    /// Removes a member; true when it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.members.swap_remove(member)
    }

    /// Removes and returns a uniformly chosen member (the set must not be empty).
    pub fn pop_random(&mut self, rng: &mut impl Rng) -> Bytes {
        let i = rng.random_range(0..self.members.len());
        self.members
            .swap_remove_index(i)
            .expect("index below the set's length")
    }

    /// The member at a dense index below [`SetValue::len`] (for random picks).
    pub fn at(&self, index: usize) -> &Bytes {
        self.members
            .get_index(index)
            .expect("index below the set's length")
    }

    /// Members in storage order (cheap; what set algebra walks).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Bytes> {
        self.members.iter()
    }

    /// Members in the order Redis lists them: ascending numbers for an intset, storage
    /// order for a hashtable (whose order Redis leaves unspecified).
    pub fn ordered(&self) -> Vec<&Bytes> {
        let mut members: Vec<&Bytes> = self.members.iter().collect();
        if !self.hashtable {
            members.sort_by_key(|m| parse_i64(m).unwrap_or(0));
        }
        members
    }

    /// Recomputes the encoding as if the set had been rebuilt member by member, which is
    /// what Redis 7.0's SPOP does when it keeps only a few members of a set.
    pub fn rebuild_encoding(&mut self) {
        self.hashtable = self.members.len() > limits().set_max_intset_entries
            || self.members.iter().any(|m| parse_i64(m).is_none());
    }

    /// One `SSCAN` step from `cursor`: calls `visit` for each member visited and returns the
    /// next cursor (0 when done). An intset is visited whole, whatever the cursor, as in
    /// Redis; a hashtable `count` members at a time (see [`super::indexed`]).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&Bytes)) -> u64 {
        if !self.hashtable {
            self.ordered().into_iter().for_each(visit);
            return 0;
        }
        let (window, next) = scan_window(self.members.len(), cursor, count);
        for i in window.rev() {
            visit(self.at(i));
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(members: Vec<&Bytes>) -> Vec<String> {
        members
            .into_iter()
            .map(|m| String::from_utf8(m.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = SetValue::new();
        for m in ["10", "-3", "2", "9223372036854775807"] {
            assert!(s.insert(m.as_bytes()));
        }
        assert!(!s.insert(b"2"));
        assert_eq!(s.encoding(), "intset");
        assert_eq!(
            strings(s.ordered()),
            ["-3", "2", "10", "9223372036854775807"]
        );
        s.insert(b"x");
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"x");
        assert_eq!(s.encoding(), "hashtable");
        // Not canonical integers: hashtable from the start.
        for m in ["01", "-0", "+1", " 1", "1.0"] {
            let mut t = SetValue::new();
            t.insert(m.as_bytes());
            assert_eq!(t.encoding(), "hashtable", "{m}");
        }
        let mut big = SetValue::new();
        for i in 0..512 {
            big.insert(i.to_string().as_bytes());
        }
        assert_eq!(big.encoding(), "intset");
        big.insert(b"512");
        assert_eq!(big.encoding(), "hashtable");
        big.remove(b"512");
        assert_eq!(big.encoding(), "hashtable");
        big.rebuild_encoding();
        assert_eq!(big.encoding(), "intset");
    }

    #[test]
    fn pop_random_removes_what_it_returns() {
        let mut s = SetValue::new();
        for i in 0..100 {
            s.insert(format!("m{i}").as_bytes());
        }
        let mut rng = rand::rng();
        let mut popped = std::collections::HashSet::new();
        while !s.is_empty() {
            let m = s.pop_random(&mut rng);
            assert!(!s.contains(&m));
            assert!(popped.insert(m));
        }
        assert_eq!(popped.len(), 100);
    }

    #[test]
    fn scan_returns_every_stable_member_under_writes() {
        let mut s = SetValue::new();
        for i in 0..1000 {
            s.insert(format!("m{i}").as_bytes());
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        let mut rng = rand::rng();
        loop {
            cursor = s.scan(cursor, 7, |m| {
                seen.insert(m.clone());
            });
            // Between calls: remove unstable members (odd numbers), add new ones.
            for _ in 0..5 {
                let i = rng.random_range(0..500) * 2 + 1;
                s.remove(format!("m{i}").as_bytes());
            }
            s.insert(format!("new{round}").as_bytes());
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for i in (0..1000).step_by(2) {
            assert!(seen.contains(format!("m{i}").as_bytes()), "m{i} missed");
        }
    }
}
