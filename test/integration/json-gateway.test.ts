/**
 * The JSON protocol end to end against a real createGateway (memory store) with real HTTP
 * (fetch) and WebSocket (ws) clients. Each test names the RFC 2779 requirement it shows.
 */
import { ADMIN, addAccount, api, b64, openStream, type Running, sleep, startGateway, type Stream } from './json-client';

const YAML = `
gateway: { id: gw-test.example, messageTimeoutMs: 3000 }
domains: { localhost: json }
json: { heartbeatSeconds: 2, maxBodyBytes: 65536 }
presence: { minExpires: 1, defaultExpires: 600, maxExpires: 3600 }
`;

let g: Running;
let alice: string; let bob: string; let carol: string; let dave: string;
const streams: Stream[] = [];
const open = async (token: string, via: 'header' | 'query' = 'header', opts: { autoPong?: boolean } = {}): Promise<Stream> => { const s = await openStream(g.url, token, via, opts); streams.push(s); return s; };

beforeAll(async () => {
  g = await startGateway(YAML);
  const t = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((u) => addAccount(g.url, `${u}@localhost`)));
  [alice, bob, carol, dave] = t as [string, string, string, string];
});
afterEach(async () => { await Promise.all(streams.splice(0).map((s) => s.close())); });
afterAll(async () => { await g?.stop(); });

describe('authentication (no unauthenticated access)', () => {
  it('refuses requests without or with a wrong token', async () => {
    const none = await api(g.url, undefined, 'GET', '/v1/subscriptions');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthenticated');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api(g.url, 'wrong-token-123', 'POST', '/v1/messages', { to: 'bob@localhost', text: 'x' })).status).toBe(401);
    await expect(openStream(g.url, 'wrong-token-123')).rejects.toThrow(/401/);
  });
  it('admin resources need an admin token', async () => {
    const r = await api(g.url, alice, 'GET', '/v1/admin/accounts');
    expect(r.status).toBe(403);
    const list = await api(g.url, ADMIN, 'GET', '/v1/admin/accounts');
    expect(list.status).toBe(200);
    expect(list.json.accounts.map((a: { address: string }) => a.address)).toEqual(expect.arrayContaining(['alice@localhost', 'bob@localhost']));
  });
  it('accounts are created only in JSON domains, and revoked tokens stop working', async () => {
    expect((await api(g.url, ADMIN, 'POST', '/v1/admin/accounts', { address: 'x@elsewhere.test' })).json.error.field).toBe('address');
    const t = await addAccount(g.url, 'temp@localhost');
    expect((await api(g.url, t, 'GET', '/v1/rules')).status).toBe(200);
    expect((await api(g.url, ADMIN, 'DELETE', '/v1/admin/accounts/temp@localhost')).status).toBe(200);
    expect((await api(g.url, t, 'GET', '/v1/rules')).status).toBe(401);
  });
});

