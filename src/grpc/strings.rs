//! The typed string RPCs (and Ping): proto request -> typed arguments -> the same operation
//! the RESP command runs (`crate::commands::strings`) -> proto response.
//!
//! The service has already selected the request's database into `ctx.session.db`, so
//! `req.db` is ignored here. Requests the Redis syntax could not express fail like the
//! command would: an `Expiry` with no time set, `keep_ttl` together with an expiry and an
//! unknown `SetCondition` are `ERR syntax error`; an empty MSET/MSETNX/MGET is the
//! command's wrong-arity error. Expiry times <= 0 reach the operation, which answers
//! `ERR invalid expire time in 'set' command` (`'getex'` for GetEx, and only when the key
//! holds a string, like Redis).

use bytes::Bytes;

use super::proto;
use crate::commands::Ctx;
use crate::commands::strings::{
    self as ops, ExpireKind, Expiry, FloatIncrement, GetExChange, SetArgs, SetCondition, SetTtl,
};
use crate::error::{Error, Result};

/// A proto expiry as the command's typed expiry; no time set is a syntax error.
fn expiry(e: &proto::Expiry) -> Result<Expiry> {
    use proto::expiry::Time;
    let (kind, time) = match e.time.ok_or(Error::Syntax)? {
        Time::Seconds(t) => (ExpireKind::Ex, t),
        Time::Milliseconds(t) => (ExpireKind::Px, t),
        Time::UnixSeconds(t) => (ExpireKind::ExAt, t),
        Time::UnixMilliseconds(t) => (ExpireKind::PxAt, t),
    };
    Ok(Expiry { kind, time })
}

/// The key/value pairs of MSET/MSETNX; at least one, like the command's arity.
fn pairs<'a>(
    pairs: &'a [proto::KeyValue],
    cmd: &str,
) -> Result<impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone> {
    if pairs.is_empty() {
        return Err(Error::WrongArity(cmd.into()));
    }
    Ok(pairs.iter().map(|p| (&p.key[..], &p.value[..])))
}

