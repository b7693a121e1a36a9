/**
 * XMPP end to end through the real gateway (createGateway, memory store, JSON adapter): a real
 * Prosody (test/support/prosody.ts) with the gateway as a XEP-0114 component for
 * sip.example.test, and real slixmpp clients (test/xmpp-client.py) on example.test.
 * Messages both ways (subject, non-ASCII, receipts, errors, a signed CPIM verified with openssl),
 * presence both ways (subscribe, probe, unsubscribe), disco#info, restart and reconnect, and a
 * wrong component secret.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCpim } from '../../canonical/cpim';
import { findHeader, parseMimeEntity } from '../../canonical/mime';
import { makeCert, makeTempDir, removeTempDir, signDetached, verify, verifySmime, type CertFiles } from '../support/openssl';
import { startProcess, type ManagedProcess } from '../support/process';
import { isPortOpen } from '../support/ports';
import { type ProsodyHandle, startProsody, PROSODY } from '../support/prosody';
import { startXmppPeer, type XmppPeer } from '../support/xmpp-peer';
import { loadConfig } from '../../gateway/config';
import { createLogger } from '../../gateway/logging';
import { createGateway, type Gateway } from '../../gateway/service';
import { addAccount, api, freePort, openStream, type Running, sleep, startGateway, type Stream } from './json-client';

const GW_ID = 'gw-xmpp-test.example';
const SECRET = 'component-secret';

let prosody: ProsodyHandle;
let g: Running;
let alice: string;
let certDir: string;
let cert: CertFiles;
const streams: Stream[] = [];
const clients: XmppClient[] = [];

type XmppClient = XmppPeer;

/** Starts test/xmpp-client.py (slixmpp) logged in as user@example.test; bounded lifetime. */
async function xmppClient(user: string): Promise<XmppClient> {
  const c = await startXmppPeer(prosody.c2sPort, `${user}@example.test/t`, 'pw', 90);
  clients.push(c);
  return c;
}

const open = async (token: string): Promise<Stream> => { const s = await openStream(g.url, token); streams.push(s); return s; };
const readyz = async (url: string): Promise<any> => (await api(url, undefined, 'GET', '/readyz')).json;
async function waitReady(want: boolean, ms = 15_000, url = g.url): Promise<any> {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await readyz(url);
    if (last.ready === want) return last;
    await sleep(100);
  }
  throw new Error(`readiness did not become ${want}: ${JSON.stringify(last)}`);
}

/** A copy of a harness Prosody's directory (config, data), paths rewritten, to run it again on the same ports. */
function copyProsody(p: ProsodyHandle): { dir: string; configFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-prosody-copy-'));
  fs.cpSync(p.dataDir, dir, { recursive: true });
  const configFile = path.join(dir, 'prosody.cfg.lua');
  fs.writeFileSync(configFile, fs.readFileSync(configFile, 'utf8').split(p.dataDir).join(dir));
  fs.rmSync(path.join(dir, 'prosody.pid'), { force: true });
  return { dir, configFile };
}

function runProsodyCopy(copy: { dir: string; configFile: string }, port: number): Promise<ManagedProcess> {
  return startProcess({
    name: 'prosody', command: PROSODY, args: ['-F', '--config', copy.configFile], cwd: copy.dir,
    env: { ...process.env, HOME: copy.dir },
    ready: () => isPortOpen(port),
  });
}

const quietLog = () => createLogger({ level: (process.env.SB_TEST_LOG ?? 'silent') as 'silent', pretty: false });

function gatewayYaml(port: number, secret = SECRET, domain = 'sip.example.test'): string {
  return `
gateway: { id: ${GW_ID}, messageTimeoutMs: 4000 }
domains: { api.example.test: json, example.test: xmpp }
json: { heartbeatSeconds: 30, maxBodyBytes: 65536 }
presence: { minExpires: 2, defaultExpires: 600, maxExpires: 3600 }
xmpp: { components: [ { service: 'xmpp://127.0.0.1:${port}', domain: ${domain}, secret: ${secret} } ], clients: [] }
`;
}

