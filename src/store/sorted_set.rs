//! The sorted set: a member -> node map plus an indexable skiplist ordered by (score,
//! member bytes), so insert, delete, rank and the start of any range (by rank, score or
//! lex) are O(log n), like Redis's `zset` (dict + `zskiplist` with span counts).
//!
//! # Layout
//! The skiplist lives in an arena (`nodes`, indexes instead of pointers); node 0 is the
//! header. Each level link carries a `span`: how many bottom-level steps it jumps, which
//! is what turns the list into an order-statistics index (rank = sum of spans walked).
//! A node keeps its arena index for the member's whole life (a score change unlinks and
//! relinks the same node), so the member map never needs updating on ZINCRBY.
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
use std::collections::HashMap;

use bytes::Bytes;

// Redis 7.0's `zset-max-listpack-entries` (128) and `zset-max-listpack-value` (64).
use super::encoding::limits;

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
const HEAD: u32 = 0;

#[derive(Debug, Clone, Copy)]
struct Level {
    forward: u32,
    /// Bottom-level steps from this node to `forward` (to the end of the list for NIL).
    span: usize,
}

#[derive(Debug, Clone)]
struct Node {
    member: Bytes,
    score: f64,
    backward: u32,
    /// Position in `dense`.
    slot: u32,
    levels: Box<[Level]>,
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
    free: Vec<u32>,
    members: HashMap<Bytes, u32, foldhash::fast::RandomState>,
    dense: Vec<u32>,
    tail: u32,
    level: usize,
    large: bool,
}

impl Default for SortedSetValue {
    fn default() -> Self {
        SortedSetValue {
            nodes: vec![Node {
                member: Bytes::new(),
                score: 0.0,
                backward: NIL,
                slot: NIL,
                levels: vec![
                    Level {
                        forward: NIL,
                        span: 0
                    };
                    MAX_LEVEL
                ]
                .into_boxed_slice(),
            }],
            free: Vec::new(),
            members: HashMap::default(),
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

impl SortedSetValue {
    /// Roughly the heap bytes the sorted set holds (for eviction's accounting).
    pub fn footprint(&self) -> usize {
        self.footprint_sampled(usize::MAX)
    }

    /// [`SortedSetValue::footprint`] measured on the first `samples` nodes.
    pub fn footprint_sampled(&self, samples: usize) -> usize {
        let nodes = self.nodes.capacity() * std::mem::size_of::<Node>()
            + (self.free.capacity() + self.dense.capacity()) * 4;
        let index = self.members.capacity() * (std::mem::size_of::<Bytes>() + 8);
        let members = super::value::sampled_size(self.nodes.iter(), samples, |n| {
            n.member.len() + n.levels.len() * std::mem::size_of::<Level>() + 16
        });
        nodes + index + members + self.members.len() * super::value::BYTES_HEAP
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
        set.members.reserve(entries.len());
        for (member, score) in entries {
            let score = set.storable(score);
            set.insert_new(member, score);
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
        self.members
            .get(member)
            .map(|&id| self.nodes[id as usize].score)
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        self.members.contains_key(member)
    }

    /// Sets `member`'s score, adding it when absent. A new member may switch the set to
    /// the skiplist encoding, as Redis's `zsetAdd` does before inserting.
    pub fn set_score(&mut self, member: &[u8], score: f64) -> ScoreChange {
        debug_assert!(!score.is_nan());
        if let Some(&id) = self.members.get(member) {
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
        self.insert_new(Bytes::copy_from_slice(member), score);
        ScoreChange::Added
    }

    /// Removes `member`; its score when it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let id = *self.members.get(member)?;
        let score = self.nodes[id as usize].score;
        let update = self.path_to(score, member);
        self.unlink(id, &update);
        self.release(id);
        Some(score)
    }

    /// 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let &id = self.members.get(member)?;
        Some(self.rank_of(Pos(id)))
    }

    /// 0-based ascending rank of a position.
    pub fn rank_of(&self, pos: Pos) -> usize {
        let target = &self.nodes[pos.0 as usize];
        let (score, member) = (target.score, &target.member[..]);
        let mut rank = 0;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.nodes[x as usize].levels[i];
                if l.forward == NIL {
                    break;
                }
                let f = &self.nodes[l.forward as usize];
                if f.score < score || (f.score == score && f.member[..] <= *member) {
                    rank += l.span;
                    x = l.forward;
                } else {
                    break;
                }
            }
            if x == pos.0 {
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
                let l = self.nodes[x as usize].levels[i];
                if l.forward != NIL && traversed + l.span <= target {
                    traversed += l.span;
                    x = l.forward;
                } else {
                    break;
                }
            }
            if traversed == target {
                return Some(Pos(x));
            }
        }
        None
    }

    pub fn first(&self) -> Option<Pos> {
        let f = self.nodes[HEAD as usize].levels[0].forward;
        (f != NIL).then_some(Pos(f))
    }

    pub fn last(&self) -> Option<Pos> {
        (self.tail != NIL).then_some(Pos(self.tail))
    }

    pub fn next(&self, pos: Pos) -> Option<Pos> {
        let f = self.nodes[pos.0 as usize].levels[0].forward;
        (f != NIL).then_some(Pos(f))
    }

    pub fn prev(&self, pos: Pos) -> Option<Pos> {
        let b = self.nodes[pos.0 as usize].backward;
        (b != NIL).then_some(Pos(b))
    }

    /// Entries from `start` onwards (towards lower scores when `rev`).
    pub fn iter_from(&self, start: Option<Pos>, rev: bool) -> Iter<'_> {
        Iter {
            set: self,
            at: start,
            rev,
        }
    }

