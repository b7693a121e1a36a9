/**
 * The Redis store's batched message path (gateway/store/redis-batch.ts) against a real
 * redis-server (test/support/redis.ts): the admitMessage and recordOutcome calls of one event-loop
 * turn leave as one script call, each caller gets its own answer or error, batches split at their
 * bounds, NOSCRIPT is recovered, and when Redis goes away every caller is rejected (none hangs).
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { Redis } from 'ioredis';
import { DEFAULT_RULES, type Rules } from '../../canonical/rules';
import { MAX_BATCH_CHARS, MAX_BATCH_ITEMS } from '../../gateway/store/redis-batch';
import { RedisStore } from '../../gateway/store/redis-store';
import type { Admission, Store } from '../../gateway/store/store';
import { type RedisHandle, startRedis } from '../support/redis';

const uid = (): string => randomBytes(6).toString('base64url');

/** Script calls (EVALSHA and EVAL) Redis has run so far. */
async function scriptCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) n += Number(m[2]);
  return n;
}

/** Settles within `ms` or fails the test naming what hung. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms); }),
  ]);
}

describe('Redis store: admitMessage and recordOutcome batched per event-loop turn', () => {
  let redis: RedisHandle;
  let admin: Redis;
  let store: Store;
  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
    store = await RedisStore.connect(redis.url);
  });
  afterAll(async () => {
    await store?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  test('one turn, one script call: mixed allow/deny/claimed/duplicate answers and rules mismatches, in call order', async () => {
    const none = `o${uid()}@api.example.test`;
    const ruled = `o${uid()}@api.example.test`;
    const rules: Rules = { ...DEFAULT_RULES, inbox: { blockedSenders: ['x@y.test'], refuseAnonymous: true } };
    await store.putRules(ruled, rules);
    const raw = (await admin.get(`sb:v1:r:${ruled}`))!;
    const pending = 'm' + uid();
    const done = 'm' + uid();
    expect(await store.admitMessage(none, null, pending, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
    expect(await store.admitMessage(none, null, done, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
    await store.recordOutcome(done, '{"status":"delivered"}', 30);
    const fresh = 'm' + uid();
    const late = 'm' + uid();

    const before = await scriptCalls(admin);
    // Issued in one turn: they all join one batch, and run in this order.
    const answers = await Promise.all<Admission | void>([
      store.admitMessage(none, null, fresh, 30, true), // claimed
      store.admitMessage(none, null, fresh, 30, true), // the same id again: pending
      store.admitMessage(none, null, pending, 30, true), // claimed earlier, no outcome yet
      store.admitMessage(none, null, done, 30, true), // claimed earlier, outcome recorded
      store.admitMessage(none, null, 'm' + uid(), 30, false), // a refusal: matched, nothing claimed
      store.admitMessage(ruled, null, 'm' + uid(), 30, true), // stale (no rules expected): mismatch with the stored ones
      store.admitMessage(none, raw, 'm' + uid(), 30, true), // rules expected, none stored: mismatch, null
      store.admitMessage(ruled, raw, late, 30, true), // expected rules: claimed
      store.recordOutcome(late, '{"status":"failed"}', 30),
      store.admitMessage(ruled, raw, late, 30, true), // the record above ran first: its outcome
    ]);
    expect(await scriptCalls(admin)).toBe(before + 1);
    expect(answers).toEqual([
      { rulesMatched: true, claim: { claimed: true } },
      { rulesMatched: true, claim: { claimed: false } },
      { rulesMatched: true, claim: { claimed: false } },
      { rulesMatched: true, claim: { claimed: false, outcome: '{"status":"delivered"}' } },
      { rulesMatched: true },
      { rulesMatched: false, rules: raw },
      { rulesMatched: false, rules: null },
      { rulesMatched: true, claim: { claimed: true } },
      undefined,
      { rulesMatched: true, claim: { claimed: false, outcome: '{"status":"failed"}' } },
    ]);
    // A mismatch claims nothing; the record kept the TTL it was given.
    expect(await store.claimMessage(fresh, 30)).toEqual({ claimed: false });
    expect(await admin.ttl(`sb:v1:m:${late}`)).toBeGreaterThan(25);
  });

  test('calls made after awaits within the same turn join the batch too', async () => {
    const owner = `o${uid()}@api.example.test`;
    const before = await scriptCalls(admin);
    const chain = async (i: number): Promise<Admission> => {
      await Promise.resolve();
      await null;
      return store.admitMessage(owner, null, `m${i}${uid()}`, 30, true);
    };
    const got = await Promise.all([chain(1), chain(2), store.admitMessage(owner, null, 'm' + uid(), 30, true), chain(3)]);
    expect(got.every((a) => a.rulesMatched && a.claim?.claimed)).toBe(true);
    expect(await scriptCalls(admin)).toBe(before + 1);
  });

  test('calls from separate datagram callbacks of one poll phase (how SIP arrives) join one batch', async () => {
    const owner = `o${uid()}@api.example.test`;
    const rx = dgram.createSocket('udp4');
    const tx = dgram.createSocket('udp4');
    try {
      await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
      const port = rx.address().port;
      const bursts = 10;
      const perBurst = 20;
      const answers: Array<Promise<Admission>> = [];
      const all = new Promise<void>((resolve) => {
        rx.on('message', (m) => {
          answers.push(store.admitMessage(owner, null, m.toString('latin1'), 30, true));
          if (answers.length === bursts * perBurst) resolve();
        });
      });
      const before = await scriptCalls(admin);
      for (let b = 0; b < bursts; b++) {
        for (let i = 0; i < perBurst; i++) tx.send(`m${b}.${i}.${uid()}`, port, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 10));
      }
      await within(all, 5_000, 'datagrams');
      const got = await Promise.all(answers);
      expect(got.every((a) => a.rulesMatched && a.claim?.claimed)).toBe(true);
      // One script call per burst when each burst is read in one poll phase; allow a few splits.
      expect(await scriptCalls(admin) - before).toBeLessThanOrEqual(bursts * 2);
    } finally {
      rx.close();
      tx.close();
    }
  });

  test('an error of one call (a key of the wrong type) rejects that caller only', async () => {
    // (A record is a plain SET XX, which replaces a value of any type, as before batching.)
    const owner = `o${uid()}@api.example.test`;
    await admin.hset(`sb:v1:r:${owner}`, 'not', 'a string');
    const wrongMessage = 'm' + uid();
    await admin.hset(`sb:v1:m:${wrongMessage}`, 'not', 'a string');
    const ok = `o${uid()}@api.example.test`;
    const before = await scriptCalls(admin);
    const got = await Promise.allSettled([
      store.admitMessage(ok, null, 'm' + uid(), 30, true),
      store.admitMessage(owner, null, 'm' + uid(), 30, true),
      store.admitMessage(ok, null, wrongMessage, 30, true),
      store.recordOutcome(wrongMessage, 'x', 30),
      store.admitMessage(ok, null, 'm' + uid(), 30, true),
    ]);
    expect(await scriptCalls(admin)).toBe(before + 1);
    expect(got.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    for (const i of [1, 2]) {
      expect((got[i] as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreError', code: 'store-unavailable', message: expect.stringMatching(/^Redis admitMessage failed: WRONGTYPE/) });
    }
    expect(await admin.get(`sb:v1:m:${wrongMessage}`)).toBe('x');
    expect((got[4] as PromiseFulfilledResult<Admission>).value).toEqual({ rulesMatched: true, claim: { claimed: true } });
  });

  test(`a burst above ${MAX_BATCH_ITEMS} calls is split; every caller still gets its own answer`, async () => {
    const owner = `o${uid()}@api.example.test`;
    const n = MAX_BATCH_ITEMS * 2 + 88;
    const ids = Array.from({ length: n }, (_, i) => `m${i}.${uid()}`);
    const before = await scriptCalls(admin);
    // Every id twice, the copy right after the original: exactly the first of each pair claims.
    const got = await Promise.all(ids.flatMap((id) => [store.admitMessage(owner, null, id, 30, true), store.admitMessage(owner, null, id, 30, true)]));
    expect(await scriptCalls(admin)).toBe(before + Math.ceil((2 * n) / MAX_BATCH_ITEMS));
    got.forEach((a, i) => expect(a).toEqual({ rulesMatched: true, claim: { claimed: i % 2 === 0 } }));
  });

  test(`a burst above ${MAX_BATCH_CHARS} characters is split too (long rules)`, async () => {
    const owner = `o${uid()}@api.example.test`;
    // Rules long enough that only two admissions fit one batch.
    const long: Rules = { ...DEFAULT_RULES, inbox: { blockedSenders: Array.from({ length: 1 }, () => 'b'.repeat(Math.floor(MAX_BATCH_CHARS * 0.4)) + '@x.test'), refuseAnonymous: false } };
    await store.putRules(owner, long);
    const raw = (await admin.get(`sb:v1:r:${owner}`))!;
    const before = await scriptCalls(admin);
    const got = await Promise.all(Array.from({ length: 5 }, () => store.admitMessage(owner, raw, 'm' + uid(), 30, false)));
    expect(await scriptCalls(admin)).toBe(before + 3);
    expect(got).toEqual(Array.from({ length: 5 }, () => ({ rulesMatched: true })));
  });

  test('after SCRIPT FLUSH (NOSCRIPT), the batch is sent again with the script and answers', async () => {
    const owner = `o${uid()}@api.example.test`;
    await store.admitMessage(owner, null, 'm' + uid(), 30, true);
    await admin.script('FLUSH');
    const id = 'm' + uid();
    const got = await Promise.all([store.admitMessage(owner, null, id, 30, true), store.recordOutcome(id, 'o', 30), store.admitMessage(owner, null, id, 30, true)]);
    expect(got).toEqual([{ rulesMatched: true, claim: { claimed: true } }, undefined, { rulesMatched: true, claim: { claimed: false, outcome: 'o' } }]);
  });
});

describe('Redis store batches while Redis is away', () => {
  let own: RedisHandle | undefined;
  afterEach(async () => { await own?.stop(); own = undefined; });

  test('Redis stopped: every caller of the batch is rejected with store-unavailable, none left hanging', async () => {
    own = await startRedis();
    const store = await RedisStore.connect(own.url);
    try {
      expect(await store.admitMessage('a@b.test', null, 'm' + uid(), 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
      await own.stop();
      const calls = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? store.recordOutcome(`m${i}`, 'o', 30) : store.admitMessage('a@b.test', null, `m${i}`, 30, true)));
      const got = await within(Promise.allSettled(calls), 5_000, 'batch while Redis is stopped');
      for (const s of got) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreError', code: 'store-unavailable' });
      }
    } finally {
      await store.close();
    }
  });

  test('Redis killed with a batch in flight: every caller is rejected, none left hanging', async () => {
    own = await startRedis();
    const store = await RedisStore.connect(own.url);
    try {
      expect(await store.admitMessage('a@b.test', null, 'm' + uid(), 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
      // Frozen, Redis takes the batch and never answers; then it dies with the batch unanswered.
      process.kill(own.pid, 'SIGSTOP');
      const calls = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? store.recordOutcome(`m${i}`, 'o', 30) : store.admitMessage('a@b.test', null, `m${i}`, 30, true)));
      await new Promise((r) => setTimeout(r, 100));
      process.kill(own.pid, 'SIGKILL');
      const got = await within(Promise.allSettled(calls), 10_000, 'batch in flight when Redis died');
      for (const s of got) {
        expect(s.status).toBe('rejected');
        expect((s as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreError', code: 'store-unavailable' });
      }
    } finally {
      await store.close();
    }
  });
});
