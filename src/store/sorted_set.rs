//! The sorted set: a member -> node map plus an indexable skiplist ordered by (score,
//! member bytes), so insert, delete, rank and the start of any range (by rank, score or
//! lex) are O(log n), like Redis's `zset` (dict + `zskiplist` with span counts).
//!
//! # Layout
//! The skiplist lives in arenas (indexes instead of pointers). `nodes` holds each node's
//! member, score, backward link and dense slot; node 0 is the header. A node's levels are
//! a contiguous block of the one `levels` pool (level `i` at `block + i`; freed blocks are
//! reused per height). Each link carries a `span`: how many bottom-level steps it jumps,
//! which is what turns the list into an order-statistics index (rank = sum of spans
//! walked). A link points at the next node's level block, not at the node, and holds a
//! copy of that node's score, so a walk step compares and advances reading only the level
//! pool: about one cache miss per step, as in Redis (whose levels sit inside the node). The
//! node itself is read only on a score tie (for its member) and where the walk lands. On
//! level 0 the span is always 1, so that slot names the node owning the block instead.
//! Every score copy is rewritten wherever links change (link, unlink, an in-place score
//! change), which `check` verifies in tests.
//!
//! A node keeps its id and level block for the member's whole life (a score change
//! unlinks and relinks the same node). The member index is a hash table of node ids keyed
//! by the member in the node, so each member's bytes are stored once.
//!
//! `dense` holds every live node once, at the node's `slot`; removal swaps the last slot
//! into the hole. It gives O(1) uniform random members (ZRANDMEMBER) and ZSCAN's cursor:
//! slots are visited from the top down, and a swap only ever moves a node downwards, so a
//! member present for a whole scan is returned at least once whatever else is written.
//!
//! # Redis's two encodings
//! Redis keeps small sets in a listpack and big ones in a skiplist; replies only differ in
//! two observable ways, both reproduced: `OBJECT ENCODING`, and listpack storage turning a
//! `-0` score into `0` (the score is stored as text and read back as an integer). Lex
//! ranges over members with different scores are undefined in Redis, but a listpack answers
//! them by a linear scan; small sets do the same here so even those replies match.
//!
//! Scores are never NaN (callers check); `-0.0` equals `0.0` in comparisons, as in C.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use bytes::Bytes;
use hashbrown::HashTable;

// Redis 7.0's `zset-max-listpack-entries` (128) and `zset-max-listpack-value` (64).
use super::encoding::limits;

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
/// The header's node id and its level block (both 0).
const HEAD: u32 = 0;

/// One link of a node's level block.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// The level block of the next node on this level (NIL at the end of the level).
    forward: u32,
    /// On levels 1 and up: bottom-level steps from this node to `forward` (to the end of
    /// the list for NIL). On level 0 the step to a real `forward` is always 1, so this
    /// holds the node id owning the block instead (see [`SortedSetValue::owner`]).
    span: u32,
    /// The score of the `forward` node (a copy, kept right by every link, unlink and
    /// score change), so a walk compares without reading the node it may not enter.
    score: f64,
}

#[derive(Debug, Clone)]
struct Node {
    member: Bytes,
    score: f64,
    /// Node id of the previous node (NIL for the first).
    backward: u32,
    /// Position in `dense`.
    slot: u32,
    /// Index of the node's level 0 in the level pool; level `i` is at `block + i`.
    block: u32,
    height: u32,
}

/// A score interval (`ZRANGEBYSCORE`'s `min max`, `(` for exclusive bounds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
    pub max_exclusive: bool,
}

impl ScoreRange {
    pub fn gte_min(&self, v: f64) -> bool {
        if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        }
    }

    pub fn lte_max(&self, v: f64) -> bool {
        if self.max_exclusive {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Ranges that can hold nothing whatever the set (`5 1`, `(1 1`).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.min_exclusive || self.max_exclusive))
    }
}

/// One end of a lex interval: `-`, `+`, `[member` or `(member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    Inclusive(Bytes),
    Exclusive(Bytes),
}

impl LexBound {
    /// Redis's `sdscmplex` between bounds (the strings, ignoring exclusiveness).
    fn cmp_bound(&self, other: &LexBound) -> Ordering {
        fn rank(b: &LexBound) -> (u8, &[u8]) {
            match b {
                LexBound::Min => (0, &[]),
                LexBound::Inclusive(s) | LexBound::Exclusive(s) => (1, s),
                LexBound::Max => (2, &[]),
            }
        }
        rank(self).cmp(&rank(other))
    }

    fn is_exclusive(&self) -> bool {
        // Redis flags `-` and `+` as exclusive, which matters for `- -` and `+ +`.
        !matches!(self, LexBound::Inclusive(_))
    }
}

/// A lex interval (`ZRANGEBYLEX`'s `min max`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexRange {
    pub min: LexBound,
    pub max: LexBound,
}

impl LexRange {
    pub fn gte_min(&self, v: &[u8]) -> bool {
        match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => v >= &m[..],
            LexBound::Exclusive(m) => v > &m[..],
        }
    }

    pub fn lte_max(&self, v: &[u8]) -> bool {
        match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(m) => v <= &m[..],
            LexBound::Exclusive(m) => v < &m[..],
        }
    }

    pub fn is_empty(&self) -> bool {
        match self.min.cmp_bound(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.is_exclusive() || self.max.is_exclusive(),
            Ordering::Less => false,
        }
    }
}

/// What setting a member's score did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreChange {
    Added,
    Updated,
    /// The member already had this score (`==`, so `0` and `-0` are the same).
    Unchanged,
}

/// A position in the order, valid until the set is next modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos(u32);

