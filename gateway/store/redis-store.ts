/**
 * The Redis store (ioredis): what production and multi-instance deployments use. Every key comes
 * from keys.ts; every expiring record carries a Redis TTL: its expiry plus the sweep grace (see
 * StoreOptions) for publications, dedupe records, claims and state; subscriptions share one hash
 * per presentity whose TTL is its latest record's expiry plus the grace (Redis 7.0 has no
 * per-field TTL), and readers drop records past their own. Writes that touch a record and its
 * indexes go in one MULTI round trip; the message path's admissions and outcome records are
 * coalesced into one script call per event-loop turn (redis-batch.ts). Pub/sub uses a second connection, as
 * Redis requires of a subscribed client.
 */
import { Redis } from 'ioredis';
import type { AdapterState } from '../../canonical/adapter';
import { StoreError } from '../../canonical/errors';
import type { Rules } from '../../canonical/rules';
import { keys, parsePublicationDueMember, publicationDueMember, watcherBucket } from './keys';
import {
  type AccountRecord, type DocumentRecord, type PublicationRecord, type SubscriptionRecord,
  decodeAccount, decodeDocument, decodePublication, decodeRules, decodeSubscription,
  encodeAccount, encodeDocument, encodePublication, encodeRules, encodeSubscription, splitSubscriptionId,
} from './records';
import { MessageBatcher } from './redis-batch';
import { RedisBus } from './redis-bus';
import { defineStateScripts, RedisState } from './redis-state';
import { check, closeConnection, guarded } from './redis-util';
import { type Admission, EXPIRY_GRACE_MS, MAX_LIST, type MessageClaim, type Store, type StoreOptions } from './store';

