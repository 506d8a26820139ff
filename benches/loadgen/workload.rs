//! What the load generator sends: the workloads, the keys and a small random generator.

use std::time::Instant;

/// The command mix of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// SET of a random key.
    Set,
    /// GET of a random key.
    Get,
    /// 80% GET, 20% SET, each of a random key.
    Mix,
    /// SET of every key of the keyspace exactly once, then stop (loading, memory runs).
    Fill,
}

impl Workload {
    pub fn name(self) -> &'static str {
        match self {
            Workload::Set => "set",
            Workload::Get => "get",
            Workload::Mix => "mix",
            Workload::Fill => "fill",
        }
    }
}

/// One operation to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Get(u64),
    Set(u64),
}

/// Keys are `key:` and the key number in 12 zero-padded digits: 16 bytes, the same keys
/// `redis-benchmark -r` writes (`key:__rand_int__`), so both tools touch one keyspace.
pub const KEY_LEN: usize = 16;
const KEY_PREFIX: &[u8] = b"key:";
/// The largest keyspace 12 digits can number.
pub const MAX_KEYSPACE: u64 = 1_000_000_000_000;

pub fn key(n: u64) -> [u8; KEY_LEN] {
    let mut key = [b'0'; KEY_LEN];
    key[..KEY_PREFIX.len()].copy_from_slice(KEY_PREFIX);
    let mut n = n;
    for digit in key[KEY_PREFIX.len()..].iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
    key
}

/// xorshift64*: fast, good enough to spread keys, and seeded per worker so runs repeat.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Any non-zero state works; mix the seed so nearby seeds diverge at once.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Hands one worker its operations and tells it when to stop.
pub struct OpSource {
    workload: Workload,
    keyspace: u64,
    rng: Rng,
    /// Fill: the next key number of this worker and the stride between its keys.
    next_fill: u64,
    stride: u64,
    end: Instant,
}

impl OpSource {
    /// The source of worker `index` of `workers`.
    pub fn new(
        workload: Workload,
        keyspace: u64,
        index: usize,
        workers: usize,
        end: Instant,
    ) -> OpSource {
        OpSource {
            workload,
            keyspace,
            rng: Rng::new(index as u64 + 1),
            next_fill: index as u64,
            stride: workers as u64,
            end,
        }
    }

    /// Whether the worker should send another batch.
    pub fn more(&self) -> bool {
        match self.workload {
            Workload::Fill => self.next_fill < self.keyspace,
            _ => Instant::now() < self.end,
        }
    }

    /// The next operation, `None` once a fill has written all of its keys.
    pub fn next_op(&mut self) -> Option<Op> {
        Some(match self.workload {
            Workload::Set => Op::Set(self.rng.below(self.keyspace)),
            Workload::Get => Op::Get(self.rng.below(self.keyspace)),
            Workload::Mix => {
                let n = self.rng.below(self.keyspace);
                if self.rng.below(100) < 80 {
                    Op::Get(n)
                } else {
                    Op::Set(n)
                }
            }
            Workload::Fill => {
                if self.next_fill >= self.keyspace {
                    return None;
                }
                let n = self.next_fill;
                self.next_fill += self.stride;
                Op::Set(n)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sixteen_bytes_like_redis_benchmark() {
        assert_eq!(&key(0), b"key:000000000000");
        assert_eq!(&key(999_999), b"key:000000999999");
        assert_eq!(&key(MAX_KEYSPACE - 1), b"key:999999999999");
    }

    #[test]
    fn fill_covers_the_keyspace_once() {
        let end = Instant::now();
        let mut seen = vec![0u8; 1000];
        for w in 0..7 {
            let mut src = OpSource::new(Workload::Fill, 1000, w, 7, end);
            while src.more() {
                match src.next_op() {
                    Some(Op::Set(n)) => seen[n as usize] += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(src.next_op(), None);
        }
        assert!(seen.iter().all(|&c| c == 1));
    }

    #[test]
    fn mix_is_about_eighty_twenty() {
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        let mut src = OpSource::new(Workload::Mix, 1_000_000, 0, 1, far);
        let gets = (0..10_000)
            .filter(|_| matches!(src.next_op(), Some(Op::Get(_))))
            .count();
        assert!((7_500..8_500).contains(&gets), "{gets} gets of 10000");
    }
}
