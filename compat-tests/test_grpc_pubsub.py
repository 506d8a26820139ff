"""grpcio suite for the pub/sub RPCs (proto/memorabilia/v1/pubsub.proto): the Subscribe
server stream confirms each name, then carries messages published through Publish and
through Execute, in order and without loss; it is refused with nothing to subscribe to;
cancelling it removes the subscriptions. The Watch change feed reports every change to
the keys it selects, from RESP clients, gRPC calls and expiry, in order, and goes when
cancelled or killed. Reuses test_grpc.py's stubs, fixtures and helpers.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_pubsub.py
"""
import time

import grpc

from test_grpc import (  # noqa: F401 - fixtures are used by name
    INVALID, _flushall, assert_status, b, channel, ex, m, pb, raw_stub, rpc_error)


def subscribed(kind, name, count):
    return pb.SubscribeEvent(subscribed=pb.Subscribed(kind=kind, name=b(name), count=count))


def message(channel, payload, pattern="", shard=False):
    return pb.SubscribeEvent(message=pb.PublishedMessage(
        channel=b(channel), payload=b(payload), pattern=b(pattern), shard=shard))


def numsub(m, name):
    return ex(m, "PUBSUB", "NUMSUB", name).array.items[1].integer


def assert_stream_ends(stream, code):
    """The next read of `stream` ends it with status `code`."""
    try:
        next(stream)
    except grpc.RpcError as err:
        assert err.code() == code, err
        return
    raise AssertionError("the stream should have ended")


def wait_until(what, done, timeout=5.0):
    deadline = time.time() + timeout
    while not done():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_subscribe_confirms_then_streams_messages_in_order(m):
    stream = m.Subscribe(pb.SubscribeRequest(channels=[b"news"], patterns=[b"n*"],
                                             shard_channels=[b"s"]))
    try:
        assert next(stream) == subscribed(pb.SUBSCRIPTION_KIND_CHANNEL, "news", 1)
        assert next(stream) == subscribed(pb.SUBSCRIPTION_KIND_PATTERN, "n*", 2)
        assert next(stream) == subscribed(pb.SUBSCRIPTION_KIND_SHARD_CHANNEL, "s", 1)
        assert m.Publish(pb.PublishRequest(channel=b"news", message=b"m0")).receivers == 2
        for i in range(1, 200):
            assert ex(m, "PUBLISH", "news", f"m{i}").integer == 2
        assert m.Publish(pb.PublishRequest(channel=b"s", message=b"x", shard=True)).receivers == 1
        for i in range(200):
            assert next(stream) == message("news", f"m{i}")
            assert next(stream) == message("news", f"m{i}", pattern="n*")
        assert next(stream) == message("s", "x", shard=True)
    finally:
        stream.cancel()
    wait_until("the subscription to go", lambda: numsub(m, "news") == 0)
    assert ex(m, "PUBSUB", "NUMPAT").integer == 0


def test_subscribe_needs_a_name(m):
    stream = m.Subscribe(pb.SubscribeRequest())
    err = rpc_error(next, stream)
    assert_status(err, INVALID,
                  "ERR SUBSCRIBE needs at least one channel, pattern or shard channel")


def test_a_grpc_subscriber_is_a_pubsub_client(m):
    stream = m.Subscribe(pb.SubscribeRequest(channels=[b"c1", b"c2"]))
    try:
        next(stream)
        next(stream)
        listing = ex(m, "CLIENT", "LIST", "TYPE", "pubsub")
        text = (listing.verbatim.text if listing.HasField("verbatim") else listing.bulk).decode()
        assert "flags=P" in text and "sub=2 psub=0 ssub=0" in text, text
        assert ex(m, "CLIENT", "KILL", "TYPE", "pubsub").integer == 1
        assert_stream_ends(stream, grpc.StatusCode.ABORTED)
    finally:
        stream.cancel()
    wait_until("the killed subscriber to go", lambda: numsub(m, "c1") == 0)


def change(key, event, kind, value=None, db=0):
    c = pb.KeyChange(db=db, key=b(key), event=event, type=kind)
    if value is not None:
        c.value = b(value)
    return pb.WatchEvent(change=c)


STARTED = pb.WatchEvent(started=pb.WatchStarted())


def watchers(m):
    listing = ex(m, "CLIENT", "LIST")
    return (listing.verbatim.text if listing.HasField("verbatim") else listing.bulk).decode()


