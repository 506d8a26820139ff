'use strict';
// BullMQ (npm `bullmq`, pinned in package.json; built on its own ioredis 5) run UNMODIFIED
// against 127.0.0.1:$SERVER_PORT with `node --test` (Node >= 20). BullMQ keeps its jobs in
// lists, sorted sets and hashes changed by Lua scripts (EVAL, then EVALSHA), wakes idle
// workers through BZPOPMIN on a marker key, and writes every job event to a stream from
// inside the scripts (XADD, kept short by MAXLEN ~ / XTRIM MAXLEN ~) that QueueEvents follows
// with XREAD BLOCK.
//
// Covered, validated against redis-server 7.0.15 (3 runs, a few seconds each):
//   1. a Queue, a QueueEvents listener and a Worker (concurrency 1, started once all jobs are
//      queued) over 200 jobs: plain ones, 'flaky' ones failing twice then completing
//      (attempts 3, fixed backoff), 'doomed' ones failing both of their attempts
//      (exponential backoff), one delayed job, and four with priorities (run after the
//      unprioritized jobs, lowest priority number first). QueueEvents must see exactly one
//      `completed` (with the return value) or `failed` (with the reason, then
//      `retries-exhausted`) per job, and the `delayed` event of the delayed job; then
//      getJobCounts, obliterate, and no key of the queue is left.
//   2. two Workers (concurrency 4) already blocked when 100 jobs are added at once (addBulk):
//      each job is processed exactly once, and a queue created with streams.events.maxLen 50
//      keeps its event stream trimmed (its scripts' XADD / XTRIM MAXLEN ~ 50).
// Every queue of a run lives under the prefix bullmq-test-<pid>-<time>, removed at the end.
//
// The commands BullMQ 5.81.5 sent during one run of this file against redis-server 7.0.15
// (captured with `redis-cli monitor`, distinct names; this file's own ioredis connection,
// which sent INFO, SCAN, XLEN and XREVRANGE, left out):
//   on its connections     INFO (version check), CLIENT SETNAME, EVAL (the first time a
//                          connection runs a script) then EVALSHA, BZPOPMIN (idle workers,
//                          on the marker key), XREAD BLOCK 10000 STREAMS <events> <id>
//                          (QueueEvents, from `$`), XADD MAXLEN ~ (QueueEventsProducer),
//                          HSET (queue options in the meta hash), HGETALL (getJob), QUIT
//   inside its Lua scripts DEL EXISTS GET HDEL HEXISTS HGET HGETALL HINCRBY HMGET HMSET HSET
//                          INCR LINDEX LLEN LPUSH LRANGE LREM LTRIM RPOPLPUSH SCARD SET
//                          SMEMBERS SREM XADD (plain, and MAXLEN ~ <n>) XTRIM (MAXLEN ~ <n>)
//                          ZADD ZCARD ZPOPMIN ZRANGE ZRANGEBYSCORE ZREM ZREVRANGEBYSCORE ZSCORE
//   not sent               SCRIPT LOAD, CLIENT LIST, OBJECT, MULTI / EXEC, XREADGROUP
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Queue, Worker, QueueEvents, QueueEventsProducer } = require('bullmq');
const { HOST, PORT, ioredis } = require('./server');

// maxRetriesPerRequest: null is what BullMQ requires of a Worker's connection.
const connection = { host: HOST, port: PORT, maxRetriesPerRequest: null };
const PREFIX = `bullmq-test-${process.pid}-${Date.now().toString(36)}`;

