/**
 * XMPP presence and subscriptions (RFC 6121 sections 3-4, mapped as RFC 7248) on both sides of the
 * gateway. State lives in the adapter's store space (ctx.state), so any instance can continue:
 *   w:<watcher>|<presentity>  an XMPP user's subscription to a gateway-side presentity
 *   u:<presentity>|<watcher>  the gateway's subscription (for a gateway-side watcher) to an XMPP user
 *   r:<presentity>            an XMPP user's resources as last seen (their presence per resource)
 */
import { randomUUID } from 'node:crypto';
import type { AdapterContext } from '../../canonical/adapter';
import { addressKey, formatJid, parseAddressKey, type Address } from '../../canonical/address';
import { DELIVERED, type NotifyOp, type Outcome, type SubscribeOp, type SubscribeResult } from '../../canonical/operations';
import { formatTrace } from '../../canonical/trace';
import { addressToGatewayJid, componentFor, pidfToPresences, readPidf } from './from-canonical';
import { hopsOf, jidToAddress, presenceToResource, resourcesToPidf, type ResourcePresence } from './to-canonical';
import { buildPresence, readPresence, type OutPresence, type WirePresence } from './wire';

export interface PresenceDeps {
  readonly ctx: AdapterContext;
  readonly gatewayDomains: readonly string[];
  readonly maxForwards: number;
  /** Seconds asked of the gateway for an XMPP user's (permanent) subscription; refreshed. */
  readonly subscriptionSeconds: number;
  /**
   * Sends one presence stanza over the link serving `origin` (the gateway-side address it speaks
   * for); throws when that link is down.
   */
  readonly send: (p: OutPresence, origin: Address) => Promise<void>;
}

interface WatchRecord {
  /** Gateway subscription id. */
  readonly id?: string;
  readonly st: 'pending' | 'active';
  /** Whether <presence type='subscribed'/> went out. */
  readonly ann: boolean;
  /** Expiry (epoch ms) and duration (s) of the gateway subscription. */
  readonly x: number;
  readonly d: number;
}

interface UpRecord { readonly id: string; readonly st: 'pending' | 'active' }

const MAX_SWEEP = 500;
const MAX_RESOURCES = 32;

function parse<T>(s: string | undefined): T | undefined {
  if (s === undefined) return undefined;
  try { return JSON.parse(s) as T; } catch { return undefined; }
}

export class XmppPresence {
  constructor(private readonly d: PresenceDeps) {}

  private wKey(watcher: Address, presentity: Address): string { return `w:${addressKey(watcher)}|${addressKey(presentity)}`; }
  private uKey(presentity: Address, watcher: Address): string { return `u:${addressKey(presentity)}|${addressKey(watcher)}`; }
  private rKey(presentity: Address): string { return `r:${addressKey(presentity)}`; }

  private gatewayJid(a: Address): string {
    const component = componentFor(a, this.d.gatewayDomains) ?? a.domain;
    return addressToGatewayJid({ local: a.local, domain: a.domain }, component, this.d.gatewayDomains);
  }

  private subscribeOp(watcher: Address, presentity: Address, duration: number, p: WirePresence | undefined, subscriptionId?: string): SubscribeOp {
    return {
      kind: 'subscribe', transactionId: p?.id ?? randomUUID(), watcher, presentity, duration,
      ...(subscriptionId !== undefined ? { subscriptionId } : {}),
      ...hopsOf(p?.trace, this.d.maxForwards),
      source: { protocol: 'xmpp', ...(p?.id !== undefined ? { id: p.id } : {}) },
    };
  }

