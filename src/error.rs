//! Command errors, each carrying the exact text redis-server answers with.
//!
//! An error is a value: the RESP front end writes it as an error reply and keeps the
//! connection open; the gRPC front end maps [`Error::code`] to a status.

use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`
    WrongType,
    /// `ERR syntax error`
    Syntax,
    /// `ERR value is not an integer or out of range`
    NotInteger,
    /// `ERR value is not a valid float`
    NotFloat,
    /// `ERR increment or decrement would overflow`
    Overflow,
    /// `ERR no such key`
    NoSuchKey,
    /// `ERR DB index is out of range`
    DbIndexOutOfRange,
    /// `ERR wrong number of arguments for '<name>' command`
    WrongArity(String),
    /// `ERR unknown command '<name>', with args beginning with: ...`
    UnknownCommand(String),
    /// Any other error; the message includes its code prefix (`ERR ...`, `NOPROTO ...`).
    Other(Cow<'static, str>),
    /// An error already counted in `errorstats` when it happened: a script passing on the
    /// error of a command it called (Redis's `ERR_REPLY_FLAG_NO_STATS_UPDATE`).
    Counted(Cow<'static, str>),
}

impl Error {
    /// An `ERR`-prefixed error with a custom message.
    pub fn err(msg: impl Into<String>) -> Error {
        Error::Other(Cow::Owned(format!("ERR {}", msg.into())))
    }

    /// An error whose full text (code prefix included) is a static string.
    pub const fn full(text: &'static str) -> Error {
        Error::Other(Cow::Borrowed(text))
    }

    /// The full error text, code prefix included, as sent after `-` in RESP.
    pub fn message(&self) -> Cow<'_, str> {
        match self {
            Error::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            }
            Error::Syntax => "ERR syntax error".into(),
            Error::NotInteger => "ERR value is not an integer or out of range".into(),
            Error::NotFloat => "ERR value is not a valid float".into(),
            Error::Overflow => "ERR increment or decrement would overflow".into(),
            Error::NoSuchKey => "ERR no such key".into(),
            Error::DbIndexOutOfRange => "ERR DB index is out of range".into(),
            Error::WrongArity(name) => {
                format!("ERR wrong number of arguments for '{name}' command").into()
            }
            Error::UnknownCommand(text) => text.as_str().into(),
            Error::Other(text) | Error::Counted(text) => text.as_ref().into(),
        }
    }

    /// The Redis error code: the first word of the message (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> Cow<'_, str> {
        match self.message() {
            Cow::Borrowed(s) => Cow::Borrowed(s.split(' ').next().unwrap_or("ERR")),
            Cow::Owned(s) => Cow::Owned(s.split(' ').next().unwrap_or("ERR").to_owned()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_codes() {
        assert_eq!(Error::WrongType.code(), "WRONGTYPE");
        assert_eq!(
            Error::WrongArity("get".into()).message(),
            "ERR wrong number of arguments for 'get' command"
        );
        assert_eq!(Error::err("x y").message(), "ERR x y");
        assert_eq!(
            Error::full("NOPROTO unsupported protocol version").code(),
            "NOPROTO"
        );
    }
}