describe('messages (RFC 2779 4.2.1, 5.4.1, 5.4.2)', () => {
  it('delivers between two JSON clients with the outcome; the sender is the principal', async () => {
    const b = await open(bob);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'Grüße, Bob ✓', subject: 'hi' });
    expect(r.status).toBe(200);
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    const f = await b.next((x) => x.type === 'message' && x.id === r.json.id);
    expect(f).toMatchObject({ from: 'alice@localhost', to: 'bob@localhost', text: 'Grüße, Bob ✓', subject: [{ text: 'hi' }] });
    expect(Buffer.from(f.base64, 'base64').toString('utf8')).toBe('Grüße, Bob ✓');
    expect(f.trace).toEqual(['gw-test.example']);
  });

  it('refuses a spoofed from (RFC 2779 5.4.3)', async () => {
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'x', from: 'carol@localhost' });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'bad-request', field: 'from' });
  });

  it('relays signed bytes and raw message/cpim exactly', async () => {
    const b = await open(bob);
    const bytes = Buffer.concat([Buffer.from('Content-Type: multipart/signed; boundary=x\r\n\r\n--x\r\n'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a]), Buffer.from('\r\n--x--\r\n')]);
    const r1 = await api(g.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', base64: b64(bytes), contentType: 'multipart/signed; protocol="application/pkcs7-signature"; boundary=x' });
    expect(r1.json.outcome.status).toBe('delivered');
    const f1 = await b.next((x) => x.type === 'message' && x.id === r1.json.id);
    expect(Buffer.from(f1.base64, 'base64').equals(bytes)).toBe(true);
    expect(f1.text).toBeUndefined();
    const cpim = Buffer.from('From: <im:alice@localhost>\r\nTo: <im:bob@localhost>\r\nDateTime: 2026-01-01T00:00:00Z\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n\r\nhé\r\n', 'utf8');
    const r2 = await api(g.url, alice, 'POST', '/v1/messages?to=bob@localhost', new Uint8Array(cpim), { 'content-type': 'message/cpim' });
    expect(r2.json.outcome.status).toBe('delivered');
    const f2 = await b.next((x) => x.type === 'message' && x.id === r2.json.id);
    expect(f2.contentType).toBe('message/cpim');
    expect(Buffer.from(f2.base64, 'base64').equals(cpim)).toBe(true);
    expect(f2.text).toBe('hé\r\n');
    // Without ?to= the CPIM To names the recipient; a From that is not the principal is refused.
    const r3 = await api(g.url, alice, 'POST', '/v1/messages', new Uint8Array(cpim), { 'content-type': 'message/cpim' });
    expect(r3.json.outcome.status).toBe('delivered');
    const spoof = await api(g.url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', cpim: b64(cpim.toString('utf8').replace('im:alice@', 'im:carol@')) });
    expect(spoof.status).toBe(403);
    expect(spoof.json.error).toMatchObject({ code: 'forbidden', field: 'cpim.From' });
  });

  it('reports each failure reason: unknown user, offline, blocked, unknown domain', async () => {
    const unknown = await api(g.url, alice, 'POST', '/v1/messages', { to: 'nobody@localhost', text: 'x' });
    expect(unknown.status).toBe(200);
    expect(unknown.json.outcome).toMatchObject({ status: 'failed', code: 'unknown-user' });
    const offline = await api(g.url, alice, 'POST', '/v1/messages', { to: 'carol@localhost', text: 'x' });
    expect(offline.json.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline' });
    const domain = await api(g.url, alice, 'POST', '/v1/messages', { to: 'x@nowhere.invalid', text: 'x' });
    expect(domain.json.outcome).toMatchObject({ status: 'failed', code: 'unknown-domain' });
    // RFC 2779 5.4.10: "B MUST be able to prevent A from sending him messages"
    const d = await open(dave);
    expect((await api(g.url, dave, 'PUT', '/v1/rules', { inbox: { blockedSenders: ['alice@localhost'] } })).status).toBe(200);
    const blocked = await api(g.url, alice, 'POST', '/v1/messages', { to: 'dave@localhost', text: 'let me in' });
    expect(blocked.json.outcome).toMatchObject({ status: 'failed', code: 'sender-blocked' });
    const fromBob = await api(g.url, bob, 'POST', '/v1/messages', { to: 'dave@localhost', text: 'hi dave' });
    expect(fromBob.json.outcome.status).toBe('delivered');
    expect(await d.collect((x) => x.type === 'message' && x.from === 'alice@localhost', 200)).toEqual([]);
    await api(g.url, dave, 'PUT', '/v1/rules', {});
  });

  it('delivers a retried message once (RFC 2779 5.4.2)', async () => {
    const b = await open(bob);
    const body = { to: 'bob@localhost', text: 'once', id: 'retry-1' };
    const [r1, r2] = [await api(g.url, alice, 'POST', '/v1/messages', body), await api(g.url, alice, 'POST', '/v1/messages', body)];
    expect(r1.json.outcome.status).toBe('delivered');
    expect(r2.json.id).toBe(r1.json.id);
    expect(r2.json.clientId).toBe('retry-1');
    expect(r2.json.outcome.status).toBe('delivered');
    const got = await b.collect((x) => x.type === 'message' && x.text === 'once', 300);
    expect(got).toHaveLength(1);
    // The same client id from another sender is another message.
    const r3 = await api(g.url, carol, 'POST', '/v1/messages', body);
    expect(r3.json.id).not.toBe(r1.json.id);
  });

  it('sends on the stream and answers with the outcome', async () => {
    const a = await open(alice, 'query');
    const b = await open(bob);
    a.send({ type: 'message', requestId: 'q1', to: 'bob@localhost', text: 'over the stream' });
    const out = await a.next((x) => x.type === 'outcome' && x.requestId === 'q1');
    expect(out.outcome).toEqual({ status: 'delivered' });
    expect((await b.next((x) => x.type === 'message' && x.id === out.id)).from).toBe('alice@localhost');
    a.send({ type: 'message', requestId: 'q2', to: 'bob@localhost', text: 'x', from: 'eve@localhost' });
    expect((await a.next((x) => x.type === 'error' && x.requestId === 'q2')).error).toMatchObject({ code: 'bad-request', field: 'from' });
  });
});

