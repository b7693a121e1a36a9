/**
 * `switchboard translate`, the XMPP side: a captured <message/> stanza to canonical, and a
 * canonical message to the stanza the XMPP adapter would send, both through the XMPP adapter's
 * own pure functions (adapters/xmpp/wire.ts, to-canonical.ts, from-canonical.ts).
 */
import { createHash } from 'node:crypto';
import { SwitchboardError } from '../../canonical/errors';
import type { MessageOp } from '../../canonical/operations';
import { messageFromCanonical } from '../../adapters/xmpp/from-canonical';
import { messageToCanonical } from '../../adapters/xmpp/to-canonical';
import { buildMessage, LIMITS, parseStanzas, readMessage, WireError } from '../../adapters/xmpp/wire';

/** A stanza the gateway would refuse; the message names the fault. */
export class XmppTranslateError extends Error {}

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface XmppInOptions {
  readonly maxForwards: number;
  /** The gateway's component domains (a JID there in the form user%other.dom is unescaped). */
  readonly gatewayDomains: readonly string[];
  /** RFC 3339 arrival time (the adapter reads its clock here). */
  readonly now: string;
}

/** One <message/> stanza (as on a component or client stream) to the canonical message. */
export function xmppStanzaToOp(bytes: Uint8Array, o: XmppInOptions): MessageOp {
  let text: string;
  try {
    text = fatal.decode(bytes);
  } catch {
    throw new XmppTranslateError('the stanza is not valid UTF-8 (RFC 6120 11.6: XMPP is UTF-8)');
  }
  if (text.length > LIMITS.maxRawBase64 + LIMITS.maxText) throw new XmppTranslateError(`the stanza is ${text.length} characters long (too large)`);
  let els;
  try {
    els = parseStanzas(text.replace(/^\s*<\?xml[^?]*\?>\s*/, ''));
  } catch (e) {
    throw new XmppTranslateError(`the stanza is not well-formed XML: ${(e as Error).message}`);
  }
  if (els.length === 0) throw new XmppTranslateError('no complete stanza in the input (an element is not closed)');
  if (els.length > 1) throw new XmppTranslateError(`${els.length} stanzas in the input; give one`);
  const el = els[0]!;
  if (el.name !== 'message') throw new XmppTranslateError(`a <${el.name}/> stanza; translate takes <message/>`);
  if (el.attrs.type === 'error') throw new XmppTranslateError('an error stanza; it answers a message and is not relayed (RFC 6120 8.3.1)');
  if (el.attrs.type === 'groupchat') throw new XmppTranslateError('a groupchat message; the gateway answers <service-unavailable/> and relays nothing');
  try {
    const op = messageToCanonical(readMessage(el), {
      gatewayDomains: o.gatewayDomains,
      maxForwards: o.maxForwards,
      newId: () => `xmpp:${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`,
      now: () => o.now,
    });
    if (!op) throw new XmppTranslateError('the message carries nothing to relay (no <body/>, <e2e/> or <raw/>: a chat state or a bare receipt)');
    return op;
  } catch (e) {
    if (e instanceof WireError) throw new XmppTranslateError(`XMPP <${e.condition}/>: ${e.message}`);
    throw e;
  }
}

export interface XmppOutOptions {
  /** The gateway's component domains; the sender appears on one of them. */
  readonly gatewayDomains: readonly string[];
}

/** The <message/> the XMPP adapter would send for `op` (after the router's hop update), as XML. */
export function opToXmppStanza(op: MessageOp, o: XmppOutOptions): string {
  // The adapter uses the message id as stanza id when it is printable ASCII of at most 128.
  const id = /^[\x21-\x7e]{1,128}$/.test(op.id) ? op.id : `sb-${createHash('sha256').update(op.id).digest('hex').slice(0, 32)}`;
  try {
    return buildMessage(messageFromCanonical(op, { gatewayDomains: o.gatewayDomains, id, requestReceipt: op.deliveryNotification === true })).toString();
  } catch (e) {
    if (e instanceof WireError) throw new SwitchboardError('bad-request', e.message);
    throw e;
  }
}
