/**
 * The part of the gateway configuration this adapter reads, declared here so that adapters/
 * imports canonical/ only (gateway/config/types.ts GatewayConfig satisfies it).
 */

/** xmpp.components[i]: a XEP-0114 component serving `domain` of the server at `service`. */
export interface XmppComponentSettings {
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
}

/** xmpp.clients[i]: an account logged in as an ordinary client. */
export interface XmppClientSettings {
  readonly service: string;
  readonly jid: string;
  readonly password: string;
}

export interface XmppAdapterConfig {
  readonly gateway: { readonly maxForwards: number; readonly messageTimeoutMs: number };
  readonly presence: { readonly maxExpires: number };
  readonly xmpp?: {
    readonly components: readonly XmppComponentSettings[];
    readonly clients: readonly XmppClientSettings[];
  };
}
