/**
 * Every RFC 4475 torture message sent over UDP to the running SIP adapter gets its verdict
 * (test/unit/adapters/sip/rfc4475-verdicts.ts), and none of them disturbs a valid exchange that
 * runs alongside.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSipAdapterWith } from '../../adapters/sip';
import type { Adapter } from '../../canonical/adapter';
import type { GatewayConfig } from '../../gateway/config/types';
import { recordingContext, startSipp, statusCodes, udpExchange, type RecordingContext } from '../support/sipp';
import { freeUdpPort } from '../support/ports';
import { VERDICTS } from '../unit/adapters/sip/rfc4475-verdicts';

const DIR = join(__dirname, '../fixtures/sip');

const config: GatewayConfig = {
  gateway: { id: 'gw.test', maxForwards: 70, messageTimeoutMs: 5000, dedupeTtlSeconds: 60 },
  store: { kind: 'memory' },
  domains: {},
  presence: { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 },
  log: { level: 'silent' },
  sip: { domain: 'sip.example.test', listen: { udp: '127.0.0.1:0' } },
};

describe('RFC 4475 torture messages over UDP to the running adapter', () => {
  let ctx: RecordingContext;
  let adapter: Adapter & { local: { udp?: { port: number } } };
  let port: number;
  beforeAll(async () => {
    ctx = recordingContext();
    adapter = createSipAdapterWith(config, ctx) as typeof adapter;
    await adapter.start();
    port = adapter.local.udp!.port;
  });
  afterAll(async () => { await adapter.stop(); });

  it.each(Object.entries(VERDICTS))('%s', async (name, v) => {
    const replies = await udpExchange(port, readFileSync(join(DIR, `rfc4475-${name}.dat`)), 400);
    const codes = statusCodes(Buffer.concat(replies));
    if (v.status === 'drop') { expect(codes).toEqual([]); return; }
    expect(codes).toEqual([v.status === 'accept' ? 200 : v.status]);
    const text = Buffer.concat(replies).toString('utf8');
    if (v.phrase) expect(text.split('\r\n')[0]).toMatch(v.phrase);
    if (v.status === 420) expect(text).toMatch(/\r\nUnsupported: nothingSupportsThis, nothingSupportsThisEither\r\n/);
    if (v.status === 415) expect(text).toMatch(/\r\nAccept: /);
    if (v.status === 405) expect(text).toMatch(/\r\nAllow: /);
  });

  it('delivered mpart01 with its multipart body byte-exact', () => {
    const raw = readFileSync(join(DIR, 'rfc4475-mpart01.dat'));
    const op = ctx.messages.find((m) => m.from.local === 'fluffy');
    expect(op).toBeDefined();
    const bodyStart = raw.indexOf('\r\n\r\n') + 4;
    expect(Buffer.compare(Buffer.from(op!.content.bytes), raw.subarray(bodyStart, bodyStart + 553))).toBe(0);
  });

  it('all the torture messages at once do not disturb a valid exchange running alongside', async () => {
    const valid = Buffer.from('MESSAGE sip:alice@api.example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKvalid-alongside\r\nMax-Forwards: 70\r\nFrom: <sip:bob@sip.example.test>;tag=a\r\nTo: <sip:alice@api.example.test>\r\nCall-ID: alongside\r\nCSeq: 7 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
    const storm = Object.keys(VERDICTS).map((n) => udpExchange(port, readFileSync(join(DIR, `rfc4475-${n}.dat`)), 300));
    const mine = udpExchange(port, valid, 600);
    await Promise.all(storm);
    expect(statusCodes(Buffer.concat(await mine))).toEqual([200]);
  });

  it('a subscription dialog in progress completes while the torture messages arrive', async () => {
    ctx.subscribeResult = (op) => ({ outcome: { status: 'delivered' }, subscriptionId: 'dlg-1', state: 'active', expires: op.duration, presence: { type: 'application/pidf+xml', bytes: Buffer.from('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@api.example.test"/>') } });
    const sipp = startSipp({ scenario: 'subscribe-uac.xml', remote: `127.0.0.1:${port}`, localPort: await freeUdpPort(), keys: { pres: 'alice@api.example.test', watcher: 'bob@sip.example.test', expires: '120' } });
    const storm = (): Promise<unknown> => Promise.all(Object.keys(VERDICTS).map((n) => udpExchange(port, readFileSync(join(DIR, `rfc4475-${n}.dat`)), 100)));
    await storm();
    await ctx.waitFor(ctx.subscribes, (x) => x.duration === 120);
    await storm();
    const n = await adapter.sendNotify({ kind: 'notify', transactionId: 'x', subscriptionId: 'dlg-1', watcher: { local: 'bob', domain: 'sip.example.test' }, presentity: { local: 'alice', domain: 'api.example.test' }, presence: { type: 'application/pidf+xml', bytes: Buffer.from('<presence><note>changed by the gateway</note></presence>') }, state: 'active', maxForwards: 70, trace: [] });
    expect(n).toEqual({ status: 'delivered' });
    await storm();
    const r = await sipp.done;
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
  });
});
