/**
 * One contract, two stores: the memory store and the Redis store (a real redis-server started by
 * test/support/redis.ts) must behave the same, expiry included.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_RULES, type Rules } from '../../canonical/rules';
import { MemoryStore } from '../../gateway/store/memory-store';
import { RedisStore } from '../../gateway/store/redis-store';
import { newSubscriptionId } from '../../gateway/store/records';
import type { Store, SubscriptionRecord } from '../../gateway/store/store';
import { startRedis } from '../support/redis';

const GRACE_MS = 300;
const uid = (): string => randomBytes(6).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Bytes a string round trip would damage: CRLF, NUL, a lone 0xff, non-ASCII UTF-8. */
const AWKWARD = new Uint8Array([0x3c, 0x70, 0x3e, 0x0d, 0x0a, 0x00, 0xff, 0xc3, 0xa9, 0x0a, 0x3c, 0x2f, 0x70, 0x3e]);

function sub(over: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  const presentity = over.presentity ?? `p${uid()}@api.example.test`;
  return {
    id: newSubscriptionId(presentity), watcher: `w${uid()}@api.example.test`, presentity,
    watcherProtocol: 'json', state: 'active', expiresAt: Date.now() + 60_000, polite: false, ...over,
  };
}

function contract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => { store = await open(); });
    afterAll(async () => { await store.close(); });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    test('accounts: token index follows the current token only', async () => {
      const address = `a${uid()}@api.example.test`;
      await store.putAccount({ address, tokenHash: 'h1' + address, admin: false, createdAt: 5 });
      expect(await store.getAccount(address)).toEqual({ address, tokenHash: 'h1' + address, admin: false, createdAt: 5 });
      expect((await store.findAccountByTokenHash('h1' + address))?.address).toBe(address);
      await store.putAccount({ address, tokenHash: 'h2' + address, admin: true, createdAt: 5 });
      expect(await store.findAccountByTokenHash('h1' + address)).toBeUndefined();
      expect((await store.findAccountByTokenHash('h2' + address))?.admin).toBe(true);
      expect((await store.listAccounts()).map((a) => a.address)).toContain(address);
      expect(await store.deleteAccount(address)).toBe(true);
      expect(await store.deleteAccount(address)).toBe(false);
      expect(await store.getAccount(address)).toBeUndefined();
      expect(await store.findAccountByTokenHash('h2' + address)).toBeUndefined();
      expect((await store.listAccounts()).map((a) => a.address)).not.toContain(address);
    });

    test('publications keep exact bytes, list, delete', async () => {
      const presentity = `p${uid()}@example.test`;
      const rec = { presentity, etag: 'e' + uid(), type: 'application/pidf+xml; charset=utf-8', bytes: AWKWARD, expiresAt: Date.now() + 60_000, sourceKey: 'json:s1' };
      await store.putPublication(rec);
      await store.putPublication({ ...rec, etag: 'f' + uid(), sourceKey: 'sip:x', publisher: 'bob@example.test' });
      const got = await store.getPublication(presentity, rec.etag);
      expect(got).toEqual(rec);
      expect(Buffer.from(got!.bytes).equals(Buffer.from(AWKWARD))).toBe(true);
      const list = await store.listPublications(presentity);
      expect(list.map((p) => p.sourceKey).sort()).toEqual(['json:s1', 'sip:x']);
      expect(list.find((p) => p.sourceKey === 'sip:x')?.publisher).toBe('bob@example.test');
      expect(await store.deletePublication(presentity, rec.etag)).toBe(true);
      expect(await store.deletePublication(presentity, rec.etag)).toBe(false);
      expect(await store.listPublications(presentity)).toHaveLength(1);
      expect(await store.getPublication(presentity, 'nope')).toBeUndefined();
    });

    test('publications fall due at expiry and vanish after the grace', async () => {
      const presentity = `p${uid()}@example.test`;
      const etag = 'e' + uid();
      await store.putPublication({ presentity, etag, type: 'application/pidf+xml', bytes: AWKWARD, expiresAt: Date.now() + 200 });
      expect((await store.duePublications(Date.now(), 1000)).find((d) => d.etag === etag)).toBeUndefined();
      await sleep(250);
      expect((await store.duePublications(Date.now(), 1000))).toContainEqual({ presentity, etag });
      await sleep(GRACE_MS + 100);
      expect(await store.getPublication(presentity, etag)).toBeUndefined();
      expect(await store.listPublications(presentity)).toEqual([]);
      expect((await store.duePublications(Date.now(), 1000)).find((d) => d.etag === etag)).toBeUndefined();
    });

    test('documents keep exact bytes and do not expire', async () => {
      const presentity = `p${uid()}@example.test`;
      expect(await store.getDocument(presentity)).toBeUndefined();
      await store.putDocument(presentity, { type: 'application/pidf+xml', bytes: AWKWARD, updatedAt: 42 });
      const d = await store.getDocument(presentity);
      expect(d).toEqual({ type: 'application/pidf+xml', bytes: AWKWARD, updatedAt: 42 });
    });

    test('subscriptions: record, both indexes, delete', async () => {
      const s = sub({ watcherResource: 'phone/1', polite: true, watcherProtocol: 'xmpp' });
      await store.putSubscription(s);
      expect(await store.getSubscription(s.id)).toEqual(s);
      expect(await store.subscriptionsOf(s.presentity)).toEqual([s]);
      expect(await store.subscriptionsBy(s.watcher)).toEqual([s]);
      const s2 = sub({ presentity: s.presentity, watcherProtocol: 'sip', state: 'pending' });
      await store.putSubscription(s2);
      expect((await store.subscriptionsOf(s.presentity)).map((x) => x.id).sort()).toEqual([s.id, s2.id].sort());
      expect(await store.deleteSubscription(s.id)).toEqual(s);
      expect(await store.deleteSubscription(s.id)).toBeUndefined();
      expect(await store.subscriptionsOf(s.presentity)).toEqual([s2]);
      expect(await store.subscriptionsBy(s.watcher)).toEqual([]);
      expect(await store.getSubscription(s.id)).toBeUndefined();
    });

    test('subscriptions fall due in expiry order; a refresh moves one out; expired ones vanish after the grace', async () => {
      const now = Date.now();
      const a = sub({ expiresAt: now + 150 });
      const b = sub({ expiresAt: now + 100, presentity: a.presentity });
      const c = sub({ expiresAt: now + 150, presentity: a.presentity });
      for (const x of [a, b, c]) await store.putSubscription(x);
      await store.putSubscription({ ...c, expiresAt: now + 60_000 });
      await sleep(200);
      const due = await store.dueSubscriptions(Date.now(), 10_000);
      const mine = due.filter((id) => [a.id, b.id, c.id].includes(id));
      expect(mine).toEqual([b.id, a.id]);
      expect((await store.dueSubscriptions(Date.now(), 1)).length).toBe(1);
      expect((await store.getSubscription(a.id))?.expiresAt).toBe(a.expiresAt);
      await sleep(GRACE_MS + 100);
      expect(await store.getSubscription(a.id)).toBeUndefined();
      expect((await store.subscriptionsOf(a.presentity)).map((x) => x.id)).toEqual([c.id]);
    });

    test('rules: absent, round trip, tolerant of stored junk keys', async () => {
      const owner = `o${uid()}@api.example.test`;
      expect(await store.getRules(owner)).toBeUndefined();
      const rules: Rules = {
        presence: { default: 'deny', watchers: { 'a@x.test': 'allow', '*@y.test': 'polite-block' }, views: { '*': { basicOnly: true } }, publishers: ['pa@x.test'] },
        inbox: { blockedSenders: ['spam@x.test'], refuseAnonymous: true },
      };
      await store.putRules(owner, rules);
      expect(await store.getRules(owner)).toEqual(rules);
      await store.putRules(owner, DEFAULT_RULES);
      expect(await store.getRules(owner)).toEqual(DEFAULT_RULES);
    });

    test('claimMessage: first wins, later ones see pending, then the first outcome; free again after the TTL', async () => {
      const id = 'm' + uid();
      expect(await store.claimMessage(id, 1)).toEqual({ claimed: true });
      expect(await store.claimMessage(id, 1)).toEqual({ claimed: false });
      await store.recordOutcome(id, '{"status":"delivered"}', 1);
      expect(await store.claimMessage(id, 1)).toEqual({ claimed: false, outcome: '{"status":"delivered"}' });
      await sleep(1_100);
      expect(await store.claimMessage(id, 1)).toEqual({ claimed: true });
    });

    test('claimMessage: a pending claim lapses after its own TTL; the outcome is kept for the outcome TTL', async () => {
      const dead = 'm' + uid();
      expect(await store.claimMessage(dead, 1)).toEqual({ claimed: true });
      await sleep(1_100);
      expect(await store.claimMessage(dead, 1)).toEqual({ claimed: true });
      await store.recordOutcome(dead, 'o', 5);
      await sleep(1_100);
      expect(await store.claimMessage(dead, 1)).toEqual({ claimed: false, outcome: 'o' });
      const gone = 'm' + uid();
      await store.recordOutcome(gone, 'x', 5);
      expect(await store.claimMessage(gone, 1)).toEqual({ claimed: true });
    });

    test('claimMessage: concurrent claims, exactly one winner', async () => {
      const id = 'm' + uid();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claimMessage(id, 30)));
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
    });

    test('admitMessage: claims only under the expected rules; a mismatch returns the rules stored now', async () => {
      const owner = `o${uid()}@api.example.test`;
      const id = 'm' + uid();
      // No rules stored and none expected: the claim is made, as claimMessage would.
      expect(await store.admitMessage(owner, null, id, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
      expect(await store.admitMessage(owner, null, id, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: false } });
      await store.recordOutcome(id, 'out', 30);
      expect(await store.admitMessage(owner, null, id, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: false, outcome: 'out' } });
      // Rules stored: expecting none is a mismatch that claims nothing and hands back their encoding.
      const rules: Rules = { ...DEFAULT_RULES, inbox: { blockedSenders: ['x@y.test'], refuseAnonymous: true } };
      await store.putRules(owner, rules);
      const id2 = 'm' + uid();
      const miss = await store.admitMessage(owner, null, id2, 30, true);
      expect(miss.rulesMatched).toBe(false);
      const raw = miss.rulesMatched ? null : miss.rules;
      expect(typeof raw).toBe('string');
      expect(JSON.parse(raw!)).toEqual(JSON.parse(JSON.stringify(rules)));
      expect(await store.claimMessage(id2, 30)).toEqual({ claimed: true });
      // Expecting what is stored: matched; claim false (a refusal) touches no claim.
      const id3 = 'm' + uid();
      expect(await store.admitMessage(owner, raw, id3, 30, false)).toEqual({ rulesMatched: true });
      expect(await store.admitMessage(owner, raw, id3, 30, true)).toEqual({ rulesMatched: true, claim: { claimed: true } });
      // Stale expectation after a change: mismatch with the new encoding.
      await store.putRules(owner, DEFAULT_RULES);
      const again = await store.admitMessage(owner, raw, 'm' + uid(), 30, true);
      expect(again.rulesMatched).toBe(false);
      expect(again.rulesMatched ? undefined : JSON.parse(again.rules!)).toEqual(JSON.parse(JSON.stringify(DEFAULT_RULES)));
    });

    test('admitMessage: concurrent admissions of one id, exactly one claim', async () => {
      const owner = `o${uid()}@api.example.test`;
      const id = 'm' + uid();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.admitMessage(owner, null, id, 30, true)));
      expect(results.filter((r) => r.rulesMatched && r.claim?.claimed)).toHaveLength(1);
    });

    test('claim: one caller per key until the TTL', async () => {
      const key = 'k' + uid();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.claim(key, 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      await sleep(1_100);
      expect(await store.claim(key, 1)).toBe(true);
    });

    test('adapter state: namespaces, TTL, setIfAbsent, prefix listing', async () => {
      const ns = 'n' + uid();
      const st = store.state(ns);
      const other = store.state(ns + 'x');
      await st.set('dlg:1', 'one');
      await st.set('dlg:2', 'two', 1);
      await st.set('ot:1', 'x');
      await other.set('dlg:9', 'nine');
      expect(await st.get('dlg:1')).toBe('one');
      expect(await other.get('dlg:1')).toBeUndefined();
      expect(await st.keys('dlg:')).toEqual(['dlg:1', 'dlg:2']);
      expect(await st.setIfAbsent('dlg:1', 'again', 5)).toBe(false);
      expect(await st.setIfAbsent('lease', 'me', 1)).toBe(true);
      expect(await st.get('lease')).toBe('me');
      await st.del('dlg:1');
      expect(await st.get('dlg:1')).toBeUndefined();
      await sleep(1_100);
      expect(await st.get('dlg:2')).toBeUndefined();
      expect(await st.keys('dlg:')).toEqual([]);
      expect(await st.setIfAbsent('lease', 'you', 1)).toBe(true);
      expect(await st.keys('')).toEqual(['lease', 'ot:1']);
    });

    test('adapter state: compareAndSet and compareAndDelete act only for the current value', async () => {
      const st = store.state('n' + uid());
      expect(await st.compareAndSet!('lease', 'me', 'me', 5)).toBe(false); // absent
      expect(await st.setIfAbsent('lease', 'me', 1)).toBe(true);
      expect(await st.compareAndSet!('lease', 'you', 'you', 5)).toBe(false);
      expect(await st.get('lease')).toBe('me');
      expect(await st.compareAndSet!('lease', 'me', 'me', 5)).toBe(true); // renewed past the first TTL
      expect(await st.compareAndDelete!('lease', 'you')).toBe(false);
      await sleep(1_100);
      expect(await st.get('lease')).toBe('me');
      expect(await st.keys('')).toEqual(['lease']);
      const racers = await Promise.all(['a', 'b', 'c'].map((v) => st.compareAndSet!('lease', 'me', v, 5)));
      expect(racers.filter(Boolean)).toHaveLength(1);
      const winner = await st.get('lease');
      expect(await st.compareAndDelete!('lease', 'me')).toBe(false);
      expect(await st.compareAndDelete!('lease', winner!)).toBe(true);
      expect(await st.get('lease')).toBeUndefined();
      expect(await st.keys('')).toEqual([]);
    });

    test('bus: delivers to subscribers until they unsubscribe', async () => {
      const ch = 'c' + uid();
      const got: string[] = [];
      const off = await store.bus.subscribe(ch, (m) => got.push(m));
      await store.bus.publish(ch, 'hello');
      await store.bus.publish(ch + 'other', 'not me');
      for (let i = 0; i < 50 && got.length < 1; i++) await sleep(20);
      expect(got).toEqual(['hello']);
      await off();
      await store.bus.publish(ch, 'after');
      await sleep(100);
      expect(got).toEqual(['hello']);
    });
  });
}

