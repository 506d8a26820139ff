//! Access control end to end, on both front ends: users from the config file and the
//! `aclfile` (ACL LOAD / SAVE), requirepass and NOAUTH, the protocol limits of clients that
//! have not authenticated, clients disconnected when their user goes or loses channels,
//! rule changes reaching connected clients at their next command, and gRPC credentials
//! (`authorization: Basic ...`) with UNAUTHENTICATED / PERMISSION_DENIED.

mod common;

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use common::{Raw, Resp, RespClient};
use memorabilia::config::Config;
use memorabilia::grpc::proto::{self, memorabilia_client::MemorabiliaClient};
use memorabilia::server::RunningServer;
use tonic::transport::Channel;
use tonic::{Code, Request};

async fn stop(server: RunningServer) {
    server.shutdown();
    server.wait().await;
}

fn ok() -> Resp {
    Resp::Simple("OK".into())
}

fn err(text: &str) -> Resp {
    Resp::Error(text.into())
}

fn bulk(text: &str) -> Resp {
    Resp::Bulk(Some(text.as_bytes().to_vec()))
}

const NOAUTH: &str = "NOAUTH Authentication required.";
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn user_line(words: &str) -> Vec<String> {
    words.split(' ').map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_users_and_requirepass() {
    let config = Config {
        requirepass: "sesame".into(),
        users: vec![
            user_line("alice on >wonderland ~cache:* +get +set"),
            user_line("bob off >pw +@all"),
        ],
        ..Config::default()
    };
    let server = common::start_with(config).await;
    let mut c = RespClient::connect(&server).await;
    assert_eq!(c.call(&["GET", "k"]).await, err(NOAUTH));
    assert_eq!(c.call(&["AUTH", "wrong"]).await, err(WRONGPASS));
    assert_eq!(c.call(&["AUTH", "bob", "pw"]).await, err(WRONGPASS));
    assert_eq!(c.call(&["AUTH", "alice", "wonderland"]).await, ok());
    assert_eq!(
        c.call(&["ACL", "WHOAMI"]).await,
        err("NOPERM this user has no permissions to run the 'acl|whoami' command",)
    );
    assert_eq!(c.call(&["SET", "cache:1", "v"]).await, ok());
    assert_eq!(
        c.call(&["SET", "other", "v"]).await,
        err("NOPERM this user has no permissions to access one of the keys used as arguments")
    );
    let mut admin = RespClient::connect(&server).await;
    assert_eq!(admin.call(&["AUTH", "sesame"]).await, ok());
    assert_eq!(admin.call(&["ACL", "WHOAMI"]).await, bulk("default"));
    let Resp::Array(Some(log)) = admin.call(&["ACL", "LOG"]).await else {
        panic!("ACL LOG is an array");
    };
    // Two denials and two failed authentications (as default and as bob).
    assert_eq!(log.len(), 4, "{log:?}");
    // A password set later does not log out clients that connected without one.
    assert_eq!(
        admin.call(&["CONFIG", "SET", "requirepass", ""]).await,
        ok()
    );
    let mut open = RespClient::connect(&server).await;
    assert_eq!(
        admin.call(&["CONFIG", "SET", "requirepass", "again"]).await,
        ok()
    );
    assert_eq!(open.call(&["PING"]).await, Resp::Simple("PONG".into()));
    let mut late = RespClient::connect(&server).await;
    assert_eq!(late.call(&["PING"]).await, err(NOAUTH));
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthenticated_clients_may_send_only_small_requests() {
    let config = Config {
        requirepass: "pw".into(),
        ..Config::default()
    };
    let server = common::start_with(config).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"*11\r\n").await;
    raw.expect(b"-ERR Protocol error: unauthenticated multibulk length\r\n")
        .await;
    raw.expect_closed().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"*2\r\n$4\r\nAUTH\r\n$16385\r\n").await;
    raw.expect(b"-ERR Protocol error: unauthenticated bulk length\r\n")
        .await;
    raw.expect_closed().await;
    // Once authenticated, the usual limits apply.
    let mut raw = Raw::connect(&server).await;
    raw.send(b"*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*11\r\n$4\r\nMSET\r\n")
        .await;
    raw.expect(b"+OK\r\n").await;
    let mut args = String::new();
    for i in 0..5 {
        args.push_str(&format!("$2\r\nk{i}\r\n$1\r\nv\r\n"));
    }
    raw.send(args.as_bytes()).await;
    raw.expect(b"+OK\r\n").await;
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_file_load_and_save() {
    let dir = common::temp_dir();
    let path = dir.join("users.acl");
    std::fs::write(&path, "user carol on >pw ~* +@all\n").unwrap();
    let config = Config {
        aclfile: path.display().to_string(),
        ..Config::default()
    };
    let server = common::start_with(config).await;
    let mut carol = Raw::connect(&server).await;
    carol
        .send(b"*3\r\n$4\r\nAUTH\r\n$5\r\ncarol\r\n$2\r\npw\r\n")
        .await;
    carol.expect(b"+OK\r\n").await;
    let mut admin = RespClient::connect(&server).await;
    assert_eq!(
        admin
            .call(&["ACL", "SETUSER", "dave", "on", "nopass"])
            .await,
        ok()
    );
    assert_eq!(admin.call(&["ACL", "SAVE"]).await, ok());
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(
        saved.contains("user dave on nopass resetchannels -@all\n"),
        "{saved}"
    );
    // A broken file changes nothing.
    std::fs::write(&path, "user carol on +nosuch\n").unwrap();
    let Resp::Error(text) = admin.call(&["ACL", "LOAD"]).await else {
        panic!("a broken file fails");
    };
    assert!(
        text.contains("Error in applying operation '+nosuch'"),
        "{text}"
    );
    carol.send(b"*1\r\n$4\r\nPING\r\n").await;
    carol.expect(b"+PONG\r\n").await;
    // A good one replaces every user; the clients of the users before are disconnected.
    std::fs::write(&path, "user erin on nopass ~* +@all\n").unwrap();
    assert_eq!(admin.call(&["ACL", "LOAD"]).await, ok());
    assert_eq!(
        admin.call(&["ACL", "USERS"]).await,
        Resp::Array(Some(vec![bulk("default"), bulk("erin")]))
    );
    carol.expect_closed().await;
    stop(server).await;
    // Both users in redis.conf and an aclfile: refused, as in Redis.
    let both = Config {
        aclfile: path.display().to_string(),
        users: vec![user_line("x on")],
        ..Config::default()
    };
    let listeners = memorabilia::server::Listeners {
        resp: Some(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()),
        ..Default::default()
    };
    assert!(memorabilia::server::start_on(both, listeners).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_users_and_revoked_channels_disconnect_clients() {
    let server = common::start().await;
    let mut admin = RespClient::connect(&server).await;
    assert_eq!(
        admin
            .call(&[
                "ACL", "SETUSER", "sub", "on", "nopass", "+@all", "~*", "&news*"
            ])
            .await,
        ok()
    );
    let mut subscriber = Raw::connect(&server).await;
    subscriber
        .send(b"*3\r\n$4\r\nAUTH\r\n$3\r\nsub\r\n$1\r\nx\r\n*2\r\n$9\r\nSUBSCRIBE\r\n$7\r\nnews.it\r\n")
        .await;
    subscriber
        .expect(b"+OK\r\n*3\r\n$9\r\nsubscribe\r\n$7\r\nnews.it\r\n:1\r\n")
        .await;
    // Keeping the channel keeps the subscriber.
    assert_eq!(admin.call(&["ACL", "SETUSER", "sub", "&other"]).await, ok());
    assert_eq!(admin.call(&["PUBLISH", "news.it", "m"]).await, Resp::Int(1));
    subscriber
        .expect(b"*3\r\n$7\r\nmessage\r\n$7\r\nnews.it\r\n$1\r\nm\r\n")
        .await;
    assert_eq!(
        admin
            .call(&["ACL", "SETUSER", "sub", "resetchannels", "&other"])
            .await,
        ok()
    );
    subscriber.expect_closed().await;
    // DELUSER closes the user's connections, the caller's own after its reply.
    let mut plain = RespClient::connect(&server).await;
    assert_eq!(plain.call(&["AUTH", "sub", "x"]).await, ok());
    let mut watcher = Raw::connect(&server).await;
    watcher
        .send(b"*3\r\n$4\r\nAUTH\r\n$3\r\nsub\r\n$1\r\nx\r\n")
        .await;
    watcher.expect(b"+OK\r\n").await;
    assert_eq!(plain.call(&["ACL", "DELUSER", "sub"]).await, Resp::Int(1));
    watcher.expect_closed().await;
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_changes_reach_busy_clients_at_their_next_command() {
    let server = common::start().await;
    let mut admin = RespClient::connect(&server).await;
    assert_eq!(
        admin
            .call(&["ACL", "SETUSER", "w", "on", "nopass", "+set", "+get", "~a*"])
            .await,
        ok()
    );
    let stop_flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let revoked = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for n in 0..4 {
        let addr = server.resp_addr.expect("plaintext RESP");
        let stop_flag = stop_flag.clone();
        let revoked = revoked.clone();
        workers.push(tokio::spawn(async move {
            let mut c = RespClient::connect_to(addr).await;
            assert_eq!(c.call(&["AUTH", "w", "x"]).await, ok());
            let key = format!("a{n}");
            let mut denied_after_revoke = 0;
            while !stop_flag.load(std::sync::atomic::Ordering::SeqCst) {
                // Read the flag before sending: a command sent after the revocation was
                // acknowledged must be refused.
                let was_revoked = revoked.load(std::sync::atomic::Ordering::SeqCst);
                let reply = c.call(&["SET", &key, "v"]).await;
                if was_revoked {
                    assert!(
                        matches!(reply, Resp::Error(ref e) if e.starts_with("NOPERM")),
                        "{reply:?}"
                    );
                    denied_after_revoke += 1;
                }
            }
            denied_after_revoke
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        admin
            .call(&["ACL", "SETUSER", "w", "resetkeys", "~b*"])
            .await,
        ok()
    );
    revoked.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop_flag.store(true, std::sync::atomic::Ordering::SeqCst);
    for worker in workers {
        assert!(worker.await.unwrap() > 0);
    }
    stop(server).await;
}

fn basic(credentials: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

fn with_auth<T>(message: T, credentials: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(credentials) = credentials {
        request
            .metadata_mut()
            .insert("authorization", basic(credentials).parse().unwrap());
    }
    request
}

async fn grpc(server: &RunningServer) -> MemorabiliaClient<Channel> {
    common::grpc(server).await
}

fn get(key: &str) -> proto::GetRequest {
    proto::GetRequest {
        db: 0,
        key: Bytes::copy_from_slice(key.as_bytes()),
    }
}

fn command(words: &[&str]) -> proto::Command {
    proto::Command {
        args: words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect(),
        db: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_calls_authenticate_and_are_checked() {
    let config = Config {
        requirepass: "sesame".into(),
        users: vec![user_line(
            "reader on >pw %R~r* +get +publish +subscribe &news* +@connection",
        )],
        ..Config::default()
    };
    let server = common::start_with(config).await;
    let mut g = grpc(&server).await;
    // No credentials, wrong ones: UNAUTHENTICATED with Redis's texts.
    let status = g.get(with_auth(get("r1"), None)).await.unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Unauthenticated, NOAUTH)
    );
    let status = g
        .get(with_auth(get("r1"), Some("reader:bad")))
        .await
        .unwrap_err();
    assert_eq!(
        (status.code(), status.message()),
        (Code::Unauthenticated, WRONGPASS)
    );
    // The default user's password alone, or as default:password.
    for credentials in ["sesame", "default:sesame"] {
        let reply = g
            .execute(with_auth(command(&["SET", "w1", "v"]), Some(credentials)))
            .await
            .unwrap();
        assert!(reply.into_inner().kind.is_some());
    }
    // A restricted user: typed and Execute calls both follow its rules.
    let reader = Some("reader:pw");
    assert!(g.get(with_auth(get("r1"), reader)).await.is_ok());
    let status = g.get(with_auth(get("w1"), reader)).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(
        status.message(),
        "NOPERM this user has no permissions to access one of the keys used as arguments"
    );
    // Execute answers as RESP does: the error is its reply.
    let reply = g
        .execute(with_auth(command(&["SET", "r1", "v"]), reader))
        .await
        .unwrap()
        .into_inner();
    let Some(proto::reply::Kind::Error(error)) = reply.kind else {
        panic!("an error reply: {reply:?}");
    };
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (
            "NOPERM",
            "NOPERM this user has no permissions to run the 'set' command"
        )
    );
    let publish = |channel: &str| proto::PublishRequest {
        channel: Bytes::copy_from_slice(channel.as_bytes()),
        message: Bytes::from_static(b"m"),
        shard: false,
    };
    assert!(g.publish(with_auth(publish("news1"), reader)).await.is_ok());
    let status = g
        .publish(with_auth(publish("other"), reader))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    // The denials are in the ACL log.
    // The call's client runs as the user (CLIENT INFO is in @connection).
    let info = g
        .execute(with_auth(command(&["CLIENT", "INFO"]), reader))
        .await
        .unwrap()
        .into_inner();
    let Some(proto::reply::Kind::Verbatim(text)) = info.kind else {
        panic!("CLIENT INFO answers verbatim text: {info:?}");
    };
    assert!(String::from_utf8_lossy(&text.text).contains(" user=reader "));
    let mut admin = RespClient::connect(&server).await;
    assert_eq!(admin.call(&["AUTH", "sesame"]).await, ok());
    let Resp::Array(Some(log)) = admin.call(&["ACL", "LOG"]).await else {
        panic!("ACL LOG is an array");
    };
    assert!(log.len() >= 4, "{log:?}");
    // Health stays open without credentials.
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let url = format!("http://{}", server.grpc_addr.unwrap());
    let channel = tonic::transport::Endpoint::new(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    assert!(
        health
            .check(HealthCheckRequest {
                service: String::new()
            })
            .await
            .is_ok()
    );
    stop(server).await;
}
