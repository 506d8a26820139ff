//! The typed gRPC RPCs answer exactly like their Redis commands: one seeded random sequence
//! of operations (a small keyspace in two databases, good and bad arguments) runs through
//! the typed RPCs on one fresh server and as Redis commands over RESP on another. After
//! every operation the answers must correspond (values, absences, counts, error texts), and
//! at the end both servers must hold the same data.
//!
//! Expiries are absolute times far in the future (or in the past, or invalid), so nothing
//! depends on timing. Set `GRPC_PARITY_SEED` to replay another sequence.

mod common;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::{Resp, RespClient};
use memorabilia::grpc::proto::{
    self, ExpireCondition, SetCondition, TtlState, ValueType, expiry::Time, get_ex_request::Change,
    memorabilia_client::MemorabiliaClient,
};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use tonic::transport::Channel;
use tonic::{Response, Status};

const KEYS: &[&str] = &["a", "b", "c", "n", "f", "lst", ""];
const VALUES: &[&str] = &[
    "",
    "v",
    "hello",
    "0",
    "1",
    "-7",
    "42",
    "9223372036854775807",
    "-9223372036854775808",
    "3.5",
    "10.50",
    "5.0e3",
    "abc",
    " 1",
    "bin\0\u{7f}",
];
const DBS: &[u32] = &[0, 1];
const OPS_PER_SEED: usize = 1500;

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

/// An expiry as the typed API takes it.
#[derive(Debug, Clone, Copy)]
enum Exp {
    Ex(i64),
    Px(i64),
    ExAt(i64),
    PxAt(i64),
}

impl Exp {
    fn proto(self) -> proto::Expiry {
        proto::Expiry {
            time: Some(match self {
                Exp::Ex(n) => Time::Seconds(n),
                Exp::Px(n) => Time::Milliseconds(n),
                Exp::ExAt(n) => Time::UnixSeconds(n),
                Exp::PxAt(n) => Time::UnixMilliseconds(n),
            }),
        }
    }

    /// The SET / GETEX option words.
    fn words(self) -> [String; 2] {
        let (w, n) = match self {
            Exp::Ex(n) => ("EX", n),
            Exp::Px(n) => ("PX", n),
            Exp::ExAt(n) => ("EXAT", n),
            Exp::PxAt(n) => ("PXAT", n),
        };
        [w.to_string(), n.to_string()]
    }

    /// The EXPIRE-family command and its time argument.
    fn expire_command(self) -> [String; 2] {
        let (w, n) = match self {
            Exp::Ex(n) => ("EXPIRE", n),
            Exp::Px(n) => ("PEXPIRE", n),
            Exp::ExAt(n) => ("EXPIREAT", n),
            Exp::PxAt(n) => ("PEXPIREAT", n),
        };
        [w.to_string(), n.to_string()]
    }
}

#[derive(Debug, Clone)]
enum Op {
    Ping(Option<String>),
    Get(u32, String),
    Set {
        db: u32,
        key: String,
        value: String,
        condition: SetCondition,
        get: bool,
        expiry: Option<Exp>,
        keep_ttl: bool,
    },
    GetDel(u32, String),
    GetEx(u32, String, Option<Exp>, bool),
    MGet(u32, Vec<String>),
    MSet(u32, Vec<(String, String)>),
    MSetNx(u32, Vec<(String, String)>),
    Incr(u32, String),
    IncrBy(u32, String, i64),
    IncrByFloat(u32, String, f64),
    Append(u32, String, String),
    StrLen(u32, String),
    GetRange(u32, String, i64, i64),
    SetRange(u32, String, i64, String),
    Del(u32, Vec<String>),
    Exists(u32, Vec<String>),
    Type(u32, String),
    Expire(u32, String, Exp, ExpireCondition),
    Persist(u32, String),
    Ttl(u32, String),
    Rename(u32, String, String, bool),
    Copy(u32, String, String, Option<u32>, bool),
    Scan(u32, Option<String>, Option<ValueType>),
    DbSize(u32),
    FlushDb(u32),
}

struct Gen {
    rng: StdRng,
    /// Unix seconds far ahead.
    far: i64,
}

