//! Streams in RDB files and DUMP payloads: Redis 7.0's `RDB_TYPE_STREAM_LISTPACKS_2`
//! written, it and 6.x's `RDB_TYPE_STREAM_LISTPACKS` read.
//!
//! The nodes are written as they are held (each a listpack in Redis's layout, keyed by its
//! 128-bit master id), then the stream's counters, then per consumer group its last id,
//! read counter, pending entries (id, delivery time, delivery count) and consumers (name,
//! seen time, the ids they own). Reading validates every node as deeply as Redis's
//! `streamValidateListpackIntegrity` and more (counts that add up, ids in order, a length
//! that matches the nodes, owners for every pending entry), so a stream that loads can
//! never trip the store's walking code.

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::format::{In, LoadError, Out, corrupt};
use super::listpack;
use super::object::{TYPE_STREAM_LISTPACKS, TYPE_STREAM_LISTPACKS_2};
use crate::store::Value;
use crate::store::listpack::{Element, Listpack};
use crate::store::stream::{
    ConsumerGroup, FLAG_DELETED, FLAG_SAMEFIELDS, Pending, StreamId, StreamValue,
};

/// Writes a stream's type byte, `key` (when given) and body, as `rdbSaveObject`.
pub fn write_stream(out: &mut Out, key: Option<&[u8]>, stream: &StreamValue) {
    out.byte(TYPE_STREAM_LISTPACKS_2);
    if let Some(key) = key {
        out.string(key);
    }
    out.length(stream.node_count() as u64);
    for (master, lp) in stream.nodes() {
        out.string(&master.encode());
        out.string(lp.as_bytes());
    }
    let meta = &stream.meta;
    out.length(meta.length);
    out.length(meta.last_id.ms);
    out.length(meta.last_id.seq);
    out.length(meta.first_id.ms);
    out.length(meta.first_id.seq);
    out.length(meta.max_deleted_id.ms);
    out.length(meta.max_deleted_id.seq);
    out.length(meta.entries_added);
    out.length(stream.groups.len() as u64);
    for (name, group) in &stream.groups {
        out.string(name);
        out.length(group.last_id.ms);
        out.length(group.last_id.seq);
        // -1 (unknown) is written as the 64-bit length it is in Redis.
        out.length(group.entries_read as u64);
        out.length(group.pel.len() as u64);
        for (id, pending) in &group.pel {
            out.raw(&id.encode());
            out.ms_time(pending.delivery_time);
            out.length(pending.delivery_count);
        }
        out.length(group.consumers.len() as u64);
        for (consumer_name, consumer) in &group.consumers {
            out.string(consumer_name);
            out.ms_time(consumer.seen_time);
            out.length(consumer.pel.len() as u64);
            for id in &consumer.pel {
                out.raw(&id.encode());
            }
        }
    }
}

fn raw_id<R: Read>(input: &mut In<R>) -> Result<StreamId, LoadError> {
    let mut raw = [0u8; 16];
    input.exact(&mut raw)?;
    Ok(StreamId::decode(&raw).expect("16 bytes"))
}

fn id_pair<R: Read>(input: &mut In<R>) -> Result<StreamId, LoadError> {
    Ok(StreamId::new(input.length()?, input.length()?))
}

