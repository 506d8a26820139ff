//! A store [`Value`] as an RDB object (type byte + body), both ways, and DUMP payloads.
//!
//! Writing follows Redis 7.0's `rdbSaveObjectType` / `rdbSaveObject`: a value is written in
//! the encoding `OBJECT ENCODING` reports for it (a small hash or sorted set as a listpack,
//! an all-integer set as an intset, a list as a quicklist of listpack nodes of at most
//! 8 KB, as `list-max-listpack-size -2` builds them), so a DUMP of a small value is the
//! very payload redis-server gives.
//!
//! Reading accepts every object type Redis 7.0 reads, from any RDB version: plain and
//! ziplist lists, quicklists of ziplists or listpacks, zipmap / ziplist / listpack hashes,
//! intsets, ziplist / listpack / text-score / binary-score sorted sets. Corrupt input
//! gives an error, never a panic, and duplicates are refused as Redis's deep check does.
//! An empty collection reads as `None` (Redis skips such keys). Streams are in
//! `persist::stream`; module values are refused as unsupported.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::element::Element;
use super::format::{In, LoadError, Out, corrupt, open_payload, seal_payload};
use super::{intset, listpack, ziplist, zipmap};
use crate::store::numeric::{listpack_score_text, parse_f64, parse_i64};
use crate::store::{HashValue, ListValue, SetValue, SortedSetValue, StringValue, Value};

// Object types (rdb.h).
pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_MODULE: u8 = 6;
pub const TYPE_MODULE_2: u8 = 7;
pub const TYPE_HASH_ZIPMAP: u8 = 9;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// Whether a byte read where a type may appear is an object type (`rdbIsObjectType`).
pub fn is_object_type(t: u8) -> bool {
    t <= 7 || (9..=19).contains(&t)
}

// Quicklist node containers.
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;
/// quicklist's `SIZE_SAFETY_LIMIT`: a node limited by count never passes 8 KB either.
const LIST_NODE_SAFETY_BYTES: usize = 8192;
/// The node sizes of `list-max-listpack-size` -1 to -5.
const LIST_NODE_SIZE_CLASSES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// quicklist's `SIZE_ESTIMATE_OVERHEAD` per element.
const LIST_ELEMENT_OVERHEAD: usize = 8;
/// Elements this large get a node of their own, unpacked (quicklist's `packed_threshold`,
/// 1 GiB unless `DEBUG QUICKLIST-PACKED-THRESHOLD` changed it).
pub static LIST_PLAIN_THRESHOLD: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_PLAIN_THRESHOLD);
/// quicklist's default `packed_threshold`.
pub const DEFAULT_PLAIN_THRESHOLD: usize = 1 << 30;

/// Writes `value` as Redis writes a key's value: its type byte, then `key` when given
/// (a file's entry; a DUMP payload has none), then the body.
pub fn write_object(out: &mut Out, key: Option<&[u8]>, value: &Value) {
    match value {
        Value::String(s) => {
            out.byte(TYPE_STRING);
            write_key(out, key);
            out.string(&s.as_bytes());
        }
        Value::List(list) => {
            out.byte(TYPE_LIST_QUICKLIST_2);
            write_key(out, key);
            write_quicklist(out, &list.read());
        }
        Value::Set(set) => write_set(out, key, &set.read()),
        Value::Hash(hash) => write_hash(out, key, &hash.read()),
        Value::SortedSet(zset) => write_zset(out, key, &zset.read()),
        Value::Stream(stream) => super::stream::write_stream(out, key, &stream.read()),
    }
}

fn write_key(out: &mut Out, key: Option<&[u8]>) {
    if let Some(key) = key {
        out.string(key);
    }
}

/// Whether quicklist would add an element of `item_len` bytes to a node of `node_bytes`
/// bytes holding `count` elements, under `list-max-listpack-size` `fill` (quicklist's
/// `_quicklistNodeAllowInsert`, with `fill` clamped as `quicklistSetFill` does).
fn node_allows(node_bytes: usize, count: usize, item_len: usize, fill: i64) -> bool {
    let fill = fill.clamp(-5, 1 << 15);
    let new_bytes = node_bytes + item_len + LIST_ELEMENT_OVERHEAD;
    if fill < 0 && new_bytes <= LIST_NODE_SIZE_CLASSES[(-fill - 1) as usize] {
        return true;
    }
    new_bytes <= LIST_NODE_SAFETY_BYTES && (count as i64) < fill
}

