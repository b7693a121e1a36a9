/** Where things are, from compiled code (dist/bench/...) and from sources alike. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest ancestor holding switchboard's package.json. */
export function repoRoot(from = __dirname): string {
  let d = from;
  for (let i = 0; i < 12; i++) {
    const p = join(d, 'package.json');
    if (existsSync(p) && (JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'switchboard') return d;
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  throw new Error(`cannot find the switchboard repository above ${from}`);
}

export const sippScenario = (name: string): string => join(repoRoot(), 'test', 'fixtures', 'sipp', name);

/**
 * The node flags of `npm start` (package.json scripts.start: the `--...` words between `node` and
 * the script), with which the bench starts the gateway, as users run it.
 */
export function startNodeFlags(startScript: string): string[] {
  const words = startScript.trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`package.json scripts.start does not start with node: ${startScript}`);
  const flags: string[] = [];
  for (const w of words.slice(1)) {
    if (!w.startsWith('--')) break;
    flags.push(w);
  }
  return flags;
}

/** The gateway's runtime node flags, read from this repository's package.json. */
export function gatewayNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  return startNodeFlags(pkg.scripts?.start ?? 'node');
}
