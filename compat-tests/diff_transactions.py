"""Differential cases for transactions: MULTI / EXEC / DISCARD / WATCH / UNWATCH (picked up by
differential.py as `--family transactions`).

Uses the harness's extra connections: ["@1", ...] runs a command on a second client of the
same server, ["@1>", ...] only sends it (a client left blocked), ["@1<"] reads and compares
its pending reply, ["WAITBLOCKED", "n"] waits until the server reports n blocked clients, and
["SLEEP", "ms"] waits (expiry). Every case runs in RESP2 and RESP3 (a failed WATCH makes EXEC
answer *-1 in RESP2 and _ in RESP3).

Parts:
- MULTI / EXEC / DISCARD replies, queue-time errors (EXECABORT), run-time errors (in place),
  nesting, SELECT, blocking commands and RESET inside a transaction;
- WATCH semantics with other clients: other databases, flushes, expiry, RENAME / COPY onto
  a watched key, a blocked client served into a watched key, UNWATCH, reads that must not
  dirty a key;
- the WATCH matrix (WATCH_MATRIX): for every write command Memorabilia implements, invocations
  that change the watched key and no-op ones, each run as "setup; WATCH k; @1 <command>;
  MULTI; PING; EXEC", so redis-server decides which of them dirty the key;
- random transactions (random_command): MULTI, queued commands from a local list and from the
  other families' generators, then EXEC / DISCARD, with WATCH / UNWATCH and writes from the
  other connection in between.

Timing: expiry cases use 100 ms TTLs and sleep 300 ms; a command sent with "@1>" is followed
by WAITBLOCKED before anything can serve it, and the served reply is read before the watching
client runs EXEC (so a server that serves blocked clients asynchronously is not raced).
"""

FUTURE = "4102444800"  # 2100-01-01: absolute times keep replies clock-independent
FUTURE_MS = "4102444800123"

EXEC = [["MULTI"], ["PING"], ["EXEC"]]

# Expiry cases: a key set to live SHORT_TTL ms is gone after sleeping PAST_TTL ms; a step
# right after the SET runs long before SHORT_TTL, even on a busy machine.
SHORT_TTL = "200"
PAST_TTL = "450"


def _watched(setup, command, key="k"):
    """setup on @0; WATCH key on @0; command on @1; MULTI / PING / EXEC on @0."""
    return list(setup) + [["WATCH", key], ["@1"] + list(command)] + EXEC


# ---------------------------------------------------------------------------------------
# MULTI / EXEC / DISCARD
# ---------------------------------------------------------------------------------------

