"""Geo commands through redis-py and raw RESP, checked under PROTOCOL=2 and PROTOCOL=3.

Every expectation was validated against redis-server 7.0.15
(SERVER_PORT=<oracle> ORACLE_IS_REDIS_70=1 PROTOCOL=2|3 python3 -m pytest
test_redis_py_geo.py). Raw connections check the exact reply types: coordinates are
RESP3 doubles or RESP2 bulk strings in `%.17Lf` without trailing zeros, distances bulk
strings with four decimals in both protocols, hashes integers, a missing GEOPOS member a
null array and a missing GEOHASH member a null bulk.
"""
import pytest
import redis

from conftest import PROTOCOL
from resp_raw import Double, Null, NullArray, NullBulk, strict_eq

NIL = NullBulk if PROTOCOL == 2 else Null
NIL_ARRAY = NullArray if PROTOCOL == 2 else Null
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

PALERMO = (13.361389, 38.115556)
CATANIA = (15.087269, 37.502669)


def same(actual, expected):
    assert strict_eq(actual, expected), f"\n got: {actual!r}\nwant: {expected!r}"


def C(text):
    """A coordinate as the server sends it: a RESP3 double or a RESP2 bulk string."""
    if PROTOCOL == 2:
        return text.encode()
    d = Double(float(text))
    d.raw = text.encode()
    return d


def py_err(expected, fn, *args, **kwargs):
    with pytest.raises(redis.ResponseError) as ei:
        fn(*args, **kwargs)
    want = expected[4:] if expected.startswith("ERR ") else expected
    assert str(ei.value) == want


def scored(reply):
    """redis-py's WITHSCORES result as (member, score) tuples, whatever the protocol."""
    return [(m, float(s)) for m, s in reply]


def sicily(r):
    assert r.geoadd("Sicily", PALERMO + ("Palermo",) + CATANIA + ("Catania",)) == 2


# ---------------------------------------------------------------------------
# redis-py API
# ---------------------------------------------------------------------------

def test_geoadd_options_and_scores(r):
    sicily(r)
    assert r.zscore("Sicily", "Palermo") == 3479099956230698.0
    assert r.zscore("Sicily", "Catania") == 3479447370796909.0
    assert r.geoadd("Sicily", (13.5, 38.0, "Palermo", 1, 2, "new"), nx=True) == 1
    assert r.geoadd("Sicily", (13.5, 38.0, "Palermo", 3, 4, "other"), xx=True) == 0
    assert r.geoadd("Sicily", (13.6, 38.0, "Palermo", 3, 4, "other"), xx=True, ch=True) == 1
    assert r.geoadd("Sicily", (13.6, 38.0, "Palermo"), ch=True) == 0
    assert r.zcard("Sicily") == 3
    py_err("ERR syntax error", r.execute_command, "GEOADD", "Sicily", "NX", "XX", "1", "2", "m")
    py_err("ERR syntax error", r.execute_command, "GEOADD", "Sicily", "1", "2", "m", "3")
    py_err("ERR syntax error", r.execute_command, "GEOADD", "Sicily", "CH", "CH", "CH")
    py_err("ERR invalid longitude,latitude pair 181.000000,0.000000",
           r.execute_command, "GEOADD", "Sicily", "181", "0", "m")
    py_err("ERR invalid longitude,latitude pair 0.000000,85.051129",
           r.execute_command, "GEOADD", "Sicily", "0", "85.05112879", "m")
    py_err("ERR invalid longitude,latitude pair inf,0.000000",
           r.execute_command, "GEOADD", "Sicily", "inf", "0", "m")
    py_err("ERR value is not a valid float", r.execute_command, "GEOADD", "Sicily", "x", "0", "m")
    py_err("ERR value is not a valid float", r.execute_command, "GEOADD", "Sicily", "nan", "0", "m")
    # The first bad element fails the whole command: nothing is added.
    py_err("ERR invalid longitude,latitude pair 200.000000,0.000000",
           r.execute_command, "GEOADD", "Sicily", "1", "1", "ok", "200", "0", "bad")
    assert r.zscore("Sicily", "ok") is None


