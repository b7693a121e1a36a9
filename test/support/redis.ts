/**
 * A throwaway redis-server for integration tests: 127.0.0.1 only, a free port, no persistence,
 * its own temporary directory; stopped by pid. Fails loudly (never skips) when Redis is missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, tcpExchange } from './ports';
import { startInTempDir, startProcess, stopThenRemove } from './process';

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

/** True when PING on 127.0.0.1:port answers +PONG (raw RESP, no client library). */
export async function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  const answer = await tcpExchange(port, { send: 'PING\r\n', until: /\r\n/, timeoutMs });
  return answer.startsWith('+PONG');
}

export async function startRedis(opts: { readyTimeoutMs?: number } = {}): Promise<RedisHandle> {
  if (!fs.existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found: install the Debian package "redis-server" (apt-get install redis-server)`);
  }
  return startInTempDir({ prefix: 'sb-redis-', portRace: /Address already in use|bind/i }, async (dir) => {
    const port = await freePort();
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
      stop: stopThenRemove(proc, dir),
    };
  });
}
