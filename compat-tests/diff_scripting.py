"""Differential cases for Lua scripting and functions (picked up by differential.py as
`--family scripting`): EVAL / EVALSHA / EVAL_RO / EVALSHA_RO, SCRIPT LOAD / EXISTS / FLUSH /
KILL / HELP, FUNCTION LOAD / DELETE / LIST / FLUSH / DUMP / RESTORE / STATS / KILL / HELP,
FCALL / FCALL_RO.

Every case runs in RESP2 and RESP3; the reply of a script depends on both the protocol of
the client and the one the script chose with redis.setresp(), so most conversion cases are
worth running twice as they are.

Parts:
- Lua -> RESP conversions: integers, floats (truncated), strings, booleans, nil, nested tables
  cut at the first nil, {err=...} / {ok=...}, redis.error_reply / status_reply, RESP3 types
  ({map=}, {set=}, {double=}, {big_number=}, {verbatim_string=}, true / false / nil after
  redis.setresp(3));
- RESP -> Lua conversions: what redis.call gives back for every reply type (checked with
  type() and by returning it), with setresp(2) and setresp(3);
- errors: compile and run-time errors (their text carries the script's sha1 and line:
  `... script: <sha>, on @user_script:<line>.`), redis.call misuse, WRONGTYPE through call and
  pcall, commands refused in scripts, the sandbox (globals, missing libraries), NOSCRIPT,
  numkeys, read-only scripts (EVAL_RO, `#!lua flags=no-writes`), shebang errors;
- the script cache (SCRIPT LOAD / EXISTS / FLUSH, case-insensitive sha1), SCRIPT HELP / KILL,
  scripts inside MULTI / EXEC and WATCH, SELECT inside a script;
- the cjson, cmsgpack, bit and struct libraries;
- BUSY / SCRIPT KILL / FUNCTION KILL with busy-reply-threshold lowered to 50 ms (CLEANUP puts
  back the default 5000);
- functions: LOAD errors and metadata, register_function (positional and table forms, flags,
  description), FCALL / FCALL_RO, LIST (LIBRARYNAME, WITHCODE), DELETE, FLUSH, STATS, and
  RESTORE of payloads dumped by redis-server 7.0.15 (one stored raw, one LZF-compressed, one
  with two libraries) with the APPEND / REPLACE / FLUSH policies;
- random scripts (random_command): small scripts built from fragments over a three-key
  keyspace, EVALSHA of loaded scripts, FCALL of a library loaded on the way.

Determinism: Redis iterates libraries and the functions of a library in hash order (seeded
at random per process), so FUNCTION LIST cases hold one library with one function, or pin
one library with LIBRARYNAME; replies built from Lua tables with several string keys
({map=}, {set=}) depend on Lua's table order, so maps and sets returned by scripts have one
entry, and multi-element replies of commands called from scripts (SMEMBERS...) are sorted
inside the script. FUNCTION DUMP payloads are compared by kind only (normalize): the RDB
version inside differs between Redis versions. math.random is only used after
math.randomseed (Redis does not reseed it per script in 7.0, so its sequence depends on
what ran before).

Numbers: Lua numbers become integers by C truncation; on x86-64 a number outside the int64
range, inf and NaN all become -9223372036854775808 (cvttsd2si), which one case checks.
"""

import hashlib
import random as _random

FUTURE = "4102444800"


def ev(script, keys=(), args=()):
    """EVAL script numkeys keys... args..."""
    return ["EVAL", script, str(len(keys))] + list(keys) + list(args)


def ev_ro(script, keys=(), args=()):
    return ["EVAL_RO", script, str(len(keys))] + list(keys) + list(args)


def one(*scripts, per_case=3):
    """Cases of one EVAL per script (no keys, no arguments), `per_case` scripts a case (a
    difference ends its case: small cases keep the other scripts compared)."""
    steps = [ev(s) for s in scripts]
    return [steps[i:i + per_case] for i in range(0, len(steps), per_case)]


def sha1(script):
    return hashlib.sha1(script.encode()).hexdigest()


# SHA1 of a few scripts used with EVALSHA (SCRIPT LOAD replies show them too).
SHA_RETURN_ABC = sha1("return 'abc'")  # d880078bd9a5b67a871a7de626f7e5eabdfad1e7
SHA_RETURN_1 = sha1("return 1")  # e0e1f9fabfc9d4800c877a703b823ac0578ff8db
SHA_SET = sha1("return redis.call('set','k','v')")
UNKNOWN_SHA = "ffffffffffffffffffffffffffffffffffffffff"

# ---------------------------------------------------------------------------------------
# Lua -> RESP
# ---------------------------------------------------------------------------------------

LUA_TO_RESP = [
    *one("return 1", "return 0", "return -1", "return 9007199254740992",
        "return -9007199254740992", "return 2^62", "return -2^63"),
    # Floats are truncated towards zero.
    *one("return 3.99", "return -3.99", "return 0.5", "return -0.5", "return 1e3", "return 1.5e1",
        "return 2^53 + 0.5"),
    # Out of range, inf and NaN (the x86-64 truncation: see the module doc).
    *one("return 1e20", "return -1e20", "return 1/0", "return -1/0", "return 0/0"),
    *one("return 'hello'", "return ''", "return '3.99'", "return tostring(3.99)",
        "return tostring(1e20)", "return tostring(0.1)", "return tostring(-0)",
        "return tostring(1/3)", "return tostring(2^63)", "return 'a\\0b'", "return ('x'):rep(100)"),
    # Booleans: true is 1, false is a nil reply (in the RESP2 mode of the script).
    *one("return true", "return false", "return nil", "return", "",
        "return {true, false, true}", "return (1 == 1)", "return not nil"),
    # Arrays stop at the first nil; hash keys are ignored.
    *one("return {1, 2, 3}", "return {1, 'two', 3.5, true}", "return {1, 2, nil, 3}",
        "return {nil, 1}", "return {}", "return {1, 2, a=3}", "return {a=3}",
        "return {1, false, 2}", "return {[1]='x', [2]='y', [4]='z'}",
        "local t = {} t[1] = 'a' t[3] = 'c' return t"),
    *one("return {{1, {2, {3, {4}}}}, 'x', {}}", "return {{}, {{}}, {{{}}}}",
        "return {{a=1}, {1, nil, 2}, {false}}",
        "local t = {} for i = 1, 100 do t[i] = i * i end return t"),
    # Status and error tables, with and without redis.*_reply.
    *one("return {ok='fine'}", "return {err='MY custom error'}", "return {err='ERR plain'}",
        "return {err='x', ok='y'}", "return {ok='y', 1, 2}", "return {err=123}",
        "return {ok=1}", "return {ok=''}", "return {err=''}"),
    *one("return redis.status_reply('FINE')", "return redis.error_reply('My err')",
        "return redis.error_reply('-My err')", "return redis.error_reply('')",
        "return redis.error_reply('ERR with ERR')", "return redis.status_reply('')",
        "return redis.status_reply()", "return redis.error_reply()",
        "return redis.status_reply(1)", "return redis.error_reply({})",
        "return {redis.status_reply('A'), redis.error_reply('B'), redis.error_reply('C d')}",
        "return type(redis.status_reply('x'))", "return redis.error_reply('x').err",
        "return redis.status_reply('x').ok"),
    # Errors nested in arrays are error replies inside the array, not raised.
    *one("return {1, {err='E nested'}, {ok='S nested'}, {2, {err='deeper'}}}"),
    # Functions, and other values that have no reply.
    *one("return function() end", "return {function() end, 1}", "return coroutine.create(function() end)",
        "return {1, coroutine.create(function() end), 2}"),
    # The RESP3 types are sent as such to RESP3 clients even without redis.setresp(3);
    # RESP2 clients get their RESP2 equivalent.
    *one("return {map={a=1}}", "return {map={}}", "return {set={a=true}}", "return {set={}}",
        "return {double=3.5}", "return {double=-0.25}", "return {double=3}",
        "return {double=1/3}", "return {double=1e300}", "return {double=0.1}",
        "return {double=1/0}", "return {double=-1/0}",
        "return {big_number='123456789012345678901234567890'}", "return {big_number='-5'}",
        "return {verbatim_string={format='txt', string='hello'}}",
        "return {verbatim_string={format='mkd', string=''}}"),
    # The value must have the right Lua type, or the table is an (empty) array.
    *one("return {double='3.5'}", "return {double='x'}", "return {big_number=123}",
        "return {map=1}", "return {set='a'}", "return {verbatim_string={format='txt'}}",
        "return {verbatim_string={string='x'}}", "return {verbatim_string='x'}",
        "return {verbatim_string={format='markdown', string='x'}}"),
    # Which key wins when several are present.
    *one("return {err='x', map={a=1}}", "return {ok='x', map={a=1}}",
        "return {double=1.5, map={a=1}}", "return {big_number='7', map={a=1}}",
        "return {map={a=1}, set={b=true}}", "return {set={b=true}, 1, 2}",
        "return {err='e', ok='o', double=1}"),
    # Nested RESP3 values; map values follow the usual conversion (false -> null).
    *one("return {map={a={1, 2, {map={b=true}}}}}", "return {map={k={set={m=true}}}}",
        "return {set={[1]=true}}", "return {set={a=false}}", "return {map={a=false}}",
        "return {map={a=nil}}", "return {map={[1]='x'}}", "return {map={a={double=2.5}}}",
        "return {1, {map={x=2}}, {set={y=true}}, {double=0.5}}",
        "return {map={a={err='inner error'}}}", "return {map={a={ok='inner ok'}}}"),
]

