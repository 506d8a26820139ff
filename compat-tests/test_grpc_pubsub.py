"""grpcio suite for the pub/sub RPCs (proto/memorabilia/v1/pubsub.proto): the Subscribe
server stream confirms each name, then carries messages published through Publish and
through Execute, in order and without loss; it is refused with nothing to subscribe to;
cancelling it removes the subscriptions. Reuses test_grpc.py's stubs, fixtures and helpers.

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
        try:
            next(stream)
            raise AssertionError("the stream should have ended")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.ABORTED
    finally:
        stream.cancel()
    wait_until("the killed subscriber to go", lambda: numsub(m, "c1") == 0)
