'use strict';
// Transactions (MULTI / EXEC / DISCARD / WATCH) through the two main Node.js clients,
// node-redis (`redis`) and ioredis, each in RESP2 and RESP3. Run with `node --test`
// (Node >= 20, no other test dependency) against 127.0.0.1:$SERVER_PORT.
//
// Every expectation was validated against redis-server 7.0.15. What each library makes
// of the replies differs, and is asserted as such:
//   node-redis  multi().exec()  -> array of replies; a run-time error inside -> rejects
//                                  with MultiErrorReply (.replies, .errorIndexes); a
//                                  queue-time error -> rejects with that command's
//                                  ErrorReply; a failed WATCH (null EXEC) -> WatchError
//   ioredis     multi().exec()  -> [[err, result], ...], a run-time error as [err]; a
//                                  queue-time error -> rejects with the EXECABORT error,
//                                  .previousErrors holding the rejected commands' errors;
//                                  a failed WATCH -> resolves to null
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { WatchError, MultiErrorReply, ErrorReply } = require('redis');
const { ReplyError } = require('ioredis');

const { nodeRedis, ioredis } = require('./server');

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
const UNKNOWN_FOO = "ERR unknown command 'FOO', with args beginning with: 'bar' ";
const SET_ARITY = "ERR wrong number of arguments for 'set' command";

// ---------------------------------------------------------------------------
// node-redis
// ---------------------------------------------------------------------------

