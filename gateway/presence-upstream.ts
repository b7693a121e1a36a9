/**
 * Subscriptions the gateway itself holds toward presentities on the SIP or XMPP side: one per
 * presentity whatever the number of local watchers, refreshed before it expires, ended when the
 * last watcher leaves. Their notifications come back through AdapterContext.notify and fan out.
 * Records live in the gateway's own state namespace so every instance sees them.
 */
import { randomUUID } from 'node:crypto';
import type { AdapterState } from '../canonical/adapter';
import { addressKey, parseAddressKey, type Address } from '../canonical/address';
import { DELIVERED, failed, type NotifyOp, type Outcome, type SubscribeOp, type SubscribeResult } from '../canonical/operations';
import { AnswerBound } from './answer-bound';
import type { Notifier, PresenceDeps } from './presence-notifier';
import type { Publications } from './presence-publications';
import { outcomeOfError } from './router';

interface UpstreamRecord {
  /** The adapter's subscription id. */
  readonly id?: string;
  /** The watcher the upstream subscription was made for (the first local one). */
  readonly w: string;
  /** Epoch ms of its expiry. */
  readonly x: number;
  /** Granted duration, seconds. */
  readonly d: number;
}

const PREFIX = 'up:';
/** Refresh when less than this share of the duration is left. */
const REFRESH_AT = 1 / 3;
const MAX_REFRESH_PER_SWEEP = 200;

function read(s: string | undefined): UpstreamRecord | undefined {
  if (s === undefined) return undefined;
  try {
    const o = JSON.parse(s) as Partial<UpstreamRecord>;
    return typeof o.w === 'string' && typeof o.x === 'number' && typeof o.d === 'number' ? (o as UpstreamRecord) : undefined;
  } catch {
    return undefined;
  }
}

export class Upstream {
  private readonly bound: AnswerBound;

  constructor(
    private readonly d: PresenceDeps, private readonly state: AdapterState,
    private readonly notifier: Notifier, private readonly publications: Publications,
  ) {
    this.bound = new AnswerBound(d.config.gateway.messageTimeoutMs);
  }

  /**
   * The adapter owning the presentity's side, when that side takes subscriptions from us: the
   * domains table, then the DNS (RFC 3861 section 3: "_pres" SRV records; gateway/resolver.ts).
   */
  private async sideOf(presentity: Address) {
    const p = this.d.ownerOf(presentity.domain) ?? await this.d.resolveDomain?.(presentity.domain, 'pres');
    if (p !== 'sip' && p !== 'xmpp') return undefined;
    const a = this.d.hub.adapter(p);
    return a?.sendSubscribe ? a : undefined;
  }

  async isRemote(presentity: Address): Promise<boolean> {
    return (await this.sideOf(presentity)) !== undefined;
  }

  private op(watcher: Address, presentity: Address, duration: number, subscriptionId?: string): SubscribeOp {
    return {
      kind: 'subscribe', transactionId: randomUUID(), watcher, presentity, duration,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
      maxForwards: this.d.config.gateway.maxForwards, trace: [this.d.config.gateway.id], source: { protocol: 'json' },
    };
  }

  /** The adapter's answer to a SUBSCRIBE, bounded: a timeout or a fault is a failed outcome. */
  private subscribeBounded(send: () => Promise<SubscribeResult>): Promise<SubscribeResult> {
    let sent: Promise<SubscribeResult>;
    try {
      sent = send();
    } catch (err) {
      sent = Promise.reject(err);
    }
    return this.bound.within<SubscribeResult>(sent, () => ({ outcome: failed('timeout', 'no answer to the upstream SUBSCRIBE in time') }), (err) => ({ outcome: outcomeOfError(err) }));
  }