fn write_quicklist(out: &mut Out, list: &ListValue) {
    let nodes = quicklist_nodes(list);
    out.length(nodes.len() as u64);
    for (container, _, blob) in nodes {
        out.length(container);
        out.string(&blob);
    }
}

/// The nodes quicklist would hold `list` in: each node's container (plain or packed), its
/// element count and its bytes (a listpack, or a plain node's one element).
pub fn quicklist_nodes(list: &ListValue) -> Vec<(u64, usize, Vec<u8>)> {
    let fill = crate::store::encoding::limits().list_max_listpack_size;
    let threshold = LIST_PLAIN_THRESHOLD.load(std::sync::atomic::Ordering::Relaxed);
    let mut nodes: Vec<(u64, usize, Vec<u8>)> = Vec::new();
    let mut node = listpack::Writer::new();
    for item in &list.items {
        if item.len() >= threshold {
            if node.count() > 0 {
                let count = node.count();
                nodes.push((CONTAINER_PACKED, count, std::mem::take(&mut node).finish()));
            }
            nodes.push((CONTAINER_PLAIN, 1, item.to_vec()));
            continue;
        }
        if node.count() > 0 && !node_allows(node.bytes_len(), node.count(), item.len(), fill) {
            let count = node.count();
            nodes.push((CONTAINER_PACKED, count, std::mem::take(&mut node).finish()));
        }
        node.push(item);
    }
    if node.count() > 0 {
        let count = node.count();
        nodes.push((CONTAINER_PACKED, count, node.finish()));
    }
    nodes
}

/// How many bytes the RDB body of `value` takes (Redis's `rdbSavedObjectLen`: the
/// object without its type byte or key), strings compressed as `compress` says.
pub fn serialized_len(value: &Value, compress: bool) -> usize {
    let mut out = Out::new(compress);
    write_object(&mut out, None, value);
    out.buf.len() - 1
}

fn write_set(out: &mut Out, key: Option<&[u8]>, set: &SetValue) {
    if set.encoding() == "intset" {
        let mut ints: Vec<i64> = set.iter().filter_map(|m| parse_i64(m)).collect();
        ints.sort_unstable();
        out.byte(TYPE_SET_INTSET);
        write_key(out, key);
        out.string(&intset::encode(&ints));
    } else {
        out.byte(TYPE_SET);
        write_key(out, key);
        out.length(set.len() as u64);
        for member in set.iter() {
            out.string(member);
        }
    }
}

fn write_hash(out: &mut Out, key: Option<&[u8]>, hash: &HashValue) {
    if hash.encoding() == "listpack" {
        let mut lp = listpack::Writer::new();
        for (field, value) in hash.iter() {
            lp.push(field);
            lp.push(value);
        }
        out.byte(TYPE_HASH_LISTPACK);
        write_key(out, key);
        out.string(&lp.finish());
    } else {
        out.byte(TYPE_HASH);
        write_key(out, key);
        out.length(hash.len() as u64);
        for (field, value) in hash.iter() {
            out.string(field);
            out.string(value);
        }
    }
}

fn write_zset(out: &mut Out, key: Option<&[u8]>, zset: &SortedSetValue) {
    if !zset.is_large() {
        let mut lp = listpack::Writer::new();
        for (member, score) in zset.iter() {
            lp.push(member);
            lp.push(listpack_score_text(score).as_bytes());
        }
        out.byte(TYPE_ZSET_LISTPACK);
        write_key(out, key);
        out.string(&lp.finish());
    } else {
        // Highest first, as Redis writes a skiplist (its loader then inserts at the head).
        out.byte(TYPE_ZSET_2);
        write_key(out, key);
        out.length(zset.len() as u64);
        for (member, score) in zset.iter_from(zset.last(), true) {
            out.string(member);
            out.binary_double(score);
        }
    }
}

