//! Every command is atomic and isolated under concurrent clients on several threads.

mod common;

use redis::AsyncCommands;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_incr_gives_an_exact_total() {
    let server = common::start().await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..10_000 {
                let _: i64 = con.incr("counter", 1).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut con = common::connection(&server, 2).await;
    let total: i64 = con.get("counter").await.unwrap();
    assert_eq!(total, 80_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mset_is_never_seen_half_done() {
    let server = common::start().await;
    let keys = ["a", "b", "c", "{x}d"];
    let mut tasks = Vec::new();
    for writer in 0..4 {
        let mut con = common::connection(&server, 2).await;
        tasks.push(tokio::spawn(async move {
            for i in 0..3000 {
                let value = format!("{writer}-{i}");
                let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (*k, value.as_str())).collect();
                let _: () = con.mset(&pairs).await.unwrap();
            }
        }));
    }
    let mut readers = Vec::new();
    for _ in 0..4 {
        let mut con = common::connection(&server, 2).await;
        readers.push(tokio::spawn(async move {
            for _ in 0..3000 {
                let values: Vec<Option<String>> = con.mget(&keys).await.unwrap();
                let first = &values[0];
                assert!(
                    values.iter().all(|v| v == first),
                    "torn MSET seen: {values:?}"
                );
            }
        }));
    }
    for t in tasks.into_iter().chain(readers) {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn msetnx_lets_exactly_one_writer_win() {
    let server = common::start().await;
    for round in 0..200 {
        let keys = [format!("r{round}a"), format!("r{round}b")];
        let mut tasks = Vec::new();
        for writer in 0..4 {
            let mut con = common::connection(&server, 2).await;
            let keys = keys.clone();
            tasks.push(tokio::spawn(async move {
                let won: bool = redis::cmd("MSETNX")
                    .arg(&keys[0])
                    .arg(writer)
                    .arg(&keys[1])
                    .arg(writer)
                    .query_async(&mut con)
                    .await
                    .unwrap();
                won
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += t.await.unwrap() as usize;
        }
        assert_eq!(winners, 1, "round {round}");
        let mut con = common::connection(&server, 2).await;
        let values: Vec<String> = con.mget(&keys).await.unwrap();
        assert_eq!(values[0], values[1]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rename_and_del_keep_exactly_one_copy() {
    let server = common::start().await;
    let mut setup = common::connection(&server, 2).await;
    let _: () = setup.set("ping", "value").await.unwrap();
    let mut movers = Vec::new();
    for _ in 0..2 {
        let mut con = common::connection(&server, 2).await;
        movers.push(tokio::spawn(async move {
            for _ in 0..2000 {
                // One of the two renames fails with "no such key" depending on where the
                // value is; either way the value must exist under exactly one name.
                let _: redis::RedisResult<()> = con.rename("ping", "pong").await;
                let _: redis::RedisResult<()> = con.rename("pong", "ping").await;
            }
        }));
    }
    let mut con = common::connection(&server, 2).await;
    for _ in 0..2000 {
        let n: i64 = redis::cmd("EXISTS")
            .arg("ping")
            .arg("pong")
            .query_async(&mut con)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    for m in movers {
        m.await.unwrap();
    }
}

/// Scripts move units between keys they build from ARGV (undeclared, so locked as the
/// script reaches them, in any order) while other clients read all the keys at once and
/// run scripts that declare their keys: the sum never changes for any reader, and nothing
/// deadlocks (the test would time out).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scripts_on_undeclared_keys_are_isolated_and_never_deadlock() {
    const KEYS: usize = 16;
    const UNITS: i64 = 100;
    let server = common::start().await;
    let names: Vec<String> = (0..KEYS).map(|i| format!("acct:{i}")).collect();
    let mut setup = common::connection(&server, 2).await;
    for name in &names {
        let _: () = setup.set(name, UNITS).await.unwrap();
    }
    let transfer = redis::Script::new(
        "local from = ARGV[1] .. ':' .. ARGV[2] local to = ARGV[1] .. ':' .. ARGV[3] \
         local n = tonumber(redis.call('GET', from)) \
         if n > 0 then redis.call('DECR', from) redis.call('INCR', to) end return n",
    );
    let declared = redis::Script::new(
        "local n = tonumber(redis.call('GET', KEYS[1])) \
         if n > 0 then redis.call('DECR', KEYS[1]) redis.call('INCR', KEYS[2]) end return n",
    );
    let work = async {
        let mut tasks = Vec::new();
        for worker in 0..4usize {
            let mut con = common::connection(&server, 2).await;
            let (transfer, declared) = (transfer.clone(), declared.clone());
            let names = names.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..400usize {
                    let from = (worker * 7 + i * 5) % KEYS;
                    let to = (worker * 3 + i * 11 + 1) % KEYS;
                    if i % 2 == 0 {
                        let _: i64 = transfer
                            .arg("acct")
                            .arg(from)
                            .arg(to)
                            .invoke_async(&mut con)
                            .await
                            .unwrap();
                    } else {
                        // Declared keys, highest first: out of the usual order.
                        let _: i64 = declared
                            .key(&names[to])
                            .key(&names[from])
                            .invoke_async(&mut con)
                            .await
                            .unwrap();
                    }
                }
            }));
        }
        for _ in 0..3 {
            let mut con = common::connection(&server, 2).await;
            let names = names.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..400 {
                    let values: Vec<i64> = con.mget(&names).await.unwrap();
                    let sum: i64 = values.iter().sum();
                    assert_eq!(
                        sum,
                        KEYS as i64 * UNITS,
                        "a reader saw a transfer half done"
                    );
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(120), work)
        .await
        .expect("scripts and readers deadlocked");
    let values: Vec<i64> = setup.mget(&names).await.unwrap();
    assert_eq!(values.iter().sum::<i64>(), KEYS as i64 * UNITS);
}