# After redis.setresp(3), Lua booleans and nil are RESP3 booleans and null.
SETRESP3 = [
    *one("redis.setresp(3); return true", "redis.setresp(3); return false",
        "redis.setresp(3); return nil", "redis.setresp(3); return {true, false, 1}",
        "redis.setresp(3); return {map={a=true}}", "redis.setresp(3); return {map={a=false}}",
        "redis.setresp(3); return {double=2.5}", "redis.setresp(3); return {big_number='9'}",
        "redis.setresp(3); return {verbatim_string={format='txt', string='v'}}",
        "redis.setresp(3); return {set={only=true}}", "redis.setresp(3); return {1, nil, 2}"),
    *one("redis.setresp(3); redis.setresp(2); return false",
        "redis.setresp(2); return true", "redis.setresp(2); return {false}",
        "redis.setresp(3); return {err='still an error'}",
        "redis.setresp(3); return {ok='still a status'}",
        "redis.setresp(3); return redis.status_reply('S')",
        "redis.setresp(3); return 3.99", "redis.setresp(3); return 'str'"),
    *one("return redis.setresp(4)", "return redis.setresp(1)", "return redis.setresp(0)",
        "return redis.setresp()", "return redis.setresp('x')", "return redis.setresp('3')",
        "return redis.setresp(3, 3)", "return redis.setresp(2.5)", "return redis.setresp(3)",
        "return redis.setresp(2)"),
]

# ---------------------------------------------------------------------------------------
# RESP -> Lua
# ---------------------------------------------------------------------------------------

T = "local r = {cmd}; return {{type(r), {expr}}}"


def probe(cmd, expr="r", setresp=None):
    prefix = f"redis.setresp({setresp}); " if setresp else ""
    return ev(prefix + T.format(cmd=cmd, expr=expr))


RESP_TO_LUA = [
    # Integers, bulks, nil bulk -> false (RESP2 mode) or nil (RESP3 mode).
    [["SET", "s", "v"], ["RPUSH", "l", "a", "b"], probe("redis.call('incr', 'n')"),
     probe("redis.call('get', 's')"), probe("redis.call('get', 'nokey')", "tostring(r)"),
     probe("redis.call('get', 'nokey')", "tostring(r)", 3),
     probe("redis.call('get', 'nokey')", "tostring(r)", 2),
     probe("redis.call('lrange', 'l', 0, -1)", "r[1] .. r[2]"),
     probe("redis.call('lrange', 'nokey', 0, -1)", "#r"),
     probe("redis.call('strlen', 's')"), probe("redis.call('exists', 's', 'nokey')")],
    # The reply itself returned: the nil bulk is a nil reply again.
    [["SET", "s", "v"], ev("return redis.call('get', 'nokey')"),
     ev("redis.setresp(3); return redis.call('get', 'nokey')"),
     ev("return redis.call('get', 'nokey') == false"),
     ev("redis.setresp(3); return redis.call('get', 'nokey') == nil"),
     ev("return {redis.call('get', 's'), redis.call('get', 'nokey'), redis.call('get', 's')}"),
     ev("return redis.call('mget', 's', 'nokey', 's')"),
     ev("redis.setresp(3); return redis.call('mget', 's', 'nokey', 's')"),
     ev("return #redis.call('mget', 's', 'nokey', 's')")],
    # Status replies are {ok=...} tables; returned as they are they stay statuses.
    [probe("redis.call('set', 'x', 'y')", "r.ok"), probe("redis.call('ping')", "r.ok"),
     probe("redis.call('set', 'x', 'y')", "r.ok", 3), probe("redis.call('type', 'x')", "r.ok"),
     probe("redis.call('type', 'nokey')", "r.ok"), ev("return redis.call('set', 'x', 'y')"),
     ev("return redis.call('ping')"), ev("return redis.call('ping', 'hi')"),
     ev("return redis.call('type', 'x')"), ev("return {redis.call('ping'), redis.call('echo', 'e')}")],
    # SET ... NX that does not set: a nil bulk.
    [["SET", "x", "1"], probe("redis.call('set', 'x', 'y', 'nx')", "tostring(r)"),
     probe("redis.call('set', 'x', 'y', 'nx')", "tostring(r)", 3),
     ev("return redis.call('set', 'x', 'y', 'nx')"),
     probe("redis.call('set', 'x', 'y', 'get')", "r")],
    # Errors: redis.pcall gives an {err=...} table, pcall(redis.call) the error text.
    [["SET", "s", "x"], probe("redis.pcall('lpush', 's', 'x')", "r.err"),
     ev("return redis.pcall('lpush', 's', 'x')"), ev("return redis.pcall('incr', 's')"),
     ev("return {redis.pcall('incr', 's'), 1}"),
     ev("local ok, e = pcall(redis.call, 'lpush', 's', 'x'); return {tostring(ok), type(e), e}"),
     ev("local ok, e = pcall(redis.call, 'get'); return {tostring(ok), type(e), e}"),
     ev("local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), e}"),
     ev("local r = redis.pcall('nosuch'); return {type(r), r.err}"),
     ev("local r = redis.pcall('get'); return {type(r), r.err}"),
     ev("return redis.pcall('set', 's', 'v', 'ex', '0')"),
     ev("return redis.pcall('set', 's', 'v', 'foo')")],
    # Nested arrays, empty arrays and RESP2 scores (bulk strings).
    [["ZADD", "z", "1.5", "a", "2", "b"], ["HSET", "h", "f", "v"], ["SADD", "s", "m"],
     probe("redis.call('zrange', 'z', 0, -1, 'withscores')", "r"),
     probe("redis.call('zscore', 'z', 'a')", "r"), probe("redis.call('zscore', 'z', 'b')", "r"),
     probe("redis.call('hgetall', 'h')", "r"), probe("redis.call('smembers', 's')", "r"),
     probe("redis.call('zpopmin', 'nokey')", "#r"), probe("redis.call('hgetall', 'nokey')", "#r"),
     probe("redis.call('lpop', 'nokey', 1)", "tostring(r)"),
     probe("redis.call('lpop', 'nokey', 1)", "tostring(r)", 3),
     probe("redis.call('incrbyfloat', 'fl', '1.5')", "r")],
    # RESP3 mode: doubles, maps, sets and null arrays become tables / nil.
    [["ZADD", "z", "1.5", "a", "2", "b"], ["HSET", "h", "f", "v"], ["SADD", "s", "m"],
     probe("redis.call('zscore', 'z', 'a')", "r.double", 3),
     probe("redis.call('zscore', 'z', 'a')", "tostring(r.double)", 3),
     probe("redis.call('zscore', 'z', 'nokey')", "tostring(r)", 3),
     probe("redis.call('hgetall', 'h')", "type(r.map), r.map.f", 3),
     probe("redis.call('hgetall', 'nokey')", "type(r.map), next(r.map) == nil", 3),
     probe("redis.call('smembers', 's')", "type(r.set), tostring(r.set.m)", 3),
     probe("redis.call('zrange', 'z', 0, 0, 'withscores')", "r[1][1], type(r[1][2]), tostring(r[1][2].double)", 3),
     probe("redis.call('zincrby', 'z', '1', 'a')", "tostring(r.double)", 3),
     probe("redis.call('zadd', 'z', 'incr', '1', 'a')", "tostring(r.double)", 3),
     probe("redis.call('zadd', 'z', 'nx', 'incr', '1', 'a')", "tostring(r)", 3),
     probe("redis.call('incrbyfloat', 'fl', '2.5')", "r", 3),
     probe("redis.call('hincrbyfloat', 'h', 'g', '2.5')", "r", 3)],
    # RESP3-mode values returned as they are: typed replies for RESP3 clients.
    [["ZADD", "z", "1.5", "a"], ["HSET", "h", "f", "v"], ["SADD", "s", "m"],
     ev("redis.setresp(3); return redis.call('zscore', 'z', 'a')"),
     ev("redis.setresp(3); return redis.call('hgetall', 'h')"),
     ev("redis.setresp(3); return redis.call('smembers', 's')"),
     ev("redis.setresp(3); return redis.call('zrange', 'z', 0, -1, 'withscores')"),
     ev("redis.setresp(3); return {redis.call('zrange', 'z', 0, -1, 'withscores')}"),
     ev("redis.setresp(3); return redis.call('zpopmin', 'nokey')"),
     ev("redis.setresp(3); return redis.call('hgetall', 'nokey')"),
     ev("redis.setresp(3); return redis.call('lpop', 'nokey', '1')"),
     ev("redis.setresp(3); redis.setresp(2); return redis.call('hgetall', 'h')"),
     ev("redis.setresp(3); local r = redis.call('zscore', 'z', 'a'); redis.setresp(2); return r")],
    # The verbatim string of INFO (an unknown section: empty).
    [probe("redis.call('info', 'nosuchsection')", "r"),
     probe("redis.call('info', 'nosuchsection')",
           "r.verbatim_string.format, r.verbatim_string.string", 3),
     ev("redis.setresp(3); return redis.call('info', 'nosuchsection')")],
    # Integers stay integers, big ones too; Lua numbers passed as arguments are formatted
    # with %.17g (integers without a decimal point).
    [probe("redis.call('incrby', 'n', '9007199254740993')", "tostring(r)"),
     probe("redis.call('set', 'k', 3.0)", "redis.call('get', 'k')"),
     probe("redis.call('set', 'k', 0.1)", "redis.call('get', 'k')"),
     probe("redis.call('set', 'k', -2.5)", "redis.call('get', 'k')"),
     probe("redis.call('set', 'k', 1e20)", "redis.call('get', 'k')"),
     probe("redis.call('set', 'k', 2^53)", "redis.call('get', 'k')"),
     probe("redis.call('set', 'k', 1/3)", "redis.call('get', 'k')"),
     probe("redis.call('rpush', 'l', 1, 2.5, 'x')", "table.concat(redis.call('lrange', 'l', 0, -1), ',')")],
]

# ---------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------

