/**
 * createGateway end to end with in-test adapters registered through `factories`, on the memory
 * store and on a real redis-server: routing verdicts, rules, dedupe, presence fan-out with views
 * and polite blocking, fetch while out of contact, expiry, upstream subscriptions, two instances
 * sharing one Redis, and restart survival.
 */
import pino from 'pino';
import type { Adapter, AdapterContext, AdapterFactory } from '../../canonical/adapter';
import { addressKey, type Address } from '../../canonical/address';
import {
  DELIVERED, type Content, type MessageOp, type NotifyOp, type Outcome, type Protocol, type PublishOp, type SubscribeOp, type SubscribeResult,
} from '../../canonical/operations';
import { parsePidf } from '../../canonical/pidf';
import { DEFAULT_RULES } from '../../canonical/rules';
import type { GatewayConfig } from '../../gateway/config/types';
import { createGateway, type Gateway } from '../../gateway/service';
import { startRedis } from '../support/redis';

const GW = 'gw1.example.test';
const A = (s: string): Address => { const at = s.lastIndexOf('@'); return { local: s.slice(0, at), domain: s.slice(at + 1) }; };
const alice = A('alice@api.example.test');
const bob = A('bob@api.example.test');
const carol = A('carol@api.example.test');
const eve = A('eve@api.example.test');
const mallory = A('mallory@api.example.test');
const sipUser = A('sue@sip.example.test');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const enc = (s: string) => new TextEncoder().encode(s);
const pidf = (entity: string, basic: string, note: string): Content => ({
  type: 'application/pidf+xml',
  bytes: enc(`<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:${entity}">\r\n  <tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple>\r\n</presence>\r\n`),
});
const basicOf = (c: Content | undefined) => (c ? parsePidf(c.bytes).tuples.map((t) => t.status.basic) : undefined);
const notesOf = (c: Content | undefined) => (c ? parsePidf(c.bytes).tuples.flatMap((t) => t.notes.map((n) => n.text)) : undefined);

/**
 * The test side of one protocol. JSON-like: it "holds sockets" for some users on this instance;
 * what it must deliver to a user held elsewhere goes over the Bus, as the real JSON adapter does.
 */
class TestSide {
  readonly messages: MessageOp[] = [];
  readonly notifies: NotifyOp[] = [];
  readonly upstream: SubscribeOp[] = [];
  readonly held = new Set<string>();
  ctx!: AdapterContext;
  answer: (op: MessageOp) => Promise<Outcome> = async () => DELIVERED;
  subscribeAnswer: (op: SubscribeOp) => Promise<SubscribeResult> = async (op) => ({ outcome: DELIVERED, subscriptionId: `up-${op.presentity.local}`, expires: op.duration });
  private off: Array<() => Promise<void>> = [];

  constructor(readonly protocol: Protocol) {}

  factory(): AdapterFactory<GatewayConfig> {
    return (_config, ctx) => {
      this.ctx = ctx;
      const side = this;
      const adapter: Adapter = {
        protocol: side.protocol,
        async start() {
          side.off.push(await ctx.bus.subscribe(`test:${side.protocol}:msg`, (m) => side.onBus(m, 'msg')));
          side.off.push(await ctx.bus.subscribe(`test:${side.protocol}:notify`, (m) => side.onBus(m, 'notify')));
        },
        async stop() { for (const o of side.off.splice(0)) await o(); },
        async sendMessage(op) {
          if (side.protocol === 'json' && !side.held.has(addressKey(op.to))) {
            await ctx.bus.publish(`test:json:msg`, JSON.stringify({ ...op, content: { type: op.content.type, b64: Buffer.from(op.content.bytes).toString('base64') } }));
            return DELIVERED;
          }
          const out = await side.answer(op);
          if (out.status === 'delivered') side.messages.push(op);
          return out;
        },
        async sendNotify(op) {
          if (side.protocol === 'json' && !side.held.has(addressKey(op.watcher))) {
            await ctx.bus.publish(`test:json:notify`, JSON.stringify({ ...op, presence: op.presence && { type: op.presence.type, b64: Buffer.from(op.presence.bytes).toString('base64') } }));
            return DELIVERED;
          }
          side.notifies.push(op);
          return DELIVERED;
        },
        ...(side.protocol === 'sip' ? { sendSubscribe: async (op: SubscribeOp) => { side.upstream.push(op); return side.subscribeAnswer(op); } } : {}),
      };
      return adapter;
    };
  }

