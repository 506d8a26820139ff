//! The RESP front end: accepts TCP clients and serves them the Redis protocol.
//!
//! `decoder` turns bytes into argument vectors, `connection` runs them through the command
//! table and `encoder` writes the replies. The same connections run over TLS on the
//! `tls-port` listener ([`crate::tls`]).

pub mod connection;
pub mod decoder;
pub mod encoder;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::TaskTracker;

use crate::state::{ClientGuard, ClientKind, ServerState};

/// How long a TLS client may take to complete its handshake.
const TLS_HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Accepts clients until shutdown, then waits for every connection to finish. With `tls`,
/// every connection is a TLS session (the `tls-port` listener).
pub async fn serve(listener: TcpListener, state: Arc<ServerState>, tls: Option<TlsAcceptor>) {
    let tracker = TaskTracker::new();
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    loop {
        let accepted = tokio::select! {
            _ = state.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (mut stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if !state.admit_connection() {
            if tls.is_none() {
                let _ = stream
                    .write_all(b"-ERR max number of clients reached\r\n")
                    .await;
            }
            continue;
        }
        let _ = stream.set_nodelay(true);
        set_keepalive(&stream, state.config.read().tcp_keepalive);
        // Registered here, in accept order (client ids grow in the order clients
        // connected, as in Redis, whose `createClient` runs before a TLS handshake and
        // before protected mode is checked); the guard unregisters it whatever happens.
        let client = state
            .clients
            .register(ClientKind::Resp, peer.to_string(), local.clone());
        #[cfg(unix)]
        client.set_fd(std::os::fd::AsRawFd::as_raw_fd(&stream) as i64);
        // Connected while the default user needs no password: authenticated already, and
        // stays so if a password is set later (Redis's `clientSetDefaultAuth`).
        client.set_user(None, !state.acl.requires_auth());
        let guard = ClientGuard::new(state.clone(), client.clone());
        let state = state.clone();
        match &tls {
            None => {
                tracker.spawn(admit(state, stream, peer, client, guard));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tracker.spawn(async move {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
                    match handshake {
                        Ok(Ok(stream)) => admit(state, stream, peer, client, guard).await,
                        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer} failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
                    }
                });
            }
        }
    }
    tracker.close();
    tracker.wait().await;
}

/// Redis's `anetKeepAlive`: probes after `secs` idle seconds, then every third of that,
/// dropping the connection after three unanswered probes; 0 leaves keepalive off.
pub fn set_keepalive(stream: &tokio::net::TcpStream, secs: u64) {
    if secs == 0 {
        return;
    }
    let idle = std::time::Duration::from_secs(secs);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(idle)
        .with_interval((idle / 3).max(std::time::Duration::from_secs(1)))
        .with_retries(3);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        tracing::debug!("setting TCP keepalive failed: {e}");
    }
}

/// Lets a connected client in (Redis's `clientAcceptHandler`: protected mode first) and
/// serves it until it goes; then its guard unregisters it.
async fn admit<S>(
    state: Arc<ServerState>,
    mut stream: S,
    peer: SocketAddr,
    client: Arc<crate::state::ClientInfo>,
    _guard: ClientGuard,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let protected = state.config.read().protected_mode;
    if let Some(refusal) = state.acl.protected_mode_refusal(protected, Some(peer)) {
        state
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        let _ = stream.write_all(format!("-{refusal}\r\n").as_bytes()).await;
        return;
    }
    connection::serve_client(state, stream, client).await;
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn keepalive_follows_tcp_keepalive() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        super::set_keepalive(&server, 300);
        let socket = socket2::SockRef::from(&server);
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.tcp_keepalive_time().unwrap().as_secs(), 300);
        assert_eq!(socket.tcp_keepalive_interval().unwrap().as_secs(), 100);
        assert_eq!(socket.tcp_keepalive_retries().unwrap(), 3);
        // 0 leaves it off.
        super::set_keepalive(&client, 0);
        assert!(!socket2::SockRef::from(&client).keepalive().unwrap());
    }
}
