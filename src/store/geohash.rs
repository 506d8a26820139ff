//! Redis's geohash arithmetic, on which the GEO* commands are built (no protocol here).
//!
//! A position is stored as a sorted-set score: longitude and latitude, each scaled to 26
//! bits over Redis's ranges (longitude -180..180, latitude -85.05112878..85.05112878, the
//! Web Mercator limits), interleaved into 52 bits (latitude on the even bits). A search
//! picks a cell size from the radius ([`estimate_step`]), takes the cell holding the
//! centre and its eight neighbours ([`search_areas`]), turns each cell into a score
//! interval ([`HashBits::score_range`]) and filters the members found there by distance
//! ([`Shape::contains`]).
//!
//! Every result has to equal redis-server's to the last bit, so the floating-point work is
//! done as Redis does it: the same constants (`PI / 180` for degrees, Redis's earth
//! radius), the same operations in the same order, the platform's `sin`/`cos`/`asin`/`sqrt`
//! (Rust's, which are the C library's, as Redis's are), and the C conversions of doubles
//! to integers reproduced where a client can make them go out of range.

use std::f64::consts::PI;

pub const LON_MIN: f64 = -180.0;
pub const LON_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
/// Bits per coordinate of a stored score (2 * 26 = 52, all a double holds exactly).
pub const STEP_MAX: u8 = 26;

/// Degrees to radians: Redis's `M_PI / 180.0`.
const D_R: f64 = PI / 180.0;
/// The earth's quadratic mean radius, as Redis uses it.
const EARTH_RADIUS_M: f64 = 6372797.560856;
/// Where the step estimation stops doubling the radius.
const MERCATOR_MAX: f64 = 20037726.37;

fn deg_rad(degrees: f64) -> f64 {
    degrees * D_R
}

fn rad_deg(radians: f64) -> f64 {
    radians / D_R
}

/// A coordinate interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    fn is_zero(&self) -> bool {
        self.min == 0.0 && self.max == 0.0
    }
}

/// The ranges stored scores are encoded over.
pub const LON_RANGE: Range = Range {
    min: LON_MIN,
    max: LON_MAX,
};
pub const LAT_RANGE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

/// A cell: `step` bits per coordinate, interleaved. Both zero means "no cell" (a
/// neighbour a search left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashBits {
    pub bits: u64,
    pub step: u8,
}

impl HashBits {
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The cell's bits left-aligned to 52 bits: the lowest score inside it.
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The scores of the members inside the cell: `min` included, `max` excluded.
    pub fn score_range(&self) -> (u64, u64) {
        let next = HashBits {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.align52(), next.align52())
    }
}

/// A cell's extent in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub lon: Range,
    pub lat: Range,
}

