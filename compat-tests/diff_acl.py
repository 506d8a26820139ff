"""Differential cases for access control (picked up by differential.py as `--family acl`):
ACL SETUSER / GETUSER / DELUSER / LIST / USERS / WHOAMI / CAT / LOG / DRYRUN / GENPASS,
AUTH and HELLO AUTH, requirepass and NOAUTH, NOPERM for commands, keys and channels (also
inside MULTI, at EXEC after the rules changed, and from scripts), selectors, first
arguments (`+select|0`) and key permissions (`%R~`, `%W~`).

What Redis leaves to chance is normalized, nothing else:
- the single-command part of a rule description (`-@all +@read +hset -hget`) follows the
  order of Redis's command dictionary, which is seeded at random per process: descriptions
  (ACL LIST lines, GETUSER "commands") are compared as sorted sets of rules;
- ACL CAT <category> lists in that order too: compared sorted;
- ACL LOG's age-seconds is masked and its client-info keeps only the fields that describe
  the client's state (flags, db, sub, psub, multi, cmd, user, resp), not ids, addresses
  and timings;
- ACL GENPASS is random: compared by length.

Rules name only commands and categories both servers have (Memorabilia lacks bitmaps,
HyperLogLog, geo, SORT, ROLE and CLIENT PAUSE / UNPAUSE / NO-EVICT until issue 14), so the best-fit
categories and the single commands after them come out the same.
"""

from diff_hashes import parse

CLEANUP = [
    ["CONFIG", "SET", "requirepass", ""],
    ["ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all"],
    ["ACL", "DELUSER", "u", "v", "w", "alice", "bob", "sel"],
    ["ACL", "LOG", "RESET"],
    ["CONFIG", "SET", "acl-pubsub-default", "resetchannels"],
]

