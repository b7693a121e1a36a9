/**
 * Real SIP peers for tests: SIPp (scenarios in test/fixtures/sipp/) and sipsak, run with bounded
 * time and stopped by pid; plus raw UDP/TCP senders. If sipp or sipsak is missing, the calls
 * reject (a test that needs them fails, never skips).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdapterContext, AdapterState } from '../../canonical/adapter';
import type { MessageOp, NotifyOp, Outcome, PublishOp, PublishResult, SubscribeOp, SubscribeResult } from '../../canonical/operations';

export const SIPP_SCENARIOS = join(__dirname, '../fixtures/sipp');

export interface PeerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** SIPp: the -trace_msg message log (every message sent and received). */
  readonly messages: string;
  /** SIPp: its error log (unexpected messages, failed actions); empty when the run was clean. */
  readonly errors: string;
  readonly timedOut: boolean;
}

/**
 * Resolves once something has bound UDP port `port` (a SIPp UAS that has started), read from
 * /proc/net/udp so the probe never competes for the port; rejects after timeoutMs.
 */
export async function waitForUdpListener(port: number, timeoutMs = 5000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    let table = '';
    try { table = readFileSync('/proc/net/udp', 'latin1'); } catch { await new Promise((r) => setTimeout(r, 300)); return; }
    if (table.split('\n').some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex.trim()) ?? false)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on UDP port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SippOptions {
  readonly scenario: string;
  /** host:port of the adapter (UAC mode); omitted for a UAS waiting for requests. */
  readonly remote?: string;
  readonly localPort: number;
  readonly transport?: 'u1' | 't1';
  /** -key name value pairs, used as [name] in the scenario. */
  readonly keys?: Readonly<Record<string, string>>;
  readonly calls?: number;
  readonly timeoutSec?: number;
}

/** Starts SIPp; `done` resolves when it exits (killed by pid after the time limit). */
export function startSipp(o: SippOptions): { done: Promise<PeerResult>; pid: number | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipp-'));
  const msgFile = join(dir, 'messages.log');
  const timeout = o.timeoutSec ?? 20;
  const args = [
    ...(o.remote ? [o.remote] : []),
    '-sf', join(SIPP_SCENARIOS, o.scenario), '-i', '127.0.0.1', '-p', String(o.localPort),
    '-t', o.transport ?? 'u1', '-m', String(o.calls ?? 1), '-nostdin', '-bind_local',
    '-timeout', `${timeout}s`, '-timeout_error', '-trace_msg', '-message_file', msgFile,
    '-trace_err', '-error_file', join(dir, 'errors.log'),
  ];
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, v);
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { if (stdout.length < 200_000) stdout += d.toString('latin1'); });
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 200_000) stderr += d.toString('latin1'); });
  const done = new Promise<PeerResult>((resolve, reject) => {
    let timedOut = false;
    const killer = setTimeout(() => { timedOut = true; if (child.pid) process.kill(child.pid, 'SIGKILL'); }, (timeout + 5) * 1000);
    child.once('error', (e) => { clearTimeout(killer); rmSync(dir, { recursive: true, force: true }); reject(new Error(`sipp could not run: ${e.message}`)); });
    child.once('exit', (code) => {
      clearTimeout(killer);
      let messages = '';
      try { messages = readFileSync(msgFile, 'latin1'); } catch { /* none written */ }
      let errors = '';
      try { for (const f of readdirSync(dir)) if (f.endsWith('errors.log')) errors += readFileSync(join(dir, f), 'latin1'); } catch { /* none */ }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, messages, errors, timedOut });
    });
  });
  return { done, pid: child.pid };
}

export function runSipp(o: SippOptions): Promise<PeerResult> {
  return startSipp(o).done;
}

/** Runs sipsak with a time limit (killed by pid). */
export function runSipsak(args: readonly string[], timeoutMs = 15_000): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sipsak', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('latin1'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('latin1'); });
    const killer = setTimeout(() => { timedOut = true; if (child.pid) process.kill(child.pid, 'SIGKILL'); }, timeoutMs);
    child.once('error', (e) => { clearTimeout(killer); reject(new Error(`sipsak could not run: ${e.message}`)); });
    child.once('exit', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr, messages: '', errors: '', timedOut }); });
  });
}

/** Sends one datagram and collects the datagrams that come back within `waitMs`. */
export function udpExchange(port: number, bytes: Buffer, waitMs = 1500): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const got: Buffer[] = [];
    s.on('message', (m) => got.push(m));
    s.once('error', (e) => { s.close(); reject(e); });
    s.bind(0, '127.0.0.1', () => {
      s.send(bytes, port, '127.0.0.1', (e) => { if (e) { s.close(); reject(e); } });
      setTimeout(() => { s.close(); resolve(got); }, waitMs);
    });
  });
}

