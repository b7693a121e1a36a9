/**
 * JSON requests -> canonical operations. Pure: ids and clocks come in as arguments.
 *
 * The sender of everything is the authenticated principal, never a member of the body
 * (RFC 2779 5.4.3: "The protocol MUST provide B means of verifying that A sent the message";
 * 5.2.4: protect B from C "spoofing" notification messages about B).
 */
import { addressKey, formatUri, parseAnyAddress } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import { ParseError } from '../../canonical/errors';
import type { Content, MessageOp, PublishOp, SubscribeOp } from '../../canonical/operations';
import { buildPidf } from '../../canonical/pidf';
import { parseCpim } from '../../canonical/cpim';
import { JsonRequestError, type MessageRequest, type PresenceRequest } from './wire';

/** An address from a request member, bare (no resource); a malformed one names the field. */
export function toAddress(s: string, field: string): Address {
  try {
    const a = parseAnyAddress(s.startsWith('pres:') ? `im:${s.slice(5)}` : s);
    return { local: a.local, domain: a.domain.toLowerCase() };
  } catch (err) {
    const why = err instanceof ParseError ? err.message : 'not an address';
    throw new JsonRequestError('address-malformed', `expected an address such as alice@example.test: ${why}`, field);
  }
}

const UTF8 = new TextEncoder();

export interface Ids {
  readonly id: string;
  readonly transactionId: string;
  readonly maxForwards: number;
}

/** POST /v1/messages (or a stream frame) as a canonical message from `sender`. */
export function messageToOp(req: MessageRequest, sender: Address, ids: Ids, dateTime: string): MessageOp {
  const to = toAddress(req.to, 'to');
  let content: Content;
  if (req.cpim) content = { type: 'message/cpim', bytes: req.cpim };
  else if (req.content) content = { type: req.content.type, bytes: req.content.bytes };
  else content = { type: 'text/plain;charset=utf-8', bytes: UTF8.encode(req.text ?? '') };
  return {
    kind: 'message',
    id: ids.id,
    transactionId: ids.transactionId,
    from: sender,
    to,
    content,
    maxForwards: ids.maxForwards,
    trace: [],
    dateTime,
    source: { protocol: 'json', id: ids.id },
    ...(req.subject ? { subject: req.subject } : {}),
    ...(req.thread !== undefined ? { thread: req.thread } : {}),
    ...(req.deliveryNotification !== undefined ? { deliveryNotification: req.deliveryNotification } : {}),
  };
}

/** A raw message/cpim body (Content-Type: message/cpim) kept as its exact bytes. */
export function cpimBodyToRequest(bytes: Uint8Array, to: string, id?: string): MessageRequest {
  return { to, cpim: bytes, ...(id !== undefined ? { id } : {}) };
}

/** The JSON presence view as a PIDF document (RFC 3863) for `presentity`. */
export function presenceToDocument(req: PresenceRequest, presentity: Address, timestamp: string): Content {
  const bytes = buildPidf({
    entity: formatUri(presentity, 'pres'),
    tuples: [{
      id: req.tuple ?? 'json',
      basic: req.basic,
      ...(req.contact !== undefined ? { contact: req.contact } : {}),
      ...(req.priority !== undefined ? { priority: req.priority } : {}),
      ...(req.note !== undefined ? { notes: [{ text: req.note }] } : {}),
      timestamp,
    }],
  });
  return { type: 'application/pidf+xml', bytes };
}

/** The source key of a JSON user's publications: out of contact removes exactly these. */
export const sourceKeyOf = (a: Address): string => `json:${addressKey(a)}`;

export function publishOp(o: { presentity: Address; publisher: Address; document?: Content; expires: number; transactionId: string; maxForwards: number }): PublishOp {
  return {
    kind: 'publish',
    transactionId: o.transactionId,
    presentity: o.presentity,
    publisher: o.publisher,
    ...(o.document ? { document: o.document } : {}),
    expires: o.expires,
    sourceKey: sourceKeyOf(o.publisher),
    maxForwards: o.maxForwards,
    trace: [],
    source: { protocol: 'json', id: o.transactionId },
  };
}

export function subscribeOp(o: { watcher: Address; presentity: Address; duration: number; subscriptionId?: string; transactionId: string; maxForwards: number }): SubscribeOp {
  return {
    kind: 'subscribe',
    transactionId: o.transactionId,
    watcher: o.watcher,
    presentity: o.presentity,
    duration: o.duration,
    ...(o.subscriptionId !== undefined ? { subscriptionId: o.subscriptionId } : {}),
    maxForwards: o.maxForwards,
    trace: [],
    source: { protocol: 'json', id: o.transactionId },
  };
}

/**
 * Checks a message/cpim from a JSON client: it must parse (RFC 3862 strictness), and its From, when
 * present, must be the principal (RFC 2779 5.4.3: B must be able to verify that A sent it). The
 * bytes are kept as they are; returns the first To, for requests that did not name one.
 */
export function checkCpim(bytes: Uint8Array, sender: Address, field: string): { to?: string } {
  let msg;
  try {
    msg = parseCpim(bytes);
  } catch (err) {
    throw new JsonRequestError('bad-request', `not a valid message/cpim: ${err instanceof ParseError ? err.message : 'parse error'}`, field);
  }
  if (msg.from) {
    let from: Address | undefined;
    try { from = toAddress(msg.from.uri, `${field}.From`); } catch { from = undefined; }
    if (!from || addressKey(from) !== addressKey(sender)) {
      throw new JsonRequestError('forbidden', `the CPIM From ${msg.from.uri} is not the authenticated sender ${addressKey(sender)}`, `${field}.From`);
    }
  }
  const to = msg.to[0]?.uri;
  return to !== undefined ? { to } : {};
}
