'use strict';
// Streams (XADD / XRANGE / XREVRANGE / XLEN / XDEL, XREAD and XREADGROUP with and without
// BLOCK, consumer groups: XGROUP, XACK, XPENDING, XAUTOCLAIM, XINFO GROUPS / CONSUMERS)
// through the two main Node.js clients, node-redis (`redis`) and ioredis, each in RESP2 and
// RESP3. Run with `node --test` (Node >= 20) against 127.0.0.1:$SERVER_PORT.
//
// Every expectation was validated against redis-server 7.0.15. What each library makes of
// the replies differs, and is asserted as such:
//   node-redis  xRange / xRevRange -> [{ id, message: { field: value } }]; xRead /
//               xReadGroup -> [{ name, messages: [{ id, message }] }] or null (nothing new,
//               or a BLOCK that timed out), the same shape in RESP2 and RESP3; xPending ->
//               { pending, firstId, lastId, consumers: [{ name, deliveriesCounter }] }
//               (deliveriesCounter is the consumer's pending count); xPendingRange ->
//               [{ id, consumer, millisecondsSinceLastDelivery, deliveriesCounter }];
//               xAutoClaim -> { nextId, messages, deletedMessages }; xInfoGroups ->
//               [{ name, consumers, pending, 'last-delivered-id', 'entries-read', lag }]
//   ioredis     the server's arrays as they are, in both protocols: xrange -> [[id, [f, v,
//               ...]]], xread / xreadgroup -> [[key, [[id, [f, v]]]]] or null, xpending ->
//               [count, first, last, [[consumer, 'count']]], xinfo GROUPS -> [[name, ...]]
// Blocking: a blocked call holds its connection, so every blocker here gets a connection of
// its own, and the test waits for INFO clients' blocked_clients to count it before acting.
// Several XREADGROUP ... BLOCK on one group with `>` are served in the order they blocked,
// one entry per XADD; DEL of the key (or a SET over it) wakes a blocked XREADGROUP with
// "UNBLOCKED the stream key no longer exists", XGROUP DESTROY with "NOGROUP the consumer group
// this client was blocked on no longer exists", while a blocked XREAD outlives the DEL and is
// served by a later XADD above the ID it blocked with. `$` is refused by XREADGROUP and `>`
// by XREAD, BLOCK or not, without blocking. Consumers are created by a read or claim that
// hands them entries (an XREADGROUP answering null or an XAUTOCLAIM claiming nothing creates
// none), and XINFO GROUPS reports a null lag for a group that starts before a deleted entry.
//
// Keys are named streams-test:<pid>:... (nothing else is touched, no FLUSHALL) and deleted
// when each describe ends.
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { ErrorReply } = require('redis');
const { ReplyError } = require('ioredis');
const { nodeRedis, ioredis } = require('./server');

const DOLLAR_IN_XREADGROUP = 'ERR The $ ID is meaningless in the context of XREADGROUP: you want to '
  + 'read the history of this consumer by specifying a proper ID, or use the > ID to get new '
  + 'messages. The $ ID would just return an empty result set.';
const GT_IN_XREAD = 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP '
  + '<group> <consumer> option.';
const XGROUP_NO_KEY = 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE '
  + 'you may want to use the MKSTREAM option to create an empty stream automatically.';
const BUSYGROUP = 'BUSYGROUP Consumer Group name already exists';
const XADD_SMALLER = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const nogroup = (key, group) => `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`;
const UNBLOCKED = /^UNBLOCKED\b/; // Redis 7.0: 'UNBLOCKED the stream key no longer exists'
const GROUP_GONE = 'NOGROUP the consumer group this client was blocked on no longer exists';

const PREFIX = `streams-test:${process.pid}:`;
// Per test: a blocked read the server never serves fails its test instead of hanging the file
// (the describe's after() disconnects the blockers).
const T = { timeout: 20000 };
const STREAM_ID = /^\d+-\d+$/;

