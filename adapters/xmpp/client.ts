/**
 * The client-mode entity for one configured account (xmpp.clients[i]): Switchboard logs in as an
 * ordinary user on a server it does not administer (RFC 6120 SASL, resource binding).
 */
import type { ClientOptions } from '@xmpp/client';
import type { XmppEntity } from '@xmpp/component';
import type { XmppClientSettings } from './config';

/** Splits user@domain/resource; the resource defaults to "switchboard". */
export function clientOptions(c: XmppClientSettings): ClientOptions {
  const m = /^([^@/]+)@([^@/]+)(?:\/(.+))?$/.exec(c.jid);
  if (!m) throw new Error(`xmpp.clients: jid ${JSON.stringify(c.jid)} is not user@domain[/resource]`);
  return { service: c.service, domain: m[2]!, username: m[1]!, password: c.password, resource: m[3] ?? 'switchboard' };
}

/**
 * Creates (does not start) the xmpp.js client. @xmpp/client is ESM-only; it is loaded on first
 * use (Node >= 20.19 can require() it), so component-only deployments never load it.
 */
export function createClientEntity(c: XmppClientSettings): XmppEntity {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('@xmpp/client') as typeof import('@xmpp/client');
  return mod.client(clientOptions(c));
}
