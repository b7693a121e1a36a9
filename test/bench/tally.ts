/**
 * What a receiving peer counts: per step, the unique sequence numbers seen, duplicates, and the
 * latency of each first arrival (receive time minus the send time carried in the body).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantile, round } from './stats';

/** Bound on tracked steps and on latency samples per step (memory stays bounded). */
const MAX_STEPS = 64;
const MAX_SAMPLES = 2_000_000;

export interface StepTally {
  readonly unique: number;
  readonly duplicates: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  /** Epoch ms of the first and last arrival. */
  readonly firstAt?: number;
  readonly lastAt?: number;
}

/**
 * Send time in epoch microseconds: digits are epoch microseconds (Node senders); SIPp's
 * [timestamp] is "YYYY-MM-DD<TAB>HH:MM:SS.uuuuuu<TAB>EPOCH.uuuuuu" (the epoch part is read), or
 * without the epoch part, local time (the bench runs SIPp with TZ=UTC).
 */
export function parseStamp(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const e = /(\d{9,})\.(\d{6})\s*$/.exec(s);
  if (e) return Number(e[1]) * 1_000_000 + Number(e[2]);
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T\t](\d{2}):(\d{2}):(\d{2})\.(\d{6})$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, us] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, se) * 1000 + us;
}

/** Directory for per-message latency dumps (diagnostics): one file per step and process. */
const DUMP = process.env.BENCH_LAT_DUMP;

function dump(step: number, st: Step): void {
  const lines: string[] = [];
  for (let i = 0; i < st.lat.length; i++) lines.push(`${st.trace[2 * i]} ${st.trace[2 * i + 1]} ${st.lat[i]}`);
  writeFileSync(join(DUMP as string, `lat-${process.pid}-${step}.txt`), lines.join('\n'));
}

class Step {
  seen = new Set<number>();
  duplicates = 0;
  lat: number[] = [];
  /** (seq, receive ms) per latency sample, kept only for BENCH_LAT_DUMP. */
  trace: number[] = [];
  firstAt = 0;
  lastAt = 0;
}

export class Tally {
  private readonly steps = new Map<number, Step>();
  /** Bodies whose send time could not be read (counted, never silently dropped). */
  badStamps = 0;

  /** Records one arrival of (step, seq) sent at sentMicros, received at nowMicros. */
  add(step: number, seq: number, stamp: string, nowMicros: number): void {
    let st = this.steps.get(step);
    if (!st) {
      if (this.steps.size >= MAX_STEPS) return;
      st = new Step();
      this.steps.set(step, st);
    }
    if (st.seen.has(seq)) { st.duplicates++; return; }
    st.seen.add(seq);
    const now = nowMicros / 1000;
    if (st.firstAt === 0) st.firstAt = now;
    st.lastAt = now;
    const sent = parseStamp(stamp);
    if (sent === undefined) { this.badStamps++; return; }
    if (st.lat.length < MAX_SAMPLES) {
      st.lat.push(nowMicros - sent);
      if (DUMP) st.trace.push(seq, now);
    }
  }

  /** The step's figures (and forgets it, so a long run does not accumulate samples). */
  take(step: number): StepTally {
    const st = this.steps.get(step);
    this.steps.delete(step);
    if (!st) return { unique: 0, duplicates: 0 };
    if (DUMP) dump(step, st);
    const ms = (x: number | undefined): number | undefined => (x === undefined ? undefined : round(x / 1000, 3));
    return {
      unique: st.seen.size, duplicates: st.duplicates,
      p50Ms: ms(quantile(st.lat, 0.5)), p99Ms: ms(quantile(st.lat, 0.99)), maxMs: ms(quantile(st.lat, 1)),
      firstAt: st.firstAt, lastAt: st.lastAt,
    };
  }

  /** Unique arrivals so far for a step (for drain detection). */
  count(step: number): number {
    return this.steps.get(step)?.seen.size ?? 0;
  }
}
