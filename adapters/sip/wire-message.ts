/**
 * SIP message framing and splitting (RFC 3261 section 7): start line, header fields (unfolded,
 * compact forms expanded), and the body as the exact received bytes. Strict where RFC 3261 and
 * RFC 4475 are strict; every fault becomes a SipWireError naming it. Header-value grammar is in
 * wire-grammar.ts, whole-message validation in wire-validate.ts. Pure: no I/O.
 */
import { isUtf8 } from 'node:buffer';
import { SipWireError, bad } from './wire-error';
import { isToken } from './wire-grammar';
import { Memo } from './memo';
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

/** A SipUri shared by messages (memo.ts), frozen with its parameters. */
export function freezeUri(u: SipUri): SipUri {
  Object.freeze(u.params);
  return Object.freeze(u);
}

/** Request-URIs repeat from message to message (every message to one recipient): memo.ts. */
const REQUEST_URI_MEMO = new Memo<SipUri>(512, (u) => freezeUri(parseSipUri(u, { inRequestLine: true })));

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
  const text = buf.toString('utf8', 0, end);
  // Invalid UTF-8 decodes to U+FFFD, so only a text holding one needs the strict check (a
  // one-byte string cannot hold it: V8 answers without a scan).
  if (text.indexOf('\uFFFD') >= 0 && !isUtf8(buf.subarray(0, end))) return { fault: bad('Header section is not valid UTF-8') };
  let fault: SipWireError | undefined;
  const note = (e: SipWireError): void => { fault ??= e; };
  // One scan for a CR or LF outside a CRLF pair; only then is each line looked at for one.
  const bare = hasBareCrOrLf(text);
  const headers: SipHeader[] = [];
  // The first control character in a field without its own grammar; reported after the framing
  // faults, as a check of the finished list would.
  const ctl: { fault?: SipWireError } = {};
  let startLine: string;
  if (bare) startLine = splitLines(text, headers, note, ctl);
  else {
    const eol = text.indexOf('\r\n');
    startLine = eol < 0 ? text : text.slice(0, eol);
    if (eol >= 0) scanFields(text, eol + 2, headers, note, ctl);
  }

  // Body framing by Content-Length (RFC 3261 18.3, RFC 4475 3.1.2.2/3.1.2.3/3.3.9).
  const bodyStart = Math.min(end + 4, buf.length);
  const available = buf.length - bodyStart;
  let clCount = 0;
  let cl = '';
  for (const h of headers) if (h.name === 'content-length') { clCount++; cl = h.value; }
  let bodyLength = datagram ? available : 0;
  if (clCount > 1) note(bad('Multiple Content-Length header fields'));
  else if (clCount === 1) {
    const v = cl;
    if (!/^[0-9]{1,10}$/.test(v)) note(bad('Content-Length is not a non-negative integer'));
    else if (Number(v) > available) note(bad('Content-Length larger than the message'));
    else bodyLength = Number(v);
  } else if (!datagram) note(bad('Missing Content-Length on a stream transport'));
  const body = buf.subarray(bodyStart, bodyStart + bodyLength);
  const raw = bodyStart + bodyLength === buf.length ? buf : buf.subarray(0, bodyStart + bodyLength);

  if (ctl.fault) note(ctl.fault);

  if (startLine.startsWith('SIP/') || startLine.startsWith('sip/')) {
    const m = /^SIP\/2\.0 ([0-9]{3}) ([^\x00-\x08\x0a-\x1f\x7f]*)$/i.exec(startLine);
    if (!m) return { fault: fault ?? bad('Malformed status line') };
    const status = Number(m[1]);
    if (status < 100 || status > 699) return { fault: bad('Status code out of range') };
    return { message: { kind: 'response', status, reason: m[2]!, headers, body, raw }, ...(fault ? { fault } : {}), ...(lateFault ? { lateFault } : {}) };
  }

  // Method SP Request-URI SP SIP-Version: three non-empty parts, found without a split.
  const sp1 = startLine.indexOf(' ');
  const sp2 = sp1 > 0 ? startLine.indexOf(' ', sp1 + 1) : -1;
  const wellSplit = sp2 > sp1 + 1 && sp2 < startLine.length - 1 && startLine.indexOf(' ', sp2 + 1) < 0;
  const parts = wellSplit ? undefined : startLine.split(' ');
  const method = parts ? parts[0] ?? '' : startLine.slice(0, sp1);
  const uri = parts ? parts[1] ?? '' : startLine.slice(sp1 + 1, sp2);
  const version = parts ? parts[2] ?? '' : startLine.slice(sp2 + 1);
  let scheme = '';
  let sipUri: SipUri | undefined;
  let lineFault: SipWireError | undefined;
  if (parts) {
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
      if (scheme === 'sip' || scheme === 'sips') sipUri = REQUEST_URI_MEMO.get(uri);
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

/**
 * The header fields of a text holding no bare CR or LF, by index: no array of lines, and a
 * field's name and value are the only strings cut from the text (the split of lines and a
 * substring per name cost a tenth of the parse, test/bench/micro/sip-receive.ts). Same fields,
 * faults and order as splitLines, which handles texts with bare CR or LF.
 */
function scanFields(text: string, pos: number, headers: SipHeader[], note: (e: SipWireError) => void, ctl: { fault?: SipWireError }): void {
  let curStart = -1;
  let curEnd = -1;
  /** The current field with its continuation lines, once it has any. */
  let folded: string | undefined;
  const flush = (): void => {
    if (folded !== undefined) addHeader(folded, headers, note, ctl);
    else addHeaderAt(text, curStart, curEnd, headers, note, ctl);
  };
  for (let guard = 0; guard <= LIMITS.maxHeaderBytes; guard++) {
    const eol = text.indexOf('\r\n', pos);
    const end = eol < 0 ? text.length : eol;
    const c0 = pos < end ? text.charCodeAt(pos) : -1;
    if (c0 === 0x20 || c0 === 0x09) {
      // RFC 3261 7.3.1: folding (CRLF followed by WSP) is replaced by a single SP.
      if (curStart < 0) note(bad('Continuation line before the first header field'));
      else folded = (folded ?? text.slice(curStart, curEnd)) + ' ' + text.slice(skipLwsTo(text, pos, end), end);
    } else {
      if (curStart >= 0) flush();
      curStart = pos;
      curEnd = end;
      folded = undefined;
      if (headers.length >= LIMITS.maxHeaderFields) { note(new SipWireError(513, 'Message Too Large (too many header fields)')); break; }
    }
    if (eol < 0) break;
    pos = eol + 2;
  }
  if (curStart >= 0) flush();
}

/** The start line and header fields of a text with a bare CR or LF (each such line is a fault). */
function splitLines(text: string, headers: SipHeader[], note: (e: SipWireError) => void, ctl: { fault?: SipWireError }): string {
  const lines = text.split('\r\n');
  const startLine = lines[0] ?? '';
  if (/[\r\n]/.test(startLine)) note(bad('Bare CR or LF in start line'));
  let current: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (/[\r\n]/.test(line)) { note(bad('Bare CR or LF in header section')); continue; }
    const c0 = line.charCodeAt(0);
    if (c0 === 0x20 || c0 === 0x09) {
      if (current === undefined) { note(bad('Continuation line before the first header field')); continue; }
      current += ' ' + line.slice(skipLws(line, 0));
      continue;
    }
    if (current !== undefined) addHeader(current, headers, note, ctl);
    current = line;
    if (headers.length >= LIMITS.maxHeaderFields) { note(new SipWireError(513, 'Message Too Large (too many header fields)')); break; }
  }
  if (current !== undefined) addHeader(current, headers, note, ctl);
  return startLine;
}

