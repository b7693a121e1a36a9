/**
 * Address parsing and formatting: table-driven cases from RFC 7247 6.4/6.5, RFC 3922 3, RFC 3261
 * 25.1 and the XEP-0106 examples, and the errors strict parsing must raise.
 */
import {
  ANONYMOUS, addressKey, escapeForeign, escapeJidLocal, formatJid, formatUri, isAnonymous, normalizeDomain,
  parseAddressKey, parseAnyAddress, parseJid, parseUri, unescapeForeign, unescapeJidLocal, type Address,
} from '../../../canonical/address';
import { ParseError } from '../../../canonical/errors';

/** The error must be a ParseError with the address-malformed code and mention `fragment`. */
function expectAddressError(fn: () => unknown, fragment: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ParseError);
  expect((caught as ParseError).code).toBe('address-malformed');
  expect((caught as ParseError).message).toMatch(fragment);
}

describe('RFC 7247 6.4 SIP to XMPP examples', () => {
  it.each<[string, string, Address]>([
    ['sip:f%C3%BC@sip.example', 'f\u00fc@sip.example', { local: 'f\u00fc', domain: 'sip.example' }],
    ["sip:o'malley@sip.example", 'o\\27malley@sip.example', { local: "o'malley", domain: 'sip.example' }],
    ['sip:foo@sip.example;gr=bar', 'foo@sip.example/bar', { local: 'foo', domain: 'sip.example', resource: 'bar' }],
  ])('%s -> %s', (uri, jid, address) => {
    const parsed = parseUri(uri);
    expect(parsed.scheme).toBe('sip');
    expect(parsed.address).toEqual(address);
    expect(formatJid(parsed.address)).toBe(jid);
  });
});

describe('RFC 7247 6.5 XMPP to SIP examples', () => {
  it.each<[string, string]>([
    ['m\\26m@xmpp.example', 'sip:m&m@xmpp.example'],
    ['tsch\u00fcss@xmpp.example', 'sip:tsch%C3%BCss@xmpp.example'],
    ['baz@xmpp.example/qux', 'sip:baz@xmpp.example;gr=qux'],
  ])('%s -> %s', (jid, uri) => {
    expect(formatUri(parseJid(jid), 'sip')).toBe(uri);
    expect(formatJid(parseUri(uri).address)).toBe(jid);
  });

  it('percent-encodes #%[\\]^`{|} and non-ASCII toward sip: (6.5 step 5)', () => {
    expect(formatUri({ local: '#%[\\]^`{|}', domain: 'x.example' }, 'sip')).toBe('sip:%23%25%5B%5C%5D%5E%60%7B%7C%7D@x.example');
  });

  it('percent-encodes (),.;[\\] toward im:/pres: where dot-atom needs it (6.5 step 5)', () => {
    expect(formatUri({ local: '(a),b;[c]\\d', domain: 'x.example' }, 'im')).toBe('im:%28a%29%2Cb%3B%5Bc%5D%5Cd@x.example');
    expect(formatUri({ local: 'first.last', domain: 'x.example' }, 'pres')).toBe('pres:first.last@x.example');
    expect(formatUri({ local: '.a..b.', domain: 'x.example' }, 'im')).toBe('im:%2Ea%2E%2Eb%2E@x.example');
    expect(parseUri('im:%2Ea%2E%2Eb%2E@x.example').address.local).toBe('.a..b.');
  });
});

describe('RFC 3922 3 XMPP <-> CPIM', () => {
  it.each<[string, string, string]>([
    // 3.2 step 3: "Translate #26; to &, #27; to ', and #2f; to /"
    ['at\\26t@example.com', 'im:at&t@example.com', 'pres:at&t@example.com'],
    ['d\\27artagnan@example.com', "im:d'artagnan@example.com", "pres:d'artagnan@example.com"],
    ['a\\2fb@example.com', 'im:a/b@example.com', 'pres:a/b@example.com'],
    // 3.2 step 1: the resource is discarded toward im:/pres:
    ['juliet@example.com/balcony', 'im:juliet@example.com', 'pres:juliet@example.com'],
  ])('%s -> %s / %s', (jid, im, pres) => {
    const a = parseJid(jid);
    expect(formatUri(a, 'im')).toBe(im);
    expect(formatUri(a, 'pres')).toBe(pres);
    // 3.3: back to XMPP (without the resource)
    expect(formatJid(parseUri(im).address)).toBe(jid.replace(/\/.*$/, ''));
  });

  it('percent-encodes non-ASCII and URI delimiters in im: local parts', () => {
    expect(formatUri({ local: 'r\u00e9mi?#x', domain: 'example.com' }, 'im')).toBe('im:r%C3%A9mi%3F%23x@example.com');
  });
});

