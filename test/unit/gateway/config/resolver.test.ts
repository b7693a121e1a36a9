/**
 * The `resolver:` configuration section (gateway/resolver.ts): defaults, the enabled default
 * ("sip or xmpp configured"), refused values, and the environment override.
 */
import { checkConfig, loadConfig } from '../../../../gateway/config';
import { resolverEnabled } from '../../../../gateway/config/types';
import { domainResolverFor } from '../../../../gateway/resolver';

const noEnv = {};
const SIP = 'domains: { sip.example.test: sip }\nsip: { domain: sip.example.test, listen: { udp: 127.0.0.1:5060 } }\n';

describe('resolver configuration', () => {
  it('has defaults; lookups are on only when a sip or xmpp adapter could reach what they find', () => {
    const plain = loadConfig({ env: noEnv });
    expect(plain.resolver).toEqual({ timeoutMs: 2000, cacheSeconds: 300, negativeCacheSeconds: 60, maxEntries: 1000 });
    expect(resolverEnabled(plain)).toBe(false);
    expect(domainResolverFor(plain)).toBeUndefined();
    const sip = loadConfig({ text: SIP, env: noEnv });
    expect(resolverEnabled(sip)).toBe(true);
    expect(typeof domainResolverFor(sip)).toBe('function');
    const xmpp = loadConfig({ text: 'xmpp: { components: [] }\n', env: noEnv });
    expect(resolverEnabled(xmpp)).toBe(true);
  });

  it('enabled: false turns it off; servers and bounds are taken as written', () => {
    const off = loadConfig({ text: `${SIP}resolver: { enabled: false }\n`, env: noEnv });
    expect(resolverEnabled(off)).toBe(false);
    expect(domainResolverFor(off)).toBeUndefined();
    const c = loadConfig({ text: `${SIP}resolver: { servers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.1'], timeoutMs: 500 }\n`, env: noEnv });
    expect(c.resolver).toMatchObject({ servers: ['127.0.0.1:5353', '[::1]:53', '10.0.0.1'], timeoutMs: 500, cacheSeconds: 300 });
  });

  it('the environment overrides a key', () => {
    const c = loadConfig({ text: SIP, env: { SWITCHBOARD_RESOLVER__TIMEOUTMS: '750' } });
    expect(c.resolver?.timeoutMs).toBe(750);
  });

  it.each([
    ['a host name as server (node:dns takes addresses)', "resolver: { servers: ['dns.example.test:53'] }", 'resolver.servers[0]'],
    ['a timeout of 0', 'resolver: { timeoutMs: 0 }', 'resolver.timeoutMs'],
    ['an unknown key', 'resolver: { ttl: 5 }', 'resolver.ttl'],
    ['an empty cache', 'resolver: { maxEntries: 0 }', 'resolver.maxEntries'],
  ])('refuses %s', (_n, yaml, path) => {
    const r = checkConfig({ text: `${SIP}${yaml}\n`, env: noEnv });
    expect(r.config).toBeUndefined();
    expect(r.problems.join('\n')).toContain(path);
  });
});
