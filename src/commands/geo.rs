//! The geo family, as Redis 7.0 answers it: positions kept as sorted-set scores (see
//! [`crate::store::geohash`] for the encoding and the search geometry).
//!
//! A geo set is an ordinary sorted set, so every ZSET command works on it and GEO* work
//! on any sorted set (a score that GEOADD did not make still decodes to some position,
//! as in Redis). Searches reproduce Redis's walk exactly: the centre's cell and its
//! neighbours in Redis's order, each cell's members in score order, then Redis's sorts
//! (glibc's merge sort for a full sort, Redis's partial quicksort `pqsort` when COUNT
//! keeps fewer than were found), so results, their order, ties and COUNT ANY's early
//! stop all match.
//!
//! Distances are bulk strings with four decimals (`fixedpoint_d2string`) in both
//! protocols; coordinates are [`Reply::HumanDouble`]s (`%.17Lf` trimmed: bulk strings in
//! RESP2, doubles in RESP3).
//!
//! # Commands
//! - `GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]` — integer: members added
//!   (with CH, added + moved). Runs as ZADD with the encoded scores (events: `zadd`).
//!   Errors: a syntax error for a triple count that does not add up or NX with XX;
//!   `ERR value is not a valid float`; `ERR invalid longitude,latitude pair %f,%f`
//!   (longitude outside -180..180, latitude outside -85.05112878..85.05112878).
//! - `GEOPOS key member [member ...]` — array of `[lon, lat]` pairs, a null array for a
//!   missing member (all null for a missing key).
//! - `GEOHASH key member [member ...]` — array of 11-character geohashes (over latitude
//!   -90..90, as geohash.org reads them), null for a missing member.
//! - `GEODIST key member1 member2 [M|KM|FT|MI]` — the distance as a bulk string, null when
//!   the key or a member is missing. `ERR unsupported unit provided. please use M, KM,
//!   FT, MI`; a syntax error past the unit (both checked before the key).
//! - `GEORADIUS key lon lat radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT n [ANY]]
//!   [ASC|DESC] [STORE key] [STOREDIST key]`, `GEORADIUSBYMEMBER key member radius unit
//!   ...`, and their `_RO` forms (no STORE) — the members within `radius` of the centre:
//!   an array of names, or of `[name, dist?, hash?, [lon, lat]?]` with the WITH options.
//!   Unsorted unless ASC/DESC or COUNT (which sorts ascending unless ANY: then the first
//!   `n` found, in cell order). With STORE/STOREDIST: an integer, the members stored in
//!   `key` with their scores or their distances (event `georadiusstore`), `key` deleted
//!   (`del`) when nothing was found or the source is missing.
//! - `GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat BYRADIUS radius unit|BYBOX width
//!   height unit [ASC|DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]` — as
//!   GEORADIUS; BYBOX keeps the members within `width/2` east-west and `height/2`
//!   north-south of the centre. `GEOSEARCHSTORE dst src ... [STOREDIST]` — stores the
//!   result in `dst` (event `geosearchstore`), an integer.
//!
//!   Errors of the searches, in Redis's order: WRONGTYPE; `ERR need numeric radius`,
//!   `ERR radius cannot be negative`, `ERR need numeric width` / `height`, `ERR height or
//!   width cannot be negative`, the unit error, `ERR could not decode requested zset
//!   member` (a missing centre member), `ERR value is not an integer or out of range`,
//!   `ERR COUNT must be > 0`, a syntax error for anything else, each as the options are
//!   read; then `ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH
//!   and WITHCOORD options` (`ERR GEOSEARCHSTORE is not compatible ...`), `ERR exactly one
//!   of FROMMEMBER or FROMLONLAT can be specified for <cmd>`, `ERR exactly one of BYRADIUS
//!   and BYBOX can be specified for <cmd>`, `ERR the ANY argument requires COUNT
//!   argument`. A missing source answers an empty array (0 with a store) after all that,
//!   without reading GEORADIUSBYMEMBER's radius.

use bytes::Bytes;

use super::args::{self, opt};
use super::sorted_sets::{ZAddArgs, ZAddCondition, ZAddOutcome, store_result, zadd_op, zset_at};
use super::{Command, Ctx, Locks, Reply};
use crate::error::{Error, Result};
use crate::store::geohash::{self, HashBits, LAT_MAX, LAT_MIN, LON_MAX, LON_MIN, Shape, ShapeKind};
use crate::store::numeric::{format_fixed_point, parse_f64};
use crate::store::sorted_set::ScoreRange;
use crate::store::{Access, Event, LockPlan, SortedSetValue};

pub static COMMANDS: &[Command] = &[
    Command::new("geoadd", geoadd),
    Command::new("geodist", geodist),
    Command::new("geohash", geohash),
    Command::new("geopos", geopos),
    Command::new("georadius", georadius).locks(Locks::Custom(plan_georadius)),
    Command::new("georadius_ro", georadius_ro),
    Command::new("georadiusbymember", georadiusbymember)
        .locks(Locks::Custom(plan_georadiusbymember)),
    Command::new("georadiusbymember_ro", georadiusbymember_ro),
    Command::new("geosearch", geosearch),
    Command::new("geosearchstore", geosearchstore),
];

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// Metres per unit (`M`, `KM`, `FT`, `MI`, any case).
fn unit(arg: &[u8]) -> Result<f64> {
    [("M", 1.0), ("KM", 1000.0), ("FT", 0.3048), ("MI", 1609.34)]
        .into_iter()
        .find(|(name, _)| opt(arg, name))
        .map(|(_, metres)| metres)
        .ok_or_else(|| Error::err("unsupported unit provided. please use M, KM, FT, MI"))
}

