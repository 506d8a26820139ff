"""grpcio suite for the limits that follow the configuration on the gRPC front end:
`maxclients` counts each open gRPC connection and each stream (a new connection past it is
closed, a new stream refused with RESOURCE_EXHAUSTED and Redis's text, RESP connections
refused alike), and the largest message follows `proto-max-bulk-len` as CONFIG SET changes
it.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_limits.py
"""
import socket

import grpc
import pytest

from test_grpc import (  # noqa: F401 - fixtures are used by name
    HOST, PORT, TIMEOUT, _flushall, channel, ex, m, pb, raw_stub, rpc_error)

FULL = "ERR max number of clients reached"


@pytest.fixture
def restore(m):
    yield
    ex(m, "CONFIG", "SET", "maxclients", "10000")
    ex(m, "CONFIG", "SET", "proto-max-bulk-len", "512mb")


def resp_port(m):
    reply = ex(m, "CONFIG", "GET", "port")
    if reply.HasField("map"):
        return int(reply.map.entries[0].value.bulk)
    return int(reply.array.items[1].bulk)


def test_connections_and_streams_count_toward_maxclients(m, restore):
    # This suite's channel is one open connection: with maxclients 1 nothing more fits.
    assert ex(m, "CONFIG", "SET", "maxclients", "1") == pb.Reply(simple="OK")
    err = rpc_error(lambda r: next(m.Subscribe(r)), pb.SubscribeRequest(channels=[b"c"]))
    assert (err.code(), err.details()) == (grpc.StatusCode.RESOURCE_EXHAUSTED, FULL)
    # A channel of its own connection (grpcio shares connections between channels).
    other = grpc.insecure_channel(f"{HOST}:{PORT}",
                                  options=[("grpc.use_local_subchannel_pool", 1)])
    try:
        with pytest.raises(grpc.FutureTimeoutError):
            grpc.channel_ready_future(other).result(timeout=2)
    finally:
        other.close()
    port = resp_port(m)
    if port:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            assert s.recv(100) == b"-ERR max number of clients reached\r\n"
    # Unary calls on the open connection go on; with room again, streams are served.
    assert ex(m, "CONFIG", "SET", "maxclients", "10000") == pb.Reply(simple="OK")
    stream = m.Subscribe(pb.SubscribeRequest(channels=[b"c"]))
    assert next(stream).HasField("subscribed")
    stream.cancel()


def test_message_size_follows_proto_max_bulk_len(m, restore):
    big = b"x" * (2 << 20)
    assert ex(m, "CONFIG", "SET", "proto-max-bulk-len", "1mb") == pb.Reply(simple="OK")
    err = rpc_error(m.Set, pb.SetRequest(key=b"big", value=big))
    assert err.code() == grpc.StatusCode.OUT_OF_RANGE
    assert ex(m, "CONFIG", "SET", "proto-max-bulk-len", "4mb") == pb.Reply(simple="OK")
    m.Set(pb.SetRequest(key=b"big", value=big))
    assert len(m.Get(pb.GetRequest(key=b"big")).value) == len(big)
