/**
 * Loops across bridges (issue 6): two Switchboard deployments (gw1, gw2; own ids, own memory
 * stores) whose routes point at each other through SIP and a real Prosody, and a third that routes
 * addresses back to itself. A message must stop within a bounded number of hops, the sender must
 * get the loop (or hop) failure in its own protocol, no copies may multiply, and the received-trace
 * of the last copy must list the gateways in order.
 *
 * The ring:  gw1 --SIP (outboundProxy = gw2's listener)--> gw2 --XMPP (Prosody, component
 * ring.test = gw1)--> gw1, which finds its id in the trace.
 *
 * RFC 3860 3.4.2: "If the value of MaxForwards is zero, the service MUST NOT forward the message";
 * the received-trace (DESIGN.md "Loops") catches rings that reset the count.
 */
import { addAccount } from './support/accounts';
import { startGw, type RunningGateway } from './support/gateway';
import { sipsakMessage } from './support/sip-peer';
import { startXmppPeer, type XmppPeer } from '../support/xmpp-peer';
import { api, openStream, type Stream } from '../integration/json-client';
import { freePort, freeUdpPort } from '../support/ports';
import { type ProsodyHandle, startProsody } from '../support/prosody';

const GW1 = 'gw1.interop.test';
const GW2 = 'gw2.interop.test';
const GW3 = 'gw3.interop.test';
const SECRET = 'ring-secret';

let prosody: ProsodyHandle;
let gw1: RunningGateway;
let gw2: RunningGateway;
let gw3: RunningGateway;
let sip1: number;
let sip2: number;
let sip3: number;
let alice: string;
let carol: string;
let juliet: XmppPeer;
const streams: Stream[] = [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  prosody = await startProsody({
    domain: 'example.test',
    users: [{ user: 'juliet', password: 'pw' }],
    components: [
      { domain: 'ring.test', secret: SECRET },
      { domain: 'two.example.test', secret: SECRET },
      { domain: 'self-x.test', secret: SECRET },
    ],
  });
  [sip1, sip2, sip3] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
  const xmpp = (domain: string): string => `xmpp: { components: [ { service: 'xmpp://127.0.0.1:${prosody.componentPort}', domain: ${domain}, secret: ${SECRET} } ], clients: [] }`;
  gw1 = await startGw(`
gateway: { id: ${GW1}, messageTimeoutMs: 5000 }
domains: { api.one.test: json, one.sip.test: sip, ring.test: sip, example.test: xmpp }
sip: { domain: one.sip.test, listen: { udp: 127.0.0.1:${sip1}, tcp: 127.0.0.1:${await freePort()} }, outboundProxy: 'sip:127.0.0.1:${sip2}' }
${xmpp('ring.test')}
`, { logLevel: 'trace' });
  gw2 = await startGw(`
gateway: { id: ${GW2}, messageTimeoutMs: 5000 }
domains: { api.two.test: json, two.sip.test: sip, ring.test: xmpp }
sip: { domain: two.sip.test, listen: { udp: 127.0.0.1:${sip2}, tcp: 127.0.0.1:${await freePort()} }, outboundProxy: 'sip:127.0.0.1:${sip1}' }
${xmpp('two.example.test')}
`, { logLevel: 'trace' });
  gw3 = await startGw(`
gateway: { id: ${GW3}, messageTimeoutMs: 5000 }
domains: { api.three.test: json, three.sip.test: sip, self.test: sip, self-x.test: xmpp }
sip: { domain: three.sip.test, listen: { udp: 127.0.0.1:${sip3}, tcp: 127.0.0.1:${await freePort()} }, outboundProxy: 'sip:127.0.0.1:${sip3}' }
${xmpp('self-x.test')}
`, { logLevel: 'trace' });
  alice = await addAccount(gw1.url, 'alice@api.one.test');
  carol = await addAccount(gw3.url, 'carol@api.three.test');
  juliet = await startXmppPeer(prosody.c2sPort, 'juliet@example.test/loops', 'pw');
}, 90_000);

afterEach(async () => { await Promise.all(streams.splice(0).map((s) => s.close())); });
afterAll(async () => {
  await juliet?.close();
  await gw1?.stop();
  await gw2?.stop();
  await gw3?.stop();
  await prosody?.stop();
}, 30_000);

