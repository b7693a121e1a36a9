/**
 * isHostname (a loop over the characters, for speed) accepts exactly what the RFC 3261 25.1
 * hostname regex accepts: on a table of edge cases and on generated strings over the characters
 * that matter (labels, dots, hyphens, digits, a few outsiders).
 */
import fc from 'fast-check';
import { HOSTNAME_PATTERN, isHost, isHostname } from '../../../../adapters/sip/wire-uri';

describe('isHostname', () => {
  test.each([
    ['example.com', true], ['a', true], ['a.', true], ['a-b.c', true], ['x1.y2', true], ['1a.b', true],
    ['a.1', false], ['a.1b', false], ['-a.b', false], ['a-.b', false], ['a..b', false], ['.a', false], ['.', false],
    ['', false], ['a..', false], ['a_b', false], ['a b', false], ['é.b', false], ['A.B', true], ['a.b-', false],
  ])('%j -> %s (as the regex)', (s, want) => {
    expect(isHostname(s)).toBe(want);
    expect(HOSTNAME_PATTERN.test(s)).toBe(want);
  });

  test('equals the regex on generated strings', () => {
    const ch = fc.constantFrom('a', 'Z', '0', '9', '-', '.', '_', ' ', 'é', '[', ':');
    fc.assert(fc.property(fc.array(ch, { maxLength: 12 }).map((a) => a.join('')), (s) => isHostname(s) === HOSTNAME_PATTERN.test(s)), { numRuns: 20_000 });
  });

  test('isHost still takes IPv4 and IPv6 references, and refuses what neither grammar allows', () => {
    expect(isHost('127.0.0.1')).toBe(true);
    expect(isHost('[::1]')).toBe(true);
    expect(isHost('256.1.1.1')).toBe(false); // not IPv4, and the last label of a hostname starts with ALPHA
    expect(isHost('[::1]x')).toBe(false);
    expect(isHost('')).toBe(false);
  });
});
