/**
 * SIPp as a flow Sender (one UAC run per step: -r rate -m count) reporting what it created,
 * completed and failed from its -trace_stat file. Runs with TZ=UTC so that the [timestamp] it
 * writes into each body reads back as UTC.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Receiver, Sender } from '../flow';
import { freePort } from '../ports';
import { sleep, startChild, stopChild } from '../proc';
import { parseStamp, Tally } from '../tally';
import { sippScenario } from '../paths';

export interface SippUacOptions {
  readonly scenario: string;
  /** host:port of the gateway. */
  readonly remote: string;
  readonly to: string;
  readonly from: string;
  readonly transport?: 'u1' | 't1';
  /** A scenario file by path, used instead of the named fixture (e.g. one derived at run time). */
  readonly scenarioFile?: string;
  /** More -key name value pairs for the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
}

/** Last row of a SIPp -trace_stat CSV as name -> value. */
export function lastStats(csv: string): Record<string, string> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const head = lines[0]?.split(';') ?? [];
  const last = lines[lines.length - 1]?.split(';') ?? [];
  const out: Record<string, string> = {};
  head.forEach((h, i) => { out[h] = last[i] ?? ''; });
  return out;
}

export function sippUacSender(o: SippUacOptions): Sender {
  return {
    send: async (step, rate, count, limitMs) => {
      const dir = mkdtempSync(join(tmpdir(), 'sb-bench-sipp-'));
      const port = await freePort(true);
      const statFile = join(dir, 'stat.csv');
      const args = [
        o.remote, '-sf', o.scenarioFile ?? sippScenario(o.scenario), '-i', '127.0.0.1', '-p', String(port), '-t', o.transport ?? 'u1',
        '-r', String(rate), '-rp', '1000', '-m', String(count), '-l', String(Math.max(100, rate * 4)),
        '-nostdin', '-bind_local', '-timeout', `${Math.ceil(limitMs / 1000)}s`, '-recv_timeout', '8000',
        '-trace_stat', '-stf', statFile, '-fd', '3600',
        '-key', 'step', String(step), '-key', 'to', o.to, '-key', 'from', o.from,
        ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
      ];
      const firstAt = Date.now();
      const child = await startChild(`sipp-uac(step ${step})`, 'sipp', args, { cwd: dir, env: { ...process.env, TZ: 'UTC' } });
      const killer = setTimeout(() => { void stopChild(child); }, limitMs + 15_000);
      const code = await child.exited;
      clearTimeout(killer);
      let st: Record<string, string> = {};
      try { st = lastStats(readFileSync(statFile, 'latin1')); } catch { /* reported below */ }
      rmSync(dir, { recursive: true, force: true });
      const created = Number(st['TotalCallCreated']);
      if (!Number.isFinite(created)) throw new Error(`sipp wrote no statistics (exit ${code}): ${child.output().slice(-800)}`);
      const ok = Number(st['SuccessfulCall(C)'] ?? 0);
      const failed = Number(st['FailedCall(C)'] ?? 0);
      const retrans = Number(st['Retransmissions(C)'] ?? 0);
      const note = [failed ? `${failed} SIP transactions failed` : '', retrans ? `${retrans} retransmissions` : '', ok + failed < created ? `${created - ok - failed} unanswered` : ''].filter(Boolean).join(', ');
      return { sent: created, firstAt, ...(note ? { note } : {}) };
    },
  };
}

/** Bound on the log read per poll. */
const MAX_READ = 64 * 1024 * 1024;

/**
 * Tails a SIPp log by offset: each call returns the complete lines written since the last call
 * (a line still being written waits for the next call; a missing file yields nothing yet).
 */
function logTail(logFile: string): () => string[] {
  let offset = 0;
  let partial = '';
  return () => {
    let fd: number;
    try { fd = openSync(logFile, 'r'); } catch { return []; }
    try {
      const len = Math.min(fstatSync(fd).size - offset, MAX_READ);
      if (len <= 0) return [];
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, offset);
      offset += len;
      const text = partial + buf.toString('latin1');
      const nl = text.lastIndexOf('\n');
      partial = text.slice(nl + 1);
      return nl < 0 ? [] : text.slice(0, nl).split('\n').filter(Boolean);
    } finally { closeSync(fd); }
  };
}

/**
 * SIPp as the SIP sink (UAS answering 200 to MESSAGE) for the whole scenario: one process, one
 * -trace_logs line per request ("sbb;step;seq;sent; <receive timestamp>"), tailed by offset.
 */
export async function startSippSink(port: number, limitSec: number): Promise<Receiver & { stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-sink-'));
  const logFile = join(dir, 'sink.log');
  const child = await startChild('sipp-sink', 'sipp', [
    '-sf', sippScenario('bench-message-uas.xml'), '-i', '127.0.0.1', '-p', String(port), '-t', 'u1',
    '-m', '100000000', '-nostdin', '-bind_local', '-timeout', `${limitSec}s`, '-trace_logs', '-log_file', logFile,
  ], { cwd: dir, env: { ...process.env, TZ: 'UTC' } });
  const tally = new Tally();
  const tail = logTail(logFile);
  const poll = (): void => {
    for (const line of tail()) {
      const m = /^sbb;(\d+);(\d+);([^;]+);\s+(.*)$/.exec(line);
      if (!m) continue;
      const at = parseStamp(m[4] as string);
      if (at !== undefined) tally.add(Number(m[1]), Number(m[2]), m[3] as string, at);
    }
  };
  await sleep(300);
  if (child.proc.exitCode !== null) throw new Error(`sipp sink exited: ${child.output().slice(-800)}`);
  return {
    pid: child.pid,
    count: async (step) => { poll(); return tally.count(step); },
    take: async (step) => { poll(); return tally.take(step); },
    stop: async () => { await stopChild(child); rmSync(dir, { recursive: true, force: true }); },
  };
}

/**
 * SIP watchers for the fan-out: one SIPp UAC process, one subscription dialog per call (see
 * bench-subscribe-uac.xml). lines() tails its log: "init <time>" per immediate NOTIFY and
 * "<marker> <time>" per NOTIFY after the publish.
 */
export async function startSippWatchers(o: { remote: string; pres: string; domain: string; count: number; rate: number; limitSec: number }): Promise<{ pid: number; lines(): string[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-watch-'));
  const logFile = join(dir, 'watchers.log');
  const port = await freePort(true);
  const child = await startChild('sipp-watchers', 'sipp', [
    o.remote, '-sf', sippScenario('bench-subscribe-uac.xml'), '-i', '127.0.0.1', '-p', String(port), '-t', 'u1',
    '-r', String(o.rate), '-m', String(o.count), '-l', String(o.count), '-nostdin', '-bind_local',
    '-timeout', `${o.limitSec}s`, '-trace_logs', '-log_file', logFile,
    '-key', 'pres', o.pres, '-key', 'domain', o.domain, '-key', 'expires', '3600',
  ], { cwd: dir, env: { ...process.env, TZ: 'UTC' } });
  const tail = logTail(logFile);
  const all: string[] = [];
  const lines = (): string[] => {
    all.push(...tail());
    return all;
  };
  return { pid: child.pid, lines, stop: async () => { await stopChild(child); rmSync(dir, { recursive: true, force: true }); } };
}
