//! Encodes [`Reply`] values as RESP3, or downgraded to RESP2, into an output buffer.
//!
//! RESP2 downgrades: maps become flat arrays, sets become arrays, doubles and big numbers
//! become bulk strings, booleans become integers, verbatim text becomes a bulk string, and
//! both nulls keep their RESP2 shapes (`$-1` and `*-1`).

use bytes::{BufMut, BytesMut};

use crate::commands::{Protocol, Reply};
#[cfg(test)]
use crate::pubsub::Published;
use crate::pubsub::Push;
use crate::store::numeric::{format_double, format_human_double};

/// Appends the encoding of `reply` to `out`.
pub fn encode(reply: &Reply, protocol: Protocol, out: &mut BytesMut) {
    let resp3 = protocol == Protocol::Resp3;
    match reply {
        Reply::Simple(s) => line(out, b'+', s.as_bytes()),
        Reply::Error(e) => {
            let msg = e.message();
            out.reserve(msg.len() + 3);
            out.put_u8(b'-');
            // Error lines cannot carry newlines; Redis replaces them with spaces.
            out.extend(
                msg.bytes()
                    .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            out.put_slice(b"\r\n");
        }
        Reply::Integer(n) => int_line(out, b':', *n),
        Reply::Bulk(b) => bulk(out, b),
        Reply::Null if resp3 => out.put_slice(b"_\r\n"),
        Reply::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Reply::Null => out.put_slice(b"$-1\r\n"),
        Reply::NullArray => out.put_slice(b"*-1\r\n"),
        Reply::Array(items) => aggregate(out, b'*', items, protocol),
        Reply::Set(items) => aggregate(out, if resp3 { b'~' } else { b'*' }, items, protocol),
        Reply::Push(items) => aggregate(out, if resp3 { b'>' } else { b'*' }, items, protocol),
        Reply::Sequence(items) => {
            for item in items {
                encode(item, protocol, out);
            }
        }
        Reply::Map(pairs) => {
            if resp3 {
                int_line(out, b'%', pairs.len() as i64);
            } else {
                int_line(out, b'*', pairs.len() as i64 * 2);
            }
            for (k, v) in pairs {
                encode(k, protocol, out);
                encode(v, protocol, out);
            }
        }
        Reply::Double(d) => {
            let text = format_double(*d);
            if resp3 {
                line(out, b',', text.as_bytes());
            } else {
                bulk(out, text.as_bytes());
            }
        }
        Reply::HumanDouble(d) => {
            let text = format_human_double(*d);
            if resp3 {
                line(out, b',', text.as_bytes());
            } else {
                bulk(out, text.as_bytes());
            }
        }
        Reply::Boolean(b) if resp3 => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Reply::Boolean(b) => int_line(out, b':', *b as i64),
        Reply::BigNumber(n) if resp3 => line(out, b'(', n.as_bytes()),
        Reply::BigNumber(n) => bulk(out, n.as_bytes()),
        Reply::Verbatim(format, text) if resp3 => {
            int_line(out, b'=', text.len() as i64 + 4);
            out.put_slice(format.as_bytes());
            out.put_u8(b':');
            out.put_slice(text);
            out.put_slice(b"\r\n");
        }
        Reply::Verbatim(_, text) => bulk(out, text),
    }
}

/// Appends a pushed message or confirmation: what `encode(&push.to_reply())` writes, without
/// building the reply (a published message is encoded once per subscriber).
pub fn encode_push(push: &Push, protocol: Protocol, out: &mut BytesMut) {
    let header = if protocol == Protocol::Resp3 {
        b'>'
    } else {
        b'*'
    };
    match push {
        Push::Message { shard, message } => {
            int_line(out, header, 3);
            bulk(out, if *shard { b"smessage" } else { b"message" });
            bulk(out, &message.channel);
            bulk(out, &message.payload);
        }
        Push::PatternMessage { pattern, message } => {
            int_line(out, header, 4);
            bulk(out, b"pmessage");
            bulk(out, pattern);
            bulk(out, &message.channel);
            bulk(out, &message.payload);
        }
        Push::Invalidate {
            keys,
            as_message,
            resp3_null,
        } => {
            if *as_message {
                int_line(out, header, 3);
                bulk(out, b"message");
                bulk(out, b"__redis__:invalidate");
            } else {
                // Made only for a RESP3 client, and Redis would have written it then: a
                // push even if the client has switched to RESP2 since.
                int_line(out, b'>', 2);
                bulk(out, b"invalidate");
            }
            match keys {
                Some(keys) => {
                    int_line(out, b'*', keys.len() as i64);
                    for key in keys.iter() {
                        bulk(out, key);
                    }
                }
                None if *resp3_null => out.put_slice(b"_\r\n"),
                None => out.put_slice(b"$-1\r\n"),
            }
        }
        Push::TrackingRedirBroken { id } => {
            // Made only for a RESP3 client (see `Invalidate`).
            int_line(out, b'>', 2);
            bulk(out, b"tracking-redir-broken");
            int_line(out, b':', *id as i64);
        }
        Push::Subscription { .. } | Push::Monitor(_) | Push::FeedStarted | Push::KeyChange(_) => {
            encode(&push.to_reply(), protocol, out)
        }
    }
}

fn line(out: &mut BytesMut, prefix: u8, body: &[u8]) {
    out.reserve(body.len() + 3);
    out.put_u8(prefix);
    out.put_slice(body);
    out.put_slice(b"\r\n");
}

fn int_line(out: &mut BytesMut, prefix: u8, n: i64) {
    let mut buf = itoa::Buffer::new();
    line(out, prefix, buf.format(n).as_bytes());
}

fn bulk(out: &mut BytesMut, data: &[u8]) {
    int_line(out, b'$', data.len() as i64);
    out.reserve(data.len() + 2);
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

fn aggregate(out: &mut BytesMut, prefix: u8, items: &[Reply], protocol: Protocol) {
    int_line(out, prefix, items.len() as i64);
    for item in items {
        encode(item, protocol, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn enc(reply: &Reply, protocol: Protocol) -> String {
        let mut out = BytesMut::new();
        encode(reply, protocol, &mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn pushes_encode_as_their_replies_do() {
        let b = |s: &str| bytes::Bytes::copy_from_slice(s.as_bytes());
        let pushes = [
            Push::Message {
                shard: false,
                message: Published::new(b"ch", b"hi"),
            },
            Push::Message {
                shard: true,
                message: Published::new(b"s", b""),
            },
            Push::PatternMessage {
                pattern: b("c*"),
                message: Published::new(b"ch", b"x"),
            },
            Push::Subscription {
                kind: crate::pubsub::Kind::Channel,
                subscribed: false,
                name: None,
                count: 0,
            },
        ];
        for p in [Protocol::Resp2, Protocol::Resp3] {
            for push in &pushes {
                let mut direct = BytesMut::new();
                encode_push(push, p, &mut direct);
                assert_eq!(
                    String::from_utf8(direct.to_vec()).unwrap(),
                    enc(&push.to_reply(), p)
                );
            }
        }
        let mut out = BytesMut::new();
        encode_push(&pushes[0], Protocol::Resp3, &mut out);
        assert_eq!(&out[..], b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        assert_eq!(
            enc(&pushes[3].to_reply(), Protocol::Resp2),
            "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
        );
    }

    #[test]
    fn scalars() {
        for p in [Protocol::Resp2, Protocol::Resp3] {
            assert_eq!(enc(&Reply::ok(), p), "+OK\r\n");
            assert_eq!(enc(&Reply::Integer(-12), p), ":-12\r\n");
            assert_eq!(enc(&Reply::bulk("hi"), p), "$2\r\nhi\r\n");
            assert_eq!(
                enc(&Reply::Error(Error::Syntax), p),
                "-ERR syntax error\r\n"
            );
        }
        assert_eq!(enc(&Reply::Null, Protocol::Resp2), "$-1\r\n");
        assert_eq!(enc(&Reply::NullArray, Protocol::Resp2), "*-1\r\n");
        assert_eq!(enc(&Reply::Null, Protocol::Resp3), "_\r\n");
        assert_eq!(enc(&Reply::Boolean(true), Protocol::Resp2), ":1\r\n");
        assert_eq!(enc(&Reply::Boolean(false), Protocol::Resp3), "#f\r\n");
        assert_eq!(enc(&Reply::Double(1.5), Protocol::Resp3), ",1.5\r\n");
        let human = Reply::HumanDouble(13.361389338970184);
        assert_eq!(enc(&human, Protocol::Resp3), ",13.36138933897018433\r\n");
        assert_eq!(
            enc(&human, Protocol::Resp2),
            "$20\r\n13.36138933897018433\r\n"
        );
        assert_eq!(enc(&Reply::Double(1.5), Protocol::Resp2), "$3\r\n1.5\r\n");
        assert_eq!(
            enc(&Reply::Double(f64::INFINITY), Protocol::Resp3),
            ",inf\r\n"
        );
    }

    #[test]
    fn error_newlines_become_spaces() {
        let e = Reply::Error(Error::err("a\r\nb"));
        assert_eq!(enc(&e, Protocol::Resp2), "-ERR a  b\r\n");
    }

    #[test]
    fn aggregates_downgrade() {
        let map = Reply::Map(vec![(Reply::bulk("k"), Reply::Integer(1))]);
        assert_eq!(enc(&map, Protocol::Resp3), "%1\r\n$1\r\nk\r\n:1\r\n");
        assert_eq!(enc(&map, Protocol::Resp2), "*2\r\n$1\r\nk\r\n:1\r\n");
        let set = Reply::Set(vec![Reply::Integer(1)]);
        assert_eq!(enc(&set, Protocol::Resp3), "~1\r\n:1\r\n");
        assert_eq!(enc(&set, Protocol::Resp2), "*1\r\n:1\r\n");
        let text = Reply::text("txt", "a".into());
        assert_eq!(enc(&text, Protocol::Resp3), "=5\r\ntxt:a\r\n");
        assert_eq!(enc(&text, Protocol::Resp2), "$1\r\na\r\n");
    }

    /// Cross-checks our RESP3 output with an independent decoder (redis-protocol).
    #[test]
    fn output_decodes_with_redis_protocol() {
        use redis_protocol::resp3::decode::complete::decode;
        use redis_protocol::resp3::types::Resp3Frame;
        let reply = Reply::Array(vec![
            Reply::bulk("x"),
            Reply::Map(vec![(Reply::simple("a"), Reply::Double(0.5))]),
            Reply::Set(vec![Reply::Boolean(true)]),
            Reply::Null,
            Reply::text("txt", "info".into()),
        ]);
        let bytes = enc(&reply, Protocol::Resp3);
        let (frame, used) = decode(bytes.as_bytes()).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(frame.kind(), redis_protocol::resp3::types::FrameKind::Array);
    }
}
