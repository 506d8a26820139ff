//! The stream: Redis 7.0's log of field/value entries with increasing ids, and its
//! consumer groups.
//!
//! # Representation
//! As in Redis, entries live in nodes of at most `stream-node-max-entries` entries and
//! `stream-node-max-bytes` bytes, each node a listpack in Redis's exact byte layout (so
//! DUMP, RDB and `XINFO STREAM` radix-tree figures match redis-server's): a master entry
//! (live count, deleted count, the field names of the node's first entry, `0`), then per
//! entry its flags, its id as a delta against the node's master id, the values alone when
//! its fields are the master's (`SAMEFIELDS`) or the count and field/value pairs
//! otherwise, and its element count (for walking backwards). Deleted entries are flagged,
//! not removed; a node whose entries are all deleted is dropped. Nodes are indexed by
//! master id in a B-tree (Redis uses a radix tree of the 128-bit big-endian ids): append is
//! O(1) amortized, seeking an id O(log n), trimming drops whole nodes.
//!
//! Consumer groups are ordered by name (as Redis's radix tree orders them), each with its
//! last delivered id, its read counter (`entries-read`), its pending entries list (PEL:
//! id -> owner, delivery time, delivery count) and its consumers (each with the ids it
//! owns).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use super::listpack::{Element, Listpack};

/// Entry flag: deleted (a tombstone).
pub const FLAG_DELETED: i64 = 1;
/// Entry flag: the entry's fields are the node's master fields.
pub const FLAG_SAMEFIELDS: i64 = 2;
/// Redis's `STREAM_LISTPACK_MAX_SIZE`: no node (and no entry) beyond 1 GiB.
pub const LISTPACK_MAX_SIZE: u64 = 1 << 30;
/// Redis's `STREAM_LISTPACK_MAX_PRE_ALLOCATE`.
const MAX_PREALLOC: usize = 4096;
/// Redis's `SCG_INVALID_ENTRIES_READ`: a group read counter that is not known.
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A stream entry id: milliseconds and sequence, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The next id (`streamIncrID`); `None` past the last possible one.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous id (`streamDecrID`); `None` before 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    /// `<ms>-<seq>`, as replies show ids.
    pub fn to_bytes(self) -> Bytes {
        let mut out = Vec::with_capacity(41);
        out.extend_from_slice(itoa::Buffer::new().format(self.ms).as_bytes());
        out.push(b'-');
        out.extend_from_slice(itoa::Buffer::new().format(self.seq).as_bytes());
        Bytes::from(out)
    }

    /// The 128-bit big-endian form Redis keys its radix trees (and RDB PELs) with.
    pub fn encode(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.ms.to_be_bytes());
        out[8..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    pub fn decode(raw: &[u8]) -> Option<StreamId> {
        let raw: &[u8; 16] = raw.try_into().ok()?;
        Some(StreamId::new(
            u64::from_be_bytes(raw[..8].try_into().ok()?),
            u64::from_be_bytes(raw[8..].try_into().ok()?),
        ))
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// How `streamTrim` cuts a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Keep no entry with a smaller id.
    MinId(StreamId),
}

/// One entry of a pending entries list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Unix ms of the last delivery.
    pub delivery_time: i64,
    pub delivery_count: u64,
    /// Its owner (a consumer of the group).
    pub consumer: Bytes,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Unix ms of the last time the consumer was used.
    pub seen_time: i64,
    /// The ids it owns in the group's PEL.
    pub pel: BTreeSet<StreamId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroup {
    pub last_id: StreamId,
    /// The logical read counter of `last_id`, or [`INVALID_ENTRIES_READ`].
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Pending>,
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl ConsumerGroup {
    pub fn new(last_id: StreamId, entries_read: i64) -> ConsumerGroup {
        ConsumerGroup {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Creates consumer `name` (`streamCreateConsumer`); false when it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        let consumer = Consumer {
            seen_time: now,
            pel: BTreeSet::new(),
        };
        self.consumers
            .insert(Bytes::copy_from_slice(name), consumer);
        true
    }

    /// Looks consumer `name` up, refreshing its seen time (`streamLookupConsumer`), or
    /// creates it; returns whether it was created.
    pub fn touch_consumer(&mut self, name: &[u8], now: i64) -> bool {
        match self.consumers.get_mut(name) {
            Some(consumer) => {
                consumer.seen_time = now;
                false
            }
            None => self.create_consumer(name, now),
        }
    }

    /// The consumer's name as the group stores it (shared by its PEL entries).
    pub fn consumer_name(&self, name: &[u8]) -> Option<Bytes> {
        self.consumers.get_key_value(name).map(|(k, _)| k.clone())
    }

    /// Deletes consumer `name` and its pending entries; how many it had, or `None` when
    /// there is no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let consumer = self.consumers.remove(name)?;
        for id in &consumer.pel {
            self.pel.remove(id);
        }
        Some(consumer.pel.len())
    }

    /// Acknowledges `id`: removes it from the PEL and its owner's; whether it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(pending) = self.pel.remove(&id) else {
            return false;
        };
        if let Some(owner) = self.consumers.get_mut(&pending.consumer) {
            owner.pel.remove(&id);
        }
        true
    }

    /// Makes `consumer` (which exists) the owner of the pending entry `id` (created when
    /// missing), as XREADGROUP, XCLAIM and XAUTOCLAIM do; returns the entry.
    pub fn assign(&mut self, id: StreamId, consumer: &Bytes) -> &mut Pending {
        let previous = self.pel.get(&id).map(|p| p.consumer.clone());
        if let Some(previous) = previous
            && previous != *consumer
            && let Some(owner) = self.consumers.get_mut(&previous)
        {
            owner.pel.remove(&id);
        }
        if let Some(owner) = self.consumers.get_mut(consumer) {
            owner.pel.insert(id);
        }
        let pending = self.pel.entry(id).or_insert_with(|| Pending {
            delivery_time: 0,
            delivery_count: 0,
            consumer: consumer.clone(),
        });
        pending.consumer = consumer.clone();
        pending
    }
}

