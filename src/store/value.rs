//! The typed values the store holds: one enum over the five Redis types, and the per-key
//! [`Entry`] that carries a value with its expiry and access time.
//!
//! Strings written whole are immutable [`Bytes`] (a `GET` hands out a reference-counted
//! clone, never a copy); strings changed in place grow in a buffer of their own (see
//! [`StringValue`]). Collections live behind their own lock inside an `Arc`, so a write to a large
//! collection mutates it in place instead of copying it into a new map entry, and `RENAME`
//! moves the `Arc` rather than the elements.

use std::collections::TryReserveError;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::compact::{CompactKey, CompactValue, INLINE_CAPACITY};
pub use super::hash::HashValue;
pub use super::list::ListValue;
use super::numeric::parse_i64;
pub use super::set::SetValue;
pub use super::stream::StreamValue;

/// Key bytes as stored in the map: inline when short, never a slice of a read buffer.
pub type Key = CompactKey;

/// Redis's `OBJ_SHARED_INTEGERS`: integer strings below this are shared objects in Redis and
/// report a refcount of `i32::MAX`; mirrored so `OBJECT REFCOUNT` answers the same.
pub const SHARED_INTEGERS: i64 = 10_000;
/// Strings up to this length are `embstr` in Redis (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
pub const EMBSTR_SIZE_LIMIT: usize = 44;

/// What a stored `Bytes` costs beyond its contents (a long string's boxed handle, an
/// element's share of a shared buffer's header), for footprint estimates.
pub(crate) const BYTES_HEAP: usize = 32;

/// The summed `size` of a collection's items, measured on its first `samples` items and
/// extrapolated to all of them (Redis's `objectComputeSize` samples that way); all of them
/// when `samples` covers the collection.
pub(crate) fn sampled_size<T>(
    items: impl ExactSizeIterator<Item = T>,
    samples: usize,
    size: impl Fn(T) -> usize,
) -> usize {
    let len = items.len();
    let taken = samples.min(len);
    if taken == 0 {
        return 0;
    }
    let sum: usize = items.take(taken).map(size).sum();
    if taken == len {
        sum
    } else {
        (sum as f64 / taken as f64 * len as f64) as usize
    }
}

/// A value of one of the Redis types.
#[derive(Debug, Clone)]
pub enum Value {
    String(StringValue),
    List(Arc<RwLock<ListValue>>),
    Hash(Arc<RwLock<HashValue>>),
    Set(Arc<RwLock<SetValue>>),
    SortedSet(Arc<RwLock<SortedSetValue>>),
    Stream(Arc<RwLock<StreamValue>>),
}

/// The Redis type of a value, as `TYPE` and `SCAN ... TYPE` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    String,
    List,
    Hash,
    Set,
    SortedSet,
    Stream,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Hash => "hash",
            ValueType::Set => "set",
            ValueType::SortedSet => "zset",
            ValueType::Stream => "stream",
        }
    }

    /// Parses a `TYPE` name as `SCAN ... TYPE` accepts it (case-insensitive).
    pub fn from_name(name: &[u8]) -> Option<ValueType> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_slice() {
            b"string" => ValueType::String,
            b"list" => ValueType::List,
            b"hash" => ValueType::Hash,
            b"set" => ValueType::Set,
            b"zset" => ValueType::SortedSet,
            b"stream" => ValueType::Stream,
            _ => return None,
        })
    }
}

/// A string value, with how Redis would have built the object holding it: that decides
/// what `OBJECT ENCODING` and `OBJECT REFCOUNT` report, never what commands see.
///
/// A string written whole is immutable (inline, or a shared `Bytes` that `GET` hands out
/// without copying). A string that a command changes in place (APPEND, SETRANGE, SETBIT,
/// BITFIELD: Redis's `raw` strings) becomes [`StringData::Growable`] once it outgrows the
/// inline bytes, so the next change edits it where it is instead of copying all of it.
/// Cloning shares a growable buffer, as it shares a collection: [`StringValue::copied`]
/// makes an independent copy.
#[derive(Debug, Clone)]
pub struct StringValue {
    /// A fixed string's origin is the tag of its `CompactValue` (so this type and `Value`
    /// stay 24 bytes); a growable one is always `Modified`.
    data: StringData,
}

