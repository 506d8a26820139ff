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
        Error::Syntax
        | Error::NotInteger
        | Error::NotFloat
        | Error::Overflow
        | Error::DbIndexOutOfRange
        | Error::WrongArity(_) => Code::InvalidArgument,
        Error::NoSuchKey => Code::NotFound,
        Error::UnknownCommand(_) => Code::Unimplemented,
        Error::Other(_) => {
            let message = error.message();
            // Argument problems are worded like this across Redis's commands.
            let invalid = [
                "invalid",
                "out of range",
                "not an integer",
                "not a valid",
                "syntax",
            ]
            .iter()
            .any(|w| message.contains(w));
            if invalid {
                Code::InvalidArgument
            } else {
                Code::FailedPrecondition
            }
        }
    }
}

/// The status a failing typed RPC returns: the Redis text as message, an encoded
/// `ErrorDetail` as details.
pub fn status(error: &Error) -> Status {
    let detail = error_detail(error);
    Status::with_details(
        status_code(error),
        detail.message.clone(),
        detail.encode_to_vec().into(),
    )
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
        Reply::Map(pairs) => Kind::Map(proto::Map {
            entries: pairs
                .into_iter()
                .map(|(k, v)| proto::MapEntry {
                    key: Some(self::reply(k)),
                    value: Some(self::reply(v)),
                })
                .collect(),
        }),
        Reply::Double(d) => Kind::Double(d),
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
        let detail = proto::ErrorDetail::decode(s.details()).unwrap();
        assert_eq!(detail.code, "WRONGTYPE");
        assert_eq!(status(&Error::NoSuchKey).code(), Code::NotFound);
        assert_eq!(status(&Error::Syntax).code(), Code::InvalidArgument);
        let expire = Error::err("invalid expire time in 'set' command");
        assert_eq!(status(&expire).code(), Code::InvalidArgument);
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
