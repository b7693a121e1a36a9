/** Unit tests of the bench's pure parts: option parsing, stamps, tallies, quantiles, targets, SIPp stats. */
import { parseOptions } from './cli';
import { checkTargets, FIG } from './report';
import { lastStats } from './sip/sipp-peers';
import { quantile } from './stats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayNodeFlags, repoRoot, startNodeFlags } from './paths';
import { parseStamp, Tally } from './tally';
import { figure, type ScenarioResult } from './types';

describe('parseStamp', () => {
  test.each([
    ['1795226304794743', 1795226304794743],
    // SIPp [timestamp]: date, time and epoch parts separated by tabs; the epoch part is read.
    ['2026-11-21\t01:58:24.794743\t1795226304.794743', 1795226304794743],
    ['2026-11-21 01:58:24.794743', Date.UTC(2026, 10, 21, 1, 58, 24) * 1000 + 794743],
    ['yesterday', undefined],
    ['', undefined],
  ])('%j -> %j', (s, want) => expect(parseStamp(s)).toBe(want));
});

describe('Tally', () => {
  test('counts unique arrivals, duplicates and latency per step', () => {
    const t = new Tally();
    t.add(1, 1, '1000', 3000);
    t.add(1, 2, '1000', 5000);
    t.add(1, 2, '1000', 6000);
    t.add(2, 1, 'garbage', 7000);
    expect(t.count(1)).toBe(2);
    const s = t.take(1);
    expect(s).toMatchObject({ unique: 2, duplicates: 1, p50Ms: 2, p99Ms: 4, maxMs: 4 });
    expect(t.count(1)).toBe(0);
    expect(t.take(2)).toMatchObject({ unique: 1, duplicates: 0 });
    expect(t.badStamps).toBe(1);
  });
});

test('quantile by nearest rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(quantile(xs, 0.5)).toBe(50);
  expect(quantile(xs, 0.99)).toBe(99);
  expect(quantile(xs, 1)).toBe(100);
  expect(quantile([], 0.5)).toBeUndefined();
});

test('figure computes the ratio only when both sides exist', () => {
  expect(figure('x', 'u', 90, 100)).toMatchObject({ value: 90, baseline: 100, ratio: 0.9 });
  expect(figure('x', 'u', null, 100)).toMatchObject({ ratio: null });
  expect(figure('x', 'u', 5)).not.toHaveProperty('ratio');
});

test('targets: PASS, MISS and NOT MEASURED', () => {
  const s = (name: string, figures: ScenarioResult['figures']): ScenarioResult => ({ name, title: name, ok: true, durationMs: 1, figures });
  const res = checkTargets([
    s('sip-to-xmpp', [figure(FIG.zeroLossRate, 'msg/s', 950, 1000), figure(FIG.cpuPerMsg, 'us', 120)]),
    s('state', [figure(FIG.bytesPerSub, 'bytes', 250)]),
  ]);
  const by = (p: string): boolean | null | undefined => res.find((t) => t.target.startsWith(p))?.pass;
  expect(by('SIP->XMPP delivered')).toBe(true);
  expect(by('SIP->XMPP gateway CPU')).toBe(false);
  expect(by('SIP->XMPP p99')).toBeNull();
  expect(by('Presence fan-out')).toBeNull();
  expect(by('Redis bytes')).toBe(true);
});

describe('parseOptions', () => {
  test('defaults and quick', () => {
    expect(parseOptions([])).toMatchObject({ quick: false, rates: [500, 1000, 2000, 4000], stepSeconds: 10, subscriptions: 1_000_000, watchers: 10_000 });
    expect(parseOptions(['--quick', '--only', 'state,fanout'])).toMatchObject({ quick: true, only: ['state', 'fanout'], subscriptions: 1000 });
  });
  test.each([
    [['--rates', '0'], /--rates needs a positive integer/],
    [['--frobnicate'], /unknown option/],
    [['--out'], /--out needs a value/],
    [['--log-level', 'loud'], /--log-level/],
  ])('%j is refused', (argv, err) => expect(() => parseOptions(argv)).toThrow(err));
});

test('lastStats reads the last row of a SIPp -trace_stat CSV', () => {
  const csv = 'StartTime;TotalCallCreated;SuccessfulCall(C);FailedCall(C);\n' + 'a;1;1;0;\n' + 'b;4000;3990;10;\n';
  expect(lastStats(csv)).toMatchObject({ TotalCallCreated: '4000', 'SuccessfulCall(C)': '3990', 'FailedCall(C)': '10' });
});

describe('the gateway runtime flags', () => {
  test('read from the start script', () => {
    expect(startNodeFlags('node --max-semi-space-size=32 bin/switchboard.js start')).toEqual(['--max-semi-space-size=32']);
    expect(startNodeFlags('node bin/switchboard.js start')).toEqual([]);
    expect(() => startNodeFlags('ts-node x')).toThrow(/does not start with node/);
  });

  test('npm start and the switchboard command (its shebang) run node with the same flags', () => {
    const shebang = readFileSync(join(repoRoot(), 'bin', 'switchboard.js'), 'utf8').split('\n')[0]!;
    const m = /^#!\/usr\/bin\/env -S node((?: --\S+)*)$/.exec(shebang);
    expect(m).not.toBeNull();
    expect(m![1]!.trim().split(' ').filter(Boolean)).toEqual(gatewayNodeFlags());
    expect(gatewayNodeFlags()).toContain('--max-semi-space-size=32');
  });
});
