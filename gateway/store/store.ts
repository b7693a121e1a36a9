/**
 * The one state interface of the gateway. Two implementations pass one contract suite
 * (test/integration/store-contract.test.ts): memory (the embedded default) and Redis (production,
 * several instances). Stores speak address keys ("local@domain", see canonical/address.ts
 * addressKey) and explicit record types; they know nothing of routing or policy.
 */
import type { AdapterState, Bus } from '../../canonical/adapter';
import type { Rules } from '../../canonical/rules';
import type {
  AccountRecord, DocumentRecord, PublicationRecord, SubscriptionRecord,
} from './records';

export type { AccountRecord, DocumentRecord, PublicationRecord, SubscriptionRecord } from './records';

/** A message-id claim: the first claimant delivers; later ones get the stored outcome. */
export type MessageClaim =
  | { readonly claimed: true }
  /** outcome is undefined while the first claimant is still in flight. */
  | { readonly claimed: false; readonly outcome?: string };

/**
 * What admitMessage found. Rules travel encoded (the stored string, null when none is stored), so
 * the caller can compare them with what it decided on without decoding.
 */
export type Admission =
  /** The stored rules were the expected ones; claim is the message claim when one was asked for. */
  | { readonly rulesMatched: true; readonly claim?: MessageClaim }
  /** They differ: nothing was claimed; rules are the ones stored now. */
  | { readonly rulesMatched: false; readonly rules: string | null };

export interface StoreOptions {
  /**
   * How long an expired subscription or publication stays readable after its expiry, so that the
   * sweeper can still send the terminating notification (RFC 6665 4.4.1) after the logical expiry.
   * Redis TTLs are the expiry plus this grace. Default EXPIRY_GRACE_MS.
   */
  readonly expiryGraceMs?: number;
}

/** Default grace between a record's expiry and its physical removal. */
export const EXPIRY_GRACE_MS = 30_000;
/** Bound on any listing a store returns (indexes larger than this are read in part). */
export const MAX_LIST = 100_000;

export interface Store {
  readonly kind: 'memory' | 'redis';
  /** Throws StoreError when the store is unreachable (feeds /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Accounts: address key -> record; token hash -> address key.
  /** Creates or replaces; an old token hash of the same account stops authenticating. */
  putAccount(rec: AccountRecord): Promise<void>;
  getAccount(address: string): Promise<AccountRecord | undefined>;
  findAccountByTokenHash(tokenHash: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;
  deleteAccount(address: string): Promise<boolean>;

  // Publications (RFC 3903): per presentity, etag -> record, each expiring.
  putPublication(rec: PublicationRecord): Promise<void>;
  getPublication(presentity: string, etag: string): Promise<PublicationRecord | undefined>;
  /** Every stored publication of the presentity, including ones past expiry within the grace. */
  listPublications(presentity: string): Promise<PublicationRecord[]>;
  deletePublication(presentity: string, etag: string): Promise<boolean>;
  /** Publications whose expiresAt <= now, oldest first, at most limit. */
  duePublications(now: number, limit: number): Promise<Array<{ presentity: string; etag: string }>>;
  /** The composed current document; kept (no expiry) after publications go. */
  putDocument(presentity: string, doc: DocumentRecord): Promise<void>;
  getDocument(presentity: string): Promise<DocumentRecord | undefined>;

  // Subscriptions: id -> compact record; indexes by presentity, by watcher, and by expiry.
  putSubscription(rec: SubscriptionRecord): Promise<void>;
  getSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  /** Removes it and its index entries; returns what was removed. */
  deleteSubscription(id: string): Promise<SubscriptionRecord | undefined>;
  subscriptionsOf(presentity: string): Promise<SubscriptionRecord[]>;
  subscriptionsBy(watcher: string): Promise<SubscriptionRecord[]>;
  /** Ids of subscriptions whose expiresAt <= now, oldest first, at most limit. */
  dueSubscriptions(now: number, limit: number): Promise<string[]>;

  // Access rules per owner (canonical/rules.ts).
  getRules(owner: string): Promise<Rules | undefined>;
  putRules(owner: string, rules: Rules): Promise<void>;

  // Duplicate suppression (RFC 2779 5.4.2): one round trip, SET NX with a TTL.
  /** ttlSeconds bounds a pending claim: if its holder dies, the id is free again after it. */
  claimMessage(messageId: string, ttlSeconds: number): Promise<MessageClaim>;
  /**
   * The message path's one round trip: reads the owner's encoded rules and, only when they equal
   * expectedRules (null: none stored) and claim is true, claims messageId as claimMessage does,
   * atomically. The caller decides on the expected rules beforehand (a cached copy), so a claim is
   * only ever made under the rules that permit it, and a stale copy costs one more round trip.
   */
  admitMessage(owner: string, expectedRules: string | null, messageId: string, ttlSeconds: number, claim: boolean): Promise<Admission>;
  /** Records the claimant's outcome and keeps it for ttlSeconds (only while the claim exists). */
  recordOutcome(messageId: string, outcome: string, ttlSeconds: number): Promise<void>;

  /** A one-off claim among instances (SET NX EX): true for exactly one caller per key and TTL. */
  claim(key: string, ttlSeconds: number): Promise<boolean>;

  /** A key-value space namespaced by owner (an adapter, or the gateway's own "_gw"). */
  state(namespace: string): AdapterState;
  /** Shared among every instance using this store. */
  readonly bus: Bus;
}
