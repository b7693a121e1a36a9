/**
 * Smoke test of the Prosody harness (test/support/prosody.ts) against the real Prosody 0.12:
 * raw c2s stream, XEP-0114 component handshake (right and wrong secret), a real slixmpp login.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { isPortOpen, tcpExchange } from '../support/ports';
import { isPidAlive } from '../support/process';
import { startProsody, type ProsodyHandle } from '../support/prosody';

const COMPONENT = { domain: 'sip.example.test', secret: 'c0mp0nent-s3cret' };
const ALICE = { user: 'alice', password: 'alice-pw' };
const PYTHON = '/usr/bin/python3';
const LOGIN_SCRIPT = path.join(__dirname, '..', 'support', 'xmpp-login.py');

/**
 * XEP-0114 handshake over a raw socket: open the stream, read the id from the server's header,
 * send sha1(id + secret) in hex, and return everything the server said after that.
 */
function componentHandshake(
  port: number, domain: string, secret: string, timeoutMs = 5000,
  then?: { send: string; until: RegExp },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    let sent = false;
    let after = '';
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      if (err) reject(err);
      else resolve(after);
    };
    const timer = setTimeout(() => finish(sent ? undefined : new Error(`no stream header within ${timeoutMs} ms: ${buf}`)), timeoutMs);
    sock.once('connect', () => {
      sock.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
    });
    sock.on('data', (d: Buffer) => {
      if (!sent) {
        buf += d.toString('utf8');
        const id = /<stream:stream[^>]*\sid=['"]([^'"]+)['"]/.exec(buf)?.[1];
        if (!id) return;
        sent = true;
        const digest = createHash('sha1').update(id + secret, 'utf8').digest('hex');
        sock.write(`<handshake>${digest}</handshake>`);
        return;
      }
      const before = after;
      after += d.toString('utf8');
      const accepted = /<handshake\s*\/>|<handshake><\/handshake>/;
      if (then && accepted.test(after) && !accepted.test(before)) sock.write(then.send);
      if (/<\/stream:stream>|<stream:error/.test(after)) finish();
      else if (accepted.test(after) && (!then || then.until.test(after))) finish();
    });
    sock.once('end', () => finish());
    sock.once('error', (e) => finish(e));
  });
}

function slixmppLogin(port: number, jid: string, password: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, [LOGIN_SCRIPT, '127.0.0.1', String(port), jid, password, '10'], { timeout: 20_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      });
  });
}

describe('startProsody', () => {
  let prosody: ProsodyHandle | undefined;

  beforeAll(async () => {
    prosody = await startProsody({ users: [ALICE], components: [COMPONENT] });
  }, 60_000);

  afterAll(async () => {
    await prosody?.stop();
  });

  const server = (): ProsodyHandle => {
    if (!prosody) throw new Error('prosody did not start');
    return prosody;
  };

  it('runs with its own config and data under a temporary directory, bound to 127.0.0.1', () => {
    const p = server();
    expect(p.domain).toBe('example.test');
    expect(isPidAlive(p.pid)).toBe(true);
    expect(p.c2sPort).not.toBe(p.componentPort);
    const cfg = fs.readFileSync(p.configFile, 'utf8');
    expect(cfg).toContain(`c2s_ports = { ${p.c2sPort} }`);
    expect(cfg).toContain('interfaces = { "127.0.0.1" }');
    expect(cfg).not.toMatch(/\/etc\/prosody|\/var\/lib\/prosody/);
    // The registered account landed in our data dir (internal_plain: data/<host>/accounts/<user>.dat).
    expect(fs.existsSync(path.join(p.dataDir, 'data', 'example%2etest', 'accounts', 'alice.dat'))).toBe(true);
    expect(fs.readFileSync(p.logFile, 'utf8')).toMatch(/Activated service 'c2s' on \[127\.0\.0\.1\]/);
  });

  it('answers a raw c2s stream header with a stream header and features (SASL PLAIN offered without TLS)', async () => {
    const p = server();
    const got = await tcpExchange(p.c2sPort, {
      send: `<?xml version='1.0'?><stream:stream to='${p.domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
      until: /<\/stream:features>/,
      timeoutMs: 5000,
    });
    expect(got).toMatch(/<stream:stream[^>]*from=['"]example\.test['"]/);
    expect(got).toMatch(/<stream:features>/);
    expect(got).toMatch(/<mechanism>PLAIN<\/mechanism>/);
  });

  it('accepts a XEP-0114 component handshake with the right secret', async () => {
    const got = await componentHandshake(server().componentPort, COMPONENT.domain, COMPONENT.secret);
    expect(got).toMatch(/<handshake\s*\/>|<handshake><\/handshake>/);
  });

  it('refuses a XEP-0114 component handshake with a wrong secret', async () => {
    const got = await componentHandshake(server().componentPort, COMPONENT.domain, 'wrong-secret');
    expect(got).not.toMatch(/<handshake\s*\/>|<handshake><\/handshake>/);
    expect(got).toMatch(/<stream:error>[\s\S]*not-authorized/);
  });

  it('answers a chat message to an offline user with <service-unavailable/> ("offline" is disabled)', async () => {
    const got = await componentHandshake(server().componentPort, COMPONENT.domain, COMPONENT.secret, 5000, {
      send: `<message from='bob@${COMPONENT.domain}' to='alice@example.test' type='chat' id='m1'><body>hi</body></message>`,
      until: /<\/message>/,
    });
    expect(got).toMatch(/<message[^>]*type=['"]error['"]/);
    expect(got).toMatch(/<service-unavailable/);
  });

  it('lets a real slixmpp client log in', async () => {
    const r = await slixmppLogin(server().c2sPort, `${ALICE.user}@example.test`, ALICE.password);
    expect(r.out.trim().split('\n')[0]).toBe('ok');
    expect(r.code).toBe(0);
  }, 30_000);

  it('refuses a slixmpp login with a wrong password', async () => {
    const r = await slixmppLogin(server().c2sPort, `${ALICE.user}@example.test`, 'not-the-password');
    expect(r.out).toMatch(/auth-failed/);
    expect(r.code).toBe(2);
  }, 30_000);

  it('stop() leaves the pid dead, the ports closed and the directory removed', async () => {
    const p = server();
    await p.stop();
    prosody = undefined;
    expect(isPidAlive(p.pid)).toBe(false);
    expect(await isPortOpen(p.c2sPort)).toBe(false);
    expect(await isPortOpen(p.componentPort)).toBe(false);
    expect(fs.existsSync(p.dataDir)).toBe(false);
  });
});
