//! SORT and SORT_RO: the elements of a list, set or sorted set, sorted (or not) and
//! optionally replaced by values of other keys, as Redis 7.0's `sort.c` does.
//!
//! `SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC]
//! [ALPHA] [STORE destination]` (SORT_RO: the same without STORE):
//! - the elements are compared as numbers (each parsed like C's `strtod`, ties broken by
//!   comparing the elements' bytes), or with `ALPHA` as strings (C's `strcmp`, up to a NUL
//!   byte, as `strcoll` in the C locale; byte order with `STORE`);
//! - `BY pattern` compares the values found by replacing the pattern's first `*` with the
//!   element: a string key, or a hash field with `key->field`. A missing value counts as 0
//!   (as the lowest with ALPHA). A pattern without `*` means "do not sort": a list or
//!   sorted set keeps its order (reversed by DESC), a set its own order (sorted ALPHA when
//!   stored or run by a script, so replicas and the AOF agree);
//! - `GET pattern` replies the values found the same way instead of the elements (`#` is
//!   the element itself; missing values are nil, or empty strings when stored);
//! - `LIMIT offset count` clamps as Redis does (a negative count means all).
//!
//! Replies: an array of bulk strings / nils; with STORE, the number of elements stored
//! in the list at `destination` (an empty result deletes it). Errors: `WRONGTYPE` for a
//! key that is not a list, set or sorted set (after the options are checked), syntax
//! errors, `value is not an integer or out of range` for LIMIT, `One or more scores can't
//! be converted into double`, and `BY option of SORT denied due to insufficient ACL
//! permissions.` / `GET option ...` when the user may not read every key. Events:
//! `sortstore` on the destination (or `del` when an empty result deleted it).
//!
//! Keys found through patterns are not known before the options are read, so SORT locks
//! its whole database for reading when a pattern may look keys up ([`plan_sort`]).

use std::cmp::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::args::{self, c_str, opt};
use super::{Command, Ctx, Locks, Reply, lookup};
use crate::error::{Error, Result};
use crate::store::{Access, Entry, Event, ListValue, LockPlan, Txn, Value};

pub static COMMANDS: &[Command] = &[
    Command::new("sort", sort).locks(Locks::Custom(plan_sort)),
    Command::new("sort_ro", sort_ro).locks(Locks::Custom(plan_sort)),
];

/// The options of one SORT, as parsed (Redis's order of checks).
#[derive(Debug, Default)]
struct SortOptions<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// Set by any constant BY pattern and never cleared (as in Redis: `BY x BY w_*` does
    /// not sort).
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

fn has_star(pattern: &[u8]) -> bool {
    c_str(pattern).contains(&b'*')
}

impl<'a> SortOptions<'a> {
    /// Parses `argv[2..]`. `may_read_any_key` answers whether the user may read every key
    /// (asked only when a BY pattern or a GET needs it, at that point of the parse).
    fn parse(
        argv: &'a [Bytes],
        readonly: bool,
        may_read_any_key: &dyn Fn() -> bool,
    ) -> Result<SortOptions<'a>> {
        let mut o = SortOptions {
            limit_count: -1,
            ..SortOptions::default()
        };
        let mut j = 2;
        while j < argv.len() {
            let left = argv.len() - j - 1;
            let word = &argv[j][..];
            if opt(word, "ASC") {
                o.desc = false;
            } else if opt(word, "DESC") {
                o.desc = true;
            } else if opt(word, "ALPHA") {
                o.alpha = true;
            } else if opt(word, "LIMIT") && left >= 2 {
                o.limit_start = args::int(&argv[j + 1])?;
                o.limit_count = args::int(&argv[j + 2])?;
                j += 2;
            } else if !readonly && opt(word, "STORE") && left >= 1 {
                o.store = Some(&argv[j + 1]);
                j += 1;
            } else if opt(word, "BY") && left >= 1 {
                let pattern = &argv[j + 1][..];
                o.by = Some(pattern);
                if !has_star(pattern) {
                    o.dont_sort = true;
                } else if !may_read_any_key() {
                    return Err(Error::err(
                        "BY option of SORT denied due to insufficient ACL permissions.",
                    ));
                }
                j += 1;
            } else if opt(word, "GET") && left >= 1 {
                if !may_read_any_key() {
                    return Err(Error::err(
                        "GET option of SORT denied due to insufficient ACL permissions.",
                    ));
                }
                o.gets.push(&argv[j + 1]);
                j += 1;
            } else {
                return Err(Error::Syntax);
            }
            j += 1;
        }
        Ok(o)
    }

    /// Whether running it may read keys other than the sorted one.
    fn reads_other_keys(&self) -> bool {
        (!self.dont_sort && self.by.is_some_and(has_star)) || self.gets.iter().any(|g| has_star(g))
    }
}