/// A length as the proto's int64 (lengths are bounded by proto-max-bulk-len).
fn length(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// PING [message]: the message echoed, or "PONG".
pub fn ping(_ctx: &mut Ctx<'_>, req: proto::PingRequest) -> Result<proto::PingResponse> {
    Ok(proto::PingResponse {
        message: req.message.unwrap_or_else(|| Bytes::from_static(b"PONG")),
    })
}

/// GET key.
pub fn get(ctx: &mut Ctx<'_>, req: proto::GetRequest) -> Result<proto::GetResponse> {
    Ok(proto::GetResponse {
        value: ops::get_op(ctx, &req.key)?,
    })
}

/// SET key value [NX|XX] [GET] [EX|PX|EXAT|PXAT|KEEPTTL].
pub fn set(ctx: &mut Ctx<'_>, req: proto::SetRequest) -> Result<proto::SetResponse> {
    let condition = match proto::SetCondition::try_from(req.condition) {
        Ok(proto::SetCondition::Always) => SetCondition::Always,
        Ok(proto::SetCondition::IfAbsent) => SetCondition::IfAbsent,
        Ok(proto::SetCondition::IfPresent) => SetCondition::IfPresent,
        Err(_) => return Err(Error::Syntax),
    };
    let ttl = match (&req.expiry, req.keep_ttl) {
        (Some(_), true) => return Err(Error::Syntax),
        (Some(e), false) => SetTtl::Expire(expiry(e)?),
        (None, true) => SetTtl::Keep,
        (None, false) => SetTtl::Clear,
    };
    let args = SetArgs {
        condition,
        ttl,
        return_old: req.return_old,
    };
    let outcome = ops::set_op(ctx, &req.key, &req.value, &args, "set")?;
    Ok(proto::SetResponse {
        applied: outcome.applied,
        old_value: outcome.old,
    })
}

/// GETDEL key.
pub fn get_del(ctx: &mut Ctx<'_>, req: proto::GetDelRequest) -> Result<proto::GetDelResponse> {
    Ok(proto::GetDelResponse {
        value: ops::getdel_op(ctx, &req.key)?,
    })
}

/// GETEX key [EX|PX|EXAT|PXAT|PERSIST]. `persist = false` changes nothing.
pub fn get_ex(ctx: &mut Ctx<'_>, req: proto::GetExRequest) -> Result<proto::GetExResponse> {
    use proto::get_ex_request::Change;
    let change = match &req.change {
        None | Some(Change::Persist(false)) => GetExChange::Keep,
        Some(Change::Persist(true)) => GetExChange::Persist,
        Some(Change::Expiry(e)) => GetExChange::Expire(expiry(e)?),
    };
    Ok(proto::GetExResponse {
        value: ops::getex_op(ctx, &req.key, change)?,
    })
}

/// MGET key [key ...].
pub fn m_get(ctx: &mut Ctx<'_>, req: proto::MGetRequest) -> Result<proto::MGetResponse> {
    if req.keys.is_empty() {
        return Err(Error::WrongArity("mget".into()));
    }
    let values = ops::mget_op(ctx, &req.keys)
        .into_iter()
        .map(|v| proto::OptionalValue {
            found: v.is_some(),
            value: v.unwrap_or_default(),
        })
        .collect();
    Ok(proto::MGetResponse { values })
}

/// MSET key value [key value ...].
pub fn m_set(ctx: &mut Ctx<'_>, req: proto::MSetRequest) -> Result<proto::MSetResponse> {
    ops::mset_op(ctx, pairs(&req.pairs, "mset")?);
    Ok(proto::MSetResponse {})
}

/// MSETNX key value [key value ...].
pub fn m_set_nx(ctx: &mut Ctx<'_>, req: proto::MSetNxRequest) -> Result<proto::MSetNxResponse> {
    Ok(proto::MSetNxResponse {
        applied: ops::msetnx_op(ctx, pairs(&req.pairs, "msetnx")?),
    })
}

/// INCR key.
pub fn incr(ctx: &mut Ctx<'_>, req: proto::IncrRequest) -> Result<proto::IncrResponse> {
    Ok(proto::IncrResponse {
        value: ops::incr_by_op(ctx, &req.key, 1)?,
    })
}

/// INCRBY key increment (negative decrements).
pub fn incr_by(ctx: &mut Ctx<'_>, req: proto::IncrByRequest) -> Result<proto::IncrResponse> {
    Ok(proto::IncrResponse {
        value: ops::incr_by_op(ctx, &req.key, req.increment)?,
    })
}

/// INCRBYFLOAT key increment.
pub fn incr_by_float(
    ctx: &mut Ctx<'_>,
    req: proto::IncrByFloatRequest,
) -> Result<proto::IncrByFloatResponse> {
    let sum = ops::incr_by_float_op(ctx, &req.key, FloatIncrement::Number(req.increment))?;
    Ok(proto::IncrByFloatResponse {
        // The long-double formatter writes ASCII only.
        value: String::from_utf8_lossy(&sum).into_owned(),
    })
}

/// APPEND key value.
pub fn append(ctx: &mut Ctx<'_>, req: proto::AppendRequest) -> Result<proto::AppendResponse> {
    Ok(proto::AppendResponse {
        length: length(ops::append_op(ctx, &req.key, &req.value)?),
    })
}

/// STRLEN key.
pub fn str_len(ctx: &mut Ctx<'_>, req: proto::StrLenRequest) -> Result<proto::StrLenResponse> {
    Ok(proto::StrLenResponse {
        length: length(ops::strlen_op(ctx, &req.key)?),
    })
}

/// GETRANGE key start end.
pub fn get_range(
    ctx: &mut Ctx<'_>,
    req: proto::GetRangeRequest,
) -> Result<proto::GetRangeResponse> {
    Ok(proto::GetRangeResponse {
        value: ops::getrange_op(ctx, &req.key, req.start, req.end)?,
    })
}

/// SETRANGE key offset value.
pub fn set_range(
    ctx: &mut Ctx<'_>,
    req: proto::SetRangeRequest,
) -> Result<proto::SetRangeResponse> {
    Ok(proto::SetRangeResponse {
        length: length(ops::setrange_op(ctx, &req.key, req.offset, &req.value)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::Reply;
    use crate::commands::test_support::Harness;
    use proto::expiry::Time;

    const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    const SYNTAX: &str = "ERR syntax error";

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    /// Calls a gRPC function with the harness's server and session.
    fn call<Req, Resp>(
        h: &mut Harness,
        f: fn(&mut Ctx<'_>, Req) -> Result<Resp>,
        req: Req,
    ) -> Result<Resp> {
        h.call(f, req)
    }

    fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.expect_err("expected an error").message().into_owned()
    }

    fn get_value(h: &mut Harness, key: &str) -> Option<Bytes> {
        call(h, get, proto::GetRequest { db: 0, key: b(key) })
            .unwrap()
            .value
    }

    fn set_req(key: &str, value: &str) -> proto::SetRequest {
        proto::SetRequest {
            key: b(key),
            value: b(value),
            ..Default::default()
        }
    }

    fn ex(time: Time) -> Option<proto::Expiry> {
        Some(proto::Expiry { time: Some(time) })
    }

    fn pttl(h: &mut Harness, key: &str) -> i64 {
        match h.run(&["PTTL", key]) {
            Reply::Integer(n) => n,
            other => panic!("PTTL gave {other:?}"),
        }
    }

    #[test]
    fn ping_echoes_or_pongs() {
        let mut h = Harness::new();
        let r = call(&mut h, ping, proto::PingRequest { message: None }).unwrap();
        assert_eq!(r.message, b("PONG"));
        let r = call(
            &mut h,
            ping,
            proto::PingRequest {
                message: Some(b("")),
            },
        )
        .unwrap();
        assert_eq!(r.message, b(""));
        let r = call(
            &mut h,
            ping,
            proto::PingRequest {
                message: Some(b("hi")),
            },
        )
        .unwrap();
        assert_eq!(r.message, b("hi"));
    }

    #[test]
    fn get_absent_empty_and_wrongtype() {
        let mut h = Harness::new();
        assert_eq!(get_value(&mut h, "k"), None);
        h.run(&["SET", "k", ""]);
        assert_eq!(get_value(&mut h, "k"), Some(Bytes::new()));
        make_list(&h, "l");
        assert_eq!(
            err_text(call(&mut h, get, proto::GetRequest { db: 0, key: b("l") })),
            WRONGTYPE
        );
        // The selected db is the session's, not req.db.
        h.session.db = 1;
        assert_eq!(
            call(&mut h, get, proto::GetRequest { db: 0, key: b("k") })
                .unwrap()
                .value,
            None
        );
    }

    fn make_list(h: &Harness, key: &str) {
        h.put(0, key, crate::store::Value::List(Default::default()), None);
    }

    #[test]
    fn set_conditions_and_old_values() {
        let mut h = Harness::new();
        let r = call(&mut h, set, set_req("k", "v1")).unwrap();
        assert_eq!((r.applied, r.old_value), (true, None));
        assert_eq!(h.run(&["GET", "k"]), Reply::bulk("v1"));
        // NX on an existing key: not applied; with return_old the old value anyway.
        let mut req = set_req("k", "v2");
        req.condition = proto::SetCondition::IfAbsent as i32;
        req.return_old = true;
        let r = call(&mut h, set, req).unwrap();
        assert_eq!((r.applied, r.old_value), (false, Some(b("v1"))));
        // XX on a missing key.
        let mut req = set_req("missing", "v");
        req.condition = proto::SetCondition::IfPresent as i32;
        let r = call(&mut h, set, req).unwrap();
        assert!(!r.applied);
        assert_eq!(h.run(&["EXISTS", "missing"]), Reply::Integer(0));
        // XX on an existing key, returning the old value.
        let mut req = set_req("k", "v3");
        req.condition = proto::SetCondition::IfPresent as i32;
        req.return_old = true;
        let r = call(&mut h, set, req).unwrap();
        assert_eq!((r.applied, r.old_value), (true, Some(b("v1"))));
        // return_old on a missing key: unset, not empty.
        let mut req = set_req("new", "");
        req.return_old = true;
        let r = call(&mut h, set, req).unwrap();
        assert_eq!((r.applied, r.old_value), (true, None));
        let mut req = set_req("new", "x");
        req.return_old = true;
        assert_eq!(
            call(&mut h, set, req).unwrap().old_value,
            Some(Bytes::new())
        );
        // return_old on another type: WRONGTYPE and nothing set; without it, replaced.
        make_list(&h, "l");
        let mut req = set_req("l", "s");
        req.return_old = true;
        assert_eq!(err_text(call(&mut h, set, req)), WRONGTYPE);
        assert!(call(&mut h, set, set_req("l", "s")).unwrap().applied);
        assert_eq!(h.run(&["GET", "l"]), Reply::bulk("s"));
    }

    #[test]
    fn set_expiry_and_keep_ttl() {
        let mut h = Harness::new();
        let mut req = set_req("k", "v");
        req.expiry = ex(Time::Seconds(100));
        call(&mut h, set, req).unwrap();
        let ttl = pttl(&mut h, "k");
        assert!(ttl > 99_000 && ttl <= 100_000, "{ttl}");
        // keep_ttl keeps it; a plain set clears it.
        let mut req = set_req("k", "v2");
        req.keep_ttl = true;
        call(&mut h, set, req).unwrap();
        assert!(pttl(&mut h, "k") > 99_000);
        call(&mut h, set, set_req("k", "v3")).unwrap();
        assert_eq!(pttl(&mut h, "k"), -1);
        for time in [
            Time::Milliseconds(5000),
            Time::UnixSeconds(4_000_000_000),
            Time::UnixMilliseconds(4_000_000_000_000),
        ] {
            let mut req = set_req("t", "v");
            req.expiry = ex(time);
            call(&mut h, set, req).unwrap();
            assert!(pttl(&mut h, "t") > 0, "{time:?}");
        }
        // An absolute time in the past: applied, and the key is gone.
        let mut req = set_req("past", "v");
        req.expiry = ex(Time::UnixSeconds(1));
        assert!(call(&mut h, set, req).unwrap().applied);
        assert_eq!(get_value(&mut h, "past"), None);
    }

    #[test]
    fn set_validation_errors() {
        let mut h = Harness::new();
        let invalid = "ERR invalid expire time in 'set' command";
        for time in [
            Time::Seconds(0),
            Time::Seconds(-1),
            Time::Milliseconds(0),
            Time::UnixSeconds(-5),
            Time::UnixMilliseconds(0),
            Time::Seconds(i64::MAX),
            Time::Milliseconds(i64::MAX),
        ] {
            let mut req = set_req("k", "v");
            req.expiry = ex(time);
            assert_eq!(err_text(call(&mut h, set, req)), invalid, "{time:?}");
        }
        let mut req = set_req("k", "v");
        req.expiry = ex(Time::Seconds(10));
        req.keep_ttl = true;
        assert_eq!(err_text(call(&mut h, set, req)), SYNTAX);
        let mut req = set_req("k", "v");
        req.expiry = Some(proto::Expiry { time: None });
        assert_eq!(err_text(call(&mut h, set, req)), SYNTAX);
        let mut req = set_req("k", "v");
        req.condition = 7;
        assert_eq!(err_text(call(&mut h, set, req)), SYNTAX);
        assert_eq!(get_value(&mut h, "k"), None);
    }

    #[test]
    fn get_del_and_get_ex() {
        let mut h = Harness::new();
        let del = |h: &mut Harness, k: &str| {
            call(h, get_del, proto::GetDelRequest { db: 0, key: b(k) })
                .unwrap()
                .value
        };
        assert_eq!(del(&mut h, "k"), None);
        h.run(&["SET", "k", ""]);
        assert_eq!(del(&mut h, "k"), Some(Bytes::new()));
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Integer(0));
        make_list(&h, "l");
        assert_eq!(
            err_text(call(
                &mut h,
                get_del,
                proto::GetDelRequest { db: 0, key: b("l") }
            )),
            WRONGTYPE
        );

        use proto::get_ex_request::Change;
        let getex = |h: &mut Harness, k: &str, change: Option<Change>| {
            call(
                h,
                get_ex,
                proto::GetExRequest {
                    db: 0,
                    key: b(k),
                    change,
                },
            )
        };
        let expiry = |t: Time| Some(Change::Expiry(proto::Expiry { time: Some(t) }));
        h.run(&["SET", "k", "v"]);
        assert_eq!(getex(&mut h, "k", None).unwrap().value, Some(b("v")));
        assert_eq!(pttl(&mut h, "k"), -1);
        getex(&mut h, "k", expiry(Time::Milliseconds(50_000))).unwrap();
        let ttl = pttl(&mut h, "k");
        assert!(ttl > 49_000 && ttl <= 50_000, "{ttl}");
        getex(&mut h, "k", Some(Change::Persist(false))).unwrap();
        assert!(pttl(&mut h, "k") > 0);
        getex(&mut h, "k", Some(Change::Persist(true))).unwrap();
        assert_eq!(pttl(&mut h, "k"), -1);
        assert_eq!(
            err_text(getex(&mut h, "k", expiry(Time::Seconds(0)))),
            "ERR invalid expire time in 'getex' command"
        );
        assert_eq!(
            err_text(getex(
                &mut h,
                "k",
                Some(Change::Expiry(proto::Expiry { time: None }))
            )),
            SYNTAX
        );
        // Like Redis, a missing key answers unset before the time is checked.
        assert_eq!(
            getex(&mut h, "none", expiry(Time::Seconds(-1)))
                .unwrap()
                .value,
            None
        );
        assert_eq!(
            err_text(getex(&mut h, "l", expiry(Time::Seconds(0)))),
            WRONGTYPE
        );
        // An absolute time in the past deletes the key, answering its value.
        assert_eq!(
            getex(&mut h, "k", expiry(Time::UnixMilliseconds(1)))
                .unwrap()
                .value,
            Some(b("v"))
        );
        assert_eq!(h.run(&["EXISTS", "k"]), Reply::Integer(0));
    }

    #[test]
    fn m_get_m_set_m_set_nx() {
        let mut h = Harness::new();
        let kv = |k: &str, v: &str| proto::KeyValue {
            key: b(k),
            value: b(v),
        };
        call(
            &mut h,
            m_set,
            proto::MSetRequest {
                db: 0,
                pairs: vec![kv("a", "1"), kv("b", ""), kv("a", "3")],
            },
        )
        .unwrap();
        assert_eq!(h.run(&["GET", "a"]), Reply::bulk("3"));
        make_list(&h, "l");
        let r = call(
            &mut h,
            m_get,
            proto::MGetRequest {
                db: 0,
                keys: vec![b("a"), b("b"), b("none"), b("l")],
            },
        )
        .unwrap();
        let got: Vec<(bool, Bytes)> = r.values.into_iter().map(|v| (v.found, v.value)).collect();
        assert_eq!(
            got,
            vec![
                (true, b("3")),
                (true, Bytes::new()),
                (false, Bytes::new()),
                (false, Bytes::new())
            ]
        );
        let nx = |h: &mut Harness, pairs| call(h, m_set_nx, proto::MSetNxRequest { db: 0, pairs });
        assert!(
            !nx(&mut h, vec![kv("x", "1"), kv("a", "2")])
                .unwrap()
                .applied
        );
        assert_eq!(h.run(&["EXISTS", "x"]), Reply::Integer(0));
        assert!(
            nx(&mut h, vec![kv("x", "1"), kv("y", "2")])
                .unwrap()
                .applied
        );
        assert_eq!(
            h.run(&["MGET", "x", "y"]),
            Reply::Array(vec![Reply::bulk("1"), Reply::bulk("2")])
        );
        assert_eq!(
            err_text(nx(&mut h, vec![])),
            "ERR wrong number of arguments for 'msetnx' command"
        );
        assert_eq!(
            err_text(call(&mut h, m_set, proto::MSetRequest::default())),
            "ERR wrong number of arguments for 'mset' command"
        );
        assert_eq!(
            err_text(call(&mut h, m_get, proto::MGetRequest::default())),
            "ERR wrong number of arguments for 'mget' command"
        );
    }

    #[test]
    fn incr_and_incr_by() {
        let mut h = Harness::new();
        let inc = |h: &mut Harness, k: &str| {
            call(h, incr, proto::IncrRequest { db: 0, key: b(k) }).map(|r| r.value)
        };
        let inc_by = |h: &mut Harness, k: &str, n: i64| {
            call(
                h,
                incr_by,
                proto::IncrByRequest {
                    db: 0,
                    key: b(k),
                    increment: n,
                },
            )
            .map(|r| r.value)
        };
        assert_eq!(inc(&mut h, "n").unwrap(), 1);
        assert_eq!(inc_by(&mut h, "n", -11).unwrap(), -10);
        assert_eq!(h.run(&["GET", "n"]), Reply::bulk("-10"));
        assert_eq!(inc_by(&mut h, "m", i64::MIN).unwrap(), i64::MIN);
        assert_eq!(
            err_text(inc_by(&mut h, "m", -1)),
            "ERR increment or decrement would overflow"
        );
        h.run(&["SET", "s", "abc"]);
        assert_eq!(
            err_text(inc(&mut h, "s")),
            "ERR value is not an integer or out of range"
        );
        make_list(&h, "l");
        assert_eq!(err_text(inc(&mut h, "l")), WRONGTYPE);
        // The TTL stays.
        h.run(&["SET", "t", "1", "EX", "100"]);
        assert_eq!(inc(&mut h, "t").unwrap(), 2);
        assert!(pttl(&mut h, "t") > 99_000);
    }

    #[test]
    fn incr_by_float_numbers() {
        let mut h = Harness::new();
        let incf = |h: &mut Harness, k: &str, x: f64| {
            call(
                h,
                incr_by_float,
                proto::IncrByFloatRequest {
                    db: 0,
                    key: b(k),
                    increment: x,
                },
            )
            .map(|r| r.value)
        };
        assert_eq!(incf(&mut h, "f", 10.5).unwrap(), "10.5");
        assert_eq!(incf(&mut h, "f", 0.1).unwrap(), "10.6");
        assert_eq!(h.run(&["GET", "f"]), Reply::bulk("10.6"));
        // The same arithmetic as the RESP command given the shortest text of the double.
        h.run(&["SET", "g", "1000"]);
        assert_eq!(incf(&mut h, "g", 0.1).unwrap(), "1000.09999999999999998");
        h.run(&["SET", "g", "5000"]);
        assert_eq!(incf(&mut h, "g", 200.0).unwrap(), "5200");
        assert_eq!(incf(&mut h, "g", -0.0).unwrap(), "5200");
        assert_eq!(incf(&mut h, "z", 1e300).unwrap().len(), 301);
        assert_eq!(incf(&mut h, "tiny", 5e-324).unwrap(), "0");
        let nan = "ERR increment would produce NaN or Infinity";
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(err_text(incf(&mut h, "g", x)), nan, "{x}");
            assert_eq!(err_text(incf(&mut h, "fresh", x)), nan, "{x}");
        }
        assert_eq!(h.run(&["EXISTS", "fresh"]), Reply::Integer(0));
        // Redis's order: WRONGTYPE, then the stored value, then NaN/Infinity.
        h.run(&["SET", "s", "abc"]);
        assert_eq!(
            err_text(incf(&mut h, "s", f64::NAN)),
            "ERR value is not a valid float"
        );
        make_list(&h, "l");
        assert_eq!(err_text(incf(&mut h, "l", f64::INFINITY)), WRONGTYPE);
        assert_eq!(h.run(&["GET", "g"]), Reply::bulk("5200"));
    }

    #[test]
    fn append_str_len_ranges() {
        let mut h = Harness::new();
        let strlen = |h: &mut Harness, k: &str| {
            call(h, str_len, proto::StrLenRequest { db: 0, key: b(k) }).map(|r| r.length)
        };
        let app = |h: &mut Harness, k: &str, v: &str| {
            call(
                h,
                append,
                proto::AppendRequest {
                    db: 0,
                    key: b(k),
                    value: b(v),
                },
            )
            .map(|r| r.length)
        };
        assert_eq!(strlen(&mut h, "k").unwrap(), 0);
        assert_eq!(app(&mut h, "k", "hello").unwrap(), 5);
        assert_eq!(app(&mut h, "k", " world").unwrap(), 11);
        assert_eq!(strlen(&mut h, "k").unwrap(), 11);
        assert_eq!(h.run(&["GET", "k"]), Reply::bulk("hello world"));
        assert_eq!(app(&mut h, "e", "").unwrap(), 0);
        assert_eq!(get_value(&mut h, "e"), Some(Bytes::new()));
        make_list(&h, "l");
        assert_eq!(err_text(app(&mut h, "l", "x")), WRONGTYPE);
        assert_eq!(err_text(strlen(&mut h, "l")), WRONGTYPE);

        let range = |h: &mut Harness, k: &str, start, end| {
            call(
                h,
                get_range,
                proto::GetRangeRequest {
                    db: 0,
                    key: b(k),
                    start,
                    end,
                },
            )
            .map(|r| r.value)
        };
        assert_eq!(range(&mut h, "k", 0, 4).unwrap(), b("hello"));
        assert_eq!(range(&mut h, "k", -5, -1).unwrap(), b("world"));
        assert_eq!(range(&mut h, "k", 5, 1).unwrap(), Bytes::new());
        assert_eq!(range(&mut h, "k", i64::MIN, i64::MAX).unwrap().len(), 11);
        assert_eq!(range(&mut h, "none", 0, -1).unwrap(), Bytes::new());
        assert_eq!(err_text(range(&mut h, "l", 0, 1)), WRONGTYPE);

        let setr = |h: &mut Harness, k: &str, offset, v: &str| {
            call(
                h,
                set_range,
                proto::SetRangeRequest {
                    db: 0,
                    key: b(k),
                    offset,
                    value: b(v),
                },
            )
            .map(|r| r.length)
        };
        assert_eq!(setr(&mut h, "k", 6, "W").unwrap(), 11);
        assert_eq!(h.run(&["GET", "k"]), Reply::bulk("hello World"));
        assert_eq!(setr(&mut h, "p", 2, "ab").unwrap(), 4);
        assert_eq!(h.run(&["GET", "p"]), Reply::bulk("\0\0ab"));
        assert_eq!(setr(&mut h, "q", 5, "").unwrap(), 0);
        assert_eq!(h.run(&["EXISTS", "q"]), Reply::Integer(0));
        assert_eq!(
            err_text(setr(&mut h, "k", -1, "x")),
            "ERR offset is out of range"
        );
        assert_eq!(
            err_text(setr(&mut h, "k", i64::MAX, "x")),
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
        );
        assert_eq!(err_text(setr(&mut h, "l", 0, "x")), WRONGTYPE);
    }
}
