/**
 * Whole-request and whole-response validation: required and single-valued header fields, and the
 * strict grammar of every header field the adapter relies on. Produces the checked view the rest
 * of the adapter works with. Pure: no I/O.
 */
import { SipWireError, bad } from './wire-error';
import {
  checkCallId, checkDate, parseAccept, parseCSeq, parseDeltaSeconds, parseEvent, parseMaxForwardsValue,
  parseMediaType, parseSubscriptionState, parseTokenList, type MediaType,
} from './wire-fields';
import { parseNameAddrHeader, parseNameAddrList, parseViaList, type NameAddr, type Via } from './wire-grammar';
import { Memo } from './memo';
import { freezeUri, splitMessage, type SipMessage, type SipRequest, type SipResponse } from './wire-message';

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
const NONE: readonly string[] = Object.freeze([]);

/** Header fields checkFields reads, each with a slot in one pass over the message's header list. */
const SLOTS = ['via', 'from', 'to', 'call-id', 'cseq', 'max-forwards', 'contact', 'record-route', 'route', 'content-type',
  'accept', 'date', 'expires', 'min-expires', 'event', 'subscription-state', 'sip-etag', 'sip-if-match', 'require', 'proxy-require'] as const;
type Slot = (typeof SLOTS)[number];
const SLOT_INDEX: ReadonlyMap<string, number> = new Map(SLOTS.map((n, i) => [n, i]));
const slotOf = (n: Slot): number => SLOT_INDEX.get(n)!;
const REQUIRED_SLOTS = REQUIRED.map((n) => slotOf(n as Slot));
const SINGLE_SLOTS = SINGLE.map((n) => slotOf(n as Slot));
const VIA = slotOf('via'), FROM = slotOf('from'), TO = slotOf('to'), CALL_ID = slotOf('call-id'), CSEQ = slotOf('cseq');
const MAX_FORWARDS = slotOf('max-forwards'), CONTACT = slotOf('contact'), RECORD_ROUTE = slotOf('record-route');
const ROUTE = slotOf('route'), CONTENT_TYPE = slotOf('content-type'), ACCEPT = slotOf('accept'), DATE = slotOf('date');
const EXPIRES = slotOf('expires'), MIN_EXPIRES = slotOf('min-expires'), EVENT = slotOf('event');
const SUBSCRIPTION_STATE = slotOf('subscription-state'), SIP_ETAG = slotOf('sip-etag'), SIP_IF_MATCH = slotOf('sip-if-match');
const REQUIRE = slotOf('require'), PROXY_REQUIRE = slotOf('proxy-require');

