/**
 * A throwaway redis-server for integration tests: 127.0.0.1 only, a free port, no persistence,
 * its own temporary directory; stopped by pid. Fails loudly (never skips) when Redis is missing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, tcpExchange } from './ports';
import { startProcess } from './process';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisHandle {
  readonly port: number;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly pid: number;
  /** Temporary working directory (removed by stop()). */
  readonly dir: string;
  /** SIGTERM by pid (SIGKILL after a bounded wait), then remove the directory. */
  stop(): Promise<void>;
}

/** Start attempts: a lost free-port race (see ports.ts) costs one retry. */
const ATTEMPTS = 3;

/** True when PING on 127.0.0.1:port answers +PONG (raw RESP, no client library). */
export async function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  const answer = await tcpExchange(port, { send: 'PING\r\n', until: /\r\n/, timeoutMs });
  return answer.startsWith('+PONG');
}

export async function startRedis(opts: { readyTimeoutMs?: number } = {}): Promise<RedisHandle> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install the Debian package "redis-server" (apt-get install redis-server)`);
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-redis-'));
    const port = await freePort();
    try {
      const proc = await startProcess({
        name: 'redis-server',
        command: REDIS_SERVER,
        args: [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--save', '',
          '--appendonly', 'no',
          '--dir', dir,
          '--daemonize', 'no',
          '--loglevel', 'warning',
          '--logfile', '',
          '--databases', '16',
          '--protected-mode', 'yes',
        ],
        cwd: dir,
        ready: () => redisPing(port),
        readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
      });
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        pid: proc.pid,
        dir,
        stop: async () => {
          try {
            await proc.stop();
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        },
      };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      lastError = e;
      // Only a bind failure is worth a retry on a new port; anything else fails now.
      if (!(e instanceof Error) || !/Address already in use|bind/i.test(e.message)) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
