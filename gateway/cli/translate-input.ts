/**
 * `switchboard translate`, input side: recognise a captured SIP MESSAGE, XMPP <message/> stanza,
 * JSON message request body or bare message/cpim, and turn it into the canonical MessageOp with
 * the receiving adapter's own to-canonical functions, so the result is what the gateway itself
 * would route. No network; ids come from the input or from its hash, the clock from --date.
 *
 * Bodies stay the exact input bytes (subarrays), never decoded and re-encoded: RFC 3862 section 6,
 * "an intermediate gateway MUST NOT change the Message/CPIM content in any way".
 */
import { createHash } from 'node:crypto';
import type { Address } from '../../canonical/address';
import { parseCpim } from '../../canonical/cpim';
import type { MessageOp } from '../../canonical/operations';
import { DEFAULT_MAX_FORWARDS } from '../../canonical/trace';
import { checkCpim, cpimBodyToRequest, messageToOp, toAddress } from '../../adapters/json/to-canonical';
import { parseJsonBytes, parseMessageRequest } from '../../adapters/json/wire';
import { checkRequestPolicy } from '../../adapters/sip/request-policy';
import { sipMessageToOp } from '../../adapters/sip/to-canonical';
import { SipWireError } from '../../adapters/sip/wire-error';
import { parseSip } from '../../adapters/sip/wire-validate';
import { xmppStanzaToOp } from './translate-xmpp';

export type InputKind = 'sip' | 'xmpp' | 'json' | 'cpim';
export const INPUT_KINDS: readonly InputKind[] = ['sip', 'xmpp', 'json', 'cpim'];

/** Input the gateway would refuse as malformed; the message names the fault (exit 2). */
export class TranslateInputError extends Error {}

export interface InputOptions {
  /** Sender of a JSON request body (the JSON protocol takes it from the bearer token, not the body). */
  readonly from?: string;
  /** Recipient of a bare CPIM message with no To header, or of a raw CPIM body posted with ?to=. */
  readonly to?: string;
  /** The gateway's hop budget for requests that carry none (config gateway.maxForwards). */
  readonly maxForwards?: number;
  /** The gateway's XMPP component domains (for unescaping user%other.dom JIDs). */
  readonly gatewayDomains?: readonly string[];
  /** RFC 3339 arrival time, where the receiving adapter would read its clock (--date). */
  readonly now: string;
}

