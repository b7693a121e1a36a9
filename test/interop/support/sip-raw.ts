/**
 * A minimal SIP user agent over a Node UDP socket, for the one thing sipsak and SIPp cannot do:
 * carry a body with NUL bytes (binary DER: application/pkcs7-mime). Both read the body as a C
 * string — sipsak sends `ab` of `ab\0cd`, SIPp's message log stops at the NUL — so the matrix uses
 * this only for binary bodies; every other SIP exchange is a real sipsak or SIPp.
 * Bounded: one request, one final response, a time limit.
 */
import { createSocket } from 'node:dgram';
import type { LoggedRequest } from '../../support/sip-log';

/** True when sipsak/SIPp cannot carry these bytes. */
export const needsRawSip = (body: Uint8Array): boolean => body.includes(0);

function split(d: Buffer): { head: string; body: Buffer } {
  const end = d.indexOf('\r\n\r\n');
  return { head: d.subarray(0, end + 2).toString('latin1'), body: d.subarray(end + 4) };
}

/** Sends one request datagram to 127.0.0.1:port; resolves with the first final status (>= 200). */
export function rawSipRequest(port: number, request: Buffer, timeoutMs = 8000): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error(`no final SIP response within ${timeoutMs} ms`)); }, timeoutMs);
    s.on('message', (d) => {
      const code = Number(/^SIP\/2\.0 (\d{3}) /.exec(d.toString('latin1'))?.[1]);
      if (code >= 200) { clearTimeout(timer); s.close(); resolve(code); }
    });
    s.once('error', (e) => { clearTimeout(timer); s.close(); reject(e); });
    s.bind(0, '127.0.0.1', () => {
      const { port: local } = s.address();
      // RFC 3261 18.1.1: the Via names where responses go.
      const via = `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-raw${Math.random().toString(36).slice(2)};rport\r\n`;
      const i = request.indexOf('\r\n') + 2;
      s.send(Buffer.concat([request.subarray(0, i), Buffer.from(via), request.subarray(i)]), port, '127.0.0.1');
    });
  });
}

/** Listens on 127.0.0.1:port for one MESSAGE, answers 200 OK, and resolves with it. */
export function rawSipUas(port: number, timeoutMs = 10_000): Promise<{ ready: Promise<void>; done: Promise<LoggedRequest> }> {
  const s = createSocket('udp4');
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  const done = new Promise<LoggedRequest>((resolve, reject) => {
    const timer = setTimeout(() => { s.close(); reject(new Error(`no MESSAGE on UDP ${port} within ${timeoutMs} ms`)); }, timeoutMs);
    s.on('message', (d, rinfo) => {
      const { head, body } = split(d);
      if (!/^MESSAGE /.test(head)) return;
      const pick = (n: string): string[] => head.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${n.toLowerCase()}:`));
      const resp = ['SIP/2.0 200 OK', ...pick('Via'), ...pick('From'), ...pick('To').map((t) => `${t};tag=raw1`), ...pick('Call-ID'), ...pick('CSeq'), 'Content-Length: 0', '', ''].join('\r\n');
      s.send(Buffer.from(resp, 'latin1'), rinfo.port, rinfo.address, () => {
        clearTimeout(timer);
        s.close();
        const len = Number(/\r\nContent-Length: *(\d+)/i.exec(head)?.[1] ?? '0');
        resolve({ head, body: Buffer.from(body.subarray(0, len)) });
      });
    });
    s.once('error', (e) => { clearTimeout(timer); s.close(); reject(e); });
  });
  s.bind(port, '127.0.0.1', () => readyResolve());
  return Promise.resolve({ ready, done });
}
