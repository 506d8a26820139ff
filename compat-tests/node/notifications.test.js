'use strict';
// Keyspace notifications, MONITOR and client-side caching through the two main Node.js
// clients, node-redis (`redis`) and ioredis, unmodified. Run with `node --test` (Node >= 20)
// against 127.0.0.1:$SERVER_PORT.
//
// Every expectation was validated against redis-server 7.0.15. Covered:
//   node-redis  CONFIG SET notify-keyspace-events; pSubscribe('__keyspace@9__:*') and
//               pSubscribe('__keyevent@9__:*') listeners (message, channel); events of plain
//               commands, of multi().exec(), lazy expiry; the built-in client-side cache
//               (createClient({ RESP: 3, clientSideCache })): hits (library stats, and MONITOR
//               shows the server got one GET), invalidation by another client's write, by
//               the caching client's own write, by FLUSHDB, the OPTIN and OPTOUT tracking
//               modes (CLIENT CACHING YES / NO before the reads), and a reader racing a
//               writer that converges once the writer stops
//   ioredis     psubscribe + 'pmessage' (pattern, channel, message) for pipeline() and
//               multi() events, subscribe to __keyevent@9__:expired for active expiry (keys
//               nobody reads), monitor(): 'monitor' events (time, args, source, database)
//
// This file shares the server with the other *.test.js files: its keys live in database 9,
// MONITOR lines are filtered by the address of the client under test, and notify-keyspace-
// events is restored when the file ends. "Nothing else arrived" is checked without sleeping:
// the writer PUBLISHes a unique marker on a channel the listener also subscribes to, and
// everything the server sent before it has arrived once the marker has. Pub/sub state is
// global: like pubsub.test.js, this file expects not to run at the same time as it (node
// --test runs files one at a time unless --test-concurrency / the CPU count says otherwise).
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { createClient } = require('redis');
const { Redis } = require('ioredis');
const { HOST, PORT } = require('./server');

const DB = 9;
const MARK = 'notif-test-marker';
let tokens = 0;

async function nodeRedis(RESP, extra = {}) {
  const c = createClient({
    socket: { host: HOST, port: PORT, reconnectStrategy: false }, RESP, database: DB, ...extra,
  });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function ioredis(protocol, extra = {}) {
  const r = new Redis({
    host: HOST, port: PORT, protocol, db: DB, lazyConnect: true,
    maxRetriesPerRequest: 0, retryStrategy: () => null, ...extra,
  });
  r.on('error', () => {});
  await r.connect();
  return r;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls fn() until it deep-equals `expected` (invalidations reach their client asynchronously).
async function waitFor(fn, expected, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    try {
      assert.deepEqual(value, expected);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(10);
  }
}

// What a listener received: events, and markers ({ marker: token }) kept apart.
function eventLog() {
  const items = [];
  return {
    add: (x) => items.push(x),
    mark: (token) => items.push({ marker: token }),
    // Publishes a fresh marker and returns (and forgets) every event received before it.
    async untilMarker(publish, timeoutMs = 10000) {
      const token = `m${tokens++}`;
      await publish(MARK, token);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = items.findIndex((x) => x.marker === token);
        if (at >= 0) return items.splice(0, at + 1).filter((x) => x.marker === undefined);
        if (Date.now() > deadline) throw new Error(`marker not received; got ${JSON.stringify(items)}`);
        await sleep(5);
      }
    },
    // The next n events (for events nobody triggers directly, like active expiry).
    async next(n, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const events = items.filter((x) => x.marker === undefined);
        if (events.length >= n) {
          for (const e of events.slice(0, n)) items.splice(items.indexOf(e), 1);
          return events.slice(0, n);
        }
        if (Date.now() > deadline) throw new Error(`only ${JSON.stringify(events)} within ${timeoutMs} ms`);
        await sleep(10);
      }
    },
  };
}

// The keyspace events of `got` ([channel, event] pairs) as [key, event].
const keyEvents = (got) => got.map(([channel, event]) => [channel.split('__:')[1], event]);