/** Polls `done()` until it is true (`ms` at most), then fails with `what()`. */
async function eventually(done, what, ms = 30000) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The keys under `${PREFIX}:${name}:`, through SCAN. */
async function queueKeys(r, name) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await r.scan(cursor, 'MATCH', `${PREFIX}:${name}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

// QueueEvents reads from `$`: events written before its first XREAD BLOCK is parked are not
// for it. A QueueEventsProducer publishes a custom event until the listener has seen one,
// so the jobs are added only once QueueEvents is blocked on the stream.
async function listening(queueEvents, name) {
  const producer = new QueueEventsProducer(name, { connection, prefix: PREFIX });
  try {
    let seen = false;
    queueEvents.once('compat-probe', () => { seen = true; });
    await queueEvents.waitUntilReady();
    const deadline = Date.now() + 10000;
    while (!seen) {
      if (Date.now() > deadline) throw new Error('QueueEvents never saw the probe event');
      await producer.publishEvent({ eventName: 'compat-probe', at: String(Date.now()) });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await producer.close();
  }
}

describe('bullmq', () => {
  let r;
  const closers = []; // run in reverse when the suite ends, whatever happened
  const queues = [];
  before(async () => {
    r = await ioredis(2);
  });
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    for (const queue of queues) {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close().catch(() => {});
    }
    r.disconnect();
  });

  it('200 jobs: retries with backoff, a delayed job, priorities; QueueEvents sees completed and failed', { timeout: 60000 }, async () => {
    const name = 'jobs';
    const N = 200;
    const DELAY = 400;
    const PRIORITY = { 196: 3, 197: 1, 198: 4, 199: 2 };
    const kind = (i) => {
      if (PRIORITY[i]) return 'urgent';
      if (i === 50) return 'late';
      if (i % 10 === 3) return 'flaky';
      if (i % 10 === 7) return 'doomed';
      return 'plain';
    };
    const options = (i) => {
      switch (kind(i)) {
        case 'flaky': return { attempts: 3, backoff: { type: 'fixed', delay: 25 } };
        case 'doomed': return { attempts: 2, backoff: { type: 'exponential', delay: 20 } };
        case 'late': return { delay: DELAY };
        case 'urgent': return { priority: PRIORITY[i] };
        default: return {};
      }
    };
    const ids = Array.from({ length: N }, (_, i) => `job-${i}`);
    const doomed = ids.filter((_, i) => kind(i) === 'doomed');
    const flaky = ids.filter((_, i) => kind(i) === 'flaky');
    const succeeding = ids.filter((_, i) => kind(i) !== 'doomed');

    const queueEvents = new QueueEvents(name, { connection, prefix: PREFIX });
    closers.push(() => queueEvents.close());
    const completed = new Map();
    const failed = new Map();
    const exhausted = new Map();
    const delayed = new Map();
    const duplicates = [];
    const errors = [];
    queueEvents.on('error', (err) => errors.push(err));
    queueEvents.on('completed', ({ jobId, returnvalue }) => {
      if (completed.has(jobId) || failed.has(jobId)) duplicates.push(['completed', jobId]);
      completed.set(jobId, returnvalue);
    });
    queueEvents.on('failed', ({ jobId, failedReason }) => {
      if (completed.has(jobId) || failed.has(jobId)) duplicates.push(['failed', jobId]);
      failed.set(jobId, failedReason);
    });
    queueEvents.on('retries-exhausted', ({ jobId, attemptsMade }) => exhausted.set(jobId, attemptsMade));
    queueEvents.on('delayed', ({ jobId, delay }) => delayed.set(jobId, [...(delayed.get(jobId) || []), delay]));
    await listening(queueEvents, name);

    const queue = new Queue(name, { connection, prefix: PREFIX });
    queues.push(queue);
    for (let i = 0; i < N; i += 1) {
      await queue.add(kind(i), { i }, { jobId: ids[i], ...options(i) });
    }

    const processed = []; // [jobId, attemptsMade] in processing order
    const workerFailures = [];
    const worker = new Worker(name, async (job) => {
      processed.push([job.id, job.attemptsMade]);
      const { i } = job.data;
      if (job.name === 'flaky' && job.attemptsMade < 2) throw new Error(`flaky ${i}, attempt ${job.attemptsMade}`);
      if (job.name === 'doomed') throw new Error(`doomed ${i}`);
      return { i, square: i * i };
    }, { connection, prefix: PREFIX, concurrency: 1, autorun: false });
    closers.push(() => worker.close());
    worker.on('error', (err) => errors.push(err));
    worker.on('failed', (job, err) => workerFailures.push([job.id, err.message]));
    worker.run().catch((err) => errors.push(err));

    await eventually(() => completed.size + failed.size >= N || errors.length > 0,
      () => `${completed.size} completed and ${failed.size} failed events of ${N}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(duplicates, []);

    // QueueEvents: one outcome per job, with its return value or reason
    assert.deepEqual([...completed.keys()].sort(), [...succeeding].sort());
    for (const id of succeeding) {
      const i = Number(id.slice(4));
      assert.deepEqual(completed.get(id), { i, square: i * i }, id);
    }
    assert.deepEqual([...failed.keys()].sort(), [...doomed].sort());
    for (const id of doomed) assert.equal(failed.get(id), `doomed ${id.slice(4)}`);
    assert.deepEqual([...exhausted].sort(), doomed.map((id) => [id, '2']).sort());

    // the worker: attempts per job, and the failures it saw (the retried ones too)
    const attempts = (id) => processed.filter(([p]) => p === id).map(([, a]) => a);
    for (const id of ids) {
      const expected = doomed.includes(id) ? [0, 1] : flaky.includes(id) ? [0, 1, 2] : [0];
      assert.deepEqual(attempts(id), expected, id);
    }
    assert.equal(workerFailures.length, 2 * flaky.length + 2 * doomed.length);

    // priorities: after every job that was waiting without one, lowest number first
    const firstRun = (id) => processed.findIndex(([p, a]) => p === id && a === 0);
    const urgent = Object.keys(PRIORITY).sort((a, b) => PRIORITY[a] - PRIORITY[b]).map((i) => `job-${i}`);
    const urgentAt = urgent.map(firstRun);
    assert.deepEqual([...urgentAt].sort((a, b) => a - b), urgentAt, `urgent jobs run in priority order: ${urgentAt}`);
    const unprioritized = ids.filter((_, i) => ['plain', 'flaky', 'doomed'].includes(kind(i)));
    assert.ok(Math.max(...unprioritized.map(firstRun)) < urgentAt[0], 'urgent jobs run after the waiting ones');

    // the delayed job: a `delayed` event carrying its due time, and it ran no earlier
    const late = await queue.getJob('job-50');
    assert.deepEqual(delayed.get('job-50'), [late.timestamp + DELAY]);
    assert.ok(late.processedOn >= late.timestamp + DELAY, `processed ${late.processedOn - late.timestamp} ms after being added`);
    assert.deepEqual(late.returnvalue, { i: 50, square: 2500 });
    assert.equal(await late.getState(), 'completed');
    // retried jobs: every retry went through `delayed` (the backoff)
    for (const id of flaky) assert.equal(delayed.get(id).length, 2, id);
    for (const id of doomed) assert.equal(delayed.get(id).length, 1, id);
    const flakyJob = await queue.getJob(flaky[0]);
    assert.equal(flakyJob.attemptsMade, 3);
    assert.equal(await flakyJob.getState(), 'completed');
    const doomedJob = await queue.getJob(doomed[0]);
    assert.equal(doomedJob.attemptsMade, 2);
    assert.equal(doomedJob.failedReason, `doomed ${doomed[0].slice(4)}`);
    assert.equal(await doomedJob.getState(), 'failed');

    assert.deepEqual(await queue.getJobCounts(), {
      active: 0, completed: succeeding.length, delayed: 0, failed: doomed.length,
      paused: 0, prioritized: 0, waiting: 0, 'waiting-children': 0,
    });
    assert.deepEqual(await queue.getJobCounts('completed', 'failed'), { completed: succeeding.length, failed: doomed.length });

    await worker.close();
    await queueEvents.close();
    assert.notDeepEqual(await queueKeys(r, name), []);
    await queue.obliterate({ force: true });
    assert.deepEqual(await queueKeys(r, name), []);
    await queue.close();
  });

  it('two blocked Workers take 100 jobs added at once, each exactly once; the event stream is trimmed', { timeout: 60000 }, async () => {
    const name = 'bulk';
    const N = 100;
    const MAXLEN = 50;
    const queue = new Queue(name, { connection, prefix: PREFIX, streams: { events: { maxLen: MAXLEN } } });
    queues.push(queue);
    await queue.waitUntilReady();

    const done = new Map(); // jobId -> worker
    const twice = [];
    const errors = [];
    const workers = ['w1', 'w2'].map((tag) => {
      const worker = new Worker(name, async (job) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return { i: job.data.i, by: tag };
      }, { connection, prefix: PREFIX, concurrency: 4 });
      closers.push(() => worker.close());
      worker.on('error', (err) => errors.push(err));
      worker.on('completed', (job) => {
        if (done.has(job.id)) twice.push(job.id);
        done.set(job.id, tag);
      });
      return worker;
    });
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    // both idle workers are parked in BZPOPMIN before anything is added
    const blocked = async () => Number(/^blocked_clients:(\d+)/m.exec(await r.info('clients'))[1]);
    await eventually(async () => (await blocked()) >= 2, () => 'the two workers never blocked', 10000);

    const jobs = await queue.addBulk(Array.from({ length: N }, (_, i) => ({ name: 'bulk', data: { i } })));
    assert.equal(jobs.length, N);
    await eventually(() => done.size >= N || errors.length > 0, () => `${done.size} of ${N} jobs completed`);
    assert.deepEqual(errors, []);
    assert.deepEqual(twice, []);
    assert.deepEqual([...done.keys()].sort(), jobs.map((j) => j.id).sort());
    // asking for 'waiting' brings 'paused' along
    assert.deepEqual(await queue.getJobCounts('completed', 'failed', 'waiting', 'active'),
      { completed: N, failed: 0, waiting: 0, active: 0, paused: 0 });
    const some = await queue.getJob(jobs[17].id);
    assert.deepEqual(some.returnvalue, { i: 17, by: done.get(jobs[17].id) });

    // every job wrote at least added, waiting, active and completed: 4 * N events, of which
    // XADD / XTRIM MAXLEN ~ 50 keep at least 50 and far fewer than all
    const events = `${PREFIX}:${name}:events`;
    const length = await r.xlen(events);
    assert.ok(length >= MAXLEN && length < 2 * N, `events stream length ${length}`);
    const [[, first]] = await r.xrevrange(events, '+', '-', 'COUNT', 1);
    assert.equal(first[0], 'event');

    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true });
    assert.deepEqual(await queueKeys(r, name), []);
    await queue.close();
  });
});
