/**
 * Whole-request and whole-response validation: required and single-valued header fields, and the
 * strict grammar of every header field the adapter relies on. Produces the checked view the rest
 * of the adapter works with. Pure: no I/O.
 */
import { SipWireError, bad } from './wire-error';
import {
  checkCallId, checkDate, parseAccept, parseCSeq, parseDeltaSeconds, parseEvent, parseMaxForwardsValue,
  parseMediaType, parseNameAddrHeader, parseNameAddrList, parseSubscriptionState, parseTokenList, parseViaList,
  type MediaType, type NameAddr, type Via,
} from './wire-grammar';
import { headerValue, headerValues, splitMessage, type SipMessage, type SipRequest, type SipResponse } from './wire-message';

/** Methods this adapter knows (RFC 3261, 3428, 3903, 6665); others get 501. */
export const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'REGISTER', 'OPTIONS', 'INFO', 'PRACK', 'UPDATE', 'REFER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH']);

/** The fields every request and response must carry, checked. */
export interface Checked {
  readonly via: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: { readonly seq: number; readonly method: string };
  readonly maxForwards?: number;
  readonly contact?: readonly NameAddr[];
  readonly recordRoute?: readonly NameAddr[];
  readonly contentType?: MediaType;
  readonly accept?: readonly MediaType[];
  readonly expires?: number;
  readonly minExpires?: number;
  readonly require: readonly string[];
  readonly proxyRequire: readonly string[];
  readonly event?: { readonly type: string; readonly params: Readonly<Record<string, string>> };
  readonly subscriptionState?: { readonly state: string; readonly params: Readonly<Record<string, string>> };
}

export type CheckedRequest = SipRequest & Checked;
export type CheckedResponse = SipResponse & Checked;

/** RFC 3261 8.1.1 and 20: fields that appear at most once. */
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-type', 'expires', 'min-expires', 'date', 'event', 'subscription-state', 'sip-etag', 'sip-if-match'];
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

/** Checks the fields; throws the first fault as a SipWireError. */
export function checkFields(msg: SipMessage): Checked {
  const missing = REQUIRED.filter((n) => headerValue(msg, n) === undefined);
  if (missing.length) throw bad(`Missing ${missing.map(displayName).join(', ')} header field${missing.length > 1 ? 's' : ''}`);
  for (const n of SINGLE) {
    if (headerValues(msg, n).length > 1) throw bad(`Multiple ${displayName(n)} header fields`);
  }
  const via = headerValues(msg, 'via').flatMap((v) => parseViaList(v));
  const from = parseNameAddrHeader(headerValue(msg, 'from')!, 'From');
  const to = parseNameAddrHeader(headerValue(msg, 'to')!, 'To');
  const callId = headerValue(msg, 'call-id')!;
  checkCallId(callId);
  const cseq = parseCSeq(headerValue(msg, 'cseq')!);
  const mf = headerValue(msg, 'max-forwards');
  const contacts = headerValues(msg, 'contact');
  const rr = headerValues(msg, 'record-route');
  for (const r of headerValues(msg, 'route')) parseNameAddrList(r, 'Route');
  const ct = headerValue(msg, 'content-type');
  const accepts = headerValues(msg, 'accept');
  const date = headerValue(msg, 'date');
  if (date !== undefined) checkDate(date);
  const exp = headerValue(msg, 'expires');
  const minExp = headerValue(msg, 'min-expires');
  const ev = headerValue(msg, 'event');
  const ss = headerValue(msg, 'subscription-state');
  const etag = headerValue(msg, 'sip-if-match') ?? headerValue(msg, 'sip-etag');
  if (etag !== undefined && !/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(etag)) throw bad('Malformed entity-tag: expected a token');
  // One object literal of fixed shape (absent fields undefined): V8 keeps it in fast mode, which
  // matters on the per-MESSAGE path (conditional spreads made this the slowest step).
  return {
    via, from, to, callId, cseq,
    maxForwards: mf !== undefined ? parseMaxForwardsValue(mf) : undefined,
    contact: contacts.length ? contacts.flatMap((c) => parseNameAddrList(c, 'Contact', true)) : undefined,
    recordRoute: rr.length ? rr.flatMap((c) => parseNameAddrList(c, 'Record-Route')) : undefined,
    contentType: ct !== undefined ? parseMediaType(ct) : undefined,
    accept: accepts.length ? accepts.flatMap((a) => parseAccept(a)) : undefined,
    expires: exp !== undefined ? parseDeltaSeconds(exp, 'Expires') : undefined,
    minExpires: minExp !== undefined ? parseDeltaSeconds(minExp, 'Min-Expires') : undefined,
    require: headerValues(msg, 'require').flatMap((v) => parseTokenList(v, 'Require')),
    proxyRequire: headerValues(msg, 'proxy-require').flatMap((v) => parseTokenList(v, 'Proxy-Require')),
    event: ev !== undefined ? parseEvent(ev) : undefined,
    subscriptionState: ss !== undefined ? parseSubscriptionState(ss) : undefined,
  };
}

export type ParseOutcome =
  | { readonly ok: true; readonly message: CheckedRequest | CheckedResponse }
  /** `message` is set when enough was read to answer (a request whose fields can be copied). */
  | { readonly ok: false; readonly error: SipWireError; readonly message?: SipMessage };

/**
 * Parses and validates one message: the strict entry point of the wire layer.
 * A request whose CSeq method differs from its method gets 400, or 501 when the method is not
 * one this adapter knows (RFC 4475 3.1.2.18: "choosing a 501 ... has better future-proof
 * characteristics").
 */
export function parseSip(buf: Buffer, datagram: boolean): ParseOutcome {
  const split = splitMessage(buf, datagram);
  const message = split.message;
  if (split.fault) return { ok: false, error: split.fault, ...(message ? { message } : {}) };
  if (!message) return { ok: false, error: bad('Unreadable message') };
  try {
    const checked = checkFields(message);
    if (message.kind === 'request' && checked.cseq.method !== message.method) {
      if (!KNOWN_METHODS.has(message.method)) throw new SipWireError(501, 'Not Implemented');
      throw bad('CSeq method does not match the Request-Line method');
    }
    if (split.lateFault) throw split.lateFault;
    return { ok: true, message: Object.assign(message, checked) as CheckedRequest | CheckedResponse };
  } catch (e) {
    if (e instanceof SipWireError) return { ok: false, error: e, message };
    throw e;
  }
}

function displayName(n: string): string {
  if (n === 'call-id') return 'Call-ID';
  if (n === 'cseq') return 'CSeq';
  if (n === 'sip-etag') return 'SIP-ETag';
  if (n === 'sip-if-match') return 'SIP-If-Match';
  return n.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
}
