/**
 * Smoke test of the Redis harness (test/support/redis.ts) against the real redis-server.
 */
import Redis from 'ioredis';
import * as fs from 'node:fs';
import { isPortOpen } from '../support/ports';
import { isPidAlive } from '../support/process';
import { redisPing, startRedis, type RedisHandle } from '../support/redis';

describe('startRedis', () => {
  let redis: RedisHandle | undefined;
  let client: Redis | undefined;

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('starts a server on 127.0.0.1 that answers SET/GET', async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(isPidAlive(redis.pid)).toBe(true);
    expect(fs.existsSync(redis.dir)).toBe(true);
    client = new Redis(redis.url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
    await client.connect();
    await client.set('sb:test', 'v1');
    expect(await client.get('sb:test')).toBe('v1');
    // No persistence: the server was started with save '' and appendonly no.
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
  });

  it('two servers get different ports', async () => {
    const other = await startRedis();
    try {
      expect(other.port).not.toBe(redis?.port);
      expect(await redisPing(other.port)).toBe(true);
    } finally {
      await other.stop();
    }
  });

  it('stop() leaves the pid dead, the port closed and the directory removed', async () => {
    const r = redis;
    if (!r) throw new Error('server from the first test is missing');
    client?.disconnect();
    client = undefined;
    await r.stop();
    redis = undefined;
    expect(isPidAlive(r.pid)).toBe(false);
    expect(await isPortOpen(r.port)).toBe(false);
    expect(fs.existsSync(r.dir)).toBe(false);
    // stop() is idempotent.
    await r.stop();
  });
});
