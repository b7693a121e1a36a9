/**
 * Stepped-rate message flows: for each offered rate, each path (the gateway path and its
 * baseline) sends `rate x stepSeconds` messages, waits for the receiver to drain (bounded), and
 * turns counts, latencies and /proc CPU readings into a StepRow. Paths alternate per step so
 * that machine noise falls on both alike.
 */
import { cpuMicros, sleep } from './proc';
import { FIG } from './report';
import { round } from './stats';
import type { StepTally } from './tally';
import { figure, type Figure, type StepRow } from './types';

export interface Sender {
  /** For CPU readings; absent when each step runs its own process (SIPp). */
  readonly pid?: number;
  send(step: number, rate: number, count: number, limitMs: number): Promise<{ sent: number; firstAt: number; note?: string }>;
}

export interface Receiver {
  readonly pid: number;
  count(step: number): Promise<number>;
  take(step: number): Promise<StepTally>;
}

export interface FlowPath {
  readonly path: 'gateway' | 'baseline';
  readonly sender: Sender;
  readonly receiver: Receiver;
  /** The gateway's pid (CPU per message); absent for the baseline. */
  readonly gatewayPid?: number;
  /** Reads the gateway's Redis command counter (commands per message). */
  readonly redisCommands?: () => Promise<number>;
}

let stepCounter = 0;
/** Drain: stop waiting when nothing new arrives for this long, or at the hard bound. */
const DRAIN_IDLE_MS = 1500;
const DRAIN_MAX_MS = 15_000;

const safeCpu = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try { return cpuMicros(pid); } catch { return undefined; }
};

export async function runStep(p: FlowPath, rate: number, stepSeconds: number): Promise<StepRow> {
  const step = ++stepCounter;
  const count = Math.max(1, Math.round(rate * stepSeconds));
  const c0 = { gw: safeCpu(p.gatewayPid), rcv: safeCpu(p.receiver.pid), snd: safeCpu(p.sender.pid) };
  const r0 = p.redisCommands ? await p.redisCommands().catch(() => undefined) : undefined;
  const t0 = performance.now();
  const s = await p.sender.send(step, rate, count, stepSeconds * 1000 * 3 + 5000);
  // Drain: wait for all sent, or until arrivals stop.
  let last = -1;
  let lastChange = performance.now();
  const drainStart = performance.now();
  for (;;) {
    const got = await p.receiver.count(step);
    if (got >= s.sent) break;
    if (got !== last) { last = got; lastChange = performance.now(); }
    if (performance.now() - lastChange > DRAIN_IDLE_MS || performance.now() - drainStart > DRAIN_MAX_MS) break;
    await sleep(50);
  }
  const wall = (performance.now() - t0) * 1000;
  const c1 = { gw: safeCpu(p.gatewayPid), rcv: safeCpu(p.receiver.pid), snd: safeCpu(p.sender.pid) };
  const r1 = p.redisCommands ? await p.redisCommands().catch(() => undefined) : undefined;
  const t = await p.receiver.take(step);
  const delivered = t.unique;
  const spanMs = t.lastAt && t.lastAt > s.firstAt ? t.lastAt - s.firstAt : stepSeconds * 1000;
  const per = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined && delivered > 0 ? round((b - a) / delivered, 1) : undefined);
  const pct = (a: number | undefined, b: number | undefined): number | undefined => (a !== undefined && b !== undefined ? round(((b - a) / wall) * 100, 1) : undefined);
  const row: StepRow = {
    path: p.path, rate, sent: s.sent, delivered, lost: Math.max(0, s.sent - delivered), duplicates: t.duplicates,
    deliveredPerSec: round(delivered / (spanMs / 1000), 0),
    ...(t.p50Ms !== undefined ? { p50Ms: t.p50Ms } : {}),
    ...(t.p99Ms !== undefined ? { p99Ms: t.p99Ms } : {}),
    ...(t.maxMs !== undefined ? { maxMs: t.maxMs } : {}),
    ...(p.gatewayPid !== undefined ? { gatewayCpuUsPerMsg: per(c0.gw, c1.gw) } : {}),
    receiverCpuUsPerMsg: per(c0.rcv, c1.rcv),
    ...(r0 !== undefined && r1 !== undefined && delivered > 0 ? { redisCommandsPerMsg: round((r1 - r0 - 2) / delivered, 2) } : {}),
    receiverCorePct: pct(c0.rcv, c1.rcv),
    senderCorePct: pct(c0.snd, c1.snd),
    ...(s.note ? { note: s.note } : {}),
  } as StepRow;
  return row;
}

/** Runs every rate on every path, alternating paths within a rate. */
export async function runSteps(paths: readonly FlowPath[], rates: readonly number[], stepSeconds: number, onRow?: (r: StepRow) => void): Promise<StepRow[]> {
  const rows: StepRow[] = [];
  for (const rate of rates) {
    for (const p of paths) {
      const r = await runStep(p, rate, stepSeconds);
      rows.push(r);
      onRow?.(r);
      await sleep(300);
    }
  }
  return rows;
}

/** The headline figures of a flow: zero-loss rate, CPU per message, p99 added near 2000/s. */
export function flowFigures(rows: readonly StepRow[]): Figure[] {
  const of = (path: StepRow['path']): StepRow[] => rows.filter((r) => r.path === path);
  const gw = of('gateway');
  const base = of('baseline');
  const zeroLoss = (rs: StepRow[]): StepRow | undefined => rs.filter((r) => r.lost === 0 && r.sent > 0).sort((a, b) => b.deliveredPerSec - a.deliveredPerSec)[0];
  const gz = zeroLoss(gw);
  const bz = zeroLoss(base);
  const figs: Figure[] = [];
  const baseNote = base.length === 0 ? 'no baseline path' : undefined;
  figs.push(figure(FIG.zeroLossRate, 'msg/s', gw.length ? gz?.deliveredPerSec ?? 0 : null, base.length ? bz?.deliveredPerSec ?? 0 : null, baseNote));
  const cpuRow = gz ?? gw[0];
  figs.push(figure(FIG.cpuPerMsg, 'us', cpuRow?.gatewayCpuUsPerMsg ?? null, undefined, cpuRow ? `at offered ${cpuRow.rate}/s` : undefined));
  const rates = [...new Set(rows.map((r) => r.rate))];
  const near = rates.sort((a, b) => Math.abs(a - 2000) - Math.abs(b - 2000))[0];
  const g2 = gw.find((r) => r.rate === near);
  const b2 = base.find((r) => r.rate === near);
  figs.push(figure('p99 latency near 2000/s', 'ms', g2?.p99Ms ?? null, b2 ? b2.p99Ms ?? null : undefined, near !== undefined ? `offered ${near}/s` : undefined));
  const added = g2?.p99Ms !== undefined && b2?.p99Ms !== undefined ? round(g2.p99Ms - b2.p99Ms, 3) : null;
  figs.push(figure(FIG.p99Added, 'ms', added, undefined, 'gateway p99 minus baseline p99 at the same offered rate'));
  const rcv = Math.max(...gw.concat(base).map((r) => r.receiverCorePct ?? 0));
  figs.push(figure('receiver busiest step', '% of a core', gw.length + base.length ? rcv : null, undefined, 'a receiver near 100% would be the bottleneck'));
  return figs;
}
