/**
 * Unknown domains found in the DNS (gateway/resolver.ts) through the real gateway: a real DNS
 * server (dns2 on a free loopback UDP port, named in `resolver.servers`) and a real SIPp UAS. A
 * JSON user writes to bob@far.test, a domain missing from `domains`: the gateway finds RFC 3861
 * `_im._sip.far.test` (near.test: only RFC 3263 `_sip._udp`), the SIP adapter then locates the next hop by RFC 3263 (`_sip._udp`, then
 * the target's A record) and SIPp answers 200. A domain without records fails unknown-domain;
 * both answers are cached (the DNS server counts the queries).
 */
import dns2, { Packet } from 'dns2';
import { receivedSipMessage } from '../support/sip-log';
import { startSipp, waitForUdpListener } from '../support/sipp';
import { freeUdpPort } from '../support/ports';
import { addAccount, api, freePort, openStream, type Running, startGateway } from './json-client';

const GW_ID = 'gw-resolver-test.example';
let g: Running;
let alice: string;
let uasPort: number;
let dnsServer: ReturnType<typeof dns2.createServer> | undefined;
const queries: string[] = [];
const count = (name: string): number => queries.filter((q) => q === name).length;

beforeAll(async () => {
  uasPort = await freeUdpPort();
  const dnsPort = await freeUdpPort();
  dnsServer = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const answers = response.answers as unknown as object[];
      const q = request.questions[0]!;
      queries.push(q.name.toLowerCase());
      const srv = (port: number, target: string) => ({ name: q.name, type: Packet.TYPE.SRV, class: Packet.CLASS.IN, ttl: 60, priority: 10, weight: 5, port, target });
      if (q.type === Packet.TYPE.SRV && q.name === '_im._sip.far.test') answers.push(srv(uasPort, 'uas.far.test'));
      else if (q.type === Packet.TYPE.SRV && q.name === '_sip._udp.far.test') answers.push(srv(uasPort, 'uas.far.test'));
      // near.test publishes only the RFC 3263 records, no RFC 3861 one: the preferred target
      // (priority 5) has no address, the next one (priority 10) is the UAS (RFC 2782 order).
      else if (q.type === Packet.TYPE.SRV && q.name === '_sip._udp.near.test') {
        answers.push(srv(uasPort, 'uas.far.test'));
        answers.push({ ...srv(uasPort + 1, 'gone.near.test'), priority: 5 });
      }
      // pres.test: RFC 3861 "_pres" for presence, and the RFC 3263 record the SIP adapter uses.
      else if (q.type === Packet.TYPE.SRV && (q.name === '_pres._sip.pres.test' || q.name === '_sip._udp.pres.test')) answers.push(srv(uasPort, 'uas.far.test'));
      else if (q.type === Packet.TYPE.A && q.name === 'uas.far.test') answers.push({ name: q.name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address: '127.0.0.1' });
      else response.header.rcode = 3; // NXDOMAIN
      void send(response);
    },
  });
  await dnsServer.listen({ udp: { port: dnsPort, address: '127.0.0.1' } });
  const udp = await freeUdpPort();
  g = await startGateway(`
gateway: { id: ${GW_ID}, messageTimeoutMs: 4000 }
domains: { api.example.test: json, sip.example.test: sip }
json: { heartbeatSeconds: 30, maxBodyBytes: 65536 }
presence: { minExpires: 2, defaultExpires: 600, maxExpires: 3600 }
sip: { domain: sip.example.test, listen: { udp: 127.0.0.1:${udp}, tcp: 127.0.0.1:${await freePort()} } }
resolver: { servers: ['127.0.0.1:${dnsPort}'], timeoutMs: 1000 }
`);
  alice = await addAccount(g.url, 'alice@api.example.test');
}, 30_000);
afterAll(async () => {
  await g?.stop();
  await dnsServer?.close();
});