// The config is global: set for this file, restored at its end.
let admin;
let originalFlags;
before(async () => {
  admin = await nodeRedis(2);
  originalFlags = (await admin.configGet('notify-keyspace-events'))['notify-keyspace-events'];
});
after(async () => {
  if (admin) {
    await admin.configSet('notify-keyspace-events', originalFlags);
    assert.deepEqual(await admin.configGet('notify-keyspace-events'),
      { 'notify-keyspace-events': originalFlags });
    await admin.close();
  }
});

async function notify(flags) {
  assert.equal(await admin.configSet('notify-keyspace-events', flags), 'OK');
}

// ---------------------------------------------------------------------------
// node-redis: keyspace notifications
// ---------------------------------------------------------------------------

for (const RESP of [2, 3]) {
  describe(`node-redis RESP${RESP} keyspace notifications`, () => {
    let c;
    let sub;
    let log;
    const publish = (ch, m) => c.publish(ch, m);
    before(async () => {
      c = await nodeRedis(RESP);
    });
    after(async () => {
      await Promise.allSettled([c?.close(), sub?.close()]);
    });
    beforeEach(async () => {
      await sub?.close().catch(() => {});
      assert.equal(await c.flushDb(), 'OK');
      await notify('KEA');
      sub = await nodeRedis(RESP);
      log = eventLog();
      await sub.subscribe(MARK, (message) => log.mark(message));
    });

    it('pSubscribe to __keyspace@9__:* gets the event of every write, in order', async () => {
      await sub.pSubscribe(`__keyspace@${DB}__:*`, (message, channel) => log.add([channel, message]));
      await c.set('k', 'v');
      await c.append('k', 'x');
      await c.expire('k', 100);
      await c.incr('n');
      await c.hSet('h', { f: 'v', g: 'w' });
      await c.hDel('h', ['f', 'g']);
      await c.rPush('l', ['a', 'b']);
      await c.lPop('l');
      await c.rename('k', 'k2');
      assert.equal(await c.get('k2'), 'vx'); // reads send nothing
      assert.equal(await c.del(['k2', 'n', 'missing']), 2);
      const got = await log.untilMarker(publish);
      assert.deepEqual(got[0], [`__keyspace@${DB}__:k`, 'set']);
      assert.deepEqual(keyEvents(got), [
        ['k', 'set'], ['k', 'append'], ['k', 'expire'], ['n', 'incrby'],
        ['h', 'hset'], ['h', 'hdel'], ['h', 'del'], ['l', 'rpush'], ['l', 'lpop'],
        ['k', 'rename_from'], ['k2', 'rename_to'], ['k2', 'del'], ['n', 'del'],
      ]);
    });

    it('pSubscribe to __keyevent@9__:* gets the key of each event; multi().exec() events', async () => {
      await sub.pSubscribe(`__keyevent@${DB}__:*`, (message, channel) => log.add([channel, message]));
      const res = await c.multi().set('a', '1').incr('a').sAdd('s', ['x', 'y']).sRem('s', ['x', 'y'])
        .del('a').exec();
      assert.deepEqual(res, ['OK', 2, 2, 2, 1]);
      const ev = (e, key) => [`__keyevent@${DB}__:${e}`, key];
      assert.deepEqual(await log.untilMarker(publish), [
        ev('set', 'a'), ev('incrby', 'a'), ev('sadd', 's'), ev('srem', 's'), ev('del', 's'),
        ev('del', 'a'),
      ]);
      // a write in another database is not on the db 9 channels
      const other = await nodeRedis(RESP, { database: 0 });
      try {
        await other.set('notif-test-db0', '1');
        await other.del('notif-test-db0');
      } finally {
        await other.close();
      }
      assert.deepEqual(await log.untilMarker(publish), []);
    });

    it('lazy expiry: a short PX, then reads until the key is gone, sends expired once', async () => {
      await sub.pSubscribe(`__keyspace@${DB}__:*`, (message, channel) => log.add([channel, message]));
      assert.equal(await c.set('short', 'v', { PX: 30 }), 'OK');
      const deadline = Date.now() + 10000;
      while (await c.get('short') !== null) {
        assert.ok(Date.now() < deadline, 'key still readable 10 s after a 30 ms PX');
        await sleep(5);
      }
      assert.deepEqual(keyEvents(await log.untilMarker(publish)),
        [['short', 'set'], ['short', 'expire'], ['short', 'expired']]);
    });

    it('flags select the classes: E$ sends string events on the keyevent channel only', async () => {
      await sub.pSubscribe(`__key*@${DB}__:*`, (message, channel) => log.add([channel, message]));
      await notify('E$');
      assert.deepEqual(await admin.configGet('notify-keyspace-events'),
        { 'notify-keyspace-events': '$E' });
      await c.set('s', 'v');
      await c.lPush('l', 'x');
      await c.del(['s', 'l']);
      assert.deepEqual(await log.untilMarker(publish), [[`__keyevent@${DB}__:set`, 's']]);
    });
  });
}

