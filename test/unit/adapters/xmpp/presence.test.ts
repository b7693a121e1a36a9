/**
 * XmppPresence with an in-test context: a map for ctx.state, recorded operations and stanzas.
 * (The real gateway and Prosody are exercised in test/integration/xmpp-gateway.test.ts.)
 */
import type { AdapterContext, AdapterState } from '../../../../canonical/adapter';
import type { Address } from '../../../../canonical/address';
import type { Content, NotifyOp, SubscribeOp, SubscribeResult } from '../../../../canonical/operations';
import { buildPidf } from '../../../../canonical/pidf';
import { DEFAULT_RULES, type Rules } from '../../../../canonical/rules';
import { XmppPresence } from '../../../../adapters/xmpp/presence';
import type { OutPresence } from '../../../../adapters/xmpp/wire';

function memoryState(): AdapterState & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    async get(k) { return map.get(k); },
    async set(k, v) { map.set(k, v); },
    async setIfAbsent(k, v) { if (map.has(k)) return false; map.set(k, v); return true; },
    async del(k) { map.delete(k); },
    async keys(p) { return [...map.keys()].filter((k) => k.startsWith(p)); },
  };
}

function setup(opts: { subscribe?: (op: SubscribeOp) => SubscribeResult; stored?: Content; rules?: Rules } = {}) {
  const state = memoryState();
  const subscribes: SubscribeOp[] = [];
  const notifies: NotifyOp[] = [];
  const sent: { p: OutPresence; origin: Address }[] = [];
  const ctx = {
    gatewayId: 'gw1', instanceId: 'i1', state,
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
    subscribe: async (op: SubscribeOp) => { subscribes.push(op); return opts.subscribe ? opts.subscribe(op) : { outcome: { status: 'delivered' }, subscriptionId: 's1', state: 'active', expires: 3600 }; },
    notify: async (op: NotifyOp) => { notifies.push(op); return { status: 'delivered' }; },
    services: {
      storedPresence: async () => opts.stored,
      getRules: async () => opts.rules ?? DEFAULT_RULES,
    },
  } as unknown as AdapterContext;
  const presence = new XmppPresence({
    ctx, gatewayDomains: ['sip.example.test'], maxForwards: 70, subscriptionSeconds: 3600,
    send: async (p, origin) => { sent.push({ p, origin }); },
  });
  return { presence, state, subscribes, notifies, sent };
}

const ALICE_JID = 'alice%api.example.test@sip.example.test';
const alice: Address = { local: 'alice', domain: 'api.example.test' };
const pidf = (note: string): Content => ({
  type: 'application/pidf+xml',
  bytes: buildPidf({ entity: 'pres:alice@api.example.test', tuples: [{ id: 'json', basic: 'open', notes: [note] }] }),
});