for (const RESP of [2, 3]) {
  describe(`node-redis RESP${RESP}`, () => {
    let c;
    let other;
    before(async () => {
      c = await nodeRedis(RESP);
      other = await nodeRedis(RESP);
    });
    after(async () => {
      await Promise.allSettled([c?.close(), other?.close()]);
    });
    beforeEach(async () => {
      assert.equal(await c.flushAll(), 'OK');
    });

    it('multi().exec() returns every reply', async () => {
      const res = await c.multi()
        .set('a', '1').incr('a').get('a').get('nokey')
        .rPush('l', ['x', 'y']).lRange('l', 0, -1)
        .hSet('h', 'f', 'v').hGetAll('h')
        .exists(['a', 'nokey']).expire('a', 100).ttl('a')
        .exec();
      assert.deepEqual(res, ['OK', 2, '2', null, 2, ['x', 'y'], 1, { f: 'v' }, 1, 1, 100]);
      assert.equal(await c.get('a'), '2');
      assert.deepEqual(await c.multi().exec(), []);
    });

    it('a run-time error comes back in place, the other commands run', async () => {
      await c.rPush('l', 'x');
      await assert.rejects(
        c.multi().set('s', '1').incr('l').incr('s').get('s').exec(),
        (err) => {
          assert.ok(err instanceof MultiErrorReply, String(err));
          assert.deepEqual(err.errorIndexes, [1]);
          assert.equal(err.replies.length, 4);
          assert.deepEqual([err.replies[0], err.replies[2], err.replies[3]], ['OK', 2, '2']);
          assert.ok(err.replies[1] instanceof ErrorReply);
          assert.equal(err.replies[1].message, WRONGTYPE);
          return true;
        });
      assert.equal(await c.get('s'), '2');
      assert.deepEqual(await c.lRange('l', 0, -1), ['x']);
    });

    for (const [label, bad, message] of [
      ['unknown command', ['FOO', 'bar'], UNKNOWN_FOO],
      ['wrong number of arguments', ['SET', 'a'], SET_ARITY],
    ]) {
      it(`a queue-time error (${label}) aborts the whole transaction`, async () => {
        await c.set('kept', 'old');
        await assert.rejects(
          c.multi().set('y', '1').addCommand(bad).set('kept', 'new').exec(),
          (err) => {
            assert.ok(err instanceof ErrorReply, String(err));
            assert.equal(err.message, message);
            return true;
          });
        assert.equal(await c.get('kept'), 'old');
        assert.equal(await c.exists(['y', 'a']), 0);
        // EXEC answered EXECABORT and ended the transaction
        await assert.rejects(c.sendCommand(['EXEC']), { message: 'ERR EXEC without MULTI' });
        assert.deepEqual(await c.multi().set('y', '2').get('y').exec(), ['OK', '2']);
      });
    }

    it('WATCH + multi/exec fails with WatchError when another connection modifies the key', async () => {
      await c.set('w', '1');
      assert.equal(await c.watch('w'), 'OK');
      assert.equal(await c.get('w'), '1');
      await other.set('w', 'other');
      await assert.rejects(c.multi().set('w', 'mine').set('marker', '1').exec(), WatchError);
      assert.equal(await c.get('w'), 'other');
      assert.equal(await c.exists('marker'), 0);
      // the failed EXEC forgot the watched key
      await other.set('w', 'again');
      assert.deepEqual(await c.multi().set('w', 'mine').exec(), ['OK']);
    });

    it('WATCH fails the transaction when the key is deleted or a watched absent key is created', async () => {
      await c.set('gone', '1');
      await c.watch(['gone', 'born']);
      await other.del('gone');
      await assert.rejects(c.multi().set('marker', '1').exec(), WatchError);
      await c.watch(['gone', 'born']);
      await other.set('born', '1');
      await assert.rejects(c.multi().set('marker', '1').exec(), WatchError);
      assert.equal(await c.exists('marker'), 0);
    });

    it('WATCH + multi/exec succeeds without interference, and after UNWATCH', async () => {
      await c.set('w', '5');
      await c.watch('w');
      const v = Number(await c.get('w'));
      await other.get('w'); // reading is not modifying
      assert.deepEqual(await c.multi().set('w', String(v + 1)).get('w').exec(), ['OK', '6']);
      await c.watch('w');
      assert.equal(await c.unwatch(), 'OK');
      await other.set('w', 'other');
      assert.deepEqual(await c.multi().set('w', 'mine').exec(), ['OK']);
      assert.equal(await c.get('w'), 'mine');
    });

    it('execAsPipeline() pipelines without MULTI', async () => {
      assert.deepEqual(await c.multi().set('p', '1').incr('p').get('p').execAsPipeline(),
        ['OK', 2, '2']);
      await assert.rejects(
        c.multi().set('p', '1').lPush('p', 'x').incr('p').execAsPipeline(),
        { message: WRONGTYPE });
      assert.equal(await c.get('p'), '2'); // the command after the failing one ran
    });

    it('MULTI / QUEUED / EXEC / DISCARD sent by hand', async () => {
      const d = await nodeRedis(RESP); // its own connection: nothing else interleaves
      try {
        assert.equal(await d.sendCommand(['MULTI']), 'OK');
        assert.equal(await d.sendCommand(['SET', 'm', '1']), 'QUEUED');
        assert.equal(await d.sendCommand(['INCR', 'm']), 'QUEUED');
        assert.deepEqual(await d.sendCommand(['EXEC']), ['OK', 2]);
        assert.equal(await d.sendCommand(['MULTI']), 'OK');
        await assert.rejects(d.sendCommand(['MULTI']), { message: 'ERR MULTI calls can not be nested' });
        await assert.rejects(d.sendCommand(['WATCH', 'm']), { message: 'ERR WATCH inside MULTI is not allowed' });
        assert.equal(await d.sendCommand(['INCR', 'm']), 'QUEUED');
        assert.equal(await d.sendCommand(['DISCARD']), 'OK');
        await assert.rejects(d.sendCommand(['DISCARD']), { message: 'ERR DISCARD without MULTI' });
        assert.equal(await d.get('m'), '2');
        assert.equal(await d.sendCommand(['WATCH', 'm']), 'OK');
        await other.set('m', '10');
        assert.equal(await d.sendCommand(['MULTI']), 'OK');
        assert.equal(await d.sendCommand(['INCR', 'm']), 'QUEUED');
        assert.equal(await d.sendCommand(['EXEC']), null); // *-1 in RESP2, _ in RESP3
        assert.equal(await d.get('m'), '10');
      } finally {
        await d.close();
      }
    });

    it('concurrent WATCH increments on separate connections end at the exact count', async () => {
      const clients = 5;
      const rounds = 40;
      const conns = await Promise.all(Array.from({ length: clients }, () => nodeRedis(RESP)));
      let retries = 0;
      try {
        await Promise.all(conns.map(async (conn) => {
          for (let done = 0; done < rounds;) {
            await conn.watch('counter');
            const value = Number(await conn.get('counter') ?? 0);
            try {
              await conn.multi().set('counter', String(value + 1)).exec();
              done += 1;
            } catch (err) {
              if (!(err instanceof WatchError)) throw err;
              retries += 1;
            }
          }
        }));
      } finally {
        await Promise.allSettled(conns.map((conn) => conn.close()));
      }
      assert.equal(await c.get('counter'), String(clients * rounds));
      console.log(`node-redis RESP${RESP}: ${clients}x${rounds} WATCH increments, ${retries} WatchError retries`);
    });
  });
}

// ---------------------------------------------------------------------------
// ioredis
// ---------------------------------------------------------------------------

