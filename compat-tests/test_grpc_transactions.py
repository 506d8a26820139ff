"""grpcio suite for the Transaction RPC (proto/memorabilia/v1/memorabilia.proto):
commands run atomically behind preconditions (exists / absent / value equals / version),
versions read and used for optimistic updates under concurrency, EXECABORT for commands
that cannot be queued, and MULTI/EXEC/WATCH over Execute/Pipeline seeing Transaction's
writes. Reuses test_grpc.py's stubs, fixtures and helpers.

Run with GRPC_PORT=<port> python3 -m pytest -q --noconftest test_grpc_transactions.py
"""
import threading

import grpc

from test_grpc import (  # noqa: F401 - fixtures are used by name
    INVALID, _flushall, assert_status, b, channel, cmd, ex, m, pb, raw_stub, rpc_error)


def check(key, db=0, **kind):
    return pb.Precondition(db=db, key=b(key), **kind)


def txn(m, *commands, pre=()):
    return m.Transaction(pb.TransactionRequest(
        preconditions=list(pre), commands=[cmd(*c) for c in commands]))


def version(response, key):
    [v] = [v.version for v in response.versions if v.key == b(key)]
    return v


def test_commands_run_in_order_with_errors_in_place(m):
    r = txn(m, ("SET", "a", "1"), ("LPUSH", "a", "x"), ("INCR", "a"), ("GET", "a"))
    assert r.committed and list(r.held) == []
    assert r.replies[0] == pb.Reply(simple="OK")
    assert r.replies[1].error.code == "WRONGTYPE"
    assert r.replies[2] == pb.Reply(integer=2)
    assert r.replies[3] == pb.Reply(bulk=b"2")
    # One version for the one key the commands name.
    assert [v.key for v in r.versions] == [b"a"] and r.versions[0].version != 0


def test_preconditions_gate_every_command(m):
    r = txn(m, ("SET", "k", "v"), pre=[check("k", exists=False), check("j", exists=False)])
    assert r.committed and list(r.held) == [True, True]
    r = txn(m, ("SET", "k", "w"), ("SET", "j", "w"),
            pre=[check("k", exists=True), check("k", value_equals=b"other")])
    assert not r.committed and list(r.held) == [True, False]
    assert list(r.replies) == []
    assert ex(m, "MGET", "k", "j").array.items[0].bulk == b"v"
    assert ex(m, "EXISTS", "j").integer == 0
    r = txn(m, ("DEL", "k"), pre=[check("k", value_equals=b"v")])
    assert r.committed and r.replies[0] == pb.Reply(integer=1)
    assert version(r, "k") == 0


def test_versions_change_with_every_change(m):
    seen = set()
    for change in [("SET", "k", "v"), ("SET", "k", "v"), ("EXPIRE", "k", "100"),
                   ("APPEND", "k", ""), ("PERSIST", "k")]:
        r = txn(m, change)
        seen.add(version(r, "k"))
    assert len(seen) == 5 and 0 not in seen
    current = version(txn(m, ("GET", "k")), "k")
    assert current in seen
    # A read changes nothing; an unchanged version lets the write through.
    r = txn(m, ("SET", "k", "mine"), pre=[check("k", version=current)])
    assert r.committed
    r = txn(m, ("SET", "k", "stale"), pre=[check("k", version=current)])
    assert not r.committed
    # Deleted and created again: another version, never the old one.
    txn(m, ("DEL", "k"))
    assert version(txn(m, ("SET", "k", "mine")), "k") != current


def test_resp_writes_fail_a_version_precondition(m):
    v = version(txn(m, ("SET", "k", "v")), "k")
    ex(m, "SET", "k", "v")   # an equal value is still a write
    assert not txn(m, ("SET", "k", "x"), pre=[check("k", version=v)]).committed


def test_queue_time_errors_abort_the_whole_call(m):
    for refused, reason in [
        (("NOSUCH",), "unknown command 'NOSUCH', with args beginning with: "),
        (("GET",), "wrong number of arguments for 'get' command"),
        (("MULTI",), "Command not allowed inside a transaction"),
        (("WATCH", "k"), "Command not allowed inside a transaction"),
        (("SHUTDOWN",), "Command not allowed inside a transaction"),
    ]:
        err = rpc_error(m.Transaction, pb.TransactionRequest(
            commands=[cmd("SET", "k", "v"), cmd(*refused)]))
        assert_status(err, INVALID, "EXECABORT Transaction discarded because of: " + reason)
    assert ex(m, "EXISTS", "k").integer == 0


def test_blocking_commands_answer_at_once(m):
    r = txn(m, ("BLPOP", "nothing", "0"), ("BZPOPMIN", "nothing", "0"))
    assert r.committed
    assert [x.WhichOneof("kind") for x in r.replies] == ["null", "null"]


def test_watch_in_a_pipeline_sees_a_transaction(raw_stub, m):
    """MULTI/EXEC/WATCH work in a Pipeline stream, and a Transaction's write fails a WATCH."""
    ex(m, "SET", "k", "1")
    gate = threading.Event()
    done = threading.Event()

    def commands():
        yield cmd("WATCH", "k")
        yield cmd("GET", "k")
        gate.wait(10)
        yield cmd("MULTI")
        yield cmd("SET", "k", "2")
        yield cmd("EXEC")
        done.wait(10)

    replies = raw_stub.Pipeline(commands())
    assert next(replies) == pb.Reply(simple="OK")
    assert next(replies) == pb.Reply(bulk=b"1")
    assert txn(m, ("SET", "k", "x")).committed
    gate.set()
    assert next(replies) == pb.Reply(simple="OK")
    assert next(replies) == pb.Reply(simple="QUEUED")
    assert next(replies).WhichOneof("kind") == "null"
    done.set()
    replies.cancel()
    assert ex(m, "GET", "k").bulk == b"x"


def test_concurrent_optimistic_increments_lose_nothing(channel):
    rounds, workers = 60, 6
    errors = []

    def worker():
        stub = pb_stub(channel)
        try:
            for _ in range(rounds):
                while True:
                    read = stub.Transaction(pb.TransactionRequest(
                        commands=[cmd("GET", "n")]), timeout=10)
                    value = int(read.replies[0].bulk or b"0")
                    write = stub.Transaction(pb.TransactionRequest(
                        preconditions=[check("n", version=version(read, "n"))],
                        commands=[cmd("SET", "n", value + 1)]), timeout=10)
                    if write.committed:
                        break
        except grpc.RpcError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stub = pb_stub(channel)
    assert stub.Execute(cmd("GET", "n")).bulk == str(rounds * workers).encode()


def pb_stub(channel):
    from test_grpc import pb_grpc
    return pb_grpc.MemorabiliaStub(channel)
