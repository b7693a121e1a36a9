/**
 * The presence service's decisions, on the memory store with a recording adapter defined here:
 * RFC 3903 entity-tag rules, expiry clamping, RFC 6665 refresh and end, hop checks, upstream refresh.
 */
import pino from 'pino';
import type { Adapter } from '../../../canonical/adapter';
import type { Address } from '../../../canonical/address';
import { DELIVERED, type Content, type NotifyOp, type PublishOp, type SubscribeOp } from '../../../canonical/operations';
import { parsePidf } from '../../../canonical/pidf';
import type { GatewayConfig } from '../../../gateway/config/types';
import { createMetrics } from '../../../gateway/metrics';
import { PresenceService } from '../../../gateway/presence-service';
import { domainTable } from '../../../gateway/router';
import { MemoryStore } from '../../../gateway/store/memory-store';

const GW = 'gw1.example.test';
const alice: Address = { local: 'alice', domain: 'api.example.test' };
const bob: Address = { local: 'bob', domain: 'api.example.test' };
const sue: Address = { local: 'sue', domain: 'sip.example.test' };
const enc = (s: string) => new TextEncoder().encode(s);
const doc = (basic: string): Content => ({
  type: 'application/pidf+xml',
  bytes: enc(`<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@api.example.test"><tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>\n`),
});
const basic = (c: Content | undefined) => (c ? parsePidf(c.bytes).tuples.map((t) => t.status.basic) : undefined);

const config: GatewayConfig = {
  gateway: { id: GW, maxForwards: 70, messageTimeoutMs: 500, dedupeTtlSeconds: 60 },
  store: { kind: 'memory' }, domains: { 'api.example.test': 'json', 'sip.example.test': 'sip' },
  presence: { defaultExpires: 600, minExpires: 60, maxExpires: 3600 }, log: { level: 'silent' },
};

function setup() {
  const store = new MemoryStore();
  const notified: NotifyOp[] = [];
  const upstream: SubscribeOp[] = [];
  let grant = 600;
  const json: Adapter = { protocol: 'json', start: async () => {}, stop: async () => {}, sendMessage: async () => DELIVERED, sendNotify: async (op) => { notified.push(op); return DELIVERED; } };
  const sip: Adapter = {
    protocol: 'sip', start: async () => {}, stop: async () => {}, sendMessage: async () => DELIVERED, sendNotify: async () => DELIVERED,
    sendSubscribe: async (op) => { upstream.push(op); return { outcome: DELIVERED, subscriptionId: 'up-1', expires: grant }; },
  };
  const presence = new PresenceService(
    { config, store, hub: { adapter: (p) => (p === 'json' ? json : p === 'sip' ? sip : undefined), isReady: () => true }, ownerOf: domainTable(config.domains), metrics: createMetrics(), log: pino({ level: 'silent' }) },
    store.state('_gw'), { intervalMs: 1_000_000, maxPerSweep: 100 },
  );
  return { store, presence, notified, upstream, setGrant: (s: number) => { grant = s; } };
}

let n = 0;
const sub = (watcher: Address, presentity: Address, duration: number, over: Partial<SubscribeOp> = {}): SubscribeOp => ({
  kind: 'subscribe', transactionId: `s${++n}`, watcher, presentity, duration, maxForwards: 70, trace: [], source: { protocol: 'json' }, ...over,
});
const pub = (over: Partial<PublishOp>): PublishOp => ({
  kind: 'publish', transactionId: `p${++n}`, presentity: alice, publisher: alice, expires: 600, maxForwards: 70, trace: [], source: { protocol: 'sip' }, ...over,
});