beforeAll(async () => {
  expect(fs.existsSync(PROSODY)).toBe(true);
  prosody = await startProsody({
    domain: 'example.test',
    users: [{ user: 'juliet', password: 'pw' }, { user: 'romeo', password: 'pw' }, { user: 'nurse', password: 'pw' }],
    components: [{ domain: 'sip.example.test', secret: SECRET }],
  });
  g = await startGateway(gatewayYaml(prosody.componentPort));
  alice = await addAccount(g.url, 'alice@api.example.test');
  certDir = await makeTempDir();
  cert = await makeCert(certDir, { name: 'alice', uri: 'im:alice@api.example.test' });
}, 60_000);
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.close()));
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await g?.stop();
  await prosody?.stop();
  if (certDir) await removeTempDir(certDir);
}, 30_000);

const ALICE_JID = 'alice%api.example.test@sip.example.test';

describe('component', () => {
  it('is ready once the component is online, and answers disco#info for its domain (XEP-0030)', async () => {
    const r = await waitReady(true);
    expect(r.ready).toBe(true);
    const j = await xmppClient('juliet');
    j.send({ cmd: 'disco', to: 'sip.example.test' });
    const d = await j.next((e) => e.event === 'disco');
    expect(d.identities).toEqual(expect.arrayContaining([expect.arrayContaining(['gateway', 'simple'])]));
    expect(d.features).toEqual(expect.arrayContaining(['urn:xmpp:receipts', 'urn:ietf:params:xml:ns:xmpp-e2e', 'urn:switchboard:raw:0', 'urn:switchboard:trace:0']));
  });

  // RFC 6120 8.2.3/8.4: every IQ get/set gets exactly one reply, results and errors none. xmpp.js's
  // own IQ handler used to answer <service-unavailable/> besides the adapter's disco#info. Each
  // row sends a raw <iq/> and counts the stanzas with its id that arrive within 1.5 s.
  const DISCO_INFO = "<query xmlns='http://jabber.org/protocol/disco#info'/>";
  const DISCO_ITEMS = "<query xmlns='http://jabber.org/protocol/disco#items'/>";
  it.each([
    ['disco#info on the domain', 'sip.example.test', 'get', DISCO_INFO, 'result', null],
    ['disco#items on the domain', 'sip.example.test', 'get', DISCO_ITEMS, 'result', null],
    ['disco#info on a user of the domain', ALICE_JID, 'get', DISCO_INFO, 'result', null],
    ['disco#info on a node we do not have', 'sip.example.test', 'get', "<query xmlns='http://jabber.org/protocol/disco#info' node='x'/>", 'error', 'item-not-found'],
    ['ping (XEP-0199)', 'sip.example.test', 'get', "<ping xmlns='urn:xmpp:ping'/>", 'result', null],
    ['an unknown get', 'sip.example.test', 'get', "<query xmlns='jabber:iq:version'/>", 'error', 'service-unavailable'],
    ['an unknown set to a user', ALICE_JID, 'set', "<query xmlns='jabber:iq:register'/>", 'error', 'service-unavailable'],
  ])('IQ %s: exactly one answer', async (_name, to, type, payload, wantType, wantError) => {
    await waitReady(true);
    const j = await xmppClient('juliet');
    const id = `iq-${Math.random().toString(36).slice(2)}`;
    j.send({ cmd: 'iq', to, type, id, payload, waitMs: 1500 });
    const r = await j.next((e) => e.event === 'iq-replies' && e.id === id, 8000);
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0].type).toBe(wantType);
    expect(r.replies[0].from).toBe(to);
    if (wantError) expect(r.replies[0].error).toEqual([wantError]);
    if (payload === DISCO_INFO) expect(r.replies[0].xml).toContain(to === ALICE_JID ? 'category="account"' : 'category="gateway"');
  });

  it('IQ result and error to the gateway are never answered', async () => {
    await waitReady(true);
    const j = await xmppClient('juliet');
    for (const type of ['result', 'error']) {
      const id = `iq-${type}-${Math.random().toString(36).slice(2)}`;
      const payload = type === 'error' ? "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>" : '';
      j.send({ cmd: 'iq', to: 'sip.example.test', type, id, payload, waitMs: 1000 });
      const r = await j.next((e) => e.event === 'iq-replies' && e.id === id, 8000);
      expect(r.replies).toEqual([]);
    }
  });
});

