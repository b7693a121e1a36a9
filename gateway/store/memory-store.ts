/**
 * The embedded store: the same semantics as the Redis store (the contract suite proves it), in
 * process memory. Expiry is checked on read and purged by one unref'd timer; the Bus is
 * in-process. Records are copied in and out so callers can never alias stored state.
 */
import type { AdapterState, Bus } from '../../canonical/adapter';
import type { Rules } from '../../canonical/rules';
import {
  type AccountRecord, type DocumentRecord, type PublicationRecord, type SubscriptionRecord, readRules,
} from './records';
import { type Admission, EXPIRY_GRACE_MS, MAX_LIST, type MessageClaim, type Store, type StoreOptions } from './store';

interface Timed<T> { v: T; exp?: number }

/** Purge cadence for expired entries (reads also check expiry, so this only bounds memory). */
const PURGE_INTERVAL_MS = 5_000;
const MAX_STATE_KEYS = 10_000;

const live = <T>(e: Timed<T> | undefined, now: number): e is Timed<T> => !!e && (e.exp === undefined || e.exp > now);

function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** An in-process Bus: handlers run asynchronously, as they would with Redis pub/sub. */
export class MemoryBus implements Bus {
  private readonly handlers = new Map<string, Set<(m: string) => void>>();

  async publish(channel: string, message: string): Promise<void> {
    const hs = this.handlers.get(channel);
    if (!hs) return;
    for (const h of [...hs]) setImmediate(() => { try { h(message); } catch { /* a handler's failure is its own */ } });
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    let hs = this.handlers.get(channel);
    if (!hs) this.handlers.set(channel, (hs = new Set()));
    hs.add(handler);
    return async () => {
      hs.delete(handler);
      if (hs.size === 0 && this.handlers.get(channel) === hs) this.handlers.delete(channel);
    };
  }
}