/// The bits of `x` on the even positions and those of `y` on the odd ones.
fn interleave(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// The inverse of [`interleave`]: the even bits in the low half, the odd bits in the high.
fn deinterleave(v: u64) -> u64 {
    fn gather(v: u64) -> u64 {
        let mut v = v & 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF
    }
    gather(v) | (gather(v >> 1) << 32)
}

/// C's conversion of a double to `uint32_t` as x86-64 compilers emit it (through a 64-bit
/// signed conversion, keeping the low half); callers only pass values in `0..=2^32`.
fn c_u32(v: f64) -> u32 {
    c_i64(v) as u32
}

/// C's conversion of a double to `long long` on x86-64 (`cvttsd2si`): truncation, and the
/// "integer indefinite" `i64::MIN` for NaN and anything out of range.
pub fn c_i64(v: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if !(-LIMIT..LIMIT).contains(&v) {
        i64::MIN
    } else {
        v as i64
    }
}

/// C's `(uint64_t)` of a double as gcc compiles it on x86-64: below 2^63 through the
/// signed conversion (so negative scores wrap and NaN gives 2^63), above it by
/// subtracting 2^63 first. Stored scores can be any double (a plain ZADD), and Redis
/// decodes them all.
pub fn c_u64(v: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if v.is_nan() || v < TWO_63 {
        c_i64(v) as u64
    } else {
        (c_i64(v - TWO_63) as u64) ^ (1 << 63)
    }
}

/// The cell of `step` bits per coordinate holding a position, over the given ranges;
/// `None` for a position outside them (or Redis's limits), or an unusable step.
// Comparisons rather than ranges: C lets a NaN through them (callers never pass one).
#[allow(clippy::manual_range_contains)]
pub fn encode(
    lon_range: Range,
    lat_range: Range,
    lon: f64,
    lat: f64,
    step: u8,
) -> Option<HashBits> {
    if step > 32 || step == 0 || lat_range.is_zero() || lon_range.is_zero() {
        return None;
    }
    if lon > LON_MAX || lon < LON_MIN || lat > LAT_MAX || lat < LAT_MIN {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
    let cells = (1u64 << step) as f64;
    lat_offset *= cells;
    lon_offset *= cells;
    Some(HashBits {
        bits: interleave(c_u32(lat_offset), c_u32(lon_offset)),
        step,
    })
}

/// The cell over Redis's ranges ([`LON_RANGE`], [`LAT_RANGE`]).
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<HashBits> {
    encode(LON_RANGE, LAT_RANGE, lon, lat, step)
}

/// The score GEOADD stores for a position (already checked to be within the limits).
pub fn score_of(lon: f64, lat: f64) -> f64 {
    // Redis goes through the decimal text of the integer; both roundings are to nearest.
    encode_wgs84(lon, lat, STEP_MAX).map_or(0.0, |h| h.align52() as f64)
}

/// A cell's extent; `None` for the empty cell.
pub fn decode(lon_range: Range, lat_range: Range, hash: HashBits) -> Option<Area> {
    if hash.is_zero() || lat_range.is_zero() || lon_range.is_zero() {
        return None;
    }
    let separated = deinterleave(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let lon_scale = lon_range.max - lon_range.min;
    let ilat = separated as u32;
    let ilon = (separated >> 32) as u32;
    let cells = (1u64 << hash.step) as f64;
    // `+ 1` wraps in 32 bits, as Redis's unsigned arithmetic does for out-of-range scores.
    let edge = |i: u32, min: f64, scale: f64| min + (f64::from(i) / cells) * scale;
    Some(Area {
        lat: Range {
            min: edge(ilat, lat_range.min, lat_scale),
            max: edge(ilat.wrapping_add(1), lat_range.min, lat_scale),
        },
        lon: Range {
            min: edge(ilon, lon_range.min, lon_scale),
            max: edge(ilon.wrapping_add(1), lon_range.min, lon_scale),
        },
    })
}

/// The centre of a cell, clamped to Redis's limits: `[lon, lat]`.
fn area_centre(area: &Area) -> [f64; 2] {
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    [lon, lat]
}

/// The position a stored score stands for, `[lon, lat]`. Every score decodes (Redis
/// clamps whatever a foreign score gives to the limits).
pub fn decode_score(score: f64) -> [f64; 2] {
    let hash = HashBits {
        bits: c_u64(score),
        step: STEP_MAX,
    };
    decode(LON_RANGE, LAT_RANGE, hash).map_or([0.0, 0.0], |area| area_centre(&area))
}

/// The standard 11-character geohash of a stored score (GEOHASH): the position re-encoded
/// over latitude -90..90, the last character always `0` (52 bits fill only ten).
pub fn geohash_text(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [lon, lat] = decode_score(score);
    let lat_range = Range {
        min: -90.0,
        max: 90.0,
    };
    let bits = encode(LON_RANGE, lat_range, lon, lat, STEP_MAX).map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().take(10).enumerate() {
        let index = (bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[index as usize];
    }
    out
}

/// A cell's eight neighbours, each one cell away (wrapping around at the grid's edges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Neighbours {
    pub north: HashBits,
    pub south: HashBits,
    pub east: HashBits,
    pub west: HashBits,
    pub north_east: HashBits,
    pub north_west: HashBits,
    pub south_east: HashBits,
    pub south_west: HashBits,
}

const EVEN: u64 = 0x5555_5555_5555_5555;
const ODD: u64 = 0xaaaa_aaaa_aaaa_aaaa;

/// Moves a cell by one along the longitude (odd) bits: `+1` east, `-1` west. The carry
/// runs through the latitude bits by setting them first, which are then masked away.
fn move_lon(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let mut x = hash.bits & ODD;
    let y = hash.bits & EVEN;
    let zz = EVEN >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= ODD >> shift;
    hash.bits = x | y;
}

/// Moves a cell by one along the latitude (even) bits: `+1` north, `-1` south.
fn move_lat(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & ODD;
    let mut y = hash.bits & EVEN;
    let zz = ODD >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= EVEN >> shift;
    hash.bits = x | y;
}

/// The eight cells around `hash` (whose step is 1 to 32).
pub fn neighbours(hash: HashBits) -> Neighbours {
    let at = |dx: i8, dy: i8| {
        let mut h = hash;
        move_lon(&mut h, dx);
        move_lat(&mut h, dy);
        h
    };
    Neighbours {
        east: at(1, 0),
        west: at(-1, 0),
        south: at(0, -1),
        north: at(0, 1),
        north_west: at(-1, 1),
        north_east: at(1, 1),
        south_east: at(1, -1),
        south_west: at(-1, -1),
    }
}

/// The cell size (bits per coordinate) whose 3x3 block should cover a search of
/// `range_m` metres around latitude `lat`: halving the Mercator width until it is under
/// the radius, two steps coarser to be safe, coarser still towards the poles.
#[allow(clippy::manual_range_contains)]
pub fn estimate_step(range_m: f64, lat: f64) -> u8 {
    if range_m == 0.0 {
        return STEP_MAX;
    }
    let mut range = range_m;
    let mut step: i64 = 1;
    // `range > 0`: unreachable otherwise (radii are checked), but never loop forever.
    while range > 0.0 && range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    // Written as comparisons, not ranges: a NaN latitude must take neither branch.
    if lat > 66.0 || lat < -66.0 {
        step -= 1;
        if lat > 80.0 || lat < -80.0 {
            step -= 1;
        }
    }
    step.clamp(1, i64::from(STEP_MAX)) as u8
}

/// What a search covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// Within `radius` (in the unit) of the centre.
    Radius(f64),
    /// Within an axis-aligned box `width` x `height` (in the unit) centred on the centre.
    Box { width: f64, height: f64 },
}

/// A search area: its centre, its extent and the unit's size in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub lon: f64,
    pub lat: f64,
    /// Metres per unit (1 for m, 1000 for km, 0.3048 for ft, 1609.34 for mi).
    pub conversion: f64,
    pub kind: ShapeKind,
}

impl Shape {
    /// The degrees the shape spans: `[min_lon, min_lat, max_lon, max_lat]`. Meridians
    /// converge, so the longitude span is taken at the edge nearer the pole.
    pub fn bounding_box(&self) -> [f64; 4] {
        let (height, width) = match self.kind {
            ShapeKind::Radius(r) => (self.conversion * r, self.conversion * r),
            ShapeKind::Box { width, height } => (
                self.conversion * (height / 2.0),
                self.conversion * (width / 2.0),
            ),
        };
        let lat_delta = rad_deg(height / EARTH_RADIUS_M);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS_M / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom =
            rad_deg(width / EARTH_RADIUS_M / deg_rad(self.lat - lat_delta).cos());
        let lon_delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        [
            self.lon - lon_delta,
            self.lat - lat_delta,
            self.lon + lon_delta,
            self.lat + lat_delta,
        ]
    }

    /// The radius (metres) the cell size is estimated from: a box's half diagonal.
    fn reach_m(&self) -> f64 {
        let reach = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        };
        reach * self.conversion
    }

    /// Whether the member stored with `score` is inside the shape: its position and
    /// distance from the centre (metres) when it is.
    pub fn contains(&self, score: f64) -> Option<([f64; 2], f64)> {
        let xy = decode_score(score);
        let [lon, lat] = xy;
        match self.kind {
            ShapeKind::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                // Only "farther than" excludes: a NaN distance (rounding past the
                // antipode) is inside, as in Redis.
                match d.partial_cmp(&(r * self.conversion)) {
                    Some(std::cmp::Ordering::Greater) => None,
                    _ => Some((xy, d)),
                }
            }
            ShapeKind::Box { width, height } => {
                let (width_m, height_m) = (width * self.conversion, height * self.conversion);
                if lat_distance(lat, self.lat) > height_m / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > width_m / 2.0 {
                    return None;
                }
                Some((xy, distance(self.lon, self.lat, lon, lat)))
            }
        }
    }
}

