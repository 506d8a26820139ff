//! LZF, the compression Redis applies to long strings in RDB files and DUMP payloads.
//!
//! Our own rather than the `lzf` crate, for two reasons: Redis gives the compressor an
//! output buffer four bytes shorter than the input and gives up as soon as a match or
//! literal could overflow it (so whether a string is stored compressed, and its bytes,
//! follow liblzf's exact checks), and the crate allocates and zeroes a 512 KB hash table
//! per call, which a snapshot of a million short strings cannot afford. The hash table
//! here is per thread and never cleared: each slot carries the call's generation, so a
//! stale slot reads as empty, as a zeroed table would.
//!
//! Format (liblzf 3.6): `000LLLLL` + L+1 literal bytes; `LLLooooo oooooooo` a back
//! reference of L+2 bytes at distance o+1; `111ooooo LLLLLLLL oooooooo` one of L+9 bytes.

use std::cell::RefCell;

const HASH_LOG: u32 = 16;
const HASH_SIZE: usize = 1 << HASH_LOG;
const MAX_LITERAL: usize = 1 << 5;
const MAX_OFFSET: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

struct Table {
    /// (generation << 32) | (position + 1); a slot of another generation is empty.
    slots: Box<[u64]>,
    generation: u32,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table {
        slots: vec![0; HASH_SIZE].into_boxed_slice(),
        generation: 0,
    });
}

fn hash_index(h: u32) -> usize {
    // liblzf's VERY_FAST IDX: ((h >> (3*8 - HLOG)) - h*5) & (HSIZE - 1).
    ((h >> (24 - HASH_LOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HASH_SIZE - 1)
}

fn first(input: &[u8], at: usize) -> u32 {
    ((input[at] as u32) << 8) | input[at + 1] as u32
}

fn next(h: u32, input: &[u8], at: usize) -> u32 {
    (h << 8) | input[at + 2] as u32
}

/// Compresses `input` into at most `limit` bytes, as liblzf's `lzf_compress(in, len, out,
/// limit)`; `None` when it does not fit (Redis then stores the string as it is).
pub fn compress(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    if input.is_empty() || limit == 0 {
        return None;
    }
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        table.generation = table.generation.wrapping_add(1);
        if table.generation == 0 {
            // After 2^32 calls old tags could match again: clear once, really.
            table.slots.fill(0);
            table.generation = 1;
        }
        let generation = table.generation;
        compress_with(input, limit, &mut table.slots, generation)
    })
}

fn compress_with(
    input: &[u8],
    limit: usize,
    slots: &mut [u64],
    generation: u32,
) -> Option<Vec<u8>> {
    let tag = (generation as u64) << 32;
    let lookup = |slots: &[u64], h: u32| -> Option<usize> {
        let slot = slots[hash_index(h)];
        (slot & !0xffff_ffff == tag && slot as u32 != 0).then(|| (slot as u32 - 1) as usize)
    };
    let store = |slots: &mut [u64], h: u32, at: usize| {
        slots[hash_index(h)] = tag | (at as u64 + 1);
    };
    let len = input.len();
    // `out` is never longer than `limit`; index arithmetic mirrors liblzf's pointer checks.
    let mut out: Vec<u8> = Vec::with_capacity(limit.min(len + len / 16 + 64));
    let mut lit: usize = 0;
    out.push(0); // the first literal run's header
    let mut ip = 0usize;
    if len >= 2 {
        let mut h = first(input, ip);
        while ip + 2 < len {
            h = next(h, input, ip);
            let candidate = lookup(slots, h);
            store(slots, h, ip);
            let matched = candidate.filter(|&r| {
                r < ip
                    && ip - r - 1 < MAX_OFFSET
                    && r > 0
                    && input[r + 2] == input[ip + 2]
                    && input[r] == input[ip]
                    && input[r + 1] == input[ip + 1]
            });
            if let Some(r) = matched {
                let off = ip - r - 1;
                let mut mlen = 2usize;
                let maxlen = (len - ip - mlen).min(MAX_REF);
                // liblzf: op + 3 + 1 >= out_end, then the exact op - !lit + 3 + 1 >= out_end.
                let op = out.len();
                if op + 4 >= limit && op - usize::from(lit == 0) + 4 >= limit {
                    return None;
                }
                let run_header = op - lit - 1;
                out[run_header] = (lit as u8).wrapping_sub(1);
                if lit == 0 {
                    out.pop();
                }
                // liblzf first compares 16 bytes unrolled (which can run one past
                // `maxlen`), then one at a time; the exact lengths follow from that.
                'extend: {
                    if maxlen > 16 {
                        for _ in 0..16 {
                            mlen += 1;
                            if input[r + mlen] != input[ip + mlen] {
                                break 'extend;
                            }
                        }
                    }
                    loop {
                        mlen += 1;
                        if mlen >= maxlen || input[r + mlen] != input[ip + mlen] {
                            break;
                        }
                    }
                }
                let mlen = mlen - 2; // octets - 1
                ip += 1;
                if mlen < 7 {
                    out.push(((off >> 8) + (mlen << 5)) as u8);
                } else {
                    out.push(((off >> 8) + (7 << 5)) as u8);
                    out.push((mlen - 7) as u8);
                }
                out.push(off as u8);
                lit = 0;
                out.push(0); // start a run
                ip += mlen + 1;
                if ip + 2 >= len {
                    break;
                }
                // VERY_FAST: hash the two positions before the new one.
                ip -= 2;
                h = first(input, ip);
                h = next(h, input, ip);
                store(slots, h, ip);
                ip += 1;
                h = next(h, input, ip);
                store(slots, h, ip);
                ip += 1;
            } else {
                if out.len() >= limit {
                    return None;
                }
                push_literal(&mut out, &mut lit, input[ip]);
                ip += 1;
            }
        }
    }
    if out.len() + 3 > limit {
        return None;
    }
    while ip < len {
        push_literal(&mut out, &mut lit, input[ip]);
        ip += 1;
    }
    let run_header = out.len() - lit - 1;
    out[run_header] = (lit as u8).wrapping_sub(1);
    if lit == 0 {
        out.pop();
    }
    // The loop above may have written up to three bytes past liblzf's final check.
    (out.len() <= limit).then_some(out)
}

