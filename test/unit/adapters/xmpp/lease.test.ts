/**
 * ComponentLease (adapters/xmpp/lease.ts) and HolderRelay (relay.ts) over the memory store's
 * AdapterState and Bus (pure in-process code; the Redis behaviour is in
 * test/integration/xmpp-lease.test.ts and the store contract test). Short real timers.
 */
import type { AdapterContext, AdapterState } from '../../../../canonical/adapter';
import { ComponentLease, isStandby, type LeaseTiming, leaseLink, remoteHolder } from '../../../../adapters/xmpp/lease';
import { HolderRelay } from '../../../../adapters/xmpp/relay';
import type { MessageOp } from '../../../../canonical/operations';
import { MemoryStore } from '../../../../gateway/store/memory-store';

const T: LeaseTiming = { ttlMs: 1_000, renewMs: 150, pollMs: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return this; } };

let store: MemoryStore;
const leases: ComponentLease[] = [];
beforeEach(() => { store = new MemoryStore(); });
afterEach(async () => {
  for (const l of leases.splice(0)) await l.stop();
  await store.close();
});

function lease(owner: string, state: AdapterState, events: string[], extra: Partial<ConstructorParameters<typeof ComponentLease>[0]> = {}): ComponentLease {
  const l = new ComponentLease({
    state, key: 'lease:sip.example.test', owner, log, timing: T,
    onAcquire: async () => { events.push(`${owner} won`); },
    onLose: async (why) => { events.push(`${owner} lost: ${why}`); },
    ...extra,
  });
  leases.push(l);
  return l;
}

async function until(pred: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
}

describe('ComponentLease', () => {
  it('one of two wins; the other stands by naming the holder, and wins after a release', async () => {
    const st = store.state('xmpp');
    const ev: string[] = [];
    const a = lease('a', st, ev);
    const b = lease('b', st, ev);
    await a.start();
    await b.start();
    expect([a.held, b.held]).toEqual([true, false]);
    expect(b.holder).toBe('a');
    await sleep(T.ttlMs + 200); // renewals keep it past the TTL
    expect([a.held, b.held]).toEqual([true, false]);
    await a.stop();
    await a.release();
    expect(await st.get('lease:sip.example.test')).toBeUndefined();
    await until(() => b.held, T.pollMs * 4);
    expect(ev).toEqual(['a won', 'b won']);
  });

  it('a holder whose renewals fail gives up within half the TTL, before the claim lapses', async () => {
    const st = store.state('xmpp');
    let broken = false;
    const flaky: AdapterState = { ...st, get: (k) => st.get(k), set: (k, v, t) => st.set(k, v, t), setIfAbsent: (k, v, t) => st.setIfAbsent(k, v, t),
      del: (k) => st.del(k), keys: (p) => st.keys(p),
      compareAndSet: async (k, e, v, t) => { if (broken) throw new Error('down'); return st.compareAndSet!(k, e, v, t); } };
    const ev: string[] = [];
    const a = lease('a', flaky, ev);
    await a.start();
    const cut = Date.now();
    broken = true;
    await until(() => !a.held, T.ttlMs);
    const gaveUp = Date.now() - cut;
    expect(gaveUp).toBeGreaterThanOrEqual(T.ttlMs / 2 - T.renewMs);
    expect(gaveUp).toBeLessThan(T.ttlMs);
    expect(ev[1]).toMatch(/^a lost: the store did not renew the lease/);
    expect(await st.get('lease:sip.example.test')).toBe('a'); // not released: it lapses by itself
  });

  it('a holder that finds the key taken loses at once; a claim left under its own id is taken back', async () => {
    const st = store.state('xmpp');
    const ev: string[] = [];
    await st.set('lease:sip.example.test', 'a', 5);
    const a = lease('a', st, ev);
    await a.start();
    expect(a.held).toBe(true); // same instanceId as an earlier run
    await st.set('lease:sip.example.test', 'z', 5);
    await until(() => !a.held, T.renewMs * 3);
    expect(ev).toEqual(['a won', 'a lost: another instance holds the lease now']);
    expect(a.holder).toBe(undefined);
    await until(() => a.holder === 'z', T.pollMs * 4);
  });

  it('without compare-and-set it falls back to get-then-set', async () => {
    const st = store.state('xmpp');
    const plain: AdapterState = { get: (k) => st.get(k), set: (k, v, t) => st.set(k, v, t), setIfAbsent: (k, v, t) => st.setIfAbsent(k, v, t), del: (k) => st.del(k), keys: (p) => st.keys(p) };
    const ev: string[] = [];
    const a = lease('a', plain, ev);
    await a.start();
    await sleep(T.ttlMs + 200);
    expect(a.held).toBe(true);
    await a.stop();
    await a.release();
    expect(await st.get('lease:sip.example.test')).toBeUndefined();
  });

  it('a refusal on acquiring (a wrong secret) gives the lease back and fails start()', async () => {
    const st = store.state('xmpp');
    const a = lease('a', st, [], { onAcquire: async () => { throw new Error('refused: check xmpp.components[0].secret'); } });
    await expect(a.start()).rejects.toThrow('xmpp.components[0].secret');
    expect(a.held).toBe(false);
    expect(await st.get('lease:sip.example.test')).toBeUndefined();
  });

  it('refuses a renewal period that leaves no margin inside the TTL', () => {
    expect(() => lease('a', store.state('x'), [], { timing: { ttlMs: 1000, renewMs: 600, pollMs: 50 } })).toThrow(/renewMs/);
  });
});