describe('XEP-0106 examples (section 5.1: user input, escaped JID)', () => {
  it.each<[string, string]>([
    ['space cadet@example.com', 'space\\20cadet@example.com'],
    ['call me "ishmael"@example.com', 'call\\20me\\20\\22ishmael\\22@example.com'],
    ['at&t guy@example.com', 'at\\26t\\20guy@example.com'],
    ["d'artagnan@example.com", 'd\\27artagnan@example.com'],
    ['/.fanboy@example.com', '\\2f.fanboy@example.com'],
    ['::foo::@example.com', '\\3a\\3afoo\\3a\\3a@example.com'],
    ['<foo>@example.com', '\\3cfoo\\3e@example.com'],
    ['user@host@example.com', 'user\\40host@example.com'],
    ['c:\\net@example.com', 'c\\3a\\net@example.com'],
    ['c:\\\\net@example.com', 'c\\3a\\\\net@example.com'],
    ['c:\\cool stuff@example.com', 'c\\3a\\cool\\20stuff@example.com'],
    ['c:\\5commas@example.com', 'c\\3a\\5c5commas@example.com'],
  ])('%s <-> %s', (input, escaped) => {
    const a = parseAddressKey(input);
    expect(formatJid(a)).toBe(escaped);
    expect(parseJid(escaped)).toEqual(a);
    expect(addressKey(parseJid(escaped))).toBe(input);
  });

  it.each(['\\2plus\\2is\\4', 'foo\\bar', 'foob\\41r'])('%s is not modified by escaping or unescaping', (s) => {
    expect(escapeJidLocal(s)).toBe(s);
    expect(unescapeJidLocal(s)).toBe(s);
  });

  it('unescapes only the lower-case sequences ("CASE IS SIGNIFICANT")', () => {
    expect(unescapeJidLocal('a\\2Fb')).toBe('a\\2Fb');
    expect(unescapeJidLocal('a\\2fb')).toBe('a/b');
  });

  it('maps the mailto:/sip: example through a JID and back', () => {
    const sip = parseUri('sip:here%27s_a_wild_%26_%2Fcr%25zy%2F_address@example.com').address;
    expect(sip.local).toBe("here's_a_wild_&_/cr%zy/_address");
    expect(formatJid(sip)).toBe('here\\27s_a_wild_\\26_\\2fcr%zy\\2f_address@example.com');
    expect(formatUri(sip, 'sip')).toBe("sip:here's_a_wild_&_/cr%25zy/_address@example.com");
  });
});

