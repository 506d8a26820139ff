"""grpcio suite for maxmemory on the gRPC front end: over the limit with nothing to evict
(`maxmemory 1`, noeviction), typed calls of `denyoom` commands fail with
RESOURCE_EXHAUSTED and Redis's OOM text, reads and deletions go on, Execute answers the
OOM error as a reply as RESP does, and a Transaction with a write is refused whole; with
an allkeys policy the typed calls evict (the keys are gone, INFO counts them).

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_maxmemory.py
"""
import grpc
import pytest

from test_grpc import (  # noqa: F401 - fixtures are used by name
    _flushall, assert_status, channel, cmd, ex, m, pb, raw_stub, rpc_error)

OOM = "OOM command not allowed when used memory > 'maxmemory'."


def evicted_keys(m):
    reply = ex(m, "INFO", "stats")
    text = (reply.verbatim.text if reply.HasField("verbatim") else reply.bulk).decode()
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return int(fields["evicted_keys"])


@pytest.fixture(autouse=True)
def _limit(m):
    yield
    ex(m, "CONFIG", "SET", "maxmemory", "0")
    ex(m, "CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_noeviction_refuses_writes_that_grow_memory(m):
    m.Set(pb.SetRequest(key=b"k", value=b"v"))
    ex(m, "CONFIG", "SET", "maxmemory", "1")
    err = rpc_error(m.Set, pb.SetRequest(key=b"k2", value=b"v"))
    assert_status(err, grpc.StatusCode.RESOURCE_EXHAUSTED, OOM)
    assert m.Get(pb.GetRequest(key=b"k")).value == b"v"
    assert ex(m, "SET", "k3", "v").error == pb.ErrorDetail(code="OOM", message=OOM)
    refused = rpc_error(m.Transaction, pb.TransactionRequest(commands=[cmd("SET", "a", "1")]))
    assert_status(refused, grpc.StatusCode.RESOURCE_EXHAUSTED, OOM)
    reads = m.Transaction(pb.TransactionRequest(commands=[cmd("GET", "k")]))
    assert reads.committed
    assert ex(m, "DEL", "k") == pb.Reply(integer=1)
    ex(m, "CONFIG", "SET", "maxmemory", "0")
    m.Set(pb.SetRequest(key=b"k2", value=b"v"))


def test_allkeys_policies_evict_for_typed_calls(m):
    for i in range(50):
        m.Set(pb.SetRequest(key=f"e{i}".encode(), value=b"v"))
    before = evicted_keys(m)
    ex(m, "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    ex(m, "CONFIG", "SET", "maxmemory", "1")
    # Everything is evicted first; then nothing is left to evict, so the write is refused.
    err = rpc_error(m.Set, pb.SetRequest(key=b"new", value=b"v"))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    ex(m, "CONFIG", "SET", "maxmemory", "0")
    assert ex(m, "DBSIZE") == pb.Reply(integer=0)
    assert evicted_keys(m) - before == 50
