/**
 * Which protocol serves a domain the configuration does not list, found in the DNS (DESIGN.md
 * "Addresses and routing": "configured domains first, then DNS SRV: RFC 3861 _im._<proto>, RFC
 * 3263 for SIP, _xmpp-server._tcp").
 *
 * RFC 3861 section 3: "The symbolic name used in the Service field of the SRV record is "_im" for
 * instant messaging and "_pres" for presence ... the Protocol field of the SRV record contains an
 * IANA-registered label corresponding to the underlying instant messaging or presence protocol".
 * Section 3 again: clients supporting several protocols "may make several such SRV queries, in an
 * application-specific order, until they find one supported in common with the target domain".
 * Ours, for the protocols whose adapter is configured: `_im._sip` (`_pres._sip` for presence),
 * `_im._xmpp` (`_pres._xmpp`), then the protocols' own records: RFC 3263 4.1 `_sip._udp`,
 * `_sip._tcp`, `_sips._tcp` -> sip, RFC 6120 3.2.1 `_xmpp-server._tcp` -> xmpp. All queries of one
 * domain go out together, so one lookup takes at most one timeout; the first name in that order
 * with records decides.
 *
 * This only picks the adapter. Where the message then goes is the adapter's business: the SIP
 * adapter resolves the request URI by RFC 3263 itself (adapters/sip/resolve.ts), the XMPP
 * component hands the stanza to its server, which does the s2s lookup.
 *
 * Answers are cached, bounded in entries; a domain without records is cached too (negative
 * caching, RFC 2308 section 5), a lookup that failed (timeout, SERVFAIL) is not. node:dns reports
 * no TTL for SRV records, so an answer is kept for `cacheSeconds` (negative ones for
 * `negativeCacheSeconds`); set them no longer than the zones' TTLs.
 */
import { promises as dns } from 'node:dns';
import type { Protocol } from '../canonical/operations';
import { usableSrv } from '../canonical/srv';
import { resolverEnabled, type GatewayConfig } from './config/types';

export type LookupKind = 'im' | 'pres';
type Routable = 'sip' | 'xmpp';

/** One SRV query: the records' count, 0 when the name has none; throws on a failed lookup. */
export type SrvQuery = (name: string) => Promise<number>;

export interface DomainResolverOptions {
  /** Protocols whose adapter is configured; others are never looked up. */
  readonly protocols: readonly Routable[];
  /** DNS servers ("ip" or "ip:port"); default the system's. */
  readonly servers?: readonly string[];
  /** Bound on one lookup (all its queries run together). */
  readonly timeoutMs: number;
  readonly cacheSeconds: number;
  readonly negativeCacheSeconds: number;
  readonly maxEntries: number;
  /** Replaces the DNS (unit tests). */
  readonly query?: SrvQuery;
  readonly now?: () => number;
}

/** The SRV names asked for a domain, in the order that decides, with the protocol each means. */
export function srvNames(domain: string, kind: LookupKind, protocols: readonly Routable[]): Array<{ name: string; protocol: Routable }> {
  const has = (p: Routable): boolean => protocols.includes(p);
  const out: Array<{ name: string; protocol: Routable }> = [];
  // RFC 3861 section 3: "_im._bip.example.com." -- the service label, then the protocol label.
  if (has('sip')) out.push({ name: `_${kind}._sip.${domain}`, protocol: 'sip' });
  if (has('xmpp')) out.push({ name: `_${kind}._xmpp.${domain}`, protocol: 'xmpp' });
  // RFC 3263 4.1: "the client constructs SRV queries for those transport protocols it supports".
  if (has('sip')) for (const t of ['_sip._udp', '_sip._tcp', '_sips._tcp']) out.push({ name: `${t}.${domain}`, protocol: 'sip' });
  // RFC 6120 3.2.1: the SRV service "xmpp-server" for server-to-server streams.
  if (has('xmpp')) out.push({ name: `_xmpp-server._tcp.${domain}`, protocol: 'xmpp' });
  return out;
}

/** node:dns errors meaning "no such records" (as opposed to "could not find out"). */
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'NOTFOUND']);

