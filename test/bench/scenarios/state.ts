/**
 * State: N subscriptions created in Redis through the real Redis store (gateway/store/redis-store),
 * the creation rate, Redis bytes per subscription (INFO memory used_memory before and after), and
 * one gateway instance's RSS started against the empty and against the filled Redis (state lives
 * in Redis, so the instance should not grow with it).
 *
 * Shape of the data: each watcher watches 10 presentities and each presentity has 10 watchers,
 * across protocols, which is closer to rosters than one watcher per presentity.
 */
import { RedisStore } from '../../../gateway/store/redis-store';
import type { SubscriptionRecord } from '../../../gateway/store/store';
import { startGateway } from '../gateway';
import { keys, watcherBucket } from '../../../gateway/store/keys';
import { newSubscriptionId } from '../../../gateway/store/records';
import { redisCommand, redisInfoNumber, startBenchRedis } from '../peers/redis';
import { freePort } from '../ports';
import { cpuMicros, sleep } from '../proc';
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
    let sample: SubscriptionRecord | undefined;
    const start = performance.now();
    const redisCpu0 = cpuMicros(redis.child.pid);
    const selfCpu0 = process.cpuUsage();
    const worker = async (): Promise<void> => {
      while (next < n && performance.now() - start < limitMs) {
        const i = next++;
        const presentity = `p${(i + Math.floor(i / groups)) % groups}@example.test`;
        const rec: SubscriptionRecord = {
          // The presence service's id form (gateway/presence-subscriptions.ts).
          id: newSubscriptionId(presentity),
          watcher: `w${i % groups}@api.example.test`,
          presentity,
          watcherProtocol: PROTOCOLS[i % 3] as (typeof PROTOCOLS)[number],
          state: 'active',
          expiresAt: now + 3_600_000,
          polite: false,
        };
        await store.putSubscription(rec);
        sample = rec;
        made++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
    const secs = (performance.now() - start) / 1000;
    const redisCore = round(((cpuMicros(redis.child.pid) - redisCpu0) / (secs * 1e6)) * 100, 1);
    const self = process.cpuUsage(selfCpu0);
    const selfCore = round(((self.user + self.system) / (secs * 1e6)) * 100, 1);
    const after = await redisInfoNumber(redis.port, 'memory', 'used_memory');
    await store.close();
    figures.push(figure('subscriptions created', 'count', made, undefined, made < n ? `stopped at the ${limitMs / 1000} s limit` : undefined));
    figures.push(figure('creation rate', 'subs/s', round(made / secs, 0), undefined, `redis-server ${redisCore}% of a core, the writing client ${selfCore}%`));
    figures.push(figure(FIG.bytesPerSub, 'bytes', made > 0 ? round((after - before) / made, 1) : null, undefined, 'INFO memory used_memory delta / subscriptions'));
    figures.push(figure('Redis used_memory after', 'MiB', round(after / 2 ** 20, 1)));
    if (sample) {
      // Where the bytes go (MEMORY USAGE, all samples), for the store's owner.
      const usage = async (key: string): Promise<number | null> => {
        const m = /^:(\d+)/.exec(await redisCommand(redis.port, `MEMORY USAGE ${key} SAMPLES 0`, 60_000));
        return m ? Number(m[1]) : null;
      };
      const per = (v: number | null, d: number): number | null => (v === null ? null : round(v / d, 1));
      const count = async (cmd: string): Promise<number> => Number(/^:(\d+)/.exec(await redisCommand(redis.port, cmd))?.[1] ?? NaN);
      const bucket = keys.watcherBucket(watcherBucket(sample.watcher));
      figures.push(figure('  presentity hash per subscription (sp:)', 'bytes', per(await usage(keys.subscriptionsOf(sample.presentity)), await count(`HLEN ${keys.subscriptionsOf(sample.presentity)}`)), undefined, 'MEMORY USAGE / HLEN of one presentity hash'));
      figures.push(figure('  watcher bucket per subscription (sw:)', 'bytes', per(await usage(bucket), await count(`HLEN ${bucket}`)), undefined, 'MEMORY USAGE / HLEN of one bucket'));
      figures.push(figure('  expiry zset per subscription (sx)', 'bytes', per(await usage(keys.subscriptionDue()), made), undefined, 'one member per presentity'));
    }
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
