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
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::decoder::{DecoderLimits, RequestDecoder};
use super::encoder::{encode, encode_push};
use crate::commands::{Blocked, Reply, Session};
use crate::config::{BufferLimit, OutputLimits};
use crate::error::Error;
use crate::exec::execute;
use crate::pubsub::Push;
use crate::state::{ClientInfo, ServerState};

const READ_CHUNK: usize = 16 * 1024;
/// How often a connection holding a query buffer checks whether it went idle (Redis's
/// `clientsCronResizeQueryBuffer` frees the buffer of a client idle over 2 seconds).
const IDLE_BUFFER_CHECK: Duration = Duration::from_secs(1);
/// Output buffers that grew past this (a huge `KEYS` reply) are not kept between batches.
const KEEP_OUTPUT_CAPACITY: usize = 1024 * 1024;

pub async fn serve_client<S>(state: Arc<ServerState>, mut stream: S, client: Arc<ClientInfo>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = Session::new(client.clone());
    session.pushes = true;
    let mut scratch = Scratch::default();
    let mut settings = Settings::load(&state);
    let mut decoder = RequestDecoder::new(settings.decoder);
    let mut input = BytesMut::with_capacity(READ_CHUNK);
    let mut output = BytesMut::with_capacity(READ_CHUNK);
    let mut output_limit = OutputLimit {
        limit: settings.output_limit(&client),
        over_soft_since: None,
    };
    // What `CLIENT LIST` was last told of the buffers (stores happen only on a change),
    // and the largest batch of replies since the output buffer last shrank (`rbp`).
    let mut published_query = client.publish_query_buffer(0, input.capacity(), 0);
    let mut published_reply = client.publish_reply_buffer(output.capacity(), 0, 0);
    let mut reply_peak = 0;
    // Armed once per connection and re-armed when it fires: no timer work per read.
    let mut idle_check = std::pin::pin!(tokio::time::sleep(IDLE_BUFFER_CHECK));
    loop {
        if settings.epoch != state.config_epoch() {
            settings = Settings::load(&state);
            decoder.set_limits(settings.decoder);
        }
        // Like Redis, `timeout` does not close subscribers: they wait for messages.
        let idle_timeout = if client.subscribed() {
            0
        } else {
            settings.idle_timeout
        };
        let holds_buffer = input.capacity() > 0;
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
            // An idle client's query buffer goes back to the allocator, as in Redis; the
            // check stops once there is none (a long-idle connection costs no wake-ups).
            _ = &mut idle_check, if holds_buffer => {
                if input.is_empty() && client.idle_secs() > 2 {
                    input = BytesMut::new();
                    published_query = client.publish_query_buffer(0, 0, published_query);
                }
                idle_check
                    .as_mut()
                    .reset(tokio::time::Instant::now() + IDLE_BUFFER_CHECK);
                continue;
            }
            // Messages published to this client while it sends nothing. Only a subscriber
            // (or a client with pushes left over) gets any, and only its own commands make it
            // one, so other clients skip registering a waiter on every read.
            _ = client.outbox.notified(), if may_get_pushes(&client) => {
                // Let the publisher finish its batch first: one write then carries all of it.
                tokio::task::yield_now().await;
                take_pushes(&client, session.protocol, &mut scratch.pushes, &mut output);
                if !output.is_empty()
                    && !write_output(&state, &client, &mut stream, &mut output).await
                {
                    break;
                }
                continue;
            }
        };
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let stats = &state.stats;
                stats
                    .net
                    .total_net_input_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
                stats
                    .net
                    .total_reads_processed
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        client.note_interaction();
        // Run what arrived; a blocked command stops the batch until its reply comes, and
        // the commands after it then run from the buffer before anything more is read.
        let closing = loop {
            output_limit.limit = settings.output_limit(&client);
            let outcome = run_batch(
                &state,
                &mut session,
                &mut decoder,
                &mut input,
                &mut scratch,
                &mut output,
                &mut output_limit,
            );
            if let Outcome::OverLimit = outcome {
                close_over_limit(&client, output.len());
                break true;
            }
            reply_peak = reply_peak.max(output.len());
            if !output.is_empty() && !flush(&state, &client, &mut stream, &mut output).await {
                break true;
            }
            if output.capacity() < reply_peak {
                // The buffer shrank back after a large batch (see `write_output`).
                reply_peak = 0;
            }
            match outcome {
                Outcome::OverLimit => unreachable!("handled above"),
                Outcome::Close => break true,
                Outcome::Done => break false,
                Outcome::Blocked(blocked) => {
                    let mut reply = std::pin::pin!(blocked.reply());
                    let reply = loop {
                        tokio::select! {
                            reply = &mut reply => break Some(reply),
                            _ = client.kill.cancelled() => break None,
                            _ = state.shutdown.cancelled() => break None,
                            // Like Redis, keep reading while blocked, to notice a disconnect.
                            _ = watch_disconnect(
                                &state,
                                &mut stream,
                                &mut input,
                                settings.query_buffer_limit,
                            ) => break None,
                            // A RESP3 subscriber still gets its messages while blocked.
                            _ = client.outbox.notified(), if may_get_pushes(&client) => {
                                take_pushes(&client, session.protocol, &mut scratch.pushes, &mut output);
                                if !output.is_empty()
                                    && !flush(&state, &client, &mut stream, &mut output).await
                                {
                                    break None;
                                }
                            }
                        }
                    };
                    let Some(reply) = reply else {
                        break true;
                    };
                    client.set_blocked_argv(&[]);
                    take_pushes(&client, session.protocol, &mut scratch.pushes, &mut output);
                    encode_reply(&mut session, &reply, &mut output);
                    write_after_reply(&mut session, &mut output);
                }
            }
        };
        if closing {
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
        // Reserve room for a large argument in one step rather than doubling repeatedly;
        // an emptied buffer gets its whole chunk back (the space its consumed requests
        // took is reclaimed in place, as Redis keeps its buffer's allocation).
        let least = if input.is_empty() {
            READ_CHUNK
        } else {
            READ_CHUNK / 4
        };
        let wanted = decoder.bytes_needed(&input).unwrap_or(0).max(least);
        input.reserve(wanted.min(query_limit as usize));
        published_query = client.publish_query_buffer(
            input.len(),
            input.capacity() - input.len(),
            published_query,
        );
        published_reply =
            client.publish_reply_buffer(output.capacity(), reply_peak, published_reply);
    }
    let _ = stream.shutdown().await;
}

