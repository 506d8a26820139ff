"""Differential cases for keyspace notifications (`CONFIG SET notify-keyspace-events`), picked up
by differential.py as `--family keyspace_events`.

Every event case is: CONFIG SET notify-keyspace-events <flags>; setup commands; a subscriber on
connection 1 (["@1", "PSUBSCRIBE", "__key*__:*"]); the commands under test, each followed by
["DRAIN", "1"] (PING on the subscriber, every frame up to the PONG), so each command's events
are compared on their own, names, channels, payloads and order; then CONFIG SET
notify-keyspace-events "" so the setting does not outlive the case. Commands grouped in a tuple
in the tables below run without a DRAIN between them (expiry, blocked clients). The module's
CLEANUP (run by the harness before every case and after the random part, replies ignored) also
resets the setting, for a case that stopped at a difference before its last step.

A message is ["pmessage", "__key*__:*", "__keyspace@<db>__:<key>", <event>] and ["pmessage",
"__key*__:*", "__keyevent@<db>__:<event>", <key>]: an array in RESP2, a push (>4) in RESP3.

What redis-server 7.0.15 does (checked by hand before writing the cases down, and what the
cases pin):

Flags. Letters: g generic, $ string, l list, s set, h hash, z zset, x expired, e evicted, t
stream, d module, m key miss, n new key; K keyspace channel, E keyevent channel. A is
g$lshzxetd: neither m nor n. Nothing is published without K or E, nor without a class (K alone,
E alone, A alone publish nothing). Any other character (lower-case k / a, a space) is refused
with "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid
event class character. Use 'Ag$lshzxeKEtmdn'." and the old setting stays. CONFIG GET prints a
normal form: "A" when every class of A is set, else the class letters in the order g$lshzxetdn;
then K, E, m. So KEA and EKA print "AKE", "KEg$lshzxetd" prints "AKE", "gA" prints "A", "KKEE"
prints "KE", "K$lshzxetdmn" prints "$lshzxetdnKm", and n is NOT printed when A is (a 7.0 quirk:
"KEAn" prints "AKE" yet n events are published). The value is read as a C string: what follows
a NUL is ignored ("\x00" is accepted and means "", "E\x00Q" means "E"). CONFIG GET with the
exact name echoes the name as asked (CONFIG GET NOTIFY-keyspace-EVENTS answers with that
spelling; a glob such as notify* answers the canonical name); CONFIG SET of the parameter twice
in one command fails with "... - duplicate parameter".

Classes filter by event: $ set / setrange / append / incrby / incrbyfloat (not the `expire` of
SET EX, not the `del` of GETDEL: those are g); g del / expire / persist / rename_from /
rename_to / copy_to (and the `del` after a pop, a trim, an HDEL, SREM, SPOP, SMOVE, ZREM,
ZREMRANGEBY*, ZPOP* that emptied the key, and of a *STORE with an empty result that removed the
destination); l the list events; s, h, z their types'; x `expired`; n `new`; m `keymiss`.

Event names: SET / SETNX / SETEX / PSETEX / MSET / MSETNX / GETSET: set (+ expire when an
expiry is given: set first); MSET a 1 b 2 a 3 publishes set a, set b, set a (MSETNX e 1 e 2:
set e twice); INCR / DECR / INCRBY / DECRBY: incrby, also for an increment of 0; INCRBYFLOAT:
incrbyfloat (also for 0); APPEND: append (also APPEND k ""; on a missing key it creates "");
SETRANGE: setrange (SETRANGE with "" publishes nothing and creates nothing); GETDEL: del; GETEX
EX/PX/EXAT/PXAT: expire, PERSIST: persist (only when there was a TTL), a time in the past: del.
SET with EXAT / PXAT in the past does NOT delete: it publishes set + expire and the key is then
lazily `expired` on the next access (the cases touch it in the same DRAIN group, so active
expiry cannot move the event). EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT: expire, or del for a
time in the past (0, -1, EXPIREAT 1); nothing when NX / XX / GT / LT refuse. RENAME a b:
rename_from a then rename_to b (no `del` for an overwritten b); RENAME a a and RENAMENX a a
publish nothing. COPY: copy_to on the destination (in the DB given). HSET / HMSET / HSETNX:
hset (HSET publishes even when no value changes); HINCRBY: hincrby; HINCRBYFLOAT: hincrbyfloat
(both also for an increment of 0); HDEL: hdel (+ del). SADD: sadd (nothing when no member is
new); SREM: srem; SPOP: spop; SMOVE: srem on the source (+ del) then sadd on the destination
(no sadd when the destination already had the member; SMOVE s s m publishes nothing);
SINTERSTORE / SUNIONSTORE / SDIFFSTORE: their names, or del when the result is empty and the
destination existed (nothing if it did not). ZADD: zadd, only when something was added or a
score changed (ZADD of the same score: nothing); ZADD INCR and ZINCRBY: zincr (nothing for an
increment of 0 on an existing member, but zincr when that creates it); ZREM: zrem;
ZREMRANGEBYRANK/SCORE/LEX: zremrangebyrank/score/lex; ZPOPMIN / ZPOPMAX / BZPOPMIN / BZPOPMAX /
ZMPOP / BZMPOP: zpopmin / zpopmax (+ del); ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE /
ZRANGESTORE: their names or del as for sets. LPUSH / LPUSHX: lpush, RPUSH / RPUSHX: rpush (one
event per command, whatever the number of elements); LPOP / RPOP / LMPOP / BLPOP / BRPOP /
BLMPOP: lpop / rpop (+ del when emptied), nothing for a count of 0; LINSERT: linsert; LSET:
lset; LREM: lrem (nothing when no match); LTRIM: ltrim (on an existing list even when nothing
is trimmed, + del when emptied; nothing on a missing key). LMOVE / RPOPLPUSH / BLMOVE: the PUSH
on the destination comes FIRST, then the pop on the source, then the source's del: LMOVE l m
LEFT LEFT publishes lpush m, lpop l, del l; RPOPLPUSH l l publishes lpush l, rpop l. Commands
that fail (wrong type, not an integer, no such key) or change nothing publish nothing. FLUSHDB
/ FLUSHALL publish nothing. Events of a database other than 0 are on __keyspace@<db>__ /
__keyevent@<db>__; pub/sub itself ignores databases (the subscriber stays in db 0).

`new` (n) is published when a key is added to the database, BEFORE the command's own event: new
then set, new then lpush, new then hset ...; RENAME a b publishes new b, then rename_from a,
rename_to b, and so does RENAME onto an EXISTING b (Redis deletes b and adds it again), like
COPY REPLACE onto an existing key (new, copy_to); SET over a key of another type, *STORE over
an existing destination: no new. LMOVE into a new list: new m, lpush m, lpop l. SMOVE into a
new set: srem s (+ del s), new t, sadd t. A write onto a logically expired key: expired, new,
set.

Blocked clients served by a push: the push's events first, then the served pop's (BLPOP: rpush
l, lpop l, del l; BLMOVE l d: rpush l, then rpush d, lpop l, del l; BZPOPMIN: zadd, zpopmin,
del). Serving happens after the whole command (RPUSH l a b with two BLPOP clients: rpush, lpop,
lpop, del) or after the whole EXEC, and also after RENAME / COPY / LMOVE / ZUNIONSTORE /
ZRANGESTORE / ZADD INCR that create the key a client waits for.

Streams (class t; the stream cases also run a stream sequence under many flag sets: only t or A
lets the stream events through, g the generic ones on a stream, n the `new`): XADD publishes
xadd (new first when it creates the stream), then xtrim when its MAXLEN / MINID removed entries
(MAXLEN 0 on a new stream: new, xadd, xtrim, and the empty stream stays; an approximate `~` that
removes no whole node: xadd alone); NOMKSTREAM on a missing key, a too small id, 0-0, syntax
errors and WRONGTYPE publish nothing. XTRIM: xtrim only when it removed something (MAXLEN ~ 0
removing a whole node counts). XDEL: one xdel per command, only when it deleted something.
XSETID: xsetid on every success (the same id again too, and an id below the last one on an empty
stream), nothing on its errors or a missing key. XGROUP CREATE: xgroup-create (MKSTREAM on a
missing key: new first; MKSTREAM on an existing stream: no new; a bad id with MKSTREAM creates
nothing); CREATECONSUMER / DELCONSUMER: xgroup-createconsumer / xgroup-delconsumer only when a
consumer was created / deleted (also one with pending entries); SETID: xgroup-setid on every
success; DESTROY: xgroup-destroy only when the group existed; BUSYGROUP, NOGROUP, a missing key,
HELP: nothing.

Consumers created implicitly publish xgroup-createconsumer: XREADGROUP only when it serves a
stream (">" with new entries, or a history id even with nothing pending; one event per stream:
new consumer on two streams, two events), not for ">" with nothing new (7.0.15 creates no
consumer then), an existing consumer, NOACK re-reads, a missing key, or a stream list where one
stream lacks the group (nothing is created on the others); XCLAIM / XAUTOCLAIM only when they
claim something (not when the min-idle time or a deleted entry leaves nothing: XAUTOCLAIM then
only drops the deleted id from the PEL, silently). XACK, XPENDING, XRANGE, XREAD, XINFO:
nothing.

Generic events on streams as on other types: rename_from / rename_to, copy_to (new first),
expire, persist, move_from / move_to, del (DEL, UNLINK), restore for RESTORE (new first, REPLACE
too; RESTORE REPLACE with an ABSTTL in the past: del), expired before the access's own events
(XLEN; XADD: expired, new, xadd; XREADGROUP / XGROUP DESTROY on the expired key: expired, then
their error).

A blocked XREADGROUP creates nothing while it waits: the XADD that serves it publishes its own
events (new, xadd, xtrim), then the served client's xgroup-createconsumer if its consumer is new
(also when XGROUP DELCONSUMER removed it while it waited; after the whole EXEC of a MULTI that
adds), once per served client (two readers of one group: one XADD serves the first, the next
XADD the second); a served XREAD adds nothing (XADD into a missing key: new, xadd); XADD MAXLEN
0 serves a waiting XREADGROUP an empty entry list, and still creates its consumer (xadd, xtrim,
xgroup-createconsumer). A blocked XREADGROUP woken with an error by DEL or XGROUP DESTROY: only
that command's del / xgroup-destroy.

Key misses on streams (m): XRANGE, XREVRANGE, XLEN, XINFO STREAM / GROUPS / CONSUMERS, XPENDING,
XACK, XCLAIM, XAUTOCLAIM and XREADGROUP miss a missing key once; XREAD twice per missing key (it
looks each key up twice, also with `$` and BLOCK); XADD NOMKSTREAM, XDEL, XTRIM, XSETID and
XGROUP miss nothing.

MULTI / EXEC: nothing while commands are queued; at EXEC the events of every command in order,
SELECT inside the transaction switching the db of the following ones; a failing command in the
middle publishes nothing, the others do; EXECABORT, DISCARD and an EXEC failed by WATCH publish
nothing.

Lazy expiry (x): PEXPIRE k 25, SLEEP 120 ms, then any access (GET, EXISTS, TTL, TYPE, DEL, SET,
LPUSH, RENAME, OBJECT ENCODING, EXEC of a GET) publishes `expired` before anything else of that
command. Active expiry may delete the key during the sleep instead; it publishes the same
`expired` at that moment, so the frames read by the DRAIN after the access are the same either
way (the cases never DRAIN between the PEXPIRE and the access, and expire one key at a time, as
active expiry deletes several in its own order). Not PEXPIRE k 1: Redis computes the deadline
from one clock reading and checks "already expired" with a second one, so when the millisecond
ticks in between, PEXPIRE k 1 deletes the key at once and publishes `del` instead of `expire`
(seen once in a run between two redis-servers).

Key misses (m, `keymiss` on the key, on both channels): the read commands that look a key up
for reading and do not find it (missing or just expired: expired then keymiss): GET, MGET (one
per missing key, existing ones and wrong types none), GETRANGE / SUBSTR, STRLEN, EXISTS (one
per missing argument, repeats included), TYPE, TTL, PTTL, EXPIRETIME, PEXPIRETIME, TOUCH, LCS
(each missing key), GETDEL, GETEX (with or without options), SET ... GET and GETSET on a
missing key (keymiss, then new, then set), COPY from a missing source, HGET / HMGET / HGETALL /
HEXISTS / HLEN / HKEYS / HVALS / HSTRLEN / HRANDFIELD / HSCAN, LRANGE / LLEN / LINDEX / LPOS,
SMEMBERS / SISMEMBER / SMISMEMBER / SCARD / SRANDMEMBER / SSCAN, SINTER / SUNION / SDIFF /
SINTERCARD and the *STORE forms (every missing source key, even after the first: SINTER s n1 n2
misses n1 and n2), ZRANGE (all forms) / ZREVRANGE* / ZRANGEBY* / ZSCORE / ZMSCORE / ZCARD /
ZRANK / ZREVRANK / ZCOUNT / ZLEXCOUNT / ZRANDMEMBER / ZSCAN / ZUNION / ZINTER / ZDIFF /
ZINTERCARD and the *STORE forms / ZRANGESTORE's source. No keymiss: write commands on a missing
key (DEL, LPOP, RPOP, LMPOP, ZPOPMIN, ZMPOP, SPOP, SREM, ZREM, HDEL, LSET, LTRIM, LINSERT,
LREM, LMOVE / RPOPLPUSH / SMOVE sources, RENAME, RENAMENX, EXPIRE, PERSIST, SETNX, MSETNX,
HSETNX, APPEND, SETRANGE, INCR ...), BLPOP / BZPOPMIN timing out, OBJECT ENCODING / FREQ /
REFCOUNT / IDLETIME, SCAN / KEYS / DBSIZE, and a wrong type (WRONGTYPE is no miss).

A RESP3 client subscribed to its own key's channel gets the event pushed before the reply of
the command that caused it (a RESP2 one cannot run the command: subscribed mode).

SPOP's reply is compared by its first line only (normalize): which members come out is random;
the cases never depend on which.

Random part (random_command): a sequence that first sets the flags and subscribes connection 1,
then runs random write and read commands of every type (streams included), each type over its
own two keys plus a shared one (x), in two databases, each followed by a DRAIN of the
subscriber; now and then it changes the flags (among valid sets incl. m and n), reads CONFIG
GET, or runs a MULTI / EXEC of a few commands with one DRAIN after the EXEC. It leaves out what
would not be deterministic between two servers: random members (SPOP, SRANDMEMBER ...),
unordered replies (SMEMBERS, HGETALL), relative TTLs that really elapse (only EXPIREAT / GETEX
EXAT far in the future, and times in the past, which delete at once), and SET with a past EXAT
(its lazy `expired` would move with active expiry); blocking pops only with a 0.01 s timeout on
the main connection (XREAD BLOCK 1 on `$`). Stream ids are all explicit ("n-1", n growing over
the sequence, so most XADDs succeed; older ones for XDEL / XACK / XCLAIM / MINID and the
id-order error), and the random part never reads idle times (no XPENDING extended form, no
XINFO).
"""

