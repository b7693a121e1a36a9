/**
 * IQ handling: XEP-0030 disco#info for each component domain (and its users), XEP-0199 ping, and
 * the RFC 6120 8.2.3 answer for everything else.
 */
import { xml } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { buildErrorReply, NS } from './wire';

/** What the gateway announces (XEP-0030 section 3.1). */
export const FEATURES: readonly string[] = Object.freeze([
  NS.discoInfo, NS.receipts, NS.e2e, NS.ping, NS.raw, NS.trace,
]);

/**
 * The answer to an <iq/>, or undefined when none is due (results and errors are never answered:
 * RFC 6120 8.2.3, "An entity that receives a stanza of type "result" or "error" MUST NOT respond").
 */
export function answerIq(iq: Element, gatewayDomains: readonly string[]): Element | undefined {
  const type = iq.attrs.type;
  if (type !== 'get' && type !== 'set') return undefined;
  const from = iq.attrs.from;
  const to = iq.attrs.to;
  const id = iq.attrs.id;
  const payload = iq.getChildElements()[0];
  const reply = (...children: Element[]): Element =>
    xml('iq', { type: 'result', ...(to ? { from: to } : {}), ...(from ? { to: from } : {}), ...(id ? { id } : {}) }, ...children);
  const target = (to ?? '').split('/')[0]!.toLowerCase();
  const domain = target.includes('@') ? target.slice(target.indexOf('@') + 1) : target;
  if (type === 'get' && payload?.is('query', NS.discoInfo) && gatewayDomains.includes(domain) && !payload.attrs.node) {
    // XEP-0030 3.1: the domain is a gateway (category "gateway", type "simple": SIP/SIMPLE);
    // a user on it is an account ("account/registered").
    const identity = target.includes('@')
      ? xml('identity', { category: 'account', type: 'registered' })
      : xml('identity', { category: 'gateway', type: 'simple', name: 'Switchboard' });
    return reply(xml('query', { xmlns: NS.discoInfo }, identity, ...FEATURES.map((f) => xml('feature', { var: f }))));
  }
  if (type === 'get' && payload?.is('query', NS.discoItems) && gatewayDomains.includes(domain)) {
    return reply(xml('query', { xmlns: NS.discoItems }));
  }
  if (type === 'get' && payload?.is('ping', NS.ping)) return reply();
  // RFC 6120 8.2.3: an unknown payload in a get or set is answered with <service-unavailable/>.
  return buildErrorReply({ name: 'iq', ...(from ? { from } : {}), ...(to ? { to } : {}), ...(id ? { id } : {}) }, 'service-unavailable', 'cancel');
}