    /// Every entry in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(self.first(), false)
    }

    // ---- score ranges -------------------------------------------------------------------

    /// Redis's `zslIsInRange`: whether any member may fall in `range`.
    fn may_hold_scores(&self, range: &ScoreRange) -> bool {
        if range.is_empty() || self.tail == NIL {
            return false;
        }
        let head = self.nodes[HEAD as usize].levels[0].forward;
        range.gte_min(self.nodes[self.tail as usize].score)
            && range.lte_max(self.nodes[head as usize].score)
    }

    /// The lowest member with a score in `range`.
    pub fn first_in_score_range(&self, range: &ScoreRange) -> Option<Pos> {
        if !self.may_hold_scores(range) {
            return None;
        }
        let x = self.descend(|n| !range.gte_min(n.score));
        let f = self.nodes[x as usize].levels[0].forward;
        (f != NIL && range.lte_max(self.nodes[f as usize].score)).then_some(Pos(f))
    }

    /// The highest member with a score in `range`.
    pub fn last_in_score_range(&self, range: &ScoreRange) -> Option<Pos> {
        if !self.may_hold_scores(range) {
            return None;
        }
        let x = self.descend(|n| range.lte_max(n.score));
        (x != HEAD && range.gte_min(self.nodes[x as usize].score)).then_some(Pos(x))
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
        let head = self.nodes[HEAD as usize].levels[0].forward;
        range.gte_min(&self.nodes[self.tail as usize].member)
            && range.lte_max(&self.nodes[head as usize].member)
    }

    /// The first member in `range`: a skiplist search, or the listpack's linear scan for
    /// small sets (identical when all scores are equal, the only case Redis defines).
    pub fn first_in_lex_range(&self, range: &LexRange) -> Option<Pos> {
        if !self.may_hold_lex(range) {
            return None;
        }
        let found = if self.large {
            let x = self.descend(|n| !range.gte_min(&n.member));
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
            let x = self.descend(|n| range.lte_max(&n.member));
            (x != HEAD).then_some(Pos(x))
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
                let l = self.nodes[x as usize].levels[i];
                if l.forward != NIL && traversed + l.span < start + 1 {
                    traversed += l.span;
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        traversed += 1;
        let mut x = self.nodes[x as usize].levels[0].forward;
        let mut removed = 0;
        while x != NIL && traversed <= end + 1 {
            let next = self.nodes[x as usize].levels[0].forward;
            self.unlink(x, &update);
            self.release(x);
            removed += 1;
            traversed += 1;
            x = next;
        }
        removed
    }

    /// Removes the members with a score in `range`; how many.
    pub fn remove_score_range(&mut self, range: &ScoreRange) -> usize {
        if !self.large && self.first_in_score_range(range).is_none() {
            return 0;
        }
        self.remove_run(|n| !range.gte_min(n.score), |n| range.lte_max(n.score))
    }

    /// Removes the members in `range`; how many. Small sets start where the listpack
    /// would (its linear first-in-range); big ones where Redis's skiplist walk does.
    pub fn remove_lex_range(&mut self, range: &LexRange) -> usize {
        if self.large {
            return self.remove_run(|n| !range.gte_min(&n.member), |n| range.lte_max(&n.member));
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

    fn next_of(&self, x: u32) -> Option<Pos> {
        let f = self.nodes[x as usize].levels[0].forward;
        (f != NIL).then_some(Pos(f))
    }

    fn iter_positions(&self, start: Option<Pos>, rev: bool) -> impl Iterator<Item = Pos> + '_ {
        std::iter::successors(
            start,
            move |&p| if rev { self.prev(p) } else { self.next(p) },
        )
    }

    /// Walks down from the header, advancing at each level while `before` holds for the
    /// next node; the last node passed (the header if none).
    fn descend(&self, before: impl Fn(&Node) -> bool) -> u32 {
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.nodes[x as usize].levels[i].forward;
                if f != NIL && before(&self.nodes[f as usize]) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        x
    }

    /// The rightmost node before (score, member) on every level.
    fn path_to(&self, score: f64, member: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.nodes[x as usize].levels[i].forward;
                if f == NIL {
                    break;
                }
                let n = &self.nodes[f as usize];
                if n.score < score || (n.score == score && n.member[..] < *member) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// Removes the run of nodes that starts after the last node matching `before` and
    /// continues while `inside` holds (Redis's `zslDeleteRangeBy*`).
    fn remove_run(
        &mut self,
        before: impl Fn(&Node) -> bool,
        inside: impl Fn(&Node) -> bool,
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.nodes[x as usize].levels[i].forward;
                if f != NIL && before(&self.nodes[f as usize]) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let mut x = self.nodes[x as usize].levels[0].forward;
        let mut removed = 0;
        while x != NIL && inside(&self.nodes[x as usize]) {
            let next = self.nodes[x as usize].levels[0].forward;
            self.unlink(x, &update);
            self.release(x);
            removed += 1;
            x = next;
        }
        removed
    }

    fn insert_new(&mut self, member: Bytes, score: f64) {
        let level = random_level();
        let slot = self.dense.len() as u32;
        let node = Node {
            member: member.clone(),
            score,
            backward: NIL,
            slot,
            levels: vec![
                Level {
                    forward: NIL,
                    span: 0
                };
                level
            ]
            .into_boxed_slice(),
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.dense.push(id);
        self.members.insert(member, id);
        self.link(id);
    }

    /// Links node `id` (unlinked, with its levels) at its place in the order.
    fn link(&mut self, id: u32) {
        let (score, member) = {
            let n = &self.nodes[id as usize];
            (n.score, n.member.clone())
        };
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0usize; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let l = self.nodes[x as usize].levels[i];
                if l.forward == NIL {
                    break;
                }
                let n = &self.nodes[l.forward as usize];
                if n.score < score || (n.score == score && n.member[..] < member[..]) {
                    rank[i] += l.span;
                    x = l.forward;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = self.nodes[id as usize].levels.len();
        let len_before = self.len() - 1; // `dense` already counts this node
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.nodes[HEAD as usize].levels[i].span = len_before;
            }
            self.level = level;
        }
        for i in 0..level {
            let u = update[i] as usize;
            let ul = self.nodes[u].levels[i];
            self.nodes[id as usize].levels[i] = Level {
                forward: ul.forward,
                span: ul.span - (rank[0] - rank[i]),
            };
            self.nodes[u].levels[i] = Level {
                forward: id,
                span: rank[0] - rank[i] + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.nodes[u as usize].levels[i].span += 1;
        }
        let backward = if update[0] == HEAD { NIL } else { update[0] };
        self.nodes[id as usize].backward = backward;
        let f = self.nodes[id as usize].levels[0].forward;
        if f != NIL {
            self.nodes[f as usize].backward = id;
        } else {
            self.tail = id;
        }
    }

    /// Unlinks node `id`, `update` being the path to it (Redis's `zslDeleteNode`). The
    /// node stays allocated.
    fn unlink(&mut self, id: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            let u = u as usize;
            if self.nodes[u].levels[i].forward == id {
                let xl = self.nodes[id as usize].levels[i];
                let ul = &mut self.nodes[u].levels[i];
                ul.span = ul.span + xl.span - 1;
                ul.forward = xl.forward;
            } else {
                self.nodes[u].levels[i].span -= 1;
            }
        }
        let (forward, backward) = {
            let n = &self.nodes[id as usize];
            (n.levels[0].forward, n.backward)
        };
        if forward != NIL {
            self.nodes[forward as usize].backward = backward;
        } else {
            self.tail = backward;
        }
        while self.level > 1 && self.nodes[HEAD as usize].levels[self.level - 1].forward == NIL {
            self.level -= 1;
        }
    }

    /// Forgets an unlinked node: member map, dense slot, arena.
    fn release(&mut self, id: u32) {
        let node = &mut self.nodes[id as usize];
        let member = std::mem::take(&mut node.member);
        let slot = node.slot as usize;
        node.levels = Box::new([]);
        self.members.remove(&member);
        self.dense.swap_remove(slot);
        if let Some(&moved) = self.dense.get(slot) {
            self.nodes[moved as usize].slot = slot as u32;
        }
        self.free.push(id);
    }

    /// Redis's `zslUpdateScore`: in place when the order allows, else unlink and relink.
    fn update_score(&mut self, id: u32, score: f64) {
        let (backward, forward) = {
            let n = &self.nodes[id as usize];
            (n.backward, n.levels[0].forward)
        };
        let fits_before = backward == NIL || self.nodes[backward as usize].score < score;
        let fits_after = forward == NIL || self.nodes[forward as usize].score > score;
        if fits_before && fits_after {
            self.nodes[id as usize].score = score;
            return;
        }
        let (old, member) = {
            let n = &self.nodes[id as usize];
            (n.score, n.member.clone())
        };
        let update = self.path_to(old, &member);
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
            assert_eq!(self.nodes[id as usize].slot as usize, slot);
        }
        // Spans: walking any level must count ranks exactly.
        for i in 0..self.level {
            let mut x = HEAD;
            let mut rank = 0;
            loop {
                let l = self.nodes[x as usize].levels[i];
                if l.forward == NIL {
                    break;
                }
                rank += l.span;
                x = l.forward;
                assert_eq!(self.rank_of(Pos(x)) + 1, rank, "level {i}");
            }
        }
    }
}

/// Entries in order from a position; see [`SortedSetValue::iter_from`].
pub struct Iter<'a> {
    set: &'a SortedSetValue,
    at: Option<Pos>,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Bytes, f64);

    fn next(&mut self) -> Option<Self::Item> {
        let pos = self.at?;
        self.at = if self.rev {
            self.set.prev(pos)
        } else {
            self.set.next(pos)
        };
        Some(self.set.entry(pos))
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