from diff_streams import DUMP_STREAM  # a stream dumped by redis-server 7.0.15

SUB = ["@1", "PSUBSCRIBE", "__key*__:*"]
DRAIN = ["DRAIN", "1"]
FUTURE = "4102444800"  # 2100-01-01: absolute times keep replies clock-independent
FUTURE_MS = "4102444800000"


def _flags(value):
    return ["CONFIG", "SET", "notify-keyspace-events", value]


OFF = _flags("")

# Run by the harness (differential.py) on both main connections before every case and after
# the random part, replies ignored: no setting left behind by a case stopped at a difference.
CLEANUP = [OFF]


def _case(flags, steps, setup=()):
    """CONFIG SET flags; setup; subscriber; each step (a command, or a tuple of steps run
    without a DRAIN between them) followed by a DRAIN; notifications off."""
    out = [_flags(flags)] + [list(s) for s in setup] + [SUB]
    for item in steps:
        if isinstance(item, tuple):
            out.extend(list(s) for s in item)
        else:
            out.append(list(item))
        out.append(DRAIN)
    out.append(OFF)
    return out


def _expired(key, access):
    """PEXPIRE key 25, sleep 120 ms, then the access: one DRAIN group (see the docstring)."""
    return (["PEXPIRE", key, "25"], ["SLEEP", "120"], access)


def _blocked(block, trigger, conn="@2"):
    """A client blocked by `block`, served by `trigger` on the main connection, its reply
    read before the events are drained."""
    return ([conn + ">"] + block, ["WAITBLOCKED", "1"], trigger, [conn + "<"])


# ---------------------------------------------------------------------------------------
# Flag parsing: CONFIG SET / GET
# ---------------------------------------------------------------------------------------

VALID_FLAGS = ["", "K", "E", "g", "$", "l", "s", "h", "z", "x", "e", "t", "m", "d", "n", "A",
               "KA", "EA", "KEA", "AKE", "EKA", "Kg", "K$lshzxetdmn", "KEg$lshzxetd",
               "KEg$lshzxetdm", "KEg$lshzxetdmn", "KEg$lshzxet", "KEg$lshzxetdn", "Kn", "Km",
               "En", "KEmn", "KEAmn", "KEAn", "KEAm", "gA", "KKEE", "AA", "mn", "nm", "g$",
               "$g", "KEAd", "zsE", "xKe", "KEA$", "lK", "Eh"]

INVALID_FLAGS = ["Q", "KEQ", "a", "k", "KEa", "K E", "KE ", " ", "*", "G", "KE1", "KEA!", "é"]


def _roundtrip(values):
    steps = []
    for v in values:
        steps += [_flags(v), ["CONFIG", "GET", "notify-keyspace-events"]]
    return steps


FLAG_CASES = [
    _roundtrip(VALID_FLAGS[:25]) + [OFF],
    _roundtrip(VALID_FLAGS[25:]) + [OFF],
    # An invalid character: the error, and the previous setting kept (printed back).
    [_flags("KEg")] + _roundtrip(INVALID_FLAGS)
    + [OFF, ["CONFIG", "GET", "notify-keyspace-events"]],
    # The value is a C string for Redis: what follows a NUL is ignored ("\x00" means "").
    [_flags("KEg"), _flags("\x00"), ["CONFIG", "GET", "notify-keyspace-events"], _flags("KEg"),
     _flags("E\x00Q"), ["CONFIG", "GET", "notify-keyspace-events"], OFF],
    # The parameter name in any case, CONFIG GET by pattern, arity, and two values at once.
    [["CONFIG", "SET", "NOTIFY-KEYSPACE-EVENTS", "Elg"], ["CONFIG", "GET", "notify*"],
     ["CONFIG", "GET", "NOTIFY-keyspace-EVENTS"], ["CONFIG", "GET", "notify-keyspace-event?"],
     ["CONFIG", "SET", "notify-keyspace-events"],
     ["CONFIG", "SET", "notify-keyspace-events", "KEA", "notify-keyspace-events", "g"],
     ["CONFIG", "GET", "notify-keyspace-events"], OFF, ["CONFIG", "GET", "notify*"]],
]

# ---------------------------------------------------------------------------------------
# Which events each class lets through: one command sequence touching every class, run
# under many flag sets.
# ---------------------------------------------------------------------------------------

CLASS_SEQUENCE = [
    ["SET", "a", "1", "EX", "100"], ["RENAME", "a", "b"], ["APPEND", "b", "x"],
    ["INCR", "i"], ["RPUSH", "l", "x"], ["LPOP", "l"], ["SADD", "s", "m"], ["SREM", "s", "m"],
    ["HSET", "h", "f", "v"], ["HDEL", "h", "f"], ["ZADD", "z", "1", "m"], ["ZREM", "z", "m"],
    ["COPY", "b", "c"], ["PERSIST", "b"], ["DEL", "b"], ["GET", "nokey"],
    (["SET", "p", "1", "PXAT", "1"], ["EXISTS", "p"]), _expired("c", ["GET", "c"]), ["FLUSHALL"],
]

CLASS_FLAGS = ["", "K", "E", "A", "g$lshzxetdmn", "K$", "E$", "Kg", "Eg", "Kl", "Ks", "Kh",
               "Kz", "Kx", "Ex", "Kn", "En", "Km", "Em", "Ke", "Kt", "Kd", "KA", "EA", "KEA",
               "KEAn", "KEAm", "KEAmn", "KElshz", "Egx", "KE$n", "Kgm"]

CLASS_CASES = [_case(f, CLASS_SEQUENCE) for f in CLASS_FLAGS]

# ---------------------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------------------

# MOVE: new and move_to in the target database, move_from here; nothing when it cannot move.
MOVES = [
    _case("KEAn", [
        ["MOVE", "a", "1"], ["MOVE", "a", "1"], ["MOVE", "b", "1"], ["MOVE", "nokey", "1"],
        ["MOVE", "b", "0"], ["MOVE", "b", "99"], ["MOVE", "l", "2"], ["MULTI"], ["MOVE", "c", "3"],
        ["SET", "c", "again"], ["MOVE", "c", "4"], ["EXEC"],
    ], setup=[["SET", "a", "1", "EX", "100"], ["SET", "b", "here"], ["SELECT", "1"],
              ["SET", "b", "there"], ["SELECT", "0"], ["RPUSH", "l", "x"], ["SET", "c", "1"]]),
]

STRINGS = [
    _case("KEA", [
        ["SET", "k", "v"], ["SET", "k", "v"], ["SET", "k", "w", "NX"], ["SET", "k", "w", "XX"],
        ["SET", "n", "w", "XX"], ["SET", "k", "v", "EX", "100"], ["SET", "k", "v", "PX", "100000"],
        ["SET", "k", "v", "EXAT", FUTURE], ["SET", "k", "v", "PXAT", FUTURE_MS],
        ["SET", "k", "w", "KEEPTTL"], ["SET", "k", "x", "GET"], ["SET", "g", "x", "GET"],
        ["SET", "k", "y", "XX", "GET", "PX", "5000"], ["SET", "k", "z", "NX", "GET"],
        ["SET", "k", "z", "NX", "EX", "10"], ["SET", "k", "v", "EX", "0"],
        ["SET", "k", "v", "EX", "x"], ["SET", "k", "v", "NX", "XX"], ["SET", "k"],
        ["SET", "k", "v", "KEEPTTL", "EX", "5"],
    ]),
    # SET with an expiry time in the past: set + expire, then expired on the next access.
    _case("KEA", [
        (["SET", "k", "v", "EXAT", "1"], ["EXISTS", "k"]),
        (["SET", "k", "v", "PXAT", "1"], ["GET", "k"]),
        ["SET", "k", "v"], (["SET", "k", "w", "PXAT", "1", "GET"], ["SET", "k", "x"]),
        ["DEL", "k"],
    ]),
    _case("KEA", [
        ["SETNX", "k", "v"], ["SETNX", "k", "w"], ["SETEX", "k", "100", "v"],
        ["SETEX", "e", "100", "v"], ["PSETEX", "k", "100000", "v"], ["SETEX", "k", "0", "v"],
        ["PSETEX", "k", "-1", "v"], ["SETEX", "k", "x", "v"],
        ["MSET", "a", "1", "b", "2", "a", "3"], ["MSET", "a"], ["MSETNX", "a", "1", "c", "2"],
        ["MSETNX", "c", "1", "d", "2"], ["MSETNX", "e2", "1", "e2", "2"],
        ["GETSET", "a", "5"], ["GETSET", "z", "5"], ["GETDEL", "z"], ["GETDEL", "z"],
    ]),
    _case("KEA", [
        ["SET", "a", "5"], ["GETEX", "a", "EX", "100"], ["GETEX", "a", "PX", "100000"],
        ["GETEX", "a", "EXAT", FUTURE], ["GETEX", "a", "PXAT", FUTURE_MS],
        ["GETEX", "a", "PERSIST"], ["GETEX", "a", "PERSIST"], ["GETEX", "a"],
        ["GETEX", "nokey", "EX", "100"], ["GETEX", "a", "EX", "0"], ["GETEX", "a", "EX", "-5"],
        ["GETEX", "a", "EXAT", "1"], ["GETEX", "a", "PERSIST"], ["SET", "a", "1"],
        ["GETEX", "a", "PXAT", "1"], ["SET", "a", "1"], ["GETEX", "a", "PX", "0"],
    ]),
    _case("KEA", [
        ["APPEND", "s", "x"], ["APPEND", "s", "yz"], ["APPEND", "s", ""], ["APPEND", "e", ""],
        ["EXISTS", "e"], ["SETRANGE", "s", "0", "z"], ["SETRANGE", "s", "10", "q"],
        ["SETRANGE", "s", "0", ""], ["SETRANGE", "s", "100", ""], ["SETRANGE", "n", "0", ""],
        ["SETRANGE", "n", "3", ""], ["EXISTS", "n"], ["SETRANGE", "n2", "2", "x"],
        ["SETRANGE", "s", "-1", "x"], ["STRLEN", "s"], ["GET", "s"],
    ]),
    _case("KEA", [
        ["INCR", "i"], ["DECR", "i"], ["INCRBY", "i", "5"], ["DECRBY", "i", "5"],
        ["INCRBY", "i", "0"], ["DECRBY", "i", "-7"], ["INCRBYFLOAT", "i", "1.5"],
        ["INCRBYFLOAT", "i", "0"], ["INCRBYFLOAT", "f", "-2.5e2"], ["SET", "s", "abc"],
        ["INCR", "s"], ["INCRBYFLOAT", "s", "1"], ["INCRBY", "i", "x"],
        ["SET", "m", "9223372036854775807"], ["INCR", "m"], ["INCRBYFLOAT", "i", "inf"],
        ["GET", "i"],
    ]),
    # Binary and empty key names appear in the channel / payload as they are.
    _case("KEA", [
        ["SET", "", "v"], ["SET", "a b\r\nc", "v"], ["SET", "__keyspace@0__:x", "v"],
        ["SET", "k\x00k", "v"], ["DEL", "", "a b\r\nc", "__keyspace@0__:x", "k\x00k"],
    ]),
    # Wrong types publish nothing.
    _case("KEA", [
        ["GET", "l"], ["SET", "k", "v"], ["LPUSH", "k", "x"], ["HSET", "k", "f", "v"],
        ["SADD", "k", "m"], ["ZADD", "k", "1", "m"], ["INCR", "l"], ["APPEND", "l", "x"],
        ["SETRANGE", "l", "0", "x"], ["GETSET", "l", "x"], ["GETDEL", "l"], ["SET", "l", "s"],
    ], setup=[["RPUSH", "l", "a"]]),
]

