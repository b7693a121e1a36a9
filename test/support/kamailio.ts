/**
 * A throwaway Kamailio (Debian's 5.6: /usr/sbin/kamailio) for integration tests, started from a
 * given config text with only its listen ports and `#!define` values rewritten: 127.0.0.1 only,
 * one free port for every `listen=udp|tcp:127.0.0.1:N` line, everything it writes (the config
 * copy, pid file, runtime dir for any fifo/ctl sockets, working dir) under one temporary directory.
 * It never reads /etc/kamailio or writes /run/kamailio: the config is passed with -f, the runtime
 * dir with -Y, the pid file with -P and the working dir with -w.
 *
 * Foreground: `-DD` ("do not daemonize creator", kamailio -h) keeps the main process as our child,
 * so stop() by its pid is enough: on SIGTERM the main process signals its own children and exits
 * ("Thank you for flying kamailio"). `-E` logs to stderr, kept by process.ts for error messages.
 *
 * User: Kamailio changes uid/gid only when given -u/-g; without them it runs as whoever starts
 * it (root here, any user elsewhere: the ports are unprivileged free ports), so neither is passed.
 * Memory is kept small (-m 32 MB shared, -M 4 MB private per process): the machine is shared.
 */
import { execFile } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeUdpPort, isPortOpen } from './ports';
import { startInTempDir, startProcess, stopThenRemove } from './process';

export const KAMAILIO = '/usr/sbin/kamailio';

export interface KamailioOptions {
  /** The config text (e.g. deploy/lab/kamailio.cfg as read from disk). */
  readonly config: string;
  /** `#!define NAME "value"` lines to rewrite; each NAME must be defined exactly once. */
  readonly defines?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
}

export interface KamailioHandle {
  /** The one port every listen line (UDP and TCP) now uses. */
  readonly port: number;
  readonly pid: number;
  /** The temporary directory (config copy, pid file, runtime dir); removed by stop(). */
  readonly dir: string;
  readonly configFile: string;
  /** The last 8 KB of Kamailio's stderr log. */
  log(): string;
  /** SIGTERM by pid (SIGKILL after a bounded wait), then remove dir. */
  stop(): Promise<void>;
}

/** Runs `kamailio -c -f FILE` (syntax and module check only, nothing bound); bounded to 20 s. */
export function kamailioCheck(file: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(KAMAILIO, ['-c', '-f', file], { timeout: 20_000, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * The config with every `listen=` line moved to `port` and the given defines replaced. A listen
 * line not on 127.0.0.1, or a define that is not there exactly once, is an error: the test would
 * otherwise run something other than what it meant to.
 */
export function rewriteKamailioConfig(text: string, port: number, defines: Readonly<Record<string, string>> = {}): string {
  const listens = [...text.matchAll(/^listen=.*$/gm)];
  if (listens.length === 0) throw new Error('kamailio harness: the config has no listen= line');
  let out = text.replace(/^listen=(udp|tcp):([^:\s]+):(\d+)$/gm, (_m, proto: string, host: string) => {
    if (host !== '127.0.0.1') throw new Error(`kamailio harness: listen=${proto}:${host} is not 127.0.0.1`);
    return `listen=${proto}:127.0.0.1:${port}`;
  });
  const left = [...out.matchAll(/^listen=.*$/gm)].filter((m) => !new RegExp(`^listen=(udp|tcp):127\\.0\\.0\\.1:${port}$`).test(m[0]));
  if (left.length > 0) throw new Error(`kamailio harness: cannot rewrite ${left.map((m) => m[0]).join(', ')}`);
  for (const [name, value] of Object.entries(defines)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /["\r\n]/.test(value)) throw new Error(`kamailio harness: bad define ${name}=${value}`);
    const re = new RegExp(`^#!define ${name} ".*"$`, 'gm');
    const hits = out.match(re)?.length ?? 0;
    if (hits !== 1) throw new Error(`kamailio harness: expected one "#!define ${name}" line, found ${hits}`);
    out = out.replace(re, `#!define ${name} "${value}"`);
  }
  return out;
}

/** True when an OPTIONS to the proxy itself is answered (any final response) within timeoutMs. */
export function sipOptionsAnswered(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    let done = false;
    const finish = (v: boolean): void => { if (!done) { done = true; clearTimeout(t); s.close(); resolve(v); } };
    const t = setTimeout(() => finish(false), timeoutMs);
    s.on('error', () => finish(false));
    s.on('message', (m) => { if (/^SIP\/2\.0 [2-6]\d\d /.test(m.toString('latin1'))) finish(true); });
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port;
      const req = [
        `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bKprobe${Date.now()}${lp};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@127.0.0.1>;tag=probe${lp}`,
        `To: <sip:127.0.0.1:${port}>`,
        `Call-ID: probe-${Date.now()}-${lp}@127.0.0.1`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '', '',
      ].join('\r\n');
      s.send(Buffer.from(req, 'latin1'), port, '127.0.0.1');
    });
  });
}

export async function startKamailio(opts: KamailioOptions): Promise<KamailioHandle> {
  if (!fs.existsSync(KAMAILIO)) throw new Error(`${KAMAILIO} not found: install the Debian package "kamailio" (apt-get install kamailio)`);
  return startInTempDir({ prefix: 'sb-kamailio-', portRace: /bind|Address already in use/i }, async (dir) => {
    const runDir = path.join(dir, 'run');
    fs.mkdirSync(runDir);
    const configFile = path.join(dir, 'kamailio.cfg');
    // UDP and TCP share the port; a free UDP port is checked free on TCP too.
    let port = await freeUdpPort();
    for (let i = 0; i < 20 && (await isPortOpen(port)); i++) port = await freeUdpPort();
    fs.writeFileSync(configFile, rewriteKamailioConfig(opts.config, port, opts.defines));
    const proc = await startProcess({
      name: 'kamailio',
      command: KAMAILIO,
      args: ['-DD', '-E', '-f', configFile, '-Y', runDir, '-P', path.join(dir, 'kamailio.pid'), '-w', dir, '-m', '32', '-M', '4'],
      cwd: dir,
      ready: () => sipOptionsAnswered(port),
      readyTimeoutMs: opts.readyTimeoutMs ?? 15_000,
    });
    return {
      port,
      pid: proc.pid,
      dir,
      configFile,
      log: () => proc.output(),
      stop: stopThenRemove(proc, dir),
    };
  });
}
