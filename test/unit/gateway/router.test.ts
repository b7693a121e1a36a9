import pino from 'pino';
import type { Adapter } from '../../../canonical/adapter';
import { ANONYMOUS, type Address } from '../../../canonical/address';
import { RemoteRejection } from '../../../canonical/errors';
import { DELIVERED, type MessageOp, type Outcome, type Protocol } from '../../../canonical/operations';
import { DEFAULT_RULES } from '../../../canonical/rules';
import { createMetrics } from '../../../gateway/metrics';
import { domainTable, Router } from '../../../gateway/router';
import { MemoryStore } from '../../../gateway/store/memory-store';

const GW = 'gw1.example.test';
const alice: Address = { local: 'alice', domain: 'api.example.test' };
const bob: Address = { local: 'bob', domain: 'sip.example.test' };

let seq = 0;
function msg(over: Partial<MessageOp> = {}): MessageOp {
  return {
    kind: 'message', id: `m${++seq}`, transactionId: `t${seq}`, from: alice, to: bob,
    content: { type: 'text/plain', bytes: new TextEncoder().encode('hi') },
    maxForwards: 70, trace: [], source: { protocol: 'json' }, ...over,
  };
}

/** A test adapter: records what it is asked to send and answers with `answer`. */
function testAdapter(protocol: Protocol, answer: (op: MessageOp) => Promise<Outcome>) {
  const sent: MessageOp[] = [];
  const adapter: Adapter = {
    protocol, start: async () => {}, stop: async () => {},
    sendMessage: async (op) => { sent.push(op); return answer(op); },
    sendNotify: async () => DELIVERED,
  };
  return { adapter, sent };
}

function setup(answer: (op: MessageOp) => Promise<Outcome> = async () => DELIVERED, opts: { ready?: boolean; timeoutMs?: number } = {}) {
  const store = new MemoryStore();
  const sip = testAdapter('sip', answer);
  const metrics = createMetrics();
  const router = new Router({
    gatewayId: GW, messageTimeoutMs: opts.timeoutMs ?? 1_000, dedupeTtlSeconds: 60, store,
    hub: { adapter: (p) => (p === 'sip' ? sip.adapter : undefined), isReady: () => opts.ready ?? true },
    ownerOf: domainTable({ 'sip.example.test': 'sip', 'Example.TEST': 'xmpp' }), metrics, log: pino({ level: 'silent' }),
  });
  return { store, sip, router, metrics };
}

afterEach(() => jest.useRealTimers());

