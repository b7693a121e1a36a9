/**
 * Notification fan-out: every change of a presentity's document goes to each permitted watcher,
 * filtered to its view, through the adapter of the watcher's side (RFC 2779 3.2.3: "the PRESENCE
 * SERVICE MUST deliver a NOTIFICATION to each SUBSCRIBER, unless prevented by the PRESENTITY's
 * ACCESS RULES").
 */
import { randomUUID } from 'node:crypto';
import type { Log } from '../canonical/adapter';
import { addressKey, parseAddressKey, type Address } from '../canonical/address';
import type { Content, NotifyOp, Outcome, SubscriptionState } from '../canonical/operations';
import { DEFAULT_RULES } from '../canonical/rules';
import type { GatewayConfig } from './config/types';
import { viewFor, watcherDecision } from './policy';
import { viewOf } from './presence-documents';
import { AnswerBound } from './answer-bound';
import { countBy, type GatewayMetrics } from './metrics';
import { outcomeOfError, type AdapterHub } from './router';
import type { Store, SubscriptionRecord } from './store/store';

const NOTIFY_TIMED_OUT: Outcome = Object.freeze({ status: 'indeterminate', reason: 'notification timed out' });

/** Notifications in flight at once during one fan-out. */
const FAN_OUT_CONCURRENCY = 256;

export interface PresenceDeps {
  readonly config: GatewayConfig;
  readonly store: Store;
  readonly hub: AdapterHub;
  readonly ownerOf: (domain: string) => import('../canonical/operations').Protocol | undefined;
  /** A domain missing from the table, looked up in the DNS (gateway/resolver.ts); optional. */
  readonly resolveDomain?: (domain: string, kind: 'im' | 'pres') => Promise<import('../canonical/operations').Protocol | undefined>;
  readonly metrics: GatewayMetrics;
  readonly log: Log;
}

export type TerminationReason = NonNullable<NotifyOp['reason']>;

export function watcherOf(sub: SubscriptionRecord): Address {
  const a = parseAddressKey(sub.watcher);
  return sub.watcherResource !== undefined ? { ...a, resource: sub.watcherResource } : a;
}

/** Runs fn over items with at most `limit` in flight. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const t = items[next++]!;
      await fn(t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Watchers reached through another server (SIP: a request and its final response; XMPP: the
 * server's routing to each session) before those the gateway writes to directly (JSON streams):
 * the longest paths start first, so the last watcher hears sooner (measured with the bench's
 * 10,000-watcher fan-out, where JSON subscriptions were made first and XMPP's came last). The
 * order within each group is kept.
 */
export function remoteFirst(subs: readonly SubscriptionRecord[]): SubscriptionRecord[] {
  const remote: SubscriptionRecord[] = [];
  const direct: SubscriptionRecord[] = [];
  for (const s of subs) (s.watcherProtocol === 'json' ? direct : remote).push(s);
  return remote.concat(direct);
}

export class Notifier {
  private readonly bound: AnswerBound;
  private readonly countOutcome: (status: string) => void;

  constructor(private readonly d: PresenceDeps) {
    this.bound = new AnswerBound(d.config.gateway.messageTimeoutMs);
    this.countOutcome = countBy(d.metrics.notifications, 'outcome');
  }

  /** One notification to one watcher; never throws (the outcome is logged and counted). */
  async notifyOne(sub: SubscriptionRecord, presence: Content | undefined, state: SubscriptionState, reason?: TerminationReason, presentity?: Address, watcher?: Address): Promise<Outcome> {
    const op: NotifyOp = {
      kind: 'notify', transactionId: randomUUID(), subscriptionId: sub.id,
      // A fan-out passes its presentity, parsed once for all watchers, and the watcher it has parsed already.
      watcher: watcher ?? watcherOf(sub), presentity: presentity ?? parseAddressKey(sub.presentity),
      ...(presence ? { presence } : {}), state,
      ...(state !== 'terminated' ? { expires: Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000)) } : {}),
      ...(reason ? { reason } : {}),
      maxForwards: this.d.config.gateway.maxForwards, trace: [this.d.config.gateway.id],
    };
    const adapter = this.d.hub.adapter(sub.watcherProtocol);
    let outcome: Outcome;
    if (!adapter || !this.d.hub.isReady(sub.watcherProtocol)) {
      outcome = { status: 'failed', code: 'service-unavailable', reason: `the ${sub.watcherProtocol} adapter is not available` };
    } else {
      let sent: Promise<Outcome>;
      try {
        sent = adapter.sendNotify(op);
      } catch (err) {
        sent = Promise.reject(err);
      }
      outcome = await this.bound.within<Outcome>(sent, () => NOTIFY_TIMED_OUT, outcomeOfError);
    }
    this.countOutcome(outcome.status);
    if (outcome.status === 'failed') this.d.log.debug({ subscriptionId: sub.id, watcher: sub.watcher, code: outcome.code }, 'notification not delivered');
    return outcome;
  }

  /**
   * The presentity's document changed: notify every live subscription the rules still permit.
   * Rules are read now, not when the watcher subscribed: a watcher denied since then is cut off
   * ("rejected", RFC 6665 4.2.2), a politely blocked one simply gets nothing (RFC 2779 5.1.15).
   */
  async fanOut(presentity: Address, doc: Content): Promise<void> {
    const key = addressKey(presentity);
    const bare = parseAddressKey(key);
    const [subs, stored] = await Promise.all([this.d.store.subscriptionsOf(key), this.d.store.getRules(key)]);
    const rules = stored ?? DEFAULT_RULES;
    const now = Date.now();
    const live = subs.filter((s) => s.expiresAt > now && s.state === 'active' && !s.polite);
    await eachLimited(remoteFirst(live), FAN_OUT_CONCURRENCY, async (s) => {
      const watcher = watcherOf(s);
      const decision = watcherDecision(rules, presentity, watcher);
      if (decision === 'polite-block') return;
      if (decision === 'deny') {
        await this.terminate(s, 'rejected');
        return;
      }
      await this.notifyOne(s, viewOf(presentity, doc, viewFor(rules, presentity, watcher)), 'active', undefined, s.presentity === key ? bare : undefined, watcher);
    });
  }

  /** Ends a subscription: removed from the store, then the terminated notification. */
  async terminate(sub: SubscriptionRecord, reason: TerminationReason): Promise<void> {
    const removed = await this.d.store.deleteSubscription(sub.id);
    if (removed) await this.notifyOne(removed, undefined, 'terminated', reason);
  }
}