describe('leaseLink, isStandby, remoteHolder', () => {
  it('the holder sends itself, a standby relays through the holder, and nobody holding is {} (fail fast)', async () => {
    const st = store.state('xmpp');
    const calls: string[] = [];
    const mk = (name: string) => ({ domain: 'sip.example.test', online: false, reason: undefined as string | undefined,
      link: { start: async () => { calls.push(`${name} start`); }, stop: async () => { calls.push(`${name} stop`); } } });
    const a = mk('a');
    const b = mk('b');
    const la = leaseLink(a, { state: st, owner: 'a', log, timing: T, onChange: () => {} });
    const lb = leaseLink(b, { state: st, owner: 'b', log, timing: T, onChange: () => {} });
    leases.push(la, lb);
    Object.assign(a, { lease: la });
    Object.assign(b, { lease: lb });
    await la.start();
    await lb.start();
    expect(calls).toEqual(['a start']);
    expect(await remoteHolder(a, 'a')).toBeUndefined();
    expect(await remoteHolder(b, 'b')).toEqual({ holder: 'a' });
    expect([isStandby(a, 'a'), isStandby(b, 'b')]).toEqual([false, true]);
    await lb.stop(); // so that b does not win what a gives back
    await la.stop();
    await la.release();
    // A link whose lease has seen no holder yet reads the store: nobody holds it.
    const d = { ...mk('d'), lease: leaseLink(mk('d'), { state: st, owner: 'd', log, timing: T, onChange: () => {} }) };
    expect(await remoteHolder(d, 'd')).toEqual({});
    // A loss stops the link and says why.
    const c = mk('c');
    const lc = leaseLink(c, { state: st, owner: 'c', log, timing: T, onChange: () => {} });
    leases.push(lc);
    await lc.start();
    await st.set('lease:sip.example.test', 'z', 5);
    await until(() => calls.includes('c stop'), T.renewMs * 3);
    expect(c.reason).toMatch(/lease lost \(another instance holds the lease now\)/);
  });
});

describe('HolderRelay', () => {
  const ctxOf = (instanceId: string): AdapterContext => ({ instanceId, bus: store.bus, log } as unknown as AdapterContext);
  const op: MessageOp = {
    kind: 'message', id: 'm1', transactionId: 't1', maxForwards: 70, trace: ['gw'],
    from: { local: 'alice', domain: 'api.example.test' }, to: { local: 'romeo', domain: 'example.test' },
    content: { type: 'text/plain', bytes: new Uint8Array([0x61, 0x0d, 0x0a, 0x00, 0xff]) }, source: { protocol: 'json' },
  };

  it('carries a message to the holder with its exact bytes and brings the outcome back', async () => {
    const got: MessageOp[] = [];
    const holder = new HolderRelay(ctxOf('h'), { message: async (m) => { got.push(m); return { status: 'delivered' }; }, presence: async () => {} }, 1000);
    const standby = new HolderRelay(ctxOf('s'), { message: async () => { throw new Error('not here'); }, presence: async () => {} }, 1000);
    await holder.start();
    await standby.start();
    expect(await standby.sendMessage('h', op)).toEqual({ status: 'delivered' });
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual(op);
    expect(Buffer.from(got[0]!.content.bytes)).toEqual(Buffer.from(op.content.bytes));
    await holder.stop();
    await standby.stop();
  });

  it('a holder that does not answer: indeterminate after the bound; a failed presence throws', async () => {
    const standby = new HolderRelay(ctxOf('s'), { message: async () => ({ status: 'delivered' }), presence: async () => {} }, 150);
    await standby.start();
    const t0 = Date.now();
    const o = await standby.sendMessage('nobody', op);
    expect(o.status).toBe('indeterminate');
    expect(Date.now() - t0).toBeLessThan(1000);
    const holder = new HolderRelay(ctxOf('h'), { message: async () => ({ status: 'delivered' }), presence: async () => { throw new Error('link down'); } }, 1000);
    await holder.start();
    await expect(standby.sendPresence('h', { from: 'a@sip.example.test', to: 'romeo@example.test' }, op.from)).rejects.toThrow('link down');
    await holder.stop();
    await standby.stop();
  });
});
