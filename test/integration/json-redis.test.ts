/**
 * Several instances sharing one real redis-server behave as one gateway: a client streaming from
 * instance 2 receives a message sent through instance 1 and a notification for a publish made on
 * instance 1; a retry through the other instance is delivered once; state survives restarting
 * every instance.
 */
import { startRedis } from '../support/redis';
import { addAccount, api, openStream, type Running, startGateway, type Stream } from './json-client';

let redis: Awaited<ReturnType<typeof startRedis>>;
const yaml = (url: string): string => `
gateway: { id: gw-shared.example, messageTimeoutMs: 4000 }
store: { kind: redis, url: "${url}" }
domains: { localhost: json }
json: { heartbeatSeconds: 3 }
presence: { minExpires: 1 }
`;
const running: Running[] = [];
const streams: Stream[] = [];

beforeAll(async () => { redis = await startRedis(); }, 20_000);
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
  for (const r of running) await r.stop().catch(() => undefined);
  await redis?.stop();
}, 30_000);

it('two instances, one gateway; then a full restart keeps the state', async () => {
  const one = await startGateway(yaml(redis.url)); running.push(one);
  const two = await startGateway(yaml(redis.url)); running.push(two);
  expect(one.gw.instanceId).not.toBe(two.gw.instanceId);
  const alice = await addAccount(one.url, 'alice@localhost');
  const bob = await addAccount(two.url, 'bob@localhost');

  // The message: sent through instance 1, bob's stream is on instance 2.
  const b = await openStream(two.url, bob); streams.push(b);
  const r = await api(one.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'across instances', id: 'x-1' });
  expect(r.json.outcome).toEqual({ status: 'delivered' });
  expect((await b.next((f) => f.type === 'message' && f.id === r.json.id)).text).toBe('across instances');
  // A retry through the other instance: RFC 2779 5.4.2, delivered once.
  const retry = await api(two.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'across instances', id: 'x-1' });
  expect(retry.json.outcome.status).toBe('delivered');
  expect(await b.collect((f) => f.type === 'message' && f.text === 'across instances', 400)).toEqual([]);

  // The notification: subscribe on instance 2, publish on instance 1.
  const sub = await api(two.url, bob, 'POST', '/v1/subscriptions', { presentity: 'alice@localhost', expires: 600 });
  expect(sub.status).toBe(201);
  await api(one.url, alice, 'PUT', '/v1/presence', { basic: 'open', note: 'on instance one' });
  const n = await b.next((f) => f.type === 'presence' && f.presentity === 'alice@localhost' && f.presence?.view?.note === 'on instance one');
  expect(n.presence.view.basic).toBe('open');
  await api(one.url, bob, 'PUT', '/v1/rules', { inbox: { blockedSenders: ['eve@localhost'] } });

  // Restart every instance.
  await b.close();
  for (const x of running.splice(0)) await x.stop();
  const three = await startGateway(yaml(redis.url)); running.push(three);
  expect((await api(three.url, bob, 'GET', '/v1/subscriptions')).json.subscriptions)
    .toEqual(expect.arrayContaining([expect.objectContaining({ id: sub.json.id, presentity: 'alice@localhost', state: 'active' })]));
  const fetched = await api(three.url, bob, 'GET', '/v1/presence/alice@localhost');
  expect(fetched.status).toBe(200);
  expect(fetched.json.presence).not.toBeNull();
  expect((await api(three.url, bob, 'GET', '/v1/rules')).json.inbox.blockedSenders).toEqual(['eve@localhost']);
  // The message id is still remembered after the restart.
  const b2 = await openStream(three.url, bob); streams.push(b2);
  const again = await api(three.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'across instances', id: 'x-1' });
  expect(again.json.id).toBe(r.json.id);
  expect(await b2.collect((f) => f.type === 'message', 400)).toEqual([]);

  // /readyz: ready while the store answers, 503 naming the store once it is gone.
  expect((await api(three.url, undefined, 'GET', '/readyz')).status).toBe(200);
  await b2.close();
  await redis.stop();
  const notReady = await api(three.url, undefined, 'GET', '/readyz');
  expect(notReady.status).toBe(503);
  expect(notReady.json.ready).toBe(false);
  expect(JSON.stringify(notReady.json.checks)).toMatch(/store/);
  expect((await api(three.url, undefined, 'GET', '/healthz')).status).toBe(200);
}, 60_000);