interface Entry { readonly protocol: Routable | undefined; readonly until: number }

/** A domain name we are willing to look up: a DNS name (RFC 1035 2.3.1 lengths), no IP literal. */
function lookable(domain: string): boolean {
  return domain.length <= 253 && /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(domain)
    && !/^[0-9.]+$/.test(domain);
}

export class DomainResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Routable | undefined>>();
  private readonly query: SrvQuery;
  private readonly now: () => number;
  /** DNS queries sent (tests, metrics). */
  queries = 0;

  constructor(private readonly o: DomainResolverOptions) {
    this.now = o.now ?? Date.now;
    if (o.query) this.query = o.query;
    else {
      const r = new dns.Resolver({ timeout: o.timeoutMs, tries: 1 });
      if (o.servers?.length) r.setServers([...o.servers]);
      // RFC 2782: a single record with target "." says the service is not offered: no records.
      this.query = async (name) => usableSrv(await r.resolveSrv(name)).length;
    }
  }

  /**
   * The protocol serving `domain` by its DNS records, or undefined (unknown-domain). Never
   * throws; at most timeoutMs (plus a little) per call.
   */
  async resolve(domain: string, kind: LookupKind = 'im'): Promise<Protocol | undefined> {
    const d = domain.toLowerCase().replace(/\.$/, '');
    if (this.o.protocols.length === 0 || !lookable(d)) return undefined;
    const key = `${kind} ${d}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.protocol;
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.lookup(d, kind, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Entries held now (tests). */
  get size(): number { return this.cache.size; }

  private async lookup(domain: string, kind: LookupKind, key: string): Promise<Routable | undefined> {
    const names = srvNames(domain, kind, this.o.protocols);
    this.queries += names.length;
    const results = await Promise.all(names.map(async ({ name }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<'failed'>((r) => { timer = setTimeout(() => r('failed'), this.o.timeoutMs + 100); });
        return await Promise.race([this.query(name), timeout]);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return typeof code === 'string' && NO_RECORDS.has(code) ? 0 : 'failed';
      } finally {
        clearTimeout(timer);
      }
    }));
    // The first name in order that has records decides. When a name before it could not be
    // asked (timeout, SERVFAIL) the answer is used but not cached: the next lookup may do better.
    let failed = false;
    for (let i = 0; i < names.length; i++) {
      const r = results[i];
      if (r === 'failed') { failed = true; continue; }
      if (r !== undefined && r > 0) return failed ? names[i]!.protocol : this.remember(key, names[i]!.protocol, this.o.cacheSeconds);
    }
    return failed ? undefined : this.remember(key, undefined, this.o.negativeCacheSeconds);
  }

  private remember(key: string, protocol: Routable | undefined, seconds: number): Routable | undefined {
    if (seconds <= 0) return protocol;
    // Bounded: the oldest entry goes first (Map keeps insertion order).
    while (this.cache.size >= this.o.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.cache.delete(oldest.value);
    }
    this.cache.set(key, { protocol, until: this.now() + seconds * 1000 });
    return protocol;
  }
}

/**
 * The DNS lookup the router and the presence service use after the domains table, or undefined
 * when `resolver` is disabled (by default: neither sip nor xmpp is configured, so no domain
 * found in the DNS could be reached anyway).
 */
export function domainResolverFor(config: GatewayConfig): ((domain: string, kind: LookupKind) => Promise<Protocol | undefined>) | undefined {
  if (!resolverEnabled(config)) return undefined;
  const protocols: Routable[] = [...(config.sip ? ['sip' as const] : []), ...(config.xmpp ? ['xmpp' as const] : [])];
  if (protocols.length === 0) return undefined;
  const r = config.resolver;
  const resolver = new DomainResolver({
    protocols,
    ...(r?.servers?.length ? { servers: r.servers } : {}),
    timeoutMs: r?.timeoutMs ?? 2000,
    cacheSeconds: r?.cacheSeconds ?? 300,
    negativeCacheSeconds: r?.negativeCacheSeconds ?? 60,
    maxEntries: r?.maxEntries ?? 1000,
  });
  return (domain, kind) => resolver.resolve(domain, kind);
}
