/**
 * Child processes for tests: spawn, wait (bounded) until a readiness check passes, keep the tail
 * of stdout/stderr for error messages, and stop by pid (SIGTERM, bounded wait, then SIGKILL).
 *
 * Nothing is left behind: every running child is recorded, and a process 'exit' hook SIGKILLs
 * whatever is still running when the test process (or jest worker) ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Children started here and not yet known to have exited, by pid. */
const running = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain SIGKILL per pid is all we can do here.
  process.on('exit', () => {
    for (const pid of running.keys()) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    running.clear();
  });
}

/** How much of each stream is kept for error messages. */
const TAIL_BYTES = 8 * 1024;

class Tail {
  private buf = '';
  push(chunk: Buffer): void {
    this.buf = (this.buf + chunk.toString('utf8')).slice(-TAIL_BYTES);
  }
  toString(): string {
    return this.buf;
  }
}

export interface StartProcessOptions {
  /** Short name for messages ("redis-server", "prosody"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves true once the child is ready. Polled until it does or the deadline passes. */
  readonly ready: () => Promise<boolean>;
  /** Deadline for readiness (default 15 s). */
  readonly readyTimeoutMs?: number;
  /** Pause between readiness checks (default 50 ms). */
  readonly pollMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 5 s). */
  readonly stopTimeoutMs?: number;
  /** Extra text (e.g. a log file's tail) added to error messages. */
  readonly diagnostics?: () => string;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** True once the child has exited. */
  exited(): boolean;
  /** The last few KB of stdout and stderr. */
  output(): string;
  /** SIGTERM, wait up to stopTimeoutMs, then SIGKILL and wait up to 2 s more. Idempotent. */
  stop(): Promise<void>;
}

/** True if a process with this pid exists (signal 0 probe). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM means it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `p`, or `fallback` after ms; the timer is cleared either way so no handle outlives the race. */
async function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((r) => { timer = setTimeout(() => r(fallback), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Spawn `command args` and wait until `ready()` says yes. Rejects (after killing the child) if the
 * child exits first, cannot be spawned, or is not ready by the deadline; the error names the
 * command and carries the output tail.
 */
export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  installExitHook();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  const pollMs = opts.pollMs ?? 50;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 5_000;
  const out = new Tail();
  const err = new Tail();

  const child = spawn(opts.command, [...opts.args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      if (child.pid !== undefined) running.delete(child.pid);
      resolve();
    });
    // 'on', not 'once': a later 'error' (e.g. a failed kill) must not go unhandled.
    child.on('error', (e) => {
      spawnError ??= e;
      // A spawn failure emits 'error' without 'exit'.
      if (child.pid === undefined) resolve();
    });
  });
  if (child.pid !== undefined) running.set(child.pid, child);
  // Spawn failures (ENOENT, EACCES) arrive as an async 'error'; wait for 'spawn' or 'error' before
  // polling, so a missing binary is reported as such and never mistaken for a ready server.
  await new Promise<void>((resolve) => {
    if (spawnError) return resolve();
    const done = (): void => {
      child.off('spawn', done);
      child.off('error', done);
      resolve();
    };
    child.once('spawn', done);
    child.once('error', done);
  });

  const describe = (): string => {
    const parts = [`stdout: ${out.toString().trim() || '(empty)'}`, `stderr: ${err.toString().trim() || '(empty)'}`];
    if (opts.diagnostics) {
      try { parts.push(opts.diagnostics()); } catch { /* diagnostics are best-effort */ }
    }
    return parts.join('\n');
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo || child.pid === undefined) return;
      child.kill('SIGTERM');
      const termed = await within(exitedPromise.then(() => true), stopTimeoutMs, false);
      if (!termed && !exitInfo) {
        child.kill('SIGKILL');
        await within(exitedPromise, 2_000, undefined);
      }
      if (!exitInfo) throw new Error(`${opts.name} (pid ${child.pid}) did not exit after SIGKILL`);
    })();
    return stopping;
  };

  const started = Date.now();
  let lastCheckError: unknown;
  for (let attempt = 0; ; attempt++) {
    if (spawnError && child.pid === undefined) {
      const code = (spawnError as NodeJS.ErrnoException).code;
      throw new Error(`${opts.name}: cannot run ${opts.command}${code === 'ENOENT' ? ' (not installed?)' : ''}: ${spawnError.message}`);
    }
    if (exitInfo) {
      throw new Error(`${opts.name} exited before it was ready (code ${exitInfo.code}, signal ${exitInfo.signal})\n${describe()}`);
    }
    try {
      // The check itself is bounded too, so one hung probe cannot outlast the deadline.
      const ok = await within(opts.ready(), Math.max(250, Math.min(2_000, readyTimeoutMs)), false);
      if (ok) break;
    } catch (e) {
      lastCheckError = e;
    }
    if (Date.now() - started > readyTimeoutMs) {
      await stop().catch(() => undefined);
      const why = lastCheckError instanceof Error ? `; last check error: ${lastCheckError.message}` : '';
      throw new Error(`${opts.name} not ready within ${readyTimeoutMs} ms${why}\n${describe()}`);
    }
    await sleep(Math.min(pollMs * (attempt < 10 ? 1 : 4), 500));
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.name}: no pid after start`);
  return {
    name: opts.name,
    pid,
    exited: () => exitInfo !== undefined,
    output: describe,
    stop,
  };
}

/**
 * Start a server in a fresh temporary directory, retrying (at most `attempts` times) when the
 * failure matches `portRace`: a free port taken by someone else between freePort() and the
 * server's bind (see ports.ts). Any other failure is thrown at once. The directory is removed when
 * an attempt fails; the handle's stop() removes it with {@link stopThenRemove}.
 */
export async function startInTempDir<T>(
  opts: { prefix: string; portRace: RegExp; attempts?: number },
  start: (dir: string) => Promise<T>,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= (opts.attempts ?? 3); attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix));
    try {
      return await start(dir);
    } catch (e) {
      lastError = e;
      fs.rmSync(dir, { recursive: true, force: true });
      if (!opts.portRace.test(e instanceof Error ? e.message : String(e))) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** A stop() for a server started by {@link startInTempDir}: stop by pid, then remove its directory. */
export function stopThenRemove(proc: { stop(): Promise<void> }, dir: string): () => Promise<void> {
  return async () => {
    try {
      await proc.stop();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}