/// What a stream knows about itself beyond its entries (the part lag estimates read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamMeta {
    pub length: u64,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
}

impl StreamMeta {
    /// `streamRangeHasTombstones`: whether `start..=end` (None: open) may hold a deleted
    /// entry.
    pub fn range_has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        let start = start.unwrap_or(StreamId::MIN);
        let end = end.unwrap_or(StreamId::MAX);
        start <= self.max_deleted_id && self.max_deleted_id <= end
    }

    /// `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`, when
    /// it can be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return self.entries_added as i64,
            std::cmp::Ordering::Greater => return INVALID_ENTRIES_READ,
            std::cmp::Ordering::Less => {}
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            match id.cmp(&self.first_id) {
                std::cmp::Ordering::Less => {
                    return (self.entries_added - self.length) as i64;
                }
                std::cmp::Ordering::Equal => {
                    return (self.entries_added - self.length + 1) as i64;
                }
                std::cmp::Ordering::Greater => {}
            }
        }
        INVALID_ENTRIES_READ
    }

    /// `streamReplyWithCGLag`: how many entries the group has yet to read, when known.
    pub fn lag(&self, group: &ConsumerGroup) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != INVALID_ENTRIES_READ
            && !self.range_has_tombstones(Some(group.last_id), None)
        {
            return Some(self.entries_added as i64 - group.entries_read);
        }
        let read = self.estimate_distance(group.last_id);
        (read != INVALID_ENTRIES_READ).then(|| self.entries_added as i64 - read)
    }

    /// Advances a group's read counter past `id`, delivered now (the bookkeeping of
    /// `streamReplyWithRange` for an id beyond the group's last one).
    pub fn advance_group(&self, group: &mut ConsumerGroup, id: StreamId) {
        if group.entries_read != INVALID_ENTRIES_READ && !self.range_has_tombstones(Some(id), None)
        {
            group.entries_read += 1;
        } else if self.entries_added != 0 {
            group.entries_read = self.estimate_distance(id);
        }
        group.last_id = id;
    }
}

/// A stream value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamValue {
    nodes: BTreeMap<StreamId, Listpack>,
    pub meta: StreamMeta,
    pub groups: BTreeMap<Bytes, ConsumerGroup>,
}

/// The position of one entry inside a node.
#[derive(Debug, Clone, Copy)]
struct EntryHead {
    id: StreamId,
    flags: i64,
    /// The flags element.
    pos: usize,
    /// The first field (or value, with SAMEFIELDS), if any.
    body: Option<usize>,
    numfields: usize,
    /// The next entry's flags element, if any.
    next: Option<usize>,
}

