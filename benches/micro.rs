//! Micro benchmarks of the hot path, through the public API: the store (GET, SET, INCR,
//! the expiry check of a lookup, an active expiry cycle), the big sorted set (ZADD of new
//! members, ZRANK, a ZRANGE page by rank from the middle), the RESP request decoder on a
//! pipelined batch, the reply encoder, and whole commands through the command table.
//!
//! `cargo bench --bench micro` measures; `cargo test --benches` (and so `cargo test
//! --all-targets`) runs each benchmark once as a test, timing nothing.
//!
//! Keys and values are the load generator's: 16-byte keys (`key:000000000042`) and
//! 10-byte values, over a store preloaded with `PRELOADED` keys.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use memorabilia::commands::{self, Ctx, Protocol, Reply, Session};
use memorabilia::config::Config;
use memorabilia::exec::execute;
use memorabilia::resp::decoder::RequestDecoder;
use memorabilia::resp::encoder::encode;
use memorabilia::state::{ClientKind, Clients, ServerState};
use memorabilia::store::{Access, Event, SortedSetValue, Store, Value, unix_time_ms};

const PRELOADED: u64 = 100_000;
const VALUE: &[u8] = b"xxxxxxxxxx";
const PIPELINE: usize = 16;

fn key(n: u64) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    let mut n = n;
    for d in k[4..].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    k
}

/// Key numbers in a scattered but repeatable order, so lookups do not walk memory in
/// insertion order.
fn key_numbers(count: usize) -> Vec<u64> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % PRELOADED
        })
        .collect()
}

fn string(bytes: &[u8]) -> Value {
    Value::string(Bytes::copy_from_slice(bytes))
}

/// A store holding `PRELOADED` string keys, every one with a far expiry when `volatile`.
fn loaded_store(volatile: bool) -> Store {
    let store = Store::new(1);
    let expires = volatile.then(|| unix_time_ms() + 3_600_000);
    for n in 0..PRELOADED {
        let k = key(n);
        let txn = store.txn(Access::Write, 0, [&k[..]]);
        txn.set(0, &k, string(VALUE), expires, Event::Set);
    }
    store
}

fn bench_store(c: &mut Criterion) {
    let mut g = c.benchmark_group("store");
    g.throughput(Throughput::Elements(1));
    let keys: Vec<[u8; 16]> = key_numbers(4096).into_iter().map(key).collect();

    let store = loaded_store(false);
    let mut i = 0usize;
    g.bench_function("get_hit", |b| {
        b.iter(|| {
            let k = &keys[i % keys.len()];
            i += 1;
            let txn = store.txn(Access::Read, 0, [&k[..]]);
            black_box(txn.get(0, k).is_some())
        })
    });
    g.bench_function("get_miss", |b| {
        b.iter(|| {
            let txn = store.txn(Access::Read, 0, [&b"absent:000000000"[..]]);
            black_box(txn.get(0, b"absent:000000000").is_none())
        })
    });
    g.bench_function("set_overwrite", |b| {
        b.iter(|| {
            let k = &keys[i % keys.len()];
            i += 1;
            let txn = store.txn(Access::Write, 0, [&k[..]]);
            txn.set(0, k, string(VALUE), None, Event::Set);
        })
    });

    // A lookup of a key with an expiry checks it against the txn's clock.
    let volatile = loaded_store(true);
    g.bench_function("get_hit_with_expiry_check", |b| {
        b.iter(|| {
            let k = &keys[i % keys.len()];
            i += 1;
            let txn = volatile.txn(Access::Read, 0, [&k[..]]);
            black_box(txn.get(0, k).is_some())
        })
    });
    drop(volatile);

    // INCR is a command-layer operation over the store (parse, add, store the new text),
    // here in the txn the execution path would open over its key.
    let server = ServerState::new(Config::default());
    let mut session = Session::new(Clients::detached(ClientKind::Resp));
    g.bench_function("incr", |b| {
        b.iter(|| {
            let k = &keys[i % 64];
            i += 1;
            let txn = server.store.txn(Access::Write, 0, [&k[..]]);
            let ctx = Ctx::with_txn(&server, &mut session, Some(&txn));
            black_box(commands::strings::incr_by_op(&ctx, k, 1).expect("integer"))
        })
    });
    g.finish();

    // One active expiry cycle over 100k volatile keys, none of them due (it stops once a
    // sample finds too few stale keys): the background work a server with TTLs does `hz`
    // times a second.
    let mut g = c.benchmark_group("expiry");
    let volatile = loaded_store(true);
    g.bench_function("active_cycle_100k_volatile_none_due", |b| {
        b.iter(|| black_box(volatile.active_expire_cycle(Duration::from_millis(25))))
    });
    g.finish();
}

