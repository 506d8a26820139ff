"""Differential cases for pub/sub: PUBLISH, SPUBLISH, (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE and
PUBSUB (picked up by differential.py as `--family pubsub`).

Subscribers are extra connections (["@1", "SUBSCRIBE", "a"]); the main connection publishes and
queries PUBSUB. Reading what a subscriber receives uses the harness's pub/sub steps:
["@1!"] reads the next frame that arrives on connection 1 (a message, or the further replies of
SUBSCRIBE a b ...: one frame per channel), ["DRAIN", "1"] sends PING there and reads every frame
up to its reply, and ["IF_RESP", "3", <step>] runs a step only in the RESP3 pass. Everything runs
in RESP2 and RESP3: subscribe replies and messages are arrays in RESP2 and pushes (>3, >4) in
RESP3, and a RESP3 subscriber may run any command (RESP2 ones get the subscribed-mode error).

Redis leaves some orders unspecified, so the cases avoid them: the replies of an UNSUBSCRIBE /
PUNSUBSCRIBE / SUNSUBSCRIBE without arguments are only compared with at most one subscription
left, PUBSUB CHANNELS / SHARDCHANNELS are compared sorted (normalize), and the pmessages one
client gets from several of its patterns matching one channel are compared as a multiset
(normalize of DRAIN). Everything else is compared byte for byte, in order: a subscriber receives
messages in publishing order, the message of a channel subscription before the pmessages, and a
message published before a RESP3 subscriber's command arrives before that command's reply.
"""

# (pattern, channels published while a client is subscribed to the pattern): which channels
# match is redis-server's glob (stringmatchlen) decision, compared via the PUBLISH counts and the
# pmessages drained afterwards.
GLOB = [
    ("*", ["hello", "", "a b", "*"]),  # "" does not match "*" in Redis 7.0 (stringmatchlen)
    ("h?llo", ["hello", "hallo", "hllo", "heello", "h?llo", "Hello"]),
    ("h*llo", ["hllo", "hello", "heeeello", "hellox", "xhello"]),
    ("h[ae]llo", ["hello", "hallo", "hillo", "h[ae]llo"]),
    ("h[^e]llo", ["hello", "hallo", "hllo", "h^llo"]),
    ("h[a-c]llo", ["hallo", "hbllo", "hcllo", "hdllo", "h-llo"]),
    ("h[c-a]llo", ["hallo", "hbllo", "hdllo"]),  # a reversed range matches like a-c
    ("h\\?llo", ["h?llo", "hello"]),  # escaped ?: literal
    ("h\\*", ["h*", "hello"]),
    ("h[\\]]llo", ["h]llo", "hallo"]),
    ("news.*", ["news.uk", "news.", "news", "NEWS.uk"]),
    ("[", ["[", "a"]),
    ("a[", ["a[", "a", "ab"]),
    ("**x", ["x", "abx", "xa"]),
    ("\\", ["\\", "a"]),
]


def _glob_case(pattern, channels):
    steps = [["@1", "PSUBSCRIBE", pattern]]
    steps += [["PUBLISH", ch, "m:" + ch] for ch in channels]
    steps += [["DRAIN", "1"], ["PUBSUB", "NUMPAT"], ["@1", "PUNSUBSCRIBE", pattern],
              ["PUBSUB", "NUMPAT"]]
    return steps


