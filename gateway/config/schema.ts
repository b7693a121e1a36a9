/**
 * The one configuration schema. Each section's part is a check built from gateway/config/checks.ts;
 * unknown keys are refused everywhere. Key names follow the issues (they are what users write).
 */
import { isGatewayId } from '../../canonical/trace';
import { at, bool, type Check, int, list, obj, oneOf, opt, record, req, str } from './checks';

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):([0-9]{1,5})$/;
const validHostPort = (s: string): boolean => {
  const m = HOST_PORT.exec(s);
  return m !== null && Number(m[1]) <= 65535;
};
export const hostPort = str({ test: validHostPort, what: 'host:port such as 127.0.0.1:8080' });

const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const domainName = str({ pattern: DOMAIN, what: 'a lower-case domain name such as example.test' });

/** user@domain, as the JSON protocol and account lists write it. */
const ADDRESS = /^[^@\s/]{1,256}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;
export const address = str({ pattern: ADDRESS, what: 'user@domain with a lower-case domain' });

const token = str({ test: (s) => s.length >= 8 && !/\s/.test(s), what: 'a token of at least 8 characters without spaces', max: 512 });
const nonEmpty = str();

const gateway = obj({
  id: req(str({ test: isGatewayId, what: 'a DNS-name-like id (letters, digits, ".", "-", "_", ":")', max: 255 })),
  maxForwards: req(int(1, 255)),
  instanceId: opt(str({ pattern: /^[A-Za-z0-9._:-]{1,128}$/, what: 'letters, digits, ".", "_", ":", "-"' })),
  messageTimeoutMs: req(int(100, 600_000)),
  dedupeTtlSeconds: req(int(1, 30 * 86_400)),
});

const store = obj({
  kind: req(oneOf(['memory', 'redis'] as const)),
  url: opt(str({ pattern: /^rediss?:\/\/\S+$/, what: 'a redis:// or rediss:// URL' })),
}, (v, path, problems) => {
  if (v.kind === 'redis' && v.url === undefined) problems.push(`${at(path, 'url')}: required when kind is redis`);
  if (v.kind === 'memory' && v.url !== undefined) problems.push(`${at(path, 'url')}: only used when kind is redis; remove it or set kind: redis`);
});

const presence = obj({
  defaultExpires: req(int(1, 31 * 86_400)),
  minExpires: req(int(1, 31 * 86_400)),
  maxExpires: req(int(1, 31 * 86_400)),
}, (v, path, problems) => {
  const d = v.defaultExpires as number; const mn = v.minExpires as number; const mx = v.maxExpires as number;
  if (mn > mx) problems.push(`${at(path, 'minExpires')}: ${mn} is greater than maxExpires ${mx}`);
  if (d < mn || d > mx) problems.push(`${at(path, 'defaultExpires')}: ${d} is outside minExpires..maxExpires (${mn}..${mx})`);
});

const log = obj({ level: req(oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const)) });

const json = obj({
  listen: req(hostPort),
  accounts: req(list(obj({ address: req(address), token: req(token), admin: opt(bool()) }), 10_000)),
  adminToken: opt(token),
  heartbeatSeconds: req(int(2, 3600)),
  maxBodyBytes: req(int(1024, 64 * 1_048_576)),
});

/** `sip:` (issue 4; shape in gateway/config/types.ts SipConfig). */
const sip = obj({
  domain: req(domainName),
  listen: req(obj({
    udp: opt(hostPort),
    tcp: opt(hostPort),
    tls: opt(obj({ listen: req(hostPort), cert: req(nonEmpty), key: req(nonEmpty) })),
  }, (v, path, problems) => {
    if (v.udp === undefined && v.tcp === undefined && v.tls === undefined) problems.push(`${path}: needs at least one of udp, tcp, tls`);
  })),
  outboundProxy: opt(str({ pattern: /^sips?:\S+$/, what: 'a sip: or sips: URI such as sip:127.0.0.1:15070' })),
  credentials: opt(obj({ username: req(nonEmpty), password: req(nonEmpty) })),
});

/** `xmpp:` (issue 5; shape in gateway/config/types.ts XmppConfig). */
const xmpp = obj({
  components: req(list(obj({
    service: req(str({ pattern: /^xmpps?:\/\/[^\s/]+$/, what: 'xmpp://host:port' })),
    domain: req(domainName),
    secret: req(nonEmpty),
  }), 100)),
  clients: req(list(obj({
    service: req(str({ pattern: /^(?:xmpps?|wss?):\/\/\S+$/, what: 'xmpp://host:port, xmpps://, ws:// or wss://' })),
    jid: req(str({ pattern: /^[^@\s/]+@[^@\s/]+(?:\/\S+)?$/, what: 'a JID such as gw@example.test' })),
    password: req(nonEmpty),
  }), 100)),
});

/** A DNS server as node:dns takes it: an IP address, optionally with a port. */
const IP_PORT = /^(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*)$/;

/** `resolver:` (gateway/resolver.ts; shape in gateway/config/types.ts ResolverConfig). */
const resolver = obj({
  enabled: opt(bool()),
  servers: opt(list(str({ pattern: IP_PORT, what: 'an IP address with an optional port, such as 127.0.0.1:5353 or [::1]:53' }), 16)),
  timeoutMs: req(int(50, 30_000)),
  cacheSeconds: req(int(0, 86_400)),
  negativeCacheSeconds: req(int(0, 86_400)),
  maxEntries: req(int(1, 1_000_000)),
});

const PROTOCOLS = ['json', 'sip', 'xmpp'] as const;

/** The whole configuration, with cross-section checks after each section passed its own. */
export const CONFIG_SCHEMA: Check<Record<string, unknown>> = obj({
  gateway: req(gateway),
  store: req(store),
  domains: req(record(domainName, oneOf(PROTOCOLS), 10_000)),
  presence: req(presence),
  log: req(log),
  json: opt(json),
  sip: opt(sip),
  xmpp: opt(xmpp),
  resolver: opt(resolver),
}, (v, _path, problems) => {
  const domains = v.domains as Record<string, string>;
  for (const [d, p] of Object.entries(domains)) {
    if (v[p] === undefined) problems.push(`domains.${d}: owned by ${p}, but there is no ${p} section`);
  }
  const accounts = (v.json as { accounts?: { address: string }[] } | undefined)?.accounts ?? [];
  accounts.forEach((a, i) => {
    const domain = a.address.slice(a.address.lastIndexOf('@') + 1);
    if (domains[domain] !== 'json') problems.push(`json.accounts[${i}].address: domain ${domain} is not a json domain in domains`);
  });
  const sipDomain = (v.sip as { domain?: string } | undefined)?.domain;
  if (sipDomain !== undefined && domains[sipDomain] !== 'sip') problems.push(`sip.domain: ${sipDomain} must also be listed in domains as sip`);
});
