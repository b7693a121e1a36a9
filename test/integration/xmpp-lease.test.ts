/**
 * The XMPP component lease (adapters/xmpp/lease.ts) with real parts: a real redis-server shared by
 * several real gateways (createGateway, same component configuration) and a real Prosody with a
 * real slixmpp client. Exactly one instance connects the component; a message JSON -> XMPP sent
 * through a standby is relayed to the holder and delivered; a holder that stops hands over within
 * a poll; a holder that can no longer reach the store disconnects, and a standby takes over once
 * the claim's TTL has run out, never while the old holder is still connected.
 */
import type { AdapterContext, AdapterState } from '../../canonical/adapter';
import type { XmppAdapter } from '../../adapters/xmpp/adapter';
import { createXmppAdapter } from '../../adapters/xmpp';
import type { LeaseTiming } from '../../adapters/xmpp/lease';
import { createComponentEntity } from '../../adapters/xmpp/component';
import { ADAPTERS } from '../../gateway/adapter-registry';
import { loadConfig } from '../../gateway/config';
import { createLogger } from '../../gateway/logging';
import { createGateway, type Gateway } from '../../gateway/service';
import { type ProsodyHandle, startProsody } from '../support/prosody';
import { startRedis } from '../support/redis';
import { startXmppPeer, type XmppPeer } from '../support/xmpp-peer';
import { ADMIN, addAccount, api, freePort, openStream, sleep, type Stream } from './json-client';

const SECRET = 'lease-secret';
const DOMAIN = 'sip.example.test';
const LEASE: LeaseTiming = { ttlMs: 3_000, renewMs: 1_000, pollMs: 300 };

let redis: Awaited<ReturnType<typeof startRedis>>;
let prosody: ProsodyHandle;
const peers: XmppPeer[] = [];
const streams: Stream[] = [];
const running: Instance[] = [];

interface Instance {
  gw: Gateway;
  url: string;
  /** Component entities this instance created (a standby creates none). */
  entities: number;
  /** While true, every adapter-state call of this instance's XMPP adapter fails (store unreachable). */
  storeBroken: boolean;
  xmpp(): XmppAdapter;
  stop(): Promise<void>;
}

/** The adapter's state, failing on demand: the holder's store connection gone, nothing else. */
function breakable(st: AdapterState, inst: { storeBroken: boolean }): AdapterState {
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    if (inst.storeBroken) throw new Error('store unreachable (test)');
    return f(...a);
  };
  return {
    get: guard((k: string) => st.get(k)),
    set: guard((k: string, v: string, t?: number) => st.set(k, v, t)),
    setIfAbsent: guard((k: string, v: string, t: number) => st.setIfAbsent(k, v, t)),
    del: guard((k: string) => st.del(k)),
    keys: guard((p: string) => st.keys(p)),
    compareAndSet: guard((k: string, e: string, v: string, t: number) => st.compareAndSet!(k, e, v, t)),
    compareAndDelete: guard((k: string, e: string) => st.compareAndDelete!(k, e)),
  };
}

async function startInstance(): Promise<Instance> {
  const port = await freePort();
  const config = loadConfig({
    text: `
gateway: { id: gw-lease.example, messageTimeoutMs: 4000 }
store: { kind: redis, url: "${redis.url}" }
domains: { api.example.test: json, example.test: xmpp }
json: { heartbeatSeconds: 30 }
xmpp: { components: [ { service: 'xmpp://127.0.0.1:${prosody.componentPort}', domain: ${DOMAIN}, secret: ${SECRET} } ], clients: [] }
`,
    env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${port}`, SWITCHBOARD_JSON__ADMINTOKEN: ADMIN },
  });
  const inst = { entities: 0, storeBroken: false } as Instance;
  const gw = await createGateway({
    config,
    log: createLogger({ level: (process.env.SB_TEST_LOG ?? 'silent') as 'silent', pretty: false }),
    factories: {
      ...ADAPTERS,
      xmpp: (c, ctx: AdapterContext) => createXmppAdapter(c, { ...ctx, state: breakable(ctx.state, inst) }, {
        lease: LEASE,
        createComponent: (s) => { inst.entities++; return createComponentEntity(s); },
      }),
    },
  });
  await gw.start();
  let stopped = false;
  Object.assign(inst, {
    gw, url: `http://127.0.0.1:${port}`,
    xmpp: () => gw.adapter('xmpp') as XmppAdapter,
    stop: async () => { if (!stopped) { stopped = true; await gw.stop(); } },
  });
  running.push(inst);
  return inst;
}

const connected = (i: Instance): boolean => i.xmpp().components()[0]?.connected === true;
const holderSeenBy = (i: Instance): string | undefined => i.xmpp().components()[0]?.holder;