/// Writes `output` to the socket and empties it; false when the client is gone, or is
/// killed while its socket does not take the output (a subscriber that stopped reading).
async fn flush(
    state: &ServerState,
    client: &ClientInfo,
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    output: &mut BytesMut,
) -> bool {
    // Let the other ready connections run their batches first, so replies go out together
    // at the end of the pass (like Redis's beforeSleep) and wake clients less.
    tokio::task::yield_now().await;
    // What the replies acknowledge is in the append-only file first (one write for every
    // connection that ran in this pass).
    state.aof.commit_on_worker();
    write_output(state, client, stream, output).await
}

/// Writes `output` to the socket and empties it; false when the client is gone, or is
/// killed while its socket does not take the output.
async fn write_output(
    state: &ServerState,
    client: &ClientInfo,
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    output: &mut BytesMut,
) -> bool {
    // Nearly every write completes at once; only one that would wait (a client that does
    // not read) needs to watch for a kill, which costs registering two waiters. The first
    // attempt polls once without a waker (a plain socket's `try_write`).
    let done = {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::Pin::new(&mut *stream).poll_write(&mut context, output) {
            std::task::Poll::Ready(Ok(n)) => n,
            std::task::Poll::Ready(Err(_)) => return false,
            std::task::Poll::Pending => 0,
        }
    };
    if done < output.len() || !is_flushed(stream) {
        // The client is not reading: what it has not taken is its pending output.
        client.set_stalled_output(output.len() - done);
        // A TLS session may also hold encrypted bytes the socket did not take yet.
        let written = tokio::select! {
            written = async {
                stream.write_all(&output[done..]).await?;
                stream.flush().await
            } => written.is_ok(),
            _ = client.kill.cancelled() => false,
            _ = state.shutdown.cancelled() => false,
        };
        client.set_stalled_output(0);
        if !written {
            return false;
        }
    }
    let stats = &state.stats;
    stats
        .net
        .total_net_output_bytes
        .fetch_add(output.len() as u64, Ordering::Relaxed);
    stats
        .net
        .total_writes_processed
        .fetch_add(1, Ordering::Relaxed);
    output.clear();
    if output.capacity() > KEEP_OUTPUT_CAPACITY {
        *output = BytesMut::with_capacity(READ_CHUNK);
    }
    true
}

