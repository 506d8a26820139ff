'use strict';
// Pub/sub (SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH / SPUBLISH and
// PUBSUB) through the two main Node.js clients, node-redis (`redis`) and ioredis, each in RESP2
// and RESP3. Run with `node --test` (Node >= 20) against 127.0.0.1:$SERVER_PORT.
//
// No keys are used (no FLUSHALL either): `node --test` may run this file next to the others.
// Pub/sub state is global, so each test starts once the previous subscriber is gone.
//
// Every expectation was validated against redis-server 7.0.15. The clients differ:
//   node-redis  subscribe(channels, listener(message, channel)), pSubscribe, sSubscribe;
//               the subscribe promises resolve to undefined (counts are not exposed); a RESP2
//               subscriber sending ECHO gets the server's subscribed-mode error, a RESP3 one
//               the reply; PING answers 'pong' (RESP2 subscribed) or 'PONG'
//   ioredis     subscribe(...) resolves to the server's subscription count; events
//               'message' (channel, message), 'pmessage' (pattern, channel, message),
//               'smessage' (channel, message) and their *Buffer twins; PING while subscribed
//               answers ['pong', ''] in RESP2 (the server's array) and 'PONG' in RESP3
const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { nodeRedis, ioredis } = require('./server');

const SUBSCRIBED_ONLY = 'only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context';