BASICS = [
    # One channel: the confirmation, a message, other channels not delivered, unsubscribe.
    [["@1", "SUBSCRIBE", "news"], ["PUBLISH", "news", "hello"], ["@1!"],
     ["PUBLISH", "other", "x"], ["PUBLISH", "News", "x"], ["@1", "UNSUBSCRIBE", "news"],
     ["PUBLISH", "news", "gone"], ["DRAIN", "1"]],
    # Several channels in one command: one reply per channel, counts, duplicates counted once.
    [["@1", "SUBSCRIBE", "a", "b", "a", "c"], ["@1!"], ["@1!"], ["@1!"],
     ["PUBSUB", "NUMSUB", "a", "b", "c", "d"], ["@1", "SUBSCRIBE", "b"],
     ["@1", "UNSUBSCRIBE", "c", "x", "a"], ["@1!"], ["@1!"], ["PUBLISH", "b", "still"], ["@1!"],
     ["PUBLISH", "a", "no"], ["@1", "UNSUBSCRIBE"], ["PUBSUB", "NUMSUB", "a", "b", "c"]],
    # Unsubscribing with no subscription: [unsubscribe, nil, 0] (the nil is $-1 / _), and
    # explicit names are confirmed even if never subscribed; the client never entered
    # subscribed mode.
    [["@1", "UNSUBSCRIBE"], ["@1", "PUNSUBSCRIBE"], ["@1", "SUNSUBSCRIBE"],
     ["@1", "UNSUBSCRIBE", "x"], ["@1", "PUNSUBSCRIBE", "x*", "y*"], ["@1!"],
     ["@1", "SUNSUBSCRIBE", "s"], ["@1", "SET", "k", "v"], ["@1", "GET", "k"]],
    [["UNSUBSCRIBE"], ["PUNSUBSCRIBE", "p"], ["GET", "k"]],
    # Arity errors of every pub/sub command (not subscribed yet).
    [["SUBSCRIBE"], ["PSUBSCRIBE"], ["SSUBSCRIBE"], ["PUBLISH"], ["PUBLISH", "a"],
     ["PUBLISH", "a", "b", "c"], ["SPUBLISH", "a"], ["SPUBLISH", "a", "b", "c"],
     ["SPUBLISH", "a", "b"], ["PUBLISH", "a", "b"], ["publish", "a", "b"]],
    # Channel names and payloads are binary safe and case sensitive; "" is a channel.
    [["@1", "SUBSCRIBE", ""], ["@1", "SUBSCRIBE", "a\r\nb"], ["@1", "SUBSCRIBE", "Ab"],
     ["PUBLISH", "", ""], ["@1!"], ["PUBLISH", "a\r\nb", "x\x00y\r\nz"], ["@1!"],
     ["PUBLISH", "ab", "lower"], ["PUBLISH", "AB", "upper"], ["PUBLISH", "Ab", "exact"], ["@1!"],
     ["PUBLISH", "a\r\nb", "p" * 70000], ["@1!"], ["PUBSUB", "NUMSUB", "", "ab", "Ab"]],
    # Messages arrive in publishing order.
    [["@1", "SUBSCRIBE", "seq"]] + [["PUBLISH", "seq", str(i)] for i in range(60)]
    + [["@1!"]] * 60,
    # Pub/sub ignores databases: a subscriber that SELECTed another one still receives.
    [["@1", "SELECT", "5"], ["@1", "SUBSCRIBE", "a"], ["SELECT", "3"], ["PUBLISH", "a", "x"],
     ["@1!"], ["SELECT", "0"]],
    # A name that looks like a pattern is a plain channel for SUBSCRIBE, and PUNSUBSCRIBE of
    # it is a no-op confirmation.
    [["@1", "SUBSCRIBE", "a*"], ["PUBLISH", "ab", "no"], ["PUBLISH", "a*", "yes"], ["@1!"],
     ["@1", "PUNSUBSCRIBE", "a*"], ["PUBLISH", "a*", "again"], ["@1!"],
     ["@1", "UNSUBSCRIBE", "a*"]],
]

