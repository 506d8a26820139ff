//! TLS on the RESP and gRPC listeners with certificates made by compat-tests/gen_certs.sh:
//! mutual TLS as `tls-auth-clients yes|optional|no` asks, plaintext refused on a TLS port,
//! `port 0` leaving no plaintext listener, and bad certificate files stopping the start.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use memorabilia::config::Config;
use memorabilia::server::{Listeners, RunningServer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn certificates() -> PathBuf {
    let dir = common::temp_dir().join("certs");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/gen_certs.sh");
    let status = std::process::Command::new(script)
        .arg(&dir)
        .status()
        .expect("run gen_certs.sh (needs openssl)");
    assert!(status.success());
    dir
}

fn tls_config(certs: &Path, auth_clients: &str) -> Config {
    let file = |name: &str| certs.join(name).display().to_string();
    Config {
        tls_cert_file: file("server.crt"),
        tls_key_file: file("server.key"),
        tls_ca_cert_file: file("ca.crt"),
        tls_auth_clients: auth_clients.into(),
        dir: common::temp_dir().display().to_string(),
        save: String::new(),
        ..Config::default()
    }
}

async fn start_tls(config: Config) -> std::io::Result<RunningServer> {
    let bind = || async { Some(TcpListener::bind("127.0.0.1:0").await.unwrap()) };
    let listeners = Listeners {
        tls: bind().await,
        grpc_tls: bind().await,
        ..Listeners::default()
    };
    memorabilia::server::start_on(config, listeners)
}

/// A RESP client over TLS presenting `cert` (a name in the certificate directory).
async fn connect(
    server: &RunningServer,
    certs: &Path,
    cert: Option<&str>,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certs.join("ca.crt")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match cert {
        Some(name) => {
            let chain = CertificateDer::pem_file_iter(certs.join(format!("{name}.crt")))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(certs.join(format!("{name}.key"))).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(server.tls_addr.unwrap()).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Sends PING and returns what came back (empty when the server closed the session).
async fn ping(stream: &mut tokio_rustls::client::TlsStream<TcpStream>) -> Vec<u8> {
    if stream.write_all(b"*1\r\n$4\r\nPING\r\n").await.is_err() {
        return Vec::new();
    }
    let mut buf = vec![0u8; 64];
    match tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf)).await {
        Ok(Ok(n)) => buf[..n].to_vec(),
        _ => Vec::new(),
    }
}

/// Whether a TLS client presenting `cert` gets +PONG (a refused certificate ends the
/// session in the handshake or right after it, TLS 1.3 reporting it late).
async fn served(server: &RunningServer, certs: &Path, cert: Option<&str>) -> bool {
    match connect(server, certs, cert).await {
        Ok(mut stream) => ping(&mut stream).await == b"+PONG\r\n",
        Err(_) => false,
    }
}

async fn stop(server: RunningServer) {
    server.shutdown();
    server.wait().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_as_tls_auth_clients_asks() {
    let certs = certificates();
    for (auth, with_cert, without, untrusted) in [
        ("yes", true, false, false),
        ("optional", true, true, false),
        ("no", true, true, true),
    ] {
        let server = start_tls(tls_config(&certs, auth)).await.unwrap();
        assert!(server.resp_addr.is_none());
        assert_eq!(
            served(&server, &certs, Some("client")).await,
            with_cert,
            "{auth}"
        );
        assert_eq!(served(&server, &certs, None).await, without, "{auth}");
        assert_eq!(
            served(&server, &certs, Some("other")).await,
            untrusted,
            "{auth}"
        );
        stop(server).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_pipelines_and_plaintext_on_the_tls_port() {
    let certs = certificates();
    let server = start_tls(tls_config(&certs, "yes")).await.unwrap();
    let mut stream = connect(&server, &certs, Some("client")).await.unwrap();
    // A pipeline of a large value and a read of it, over TLS.
    let value = "v".repeat(300_000);
    let request = format!(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n{value}\r\n*2\r\n$6\r\nSTRLEN\r\n$1\r\nk\r\n",
        value.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    while reply.len() < b"+OK\r\n:300000\r\n".len() {
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0);
        reply.extend_from_slice(&buf[..n]);
    }
    assert_eq!(reply, b"+OK\r\n:300000\r\n");
    // Plaintext on the TLS port is no RESP session.
    let mut plain = TcpStream::connect(server.tls_addr.unwrap()).await.unwrap();
    plain.write_all(b"*1\r\n$4\r\nPING\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read(&mut buf))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or(0);
    assert!(!buf[..n].starts_with(b"+PONG"));
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_over_tls() {
    use memorabilia::grpc::proto::{GetRequest, SetRequest, memorabilia_client::MemorabiliaClient};
    use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};
    let certs = certificates();
    let server = start_tls(tls_config(&certs, "yes")).await.unwrap();
    let read = |name: &str| std::fs::read(certs.join(name)).unwrap();
    let endpoint = |identity: Option<Identity>| {
        let mut tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(read("ca.crt")))
            .domain_name("localhost");
        if let Some(identity) = identity {
            tls = tls.identity(identity);
        }
        Endpoint::new(format!("https://{}", server.grpc_tls_addr.unwrap()))
            .unwrap()
            .tls_config(tls)
            .unwrap()
    };
    let identity = Identity::from_pem(read("client.crt"), read("client.key"));
    let channel = endpoint(Some(identity)).connect().await.unwrap();
    let mut g = MemorabiliaClient::new(channel);
    g.set(SetRequest {
        key: "k".into(),
        value: "v".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let got = g
        .get(GetRequest {
            db: 0,
            key: "k".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.value.as_deref(), Some(&b"v"[..]));
    // Without a client certificate the call does not go through.
    let refused = match endpoint(None).connect().await {
        Err(_) => true,
        Ok(channel) => MemorabiliaClient::new(channel)
            .get(GetRequest {
                db: 0,
                key: "k".into(),
            })
            .await
            .is_err(),
    };
    assert!(refused);
    stop(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tls_settings_stop_the_start() {
    let certs = certificates();
    let mut missing_ca = tls_config(&certs, "yes");
    missing_ca.tls_ca_cert_file.clear();
    let error = start_tls(missing_ca).await.err().unwrap();
    assert!(error.to_string().contains("tls-ca-cert-file"), "{error}");
    let mut wrong_key = tls_config(&certs, "no");
    wrong_key.tls_key_file = certs.join("client.key").display().to_string();
    assert!(start_tls(wrong_key).await.is_err());
    let mut no_file = tls_config(&certs, "no");
    no_file.tls_cert_file = certs.join("nosuch.crt").display().to_string();
    assert!(start_tls(no_file).await.is_err());
    // `port 0` binds no plaintext listener.
    let config = Config {
        port: 0,
        grpc_port: 0,
        ..Config::default()
    };
    let listeners = Listeners::bind(&config).await.unwrap();
    assert!(listeners.resp.is_none() && listeners.grpc.is_none());
}