// ---------------------------------------------------------------------------
// ioredis: psubscribe / pmessage, active expiry, monitor()
// ---------------------------------------------------------------------------

for (const protocol of [2, 3]) {
  describe(`ioredis protocol ${protocol} keyspace notifications and monitor`, () => {
    let r;
    let sub;
    let log;
    const publish = (ch, m) => r.publish(ch, m);
    before(async () => {
      r = await ioredis(protocol);
    });
    after(() => {
      r?.disconnect();
      sub?.disconnect();
    });
    beforeEach(async () => {
      sub?.disconnect();
      assert.equal(await r.flushdb(), 'OK');
      await notify('KEA');
      sub = await ioredis(protocol);
      log = eventLog();
      sub.on('message', (channel, message) => (channel === MARK
        ? log.mark(message) : log.add(['message', channel, message])));
      sub.on('pmessage', (pattern, channel, message) => log.add([pattern, channel, message]));
      assert.equal(await sub.subscribe(MARK), 1);
    });

    it('psubscribe: pmessage events for pipeline() and multi()', async () => {
      const pattern = `__keyspace@${DB}__:*`;
      assert.equal(await sub.psubscribe(pattern), 2);
      const piped = await r.pipeline().set('p', '1').incrby('p', 5).lpush('p', 'x').del('p').exec();
      assert.deepEqual(piped.map(([err, res]) => (err ? err.message.split(' ')[0] : res)),
        ['OK', 6, 'WRONGTYPE', 1]);
      const multi = await r.multi().zadd('z', 1, 'a').zincrby('z', 2, 'a').zrem('z', 'a').exec();
      assert.deepEqual(multi, [[null, 1], [null, '3'], [null, 1]]);
      const got = await log.untilMarker(publish);
      assert.ok(got.every(([pat]) => pat === pattern), JSON.stringify(got));
      assert.deepEqual(got.map(([, channel, event]) => [channel.split('__:')[1], event]), [
        ['p', 'set'], ['p', 'incrby'], ['p', 'del'],
        ['z', 'zadd'], ['z', 'zincr'], ['z', 'zrem'], ['z', 'del'],
      ]);
    });

    it('active expiry: keys nobody reads expire with one expired event each', async () => {
      assert.equal(await sub.subscribe(`__keyevent@${DB}__:expired`), 2);
      const keys = Array.from({ length: 5 }, (_, i) => `vol:${i}`);
      for (const [i, k] of keys.entries()) await r.set(k, 'v', 'PX', 40 + 10 * i);
      await r.set('persistent', 'v');
      const got = await log.next(keys.length);
      assert.deepEqual(got.map(([, channel]) => channel),
        Array(keys.length).fill(`__keyevent@${DB}__:expired`));
      assert.deepEqual(got.map(([, , key]) => key).sort(), keys);
      assert.deepEqual(await r.keys('*'), ['persistent']);
      assert.deepEqual(await log.untilMarker(publish), []);
    });

    it('monitor(): monitor events with time, args, source and database', async () => {
      const writer = await ioredis(protocol);
      // before MONITOR starts: CLIENT INFO is itself shown by MONITOR
      const addr = (await writer.client('INFO')).match(/addr=(\S+)/)[1];
      const mon = await r.monitor();
      try {
        const seen = [];
        mon.on('monitor', (time, args, source, database) => {
          if (source === addr) seen.push({ time, args, database });
        });
        await writer.set('k', 'say "hi" there');
        await writer.get('k');
        await writer.multi().incr('n').expire('n', 100).exec();
        await writer.select(2);
        await writer.echo('done');
        await waitFor(() => seen.length, 8);
        assert.deepEqual(seen.map((s) => [s.database, s.args]), [
          [`${DB}`, ['set', 'k', 'say "hi" there']],
          [`${DB}`, ['get', 'k']],
          [`${DB}`, ['multi']],
          [`${DB}`, ['incr', 'n']],
          [`${DB}`, ['expire', 'n', '100']],
          [`${DB}`, ['exec']],
          ['2', ['select', '2']],
          ['2', ['echo', 'done']],
        ]);
        for (const { time } of seen) {
          assert.match(time, /^\d+\.\d{6}$/);
          assert.ok(Math.abs(Number(time) - Date.now() / 1000) < 60);
        }
      } finally {
        mon.disconnect();
        writer.disconnect();
      }
    });
  });
}