SUBSCRIBED_MODE = [
    # RESP2 allows only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET; the error names the command
    # in lower case (container|subcommand for subcommands). Unknown commands and arity errors
    # come first. RESP3 subscribers run these commands normally.
    [["@1", "SUBSCRIBE", "a"], ["@1", "GET", "k"], ["@1", "GeT", "k"], ["@1", "SET", "k", "v"],
     ["@1", "PUBLISH", "b", "x"], ["@1", "CLIENT", "GETNAME"], ["@1", "PUBSUB", "NUMSUB", "a"],
     ["@1", "PUBSUB", "NUMPAT"], ["@1", "SELECT", "1"], ["@1", "ECHO", "x"], ["@1", "DBSIZE"],
     ["@1", "NOSUCH", "x"], ["@1", "GET"], ["@1", "SUBSCRIBE"], ["@1", "PING", "a", "b"],
     ["@1", "UNSUBSCRIBE", "a"], ["@1", "GET", "k"]],
    # The same rule whatever the kind of subscription.
    [["@1", "PSUBSCRIBE", "p*"], ["@1", "GET", "k"], ["@1", "PUNSUBSCRIBE", "p*"],
     ["@1", "SSUBSCRIBE", "s"], ["@1", "GET", "k"], ["@1", "SUNSUBSCRIBE", "s"],
     ["@1", "GET", "k"]],
    # PING: ["pong", ""] / ["pong", arg] in RESP2 subscribed mode, +PONG / the bulk in RESP3,
    # +PONG again once unsubscribed.
    [["@1", "SUBSCRIBE", "a"], ["@1", "PING"], ["@1", "PING", "hi"], ["@1", "PING", ""],
     ["@1", "ping"], ["@1", "PING", "a", "b"], ["@1", "UNSUBSCRIBE", "a"], ["@1", "PING"],
     ["@1", "PING", "hi"]],
    # RESET leaves subscribed mode and drops every kind of subscription.
    [["@1", "SUBSCRIBE", "a", "b"], ["@1!"], ["@1", "PSUBSCRIBE", "p*"],
     ["@1", "SSUBSCRIBE", "s"], ["@1", "RESET"], ["@1", "GET", "k"], ["@1", "PING"],
     ["PUBLISH", "a", "x"], ["PUBLISH", "pa", "x"], ["SPUBLISH", "s", "x"],
     ["PUBSUB", "NUMSUB", "a", "b"], ["PUBSUB", "NUMPAT"], ["PUBSUB", "SHARDNUMSUB", "s"],
     ["@1", "UNSUBSCRIBE"], ["@1", "SUBSCRIBE", "c"], ["PUBLISH", "c", "back"], ["@1!"]],
    # QUIT in subscribed mode answers +OK and closes (the drain at the end sees it closed).
    [["@1", "SUBSCRIBE", "a"], ["@1", "QUIT"]],
    # The main connection itself subscribed (the harness RESETs it after the case).
    [["SUBSCRIBE", "m"], ["@1", "PUBLISH", "m", "to-main"], ["@0!"], ["GET", "k"], ["PING"],
     ["UNSUBSCRIBE", "m"], ["GET", "k"]],
]

