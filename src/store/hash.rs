//! The hash value: field -> value in an insertion-ordered map, plus the encoding Redis 7.0
//! would report for it.
//!
//! Redis keeps a small hash as a listpack (fields in insertion order, a removal closes the
//! gap) and converts it for good to a hashtable once it holds more than
//! `hash-max-listpack-entries` (512) fields or is handed a field or value longer than
//! `hash-max-listpack-value` (64 bytes). [`HashValue`] mirrors that: while small it removes
//! with `shift_remove` (O(n) for n <= 512, the listpack's own cost) so it iterates in the
//! very order Redis's listpack does; once large it removes with `swap_remove` (O(1)).
//! See [`super::indexed`] for why either keeps `HSCAN`'s guarantee and how random picks
//! stay O(1).

use bytes::Bytes;
use indexmap::IndexMap;

use super::encoding::limits;
use super::indexed::scan_window;

type Fields = IndexMap<Bytes, Bytes, foldhash::fast::RandomState>;

/// A hash. `hashtable` is sticky like Redis's conversion: once a hash outgrows the listpack
/// it keeps reporting (and behaving as) the big encoding.
#[derive(Debug, Default, Clone)]
pub struct HashValue {
    fields: Fields,
    hashtable: bool,
}

impl HashValue {
    /// Roughly the heap bytes the hash holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`HashValue::footprint`] measured on the first `samples` fields.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        // Each field: its two `Bytes` and hash in the entries, an index slot.
        let slots = self.fields.capacity() * (2 * std::mem::size_of::<Bytes>() + 16);
        let contents =
            super::value::sampled_size(self.fields.iter(), samples, |(f, v)| f.len() + v.len());
        slots + contents + self.fields.len() * 2 * super::value::BYTES_HEAP
    }

    pub fn new() -> HashValue {
        HashValue::default()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn get(&self, field: &[u8]) -> Option<&Bytes> {
        self.fields.get(field)
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.fields.contains_key(field)
    }

    /// `OBJECT ENCODING`: `listpack` or `hashtable`.
    pub fn encoding(&self) -> &'static str {
        if self.hashtable {
            "hashtable"
        } else {
            "listpack"
        }
    }

    /// Redis's `hashTypeTryConversion`: HSET and HMSET look at every field and value they
    /// were given before writing any, and one longer than the listpack allows converts the
    /// hash even if that pair ends up not stored.
    pub fn admit_arguments<'a>(&mut self, args: impl IntoIterator<Item = &'a [u8]>) {
        let max_value = limits().hash_max_listpack_value;
        if !self.hashtable && args.into_iter().any(|a| a.len() > max_value) {
            self.hashtable = true;
        }
    }

    /// Sets `field` to `value`; true when the field is new. An existing field keeps its
    /// position (the listpack replaces in place).
    pub fn insert(&mut self, field: &[u8], value: Bytes) -> bool {
        let limits = limits();
        let max_value = limits.hash_max_listpack_value;
        if field.len() > max_value || value.len() > max_value {
            self.hashtable = true;
        }
        if let Some(slot) = self.fields.get_mut(field) {
            *slot = value;
            return false;
        }
        self.fields.insert(Bytes::copy_from_slice(field), value);
        if self.fields.len() > limits.hash_max_listpack_entries {
            self.hashtable = true;
        }
        true
    }

    /// Removes `field`; true when it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.hashtable {
            self.fields.swap_remove(field).is_some()
        } else {
            self.fields.shift_remove(field).is_some()
        }
    }

    /// Fields and values in iteration order (insertion order while listpack-encoded).
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Bytes, &Bytes)> {
        self.fields.iter()
    }

    /// The pair at a dense index below [`HashValue::len`] (for random picks).
    pub fn at(&self, index: usize) -> (&Bytes, &Bytes) {
        self.fields
            .get_index(index)
            .expect("index below the hash's length")
    }

    /// One `HSCAN` step from `cursor`: calls `visit` for each pair visited and returns the
    /// next cursor (0 when done). A listpack hash is visited whole, whatever the cursor, as
    /// in Redis; a hashtable one `count` pairs at a time (see [`super::indexed`]).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&Bytes, &Bytes)) -> u64 {
        if !self.hashtable {
            self.fields.iter().for_each(|(f, v)| visit(f, v));
            return 0;
        }
        let (window, next) = scan_window(self.fields.len(), cursor, count);
        for i in window.rev() {
            let (f, v) = self.at(i);
            visit(f, v);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn keys(h: &HashValue) -> Vec<String> {
        h.iter()
            .map(|(f, _)| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn listpack_order_and_sticky_conversion() {
        let mut h = HashValue::new();
        for f in ["a", "b", "c", "d"] {
            assert!(h.insert(f.as_bytes(), b("1")));
        }
        assert!(!h.insert(b"b", b("2")));
        assert!(h.remove(b"b"));
        assert!(!h.remove(b"b"));
        // Like a listpack: removal closes the gap, updates stay in place.
        assert_eq!(keys(&h), ["a", "c", "d"]);
        assert_eq!(h.encoding(), "listpack");
        h.insert(b"long", Bytes::from(vec![b'x'; 65]));
        assert_eq!(h.encoding(), "hashtable");
        h.remove(b"long");
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn conversion_thresholds() {
        let mut h = HashValue::new();
        h.insert(&[b'f'; 64], Bytes::from(vec![b'v'; 64]));
        assert_eq!(h.encoding(), "listpack");
        let mut h = HashValue::new();
        for i in 0..512 {
            h.insert(format!("f{i}").as_bytes(), b("v"));
        }
        assert_eq!(h.encoding(), "listpack");
        h.insert(b"one more", b("v"));
        assert_eq!(h.encoding(), "hashtable");
        let mut h = HashValue::new();
        h.admit_arguments([&b"f"[..], &[b'v'; 65][..]]);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn small_hashes_scan_whole() {
        let mut h = HashValue::new();
        for i in 0..50 {
            h.insert(format!("f{i}").as_bytes(), b("v"));
        }
        let mut seen = 0;
        assert_eq!(h.scan(7, 1, |_, _| seen += 1), 0);
        assert_eq!(seen, 50);
    }

    #[test]
    fn scan_returns_every_stable_field_under_writes() {
        let mut h = HashValue::new();
        for i in 0..1000 {
            h.insert(format!("f{i}").as_bytes(), b("v"));
        }
        let stable: Vec<Bytes> = (0..1000).step_by(3).map(|i| b(&format!("f{i}"))).collect();
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            cursor = h.scan(cursor, 10, |f, _| {
                seen.insert(f.clone());
            });
            // Between calls: remove fields that are not stable, add new ones.
            for i in (round * 7..round * 7 + 7).filter(|i| i % 3 != 0) {
                h.remove(format!("f{i}").as_bytes());
            }
            h.insert(format!("new{round}").as_bytes(), b("v"));
            round += 1;
            if cursor == 0 {
                break;
            }
        }
        for f in &stable {
            assert!(seen.contains(f), "{f:?} missed");
        }
    }
}
