/** AdapterState over Redis: one key per entry, and a sorted-set index per namespace for prefix listing. */
import type { Redis } from 'ioredis';
import type { AdapterState } from '../../canonical/adapter';
import { keys } from './keys';
import { check } from './redis-util';

const MAX_STATE_KEYS = 10_000;

export class RedisState implements AdapterState {
  constructor(private readonly r: Redis, private readonly ns: string) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.r.get(keys.state(this.ns, key))) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    const m = this.r.multi();
    if (ttlSeconds && ttlSeconds > 0) m.set(keys.state(this.ns, key), value, 'EX', Math.ceil(ttlSeconds));
    else m.set(keys.state(this.ns, key), value);
    m.zadd(keys.stateIndex(this.ns), 0, key);
    check(await m.exec(), 'state set');
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const m = this.r.multi();
    m.set(keys.state(this.ns, key), value, 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    m.zadd(keys.stateIndex(this.ns), 0, key);
    const [ok] = check(await m.exec(), 'state setIfAbsent');
    return ok === 'OK';
  }

  async del(key: string): Promise<void> {
    const m = this.r.multi();
    m.del(keys.state(this.ns, key));
    m.zrem(keys.stateIndex(this.ns), key);
    check(await m.exec(), 'state del');
  }

  async keys(prefix: string): Promise<string[]> {
    // ZRANGEBYLEX over the namespace index: [prefix .. prefix + 0xff (as a raw byte).
    const min = Buffer.from('[' + prefix, 'utf8');
    const max = Buffer.concat([Buffer.from('[' + prefix, 'utf8'), Buffer.from([0xff])]);
    const found = await this.r.zrangebylex(keys.stateIndex(this.ns), min, max, 'LIMIT', 0, MAX_STATE_KEYS);
    if (found.length === 0) return [];
    const p = this.r.pipeline();
    for (const k of found) p.exists(keys.state(this.ns, k));
    const exists = check(await p.exec(), 'state keys');
    const live: string[] = [];
    const gone: string[] = [];
    found.forEach((k, i) => (exists[i] === 1 ? live : gone).push(k));
    if (gone.length > 0) await this.r.zrem(keys.stateIndex(this.ns), ...gone);
    return live;
  }
}
