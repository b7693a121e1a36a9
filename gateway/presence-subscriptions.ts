/**
 * Subscribe, refresh, end and fetch (RFC 3859 subscribe with a duration; 0 fetches or ends).
 * Access is decided from the rules alone, whether or not the presentity is in contact
 * (RFC 2779 2.3.7); a denied watcher is told (5.1.5), a politely blocked one is not (5.1.15).
 */
import { addressKey, parseAddressKey, type Address } from '../canonical/address';
import { DELIVERED, failed, type Content, type SubscribeOp, type SubscribeResult } from '../canonical/operations';
import { DEFAULT_RULES, type Rules } from '../canonical/rules';
import { checkHops } from '../canonical/trace';
import { viewFor, watcherDecision } from './policy';
import { closedDocument, viewOf } from './presence-documents';
import type { Notifier, PresenceDeps } from './presence-notifier';
import type { Upstream } from './presence-upstream';
import { newSubscriptionId } from './store/records';
import type { SubscriptionRecord } from './store/store';

export class Subscriptions {
  constructor(private readonly d: PresenceDeps, private readonly notifier: Notifier, private readonly upstream: Upstream) {}

  async subscribe(op: SubscribeOp): Promise<SubscribeResult> {
    const res = await this.decide(op);
    const kind = op.duration === 0 ? (op.subscriptionId ? 'end' : 'fetch') : op.subscriptionId ? 'refresh' : 'new';
    this.d.metrics.subscriptions.inc({ result: `${kind}:${res.outcome.status === 'failed' ? res.outcome.code : 'ok'}` });
    return res;
  }

  private async decide(op: SubscribeOp): Promise<SubscribeResult> {
    const hops = checkHops(op, this.d.config.gateway.id);
    if (hops.verdict === 'loop') return { outcome: failed('loop-detected', undefined, { trace: hops.trace }) };
    if (hops.verdict === 'exhausted') return { outcome: failed('too-many-hops') };
    if (!Number.isInteger(op.duration) || op.duration < 0) return { outcome: failed('bad-request', `duration ${op.duration} is not a whole number of seconds >= 0`) };
    const rules = (await this.d.store.getRules(addressKey(op.presentity))) ?? DEFAULT_RULES;

    if (op.subscriptionId !== undefined) {
      const sub = await this.d.store.getSubscription(op.subscriptionId);
      if (!sub || sub.expiresAt <= Date.now() || sub.watcher !== addressKey(op.watcher) || sub.presentity !== addressKey(op.presentity)) {
        return { outcome: failed('subscription-gone', `no subscription ${op.subscriptionId} of this watcher to this presentity`) };
      }
      return op.duration === 0 ? this.end(sub, op.presentity) : this.refresh(sub, op, rules);
    }
    if (op.duration === 0) return this.fetch(op, rules);
    return this.create(op, rules);
  }

  /** Clamps a requested duration; undefined when below the minimum (RFC 6665 4.2.1.1: 423). */
  private granted(duration: number): number | undefined {
    const { minExpires, maxExpires } = this.d.config.presence;
    if (duration < minExpires) return undefined;
    return Math.min(duration, maxExpires);
  }

  /** The document this watcher may see now; polite blocking shows only "closed" (5.1.15). */
  private async presenceFor(presentity: Address, watcher: Address, rules: Rules, polite: boolean): Promise<Content | undefined> {
    if (polite) return closedDocument(presentity);
    const doc = await this.d.store.getDocument(addressKey(presentity));
    if (!doc) return (await this.upstream.isRemote(presentity)) ? undefined : closedDocument(presentity);
    return viewOf(presentity, { type: doc.type, bytes: doc.bytes }, viewFor(rules, presentity, watcher));
  }