EDGE_CASES = [
    # New users, flags, passwords, key and channel patterns, and their descriptions.
    [["ACL", "SETUSER", "u"], ["ACL", "GETUSER", "u"], ["ACL", "LIST"], ["ACL", "USERS"],
     ["ACL", "SETUSER", "u", "on", ">pw", ">pw2", "#" + "a" * 64, "<pw2", "~k*", "%R~r*",
      "%W~w*", "%RW~both*", "&ch*", "+get", "+set"],
     ["ACL", "GETUSER", "u"], ["ACL", "LIST"],
     ["ACL", "SETUSER", "u", "nopass"], ["ACL", "GETUSER", "u"],
     ["ACL", "SETUSER", "u", "resetpass", "resetkeys", "resetchannels", "allkeys", "allchannels"],
     ["ACL", "GETUSER", "u"],
     ["ACL", "SETUSER", "u", "reset"], ["ACL", "GETUSER", "u"], ["ACL", "LIST"],
     ["ACL", "SETUSER", "u", "skip-sanitize-payload", "off"], ["ACL", "GETUSER", "u"],
     ["ACL", "SETUSER", "u", "sanitize-payload"], ["ACL", "GETUSER", "u"],
     ["ACL", "GETUSER", "nosuch"], ["ACL", "DELUSER", "u", "nosuch"], ["ACL", "USERS"]],
    # Rule errors: nothing of a refused SETUSER applies.
    [["ACL", "SETUSER", "u", "on", ">pw"], ["ACL", "SETUSER", "u", "off", "+nosuch"],
     ["ACL", "SETUSER", "u", "+@nosuch"], ["ACL", "SETUSER", "u", "bogus"],
     ["ACL", "SETUSER", "u", "#abc"], ["ACL", "SETUSER", "u", "!" + "b" * 64],
     ["ACL", "SETUSER", "u", "<nopw"], ["ACL", "SETUSER", "u", "~*", "~x"],
     ["ACL", "SETUSER", "u", "&*", "&x"], ["ACL", "SETUSER", "u", "%X~k"],
     ["ACL", "SETUSER", "u", "%"], ["ACL", "SETUSER", "u", "~a b"],
     ["ACL", "SETUSER", "u", "+client|id|x"], ["ACL", "SETUSER", "u", "+select|"],
     ["ACL", "SETUSER", "u", "+config|nosuch"], ["ACL", "SETUSER", "u", "-select|0"],
     ["ACL", "SETUSER", "u", "(+get", "~x"], ["ACL", "SETUSER", "a b"],
     ["ACL", "SETUSER", "u", "(+nosuch)"], ["ACL", "SETUSER", "u", "+"], ["ACL", "SETUSER", "u", "-"],
     ["ACL", "GETUSER", "u"], ["ACL", "DELUSER", "default"], ["ACL", "DELUSER", "u", "default"],
     ["ACL", "USERS"], ["ACL", "SETUSER"], ["ACL", "GETUSER"], ["ACL", "GETUSER", "a", "b"],
     ["ACL", "NOSUCH"], ["ACL"], ["ACL", "WHOAMI", "x"]],
    # Categories and commands: how a bitmap is described back.
    [["ACL", "SETUSER", "u", "+@all", "-@dangerous"], ["ACL", "GETUSER", "u"],
     ["ACL", "SETUSER", "v", "-@all", "+@read", "+@hash", "-hget"], ["ACL", "GETUSER", "v"],
     ["ACL", "SETUSER", "w", "allcommands", "-@write", "+set", "-client|kill", "+client"],
     ["ACL", "GETUSER", "w"], ["ACL", "LIST"],
     ["ACL", "SETUSER", "w", "nocommands", "+config|get", "+client|id", "+select|0", "+select|1"],
     ["ACL", "GETUSER", "w"], ["ACL", "SETUSER", "w", "+select"], ["ACL", "GETUSER", "w"],
     ["ACL", "SETUSER", "alice", "+@ALL", "-@Keyspace", "+del"], ["ACL", "GETUSER", "alice"]],
    # Selectors: several arguments merged, added, cleared.
    [["ACL", "SETUSER", "sel", "on", "nopass", "+get", "~a*", "(+set", "~b*)", "(%R~c* +@read)"],
     ["ACL", "GETUSER", "sel"], ["ACL", "LIST"],
     ["ACL", "DRYRUN", "sel", "GET", "a1"], ["ACL", "DRYRUN", "sel", "SET", "b1", "v"],
     ["ACL", "DRYRUN", "sel", "GET", "c1"], ["ACL", "DRYRUN", "sel", "SET", "c1", "v"],
     ["ACL", "DRYRUN", "sel", "SET", "a1", "v"], ["ACL", "DRYRUN", "sel", "MGET", "a1", "c1", "z"],
     ["ACL", "SETUSER", "sel", "clearselectors"], ["ACL", "GETUSER", "sel"],
     # A NUL ends a selector's rules, as C's string functions read it.
     ["ACL", "SETUSER", "sel", "(+set\x00 ~b*)", "(%R~c*\x00)"], ["ACL", "GETUSER", "sel"]],
    # Authenticating: AUTH, HELLO AUTH, WHOAMI, CLIENT LIST's user.
    [["ACL", "SETUSER", "alice", "on", ">secret", "+@all", "~*"],
     ["@1", "AUTH", "alice", "wrong"], ["@1", "AUTH", "nosuch", "x"], ["@1", "ACL", "WHOAMI"],
     ["@1", "AUTH", "alice", "secret"], ["@1", "ACL", "WHOAMI"], ["@1", "AUTH", "x"],
     ["@1", "AUTH", "a", "b", "c"], ["@1", "HELLO", "2", "AUTH", "alice", "bad"],
     ["@1", "HELLO", "2", "AUTH", "default", "anything"], ["@1", "ACL", "WHOAMI"],
     ["ACL", "SETUSER", "alice", "off"], ["@2", "AUTH", "alice", "secret"],
     ["@1", "ACL", "WHOAMI"], ["ACL", "LOG", "2"]],
    # requirepass: NOAUTH until AUTH; the one-argument AUTH; HELLO's own NOAUTH.
    [["CONFIG", "SET", "requirepass", "sesame"], ["CONFIG", "GET", "requirepass"],
     ["ACL", "GETUSER", "default"], ["@1", "PING"], ["@1", "GET", "k"], ["@1", "HELLO", "2"],
     ["@1", "MULTI"], ["@1", "AUTH", "wrong"], ["@1", "AUTH", "sesame"], ["@1", "GET", "k"],
     ["@2", "HELLO", "3", "AUTH", "default", "sesame"], ["@2", "ACL", "WHOAMI"],
     ["PING"], ["CONFIG", "SET", "requirepass", ""], ["@3", "AUTH", "x"], ["@3", "PING"]],
    # NOPERM: commands, keys by permission, channels, and the ACL LOG entries they leave.
    [["ACL", "SETUSER", "bob", "on", "nopass", "+get", "+set", "+mget", "+publish", "+subscribe",
      "+psubscribe", "+exists", "+client|id", "%R~r*", "%W~w*", "~both*", "&news*"],
     ["@1", "AUTH", "bob", "x"], ["@1", "GET", "r1"], ["@1", "SET", "r1", "v"],
     ["@1", "SET", "w1", "v"], ["@1", "GET", "w1"], ["@1", "SET", "both1", "v"],
     ["@1", "MGET", "r1", "both1", "w1"], ["@1", "DEL", "r1"], ["@1", "CLIENT", "ID"],
     ["@1", "CLIENT", "LIST"], ["@1", "PUBLISH", "news1", "m"], ["@1", "PUBLISH", "other", "m"],
     ["@1", "EXISTS", "w1"], ["@1", "PSUBSCRIBE", "news*x"],
     ["ACL", "LOG"], ["ACL", "LOG", "1"], ["ACL", "LOG", "0"], ["ACL", "LOG", "-5"],
     ["ACL", "LOG", "x"], ["ACL", "LOG", "RESET"], ["ACL", "LOG"]],
    # Inside MULTI: refused at queueing (EXECABORT), or at EXEC after the rules changed.
    [["ACL", "SETUSER", "bob", "on", "nopass", "+@all", "~*"], ["@1", "AUTH", "bob", "p"],
     ["@1", "MULTI"], ["@1", "SET", "k", "v"], ["ACL", "SETUSER", "bob", "-set"],
     ["@1", "SET", "k2", "v"], ["@1", "EXEC"],
     ["ACL", "SETUSER", "bob", "+set"], ["@1", "MULTI"], ["@1", "SET", "k", "v"],
     ["@1", "GET", "k"], ["ACL", "SETUSER", "bob", "-set", "resetkeys", "~k2"], ["@1", "EXEC"],
     ["ACL", "LOG", "3"]],
    # Scripts: redis.call is checked with the caller's user; redis.acl_check_cmd.
    [["ACL", "SETUSER", "bob", "on", "nopass", "+eval", "+get", "~a*"], ["@1", "AUTH", "bob", "p"],
     ["@1", "EVAL", "return redis.call('get', KEYS[1])", "1", "a1"],
     ["@1", "EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "a1"],
     ["@1", "EVAL", "return redis.pcall('get', 'zzz')", "0"],
     ["@1", "EVAL", "return redis.acl_check_cmd('set', 'a', 'b')", "0"],
     ["@1", "EVAL", "return redis.acl_check_cmd('get', 'a1')", "0"],
     ["@1", "EVAL", "return redis.acl_check_cmd('get', 'b1')", "0"],
     ["@1", "EVAL", "return redis.acl_check_cmd('nosuch')", "0"],
     ["ACL", "LOG", "2"]],
    # DRYRUN, CAT, GENPASS, HELP.
    [["ACL", "SETUSER", "u", "on", "+get", "~k*", "&c*", "+publish"],
     ["ACL", "DRYRUN", "u", "GET", "k1"], ["ACL", "DRYRUN", "u", "GET", "x1"],
     ["ACL", "DRYRUN", "u", "SET", "k1", "v"], ["ACL", "DRYRUN", "u", "PUBLISH", "c1", "m"],
     ["ACL", "DRYRUN", "u", "PUBLISH", "d1", "m"], ["ACL", "DRYRUN", "nosuch", "GET", "k"],
     ["ACL", "DRYRUN", "u", "NOSUCH", "k"], ["ACL", "DRYRUN", "u", "GET"],
     ["ACL", "DRYRUN", "u", "CONFIG", "nosuch"], ["ACL", "DRYRUN", "u", "CONFIG"],
     ["ACL", "DRYRUN", "u", "CONFIG", "GET", "x"], ["ACL", "DRYRUN", "u"],
     ["ACL", "CAT"], ["ACL", "CAT", "hash"], ["ACL", "CAT", "STREAM"], ["ACL", "CAT", "scripting"],
     ["ACL", "CAT", "nosuch"], ["ACL", "CAT", "a", "b"], ["ACL", "cat", "a", "b"],
     ["ACL", "LOG", "1", "2"], ["ACL", "GENPASS", "1", "2"],
     ["ACL", "GENPASS"], ["ACL", "GENPASS", "1"], ["ACL", "GENPASS", "5"], ["ACL", "GENPASS", "4096"],
     ["ACL", "GENPASS", "0"], ["ACL", "GENPASS", "4097"], ["ACL", "GENPASS", "x"],
     ["ACL", "HELP"], ["ACL", "LOAD"], ["ACL", "SAVE"]],
    # acl-pubsub-default allchannels: new users and selectors start with &*.
    [["CONFIG", "SET", "acl-pubsub-default", "allchannels"], ["ACL", "SETUSER", "u"],
     ["ACL", "SETUSER", "u", "(+get)"], ["ACL", "GETUSER", "u"], ["ACL", "SETUSER", "v", "reset"],
     ["ACL", "LIST"], ["CONFIG", "GET", "acl-pubsub-default"],
     ["CONFIG", "SET", "acl-pubsub-default", "resetchannels"], ["ACL", "SETUSER", "w"],
     ["ACL", "GETUSER", "w"]],
]

USERS = ["u", "v", "w"]
# Categories both servers fill completely (see the module docs), and single commands.
RULES = ["on", "off", "nopass", "resetpass", ">pw", "<pw", "~*", "~k*", "%R~r*", "%W~w*",
         "allkeys", "resetkeys", "&*", "&c*", "resetchannels", "+@all", "-@all", "+@hash",
         "-@hash", "+@string", "-@string", "+@stream", "-@stream", "+@pubsub", "-@pubsub",
         "+@transaction", "-@scripting", "+@blocking", "-@blocking", "+get", "-get", "+set",
         "+client|id", "+config|get", "+select|0", "(+get ~x*)", "(+@hash %R~h*)",
         "clearselectors", "reset", "+publish", "-xadd"]
KEYS = ["k1", "r1", "w1", "x1", "z"]


def random_command(rng):
    user = rng.choice(USERS)
    key = rng.choice(KEYS)
    options = [
        ["ACL", "SETUSER", user] + rng.sample(RULES, rng.randint(1, 4)),
        ["ACL", "GETUSER", user],
        ["ACL", "LIST"],
        ["ACL", "DRYRUN", user, "GET", key],
        ["ACL", "DRYRUN", user, "SET", key, "v"],
        ["ACL", "DRYRUN", user, "PUBLISH", rng.choice(["c1", "d"]), "m"],
        ["ACL", "DRYRUN", user, "CLIENT", "ID"],
        ["ACL", "DRYRUN", user, "SELECT", rng.choice(["0", "1"])],
        ["ACL", "DELUSER", user],
        ["ACL", "USERS"],
    ]
    return rng.choice(options)


def _sorted_rules(text):
    return tuple(sorted(text.split(b" ")))


def _describes_rules(value):
    return value.startswith((b"user ", b"+@all", b"-@all"))


def _client_info(text):
    keep = (b"flags", b"db", b"sub", b"psub", b"multi", b"cmd", b"user", b"resp")
    fields = [f.split(b"=", 1) for f in text.split(b" ") if b"=" in f]
    return tuple(sorted((k, v) for k, v in fields if k in keep))


def _walk(tree, key=None):
    kind, value = tree
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            # In a map, the item after a key is that key's value.
            name = value[i - 1][1] if kind == b"%" and i % 2 == 1 else None
            if kind == b"*" and i % 2 == 1 and isinstance(value[i - 1][1], bytes):
                name = value[i - 1][1]
            out.append(_walk(item, name))
        return (kind, out)
    if isinstance(value, bytes):
        if key == b"age-seconds":
            return (b"age", None)
        if key == b"client-info":
            return (kind, _client_info(value))
        if _describes_rules(value):
            return (kind, _sorted_rules(value))
    return (kind, value)


def normalize(cmd, raw):
    words = list(cmd)
    if words and isinstance(words[0], str) and words[0].startswith("@"):
        words = words[1:]
    if words and words[0].upper() == "HELLO" and raw[:1] in (b"*", b"%"):
        # Memorabilia reports the Redis version it follows (7.2's) and its own client ids.
        kind, items = parse(raw)
        return (kind, [item for i, item in enumerate(items)
                       if i % 2 == 0 or items[i - 1][1] not in (b"version", b"id")])
    if raw[:1] in (b"-", b"!") or len(words) < 2 or words[0].upper() != "ACL":
        return raw
    sub = words[1].upper()
    if sub == "GENPASS":
        kind, value = parse(raw)
        return (kind, len(value) if isinstance(value, bytes) else value)
    if sub == "CAT" and len(words) == 3:
        kind, items = parse(raw)
        return (kind, sorted(items))
    if sub in ("LIST", "GETUSER", "LOG"):
        return _walk(parse(raw))
    return raw