COUNTS = [
    # The count in (un)subscribe replies is channels + patterns; shard channels count apart.
    [["@1", "SUBSCRIBE", "a"], ["@1", "PSUBSCRIBE", "p*", "q*"], ["@1!"],
     ["@1", "SSUBSCRIBE", "s1", "s2"], ["@1!"], ["@1", "SUBSCRIBE", "b"],
     ["@1", "SUNSUBSCRIBE", "s1"], ["@1", "UNSUBSCRIBE", "a"], ["@1", "PUNSUBSCRIBE", "q*"],
     ["@1", "PUNSUBSCRIBE", "q*"], ["@1", "UNSUBSCRIBE", "b"], ["@1", "PUNSUBSCRIBE"],
     ["@1", "GET", "k"], ["@1", "SUNSUBSCRIBE"], ["@1", "GET", "k"]],
    # Only shard channels: UNSUBSCRIBE / PUNSUBSCRIBE answer the nil form with 0, and the
    # client stays in subscribed mode until SUNSUBSCRIBE.
    [["@1", "SSUBSCRIBE", "s"], ["@1", "UNSUBSCRIBE"], ["@1", "PUNSUBSCRIBE"], ["@1", "GET", "k"],
     ["@1", "SUNSUBSCRIBE"], ["@1", "GET", "k"], ["@1", "SUNSUBSCRIBE"]],
    # Only patterns, unsubscribed one by one.
    [["@1", "PSUBSCRIBE", "a*", "b*", "a*"], ["@1!"], ["@1!"], ["@1", "PUNSUBSCRIBE", "b*", "a*"],
     ["@1!"], ["@1", "PING"]],
    # PUBLISH returns how many deliveries it made: one per channel subscriber plus one per
    # matching pattern subscription; a client with both gets a message and a pmessage, in
    # that order.
    [["@1", "SUBSCRIBE", "news"], ["@2", "PSUBSCRIBE", "n*"], ["@3", "SUBSCRIBE", "news"],
     ["@3", "PSUBSCRIBE", "*s"], ["@4", "PSUBSCRIBE", "x*"], ["PUBLISH", "news", "hi"],
     ["@1!"], ["@2!"], ["@3!"], ["@3!"], ["PUBLISH", "nope", "n"], ["@2!"],
     ["PUBLISH", "xs", "both"], ["@3!"], ["@4!"], ["PUBSUB", "NUMSUB", "news", "n*"],
     ["PUBSUB", "NUMPAT"]],
    # Subscribing twice to a channel or a pattern still delivers once.
    [["@1", "SUBSCRIBE", "a"], ["@1", "SUBSCRIBE", "a"], ["@1", "PSUBSCRIBE", "b*"],
     ["@1", "PSUBSCRIBE", "b*"], ["PUBLISH", "a", "1"], ["PUBLISH", "bb", "2"], ["DRAIN", "1"]],
    # Two patterns of one client matching one channel: two pmessages (their order is
    # Redis's dict order, compared as a multiset by normalize), PUBLISH counts 2.
    [["@1", "PSUBSCRIBE", "a*"], ["@1", "PSUBSCRIBE", "*b"], ["@1", "PSUBSCRIBE", "?b"],
     ["PUBLISH", "ab", "x"], ["DRAIN", "1"], ["PUBLISH", "a", "y"], ["DRAIN", "1"]],
    # NUMPAT counts distinct patterns, whatever the number of clients subscribed to each.
    [["@1", "PSUBSCRIBE", "a*", "b*"], ["@1!"], ["@2", "PSUBSCRIBE", "a*"],
     ["@3", "PSUBSCRIBE", "c*"], ["PUBSUB", "NUMPAT"], ["@3", "PUNSUBSCRIBE", "c*"],
     ["PUBSUB", "NUMPAT"], ["@1", "PUNSUBSCRIBE", "a*"], ["PUBSUB", "NUMPAT"],
     ["@2", "PUNSUBSCRIBE", "a*"], ["PUBSUB", "NUMPAT"]],
    # A subscriber's channel disappears when it unsubscribes, or its connection is RESET.
    [["@1", "SUBSCRIBE", "a"], ["@2", "SUBSCRIBE", "a"], ["PUBSUB", "NUMSUB", "a"],
     ["PUBSUB", "CHANNELS"], ["@1", "UNSUBSCRIBE", "a"], ["PUBSUB", "NUMSUB", "a"],
     ["PUBSUB", "CHANNELS"], ["@2", "RESET"], ["PUBSUB", "NUMSUB", "a"], ["PUBSUB", "CHANNELS"],
     ["PUBLISH", "a", "x"]],
]

SHARDED = [
    # SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE: smessage; PUBLISH and patterns never cross over.
    [["@1", "SSUBSCRIBE", "s1", "s2"], ["@1!"], ["SPUBLISH", "s1", "x"], ["@1!"],
     ["PUBLISH", "s1", "plain"], ["@2", "PSUBSCRIBE", "s*"], ["SPUBLISH", "s2", "y"], ["@1!"],
     ["@3", "SUBSCRIBE", "s1"], ["SPUBLISH", "s1", "z"], ["@1!"], ["PUBLISH", "s1", "p"],
     ["@2!"], ["@3!"], ["PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"], ["PUBSUB", "SHARDCHANNELS"],
     ["PUBSUB", "SHARDCHANNELS", "*2"], ["PUBSUB", "NUMSUB", "s1"], ["PUBSUB", "CHANNELS"],
     ["@1", "SUNSUBSCRIBE", "s1", "nope"], ["@1!"], ["PUBSUB", "SHARDCHANNELS"],
     ["SPUBLISH", "s1", "gone"], ["@1", "SUNSUBSCRIBE"], ["@1", "SUNSUBSCRIBE"]],
    # Several shard subscribers; binary names; SSUBSCRIBE twice.
    [["@1", "SSUBSCRIBE", "{t}a"], ["@2", "SSUBSCRIBE", "{t}a"], ["@2", "SSUBSCRIBE", "{t}a"],
     ["SPUBLISH", "{t}a", "m\r\n"], ["@1!"], ["@2!"], ["PUBSUB", "SHARDNUMSUB", "{t}a"],
     ["PUBSUB", "SHARDNUMSUB"], ["@2", "SUNSUBSCRIBE", "{t}a"], ["SPUBLISH", "{t}a", "one"],
     ["@1!"]],
]