/** Writes chunks on one TCP connection and collects what comes back until close or `waitMs`. */
export function tcpExchange(port: number, chunks: readonly Buffer[], waitMs = 1500): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const parts: Buffer[] = [];
    let closed = false;
    const t = setTimeout(() => { s.destroy(); resolve({ data: Buffer.concat(parts), closed }); }, waitMs);
    s.on('data', (d) => parts.push(d));
    s.once('close', () => { closed = true; clearTimeout(t); resolve({ data: Buffer.concat(parts), closed }); });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
    s.once('connect', () => { for (const c of chunks) s.write(c); });
  });
}

/** The first status code of each response in a buffer of SIP responses. */
export function statusCodes(data: Buffer | string): number[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  return [...text.matchAll(/^SIP\/2\.0 ([0-9]{3}) /gm)].map((m) => Number(m[1]));
}

// ---------------------------------------------------------------------------------------------
// A recording gateway context, for exercising the SIP adapter alone over real sockets with real
// SIP peers (the end-to-end tests use the real createGateway instead). It records every operation
// and answers with programmable results; its state space is an in-memory map with expiry.


export interface RecordingContext extends AdapterContext {
  readonly messages: MessageOp[];
  readonly subscribes: SubscribeOp[];
  readonly publishes: PublishOp[];
  readonly notifies: NotifyOp[];
  deliverResult: (op: MessageOp) => Outcome | Promise<Outcome>;
  subscribeResult: (op: SubscribeOp) => SubscribeResult | Promise<SubscribeResult>;
  publishResult: (op: PublishOp) => PublishResult | Promise<PublishResult>;
  /** Resolves when `pred` holds for some recorded item, within timeoutMs. */
  waitFor<T>(list: T[], pred: (x: T) => boolean, timeoutMs?: number): Promise<T>;
}

export function memoryState(): AdapterState {
  const m = new Map<string, { v: string; until: number }>();
  const live = (k: string): string | undefined => {
    const e = m.get(k);
    if (!e) return undefined;
    if (e.until && e.until < Date.now()) { m.delete(k); return undefined; }
    return e.v;
  };
  return {
    async get(k) { return live(k); },
    async set(k, v, ttl) { m.set(k, { v, until: ttl && ttl > 0 ? Date.now() + ttl * 1000 : 0 }); },
    async setIfAbsent(k, v, ttl) { if (live(k) !== undefined) return false; m.set(k, { v, until: Date.now() + ttl * 1000 }); return true; },
    async del(k) { m.delete(k); },
    async keys(p) { return [...m.keys()].filter((k) => k.startsWith(p) && live(k) !== undefined); },
  };
}

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };

export function recordingContext(gatewayId = 'gw.test'): RecordingContext {
  const ctx: RecordingContext = {
    gatewayId, instanceId: 'i1',
    bus: { async publish() {}, async subscribe() { return async () => {}; } },
    services: {} as AdapterContext['services'],
    log: process.env.SB_TEST_LOG ? console as unknown as AdapterContext['log'] : silent,
    state: memoryState(),
    ownerOf: () => undefined,
    messages: [], subscribes: [], publishes: [], notifies: [],
    deliverResult: () => ({ status: 'delivered' }),
    subscribeResult: (op) => ({ outcome: { status: 'delivered' }, subscriptionId: `s-${ctx.subscribes.length}`, state: 'active', expires: op.duration }),
    publishResult: (op) => ({ outcome: { status: 'delivered' }, etag: op.etag ?? `e${ctx.publishes.length}`, expires: op.expires }),
    async deliver(op) { ctx.messages.push(op); return ctx.deliverResult(op); },
    async subscribe(op) { ctx.subscribes.push(op); return ctx.subscribeResult(op); },
    async publish(op) { ctx.publishes.push(op); return ctx.publishResult(op); },
    async notify(op) { ctx.notifies.push(op); return { status: 'delivered' }; },
    setReady() {},
    waitFor(list, pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const start = Date.now();
        const tick = (): void => {
          const hit = list.find(pred);
          if (hit !== undefined) { resolve(hit); return; }
          if (Date.now() - start > timeoutMs) { reject(new Error('timed out waiting for a recorded operation')); return; }
          setTimeout(tick, 20);
        };
        tick();
      });
    },
  };
  return ctx;
}
