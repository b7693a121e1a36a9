/**
 * The SIP/SIMPLE adapter (issue 4): MESSAGE (RFC 3428), SUBSCRIBE/NOTIFY (RFC 6665, RFC 3856) in
 * both roles, PUBLISH (RFC 3903) and OPTIONS, over UDP and TCP.
 *
 * Why an own stack instead of the `sip` npm package (kirm/sip.js): its parser is lenient by design
 * (it answers 200 to malformed requests, works on strings, and re-serializes what it relays), and
 * the gateway must give each RFC 4475 torture message its verdict, keep bodies as exact bytes, and
 * stay within a CPU budget of tens of microseconds per MESSAGE. Wrapping it would mean parsing every
 * message twice. The parts a gateway needs are small: a strict parser over Buffers (wire-*.ts),
 * UDP and TCP transports with Content-Length framing that closes only the faulty connection
 * (transport.ts, wire-frame.ts), and a non-INVITE transaction layer with retransmission absorption
 * and Timer E/F (transactions.ts). INVITE is answered 405; no dialogs other than subscriptions.
 *
 * The received-trace travels in the `Switchboard-Trace` header (to-canonical.ts TRACE_HEADER).
 */
import type { AdapterContext, Adapter } from '../../canonical/adapter';
import type { SipAdapterConfig } from './config';
import { createSipAdapterWith } from './adapter';

export { createSipAdapterWith, type SipAdapterOptions } from './adapter';
export { TRACE_HEADER } from './to-canonical';
export type { SipAdapterConfig, SipSection } from './config';

/** The adapter factory the gateway registry uses. */
export function createSipAdapter(config: SipAdapterConfig, ctx: AdapterContext): Adapter {
  return createSipAdapterWith(config, ctx);
}