/// A position argument pair: both parsed first, then checked against Redis's limits.
fn lon_lat(lon: &[u8], lat: &[u8]) -> Result<[f64; 2]> {
    let (lon, lat) = (args::float(lon)?, args::float(lat)?);
    if !(LON_MIN..=LON_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return Err(Error::err(format!(
            "invalid longitude,latitude pair {lon:.6},{lat:.6}"
        )));
    }
    Ok([lon, lat])
}

/// A float argument whose error names it (`ERR need numeric radius`).
fn float_or(arg: &[u8], msg: &'static str) -> Result<f64> {
    parse_f64(arg).ok_or_else(|| Error::err(msg))
}

/// `radius unit`: the radius and metres per unit.
fn radius(radius: &[u8], unit_arg: &[u8]) -> Result<(f64, f64)> {
    let r = float_or(radius, "need numeric radius")?;
    if r < 0.0 {
        return Err(Error::err("radius cannot be negative"));
    }
    Ok((r, unit(unit_arg)?))
}

/// `width height unit`: the box and metres per unit.
fn box_size(width: &[u8], height: &[u8], unit_arg: &[u8]) -> Result<(f64, f64, f64)> {
    let w = float_or(width, "need numeric width")?;
    let h = float_or(height, "need numeric height")?;
    if h < 0.0 || w < 0.0 {
        return Err(Error::err("height or width cannot be negative"));
    }
    Ok((w, h, unit(unit_arg)?))
}

/// The position of a member used as a search centre.
fn member_position(set: &SortedSetValue, member: &[u8]) -> Result<[f64; 2]> {
    set.score(member)
        .map(geohash::decode_score)
        .ok_or_else(|| Error::err("could not decode requested zset member"))
}

/// A distance as Redis prints it: four decimals.
fn distance_reply(metres_or_unit: f64) -> Reply {
    Reply::Bulk(Bytes::from(format_fixed_point(metres_or_unit, 4)))
}

fn position_reply([lon, lat]: [f64; 2]) -> Reply {
    Reply::Array(vec![Reply::HumanDouble(lon), Reply::HumanDouble(lat)])
}

// ---------------------------------------------------------------------------------------
// GEOADD, GEOPOS, GEOHASH, GEODIST
// ---------------------------------------------------------------------------------------

/// GEOADD: the positions become scores, then ZADD runs with the same NX/XX/CH.
fn geoadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut first = 2;
    while first < argv.len() {
        let word = &argv[first];
        if opt(word, "NX") {
            nx = true;
        } else if opt(word, "XX") {
            xx = true;
        } else if opt(word, "CH") {
            ch = true;
        } else {
            break;
        }
        first += 1;
    }
    if !(argv.len() - first).is_multiple_of(3) || (nx && xx) {
        return Err(Error::Syntax);
    }
    let pairs = argv[first..]
        .chunks_exact(3)
        .map(|triple| {
            let [lon, lat] = lon_lat(&triple[0], &triple[1])?;
            Ok((geohash::score_of(lon, lat), &triple[2][..]))
        })
        .collect::<Result<Vec<_>>>()?;
    let zadd = ZAddArgs {
        condition: if nx {
            ZAddCondition::IfAbsent
        } else if xx {
            ZAddCondition::IfPresent
        } else {
            ZAddCondition::Always
        },
        changed: ch,
        ..ZAddArgs::default()
    };
    match zadd_op(ctx, &argv[1], &zadd, &pairs)? {
        ZAddOutcome::Count(n) => Ok(Reply::integer(n)),
        ZAddOutcome::Incremented(_) => unreachable!("GEOADD never increments"),
    }
}

/// The `ZADD key [options] score member ...` a GEOADD that succeeded runs, as Redis
/// rewrites its command vector before calling ZADD (scores as the integer geohashes).
pub fn zadd_line(argv: &[Bytes]) -> Option<Vec<Bytes>> {
    let first = 2 + argv[2..]
        .iter()
        .take_while(|w| opt(w, "NX") || opt(w, "XX") || opt(w, "CH"))
        .count();
    let mut line = Vec::with_capacity(first + (argv.len() - first) / 3 * 2);
    line.push(Bytes::from_static(b"zadd"));
    line.extend(argv[1..first].iter().cloned());
    for triple in argv[first..].chunks_exact(3) {
        let [lon, lat] = lon_lat(&triple[0], &triple[1]).ok()?;
        line.push(Bytes::from(
            (geohash::score_of(lon, lat) as u64).to_string(),
        ));
        line.push(triple[2].clone());
    }
    Some(line)
}

/// Runs `f` on the sorted set at `key` (`None` when missing), after one lookup that
/// counts as a read (hit or miss) and fails with WRONGTYPE on another type.
fn with_set<T>(
    ctx: &Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(Option<&SortedSetValue>) -> T,
) -> Result<T> {
    let shared = zset_at(ctx.txn().get(ctx.db(), key))?;
    let guard = shared.map(|z| z.read());
    Ok(f(guard.as_deref()))
}

/// GEOPOS: `[lon, lat]` per member, or a null array.
fn geopos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    with_set(ctx, &argv[1], |set| {
        Reply::Array(
            argv[2..]
                .iter()
                .map(|m| match set.and_then(|z| z.score(m)) {
                    Some(score) => position_reply(geohash::decode_score(score)),
                    None => Reply::NullArray,
                })
                .collect(),
        )
    })
}

/// GEOHASH: an 11-character geohash per member, or null.
fn geohash(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    with_set(ctx, &argv[1], |set| {
        Reply::Array(
            argv[2..]
                .iter()
                .map(|m| match set.and_then(|z| z.score(m)) {
                    Some(score) => Reply::bulk(geohash::geohash_text(score)),
                    None => Reply::Null,
                })
                .collect(),
        )
    })
}

