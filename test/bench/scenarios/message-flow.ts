/**
 * One message flow between two sides through the gateway, with its same-run baseline:
 * - toward XMPP, the baseline is a raw XEP-0114 component sending the same stanzas straight into
 *   the same Prosody to the same Node receiver (the XMPP side's own ceiling);
 * - toward SIP, the baseline is SIPp (UAC) sending the same MESSAGEs straight to the same SIPp
 *   sink (the SIP side's own ceiling).
 * The gateway runs as its own process with a Redis store; every peer is stopped by pid.
 */
import { flowFigures, type FlowPath, type Receiver, runSteps, type Sender } from '../flow';
import { type GatewayChild, startGateway } from '../gateway';
import { startJsonSender } from '../json/peers';
import { type BenchProsody, startBenchProsody } from '../peers/prosody';
import { redisInfoNumber, startBenchRedis } from '../peers/redis';
import { freePort } from '../ports';
import { sippUacSender, startSippSink } from '../sip/sipp-peers';
import type { BenchOptions, ScenarioResult, StepRow } from '../types';
import { startXmppReceiver, startXmppSender } from '../xmpp/peers';
import { BENCH } from './common';

export type Side = 'sip' | 'xmpp' | 'json';

export interface FlowSpec {
  readonly name: string;
  readonly title: string;
  readonly from: Side;
  readonly to: 'sip' | 'xmpp';
}

/** JSON sender accounts (several: the gateway bounds streams per user). */
export const JSON_SENDERS = Array.from({ length: 8 }, (_, i) => ({ address: `bench${i}@api.example.test`, token: `bench-json-sender-${i}-token-0123456789` }));
const first = (e: unknown): string => (e as Error).message.split('\n').slice(0, 3).join(' | ');

export async function runMessageFlow(spec: FlowSpec, o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const stops: Array<() => Promise<unknown>> = [];
  let rows: StepRow[] = [];
  let error: string | undefined;
  let profiles: string[] = [];
  let gw: GatewayChild | undefined;
  const needXmpp = spec.from === 'xmpp' || spec.to === 'xmpp';
  const stepLimitSec = (o.rates.length * 2 * (o.stepSeconds * 3 + 25)) + 60;
  try {
    let prosody: BenchProsody | undefined;
    if (needXmpp) {
      prosody = await startBenchProsody({
        host: BENCH.xmppHost,
        components: { [BENCH.sipDomain]: BENCH.secret, [BENCH.rawDomain]: BENCH.secret },
        users: { recv: BENCH.password, send: BENCH.password },
      });
      stops.push(() => (prosody as BenchProsody).stop());
    }
    // The receiving side and the baseline sender.
    let receiver: Receiver;
    let baseline: Sender;
    let sinkPort: number | undefined;
    const recipient = spec.to === 'xmpp' ? `recv@${BENCH.xmppHost}` : `sink@${BENCH.sipDomain}`;
    if (spec.to === 'xmpp') {
      const p = prosody as BenchProsody;
      const r = await startXmppReceiver(p.c2sPort, BENCH.xmppHost, 'recv', BENCH.password);
      stops.push(() => r.stop());
      receiver = r;
      const raw = await startXmppSender('raw-component', { mode: 'component', port: p.componentPort, domain: BENCH.rawDomain, secret: BENCH.secret, from: `bench@${BENCH.rawDomain}`, to: recipient });
      stops.push(() => raw.stop());
      baseline = raw;
    } else {
      sinkPort = await freePort(true);
      const sink = await startSippSink(sinkPort, stepLimitSec);
      stops.push(() => sink.stop());
      receiver = sink;
      baseline = sippUacSender({ scenario: 'bench-message-uac.xml', remote: `127.0.0.1:${sinkPort}`, to: recipient, from: `bench@${BENCH.jsonDomain}` });
    }
    const paths: FlowPath[] = [{ path: 'baseline', sender: baseline, receiver }];
    try {
      const redis = await startBenchRedis();
      stops.push(() => redis.stop());
      const sipPort = await freePort(true);
      const domains: Record<string, Side> = { [BENCH.sipDomain]: 'sip', [BENCH.jsonDomain]: 'json' };
      if (prosody) domains[BENCH.xmppHost] = 'xmpp';
      gw = await startGateway({
        name: `gateway(${spec.name})`, jsonPort: await freePort(), ...(o.cpuProf ? { cpuProfDir: profDir } : {}),
        config: {
          gateway: { id: BENCH.gatewayId },
          store: { kind: 'redis', url: redis.url },
          domains,
          log: { level: o.logLevel },
          json: { accounts: JSON_SENDERS },
          sip: {
            domain: BENCH.sipDomain,
            listen: { udp: `127.0.0.1:${sipPort}`, tcp: `127.0.0.1:${sipPort}` },
            ...(sinkPort !== undefined ? { outboundProxy: `sip:127.0.0.1:${sinkPort}` } : {}),
          },
          ...(prosody ? { xmpp: { components: [{ service: `xmpp://127.0.0.1:${prosody.componentPort}`, domain: BENCH.sipDomain, secret: BENCH.secret }] } } : {}),
        },
      });
      let sender: Sender;
      if (spec.from === 'sip') {
        sender = sippUacSender({ scenario: 'bench-message-uac.xml', remote: `127.0.0.1:${sipPort}`, to: recipient, from: `bench@${BENCH.sipDomain}` });
      } else if (spec.from === 'xmpp') {
        const p = prosody as BenchProsody;
        const s = await startXmppSender('xmpp-client-sender', { mode: 'client', port: p.c2sPort, host: BENCH.xmppHost, user: 'send', password: BENCH.password, to: recipient });
        stops.push(() => s.stop());
        sender = s;
      } else {
        const s = await startJsonSender(gw.jsonUrl, JSON_SENDERS.map((a) => a.token), recipient);
        stops.push(() => s.stop());
        sender = s;
      }
      paths.unshift({ path: 'gateway', sender, receiver, gatewayPid: gw.child.pid, redisCommands: () => redisInfoNumber(redis.port, 'stats', 'total_commands_processed') });
    } catch (err) {
      error = `gateway path not run: ${first(err)}`;
    }
    rows = await runSteps(paths, o.rates, o.stepSeconds);
  } catch (err) {
    error = [error, first(err)].filter(Boolean).join('; ');
  } finally {
    if (gw) profiles = await gw.stop().catch(() => []);
    for (const s of stops.reverse()) await s().catch(() => undefined);
  }
  return {
    name: spec.name, title: spec.title, ok: error === undefined, ...(error ? { error } : {}), durationMs: Date.now() - t0,
    figures: flowFigures(rows), steps: rows, ...(profiles.length ? { profiles } : {}),
  };
}