/// A node: its listpack and master id, with where its master fields are.
#[derive(Clone, Copy)]
struct Node<'a> {
    lp: &'a Listpack,
    master: StreamId,
    /// The master entry's field count and the position of its first field.
    master_count: usize,
    master_first: usize,
}

impl<'a> Node<'a> {
    fn new(lp: &'a Listpack, master: StreamId) -> Node<'a> {
        let first = lp.first().expect("a node has a master entry");
        let (_, deleted) = lp.read(first);
        let (_, count_pos) = lp.read(deleted);
        let (count, master_first) = lp.read(count_pos);
        Node {
            lp,
            master,
            master_count: count.as_i64().unwrap_or(0).max(0) as usize,
            master_first,
        }
    }

    fn live(&self) -> i64 {
        self.lp
            .get_int(self.lp.first().expect("a node has a master entry"))
    }

    fn deleted(&self) -> i64 {
        let first = self.lp.first().expect("a node has a master entry");
        self.lp.get_int(self.lp.next(first).expect("deleted count"))
    }

    /// The master field count and the position of its first field (the count element's
    /// successor).
    fn master_fields(&self) -> (usize, usize) {
        (self.master_count, self.master_first)
    }

    /// The first entry's flags position.
    fn first_entry(&self) -> Option<usize> {
        let mut pos = self.master_first;
        for _ in 0..self.master_count {
            pos = self.lp.read(pos).1;
        }
        // `pos` is the master terminator.
        let after = self.lp.read(pos).1;
        (!self.lp.is_end(after)).then_some(after)
    }

    /// The last entry's flags position.
    fn last_entry(&self) -> Option<usize> {
        self.entry_before_count(self.lp.last()?)
    }

    /// The flags position of the entry whose lp-count element is at `count_pos` (`None`
    /// at the master terminator).
    fn entry_before_count(&self, count_pos: usize) -> Option<usize> {
        let count = self.lp.get_int(count_pos);
        if count <= 0 {
            return None;
        }
        let mut pos = count_pos;
        for _ in 0..count {
            pos = self.lp.prev(pos)?;
        }
        Some(pos)
    }

    /// Reads the entry at `pos` in one pass over its elements.
    fn head(&self, pos: usize) -> EntryHead {
        let lp = self.lp;
        let (flags, p) = lp.read_int(pos);
        let (ms, p) = lp.read_int(p);
        let (seq, mut p) = lp.read_int(p);
        let id = StreamId::new(
            self.master.ms.wrapping_add(ms as u64),
            self.master.seq.wrapping_add(seq as u64),
        );
        let (numfields, elements) = if flags & FLAG_SAMEFIELDS != 0 {
            (self.master_count, self.master_count)
        } else {
            let (n, after) = lp.read_int(p);
            p = after;
            let n = n.max(0) as usize;
            (n, n * 2)
        };
        let body = (numfields > 0).then_some(p);
        for _ in 0..elements {
            p = lp.skip(p);
        }
        // `p` is the lp-count element.
        let after = lp.skip(p);
        EntryHead {
            id,
            flags,
            pos,
            body,
            numfields,
            next: (!lp.is_end(after)).then_some(after),
        }
    }

    fn next_entry(&self, head: &EntryHead) -> Option<usize> {
        head.next
    }

    fn prev_entry(&self, head: &EntryHead) -> Option<usize> {
        self.entry_before_count(self.lp.prev(head.pos)?)
    }

    /// Calls `f` with each field and value of the entry.
    fn for_each_field(&self, head: &EntryHead, mut f: impl FnMut(Element<'a>, Element<'a>)) {
        let lp = self.lp;
        let Some(mut pos) = head.body else {
            return;
        };
        if head.flags & FLAG_SAMEFIELDS != 0 {
            let mut field_pos = self.master_first;
            for _ in 0..head.numfields {
                let (field, next_field) = lp.read(field_pos);
                let (value, next_value) = lp.read(pos);
                f(field, value);
                field_pos = next_field;
                pos = next_value;
            }
        } else {
            for _ in 0..head.numfields {
                let (field, value_pos) = lp.read(pos);
                let (value, next) = lp.read(value_pos);
                f(field, value);
                pos = next;
            }
        }
    }
}

/// One entry met by a [`RangeIter`].
pub struct EntryRef<'a> {
    pub id: StreamId,
    pub deleted: bool,
    node: Node<'a>,
    head: EntryHead,
}