describe('publications (RFC 3903)', () => {
  test('initial, refresh (new etag, no notification), modify, remove', async () => {
    const { presence, notified } = setup();
    await presence.subscribe(sub(bob, alice, 600));
    const first = await presence.publish(pub({ document: doc('open') }));
    expect(first).toMatchObject({ outcome: DELIVERED, expires: 600 });
    expect(notified).toHaveLength(1);
    const refreshed = await presence.publish(pub({ etag: first.etag! }));
    expect(refreshed.outcome).toEqual(DELIVERED);
    expect(refreshed.etag).not.toBe(first.etag);
    expect(notified).toHaveLength(1);
    expect(basic(await presence.storedPresence(alice))).toEqual(['open']);
    expect((await presence.publish(pub({ etag: first.etag! }))).outcome).toMatchObject({ code: 'conditional-request-failed' });
    const modified = await presence.publish(pub({ etag: refreshed.etag!, document: doc('closed') }));
    expect(basic(notified.at(-1)?.presence)).toEqual(['closed']);
    expect((await presence.publish(pub({ etag: modified.etag!, expires: 0 }))).outcome).toEqual(DELIVERED);
    expect(basic(notified.at(-1)?.presence)).toEqual(['closed']);
    expect(parsePidf(notified.at(-1)!.presence!.bytes).tuples[0]?.id).toBe('closed');
  });

  test.each([
    ['no document and no etag', pub({}), 'bad-request'],
    ['an unknown etag', pub({ etag: 'nope', document: doc('open') }), 'conditional-request-failed'],
    ['expiry below the minimum', pub({ document: doc('open'), expires: 10 }), 'interval-too-brief'],
    ['a document that is not PIDF', pub({ document: { type: 'application/pidf+xml', bytes: enc('<presence') } }), 'bad-request'],
    ['a publisher the rules do not name', pub({ document: doc('open'), publisher: bob }), 'forbidden'],
    ['our id in the trace', pub({ document: doc('open'), trace: [GW] }), 'loop-detected'],
    ['no hops left', pub({ document: doc('open'), maxForwards: 0 }), 'too-many-hops'],
  ])('refused: %s', async (_name, op, code) => {
    const { presence, notified } = setup();
    await presence.subscribe(sub(bob, alice, 600));
    expect((await presence.publish(op)).outcome).toMatchObject({ status: 'failed', code });
    expect(notified).toEqual([]);
    expect(await presence.storedPresence(alice)).toBeUndefined();
  });

  test('expiry is clamped to the maximum; two sources compose; one going out of contact leaves the other', async () => {
    const { presence, notified } = setup();
    await presence.subscribe(sub(bob, alice, 600));
    expect((await presence.publish(pub({ document: doc('open'), expires: 99_999, sourceKey: 'a' }))).expires).toBe(3600);
    const other: Content = { type: 'application/pidf+xml', bytes: enc('<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@api.example.test"><tuple id="t2"><status><basic>closed</basic></status></tuple></presence>\n') };
    await presence.publish(pub({ document: other, sourceKey: 'b' }));
    expect(parsePidf(notified.at(-1)!.presence!.bytes).tuples.map((t) => t.id).sort()).toEqual(['t1', 't2']);
    await presence.outOfContact(alice, 'a');
    expect(Buffer.from(notified.at(-1)!.presence!.bytes).equals(Buffer.from(other.bytes))).toBe(true);
  });
});

