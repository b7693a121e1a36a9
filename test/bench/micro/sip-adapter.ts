/**
 * The SIP adapter end to end in one process (issue 7): a UDP sender keeps 64 MESSAGEs in flight
 * to the adapter (real socket, 127.0.0.1), the adapter parses, begins the transaction, delivers
 * (a context whose deliver resolves at once) and answers 200. Reports the process CPU per relayed
 * message (sender included: the same for any version of the adapter) and, in a separate short
 * run with async_hooks on, the Promises created per message.
 *
 *   npx tsc -p tsconfig.bench.json --outDir /tmp/d && N=40000 node /tmp/d/test/bench/micro/sip-adapter.js
 */
import { createHook } from 'node:async_hooks';
import { createSocket } from 'node:dgram';
import type { Adapter, AdapterContext, Log } from '../../../canonical/adapter';
import { createSipAdapterWith } from '../../../adapters/sip';

const silent: Log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const ctx = {
  gatewayId: 'gw.bench', instanceId: 'i1',
  bus: { async publish() {}, async subscribe() { return async () => {}; } },
  services: {}, log: silent, state: {}, ownerOf: () => 'xmpp',
  deliver: () => Promise.resolve({ status: 'delivered' }),
  setReady() {},
} as unknown as AdapterContext;

const BODY = 'sbb;1;00000000;1700000000.123456;';
function message(n: number, port: number): Buffer {
  const d = String(n).padStart(8, '0');
  return Buffer.from(`MESSAGE sip:recv@xmpp.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-4242-${d}-0\r\nMax-Forwards: 70\r\n`
    + `From: <sip:sender@sip.example>;tag=4242b${d}\r\nTo: <sip:recv@xmpp.example>\r\nCall-ID: ${d}-4242@127.0.0.1\r\nCSeq: 1 MESSAGE\r\n`
    + `Content-Type: text/plain;charset=utf-8\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`, 'latin1');
}

/** Sends `count` messages (numbered from `base`), 64 in flight; resolves when all are answered 202. */
async function run(adapter: Adapter & { local: { udp?: { port: number } } }, base: number, count: number): Promise<void> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const target = adapter.local.udp!.port;
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve, reject) => {
    sock.on('error', reject);
    const timer = setTimeout(() => reject(new Error(`timed out: ${answered}/${count} answered`)), 120_000);
    const next = (): void => { if (sent < count) sock.send(message(base + sent++, port), target, '127.0.0.1'); };
    sock.on('message', (m) => {
      // 200: delivered (202 would be accepted for later delivery, RFC 3428 7).
      if (m[8] !== 0x32 || m[9] !== 0x30 || (m[10] !== 0x30 && m[10] !== 0x32)) { clearTimeout(timer); reject(new Error(`unexpected ${m.subarray(0, 40).toString('latin1')}`)); return; }
      if (++answered === count) { clearTimeout(timer); resolve(); } else next();
    });
    for (let i = 0; i < 64; i++) next();
  }).finally(() => sock.close());
}

async function main(): Promise<void> {
  const n = Number(process.env.N ?? 40_000);
  const adapter = createSipAdapterWith({ presence: { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 }, sip: { domain: 'sip.example', listen: { udp: '127.0.0.1:0' } } }, ctx) as Adapter & { local: { udp?: { port: number } } };
  await adapter.start();
  try {
    await run(adapter, 0, 5_000); // warm-up
    const t = process.cpuUsage();
    await run(adapter, 1_000_000, n);
    const d = process.cpuUsage(t);
    console.log(`adapter\t${((d.user + d.system) / n).toFixed(1)} us CPU per relayed MESSAGE (sender included), ${n} messages`);
    let promises = 0;
    const hook = createHook({ init(_id, type) { if (type === 'PROMISE') promises++; } }).enable();
    const m = 2_000;
    await run(adapter, 2_000_000, m);
    hook.disable();
    console.log(`promises\t${(promises / m).toFixed(1)} per relayed MESSAGE (sender's run() included)`);
  } finally {
    await adapter.stop();
  }
}

void main().catch((e) => { console.error(e); process.exitCode = 1; });