describe('presence (RFC 2779 3.2, 5.1)', () => {
  it('publish, fetch, subscribe, notify, list, watchers, unsubscribe', async () => {
    const b = await open(bob);
    const a = await open(alice);
    expect((await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'open', note: 'in the office' })).status).toBe(200);
    const fetched = await api(g.url, bob, 'GET', '/v1/presence/alice@localhost');
    expect(fetched.status).toBe(200);
    expect(fetched.json.presence.view).toMatchObject({ basic: 'open', note: 'in the office' });
    const pidf = await api(g.url, bob, 'GET', '/v1/presence/alice@localhost', undefined, { accept: 'application/pidf+xml' });
    expect(pidf.headers.get('content-type')).toMatch(/^application\/pidf\+xml/);
    expect(pidf.bytes.equals(Buffer.from(fetched.json.presence.pidf, 'base64'))).toBe(true);

    const sub = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'alice@localhost', expires: 300 });
    expect(sub.status).toBe(201);
    expect(sub.json.state).toBe('active');
    const id = sub.json.id as string;
    // 5.1.10: the subscriber can see the state of its subscription.
    const mine = await api(g.url, bob, 'GET', '/v1/subscriptions');
    expect(mine.json.subscriptions).toEqual(expect.arrayContaining([expect.objectContaining({ id, presentity: 'alice@localhost', state: 'active' })]));
    // 5.1.11: the presentity learns of it.
    const watchers = await api(g.url, alice, 'GET', '/v1/watchers');
    expect(watchers.json.watchers.map((w: { watcher: string }) => w.watcher)).toContain('bob@localhost');
    // 3.2.3: a change notifies the subscriber.
    await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'closed', note: 'gone home' });
    const n = await b.next((x) => x.type === 'presence' && x.presentity === 'alice@localhost' && x.presence?.view?.basic === 'closed');
    expect(n.presence.view.note).toBe('gone home');
    // 5.1.7: unsubscribe ends notifications.
    expect((await api(g.url, bob, 'DELETE', `/v1/subscriptions/${id}`)).json.state).toBe('terminated');
    await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'open', note: 'back' });
    expect(await b.collect((x) => x.type === 'presence' && x.presence?.view?.note === 'back', 300)).toEqual([]);
    // Someone else cannot end bob's subscription (5.1.8).
    const s2 = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'alice@localhost' });
    expect((await api(g.url, carol, 'DELETE', `/v1/subscriptions/${s2.json.id}`)).status).toBe(404);
    // 5.1.16: the presentity cancels a watcher at will.
    expect((await api(g.url, alice, 'DELETE', '/v1/watchers/bob@localhost')).status).toBe(200);
    expect((await api(g.url, alice, 'GET', '/v1/watchers')).json.watchers.map((w: { watcher: string }) => w.watcher)).not.toContain('bob@localhost');
    // 3.2.1: fetch works while the presentity is out of contact (its stream closed).
    await a.close();
    await sleep(300);
    const after = await api(g.url, bob, 'GET', '/v1/presence/alice@localhost');
    expect(after.status).toBe(200);
    expect(after.json.presence.view.basic).toBe('closed');
  });

  it('publishes a raw PIDF document as exact bytes, and refuses one about someone else', async () => {
    const doc = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:carol@localhost">\n  <tuple id="t1"><status><basic>open</basic></status><note xml:lang="fr">à midi</note></tuple>\n</presence>\n');
    const r = await api(g.url, carol, 'PUT', '/v1/presence', new Uint8Array(doc), { 'content-type': 'application/pidf+xml' });
    expect(r.status).toBe(200);
    const f = await api(g.url, dave, 'GET', '/v1/presence/carol@localhost');
    expect(f.json.presence.view).toMatchObject({ basic: 'open', note: 'à midi' });
    const spoof = doc.toString().replace('carol@', 'alice@');
    const s = await api(g.url, carol, 'PUT', '/v1/presence', spoof, { 'content-type': 'application/pidf+xml' });
    expect(s.status).toBe(403);
    expect(s.json.error.field).toBe('entity');
  });

  it('applies rules: deny is seen, polite blocking looks granted but delivers nothing (5.1.5, 5.1.15)', async () => {
    expect((await api(g.url, dave, 'PUT', '/v1/rules', { presence: { watchers: { 'carol@localhost': 'polite-block', 'alice@localhost': 'deny' } } })).status).toBe(200);
    const c = await open(carol);
    const b = await open(bob);
    const denied = await api(g.url, alice, 'POST', '/v1/subscriptions', { presentity: 'dave@localhost' });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('forbidden');
    const polite = await api(g.url, carol, 'POST', '/v1/subscriptions', { presentity: 'dave@localhost' });
    expect(polite.status).toBe(201);
    expect(polite.json.state).toBe('active');
    expect((await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'dave@localhost' })).status).toBe(201);
    await api(g.url, dave, 'PUT', '/v1/presence', { basic: 'open', note: 'dave here' });
    await b.next((x) => x.type === 'presence' && x.presentity === 'dave@localhost' && x.presence?.view?.note === 'dave here');
    expect(await c.collect((x) => x.type === 'presence' && x.presentity === 'dave@localhost' && x.presence?.view?.note === 'dave here', 300)).toEqual([]);
    const rules = await api(g.url, dave, 'GET', '/v1/rules');
    expect(rules.json.presence.watchers).toEqual({ 'carol@localhost': 'polite-block', 'alice@localhost': 'deny' });
  });
});

