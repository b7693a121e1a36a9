/**
 * SIP end to end through the real gateway (createGateway, memory store) with the JSON adapter:
 * real SIPp and sipsak on the SIP side, real HTTP and WebSocket clients on the JSON side.
 * Messages both ways (signed bodies verified with real openssl), SIP PUBLISH seen by a JSON
 * subscriber, a JSON publish seen in a SIP watcher's NOTIFY, refresh and expiry, loops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHeader, parseMimeEntity } from '../../canonical/mime';
import { makeCert, makeTempDir, removeTempDir, signDetached, verify, type CertFiles } from '../support/openssl';
import { runSipp, runSipsak, startSipp, waitForUdpListener } from '../support/sipp';
import { receivedSipMessage as receivedMessage } from '../support/sip-log';
import { freeUdpPort } from '../support/ports';
import { addAccount, api, b64, freePort, openStream, type Running, startGateway, type Stream } from './json-client';

const GW_ID = 'gw-sip-test.example';
let g: Running;
let udp: number;
let proxyPort: number;
let alice: string;
let bob: string;
let certDir: string;
let cert: CertFiles;
const streams: Stream[] = [];
const open = async (token: string): Promise<Stream> => { const s = await openStream(g.url, token); streams.push(s); return s; };
const sipKeys = { to: 'alice@api.example.test', from: 'bob@sip.example.test' };

beforeAll(async () => {
  udp = await freeUdpPort();
  proxyPort = await freeUdpPort();
  const tcp = await freePort();
  g = await startGateway(`
gateway: { id: ${GW_ID}, messageTimeoutMs: 4000 }
domains: { api.example.test: json, sip.example.test: sip }
json: { heartbeatSeconds: 5, maxBodyBytes: 65536 }
presence: { minExpires: 2, defaultExpires: 600, maxExpires: 3600 }
sip: { domain: sip.example.test, listen: { udp: 127.0.0.1:${udp}, tcp: 127.0.0.1:${tcp} }, outboundProxy: 'sip:127.0.0.1:${proxyPort}' }
`);
  [alice, bob] = await Promise.all([addAccount(g.url, 'alice@api.example.test'), addAccount(g.url, 'bob@api.example.test')]) as [string, string];
  certDir = await makeTempDir();
  cert = await makeCert(certDir, { name: 'erin', uri: 'sip:erin@sip.example.test' });
});
afterEach(async () => { await Promise.all(streams.splice(0).map((s) => s.close())); });
afterAll(async () => { await g?.stop(); if (certDir) await removeTempDir(certDir); });

describe('messages', () => {
  it('SIP (SIPp) to JSON: delivered with the exact bytes and the trace; SIPp gets 200', async () => {
    const a = await open(alice);
    const r = await runSipp({ scenario: 'message-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: sipKeys });
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
    const f = await a.next((x) => x.type === 'message' && x.from === 'bob@sip.example.test');
    expect(Buffer.from(f.base64, 'base64').toString()).toBe('Hello from SIPp\r\n');
    expect(f.contentType).toBe('text/plain;charset=utf-8');
    expect(f.trace).toEqual([GW_ID]);
    expect(f.maxForwards).toBe(69);
    expect(f.via).toBe('sip');
  });

  it('SIP to an offline JSON user is refused with 480 (error table)', async () => {
    const r = await runSipp({ scenario: 'message-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { ...sipKeys, to: 'bob@api.example.test' } });
    expect(r.code).not.toBe(0);
    expect(r.messages).toMatch(/SIP\/2\.0 480 /);
  });

  it('sipsak to JSON: a signed (S/MIME multipart/signed) body arrives byte-identical and verifies', async () => {
    const a = await open(alice);
    const entity = Buffer.from(await signDetached(Buffer.from('Content-Type: text/plain\r\n\r\nsigned by erin, sent with sipsak\r\n'), cert));
    const parsed = parseMimeEntity(entity);
    const type = findHeader(parsed.headers, 'content-type')!.value.replace(/\r\n[ \t]+/g, ' ');
    const body = Buffer.from(parsed.body);
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipsak-'));
    const file = join(dir, 'message.sip');
    writeFileSync(file, Buffer.concat([Buffer.from([
      'MESSAGE sip:alice@api.example.test SIP/2.0', 'Max-Forwards: 70', 'From: <sip:erin@sip.example.test>;tag=e1',
      'To: <sip:alice@api.example.test>', 'Call-ID: sipsak-signed@127.0.0.1', 'CSeq: 1 MESSAGE', `Content-Type: ${type}`,
      `Content-Length: ${body.length}`, '', ''].join('\r\n')), body]));
    try {
      const r = await runSipsak(['-f', file, '-s', `sip:alice@127.0.0.1:${udp}`, '-vv']);
      expect(r.stdout).toMatch(/200 OK/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
    const f = await a.next((x) => x.type === 'message' && x.from === 'erin@sip.example.test');
    const got = Buffer.from(f.base64, 'base64');
    expect(got.equals(body)).toBe(true);
    const v = await verify(Buffer.concat([Buffer.from(`Content-Type: ${f.contentType}\r\n\r\n`), got]), { caFile: cert.certFile });
    expect(v.ok).toBe(true);
  });

  it('JSON to SIP (SIPp UAS): signed bytes arrive unchanged and verify; the outcome is delivered', async () => {
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: proxyPort });
    await waitForUdpListener(proxyPort);
    const entity = Buffer.from(await signDetached(Buffer.from('Content-Type: text/plain\r\n\r\nsigned by alice for dave\r\n'), cert));
    const parsed = parseMimeEntity(entity);
    const type = findHeader(parsed.headers, 'content-type')!.value.replace(/\r\n[ \t]+/g, ' ');
    const body = Buffer.from(parsed.body);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'dave@sip.example.test', base64: b64(body), contentType: type });
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    const s = await uas.done;
    expect(s.code).toBe(0);
    const m = receivedMessage(s.messages);
    if (!m.body.equals(body)) throw new Error(`body differs:\n${JSON.stringify(m.body.toString('latin1'))}\n${JSON.stringify(body.toString('latin1'))}`);
    expect(m.head).toMatch(new RegExp(`\\r\\nSwitchboard-Trace: ${GW_ID.replace(/\./g, '\\.')}\\r\\n`));
    expect(m.head).toMatch(/\r\nMax-Forwards: 69\r\n/);
    expect((await verify(Buffer.concat([Buffer.from(`Content-Type: ${type}\r\n\r\n`), m.body]), { caFile: cert.certFile })).ok).toBe(true);
  });

  it('JSON to SIP: a 486 from the SIP side comes back as a failure with the SIP status', async () => {
    const uas = startSipp({ scenario: 'message-busy-uas.xml', localPort: proxyPort });
    await waitForUdpListener(proxyPort);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'dave@sip.example.test', text: 'are you there?' });
    expect(r.json.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline', remote: { sip: 486 } });
    expect((await uas.done).code).toBe(0);
  });

  it('loops: own id in Switchboard-Trace is 482, Max-Forwards 0 is 483', async () => {
    const r = await runSipp({ scenario: 'message-loop-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { ...sipKeys, gwid: GW_ID } });
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('presence', () => {
  it('a JSON publish is seen in a SIP watcher\'s NOTIFY; refresh and end with a terminating NOTIFY', async () => {
    const sipp = startSipp({ scenario: 'subscribe-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { pres: 'alice@api.example.test', watcher: 'carol@sip.example.test', expires: '120' } });
    for (let i = 0; i < 50; i++) {
      const w = await api(g.url, alice, 'GET', '/v1/watchers');
      if (w.json.watchers?.some((x: { watcher: string }) => x.watcher === 'carol@sip.example.test')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await api(g.url, alice, 'PUT', '/v1/presence', { basic: 'open', note: 'changed by the gateway' })).status).toBe(200);
    const r = await sipp.done;
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
    expect(r.messages).toMatch(/<note>changed by the gateway<\/note>/);
    const w = await api(g.url, alice, 'GET', '/v1/watchers');
    expect(w.json.watchers.map((x: { watcher: string }) => x.watcher)).not.toContain('carol@sip.example.test');
  });

  it('a SIP watcher\'s subscription expires with NOTIFY terminated;reason=timeout', async () => {
    const r = await runSipp({ scenario: 'subscribe-expiry-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { pres: 'alice@api.example.test', watcher: 'frank@sip.example.test', expires: '2' }, timeoutSec: 15 });
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
  });

  it('SIP PUBLISH is seen by a JSON subscriber; the gateway subscribes upstream into the SIP island', async () => {
    const b = await open(bob);
    const uas = startSipp({ scenario: 'subscribe-uas.xml', localPort: proxyPort, keys: { pres: 'dave@sip.example.test' } });
    await waitForUdpListener(proxyPort);
    const sub = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'dave@sip.example.test', expires: 300 });
    expect(sub.status).toBe(201);
    // The upstream NOTIFY from the SIP presentity's agent reaches the JSON subscriber.
    await b.next((x) => x.type === 'presence' && x.presentity === 'dave@sip.example.test' && x.presence?.view?.note === 'on the SIP side');
    // A SIP presence agent publishes for dave: the JSON subscriber sees it.
    const pub = await runSipp({ scenario: 'publish-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { pres: 'dave@sip.example.test', note: 'published with SIP PUBLISH' } });
    expect(pub.errors).toBe('');
    expect(pub.code).toBe(0);
    await b.next((x) => x.type === 'presence' && x.presentity === 'dave@sip.example.test' && x.presence?.view?.note === 'published with SIP PUBLISH');
    await b.next((x) => x.type === 'presence' && x.presentity === 'dave@sip.example.test' && x.presence?.view?.note === 'modified');
    // The watcher leaves: the gateway unsubscribes upstream (Expires: 0) and takes the final NOTIFY.
    expect((await api(g.url, bob, 'DELETE', `/v1/subscriptions/${sub.json.id}`)).status).toBe(200);
    const u = await uas.done;
    expect(u.errors).toBe('');
    expect(u.code).toBe(0);
  });

  it('a SIP publication left to expire is removed: the JSON subscriber sees the document without it', async () => {
    const b = await open(bob);
    const refuser = startSipp({ scenario: 'subscribe-reject-uas.xml', localPort: proxyPort });
    await waitForUdpListener(proxyPort);
    const sub = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'gina@sip.example.test', expires: 300 });
    expect(sub.status).toBe(201);
    await refuser.done;
    const pub = await runSipp({ scenario: 'publish-once-uac.xml', remote: `127.0.0.1:${udp}`, localPort: await freeUdpPort(), keys: { pres: 'gina@sip.example.test', note: 'short-lived', expires: '2' } });
    expect(pub.code).toBe(0);
    expect(pub.messages).toMatch(/SIP\/2\.0 200 OK[\s\S]*Expires: 2\r?\n/);
    await b.next((x) => x.type === 'presence' && x.presentity === 'gina@sip.example.test' && x.presence?.view?.note === 'short-lived');
    const after = await b.next((x) => x.type === 'presence' && x.presentity === 'gina@sip.example.test' && x.presence?.view?.note !== 'short-lived', 8000);
    expect(after.presence.view.basic).not.toBe('open');
  });
});