# ---------------------------------------------------------------------------------------
# Generic keyspace commands
# ---------------------------------------------------------------------------------------

KEYSPACE = [
    _case("KEA", [
        ["DEL", "a", "b", "x"], ["DEL", "x"], ["DEL", "c", "c"], ["UNLINK", "d", "x", "e"],
        ["UNLINK", "x"], ["DEL", "l", "h", "s", "z"],
    ], setup=[["MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"], ["RPUSH", "l", "x"],
              ["HSET", "h", "f", "v"], ["SADD", "s", "m"], ["ZADD", "z", "1", "m"]]),
    _case("KEA", [
        ["EXPIRE", "a", "100"], ["PEXPIRE", "a", "100000"], ["EXPIREAT", "a", FUTURE],
        ["PEXPIREAT", "a", FUTURE_MS], ["EXPIRE", "a", "200", "NX"], ["EXPIRE", "a", "200", "XX"],
        ["EXPIRE", "a", "100", "GT"], ["EXPIRE", "a", "300", "LT"], ["EXPIRE", "a", "300", "GT"],
        ["EXPIRE", "a", "100", "LT"], ["PERSIST", "a"], ["PERSIST", "a"],
        ["EXPIRE", "a", "100", "XX"], ["EXPIRE", "a", "100", "GT"], ["EXPIRE", "a", "100", "LT"],
        ["EXPIRE", "a", "100", "NX"], ["EXPIRE", "x", "100"], ["PERSIST", "x"],
        ["EXPIRE", "a", "100", "NX", "XX"], ["EXPIRE", "a", "x"], ["PEXPIRE", "a", "100", "FOO"],
    ], setup=[["SET", "a", "1"]]),
    # Times in the past delete at once: del (not expired).
    _case("KEA", [
        ["EXPIRE", "a", "-1"], ["SET", "a", "1"], ["EXPIREAT", "a", "1"], ["SET", "a", "1"],
        ["PEXPIREAT", "a", "1"], ["SET", "a", "1"], ["PEXPIRE", "a", "0"], ["SET", "a", "1"],
        ["EXPIRE", "a", "0", "NX"], ["SET", "a", "1", "EX", "100"], ["EXPIRE", "a", "0", "NX"],
        ["EXPIRE", "a", "0", "XX"], ["SET", "a", "1", "EX", "100"], ["EXPIRE", "a", "-5", "GT"],
        ["EXPIRE", "a", "-5", "LT"], ["RPUSH", "l", "x"], ["PEXPIREAT", "l", "0"],
        ["EXISTS", "a", "l"],
    ], setup=[["SET", "a", "1"]]),
    _case("KEA", [
        ["RENAME", "a", "b"], ["RENAME", "b", "b"], ["RENAME", "b", "c"], ["RENAME", "x", "y"],
        ["RENAMENX", "c", "d"], ["RENAMENX", "d", "e"], ["RENAMENX", "d", "d"],
        ["RENAMENX", "x", "y"], ["RENAME", "l", "d"], ["RENAME", "d", "nl"],
        ["RENAME", "e", "e"], ["RENAMENX", "e", "e"],
    ], setup=[["SET", "a", "1", "EX", "100"], ["SET", "c", "x"], ["SET", "e", "1"],
              ["RPUSH", "l", "x"]]),
    _case("KEA", [
        ["COPY", "c", "f"], ["COPY", "c", "f"], ["COPY", "c", "f", "REPLACE"],
        ["COPY", "c", "f", "DB", "1"], ["COPY", "c", "f", "DB", "1"],
        ["COPY", "c", "f", "DB", "1", "REPLACE"], ["COPY", "c", "c"], ["COPY", "c", "c", "DB", "1"],
        ["COPY", "c", "c", "DB", "0"], ["COPY", "x", "y"], ["COPY", "l", "m"],
        ["COPY", "c", "g", "DB", "0"], ["COPY", "c", "f", "DB", "99"],
        ["COPY", "c", "f", "FOO"],
    ], setup=[["SET", "c", "1", "EX", "100"], ["RPUSH", "l", "a", "b"]]),
    # FLUSHDB / FLUSHALL publish nothing, whatever they delete.
    _case("KEA", [
        ["FLUSHDB"], ["SET", "k", "v"], ["FLUSHDB", "ASYNC"], ["SET", "k", "v"],
        ["FLUSHALL"], ["SET", "k", "v"], ["FLUSHALL", "SYNC"], ["FLUSHDB"], ["FLUSHALL"],
    ], setup=[["MSET", "a", "1", "b", "2"], ["RPUSH", "l", "x"], ["SELECT", "1"],
              ["SET", "k1", "v"], ["SELECT", "0"]]),
    # Another database: its number in both channel names.
    _case("KEA", [
        ["SELECT", "1"], ["SET", "k", "v"], ["RENAME", "k", "r"], ["SELECT", "15"],
        ["MSET", "a", "1", "b", "2"], ["LPUSH", "l", "x"], ["LPOP", "l"], ["SELECT", "9"],
        ["COPY", "x", "y", "DB", "3"], ["SET", "x", "1"], ["COPY", "x", "y", "DB", "3"],
        ["EXPIRE", "x", "100"], ["DEL", "x"], ["SELECT", "0"], ["SET", "k", "v"],
    ]),
    # The subscriber's own database does not matter (a RESP3 subscriber may SELECT; RESP2
    # refuses it in subscribed mode): it gets every database's events.
    _case("KEA", [
        ["@1", "SELECT", "5"], ["SET", "k", "v"], ["SELECT", "5"], ["SET", "k", "v"],
        ["SELECT", "0"],
    ]),
    # Reads and no-ops publish nothing (without m).
    _case("KEA", [
        ["GET", "k"], ["GET", "nokey"], ["EXISTS", "k"], ["TYPE", "k"], ["TTL", "k"],
        ["STRLEN", "k"], ["TOUCH", "k"], ["OBJECT", "ENCODING", "k"], ["KEYS", "*"],
        ["DBSIZE"], ["MGET", "k", "nokey"], ["LRANGE", "l", "0", "-1"],
        ["EXPIRETIME", "k"], ["LCS", "k", "k"], ["PING"],
    ], setup=[["SET", "k", "v"], ["RPUSH", "l", "x"]]),
]

# ---------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------