  private onBus(m: string, kind: 'msg' | 'notify'): void {
    const o = JSON.parse(m) as Record<string, unknown> & { to?: Address; watcher?: Address };
    const target = kind === 'msg' ? o.to! : o.watcher!;
    if (!this.held.has(addressKey(target))) return;
    const fix = (c: unknown) => c && { type: (c as { type: string }).type, bytes: new Uint8Array(Buffer.from((c as { b64: string }).b64, 'base64')) };
    if (kind === 'msg') this.messages.push({ ...(o as unknown as MessageOp), content: fix(o.content) as Content });
    else this.notifies.push({ ...(o as unknown as NotifyOp), ...(o.presence ? { presence: fix(o.presence) as Content } : {}) });
  }

  notifiesFor(a: Address): NotifyOp[] {
    return this.notifies.filter((n) => addressKey(n.watcher) === addressKey(a));
  }
}

function config(store: GatewayConfig['store'], over: Partial<GatewayConfig['gateway']> = {}): GatewayConfig {
  return {
    gateway: { id: GW, maxForwards: 70, messageTimeoutMs: 400, dedupeTtlSeconds: 60, ...over },
    store,
    domains: { 'api.example.test': 'json', 'sip.example.test': 'sip' },
    presence: { defaultExpires: 600, minExpires: 1, maxExpires: 3600 },
    log: { level: 'silent' },
    json: { listen: '127.0.0.1:0', accounts: [{ address: 'carol@api.example.test', token: 'carol-secret' }], heartbeatSeconds: 30, maxBodyBytes: 65536 },
    sip: { domain: 'sip.example.test', listen: {} },
  };
}

interface Instance { gw: Gateway; json: TestSide; sip: TestSide }

const log = pino({ level: 'silent' });
const TUNING = { sweep: { intervalMs: 100, maxPerSweep: 100 }, store: { expiryGraceMs: 2_000 } };

async function instance(store: GatewayConfig['store']): Promise<Instance> {
  const json = new TestSide('json');
  const sip = new TestSide('sip');
  const gw = await createGateway({ config: config(store), log, factories: { json: json.factory(), sip: sip.factory() }, tuning: TUNING });
  await gw.start();
  return { gw, json, sip };
}

let seq = 0;
const msg = (from: Address, to: Address, over: Partial<MessageOp> = {}): MessageOp => ({
  kind: 'message', id: `m${++seq}-${Date.now()}`, transactionId: `t${seq}`, from, to,
  content: { type: 'text/plain;charset=utf-8', bytes: enc('héllo\r\n') }, maxForwards: 70, trace: [], source: { protocol: 'json' }, ...over,
});
const sub = (watcher: Address, presentity: Address, duration: number, subscriptionId?: string): SubscribeOp => ({
  kind: 'subscribe', transactionId: `s${++seq}`, watcher, presentity, duration, ...(subscriptionId ? { subscriptionId } : {}),
  maxForwards: 70, trace: [], source: { protocol: 'json' },
});
const pub = (presentity: Address, document: Content | undefined, expires: number, over: Partial<PublishOp> = {}): PublishOp => ({
  kind: 'publish', transactionId: `p${++seq}`, presentity, publisher: presentity, ...(document ? { document } : {}), expires,
  maxForwards: 70, trace: [], source: { protocol: 'json' }, ...over,
});

