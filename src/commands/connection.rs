//! Connection commands. PLACEHOLDER: being written.
use bytes::Bytes;

use super::{Command, Ctx, NO_KEYS, Reply, flags::*};
use crate::error::Result;

pub static COMMANDS: &[Command] = &[Command::new("ping", -1, FAST | STALE, NO_KEYS, ping).doc(
    "connection",
    "1.0.0",
    "Returns the server's liveliness response.",
    "O(1)",
)];

fn ping(_ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<Reply> {
    Ok(match argv.get(1) {
        Some(msg) => Reply::Bulk(msg.clone()),
        None => Reply::simple("PONG"),
    })
}
