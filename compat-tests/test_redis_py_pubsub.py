"""redis-py compatibility suite: pub/sub (PUBLISH, SPUBLISH, (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE,
PUBSUB, and what subscribing does to a connection).

Every assertion was validated against redis-server 7.0.15 (`redis-server --port 6401 --save ''
--appendonly no`) under PROTOCOL=2 and PROTOCOL=3.

- redis-py's PubSub API: get_message() dicts, ignore_subscribe_messages, patterns with Redis
  glob, a channel plus a matching pattern (two deliveries, PUBLISH returns 2), listen() in a
  thread, run_in_thread() with handlers, sharded pub/sub (ssubscribe / spublish /
  get_sharded_message), PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB following
  subscriptions, unsubscriptions and disconnects; binary channels and payloads.
- ordering and loss: 1000 messages from one publisher arrive in order, and several publisher
  threads each keep their order with nothing lost, every subscriber seeing the same sequence.
- raw wire shapes (resp_raw keeps the reply types): subscribe replies as arrays (RESP2) or
  pushes (RESP3) with the count in each, [unsubscribe, nil, 0], the RESP2 subscribed-mode
  error, PING forms, RESET and QUIT in subscribed mode, a RESP3 subscriber's pushes
  interleaved with its ordinary replies, CLIENT LIST sub= / psub= / ssub= / flags=P,
  CLIENT KILL TYPE pubsub, INFO stats pubsub_channels / pubsub_patterns / pubsubshard_channels.

Where Redis leaves the order unspecified (UNSUBSCRIBE of everything, PUBSUB CHANNELS, the
pmessages of several patterns of one client matching one channel), replies are compared sorted.
"""
import threading
import time

import pytest
from redis.exceptions import ResponseError

from conftest import PROTOCOL, make_client, run_threads, wait_until
from resp_raw import Error, Null, NullBulk, Push, Status, encode_command, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
OK = Status("OK")
SUBSCRIBED_ONLY = ("only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                   "in this context")


def not_allowed(cmd):
    return Error(f"ERR Can't execute '{cmd}': {SUBSCRIBED_ONLY}")


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def frame(*items, protocol=PROTOCOL):
    """What a subscribe reply or a message is in `protocol`: an array in RESP2, a push in
    RESP3 (as resp_raw parses them)."""
    return list(items) if protocol == 2 else Push(items)


def wire(*items, protocol=PROTOCOL):
    """The exact bytes of frame(*items): bytes as bulk strings, ints as integers, None as the
    protocol's null."""
    out = [b"%s%d\r\n" % (b"*" if protocol == 2 else b">", len(items))]
    for x in items:
        if x is None:
            out.append(b"$-1\r\n" if protocol == 2 else b"_\r\n")
        elif isinstance(x, int):
            out.append(b":%d\r\n" % x)
        else:
            out.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)


def next_message(p, timeout=5.0, sharded=False):
    """The next dict from get_message() (confirmations included), waiting up to `timeout`."""
    get = p.get_sharded_message if sharded else p.get_message
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = get(timeout=0.1)
        if msg is not None:
            return msg
    raise AssertionError(f"no message within {timeout} s")


def no_more_messages(p):
    """Nothing else pending: a PING through the same connection is answered first. In RESP2
    the pong is itself a pub/sub frame ("pong"); in RESP3 redis-py cannot parse PING's +PONG
    as a message, so the check uses a short wait instead."""
    if PROTOCOL == 2:
        p.ping()
        assert next_message(p) == {"type": "pong", "pattern": None, "channel": None, "data": ""}
    else:
        assert p.get_message(timeout=0.2) is None


def msg(kind, channel, data, pattern=None):
    return {"type": kind, "pattern": pattern, "channel": channel, "data": data}


@pytest.fixture(autouse=True)
def _no_subscriptions_left(r):
    """Pub/sub state is global: wait until the connections of earlier tests are gone, so the
    counts below only see this test's subscribers."""
    wait_until(lambda: (r.pubsub_channels(), r.pubsub_numpat(), r.pubsub_shardchannels()),
               ([], 0, []))
    yield


@pytest.fixture
def pubsub():
    """Factory of redis-py PubSub objects (each on its own connection), closed at teardown."""
    made = []

    def factory(decode=True, **kw):
        client = make_client(decode=decode)
        p = client.pubsub(**kw)
        made.append((client, p))
        return p

    yield factory
    for client, p in made:
        p.close()
        client.close()


# ---------------------------------------------------------------------------
# redis-py PubSub: get_message, patterns, sharded channels
# ---------------------------------------------------------------------------