#[derive(Debug, Clone)]
enum StringData {
    Fixed(CompactValue),
    /// Behind an `Arc` because moving a value (`RENAME`, `MOVE`) clones the entry's value,
    /// and behind a lock because the map only hands out shared references: a writer holds
    /// its segment's exclusive lock, so this lock is never contended by another writer.
    Growable(Arc<RwLock<Vec<u8>>>),
}

/// How a string object came to be, in Redis's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringOrigin {
    /// Stored by SET, MSET, INCR...: Redis tries the integer encoding, sharing small ones.
    Stored,
    /// A copy of a stored string (`COPY`): same encoding, but a private object.
    Copied,
    /// Modified in place (`APPEND`, `SETRANGE`, `SETBIT`, `BITFIELD`, `BITOP`'s result):
    /// always `raw`.
    Modified,
    /// Stored as created, without trying the integer encoding (`INCRBYFLOAT`'s result).
    Plain,
}

impl StringOrigin {
    /// The origin a [`CompactValue`] tag (`origin as u8`) stands for.
    fn from_tag(tag: u8) -> StringOrigin {
        match tag {
            0 => StringOrigin::Stored,
            1 => StringOrigin::Copied,
            2 => StringOrigin::Modified,
            _ => StringOrigin::Plain,
        }
    }
}

/// A string's bytes, borrowed: straight from an immutable string, or under the read lock
/// of a growable one (held only while the borrow lives).
pub enum StringBytes<'a> {
    Fixed(&'a [u8]),
    Locked(RwLockReadGuard<'a, Vec<u8>>),
}

impl Deref for StringBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            StringBytes::Fixed(bytes) => bytes,
            StringBytes::Locked(guard) => guard,
        }
    }
}

impl std::fmt::Debug for StringBytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", Bytes::copy_from_slice(self))
    }
}

impl PartialEq for StringBytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl PartialEq<[u8]> for StringBytes<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for StringBytes<'_> {
    fn eq(&self, other: &&[u8; N]) -> bool {
        **self == other[..]
    }
}

/// What a growable string's buffer costs beyond its capacity (the `Arc`'s counts, the lock
/// and the `Vec` header, with the allocator's rounding), for footprint estimates.
const GROWABLE_HEAP: usize = 64;

/// Below this a growing string doubles its capacity; above it, it gains this much more
/// (Redis's `SDS_MAX_PREALLOC`): appends stay amortized O(1) while a large string wastes
/// at most 1 MB, where plain doubling could waste as much as the string holds.
const MAX_PREALLOC: usize = 1024 * 1024;

/// Makes room in a modified string's buffer for `len` bytes, with Redis's greedy policy
/// (`sdsMakeRoomFor`). Fails, changing nothing, when the allocator cannot provide it.
pub fn reserve_string(buf: &mut Vec<u8>, len: usize) -> Result<(), TryReserveError> {
    if len <= buf.capacity() {
        return Ok(());
    }
    let target = if len < MAX_PREALLOC {
        len.saturating_mul(2)
    } else {
        len.saturating_add(MAX_PREALLOC)
    };
    // The greedy target may be refused where the exact size is not.
    buf.try_reserve_exact(target - buf.len())
        .or_else(|_| buf.try_reserve_exact(len - buf.len()))
}

/// Pads a modified string with zero bytes up to `len` (never shortens it).
pub fn grow_string_zeroed(buf: &mut Vec<u8>, len: usize) -> Result<(), TryReserveError> {
    if len > buf.len() {
        reserve_string(buf, len)?;
        buf.resize(len, 0);
    }
    Ok(())
}

/// A zero-filled buffer of exactly `len` bytes for a new modified string (Redis creates
/// those at their exact size), or `None` when it cannot be allocated.
pub fn zeroed_string(len: usize) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    buf.try_reserve_exact(len).ok()?;
    buf.resize(len, 0);
    Some(buf)
}

impl StringValue {
    fn with_origin(data: CompactValue, origin: StringOrigin) -> Self {
        StringValue {
            data: StringData::Fixed(data.with_tag(origin as u8)),
        }
    }

    /// How this string came to be.
    pub fn origin(&self) -> StringOrigin {
        match &self.data {
            StringData::Fixed(data) => StringOrigin::from_tag(data.tag()),
            StringData::Growable(_) => StringOrigin::Modified,
        }
    }

