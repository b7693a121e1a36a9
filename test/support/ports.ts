/**
 * Free local ports for test servers.
 *
 * There is an unavoidable race: the port is free when we close our probe socket, and something
 * else may take it before the server we start binds it. The window is kept small (the caller
 * starts its server right away), and the start helpers (redis.ts, prosody.ts) retry with a fresh
 * port when a start fails, so a lost race costs one retry rather than a failed test.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';

const HOST = '127.0.0.1';

/** A TCP port on 127.0.0.1 that was free a moment ago (bind :0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.unref();
    sock.once('error', reject);
    sock.bind({ address: HOST, port: 0, exclusive: true }, () => {
      const port = sock.address().port;
      sock.close(() => (port > 0 ? resolve(port) : reject(new Error('freeUdpPort: no port assigned'))));
    });
  });
}

/**
 * Several distinct free TCP ports. Ports are taken one after another while the earlier probes
 * stay bound, so the same port is never handed out twice in one call.
 */
export async function freePorts(n: number): Promise<number[]> {
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error(`freePorts: n must be 1..32, got ${n}`);
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      srv.unref();
      servers.push(srv);
      ports.push(await new Promise<number>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ host: HOST, port: 0, exclusive: true }, () => {
          const addr = srv.address();
          resolve(typeof addr === 'object' && addr ? addr.port : 0);
        });
      }));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/**
 * True when something accepts a TCP connection on 127.0.0.1:port within timeoutMs.
 * Used as a readiness probe and to check that a stopped server's port is closed.
 */
export function isPortOpen(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const done = (open: boolean): void => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Connect, optionally send `send`, and collect what the server answers until `until` matches the
 * received text, the peer closes, or timeoutMs passes (then it resolves with what it has).
 * At most maxBytes are kept. For readiness probes and raw-protocol smoke tests.
 */
export function tcpExchange(
  port: number,
  opts: { send?: string | Buffer; until?: RegExp; timeoutMs?: number; maxBytes?: number } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const sock = net.connect({ host: HOST, port });
    const finish = (): void => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.once('connect', () => {
      if (opts.send !== undefined) sock.write(opts.send);
    });
    sock.on('data', (d: Buffer) => {
      if (size < maxBytes) {
        chunks.push(d.subarray(0, maxBytes - size));
        size += Math.min(d.length, maxBytes - size);
      }
      if (opts.until && opts.until.test(Buffer.concat(chunks).toString('utf8'))) finish();
      else if (size >= maxBytes) finish();
    });
    sock.once('end', finish);
    sock.once('error', finish);
  });
}