contract('memory', async () => new MemoryStore({ expiryGraceMs: GRACE_MS }));

describe('redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis?.stop(); });
  contract('redis', async () => RedisStore.connect(redis.url, { expiryGraceMs: GRACE_MS }));

  test('a second connection on the same Redis sees the same state and bus (several instances)', async () => {
    const a = await RedisStore.connect(redis.url, { expiryGraceMs: GRACE_MS });
    const b = await RedisStore.connect(redis.url, { expiryGraceMs: GRACE_MS });
    try {
      const s = sub();
      await a.putSubscription(s);
      expect(await b.getSubscription(s.id)).toEqual(s);
      const got: string[] = [];
      await b.bus.subscribe('x', (m) => got.push(m));
      await a.bus.publish('x', 'across');
      for (let i = 0; i < 50 && got.length < 1; i++) await sleep(20);
      expect(got).toEqual(['across']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('keys carry the version prefix and TTLs equal expiry plus grace', async () => {
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    const store = await RedisStore.connect(redis.url, { expiryGraceMs: GRACE_MS });
    try {
      const s = sub({ expiresAt: Date.now() + 10_000 });
      await store.putSubscription(s);
      const ttl = await r.pttl(`sb:v1:sp:${s.presentity}`);
      expect(ttl).toBeGreaterThan(10_000 + GRACE_MS - 1_000);
      expect(ttl).toBeLessThanOrEqual(10_000 + GRACE_MS);
      expect(await r.zscore('sb:v1:sx', s.presentity)).toBe(String(s.expiresAt));
      // A later subscription to the same presentity extends the hash's life, never shortens it.
      await store.putSubscription(sub({ presentity: s.presentity, expiresAt: Date.now() + 20_000 }));
      expect(await r.pttl(`sb:v1:sp:${s.presentity}`)).toBeGreaterThan(20_000 + GRACE_MS - 1_000);
      expect(await r.zscore('sb:v1:sx', s.presentity)).toBe(String(s.expiresAt));
    } finally {
      r.disconnect();
      await store.close();
    }
  });

  test('when Redis goes away, calls fail with store-unavailable and ping says so', async () => {
    const own = await startRedis();
    const store = await RedisStore.connect(own.url);
    try {
      await store.putRules('x@y.test', DEFAULT_RULES);
      await own.stop();
      await expect(store.ping()).rejects.toMatchObject({ code: 'store-unavailable' });
      await expect(store.getRules('x@y.test')).rejects.toMatchObject({ code: 'store-unavailable', name: 'StoreError' });
      await expect(store.state('n').get('k')).rejects.toMatchObject({ code: 'store-unavailable' });
    } finally {
      await store.close();
      await own.stop();
    }
  });

  test('connect names the URL when Redis is not there', async () => {
    await expect(RedisStore.connect('redis://127.0.0.1:1/0')).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0 \(check store\.url\)/);
  });
});
