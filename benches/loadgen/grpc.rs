//! The gRPC workers: typed unary `Get`/`Set` calls, `Batch` calls of P commands, and
//! `Pipeline` streams with P commands in flight, all with the generated tonic client.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use memorabilia::grpc::proto::memorabilia_client::MemorabiliaClient;
use memorabilia::grpc::proto::{self, reply::Kind};
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::transport::{Channel, Endpoint};

use crate::stats::Recorder;
use crate::workload::{Op, OpSource, key};

/// One HTTP/2 connection.
pub async fn connect(uri: &str) -> Result<Channel, tonic::transport::Error> {
    Endpoint::from_shared(uri.to_string())?
        .tcp_nodelay(true)
        .connect()
        .await
}

fn client(channel: Channel) -> MemorabiliaClient<Channel> {
    // No limit of our own on reply size: the server's are what is measured.
    MemorabiliaClient::new(channel).max_decoding_message_size(usize::MAX)
}

fn key_bytes(n: u64) -> Bytes {
    Bytes::copy_from_slice(&key(n))
}

fn command(op: Op, value: &Bytes) -> proto::Command {
    static GET: Bytes = Bytes::from_static(b"GET");
    static SET: Bytes = Bytes::from_static(b"SET");
    let args = match op {
        Op::Get(n) => vec![GET.clone(), key_bytes(n)],
        Op::Set(n) => vec![SET.clone(), key_bytes(n), value.clone()],
    };
    proto::Command { args, db: 0 }
}

fn note_reply(rec: &mut Recorder, reply: &proto::Reply) {
    if let Some(Kind::Error(e)) = &reply.kind {
        rec.error(|| e.message.clone());
    }
}

/// Typed unary calls, one at a time, until the source says stop.
pub async fn unary(channel: Channel, value: Bytes, mut source: OpSource, rec: &mut Recorder) {
    let mut client = client(channel);
    while source.more() {
        let Some(op) = source.next_op() else { break };
        let start = Instant::now();
        let result = match op {
            Op::Get(n) => client
                .get(proto::GetRequest {
                    db: 0,
                    key: key_bytes(n),
                })
                .await
                .map(drop),
            Op::Set(n) => client
                .set(proto::SetRequest {
                    db: 0,
                    key: key_bytes(n),
                    value: value.clone(),
                    ..Default::default()
                })
                .await
                .map(drop),
        };
        match result {
            Ok(()) => rec.replies(start, Instant::now(), 1),
            Err(status) => {
                rec.error(|| format!("{status}"));
                if is_fatal(&status) {
                    return;
                }
            }
        }
    }
}

/// A call that cannot succeed on this channel again: stop the worker.
fn is_fatal(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unavailable | tonic::Code::Unimplemented | tonic::Code::Unknown
    )
}

/// `Batch` calls of `depth` commands each.
pub async fn batch(
    channel: Channel,
    value: Bytes,
    mut source: OpSource,
    depth: usize,
    rec: &mut Recorder,
) {
    let mut client = client(channel);
    while source.more() {
        let commands: Vec<proto::Command> = std::iter::from_fn(|| source.next_op())
            .take(depth)
            .map(|op| command(op, &value))
            .collect();
        if commands.is_empty() {
            break;
        }
        let sent = commands.len();
        let start = Instant::now();
        match client.batch(proto::BatchRequest { commands }).await {
            Ok(response) => {
                let done = Instant::now();
                let replies = response.into_inner().replies;
                if replies.len() != sent {
                    rec.error(|| format!("{} replies to a batch of {sent}", replies.len()));
                }
                for reply in &replies {
                    note_reply(rec, reply);
                }
                rec.replies(start, done, replies.len() as u64);
            }
            Err(status) => {
                rec.error(|| format!("{status}"));
                if is_fatal(&status) {
                    return;
                }
            }
        }
    }
}

/// The request side of a `Pipeline` stream, fed through a channel.
struct Commands(mpsc::Receiver<proto::Command>);

impl Stream for Commands {
    type Item = proto::Command;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// One `Pipeline` stream: `depth` commands sent, all their replies read, repeat (the
/// RESP worker's rhythm, so the two are compared at the same depth).
pub async fn pipeline(
    channel: Channel,
    value: Bytes,
    mut source: OpSource,
    depth: usize,
    rec: &mut Recorder,
) {
    let mut client = client(channel);
    let (tx, rx) = mpsc::channel(depth.max(1));
    let mut replies = match client.pipeline(Commands(rx)).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            rec.error(|| format!("opening the stream: {status}"));
            return;
        }
    };
    let mut batch = Vec::with_capacity(depth);
    while source.more() {
        batch.clear();
        batch.extend(
            std::iter::from_fn(|| source.next_op())
                .take(depth)
                .map(|op| command(op, &value)),
        );
        if batch.is_empty() {
            break;
        }
        let sent = batch.len();
        let start = Instant::now();
        for command in batch.drain(..) {
            if tx.send(command).await.is_err() {
                rec.error(|| "the request stream closed".into());
                return;
            }
        }
        for _ in 0..sent {
            match replies.message().await {
                Ok(Some(reply)) => {
                    note_reply(rec, &reply);
                    rec.replies(start, Instant::now(), 1);
                }
                Ok(None) => {
                    rec.error(|| "the reply stream ended early".into());
                    return;
                }
                Err(status) => {
                    rec.error(|| format!("{status}"));
                    return;
                }
            }
        }
    }
    // Closing the request side ends the stream; drain it so the server sees a clean end.
    drop(tx);
    while let Ok(Some(_)) = replies.message().await {}
}
