//! The scripting RPCs' requests as Redis arguments (`EVAL script numkeys key... arg...`):
//! scripts run through the execution path exactly as the RESP commands do.

use bytes::Bytes;

use super::proto;

/// `name body-or-sha numkeys keys... args...`.
pub fn script_argv(
    name: &'static str,
    target: Bytes,
    keys: &[Bytes],
    args: &[Bytes],
) -> Vec<Bytes> {
    let mut argv = Vec::with_capacity(3 + keys.len() + args.len());
    argv.push(Bytes::from_static(name.as_bytes()));
    argv.push(target);
    argv.push(Bytes::from(keys.len().to_string()));
    argv.extend_from_slice(keys);
    argv.extend_from_slice(args);
    argv
}

/// The text of a bulk reply (`SCRIPT LOAD`'s SHA1).
pub fn bulk_text(reply: proto::Reply) -> String {
    match reply.kind {
        Some(proto::reply::Kind::Bulk(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        _ => String::new(),
    }
}