describe('parseUri', () => {
  it.each<[string, 'im' | 'pres' | 'sip' | 'sips', Address]>([
    ['sip:alice@Example.COM', 'sip', { local: 'alice', domain: 'example.com' }],
    ['SIP:alice@example.com', 'sip', { local: 'alice', domain: 'example.com' }],
    ['sips:alice@example.com:5061;transport=tls;lr', 'sips', { local: 'alice', domain: 'example.com' }],
    ['sip:alice@192.0.2.4:5060', 'sip', { local: 'alice', domain: '192.0.2.4' }],
    ['sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]', 'sip', { local: 'alice', domain: '[2001:db8::10]' }],
    ['sip:+1-212-555-1212@gateway.example;user=phone', 'sip', { local: '+1-212-555-1212', domain: 'gateway.example' }],
    ['sip:alice@example.com?subject=project%20x&priority=urgent', 'sip', { local: 'alice', domain: 'example.com' }],
    ['sip:a;b?c@example.com', 'sip', { local: 'a;b?c', domain: 'example.com' }],
    ['sip:alice@example.com.;gr=urn:uuid:f81d4fae', 'sip', { local: 'alice', domain: 'example.com', resource: 'urn:uuid:f81d4fae' }],
    ['im:fred@example.com', 'im', { local: 'fred', domain: 'example.com' }],
    ['pres:fred.smith@example.com', 'pres', { local: 'fred.smith', domain: 'example.com' }],
    ['im:fred@example.com?subject=hi', 'im', { local: 'fred', domain: 'example.com' }],
    ['im:%2Efred@example.com', 'im', { local: '.fred', domain: 'example.com' }],
  ])('%s', (uri, scheme, address) => {
    expect(parseUri(uri)).toEqual({ scheme, address });
  });

  it.each<[string, RegExp]>([
    ['sip:example.com', /no user part/],
    ['sip:@example.com', /empty user part/],
    ['sip:alice:secret@example.com', /password/],
    ['sip:alice@bob@example.com', /more than one '@'/],
    ['sip:al ice@example.com', /whitespace/],
    ['sip:al%4@example.com', /two hex digits/],
    ['sip:al%FF@example.com', /UTF-8/],
    ['sip:al%00@example.com', /control/],
    ['sip:al#x@example.com', /#/],
    ['sip:al[x@example.com', /must be percent-encoded/],
    ['sip:alice@example.com:99999', /invalid port/],
    ['sip:alice@exa_mple.com', /invalid label/],
    ['sip:alice@-example.com', /invalid label/],
    ['sip:alice@example.123', /last label must start with a letter/],
    ['sip:alice@b\u00fccher.example', /non-ASCII/],
    ['sip:alice@example.com;gr=a;gr=b', /more than one gr/],
    ['sip:alice@example.com;=x', /empty parameter/],
    ['sip:alice@example.com?nameonly', /header without/],
    ['tel:+12125551212', /not an im:, pres:, sip: or sips: URI/],
    ['alice@example.com', /not an im:, pres:, sip: or sips: URI/],
    ['im:example.com', /no '@'/],
    ['im:.fred@example.com', /dot-atom/],
    ['im:fred..x@example.com', /dot-atom/],
    ['im:fred(x)@example.com', /must be percent-encoded/],
    ['pres:@example.com', /empty local part/],
    [`sip:${'a'.repeat(5000)}@example.com`, /longer than/],
    [`sip:${'a'.repeat(1024)}@example.com`, /longer than 1023 bytes/],
  ])('refuses %s', (uri, why) => {
    expectAddressError(() => parseUri(uri), why);
  });
});

describe('formatUri', () => {
  it('keeps RFC 3261 user characters literal, escapes the rest', () => {
    expect(formatUri({ local: "a-_.!~*'()&=+$,/z", domain: 'x.example' }, 'sip')).toBe("sip:a-_.!~*'()&=+$,/z@x.example");
    expect(formatUri({ local: 'a;b?c d"e', domain: 'x.example' }, 'sips')).toBe('sips:a%3Bb%3Fc%20d%22e@x.example');
    expect(formatUri({ local: 'a', domain: 'X.Example' }, 'sip')).toBe('sip:a@x.example');
  });

  it('writes the resource as a percent-encoded gr parameter for sip/sips', () => {
    expect(formatUri({ local: 'a', domain: 'x.example', resource: 'my phone;1' }, 'sips')).toBe('sips:a@x.example;gr=my%20phone%3B1');
  });

  it.each<[Address, RegExp]>([
    [{ local: '', domain: 'x.example' }, /empty/],
    [{ local: 'a\nb', domain: 'x.example' }, /control/],
    [{ local: 'a', domain: 'x..example' }, /invalid label/],
    [{ local: 'a', domain: 'x.example', resource: '' }, /resource is empty/],
  ])('refuses an invalid address %j', (a, why) => {
    expectAddressError(() => formatUri(a, 'sip'), why);
  });
});

describe('parseJid / formatJid', () => {
  it.each<[string, Address]>([
    ['juliet@example.com', { local: 'juliet', domain: 'example.com' }],
    ['juliet@Example.COM/Balcony', { local: 'juliet', domain: 'example.com', resource: 'Balcony' }],
    ['juliet@example.com/foo/bar@baz', { local: 'juliet', domain: 'example.com', resource: 'foo/bar@baz' }],
    ['\u0444@example.com/\u0444', { local: '\u0444', domain: 'example.com', resource: '\u0444' }],
    ['juliet@[::1]', { local: 'juliet', domain: '[::1]' }],
    ['juliet@example.com/a resource with spaces', { local: 'juliet', domain: 'example.com', resource: 'a resource with spaces' }],
  ])('%s', (jid, address) => {
    expect(parseJid(jid)).toEqual(address);
  });

  it.each<[string, RegExp]>([
    ['example.com', /no localpart/],
    ['@example.com', /localpart is empty/],
    ['juliet@', /domain is empty/],
    ['juliet@example.com/', /resource is empty/],
    ["d'artagnan@example.com", /disallows/],
    ['a b@example.com', /disallows/],
    ['a:b@example.com', /disallows/],
    ['a@b@example.com', /more than one '@'/],
    ['\\20a@example.com', /\\20/],
    ['a\\20@example.com', /\\20/],
    ['a\u0007@example.com', /control/],
    ['juliet@b\u00fccher.example', /A-label/],
    [`${'a'.repeat(1024)}@example.com`, /longer than 1023 bytes/],
    [`juliet@example.com/${'r'.repeat(1024)}`, /longer than 1023 bytes/],
  ])('refuses %s', (jid, why) => {
    expectAddressError(() => parseJid(jid), why);
  });

  it('refuses to write a local part with a leading or trailing space (XEP-0106 4.2)', () => {
    expectAddressError(() => formatJid({ local: ' a', domain: 'example.com' }), /space/);
    expectAddressError(() => formatJid({ local: 'a ', domain: 'example.com' }), /space/);
  });

  it('refuses to write a local part whose escaped form exceeds 1023 bytes', () => {
    expectAddressError(() => formatJid({ local: '@'.repeat(400), domain: 'example.com' }), /escaped local part/);
  });
});

describe('keys', () => {
  it.each<[Address, string]>([
    [{ local: 'Alice', domain: 'Example.COM', resource: 'r' }, 'Alice@example.com'],
    [{ local: 'user@host', domain: 'example.com' }, 'user@host@example.com'],
  ])('addressKey(%j) = %s', (a, key) => {
    expect(addressKey(a)).toBe(key);
    expect(parseAddressKey(key)).toEqual({ local: a.local, domain: a.domain.toLowerCase() });
  });

  it.each<[string, RegExp]>([
    ['alice', /no '@'/],
    ['@example.com', /empty/],
    ['alice@', /domain is empty/],
  ])('parseAddressKey refuses %s', (s, why) => {
    expectAddressError(() => parseAddressKey(s), why);
  });
});

describe('parseAnyAddress', () => {
  it.each<[string, Address]>([
    ['alice@example.com', { local: 'alice', domain: 'example.com' }],
    ["o'malley@Example.com", { local: "o'malley", domain: 'example.com' }],
    ['c:\\net@example.com', { local: 'c:\\net', domain: 'example.com' }],
    ['im:alice@example.com', { local: 'alice', domain: 'example.com' }],
    ['pres:alice@example.com', { local: 'alice', domain: 'example.com' }],
    ['sip:alice@example.com;transport=tcp', { local: 'alice', domain: 'example.com' }],
    ['sips:alice@example.com', { local: 'alice', domain: 'example.com' }],
    ['xmpp:juliet@example.com', { local: 'juliet', domain: 'example.com' }],
    ['xmpp:juliet@example.com/balcony?message;subject=hi#frag', { local: 'juliet', domain: 'example.com', resource: 'balcony' }],
    ['xmpp://guest@example.com/d%5C27artagnan@example.com', { local: "d'artagnan", domain: 'example.com' }],
    ['xmpp:tsch%C3%BCss@example.com/r%20s', { local: 'tsch\u00fcss', domain: 'example.com', resource: 'r s' }],
  ])('%s', (s, address) => {
    expect(parseAnyAddress(s)).toEqual(address);
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    [' alice@example.com', /whitespace/],
    ['mailto:alice', /unsupported URI scheme/],
    ['sip:example.com', /no user part/],
    ['xmpp:example.com', /no localpart/],
    ['alice', /no '@'/],
  ])('refuses %j', (s, why) => {
    expectAddressError(() => parseAnyAddress(s), why);
  });
});

describe('escapeForeign / unescapeForeign (RFC 3922 / DESIGN escaped foreign form)', () => {
  const gw = 'sip.example.test';
  it('user@other.dom <-> user%other.dom@gateway', () => {
    const a = { local: 'bob', domain: 'Other.Dom' };
    const e = escapeForeign(a, gw);
    expect(e).toEqual({ local: 'bob%other.dom', domain: gw });
    expect(formatUri(e, 'sip')).toBe('sip:bob%25other.dom@sip.example.test');
    expect(formatJid(e)).toBe('bob%other.dom@sip.example.test');
    expect(unescapeForeign(e, gw)).toEqual({ local: 'bob', domain: 'other.dom' });
  });

  it('splits at the last %, keeps the resource', () => {
    expect(unescapeForeign({ local: '50%off%shop.example', domain: gw, resource: 'r' }, gw))
      .toEqual({ local: '50%off', domain: 'shop.example', resource: 'r' });
  });

  it.each<[Address]>([
    [{ local: 'bob%other.dom', domain: 'elsewhere.example' }],
    [{ local: 'bob', domain: gw }],
    [{ local: '%other.dom', domain: gw }],
    [{ local: 'bob%not a domain', domain: gw }],
  ])('is the identity for %j', (a) => {
    expect(unescapeForeign(a, gw)).toEqual(a);
  });
});

describe('anonymous (RFC 3261 8.1.1.3)', () => {
  it('ANONYMOUS is anonymous@anonymous.invalid', () => {
    expect(addressKey(ANONYMOUS)).toBe('anonymous@anonymous.invalid');
    expect(isAnonymous(ANONYMOUS)).toBe(true);
    expect(isAnonymous(parseUri('sip:thisis@Anonymous.invalid').address)).toBe(true);
    expect(isAnonymous({ local: 'anonymous', domain: 'example.com' })).toBe(false);
  });
});

describe('normalizeDomain', () => {
  it.each<[string, string]>([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['10.0.0.1', '10.0.0.1'],
    ['[2001:DB8::1]', '[2001:db8::1]'],
  ])('%s -> %s', (raw, d) => {
    expect(normalizeDomain(raw)).toBe(d);
  });
  it.each(['', '.', 'a..b', `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}com`, '[zz::1]', '[]', 'a b.com'])('refuses %j', (raw) => {
    expect(() => normalizeDomain(raw)).toThrow(ParseError);
  });
});
