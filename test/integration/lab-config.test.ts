/**
 * The lab topology (deploy/lab/): the switchboard.yaml validates with the config loader; the three
 * configs agree with each other (component domains and secrets, ports, the domains Kamailio sends
 * to Switchboard); a real Prosody runs the lab prosody.cfg.lua (only its paths and ports moved to
 * a throwaway directory and free ports) and passes `prosodyctl check config`; and a gateway
 * started from the lab switchboard.yaml (memory store and free ports by environment overrides,
 * as README shows) connects its components to that Prosody with the lab secret and carries a
 * message from a Prosody user to the lab's JSON account.
 */
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { parseSip } from '../../adapters/sip/wire-validate';
import { loadConfig } from '../../gateway/config';
import type { GatewayConfig } from '../../gateway/config/types';
import { createLogger } from '../../gateway/logging';
import { createGateway, type Gateway } from '../../gateway/service';
import { runSend } from '../../gateway/cli/send';
import { freePorts, freeUdpPort, isPortOpen } from '../support/ports';
import { startProcess, type ManagedProcess } from '../support/process';
import { c2sReady, PROSODY, PROSODYCTL } from '../support/prosody';
import { openStream, type Stream } from './json-client';

const LAB = path.join(__dirname, '..', '..', 'deploy', 'lab');
const YAML = path.join(LAB, 'switchboard.yaml');
const PROSODY_CFG = fs.readFileSync(path.join(LAB, 'prosody.cfg.lua'), 'utf8');
const KAMAILIO_CFG = fs.readFileSync(path.join(LAB, 'kamailio.cfg'), 'utf8');

const lab: GatewayConfig = loadConfig({ file: YAML, env: {} });

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 20_000, killSignal: 'SIGKILL', env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

describe('deploy/lab/switchboard.yaml', () => {
  it('validates with the config loader (check-config passes)', () => {
    expect(lab.gateway.id).toBe('gw1.example.test');
    expect(lab.domains).toEqual({ 'example.test': 'xmpp', 'sip.example.test': 'sip', 'api.example.test': 'json' });
    expect(lab.store).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379/0' });
    expect(lab.json?.accounts).toEqual([{ address: 'carol@api.example.test', token: 'carol-lab-token' }]);
  });

  it('agrees with prosody.cfg.lua: every component domain and secret, and the component port', () => {
    const comps = lab.xmpp?.components ?? [];
    expect(comps.length).toBeGreaterThan(0);
    for (const c of comps) {
      const block = new RegExp(`^Component "${c.domain.replace(/\./g, '\\.')}"\\s*\\n\\s*component_secret = "([^"]*)"`, 'm').exec(PROSODY_CFG);
      expect(block?.[1]).toBe(c.secret);
      expect(c.service).toBe(`xmpp://127.0.0.1:${/^component_ports = \{ (\d+) \}$/m.exec(PROSODY_CFG)?.[1]}`);
    }
    // The XMPP island is Prosody's VirtualHost, and the domains table says so.
    const host = /^VirtualHost "([^"]+)"$/m.exec(PROSODY_CFG)?.[1];
    expect(host && lab.domains[host]).toBe('xmpp');
  });

  it('agrees with kamailio.cfg: Kamailio sends the non-SIP domains to sip.listen, and is the outbound proxy', () => {
    const target = /^#!define SWITCHBOARD "sip:([^"]+)"$/m.exec(KAMAILIO_CFG)?.[1];
    expect(target).toBe(lab.sip?.listen.udp);
    expect(lab.sip?.listen.tcp).toBe(lab.sip?.listen.udp);
    const listen = [...KAMAILIO_CFG.matchAll(/^listen=(udp|tcp):([0-9.]+:\d+)$/gm)].map((m) => m[2]);
    expect(listen.length).toBe(2);
    expect(lab.sip?.outboundProxy).toBe(`sip:${listen[0]};lr`);
    expect(KAMAILIO_CFG).toMatch(new RegExp(`^alias="${lab.sip!.domain.replace(/\./g, '\\.')}"$`, 'm'));
    for (const [domain, proto] of Object.entries(lab.domains)) {
      if (proto === 'sip') continue;
      expect(KAMAILIO_CFG).toContain(`$rd == "${domain}"`);
    }
  });
});

