/** `switchboard check-config FILE`: validate without starting; every bad path listed. */
import { checkConfig } from '../config';
import type { CliIo } from './io';

export function runCheckConfig(args: readonly string[], io: CliIo): number {
  if (args.length !== 1) { io.stderr.write('usage: switchboard check-config FILE\n'); return 2; }
  const file = args[0] as string;
  const r = checkConfig({ file, env: io.env });
  if (!r.config) {
    io.stderr.write(`${file}: invalid configuration (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):\n${r.problems.map((p) => `  ${p}\n`).join('')}`);
    return 2;
  }
  const c = r.config;
  const sections = ['json', 'sip', 'xmpp'].filter((s) => c[s as 'json' | 'sip' | 'xmpp'] !== undefined);
  io.stdout.write(`${file}: ok (gateway ${c.gateway.id}, store ${c.store.kind}, adapters: ${sections.join(', ') || 'none'}, domains: ${Object.keys(c.domains).join(', ')})\n`);
  return 0;
}