/// Logs, as Redis does, a client closed for passing `client-output-buffer-limit`.
fn close_over_limit(client: &ClientInfo, pending: usize) {
    tracing::warn!(
        client = client.id,
        addr = %client.addr,
        "client closed for overcoming of output buffer limits ({pending} bytes of replies pending)"
    );
}

/// Whether everything written has left for the socket: polls a flush once without a
/// waker (a plain socket is always flushed; a TLS session may still hold records).
fn is_flushed(stream: &mut (impl AsyncWrite + Unpin)) -> bool {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    matches!(
        std::pin::Pin::new(stream).poll_flush(&mut context),
        std::task::Poll::Ready(Ok(()))
    )
}

/// Reads into `input` (kept for after the wait) until the client disconnects or, as in
/// Redis, sends more than the query buffer limit while blocked.
async fn watch_disconnect(
    state: &ServerState,
    stream: &mut (impl AsyncRead + AsyncWrite + Unpin),
    input: &mut BytesMut,
    query_limit: u64,
) {
    loop {
        if input.len() as u64 > query_limit {
            tracing::warn!(
                "closing blocked client that reached max query buffer length ({} bytes)",
                input.len()
            );
            return;
        }
        input.reserve(READ_CHUNK / 4);
        match stream.read_buf(input).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let net = &state.stats.net;
                net.total_net_input_bytes
                    .fetch_add(n as u64, Ordering::Relaxed);
                net.total_reads_processed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// How a batch ended.
enum Outcome {
    /// Every complete command ran.
    Done,
    /// Close once what is buffered is written (QUIT, SHUTDOWN, a protocol error).
    Close,
    /// A command blocked; the rest of the input waits for its reply.
    Blocked(Blocked),
    /// The replies passed `client-output-buffer-limit`: close without writing them.
    OverLimit,
}

/// A connection's output limit and since when its output has been over the soft limit.
/// Replies are checked as they are added, as Redis checks them; a client that stops reading
/// is not served more commands until its replies are written (Redis goes on reading and
/// adding replies, which is when its limits close such a client).
struct OutputLimit {
    limit: BufferLimit,
    over_soft_since: Option<std::time::Instant>,
}

impl OutputLimit {
    /// Whether `pending` bytes of replies break the limit (Redis's
    /// `checkClientOutputBufferLimits`, checked as each reply is added).
    fn exceeded(&mut self, pending: usize) -> bool {
        let limit = self.limit;
        limit.exceeded(pending, &mut self.over_soft_since, std::time::Instant::now)
    }
}

/// Whether anything can be pushed to the client before its next command runs.
fn may_get_pushes(client: &ClientInfo) -> bool {
    client.expects_pushes() || client.outbox.has_pending()
}

/// Moves what was pushed to the client (pub/sub messages, confirmations) into `output`.
/// `taken` is scratch space kept between calls.
fn take_pushes(
    client: &ClientInfo,
    protocol: crate::commands::Protocol,
    taken: &mut Vec<Push>,
    output: &mut BytesMut,
) {
    if !client.outbox.has_pending() {
        return;
    }
    // Counted as delivered once in `output`: `flush` writes it before more is taken, so
    // a client that stops reading keeps the rest in its outbox, where the limits apply.
    let size = client.outbox.take(taken);
    for push in taken.drain(..) {
        encode_push(&push, protocol, output);
    }
    client.outbox.written(size);
}

/// Encodes a command's reply, unless `CLIENT REPLY` drops it: then only the pushes in it
/// (subscribe confirmations) go out, as Redis sends pushes whatever the reply mode.
fn encode_reply(session: &mut Session, reply: &Reply, output: &mut BytesMut) {
    if !session.reply_mode.after_command() {
        encode(reply, session.protocol, output);
        return;
    }
    match reply {
        Reply::Push(_) => encode(reply, session.protocol, output),
        Reply::Sequence(items) => {
            for item in items.iter().filter(|r| matches!(r, Reply::Push(_))) {
                encode(item, session.protocol, output);
            }
        }
        _ => {}
    }
}

/// Writes what the client's last command sent the client itself to follow its reply.
fn write_after_reply(session: &mut Session, output: &mut BytesMut) {
    for push in session.after_reply.drain(..) {
        encode_push(&push, session.protocol, output);
    }
}

/// Buffers a connection reuses from command to command: the arguments being decoded and
/// the pushes being written.
#[derive(Default)]
struct Scratch {
    argv: Vec<bytes::Bytes>,
    pushes: Vec<Push>,
}

/// Runs every complete command in `input`, appending the replies to `output`, until one
/// blocks. What was pushed to the client while a command ran goes before its reply, as
/// Redis writes a message published to a client by its own `PUBLISH`.
fn run_batch(
    state: &ServerState,
    session: &mut Session,
    decoder: &mut RequestDecoder,
    input: &mut BytesMut,
    scratch: &mut Scratch,
    output: &mut BytesMut,
    limit: &mut OutputLimit,
) -> Outcome {
    loop {
        decoder.set_unauthenticated(state.acl.requires_auth() && !session.client.authenticated());
        match decoder.decode(input, &mut scratch.argv) {
            Ok(true) => {
                let reply = execute(state, session, &scratch.argv);
                if let Some(blocked) = session.blocked.take() {
                    // A blocked command keeps its arguments (`CLIENT LIST` `argv-mem`).
                    session.client.set_blocked_argv(&scratch.argv);
                    scratch.argv.clear();
                    break Outcome::Blocked(blocked);
                }
                scratch.argv.clear();
                if session.close_now {
                    break Outcome::Close;
                }
                take_pushes(
                    &session.client,
                    session.protocol,
                    &mut scratch.pushes,
                    output,
                );
                encode_reply(session, &reply, output);
                write_after_reply(session, output);
                if limit.exceeded(output.len()) {
                    break Outcome::OverLimit;
                }
                if session.close_after_reply {
                    break Outcome::Close;
                }
            }
            Ok(false) => break Outcome::Done,
            Err(protocol_error) => {
                let error = Error::err(protocol_error.0);
                state.stats.errors.count(&error);
                encode_reply(session, &Reply::Error(error), output);
                break Outcome::Close;
            }
        }
    }
}

/// The settings a connection consults on every read, cached until the configuration's
/// epoch moves so the hot path takes no lock.
struct Settings {
    epoch: u64,
    decoder: DecoderLimits,
    query_buffer_limit: u64,
    idle_timeout: u64,
    /// `client-output-buffer-limit` of the normal and pub/sub classes (a subscriber's
    /// replies count against the pub/sub one, as in Redis).
    output_limits: OutputLimits,
}

impl Settings {
    /// The output limit of the client's class now.
    fn output_limit(&self, client: &ClientInfo) -> BufferLimit {
        if client.subscribed() {
            self.output_limits.pubsub
        } else {
            self.output_limits.normal
        }
    }

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
            output_limits: config.client_output_buffer_limit,
        }
    }
}