describe('messages', () => {
  it('XMPP to JSON: subject with xml:lang, non-ASCII body, thread; a requested receipt comes back', async () => {
    const a = await open(alice);
    const j = await xmppClient('juliet');
    j.send({ cmd: 'message', to: ALICE_JID, body: 'Příliš žluťoučký kůň 🐎', subject: 'Ahoj!', subjectLang: 'cs', thread: 'th-1', id: 'm-1', receipt: true });
    const f = await a.next((x) => x.type === 'message' && x.from === 'juliet@example.test');
    expect(f.text).toBe('Příliš žluťoučký kůň 🐎');
    expect(f.contentType).toBe('text/plain;charset=utf-8');
    expect(f.subject).toEqual([{ text: 'Ahoj!', lang: 'cs' }]);
    expect(f.thread).toBe('th-1');
    expect(f.via).toBe('xmpp');
    expect(f.trace).toEqual([GW_ID]);
    const r = await j.next((e) => e.event === 'message' && e.received === 'm-1');
    expect(r.from).toBe(ALICE_JID);
  });

  it('XMPP to JSON: 80 KB of 4-byte characters survive TCP chunking unchanged (UTF-8 decoded across chunks; fails without the fix)', async () => {
    const a = await open(alice);
    const j = await xmppClient('juliet');
    // 4-byte characters after 0..3 ASCII ones: wherever the reads split the stream, one of the
    // four messages has a character cut in two.
    for (let k = 0; k < 4; k++) {
      const text = `${'k'.repeat(k)}${'🐎'.repeat(20_000)}`;
      j.send({ cmd: 'message', to: ALICE_JID, body: text, id: `m-big-${k}` });
      const f = await a.next((x) => x.type === 'message' && x.id === `m-big-${k}`, 10_000);
      expect(f.text).toBe(text);
    }
  });

  it('XMPP to JSON: an RFC 3923 <e2e/> from an ordinary client is unwrapped; the signature still verifies', async () => {
    const a = await open(alice);
    const j = await xmppClient('juliet');
    const entity = Buffer.from(await signDetached(Buffer.from('Content-Type: text/plain\r\n\r\nsigned by juliet\r\n'), cert));
    j.send({ cmd: 'message', to: ALICE_JID, e2e: entity.toString('utf8'), id: 'm-e2e' });
    const f = await a.next((x) => x.type === 'message' && x.id === 'm-e2e');
    expect(f.contentType).toMatch(/^multipart\/signed;/);
    const body = Buffer.from(f.base64, 'base64');
    // XML turned CRLF into LF (XML 1.0 2.11); the bytes are otherwise as sent, and S/MIME
    // verification canonicalizes line ends (RFC 8551 3.1.1).
    expect(body.toString('utf8')).toBe(entity.subarray(entity.indexOf('\r\n\r\n') + 4).toString('utf8').replace(/\r\n/g, '\n'));
    // openssl's own S/MIME reader, in text mode, canonicalizes line ends as a recipient does.
    const v = await verifySmime(Buffer.concat([Buffer.from(`Content-Type: ${f.contentType}\n\n`), body]), { caFile: cert.certFile });
    expect(v.stderr).toBe(v.ok ? v.stderr : 'verification failed');
    expect(v.ok).toBe(true);
  });

  it('XMPP to JSON: <raw/> from another Switchboard restores the exact bytes (CRLF kept)', async () => {
    const a = await open(alice);
    const j = await xmppClient('juliet');
    const entity = Buffer.from(await signDetached(Buffer.from('Content-Type: text/plain\r\n\r\nsigned, relayed raw\r\n'), cert));
    const parsed = parseMimeEntity(entity);
    const type = findHeader(parsed.headers, 'content-type')!.value.replace(/\r\n[ \t]+/g, ' ');
    const body = Buffer.from(parsed.body);
    j.send({ cmd: 'message', to: ALICE_JID, raw: body.toString('base64'), rawType: type, id: 'm-raw', trace: 'gw-upstream.example', hops: 42 });
    const f = await a.next((x) => x.type === 'message' && x.id === 'm-raw');
    expect(f.contentType).toBe(type);
    expect(Buffer.from(f.base64, 'base64').equals(body)).toBe(true);
    expect(f.trace).toEqual(['gw-upstream.example', GW_ID]);
    expect(f.maxForwards).toBe(41);
    expect((await verify(Buffer.concat([Buffer.from(`Content-Type: ${type}\r\n\r\n`), body]), { caFile: cert.certFile })).ok).toBe(true);
  });

  it('loops on entry: our own id in the trace, or no hops left, is refused with a stanza error', async () => {
    const j = await xmppClient('juliet');
    j.send({ cmd: 'message', to: ALICE_JID, body: 'loop', id: 'm-loop', trace: `gw-a.example, ${GW_ID}` });
    const e1 = await j.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'm-loop');
    expect(e1.error).toEqual(['not-acceptable']);
    j.send({ cmd: 'message', to: ALICE_JID, body: 'no hops', id: 'm-hops', trace: 'gw-a.example', hops: 0 });
    const e2 = await j.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'm-hops');
    expect(e2.error).toEqual(['not-acceptable']);
    j.send({ cmd: 'message', to: ALICE_JID, body: 'bad trace', id: 'm-bad', trace: 'not an id!' });
    const e3 = await j.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'm-bad');
    expect(e3.error).toEqual(['bad-request']);
  });

  it('XMPP to an unknown JSON user: the XMPP client gets a stanza error', async () => {
    const j = await xmppClient('juliet');
    j.send({ cmd: 'message', to: 'nobody%api.example.test@sip.example.test', body: 'hello?', id: 'm-2' });
    const e = await j.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'm-2');
    expect(e.error?.length).toBe(1);
  });

  it('JSON to XMPP: subject and non-ASCII text arrive in <subject/> and <body/>; with a receipt the outcome is delivered', async () => {
    const r1 = await xmppClient('romeo');
    const res = await api(g.url, alice, 'POST', '/v1/messages', {
      to: 'romeo@example.test', text: 'Ó Romeu, 你好 ✓', subject: [{ text: 'Olá', lang: 'pt' }], thread: 'th-9', deliveryNotification: true,
    });
    expect(res.json.outcome).toEqual({ status: 'delivered' });
    const m = await r1.next((e) => e.event === 'message' && e.body === 'Ó Romeu, 你好 ✓');
    expect(m.from).toBe(ALICE_JID);
    expect(m.subject).toBe('Olá');
    expect(m.subjectLang).toBe('pt');
    expect(m.thread).toBe('th-9');
    expect(m.xml).toContain(`urn:switchboard:trace:0`);
    // The XMPP user answers the escaped JID and it reaches alice (RFC 2779 4.1.3).
    const a = await open(alice);
    r1.send({ cmd: 'message', to: m.from, body: 'back at you', thread: m.thread });
    const back = await a.next((x) => x.type === 'message' && x.text === 'back at you');
    expect(back.from).toBe('romeo@example.test');
    expect(back.thread).toBe('th-9');
  });

  it('JSON to XMPP without a receipt request: indeterminate (RFC 3860 3.4.1)', async () => {
    const r1 = await xmppClient('romeo');
    const res = await api(g.url, alice, 'POST', '/v1/messages', { to: 'romeo@example.test', text: 'no receipt please' });
    expect(res.json.outcome.status).toBe('indeterminate');
    await r1.next((e) => e.event === 'message' && e.body === 'no receipt please');
  });

  it('JSON to an offline XMPP user: the stanza error becomes a failure (RFC 7247 7)', async () => {
    const res = await api(g.url, alice, 'POST', '/v1/messages', { to: 'nurse@example.test', text: 'are you there?' });
    expect(res.json.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline', remote: { xmpp: 'service-unavailable' } });
  });

  it('a signed CPIM from JSON arrives in <e2e/> and <raw/>; the raw bytes verify with openssl', async () => {
    const r1 = await xmppClient('romeo');
    const signed = Buffer.from(await signDetached(Buffer.from('Content-Type: text/plain\r\n\r\nsigned by alice\r\n'), cert));
    const cpim = buildCpim({
      withMimeHeaders: false,
      from: { uri: 'im:alice@api.example.test' }, to: [{ uri: 'im:romeo@example.test' }],
      content: { entity: signed },
    });
    const res = await api(g.url, alice, 'POST', '/v1/messages', { to: 'romeo@example.test', cpim: Buffer.from(cpim).toString('base64') });
    expect(['indeterminate', 'delivered']).toContain(res.json.outcome.status);
    const m = await r1.next((e) => e.event === 'message' && e.raw !== null);
    expect(m.body).toBeNull();
    expect(m.rawType).toBe('message/cpim');
    expect(m.e2e).toContain('Content-Type: message/cpim');
    const bytes = Buffer.from(m.raw, 'base64');
    expect(bytes.equals(Buffer.from(cpim))).toBe(true);
    const inner = parseMimeEntity(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4));
    expect(findHeader(inner.headers, 'content-type')!.value).toMatch(/^multipart\/signed/);
    expect((await verify(Buffer.from(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)), { caFile: cert.certFile })).ok).toBe(true);
  });
});

