//! [`Reply`]: the protocol-neutral result of a command, modelled on RESP3's value kinds.
//! RESP2 is a downgrade of it (done by the RESP encoder); the gRPC front end maps it to its
//! `Reply` message one to one.

use std::borrow::Cow;

use bytes::Bytes;

use crate::error::Error;

/// The reply protocol a client asked for (`HELLO 2|3`). Commands mostly ignore it, but a few
/// shape replies by it as Redis does, and `HELLO` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

impl Protocol {
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A status line such as `OK` or `PONG`.
    Simple(Cow<'static, str>),
    Error(Error),
    Integer(i64),
    Bulk(Bytes),
    /// The null reply (RESP2 `$-1`).
    Null,
    /// The null reply of commands whose RESP2 form is a null array (`*-1`).
    NullArray,
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Double(f64),
    /// A double as Redis's `addReplyHumanLongDouble` writes it (GEOPOS, WITHCOORD): in
    /// `%.17Lf` without trailing zeros, a bulk string in RESP2 and a double in RESP3.
    HumanDouble(f64),
    Boolean(bool),
    BigNumber(String),
    /// Verbatim text with its three-letter format (`txt`, `mkd`).
    Verbatim(Cow<'static, str>, Bytes),
    Push(Vec<Reply>),
    /// Several replies written one after the other, counted as one command's reply; none
    /// at all when empty. A (un)subscribe command answers with its confirmations as pushes
    /// to the client's outbox, so its reply is empty; inside `EXEC` they are its reply, as
    /// Redis writes them there.
    Sequence(Vec<Reply>),
}

impl Reply {
    pub const fn ok() -> Reply {
        Reply::Simple(Cow::Borrowed("OK"))
    }

    pub const fn simple(s: &'static str) -> Reply {
        Reply::Simple(Cow::Borrowed(s))
    }

    pub fn bulk(data: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(Bytes::copy_from_slice(data.as_ref()))
    }

    pub fn bulk_static(data: &'static str) -> Reply {
        Reply::Bulk(Bytes::from_static(data.as_bytes()))
    }

    /// A bulk string, or null when absent.
    pub fn bulk_or_null(data: Option<Bytes>) -> Reply {
        data.map_or(Reply::Null, Reply::Bulk)
    }

    pub fn integer(n: impl TryInto<i64>) -> Reply {
        Reply::Integer(n.try_into().unwrap_or(i64::MAX))
    }

    pub fn text(format: &'static str, text: String) -> Reply {
        Reply::Verbatim(Cow::Borrowed(format), Bytes::from(text))
    }

    /// An array of bulk strings.
    pub fn bulks<I, B>(items: I) -> Reply
    where
        I: IntoIterator<Item = B>,
        B: Into<Bytes>,
    {
        Reply::Array(items.into_iter().map(|b| Reply::Bulk(b.into())).collect())
    }
}

impl From<Error> for Reply {
    fn from(e: Error) -> Reply {
        Reply::Error(e)
    }
}
