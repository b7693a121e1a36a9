/**
 * `switchboard translate`, output side: the router's hop checks and hop update, then the target
 * adapter's from-canonical functions, printed as the target protocol carries it.
 *   sip:  the MESSAGE request bytes (RFC 3428), body appended as the exact canonical bytes;
 *   xmpp: the <message/> stanza XML;
 *   json: the "message" frame a JSON recipient receives on /v1/stream.
 * Random values of a live gateway (Via branch, Call-ID, tags) are derived from the message id
 * here, so the same input always prints the same output.
 */
import { createHash } from 'node:crypto';
import type { MessageOp, Outcome, Protocol } from '../../canonical/operations';
import { failed } from '../../canonical/operations';
import { checkHops, forwardHops } from '../../canonical/trace';
import { messageFrame } from '../../adapters/json/from-canonical';
import { messageParts } from '../../adapters/sip/from-canonical';
import { buildRequest, MAGIC_COOKIE } from '../../adapters/sip/wire-serialize';
import { opToXmppStanza } from './translate-xmpp';

export interface OutputOptions {
  /** This deployment's id in the received-trace. */
  readonly gatewayId: string;
  /** SIP: the listener the Via names (host:port) and its transport. */
  readonly sipVia?: { readonly transport: 'UDP' | 'TCP'; readonly host: string; readonly port: number };
  /** SIP: outbound proxy URI; with ;lr it becomes a Route header, as the adapter does. */
  readonly outboundProxy?: string;
  /** XMPP: the component domains the sender may appear on. */
  readonly gatewayDomains?: readonly string[];
}

/** The router would not forward this message: the outcome its sender gets. */
export class WouldRefuse extends Error {
  constructor(readonly outcome: Outcome & { status: 'failed' }) {
    super(outcome.reason ?? outcome.code);
  }
}

const token = (seed: string, what: string, n: number): string => createHash('sha256').update(`${what}\0${seed}`).digest('hex').slice(0, n);

/**
 * The router's first step (gateway/router.ts): loop and hop checks, then one hop spent and our id
 * appended. RFC 3860 3.4.2: "If the value of MaxForwards is zero, the service MUST NOT forward
 * the message"; the service "MUST decrement the MaxForwards".
 */
export function routeHops(op: MessageOp, gatewayId: string): MessageOp {
  const v = checkHops(op, gatewayId);
  if (v.verdict === 'loop') throw new WouldRefuse(failed('loop-detected', `received-trace already holds ${gatewayId}`, { trace: v.trace }) as Outcome & { status: 'failed' });
  if (v.verdict === 'exhausted') throw new WouldRefuse(failed('too-many-hops', 'the hop count is exhausted (Max-Forwards 0)') as Outcome & { status: 'failed' });
  return { ...op, ...forwardHops(op, gatewayId) };
}

/** The MESSAGE the SIP adapter sends for `out` (adapters/sip/adapter.ts sendMessage). */
function toSip(out: MessageOp, o: OutputOptions): Uint8Array {
  const parts = messageParts(out, out.trace);
  const via = o.sipVia ?? { transport: 'UDP', host: '127.0.0.1', port: 5060 };
  const route: [string, string][] = o.outboundProxy && /;lr\b/i.test(o.outboundProxy) ? [['Route', `<${o.outboundProxy}>`]] : [];
  const prefix = `${MAGIC_COOKIE}-sb${createHash('sha1').update(o.gatewayId).digest('hex').slice(0, 8)}-`;
  return buildRequest({
    method: 'MESSAGE', uri: parts.uri,
    via: { ...via, branch: prefix + token(out.id, 'branch', 16) },
    from: `${parts.from};tag=${token(out.id, 'tag', 12)}`, to: parts.to,
    callId: `${token(out.id, 'call-id', 24)}@switchboard`, cseq: 1, maxForwards: out.maxForwards,
    headers: [...route, ...parts.headers], body: parts.body,
  });
}

/** What the gateway emits toward `target` for the canonical message `op`. */
export function renderFor(target: Protocol, op: MessageOp, o: OutputOptions): Uint8Array {
  const out = routeHops(op, o.gatewayId);
  switch (target) {
    case 'sip': return toSip(out, o);
    case 'xmpp': return Buffer.from(`${opToXmppStanza(out, { gatewayDomains: o.gatewayDomains?.length ? o.gatewayDomains : [out.from.domain.toLowerCase()] })}\n`, 'utf8');
    case 'json': return Buffer.from(`${JSON.stringify(messageFrame(out), null, 2)}\n`, 'utf8');
  }
}