function suite(name: string, storeConfig: () => GatewayConfig['store']): void {
  describe(`gateway service (${name} store)`, () => {
    let g: Instance;
    beforeEach(async () => { g = await instance(storeConfig()); });
    afterEach(async () => { await g.gw.stop(); });

    test('loop and hop verdicts come before anything is sent', async () => {
      expect(await g.json.ctx.deliver(msg(alice, sipUser, { trace: ['gw0.test', GW] }))).toMatchObject({ status: 'failed', code: 'loop-detected', trace: ['gw0.test', GW] });
      expect(await g.json.ctx.deliver(msg(alice, sipUser, { maxForwards: 0 }))).toMatchObject({ status: 'failed', code: 'too-many-hops' });
      expect(await g.json.ctx.deliver(msg(alice, sipUser, { maxForwards: 3, trace: ['gw0.test'] }))).toEqual(DELIVERED);
      expect(g.sip.messages).toHaveLength(1);
      expect(g.sip.messages[0]).toMatchObject({ maxForwards: 2, trace: ['gw0.test', GW] });
      expect(Buffer.from(g.sip.messages[0]!.content.bytes).toString('utf8')).toBe('héllo\r\n');
    });

    test('the recipient\'s rules refuse a blocked sender', async () => {
      await g.gw.services.putRules(sipUser, { ...DEFAULT_RULES, inbox: { blockedSenders: ['alice@api.example.test'], refuseAnonymous: false } });
      expect(await g.json.ctx.deliver(msg(alice, sipUser))).toMatchObject({ status: 'failed', code: 'sender-blocked' });
      expect(await g.json.ctx.deliver(msg(bob, sipUser))).toEqual(DELIVERED);
      expect(g.sip.messages.map((m) => m.from.local)).toEqual(['bob']);
    });

    test('the same message id twice is delivered once', async () => {
      const op = msg(alice, sipUser);
      expect(await g.json.ctx.deliver(op)).toEqual(DELIVERED);
      expect(await g.json.ctx.deliver({ ...op, transactionId: 'again' })).toEqual(DELIVERED);
      expect(g.sip.messages).toHaveLength(1);
    });

    test('unknown domain fails; no answer in time is indeterminate', async () => {
      expect(await g.json.ctx.deliver(msg(alice, A('x@nowhere.test')))).toMatchObject({ status: 'failed', code: 'unknown-domain' });
      g.sip.answer = () => new Promise(() => {});
      expect(await g.json.ctx.deliver(msg(alice, sipUser))).toMatchObject({ status: 'indeterminate' });
    });

    test('publish notifies every permitted watcher with its view; polite blocking looks granted and delivers nothing; deny is refused', async () => {
      for (const w of [bob, carol, eve, mallory]) g.json.held.add(addressKey(w));
      await g.gw.services.putRules(alice, {
        presence: { default: 'allow', watchers: { 'eve@api.example.test': 'polite-block', 'mallory@api.example.test': 'deny' }, views: { 'carol@api.example.test': { basicOnly: true } }, publishers: [] },
        inbox: DEFAULT_RULES.inbox,
      });
      const rb = await g.json.ctx.subscribe(sub(bob, alice, 600));
      const rc = await g.json.ctx.subscribe(sub(carol, alice, 600));
      const re = await g.json.ctx.subscribe(sub(eve, alice, 600));
      const rm = await g.json.ctx.subscribe(sub(mallory, alice, 600));
      expect(rb).toMatchObject({ outcome: DELIVERED, state: 'active', expires: 600 });
      expect(re).toMatchObject({ outcome: DELIVERED, state: 'active', expires: 600 });
      expect(rm.outcome).toMatchObject({ status: 'failed', code: 'forbidden' });
      expect(rc.subscriptionId).toBeDefined();

      const doc = pidf('alice@api.example.test', 'open', 'at lunch');
      const res = await g.json.ctx.publish(pub(alice, doc, 600, { sourceKey: 'ws-1' }));
      expect(res.outcome).toEqual(DELIVERED);
      expect(res.etag).toMatch(/^[A-Za-z0-9_-]+$/);

      const toBob = g.json.notifiesFor(bob).at(-1)!;
      expect(Buffer.from(toBob.presence!.bytes).equals(Buffer.from(doc.bytes))).toBe(true);
      expect(toBob).toMatchObject({ state: 'active', subscriptionId: rb.subscriptionId });
      const toCarol = g.json.notifiesFor(carol).at(-1)!;
      expect(basicOf(toCarol.presence)).toEqual(['open']);
      expect(notesOf(toCarol.presence)).toEqual([]);
      expect(g.json.notifiesFor(eve)).toEqual([]);
      expect(g.json.notifiesFor(mallory)).toEqual([]);

      // Someone else may not publish for alice unless her rules say so (RFC 2779 2.3.4).
      expect((await g.json.ctx.publish(pub(alice, doc, 600, { publisher: bob }))).outcome).toMatchObject({ status: 'failed', code: 'forbidden' });
      // The presentity sees its watchers (polite ones included), and may cancel one.
      expect((await g.gw.services.listWatchers(alice)).map((s) => s.watcher.local).sort()).toEqual(['bob', 'carol', 'eve']);
      expect(await g.gw.services.removeWatcher(alice, bob)).toBe(true);
      expect(g.json.notifiesFor(bob).at(-1)).toMatchObject({ state: 'terminated', reason: 'rejected' });
      expect(await g.gw.services.listSubscriptions(bob)).toEqual([]);
    });

    test('fetch works while the presentity is out of contact (RFC 2779 3.2.1, 3.2.4)', async () => {
      g.json.held.add(addressKey(bob));
      const doc = pidf('alice@api.example.test', 'open', 'here');
      await g.json.ctx.publish(pub(alice, doc, 600, { sourceKey: 'ws-alice' }));
      const fetched = await g.json.ctx.subscribe(sub(bob, alice, 0));
      expect(fetched.outcome).toEqual(DELIVERED);
      expect(Buffer.from(fetched.presence!.bytes).equals(Buffer.from(doc.bytes))).toBe(true);

      const watch = await g.json.ctx.subscribe(sub(bob, alice, 600));
      await g.gw.services.outOfContact(alice, 'ws-never-published');
      expect(g.json.notifiesFor(bob)).toEqual([]);
      await g.gw.services.outOfContact(alice, 'ws-alice');
      expect(basicOf(g.json.notifiesFor(bob).at(-1)?.presence)).toEqual(['closed']);
      expect(g.json.notifiesFor(bob).at(-1)?.subscriptionId).toBe(watch.subscriptionId);
      const after = await g.json.ctx.subscribe(sub(bob, alice, 0));
      expect(basicOf(after.presence)).toEqual(['closed']);
      expect(parsePidf(after.presence!.bytes).entity).toBe('pres:alice@api.example.test');
      expect(basicOf(await g.gw.services.storedPresence(alice))).toEqual(['closed']);
    });

    test('refresh and end: end sends a terminated notification', async () => {
      g.json.held.add(addressKey(bob));
      const r = await g.json.ctx.subscribe(sub(bob, alice, 60));
      const refreshed = await g.json.ctx.subscribe(sub(bob, alice, 120, r.subscriptionId));
      expect(refreshed).toMatchObject({ outcome: DELIVERED, subscriptionId: r.subscriptionId, expires: 120 });
      expect((await g.json.ctx.subscribe(sub(carol, alice, 60, r.subscriptionId))).outcome).toMatchObject({ code: 'subscription-gone' });
      const ended = await g.json.ctx.subscribe(sub(bob, alice, 0, r.subscriptionId));
      expect(ended).toMatchObject({ outcome: DELIVERED, state: 'terminated' });
      expect(g.json.notifiesFor(bob).at(-1)).toMatchObject({ state: 'terminated', subscriptionId: r.subscriptionId });
      expect(await g.gw.services.listSubscriptions(bob)).toEqual([]);
    });

    test('a subscription that is not refreshed ends with a terminated notification, reason timeout', async () => {
      g.json.held.add(addressKey(bob));
      const r = await g.json.ctx.subscribe(sub(bob, alice, 1));
      expect(r.expires).toBe(1);
      await until(() => g.json.notifiesFor(bob).some((n) => n.state === 'terminated'), 4_000);
      expect(g.json.notifiesFor(bob).at(-1)).toMatchObject({ state: 'terminated', reason: 'timeout', subscriptionId: r.subscriptionId });
      expect(await g.gw.services.listSubscriptions(bob)).toEqual([]);
      expect(g.json.notifiesFor(bob).filter((n) => n.state === 'terminated')).toHaveLength(1);
    });

    test('an expired publication is removed and the watchers see the recomposed document', async () => {
      g.json.held.add(addressKey(bob));
      await g.json.ctx.subscribe(sub(bob, alice, 600));
      await g.json.ctx.publish(pub(alice, pidf('alice@api.example.test', 'open', 'brief'), 1));
      expect(basicOf(g.json.notifiesFor(bob).at(-1)?.presence)).toEqual(['open']);
      await until(() => basicOf(g.json.notifiesFor(bob).at(-1)?.presence)?.[0] === 'closed', 4_000);
    });

    test('a presentity on the SIP side is subscribed there once, fed back through notify, and released', async () => {
      g.json.held.add(addressKey(bob));
      g.json.held.add(addressKey(carol));
      const rb = await g.json.ctx.subscribe(sub(bob, sipUser, 600));
      const rc = await g.json.ctx.subscribe(sub(carol, sipUser, 600));
      expect(g.sip.upstream).toHaveLength(1);
      expect(g.sip.upstream[0]).toMatchObject({ presentity: sipUser, duration: 600 });
      const doc = pidf('sue@sip.example.test', 'open', 'on a call');
      const out = await g.sip.ctx.notify({
        kind: 'notify', transactionId: 'n1', subscriptionId: 'up-sue', watcher: bob, presentity: sipUser, presence: doc, state: 'active', maxForwards: 70, trace: [],
      });
      expect(out).toEqual(DELIVERED);
      for (const w of [bob, carol]) expect(Buffer.from(g.json.notifiesFor(w).at(-1)!.presence!.bytes).equals(Buffer.from(doc.bytes))).toBe(true);
      await g.json.ctx.subscribe(sub(bob, sipUser, 0, rb.subscriptionId));
      expect(g.sip.upstream).toHaveLength(1);
      await g.json.ctx.subscribe(sub(carol, sipUser, 0, rc.subscriptionId));
      expect(g.sip.upstream).toHaveLength(2);
      expect(g.sip.upstream[1]).toMatchObject({ duration: 0, subscriptionId: 'up-sue' });
      expect((await g.sip.ctx.notify({ kind: 'notify', transactionId: 'n2', subscriptionId: 'up-sue', watcher: bob, presentity: sipUser, state: 'active', maxForwards: 70, trace: [] }))).toMatchObject({ status: 'failed', code: 'subscription-gone' });
    });

    test('accounts: seeded from config, tokens authenticate, revoke', async () => {
      expect((await g.gw.services.accounts.authenticate('carol-secret'))?.address).toEqual(carol);
      expect(await g.gw.services.accounts.authenticate('wrong')).toBeUndefined();
      const { token } = await g.gw.services.accounts.create(bob);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect((await g.gw.services.accounts.authenticate(token))?.admin).toBe(false);
      expect(await g.gw.services.accounts.revoke(bob)).toBe(true);
      expect(await g.gw.services.accounts.authenticate(token)).toBeUndefined();
    });

    test('stop drains in-flight work and refuses new work meanwhile', async () => {
      let release: (() => void) | undefined;
      g.sip.answer = () => new Promise((r) => { release = () => r(DELIVERED); });
      const inflight = g.json.ctx.deliver(msg(alice, sipUser));
      await until(() => release !== undefined);
      const stopping = g.gw.stop();
      expect(await g.json.ctx.deliver(msg(alice, sipUser))).toMatchObject({ status: 'failed', code: 'service-unavailable' });
      release!();
      expect(await inflight).toEqual(DELIVERED);
      await stopping;
      expect((await g.gw.readiness()).ready).toBe(false);
    });

    test('readiness and metrics', async () => {
      expect(await g.gw.readiness()).toEqual({ ready: true, checks: { store: { ok: true }, json: { ok: true }, sip: { ok: true } } });
      g.sip.ctx.setReady(false, 'connection lost');
      expect((await g.gw.readiness()).ready).toBe(false);
      expect(await g.json.ctx.deliver(msg(alice, sipUser))).toMatchObject({ status: 'failed', code: 'service-unavailable' });
      const m = await g.json.ctx.ops!.metrics();
      expect(m.body).toContain('switchboard_messages_total{outcome="failed",code="service-unavailable"} 1');
      expect(m.body).toContain('switchboard_process_cpu_user_seconds_total');
      expect(m.contentType).toMatch(/^text\/plain/);
    });
  });
}

