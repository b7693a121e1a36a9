/**
 * Starting and stopping the gateway child for a scenario: a YAML config written to a temp file,
 * the process spawned (optionally under node --cpu-prof), readiness read from /readyz.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { gatewayNodeFlags } from './paths';
import { type Child, cpuMicros, rssBytes, startChild, stopChild, waitUntil } from './proc';

export interface GatewayChild {
  readonly child: Child;
  readonly jsonUrl: string;
  readonly adminToken: string;
  cpu(): number;
  rss(): number;
  /** SIGTERM (drain) then stop; returns the CPU profile files written, if profiling. */
  stop(): Promise<string[]>;
}

export interface GatewayStart {
  /** The config as users write it (YAML keys); json.listen and json.adminToken are filled in. */
  readonly config: Record<string, unknown>;
  readonly jsonPort: number;
  /** Directory for --cpu-prof output; no profiling when absent. */
  readonly cpuProfDir?: string;
  readonly name?: string;
}

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

async function ready(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

export async function startGateway(s: GatewayStart): Promise<GatewayChild> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-gw-'));
  const json = { ...((s.config.json as Record<string, unknown> | undefined) ?? {}), listen: `127.0.0.1:${s.jsonPort}`, adminToken: ADMIN_TOKEN };
  const file = join(dir, 'switchboard.yaml');
  writeFileSync(file, YAML.stringify({ ...s.config, json }));
  const entry = join(__dirname, 'gateway-child.js');
  // The runtime flags of `npm start` (README "Runtime flags"), then any diagnostic ones.
  const extra = [...gatewayNodeFlags(), ...(process.env.BENCH_GW_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const args = [...extra, ...(s.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', s.cpuProfDir, entry, file] : [entry, file])];
  const before = s.cpuProfDir ? new Set(safeList(s.cpuProfDir)) : new Set<string>();
  const child = await startChild(s.name ?? 'gateway', process.execPath, args, { env: { ...process.env, NODE_ENV: 'production' } });
  const tee = process.env.BENCH_GW_LOG;
  if (tee) for (const st of [child.proc.stdout, child.proc.stderr]) st?.on('data', (d: Buffer) => appendFileSync(tee, d));
  const jsonUrl = `http://127.0.0.1:${s.jsonPort}`;
  const stop = async (): Promise<string[]> => {
    await stopChild(child, 15_000);
    rmSync(dir, { recursive: true, force: true });
    return s.cpuProfDir ? safeList(s.cpuProfDir).filter((f) => !before.has(f) && f.endsWith('.cpuprofile')).map((f) => join(s.cpuProfDir as string, f)) : [];
  };
  try {
    await waitUntil('the gateway to be ready (/readyz)', async () => {
      if (child.proc.exitCode !== null) throw new Error(`gateway exited with ${child.proc.exitCode}: ${firstFault(child.output())}`);
      return ready(jsonUrl);
    }, 20_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, jsonUrl, adminToken: ADMIN_TOKEN, cpu: () => cpuMicros(child.pid), rss: () => rssBytes(child.pid), stop };
}

/** The most telling line of a crashed child's output (an Error line), else its tail. */
export function firstFault(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /Error|error:|invalid|Cannot/.test(l)) ?? lines.slice(-3).join(' | ');
}

function safeList(d: string): string[] {
  try { return readdirSync(d); } catch { return []; }
}