/// Adds one literal byte to the open run, closing it at liblzf's 32-byte maximum.
fn push_literal(out: &mut Vec<u8>, lit: &mut usize, byte: u8) {
    *lit += 1;
    out.push(byte);
    if *lit == MAX_LITERAL {
        let run_header = out.len() - *lit - 1;
        out[run_header] = (*lit - 1) as u8;
        *lit = 0;
        out.push(0);
    }
}

/// Decompresses liblzf output that must expand to exactly `expected` bytes; `None` for
/// malformed input (a reference before the start, a run past the end, a wrong size).
pub fn decompress(input: &[u8], expected: usize) -> Option<Vec<u8>> {
    // Never trust `expected` for the allocation beyond what the input could expand to.
    let mut out = Vec::with_capacity(expected.min(input.len().saturating_mul(264)));
    let mut i = 0;
    while i < input.len() {
        let ctrl = input[i] as usize;
        i += 1;
        if ctrl < 32 {
            let literal = input.get(i..i + ctrl + 1)?;
            if out.len() + literal.len() > expected {
                return None;
            }
            out.extend_from_slice(literal);
            i += ctrl + 1;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(i)? as usize;
                i += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            let start = out.len().checked_sub(back)?;
            if out.len() + len + 2 > expected {
                return None;
            }
            for k in 0..len + 2 {
                let byte = out[start + k];
                out.push(byte);
            }
        }
    }
    (out.len() == expected).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        if let Some(packed) = compress(data, data.len().saturating_sub(4)) {
            assert!(packed.len() <= data.len() - 4);
            assert_eq!(decompress(&packed, data.len()).as_deref(), Some(data));
        }
    }

    #[test]
    fn compresses_repetition_and_round_trips() {
        let data = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let packed = compress(data, data.len() - 4).expect("compressible");
        assert!(packed.len() < 10);
        assert_eq!(decompress(&packed, data.len()).unwrap(), data);
        for n in 0..300 {
            let text: Vec<u8> = (0..n).map(|i| b"abcdefgh"[(i * 7 + i / 5) % 8]).collect();
            round_trip(&text);
            let noise: Vec<u8> = (0..n).map(|i| ((i * 2654435761usize) >> 7) as u8).collect();
            round_trip(&noise);
        }
        round_trip(&vec![7u8; 100_000]);
    }

    #[test]
    fn incompressible_input_gives_up() {
        let noise: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    #[test]
    fn back_references_decode() {
        // "abcabcabc": literal "abc", then a 6-byte copy from 3 back.
        let input = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(decompress(&input, 9).unwrap(), b"abcabcabc");
        assert_eq!(decompress(&input, 8), None);
        assert_eq!(decompress(&[(4 << 5), 2], 6), None);
        assert_eq!(decompress(&[5, b'a'], 6), None);
    }
}
