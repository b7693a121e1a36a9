/**
 * SIP -> XMPP messages: SIPp (UAC, UDP) sends MESSAGE at stepped rates to the gateway, which
 * relays each one through its XEP-0114 component into a real Prosody, to a Node c2s receiver.
 * Baseline: a raw XEP-0114 component sends the same stanzas straight into the same Prosody to
 * the same receiver, so the ratio isolates what the gateway costs.
 */

import { flowFigures, type FlowPath, runSteps } from '../flow';
import { type GatewayChild, startGateway } from '../gateway';
import { startBenchProsody, type BenchProsody } from '../peers/prosody';
import { startBenchRedis, type BenchRedis } from '../peers/redis';
import { freePort } from '../ports';
import { sippUacSender } from '../sip/sipp-peers';
import type { BenchOptions, ScenarioResult, StepRow } from '../types';
import { startXmppReceiver, startXmppSender } from '../xmpp/peers';
import { BENCH, gatewayConfig } from './common';

export async function runSipToXmpp(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const stops: Array<() => Promise<unknown>> = [];
  let rows: StepRow[] = [];
  let error: string | undefined;
  let profiles: string[] = [];
  let gw: GatewayChild | undefined;
  try {
    const prosody: BenchProsody = await startBenchProsody({
      host: BENCH.xmppHost,
      components: { [BENCH.sipDomain]: BENCH.secret, [BENCH.rawDomain]: BENCH.secret },
      users: { recv: BENCH.password },
    });
    stops.push(() => prosody.stop());
    const receiver = await startXmppReceiver(prosody.c2sPort, BENCH.xmppHost, 'recv', BENCH.password);
    stops.push(() => receiver.stop());
    const raw = await startXmppSender('raw-component', { mode: 'component', port: prosody.componentPort, domain: BENCH.rawDomain, secret: BENCH.secret, from: `bench@${BENCH.rawDomain}`, to: `recv@${BENCH.xmppHost}` });
    stops.push(() => raw.stop());
    const paths: FlowPath[] = [{ path: 'baseline', sender: raw, receiver }];
    try {
      const redis: BenchRedis = await startBenchRedis();
      stops.push(() => redis.stop());
      const sipPort = await freePort(true);
      gw = await startGateway({
        name: 'gateway(sip->xmpp)', jsonPort: await freePort(), ...(o.cpuProf ? { cpuProfDir: profDir } : {}),
        config: gatewayConfig(o, redis.url, { sipPort, componentPort: prosody.componentPort }),
      });
      const sender = sippUacSender({ scenario: 'bench-message-uac.xml', remote: `127.0.0.1:${sipPort}`, to: `recv@${BENCH.xmppHost}`, from: `bench@${BENCH.sipDomain}` });
      paths.unshift({ path: 'gateway', sender, receiver, gatewayPid: gw.child.pid });
    } catch (err) {
      error = `gateway path not run: ${(err as Error).message.split('\n').slice(0, 3).join(' | ')}`;
    }
    rows = await runSteps(paths, o.rates, o.stepSeconds);
  } catch (err) {
    error = [error, (err as Error).message].filter(Boolean).join('; ');
  } finally {
    if (gw) profiles = await gw.stop().catch(() => []);
    for (const s of stops.reverse()) await s().catch(() => undefined);
  }
  return {
    name: 'sip-to-xmpp', title: 'SIP MESSAGE (SIPp, UDP) -> gateway -> Prosody -> Node XMPP receiver; baseline: raw XEP-0114 component -> Prosody',
    ok: error === undefined, ...(error ? { error } : {}), durationMs: Date.now() - t0,
    figures: flowFigures(rows), steps: rows, ...(profiles.length ? { profiles } : {}),
  };
}