/** The lab prosody.cfg.lua with only its paths and ports moved; each change must apply exactly once. */
function adaptProsody(dir: string, c2s: number, component: number): string {
  let text = PROSODY_CFG;
  const swap = (re: RegExp, to: string): void => {
    const hits = text.match(new RegExp(re.source, 'gm'))?.length ?? 0;
    if (hits !== 1) throw new Error(`lab prosody.cfg.lua: expected one line matching ${re}, found ${hits}`);
    text = text.replace(new RegExp(re.source, 'm'), to);
  };
  swap(/^pidfile = ".*"$/, `pidfile = "${dir}/prosody.pid"`);
  swap(/^data_path = ".*"$/, `data_path = "${dir}/data"`);
  swap(/^log = .*$/, `log = { { levels = { min = "info" }, to = "file", filename = "${dir}/prosody.log" } }`);
  swap(/^c2s_ports = \{ \d+ \}$/, `c2s_ports = { ${c2s} }`);
  swap(/^component_ports = \{ \d+ \}$/, `component_ports = { ${component} }`);
  // Tests run as root here; Prosody refuses that unless told (test/support/README.md).
  return `run_as_root = true\ncertificates = "${dir}/certs"\n${text}`;
}

describe('the lab Prosody config with a real Prosody, and the lab gateway against it', () => {
  let dir: string;
  let prosody: ManagedProcess | undefined;
  let gw: Gateway | undefined;
  let c2sPort: number;
  let componentPort: number;
  let config: GatewayConfig;
  let jsonPort: number;
  let sipPort: number;
  const streams: Stream[] = [];

  beforeAll(async () => {
    for (const bin of [PROSODY, PROSODYCTL]) expect(fs.existsSync(bin)).toBe(true);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-lab-prosody-'));
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'certs'));
    [c2sPort, componentPort, jsonPort] = (await freePorts(3)) as [number, number, number];
  }, 30_000);

  afterAll(async () => {
    await Promise.all(streams.splice(0).map((s) => s.close()));
    await gw?.stop();
    await prosody?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('passes prosodyctl check config, registers a user, and starts with its VirtualHost and components', async () => {
    const file = path.join(dir, 'prosody.cfg.lua');
    fs.writeFileSync(file, adaptProsody(dir, c2sPort, componentPort));
    const env = { ...process.env, HOME: dir };
    const check = await run(PROSODYCTL, ['--config', file, 'check', 'config'], env);
    expect({ code: check.code, out: check.out }).toMatchObject({ code: 0 });
    const reg = await run(PROSODYCTL, ['--config', file, 'register', 'juliet', 'example.test', 'juliet-pw'], env);
    expect(reg).toMatchObject({ code: 0 });
    prosody = await startProcess({
      name: 'prosody (lab config)', command: PROSODY, args: ['-F', '--config', file], cwd: dir, env,
      ready: async () => (await c2sReady(c2sPort, 'example.test')) && (await isPortOpen(componentPort)),
      readyTimeoutMs: 20_000,
      diagnostics: () => { try { return fs.readFileSync(path.join(dir, 'prosody.log'), 'utf8').slice(-4000); } catch { return '(no log)'; } },
    });
    expect(await c2sReady(c2sPort, 'example.test')).toBe(true);
  }, 60_000);

  it('the lab gateway (memory store, free ports) brings both components online with the lab secret', async () => {
    expect(prosody).toBeDefined();
    sipPort = await freeUdpPort();
    const comps = (lab.xmpp?.components ?? []).map((c) => `{ service: 'xmpp://127.0.0.1:${componentPort}', domain: ${c.domain}, secret: ${c.secret} }`);
    // The README's way of running the lab file elsewhere: environment overrides.
    config = loadConfig({
      file: YAML,
      env: {
        SWITCHBOARD_STORE: '{ kind: memory }',
        SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${jsonPort}`,
        SWITCHBOARD_SIP__LISTEN: `{ udp: 127.0.0.1:${sipPort} }`,
        SWITCHBOARD_XMPP__COMPONENTS: `[ ${comps.join(', ')} ]`,
      },
    });
    gw = await createGateway({ config, log: createLogger({ level: process.env.SB_TEST_LOG ?? 'silent', pretty: false }) });
    await gw.start();
    const deadline = Date.now() + 15_000;
    let r = await gw.readiness();
    while (!r.ready && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      r = await gw.readiness();
    }
    expect(r).toMatchObject({ ready: true });
  }, 30_000);

  it('a Prosody user reaches the lab JSON account carol@api.example.test through its component (switchboard send)', async () => {
    expect(gw).toBeDefined();
    const carol = await openStream(`http://127.0.0.1:${jsonPort}`, 'carol-lab-token');
    streams.push(carol);
    let out = ''; let err = '';
    const stdin = new PassThrough(); stdin.end();
    const code = await runSend(['--via', 'xmpp', '--xmpp-service', `xmpp://127.0.0.1:${c2sPort}`, '--jid', 'juliet@example.test', '--password', 'juliet-pw', '--to', 'carol@api.example.test', '--text', 'Hello from the XMPP island'], {
      stdin, stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } }, env: {},
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).outcome).toEqual({ status: 'delivered' });
    const f = await carol.next((x) => x.type === 'message' && x.from === 'juliet@example.test');
    expect(f).toMatchObject({ text: 'Hello from the XMPP island', trace: ['gw1.example.test'], via: 'xmpp' });
  }, 30_000);

  it('the README\'s sip/alice-to-carol.sip, sent as sipsak -f sends it (a Via added), is answered 200 and reaches carol', async () => {
    expect(gw).toBeDefined();
    const carol = await openStream(`http://127.0.0.1:${jsonPort}`, 'carol-lab-token');
    streams.push(carol);
    const file = fs.readFileSync(path.join(LAB, 'sip', 'alice-to-carol.sip'));
    const sock = dgram.createSocket('udp4');
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no SIP response within 5 s')), 5000);
        sock.on('message', (m) => { const s = m.toString('latin1'); if (!/^SIP\/2\.0 1/.test(s)) { clearTimeout(t); resolve(s); } });
        sock.bind(0, '127.0.0.1', () => {
          const eol = file.indexOf('\r\n');
          const via = Buffer.from(`\r\nVia: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bKlab${Date.now()};rport`);
          sock.send(Buffer.concat([file.subarray(0, eol), via, file.subarray(eol)]), sipPort, '127.0.0.1');
        });
      });
      expect(answer).toMatch(/^SIP\/2\.0 200 /);
    } finally { sock.close(); }
    const f = await carol.next((x) => x.type === 'message' && x.from === 'alice@sip.example.test');
    expect(Buffer.from(f.base64, 'base64').equals(file.subarray(file.indexOf('\r\n\r\n') + 4))).toBe(true);
    expect(f.subject).toEqual([{ text: 'From the SIP island' }]);
  }, 30_000);

  it('every sip/*.sip request passes the strict SIP parser as a MESSAGE with an exact Content-Length', () => {
    const files = fs.readdirSync(path.join(LAB, 'sip')).filter((n) => n.endsWith('.sip'));
    expect(files.length).toBeGreaterThan(1);
    for (const n of files) {
      const b = fs.readFileSync(path.join(LAB, 'sip', n));
      const eol = b.indexOf('\r\n');
      const withVia = Buffer.concat([b.subarray(0, eol), Buffer.from('\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKcheck'), b.subarray(eol)]);
      const r = parseSip(withVia, false);
      if (!r.ok) throw new Error(`${n}: ${r.error.phrase}`);
      expect(r.message.kind === 'request' && r.message.method).toBe('MESSAGE');
    }
  });
});
