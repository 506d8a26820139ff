"""grpcio suite for access control on the gRPC front end: calls carry
`authorization: Basic base64(user:password)` metadata (the default user's password alone
works too); missing credentials while the default user has a password, and wrong ones, are
UNAUTHENTICATED; a command, key or channel the user may not use is PERMISSION_DENIED with
Redis's NOPERM text (as the status and in its ErrorDetail); Execute answers NOPERM as an
error reply, as RESP does; health and reflection need no credentials. Users are made with
ACL SETUSER through Execute, the same users RESP clients log in as.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_acl.py
"""
import base64

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from test_grpc import (  # noqa: F401 - fixtures are used by name
    _flushall, assert_status, b, channel, cmd, ex, m, pb, raw_stub, rpc_error)

NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."


def creds(text):
    return (("authorization", "Basic " + base64.b64encode(text.encode()).decode()),)


@pytest.fixture(autouse=True)
def _users(m):
    yield
    ex(m, "ACL", "DELUSER", "grpc-reader")


def test_a_user_s_rules_apply_to_typed_calls_and_execute(m, raw_stub):
    assert ex(m, "ACL", "SETUSER", "grpc-reader", "on", ">pw", "%R~r:*", "+get", "+set",
              "+publish", "&news.*") == pb.Reply(simple="OK")
    ex(m, "SET", "r:1", "v")
    reader = creds("grpc-reader:pw")
    assert raw_stub.Get(pb.GetRequest(key=b"r:1"), metadata=reader).value == b"v"
    err = rpc_error(lambda r: raw_stub.Get(r, metadata=reader), pb.GetRequest(key=b"w:1"))
    assert_status(err, grpc.StatusCode.PERMISSION_DENIED,
                  "NOPERM this user has no permissions to access one of the keys used as "
                  "arguments")
    # Read-only keys: SET needs write permission.
    err = rpc_error(lambda r: raw_stub.Set(r, metadata=reader),
                    pb.SetRequest(key=b"r:1", value=b"x"))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    # Execute answers as RESP: the NOPERM error is the reply.
    reply = raw_stub.Execute(cmd("DEL", "r:1"), metadata=reader)
    assert reply.error == pb.ErrorDetail(
        code="NOPERM", message="NOPERM this user has no permissions to run the 'del' command")
    assert raw_stub.Publish(pb.PublishRequest(channel=b"news.it", message=b"m"),
                            metadata=reader).receivers == 0
    err = rpc_error(lambda r: raw_stub.Publish(r, metadata=reader),
                    pb.PublishRequest(channel=b"sport", message=b"m"))
    assert_status(err, grpc.StatusCode.PERMISSION_DENIED,
                  "NOPERM this user has no permissions to access one of the channels used "
                  "as arguments")
    # Wrong credentials.
    err = rpc_error(lambda r: raw_stub.Get(r, metadata=creds("grpc-reader:no")),
                    pb.GetRequest(key=b"r:1"))
    assert_status(err, grpc.StatusCode.UNAUTHENTICATED, WRONGPASS)
    log = ex(m, "ACL", "LOG", "1").array.items[0].map.entries
    fields = {e.key.bulk: e.value for e in log}
    assert fields[b"reason"].bulk == b"auth" and fields[b"username"].bulk == b"grpc-reader"


def test_requirepass_closes_the_service_but_not_health(m, raw_stub, channel):
    assert ex(m, "CONFIG", "SET", "requirepass", "sesame") == pb.Reply(simple="OK")
    try:
        err = rpc_error(raw_stub.Get, pb.GetRequest(key=b"k"))
        assert_status(err, grpc.StatusCode.UNAUTHENTICATED, NOAUTH)
        for text in ("sesame", "default:sesame"):
            assert not raw_stub.Get(pb.GetRequest(key=b"k"), metadata=creds(text)).HasField(
                "value")
        health = health_pb2_grpc.HealthStub(channel)
        status = health.Check(health_pb2.HealthCheckRequest(service=""))
        assert status.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        raw_stub.Execute(cmd("CONFIG", "SET", "requirepass", ""), metadata=creds("sesame"))
    assert not raw_stub.Get(pb.GetRequest(key=b"k")).HasField("value")