impl Gen {
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items.choose(&mut self.rng).expect("non-empty").clone()
    }

    fn key(&mut self) -> String {
        self.pick(KEYS).to_string()
    }

    fn keys(&mut self, min: usize) -> Vec<String> {
        let n = self.rng.random_range(min..=4);
        (0..n).map(|_| self.key()).collect()
    }

    fn value(&mut self) -> String {
        self.pick(VALUES).to_string()
    }

    fn db(&mut self) -> u32 {
        self.pick(DBS)
    }

    fn pairs(&mut self) -> Vec<(String, String)> {
        // Mostly at least one pair; sometimes none (the commands' arity error).
        let min = usize::from(self.rng.random_bool(0.95));
        let n = self.rng.random_range(min..=3);
        (0..n).map(|_| (self.key(), self.value())).collect()
    }

    /// An expiry: mostly valid absolute times (far ahead, or past), sometimes invalid.
    fn exp(&mut self) -> Exp {
        let far = self.far;
        let r = self.rng.random_range(0..100);
        match r {
            0..30 => Exp::ExAt(self.pick(&[far, far + 1000, far - 1000, far + 5])),
            30..60 => Exp::PxAt(self.pick(&[
                far * 1000 + 1,
                far * 1000 + 999_999,
                (far - 2000) * 1000 + 7,
                far * 1000,
            ])),
            60..70 => self.pick(&[Exp::ExAt(1), Exp::PxAt(1), Exp::PxAt(1_000_000_000_000)]),
            // Zero, negative and overflowing times.
            _ => self.pick(&[
                Exp::Ex(0),
                Exp::Ex(-1),
                Exp::Px(0),
                Exp::Px(-100),
                Exp::ExAt(0),
                Exp::ExAt(-3),
                Exp::PxAt(0),
                Exp::Ex(i64::MAX),
                Exp::Px(i64::MAX),
                Exp::ExAt(i64::MAX),
                Exp::Ex(i64::MIN),
                Exp::Px(i64::MIN),
                Exp::PxAt(i64::MAX),
                Exp::ExAt(i64::MIN),
            ]),
        }
    }

    fn op(&mut self) -> Op {
        let r = self.rng.random_range(0..1000);
        let db = self.db();
        match r {
            0..10 => Op::Ping(self.rng.random_bool(0.5).then(|| self.value())),
            10..110 => Op::Get(db, self.key()),
            110..260 => Op::Set {
                db,
                key: self.key(),
                value: self.value(),
                condition: self.pick(&[
                    SetCondition::Always,
                    SetCondition::Always,
                    SetCondition::IfAbsent,
                    SetCondition::IfPresent,
                ]),
                get: self.rng.random_bool(0.3),
                expiry: self.rng.random_bool(0.4).then(|| self.exp()),
                keep_ttl: self.rng.random_bool(0.15),
            },
            260..290 => Op::GetDel(db, self.key()),
            290..330 => {
                let persist = self.rng.random_bool(0.3);
                let exp = (!persist && self.rng.random_bool(0.7)).then(|| self.exp());
                Op::GetEx(db, self.key(), exp, persist)
            }
            330..370 => {
                let min = usize::from(self.rng.random_bool(0.95));
                Op::MGet(db, self.keys(min))
            }
            370..400 => Op::MSet(db, self.pairs()),
            400..430 => Op::MSetNx(db, self.pairs()),
            430..490 => Op::Incr(db, self.key()),
            490..540 => {
                let by = self.pick(&[
                    1,
                    -1,
                    5,
                    -100,
                    0,
                    1_000_000,
                    i64::MAX,
                    i64::MIN,
                    i64::MAX - 3,
                ]);
                Op::IncrBy(db, self.key(), by)
            }
            540..590 => {
                let by = self.pick(&[
                    0.1,
                    -0.25,
                    1.5,
                    3e2,
                    -1e3,
                    2.5e-3,
                    10.0,
                    1e308,
                    -1e308,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    5e-324,
                    123_456_789.123_456_79,
                    0.30000000000000004,
                ]);
                Op::IncrByFloat(db, self.key(), by)
            }
            590..630 => Op::Append(db, self.key(), self.value()),
            630..650 => Op::StrLen(db, self.key()),
            650..690 => {
                let mut index = || match self.rng.random_range(0..20) {
                    0 => i64::MIN,
                    1 => i64::MAX,
                    _ => self.rng.random_range(-12..12),
                };
                let (start, end) = (index(), index());
                Op::GetRange(db, self.key(), start, end)
            }
            690..720 => {
                let offset = match self.rng.random_range(0..20) {
                    0 => i64::MAX,
                    1 => 512 * 1024 * 1024,
                    _ => self.rng.random_range(-1..10),
                };
                Op::SetRange(db, self.key(), offset, self.value())
            }
            720..760 => {
                let min = usize::from(self.rng.random_bool(0.95));
                Op::Del(db, self.keys(min))
            }
            760..790 => {
                let min = usize::from(self.rng.random_bool(0.95));
                Op::Exists(db, self.keys(min))
            }
            790..810 => Op::Type(db, self.key()),
            810..870 => {
                let condition = self.pick(&[
                    ExpireCondition::Always,
                    ExpireCondition::Always,
                    ExpireCondition::IfNoExpiry,
                    ExpireCondition::IfHasExpiry,
                    ExpireCondition::IfLater,
                    ExpireCondition::IfEarlier,
                ]);
                Op::Expire(db, self.key(), self.exp(), condition)
            }
            870..890 => Op::Persist(db, self.key()),
            890..920 => Op::Ttl(db, self.key()),
            920..945 => Op::Rename(db, self.key(), self.key(), self.rng.random_bool(0.5)),
            945..975 => {
                let dst_db = self.pick(&[None, None, Some(0), Some(1)]);
                Op::Copy(
                    db,
                    self.key(),
                    self.key(),
                    dst_db,
                    self.rng.random_bool(0.5),
                )
            }
            975..985 => {
                let pattern = self.pick(&[None, Some("*"), Some("[a-c]"), Some("?"), Some("l*")]);
                let ty = self.pick(&[None, None, Some(ValueType::String), Some(ValueType::List)]);
                Op::Scan(db, pattern.map(str::to_string), ty)
            }
            985..997 => Op::DbSize(db),
            _ => Op::FlushDb(db),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Running an operation both ways
// ---------------------------------------------------------------------------------------

type Grpc = MemorabiliaClient<Channel>;

/// The RESP side: a raw connection that SELECTs its database as needed.
struct Redis {
    con: RespClient,
    db: u32,
}

impl Redis {
    async fn call(&mut self, db: u32, argv: &[Vec<u8>]) -> Resp {
        if db != self.db {
            let r = self.con.call(&["SELECT", &db.to_string()]).await;
            assert_eq!(r, Resp::Simple("OK".into()));
            self.db = db;
        }
        self.con.call(argv).await
    }
}

fn b(s: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(s.as_ref())
}

/// argv from words.
fn argv<S: AsRef<[u8]>>(words: impl IntoIterator<Item = S>) -> Vec<Vec<u8>> {
    words.into_iter().map(|w| w.as_ref().to_vec()).collect()
}

/// A typed result with its error as the Redis text, after checking the error's details.
fn typed<T>(result: Result<Response<T>, Status>) -> Result<T, String> {
    match result {
        Ok(r) => Ok(r.into_inner()),
        Err(status) => {
            let detail = memorabilia::grpc::convert::error_detail_of(&status)
                .ok_or("no ErrorDetail")
                .unwrap_or_else(|e| panic!("{status:?}: details are no ErrorDetail: {e}"));
            assert_eq!(detail.message, status.message(), "{status:?}");
            assert_eq!(
                detail.code,
                status.message().split(' ').next().unwrap(),
                "{status:?}"
            );
            Err(status.message().to_string())
        }
    }
}

fn bulk(r: &Resp) -> Option<Option<&[u8]>> {
    match r {
        Resp::Bulk(v) => Some(v.as_deref()),
        _ => None,
    }
}

fn integer(r: &Resp) -> Option<i64> {
    match r {
        Resp::Int(n) => Some(*n),
        _ => None,
    }
}

fn is_ok(r: &Resp) -> bool {
    *r == Resp::Simple("OK".into())
}

fn opt(v: &Option<Bytes>) -> Option<&[u8]> {
    v.as_deref()
}

/// Asserts the typed and RESP answers correspond: the same error text, or successes that
/// `same` accepts.
#[track_caller]
fn check<T: Debug>(
    what: &str,
    typed: Result<T, String>,
    resp: &Resp,
    same: impl FnOnce(&T) -> bool,
) -> Outcome {
    match (&typed, resp) {
        (Err(t), Resp::Error(r)) => {
            assert_eq!(t, r, "{what}: error texts differ");
            Outcome::Error
        }
        (Ok(t), r) if !matches!(r, Resp::Error(_)) => {
            assert!(same(t), "{what}: typed {t:?} vs RESP {r:?}");
            Outcome::Value
        }
        _ => panic!("{what}: typed {typed:?} vs RESP {resp:?}"),
    }
}

/// How an operation ended (on both sides alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Value,
    Error,
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::None => "none",
        ValueType::String => "string",
        ValueType::List => "list",
        ValueType::Hash => "hash",
        ValueType::Set => "set",
        ValueType::Zset => "zset",
        ValueType::Stream => "stream",
    }
}

