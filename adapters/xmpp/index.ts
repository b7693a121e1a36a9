/** The XMPP adapter: XEP-0114 components and client-mode accounts (README.md beside this file). */
import type { Adapter, AdapterContext } from '../../canonical/adapter';
import type { GatewayConfig } from '../../gateway/config/types';
import { XmppAdapter, type XmppAdapterOptions } from './adapter';

export { XmppAdapter, type XmppAdapterOptions } from './adapter';

/** The factory the gateway's adapter registry names: `xmpp: createXmppAdapter`. */
export function createXmppAdapter(config: GatewayConfig, ctx: AdapterContext, opts?: XmppAdapterOptions): Adapter {
  return new XmppAdapter(config, ctx, opts);
}
