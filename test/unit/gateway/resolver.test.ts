/**
 * gateway/resolver.ts with the DNS replaced by a table (pure logic: order of the SRV names, the
 * cache and its bounds, negative caching, failures). The real DNS server path:
 * test/integration/resolver-gateway.test.ts.
 */
import { DomainResolver, srvNames, type SrvQuery } from '../../../gateway/resolver';

function fakeDns(records: Record<string, number>, failing: readonly string[] = []) {
  const asked: string[] = [];
  const query: SrvQuery = async (name) => {
    asked.push(name);
    if (failing.includes(name)) throw Object.assign(new Error('timeout'), { code: 'ETIMEOUT' });
    const n = records[name];
    if (n === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return n;
  };
  return { asked, query };
}

function resolver(query: SrvQuery, over: Partial<ConstructorParameters<typeof DomainResolver>[0]> = {}) {
  let now = 1_000_000;
  const r = new DomainResolver({ protocols: ['sip', 'xmpp'], timeoutMs: 200, cacheSeconds: 60, negativeCacheSeconds: 10, maxEntries: 100, query, now: () => now, ...over });
  return { r, advance: (ms: number) => { now += ms; } };
}

describe('srvNames (RFC 3861 section 3, RFC 3263 4.1, RFC 6120 3.2.1)', () => {
  it.each([
    ['im', ['sip', 'xmpp'], ['_im._sip.d.test', '_im._xmpp.d.test', '_sip._udp.d.test', '_sip._tcp.d.test', '_sips._tcp.d.test', '_xmpp-server._tcp.d.test']],
    ['pres', ['sip', 'xmpp'], ['_pres._sip.d.test', '_pres._xmpp.d.test', '_sip._udp.d.test', '_sip._tcp.d.test', '_sips._tcp.d.test', '_xmpp-server._tcp.d.test']],
    ['im', ['sip'], ['_im._sip.d.test', '_sip._udp.d.test', '_sip._tcp.d.test', '_sips._tcp.d.test']],
    ['im', ['xmpp'], ['_im._xmpp.d.test', '_xmpp-server._tcp.d.test']],
    ['im', [], []],
  ] as const)('%s with %j', (kind, protocols, want) => {
    expect(srvNames('d.test', kind, protocols).map((n) => n.name)).toEqual(want);
  });
});

describe('DomainResolver', () => {
  it.each([
    ['_im._sip only', { '_im._sip.d.test': 1 }, 'sip'],
    ['_im._xmpp beats the protocols\' own records', { '_im._xmpp.d.test': 1, '_sip._udp.d.test': 2 }, 'xmpp'],
    ['_im._sip beats _im._xmpp', { '_im._xmpp.d.test': 1, '_im._sip.d.test': 1 }, 'sip'],
    ['RFC 3263 _sip._tcp', { '_sip._tcp.d.test': 1 }, 'sip'],
    ['RFC 3263 _sips._tcp', { '_sips._tcp.d.test': 1 }, 'sip'],
    ['_xmpp-server._tcp', { '_xmpp-server._tcp.d.test': 3 }, 'xmpp'],
    ['SIP records before XMPP server records', { '_xmpp-server._tcp.d.test': 1, '_sip._udp.d.test': 1 }, 'sip'],
    ['nothing', {}, undefined],
    ['an empty answer is no records', { '_im._sip.d.test': 0 }, undefined],
  ] as const)('%s', async (_n, records, want) => {
    const { r } = resolver(fakeDns(records).query);
    expect(await r.resolve('d.test')).toBe(want);
  });

  it('only the configured protocols are asked for', async () => {
    const dns = fakeDns({ '_xmpp-server._tcp.d.test': 1 });
    const { r } = resolver(dns.query, { protocols: ['sip'] });
    expect(await r.resolve('d.test')).toBeUndefined();
    expect(dns.asked.some((n) => n.includes('xmpp'))).toBe(false);
  });

  it('presence asks _pres, not _im', async () => {
    const dns = fakeDns({ '_pres._xmpp.d.test': 1, '_im._sip.d.test': 1 });
    const { r } = resolver(dns.query);
    expect(await r.resolve('d.test', 'pres')).toBe('xmpp');
    expect(dns.asked).not.toContain('_im._sip.d.test');
  });

  it('answers are cached for cacheSeconds, "no records" for negativeCacheSeconds; names are case-insensitive', async () => {
    const dns = fakeDns({ '_sip._udp.d.test': 1 });
    const { r, advance } = resolver(dns.query);
    expect(await r.resolve('d.test')).toBe('sip');
    const n = dns.asked.length;
    expect(await r.resolve('D.Test.')).toBe('sip');
    expect(dns.asked).toHaveLength(n);
    advance(60_001);
    expect(await r.resolve('d.test')).toBe('sip');
    expect(dns.asked).toHaveLength(2 * n);
    expect(await r.resolve('none.test')).toBeUndefined();
    const m = dns.asked.length;
    advance(9_000);
    expect(await r.resolve('none.test')).toBeUndefined();
    expect(dns.asked).toHaveLength(m);
    advance(1_001);
    expect(await r.resolve('none.test')).toBeUndefined();
    expect(dns.asked).toHaveLength(m + n);
  });

  it('a failed lookup is not cached; a later name with records is used but not kept', async () => {
    const dns = fakeDns({ '_sip._udp.d.test': 1 }, ['_im._sip.d.test']);
    const { r } = resolver(dns.query);
    expect(await r.resolve('d.test')).toBe('sip');
    // _im._sip.d.test (asked before _sip._udp) could not be asked: the answer is not kept.
    expect(r.size).toBe(0);
    const before = dns.asked.length;
    expect(await r.resolve('d.test')).toBe('sip');
    expect(dns.asked.length).toBeGreaterThan(before);
  });

  it('every failure: unknown, not cached', async () => {
    const all = srvNames('down.test', 'im', ['sip', 'xmpp']).map((n) => n.name);
    const dns = fakeDns({}, all);
    const { r } = resolver(dns.query);
    expect(await r.resolve('down.test')).toBeUndefined();
    expect(r.size).toBe(0);
  });

  it('a query that never answers is cut off by timeoutMs', async () => {
    const { r } = resolver(() => new Promise<number>(() => undefined), { timeoutMs: 50 });
    const t0 = Date.now();
    expect(await r.resolve('hang.test')).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('concurrent lookups of one domain share the queries', async () => {
    const dns = fakeDns({ '_im._sip.d.test': 1 });
    const { r } = resolver(dns.query);
    const all = await Promise.all([r.resolve('d.test'), r.resolve('d.test'), r.resolve('d.test')]);
    expect(all).toEqual(['sip', 'sip', 'sip']);
    expect(dns.asked).toHaveLength(6);
  });

  it('the cache is bounded: the oldest domain goes first', async () => {
    const dns = fakeDns({});
    const { r } = resolver(dns.query, { maxEntries: 3 });
    for (const d of ['a.test', 'b.test', 'c.test', 'd.test']) await r.resolve(d);
    expect(r.size).toBe(3);
    const n = dns.asked.length;
    await r.resolve('d.test');
    expect(dns.asked).toHaveLength(n);
    await r.resolve('a.test');
    expect(dns.asked.length).toBeGreaterThan(n);
  });

  it.each(['localhost', '127.0.0.1', 'bad..test', `${'a'.repeat(64)}.test`, 'under_score.test'])('%s is not looked up', async (d) => {
    const dns = fakeDns({});
    const { r } = resolver(dns.query);
    expect(await r.resolve(d)).toBeUndefined();
    expect(dns.asked).toEqual([]);
  });
});