/// The cells a search reads, in the order it reads them: the centre's, then north,
/// south, east, west, north-east, north-west, south-east, south-west (zero where a
/// neighbour cannot hold anything inside the shape).
pub fn search_areas(shape: &Shape) -> [HashBits; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounding_box();
    let mut step = estimate_step(shape.reach_m(), shape.lat);
    let cell = |step: u8| {
        let hash = encode(LON_RANGE, LAT_RANGE, shape.lon, shape.lat, step)
            .unwrap_or(HashBits { bits: 0, step });
        (hash, neighbours(hash))
    };
    let area_of = |h: HashBits| decode(LON_RANGE, LAT_RANGE, h);
    let (mut hash, mut around) = cell(step);
    // Near a cell's edge the estimated cells may be too small to reach the whole shape.
    let too_small = [
        area_of(around.north).is_some_and(|a| a.lat.max < max_lat),
        area_of(around.south).is_some_and(|a| a.lat.min > min_lat),
        area_of(around.east).is_some_and(|a| a.lon.max < max_lon),
        area_of(around.west).is_some_and(|a| a.lon.min > min_lon),
    ];
    if step > 1 && too_small.contains(&true) {
        step -= 1;
        (hash, around) = cell(step);
    }
    if step >= 2
        && let Some(area) = area_of(hash)
    {
        let none = HashBits::default();
        if area.lat.min < min_lat {
            around.south = none;
            around.south_west = none;
            around.south_east = none;
        }
        if area.lat.max > max_lat {
            around.north = none;
            around.north_east = none;
            around.north_west = none;
        }
        if area.lon.min < min_lon {
            around.west = none;
            around.south_west = none;
            around.north_west = none;
        }
        if area.lon.max > max_lon {
            around.east = none;
            around.south_east = none;
            around.north_east = none;
        }
    }
    [
        hash,
        around.north,
        around.south,
        around.east,
        around.west,
        around.north_east,
        around.north_west,
        around.south_east,
        around.south_west,
    ]
}

