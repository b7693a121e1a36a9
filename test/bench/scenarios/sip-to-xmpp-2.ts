/**
 * SIP -> XMPP messages through two gateway instances sharing one Redis (issue 7: "Optionally, the
 * same scenarios with two instances sharing Redis"). Each instance is its own process with its
 * own JSON and SIP ports, the same gateway.id, Redis and XEP-0114 component config. One of them
 * holds the component connection under a Redis lease (adapters/xmpp/lease.ts); the other, the
 * standby, relays what it is asked to send toward XMPP to the holder over the Redis bus
 * (adapters/xmpp/relay.ts). Two SIPp UACs each send half the offered rate, one to each
 * instance's SIP port; the same Node c2s receiver on the same Prosody counts the messages.
 *
 * Baseline: the single-instance gateway path of `sip-to-xmpp` (one SIPp UAC at the whole rate to
 * the instance holding the lease, which sends on its own component), in the same run, alternating
 * with the two-instance path per rate the way message-flow.ts alternates its paths. The standby
 * stays up (idle) during baseline steps; its CPU is shown, not counted.
 *
 * CPU per message: both instances' /proc CPU over the step divided by the messages delivered (and
 * each instance's share, so the standby's relay cost is visible); for the baseline, the holder's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../../../gateway/store/keys';
import { flowFigures, type FlowPath, runStep, type Sender } from '../flow';
import { type GatewayChild, startGateway } from '../gateway';
import { startBenchProsody } from '../peers/prosody';
import { redisCommand, redisInfoNumber, startBenchRedis } from '../peers/redis';
import { freePort } from '../ports';
import { cpuMicros, sleep, waitUntil } from '../proc';
import { FIG } from '../report';
import { sippUacSender } from '../sip/sipp-peers';
import { sippScenario } from '../paths';
import { round } from '../stats';
import { type BenchOptions, figure, type Figure, type InstanceShare, type ScenarioResult, type StepRow } from '../types';
import { startXmppReceiver } from '../xmpp/peers';
import { BENCH } from './common';
import { JSON_SENDERS } from './message-flow';

const NAME = 'sip-to-xmpp-2';
const UAC_SCENARIO = 'bench-message-uac.xml';
/** The body's sequence field in bench-message-uac.xml, and the same with a per-UAC head digit. */
const SEQ_FIELD = 'sbb;[step];[call_number];';
const SEQ_FIELD_HEADED = 'sbb;[step];[seqhead][call_number];';
/** Bound on waiting for the first instance to hold the component lease. */
const LEASE_WAIT_MS = 15_000;

/** One gateway instance of the pair. */
export interface Instance {
  /** "a" or "b": start order (a starts first and so wins the lease). */
  readonly tag: string;
  /** Its gateway.instanceId (the lease key's value while it holds the component). */
  readonly id: string;
  readonly pid: number;
  readonly sipPort: number;
}

/**
 * bench-message-uac.xml with the body's sequence number prefixed by the key [seqhead]: two UACs
 * in one step (SIPp numbers calls from 1 in each process) get head 1 and 2, so "1<n>" and "2<m>"
 * never collide and the receiver's unique count, loss and duplicates stay exact.
 */
export function headedUacScenario(xml: string): string {
  const n = xml.split(SEQ_FIELD).length - 1;
  if (n !== 1) throw new Error(`${UAC_SCENARIO}: expected the body field ${SEQ_FIELD} once, found it ${n} times`);
  return xml.replace(SEQ_FIELD, SEQ_FIELD_HEADED);
}

/** n split in two halves, the first taking the odd one. */
export function halves(n: number): [number, number] {
  return [Math.ceil(n / 2), Math.floor(n / 2)];
}

