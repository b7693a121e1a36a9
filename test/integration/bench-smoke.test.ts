/**
 * A few-second smoke of `npm run bench`: the real entry point (bin/bench.js compiles and runs the
 * bench) with tiny counts, against real redis-server, Prosody and SIPp. It proves the runner
 * writes a JSON result with the machine, every scenario, figures with baselines and ratios, and
 * the target checks; and that the parts that need no gateway (the raw-component baseline, the
 * Redis store) measured real traffic.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface Fig { name: string; unit: string; value: number | null; baseline?: number | null; ratio?: number | null }
interface Row { path: string; rate: number; sent: number; delivered: number; lost: number; duplicates: number; deliveredPerSec: number; p99Ms?: number; gatewayCpuUsPerMsg?: number }
interface Scen { name: string; ok: boolean; error?: string; figures: Fig[]; steps?: Row[] }

describe('npm run bench --quick', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sb-bench-smoke-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('writes a JSON result with machine, scenarios, figures, baselines and targets', () => {
    const out = join(dir, 'r.json');
    const r = spawnSync(process.execPath, [join(root, 'bin', 'bench.js'), '--quick', '--only', 'state,sip-to-xmpp', '--rates', '200', '--subscriptions', '500', '--out', out], {
      cwd: root, encoding: 'utf8', timeout: 60_000,
    });
    if (r.error) throw r.error;
    // The table went to stdout whatever the outcome.
    expect(r.stdout).toContain('== targets');
    const rep = JSON.parse(readFileSync(out, 'utf8')) as {
      format: string; machine: { cpus: number; node: string; versions: Record<string, string> };
      scenarios: Scen[]; targets: Array<{ target: string; pass: boolean | null; limit: number }>;
    };
    expect(rep.format).toBe('switchboard-bench/1');
    expect(rep.machine.cpus).toBeGreaterThan(0);
    expect(rep.machine.node).toBe(process.version);
    expect(Object.keys(rep.machine.versions).sort()).toEqual(['prosody', 'redis-server', 'sipp']);
    expect(rep.scenarios.map((s) => s.name)).toEqual(['state', 'sip-to-xmpp']);
    expect(rep.targets.length).toBeGreaterThanOrEqual(5);

    const state = rep.scenarios[0] as Scen;
    const f = (s: Scen, n: string): Fig | undefined => s.figures.find((x) => x.name === n);
    expect(f(state, 'subscriptions created')?.value).toBe(500);
    expect(f(state, 'Redis bytes per subscription')?.value).toBeGreaterThan(0);
    expect(rep.targets.find((t) => t.target.startsWith('Redis bytes'))?.pass).not.toBeNull();

    const flow = rep.scenarios[1] as Scen;
    const base = (flow.steps ?? []).filter((s) => s.path === 'baseline');
    expect(base).toHaveLength(1);
    expect(base[0]).toMatchObject({ rate: 200, sent: 200, delivered: 200, lost: 0, duplicates: 0 });
    expect(base[0]?.p99Ms).toBeGreaterThan(0);
    const zl = f(flow, 'delivered/s at zero loss');
    expect(zl).toHaveProperty('baseline');
    expect(zl).toHaveProperty('ratio');
    // The gateway path ran: SIPp -> gateway (its own process) -> Prosody -> receiver, measured.
    expect(flow.error).toBeUndefined();
    const gw = (flow.steps ?? []).filter((s) => s.path === 'gateway');
    expect(gw).toHaveLength(1);
    expect(gw[0]).toMatchObject({ rate: 200, sent: 200, delivered: 200, lost: 0 });
    expect(gw[0]?.gatewayCpuUsPerMsg).toBeGreaterThan(0);
    expect(zl?.value).toBeGreaterThan(0);
    expect(zl?.ratio).toBeGreaterThan(0);
    expect(rep.targets.filter((t) => t.target.startsWith('SIP->XMPP')).every((t) => t.pass !== null)).toBe(true);
  }, 90_000);
});
