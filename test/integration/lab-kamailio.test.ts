/**
 * The lab's Kamailio config (deploy/lab/kamailio.cfg) with a real Kamailio 5.6: `kamailio -c`
 * accepts the committed file; then a private Kamailio runs it with only its listen port and the
 * SWITCHBOARD destination moved (test/support/kamailio.ts), in front of a gateway started from the
 * lab switchboard.yaml (memory store, free ports, outboundProxy pointed at this Kamailio, by
 * environment overrides as the lab README shows). Both directions of the README's walkthrough:
 *  - sipsak sends the lab's sip/alice-to-carol.sip to Kamailio, Kamailio relays it
 *    (`$rd == "api.example.test"`) to Switchboard, and carol's JSON stream gets the exact body;
 *  - alice@sip.example.test registers with Kamailio (sipsak -U) with a SIPp UAS as her contact,
 *    carol sends her a JSON message, Switchboard sends it through its outbound proxy, Kamailio's
 *    location lookup finds the contact, and the UAS receives the text and answers 200.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../gateway/config';
import { createLogger } from '../../gateway/logging';
import { createGateway, type Gateway } from '../../gateway/service';
import { freePort, freeUdpPort, isPortOpen } from '../support/ports';
import { isPidAlive } from '../support/process';
import { KAMAILIO, kamailioCheck, startKamailio, type KamailioHandle } from '../support/kamailio';
import { headerOf, receivedSipMessage } from '../support/sip-log';
import { runSipsak, startSipp, waitForUdpListener } from '../support/sipp';
import { api, openStream, type Stream } from './json-client';

const LAB = path.join(__dirname, '..', '..', 'deploy', 'lab');
const CFG_FILE = path.join(LAB, 'kamailio.cfg');
const YAML = path.join(LAB, 'switchboard.yaml');

describe('deploy/lab/kamailio.cfg with a real Kamailio', () => {
  let kam: KamailioHandle | undefined;
  let gw: Gateway | undefined;
  let jsonUrl: string;
  let sipPort: number;
  let up = false;
  const streams: Stream[] = [];

  afterAll(async () => {
    await Promise.all(streams.splice(0).map((s) => s.close()));
    await gw?.stop();
    await kam?.stop();
  }, 30_000);

  it('kamailio -c accepts the committed lab config', async () => {
    expect(fs.existsSync(KAMAILIO)).toBe(true);
    const r = await kamailioCheck(CFG_FILE);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/config file ok/);
  }, 30_000);

  it('runs (ports and the Switchboard destination moved) in front of the lab gateway', async () => {
    sipPort = await freeUdpPort();
    const jsonPort = await freePort();
    jsonUrl = `http://127.0.0.1:${jsonPort}`;
    kam = await startKamailio({ config: fs.readFileSync(CFG_FILE, 'utf8'), defines: { SWITCHBOARD: `sip:127.0.0.1:${sipPort}` } });
    // The lab YAML, run elsewhere by the README's environment overrides. No Prosody here (the
    // XMPP island is lab-config.test.ts's part), so the XMPP section and its domain are left out.
    const config = loadConfig({
      file: YAML,
      env: {
        SWITCHBOARD_STORE: '{ kind: memory }',
        SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${jsonPort}`,
        SWITCHBOARD_SIP__LISTEN: `{ udp: 127.0.0.1:${sipPort} }`,
        SWITCHBOARD_SIP__OUTBOUNDPROXY: `sip:127.0.0.1:${kam.port};lr`,
        SWITCHBOARD_XMPP: 'null',
        SWITCHBOARD_DOMAINS: '{ sip.example.test: sip, api.example.test: json }',
      },
    });
    expect(config.sip?.outboundProxy).toBe(`sip:127.0.0.1:${kam.port};lr`);
    gw = await createGateway({ config, log: createLogger({ level: process.env.SB_TEST_LOG ?? 'silent', pretty: false }) });
    await gw.start();
    const deadline = Date.now() + 10_000;
    let r = await gw.readiness();
    while (!r.ready && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      r = await gw.readiness();
    }
    expect(r).toMatchObject({ ready: true });
    up = true;
  }, 40_000);

  it('SIP to JSON: sipsak sends sip/alice-to-carol.sip to Kamailio, which relays it to Switchboard; carol gets the exact body', async () => {
    expect(up).toBe(true);
    const carol = await openStream(jsonUrl, 'carol-lab-token');
    streams.push(carol);
    const file = path.join(LAB, 'sip', 'alice-to-carol.sip');
    const bytes = fs.readFileSync(file);
    // As in the README: sipsak -vv -f deploy/lab/sip/alice-to-carol.sip -s sip:carol@127.0.0.1:5060
    const r = await runSipsak(['-vv', '-f', file, '-s', `sip:carol@127.0.0.1:${kam!.port}`], 15_000);
    const said = `${r.stdout}${r.stderr}\n--- kamailio ---\n${kam!.log().slice(-3000)}`;
    expect({ code: r.code, timedOut: r.timedOut, said }).toMatchObject({ code: 0, timedOut: false });
    expect(r.stdout).toMatch(/SIP\/2\.0 200 /);
    const f = await carol.next((x) => x.type === 'message' && x.from === 'alice@sip.example.test');
    expect(Buffer.from(f.base64, 'base64').equals(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4))).toBe(true);
    expect(f.subject).toEqual([{ text: 'From the SIP island' }]);
    expect(f.trace).toEqual(['gw1.example.test']);
    // 70 in the file, 69 after Kamailio's hop (mf_process_maxfwd_header), 68 after Switchboard's:
    // straight to Switchboard it would be 69.
    expect(f.maxForwards).toBe(68);
  }, 30_000);

  it('JSON to SIP: carol reaches alice@sip.example.test, registered at Kamailio (sipsak -U) with a SIPp UAS as contact', async () => {
    expect(up).toBe(true);
    const uasPort = await freeUdpPort();
    const uas = startSipp({ scenario: 'message-uas.xml', localPort: uasPort, timeoutSec: 20 });
    let finished = false;
    try {
      await waitForUdpListener(uasPort, 5000);
      // As in the README (romeo there): sipsak -U -C CONTACT -x 3600 -s AOR. sipsak sends to the
      // -s host, and sip.example.test resolves only with the README's /etc/hosts line, so the URI
      // names Kamailio's address; the registrar keys contacts by user alone (usrloc use_domain is
      // off by default), so the binding serves sip:alice@sip.example.test as well.
      const reg = await runSipsak(['-U', '-C', `sip:alice@127.0.0.1:${uasPort}`, '-x', '3600', '-s', `sip:alice@127.0.0.1:${kam!.port}`, '-vv'], 15_000);
      const said = `${reg.stdout}${reg.stderr}\n--- kamailio ---\n${kam!.log().slice(-3000)}`;
      expect({ code: reg.code, timedOut: reg.timedOut, said }).toMatchObject({ code: 0, timedOut: false });
      const text = 'Hello Alice, Carol (JSON) here: grüße ✓';
      const res = await api(jsonUrl, 'carol-lab-token', 'POST', '/v1/messages', { to: 'alice@sip.example.test', text, subject: 'API' });
      expect(res.status).toBe(200);
      expect(res.json.outcome).toMatchObject({ status: 'delivered' });
      const p = await uas.done;
      finished = true;
      expect({ code: p.code, errors: p.errors }).toEqual({ code: 0, errors: '' });
      const got = receivedSipMessage(p.messages);
      expect(got.body.toString('utf8')).toBe(text);
      expect(got.head).toMatch(/^MESSAGE sip:alice@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
      expect(headerOf(got.head, 'From')).toMatch(/<sip:carol@api\.example\.test>/);
      expect(headerOf(got.head, 'Switchboard-Trace')).toBe('gw1.example.test');
      // Switchboard sent 70 (lab maxForwards) less its own hop; Kamailio took one more.
      expect(headerOf(got.head, 'Max-Forwards')).toBe('68');
      // Two Vias: Kamailio's on top of Switchboard's.
      expect(got.head.match(/\r\nVia: /gi)?.length).toBe(2);
    } finally {
      if (!finished && uas.pid) { try { process.kill(uas.pid, 'SIGKILL'); } catch { /* already exited */ } }
      await uas.done.catch(() => undefined);
    }
  }, 60_000);

  it('stops by pid: the main process and every Kamailio child it forked are gone, the port is free', async () => {
    expect(kam).toBeDefined();
    const k = kam!;
    const children = fs.readFileSync(`/proc/${k.pid}/task/${k.pid}/children`, 'latin1').trim().split(/\s+/).map(Number);
    // children=2 per listener plus the timer, tcp main and other helper processes.
    expect(children.length).toBeGreaterThan(2);
    await k.stop();
    kam = undefined;
    const deadline = Date.now() + 5000;
    while ([k.pid, ...children].some(isPidAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([k.pid, ...children].filter(isPidAlive)).toEqual([]);
    expect(await isPortOpen(k.port)).toBe(false);
    expect(fs.existsSync(k.dir)).toBe(false);
  }, 20_000);
});
