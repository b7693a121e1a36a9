/**
 * A private redis-server for the benchmark: 127.0.0.1 on a free port, no persistence (so a
 * million writes measure Redis memory, not disk), stopped by pid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports';
import { type Child, startChild, stopChild, waitUntil } from '../proc';

export interface BenchRedis {
  readonly url: string;
  readonly port: number;
  readonly child: Child;
  stop(): Promise<void>;
}

/** Sends one inline command and returns the raw reply (bounded wait). */
export function redisCommand(port: number, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`redis ${command}: no reply in ${timeoutMs} ms`)); }, timeoutMs);
    s.on('data', (d) => {
      data += d.toString('utf8');
      // A bulk reply "$<len>\r\n<payload>\r\n" or a one-line reply.
      const bulk = /^\$(\d+)\r\n/.exec(data);
      const done = bulk ? data.length >= bulk[0].length + Number(bulk[1]) + 2 : data.endsWith('\r\n');
      if (done) { clearTimeout(t); s.end(); resolve(data); }
    });
    s.once('error', (e) => { clearTimeout(t); reject(e); });
    s.once('connect', () => s.write(command + '\r\n'));
  });
}

/** One field of INFO (e.g. "used_memory"), as a number. */
export async function redisInfoNumber(port: number, section: string, field: string): Promise<number> {
  const reply = await redisCommand(port, `INFO ${section}`);
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(reply);
  if (!m) throw new Error(`redis INFO ${section} has no ${field}`);
  return Number(m[1]);
}

export async function startBenchRedis(): Promise<BenchRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-redis-'));
  const port = await freePort();
  const child = await startChild('redis-server', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--protected-mode', 'yes', '--loglevel', 'warning',
  ]);
  const stop = async (): Promise<void> => { await stopChild(child); rmSync(dir, { recursive: true, force: true }); };
  try {
    await waitUntil('redis-server to answer PING', async () => {
      if (child.proc.exitCode !== null) throw new Error(`redis-server exited: ${child.output().slice(-500)}`);
      return (await redisCommand(port, 'PING', 500).catch(() => '')).startsWith('+PONG');
    }, 10_000);
  } catch (err) { await stop(); throw err; }
  return { url: `redis://127.0.0.1:${port}/0`, port, child, stop };
}
