/**
 * The part of the gateway configuration this adapter reads, declared here so that adapters/
 * imports canonical/ only; the gateway's GatewayConfig satisfies it (gateway/config/types.ts
 * SipConfig has the same shape).
 */

/** `sip:` section: the SIP island served, listeners, outbound proxy, digest credentials. */
export interface SipSection {
  readonly domain: string;
  readonly listen: {
    readonly udp?: string;
    readonly tcp?: string;
    readonly tls?: { readonly listen: string; readonly cert: string; readonly key: string };
  };
  readonly outboundProxy?: string;
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** Presence limits (seconds) shared with the presence service. */
export interface PresenceLimits {
  readonly defaultExpires: number;
  readonly minExpires: number;
  readonly maxExpires: number;
}

export interface SipAdapterConfig {
  readonly presence: PresenceLimits;
  readonly sip?: SipSection;
  /** The gateway's `resolver:` section: its DNS servers serve the RFC 3263 lookups too. */
  readonly resolver?: { readonly servers?: readonly string[]; readonly timeoutMs?: number };
}