/** Compares two stream IDs ('ms-seq'): negative, 0 or positive. */
function compareIds(a, b) {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

/** The blocked_clients count of INFO clients, through `info()` of either library. */
async function blockedClients(conn) {
  const m = /^blocked_clients:(\d+)/m.exec(await conn.info('clients'));
  assert.ok(m, 'INFO clients has no blocked_clients line');
  return Number(m[1]);
}

// Polls until the server counts `n` blocked clients (5 s at most): a blocking command is
// sent before the server has parked it, so acting on the key right away would race.
async function waitBlocked(conn, n, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await blockedClients(conn);
    if (count === n) return;
    if (Date.now() > deadline) throw new Error(`${count} blocked clients, expected ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Marks a promise's rejection as handled now: it is asserted later, once the server acted. */
function handled(promise) {
  promise.catch(() => {});
  return promise;
}

/** A promise's state without waiting for it: 'pending', 'fulfilled' or 'rejected'. */
async function state(promise) {
  const marker = {};
  try {
    return (await Promise.race([promise, new Promise((resolve) => setImmediate(resolve, marker))])) === marker
      ? 'pending' : 'fulfilled';
  } catch {
    return 'rejected';
  }
}

// ---------------------------------------------------------------------------
// node-redis
// ---------------------------------------------------------------------------

for (const RESP of [2, 3]) {
  describe(`node-redis RESP${RESP}`, () => {
    let c;
    let n = 0;
    const used = [];
    const blockers = [];
    const key = (what) => {
      const k = `${PREFIX}nr${RESP}:${what}:${n += 1}`;
      used.push(k);
      return k;
    };
    /** A client of its own for a blocking command, closed when the describe ends. */
    const blocker = async () => {
      const b = await nodeRedis(RESP);
      blockers.push(b);
      return b;
    };
    before(async () => {
      c = await nodeRedis(RESP);
    });
    after(async () => {
      await Promise.allSettled(blockers.map((b) => b.close()));
      if (used.length) await c.del(used);
      await c.close();
    });

    it('xAdd / xRange / xRevRange / xLen round trip', T, async () => {
      const s = key('log');
      const id1 = await c.xAdd(s, '*', { event: 'created', user: 'ann' });
      const id2 = await c.xAdd(s, '*', { event: 'paid', amount: '12.50' });
      assert.match(id1, STREAM_ID);
      assert.ok(compareIds(id2, id1) > 0, `${id2} after ${id1}`);
      const entries = [
        { id: id1, message: { event: 'created', user: 'ann' } },
        { id: id2, message: { event: 'paid', amount: '12.50' } },
      ];
      assert.deepEqual(await c.xRange(s, '-', '+'), entries);
      assert.deepEqual(await c.xRange(s, '-', '+', { COUNT: 1 }), entries.slice(0, 1));
      assert.deepEqual(await c.xRange(s, `(${id1}`, '+'), entries.slice(1));
      assert.deepEqual(await c.xRevRange(s, '+', '-'), [...entries].reverse());
      assert.equal(await c.xLen(s), 2);

      const t = key('explicit');
      assert.equal(await c.xAdd(t, '5-1', { a: '1' }), '5-1');
      assert.equal(await c.xAdd(t, '5-*', { b: '2' }), '5-2');
      await assert.rejects(c.xAdd(t, '5-2', { c: '3' }), (err) => err instanceof ErrorReply && err.message === XADD_SMALLER);
      assert.equal(await c.xAdd(t, '7-0', { c: '3' }, { TRIM: { strategy: 'MAXLEN', threshold: 2 } }), '7-0');
      assert.deepEqual(await c.xRange(t, '-', '+'), [{ id: '5-2', message: { b: '2' } }, { id: '7-0', message: { c: '3' } }]);
      assert.equal(await c.xDel(t, ['5-2', '1-1']), 1);
      assert.equal(await c.xLen(t), 1);
      assert.equal(await c.xLen(key('missing')), 0);
      assert.equal(await c.xAddNoMkStream(key('missing'), '*', { a: '1' }), null);

      const str = key('string');
      await c.set(str, 'x');
      await assert.rejects(c.xAdd(str, '*', { a: '1' }), { message: WRONGTYPE });
    });

    it('xReadGroup / xAck / xPending / xAutoClaim / xInfoGroups parsed replies', T, async () => {
      const s = key('jobs');
      assert.equal(await c.xGroupCreate(s, 'workers', '$', { MKSTREAM: true }), 'OK');
      await assert.rejects(c.xGroupCreate(s, 'workers', '$'), { message: BUSYGROUP });
      await c.xAdd(s, '1-1', { job: 'a' });
      await c.xAdd(s, '2-1', { job: 'b' });
      await c.xAdd(s, '3-1', { job: 'c' });

      assert.deepEqual(await c.xReadGroup('workers', 'alice', { key: s, id: '>' }, { COUNT: 2 }), [
        { name: s, messages: [{ id: '1-1', message: { job: 'a' } }, { id: '2-1', message: { job: 'b' } }] },
      ]);
      assert.deepEqual(await c.xReadGroup('workers', 'bob', [{ key: s, id: '>' }]), [
        { name: s, messages: [{ id: '3-1', message: { job: 'c' } }] },
      ]);
      assert.equal(await c.xReadGroup('workers', 'bob', { key: s, id: '>' }), null); // nothing new
      // history of a consumer: its pending entries from an ID
      assert.deepEqual(await c.xReadGroup('workers', 'alice', { key: s, id: '0' }), [
        { name: s, messages: [{ id: '1-1', message: { job: 'a' } }, { id: '2-1', message: { job: 'b' } }] },
      ]);

      assert.deepEqual(await c.xPending(s, 'workers'), {
        pending: 3, firstId: '1-1', lastId: '3-1',
        consumers: [{ name: 'alice', deliveriesCounter: 2 }, { name: 'bob', deliveriesCounter: 1 }],
      });
      const range = await c.xPendingRange(s, 'workers', '-', '+', 10);
      assert.deepEqual(range.map(({ id, consumer, deliveriesCounter }) => ({ id, consumer, deliveriesCounter })), [
        { id: '1-1', consumer: 'alice', deliveriesCounter: 2 }, // delivered twice: '>' then '0'
        { id: '2-1', consumer: 'alice', deliveriesCounter: 2 },
        { id: '3-1', consumer: 'bob', deliveriesCounter: 1 },
      ]);
      for (const e of range) {
        assert.equal(typeof e.millisecondsSinceLastDelivery, 'number');
        assert.ok(e.millisecondsSinceLastDelivery >= 0);
      }
      assert.deepEqual((await c.xPendingRange(s, 'workers', '-', '+', 10, { consumer: 'bob' })).map((e) => e.id), ['3-1']);

      assert.equal(await c.xAck(s, 'workers', '2-1'), 1);
      assert.equal(await c.xAck(s, 'workers', ['2-1', '3-1', '9-9']), 1); // 2-1 already acked
      assert.deepEqual(await c.xPending(s, 'workers'), {
        pending: 1, firstId: '1-1', lastId: '1-1', consumers: [{ name: 'alice', deliveriesCounter: 1 }],
      });

      // alice's entry moves to carol; an entry deleted while pending is reported and dropped
      await c.xAdd(s, '4-1', { job: 'd' });
      assert.deepEqual(await c.xReadGroup('workers', 'bob', { key: s, id: '>' }), [
        { name: s, messages: [{ id: '4-1', message: { job: 'd' } }] },
      ]);
      assert.equal(await c.xDel(s, '4-1'), 1);
      assert.deepEqual(await c.xAutoClaim(s, 'workers', 'carol', 0, '0-0', { COUNT: 10 }), {
        nextId: '0-0', messages: [{ id: '1-1', message: { job: 'a' } }], deletedMessages: ['4-1'],
      });
      // nothing idle for an hour: nothing claimed, and 'dave' is not created
      assert.deepEqual(await c.xAutoClaim(s, 'workers', 'dave', 3600000, '0-0'), {
        nextId: '0-0', messages: [], deletedMessages: [],
      });
      assert.deepEqual(await c.xPending(s, 'workers'), {
        pending: 1, firstId: '1-1', lastId: '1-1', consumers: [{ name: 'carol', deliveriesCounter: 1 }],
      });

      // a group that starts before a deleted entry (4-1, the stream's last) cannot know its
      // lag: null, like entries-read of a group that has read nothing
      assert.equal(await c.xGroupCreate(s, 'audit', '0'), 'OK');
      assert.deepEqual(await c.xInfoGroups(s), [
        { name: 'audit', consumers: 0, pending: 0, 'last-delivered-id': '0-0', 'entries-read': null, lag: null },
        { name: 'workers', consumers: 3, pending: 1, 'last-delivered-id': '4-1', 'entries-read': 4, lag: 0 },
      ]);
      const consumers = await c.xInfoConsumers(s, 'workers');
      assert.deepEqual(consumers.map(({ name, pending }) => ({ name, pending })), [
        { name: 'alice', pending: 0 }, { name: 'bob', pending: 0 }, { name: 'carol', pending: 1 },
      ]);
      for (const consumer of consumers) assert.equal(typeof consumer.idle, 'number');
      assert.equal(await c.xGroupDestroy(s, 'audit'), 1);
      assert.deepEqual((await c.xInfoGroups(s)).map((g) => g.name), ['workers']);
    });

    it('xRead BLOCK on a dedicated client is served by an xAdd from another', T, async () => {
      const s = key('feed');
      const last = await c.xAdd(s, '*', { n: '0' });
      const b = await blocker();
      const base = await blockedClients(c);
      const read = b.xRead({ key: s, id: '$' }, { BLOCK: 0 });
      await waitBlocked(c, base + 1);
      const id = await c.xAdd(s, '*', { n: '1' });
      assert.ok(compareIds(id, last) > 0);
      assert.deepEqual(await read, [{ name: s, messages: [{ id, message: { n: '1' } }] }]);
      assert.equal(await b.xRead({ key: s, id }, { BLOCK: 50 }), null); // timed out
      await waitBlocked(c, base);
    });

    it('xReadGroup refuses $ (BLOCK or not), a missing group, and > in xRead, without blocking', T, async () => {
      const s = key('errs');
      await c.xGroupCreate(s, 'g', '$', { MKSTREAM: true });
      const base = await blockedClients(c);
      for (const options of [{ BLOCK: 0 }, { BLOCK: 100 }, {}]) {
        await assert.rejects(c.xReadGroup('g', 'c', { key: s, id: '$' }, options),
          (err) => err instanceof ErrorReply && err.message === DOLLAR_IN_XREADGROUP);
      }
      await assert.rejects(c.xReadGroup('nope', 'c', { key: s, id: '>' }, { BLOCK: 0 }), { message: nogroup(s, 'nope') });
      const missing = key('missing');
      await assert.rejects(c.xReadGroup('g', 'c', { key: missing, id: '>' }, { BLOCK: 0 }), { message: nogroup(missing, 'g') });
      await assert.rejects(c.xRead({ key: s, id: '>' }, { BLOCK: 0 }), { message: GT_IN_XREAD });
      await assert.rejects(c.xGroupCreate(missing, 'g', '$'), { message: XGROUP_NO_KEY });
      assert.equal(await blockedClients(c), base);
      assert.equal(await c.ping(), 'PONG'); // the connection was never blocked
    });

    it('a blocked xReadGroup is woken by DEL of its key with an UNBLOCKED error', T, async () => {
      const s = key('deleted');
      await c.xGroupCreate(s, 'g', '$', { MKSTREAM: true });
      const b = await blocker();
      const base = await blockedClients(c);
      const read = handled(b.xReadGroup('g', 'c', { key: s, id: '>' }, { BLOCK: 0 }));
      await waitBlocked(c, base + 1);
      assert.equal(await c.del(s), 1);
      await assert.rejects(read, (err) => err instanceof ErrorReply && UNBLOCKED.test(err.message));
      await waitBlocked(c, base);
      assert.equal(await b.ping(), 'PONG'); // the connection serves again
      assert.equal(await c.exists(s), 0);
    });
  });
}

// ---------------------------------------------------------------------------
// ioredis
// ---------------------------------------------------------------------------

for (const protocol of [2, 3]) {
  describe(`ioredis protocol ${protocol}`, () => {
    let r;
    let n = 0;
    const used = [];
    const blockers = [];
    const key = (what) => {
      const k = `${PREFIX}io${protocol}:${what}:${n += 1}`;
      used.push(k);
      return k;
    };
    /** A connection of its own for a blocking command, disconnected when the file ends. */
    const blocker = async () => {
      const b = await ioredis(protocol);
      blockers.push(b);
      return b;
    };
    before(async () => {
      r = await ioredis(protocol);
    });
    after(async () => {
      blockers.forEach((b) => b.disconnect());
      if (used.length) await r.del(...used);
      r.disconnect();
    });

    it('XADD / XRANGE / XLEN round trip', T, async () => {
      const s = key('log');
      const id1 = await r.xadd(s, '*', 'event', 'created', 'user', 'ann');
      const id2 = await r.xadd(s, 'MAXLEN', '~', 1000, '*', 'event', 'paid');
      assert.match(id1, STREAM_ID);
      assert.ok(compareIds(id2, id1) > 0);
      assert.deepEqual(await r.xrange(s, '-', '+'), [[id1, ['event', 'created', 'user', 'ann']], [id2, ['event', 'paid']]]);
      assert.deepEqual(await r.xrevrange(s, '+', '-', 'COUNT', 1), [[id2, ['event', 'paid']]]);
      assert.equal(await r.xlen(s), 2);
      assert.ok(compareIds(await r.xadd(s, 'NOMKSTREAM', '*', 'x', '1'), id2) > 0);
      assert.equal(await r.xadd(key('missing'), 'NOMKSTREAM', '*', 'x', '1'), null);
      assert.equal(await r.xtrim(s, 'MAXLEN', 1), 2);
      assert.equal(await r.xlen(s), 1);
      const bin = key('binary');
      const payload = Buffer.from([0, 13, 10, 255, 1]);
      const id = await r.xadd(bin, '*', 'blob', payload);
      const [[gotId, [field, value]]] = await r.xrangeBuffer(bin, '-', '+');
      assert.equal(gotId.toString(), id);
      assert.equal(field.toString(), 'blob');
      assert.ok(value.equals(payload));
    });

    it('XREAD BLOCK on a dedicated connection is served by an XADD from another', T, async () => {
      const s = key('feed');
      const other = key('other');
      await r.xadd(s, '1-1', 'n', '0');
      const b = await blocker();
      const base = await blockedClients(r);
      // two streams; the XADD lands on the second one
      const read = b.xread('COUNT', 10, 'BLOCK', 0, 'STREAMS', s, other, '$', '$');
      await waitBlocked(r, base + 1);
      assert.equal(await state(read), 'pending');
      const id = await r.xadd(other, '*', 'n', '1');
      assert.deepEqual(await read, [[other, [[id, ['n', '1']]]]]);
      await waitBlocked(r, base);
      // a BLOCK with a timeout and nothing new answers null
      assert.equal(await b.xread('BLOCK', 50, 'STREAMS', s, other, '1-1', id), null);
      // entries already there are answered at once, BLOCK or not
      assert.deepEqual(await b.xread('BLOCK', 0, 'STREAMS', s, '0'), [[s, [['1-1', ['n', '0']]]]]);
    });

    it('a blocked XREAD outlives DEL of its key: served by a later XADD above its $', T, async () => {
      const s = key('recreated');
      await r.xadd(s, '5-0', 'n', '0');
      const b = await blocker();
      const base = await blockedClients(r);
      const read = b.xread('BLOCK', 0, 'STREAMS', s, '$'); // $ is 5-0 here
      await waitBlocked(r, base + 1);
      assert.equal(await r.del(s), 1);
      assert.equal(await r.xadd(s, '1-0', 'n', 'old'), '1-0'); // below 5-0: not for this reader
      assert.equal(await blockedClients(r), base + 1);
      assert.equal(await state(read), 'pending');
      const id = await r.xadd(s, '*', 'n', 'new');
      assert.deepEqual(await read, [[s, [[id, ['n', 'new']]]]]);
    });

    it('several clients blocked in XREADGROUP on one group: each XADD goes to exactly one', T, async () => {
      const s = key('work');
      const clients = 4;
      await r.xgroup('CREATE', s, 'workers', '$', 'MKSTREAM');
      const conns = await Promise.all(Array.from({ length: clients }, () => blocker()));
      const base = await blockedClients(r);
      const reads = [];
      for (let i = 0; i < clients; i += 1) {
        // one at a time, so that the order in which they blocked is known
        reads.push(conns[i].xreadgroup('GROUP', 'workers', `c${i}`, 'BLOCK', 0, 'STREAMS', s, '>'));
        await waitBlocked(r, base + i + 1);
      }
      const ids = [];
      for (let i = 0; i < clients; i += 1) {
        ids.push(await r.xadd(s, '*', 'job', String(i)));
        // the longest-blocked client gets the entry; the others stay blocked
        assert.deepEqual(await reads[i], [[s, [[ids[i], ['job', String(i)]]]]]);
        await waitBlocked(r, base + clients - i - 1);
        for (const later of reads.slice(i + 1)) assert.equal(await state(later), 'pending');
      }
      assert.deepEqual(await r.xpending(s, 'workers'),
        [clients, ids[0], ids.at(-1), Array.from({ length: clients }, (_, i) => [`c${i}`, '1'])]);
      const [[pendingId, owner, idle, deliveries], ...more] = await r.xpending(s, 'workers', '-', '+', 10, 'c2');
      assert.deepEqual([pendingId, owner, deliveries, more], [ids[2], 'c2', 1, []]);
      assert.equal(typeof idle, 'number');
      // the group has nothing left for anyone (and a read that delivers nothing creates no
      // consumer: the group still has four)
      assert.equal(await r.xreadgroup('GROUP', 'workers', 'c9', 'STREAMS', s, '>'), null);
      assert.equal(await r.xack(s, 'workers', ...ids), clients);
      const [group] = await r.xinfo('GROUPS', s);
      assert.deepEqual(group, ['name', 'workers', 'consumers', clients, 'pending', 0,
        'last-delivered-id', ids.at(-1), 'entries-read', clients, 'lag', 0]);
    });

    it('XREADGROUP BLOCK refuses $, a missing group or key, and > in XREAD, without blocking', T, async () => {
      const s = key('errs');
      assert.equal(await r.xgroup('CREATE', s, 'g', '$', 'MKSTREAM'), 'OK');
      const b = await blocker();
      const base = await blockedClients(r);
      const refused = async (promise, message) => {
        await assert.rejects(promise, (err) => err instanceof ReplyError && err.message === message);
      };
      await refused(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', s, '$'), DOLLAR_IN_XREADGROUP);
      await refused(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 100, 'COUNT', 1, 'STREAMS', s, '$'), DOLLAR_IN_XREADGROUP);
      await refused(b.xreadgroup('GROUP', 'g', 'c', 'STREAMS', s, '$'), DOLLAR_IN_XREADGROUP);
      await refused(b.xreadgroup('GROUP', 'nope', 'c', 'BLOCK', 0, 'STREAMS', s, '>'), nogroup(s, 'nope'));
      const missing = key('missing');
      await refused(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', missing, '>'), nogroup(missing, 'g'));
      await refused(b.xread('BLOCK', 0, 'STREAMS', s, '>'), GT_IN_XREAD);
      await refused(r.xgroup('CREATE', missing, 'g', '$'), XGROUP_NO_KEY);
      await refused(r.xgroup('CREATE', s, 'g', '0'), BUSYGROUP);
      assert.equal(await blockedClients(r), base);
      assert.equal(await b.ping(), 'PONG'); // the connection was never blocked
    });

    it('a blocked XREADGROUP is woken by DEL of its key (UNBLOCKED), by XGROUP DESTROY (NOGROUP)', T, async () => {
      const s = key('deleted');
      await r.xgroup('CREATE', s, 'g', '$', 'MKSTREAM');
      const b = await blocker();
      const base = await blockedClients(r);
      let read = handled(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', s, '>'));
      await waitBlocked(r, base + 1);
      assert.equal(await r.del(s), 1);
      await assert.rejects(read, (err) => err instanceof ReplyError && UNBLOCKED.test(err.message));
      await waitBlocked(r, base);
      assert.equal(await b.ping(), 'PONG');

      await r.xgroup('CREATE', s, 'g', '$', 'MKSTREAM');
      read = handled(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', s, '>'));
      await waitBlocked(r, base + 1);
      assert.equal(await r.xgroup('DESTROY', s, 'g'), 1);
      await assert.rejects(read, { message: GROUP_GONE });
      await waitBlocked(r, base);

      // a SET over the stream key wakes it too
      await r.del(s);
      await r.xgroup('CREATE', s, 'g', '$', 'MKSTREAM');
      read = handled(b.xreadgroup('GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', s, '>'));
      await waitBlocked(r, base + 1);
      assert.equal(await r.set(s, 'not a stream'), 'OK');
      await assert.rejects(read, (err) => err instanceof ReplyError && UNBLOCKED.test(err.message));
      await waitBlocked(r, base);
      assert.equal(await b.echo('again'), 'again');
    });
  });
}
