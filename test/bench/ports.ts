/**
 * Free 127.0.0.1 ports for the benchmark's servers. A port is bound (TCP, and UDP too when asked)
 * and released; the server that takes it next starts a moment later, and a start that loses the
 * race fails loudly rather than binding elsewhere.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpFree(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 for TCP (and for UDP when both is true). */
export async function freePort(both = false): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await tcpFree();
    if (!both || (await udpFree(p))) return p;
  }
  throw new Error('no free 127.0.0.1 port found in 50 tries');
}