def test_subscribe_publish_unsubscribe(r, pubsub):
    p = pubsub()
    p.subscribe("c1", "c2")
    assert next_message(p) == msg("subscribe", "c1", 1)
    assert next_message(p) == msg("subscribe", "c2", 2)  # the count of subscriptions
    assert p.subscribed
    assert r.publish("c1", "hello") == 1
    assert r.publish("nobody", "x") == 0
    assert r.publish("C1", "x") == 0  # channel names are case sensitive
    assert next_message(p) == msg("message", "c1", "hello")
    p.subscribe("c1")  # again: still one subscription, the count does not grow
    assert next_message(p) == msg("subscribe", "c1", 2)
    assert r.publish("c1", "once") == 1
    assert next_message(p) == msg("message", "c1", "once")
    p.unsubscribe("c2")
    assert next_message(p) == msg("unsubscribe", "c2", 1)
    assert r.publish("c2", "gone") == 0
    p.unsubscribe("c1")
    assert next_message(p) == msg("unsubscribe", "c1", 0)
    assert not p.subscribed
    assert p.get_message(timeout=0.2) is None  # nothing for c2 after it left


def test_ignore_subscribe_messages(r, pubsub):
    p = pubsub(ignore_subscribe_messages=True)
    p.subscribe("c")
    wait_until(lambda: r.pubsub_numsub("c"), [("c", 1)])
    assert r.publish("c", "1") == 1
    assert next_message(p) == msg("message", "c", "1")  # the confirmation was swallowed


GLOB = [
    # pattern, channels that match, channels that do not (Redis glob: stringmatchlen)
    ("h?llo", ["hello", "hallo", "h?llo"], ["hllo", "heello", "Hello"]),
    ("h*llo", ["hllo", "hello", "heeello"], ["hellox", "xhello"]),
    ("h[ae]llo", ["hello", "hallo"], ["hillo", "h[ae]llo"]),
    ("h[^e]llo", ["hallo", "h^llo"], ["hello", "hllo"]),
    ("h[a-c]llo", ["hallo", "hbllo", "hcllo"], ["hdllo", "h-llo"]),
    ("h\\?llo", ["h?llo"], ["hello"]),
    ("news.*", ["news.uk", "news."], ["news", "NEWS.uk"]),
    ("*", ["x", "a b"], [""]),  # in Redis 7.0 "*" does not match the empty channel
]


@pytest.mark.parametrize("pattern, matching, other", GLOB, ids=[g[0] for g in GLOB])
def test_psubscribe_glob(r, pubsub, pattern, matching, other):
    p = pubsub()
    p.psubscribe(pattern)
    assert next_message(p) == msg("psubscribe", pattern, 1)
    for ch in matching + other:
        assert r.publish(ch, "m:" + ch) == (1 if ch in matching else 0), ch
    for ch in matching:  # in publishing order
        assert next_message(p) == msg("pmessage", ch, "m:" + ch, pattern=pattern)
    no_more_messages(p)
    assert r.pubsub_numpat() == 1
    p.punsubscribe(pattern)
    assert next_message(p) == msg("punsubscribe", pattern, 0)
    assert r.pubsub_numpat() == 0


def test_channel_and_matching_pattern_deliver_twice(r, pubsub):
    p = pubsub()
    p.subscribe("news.uk")
    p.psubscribe("news.*")
    assert next_message(p) == msg("subscribe", "news.uk", 1)
    assert next_message(p) == msg("psubscribe", "news.*", 2)
    assert r.publish("news.uk", "hi") == 2  # one delivery per subscription
    # Redis delivers to channel subscribers first, then to patterns.
    assert next_message(p) == msg("message", "news.uk", "hi")
    assert next_message(p) == msg("pmessage", "news.uk", "hi", pattern="news.*")
    assert r.publish("news.fr", "fr") == 1
    assert next_message(p) == msg("pmessage", "news.fr", "fr", pattern="news.*")
    no_more_messages(p)


def test_several_patterns_of_one_client(r, pubsub):
    p = pubsub(ignore_subscribe_messages=True)
    p.psubscribe("a*", "*b", "?b", "zz*")
    wait_until(r.pubsub_numpat, 4)
    assert r.publish("ab", "x") == 3
    got = sorted((m["pattern"], m["channel"], m["data"]) for m in
                 (next_message(p) for _ in range(3)))  # pattern order: unspecified
    assert got == [("*b", "ab", "x"), ("?b", "ab", "x"), ("a*", "ab", "x")]
    no_more_messages(p)


def test_unsubscribe_everything(r, pubsub):
    p = pubsub()
    p.subscribe("a", "b", "c")
    p.psubscribe("p*", "q*")
    assert [next_message(p)["data"] for _ in range(5)] == [1, 2, 3, 4, 5]
    p.unsubscribe()
    got = [next_message(p) for _ in range(3)]
    assert {m["type"] for m in got} == {"unsubscribe"}
    # Which channel goes first is Redis's dict order; the counts go down one by one.
    assert sorted(m["channel"] for m in got) == ["a", "b", "c"]
    assert [m["data"] for m in got] == [4, 3, 2]
    assert p.subscribed  # the patterns are left
    p.punsubscribe()
    got = [next_message(p) for _ in range(2)]
    assert sorted(m["channel"] for m in got) == ["p*", "q*"]
    assert [m["data"] for m in got] == [1, 0]
    assert not p.subscribed
    assert (r.pubsub_channels(), r.pubsub_numpat()) == ([], 0)