BASICS = [
    # Queued replies, EXEC's array, then no transaction any more.
    [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["APPEND", "a", "x"],
     ["GET", "nokey"], ["EXEC"], ["GET", "a"], ["EXEC"], ["DISCARD"]],
    # Nothing queued: an empty array.
    [["MULTI"], ["EXEC"], ["MULTI"], ["DISCARD"], ["MULTI"], ["DISCARD"], ["DISCARD"]],
    # DISCARD drops the queued writes.
    [["SET", "a", "old"], ["MULTI"], ["SET", "a", "new"], ["DEL", "a"], ["DISCARD"],
     ["GET", "a"], ["EXEC"]],
    # EXEC / DISCARD without MULTI, and the arity of the transaction commands outside one.
    [["EXEC"], ["DISCARD"], ["MULTI", "x"], ["EXEC", "x"], ["DISCARD", "x"], ["WATCH"],
     ["UNWATCH", "x"], ["UNWATCH"], ["exec"], ["Multi"], ["exec"]],
    # Nested MULTI is an error that does not abort the transaction.
    [["MULTI"], ["SET", "a", "1"], ["MULTI"], ["INCR", "a"], ["multi"], ["EXEC"], ["GET", "a"]],
    # WATCH inside MULTI: an error that does not abort either; UNWATCH inside MULTI is queued.
    [["MULTI"], ["WATCH", "a"], ["SET", "a", "1"], ["UNWATCH"], ["WATCH", "a", "b"], ["EXEC"],
     ["GET", "a"]],
    # Arity errors of the transaction commands inside MULTI: MULTI x and WATCH (no key)
    # flag the transaction; EXEC x aborts it at once; DISCARD x only fails.
    [["MULTI"], ["SET", "a", "1"], ["MULTI", "x"], ["EXEC"], ["GET", "a"]],
    [["MULTI"], ["SET", "a", "1"], ["WATCH"], ["EXEC"], ["GET", "a"]],
    [["MULTI"], ["SET", "a", "1"], ["EXEC", "x"], ["EXEC"], ["GET", "a"], ["DISCARD"]],
    [["MULTI"], ["SET", "a", "1"], ["DISCARD", "x"], ["EXEC"], ["GET", "a"]],
    [["MULTI"], ["SET", "a", "1"], ["UNWATCH", "x"], ["EXEC"], ["GET", "a"]],
    # Queue-time errors: unknown command, arity, a refused command; EXEC answers EXECABORT
    # and runs nothing, later commands still queue; DISCARD after an error is fine.
    [["MULTI"], ["SET", "a", "1"], ["NOSUCHCOMMAND", "x", "y"], ["SET", "b", "2"], ["EXEC"],
     ["MGET", "a", "b"], ["EXEC"]],
    [["MULTI"], ["SET", "a", "1"], ["GET"], ["SET", "a"], ["GET", "a", "b"], ["EXEC"],
     ["EXISTS", "a"]],
    [["MULTI"], ["SET", "a", "1"], ["nosuch"], ["DISCARD"], ["EXISTS", "a"], ["PING"]],
    [["MULTI"], ["OBJECT", "FOO", "a"], ["SET", "a", "1"], ["EXEC"], ["EXISTS", "a"]],
    [["MULTI"], ["CONFIG", "GET"], ["SET", "a", "1"], ["EXEC"], ["EXISTS", "a"]],
    [["MULTI"], ["CONFIG", "FOO"], ["OBJECT", "ENCODING"], ["CLIENT", "FOO"], ["EXEC"]],
    # SHUTDOWN is refused inside MULTI (never executed): the server keeps answering.
    [["MULTI"], ["SET", "a", "1"], ["SHUTDOWN"], ["shutdown", "NOSAVE"], ["SHUTDOWN", "ABORT"],
     ["PING"], ["EXEC"], ["PING"], ["EXISTS", "a"]],
    [["MULTI"], ["SHUTDOWN", "NOSAVE"], ["DISCARD"], ["PING"]],
    # Run-time errors come back in place; the other commands run.
    [["SET", "s", "abc"], ["RPUSH", "l", "x"], ["SET", "big", "9223372036854775807"], ["MULTI"],
     ["INCR", "s"], ["LPUSH", "s", "x"], ["SET", "k", "v", "FOO"], ["SET", "k", "v", "EX", "0"],
     ["SET", "k", "v", "NX", "XX"], ["INCRBY", "s", "x"], ["INCR", "big"],
     ["INCRBYFLOAT", "s", "1"], ["SELECT", "99"], ["SELECT", "x"], ["GET", "s"],
     ["EXPIRE", "s", "x"], ["ZADD", "z", "NX", "XX", "1", "a"], ["LPOS", "l", "x", "RANK", "0"],
     ["HSET", "l", "f", "v"], ["OBJECT", "ENCODING", "nokey"], ["RENAME", "nokey", "x"],
     ["COPY", "s", "s"], ["LSET", "l", "9", "v"], ["SET", "ok", "1"], ["INCR", "ok"],
     ["EXEC"], ["MGET", "s", "ok", "k", "big"], ["LRANGE", "l", "0", "-1"]],
    # Reply types inside EXEC follow the protocol (maps, doubles, sets in RESP3).
    [["MULTI"], ["HSET", "h", "f", "v"], ["HGETALL", "h"], ["ZADD", "z", "1.5", "a"],
     ["ZSCORE", "z", "a"], ["ZRANGE", "z", "0", "-1", "WITHSCORES"], ["ZPOPMIN", "z"],
     ["SADD", "s", "m"], ["SMEMBERS", "s"], ["SISMEMBER", "s", "m"], ["INCRBYFLOAT", "f", "1.5"],
     ["GET", "nokey"], ["LPOP", "nokey"], ["LPOP", "nokey", "2"], ["CONFIG", "GET", "save"],
     ["ECHO", "hi"], ["PING", "x"], ["DBSIZE"], ["TYPE", "h"], ["EXEC"]],
    # Commands queued before another client's write see that write at EXEC.
    [["SET", "a", "1"], ["MULTI"], ["GET", "a"], ["INCR", "a"], ["@1", "SET", "a", "10"],
     ["@1", "GET", "a"], ["EXEC"], ["GET", "a"]],
    # A transaction of many commands, keyspace commands and flushes.
    [["MULTI"], ["MSET", "a", "1", "b", "2"], ["RENAME", "a", "c"], ["COPY", "c", "d"],
     ["EXPIREAT", "d", FUTURE], ["EXPIRETIME", "d"], ["PERSIST", "d"], ["EXISTS", "a", "b", "c", "d"],
     ["DBSIZE"], ["FLUSHDB"], ["DBSIZE"], ["SET", "e", "1"], ["FLUSHALL"], ["EXISTS", "e"],
     ["EXEC"], ["DBSIZE"]],
    # SELECT inside MULTI applies in order, and the connection stays in the last database.
    [["SET", "a", "0"], ["MULTI"], ["SELECT", "1"], ["SET", "a", "1"], ["SELECT", "2"],
     ["SET", "a", "2"], ["GET", "a"], ["EXEC"], ["GET", "a"], ["SELECT", "1"], ["GET", "a"],
     ["SELECT", "0"], ["GET", "a"]],
    [["MULTI"], ["SELECT", "1"], ["SET", "a", "1"], ["SELECT", "99"], ["SET", "b", "1"],
     ["EXEC"], ["MGET", "a", "b"], ["SELECT", "0"], ["MGET", "a", "b"]],
    # DISCARD forgets a queued SELECT.
    [["MULTI"], ["SELECT", "1"], ["DISCARD"], ["SET", "x", "1"], ["SELECT", "0"], ["GET", "x"]],
    # A queue-time error after a SELECT: nothing runs, the database is unchanged.
    [["MULTI"], ["SELECT", "1"], ["NOSUCH"], ["EXEC"], ["SET", "x", "1"], ["SELECT", "0"],
     ["GET", "x"]],
    # Blocking commands inside MULTI never block: on empty keys they answer at once as if
    # timed out, even with timeout 0; non-empty keys are served; argument errors at run time.
    [["MULTI"], ["BLPOP", "l", "0"], ["BRPOP", "l", "l2", "0"], ["BLMOVE", "l", "d", "LEFT", "LEFT", "0"],
     ["BRPOPLPUSH", "l", "d", "0"], ["BLMPOP", "0", "1", "l", "LEFT"], ["BZPOPMIN", "z", "0"],
     ["BZPOPMAX", "z", "z2", "0"], ["BZMPOP", "0", "1", "z", "MIN"], ["BLPOP", "l", "100"],
     ["BLPOP", "l", "-1"], ["BLPOP", "l", "x"], ["BLMPOP", "0", "0", "l", "LEFT"],
     ["BZMPOP", "0", "1", "z", "FOO"], ["EXEC"]],
    [["RPUSH", "l", "a", "b"], ["ZADD", "z", "1", "a"], ["SET", "s", "v"], ["MULTI"],
     ["BLPOP", "l", "0"], ["BLMOVE", "l", "d", "LEFT", "LEFT", "0"], ["BZPOPMIN", "z", "0"],
     ["BLPOP", "l", "0"], ["BZPOPMAX", "z", "0"], ["LPUSH", "l", "c"], ["BRPOP", "l", "0"],
     ["BLMPOP", "0", "1", "d", "RIGHT", "COUNT", "5"], ["BLPOP", "s", "0"], ["EXEC"],
     ["EXISTS", "l", "d", "z"]],
    # A push queued before a blocking pop of the same transaction feeds it.
    [["MULTI"], ["RPUSH", "l", "x"], ["BLPOP", "l", "0"], ["BLPOP", "l", "0"],
     ["ZADD", "z", "2", "m"], ["BZMPOP", "0", "1", "z", "MAX"], ["EXEC"]],
    # RESET inside MULTI is not queued: it ends the transaction (EXEC then errors), drops
    # the queued writes and the WATCH, and goes back to database 0 (and RESP2).
    [["MULTI"], ["SET", "a", "1"], ["RESET"], ["EXEC"], ["GET", "a"], ["MULTI"], ["RESET"],
     ["DISCARD"], ["PING"]],
    [["SET", "a", "1"], ["WATCH", "a"], ["@1", "SET", "a", "2"], ["SELECT", "1"], ["MULTI"],
     ["RESET"], ["MULTI"], ["GET", "a"], ["EXEC"]],
    [["SELECT", "1"], ["SET", "a", "db1"], ["MULTI"], ["SELECT", "2"], ["RESET"], ["GET", "a"],
     ["HSET", "h", "f", "v"], ["HGETALL", "h"], ["ZADD", "z", "1", "m"], ["ZSCORE", "z", "m"]],
    # QUIT inside MULTI answers OK and closes the connection without running anything.
    [["@1", "MULTI"], ["@1", "SET", "a", "1"], ["@1", "QUIT"], ["GET", "a"]],
    # A client's MULTI state is its own.
    [["MULTI"], ["SET", "a", "1"], ["@1", "GET", "a"], ["@1", "EXEC"], ["@1", "MULTI"],
     ["@1", "SET", "a", "2"], ["EXEC"], ["@1", "EXEC"], ["GET", "a"]],
    # CLIENT SETNAME / GETNAME queued and run in order.
    [["MULTI"], ["CLIENT", "SETNAME", "tx"], ["CLIENT", "GETNAME"], ["EXEC"], ["CLIENT", "GETNAME"]],
]

# ---------------------------------------------------------------------------------------
# WATCH semantics
# ---------------------------------------------------------------------------------------

