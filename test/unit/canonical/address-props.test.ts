/**
 * Property tests for the address mappings: for arbitrary local parts (space, @, %, /, :, \,
 * XEP-0106-looking sequences, non-ASCII, astral characters) every wire form maps back to the same
 * canonical Address, and the parsers never throw anything but ParseError.
 */
import fc from 'fast-check';
import {
  addressKey, escapeForeign, formatJid, formatUri, parseAddressKey, parseAnyAddress, parseJid, parseUri,
  unescapeForeign, type Address,
} from '../../../canonical/address';
import { ParseError } from '../../../canonical/errors';

const RUNS = { numRuns: 500 };

/** No controls (C0, DEL, C1): no address scheme allows them. */
const printable = (s: string): boolean => !/[\u0000-\u001f\u007f-\u009f]/.test(s);

const tricky = fc.constantFrom(
  ' ', '@', '%', '/', ':', '\\', '"', '&', "'", '<', '>', '.', '#', '?', ';', ',', '(', ')', '[', ']', '^', '`', '{', '|', '}',
  '+', '=', '$', '!', '~', '*', '-', '_', '\\20', '\\5c', '\\27', '\\2f', '%25', '%zz', '\u00fc', '\u00e9', '\u4e2d', '\u{1f600}',
);
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter(printable);
const alnum = fc.constantFrom(...'abcXYZ019');
/** A local part: mostly tricky characters, up to 40 units. */
const localPart = fc
  .string({ unit: fc.oneof(tricky, anyChar, alnum), minLength: 1, maxLength: 40 })
  .filter((s) => s.length > 0 && printable(s));
const resource = fc.string({ unit: fc.oneof(tricky, anyChar, alnum), minLength: 1, maxLength: 20 }).filter(printable);

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc
  .tuple(fc.array(label, { minLength: 0, maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9]{1,5}$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));

const bare = fc.record({ local: localPart, domain });
const full = fc.record({ local: localPart, domain, resource });
const jidSafe = (a: Address): boolean => !a.local.startsWith(' ') && !a.local.endsWith(' ');

/** RFC 3261 25.1 user / paramchar, and the im:/pres: characters formatUri may leave literal. */
const SIP_URI = /^sips?:(?:[A-Za-z0-9\-_.!~*'()&=+$,/]|%[0-9A-F]{2})+@[a-z0-9.-]+(?:;gr=(?:[A-Za-z0-9[\]/:&+$\-_.!~*'()]|%[0-9A-F]{2})+)?$/;
const IM_URI = /^(?:im|pres):(?:[A-Za-z0-9!$&'*+\-/=_~.]|%[0-9A-F]{2})+@[a-z0-9.-]+$/;

describe('address round trips (fast-check)', () => {
  it('formatJid -> parseJid is the identity', () => {
    fc.assert(fc.property(fc.oneof(bare, full).filter(jidSafe), (a) => {
      const jid = formatJid(a);
      expect(parseJid(jid)).toEqual(a);
    }), RUNS);
  });

  it('formatUri -> parseUri is the identity for sip and sips (resource via gr)', () => {
    fc.assert(fc.property(fc.oneof(bare, full), fc.constantFrom('sip' as const, 'sips' as const), (a, scheme) => {
      const uri = formatUri(a, scheme);
      expect(uri).toMatch(SIP_URI);
      expect(parseUri(uri)).toEqual({ scheme, address: a });
    }), RUNS);
  });

  it('formatUri -> parseUri is the identity for im and pres (bare addresses)', () => {
    fc.assert(fc.property(bare, fc.constantFrom('im' as const, 'pres' as const), (a, scheme) => {
      const uri = formatUri(a, scheme);
      expect(uri).toMatch(IM_URI);
      expect(parseUri(uri)).toEqual({ scheme, address: a });
    }), RUNS);
  });

  it('escapeForeign -> unescapeForeign is the identity', () => {
    fc.assert(fc.property(fc.oneof(bare, full), domain, (a, gw) => {
      const e = escapeForeign(a, gw);
      expect(e.domain).toBe(gw);
      expect(unescapeForeign(e, gw)).toEqual(a);
    }), RUNS);
  });

  it('JID -> URI -> JID is the identity (sip keeps the resource; im/pres give the bare JID)', () => {
    fc.assert(fc.property(fc.oneof(bare, full).filter(jidSafe), fc.constantFrom('sip' as const, 'sips' as const, 'im' as const, 'pres' as const), (a, scheme) => {
      const jid = formatJid(a);
      const back = formatJid(parseUri(formatUri(parseJid(jid), scheme)).address);
      expect(back).toBe(scheme === 'sip' || scheme === 'sips' ? jid : formatJid({ local: a.local, domain: a.domain }));
    }), RUNS);
  });

  it('addressKey -> parseAddressKey -> addressKey is the identity, and parseAnyAddress reads keys', () => {
    fc.assert(fc.property(bare, (a) => {
      const key = addressKey(a);
      expect(parseAddressKey(key)).toEqual(a);
      // Plain keys are accepted by parseAnyAddress unless they look like a known URI scheme.
      if (!/^(?:im|pres|sips?|xmpp):/i.test(key) && key === key.trim()) expect(parseAnyAddress(key)).toEqual(a);
    }), RUNS);
  });
});

describe('parsers fail only with ParseError', () => {
  const onlyParseErrors = (fn: (s: string) => unknown) => (s: string): void => {
    try {
      fn(s);
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
    }
  };
  const input = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: fc.oneof(tricky, alnum, fc.constantFrom('sip:', 'im:', 'xmpp:', ';gr=', '?', '@', '/', '[', ']')), maxLength: 30 }),
  );
  it.each<[string, (s: string) => unknown]>([
    ['parseUri', parseUri],
    ['parseJid', parseJid],
    ['parseAnyAddress', parseAnyAddress],
    ['parseAddressKey', parseAddressKey],
  ])('%s', (_name, fn) => {
    fc.assert(fc.property(input, onlyParseErrors(fn)), { numRuns: 1000 });
  });
});