def test_geopos_geohash_geodist(r):
    sicily(r)
    pos = r.geopos("Sicily", "Palermo", "nope", "Catania")
    assert pos[1] is None
    assert pos[0] == pytest.approx(PALERMO, abs=1e-5)
    assert pos[2] == pytest.approx(CATANIA, abs=1e-5)
    assert r.geopos("nokey", "a") == [None]
    assert r.geohash("Sicily", "Palermo", "Catania", "nope") == ["sqc8b49rny0", "sqdtr74hyu0", None]
    assert r.geodist("Sicily", "Palermo", "Catania") == 166274.1516
    assert r.geodist("Sicily", "Palermo", "Catania", "km") == 166.2742
    assert r.geodist("Sicily", "Palermo", "Catania", "mi") == 103.3182
    assert r.geodist("Sicily", "Palermo", "Catania", "ft") == 545518.8700
    assert r.geodist("Sicily", "Palermo", "nope") is None
    assert r.geodist("nokey", "a", "b") is None
    assert r.geodist("Sicily", "Palermo", "Palermo") == 0.0
    py_err("ERR unsupported unit provided. please use M, KM, FT, MI",
           r.execute_command, "GEODIST", "Sicily", "Palermo", "Catania", "yd")
    py_err("ERR syntax error", r.execute_command, "GEODIST", "Sicily", "a", "b", "km", "x")


def test_georadius_forms(r):
    sicily(r)
    r.geoadd("Sicily", (12.758489, 38.788135, "edge1", 17.241510, 38.788135, "edge2"))
    assert r.georadius("Sicily", 15, 37, 200, "km", sort="ASC") == ["Catania", "Palermo"]
    assert r.georadius("Sicily", 15, 37, 200, "km", sort="DESC") == ["Palermo", "Catania"]
    assert r.georadius("Sicily", 15, 37, 200, "km", withdist=True, sort="ASC") == [
        ["Catania", 56.4413], ["Palermo", 190.4424]]
    assert r.georadius("Sicily", 15, 37, 200, "km", withhash=True, sort="ASC") == [
        ["Catania", 3479447370796909], ["Palermo", 3479099956230698]]
    near = r.georadius("Sicily", 15, 37, 200, "km", withcoord=True, count=1)
    assert near[0][0] == "Catania" and near[0][1] == pytest.approx(CATANIA, abs=1e-5)
    assert r.georadius("Sicily", 15, 37, 200, "km", count=1, any=True) in (["Palermo"], ["Catania"])
    assert sorted(r.georadius("Sicily", 15, 37, 400, "km")) == ["Catania", "Palermo", "edge1", "edge2"]
    assert r.georadiusbymember("Sicily", "Palermo", 50, "km") == ["Palermo"]
    assert r.georadiusbymember("Sicily", "Palermo", 200, "km", withdist=True, sort="ASC") == [
        ["Palermo", 0.0], ["edge1", 91.4007], ["Catania", 166.2742]]
    assert r.georadius("nokey", 15, 37, 200, "km") == []
    assert r.georadiusbymember("nokey", "x", 200, "km") == []
    assert r.execute_command("GEORADIUS_RO", "Sicily", 15, 37, 200, "km", "ASC") == ["Catania", "Palermo"]
    assert r.execute_command("GEORADIUSBYMEMBER_RO", "Sicily", "Catania", 1, "km") == ["Catania"]


