/**
 * The SIP adapter over real sockets with real SIP peers (SIPp, sipsak), driven through a recording
 * gateway context: MESSAGE in and out with exact bytes, loops, outcome mapping, TCP framing.
 * (End-to-end with the real gateway and the JSON adapter: sip-gateway.test.ts.)
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import dns2, { Packet } from 'dns2';
import { connect } from 'node:tls';
import { createSipAdapterWith } from '../../adapters/sip';
import type { Adapter } from '../../canonical/adapter';
import type { MessageOp } from '../../canonical/operations';
import type { GatewayConfig } from '../../gateway/config/types';
import { makeCert, makeTempDir, removeTempDir } from '../support/openssl';
import { recordingContext, runSipp, runSipsak, startSipp, statusCodes, tcpExchange, udpExchange, type RecordingContext, waitForUdpListener } from '../support/sipp';
import { freeUdpPort } from '../support/ports';

const SIPSAK_MESSAGE = join(__dirname, '../fixtures/sip/sipsak-message.sip');

type Local = { udp?: { port: number }; tcp?: { port: number } };

function configFor(outboundProxy?: string, credentials?: { username: string; password: string }): GatewayConfig {
  return {
    gateway: { id: 'gw.test', maxForwards: 70, messageTimeoutMs: 5000, dedupeTtlSeconds: 60 },
    store: { kind: 'memory' },
    domains: { 'sip.example.test': 'sip', 'api.example.test': 'json' },
    presence: { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 },
    log: { level: 'silent' },
    sip: { domain: 'sip.example.test', listen: { udp: '127.0.0.1:0', tcp: '127.0.0.1:0' }, ...(outboundProxy ? { outboundProxy } : {}), ...(credentials ? { credentials } : {}) },
  };
}

describe('SIP adapter with real SIPp and sipsak', () => {
  let ctx: RecordingContext;
  let adapter: Adapter & { local: Local };
  let udpPort: number;
  let tcpPort: number;

  beforeEach(async () => {
    ctx = recordingContext();
    adapter = createSipAdapterWith(configFor(), ctx, { clientTimeoutMs: 4000 }) as Adapter & { local: Local };
    await adapter.start();
    udpPort = adapter.local.udp!.port;
    tcpPort = adapter.local.tcp!.port;
  });
  afterEach(async () => { await adapter.stop(); });

  it('SIPp MESSAGE over UDP is delivered with the exact body bytes and answered 200', async () => {
    const r = await runSipp({ scenario: 'message-uac.xml', remote: `127.0.0.1:${udpPort}`, localPort: await freeUdpPort(), keys: { to: 'alice@api.example.test', from: 'bob@sip.example.test' } });
    expect(r.stderr + r.stdout).not.toMatch(/Aborting/);
    expect(r.code).toBe(0);
    expect(ctx.messages).toHaveLength(1);
    const op = ctx.messages[0]!;
    expect(op.to).toEqual({ local: 'alice', domain: 'api.example.test' });
    expect(op.from).toEqual({ local: 'bob', domain: 'sip.example.test' });
    expect(op.content.type).toBe('text/plain;charset=utf-8');
    expect(Buffer.from(op.content.bytes).toString('utf8')).toBe('Hello from SIPp\r\n');
    expect(op.maxForwards).toBe(70);
  });

  it('SIPp MESSAGE over TCP is delivered and answered 200', async () => {
    const r = await runSipp({ scenario: 'message-uac.xml', remote: `127.0.0.1:${tcpPort}`, localPort: await freeUdpPort(), transport: 't1', keys: { to: 'alice@api.example.test', from: 'bob@sip.example.test' } });
    expect(r.code).toBe(0);
    expect(ctx.messages).toHaveLength(1);
  });

  it('a multipart/signed body arrives byte-identical to what SIPp sent', async () => {
    const r = await runSipp({ scenario: 'message-signed-uac.xml', remote: `127.0.0.1:${udpPort}`, localPort: await freeUdpPort(), keys: { to: 'alice@api.example.test', from: 'bob@sip.example.test' } });
    expect(r.code).toBe(0);
    const sent = sentBody(r.messages, 'MESSAGE');
    const op = ctx.messages[0]!;
    expect(op.content.type).toMatch(/^multipart\/signed;/);
    expect(Buffer.compare(Buffer.from(op.content.bytes), sent)).toBe(0);
  });

  it('loops are answered 482 (own id in Switchboard-Trace) and 483 (Max-Forwards 0)', async () => {
    const r = await runSipp({ scenario: 'message-loop-uac.xml', remote: `127.0.0.1:${udpPort}`, localPort: await freeUdpPort(), keys: { to: 'alice@api.example.test', from: 'bob@sip.example.test', gwid: 'gw.test' } });
    expect(r.code).toBe(0);
    expect(ctx.messages).toHaveLength(0);
  });

  it('a request carrying a Via this gateway inserted has looped: 482 (RFC 3261 16.3 item 4)', async () => {
    const prefix = `z9hG4bK-sb${createHash('sha1').update('gw.test').digest('hex').slice(0, 8)}-`;
    const looped = Buffer.from(message('via-loop').toString('latin1').replace('Max-Forwards: 70', `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${prefix}abc\r\nMax-Forwards: 70`), 'latin1');
    expect(statusCodes(Buffer.concat(await udpExchange(udpPort, looped, 500)))).toEqual([482]);
    expect(ctx.messages).toHaveLength(0);
  });

  it('the gateway outcome sets the status: indeterminate 202, failures from the error table or the remote status', async () => {
    const send = async (): Promise<number[]> => statusCodes(Buffer.concat(await udpExchange(udpPort, message(`c${Math.random()}`), 800)));
    ctx.deliverResult = () => ({ status: 'indeterminate' });
    expect(await send()).toEqual([202]);
    ctx.deliverResult = () => ({ status: 'failed', code: 'unknown-user' });
    expect(await send()).toEqual([404]);
    ctx.deliverResult = () => ({ status: 'failed', code: 'recipient-offline', remote: { xmpp: 'recipient-unavailable' } });
    expect(await send()).toEqual([480]);
    ctx.deliverResult = () => ({ status: 'failed', code: 'recipient-declined', remote: { sip: 603, text: 'Decline' } });
    expect(await send()).toEqual([603]);
  });

  it('a retransmitted MESSAGE is answered again from the transaction, not delivered twice', async () => {
    const bytes = message('retrans-1');
    const a = await udpExchange(udpPort, bytes, 500);
    const b = await udpExchange(udpPort, bytes, 500);
    expect(statusCodes(Buffer.concat(a))).toEqual([200]);
    expect(statusCodes(Buffer.concat(b))).toEqual([200]);
    expect(ctx.messages).toHaveLength(1);
  });

  it('sipsak sends a MESSAGE that is delivered', async () => {
    // sipsak 0.9.8.1's -M mode crashes before sending (NULL buffer in its usrloc code) and -U
    // truncates the port, so sipsak sends the MESSAGE from a file (its -f "shoot" mode).
    const r = await runSipsak(['-f', SIPSAK_MESSAGE, '-s', `sip:alice@127.0.0.1:${udpPort}`, '-vv']);
    expect(r.timedOut).toBe(false);
    expect(r.stdout).toMatch(/200 OK/);
    expect(r.code).toBe(0);
    const op = ctx.messages[0]!;
    expect(op.to).toEqual({ local: 'alice', domain: 'api.example.test' });
    expect(Buffer.from(op.content.bytes).toString()).toBe('hello from sipsak');
  });

  it('OPTIONS is answered with Allow, Accept and Supported', async () => {
    const res = Buffer.concat(await udpExchange(udpPort, request('OPTIONS', 'opt-1', ''), 500)).toString();
    expect(res).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(res).toMatch(/\r\nAllow: [^\r]*MESSAGE[^\r]*SUBSCRIBE[^\r]*PUBLISH/);
    expect(res).toMatch(/\r\nAccept: [^\r]*message\/cpim/);
    expect(res).toMatch(/\r\nSupported: /);
  });

  it('sends MESSAGE to a SIPp UAS with the exact bytes, the hop count and the trace', async () => {
    await adapter.stop();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx, { clientTimeoutMs: 4000 }) as Adapter & { local: Local };
    await adapter.start();
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const bytes = Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\n\u00e9t\u00e9 \xff\x7f bytes \r\n--b--\r\n', 'latin1');
    const outcome = await adapter.sendMessage(outbound({ content: { type: 'multipart/signed;boundary=b;protocol="application/pkcs7-signature"', bytes } }));
    expect(outcome).toEqual({ status: 'delivered' });
    const r = await uas.done;
    expect(r.code).toBe(0);
    const received = receivedRequest(r.messages, 'MESSAGE');
    expect(Buffer.compare(received.body, bytes)).toBe(0);
    expect(received.head).toMatch(/\r\nMax-Forwards: 9\r\n/);
    expect(received.head).toMatch(/\r\nSwitchboard-Trace: x\.gw, gw\.test\r\n/);
    expect(received.head).toMatch(/^MESSAGE sip:dave@sip\.example\.test SIP\/2\.0\r\n/);
  });

  it('finds the next hop by RFC 3263 (SRV _sip._udp, then A) on a real DNS server', async () => {
    await adapter.stop();
    const uasPort = await freeUdpPort();
    const dnsPort = await freeUdpPort();
    const queries: string[] = [];
    const server = dns2.createServer({
      udp: true,
      handle: (request, send) => {
        const response = Packet.createResponseFromRequest(request);
        const answers = response.answers as unknown as object[];
        const q = request.questions[0]!;
        queries.push(`${q.type}:${q.name}`);
        if (q.type === Packet.TYPE.SRV && q.name === '_sip._udp.sip.example.test') {
          answers.push({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 60, priority: 10, weight: 5, port: uasPort, target: 'pbx.sip.example.test' });
        } else if (q.type === Packet.TYPE.A && q.name === 'pbx.sip.example.test') {
          answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: '127.0.0.1' });
        } else response.header.rcode = 3;
        void send(response);
      },
    });
    await server.listen({ udp: { port: dnsPort, address: '127.0.0.1' } });
    try {
      adapter = createSipAdapterWith(configFor(), ctx, { clientTimeoutMs: 4000, dnsServers: [`127.0.0.1:${dnsPort}`] }) as Adapter & { local: Local };
      await adapter.start();
      const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort });
      await waitForUdpListener(uasPort);
      expect(await adapter.sendMessage(outbound({}))).toEqual({ status: 'delivered' });
      expect((await uas.done).code).toBe(0);
      expect(queries).toEqual(expect.arrayContaining([`${Packet.TYPE.SRV}:_sip._udp.sip.example.test`, `${Packet.TYPE.A}:pbx.sip.example.test`]));
    } finally { await server.close(); }
  });

  it('maps a SIP failure of an outbound MESSAGE back to an outcome with the remote status', async () => {
    await adapter.stop();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx, { clientTimeoutMs: 4000 }) as Adapter & { local: Local };
    await adapter.start();
    const uas = startSipp({ scenario: 'message-busy-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const outcome = await adapter.sendMessage(outbound({}));
    expect(outcome).toMatchObject({ status: 'failed', code: 'recipient-offline', remote: { sip: 486 } });
    expect((await uas.done).code).toBe(0);
  });

  it('answers a 401 Digest challenge with the configured credentials (and fails with wrong ones)', async () => {
    for (const [password, want] of [['secret', { status: 'delivered' }], ['wrong', { status: 'failed', code: 'forbidden' }]] as const) {
      await adapter.stop();
      const uasPort = await freeUdpPort();
      adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`, { username: 'gw', password }), ctx, { clientTimeoutMs: 4000 }) as Adapter & { local: Local };
      await adapter.start();
      const uas = startSipp({ scenario: 'message-auth-uas.xml', localPort: uasPort });
      await waitForUdpListener(uasPort);
      expect(await adapter.sendMessage(outbound({}))).toMatchObject(want);
      const r = await uas.done;
      expect(r.messages).toMatch(/\r\nAuthorization: Digest username="gw", realm="sip\.example\.test"/);
    }
  });

  it('after a 100 Trying the MESSAGE is still retransmitted (Timer E in Proceeding, RFC 3261 17.1.2.2) until the late 200', async () => {
    await adapter.stop();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx, { clientTimeoutMs: 8000 }) as Adapter & { local: Local };
    await adapter.start();
    const uas = startSipp({ scenario: 'message-provisional-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    expect(await adapter.sendMessage(outbound({}))).toEqual({ status: 'delivered' });
    const r = await uas.done;
    expect(r.code).toBe(0);
    // The first MESSAGE, then at least one retransmission after the 100 (at T1 = 500 ms; the
    // next would be T2 = 4 s later, after the 200 at 1.8 s).
    const received = r.messages.match(/^MESSAGE sip:/gm) ?? [];
    expect(received.length).toBeGreaterThanOrEqual(2);
  });

  it('an unanswered outbound MESSAGE times out (Timer F) with retransmissions', async () => {
    await adapter.stop();
    const silentPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${silentPort}`), ctx, { clientTimeoutMs: 1500 }) as Adapter & { local: Local };
    await adapter.start();
    const outcome = await adapter.sendMessage(outbound({}));
    expect(outcome).toMatchObject({ status: 'failed', code: 'timeout' });
  });

  it('TCP: a bad Content-Length closes only that connection; a concurrent valid one is served', async () => {
    const good = tcpExchange(tcpPort, [message('tcp-good-1'), message('tcp-good-2')], 1500);
    const badLen = Buffer.from(message('tcp-bad').toString('latin1').replace(/Content-Length: \d+/, 'Content-Length: -5'), 'latin1');
    const bad = await tcpExchange(tcpPort, [badLen, message('after-bad')], 1500);
    expect(statusCodes(bad.data)).toEqual([400]);
    expect(bad.data.toString()).toMatch(/SIP\/2\.0 400 Content-Length is not a non-negative integer/);
    expect(bad.closed).toBe(true);
    const g = await good;
    expect(statusCodes(g.data)).toEqual([200, 200]);
    expect(ctx.messages.map((m) => m.id.split(':')[1])).toEqual(expect.arrayContaining(['tcp-good-1', 'tcp-good-2']));
    expect(ctx.messages.some((m) => m.id.includes('after-bad'))).toBe(false);
  });

  it('TCP: a message split across writes and two in one write are framed correctly', async () => {
    const a = message('split-a');
    const b = message('split-b');
    const c = message('split-c');
    const r = await tcpExchange(tcpPort, [a.subarray(0, 17), a.subarray(17, 90), Buffer.concat([a.subarray(90), b]), c], 1500);
    expect(statusCodes(r.data)).toEqual([200, 200, 200]);
  });

  it('oversized requests get 513 and malformed bytes do not disturb valid traffic', async () => {
    const huge = request('MESSAGE', 'huge', 'x'.repeat(70_000), 'text/plain');
    // Over UDP a datagram cannot hold it: what arrives is cut short of its Content-Length.
    expect(statusCodes(Buffer.concat(await udpExchange(udpPort, huge.subarray(0, 65_000), 500)))).toEqual([400]);
    const big = await tcpExchange(tcpPort, [huge], 1500);
    expect(statusCodes(big.data)[0]).toBe(413);
    for (const junk of [Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]), Buffer.from('\r\n\r\n'), Buffer.alloc(2000, 0x41), Buffer.from('MESSAGE sip:a@b SIP/2.0\r\n\r\n')]) {
      await udpExchange(udpPort, junk, 50);
    }
    expect(statusCodes(Buffer.concat(await udpExchange(udpPort, message('still-fine'), 500)))).toEqual([200]);
  });
});

function message(callId: string): Buffer {
  return request('MESSAGE', callId, 'hi', 'text/plain');
}

function request(method: string, callId: string, body: string, type?: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from([
    `${method} sip:alice@api.example.test SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK${callId.replace(/[^A-Za-z0-9]/g, '')}`,
    'Max-Forwards: 70',
    'From: <sip:bob@sip.example.test>;tag=t1',
    'To: <sip:alice@api.example.test>',
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...(type ? [`Content-Type: ${type}`] : []),
    `Content-Length: ${b.length}`, '', '',
  ].join('\r\n')), b]);
}

function outbound(over: Partial<MessageOp>): MessageOp {
  return {
    kind: 'message', id: 'm1', transactionId: 't1', from: { local: 'erin', domain: 'api.example.test' }, to: { local: 'dave', domain: 'sip.example.test' },
    content: { type: 'text/plain', bytes: Buffer.from('hi dave') }, maxForwards: 9, trace: ['x.gw'], source: { protocol: 'json' }, ...over,
  };
}

/** SIPp's message log: blocks after "-----... timestamp" lines, each "UDP message sent (...)" or "... received ...". */
function logBlocks(log: string, kind: 'sent' | 'received'): string[] {
  return log.split(/^-{20,} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\r?\n/m).filter((b) => new RegExp(`^\\S+ message ${kind}`).test(b));
}

