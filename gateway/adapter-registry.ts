/**
 * The protocol adapters this build knows, as one explicit map (no registration by side effect).
 * An adapter is started for a protocol when its config section exists and it is listed here.
 */
import type { AdapterFactory } from '../canonical/adapter';
import type { Protocol } from '../canonical/operations';
import { createJsonAdapter } from '../adapters/json';
import { createSipAdapter } from '../adapters/sip';
import { createXmppAdapter } from '../adapters/xmpp';
import type { GatewayConfig } from './config/types';

export const ADAPTERS: Partial<Record<Protocol, AdapterFactory<GatewayConfig>>> = {
  json: createJsonAdapter,
  sip: createSipAdapter,
  xmpp: createXmppAdapter,
};