// Polls fn() until it deep-equals `expected` (5 s at most): a disconnect reaches the server
// asynchronously, so what it frees is checked with a deadline.
async function waitFor(fn, expected, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await fn();
    try {
      assert.deepEqual(value, expected);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// An array that resolves `until(n)` once it holds n entries (fails after 10 s); `add` and
// `until` are not enumerable, so deepEqual compares the entries only.
function collector() {
  const items = [];
  const waiters = [];
  Object.defineProperties(items, {
    add: {
      value: (x) => {
        items.push(x);
        for (const w of waiters) if (items.length >= w.n) w.resolve();
      },
    },
    until: {
      value: (n) => new Promise((resolve, reject) => {
        if (items.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${items.length} of ${n} messages`)), 10000);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
      }),
    },
  });
  return items;
}

// ---------------------------------------------------------------------------
// node-redis
// ---------------------------------------------------------------------------

for (const RESP of [2, 3]) {
  describe(`node-redis RESP${RESP}`, () => {
    let pub;
    let sub;
    before(async () => {
      pub = await nodeRedis(RESP);
    });
    after(async () => {
      await Promise.allSettled([pub?.close(), sub?.close()]);
    });
    beforeEach(async () => {
      await sub?.close().catch(() => {});
      // pub/sub state is global: the previous test's subscriber must be gone
      await waitFor(async () => [await pub.pubSubChannels(), await pub.pubSubNumPat(),
        await pub.pubSubShardChannels()], [[], 0, []]);
      sub = await nodeRedis(RESP);
    });

    it('subscribe: messages to the listener, counted by PUBLISH, until unsubscribe', async () => {
      const got = collector();
      await sub.subscribe(['a', 'b'], (message, channel) => got.add([channel, message]));
      assert.equal(sub.isPubSubActive, true);
      assert.equal(await pub.publish('a', 'one'), 1);
      assert.equal(await pub.publish('b', 'two'), 1);
      assert.equal(await pub.publish('A', 'case'), 0); // channel names are case sensitive
      assert.equal(await pub.publish('c', 'none'), 0);
      await got.until(2);
      assert.deepEqual(got, [['a', 'one'], ['b', 'two']]);
      await sub.unsubscribe('a');
      assert.equal(await pub.publish('a', 'gone'), 0);
      assert.equal(await pub.publish('b', 'three'), 1);
      await got.until(3);
      assert.deepEqual(got[2], ['b', 'three']);
      await sub.unsubscribe();
      assert.equal(sub.isPubSubActive, false);
      assert.equal(await pub.publish('b', 'x'), 0);
      assert.equal(await sub.echo('out'), 'out'); // out of subscribed mode
    });

    it('pSubscribe with glob patterns; a channel plus a matching pattern delivers twice', async () => {
      const got = collector();
      await sub.pSubscribe('h?llo', (message, channel) => got.add(['h?llo', channel, message]));
      await sub.pSubscribe('news.[a-z][a-z]', (message, channel) => got.add(['news', channel, message]));
      await sub.subscribe('news.uk', (message, channel) => got.add(['channel', channel, message]));
      assert.equal(await pub.pubSubNumPat(), 2);
      assert.equal(await pub.publish('hello', '1'), 1);
      assert.equal(await pub.publish('hllo', 'x'), 0);
      assert.equal(await pub.publish('news.fr', '2'), 1);
      assert.equal(await pub.publish('news.FR', 'x'), 0);
      assert.equal(await pub.publish('news.uk', '3'), 2); // the channel and the pattern
      await got.until(4);
      // Redis delivers to channel subscribers before patterns.
      assert.deepEqual(got, [['h?llo', 'hello', '1'], ['news', 'news.fr', '2'],
        ['channel', 'news.uk', '3'], ['news', 'news.uk', '3']]);
      await sub.pUnsubscribe('h?llo');
      assert.equal(await pub.publish('hallo', 'x'), 0);
      assert.equal(await pub.pubSubNumPat(), 1);
    });

    it('sSubscribe / sPublish: shard channels do not mix with channels and patterns', async () => {
      const got = collector();
      await sub.sSubscribe(['s1', 's2'], (message, channel) => got.add(['shard', channel, message]));
      await sub.pSubscribe('s*', (message, channel) => got.add(['pattern', channel, message]));
      assert.equal(await pub.sPublish('s1', 'x'), 1);
      assert.equal(await pub.publish('s1', 'y'), 1); // the pattern only
      await got.until(2);
      assert.deepEqual(got, [['shard', 's1', 'x'], ['pattern', 's1', 'y']]);
      assert.deepEqual((await pub.pubSubShardChannels()).sort(), ['s1', 's2']);
      assert.deepEqual(await pub.pubSubShardNumSub(['s1', 's3']), { s1: 1, s3: 0 });
      assert.deepEqual(await pub.pubSubChannels(), []);
      await sub.sUnsubscribe('s1');
      assert.equal(await pub.sPublish('s1', 'gone'), 0);
      assert.deepEqual(await pub.pubSubShardChannels(), ['s2']);
    });

    it('PUBSUB NUMSUB / NUMPAT / CHANNELS follow subscriptions and disconnects', async () => {
      const other = await nodeRedis(RESP);
      try {
        await sub.subscribe(['news', 'sport'], () => {});
        await other.subscribe(['news', 'weather'], () => {});
        await sub.pSubscribe('n*', () => {});
        await other.pSubscribe('n*', () => {});
        assert.deepEqual(await pub.pubSubNumSub(['news', 'sport', 'weather', 'n*', 'x']),
          { news: 2, sport: 1, weather: 1, 'n*': 0, x: 0 });
        assert.deepEqual((await pub.pubSubChannels()).sort(), ['news', 'sport', 'weather']);
        assert.deepEqual(await pub.pubSubChannels('s*'), ['sport']);
        assert.equal(await pub.pubSubNumPat(), 1); // distinct patterns
        assert.equal(await pub.publish('news', 'x'), 4);
        await sub.unsubscribe('sport');
        assert.deepEqual(await pub.pubSubNumSub('sport'), { sport: 0 });
        await other.close();
        await waitFor(async () => (await pub.pubSubChannels()).sort(), ['news']);
        assert.deepEqual(await pub.pubSubNumSub(['news', 'weather']), { news: 1, weather: 0 });
        assert.equal(await pub.publish('news', 'x'), 2);
      } finally {
        await other.close().catch(() => {});
      }
    });

    it('1000 messages arrive in order, none lost', async () => {
      const n = 1000;
      const got = collector();
      await sub.subscribe('seq', (message) => got.add(message));
      const counts = await Promise.all(Array.from({ length: n }, (_, i) => pub.publish('seq', String(i))));
      assert.deepEqual(counts, Array(n).fill(1));
      await got.until(n);
      assert.deepEqual(got, Array.from({ length: n }, (_, i) => String(i)));
    });

    it('several publishers at once: each keeps its order, nothing lost', async () => {
      const publishers = 4;
      const each = 250;
      const got = collector();
      await sub.subscribe('feed', (message) => got.add(message));
      const conns = await Promise.all(Array.from({ length: publishers }, () => nodeRedis(RESP)));
      try {
        await Promise.all(conns.map(async (conn, p) => {
          for (let i = 0; i < each; i += 1) {
            assert.equal(await conn.publish('feed', `${p}:${i}`), 1);
          }
        }));
      } finally {
        await Promise.allSettled(conns.map((conn) => conn.close()));
      }
      await got.until(publishers * each);
      assert.equal(got.length, publishers * each);
      for (let p = 0; p < publishers; p += 1) {
        assert.deepEqual(got.filter((m) => m.startsWith(`${p}:`)),
          Array.from({ length: each }, (_, i) => `${p}:${i}`));
      }
    });

    it('buffer mode keeps binary channels and payloads', async () => {
      const got = collector();
      const payload = Buffer.from(Array.from({ length: 65536 }, (_, i) => i % 256));
      await sub.subscribe('bin', (message, channel) => got.add([channel, message]), true);
      assert.equal(await pub.publish('bin', payload), 1);
      assert.equal(await pub.publish('bin', Buffer.from('\r\n\0')), 1);
      await got.until(2);
      assert.ok(Buffer.isBuffer(got[0][1]));
      assert.deepEqual(got[0][0], Buffer.from('bin'));
      assert.ok(got[0][1].equals(payload));
      assert.ok(got[1][1].equals(Buffer.from('\r\n\0')));
    });

    it(RESP === 2
      ? 'a RESP2 subscriber gets the subscribed-mode error for ECHO, pong for PING'
      : 'a RESP3 subscriber runs ordinary commands between its messages', async () => {
      const got = collector();
      await sub.subscribe('c', (message) => got.add(message));
      if (RESP === 2) {
        await assert.rejects(sub.echo('x'), { message: `ERR Can't execute 'echo': ${SUBSCRIBED_ONLY}` });
        await assert.rejects(sub.pubSubNumSub('c'),
          { message: `ERR Can't execute 'pubsub|numsub': ${SUBSCRIBED_ONLY}` });
        assert.equal(await sub.ping(), 'pong'); // from ["pong", ""]
      } else {
        assert.equal(await sub.echo('x'), 'x');
        assert.equal(await sub.ping(), 'PONG');
        assert.equal(await pub.publish('c', 'm1'), 1);
        assert.deepEqual(await sub.pubSubNumSub('c'), { c: 1 });
        await got.until(1);
        assert.deepEqual(got, ['m1']);
      }
      assert.equal(await pub.publish('c', 'm2'), 1);
      await got.until(RESP === 2 ? 1 : 2);
      assert.equal(got.at(-1), 'm2');
    });
  });
}

// ---------------------------------------------------------------------------
// ioredis
// ---------------------------------------------------------------------------

for (const protocol of [2, 3]) {
  describe(`ioredis protocol ${protocol}`, () => {
    let pub;
    let sub;
    before(async () => {
      pub = await ioredis(protocol);
    });
    after(() => {
      pub?.disconnect();
      sub?.disconnect();
    });
    beforeEach(async () => {
      sub?.disconnect();
      await waitFor(async () => [await pub.pubsub('CHANNELS'), await pub.pubsub('NUMPAT'),
        await pub.pubsub('SHARDCHANNELS')], [[], 0, []]);
      sub = await ioredis(protocol);
    });

    it('subscribe / psubscribe / ssubscribe resolve to the server counts', async () => {
      assert.equal(await sub.subscribe('a', 'b', 'a'), 2);
      assert.equal(await sub.psubscribe('p*'), 3); // channels and patterns share the count
      assert.equal(await sub.ssubscribe('s1', 's2'), 2); // shard channels count apart
      assert.equal(await sub.unsubscribe('a'), 2);
      assert.equal(await sub.sunsubscribe('s1'), 1);
      assert.equal(await sub.punsubscribe('p*'), 1);
      assert.equal(await sub.unsubscribe(), 0);
      assert.equal(await sub.sunsubscribe(), 0);
    });

    it('message, pmessage and smessage events', async () => {
      const got = collector();
      sub.on('message', (channel, message) => got.add(['message', channel, message]));
      sub.on('pmessage', (pattern, channel, message) => got.add(['pmessage', pattern, channel, message]));
      sub.on('smessage', (channel, message) => got.add(['smessage', channel, message]));
      await sub.subscribe('news.uk');
      await sub.psubscribe('news.*');
      await sub.ssubscribe('shard');
      assert.equal(await pub.publish('news.uk', 'hi'), 2);
      assert.equal(await pub.publish('news.fr', 'fr'), 1);
      assert.equal(await pub.publish('shard', 'no'), 0);
      assert.equal(await pub.spublish('shard', 'sh'), 1);
      await got.until(4);
      assert.deepEqual(got, [['message', 'news.uk', 'hi'], ['pmessage', 'news.*', 'news.uk', 'hi'],
        ['pmessage', 'news.*', 'news.fr', 'fr'], ['smessage', 'shard', 'sh']]);
    });

    it('PING while subscribed, and what else the connection may do', async () => {
      await sub.subscribe('c');
      if (protocol === 2) {
        assert.deepEqual(await sub.ping(), ['pong', '']);
        assert.deepEqual(await sub.ping('hi'), ['pong', 'hi']);
      } else {
        assert.equal(await sub.ping(), 'PONG');
        assert.equal(await sub.ping('hi'), 'hi');
        assert.equal(await sub.echo('e'), 'e'); // RESP3: ordinary commands still run
      }
      assert.equal(await sub.unsubscribe('c'), 0);
      assert.equal(await sub.echo('e'), 'e');
    });

    it('PUBSUB subcommands as flat arrays and integers', async () => {
      await sub.subscribe('x', 'y');
      await sub.psubscribe('x*', 'y*');
      await sub.ssubscribe('z');
      assert.deepEqual(await pub.pubsub('NUMSUB', 'x', 'y', 'w'), ['x', 1, 'y', 1, 'w', 0]);
      assert.deepEqual(await pub.pubsub('NUMSUB'), []);
      assert.equal(await pub.pubsub('NUMPAT'), 2);
      assert.deepEqual((await pub.pubsub('CHANNELS')).sort(), ['x', 'y']);
      assert.deepEqual(await pub.pubsub('CHANNELS', 'y*'), ['y']);
      assert.deepEqual(await pub.pubsub('SHARDCHANNELS'), ['z']);
      assert.deepEqual(await pub.pubsub('SHARDNUMSUB', 'z'), ['z', 1]);
      await assert.rejects(pub.pubsub('FOO'), { message: "ERR unknown subcommand 'FOO'. Try PUBSUB HELP." });
      sub.disconnect();
      await waitFor(() => pub.pubsub('NUMSUB', 'x', 'y'), ['x', 0, 'y', 0]);
      assert.equal(await pub.pubsub('NUMPAT'), 0);
    });

    it('several publishers at once: each keeps its order, nothing lost', async () => {
      const publishers = 4;
      const each = 250;
      const got = collector();
      sub.on('message', (channel, message) => got.add(message));
      await sub.subscribe('feed');
      const conns = await Promise.all(Array.from({ length: publishers }, () => ioredis(protocol)));
      try {
        await Promise.all(conns.map(async (conn, p) => {
          for (let i = 0; i < each; i += 1) {
            assert.equal(await conn.publish('feed', `${p}:${i}`), 1);
          }
        }));
      } finally {
        conns.forEach((conn) => conn.disconnect());
      }
      await got.until(publishers * each);
      assert.equal(got.length, publishers * each);
      for (let p = 0; p < publishers; p += 1) {
        assert.deepEqual(got.filter((m) => m.startsWith(`${p}:`)),
          Array.from({ length: each }, (_, i) => `${p}:${i}`));
      }
    });

    it('messageBuffer keeps binary payloads', async () => {
      const got = collector();
      sub.on('messageBuffer', (channel, message) => got.add([channel, message]));
      await sub.subscribe('bin');
      const payload = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7) % 256));
      assert.equal(await pub.publish('bin', payload), 1);
      await got.until(1);
      assert.ok(got[0][0].equals(Buffer.from('bin')));
      assert.ok(got[0][1].equals(payload));
    });
  });
}