    /// A string written whole (SET, MSET, INCR...). `bytes` is kept as given when long: pass
    /// a copy, not a slice of a read buffer.
    pub fn new(bytes: Bytes) -> Self {
        Self::with_origin(CompactValue::new(bytes), StringOrigin::Stored)
    }

    /// A string written whole from borrowed bytes (copied).
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::with_origin(CompactValue::copy_from_slice(bytes), StringOrigin::Stored)
    }

    /// A string built or changed in place (`raw`): inline while short (copying a few
    /// bytes per change costs less than a buffer of its own), else growable in place.
    pub fn modified(bytes: Vec<u8>) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            return Self::with_origin(
                CompactValue::copy_from_slice(&bytes),
                StringOrigin::Modified,
            );
        }
        StringValue {
            data: StringData::Growable(Arc::new(RwLock::new(bytes))),
        }
    }

    /// A string stored as created, without the integer encoding (`INCRBYFLOAT`).
    pub fn plain(bytes: Bytes) -> Self {
        Self::with_origin(CompactValue::new(bytes), StringOrigin::Plain)
    }

    /// An independent copy, as Redis's `dupStringObject` makes for `COPY` (a growable
    /// buffer is copied at its length: Redis's copy has no spare room either).
    pub fn copied(&self) -> Self {
        match &self.data {
            StringData::Fixed(data) => {
                let origin = match self.origin() {
                    StringOrigin::Stored => StringOrigin::Copied,
                    other => other,
                };
                Self::with_origin(data.clone(), origin)
            }
            StringData::Growable(buf) => StringValue {
                data: StringData::Growable(Arc::new(RwLock::new(buf.read_recursive().clone()))),
            },
        }
    }

    /// The bytes, borrowed. A growable string stays read-locked while the borrow lives:
    /// drop it before changing that string. (`read_recursive`: a command may read one key
    /// twice, as `BITOP` does with a repeated source.)
    pub fn as_bytes(&self) -> StringBytes<'_> {
        match &self.data {
            StringData::Fixed(data) => StringBytes::Fixed(data.as_slice()),
            StringData::Growable(buf) => StringBytes::Locked(buf.read_recursive()),
        }
    }

    /// The bytes as an owned handle: a copy when short, shared when long and immutable, and
    /// a copy of a growable string (as Redis copies every reply into its output buffer).
    pub fn to_bytes(&self) -> Bytes {
        match &self.data {
            StringData::Fixed(data) => data.to_bytes(),
            StringData::Growable(buf) => Bytes::copy_from_slice(&buf.read_recursive()),
        }
    }

    /// The buffer of a string that is changed in place, locked for writing; `None` for a
    /// string written whole, which must first be replaced by a [`StringValue::modified`]
    /// copy (see `Txn::edit_string`).
    pub fn growable(&self) -> Option<RwLockWriteGuard<'_, Vec<u8>>> {
        match &self.data {
            StringData::Fixed(_) => None,
            StringData::Growable(buf) => Some(buf.write()),
        }
    }

    /// Whether this string is changed in place (its bytes are copied, not shared, by
    /// [`StringValue::to_bytes`]).
    pub fn is_growable(&self) -> bool {
        matches!(self.data, StringData::Growable(_))
    }

    pub fn len(&self) -> usize {
        match &self.data {
            StringData::Fixed(data) => data.as_slice().len(),
            StringData::Growable(buf) => buf.read_recursive().len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes held beyond the map entry.
    fn footprint(&self) -> usize {
        match &self.data {
            StringData::Fixed(data) if data.as_slice().len() > INLINE_CAPACITY => {
                data.as_slice().len() + BYTES_HEAP
            }
            StringData::Fixed(_) => 0,
            StringData::Growable(buf) => buf.read_recursive().capacity() + GROWABLE_HEAP,
        }
    }

    /// The integer Redis would store this string as (`OBJ_ENCODING_INT`), if any.
    fn as_int_encoding(&self) -> Option<i64> {
        let may_be_int = matches!(self.origin(), StringOrigin::Stored | StringOrigin::Copied);
        if !may_be_int || self.len() > 20 {
            return None;
        }
        parse_i64(&self.as_bytes())
    }

    pub fn encoding(&self) -> &'static str {
        if self.as_int_encoding().is_some() {
            "int"
        } else if self.origin() != StringOrigin::Modified && self.len() <= EMBSTR_SIZE_LIMIT {
            "embstr"
        } else {
            "raw"
        }
    }

    pub fn refcount(&self) -> i64 {
        match self.as_int_encoding() {
            Some(n)
                if self.origin() == StringOrigin::Stored && (0..SHARED_INTEGERS).contains(&n) =>
            {
                i32::MAX as i64
            }
            _ => 1,
        }
    }
}

