//! RDB snapshots: what SAVE writes comes back on restart; a BGSAVE under concurrent
//! transactions and scripts is one point in time; a failed BGSAVE refuses writes
//! (MISCONF); a corrupt file stops the server from starting.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use memorabilia::config::Config;
use memorabilia::persist::rdb::{self, LoadTarget, LoadedKey};
use memorabilia::server::RunningServer;
use memorabilia::store::Value;
use redis::AsyncCommands;

fn config_in(dir: &Path) -> Config {
    Config {
        dir: dir.display().to_string(),
        save: String::new(),
        enable_protected_configs: "local".into(),
        ..Config::default()
    }
}

async fn stop(server: RunningServer) {
    server.shutdown();
    server.wait().await;
}

async fn info_field(con: &mut redis::aio::MultiplexedConnection, field: &str) -> String {
    let info: String = redis::cmd("INFO")
        .arg("persistence")
        .query_async(con)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {field} in INFO"))
        .to_string()
}

/// Whether a server with `config` refuses to start (its data cannot be loaded).
async fn refuses_to_start(config: Config) -> bool {
    let listeners = memorabilia::server::Listeners {
        resp: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
        ..Default::default()
    };
    memorabilia::server::start_on(config, listeners).is_err()
}

/// Waits for the running AOF rewrite to end, and checks that it succeeded.
async fn wait_rewrite(con: &mut redis::aio::MultiplexedConnection) {
    for _ in 0..2000 {
        if info_field(con, "aof_rewrite_in_progress").await == "0" {
            assert_eq!(info_field(con, "aof_last_bgrewrite_status").await, "ok");
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("BGREWRITEAOF did not finish within 10 s");
}

async fn wait_bgsave(con: &mut redis::aio::MultiplexedConnection) {
    for _ in 0..2000 {
        if info_field(con, "rdb_bgsave_in_progress").await == "0" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("BGSAVE did not finish within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_then_restart_restores_everything() {
    let dir = common::temp_dir();
    let server = common::start_with(config_in(&dir)).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("s", "hello").await.unwrap();
    let _: () = con.set("n", 12345).await.unwrap();
    let _: () = con.set_ex("volatile", "v", 1000).await.unwrap();
    let _: () = con.rpush("l", &["a", "b", "c"]).await.unwrap();
    let big: Vec<String> = (0..5000).map(|i| format!("item-{i}")).collect();
    let _: () = con.rpush("biglist", &big).await.unwrap();
    let _: () = con
        .hset_multiple("h", &[("f", "v"), ("g", "w")])
        .await
        .unwrap();
    let _: () = con.sadd("ints", &[3, 1, 2]).await.unwrap();
    let _: () = con.sadd("strs", &["x", "y"]).await.unwrap();
    let _: () = con
        .zadd_multiple("z", &[(1.5, "a"), (-2.0, "b")])
        .await
        .unwrap();
    let _: () = redis::cmd("SELECT")
        .arg(5)
        .query_async(&mut con)
        .await
        .unwrap();
    let _: () = con.set("in5", "five").await.unwrap();
    let _: () = redis::cmd("SELECT")
        .arg(0)
        .query_async(&mut con)
        .await
        .unwrap();
    let _: String = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg("#!lua name=lib\nredis.register_function('f', function() return 7 end)")
        .query_async(&mut con)
        .await
        .unwrap();
    let _: () = redis::cmd("SAVE").query_async(&mut con).await.unwrap();
    assert_eq!(
        info_field(&mut con, "rdb_changes_since_last_save").await,
        "0"
    );
    stop(server).await;

    let server = common::start_with(config_in(&dir)).await;
    let mut con = common::connection(&server, 2).await;
    let s: String = con.get("s").await.unwrap();
    assert_eq!(s, "hello");
    let n: i64 = con.get("n").await.unwrap();
    assert_eq!(n, 12345);
    let ttl: i64 = con.ttl("volatile").await.unwrap();
    assert!((990..=1000).contains(&ttl), "ttl {ttl}");
    let l: Vec<String> = con.lrange("l", 0, -1).await.unwrap();
    assert_eq!(l, ["a", "b", "c"]);
    let restored: Vec<String> = con.lrange("biglist", 0, -1).await.unwrap();
    assert_eq!(restored, big);
    let h: HashMap<String, String> = con.hgetall("h").await.unwrap();
    assert_eq!(h.len(), 2);
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("ints")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(encoding, "intset");
    let z: Vec<(String, f64)> = con.zrange_withscores("z", 0, -1).await.unwrap();
    assert_eq!(z, [("b".to_string(), -2.0), ("a".to_string(), 1.5)]);
    let called: i64 = redis::cmd("FCALL")
        .arg("f")
        .arg(0)
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(called, 7);
    let _: () = redis::cmd("SELECT")
        .arg(5)
        .query_async(&mut con)
        .await
        .unwrap();
    let five: String = con.get("in5").await.unwrap();
    assert_eq!(five, "five");
    assert_eq!(
        info_field(&mut con, "rdb_last_load_keys_loaded").await,
        "10"
    );
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// What a snapshot file holds, read back with the library's own loader.
#[derive(Default)]
struct Collected {
    strings: HashMap<Vec<u8>, Vec<u8>>,
}

impl LoadTarget for Collected {
    fn databases(&self) -> usize {
        16
    }
    fn function(&mut self, _code: Bytes) -> Result<(), String> {
        Ok(())
    }
    fn key(&mut self, key: LoadedKey) -> bool {
        if let Value::String(s) = &key.value {
            self.strings.insert(key.key.to_vec(), s.as_bytes().to_vec());
        }
        true
    }
}

fn load_file(path: &PathBuf) -> Collected {
    let mut target = Collected::default();
    let file = std::fs::File::open(path).expect("snapshot file");
    rdb::load(std::io::BufReader::new(file), &mut target, 0, true, true).expect("loads");
    target
}

const ACCOUNTS: usize = 32;
const BALANCE: i64 = 1000;

/// Transfers between accounts (in different segments) keep the total constant; every
/// BGSAVE taken meanwhile must hold exactly that total. Transfers run as MULTI/EXEC and as
/// scripts that build their key names at run time (locks taken while the script runs).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bgsave_under_concurrent_transfers_is_point_in_time() {
    let dir = common::temp_dir();
    let server = common::start_with(config_in(&dir)).await;
    let mut con = common::connection(&server, 2).await;
    for i in 0..ACCOUNTS {
        let _: () = con.set(format!("acct:{i}"), BALANCE).await.unwrap();
    }
    // Filler keys make the snapshot's walk long enough for many transfers to interleave.
    for chunk in 0..40 {
        let pairs: Vec<(String, String)> = (0..1000)
            .map(|i| (format!("filler:{chunk}:{i}"), "x".repeat(20)))
            .collect();
        let _: () = con.mset(&pairs).await.unwrap();
    }
    let stop_flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4u64 {
        let mut con = common::connection(&server, 2).await;
        let stop_flag = stop_flag.clone();
        workers.push(tokio::spawn(async move {
            let mut n = w;
            while !stop_flag.load(std::sync::atomic::Ordering::Relaxed) {
                n = n
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let from = (n >> 33) as usize % ACCOUNTS;
                let to = (n >> 17) as usize % ACCOUNTS;
                let amount = (n % 7) as i64 + 1;
                if w % 2 == 0 {
                    let _: () = redis::pipe()
                        .atomic()
                        .decr(format!("acct:{from}"), amount)
                        .ignore()
                        .incr(format!("acct:{to}"), amount)
                        .ignore()
                        .query_async(&mut con)
                        .await
                        .unwrap();
                } else {
                    let _: i64 = redis::cmd("EVAL")
                        .arg(
                            "redis.call('DECRBY', 'acct:' .. ARGV[1], ARGV[3]) \
                             return redis.call('INCRBY', 'acct:' .. ARGV[2], ARGV[3])",
                        )
                        .arg(0)
                        .arg(from)
                        .arg(to)
                        .arg(amount)
                        .query_async(&mut con)
                        .await
                        .unwrap();
                }
            }
        }));
    }
    let path = dir.join("dump.rdb");
    for round in 0..8 {
        let started: String = redis::cmd("BGSAVE").query_async(&mut con).await.unwrap();
        assert_eq!(started, "Background saving started");
        wait_bgsave(&mut con).await;
        assert_eq!(info_field(&mut con, "rdb_last_bgsave_status").await, "ok");
        let snapshot = load_file(&path);
        let total: i64 = (0..ACCOUNTS)
            .map(|i| {
                let v = &snapshot.strings[format!("acct:{i}").as_bytes()];
                std::str::from_utf8(v).unwrap().parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(total, BALANCE * ACCOUNTS as i64, "snapshot {round} is torn");
        assert_eq!(snapshot.strings.len(), ACCOUNTS + 40_000);
    }
    stop_flag.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_bgsave_refuses_writes_until_a_save_succeeds() {
    let dir = common::temp_dir();
    let config = Config {
        save: "3600 1".into(),
        ..config_in(&dir)
    };
    let server = common::start_with(config).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("k", "v").await.unwrap();
    let gone = dir.join("gone");
    std::fs::create_dir(&gone).unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("dir")
        .arg(gone.display().to_string())
        .query_async(&mut con)
        .await
        .unwrap();
    std::fs::remove_dir(&gone).unwrap();
    let _: String = redis::cmd("BGSAVE").query_async(&mut con).await.unwrap();
    wait_bgsave(&mut con).await;
    assert_eq!(info_field(&mut con, "rdb_last_bgsave_status").await, "err");
    let refused: redis::RedisResult<()> = con.set("k", "w").await;
    let error = refused.unwrap_err();
    assert_eq!(error.code(), Some("MISCONF"));
    let ping: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut con).await;
    assert!(ping.is_err());
    let read: String = con.get("k").await.unwrap();
    assert_eq!(read, "v");
    std::fs::create_dir(&gone).unwrap();
    let _: () = redis::cmd("SAVE").query_async(&mut con).await.unwrap();
    let _: () = con.set("k", "w").await.unwrap();
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_corrupt_file_stops_the_start() {
    let dir = common::temp_dir();
    std::fs::write(dir.join("dump.rdb"), b"REDIS0010\xfa\x09redis-ver\x05").unwrap();
    assert!(
        refuses_to_start(config_in(&dir)).await,
        "a truncated RDB must not load"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dump_and_restore() {
    let dir = common::temp_dir();
    let server = common::start_with(config_in(&dir)).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con
        .zadd_multiple("z", &[(1.0, "a"), (2.0, "b")])
        .await
        .unwrap();
    let payload: Vec<u8> = redis::cmd("DUMP")
        .arg("z")
        .query_async(&mut con)
        .await
        .unwrap();
    let _: () = redis::cmd("RESTORE")
        .arg("z2")
        .arg(0)
        .arg(&payload)
        .query_async(&mut con)
        .await
        .unwrap();
    let z: Vec<(String, f64)> = con.zrange_withscores("z2", 0, -1).await.unwrap();
    assert_eq!(z, [("a".to_string(), 1.0), ("b".to_string(), 2.0)]);
    let busy: redis::RedisResult<()> = redis::cmd("RESTORE")
        .arg("z2")
        .arg(0)
        .arg(&payload)
        .query_async(&mut con)
        .await;
    assert_eq!(busy.unwrap_err().code(), Some("BUSYKEY"));
    let mut corrupt = payload.clone();
    corrupt[2] ^= 0x55;
    let bad: redis::RedisResult<()> = redis::cmd("RESTORE")
        .arg("z3")
        .arg(0)
        .arg(&corrupt)
        .query_async(&mut con)
        .await;
    assert!(bad.unwrap_err().to_string().contains("checksum"));
    let none: Option<Vec<u8>> = redis::cmd("DUMP")
        .arg("nokey")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(none, None);
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

fn aof_config(dir: &Path, fsync: &str) -> Config {
    Config {
        appendonly: true,
        appendfsync: fsync.into(),
        ..config_in(dir)
    }
}

/// Every kind of command the AOF must log by its effect, replayed after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aof_replays_every_kind_of_change() {
    let dir = common::temp_dir();
    let server = common::start_with(aof_config(&dir, "always")).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("plain", "v").await.unwrap();
    let _: () = con.set_ex("ex", "v", 1000).await.unwrap();
    let _: () = con.rpush("list", &["a", "b", "c"]).await.unwrap();
    let _: bool = con.expire("list", 2000).await.unwrap();
    let _: f64 = con.incr("float", 1.25f64).await.unwrap();
    let _: () = con.sadd("set", &["1", "2", "3", "4"]).await.unwrap();
    let popped: String = con.spop("set").await.unwrap();
    let _: i64 = redis::cmd("EVAL")
        .arg("redis.call('SET', KEYS[1], 'x') return redis.call('INCR', 'counter')")
        .arg(1)
        .arg("scripted")
        .query_async(&mut con)
        .await
        .unwrap();
    let _: () = redis::pipe()
        .atomic()
        .hset("h", "f", "1")
        .ignore()
        .zadd("z", "m", 2.5)
        .ignore()
        .query_async(&mut con)
        .await
        .unwrap();
    // A blocking pop served later is logged as the pop it did.
    let mut waiter = common::connection(&server, 2).await;
    let blocked = tokio::spawn(async move {
        let got: (String, String) = redis::cmd("BLPOP")
            .arg("queue")
            .arg(5)
            .query_async(&mut waiter)
            .await
            .unwrap();
        got
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let _: () = con.rpush("queue", &["first", "second"]).await.unwrap();
    assert_eq!(blocked.await.unwrap().1, "first");
    let _: () = con.set("gone", "v").await.unwrap();
    let _: () = con.del("gone").await.unwrap();
    stop(server).await;

    let server = common::start_with(aof_config(&dir, "always")).await;
    let mut con = common::connection(&server, 2).await;
    let plain: String = con.get("plain").await.unwrap();
    assert_eq!(plain, "v");
    let ttl: i64 = con.ttl("ex").await.unwrap();
    assert!((990..=1000).contains(&ttl), "ttl {ttl}");
    let ttl: i64 = con.ttl("list").await.unwrap();
    assert!((1990..=2000).contains(&ttl), "ttl {ttl}");
    let float: String = con.get("float").await.unwrap();
    assert_eq!(float, "1.25");
    let members: Vec<String> = con.smembers("set").await.unwrap();
    assert_eq!(members.len(), 3);
    assert!(!members.contains(&popped));
    let scripted: String = con.get("scripted").await.unwrap();
    assert_eq!(scripted, "x");
    let counter: i64 = con.get("counter").await.unwrap();
    assert_eq!(counter, 1);
    let queue: Vec<String> = con.lrange("queue", 0, -1).await.unwrap();
    assert_eq!(queue, ["second"]);
    let score: f64 = con.zscore("z", "m").await.unwrap();
    assert_eq!(score, 2.5);
    let gone: bool = con.exists("gone").await.unwrap();
    assert!(!gone);
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Rewrites while clients write: every acknowledged INCR is in the files afterwards
/// (records of txns the new base holds go to the old file, the rest to the new one).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aof_rewrites_under_load_lose_and_repeat_nothing() {
    let dir = common::temp_dir();
    let server = common::start_with(aof_config(&dir, "everysec")).await;
    let mut con = common::connection(&server, 2).await;
    for chunk in 0..20 {
        let pairs: Vec<(String, String)> = (0..1000)
            .map(|i| (format!("filler:{chunk}:{i}"), "x".into()))
            .collect();
        let _: () = con.mset(&pairs).await.unwrap();
    }
    let stop_flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..4 {
        let mut con = common::connection(&server, 2).await;
        let stop_flag = stop_flag.clone();
        workers.push(tokio::spawn(async move {
            let mut done = 0u64;
            while !stop_flag.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("counter:{w}:{}", done % 16);
                if done.is_multiple_of(3) {
                    let _: i64 = redis::cmd("EVAL")
                        .arg("return redis.call('INCR', ARGV[1])")
                        .arg(0)
                        .arg(&key)
                        .query_async(&mut con)
                        .await
                        .unwrap();
                } else {
                    let _: i64 = con.incr(&key, 1).await.unwrap();
                }
                done += 1;
            }
            done
        }));
    }
    for _ in 0..4 {
        let started: String = redis::cmd("BGREWRITEAOF")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(started, "Background append only file rewriting started");
        wait_rewrite(&mut con).await;
    }
    stop_flag.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut done = Vec::new();
    for w in workers {
        done.push(w.await.unwrap());
    }
    stop(server).await;

    let server = common::start_with(aof_config(&dir, "everysec")).await;
    let mut con = common::connection(&server, 2).await;
    for (w, total) in done.iter().enumerate() {
        let mut sum = 0u64;
        for k in 0..16 {
            let v: Option<u64> = con.get(format!("counter:{w}:{k}")).await.unwrap();
            sum += v.unwrap_or(0);
        }
        assert_eq!(
            sum, *total,
            "worker {w}: acknowledged {total}, replayed {sum}"
        );
    }
    let size: u64 = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
    assert_eq!(size, 20_000 + 4 * 16);
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A torn tail (the last command half written) is cut off at start-up under
/// `aof-load-truncated yes`, refused under `no`; garbage inside a file is always refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aof_torn_tail_and_corruption() {
    let dir = common::temp_dir();
    let server = common::start_with(aof_config(&dir, "always")).await;
    let mut con = common::connection(&server, 2).await;
    let _: () = con.set("kept", "1").await.unwrap();
    let _: () = redis::pipe()
        .atomic()
        .set("in-multi", "1")
        .ignore()
        .set("in-multi-2", "1")
        .ignore()
        .query_async(&mut con)
        .await
        .unwrap();
    stop(server).await;
    let incr = dir.join("appendonlydir").join("appendonly.aof.1.incr.aof");
    let whole = std::fs::read(&incr).unwrap();
    // Cut inside the MULTI block: the whole transaction goes, what came before stays.
    let cut = whole.len() - 10;
    std::fs::write(&incr, &whole[..cut]).unwrap();

    let refusing = Config {
        aof_load_truncated: false,
        ..aof_config(&dir, "always")
    };
    assert!(refuses_to_start(refusing).await);

    let server = common::start_with(aof_config(&dir, "always")).await;
    let mut con = common::connection(&server, 2).await;
    let kept: Option<String> = con.get("kept").await.unwrap();
    assert_eq!(kept.as_deref(), Some("1"));
    let half: bool = con.exists("in-multi").await.unwrap();
    assert!(!half, "an unfinished MULTI must not be applied");
    let _: () = con.set("after", "1").await.unwrap();
    stop(server).await;
    assert!(std::fs::read(&incr).unwrap().len() < whole.len() + 40);

    // Garbage in the middle is not a torn tail.
    let mut bytes = std::fs::read(&incr).unwrap();
    bytes.splice(0..0, b"GARBAGE\r\n".iter().copied());
    std::fs::write(&incr, &bytes).unwrap();
    assert!(refuses_to_start(aof_config(&dir, "always")).await);
    let _ = std::fs::remove_dir_all(dir);
}

/// Writes over typed gRPC calls reach the AOF like RESP writes (logged by the keys' state),
/// and a base written as commands (`aof-use-rdb-preamble no`) loads too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aof_keeps_grpc_writes_and_command_bases() {
    use memorabilia::grpc::proto::{self, memorabilia_client::MemorabiliaClient};
    let dir = common::temp_dir();
    let config = Config {
        aof_use_rdb_preamble: false,
        ..aof_config(&dir, "always")
    };
    let server = common::start_with(config.clone()).await;
    let url = format!("http://{}", server.grpc_addr.expect("gRPC on"));
    let mut grpc = MemorabiliaClient::connect(url).await.unwrap();
    grpc.set(proto::SetRequest {
        db: 0,
        key: b"typed".to_vec().into(),
        value: b"over grpc".to_vec().into(),
        ..Default::default()
    })
    .await
    .unwrap();
    grpc.l_push(proto::ListPushRequest {
        db: 2,
        key: b"typed-list".to_vec().into(),
        elements: vec![b"a".to_vec().into(), b"b".to_vec().into()],
        only_if_exists: false,
    })
    .await
    .unwrap();
    let mut con = common::connection(&server, 2).await;
    let _: () = con.hset("h", "f", "v").await.unwrap();
    let _: String = redis::cmd("BGREWRITEAOF")
        .query_async(&mut con)
        .await
        .unwrap();
    wait_rewrite(&mut con).await;
    grpc.set(proto::SetRequest {
        db: 0,
        key: b"after".to_vec().into(),
        value: b"1".to_vec().into(),
        ..Default::default()
    })
    .await
    .unwrap();
    stop(server).await;
    assert!(
        dir.join("appendonlydir")
            .join("appendonly.aof.2.base.aof")
            .exists()
    );

    let server = common::start_with(config).await;
    let mut con = common::connection(&server, 2).await;
    let typed: String = con.get("typed").await.unwrap();
    assert_eq!(typed, "over grpc");
    let after: String = con.get("after").await.unwrap();
    assert_eq!(after, "1");
    let h: String = con.hget("h", "f").await.unwrap();
    assert_eq!(h, "v");
    let _: () = redis::cmd("SELECT")
        .arg(2)
        .query_async(&mut con)
        .await
        .unwrap();
    let list: Vec<String> = con.lrange("typed-list", 0, -1).await.unwrap();
    assert_eq!(list, ["b", "a"]);
    stop(server).await;
    let _ = std::fs::remove_dir_all(dir);
}