/// Reads the body of an object of type `kind` (already read). `Ok(None)` for an empty
/// collection, which Redis skips.
pub fn read_value<R: Read>(input: &mut In<R>, kind: u8) -> Result<Option<Value>, LoadError> {
    let value = match kind {
        TYPE_STRING => Value::String(StringValue::new(input.bulk()?)),
        TYPE_LIST => {
            let len = input.length()?;
            let mut list = ListValue::default();
            for _ in 0..len {
                list.items.push_back(input.bulk()?);
            }
            list_value(list)
        }
        TYPE_SET => {
            let len = input.length()?;
            let mut set = SetValue::new();
            for _ in 0..len {
                if !set.insert_owned(input.bulk()?) {
                    return Err(corrupt("Duplicate set members detected"));
                }
            }
            set_value(set)
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let len = input.length()?;
            let mut entries = Vec::new();
            for _ in 0..len {
                let member = input.bulk()?;
                let score = if kind == TYPE_ZSET_2 {
                    input.binary_double()?
                } else {
                    input.text_double()?
                };
                entries.push((member, score));
            }
            zset_value(entries)?
        }
        TYPE_HASH => {
            let len = input.length()?;
            let mut hash = HashValue::new();
            for _ in 0..len {
                let field = input.bulk()?;
                let value = input.bulk()?;
                if !hash.insert(&field, value) {
                    return Err(corrupt("Duplicate hash fields detected"));
                }
            }
            hash_value(hash)
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = input.length()?;
            let mut list = ListValue::default();
            for _ in 0..nodes {
                let container = if kind == TYPE_LIST_QUICKLIST_2 {
                    input.length()?
                } else {
                    CONTAINER_PACKED
                };
                let blob = input.string()?;
                match (kind, container) {
                    (_, CONTAINER_PLAIN) => list.items.push_back(Bytes::from(blob)),
                    (TYPE_LIST_QUICKLIST, _) => push_elements(&mut list, ziplist::decode(&blob)?),
                    (_, CONTAINER_PACKED) => {
                        let elements = listpack::decode(&blob)?;
                        // Redis refuses empty nodes in a quicklist.
                        if elements.is_empty() {
                            return Err(corrupt("Empty listpack in a quicklist"));
                        }
                        push_elements(&mut list, elements)
                    }
                    _ => return Err(corrupt(format!("unknown quicklist container {container}"))),
                }
            }
            list_value(list)
        }
        TYPE_LIST_ZIPLIST => {
            let blob = input.string()?;
            let mut list = ListValue::default();
            push_elements(&mut list, ziplist::decode(&blob)?);
            list_value(list)
        }
        TYPE_SET_INTSET => {
            let blob = input.string()?;
            let mut set = SetValue::new();
            for n in intset::decode(&blob)? {
                set.insert(n.to_string().as_bytes());
            }
            set_value(set)
        }
        TYPE_HASH_ZIPMAP => {
            let blob = input.string()?;
            let mut hash = HashValue::new();
            for (field, value) in zipmap::decode(&blob)? {
                if !hash.insert(field, Bytes::copy_from_slice(value)) {
                    return Err(corrupt("Hash zipmap with dup elements"));
                }
            }
            hash_value(hash)
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let blob = input.string()?;
            let elements = if kind == TYPE_HASH_ZIPLIST {
                ziplist::decode(&blob)?
            } else {
                listpack::decode(&blob)?
            };
            let mut hash = HashValue::new();
            for pair in pairs(&elements)? {
                if !hash.insert(&pair.0.to_bytes(), pair.1.to_bytes()) {
                    return Err(corrupt("Hash with dup elements"));
                }
            }
            hash_value(hash)
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let blob = input.string()?;
            let elements = if kind == TYPE_ZSET_ZIPLIST {
                ziplist::decode(&blob)?
            } else {
                listpack::decode(&blob)?
            };
            let mut entries = Vec::new();
            for (member, score) in pairs(&elements)? {
                let score = match score {
                    Element::Int(n) => *n as f64,
                    Element::Str(text) => {
                        parse_f64(text).ok_or_else(|| corrupt("invalid sorted set score"))?
                    }
                };
                entries.push((member.to_bytes(), score));
            }
            zset_value(entries)?
        }
        TYPE_MODULE | TYPE_MODULE_2 => {
            return Err(LoadError::Unsupported(
                "module values are not supported".into(),
            ));
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => super::stream::read_stream(input, kind)?,
        other => return Err(corrupt(format!("Unknown RDB encoding type {other}"))),
    };
    Ok(Some(value).filter(|v| !is_empty(v)))
}

fn push_elements(list: &mut ListValue, elements: Vec<Element<'_>>) {
    list.items.extend(elements.iter().map(Element::to_bytes));
}

fn pairs<'e, 'a>(
    elements: &'e [Element<'a>],
) -> Result<Vec<(&'e Element<'a>, &'e Element<'a>)>, LoadError> {
    if !elements.len().is_multiple_of(2) {
        return Err(corrupt("odd number of elements in a pairs encoding"));
    }
    Ok(elements.chunks_exact(2).map(|p| (&p[0], &p[1])).collect())
}

