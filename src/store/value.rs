//! The typed values the store holds: one enum over the five Redis types, and the per-key
//! [`Entry`] that carries a value with its expiry and access time.
//!
//! Strings are immutable [`Bytes`] (a `GET` hands out a reference-counted clone, never a
//! copy). Collections live behind their own lock inside an `Arc`, so a write to a large
//! collection mutates it in place instead of copying it into a new map entry, and `RENAME`
//! moves the `Arc` rather than the elements.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use bytes::Bytes;
use parking_lot::RwLock;

use super::compact::{CompactKey, CompactValue};
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
#[derive(Debug, Clone)]
pub struct StringValue {
    data: CompactValue,
    pub origin: StringOrigin,
}

/// How a string object came to be, in Redis's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringOrigin {
    /// Stored by SET, MSET, INCR...: Redis tries the integer encoding, sharing small ones.
    Stored,
    /// A copy of a stored string (`COPY`): same encoding, but a private object.
    Copied,
    /// Modified in place (`APPEND`, `SETRANGE`): always `raw`.
    Modified,
    /// Stored as created, without trying the integer encoding (`INCRBYFLOAT`'s result).
    Plain,
}

impl StringValue {
    fn with_origin(data: CompactValue, origin: StringOrigin) -> Self {
        StringValue { data, origin }
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

    /// A string built by an in-place modification (`APPEND`, `SETRANGE`).
    pub fn modified(bytes: Bytes) -> Self {
        Self::with_origin(CompactValue::new(bytes), StringOrigin::Modified)
    }

    /// A string stored as created, without the integer encoding (`INCRBYFLOAT`).
    pub fn plain(bytes: Bytes) -> Self {
        Self::with_origin(CompactValue::new(bytes), StringOrigin::Plain)
    }

    /// An independent copy, as Redis's `dupStringObject` makes for `COPY`.
    pub fn copied(&self) -> Self {
        let origin = match self.origin {
            StringOrigin::Stored => StringOrigin::Copied,
            other => other,
        };
        Self::with_origin(self.data.clone(), origin)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.data.as_slice()
    }

    /// The bytes as an owned handle (a copy when short, shared when long).
    pub fn to_bytes(&self) -> Bytes {
        self.data.to_bytes()
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The integer Redis would store this string as (`OBJ_ENCODING_INT`), if any.
    fn as_int_encoding(&self) -> Option<i64> {
        let may_be_int = matches!(self.origin, StringOrigin::Stored | StringOrigin::Copied);
        if !may_be_int || self.len() > 20 {
            return None;
        }
        parse_i64(self.as_bytes())
    }

    pub fn encoding(&self) -> &'static str {
        if self.as_int_encoding().is_some() {
            "int"
        } else if self.origin != StringOrigin::Modified && self.len() <= EMBSTR_SIZE_LIMIT {
            "embstr"
        } else {
            "raw"
        }
    }

    pub fn refcount(&self) -> i64 {
        match self.as_int_encoding() {
            Some(n) if self.origin == StringOrigin::Stored && (0..SHARED_INTEGERS).contains(&n) => {
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
        match self {
            Value::String(s) if s.len() > super::INLINE_CAPACITY => s.len() + BYTES_HEAP,
            Value::String(_) => 0,
            Value::List(l) => l.read().footprint(),
            Value::Hash(h) => h.read().footprint(),
            Value::Set(s) => s.read().footprint(),
            Value::SortedSet(z) => z.read().footprint(),
            Value::Stream(x) => x.read().footprint(),
        }
    }

    /// An independent copy (`COPY`): strings share their immutable bytes, collections are
    /// cloned element by element.
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

/// Sentinel for "no expiry" in [`Entry::expires_at`].
const NO_EXPIRY: u64 = 0;

/// What the map stores per key. Expiry, access time and version are atomics so `EXPIRE`,
/// `PERSIST`, reads and in-place changes can update them without replacing the entry (and
/// its value) in the map.
#[derive(Debug)]
pub struct Entry {
    pub value: Value,
    expires_at: AtomicU64,
    /// Last access, in seconds since the store's epoch (for `OBJECT IDLETIME`).
    accessed: AtomicU32,
    /// Stamped by the key's segment whenever the key changes (it fits the padding, so it
    /// costs no memory).
    version: AtomicU32,
}

impl Entry {
    pub fn new(value: Value, expires_at: Option<u64>, now_secs: u32, version: u32) -> Entry {
        Entry {
            value,
            expires_at: AtomicU64::new(expires_at.unwrap_or(NO_EXPIRY)),
            accessed: AtomicU32::new(now_secs),
            version: AtomicU32::new(version),
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
        match self.expires_at.load(Ordering::Relaxed) {
            NO_EXPIRY => None,
            at => Some(at),
        }
    }

    pub(crate) fn store_expiry(&self, at: Option<u64>) {
        // A requested expiry of 0 ms (1970) is already in the past; 1 keeps it volatile.
        let raw = at.map(|t| t.max(1)).unwrap_or(NO_EXPIRY);
        self.expires_at.store(raw, Ordering::Relaxed);
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
        // The map's node (key and entry) and its table slot.
        const NODE: usize = 72 + 8;
        let key_heap = if key.len() > super::INLINE_CAPACITY {
            key.len()
        } else {
            0
        };
        NODE + key_heap + self.value.footprint()
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
        assert_eq!(
            StringValue::modified(Bytes::from_static(b"12")).encoding(),
            "raw"
        );
        assert_eq!(s("99999999999999999999").encoding(), "embstr");
        let float = StringValue::plain(Bytes::from_static(b"3"));
        assert_eq!((float.encoding(), float.refcount()), ("embstr", 1));
    }

    #[test]
    fn copies_of_shared_integers_are_private() {
        let copy = s("5").copied();
        assert_eq!((copy.encoding(), copy.refcount()), ("int", 1));
        let raw = StringValue::modified(Bytes::from_static(b"5")).copied();
        assert_eq!(raw.encoding(), "raw");
    }

    #[test]
    fn refcount_of_shared_integers() {
        assert_eq!(s("9999").refcount(), i32::MAX as i64);
        assert_eq!(s("10000").refcount(), 1);
        assert_eq!(s("-1").refcount(), 1);
        assert_eq!(s("abc").refcount(), 1);
    }

    #[test]
    fn expiry_sentinel_round_trips() {
        let e = Entry::new(Value::string(Bytes::new()), None, 0, 1);
        assert_eq!(e.expires_at(), None);
        e.store_expiry(Some(0));
        assert_eq!(e.expires_at(), Some(1));
        assert!(e.is_expired(5));
        e.store_expiry(None);
        assert!(!e.is_expired(u64::MAX));
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

    /// The map entry (key + [`Entry`]) of a short string is one 72-byte allocation; a
    /// change that grows it costs memory on every key.
    #[test]
    fn entry_sizes() {
        assert_eq!(std::mem::size_of::<StringValue>(), 32);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 48);
        assert_eq!(std::mem::size_of::<(Key, Entry)>(), 72);
    }
}
