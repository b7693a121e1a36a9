/**
 * IQ handling: XEP-0030 disco#info and disco#items for each component domain (and its users),
 * XEP-0199 ping, and the RFC 6120 8.2.3 answer for everything else.
 *
 * Exactly one answer per request. xmpp.js's IQ middleware (@xmpp/iq callee, part of every
 * component and client entity) already answers each IQ get/set that no handler of its own claims
 * with <service-unavailable/>; an adapter answering from the 'stanza' event as well sent a second
 * reply to the same id. So the answer is given through that middleware (installIqAnswers), and
 * nothing else answers IQs.
 */
import type { XmppEntity } from '@xmpp/component';
import { xml } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { buildErrorReply, NS } from './wire';

/** What the gateway announces (XEP-0030 section 3.1). */
export const FEATURES: readonly string[] = Object.freeze([
  NS.discoInfo, NS.discoItems, NS.receipts, NS.e2e, NS.ping, NS.raw, NS.trace,
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
  const children = iq.getChildElements();
  const payload = children[0];
  const attrs = { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(id ? { id } : {}) };
  // RFC 6120 8.2.3: "An IQ stanza of type "get" or "set" MUST contain exactly one child element".
  if (children.length !== 1) return buildErrorReply({ name: 'iq', ...attrs }, 'bad-request', 'modify');
  const reply = (...children: Element[]): Element =>
    xml('iq', { type: 'result', ...(to ? { from: to } : {}), ...(from ? { to: from } : {}), ...(id ? { id } : {}) }, ...children);
  const target = (to ?? '').split('/')[0]!.toLowerCase();
  const domain = target.includes('@') ? target.slice(target.indexOf('@') + 1) : target;
  const ours = gatewayDomains.includes(domain);
  // XEP-0030 3.1/4.1: a node we do not have is <item-not-found/>; nodes are not used here.
  if (type === 'get' && ours && (payload?.is('query', NS.discoInfo) || payload?.is('query', NS.discoItems)) && payload.attrs.node) {
    return buildErrorReply({ name: 'iq', ...attrs }, 'item-not-found', 'cancel');
  }
  if (type === 'get' && payload?.is('query', NS.discoInfo) && ours) {
    // XEP-0030 3.1: the domain is a gateway (category "gateway", type "simple": SIP/SIMPLE);
    // a user on it is an account ("account/registered").
    const identity = target.includes('@')
      ? xml('identity', { category: 'account', type: 'registered' })
      : xml('identity', { category: 'gateway', type: 'simple', name: 'Switchboard' });
    return reply(xml('query', { xmlns: NS.discoInfo }, identity, ...FEATURES.map((f) => xml('feature', { var: f }))));
  }
  if (type === 'get' && payload?.is('query', NS.discoItems) && ours) {
    return reply(xml('query', { xmlns: NS.discoItems }));
  }
  if (type === 'get' && payload?.is('ping', NS.ping)) return reply();
  // RFC 6120 8.4: "an entity that receives an IQ request of type "get" or "set" MUST reply with
  // an IQ response of type "result" or "error"", for an unknown payload <service-unavailable/>.
  return buildErrorReply({ name: 'iq', ...attrs }, 'service-unavailable', 'cancel');
}

/** The parts of xmpp.js's incoming middleware context used here. */
interface IqContext { readonly stanza: Element }
type Middleware = (ctx: IqContext, next: () => Promise<unknown>) => unknown;
interface WithMiddleware { middleware?: { use(fn: Middleware): unknown } }

/**
 * Makes `entity` answer every IQ get/set exactly once, with answerIq's reply, and never an IQ
 * result/error. With xmpp.js's middleware (real component and client entities) the answer is
 * handed to its IQ handler, which sends it (to/from swapped, same id) instead of its own
 * <service-unavailable/>; handlers xmpp.js registered before (the client's XEP-0199 ping) keep
 * answering theirs. Without a middleware (a bare entity) the reply is sent from the 'stanza' event.
 * `domains` is read per request.
 */
export function installIqAnswers<E extends XmppEntity>(entity: E, domains: () => readonly string[]): E {
  const mw = (entity as E & WithMiddleware).middleware;
  if (mw) {
    // Runs after the IQ handler, which only passes on get/set with exactly one child; for
    // result/error stanzas nothing is returned and nothing is sent.
    mw.use(async (ctx, next) => {
      const iq = ctx.stanza;
      if (iq.name !== 'iq' || (iq.attrs.type !== 'get' && iq.attrs.type !== 'set')) return next();
      const reply = answerIq(iq, domains());
      if (!reply) return undefined;
      // The IQ handler wraps an <error/> into an error reply and anything else into a result
      // (an Element becomes its payload, `true` an empty result).
      if (reply.attrs.type === 'error') return reply.getChild('error');
      return reply.getChildElements()[0] ?? true;
    });
  } else {
    entity.on('stanza', (el: Element) => {
      if (el.name !== 'iq') return;
      const reply = answerIq(el, domains());
      if (reply) entity.send(reply).catch(() => { /* the link is down; the peer times out */ });
    });
  }
  return entity;
}
