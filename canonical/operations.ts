/**
 * The canonical operations every protocol translates to and from: the abstract operations of
 * CPIM (RFC 3860) and CPP (RFC 3859). Pure data: no I/O.
 */
import type { Address } from './address';
import type { ErrorCode, XmppCondition } from './errors';

export type Protocol = 'sip' | 'xmpp' | 'json';

/** A body as exact bytes with its Content-Type header value, never re-serialized. */
export interface Content {
  /** The Content-Type value exactly as received (parameters included). */
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** Routing state that travels with every operation; see canonical/trace.ts. */
export interface Hops {
  /** RFC 3860 3.4.2 / RFC 3261 Max-Forwards: hops left. */
  readonly maxForwards: number;
  /** The received-trace: gateway ids this operation has left, oldest first. */
  readonly trace: readonly string[];
}

export interface Subject { readonly text: string; readonly lang?: string }

/** RFC 3860 3.4.1: the message operation. */
export interface MessageOp extends Hops {
  readonly kind: 'message';
  /** Message id: stable across sender retries, the key for duplicate suppression (RFC 2779 5.4.2). */
  readonly id: string;
  /** RFC 3860 transID: the response carries the same value. */
  readonly transactionId: string;
  readonly from: Address;
  readonly to: Address;
  /** The content. When the sender used message/cpim this is the whole CPIM message. */
  readonly content: Content;
  readonly subject?: readonly Subject[];
  /** XMPP <thread/> (RFC 7572 / RFC 3922) or a JSON thread id, kept so replies thread. */
  readonly thread?: string;
  /** RFC 3339 date-time of origination, when known. */
  readonly dateTime?: string;
  /** The sender asked to be told of delivery (IMDN positive-delivery, XEP-0184 request). */
  readonly deliveryNotification?: boolean;
  /** Where it came from, for logs, echo suppression and reply routing. */
  readonly source: { readonly protocol: Protocol; readonly id?: string };
}

/** RFC 3859 subscribe: duration in seconds; 0 means fetch (no subscription yet) or end. */
export interface SubscribeOp extends Hops {
  readonly kind: 'subscribe';
  readonly transactionId: string;
  readonly watcher: Address;
  readonly presentity: Address;
  readonly duration: number;
  /** Set when refreshing or ending an existing subscription. */
  readonly subscriptionId?: string;
  readonly source: { readonly protocol: Protocol; readonly id?: string };
}

export type SubscriptionState = 'active' | 'pending' | 'terminated';

/** RFC 3859 notify: the presentity's current presence, to one watcher. */
export interface NotifyOp extends Hops {
  readonly kind: 'notify';
  readonly transactionId: string;
  readonly subscriptionId: string;
  readonly watcher: Address;
  readonly presentity: Address;
  /** The PIDF document (application/pidf+xml) exactly as stored; absent when nothing is known. */
  readonly presence?: Content;
  readonly state: SubscriptionState;
  /** Seconds left on the subscription (SIP Subscription-State expires). */
  readonly expires?: number;
  /** Why it ended, when state is terminated (RFC 6665 4.1.3 reasons). */
  readonly reason?: 'timeout' | 'deactivated' | 'rejected' | 'noresource' | 'giveup' | 'probation';
}

/** Publish (RFC 3903 in SIP; presence broadcast in XMPP; PUT /v1/presence in JSON). */
export interface PublishOp extends Hops {
  readonly kind: 'publish';
  readonly transactionId: string;
  readonly presentity: Address;
  /** Who publishes; may differ from the presentity where rules allow (RFC 2779 2.3.4). */
  readonly publisher: Address;
  /** The PIDF document; absent removes the publication. */
  readonly document?: Content;
  /** Seconds until the publication expires; 0 removes it. */
  readonly expires: number;
  /** RFC 3903 entity tag of the publication being refreshed, modified or removed. */
  readonly etag?: string;
  /** Stable key of the publishing source (a SIP-ETag chain, an XMPP resource, a JSON session). */
  readonly sourceKey?: string;
  readonly source: { readonly protocol: Protocol; readonly id?: string };
}

export type Operation = MessageOp | SubscribeOp | NotifyOp | PublishOp;

/** RFC 3860 3.4.1 response: success, failure with a reason, or indeterminate. */
export type Outcome =
  | { readonly status: 'delivered' }
  | {
      readonly status: 'failed';
      readonly code: ErrorCode;
      readonly reason?: string;
      /** The far side's own status, kept so the sender's protocol can map it faithfully. */
      readonly remote?: { readonly sip?: number; readonly xmpp?: XmppCondition; readonly text?: string };
      /** The received-trace as last seen (useful for loop reports). */
      readonly trace?: readonly string[];
    }
  | { readonly status: 'indeterminate'; readonly reason?: string };

export interface SubscribeResult {
  readonly outcome: Outcome;
  readonly subscriptionId?: string;
  readonly state?: SubscriptionState;
  /** Granted duration in seconds. */
  readonly expires?: number;
  /** For a fetch or the first notification: the current document. */
  readonly presence?: Content;
}

export interface PublishResult {
  readonly outcome: Outcome;
  /** RFC 3903 SIP-ETag of the publication after this request. */
  readonly etag?: string;
  readonly expires?: number;
}

export const failed = (code: ErrorCode, reason?: string, extra: Partial<{ remote: { sip?: number; xmpp?: XmppCondition; text?: string }; trace: readonly string[] }> = {}): Outcome =>
  ({ status: 'failed', code, ...(reason !== undefined ? { reason } : {}), ...extra });

export const DELIVERED: Outcome = Object.freeze({ status: 'delivered' });
