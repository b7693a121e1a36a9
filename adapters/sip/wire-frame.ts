/**
 * Content-Length framing for stream transports (RFC 3261 18.3: "In the case of stream-oriented
 * transports such as TCP, the Content-Length header field indicates the size of the body. All
 * stream-oriented transports MUST use Content-Length"). A framing fault cannot be recovered on
 * that stream (RFC 4475 3.1.2.3: "the framing error is not recoverable, and the connection should
 * be closed"): the framer reports it once and stops, so one bad connection never disturbs another.
 * Pure: no I/O.
 */
import { SipWireError, bad } from './wire-error';
import { LIMITS } from './wire-message';

export type Frame =
  | { readonly kind: 'message'; readonly bytes: Buffer }
  /** Unrecoverable: answer (when `head` holds a readable header section) and close. */
  | { readonly kind: 'fatal'; readonly error: SipWireError; readonly head?: Buffer };

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  private dead = false;

  /** Bytes waiting for the rest of a message (a partial message has a time limit in the transport). */
  get pending(): number { return this.buf.length; }

  push(chunk: Buffer): Frame[] {
    if (this.dead) return [];
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    for (let guard = 0; guard < 1000; guard++) {
      // RFC 3261 7.5: CRLFs before the start line are ignored (also RFC 5626 keep-alives).
      let skip = 0;
      while (skip + 1 < this.buf.length && this.buf[skip] === 0x0d && this.buf[skip + 1] === 0x0a) skip += 2;
      if (skip) this.buf = this.buf.subarray(skip);
      if (this.buf.length === 0) break;
      const end = this.buf.indexOf(CRLFCRLF);
      if (end < 0) {
        if (this.buf.length > LIMITS.maxHeaderBytes) return this.fail(out, new SipWireError(513, 'Message Too Large (header section)'));
        break;
      }
      if (end > LIMITS.maxHeaderBytes) return this.fail(out, new SipWireError(513, 'Message Too Large (header section)'));
      const head = this.buf.subarray(0, end + 4);
      const cl = contentLength(head.toString('latin1'));
      if (typeof cl !== 'number') return this.fail(out, cl, head);
      if (end + 4 + cl > LIMITS.maxMessageBytes) return this.fail(out, new SipWireError(413, 'Request Entity Too Large'), head);
      if (this.buf.length < end + 4 + cl) break;
      out.push({ kind: 'message', bytes: this.buf.subarray(0, end + 4 + cl) });
      this.buf = this.buf.subarray(end + 4 + cl);
    }
    return out;
  }

  private fail(out: Frame[], error: SipWireError, head?: Buffer): Frame[] {
    this.dead = true;
    this.buf = Buffer.alloc(0);
    out.push({ kind: 'fatal', error, ...(head ? { head } : {}) });
    return out;
  }
}

/** The one Content-Length of a header section (long or compact form), or the fault. */
function contentLength(head: string): number | SipWireError {
  let found: string | undefined;
  let count = 0;
  for (const line of head.split('\r\n')) {
    const m = /^(content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/i.exec(line);
    if (m) { count++; found = m[2]; }
  }
  if (count === 0) return bad('Missing Content-Length on a stream transport');
  if (count > 1) return bad('Multiple Content-Length header fields');
  if (!/^[0-9]{1,10}$/.test(found ?? '')) return bad('Content-Length is not a non-negative integer');
  return Number(found);
}
