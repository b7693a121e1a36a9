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

/**
 * `resolver:` how domains missing from `domains` are found in the DNS (gateway/resolver.ts: RFC
 * 3861 _im/_pres SRV, RFC 3263 _sip/_sips, RFC 6120 _xmpp-server).
 */
export interface ResolverConfig {
  /** Default: true when a sip or xmpp section is configured (see resolverEnabled). */
  readonly enabled?: boolean;
  /** DNS servers as "ip" or "ip:port" ("[ipv6]:port"); default the system's. The SIP adapter's RFC 3263 lookups use them too. */
  readonly servers?: readonly string[];
  /** Bound on one lookup, in milliseconds. */
  readonly timeoutMs: number;
  /** How long an answer is kept (node:dns does not report SRV TTLs). */
  readonly cacheSeconds: number;
  /** How long "no records" is kept (RFC 2308 negative caching). */
  readonly negativeCacheSeconds: number;
  /** Most domains held in the cache. */
  readonly maxEntries: number;
}

/** Whether unknown domains are looked up in the DNS. */
export function resolverEnabled(c: Pick<GatewayConfig, 'resolver' | 'sip' | 'xmpp'>): boolean {
  return c.resolver?.enabled ?? (c.sip !== undefined || c.xmpp !== undefined);
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
  /** Optional so that configurations built in code need not name it; the loader always fills it. */
  readonly resolver?: ResolverConfig;
}
