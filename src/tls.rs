//! TLS for the RESP and gRPC listeners, set up as Redis's `tls-*` settings say: the
//! server's certificate chain and key (`tls-cert-file`, `tls-key-file`), and client
//! certificates checked against `tls-ca-cert-file` as `tls-auth-clients` asks (`yes`: a
//! client must present one, `optional`: one it presents must be valid, `no`: none asked).
//! rustls with the ring provider: no C library to build or link.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::config::Config;

/// How client certificates are treated (`tls-auth-clients`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    Required,
    Optional,
    None,
}

impl ClientAuth {
    pub fn of(config: &Config) -> ClientAuth {
        match config.tls_auth_clients.as_str() {
            "no" => ClientAuth::None,
            "optional" => ClientAuth::Optional,
            _ => ClientAuth::Required,
        }
    }
}

/// Whether any listener serves TLS.
pub fn wanted(config: &Config) -> bool {
    config.tls_port != 0 || config.grpc_tls_port != 0
}

fn read(path: &str, what: &str) -> Result<Vec<u8>, String> {
    if path.is_empty() {
        return Err(format!("{what} must be specified when a TLS port is set"));
    }
    std::fs::read(path).map_err(|e| format!("Failed to load {what} {path}: {e}"))
}

/// Checks the settings as Redis does at start-up, before anything listens.
fn check(config: &Config) -> Result<(), String> {
    if ClientAuth::of(config) != ClientAuth::None && config.tls_ca_cert_file.is_empty() {
        return Err(
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when \
                    tls-cluster, tls-replication or tls-auth-clients are enabled!"
                .into(),
        );
    }
    Ok(())
}

/// The rustls configuration of the RESP TLS listener.
pub fn server_config(config: &Config) -> Result<Arc<rustls::ServerConfig>, String> {
    check(config)?;
    let cert_pem = read(&config.tls_cert_file, "tls-cert-file")?;
    let key_pem = read(&config.tls_key_file, "tls-key-file")?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("Failed to load certificate {}: {e}", config.tls_cert_file))?;
    if certs.is_empty() {
        return Err(format!(
            "Failed to load certificate {}: no certificate in it",
            config.tls_cert_file
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| format!("Failed to load private key {}: {e}", config.tls_key_file))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let auth = ClientAuth::of(config);
    let builder = if auth == ClientAuth::None {
        builder.with_no_client_auth()
    } else {
        let ca_pem = read(&config.tls_ca_cert_file, "tls-ca-cert-file")?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&ca_pem) {
            let cert =
                cert.map_err(|e| format!("Failed to load CA certificate(s) file/directory: {e}"))?;
            roots.add(cert).map_err(|e| e.to_string())?;
        }
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
        let verifier = if auth == ClientAuth::Optional {
            verifier.allow_unauthenticated()
        } else {
            verifier
        };
        builder.with_client_cert_verifier(verifier.build().map_err(|e| e.to_string())?)
    };
    let mut server = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("Private key does not match the certificate: {e}"))?;
    // RESP is not negotiated by ALPN; gRPC has its own configuration below.
    server.alpn_protocols.clear();
    Ok(Arc::new(server))
}

/// The TLS configuration of the gRPC TLS listener (the same files and client rules).
pub fn grpc_config(config: &Config) -> Result<tonic::transport::ServerTlsConfig, String> {
    check(config)?;
    let cert = read(&config.tls_cert_file, "tls-cert-file")?;
    let key = read(&config.tls_key_file, "tls-key-file")?;
    let mut tls = tonic::transport::ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(cert, key));
    let auth = ClientAuth::of(config);
    if auth != ClientAuth::None {
        let ca = read(&config.tls_ca_cert_file, "tls-ca-cert-file")?;
        tls = tls
            .client_ca_root(tonic::transport::Certificate::from_pem(ca))
            .client_auth_optional(auth == ClientAuth::Optional);
    }
    Ok(tls)
}