PUBSUB_COMMAND = [
    # Arity and unknown-subcommand errors, HELP, subcommand names in any case.
    [["PUBSUB"], ["PUBSUB", "FOO"], ["PUBSUB", "FOO", "bar"], ["PUBSUB", "HELP"],
     ["pubsub", "help"], ["PUBSUB", "HELP", "x"], ["PUBSUB", "NUMPAT", "x"],
     ["PUBSUB", "CHANNELS", "a", "b"], ["PUBSUB", "SHARDCHANNELS", "a", "b"],
     ["PUBSUB", "NUMSUB"], ["PUBSUB", "SHARDNUMSUB"], ["PUBSUB", "CHANNELS"],
     ["PUBSUB", "SHARDCHANNELS"], ["PUBSUB", "NUMPAT"], ["pubsub", "numsub", "x", "x"],
     ["PUBSUB", "channels", "*"]],
    # CHANNELS with and without a pattern (sorted by normalize), patterns are not channels.
    [["@1", "SUBSCRIBE", "news.uk", "news.fr", "sport"], ["@1!"], ["@1!"],
     ["@2", "SUBSCRIBE", "news.uk", "Weather"], ["@2!"], ["@3", "PSUBSCRIBE", "news.*"],
     ["PUBSUB", "CHANNELS"], ["PUBSUB", "CHANNELS", "news.*"], ["PUBSUB", "CHANNELS", "*[rt]"],
     ["PUBSUB", "CHANNELS", "w*"], ["PUBSUB", "CHANNELS", ""], ["PUBSUB", "CHANNELS", "news.?r"],
     ["PUBSUB", "NUMSUB", "news.uk", "news.fr", "sport", "Weather", "news.*"],
     ["PUBSUB", "NUMPAT"], ["PUBSUB", "SHARDCHANNELS"]],
]

RESP3 = [
    # A RESP3 subscriber runs ordinary commands; a message published before its command is
    # pushed before that command's reply (the step reads the push, "@1!" then the reply).
    # In RESP2 the commands get the subscribed-mode error, also after the message.
    [["@1", "SUBSCRIBE", "a"], ["@1", "SET", "k", "v"], ["@2", "PUBLISH", "a", "m1"],
     ["@1", "GET", "k"], ["@1!"],
     ["@2", "PUBLISH", "a", "m2"], ["@2", "PUBLISH", "a", "m3"], ["@1", "INCR", "n"],
     ["@1!"], ["@1!"], ["@1", "HSET", "h", "f", "v"], ["@1", "HGETALL", "h"]],
    # A RESP3 subscriber publishing to its own channel gets the push before PUBLISH's :1;
    # in RESP2 the PUBLISH is refused.
    [["@1", "SUBSCRIBE", "me"], ["@1", "PUBLISH", "me", "self"], ["IF_RESP", "3", "@1!"],
     ["@1", "PSUBSCRIBE", "m*"], ["@1", "PUBLISH", "me", "twice"], ["IF_RESP", "3", "@1!"],
     ["IF_RESP", "3", "@1!"]],
    # RESP3 PUBSUB replies on a subscribed connection, and unsubscribe-all's nil as _.
    [["@1", "SUBSCRIBE", "a"], ["@1", "PUBSUB", "NUMSUB", "a"], ["@1", "PUBSUB", "NUMPAT"],
     ["@1", "UNSUBSCRIBE"], ["@1", "UNSUBSCRIBE"], ["@1", "PUBSUB", "NUMSUB", "a"]],
    # RESET also goes back to RESP2: a message after resubscribing is an array again.
    [["@1", "SUBSCRIBE", "a"], ["@1", "RESET"], ["@1", "SUBSCRIBE", "a"],
     ["PUBLISH", "a", "after-reset"], ["@1!"], ["@1", "PING"]],
]

EDGE_CASES = (BASICS + SUBSCRIBED_MODE + COUNTS + SHARDED + PUBSUB_COMMAND + RESP3
              + [_glob_case(p, chs) for p, chs in GLOB])


# ---------------------------------------------------------------------------------------
# Random: two subscriber connections (un)subscribing one name at a time, the main
# connection publishing and asking PUBSUB; after every PUBLISH / SPUBLISH both subscribers
# are drained, so a later command on them reads its own reply.
# ---------------------------------------------------------------------------------------

