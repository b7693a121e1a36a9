/**
 * A private Prosody for the benchmark: throwaway config and data directory, one VirtualHost with
 * the bench users, external component ports (XEP-0114) for the gateway and for the raw baseline
 * component, c2s without TLS (SASL PLAIN over loopback, so the receiving client spends no CPU on
 * TLS), no mod_limits (the bench measures Prosody's ceiling, not a configured throttle), and
 * Nagle off on Prosody's sockets (`network_settings = { nagle = false }`, read by net.server_epoll
 * in 0.12): with Prosody's default (Nagle on) its writes to the receiving client wait for that
 * client's delayed ACK (up to 40 ms) whenever stanzas arrive together, which showed up as p99
 * latency of the receiver, not of the gateway. The setting applies to the baseline and the gateway
 * path alike (same Prosody, same receiver).
 * Bound to 127.0.0.1 on free ports; stopped by pid.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports';
import { type Child, startChild, stopChild, waitUntil } from '../proc';

export interface ProsodyOptions {
  /** The VirtualHost, e.g. example.test. */
  readonly host: string;
  /** Component domains and their secrets. */
  readonly components: Readonly<Record<string, string>>;
  /** user -> password on the VirtualHost. */
  readonly users: Readonly<Record<string, string>>;
}

export interface BenchProsody {
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly child: Child;
  readonly host: string;
  stop(): Promise<void>;
}

const luaString = (s: string): string => JSON.stringify(s);
/** Prosody's on-disk host/user encoding (util.datamanager: non-word characters as %xx). */
const encodePath = (s: string): string => s.replace(/[^a-zA-Z0-9]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startBenchProsody(o: ProsodyOptions): Promise<BenchProsody> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-prosody-'));
  const data = join(dir, 'data');
  const c2sPort = await freePort();
  const componentPort = await freePort();
  const accounts = join(data, encodePath(o.host), 'accounts');
  mkdirSync(accounts, { recursive: true });
  for (const [user, pw] of Object.entries(o.users)) {
    writeFileSync(join(accounts, `${encodePath(user)}.dat`), `return {\n\t["password"] = ${luaString(pw)};\n};\n`);
  }
  const cfg = [
    'run_as_root = true',
    `pidfile = ${luaString(join(dir, 'prosody.pid'))}`,
    `data_path = ${luaString(data)}`,
    'plugin_paths = {}',
    `log = { error = ${luaString(join(dir, 'prosody.log'))} }`,
    'modules_enabled = { "roster"; "saslauth"; "disco"; "presence"; "message"; "iq" }',
    'modules_disabled = { "s2s"; "offline"; "limits"; "tls" }',
    'authentication = "internal_plain"',
    'storage = "internal"',
    'c2s_require_encryption = false',
    'allow_unencrypted_plain_auth = true',
    'interfaces = { "127.0.0.1" }',
    'network_settings = { nagle = false }',
    `c2s_ports = { ${c2sPort} }`,
    'c2s_interfaces = { "127.0.0.1" }',
    `component_ports = { ${componentPort} }`,
    'component_interfaces = { "127.0.0.1" }',
    's2s_ports = {}',
    'http_ports = {}', 'https_ports = {}', 'c2s_direct_tls_ports = {}',
    `VirtualHost ${luaString(o.host)}`,
    ...Object.entries(o.components).flatMap(([d, secret]) => [`Component ${luaString(d)}`, `  component_secret = ${luaString(secret)}`]),
    '',
  ].join('\n');
  const file = join(dir, 'prosody.cfg.lua');
  writeFileSync(file, cfg);
  const child = await startChild('prosody', 'prosody', ['-F', '--config', file], { cwd: dir });
  const stop = async (): Promise<void> => { await stopChild(child); rmSync(dir, { recursive: true, force: true }); };
  try {
    await waitUntil('prosody to listen', async () => {
      if (child.proc.exitCode !== null) throw new Error(`prosody exited: ${child.output().slice(-800)}`);
      return (await canConnect(c2sPort)) && (await canConnect(componentPort));
    }, 15_000, 100);
  } catch (err) { await stop(); throw err; }
  return { c2sPort, componentPort, child, host: o.host, stop };
}

/** `prosody --version`-like string for the report (from prosodyctl about). */
export const PROSODY_VERSION_CMD = ['prosodyctl', ['about']] as const;