/// A sorted set. `large` is Redis's skiplist encoding (sticky, as in Redis).
#[derive(Debug, Clone)]
pub struct SortedSetValue {
    nodes: Vec<Node>,
    /// Free node ids.
    free: Vec<u32>,
    /// Every node's level block, contiguous per node; the header's is at 0.
    levels: Vec<Level>,
    /// Heads of the free level blocks, per height - 1, threaded through their level 0's
    /// `forward`.
    free_blocks: [u32; MAX_LEVEL],
    /// Node ids by the member the node holds (each member's bytes are stored once, in
    /// its node), hashed with `hasher`.
    members: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    dense: Vec<u32>,
    tail: u32,
    level: usize,
    large: bool,
}

impl Default for SortedSetValue {
    fn default() -> Self {
        let mut levels = vec![
            Level {
                forward: NIL,
                span: 0,
                score: 0.0,
            };
            MAX_LEVEL
        ];
        levels[0].span = HEAD;
        SortedSetValue {
            nodes: vec![Node {
                member: Bytes::new(),
                score: 0.0,
                backward: NIL,
                slot: NIL,
                block: HEAD,
                height: MAX_LEVEL as u32,
            }],
            free: Vec::new(),
            levels,
            free_blocks: [NIL; MAX_LEVEL],
            members: HashTable::new(),
            hasher: Default::default(),
            dense: Vec::new(),
            tail: NIL,
            level: 1,
            large: false,
        }
    }
}

/// A random level with Redis's distribution (P = 1/4 per extra level).
fn random_level() -> usize {
    let bits: u64 = rand::random();
    (1 + bits.trailing_zeros() as usize / 2).min(MAX_LEVEL)
}

/// The rank steps a link at level `i` jumps (level 0's `span` holds the owner instead).
#[inline]
fn step(i: usize, l: &Level) -> usize {
    if i == 0 { 1 } else { l.span as usize }
}

