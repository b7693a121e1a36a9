/**
 * Child processes of the benchmark: started with a name, remembered by pid, stopped by pid (never
 * by name), and measured from /proc (CPU time and RSS) so that what a process costs is read by
 * the kernel, not estimated by the process itself.
 */
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat utime/stime (USER_HZ; 100 on every Linux ABI). */
const CLK_TCK = 100;

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote to stderr/stdout, bounded (for error messages). */
  output(): string;
  /** Resolves with the exit code (or signal name) when the child exits. */
  readonly exited: Promise<number | string>;
}

const live = new Set<Child>();
const MAX_OUTPUT = 64 * 1024;

/** Spawns a child and registers it for stopAll(). Rejects if the binary cannot be run. */
export async function startChild(name: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<Child> {
  const proc = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const keep = (d: Buffer): void => { if (out.length < MAX_OUTPUT) out += d.toString('utf8'); };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig ?? -1)));
  await new Promise<void>((resolve, reject) => {
    proc.once('spawn', () => resolve());
    proc.once('error', (e) => reject(new Error(`${name}: cannot run ${cmd}: ${e.message} (is it installed?)`)));
  });
  if (proc.pid === undefined) throw new Error(`${name}: ${cmd} started without a pid`);
  const child: Child = { name, proc, pid: proc.pid, output: () => out, exited };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** SIGTERM by pid, then SIGKILL after graceMs; resolves when the child has exited. */
export async function stopChild(c: Child, graceMs = 3000): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) { live.delete(c); return; }
  try { process.kill(c.pid, 'SIGTERM'); } catch { /* already gone */ }
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } resolve(); }, graceMs);
  });
  await Promise.race([c.exited.then(() => undefined), killed]);
  await Promise.race([c.exited, new Promise((r) => setTimeout(r, 2000))]);
  if (timer) clearTimeout(timer);
  live.delete(c);
}

/** Stops every child still running (in reverse start order), each by its pid. */
export async function stopAll(): Promise<void> {
  for (const c of [...live].reverse()) await stopChild(c);
}

/** Synchronous last resort for process exit: SIGKILL every remembered pid. */
export function killAllSync(): void {
  for (const c of live) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  live.clear();
}

/** User+system CPU time of a process in microseconds, from /proc/<pid>/stat (fields 14, 15). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU time of pid ${pid}`);
  return ((utime + stime) * 1_000_000) / CLK_TCK;
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!m) throw new Error(`cannot read RSS of pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Polls pred every intervalMs until it returns true, or throws after timeoutMs naming what. */
export async function waitUntil(what: string, pred: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
