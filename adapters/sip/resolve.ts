/**
 * Where an outbound request goes: the configured outbound proxy, or RFC 3263 server location
 * reduced to what this gateway needs (no NAPTR): an IP address in the URI is used as is; for a
 * name, "If no NAPTR records are found, the client constructs SRV queries for those transport
 * protocols it supports" (RFC 3263 4.1), _sip._udp then _sip._tcp; without SRV records, "the
 * element SHOULD perform an A or AAAA record lookup of the domain name" with the default port
 * (4.2). Lookups are bounded in time.
 */
import { promises as dns } from 'node:dns';
import { TransportError } from '../../canonical/errors';
import { orderSrv } from '../../canonical/srv';
import type { Remote, TransportName } from './transport';
import { isIPv4, parseSipUri } from './wire-uri';

export interface ResolveOptions {
  readonly outboundProxy?: string;
  /** Transports this adapter has listeners for. */
  readonly transports: readonly TransportName[];
  readonly timeoutMs?: number;
  /** DNS servers ("ip" or "ip:port") instead of the system's (lab topologies, tests). */
  readonly servers?: readonly string[];
}

/** Resolves the next hop for a request to `uri`. */
export async function resolveTarget(uri: string, opts: ResolveOptions): Promise<Remote> {
  const target = parseSipUri(opts.outboundProxy ?? uri);
  const maddr = target.params.maddr;
  const host = maddr ?? target.host;
  const wanted = target.params.transport?.toUpperCase();
  const pick = (t: TransportName | undefined): TransportName => {
    const want = t ?? (wanted === 'TCP' ? 'TCP' : wanted === 'UDP' ? 'UDP' : undefined);
    if (want && opts.transports.includes(want)) return want;
    if (want) throw new TransportError('remote-unreachable', `no ${want} listener configured for ${uri}`);
    const first = opts.transports.find((t) => t !== 'TLS');
    if (!first) throw new TransportError('remote-unreachable', 'no SIP transport configured');
    return first;
  };
  if (isIPv4(host) || host.startsWith('[')) {
    return { transport: pick(undefined), address: host.replace(/^\[|\]$/g, ''), port: target.port ?? 5060 };
  }
  const resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: 1 });
  if (opts.servers?.length) resolver.setServers([...opts.servers]);
  if (target.port === undefined) {
    const order: TransportName[] = wanted === 'TCP' ? ['TCP'] : wanted === 'UDP' ? ['UDP'] : ['UDP', 'TCP'];
    let sawSrv = false;
    for (const t of order) {
      if (!opts.transports.includes(t)) continue;
      let srv: Awaited<ReturnType<typeof resolver.resolveSrv>>;
      try {
        srv = await resolver.resolveSrv(`_sip._${t.toLowerCase()}.${host}`);
      } catch { continue; /* no SRV for this transport: try the next, then A */ }
      // RFC 3263 4.2: "the procedures of RFC 2782, as described in the section titled "Usage
      // rules" are followed" (canonical/srv.ts); the first target that has an address is used.
      // Bounded: at most 8 targets are looked up.
      const ordered = orderSrv(srv).slice(0, 8);
      for (const target of ordered) {
        try {
          return { transport: t, address: await lookupA(resolver, target.name), port: target.port };
        } catch { /* this target has no address: the next one */ }
      }
      if (srv.length > 0) sawSrv = true;
    }
    // RFC 3263 4.2 "If no SRV records were found, the client performs an A or AAAA record lookup
    // of the domain name": only then (records with only "." targets or targets without an address
    // say where the service is, and it is not reachable).
    if (sawSrv) throw new TransportError('remote-unreachable', `no reachable SRV target for ${host}`);
  }
  return { transport: pick(undefined), address: await lookupA(resolver, host), port: target.port ?? 5060 };
}

async function lookupA(resolver: dns.Resolver, name: string): Promise<string> {
  if (isIPv4(name)) return name;
  try {
    const a = await resolver.resolve4(name);
    if (a[0]) return a[0];
  } catch { /* fall through to the system resolver (hosts file) */ }
  try {
    const r = await dns.lookup(name, { family: 4 });
    return r.address;
  } catch (e) {
    throw new TransportError('remote-unreachable', `cannot resolve ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