def test_georadius_store(r):
    sicily(r)
    assert r.georadius("Sicily", 15, 37, 200, "km", store="dst") == 2
    assert scored(r.zrange("dst", 0, -1, withscores=True)) == [
        ("Palermo", 3479099956230698.0), ("Catania", 3479447370796909.0)]
    assert r.georadius("Sicily", 15, 37, 200, "km", store_dist="dst") == 2
    assert scored(r.zrange("dst", 0, -1, withscores=True)) == [
        ("Catania", 56.4412578701582), ("Palermo", 190.44242984775784)]
    assert r.georadiusbymember("Sicily", "Palermo", 300, "km", store_dist="dst", count=1, sort="DESC") == 1
    assert scored(r.zrange("dst", 0, -1, withscores=True)) == [("Catania", 166.27415156960033)]
    # The last STORE / STOREDIST wins.
    assert r.execute_command("GEORADIUS", "Sicily", 15, 37, 200, "km", "STORE", "a", "STOREDIST", "b") == 2
    assert r.exists("a") == 0 and r.zcard("b") == 2
    # An empty result deletes the destination, whatever it held; so does a missing source.
    r.set("str", "v")
    assert r.georadius("Sicily", 0, 0, 1, "km", store="str") == 0
    assert r.exists("str") == 0
    r.set("str", "v")
    assert r.georadius("nokey", 0, 0, 1, "km", store="str") == 0
    assert r.exists("str") == 0
    py_err("ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
           r.georadius, "Sicily", 15, 37, 200, "km", withdist=True, store="dst")
    py_err("ERR syntax error", r.execute_command, "GEORADIUS_RO", "Sicily", 15, 37, 200, "km", "STORE", "d")


