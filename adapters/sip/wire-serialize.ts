/**
 * Serializing messages the adapter itself creates: responses (RFC 3261 8.2.6) and requests
 * (RFC 3261 8.1.1). Bodies are appended as the exact bytes given; nothing relayed is re-encoded.
 * Pure: no I/O.
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import type { SipMessage } from './wire-message';

export type HeaderPair = readonly [string, string];

/** RFC 3261 8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST always begin with the characters z9hG4bK". */
export const MAGIC_COOKIE = 'z9hG4bK';

/** Random bytes drawn 4 KB at a time: a randomBytes call per tag and branch showed in profiles. */
const POOL = Buffer.alloc(4096);
let poolAt = POOL.length;

/**
 * Hex of `bytes` cryptographically random bytes, for tags, branches and Call-IDs. RFC 3261 19.3:
 * a tag "MUST be globally unique and cryptographically random with at least 32 bits of
 * randomness"; the pool is filled from the CSPRNG and no byte is handed out twice.
 */
export function randomToken(bytes = 8): string {
  if (bytes > POOL.length) return randomBytes(bytes).toString('hex');
  if (poolAt + bytes > POOL.length) { randomFillSync(POOL); poolAt = 0; }
  const s = POOL.toString('hex', poolAt, poolAt + bytes);
  poolAt += bytes;
  return s;
}

const EMPTY = Buffer.alloc(0);

/**
 * What a final response copies from its request (RFC 3261 8.2.6.2: "The From field of the
 * response MUST equal the From header field of the request. The Call-ID ... CSeq ... Via header
 * field values in the response MUST equal the Via header field values in the request and MUST
 * maintain the same ordering"), serialized once as one flat string. A MESSAGE waits about 250 ms
 * for its outcome (XMPP's error window); holding parsed header objects meanwhile kept the whole
 * message text alive through their sliced values (issue 7 heap snapshot: 7 MB of message texts
 * at 4,000 msg/s). This holds only the bytes the response repeats.
 */
export interface ResponseBasis {
  /** "Via: ...\r\n" lines (received= applied), "From: ...\r\n", "To: ...\r\n", "Call-ID: ...\r\n", "CSeq: ...\r\n". */
  readonly text: string;
  /** Where the To value ends in `text` (a tag is inserted there); -1 when the request had no To. */
  readonly toEnd: number;
  /** The request's To already carries a tag. */
  readonly toTagged: boolean;
}

/**
 * The response basis of a request. `received` applies RFC 3261 18.2.1 (received=) and RFC 3581
 * (rport) to the topmost Via (the first Via field; its first value when comma-combined).
 * Missing fields are left out (a 400 to a request lacking one still copies the others).
 */
export function responseBasis(req: Pick<SipMessage, 'headers'>, received?: { readonly address: string; readonly port: number }): ResponseBasis {
  // One pass over the fields; the parts are joined once: Array.prototype.join writes one new
  // sequential string, which shares nothing with the received message (a `+` chain would be a
  // rope over its sliced values).
  const parts: string[] = [];
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  let firstVia = true;
  for (const h of req.headers) {
    switch (h.name) {
      case 'via':
        parts.push('Via: ', firstVia && received ? withReceived(h.value, received) : h.value, '\r\n');
        firstVia = false;
        break;
      case 'from': from ??= h.value; break;
      case 'to': to ??= h.value; break;
      case 'call-id': callId ??= h.value; break;
      case 'cseq': cseq ??= h.value; break;
    }
  }
  if (from !== undefined) parts.push('From: ', from, '\r\n');
  let toEnd = -1;
  if (to !== undefined) {
    parts.push('To: ', to);
    toEnd = 0;
    for (const p of parts) toEnd += p.length;
    parts.push('\r\n');
  }
  if (callId !== undefined) parts.push('Call-ID: ', callId, '\r\n');
  if (cseq !== undefined) parts.push('CSeq: ', cseq, '\r\n');
  return { text: parts.join(''), toEnd, toTagged: to !== undefined && TAG_RE.test(to) };
}

const TAG_RE = /;\s*tag\s*=/i;

/** Header fields and body of a response beyond what it copies from the request. */
export interface ResponseExtras {
  /** Added to a To without a tag ("the UAS MUST add a tag", RFC 3261 8.2.6.2), except for 100. */
  readonly toTag?: string;
  readonly headers?: readonly HeaderPair[];
  /** Header lines already serialized ("Name: value\r\n"...), after `headers`. */
  readonly lines?: string;
  readonly body?: { readonly type: string; readonly bytes: Uint8Array };
}

