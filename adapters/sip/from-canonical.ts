/**
 * canonicalToSip: canonical operations and outcomes -> SIP request specs and response statuses.
 * Pure: no I/O. Bodies are passed as the exact bytes of the canonical content.
 */
import type { Address } from '../../canonical/address';
import { ERROR_TABLE, errorCodeFromSipStatus, xmppConditionToSipStatus } from '../../canonical/errors';
import { DELIVERED, failed, type MessageOp, type Outcome } from '../../canonical/operations';
import { formatTrace } from '../../canonical/trace';
import { TRACE_HEADER } from './to-canonical';
import type { HeaderPair } from './wire-serialize';
import { encodeUser } from './wire-uri';

/** sip:user@domain for a canonical address (user part percent-encoded, RFC 3261 19.1.2). */
export function sipUriFor(a: Address): string {
  return `sip:${encodeUser(a.local)}@${a.domain}`;
}

/**
 * The SIP response for a gateway outcome. RFC 3428 section 7: "a 202 Accepted response ... MAY
 * be sent by a gateway ... when it cannot determine whether the message has been delivered";
 * failures use the far side's own status when it was SIP, the RFC 7247 mapping when it was an XMPP
 * condition (a Switchboard peer's stable code carries no condition: the table maps it, so loops
 * stay 482 and spent hop counts 483, RFC 3261 8.2.2.2 / 16.3), else the error table.
 */
export function outcomeToStatus(o: Outcome): { status: number; phrase: string } {
  if (o.status === 'delivered') return { status: 200, phrase: 'OK' };
  if (o.status === 'indeterminate') return { status: 202, phrase: 'Accepted' };
  const row = ERROR_TABLE[o.code];
  if (o.remote?.sip && o.remote.sip >= 300 && o.remote.sip <= 699) return { status: o.remote.sip, phrase: o.remote.text && !/[\r\n]/.test(o.remote.text) ? o.remote.text : row.sipReason };
  if (o.remote?.xmpp) {
    const status = xmppConditionToSipStatus(o.remote.xmpp);
    return { status, phrase: status === row.sip ? row.sipReason : o.remote.xmpp };
  }
  return { status: row.sip, phrase: row.sipReason };
}

/** A final SIP response -> outcome (202 is indeterminate: RFC 3428 7). */
export function statusToOutcome(status: number, reason: string): Outcome {
  if (status === 202) return { status: 'indeterminate', reason: 'the next hop accepted the message without confirming delivery (202)' };
  if (status >= 200 && status < 300) return DELIVERED;
  return failed(errorCodeFromSipStatus(status), `SIP ${status} ${reason}`, { remote: { sip: status, text: reason } });
}

/** The headers carrying the hop state: Switchboard-Trace (omitted when empty). */
export function traceHeaders(trace: readonly string[]): HeaderPair[] {
  return trace.length ? [[TRACE_HEADER, formatTrace(trace)]] : [];
}

/**
 * The message's subject as a Subject header (RFC 3261 20.36: "The Subject header field provides a
 * summary or indicates the nature of the call"; its value is TEXT-UTF8-TRIM, 25.1), so an XMPP
 * <subject/> or a JSON subject is not lost on the way into SIP. SIP carries one, without a
 * language: the first one is used. A value with control characters (CR, LF...) cannot be a header
 * value and is left out rather than altered.
 */
export function subjectHeaders(op: MessageOp): HeaderPair[] {
  const text = op.subject?.[0]?.text.trim();
  if (text === undefined || text === '' || /[\x00-\x08\x0a-\x1f\x7f]/.test(text)) return [];
  return [['Subject', text]];
}

/** The parts of an outbound MESSAGE that depend only on the operation. */
export function messageParts(op: MessageOp, trace: readonly string[]): { uri: string; from: string; to: string; headers: HeaderPair[]; body: { type: string; bytes: Uint8Array } } {
  const uri = sipUriFor(op.to);
  return {
    uri,
    from: `<${sipUriFor(op.from)}>`,
    to: `<${uri}>`,
    headers: [...traceHeaders(trace), ...subjectHeaders(op), ...(op.dateTime ? [['Date', new Date(op.dateTime).toUTCString()] as HeaderPair] : [])],
    body: { type: op.content.type, bytes: op.content.bytes },
  };
}
