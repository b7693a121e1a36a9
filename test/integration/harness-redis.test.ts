/**
 * Smoke test of the Redis harness (test/support/redis.ts) against the real redis-server.
 */
import Redis from 'ioredis';
import * as fs from 'node:fs';
import { isPortOpen } from '../support/ports';
import { isPidAlive, startProcess } from '../support/process';
import { REDIS_SERVER, redisPing, startRedis, type RedisHandle } from '../support/redis';

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

describe('startProcess (with redis-server as the child)', () => {
  it('reports a child that exits before it is ready, with its output', async () => {
    await expect(startProcess({
      name: 'redis-bad-args',
      command: REDIS_SERVER,
      args: ['--port', 'not-a-port'],
      ready: async () => false,
      readyTimeoutMs: 5000,
    })).rejects.toThrow(/redis-bad-args exited before it was ready[\s\S]*(port|argument|config)/i);
  });

  it('stops a child that is not ready by the deadline and leaves no process behind', async () => {
    let pid = 0;
    const started = Date.now();
    await expect(startProcess({
      name: 'never-ready',
      command: REDIS_SERVER,
      args: ['--port', '0', '--save', '', '--appendonly', 'no', '--unixsocket', `/tmp/sb-never-ready-${process.pid}.sock`],
      ready: async () => {
        return false;
      },
      readyTimeoutMs: 600,
      diagnostics: () => 'diagnostics-were-called',
    }).then((p) => { pid = p.pid; })).rejects.toThrow(/never-ready not ready within 600 ms[\s\S]*diagnostics-were-called/);
    expect(pid).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    // Nothing called never-ready survives: the pids of our children are gone.
    const { execFileSync } = await import('node:child_process');
    const ps = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    expect(ps).not.toMatch(/sb-never-ready/);
  });

  it('names a command that is not installed', async () => {
    await expect(startProcess({
      name: 'missing',
      command: '/nonexistent/bin/switchboard-test-peer',
      args: [],
      ready: async () => true,
    })).rejects.toThrow(/missing: cannot run \/nonexistent\/bin\/switchboard-test-peer \(not installed\?\)/);
  });
});