/// `PIPELINE` requests of one kind, as a client writes them in one batch.
fn pipelined(set: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for n in key_numbers(PIPELINE) {
        if set {
            out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$16\r\n");
        } else {
            out.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$16\r\n");
        }
        out.extend_from_slice(&key(n));
        out.extend_from_slice(b"\r\n");
        if set {
            out.extend_from_slice(b"$10\r\nxxxxxxxxxx\r\n");
        }
    }
    out
}

fn bench_decoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("resp_decoder");
    g.throughput(Throughput::Elements(PIPELINE as u64));
    for (name, set) in [("pipeline_16_get", false), ("pipeline_16_set", true)] {
        let batch = pipelined(set);
        let mut decoder = RequestDecoder::default();
        let mut argv = Vec::with_capacity(8);
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || BytesMut::from(&batch[..]),
                |input| {
                    let mut commands = 0;
                    while decoder.decode(input, &mut argv).expect("valid RESP") {
                        commands += 1;
                    }
                    assert_eq!(commands, PIPELINE);
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn bench_encoder(c: &mut Criterion) {
    let mut g = c.benchmark_group("resp_encoder");
    let replies = [
        ("ok", Reply::ok()),
        ("bulk_10", Reply::bulk(VALUE)),
        ("null", Reply::Null),
        ("integer", Reply::Integer(1_234_567)),
        (
            "array_16_bulk_10",
            Reply::Array((0..16).map(|_| Reply::bulk(VALUE)).collect()),
        ),
    ];
    let mut out = BytesMut::with_capacity(4096);
    for (name, reply) in &replies {
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            let id = format!("{name}_resp{}", protocol.version());
            g.bench_function(id, |b| {
                b.iter(|| {
                    out.clear();
                    encode(black_box(reply), protocol, &mut out);
                    black_box(out.len())
                })
            });
        }
    }
    g.finish();
}

/// Members of the big sorted set: `m:<n>`, scored like `ZADD bigz <rand> m:<rand>`.
const ZSET_MEMBERS: u64 = 500_000;

fn zset_member(n: u64) -> Vec<u8> {
    format!("m:{n}").into_bytes()
}

/// A repeatable scattered sequence (xorshift), for scores and member numbers.
fn scattered(seed: u64, count: usize) -> Vec<u64> {
    let mut x = seed;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect()
}

/// The big sorted set (Redis's skiplist encoding) at `ZSET_MEMBERS` members: ZADD of new
/// members, ZRANK of random members, and `at_rank` plus 10 steps from the middle (ZRANGE
/// by rank).
fn bench_sorted_set(c: &mut Criterion) {
    let mut z = SortedSetValue::new();
    let scores = scattered(0x9E37_79B9_7F4A_7C15, ZSET_MEMBERS as usize);
    for (n, s) in scores.iter().enumerate() {
        z.set_score(&zset_member(n as u64), (s % 1_000_000) as f64);
    }
    let mut g = c.benchmark_group("sorted_set");
    g.throughput(Throughput::Elements(1));
    // New members above the preloaded ones, removed again (untimed) after each batch so
    // every batch inserts into the same 500k-member set.
    let fresh = scattered(0x2545_F491_4F6C_DD1D, 4096);
    g.bench_function("zadd_new_500k", |b| {
        b.iter_custom(|iters| {
            let members: Vec<Vec<u8>> = (0..iters).map(|n| zset_member(ZSET_MEMBERS + n)).collect();
            let start = std::time::Instant::now();
            for (n, member) in members.iter().enumerate() {
                let s = fresh[n % fresh.len()] % 1_000_000;
                black_box(z.set_score(member, s as f64));
            }
            let elapsed = start.elapsed();
            for member in &members {
                z.remove(member);
            }
            elapsed
        })
    });
    let lookups: Vec<Vec<u8>> = scattered(0xD1B5_4A32_D192_ED03, 4096)
        .into_iter()
        .map(|n| zset_member(n % ZSET_MEMBERS))
        .collect();
    let mut i = 0usize;
    g.bench_function("zrank_500k", |b| {
        b.iter(|| {
            let member = &lookups[i % lookups.len()];
            i += 1;
            black_box(z.rank(member))
        })
    });
    // Starts scattered over the middle half of the ranks, so walks are not cache-warm.
    let starts: Vec<usize> = scattered(0x94D0_49BB_1331_11EB, 4096)
        .into_iter()
        .map(|n| z.len() / 4 + n as usize % (z.len() / 2))
        .collect();
    let mut j = 0usize;
    g.bench_function("zrange_middle_10_500k", |b| {
        b.iter(|| {
            let start = starts[j % starts.len()];
            j += 1;
            let first = z.at_rank(start);
            let total: f64 = z.iter_from(first, false).take(10).map(|(_, s)| s).sum();
            black_box(total)
        })
    });
    g.finish();
}

/// Whole commands through the command table, and a whole pipelined RESP batch as a
/// connection runs it: decode, execute, encode.
fn bench_commands(c: &mut Criterion) {
    let server: Arc<ServerState> = ServerState::new(Config::default());
    for n in 0..PRELOADED {
        let k = key(n);
        let txn = server.store.txn(Access::Write, 0, [&k[..]]);
        txn.set(0, &k, string(VALUE), None, Event::Set);
    }
    let mut session = Session::new(Clients::detached(ClientKind::Resp));
    let mut g = c.benchmark_group("command");
    g.throughput(Throughput::Elements(1));
    let argvs = |name: &'static [u8], set: bool| -> Vec<Vec<Bytes>> {
        key_numbers(1024)
            .into_iter()
            .map(|n| {
                let mut argv = vec![Bytes::from_static(name), Bytes::copy_from_slice(&key(n))];
                if set {
                    argv.push(Bytes::from_static(VALUE));
                }
                argv
            })
            .collect()
    };
    // EVALSHA of a one-call script: the scripting layer's cost per call on top of INCR.
    let script = Bytes::from_static(b"return redis.call('INCR', KEYS[1])");
    let sha = match execute(
        &server,
        &mut session,
        &[
            Bytes::from_static(b"SCRIPT"),
            Bytes::from_static(b"LOAD"),
            script,
        ],
    ) {
        Reply::Bulk(sha) => sha,
        other => panic!("SCRIPT LOAD replied {other:?}"),
    };
    let evalsha: Vec<Vec<Bytes>> = key_numbers(1024)
        .into_iter()
        .map(|n| {
            let mut counter = b"ctr:".to_vec();
            counter.extend_from_slice(&key(n));
            vec![
                Bytes::from_static(b"EVALSHA"),
                sha.clone(),
                Bytes::from_static(b"1"),
                Bytes::from(counter),
            ]
        })
        .collect();
    for (id, argvs) in [
        ("evalsha_incr", evalsha),
        ("get", argvs(b"GET", false)),
        ("set", argvs(b"SET", true)),
        (
            "incr",
            vec![vec![
                Bytes::from_static(b"INCR"),
                Bytes::from_static(b"counter"),
            ]],
        ),
    ] {
        let mut i = 0usize;
        g.bench_function(id, |b| {
            b.iter(|| {
                let argv = &argvs[i % argvs.len()];
                i += 1;
                black_box(execute(&server, &mut session, argv))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("resp_batch");
    g.throughput(Throughput::Elements(PIPELINE as u64));
    for (name, set) in [
        ("decode_execute_encode_16_get", false),
        ("decode_execute_encode_16_set", true),
    ] {
        let batch = pipelined(set);
        let mut decoder = RequestDecoder::default();
        let mut argv = Vec::with_capacity(8);
        let mut out = BytesMut::with_capacity(4096);
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || BytesMut::from(&batch[..]),
                |input| {
                    out.clear();
                    while decoder.decode(input, &mut argv).expect("valid RESP") {
                        let reply = execute(&server, &mut session, &argv);
                        argv.clear();
                        encode(&reply, Protocol::Resp2, &mut out);
                    }
                    black_box(out.len())
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_store,
    bench_sorted_set,
    bench_decoder,
    bench_encoder,
    bench_commands
);
criterion_main!(benches);
