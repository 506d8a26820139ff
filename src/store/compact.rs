//! Byte strings stored inline when short, so the common case of a small key or value costs no
//! allocation of its own and no pointer to chase: it lives inside the map entry.
//!
//! [`CompactKey`] is what the map stores as a key; [`CompactValue`] holds a string value.
//! Both are 24 bytes. Longer data goes to the heap: an exact-size box for keys, and for values
//! a shared [`Bytes`] so that reading a large value hands out a reference-counted handle
//! instead of copying it.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Longest data kept inline (24 bytes minus the enum tag and the length byte).
pub const INLINE_CAPACITY: usize = 22;

/// Inline storage: a length and up to [`INLINE_CAPACITY`] bytes. The length byte's top two
/// bits are free (the length is at most 22): a value keeps its tag there.
#[derive(Clone, Copy)]
struct Inline {
    len: u8,
    data: [u8; INLINE_CAPACITY],
}

/// The bits of [`Inline::len`] that hold the length.
const LEN_MASK: u8 = 0x3f;

impl Inline {
    fn new(bytes: &[u8]) -> Option<Inline> {
        if bytes.len() > INLINE_CAPACITY {
            return None;
        }
        let mut data = [0u8; INLINE_CAPACITY];
        data[..bytes.len()].copy_from_slice(bytes);
        Some(Inline {
            len: bytes.len() as u8,
            data,
        })
    }

    fn as_slice(&self) -> &[u8] {
        &self.data[..(self.len & LEN_MASK) as usize]
    }

    fn tag(&self) -> u8 {
        self.len >> 6
    }

    fn set_tag(&mut self, tag: u8) {
        self.len = (self.len & LEN_MASK) | (tag << 6);
    }
}

/// Key bytes as the map stores them: inline up to [`INLINE_CAPACITY`] bytes, else an
/// exact-size heap copy. Never a slice of a read buffer (that would pin the whole buffer
/// for as long as the key exists).
#[derive(Clone)]
pub struct CompactKey(KeyRepr);

#[derive(Clone)]
enum KeyRepr {
    Inline(Inline),
    Heap(Box<[u8]>),
}

impl CompactKey {
    pub fn new(bytes: &[u8]) -> CompactKey {
        CompactKey(match Inline::new(bytes) {
            Some(inline) => KeyRepr::Inline(inline),
            None => KeyRepr::Heap(bytes.into()),
        })
    }

    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            KeyRepr::Inline(inline) => inline.as_slice(),
            KeyRepr::Heap(boxed) => boxed,
        }
    }
}

impl From<&[u8]> for CompactKey {
    fn from(bytes: &[u8]) -> CompactKey {
        CompactKey::new(bytes)
    }
}

impl Deref for CompactKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

// The map is looked up with `&[u8]`: Borrow requires Hash and Eq to agree with the slice's.
impl Borrow<[u8]> for CompactKey {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Hash for CompactKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl PartialEq for CompactKey {
    fn eq(&self, other: &CompactKey) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactKey {}

impl fmt::Debug for CompactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", Bytes::copy_from_slice(self.as_slice()))
    }
}

/// A string value: inline up to [`INLINE_CAPACITY`] bytes, else a shared [`Bytes`] (boxed to
/// keep this type at 24 bytes; large values pay one more pointer, small ones nothing).
/// It also carries a 2-bit tag for its owner (how the string came to be), in bits the
/// layout leaves free, so the owner needs no byte of its own.
#[derive(Clone)]
pub struct CompactValue(ValueRepr);

#[derive(Clone)]
enum ValueRepr {
    Inline(Inline),
    Shared(u8, Box<Bytes>),
}

impl CompactValue {
    /// Keeps `bytes` as given when long (the caller decides whether it must be copied out of
    /// a larger buffer first), or copies it inline when short.
    pub fn new(bytes: Bytes) -> CompactValue {
        CompactValue(match Inline::new(&bytes) {
            Some(inline) => ValueRepr::Inline(inline),
            None => ValueRepr::Shared(0, Box::new(bytes)),
        })
    }

    /// A copy of `bytes`, so the result never refers to the caller's buffer.
    pub fn copy_from_slice(bytes: &[u8]) -> CompactValue {
        CompactValue(match Inline::new(bytes) {
            Some(inline) => ValueRepr::Inline(inline),
            None => ValueRepr::Shared(0, Box::new(Bytes::copy_from_slice(bytes))),
        })
    }

    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            ValueRepr::Inline(inline) => inline.as_slice(),
            ValueRepr::Shared(_, bytes) => bytes,
        }
    }

    /// The owner's tag (0 to 3; 0 when never set).
    pub fn tag(&self) -> u8 {
        match &self.0 {
            ValueRepr::Inline(inline) => inline.tag(),
            ValueRepr::Shared(tag, _) => *tag,
        }
    }

    /// The same value with `tag` (0 to 3).
    pub fn with_tag(mut self, tag: u8) -> CompactValue {
        debug_assert!(tag < 4);
        match &mut self.0 {
            ValueRepr::Inline(inline) => inline.set_tag(tag),
            ValueRepr::Shared(t, _) => *t = tag,
        }
        self
    }

    /// The value as `Bytes`: a copy when inline (cheaper than a shared handle at this size),
    /// a reference-counted handle otherwise.
    pub fn to_bytes(&self) -> Bytes {
        match &self.0 {
            ValueRepr::Inline(inline) => Bytes::copy_from_slice(inline.as_slice()),
            ValueRepr::Shared(_, bytes) => Bytes::clone(bytes),
        }
    }
}

impl Deref for CompactValue {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for CompactValue {
    fn eq(&self, other: &CompactValue) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactValue {}

impl fmt::Debug for CompactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", Bytes::copy_from_slice(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn both_are_24_bytes() {
        assert_eq!(std::mem::size_of::<CompactKey>(), 24);
        assert_eq!(std::mem::size_of::<CompactValue>(), 24);
    }

    #[test]
    fn round_trips_at_every_length_around_the_inline_limit() {
        for len in [0, 1, 21, 22, 23, 24, 100, 70_000] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            assert_eq!(CompactKey::new(&data).as_slice(), &data[..]);
            assert_eq!(CompactValue::copy_from_slice(&data).as_slice(), &data[..]);
            assert_eq!(
                CompactValue::new(Bytes::from(data.clone())).to_bytes(),
                data
            );
        }
    }

    #[test]
    fn tags_leave_the_bytes_alone() {
        for len in [0, 5, 22, 23, 300] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for tag in 0..4 {
                let value = CompactValue::copy_from_slice(&data).with_tag(tag);
                assert_eq!((value.as_slice(), value.tag()), (&data[..], tag));
                let value = value.with_tag(3 - tag);
                assert_eq!((value.as_slice(), value.tag()), (&data[..], 3 - tag));
            }
        }
    }

    #[test]
    fn keys_are_found_by_slice() {
        let mut map = HashMap::new();
        map.insert(CompactKey::new(b"short"), 1);
        map.insert(CompactKey::new(&[b'x'; 40]), 2);
        assert_eq!(map.get(&b"short"[..]), Some(&1));
        assert_eq!(map.get(&[b'x'; 40][..]), Some(&2));
        assert_eq!(map.get(&b"shorter"[..]), None);
    }

    #[test]
    fn large_values_share_their_bytes() {
        let big = Bytes::from(vec![7u8; 1000]);
        let value = CompactValue::new(big.clone());
        assert_eq!(value.to_bytes().as_ptr(), big.as_ptr());
    }
}