/** The value of a Redis GET reply ("$<len>\r\n<value>\r\n"); undefined for nil ("$-1"). */
export function bulkValue(reply: string): string | undefined {
  const m = /^\$(\d+)\r\n/.exec(reply);
  if (!m) {
    if (reply.startsWith('$-1')) return undefined;
    throw new Error(`unexpected Redis reply ${JSON.stringify(reply.slice(0, 80))}`);
  }
  return reply.slice(m[0].length, m[0].length + Number(m[1]));
}

/** One instance's CPU over a step, and whether its CPU is the path's gateway CPU. */
export interface InstanceReading {
  readonly instance: Instance;
  /** CPU used during the step, microseconds (undefined when /proc could not be read). */
  readonly cpuUs: number | undefined;
  /** Counted in the row's gatewayCpuUsPerMsg (both for the pair; the target for the baseline). */
  readonly counted: boolean;
}

/**
 * A step row with each instance's share (CPU per delivered message, share of a core, lease role
 * at the end of the step) and the path's gateway CPU: the sum of the counted instances.
 */
export function withShares(row: StepRow, readings: readonly InstanceReading[], wallUs: number, holder: string | undefined): StepRow {
  const per = (us: number | undefined): number | undefined => (us !== undefined && row.delivered > 0 ? round(us / row.delivered, 1) : undefined);
  const instances: InstanceShare[] = readings.map((r) => ({
    instance: r.instance.id,
    role: r.instance.id === holder ? 'holder' : 'standby',
    ...(per(r.cpuUs) !== undefined ? { cpuUsPerMsg: per(r.cpuUs) } : {}),
    ...(r.cpuUs !== undefined && wallUs > 0 ? { corePct: round((r.cpuUs / wallUs) * 100, 1) } : {}),
  }));
  const counted = readings.filter((r) => r.counted);
  const sum = counted.every((r) => r.cpuUs !== undefined) ? counted.reduce((a, r) => a + (r.cpuUs as number), 0) : undefined;
  const shareText = instances.map((s) => `${s.instance} (${s.role}${readings.find((r) => r.instance.id === s.instance)?.counted ? '' : ', not counted'}) ${s.cpuUsPerMsg ?? '-'} us/msg`).join(' + ');
  const { gatewayCpuUsPerMsg: _dropped, ...rest } = row;
  const cpu = per(sum);
  return {
    ...rest,
    ...(cpu !== undefined ? { gatewayCpuUsPerMsg: cpu } : {}),
    instances,
    note: [row.note, shareText].filter(Boolean).join('; '),
  };
}

/**
 * The scenario's figures: those of every message flow (two instances against the single-instance
 * baseline), the CPU per message of both instances with the single instance's at the same offered
 * rate as its baseline, each instance's share at that step, and which instance held the lease.
 */
export function pairFigures(rows: readonly StepRow[], instances: readonly Instance[]): Figure[] {
  const figs = flowFigures(rows);
  const gw = rows.filter((r) => r.path === 'gateway');
  const zl = gw.filter((r) => r.lost === 0 && r.sent > 0).sort((a, b) => b.deliveredPerSec - a.deliveredPerSec)[0];
  const at = zl ?? gw[0];
  const single = at ? rows.find((r) => r.path === 'baseline' && r.rate === at.rate) : undefined;
  const i = figs.findIndex((f) => f.name === FIG.cpuPerMsg);
  const cpu = figure(FIG.cpuPerMsg, 'us', at?.gatewayCpuUsPerMsg ?? null, single ? single.gatewayCpuUsPerMsg ?? null : null,
    at ? `both instances together at offered ${at.rate}/s; baseline: the single instance at the same rate` : undefined);
  if (i >= 0) figs[i] = cpu; else figs.push(cpu);
  for (const role of ['holder', 'standby'] as const) {
    const s = at?.instances?.find((x) => x.role === role);
    figs.push(figure(`CPU per message, lease ${role}`, 'us', s?.cpuUsPerMsg ?? null, undefined,
      s ? `${s.instance} at offered ${at?.rate}/s, per message delivered by both${role === 'standby' ? ' (its half from SIP, relayed to the holder over Redis)' : ''}` : undefined));
  }
  const holders = [...new Set(rows.flatMap((r) => (r.instances ?? []).filter((x) => x.role === 'holder').map((x) => x.instance)))];
  const idx = holders.length === 1 ? instances.findIndex((x) => x.id === holders[0]) : -1;
  figs.push(figure('component lease holder', 'instance', idx >= 0 ? idx + 1 : null, undefined,
    holders.length === 1 ? `${holders[0]} held it at the end of every step` : holders.length === 0 ? 'not read' : `changed during the run: ${holders.join(', ')}`));
  return figs;
}

