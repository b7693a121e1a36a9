/**
 * sipToCanonical: checked SIP requests -> canonical operations. Pure: no I/O.
 * Bodies go over as the exact received bytes (RFC 3862 section 6: a gateway "MUST NOT change
 * Message/CPIM content in any way"); the hop count and the received-trace come from
 * Max-Forwards and the Switchboard-Trace header.
 */
import { unescapeForeign, type Address } from '../../canonical/address';
import type { MessageOp, PublishOp, SubscribeOp } from '../../canonical/operations';
import { DEFAULT_MAX_FORWARDS, parseTrace } from '../../canonical/trace';
import { detach } from './detach';
import { SipWireError, bad } from './wire-error';
import type { NameAddr } from './wire-grammar';
import { headerValue, headerValues } from './wire-message';
import type { CheckedRequest } from './wire-validate';
import { decodePercent, isIPv4, type SipUri } from './wire-uri';

/**
 * The SIP header that carries the received-trace (canonical/trace.ts formatTrace/parseTrace:
 * gateway ids separated by ", ", oldest first). Outside any signed body, so it survives SIP hops.
 */
export const TRACE_HEADER = 'Switchboard-Trace';

/**
 * user@host of a sip:/sips: URI; im:/pres: URIs (RFC 3860/3859) by their user@domain. A target
 * without a user is not found (404); a sender without one is malformed (400).
 */
export function addressOf(na: { sip?: SipUri; uri: string; scheme: string }, role: 'target' | 'sender' = 'target'): Address {
  if (na.sip) {
    if (!na.sip.user) throw role === 'target' ? new SipWireError(404, 'Not Found: URI has no user part') : bad('From URI has no user part');
    // Detached: an operation outlives the parse (see detach.ts).
    return { local: detach(na.sip.user), domain: detach(na.sip.host) };
  }
  const m = /^(?:im|pres):([^@?;]+)@([^?;]+)$/i.exec(na.uri);
  if (!m) throw role === 'target' ? new SipWireError(416, 'Unsupported URI Scheme') : bad(`From URI scheme ${na.scheme} cannot be mapped to an address`);
  return { local: detach(decodePercent(m[1]!)), domain: detach(m[2]!.toLowerCase()) };
}

/**
 * The target of a request: the Request-URI (RFC 3428 4: "The Request-URI ... is the address of
 * the recipient"), except where it names the gateway host itself (an IP literal or a URI with no
 * user), as first-hop requests sent straight to the gateway do; then the To URI.
 */
export function targetOf(req: CheckedRequest): Address {
  const ru = req.sipUri;
  if (ru && (!ru.user || isIPv4(ru.host) || ru.host === 'localhost')) return addressOf(req.to);
  if (ru) return addressOf({ sip: ru, uri: req.uri, scheme: req.uriScheme });
  return addressOf({ uri: req.uri, scheme: req.uriScheme });
}

/**
 * A target in the escaped form of DESIGN "Addresses and routing": `user%other.dom@gw-domain`,
 * at a domain the gateway serves for another protocol, is `user@other.dom` (RFC 2779 4.1.3: every
 * received message can be answered). `ownerOf` is the gateway's domain table.
 */
export function unescapeTarget(a: Address, ownerOf: (domain: string) => string | undefined): Address {
  const owner = ownerOf(a.domain);
  return owner !== undefined && owner !== 'sip' ? unescapeForeign(a, a.domain) : a;
}

/** The received-trace of a request; several header fields join in order. */
export function traceOf(req: CheckedRequest): string[] {
  // Most requests carry none: answered without collecting (this runs twice per MESSAGE).
  let any = false;
  for (const h of req.headers) if (h.name === TRACE_NAME) { any = true; break; }
  if (!any) return [];
  const values = headerValues(req, TRACE_NAME);
  if (values.length === 0) return [];
  try {
    return parseTrace(values.join(', '));
  } catch (e) {
    throw bad(`Malformed ${TRACE_HEADER}: ${e instanceof Error ? e.message : ''}`);
  }
}

const TRACE_NAME = TRACE_HEADER.toLowerCase();

export interface Origin { readonly transactionId: string; readonly sourceId: string }

function hops(req: CheckedRequest): { maxForwards: number; trace: string[] } {
  // RFC 3261 8.1.1.6 default when absent (RFC 2543 peers): 70.
  return { maxForwards: req.maxForwards ?? DEFAULT_MAX_FORWARDS, trace: hopTrace(req) };
}

/** The received-trace for an operation (its entries detached: the operation outlives the parse). */
function hopTrace(req: CheckedRequest): string[] {
  const trace = traceOf(req);
  return trace.length ? trace.map(detach) : trace;
}

/**
 * MESSAGE (RFC 3428) -> MessageOp. Every string in it is detached from the message text (the
 * operation waits about 250 ms for its outcome, see detach.ts); the body stays a view of the
 * received bytes (off the V8 heap, relayed without a copy).
 */
export function sipMessageToOp(req: CheckedRequest, origin: Origin, ownerOf?: (domain: string) => string | undefined): MessageOp {
  const type = headerValue(req, 'content-type');
  if (type === undefined || req.body.length === 0) throw bad('MESSAGE without a body and Content-Type');
  const date = headerValue(req, 'date');
  const subject = headerValue(req, 'subject');
  return {
    kind: 'message',
    // Stable across retransmissions and sender retries: Call-ID, CSeq and From tag identify it.
    id: detach('sip:' + req.callId + ':' + req.cseq.seq + ':' + (req.from.params.tag ?? '')),
    transactionId: detach(origin.transactionId),
    from: addressOf(req.from, 'sender'),
    // With the gateway's domain table, an escaped target is unescaped here (unescapeTarget), not
    // by a copy of the whole operation afterwards.
    to: ownerOf ? unescapeTarget(targetOf(req), ownerOf) : targetOf(req),
    content: { type: detach(type), bytes: req.body },
    ...(subject ? { subject: [{ text: detach(subject) }] } : {}),
    ...(date ? { dateTime: new Date(date).toISOString() } : {}),
    maxForwards: req.maxForwards ?? DEFAULT_MAX_FORWARDS,
    trace: hopTrace(req),
    source: { protocol: 'sip', id: detach(origin.sourceId) },
  };
}

/** SUBSCRIBE (RFC 6665, RFC 3856) -> SubscribeOp; `duration` is the granted expiry. */
export function sipSubscribeToOp(req: CheckedRequest, origin: Origin, duration: number, subscriptionId?: string): SubscribeOp {
  return {
    kind: 'subscribe', transactionId: detach(origin.transactionId),
    watcher: addressOf(req.from, 'sender'), presentity: targetOf(req), duration,
    ...(subscriptionId ? { subscriptionId } : {}),
    ...hops(req), source: { protocol: 'sip', id: detach(origin.sourceId) },
  };
}

/** PUBLISH (RFC 3903) -> PublishOp. */
export function sipPublishToOp(req: CheckedRequest, origin: Origin, expires: number, etag: string | undefined): PublishOp {
  const type = headerValue(req, 'content-type');
  return {
    kind: 'publish', transactionId: detach(origin.transactionId),
    presentity: targetOf(req), publisher: addressOf(req.from, 'sender'),
    ...(req.body.length > 0 && type !== undefined ? { document: { type, bytes: req.body } } : {}),
    expires, ...(etag !== undefined ? { etag } : {}),
    ...hops(req), source: { protocol: 'sip', id: detach(origin.sourceId) },
  };
}

/** The URI text of a name-addr, for storing a remote target. */
export function uriOf(na: NameAddr): string {
  return na.uri;
}
