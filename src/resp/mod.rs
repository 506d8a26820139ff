//! The RESP front end: accepts TCP clients and serves them the Redis protocol.
//!
//! `decoder` turns bytes into argument vectors, `connection` runs them through the command
//! table and `encoder` writes the replies.

pub mod connection;
pub mod decoder;
pub mod encoder;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_util::task::TaskTracker;

use crate::state::{ClientGuard, ClientKind, ServerState};

/// Accepts clients until shutdown, then waits for every connection to finish.
pub async fn serve(listener: TcpListener, state: Arc<ServerState>) {
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
        state
            .stats
            .total_connections_received
            .fetch_add(1, Ordering::Relaxed);
        let maxclients = state.config.read().maxclients;
        if state.clients.count() as u64 >= maxclients {
            state
                .stats
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n")
                .await;
            continue;
        }
        let protected = state.config.read().protected_mode;
        if let Some(refusal) = state.acl.protected_mode_refusal(protected, Some(peer)) {
            state
                .stats
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            let _ = stream.write_all(format!("-{refusal}\r\n").as_bytes()).await;
            continue;
        }
        let client = state
            .clients
            .register(ClientKind::Resp, peer.to_string(), local.clone());
        // Connected while the default user needs no password: authenticated already, and
        // stays so if a password is set later (Redis's `clientSetDefaultAuth`).
        client.set_user(None, !state.acl.requires_auth());
        #[cfg(unix)]
        client.set_fd(std::os::fd::AsRawFd::as_raw_fd(&stream) as i64);
        // Created before the task: even a task that panics, or never runs, unregisters.
        let guard = ClientGuard::new(state.clone(), client.clone());
        let state = state.clone();
        tracker.spawn(async move {
            let _guard = guard;
            connection::serve_client(state, stream, client).await;
        });
    }
    tracker.close();
    tracker.wait().await;
}