// ---------------------------------------------------------------------------
// node-redis client-side cache (RESP3 only: node-redis refuses it in RESP2)
// ---------------------------------------------------------------------------

describe('node-redis client-side cache (RESP3)', () => {
  let writer;
  let cached;
  before(async () => {
    writer = await nodeRedis(3);
  });
  after(async () => {
    await Promise.allSettled([writer?.close(), cached?.close()]);
  });
  beforeEach(async () => {
    await cached?.close().catch(() => {});
    cached = undefined;
    assert.equal(await writer.flushDb(), 'OK');
  });

  it('RESP2 is refused', () => {
    assert.throws(() => createClient({ RESP: 2, clientSideCache: {} }),
      { message: 'Client Side Caching is only supported with RESP3' });
  });

  it('hits are served locally (the server sees one GET); other clients\' writes invalidate', async () => {
    await writer.set('k', 'v1');
    cached = await nodeRedis(3, { clientSideCache: { ttl: 0, maxEntries: 0 } });
    const addr = (await cached.clientInfo()).addr;
    const watcher = await ioredis(3, { db: 0 });
    const mon = await watcher.monitor();
    try {
      const seen = [];
      mon.on('monitor', (time, args, source) => { if (source === addr) seen.push(args); });
      for (let i = 0; i < 10; i += 1) assert.equal(await cached.get('k'), 'v1');
      assert.equal(await cached.echo('marker'), 'marker');
      await waitFor(() => seen.at(-1)?.[0], 'ECHO');
      assert.deepEqual(seen, [['GET', 'k'], ['ECHO', 'marker']]);
    } finally {
      mon.disconnect();
      watcher.disconnect();
    }
    const stats = cached.clientSideCache.stats();
    assert.equal(stats.missCount, 1);
    assert.equal(stats.hitCount, 9);
    assert.equal(cached.clientSideCache.size(), 1);

    await writer.set('k', 'v2');
    await waitFor(() => cached.get('k'), 'v2');
    await writer.del('k');
    await waitFor(() => cached.get('k'), null);
    await writer.hSet('h', 'f', '1');
    assert.deepEqual(await cached.hGetAll('h'), { f: '1' });
    await writer.hSet('h', 'g', '2');
    await waitFor(() => cached.hGetAll('h'), { f: '1', g: '2' });
  });

  it('the caching client\'s own writes invalidate too', async () => {
    cached = await nodeRedis(3, { clientSideCache: {} });
    await cached.set('k', 'a');
    assert.equal(await cached.get('k'), 'a');
    await cached.set('k', 'b');
    await waitFor(() => cached.get('k'), 'b');
    await cached.incr('n');
    assert.equal(await cached.get('n'), '1');
    await cached.incr('n');
    await waitFor(() => cached.get('n'), '2');
  });

  it('FLUSHDB empties the cache (invalidation with a null key list)', async () => {
    const keys = ['f1', 'f2', 'f3'];
    await writer.mSet(keys.map((k) => [k, 'v']));
    cached = await nodeRedis(3, { clientSideCache: {} });
    for (const k of keys) assert.equal(await cached.get(k), 'v');
    assert.equal(cached.clientSideCache.size(), 3);
    assert.equal(await writer.flushDb(), 'OK');
    await waitFor(() => cached.clientSideCache.size(), 0);
    for (const k of keys) assert.equal(await cached.get(k), null);
  });

  it('OPTIN mode: only the reads the application marks are cached and tracked', async () => {
    await writer.mSet([['user:1', 'a'], ['other', 'b']]);
    cached = await nodeRedis(3, {
      clientSideCache: {
        trackingMode: 'optin', cacheable: (command, keys) => keys[0].toString().startsWith('user:'),
      },
    });
    const info = await cached.clientTrackingInfo();
    assert.deepEqual(info.flags, ['on', 'optin']);
    assert.equal(await cached.get('user:1'), 'a'); // CLIENT CACHING YES, then GET
    assert.equal(await cached.get('other'), 'b'); // not opted in
    assert.equal(await cached.get('user:1'), 'a');
    assert.equal(cached.clientSideCache.size(), 1);
    assert.equal(cached.clientSideCache.stats().hitCount, 1);
    await writer.set('user:1', 'a2');
    await waitFor(() => cached.get('user:1'), 'a2');
    await writer.set('other', 'b2');
    assert.equal(await cached.get('other'), 'b2');
  });

  it('OPTOUT mode: tracked by default, the reads the application declines are not cached', async () => {
    await writer.mSet([['keep', '1'], ['skip', '1']]);
    cached = await nodeRedis(3, {
      clientSideCache: { trackingMode: 'optout', cacheable: (command, keys) => keys[0].toString() !== 'skip' },
    });
    assert.deepEqual((await cached.clientTrackingInfo()).flags, ['on', 'optout']);
    assert.equal(await cached.get('keep'), '1');
    assert.equal(await cached.get('skip'), '1'); // CLIENT CACHING NO, then GET
    assert.equal(cached.clientSideCache.size(), 1);
    await writer.mSet([['keep', '2'], ['skip', '2']]);
    await waitFor(() => cached.get('keep'), '2');
    assert.equal(await cached.get('skip'), '2');
  });

  it('a reader racing a writer converges to the server values once the writer stops', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `ctr:${i}`);
    await writer.mSet(keys.map((k) => [k, '0']));
    cached = await nodeRedis(3, { clientSideCache: {} });
    const other = await nodeRedis(3);
    let stop = false;
    let reads = 0;
    try {
      const last = Object.fromEntries(keys.map((k) => [k, 0]));
      const reader = (async () => {
        while (!stop) {
          for (const k of keys) {
            const v = Number(await cached.get(k));
            assert.ok(v >= last[k], `${k} went back from ${last[k]} to ${v}`);
            last[k] = v;
            reads += 1;
          }
          // cache hits resolve without I/O: let the sockets (the writer, the pushes) run
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const writes = (async () => {
        try {
          for (let i = 0; i < 2000; i += 1) await other.incr(keys[(i * 7 + (i >> 3)) % keys.length]);
        } finally {
          stop = true;
        }
      })();
      await Promise.all([reader, writes]);
    } finally {
      await other.close();
    }
    const server = (await writer.mGet(keys)).map(Number);
    assert.equal(server.reduce((a, b) => a + b, 0), 2000);
    await waitFor(async () => Promise.all(keys.map(async (k) => Number(await cached.get(k)))), server);
    assert.ok(cached.clientSideCache.stats().hitCount > 0);
    assert.ok(reads > 0);
  });
});