/** Polls pred every 50 ms until true or ms passes; also checks `never` on every poll. */
async function waitFor(what: string, pred: () => boolean, ms: number, never?: () => string | undefined): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const bad = never?.();
    if (bad) throw new Error(bad);
    if (pred()) return Date.now() - t0;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

const bothConnected = (...xs: Instance[]) => (): string | undefined =>
  (xs.filter((x) => connected(x)).length > 1 ? 'two instances hold the component at once' : undefined);

async function readyz(url: string): Promise<any> {
  return (await api(url, undefined, 'GET', '/readyz')).json;
}

async function sendThrough(inst: Instance, token: string, text: string): Promise<any> {
  const res = await api(inst.url, token, 'POST', '/v1/messages', { to: 'romeo@example.test', text, deliveryNotification: true });
  return res.json;
}

beforeAll(async () => {
  redis = await startRedis();
  prosody = await startProsody({ domain: 'example.test', users: [{ user: 'romeo', password: 'pw' }], components: [{ domain: DOMAIN, secret: SECRET }] });
}, 60_000);
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
  await Promise.all(peers.map((p) => p.close()));
  for (const r of running) await r.stop().catch(() => undefined);
  await prosody?.stop();
  await redis?.stop();
}, 60_000);

it('one instance holds the component; standbys relay through it; a stopped or cut-off holder is replaced', async () => {
  const one = await startInstance();
  const two = await startInstance();
  await waitFor('instance one online', () => connected(one), 10_000);
  // Exactly one connects: the standby made no connection at all and names the holder.
  await waitFor('standby sees the holder', () => holderSeenBy(two) === one.gw.instanceId, 5_000);
  expect(connected(two)).toBe(false);
  expect(two.entities).toBe(0);
  expect(one.entities).toBe(1);
  expect(holderSeenBy(one)).toBe(one.gw.instanceId);
  // A standby is ready: it serves through the holder.
  expect((await readyz(one.url)).ready).toBe(true);
  expect(await readyz(two.url)).toMatchObject({ ready: true, checks: { xmpp: { ok: true } } });

  // JSON -> XMPP through the standby: relayed to the holder, delivered (XEP-0184 receipt).
  const alice = await addAccount(one.url, 'alice@api.example.test');
  const romeo = await startXmppPeer(prosody.c2sPort, 'romeo@example.test/t', 'pw', 120);
  peers.push(romeo);
  expect(await sendThrough(two, alice, 'via the standby')).toMatchObject({ outcome: { status: 'delivered' } });
  const m = await romeo.next((e) => e.event === 'message' && e.body === 'via the standby');
  expect(m.from).toBe(`alice%api.example.test@${DOMAIN}`);
  // The answer comes in on the holder and reaches alice's stream on the standby.
  const a = await openStream(two.url, alice); streams.push(a);
  romeo.send({ cmd: 'message', to: m.from, body: 'answered' });
  expect((await a.next((f) => f.type === 'message' && f.text === 'answered')).from).toBe('romeo@example.test');

  // The holder stops (releasing the lease): the standby takes over within a poll and a connect.
  await one.stop();
  const handover = await waitFor('standby takes over after a stop', () => connected(two), 5_000);
  expect(handover).toBeLessThan(5_000);
  expect(two.entities).toBe(1);
  expect(await sendThrough(two, alice, 'after the handover')).toMatchObject({ outcome: { status: 'delivered' } });
  await romeo.next((e) => e.event === 'message' && e.body === 'after the handover');

  // A third instance waits; the holder (two) loses its store: it gives the component up within
  // half the TTL, and three wins it only once the claim has lapsed -- never both connected.
  const three = await startInstance();
  await waitFor('three sees the holder', () => holderSeenBy(three) === two.gw.instanceId, 5_000);
  expect(three.entities).toBe(0);
  const cut = Date.now();
  two.storeBroken = true;
  const never = bothConnected(two, three);
  await waitFor('the cut-off holder disconnects', () => !connected(two), LEASE.ttlMs, never);
  await waitFor('three takes over after the TTL', () => connected(three), LEASE.ttlMs + 6_000, never);
  const takeover = Date.now() - cut;
  // The claim was renewed at most renewMs before the cut, so it lapses no sooner than this.
  expect(takeover).toBeGreaterThanOrEqual(LEASE.ttlMs - LEASE.renewMs);
  expect(await sendThrough(three, alice, 'after the takeover')).toMatchObject({ outcome: { status: 'delivered' } });
  await romeo.next((e) => e.event === 'message' && e.body === 'after the takeover');
  // The old holder, still cut off, reports itself not ready rather than standing by for nobody.
  expect((await readyz(two.url)).checks.xmpp.ok).toBe(false);
}, 90_000);
