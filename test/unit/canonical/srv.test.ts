/**
 * RFC 2782 SRV ordering (canonical/srv.ts): priority first, weighted random within a priority,
 * "." targets dropped. Random sources are fixed so that each row has one answer.
 */
import fc from 'fast-check';
import { orderSrv, usableSrv } from '../../../canonical/srv';

const rec = (name: string, priority: number, weight: number) => ({ name, priority, weight, port: 5060 });

describe('orderSrv (RFC 2782 "Usage rules")', () => {
  it('lower priority first whatever the weights', () => {
    const out = orderSrv([rec('b', 20, 100), rec('a', 10, 0), rec('c', 30, 5)], () => 0.99);
    expect(out.map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });

  it.each([
    // Zero weights go first; running sums z 0, x 10, y 40; pick = floor(random * (sum + 1)).
    [0, ['z', 'x', 'y']],
    [0.999, ['y', 'x', 'z']],
  ] as const)('weighted choice within a priority, random %p: %j', (r, want) => {
    expect(orderSrv([rec('x', 1, 10), rec('y', 1, 30), rec('z', 1, 0)], () => r).map((o) => o.name)).toEqual(want);
  });

  it('the first choice follows the weights: random at the top picks the heaviest end', () => {
    expect(orderSrv([rec('x', 1, 10), rec('y', 1, 30), rec('z', 1, 0)], () => 0)[0]!.name).toBe('z');
    expect(orderSrv([rec('x', 1, 10), rec('y', 1, 30), rec('z', 1, 0)], () => 5 / 41)[0]!.name).toBe('x');
    expect(orderSrv([rec('x', 1, 10), rec('y', 1, 30), rec('z', 1, 0)], () => 0.999)[0]!.name).toBe('y');
  });

  it('over many draws a weight-3 record comes first about three times as often as a weight-1 one', () => {
    let seed = 42;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    let heavy = 0;
    for (let i = 0; i < 4000; i++) if (orderSrv([rec('light', 1, 1), rec('heavy', 1, 3)], random)[0]!.name === 'heavy') heavy++;
    // pick in 0..4: light for 0..1 (2 of 5), heavy for 2..4 (3 of 5); RFC 2782's inclusive range.
    expect(heavy / 4000).toBeGreaterThan(0.55);
    expect(heavy / 4000).toBeLessThan(0.65);
  });

  it('"." means the service is not available', () => {
    expect(usableSrv([rec('.', 0, 0), rec('', 0, 0)])).toEqual([]);
    expect(orderSrv([rec('.', 0, 0)])).toEqual([]);
  });

  it('property: a permutation of the usable records, priorities never decreasing', () => {
    fc.assert(fc.property(fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c', '.'), priority: fc.integer({ min: 0, max: 3 }), weight: fc.integer({ min: 0, max: 100 }), port: fc.constant(1) }), { maxLength: 20 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (records, r) => {
      const out = orderSrv(records, () => r);
      expect(out).toHaveLength(records.filter((x) => x.name !== '.').length);
      for (let i = 1; i < out.length; i++) expect(out[i]!.priority).toBeGreaterThanOrEqual(out[i - 1]!.priority);
    }));
  });
});