fn list_value(list: ListValue) -> Value {
    Value::List(Arc::new(RwLock::new(list)))
}

fn set_value(set: SetValue) -> Value {
    Value::Set(Arc::new(RwLock::new(set)))
}

fn hash_value(hash: HashValue) -> Value {
    Value::Hash(Arc::new(RwLock::new(hash)))
}

/// A sorted set from loaded entries: NaN scores and repeated members are corrupt input.
fn zset_value(entries: Vec<(Bytes, f64)>) -> Result<Value, LoadError> {
    let mut seen = HashSet::with_capacity(entries.len());
    for (member, score) in &entries {
        if score.is_nan() {
            return Err(corrupt("Zset with NAN score detected"));
        }
        if !seen.insert(member.clone()) {
            return Err(corrupt("Duplicate zset fields detected"));
        }
    }
    Ok(Value::SortedSet(Arc::new(RwLock::new(
        SortedSetValue::from_distinct(entries),
    ))))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::String(_) => false,
        Value::List(l) => l.read().is_empty(),
        Value::Set(s) => s.read().is_empty(),
        Value::Hash(h) => h.read().is_empty(),
        Value::SortedSet(z) => z.read().is_empty(),
        // An empty stream is a stream (its ids and groups live on).
        Value::Stream(_) => false,
    }
}

/// `DUMP`'s payload: the object, then the RDB version and a CRC-64.
pub fn dump(value: &Value, compress: bool) -> Vec<u8> {
    let mut out = Out::new(compress);
    write_object(&mut out, None, value);
    seal_payload(&mut out);
    out.buf
}

/// Why a RESTORE payload was refused, in Redis's words.
#[derive(Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// `DUMP payload version or checksum are wrong`.
    VersionOrChecksum,
    /// `Bad data format`.
    BadFormat,
}

