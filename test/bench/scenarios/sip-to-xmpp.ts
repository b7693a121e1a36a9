/**
 * SIP -> XMPP messages: SIPp (UAC, UDP) sends MESSAGE at stepped rates to the gateway, which
 * relays each one through its XEP-0114 component into a real Prosody, to a Node c2s receiver.
 * Baseline: a raw XEP-0114 component sending the same stanzas into the same Prosody.
 */
import type { BenchOptions, ScenarioResult } from '../types';
import { runMessageFlow } from './message-flow';

export function runSipToXmpp(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  return runMessageFlow({
    name: 'sip-to-xmpp', from: 'sip', to: 'xmpp',
    title: 'SIP MESSAGE (SIPp, UDP) -> gateway -> Prosody -> Node XMPP receiver; baseline: raw XEP-0114 component -> Prosody',
  }, o, profDir);
}