/// What SORT locks: the sorted key (read), the STORE destination (written), and the whole
/// database (read) when a BY or GET pattern may name any key. Options that do not parse
/// lock only the sorted key: the command then fails before reading anything.
fn plan_sort(_ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    plan.key(db, &argv[1], Access::Read);
    let readonly = argv[0].eq_ignore_ascii_case(b"sort_ro");
    if let Ok(options) = SortOptions::parse(argv, readonly, &|| true) {
        if options.reads_other_keys() {
            plan.db(db, Access::Read);
        }
        if let Some(store) = options.store {
            plan.key(db, store, Access::Write);
        }
    }
}

/// SORT's keys as Redis's `sortGetKeys` finds them for ACL checks and `COMMAND GETKEYS`
/// (its key specs cannot be followed): the sorted key, then the last STORE destination,
/// each with its key-spec flags.
pub fn sort_keys(words: &[Bytes]) -> Vec<(usize, &'static [&'static str])> {
    let mut keys: Vec<(usize, &'static [&'static str])> = vec![(1, &["RO", "access"])];
    let mut store = None;
    let mut i = 2;
    while i < words.len() {
        let word = c_str(&words[i]);
        if word.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if word.eq_ignore_ascii_case(b"get") || word.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if word.eq_ignore_ascii_case(b"store") && i + 1 < words.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(pos) = store {
        keys.push((pos, &["OW", "update"]));
    }
    keys
}

/// One element being sorted: the element, and what it is compared by.
struct Item {
    element: Bytes,
    score: f64,
    /// The BY value compared with ALPHA (None: the pattern found nothing).
    by_value: Option<Bytes>,
}

impl Item {
    fn new(element: Bytes) -> Item {
        Item {
            element,
            score: 0.0,
            by_value: None,
        }
    }
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the pattern's first
/// `*` is replaced by the element and the key read as a string, or with `->field` after
/// the `*` as a hash's field. None when the pattern has no `*` or nothing is found.
fn lookup_by_pattern(txn: &Txn<'_>, db: usize, pattern: &[u8], element: &Bytes) -> Option<Bytes> {
    if pattern.first() == Some(&b'#') && pattern.get(1).is_none_or(|&b| b == 0) {
        return Some(element.clone());
    }
    let c_pattern = c_str(pattern);
    let star = c_pattern.iter().position(|&b| b == b'*')?;
    // `key*->field`: the arrow must follow the star and have something after it.
    let arrow = c_pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&i| i + 2 < c_pattern.len());
    let (suffix, field) = match arrow {
        Some(i) => (&pattern[star + 1..i], Some(&pattern[i + 2..])),
        None => (&pattern[star + 1..], None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(suffix);
    let entry = txn.get(db, &key)?;
    match (entry.value(), field) {
        (Value::Hash(hash), Some(field)) => hash.read().get(field).cloned(),
        (Value::String(s), None) => Some(s.to_bytes()),
        _ => None,
    }
}

/// A sort weight as SORT reads it with C's `strtod`: leading white space allowed, nothing
/// after the number (the string ends at a NUL byte), no NaN, no overflow or underflow. An
/// empty string is 0.
fn sort_weight(s: &[u8]) -> Option<f64> {
    let s = c_str(s);
    if s.is_empty() {
        return Some(0.0);
    }
    let start = s
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))?;
    crate::store::numeric::parse_f64(&s[start..])
}

/// The comparison of two items (before DESC reverses it).
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, storing: bool) -> Ordering {
    // ALPHA compares with strcoll (the C locale: strcmp) when replying, by bytes when
    // storing (Redis keeps stored results independent of the locale).
    let strings = |x: &[u8], y: &[u8]| {
        if storing {
            x.cmp(y)
        } else {
            c_str(x).cmp(c_str(y))
        }
    };
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element));
    }
    if by_pattern {
        return match (&a.by_value, &b.by_value) {
            (Some(x), Some(y)) => strings(x, y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        };
    }
    strings(&a.element, &b.element)
}

fn sort(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    sort_generic(ctx, argv, false)
}

fn sort_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    sort_generic(ctx, argv, true)
}

/// Whether the client's user may read every key with this command (Redis's
/// `ACLUserCheckCmdWithUnrestrictedKeyAccess`).
fn may_read_any_key(ctx: &Ctx<'_>, argv: &[Bytes]) -> bool {
    let Some(user) = ctx.session.client.user().filter(|u| !u.unrestricted()) else {
        return true;
    };
    let Some(route) = lookup(&argv[0]) else {
        return true;
    };
    user.rules()
        .unrestricted_key_access(route, argv, crate::acl::rules::READ)
}

/// What SORT reads from the sorted key.
enum Source {
    List(Arc<RwLock<ListValue>>),
    Set(Arc<RwLock<crate::store::SetValue>>),
    SortedSet(Arc<RwLock<crate::store::SortedSetValue>>),
    Missing,
}

fn source(entry: Option<&Entry>) -> Result<Source> {
    Ok(match entry.map(|e| e.value()) {
        None => Source::Missing,
        Some(Value::List(l)) => Source::List(l.clone()),
        Some(Value::Set(s)) => Source::Set(s.clone()),
        Some(Value::SortedSet(z)) => Source::SortedSet(z.clone()),
        Some(_) => return Err(Error::WrongType),
    })
}