pub use super::sorted_set::SortedSetValue;

impl Value {
    pub fn string(bytes: Bytes) -> Value {
        Value::String(StringValue::new(bytes))
    }

    pub fn value_type(&self) -> ValueType {
        match self {
            Value::String(_) => ValueType::String,
            Value::List(_) => ValueType::List,
            Value::Hash(_) => ValueType::Hash,
            Value::Set(_) => ValueType::Set,
            Value::SortedSet(_) => ValueType::SortedSet,
            Value::Stream(_) => ValueType::Stream,
        }
    }

    /// The encoding `OBJECT ENCODING` reports, following Redis 7.0's rules.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::String(s) => s.encoding(),
            // Redis 7.0 always stores lists as quicklists.
            Value::List(_) => "quicklist",
            Value::Hash(h) => h.read().encoding(),
            Value::Set(s) => s.read().encoding(),
            Value::SortedSet(z) => z.read().encoding(),
            Value::Stream(_) => "stream",
        }
    }

    pub fn refcount(&self) -> i64 {
        match self {
            Value::String(s) => s.refcount(),
            _ => 1,
        }
    }

    /// Roughly the heap bytes the value holds beyond its map entry.
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`Value::footprint`] with a collection's elements measured on its first `samples`
    /// and extrapolated (`MEMORY USAGE ... SAMPLES`); a stream counts all its nodes.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        match self {
            Value::String(s) => s.footprint(),
            Value::List(l) => l.read().footprint_sampled(samples),
            Value::Hash(h) => h.read().footprint_sampled(samples),
            Value::Set(s) => s.read().footprint_sampled(samples),
            Value::SortedSet(z) => z.read().footprint_sampled(samples),
            Value::Stream(x) => x.read().footprint(),
        }
    }

    /// An independent copy (`COPY`): immutable strings share their bytes, growable ones
    /// and collections are copied.
    pub fn deep_clone(&self) -> Value {
        match self {
            Value::String(s) => Value::String(s.copied()),
            Value::List(l) => Value::List(Arc::new(RwLock::new(l.read().clone()))),
            Value::Hash(h) => Value::Hash(Arc::new(RwLock::new(h.read().clone()))),
            Value::Set(s) => Value::Set(Arc::new(RwLock::new(s.read().clone()))),
            Value::SortedSet(z) => Value::SortedSet(Arc::new(RwLock::new(z.read().clone()))),
            Value::Stream(x) => Value::Stream(Arc::new(RwLock::new(x.read().clone()))),
        }
    }
}

/// What a key costs in its map whatever its value: the node (inline key and [`Entry`], a
/// 64-byte malloc chunk) and its table slot.
pub const KEY_NODE_BYTES: usize = 64 + 8;

/// What the map stores per key: the value (with its expiry, when it has one), the access
/// time and the version. Access time and version are atomics, and so is a volatile key's
/// expiry, so reads, in-place changes and a new TTL need not replace the entry in the map.
///
/// 32 bytes, so a key's map node (24-byte inline key plus this) is a 56-byte allocation
/// (64 with malloc's header): a key without expiry carries no expiry field at all, and a
/// volatile key keeps its value and expiry in a box of their own (Redis keeps expiries in
/// a second table for the same reason).
#[derive(Debug)]
pub struct Entry {
    slot: Slot,
    /// Last access, in seconds since the store's epoch (for `OBJECT IDLETIME`).
    accessed: AtomicU32,
    /// Stamped by the key's segment whenever the key changes.
    version: AtomicU32,
}

#[derive(Debug)]
enum Slot {
    Persistent(Value),
    Volatile(Box<Volatile>),
}

/// How an expiry is stored: a requested expiry of 0 ms (1970) is already in the past, and
/// 1 keeps it so.
fn stored_expiry(at: u64) -> u64 {
    at.max(1)
}

#[derive(Debug)]
struct Volatile {
    value: Value,
    /// Absolute expiry in Unix milliseconds (at least 1).
    expires_at: AtomicU64,
}