  /** An inbound <presence/> stanza (already read) from an XMPP entity to a gateway JID. */
  async onPresence(raw: ReturnType<typeof readPresence>): Promise<void> {
    const p = raw;
    if (p.from === undefined || p.to === undefined) return;
    const remote = jidToAddress(p.from, this.d.gatewayDomains, true);
    const remoteBare: Address = { local: remote.local, domain: remote.domain };
    const local = jidToAddress(p.to, this.d.gatewayDomains, false);
    const ourJid = p.to.split('/')[0]!;
    const theirBare = formatJid(remoteBare);
    switch (p.type) {
      case undefined: case 'unavailable':
        return this.onNotification(p, remote, local);
      case 'subscribe': {
        // RFC 7248 4.3.1 in reverse (XMPP watcher, gateway presentity): the gateway subscribes on
        // its side; "subscribed" goes back once the subscription is active.
        const res = await this.d.ctx.subscribe(this.subscribeOp(remoteBare, local, this.d.subscriptionSeconds, p));
        if (res.outcome.status === 'failed') {
          await this.d.send({ from: ourJid, to: theirBare, type: 'unsubscribed' }, local);
          return;
        }
        const active = res.state === 'active' || (res.state === undefined && res.outcome.status === 'delivered');
        const rec: WatchRecord = {
          ...(res.subscriptionId !== undefined ? { id: res.subscriptionId } : {}),
          st: active ? 'active' : 'pending', ann: active,
          d: res.expires ?? this.d.subscriptionSeconds, x: Date.now() + (res.expires ?? this.d.subscriptionSeconds) * 1000,
        };
        await this.d.ctx.state.set(this.wKey(remoteBare, local), JSON.stringify(rec));
        if (active) {
          await this.d.send({ from: ourJid, to: theirBare, type: 'subscribed' }, local);
          await this.sendDocument(local, remoteBare, res.presence);
        }
        return;
      }
      case 'unsubscribe': {
        // RFC 7248 4.2.3: the subscription ends on the other side, and "the XMPP-to-SIP gateway
        // SHOULD send a <presence/> stanza of type "unsubscribed" addressed to the XMPP user".
        const key = this.wKey(remoteBare, local);
        const rec = parse<WatchRecord>(await this.d.ctx.state.get(key));
        await this.d.ctx.state.del(key);
        await this.d.ctx.subscribe(this.subscribeOp(remoteBare, local, 0, p, rec?.id));
        await this.d.send({ from: ourJid, to: theirBare, type: 'unsubscribed' }, local);
        return;
      }
      case 'subscribed': case 'unsubscribed': {
        // The XMPP user approved (or refused / cancelled) a gateway-side watcher's request.
        const key = this.uKey(remoteBare, local);
        const rec = parse<UpRecord>(await this.d.ctx.state.get(key));
        const id = rec?.id ?? `xmpp:${addressKey(remoteBare)}|${addressKey(local)}`;
        if (p.type === 'subscribed') {
          await this.d.ctx.state.set(key, JSON.stringify({ id, st: 'active' } satisfies UpRecord));
          await this.d.ctx.notify(this.notifyOp(remoteBare, local, id, 'active', p));
        } else {
          await this.d.ctx.state.del(key);
          // RFC 7248 4.3.1: a refusal becomes "terminated" with reason "rejected".
          await this.d.ctx.notify({ ...this.notifyOp(remoteBare, local, id, 'terminated', p), reason: 'rejected' });
        }
        return;
      }
      case 'probe':
        return this.answerProbe(remoteBare, local, ourJid);
      default:
        return; // 'error' and unknown types: never answered (RFC 6120 8.3.1)
    }
  }

  private notifyOp(presentity: Address, watcher: Address, subscriptionId: string, state: NotifyOp['state'], p: WirePresence): NotifyOp {
    return {
      kind: 'notify', transactionId: p.id ?? randomUUID(), subscriptionId, watcher, presentity, state,
      ...hopsOf(p.trace, this.d.maxForwards),
    };
  }

  /** Available/unavailable from an XMPP user: their resources as one PIDF document, notified. */
  private async onNotification(p: WirePresence, remote: Address, local: Address): Promise<void> {
    const bare: Address = { local: remote.local, domain: remote.domain };
    const key = this.rKey(bare);
    const resources = parse<Record<string, ResourcePresence>>(await this.d.ctx.state.get(key)) ?? {};
    resources[remote.resource ?? ''] = presenceToResource(p);
    const names = Object.keys(resources);
    if (names.length > MAX_RESOURCES) for (const n of names.slice(0, names.length - MAX_RESOURCES)) delete resources[n];
    await this.d.ctx.state.set(key, JSON.stringify(resources));
    const rec = parse<UpRecord>(await this.d.ctx.state.get(this.uKey(bare, local)));
    const op: NotifyOp = {
      ...this.notifyOp(bare, local, rec?.id ?? `xmpp:${addressKey(bare)}|${addressKey(local)}`, 'active', p),
      presence: resourcesToPidf(bare, resources),
    };
    await this.d.ctx.notify(op);
  }

  /**
   * RFC 6121 4.3.2: a probe is answered with the presentity's current presence. Switchboard
   * answers from the stored document even when the presentity is out of contact; a watcher the
   * presentity's rules deny (or politely block) sees it unavailable.
   */
  private async answerProbe(watcher: Address, presentity: Address, ourJid: string): Promise<void> {
    const to = formatJid(watcher);
    const allowed = await this.mayWatch(presentity, watcher);
    const doc = allowed ? readPidf(await this.d.ctx.services.storedPresence(presentity)) : undefined;
    const stanzas = doc ? pidfToPresences(doc, ourJid, to) : [];
    if (stanzas.length === 0) stanzas.push({ from: ourJid, to, type: 'unavailable' });
    for (const s of stanzas) await this.d.send(s, presentity);
  }

  private async mayWatch(presentity: Address, watcher: Address): Promise<boolean> {
    const rules = await this.d.ctx.services.getRules(presentity);
    const w = rules.presence.watchers;
    const decision = w[addressKey(watcher)] ?? w[`*@${watcher.domain.toLowerCase()}`] ?? w['*'] ?? rules.presence.default;
    return decision === 'allow';
  }

  private async sendDocument(presentity: Address, watcher: Address, presence: NotifyOp['presence'], trace?: { hops: number; text: string }): Promise<void> {
    const from = this.gatewayJid(presentity);
    const to = formatJid(watcher);
    const doc = readPidf(presence);
    const stanzas = doc ? pidfToPresences(doc, from, to) : [];
    if (!doc) stanzas.push({ from, to, type: 'unavailable' });
    for (const s of stanzas) await this.d.send(trace ? { ...s, trace } : s, presentity);
  }