impl<'a> EntryRef<'a> {
    pub fn field_count(&self) -> usize {
        self.head.numfields
    }

    /// Calls `f` with each field and value, in order.
    pub fn for_each_field(&self, f: impl FnMut(Element<'a>, Element<'a>)) {
        self.node.for_each_field(&self.head, f);
    }

    /// The fields and values, flat: `field, value, field, value, ...`.
    pub fn fields(&self) -> Vec<Bytes> {
        let mut out = Vec::with_capacity(self.head.numfields * 2);
        self.for_each_field(|f, v| {
            out.push(f.to_bytes());
            out.push(v.to_bytes());
        });
        out
    }
}

/// Walks the entries of `start..=end`, forwards or backwards (`streamIterator`).
pub struct RangeIter<'a> {
    nodes: std::collections::btree_map::Range<'a, StreamId, Listpack>,
    node: Option<Node<'a>>,
    next: Option<usize>,
    start: StreamId,
    end: StreamId,
    rev: bool,
    skip_tombstones: bool,
    done: bool,
}

impl<'a> Iterator for RangeIter<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        if self.done {
            return None;
        }
        loop {
            let node = match (self.node, self.next) {
                (Some(node), Some(_)) => node,
                _ => {
                    let (master, lp) = if self.rev {
                        self.nodes.next_back()?
                    } else {
                        self.nodes.next()?
                    };
                    let node = Node::new(lp, *master);
                    self.node = Some(node);
                    self.next = if self.rev {
                        node.last_entry()
                    } else {
                        node.first_entry()
                    };
                    continue;
                }
            };
            let head = node.head(self.next.unwrap());
            self.next = if self.rev {
                node.prev_entry(&head)
            } else {
                node.next_entry(&head)
            };
            let deleted = head.flags & FLAG_DELETED != 0;
            if deleted && self.skip_tombstones {
                continue;
            }
            if !self.rev {
                if head.id < self.start {
                    continue;
                }
                if head.id > self.end {
                    self.done = true;
                    return None;
                }
            } else {
                if head.id > self.end {
                    continue;
                }
                if head.id < self.start {
                    self.done = true;
                    return None;
                }
            }
            return Some(EntryRef {
                id: head.id,
                deleted,
                node,
                head,
            });
        }
    }
}

