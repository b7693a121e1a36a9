/**
 * SIP message framing and splitting (RFC 3261 section 7): start line, header fields (unfolded,
 * compact forms expanded), and the body as the exact received bytes. Strict where RFC 3261 and
 * RFC 4475 are strict; every fault becomes a SipWireError naming it. Header-value grammar is in
 * wire-grammar.ts, whole-message validation in wire-validate.ts. Pure: no I/O.
 */
import { isUtf8 } from 'node:buffer';
import { SipWireError, bad } from './wire-error';
import { isToken } from './wire-grammar';
import { checkAbsoluteUri, clip, parseSipUri, uriScheme, type SipUri } from './wire-uri';

/** One header field: `name` is the lower-cased long form; `value` unfolded, outer LWS trimmed. */
export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

interface Base {
  readonly headers: readonly SipHeader[];
  /** The body: a view over the received bytes, never re-encoded. */
  readonly body: Buffer;
  /** The whole message as received (for a datagram: without trailing extra octets). */
  readonly raw: Buffer;
}

export interface SipRequest extends Base {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  /** Parsed when the Request-URI scheme is sip: or sips:. */
  readonly sipUri?: SipUri;
  readonly uriScheme: string;
}

export interface SipResponse extends Base {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/**
 * The result of splitting: the message as far as it could be read, and the first fault found.
 * A request with a fault still carries its headers so that a 400 can copy Via/From/To/Call-ID/CSeq.
 */
export interface SplitResult {
  readonly message?: SipMessage;
  readonly fault?: SipWireError;
  /**
   * A datagram without the empty line that ends the header section: reported only when nothing
   * more specific is wrong (RFC 4475's archive copy of 3.1.2.15 ends this way).
   */
  readonly lateFault?: SipWireError;
}

/** Compact forms, RFC 3261 7.3.3 and the registered ones of later RFCs. */
const COMPACT: Readonly<Record<string, string>> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', u: 'allow-events',
  r: 'refer-to', b: 'referred-by', x: 'session-expires', y: 'identity', a: 'accept-contact',
  j: 'reject-contact', d: 'request-disposition',
};

export const LIMITS = Object.freeze({
  /** Largest message accepted on any transport; larger requests get 513 (RFC 3261 18.1.1/21.5.14). */
  maxMessageBytes: 65_535,
  /** Largest header section. */
  maxHeaderBytes: 16_384,
  maxHeaderFields: 200,
});

/** Case-insensitive lookup helpers over a message's header list. */
export function headerValues(msg: { headers: readonly SipHeader[] }, name: string): string[] {
  const out: string[] = [];
  for (const h of msg.headers) if (h.name === name) out.push(h.value);
  return out;
}