ERRORS = [
    # Compile errors: "Error compiling script (new function): user_script:<line>: ..."
    *one("return 1 +", "\nreturn 1 +", "return end", "local", "x ==== 1",
        "#comment\nreturn 1", "return 'unfinished", "for i = 1 do end", "return {1, 2"),
    # Run-time errors raised by error(): "user_script:<line>: <text> script: <sha>, on ...".
    *one("error('x')", "error('multi word error')", "local a = 1\nlocal b = 2\nerror('line three')",
        "error('no position', 0)", "error(123)", "error()", "error(nil)",
        "error({err='MY custom'})", "error({err='ERR custom with ERR'})", "error({err=5})",
        "return error('returned')"),
    # Lua run-time errors.
    *one("return nil + 1", "return {} .. 'x'", "local t = nil; return t.x", "return #nil",
        "return ('x'):bad()", "return string.rep()", "return tonumber({})",
        "return math.floor('x')", "return {} < {}"),
    # The sandbox: undeclared globals can be neither read nor written.
    *one("return nosuch()", "return nosuch", "x = 1", "_G.x = 1", "rawset(_G, 'x', 1)",
        "return rawget(_G, 'x')", "string.x = 1", "redis.call = nil", "redis.x = 1",
        "math.pi = 3", "local t = {} ; t.x = 1; return t.x", "local x = 1; x = 2; return x",
        "KEYS[1] = 'z'; return KEYS[1]"),
    # Redis's Lua loads source text only: bytecode fails to parse, by every way in.
    *one("return loadstring(string.dump(function() return 1 end))()",
        "local f, e = loadstring(string.dump(function() return 1 end)) return e",
        "local s = string.dump(function() return 1 end) local d = false "
        "local f, e = load(function() if d then return nil end d = true return s end) "
        "return tostring(e)",
        "local i = 0 local f = load(function() i = i + 1 if i == 1 then return 'return ' "
        "elseif i == 2 then return '42' end end) return f()",
        "return {pcall(load, function() return {} end)}",
        "local f, e = loadstring('x x') return e", "return loadstring('return 5')()",
        "\x1bLua"),
    # Metatables of the read-only tables.
    *one("setmetatable(_G, {})", "local g = getmetatable(_G) g.__index = {}",
        "return type(getmetatable(_G))", "return type(getmetatable(string))",
        "setmetatable(string, {})", "return type(getmetatable(redis))",
        "local t = setmetatable({}, {}) return 1", "return type(getmetatable(''))",
        "local t = setmetatable({}, {__metatable = 'x'}) return getmetatable(t)",
        "local t = setmetatable({}, {__metatable = 'x'}) setmetatable(t, {})",
        "return setmetatable({}, 5)", "return setmetatable(5, {})",
        "return type(getmetatable(_G).__index)",
        "local m = getmetatable(_G) rawset(m, 'x', 1)",
        "setmetatable(getmetatable(_G), {})", "return getmetatable(cjson)",
        "return getmetatable()", "setmetatable(KEYS, {})", "return getmetatable(5)"),
    # Missing and present standard library entries.
    *one("return type(os)", "return type(io)", "return type(print)", "return type(require)",
        "return type(dofile)", "return type(loadfile)", "return type(module)",
        "return type(setfenv)", "return type(getfenv)", "return type(newproxy)",
        "return type(debug)", "return type(package)"),
    *one("return {type(string), type(table), type(math), type(cjson), type(cmsgpack), "
        "type(bit), type(struct), type(coroutine), type(redis), type(KEYS), type(ARGV)}",
        "return {type(loadstring), type(load), type(unpack), type(pcall), type(xpcall), "
        "type(select), type(rawequal), type(rawget), type(rawset), type(setmetatable), "
        "type(getmetatable), type(tostring), type(tonumber), type(next), type(ipairs), "
        "type(pairs), type(assert), type(error), type(collectgarbage), type(gcinfo)}",
        "return _VERSION", "return loadstring('return 1 + 1')()",
        "return {loadstring('return +')}", "return select('#', 1, 2, 3)",
        "return {unpack({1, 2, 3})}", "return {pcall(error, 'caught')}",
        "return tostring(xpcall(function() error('z') end, function(e) return 'handled' end))"),
    # redis.call misuse: no argument, unknown command, arity, argument types.
    *one("return redis.call()", "return redis.pcall()", "return redis.call('nosuch')",
        "return redis.pcall('nosuch')", "return redis.call('nosuch', 'a', 'b')",
        "return redis.call('get')", "return redis.pcall('get')",
        "return redis.call('get', 'a', 'b')", "return redis.call('set', 'k')",
        "return redis.call('set', {}, 'x')", "return redis.pcall('set', {}, 'x')",
        "return redis.call('set', 'k', nil)", "return redis.call('set', 'k', true)",
        "return redis.call('set', 'k', function() end)", "return redis.call({})",
        "return redis.call(1)", "return redis.call('GET', 'k')", "return redis.call('gEt', 'k')",
        "return redis.call('config', 'get', 'maxmemory')"),
    # Error texts and the line of the redis.call that failed.
    *one("local x = 1\nlocal y = 2\nreturn redis.call('nosuch')",
        "local x = 1\n\nreturn redis.call('get')",
        "return redis.call('incrby', 'k', 'x')", "return redis.call('set', 'k', 'v', 'ex', '-1')",
        "return redis.call('zadd', 'z', 'nx', 'xx', '1', 'm')", "return redis.call('select', '99')",
        "return redis.call('object', 'foo')", "return redis.call('client', 'foo')"),
    # WRONGTYPE through redis.call (raised, with the script's sha) and redis.pcall (returned).
    [["SET", "s", "x"], ["RPUSH", "l", "a"],
     ev("return redis.call('lpush', 's', 'x')"), ev("return redis.pcall('lpush', 's', 'x')"),
     ev("return redis.call('get', 'l')"), ev("return redis.pcall('get', 'l')"),
     ev("return redis.call('hget', KEYS[1], 'f')", ["s"]),
     ev("local r = redis.pcall('sadd', 'l', 'm'); return r.err"),
     ev("redis.call('set', 'y', '1'); return redis.call('lpush', 's', 'x')"),
     ["GET", "y"], ["LRANGE", "l", "0", "-1"], ["GET", "s"]],
    # An error after writes keeps the writes (no rollback).
    [ev("redis.call('set', 'a', '1'); redis.call('incr', 'a'); error('stop')"), ["GET", "a"],
     ev("redis.call('rpush', 'l', 'x'); redis.call('incr', 'l')"), ["LRANGE", "l", "0", "-1"],
     ev("redis.call('set', 'b', '1'); return {err='custom after write'}"), ["GET", "b"]],
    # Commands refused in scripts.
    *one("return redis.call('eval', 'return 1', '0')", "return redis.call('evalsha', 'x', '0')",
        "return redis.call('multi')", "return redis.call('exec')", "return redis.call('discard')",
        "return redis.call('watch', 'x')", "return redis.call('unwatch')",
        "return redis.call('subscribe', 'c')", "return redis.call('psubscribe', 'c')",
        "return redis.call('unsubscribe')", "return redis.call('blpop', 'l', '0')",
        "return redis.call('brpop', 'l', '1')", "return redis.call('blmove', 'a', 'b', 'left', 'left', '0')",
        "return redis.call('bzpopmin', 'z', '0')", "return redis.call('brpoplpush', 'a', 'b', '0')",
        "return redis.call('script', 'load', 'return 1')", "return redis.call('function', 'list')",
        "return redis.call('fcall', 'f', '0')", "return redis.call('client', 'id')",
        "return redis.call('hello')", "return redis.call('auth', 'x')", "return redis.call('reset')",
        "return redis.call('quit')", "return redis.call('monitor')",
        "return redis.pcall('multi')", "return redis.pcall('blpop', 'l', '0')"),
    # Commands allowed in scripts.
    *one("return redis.call('ping')", "return redis.call('ping', 'x')", "return redis.call('echo', 'x')",
        "return redis.call('publish', 'nobody', 'm')", "return redis.call('dbsize')",
        "return redis.call('flushall')", "return #redis.call('time')",
        "return redis.call('randomkey')", "return redis.call('exists', 'nokey')"),
    # redis.* helpers and their argument errors.
    *one("return redis.sha1hex('')", "return redis.sha1hex('abc')", "return redis.sha1hex(123)",
        "return redis.sha1hex()", "return redis.sha1hex('a', 'b')",
        "return redis.replicate_commands()", "return redis.set_repl(redis.REPL_ALL)",
        "return redis.set_repl(redis.REPL_NONE)", "return redis.set_repl(99)",
        "return redis.set_repl()", "return redis.set_repl('x')",
        "return redis.log(redis.LOG_DEBUG, 'x')", "return redis.log(redis.LOG_WARNING, 'a', 'b')",
        "return redis.log(99, 'x')", "return redis.log(-1, 'x')", "return redis.log(redis.LOG_WARNING)",
        "return redis.log()", "return redis.breakpoint()", "return redis.debug('x')",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, "
        "redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
        "return redis.acl_check_cmd('set', 'k', 'v')", "return redis.acl_check_cmd('get')",
        "return redis.acl_check_cmd('nosuch')", "return redis.acl_check_cmd()"),
    # The redis API and the globals of EVAL (internal names starting with "__" left out).
    *one("local a = {} for k in pairs(redis) do table.insert(a, k) end table.sort(a) return a",
         "local a = {} for k in pairs(_G) do if k:sub(1, 2) ~= '__' then table.insert(a, k) end end "
         "table.sort(a) return a", per_case=1),
    # The version is whatever the server says, as long as both spellings agree.
    *one("local maj, min, pat = string.match(redis.REDIS_VERSION, '^(%d+)%.(%d+)%.(%d+)$') "
        "return {type(redis.REDIS_VERSION), maj, "
        "redis.REDIS_VERSION_NUM == maj * 65536 + min * 256 + pat}"),
]

# ---------------------------------------------------------------------------------------
# EVAL arguments, EVALSHA, the script cache, SCRIPT
# ---------------------------------------------------------------------------------------