impl StreamValue {
    /// Roughly the heap bytes the stream holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        // Per node its listpack and the tree's share; per group and pending entry a rough
        // constant (they are small next to the entries).
        let nodes: usize = self.nodes.values().map(|lp| lp.capacity() + 64).sum();
        let groups: usize = self
            .groups
            .values()
            .map(|g| 128 + g.pel.len() * 96 + g.consumers.len() * 128)
            .sum();
        nodes + groups
    }

    pub fn new() -> StreamValue {
        StreamValue::default()
    }

    pub fn len(&self) -> u64 {
        self.meta.length
    }

    pub fn is_empty(&self) -> bool {
        self.meta.length == 0
    }

    /// Number of nodes (`XINFO STREAM`'s `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The nodes with their master ids, in order (for RDB).
    pub fn nodes(&self) -> impl Iterator<Item = (StreamId, &Listpack)> {
        self.nodes.iter().map(|(k, v)| (*k, v))
    }

    /// Adds a node read from a file; false if its master id is taken.
    pub fn load_node(&mut self, master: StreamId, lp: Listpack) -> bool {
        if self.nodes.contains_key(&master) {
            return false;
        }
        self.nodes.insert(master, lp);
        true
    }

    /// Bytes held by the nodes (for memory accounting).
    pub fn allocated(&self) -> usize {
        self.nodes.values().map(Listpack::capacity).sum()
    }

    /// The entries of `start..=end`, live ones only.
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool) -> RangeIter<'_> {
        self.range_with(start, end, rev, true)
    }

    /// As [`StreamValue::range`], optionally meeting deleted entries too.
    pub fn range_with(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        skip_tombstones: bool,
    ) -> RangeIter<'_> {
        let nodes = if !rev {
            // The node that may hold `start`: the last one whose master id is not above it.
            match self.nodes.range(..=start).next_back() {
                Some((from, _)) if !start.is_zero() => self.nodes.range(*from..),
                _ => self.nodes.range(..),
            }
        } else {
            match self.nodes.range(..=end).next_back() {
                Some((to, _)) => self.nodes.range(..=*to),
                // Every entry is above `end`.
                None => self.nodes.range(StreamId::MAX..StreamId::MAX),
            }
        };
        RangeIter {
            nodes,
            node: None,
            next: None,
            start,
            end,
            rev,
            skip_tombstones,
            done: false,
        }
    }

    /// Whether a live entry has this id (`streamEntryExists`).
    pub fn contains(&self, id: StreamId) -> bool {
        self.range(id, id, false).next().is_some()
    }

    /// The fields of the live entry `id`.
    pub fn get(&self, id: StreamId) -> Option<Vec<Bytes>> {
        self.range(id, id, false).next().map(|e| e.fields())
    }

    /// The first entry's id (`streamGetEdgeID(first)`), tombstones included or not;
    /// `MAX` when there is none.
    pub fn first_entry_id(&self, skip_tombstones: bool) -> StreamId {
        self.range_with(StreamId::MIN, StreamId::MAX, false, skip_tombstones)
            .next()
            .map_or(StreamId::MAX, |e| e.id)
    }

    /// The last live entry's id (`streamLastValidID`), if any.
    pub fn last_live_id(&self) -> Option<StreamId> {
        self.range(StreamId::MIN, StreamId::MAX, true)
            .next()
            .map(|e| e.id)
    }

    /// Appends an entry with `id` (greater than the last id: the caller checked) and the
    /// flat `field, value, ...` list, as `streamAppendItem` does, node limits included.
    pub fn append(
        &mut self,
        id: StreamId,
        fields: &[Bytes],
        node_max_bytes: u64,
        node_max_entries: u64,
    ) {
        let numfields = fields.len() / 2;
        let total: u64 = fields.iter().map(|f| f.len() as u64).sum();
        let mut new_node = true;
        if let Some(mut tail) = self.nodes.last_entry() {
            let max_bytes = if node_max_bytes == 0 || node_max_bytes > LISTPACK_MAX_SIZE {
                LISTPACK_MAX_SIZE
            } else {
                node_max_bytes
            };
            let node = Node::new(tail.get(), *tail.key());
            let full = tail.get().bytes_len() as u64 + total >= max_bytes
                || (node_max_entries != 0
                    && (node.live() + node.deleted()) as u64 >= node_max_entries);
            if full {
                tail.get_mut().shrink_to_fit();
            } else {
                new_node = false;
            }
        }
        let master;
        let mut flags = 0;
        if new_node {
            master = id;
            let prealloc = match node_max_bytes {
                1..4096 => node_max_bytes as usize,
                _ => MAX_PREALLOC,
            };
            let mut lp = Listpack::with_capacity(prealloc);
            lp.append_int(1);
            lp.append_int(0);
            lp.append_int(numfields as i64);
            for field in fields.iter().step_by(2) {
                lp.append(field);
            }
            lp.append_int(0);
            self.nodes.insert(id, lp);
            flags |= FLAG_SAMEFIELDS;
        } else {
            let mut tail = self.nodes.last_entry().expect("checked above");
            master = *tail.key();
            let lp = tail.get_mut();
            let first = lp.first().expect("master entry");
            let live = lp.get_int(first);
            lp.replace_int(first, live + 1);
            let node = Node::new(lp, master);
            let (master_count, mut pos) = node.master_fields();
            if master_count == numfields {
                let mut same = true;
                for field in fields.iter().step_by(2) {
                    if !lp.get(pos).eq_bytes(field) {
                        same = false;
                        break;
                    }
                    pos = lp.next(pos).expect("master terminator follows the fields");
                }
                if same {
                    flags |= FLAG_SAMEFIELDS;
                }
            }
        }
        let lp = self.nodes.get_mut(&master).expect("the tail node");
        lp.append_int(flags);
        lp.append_int(id.ms.wrapping_sub(master.ms) as i64);
        lp.append_int(id.seq.wrapping_sub(master.seq) as i64);
        if flags & FLAG_SAMEFIELDS == 0 {
            lp.append_int(numfields as i64);
        }
        for pair in fields.chunks_exact(2) {
            if flags & FLAG_SAMEFIELDS == 0 {
                lp.append(&pair[0]);
            }
            lp.append(&pair[1]);
        }
        let mut lp_count = numfields as i64 + 3;
        if flags & FLAG_SAMEFIELDS == 0 {
            lp_count += numfields as i64 + 1;
        }
        lp.append_int(lp_count);
        self.meta.length += 1;
        self.meta.entries_added += 1;
        self.meta.last_id = id;
        if self.meta.length == 1 {
            self.meta.first_id = id;
        }
    }

    /// Trims from the head (`streamTrim`); returns how many entries went. `approx` removes
    /// whole nodes only; `limit` (0: none) caps the entries removed.
    pub fn trim(&mut self, trim: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        loop {
            if let Trim::MaxLen(max) = trim
                && self.meta.length <= max
            {
                break;
            }
            let Some(mut first) = self.nodes.first_entry() else {
                break;
            };
            let master = *first.key();
            let node = Node::new(first.get(), master);
            let entries = node.live().max(0) as u64;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let remove_node = match trim {
                Trim::MaxLen(max) => self.meta.length - entries >= max,
                Trim::MinId(min) => {
                    let last = node.last_entry().map(|p| node.head(p).id);
                    last.is_some_and(|last| last < min)
                }
            };
            if remove_node {
                first.remove();
                self.meta.length -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            // Flag entries inside the node until the condition holds.
            let lp = first.get_mut();
            let mut marked = 0i64;
            let mut pos = Node::new(lp, master).first_entry();
            while let Some(p) = pos {
                let node = Node::new(lp, master);
                let head = node.head(p);
                let stop = match trim {
                    Trim::MaxLen(max) => self.meta.length <= max,
                    Trim::MinId(min) => head.id >= min,
                };
                if stop {
                    break;
                }
                pos = node.next_entry(&head);
                if head.flags & FLAG_DELETED == 0 {
                    lp.replace_int(head.pos, head.flags | FLAG_DELETED);
                    marked += 1;
                    self.meta.length -= 1;
                }
            }
            deleted += marked as u64;
            let first_pos = lp.first().expect("master entry");
            lp.replace_int(first_pos, entries as i64 - marked);
            let deleted_pos = lp.next(first_pos).expect("deleted count");
            let was = lp.get_int(deleted_pos);
            lp.replace_int(deleted_pos, was + marked);
            break;
        }
        if self.meta.length == 0 {
            self.meta.first_id = StreamId::MIN;
        } else if deleted > 0 {
            self.meta.first_id = self.first_entry_id(true);
        }
        deleted
    }

    /// Deletes the live entry `id` (`streamDeleteItem`): flags it, dropping its node when
    /// it was the node's last live entry. The caller updates first / max-deleted ids.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&master, _)) = self.nodes.range(..=id).next_back() else {
            return false;
        };
        let found = {
            let node = Node::new(&self.nodes[&master], master);
            let mut pos = node.first_entry();
            let mut found = None;
            while let Some(p) = pos {
                let head = node.head(p);
                if head.id > id {
                    break;
                }
                if head.id == id {
                    if head.flags & FLAG_DELETED == 0 {
                        found = Some(head);
                    }
                    break;
                }
                pos = node.next_entry(&head);
            }
            found
        };
        let Some(head) = found else {
            return false;
        };
        let lp = self.nodes.get_mut(&master).expect("found above");
        let first = lp.first().expect("master entry");
        let live = lp.get_int(first);
        if live == 1 {
            self.nodes.remove(&master);
        } else {
            lp.replace_int(head.pos, head.flags | FLAG_DELETED);
            lp.replace_int(first, live - 1);
            let deleted_pos = lp.next(first).expect("deleted count");
            let was = lp.get_int(deleted_pos);
            lp.replace_int(deleted_pos, was + 1);
        }
        self.meta.length -= 1;
        true
    }

    /// The number of nodes Redis's radix tree of these master ids has (`XINFO STREAM`'s
    /// `radix-tree-nodes`): the canonical compressed trie of the 16-byte keys.
    pub fn radix_tree_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|id| id.encode()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_nodes(&keys, 0)
    }

    /// Creates a group; false when the name is taken.
    pub fn create_group(&mut self, name: &[u8], last_id: StreamId, entries_read: i64) -> bool {
        if self.groups.contains_key(name) {
            return false;
        }
        self.groups.insert(
            Bytes::copy_from_slice(name),
            ConsumerGroup::new(last_id, entries_read),
        );
        true
    }
}