describe('out of contact, refresh, admin view (RFC 2779 3.2.4, 3.2.5, 5.1.10)', () => {
  it('a presentity whose heartbeat stops goes out of contact and its watchers see it closed', async () => {
    const t = await addAccount(g.url, 'erin@localhost');
    const b = await open(bob);
    const sub = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'erin@localhost', expires: 120 });
    expect(sub.status).toBe(201);
    // erin's client answers no pings: a failure, not a goodbye (3.2.5).
    const e = await open(t, 'header', { autoPong: false });
    await api(g.url, t, 'PUT', '/v1/presence', { basic: 'open', note: 'erin online' });
    await b.next((x) => x.type === 'presence' && x.presentity === 'erin@localhost' && x.presence?.view?.basic === 'open');
    const closed = await b.next((x) => x.type === 'presence' && x.presentity === 'erin@localhost' && x.presence?.view?.basic === 'closed', 8000);
    expect(closed.state).toBe('active');
    expect(e.ws.readyState).toBe(e.ws.CLOSED);
    // 3.2.1: still fetchable while out of contact.
    expect((await api(g.url, carol, 'GET', '/v1/presence/erin@localhost')).json.presence.view.basic).toBe('closed');

    // Refresh changes the expiry (only the owner's subscription).
    const refreshed = await api(g.url, bob, 'PUT', `/v1/subscriptions/${sub.json.id}`, { expires: 900 });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.expires).toBeGreaterThan(600);
    expect((await api(g.url, carol, 'PUT', `/v1/subscriptions/${sub.json.id}`, { expires: 900 })).status).toBe(404);
    // The admin sees who watches a presentity.
    const adminView = await api(g.url, ADMIN, 'GET', '/v1/admin/presentities/erin@localhost/watchers');
    expect(adminView.json.watchers.map((w: { watcher: string }) => w.watcher)).toEqual(['bob@localhost']);
    expect((await api(g.url, bob, 'GET', '/v1/admin/presentities/erin@localhost/watchers')).status).toBe(403);
  }, 20_000);
});

