//! Keyspace notifications (`notify-keyspace-events`): which classes of events are
//! published, and publishing them.
//!
//! The events themselves come from the store's write-effect record (see
//! [`crate::store::effects`]), delivered while the command that caused them still holds its
//! locks; the notifier turns each selected one into a message on
//! `__keyspace@<db>__:<key>` (payload: the event name) and/or `__keyevent@<db>__:<event>`
//! (payload: the key), in the order the effects happened, as Redis's `notifyKeyspaceEvent`
//! does from inside the command.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::pubsub::PubSub;
use crate::store::{Event, EventClass};

/// The `notify-keyspace-events` setting: a set of Redis's flag letters, kept as Redis's
/// bit values so that the text form round-trips exactly as `CONFIG GET` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyspaceEvents(u32);

const KEYSPACE: u32 = 1 << 0; // K
const KEYEVENT: u32 = 1 << 1; // E
const GENERIC: u32 = 1 << 2; // g
const STRING: u32 = 1 << 3; // $
const LIST: u32 = 1 << 4; // l
const SET: u32 = 1 << 5; // s
const HASH: u32 = 1 << 6; // h
const ZSET: u32 = 1 << 7; // z
const EXPIRED: u32 = 1 << 8; // x
const EVICTED: u32 = 1 << 9; // e
const STREAM: u32 = 1 << 10; // t
const KEY_MISS: u32 = 1 << 11; // m
const MODULE: u32 = 1 << 13; // d
const NEW: u32 = 1 << 14; // n
/// `A`: every class except key misses and new keys (Redis leaves both out on purpose).
const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// The letters of the event classes, in the order Redis prints them.
const CLASS_LETTERS: [(u32, char); 11] = [
    (GENERIC, 'g'),
    (STRING, '$'),
    (LIST, 'l'),
    (SET, 's'),
    (HASH, 'h'),
    (ZSET, 'z'),
    (EXPIRED, 'x'),
    (EVICTED, 'e'),
    (STREAM, 't'),
    (MODULE, 'd'),
    (NEW, 'n'),
];

impl KeyspaceEvents {
    pub const NONE: KeyspaceEvents = KeyspaceEvents(0);

    /// Parses Redis's flag letters; `None` for any other character.
    pub fn parse(text: &str) -> Option<KeyspaceEvents> {
        let mut flags = 0;
        for c in text.chars() {
            flags |= match c {
                'A' => ALL,
                'K' => KEYSPACE,
                'E' => KEYEVENT,
                'm' => KEY_MISS,
                _ => CLASS_LETTERS.iter().find(|&&(_, l)| l == c)?.0,
            };
        }
        Some(KeyspaceEvents(flags))
    }

    /// Applies a `CONFIG SET` / config-file value, with Redis's error text. Redis reads
    /// the value as a C string: a NUL byte ends it.
    pub fn update(&mut self, text: &str) -> Result<(), String> {
        let text = text.split('\0').next().unwrap_or_default();
        *self = KeyspaceEvents::parse(text)
            .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
        Ok(())
    }

    /// The setting as `CONFIG GET` shows it: `A` when every class of `A` is on (else the
    /// class letters), then `K`, `E` and `m` (Redis's `keyspaceEventsFlagsToString`).
    pub fn show(self) -> String {
        let mut text = String::new();
        if self.0 & ALL == ALL {
            // `n` is not printed next to `A` (though it is on), as in Redis.
            text.push('A');
        } else {
            for (bit, letter) in CLASS_LETTERS {
                if self.0 & bit != 0 {
                    text.push(letter);
                }
            }
        }
        for (bit, letter) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
            if self.0 & bit != 0 {
                text.push(letter);
            }
        }
        text
    }

    /// Whether misses of read lookups are published (`m` with `K` or `E`): only then does
    /// the store record them.
    pub fn wants_key_misses(self) -> bool {
        self.publishes(KEY_MISS)
    }

    fn publishes(self, class: u32) -> bool {
        self.0 & class != 0 && self.0 & (KEYSPACE | KEYEVENT) != 0
    }

    fn class_bit(class: EventClass) -> u32 {
        match class {
            EventClass::Generic => GENERIC,
            EventClass::String => STRING,
            EventClass::List => LIST,
            EventClass::Set => SET,
            EventClass::Hash => HASH,
            EventClass::SortedSet => ZSET,
            EventClass::Stream => STREAM,
            EventClass::Expired => EXPIRED,
            EventClass::Evicted => EVICTED,
            EventClass::New => NEW,
            EventClass::KeyMiss => KEY_MISS,
            EventClass::Unpublished => 0,
        }
    }
}