impl Entry {
    pub fn new(value: Value, expires_at: Option<u64>, now_secs: u32, version: u32) -> Entry {
        let slot = match expires_at {
            None => Slot::Persistent(value),
            Some(at) => Slot::Volatile(Box::new(Volatile {
                value,
                expires_at: AtomicU64::new(stored_expiry(at)),
            })),
        };
        Entry {
            slot,
            accessed: AtomicU32::new(now_secs),
            version: AtomicU32::new(version),
        }
    }

    pub fn value(&self) -> &Value {
        match &self.slot {
            Slot::Persistent(value) => value,
            Slot::Volatile(volatile) => &volatile.value,
        }
    }

    /// The key's version: it changes with every change of the key, and no two states of
    /// the keys of one segment share one (until the segment's 32-bit counter wraps).
    pub fn version(&self) -> u32 {
        self.version.load(Ordering::Relaxed)
    }

    pub(crate) fn set_version(&self, version: u32) {
        self.version.store(version, Ordering::Relaxed);
    }

    /// Absolute expiry in Unix milliseconds, if the key is volatile.
    pub fn expires_at(&self) -> Option<u64> {
        match &self.slot {
            Slot::Persistent(_) => None,
            Slot::Volatile(volatile) => Some(volatile.expires_at.load(Ordering::Relaxed)),
        }
    }

    /// Changes a volatile key's expiry in place; false (changing nothing) when the entry
    /// must be replaced instead, because the key gains or loses its expiry.
    pub(crate) fn store_expiry(&self, at: Option<u64>) -> bool {
        match (&self.slot, at) {
            (Slot::Volatile(volatile), Some(at)) => {
                volatile
                    .expires_at
                    .store(stored_expiry(at), Ordering::Relaxed);
                true
            }
            (Slot::Persistent(_), None) => true,
            _ => false,
        }
    }

    pub fn is_expired(&self, now_ms: u64) -> bool {
        matches!(self.expires_at(), Some(at) if at <= now_ms)
    }

    pub fn accessed_secs(&self) -> u32 {
        self.accessed.load(Ordering::Relaxed)
    }

    /// Roughly the bytes this entry and `key` hold (map slot, key and value), as Redis's
    /// eviction counts what a deletion frees. Walks a collection's elements.
    pub fn footprint(&self, key: &[u8]) -> usize {
        self.footprint_sampled(key, usize::MAX)
    }

    /// [`Entry::footprint`] with a collection measured on its first `samples` elements
    /// (`MEMORY USAGE ... SAMPLES`).
    pub fn footprint_sampled(&self, key: &[u8], samples: usize) -> usize {
        // A volatile key's box of value and expiry (a 48-byte chunk).
        const VOLATILE: usize = 48;
        let key_heap = if key.len() > super::INLINE_CAPACITY {
            key.len()
        } else {
            0
        };
        let expiry = if self.expires_at().is_some() {
            VOLATILE
        } else {
            0
        };
        KEY_NODE_BYTES + key_heap + expiry + self.value().footprint_sampled(samples)
    }