describe('unknown domains by DNS SRV', () => {
  it('JSON to bob@far.test (only in the DNS): found by _im._sip, sent by RFC 3263 to the SIPp UAS, delivered', async () => {
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'bob@far.test', text: 'found you in the DNS' });
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    const s = await uas.done;
    expect(s.code).toBe(0);
    const m = receivedSipMessage(s.messages);
    expect(m.head).toMatch(/^MESSAGE sip:bob@far\.test SIP\/2\.0\r\n/);
    expect(m.body.toString()).toBe('found you in the DNS');
    expect(count('_im._sip.far.test')).toBe(1);
    expect(count('_sip._udp.far.test')).toBeGreaterThanOrEqual(1);
    expect(count('uas.far.test')).toBeGreaterThanOrEqual(1);
  });

  it('a second message to far.test: the domain answer comes from the cache', async () => {
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'carol@far.test', text: 'again' });
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    expect((await uas.done).code).toBe(0);
    // The gateway's lookup (RFC 3861 names, xmpp never: no xmpp adapter) was not repeated.
    expect(count('_im._sip.far.test')).toBe(1);
    expect(queries.some((q) => q.includes('xmpp'))).toBe(false);
  });

  it('a domain with only _sip._udp SRV records (RFC 3263) is a SIP domain too; targets are tried in RFC 2782 order', async () => {
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'frank@near.test', text: 'by _sip._udp' });
    expect(r.json.outcome).toEqual({ status: 'delivered' });
    const s = await uas.done;
    expect(s.code).toBe(0);
    expect(receivedSipMessage(s.messages).head).toMatch(/^MESSAGE sip:frank@near\.test SIP\/2\.0\r\n/);
    expect(count('_im._sip.near.test')).toBe(1);
    // The preferred target was tried first and had no address.
    expect(queries.indexOf('gone.near.test')).toBeGreaterThan(-1);
    expect(queries.lastIndexOf('gone.near.test')).toBeLessThan(queries.lastIndexOf('uas.far.test'));
  });

  it('a domain without records fails unknown-domain, and "no records" is cached too', async () => {
    const before = queries.length;
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'dave@nowhere.test', text: 'anyone?' });
    expect(r.json.outcome).toMatchObject({ status: 'failed', code: 'unknown-domain' });
    expect(queries.slice(before).sort()).toEqual(['_im._sip.nowhere.test', '_sip._tcp.nowhere.test', '_sip._udp.nowhere.test', '_sips._tcp.nowhere.test']);
    const r2 = await api(g.url, alice, 'POST', '/v1/messages', { to: 'erin@nowhere.test', text: 'anyone at all?' });
    expect(r2.json.outcome).toMatchObject({ status: 'failed', code: 'unknown-domain' });
    expect(queries.length).toBe(before + 4);
  });

  it('presence: a JSON watcher of pat@pres.test (found by _pres._sip) gets the SIP side\'s NOTIFY; unsubscribing ends it upstream', async () => {
    const bob = await addAccount(g.url, 'bob@api.example.test');
    const stream = await openStream(g.url, bob);
    try {
      const uas = startSipp({ scenario: 'subscribe-uas.xml', localPort: uasPort, keys: { pres: 'pat@pres.test' } });
      await waitForUdpListener(uasPort);
      const sub = await api(g.url, bob, 'POST', '/v1/subscriptions', { presentity: 'pat@pres.test', expires: 300 });
      expect(sub.status).toBe(201);
      await stream.next((x) => x.type === 'presence' && x.presentity === 'pat@pres.test' && x.presence?.view?.note === 'on the SIP side');
      expect(count('_pres._sip.pres.test')).toBe(1);
      expect(count('_im._sip.pres.test')).toBe(0);
      expect((await api(g.url, bob, 'DELETE', `/v1/subscriptions/${sub.json.id}`)).status).toBe(200);
      const u = await uas.done;
      expect(u.errors).toBe('');
      expect(u.code).toBe(0);
    } finally { await stream.close(); }
  });

  it('configured domains are not looked up', async () => {
    const before = queries.length;
    const r = await api(g.url, alice, 'POST', '/v1/messages', { to: 'nobody@api.example.test', text: 'local' });
    expect(r.json.outcome.status).toBe('failed');
    expect(queries.length).toBe(before);
  });
});