export function headerValue(msg: { headers: readonly SipHeader[] }, name: string): string | undefined {
  for (const h of msg.headers) if (h.name === name) return h.value;
  return undefined;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CTL_IN_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Splits one message. `datagram`: the buffer is one UDP datagram (extra octets after
 * Content-Length are discarded, RFC 3261 18.3); otherwise the buffer is exactly one framed
 * stream message (see wire-frame.ts).
 */
export function splitMessage(input: Buffer, datagram: boolean): SplitResult {
  let buf = input;
  // RFC 3261 7.5: "ignore any CRLF appearing before the start-line".
  let skip = 0;
  while (skip + 1 < buf.length && buf[skip] === 0x0d && buf[skip + 1] === 0x0a) skip += 2;
  if (skip) buf = buf.subarray(skip);
  if (buf.length > LIMITS.maxMessageBytes) return { fault: new SipWireError(513, 'Message Too Large') };
  let end = buf.indexOf(CRLFCRLF);
  let lateFault: SipWireError | undefined;
  if (end < 0) {
    if (!datagram || buf.length > LIMITS.maxHeaderBytes) return { fault: bad(buf.length > LIMITS.maxHeaderBytes ? 'Header section too large' : 'No empty line ending the header section') };
    lateFault = bad('No empty line ending the header section');
    end = buf.length >= 2 && buf[buf.length - 2] === 0x0d && buf[buf.length - 1] === 0x0a ? buf.length - 2 : buf.length;
  }
  if (end > LIMITS.maxHeaderBytes) return { fault: new SipWireError(513, 'Message Too Large (header section)') };
  const head = buf.subarray(0, end);
  if (!isUtf8(head)) return { fault: bad('Header section is not valid UTF-8') };
  const text = head.toString('utf8');
  const lines = text.split('\r\n');
  let fault: SipWireError | undefined;
  const note = (e: SipWireError): void => { fault ??= e; };
  // One scan for a CR or LF outside a CRLF pair; only then is each line looked at for one.
  const bare = hasBareCrOrLf(text);

  const startLine = lines[0] ?? '';
  if (bare && /[\r\n]/.test(startLine)) note(bad('Bare CR or LF in start line'));
  const headers: SipHeader[] = [];
  let current: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (bare && /[\r\n]/.test(line)) { note(bad('Bare CR or LF in header section')); continue; }
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      if (current === undefined) { note(bad('Continuation line before the first header field')); continue; }
      // RFC 3261 7.3.1: folding (CRLF followed by WSP) is replaced by a single SP.
      current += ' ' + line.slice(skipLws(line, 0));
      continue;
    }
    if (current !== undefined) addHeader(current, headers, note);
    current = line;
    if (headers.length >= LIMITS.maxHeaderFields) { note(new SipWireError(513, 'Message Too Large (too many header fields)')); break; }
  }
  if (current !== undefined) addHeader(current, headers, note);

  // Body framing by Content-Length (RFC 3261 18.3, RFC 4475 3.1.2.2/3.1.2.3/3.3.9).
  const bodyStart = Math.min(end + 4, buf.length);
  const available = buf.length - bodyStart;
  const cls = headerValues({ headers }, 'content-length');
  let bodyLength = datagram ? available : 0;
  if (cls.length > 1) note(bad('Multiple Content-Length header fields'));
  else if (cls.length === 1) {
    const v = cls[0]!;
    if (!/^[0-9]{1,10}$/.test(v)) note(bad('Content-Length is not a non-negative integer'));
    else if (Number(v) > available) note(bad('Content-Length larger than the message'));
    else bodyLength = Number(v);
  } else if (!datagram) note(bad('Missing Content-Length on a stream transport'));
  const body = buf.subarray(bodyStart, bodyStart + bodyLength);
  const raw = buf.subarray(0, bodyStart + bodyLength);

  for (const h of headers) {
    if (!KNOWN.has(h.name) && CTL_IN_VALUE.test(h.value)) { note(bad(`Control character in header field ${h.name}`)); break; }
  }

  if (startLine.startsWith('SIP/') || startLine.startsWith('sip/')) {
    const m = /^SIP\/2\.0 ([0-9]{3}) ([^\x00-\x08\x0a-\x1f\x7f]*)$/i.exec(startLine);
    if (!m) return { fault: fault ?? bad('Malformed status line') };
    const status = Number(m[1]);
    if (status < 100 || status > 699) return { fault: bad('Status code out of range') };
    return { message: { kind: 'response', status, reason: m[2]!, headers, body, raw }, ...(fault ? { fault } : {}), ...(lateFault ? { lateFault } : {}) };
  }

  const parts = startLine.split(' ');
  const method = parts[0] ?? '';
  const uri = parts[1] ?? '';
  const version = parts[2] ?? '';
  let scheme = '';
  let sipUri: SipUri | undefined;
  let lineFault: SipWireError | undefined;
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    lineFault = bad(parts.length > 3 && /^SIP\/\d+\.\d+$/i.test(parts[parts.length - 1] ?? '') && !parts.includes('')
      ? 'Request-URI contains white space'
      : 'Malformed Request-Line: expected Method SP Request-URI SP SIP-Version');
  } else if (!isToken(method)) lineFault = bad('Malformed method');
  else if (version !== 'SIP/2.0' && !/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) lineFault = bad('Malformed SIP-Version');
  else if (version !== 'SIP/2.0' && !/^SIP\/2\.0$/i.test(version)) lineFault = new SipWireError(505, 'Version Not Supported');
  else if (uri.startsWith('<')) lineFault = bad('Request-URI enclosed in <>');
  else {
    try {
      scheme = uriScheme(uri);
      if (scheme === 'sip' || scheme === 'sips') sipUri = parseSipUri(uri, { inRequestLine: true });
      else checkAbsoluteUri(uri);
    } catch (e) {
      lineFault = e instanceof SipWireError ? new SipWireError(400, `Malformed Request-URI: ${e.phrase}`) : bad('Malformed Request-URI');
    }
  }
  const message: SipRequest = { kind: 'request', method, uri, sipUri, uriScheme: scheme, headers, body, raw };
  const first = lineFault ?? fault;
  if (!first && !lateFault) return { message };
  return { message, ...(first ? { fault: first } : {}), ...(lateFault ? { lateFault } : {}) };
}

