//! What each typed request is to the execution path ([`crate::exec::typed`]): the Redis
//! command it runs (its statistics and access rules) and the keys it locks, read or
//! written as that command's flags say.

use super::proto;
use crate::exec::TypedLocks;
use crate::store::Access;

/// A typed request's command and keys.
pub trait Typed {
    /// The command the request runs when sent to the RPC `rpc` (the command the RPC is
    /// named after: `lpush` for LPush); a request whose options pick a sibling command
    /// names it (`lpushx`).
    fn command(&self, rpc: &'static str) -> &'static str {
        rpc
    }

    /// Adds the keys the request touches.
    fn locks(&self, locks: &mut TypedLocks<'_>);
}

/// Requests whose one key is `key`.
macro_rules! one_key {
    ($($request:ident),* $(,)?) => {
        $(impl Typed for proto::$request {
            fn locks(&self, locks: &mut TypedLocks<'_>) {
                locks.key(&self.key);
            }
        })*
    };
}

/// Requests whose keys are `keys`.
macro_rules! many_keys {
    ($($request:ident),* $(,)?) => {
        $(impl Typed for proto::$request {
            fn locks(&self, locks: &mut TypedLocks<'_>) {
                locks.keys(&self.keys);
            }
        })*
    };
}

/// Requests that read or write their whole database.
macro_rules! whole_db {
    ($($request:ident),* $(,)?) => {
        $(impl Typed for proto::$request {
            fn locks(&self, locks: &mut TypedLocks<'_>) {
                locks.db();
            }
        })*
    };
}

one_key!(
    GetRequest,
    GetDelRequest,
    GetExRequest,
    IncrRequest,
    IncrByRequest,
    IncrByFloatRequest,
    AppendRequest,
    StrLenRequest,
    GetRangeRequest,
    SetRangeRequest,
    TypeRequest,
    ExpireRequest,
    PersistRequest,
    TtlRequest,
    ListPopRequest,
    LLenRequest,
    LRangeRequest,
    LIndexRequest,
    LSetRequest,
    LRemRequest,
    LTrimRequest,
    HSetRequest,
    HGetRequest,
    HmGetRequest,
    HGetAllRequest,
    HDelRequest,
    HIncrByRequest,
    HLenRequest,
    HExistsRequest,
    SAddRequest,
    SRemRequest,
    SMembersRequest,
    SIsMemberRequest,
    SCardRequest,
    ZAddRequest,
    ZRemRequest,
    ZScoreRequest,
    ZIncrByRequest,
    ZCardRequest,
    ZRankRequest,
    ZRangeRequest,
);

many_keys!(
    MGetRequest,
    DelRequest,
    ExistsRequest,
    BlockingPopRequest,
    BzPopRequest
);

whole_db!(ScanRequest, DbSizeRequest, FlushDbRequest);

impl Typed for proto::SetRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.key(&self.key);
        // As SET's key spec says through Redis's `setGetKeys`: a plain SET only writes.
        locks.write_only(!self.return_old);
    }
}

impl Typed for proto::PingRequest {
    fn locks(&self, _locks: &mut TypedLocks<'_>) {}
}

/// Channels are not keys: pub/sub locks nothing.
impl Typed for proto::PublishRequest {
    fn command(&self, _rpc: &'static str) -> &'static str {
        if self.shard { "spublish" } else { "publish" }
    }

    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.channel(&self.channel, false);
    }
}

impl Typed for proto::SubscribeRequest {
    /// The command of its first kind of subscription (its statistics count there).
    fn command(&self, _rpc: &'static str) -> &'static str {
        if !self.channels.is_empty() {
            "subscribe"
        } else if !self.patterns.is_empty() {
            "psubscribe"
        } else {
            "ssubscribe"
        }
    }

    fn locks(&self, locks: &mut TypedLocks<'_>) {
        for channel in self.channels.iter().chain(&self.shard_channels) {
            locks.channel(channel, false);
        }
        for pattern in &self.patterns {
            locks.channel(pattern, true);
        }
    }
}

impl Typed for proto::ListPushRequest {
    fn command(&self, rpc: &'static str) -> &'static str {
        match (rpc, self.only_if_exists) {
            ("lpush", true) => "lpushx",
            ("rpush", true) => "rpushx",
            (rpc, _) => rpc,
        }
    }

    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.key(&self.key);
    }
}

impl Typed for proto::MSetRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        for pair in &self.pairs {
            locks.key(&pair.key);
        }
    }
}

impl Typed for proto::MSetNxRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        for pair in &self.pairs {
            locks.key(&pair.key);
        }
    }
}

impl Typed for proto::LMoveRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.key(&self.source);
        locks.key(&self.destination);
    }
}

impl Typed for proto::BlMoveRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.key(&self.source);
        locks.key(&self.destination);
    }
}

impl Typed for proto::RenameRequest {
    fn command(&self, rpc: &'static str) -> &'static str {
        if self.only_if_new { "renamenx" } else { rpc }
    }

    fn locks(&self, locks: &mut TypedLocks<'_>) {
        locks.key(&self.key);
        locks.key(&self.new_key);
    }
}

impl Typed for proto::CopyRequest {
    fn locks(&self, locks: &mut TypedLocks<'_>) {
        let db = locks.request_db();
        let dst_db = self
            .destination_db
            .map_or(db, |n| usize::try_from(n).unwrap_or(usize::MAX));
        locks.key_in(db, &self.source, Access::Read);
        locks.key_in(dst_db, &self.destination, Access::Write);
    }
}

one_key!(XAddRequest, XRangeRequest, XAckRequest);

impl Typed for proto::XReadRequest {
    fn command(&self, _rpc: &'static str) -> &'static str {
        if self.group.is_some() {
            "xreadgroup"
        } else {
            "xread"
        }
    }

    fn locks(&self, locks: &mut TypedLocks<'_>) {
        for stream in &self.streams {
            locks.key(&stream.key);
        }
    }
}