EVAL_ARGS = [
    [ev("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", ["k1", "k2"], ["a1", "a2"]),
     ev("return {#KEYS, #ARGV}"), ev("return {#KEYS, #ARGV, ARGV[3]}", [], ["x", "", "z"]),
     ev("return KEYS", ["a", "b"]), ev("return ARGV", [], ["1", "2", "3"]),
     ev("return {type(KEYS[1]), type(ARGV[1]), type(KEYS[3])}", ["1"], ["2"]),
     ev("return ARGV[1] .. ARGV[2]", [], ["a\x00b", "c"]),
     ev("return string.len(ARGV[1])", [], ["\xff\xfe" * 10])],
    [["EVAL", "return 1", "-1"], ["EVAL", "return 1", "3", "a"], ["EVAL", "return 1", "x"],
     ["EVAL", "return 1", "1.5"], ["EVAL", "return 1", ""], ["EVAL", "return 1"], ["EVAL"],
     ["EVAL", "return 1", "99999999999999999999"], ["EVAL", "return #KEYS", "01", "a"],
     ["EVAL", "return #KEYS", "+1", "a"], ["EVAL", "return 1 +", "-1"],
     ["EVAL", "return 1", "2", "a"], ["EVAL", "return {#KEYS, #ARGV}", "2", "a", "b"]],
    [["EVAL_RO", "return 1", "-1"], ["EVAL_RO", "return 1", "x"], ["EVAL_RO", "return 1"],
     ["EVALSHA", UNKNOWN_SHA, "-1"], ["EVALSHA", UNKNOWN_SHA, "x"], ["EVALSHA", UNKNOWN_SHA],
     ["EVALSHA_RO", UNKNOWN_SHA, "0"], ["FCALL", "f", "x"], ["FCALL", "f", "-1"],
     ["FCALL", "f", "1"], ["FCALL_RO", "f", "x"], ["FCALL", "f"]],
    # EVALSHA: unknown (any length), loaded, sha1 in upper case, and after SCRIPT FLUSH.
    [["EVALSHA", UNKNOWN_SHA, "0"], ["EVALSHA", "abc", "0"], ["EVALSHA", "", "0"],
     ["EVALSHA", SHA_RETURN_ABC + "x", "0"], ["SCRIPT", "LOAD", "return 'abc'"],
     ["EVALSHA", SHA_RETURN_ABC, "0"], ["EVALSHA", SHA_RETURN_ABC.upper(), "0"],
     ["EVALSHA_RO", SHA_RETURN_ABC, "0"], ["SCRIPT", "EXISTS", SHA_RETURN_ABC.upper()],
     ["SCRIPT", "FLUSH"], ["EVALSHA", SHA_RETURN_ABC, "0"], ["SCRIPT", "EXISTS", SHA_RETURN_ABC]],
    # EVAL caches the script: EVALSHA works afterwards, SCRIPT EXISTS says so.
    [["SCRIPT", "EXISTS", SHA_RETURN_1], ["EVALSHA", SHA_RETURN_1, "0"], ev("return 1"),
     ["SCRIPT", "EXISTS", SHA_RETURN_1], ["EVALSHA", SHA_RETURN_1, "0"],
     ["EVALSHA", SHA_RETURN_1, "1", "k", "a"], ["EVAL_RO", "return 1", "0"],
     ["EVALSHA_RO", SHA_RETURN_1, "0"]],
    # A script that fails to compile is not cached; one that fails at run time is.
    [ev("return 1 +"), ["SCRIPT", "EXISTS", sha1("return 1 +")],
     ev("error('e')"), ["SCRIPT", "EXISTS", sha1("error('e')")],
     ["SCRIPT", "LOAD", "error('e')"], ["SCRIPT", "LOAD", "return 1 +"]],
    [["SCRIPT", "LOAD", "return 1"], ["SCRIPT", "LOAD", "return 1"],
     ["SCRIPT", "LOAD", "return redis.call('set','k','v')"],
     ["SCRIPT", "EXISTS", SHA_RETURN_1, UNKNOWN_SHA, SHA_SET, SHA_RETURN_1, "nonsense", ""],
     ["SCRIPT", "EXISTS"], ["SCRIPT", "LOAD"], ["SCRIPT", "LOAD", "return 1", "x"],
     ["SCRIPT", "LOAD", ""], ["SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 1"],
     ["SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"], ["SCRIPT", "LOAD", "#!python\nreturn 1"],
     ["EXISTS", "k"], ["EVALSHA", SHA_SET, "0"], ["GET", "k"]],
    [["SCRIPT", "LOAD", "return 1"], ["SCRIPT", "FLUSH", "ASYNC"], ["SCRIPT", "EXISTS", SHA_RETURN_1],
     ["SCRIPT", "LOAD", "return 1"], ["SCRIPT", "FLUSH", "SYNC"], ["SCRIPT", "EXISTS", SHA_RETURN_1],
     ["SCRIPT", "FLUSH", "sync"], ["SCRIPT", "FLUSH", "async"], ["SCRIPT", "FLUSH", "FOO"],
     ["SCRIPT", "FLUSH", "SYNC", "ASYNC"], ["SCRIPT", "FLUSH"]],
    # FLUSHALL does not drop scripts.
    [["SCRIPT", "LOAD", "return 1"], ["FLUSHALL"], ["SCRIPT", "EXISTS", SHA_RETURN_1]],
    [["SCRIPT", "HELP"], ["SCRIPT", "help"], ["SCRIPT", "HELP", "x"], ["SCRIPT", "FOO"],
     ["SCRIPT"], ["SCRIPT", "KILL"], ["SCRIPT", "KILL", "x"], ["SCRIPT", "DEBUG", "FOO"],
     ["SCRIPT", "DEBUG"], ["SCRIPT", "DEBUG", "NO"]],
    # Read-only scripts: EVAL_RO / EVALSHA_RO and the no-writes flag.
    [["SET", "k", "v"], ev_ro("return redis.call('get', KEYS[1])", ["k"]),
     ev_ro("return redis.call('set', 'k', 'w')", ["k"]), ev_ro("return redis.pcall('del', 'k')"),
     ev_ro("return redis.call('incr', 'n')"), ["GET", "k"], ["EXISTS", "n"],
     ev_ro("return redis.call('publish', 'c', 'm')"), ev_ro("return 1"),
     ["SCRIPT", "LOAD", "return redis.call('set','k','v')"], ["EVALSHA_RO", SHA_SET, "0"],
     ["EVALSHA", SHA_SET, "0"], ev_ro("#!lua\nreturn redis.call('set', 'k', 'x')"),
     ev_ro("#!lua flags=no-writes\nreturn redis.call('get', 'k')")],
    [["EVAL", "#!lua flags=no-writes\nreturn redis.call('set','k','v')", "1", "k"],
     ev("#!lua flags=no-writes\nreturn redis.pcall('set', 'k', 'v')"),
     ev("#!lua flags=no-writes\nreturn redis.call('get', 'k')"),
     ev("#!lua flags=no-writes\nreturn redis.call('del', 'k')"),
     ev("#!lua\nreturn redis.call('set', 'k', 'v')", ["k"]),
     ev("#!lua\nreturn redis.call('set', 'k2', 'v')"), ["MGET", "k", "k2"]],
    # Shebang parsing.
    *one("#!lua flags=foo\nreturn 1", "#!lua flags=no-writes,foo\nreturn 1",
        "#!lua flags=NO-WRITES\nreturn 1", "#!python\nreturn 1", "#!luax\nreturn 1",
        "#!LUA\nreturn 1", "#!lua name=x\nreturn 1", "#!lua foo\nreturn 1", "#!lua", "#!",
        "#!lua\n", "#!lua flags=\nreturn 1", "#!lua flags=no-writes flags=no-writes\nreturn 1",
        "#!lua  flags=no-writes\nreturn 1", "#!lua flags=no-writes,allow-oom\nreturn 1",
        "#!lua flags=allow-cross-slot-keys\nreturn 1", "#!lua flags=no-cluster\nreturn 1",
        "#!lua flags=allow-stale\nreturn 1", "#!lua\nerror('x')", "#!lua\nreturn 1 +",
        "#!lua\n\nreturn redis.call('nosuch')"),
]

# ---------------------------------------------------------------------------------------
# Scripts and the keyspace, MULTI, WATCH, SELECT
# ---------------------------------------------------------------------------------------

