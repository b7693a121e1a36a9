/** Unit tests of the bench's pure parts: option parsing, stamps, tallies, quantiles, targets, SIPp stats. */
import { parseOptions } from './cli';
import { checkTargets, FIG } from './report';
import { lastStats } from './sip/sipp-peers';
import { quantile } from './stats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayNodeFlags, repoRoot, startNodeFlags } from './paths';
import { parseStamp, Tally } from './tally';
import { figure, type Figure, type ScenarioResult, type StepRow } from './types';
import { bulkValue, halves, headedUacScenario, pairFigures, withShares } from './scenarios/sip-to-xmpp-2';

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

describe('sip-to-xmpp-2 (two instances) helpers', () => {
  const a = { tag: 'a', id: 'gw-a', pid: 1, sipPort: 5060 };
  const b = { tag: 'b', id: 'gw-b', pid: 2, sipPort: 5062 };
  const row = (path: 'gateway' | 'baseline', rate: number, over: Partial<StepRow> = {}): StepRow => ({
    path, rate, sent: 1000, delivered: 1000, lost: 0, duplicates: 0, deliveredPerSec: rate, gatewayCpuUsPerMsg: 999, ...over,
  });

  test('the UAC scenario gets a per-UAC head digit before the sequence number, once', () => {
    const xml = readFileSync(join(repoRoot(), 'test', 'fixtures', 'sipp', 'bench-message-uac.xml'), 'latin1');
    const out = headedUacScenario(xml);
    expect(out).toContain('sbb;[step];[seqhead][call_number];[timestamp];');
    expect(out.replace('[seqhead]', '')).toBe(xml);
    expect(() => headedUacScenario(xml.replace('sbb;[step];[call_number];', 'sbb;[call_number];'))).toThrow(/found it 0 times/);
  });

  test.each([[0, [0, 0]], [1, [1, 0]], [7, [4, 3]], [4000, [2000, 2000]]] as const)('halves(%d)', (n, want) => expect(halves(n)).toEqual(want));

  test.each([
    ['$4\r\ngw-a\r\n', 'gw-a'],
    ['$-1\r\n', undefined],
  ])('bulkValue(%j)', (reply, want) => expect(bulkValue(reply)).toBe(want));
  test('bulkValue refuses an error reply', () => expect(() => bulkValue('-ERR wrong\r\n')).toThrow(/unexpected Redis reply/));

  test('withShares: the pair counts both instances; the baseline only its target; roles from the holder', () => {
    const pair = withShares(row('gateway', 1000), [
      { instance: a, cpuUs: 60_000, counted: true }, { instance: b, cpuUs: 40_000, counted: true },
    ], 2_000_000, 'gw-a');
    expect(pair.gatewayCpuUsPerMsg).toBe(100);
    expect(pair.instances).toEqual([
      { instance: 'gw-a', role: 'holder', cpuUsPerMsg: 60, corePct: 3 },
      { instance: 'gw-b', role: 'standby', cpuUsPerMsg: 40, corePct: 2 },
    ]);
    expect(pair.note).toBe('gw-a (holder) 60 us/msg + gw-b (standby) 40 us/msg');
    const solo = withShares(row('baseline', 1000, { note: '3 retransmissions' }), [
      { instance: a, cpuUs: 70_000, counted: true }, { instance: b, cpuUs: 1_000, counted: false },
    ], 2_000_000, 'gw-a');
    expect(solo.gatewayCpuUsPerMsg).toBe(70);
    expect(solo.note).toBe('3 retransmissions; gw-a (holder) 70 us/msg + gw-b (standby, not counted) 1 us/msg');
    // An unreadable /proc leaves the figure out rather than counting a part of it.
    expect(withShares(row('gateway', 1000), [{ instance: a, cpuUs: undefined, counted: true }, { instance: b, cpuUs: 5, counted: true }], 1, 'gw-a')).not.toHaveProperty('gatewayCpuUsPerMsg');
  });

  test('pairFigures: CPU of both against the single instance at the same rate, each share, the holder', () => {
    const shares = (h: number, s: number): StepRow['instances'] => [
      { instance: 'gw-a', role: 'holder', cpuUsPerMsg: h }, { instance: 'gw-b', role: 'standby', cpuUsPerMsg: s },
    ];
    const rows = [
      row('gateway', 1000, { gatewayCpuUsPerMsg: 110, instances: shares(70, 40) }),
      row('baseline', 1000, { gatewayCpuUsPerMsg: 80, instances: shares(80, 1) }),
      row('gateway', 2000, { gatewayCpuUsPerMsg: 100, deliveredPerSec: 1900, instances: shares(60, 40) }),
      row('baseline', 2000, { gatewayCpuUsPerMsg: 75, deliveredPerSec: 1950, instances: shares(75, 1) }),
      row('gateway', 4000, { lost: 5, gatewayCpuUsPerMsg: 90, instances: shares(50, 40) }),
      row('baseline', 4000, { gatewayCpuUsPerMsg: 70, instances: shares(70, 1) }),
    ];
    const f = (n: string): Figure | undefined => pairFigures(rows, [a, b]).find((x) => x.name === n);
    expect(f(FIG.zeroLossRate)).toMatchObject({ value: 1900, baseline: 4000 });
    expect(f(FIG.cpuPerMsg)).toMatchObject({ value: 100, baseline: 75, ratio: 1.333 });
    expect(f('CPU per message, lease holder')?.value).toBe(60);
    expect(f('CPU per message, lease standby')?.value).toBe(40);
    expect(f('component lease holder')).toMatchObject({ value: 1, note: 'gw-a held it at the end of every step' });
    const moved = rows.map((r, i) => (i === 5 ? { ...r, instances: [{ instance: 'gw-b', role: 'holder' as const }] } : r));
    expect(pairFigures(moved, [a, b]).find((x) => x.name === 'component lease holder')).toMatchObject({ value: null, note: 'changed during the run: gw-a, gw-b' });
  });
});