/// Nodes of the compressed radix tree holding the sorted, distinct `keys` (all of one
/// length), below the node for their common prefix `keys[..][..depth]`, that node
/// included.
fn rax_nodes(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    let first = keys[0][depth];
    if keys.iter().all(|k| k[depth] == first) {
        // One child: this node is compressed up to the next branching or key.
        let last = &keys[keys.len() - 1];
        let lcp = (depth..16).find(|&i| keys[0][i] != last[i]).unwrap_or(16);
        return 1 + rax_nodes(keys, lcp);
    }
    // Several children, one node each (each may compress further).
    let mut total = 1;
    let mut start = 0;
    while start < keys.len() {
        let byte = keys[start][depth];
        let end = start
            + keys[start..]
                .iter()
                .take_while(|k| k[depth] == byte)
                .count();
        total += rax_nodes(&keys[start..end], depth + 1);
        start = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn add(s: &mut StreamValue, ms: u64, fields: &[&str]) {
        let fields: Vec<Bytes> = fields.iter().map(|f| b(f)).collect();
        s.append(StreamId::new(ms, 0), &fields, 4096, 3);
    }

    fn ids(iter: RangeIter<'_>) -> Vec<u64> {
        iter.map(|e| e.id.ms).collect()
    }

    #[test]
    fn appends_split_nodes_and_ranges_walk_both_ways() {
        let mut s = StreamValue::new();
        for ms in 1..=7 {
            add(&mut s, ms, &["a", &ms.to_string()]);
        }
        add(&mut s, 8, &["b", "x", "c", "y"]);
        assert_eq!(s.len(), 8);
        assert_eq!(s.node_count(), 3);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX, false)),
            (1..=8).collect::<Vec<_>>()
        );
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX, true)),
            (1..=8).rev().collect::<Vec<_>>()
        );
        assert_eq!(
            ids(s.range(StreamId::new(3, 0), StreamId::new(6, 0), false)),
            vec![3, 4, 5, 6]
        );
        assert_eq!(
            ids(s.range(StreamId::new(3, 0), StreamId::new(6, 0), true)),
            vec![6, 5, 4, 3]
        );
        assert_eq!(
            s.get(StreamId::new(8, 0)).unwrap(),
            vec![b("b"), b("x"), b("c"), b("y")]
        );
        assert_eq!(s.get(StreamId::new(5, 0)).unwrap(), vec![b("a"), b("5")]);
        assert!(s.get(StreamId::new(5, 1)).is_none());
    }

    #[test]
    fn deletes_flag_entries_and_drop_empty_nodes() {
        let mut s = StreamValue::new();
        for ms in 1..=6 {
            add(&mut s, ms, &["a", "v"]);
        }
        assert!(s.delete(StreamId::new(2, 0)));
        assert!(!s.delete(StreamId::new(2, 0)));
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX, false)),
            vec![1, 3, 4, 5, 6]
        );
        assert_eq!(
            s.range_with(StreamId::MIN, StreamId::MAX, false, false)
                .count(),
            6
        );
        for ms in [4, 5, 6] {
            assert!(s.delete(StreamId::new(ms, 0)));
        }
        assert_eq!(s.node_count(), 1);
        assert_eq!(s.len(), 2);
        assert_eq!(s.last_live_id(), Some(StreamId::new(3, 0)));
    }

    #[test]
    fn trims_by_length_and_id() {
        let mut s = StreamValue::new();
        for ms in 1..=10 {
            add(&mut s, ms, &["a", "v"]);
        }
        assert_eq!(s.trim(Trim::MaxLen(8), true, 0), 0);
        assert_eq!(s.trim(Trim::MaxLen(7), true, 0), 3);
        assert_eq!(s.trim(Trim::MaxLen(5), false, 0), 2);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX, false)),
            vec![6, 7, 8, 9, 10]
        );
        assert_eq!(s.meta.first_id, StreamId::new(6, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(9, 0)), false, 0), 3);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX, false)),
            vec![9, 10]
        );
    }

    #[test]
    fn radix_tree_node_counts() {
        let mut s = StreamValue::new();
        assert_eq!(s.radix_tree_nodes(), 1);
        add(&mut s, 1, &["a", "v"]);
        assert_eq!(s.radix_tree_nodes(), 2);
    }
}