def test_sharded_pubsub(r, pubsub):
    p = pubsub()
    p.ssubscribe("s1", "s2")
    assert next_message(p, sharded=True) == msg("ssubscribe", "s1", 1)
    assert next_message(p, sharded=True) == msg("ssubscribe", "s2", 2)
    assert r.spublish("s1", "x") == 1
    assert next_message(p, sharded=True) == msg("smessage", "s1", "x")
    # Shard channels and classic channels / patterns are separate worlds.
    assert r.publish("s1", "plain") == 0
    other = pubsub()
    other.psubscribe("s*")
    other.subscribe("s2")
    assert next_message(other) == msg("psubscribe", "s*", 1)
    assert next_message(other) == msg("subscribe", "s2", 2)
    assert r.spublish("s2", "y") == 1  # only the shard subscriber
    assert next_message(p, sharded=True) == msg("smessage", "s2", "y")
    assert r.publish("s2", "z") == 2  # only the other client, channel + pattern
    assert sorted(r.pubsub_shardchannels()) == ["s1", "s2"]
    assert r.pubsub_shardchannels("*1") == ["s1"]
    assert r.pubsub_shardnumsub("s1", "s2", "s3") == [("s1", 1), ("s2", 1), ("s3", 0)]
    assert r.pubsub_channels() == ["s2"]
    assert r.pubsub_numsub("s1", "s2") == [("s1", 0), ("s2", 1)]
    p.sunsubscribe("s1")
    assert next_message(p, sharded=True) == msg("sunsubscribe", "s1", 1)
    assert r.spublish("s1", "gone") == 0
    assert r.pubsub_shardchannels() == ["s2"]
    p.sunsubscribe("s2")
    assert next_message(p, sharded=True) == msg("sunsubscribe", "s2", 0)
    assert r.pubsub_shardchannels() == []


def test_binary_channels_and_payloads(rb, pubsub):
    p = pubsub(decode=False)
    channel = b"bin\x00\r\n\xffch"
    p.subscribe(channel)
    assert next_message(p) == msg("subscribe", channel, 1)
    payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
    for data in (b"", b"\r\n", b"\x00", payload):
        assert rb.publish(channel, data) == 1
        assert next_message(p) == msg("message", channel, data)
    assert rb.pubsub_numsub(channel) == [(channel, 1)]


def test_subscriber_in_another_database(r, pubsub):
    # Pub/sub ignores databases: a subscriber in db 5 hears a publisher in db 0.
    client = make_client(db=5)
    try:
        p = client.pubsub()
        p.subscribe("c")
        assert next_message(p) == msg("subscribe", "c", 1)
        assert r.publish("c", "x") == 1
        assert next_message(p) == msg("message", "c", "x")
        p.close()
    finally:
        client.close()


def test_ping_while_subscribed(pubsub):
    if PROTOCOL == 3:
        pytest.skip("redis-py reads RESP3's +PONG as a pub/sub message; see test_wire_ping_forms")
    p = pubsub()
    p.subscribe("c")
    next_message(p)
    p.ping()
    assert next_message(p) == msg("pong", None, "")
    p.ping("hey")
    assert next_message(p) == msg("pong", None, "hey")


def test_other_commands_while_subscribed_resp2(pubsub):
    if PROTOCOL == 3:
        pytest.skip("RESP3 subscribers may run any command; see test_wire_subscribed_mode")
    p = pubsub()
    p.subscribe("c")
    next_message(p)
    p.execute_command("GET", "k")
    with pytest.raises(ResponseError) as e:
        next_message(p)
    # redis-py strips the "ERR " prefix of the error it raises
    assert str(e.value) == f"Can't execute 'get': {SUBSCRIBED_ONLY}"
    p.execute_command("PUBLISH", "c", "x")
    with pytest.raises(ResponseError) as e:
        next_message(p)
    assert str(e.value) == f"Can't execute 'publish': {SUBSCRIBED_ONLY}"
    p.unsubscribe("c")
    assert next_message(p) == msg("unsubscribe", "c", 0)  # the connection still works


# ---------------------------------------------------------------------------
# PUBSUB introspection through redis-py
# ---------------------------------------------------------------------------

