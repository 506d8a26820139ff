'use strict';
// What every suite of this folder shares: the server under test (127.0.0.1:$SERVER_PORT)
// and connected clients of both libraries that fail fast instead of reconnecting.
const { createClient } = require('redis');
const { Redis } = require('ioredis');

const HOST = process.env.SERVER_HOST || '127.0.0.1';
const PORT = Number(process.env.SERVER_PORT);
if (!Number.isInteger(PORT) || PORT <= 0) {
  throw new Error('SERVER_PORT must be set to the port of the server under test');
}

/** A connected node-redis client speaking RESP2 or RESP3. */
async function nodeRedis(RESP) {
  const c = createClient({ socket: { host: HOST, port: PORT, reconnectStrategy: false }, RESP });
  c.on('error', () => {}); // failures surface through the rejected commands
  await c.connect();
  return c;
}

/** A connected ioredis client speaking RESP2 or RESP3. */
async function ioredis(protocol) {
  const r = new Redis({
    host: HOST, port: PORT, protocol, lazyConnect: true,
    maxRetriesPerRequest: 0, retryStrategy: () => null,
  });
  r.on('error', () => {});
  await r.connect();
  return r;
}

module.exports = { HOST, PORT, nodeRedis, ioredis };