fn sort_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], readonly: bool) -> Result<Reply> {
    let full_access = std::cell::OnceCell::new();
    let mut o = SortOptions::parse(argv, readonly, &|| {
        *full_access.get_or_init(|| may_read_any_key(ctx, argv))
    })?;
    let db = ctx.db();
    let txn = ctx.txn();
    let source = source(txn.get(db, &argv[1]))?;

    // An unsorted set would come out in an order replicas need not share: stored or
    // scripted results are sorted ALPHA instead.
    if o.dont_sort
        && matches!(source, Source::Set(_))
        && (o.store.is_some() || ctx.session.in_script)
    {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }

    let len = match &source {
        Source::List(l) => l.read().len(),
        Source::Set(s) => s.read().len(),
        Source::SortedSet(z) => z.read().len(),
        Source::Missing => 0,
    } as i64;
    // LIMIT clamped exactly as Redis clamps it (an empty range comes out as end < start).
    let mut start = o.limit_start.clamp(0, len);
    let count = o.limit_count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);

    // Unsorted lists and sorted sets load only the range they reply, in their own order.
    let ranged =
        o.dont_sort && matches!(source, Source::List(_) | Source::SortedSet(_)) && end >= start;
    let mut items: Vec<Item> = Vec::new();
    match &source {
        Source::List(l) if ranged => {
            let list = l.read();
            let (from, to) = (start as usize, end as usize);
            let n = list.len();
            let mut elements: Vec<Bytes> = if o.desc {
                list.range((n - 1 - to) as i64, (n - 1 - from) as i64)
                    .cloned()
                    .collect()
            } else {
                list.range(from as i64, to as i64).cloned().collect()
            };
            if o.desc {
                elements.reverse();
            }
            items.extend(elements.into_iter().map(Item::new));
        }
        Source::SortedSet(z) if ranged => {
            let zset = z.read();
            let n = zset.len();
            let first_rank = if o.desc {
                n - 1 - start as usize
            } else {
                start as usize
            };
            let from = zset.at_rank(first_rank);
            let take = (end - start + 1) as usize;
            items.extend(
                zset.iter_from(from, o.desc)
                    .take(take)
                    .map(|(m, _)| Item::new(m.clone())),
            );
        }
        Source::List(l) => items.extend(l.read().range(0, -1).cloned().map(Item::new)),
        Source::Set(s) => items.extend(s.read().ordered().into_iter().cloned().map(Item::new)),
        Source::SortedSet(z) => items.extend(z.read().iter().map(|(m, _)| Item::new(m.clone()))),
        Source::Missing => {}
    }
    if ranged {
        end -= start;
        start = 0;
    } else if o.dont_sort && matches!(source, Source::List(_) | Source::SortedSet(_)) {
        // An empty range of an unsorted list or sorted set loads nothing.
        items.clear();
        end -= start;
        start = 0;
    }

    let mut conversion_error = false;
    if !o.dont_sort {
        for item in &mut items {
            let weight = match o.by {
                Some(pattern) => match lookup_by_pattern(txn, db, pattern, &item.element) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    item.by_value = Some(weight);
                }
            } else {
                match sort_weight(&weight) {
                    Some(score) => item.score = score,
                    None => conversion_error = true,
                }
            }
        }
        if !conversion_error {
            let (alpha, by, storing, desc) = (o.alpha, o.by.is_some(), o.store.is_some(), o.desc);
            // A stable sort: glibc's qsort, which Redis uses, is a merge sort.
            items.sort_by(|a, b| {
                let order = compare(a, b, alpha, by, storing);
                if desc { order.reverse() } else { order }
            });
        }
    }

    let gets = o.gets.len() as i64;
    let output_len = if gets > 0 {
        gets * (end - start + 1)
    } else {
        end - start + 1
    };
    if conversion_error {
        return Err(Error::err(
            "One or more scores can't be converted into double",
        ));
    }
    let selected = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[][..]
    };
    let Some(store) = o.store else {
        let mut out = Vec::with_capacity(output_len.max(0) as usize);
        for item in selected {
            if o.gets.is_empty() {
                out.push(Reply::Bulk(item.element.clone()));
            }
            for pattern in &o.gets {
                out.push(match lookup_by_pattern(txn, db, pattern, &item.element) {
                    Some(v) => Reply::Bulk(v),
                    None => Reply::Null,
                });
            }
        }
        return Ok(Reply::Array(out));
    };
    let mut list = ListValue::default();
    for item in selected {
        if o.gets.is_empty() {
            list.push(crate::store::End::Right, item.element.clone());
        }
        for pattern in &o.gets {
            let value = lookup_by_pattern(txn, db, pattern, &item.element).unwrap_or_default();
            list.push(crate::store::End::Right, value);
        }
    }
    if output_len > 0 {
        let value = Value::List(Arc::new(RwLock::new(list)));
        txn.set_key(db, store, value, Event::SortStore);
    } else if txn.get_for_write(db, store).is_some() {
        txn.remove(db, store, Event::Del);
    }
    Ok(Reply::Integer(output_len))
}

#[cfg(test)]
#[path = "sort_tests.rs"]
mod tests;
