'use strict';
// Lua scripting and functions through the two main Node.js clients, node-redis (`redis`) and
// ioredis, each in RESP2 and RESP3. Run with `node --test` (Node >= 20, no other test
// dependency) against 127.0.0.1:$SERVER_PORT.
//
// Every expectation was validated against redis-server 7.0.15. How each library sends scripts
// matters and is checked through INFO errorstats (NOSCRIPT count) and SCRIPT EXISTS:
//   ioredis     defineCommand(): the first call on a connection is an EVAL (the script is
//               then cached by the server), later ones EVALSHA; an EVALSHA answered NOSCRIPT
//               (after SCRIPT FLUSH) is resent as EVAL. numberOfKeys fixed or given by the
//               caller; works in pipeline() and multi(); `<name>Buffer` returns Buffers.
//   node-redis  createClient({ scripts }) with defineScript(): EVALSHA first (EVALSHA_RO for
//               IS_READ_ONLY), EVAL / EVAL_RO after NOSCRIPT; inside multi() the first use is
//               an EVAL, later ones EVALSHA. createClient({ functions }) gives
//               client.<library>.<function>() sending FCALL / FCALL_RO.
const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { createClient, defineScript, ErrorReply, MultiErrorReply, RESP_TYPES } = require('redis');
const { ReplyError } = require('ioredis');

const { HOST, PORT, ioredis } = require('./server');

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex');
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

const INCRBY = "return redis.call('incrby', KEYS[1], ARGV[1])";
const ECHO = 'return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}';
const GETKEY = "return redis.call('get', KEYS[1])";

const LIB = '#!lua name=nodelib\n'
  + "redis.register_function('setget', function(keys, args) redis.call('set', keys[1], args[1]) "
  + "return redis.call('get', keys[1]) end)\n"
  + "redis.register_function{function_name='readonly', callback=function(keys) "
  + "return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}";

