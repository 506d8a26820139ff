//! The write-effect record: what a transaction changed, key by key, in the order it
//! happened, named as Redis's keyspace notifications name it.
//!
//! Every change goes through a [`Txn`](super::Txn) method that names its [`Event`]
//! (`set`, `remove`, `set_expiry`, `modified`, `clear`), and lookups that find an expired
//! key record its lazy deletion (`expired`), as the active expiry cycle does. When the txn
//! ends, still holding its locks, it hands the whole record to the store's [`Observer`]:
//! that is how `WATCH` learns that a watched key changed and how clients blocked on a key
//! learn that it may hold elements now (and, later, keyspace notifications, the
//! append-only file and replication). Because the record is delivered before the locks are
//! released, no other command can see a change before its observers have.

use super::Key;

/// The class of an event, as `notify-keyspace-events` selects them (`g`, `$`, `l`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    Generic,
    String,
    List,
    Set,
    Hash,
    SortedSet,
    Stream,
    Expired,
    Evicted,
    New,
    KeyMiss,
    /// Never published: changes Redis makes without a keyspace notification.
    Unpublished,
}

macro_rules! events {
    ($($variant:ident => $name:literal, $class:ident;)*) => {
        /// What happened to a key, named as Redis's keyspace notification for it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Event {
            $($variant,)*
        }

        impl Event {
            /// The event's name in keyspace notifications (`set`, `lpush`, `rename_from`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Event::$variant => $name,)*
                }
            }

            /// The `notify-keyspace-events` class the event belongs to.
            pub fn class(self) -> EventClass {
                match self {
                    $(Event::$variant => EventClass::$class,)*
                }
            }
        }
    };
}

events! {
    // Generic: any type.
    Del => "del", Generic;
    Expire => "expire", Generic;
    Persist => "persist", Generic;
    RenameFrom => "rename_from", Generic;
    RenameTo => "rename_to", Generic;
    CopyTo => "copy_to", Generic;
    MoveFrom => "move_from", Generic;
    MoveTo => "move_to", Generic;
    Restore => "restore", Generic;
    Expired => "expired", Expired;
    Evicted => "evicted", Evicted;
    New => "new", New;
    // A read lookup that found no key, recorded only while `keymiss` events are wanted.
    KeyMiss => "keymiss", KeyMiss;
    // Strings.
    Set => "set", String;
    SetRange => "setrange", String;
    Append => "append", String;
    IncrBy => "incrby", String;
    IncrByFloat => "incrbyfloat", String;
    // HyperLogLogs (strings). PFMERGE announces `pfadd` too, as Redis does.
    PfAdd => "pfadd", String;
    // PFCOUNT writing its cached cardinality back: Redis signals the key as modified and
    // propagates the command, but publishes nothing.
    PfCount => "pfcount", Unpublished;
    // PFDEBUG turning a value dense: propagated, neither signalled nor published.
    PfDebug => "pfdebug", Unpublished;
    // A value rewritten with no trace at all: Redis changed it in place without telling
    // anyone (its encoding when a command unshares it, the registers a failing PFADD had
    // already raised).
    Unsignalled => "unsignalled", Unpublished;
    // Bitmaps (Redis counts them as string events).
    SetBit => "setbit", String;
    // Lists.
    LPush => "lpush", List;
    RPush => "rpush", List;
    LPop => "lpop", List;
    RPop => "rpop", List;
    LInsert => "linsert", List;
    LSet => "lset", List;
    LRem => "lrem", List;
    LTrim => "ltrim", List;
    SortStore => "sortstore", List;
    // Hashes.
    HSet => "hset", Hash;
    HDel => "hdel", Hash;
    HIncrBy => "hincrby", Hash;
    HIncrByFloat => "hincrbyfloat", Hash;
    // Sets.
    SAdd => "sadd", Set;
    SRem => "srem", Set;
    SPop => "spop", Set;
    SInterStore => "sinterstore", Set;
    SUnionStore => "sunionstore", Set;
    SDiffStore => "sdiffstore", Set;
    // Sorted sets.
    ZAdd => "zadd", SortedSet;
    ZIncr => "zincr", SortedSet;
    ZRem => "zrem", SortedSet;
    ZRemRangeByRank => "zremrangebyrank", SortedSet;
    ZRemRangeByScore => "zremrangebyscore", SortedSet;
    ZRemRangeByLex => "zremrangebylex", SortedSet;
    ZPopMin => "zpopmin", SortedSet;
    ZPopMax => "zpopmax", SortedSet;
    ZUnionStore => "zunionstore", SortedSet;
    ZInterStore => "zinterstore", SortedSet;
    ZDiffStore => "zdiffstore", SortedSet;
    ZRangeStore => "zrangestore", SortedSet;
    GeoRadiusStore => "georadiusstore", SortedSet;
    GeoSearchStore => "geosearchstore", SortedSet;
    // Streams.
    XAdd => "xadd", Stream;
    XTrim => "xtrim", Stream;
    XDel => "xdel", Stream;
    XSetId => "xsetid", Stream;
    XGroupCreate => "xgroup-create", Stream;
    XGroupCreateConsumer => "xgroup-createconsumer", Stream;
    XGroupDelConsumer => "xgroup-delconsumer", Stream;
    XGroupDestroy => "xgroup-destroy", Stream;
    XGroupSetId => "xgroup-setid", Stream;
}

