"""redis-py against access control: clients that log in with a username and password
(AUTH, or HELLO AUTH in RESP3), redis-py's ACL helpers (acl_setuser with its keyword rules,
acl_getuser's parsed dict, acl_list, acl_log, acl_dryrun, acl_deluser...), NoPermissionError
for denied commands, keys and channels, a transaction refused at EXEC, a script's
redis.call under the caller's rules, and requirepass for clients that connect later.
Run against redis-server 7.0 too (`compat-tests/run --external`): the same assertions hold.
"""
import pytest
import redis
import redis.backoff
import redis.retry

from conftest import PROTOCOL, make_client

USERS = ["py-reader", "py-writer", "py-sub"]


@pytest.fixture(autouse=True)
def _cleanup():
    admin = make_client()
    # Other suites leave denials behind (a failed AUTH of their own).
    admin.acl_log_reset()
    yield
    admin.config_set("requirepass", "")
    admin.acl_deluser(*USERS)
    admin.acl_log_reset()
    admin.close()


def login(user, password, **kw):
    return make_client(username=user, password=password, **kw)


def no_retry():
    """A client that fails at once: redis-py retries failed connections with backoff."""
    return {"retry": redis.retry.Retry(redis.backoff.NoBackoff(), 0)}


def test_users_log_in_and_their_rules_apply(r):
    assert r.acl_setuser("py-reader", enabled=True, passwords=["+secret"],
                         keys=["~cache:*"], commands=["+get", "+mget", "+acl|whoami"])
    reader = login("py-reader", "secret")
    try:
        assert reader.acl_whoami() == "py-reader"
        r.set("cache:1", "v")
        assert reader.get("cache:1") == "v"
        with pytest.raises(redis.exceptions.NoPermissionError,
                           match="no permissions to access one of the keys"):
            reader.get("other")
        with pytest.raises(redis.exceptions.NoPermissionError,
                           match="no permissions to run the 'set' command"):
            reader.set("cache:1", "x")
    finally:
        reader.close()
    with pytest.raises(redis.exceptions.AuthenticationError):
        login("py-reader", "wrong", **no_retry()).ping()
    # redis-py's CLIENT SETINFO after login is denied too where it exists (Redis 7.2+):
    # those entries are left aside.
    log = [e for e in r.acl_log() if e["object"] != "client|setinfo"]
    assert sorted((e["reason"], e["object"]) for e in log if e["reason"] != "auth") == \
        [("command", "set"), ("key", "other")], log
    assert [e["reason"] for e in log].count("auth") == 1, log
    assert {entry["username"] for entry in log} == {"py-reader"}


def test_acl_helpers_round_trip(r):
    assert r.acl_setuser("py-writer", enabled=True, nopass=True, keys=["%W~out:*"],
                         channels=["jobs:*"], commands=["+@hash", "-hdel"],
                         selectors=[("+get", "~in:*")])
    user = r.acl_getuser("py-writer")
    assert "on" in user["flags"] and "nopass" in user["flags"]
    assert user["keys"] == ["%W~out:*"]
    assert user["channels"] == ["&jobs:*"]
    assert user["categories"] == ["-@all", "+@hash"] and user["commands"] == ["-hdel"]
    # A flat list in RESP2, a map in RESP3.
    selectors = [s if isinstance(s, dict) else dict(zip(s[::2], s[1::2]))
                 for s in user["selectors"]]
    assert selectors == [{"commands": "-@all +get", "keys": "~in:*", "channels": ""}]
    assert "py-writer" in r.acl_users()
    assert any(line.startswith("user py-writer on nopass %W~out:*") for line in r.acl_list())
    assert r.acl_dryrun("py-writer", "HSET", "out:1", "f", "v") == "OK"
    assert r.acl_dryrun("py-writer", "GET", "in:1") == "OK"
    assert r.acl_dryrun("py-writer", "HDEL", "out:1", "f") == \
        "This user has no permissions to run the 'hdel' command"
    assert r.acl_dryrun("py-writer", "HGET", "out:1", "f") == \
        "This user has no permissions to access the 'out:1' key"
    assert "hset" in r.acl_cat("hash")
    assert len(r.acl_genpass()) == 64 and len(r.acl_genpass(128)) == 32
    assert r.acl_deluser("py-writer") == 1
    assert r.acl_getuser("py-writer") is None


def test_transactions_and_scripts_follow_the_rules(r):
    r.acl_setuser("py-writer", enabled=True, nopass=True, keys=["~w:*"],
                  commands=["+multi", "+exec", "+set", "+get", "+eval"])
    writer = login("py-writer", "any")
    try:
        pipe = writer.pipeline(transaction=True)
        pipe.set("w:1", "a").set("other", "b")
        # Refused when queued (the transaction is aborted): redis-py raises that error.
        with pytest.raises(redis.exceptions.NoPermissionError, match="keys"):
            pipe.execute()
        assert r.exists("w:1") == 0
        with pytest.raises(redis.exceptions.ResponseError,
                           match="The user executing the script can't access at least one "
                                 "of the keys"):
            writer.eval("return redis.call('set', 'other', 'x')", 0)
        assert writer.eval("return redis.call('set', KEYS[1], 'x')", 1, "w:2") == "OK"
    finally:
        writer.close()


def test_channel_rules(r):
    r.acl_setuser("py-sub", enabled=True, nopass=True, channels=["news.*"],
                  commands=["+subscribe", "+publish", "+ping"])
    sub = login("py-sub", "x")
    try:
        assert sub.publish("news.it", "m") == 0
        with pytest.raises(redis.exceptions.NoPermissionError, match="channels"):
            sub.publish("sport", "m")
        pubsub = sub.pubsub()
        pubsub.subscribe("news.it")
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"
        assert r.publish("news.it", "hello") == 1
        message = pubsub.get_message(timeout=5)
        assert message["data"] == "hello"
        pubsub.close()
    finally:
        sub.close()


def test_requirepass_applies_to_new_clients(r):
    r.config_set("requirepass", "sesame")
    try:
        with pytest.raises(redis.exceptions.AuthenticationError):
            make_client(**no_retry()).ping()
        assert make_client(password="sesame").ping()
        assert make_client(username="default", password="sesame").ping()
        # The client that set it stays logged in.
        assert r.ping()
    finally:
        r.config_set("requirepass", "")
    assert make_client().ping()


def test_hello_auth_in_resp3():
    if PROTOCOL != 3:
        pytest.skip("HELLO AUTH is how redis-py logs in with RESP3")
    admin = make_client()
    admin.acl_setuser("py-reader", enabled=True, passwords=["+pw"], commands=["+@all"],
                      keys=["~*"])
    client = login("py-reader", "pw")
    assert client.acl_whoami() == "py-reader"
    assert client.execute_command("CLIENT", "INFO").find(" user=py-reader ") > 0
    client.close()
    admin.close()


def test_reset_goes_back_to_the_default_user(r):
    # Redis's clientSetDefaultAuth: RESET logs the connection back in as `default`.
    import redis
    from conftest import HOST, PORT
    r.acl_setuser("resetuser", enabled=True, passwords=["+pw"], commands=["+@all"], keys=["*"])
    try:
        c = redis.Redis(host=HOST, port=PORT, username="resetuser", password="pw")
        assert c.acl_whoami() == "resetuser"
        assert c.execute_command("RESET") in (b"RESET", "RESET")
        assert c.acl_whoami() in (b"default", "default")
        c.close()
    finally:
        r.acl_deluser("resetuser")
