/**
 * Subscription dialog state kept in the adapter's state space (AdapterContext.state: memory or
 * Redis), so that any instance can send the NOTIFY of a subscription another instance accepted.
 * Records are JSON with a version in the key prefix; readers tolerate missing fields.
 */
import type { AdapterState } from '../../canonical/adapter';
import type { Address } from '../../canonical/address';
import type { TransportName } from './transport';

const PREFIX = 'sip:v1:';

/** Where in-dialog requests go: the peer that sent the dialog-forming request. */
export interface PeerRef { readonly transport: TransportName; readonly address: string; readonly port: number }

/** Notifier role: a SIP watcher subscribed to a presentity on another side. */
export interface NotifierDialog {
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our URI (the presentity's, from the SUBSCRIBE's To). */
  readonly localUri: string;
  /** The watcher's URI (From). */
  readonly remoteUri: string;
  /** Contact of the watcher: the Request-URI of our NOTIFYs. */
  readonly remoteTarget: string;
  /** Record-Route values, in order, used as Route of our NOTIFYs. */
  readonly routeSet: readonly string[];
  cseq: number;
  readonly peer: PeerRef;
  readonly watcher: Address;
  readonly presentity: Address;
  expiresAt: number;
}

/** Subscriber role: the gateway subscribed into the SIP island for a watcher elsewhere. */
export interface SubscriberDialog {
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  remoteTag?: string;
  remoteTarget?: string;
  cseq: number;
  readonly watcher: Address;
  readonly presentity: Address;
  expiresAt: number;
  duration: number;
  /** Unsubscribed (Expires: 0 sent); waiting only for the final NOTIFY. */
  ending?: boolean;
}

export class DialogStore {
  constructor(private readonly state: AdapterState) {}

  private async getJson<T>(key: string): Promise<T | undefined> {
    const v = await this.state.get(PREFIX + key);
    if (v === undefined) return undefined;
    try { return JSON.parse(v) as T; } catch { return undefined; }
  }

  private ttl(expiresAt: number): number {
    // Keep the record a little beyond expiry so that a late refresh or NOTIFY still matches.
    return Math.max(1, Math.ceil((expiresAt - Date.now()) / 1000) + 32);
  }

  async putNotifier(d: NotifierDialog): Promise<void> {
    const ttl = this.ttl(d.expiresAt);
    await this.state.set(`${PREFIX}ntf:${d.id}`, JSON.stringify(d), ttl);
    await this.state.set(`${PREFIX}ntfkey:${d.callId}:${d.localTag}`, d.id, ttl);
  }
  /**
   * Rewrites the record of a notifier dialog already stored (its CSeq moved on), without its
   * index: callId and localTag never change, so the index stays right. Every NOTIFY of a fan-out
   * does this; the second write was a third of the Redis commands of a SIP notification.
   */
  async updateNotifier(d: NotifierDialog): Promise<void> {
    await this.state.set(`${PREFIX}ntf:${d.id}`, JSON.stringify(d), this.ttl(d.expiresAt));
  }
  getNotifier(id: string): Promise<NotifierDialog | undefined> { return this.getJson(`ntf:${id}`); }
  async notifierByDialog(callId: string, localTag: string): Promise<NotifierDialog | undefined> {
    const id = await this.state.get(`${PREFIX}ntfkey:${callId}:${localTag}`);
    return id === undefined ? undefined : this.getNotifier(id);
  }
  async deleteNotifier(d: NotifierDialog): Promise<void> {
    await this.state.del(`${PREFIX}ntf:${d.id}`);
    await this.state.del(`${PREFIX}ntfkey:${d.callId}:${d.localTag}`);
  }

  async putSubscriber(d: SubscriberDialog): Promise<void> {
    const ttl = this.ttl(d.expiresAt);
    await this.state.set(`${PREFIX}sub:${d.id}`, JSON.stringify(d), ttl);
    await this.state.set(`${PREFIX}subkey:${d.callId}:${d.localTag}`, d.id, ttl);
  }
  getSubscriber(id: string): Promise<SubscriberDialog | undefined> { return this.getJson(`sub:${id}`); }
  async subscriberByDialog(callId: string, localTag: string): Promise<SubscriberDialog | undefined> {
    const id = await this.state.get(`${PREFIX}subkey:${callId}:${localTag}`);
    return id === undefined ? undefined : this.getSubscriber(id);
  }
  async deleteSubscriber(d: SubscriberDialog): Promise<void> {
    await this.state.del(`${PREFIX}sub:${d.id}`);
    await this.state.del(`${PREFIX}subkey:${d.callId}:${d.localTag}`);
  }
}
