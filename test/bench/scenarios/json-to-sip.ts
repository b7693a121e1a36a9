/**
 * JSON -> SIP messages: WebSocket "message" frames to the gateway, which sends MESSAGE to the
 * SIPp sink. Baseline: SIPp (UAC) sending the same MESSAGEs straight to the same sink.
 */
import type { BenchOptions, ScenarioResult } from '../types';
import { runMessageFlow } from './message-flow';

export function runJsonToSip(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  return runMessageFlow({
    name: 'json-to-sip', from: 'json', to: 'sip',
    title: 'JSON (WebSocket frames) -> gateway -> SIP MESSAGE -> SIPp sink; baseline: SIPp UAC -> SIPp sink',
  }, o, profDir);
}