/// Parses a `DUMP` payload (`verifyDumpPayload` + `rdbLoadObject`). An empty collection is
/// bad data here, as in Redis's RESTORE.
pub fn undump(payload: &[u8], verify_checksum: bool) -> Result<Value, PayloadError> {
    let body = open_payload(payload, verify_checksum).ok_or(PayloadError::VersionOrChecksum)?;
    let mut input = In::new(body);
    let kind = input.byte().map_err(|_| PayloadError::BadFormat)?;
    if !is_object_type(kind) {
        return Err(PayloadError::BadFormat);
    }
    match read_value(&mut input, kind) {
        Ok(Some(value)) => Ok(value),
        _ => Err(PayloadError::BadFormat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Value {
        list_value(
            items
                .iter()
                .map(|s| Bytes::copy_from_slice(s.as_bytes()))
                .collect(),
        )
    }

    fn round_trip(value: &Value) -> Value {
        undump(&dump(value, true), true).expect("a dump restores")
    }

    fn items(value: &Value) -> Vec<Bytes> {
        match value {
            Value::List(l) => l.read().items.iter().cloned().collect(),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn strings_lists_round_trip() {
        let s = Value::string(Bytes::from_static(b"hello world, hello world, hello world"));
        match round_trip(&s) {
            Value::String(r) => assert_eq!(r.as_bytes(), b"hello world, hello world, hello world"),
            other => panic!("{other:?}"),
        }
        let many: Vec<String> = (0..5000).map(|i| format!("element-{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let l = list(&refs);
        assert_eq!(items(&round_trip(&l)), items(&l));
    }

    #[test]
    fn collections_round_trip_with_their_encodings() {
        let mut set = SetValue::new();
        for m in ["3", "1", "2"] {
            set.insert(m.as_bytes());
        }
        let restored = round_trip(&set_value(set));
        assert_eq!(restored.encoding(), "intset");
        let mut hash = HashValue::new();
        hash.insert(b"f", Bytes::from_static(b"v"));
        hash.insert(b"n", Bytes::from_static(b"12"));
        let restored = round_trip(&hash_value(hash));
        assert_eq!(restored.encoding(), "listpack");
        let z = zset_value(vec![
            (Bytes::from_static(b"a"), 1.5),
            (Bytes::from_static(b"b"), -2.0),
        ])
        .unwrap();
        let restored = round_trip(&z);
        let Value::SortedSet(z) = restored else {
            panic!()
        };
        assert_eq!(z.read().score(b"a"), Some(1.5));
        assert_eq!(z.read().score(b"b"), Some(-2.0));
        let big = zset_value(
            (0..200)
                .map(|i| (Bytes::from(format!("m{i}")), i as f64 / 3.0))
                .collect(),
        )
        .unwrap();
        let Value::SortedSet(z) = round_trip(&big) else {
            panic!()
        };
        assert_eq!(z.read().len(), 200);
        assert_eq!(z.read().score(b"m199"), Some(199.0 / 3.0));
    }

    /// Encodings Redis 7.0 no longer writes but still reads (RDB files of older versions).
    #[test]
    fn old_encodings_read() {
        let read = |kind: u8, body: &dyn Fn(&mut Out)| {
            let mut out = Out::new(false);
            body(&mut out);
            read_value(&mut In::new(&out.buf[..]), kind)
                .unwrap()
                .unwrap()
        };
        // A ziplist of "f", "v": header, two 3-byte entries, end.
        let ziplist = [17, 0, 0, 0, 13, 0, 0, 0, 2, 0, 0, 1, b'f', 3, 1, b'v', 0xff];
        let Value::Hash(h) = read(TYPE_HASH_ZIPLIST, &|o| o.string(&ziplist)) else {
            panic!()
        };
        assert_eq!(h.read().get(b"f").map(|v| &v[..]), Some(&b"v"[..]));
        let Value::List(l) = read(TYPE_LIST_ZIPLIST, &|o| o.string(&ziplist)) else {
            panic!()
        };
        assert_eq!(l.read().items, [&b"f"[..], b"v"]);
        let Value::List(l) = read(TYPE_LIST_QUICKLIST, &|o| {
            o.length(1);
            o.string(&ziplist)
        }) else {
            panic!()
        };
        assert_eq!(l.read().len(), 2);
        // A zipmap {f: v} (Redis 2.x hashes).
        let zipmap = [1, 1, b'f', 1, 0, b'v', 0xff];
        let Value::Hash(h) = read(TYPE_HASH_ZIPMAP, &|o| o.string(&zipmap)) else {
            panic!()
        };
        assert_eq!(h.read().len(), 1);
        // Plain encodings of RDB version 1: a list, a set, a sorted set with text scores.
        let Value::List(l) = read(TYPE_LIST, &|o| {
            o.length(2);
            o.string(b"a");
            o.string(b"b")
        }) else {
            panic!()
        };
        assert_eq!(l.read().len(), 2);
        let Value::SortedSet(z) = read(TYPE_ZSET, &|o| {
            o.length(2);
            o.string(b"m");
            o.raw(b"\x031.5");
            o.string(b"n");
            o.byte(254);
        }) else {
            panic!()
        };
        assert_eq!(z.read().score(b"m"), Some(1.5));
        assert_eq!(z.read().score(b"n"), Some(f64::INFINITY));
        // Duplicates and NaN scores are corrupt, empty collections skipped.
        let mut dup = Out::new(false);
        dup.length(2);
        dup.string(b"x");
        dup.string(b"x");
        assert!(read_value(&mut In::new(&dup.buf[..]), TYPE_SET).is_err());
        let mut nan = Out::new(false);
        nan.length(1);
        nan.string(b"m");
        nan.byte(253);
        assert!(read_value(&mut In::new(&nan.buf[..]), TYPE_ZSET).is_err());
        let mut empty = Out::new(false);
        empty.length(0);
        assert!(
            read_value(&mut In::new(&empty.buf[..]), TYPE_SET)
                .unwrap()
                .is_none()
        );
        let module = read_value(&mut In::new(&[][..]), TYPE_MODULE_2);
        assert!(matches!(module, Err(LoadError::Unsupported(_))));
    }

    #[test]
    fn payload_checks() {
        let payload = dump(&Value::string(Bytes::from_static(b"x")), true);
        let mut bad = payload.clone();
        bad[1] ^= 1;
        assert_eq!(
            undump(&bad, true).unwrap_err(),
            PayloadError::VersionOrChecksum
        );
        assert_eq!(
            undump(&payload[..5], true).unwrap_err(),
            PayloadError::VersionOrChecksum
        );
        let mut newer = payload.clone();
        let at = newer.len() - 10;
        newer[at] = 11;
        assert_eq!(
            undump(&newer, false).unwrap_err(),
            PayloadError::VersionOrChecksum
        );
        // Every truncation of a valid body is refused without a panic.
        let l = dump(&list(&["a", "bb", "ccc"]), false);
        for cut in 0..l.len() - 10 {
            let mut body = l[..cut].to_vec();
            body.extend_from_slice(&l[l.len() - 10..]);
            assert!(undump(&body, false).is_err());
        }
    }
}
