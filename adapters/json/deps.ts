/**
 * What the JSON adapter's routes share. The config is the part of GatewayConfig this adapter
 * reads, declared here so adapters/ imports canonical/ only (GatewayConfig satisfies it).
 */
import { createHash, randomUUID } from 'node:crypto';
import { addressKey } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import type { AdapterContext, Log } from '../../canonical/adapter';
import type { StreamHub } from './stream-hub';
import type { JsonLimits } from './wire';

export interface JsonAdapterConfig {
  readonly gateway: { readonly maxForwards: number; readonly messageTimeoutMs: number };
  readonly presence: { readonly defaultExpires: number };
  readonly json?: {
    readonly listen: string;
    readonly heartbeatSeconds: number;
    readonly maxBodyBytes: number;
  };
}

export interface Deps {
  readonly ctx: AdapterContext;
  /** The adapter's child logger. */
  readonly log: Log;
  readonly config: JsonAdapterConfig;
  readonly hub: StreamHub;
  readonly limits: JsonLimits;
}

/**
 * The canonical message id. A client-chosen id is scoped to its sender, so a retry dedupes
 * (RFC 2779 5.4.2) but one user cannot suppress another's message by reusing its id.
 */
export function messageId(sender: Address, clientId: string | undefined): string {
  if (clientId === undefined) return randomUUID();
  return `j-${createHash('sha256').update(`${addressKey(sender)}\u0000${clientId}`).digest('base64url').slice(0, 32)}`;
}

export const newTransactionId = (): string => randomUUID();