impl Event {
    /// Whether the key no longer exists after this event.
    pub fn deletes(self) -> bool {
        matches!(
            self,
            Event::Del | Event::Expired | Event::Evicted | Event::RenameFrom | Event::MoveFrom
        )
    }

    /// Whether the server deleted the key on its own (expiry, eviction) rather than a
    /// command: the append-only file logs such a deletion as a `DEL` of its own.
    pub fn by_server(self) -> bool {
        matches!(self, Event::Expired | Event::Evicted)
    }

    /// Whether the key changed (every event but `keymiss`, which only notifications see,
    /// and the changes Redis makes without a trace).
    pub fn changes(self) -> bool {
        !matches!(self, Event::KeyMiss | Event::Unsignalled)
    }

    /// Whether the change may serve clients blocked on the key (Redis's
    /// `signalKeyAsReady`): everything but the stream changes that add no entry and remove
    /// no group, which Redis does not signal (a blocked XREADGROUP is not served by an
    /// XGROUP SETID that moves its group back), and PFDEBUG's silent conversion.
    pub fn readies(self) -> bool {
        self.changes()
            && !matches!(
                self,
                Event::PfDebug
                    | Event::XTrim
                    | Event::XDel
                    | Event::XSetId
                    | Event::XGroupCreate
                    | Event::XGroupCreateConsumer
                    | Event::XGroupDelConsumer
                    | Event::XGroupSetId
            )
    }

    /// Whether the change is one Redis signals as a modification of the key
    /// (`signalModifiedKey`: WATCH, client-side caching, change feeds see it). A stream's
    /// consumer-group bookkeeping and XSETID change the key without that signal in Redis
    /// 7.0, so a WATCH of the stream survives them; so does PFDEBUG's conversion to dense.
    pub fn modifies(self) -> bool {
        self.changes()
            && !matches!(
                self,
                Event::PfDebug
                    | Event::XSetId
                    | Event::XGroupCreate
                    | Event::XGroupCreateConsumer
                    | Event::XGroupDelConsumer
                    | Event::XGroupDestroy
                    | Event::XGroupSetId
            )
    }
}

/// One entry of the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `key` of database `db` changed.
    Key { db: usize, key: Key, event: Event },
    /// Every key of database `db` was removed (`FLUSHDB`, `FLUSHALL`).
    Flushed { db: usize },
    /// Databases `a` and `b` exchanged their contents (`SWAPDB`).
    Swapped { a: usize, b: usize },
}

/// Who learns what each transaction changed. Called after each command that changed
/// something and when the txn ends, before its locks are released; it may read the keys it
/// is told about through `store` (their locks are held), must not open a transaction itself,
/// and must not panic (it may run while a txn is being dropped).
pub trait Observer: Send + Sync {
    /// `generation` is the snapshot generation of the txn that made the changes
    /// ([`Txn::generation`](super::Txn::generation)).
    fn observe(&self, store: &super::Store, effects: &[Effect], generation: u64);
}