LISTS = [
    _case("KEA", [
        ["LPUSH", "l", "a"], ["LPUSH", "l", "b", "c"], ["RPUSH", "l", "d", "e", "f"],
        ["LPUSHX", "l", "x"], ["RPUSHX", "l", "y", "z"], ["LPUSHX", "nol", "x"],
        ["RPUSHX", "nol", "x"], ["LPUSH", "s", "x"], ["LPUSHX", "s", "x"],
    ], setup=[["SET", "s", "str"]]),
    _case("KEA", [
        ["LPOP", "l"], ["RPOP", "l"], ["LPOP", "l", "2"], ["RPOP", "l", "1"], ["RPOP", "l", "0"],
        ["LPOP", "nol"], ["LPOP", "nol", "3"], ["LPOP", "l", "-1"], ["RPOP", "l", "10"],
        ["EXISTS", "l"], ["RPUSH", "l", "a"], ["RPOP", "l"],
    ], setup=[["RPUSH", "l", "a", "b", "c", "d", "e", "f", "g"]]),
    _case("KEA", [
        ["LINSERT", "l", "BEFORE", "b", "x"], ["LINSERT", "l", "AFTER", "zz", "y"],
        ["LINSERT", "nol", "BEFORE", "a", "b"], ["LSET", "l", "0", "q"], ["LSET", "l", "99", "q"],
        ["LSET", "nol", "0", "q"], ["LREM", "l", "0", "a"], ["LREM", "l", "0", "zz"],
        ["LREM", "l", "-1", "c"], ["LREM", "nol", "0", "a"], ["LTRIM", "l", "0", "-1"],
        ["LTRIM", "l", "1", "1"], ["LTRIM", "nol", "0", "1"], ["LTRIM", "l", "5", "10"],
        ["EXISTS", "l"], ["RPUSH", "l", "a", "a"], ["LREM", "l", "0", "a"],
    ], setup=[["RPUSH", "l", "q", "b", "c", "a", "c"]]),
    # LMOVE / RPOPLPUSH: the push on the destination first.
    _case("KEA", [
        ["RPOPLPUSH", "l", "l"], ["LMOVE", "l", "m", "RIGHT", "LEFT"],
        ["LMOVE", "l", "m", "LEFT", "RIGHT"], ["LMOVE", "l", "l", "LEFT", "RIGHT"],
        ["LMOVE", "l", "m", "LEFT", "LEFT"], ["LMOVE", "nol", "m", "LEFT", "LEFT"],
        ["RPOPLPUSH", "m", "n"], ["RPOPLPUSH", "m", "s"], ["LMOVE", "m", "m", "RIGHT", "RIGHT"],
        ["RPOPLPUSH", "m", "m"], ["LMOVE", "m", "o", "RIGHT", "LEFT"], ["LLEN", "m"],
    ], setup=[["RPUSH", "l", "a", "b", "c", "d"], ["SET", "s", "str"]]),
    _case("KEA", [
        ["LMPOP", "2", "x", "a", "LEFT", "COUNT", "2"], ["LMPOP", "1", "a", "RIGHT"],
        ["LMPOP", "2", "x", "y", "LEFT"], ["LMPOP", "1", "a", "RIGHT", "COUNT", "5"],
        ["LMPOP", "1", "a", "LEFT", "COUNT", "0"],
        ["BLPOP", "x", "b", "0"], ["BRPOP", "b", "0"], ["BRPOP", "b", "0.01"],
        ["BLMOVE", "c", "d", "LEFT", "RIGHT", "0"], ["BLMOVE", "c", "c", "RIGHT", "LEFT", "0"],
        ["BRPOPLPUSH", "c", "d", "0"], ["BLMPOP", "0", "2", "x", "d", "LEFT", "COUNT", "3"],
        ["BLMPOP", "0.01", "1", "d", "RIGHT"],
    ], setup=[["RPUSH", "a", "1", "2", "3", "4"], ["RPUSH", "b", "1", "2"],
              ["RPUSH", "c", "1", "2"]]),
    # Served after blocking: the push's events, then the served client's.
    _case("KEA", [
        _blocked(["BLPOP", "l", "0"], ["RPUSH", "l", "a"]),
        _blocked(["BLPOP", "l", "0"], ["RPUSH", "l", "a", "b"]),
        _blocked(["BRPOP", "x", "l3", "0"], ["LPUSH", "l3", "c"]),
        _blocked(["BRPOP", "l2", "0"], ["LPUSH", "l2", "a", "b"]),
        ["DEL", "l", "l2", "l3"],
    ]),
    _case("KEA", [
        _blocked(["BLMOVE", "l", "d", "LEFT", "RIGHT", "0"], ["RPUSH", "l", "a"]),
        _blocked(["BLMOVE", "l", "l", "LEFT", "RIGHT", "0"], ["RPUSH", "l", "b"]),
        _blocked(["BRPOPLPUSH", "e", "d", "0"], ["RPUSH", "e", "a", "b"]),
        _blocked(["BLMPOP", "0", "2", "x", "y", "LEFT", "COUNT", "5"], ["RPUSH", "y", "a", "b"]),
        _blocked(["BLMPOP", "0", "1", "x", "RIGHT", "COUNT", "1"], ["LPUSH", "x", "a", "b"]),
        ["DEL", "l", "d", "e", "x"],
    ]),
    # Served by LMOVE, RPOPLPUSH, RENAME, COPY into the waited-for key; two clients served by
    # one push.
    _case("KEA", [
        _blocked(["BLPOP", "l", "0"], ["LMOVE", "s", "l", "LEFT", "LEFT"]),
        _blocked(["BLPOP", "l", "0"], ["RPOPLPUSH", "s", "l"]),
        _blocked(["BLPOP", "l", "0"], ["RENAME", "t", "l"]),
        _blocked(["BLPOP", "m", "0"], ["COPY", "u", "m"]),
        (["@2>", "BLPOP", "q", "0"], ["WAITBLOCKED", "1"], ["@3>", "BLPOP", "q", "0"],
         ["WAITBLOCKED", "2"],
         ["RPUSH", "q", "a", "b", "c"], ["@2<"], ["@3<"]),
        ["DEL", "l", "m", "q", "u"],
    ], setup=[["RPUSH", "s", "x", "y"], ["RPUSH", "t", "a", "b"], ["RPUSH", "u", "a"]]),
    # A push served in another database; a push and a pop in one EXEC (the blocked client is
    # not served: the list is empty again when EXEC ends), then served by a later push.
    _case("KEA", [
        (["@2", "SELECT", "2"], ["@2>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"],
         ["SELECT", "2"], ["RPUSH", "l", "a"], ["@2<"], ["SELECT", "0"]),
        (["@2", "SELECT", "0"], ["@2>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["MULTI"],
         ["RPUSH", "l", "a"], ["LPOP", "l"], ["EXEC"], ["WAITBLOCKED", "1"]),
        (["RPUSH", "l", "b"], ["@2<"]),
        (["@2>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["MULTI"], ["RPUSH", "l", "a"],
         ["RPUSH", "l", "b"], ["EXEC"], ["@2<"]),
        ["DEL", "l"],
    ]),
]

# ---------------------------------------------------------------------------------------
# Hashes
# ---------------------------------------------------------------------------------------

HASHES = [
    _case("KEA", [
        ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "1"], ["HSET", "h", "a", "2"],
        ["HMSET", "h", "c", "3"], ["HMSET", "h", "c", "3", "d", "4"], ["HSETNX", "h", "c", "4"],
        ["HSETNX", "h", "e", "4"], ["HSETNX", "h2", "f", "v"], ["HDEL", "h", "a", "zz"],
        ["HDEL", "h", "zz"], ["HDEL", "nokey", "a"], ["HINCRBY", "h", "n", "5"],
        ["HINCRBY", "h", "n", "0"], ["HINCRBYFLOAT", "h", "f", "1.5"],
        ["HINCRBYFLOAT", "h", "f", "0"], ["HINCRBY", "h", "b", "x"], ["HINCRBY", "h", "e", "1"],
        ["HSET", "h", "s", "str"], ["HINCRBY", "h", "s", "1"], ["HINCRBYFLOAT", "h", "s", "1"],
        ["HDEL", "h", "b", "c", "d", "e", "n", "f", "s"], ["EXISTS", "h"],
        ["HINCRBYFLOAT", "h3", "f", "2"], ["HINCRBY", "h4", "f", "-1"], ["HSET", "h"],
        ["HSET", "h", "a"], ["HSET", "k", "f", "v"], ["HDEL", "h3", "f"],
    ], setup=[["SET", "k", "v"]]),
]

# ---------------------------------------------------------------------------------------
# Sets
# ---------------------------------------------------------------------------------------

SETS = [
    _case("KEA", [
        ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SADD", "s", "a", "d"],
        ["SREM", "s", "a", "zz"], ["SREM", "s", "zz"], ["SREM", "nokey", "a"],
        ["SREM", "s", "b", "c", "d"], ["EXISTS", "s"], ["SADD", "k", "x"], ["SREM", "k", "x"],
    ], setup=[["SET", "k", "v"]]),
    # SPOP: one member of a one-member set, or every member, so the state stays the same on
    # both servers; SPOP with a count smaller than the set is compared by count only.
    _case("KEA", [
        ["SPOP", "one"], ["SPOP", "one"], ["SPOP", "nokey"], ["SPOP", "s", "0"],
        ["SPOP", "s", "2"], ["SPOP", "s", "10"], ["EXISTS", "s"], ["SPOP", "t", "3"],
        ["SPOP", "u", "-1"], ["SPOP", "nokey", "2"],
    ], setup=[["SADD", "one", "x"], ["SADD", "s", "a", "b", "c"], ["SADD", "t", "1", "2", "3"],
              ["SADD", "u", "m"]]),
    _case("KEA", [
        ["SMOVE", "s", "t", "a"], ["SMOVE", "s", "t", "zz"], ["SMOVE", "s", "t", "b"],
        ["SMOVE", "t", "t", "a"], ["SMOVE", "t", "t", "zz"], ["SMOVE", "nokey", "t", "a"],
        ["SADD", "s", "a"], ["SMOVE", "s", "t", "a"], ["SMOVE", "t", "u", "a"],
        ["SMOVE", "t", "k", "b"], ["SMOVE", "k", "t", "b"],
    ], setup=[["SADD", "s", "a", "b"], ["SET", "k", "v"]]),
    _case("KEA", [
        ["SINTERSTORE", "d", "x", "y"], ["SUNIONSTORE", "d", "x", "y"],
        ["SDIFFSTORE", "d", "x", "y"], ["SINTERSTORE", "d", "x", "nokey"],
        ["SINTERSTORE", "d", "x", "nokey"], ["SDIFFSTORE", "d", "x", "x"],
        ["SUNIONSTORE", "d", "nokey"], ["SADD", "d", "1"], ["SUNIONSTORE", "d", "nokey", "n2"],
        ["SINTERSTORE", "x", "x", "y"], ["SUNIONSTORE", "k", "x"], ["SDIFFSTORE", "e", "y", "x"],
        ["SINTERSTORE", "d", "x", "k"], ["SDIFFSTORE", "e", "nokey", "y"],
    ], setup=[["SADD", "x", "1", "2", "3"], ["SADD", "y", "2", "3", "4"], ["SET", "k", "v"]]),
]

# ---------------------------------------------------------------------------------------
# Sorted sets
# ---------------------------------------------------------------------------------------

SORTED_SETS = [
    _case("KEA", [
        ["ZADD", "z", "1", "a", "2", "b"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"],
        ["ZADD", "z", "NX", "9", "a"], ["ZADD", "z", "NX", "3", "c"],
        ["ZADD", "z", "XX", "9", "zz"],
        ["ZADD", "z", "XX", "6", "a"], ["ZADD", "z", "GT", "1", "a"], ["ZADD", "z", "LT", "1", "a"],
        ["ZADD", "z", "GT", "CH", "10", "a"], ["ZADD", "z", "CH", "10", "a"],
        ["ZADD", "z", "INCR", "1", "a"], ["ZADD", "z", "NX", "INCR", "1", "a"],
        ["ZADD", "z", "INCR", "0", "a"], ["ZADD", "z", "XX", "INCR", "1", "new"],
        ["ZADD", "z", "GT", "INCR", "-1", "a"], ["ZADD", "z1", "GT", "1", "x"],
        ["ZADD", "z2", "XX", "1", "x"], ["EXISTS", "z2"], ["ZADD", "z3", "INCR", "0", "x"],
        ["ZADD", "z", "NX", "XX", "1", "a"], ["ZADD", "z", "x", "a"], ["ZADD", "k", "1", "a"],
        ["ZADD", "z", "1", "a", "1", "a"], ["ZADD", "z", "LT", "CH", "0", "a", "7", "q"],
    ], setup=[["SET", "k", "v"]]),
    _case("KEA", [
        ["ZINCRBY", "z", "1", "a"], ["ZINCRBY", "z", "0", "a"], ["ZINCRBY", "z", "x", "a"],
        ["ZINCRBY", "n", "0", "a"], ["ZINCRBY", "z", "-2", "b"], ["ZREM", "z", "a", "zz"],
        ["ZREM", "z", "zz"], ["ZREM", "nokey", "a"], ["ZREM", "z", "b"], ["EXISTS", "z"],
    ], setup=[["ZADD", "z", "1", "a"]]),
    _case("KEA", [
        ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZREMRANGEBYRANK", "z", "10", "20"],
        ["ZREMRANGEBYSCORE", "z", "2", "2"], ["ZREMRANGEBYSCORE", "z", "100", "200"],
        ["ZREMRANGEBYSCORE", "z", "(3", "3"], ["ZREMRANGEBYRANK", "nokey", "0", "-1"],
        ["ZREMRANGEBYLEX", "lex", "[a", "[a"], ["ZREMRANGEBYLEX", "lex", "[zz", "[zzz"],
        ["ZREMRANGEBYLEX", "lex", "(b", "+"], ["ZREMRANGEBYLEX", "lex", "x", "y"],
        ["ZREMRANGEBYLEX", "lex", "-", "+"], ["ZREMRANGEBYSCORE", "z", "-inf", "+inf"],
        ["EXISTS", "z", "lex"],
    ], setup=[["ZADD", "z", "1", "a", "2", "b", "2", "c", "3", "d", "4", "e"],
              ["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d"]]),
    _case("KEA", [
        ["ZPOPMIN", "z"], ["ZPOPMAX", "z"], ["ZPOPMIN", "z", "0"], ["ZPOPMIN", "nokey"],
        ["ZPOPMAX", "z", "-1"], ["ZPOPMAX", "z", "5"], ["EXISTS", "z"],
        ["ZMPOP", "2", "nokey", "y", "MIN", "COUNT", "1"], ["ZMPOP", "1", "y", "MAX"],
        ["ZMPOP", "1", "y", "MAX", "COUNT", "5"], ["ZMPOP", "1", "y", "MIN"],
        ["BZPOPMIN", "w", "0"], ["BZPOPMAX", "w", "0"], ["BZPOPMIN", "w", "0.01"],
        ["BZMPOP", "0", "1", "v", "MAX"], ["BZMPOP", "0", "2", "x", "v", "MIN", "COUNT", "3"],
        ["BZMPOP", "0.01", "1", "v", "MIN"],
    ], setup=[["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
              ["ZADD", "y", "1", "a", "2", "b", "3", "c"], ["ZADD", "w", "1", "a", "2", "b"],
              ["ZADD", "v", "1", "a", "2", "b", "3", "c"]]),
    # Served after blocking.
    _case("KEA", [
        _blocked(["BZPOPMIN", "z", "0"], ["ZADD", "z", "1", "a"]),
        _blocked(["BZPOPMAX", "z", "0"], ["ZADD", "z", "1", "a", "2", "b"]),
        _blocked(["BZMPOP", "0", "1", "y", "MIN", "COUNT", "5"], ["ZADD", "y", "1", "a", "2", "b"]),
        _blocked(["BZPOPMIN", "u", "0"], ["ZUNIONSTORE", "u", "1", "src"]),
        _blocked(["BZPOPMAX", "r", "0"], ["ZRANGESTORE", "r", "src", "0", "0"]),
        _blocked(["BZPOPMAX", "i", "0"], ["ZADD", "i", "INCR", "1", "a"]),
        _blocked(["BZPOPMIN", "j", "0"], ["ZINCRBY", "j", "1", "a"]),
        ["DEL", "z", "u"],
    ], setup=[["ZADD", "src", "1", "a", "2", "b"]]),
    _case("KEA", [
        ["ZUNIONSTORE", "d", "2", "x", "y"], ["ZINTERSTORE", "d", "2", "x", "y"],
        ["ZDIFFSTORE", "d", "2", "x", "y"], ["ZRANGESTORE", "d2", "x", "0", "1"],
        ["ZRANGESTORE", "d2", "x", "0", "-1", "REV"], ["ZINTERSTORE", "d", "2", "x", "nokey"],
        ["ZINTERSTORE", "d", "2", "x", "nokey"], ["ZDIFFSTORE", "d", "2", "x", "x"],
        ["ZUNIONSTORE", "d", "1", "nokey"], ["ZRANGESTORE", "d2", "x", "5", "10"],
        ["ZRANGESTORE", "d3", "x", "5", "10"], ["ZRANGESTORE", "d2", "nokey", "0", "-1"],
        ["ZUNIONSTORE", "x", "2", "x", "y"], ["ZUNIONSTORE", "k", "1", "y"],
        ["ZINTERSTORE", "d", "1", "k"], ["ZUNIONSTORE", "d", "2", "y", "s", "WEIGHTS", "1", "2"],
        ["ZRANGESTORE", "d4", "y", "(1", "+inf", "BYSCORE", "LIMIT", "0", "1"],
    ], setup=[["ZADD", "x", "1", "a", "2", "b", "3", "c"],
              ["ZADD", "y", "2", "b", "3", "c", "4", "d"],
              ["SET", "k", "v"], ["SADD", "s", "m"]]),
]

# ---------------------------------------------------------------------------------------
# Streams (t)
# ---------------------------------------------------------------------------------------

# One stream sequence touching t, g, n, x and m, run under several flag sets: only t lets the
# stream events through (A includes it), g the generic ones on a stream.
STREAM_CLASS_SEQUENCE = [
    ["XADD", "st", "1-1", "f", "v"], ["XGROUP", "CREATE", "st", "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "st", ">"], ["XDEL", "st", "1-1"],
    ["XGROUP", "CREATE", "sm", "g", "$", "MKSTREAM"], ["RENAME", "sm", "sr"],
    ["EXPIRE", "sr", "100"], ["XLEN", "nost"], ["DEL", "sr"],
    _expired("st", ["XLEN", "st"]),
]

STREAM_CLASS_FLAGS = ["", "t", "A", "Kt", "Et", "Kg", "Eg", "Kn", "En", "Km", "Kx", "KEt", "KEtn",
                      "KEA", "KEAn", "KEAm", "KE$lshzxed", "Ktm"]

STREAM_CLASS_CASES = [_case(f, STREAM_CLASS_SEQUENCE) for f in STREAM_CLASS_FLAGS]

STREAMS = [
    # XADD: new on creation, then xadd; xtrim after the xadd when MAXLEN / MINID removed
    # something (also MAXLEN 0 on a new stream: new, xadd, xtrim, an empty stream stays); an
    # approximate MAXLEN that removes no whole node, NOMKSTREAM on a missing key, errors and
    # wrong types: nothing.
    _case("KEAn", [
        ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "f", "v", "g", "w"],
        ["XADD", "s", "MAXLEN", "1", "3-1", "f", "v"],
        ["XADD", "s", "MAXLEN", "5", "4-1", "f", "v"],
        ["XADD", "s", "MINID", "4-1", "5-1", "f", "v"],
        ["XADD", "s", "MINID", "=", "1-1", "6-1", "f", "v"],
        ["XADD", "s", "MAXLEN", "~", "1", "7-1", "f", "v"], ["XADD", "s", "7-*", "f", "v"],
        ["XADD", "n", "MAXLEN", "0", "1-1", "f", "v"], ["XLEN", "n"], ["EXISTS", "n"],
        ["XADD", "s", "NOMKSTREAM", "8-1", "f", "v"], ["XADD", "q", "NOMKSTREAM", "1-1", "f", "v"],
        ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "0-0", "f", "v"],
        ["XADD", "q2", "0-1", "f", "v"], ["XADD", "k", "1-1", "f", "v"],
        ["XADD", "s", "MAXLEN", "x", "9-1", "f", "v"], ["XADD", "s", "9-1", "f"],
        ["XADD", "s", "LIMIT", "10", "MAXLEN", "1", "9-1", "f", "v"],
        ["XADD", "q3", "bad", "f", "v"],
        ["EXISTS", "q", "q3"], ["XLEN", "s"],
    ], setup=[["SET", "k", "v"]]),
    # XTRIM: xtrim only when entries were removed (an approximate trim removing a whole node
    # counts); XDEL: one xdel per command, only when something was deleted.
    _case("KEA", [
        ["XTRIM", "s", "MAXLEN", "10"], ["XTRIM", "s", "MAXLEN", "4"],
        ["XTRIM", "s", "MINID", "3-1"],
        ["XTRIM", "s", "MINID", "0"], ["XTRIM", "no", "MAXLEN", "0"], ["XTRIM", "k", "MAXLEN", "0"],
        ["XTRIM", "s", "FOO", "1"], ["XTRIM", "s", "MAXLEN", "~", "0"], ["XLEN", "s"],
        ["XTRIM", "s", "MAXLEN", "0"], ["XADD", "d", "1-1", "f", "v"],
        ["XADD", "d", "2-1", "f", "v"],
        ["XADD", "d", "3-1", "f", "v"], ["XDEL", "d", "2-1", "9-9"], ["XDEL", "d", "2-1"],
        ["XDEL", "d", "1-1", "3-1"], ["XDEL", "d", "1-1"], ["XDEL", "no", "1-1"],
        ["XDEL", "k", "1-1"], ["XDEL", "d", "bad"], ["XLEN", "d"], ["EXISTS", "d"],
    ], setup=[["SET", "k", "v"], ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "f", "v"],
              ["XADD", "s", "3-1", "f", "v"], ["XADD", "s", "4-1", "f", "v"],
              ["XADD", "s", "5-1", "f", "v"], ["XADD", "s", "6-1", "f", "v"]]),
    # XSETID: xsetid on every success (the same id again too); errors and a missing key
    # nothing.
    _case("KEAn", [
        ["XSETID", "s", "5-0"], ["XSETID", "s", "5-0"], ["XSETID", "s", "1-0"],
        ["XSETID", "s", "6-0", "ENTRIESADDED", "10", "MAXDELETEDID", "3-0"],
        ["XSETID", "s", "6-0", "ENTRIESADDED", "0"], ["XSETID", "no", "1-0"],
        ["XSETID", "k", "1-0"], ["XSETID", "s", "bad"], ["XDEL", "s", "1-1"],
        ["XSETID", "s", "1-1"],
        ["XSETID", "s", "7-0", "ENTRIESADDED", "1", "MAXDELETEDID", "1-0"],
        ["XSETID", "s", "8-0", "MAXDELETEDID", "9-0"], ["EXISTS", "no"],
    ], setup=[["SET", "k", "v"], ["XADD", "s", "1-1", "f", "v"]]),
    # XGROUP: xgroup-create (MKSTREAM on a missing key: new first; on an existing one: no new),
    # xgroup-createconsumer / -delconsumer when one was created / deleted (DELCONSUMER of a
    # consumer with pending entries too), xgroup-setid on every success, xgroup-destroy when
    # the group existed; BUSYGROUP, NOGROUP, a missing key, a bad id (MKSTREAM creates nothing
    # then), a wrong type and HELP: nothing.
    _case("KEAn", [
        ["XGROUP", "CREATE", "s", "g", "0"], ["XGROUP", "CREATE", "s", "g", "0"],
        ["XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"],
        ["XGROUP", "CREATE", "m", "g2", "0", "MKSTREAM"],
        ["XGROUP", "CREATE", "m2", "g", "0"], ["XGROUP", "CREATE", "m3", "g", "bad", "MKSTREAM"],
        ["XGROUP", "CREATE", "m4", "g", "0", "MKSTREAM", "ENTRIESREAD", "3"],
        ["XGROUP", "CREATE", "k", "g", "0", "MKSTREAM"], ["EXISTS", "m2", "m3"],
        ["XGROUP", "CREATECONSUMER", "s", "g", "c"], ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
        ["XGROUP", "CREATECONSUMER", "s", "nog", "c"], ["XGROUP", "CREATECONSUMER", "no", "g", "c"],
        ["XGROUP", "DELCONSUMER", "s", "g", "c"], ["XGROUP", "DELCONSUMER", "s", "g", "c"],
        ["XGROUP", "DELCONSUMER", "s", "nog", "c"],
        ["XREADGROUP", "GROUP", "g", "p", "STREAMS", "s", ">"],
        ["XGROUP", "DELCONSUMER", "s", "g", "p"],
        ["XGROUP", "SETID", "s", "g", "0"], ["XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "0"],
        ["XGROUP", "SETID", "s", "g", "$"], ["XGROUP", "SETID", "s", "nog", "0"],
        ["XGROUP", "SETID", "s", "g", "bad"], ["XGROUP", "DESTROY", "s", "g"],
        ["XGROUP", "DESTROY", "s", "g"], ["XGROUP", "DESTROY", "no", "g"],
        ["XGROUP", "DESTROY", "k", "g"],
        ["XGROUP", "HELP"], ["XGROUP", "FOO", "s"],
    ], setup=[["SET", "k", "v"], ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "f", "v"]]),
    # Consumers created implicitly: XREADGROUP publishes xgroup-createconsumer only when it
    # serves the stream (">" with new entries, or a history id, even with nothing pending), on
    # each stream; not for ">" with nothing new, an existing consumer, NOACK re-reads, a
    # missing key or group (nothing is created on the first stream when the second has no such
    # group). XCLAIM / XAUTOCLAIM: only when something is claimed (not when the min-idle time
    # or a deleted entry leaves nothing). XACK and XPENDING publish nothing.
    _case("KEAn", [
        ["XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "a", "COUNT", "1", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "a", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "b", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0"],
        ["XREADGROUP", "GROUP", "g", "a", "NOACK", "STREAMS", "s", "0"],
        ["XREADGROUP", "GROUP", "g", "d", "STREAMS", "no", ">"],
        ["XREADGROUP", "GROUP", "nog", "e", "STREAMS", "s", ">"],
        ["XREADGROUP", "GROUP", "g", "f", "STREAMS", "t", "s", ">", ">"],
        ["XREADGROUP", "GROUP", "h", "f", "STREAMS", "t", "s", ">", ">"],
        ["XREADGROUP", "GROUP", "h", "f2", "STREAMS", "t", "s", "0", "0"],
        ["XREADGROUP", "GROUP", "g", "k", "STREAMS", "k", ">"],
        ["XPENDING", "s", "g"], ["XPENDING", "s", "g", "IDLE", "100000000", "-", "+", "10"],
        ["XPENDING", "s", "g", "-", "+", "10", "b"],
        ["XCLAIM", "s", "g", "x", "0", "1-1", "JUSTID"], ["XCLAIM", "s", "g", "y", "0", "9-9"],
        ["XCLAIM", "s", "g", "y2", "100000000", "1-1"], ["XCLAIM", "s", "g", "x", "0", "2-1"],
        ["XCLAIM", "t", "h", "y3", "0", "1-1", "FORCE"],
        ["XAUTOCLAIM", "s", "g", "z", "0", "0"], ["XAUTOCLAIM", "s", "g", "z2", "100000000", "0"],
        ["XAUTOCLAIM", "s", "g", "z", "0", "0", "JUSTID"], ["XCLAIM", "s", "nog", "x", "0", "1-1"],
        ["XACK", "s", "g", "1-1"], ["XACK", "s", "g", "1-1", "2-1"], ["XACK", "s", "g", "1-1"],
        ["XACK", "no", "g", "1-1"], ["XPENDING", "s", "g"],
        ["XREADGROUP", "GROUP", "g", "w", "STREAMS", "s", "0"],
        ["XCLAIM", "u", "g", "w", "0", "1-1"],
        ["XDEL", "u", "1-1"], ["XAUTOCLAIM", "u", "g", "w2", "0", "0"], ["XPENDING", "u", "g"],
    ], setup=[["SET", "k", "v"], ["XADD", "s", "1-1", "f", "v"], ["XADD", "s", "2-1", "f", "v"],
              ["XGROUP", "CREATE", "s", "g", "0"], ["XGROUP", "CREATE", "s", "h", "0"],
              ["XADD", "t", "1-1", "f", "v"], ["XGROUP", "CREATE", "t", "h", "0"],
              ["XADD", "u", "1-1", "f", "v"], ["XGROUP", "CREATE", "u", "g", "0"],
              ["XREADGROUP", "GROUP", "g", "r", "STREAMS", "u", ">"]]),
    # Generic events on streams: rename_from / rename_to, copy_to (in another database too),
    # expire / persist, move_from / move_to, del, restore (new first; a REPLACE with a time in
    # the past deletes: del); lazy expiry before the access's own events (XLEN, XADD: expired,
    # new, xadd; XREADGROUP: expired, then the NOGROUP error).
    _case("KEAn", [
        ["RENAME", "s", "r"], ["COPY", "r", "c"], ["COPY", "r", "c", "REPLACE"],
        ["COPY", "r", "c", "DB", "1"], ["EXPIRE", "c", "100"], ["PERSIST", "c"], ["MOVE", "c", "2"],
        ["DEL", "r"], ["UNLINK", "x"], ["RESTORE", "rs", "0", DUMP_STREAM],
        ["RESTORE", "rs", "0", DUMP_STREAM], ["RESTORE", "rs", "0", DUMP_STREAM, "REPLACE"],
        ["RESTORE", "rs2", "100000", DUMP_STREAM],
        ["RESTORE", "rs", "1", DUMP_STREAM, "REPLACE", "ABSTTL"],
        ["EXISTS", "rs", "rs2"], ["XPENDING", "rs2", "g"], ["RENAME", "rs2", "rs"],
        ["XADD", "e", "1-1", "f", "v"], _expired("e", ["XLEN", "e"]),
        ["XADD", "e", "1-1", "f", "v"], _expired("e", ["XADD", "e", "2-1", "f", "v"]),
        ["XGROUP", "CREATE", "e2", "g", "0", "MKSTREAM"],
        _expired("e2", ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "e2", ">"]),
        ["XGROUP", "CREATE", "e3", "g", "0", "MKSTREAM"],
        _expired("e3", ["XGROUP", "DESTROY", "e3", "g"]),
    ], setup=[["XADD", "s", "1-1", "f", "v"], ["XGROUP", "CREATE", "s", "g", "0"],
              ["XADD", "x", "1-1", "f", "v"]]),
    # Key misses on streams (m): XRANGE, XREVRANGE, XLEN, XINFO, XPENDING, XACK, XCLAIM,
    # XAUTOCLAIM and XREADGROUP miss a missing key once; XREAD twice per missing key (its two
    # lookups); no keymiss for the writes (XADD NOMKSTREAM, XDEL, XTRIM, XSETID, XGROUP).
    _case("KEm", [
        ["XRANGE", "n", "-", "+"], ["XREVRANGE", "n", "+", "-"], ["XLEN", "n"],
        ["XREAD", "STREAMS", "n", "0"], ["XREAD", "STREAMS", "n", "$"],
        ["XREAD", "STREAMS", "n", "s", "n2", "0", "0", "0"],
        ["XREAD", "COUNT", "1", "STREAMS", "n", "s", "$", "$"],
        ["XREAD", "BLOCK", "1", "STREAMS", "n", "$"],
        ["XINFO", "STREAM", "n"], ["XINFO", "GROUPS", "n"], ["XINFO", "CONSUMERS", "n", "g"],
        ["XPENDING", "n", "g"], ["XPENDING", "n", "g", "-", "+", "1"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "n", ">"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"],
        ["XGROUP", "CREATE", "n", "g", "0"], ["XGROUP", "CREATECONSUMER", "n", "g", "c"],
        ["XGROUP", "DESTROY", "n", "g"], ["XSETID", "n", "1-1"], ["XDEL", "n", "1-1"],
        ["XTRIM", "n", "MAXLEN", "0"], ["XACK", "n", "g", "1-1"],
        ["XCLAIM", "n", "g", "c", "0", "1-1"],
        ["XAUTOCLAIM", "n", "g", "c", "0", "0"], ["XADD", "n", "NOMKSTREAM", "1-1", "f", "v"],
        ["XRANGE", "s", "-", "+"], ["XLEN", "k"],
    ], setup=[["XADD", "s", "1-1", "f", "v"], ["SET", "k", "v"]]),
    # Blocked readers served by XADD: the XADD's events (new, xadd, xtrim), then the served
    # XREADGROUP's xgroup-createconsumer when its consumer is new (a blocked XREADGROUP creates
    # nothing while it waits: DELCONSUMER while blocked, and serving creates it again), once
    # per served client; after a whole EXEC. XREAD creates nothing.
    _case("KEAn", [
        _blocked(["XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"],
                 ["XADD", "s", "1-1", "f", "v"]),
        _blocked(["XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"],
                 ["XADD", "s", "2-1", "f", "v"]),
        (["@2>", "XREADGROUP", "GROUP", "g", "a", "BLOCK", "0", "STREAMS", "s", ">"],
         ["WAITBLOCKED", "1"], ["XGROUP", "DELCONSUMER", "s", "g", "a"],
         ["XADD", "s", "3-1", "f", "v"], ["@2<"]),
        (["@2>", "XREADGROUP", "GROUP", "g", "b", "BLOCK", "0", "STREAMS", "s", ">"],
         ["WAITBLOCKED", "1"], ["MULTI"], ["XADD", "s", "4-1", "f", "v"],
         ["XADD", "s", "5-1", "f", "v"], ["EXEC"], ["@2<"]),
        _blocked(["XREAD", "BLOCK", "0", "STREAMS", "n", "$"], ["XADD", "n", "1-1", "f", "v"]),
        _blocked(["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"],
                 ["XADD", "s", "MAXLEN", "0", "6-1", "f", "v"]),
        _blocked(["XREADGROUP", "GROUP", "g", "d", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"],
                 ["XADD", "s", "7-1", "f", "v"]),
        # Two readers of one group: one XADD serves the first, the second waits for the next.
        (["@2>", "XREADGROUP", "GROUP", "g", "e", "BLOCK", "0", "STREAMS", "s", ">"],
         ["WAITBLOCKED", "1"],
         ["@3>", "XREADGROUP", "GROUP", "g", "f", "BLOCK", "0", "STREAMS", "s", ">"],
         ["WAITBLOCKED", "2"], ["XADD", "s", "8-1", "f", "v"], ["@2<"], ["WAITBLOCKED", "1"],
         ["XADD", "s", "9-1", "f", "v"], ["@3<"]),
        # Woken with an error by DEL / XGROUP DESTROY: only the waking command's events.
        _blocked(["XREADGROUP", "GROUP", "g", "h", "BLOCK", "0", "STREAMS", "s", ">"],
                 ["XGROUP", "DESTROY", "s", "g"]),
        ["XGROUP", "CREATE", "s", "g2", "$"],
        _blocked(["XREADGROUP", "GROUP", "g2", "h", "BLOCK", "0", "STREAMS", "s", ">"],
        ["DEL", "s"]),
    ], setup=[["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]]),
    # MULTI / EXEC and another database; t with n alone.
    _case("KEAn", [
        ["MULTI"], ["XADD", "s", "1-1", "f", "v"], ["XGROUP", "CREATE", "s", "g", "0"],
        ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"], ["XADD", "s", "1-1", "f", "v"],
        ["SELECT", "3"], ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"], ["XSETID", "s", "5-5"],
        ["SELECT", "0"], ["XTRIM", "s", "MAXLEN", "0"], ["EXEC"],
        ["SELECT", "1"], ["XADD", "s", "1-1", "f", "v"], ["XDEL", "s", "1-1"], ["SELECT", "0"],
    ]),
    _case("Etn", [
        ["XADD", "s", "1-1", "f", "v"], ["XGROUP", "CREATE", "m", "g", "0", "MKSTREAM"],
        ["RENAME", "m", "r"], ["XGROUP", "CREATECONSUMER", "r", "g", "c"],
    ]),
]

# ---------------------------------------------------------------------------------------
# MULTI / EXEC
# ---------------------------------------------------------------------------------------

TRANSACTIONS = [
    # Nothing while queued; every command's events at EXEC, in order; SELECT inside.
    _case("KEA", [
        ["MULTI"], ["SET", "m", "1"], ["INCR", "m"], ["LPUSH", "m", "x"], ["SELECT", "3"],
        ["SET", "m", "db3"], ["DEL", "m"], ["SELECT", "0"], ["RPUSH", "l", "a"], ["LPOP", "l"],
        ["EXEC"], ["GET", "m"],
    ]),
    # EXECABORT, DISCARD, a failed WATCH: nothing.
    _case("KEA", [
        ["MULTI"], ["SET", "a", "1"], ["NOSUCHCOMMAND"], ["EXEC"], ["MULTI"], ["SET", "a", "1"],
        ["DISCARD"], ["WATCH", "w"], ["@2", "SET", "w", "1"], ["MULTI"], ["SET", "a", "1"],
        ["EXEC"], ["EXISTS", "a"],
    ]),
    # Blocking commands inside MULTI do not block; pops inside EXEC.
    _case("KEA", [
        ["MULTI"], ["BLPOP", "nol", "0"], ["BLPOP", "l", "0"],
        ["BLMOVE", "l", "m", "LEFT", "LEFT", "0"],
        ["BZPOPMIN", "z", "0"], ["BZPOPMIN", "z", "0"], ["EXEC"],
    ], setup=[["RPUSH", "l", "a", "b"], ["ZADD", "z", "1", "a"]]),
    # With n and m: new and keymiss inside EXEC.
    _case("KEAnm", [
        ["MULTI"], ["GET", "k"], ["SET", "k", "1"], ["GET", "k"], ["RENAME", "k", "j"],
        ["EXISTS", "k", "j"], ["EXEC"],
    ]),
]

# ---------------------------------------------------------------------------------------
# new (n)
# ---------------------------------------------------------------------------------------

NEW = [
    _case("KEAn", [
        ["SET", "a", "1"], ["SET", "a", "2"], ["SET", "b", "1", "EX", "100"],
        ["MSET", "c", "1", "d", "2", "c", "3"], ["SETNX", "e", "1"], ["SETNX", "e", "1"],
        ["APPEND", "f", "x"], ["APPEND", "f2", ""], ["SETRANGE", "g", "0", "x"],
        ["SETRANGE", "g2", "0", ""], ["INCR", "h"], ["INCRBYFLOAT", "h2", "1"],
        ["GETSET", "i", "1"], ["SETEX", "j", "100", "v"], ["PSETEX", "j2", "100000", "v"],
        ["MSETNX", "x1", "1", "x2", "2"], ["SET", "k", "v", "GET"], ["SET", "k", "w", "GET"],
        ["DECRBY", "dd", "3"],
    ]),
    _case("KEAn", [
        ["LPUSH", "l", "a"], ["RPUSH", "l", "b"], ["LPUSH", "l2", "a", "b"], ["RPUSHX", "l3", "a"],
        ["SADD", "s", "a"], ["SADD", "s", "b"], ["HSET", "h", "f", "v"], ["HSETNX", "h2", "f", "v"],
        ["HINCRBY", "h3", "f", "1"], ["HINCRBYFLOAT", "h4", "f", "1"], ["ZADD", "z", "1", "a"],
        ["ZINCRBY", "z2", "1", "a"], ["ZINCRBY", "z3", "0", "a"], ["ZADD", "z4", "INCR", "0", "a"],
        ["ZADD", "z5", "XX", "1", "a"], ["SET", "l", "str"],
    ]),
    # RENAME onto a new or an existing key: new for the destination either way, before
    # rename_from; COPY REPLACE onto an existing key also publishes new.
    _case("KEAn", [
        ["RENAME", "a", "r"], ["RENAME", "r", "b"], ["RENAMENX", "b", "c"], ["RENAMENX", "b", "c2"],
        ["COPY", "c2", "cp"], ["COPY", "c2", "cp"], ["COPY", "c2", "cp", "REPLACE"],
        ["COPY", "c2", "cp", "DB", "1"], ["COPY", "c2", "cp", "DB", "1", "REPLACE"],
        ["SINTERSTORE", "si", "s", "s"], ["SINTERSTORE", "si", "s"], ["SUNIONSTORE", "c", "s"],
        ["ZUNIONSTORE", "zu", "1", "z"], ["ZRANGESTORE", "zr", "z", "0", "-1"],
        ["ZUNIONSTORE", "zu", "1", "z"], ["SDIFFSTORE", "sd", "s", "nokey"],
        ["ZINTERSTORE", "zi", "2", "z", "nokey"],
    ], setup=[["MSET", "a", "1", "b", "2", "c", "3"], ["SADD", "s", "m"], ["ZADD", "z", "1", "m"]]),
    _case("KEAn", [
        ["LMOVE", "l", "m", "LEFT", "RIGHT"], ["LMOVE", "l", "m", "LEFT", "RIGHT"],
        ["RPOPLPUSH", "m", "n"], ["SMOVE", "s", "t", "a"], ["SMOVE", "s", "t", "b"],
        ["SMOVE", "t", "t2", "a"],
    ], setup=[["RPUSH", "l", "a", "b"], ["SADD", "s", "a", "b"]]),
    # A blocked client served into a new key: the pusher's new, then the served LMOVE's new.
    _case("KEAn", [
        _blocked(["BLPOP", "l", "0"], ["RPUSH", "l", "a"]),
        _blocked(["BLMOVE", "l", "d", "LEFT", "RIGHT", "0"], ["RPUSH", "l", "a"]),
        _blocked(["BZPOPMIN", "z", "0"], ["ZADD", "z", "1", "a"]),
    ]),
    # n alone, and n with only keyevent.
    _case("Kn", [["SET", "a", "1"], ["SET", "a", "2"], ["RPUSH", "l", "x"], ["RENAME", "a", "b"]]),
    _case("En", [["SET", "a", "1"], ["HSET", "h", "f", "v"], ["COPY", "a", "c"]]),
]

# ---------------------------------------------------------------------------------------
# expired (x): lazy expiry on access
# ---------------------------------------------------------------------------------------

EXPIRED = [
    _case("KEAmn", [
        ["SET", "a", "1"], _expired("a", ["GET", "a"]),
        ["SET", "a", "1"], _expired("a", ["EXISTS", "a"]),
        ["SET", "a", "1"], _expired("a", ["SET", "a", "2"]),
        _expired("a", ["TTL", "a"]),
        ["RPUSH", "l", "1"], _expired("l", ["LPUSH", "l", "2"]),
        _expired("l", ["DEL", "l"]),
        ["SET", "a", "1"], _expired("a", ["TYPE", "a"]),
        ["SET", "a", "1"], _expired("a", ["RENAME", "a", "b"]),
        ["SET", "a", "1"], _expired("a", ["OBJECT", "ENCODING", "a"]),
        ["SET", "a", "1"], _expired("a", ["EXPIRE", "a", "100"]),
        ["HSET", "h", "f", "v"], _expired("h", ["HGET", "h", "f"]),
        ["SADD", "s", "m"], _expired("s", ["SADD", "s", "n"]),
        ["ZADD", "z", "1", "m"], _expired("z", ["ZSCORE", "z", "m"]),
        ["SET", "a", "1"], _expired("a", ["INCR", "a"]),
        ["SET", "a", "1"], (["PEXPIRE", "a", "25"], ["SLEEP", "120"], ["MULTI"], ["GET", "a"],
                            ["EXEC"]),
        ["SET", "c", "1"], _expired("c", ["COPY", "c", "d"]),
    ]),
    # Only x (and K): the expired event alone.
    _case("Kx", [["SET", "a", "1"], _expired("a", ["GET", "a"]), ["SET", "b", "1", "EX", "100"],
                 ["DEL", "b"]]),
    _case("Ex", [["SET", "a", "1"], _expired("a", ["SET", "a", "2"])]),
]

# ---------------------------------------------------------------------------------------
# keymiss (m)
# ---------------------------------------------------------------------------------------

_MISS_READS = [
    ["GET", "nk"], ["MGET", "nk1", "nk2"], ["MGET", "l", "k", "nk"], ["GETRANGE", "nk", "0", "1"],
    ["SUBSTR", "nk", "0", "1"], ["STRLEN", "nk"], ["EXISTS", "nk"], ["EXISTS", "nk", "k", "nk"],
    ["TYPE", "nk"], ["TTL", "nk"], ["PTTL", "nk"], ["EXPIRETIME", "nk"], ["PEXPIRETIME", "nk"],
    ["TOUCH", "nk"], ["TOUCH", "nk", "k", "nk2"], ["LCS", "nk", "nk2"], ["LCS", "k", "nk"],
    ["GETDEL", "nk"], ["GETEX", "nk"], ["GETEX", "nk", "EX", "10"], ["GETEX", "nk", "PERSIST"],
    ["HGET", "nh", "f"], ["HGETALL", "nh"], ["HMGET", "nh", "a", "b"], ["HEXISTS", "nh", "f"],
    ["HLEN", "nh"], ["HKEYS", "nh"], ["HVALS", "nh"], ["HSTRLEN", "nh", "f"],
    ["HRANDFIELD", "nh"], ["HRANDFIELD", "nh", "2"], ["HSCAN", "nh", "0"],
]

_MISS_READS_2 = [
    ["LRANGE", "nl", "0", "-1"], ["LLEN", "nl"], ["LINDEX", "nl", "0"], ["LPOS", "nl", "a"],
    ["SMEMBERS", "ns"], ["SISMEMBER", "ns", "a"], ["SMISMEMBER", "ns", "a", "b"], ["SCARD", "ns"],
    ["SRANDMEMBER", "ns"], ["SRANDMEMBER", "ns", "-2"], ["SINTER", "ns", "ns2"],
    ["SINTER", "s", "n1", "n2"], ["SINTER", "n1", "s", "n2"], ["SUNION", "s", "n1"],
    ["SDIFF", "n1", "s"], ["SDIFF", "s", "n1"], ["SINTERCARD", "2", "s", "n1"],
    ["SSCAN", "ns", "0"], ["SINTERSTORE", "d", "ns"], ["SUNIONSTORE", "d", "ns", "ns2"],
    ["SDIFFSTORE", "d", "ns", "s"],
]

_MISS_READS_3 = [
    ["ZRANGE", "nz", "0", "-1"], ["ZRANGE", "nz", "0", "1", "BYSCORE"], ["ZSCORE", "nz", "a"],
    ["ZMSCORE", "nz", "a", "b"], ["ZCARD", "nz"], ["ZRANK", "nz", "a"], ["ZREVRANK", "nz", "a"],
    ["ZCOUNT", "nz", "0", "1"], ["ZRANGEBYSCORE", "nz", "0", "1"], ["ZRANGEBYLEX", "nz", "-", "+"],
    ["ZREVRANGE", "nz", "0", "-1"], ["ZREVRANGEBYSCORE", "nz", "1", "0"],
    ["ZREVRANGEBYLEX", "nz", "+", "-"], ["ZRANDMEMBER", "nz"], ["ZRANDMEMBER", "nz", "2"],
    ["ZLEXCOUNT", "nz", "-", "+"], ["ZSCAN", "nz", "0"], ["ZUNION", "2", "nz", "z"],
    ["ZINTER", "2", "z", "nz"], ["ZDIFF", "2", "nz", "z"], ["ZINTERCARD", "1", "nz"],
    ["ZUNIONSTORE", "d", "1", "nz"], ["ZINTERSTORE", "d", "2", "nz", "nz2"],
    ["ZDIFFSTORE", "d", "2", "z", "nz"], ["ZRANGESTORE", "d", "nz", "0", "-1"],
]

# Misses by write commands (none, but SET GET / GETSET / COPY), wrong types (none), existing
# keys (none).
_MISS_WRITES = [
    ["SET", "w1", "v", "GET"], ["GETSET", "w2", "v"], ["COPY", "nk", "w3"], ["DEL", "nk"],
    ["LPOP", "nl"], ["RPOP", "nl", "2"], ["LMPOP", "1", "nl", "LEFT"], ["ZPOPMIN", "nz"],
    ["ZMPOP", "1", "nz", "MIN"], ["SPOP", "ns"], ["SREM", "ns", "a"], ["ZREM", "nz", "a"],
    ["HDEL", "nh", "f"], ["LSET", "nl", "0", "a"], ["LTRIM", "nl", "0", "1"],
    ["LINSERT", "nl", "BEFORE", "a", "b"], ["LREM", "nl", "0", "a"],
    ["LMOVE", "nl", "d", "LEFT", "LEFT"], ["RPOPLPUSH", "nl", "d"], ["SMOVE", "ns", "d", "a"],
    ["RENAME", "nk", "x"], ["RENAMENX", "nk", "x"], ["EXPIRE", "nk", "10"], ["PERSIST", "nk"],
    ["SETNX", "w4", "v"], ["MSETNX", "w5", "v"], ["HSETNX", "w6", "f", "v"], ["APPEND", "w7", "x"],
    ["SETRANGE", "w8", "0", ""], ["INCR", "w9"], ["LPUSHX", "nl", "a"],
    ["BLPOP", "nl", "0.01"], ["BZPOPMIN", "nz", "0.01"], ["OBJECT", "ENCODING", "nk"],
    ["OBJECT", "FREQ", "nk"], ["OBJECT", "REFCOUNT", "nk"], ["KEYS", "nk*"], ["DBSIZE"],
    ["GET", "l"], ["HGET", "k", "f"], ["LLEN", "s"],
    ["ZSCORE", "k", "a"], ["GET", "k"], ["LRANGE", "l", "5", "10"], ["SRANDMEMBER", "s", "0"],
    ["HGET", "h", "nofield"], ["ZSCORE", "z", "nomember"], ["EXISTS", "k"],
]

_MISS_SETUP = [["SET", "k", "v"], ["RPUSH", "l", "a"], ["SADD", "s", "a"], ["ZADD", "z", "1", "a"],
               ["HSET", "h", "f", "v"]]

KEYMISS = [
    _case("KEm", _MISS_READS, setup=_MISS_SETUP),
    _case("KEm", _MISS_READS_2, setup=_MISS_SETUP),
    _case("KEm", _MISS_READS_3, setup=_MISS_SETUP),
    _case("KEAm", _MISS_WRITES, setup=_MISS_SETUP),
    # m alone and with one channel; A does not include m.
    _case("Km", [["GET", "nk"], ["SET", "nk", "v"], ["GET", "nk"], ["HGET", "nh", "f"]]),
    _case("Em", [["GET", "nk"], ["EXISTS", "a", "b"]]),
    _case("KEA", [["GET", "nk"], ["EXISTS", "nk"], ["HGET", "nh", "f"], ["SET", "nk", "v", "GET"]]),
    # Another database; keymiss inside EXEC.
    _case("KEm", [["SELECT", "4"], ["GET", "nk"], ["MULTI"], ["GET", "a"], ["EXISTS", "b"],
                  ["EXEC"], ["SELECT", "0"], ["GET", "nk"]]),
]

# ---------------------------------------------------------------------------------------
# Subscribers: exact channels, only keyspace or only keyevent patterns, a RESP3 client
# subscribed to its own key's events.
# ---------------------------------------------------------------------------------------

SUBSCRIBERS = [
    [_flags("KEA"), ["@1", "SUBSCRIBE", "__keyspace@0__:k", "__keyevent@0__:del"], ["@1!"],
     ["@2", "PSUBSCRIBE", "__keyevent@*__:set"], ["@3", "PSUBSCRIBE", "__keyspace@1__:*"],
     ["SET", "k", "v"], ["SET", "j", "v"], ["DEL", "k", "j"], ["SELECT", "1"], ["SET", "k", "v"],
     ["DEL", "k"], ["SELECT", "0"], ["DRAIN", "1"], ["DRAIN", "2"], ["DRAIN", "3"], OFF],
    # RESP3: the push of the client's own event comes before its reply; RESP2: subscribed
    # mode refuses the command.
    [_flags("KEA"), ["@1", "PSUBSCRIBE", "__keyspace@0__:k"], ["@1", "SET", "k", "v"],
     ["IF_RESP", "3", "@1!"], ["@1", "SET", "j", "v"], ["@1", "APPEND", "k", "x"],
     ["IF_RESP", "3", "@1!"], ["SET", "k", "w"], ["DRAIN", "1"], OFF],
    # Setting the flags to "" stops the events at once.
    [_flags("KEA"), SUB, ["SET", "k", "v"], OFF, ["SET", "k", "w"], _flags("Kg"),
     ["SET", "k", "x"], ["DEL", "k"], DRAIN, OFF],
]

EDGE_CASES = (FLAG_CASES + CLASS_CASES + STREAM_CLASS_CASES + STRINGS + MOVES + KEYSPACE + LISTS
              + HASHES + SETS + SORTED_SETS + STREAMS + TRANSACTIONS + NEW + EXPIRED + KEYMISS
              + SUBSCRIBERS)


# ---------------------------------------------------------------------------------------
# Random: flags set and a subscriber on connection 1 first, then random commands over three
# keys, each followed by a DRAIN of the subscriber (a MULTI block drained after its EXEC).
# ---------------------------------------------------------------------------------------

# Keys per type (a command mostly uses its type's keys, so most commands do something), and
# "x", which every type's commands use (wrong types, and keys changing type).
POOLS = {"str": ["s1", "s2"], "list": ["l1", "l2"], "hash": ["h1", "h2"], "set": ["t1", "t2"],
         "zset": ["z1", "z2"], "stream": ["x1", "x2"]}
RANDOM_FLAGS = ["KEA"] * 4 + ["KEAnm"] * 4 + ["KEAn", "AKEm", "K$lshzxn", "KA", "Kg$", "El",
                                               "KEsz", "Kxh", "Enm", "Eg", "", "KEtn", "Et"]
VALUES = ["1", "0", "-3", "v", "", "2.5"]
MEMBERS = ["a", "b", "c"]

_stream = {"rng": None, "queue": [], "id": 0}


def _key(rng, kind):
    return "x" if rng.random() < 0.1 else rng.choice(POOLS[kind])


def _write(rng):
    kind = rng.choice(["str", "str", "generic", "list", "hash", "set", "zset", "stream"])
    if kind == "generic":
        pool = POOLS[rng.choice(list(POOLS))]
        k, k2 = rng.choice(pool + ["x"]), rng.choice(pool + ["x", "y"])
        return rng.choice([
            ["DEL", k, k2], ["UNLINK", k], ["EXPIREAT", k, rng.choice([FUTURE, "1"])],
            ["EXPIRE", k, rng.choice(["1000", "0", "-1"]), rng.choice(["NX", "XX", "GT", "LT"])],
            ["PEXPIREAT", k, FUTURE_MS], ["PERSIST", k], ["RENAME", k, k2], ["RENAMENX", k, k2],
            ["COPY", k, k2], ["COPY", k, k2, "REPLACE"], ["COPY", k, k2, "DB", "1"],
        ])
    k, k2 = _key(rng, kind), _key(rng, kind)
    v = rng.choice(VALUES)
    m, m2 = rng.choice(MEMBERS), rng.choice(MEMBERS)
    n = rng.choice(["0", "1", "2", "-1", "5"])
    if kind == "str":
        return rng.choice([
            ["SET", k, v], ["SET", k, v, rng.choice(["NX", "XX", "GET", "KEEPTTL"])],
            ["SET", k, v, "EXAT", FUTURE], ["SETNX", k, v], ["SETEX", k, "1000", v],
            ["PSETEX", k, "1000000", v], ["MSET", k, v, k2, v], ["MSETNX", k, v, k2, v],
            ["GETSET", k, v], ["GETDEL", k], ["GETEX", k, "PERSIST"],
            ["GETEX", k, "EXAT", rng.choice([FUTURE, "1"])], ["APPEND", k, v],
            ["SETRANGE", k, rng.choice(["0", "2"]), v], ["INCR", k], ["DECRBY", k, n],
            ["INCRBYFLOAT", k, rng.choice(["1.5", "0", "-2"])],
        ])
    if kind == "list":
        return rng.choice([
            ["LPUSH", k, m, m2], ["RPUSH", k, m], ["LPUSHX", k, m], ["RPUSHX", k, m],
            ["LPOP", k], ["RPOP", k, n], ["LINSERT", k, "BEFORE", m, "p"], ["LSET", k, "0", m],
            ["LREM", k, n, m], ["LTRIM", k, n, rng.choice(["-1", "0", "1"])],
            ["LMOVE", k, k2, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])],
            ["RPOPLPUSH", k, k2], ["LMPOP", "2", k, k2, "LEFT", "COUNT", rng.choice(["1", "3"])],
            ["BLPOP", k, k2, "0.01"], ["BLMOVE", k, k2, "RIGHT", "LEFT", "0.01"],
        ])
    if kind == "hash":
        return rng.choice([
            ["HSET", k, m, v], ["HSET", k, m, v, m2, v], ["HSETNX", k, m, v], ["HDEL", k, m, m2],
            ["HINCRBY", k, m, n], ["HINCRBYFLOAT", k, m, "1.5"], ["HMSET", k, m, v],
        ])
    if kind == "stream":
        return _stream_write(rng, k, k2, v)
    if kind == "set":
        return rng.choice([
            ["SADD", k, m, m2], ["SREM", k, m, m2], ["SMOVE", k, k2, m],
            ["SINTERSTORE", k, k2, _key(rng, "set")], ["SUNIONSTORE", k, k2],
            ["SDIFFSTORE", k, k2, _key(rng, "set")],
        ])
    return rng.choice([
        ["ZADD", k, rng.choice(["NX", "XX", "GT", "LT", "CH"]), n, m], ["ZADD", k, n, m, "2", m2],
        ["ZADD", k, "INCR", n, m], ["ZINCRBY", k, n, m], ["ZREM", k, m, m2],
        ["ZREMRANGEBYRANK", k, "0", n], ["ZREMRANGEBYSCORE", k, "-inf", n],
        ["ZREMRANGEBYLEX", k, "-", "[b"], ["ZPOPMIN", k], ["ZPOPMAX", k, n],
        ["ZMPOP", "1", k, "MIN"], ["BZPOPMAX", k, "0.01"],
        ["ZUNIONSTORE", k, "2", k2, _key(rng, "zset")], ["ZINTERSTORE", k, "1", k2],
        ["ZDIFFSTORE", k, "2", k2, _key(rng, "zset")], ["ZRANGESTORE", k, k2, "0", n],
    ])


def _stream_write(rng, k, k2, v):
    """A stream command with explicit ids: `new` is above every id used so far in the sequence
    (so most XADDs succeed), `old` one of those (XDEL, XACK, MINID, and XADD's id errors)."""
    _stream["id"] += 1
    top = _stream["id"]
    new, old, old2 = f"{top}-1", f"{rng.randint(1, top)}-1", f"{rng.randint(1, top)}-1"
    g, c = rng.choice(["g1", "g2"]), rng.choice(["c1", "c2", "c3"])
    return rng.choice([
        ["XADD", k, new, "f", v], ["XADD", k, new, "f", v, "g", v],
        ["XADD", k, "MAXLEN", rng.choice(["0", "1", "2"]), new, "f", v],
        ["XADD", k, "MINID", old, new, "f", v], ["XADD", k, "NOMKSTREAM", new, "f", v],
        ["XADD", k, old, "f", v], ["XTRIM", k, "MAXLEN", rng.choice(["0", "1", "2", "5"])],
        ["XTRIM", k, "MINID", old], ["XDEL", k, old, old2], ["XSETID", k, f"{top}-0"],
        ["XGROUP", "CREATE", k, g, rng.choice(["0", "$", old])],
        ["XGROUP", "CREATE", k, g, "$", "MKSTREAM"], ["XGROUP", "CREATECONSUMER", k, g, c],
        ["XGROUP", "DELCONSUMER", k, g, c], ["XGROUP", "DESTROY", k, g],
        ["XGROUP", "SETID", k, g, rng.choice(["0", "$", old])],
        ["XREADGROUP", "GROUP", g, c, "COUNT", "2", "STREAMS", k, rng.choice([">", ">", "0"])],
        ["XREADGROUP", "GROUP", g, c, "NOACK", "STREAMS", k, k2, ">", ">"],
        ["XACK", k, g, old, old2], ["XCLAIM", k, g, c, "0", old, old2],
        ["XCLAIM", k, g, c, "0", old, "JUSTID"], ["XAUTOCLAIM", k, g, c, "0", "0", "COUNT", "2"],
    ])


def _read(rng):
    k = rng.choice([key for pool in POOLS.values() for key in pool] + ["x", "y"])
    return rng.choice([
        ["GET", k], ["EXISTS", k, "y"], ["TYPE", k], ["MGET", k, "y"], ["HGET", k, "a"],
        ["LRANGE", k, "0", "-1"], ["SCARD", k], ["ZSCORE", k, "a"],
        ["ZRANGE", k, "0", "-1", "WITHSCORES"], ["EXPIRETIME", k], ["STRLEN", k], ["LLEN", k],
        ["HLEN", k], ["SISMEMBER", k, "a"], ["TOUCH", k], ["OBJECT", "ENCODING", k],
        ["XLEN", k], ["XRANGE", k, "-", "+", "COUNT", "3"], ["XPENDING", k, "g1"],
        ["XREAD", "COUNT", "2", "STREAMS", k, "0"], ["XREAD", "BLOCK", "1", "STREAMS", k, "$"],
    ])


def random_command(rng):
    if _stream["rng"] is not rng:  # a new random sequence (new Random object)
        _stream["rng"], _stream["queue"], _stream["id"] = rng, [SUB, DRAIN], 0
        return _flags("KEAnm")
    queue = _stream["queue"]
    if queue:
        return queue.pop(0)
    roll = rng.random()
    if roll < 0.05:
        queue.append(["CONFIG", "GET", "notify-keyspace-events"])
        return _flags(rng.choice(RANDOM_FLAGS))
    if roll < 0.08:
        return ["SELECT", rng.choice(["0", "0", "1"])]
    if roll < 0.12:
        block = [_write(rng) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            block.insert(rng.randint(0, len(block)), _read(rng))
        queue.extend(block + [["EXEC"], DRAIN])
        return ["MULTI"]
    if roll < 0.14:
        queue.append(DRAIN)
        return ["FLUSHALL"]
    queue.append(DRAIN)
    if roll < 0.35:
        return _read(rng)
    return _write(rng)


def normalize(cmd, raw):
    # Which members SPOP takes is random: compare the first line (type and count) only.
    if cmd and isinstance(cmd[0], str) and cmd[0].upper() == "SPOP":
        return raw.split(b"\r\n", 1)[0]
    return raw