/** Checks the fields; throws the first fault as a SipWireError. */
export function checkFields(msg: SipMessage): Checked {
  // One pass: each slot's values in order (most hold one; the lists are allocated only when used).
  const values: Array<string[] | undefined> = new Array(SLOTS.length);
  for (const h of msg.headers) {
    const i = SLOT_INDEX.get(h.name);
    if (i === undefined) continue;
    const v = values[i];
    if (v === undefined) values[i] = [h.value];
    else v.push(h.value);
  }
  let missing: number[] | undefined;
  for (const i of REQUIRED_SLOTS) if (values[i] === undefined) (missing ??= []).push(i);
  if (missing) throw bad(`Missing ${missing.map((i) => displayName(SLOTS[i]!)).join(', ')} header field${missing.length > 1 ? 's' : ''}`);
  for (let k = 0; k < SINGLE_SLOTS.length; k++) {
    const v = values[SINGLE_SLOTS[k]!];
    if (v !== undefined && v.length > 1) throw bad(`Multiple ${displayName(SINGLE[k]!)} header fields`);
  }
  const vias = (values[VIA] ?? NONE);
  const via = vias.length === 1 ? parseViaList(vias[0]!) : vias.flatMap((v) => parseViaList(v));
  const from = parseNameAddrHeader(firstOf(values, FROM)!, 'From');
  const to = TO_MEMO.get(firstOf(values, TO)!);
  const callId = firstOf(values, CALL_ID)!;
  checkCallId(callId);
  const cseq = parseCSeq(firstOf(values, CSEQ)!);
  const mf = firstOf(values, MAX_FORWARDS);
  const contacts = (values[CONTACT] ?? NONE);
  const rr = (values[RECORD_ROUTE] ?? NONE);
  for (const r of (values[ROUTE] ?? NONE)) parseNameAddrList(r, 'Route');
  const ct = firstOf(values, CONTENT_TYPE);
  const accepts = (values[ACCEPT] ?? NONE);
  const date = firstOf(values, DATE);
  if (date !== undefined) checkDate(date);
  const exp = firstOf(values, EXPIRES);
  const minExp = firstOf(values, MIN_EXPIRES);
  const ev = firstOf(values, EVENT);
  const ss = firstOf(values, SUBSCRIPTION_STATE);
  const etag = firstOf(values, SIP_IF_MATCH) ?? firstOf(values, SIP_ETAG);
  if (etag !== undefined && !/^[A-Za-z0-9\-.!%*_+`'~]+$/.test(etag)) throw bad('Malformed entity-tag: expected a token');
  // One object literal of fixed shape (absent fields undefined): V8 keeps it in fast mode, which
  // matters on the per-MESSAGE path (conditional spreads made this the slowest step).
  return {
    via, from, to, callId, cseq,
    maxForwards: mf !== undefined ? parseMaxForwardsValue(mf) : undefined,
    contact: contacts.length ? contacts.flatMap((c) => parseNameAddrList(c, 'Contact', true)) : undefined,
    recordRoute: rr.length ? rr.flatMap((c) => parseNameAddrList(c, 'Record-Route')) : undefined,
    contentType: ct !== undefined ? CONTENT_TYPE_MEMO.get(ct) : undefined,
    accept: accepts.length ? accepts.flatMap((a) => parseAccept(a)) : undefined,
    expires: exp !== undefined ? parseDeltaSeconds(exp, 'Expires') : undefined,
    minExpires: minExp !== undefined ? parseDeltaSeconds(minExp, 'Min-Expires') : undefined,
    require: values[REQUIRE] ? (values[REQUIRE] ?? NONE).flatMap((v) => parseTokenList(v, 'Require')) : NONE,
    proxyRequire: values[PROXY_REQUIRE] ? (values[PROXY_REQUIRE] ?? NONE).flatMap((v) => parseTokenList(v, 'Proxy-Require')) : NONE,
    event: ev !== undefined ? parseEvent(ev) : undefined,
    subscriptionState: ss !== undefined ? parseSubscriptionState(ss) : undefined,
  };
}

/** To and Content-Type values repeat from message to message (memo.ts); From carries a fresh tag. */
const TO_MEMO = new Memo<NameAddr>(512, (v) => freezeNameAddr(parseNameAddrHeader(v, 'To')));
const CONTENT_TYPE_MEMO = new Memo<MediaType>(256, (v) => {
  const mt = parseMediaType(v);
  Object.freeze(mt.params);
  return Object.freeze(mt);
});

function freezeNameAddr(na: NameAddr): NameAddr {
  Object.freeze(na.params);
  if (na.sip) freezeUri(na.sip);
  return Object.freeze(na);
}

function firstOf(values: ReadonlyArray<string[] | undefined>, i: number): string | undefined {
  const v = values[i];
  return v === undefined ? undefined : v[0];
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
    return { ok: true, message: withChecked(message, checked) };
  } catch (e) {
    if (e instanceof SipWireError) return { ok: false, error: e, message };
    throw e;
  }
}

/**
 * The message and its checked fields as one object built in one literal each: adding the checked
 * fields to the split message one by one (Object.assign) moved every parsed request through a
 * chain of hidden-class transitions, the slowest step of the parse.
 */
function withChecked(m: SipMessage, c: Checked): CheckedRequest | CheckedResponse {
  const { headers, body, raw } = m;
  const { via, from, to, callId, cseq, maxForwards, contact, recordRoute, contentType, accept, expires, minExpires, require, proxyRequire, event, subscriptionState } = c;
  if (m.kind === 'request') {
    return {
      kind: 'request', method: m.method, uri: m.uri, sipUri: m.sipUri, uriScheme: m.uriScheme, headers, body, raw,
      via, from, to, callId, cseq, maxForwards, contact, recordRoute, contentType, accept, expires, minExpires, require, proxyRequire, event, subscriptionState,
    };
  }
  return {
    kind: 'response', status: m.status, reason: m.reason, headers, body, raw,
    via, from, to, callId, cseq, maxForwards, contact, recordRoute, contentType, accept, expires, minExpires, require, proxyRequire, event, subscriptionState,
  };
}

function displayName(n: string): string {
  if (n === 'call-id') return 'Call-ID';
  if (n === 'cseq') return 'CSeq';
  if (n === 'sip-etag') return 'SIP-ETag';
  if (n === 'sip-if-match') return 'SIP-If-Match';
  return n.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
}
