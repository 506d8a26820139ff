//! The gRPC front end: the `memorabilia.v1.Memorabilia` service over the same store as RESP,
//! plus the standard health (`grpc.health.v1`) and reflection (v1 and v1alpha) services.
//!
//! `service` holds the RPCs, `convert` maps replies and errors to messages and statuses,
//! `typed` says which command and keys each typed request is to the execution path, and
//! the family files (`strings`, `keys`, `lists`, `hashes`, `sets`, `sorted_sets`) translate
//! typed requests into the command layer's typed operations.

pub mod auth;
pub mod convert;
pub mod hashes;
pub mod keys;
pub mod limits;
pub mod lists;
pub mod pubsub;
pub mod scripting;
pub mod service;
pub mod sets;
pub mod sorted_sets;
pub mod streams;
pub mod strings;
pub mod typed;

use std::sync::Arc;

use tokio::net::TcpListener;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::state::ServerState;

/// The generated API types and service traits.
pub mod proto {
    #![allow(clippy::all)]
    tonic::include_proto!("memorabilia.v1");

    /// The encoded descriptors of proto/, served by reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("memorabilia_descriptor");
}

/// Serves gRPC on `listener` until the server shuts down; over TLS with `tls` (the
/// `grpc-tls-port` listener).
pub async fn serve(
    listener: TcpListener,
    state: Arc<ServerState>,
    tls: Option<tonic::transport::ServerTlsConfig>,
) {
    // A message may carry one value as large as a RESP client may send, whatever
    // proto-max-bulk-len is when the call comes.
    let service = limits::SizedService::new(
        service::MemorabiliaService::new(state.clone()),
        state.clone(),
    );
    // Every Memorabilia RPC authenticates first; health and reflection stay open.
    let checker = state.clone();
    let service = tonic::service::interceptor::InterceptedService::new(service, move |request| {
        auth::authenticate(&checker, request)
    });

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter.set_serving::<limits::SizedService>().await;
    // Python grpcio's reflection client speaks v1alpha; grpcurl and newer tools speak v1.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1().expect("valid descriptors");
    let reflection_v1alpha = reflection().build_v1alpha().expect("valid descriptors");

    let keepalive = match state.config.read().tcp_keepalive {
        0 => None,
        secs => Some(std::time::Duration::from_secs(secs)),
    };
    let incoming = TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(keepalive);
    // Each connection counts toward maxclients while it is open.
    let admitting = state.clone();
    let incoming = tokio_stream::StreamExt::filter_map(incoming, move |accepted| match accepted {
        Ok(stream) => limits::admit(&admitting, stream).map(Ok),
        Err(error) => Some(Err(error)),
    });
    let shutdown = state.shutdown.clone();
    let mut builder = Server::builder();
    if let Some(tls) = tls {
        builder = match builder.tls_config(tls) {
            Ok(builder) => builder,
            Err(e) => {
                tracing::error!("gRPC TLS configuration refused: {e}");
                state.shutdown.cancel();
                return;
            }
        };
    }
    let result = builder
        .add_service(service)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
        .await;
    if let Err(e) = result {
        tracing::error!("gRPC server failed: {e}");
        state.shutdown.cancel();
    }
}