def test_pubsub_numsub_numpat_channels(r, pubsub):
    a, b = pubsub(), pubsub()
    a.subscribe("news.uk", "news.fr", "sport")
    b.subscribe("news.uk", "Weather")
    a.psubscribe("news.*")
    b.psubscribe("news.*", "w*")
    # redis-py does not wait for the confirmations: read them, so all are in place.
    assert [next_message(a)["data"] for _ in range(4)] == [1, 2, 3, 4]
    assert [next_message(b)["data"] for _ in range(4)] == [1, 2, 3, 4]
    assert r.pubsub_numsub("news.uk", "news.fr", "sport", "Weather", "news.*", "none") == [
        ("news.uk", 2), ("news.fr", 1), ("sport", 1), ("Weather", 1), ("news.*", 0),
        ("none", 0)]  # patterns are not channels
    assert r.pubsub_numsub() == []
    assert sorted(r.pubsub_channels()) == ["Weather", "news.fr", "news.uk", "sport"]
    assert sorted(r.pubsub_channels("news.*")) == ["news.fr", "news.uk"]
    assert r.pubsub_channels("w*") == []  # case sensitive
    assert r.pubsub_numpat() == 2  # distinct patterns, whatever the number of clients
    assert r.publish("news.uk", "x") == 4  # 2 channel subscribers + 2 pattern subscriptions

    # The last subscriber of a channel leaving drops the channel.
    a.unsubscribe("news.fr")
    wait_until(lambda: r.pubsub_numsub("news.fr"), [("news.fr", 0)])
    assert "news.fr" not in r.pubsub_channels()
    a.unsubscribe("news.uk")
    wait_until(lambda: r.pubsub_numsub("news.uk"), [("news.uk", 1)])
    assert "news.uk" in r.pubsub_channels()  # b still listens
    # ... and so does its connection closing.
    b.close()
    wait_until(lambda: sorted(r.pubsub_channels()), ["sport"])
    assert r.pubsub_numsub("news.uk", "Weather") == [("news.uk", 0), ("Weather", 0)]
    assert r.pubsub_numpat() == 1  # a's news.*
    assert r.publish("news.uk", "x") == 1
    a.close()
    wait_until(lambda: (r.pubsub_channels(), r.pubsub_numpat()), ([], 0))
    assert r.publish("sport", "x") == 0


def test_subscribe_a_thousand_channels_in_one_command(r, raw):
    channels = [f"ch:{i}" for i in range(1000)]
    raw.send(encode_command("SUBSCRIBE", *channels))
    for i, ch in enumerate(channels):
        same(raw.read(), frame(b"subscribe", ch.encode(), i + 1))
    assert len(r.pubsub_channels("ch:*")) == 1000
    assert r.pubsub_numsub("ch:0", "ch:999") == [("ch:0", 1), ("ch:999", 1)]
    assert r.publish("ch:500", "m") == 1
    same(raw.read(), frame(b"message", b"ch:500", b"m"))


# ---------------------------------------------------------------------------
# Ordering and loss, with real threads
# ---------------------------------------------------------------------------

def _collect(p, n, out):
    """listen() until n messages (not confirmations) arrived."""
    def body():
        for m in p.listen():
            if m["type"] in ("message", "pmessage"):
                out.append(m)
                if len(out) == n:
                    return
    return body


def test_one_publisher_1000_messages_in_order(r, pubsub):
    n = 1000
    p = pubsub()
    p.subscribe("seq")
    assert next_message(p) == msg("subscribe", "seq", 1)
    got = []
    listener = threading.Thread(target=_collect(p, n, got), daemon=True)
    listener.start()
    for i in range(n):
        assert r.publish("seq", str(i)) == 1
    listener.join(30)
    assert not listener.is_alive(), f"only {len(got)} of {n} messages arrived"
    assert [m["data"] for m in got] == [str(i) for i in range(n)]
    assert {m["channel"] for m in got} == {"seq"}


def test_concurrent_publishers_keep_their_order(r, pubsub):
    """4 publisher threads (one connection each) x 300 messages. A channel subscriber and a
    pattern subscriber each get all 1200; every publisher's messages keep their order; and
    both see one and the same interleaving (Redis serializes the PUBLISHes)."""
    publishers, each = 4, 300
    total = publishers * each
    by_channel, by_pattern = pubsub(), pubsub()
    by_channel.subscribe("feed")
    by_pattern.psubscribe("fe*")
    assert next_message(by_channel) == msg("subscribe", "feed", 1)
    assert next_message(by_pattern) == msg("psubscribe", "fe*", 1)
    got_channel, got_pattern = [], []
    listeners = [threading.Thread(target=_collect(by_channel, total, got_channel), daemon=True),
                 threading.Thread(target=_collect(by_pattern, total, got_pattern), daemon=True)]
    for t in listeners:
        t.start()
    counts = []

    def publisher(pid):
        def body():
            client = make_client()
            try:
                for seq in range(each):
                    counts.append(client.publish("feed", f"{pid}:{seq}"))
            finally:
                client.close()
        return body

    run_threads([publisher(pid) for pid in range(publishers)])
    for t in listeners:
        t.join(30)
    assert not any(t.is_alive() for t in listeners), \
        f"missing messages: {len(got_channel)} and {len(got_pattern)} of {total}"
    assert counts == [2] * total  # every PUBLISH reached both subscribers
    seq_channel = [m["data"] for m in got_channel]
    seq_pattern = [m["data"] for m in got_pattern]
    for pid in range(publishers):
        mine = [d for d in seq_channel if d.startswith(f"{pid}:")]
        assert mine == [f"{pid}:{s}" for s in range(each)], f"publisher {pid} out of order"
    assert seq_pattern == seq_channel
    assert {m["pattern"] for m in got_pattern} == {"fe*"}