WATCH_CASES = [
    # Modified by another client: EXEC is null (RESP2 *-1, RESP3 _), nothing runs.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SET", "k", "w"], ["MULTI"], ["SET", "k", "x"],
     ["GET", "k"], ["EXEC"], ["GET", "k"]],
    # Not modified: it runs; the WATCH is gone after EXEC either way.
    [["SET", "k", "v"], ["WATCH", "k"], ["MULTI"], ["SET", "k", "x"], ["EXEC"],
     ["@1", "SET", "k", "y"], ["MULTI"], ["GET", "k"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SET", "k", "w"], ["MULTI"], ["EXEC"],
     ["@1", "SET", "k", "y"], ["MULTI"], ["GET", "k"], ["EXEC"]],
    # WATCH then a write from another client while the transaction is queued.
    [["SET", "k", "v"], ["WATCH", "k"], ["MULTI"], ["GET", "k"], ["@1", "SET", "k", "w"],
     ["EXEC"], ["GET", "k"]],
    # UNWATCH forgets every watched key; UNWATCH inside MULTI is too late.
    [["WATCH", "k", "j"], ["@1", "SET", "k", "w"], ["UNWATCH"], ["MULTI"], ["GET", "k"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "SET", "k", "w"], ["MULTI"], ["UNWATCH"], ["GET", "k"], ["EXEC"],
     ["MULTI"], ["GET", "k"], ["EXEC"]],
    # DISCARD unwatches too.
    [["WATCH", "k"], ["MULTI"], ["DISCARD"], ["@1", "SET", "k", "w"], ["MULTI"], ["GET", "k"],
     ["EXEC"]],
    # EXEC / DISCARD without MULTI do not unwatch.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SET", "k", "w"], ["EXEC"], ["DISCARD"],
     ["MULTI"], ["GET", "k"], ["EXEC"], ["MULTI"], ["GET", "k"], ["EXEC"]],
    # A queue-time error wins over a failed WATCH: EXECABORT, not null.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SET", "k", "w"], ["MULTI"], ["NOSUCH"],
     ["EXEC"], ["MULTI"], ["EXEC"]],
    # Several keys: any one modified fails it; the same key twice; repeated WATCH calls add up.
    [["WATCH", "a", "b", "c"], ["@1", "SET", "c", "1"], ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "a"], ["WATCH", "b"], ["WATCH", "a"], ["@1", "SET", "b", "1"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["WATCH", "a", "b", "c"], ["@1", "SET", "d", "1"], ["@1", "GET", "a"], ["MULTI"], ["PING"],
     ["EXEC"]],
    # Keys are watched in the database selected at WATCH time.
    [["WATCH", "k"], ["SELECT", "1"], ["WATCH", "j"], ["@1", "SELECT", "1"], ["@1", "SET", "k", "v"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["SELECT", "1"], ["WATCH", "j"], ["@1", "SELECT", "1"], ["@1", "SET", "j", "v"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["SELECT", "1"], ["WATCH", "j"], ["@1", "SET", "k", "v"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["SELECT", "1"], ["WATCH", "k"], ["SELECT", "0"], ["@1", "SET", "k", "v"], ["MULTI"],
     ["PING"], ["EXEC"]],
    # Created, and created then deleted again: both fail.
    [["WATCH", "k"], ["@1", "SET", "k", "v"], ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "SET", "k", "v"], ["@1", "DEL", "k"], ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "MULTI"], ["@1", "SET", "k", "v"], ["@1", "DEL", "k"], ["@1", "EXEC"],
     ["MULTI"], ["PING"], ["EXEC"]],
    # The watching client's own write before MULTI fails it too; an equal value as well.
    [["SET", "k", "v"], ["WATCH", "k"], ["SET", "k", "w"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["SET", "k", "v"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SET", "k", "v"], ["MULTI"], ["PING"], ["EXEC"]],
    # Another client's transaction writing the key; its discarded / aborted one does not.
    [["WATCH", "k"], ["@1", "MULTI"], ["@1", "SET", "k", "v"], ["@1", "EXEC"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "MULTI"], ["@1", "SET", "k", "v"], ["@1", "DISCARD"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "MULTI"], ["@1", "SET", "k", "v"], ["@1", "NOSUCH"], ["@1", "EXEC"],
     ["MULTI"], ["PING"], ["EXEC"]],
    # A transaction that writes a key another client watches makes that client's EXEC fail.
    [["@1", "WATCH", "k"], ["MULTI"], ["SET", "k", "v"], ["EXEC"], ["@1", "MULTI"],
     ["@1", "GET", "k"], ["@1", "EXEC"]],
    # Two watchers, one writer.
    [["WATCH", "k"], ["@1", "WATCH", "k"], ["@2", "SET", "k", "v"], ["MULTI"], ["PING"],
     ["EXEC"], ["@1", "MULTI"], ["@1", "PING"], ["@1", "EXEC"]],
    # The first EXEC of two watchers invalidates the other.
    [["SET", "k", "0"], ["WATCH", "k"], ["@1", "WATCH", "k"], ["MULTI"], ["INCR", "k"],
     ["@1", "MULTI"], ["@1", "INCR", "k"], ["EXEC"], ["@1", "EXEC"], ["GET", "k"]],
    # FLUSHDB / FLUSHALL: fail for a watched key that exists, not for one that does not;
    # FLUSHDB of another database does not touch it.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "FLUSHDB"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "other", "v"], ["WATCH", "k"], ["@1", "FLUSHDB"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "other", "v"], ["WATCH", "k"], ["@1", "FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]],
    [["WATCH", "k"], ["@1", "FLUSHALL", "SYNC"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "FLUSHDB", "ASYNC"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "SELECT", "1"], ["@1", "FLUSHDB"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["SELECT", "1"], ["SET", "k", "v"], ["WATCH", "k"], ["@1", "FLUSHALL"], ["MULTI"], ["PING"],
     ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k", "nokey"], ["@1", "FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]],
    # FLUSHALL inside another client's transaction.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "MULTI"], ["@1", "FLUSHALL"], ["@1", "EXEC"],
     ["MULTI"], ["PING"], ["EXEC"]],
    # Expiry: a watched key that expires before EXEC fails it (Redis 7), whether or not
    # anything looked at it; a key already expired when watched does not, unless recreated.
    [["SET", "k", "v", "PX", SHORT_TTL], ["WATCH", "k"], ["SLEEP", PAST_TTL], ["MULTI"], ["PING"],
     ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["WATCH", "k"], ["SLEEP", PAST_TTL], ["GET", "k"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["WATCH", "k"], ["SLEEP", PAST_TTL], ["@1", "EXISTS", "k"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["SLEEP", PAST_TTL], ["WATCH", "k"], ["MULTI"], ["PING"],
     ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["SLEEP", PAST_TTL], ["WATCH", "k"], ["SLEEP", "200"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["SLEEP", PAST_TTL], ["WATCH", "k"], ["@1", "GET", "k"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v", "PX", SHORT_TTL], ["SLEEP", PAST_TTL], ["WATCH", "k"], ["@1", "SET", "k", "w"],
     ["MULTI"], ["PING"], ["EXEC"]],
    [["RPUSH", "k", "a"], ["PEXPIRE", "k", SHORT_TTL], ["WATCH", "k"], ["SLEEP", PAST_TTL], ["MULTI"],
     ["PING"], ["EXEC"]],
    # A watched key with a TTL far away is not dirtied by time.
    [["SET", "k", "v", "EX", "1000"], ["WATCH", "k"], ["SLEEP", SHORT_TTL], ["MULTI"], ["PING"],
     ["EXEC"]],
    # Expiring another key does not touch the watched one.
    [["SET", "k", "v"], ["SET", "t", "v", "PX", SHORT_TTL], ["WATCH", "k"], ["SLEEP", PAST_TTL],
     ["@1", "GET", "t"], ["MULTI"], ["PING"], ["EXEC"]],
    # Expiry set or removed by another client.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "EXPIRE", "k", "100"], ["MULTI"], ["PING"], ["EXEC"]],
    [["SET", "k", "v", "EX", "100"], ["WATCH", "k"], ["@1", "PERSIST", "k"], ["MULTI"], ["PING"],
     ["EXEC"]],
    # RENAME onto a watched key, RENAME of a watched key away, COPY ... REPLACE onto it.
    [["SET", "src", "x"], ["WATCH", "k"], ["@1", "RENAME", "src", "k"], ["MULTI"], ["GET", "k"],
     ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "RENAME", "k", "other"], ["MULTI"], ["GET", "k"],
     ["EXEC"]],
    [["SET", "k", "v"], ["SET", "src", "x"], ["WATCH", "k"], ["@1", "COPY", "src", "k", "REPLACE"],
     ["MULTI"], ["GET", "k"], ["EXEC"]],
    [["SET", "k", "v"], ["SET", "src", "x"], ["WATCH", "src"], ["@1", "COPY", "src", "k", "REPLACE"],
     ["MULTI"], ["GET", "k"], ["EXEC"]],
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "COPY", "k", "k", "DB", "1"], ["MULTI"], ["PING"],
     ["EXEC"]],
    [["SET", "k", "v"], ["SELECT", "1"], ["WATCH", "k"], ["@1", "COPY", "k", "k", "DB", "1"],
     ["MULTI"], ["GET", "k"], ["EXEC"]],
    # Reads do not dirty a watched key.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "GET", "k"], ["@1", "EXISTS", "k"], ["@1", "TTL", "k"],
     ["@1", "PTTL", "k"], ["@1", "TYPE", "k"], ["@1", "STRLEN", "k"], ["@1", "GETRANGE", "k", "0", "-1"],
     ["@1", "MGET", "k", "k"], ["@1", "TOUCH", "k"], ["@1", "OBJECT", "ENCODING", "k"],
     ["@1", "EXPIRETIME", "k"], ["@1", "LCS", "k", "k"], ["@1", "KEYS", "*"], ["@1", "DBSIZE"],
     ["@1", "RANDOMKEY"], ["@1", "GETEX", "k"],
     ["@1", "COPY", "k", "copy"], ["@1", "SUBSTR", "k", "0", "1"]] + EXEC,
    [["RPUSH", "k", "a", "b"], ["WATCH", "k"], ["@1", "LRANGE", "k", "0", "-1"], ["@1", "LLEN", "k"],
     ["@1", "LINDEX", "k", "0"], ["@1", "LPOS", "k", "b"], ["@1", "TYPE", "k"],
     ["@1", "LMPOP", "1", "nokey", "LEFT"], ["@1", "BLPOP", "nokey", "0.01"]] + EXEC,
    [["HSET", "k", "f", "v"], ["WATCH", "k"], ["@1", "HGET", "k", "f"], ["@1", "HMGET", "k", "f", "g"],
     ["@1", "HLEN", "k"], ["@1", "HEXISTS", "k", "f"], ["@1", "HSTRLEN", "k", "f"], ["@1", "HKEYS", "k"],
     ["@1", "HVALS", "k"], ["@1", "HGETALL", "k"], ["@1", "HRANDFIELD", "k"], ["@1", "HSCAN", "k", "0"]]
    + EXEC,
    [["SADD", "k", "a"], ["SADD", "t", "a", "b"], ["WATCH", "k"], ["@1", "SCARD", "k"],
     ["@1", "SISMEMBER", "k", "a"], ["@1", "SMISMEMBER", "k", "a", "b"], ["@1", "SMEMBERS", "k"],
     ["@1", "SRANDMEMBER", "k"], ["@1", "SINTER", "k", "t"], ["@1", "SINTERCARD", "2", "k", "t"],
     ["@1", "SUNION", "k"], ["@1", "SDIFF", "k", "t"], ["@1", "SSCAN", "k", "0"],
     ["@1", "SUNIONSTORE", "dst", "k", "t"], ["@1", "SMOVE", "t", "dst", "b"]] + EXEC,
    [["ZADD", "k", "1", "a", "2", "b"], ["WATCH", "k"], ["@1", "ZCARD", "k"], ["@1", "ZSCORE", "k", "a"],
     ["@1", "ZMSCORE", "k", "a", "x"], ["@1", "ZRANK", "k", "b"], ["@1", "ZREVRANK", "k", "b"],
     ["@1", "ZCOUNT", "k", "-inf", "+inf"], ["@1", "ZLEXCOUNT", "k", "-", "+"],
     ["@1", "ZRANGE", "k", "0", "-1", "WITHSCORES"], ["@1", "ZRANGEBYSCORE", "k", "0", "5"],
     ["@1", "ZREVRANGE", "k", "0", "-1"], ["@1", "ZUNION", "2", "k", "k"],
     ["@1", "ZINTER", "1", "k"], ["@1", "ZDIFF", "1", "k"], ["@1", "ZINTERCARD", "1", "k"],
     ["@1", "ZUNIONSTORE", "dst", "1", "k"], ["@1", "ZRANGESTORE", "dst2", "k", "0", "-1"],
     ["@1", "ZSCAN", "k", "0"], ["@1", "ZRANDMEMBER", "k", "1000"]] + EXEC,
    # WRONGTYPE and other failing writes do not dirty.
    [["SET", "k", "v"], ["WATCH", "k"], ["@1", "LPUSH", "k", "x"], ["@1", "HSET", "k", "f", "v"],
     ["@1", "SADD", "k", "m"], ["@1", "ZADD", "k", "1", "m"], ["@1", "INCR", "k"],
     ["@1", "SET", "k", "v", "FOO"]] + EXEC,
]

# ---------------------------------------------------------------------------------------
# Blocked clients and WATCH
# ---------------------------------------------------------------------------------------

BLOCKING_CASES = [
    # A client blocked in BLPOP served by a push of a third client: the list is dirtied.
    [["@1>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["WATCH", "l"], ["@2", "LPUSH", "l", "x"],
     ["@1<"], ["WAITBLOCKED", "0"], ["MULTI"], ["LLEN", "l"], ["EXEC"]],
    # Served BLMOVE: its destination (written only by the serving) is dirtied.
    [["@1>", "BLMOVE", "src", "k", "LEFT", "RIGHT", "0"], ["WAITBLOCKED", "1"], ["WATCH", "k"],
     ["@2", "RPUSH", "src", "x"], ["@1<"], ["MULTI"], ["LRANGE", "k", "0", "-1"], ["EXEC"]],
    [["RPUSH", "k", "old"], ["@1>", "BRPOPLPUSH", "src", "k", "0"], ["WAITBLOCKED", "1"],
     ["WATCH", "k"], ["@2", "RPUSH", "src", "x", "y"], ["@1<"], ["MULTI"],
     ["LRANGE", "k", "0", "-1"], ["LRANGE", "src", "0", "-1"], ["EXEC"]],
    # ... while an unrelated watched key stays clean.
    [["@1>", "BLMOVE", "src", "k", "LEFT", "RIGHT", "0"], ["WAITBLOCKED", "1"], ["WATCH", "other"],
     ["@2", "RPUSH", "src", "x"], ["@1<"], ["MULTI"], ["LRANGE", "k", "0", "-1"], ["EXEC"]],
    # BLMPOP and BZPOPMIN / BZMPOP served by a third client.
    [["@1>", "BLMPOP", "0", "2", "l1", "l2", "RIGHT", "COUNT", "2"], ["WAITBLOCKED", "1"],
     ["WATCH", "l2"], ["@2", "RPUSH", "l2", "a", "b", "c"], ["@1<"], ["MULTI"],
     ["LRANGE", "l2", "0", "-1"], ["EXEC"]],
    [["@1>", "BZPOPMIN", "z", "0"], ["WAITBLOCKED", "1"], ["WATCH", "z"],
     ["@2", "ZADD", "z", "1", "a", "2", "b"], ["@1<"], ["MULTI"], ["ZRANGE", "z", "0", "-1"],
     ["EXEC"]],
    [["@1>", "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"], ["WAITBLOCKED", "1"], ["WATCH", "z"],
     ["@2", "ZADD", "z", "1", "a", "2", "b"], ["@1<"], ["MULTI"], ["EXISTS", "z"], ["EXEC"]],
    # Served by another client's EXEC: after the whole transaction, so it sees its last push.
    [["@1>", "BLMOVE", "src", "k", "LEFT", "RIGHT", "0"], ["WAITBLOCKED", "1"], ["WATCH", "k"],
     ["@2", "MULTI"], ["@2", "RPUSH", "src", "a"], ["@2", "LPUSH", "src", "b"], ["@2", "EXEC"],
     ["@1<"], ["MULTI"], ["LRANGE", "src", "0", "-1"], ["EXEC"]],
    [["@1>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["MULTI"], ["LPUSH", "l", "a"],
     ["LPUSH", "l", "b"], ["EXEC"], ["@1<"], ["LRANGE", "l", "0", "-1"]],
    # A transaction that pushes and pops the list empty again serves nobody.
    [["@1>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["@2", "MULTI"], ["@2", "LPUSH", "l", "a"],
     ["@2", "LPOP", "l"], ["@2", "EXEC"], ["WAITBLOCKED", "1"], ["@2", "LPUSH", "l", "b"], ["@1<"],
     ["WAITBLOCKED", "0"]],
    [["@1>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["MULTI"], ["RPUSH", "l", "a"], ["DEL", "l"],
     ["EXEC"], ["WAITBLOCKED", "1"], ["RPUSH", "l", "c"], ["@1<"]],
    # A blocked client that times out writes nothing.
    [["RPUSH", "k", "v"], ["@1>", "BLMOVE", "src", "k", "LEFT", "RIGHT", "0.5"], ["WAITBLOCKED", "1"],
     ["WATCH", "k"], ["@1<"], ["MULTI"], ["LRANGE", "k", "0", "-1"], ["EXEC"]],
    # Blocked in another database.
    [["@1", "SELECT", "1"], ["@1>", "BLMOVE", "src", "k", "LEFT", "LEFT", "0"], ["WAITBLOCKED", "1"],
     ["WATCH", "k"], ["@2", "SELECT", "1"], ["@2", "RPUSH", "src", "x"], ["@1<"], ["MULTI"],
     ["PING"], ["EXEC"]],
    [["@1", "SELECT", "1"], ["@1>", "BLMOVE", "src", "k", "LEFT", "LEFT", "0"], ["WAITBLOCKED", "1"],
     ["SELECT", "1"], ["WATCH", "k"], ["@2", "SELECT", "1"], ["@2", "RPUSH", "src", "x"], ["@1<"],
     ["MULTI"], ["PING"], ["EXEC"]],
    # A blocked client's connection is not in a transaction state of its own: MULTI after it.
    [["@1>", "BLPOP", "l", "0"], ["WAITBLOCKED", "1"], ["@2", "RPUSH", "l", "a"], ["@1<"],
     ["@1", "MULTI"], ["@1", "BLPOP", "l", "0"], ["@1", "EXEC"]],
]

# ---------------------------------------------------------------------------------------
# The WATCH matrix
# ---------------------------------------------------------------------------------------

STR = [["SET", "k", "v"]]
NUM = [["SET", "k", "10"]]
TTL = [["SET", "k", "v", "EX", "1000"]]
LIST = [["RPUSH", "k", "a", "b", "c"]]
HASH = [["HSET", "k", "f", "v", "n", "1"]]
SET = [["SADD", "k", "a", "b", "c"]]
ZSET = [["ZADD", "k", "1", "a", "2", "b", "3", "c"]]
NONE = []
SRC_STR = [["SET", "src", "x"]]
SRC_LIST = [["RPUSH", "src", "x", "y"]]
SRC_SET = [["SADD", "src", "a", "x"], ["SADD", "s2", "x", "y"]]
SRC_ZSET = [["ZADD", "src", "1", "a", "5", "x"], ["ZADD", "z2", "5", "x", "6", "y"]]

# (setup, command run by @1 while @0 watches k). Each line: effective first, then no-ops.
# What redis-server 7.0.15 answers is the reference; the less obvious outcomes:
#   dirty although nothing changes: SET / GETSET / HSET / LSET of an equal value, APPEND of
#     "", INCRBY / DECRBY / INCRBYFLOAT / HINCRBY / HINCRBYFLOAT by 0, LTRIM k 0 -1,
#     LMOVE k k LEFT LEFT, RPOPLPUSH k k on a one-element list, PEXPIREAT to the same time,
#     SINTERSTORE k k k / SUNIONSTORE k k / ZUNIONSTORE k 1 k (same content rewritten),
#     EXPIRE ... LT on a key without TTL (sets one), ZADD XX/LT updating a score (reply 0);
#   clean although the command "succeeds": ZADD of the same score (also CH, INCR 0),
#     ZINCRBY k 0 m, SMOVE src k m when k already has m (reply 1), SMOVE k k m, RENAME k k,
#     SETRANGE k 0 "" (reply 1), GETEX k / GETEX k PERSIST without TTL, COPY k dst, LPOP /
#     SPOP / ZPOPMAX with count 0, a *STORE with an empty result when k does not exist
#     (it deletes k, and dirties it, only when k exists), MSETNX / SET NX GET that fail.
WATCH_MATRIX = [
    # strings
    (STR, ["SET", "k", "w"]), (STR, ["SET", "k", "v"]), (NONE, ["SET", "k", "v"]),
    (STR, ["SET", "k", "w", "NX"]), (NONE, ["SET", "k", "w", "XX"]), (STR, ["SET", "k", "w", "XX"]),
    (STR, ["SET", "k", "w", "GET"]), (STR, ["SET", "k", "w", "NX", "GET"]),
    (TTL, ["SET", "k", "v", "KEEPTTL"]), (STR, ["SET", "k", "v", "FOO"]),
    (STR, ["SET", "k", "v", "EX", "0"]), (LIST, ["SET", "k", "v"]), (LIST, ["SET", "k", "v", "GET"]),
    (STR, ["SETNX", "k", "w"]), (NONE, ["SETNX", "k", "w"]),
    (STR, ["SETEX", "k", "100", "w"]), (STR, ["SETEX", "k", "0", "w"]),
    (NONE, ["PSETEX", "k", "100000", "w"]),
    (STR, ["GETSET", "k", "w"]), (NONE, ["GETSET", "k", "w"]), (STR, ["GETSET", "k", "v"]),
    (STR, ["GETDEL", "k"]), (NONE, ["GETDEL", "k"]),
    (STR, ["GETEX", "k"]), (STR, ["GETEX", "k", "EX", "100"]), (TTL, ["GETEX", "k", "PERSIST"]),
    (STR, ["GETEX", "k", "PERSIST"]), (STR, ["GETEX", "k", "EXAT", "1"]),
    (NONE, ["GETEX", "k", "PX", "100000"]), (STR, ["GETEX", "k", "EX", "0"]),
    (STR, ["MSET", "k", "w", "x", "1"]), (STR, ["MSET", "x", "1"]),
    (STR, ["MSETNX", "k", "w", "x", "1"]), (NONE, ["MSETNX", "k", "w", "x", "1"]),
    (NUM, ["INCR", "k"]), (NONE, ["INCR", "k"]), (STR, ["INCR", "k"]),
    ([["SET", "k", "9223372036854775807"]], ["INCR", "k"]),
    (NUM, ["DECR", "k"]), (NUM, ["INCRBY", "k", "5"]), (NUM, ["INCRBY", "k", "0"]),
    (NUM, ["INCRBY", "k", "x"]), (NUM, ["DECRBY", "k", "3"]), (NUM, ["DECRBY", "k", "0"]),
    (NUM, ["INCRBYFLOAT", "k", "1.5"]), (NUM, ["INCRBYFLOAT", "k", "0"]),
    (STR, ["INCRBYFLOAT", "k", "1"]), (NUM, ["INCRBYFLOAT", "k", "inf"]),
    (STR, ["APPEND", "k", "x"]), (STR, ["APPEND", "k", ""]), (NONE, ["APPEND", "k", ""]),
    (LIST, ["APPEND", "k", "x"]),
    (STR, ["SETRANGE", "k", "0", "x"]), (STR, ["SETRANGE", "k", "0", "v"]),
    (STR, ["SETRANGE", "k", "0", ""]), (NONE, ["SETRANGE", "k", "0", ""]),
    (NONE, ["SETRANGE", "k", "2", "x"]), (STR, ["SETRANGE", "k", "-1", "x"]),
    (STR, ["GET", "k"]), (STR, ["STRLEN", "k"]), (STR, ["GETRANGE", "k", "0", "-1"]),
    (STR, ["LCS", "k", "k"]), (STR, ["MGET", "k"]),
    # keys
    (STR, ["DEL", "k"]), (NONE, ["DEL", "k"]), (STR, ["DEL", "other"]), (STR, ["UNLINK", "k"]),
    (NONE, ["UNLINK", "k"]), (STR, ["EXISTS", "k"]), (STR, ["TOUCH", "k"]), (STR, ["TYPE", "k"]),
    (STR, ["EXPIRE", "k", "100"]), (NONE, ["EXPIRE", "k", "100"]), (STR, ["EXPIRE", "k", "0"]),
    (STR, ["EXPIRE", "k", "-1"]), (STR, ["EXPIRE", "k", "x"]),
    (TTL, ["EXPIRE", "k", "100", "NX"]), (STR, ["EXPIRE", "k", "100", "NX"]),
    (STR, ["EXPIRE", "k", "100", "XX"]), (TTL, ["EXPIRE", "k", "100", "XX"]),
    (STR, ["EXPIRE", "k", "100", "GT"]), (TTL, ["EXPIRE", "k", "2000", "GT"]),
    (TTL, ["EXPIRE", "k", "100", "GT"]), (STR, ["EXPIRE", "k", "100", "LT"]),
    (TTL, ["EXPIRE", "k", "2000", "LT"]),
    (STR, ["PEXPIRE", "k", "100000"]), (NONE, ["PEXPIRE", "k", "100000"]),
    (STR, ["EXPIREAT", "k", FUTURE]), (STR, ["EXPIREAT", "k", "1"]), (NONE, ["EXPIREAT", "k", FUTURE]),
    (STR, ["PEXPIREAT", "k", FUTURE_MS]), ([["SET", "k", "v", "PXAT", FUTURE_MS]],
                                           ["PEXPIREAT", "k", FUTURE_MS]),
    (TTL, ["PERSIST", "k"]), (STR, ["PERSIST", "k"]), (NONE, ["PERSIST", "k"]),
    (STR, ["TTL", "k"]), (STR, ["PTTL", "k"]), (STR, ["EXPIRETIME", "k"]),
    (STR, ["RENAME", "k", "dst"]), (SRC_STR, ["RENAME", "src", "k"]),
    (STR + SRC_STR, ["RENAME", "src", "k"]), (STR, ["RENAME", "k", "k"]),
    (NONE, ["RENAME", "nosrc", "k"]), (STR, ["RENAME", "nosrc", "k"]),
    (STR + SRC_STR, ["RENAMENX", "src", "k"]), (SRC_STR, ["RENAMENX", "src", "k"]),
    (STR, ["RENAMENX", "k", "dst"]), (STR, ["RENAMENX", "k", "k"]),
    (SRC_STR, ["COPY", "src", "k"]), (STR + SRC_STR, ["COPY", "src", "k"]),
    (STR + SRC_STR, ["COPY", "src", "k", "REPLACE"]), (STR, ["COPY", "k", "dst"]),
    (STR, ["COPY", "k", "k"]), (STR, ["COPY", "k", "k", "DB", "1"]),
    (NONE, ["COPY", "nosrc", "k", "REPLACE"]), (STR, ["OBJECT", "ENCODING", "k"]),
    # lists
    (LIST, ["LPUSH", "k", "x"]), (NONE, ["LPUSH", "k", "x"]), (LIST, ["RPUSH", "k", "x"]),
    (STR, ["LPUSH", "k", "x"]),
    (LIST, ["LPUSHX", "k", "x"]), (NONE, ["LPUSHX", "k", "x"]), (LIST, ["RPUSHX", "k", "x"]),
    (NONE, ["RPUSHX", "k", "x"]),
    (LIST, ["LPOP", "k"]), (NONE, ["LPOP", "k"]), (LIST, ["LPOP", "k", "0"]),
    (LIST, ["RPOP", "k", "10"]), (NONE, ["RPOP", "k", "2"]), (LIST, ["RPOP", "k", "x"]),
    (LIST, ["LSET", "k", "0", "x"]), (LIST, ["LSET", "k", "0", "a"]), (LIST, ["LSET", "k", "9", "x"]),
    (LIST, ["LINSERT", "k", "BEFORE", "b", "x"]), (LIST, ["LINSERT", "k", "AFTER", "zz", "x"]),
    (NONE, ["LINSERT", "k", "BEFORE", "b", "x"]),
    (LIST, ["LREM", "k", "0", "a"]), (LIST, ["LREM", "k", "0", "zz"]), (NONE, ["LREM", "k", "1", "a"]),
    (LIST, ["LTRIM", "k", "0", "0"]), (LIST, ["LTRIM", "k", "0", "-1"]), (LIST, ["LTRIM", "k", "5", "1"]),
    (NONE, ["LTRIM", "k", "0", "1"]),
    (LIST, ["RPOPLPUSH", "k", "dst"]), (SRC_LIST, ["RPOPLPUSH", "src", "k"]),
    (NONE, ["RPOPLPUSH", "nosrc", "k"]), (LIST, ["RPOPLPUSH", "k", "k"]),
    ([["RPUSH", "k", "a"]], ["RPOPLPUSH", "k", "k"]),
    (LIST, ["LMOVE", "k", "dst", "LEFT", "RIGHT"]), (SRC_LIST, ["LMOVE", "src", "k", "LEFT", "LEFT"]),
    (NONE, ["LMOVE", "nosrc", "k", "LEFT", "LEFT"]), (LIST, ["LMOVE", "k", "k", "LEFT", "RIGHT"]),
    (LIST, ["LMOVE", "k", "k", "LEFT", "LEFT"]), (LIST + [["SET", "s", "v"]],
                                                  ["LMOVE", "k", "s", "LEFT", "LEFT"]),
    (LIST, ["LMPOP", "1", "k", "LEFT"]), (NONE, ["LMPOP", "1", "k", "LEFT"]),
    (LIST, ["LMPOP", "2", "nokey", "k", "RIGHT", "COUNT", "5"]),
    (LIST, ["BLPOP", "k", "0"]), (NONE, ["BLPOP", "k", "0.01"]), (LIST, ["BRPOP", "k", "0"]),
    (SRC_LIST, ["BRPOPLPUSH", "src", "k", "0"]), (LIST, ["BLMOVE", "k", "dst", "LEFT", "LEFT", "0"]),
    (NONE, ["BLMOVE", "k", "dst", "LEFT", "LEFT", "0.01"]),
    (NONE, ["BLMOVE", "nosrc", "k", "LEFT", "LEFT", "0.01"]),
    (LIST, ["BLMPOP", "0", "1", "k", "LEFT", "COUNT", "3"]), (NONE, ["BLMPOP", "0.01", "1", "k", "LEFT"]),
    (LIST, ["LRANGE", "k", "0", "-1"]), (LIST, ["LLEN", "k"]), (LIST, ["LINDEX", "k", "0"]),
    (LIST, ["LPOS", "k", "a"]),
    # hashes
    (HASH, ["HSET", "k", "f", "w"]), (HASH, ["HSET", "k", "f", "v"]), (HASH, ["HSET", "k", "g", "v"]),
    (NONE, ["HSET", "k", "f", "v"]), (STR, ["HSET", "k", "f", "v"]),
    (HASH, ["HSETNX", "k", "g", "w"]), (HASH, ["HSETNX", "k", "f", "w"]), (NONE, ["HSETNX", "k", "f", "w"]),
    (HASH, ["HMSET", "k", "f", "v"]), (HASH, ["HMSET", "k", "f", "x", "g", "y"]),
    (HASH, ["HDEL", "k", "f"]), (HASH, ["HDEL", "k", "zz"]), (NONE, ["HDEL", "k", "f"]),
    (HASH, ["HDEL", "k", "f", "n"]),
    (HASH, ["HINCRBY", "k", "n", "1"]), (HASH, ["HINCRBY", "k", "n", "0"]), (HASH, ["HINCRBY", "k", "f", "1"]),
    (NONE, ["HINCRBY", "k", "n", "1"]),
    (HASH, ["HINCRBYFLOAT", "k", "n", "1.5"]), (HASH, ["HINCRBYFLOAT", "k", "n", "0"]),
    (HASH, ["HINCRBYFLOAT", "k", "f", "1"]),
    (HASH, ["HGET", "k", "f"]), (HASH, ["HLEN", "k"]), (HASH, ["HEXISTS", "k", "f"]),
    (HASH, ["HMGET", "k", "f", "n"]), (HASH, ["HSTRLEN", "k", "f"]),
    # sets
    (SET, ["SADD", "k", "d"]), (SET, ["SADD", "k", "a"]), (NONE, ["SADD", "k", "a"]),
    (SET, ["SADD", "k", "a", "d"]),
    (SET, ["SREM", "k", "a"]), (SET, ["SREM", "k", "zz"]), (NONE, ["SREM", "k", "a"]),
    (SET, ["SREM", "k", "a", "b", "c"]),
    ([["SADD", "k", "a"]], ["SPOP", "k"]), (NONE, ["SPOP", "k"]), (SET, ["SPOP", "k", "0"]),
    ([["SADD", "k", "a"]], ["SPOP", "k", "5"]), (NONE, ["SPOP", "k", "3"]),
    (SET, ["SMOVE", "k", "dst", "a"]), (SRC_SET, ["SMOVE", "src", "k", "x"]),
    (SET + SRC_SET, ["SMOVE", "src", "k", "zz"]), (SET + SRC_SET, ["SMOVE", "src", "k", "a"]),
    (SET, ["SMOVE", "k", "k", "a"]), (SET, ["SMOVE", "k", "k", "zz"]),
    (SET + SRC_SET, ["SMOVE", "k", "src", "a"]),
    (SRC_SET, ["SINTERSTORE", "k", "src", "s2"]), (SET + SRC_SET, ["SINTERSTORE", "k", "src", "nokey"]),
    (SRC_SET, ["SINTERSTORE", "k", "src", "nokey"]), (SET + SRC_SET, ["SINTERSTORE", "k", "k", "k"]),
    (SRC_SET, ["SUNIONSTORE", "k", "src", "s2"]), (SET, ["SUNIONSTORE", "k", "nokey"]),
    (NONE, ["SUNIONSTORE", "k", "nokey"]), (SET, ["SUNIONSTORE", "k", "k"]),
    (SRC_SET, ["SDIFFSTORE", "k", "src", "s2"]), (SET, ["SDIFFSTORE", "k", "k", "k"]),
    (NONE, ["SDIFFSTORE", "k", "nokey", "s2"]), (SET, ["SINTERSTORE", "dst", "k", "k"]),
    (SET, ["SCARD", "k"]), (SET, ["SISMEMBER", "k", "a"]), (SET, ["SINTERCARD", "1", "k"]),
    # sorted sets
    (ZSET, ["ZADD", "k", "5", "d"]), (ZSET, ["ZADD", "k", "1", "a"]), (NONE, ["ZADD", "k", "1", "a"]),
    (ZSET, ["ZADD", "k", "XX", "1", "zz"]), (ZSET, ["ZADD", "k", "XX", "9", "a"]),
    (ZSET, ["ZADD", "k", "NX", "9", "a"]), (ZSET, ["ZADD", "k", "GT", "0", "a"]),
    (ZSET, ["ZADD", "k", "LT", "0", "a"]), (ZSET, ["ZADD", "k", "CH", "1", "a"]),
    (ZSET, ["ZADD", "k", "INCR", "0", "a"]), (ZSET, ["ZADD", "k", "XX", "INCR", "1", "zz"]),
    (NONE, ["ZADD", "k", "XX", "1", "a"]), (ZSET, ["ZADD", "k", "nan", "a"]),
    (ZSET, ["ZINCRBY", "k", "1", "a"]), (ZSET, ["ZINCRBY", "k", "0", "a"]), (NONE, ["ZINCRBY", "k", "1", "a"]),
    (ZSET, ["ZREM", "k", "a"]), (ZSET, ["ZREM", "k", "zz"]), (NONE, ["ZREM", "k", "a"]),
    (ZSET, ["ZREM", "k", "a", "b", "c"]),
    (ZSET, ["ZREMRANGEBYRANK", "k", "0", "0"]), (ZSET, ["ZREMRANGEBYRANK", "k", "5", "9"]),
    (ZSET, ["ZREMRANGEBYSCORE", "k", "1", "2"]), (ZSET, ["ZREMRANGEBYSCORE", "k", "10", "20"]),
    (ZSET, ["ZREMRANGEBYLEX", "k", "-", "+"]), (ZSET, ["ZREMRANGEBYLEX", "k", "[x", "[z"]),
    (NONE, ["ZREMRANGEBYRANK", "k", "0", "-1"]),
    (ZSET, ["ZPOPMIN", "k"]), (ZSET, ["ZPOPMAX", "k", "2"]), (NONE, ["ZPOPMIN", "k"]),
    (ZSET, ["ZPOPMAX", "k", "0"]), (ZSET, ["ZPOPMIN", "k", "-1"]),
    (ZSET, ["ZMPOP", "1", "k", "MIN"]), (NONE, ["ZMPOP", "1", "k", "MAX"]),
    (ZSET, ["BZPOPMIN", "k", "0"]), (ZSET, ["BZPOPMAX", "k", "0"]), (NONE, ["BZPOPMIN", "k", "0.01"]),
    (ZSET, ["BZMPOP", "0", "1", "k", "MAX", "COUNT", "9"]), (NONE, ["BZMPOP", "0.01", "1", "k", "MIN"]),
    (SRC_ZSET, ["ZRANGESTORE", "k", "src", "0", "-1"]), (ZSET, ["ZRANGESTORE", "k", "k", "0", "-1"]),
    (ZSET, ["ZRANGESTORE", "k", "nokey", "0", "-1"]), (NONE, ["ZRANGESTORE", "k", "nokey", "0", "-1"]),
    (ZSET + SRC_ZSET, ["ZRANGESTORE", "k", "src", "5", "9"]),
    (SRC_ZSET, ["ZUNIONSTORE", "k", "2", "src", "z2"]), (ZSET, ["ZUNIONSTORE", "k", "1", "k"]),
    (ZSET, ["ZUNIONSTORE", "k", "1", "nokey"]), (NONE, ["ZUNIONSTORE", "k", "1", "nokey"]),
    (SRC_ZSET, ["ZINTERSTORE", "k", "2", "src", "z2"]), (ZSET + SRC_ZSET, ["ZINTERSTORE", "k", "2", "src", "nokey"]),
    (NONE, ["ZINTERSTORE", "k", "2", "src", "nokey"]),
    (SRC_ZSET, ["ZDIFFSTORE", "k", "2", "src", "z2"]), (ZSET, ["ZDIFFSTORE", "k", "2", "k", "k"]),
    (NONE, ["ZDIFFSTORE", "k", "1", "nokey"]), (SRC_SET + ZSET, ["ZUNIONSTORE", "k", "1", "src"]),
    (ZSET, ["ZUNIONSTORE", "dst", "1", "k"]), (ZSET, ["ZUNIONSTORE", "k", "1", "k", "WEIGHTS", "x"]),
    (ZSET, ["ZSCORE", "k", "a"]), (ZSET, ["ZRANGE", "k", "0", "-1"]), (ZSET, ["ZCARD", "k"]),
    (ZSET, ["ZRANK", "k", "a"]), (ZSET, ["ZCOUNT", "k", "0", "5"]),
    # other databases and other keys
    (STR, ["SELECT", "1"]), (STR, ["MSET", "k2", "v", "other", "w"]),
]


def _matrix_case(setup, command):
    if command[0] == "SELECT":
        # The same write in another database.
        return list(setup) + [["WATCH", "k"], ["@1", "SELECT", "1"], ["@1", "SET", "k", "v"]] + EXEC
    return _watched(setup, command)


MATRIX_CASES = [_matrix_case(setup, command) for setup, command in WATCH_MATRIX]

EDGE_CASES = BASICS + WATCH_CASES + BLOCKING_CASES + MATRIX_CASES

# ---------------------------------------------------------------------------------------
# Random transactions
# ---------------------------------------------------------------------------------------

KEYS = ["a", "b", "c"]
# Keys WATCHed at random: the local ones and some of the other families' keys.
WATCH_KEYS = KEYS + ["l1", "h1", "s1", "z1", "k1", "n"]
VALUES = ["v", "1", "10", "abc", ""]

# Replies that are random or unordered (the other families normalize them; inside an EXEC
# array they could not be): never drawn from the other families' generators.
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF", "SPOP", "SSCAN", "SRANDMEMBER", "HGETALL",
             "HKEYS", "HVALS", "HSCAN", "HRANDFIELD", "ZRANDMEMBER", "ZSCAN", "KEYS", "SCAN",
             "RANDOMKEY", "INFO", "OBJECT", "TTL", "PTTL", "CLIENT", "TIME", "HELLO"}


def _local(rng, in_multi):
    k, k2 = rng.choice(KEYS), rng.choice(KEYS)
    v = rng.choice(VALUES)
    options = [
        ["SET", k, v], ["GET", k], ["INCR", k], ["DEL", k], ["EXISTS", k, k2], ["APPEND", k, v],
        ["LPUSH", k, v], ["RPOP", k], ["LRANGE", k, "0", "-1"], ["HSET", k, "f", v],
        ["HGET", k, "f"], ["HINCRBY", k, "n", "1"], ["SADD", k, v], ["SCARD", k], ["SREM", k, v],
        ["ZADD", k, rng.choice(["1", "2.5", "x"]), v], ["ZRANGE", k, "0", "-1", "WITHSCORES"],
        ["ZINCRBY", k, "1", v], ["EXPIREAT", k, FUTURE], ["PERSIST", k], ["EXPIRETIME", k],
        ["RENAME", k, k2], ["COPY", k, k2, "REPLACE"], ["TYPE", k], ["GETDEL", k],
        ["MSET", k, v, k2, v], ["SUNIONSTORE", k, k2], ["ZUNIONSTORE", k, "1", k2],
        ["SELECT", rng.choice(["0", "0", "1"])], ["DBSIZE"],
    ]
    if in_multi:
        # Timeout 0 only where it cannot block: inside MULTI.
        options += [["BLPOP", k, "0"], ["BLMOVE", k, k2, "LEFT", "RIGHT", "0"],
                    ["BZPOPMIN", k, "0"], ["BLMPOP", "0", "2", k, k2, "LEFT"]]
    return rng.choice(options)


def _touch(rng, k):
    """A command on key k that may or may not change it (the point of a WATCH)."""
    v = rng.choice(VALUES)
    return rng.choice([
        ["SET", k, v], ["SET", k, v], ["SET", k, v, "NX"], ["DEL", k], ["INCR", k], ["APPEND", k, v],
        ["GETDEL", k], ["EXPIREAT", k, FUTURE], ["PERSIST", k], ["RENAME", k, rng.choice(KEYS)],
        ["COPY", rng.choice(KEYS), k, "REPLACE"], ["LPUSH", k, v], ["LPUSHX", k, v],
        ["RPOP", k], ["HSET", k, "f", v], ["HDEL", k, "f"], ["SADD", k, v], ["SREM", k, v],
        ["ZADD", k, "1", v], ["ZADD", k, "XX", "2", v], ["ZREM", k, v], ["GET", k],
        ["EXISTS", k], ["TYPE", k], ["SUNIONSTORE", k, rng.choice(KEYS)],
        ["ZUNIONSTORE", k, "1", rng.choice(WATCH_KEYS)], ["FLUSHDB"] if rng.random() < 0.05
        else ["DBSIZE"],
    ])


_GENERATORS = None


def _generators():
    global _GENERATORS
    if _GENERATORS is None:
        import diff_hashes
        import diff_lists
        import diff_sets
        import diff_sorted_sets
        import diff_types
        import differential
        _GENERATORS = [differential.random_command, diff_hashes.random_command,
                       diff_lists.random_command, diff_sets.random_command,
                       diff_sorted_sets.random_command, diff_types.random_command]
    return _GENERATORS


def _any(rng, in_multi):
    """A command with an ordered, deterministic reply: local or from another family."""
    if rng.random() < 0.5:
        return _local(rng, in_multi)
    generator = rng.choice(_generators())
    while True:
        cmd = generator(rng)
        if cmd[0].upper() not in UNORDERED:
            return cmd


def _on(conn, cmd):
    return cmd if conn == 0 else ["@%d" % conn] + cmd


def _transaction(rng):
    """One random transaction on connection `me`, `other` writing in between."""
    me, other = (0, 1) if rng.random() < 0.85 else (1, 0)
    steps = []
    watching = rng.random() < 0.5
    watched = []

    def other_write():
        if watched and rng.random() < 0.9:
            return _on(other, _touch(rng, rng.choice(watched)))
        return _on(other, _any(rng, False))

    if watching:
        watched = rng.sample(WATCH_KEYS, rng.randint(1, 3))
        steps.append(_on(me, ["WATCH"] + watched))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2])):
            steps.append(other_write())
        if rng.random() < 0.1:
            steps.append(_on(me, ["UNWATCH"]))
    steps.append(_on(me, ["MULTI"]))
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.03:
            steps.append(_on(me, rng.choice([["NOSUCHCOMMAND", "a"], ["GET"], ["SET", "a"],
                                             ["MULTI"], ["WATCH", "a"], ["DISCARD", "x"]])))
        elif r < 0.1 and watching:
            steps.append(other_write())
        else:
            steps.append(_on(me, _any(rng, True)))
    r = rng.random()
    if r < 0.8:
        steps.append(_on(me, ["EXEC"]))
    elif r < 0.95:
        steps.append(_on(me, ["DISCARD"]))
    elif r < 0.98:
        steps.append(_on(me, ["EXEC", "x"]))
    else:
        steps.append(_on(me, ["RESET"]))
    return steps


def random_command(rng):
    """One step of a random stream of transactions (and a few plain commands between them):
    each transaction is generated whole, then handed out one step per call. Every MULTI is
    closed by its EXEC / DISCARD / RESET within the stream; the harness resets the main
    connection after the random part in case the stream is cut inside one."""
    queue = rng.__dict__.setdefault("_transactions_queue", [])
    if not queue:
        if rng.random() < 0.2:
            queue.extend(_on(rng.choice([0, 0, 1]), _any(rng, False))
                         for _ in range(rng.randint(1, 3)))
        else:
            queue.extend(_transaction(rng))
    return queue.pop(0)
