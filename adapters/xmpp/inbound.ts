/**
 * Messages arriving from the XMPP side: errors and XEP-0184 receipts settle messages we sent;
 * everything else becomes a MessageOp for the gateway, and its outcome is answered the XMPP way.
 */
import { randomUUID } from 'node:crypto';
import type { AdapterContext } from '../../canonical/adapter';
import type { Address } from '../../canonical/address';
import { ERROR_TABLE, XMPP_CONDITIONS, errorCodeFromXmppCondition, isErrorCode, type XmppCondition } from '../../canonical/errors';
import { DELIVERED, failed, type MessageOp, type Outcome } from '../../canonical/operations';
import type { Element } from '@xmpp/xml';
import type { XmppAdapterConfig } from './config';
import type { XmppLink } from './connection';
import type { ComponentLease } from './lease';
import { messageToCanonical } from './to-canonical';
import { buildErrorReply, buildReceipt, readMessage, WireError } from './wire';

/** One connection: a component domain or a client-mode account. */
export interface LinkEntry {
  readonly link: XmppLink;
  readonly kind: 'component' | 'client';
  /** Component: its domain. Client: the account's bare JID. */
  readonly domain: string;
  /** Client mode: the gateway-side address the account stands for (its local part unescaped). */
  readonly serves?: Address;
  online: boolean;
  reason?: string;
  /** Component: the lease under which this instance holds (or waits for) the connection. */
  lease?: ComponentLease;
}

/** A sent message waiting for its error or receipt window. */
export interface Pending {
  readonly bareTo: string;
  readonly finish: (o: Outcome) => void;
}

/** What inbound handling needs from the adapter. */
export interface InboundDeps {
  readonly ctx: AdapterContext;
  readonly config: XmppAdapterConfig;
  readonly gatewayDomains: readonly string[];
  readonly pending: ReadonlyMap<string, Pending>;
  readonly sentIds: ReadonlySet<string>;
  safeSend(entry: LinkEntry, el: Element): Promise<void>;
  clientTarget(entry: LinkEntry, to: string): string;
}

export async function handleInboundMessage(d: InboundDeps, entry: LinkEntry, el: Element): Promise<void> {
  const type = el.attrs.type ?? 'normal';
  let m;
  try {
    m = readMessage(el);
  } catch (err) {
    if (type !== 'error') await d.safeSend(entry, buildErrorReply({ name: 'message', ...attrsOf(el) }, err instanceof WireError ? err.condition : 'bad-request', 'modify', (err as Error).message));
    return;
  }
  if (m.type === 'error') {
    // RFC 6120 8.3.1: "An entity that receives an error stanza MUST NOT respond to the stanza
    // with a further error stanza": it only settles the message it answers.
    const p = m.id !== undefined ? d.pending.get(m.id) : undefined;
    if (p) {
      const cond = m.error?.condition ?? 'undefined-condition';
      const text = m.error?.text ?? `the XMPP side answered <${cond}/>`;
      if (m.error?.code !== undefined && isErrorCode(m.error.code)) {
        // A Switchboard peer names its stable code (wire.ts buildErrorReply): that is the failure,
        // mapped by the error table toward the sender; the condition it travelled as is coarser.
        p.finish(failed(m.error.code, text, m.error.text ? { remote: { text: m.error.text } } : {}));
      } else {
        // Any other XMPP entity: the code by RFC 7247 section 7, the condition kept for the sender.
        const xmppCond = isXmppCondition(cond) ? cond : undefined;
        p.finish(failed(errorCodeFromXmppCondition(cond), text, { remote: { ...(xmppCond ? { xmpp: xmppCond } : {}), ...(m.error?.text ? { text: m.error.text } : {}) } }));
      }
    }
    return;
  }
  if (m.receivedId !== undefined) {
    // XEP-0184 section 5: <received/> names the id of the message it acknowledges.
    const p = d.pending.get(m.receivedId);
    if (p && (m.from === undefined || m.from.split('/')[0]!.toLowerCase() === p.bareTo)) p.finish(DELIVERED);
  }
  if (entry.kind === 'client' && m.id !== undefined && d.sentIds.has(m.id)) return; // our own echo
  if (entry.kind === 'client' && m.trace && m.trace.text.split(',').map((s) => s.trim()).includes(d.ctx.gatewayId)) return;
  const headline = m.type === 'headline';
  const reply = async (code: Parameters<typeof failed>[0], text: string | undefined, condition?: string): Promise<void> => {
    // RFC 6121 5.2.2: headlines are not answered with errors.
    if (headline) return;
    const row = ERROR_TABLE[isErrorCode(code) ? code : 'internal'];
    await d.safeSend(entry, buildErrorReply({ name: 'message', ...attrsOf(el) }, condition ?? row.xmpp.condition, row.xmpp.type, text, isErrorCode(code) ? code : undefined));
  };
  if (m.type === 'groupchat') {
    // Switchboard is no multi-user chat service (RFC 6121 8.5.3.2.1 answers such with service-unavailable).
    await d.safeSend(entry, buildErrorReply({ name: 'message', ...attrsOf(el) }, 'service-unavailable', 'cancel', 'groupchat messages are not relayed'));
    return;
  }
  let op: MessageOp | undefined;
  try {
    const inbound = entry.kind === 'client' ? { ...m, to: d.clientTarget(entry, m.to ?? '') } : m;
    op = messageToCanonical(inbound, {
      gatewayDomains: d.gatewayDomains,
      maxForwards: d.config.gateway.maxForwards,
      newId: () => randomUUID(),
      now: () => new Date().toISOString(),
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    await reply('bad-request', msg, err instanceof WireError ? err.condition : 'bad-request');
    return;
  }
  if (!op) return; // nothing to relay (chat state, bare receipt)
  const outcome = await d.ctx.deliver(op);
  if (outcome.status === 'delivered') {
    // XEP-0184 section 5.1: "the recipient MUST send a receipt ... upon receiving a message
    // that contains a receipt request" once it is delivered; the gateway speaks for the far side.
    if (m.receiptRequest && m.id !== undefined && m.from !== undefined && m.to !== undefined) {
      await d.safeSend(entry, buildReceipt(entry.kind === 'client' ? (entry.link.jid ?? m.to) : m.to, m.from, m.id));
    }
  } else if (outcome.status === 'failed') {
    await reply(outcome.code, outcome.reason, outcome.remote?.xmpp);
  }
}

export function attrsOf(el: Element): { from?: string; to?: string; id?: string } {
  const { from, to, id } = el.attrs;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(id ? { id } : {}) };
}

function isXmppCondition(c: string): c is XmppCondition {
  return (XMPP_CONDITIONS as readonly string[]).includes(c);
}