CHANNELS = ["news", "news.uk", "sport", "n", "", "Ab", "s?ort"]
PATTERNS = ["news*", "n*", "*", "s?ort", "[ns]*", "news.[a-z][a-z]", "*\\?*", "x"]
SHARDS = ["s1", "s2", "{t}x"]
PAYLOADS = ["hi", "", "x y", "42", "\r\n", "z" * 300]

_stream = {"rng": None, "queue": []}


def random_command(rng):
    if _stream["rng"] is not rng:  # a new random sequence (new Random object)
        _stream["rng"], _stream["queue"] = rng, []
    queue = _stream["queue"]
    if queue:
        return queue.pop(0)
    sub = rng.choice(["@1", "@2"])
    ch = rng.choice(CHANNELS)
    pat = rng.choice(PATTERNS)
    shard = rng.choice(SHARDS)
    roll = rng.random()
    if roll < 0.3:
        queue.extend([["DRAIN", "1"], ["DRAIN", "2"]])
        if rng.random() < 0.2:
            return ["SPUBLISH", shard, rng.choice(PAYLOADS)]
        return ["PUBLISH", rng.choice(CHANNELS + ["other"]), rng.choice(PAYLOADS)]
    options = [
        [sub, "SUBSCRIBE", ch], [sub, "UNSUBSCRIBE", ch], [sub, "PSUBSCRIBE", pat],
        [sub, "PUNSUBSCRIBE", pat], [sub, "SSUBSCRIBE", shard], [sub, "SUNSUBSCRIBE", shard],
        [sub, "PING"], [sub, "PING", "p"], [sub, "GET", "k"],
        ["PUBSUB", "NUMSUB", ch, rng.choice(CHANNELS)], ["PUBSUB", "NUMPAT"],
        ["PUBSUB", "CHANNELS"], ["PUBSUB", "CHANNELS", pat], ["PUBSUB", "SHARDCHANNELS"],
        ["PUBSUB", "SHARDNUMSUB", shard], ["PUBSUB", "NUMSUB"],
    ]
    # No RESET here: it would also switch the RESP3 pass's subscribers back to RESP2 for the
    # rest of the stream (the edge cases cover it).
    return rng.choice(options)


# ---------------------------------------------------------------------------------------
# Replies whose order Redis leaves unspecified
# ---------------------------------------------------------------------------------------

def _frame_end(raw, i):
    """End offset of the RESP frame starting at raw[i] (the harness's frame kinds)."""
    j = raw.index(b"\r\n", i)
    kind, rest = raw[i:i + 1], raw[i + 1:j]
    j += 2
    if kind in (b"$", b"=", b"!"):
        n = int(rest)
        return j + n + 2 if n >= 0 else j
    if kind in (b"*", b">", b"~", b"%"):
        n = int(rest) * (2 if kind == b"%" else 1)
        for _ in range(max(n, 0)):
            j = _frame_end(raw, j)
    return j


def _pmessage_key(frame):
    """(channel + payload bytes) of a pmessage frame, None for any other frame."""
    if not isinstance(frame, bytes) or frame[1:].split(b"\r\n", 2)[:2] != [b"4", b"$8"]:
        return None
    if frame[:1] not in (b"*", b">") or not frame.startswith(b"pmessage", 8):
        return None
    pattern_end = _frame_end(frame, 8 + len(b"pmessage\r\n"))
    return frame[pattern_end:]


def normalize(cmd, raw):
    name = cmd[0].upper() if cmd else ""
    if name == "PUBSUB" and len(cmd) > 1 and cmd[1].upper() in ("CHANNELS", "SHARDCHANNELS"):
        return sorted(raw.split(b"\r\n"))
    if name == "DRAIN":
        # A client whose patterns match one channel gets one pmessage per pattern in Redis's
        # dict order: sort each run of consecutive pmessages of the same channel and payload.
        out, run, key = [], [], None
        for frame in raw:
            k = _pmessage_key(frame)
            if run and k != key:
                out.extend(sorted(run))
                run = []
            if k is None:
                out.append(frame)
            else:
                run.append(frame)
            key = k
        return out + sorted(run)
    return raw
