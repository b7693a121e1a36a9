/**
 * canonical/address-parts.ts helpers made cheaper for the message path: byteLength counts without
 * encoding (must equal TextEncoder's length), normalizeDomain remembers its answers (must give
 * the same answers, and refuse bad input every time).
 */
import fc from 'fast-check';
import { byteLength, normalizeDomain } from '../../../canonical/address-parts';
import { escapeJidLocal } from '../../../canonical/address-jid';
import { ParseError } from '../../../canonical/errors';

const encoded = (s: string): number => new TextEncoder().encode(s).length;

describe('byteLength', () => {
  test.each([
    ['', 0], ['abc', 3], ['é', 2], ['日本', 6], ['😀', 4], ['a😀b', 6],
    ['\uD800', 3], ['\uDC00', 3], ['\uD800x', 4], ['x\uDC00\uD800', 7], ['\uD83D\uD83D\uDE00', 7], ['\u07FF\u0800', 5],
  ])('%j is %i bytes, as TextEncoder encodes it', (s, n) => {
    expect(byteLength(s)).toBe(n);
    expect(byteLength(s)).toBe(encoded(s));
  });

  test('equals TextEncoder for any string (lone surrogates included)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => byteLength(s) === encoded(s)), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }), (s) => byteLength(s) === encoded(s)), { numRuns: 2000 });
  });
});

describe('normalizeDomain (remembered answers)', () => {
  test.each([
    ['Example.COM', 'example.com'], ['example.com.', 'example.com'], ['127.0.0.1', '127.0.0.1'], ['[::1]', '[::1]'],
  ])('%s gives %s, the same on every call', (raw, want) => {
    for (let i = 0; i < 3; i++) expect(normalizeDomain(raw)).toBe(want);
  });

  test.each(['', 'exa mple.com', 'bücher.de', '-x.com', 'a..b', 'x.123'])('%j is refused on every call', (raw) => {
    for (let i = 0; i < 3; i++) expect(() => normalizeDomain(raw)).toThrow(ParseError);
  });

  test('stays right past its bound (many distinct domains)', () => {
    for (let i = 0; i < 10_000; i++) expect(normalizeDomain(`H${i}.Example.test`)).toBe(`h${i}.example.test`);
    expect(normalizeDomain('Example.COM')).toBe('example.com');
  });
});

describe('escapeJidLocal', () => {
  test.each([
    ['alice', 'alice'], ['d\'artagnan', 'd\\27artagnan'], ['a b', 'a\\20b'], ['c:\\net', 'c\\3a\\net'], ['c:\\5c', 'c\\3a\\5c5c'], ['x@y', 'x\\40y'],
  ])('%s -> %s', (local, want) => {
    expect(escapeJidLocal(local)).toBe(want);
  });
});
