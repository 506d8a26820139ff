//! One RESP client: read, run every complete command in the buffer, write all replies
//! with one socket write, repeat.
//!
//! Per-client protocol state (database, RESP version, name) lives in the [`Session`].
//! Protocol errors are answered and then close the connection, as in Redis; command errors
//! are ordinary replies.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::decoder::{DecoderLimits, RequestDecoder};
use super::encoder::encode;
use crate::commands::{Ctx, Reply, Session, execute};
use crate::error::Error;
use crate::state::{ClientInfo, ServerState};

const READ_CHUNK: usize = 16 * 1024;
/// Output buffers that grew past this (a huge `KEYS` reply) are not kept between batches.
const KEEP_OUTPUT_CAPACITY: usize = 1024 * 1024;

/// Why a connection ends.
enum Close {
    /// The client went away, was killed, or the server is shutting down.
    Gone,
    /// Flush what is buffered, then close.
    AfterWrite,
}

pub async fn serve_client(state: Arc<ServerState>, mut stream: TcpStream, client: Arc<ClientInfo>) {
    let _ = stream.set_nodelay(true);
    let mut session = Session::new(client.clone());
    let mut settings = Settings::load(&state);
    let mut decoder = RequestDecoder::new(settings.decoder);
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut output = BytesMut::with_capacity(READ_CHUNK);
    let mut argv = Vec::with_capacity(8);
    loop {
        if settings.epoch != state.config_epoch() {
            settings = Settings::load(&state);
            decoder.set_limits(settings.decoder);
        }
        let idle_timeout = settings.idle_timeout;
        let read = async {
            if idle_timeout == 0 {
                stream.read_buf(&mut input).await
            } else {
                tokio::time::timeout(
                    Duration::from_secs(idle_timeout),
                    stream.read_buf(&mut input),
                )
                .await
                .unwrap_or(Ok(0))
            }
        };
        let read = tokio::select! {
            _ = client.kill.cancelled() => break,
            _ = state.shutdown.cancelled() => break,
            read = read => read,
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                state
                    .stats
                    .total_net_input_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
        }
        client.note_interaction();
        let outcome = run_batch(
            &state,
            &mut session,
            &mut decoder,
            &mut input,
            &mut argv,
            &mut output,
        );
        if !output.is_empty() {
            // Let the other ready connections run their batches first, so replies go out
            // together at the end of the pass (like Redis's beforeSleep) and wake clients less.
            tokio::task::yield_now().await;
            if stream.write_all(&output).await.is_err() {
                break;
            }
            state
                .stats
                .total_net_output_bytes
                .fetch_add(output.len() as u64, Ordering::Relaxed);
            output.clear();
            if output.capacity() > KEEP_OUTPUT_CAPACITY {
                output = BytesMut::with_capacity(READ_CHUNK);
            }
        }
        if outcome.is_some() {
            break;
        }
        let query_limit = settings.query_buffer_limit;
        if input.len() as u64 > query_limit {
            tracing::warn!(
                client = client.id,
                "closing client that reached max query buffer length ({} bytes)",
                input.len()
            );
            break;
        }
        // Reserve room for a large argument in one step rather than doubling repeatedly.
        let wanted = decoder
            .bytes_needed(&input)
            .unwrap_or(0)
            .max(READ_CHUNK / 4);
        input.reserve(wanted.min(query_limit as usize));
    }
    let _ = stream.shutdown().await;
}

/// Runs every complete command in `input`, appending the replies to `output`.
fn run_batch(
    state: &ServerState,
    session: &mut Session,
    decoder: &mut RequestDecoder,
    input: &mut BytesMut,
    argv: &mut Vec<bytes::Bytes>,
    output: &mut BytesMut,
) -> Option<Close> {
    let mut processed = 0u64;
    let outcome = loop {
        match decoder.decode(input, argv) {
            Ok(true) => {
                processed += 1;
                let reply = execute(
                    &mut Ctx {
                        server: state,
                        session,
                    },
                    argv,
                );
                argv.clear();
                if session.close_now {
                    break Some(Close::Gone);
                }
                encode(&reply, session.protocol, output);
                if session.close_after_reply {
                    break Some(Close::AfterWrite);
                }
            }
            Ok(false) => break None,
            Err(protocol_error) => {
                let reply = Reply::Error(Error::err(protocol_error.0));
                encode(&reply, session.protocol, output);
                break Some(Close::AfterWrite);
            }
        }
    };
    state
        .stats
        .total_commands_processed
        .fetch_add(processed, Ordering::Relaxed);
    outcome
}

/// The settings a connection consults on every read, cached until the configuration's
/// epoch moves so the hot path takes no lock.
struct Settings {
    epoch: u64,
    decoder: DecoderLimits,
    query_buffer_limit: u64,
    idle_timeout: u64,
}

impl Settings {
    fn load(state: &ServerState) -> Settings {
        let epoch = state.config_epoch();
        let config = state.config.read();
        Settings {
            epoch,
            decoder: DecoderLimits {
                max_bulk_len: config.proto_max_bulk_len as usize,
                ..DecoderLimits::default()
            },
            query_buffer_limit: config.client_query_buffer_limit,
            idle_timeout: config.timeout,
        }
    }
}