async fn scan_typed(g: &mut Grpc, req: proto::ScanRequest) -> Result<BTreeSet<Vec<u8>>, String> {
    let mut req = req;
    let mut keys = BTreeSet::new();
    loop {
        let r = typed(g.scan(req.clone()).await)?;
        keys.extend(r.keys.iter().map(|k| k.to_vec()));
        if r.cursor == 0 {
            return Ok(keys);
        }
        req.cursor = r.cursor;
    }
}

/// A whole SCAN over RESP: the keys, or the first error reply.
async fn scan_resp(redis: &mut Redis, db: u32, options: &[Vec<u8>]) -> Resp {
    let mut cursor = b"0".to_vec();
    let mut keys = BTreeSet::new();
    loop {
        let mut args = argv(["SCAN"]);
        args.push(cursor.clone());
        args.extend(options.iter().cloned());
        match redis.call(db, &args).await {
            Resp::Array(Some(items)) => {
                let [Resp::Bulk(Some(next)), Resp::Array(Some(page))] = &items[..] else {
                    panic!("odd SCAN reply {items:?}")
                };
                for k in page {
                    let Resp::Bulk(Some(k)) = k else {
                        panic!("odd SCAN key {k:?}")
                    };
                    keys.insert(k.clone());
                }
                if next == b"0" {
                    return Resp::Array(Some(
                        keys.into_iter().map(|k| Resp::Bulk(Some(k))).collect(),
                    ));
                }
                cursor = next.clone();
            }
            other => return other,
        }
    }
}

