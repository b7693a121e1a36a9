/**
 * JSON -> XMPP messages: WebSocket "message" frames to the gateway, relayed through its
 * component into Prosody to the Node receiver. Baseline: the raw XEP-0114 component.
 */
import type { BenchOptions, ScenarioResult } from '../types';
import { runMessageFlow } from './message-flow';

export function runJsonToXmpp(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  return runMessageFlow({
    name: 'json-to-xmpp', from: 'json', to: 'xmpp',
    title: 'JSON (WebSocket frames) -> gateway -> Prosody -> Node XMPP receiver; baseline: raw XEP-0114 component -> Prosody',
  }, o, profDir);
}
