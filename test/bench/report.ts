/**
 * The terminal table and the target checks. Targets are the issue's (issue 7), each read from a
 * named figure of a scenario: either the figure's value or its ratio to the same-run baseline.
 */
import { renderProfile } from './profile-summary';
import type { BenchReport, Figure, ScenarioResult, StepRow, TargetCheck } from './types';

interface TargetDef {
  readonly target: string;
  readonly scenario: string;
  readonly figure: string;
  readonly use: 'value' | 'ratio';
  readonly cmp: '<=' | '>=' | '<';
  readonly limit: number;
  readonly unit: string;
}

/** Names of the figures the targets read; scenarios use these constants. */
export const FIG = {
  zeroLossRate: 'delivered/s at zero loss',
  cpuPerMsg: 'gateway CPU per message',
  p99Added: 'p99 added latency near 2000/s',
  fanoutLast: 'time to last notification',
  bytesPerSub: 'Redis bytes per subscription',
} as const;

export const TARGETS: readonly TargetDef[] = [
  { target: 'SIP->XMPP delivered rate at zero loss >= 90% of raw-component baseline', scenario: 'sip-to-xmpp', figure: FIG.zeroLossRate, use: 'ratio', cmp: '>=', limit: 0.9, unit: 'ratio' },
  { target: 'SIP->XMPP gateway CPU per relayed message <= 80 us', scenario: 'sip-to-xmpp', figure: FIG.cpuPerMsg, use: 'value', cmp: '<=', limit: 80, unit: 'us' },
  { target: 'SIP->XMPP p99 added latency <= 10 ms at 2000 msg/s', scenario: 'sip-to-xmpp', figure: FIG.p99Added, use: 'value', cmp: '<=', limit: 10, unit: 'ms' },
  { target: 'Presence fan-out to all watchers in < 1 s', scenario: 'fanout', figure: FIG.fanoutLast, use: 'value', cmp: '<', limit: 1000, unit: 'ms' },
  { target: 'Redis bytes per subscription <= 250', scenario: 'state', figure: FIG.bytesPerSub, use: 'value', cmp: '<=', limit: 250, unit: 'bytes' },
];

export function checkTargets(scenarios: readonly ScenarioResult[]): TargetCheck[] {
  return TARGETS.map((t) => {
    const f = scenarios.find((s) => s.name === t.scenario)?.figures.find((x) => x.name === t.figure);
    const v = f ? (t.use === 'ratio' ? f.ratio ?? null : f.value) : null;
    const pass = v === null ? null : t.cmp === '<=' ? v <= t.limit : t.cmp === '<' ? v < t.limit : v >= t.limit;
    return { target: t.target, scenario: t.scenario, value: v, limit: t.limit, unit: t.unit, pass };
  });
}

const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
};

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function figureRows(fs: readonly Figure[]): string[][] {
  return fs.map((f) => [f.name, fmt(f.value), f.baseline === undefined ? '' : fmt(f.baseline), f.ratio === undefined ? '' : fmt(f.ratio), f.unit, f.note ?? '']);
}

function stepRows(ss: readonly StepRow[]): string[][] {
  return ss.map((s) => [s.path, String(s.rate), String(s.sent), String(s.delivered), String(s.lost), String(s.duplicates), fmt(s.deliveredPerSec), fmt(s.p50Ms), fmt(s.p99Ms), fmt(s.gatewayCpuUsPerMsg), fmt(s.redisCommandsPerMsg), fmt(s.receiverCpuUsPerMsg), fmt(s.receiverCorePct), s.note ?? '']);
}

/** The whole report as terminal text. */
export function renderReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Switchboard bench  ${r.startedAt}  ${m.cpus} x ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${m.node}, load ${m.loadAverage}`);
  out.push(`peers: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}${r.git ? `; commit ${r.git}` : ''}`);
  for (const s of r.scenarios) {
    out.push('', `== ${s.name}: ${s.title} (${(s.durationMs / 1000).toFixed(1)} s)${s.ok ? '' : '  [INCOMPLETE]'}`);
    if (s.error) out.push(`   ${s.error}`);
    if (s.figures.length > 0) out.push(table(['figure', 'value', 'baseline', 'ratio', 'unit', 'note'], figureRows(s.figures)));
    if (s.steps && s.steps.length > 0) {
      out.push('');
      out.push(table(['path', 'rate/s', 'sent', 'deliv', 'lost', 'dup', 'deliv/s', 'p50 ms', 'p99 ms', 'gw us/msg', 'redis/msg', 'rcv us/msg', 'rcv core%', 'note'], stepRows(s.steps)));
    }
    if (s.profiles && s.profiles.length > 0) out.push(`   CPU profiles: ${s.profiles.join(', ')}`);
    for (const p of s.profileSummaries ?? []) out.push(renderProfile(p));
  }
  out.push('', '== targets');
  out.push(table(['target', 'value', 'limit', 'result'], r.targets.map((t) => [t.target, fmt(t.value), `${t.limit} ${t.unit}`, t.pass === null ? 'NOT MEASURED' : t.pass ? 'PASS' : 'MISS'])));
  return out.join('\n') + '\n';
}
