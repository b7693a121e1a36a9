/**
 * `switchboard send --via sip`: one MESSAGE (RFC 3428) to the gateway's SIP listener from an
 * ephemeral port, over UDP (retransmitted by Timer E, RFC 3261 17.1.2.2) or TCP (Content-Length
 * framing), waiting for the final response within a bound. The request is built and the response
 * parsed with the SIP adapter's own wire functions, so the gateway sees what a strict UA sends.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Address } from '../../canonical/address';
import type { Content, Outcome } from '../../canonical/operations';
import { DEFAULT_MAX_FORWARDS, formatTrace, parseTrace } from '../../canonical/trace';
import { sipUriFor, statusToOutcome } from '../../adapters/sip/from-canonical';
import { TRACE_HEADER } from '../../adapters/sip/to-canonical';
import { TIMERS } from '../../adapters/sip/transactions';
import { StreamFramer } from '../../adapters/sip/wire-frame';
import { headerValues } from '../../adapters/sip/wire-message';
import { buildRequest, type HeaderPair, MAGIC_COOKIE } from '../../adapters/sip/wire-serialize';
import { parseSip } from '../../adapters/sip/wire-validate';

export interface SipSendOptions {
  readonly host: string;
  readonly port: number;
  readonly transport: 'UDP' | 'TCP';
  readonly from: Address;
  readonly to: Address;
  readonly content: Content;
  readonly subject?: string;
  readonly maxForwards?: number;
  /** A received-trace to send (lab use: show loop detection), as the Switchboard-Trace header. */
  readonly trace?: readonly string[];
  /** Overall bound on the wait for a final response (Timer F is 64*T1 = 32 s). */
  readonly timeoutMs: number;
}

export interface SipSendResult {
  readonly outcome: Outcome;
  /** The final response's status line, when one came. */
  readonly status?: number;
  readonly reason?: string;
  /** The received-trace from the response's Switchboard-Trace header, when present. */
  readonly trace?: readonly string[];
  /** Provisional responses seen before the final one. */
  readonly provisional: readonly number[];
}

const hex = (n: number): string => randomBytes(n).toString('hex');
const isLoopback = (h: string): boolean => h === 'localhost' || /^127\./.test(h) || h === '::1';

function request(o: SipSendOptions, local: { host: string; port: number }, ids: { branch: string; callId: string; tag: string }): Buffer {
  const headers: HeaderPair[] = o.subject !== undefined ? [['Subject', o.subject.replace(/[\r\n]+/g, ' ')]] : [];
  if (o.trace?.length) headers.push([TRACE_HEADER, formatTrace(o.trace)]);
  return buildRequest({
    method: 'MESSAGE', uri: sipUriFor(o.to),
    via: { transport: o.transport, host: local.host, port: local.port, branch: ids.branch },
    from: `<${sipUriFor(o.from)}>;tag=${ids.tag}`, to: `<${sipUriFor(o.to)}>`,
    callId: ids.callId, cseq: 1, maxForwards: o.maxForwards ?? DEFAULT_MAX_FORWARDS,
    headers: [...headers, ['User-Agent', 'switchboard-send']],
    body: { type: o.content.type, bytes: o.content.bytes },
  });
}

/** Reads one received datagram or framed message: a final response to our request, or nothing. */
function answer(bytes: Buffer, callId: string, datagram: boolean): { status: number; reason: string; trace?: string[] } | undefined {
  const p = parseSip(bytes, datagram);
  if (!p.ok || p.message.kind !== 'response') return undefined;
  const r = p.message;
  if (r.callId !== callId || r.cseq.method !== 'MESSAGE') return undefined;
  const values = headerValues(r, TRACE_HEADER.toLowerCase());
  let trace: string[] | undefined;
  try {
    trace = values.length ? parseTrace(values.join(', ')) : undefined;
  } catch {
    trace = undefined;
  }
  return { status: r.status, reason: r.reason, ...(trace ? { trace } : {}) };
}

function finish(status: number, reason: string, trace: string[] | undefined, provisional: number[]): SipSendResult {
  return { outcome: statusToOutcome(status, reason), status, reason, ...(trace ? { trace } : {}), provisional };
}

/** Sends the MESSAGE and waits (bounded) for the final response. */
export function sendSipMessage(o: SipSendOptions): Promise<SipSendResult> {
  return o.transport === 'UDP' ? sendUdp(o) : sendTcp(o);
}

function sendUdp(o: SipSendOptions): Promise<SipSendResult> {
  return new Promise((resolve, reject) => {
    const v6 = o.host.includes(':');
    const sock = createSocket(v6 ? 'udp6' : 'udp4');
    const ids = { branch: `${MAGIC_COOKIE}${hex(8)}`, callId: `${hex(12)}@switchboard-send`, tag: hex(6) };
    const provisional: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    let interval: number = TIMERS.T1;
    let settled = false;
    const done = (err: Error | undefined, r?: SipSendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      sock.close();
      if (err) reject(err); else resolve(r!);
    };
    const deadline = setTimeout(() => done(undefined, { outcome: { status: 'indeterminate', reason: `no final response within ${o.timeoutMs} ms (RFC 3261 Timer F)` }, provisional }), o.timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('message', (msg) => {
      const a = answer(msg, ids.callId, true);
      if (!a) return;
      if (a.status < 200) {
        provisional.push(a.status);
        // RFC 3261 17.1.2.2: after a provisional response, retransmit every T2.
        interval = TIMERS.T2;
        return;
      }
      done(undefined, finish(a.status, a.reason, a.trace, provisional));
    });
    sock.bind(0, isLoopback(o.host) ? (v6 ? '::1' : '127.0.0.1') : undefined, () => {
      const addr = sock.address();
      const bytes = request(o, { host: isLoopback(o.host) ? addr.address : localHostFor(addr.address), port: addr.port }, ids);
      const send = (): void => {
        if (settled) return;
        sock.send(bytes, o.port, o.host, (e) => { if (e) done(e); });
        // RFC 3261 17.1.2.2 Timer E: T1, doubling, capped at T2.
        timer = setTimeout(send, interval);
        interval = Math.min(interval * 2, TIMERS.T2);
      };
      send();
    });
  });
}

function localHostFor(bound: string): string {
  return bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
}

function sendTcp(o: SipSendOptions): Promise<SipSendResult> {
  return new Promise((resolve, reject) => {
    const ids = { branch: `${MAGIC_COOKIE}${hex(8)}`, callId: `${hex(12)}@switchboard-send`, tag: hex(6) };
    const provisional: number[] = [];
    const framer = new StreamFramer();
    let settled = false;
    const sock = connect({ host: o.host, port: o.port });
    const done = (err: Error | undefined, r?: SipSendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      sock.destroy();
      if (err) reject(err); else resolve(r!);
    };
    const deadline = setTimeout(() => done(undefined, { outcome: { status: 'indeterminate', reason: `no final response within ${o.timeoutMs} ms` }, provisional }), o.timeoutMs);
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error('the gateway closed the TCP connection before a final response')));
    sock.on('connect', () => {
      sock.write(request(o, { host: sock.localAddress ?? '127.0.0.1', port: sock.localPort ?? 0 }, ids));
    });
    sock.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind === 'fatal') { done(new Error(`unreadable response from the gateway: ${f.error.phrase}`)); return; }
        const a = answer(f.bytes, ids.callId, false);
        if (!a) continue;
        if (a.status < 200) { provisional.push(a.status); continue; }
        done(undefined, finish(a.status, a.reason, a.trace, provisional));
        return;
      }
    });
  });
}