describe('presence', () => {
  it('XMPP user subscribes to a JSON user: subscribed, then presence follows publications; probe answered; unsubscribe', async () => {
    await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'open', note: 'at my desk' });
    const j = await xmppClient('juliet');
    j.send({ cmd: 'subscribe', to: ALICE_JID });
    await j.next((e) => e.event === 'presence' && e.type === 'subscribed' && e.from.startsWith(ALICE_JID));
    const p1 = await j.next((e) => e.event === 'presence' && e.type === null && e.from.startsWith(ALICE_JID));
    expect(p1.status).toBe('at my desk');
    await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'closed', note: 'gone home' });
    const p2 = await j.next((e) => e.event === 'presence' && e.type === 'unavailable' && e.from.startsWith(ALICE_JID));
    expect(p2.status).toBe('gone home');
    // A new session: Prosody probes juliet's contacts (RFC 6121 4.3.2), the gateway answers from
    // the stored document although alice is out of contact.
    await j.close();
    const j2 = await xmppClient('juliet');
    await j2.next((e) => e.event === 'presence' && e.type === 'unavailable' && e.from.startsWith(ALICE_JID) && e.status === 'gone home');
    // Unsubscribe ends juliet's watch on the gateway side (RFC 7248 4.2.3). Prosody does not pass
    // the gateway's "unsubscribed" on: juliet's roster already shows no subscription (RFC 6121 3.3.3).
    const before = await api(g.url, alice, 'GET', '/v1/watchers');
    expect(JSON.stringify(before.json)).toContain('juliet@example.test');
    j2.send({ cmd: 'unsubscribe', to: ALICE_JID });
    await j2.next((e) => e.event === 'presence' && e.type === 'unavailable' && e.from === ALICE_JID);
    const w = await api(g.url, alice, 'GET', '/v1/watchers');
    expect(JSON.stringify(w.json)).not.toContain('juliet@example.test');
  });

  it('JSON user subscribes to an XMPP user: the XMPP presence (show, status) reaches the JSON watcher', async () => {
    const r1 = await xmppClient('romeo');
    const a = await open(alice);
    const s = await api(g.url, alice, 'POST', '/v1/subscriptions', { presentity: 'romeo@example.test', expires: 600 });
    expect(s.status).toBe(201);
    await r1.next((e) => e.event === 'presence' && e.type === 'subscribe' && e.from === ALICE_JID);
    // slixmpp auto-authorizes; Prosody then sends romeo's presence to the gateway.
    r1.send({ cmd: 'presence', show: 'dnd', status: 'in a meeting', priority: 5 });
    const f = await a.next((x) => x.type === 'presence' && JSON.stringify(x).includes('in a meeting'), 10_000);
    expect(f.presentity).toBe('romeo@example.test');
    const pidf = Buffer.from(f.presence.pidf, 'base64').toString('utf8');
    expect(pidf).toContain('<tuple id="ID-t">');
    expect(pidf).toContain('<show xmlns="jabber:client">dnd</show>');
    expect(pidf).toContain('<rpid:busy/>');
    expect(pidf).toMatch(/<contact priority="0\.03[0-9]*">im:romeo@example\.test<\/contact>/);
  });
});