/** True when `s` holds a CR not followed by LF, or an LF not preceded by CR. */
function hasBareCrOrLf(s: string): boolean {
  for (let i = s.indexOf('\r'); i >= 0; i = s.indexOf('\r', i + 2)) if (s.charCodeAt(i + 1) !== 0x0a) return true;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) if (s.charCodeAt(i - 1) !== 0x0d) return true;
  return false;
}

/** Index of the first character at or after `i` that is not SP or HTAB. */
function skipLws(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  return i;
}

/** Index after the last character before `end` that is not SP or HTAB. */
function trimLwsEnd(s: string, start: number, end: number): number {
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return end;
}

/**
 * Header names as they usually arrive, mapped to their lower-cased long form: a hit skips the
 * token check and the case folding (a fixed table, so it cannot grow with input).
 */
const NAME_CACHE: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const names = ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'Call-Id', 'CSeq', 'Contact', 'Content-Type', 'Content-Length',
    'Expires', 'Event', 'Subscription-State', 'Accept', 'Allow', 'Supported', 'Require', 'Record-Route', 'Route', 'User-Agent',
    'Server', 'Allow-Events', 'SIP-ETag', 'SIP-If-Match', 'Min-Expires', 'Date', 'Subject', 'Content-Encoding'];
  for (const n of names) { m.set(n, n.toLowerCase()); m.set(n.toLowerCase(), n.toLowerCase()); }
  for (const [k, v] of Object.entries(COMPACT)) { m.set(k, v); m.set(k.toUpperCase(), v); }
  return m;
})();

/** One unfolded header line -> a SipHeader (name lower-cased long form, value LWS-trimmed). */
function addHeader(line: string, headers: SipHeader[], note: (e: SipWireError) => void): void {
  const colon = line.indexOf(':');
  if (colon < 0) { note(bad(`Header line without colon: ${clip(line)}`)); return; }
  const rawName = line.slice(0, trimLwsEnd(line, 0, colon));
  let name = NAME_CACHE.get(rawName);
  if (name === undefined) {
    if (!isToken(rawName)) { note(bad(`Malformed header name ${clip(rawName)}`)); return; }
    const lower = rawName.toLowerCase();
    name = COMPACT[lower] ?? lower;
  }
  const from = skipLws(line, colon + 1);
  headers.push({ name, value: line.slice(from, trimLwsEnd(line, from, line.length)) });
}

/** Header fields with their own grammar in wire-grammar.ts (checked there, not as plain text). */
const KNOWN = new Set([
  'via', 'from', 'to', 'call-id', 'cseq', 'contact', 'route', 'record-route', 'max-forwards',
  'content-length', 'content-type', 'accept', 'date', 'expires', 'min-expires', 'require',
  'proxy-require', 'supported', 'event', 'subscription-state',
]);