async fn run(op: &Op, g: &mut Grpc, redis: &mut Redis, what: &str) -> Outcome {
    match op.clone() {
        Op::Ping(message) => {
            let t = typed(
                g.ping(proto::PingRequest {
                    message: message.as_ref().map(b),
                })
                .await,
            );
            let mut args = argv(["PING"]);
            args.extend(message.iter().map(|m| m.as_bytes().to_vec()));
            let r = redis.call(0, &args).await;
            check(what, t, &r, |t| match &r {
                Resp::Simple(s) => message.is_none() && t.message == s.as_bytes(),
                Resp::Bulk(Some(m)) => t.message == m[..],
                _ => false,
            })
        }
        Op::Get(db, key) => {
            let t = typed(g.get(proto::GetRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["GET", &key])).await;
            check(what, t, &r, |t| bulk(&r) == Some(opt(&t.value)))
        }
        Op::Set {
            db,
            key,
            value,
            condition,
            get,
            expiry,
            keep_ttl,
        } => {
            let t = typed(
                g.set(proto::SetRequest {
                    db,
                    key: b(&key),
                    value: b(&value),
                    expiry: expiry.map(Exp::proto),
                    condition: condition as i32,
                    keep_ttl,
                    return_old: get,
                })
                .await,
            );
            let mut args = argv(["SET", &key, &value]);
            match condition {
                SetCondition::Always => {}
                SetCondition::IfAbsent => args.push(b"NX".to_vec()),
                SetCondition::IfPresent => args.push(b"XX".to_vec()),
            }
            if get {
                args.push(b"GET".to_vec());
            }
            if let Some(e) = expiry {
                args.extend(argv(e.words()));
            }
            if keep_ttl {
                args.push(b"KEEPTTL".to_vec());
            }
            let r = redis.call(db, &args).await;
            check(what, t, &r, |t| {
                if get {
                    // The old value; whether it was written follows from it.
                    let Some(old) = bulk(&r) else { return false };
                    let applied = match condition {
                        SetCondition::Always => true,
                        SetCondition::IfAbsent => old.is_none(),
                        SetCondition::IfPresent => old.is_some(),
                    };
                    opt(&t.old_value) == old && t.applied == applied
                } else {
                    t.old_value.is_none() && t.applied == is_ok(&r)
                }
            })
        }
        Op::GetDel(db, key) => {
            let t = typed(g.get_del(proto::GetDelRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["GETDEL", &key])).await;
            check(what, t, &r, |t| bulk(&r) == Some(opt(&t.value)))
        }
        Op::GetEx(db, key, exp, persist) => {
            let change = match (exp, persist) {
                (Some(e), _) => Some(Change::Expiry(e.proto())),
                (None, true) => Some(Change::Persist(true)),
                (None, false) => None,
            };
            let t = typed(
                g.get_ex(proto::GetExRequest {
                    db,
                    key: b(&key),
                    change,
                })
                .await,
            );
            let mut args = argv(["GETEX", &key]);
            if let Some(e) = exp {
                args.extend(argv(e.words()));
            } else if persist {
                args.push(b"PERSIST".to_vec());
            }
            let r = redis.call(db, &args).await;
            check(what, t, &r, |t| bulk(&r) == Some(opt(&t.value)))
        }
        Op::MGet(db, keys) => {
            let t = typed(
                g.m_get(proto::MGetRequest {
                    db,
                    keys: keys.iter().map(b).collect(),
                })
                .await,
            );
            let mut args = argv(["MGET"]);
            args.extend(argv(&keys));
            let r = redis.call(db, &args).await;
            check(what, t, &r, |t| {
                let Resp::Array(Some(items)) = &r else {
                    return false;
                };
                items.len() == t.values.len()
                    && items.iter().zip(&t.values).all(|(i, v)| {
                        bulk(i) == Some(v.found.then_some(&v.value[..]))
                            && (v.found || v.value.is_empty())
                    })
            })
        }
        Op::MSet(db, pairs) | Op::MSetNx(db, pairs) => {
            let nx = matches!(op, Op::MSetNx(..));
            let kvs: Vec<proto::KeyValue> = pairs
                .iter()
                .map(|(k, v)| proto::KeyValue {
                    key: b(k),
                    value: b(v),
                })
                .collect();
            let mut args = argv([if nx { "MSETNX" } else { "MSET" }]);
            for (k, v) in &pairs {
                args.extend(argv([k, v]));
            }
            if nx {
                let t = typed(g.m_set_nx(proto::MSetNxRequest { db, pairs: kvs }).await);
                let r = redis.call(db, &args).await;
                check(what, t, &r, |t| integer(&r) == Some(i64::from(t.applied)))
            } else {
                let t = typed(g.m_set(proto::MSetRequest { db, pairs: kvs }).await);
                let r = redis.call(db, &args).await;
                check(what, t, &r, |_| is_ok(&r))
            }
        }
        Op::Incr(db, key) => {
            let t = typed(g.incr(proto::IncrRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["INCR", &key])).await;
            check(what, t, &r, |t| integer(&r) == Some(t.value))
        }
        Op::IncrBy(db, key, by) => {
            let t = typed(
                g.incr_by(proto::IncrByRequest {
                    db,
                    key: b(&key),
                    increment: by,
                })
                .await,
            );
            let r = redis
                .call(db, &argv(["INCRBY", &key, &by.to_string()]))
                .await;
            check(what, t, &r, |t| integer(&r) == Some(t.value))
        }
        Op::IncrByFloat(db, key, by) => {
            let t = typed(
                g.incr_by_float(proto::IncrByFloatRequest {
                    db,
                    key: b(&key),
                    increment: by,
                })
                .await,
            );
            // Rust prints the shortest decimal that reads back as the same double.
            let r = redis
                .call(db, &argv(["INCRBYFLOAT", &key, &by.to_string()]))
                .await;
            check(what, t, &r, |t| bulk(&r) == Some(Some(t.value.as_bytes())))
        }
        Op::Append(db, key, value) => {
            let t = typed(
                g.append(proto::AppendRequest {
                    db,
                    key: b(&key),
                    value: b(&value),
                })
                .await,
            );
            let r = redis.call(db, &argv(["APPEND", &key, &value])).await;
            check(what, t, &r, |t| integer(&r) == Some(t.length))
        }
        Op::StrLen(db, key) => {
            let t = typed(g.str_len(proto::StrLenRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["STRLEN", &key])).await;
            check(what, t, &r, |t| integer(&r) == Some(t.length))
        }
        Op::GetRange(db, key, start, end) => {
            let t = typed(
                g.get_range(proto::GetRangeRequest {
                    db,
                    key: b(&key),
                    start,
                    end,
                })
                .await,
            );
            let r = redis
                .call(
                    db,
                    &argv(["GETRANGE", &key, &start.to_string(), &end.to_string()]),
                )
                .await;
            check(what, t, &r, |t| bulk(&r) == Some(Some(&t.value[..])))
        }
        Op::SetRange(db, key, offset, value) => {
            let t = typed(
                g.set_range(proto::SetRangeRequest {
                    db,
                    key: b(&key),
                    offset,
                    value: b(&value),
                })
                .await,
            );
            let r = redis
                .call(db, &argv(["SETRANGE", &key, &offset.to_string(), &value]))
                .await;
            check(what, t, &r, |t| integer(&r) == Some(t.length))
        }
        Op::Del(db, keys) | Op::Exists(db, keys) => {
            let del = matches!(op, Op::Del(..));
            let mut args = argv([if del { "DEL" } else { "EXISTS" }]);
            args.extend(argv(&keys));
            let keys: Vec<Bytes> = keys.iter().map(b).collect();
            if del {
                let t = typed(g.del(proto::DelRequest { db, keys }).await);
                let r = redis.call(db, &args).await;
                check(what, t, &r, |t| integer(&r) == Some(t.deleted))
            } else {
                let t = typed(g.exists(proto::ExistsRequest { db, keys }).await);
                let r = redis.call(db, &args).await;
                check(what, t, &r, |t| integer(&r) == Some(t.count))
            }
        }
        Op::Type(db, key) => {
            let t = typed(g.r#type(proto::TypeRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["TYPE", &key])).await;
            check(what, t, &r, |t| {
                r == Resp::Simple(type_name(t.r#type()).into())
                    && ValueType::try_from(t.r#type).is_ok()
            })
        }
        Op::Expire(db, key, exp, condition) => {
            let t = typed(
                g.expire(proto::ExpireRequest {
                    db,
                    key: b(&key),
                    expiry: Some(exp.proto()),
                    condition: condition as i32,
                })
                .await,
            );
            let [command, time] = exp.expire_command();
            let mut args = argv([command, key, time]);
            match condition {
                ExpireCondition::Always => {}
                ExpireCondition::IfNoExpiry => args.push(b"NX".to_vec()),
                ExpireCondition::IfHasExpiry => args.push(b"XX".to_vec()),
                ExpireCondition::IfLater => args.push(b"GT".to_vec()),
                ExpireCondition::IfEarlier => args.push(b"LT".to_vec()),
            }
            let r = redis.call(db, &args).await;
            check(what, t, &r, |t| integer(&r) == Some(i64::from(t.applied)))
        }
        Op::Persist(db, key) => {
            let t = typed(g.persist(proto::PersistRequest { db, key: b(&key) }).await);
            let r = redis.call(db, &argv(["PERSIST", &key])).await;
            check(what, t, &r, |t| integer(&r) == Some(i64::from(t.applied)))
        }
        Op::Ttl(db, key) => {
            let t = typed(g.ttl(proto::TtlRequest { db, key: b(&key) }).await);
            let at = redis.call(db, &argv(["PEXPIRETIME", &key])).await;
            let left = redis.call(db, &argv(["PTTL", &key])).await;
            check(what, t, &at, |t| match (integer(&at), integer(&left)) {
                (Some(-2), Some(-2)) => {
                    t.state() == TtlState::NoKey
                        && t.ttl_milliseconds == 0
                        && t.expire_at_unix_milliseconds == 0
                }
                (Some(-1), Some(-1)) => {
                    t.state() == TtlState::NoExpiry
                        && t.ttl_milliseconds == 0
                        && t.expire_at_unix_milliseconds == 0
                }
                (Some(at), Some(left)) => {
                    t.state() == TtlState::Expires
                        && t.expire_at_unix_milliseconds == at
                        && (t.ttl_milliseconds - left).abs() < 5000
                }
                _ => false,
            })
        }
        Op::Rename(db, key, new_key, nx) => {
            let t = typed(
                g.rename(proto::RenameRequest {
                    db,
                    key: b(&key),
                    new_key: b(&new_key),
                    only_if_new: nx,
                })
                .await,
            );
            let command = if nx { "RENAMENX" } else { "RENAME" };
            let r = redis.call(db, &argv([command, &key, &new_key])).await;
            check(what, t, &r, |t| {
                if nx {
                    integer(&r) == Some(i64::from(t.applied))
                } else {
                    is_ok(&r) && t.applied
                }
            })
        }
        Op::Copy(db, src, dst, dst_db, replace) => {
            let t = typed(
                g.copy(proto::CopyRequest {
                    db,
                    source: b(&src),
                    destination: b(&dst),
                    destination_db: dst_db,
                    replace,
                })
                .await,
            );
            let mut args = argv(["COPY", &src, &dst]);
            if let Some(d) = dst_db {
                args.extend(argv(["DB".to_string(), d.to_string()]));
            }
            if replace {
                args.push(b"REPLACE".to_vec());
            }
            let r = redis.call(db, &args).await;
            check(what, t, &r, |t| integer(&r) == Some(i64::from(t.copied)))
        }
        Op::Scan(db, pattern, ty) => {
            let t = scan_typed(
                g,
                proto::ScanRequest {
                    db,
                    cursor: 0,
                    pattern: pattern.as_ref().map(b),
                    count: 3,
                    r#type: ty.map(|t| t as i32),
                },
            )
            .await;
            let mut options = argv(["COUNT", "3"]);
            if let Some(p) = &pattern {
                options.extend(argv(["MATCH", p]));
            }
            if let Some(ty) = ty {
                options.extend(argv(["TYPE", type_name(ty)]));
            }
            let r = scan_resp(redis, db, &options).await;
            check(what, t, &r, |t| {
                let Resp::Array(Some(items)) = &r else {
                    return false;
                };
                let keys: BTreeSet<Vec<u8>> = items
                    .iter()
                    .filter_map(|i| bulk(i).flatten().map(<[u8]>::to_vec))
                    .collect();
                *t == keys
            })
        }
        Op::DbSize(db) => {
            sweep(g, redis, db).await;
            let t = typed(g.db_size(proto::DbSizeRequest { db }).await);
            let r = redis.call(db, &argv(["DBSIZE"])).await;
            check(what, t, &r, |t| integer(&r) == Some(t.size))
        }
        Op::FlushDb(db) => {
            let t = typed(
                g.flush_db(proto::FlushDbRequest { db, r#async: false })
                    .await,
            );
            let r = redis.call(db, &argv(["FLUSHDB"])).await;
            check(what, t, &r, |_| is_ok(&r))
        }
    }
}

/// Looks every key of the keyspace up on both servers, so that keys whose expiry has
/// passed but that are still stored (SET with a time in the past keeps the key until it is
/// next touched or the expiry cycle meets it, as in Redis) are gone before DBSIZE, which
/// counts them; otherwise the answer would depend on when each server's cycle ran.
async fn sweep(g: &mut Grpc, redis: &mut Redis, db: u32) {
    let keys: Vec<Bytes> = KEYS.iter().map(b).collect();
    let t = g
        .exists(proto::ExistsRequest { db, keys })
        .await
        .unwrap()
        .into_inner();
    let mut args = argv(["EXISTS"]);
    args.extend(argv(KEYS));
    let r = redis.call(db, &args).await;
    assert_eq!(
        Some(t.count),
        integer(&r),
        "EXISTS over the keyspace of db {db}"
    );
}

/// A database's contents as RESP sees them: key -> (type, value if string, expire time).
async fn snapshot(con: &mut Redis, db: u32) -> Vec<(Vec<u8>, Resp, Resp, Resp)> {
    let Resp::Array(Some(keys)) = con.call(db, &argv(["KEYS", "*"])).await else {
        panic!("KEYS must answer an array")
    };
    let mut keys: Vec<Vec<u8>> = keys
        .into_iter()
        .map(|k| match k {
            Resp::Bulk(Some(k)) => k,
            other => panic!("odd key {other:?}"),
        })
        .collect();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let ty = con.call(db, &[b"TYPE".to_vec(), key.clone()]).await;
        let value = if ty == Resp::Simple("string".into()) {
            con.call(db, &[b"GET".to_vec(), key.clone()]).await
        } else {
            Resp::Bulk(None)
        };
        let at = con.call(db, &[b"PEXPIRETIME".to_vec(), key.clone()]).await;
        out.push((key, ty, value, at));
    }
    out
}

async fn parity(seed: u64) {
    let typed_server = common::start().await;
    let resp_server = common::start().await;
    for server in [&typed_server, &resp_server] {
        for db in DBS {
            common::plant_list(server, *db as usize, b"lst", &[b"x", b"y"]);
        }
    }
    let mut g = common::grpc(&typed_server).await;
    let mut redis = Redis {
        con: RespClient::connect(&resp_server).await,
        db: 0,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut generator = Gen {
        rng: StdRng::seed_from_u64(seed),
        far: now + 10_000_000,
    };
    let mut errors = 0;
    for step in 0..OPS_PER_SEED {
        let op = generator.op();
        let what = format!("seed {seed} step {step}: {op:?}");
        if run(&op, &mut g, &mut redis, &what).await == Outcome::Error {
            errors += 1;
        }
    }
    // Bad arguments and wrong types were exercised, but most operations did something.
    assert!(
        errors > OPS_PER_SEED / 20 && errors < OPS_PER_SEED / 2,
        "seed {seed}: {errors} errors in {OPS_PER_SEED} operations"
    );

    // Both servers hold the same data.
    let mut typed_view = Redis {
        con: RespClient::connect(&typed_server).await,
        db: 0,
    };
    let mut total = 0;
    for db in DBS {
        let a = snapshot(&mut typed_view, *db).await;
        let b = snapshot(&mut redis, *db).await;
        assert_eq!(a, b, "seed {seed}: db {db} differs (typed vs RESP)");
        total += a.len();
        sweep(&mut g, &mut redis, *db).await;
        let size = g
            .db_size(proto::DbSizeRequest { db: *db })
            .await
            .unwrap()
            .into_inner()
            .size;
        assert_eq!(size as usize, a.len());
    }
    assert!(
        total > 0,
        "seed {seed}: the sequence left nothing to compare"
    );
    typed_server.shutdown();
    resp_server.shutdown();
    typed_server.wait().await;
    resp_server.wait().await;
}

fn seeds() -> Vec<u64> {
    match std::env::var("GRPC_PARITY_SEED") {
        Ok(s) => vec![s.parse().expect("GRPC_PARITY_SEED is a number")],
        Err(_) => vec![0x5eed, 7, 20_251_125],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn typed_rpcs_answer_like_their_redis_commands() {
    for seed in seeds() {
        parity(seed).await;
    }
}