describe('XMPP watcher, gateway presentity', () => {
  it('subscribe: canonical subscribe for the configured duration, subscribed, then the current presence', async () => {
    const t = setup({ subscribe: () => ({ outcome: { status: 'delivered' }, subscriptionId: 's1', state: 'active', expires: 3600, presence: pidf('hello') }) });
    await t.presence.onPresence({ from: 'juliet@example.test/t', to: ALICE_JID, type: 'subscribe', statuses: [] });
    expect(t.subscribes[0]).toMatchObject({ watcher: { local: 'juliet', domain: 'example.test' }, presentity: alice, duration: 3600, maxForwards: 70, trace: [] });
    expect(t.sent.map((s) => [s.p.type, s.p.from, s.p.status?.text])).toEqual([['subscribed', ALICE_JID, undefined], [undefined, `${ALICE_JID}/json`, 'hello']]);
    expect(t.sent.every((s) => s.origin.local === 'alice')).toBe(true);
    expect(t.state.map.has('w:juliet@example.test|alice@api.example.test')).toBe(true);
  });

  it('a pending subscription announces subscribed on the first active notification', async () => {
    const t = setup({ subscribe: () => ({ outcome: { status: 'delivered' }, subscriptionId: 's1', state: 'pending' }) });
    await t.presence.onPresence({ from: 'juliet@example.test/t', to: ALICE_JID, type: 'subscribe', statuses: [] });
    expect(t.sent).toEqual([]);
    const watcher = { local: 'juliet', domain: 'example.test' };
    await t.presence.sendNotify({ kind: 'notify', transactionId: 'x', subscriptionId: 's1', watcher, presentity: alice, state: 'active', presence: pidf('now'), maxForwards: 69, trace: ['gw1'] });
    expect(t.sent.map((s) => s.p.type ?? 'available')).toEqual(['subscribed', 'available']);
    expect(t.sent[1]!.p.trace).toEqual({ hops: 69, text: 'gw1' });
    // Only once.
    await t.presence.sendNotify({ kind: 'notify', transactionId: 'y', subscriptionId: 's1', watcher, presentity: alice, state: 'active', presence: pidf('again'), maxForwards: 69, trace: ['gw1'] });
    expect(t.sent.filter((s) => s.p.type === 'subscribed')).toHaveLength(1);
  });

  it('a refused subscription answers unsubscribed', async () => {
    const t = setup({ subscribe: () => ({ outcome: { status: 'failed', code: 'forbidden' } }) });
    await t.presence.onPresence({ from: 'juliet@example.test/t', to: ALICE_JID, type: 'subscribe', statuses: [] });
    expect(t.sent.map((s) => s.p.type)).toEqual(['unsubscribed']);
  });

  it('the sweep renews gateway subscriptions with a third or less left, and only those', async () => {
    const t = setup();
    const now = Date.now();
    await t.state.set('w:juliet@example.test|alice@api.example.test', JSON.stringify({ id: 's1', st: 'active', ann: true, x: now + 1000_000, d: 3600 }));
    await t.state.set('w:romeo@example.test|alice@api.example.test', JSON.stringify({ id: 's2', st: 'active', ann: true, x: now + 3000_000, d: 3600 }));
    expect(await t.presence.refreshDue(now)).toBe(1);
    expect(t.subscribes).toHaveLength(1);
    expect(t.subscribes[0]).toMatchObject({ subscriptionId: 's1', duration: 3600, watcher: { local: 'juliet', domain: 'example.test' }, presentity: alice });
    const rec = JSON.parse((await t.state.get('w:juliet@example.test|alice@api.example.test'))!);
    expect(rec.x).toBeGreaterThan(now + 3000_000);
  });

  it('terminated: unavailable then unsubscribed; timeout renews instead (the XMPP subscription stands)', async () => {
    const t = setup();
    const watcher = { local: 'juliet', domain: 'example.test' };
    await t.state.set('w:juliet@example.test|alice@api.example.test', JSON.stringify({ id: 's1', st: 'active', ann: true, x: 0, d: 3600 }));
    await t.presence.sendNotify({ kind: 'notify', transactionId: 'x', subscriptionId: 's1', watcher, presentity: alice, state: 'terminated', reason: 'timeout', maxForwards: 69, trace: [] });
    expect(t.sent).toEqual([]);
    expect(t.subscribes[0]).toMatchObject({ subscriptionId: 's1', duration: 3600 });
    await t.presence.sendNotify({ kind: 'notify', transactionId: 'y', subscriptionId: 's1', watcher, presentity: alice, state: 'terminated', reason: 'deactivated', maxForwards: 69, trace: [] });
    expect(t.sent.map((s) => s.p.type)).toEqual(['unavailable', 'unsubscribed']);
    expect(await t.state.get('w:juliet@example.test|alice@api.example.test')).toBeUndefined();
  });
});

