/** AdapterState over Redis: one key per entry, and a sorted-set index per namespace for prefix listing. */
import type { Redis } from 'ioredis';
import type { AdapterState } from '../../canonical/adapter';
import { keys } from './keys';
import { check } from './redis-util';

const MAX_STATE_KEYS = 10_000;

/*
 * Each write touches the entry and the index together. As scripts (one command each) rather than
 * MULTI they are atomic all the same and join ioredis's auto-pipeline: a presence fan-out writes
 * SIP dialog state once per NOTIFY, and a MULTI per write was a socket write per notification.
 * KEYS[1] the entry, KEYS[2] the namespace index; ARGV[1] the index member.
 */
const SCRIPTS = {
  /** ARGV[2] value, ARGV[3] TTL seconds (0: none). */
  sbStateSet: `if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1`,
  /** ARGV[2] value, ARGV[3] TTL seconds; 1 when set. */
  sbStateSetNx: `local ok = redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3], 'NX')
redis.call('ZADD', KEYS[2], 0, ARGV[1])
if ok then return 1 end
return 0`,
  sbStateDel: `local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n`,
  /** ARGV[2] expected, ARGV[3] new value, ARGV[4] TTL seconds; 1 when set (a lease renewal). */
  sbStateCas: `if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1`,
  /** ARGV[2] expected; 1 when deleted (a lease release). */
  sbStateCad: `if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`,
} as const;

type ScriptCommands = { [K in keyof typeof SCRIPTS]: (...args: Array<string | number>) => Promise<number> };

/** Defines the scripts on a connection (ioredis sends EVALSHA, and EVAL once on NOSCRIPT). */
export function defineStateScripts(r: Redis): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) r.defineCommand(name, { numberOfKeys: 2, lua });
}

export class RedisState implements AdapterState {
  private readonly s: ScriptCommands;

  /** `r` must have had defineStateScripts applied. */
  constructor(private readonly r: Redis, private readonly ns: string) {
    this.s = r as unknown as ScriptCommands;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.r.get(keys.state(this.ns, key))) ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.s.sbStateSet(keys.state(this.ns, key), keys.stateIndex(this.ns), key, value, ttlSeconds && ttlSeconds > 0 ? Math.ceil(ttlSeconds) : 0);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.s.sbStateSetNx(keys.state(this.ns, key), keys.stateIndex(this.ns), key, value, Math.max(1, Math.ceil(ttlSeconds)))) === 1;
  }

  async del(key: string): Promise<void> {
    await this.s.sbStateDel(keys.state(this.ns, key), keys.stateIndex(this.ns), key);
  }

  async compareAndSet(key: string, expected: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.s.sbStateCas(keys.state(this.ns, key), keys.stateIndex(this.ns), key, expected, value, Math.max(1, Math.ceil(ttlSeconds)))) === 1;
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    return (await this.s.sbStateCad(keys.state(this.ns, key), keys.stateIndex(this.ns), key, expected)) === 1;
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
