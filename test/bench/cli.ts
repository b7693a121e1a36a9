/**
 * `npm run bench [-- options]`: see USAGE. bin/bench.js compiles the bench (tsconfig.bench.json)
 * and calls main(argv).
 */
import { join } from 'node:path';
import { repoRoot } from './paths';
import { renderReport, runBench, SCENARIOS } from './run';
import type { BenchOptions } from './types';

export const USAGE = `usage: npm run bench -- [options]
  --quick              short steps and small counts (a smoke run of a few seconds per scenario)
  --only a,b           run only these scenarios (${Object.keys(SCENARIOS).join(', ')})
  --out FILE           JSON result file (default bench-results/bench-<time>.json)
  --rates 500,1000     offered message rates per step (default 500,1000,2000,4000; quick: 200,400)
  --step-seconds N     seconds per rate step (default 10; quick: 1)
  --subscriptions N    subscriptions for the state scenario (default 1000000; quick: 1000)
  --watchers N         watchers for the fan-out scenario (default 10000; quick: 300)
  --log-level L        the gateway's log level (warn, info, error; default warn)
  --cpu-prof           run the gateway under node --cpu-prof (profiles beside the JSON file)
`;

const posInt = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer, got ${JSON.stringify(v)}`);
  return n;
};

export function parseOptions(argv: readonly string[], now = new Date()): BenchOptions {
  const has = (f: string): boolean => argv.includes(f);
  const val = (f: string): string | undefined => {
    const i = argv.indexOf(f);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value`);
    return v;
  };
  const known = new Set(['--quick', '--only', '--out', '--rates', '--step-seconds', '--subscriptions', '--watchers', '--log-level', '--cpu-prof', '--help']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!known.has(a)) throw new Error(`unknown option ${JSON.stringify(a)}`);
    if (!['--quick', '--cpu-prof', '--help'].includes(a)) i++;
  }
  const quick = has('--quick');
  const level = val('--log-level') ?? 'warn';
  if (!['warn', 'info', 'error'].includes(level)) throw new Error(`--log-level must be warn, info or error, got ${level}`);
  const rates = val('--rates');
  return {
    quick,
    out: val('--out') ?? join(repoRoot(), 'bench-results', `bench-${now.toISOString().replace(/[:.]/g, '-')}.json`),
    only: (val('--only') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    rates: rates ? rates.split(',').map((r) => posInt('--rates', r)) : quick ? [200, 400] : [500, 1000, 2000, 4000],
    stepSeconds: val('--step-seconds') !== undefined ? posInt('--step-seconds', val('--step-seconds')) : quick ? 1 : 10,
    subscriptions: val('--subscriptions') !== undefined ? posInt('--subscriptions', val('--subscriptions')) : quick ? 1000 : 1_000_000,
    watchers: val('--watchers') !== undefined ? posInt('--watchers', val('--watchers')) : quick ? 300 : 10_000,
    cpuProf: has('--cpu-prof'),
    logLevel: level as BenchOptions['logLevel'],
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) { process.stdout.write(USAGE); return 0; }
  let o: BenchOptions;
  try {
    o = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const report = await runBench(o);
  process.stdout.write(renderReport(report));
  process.stdout.write(`\nJSON result: ${o.out}\n`);
  return report.scenarios.every((s) => s.ok) ? 0 : 1;
}
