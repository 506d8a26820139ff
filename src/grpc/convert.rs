//! Conversions between the command layer's values and the gRPC API's messages:
//! [`Reply`] -> `proto::Reply`, and [`Error`] -> `tonic::Status` with the Redis error code
//! in its details.

use prost::Message;
use tonic::{Code, Status};

use super::proto;
use crate::commands::Reply;
use crate::error::Error;

/// The gRPC status code for a Redis error.
pub fn status_code(error: &Error) -> Code {
    match error {
        Error::WrongType => Code::FailedPrecondition,
        Error::NoSuchKey => Code::NotFound,
        Error::UnknownCommand(_) => Code::Unimplemented,
        Error::Syntax
        | Error::NotInteger
        | Error::NotFloat
        | Error::Overflow
        | Error::DbIndexOutOfRange
        | Error::WrongArity(_) => Code::InvalidArgument,
        // Plain `ERR` errors of the commands are about their arguments (a bad expiry, an
        // offset out of range, a NaN increment); other codes name a state of the server.
        Error::Other(_) | Error::Counted(_) => match error.code().as_ref() {
            // A transaction refused for one of its commands.
            "ERR" | "EXECABORT" => Code::InvalidArgument,
            // A script runs past busy-reply-threshold: worth retrying later.
            "BUSY" => Code::Unavailable,
            "NOSCRIPT" => Code::NotFound,
            "WRONGPASS" | "NOAUTH" => Code::Unauthenticated,
            "NOPERM" | "DENIED" => Code::PermissionDenied,
            // Over maxmemory with nothing to evict: retry once memory is freed.
            "OOM" => Code::ResourceExhausted,
            _ => Code::FailedPrecondition,
        },
    }
}

/// `google.rpc.Status`, the standard content of a status's details
/// (`grpc-status-details-bin`), which gRPC libraries know how to read.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RpcStatus {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<prost_types::Any>,
}

/// The type URL of [`proto::ErrorDetail`] packed in an `Any`.
pub const ERROR_DETAIL_TYPE_URL: &str = "type.googleapis.com/memorabilia.v1.ErrorDetail";

/// The status a failing typed RPC returns: the Redis text as message, and as details a
/// `google.rpc.Status` carrying an `ErrorDetail` with the Redis error code.
pub fn status(error: &Error) -> Status {
    let code = status_code(error);
    let detail = error_detail(error);
    let details = RpcStatus {
        code: code as i32,
        message: detail.message.clone(),
        details: vec![prost_types::Any {
            type_url: ERROR_DETAIL_TYPE_URL.to_string(),
            value: detail.encode_to_vec(),
        }],
    };
    Status::with_details(code, detail.message, details.encode_to_vec().into())
}

/// Reads the [`proto::ErrorDetail`] back out of a status made by [`status`] (for clients
/// and tests).
pub fn error_detail_of(status: &Status) -> Option<proto::ErrorDetail> {
    let rpc = RpcStatus::decode(status.details()).ok()?;
    let any = rpc
        .details
        .iter()
        .find(|a| a.type_url == ERROR_DETAIL_TYPE_URL)?;
    proto::ErrorDetail::decode(any.value.as_slice()).ok()
}

fn error_detail(error: &Error) -> proto::ErrorDetail {
    proto::ErrorDetail {
        code: error.code().into_owned(),
        message: error.message().into_owned(),
    }
}

/// A command reply as a `proto::Reply`.
pub fn reply(reply: Reply) -> proto::Reply {
    use proto::reply::Kind;
    let kind = match reply {
        Reply::Simple(s) => Kind::Simple(s.into_owned()),
        Reply::Error(e) => Kind::Error(error_detail(&e)),
        Reply::Integer(n) => Kind::Integer(n),
        Reply::Bulk(b) => Kind::Bulk(b),
        Reply::Null | Reply::NullArray => Kind::Null(proto::Null {}),
        Reply::Array(items) => Kind::Array(array(items)),
        Reply::Set(items) => Kind::Set(array(items)),
        Reply::Push(items) => Kind::Push(array(items)),
        // Only (un)subscriptions answer this way, and gRPC calls cannot subscribe.
        Reply::Sequence(items) => Kind::Array(array(items)),
        Reply::Map(pairs) => Kind::Map(proto::Map {
            entries: pairs
                .into_iter()
                .map(|(k, v)| proto::MapEntry {
                    key: Some(self::reply(k)),
                    value: Some(self::reply(v)),
                })
                .collect(),
        }),
        Reply::Double(d) | Reply::HumanDouble(d) => Kind::Double(d),
        Reply::Boolean(b) => Kind::Boolean(b),
        Reply::BigNumber(n) => Kind::BigNumber(n),
        Reply::Verbatim(format, text) => Kind::Verbatim(proto::Verbatim {
            format: format.to_string(),
            text,
        }),
    };
    proto::Reply { kind: Some(kind) }
}

fn array(items: Vec<Reply>) -> proto::Array {
    proto::Array {
        items: items.into_iter().map(reply).collect(),
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn errors_map_to_codes_with_the_redis_text() {
        let s = status(&Error::WrongType);
        assert_eq!(s.code(), Code::FailedPrecondition);
        assert!(s.message().starts_with("WRONGTYPE "));
        let detail = error_detail_of(&s).unwrap();
        assert_eq!(detail.code, "WRONGTYPE");
        let rpc = RpcStatus::decode(s.details()).unwrap();
        assert_eq!(rpc.code, Code::FailedPrecondition as i32);
        assert_eq!(rpc.message, s.message());
        assert_eq!(status(&Error::NoSuchKey).code(), Code::NotFound);
        assert_eq!(status(&Error::Syntax).code(), Code::InvalidArgument);
        let expire = Error::err("invalid expire time in 'set' command");
        assert_eq!(status(&expire).code(), Code::InvalidArgument);
        let nan = Error::err("increment would produce NaN or Infinity");
        assert_eq!(status(&nan).code(), Code::InvalidArgument);
        assert_eq!(
            status(&Error::full("NOPROTO unsupported protocol version")).code(),
            Code::FailedPrecondition
        );
        let unknown =
            Error::UnknownCommand("ERR unknown command 'x', with args beginning with: ".into());
        assert_eq!(status(&unknown).code(), Code::Unimplemented);
    }

    #[test]
    fn replies_keep_their_kind() {
        use proto::reply::Kind;
        let r = reply(Reply::Array(vec![
            Reply::Bulk(Bytes::from_static(b"")),
            Reply::Null,
            Reply::Map(vec![(Reply::simple("a"), Reply::Double(1.5))]),
        ]));
        let Some(Kind::Array(items)) = r.kind else {
            panic!()
        };
        assert_eq!(items.items[0].kind, Some(Kind::Bulk(Bytes::new())));
        assert_eq!(items.items[1].kind, Some(Kind::Null(proto::Null {})));
        assert!(matches!(items.items[2].kind, Some(Kind::Map(_))));
    }
}