/** True when `s` holds a CR not followed by LF, or an LF not preceded by CR. */
function hasBareCrOrLf(s: string): boolean {
  for (let i = s.indexOf('\r'); i >= 0; i = s.indexOf('\r', i + 2)) if (s.charCodeAt(i + 1) !== 0x0a) return true;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) if (s.charCodeAt(i - 1) !== 0x0d) return true;
  return false;
}

/** Index of the first character at or after `i` that is not SP or HTAB. */
function skipLws(s: string, i: number): number {
  return skipLwsTo(s, i, s.length);
}

/** Index of the first character at or after `i` (before `end`) that is not SP or HTAB. */
function skipLwsTo(s: string, i: number, end: number): number {
  while (i < end && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  return i;
}

/** Index after the last character before `end` that is not SP or HTAB. */
function trimLwsEnd(s: string, start: number, end: number): number {
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return end;
}

/** Header fields with their own grammar in wire-grammar.ts (checked there, not as plain text). */
const KNOWN = new Set([
  'via', 'from', 'to', 'call-id', 'cseq', 'contact', 'route', 'record-route', 'max-forwards',
  'content-length', 'content-type', 'accept', 'date', 'expires', 'min-expires', 'require',
  'proxy-require', 'supported', 'event', 'subscription-state',
]);

/** A header name as written, its lower-cased long form, and whether wire-grammar.ts checks it. */
interface NameInfo { readonly text: string; readonly name: string; readonly known: boolean }

/**
 * Header names as they usually arrive, by length and first character: a hit skips the substring,
 * the token check and the case folding (a fixed table, so it cannot grow with input).
 */
const NAME_TABLE: ReadonlyMap<number, readonly NameInfo[]> = (() => {
  const m = new Map<number, NameInfo[]>();
  const add = (text: string, name: string): void => {
    const k = nameKey(text.length, text.charCodeAt(0));
    const list = m.get(k) ?? [];
    if (!list.some((i) => i.text === text)) list.push({ text, name, known: KNOWN.has(name) });
    m.set(k, list);
  };
  const names = ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'Call-Id', 'CSeq', 'Contact', 'Content-Type', 'Content-Length',
    'Expires', 'Event', 'Subscription-State', 'Accept', 'Allow', 'Supported', 'Require', 'Record-Route', 'Route', 'User-Agent',
    'Server', 'Allow-Events', 'SIP-ETag', 'SIP-If-Match', 'Min-Expires', 'Date', 'Subject', 'Content-Encoding'];
  for (const n of names) { add(n, n.toLowerCase()); add(n.toLowerCase(), n.toLowerCase()); }
  for (const [k, v] of Object.entries(COMPACT)) { add(k, v); add(k.toUpperCase(), v); }
  return m;
})();