SEMANTICS = [
    # SELECT inside a script does not change the caller's database.
    [ev("redis.call('select', '1'); redis.call('set', 'a', 'db1'); return redis.call('get', 'a')"),
     ["GET", "a"], ["SELECT", "1"], ["GET", "a"], ev("return redis.call('get', 'a')"),
     ev("redis.call('select', '0'); return redis.call('get', 'a')"), ["GET", "a"],
     ["SELECT", "0"], ev("return redis.pcall('select', '16')"), ev("return redis.call('select', 'x')")],
    # Scripts queued in MULTI: run at EXEC, errors in place; arity errors abort at queue time.
    [["MULTI"], ev("return redis.call('incr', 'c')"), ev("return redis.call('incr', 'c')"),
     ev("return 1 +"), ["EVALSHA", UNKNOWN_SHA, "0"], ev("error('in exec')"),
     ["SCRIPT", "LOAD", "return 1"], ["EVALSHA", SHA_RETURN_1, "0"], ["EXEC"], ["GET", "c"]],
    [["MULTI"], ev("return redis.call('incr', 'c')"), ["EVAL", "return 1"], ["EVAL", "return 1", "x"],
     ["EXEC"], ["GET", "c"]],
    [["MULTI"], ["FUNCTION", "LOAD", "#!lua name=m\nredis.register_function('mf', function() return 'mf' end)"],
     ["FCALL", "mf", "0"], ["FUNCTION", "DELETE", "m"], ["FCALL", "mf", "0"], ["EXEC"]],
    [["MULTI"], ["SCRIPT", "KILL"], ["FUNCTION", "KILL"], ["SCRIPT", "FLUSH"], ["FUNCTION", "STATS"],
     ["EXEC"]],
    # RESP3 replies of scripts inside EXEC.
    [["MULTI"], ev("return {map={a=1}}"), ev("redis.setresp(3); return true"), ev("return {double=1.5}"),
     ev("return redis.call('get', 'nokey')"), ["EXEC"]],
    # A script writing a watched key makes EXEC fail; reading it does not.
    [["SET", "w", "1"], ["WATCH", "w"], ["@1", "EVAL", "return redis.call('get', 'w')", "0"],
     ["MULTI"], ["PING"], ["EXEC"], ["WATCH", "w"],
     ["@1", "EVAL", "return redis.call('incr', KEYS[1])", "1", "w"], ["MULTI"], ["PING"], ["EXEC"],
     ["WATCH", "w"], ["@1", "EVAL", "return redis.call('set', 'w', '1', 'nx')", "0"],
     ["MULTI"], ["PING"], ["EXEC"], ["GET", "w"]],
    # Expiry: a key expired before the script is gone; scripts can set and read TTLs.
    [["SET", "e", "v", "PX", "100"], ["SLEEP", "250"], ev("return redis.call('get', 'e')"),
     ev("redis.call('set', 'e', 'v', 'exat', '" + FUTURE + "'); return redis.call('expiretime', 'e')"),
     ev("redis.call('persist', 'e'); return redis.call('ttl', 'e')")],
    # Within one script, time stands still: a key that reaches its expiry during the script
    # stays readable until the script ends.
    [ev("redis.call('set', 'e', 'v', 'px', 100) "
        "local s = redis.call('time') local n repeat n = redis.call('time') "
        "until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > 300000 "
        "return {redis.call('get', 'e'), redis.call('exists', 'e')}"),
     ["GET", "e"]],
    # Scripts see each other's writes and the clients' ones.
    [["SET", "a", "1"], ev("return redis.call('incrby', 'a', ARGV[1])", [], ["41"]),
     ["@1", "EVAL", "return redis.call('get', 'a')", "0"], ["INCR", "a"],
     ev("return redis.call('get', KEYS[1])", ["a"])],
    # Several data types from one script; multi-element replies sorted in Lua.
    [ev("redis.call('hset', 'h', 'b', '2', 'a', '1') redis.call('sadd', 's', 'x', 'y', 'z') "
        "redis.call('zadd', 'z', '2', 'b', '1', 'a') redis.call('rpush', 'l', '1', '2', '3') "
        "local m = redis.call('smembers', 's') table.sort(m) "
        "local h = redis.call('hkeys', 'h') table.sort(h) "
        "return {m, h, redis.call('zrange', 'z', 0, -1), redis.call('lrange', 'l', 0, -1), "
        "redis.call('type', 'h'), redis.call('type', 's'), redis.call('type', 'z')}"),
     ["TYPE", "h"], ["SCARD", "s"], ["ZCARD", "z"], ["LLEN", "l"]],
    # Scripts can run long sequences of commands and loops.
    [ev("for i = 1, 200 do redis.call('rpush', 'l', i) end return redis.call('llen', 'l')"),
     ev("local s = 0 for _, v in ipairs(redis.call('lrange', 'l', 0, -1)) do s = s + tonumber(v) end return s"),
     ["LINDEX", "l", "-1"]],
    # The Lua state is per script call: locals do not survive; globals cannot be made.
    [ev("local counter = 1 return counter"), ev("return counter"),
     ev("return type(_G)"), ev("return rawget(_G, 'counter')")],
    # math.random with an explicit seed is deterministic.
    *one("math.randomseed(7); return {math.random(100), math.random(100), tostring(math.random())}",
        "math.randomseed(7); return {math.random(100), math.random(100), tostring(math.random())}",
        "math.randomseed(42); return {math.random(1, 6), math.random(1, 6), math.random(10)}",
        "math.randomseed(0); return math.random(1000000)"),
    # string / table / math helpers commonly used in scripts.
    *one("return string.format('%d-%s-%.2f', 5, 'x', 1.005)", "return string.format('%5.1f|%-3s|', 3.14159, 'a')",
        "return {string.find('hello world', 'o w')}", "return string.gsub('hello', 'l', 'L')",
        "return {string.byte('A'), string.char(72, 105)}", "return string.upper('abc') .. string.lower('DEF')",
        "return string.sub('abcdef', 2, -2)", "local t = {3, 1, 2} table.sort(t) return t",
        "return table.concat({1, 2, 3}, '-')", "local t = {} table.insert(t, 'a') table.insert(t, 1, 'b') return t",
        "return {math.floor(3.7), math.ceil(3.2), math.max(1, 5, 3), math.min(4, 2), math.abs(-7)}",
        "return tostring(math.huge)", "return math.fmod(7, 3)", "return tostring(math.sqrt(2))",
        "return tonumber('0x10')", "return tonumber('1e2')", "return tostring(tonumber('abc'))",
        "return tonumber('10', 2)", "return #'abc'", "return string.rep('ab', 3, ',')"),
]

# ---------------------------------------------------------------------------------------
# cjson, cmsgpack, bit, struct
# ---------------------------------------------------------------------------------------

LIBRARIES = [
    *one("return cjson.encode({1, 2, 3, 'x', true, false})", "return cjson.encode({a={b='c'}})",
        "return cjson.encode({})", "return cjson.encode(cjson.null)", "return cjson.encode(3.14)",
        "return cjson.encode(1/3)", "return cjson.encode(1e100)", "return cjson.encode(-0.5)",
        "return cjson.encode(12345678901234)", "return cjson.encode('a\"b\\n/\\1\\t')",
        "return cjson.encode({[1]=1, [3]=3})", "return cjson.encode({{}, {{}}})",
        "return cjson.encode({[1]=1, x=2})", "return cjson.encode('')", "return cjson.encode(true)"),
    *one("return cjson.encode(1/0)", "return cjson.encode({[1]=1, [30]=3})",
        "return cjson.encode(function() end)", "local t = {} t[1] = t return cjson.encode(t)",
        "return cjson.encode()"),
    *one("local t = cjson.decode('[1,\"two\",{\"three\":[3,null,true]}]') "
        "return {t[1], t[2], t[3].three[1], tostring(t[3].three[2] == cjson.null), tostring(t[3].three[3])}",
        "return cjson.decode('{\"a\":1.5}').a", "return tostring(cjson.decode('{\"a\":1.5}').a)",
        "return cjson.decode('\"\\\\u00e9\"')", "return cjson.decode('[\"a\",\"b\"]')",
        "return cjson.decode('{\"a\":{\"b\":{\"c\":\"deep\"}}}').a.b.c",
        "return cjson.encode(cjson.decode('{\"k\":[1,2,{\"n\":null}]}'))",
        "return cjson.encode(cjson.decode('  [ 1 , 2 ]  '))", "return tostring(cjson.decode('true'))",
        "return cjson.decode('12')", "return cjson.decode('\"s\"')", "return type(cjson.decode('null'))",
        "return tostring(cjson.decode('-1e2'))"),
    *one("return cjson.decode('invalid')", "return cjson.decode('[1,2')", "return cjson.decode('')",
        "return cjson.decode()", "return cjson.decode('{\"a\":}')", "return cjson.decode('[1,]')",
        "return cjson.decode('{1:2}')", "return cjson.decode('[1] x')"),
    # JSON built from data stored by the script.
    [["HSET", "user", "name", "ann"],
     ev("return cjson.encode({name=redis.call('hget', KEYS[1], 'name')})", ["user"]),
     ev("local d = cjson.decode(ARGV[1]) redis.call('set', KEYS[1], d.v * 2) return redis.call('get', KEYS[1])",
        ["out"], ['{"v": 21}'])],
    # cmsgpack: binary replies and round trips.
    *one("return cmsgpack.pack(1, 'a', {1, 2})", "return cmsgpack.pack({a=1})", "return cmsgpack.pack(1.5)",
        "return cmsgpack.pack(-1, 300, -300, 70000, 2^40, -2^40)", "return cmsgpack.pack(true, false)",
        "return cmsgpack.pack(('x'):rep(40))", "return cmsgpack.pack({})", "return cmsgpack.pack(0.1)",
        "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2}))}",
        "return cmsgpack.unpack(cmsgpack.pack({a={b={1, 2, 3}}})).a.b",
        "return tostring(cmsgpack.unpack(cmsgpack.pack(nil)))", "return cmsgpack.unpack('')",
        "return cmsgpack.pack()", "return {cmsgpack.unpack(cmsgpack.pack(-5, 1e10))}"),
    [ev("return cmsgpack.unpack(ARGV[1])", [], [b"\x93\x01\x02\x03"]),
     ev("return {cmsgpack.unpack(ARGV[1])}", [], [b"\x01\xa1a\x92\x01\x02"]),
     ev("local t = cmsgpack.unpack(ARGV[1]) return t.k", [], [b"\x81\xa1k\xa3val"]),
     ev("return cmsgpack.unpack(ARGV[1])", [], [b"\xc1"])],
    # bit.
    *one("return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 5), bit.bnot(0), bit.lshift(1, 10), "
        "bit.rshift(-1, 28), bit.arshift(-256, 4), bit.tohex(65535), bit.tohex(-1, 4), "
        "bit.tobit(2^32 + 5), bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678)}",
        "return bit.tohex(255, -4)", "return bit.band(0xffffffff, 0xff00ff00)", "return bit.bor()",
        "return bit.band('x')", "return bit.tobit(2^31)", "return bit.lshift(1, 31)",
        "return bit.band(7, 3, 1)", "return bit.bxor(1, 2, 4, 8)"),
    # struct.
    *one("return struct.pack('>I2', 258)", "return struct.pack('<i4', -2)", "return {struct.unpack('>I2', 'AB')}",
        "return {struct.unpack('<i4c3', struct.pack('<i4c3', 7, 'xyz'))}", "return struct.size('>i4I2b')",
        "return {struct.unpack('s', 'ab\\0cd')}", "return struct.pack('>d', 1.5)",
        "return struct.pack('>bBhH', -1, 255, -2, 65535)",
        "return {struct.unpack('>bBhH', struct.pack('>bBhH', -1, 255, -2, 65535))}",
        "return struct.pack('z', 'abc')", "return struct.pack('Q', 1)", "return struct.unpack('>I4', 'ab')",
        "return struct.pack('>i8', 2^40)", "return {struct.unpack('<I2', 'xyzw', 3)}"),
]