const SIP_REQUEST_LINE = /^[A-Za-z!%*_+`'~.-]+ [^ \r\n]+ SIP\/[0-9]+\.[0-9]+\r?\n/;
const SIP_STATUS_LINE = /^SIP\/[0-9]+\.[0-9]+ /i;
const HEADER_LINE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/;

/** Recognises the kind from the first bytes (a few hundred are enough; nothing is decoded past them). */
export function detectKind(bytes: Uint8Array): InputKind {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + i, Math.min(bytes.length - i, 512)).toString('latin1');
  if (head.length === 0) throw new TranslateInputError('the input is empty');
  if (head.startsWith('{')) return 'json';
  if (head.startsWith('<')) return 'xmpp';
  if (SIP_STATUS_LINE.test(head)) throw new TranslateInputError('the input is a SIP response; translate takes requests (a MESSAGE)');
  if (SIP_REQUEST_LINE.test(head)) return 'sip';
  if (HEADER_LINE.test(head)) return 'cpim';
  throw new TranslateInputError('cannot tell what the input is: expected a SIP MESSAGE, an XMPP <message/>, a JSON object or a message/cpim');
}

const hashId = (prefix: string, bytes: Uint8Array): string => `${prefix}:${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`;

/** A SIP MESSAGE, parsed as strictly as the SIP adapter parses what it receives. */
function fromSip(bytes: Uint8Array): MessageOp {
  // A capture is one datagram's worth: octets past Content-Length are discarded (RFC 3261 18.3).
  const parsed = parseSip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), true);
  if (!parsed.ok) throw new TranslateInputError(`SIP ${parsed.error.status} ${parsed.error.phrase}`);
  const m = parsed.message;
  if (m.kind !== 'request') throw new TranslateInputError('the input is a SIP response; translate takes requests (a MESSAGE)');
  if (m.method !== 'MESSAGE') throw new TranslateInputError(`a SIP ${m.method} request; translate takes MESSAGE (RFC 3428)`);
  const policy = checkRequestPolicy(m);
  if (policy) throw new TranslateInputError(`SIP ${policy.status} ${policy.phrase}`);
  try {
    return sipMessageToOp(m, { transactionId: m.via[0]?.branch ?? m.callId, sourceId: 'translate' });
  } catch (e) {
    if (e instanceof SipWireError) throw new TranslateInputError(`SIP ${e.status} ${e.phrase}`);
    throw e;
  }
}

/** A JSON POST /v1/messages body; the sender is --from, as the bearer token would name it. */
function fromJson(bytes: Uint8Array, opts: InputOptions): MessageOp {
  if (opts.from === undefined) throw new TranslateInputError('a JSON request body has no sender (the JSON protocol takes it from the token): give --from ADDRESS');
  const sender = toAddress(opts.from, '--from');
  const req = parseMessageRequest(parseJsonBytes(bytes), 1_048_576);
  // As the JSON adapter does: a CPIM's From must be the sender (RFC 2779 5.4.3).
  if (req.cpim) checkCpim(req.cpim, sender, 'cpim');
  const id = req.id !== undefined ? `json:${req.id}` : hashId('json', bytes);
  return messageToOp(req, sender, { id, transactionId: id, maxForwards: opts.maxForwards ?? DEFAULT_MAX_FORWARDS }, opts.now);
}

function cpimAddress(uri: string, header: string): Address {
  try {
    return toAddress(uri, header);
  } catch (e) {
    throw new TranslateInputError(`CPIM ${header} ${JSON.stringify(uri.slice(0, 80))} is not an address: ${(e as Error).message}`);
  }
}

/**
 * A bare message/cpim (or one with its MIME header `Content-type: Message/CPIM`), taken the way
 * the JSON adapter takes a raw message/cpim body: the whole CPIM is the content, unchanged. The
 * sender and recipient are the CPIM From and To (RFC 3862 3.1, 3.2: "the sender of the message"
 * / "the intended recipient"), or --from/--to when it has none.
 */
function fromCpim(bytes: Uint8Array, opts: InputOptions): MessageOp {
  const msg = parseCpim(bytes);
  // With a MIME header block in front, the content is what follows it (the CPIM itself).
  const cpim = msg.mimeHeaders ? bytes.subarray(msg.headers[0]?.start ?? msg.content.offset) : bytes;
  const fromUri = msg.from?.uri ?? opts.from;
  const toUri = msg.to[0]?.uri ?? opts.to;
  if (fromUri === undefined) throw new TranslateInputError('the CPIM message has no From header: give --from ADDRESS');
  if (toUri === undefined) throw new TranslateInputError('the CPIM message has no To header: give --to ADDRESS');
  const sender = cpimAddress(opts.from ?? fromUri, opts.from !== undefined ? '--from' : 'From');
  cpimAddress(toUri, 'To');
  checkCpim(cpim, sender, 'body');
  const id = msg.imdn.messageId !== undefined ? `cpim:${msg.imdn.messageId}` : hashId('cpim', bytes);
  const dateTime = msg.dateTime ? new Date(msg.dateTime.epochMs).toISOString() : opts.now;
  return messageToOp(cpimBodyToRequest(cpim, toUri), sender, { id, transactionId: id, maxForwards: opts.maxForwards ?? DEFAULT_MAX_FORWARDS }, dateTime);
}

/** Converts the input to the canonical message the receiving adapter would hand the router. */
export function inputToOp(bytes: Uint8Array, kind: InputKind, opts: InputOptions): MessageOp {
  switch (kind) {
    case 'sip': return fromSip(bytes);
    case 'json': return fromJson(bytes, opts);
    case 'cpim': return fromCpim(bytes, opts);
    case 'xmpp': return xmppStanzaToOp(bytes, { maxForwards: opts.maxForwards ?? DEFAULT_MAX_FORWARDS, gatewayDomains: opts.gatewayDomains ?? [], now: opts.now });
  }
}