suite('memory', () => ({ kind: 'memory' }));

describe('with Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis?.stop(); });
  // Each test starts from an empty Redis, as each memory-store test starts from an empty store.
  beforeEach(async () => {
    const { Redis } = await import('ioredis');
    const r = new Redis(redis.url);
    try { await r.flushall(); } finally { r.disconnect(); }
  });

  suite('redis', () => ({ kind: 'redis', url: redis.url }));

  test('two instances on one Redis: a publish and a message through instance 1 reach a client held by instance 2', async () => {
    const one = await instance({ kind: 'redis', url: redis.url });
    const two = await instance({ kind: 'redis', url: redis.url });
    try {
      const dave = A('dave@api.example.test');
      two.json.held.add(addressKey(dave));
      const r = await two.json.ctx.subscribe(sub(dave, alice, 600));
      expect(r.state).toBe('active');
      const doc = pidf('alice@api.example.test', 'open', 'from instance 1');
      await one.json.ctx.publish(pub(alice, doc, 600));
      await until(() => two.json.notifiesFor(dave).length > 0);
      expect(Buffer.from(two.json.notifiesFor(dave)[0]!.presence!.bytes).equals(Buffer.from(doc.bytes))).toBe(true);
      expect(one.json.notifiesFor(dave)).toEqual([]);

      // The same message seen by both instances is delivered once.
      const op = msg(sipUser, dave);
      const [a, b] = await Promise.all([one.sip.ctx.deliver(op), two.sip.ctx.deliver(op)]);
      expect([a, b]).toEqual([DELIVERED, DELIVERED]);
      await until(() => two.json.messages.length > 0);
      await sleep(200);
      expect(two.json.messages).toHaveLength(1);
      expect(Buffer.from(two.json.messages[0]!.content.bytes).toString('utf8')).toBe('héllo\r\n');

      // Expiry is handled by exactly one instance.
      const short = await one.json.ctx.subscribe(sub(dave, carol, 1));
      await until(() => two.json.notifiesFor(dave).some((n) => n.subscriptionId === short.subscriptionId && n.state === 'terminated'), 4_000);
      await sleep(500);
      expect(two.json.notifiesFor(dave).filter((n) => n.subscriptionId === short.subscriptionId && n.state === 'terminated')).toHaveLength(1);
    } finally {
      await one.gw.stop();
      await two.gw.stop();
    }
  });

  test('state survives restarting every instance; the admin token is generated once', async () => {
    const url = `${redis.url}/3`;
    const first = await instance({ kind: 'redis', url });
    const token = first.gw.firstAdminToken;
    expect(token).toBeDefined();
    expect((await first.gw.services.accounts.authenticate(token!))?.admin).toBe(true);
    const erin = A('erin@api.example.test');
    first.json.held.add(addressKey(erin));
    const r = await first.json.ctx.subscribe(sub(erin, alice, 600));
    const doc = pidf('alice@api.example.test', 'open', 'before restart');
    await first.json.ctx.publish(pub(alice, doc, 600));
    await first.gw.services.putRules(alice, { ...DEFAULT_RULES, inbox: { blockedSenders: ['spam@x.test'], refuseAnonymous: true } });
    await first.gw.stop();

    const again = await instance({ kind: 'redis', url });
    try {
      expect(again.gw.firstAdminToken).toBeUndefined();
      expect((await again.gw.services.accounts.authenticate(token!))?.admin).toBe(true);
      expect((await again.gw.services.listSubscriptions(erin)).map((s) => s.id)).toEqual([r.subscriptionId]);
      expect(Buffer.from((await again.gw.services.storedPresence(alice))!.bytes).equals(Buffer.from(doc.bytes))).toBe(true);
      expect((await again.gw.services.getRules(alice)).inbox.blockedSenders).toEqual(['spam@x.test']);
      again.json.held.add(addressKey(erin));
      await again.json.ctx.publish(pub(alice, pidf('alice@api.example.test', 'closed', 'after restart'), 600));
      expect(again.json.notifiesFor(erin).at(-1)?.subscriptionId).toBe(r.subscriptionId);
    } finally {
      await again.gw.stop();
    }
  });
});