  private async create(op: SubscribeOp, rules: Rules): Promise<SubscribeResult> {
    const expires = this.granted(op.duration);
    if (expires === undefined) return { outcome: failed('interval-too-brief', `expires ${op.duration} is below the minimum ${this.d.config.presence.minExpires}`), expires: this.d.config.presence.minExpires };
    const decision = watcherDecision(rules, op.presentity, op.watcher);
    // RFC 2779 5.1.5: "B MUST inform A if B refuses A's SUBSCRIPTION."
    if (decision === 'deny') return { outcome: failed('forbidden', 'the presentity\'s rules refuse this watcher') };
    const polite = decision === 'polite-block';
    const rec: SubscriptionRecord = {
      id: newSubscriptionId(addressKey(op.presentity)), watcher: addressKey(op.watcher), presentity: addressKey(op.presentity),
      watcherProtocol: op.source.protocol, state: 'active', expiresAt: Date.now() + expires * 1000, polite,
      ...(op.watcher.resource !== undefined ? { watcherResource: op.watcher.resource } : {}),
    };
    await this.d.store.putSubscription(rec);
    if (!polite) await this.upstream.ensure(op.presentity, op.watcher);
    const presence = await this.presenceFor(op.presentity, op.watcher, rules, polite);
    return { outcome: DELIVERED, subscriptionId: rec.id, state: 'active', expires, ...(presence ? { presence } : {}) };
  }

  private async refresh(sub: SubscriptionRecord, op: SubscribeOp, rules: Rules): Promise<SubscribeResult> {
    const expires = this.granted(op.duration);
    if (expires === undefined) return { outcome: failed('interval-too-brief', `expires ${op.duration} is below the minimum ${this.d.config.presence.minExpires}`), expires: this.d.config.presence.minExpires };
    const decision = watcherDecision(rules, op.presentity, op.watcher);
    if (decision === 'deny') {
      await this.notifier.terminate(sub, 'rejected');
      return { outcome: failed('forbidden', 'the presentity\'s rules refuse this watcher') };
    }
    const polite = decision === 'polite-block';
    await this.d.store.putSubscription({ ...sub, polite, expiresAt: Date.now() + expires * 1000 });
    if (!polite) await this.upstream.ensure(op.presentity, op.watcher);
    const presence = await this.presenceFor(op.presentity, op.watcher, rules, polite);
    return { outcome: DELIVERED, subscriptionId: sub.id, state: 'active', expires, ...(presence ? { presence } : {}) };
  }

  /**
   * RFC 6665 4.2.1.4 / 4.4.1: an unsubscribe is treated like an expiry: "they send a NOTIFY request
   * containing a "Subscription-State" of "terminated", with a reason code of "timeout.""
   */
  private async end(sub: SubscriptionRecord, presentity: Address): Promise<SubscribeResult> {
    await this.notifier.terminate(sub, 'timeout');
    await this.upstream.release(presentity);
    return { outcome: DELIVERED, subscriptionId: sub.id, state: 'terminated', expires: 0 };
  }

  /** RFC 2779 3.2.1: "A FETCHER MUST be able to fetch a PRESENTITY's PRESENCE INFORMATION even when the PRESENTITY is OUT OF CONTACT." */
  private async fetch(op: SubscribeOp, rules: Rules): Promise<SubscribeResult> {
    const decision = watcherDecision(rules, op.presentity, op.watcher);
    if (decision === 'deny') return { outcome: failed('forbidden', 'the presentity\'s rules refuse this watcher') };
    const presence = await this.presenceFor(op.presentity, op.watcher, rules, decision === 'polite-block');
    return { outcome: DELIVERED, state: 'terminated', expires: 0, ...(presence ? { presence } : {}) };
  }

  /** RFC 2779 5.1.16: "B MUST be able to cancel A's subscription at will." */
  async removeWatcher(presentity: Address, watcher: Address): Promise<boolean> {
    const w = addressKey(watcher);
    const subs = (await this.d.store.subscriptionsOf(addressKey(presentity))).filter((s) => s.watcher === w);
    for (const s of subs) await this.notifier.terminate(s, 'rejected');
    if (subs.length > 0) await this.upstream.release(presentity);
    return subs.length > 0;
  }

  /** Sweeper: one expired subscription ended with reason timeout (the caller holds the claim). */
  async expire(id: string): Promise<boolean> {
    const sub = await this.d.store.getSubscription(id);
    if (!sub) {
      await this.d.store.deleteSubscription(id);
      return false;
    }
    if (sub.expiresAt > Date.now()) return false;
    // RFC 6665 4.4.1: "When removing a subscription, the notifier SHOULD send a NOTIFY request with
    // a "Subscription-State" value of "terminated" ... SHOULD contain a "reason=timeout" parameter."
    await this.notifier.terminate(sub, 'timeout');
    await this.upstream.release(parseAddressKey(sub.presentity));
    return true;
  }
}

