/**
 * State: N subscriptions created in Redis through the real Redis store (gateway/store/redis-store),
 * the creation rate, Redis bytes per subscription (INFO memory used_memory before and after), and
 * one gateway instance's RSS started against the empty and against the filled Redis (state lives
 * in Redis, so the instance should not grow with it).
 *
 * Shape of the data: each watcher watches 10 presentities and each presentity has 10 watchers,
 * across protocols, which is closer to rosters than one watcher per presentity.
 */
import { randomBytes } from 'node:crypto';
import { RedisStore } from '../../../gateway/store/redis-store';
import type { SubscriptionRecord } from '../../../gateway/store/store';
import { startGateway } from '../gateway';
import { startBenchRedis, redisInfoNumber } from '../peers/redis';
import { freePort } from '../ports';
import { sleep } from '../proc';
import { FIG } from '../report';
import { round } from '../stats';
import { type BenchOptions, figure, type Figure, type ScenarioResult } from '../types';

/** Writes in flight at once (ioredis pipelines them on one connection). */
const CONCURRENCY = 512;
const FANOUT = 10;
const PROTOCOLS = ['sip', 'xmpp', 'json'] as const;

export async function runState(o: BenchOptions): Promise<ScenarioResult> {
  const t0 = Date.now();
  const figures: Figure[] = [];
  const n = o.subscriptions;
  const limitMs = o.quick ? 30_000 : 600_000;
  const redis = await startBenchRedis();
  let error: string | undefined;
  try {
    const gwRss = async (): Promise<number> => {
      const gw = await startGateway({ name: 'gateway(state)', jsonPort: await freePort(), config: { gateway: { id: 'bench.example.test' }, store: { kind: 'redis', url: redis.url }, log: { level: 'warn' }, domains: { 'api.example.test': 'json' } } });
      try {
        await sleep(1000);
        return gw.rss();
      } finally { await gw.stop(); }
    };
    let rssEmpty: number | null = null;
    let rssFull: number | null = null;
    try { rssEmpty = await gwRss(); } catch (err) { error = `gateway RSS not measured: ${(err as Error).message.split('\n')[0]}`; }

    const store = await RedisStore.connect(redis.url);
    const before = await redisInfoNumber(redis.port, 'memory', 'used_memory');
    const groups = Math.max(1, Math.ceil(n / FANOUT));
    const now = Date.now();
    let next = 0;
    let made = 0;
    const start = performance.now();
    const worker = async (): Promise<void> => {
      while (next < n && performance.now() - start < limitMs) {
        const i = next++;
        const rec: SubscriptionRecord = {
          // The presence service's id form (gateway/presence-subscriptions.ts): 96 random bits, base64url.
          id: randomBytes(12).toString('base64url'),
          watcher: `w${i % groups}@api.example.test`,
          presentity: `p${(i + Math.floor(i / groups)) % groups}@example.test`,
          watcherProtocol: PROTOCOLS[i % 3] as (typeof PROTOCOLS)[number],
          state: 'active',
          expiresAt: now + 3_600_000,
          polite: false,
        };
        await store.putSubscription(rec);
        made++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
    const secs = (performance.now() - start) / 1000;
    const after = await redisInfoNumber(redis.port, 'memory', 'used_memory');
    await store.close();
    figures.push(figure('subscriptions created', 'count', made, undefined, made < n ? `stopped at the ${limitMs / 1000} s limit` : undefined));
    figures.push(figure('creation rate', 'subs/s', round(made / secs, 0)));
    figures.push(figure(FIG.bytesPerSub, 'bytes', made > 0 ? round((after - before) / made, 1) : null, undefined, 'INFO memory used_memory delta / subscriptions'));
    figures.push(figure('Redis used_memory after', 'MiB', round(after / 2 ** 20, 1)));
    if (rssEmpty !== null) {
      try { rssFull = await gwRss(); } catch (err) { error = `gateway RSS with state not measured: ${(err as Error).message.split('\n')[0]}`; }
    }
    figures.push(figure('gateway RSS with the subscriptions', 'MiB', rssFull === null ? null : round(rssFull / 2 ** 20, 1), rssEmpty === null ? null : round(rssEmpty / 2 ** 20, 1), 'baseline: same gateway against empty Redis'));
  } catch (err) {
    error = (err as Error).message;
  } finally {
    await redis.stop();
  }
  return { name: 'state', title: `${n} subscriptions in Redis through the store`, ok: error === undefined, ...(error ? { error } : {}), durationMs: Date.now() - t0, figures };
}
