//! The parsers of what an operator or a file hands the server, fuzzed: redis.conf-style
//! config files (`user` lines included), ACL rules and ACL files, RDB files and AOF
//! directories. Each input must be taken or refused with an error, never panic; ACL
//! descriptions must also read back as the same rules.
//!
//! Inputs are seeded (`MEMO_FUZZ_SEED`) and their number follows `MEMO_FUZZ_ITERS`
//! (config files and ACL inputs: ITERS/20 each; RDB mutations ITERS/40; AOF start-ups
//! ITERS/400).

use std::path::Path;

use bytes::Bytes;
use memorabilia::acl::Acl;
use memorabilia::config::{Config, PARAMS};
use memorabilia::persist::rdb::{self, LoadTarget, LoadedKey};

use crate::rng::Rng;
use crate::settings::settings;
use crate::values::ACL_RULES;

/// Values a setting may get: well-formed, edge and junk.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "yes",
    "no",
    "maybe",
    "1gb",
    "512mb",
    "10k",
    "1xb",
    "",
    "\"\"",
    "''",
    "\"unterminated",
    "'x",
    "\\x41\\xzz",
    "\"a\\\"b\"",
    "9223372036854775808",
    "65536",
    "everysec",
    "always",
    "allkeys-lru",
    "notice",
    "KEA",
    "Ex",
    "$",
    "normal 0 0 0",
    "pubsub 1 2",
    "3600 1 300 100",
    "1 2 3",
    "#",
    "a b c",
    "/nonexistent/dir",
    "dump.rdb",
    "..",
    "x/y",
    "resetchannels",
    "allchannels",
    "optional",
];

fn junk(rng: &mut Rng) -> String {
    let len = rng.below(12);
    rng.bytes(len)
        .iter()
        .map(|b| char::from(b" \t\"'\\#~%&()+-@|\r\x00abcXYZ019"[*b as usize % 26]))
        .collect()
}

fn rule(rng: &mut Rng) -> String {
    if rng.chance(85) {
        rng.pick(ACL_RULES).to_string()
    } else {
        junk(rng)
    }
}

