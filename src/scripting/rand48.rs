//! Redis's `math.random` generator: the 48-bit linear congruential generator of POSIX
//! `lrand48` (Redis ships its own copy so every platform gives the same sequence), one per
//! process, never reseeded between scripts.

/// `a` and `c` of `x' = a * x + c mod 2^48`.
const MULTIPLIER: u64 = 0x5_DEEC_E66D;
const INCREMENT: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;
/// The low 16 bits every seed gets, and the state before any seed.
const SEED_LOW: u64 = 0x330E;
const INITIAL: u64 = 0x1234_ABCD_330E;

/// The largest value [`Rand48::next`] can return, plus one (`REDIS_LRAND48_MAX`).
pub const RAND48_MAX: i32 = i32::MAX;

#[derive(Debug, Clone)]
pub struct Rand48 {
    state: u64,
}

impl Default for Rand48 {
    fn default() -> Self {
        Rand48::new()
    }
}

impl Rand48 {
    pub fn new() -> Rand48 {
        Rand48 { state: INITIAL }
    }

    /// `redisSrand48`: the seed's 32 bits above the fixed low 16.
    pub fn seed(&mut self, seed: i32) {
        self.state = ((seed as u32 as u64) << 16) | SEED_LOW;
    }

    /// `redisLrand48`: the next 31-bit value.
    pub fn next_i31(&mut self) -> i32 {
        self.state = (MULTIPLIER.wrapping_mul(self.state).wrapping_add(INCREMENT)) & MASK;
        (self.state >> 17) as i32
    }

    /// A number in [0, 1), as Redis's `math.random` draws it.
    pub fn next_unit(&mut self) -> f64 {
        (self.next_i31() % RAND48_MAX) as f64 / RAND48_MAX as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_posix_lrand48() {
        // glibc: srand48(0); lrand48() x3
        let mut r = Rand48::new();
        r.seed(0);
        assert_eq!(
            [r.next_i31(), r.next_i31(), r.next_i31()],
            [366850414, 1610402240, 206956554]
        );
    }
}