/** errorstat_NOSCRIPT count parsed from INFO errorstats (0 when absent). */
function noscriptCount(info) {
  const m = /errorstat_NOSCRIPT:count=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------
// node-redis
// ---------------------------------------------------------------------------

const scripts = {
  incrBy: defineScript({
    SCRIPT: INCRBY,
    NUMBER_OF_KEYS: 1,
    parseCommand(parser, key, by) {
      parser.pushKey(key);
      parser.push(by.toString());
    },
    transformReply: undefined,
  }),
  echo: defineScript({
    SCRIPT: ECHO,
    NUMBER_OF_KEYS: 2,
    parseCommand(parser, k1, k2, arg) {
      parser.pushKey(k1);
      parser.pushKey(k2);
      parser.push(arg);
    },
    transformReply: undefined,
  }),
  getRo: defineScript({
    SCRIPT: `#!lua flags=no-writes\n${GETKEY}`,
    NUMBER_OF_KEYS: 1,
    IS_READ_ONLY: true,
    parseCommand(parser, key) {
      parser.pushKey(key);
    },
    transformReply: undefined,
  }),
  failing: defineScript({
    SCRIPT: "return redis.call('lpush', KEYS[1], 'x')",
    NUMBER_OF_KEYS: 1,
    parseCommand(parser, key) {
      parser.pushKey(key);
    },
    transformReply: undefined,
  }),
};

const functions = {
  nodelib: {
    setget: {
      NUMBER_OF_KEYS: 1,
      parseCommand(parser, key, value) {
        parser.pushKey(key);
        parser.push(value);
      },
      transformReply: undefined,
    },
    readonly: {
      NUMBER_OF_KEYS: 1,
      IS_READ_ONLY: true,
      parseCommand(parser, key) {
        parser.pushKey(key);
      },
      transformReply: undefined,
    },
  },
};

async function nodeRedisWithScripts(RESP) {
  const c = createClient({
    socket: { host: HOST, port: PORT, reconnectStrategy: false }, RESP, scripts, functions,
  });
  c.on('error', () => {});
  await c.connect();
  return c;
}

for (const RESP of [2, 3]) {
  describe(`node-redis RESP${RESP}`, () => {
    let c;
    let other;
    before(async () => {
      c = await nodeRedisWithScripts(RESP);
      other = await nodeRedisWithScripts(RESP);
    });
    after(async () => {
      await Promise.allSettled([c?.close(), other?.close()]);
    });
    beforeEach(async () => {
      assert.equal(await c.flushAll(), 'OK');
      assert.equal(await c.scriptFlush(), 'OK');
      assert.equal(await c.functionFlush(), 'OK');
    });

    it('eval / evalSha / scriptLoad / scriptExists', async () => {
      assert.deepEqual(await c.eval(ECHO, { keys: ['k1', 'k2'], arguments: ['a1'] }),
        ['k1', 'k2', 'a1', 2, 1]);
      assert.deepEqual(await c.eval('return {1, 3.99, true, false, "x"}'), [1, 3, 1, null, 'x']);
      assert.equal(await c.eval('return nil'), null);
      assert.equal(await c.eval("return {ok='FINE'}"), 'FINE');
      const sha = await c.scriptLoad(INCRBY);
      assert.equal(sha, sha1(INCRBY));
      assert.equal(await c.evalSha(sha, { keys: ['n'], arguments: ['5'] }), 5);
      assert.deepEqual(await c.scriptExists([sha, 'f'.repeat(40)]), [1, 0]);
      await assert.rejects(c.evalSha('f'.repeat(40)),
        { message: 'NOSCRIPT No matching script. Please use EVAL.' });
      await assert.rejects(c.evalRo("return redis.call('set', KEYS[1], 'v')", { keys: ['k'] }),
        { message: 'ERR Write commands are not allowed from read-only scripts. script: '
          + `${sha1("return redis.call('set', KEYS[1], 'v')")}, on @user_script:1.` });
    });

    it('script errors reject with the exact text', async () => {
      await assert.rejects(c.eval("error('boom')"), (err) => {
        assert.ok(err instanceof ErrorReply, String(err));
        assert.equal(err.message,
          `ERR user_script:1: boom script: ${sha1("error('boom')")}, on @user_script:1.`);
        return true;
      });
      await assert.rejects(c.eval("return {err='MY custom'}"), { message: 'MY custom' });
      await assert.rejects(c.eval('return 1 +'), {
        message: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'",
      });
      await assert.rejects(c.sendCommand(['EVAL', 'return 1', '-1']),
        { message: "ERR Number of keys can't be negative" });
    });

    it('RESP3 values returned by scripts', async () => {
      if (RESP === 3) {
        assert.deepEqual(await c.eval('return {map={a=1}}'), { a: 1 });
        assert.equal(await c.eval('redis.setresp(3) return true'), true);
        assert.equal(await c.eval('redis.setresp(3) return false'), false);
        assert.equal(await c.eval('return {double=1.5}'), 1.5);
      } else {
        assert.deepEqual(await c.eval('return {map={a=1}}'), ['a', 1]);
        assert.equal(await c.eval('redis.setresp(3) return true'), 1);
        assert.equal(await c.eval('redis.setresp(3) return false'), 0);
        assert.equal(await c.eval('return {double=1.5}'), '1.5');
      }
    });

    it('defineScript: EVALSHA, NOSCRIPT, EVAL fallback, and again after SCRIPT FLUSH', async () => {
      const info0 = noscriptCount(await c.info('errorstats'));
      assert.deepEqual(await c.scriptExists([scripts.incrBy.SHA1]), [0]);
      assert.equal(await c.incrBy('n', 5), 5); // EVALSHA -> NOSCRIPT -> EVAL
      assert.deepEqual(await c.scriptExists([scripts.incrBy.SHA1]), [1]);
      assert.equal(await c.incrBy('n', 2), 7); // EVALSHA
      const info1 = noscriptCount(await c.info('errorstats'));
      assert.equal(info1 - info0, 1);
      assert.equal(await other.scriptFlush(), 'OK');
      assert.equal(await c.incrBy('n', 1), 8); // NOSCRIPT again -> EVAL
      assert.equal(noscriptCount(await c.info('errorstats')) - info1, 1);
      assert.deepEqual(await c.echo('k1', 'k2', 'arg'), ['k1', 'k2', 'arg', 2, 1]);
      assert.equal(scripts.incrBy.SHA1, sha1(INCRBY));
    });

    it('defineScript IS_READ_ONLY uses EVALSHA_RO / EVAL_RO', async () => {
      await c.set('k', 'v');
      assert.equal(await c.getRo('k'), 'v');
      assert.equal(await c.getRo('k'), 'v');
      assert.deepEqual(await c.scriptExists([scripts.getRo.SHA1]), [1]);
      await assert.rejects(c.failing('k'),
        { message: `${WRONGTYPE} script: ${scripts.failing.SHA1}, on @user_script:1.` });
    });

    it('scripts in multi() and in execAsPipeline()', async () => {
      // First use inside the transaction: EVAL, later ones EVALSHA.
      assert.deepEqual(await c.multi().incrBy('m', 5).incrBy('m', 2).get('m').exec(), [5, 7, '7']);
      assert.deepEqual(await c.multi().incrBy('m', 1).echo('a', 'b', 'c').execAsPipeline(),
        [8, ['a', 'b', 'c', 2, 1]]);
      await c.set('s', 'x');
      await assert.rejects(c.multi().incrBy('m', 1).failing('s').exec(), (err) => {
        assert.ok(err instanceof MultiErrorReply, String(err));
        assert.deepEqual(err.errorIndexes, [1]);
        assert.equal(err.replies[0], 9);
        assert.equal(err.replies[1].message, `${WRONGTYPE} script: ${scripts.failing.SHA1}, on @user_script:1.`);
        return true;
      });
    });

    it('functions: functionLoad, client.<lib>.<fn>(), fCall / fCallRo, functionList', async () => {
      assert.equal(await c.functionLoad(LIB), 'nodelib');
      assert.equal(await c.nodelib.setget('k', 'v1'), 'v1');
      assert.equal(await c.nodelib.readonly('k'), 'v1'); // FCALL_RO
      assert.equal(await c.fCall('setget', { keys: ['k'], arguments: ['v2'] }), 'v2');
      assert.equal(await c.fCallRo('readonly', { keys: ['k'] }), 'v2');
      await assert.rejects(c.fCallRo('setget', { keys: ['k'], arguments: ['v3'] }),
        { message: 'ERR Can not execute a script with write flag using *_ro command.' });
      await assert.rejects(c.fCall('nosuch'), { message: 'ERR Function not found' });
      const list = await c.functionList();
      assert.equal(list.length, 1);
      assert.equal(list[0].library_name, 'nodelib');
      assert.equal(list[0].engine, 'LUA');
      const fns = Object.fromEntries(list[0].functions.map((f) => [f.name, [f.description, [...f.flags]]]));
      assert.deepEqual(fns, { setget: [null, []], readonly: ['reads a key', ['no-writes']] });
      assert.deepEqual(await c.functionList({ LIBRARYNAME: 'nomatch*' }), []);
      await assert.rejects(c.functionLoad(LIB), { message: "ERR Library 'nodelib' already exists" });
      assert.equal(await c.functionLoad(LIB, { REPLACE: true }), 'nodelib');
      assert.deepEqual(await c.multi().nodelib.setget('k', 'm').nodelib.readonly('k').exec(), ['m', 'm']);
      assert.equal(await c.functionDelete('nodelib'), 'OK');
      await assert.rejects(c.functionDelete('nodelib'), { message: 'ERR Library not found' });
    });

    it('functionStats, functionDump / functionRestore round trip', async () => {
      const stats = await c.functionStats();
      assert.equal(stats.running_script, null);
      assert.deepEqual({ ...stats.engines.LUA }, { libraries_count: 0, functions_count: 0 });
      await c.functionLoad(LIB);
      const binary = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const dump = await binary.functionDump();
      assert.ok(Buffer.isBuffer(dump) && dump.length > 0);
      assert.equal(await c.functionFlush(), 'OK');
      assert.equal(await c.functionRestore(dump), 'OK');
      assert.equal(await c.nodelib.setget('k', 'restored'), 'restored');
      await assert.rejects(c.functionRestore(dump), { message: 'ERR Library nodelib already exists' });
      assert.equal(await c.functionRestore(dump, { mode: 'REPLACE' }), 'OK');
      assert.equal(await c.functionRestore(dump, { mode: 'FLUSH' }), 'OK');
      const after = await c.functionStats();
      assert.deepEqual({ ...after.engines.LUA }, { libraries_count: 1, functions_count: 2 });
      await assert.rejects(c.functionRestore(dump.subarray(0, dump.length - 1)),
        { message: 'ERR DUMP payload version or checksum are wrong' });
    });
  });
}

// ---------------------------------------------------------------------------
// ioredis
// ---------------------------------------------------------------------------

for (const protocol of [2, 3]) {
  describe(`ioredis protocol ${protocol}`, () => {
    // ioredis remembers per connection which scripts it already sent: every test gets a new
    // connection (and an empty script cache), so its first call of a script is an EVAL.
    let r;
    let other;
    before(async () => {
      other = await ioredis(protocol);
    });
    after(() => {
      other?.disconnect();
    });
    beforeEach(async () => {
      assert.equal(await other.flushall(), 'OK');
      assert.equal(await other.script('FLUSH'), 'OK');
      assert.equal(await other.function('FLUSH'), 'OK');
      r = await ioredis(protocol);
      r.defineCommand('incrByScript', { numberOfKeys: 1, lua: INCRBY });
      r.defineCommand('echoScript', { numberOfKeys: 2, lua: ECHO });
      r.defineCommand('dynamicEcho', { lua: ECHO }); // numkeys given by the caller
      r.defineCommand('getRo', { numberOfKeys: 1, lua: `#!lua flags=no-writes\n${GETKEY}`, readOnly: true });
      r.defineCommand('failing', { numberOfKeys: 1, lua: "return redis.call('lpush', KEYS[1], 'x')" });
    });
    afterEach(() => {
      r?.disconnect();
    });

    it('defineCommand with a fixed numberOfKeys', async () => {
      assert.equal(await r.incrByScript('n', 5), 5);
      assert.equal(await r.incrByScript('n', 2), 7);
      assert.deepEqual(await r.echoScript('k1', 'k2', 'arg'), ['k1', 'k2', 'arg', 2, 1]);
      const buf = await r.echoScriptBuffer('k1', 'k2', 'arg');
      assert.ok(Buffer.isBuffer(buf[0]));
      assert.deepEqual(buf.slice(0, 3).map(String), ['k1', 'k2', 'arg']);
      assert.equal(await r.getRo('n'), '7');
    });

    it('defineCommand with the number of keys given by the caller', async () => {
      assert.deepEqual(await r.dynamicEcho(2, 'k1', 'k2', 'arg'), ['k1', 'k2', 'arg', 2, 1]);
      // The reply array stops at the first nil (KEYS[2], KEYS[1]).
      assert.deepEqual(await r.dynamicEcho(1, 'k1', 'arg'), ['k1']);
      assert.deepEqual(await r.dynamicEcho(0), []);
      await assert.rejects(r.dynamicEcho(3, 'k1'),
        { message: "ERR Number of keys can't be greater than number of args" });
    });

    it('the first call is an EVAL; after SCRIPT FLUSH the NOSCRIPT EVALSHA is resent as EVAL', async () => {
      const sha = sha1(INCRBY);
      const before0 = noscriptCount(await r.info('errorstats'));
      assert.equal(await r.incrByScript('n', 1), 1); // EVAL (first use on this connection)
      assert.deepEqual(await r.script('EXISTS', sha), [1]);
      assert.equal(await r.incrByScript('n', 1), 2); // EVALSHA
      assert.equal(noscriptCount(await r.info('errorstats')), before0);
      assert.equal(await other.script('FLUSH'), 'OK');
      assert.equal(await r.incrByScript('n', 1), 3); // EVALSHA -> NOSCRIPT -> EVAL
      assert.equal(noscriptCount(await r.info('errorstats')) - before0, 1);
      assert.deepEqual(await r.script('EXISTS', sha), [1]);
    });

    it('scripts in pipeline() and multi()', async () => {
      assert.deepEqual(await r.pipeline().incrByScript('p', 5).incrByScript('p', 2)
        .dynamicEcho(2, 'k', 'l', 'a').get('p').exec(),
      [[null, 5], [null, 7], [null, ['k', 'l', 'a', 2, 1]], [null, '7']]);
      assert.deepEqual(await r.multi().incrByScript('m', 3).echoScript('a', 'b', 'c').get('m').exec(),
        [[null, 3], [null, ['a', 'b', 'c', 2, 1]], [null, '3']]);
      await r.set('s', 'x');
      const res = await r.pipeline().failing('s').incrByScript('m', 1).exec();
      assert.ok(res[0][0] instanceof ReplyError);
      assert.equal(res[0][0].message,
        `${WRONGTYPE} script: ${sha1("return redis.call('lpush', KEYS[1], 'x')")}, on @user_script:1.`);
      assert.deepEqual(res[1], [null, 4]);
      const tx = await r.multi().failing('s').incrByScript('m', 1).exec();
      assert.ok(tx[0][0] instanceof ReplyError);
      assert.deepEqual(tx[1], [null, 5]);
    });

    it('eval / evalsha / eval_ro / script LOAD / EXISTS', async () => {
      assert.deepEqual(await r.eval(ECHO, 2, 'k1', 'k2', 'a1'), ['k1', 'k2', 'a1', 2, 1]);
      assert.deepEqual(await r.eval('return {1, 3.99, true, false, "x"}', 0), [1, 3, 1, null, 'x']);
      const sha = await r.script('LOAD', GETKEY);
      assert.equal(sha, sha1(GETKEY));
      await r.set('k', 'v');
      assert.equal(await r.evalsha(sha, 1, 'k'), 'v');
      assert.equal(await r.evalsha_ro(sha, 1, 'k'), 'v');
      assert.equal(await r.eval_ro(GETKEY, 1, 'k'), 'v');
      assert.deepEqual(await r.script('EXISTS', sha, 'f'.repeat(40)), [1, 0]);
      await assert.rejects(r.evalsha('f'.repeat(40), 0),
        { message: 'NOSCRIPT No matching script. Please use EVAL.' });
      await assert.rejects(r.eval("error('boom')", 0), (err) => {
        assert.ok(err instanceof ReplyError, String(err));
        assert.equal(err.message,
          `ERR user_script:1: boom script: ${sha1("error('boom')")}, on @user_script:1.`);
        return true;
      });
      await assert.rejects(r.script('KILL'), { message: 'NOTBUSY No scripts in execution right now.' });
    });

    it('functions: FUNCTION LOAD / LIST / DELETE, fcall / fcall_ro', async () => {
      assert.equal(await r.function('LOAD', LIB), 'nodelib');
      assert.equal(await r.fcall('setget', 1, 'k', 'v'), 'v');
      assert.equal(await r.fcall_ro('readonly', 1, 'k'), 'v');
      await assert.rejects(r.fcall_ro('setget', 1, 'k', 'w'),
        { message: 'ERR Can not execute a script with write flag using *_ro command.' });
      const list = await r.function('LIST', 'LIBRARYNAME', 'node*');
      assert.equal(list.length, 1);
      const lib = protocol === 3 && !Array.isArray(list[0]) ? list[0]
        : Object.fromEntries(Array.from({ length: list[0].length / 2 },
          (_, i) => [list[0][2 * i], list[0][2 * i + 1]]));
      assert.equal(lib.library_name, 'nodelib');
      assert.equal(lib.engine, 'LUA');
      assert.equal(lib.functions.length, 2);
      assert.deepEqual(await r.function('LIST', 'LIBRARYNAME', 'nomatch'), []);
      const payload = await r.functionBuffer('DUMP');
      assert.ok(Buffer.isBuffer(payload));
      assert.equal(await r.function('FLUSH'), 'OK');
      assert.equal(await r.function('RESTORE', payload), 'OK');
      assert.equal(await r.fcall('setget', 1, 'k', 'again'), 'again');
      assert.equal(await r.function('DELETE', 'nodelib'), 'OK');
      await assert.rejects(r.fcall('setget', 1, 'k', 'v'), { message: 'ERR Function not found' });
    });
  });
}