    /// Stores a new access field (seconds since the store's epoch, or LFU data).
    pub(crate) fn touch(&self, now_secs: u32) {
        // Skip the store when unchanged so hot reads do not keep dirtying the cache line.
        if self.accessed.load(Ordering::Relaxed) != now_secs {
            self.accessed.store(now_secs, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> StringValue {
        StringValue::new(Bytes::copy_from_slice(v.as_bytes()))
    }

    #[test]
    fn string_encodings_follow_redis() {
        assert_eq!(s("123").encoding(), "int");
        assert_eq!(s("-5").encoding(), "int");
        assert_eq!(s("0123").encoding(), "embstr");
        assert_eq!(s(&"a".repeat(44)).encoding(), "embstr");
        assert_eq!(s(&"a".repeat(45)).encoding(), "raw");
        assert_eq!(StringValue::modified(b"12".to_vec()).encoding(), "raw");
        assert_eq!(s("99999999999999999999").encoding(), "embstr");
        let float = StringValue::plain(Bytes::from_static(b"3"));
        assert_eq!((float.encoding(), float.refcount()), ("embstr", 1));
    }

    #[test]
    fn copies_of_shared_integers_are_private() {
        let copy = s("5").copied();
        assert_eq!((copy.encoding(), copy.refcount()), ("int", 1));
        let raw = StringValue::modified(b"5".to_vec()).copied();
        assert_eq!(raw.encoding(), "raw");
    }

    #[test]
    fn modified_strings_grow_in_place_and_copy_apart() {
        let short = StringValue::modified(b"abc".to_vec());
        assert!(short.growable().is_none());
        assert_eq!(short.encoding(), "raw");
        let long = StringValue::modified(vec![b'x'; 30]);
        let copy = long.copied();
        long.growable().unwrap().extend_from_slice(b"yz");
        assert_eq!(long.len(), 32);
        assert_eq!(&*copy.as_bytes(), &[b'x'; 30][..]);
        // A clone (RENAME moving the value) shares the buffer; a copy (COPY) does not.
        let moved = long.clone();
        long.growable().unwrap().push(b'!');
        assert_eq!(moved.to_bytes().len(), 33);
        assert_eq!((copy.encoding(), copy.refcount()), ("raw", 1));
        assert!(Value::String(long).footprint() >= 33 + GROWABLE_HEAP);
    }

    #[test]
    fn growth_follows_redis_greedy_policy() {
        let mut buf = Vec::new();
        grow_string_zeroed(&mut buf, 100).unwrap();
        assert_eq!((buf.len(), buf.capacity()), (100, 200));
        grow_string_zeroed(&mut buf, 150).unwrap();
        assert_eq!(buf.capacity(), 200);
        grow_string_zeroed(&mut buf, 50).unwrap();
        assert_eq!(buf.len(), 150);
        let mut big = Vec::new();
        reserve_string(&mut big, 2 * MAX_PREALLOC).unwrap();
        assert_eq!(big.capacity(), 3 * MAX_PREALLOC);
        assert!(reserve_string(&mut big, usize::MAX).is_err());
        assert_eq!(zeroed_string(3), Some(vec![0, 0, 0]));
    }

    #[test]
    fn refcount_of_shared_integers() {
        assert_eq!(s("9999").refcount(), i32::MAX as i64);
        assert_eq!(s("10000").refcount(), 1);
        assert_eq!(s("-1").refcount(), 1);
        assert_eq!(s("abc").refcount(), 1);
    }

    #[test]
    fn expiries_are_kept_with_volatile_values_only() {
        let e = Entry::new(Value::string(Bytes::new()), None, 0, 1);
        assert_eq!(e.expires_at(), None);
        assert!(!e.is_expired(u64::MAX));
        // Gaining an expiry takes a new entry.
        assert!(!e.store_expiry(Some(10)));
        assert!(e.store_expiry(None));
        let e = Entry::new(Value::string(Bytes::from_static(b"v")), Some(0), 0, 1);
        // A requested expiry of 0 ms is kept as 1 (still volatile, already past).
        assert_eq!(e.expires_at(), Some(1));
        assert!(e.is_expired(5));
        assert!(e.store_expiry(Some(50)));
        assert_eq!(e.expires_at(), Some(50));
        assert!(!e.is_expired(49) && e.is_expired(50));
        assert!(!e.store_expiry(None));
        assert!(matches!(e.value(), Value::String(s) if *s.as_bytes() == b"v"[..]));
    }

    #[test]
    fn collection_encodings() {
        let mut set = SetValue::default();
        set.insert(b"1");
        assert_eq!(
            Value::Set(Arc::new(RwLock::new(set.clone()))).encoding(),
            "intset"
        );
        set.insert(b"x");
        assert_eq!(
            Value::Set(Arc::new(RwLock::new(set))).encoding(),
            "hashtable"
        );
        let mut hash = HashValue::default();
        hash.insert(b"f", Bytes::from_static(b"v"));
        assert_eq!(
            Value::Hash(Arc::new(RwLock::new(hash))).encoding(),
            "listpack"
        );
        let list = Value::List(Arc::default());
        assert_eq!(list.encoding(), "quicklist");
        assert_eq!(list.value_type().name(), "list");
        let z = Value::SortedSet(Arc::default());
        assert_eq!(z.encoding(), "listpack");
    }
}

#[cfg(test)]
mod layout {
    use super::*;

    /// The map entry (key + [`Entry`]) of a short string is one 56-byte allocation (a
    /// 64-byte malloc chunk); a change that grows it costs 16 bytes on every key.
    #[test]
    fn entry_sizes() {
        assert_eq!(std::mem::size_of::<StringValue>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Entry>(), 32);
        assert_eq!(std::mem::size_of::<(Key, Entry)>(), 56);
    }
}