/// Reads a stream body of type `kind` (15 or 19).
pub fn read_stream<R: Read>(input: &mut In<R>, kind: u8) -> Result<Value, LoadError> {
    let mut stream = StreamValue::new();
    let nodes = input.length()?;
    let mut live_total = 0u64;
    let mut last_seen: Option<StreamId> = None;
    for _ in 0..nodes {
        let key = input.string()?;
        let master = StreamId::decode(&key)
            .ok_or_else(|| corrupt("Stream node key entry is not the size of a stream ID"))?;
        let blob = input.string()?;
        let (live, last) = validate_node(&blob, master)?;
        if last_seen.is_some_and(|prev| master <= prev) {
            return Err(corrupt("Stream nodes out of order"));
        }
        last_seen = last.or(Some(master));
        live_total += live;
        if !stream.load_node(master, Listpack::from_validated(blob)) {
            return Err(corrupt("Listpack re-added with existing key"));
        }
    }
    let meta = &mut stream.meta;
    meta.length = input.length()?;
    meta.last_id = id_pair(input)?;
    if kind == TYPE_STREAM_LISTPACKS_2 {
        meta.first_id = id_pair(input)?;
        meta.max_deleted_id = id_pair(input)?;
        meta.entries_added = input.length()?;
    } else {
        meta.entries_added = meta.length;
    }
    if meta.length != live_total {
        return Err(corrupt("Stream length inconsistent with rax entries"));
    }
    if last_seen.is_some_and(|last| last > stream.meta.last_id) {
        return Err(corrupt("Stream last id below its entries"));
    }
    if kind == TYPE_STREAM_LISTPACKS {
        stream.meta.first_id = match stream.first_entry_id(true) {
            StreamId::MAX if stream.is_empty() => StreamId::MIN,
            id => id,
        };
    }
    let groups = input.length()?;
    for _ in 0..groups {
        let name = input.bulk()?;
        let last_id = id_pair(input)?;
        let entries_read = if kind == TYPE_STREAM_LISTPACKS_2 {
            input.length()? as i64
        } else {
            stream.meta.estimate_distance(last_id)
        };
        let mut group = ConsumerGroup::new(last_id, entries_read);
        let pel = input.length()?;
        for _ in 0..pel {
            let id = raw_id(input)?;
            let delivery_time = input.ms_time()?;
            let delivery_count = input.length()?;
            let pending = Pending {
                delivery_time,
                delivery_count,
                consumer: Bytes::new(),
            };
            if group.pel.insert(id, pending).is_some() {
                return Err(corrupt(
                    "Duplicated global PEL entry loading stream consumer group",
                ));
            }
        }
        let consumers = input.length()?;
        for _ in 0..consumers {
            let consumer_name = input.bulk()?;
            let seen_time = input.ms_time()?;
            if !group.create_consumer(&consumer_name, seen_time) {
                return Err(corrupt("Duplicate stream consumer detected."));
            }
            let consumer_name = group.consumer_name(&consumer_name).expect("just created");
            let owned = input.length()?;
            for _ in 0..owned {
                let id = raw_id(input)?;
                let pending = group
                    .pel
                    .get_mut(&id)
                    .ok_or_else(|| corrupt("Consumer entry not found in group global PEL"))?;
                if !pending.consumer.is_empty() {
                    return Err(corrupt(
                        "Duplicated consumer PEL entry loading a stream consumer group",
                    ));
                }
                pending.consumer = consumer_name.clone();
                let consumer = group.consumers.get_mut(&consumer_name).expect("created");
                consumer.pel.insert(id);
            }
        }
        // Every pending entry needs an owner (Redis checks it when sanitizing; here an
        // ownerless entry could not be represented).
        if group.pel.values().any(|p| p.consumer.is_empty()) {
            return Err(corrupt("Stream PEL entry without a consumer"));
        }
        if stream.groups.contains_key(&name) {
            return Err(corrupt(format!(
                "Duplicated consumer group name {}",
                String::from_utf8_lossy(&name)
            )));
        }
        stream.groups.insert(name, group);
    }
    Ok(Value::Stream(Arc::new(RwLock::new(stream))))
}

