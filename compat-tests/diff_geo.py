"""Geo family for differential.py (`--family geo`): GEOADD, GEOPOS, GEODIST, GEOHASH,
GEORADIUS(BYMEMBER)(_RO), GEOSEARCH(STORE) sent to redis-server and Memorabilia, replies
compared byte for byte (RESP2 and RESP3).

The edge cases pin every error and its order, every option combination, the number formats
(distances with four decimals, coordinates in `%.17Lf` trimmed: bulk strings in RESP2,
doubles in RESP3, also through a script), positions at the poles' limits and on the
antimeridian, zero, tiny, huge and infinite radii, boxes, COUNT / ANY (including many
members at one position, where the order of equal distances is whatever Redis's sorts leave),
STORE / STOREDIST results read back with ZRANGE WITHSCORES and OBJECT ENCODING, scores GEOADD
never makes (negative, infinite, beyond 2^52), WRONGTYPE, and keyspace events. The random part
adds random points (many near the limits) to two keys and runs random searches over them.
"""

KEYS = ["g1", "g2"]
DSTS = ["dst", "g2", "str", "nokey"]
UNITS = ["m", "km", "ft", "mi", "M", "KM", "Mi", "fT", "yd", "", "m\x00x"]
MEMBERS = ["p%d" % i for i in range(40)] + ["Palermo", "Catania", "", "x" * 70]

SICILY = ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
          "Catania"]
LAT_MAX = "85.05112878"
EDGE_POINTS = ["GEOADD", "edge",
               "180", LAT_MAX, "ne", "-180", LAT_MAX, "nw", "180", "-" + LAT_MAX, "se",
               "-180", "-" + LAT_MAX, "sw", "179.9999", "0", "e1", "-179.9999", "0", "w1",
               "179.99", "85", "e2", "-179.99", "-85", "w2", "0", LAT_MAX, "n0",
               "0", "-" + LAT_MAX, "s0", "0", "0", "o", "-0.0000001", "0.0000001", "o2",
               "90", "84.9999", "n90", "-90", "-84.9999", "s90"]

# Scores GEOADD never makes still decode (clamped to the limits).
ODD_SCORES = ["ZADD", "zs", "-1", "neg", "inf", "pinf", "-inf", "ninf", "1e300", "huge",
              "4503599627370496", "p52", "9007199254740992", "p53", "0.5", "half",
              "18014398509481984", "p54", "-4503599627370496", "m52", "0", "zero",
              "9223372036854775808", "p63", "1.8446744073709552e19", "p64"]


def _many_at_one_point(n, lon, lat, prefix):
    out = []
    for i in range(n):
        out += [lon, lat, "%s%02d" % (prefix, i)]
    return out


TIES = (["GEOADD", "ties"] + _many_at_one_point(50, "10", "20", "a")
        + _many_at_one_point(12, "10.001", "20", "b") + _many_at_one_point(7, "10", "20.002", "c"))