def test_geosearch_and_store(r):
    sicily(r)
    r.geoadd("Sicily", (12.758489, 38.788135, "edge1", 17.241510, 38.788135, "edge2"))
    assert r.geosearch("Sicily", longitude=15, latitude=37, radius=200, unit="km", sort="ASC") == [
        "Catania", "Palermo"]
    assert r.geosearch("Sicily", longitude=15, latitude=37, width=400, height=400, unit="km",
                       sort="ASC") == ["Catania", "Palermo", "edge2", "edge1"]
    assert r.geosearch("Sicily", member="Palermo", radius=200, unit="km", withdist=True, sort="DESC") == [
        ["Catania", 166.2742], ["edge1", 91.4007], ["Palermo", 0.0]]
    assert r.geosearch("Sicily", member="Palermo", width=400, height=400, unit="km", count=2, sort="ASC") == [
        "Palermo", "edge1"]
    assert r.geosearchstore("dst", "Sicily", longitude=15, latitude=37, width=400, height=400,
                            unit="km") == 4
    assert r.zscore("dst", "Palermo") == 3479099956230698.0
    assert r.geosearchstore("dst", "Sicily", longitude=15, latitude=37, radius=200, unit="km",
                            storedist=True, sort="DESC", count=1) == 1
    assert scored(r.zrange("dst", 0, -1, withscores=True)) == [("Palermo", 190.44242984775784)]
    assert r.geosearchstore("dst", "Sicily", longitude=0, latitude=0, radius=1, unit="km") == 0
    assert r.exists("dst") == 0
    assert r.geosearch("nokey", member="x", radius=1, unit="km") == []
    py_err("ERR could not decode requested zset member",
           r.geosearch, "Sicily", member="nope", radius=1, unit="km")
    py_err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH",
           r.execute_command, "GEOSEARCH", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST")
    py_err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch",
           r.execute_command, "geosearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "WITHDIST")
    py_err("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH",
           r.execute_command, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "ASC", "WITHDIST")
    py_err("ERR syntax error", r.execute_command, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1",
           "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km")
    py_err("ERR syntax error", r.execute_command, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1",
           "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km")
    py_err("ERR syntax error", r.execute_command, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1",
           "BYRADIUS", "1", "km", "STOREDIST")
    py_err("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
           r.execute_command, "GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "1", "1",
           "BYRADIUS", "1", "km", "WITHDIST")
    py_err("ERR the ANY argument requires COUNT argument",
           r.execute_command, "GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "ANY")


def test_search_argument_errors(r):
    sicily(r)
    cases = [
        (["GEORADIUS", "Sicily", "15", "37", "x", "km"], "ERR need numeric radius"),
        (["GEORADIUS", "Sicily", "15", "37", "-1", "km"], "ERR radius cannot be negative"),
        (["GEORADIUS", "Sicily", "15", "37", "1", "yd"], "ERR unsupported unit provided. please use M, KM, FT, MI"),
        (["GEORADIUS", "Sicily", "15", "95", "1", "km"], "ERR invalid longitude,latitude pair 15.000000,95.000000"),
        (["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"], "ERR COUNT must be > 0"),
        (["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "x"], "ERR value is not an integer or out of range"),
        (["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT"], "ERR syntax error"),
        (["GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"], "ERR could not decode requested zset member"),
        (["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "x", "1", "km"], "ERR need numeric width"),
        (["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "x", "km"], "ERR need numeric height"),
        (["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "-1", "km"],
         "ERR height or width cannot be negative"),
    ]
    for args, message in cases:
        py_err(message, r.execute_command, *args)
    # A missing GEORADIUSBYMEMBER source is answered before its radius is read.
    assert r.execute_command("GEORADIUSBYMEMBER", "nokey", "m", "x", "yd") == []


def test_wrong_type(r):
    r.set("str", "v")
    for args in (["GEOADD", "str", "1", "2", "m"], ["GEOPOS", "str", "m"], ["GEOHASH", "str", "m"],
                 ["GEODIST", "str", "a", "b"], ["GEORADIUS", "str", "1", "2", "3", "km"],
                 ["GEORADIUSBYMEMBER_RO", "str", "m", "3", "km"],
                 ["GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "3", "km"],
                 ["GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "3", "km"]):
        py_err(WRONGTYPE, r.execute_command, *args)
    # Coordinates are checked before the key's type.
    py_err("ERR invalid longitude,latitude pair 200.000000,2.000000",
           r.execute_command, "GEOADD", "str", "200", "2", "m")


def test_poles_and_antimeridian(r):
    lat_max = 85.05112878
    assert r.geoadd("edge", (180, lat_max, "ne", -180, -lat_max, "sw", 179.9999, 0, "e",
                             -179.9999, 0, "w")) == 4
    assert r.geohash("edge", "ne", "sw") == ["bp05b5048p0", "00bh0hbj200"]
    assert r.geodist("edge", "e", "w", "m") == 22.0766
    # A centre exactly on 180 encodes past the last cell (Redis's quirk): the west side,
    # 11 m away, is not among the cells read. From -180 both sides are found.
    assert r.georadius("edge", 180, 0, 10, "km", sort="ASC") == ["e"]
    assert r.georadius("edge", -180, 0, 10, "km", sort="ASC") == ["w", "e"]
    assert r.geosearch("edge", longitude=-180, latitude=0, width=100, height=100, unit="km",
                       sort="DESC") == ["e", "w"]
    assert r.georadius("edge", 0, 0, 100000, "km", count=2, sort="DESC") == ["e", "w"]
    assert r.georadius("edge", 0, 0, 100000, "km", count=2, sort="ASC") == ["sw", "e"]


# ---------------------------------------------------------------------------
# Raw RESP: reply types and exact texts
# ---------------------------------------------------------------------------

def test_raw_reply_types(raw):
    raw.cmd("GEOADD", "Sicily", *PALERMO, "Palermo", *CATANIA, "Catania")
    same(raw.cmd("GEOPOS", "Sicily", "Palermo", "nope"),
         [[C("13.36138933897018433"), C("38.11555639549629859")], NIL_ARRAY])
    same(raw.cmd("GEOPOS", "nokey", "a"), [NIL_ARRAY])
    same(raw.cmd("GEOHASH", "Sicily", "Catania", "nope"), [b"sqdtr74hyu0", NIL])
    same(raw.cmd("GEODIST", "Sicily", "Palermo", "Catania", "km"), b"166.2742")
    same(raw.cmd("GEODIST", "Sicily", "Palermo", "nope"), NIL)
    same(raw.cmd("GEODIST", "nokey", "a", "b"), NIL)
    same(raw.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHHASH", "WITHCOORD", "ASC"),
         [[b"Catania", b"56.4413", 3479447370796909,
           [C("15.08726745843887329"), C("37.50266842333162032")]],
          [b"Palermo", b"190.4424", 3479099956230698,
           [C("13.36138933897018433"), C("38.11555639549629859")]]])
    same(raw.cmd("GEORADIUS", "Sicily", "0", "0", "1", "km"), [])
    same(raw.cmd("GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"), 2)
    raw.cmd("GEOADD", "edge", "180", "0", "e", "0", "0", "o")
    same(raw.cmd("GEOPOS", "edge", "e", "o"),
         [[C("180"), C("0.00000126736058093")],
          [C("0.00000268220901489"), C("0.00000126736058093")]])
