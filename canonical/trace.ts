/**
 * The hop count and the received-trace: two loop defences used together (DESIGN "Loops").
 *
 * RFC 3860 3.4.2: "the service MUST decrement the MaxForwards ... If the value of MaxForwards is
 * zero, the service MUST NOT forward the message." The IMPP minutes add the trace: every gateway
 * appends its id as a message leaves it, outside any signed content, so a gateway that sees its own
 * id knows the message has come round.
 *
 * Pure: no I/O.
 */
import { ParseError } from './errors';
import type { Hops } from './operations';

export type TraceVerdict =
  | { readonly verdict: 'pass' }
  | { readonly verdict: 'loop'; readonly trace: readonly string[] }
  | { readonly verdict: 'exhausted' };

/** The default hop budget (RFC 3261 8.1.1.6: "SHOULD be 70"). */
export const DEFAULT_MAX_FORWARDS = 70;
/** Bound on trace length we accept; a longer trace is itself a sign of a loop or an attack. */
export const MAX_TRACE_ENTRIES = 64;

/** A gateway id: a DNS-name-like token (letters, digits, '-', '.', '_', ':'), at most 255 chars. */
const GATEWAY_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._:-]{0,253}[A-Za-z0-9])?$/;

export function isGatewayId(s: string): boolean {
  return GATEWAY_ID.test(s);
}

/** Check on entry: own id present is a loop; no hops left is exhaustion; otherwise pass. */
export function checkHops(hops: Hops, ownId: string): TraceVerdict {
  if (hops.trace.includes(ownId)) return { verdict: 'loop', trace: hops.trace };
  if (hops.maxForwards <= 0) return { verdict: 'exhausted' };
  return { verdict: 'pass' };
}

/** What leaves this gateway: one hop spent and our id appended to the trace. */
export function forwardHops(hops: Hops, ownId: string): Hops {
  return { maxForwards: Math.max(0, hops.maxForwards - 1), trace: [...hops.trace, ownId] };
}

/** The trace as one header/attribute value: ids separated by ", " (documented in README). */
export function formatTrace(trace: readonly string[]): string {
  return trace.join(', ');
}

/** Parse a trace value strictly: comma-separated gateway ids, optional whitespace around commas. */
export function parseTrace(value: string): string[] {
  if (value.trim() === '') return [];
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length > MAX_TRACE_ENTRIES) throw new ParseError(`received-trace has ${ids.length} entries (max ${MAX_TRACE_ENTRIES})`, 'trace');
  for (const id of ids) {
    if (!isGatewayId(id)) throw new ParseError(`received-trace entry ${JSON.stringify(id.slice(0, 80))} is not a gateway id`, 'trace');
  }
  return ids;
}

/** Parse a hop count strictly: 0..255 decimal digits only (RFC 3261 25.1 Max-Forwards is 1*DIGIT). */
export function parseMaxForwards(value: string): number {
  if (!/^[0-9]{1,3}$/.test(value)) throw new ParseError(`Max-Forwards ${JSON.stringify(value.slice(0, 20))} is not 1 to 3 digits`, 'Max-Forwards');
  const n = Number(value);
  if (n > 255) throw new ParseError(`Max-Forwards ${n} is over 255`, 'Max-Forwards');
  return n;
}