fn config_line(rng: &mut Rng) -> String {
    match rng.below(10) {
        0 => "# a comment".into(),
        1 => String::new(),
        2 => {
            let rules: Vec<String> = (0..rng.below(6)).map(|_| rule(rng)).collect();
            format!("user u{} {}", rng.below(4), rules.join(" "))
        }
        3 => junk(rng),
        _ => {
            let name = rng.pick(PARAMS).name;
            let value = if rng.chance(80) {
                rng.pick(VALUES).to_string()
            } else {
                junk(rng)
            };
            format!("{name} {value}")
        }
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("memorabilia-parsers-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn config_files_are_taken_or_refused_never_panic() {
    let s = settings();
    let mut rng = Rng::new(s.seed ^ 0xc0f1);
    let dir = scratch("config");
    let path = dir.join("fuzz.conf");
    let (mut taken, mut refused) = (0, 0);
    for _ in 0..(s.iters / 20).max(200) {
        let lines: Vec<String> = (0..1 + rng.below(8))
            .map(|_| config_line(&mut rng))
            .collect();
        std::fs::write(&path, lines.join("\n")).expect("write");
        let mut config = Config::default();
        match config.load_file(&path) {
            Ok(()) => {
                taken += 1;
                // What the file set must also get through the ACL start-up.
                config.aclfile.clear();
                let acl = Acl::default();
                let users: Vec<Vec<Bytes>> = config
                    .users
                    .iter()
                    .map(|l| l.iter().map(|w| Bytes::from(w.clone())).collect())
                    .collect();
                let _ = acl.load_config_users(&users);
                // Every parameter prints back something that parses as itself.
                for param in PARAMS {
                    let shown = param.get(&config);
                    let mut again = config.clone();
                    assert!(
                        param.set(&mut again, &shown).is_ok(),
                        "{} {shown:?} does not read back",
                        param.name
                    );
                }
            }
            Err(_) => refused += 1,
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("config files: {taken} taken, {refused} refused");
}

#[test]
fn acl_rules_and_files_are_taken_or_refused_and_read_back() {
    let s = settings();
    let mut rng = Rng::new(s.seed ^ 0xac1);
    let dir = scratch("acl");
    let path = dir.join("users.acl");
    let mut descriptions = 0;
    for round in 0..(s.iters / 20).max(200) {
        let acl = Acl::default();
        acl.configure(16, rng.chance(20));
        for _ in 0..1 + rng.below(4) {
            let rules: Vec<Bytes> = (0..rng.below(7))
                .map(|_| Bytes::from(rule(&mut rng)))
                .collect();
            let name = format!("u{}", rng.below(3));
            let _ = acl.set_user(name.as_bytes(), &rules);
        }
        // ACL LIST lines are an ACL file that loads back to the same lines.
        let listed = acl.list();
        let mut text = Vec::new();
        for line in &listed {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
        std::fs::write(&path, &text).expect("write");
        let again = Acl::default();
        again.configure(16, acl.pubsub_all());
        if let Err(e) = again.load_file(&path) {
            panic!(
                "round {round}: ACL LIST does not load back: {e}\n{}",
                String::from_utf8_lossy(&text)
            );
        }
        assert_eq!(again.list(), listed, "round {round}");
        descriptions += listed.len();
        // Random files: loaded whole or refused, never half.
        let lines: Vec<String> = (0..rng.below(5))
            .map(|_| match rng.below(4) {
                0 => junk(&mut rng),
                _ => {
                    let rules: Vec<String> = (0..rng.below(5)).map(|_| rule(&mut rng)).collect();
                    format!("user f{} {}", rng.below(3), rules.join(" "))
                }
            })
            .collect();
        std::fs::write(&path, lines.join("\n")).expect("write");
        let before = acl.list();
        if acl.load_file(&path).is_err() {
            assert_eq!(acl.list(), before, "a refused file changed the users");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("ACL: {descriptions} user descriptions read back");
}

struct Discard;

impl LoadTarget for Discard {
    fn databases(&self) -> usize {
        16
    }
    fn function(&mut self, _code: Bytes) -> Result<(), String> {
        Ok(())
    }
    fn key(&mut self, _key: LoadedKey) -> bool {
        true
    }
}

/// Keys of every type and encoding, saved by a server: the seed of the file mutations.
async fn seed_files(dir: &Path, appendonly: bool) -> memorabilia::server::RunningServer {
    let config = Config {
        dir: dir.display().to_string(),
        save: String::new(),
        appendonly,
        aof_use_rdb_preamble: false,
        ..Config::default()
    };
    let server = crate::common::start_with(config).await;
    let mut c = crate::common::RespClient::connect(&server).await;
    for cmd in crate::world::populate_script() {
        c.call(&cmd).await;
    }
    server
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        if data.is_empty() {
            return;
        }
        let at = rng.below(data.len());
        match rng.below(5) {
            0 => data[at] ^= 1 << rng.below(8),
            1 => data[at] = rng.next_u64() as u8,
            2 => data.truncate(at),
            3 => {
                let len = 1 + rng.below(8);
                let extra = rng.bytes(len);
                data.splice(at..at, extra);
            }
            _ => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
        }
    }
}

#[test]
fn mutated_rdb_files_load_or_fail_never_panic() {
    let s = settings();
    let mut rng = Rng::new(s.seed ^ 0x4db);
    let dir = scratch("rdb");
    let rt = crate::panics::runtime("fuzz-rdb");
    let original = rt.block_on(async {
        let server = seed_files(&dir, false).await;
        let mut c = crate::common::RespClient::connect(&server).await;
        c.call(&["SAVE"]).await;
        server.shutdown();
        server.wait().await;
        std::fs::read(dir.join("dump.rdb")).expect("dump.rdb")
    });
    let (mut loaded, mut failed) = (0, 0);
    for _ in 0..(s.iters / 40).max(200) {
        let mut data = original.clone();
        mutate(&mut rng, &mut data);
        // Without the checksum, mutations reach the value decoders.
        let verify = rng.chance(10);
        match rdb::load(&data[..], &mut Discard, 0, verify, rng.chance(50)) {
            Ok(_) => loaded += 1,
            Err(_) => failed += 1,
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("RDB mutations: {loaded} loaded, {failed} refused");
}

#[test]
fn mutated_aof_files_load_or_fail_never_panic() {
    let s = settings();
    let mut rng = Rng::new(s.seed ^ 0xa0f);
    let dir = scratch("aof");
    let rt = crate::panics::runtime("fuzz-aof");
    rt.block_on(async {
        let server = seed_files(&dir, true).await;
        server.shutdown();
        server.wait().await;
    });
    let aof_dir = dir.join("appendonlydir");
    let files: Vec<_> = std::fs::read_dir(&aof_dir)
        .expect("AOF directory")
        .map(|e| e.expect("entry").path())
        .collect();
    let originals: Vec<(std::path::PathBuf, Vec<u8>)> = files
        .iter()
        .map(|p| (p.clone(), std::fs::read(p).expect("read")))
        .collect();
    let (mut started, mut refused) = (0, 0);
    for _ in 0..(s.iters / 400).max(30) {
        for (path, data) in &originals {
            std::fs::write(path, data).expect("restore");
        }
        let (path, data) = rng.pick(&originals);
        let mut data = data.clone();
        mutate(&mut rng, &mut data);
        std::fs::write(path, &data).expect("write");
        let config = Config {
            dir: dir.display().to_string(),
            save: String::new(),
            appendonly: true,
            aof_load_truncated: rng.chance(50),
            ..Config::default()
        };
        rt.block_on(async {
            let listeners = memorabilia::server::Listeners {
                resp: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
                ..Default::default()
            };
            match memorabilia::server::start_on(config, listeners) {
                Ok(server) => {
                    started += 1;
                    server.shutdown();
                    server.wait().await;
                }
                Err(_) => refused += 1,
            }
        });
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!("AOF mutations: {started} started, {refused} refused");
}