# ---------------------------------------------------------------------------------------
# BUSY, SCRIPT KILL, FUNCTION KILL (busy-reply-threshold lowered; CLEANUP restores it)
# ---------------------------------------------------------------------------------------

LOOP_LIB = ("#!lua name=loop\nredis.register_function('loop', function() while true do end end)")
BUSY_WAIT = "400"

BUSY = [
    [["CONFIG", "SET", "busy-reply-threshold", "50"], ["@1>", "EVAL", "while true do end", "0"],
     ["SLEEP", BUSY_WAIT], ["PING"], ["GET", "x"], ["@2", "SET", "x", "1"], ["FUNCTION", "KILL"],
     ["FUNCTION", "STATS"], ["SCRIPT", "EXISTS", SHA_RETURN_1], ["SCRIPT", "KILL"], ["@1<"],
     ["PING"], ["GET", "x"], ["@1", "PING"], ["SCRIPT", "KILL"], ["FUNCTION", "KILL"],
     ["CONFIG", "SET", "busy-reply-threshold", "5000"]],
    # A read-only script (no-writes flag) is killable the same way.
    [["CONFIG", "SET", "lua-time-limit", "50"], ["CONFIG", "GET", "busy-reply-threshold"],
     ["@1>", "EVAL", "#!lua flags=no-writes\nlocal i = 0 while true do i = i + 1 end", "0"],
     ["SLEEP", BUSY_WAIT], ["EVAL", "return 1", "0"], ["SCRIPT", "KILL"], ["@1<"],
     ["EVAL", "return 1", "0"], ["CONFIG", "SET", "busy-reply-threshold", "5000"]],
    # A function in a loop: FUNCTION KILL, and the BUSY text names FUNCTION KILL.
    [["CONFIG", "SET", "busy-reply-threshold", "50"], ["FUNCTION", "LOAD", LOOP_LIB],
     ["@1>", "FCALL", "loop", "0"], ["SLEEP", BUSY_WAIT], ["PING"], ["SCRIPT", "KILL"],
     ["FCALL", "loop", "0"], ["FUNCTION", "KILL"], ["@1<"], ["PING"], ["FUNCTION", "KILL"],
     ["CONFIG", "SET", "busy-reply-threshold", "5000"]],
    # (Below the threshold Redis makes every other client wait for the script to end;
    # Memorabilia runs commands on keys the script has not reached yet meanwhile, which is
    # serializable but not the same order, so that timing is not compared here: see
    # test_redis_py_scripting.py for isolation.)
]

# ---------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------

LIB1 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)"
LIB1_V2 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return 'v2' end)"
LIB_RW = ("#!lua name=rw\n"
          "redis.register_function('setit', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n"
          "redis.register_function{function_name='getit', callback=function(keys) "
          "return redis.call('get', keys[1]) end, flags={'no-writes'}}")
LIB_DESC = ("#!lua name=described\nredis.register_function{function_name='d', "
            "callback=function() return 'd' end, flags={'no-writes', 'allow-stale'}, description='a description'}")

# FUNCTION DUMP payloads of redis-server 7.0.15 (RDB version 10): rlib with rf returning
# 'restored' (code stored raw); rlib with rf returning {keys[1], args[1], 'restored version
# two'} (code LZF-compressed); rlib + rlib2 (rf2 returning 'second').
DUMP_RLIB = (b"\xf5@O#!lua name=rlib\nredis.register_function('rf', function() return 'restored' end)"
             b"\n\x00\xdf\x05!\xa5\x1aSwo")
DUMP_RLIB_V2 = (b"\xf5\xc3@o@y\x1f#!lua name=rlib\nredis.register_f\runction('rf', \xe0\x00\x0e\x13keys,"
                b" args) return {@\x13\x02[1]\x80\x16`\x08\x05'resto R\x04 vers F\n two'} end)\n\x00"
                b"\xc6\x81\xa5\x97\x81\xee\xad\x9b")
DUMP_TWO = (b"\xf5@O#!lua name=rlib2\nredis.register_function('rf2', function() return 'second' end)"
            b"\xf5@O#!lua name=rlib\nredis.register_function('rf', function() return 'restored' end)"
            b"\n\x00m\xd2V\xc0`v\xd2\xe3")
DUMP_EMPTY = b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda"
RLIB_OTHER = "#!lua name=rlib\nredis.register_function('other', function() return 'other' end)"
RF_ELSEWHERE = "#!lua name=holder\nredis.register_function('rf', function() return 'holder' end)"


def fload(code, replace=False):
    return ["FUNCTION", "LOAD"] + (["REPLACE"] if replace else []) + [code]


def bad_lib(body, name="bad"):
    return fload(f"#!lua name={name}\n{body}")