def test_watch_reports_each_change_in_order_with_values(m):
    ex(m, "SET", "other", "x")
    stream = m.Watch(pb.WatchRequest(db=0, prefix=b"user:", with_values=True))
    try:
        assert next(stream) == STARTED
        ex(m, "SET", "user:1", "a")
        ex(m, "SET", "unwatched", "z")
        ex(m, "APPEND", "user:1", "b")
        ex(m, "INCR", "user:n")
        ex(m, "RPUSH", "user:l", "x", "y")
        ex(m, "LPOP", "user:l", "2")
        ex(m, "SET", "user:t", "v", "PX", "20")
        ex(m, "RENAME", "user:1", "user:2")
        ex(m, "DEL", "user:2", "user:n")
        assert next(stream) == change("user:1", "set", "string", "a")
        assert next(stream) == change("user:1", "append", "string", "ab")
        assert next(stream) == change("user:n", "incrby", "string", "1")
        assert next(stream) == change("user:l", "rpush", "list")
        assert next(stream) == change("user:l", "lpop", "none")
        assert next(stream) == change("user:l", "del", "none")
        assert next(stream) == change("user:t", "set", "string", "v")
        assert next(stream) == change("user:t", "expire", "string", "v")
        assert next(stream) == change("user:1", "rename_from", "none")
        assert next(stream) == change("user:2", "rename_to", "string", "ab")
        assert next(stream) == change("user:2", "del", "none")
        assert next(stream) == change("user:n", "del", "none")
        # Expiry (active or lazy) is a change too.
        assert next(stream) == change("user:t", "expired", "none")
    finally:
        stream.cancel()


def test_watch_by_pattern_in_one_database_without_values(m):
    stream = m.Watch(pb.WatchRequest(db=2, pattern=b"job:*:state"))
    try:
        assert next(stream) == STARTED
        ex(m, "SET", "job:1:state", "queued")  # database 0: not watched
        m.Execute(pb.Command(db=2, args=[b"SET", b"job:1:state", b"queued"]))
        m.Execute(pb.Command(db=2, args=[b"SET", b"job:1:data", b"x"]))
        m.Execute(pb.Command(db=2, args=[b"HSET", b"job:2:state", b"f", b"v"]))
        m.Execute(pb.Command(db=2, args=[b"FLUSHDB"]))  # no per-key events, as in Redis
        m.Execute(pb.Command(db=2, args=[b"SET", b"job:3:state", b"done"]))
        assert next(stream) == change("job:1:state", "set", "string", db=2)
        assert next(stream) == change("job:2:state", "hset", "hash", db=2)
        assert next(stream) == change("job:3:state", "set", "string", db=2)
    finally:
        stream.cancel()
    

def test_watch_sees_every_change_of_concurrent_writers_in_commit_order(m):
    """Eight threads increment one counter; the feed must report each increment, with the
    values strictly increasing by one (a lost or reordered change fails)."""
    import threading
    stream = m.Watch(pb.WatchRequest(db=0, prefix=b"counter", with_values=True))
    try:
        assert next(stream) == STARTED
        per_thread = 200

        def work():
            for _ in range(per_thread):
                ex(m, "INCR", "counter")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(1, 8 * per_thread + 1):
            assert next(stream) == change("counter", "incrby", "string", str(i))
    finally:
        stream.cancel()


def test_watch_refuses_bad_requests(m):
    err = rpc_error(next, m.Watch(pb.WatchRequest(db=99)))
    assert_status(err, INVALID, "ERR DB index is out of range")
    err = rpc_error(next, m.Watch(pb.WatchRequest(db=16)))
    assert_status(err, INVALID, "ERR DB index is out of range")
    err = rpc_error(next, m.Watch(pb.WatchRequest(prefix=b"a", pattern=b"b*")))
    assert_status(err, INVALID, "ERR WATCH takes a prefix or a pattern, not both")


def test_a_cancelled_or_killed_watcher_goes(m):
    before = watchers(m).count("\n")
    stream = m.Watch(pb.WatchRequest(prefix=b"k"))
    assert next(stream) == STARTED
    wait_until("the watcher to be listed", lambda: watchers(m).count("\n") == before + 1)
    stream.cancel()
    wait_until("the cancelled watcher to go", lambda: watchers(m).count("\n") == before)
    stream = m.Watch(pb.WatchRequest(prefix=b"k"))
    try:
        assert next(stream) == STARTED
        line = [x for x in watchers(m).splitlines() if "cmd=NULL" in x][-1]
        client_id = line.split()[0].split("=")[1]
        assert ex(m, "CLIENT", "KILL", "ID", client_id).integer == 1
        assert_stream_ends(stream, grpc.StatusCode.ABORTED)
    finally:
        stream.cancel()
    wait_until("the killed watcher to go", lambda: watchers(m).count("\n") == before)


def test_a_watcher_past_its_deadline_goes(m):
    before = watchers(m).count("\n")
    stream = m.Watch(pb.WatchRequest(prefix=b"k"), timeout=0.5)
    assert next(stream) == STARTED
    wait_until("the watcher to be listed", lambda: watchers(m).count("\n") == before + 1)
    assert_stream_ends(stream, grpc.StatusCode.DEADLINE_EXCEEDED)
    wait_until("the expired watcher to go", lambda: watchers(m).count("\n") == before)
