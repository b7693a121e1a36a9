/**
 * `switchboard send` against a real gateway (createGateway, memory store) with JSON, SIP and XMPP
 * adapters, a real Prosody (test/support/prosody.ts) with the gateway as the component for
 * sip.example.test, and a real WebSocket client receiving as alice@api.example.test. Each path
 * injects one message, waits for the outcome and prints it; exit statuses follow the outcome.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { runSend } from '../../gateway/cli/send';
import { freePort, freeUdpPort } from '../support/ports';
import { PROSODY, type ProsodyHandle, startProsody } from '../support/prosody';
import { addAccount, openStream, type Running, startGateway, type Stream } from './json-client';

const GW_ID = 'gw-send-test.example';
const SECRET = 'send-component-secret';

let prosody: ProsodyHandle;
let g: Running;
let sipUdp: number;
let sipTcp: number;
let alice: string;
let bob: string;
let tmp: string;
const streams: Stream[] = [];
const open = async (token: string): Promise<Stream> => { const s = await openStream(g.url, token); streams.push(s); return s; };

interface Run { code: number; out: string; err: string; report: any }

async function send(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await runSend(args, { stdin, stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } }, env });
  let report: any;
  try { report = JSON.parse(out); } catch { report = undefined; }
  return { code, out, err, report };
}

beforeAll(async () => {
  expect(fs.existsSync(PROSODY)).toBe(true);
  prosody = await startProsody({
    domain: 'example.test',
    users: [{ user: 'juliet', password: 'pw' }],
    // tool.example.test: a second component, for `send --via xmpp --component`.
    components: [{ domain: 'sip.example.test', secret: SECRET }, { domain: 'tool.example.test', secret: 'tool-secret' }],
  });
  sipUdp = await freeUdpPort();
  sipTcp = await freePort();
  const deadProxy = await freeUdpPort();
  g = await startGateway(`
gateway: { id: ${GW_ID}, messageTimeoutMs: 4000 }
domains: { api.example.test: json, example.test: xmpp, sip.example.test: sip }
json: { heartbeatSeconds: 30, maxBodyBytes: 65536 }
sip: { domain: sip.example.test, listen: { udp: 127.0.0.1:${sipUdp}, tcp: 127.0.0.1:${sipTcp} }, outboundProxy: 'sip:127.0.0.1:${deadProxy}' }
xmpp: { components: [ { service: 'xmpp://127.0.0.1:${prosody.componentPort}', domain: sip.example.test, secret: ${SECRET} } ], clients: [] }
`);
  [alice, bob] = await Promise.all([addAccount(g.url, 'alice@api.example.test'), addAccount(g.url, 'bob@api.example.test')]) as [string, string];
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-send-'));
  // The XMPP component must be online before XMPP tests (readiness through /readyz).
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await fetch(`${g.url}/readyz`).then((x) => x.json() as Promise<{ ready: boolean }>);
    if (r.ready) break;
    if (Date.now() > deadline) throw new Error(`gateway not ready: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}, 60_000);
afterEach(async () => { await Promise.all(streams.splice(0).map((s) => s.close())); });
afterAll(async () => {
  await g?.stop();
  await prosody?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 30_000);

/** Bytes a text conversion would damage: CRLF, a NUL, invalid UTF-8, a lone CR. */
const cpimFrom = (from: string, to: string): Buffer => Buffer.concat([
  Buffer.from(`From: <im:${from}>\r\nTo: <im:${to}>\r\nDateTime: 2026-11-20T10:00:00Z\r\n\r\nContent-Type: application/octet-stream\r\n\r\n`),
  Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x41]),
]);
const CPIM = cpimFrom('erin@sip.example.test', 'alice@api.example.test');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('--via json', () => {
  it('POSTs as the token\'s account, prints delivered (exit 0); the recipient gets the text', async () => {
    const b = await open(bob);
    const r = await send(['--via', 'json', '--url', g.url, '--token', alice, '--to', 'bob@api.example.test', '--text', 'Grüße ✓', '--subject', 'hi']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ via: 'json', to: 'bob@api.example.test', outcome: { status: 'delivered' }, trace: null, json: { httpStatus: 200 } });
    const f = await b.next((x) => x.type === 'message' && x.id === r.report.json.id);
    expect(f).toMatchObject({ from: 'alice@api.example.test', text: 'Grüße ✓', subject: [{ text: 'hi' }], trace: [GW_ID] });
  });

  it('a raw message/cpim file arrives byte-identical', async () => {
    const b = await open(bob);
    const file = path.join(tmp, 'raw.cpim');
    const cpim = cpimFrom('alice@api.example.test', 'bob@api.example.test');
    fs.writeFileSync(file, cpim);
    const r = await send(['--via', 'json', '--to', 'bob@api.example.test', '--file', file, '--type', 'message/cpim'], { SWITCHBOARD_URL: g.url, SWITCHBOARD_TOKEN: alice });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const f = await b.next((x) => x.type === 'message' && x.id === r.report.json.id);
    expect(f.contentType).toBe('message/cpim');
    expect(sha(Buffer.from(f.base64, 'base64'))).toBe(sha(cpim));
  });

  it('an offline recipient: failed recipient-offline (exit 3)', async () => {
    const r = await send(['--via', 'json', '--url', g.url, '--token', alice, '--to', 'bob@api.example.test', '--text', 'anyone?']);
    expect(r.code).toBe(3);
    expect(r.report.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline' });
  });

  it('a wrong token: the gateway refuses the request (exit 1, one line)', async () => {
    const r = await send(['--via', 'json', '--url', g.url, '--token', 'not-a-token-at-all', '--to', 'bob@api.example.test', '--text', 'x']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/HTTP 401: unauthenticated/);
    expect(r.out).toBe('');
  });

  it('nothing listening at --url: exit 1 with one line saying so', async () => {
    const port = await freePort();
    const r = await send(['--via', 'json', '--url', `http://127.0.0.1:${port}`, '--token', alice, '--to', 'bob@api.example.test', '--text', 'x', '--timeout', '2000']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: fetch failed \(.*ECONNREFUSED/);
  });
});

describe('--via sip', () => {
  it.each(['udp', 'tcp'])('a MESSAGE over %s from an ephemeral port: 200, delivered (exit 0), body byte-identical', async (transport) => {
    const a = await open(alice);
    const file = path.join(tmp, `sip-${transport}.cpim`);
    fs.writeFileSync(file, CPIM);
    const port = transport === 'udp' ? sipUdp : sipTcp;
    const r = await send(['--via', 'sip', '--gateway', `127.0.0.1:${port}`, '--transport', transport, '--from', 'erin@sip.example.test', '--to', 'alice@api.example.test', '--file', file, '--type', 'message/cpim']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ via: 'sip', from: 'erin@sip.example.test', to: 'alice@api.example.test', outcome: { status: 'delivered' }, sip: { transport: transport.toUpperCase(), status: 200 } });
    const f = await a.next((x) => x.type === 'message' && x.from === 'erin@sip.example.test' && x.via === 'sip');
    expect(sha(Buffer.from(f.base64, 'base64'))).toBe(sha(CPIM));
    expect(f.trace).toEqual([GW_ID]);
  });

  it('an offline recipient: the mapped SIP failure (480), exit 3', async () => {
    const r = await send(['--via', 'sip', '--gateway', `127.0.0.1:${sipUdp}`, '--from', 'erin@sip.example.test', '--to', 'bob@api.example.test', '--text', 'hello?']);
    expect(r.code).toBe(3);
    expect(r.report.sip.status).toBe(480);
    expect(r.report.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline' });
  });

  it('the gateway\'s own id in --trace: 482 Loop Detected, failed loop-detected (exit 3)', async () => {
    const r = await send(['--via', 'sip', '--gateway', `127.0.0.1:${sipUdp}`, '--from', 'erin@sip.example.test', '--to', 'alice@api.example.test', '--text', 'x', '--trace', `gw-other.example, ${GW_ID}`]);
    expect(r.code).toBe(3);
    expect(r.report.sip).toMatchObject({ status: 482 });
    expect(r.report.outcome).toMatchObject({ status: 'failed', code: 'loop-detected' });
  });

  it('--max-forwards 0: 483 Too Many Hops (exit 3)', async () => {
    const r = await send(['--via', 'sip', '--gateway', `127.0.0.1:${sipUdp}`, '--from', 'erin@sip.example.test', '--to', 'alice@api.example.test', '--text', 'x', '--max-forwards', '0']);
    expect(r.code).toBe(3);
    expect(r.report.sip).toMatchObject({ status: 483 });
    expect(r.report.outcome).toMatchObject({ status: 'failed', code: 'too-many-hops' });
  });

  it('nobody listening: indeterminate after the bounded wait (exit 4)', async () => {
    const silent = await freeUdpPort();
    const started = Date.now();
    const r = await send(['--via', 'sip', '--gateway', `127.0.0.1:${silent}`, '--from', 'erin@sip.example.test', '--to', 'alice@api.example.test', '--text', 'x', '--timeout', '1500']);
    expect(r.code).toBe(4);
    expect(r.report.outcome.status).toBe('indeterminate');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('--via xmpp', () => {
  const ALICE_JID = 'alice%api.example.test@sip.example.test';

  it('as a client of Prosody: the gateway delivers and returns a XEP-0184 receipt (exit 0)', async () => {
    const a = await open(alice);
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.c2sPort}`, '--jid', 'juliet@example.test', '--password', 'pw', '--to', ALICE_JID, '--text', 'Příliš žluťoučký kůň', '--subject', 'Ahoj']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ via: 'xmpp', to: ALICE_JID, outcome: { status: 'delivered' }, xmpp: { login: 'client' } });
    expect(r.report.from).toMatch(/^juliet@example\.test\//);
    const f = await a.next((x) => x.type === 'message' && x.from === 'juliet@example.test');
    expect(f).toMatchObject({ text: 'Příliš žluťoučký kůň', subject: [{ text: 'Ahoj' }], via: 'xmpp', trace: [GW_ID] });
  });

  it('exact bytes travel in <raw/>: a CPIM with a NUL arrives byte-identical', async () => {
    const a = await open(alice);
    const file = path.join(tmp, 'x.cpim');
    const cpim = cpimFrom('juliet@example.test', 'alice@api.example.test');
    fs.writeFileSync(file, cpim);
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.c2sPort}`, '--jid', 'juliet@example.test', '--password', 'pw', '--to', ALICE_JID, '--file', file, '--type', 'message/cpim']);
    expect(r.code).toBe(0);
    const f = await a.next((x) => x.type === 'message' && x.from === 'juliet@example.test' && x.contentType === 'message/cpim');
    expect(sha(Buffer.from(f.base64, 'base64'))).toBe(sha(cpim));
  });

  it('an offline recipient: an error stanza, failed with the mapped condition (exit 3)', async () => {
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.c2sPort}`, '--jid', 'juliet@example.test', '--password', 'pw', '--to', 'bob%api.example.test@sip.example.test', '--text', 'x']);
    expect(r.code).toBe(3);
    expect(r.report.outcome).toMatchObject({ status: 'failed', code: 'recipient-offline', remote: { xmpp: 'recipient-unavailable' } });
    expect(r.report.xmpp.answer).toMatch(/type="error"/);
  });

  it('as a XEP-0114 component of Prosody: from a JID on its own domain, delivered with a receipt (exit 0)', async () => {
    const a = await open(alice);
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.componentPort}`, '--component', 'tool.example.test', '--secret', 'tool-secret', '--from', 'probe@tool.example.test', '--to', ALICE_JID, '--text', 'from a component']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.report).toMatchObject({ via: 'xmpp', from: 'probe@tool.example.test', outcome: { status: 'delivered' }, xmpp: { login: 'component' } });
    const f = await a.next((x) => x.type === 'message' && x.from === 'probe@tool.example.test');
    expect(f.text).toBe('from a component');
  });

  it('the gateway\'s own id in --trace: an error stanza, failed (exit 3), nothing delivered', async () => {
    const a = await open(alice);
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.c2sPort}`, '--jid', 'juliet@example.test', '--password', 'pw', '--to', ALICE_JID, '--text', 'looped', '--trace', GW_ID]);
    expect(r.code).toBe(3);
    expect(r.report.outcome).toMatchObject({ status: 'failed', remote: { xmpp: 'not-acceptable' } });
    expect(await a.collect((x) => x.type === 'message' && x.text === 'looped', 300)).toEqual([]);
  });

  it('a wrong component secret: refused at once (exit 1), not retried forever', async () => {
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.componentPort}`, '--component', 'tool.example.test', '--secret', 'wrong', '--from', 'probe@tool.example.test', '--to', ALICE_JID, '--text', 'x', '--timeout', '5000']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/XMPP login .* failed/);
  });

  it('a wrong password: login fails (exit 1, one line), no endless reconnect', async () => {
    const started = Date.now();
    const r = await send(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${prosody.c2sPort}`, '--jid', 'juliet@example.test', '--password', 'wrong', '--to', ALICE_JID, '--text', 'x', '--timeout', '5000']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/XMPP login .* failed/);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('usage', () => {
  it.each([
    [['--to', 'a@b.test', '--text', 'x'], /--via sip\|xmpp\|json is required/],
    [['--via', 'smtp', '--to', 'a@b.test', '--text', 'x'], /--via "smtp"/],
    [['--via', 'sip', '--to', 'a@b.test'], /exactly one of --text or --file/],
    [['--via', 'sip', '--to', 'a@b.test', '--file', 'f'], /--file needs --type/],
    [['--via', 'sip', '--to', 'a@b.test', '--text', 'x'], /--from is required/],
    [['--via', 'sip', '--to', 'not an address', '--from', 'a@b.test', '--text', 'x'], /--to "not an address"/],
    [['--via', 'json', '--to', 'a@b.test', '--text', 'x'], /needs --token/],
    [['--via', 'xmpp', '--to', 'a@b.test', '--text', 'x'], /--xmpp-service/],
    [['--via', 'sip', '--to', 'a@b.test', '--from', 'c@d.test', '--text', 'x', '--timeout', '5'], /--timeout/],
    [['--via', 'sip', '--to', 'a@b.test', '--from', 'c@d.test', '--text', 'x', '--trace', 'bad id!'], /--trace: received-trace entry "bad id!" is not a gateway id/],
    [['--via', 'sip', '--to', 'a@b.test', '--from', 'c@d.test', '--text', 'x', '--max-forwards', '300'], /--max-forwards: Max-Forwards 300 is over 255/],
    [['--via', 'json', '--to', 'a@b.test', '--token', 'tttttttt', '--text', 'x', '--trace', 'gw1'], /a JSON client cannot set them/],
  ])('%j exits 64 naming the problem', async (args, err) => {
    const r = await send(args as string[]);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(err as RegExp);
  });
});
