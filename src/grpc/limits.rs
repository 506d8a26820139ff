//! The limits on the gRPC listener that follow the configuration: `maxclients` counts each
//! open connection (and each stream, a listed client of its own), and the largest message
//! follows `proto-max-bulk-len` as it is set at run time.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::codegen::{BoxFuture, Service, StdError, http};
use tonic::server::NamedService;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::proto::memorabilia_server::MemorabiliaServer;
use super::service::MemorabiliaService;
use crate::state::{GrpcConnectionSlot, ServerState};

/// Room for the rest of a message around its largest bulk value.
const MESSAGE_OVERHEAD: usize = 64 * 1024;

/// The largest message either way: one value as large as a RESP client may send.
pub fn max_message(proto_max_bulk_len: u64) -> usize {
    (proto_max_bulk_len as usize).saturating_add(MESSAGE_OVERHEAD)
}

/// An accepted connection, counted among the clients while it is open.
pub struct CountedConnection {
    stream: TcpStream,
    _slot: GrpcConnectionSlot,
}

/// Admits a new connection unless the server already has `maxclients` clients; a refused
/// one is closed at once (the caller sees the connection fail, as a RESP client sees it
/// closed after Redis's error line).
pub fn admit(state: &ServerState, stream: TcpStream) -> Option<CountedConnection> {
    if !state.admit_connection() {
        return None;
    }
    Some(CountedConnection {
        stream,
        _slot: state.clients.grpc_connection_opened(),
    })
}

impl Connected for CountedConnection {
    // The TCP connection's own information, so requests still know their peer.
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for CountedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The Memorabilia service with message limits taken from the configuration at each call
/// (tonic fixes them when a service is built, so each call gets a service built for the
/// current value: an `Arc` clone and two numbers).
#[derive(Clone)]
pub struct SizedService {
    service: Arc<MemorabiliaService>,
    state: Arc<ServerState>,
}

impl SizedService {
    pub fn new(service: MemorabiliaService, state: Arc<ServerState>) -> SizedService {
        SizedService {
            service: Arc::new(service),
            state,
        }
    }
}

impl NamedService for SizedService {
    const NAME: &'static str = <MemorabiliaServer<MemorabiliaService> as NamedService>::NAME;
}

impl<B> Service<http::Request<B>> for SizedService
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let limit = max_message(self.state.grpc_max_bulk_len.load(Ordering::Relaxed));
        MemorabiliaServer::from_arc(self.service.clone())
            .max_decoding_message_size(limit)
            .max_encoding_message_size(limit)
            .call(request)
    }
}
