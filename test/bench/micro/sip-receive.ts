/**
 * Micro benchmark of the SIP adapter's receive-and-answer path (issue 7), pure steps only: no
 * sockets. CPU per call by process.cpuUsage over N calls (user+system, not disturbed by other
 * processes the way wall time is), and the heap a table of 20,000 completed server transactions
 * (and 20,000 messages in flight) retains, after gc.
 *
 *   npx tsc -p tsconfig.bench.json && N=200000 ROUNDS=3 node dist/bench/test/bench/micro/sip-receive.js
 *   SNAPSHOT=/tmp/s.heapsnapshot ...   also counts whole message texts left in a heap snapshot
 *   ONLY=parse,path ...                 a subset (datagram, parse, path, build202, retention)
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseSip, type CheckedRequest } from '../../../adapters/sip/wire-validate';
import { ServerTransactions } from '../../../adapters/sip/transactions';
import { buildResponseFrom, randomToken, responseBasis, type ResponseBasis } from '../../../adapters/sip/wire-serialize';
import { sipMessageToOp, traceOf } from '../../../adapters/sip/to-canonical';
import { checkRequestPolicy } from '../../../adapters/sip/request-policy';
import type { Remote } from '../../../adapters/sip/transport';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const BODY = 'sbb;1;00000000;1700000000.123456;';
const TEMPLATE = `MESSAGE sip:recv@xmpp.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-4242-00000000-0\r\nMax-Forwards: 70\r\nFrom: <sip:sender@sip.example>;tag=4242b00000000\r\nTo: <sip:recv@xmpp.example>\r\nCall-ID: 00000000-4242@127.0.0.1\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain;charset=utf-8\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
const TPL = Buffer.from(TEMPLATE, 'latin1');
const OFFSETS: number[] = [];
for (let i = TEMPLATE.indexOf('00000000'); i >= 0; i = TEMPLATE.indexOf('00000000', i + 8)) OFFSETS.push(i);
/** A fresh datagram numbered n (distinct branch, tag, Call-ID, body), as SIPp's would be. */
function datagram(n: number): Buffer {
  const b = Buffer.allocUnsafe(TPL.length);
  TPL.copy(b);
  const d = String(n % 1e8).padStart(8, '0');
  for (const o of OFFSETS) b.write(d, o, 'latin1');
  return b;
}
const remote: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5061 };
let sent = 0;
const server = new ServerTransactions(() => { sent++; });
type Basis = ResponseBasis;
/** What stack.respond adds to every response. */
const SERVER_LINE = 'Server: Switchboard\r\n';

/** The pure steps of the adapter's receive -> 202 path (adapter.ts receive, dispatch, onMessageRequest, relayMessage, stack.respond). */
function receiveStart(buf: Buffer): { key: string; basis: Basis; op: unknown } | undefined {
  const parsed = parseSip(buf, true);
  if (!parsed.ok || parsed.message.kind !== 'request') throw new Error('parse failed');
  const req = parsed.message as CheckedRequest;
  const tx = server.begin(req, remote);
  if (!tx.isNew) return undefined;
  const basis = responseBasis(req, remote);
  if (checkRequestPolicy(req)) throw new Error('policy');
  if (req.via.some((v) => v.branch?.startsWith('z9hG4bK-sb12345678-'))) throw new Error('loop');
  traceOf(req);
  const op = sipMessageToOp(req, { transactionId: req.via[0]?.branch ?? req.callId, sourceId: `${remote.transport} ${remote.address}:${remote.port}` }, () => 'xmpp');
  return { key: tx.key, basis, op };
}
function answer(s: { key: string; basis: Basis }): void {
  const bytes = buildResponseFrom(s.basis, 202, 'Accepted', { toTag: randomToken(6), lines: SERVER_LINE });
  server.respond(s.key, remote, bytes);
}
const FIXED = receiveStart(datagram(99_999_999))!;

const STEPS: Record<string, (i: number) => void> = {
  datagram: (i) => { datagram(i); },
  parse: (i) => { parseSip(datagram(i), true); },
  path: (i) => { const s = receiveStart(datagram(i)); if (s) answer(s); },
  build202: () => { buildResponseFrom(FIXED.basis, 202, 'Accepted', { toTag: randomToken(6), lines: SERVER_LINE }); },
};

function cpu(n: number, f: (i: number) => void, base: number): number {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) f(base + i);
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}

function retention(n: number): { tableBytes: number; inflightBytes: number; texts?: number } {
  server.clear(); gc(); gc();
  const h0 = process.memoryUsage().heapUsed;
  const held: Array<{ key: string; basis: Basis; op: unknown }> = [];
  for (let i = 0; i < n; i++) { const s = receiveStart(datagram(1_000_000 + i)); if (s) held.push(s); }
  gc(); gc();
  const h1 = process.memoryUsage().heapUsed;
  for (const s of held) answer(s);
  held.length = 0;
  gc(); gc();
  const h2 = process.memoryUsage().heapUsed;
  let texts: number | undefined;
  if (process.env.SNAPSHOT) {
    const file = v8.writeHeapSnapshot(process.env.SNAPSHOT);
    const snap = JSON.parse(require('node:fs').readFileSync(file, 'utf8')) as { strings: string[] };
    texts = snap.strings.filter((s) => s.startsWith('MESSAGE sip:recv')).length;
  }
  server.clear();
  return { tableBytes: (h2 - h0) / n, inflightBytes: (h1 - h0) / n, texts };
}

const n = Number(process.env.N ?? 200_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const only = process.env.ONLY?.split(',');
let base = 0;
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(STEPS)) {
    if (only && !only.includes(name)) continue;
    server.clear();
    const us = cpu(n, f, base); base += n;
    console.log(`${name}\t${(us * 1000).toFixed(0)} ns/call`);
  }
}
if (!only || only.includes('retention')) {
  const r = retention(20_000);
  console.log(`retention\ttable of 20000 completed: ${r.tableBytes.toFixed(0)} B/entry heap; in flight: ${r.inflightBytes.toFixed(0)} B/message heap${r.texts !== undefined ? `; whole message texts in a heap snapshot: ${r.texts}` : ''}`);
}
