/**
 * The JSON adapter's own I/O behaviour with a small in-test context (no gateway core): stream
 * delivery, the offline/unknown-user outcomes, the cross-instance relay over a shared bus and
 * state, heartbeat-based out-of-contact detection, and drain on stop. The real gateway runs in
 * test/integration/json-*.test.ts.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import type { Account, AdapterContext, AdapterState, Bus, Log } from '../../../../canonical/adapter';
import type { Address } from '../../../../canonical/address';
import type { MessageOp, Outcome } from '../../../../canonical/operations';
import { DEFAULT_RULES } from '../../../../canonical/rules';
import { createJsonAdapter, type JsonAdapter } from '../../../../adapters/json';

const silent: Log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
const key = (a: Address): string => `${a.local}@${a.domain}`;

function sharedWorld() {
  const values = new Map<string, { v: string; exp: number }>();
  const state: AdapterState = {
    async get(k) { const e = values.get(k); return e && (e.exp === 0 || e.exp > Date.now()) ? e.v : undefined; },
    async set(k, v, ttl) { values.set(k, { v, exp: ttl ? Date.now() + ttl * 1000 : 0 }); },
    async setIfAbsent(k, v, ttl) { if (await state.get(k)) return false; await state.set(k, v, ttl); return true; },
    async del(k) { values.delete(k); },
    async keys(prefix) { return [...values.keys()].filter((k) => k.startsWith(prefix) && (values.get(k)!.exp === 0 || values.get(k)!.exp > Date.now())); },
  };
  const handlers = new Map<string, Set<(m: string) => void>>();
  const bus: Bus = {
    async publish(ch, m) { for (const h of handlers.get(ch) ?? []) setImmediate(() => h(m)); },
    async subscribe(ch, h) { if (!handlers.has(ch)) handlers.set(ch, new Set()); handlers.get(ch)!.add(h); return async () => { handlers.get(ch)?.delete(h); }; },
  };
  const accounts = new Map<string, Account>([
    ['alice-token', { address: { local: 'alice', domain: 'localhost' }, admin: false, createdAt: 0 }],
    ['bob-token', { address: { local: 'bob', domain: 'localhost' }, admin: false, createdAt: 0 }],
  ]);
  const outOfContact: string[] = [];
  return { state, bus, accounts, outOfContact };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

async function makeAdapter(world: ReturnType<typeof sharedWorld>, instanceId: string, heartbeatSeconds = 30, delayMs = 0): Promise<{ adapter: JsonAdapter; url: string }> {
  const port = await freePort();
  let adapter!: JsonAdapter;
  const ctx: AdapterContext = {
    gatewayId: 'gw-unit', instanceId, bus: world.bus, state: world.state, log: silent,
    ownerOf: (d) => (d === 'localhost' ? 'json' : undefined),
    deliver: async (op: MessageOp): Promise<Outcome> => {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return adapter.sendMessage({ ...op, trace: [...op.trace, 'gw-unit'] });
    },
    subscribe: async () => ({ outcome: { status: 'delivered' } }),
    publish: async () => ({ outcome: { status: 'delivered' } }),
    notify: async () => ({ status: 'delivered' }),
    setReady: () => undefined,
    services: {
      listSubscriptions: async () => [], listWatchers: async () => [], removeWatcher: async () => false,
      getRules: async () => DEFAULT_RULES, putRules: async () => undefined, storedPresence: async () => undefined,
      outOfContact: async (a) => { world.outOfContact.push(key(a)); },
      accounts: {
        authenticate: async (t) => world.accounts.get(t),
        create: async () => ({ token: 'x' }), list: async () => [...world.accounts.values()], revoke: async () => false,
      },
    },
  };
  adapter = createJsonAdapter({ gateway: { maxForwards: 70, messageTimeoutMs: 2000 }, presence: { defaultExpires: 60 }, json: { listen: `127.0.0.1:${port}`, heartbeatSeconds, maxBodyBytes: 65536 } }, ctx);
  await adapter.start();
  return { adapter, url: `http://127.0.0.1:${port}` };
}

function connect(url: string, token: string, opts: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; frames: any[] }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, ...opts });
  const frames: any[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (d) => { const f = JSON.parse(d.toString()); frames.push(f); if (f.type === 'hello') resolve({ ws, frames }); });
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(String(res.statusCode))));
  });
}

const until = async (cond: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('condition not met in time'); await new Promise((r) => setTimeout(r, 20)); }
};

const post = (url: string, token: string, body: unknown) => fetch(`${url}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: await r.json() as any }));

describe('JSON adapter with an in-test context', () => {
  const world = sharedWorld();
  let one: Awaited<ReturnType<typeof makeAdapter>>;
  let two: Awaited<ReturnType<typeof makeAdapter>>;
  beforeAll(async () => { one = await makeAdapter(world, 'i-one'); two = await makeAdapter(world, 'i-two', 2); });
  afterAll(async () => { await one.adapter.stop(); await two.adapter.stop(); });

  it('reports unknown-user and recipient-offline', async () => {
    expect((await post(one.url, 'alice-token', { to: 'zed@localhost', text: 'x' })).json.outcome).toMatchObject({ status: 'failed', code: 'unknown-user' });
    expect((await post(one.url, 'alice-token', { to: 'bob@localhost', text: 'x' })).json.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline' });
  });

  it('relays to the instance holding the socket', async () => {
    const b = await connect(two.url, 'bob-token');
    const r = await post(one.url, 'alice-token', { to: 'bob@localhost', text: 'relayed' });
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    await until(() => b.frames.some((f) => f.type === 'message' && f.text === 'relayed'), 2000);
    expect(await one.adapter.isOnline!({ local: 'bob', domain: 'localhost' })).toBe(true);
    b.ws.close();
    await until(() => world.outOfContact.includes('bob@localhost'), 2000);
    expect((await post(one.url, 'alice-token', { to: 'bob@localhost', text: 'x' })).json.outcome.code).toBe('recipient-offline');
  });

  it('a client whose heartbeat stops is out of contact (RFC 2779 3.2.5)', async () => {
    world.outOfContact.length = 0;
    const b = await connect(two.url, 'bob-token', { autoPong: false });
    const closed = new Promise<void>((r) => b.ws.once('close', () => r()));
    await until(() => world.outOfContact.includes('bob@localhost'), 5000);
    await closed;
  }, 10_000);

  it('refuses a stream without a valid token', async () => {
    await expect(connect(one.url, 'nope')).rejects.toThrow('401');
  });
});

describe('stop drains in-flight requests', () => {
  it('finishes a request in flight, then refuses new connections', async () => {
    const world = sharedWorld();
    const slow = await makeAdapter(world, 'i-slow', 30, 400);
    const inflight = post(slow.url, 'alice-token', { to: 'bob@localhost', text: 'slow' });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await slow.adapter.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.json.outcome.code).toBe('recipient-offline');
    await expect(post(slow.url, 'alice-token', { to: 'bob@localhost', text: 'late' })).rejects.toThrow();
  });
});
