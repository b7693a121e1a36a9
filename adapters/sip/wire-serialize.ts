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
 * A response to `req`. RFC 3261 8.2.6.2: "The From field of the response MUST equal the From
 * header field of the request. The Call-ID ... CSeq ... Via header field values in the response
 * MUST equal the Via header field values in the request and MUST maintain the same ordering."
 * `toTag` is added when the request's To has none ("the UAS MUST add a tag", except for 100).
 * `received` applies RFC 3261 18.2.1 (received=) and RFC 3581 (rport) to the topmost Via.
 */
export function buildResponse(
  req: Pick<SipMessage, 'headers'>,
  status: number,
  phrase: string,
  opts: { toTag?: string; headers?: readonly HeaderPair[]; body?: { type: string; bytes: Uint8Array }; received?: { address: string; port: number } } = {},
): Buffer {
  // One pass over the request's fields and one string: this runs once per relayed MESSAGE.
  let vias = '';
  let from: string | undefined;
  let to: string | undefined;
  let callId: string | undefined;
  let cseq: string | undefined;
  for (const h of req.headers) {
    switch (h.name) {
      case 'via': vias += `Via: ${vias === '' && opts.received ? withReceived(h.value, opts.received) : h.value}\r\n`; break;
      case 'from': from ??= h.value; break;
      case 'to': to ??= h.value; break;
      case 'call-id': callId ??= h.value; break;
      case 'cseq': cseq ??= h.value; break;
    }
  }
  let text = `SIP/2.0 ${status} ${/[\r\n]/.test(phrase) ? phrase.replace(/[\r\n]/g, ' ') : phrase}\r\n${vias}`;
  if (from !== undefined) text += `From: ${from}\r\n`;
  if (to !== undefined) text += `To: ${to}${status > 100 && opts.toTag && !/;\s*tag\s*=/i.test(to) ? `;tag=${opts.toTag}` : ''}\r\n`;
  if (callId !== undefined) text += `Call-ID: ${callId}\r\n`;
  if (cseq !== undefined) text += `CSeq: ${cseq}\r\n`;
  if (opts.headers) for (const [n, v] of opts.headers) text += `${n}: ${v}\r\n`;
  if (!opts.body) return Buffer.from(`${text}Content-Length: 0\r\n\r\n`, 'utf8');
  text += `Content-Type: ${opts.body.type}\r\nContent-Length: ${opts.body.bytes.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(text, 'utf8'), opts.body.bytes]);
}

/** Adds received= (and fills an empty rport) on the topmost Via value, leaving the rest as received. */
function withReceived(via: string, r: { address: string; port: number }): string {
  // The first value of a comma-combined Via is the topmost.
  const comma = firstTopLevelComma(via);
  const head = comma >= 0 ? via.slice(0, comma) : via;
  const trailing = /[ \t]*$/.exec(head)?.[0] ?? '';
  const rest = trailing + (comma >= 0 ? via.slice(comma) : '');
  let out = head.slice(0, head.length - trailing.length);
  if (/;\s*rport(?=\s*(;|$))/i.test(out)) out = out.replace(/;\s*rport(?=\s*(;|$))/i, `;rport=${r.port}`);
  if (!/;\s*received\s*=/i.test(out)) out += `;received=${r.address}`;
  return out + rest;
}

function firstTopLevelComma(s: string): number {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (c === '\\' && q) i++;
    else if (c === ',' && !q) return i;
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