/// Publishes the events the setting selects. The setting is cached in an atomic so that
/// the write path pays one relaxed load when notifications are off.
pub struct Notifier {
    flags: AtomicU32,
    pubsub: Arc<PubSub>,
}

impl Notifier {
    pub fn new(pubsub: Arc<PubSub>, events: KeyspaceEvents) -> Notifier {
        Notifier {
            flags: AtomicU32::new(events.0),
            pubsub,
        }
    }

    pub fn set(&self, events: KeyspaceEvents) {
        self.flags.store(events.0, Ordering::Relaxed);
    }

    /// Whether anything is published at all (a channel kind is on).
    #[inline]
    pub fn active(&self) -> bool {
        self.flags.load(Ordering::Relaxed) & (KEYSPACE | KEYEVENT) != 0
    }

    /// Publishes `event` on `key` of database `db` if its class is selected: first on the
    /// keyspace channel, then on the keyevent channel, as Redis does.
    pub fn notify(&self, db: usize, key: &[u8], event: Event) {
        let events = KeyspaceEvents(self.flags.load(Ordering::Relaxed));
        if !events.publishes(KeyspaceEvents::class_bit(event.class())) {
            return;
        }
        let name = event.name().as_bytes();
        if events.0 & KEYSPACE != 0 {
            let channel = channel(b"__keyspace@", db, key);
            self.pubsub.publish(&channel, name, false);
        }
        if events.0 & KEYEVENT != 0 {
            let channel = channel(b"__keyevent@", db, name);
            self.pubsub.publish(&channel, key, false);
        }
    }
}

/// `<prefix><db>__:<suffix>`.
fn channel(prefix: &[u8], db: usize, suffix: &[u8]) -> Vec<u8> {
    let mut channel = Vec::with_capacity(prefix.len() + 6 + suffix.len());
    channel.extend_from_slice(prefix);
    channel.extend_from_slice(db.to_string().as_bytes());
    channel.extend_from_slice(b"__:");
    channel.extend_from_slice(suffix);
    channel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        KeyspaceEvents::parse(text).unwrap().show()
    }

    #[test]
    fn flags_print_as_redis_prints_them() {
        assert_eq!(shown(""), "");
        assert_eq!(shown("KEA"), "AKE");
        assert_eq!(shown("EKg$lshzxetd"), "AKE");
        assert_eq!(shown("Exg"), "gxE");
        assert_eq!(shown("nmKA"), "AKm");
        assert_eq!(shown("zz$K"), "$zK");
        assert_eq!(KeyspaceEvents::parse("KEA?"), None);
        assert_eq!(KeyspaceEvents::parse("a"), None);
    }

    #[test]
    fn a_class_is_published_only_with_a_channel_kind() {
        let events = KeyspaceEvents::parse("g$").unwrap();
        assert!(!events.publishes(GENERIC));
        let events = KeyspaceEvents::parse("gE").unwrap();
        assert!(events.publishes(GENERIC));
        assert!(!events.publishes(STRING));
        assert!(!KeyspaceEvents::parse("AK").unwrap().wants_key_misses());
        assert!(KeyspaceEvents::parse("mK").unwrap().wants_key_misses());
    }
}