function nameKey(length: number, firstChar: number): number {
  return length * 0x10000 + firstChar;
}

/** The table entry for the name text[start, end), if any. */
function knownName(text: string, start: number, end: number): NameInfo | undefined {
  const len = end - start;
  if (len === 0 || len > 32) return undefined;
  const list = NAME_TABLE.get(nameKey(len, text.charCodeAt(start)));
  if (list === undefined) return undefined;
  for (const info of list) if (text.startsWith(info.text, start)) return info;
  return undefined;
}

/** The header field text[start, end) -> a SipHeader (see addHeader). */
function addHeaderAt(text: string, start: number, end: number, headers: SipHeader[], note: (e: SipWireError) => void, ctl: { fault?: SipWireError }): void {
  const colon = text.indexOf(':', start);
  if (colon < 0 || colon >= end) { note(bad(`Header line without colon: ${clip(text.slice(start, end))}`)); return; }
  const nameEnd = trimLwsEnd(text, start, colon);
  const info = knownName(text, start, nameEnd);
  let name: string;
  let known: boolean;
  if (info !== undefined) { name = info.name; known = info.known; } else {
    const rawName = text.slice(start, nameEnd);
    if (!isToken(rawName)) { note(bad(`Malformed header name ${clip(rawName)}`)); return; }
    const lower = rawName.toLowerCase();
    name = COMPACT[lower] ?? lower;
    known = KNOWN.has(name);
  }
  const from = skipLwsTo(text, colon + 1, end);
  const value = text.slice(from, trimLwsEnd(text, from, end));
  if (!known && ctl.fault === undefined && CTL_IN_VALUE.test(value)) ctl.fault = bad(`Control character in header field ${name}`);
  headers.push({ name, value });
}

/** One unfolded header line -> a SipHeader (name lower-cased long form, value LWS-trimmed). */
function addHeader(line: string, headers: SipHeader[], note: (e: SipWireError) => void, ctl: { fault?: SipWireError }): void {
  addHeaderAt(line, 0, line.length, headers, note, ctl);
}