EDGE_CASES = [
    # GEOADD, GEOPOS, GEODIST, GEOHASH basics.
    [SICILY, ["GEOPOS", "Sicily", "Palermo", "Catania", "nope"], ["GEOPOS", "Sicily"],
     ["GEOPOS", "nokey", "a", "b"], ["GEODIST", "Sicily", "Palermo", "Catania"],
     ["GEODIST", "Sicily", "Palermo", "Catania", "km"], ["GEODIST", "Sicily", "Palermo", "Catania", "MI"],
     ["GEODIST", "Sicily", "Palermo", "Catania", "ft"], ["GEODIST", "Sicily", "Palermo", "Catania", "M"],
     ["GEODIST", "Sicily", "Palermo", "Catania", "yd"], ["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"],
     ["GEODIST", "Sicily", "Palermo", "nope"], ["GEODIST", "nokey", "a", "b"], ["GEODIST", "nokey", "a", "b", "yd"],
     ["GEODIST", "Sicily", "Palermo", "Palermo"], ["GEODIST", "Sicily", "Palermo"],
     ["GEOHASH", "Sicily", "Palermo", "nope", "Catania"], ["GEOHASH", "nokey", "a"], ["GEOHASH", "Sicily"],
     ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"], ["OBJECT", "ENCODING", "Sicily"]],
    # GEOADD options and errors, in Redis's order.
    [SICILY, ["GEOADD", "Sicily", "NX", "13", "38", "Palermo", "1", "2", "new"],
     ["GEOADD", "Sicily", "XX", "13", "38", "Palermo", "1", "2", "new2"],
     ["GEOADD", "Sicily", "XX", "CH", "13", "38", "Palermo", "1", "2", "new3"],
     ["GEOADD", "Sicily", "CH", "nx", "14", "38", "Palermo", "1", "2", "new4"],
     ["GEOADD", "Sicily", "ch", "14", "38", "Palermo", "14", "38", "Palermo"],
     ["GEOADD", "Sicily", "NX", "XX", "1", "2", "m"], ["GEOADD", "Sicily", "XX", "NX", "CH"],
     ["GEOADD", "Sicily", "1", "2"], ["GEOADD", "Sicily", "1", "2", "m", "3"],
     ["GEOADD", "Sicily", "CH", "CH", "CH"], ["GEOADD", "Sicily", "GT", "1", "m"],
     ["GEOADD", "Sicily", "GT", "1", "2", "m"], ["GEOADD", "Sicily", "INCR", "1", "2", "m"],
     ["GEOADD", "Sicily", "181", "0", "m"], ["GEOADD", "Sicily", "0", "86", "m"],
     ["GEOADD", "Sicily", "-180.0000001", "0", "m"], ["GEOADD", "Sicily", "0", "85.05112879", "m"],
     ["GEOADD", "Sicily", "0", "-85.05112879", "m"], ["GEOADD", "Sicily", "1e300", "-1e300", "m"],
     ["GEOADD", "Sicily", "inf", "0", "m"], ["GEOADD", "Sicily", "-inf", "-inf", "m"],
     ["GEOADD", "Sicily", "nan", "0", "m"], ["GEOADD", "Sicily", "abc", "0", "m"],
     ["GEOADD", "Sicily", "0", "abc", "m"], ["GEOADD", "Sicily", "1e400", "0", "m"],
     ["GEOADD", "Sicily", " 1", "0", "m"], ["GEOADD", "Sicily", "0x10", "0x1p3", "hex"],
     ["GEOADD", "Sicily", "0.0078125", "90", "m"], ["GEOADD", "Sicily", "-0.0000004", "95", "m"],
     ["GEOADD", "Sicily", "1", "2", "ok", "200", "0", "bad"], ["ZCARD", "Sicily"],
     ["GEOADD", "Sicily", "1", "2", "ok", "3", "4", "ok"], ["GEOPOS", "Sicily", "ok", "hex"],
     ["GEOADD", "Sicily"], ["GEOADD", "Sicily", "1", "2", "3"],
     ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"]],
    # The limits of the coordinates, both poles' limits and the antimeridian.
    [EDGE_POINTS, ["ZRANGE", "edge", "0", "-1", "WITHSCORES"],
     ["GEOPOS", "edge", "ne", "nw", "se", "sw", "e1", "w1", "e2", "w2", "n0", "s0", "o", "o2"],
     ["GEOHASH", "edge", "ne", "nw", "se", "sw", "e1", "w1", "o", "o2", "n90"],
     ["GEODIST", "edge", "ne", "sw", "km"], ["GEODIST", "edge", "e1", "w1"], ["GEODIST", "edge", "ne", "nw"],
     ["GEODIST", "edge", "o", "o2", "ft"], ["GEODIST", "edge", "n90", "s90", "mi"],
     ["GEORADIUS", "edge", "180", "0", "100", "km", "WITHDIST", "WITHCOORD", "ASC"],
     ["GEORADIUS", "edge", "-180", "0", "100", "km", "WITHDIST", "DESC"],
     ["GEORADIUS", "edge", "180", LAT_MAX, "1000", "km", "WITHDIST", "WITHHASH"],
     ["GEORADIUS", "edge", "-180", "-" + LAT_MAX, "5000", "km", "WITHDIST", "ASC"],
     ["GEORADIUS", "edge", "0", LAT_MAX, "20000", "km", "WITHDIST", "ASC"],
     ["GEORADIUS", "edge", "0", "0", "40000", "km", "WITHDIST", "WITHCOORD"],
     ["GEORADIUS", "edge", "0", "0", "inf", "km", "WITHDIST"],
     ["GEORADIUS", "edge", "0", "0", "1e308", "mi", "WITHDIST", "COUNT", "3"],
     ["GEORADIUSBYMEMBER", "edge", "ne", "0", "m", "WITHDIST"],
     ["GEORADIUSBYMEMBER", "edge", "o", "0", "m", "WITHCOORD"],
     ["GEORADIUSBYMEMBER", "edge", "o", "0.1", "m", "WITHDIST"],
     ["GEORADIUSBYMEMBER", "edge", "o", "1e-300", "m", "WITHDIST"],
     ["GEOSEARCH", "edge", "FROMLONLAT", "180", "0", "BYBOX", "400", "400", "km", "WITHDIST", "ASC"],
     ["GEOSEARCH", "edge", "FROMLONLAT", "-179.999", "84", "BYBOX", "4000", "800", "km", "WITHCOORD"],
     ["GEOSEARCH", "edge", "FROMMEMBER", "sw", "BYBOX", "10000", "10000", "km", "ASC", "WITHDIST"],
     ["GEOSEARCH", "edge", "FROMMEMBER", "o", "BYBOX", "0", "0", "m", "WITHDIST"],
     ["GEOSEARCH", "edge", "FROMMEMBER", "o", "BYBOX", "inf", "0", "m", "WITHDIST"],
     ["GEOSEARCH", "edge", "FROMMEMBER", "o", "BYBOX", "inf", "inf", "m", "WITHDIST"],
     ["GEOSEARCH", "edge", "FROMMEMBER", "n0", "BYRADIUS", "30000", "km", "DESC", "COUNT", "4"],
     ["GEOSEARCH", "edge", "FROMLONLAT", "90", LAT_MAX, "BYRADIUS", "10", "km", "WITHDIST"]],
    # GEORADIUS options: WITH*, sorting, COUNT, ANY.
    [SICILY, ["GEOADD", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2",
              "13.5", "37.5", "mid", "14", "37", "low"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHHASH"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD", "WITHHASH", "WITHDIST", "DESC"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "withdist", "asc", "count", "2"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "2", "ANY"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY", "COUNT", "2", "DESC"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "100", "ANY"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "COUNT", "3"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ASC", "DESC"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "-1"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "x"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "9223372036854775807"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "9223372036854775808"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "FOO"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "FROMMEMBER", "Palermo"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "BYRADIUS", "1", "km"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY", "COUNT", "0"],
     ["GEORADIUS", "Sicily", "15", "37", "0", "km"], ["GEORADIUS", "Sicily", "15", "37", "-0", "km"],
     ["GEORADIUS", "Sicily", "15", "37", "-1", "km"], ["GEORADIUS", "Sicily", "15", "37", "x", "km"],
     ["GEORADIUS", "Sicily", "15", "37", "1", "yd"], ["GEORADIUS", "Sicily", "15", "37", "-1", "yd"],
     ["GEORADIUS", "Sicily", "15", "37", "x", "yd"], ["GEORADIUS", "Sicily", "200", "37", "x", "yd"],
     ["GEORADIUS", "Sicily", "x", "37", "1", "km"], ["GEORADIUS", "Sicily", "15", "100", "1", "km"],
     ["GEORADIUS", "Sicily", "15", "37", "200"], ["GEORADIUS", "Sicily", "15", "37", "200", "KM", "WITHDIST"],
     ["GEORADIUS", "nokey", "15", "37", "200", "km"], ["GEORADIUS", "nokey", "15", "37", "x", "km"],
     ["GEORADIUS", "nokey", "15", "37", "200", "km", "FOO"],
     ["GEORADIUS", "nokey", "15", "37", "200", "km", "ANY"],
     ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"],
     ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "dst"],
     ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"],
     ["EXISTS", "dst"]],
    # GEORADIUSBYMEMBER and the missing-member / missing-key paths.
    [SICILY, ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST", "WITHCOORD"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "100", "km"],
     ["GEORADIUSBYMEMBER", "Sicily", "nope", "100", "km"],
     ["GEORADIUSBYMEMBER", "Sicily", "nope", "x", "km"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "x", "km"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "1", "yd"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "-1", "km", "FOO"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "FOO"],
     ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd"],
     ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd", "WITHDIST"],
     ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd", "FOO"],
     ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd", "COUNT", "0"],
     ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd", "STORE", "dst", "WITHDIST"],
     ["SET", "dst", "x"], ["GEORADIUSBYMEMBER", "nokey", "m", "x", "yd", "STORE", "dst"],
     ["EXISTS", "dst"], ["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "200", "km", "DESC"],
     ["GEORADIUSBYMEMBER_RO", "Sicily", "Catania", "200", "km", "STORE", "dst"],
     ["GEORADIUSBYMEMBER_RO", "nokey", "Catania", "200", "km"]],
    # STORE and STOREDIST, read back; what an empty result or a missing source does.
    [SICILY, ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"], ["TYPE", "dst"], ["OBJECT", "ENCODING", "dst"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "mi", "STOREDIST", "dst", "DESC", "COUNT", "1"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "a", "STOREDIST", "b"],
     ["EXISTS", "a"], ["ZRANGE", "b", "0", "-1", "WITHSCORES"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "c", "STORE", "d"],
     ["EXISTS", "c"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "e", "STORE", "f", "STORE", "g"],
     ["EXISTS", "e", "f"], ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "STOREDIST", "e", "STOREDIST", "h"],
     ["EXISTS", "e"], ["ZRANGE", "h", "0", "-1", "WITHSCORES"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "STORE", "STORE"],
     ["ZRANGE", "STORE", "0", "-1"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst", "WITHDIST"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD", "STOREDIST", "dst"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE"],
     ["SET", "str", "v"], ["EXPIRE", "dst", "100"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"], ["TTL", "dst"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "str"], ["TYPE", "str"],
     ["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"], ["EXISTS", "dst"],
     ["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"],
     ["GEORADIUS", "nokey", "0", "0", "1", "km", "STORE", "str"], ["EXISTS", "str"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "STORE", "Sicily"],
     ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "300", "km", "STOREDIST", "Sicily"],
     ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"]],
    # GEOSEARCH / GEOSEARCHSTORE: option combinations and errors.
    [SICILY, ["GEOADD", "Sicily", "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "DESC", "WITHDIST"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "200", "200", "mi", "COUNT", "2", "ANY"],
     ["GEOSEARCH", "Sicily", "BYRADIUS", "200", "km", "FROMMEMBER", "Palermo"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMMEMBER", "Catania", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMLONLAT", "16", "37", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "BYRADIUS", "1", "km", "BYRADIUS", "300", "km", "FROMLONLAT", "15", "37"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "m", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "STORE", "dst"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "STOREDIST"],
     ["GEOSEARCH", "Sicily", "BYRADIUS", "1", "m"], ["geosearch", "Sicily", "BYRADIUS", "1", "m", "ASC", "ASC"],
     ["GEOSEARCH", "Sicily", "BYRADIUS", "1", "m", "ASC", "WITHHASH"],
     ["GeoSearch", "Sicily", "FROMLONLAT", "15", "37", "WITHDIST"],
     ["GeoSearch", "Sicily", "FROMLONLAT", "15", "37", "WITHDIST", "DESC"],
     ["GEOSEARCH", "Sicily", "WITHDIST", "DESC", "COUNT", "1", "ANY"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "WITHDIST", "DESC", "COUNT", "1", "ANY"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "COUNT", "1", "ANY", "STOREDIST"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "m", "ANY"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1", "m"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "x", "m"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "x", "m"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "yd"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "x", "y", "yd"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "y", "yd"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "-1", "1", "yd"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "-1", "km"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "1", "yd"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "1", "1"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "1"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "BYRADIUS", "1", "km"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "500", "37", "BYRADIUS", "1", "km"],
     ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "x", "BYRADIUS", "1", "km"],
     ["GEOSEARCH", "Sicily", "FROMMEMBER"],
     ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"],
     ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "-1", "km"],
     ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
     ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYBOX", "1", "1", "km", "COUNT", "1", "ANY"],
     ["GEOSEARCH", "nokey", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km", "WITHDIST"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "STOREDIST", "DESC", "COUNT", "2"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "WITHDIST"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "STORE", "x"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "400", "km", "STOREDIST", "x"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "BYRADIUS", "400", "km"],
     ["geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37"],
     ["geosearchstore", "dst", "Sicily", "FROMLONLAT", "15", "37", "ASC"],
     ["geoSearchStore", "dst", "Sicily", "FROMLONLAT", "15", "37", "ASC", "COUNT", "1"],
     ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
     ["EXISTS", "dst"], ["SET", "dst", "v"],
     ["GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"],
     ["EXISTS", "dst"],
     ["GEOSEARCHSTORE", "Sicily", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km", "STOREDIST"],
     ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"]],
    # Many members at one position: the order of equal distances after each sort.
    [TIES, ["GEORADIUS", "ties", "10", "20", "1", "km", "ASC"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "DESC"],
     ["GEORADIUS", "ties", "10", "20", "1", "km"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "5"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "45", "WITHDIST"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "60", "DESC"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "68", "DESC"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "69"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "3", "ANY"],
     ["GEORADIUS", "ties", "10", "20", "1", "km", "COUNT", "55", "ANY", "DESC"],
     ["GEORADIUS", "ties", "10.0005", "20.001", "1", "km", "COUNT", "10"],
     ["GEORADIUS", "ties", "10.0005", "20.001", "1", "km", "COUNT", "20", "DESC"],
     ["GEORADIUS", "ties", "10.0005", "20.001", "1", "km", "COUNT", "7", "ASC", "WITHDIST"],
     ["GEOSEARCH", "ties", "FROMMEMBER", "b03", "BYBOX", "1", "1", "km", "COUNT", "30"],
     ["GEOSEARCH", "ties", "FROMMEMBER", "c03", "BYBOX", "2", "2", "km", "COUNT", "8", "DESC"],
     ["GEOSEARCHSTORE", "dst", "ties", "FROMMEMBER", "c03", "BYBOX", "2", "2", "km", "COUNT", "8", "STOREDIST"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"]],
    # Scores GEOADD never makes.
    [ODD_SCORES, ["GEOPOS", "zs", "neg", "pinf", "ninf", "huge", "p52", "p53", "half", "p54", "m52",
                  "zero", "p63", "p64"],
     ["GEOHASH", "zs", "neg", "pinf", "ninf", "huge", "p52", "p53", "half", "p54", "m52", "zero", "p63", "p64"],
     ["GEODIST", "zs", "neg", "pinf"], ["GEODIST", "zs", "half", "p53", "km"], ["GEODIST", "zs", "zero", "p64"],
     ["GEORADIUSBYMEMBER", "zs", "neg", "100", "km", "WITHDIST", "WITHHASH", "WITHCOORD"],
     ["GEORADIUSBYMEMBER", "zs", "zero", "1", "km", "WITHDIST", "WITHHASH", "WITHCOORD"],
     ["GEOSEARCH", "zs", "FROMMEMBER", "pinf", "BYRADIUS", "50000", "km", "WITHHASH", "WITHDIST", "ASC"],
     ["GEOSEARCH", "zs", "FROMLONLAT", "0", "0", "BYRADIUS", "inf", "km", "WITHHASH", "ASC"],
     ["GEOSEARCH", "zs", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km", "WITHHASH"]],
    # Wrong types, arity.
    [["SET", "str", "x"], ["GEOADD", "str", "1", "2", "m"], ["GEOADD", "str", "200", "2", "m"],
     ["GEOADD", "str", "NX", "XX", "1", "2", "m"], ["GEOPOS", "str", "m"], ["GEOHASH", "str", "m"],
     ["GEODIST", "str", "a", "b"], ["GEODIST", "str", "a", "b", "yd"], ["GEODIST", "str", "a", "b", "m", "x"],
     ["GEORADIUS", "str", "1", "2", "3", "km"], ["GEORADIUS", "str", "x", "2", "3", "km"],
     ["GEORADIUS_RO", "str", "1", "2", "3", "km"], ["GEORADIUSBYMEMBER", "str", "m", "3", "km"],
     ["GEORADIUSBYMEMBER_RO", "str", "m", "x", "km"],
     ["GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "3", "km"],
     ["GEOSEARCHSTORE", "dst", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "3", "km"],
     SICILY, ["GEOSEARCHSTORE", "str", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "300", "km"],
     ["TYPE", "str"], ["LPUSH", "list", "a"],
     ["GEORADIUS", "Sicily", "15", "37", "300", "km", "STORE", "list"], ["TYPE", "list"],
     ["GEOADD", "k"], ["GEOADD", "k", "1", "2"], ["GEOPOS"], ["GEOHASH"], ["GEODIST", "k", "a"],
     ["GEORADIUS", "k", "1", "2", "3"], ["GEORADIUS_RO", "k", "1", "2", "3"],
     ["GEORADIUSBYMEMBER", "k", "m", "3"], ["GEORADIUSBYMEMBER_RO", "k", "m", "3"],
     ["GEOSEARCH", "k", "FROMLONLAT", "1", "2", "BYRADIUS"],
     ["GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "1", "2", "BYRADIUS", "1"]],
    # Encodings: a big set, and big results stored.
    [["GEOADD", "big"] + [x for i in range(150) for x in ("%.4f" % (i * 0.01), "%.4f" % (i * 0.005), "m%d" % i)],
     ["OBJECT", "ENCODING", "big"],
     ["GEOSEARCHSTORE", "dst", "big", "FROMLONLAT", "0.5", "0.3", "BYBOX", "500", "500", "km"],
     ["OBJECT", "ENCODING", "dst"], ["ZCARD", "dst"],
     ["GEOSEARCHSTORE", "dst", "big", "FROMLONLAT", "0.5", "0.3", "BYRADIUS", "50", "km", "COUNT", "128"],
     ["OBJECT", "ENCODING", "dst"],
     ["GEOSEARCH", "big", "FROMLONLAT", "0.5", "0.3", "BYRADIUS", "30", "km", "COUNT", "17", "WITHDIST"],
     ["GEOSEARCH", "big", "FROMLONLAT", "0.5", "0.3", "BYRADIUS", "30", "km", "COUNT", "17", "ANY", "WITHDIST"],
     ["GEOSEARCH", "big", "FROMLONLAT", "0.5", "0.3", "BYBOX", "60", "20", "km", "DESC", "WITHDIST"],
     ["GEOADD", "long", "1", "1", "y" * 65, "1.001", "1", "short"],
     ["GEOSEARCHSTORE", "dst", "long", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "km"],
     ["OBJECT", "ENCODING", "dst"], ["OBJECT", "ENCODING", "long"]],
    # Through scripts (RESP2 and RESP3 conversions), in MULTI.
    [SICILY, ["EVAL", "return redis.call('GEOPOS', KEYS[1], 'Palermo', 'nope')", "1", "Sicily"],
     ["EVAL", "redis.setresp(3); return redis.call('GEOPOS', KEYS[1], 'Palermo')", "1", "Sicily"],
     ["EVAL", "redis.setresp(3); local r = redis.call('GEOPOS', KEYS[1], 'Palermo'); "
              "return tostring(r[1][1]['double'])", "1", "Sicily"],
     ["EVAL", "return redis.call('GEORADIUS', KEYS[1], 15, 37, 200, 'km', 'WITHDIST', 'WITHCOORD', 'ASC')",
      "1", "Sicily"],
     ["EVAL", "redis.setresp(3); return redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', 15, 37, "
              "'BYRADIUS', 200, 'km', 'WITHCOORD', 'WITHHASH')", "1", "Sicily"],
     ["EVAL", "return redis.call('GEORADIUS', KEYS[1], 15, 37, 200, 'km', 'STORE', KEYS[2])", "2",
      "Sicily", "dst"],
     ["EVAL", "return redis.pcall('GEORADIUS', KEYS[1], 200, 37, 200, 'km')", "1", "Sicily"],
     ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
     ["MULTI"], ["GEOADD", "Sicily", "13", "38", "x"], ["GEORADIUS", "Sicily", "13", "38", "1", "km", "STORE", "dst"],
     ["GEOPOS", "Sicily", "x"], ["EXEC"], ["ZRANGE", "dst", "0", "-1", "WITHSCORES"]],
    # Keyspace events: zadd for GEOADD, georadiusstore / geosearchstore, del for an empty result.
    [["CONFIG", "SET", "notify-keyspace-events", "KEA"], SICILY, ["SET", "str", "v"],
     ["@1", "PSUBSCRIBE", "__key*__:*"],
     ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"], ["DRAIN", "1"],
     ["GEOADD", "Sicily", "CH", "13", "38", "Palermo"], ["DRAIN", "1"],
     ["GEOADD", "new", "1", "2", "m"], ["DRAIN", "1"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km"], ["DRAIN", "1"],
     ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"], ["DRAIN", "1"],
     ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "STOREDIST", "dst"], ["DRAIN", "1"],
     ["GEOSEARCHSTORE", "dst2", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"], ["DRAIN", "1"],
     ["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"], ["DRAIN", "1"],
     ["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"], ["DRAIN", "1"],
     ["GEOSEARCHSTORE", "str", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"], ["DRAIN", "1"],
     ["GEOPOS", "nokey", "a"], ["DRAIN", "1"],
     ["CONFIG", "SET", "notify-keyspace-events", ""]],
]

CLEANUP = [["CONFIG", "SET", "notify-keyspace-events", ""]]


HOT_SPOTS = [("11", "41"), ("11.0001", "41"), ("-179.5", "84.9"), ("179.9", "-84.5")]


def _pick(rng, items):
    return rng.choice(items)


def _lon(rng):
    r = rng.random()
    if r < 0.1:
        return _pick(rng, ["180", "-180", "179.99999", "-179.99999", "0", "-0"])
    if r < 0.2:
        return "%.6f" % rng.uniform(170, 180) if rng.random() < 0.5 else "%.6f" % rng.uniform(-180, -170)
    if r < 0.25:
        return _pick(rng, ["180.0000001", "-181", "x", "inf", "1e3"])
    if r < 0.6:
        return "%.5f" % rng.uniform(10, 12)
    return repr(rng.uniform(-180, 180))


def _lat(rng):
    r = rng.random()
    if r < 0.1:
        return _pick(rng, ["85.05112878", "-85.05112878", "85.0511287", "0", "-0", "85", "-85"])
    if r < 0.2:
        return "%.6f" % rng.uniform(80, 85.05) if rng.random() < 0.5 else "%.6f" % rng.uniform(-85.05, -80)
    if r < 0.25:
        return _pick(rng, ["85.05112879", "-90", "nan", "y"])
    if r < 0.6:
        return "%.5f" % rng.uniform(40, 42)
    return repr(rng.uniform(-85.05112878, 85.05112878))


def _distance(rng):
    r = rng.random()
    if r < 0.05:
        return _pick(rng, ["0", "inf", "-1", "x", "1e-300", "-0"])
    return "%.*g" % (rng.randint(1, 8), 10 ** rng.uniform(-2, 7.5))


def _unit(rng):
    return _pick(rng, ["m", "km", "km", "km", "mi", "ft", "M", "KM"] + (["yd"] if rng.random() < 0.1 else []))


def _options(rng, allow_with=True):
    opts = []
    if allow_with:
        for w in ("WITHDIST", "WITHHASH", "WITHCOORD"):
            if rng.random() < 0.35:
                opts.append([w])
    if rng.random() < 0.5:
        opts.append([_pick(rng, ["ASC", "DESC"])])
    if rng.random() < 0.5:
        count = _pick(rng, ["1", "2", "3", "5", "10", "20", "50", "100", str(rng.randint(1, 60))]
                      + (["0", "-2", "z"] if rng.random() < 0.05 else []))
        opts.append(["COUNT", count] + (["ANY"] if rng.random() < 0.3 else []))
    elif rng.random() < 0.03:
        opts.append(["ANY"])
    rng.shuffle(opts)
    return [w for o in opts for w in o]


def random_command(rng):
    k = _pick(rng, KEYS)
    m = _pick(rng, MEMBERS)
    if rng.random() < 0.3:
        triples = []
        for _ in range(rng.randint(1, 6)):
            if rng.random() < 0.3:
                # A few shared positions: equal distances, whose order is the sorts' own.
                triples += list(_pick(rng, HOT_SPOTS)) + [_pick(rng, MEMBERS)]
            else:
                triples += [_lon(rng), _lat(rng), _pick(rng, MEMBERS)]
        opts = []
        if rng.random() < 0.2:
            opts = [_pick(rng, ["NX", "XX", "CH", "CH"])]
        return ["GEOADD", k] + opts + triples
    if rng.random() < 0.02:
        triples = []
        for i in range(rng.randint(100, 140)):
            triples += ["%.6f" % rng.uniform(9, 13), "%.6f" % rng.uniform(39, 43), "q%d" % i]
        return ["GEOADD", k] + triples
    store = []
    if rng.random() < 0.15:
        store = [_pick(rng, ["STORE", "STOREDIST"]), _pick(rng, DSTS)]
    by = (["BYRADIUS", _distance(rng), _unit(rng)] if rng.random() < 0.5
          else ["BYBOX", _distance(rng), _distance(rng), _unit(rng)])
    frm = (["FROMMEMBER", m] if rng.random() < 0.4 else ["FROMLONLAT", _lon(rng), _lat(rng)])
    options = [
        ["GEOPOS", k, m, _pick(rng, MEMBERS)],
        ["GEOHASH", k, m, _pick(rng, MEMBERS)],
        ["GEODIST", k, m, _pick(rng, MEMBERS)] + ([_unit(rng)] if rng.random() < 0.7 else []),
        ["GEORADIUS", k, _lon(rng), _lat(rng), _distance(rng), _unit(rng)] + _options(rng, not store) + store,
        ["GEORADIUS", k, _lon(rng), _lat(rng), _distance(rng), _unit(rng)] + _options(rng),
        ["GEORADIUS_RO", k, _lon(rng), _lat(rng), _distance(rng), _unit(rng)] + _options(rng),
        ["GEORADIUSBYMEMBER", k, m, _distance(rng), _unit(rng)] + _options(rng, not store) + store,
        ["GEORADIUSBYMEMBER_RO", k, m, _distance(rng), _unit(rng)] + _options(rng),
        ["GEOSEARCH", k] + frm + by + _options(rng),
        ["GEOSEARCH", k] + frm + by + _options(rng),
        ["GEOSEARCH", k] + by + frm + _options(rng),
        ["GEOSEARCHSTORE", _pick(rng, DSTS), k] + frm + by + _options(rng, False)
        + (["STOREDIST"] if rng.random() < 0.5 else []),
        ["ZRANGE", _pick(rng, DSTS), "0", "-1", "WITHSCORES"],
        ["ZREM", k, m], ["ZCARD", k],
    ]
    if rng.random() < 0.01:
        return ["DEL", k]
    return rng.choice(options)