impl SortedSetValue {
    /// Roughly the heap bytes the sorted set holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`SortedSetValue::footprint`] measured on the first `samples` nodes.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        let arena = self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.levels.capacity() * std::mem::size_of::<Level>()
            + (self.free.capacity() + self.dense.capacity()) * 4;
        // A node id and a control byte per bucket; buckets are 8/7 of the capacity.
        let index = self.members.capacity() * 8 / 7 * (std::mem::size_of::<u32>() + 1);
        let members = super::value::sampled_size(self.nodes.iter(), samples, |n| n.member.len());
        arena + index + members + self.members.len() * super::value::BYTES_HEAP
    }

    pub fn new() -> Self {
        Self::default()
    }

    /// A set built from entries known to be distinct (Z*STORE results), with the encoding
    /// Redis's `zsetConvertToListpackIfNeeded` gives a freshly computed set.
    pub fn from_distinct(entries: impl IntoIterator<Item = (Bytes, f64)>) -> Self {
        let entries: Vec<(Bytes, f64)> = entries.into_iter().collect();
        let mut set = SortedSetValue::new();
        let limits = limits();
        set.large = entries.len() > limits.zset_max_listpack_entries
            || entries
                .iter()
                .any(|(m, _)| m.len() > limits.zset_max_listpack_value);
        let (nodes, hasher) = (&set.nodes, &set.hasher);
        set.members.reserve(entries.len(), |&i| {
            hasher.hash_one(&nodes[i as usize].member[..])
        });
        set.nodes.reserve(entries.len());
        set.dense.reserve(entries.len());
        for (member, score) in entries {
            let score = set.storable(score);
            let hash = set.hasher.hash_one(&member[..]);
            set.insert_new(member, score, hash);
        }
        set
    }

    pub fn len(&self) -> usize {
        self.dense.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dense.is_empty()
    }

    /// `OBJECT ENCODING`.
    pub fn encoding(&self) -> &'static str {
        if self.large { "skiplist" } else { "listpack" }
    }

    pub fn is_large(&self) -> bool {
        self.large
    }

    /// A listpack stores `-0` as the integer 0.
    fn storable(&self, score: f64) -> f64 {
        if !self.large && score == 0.0 {
            0.0
        } else {
            score
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.id_of(member).map(|id| self.nodes[id as usize].score)
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.id_of(member).is_some()
    }

    /// The node holding `member`.
    fn id_of(&self, member: &[u8]) -> Option<u32> {
        self.find(member, self.hasher.hash_one(member))
    }

    /// The node holding `member`, whose hash is `hash`.
    #[inline]
    fn find(&self, member: &[u8], hash: u64) -> Option<u32> {
        self.members
            .find(hash, |&id| self.nodes[id as usize].member[..] == *member)
            .copied()
    }

    /// Sets `member`'s score, adding it when absent. A new member may switch the set to
    /// the skiplist encoding, as Redis's `zsetAdd` does before inserting.
    pub fn set_score(&mut self, member: &[u8], score: f64) -> ScoreChange {
        debug_assert!(!score.is_nan());
        let hash = self.hasher.hash_one(member);
        if let Some(id) = self.find(member, hash) {
            let current = self.nodes[id as usize].score;
            if score == current {
                return ScoreChange::Unchanged;
            }
            let score = self.storable(score);
            self.update_score(id, score);
            return ScoreChange::Updated;
        }
        let limits = limits();
        if self.len() + 1 > limits.zset_max_listpack_entries
            || member.len() > limits.zset_max_listpack_value
        {
            self.large = true;
        }
        let score = self.storable(score);
        self.insert_new(Bytes::copy_from_slice(member), score, hash);
        ScoreChange::Added
    }

    /// Removes `member`; its score when it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let id = self.id_of(member)?;
        let score = self.nodes[id as usize].score;
        let update = self.path_to(id);
        self.unlink(id, &update);
        self.release(id);
        Some(score)
    }

    /// 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let id = self.id_of(member)?;
        Some(self.rank_of(Pos(id)))
    }

    /// 0-based ascending rank of a position.
    pub fn rank_of(&self, pos: Pos) -> usize {
        let target = &self.nodes[pos.0 as usize];
        let (score, member, block) = (target.score, &target.member[..], target.block);
        let mut rank = 0;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward == NIL {
                    break;
                }
                // Not past the target: a lower score, or the same score and a member not
                // above it (the target itself needs no member comparison).
                if l.score < score
                    || (l.score == score
                        && (l.forward == block || self.member_of(l.forward) <= member))
                {
                    rank += step(i, &l);
                    x = l.forward;
                } else {
                    break;
                }
            }
            if x == block {
                return rank - 1;
            }
        }
        unreachable!("a live node always has a rank")
    }

    /// The entry at a position.
    pub fn entry(&self, pos: Pos) -> (&Bytes, f64) {
        let n = &self.nodes[pos.0 as usize];
        (&n.member, n.score)
    }

    /// The position of 0-based ascending rank `rank`.
    pub fn at_rank(&self, rank: usize) -> Option<Pos> {
        if rank >= self.len() {
            return None;
        }
        let target = rank + 1;
        let mut traversed = 0;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward != NIL && traversed + step(i, &l) <= target {
                    traversed += step(i, &l);
                    x = l.forward;
                } else {
                    break;
                }
            }
            if traversed == target {
                return Some(Pos(self.owner(x)));
            }
        }
        None
    }

    pub fn first(&self) -> Option<Pos> {
        self.next_of(HEAD)
    }

    pub fn last(&self) -> Option<Pos> {
        (self.tail != NIL).then_some(Pos(self.tail))
    }

    pub fn next(&self, pos: Pos) -> Option<Pos> {
        self.next_of(self.nodes[pos.0 as usize].block)
    }

    pub fn prev(&self, pos: Pos) -> Option<Pos> {
        let b = self.nodes[pos.0 as usize].backward;
        (b != NIL).then_some(Pos(b))
    }

    /// Entries from `start` onwards (towards lower scores when `rev`).
    pub fn iter_from(&self, start: Option<Pos>, rev: bool) -> Iter<'_> {
        let at = match start {
            None => NIL,
            Some(Pos(id)) if rev => id,
            Some(Pos(id)) => self.nodes[id as usize].block,
        };
        Iter { set: self, at, rev }
    }

    /// Every entry in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            at: self.levels[HEAD as usize].forward,
            rev: false,
        }
    }

    // ---- score ranges -------------------------------------------------------------------

    /// Redis's `zslIsInRange`: whether any member may fall in `range`.
    fn may_hold_scores(&self, range: &ScoreRange) -> bool {
        if range.is_empty() || self.tail == NIL {
            return false;
        }
        range.gte_min(self.nodes[self.tail as usize].score) && range.lte_max(self.levels[0].score)
    }

    /// The lowest member with a score in `range`.
    pub fn first_in_score_range(&self, range: &ScoreRange) -> Option<Pos> {
        if !self.may_hold_scores(range) {
            return None;
        }
        let x = self.descend(|_, score, _| !range.gte_min(score));
        let l = self.levels[x as usize];
        (l.forward != NIL && range.lte_max(l.score)).then(|| Pos(self.owner(l.forward)))
    }

    /// The highest member with a score in `range`.
    pub fn last_in_score_range(&self, range: &ScoreRange) -> Option<Pos> {
        if !self.may_hold_scores(range) {
            return None;
        }
        let x = self.descend(|_, score, _| range.lte_max(score));
        if x == HEAD {
            return None;
        }
        let id = self.owner(x);
        range
            .gte_min(self.nodes[id as usize].score)
            .then_some(Pos(id))
    }

    /// Members with a score in `range` (ZCOUNT), from two rank lookups.
    pub fn count_in_score_range(&self, range: &ScoreRange) -> usize {
        match (
            self.first_in_score_range(range),
            self.last_in_score_range(range),
        ) {
            (Some(a), Some(b)) => self.rank_of(b) + 1 - self.rank_of(a),
            _ => 0,
        }
    }

    // ---- lex ranges ---------------------------------------------------------------------

    /// Redis's `zslIsInLexRange` / `zzlIsInLexRange`.
    fn may_hold_lex(&self, range: &LexRange) -> bool {
        if range.is_empty() || self.tail == NIL {
            return false;
        }
        range.gte_min(&self.nodes[self.tail as usize].member)
            && range.lte_max(self.member_of(self.levels[0].forward))
    }

    /// The first member in `range`: a skiplist search, or the listpack's linear scan for
    /// small sets (identical when all scores are equal, the only case Redis defines).
    pub fn first_in_lex_range(&self, range: &LexRange) -> Option<Pos> {
        if !self.may_hold_lex(range) {
            return None;
        }
        let found = if self.large {
            let x = self.descend(|z, _, b| !range.gte_min(z.member_of(b)));
            self.next_of(x)
        } else {
            self.iter_positions(self.first(), false)
                .find(|&p| range.gte_min(self.entry(p).0))
        }?;
        range.lte_max(self.entry(found).0).then_some(found)
    }

    /// The last member in `range` (see [`Self::first_in_lex_range`]).
    pub fn last_in_lex_range(&self, range: &LexRange) -> Option<Pos> {
        if !self.may_hold_lex(range) {
            return None;
        }
        let found = if self.large {
            let x = self.descend(|z, _, b| range.lte_max(z.member_of(b)));
            (x != HEAD).then(|| Pos(self.owner(x)))
        } else {
            self.iter_positions(self.last(), true)
                .find(|&p| range.lte_max(self.entry(p).0))
        }?;
        range.gte_min(self.entry(found).0).then_some(found)
    }

    /// ZLEXCOUNT: rank arithmetic on a skiplist, a walk on a listpack (as in Redis).
    pub fn count_in_lex_range(&self, range: &LexRange) -> usize {
        let Some(first) = self.first_in_lex_range(range) else {
            return 0;
        };
        if self.large {
            match self.last_in_lex_range(range) {
                Some(last) => (self.rank_of(last) + 1).saturating_sub(self.rank_of(first)),
                None => 0,
            }
        } else {
            self.iter_positions(Some(first), false)
                .take_while(|&p| range.lte_max(self.entry(p).0))
                .count()
        }
    }

    // ---- removals -----------------------------------------------------------------------

    /// Removes the members of 0-based ascending ranks `start..=end` (already clamped);
    /// how many.
    pub fn remove_rank_range(&mut self, start: usize, end: usize) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward != NIL && traversed + step(i, &l) < start + 1 {
                    traversed += step(i, &l);
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        traversed += 1;
        let mut removed = 0;
        loop {
            // Each unlink makes `update[0]` point at the next node.
            let f = self.levels[update[0] as usize].forward;
            if f == NIL || traversed > end + 1 {
                break;
            }
            let id = self.owner(f);
            self.unlink(id, &update);
            self.release(id);
            removed += 1;
            traversed += 1;
        }
        removed
    }

    /// Removes the members with a score in `range`; how many.
    pub fn remove_score_range(&mut self, range: &ScoreRange) -> usize {
        if !self.large && self.first_in_score_range(range).is_none() {
            return 0;
        }
        self.remove_run(
            |_, score, _| !range.gte_min(score),
            |_, score, _| range.lte_max(score),
        )
    }

    /// Removes the members in `range`; how many. Small sets start where the listpack
    /// would (its linear first-in-range); big ones where Redis's skiplist walk does.
    pub fn remove_lex_range(&mut self, range: &LexRange) -> usize {
        if self.large {
            return self.remove_run(
                |z, _, b| !range.gte_min(z.member_of(b)),
                |z, _, b| range.lte_max(z.member_of(b)),
            );
        }
        let Some(first) = self.first_in_lex_range(range) else {
            return 0;
        };
        let doomed: Vec<Bytes> = self
            .iter_from(Some(first), false)
            .take_while(|(m, _)| range.lte_max(m))
            .map(|(m, _)| m.clone())
            .collect();
        for m in &doomed {
            self.remove(m);
        }
        doomed.len()
    }

    /// Removes and returns the lowest (or highest) member.
    pub fn pop(&mut self, highest: bool) -> Option<(Bytes, f64)> {
        let pos = if highest { self.last() } else { self.first() }?;
        let (member, score) = {
            let (m, s) = self.entry(pos);
            (m.clone(), s)
        };
        self.remove(&member);
        Some((member, score))
    }

    // ---- random access and scanning ------------------------------------------------------

    /// The entry in `slot` (0..len), in no particular order: uniform random picks and
    /// ZSCAN walk these.
    pub fn entry_at_slot(&self, slot: usize) -> (&Bytes, f64) {
        self.entry(Pos(self.dense[slot]))
    }

    // ---- internals ----------------------------------------------------------------------

    /// The node id owning level block `block` (kept in its level 0's `span`).
    #[inline]
    fn owner(&self, block: u32) -> u32 {
        self.levels[block as usize].span
    }

    /// The member of the node owning level block `block`.
    #[inline]
    fn member_of(&self, block: u32) -> &[u8] {
        &self.nodes[self.owner(block) as usize].member
    }

    /// The node after the one owning level block `x` (the header's: the first node).
    fn next_of(&self, x: u32) -> Option<Pos> {
        let f = self.levels[x as usize].forward;
        (f != NIL).then(|| Pos(self.owner(f)))
    }

    fn iter_positions(&self, start: Option<Pos>, rev: bool) -> impl Iterator<Item = Pos> + '_ {
        std::iter::successors(
            start,
            move |&p| if rev { self.prev(p) } else { self.next(p) },
        )
    }

    /// Walks down from the header, advancing at each level while `before` holds for the
    /// next node (given its score and level block); the level block of the last node
    /// passed (the header's if none).
    fn descend(&self, before: impl Fn(&Self, f64, u32) -> bool) -> u32 {
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward != NIL && before(self, l.score, l.forward) {
                    x = l.forward;
                } else {
                    break;
                }
            }
        }
        x
    }

    /// The level blocks of the rightmost nodes before node `id` on every level.
    fn path_to(&self, id: u32) -> [u32; MAX_LEVEL] {
        let target = &self.nodes[id as usize];
        let (score, member, block) = (target.score, &target.member[..], target.block);
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward == NIL || l.forward == block {
                    break;
                }
                if l.score < score || (l.score == score && self.member_of(l.forward) < member) {
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// Removes the run of nodes that starts after the last node matching `before` and
    /// continues while `inside` holds (Redis's `zslDeleteRangeBy*`). Both are given the
    /// set, a node's score and its level block.
    fn remove_run(
        &mut self,
        before: impl Fn(&Self, f64, u32) -> bool,
        inside: impl Fn(&Self, f64, u32) -> bool,
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.levels[x as usize + i];
                if l.forward != NIL && before(self, l.score, l.forward) {
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut removed = 0;
        loop {
            // Each unlink makes `update[0]` point at the next node.
            let l = self.levels[update[0] as usize];
            if l.forward == NIL || !inside(self, l.score, l.forward) {
                break;
            }
            let id = self.owner(l.forward);
            self.unlink(id, &update);
            self.release(id);
            removed += 1;
        }
        removed
    }

    /// A level block of `height` levels for node `id`, unlinked.
    fn alloc_block(&mut self, height: usize, id: u32) -> u32 {
        let empty = Level {
            forward: NIL,
            span: 0,
            score: 0.0,
        };
        let head = self.free_blocks[height - 1];
        let block = if head != NIL {
            self.free_blocks[height - 1] = self.levels[head as usize].forward;
            self.levels[head as usize..head as usize + height].fill(empty);
            head
        } else {
            let block = self.levels.len();
            self.levels.resize(block + height, empty);
            block as u32
        };
        self.levels[block as usize].span = id;
        block
    }

    /// Adds `member` (absent, its hash `hash`) with `score`.
    fn insert_new(&mut self, member: Bytes, score: f64, hash: u64) {
        let height = random_level();
        let slot = self.dense.len() as u32;
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.nodes.push(Node {
                    member: Bytes::new(),
                    score: 0.0,
                    backward: NIL,
                    slot: NIL,
                    block: NIL,
                    height: 0,
                });
                (self.nodes.len() - 1) as u32
            }
        };
        let block = self.alloc_block(height, id);
        self.nodes[id as usize] = Node {
            member,
            score,
            backward: NIL,
            slot,
            block,
            height: height as u32,
        };
        self.dense.push(id);
        let (nodes, hasher) = (&self.nodes, &self.hasher);
        self.members.insert_unique(hash, id, |&i| {
            hasher.hash_one(&nodes[i as usize].member[..])
        });
        self.link(id);
    }

    /// Links node `id` (unlinked, with its level block) at its place in the order.
    fn link(&mut self, id: u32) {
        let (score, block, height) = {
            let n = &self.nodes[id as usize];
            (n.score, n.block, n.height as usize)
        };
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        {
            let member = &self.nodes[id as usize].member[..];
            let mut x = HEAD;
            for i in (0..self.level).rev() {
                rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
                loop {
                    let l = self.levels[x as usize + i];
                    if l.forward == NIL {
                        break;
                    }
                    if l.score < score || (l.score == score && self.member_of(l.forward) < member) {
                        rank[i] += step(i, &l) as u32;
                        x = l.forward;
                    } else {
                        break;
                    }
                }
                update[i] = x;
            }
        }
        let len_before = (self.len() - 1) as u32; // `dense` already counts this node
        if height > self.level {
            for i in self.level..height {
                rank[i] = 0;
                update[i] = HEAD;
                self.levels[HEAD as usize + i].span = len_before;
            }
            self.level = height;
        }
        for i in 0..height {
            let u = update[i] as usize + i;
            let ul = self.levels[u];
            let gap = rank[0] - rank[i];
            self.levels[block as usize + i] = Level {
                forward: ul.forward,
                span: if i == 0 { id } else { ul.span - gap },
                score: ul.score,
            };
            self.levels[u] = Level {
                forward: block,
                span: if i == 0 { ul.span } else { gap + 1 },
                score,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(height) {
            self.levels[u as usize + i].span += 1;
        }
        let backward = if update[0] == HEAD {
            NIL
        } else {
            self.owner(update[0])
        };
        self.nodes[id as usize].backward = backward;
        let f = self.levels[block as usize].forward;
        if f != NIL {
            let next = self.owner(f);
            self.nodes[next as usize].backward = id;
        } else {
            self.tail = id;
        }
    }

    /// Unlinks node `id`, `update` being the path to it (Redis's `zslDeleteNode`). The
    /// node and its level block stay allocated.
    fn unlink(&mut self, id: u32, update: &[u32; MAX_LEVEL]) {
        let block = self.nodes[id as usize].block as usize;
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize + i;
            if self.levels[u].forward == block as u32 {
                let xl = self.levels[block + i];
                let ul = &mut self.levels[u];
                if i > 0 {
                    ul.span = ul.span + xl.span - 1;
                }
                ul.forward = xl.forward;
                ul.score = xl.score;
            } else if i > 0 {
                self.levels[u].span -= 1;
            }
        }
        let forward = self.levels[block].forward;
        let backward = self.nodes[id as usize].backward;
        if forward != NIL {
            let next = self.owner(forward);
            self.nodes[next as usize].backward = backward;
        } else {
            self.tail = backward;
        }
        while self.level > 1 && self.levels[HEAD as usize + self.level - 1].forward == NIL {
            self.level -= 1;
        }
    }

    /// Forgets an unlinked node: member map, dense slot, level block, arena.
    fn release(&mut self, id: u32) {
        let hash = self.hasher.hash_one(&self.nodes[id as usize].member[..]);
        if let Ok(entry) = self.members.find_entry(hash, |&i| i == id) {
            entry.remove();
        }
        let node = &mut self.nodes[id as usize];
        node.member = Bytes::new();
        let slot = node.slot as usize;
        let (block, height) = (node.block, node.height as usize);
        node.block = NIL;
        self.levels[block as usize].forward = self.free_blocks[height - 1];
        self.free_blocks[height - 1] = block;
        self.dense.swap_remove(slot);
        if let Some(&moved) = self.dense.get(slot) {
            self.nodes[moved as usize].slot = slot as u32;
        }
        self.free.push(id);
    }

    /// Redis's `zslUpdateScore`: in place when the order allows (the predecessors' copies
    /// of the score updated too), else unlink and relink. A one-level node (3 in 4) has
    /// one predecessor link, its backward node's level 0, so it needs no walk in place.
    fn update_score(&mut self, id: u32, score: f64) {
        let (backward, block, height) = {
            let n = &self.nodes[id as usize];
            (n.backward, n.block as usize, n.height as usize)
        };
        let next = self.levels[block];
        let fits_before = backward == NIL || self.nodes[backward as usize].score < score;
        let fits_after = next.forward == NIL || next.score > score;
        if fits_before && fits_after {
            if height == 1 {
                let pred = if backward == NIL {
                    HEAD
                } else {
                    self.nodes[backward as usize].block
                };
                self.levels[pred as usize].score = score;
            } else {
                // The walk compares with the old score, so it goes first.
                let update = self.path_to(id);
                for (i, &u) in update.iter().enumerate().take(height) {
                    self.levels[u as usize + i].score = score;
                }
            }
            self.nodes[id as usize].score = score;
            return;
        }
        let update = self.path_to(id);
        self.unlink(id, &update);
        self.nodes[id as usize].score = score;
        self.link(id);
    }

    /// Checks every invariant (tests).
    #[cfg(test)]
    fn check(&self) {
        let entries: Vec<(Bytes, f64)> = self.iter().map(|(m, s)| (m.clone(), s)).collect();
        assert_eq!(entries.len(), self.len());
        assert_eq!(self.members.len(), self.len());
        for w in entries.windows(2) {
            let ((am, a), (bm, b)) = (&w[0], &w[1]);
            assert!(a < b || (a == b && am < bm), "order {w:?}");
        }
        for (slot, &id) in self.dense.iter().enumerate() {
            let n = &self.nodes[id as usize];
            assert_eq!(n.slot as usize, slot);
            assert_eq!(self.owner(n.block), id);
            assert_eq!(self.id_of(&n.member), Some(id));
        }
        // Backward links mirror level 0.
        let mut prev = NIL;
        let mut p = self.first();
        while let Some(pos) = p {
            assert_eq!(self.nodes[pos.0 as usize].backward, prev);
            prev = pos.0;
            p = self.next(pos);
        }
        assert_eq!(self.tail, prev);
        // Spans: walking any level must count ranks exactly; every link's score copy is
        // its forward node's score, and links only reach nodes that tall.
        for i in 0..self.level {
            let mut x = HEAD;
            let mut rank = 0;
            loop {
                let l = self.levels[x as usize + i];
                if l.forward == NIL {
                    break;
                }
                rank += step(i, &l);
                x = l.forward;
                let n = &self.nodes[self.owner(x) as usize];
                assert_eq!(n.block, x);
                assert!(n.height as usize > i);
                assert_eq!(l.score.to_bits(), n.score.to_bits(), "stale score copy");
                assert_eq!(self.rank_of(Pos(self.owner(x))) + 1, rank, "level {i}");
            }
        }
    }
}

/// Entries in order from a position; see [`SortedSetValue::iter_from`].
pub struct Iter<'a> {
    set: &'a SortedSetValue,
    /// The next entry (NIL when done): its level block going forwards, so the next
    /// block's address comes from the level pool while the node is read (the two loads
    /// overlap); its node id going backwards (the `backward` links are in the nodes).
    at: u32,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Bytes, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at == NIL {
            return None;
        }
        let id = if self.rev {
            let id = self.at;
            self.at = self.set.nodes[id as usize].backward;
            id
        } else {
            let l = self.set.levels[self.at as usize];
            self.at = l.forward;
            l.span // level 0: the owner
        };
        Some(self.set.entry(Pos(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn members(z: &SortedSetValue) -> Vec<String> {
        z.iter()
            .map(|(m, _)| String::from_utf8_lossy(m).into_owned())
            .collect()
    }

    #[test]
    fn order_is_score_then_member() {
        let mut z = SortedSetValue::new();
        assert_eq!(z.set_score(b"b", 1.0), ScoreChange::Added);
        assert_eq!(z.set_score(b"a", 1.0), ScoreChange::Added);
        assert_eq!(z.set_score(b"c", 0.5), ScoreChange::Added);
        assert_eq!(z.set_score(b"z", f64::NEG_INFINITY), ScoreChange::Added);
        assert_eq!(z.set_score(b"y", f64::INFINITY), ScoreChange::Added);
        assert_eq!(members(&z), ["z", "c", "a", "b", "y"]);
        assert_eq!(z.set_score(b"a", 1.0), ScoreChange::Unchanged);
        assert_eq!(z.set_score(b"a", 2.0), ScoreChange::Updated);
        assert_eq!(members(&z), ["z", "c", "b", "a", "y"]);
        assert_eq!(z.rank(b"a"), Some(3));
        assert_eq!(z.rank(b"nope"), None);
        assert_eq!(z.entry(z.at_rank(1).unwrap()).0, &b("c"));
        assert_eq!(z.remove(b"c"), Some(0.5));
        assert_eq!(z.remove(b"c"), None);
        z.check();
        assert_eq!(z.pop(true), Some((b("y"), f64::INFINITY)));
        assert_eq!(z.pop(false), Some((b("z"), f64::NEG_INFINITY)));
        assert_eq!(members(&z), ["b", "a"]);
    }

    #[test]
    fn negative_zero_is_zero_in_a_listpack_only() {
        let mut z = SortedSetValue::new();
        z.set_score(b"a", -0.0);
        assert!(z.score(b"a").unwrap().is_sign_positive());
        // 0 and -0 are the same score: no update.
        assert_eq!(z.set_score(b"a", -0.0), ScoreChange::Unchanged);
        z.set_score(&[b'x'; 65], -0.0);
        assert_eq!(z.encoding(), "skiplist");
        assert!(z.score(&[b'x'; 65]).unwrap().is_sign_negative());
        let built = SortedSetValue::from_distinct([(b("m"), -0.0)]);
        assert!(built.score(b"m").unwrap().is_sign_positive());
    }

    #[test]
    fn encoding_follows_redis_thresholds_and_sticks() {
        let mut z = SortedSetValue::new();
        for i in 0..128 {
            z.set_score(format!("m{i}").as_bytes(), i as f64);
        }
        assert_eq!(z.encoding(), "listpack");
        z.set_score(b"m0", 5.0); // an update adds nothing
        assert_eq!(z.encoding(), "listpack");
        z.set_score(b"one-more", 1.0);
        assert_eq!(z.encoding(), "skiplist");
        z.remove_rank_range(0, 100);
        assert_eq!(z.encoding(), "skiplist");
        z.check();
        let small = SortedSetValue::from_distinct((0..128).map(|i| (b(&i.to_string()), 1.0)));
        assert_eq!(small.encoding(), "listpack");
        let big = SortedSetValue::from_distinct((0..129).map(|i| (b(&i.to_string()), 1.0)));
        assert_eq!(big.encoding(), "skiplist");
        let long = SortedSetValue::from_distinct([(Bytes::from(vec![b'x'; 65]), 1.0)]);
        assert_eq!(long.encoding(), "skiplist");
    }

    fn range(min: f64, max: f64, minex: bool, maxex: bool) -> ScoreRange {
        ScoreRange {
            min,
            max,
            min_exclusive: minex,
            max_exclusive: maxex,
        }
    }

    #[test]
    fn score_ranges() {
        let mut z = SortedSetValue::new();
        for (m, s) in [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.0)] {
            z.set_score(m.as_bytes(), s);
        }
        let r = range(2.0, 3.0, false, true);
        assert_eq!(z.entry(z.first_in_score_range(&r).unwrap()).0, &b("b"));
        assert_eq!(z.entry(z.last_in_score_range(&r).unwrap()).0, &b("c"));
        assert_eq!(z.count_in_score_range(&r), 2);
        assert_eq!(z.count_in_score_range(&range(3.0, 2.0, false, false)), 0);
        assert_eq!(z.count_in_score_range(&range(2.0, 2.0, true, false)), 0);
        assert_eq!(
            z.count_in_score_range(&range(f64::NEG_INFINITY, f64::INFINITY, false, false)),
            4
        );
        assert_eq!(z.remove_score_range(&range(1.0, 2.0, true, false)), 2);
        assert_eq!(members(&z), ["a", "d"]);
        z.check();
    }

    #[test]
    fn lex_ranges() {
        let mut z = SortedSetValue::new();
        for m in ["a", "b", "c", "d", "e"] {
            z.set_score(m.as_bytes(), 0.0);
        }
        let r = LexRange {
            min: LexBound::Exclusive(b("a")),
            max: LexBound::Inclusive(b("c")),
        };
        assert_eq!(z.count_in_lex_range(&r), 2);
        assert_eq!(z.entry(z.last_in_lex_range(&r).unwrap()).0, &b("c"));
        let all = LexRange {
            min: LexBound::Min,
            max: LexBound::Max,
        };
        assert_eq!(z.count_in_lex_range(&all), 5);
        let none = LexRange {
            min: LexBound::Min,
            max: LexBound::Min,
        };
        assert!(none.is_empty());
        assert_eq!(z.remove_lex_range(&r), 2);
        assert_eq!(members(&z), ["a", "d", "e"]);
    }

    /// Random operations against a plain sorted vector, on both encodings.
    #[test]
    fn matches_a_model_under_random_operations() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for big in [false, true] {
            let mut z = SortedSetValue::new();
            if big {
                z.set_score(&[b'L'; 70], 0.0);
                z.remove(&[b'L'; 70]);
            }
            let mut model: Vec<(f64, Bytes)> = Vec::new();
            for step in 0..4000 {
                let m = b(&format!("m{}", rng.random_range(0..300)));
                let s = rng.random_range(-20..20) as f64 / 2.0;
                match rng.random_range(0..10) {
                    0..=5 => {
                        z.set_score(&m, s);
                        model.retain(|(_, x)| *x != m);
                        model.push((s, m));
                    }
                    6..=7 => {
                        z.remove(&m);
                        model.retain(|(_, x)| *x != m);
                    }
                    8 => {
                        let a = rng.random_range(0..50);
                        let n = z.len();
                        if a < n {
                            let e = (a + rng.random_range(0..5)).min(n - 1);
                            assert_eq!(z.remove_rank_range(a, e), e - a + 1);
                            model.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                            model.drain(a..=e);
                        }
                    }
                    _ => {
                        let r = range(s, s + 1.0, false, rng.random());
                        let expected = model
                            .iter()
                            .filter(|(x, _)| r.gte_min(*x) && r.lte_max(*x))
                            .count();
                        assert_eq!(z.count_in_score_range(&r), expected);
                        assert_eq!(z.remove_score_range(&r), expected);
                        model.retain(|(x, _)| !(r.gte_min(*x) && r.lte_max(*x)));
                    }
                }
                model.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
                let got: Vec<(f64, Bytes)> = z.iter().map(|(m, s)| (s, m.clone())).collect();
                assert_eq!(got, model, "step {step}");
                if step % 97 == 0 {
                    z.check();
                    for (i, (_, m)) in model.iter().enumerate() {
                        assert_eq!(z.rank(m), Some(i));
                        assert_eq!(z.entry(z.at_rank(i).unwrap()).0, m);
                    }
                }
            }
        }
    }

    /// A big set (skiplist encoding) with many score ties, score moves both in place and
    /// across the order, deletions of every kind, rank queries and range walks, against a
    /// sorted vector.
    #[test]
    fn big_set_matches_a_model_with_ties_and_moves() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut z = SortedSetValue::new();
        let mut model: Vec<(f64, Bytes)> = Vec::new();
        let sort = |m: &mut Vec<(f64, Bytes)>| {
            m.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        };
        let find = |m: &Vec<(f64, Bytes)>, k: &Bytes| m.iter().position(|(_, x)| x == k);
        for step in 0..30_000 {
            let m = b(&format!("m{}", rng.random_range(0..6000)));
            // Few distinct scores: long runs of ties ordered by member.
            let s = rng.random_range(0..40) as f64;
            match rng.random_range(0..20) {
                0..=8 => {
                    let expected = match find(&model, &m) {
                        Some(i) if model[i].0 == s => ScoreChange::Unchanged,
                        Some(i) => {
                            model.remove(i);
                            model.push((s, m.clone()));
                            ScoreChange::Updated
                        }
                        None => {
                            model.push((s, m.clone()));
                            ScoreChange::Added
                        }
                    };
                    assert_eq!(z.set_score(&m, s), expected);
                }
                9..=10 => {
                    // ZINCRBY by a tiny amount: usually stays in place.
                    if let Some(i) = find(&model, &m) {
                        let new = model[i].0 + 1.0 / 1024.0;
                        model[i].0 = new;
                        assert_eq!(z.set_score(&m, new), ScoreChange::Updated);
                    }
                }
                11..=13 => {
                    let expected = find(&model, &m).map(|i| model.remove(i).0);
                    assert_eq!(z.remove(&m), expected);
                }
                14 => {
                    let n = z.len();
                    if n > 0 {
                        let a = rng.random_range(0..n);
                        let e = (a + rng.random_range(0..20)).min(n - 1);
                        assert_eq!(z.remove_rank_range(a, e), e - a + 1);
                        model.drain(a..=e);
                    }
                }
                15 => {
                    let r = range(s, s + 0.5, rng.random(), rng.random());
                    let inside = |x: f64| r.gte_min(x) && r.lte_max(x);
                    let expected = model.iter().filter(|(x, _)| inside(*x)).count();
                    assert_eq!(z.remove_score_range(&r), expected);
                    model.retain(|(x, _)| !inside(*x));
                }
                16..=17 => {
                    // Ranks both ways, and a page of 10 from a rank, forwards and backwards.
                    if !model.is_empty() {
                        let i = rng.random_range(0..model.len());
                        assert_eq!(z.rank(&model[i].1), Some(i));
                        let pos = z.at_rank(i).unwrap();
                        assert_eq!(z.rank_of(pos), i);
                        let page: Vec<(f64, Bytes)> = z
                            .iter_from(Some(pos), false)
                            .take(10)
                            .map(|(m, s)| (s, m.clone()))
                            .collect();
                        assert_eq!(page[..], model[i..(i + 10).min(model.len())]);
                        let back: Vec<Bytes> = z
                            .iter_from(Some(pos), true)
                            .take(10)
                            .map(|(m, _)| m.clone())
                            .collect();
                        let want: Vec<Bytes> = model[..=i]
                            .iter()
                            .rev()
                            .take(10)
                            .map(|(_, m)| m.clone())
                            .collect();
                        assert_eq!(back, want);
                    }
                    assert_eq!(z.at_rank(model.len()), None);
                }
                _ => {
                    let r = range(
                        s,
                        s + rng.random_range(0..3) as f64,
                        rng.random(),
                        rng.random(),
                    );
                    let inside: Vec<&(f64, Bytes)> = model
                        .iter()
                        .filter(|(x, _)| r.gte_min(*x) && r.lte_max(*x))
                        .collect();
                    assert_eq!(z.count_in_score_range(&r), inside.len());
                    let first = z.first_in_score_range(&r).map(|p| z.entry(p).0.clone());
                    let last = z.last_in_score_range(&r).map(|p| z.entry(p).0.clone());
                    assert_eq!(first.as_ref(), inside.first().map(|(_, m)| m));
                    assert_eq!(last.as_ref(), inside.last().map(|(_, m)| m));
                }
            }
            sort(&mut model);
            assert_eq!(z.len(), model.len(), "step {step}");
            if step % 2999 == 0 {
                assert!(z.is_large() || model.len() <= 128);
                z.check();
                let got: Vec<(f64, Bytes)> = z.iter().map(|(m, s)| (s, m.clone())).collect();
                assert_eq!(got, model, "step {step}");
            }
        }
        z.check();
    }

    /// An in-place score change (the order is unchanged) must refresh the score copies the
    /// links into the node hold, or walks by score skip or stop at the wrong node.
    #[test]
    fn in_place_score_changes_refresh_the_copies_in_links() {
        let mut z = SortedSetValue::new();
        for i in 0..1000 {
            z.set_score(format!("m{i:04}").as_bytes(), (i * 10) as f64);
        }
        for i in (1..999).step_by(7) {
            let m = format!("m{i:04}");
            // Within its neighbours' scores: updated in place, both ways.
            let up = (i * 10 + 4) as f64;
            assert_eq!(z.set_score(m.as_bytes(), up), ScoreChange::Updated);
            let r = range(up, up, false, false);
            assert_eq!(z.entry(z.first_in_score_range(&r).unwrap()).0, m.as_bytes());
            assert_eq!(z.count_in_score_range(&r), 1);
            let down = (i * 10 - 4) as f64;
            z.set_score(m.as_bytes(), down);
            let r = range(down - 1.0, down, true, false);
            assert_eq!(z.entry(z.last_in_score_range(&r).unwrap()).0, m.as_bytes());
            assert_eq!(z.rank(m.as_bytes()), Some(i));
        }
        z.check();
        // Removing a node hands its successor's score copy to its predecessors.
        for i in (0..1000).step_by(3) {
            z.remove(format!("m{i:04}").as_bytes());
        }
        z.check();
    }

    fn build_large(n: usize) -> SortedSetValue {
        let mut z = SortedSetValue::new();
        // Scores repeat every 1000 members so ties are ordered by member.
        for i in 0..n {
            z.set_score(format!("member:{i:07}").as_bytes(), (i % 1000) as f64);
        }
        z
    }

    fn check_large(z: &SortedSetValue, n: usize) {
        let per_score = n / 1000;
        assert_eq!(z.len(), n);
        // Rank of member i: all members with a lower score, then ties by member bytes.
        for i in [0, 1, 999, 1000, n / 2 + 17, n - 1] {
            let member = format!("member:{i:07}");
            let expected = (i % 1000) * per_score + i / 1000;
            assert_eq!(z.rank(member.as_bytes()), Some(expected), "{member}");
            assert_eq!(z.entry(z.at_rank(expected).unwrap()).0, member.as_bytes());
        }
        let r = range(10.0, 20.0, false, true);
        assert_eq!(z.count_in_score_range(&r), 10 * per_score);
        let first = z.first_in_score_range(&r).unwrap();
        assert_eq!(z.rank_of(first), 10 * per_score);
        let page: Vec<_> = z.iter_from(Some(first), false).take(3).collect();
        assert_eq!(page[0].0, "member:0000010".as_bytes());
        assert_eq!(page[1].0, "member:0001010".as_bytes());
    }

    #[test]
    fn hundred_thousand_members() {
        let mut z = build_large(100_000);
        check_large(&z, 100_000);
        assert_eq!(z.remove_rank_range(0, 99), 100);
        assert_eq!(z.len(), 99_900);
        // The 100 members scored 0 are gone; the first one scored 1 leads.
        assert_eq!(z.rank(b"member:0000001"), Some(0));
    }

    #[test]
    #[ignore = "slow in debug builds; run with --ignored"]
    fn million_members() {
        let z = build_large(1_000_000);
        check_large(&z, 1_000_000);
    }
}