/// GEODIST: the distance between two members in the unit (metres by default).
fn geodist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    let to_metres = match argv.len() {
        4 => 1.0,
        5 => unit(&argv[4])?,
        _ => return Err(Error::Syntax),
    };
    with_set(ctx, &argv[1], |set| {
        let Some(set) = set else {
            return Reply::Null;
        };
        match (set.score(&argv[2]), set.score(&argv[3])) {
            (Some(a), Some(b)) => {
                let [lon1, lat1] = geohash::decode_score(a);
                let [lon2, lat2] = geohash::decode_score(b);
                distance_reply(geohash::distance(lon1, lat1, lon2, lat2) / to_metres)
            }
            _ => Reply::Null,
        }
    })
}

// ---------------------------------------------------------------------------------------
// Searches
// ---------------------------------------------------------------------------------------

/// Which search command runs: where its centre comes from and what it may store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// GEORADIUS(_RO): centre and radius at fixed positions.
    Radius { store: bool },
    /// GEORADIUSBYMEMBER(_RO): a member and a radius at fixed positions.
    RadiusByMember { store: bool },
    /// GEOSEARCH / GEOSEARCHSTORE: everything in options.
    GeoSearch { store: bool },
}

impl Form {
    /// Where the options begin.
    fn options_at(self) -> usize {
        match self {
            Form::Radius { .. } => 6,
            Form::RadiusByMember { .. } => 5,
            Form::GeoSearch { store: false } => 2,
            Form::GeoSearch { store: true } => 3,
        }
    }

    fn source_at(self) -> usize {
        if self == (Form::GeoSearch { store: true }) {
            2
        } else {
            1
        }
    }

    /// GEORADIUS / GEORADIUSBYMEMBER take `STORE key` and `STOREDIST key`.
    fn takes_store_key(self) -> bool {
        matches!(
            self,
            Form::Radius { store: true } | Form::RadiusByMember { store: true }
        )
    }

    fn is_geosearch(self) -> bool {
        matches!(self, Form::GeoSearch { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Unsorted,
    Ascending,
    Descending,
}

/// A parsed search.
struct Query<'a> {
    shape: Shape,
    with_dist: bool,
    with_hash: bool,
    with_coord: bool,
    order: Order,
    /// 0: no COUNT.
    count: i64,
    any: bool,
    /// Where the result goes, if stored, and whether it is stored by distance.
    store: Option<&'a Bytes>,
    store_dist: bool,
}

/// Parses a search's arguments in Redis's order, failing on the first bad one. The
/// source set (`None` when missing) is needed to find a centre member, which a missing
/// source skips.
fn parse_search<'a>(
    argv: &'a [Bytes],
    search: Form,
    set: Option<&SortedSetValue>,
) -> Result<Query<'a>> {
    let mut query = Query {
        shape: Shape {
            lon: 0.0,
            lat: 0.0,
            conversion: 1.0,
            kind: ShapeKind::Radius(0.0),
        },
        with_dist: false,
        with_hash: false,
        with_coord: false,
        order: Order::Unsorted,
        count: 0,
        any: false,
        store: None,
        store_dist: false,
    };
    match search {
        Form::Radius { .. } => {
            [query.shape.lon, query.shape.lat] = lon_lat(&argv[2], &argv[3])?;
            let (r, conversion) = radius(&argv[4], &argv[5])?;
            query.shape.kind = ShapeKind::Radius(r);
            query.shape.conversion = conversion;
        }
        Form::RadiusByMember { .. } => {
            if let Some(set) = set {
                [query.shape.lon, query.shape.lat] = member_position(set, &argv[2])?;
                let (r, conversion) = radius(&argv[3], &argv[4])?;
                query.shape.kind = ShapeKind::Radius(r);
                query.shape.conversion = conversion;
            }
        }
        Form::GeoSearch { store } => {
            if store {
                query.store = Some(&argv[1]);
            }
        }
    }
    let geosearch = search.is_geosearch();
    let (mut from_member, mut from_lonlat, mut by_radius, mut by_box) =
        (false, false, false, false);
    let mut i = search.options_at();
    while i < argv.len() {
        let word = &argv[i];
        let after = argv.len() - i - 1;
        if opt(word, "WITHDIST") {
            query.with_dist = true;
        } else if opt(word, "WITHHASH") {
            query.with_hash = true;
        } else if opt(word, "WITHCOORD") {
            query.with_coord = true;
        } else if opt(word, "ANY") {
            query.any = true;
        } else if opt(word, "ASC") {
            query.order = Order::Ascending;
        } else if opt(word, "DESC") {
            query.order = Order::Descending;
        } else if opt(word, "COUNT") && after >= 1 {
            query.count = args::int(&argv[i + 1])?;
            if query.count <= 0 {
                return Err(Error::err("COUNT must be > 0"));
            }
            i += 1;
        } else if (opt(word, "STORE") || opt(word, "STOREDIST"))
            && after >= 1
            && search.takes_store_key()
        {
            query.store = Some(&argv[i + 1]);
            query.store_dist = opt(word, "STOREDIST");
            i += 1;
        } else if opt(word, "STOREDIST") && search == (Form::GeoSearch { store: true }) {
            query.store_dist = true;
        } else if opt(word, "FROMMEMBER") && after >= 1 && geosearch && !from_lonlat {
            if let Some(set) = set {
                [query.shape.lon, query.shape.lat] = member_position(set, &argv[i + 1])?;
            }
            from_member = true;
            i += 1;
        } else if opt(word, "FROMLONLAT") && after >= 2 && geosearch && !from_member {
            [query.shape.lon, query.shape.lat] = lon_lat(&argv[i + 1], &argv[i + 2])?;
            from_lonlat = true;
            i += 2;
        } else if opt(word, "BYRADIUS") && after >= 2 && geosearch && !by_box {
            let (r, conversion) = radius(&argv[i + 1], &argv[i + 2])?;
            query.shape.kind = ShapeKind::Radius(r);
            query.shape.conversion = conversion;
            by_radius = true;
            i += 2;
        } else if opt(word, "BYBOX") && after >= 3 && geosearch && !by_radius {
            let (width, height, conversion) = box_size(&argv[i + 1], &argv[i + 2], &argv[i + 3])?;
            query.shape.kind = ShapeKind::Box { width, height };
            query.shape.conversion = conversion;
            by_box = true;
            i += 3;
        } else {
            return Err(Error::Syntax);
        }
        i += 1;
    }
    if query.store.is_some() && (query.with_dist || query.with_hash || query.with_coord) {
        let who = if geosearch {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return Err(Error::err(format!(
            "{who} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    let name = || String::from_utf8_lossy(&argv[0]).into_owned();
    if geosearch && !(from_member || from_lonlat) {
        return Err(Error::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {}",
            name()
        )));
    }
    if geosearch && !(by_radius || by_box) {
        return Err(Error::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {}",
            name()
        )));
    }
    if query.any && query.count == 0 {
        return Err(Error::err("the ANY argument requires COUNT argument"));
    }
    Ok(query)
}

/// A member found by a search.
#[derive(Debug, Clone)]
struct Found {
    member: Bytes,
    score: f64,
    position: [f64; 2],
    /// From the centre, in metres.
    dist: f64,
}

/// Appends the members of one cell inside the shape, in score order, stopping once
/// `limit` (0: none) members were found in all.
fn members_in_cell(
    set: &SortedSetValue,
    cell: HashBits,
    shape: &Shape,
    found: &mut Vec<Found>,
    limit: usize,
) {
    let (min, max) = cell.score_range();
    let range = ScoreRange {
        min: min as f64,
        max: max as f64,
        min_exclusive: false,
        max_exclusive: true,
    };
    let mut at = set.first_in_score_range(&range);
    while let Some(pos) = at {
        let (member, score) = set.entry(pos);
        if !range.lte_max(score) {
            break;
        }
        if let Some((position, dist)) = shape.contains(score) {
            found.push(Found {
                member: member.clone(),
                score,
                position,
                dist,
            });
        }
        if limit != 0 && found.len() >= limit {
            break;
        }
        at = set.next(pos);
    }
}

/// The members inside the shape, in Redis's walk order: the nine cells in turn (a cell
/// equal to the last one read is skipped: huge radii repeat cells), stopping at `limit`.
fn members_in_shape(set: &SortedSetValue, shape: &Shape, limit: usize) -> Vec<Found> {
    let cells = geohash::search_areas(shape);
    let mut found = Vec::new();
    // Redis's "last processed" index starts at 0, which also disables the comparison
    // right after the centre cell.
    let mut last = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() || (last != 0 && *cell == cells[last]) {
            continue;
        }
        if limit != 0 && found.len() >= limit {
            break;
        }
        members_in_cell(set, *cell, shape, &mut found, limit);
        last = i;
    }
    found
}