/** MGET batch size: bounds one reply's size. */
const BATCH = 500;

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly bus: RedisBus;
  private readonly grace: number;
  /** admitMessage and recordOutcome: one script call per event-loop turn (redis-batch.ts). */
  private readonly batcher: MessageBatcher;

  /** Connects; throws StoreError naming the URL when Redis does not answer. */
  static async connect(url: string, opts: StoreOptions = {}): Promise<RedisStore> {
    // No offline queue: while Redis is away, calls fail at once (store-unavailable) instead of piling up.
    // Auto-pipelining: commands issued in one tick leave in one write (one syscall), which at
    // thousands of messages a second is most of what the message path costs the gateway.
    const r = new Redis(url, { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5_000, retryStrategy: (times) => Math.min(times * 100, 1_000) });
    r.on('error', () => { /* ioredis reconnects; ping() reports the state */ });
    try {
      await r.connect();
      await r.ping();
    } catch (err) {
      r.disconnect();
      throw new StoreError(`cannot reach Redis at ${redact(url)} (check store.url): ${(err as Error).message}`, { cause: err });
    }
    return guarded(new RedisStore(r, opts), ['admitMessage', 'recordOutcome']);
  }

  constructor(private readonly r: Redis, opts: StoreOptions = {}) {
    this.grace = opts.expiryGraceMs ?? EXPIRY_GRACE_MS;
    this.bus = new RedisBus(r);
    this.batcher = new MessageBatcher(r);
    defineStateScripts(r);
  }

  async ping(): Promise<void> {
    try {
      await this.r.ping();
    } catch (err) {
      throw new StoreError(`Redis does not answer: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.bus.close();
    await closeConnection(this.r);
  }

  async putAccount(rec: AccountRecord): Promise<void> {
    const old = decodeAccount(rec.address, await this.r.get(keys.account(rec.address)));
    const m = this.r.multi();
    if (old && old.tokenHash !== rec.tokenHash) m.del(keys.token(old.tokenHash));
    m.set(keys.account(rec.address), encodeAccount(rec));
    m.set(keys.token(rec.tokenHash), rec.address);
    m.sadd(keys.accountIndex(), rec.address);
    check(await m.exec(), 'putAccount');
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    return decodeAccount(address, await this.r.get(keys.account(address)));
  }

  async findAccountByTokenHash(tokenHash: string): Promise<AccountRecord | undefined> {
    const address = await this.r.get(keys.token(tokenHash));
    if (address === null) return undefined;
    const a = await this.getAccount(address);
    return a && a.tokenHash === tokenHash ? a : undefined;
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const addrs = (await this.r.smembers(keys.accountIndex())).slice(0, MAX_LIST).sort();
    const out: AccountRecord[] = [];
    for (let i = 0; i < addrs.length; i += BATCH) {
      const part = addrs.slice(i, i + BATCH);
      const vals = await this.r.mget(...part.map(keys.account));
      part.forEach((a, j) => { const rec = decodeAccount(a, vals[j]); if (rec) out.push(rec); });
    }
    return out;
  }

  async deleteAccount(address: string): Promise<boolean> {
    const old = decodeAccount(address, await this.r.get(keys.account(address)));
    const m = this.r.multi();
    m.del(keys.account(address));
    m.srem(keys.accountIndex(), address);
    if (old) m.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, keys.token(old.tokenHash), address);
    const [n] = check(await m.exec(), 'deleteAccount');
    return n === 1;
  }

  /** PEXPIREAT that only ever extends an index key's life (NX for a fresh key, then GT). */
  private extend(m: ReturnType<Redis['multi']>, key: string, at: number): void {
    m.pexpireat(key, at, 'NX');
    m.pexpireat(key, at, 'GT');
  }

  async putPublication(rec: PublicationRecord): Promise<void> {
    const until = rec.expiresAt + this.grace;
    const m = this.r.multi();
    m.set(keys.publication(rec.presentity, rec.etag), encodePublication(rec), 'PXAT', until);
    m.sadd(keys.publicationIndex(rec.presentity), rec.etag);
    this.extend(m, keys.publicationIndex(rec.presentity), until);
    m.zadd(keys.publicationDue(), rec.expiresAt, publicationDueMember(rec.presentity, rec.etag));
    check(await m.exec(), 'putPublication');
  }

  async getPublication(presentity: string, etag: string): Promise<PublicationRecord | undefined> {
    return decodePublication(presentity, etag, await this.r.getBuffer(keys.publication(presentity, etag)));
  }

  async listPublications(presentity: string): Promise<PublicationRecord[]> {
    const etags = (await this.r.smembers(keys.publicationIndex(presentity))).slice(0, MAX_LIST);
    const out: PublicationRecord[] = [];
    const gone: string[] = [];
    for (let i = 0; i < etags.length; i += BATCH) {
      const part = etags.slice(i, i + BATCH);
      const vals = await this.r.mgetBuffer(...part.map((e) => keys.publication(presentity, e)));
      part.forEach((e, j) => { const p = decodePublication(presentity, e, vals[j]); if (p) out.push(p); else gone.push(e); });
    }
    if (gone.length > 0) await this.r.srem(keys.publicationIndex(presentity), ...gone);
    return out;
  }

  async deletePublication(presentity: string, etag: string): Promise<boolean> {
    const m = this.r.multi();
    m.del(keys.publication(presentity, etag));
    m.srem(keys.publicationIndex(presentity), etag);
    m.zrem(keys.publicationDue(), publicationDueMember(presentity, etag));
    const [n] = check(await m.exec(), 'deletePublication');
    return n === 1;
  }

  async duePublications(now: number, limit: number): Promise<Array<{ presentity: string; etag: string }>> {
    const members = await this.r.zrangebyscore(keys.publicationDue(), '-inf', now, 'LIMIT', 0, limit);
    const out: Array<{ presentity: string; etag: string }> = [];
    const stale: string[] = [];
    if (members.length === 0) return out;
    const parsed = members.map(parsePublicationDueMember);
    const p = this.r.pipeline();
    for (const x of parsed) if (x) p.exists(keys.publication(x.presentity, x.etag));
    const exists = check(await p.exec(), 'duePublications');
    let k = 0;
    members.forEach((mem, i) => {
      const x = parsed[i];
      if (!x) { stale.push(mem); return; }
      if (exists[k++] === 1) out.push(x); else stale.push(mem);
    });
    if (stale.length > 0) await this.r.zrem(keys.publicationDue(), ...stale);
    return out;
  }

  async putDocument(presentity: string, doc: DocumentRecord): Promise<void> {
    await this.r.set(keys.document(presentity), encodeDocument(doc));
  }

  async getDocument(presentity: string): Promise<DocumentRecord | undefined> {
    return decodeDocument(await this.r.getBuffer(keys.document(presentity)));
  }

  /*
   * Subscriptions, compact (<= 250 bytes of Redis each is the target): one hash per presentity
   * (random id part -> record), the watcher index in bucket hashes, and one sorted set of
   * presentities by their earliest expiry. Records in a hash have no TTL of their own: the hash
   * key lives until its latest record's expiry plus the grace, and readers drop records past
   * theirs (and prune them).
   */

  async putSubscription(rec: SubscriptionRecord): Promise<void> {
    const parts = splitSubscriptionId(rec.id);
    if (!parts || parts.presentity !== rec.presentity) throw new StoreError(`subscription id ${JSON.stringify(rec.id.slice(0, 80))} was not made by newSubscriptionId for ${rec.presentity}`);
    const until = rec.expiresAt + this.grace;
    const bucket = keys.watcherBucket(watcherBucket(rec.watcher));
    const m = this.r.multi();
    m.hset(keys.subscriptionsOf(rec.presentity), parts.local, encodeSubscription(rec));
    this.extend(m, keys.subscriptionsOf(rec.presentity), until);
    m.hset(bucket, rec.id, rec.watcher);
    this.extend(m, bucket, until);
    // LT: the score is the earliest expiry; a refresh never postpones it (the sweep recomputes).
    m.zadd(keys.subscriptionDue(), 'LT', rec.expiresAt, rec.presentity);
    check(await m.exec(), 'putSubscription');
  }

  private visibleSub(s: SubscriptionRecord | undefined, now: number): s is SubscriptionRecord {
    return !!s && s.expiresAt + this.grace > now;
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const parts = splitSubscriptionId(id);
    if (!parts) return undefined;
    const s = decodeSubscription(id, parts.presentity, await this.r.hget(keys.subscriptionsOf(parts.presentity), parts.local));
    return this.visibleSub(s, Date.now()) ? s : undefined;
  }

  async deleteSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const parts = splitSubscriptionId(id);
    if (!parts) return undefined;
    const raw = await this.r.hget(keys.subscriptionsOf(parts.presentity), parts.local);
    const rec = decodeSubscription(id, parts.presentity, raw);
    const m = this.r.multi();
    m.hdel(keys.subscriptionsOf(parts.presentity), parts.local);
    if (rec) m.hdel(keys.watcherBucket(watcherBucket(rec.watcher)), id);
    const [n] = check(await m.exec(), 'deleteSubscription');
    return n === 1 && this.visibleSub(rec, Date.now()) ? rec : undefined;
  }

  /** Every record of a presentity, past-grace ones pruned. */
  private async allOf(presentity: string): Promise<SubscriptionRecord[]> {
    const h = await this.r.hgetall(keys.subscriptionsOf(presentity));
    const now = Date.now();
    const out: SubscriptionRecord[] = [];
    const gone: string[] = [];
    for (const [local, v] of Object.entries(h)) {
      const s = decodeSubscription(`${local}.${Buffer.from(presentity, 'utf8').toString('base64url')}`, presentity, v);
      if (this.visibleSub(s, now)) out.push(s); else gone.push(local);
      if (out.length >= MAX_LIST) break;
    }
    if (gone.length > 0) await this.r.hdel(keys.subscriptionsOf(presentity), ...gone);
    return out;
  }

  subscriptionsOf(presentity: string): Promise<SubscriptionRecord[]> {
    return this.allOf(presentity);
  }

  async subscriptionsBy(watcher: string): Promise<SubscriptionRecord[]> {
    const bucket = keys.watcherBucket(watcherBucket(watcher));
    const ids = Object.entries(await this.r.hgetall(bucket)).filter(([, w]) => w === watcher).map(([id]) => id).slice(0, MAX_LIST);
    if (ids.length === 0) return [];
    const p = this.r.pipeline();
    const located = ids.map((id) => ({ id, parts: splitSubscriptionId(id) }));
    for (const { parts } of located) p.hget(keys.subscriptionsOf(parts?.presentity ?? ''), parts?.local ?? '');
    const vals = check(await p.exec(), 'subscriptionsBy');
    const now = Date.now();
    const out: SubscriptionRecord[] = [];
    const gone: string[] = [];
    located.forEach(({ id, parts }, i) => {
      const s = parts ? decodeSubscription(id, parts.presentity, vals[i] as string | null) : undefined;
      if (this.visibleSub(s, now)) out.push(s); else gone.push(id);
    });
    if (gone.length > 0) await this.r.hdel(bucket, ...gone);
    return out;
  }

  async dueSubscriptions(now: number, limit: number): Promise<string[]> {
    const presentities = await this.r.zrangebyscore(keys.subscriptionDue(), '-inf', now, 'LIMIT', 0, limit);
    const due: SubscriptionRecord[] = [];
    for (const p of presentities) {
      const h = await this.r.hgetall(keys.subscriptionsOf(p));
      const b64 = Buffer.from(p, 'utf8').toString('base64url');
      let earliest = Infinity;
      for (const [local, v] of Object.entries(h)) {
        const s = decodeSubscription(`${local}.${b64}`, p, v);
        if (!s) continue;
        if (s.expiresAt <= now) due.push(s);
        earliest = Math.min(earliest, s.expiresAt);
      }
      // Recompute the presentity's score: the earliest expiry left (due ones stay until removed).
      if (earliest === Infinity) await this.r.zrem(keys.subscriptionDue(), p);
      else await this.r.zadd(keys.subscriptionDue(), earliest, p);
      if (due.length >= limit) break;
    }
    return due.sort((a, b) => a.expiresAt - b.expiresAt).slice(0, limit).map((s) => s.id);
  }

  async getRules(owner: string): Promise<Rules | undefined> {
    return decodeRules(await this.r.get(keys.rules(owner)));
  }

  async putRules(owner: string, rules: Rules): Promise<void> {
    await this.r.set(keys.rules(owner), encodeRules(rules));
  }

  async claimMessage(messageId: string, ttlSeconds: number): Promise<MessageClaim> {
    // One round trip: SET NX GET (Redis >= 7.0) sets when absent and returns the old value.
    const old = (await this.r.call('SET', keys.message(messageId), '', 'NX', 'GET', 'EX', Math.max(1, Math.ceil(ttlSeconds)))) as string | null;
    if (old === null) return { claimed: true };
    return old === '' ? { claimed: false } : { claimed: false, outcome: old };
  }

  /*
   * The message path's two calls are coalesced per event-loop turn (redis-batch.ts): one script
   * call for a whole burst instead of a command each. Both reject only with StoreError already,
   * so guarded() passes them through without wrapping (SELF_GUARDED).
   */
  admitMessage(owner: string, expectedRules: string | null, messageId: string, ttlSeconds: number, claim: boolean): Promise<Admission> {
    return this.batcher.admit(keys.rules(owner), keys.message(messageId), expectedRules, ttlArg(ttlSeconds), claim);
  }

  recordOutcome(messageId: string, outcome: string, ttlSeconds: number): Promise<void> {
    return this.batcher.record(keys.message(messageId), outcome, ttlArg(ttlSeconds));
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.r.set(keys.claim(key), '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK';
  }

  state(namespace: string): AdapterState {
    return guarded(new RedisState(this.r, namespace));
  }
}

/** A TTL in whole seconds, at least 1, as Redis reads it. */
function ttlArg(ttlSeconds: number): string {
  return String(Math.max(1, Math.ceil(ttlSeconds)));
}

/** A URL without its password, for error messages and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable store.url)';
  }
}
