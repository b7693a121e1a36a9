/**
 * The configuration as the running gateway sees it, after defaults are applied and validation has
 * passed (gateway/config/ loads YAML, applies environment overrides, validates, fills defaults).
 * Key names follow the issues: they are the interface users write.
 */
import type { Protocol } from '../../canonical/operations';

export interface JsonAccountConfig {
  readonly address: string;
  readonly token: string;
  readonly admin?: boolean;
}

export interface JsonConfig {
  /** host:port of the HTTP/WebSocket listener. Default 127.0.0.1:8080. */
  readonly listen: string;
  readonly accounts: readonly JsonAccountConfig[];
  /** Admin bearer token; when absent one is generated at first start and printed. */
  readonly adminToken?: string;
  /** Seconds without a WebSocket pong before a client is out of contact (RFC 2779 3.2.5). */
  readonly heartbeatSeconds: number;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number;
}

export interface SipConfig {
  /** The SIP island this adapter serves. */
  readonly domain: string;
  readonly listen: {
    readonly udp?: string;
    readonly tcp?: string;
    readonly tls?: { readonly listen: string; readonly cert: string; readonly key: string };
  };
  /** e.g. sip:127.0.0.1:15070; without it, RFC 3263 resolution. */
  readonly outboundProxy?: string;
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface XmppComponentConfig {
  readonly service: string;
  readonly domain: string;
  readonly secret: string;
}

export interface XmppClientConfig {
  readonly service: string;
  readonly jid: string;
  readonly password: string;
}

export interface XmppConfig {
  readonly components: readonly XmppComponentConfig[];
  readonly clients: readonly XmppClientConfig[];
}

export interface GatewayConfig {
  readonly gateway: {
    /** This deployment's id in the received-trace; every instance shares it. */
    readonly id: string;
    readonly maxForwards: number;
    /** Unique per process; default generated at start. */
    readonly instanceId?: string;
    /** How long the router waits for the next hop before reporting indeterminate/timeout. */
    readonly messageTimeoutMs: number;
    /** How long a message id is remembered for duplicate suppression (RFC 2779 5.4.2). */
    readonly dedupeTtlSeconds: number;
  };
  readonly store:
    | { readonly kind: 'memory' }
    | { readonly kind: 'redis'; readonly url: string };
  /** Which protocol owns which domain. */
  readonly domains: Readonly<Record<string, Protocol>>;
  readonly presence: {
    readonly defaultExpires: number;
    readonly minExpires: number;
    readonly maxExpires: number;
  };
  readonly log: { readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  readonly json?: JsonConfig;
  readonly sip?: SipConfig;
  readonly xmpp?: XmppConfig;
}
