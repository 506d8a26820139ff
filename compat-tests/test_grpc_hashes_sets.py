"""grpcio suite for the typed hash and set RPCs of memorabilia.v1.Memorabilia.

Uses test_grpc.py's stubs (generated from proto/ at import), fixtures and helpers. Checks
exact values, absent vs empty (`HasField`, `OptionalFieldValue.found`), status codes and
Redis error texts, that typed RPCs and `Execute` share one store, and the database field.
Run: GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_hashes_sets.py
"""
import pytest

from test_grpc import (  # noqa: F401  (fixtures are used by name)
    INVALID, PRECONDITION, _flushall, assert_status, channel, error_detail, ex, expect_error,
    m, pb, raw_stub, rpc_error)
from memorabilia.v1 import hashes_pb2 as hpb  # noqa: E402
from memorabilia.v1 import sets_pb2 as spb  # noqa: E402

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
ERR_DB_RANGE = "ERR DB index is out of range"


def fv(field, value):
    return hpb.FieldValue(field=field, value=value)


def test_hset_hget_absent_vs_empty(m):
    added = m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"a", b"1"), fv(b"e", b""),
                                                      fv(b"a", b"2")]))
    assert added.added == 2
    assert m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"a", b"3")])).added == 0
    got = m.HGet(hpb.HGetRequest(key=b"h", field=b"a"))
    assert got.HasField("value") and got.value == b"3"
    empty = m.HGet(hpb.HGetRequest(key=b"h", field=b"e"))
    assert empty.HasField("value") and empty.value == b""
    assert not m.HGet(hpb.HGetRequest(key=b"h", field=b"zz")).HasField("value")
    assert not m.HGet(hpb.HGetRequest(key=b"nokey", field=b"a")).HasField("value")


def test_hmget_hgetall_hlen_hexists(m):
    m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"a", b"1"), fv(b"b", b""), fv(b"c", b"3")]))
    values = m.HMGet(hpb.HMGetRequest(key=b"h", fields=[b"a", b"zz", b"b"])).values
    assert list(values) == [hpb.OptionalFieldValue(found=True, value=b"1"),
                            hpb.OptionalFieldValue(found=False),
                            hpb.OptionalFieldValue(found=True, value=b"")]
    # Small hashes keep insertion order, like Redis's listpack.
    assert list(m.HGetAll(hpb.HGetAllRequest(key=b"h")).fields) == [
        fv(b"a", b"1"), fv(b"b", b""), fv(b"c", b"3")]
    assert list(m.HGetAll(hpb.HGetAllRequest(key=b"nokey")).fields) == []
    assert m.HLen(hpb.HLenRequest(key=b"h")).length == 3
    assert m.HLen(hpb.HLenRequest(key=b"nokey")).length == 0
    assert m.HExists(hpb.HExistsRequest(key=b"h", field=b"b")).exists is True
    assert m.HExists(hpb.HExistsRequest(key=b"h", field=b"zz")).exists is False


def test_hdel_deletes_the_emptied_key(m):
    m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"a", b"1"), fv(b"b", b"2")]))
    assert m.HDel(hpb.HDelRequest(key=b"h", fields=[b"a", b"zz", b"a"])).removed == 1
    assert m.HDel(hpb.HDelRequest(key=b"h", fields=[b"b"])).removed == 1
    assert ex(m, "EXISTS", "h") == pb.Reply(integer=0)


def test_hincrby(m):
    assert m.HIncrBy(hpb.HIncrByRequest(key=b"h", field=b"n", increment=5)).value == 5
    assert m.HIncrBy(hpb.HIncrByRequest(key=b"h", field=b"n", increment=-7)).value == -2
    m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"s", b"abc"), fv(b"m", b"9223372036854775807")]))
    expect_error(m.HIncrBy, hpb.HIncrByRequest(key=b"h", field=b"s", increment=1),
                 INVALID, "ERR hash value is not an integer")
    expect_error(m.HIncrBy, hpb.HIncrByRequest(key=b"h", field=b"m", increment=1),
                 INVALID, "ERR increment or decrement would overflow")
    assert ex(m, "HGET", "h", "n") == pb.Reply(bulk=b"-2")


def test_empty_lists_are_arity_errors(m):
    for method, request, name in [
            (m.HSet, hpb.HSetRequest(key=b"h"), "hset"),
            (m.HMGet, hpb.HMGetRequest(key=b"h"), "hmget"),
            (m.HDel, hpb.HDelRequest(key=b"h"), "hdel"),
            (m.SAdd, spb.SAddRequest(key=b"s"), "sadd"),
            (m.SRem, spb.SRemRequest(key=b"s"), "srem")]:
        expect_error(method, request, INVALID,
                     f"ERR wrong number of arguments for '{name}' command")