/// The distance (metres) between two latitudes on one meridian.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// The great-circle distance (metres) between two positions: the haversine formula,
/// computed as Redis computes it.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    //! Expected values were taken from redis-server 7.0.15 (GEOADD + ZSCORE, GEOPOS,
    //! GEODIST, GEOHASH).
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for (x, y) in [
            (0, 0),
            (1, 0),
            (0, 1),
            (0xFFFF_FFFF, 0),
            (0x1234_5678, 0x9abc_def0),
        ] {
            let v = interleave(x, y);
            assert_eq!(deinterleave(v), u64::from(x) | (u64::from(y) << 32));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn scores_match_redis() {
        // GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        assert_eq!(score_of(13.361389, 38.115556), 3479099956230698.0);
        assert_eq!(score_of(15.087269, 37.502669), 3479447370796909.0);
        assert_eq!(score_of(-180.0, -85.05112878), 0.0);
        let [lon, lat] = decode_score(3479099956230698.0);
        assert_eq!(lon, 13.361389338970184);
        assert_eq!(lat, 38.1155563954963);
    }

    #[test]
    fn distances_match_redis() {
        let [lon1, lat1] = decode_score(3479099956230698.0);
        let [lon2, lat2] = decode_score(3479447370796909.0);
        // GEODIST Sicily Palermo Catania -> 166274.1516
        let d = distance(lon1, lat1, lon2, lat2);
        assert!((d - 166274.1516).abs() < 1e-4, "{d}");
        assert_eq!(distance(lon1, lat1, lon1, lat2), lat_distance(lat1, lat2));
    }

    #[test]
    fn geohash_text_matches_redis() {
        assert_eq!(&geohash_text(3479099956230698.0), b"sqc8b49rny0");
        assert_eq!(&geohash_text(3479447370796909.0), b"sqdtr74hyu0");
    }

    #[test]
    fn c_conversions_of_foreign_scores() {
        assert_eq!(c_u64(-1.0), u64::MAX);
        assert_eq!(c_u64(f64::NEG_INFINITY), 1 << 63);
        assert_eq!(c_u64(f64::INFINITY), 0);
        assert_eq!(c_u64(1.8446744073709552e19), 0);
        assert_eq!(c_u64(9.3e18), 9_300_000_000_000_000_000);
        assert_eq!(c_i64(f64::INFINITY), i64::MIN);
        assert_eq!(c_i64(-1.5), -1);
        // Any score decodes to a position within the limits.
        for score in [
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e300,
            -1e300,
            5e-324,
        ] {
            let [lon, lat] = decode_score(score);
            assert!((LON_MIN..=LON_MAX).contains(&lon), "{score}");
            assert!((LAT_MIN..=LAT_MAX).contains(&lat), "{score}");
        }
    }

    #[test]
    fn neighbours_wrap_around() {
        let h = encode_wgs84(179.9, 0.0, 4).unwrap();
        let n = neighbours(h);
        let east = decode(LON_RANGE, LAT_RANGE, n.east).unwrap();
        assert_eq!(east.lon.min, -180.0);
        let west = decode(LON_RANGE, LAT_RANGE, n.west).unwrap();
        assert!(west.lon.max < 180.0 && west.lon.max > 100.0);
        let north = decode(LON_RANGE, LAT_RANGE, n.north).unwrap();
        let here = decode(LON_RANGE, LAT_RANGE, h).unwrap();
        assert_eq!(north.lat.min, here.lat.max);
    }

    #[test]
    fn step_estimation() {
        assert_eq!(estimate_step(0.0, 0.0), 26);
        assert_eq!(estimate_step(1.0, 0.0), 24);
        assert_eq!(estimate_step(1000.0, 0.0), 14);
        assert_eq!(estimate_step(1000.0, 70.0), 13);
        assert_eq!(estimate_step(1000.0, -85.0), 12);
        assert_eq!(estimate_step(5e6, 0.0), 2);
        assert_eq!(estimate_step(2e7, 0.0), 1);
        assert_eq!(estimate_step(f64::INFINITY, 0.0), 1);
        assert_eq!(estimate_step(f64::NAN, 0.0), 1);
        assert_eq!(estimate_step(5e-324, 0.0), 26);
    }

    #[test]
    fn search_areas_cover_the_shape() {
        let shape = Shape {
            lon: 15.0,
            lat: 37.0,
            conversion: 1000.0,
            kind: ShapeKind::Radius(200.0),
        };
        let cells = search_areas(&shape);
        assert!(!cells[0].is_zero());
        let step = cells[0].step;
        assert!(cells.iter().all(|c| c.is_zero() || c.step == step));
        // A huge radius at step 1: the 2x2 grid, neighbours repeating.
        let world = Shape {
            kind: ShapeKind::Radius(f64::INFINITY),
            ..shape
        };
        assert_eq!(search_areas(&world)[0].step, 1);
        let pole = Shape {
            lon: 180.0,
            lat: LAT_MAX,
            conversion: 1.0,
            kind: ShapeKind::Box {
                width: 1e5,
                height: 1e5,
            },
        };
        let cells = search_areas(&pole);
        assert!(!cells[0].is_zero());
    }
}