class MemoryState implements AdapterState {
  constructor(private readonly map: Map<string, Timed<string>>) {}
  async get(key: string): Promise<string | undefined> {
    const e = this.map.get(key);
    return live(e, Date.now()) ? e.v : undefined;
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.map.set(key, { v: value, ...(ttlSeconds && ttlSeconds > 0 ? { exp: Date.now() + ttlSeconds * 1000 } : {}) });
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (live(this.map.get(key), Date.now())) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }
  async del(key: string): Promise<void> {
    this.map.delete(key);
  }
  async compareAndSet(key: string, expected: string, value: string, ttlSeconds: number): Promise<boolean> {
    const e = this.map.get(key);
    if (!live(e, Date.now()) || e.v !== expected) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }
  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    const e = this.map.get(key);
    if (!live(e, Date.now()) || e.v !== expected) return false;
    this.map.delete(key);
    return true;
  }
  async keys(prefix: string): Promise<string[]> {
    const now = Date.now();
    const out: string[] = [];
    for (const [k, e] of this.map) {
      if (out.length >= MAX_STATE_KEYS) break;
      if (k.startsWith(prefix) && live(e, now)) out.push(k);
    }
    return out.sort();
  }
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly bus = new MemoryBus();
  private readonly grace: number;
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly tokens = new Map<string, string>();
  private readonly pubs = new Map<string, Map<string, PublicationRecord>>();
  private readonly docs = new Map<string, DocumentRecord>();
  private readonly subs = new Map<string, SubscriptionRecord>();
  private readonly byPresentity = new Map<string, Set<string>>();
  private readonly byWatcher = new Map<string, Set<string>>();
  private readonly rules = new Map<string, string>();
  private readonly messages = new Map<string, Timed<string>>();
  private readonly claims = new Map<string, Timed<true>>();
  private readonly states = new Map<string, Map<string, Timed<string>>>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(opts: StoreOptions = {}) {
    this.grace = opts.expiryGraceMs ?? EXPIRY_GRACE_MS;
    this.timer = setInterval(() => this.purge(), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('memory store is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
  }

  async putAccount(rec: AccountRecord): Promise<void> {
    const old = this.accounts.get(rec.address);
    if (old && old.tokenHash !== rec.tokenHash) this.tokens.delete(old.tokenHash);
    this.accounts.set(rec.address, { ...rec });
    this.tokens.set(rec.tokenHash, rec.address);
  }

  async getAccount(address: string): Promise<AccountRecord | undefined> {
    const a = this.accounts.get(address);
    return a && { ...a };
  }

  async findAccountByTokenHash(tokenHash: string): Promise<AccountRecord | undefined> {
    const addr = this.tokens.get(tokenHash);
    const a = addr === undefined ? undefined : this.accounts.get(addr);
    return a && a.tokenHash === tokenHash ? { ...a } : undefined;
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return [...this.accounts.values()].slice(0, MAX_LIST).map((a) => ({ ...a })).sort((a, b) => a.address.localeCompare(b.address));
  }

  async deleteAccount(address: string): Promise<boolean> {
    const a = this.accounts.get(address);
    if (!a) return false;
    this.accounts.delete(address);
    if (this.tokens.get(a.tokenHash) === address) this.tokens.delete(a.tokenHash);
    return true;
  }

  private visible(p: PublicationRecord | undefined, now: number): p is PublicationRecord {
    return !!p && p.expiresAt + this.grace > now;
  }

  async putPublication(rec: PublicationRecord): Promise<void> {
    let m = this.pubs.get(rec.presentity);
    if (!m) this.pubs.set(rec.presentity, (m = new Map()));
    m.set(rec.etag, { ...rec, bytes: copyBytes(rec.bytes) });
  }

  async getPublication(presentity: string, etag: string): Promise<PublicationRecord | undefined> {
    const p = this.pubs.get(presentity)?.get(etag);
    return this.visible(p, Date.now()) ? { ...p, bytes: copyBytes(p.bytes) } : undefined;
  }

  async listPublications(presentity: string): Promise<PublicationRecord[]> {
    const now = Date.now();
    return [...(this.pubs.get(presentity)?.values() ?? [])]
      .filter((p) => this.visible(p, now))
      .map((p) => ({ ...p, bytes: copyBytes(p.bytes) }));
  }

  async deletePublication(presentity: string, etag: string): Promise<boolean> {
    const m = this.pubs.get(presentity);
    const p = m?.get(etag);
    if (!m || !p) return false;
    m.delete(etag);
    if (m.size === 0) this.pubs.delete(presentity);
    return this.visible(p, Date.now());
  }

  async duePublications(now: number, limit: number): Promise<Array<{ presentity: string; etag: string }>> {
    const due: PublicationRecord[] = [];
    for (const m of this.pubs.values()) for (const p of m.values()) if (p.expiresAt <= now && this.visible(p, now)) due.push(p);
    return due.sort((a, b) => a.expiresAt - b.expiresAt).slice(0, limit).map((p) => ({ presentity: p.presentity, etag: p.etag }));
  }

  async putDocument(presentity: string, doc: DocumentRecord): Promise<void> {
    this.docs.set(presentity, { ...doc, bytes: copyBytes(doc.bytes) });
  }

  async getDocument(presentity: string): Promise<DocumentRecord | undefined> {
    const d = this.docs.get(presentity);
    return d && { ...d, bytes: copyBytes(d.bytes) };
  }

  private index(map: Map<string, Set<string>>, key: string, id: string, add: boolean): void {
    let s = map.get(key);
    if (add) {
      if (!s) map.set(key, (s = new Set()));
      s.add(id);
    } else if (s) {
      s.delete(id);
      if (s.size === 0) map.delete(key);
    }
  }

  private liveSub(id: string, now: number): SubscriptionRecord | undefined {
    const s = this.subs.get(id);
    return s && s.expiresAt + this.grace > now ? s : undefined;
  }

  async putSubscription(rec: SubscriptionRecord): Promise<void> {
    this.subs.set(rec.id, { ...rec });
    this.index(this.byPresentity, rec.presentity, rec.id, true);
    this.index(this.byWatcher, rec.watcher, rec.id, true);
  }

  async getSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const s = this.liveSub(id, Date.now());
    return s && { ...s };
  }

  async deleteSubscription(id: string): Promise<SubscriptionRecord | undefined> {
    const s = this.subs.get(id);
    if (!s) return undefined;
    this.subs.delete(id);
    this.index(this.byPresentity, s.presentity, id, false);
    this.index(this.byWatcher, s.watcher, id, false);
    return s.expiresAt + this.grace > Date.now() ? { ...s } : undefined;
  }

  private listIds(ids: Set<string> | undefined): SubscriptionRecord[] {
    const now = Date.now();
    const out: SubscriptionRecord[] = [];
    for (const id of ids ?? []) {
      if (out.length >= MAX_LIST) break;
      const s = this.liveSub(id, now);
      if (s) out.push({ ...s });
    }
    return out;
  }

  async subscriptionsOf(presentity: string): Promise<SubscriptionRecord[]> {
    return this.listIds(this.byPresentity.get(presentity));
  }

  async subscriptionsBy(watcher: string): Promise<SubscriptionRecord[]> {
    return this.listIds(this.byWatcher.get(watcher));
  }

  async dueSubscriptions(now: number, limit: number): Promise<string[]> {
    const due: SubscriptionRecord[] = [];
    for (const s of this.subs.values()) if (s.expiresAt <= now) due.push(s);
    return due.sort((a, b) => a.expiresAt - b.expiresAt).slice(0, limit).map((s) => s.id);
  }

  async getRules(owner: string): Promise<Rules | undefined> {
    const r = this.rules.get(owner);
    return r === undefined ? undefined : readRules(JSON.parse(r));
  }

  async putRules(owner: string, rules: Rules): Promise<void> {
    this.rules.set(owner, JSON.stringify(rules));
  }

  async claimMessage(messageId: string, ttlSeconds: number): Promise<MessageClaim> {
    const now = Date.now();
    const e = this.messages.get(messageId);
    if (live(e, now)) return e.v === '' ? { claimed: false } : { claimed: false, outcome: e.v };
    this.messages.set(messageId, { v: '', exp: now + ttlSeconds * 1000 });
    return { claimed: true };
  }

  async admitMessage(owner: string, expectedRules: string | null, messageId: string, ttlSeconds: number, claim: boolean): Promise<Admission> {
    const rules = this.rules.get(owner) ?? null;
    if (rules !== expectedRules) return { rulesMatched: false, rules };
    return claim ? { rulesMatched: true, claim: await this.claimMessage(messageId, ttlSeconds) } : { rulesMatched: true };
  }

  async recordOutcome(messageId: string, outcome: string, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    const e = this.messages.get(messageId);
    if (live(e, now)) this.messages.set(messageId, { v: outcome, exp: now + ttlSeconds * 1000 });
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    if (live(this.claims.get(key), now)) return false;
    this.claims.set(key, { v: true, exp: now + ttlSeconds * 1000 });
    return true;
  }

  state(namespace: string): AdapterState {
    let m = this.states.get(namespace);
    if (!m) this.states.set(namespace, (m = new Map()));
    return new MemoryState(m);
  }

  /** Drops what Redis would have expired by TTL. */
  private purge(): void {
    const now = Date.now();
    for (const [id, s] of this.subs) if (s.expiresAt + this.grace <= now) void this.deleteSubscription(id);
    for (const [p, m] of this.pubs) {
      for (const [etag, pub] of m) if (pub.expiresAt + this.grace <= now) m.delete(etag);
      if (m.size === 0) this.pubs.delete(p);
    }
    for (const map of [this.messages, this.claims, ...this.states.values()] as Array<Map<string, Timed<unknown>>>) {
      for (const [k, e] of map) if (!live(e, now)) map.delete(k);
    }
  }
}