def test_wrongtype(m):
    ex(m, "SET", "str", "x")
    for method, request in [
            (m.HSet, hpb.HSetRequest(key=b"str", fields=[fv(b"a", b"1")])),
            (m.HGet, hpb.HGetRequest(key=b"str", field=b"a")),
            (m.HMGet, hpb.HMGetRequest(key=b"str", fields=[b"a"])),
            (m.HGetAll, hpb.HGetAllRequest(key=b"str")),
            (m.HDel, hpb.HDelRequest(key=b"str", fields=[b"a"])),
            (m.HIncrBy, hpb.HIncrByRequest(key=b"str", field=b"a", increment=1)),
            (m.HLen, hpb.HLenRequest(key=b"str")),
            (m.HExists, hpb.HExistsRequest(key=b"str", field=b"a")),
            (m.SAdd, spb.SAddRequest(key=b"str", members=[b"a"])),
            (m.SRem, spb.SRemRequest(key=b"str", members=[b"a"])),
            (m.SMembers, spb.SMembersRequest(key=b"str")),
            (m.SIsMember, spb.SIsMemberRequest(key=b"str", member=b"a")),
            (m.SCard, spb.SCardRequest(key=b"str"))]:
        err = rpc_error(method, request)
        assert_status(err, PRECONDITION, WRONGTYPE)
        assert error_detail(err) == pb.ErrorDetail(code="WRONGTYPE", message=WRONGTYPE)


def test_sets(m):
    assert m.SAdd(spb.SAddRequest(key=b"s", members=[b"3", b"1", b"3", b"2"])).added == 3
    assert m.SAdd(spb.SAddRequest(key=b"s", members=[b"1", b"4"])).added == 1
    # Integer sets list in numeric order, like Redis's intsets.
    assert list(m.SMembers(spb.SMembersRequest(key=b"s")).members) == [b"1", b"2", b"3", b"4"]
    assert list(m.SMembers(spb.SMembersRequest(key=b"nokey")).members) == []
    assert m.SIsMember(spb.SIsMemberRequest(key=b"s", member=b"2")).is_member is True
    assert m.SIsMember(spb.SIsMemberRequest(key=b"s", member=b"9")).is_member is False
    assert m.SCard(spb.SCardRequest(key=b"s")).cardinality == 4
    assert m.SCard(spb.SCardRequest(key=b"nokey")).cardinality == 0
    assert m.SRem(spb.SRemRequest(key=b"s", members=[b"1", b"9"])).removed == 1
    m.SAdd(spb.SAddRequest(key=b"w", members=[b"b", b"", b"a"]))
    assert sorted(m.SMembers(spb.SMembersRequest(key=b"w")).members) == [b"", b"a", b"b"]
    assert m.SRem(spb.SRemRequest(key=b"s", members=[b"2", b"3", b"4"])).removed == 3
    assert ex(m, "EXISTS", "s") == pb.Reply(integer=0)


def test_typed_rpcs_and_execute_share_the_store(m):
    m.HSet(hpb.HSetRequest(key=b"h", fields=[fv(b"f", b"v")]))
    assert ex(m, "HGET", "h", "f") == pb.Reply(bulk=b"v")
    ex(m, "SADD", "s", "x")
    assert m.SIsMember(spb.SIsMemberRequest(key=b"s", member=b"x")).is_member is True
    # Execute answers like RESP3: HGETALL a map, SMEMBERS a set.
    assert ex(m, "HGETALL", "h") == pb.Reply(map=pb.Map(entries=[
        pb.MapEntry(key=pb.Reply(bulk=b"f"), value=pb.Reply(bulk=b"v"))]))
    assert ex(m, "SMEMBERS", "s").WhichOneof("kind") == "set"


def test_databases(m):
    m.HSet(hpb.HSetRequest(db=3, key=b"h", fields=[fv(b"f", b"v")]))
    assert m.HLen(hpb.HLenRequest(db=3, key=b"h")).length == 1
    assert m.HLen(hpb.HLenRequest(key=b"h")).length == 0
    m.SAdd(spb.SAddRequest(db=5, key=b"s", members=[b"m"]))
    assert m.SCard(spb.SCardRequest(db=5, key=b"s")).cardinality == 1
    assert m.SCard(spb.SCardRequest(key=b"s")).cardinality == 0


@pytest.mark.parametrize("db", [16, 2 ** 32 - 1])
def test_db_out_of_range(m, db):
    for method, request in [
            (m.HSet, hpb.HSetRequest(db=db, key=b"h", fields=[fv(b"a", b"1")])),
            (m.HGet, hpb.HGetRequest(db=db, key=b"h", field=b"a")),
            (m.HMGet, hpb.HMGetRequest(db=db, key=b"h", fields=[b"a"])),
            (m.HGetAll, hpb.HGetAllRequest(db=db, key=b"h")),
            (m.HDel, hpb.HDelRequest(db=db, key=b"h", fields=[b"a"])),
            (m.HIncrBy, hpb.HIncrByRequest(db=db, key=b"h", field=b"a", increment=1)),
            (m.HLen, hpb.HLenRequest(db=db, key=b"h")),
            (m.HExists, hpb.HExistsRequest(db=db, key=b"h", field=b"a")),
            (m.SAdd, spb.SAddRequest(db=db, key=b"s", members=[b"a"])),
            (m.SRem, spb.SRemRequest(db=db, key=b"s", members=[b"a"])),
            (m.SMembers, spb.SMembersRequest(db=db, key=b"s")),
            (m.SIsMember, spb.SIsMemberRequest(db=db, key=b"s", member=b"a")),
            (m.SCard, spb.SCardRequest(db=db, key=b"s"))]:
        expect_error(method, request, INVALID, ERR_DB_RANGE)
    assert ex(m, "DBSIZE") == pb.Reply(integer=0)