describe('probes (RFC 6121 4.3.2)', () => {
  it('answered from the stored document', async () => {
    const t = setup({ stored: pidf('out of contact but known') });
    await t.presence.onPresence({ from: 'juliet@example.test', to: ALICE_JID, type: 'probe', statuses: [] });
    expect(t.sent.map((s) => [s.p.from, s.p.to, s.p.status?.text])).toEqual([[`${ALICE_JID}/json`, 'juliet@example.test', 'out of contact but known']]);
  });

  it('nothing stored, or a watcher the rules deny: unavailable', async () => {
    const t = setup();
    await t.presence.onPresence({ from: 'juliet@example.test', to: ALICE_JID, type: 'probe', statuses: [] });
    const denied = setup({ stored: pidf('secret'), rules: { ...DEFAULT_RULES, presence: { ...DEFAULT_RULES.presence, watchers: { '*@example.test': 'deny' } } } });
    await denied.presence.onPresence({ from: 'juliet@example.test', to: ALICE_JID, type: 'probe', statuses: [] });
    expect(t.sent.map((s) => s.p.type)).toEqual(['unavailable']);
    expect(denied.sent.map((s) => [s.p.type, s.p.status])).toEqual([['unavailable', undefined]]);
  });
});

describe('gateway watcher, XMPP presentity', () => {
  const romeo: Address = { local: 'romeo', domain: 'example.test' };
  const sub = (duration: number, subscriptionId?: string): SubscribeOp => ({
    kind: 'subscribe', transactionId: 't', watcher: alice, presentity: romeo, duration, maxForwards: 69, trace: ['gw1'], source: { protocol: 'json' },
    ...(subscriptionId ? { subscriptionId } : {}),
  });

  it('subscribe (pending) -> subscribed (active notify) -> presence of two resources in one document -> unsubscribe', async () => {
    const t = setup();
    const r = await t.presence.sendSubscribe(sub(600));
    expect(r).toMatchObject({ outcome: { status: 'delivered' }, state: 'pending', expires: 600 });
    expect(t.sent[0]!.p).toEqual({ from: ALICE_JID, to: 'romeo@example.test', type: 'subscribe' });
    await t.presence.onPresence({ from: 'romeo@example.test', to: ALICE_JID, type: 'subscribed', statuses: [] });
    expect(t.notifies[0]).toMatchObject({ state: 'active', subscriptionId: r.subscriptionId, presentity: romeo, watcher: alice });
    await t.presence.onPresence({ from: 'romeo@example.test/orchard', to: ALICE_JID, show: 'away', statuses: [{ text: 'in the orchard' }] });
    await t.presence.onPresence({ from: 'romeo@example.test/phone', to: ALICE_JID, type: 'unavailable', statuses: [] });
    const last = t.notifies.at(-1)!;
    const doc = Buffer.from(last.presence!.bytes).toString();
    expect(doc).toContain('<tuple id="ID-orchard">');
    expect(doc).toContain('<tuple id="ID-phone">');
    expect(doc).toContain('<note>in the orchard</note>');
    const refresh = await t.presence.sendSubscribe(sub(600, r.subscriptionId));
    expect(refresh).toMatchObject({ state: 'active', subscriptionId: r.subscriptionId });
    expect(t.sent.at(-1)!.p.type).toBe('probe');
    await t.presence.sendSubscribe(sub(0, r.subscriptionId));
    expect(t.sent.at(-1)!.p.type).toBe('unsubscribe');
    expect(await t.state.get('u:romeo@example.test|alice@api.example.test')).toBeUndefined();
  });

  it('unsubscribed from the XMPP user is a terminated notification with reason rejected', async () => {
    const t = setup();
    await t.presence.sendSubscribe(sub(600));
    await t.presence.onPresence({ from: 'romeo@example.test', to: ALICE_JID, type: 'unsubscribed', statuses: [] });
    expect(t.notifies[0]).toMatchObject({ state: 'terminated', reason: 'rejected' });
  });

  it('a fetch without a subscription is a probe (RFC 7248 6.2)', async () => {
    const t = setup();
    expect((await t.presence.sendSubscribe(sub(0))).state).toBe('terminated');
    expect(t.sent.map((s) => s.p.type)).toEqual(['probe']);
  });
});