/// Redis's comparator for a distance sort (not a total order for NaN: reproduced).
fn compare(a: f64, b: f64, order: Order) -> i32 {
    let ascending = if a > b {
        1
    } else if a == b {
        0
    } else {
        -1
    };
    if order == Order::Descending {
        -ascending
    } else {
        ascending
    }
}

/// glibc's `qsort` (a top-down merge sort, stable) over `items`, as Redis's full sort.
fn merge_sort(items: &mut [usize], cmp: &impl Fn(usize, usize) -> i32) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let half = n / 2;
    merge_sort(&mut items[..half], cmp);
    merge_sort(&mut items[half..], cmp);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, half);
    while i < half && j < n {
        if cmp(items[i], items[j]) <= 0 {
            merged.push(items[i]);
            i += 1;
        } else {
            merged.push(items[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&items[i..half]);
    let done = merged.len();
    items[..done].copy_from_slice(&merged);
}

/// The median of three positions, by Redis's `med3`.
fn median_of_three(
    v: &[usize],
    a: usize,
    b: usize,
    c: usize,
    cmp: &impl Fn(usize, usize) -> i32,
) -> usize {
    if cmp(v[a], v[b]) < 0 {
        if cmp(v[b], v[c]) < 0 {
            b
        } else if cmp(v[a], v[c]) < 0 {
            c
        } else {
            a
        }
    } else if cmp(v[b], v[c]) > 0 {
        b
    } else if cmp(v[a], v[c]) < 0 {
        a
    } else {
        c
    }
}

fn swap_runs(v: &mut [usize], a: usize, b: usize, n: usize) {
    for k in 0..n {
        v.swap(a + k, b + k);
    }
}

/// Redis's `pqsort`: Bentley-McIlroy quicksort that only recurses into the parts that
/// overlap positions `lo..=hi`, so those end up sorted (the rest partitioned around
/// them). The element order it leaves among equal distances is what COUNT replies show.
fn partial_sort(v: &mut [usize], lo: usize, hi: usize, cmp: &impl Fn(usize, usize) -> i32) {
    partial_sort_from(v, 0, v.len(), lo, hi, cmp);
}

fn partial_sort_from(
    v: &mut [usize],
    mut base: usize,
    mut n: usize,
    lo: usize,
    hi: usize,
    cmp: &impl Fn(usize, usize) -> i32,
) {
    // Whether `start..start + len` holds none of `lo..=hi`.
    let outside = |start: usize, len: usize| {
        (lo < start && hi < start) || (lo >= start + len && hi >= start + len)
    };
    loop {
        if n < 7 {
            for m in base + 1..base + n {
                let mut l = m;
                while l > base && cmp(v[l - 1], v[l]) > 0 {
                    v.swap(l, l - 1);
                    l -= 1;
                }
            }
            return;
        }
        let mut pm = base + n / 2;
        if n > 7 {
            let mut pl = base;
            let mut pn = base + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = median_of_three(v, pl, pl + d, pl + 2 * d, cmp);
                pm = median_of_three(v, pm - d, pm, pm + d, cmp);
                pn = median_of_three(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median_of_three(v, pl, pm, pn, cmp);
        }
        v.swap(base, pm);
        let (mut pa, mut pb) = (base + 1, base + 1);
        let (mut pc, mut pd) = (base + n - 1, base + n - 1);
        loop {
            while pb <= pc {
                let r = cmp(v[pb], v[base]);
                if r > 0 {
                    break;
                }
                if r == 0 {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = cmp(v[pc], v[base]);
                if r < 0 {
                    break;
                }
                if r == 0 {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = base + n;
        let r = (pa - base).min(pb - pa);
        swap_runs(v, base, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        swap_runs(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && !outside(base, r) {
            partial_sort_from(v, base, r, lo, hi, cmp);
        }
        let r = pd - pc;
        if r <= 1 {
            return;
        }
        base = pn - r;
        n = r;
        if outside(base, n) {
            return;
        }
    }
}

/// Runs a parsed query over the source: the members to answer or store, in order.
fn run_query(set: &SortedSetValue, query: &Query<'_>) -> Vec<Found> {
    let limit = if query.any {
        usize::try_from(query.count).unwrap_or(usize::MAX)
    } else {
        0
    };
    let mut found = members_in_shape(set, &query.shape, limit);
    let total = found.len();
    let keep = if query.count == 0 || (total as u64) < query.count as u64 {
        total
    } else {
        query.count as usize
    };
    let mut order = query.order;
    // COUNT sorts (the nearest first) unless ANY asked for the first found.
    if query.count != 0 && order == Order::Unsorted && !query.any {
        order = Order::Ascending;
    }
    if order != Order::Unsorted && total > 0 {
        let mut index: Vec<usize> = (0..total).collect();
        let cmp = |a: usize, b: usize| compare(found[a].dist, found[b].dist, order);
        if keep == total {
            merge_sort(&mut index, &cmp);
        } else {
            partial_sort(&mut index, 0, keep - 1, &cmp);
        }
        let mut slots: Vec<Option<Found>> = found.into_iter().map(Some).collect();
        found = index
            .into_iter()
            .take(keep)
            .filter_map(|i| slots[i].take())
            .collect();
    } else {
        found.truncate(keep);
    }
    found
}

/// The shared body of GEORADIUS, GEORADIUSBYMEMBER, their `_RO` forms, GEOSEARCH and
/// GEOSEARCHSTORE (Redis's `georadiusGeneric`).
fn search_command(ctx: &mut Ctx<'_>, argv: &[Bytes], search: Form) -> Result<Reply> {
    let db = ctx.db();
    let txn = ctx.txn();
    let shared = zset_at(txn.get(db, &argv[search.source_at()]))?;
    let (query, found) = {
        let guard = shared.map(|z| z.read());
        let set = guard.as_deref();
        let query = parse_search(argv, search, set)?;
        let found = set.map(|set| run_query(set, &query));
        (query, found)
    };
    let conversion = query.shape.conversion;
    if let Some(dst) = query.store {
        let event = if search.is_geosearch() {
            Event::GeoSearchStore
        } else {
            Event::GeoRadiusStore
        };
        let entries = found.unwrap_or_default().into_iter().map(|f| {
            let score = if query.store_dist {
                f.dist / conversion
            } else {
                f.score
            };
            (f.member, score)
        });
        // A NaN distance (haversine rounding past 1 at an exact antipode; not seen in
        // practice) would trip Redis's own assertion; a sorted set must never hold one.
        let set = SortedSetValue::from_distinct(entries.filter(|(_, score)| !score.is_nan()));
        return Ok(Reply::integer(store_result(txn, db, dst, set, event)));
    }
    let Some(found) = found else {
        return Ok(Reply::Array(Vec::new()));
    };
    let nested = query.with_dist || query.with_hash || query.with_coord;
    Ok(Reply::Array(
        found
            .into_iter()
            .map(|f| {
                if !nested {
                    return Reply::Bulk(f.member);
                }
                let mut item = vec![Reply::Bulk(f.member)];
                if query.with_dist {
                    item.push(distance_reply(f.dist / conversion));
                }
                if query.with_hash {
                    item.push(Reply::Integer(geohash::c_i64(f.score)));
                }
                if query.with_coord {
                    item.push(position_reply(f.position));
                }
                Reply::Array(item)
            })
            .collect(),
    ))
}

fn georadius(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::Radius { store: true })
}

fn georadius_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::Radius { store: false })
}

fn georadiusbymember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::RadiusByMember { store: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::RadiusByMember { store: false })
}

fn geosearch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::GeoSearch { store: false })
}

fn geosearchstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    search_command(ctx, argv, Form::GeoSearch { store: true })
}

/// GEORADIUS(BYMEMBER)'s destination is the key after its last STORE or STOREDIST; the
/// key specs name only the first such word's key, so the plan locks the key after every
/// one of them (for writing) and the source (for reading).
fn plan_radius_store(argv: &[Bytes], options_at: usize, db: usize, plan: &mut LockPlan) {
    plan.key(db, &argv[1], Access::Read);
    for i in options_at..argv.len().saturating_sub(1) {
        if opt(&argv[i], "STORE") || opt(&argv[i], "STOREDIST") {
            plan.key(db, &argv[i + 1], Access::Write);
        }
    }
}

fn plan_georadius(_ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    plan_radius_store(argv, 6, db, plan);
}

fn plan_georadiusbymember(_ctx: &Ctx<'_>, argv: &[Bytes], db: usize, plan: &mut LockPlan) {
    plan_radius_store(argv, 5, db, plan);
}

#[cfg(test)]
mod tests {
    //! Expected replies and error texts were taken from redis-server 7.0.15.
    use super::*;
    use crate::commands::test_support::Harness;

    /// The line redis-server 7.0.15 writes to its AOF for the same GEOADD.
    #[test]
    fn geoadd_is_logged_as_the_zadd_it_runs() {
        let argv: Vec<Bytes> = [
            "GEOADD",
            "g",
            "nx",
            "ch",
            "13.361389",
            "38.115556",
            "Palermo",
        ]
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect();
        let line = zadd_line(&argv).unwrap();
        let words: Vec<&[u8]> = line.iter().map(|w| &w[..]).collect();
        assert_eq!(
            words,
            [
                &b"zadd"[..],
                b"g",
                b"nx",
                b"ch",
                b"3479099956230698",
                b"Palermo"
            ]
        );
    }

    fn bulk(s: &str) -> Reply {
        Reply::bulk(s)
    }

    fn coords(lon: f64, lat: f64) -> Reply {
        Reply::Array(vec![Reply::HumanDouble(lon), Reply::HumanDouble(lat)])
    }

    fn sicily() -> Harness {
        let mut h = Harness::new();
        let add = [
            "GEOADD",
            "Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ];
        assert_eq!(h.run(&add), Reply::Integer(2));
        h
    }

    #[test]
    fn positions_hashes_and_distances() {
        let mut h = sicily();
        assert_eq!(
            h.run(&["GEOPOS", "Sicily", "Palermo", "nope"]),
            Reply::Array(vec![
                coords(13.361389338970184, 38.1155563954963),
                Reply::NullArray
            ])
        );
        assert_eq!(
            h.run(&["GEOHASH", "Sicily", "Catania", "nope"]),
            Reply::Array(vec![bulk("sqdtr74hyu0"), Reply::Null])
        );
        assert_eq!(
            h.run(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]),
            bulk("166.2742")
        );
        assert_eq!(h.run(&["GEODIST", "nokey", "a", "b"]), Reply::Null);
        assert_eq!(
            h.err(&["GEODIST", "nokey", "a", "b", "yd"]),
            "ERR unsupported unit provided. please use M, KM, FT, MI"
        );
        assert_eq!(
            h.err(&["GEODIST", "Sicily", "a", "b", "m", "x"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["GEOADD", "Sicily", "181", "1e-7", "x"]),
            "ERR invalid longitude,latitude pair 181.000000,0.000000"
        );
        assert_eq!(
            h.err(&["GEOADD", "Sicily", "NX", "XX", "1", "2", "x"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.err(&["GEOADD", "Sicily", "CH", "CH", "CH"]),
            "ERR syntax error"
        );
        assert_eq!(
            h.run(&[
                "GEOADD", "Sicily", "XX", "CH", "13", "38", "Palermo", "1", "1", "new"
            ]),
            Reply::Integer(1)
        );
    }

    #[test]
    fn searches_reply_as_redis() {
        let mut h = sicily();
        let catania = Reply::Array(vec![
            bulk("Catania"),
            bulk("56.4413"),
            Reply::Integer(3479447370796909),
            coords(15.087267458438873, 37.50266842333162),
        ]);
        assert_eq!(
            h.run(&[
                "GEORADIUS",
                "Sicily",
                "15",
                "37",
                "200",
                "km",
                "WITHCOORD",
                "WITHHASH",
                "WITHDIST",
                "COUNT",
                "1"
            ]),
            Reply::Array(vec![catania])
        );
        assert_eq!(
            h.run(&[
                "GEOSEARCH",
                "Sicily",
                "FROMMEMBER",
                "Palermo",
                "BYBOX",
                "400",
                "400",
                "km",
                "DESC"
            ]),
            Reply::Array(vec![bulk("Catania"), bulk("Palermo")])
        );
        assert_eq!(
            h.run(&["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd"]),
            Reply::Array(vec![])
        );
        let errors: &[(&[&str], &str)] = &[
            (
                &["GEORADIUS", "Sicily", "15", "37", "x", "km"],
                "ERR need numeric radius",
            ),
            (
                &["GEORADIUS", "Sicily", "15", "37", "-1", "km"],
                "ERR radius cannot be negative",
            ),
            (
                &["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"],
                "ERR COUNT must be > 0",
            ),
            (
                &["GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"],
                "ERR the ANY argument requires COUNT argument",
            ),
            (
                &[
                    "GEORADIUS_RO",
                    "Sicily",
                    "15",
                    "37",
                    "1",
                    "km",
                    "STORE",
                    "d",
                ],
                "ERR syntax error",
            ),
            (
                &[
                    "GEORADIUS",
                    "Sicily",
                    "15",
                    "37",
                    "1",
                    "km",
                    "STORE",
                    "d",
                    "WITHHASH",
                ],
                "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            ),
            (
                &["GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"],
                "ERR could not decode requested zset member",
            ),
            (
                &["geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "ASC"],
                "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch",
            ),
            (
                &["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "ASC", "ASC"],
                "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH",
            ),
            (
                &[
                    "GEOSEARCHSTORE",
                    "d",
                    "Sicily",
                    "FROMLONLAT",
                    "1",
                    "1",
                    "BYBOX",
                    "1",
                    "-1",
                    "m",
                ],
                "ERR height or width cannot be negative",
            ),
        ];
        for (words, message) in errors {
            assert_eq!(h.err(words), *message, "{words:?}");
        }
    }

    #[test]
    fn the_last_store_key_is_locked_and_written() {
        // The key specs find the keys after the first STORE and the first STOREDIST (a,
        // c); Redis writes the one after the last (d): without the planner, the debug
        // build's txn would refuse that write.
        let mut h = sicily();
        let words = [
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "a",
            "STOREDIST",
            "c",
            "STORE",
            "b",
            "STOREDIST",
            "d",
        ];
        assert_eq!(h.run(&words), Reply::Integer(2));
        assert_eq!(h.run(&["EXISTS", "a", "b", "c", "d"]), Reply::Integer(1));
        assert_eq!(
            h.run(&["ZSCORE", "d", "Catania"]),
            Reply::Double(56.4412578701582)
        );
        // An empty result deletes the destination.
        h.run(&["SET", "b", "x"]);
        let words = [
            "GEORADIUSBYMEMBER",
            "Sicily",
            "Palermo",
            "1",
            "m",
            "STORE",
            "x",
            "STORE",
            "b",
        ];
        assert_eq!(h.run(&words), Reply::Integer(1));
        let words = [
            "GEORADIUS",
            "nokey",
            "15",
            "37",
            "1",
            "m",
            "STORE",
            "x",
            "STORE",
            "b",
        ];
        assert_eq!(h.run(&words), Reply::Integer(0));
        assert_eq!(h.run(&["EXISTS", "b"]), Reply::Integer(0));
    }

    #[test]
    fn hostile_arguments_never_panic() {
        let mut h = sicily();
        h.run(&[
            "ZADD", "Sicily", "-inf", "a", "inf", "b", "-1", "c", "1e300", "d",
        ]);
        for words in [
            &[
                "GEORADIUS",
                "Sicily",
                "0",
                "0",
                "inf",
                "km",
                "WITHHASH",
                "WITHCOORD",
                "ASC",
            ][..],
            &[
                "GEORADIUS",
                "Sicily",
                "180",
                "85.05112878",
                "1e308",
                "mi",
                "COUNT",
                "9223372036854775807",
                "ANY",
            ],
            &[
                "GEOSEARCH",
                "Sicily",
                "FROMMEMBER",
                "a",
                "BYBOX",
                "inf",
                "0",
                "m",
                "WITHDIST",
            ],
            &[
                "GEOSEARCH",
                "Sicily",
                "FROMMEMBER",
                "d",
                "BYRADIUS",
                "5e-324",
                "m",
                "WITHDIST",
            ],
            &["GEOPOS", "Sicily", "a", "b", "c", "d"],
            &["GEOHASH", "Sicily", "a", "b", "c", "d"],
            &["GEODIST", "Sicily", "a", "b"],
        ] {
            assert!(
                matches!(h.run(words), Reply::Array(_) | Reply::Bulk(_)),
                "{words:?}"
            );
        }
    }

    /// The distances of Redis's sort test harness: a 32-bit LCG, five distinct values.
    fn lcg_distances(case: u32, n: usize) -> Vec<f64> {
        let mut s: u32 = 12345 + case;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(1103515245).wrapping_add(12345);
                f64::from((s >> 16) % 5)
            })
            .collect()
    }

    #[test]
    fn sorts_leave_equal_distances_where_redis_does() {
        // Outputs of Redis's pqsort.c and glibc 2.36's qsort on the same inputs.
        // (case, descending, kept, the order left by Redis pqsort.c)
        let partial: &[(u32, bool, usize, &[usize])] = &[
            (
                0,
                false,
                5,
                &[
                    7, 52, 21, 8, 65, 4, 2, 26, 45, 44, 43, 64, 31, 5, 14, 58, 35, 17, 54, 38, 37,
                    36, 66, 1, 0, 16, 18, 22, 23, 49, 48, 41, 33, 68, 10, 11, 13, 40, 47, 50, 53,
                    61, 63, 29, 28, 27, 46, 12, 25, 24, 9, 51, 20, 6, 19, 55, 56, 57, 15, 59, 60,
                    67, 62, 34, 32, 39, 3, 30, 42,
                ],
            ),
            (
                0,
                true,
                5,
                &[
                    6, 29, 9, 67, 60, 19, 20, 39, 34, 32, 24, 25, 27, 28, 3, 59, 57, 56, 62, 12,
                    30, 55, 15, 51, 46, 42, 68, 10, 11, 13, 40, 47, 50, 53, 61, 63, 36, 37, 38, 21,
                    0, 41, 18, 43, 44, 45, 17, 64, 48, 49, 65, 16, 52, 66, 54, 14, 8, 7, 58, 5, 4,
                    1, 2, 26, 31, 23, 33, 22, 35,
                ],
            ),
            (
                1,
                false,
                20,
                &[
                    25, 33, 30, 31, 32, 8, 9, 43, 4, 36, 15, 20, 5, 12, 27, 28, 22, 1, 35, 17, 41,
                    18, 19, 37, 34, 21, 44, 2, 6, 11, 13, 23, 26, 42, 24, 16, 14, 10, 38, 39, 40,
                    7, 0, 3, 29,
                ],
            ),
            (
                1,
                true,
                20,
                &[
                    16, 39, 29, 24, 7, 38, 3, 10, 40, 14, 0, 44, 2, 6, 11, 13, 23, 26, 42, 19, 21,
                    22, 1, 12, 27, 28, 34, 35, 37, 41, 17, 18, 32, 20, 33, 5, 4, 36, 25, 43, 15, 8,
                    9, 30, 31,
                ],
            ),
            (2, false, 3, &[4, 2, 3, 7, 0, 5, 6, 1]),
            (2, true, 3, &[6, 1, 5, 0, 2, 3, 7, 4]),
            (
                3,
                false,
                41,
                &[
                    20, 83, 72, 45, 12, 0, 58, 78, 3, 68, 64, 85, 8, 4, 48, 36, 19, 21, 87, 37, 61,
                    63, 40, 42, 57, 56, 53, 51, 13, 16, 18, 74, 24, 25, 98, 28, 69, 96, 34, 99, 5,
                    6, 15, 17, 26, 27, 32, 33, 35, 44, 49, 55, 62, 65, 66, 71, 75, 82, 90, 94, 95,
                    39, 91, 38, 31, 92, 93, 67, 30, 29, 70, 2, 23, 73, 22, 1, 76, 77, 14, 79, 80,
                    81, 7, 11, 84, 10, 86, 9, 88, 89, 50, 52, 47, 54, 97, 46, 43, 41, 59, 60,
                ],
            ),
            (
                3,
                true,
                41,
                &[
                    81, 52, 23, 79, 11, 60, 2, 76, 91, 43, 31, 7, 92, 14, 97, 10, 41, 39, 86, 46,
                    47, 38, 59, 54, 50, 89, 88, 93, 84, 80, 22, 77, 1, 29, 30, 73, 9, 70, 67, 75,
                    5, 6, 15, 17, 26, 27, 32, 33, 35, 44, 49, 55, 62, 65, 66, 71, 82, 90, 94, 95,
                    99, 61, 12, 63, 64, 8, 4, 37, 68, 69, 36, 3, 72, 34, 74, 0, 28, 25, 78, 24, 21,
                    20, 98, 83, 19, 85, 18, 87, 16, 13, 51, 48, 53, 45, 96, 56, 57, 58, 42, 40,
                ],
            ),
        ];
        let full: &[(u32, bool, &[usize])] = &[
            (
                0,
                false,
                &[
                    2, 4, 5, 7, 8, 14, 17, 21, 26, 31, 35, 43, 44, 45, 52, 54, 58, 64, 65, 0, 1,
                    16, 18, 22, 23, 33, 36, 37, 38, 41, 48, 49, 66, 10, 11, 13, 40, 47, 50, 53, 61,
                    63, 68, 3, 12, 15, 30, 42, 46, 51, 55, 56, 57, 59, 62, 6, 9, 19, 20, 24, 25,
                    27, 28, 29, 32, 34, 39, 60, 67,
                ],
            ),
            (
                0,
                true,
                &[
                    6, 9, 19, 20, 24, 25, 27, 28, 29, 32, 34, 39, 60, 67, 3, 12, 15, 30, 42, 46,
                    51, 55, 56, 57, 59, 62, 10, 11, 13, 40, 47, 50, 53, 61, 63, 68, 0, 1, 16, 18,
                    22, 23, 33, 36, 37, 38, 41, 48, 49, 66, 2, 4, 5, 7, 8, 14, 17, 21, 26, 31, 35,
                    43, 44, 45, 52, 54, 58, 64, 65,
                ],
            ),
            (
                1,
                false,
                &[
                    4, 5, 8, 9, 15, 20, 25, 30, 31, 32, 33, 36, 43, 1, 12, 17, 18, 19, 21, 22, 27,
                    28, 34, 35, 37, 41, 2, 6, 11, 13, 23, 26, 42, 44, 0, 3, 7, 10, 14, 38, 40, 16,
                    24, 29, 39,
                ],
            ),
            (
                1,
                true,
                &[
                    16, 24, 29, 39, 0, 3, 7, 10, 14, 38, 40, 2, 6, 11, 13, 23, 26, 42, 44, 1, 12,
                    17, 18, 19, 21, 22, 27, 28, 34, 35, 37, 41, 4, 5, 8, 9, 15, 20, 25, 30, 31, 32,
                    33, 36, 43,
                ],
            ),
            (2, false, &[4, 0, 2, 3, 7, 1, 5, 6]),
            (2, true, &[6, 1, 5, 0, 2, 3, 7, 4]),
            (
                3,
                false,
                &[
                    0, 3, 4, 8, 12, 19, 20, 21, 36, 45, 48, 58, 64, 68, 72, 78, 83, 85, 13, 16, 18,
                    24, 25, 28, 34, 37, 40, 42, 51, 53, 56, 57, 61, 63, 69, 74, 87, 96, 98, 5, 6,
                    15, 17, 26, 27, 32, 33, 35, 44, 49, 55, 62, 65, 66, 71, 75, 82, 90, 94, 95, 99,
                    1, 9, 22, 29, 30, 38, 50, 54, 59, 67, 70, 73, 77, 80, 84, 88, 89, 93, 2, 7, 10,
                    11, 14, 23, 31, 39, 41, 43, 46, 47, 52, 60, 76, 79, 81, 86, 91, 92, 97,
                ],
            ),
            (
                3,
                true,
                &[
                    2, 7, 10, 11, 14, 23, 31, 39, 41, 43, 46, 47, 52, 60, 76, 79, 81, 86, 91, 92,
                    97, 1, 9, 22, 29, 30, 38, 50, 54, 59, 67, 70, 73, 77, 80, 84, 88, 89, 93, 5, 6,
                    15, 17, 26, 27, 32, 33, 35, 44, 49, 55, 62, 65, 66, 71, 75, 82, 90, 94, 95, 99,
                    13, 16, 18, 24, 25, 28, 34, 37, 40, 42, 51, 53, 56, 57, 61, 63, 69, 74, 87, 96,
                    98, 0, 3, 4, 8, 12, 19, 20, 21, 36, 45, 48, 58, 64, 68, 72, 78, 83, 85,
                ],
            ),
        ];
        let sizes = [69, 45, 8, 100];
        for &(case, desc, keep, want) in partial {
            let dist = lcg_distances(case, sizes[case as usize]);
            let order = if desc {
                Order::Descending
            } else {
                Order::Ascending
            };
            let mut v: Vec<usize> = (0..dist.len()).collect();
            partial_sort(&mut v, 0, keep - 1, &|a, b| {
                compare(dist[a], dist[b], order)
            });
            assert_eq!(v, want, "pqsort case {case} desc {desc}");
        }
        for &(case, desc, want) in full {
            let dist = lcg_distances(case, sizes[case as usize]);
            let order = if desc {
                Order::Descending
            } else {
                Order::Ascending
            };
            let mut v: Vec<usize> = (0..dist.len()).collect();
            merge_sort(&mut v, &|a, b| compare(dist[a], dist[b], order));
            assert_eq!(v, want, "qsort case {case} desc {desc}");
        }
    }
}
