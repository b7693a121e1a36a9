/**
 * Request/reply over the Node IPC channel between the benchmark and its helper processes
 * (receivers and senders run as their own processes, so their CPU is measured apart from the
 * gateway's and they never share an event loop with it). Every request has a time limit.
 */
import { type Child, startChild } from './proc';

interface Req { id: number; cmd: string; arg: unknown }
interface Res { id: number; ok: boolean; value?: unknown; error?: string }

export interface Peer {
  readonly child: Child;
  request<T>(cmd: string, arg: unknown, timeoutMs: number): Promise<T>;
}

/** Forks `entry` (a compiled .js file) with `config` as JSON in argv[2]; resolves once it says ready. */
export async function forkPeer(name: string, entry: string, config: unknown, readyTimeoutMs = 15_000): Promise<Peer> {
  const child = await startChild(name, process.execPath, [entry, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const proc = child.proc;
  let next = 1;
  const waiting = new Map<number, (r: Res) => void>();
  proc.on('message', (m: Res | { ready: true } | { fatal: string }) => {
    if ('id' in m) waiting.get(m.id)?.(m);
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name}: not ready in ${readyTimeoutMs} ms: ${child.output().slice(-500)}`)), readyTimeoutMs);
    proc.on('message', (m: { ready?: true; fatal?: string }) => {
      if (m.ready) { clearTimeout(t); resolve(); }
      if (m.fatal) { clearTimeout(t); reject(new Error(`${name}: ${m.fatal}`)); }
    });
    proc.once('exit', (c) => { clearTimeout(t); reject(new Error(`${name}: exited (${c}) before ready: ${child.output().slice(-500)}`)); });
  });
  const request = <T>(cmd: string, arg: unknown, timeoutMs: number): Promise<T> => new Promise<T>((resolve, reject) => {
    const id = next++;
    const t = setTimeout(() => { waiting.delete(id); reject(new Error(`${name}: ${cmd} took more than ${timeoutMs} ms`)); }, timeoutMs);
    waiting.set(id, (r) => {
      clearTimeout(t);
      waiting.delete(id);
      if (r.ok) resolve(r.value as T); else reject(new Error(`${name}: ${cmd}: ${r.error}`));
    });
    proc.send({ id, cmd, arg } satisfies Req);
  });
  return { child, request };
}

/** Child side: parses the config, runs setup, answers requests with the handlers. */
export function servePeer<C>(setup: (config: C) => Promise<Record<string, (arg: never) => unknown>>): void {
  const send = (m: unknown): void => { process.send?.(m); };
  const config = JSON.parse(process.argv[2] ?? '{}') as C;
  process.on('disconnect', () => process.exit(0));
  setup(config).then((handlers) => {
    process.on('message', (m: Req) => {
      const h = handlers[m.cmd];
      if (!h) { send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` }); return; }
      Promise.resolve().then(() => h(m.arg as never)).then(
        (value) => send({ id: m.id, ok: true, value }),
        (err: Error) => send({ id: m.id, ok: false, error: err.message }),
      );
    });
    send({ ready: true });
  }, (err: Error) => { send({ fatal: err.message }); setTimeout(() => process.exit(1), 100); });
}

