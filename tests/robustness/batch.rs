//! Running one pipelined batch of commands and checking every reply.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::time::{Instant, timeout_at};

use crate::resp::{
    Argv, Conn, ReadError, Reply, encode_inline, encode_multibulk, inline_safe,
    read_past_invalidations,
};
use crate::rng::Rng;

// ---------------------------------------------------------------------------------------
// Running one pipelined batch
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FailKind {
    /// The connection closed before the sentinel's reply.
    Closed,
    /// No (complete) reply within the batch time limit.
    Stalled,
    /// A reply that is not valid RESP, or RESP3 types on a RESP2 connection.
    Malformed,
    /// The sentinel did not come back where expected (a command answered twice or not
    /// at all), or an out-of-band push.
    WrongReplies,
}

#[derive(Clone, Debug)]
pub(crate) struct BatchFailure {
    pub(crate) kind: FailKind,
    /// Replies received before the failure; the command at this index is the first one
    /// not (fully) answered. Replies are written once per batch, so a crash loses the
    /// replies of the commands run before it in the same read: the culprit may be later.
    pub(crate) answered: usize,
    pub(crate) detail: String,
}

#[derive(Debug, Default)]
pub(crate) struct BatchOutcome {
    pub(crate) errors: usize,
    /// Error replies by their first words, for tuning the generator.
    pub(crate) error_kinds: HashMap<String, u64>,
    pub(crate) resp3_replies: usize,
    pub(crate) inline: usize,
}

/// Sends `cmds`, a `DISCARD` (a `MULTI` the batch opened would queue the sentinel instead of
/// answering it) and `PING <nonce>` in one write (while reading, so neither side can fill
/// its socket buffer and wait for the other) and checks every reply.
pub(crate) async fn run_batch(
    conn: &mut Conn,
    cmds: &[Argv],
    nonce: &[u8],
    limit: Duration,
    mut inline: Option<&mut Rng>,
) -> Result<BatchOutcome, BatchFailure> {
    let deadline = Instant::now() + limit;
    let mut outcome = BatchOutcome::default();
    let mut out = Vec::new();
    for cmd in cmds {
        let as_inline = match inline.as_deref_mut() {
            Some(rng) => inline_safe(cmd) && rng.chance(5),
            None => false,
        };
        if as_inline {
            outcome.inline += 1;
            encode_inline(&mut out, cmd);
        } else {
            encode_multibulk(&mut out, cmd);
        }
    }
    encode_multibulk(&mut out, &[b"DISCARD".to_vec()]);
    encode_multibulk(&mut out, &[b"PING".to_vec(), nonce.to_vec()]);
    let Conn {
        stream,
        buf,
        scanner,
        resp3,
        ..
    } = conn;
    let (mut rd, mut wr) = stream.split();
    let write = async {
        match timeout_at(deadline, wr.write_all(&out)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("write failed: {e}")),
            Err(_) => Err("write timed out".to_string()),
        }
    };
    let read = async {
        let fail = |kind, answered, detail: String| BatchFailure {
            kind,
            answered,
            detail,
        };
        let from_read = |e: ReadError, answered: usize| match e {
            ReadError::Closed => fail(FailKind::Closed, answered, "connection closed".into()),
            ReadError::Timeout => fail(
                FailKind::Stalled,
                answered,
                format!("no complete reply within {limit:?}"),
            ),
            ReadError::Malformed(m) => fail(FailKind::Malformed, answered, m),
        };
        for (i, cmd) in cmds.iter().enumerate() {
            // A connection that turned CLIENT TRACKING on in RESP3 may get invalidations
            // between replies, as from Redis; any other push is a bug.
            let (reply, used_resp3) = read_past_invalidations(&mut rd, buf, scanner, deadline)
                .await
                .map_err(|e| from_read(e, i))?;
            let name = cmd[0].to_ascii_lowercase();
            if let Reply::Push(_) = reply {
                return Err(fail(
                    FailKind::WrongReplies,
                    i,
                    format!("out-of-band push {}", reply.brief()),
                ));
            }
            // HELLO answers in the protocol it switches to; everything else must use the
            // connection's protocol.
            if used_resp3 && !*resp3 && name != b"hello" {
                return Err(fail(
                    FailKind::Malformed,
                    i,
                    format!("RESP3 type on a RESP2 connection: {}", reply.brief()),
                ));
            }
            if used_resp3 {
                outcome.resp3_replies += 1;
            }
            if reply.is_error() {
                outcome.errors += 1;
                let text = reply.text_lossy();
                let kind: String = text.split(' ').take(4).collect::<Vec<_>>().join(" ");
                *outcome
                    .error_kinds
                    .entry(kind.chars().take(48).collect())
                    .or_default() += 1;
            } else if name == b"hello" {
                if let Some(proto) = reply.get("proto").and_then(Reply::int) {
                    *resp3 = proto == 3;
                }
            } else if name == b"reset" && reply == Reply::Simple(b"RESET".to_vec()) {
                *resp3 = false;
            }
        }
        let (discarded, _) = read_past_invalidations(&mut rd, buf, scanner, deadline)
            .await
            .map_err(|e| from_read(e, cmds.len()))?;
        let closed_block = discarded == Reply::Simple(b"OK".to_vec());
        if !closed_block && discarded.text() != Some(&b"ERR DISCARD without MULTI"[..]) {
            return Err(fail(
                FailKind::WrongReplies,
                cmds.len(),
                format!("DISCARD after the batch answered {}", discarded.brief()),
            ));
        }
        let (last, _) = read_past_invalidations(&mut rd, buf, scanner, deadline)
            .await
            .map_err(|e| from_read(e, cmds.len()))?;
        if last.text() != Some(nonce) {
            return Err(fail(
                FailKind::WrongReplies,
                cmds.len(),
                format!(
                    "expected the sentinel {:?} after {} replies, got {}",
                    String::from_utf8_lossy(nonce),
                    cmds.len(),
                    last.brief()
                ),
            ));
        }
        Ok(())
    };
    let (written, read) = tokio::join!(write, read);
    read?;
    written.map_err(|detail| BatchFailure {
        kind: FailKind::Closed,
        answered: cmds.len(),
        detail,
    })?;
    Ok(outcome)
}