const first = (e: unknown): string => (e as Error).message.split('\n').slice(0, 3).join(' | ');
const safeCpu = (pid: number): number | undefined => { try { return cpuMicros(pid); } catch { return undefined; } };

export async function runSipToXmpp2(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const title = 'SIP MESSAGE (2 SIPp UACs, half the rate each) -> 2 gateway instances on one Redis (one holds the XEP-0114 component, the other relays to it) -> Prosody -> Node XMPP receiver; baseline: the single-instance path (1 UAC at the whole rate -> the holder)';
  const stops: Array<() => Promise<unknown>> = [];
  const gws: GatewayChild[] = [];
  const instances: Instance[] = [];
  const rows: StepRow[] = [];
  let error: string | undefined;
  const profiles: string[] = [];
  let dir: string | undefined;
  try {
    const prosody = await startBenchProsody({ host: BENCH.xmppHost, components: { [BENCH.sipDomain]: BENCH.secret }, users: { recv: BENCH.password } });
    stops.push(() => prosody.stop());
    const recipient = `recv@${BENCH.xmppHost}`;
    const receiver = await startXmppReceiver(prosody.c2sPort, BENCH.xmppHost, 'recv', BENCH.password);
    stops.push(() => receiver.stop());
    const redis = await startBenchRedis();
    stops.push(() => redis.stop());
    const leaseKey = keys.state('xmpp', `lease:${BENCH.sipDomain}`);
    const leaseHolder = async (): Promise<string | undefined> => bulkValue(await redisCommand(redis.port, `GET ${leaseKey}`));

    // One after the other: a holds the lease before b starts, so b comes up as the standby.
    for (const tag of ['a', 'b']) {
      const sipPort = await freePort(true);
      const id = `${BENCH.gatewayId}-${tag}`;
      const gw = await startGateway({
        name: `gateway(${NAME} ${tag})`, jsonPort: await freePort(), ...(o.cpuProf ? { cpuProfDir: profDir } : {}),
        config: {
          gateway: { id: BENCH.gatewayId, instanceId: id },
          store: { kind: 'redis', url: redis.url },
          domains: { [BENCH.sipDomain]: 'sip', [BENCH.jsonDomain]: 'json', [BENCH.xmppHost]: 'xmpp' },
          log: { level: o.logLevel },
          json: { accounts: JSON_SENDERS },
          sip: { domain: BENCH.sipDomain, listen: { udp: `127.0.0.1:${sipPort}`, tcp: `127.0.0.1:${sipPort}` } },
          xmpp: { components: [{ service: `xmpp://127.0.0.1:${prosody.componentPort}`, domain: BENCH.sipDomain, secret: BENCH.secret }] },
        },
      });
      gws.push(gw);
      instances.push({ tag, id, pid: gw.child.pid, sipPort });
      // /readyz of the first instance is 200 once its component is online; the key says it is its.
      if (tag === 'a') await waitUntil(`instance ${id} to hold the XMPP component lease (${leaseKey})`, async () => (await leaseHolder().catch(() => undefined)) === id, LEASE_WAIT_MS, 100);
    }
    const holderNow = await leaseHolder();
    if (!instances.some((i) => i.id === holderNow)) throw new Error(`no instance holds the XMPP component lease (${leaseKey} = ${String(holderNow)})`);

    dir = mkdtempSync(join(tmpdir(), 'sb-bench-s2x2-'));
    const headed = join(dir, 'bench-message-uac-headed.xml');
    writeFileSync(headed, headedUacScenario(readFileSync(sippScenario(UAC_SCENARIO), 'latin1')), 'latin1');
    const from = `bench@${BENCH.sipDomain}`;
    const uacs = instances.map((inst, k) => ({ inst, uac: sippUacSender({ scenario: UAC_SCENARIO, scenarioFile: headed, remote: `127.0.0.1:${inst.sipPort}`, to: recipient, from, keys: { seqhead: String(k + 1) } }) }));
    const pair: Sender = {
      send: async (step, rate, count, limitMs) => {
        const [ra, rb] = halves(rate);
        const [ca, cb] = halves(count);
        const parts = await Promise.all(uacs.map(({ inst, uac }, k) => {
          const c = k === 0 ? ca : cb;
          return c > 0 ? uac.send(step, Math.max(1, k === 0 ? ra : rb), c, limitMs).then((r) => ({ ...r, tag: inst.tag })) : undefined;
        }));
        const ran = parts.filter((p): p is NonNullable<typeof p> => p !== undefined);
        const note = ran.filter((p) => p.note).map((p) => `uac ${p.tag}: ${p.note}`).join(', ');
        return { sent: ran.reduce((a, p) => a + p.sent, 0), firstAt: Math.min(...ran.map((p) => p.firstAt)), ...(note ? { note } : {}) };
      },
    };
    // The baseline sends to whichever instance holds the lease when its step starts.
    let target: Instance = instances.find((i) => i.id === holderNow) as Instance;
    const soloUacs = new Map(instances.map((inst) => [inst.id, sippUacSender({ scenario: UAC_SCENARIO, remote: `127.0.0.1:${inst.sipPort}`, to: recipient, from })]));
    const solo: Sender = {
      send: async (step, rate, count, limitMs) => {
        const h = await leaseHolder().catch(() => undefined);
        target = instances.find((i) => i.id === h) ?? target;
        return (soloUacs.get(target.id) as Sender).send(step, rate, count, limitMs);
      },
    };
    const redisCommands = (): Promise<number> => redisInfoNumber(redis.port, 'stats', 'total_commands_processed');
    const paths: Array<{ flow: FlowPath; counted: (i: Instance) => boolean }> = [
      { flow: { path: 'gateway', sender: pair, receiver, redisCommands }, counted: () => true },
      { flow: { path: 'baseline', sender: solo, receiver, redisCommands }, counted: (i) => i.id === target.id },
    ];
    for (const rate of o.rates) {
      for (const p of paths) {
        const c0 = instances.map((i) => safeCpu(i.pid));
        const w0 = performance.now();
        const row = await runStep(p.flow, rate, o.stepSeconds);
        const c1 = instances.map((i) => safeCpu(i.pid));
        const wallUs = (performance.now() - w0) * 1000;
        const holder = await leaseHolder().catch(() => undefined);
        const readings = instances.map((inst, k) => {
          const a = c0[k];
          const b = c1[k];
          return { instance: inst, cpuUs: a !== undefined && b !== undefined ? b - a : undefined, counted: p.counted(inst) };
        });
        rows.push(withShares(row, readings, wallUs, holder));
        await sleep(300);
      }
    }
  } catch (err) {
    error = first(err);
  } finally {
    for (const gw of gws.reverse()) profiles.push(...await gw.stop().catch(() => []));
    for (const s of stops.reverse()) await s().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: NAME, title, ok: error === undefined, ...(error ? { error } : {}), durationMs: Date.now() - t0,
    figures: pairFigures(rows, instances), steps: rows, ...(profiles.length ? { profiles } : {}),
  };
}
