/**
 * A throwaway Prosody (Debian's 0.12: /usr/bin/prosody, /usr/bin/prosodyctl) for integration
 * tests: 127.0.0.1 only, c2s and XEP-0114 component ports on free ports, everything (config, data,
 * pidfile, log, certs dir) under one temporary directory. It never reads or writes /etc/prosody or
 * /var/lib/prosody: the config is passed with --config, and data_path/pidfile/certificates/log
 * all point into the temporary directory.
 *
 * Running as root: mod_posix refuses ("Refusing to run as root") and prosodyctl switches to the
 * "prosody" user unless the config says `run_as_root = true`, so the config says it. As any other
 * user the setting is harmless.
 *
 * "offline" is disabled, so a chat message to a user with no connected resource is answered with
 * a <service-unavailable/> error (mod_message: "no resources are online" -> error_reply) rather
 * than stored: tests see the failure at once.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts, isPortOpen, tcpExchange } from './ports';
import { startInTempDir, startProcess, stopThenRemove } from './process';

export const PROSODY = '/usr/bin/prosody';
export const PROSODYCTL = '/usr/bin/prosodyctl';

export interface ProsodyOptions {
  /** The VirtualHost (default 'example.test'). */
  readonly domain?: string;
  /** Accounts registered (internal_plain storage) before the server starts. */
  readonly users?: readonly { readonly user: string; readonly password: string }[];
  /** XEP-0114 external components: each a Component "<domain>" with its secret. */
  readonly components?: readonly { readonly domain: string; readonly secret: string }[];
  /** Prosody log level written to prosody.log (default 'info'). */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  readonly readyTimeoutMs?: number;
}

export interface ProsodyHandle {
  readonly domain: string;
  readonly c2sPort: number;
  /** The XEP-0114 port (listening only when at least one component is configured). */
  readonly componentPort: number;
  readonly pid: number;
  /** The temporary directory holding config, data, log and pidfile (removed by stop()). */
  readonly dataDir: string;
  /** Path of the config file written for this server. */
  readonly configFile: string;
  /** Path of the Prosody log file. */
  readonly logFile: string;
  /** SIGTERM by pid (SIGKILL after a bounded wait), then remove dataDir. */
  stop(): Promise<void>;
}

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A Lua string literal for printable ASCII; anything else is refused (it is test input). */
function lua(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`prosody harness: ${JSON.stringify(s)} must be printable ASCII`);
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function checkDomain(d: string, what: string): void {
  if (!DOMAIN.test(d)) throw new Error(`prosody harness: ${what} ${JSON.stringify(d)} is not a lower-case DNS name`);
}

/** The config text; exported for the README and for tests that want to inspect it. */
export function prosodyConfig(p: {
  dir: string; domain: string; c2sPort: number; componentPort: number; logLevel: string;
  components: readonly { domain: string; secret: string }[];
}): string {
  const f = (name: string): string => lua(path.join(p.dir, name));
  const lines = [
    '-- Written by test/support/prosody.ts for one test run; everything lives in this directory.',
    'run_as_root = true',
    'daemonize = false',
    `pidfile = ${f('prosody.pid')}`,
    `data_path = ${f('data')}`,
    `certificates = ${f('certs')}`,
    'plugin_paths = {}',
    'interfaces = { "127.0.0.1" }',
    'local_interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${p.c2sPort} }`,
    'c2s_interfaces = { "127.0.0.1" }',
    'c2s_direct_tls_ports = {}',
    'legacy_ssl_ports = {}',
    's2s_ports = {}',
    `component_ports = { ${p.componentPort} }`,
    'component_interfaces = { "127.0.0.1" }',
    'http_ports = {}',
    'https_ports = {}',
    'modules_enabled = { "roster", "saslauth", "disco", "ping", "posix" }',
    // No server-to-server at all; no offline storage (messages to offline users error out).
    'modules_disabled = { "s2s", "s2s_auth_certs", "offline" }',
    'c2s_require_encryption = false',
    's2s_require_encryption = false',
    'allow_unencrypted_plain_auth = true',
    'authentication = "internal_plain"',
    'storage = "internal"',
    `log = { { levels = { min = ${lua(p.logLevel)} }, to = "file", filename = ${f('prosody.log')} } }`,
    '',
    `VirtualHost ${lua(p.domain)}`,
    '',
  ];
  for (const c of p.components) {
    lines.push(`Component ${lua(c.domain)}`, `  component_secret = ${lua(c.secret)}`, '');
  }
  return lines.join('\n');
}

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

function tailOf(file: string, bytes = 4096): string {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return s.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

/** The c2s port answers a client stream header with <stream:features>. */
export async function c2sReady(port: number, domain: string, timeoutMs = 1000): Promise<boolean> {
  const got = await tcpExchange(port, {
    send: `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
    until: /<\/stream:features>/,
    timeoutMs,
  });
  return /<stream:features/.test(got);
}

export async function startProsody(opts: ProsodyOptions = {}): Promise<ProsodyHandle> {
  for (const bin of [PROSODY, PROSODYCTL]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} not found: install the Debian package "prosody" (apt-get install prosody)`);
  }
  const domain = opts.domain ?? 'example.test';
  checkDomain(domain, 'domain');
  const components = (opts.components ?? []).map((c) => ({ domain: c.domain, secret: c.secret }));
  for (const c of components) {
    checkDomain(c.domain, 'component domain');
    lua(c.secret);
  }
  const users = opts.users ?? [];
  for (const u of users) {
    if (!/^[a-z0-9._-]{1,64}$/.test(u.user)) throw new Error(`prosody harness: user ${JSON.stringify(u.user)} must be [a-z0-9._-]{1,64}`);
    if (u.password === '' || u.password.length > 256) throw new Error(`prosody harness: password for ${u.user} must be 1..256 chars`);
  }

  return startInTempDir({ prefix: 'sb-prosody-', portRace: /Failed to open server port|Address already in use|address in use/i }, async (dir) => {
    fs.mkdirSync(path.join(dir, 'data'));
    fs.mkdirSync(path.join(dir, 'certs'));
    const configFile = path.join(dir, 'prosody.cfg.lua');
    const logFile = path.join(dir, 'prosody.log');
    const [c2sPort, componentPort] = (await freePorts(2)) as [number, number];
    fs.writeFileSync(configFile, prosodyConfig({ dir, domain, c2sPort, componentPort, logLevel: opts.logLevel ?? 'info', components }));
    for (const u of users) {
      await run(PROSODYCTL, ['--config', configFile, 'register', u.user, domain, u.password], 15_000);
    }
    const proc = await startProcess({
      name: 'prosody',
      command: PROSODY,
      args: ['-F', '--config', configFile],
      cwd: dir,
      // prosody reads HOME for '~' paths only; point it at the temp dir so nothing leaks out.
      env: { ...process.env, HOME: dir },
      ready: async () =>
        (await c2sReady(c2sPort, domain)) && (components.length === 0 || (await isPortOpen(componentPort))),
      readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
      diagnostics: () => `prosody.log: ${tailOf(logFile)}`,
    });
    return {
      domain,
      c2sPort,
      componentPort,
      pid: proc.pid,
      dataDir: dir,
      configFile,
      logFile,
      stop: stopThenRemove(proc, dir),
    };
  });
}