  /** A notification toward an XMPP watcher (RFC 7248 5.3). */
  async sendNotify(op: NotifyOp): Promise<Outcome> {
    const watcher: Address = { local: op.watcher.local, domain: op.watcher.domain };
    const from = this.gatewayJid(op.presentity);
    const to = formatJid(watcher);
    const key = this.wKey(watcher, op.presentity);
    const rec = parse<WatchRecord>(await this.d.ctx.state.get(key));
    const trace = { hops: op.maxForwards, text: formatTrace(op.trace) };
    if (op.state === 'terminated') {
      if (op.reason === 'timeout' && rec) {
        // The gateway-side subscription ran out, but the XMPP one stands (no expiry): renew it.
        await this.refreshOne(key, watcher, op.presentity, { ...rec, x: 0 });
        return DELIVERED;
      }
      await this.d.ctx.state.del(key);
      // RFC 6121 3.2: the contact cancelling is <presence type='unsubscribed'/>.
      await this.d.send({ from, to, type: 'unavailable', trace }, op.presentity);
      await this.d.send({ from, to, type: 'unsubscribed' }, op.presentity);
      return DELIVERED;
    }
    if (op.state === 'active' && rec && !rec.ann) {
      await this.d.send({ from, to, type: 'subscribed' }, op.presentity);
      await this.d.ctx.state.set(key, JSON.stringify({ ...rec, st: 'active', ann: true }));
    }
    if (op.state === 'pending') return DELIVERED;
    await this.sendDocument(op.presentity, watcher, op.presence, trace);
    return DELIVERED;
  }

  /** A gateway-side watcher subscribing to (or leaving) an XMPP user (RFC 7248 4.3). */
  async sendSubscribe(op: SubscribeOp): Promise<SubscribeResult> {
    const presentity: Address = { local: op.presentity.local, domain: op.presentity.domain };
    const watcher: Address = { local: op.watcher.local, domain: op.watcher.domain };
    const from = this.gatewayJid(watcher);
    const to = formatJid(presentity);
    const key = this.uKey(presentity, watcher);
    const rec = parse<UpRecord>(await this.d.ctx.state.get(key));
    if (op.duration === 0) {
      if (op.subscriptionId !== undefined || rec) {
        await this.d.ctx.state.del(key);
        await this.d.send({ from, to, type: 'unsubscribe' }, watcher);
        return { outcome: DELIVERED, state: 'terminated', ...(rec ? { subscriptionId: rec.id } : {}) };
      }
      // A fetch: RFC 7248 6.2, "translate such a SIP request into a <presence/> stanza of type "probe"".
      await this.d.send({ from, to, type: 'probe' }, watcher);
      return { outcome: DELIVERED, state: 'terminated' };
    }
    if (rec) {
      // XMPP subscriptions do not expire: a refresh only asks for the current presence.
      await this.d.send({ from, to, type: 'probe' }, watcher);
      return { outcome: DELIVERED, subscriptionId: rec.id, state: rec.st, expires: op.duration };
    }
    const id = op.subscriptionId ?? randomUUID();
    await this.d.ctx.state.set(key, JSON.stringify({ id, st: 'pending' } satisfies UpRecord));
    await this.d.send({ from, to, type: 'subscribe' }, watcher);
    return { outcome: DELIVERED, subscriptionId: id, state: 'pending', expires: op.duration };
  }

  /**
   * XMPP subscriptions have no expiry (RFC 7248 4.1), the gateway's do: renew every XMPP
   * watcher's gateway subscription before a third of it is left. Bounded per sweep.
   */
  async refreshDue(now = Date.now()): Promise<number> {
    let n = 0;
    for (const key of (await this.d.ctx.state.keys('w:')).slice(0, MAX_SWEEP)) {
      const rec = parse<WatchRecord>(await this.d.ctx.state.get(key));
      if (!rec || rec.x - now > (rec.d * 1000) / 3) continue;
      const [w, p] = key.slice(2).split('|');
      if (!w || !p) continue;
      await this.refreshOne(key, parseAddressKey(w), parseAddressKey(p), rec);
      n++;
    }
    return n;
  }

  private async refreshOne(key: string, watcher: Address, presentity: Address, rec: WatchRecord): Promise<void> {
    const res = await this.d.ctx.subscribe(this.subscribeOp(watcher, presentity, this.d.subscriptionSeconds, undefined, rec.id));
    if (res.outcome.status === 'failed') {
      this.d.ctx.log.warn({ watcher: addressKey(watcher), presentity: addressKey(presentity), outcome: res.outcome }, 'refresh of an XMPP watcher\'s subscription failed');
      return;
    }
    const d = res.expires ?? this.d.subscriptionSeconds;
    await this.d.ctx.state.set(key, JSON.stringify({ ...rec, ...(res.subscriptionId !== undefined ? { id: res.subscriptionId } : {}), x: Date.now() + d * 1000, d }));
  }
}