  /** Subscribes on the presentity's side unless a subscription is already held (by any instance). */
  async ensure(presentity: Address, watcher: Address): Promise<void> {
    const adapter = await this.sideOf(presentity);
    if (!adapter?.sendSubscribe) return;
    const key = PREFIX + addressKey(presentity);
    const duration = this.d.config.presence.defaultExpires;
    const claim: UpstreamRecord = { w: addressKey(watcher), x: Date.now() + duration * 1000, d: duration };
    // The claim itself is short: an instance that dies mid-request must not block others for long.
    const claimSeconds = Math.min(duration, Math.ceil(this.d.config.gateway.messageTimeoutMs / 1000) + 5);
    if (!(await this.state.setIfAbsent(key, JSON.stringify(claim), claimSeconds))) return;
    try {
      const r = await this.subscribeBounded(() => adapter.sendSubscribe!(this.op(watcher, presentity, duration)));
      if (r.outcome.status === 'failed') {
        this.d.log.warn({ presentity: addressKey(presentity), outcome: r.outcome }, 'upstream subscription refused');
        await this.state.del(key);
        return;
      }
      const granted = r.expires ?? duration;
      const rec: UpstreamRecord = { ...claim, ...(r.subscriptionId !== undefined ? { id: r.subscriptionId } : {}), x: Date.now() + granted * 1000, d: granted };
      await this.state.set(key, JSON.stringify(rec), granted);
      if (r.presence) await this.publications.setDocument(presentity, r.presence);
    } catch (err) {
      this.d.log.warn({ err, presentity: addressKey(presentity) }, 'upstream subscription failed');
      await this.state.del(key);
    }
  }

  /** Ends the upstream subscription when no live local watcher is left. */
  async release(presentity: Address): Promise<void> {
    const adapter = await this.sideOf(presentity);
    if (!adapter?.sendSubscribe) return;
    const now = Date.now();
    const left = (await this.d.store.subscriptionsOf(addressKey(presentity))).filter((s) => s.expiresAt > now && !s.polite);
    if (left.length > 0) return;
    const key = PREFIX + addressKey(presentity);
    const rec = read(await this.state.get(key));
    if (!rec) return;
    await this.state.del(key);
    const r = await this.subscribeBounded(() => adapter.sendSubscribe!(this.op(parseAddressKey(rec.w), presentity, 0, rec.id)));
    if (r.outcome.status === 'failed') this.d.log.debug({ outcome: r.outcome }, 'upstream unsubscribe failed');
  }

  /** Sweeper: refreshes upstream subscriptions nearing expiry (one instance each, by claim). */
  async refreshDue(): Promise<void> {
    const now = Date.now();
    for (const key of (await this.state.keys(PREFIX)).slice(0, MAX_REFRESH_PER_SWEEP)) {
      const rec = read(await this.state.get(key));
      if (!rec?.id || rec.x - now > rec.d * 1000 * REFRESH_AT) continue;
      if (!(await this.d.store.claim(`uprefresh:${key}:${rec.x}`, Math.max(5, rec.d)))) continue;
      const presentity = parseAddressKey(key.slice(PREFIX.length));
      const adapter = await this.sideOf(presentity);
      if (!adapter?.sendSubscribe) continue;
      try {
        const r = await this.subscribeBounded(() => adapter.sendSubscribe!(this.op(parseAddressKey(rec.w), presentity, rec.d, rec.id)));
        if (r.outcome.status !== 'failed') {
          const granted = r.expires ?? rec.d;
          await this.state.set(key, JSON.stringify({ ...rec, ...(r.subscriptionId !== undefined ? { id: r.subscriptionId } : {}), x: Date.now() + granted * 1000, d: granted }), granted);
        } else {
          // RFC 7248 4.2.2: the adapter decides transient vs final; we start over next time a watcher needs it.
          await this.state.del(key);
          await this.ensure(presentity, parseAddressKey(rec.w));
        }
      } catch (err) {
        this.d.log.debug({ err }, 'upstream refresh failed');
      }
    }
  }

  /** A notification from the presentity's side for a subscription the gateway holds. */
  async onNotify(op: NotifyOp): Promise<Outcome> {
    const key = addressKey(op.presentity);
    const rec = read(await this.state.get(PREFIX + key));
    const now = Date.now();
    const watchers = (await this.d.store.subscriptionsOf(key)).filter((s) => s.expiresAt > now);
    if (!rec && watchers.length === 0) return failed('subscription-gone', `no subscription to ${key}`);
    if (op.presence) await this.publications.setDocument(op.presentity, op.presence);
    if (op.state === 'terminated') {
      await this.state.del(PREFIX + key);
      // RFC 6665 4.2.2: "rejected" and "noresource" mean retrying is pointless: the local
      // watchers' subscriptions end the same way; otherwise resubscribe for them.
      if (op.reason === 'rejected' || op.reason === 'noresource') {
        for (const s of watchers) await this.notifier.terminate(s, op.reason);
      } else if (watchers.length > 0) {
        await this.ensure(op.presentity, rec ? parseAddressKey(rec.w) : parseAddressKey(watchers[0]!.watcher));
      }
    }
    return DELIVERED;
  }
}