describe('bad input gets 400/413/415 naming the field and changes nothing', () => {
  const cases: Array<[string, string, string, unknown, Record<string, string>, number, string, string | undefined]> = [
    ['wrong type', 'POST', '/v1/messages', { to: 5, text: 'x' }, {}, 400, 'bad-request', 'to'],
    ['unknown field', 'POST', '/v1/messages', { to: 'bob@localhost', text: 'x', colour: 'red' }, {}, 400, 'bad-request', 'colour'],
    ['10,000-element array', 'PUT', '/v1/rules', { inbox: { blockedSenders: new Array(10_000).fill('a@b') } }, {}, 400, 'bad-request', 'inbox.blockedSenders'],
    ['deep nesting', 'PUT', '/v1/rules', `${'{"presence":'.repeat(40)}1${'}'.repeat(40)}`, { 'content-type': 'application/json' }, 400, 'bad-request', 'body'],
    ['__proto__ key', 'PUT', '/v1/rules', '{"__proto__":{"inbox":{"blockedSenders":["bob@localhost"]}}}', { 'content-type': 'application/json' }, 400, 'bad-request', '__proto__'],
    ['invalid UTF-8', 'PUT', '/v1/rules', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), { 'content-type': 'application/json' }, 400, 'bad-request', 'body'],
    ['oversized body', 'PUT', '/v1/rules', JSON.stringify({ inbox: { blockedSenders: ['a@b'] }, pad: 'x'.repeat(70_000) }), { 'content-type': 'application/json' }, 413, 'payload-too-large', 'body'],
    ['bad rule decision', 'PUT', '/v1/rules', { presence: { default: 'sometimes' } }, {}, 400, 'bad-request', 'presence.default'],
    ['malformed address', 'POST', '/v1/messages', { to: 'not an address', text: 'x' }, {}, 400, 'address-malformed', 'to'],
    ['wrong content type', 'PUT', '/v1/rules', 'inbox=1', { 'content-type': 'text/plain' }, 415, 'unsupported-media-type', 'Content-Type'],
    ['bad presence', 'PUT', '/v1/presence', { basic: 'maybe' }, {}, 400, 'bad-request', 'basic'],
    ['bad pidf', 'PUT', '/v1/presence', '<presence', { 'content-type': 'application/pidf+xml' }, 400, 'bad-request', 'body'],
    ['bad subscription', 'POST', '/v1/subscriptions', { presentity: 'bob@localhost', expires: 'soon' }, {}, 400, 'bad-request', 'expires'],
    ['bad account', 'POST', '/v1/admin/accounts', { address: 'new@localhost', admin: 'yes' }, {}, 400, 'bad-request', 'admin'],
  ];
  it.each(cases)('%s', async (_n, method, path, body, headers, status, code, field) => {
    const token = path.startsWith('/v1/admin') ? ADMIN : alice;
    const before = { rules: (await api(g.url, alice, 'GET', '/v1/rules')).json, accounts: (await api(g.url, ADMIN, 'GET', '/v1/admin/accounts')).json, presence: (await api(g.url, bob, 'GET', '/v1/presence/alice@localhost')).json };
    const r = await api(g.url, token, method, path, body, headers);
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    if (field !== undefined) expect(r.json.error.field).toBe(field);
    expect(typeof r.json.error.message).toBe('string');
    const after = { rules: (await api(g.url, alice, 'GET', '/v1/rules')).json, accounts: (await api(g.url, ADMIN, 'GET', '/v1/admin/accounts')).json, presence: (await api(g.url, bob, 'GET', '/v1/presence/alice@localhost')).json };
    expect(after).toEqual(before);
  });
});

describe('operations endpoints and the OpenAPI document', () => {
  it('serves /healthz, /readyz, /metrics and /v1/openapi.json', async () => {
    expect((await api(g.url, undefined, 'GET', '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await api(g.url, undefined, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json.ready).toBe(true);
    const m = await api(g.url, undefined, 'GET', '/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/^# (HELP|TYPE) /m);
    const doc = await api(g.url, undefined, 'GET', '/v1/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    for (const p of ['/v1/messages', '/v1/stream', '/v1/presence', '/v1/presence/{entity}', '/v1/subscriptions', '/v1/subscriptions/{id}', '/v1/watchers', '/v1/watchers/{watcher}', '/v1/rules', '/v1/admin/accounts', '/v1/admin/accounts/{address}', '/v1/admin/presentities/{entity}/watchers']) {
      expect(doc.json.paths[p]).toBeDefined();
    }
  });
  it('answers an unknown resource with a JSON 404', async () => {
    const r = await api(g.url, alice, 'GET', '/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.json.error.field).toBe('path');
  });
});