describe('subscriptions (RFC 6665)', () => {
  test('duration clamped; below the minimum refused with the minimum', async () => {
    const { presence } = setup();
    expect(await presence.subscribe(sub(bob, alice, 10))).toMatchObject({ outcome: { status: 'failed', code: 'interval-too-brief' }, expires: 60 });
    expect(await presence.subscribe(sub(bob, alice, 99_999))).toMatchObject({ outcome: DELIVERED, expires: 3600 });
    expect((await presence.subscribe(sub(bob, alice, 1.5))).outcome).toMatchObject({ code: 'bad-request' });
  });

  test('a new subscription gets the current document; with nothing published, a closed one', async () => {
    const { presence } = setup();
    expect(basic((await presence.subscribe(sub(bob, alice, 600))).presence)).toEqual(['closed']);
    await presence.publish(pub({ document: doc('open') }));
    expect(basic((await presence.subscribe(sub(bob, alice, 600))).presence)).toEqual(['open']);
  });

  test('refresh and end need the right watcher and a live id', async () => {
    const { presence, notified } = setup();
    const r = await presence.subscribe(sub(bob, alice, 600));
    expect((await presence.subscribe(sub(sue, alice, 600, { subscriptionId: r.subscriptionId! }))).outcome).toMatchObject({ code: 'subscription-gone' });
    expect((await presence.subscribe(sub(bob, alice, 600, { subscriptionId: 'made-up' }))).outcome).toMatchObject({ code: 'subscription-gone' });
    expect(await presence.subscribe(sub(bob, alice, 0, { subscriptionId: r.subscriptionId! }))).toMatchObject({ outcome: DELIVERED, state: 'terminated' });
    expect(notified.at(-1)).toMatchObject({ state: 'terminated', reason: 'timeout', subscriptionId: r.subscriptionId });
    expect((await presence.subscribe(sub(bob, alice, 0, { subscriptionId: r.subscriptionId! }))).outcome).toMatchObject({ code: 'subscription-gone' });
  });

  test('a watcher denied after subscribing is cut off at the next change (reason rejected)', async () => {
    const { presence, store, notified } = setup();
    const r = await presence.subscribe(sub(bob, alice, 600));
    await store.putRules('alice@api.example.test', { presence: { default: 'allow', watchers: { 'bob@api.example.test': 'deny' }, views: {}, publishers: [] }, inbox: { blockedSenders: [], refuseAnonymous: false } });
    await presence.publish(pub({ document: doc('open') }));
    expect(notified).toEqual([expect.objectContaining({ state: 'terminated', reason: 'rejected', subscriptionId: r.subscriptionId })]);
    expect(await presence.listSubscriptions(bob)).toEqual([]);
  });

  test('the sweep ends an expired subscription once, reason timeout', async () => {
    const { presence, store, notified } = setup();
    const r = await presence.subscribe(sub(bob, alice, 600));
    const rec = (await store.getSubscription(r.subscriptionId!))!;
    await store.putSubscription({ ...rec, expiresAt: Date.now() - 1 });
    await presence.sweepOnce();
    await presence.sweepOnce();
    expect(notified).toEqual([expect.objectContaining({ state: 'terminated', reason: 'timeout' })]);
  });
});

describe('upstream subscriptions toward the SIP side', () => {
  test('refreshed by the sweep when a third of the duration is left', async () => {
    const { presence, upstream, setGrant } = setup();
    setGrant(3);
    await presence.subscribe(sub(bob, sue, 600));
    expect(upstream).toHaveLength(1);
    await presence.sweepOnce();
    expect(upstream).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2_100));
    await presence.sweepOnce();
    expect(upstream).toHaveLength(2);
    expect(upstream[1]).toMatchObject({ subscriptionId: 'up-1', duration: 3, presentity: sue });
  });

  test('notifications for it fan out; terminated with rejected ends the local watchers', async () => {
    const { presence, notified } = setup();
    await presence.subscribe(sub(bob, sue, 600));
    const base = { kind: 'notify' as const, transactionId: 'n', subscriptionId: 'up-1', watcher: bob, presentity: sue, maxForwards: 70, trace: [] };
    expect(await presence.notify({ ...base, state: 'active', presence: doc('open') })).toEqual(DELIVERED);
    expect(basic(notified.at(-1)?.presence)).toEqual(['open']);
    expect(await presence.notify({ ...base, state: 'active', trace: [GW] })).toMatchObject({ code: 'loop-detected' });
    expect(await presence.notify({ ...base, state: 'terminated', reason: 'rejected' })).toEqual(DELIVERED);
    expect(notified.at(-1)).toMatchObject({ state: 'terminated', reason: 'rejected' });
    expect(await presence.listSubscriptions(bob)).toEqual([]);
  });
});
