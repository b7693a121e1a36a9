/**
 * The hop count and the received-trace (canonical/trace.ts): checks on entry, what leaves, and
 * strict parsing of the wire values.
 */
import { ParseError } from '../../../canonical/errors';
import type { Hops } from '../../../canonical/operations';
import {
  DEFAULT_MAX_FORWARDS, MAX_TRACE_ENTRIES, checkHops, formatTrace, forwardHops, isGatewayId, parseMaxForwards, parseTrace,
} from '../../../canonical/trace';

describe('checkHops', () => {
  it.each<[string, Hops, string, string]>([
    ['fresh message', { maxForwards: 70, trace: [] }, 'gw1', 'pass'],
    ['other gateways only', { maxForwards: 5, trace: ['gw2', 'gw3'] }, 'gw1', 'pass'],
    ['one hop left still passes', { maxForwards: 1, trace: [] }, 'gw1', 'pass'],
    ['own id in trace', { maxForwards: 70, trace: ['gw2', 'gw1', 'gw3'] }, 'gw1', 'loop'],
    ['own id wins over exhaustion', { maxForwards: 0, trace: ['gw1'] }, 'gw1', 'loop'],
    ['no hops left', { maxForwards: 0, trace: ['gw2'] }, 'gw1', 'exhausted'],
    ['negative hops', { maxForwards: -3, trace: [] }, 'gw1', 'exhausted'],
    ['id match is exact (no prefix match)', { maxForwards: 9, trace: ['gw10', 'xgw1'] }, 'gw1', 'pass'],
  ])('%s', (_name, hops, own, verdict) => {
    expect(checkHops(hops, own).verdict).toBe(verdict);
  });

  it('reports the trace that shows the loop', () => {
    expect(checkHops({ maxForwards: 3, trace: ['a', 'me'] }, 'me')).toEqual({ verdict: 'loop', trace: ['a', 'me'] });
  });
});

describe('forwardHops', () => {
  it('spends one hop and appends our id, without touching the input', () => {
    const trace = ['gw2'];
    const hops: Hops = { maxForwards: DEFAULT_MAX_FORWARDS, trace };
    expect(forwardHops(hops, 'gw1')).toEqual({ maxForwards: 69, trace: ['gw2', 'gw1'] });
    expect(trace).toEqual(['gw2']);
    expect(hops.maxForwards).toBe(70);
  });

  it('never goes below zero', () => {
    expect(forwardHops({ maxForwards: 0, trace: [] }, 'g').maxForwards).toBe(0);
  });

  it('a forwarded message comes back as a loop', () => {
    const out = forwardHops(forwardHops({ maxForwards: 70, trace: [] }, 'gw1'), 'gw2');
    expect(checkHops(out, 'gw1').verdict).toBe('loop');
    expect(checkHops(out, 'gw3').verdict).toBe('pass');
  });

  it('the default budget is 70 (RFC 3261 8.1.1.6)', () => {
    expect(DEFAULT_MAX_FORWARDS).toBe(70);
  });
});

describe('parseTrace / formatTrace', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['   ', []],
    ['gw1', ['gw1']],
    ['gw1, gw2', ['gw1', 'gw2']],
    ['gw1,gw2 ,  gw3', ['gw1', 'gw2', 'gw3']],
    ['sb.example.test, 10.0.0.1:5060, node_2', ['sb.example.test', '10.0.0.1:5060', 'node_2']],
  ])('%j', (value, ids) => {
    expect(parseTrace(value)).toEqual(ids);
  });

  it('round-trips through formatTrace', () => {
    const ids = ['a', 'b.example', 'c-1'];
    expect(formatTrace(ids)).toBe('a, b.example, c-1');
    expect(parseTrace(formatTrace(ids))).toEqual(ids);
  });

  it.each<[string, string]>([
    ['gw1,,gw2', 'empty entry'],
    ['gw1,', 'trailing comma'],
    [',gw1', 'leading comma'],
    ['gw 1', 'inner space'],
    ['-gw', 'leading dash'],
    ['gw-', 'trailing dash'],
    ['gw/1', 'slash'],
    ['g\u00e9', 'non-ASCII'],
    ['gw1;x=1', 'parameter syntax'],
    ['<gw1>', 'angle brackets'],
    ['a'.repeat(256), 'over 255 characters'],
  ])('refuses %j (%s)', (value) => {
    expect(() => parseTrace(value)).toThrow(ParseError);
  });

  it('accepts an id of exactly 255 characters', () => {
    expect(parseTrace('a'.repeat(255))).toEqual(['a'.repeat(255)]);
  });

  it(`accepts ${MAX_TRACE_ENTRIES} entries and refuses one more`, () => {
    const ids = Array.from({ length: MAX_TRACE_ENTRIES }, (_, i) => `gw${i}`);
    expect(parseTrace(ids.join(','))).toHaveLength(MAX_TRACE_ENTRIES);
    expect(() => parseTrace([...ids, 'one-more'].join(','))).toThrow(/entries \(max 64\)/);
  });

  it('names the trace and quotes a bounded part of a bad entry', () => {
    let message = '';
    try {
      parseTrace(`ok, ${'x'.repeat(300)}!`);
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      expect((e as ParseError).where).toBe('trace');
      message = (e as Error).message;
    }
    expect(message).toMatch(/not a gateway id/);
    expect(message.length).toBeLessThan(200);
  });
});

describe('isGatewayId', () => {
  it.each<[string, boolean]>([
    ['a', true], ['gw1', true], ['sb.example.test', true], ['host:5060', true], ['a_b', true],
    ['', false], ['.a', false], ['a.', false], ['a b', false], ['a,b', false],
  ])('%j -> %s', (id, ok) => {
    expect(isGatewayId(id)).toBe(ok);
  });
});

describe('parseMaxForwards (RFC 3261 25.1: 1*DIGIT; we bound it to 0..255)', () => {
  it.each<[string, number]>([['0', 0], ['1', 1], ['70', 70], ['007', 7], ['255', 255]])('%j -> %i', (v, n) => {
    expect(parseMaxForwards(v)).toBe(n);
  });

  it.each(['', ' 70', '70 ', '-1', '+1', '256', '999', '0070', '1e2', '0x1', '7.0', '\u0667'])('refuses %j', (v) => {
    expect(() => parseMaxForwards(v)).toThrow(ParseError);
  });
});
