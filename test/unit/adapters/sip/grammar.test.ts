import { parseCSeq, parseMaxForwardsValue, parseMediaType, checkDate, checkCallId } from '../../../../adapters/sip/wire-fields';
import { parseNameAddrHeader, parseNameAddrList, parseViaList } from '../../../../adapters/sip/wire-grammar';
import { parseSipUri, encodeUser, decodePercent } from '../../../../adapters/sip/wire-uri';
import { SipWireError } from '../../../../adapters/sip/wire-error';

const fault = (f: () => unknown): string => {
  try { f(); } catch (e) { if (e instanceof SipWireError) return `${e.status} ${e.phrase}`; throw e; }
  return 'accepted';
};

describe('SIP URI (RFC 3261 25.1)', () => {
  it.each([
    ['sip:alice@example.test', { user: 'alice', host: 'example.test' }],
    ['sips:alice@EXAMPLE.test:5061;transport=tcp;lr', { scheme: 'sips', host: 'example.test', port: 5061, params: { transport: 'tcp', lr: '' } }],
    ['sip:user;par=u%40example.net@example.com', { user: 'user;par=u@example.net' }],
    ['sip:%61lice@[2001:db8::1]:5060', { user: 'alice', host: '[2001:db8::1]', port: 5060 }],
    ['sip:alice:secret@example.test', { user: 'alice', password: 'secret' }],
    ['sip:example.test', { host: 'example.test' }],
  ])('accepts %s', (uri, want) => {
    expect(parseSipUri(uri)).toMatchObject(want);
  });
  it.each([
    ['sip:alice@exa mple.test', /malformed host/],
    ['sip:@example.test', /user part/],
    ['sip:alice@example.test:99999', /port/],
    ['sip:alice@example.test;;lr', /parameter/],
    ['sip:a@b@example.test', /more than one '@'/],
    ['sip:alice@-bad-.test', /malformed host/],
    ['http://example.test', /not a sip/],
  ])('refuses %s', (uri, why) => {
    expect(fault(() => parseSipUri(uri))).toMatch(why);
  });
  it('refuses headers in a Request-URI but not in a bracketed header URI', () => {
    expect(fault(() => parseSipUri('sip:a@b.test?Route=x', { inRequestLine: true }))).toMatch(/escaped headers/);
    expect(parseSipUri('sip:a@b.test?Route=%3Csip:x%3E').headers).toBe('Route=%3Csip:x%3E');
  });
  it('round-trips a user part through percent-encoding', () => {
    for (const u of ['alice', 'a b', 'joe%example.org', 'é@x', 'a;b?c']) expect(decodePercent(encodeUser(u))).toBe(u);
    expect(encodeUser('user%other.dom')).toBe('user%25other.dom');
  });
});

describe('name-addr / addr-spec with parameters', () => {
  it.each([
    ['"J Rosenberg \\\\\\""  <sip:jdrosen@example.com> ; tag = 98asjd8', { display: 'J Rosenberg \\"', params: { tag: '98asjd8' } }],
    ['sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n', { uri: 'sip:vivekg@chair-dnrc.example.com', params: { tag: '1918181833n' } }],
    ['caller<sip:caller@example.com>;tag=323', { display: 'caller', uri: 'sip:caller@example.com' }],
    ['<sip:a@b.test;transport=udp>;expires=5', { params: { expires: '5' } }],
    ['isbn:2983792873', { scheme: 'isbn' }],
    ['<http://www.example.com>;tag=3234233', { scheme: 'http' }],
  ])('accepts %s', (v, want) => {
    expect(parseNameAddrHeader(v, 'To')).toMatchObject(want);
  });
  it.each([
    ['"Mr. J. User <sip:j.user@example.com>', /unterminated quoted string/],
    ['Bell, Alexander <sip:a.g.bell@example.com>', /must be quoted/],
    ['"Watson, Thomas" < sip:t.watson@example.org >', /white space inside <URI>/],
    ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', /<>/],
    ['<sip:a@b.test>;;tag=1', /empty parameter/],
    ['<sip:a@b.test>, <sip:c@d.test>', /more than one value/],
    ['<sip:a@b.test', /missing >/],
    ['<sip:a@b.test>;tag=', /empty value/],
  ])('refuses %s', (v, why) => {
    expect(fault(() => parseNameAddrHeader(v, 'To'))).toMatch(why);
  });
  it('splits Contact lists and accepts *', () => {
    expect(parseNameAddrList('<sip:a@b.test>;q=0.5, "X" <sip:c@d.test>', 'Contact').map((c) => c.uri)).toEqual(['sip:a@b.test', 'sip:c@d.test']);
    expect(parseNameAddrList('*', 'Contact', true)[0]!.star).toBe(true);
  });
});

describe('Via', () => {
  it('reads LWS around slashes, several values, and parameters', () => {
    const v = parseViaList('SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP / 2.0 / UDP 192.168.255.111:5070;received=192.0.2.1;rport');
    expect(v).toEqual([
      { transport: 'TCP', host: 'spindle.example.com', params: { branch: 'z9hG4bK9ikj8' }, branch: 'z9hG4bK9ikj8' },
      { transport: 'UDP', host: '192.168.255.111', port: 5070, params: { received: '192.0.2.1', rport: '' } },
    ]);
  });
  it.each([
    ['SIP/2.0/UDP 192.0.2.15;;,;,,', /empty parameter/],
    ['SIP/7.0/UDP host.test', /sent-protocol/],
    ['SIP/2.0/UDP', /white space before sent-by|malformed host/],
    ['SIP/2.0/UDP host.test;ttl=300', /ttl/],
    ['SIP/2.0/UDP host.test;branch=', /empty value|empty branch/],
  ])('refuses %s', (v, why) => {
    expect(fault(() => parseViaList(v))).toMatch(why);
  });
});

describe('scalar fields', () => {
  it.each([
    [() => parseCSeq('0009 INVITE'), 'accepted'],
    [() => parseCSeq('2147483648 INVITE'), /less than 2\*\*31/],
    [() => parseCSeq('12'), /CSeq/],
    [() => parseMaxForwardsValue('0068'), 'accepted'],
    [() => parseMaxForwardsValue('256'), /0-255/],
    [() => parseMaxForwardsValue('-1'), /Max-Forwards/],
    [() => checkDate('Sat, 13 Nov 2010 23:29:00 GMT'), 'accepted'],
    [() => checkDate('Fri, 01 Jan 2010 16:00:00 EST'), /GMT/],
    [() => checkCallId('a.b@c-d'), 'accepted'],
    [() => checkCallId('a b'), /Call-ID/],
    [() => parseMediaType('text/plain ; charset=utf-8'), 'accepted'],
    [() => parseMediaType('text'), /media/],
  ] as const)('%#', (f, want) => {
    const got = fault(f as () => unknown);
    if (typeof want === 'string') expect(got).toBe(want); else expect(got).toMatch(want);
  });
});