/** Messages each gateway has seen arrive: MESSAGE requests (SIP) and <message/> stanzas (XMPP). */
function arrivals(g: RunningGateway, since: number): { sip: string[]; xmpp: string[] } {
  const lines = g.logs.slice(since);
  return {
    sip: lines.filter((l) => l.msg === 'sip receive' && /^MESSAGE /.test(String(l.wire))).map((l) => String(l.wire)),
    xmpp: lines.filter((l) => l.msg === 'xmpp stanza in' && /^<message\b/.test(String(l.stanza)) && !/type="error"|type='error'/.test(String(l.stanza))).map((l) => String(l.stanza)),
  };
}

/** The <trace/> element of a stanza as the server serialized it (attribute order varies). */
function traceOf(stanza: string): { hops: string | undefined; ids: string } | undefined {
  const m = /<trace\b([^>]*)>([^<]*)<\/trace>/.exec(stanza);
  if (!m || !/xmlns=["']urn:switchboard:trace:0["']/.test(m[1]!)) return undefined;
  return { hops: /hops=["'](\d+)["']/.exec(m[1]!)?.[1], ids: m[2]! };
}

interface Counts { r1: number; r2: number; l1: number; l2: number }
async function mark(): Promise<Counts> {
  return { r1: await gw1.routed(), r2: await gw2.routed(), l1: gw1.logs.length, l2: gw2.logs.length };
}

/** After the outcome, nothing more may arrive: wait a little longer and count again. */
async function settled(before: Counts): Promise<{ routed1: number; routed2: number; at1: ReturnType<typeof arrivals>; at2: ReturnType<typeof arrivals> }> {
  await sleep(1500);
  return {
    routed1: (await gw1.routed()) - before.r1,
    routed2: (await gw2.routed()) - before.r2,
    at1: arrivals(gw1, before.l1),
    at2: arrivals(gw2, before.l2),
  };
}

describe('a ring of two gateways through SIP and XMPP (RFC 2779 5.4.2: no duplicates; RFC 3860 3.4.2)', () => {
  it('JSON sender on gw1: stops after one round, the sender gets loop-detected, one copy per hop, the last copy carries the trace gw1, gw2', async () => {
    const before = await mark();
    const t0 = Date.now();
    const r = await api(gw1.url, alice, 'POST', '/v1/messages', { to: 'echo@ring.test', text: 'around the ring' });
    expect(r.status).toBe(200);
    expect(r.json.outcome).toMatchObject({ status: 'failed', code: 'loop-detected' });
    expect(Date.now() - t0).toBeLessThan(5000);
    const s = await settled(before);
    // gw1 routes the original and refuses the copy that came back; gw2 routes it once.
    expect(s.routed1).toBe(2);
    expect(s.routed2).toBe(1);
    expect(s.at2.sip).toHaveLength(1);
    // (the wire log keeps the first 300 bytes of each request)
    expect(s.at2.sip[0]).toMatch(/\r\nMax-Forwards: 69\r\n[\s\S]*\r\nSwitchboard-Trace: gw1\./);
    expect(s.at1.xmpp).toHaveLength(1);
    expect(traceOf(s.at1.xmpp[0]!)).toEqual({ hops: '68', ids: `${GW1}, ${GW2}` });
  });

  it('SIP sender (sipsak) into gw1: 482 Loop Detected in its own protocol, no copies multiply', async () => {
    const before = await mark();
    const r = await sipsakMessage(sip1, { from: 'erin@one.sip.test', to: 'echo@ring.test', body: Buffer.from('loop me\r\n'), contentType: 'text/plain;charset=utf-8' });
    expect(r.status).toBe(482);
    const s = await settled(before);
    expect(s.routed1).toBe(2);
    expect(s.routed2).toBe(1);
    expect(s.at2.sip).toHaveLength(1);
    expect(s.at1.xmpp).toHaveLength(1);
    expect(traceOf(s.at1.xmpp[0]!)?.ids).toBe(`${GW1}, ${GW2}`);
  });

  it('XMPP sender (slixmpp) into gw1: a not-acceptable stanza error (the loop-detected row), no copies multiply', async () => {
    const before = await mark();
    juliet.send({ cmd: 'message', to: 'echo@ring.test', body: 'ring from XMPP', id: 'ring-x1' });
    const e = await juliet.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'ring-x1');
    expect(e.error).toEqual(['not-acceptable']);
    expect(e.xml).toMatch(/<loop-detected xmlns="urn:switchboard:error:0" ?\/>/);
    const s = await settled(before);
    expect(s.routed1).toBe(2);
    expect(s.routed2).toBe(1);
    // The XMPP copy gw1 saw last: juliet's original (no trace) and the one back from gw2.
    const back = s.at1.xmpp.filter((x) => x.includes('urn:switchboard:trace:0'));
    expect(back).toHaveLength(1);
    expect(traceOf(back[0]!)?.ids).toBe(`${GW1}, ${GW2}`);
  });
});

describe('a route back to the same gateway (RFC 3261 8.2.2.2: 482 Loop Detected)', () => {
  it('SIP route to its own listener: JSON sender gets loop-detected; SIP sender gets 482', async () => {
    const r = await api(gw3.url, carol, 'POST', '/v1/messages', { to: 'me@self.test', text: 'to myself over SIP' });
    expect(r.json.outcome).toMatchObject({ status: 'failed', code: 'loop-detected' });
    const s = await sipsakMessage(sip3, { from: 'erin@three.sip.test', to: 'me@self.test', body: Buffer.from('self\r\n'), contentType: 'text/plain' });
    expect(s.status).toBe(482);
  });

  it('XMPP route to its own component (through Prosody): JSON sender gets loop-detected; SIP sender gets 482', async () => {
    const r = await api(gw3.url, carol, 'POST', '/v1/messages', { to: 'me@self-x.test', text: 'to myself over XMPP' });
    expect(r.json.outcome).toMatchObject({ status: 'failed', code: 'loop-detected' });
    const s = await sipsakMessage(sip3, { from: 'erin@three.sip.test', to: 'me@self-x.test', body: Buffer.from('self\r\n'), contentType: 'text/plain' });
    expect(s.status).toBe(482);
  });
});

describe('hop count exhausted across protocols (RFC 3261 16.3: 483 Too Many Hops; RFC 3860 3.4.2)', () => {
  it('XMPP in with hops=2: gw1 -> SIP (Max-Forwards 1) -> gw2 -> XMPP (hops 0) -> gw1, which finds its id first: 482 back, juliet gets <not-acceptable/> with <loop-detected/>', async () => {
    const before = await mark();
    juliet.send({ cmd: 'message', to: 'echo@ring.test', body: 'two hops only', id: 'hops-x2', trace: '', hops: 2 });
    const e = await juliet.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'hops-x2');
    expect(e.error).toEqual(['not-acceptable']);
    expect(e.xml).toMatch(/<loop-detected xmlns="urn:switchboard:error:0" ?\/>/);
    const s = await settled(before);
    expect(s.at2.sip).toHaveLength(1);
    expect(s.at2.sip[0]).toMatch(/\r\nMax-Forwards: 1\r\n/);
    // The copy that came back has no hop left and our id in its trace: the trace check comes first.
    const back = s.at1.xmpp.filter((x) => x.includes('urn:switchboard:trace:0') && x.includes(GW2));
    expect(back).toHaveLength(1);
    expect(traceOf(back[0]!)).toEqual({ hops: '0', ids: `${GW1}, ${GW2}` });
    expect(s.routed1).toBe(2);
    expect(s.routed2).toBe(1);
  });

  it('XMPP in with hops=1: gw1 has no hop left toward SIP and sends nothing; juliet gets <not-acceptable/> with <too-many-hops/>', async () => {
    const before = await mark();
    juliet.send({ cmd: 'message', to: 'echo@ring.test', body: 'one hop only', id: 'hops-x1', trace: '', hops: 1 });
    const e = await juliet.next((x) => x.event === 'message' && x.type === 'error' && x.id === 'hops-x1');
    expect(e.xml).toMatch(/<too-many-hops xmlns="urn:switchboard:error:0" ?\/>/);
    const s = await settled(before);
    expect(s.at2.sip).toHaveLength(0);
    expect(s.routed2).toBe(0);
  });

  it('SIP Max-Forwards: 2 into gw2, out to XMPP (hops 1), gw1 out to SIP with 0: the SIP sender gets 483', async () => {
    const before = await mark();
    const r = await sipsakMessage(sip2, { from: 'erin@two.sip.test', to: 'echo@ring.test', body: Buffer.from('two hops\r\n'), contentType: 'text/plain', maxForwards: 2 });
    expect(r.status).toBe(483);
    const s = await settled(before);
    expect(s.routed2).toBe(1);
    expect(s.routed1).toBe(1);
    expect(s.at1.xmpp).toHaveLength(1);
    expect(traceOf(s.at1.xmpp[0]!)).toEqual({ hops: '1', ids: GW2 });
  });

  it('SIP Max-Forwards: 1 into gw1, out to gw2 over SIP with 0: 483 at once', async () => {
    const r = await sipsakMessage(sip1, { from: 'erin@one.sip.test', to: 'echo@ring.test', body: Buffer.from('one hop\r\n'), contentType: 'text/plain', maxForwards: 1 });
    expect(r.status).toBe(483);
  });
});