for (const protocol of [2, 3]) {
  describe(`ioredis protocol ${protocol}`, () => {
    let r;
    let other;
    before(async () => {
      r = await ioredis(protocol);
      other = await ioredis(protocol);
    });
    after(() => {
      r?.disconnect();
      other?.disconnect();
    });
    beforeEach(async () => {
      assert.equal(await r.flushall(), 'OK');
    });

    it('multi().exec() returns [err, result] pairs', async () => {
      const res = await r.multi()
        .set('a', '1').incr('a').get('a').get('nokey')
        .rpush('l', 'x', 'y').lrange('l', 0, -1)
        .hset('h', 'f', 'v').hgetall('h')
        .exists('a', 'nokey').expire('a', 100).ttl('a')
        .exec();
      assert.deepEqual(res, [[null, 'OK'], [null, 2], [null, '2'], [null, null], [null, 2],
        [null, ['x', 'y']], [null, 1], [null, { f: 'v' }], [null, 1], [null, 1], [null, 100]]);
      assert.deepEqual(await r.multi().exec(), []);
    });

    it('a run-time error comes back in place, the other commands run', async () => {
      await r.rpush('l', 'x');
      const res = await r.multi().set('s', '1').incr('l').incr('s').get('s').exec();
      assert.equal(res.length, 4);
      assert.deepEqual([res[0], res[2], res[3]], [[null, 'OK'], [null, 2], [null, '2']]);
      assert.ok(res[1][0] instanceof ReplyError, String(res[1]));
      assert.equal(res[1][0].message, WRONGTYPE);
      assert.equal(await r.get('s'), '2');
    });

    for (const [label, bad, message] of [
      ['unknown command', ['FOO', 'bar'], UNKNOWN_FOO],
      ['wrong number of arguments', ['SET', 'a'], SET_ARITY],
    ]) {
      it(`a queue-time error (${label}) aborts with EXECABORT`, async () => {
        await r.set('kept', 'old');
        await assert.rejects(
          r.multi().set('y', '1').call(...bad).set('kept', 'new').exec(),
          (err) => {
            assert.ok(err instanceof ReplyError, String(err));
            assert.equal(err.message, EXECABORT);
            assert.deepEqual(err.previousErrors.map((e) => e.message), [message]);
            return true;
          });
        assert.equal(await r.get('kept'), 'old');
        assert.equal(await r.exists('y', 'a'), 0);
        await assert.rejects(r.exec(), { message: 'ERR EXEC without MULTI' });
      });
    }

    it('WATCH + multi/exec resolves to null when another connection modifies the key', async () => {
      await r.set('w', '1');
      assert.equal(await r.watch('w'), 'OK');
      await other.set('w', 'other');
      assert.equal(await r.multi().set('w', 'mine').set('marker', '1').exec(), null);
      assert.equal(await r.get('w'), 'other');
      assert.equal(await r.exists('marker'), 0);
      // deleting, or creating a watched absent key, count as modifications too
      await r.watch('w', 'born');
      await other.del('w');
      assert.equal(await r.multi().set('marker', '1').exec(), null);
      await r.watch('w', 'born');
      await other.set('born', '1');
      assert.equal(await r.multi().set('marker', '1').exec(), null);
      assert.equal(await r.exists('marker'), 0);
    });

    it('WATCH + multi/exec succeeds without interference, and after UNWATCH', async () => {
      await r.set('w', '5');
      await r.watch('w');
      const v = Number(await r.get('w'));
      await other.get('w');
      assert.deepEqual(await r.multi().set('w', String(v + 1)).get('w').exec(),
        [[null, 'OK'], [null, '6']]);
      await r.watch('w');
      assert.equal(await r.unwatch(), 'OK');
      await other.set('w', 'other');
      assert.deepEqual(await r.multi().set('w', 'mine').exec(), [[null, 'OK']]);
    });

    it('pipeline() without MULTI, errors in place', async () => {
      const res = await r.pipeline().set('p', '1').incr('p').lpush('p', 'x').get('p').exec();
      assert.deepEqual([res[0], res[1], res[3]], [[null, 'OK'], [null, 2], [null, '2']]);
      assert.ok(res[2][0] instanceof ReplyError);
      assert.equal(res[2][0].message, WRONGTYPE);
    });

    it('multi({ pipeline: false }): MULTI, QUEUED, EXEC and DISCARD one by one', async () => {
      const d = await ioredis(protocol);
      try {
        assert.equal(await d.multi({ pipeline: false }), 'OK');
        assert.equal(await d.set('m', '1'), 'QUEUED');
        assert.equal(await d.incr('m'), 'QUEUED');
        assert.deepEqual(await d.exec(), [[null, 'OK'], [null, 2]]);
        assert.equal(await d.multi({ pipeline: false }), 'OK');
        assert.equal(await d.incr('m'), 'QUEUED');
        assert.equal(await d.discard(), 'OK');
        assert.equal(await d.get('m'), '2');
        await assert.rejects(d.discard(), { message: 'ERR DISCARD without MULTI' });
      } finally {
        d.disconnect();
      }
    });

    it('concurrent WATCH increments on separate connections end at the exact count', async () => {
      const clients = 5;
      const rounds = 40;
      const conns = await Promise.all(Array.from({ length: clients }, () => ioredis(protocol)));
      try {
        await Promise.all(conns.map(async (conn) => {
          for (let done = 0; done < rounds;) {
            await conn.watch('counter');
            const value = Number((await conn.get('counter')) ?? 0);
            const res = await conn.multi().set('counter', String(value + 1)).exec();
            if (res !== null) {
              assert.deepEqual(res, [[null, 'OK']]);
              done += 1;
            }
          }
        }));
      } finally {
        conns.forEach((conn) => conn.disconnect());
      }
      assert.equal(await r.get('counter'), String(clients * rounds));
    });
  });
}
