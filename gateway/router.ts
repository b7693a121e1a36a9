/**
 * The message router: every MessageOp an adapter receives goes through route(), in the order the
 * design fixes: hop trace and count, the recipient's inbox rules, duplicates, then the recipient's
 * domain to an adapter, and the next hop's answer (or its absence) back to the sender.
 */
import type { Adapter, Log } from '../canonical/adapter';
import { addressKey } from '../canonical/address';
import { SwitchboardError, RemoteRejection } from '../canonical/errors';
import { failed, type MessageOp, type Outcome, type Protocol } from '../canonical/operations';
import { checkHops, forwardHops } from '../canonical/trace';
import { InboxAdmission } from './inbox-admission';
import { lazyChild, levelEnabled } from './logging';
import { dedupeKey, deliverOnce, pendingClaimSeconds } from './message-service';
import type { GatewayMetrics } from './metrics';
import type { Store } from './store/store';

/** The adapters a router can reach, and whether each is connected now. */
export interface AdapterHub {
  adapter(p: Protocol): Adapter | undefined;
  isReady(p: Protocol): boolean;
}

export interface RouterOptions {
  readonly gatewayId: string;
  readonly messageTimeoutMs: number;
  readonly dedupeTtlSeconds: number;
  readonly store: Store;
  readonly hub: AdapterHub;
  /** Which protocol owns a domain (configuration), or undefined. */
  readonly ownerOf: (domain: string) => Protocol | undefined;
  /** A domain missing from the table, looked up in the DNS (gateway/resolver.ts); optional. */
  readonly resolveDomain?: (domain: string, kind: 'im' | 'pres') => Promise<Protocol | undefined>;
  readonly metrics: GatewayMetrics;
  readonly log: Log;
}

/** The domains table, case-insensitive (DNS names are: RFC 4343). */
export function domainTable(domains: Readonly<Record<string, Protocol>>): (domain: string) => Protocol | undefined {
  const m = new Map(Object.entries(domains).map(([d, p]) => [d.toLowerCase(), p] as const));
  return (domain) => m.get(domain.toLowerCase());
}

/** What withTimeout resolves to when the timer wins. */
export const TIMED_OUT = Symbol('timed out');

/** Races a promise against a timer; the timer never outlives the race. */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<typeof TIMED_OUT>((r) => { timer = setTimeout(() => r(TIMED_OUT), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** An adapter's exception as an outcome: our own errors keep their code, others are remote errors. */
export function outcomeOfError(err: unknown): Outcome {
  if (err instanceof RemoteRejection) return failed(err.code, err.message, { remote: err.remote });
  if (err instanceof SwitchboardError) return failed(err.code, err.message);
  return failed('remote-error', err instanceof Error ? err.message : String(err));
}

export class Router {
  private readonly admission: InboxAdmission;

  constructor(private readonly o: RouterOptions) {
    this.admission = new InboxAdmission(o.store);
  }

  /** Routes one message; never throws: every fault is an outcome for the sender. */
  async route(op: MessageOp): Promise<Outcome> {
    const started = process.hrtime.bigint();
    const log = lazyChild(this.o.log, () => ({ msgId: op.id, from: `${op.from.local}@${op.from.domain}`, to: `${op.to.local}@${op.to.domain}` }));
    let outcome: Outcome;
    let duplicate = false;
    try {
      ({ outcome, duplicate } = await this.decide(op, log));
    } catch (err) {
      log.error({ err }, 'routing failed');
      outcome = err instanceof SwitchboardError ? failed(err.code, err.message) : failed('internal', 'internal error while routing');
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.o.metrics.messages.inc({ outcome: outcome.status, code: outcome.status === 'failed' ? outcome.code : '' });
    this.o.metrics.messageSeconds.observe({ outcome: outcome.status }, seconds);
    if (duplicate) this.o.metrics.duplicates.inc();
    if (levelEnabled(this.o.log, 'info')) log.info({ outcome: outcome.status, ...(outcome.status === 'failed' ? { code: outcome.code } : {}), duplicate, ms: Math.round(seconds * 1000) }, 'message routed');
    return outcome;
  }

  private async decide(op: MessageOp, log: Log): Promise<{ outcome: Outcome; duplicate: boolean }> {
    // RFC 3860 3.4.2: "If the value of MaxForwards is zero, the service MUST NOT forward the
    // message"; the received-trace catches loops through gateways that reset the count.
    const hops = checkHops(op, this.o.gatewayId);
    if (hops.verdict === 'loop') return { outcome: failed('loop-detected', `received-trace already holds ${this.o.gatewayId}`, { trace: hops.trace }), duplicate: false };
    if (hops.verdict === 'exhausted') return { outcome: failed('too-many-hops'), duplicate: false };

    // RFC 3860 3.4.1 step 3: "If access control does not permit the application to request this
    // operation, a response operation having status "failure" is invoked."
    // The rules read and the duplicate claim (RFC 2779 5.4.2) share one round trip, and the claim
    // is only made when the rules permit the message (inbox-admission.ts).
    const owner = addressKey(op.to);
    const key = dedupeKey(addressKey(op.from), owner, op.id);
    const claimSeconds = pendingClaimSeconds(this.o.dedupeTtlSeconds, this.o.messageTimeoutMs);
    const admitted = await this.admission.admit(owner, op.from, key, claimSeconds);
    if (admitted.decision !== 'allow') return { outcome: failed(admitted.decision), duplicate: false };
    return deliverOnce(this.o.store, key, this.o.dedupeTtlSeconds, this.o.messageTimeoutMs, () => this.forward(op, log), {
      ...(admitted.claim ? { firstClaim: admitted.claim } : {}),
      onRecordError: (err) => log.warn({ err }, 'message outcome not recorded (a duplicate may be answered indeterminate)'),
    });
  }

  private async forward(op: MessageOp, log: Log): Promise<Outcome> {
    // RFC 3860 3.4.1 step 2: "If the destination of the operation cannot be resolved ... a
    // response operation with the status "failure" is invoked."
    // DESIGN.md "Addresses and routing": configured domains first, then DNS SRV (RFC 3861
    // section 3: "a lookup is performed for SRVs for the target domain, a desired service (using
    // the "_im" Service label) and a desired IM transfer protocol").
    const protocol = this.o.ownerOf(op.to.domain) ?? await this.o.resolveDomain?.(op.to.domain, 'im');
    if (!protocol) return failed('unknown-domain', `no route to ${op.to.domain}`);
    const adapter = this.o.hub.adapter(protocol);
    if (!adapter) return failed('service-unavailable', `the ${protocol} adapter is not configured`);
    if (!this.o.hub.isReady(protocol)) return failed('service-unavailable', `the ${protocol} adapter is not connected`);
    const out: MessageOp = { ...op, ...forwardHops(op, this.o.gatewayId) };
    log.debug({ protocol }, 'forwarding message');
    let res: Outcome | typeof TIMED_OUT;
    try {
      res = await withTimeout(adapter.sendMessage(out), this.o.messageTimeoutMs);
    } catch (err) {
      log.warn({ err }, 'adapter failed to send');
      return outcomeOfError(err);
    }
    // RFC 3860 3.4.1: "if the delegation will not result in a future authoritative indication to
    // the service, a response operation having status "indeterminant" is invoked."
    if (res === TIMED_OUT) return { status: 'indeterminate', reason: `no answer from the ${protocol} side within ${this.o.messageTimeoutMs} ms` };
    return res;
  }
}