/**
 * A response from its basis: one string and one Buffer (the 202 to a relayed MESSAGE is built
 * once per message; parsed header objects and a header-pair array per response showed in
 * profiles).
 */
export function buildResponseFrom(basis: ResponseBasis, status: number, phrase: string, x: ResponseExtras = {}): Buffer {
  let text = 'SIP/2.0 ' + status + ' ' + (/[\r\n]/.test(phrase) ? phrase.replace(/[\r\n]/g, ' ') : phrase) + '\r\n';
  text += status > 100 && x.toTag && basis.toEnd >= 0 && !basis.toTagged
    ? basis.text.slice(0, basis.toEnd) + ';tag=' + x.toTag + basis.text.slice(basis.toEnd)
    : basis.text;
  if (x.headers) for (const [n, v] of x.headers) text += n + ': ' + v + '\r\n';
  if (x.lines) text += x.lines;
  if (!x.body) return Buffer.from(text + 'Content-Length: 0\r\n\r\n', 'utf8');
  text += 'Content-Type: ' + x.body.type + '\r\nContent-Length: ' + x.body.bytes.length + '\r\n\r\n';
  return Buffer.concat([Buffer.from(text, 'utf8'), x.body.bytes]);
}

/**
 * A response to `req` (RFC 3261 8.2.6): its basis (see responseBasis) and the extras.
 * `toTag` is added when the request's To has none ("the UAS MUST add a tag", except for 100).
 * `received` applies RFC 3261 18.2.1 (received=) and RFC 3581 (rport) to the topmost Via.
 */
export function buildResponse(
  req: Pick<SipMessage, 'headers'>,
  status: number,
  phrase: string,
  opts: ResponseExtras & { received?: { address: string; port: number } } = {},
): Buffer {
  return buildResponseFrom(responseBasis(req, opts.received), status, phrase, opts);
}

/** Adds received= (and fills an empty rport) on the topmost Via value, leaving the rest as received. */
function withReceived(via: string, r: { address: string; port: number }): string {
  // The first value of a comma-combined Via is the topmost.
  const comma = firstTopLevelComma(via);
  const headEnd = comma >= 0 ? comma : via.length;
  // Trailing LWS of the first value stays after the added parameters (a loop: the regex
  // /[ \t]*$/ tried every position of the value, 2% of the receive path).
  let end = headEnd;
  while (end > 0 && (via.charCodeAt(end - 1) === 0x20 || via.charCodeAt(end - 1) === 0x09)) end--;
  const rest = end === via.length ? '' : via.slice(end);
  let out = end === via.length ? via : via.slice(0, end);
  if (RPORT_RE.test(out)) out = out.replace(RPORT_RE, `;rport=${r.port}`);
  if (!RECEIVED_RE.test(out)) out += `;received=${r.address}`;
  return out + rest;
}

const RPORT_RE = /;\s*rport(?=\s*(;|$))/i;
const RECEIVED_RE = /;\s*received\s*=/i;

function firstTopLevelComma(s: string): number {
  // Only a quoted string can hide a comma: without '"' the first comma is the answer.
  if (s.indexOf('"') < 0) return s.indexOf(',');
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) q = !q;
    else if (c === 0x5c && q) i++;
    else if (c === 0x2c && !q) return i;
  }
  return -1;
}

export interface RequestSpec {
  readonly method: string;
  readonly uri: string;
  readonly via: { readonly transport: string; readonly host: string; readonly port: number; readonly branch: string };
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly maxForwards: number;
  readonly headers?: readonly HeaderPair[];
  readonly body?: { readonly type: string; readonly bytes: Uint8Array };
}

/** A request the adapter originates (RFC 3261 8.1.1: To, From, CSeq, Call-ID, Max-Forwards, Via). */
export function buildRequest(r: RequestSpec): Buffer {
  const lines = [
    `${r.method} ${r.uri} SIP/2.0`,
    `Via: SIP/2.0/${r.via.transport} ${r.via.host}:${r.via.port};branch=${r.via.branch};rport`,
    `Max-Forwards: ${r.maxForwards}`,
    `From: ${r.from}`,
    `To: ${r.to}`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${r.method}`,
  ];
  for (const [n, v] of r.headers ?? []) lines.push(`${n}: ${v}`);
  const body = r.body?.bytes ?? EMPTY;
  if (r.body) lines.push(`Content-Type: ${r.body.type}`);
  lines.push(`Content-Length: ${body.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'utf8'), body]);
}
