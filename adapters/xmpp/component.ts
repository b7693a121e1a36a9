/**
 * The XEP-0114 component entity for one configured component (xmpp.components[i]).
 */
import { component, type XmppEntity } from '@xmpp/component';
import type { XmppComponentSettings } from './config';

/**
 * Creates (does not start) the xmpp.js component. XEP-0114 section 3: the component opens a
 * stream "to" its domain and proves the shared secret with
 * <handshake>SHA1(streamID + secret)</handshake>.
 */
export function createComponentEntity(c: XmppComponentSettings): XmppEntity {
  return component({ service: c.service, domain: c.domain, password: c.secret });
}
