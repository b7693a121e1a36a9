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