describe('client mode', () => {
  it('an account named user%domain bridges that gateway-side user both ways', async () => {
    execFileSync('/usr/bin/prosodyctl', ['--config', prosody.configFile, 'register', 'carol%api.example.test', 'example.test', 'pw'], { timeout: 15_000 });
    const carol = await addAccount(g.url, 'carol@api.example.test');
    const p = await freePort();
    // A second gateway instance in client mode only, with its own JSON listener and memory store.
    const config = loadConfig({
      text: `
gateway: { id: gw-xmpp-client.example, messageTimeoutMs: 4000 }
domains: { api.example.test: json, example.test: xmpp }
xmpp: { components: [], clients: [ { service: 'xmpp://127.0.0.1:${prosody.c2sPort}', jid: 'carol%api.example.test@example.test/bridge', password: pw } ] }
`,
      env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${p}`, SWITCHBOARD_JSON__ADMINTOKEN: 'admin-client-mode' },
    });
    const gw2 = await createGateway({ config, log: quietLog() });
    try {
      await gw2.start();
      const url2 = `http://127.0.0.1:${p}`;
      const carol2 = (await api(url2, 'admin-client-mode', 'POST', '/v1/admin/accounts', { address: 'carol@api.example.test' })).json.token as string;
      expect(carol).toBeTruthy();
      const s2 = await openStream(url2, carol2);
      streams.push(s2);
      const j = await xmppClient('juliet');
      j.send({ cmd: 'message', to: 'carol%api.example.test@example.test', body: 'hello carol', id: 'cm-1' });
      const f = await s2.next((x) => x.type === 'message' && x.text === 'hello carol', 8000);
      expect(f.from).toBe('juliet@example.test');
      const res = await api(url2, carol2, 'POST', '/v1/messages', { to: 'juliet@example.test', text: 'hello juliet', deliveryNotification: true });
      expect(res.json.outcome).toEqual({ status: 'delivered' });
      const m = await j.next((e) => e.event === 'message' && e.body === 'hello juliet');
      expect(m.from).toBe('carol%api.example.test@example.test/bridge');
    } finally {
      await gw2.stop();
    }
  }, 40_000);
});

describe('connection', () => {
  it('Prosody stops and restarts on the same ports: not ready meanwhile, ready again after reconnect; sends fail fast', async () => {
    await waitReady(true);
    // Keep the config and data: copy the directory, stop the harness' server, start ours on it.
    const copy = copyProsody(prosody);
    const dir = copy.dir;
    const oldStop = prosody.stop;
    await oldStop();
    await waitReady(false);
    const t0 = Date.now();
    const res = await api(g.url, alice, 'POST', '/v1/messages', { to: 'romeo@example.test', text: 'while down' });
    expect(res.json.outcome).toMatchObject({ status: 'failed', code: 'service-unavailable' });
    expect(Date.now() - t0).toBeLessThan(2000);
    let proc: ManagedProcess | undefined;
    try {
      proc = await runProsodyCopy(copy, prosody.componentPort);
      const r = await waitReady(true, 30_000);
      expect(r.ready).toBe(true);
      const r1 = await xmppClient('romeo');
      const ok = await api(g.url, alice, 'POST', '/v1/messages', { to: 'romeo@example.test', text: 'after restart', deliveryNotification: true });
      expect(ok.json.outcome).toEqual({ status: 'delivered' });
      await r1.next((e) => e.event === 'message' && e.body === 'after restart');
      await r1.close();
    } finally {
      await g.stop();
      await proc?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      prosody = { ...prosody, stop: async () => undefined };
    }
  }, 60_000);

  it('Prosody not reachable at start: start() resolves, not ready; ready once the server listens', async () => {
    const p3 = await startProsody({ domain: 'example.test', components: [{ domain: 'sip.example.test', secret: SECRET }] });
    const copy = copyProsody(p3);
    await p3.stop();
    const port = await freePort();
    const config = loadConfig({ text: gatewayYaml(p3.componentPort), env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${port}`, SWITCHBOARD_JSON__ADMINTOKEN: 'late-prosody-admin' } });
    let gw: Gateway | undefined;
    let proc: ManagedProcess | undefined;
    try {
      gw = await createGateway({ config, log: quietLog() });
      const t0 = Date.now();
      await gw.start();
      expect(Date.now() - t0).toBeLessThan(5_000);
      const url = `http://127.0.0.1:${port}`;
      const r = await readyz(url);
      expect(r.ready).toBe(false);
      expect(JSON.stringify(r.checks)).toMatch(/sip\.example\.test/);
      proc = await runProsodyCopy(copy, p3.componentPort);
      expect((await waitReady(true, 30_000, url)).ready).toBe(true);
    } finally {
      await gw?.stop();
      await proc?.stop();
      fs.rmSync(copy.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a wrong component secret (or domain) is a clear error naming the setting, and a stop: no reconnect attempts follow', async () => {
    const p2 = await startProsody({ domain: 'example.test', components: [{ domain: 'sip.example.test', secret: SECRET }] });
    const port = await freePort();
    const config = loadConfig({ text: gatewayYaml(p2.componentPort, 'wrong-secret'), env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${port}`, SWITCHBOARD_JSON__ADMINTOKEN: 'wrong-secret-admin' } });
    let gw: Gateway | undefined;
    try {
      gw = await createGateway({ config, log: quietLog() });
      const t0 = Date.now();
      await expect(gw.start()).rejects.toThrow(/component sip\.example\.test: the XMPP server refused us \(not-authorized.*check xmpp\.components\[0\]/s);
      expect(Date.now() - t0).toBeLessThan(5_000);
      // Prosody logs each component connection; none follows the refused one.
      const count = (): number => (fs.readFileSync(p2.logFile, 'utf8').match(/Incoming Jabber component connection/g) ?? []).length;
      const before = count();
      expect(before).toBeGreaterThanOrEqual(1);
      await sleep(2500);
      expect(count()).toBe(before);
      await gw.stop();
      // A domain the server does not route to us: <host-unknown/>, also a stop naming the setting.
      const config2 = loadConfig({ text: gatewayYaml(p2.componentPort, SECRET, 'other.example.test'), env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${await freePort()}`, SWITCHBOARD_JSON__ADMINTOKEN: 'wrong-secret-admin' } });
      gw = await createGateway({ config: config2, log: quietLog() });
      await expect(gw.start()).rejects.toThrow(/component other\.example\.test: the XMPP server refused us \(host-unknown.*check xmpp\.components\[0\]/s);
    } finally {
      await gw?.stop();
      await p2.stop();
    }
  }, 40_000);
});
