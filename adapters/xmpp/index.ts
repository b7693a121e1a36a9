/** The XMPP adapter: XEP-0114 components and client-mode accounts (README.md beside this file). */
import type { Adapter, AdapterContext } from '../../canonical/adapter';
import type { XmppAdapterConfig } from './config';
import { XmppAdapter, type XmppAdapterOptions } from './adapter';

export { XmppAdapter, type XmppAdapterOptions } from './adapter';
export type { XmppAdapterConfig, XmppClientSettings, XmppComponentSettings } from './config';

/** The factory the gateway's adapter registry names: `xmpp: createXmppAdapter`. */
export function createXmppAdapter(config: XmppAdapterConfig, ctx: AdapterContext, opts?: XmppAdapterOptions): Adapter {
  return new XmppAdapter(config, ctx, opts);
}
