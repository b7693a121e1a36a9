/**
 * The presence service: publications, subscriptions, upstream subscriptions and the expiry sweep,
 * behind the operations adapters call (AdapterContext.subscribe/publish/notify) and the services
 * the JSON API exposes.
 */
import type { AdapterState, SubscriptionInfo } from '../canonical/adapter';
import { addressKey, parseAddressKey, type Address } from '../canonical/address';
import type { Content, NotifyOp, Outcome, PublishOp, PublishResult, SubscribeOp, SubscribeResult } from '../canonical/operations';
import { checkHops } from '../canonical/trace';
import { failed } from '../canonical/operations';
import { Notifier, watcherOf, type PresenceDeps } from './presence-notifier';
import { Publications } from './presence-publications';
import { Subscriptions } from './presence-subscriptions';
import { Upstream } from './presence-upstream';
import type { SubscriptionRecord } from './store/store';

export interface SweepOptions {
  /** Milliseconds between sweeps. */
  readonly intervalMs: number;
  /** Most subscriptions and publications ended per sweep (the rest wait for the next one). */
  readonly maxPerSweep: number;
}

export const DEFAULT_SWEEP: SweepOptions = Object.freeze({ intervalMs: 1_000, maxPerSweep: 500 });
/** How long an instance's claim on one expiry lasts (others skip it meanwhile). */
const EXPIRY_CLAIM_SECONDS = 60;

function info(s: SubscriptionRecord): SubscriptionInfo {
  return { id: s.id, watcher: watcherOf(s), presentity: parseAddressKey(s.presentity), state: s.state, expiresAt: s.expiresAt, watcherProtocol: s.watcherProtocol };
}

export class PresenceService {
  private readonly notifier: Notifier;
  private readonly publications: Publications;
  private readonly subscriptions: Subscriptions;
  private readonly upstream: Upstream;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly d: PresenceDeps, gatewayState: AdapterState, private readonly sweep: SweepOptions = DEFAULT_SWEEP) {
    this.notifier = new Notifier(d);
    this.publications = new Publications(d, this.notifier);
    this.upstream = new Upstream(d, gatewayState, this.notifier, this.publications);
    this.subscriptions = new Subscriptions(d, this.notifier, this.upstream);
  }

  publish(op: PublishOp): Promise<PublishResult> {
    return this.publications.publish(op);
  }

  subscribe(op: SubscribeOp): Promise<SubscribeResult> {
    return this.subscriptions.subscribe(op);
  }

  /** A notification from another side for a subscription the gateway holds there. */
  async notify(op: NotifyOp): Promise<Outcome> {
    const hops = checkHops(op, this.d.config.gateway.id);
    if (hops.verdict === 'loop') return failed('loop-detected', undefined, { trace: hops.trace });
    if (hops.verdict === 'exhausted') return failed('too-many-hops');
    return this.upstream.onNotify(op);
  }

  outOfContact(presentity: Address, sourceKey: string): Promise<void> {
    return this.publications.outOfContact(presentity, sourceKey);
  }

  removeWatcher(presentity: Address, watcher: Address): Promise<boolean> {
    return this.subscriptions.removeWatcher(presentity, watcher);
  }

  async storedPresence(presentity: Address): Promise<Content | undefined> {
    const d = await this.d.store.getDocument(addressKey(presentity));
    return d && { type: d.type, bytes: d.bytes };
  }

  async listSubscriptions(watcher: Address): Promise<SubscriptionInfo[]> {
    const now = Date.now();
    return (await this.d.store.subscriptionsBy(addressKey(watcher))).filter((s) => s.expiresAt > now).map(info);
  }

  /** Every live watcher, politely blocked ones included: the presentity may see who asked (5.1.11). */
  async listWatchers(presentity: Address): Promise<SubscriptionInfo[]> {
    const now = Date.now();
    return (await this.d.store.subscriptionsOf(addressKey(presentity))).filter((s) => s.expiresAt > now).map(info);
  }

  startSweeper(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { if (!this.sweeping) this.sweeping = this.sweepOnce().finally(() => { this.sweeping = undefined; }); }, this.sweep.intervalMs);
    this.timer.unref();
  }

  async stopSweeper(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /**
   * One bounded sweep: expired subscriptions end with reason timeout, expired publications go and
   * their presentities are recomposed, upstream subscriptions near expiry are refreshed. With
   * several instances, a SET NX claim per expiry makes exactly one instance handle each.
   */
  async sweepOnce(): Promise<void> {
    const now = Date.now();
    try {
      for (const id of await this.d.store.dueSubscriptions(now, this.sweep.maxPerSweep)) {
        const sub = await this.d.store.getSubscription(id);
        if (!(await this.d.store.claim(`exp:s:${id}:${sub?.expiresAt ?? 0}`, EXPIRY_CLAIM_SECONDS))) continue;
        if (await this.subscriptions.expire(id)) this.d.metrics.expired.inc({ kind: 'subscription' });
      }
      for (const { presentity, etag } of await this.d.store.duePublications(now, this.sweep.maxPerSweep)) {
        if (!(await this.d.store.claim(`exp:p:${etag}:${presentity}`, EXPIRY_CLAIM_SECONDS))) continue;
        if (await this.publications.expire(presentity, etag)) this.d.metrics.expired.inc({ kind: 'publication' });
      }
      await this.upstream.refreshDue();
    } catch (err) {
      this.d.log.warn({ err }, 'presence sweep failed; retrying at the next one');
    }
  }
}
