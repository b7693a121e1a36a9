/**
 * A long-lived slixmpp client (test/xmpp-client.py) driven by JSON lines on stdin: one process per
 * XMPP user for a whole test file, so the matrix does not pay a login per message. Every wait is
 * bounded; close() quits the process and SIGKILLs it by pid if it lingers.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const XMPP_CLIENT = path.join(__dirname, '..', 'xmpp-client.py');
export const PYTHON = '/usr/bin/python3';

/** One event printed by xmpp-client.py (see its docstring for the members). */
export type XmppEvent = Record<string, any>;

export interface XmppPeer {
  readonly jid: string;
  readonly events: XmppEvent[];
  /** The next event not yet taken that matches pred, within timeoutMs. */
  next(pred: (e: XmppEvent) => boolean, timeoutMs?: number): Promise<XmppEvent>;
  /** Untaken events matching pred that arrive within ms (for "nothing arrives" checks). */
  collect(pred: (e: XmppEvent) => boolean, ms: number): Promise<XmppEvent[]>;
  send(cmd: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Starts xmpp-client.py logged in as `jid` on 127.0.0.1:port; resolves after its "ready" event. */
export async function startXmppPeer(port: number, jid: string, password: string, lifetimeSec = 300): Promise<XmppPeer> {
  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} not found: install python3 and python3-slixmpp`);
  const proc: ChildProcessWithoutNullStreams = spawn(PYTHON, [XMPP_CLIENT, '127.0.0.1', String(port), jid, password, String(lifetimeSec)]);
  const events: XmppEvent[] = [];
  const taken = new Set<XmppEvent>();
  const waiters: Array<() => void> = [];
  let buf = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString('utf8')).slice(-4000); });
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) events.push(JSON.parse(line) as XmppEvent);
    }
    for (const w of waiters.splice(0)) w();
  });
  proc.on('exit', () => { for (const w of waiters.splice(0)) w(); });
  const peer: XmppPeer = {
    jid,
    events,
    next(pred, timeoutMs = 8000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${jid}: no matching event within ${timeoutMs} ms; last events ${JSON.stringify(events.slice(-6)).slice(-2500)} ${stderr}`)), timeoutMs);
        const look = (): void => {
          const e = events.find((x) => !taken.has(x) && pred(x));
          if (e !== undefined) { taken.add(e); clearTimeout(t); resolve(e); return; }
          if (proc.exitCode !== null) { clearTimeout(t); reject(new Error(`${jid}: the client exited (${proc.exitCode}) ${stderr}`)); return; }
          waiters.push(look);
        };
        look();
      });
    },
    async collect(pred, ms) {
      await new Promise((r) => setTimeout(r, ms));
      return events.filter((x) => !taken.has(x) && pred(x));
    },
    send(cmd) { proc.stdin.write(`${JSON.stringify(cmd)}\n`); },
    close() {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
        const killer = setTimeout(() => { if (proc.pid) try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 4000);
        proc.once('exit', () => { clearTimeout(killer); resolve(); });
        try { proc.stdin.write('{"cmd":"quit"}\n'); } catch { /* closed */ }
      });
    },
  };
  await peer.next((e) => e.event === 'ready', 15_000);
  return peer;
}
