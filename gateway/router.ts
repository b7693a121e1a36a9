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
import { AnswerBound } from './answer-bound';
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

function recordErrorLogger(log: Log): (err: unknown) => void {
  return (err) => log.warn({ err }, 'message outcome not recorded (a duplicate may be answered indeterminate)');
}

/** An adapter's exception as an outcome: our own errors keep their code, others are remote errors. */
export function outcomeOfError(err: unknown): Outcome {
  if (err instanceof RemoteRejection) return failed(err.code, err.message, { remote: err.remote });
  if (err instanceof SwitchboardError) return failed(err.code, err.message);
  return failed('remote-error', err instanceof Error ? err.message : String(err));
}

/** Label values of the messages counter and histogram, bound once per outcome (prom-client hashes labels on every call otherwise). */
interface OutcomeMetrics { readonly inc: () => void; readonly observe: (seconds: number) => void }

export class Router {
  private readonly admission: InboxAdmission;
  /** Every next hop's wait for its answer, bounded by messageTimeoutMs on one shared timer. */
  private readonly bound: AnswerBound;
  private readonly outcomeMetrics = new Map<string, OutcomeMetrics>();

  constructor(private readonly o: RouterOptions) {
    this.admission = new InboxAdmission(o.store);
    this.bound = new AnswerBound(o.messageTimeoutMs);
  }

  /**
   * Routes one message; never rejects: every fault is an outcome for the sender.
   *
   * What follows the next hop's answer is one reaction holding the message's id and addresses,
   * not a chain of async frames holding the whole operation: a message to XMPP waits ~250 ms for
   * its answer, and at thousands a second everything held that long outlives V8's young
   * generation and is copied and promoted by the garbage collector.
   */
  route(op: MessageOp): Promise<Outcome> {
    const started = performance.now();
    const id = op.id;
    const from = op.from;
    const to = op.to;
    const log = lazyChild(this.o.log, () => ({ msgId: id, from: `${from.local}@${from.domain}`, to: `${to.local}@${to.domain}` }));
    return this.decide(op, log).then(
      (r) => this.finish(r.outcome, r.duplicate, started, log),
      (err: unknown) => {
        log.error({ err }, 'routing failed');
        return this.finish(err instanceof SwitchboardError ? failed(err.code, err.message) : failed('internal', 'internal error while routing'), false, started, log);
      },
    );
  }

  private finish(outcome: Outcome, duplicate: boolean, started: number, log: Log): Outcome {
    const seconds = (performance.now() - started) / 1000;
    const code = outcome.status === 'failed' ? outcome.code : '';
    const key = `${outcome.status} ${code}`;
    let m = this.outcomeMetrics.get(key);
    if (!m) {
      const counter = this.o.metrics.messages.labels({ outcome: outcome.status, code });
      const histogram = this.o.metrics.messageSeconds.labels({ outcome: outcome.status });
      m = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
      // Error codes are a closed set (canonical/errors.ts), so this map stays small.
      this.outcomeMetrics.set(key, m);
    }
    m.inc();
    m.observe(seconds);
    if (duplicate) this.o.metrics.duplicates.inc();
    if (levelEnabled(this.o.log, 'info')) log.info({ outcome: outcome.status, ...(code ? { code } : {}), duplicate, ms: Math.round(seconds * 1000) }, 'message routed');
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
    // The record-error callback lives until the outcome is recorded; it is made outside this
    // frame, whose context holds `op` for the forward closure (V8 keeps a scope's captured
    // variables in one context shared by all its closures), so that it does not keep the whole
    // operation alive through the next hop's wait.
    // One literal shape for every message: a spread of optional parts made these objects of many
    // shapes, and reading them megamorphic went to the runtime on most messages (--log-ic).
    return deliverOnce(this.o.store, key, this.o.dedupeTtlSeconds, this.o.messageTimeoutMs, () => this.forward(op, log), {
      firstClaim: admitted.claim,
      onRecordError: recordErrorLogger(log),
    });
  }

  private forward(op: MessageOp, log: Log): Promise<Outcome> {
    // RFC 3860 3.4.1 step 2: "If the destination of the operation cannot be resolved ... a
    // response operation with the status "failure" is invoked."
    // DESIGN.md "Addresses and routing": configured domains first, then DNS SRV (RFC 3861
    // section 3: "a lookup is performed for SRVs for the target domain, a desired service (using
    // the "_im" Service label) and a desired IM transfer protocol").
    const configured = this.o.ownerOf(op.to.domain);
    if (configured) return this.sendVia(configured, op, log);
    if (!this.o.resolveDomain) return Promise.resolve(failed('unknown-domain', `no route to ${op.to.domain}`));
    return this.o.resolveDomain(op.to.domain, 'im').then((p) => (p ? this.sendVia(p, op, log) : failed('unknown-domain', `no route to ${op.to.domain}`)));
  }

  private sendVia(protocol: Protocol, op: MessageOp, log: Log): Promise<Outcome> {
    const adapter = this.o.hub.adapter(protocol);
    if (!adapter) return Promise.resolve(failed('service-unavailable', `the ${protocol} adapter is not configured`));
    if (!this.o.hub.isReady(protocol)) return Promise.resolve(failed('service-unavailable', `the ${protocol} adapter is not connected`));
    const out: MessageOp = { ...op, ...forwardHops(op, this.o.gatewayId) };
    log.debug({ protocol }, 'forwarding message');
    let sent: Promise<Outcome>;
    try {
      sent = adapter.sendMessage(out);
    } catch (err) {
      log.warn({ err }, 'adapter failed to send');
      return Promise.resolve(outcomeOfError(err));
    }
    // RFC 3860 3.4.1: "if the delegation will not result in a future authoritative indication to
    // the service, a response operation having status "indeterminant" is invoked."
    return this.bound.within<Outcome>(
      sent,
      () => ({ status: 'indeterminate', reason: `no answer from the ${protocol} side within ${this.o.messageTimeoutMs} ms` }),
      (err) => { log.warn({ err }, 'adapter failed to send'); return outcomeOfError(err); },
    );
  }
}