/// Validates a node's listpack as a stream node with master id `master`; returns its live
/// entry count and the id of its last entry.
fn validate_node(blob: &[u8], master: StreamId) -> Result<(u64, Option<StreamId>), LoadError> {
    let bad = || corrupt("Stream listpack integrity check failed.");
    let elements = listpack::decode(blob)?;
    let mut it = elements.iter();
    let int = |it: &mut std::slice::Iter<'_, Element<'_>>| -> Result<i64, LoadError> {
        it.next().and_then(|e| e.as_i64()).ok_or_else(bad)
    };
    let live = int(&mut it)?;
    let deleted = int(&mut it)?;
    let master_fields = int(&mut it)?;
    if live < 0 || deleted < 0 || master_fields < 0 {
        return Err(bad());
    }
    for _ in 0..master_fields {
        it.next().ok_or_else(bad)?;
    }
    if int(&mut it)? != 0 {
        return Err(bad());
    }
    let (mut seen_live, mut seen_deleted) = (0i64, 0i64);
    let mut previous: Option<StreamId> = None;
    for _ in 0..live + deleted {
        let flags = int(&mut it)?;
        if !(0..=FLAG_DELETED | FLAG_SAMEFIELDS).contains(&flags) {
            return Err(bad());
        }
        let ms = int(&mut it)?;
        let seq = int(&mut it)?;
        let id = StreamId::new(
            master.ms.wrapping_add(ms as u64),
            master.seq.wrapping_add(seq as u64),
        );
        if id < master || previous.is_some_and(|p| id <= p) {
            return Err(bad());
        }
        previous = Some(id);
        let (fields, extra) = if flags & FLAG_SAMEFIELDS != 0 {
            (master_fields, 3)
        } else {
            let fields = int(&mut it)?;
            if fields < 0 {
                return Err(bad());
            }
            for _ in 0..fields {
                it.next().ok_or_else(bad)?;
            }
            (fields, 3 + fields + 1)
        };
        for _ in 0..fields {
            it.next().ok_or_else(bad)?;
        }
        if int(&mut it)? != fields + extra {
            return Err(bad());
        }
        if flags & FLAG_DELETED != 0 {
            seen_deleted += 1;
        } else {
            seen_live += 1;
        }
    }
    if it.next().is_some() || seen_live != live || seen_deleted != deleted {
        return Err(bad());
    }
    Ok((live as u64, previous))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::element::test_support::xorshift;
    use crate::persist::object::{PayloadError, dump, undump};
    use crate::store::stream::Trim;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    /// A stream with several nodes, a tombstone, other fields and a group with pending
    /// entries and an idle consumer.
    fn sample() -> StreamValue {
        let mut s = StreamValue::new();
        for i in 1..=12u64 {
            let fields = if i == 7 {
                vec![b("other"), b("x"), b("more"), b("12345")]
            } else {
                vec![b("f"), b(&format!("v{i}")), b("n"), b(&i.to_string())]
            };
            s.append(StreamId::new(i, 1), &fields, 4096, 5);
        }
        assert!(s.delete(StreamId::new(3, 1)));
        s.meta.max_deleted_id = StreamId::new(3, 1);
        assert!(s.create_group(b"g", StreamId::new(4, 1), 3));
        let group = s.groups.get_mut(&b"g"[..]).unwrap();
        group.create_consumer(b"alice", 1000);
        group.create_consumer(b"bob", 2000);
        let alice = group.consumer_name(b"alice").unwrap();
        for ms in [1, 2, 4] {
            let pending = group.assign(StreamId::new(ms, 1), &alice);
            pending.delivery_time = 1500 + ms as i64;
            pending.delivery_count = ms;
        }
        s
    }

    fn round_trip(s: StreamValue) -> StreamValue {
        let payload = dump(&Value::Stream(Arc::new(RwLock::new(s))), true);
        match undump(&payload, true).expect("our own payload loads") {
            Value::Stream(s) => s.read().clone(),
            _ => panic!("not a stream"),
        }
    }

    #[test]
    fn streams_round_trip_with_groups() {
        let s = sample();
        assert_eq!(round_trip(s.clone()), s);
        let empty = StreamValue::new();
        assert_eq!(round_trip(empty.clone()), empty);
    }

    /// Whatever a corrupt payload turns into, using it never panics.
    fn exercise(value: Value) {
        let Value::Stream(s) = value else {
            return;
        };
        let mut s = s.write();
        let all: Vec<_> = s
            .range(StreamId::MIN, StreamId::MAX, false)
            .map(|e| e.fields())
            .collect();
        let back = s.range(StreamId::MIN, StreamId::MAX, true).count();
        assert_eq!(all.len(), back);
        let _ = s.radix_tree_nodes();
        let _ = s.last_live_id();
        let last = s.meta.last_id;
        if let Some(next) = last.incr() {
            s.append(next, &[b("f"), b("v")], 4096, 5);
        }
        let first = s.first_entry_id(true);
        let _ = s.delete(first);
        let _ = s.trim(Trim::MaxLen(2), false, 0);
        let _ = s.trim(Trim::MinId(StreamId::MAX), true, 0);
    }

    #[test]
    fn corrupt_payloads_are_refused_or_safe() {
        let payload = dump(&Value::Stream(Arc::new(RwLock::new(sample()))), false);
        for cut in 0..payload.len() - 10 {
            match undump(&payload[..cut], false) {
                Err(PayloadError::BadFormat) | Err(PayloadError::VersionOrChecksum) => {}
                Ok(v) => exercise(v),
            }
        }
        let mut next = xorshift(0x5EED);
        let mut copy = payload.clone();
        for _ in 0..20_000 {
            let at = (next() as usize) % (payload.len() - 10);
            let old = copy[at];
            copy[at] ^= (next() as u8) | 1;
            if let Ok(v) = undump(&copy, false) {
                exercise(v);
            }
            copy[at] = old;
        }
    }
}