FUNCTIONS = [
    # Load, call, LIST, replace.
    [fload(LIB1), ["FCALL", "f1", "1", "k", "a"], ["FCALL", "f1", "0"], ["FCALL_RO", "f1", "0"],
     ["FUNCTION", "LIST"], ["FUNCTION", "LIST", "WITHCODE"], fload(LIB1_V2), ["FCALL", "f1", "0"],
     fload(LIB1_V2, replace=True), ["FCALL", "f1", "0"], ["FUNCTION", "LIST", "WITHCODE"],
     ["FUNCTION", "STATS"]],
    [fload(LIB_RW), ["FCALL", "setit", "1", "k", "v"], ["FCALL_RO", "setit", "1", "k", "w"],
     ["FCALL_RO", "getit", "1", "k"], ["FCALL", "getit", "1", "k"], ["FCALL", "getit", "2", "k"],
     ["FCALL", "getit", "-1"], ["FCALL", "getit", "x"], ["FCALL", "getit"],
     ["FCALL", "nosuch", "0"], ["FCALL_RO", "nosuch", "0"], ["FCALL", "GETIT", "1", "k"],
     ["FUNCTION", "LIST", "LIBRARYNAME", "nomatch"], ["FUNCTION", "STATS"], ["GET", "k"]],
    # Flags and description in LIST.
    [fload(LIB_DESC), ["FUNCTION", "LIST"], ["FCALL_RO", "d", "0"], ["FUNCTION", "LIST", "WITHCODE"]],
    # LIBRARYNAME is a glob pattern; WITHCODE and LIBRARYNAME in any order.
    [fload(LIB1), fload(LIB_DESC), ["FUNCTION", "LIST", "LIBRARYNAME", "lib*"],
     ["FUNCTION", "LIST", "LIBRARYNAME", "desc*", "WITHCODE"],
     ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "lib?"], ["FUNCTION", "LIST", "libraryname", "LIB1"],
     ["FUNCTION", "LIST", "LIBRARYNAME", "[l]ib1"], ["FUNCTION", "LIST", "LIBRARYNAME", "nomatch"],
     ["FUNCTION", "LIST", "LIBRARYNAME"], ["FUNCTION", "LIST", "FOO"],
     ["FUNCTION", "LIST", "WITHCODE", "WITHCODE"], ["FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b"],
     ["FUNCTION", "STATS"]],
    # Errors of FUNCTION LOAD: the header.
    [fload("return 1"), fload("#!lua\nreturn 1"), fload("#!lua name=lib2\nreturn 1"),
     fload("#!lua name=lib2 foo=bar\nreturn 1"),
     fload("#!lua name=bad-name\nredis.register_function('f', function() end)"),
     fload("#!lua name=\nredis.register_function('f', function() end)"),
     fload("#!lua name=a name=b\nredis.register_function('g', function() end)"),
     fload("#!python name=p\nredis.register_function('g', function() end)"),
     fload("#!lua name=x engine=lua\nredis.register_function('g', function() end)"),
     fload("#!lua name=x\n"), fload("#!lua name=x"), fload(""), ["FUNCTION", "LOAD", "REPLACE"],
     ["FUNCTION", "LOAD"], ["FUNCTION", "LOAD", "FOO", "x"],
     ["FUNCTION", "LOAD", "REPLACE", "REPLACE", "#!lua name=x\nredis.register_function('g', function() end)"],
     ["FUNCTION", "LIST"]],
    # Errors of FUNCTION LOAD: the body and register_function.
    [bad_lib("return 1 +"), bad_lib("redis.register_function('f', 1)"), bad_lib("redis.register_function('f')"),
     bad_lib("redis.register_function()"), bad_lib("redis.register_function('f', function() end, 1)"),
     bad_lib("redis.register_function{function_name='f', callback=function() end, flags={'foo'}}"),
     bad_lib("redis.register_function{function_name='f', callback=function() end, foo=1}"),
     bad_lib("redis.register_function{function_name='f'}"),
     bad_lib("redis.register_function{callback=function() end}"),
     bad_lib("redis.register_function{function_name='f', callback=function() end, flags='no-writes'}"),
     bad_lib("redis.register_function('f-x', function() end)"), bad_lib("redis.register_function('', function() end)"),
     bad_lib("redis.register_function('f', function() end)\nredis.register_function('f', function() end)"),
     bad_lib("redis.call('set', 'x', 'y')"), bad_lib("error('boom')"), bad_lib("x = 1"),
     bad_lib("redis.register_function('f', function() end) redis.setresp(3)"),
     bad_lib("local a = redis.sha1hex('x') redis.register_function('f', function() return a end)"),
     ["FUNCTION", "LIST"], ["EXISTS", "x"]],
    # Loading runs the body with nothing but redis.register_function, redis.log, redis.LOG_*
    # and redis.REDIS_VERSION*: no standard library, no redis.call.
    [bad_lib("local x = string.format('%d', 1)"), bad_lib("local x = type(1)"), bad_lib("local t = cjson"),
     bad_lib("local t = math.floor(1.5)"), bad_lib("for k in pairs({}) do end"), bad_lib("local g = _G"),
     bad_lib("local k = KEYS"), bad_lib("redis.pcall('ping')"), bad_lib("error('x')"),
     bad_lib("local x = redis.error_reply"), ["FUNCTION", "LIST"]],
    [fload("#!lua name=okload\nlocal v = redis.REDIS_VERSION\nlocal n = redis.REDIS_VERSION_NUM\n"
           "redis.log(redis.LOG_DEBUG, 'loading')\nlocal levels = {redis.LOG_DEBUG, redis.LOG_VERBOSE, "
           "redis.LOG_NOTICE, redis.LOG_WARNING}\n"
           "redis.register_function('okf', function() return {v == redis.REDIS_VERSION, levels} end)"),
     ["FCALL", "okf", "0"]],
    # A non-string description is stored as its string form.
    [fload("#!lua name=numdesc\nredis.register_function{function_name='f', callback=function() end, description=1}"),
     ["FUNCTION", "LIST"]],
    # Upvalues live as long as the library; the run-time environment has the libraries and
    # the redis API but not KEYS / ARGV, redis.breakpoint / debug / replicate_commands.
    [fload("#!lua name=env\nlocal n = 0\n"
           "redis.register_function('count', function() n = n + 1 return n end)\n"
           "redis.register_function('data', function() return cjson.encode({bit.band(7, 3), struct.size('i4')}) end)\n"
           "redis.register_function('api', function() local a = {} for k in pairs(redis) do table.insert(a, k) end "
           "table.sort(a) return a end)\n"
           "redis.register_function('globals', function() local a = {} for k in pairs(_G) do table.insert(a, k) end "
           "table.sort(a) return a end)\n"
           "redis.register_function('ver', function() return type(redis.REDIS_VERSION) end)\n"
           "redis.register_function('resp3', function() redis.setresp(3) return {double=1.5} end)\n"
           "redis.register_function('sha', function(keys, args) return redis.sha1hex(args[1]) end)\n"
           "redis.register_function('glob', function() x = 1 end)\n"
           "redis.register_function('reg', function() redis.register_function('z', function() end) end)"),
     ["FCALL", "count", "0"], ["FCALL", "count", "0"], ["FCALL", "data", "0"], ["FCALL", "ver", "0"],
     ["FCALL", "resp3", "0"], ["FCALL", "sha", "0", "abc"], ["FCALL", "glob", "0"], ["FCALL", "reg", "0"],
     ["FCALL", "count", "0"], ["FCALL", "api", "0"], ["FCALL", "globals", "0"],
     fload("#!lua name=env\nredis.register_function('count', function() return 'reloaded' end)", replace=True),
     ["FCALL", "count", "0"], ["FCALL", "data", "0"]],
    # Errors inside functions name the function and the line.
    [fload("#!lua name=e\nredis.register_function('err', function() error('inner') end)\n"
           "redis.register_function('nilret', function() end)\n"
           "redis.register_function('callerr', function() return redis.call('nosuch') end)\n"
           "redis.register_function('wrong', function() redis.call('set', 's', 'x') "
           "return redis.call('lpush', 's', 'y') end)\n"
           "redis.register_function('custom', function() return {err='CUSTOM failure'} end)\n"
           "redis.register_function('raised', function() error({err='RAISED table'}) end)\n"
           "redis.register_function('args', function(keys, args) return {#keys, #args, keys[1], args[2]} end)"),
     ["FCALL", "err", "0"], ["FCALL", "nilret", "0"], ["FCALL", "callerr", "0"], ["FCALL", "wrong", "0"],
     ["FCALL", "custom", "0"], ["FCALL", "raised", "0"], ["FCALL", "args", "2", "k1", "k2", "a1", "a2"],
     ["FCALL", "args", "0", "a1", "a2"], ["FCALL_RO", "args", "0"], ["FCALL_RO", "err", "0"]],
    # An existing library / function name.
    [fload(LIB_RW), fload("#!lua name=w2\nredis.register_function('setit', function() return 1 end)"),
     fload("#!lua name=w2\nredis.register_function('setit', function() return 1 end)", replace=True),
     fload("#!lua name=rw\nredis.register_function('other', function() return 'other' end)"),
     fload("#!lua name=rw\nredis.register_function('other', function() return 'other' end)", replace=True),
     ["FCALL", "other", "0"], ["FCALL", "setit", "1", "k", "v"], ["FUNCTION", "LIST"],
     fload("#!lua name=w2\nredis.register_function('setit', function() return 'w2' end)"),
     ["FCALL", "setit", "0"], ["FUNCTION", "DELETE", "rw"], ["FUNCTION", "LIST"]],
    # A failed REPLACE keeps the old library.
    [fload(LIB1), fload("#!lua name=lib1\nreturn 1 +", replace=True),
     fload("#!lua name=lib1\nreturn 1", replace=True), ["FCALL", "f1", "1", "k", "a"], ["FUNCTION", "LIST"]],
    # DELETE and FLUSH.
    [fload(LIB1), ["FUNCTION", "DELETE", "nosuch"], ["FUNCTION", "DELETE", "LIB1"],
     ["FUNCTION", "DELETE", "lib1"], ["FUNCTION", "DELETE", "lib1"], ["FCALL", "f1", "0"],
     ["FUNCTION", "DELETE"], ["FUNCTION", "DELETE", "a", "b"], ["FUNCTION", "LIST"], ["FUNCTION", "STATS"]],
    [fload(LIB1), fload(LIB_RW), ["FUNCTION", "STATS"], ["FUNCTION", "FLUSH"], ["FUNCTION", "LIST"],
     ["FCALL", "f1", "0"], fload(LIB1), ["FUNCTION", "FLUSH", "ASYNC"], ["FUNCTION", "STATS"],
     fload(LIB1), ["FUNCTION", "FLUSH", "sync"], ["FUNCTION", "FLUSH", "FOO"], ["FUNCTION", "FLUSH", "SYNC", "x"],
     ["FUNCTION", "STATS"]],
    # FLUSHALL and SCRIPT FLUSH keep libraries; FUNCTION FLUSH keeps scripts.
    [fload(LIB1), ["SCRIPT", "LOAD", "return 1"], ["FLUSHALL"], ["SCRIPT", "FLUSH"], ["FCALL", "f1", "0"],
     ["SCRIPT", "LOAD", "return 1"], ["FUNCTION", "FLUSH"], ["SCRIPT", "EXISTS", SHA_RETURN_1]],
    # HELP, STATS arity, unknown subcommands.
    [["FUNCTION", "HELP"], ["FUNCTION", "help", "x"], ["FUNCTION"], ["FUNCTION", "FOO"],
     ["FUNCTION", "STATS", "x"], ["FUNCTION", "KILL"], ["FUNCTION", "KILL", "x"], ["FUNCTION", "DUMP", "x"],
     ["FUNCTION", "RESTORE"], ["FUNCTION", "STATS"]],
    # RESTORE of payloads dumped by redis-server 7.0.15.
    [["FUNCTION", "RESTORE", DUMP_RLIB], ["FCALL", "rf", "0"], ["FUNCTION", "LIST", "WITHCODE"],
     ["FUNCTION", "RESTORE", DUMP_RLIB], ["FUNCTION", "RESTORE", DUMP_RLIB, "APPEND"],
     ["FUNCTION", "RESTORE", DUMP_RLIB_V2, "REPLACE"], ["FCALL", "rf", "1", "k", "a"],
     ["FUNCTION", "LIST", "WITHCODE"], ["FUNCTION", "STATS"]],
    [fload(LIB1), ["FUNCTION", "RESTORE", DUMP_TWO, "APPEND"], ["FUNCTION", "STATS"],
     ["FCALL", "rf", "0"], ["FCALL", "rf2", "0"], ["FCALL", "f1", "1", "k", "a"],
     ["FUNCTION", "LIST", "LIBRARYNAME", "rlib2"], ["FUNCTION", "RESTORE", DUMP_RLIB, "FLUSH"],
     ["FUNCTION", "STATS"], ["FCALL", "f1", "0"], ["FCALL", "rf2", "0"], ["FCALL", "rf", "0"]],
    # Collisions: a library of the same name (APPEND fails, REPLACE wins) or a function name
    # held by another library (fails even with REPLACE); nothing is restored on failure.
    [fload(RLIB_OTHER), ["FUNCTION", "RESTORE", DUMP_TWO], ["FUNCTION", "STATS"],
     ["FUNCTION", "RESTORE", DUMP_TWO, "REPLACE"], ["FUNCTION", "STATS"], ["FCALL", "other", "0"],
     ["FCALL", "rf", "0"]],
    [fload(RF_ELSEWHERE), ["FUNCTION", "RESTORE", DUMP_RLIB, "REPLACE"], ["FUNCTION", "RESTORE", DUMP_RLIB],
     ["FCALL", "rf", "0"], ["FUNCTION", "RESTORE", DUMP_RLIB, "FLUSH"], ["FCALL", "rf", "0"],
     ["FUNCTION", "LIST"]],
    # Bad payloads and policies.
    [["FUNCTION", "RESTORE", "garbage"], ["FUNCTION", "RESTORE", ""], ["FUNCTION", "RESTORE", DUMP_RLIB[:-1]],
     ["FUNCTION", "RESTORE", DUMP_RLIB[:-10] + b"\x00\x00" + DUMP_RLIB[-8:]],
     ["FUNCTION", "RESTORE", DUMP_RLIB, "FOO"], ["FUNCTION", "RESTORE", DUMP_RLIB, "append"],
     ["FUNCTION", "RESTORE", DUMP_RLIB, "APPEND", "x"], ["FUNCTION", "RESTORE", DUMP_EMPTY],
     ["FUNCTION", "RESTORE", DUMP_EMPTY, "FLUSH"], ["FUNCTION", "STATS"]],
    # DUMP: a payload (compared by kind), also when there are no libraries.
    [["FUNCTION", "DUMP"], fload(LIB1), ["FUNCTION", "DUMP"]],
    # FCALL / FCALL_RO of functions flagged no-writes / not, and the keys they may touch.
    [fload("#!lua name=ro\nredis.register_function{function_name='ro_write', "
           "callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}\n"
           "redis.register_function{function_name='ro_pwrite', "
           "callback=function(keys) return redis.pcall('set', keys[1], 'x') end, flags={'no-writes'}}\n"
           "redis.register_function('rw_read', function(keys) return redis.call('get', keys[1]) end)"),
     ["FCALL", "ro_write", "1", "k"], ["FCALL", "ro_pwrite", "1", "k"], ["FCALL_RO", "ro_write", "1", "k"],
     ["FCALL_RO", "rw_read", "1", "k"], ["FCALL", "rw_read", "1", "k"], ["EXISTS", "k"]],
    # Functions in MULTI, and RESP3 replies of functions.
    [fload(LIB_RW), ["MULTI"], ["FCALL", "setit", "1", "k", "v"], ["FCALL", "getit", "1", "k"],
     ["FCALL", "nosuch", "0"], ["FCALL_RO", "setit", "1", "k", "v"], ["EXEC"]],
]

