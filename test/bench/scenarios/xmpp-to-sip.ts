/**
 * XMPP -> SIP messages: a Node c2s client sends <message/> through Prosody to the gateway's
 * component domain; the gateway sends MESSAGE to the SIPp sink (its outbound proxy).
 * Baseline: SIPp (UAC) sending the same MESSAGEs straight to the same sink.
 */
import type { BenchOptions, ScenarioResult } from '../types';
import { runMessageFlow } from './message-flow';

export function runXmppToSip(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  return runMessageFlow({
    name: 'xmpp-to-sip', from: 'xmpp', to: 'sip',
    title: 'XMPP client -> Prosody -> gateway component -> SIP MESSAGE -> SIPp sink; baseline: SIPp UAC -> SIPp sink',
  }, o, profDir);
}