function splitLogged(block: string): { head: string; body: Buffer } {
  const text = block.replace(/^[^\r\n]*(?:UDP|TCP)[^\r\n]*message (?:sent|received)[^\n]*\n/, '');
  const start = text.search(/^[A-Z]+ sip:|^SIP\/2\.0/m);
  const msg = text.slice(start);
  const end = msg.indexOf('\r\n\r\n');
  const head = msg.slice(0, end + 2);
  const len = Number(/\r\nContent-Length: *(\d+)/i.exec(head)?.[1] ?? '0');
  return { head, body: Buffer.from(msg.slice(end + 4), 'latin1').subarray(0, len) };
}

function sentBody(log: string, method: string): Buffer {
  const b = logBlocks(log, 'sent').map(splitLogged).find((m) => m.head.startsWith(method));
  if (!b) throw new Error(`no ${method} in SIPp log:\n${log.slice(0, 2000)}`);
  return b.body;
}

function receivedRequest(log: string, method: string): { head: string; body: Buffer } {
  const b = logBlocks(log, 'received').map(splitLogged).find((m) => m.head.startsWith(method));
  if (!b) throw new Error(`no ${method} in SIPp log:\n${log.slice(0, 2000)}`);
  return b;
}

describe('SIP over TLS', () => {
  it('answers requests on a TLS listener with the configured certificate', async () => {
    const dir = await makeTempDir();
    const ctx = recordingContext();
    try {
      const cert = await makeCert(dir, { name: 'gw', commonName: 'sip.example.test' });
      const cfg = configFor();
      const tlsCfg: GatewayConfig = { ...cfg, sip: { ...cfg.sip!, listen: { tls: { listen: '127.0.0.1:0', cert: cert.certFile, key: cert.keyFile } } } };
      const a = createSipAdapterWith(tlsCfg, ctx) as Adapter & { local: Local & { tls?: { port: number } } };
      await a.start();
      try {
        const port = a.local.tls!.port;
        const data = await new Promise<Buffer>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write(message('tls-1')));
          const parts: Buffer[] = [];
          s.on('data', (d) => { parts.push(d); if (/\r\n\r\n/.test(Buffer.concat(parts).toString())) { s.end(); resolve(Buffer.concat(parts)); } });
          s.once('error', reject);
          setTimeout(() => { s.destroy(); resolve(Buffer.concat(parts)); }, 3000);
        });
        expect(statusCodes(data)).toEqual([200]);
        expect(ctx.messages).toHaveLength(1);
      } finally { await a.stop(); }
    } finally { await removeTempDir(dir); }
  });
});