def test_run_in_thread_with_handlers(r, pubsub):
    received = []
    done = threading.Event()

    def handler(m):
        received.append((m["type"], m["pattern"], m["channel"], m["data"]))
        if len(received) == 3:
            done.set()

    p = pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"jobs": handler})
    p.psubscribe(**{"job*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_until(r.pubsub_numpat, 1)
        wait_until(lambda: r.pubsub_numsub("jobs"), [("jobs", 1)])
        assert r.publish("jobs", "1") == 2
        assert r.publish("jobs2", "2") == 1
        assert done.wait(10), received
    finally:
        worker.stop()
        worker.join(5)
    assert received == [("message", None, "jobs", "1"), ("pmessage", "job*", "jobs", "1"),
                        ("pmessage", "job*", "jobs2", "2")]


# ---------------------------------------------------------------------------
# Wire shapes through the raw connection
# ---------------------------------------------------------------------------

def test_wire_subscribe_replies_and_counts(raw, new_raw):
    assert raw.raw("SUBSCRIBE", "a", "b", "a") == wire(b"subscribe", b"a", 1)
    assert raw.read_raw() == wire(b"subscribe", b"b", 2)
    assert raw.read_raw() == wire(b"subscribe", b"a", 2)  # a duplicate is confirmed again
    # Channels and patterns share the count; shard channels have their own.
    assert raw.raw("PSUBSCRIBE", "p*") == wire(b"psubscribe", b"p*", 3)
    assert raw.raw("SSUBSCRIBE", "s1", "s2") == wire(b"ssubscribe", b"s1", 1)
    assert raw.read_raw() == wire(b"ssubscribe", b"s2", 2)
    assert raw.raw("SUNSUBSCRIBE", "s1", "nope") == wire(b"sunsubscribe", b"s1", 1)
    assert raw.read_raw() == wire(b"sunsubscribe", b"nope", 1)
    assert raw.raw("UNSUBSCRIBE", "b", "x") == wire(b"unsubscribe", b"b", 2)
    assert raw.read_raw() == wire(b"unsubscribe", b"x", 2)
    assert raw.raw("PUNSUBSCRIBE") == wire(b"punsubscribe", b"p*", 1)
    pub = new_raw()
    same(pub.cmd("PUBLISH", "a", "hello"), 1)
    assert raw.read_raw() == wire(b"message", b"a", b"hello")
    same(pub.cmd("SPUBLISH", "s2", "sh"), 1)
    assert raw.read_raw() == wire(b"smessage", b"s2", b"sh")
    assert raw.raw("UNSUBSCRIBE") == wire(b"unsubscribe", b"a", 0)
    assert raw.raw("SUNSUBSCRIBE") == wire(b"sunsubscribe", b"s2", 0)
    # Out of subscribed mode again.
    assert raw.raw("PING") == b"+PONG\r\n"
    assert raw.raw("GET", "k") == (b"$-1\r\n" if PROTOCOL == 2 else b"_\r\n")


def test_wire_unsubscribe_without_subscriptions(raw):
    for cmd, kind in (("UNSUBSCRIBE", b"unsubscribe"), ("PUNSUBSCRIBE", b"punsubscribe"),
                      ("SUNSUBSCRIBE", b"sunsubscribe")):
        same(raw.cmd(cmd), frame(kind, NIL, 0))
        assert raw.last_raw == wire(kind, None, 0)
    same(raw.cmd("UNSUBSCRIBE", "x"), frame(b"unsubscribe", b"x", 0))
    same(raw.cmd("SET", "k", "v"), OK)  # never entered subscribed mode


def test_wire_pattern_message(raw, new_raw):
    assert raw.raw("PSUBSCRIBE", "n*") == wire(b"psubscribe", b"n*", 1)
    assert raw.raw("SUBSCRIBE", "news") == wire(b"subscribe", b"news", 2)
    same(new_raw().cmd("PUBLISH", "news", "x"), 2)
    assert raw.read_raw() == wire(b"message", b"news", b"x")
    assert raw.read_raw() == wire(b"pmessage", b"n*", b"news", b"x")


def test_wire_only_shard_subscriptions_keep_subscribed_mode(raw):
    same(raw.cmd("SSUBSCRIBE", "s"), frame(b"ssubscribe", b"s", 1))
    # No channel nor pattern: the nil form with 0, but the shard subscription remains.
    same(raw.cmd("UNSUBSCRIBE"), frame(b"unsubscribe", NIL, 0))
    same(raw.cmd("PUNSUBSCRIBE"), frame(b"punsubscribe", NIL, 0))
    same(raw.cmd("GET", "k"), not_allowed("get") if PROTOCOL == 2 else Null)
    same(raw.cmd("SUNSUBSCRIBE"), frame(b"sunsubscribe", b"s", 0))
    same(raw.cmd("GET", "k"), NIL)


SUBSCRIBED_MODE_COMMANDS = [
    # command, RESP2 reply in subscribed mode, RESP3 reply (k holds "v", no name set)
    (("GET", "k"), not_allowed("get"), b"v"),
    (("gEt", "k"), not_allowed("get"), b"v"),  # the error names the command in lower case
    (("SET", "k", "w"), not_allowed("set"), OK),
    (("PUBLISH", "other", "x"), not_allowed("publish"), 0),
    (("CLIENT", "GETNAME"), not_allowed("client|getname"), Null),  # container|subcommand
    (("PUBSUB", "NUMPAT"), not_allowed("pubsub|numpat"), 0),
    (("SELECT", "0"), not_allowed("select"), OK),
    (("ECHO", "e"), not_allowed("echo"), b"e"),
    (("MULTI",), not_allowed("multi"), OK),
    (("DISCARD",), not_allowed("discard"), OK),
    # unknown commands and arity errors are reported before the subscribed-mode check
    (("NOSUCH", "x"), Error("ERR unknown command 'NOSUCH', with args beginning with: 'x' "),
     Error("ERR unknown command 'NOSUCH', with args beginning with: 'x' ")),
    (("GET",), Error("ERR wrong number of arguments for 'get' command"),
     Error("ERR wrong number of arguments for 'get' command")),
    (("SUBSCRIBE",), Error("ERR wrong number of arguments for 'subscribe' command"),
     Error("ERR wrong number of arguments for 'subscribe' command")),
]


def test_wire_subscribed_mode(raw):
    same(raw.cmd("SET", "k", "v"), OK)
    same(raw.cmd("SUBSCRIBE", "c"), frame(b"subscribe", b"c", 1))
    for args, resp2, resp3 in SUBSCRIBED_MODE_COMMANDS:
        same(raw.cmd(*args), resp2 if PROTOCOL == 2 else resp3)
    # Still subscribed after all that.
    same(raw.cmd("UNSUBSCRIBE", "c"), frame(b"unsubscribe", b"c", 0))
    same(raw.cmd("GET", "k"), b"w" if PROTOCOL == 3 else b"v")


def test_wire_ping_forms(raw):
    same(raw.cmd("SUBSCRIBE", "c"), frame(b"subscribe", b"c", 1))
    if PROTOCOL == 2:
        assert raw.raw("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
        assert raw.raw("PING", "hi") == b"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n"
        assert raw.raw("ping", "") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    else:  # RESP3 subscribers get the ordinary replies
        assert raw.raw("PING") == b"+PONG\r\n"
        assert raw.raw("PING", "hi") == b"$2\r\nhi\r\n"
        assert raw.raw("ping", "") == b"$0\r\n\r\n"
    same(raw.cmd("PING", "a", "b"), Error("ERR wrong number of arguments for 'ping' command"))
    same(raw.cmd("UNSUBSCRIBE"), frame(b"unsubscribe", b"c", 0))
    assert raw.raw("PING") == b"+PONG\r\n"
    assert raw.raw("PING", "hi") == b"$2\r\nhi\r\n"


def test_wire_reset_leaves_subscribed_mode(raw, new_raw):
    same(raw.cmd("SUBSCRIBE", "a", "b"), frame(b"subscribe", b"a", 1))
    raw.read()
    same(raw.cmd("PSUBSCRIBE", "p*"), frame(b"psubscribe", b"p*", 3))
    same(raw.cmd("SSUBSCRIBE", "s"), frame(b"ssubscribe", b"s", 1))
    assert raw.raw("RESET") == b"+RESET\r\n"
    # Everything dropped, and back to RESP2 (RESET also undoes HELLO 3).
    assert raw.raw("GET", "k") == b"$-1\r\n"
    pub = new_raw()
    for cmd in (("PUBLISH", "a", "x"), ("PUBLISH", "px", "x"), ("SPUBLISH", "s", "x")):
        same(pub.cmd(*cmd), 0)
    same(pub.cmd("PUBSUB", "NUMSUB", "a", "b"), [b"a", 0, b"b", 0])
    same(pub.cmd("PUBSUB", "NUMPAT"), 0)
    assert raw.raw("SUBSCRIBE", "c") == wire(b"subscribe", b"c", 1, protocol=2)
    same(pub.cmd("PUBLISH", "c", "after"), 1)
    assert raw.read_raw() == wire(b"message", b"c", b"after", protocol=2)


def test_wire_quit_while_subscribed(raw, r):
    same(raw.cmd("SUBSCRIBE", "q"), frame(b"subscribe", b"q", 1))
    same(raw.cmd("QUIT"), OK)
    assert raw.is_closed()
    wait_until(lambda: r.pubsub_numsub("q"), [("q", 0)])


def test_wire_messages_interleave_with_replies(raw, new_raw):
    """A message published before the subscriber's next command arrives before that
    command's reply (Redis appends both to the same output, in that order). RESP3: the
    push, then the ordinary reply; RESP2: the message, then the subscribed-mode error."""
    pub = new_raw()
    same(pub.cmd("SET", "k", "v"), OK)
    same(raw.cmd("SUBSCRIBE", "a"), frame(b"subscribe", b"a", 1))
    same(pub.cmd("PUBLISH", "a", "m1"), 1)
    raw.send(encode_command("GET", "k"))
    same(raw.read(), frame(b"message", b"a", b"m1"))
    same(raw.read(), b"v" if PROTOCOL == 3 else not_allowed("get"))
    same(pub.cmd("PUBLISH", "a", "m2"), 1)
    same(pub.cmd("PUBLISH", "a", "m3"), 1)
    raw.send(encode_command("INCR", "n"))
    same(raw.read(), frame(b"message", b"a", b"m2"))
    same(raw.read(), frame(b"message", b"a", b"m3"))
    same(raw.read(), 1 if PROTOCOL == 3 else not_allowed("incr"))


def test_wire_resp3_subscriber_publishing_to_itself(new_raw):
    """Only RESP3 subscribers can PUBLISH: the push for their own subscription comes before
    PUBLISH's reply. Checked in both passes (RESP3 connection either way)."""
    c = new_raw(protocol=3)
    same(c.cmd("SUBSCRIBE", "me"), Push([b"subscribe", b"me", 1]))
    same(c.cmd("PSUBSCRIBE", "m*"), Push([b"psubscribe", b"m*", 2]))
    c.send(encode_command("PUBLISH", "me", "self"))
    same(c.read(), Push([b"message", b"me", b"self"]))
    same(c.read(), Push([b"pmessage", b"m*", b"me", b"self"]))
    same(c.read(), 2)
    same(c.cmd("PUBSUB", "NUMSUB", "me"), [b"me", 1])  # a flat array in RESP3 too
    same(c.cmd("UNSUBSCRIBE"), Push([b"unsubscribe", b"me", 1]))
    same(c.cmd("PUNSUBSCRIBE"), Push([b"punsubscribe", b"m*", 0]))
    same(c.cmd("UNSUBSCRIBE"), Push([b"unsubscribe", Null, 0]))


def test_wire_pubsub_command(raw):
    same(raw.cmd("PUBSUB"), Error("ERR wrong number of arguments for 'pubsub' command"))
    same(raw.cmd("PUBSUB", "FOO"), Error("ERR unknown subcommand 'FOO'. Try PUBSUB HELP."))
    same(raw.cmd("PUBSUB", "NUMPAT", "x"),
         Error("ERR wrong number of arguments for 'pubsub|numpat' command"))
    same(raw.cmd("PUBSUB", "HELP", "x"),
         Error("ERR wrong number of arguments for 'pubsub|help' command"))
    for sub in ("CHANNELS", "SHARDCHANNELS"):
        same(raw.cmd("PUBSUB", sub, "a", "b"),
             Error(f"ERR unknown subcommand or wrong number of arguments for '{sub}'. "
                   "Try PUBSUB HELP."))
        same(raw.cmd("PUBSUB", sub.lower()), [])
    same(raw.cmd("PUBSUB", "NUMSUB"), [])
    same(raw.cmd("PUBSUB", "SHARDNUMSUB", "x", "x"), [b"x", 0, b"x", 0])
    same(raw.cmd("PUBLISH", "a"), Error("ERR wrong number of arguments for 'publish' command"))
    same(raw.cmd("SPUBLISH", "a", "b", "c"),
         Error("ERR wrong number of arguments for 'spublish' command"))
    for cmd in ("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"):
        same(raw.cmd(cmd), Error(f"ERR wrong number of arguments for '{cmd.lower()}' command"))
    help_lines = raw.cmd("PUBSUB", "HELP")
    assert help_lines == [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> "
        "(default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ]
    assert all(isinstance(line, Status) for line in help_lines)


# ---------------------------------------------------------------------------
# CLIENT LIST, CLIENT KILL TYPE pubsub, INFO stats
# ---------------------------------------------------------------------------

def _client(r, name):
    found = [c for c in r.client_list() if c["name"] == name]
    assert len(found) == 1, found
    return found[0]


def test_client_list_subscription_fields(r, raw):
    same(raw.cmd("CLIENT", "SETNAME", "sub1"), OK)
    c = _client(r, "sub1")
    assert (c["flags"], c["sub"], c["psub"], c["ssub"]) == ("N", "0", "0", "0")
    same(raw.cmd("SUBSCRIBE", "a", "b"), frame(b"subscribe", b"a", 1))
    raw.read()
    same(raw.cmd("PSUBSCRIBE", "p*"), frame(b"psubscribe", b"p*", 3))
    same(raw.cmd("SSUBSCRIBE", "s1", "s2", "s3"), frame(b"ssubscribe", b"s1", 1))
    raw.read()
    raw.read()
    c = _client(r, "sub1")
    assert (c["flags"], c["sub"], c["psub"], c["ssub"]) == ("P", "2", "1", "3")
    same(raw.cmd("UNSUBSCRIBE", "a"), frame(b"unsubscribe", b"a", 2))
    same(raw.cmd("PUNSUBSCRIBE", "p*"), frame(b"punsubscribe", b"p*", 1))
    c = _client(r, "sub1")
    assert (c["flags"], c["sub"], c["psub"], c["ssub"]) == ("P", "1", "0", "3")
    assert c["cmd"] == "punsubscribe"
    same(raw.cmd("UNSUBSCRIBE"), frame(b"unsubscribe", b"b", 0))
    c = _client(r, "sub1")  # shard channels alone keep the P flag
    assert (c["flags"], c["sub"], c["psub"], c["ssub"]) == ("P", "0", "0", "3")
    assert raw.raw("RESET") == b"+RESET\r\n"
    same(raw.cmd("CLIENT", "SETNAME", "sub1"), OK)  # RESET cleared the name too
    c = _client(r, "sub1")
    assert (c["flags"], c["sub"], c["psub"], c["ssub"]) == ("N", "0", "0", "0")


def test_client_kill_type_pubsub(r, new_raw):
    sub2 = new_raw(protocol=2)
    sub3 = new_raw(protocol=3)  # a RESP3 subscriber is a pubsub client as well
    shard = new_raw()
    plain = new_raw()
    same(sub2.cmd("SUBSCRIBE", "a"), frame(b"subscribe", b"a", 1, protocol=2))
    same(sub3.cmd("PSUBSCRIBE", "p*"), frame(b"psubscribe", b"p*", 1, protocol=3))
    same(shard.cmd("SSUBSCRIBE", "s"), frame(b"ssubscribe", b"s", 1))
    same(plain.cmd("SUBSCRIBE", "x"), frame(b"subscribe", b"x", 1))
    same(plain.cmd("UNSUBSCRIBE", "x"), frame(b"unsubscribe", b"x", 0))  # no longer pubsub
    assert r.execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 3
    for c in (sub2, sub3, shard):
        assert c.is_closed()
    same(plain.cmd("PING"), Status("PONG"))
    # None left (polled: a killed connection may take a moment to leave the client table).
    wait_until(lambda: r.execute_command("CLIENT", "KILL", "TYPE", "PUBSUB"), 0)
    wait_until(lambda: (r.pubsub_channels(), r.pubsub_numpat(), r.pubsub_shardchannels()),
               ([], 0, []))
    with pytest.raises(ResponseError, match=r"^Unknown client type 'foo'$"):
        r.execute_command("CLIENT", "KILL", "TYPE", "foo")


def _pubsub_stats(r):
    s = r.info("stats")
    return s["pubsub_channels"], s["pubsub_patterns"], s["pubsubshard_channels"]


def test_info_stats_pubsub_fields(r, new_raw):
    assert _pubsub_stats(r) == (0, 0, 0)
    a, b = new_raw(), new_raw()
    a.cmd("SUBSCRIBE", "c1")
    b.cmd("SUBSCRIBE", "c1")
    b.cmd("SUBSCRIBE", "c2")
    b.cmd("SUBSCRIBE", "c3")
    a.cmd("PSUBSCRIBE", "p*")
    b.cmd("PSUBSCRIBE", "p*")
    b.cmd("PSUBSCRIBE", "q*")
    b.cmd("PSUBSCRIBE", "r*")
    a.cmd("SSUBSCRIBE", "s1")
    b.cmd("SSUBSCRIBE", "s1")
    b.cmd("SSUBSCRIBE", "s2")
    # Distinct channels / patterns / shard channels, not subscriptions.
    assert _pubsub_stats(r) == (3, 3, 2)
    b.cmd("UNSUBSCRIBE", "c2")
    b.cmd("PUNSUBSCRIBE", "q*")
    b.cmd("SUNSUBSCRIBE", "s2")
    assert _pubsub_stats(r) == (2, 2, 1)
    b.close()  # drops c3 and r*; c1, p* and s1 stay with a
    wait_until(lambda: _pubsub_stats(r), (1, 1, 1))
    a.close()
    wait_until(lambda: _pubsub_stats(r), (0, 0, 0))