# ---------------------------------------------------------------------------------------

EDGE_CASES = (LUA_TO_RESP + SETRESP3 + RESP_TO_LUA + ERRORS + EVAL_ARGS + SEMANTICS + LIBRARIES
              + BUSY + FUNCTIONS)

CLEANUP = [["SCRIPT", "FLUSH"], ["FUNCTION", "FLUSH"],
           ["CONFIG", "SET", "busy-reply-threshold", "5000"]]


def normalize(cmd, raw):
    """FUNCTION DUMP payloads carry the RDB version of the server: compare the kind only."""
    if (len(cmd) >= 2 and isinstance(cmd[0], str) and cmd[0].upper() == "FUNCTION"
            and isinstance(cmd[1], str) and cmd[1].upper() == "DUMP"
            and raw[:1] == b"$" and not raw.startswith(b"$-1")):
        return b"$<payload>"
    return raw


# ---------------------------------------------------------------------------------------
# Random scripts
# ---------------------------------------------------------------------------------------

RKEYS = ["a", "b", "c"]
RVALUES = ["", "0", "1", "-1", "10", "3.5", "abc", "9223372036854775807", "x y"]

# Lua fragments; {k} / {k2} are key expressions, {v} a Lua string literal, {n} a number.
STATEMENTS = [
    "redis.call('set', {k}, {v})", "redis.call('del', {k})", "redis.pcall('incr', {k})",
    "redis.pcall('incrby', {k}, {n})", "redis.pcall('append', {k}, {v})",
    "redis.pcall('rpush', {k}, {v})", "redis.pcall('lpop', {k})", "redis.pcall('sadd', {k}, {v})",
    "redis.pcall('hset', {k}, {v}, {n})", "redis.pcall('zadd', {k}, {n}, {v})",
    "redis.pcall('expireat', {k}, " + FUTURE + ")", "redis.pcall('persist', {k})",
    "redis.pcall('rename', {k}, {k2})", "redis.pcall('copy', {k}, {k2})",
    "redis.pcall('setrange', {k}, 1, {v})", "redis.pcall('getdel', {k})",
    "if redis.call('exists', {k}) == 1 then redis.pcall('incr', {k}) end",
    "for i = 1, 3 do redis.pcall('rpush', {k}, i) end",
    "redis.call('del', 'a', 'b', 'c')", "redis.call('set', {k}, {n})",
]
EXPRESSIONS = [
    "redis.call('get', {k})", "redis.pcall('get', {k})",
    "(redis.call('type', {k}).ok == 'string' and redis.call('get', {k}) or redis.call('type', {k}))",
    "redis.call('exists', {k}, {k2})",
    "redis.call('type', {k})", "redis.pcall('strlen', {k})", "redis.pcall('llen', {k})",
    "redis.pcall('lrange', {k}, 0, -1)", "redis.pcall('scard', {k})", "redis.pcall('zscore', {k}, {v})",
    "redis.pcall('hget', {k}, {v})", "redis.pcall('incr', {k})", "redis.call('dbsize')",
    "redis.pcall('expiretime', {k})", "redis.pcall('ttl', {k})",
    "(function() local m = redis.pcall('smembers', {k}) if m.err then return m end table.sort(m) return m end)()",
    "(function() local m = redis.pcall('hkeys', {k}) if m.err then return m end table.sort(m) return m end)()",
    "type(redis.call('get', {k}))", "tonumber(redis.pcall('get', {k}))", "{n}", "{v}",
    "{{{n}, {v}, redis.call('exists', {k})}}", "true", "false", "nil", "{{ok={v}}}", "{{err={v}}}",
    "{{double={n}}}", "{{map={{f={v}}}}}", "{{set={{[{v}]=true}}}}", "redis.status_reply({v})",
    "redis.error_reply({v})", "#KEYS + #ARGV", "KEYS[1]", "ARGV[1]",
]
NUMBERS = ["0", "1", "-1", "2.5", "-3.99", "100", "1e3", "0.1"]
SETRESP = ["", "", "", "redis.setresp(3) ", "redis.setresp(2) "]

RLIB = ("#!lua name=rnd\n"
        "redis.register_function('rget', function(keys) return redis.pcall('get', keys[1]) end)\n"
        "redis.register_function('rincr', function(keys, args) "
        "return redis.pcall('incrby', keys[1], args[1] or 1) end)\n"
        "redis.register_function{function_name='rro', callback=function(keys) "
        "return redis.pcall('exists', keys[1]) end, flags={'no-writes'}}")
RLIB2 = ("#!lua name=rnd\n"
         "redis.register_function('rget', function(keys) return {keys[1], redis.pcall('type', keys[1])} end)\n"
         "redis.register_function{function_name='rro', callback=function(keys) "
         "return redis.pcall('set', keys[1], 'ro') end, flags={'no-writes'}}")
RANDOM_SCRIPTS = ["return 'abc'", "return 1", "return redis.call('set','k','v')"]


def _key_expr(rng, declared):
    """A key as a Lua expression: a declared KEYS[i], or a literal (an undeclared key)."""
    if declared and rng.random() < 0.6:
        return f"KEYS[{rng.randint(1, len(declared))}]"
    return repr(rng.choice(RKEYS))


def _fill(rng, template, declared):
    return template.format(k=_key_expr(rng, declared), k2=_key_expr(rng, declared),
                           v=repr(rng.choice(RVALUES)), n=rng.choice(NUMBERS))


def random_script(rng, declared):
    body = [_fill(rng, rng.choice(STATEMENTS), declared) for _ in range(rng.randint(0, 3))]
    ret = _fill(rng, rng.choice(EXPRESSIONS), declared)
    return rng.choice(SETRESP) + " ".join(body) + (" " if body else "") + "return " + ret


def random_command(rng):
    declared = rng.sample(RKEYS, rng.randint(0, 2))
    args = [rng.choice(RVALUES) for _ in range(rng.randint(0, 2))]
    roll = rng.random()
    if roll < 0.55:
        return ["EVAL", random_script(rng, declared), str(len(declared))] + declared + args
    if roll < 0.62:
        return ["EVAL_RO", random_script(rng, declared), str(len(declared))] + declared + args
    if roll < 0.67:
        # A bad numkeys.
        return ["EVAL", "return #KEYS", rng.choice(["-1", "x", "5", "1.5"])] + declared
    if roll < 0.72:
        return ["SCRIPT", "LOAD", rng.choice(RANDOM_SCRIPTS)]
    if roll < 0.80:
        sha = rng.choice([SHA_RETURN_ABC, SHA_RETURN_1, SHA_SET, UNKNOWN_SHA])
        return [rng.choice(["EVALSHA", "EVALSHA_RO"]), sha, str(len(declared))] + declared + args
    if roll < 0.83:
        return ["SCRIPT", "EXISTS", SHA_RETURN_ABC, SHA_RETURN_1, SHA_SET]
    if roll < 0.84:
        return ["SCRIPT", "FLUSH"]
    if roll < 0.875:
        return ["FUNCTION", "LOAD", "REPLACE", rng.choice([RLIB, RLIB, RLIB2])]
    if roll < 0.88:
        return rng.choice([["FUNCTION", "DELETE", "rnd"], ["FUNCTION", "FLUSH"],
                           ["FUNCTION", "LOAD", RLIB]])
    if roll < 0.96:
        fn = rng.choice(["rget", "rincr", "rro", "nosuch"])
        key = rng.choice(RKEYS)
        return [rng.choice(["FCALL", "FCALL", "FCALL_RO"]), fn, "1", key] + args[:1]
    if roll < 0.98:
        # Not FUNCTION LIST of rnd: Redis lists a library's functions in the order of a
        # hash table seeded at random per process, so two servers differ.
        return ["FUNCTION", "STATS"]
    k = rng.choice(RKEYS)
    return rng.choice([["GET", k], ["TYPE", k], ["DEL", k], ["SET", k, rng.choice(RVALUES)]])


if __name__ == "__main__":
    print(len(EDGE_CASES), "cases;", sum(len(c) for c in EDGE_CASES), "steps")
    rng = _random.Random(1)
    for _ in range(10):
        print(random_command(rng))