describe('router verdicts, in order', () => {
  test('own id in the trace: loop-detected with the trace, before anything else', async () => {
    const { router, sip, store } = setup();
    await store.putRules('bob@sip.example.test', { ...DEFAULT_RULES, inbox: { blockedSenders: ['*'], refuseAnonymous: true } });
    const out = await router.route(msg({ trace: ['gw0.test', GW], maxForwards: 0 }));
    expect(out).toEqual({ status: 'failed', code: 'loop-detected', reason: expect.any(String), trace: ['gw0.test', GW] });
    expect(sip.sent).toHaveLength(0);
  });

  test('maxForwards 0: too-many-hops, before the rules', async () => {
    const { router, sip, store } = setup();
    await store.putRules('bob@sip.example.test', { ...DEFAULT_RULES, inbox: { blockedSenders: ['*'], refuseAnonymous: false } });
    expect(await router.route(msg({ maxForwards: 0 }))).toMatchObject({ status: 'failed', code: 'too-many-hops' });
    expect(sip.sent).toHaveLength(0);
  });

  test.each([
    [{ blockedSenders: ['alice@api.example.test'], refuseAnonymous: false }, alice, 'sender-blocked'],
    [{ blockedSenders: ['*@api.example.test'], refuseAnonymous: false }, alice, 'sender-blocked'],
    [{ blockedSenders: [], refuseAnonymous: true }, ANONYMOUS, 'anonymous-refused'],
  ])('inbox rules %j refuse %j: %s, nothing sent and no dedupe claim', async (inbox, from, code) => {
    const { router, sip, store } = setup();
    await store.putRules('bob@sip.example.test', { ...DEFAULT_RULES, inbox });
    const op = msg({ from });
    expect(await router.route(op)).toMatchObject({ status: 'failed', code });
    expect(sip.sent).toHaveLength(0);
    await store.putRules('bob@sip.example.test', DEFAULT_RULES);
    expect(await router.route(op)).toEqual(DELIVERED);
  });

  test('the same message id twice is delivered once; the retry gets the first outcome', async () => {
    const { router, sip, metrics } = setup(async () => ({ status: 'failed', code: 'recipient-offline' }));
    const op = msg();
    const [a, b] = await Promise.all([router.route(op), router.route({ ...op, transactionId: 'retry' })]);
    expect(a).toEqual({ status: 'failed', code: 'recipient-offline' });
    expect(b).toEqual(a);
    expect(await router.route(op)).toEqual(a);
    expect(sip.sent).toHaveLength(1);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(2);
  });

  test('the same id from another sender is another message', async () => {
    const { router, sip } = setup();
    await router.route(msg({ id: 'same' }));
    await router.route(msg({ id: 'same', from: { local: 'carol', domain: 'api.example.test' } }));
    expect(sip.sent).toHaveLength(2);
  });

  test.each([
    [{ local: 'x', domain: 'nowhere.test' }, 'unknown-domain'],
    [{ local: 'x', domain: 'example.test' }, 'service-unavailable'],
  ])('recipient %j: %s', async (to, code) => {
    const { router } = setup();
    expect(await router.route(msg({ to }))).toMatchObject({ status: 'failed', code });
  });

  test('the domain table is case-insensitive', async () => {
    const { router, sip } = setup();
    expect(await router.route(msg({ to: { local: 'bob', domain: 'SIP.Example.Test' } }))).toEqual(DELIVERED);
    expect(sip.sent).toHaveLength(1);
  });

  test('adapter not ready: service-unavailable', async () => {
    const { router, sip } = setup(undefined, { ready: false });
    expect(await router.route(msg())).toMatchObject({ status: 'failed', code: 'service-unavailable' });
    expect(sip.sent).toHaveLength(0);
  });

  test('forwarded with one hop spent and our id appended to the trace', async () => {
    const { router, sip } = setup();
    expect(await router.route(msg({ maxForwards: 5, trace: ['gw0.test'] }))).toEqual(DELIVERED);
    expect(sip.sent[0]).toMatchObject({ maxForwards: 4, trace: ['gw0.test', GW] });
  });

  test('no answer within the timeout: indeterminate (RFC 3860 3.4.1)', async () => {
    const { router } = setup(() => new Promise(() => {}), { timeoutMs: 50 });
    expect(await router.route(msg())).toMatchObject({ status: 'indeterminate' });
  });

  test('a remote rejection keeps its code and the far side\'s status', async () => {
    const { router } = setup(async () => { throw new RemoteRejection('unknown-user', { sip: 404, text: 'Not Found' }); });
    expect(await router.route(msg())).toEqual({ status: 'failed', code: 'unknown-user', reason: 'Not Found', remote: { sip: 404, text: 'Not Found' } });
  });

  test('an adapter crash is a remote-error, not an exception', async () => {
    const { router } = setup(async () => { throw new Error('socket closed'); });
    expect(await router.route(msg())).toMatchObject({ status: 'failed', code: 'remote-error', reason: 'socket closed' });
  });

  test('every outcome is counted', async () => {
    const { router, metrics } = setup();
    await router.route(msg());
    await router.route(msg({ maxForwards: 0 }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchboard_messages_total{outcome="delivered",code=""} 1');
    expect(text).toContain('switchboard_messages_total{outcome="failed",code="too-many-hops"} 1');
  });
});
