/**
 * The contract between the gateway and a protocol adapter. Adapters import canonical/ only, so
 * the contract lives here; the gateway builds the context and hands it to each adapter.
 * Types only: no I/O.
 */
import type { Address } from './address';
import type {
  Content, MessageOp, NotifyOp, Outcome, Protocol, PublishOp, PublishResult, SubscribeOp, SubscribeResult,
  SubscriptionState,
} from './operations';
import type { Rules } from './rules';

/** The logger shape adapters may use (pino's, narrowed). */
export interface Log {
  trace(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
}

/** A small key-value space an adapter may use for its own protocol state (SIP dialogs, ...). */
export interface AdapterState {
  get(key: string): Promise<string | undefined>;
  /** ttlSeconds > 0 sets an expiry (Redis TTL). */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Set only if absent; true when set. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /**
   * Sets key to value (with a fresh TTL) only if it currently holds `expected`; true when set.
   * Atomic where the store is shared (a lease renewal must not overwrite another holder's claim,
   * which get-then-set would). Optional: callers fall back to get-then-set and say so.
   */
  compareAndSet?(key: string, expected: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Deletes key only if it currently holds `expected`; true when deleted (atomic, as above). */
  compareAndDelete?(key: string, expected: string): Promise<boolean>;
  /** Keys beginning with prefix (bounded: adapters keep their own prefixes small). */
  keys(prefix: string): Promise<string[]>;
}

/** Messages between instances of one deployment (Redis pub/sub; in-process with the memory store). */
export interface Bus {
  publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

/** A subscription as the gateway keeps it. */
export interface SubscriptionInfo {
  readonly id: string;
  readonly watcher: Address;
  readonly presentity: Address;
  readonly state: SubscriptionState;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Protocol of the watcher's side. */
  readonly watcherProtocol: Protocol;
}

export interface Account {
  readonly address: Address;
  readonly admin: boolean;
  readonly createdAt: number;
}

/** Gateway facilities beyond the operations, used by adapters that expose them (the JSON API). */
export interface GatewayServices {
  listSubscriptions(watcher: Address): Promise<SubscriptionInfo[]>;
  listWatchers(presentity: Address): Promise<SubscriptionInfo[]>;
  /** End one watcher's subscriptions to a presentity (RFC 2779 5.1.16); true when one existed. */
  removeWatcher(presentity: Address, watcher: Address): Promise<boolean>;
  getRules(owner: Address): Promise<Rules>;
  putRules(owner: Address, rules: Rules): Promise<void>;
  /** Current presence document as stored (even when the presentity is out of contact). */
  storedPresence(presentity: Address): Promise<Content | undefined>;
  /** The presentity's client went out of contact (stream closed, heartbeat stopped: RFC 2779 3.2.4). */
  outOfContact(presentity: Address, sourceKey: string): Promise<void>;
  accounts: {
    /** The account a bearer token belongs to, or undefined. */
    authenticate(token: string): Promise<Account | undefined>;
    /** Creates (or replaces the token of) an account; returns the new token. */
    create(address: Address, opts?: { admin?: boolean; token?: string }): Promise<{ token: string }>;
    list(): Promise<Account[]>;
    /** One account by address, or undefined (optional: adapters fall back to list()). */
    get?(address: Address): Promise<Account | undefined>;
    /** true when it existed. */
    revoke(address: Address): Promise<boolean>;
  };
}

/** What the gateway gives each adapter: callbacks for what it receives, and shared facilities. */
export interface AdapterContext {
  /** This deployment's id in the received-trace (shared by every instance). */
  readonly gatewayId: string;
  /** This process's id, unique among the instances of the deployment. */
  readonly instanceId: string;
  readonly bus: Bus;
  readonly services: GatewayServices;
  readonly log: Log;
  readonly state: AdapterState;
  /** Which protocol owns a domain, per configuration (or undefined when unknown). */
  ownerOf(domain: string): Protocol | undefined;
  /** A message received by the adapter: routed, and the outcome returned for the sender. */
  deliver(op: MessageOp): Promise<Outcome>;
  /** A subscription (duration > 0), refresh, fetch or end (duration 0) received by the adapter. */
  subscribe(op: SubscribeOp): Promise<SubscribeResult>;
  /** A publication received by the adapter. */
  publish(op: PublishOp): Promise<PublishResult>;
  /** A notification received by the adapter for a subscription the gateway made on its side. */
  notify(op: NotifyOp): Promise<Outcome>;
  /** The adapter lost or regained its upstream connection (feeds /readyz). */
  setReady(ready: boolean, reason?: string): void;
  /** Operational views an adapter with an HTTP listener may serve (/metrics, /healthz, /readyz). */
  readonly ops?: OpsViews;
}

export interface Readiness {
  readonly ready: boolean;
  /** One entry per check (store, each adapter): ok, and why not. */
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly reason?: string }>>;
}

export interface OpsViews {
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
  readiness(): Promise<Readiness>;
}

/** What every adapter offers the gateway. */
export interface Adapter {
  readonly protocol: Protocol;
  start(): Promise<void>;
  /** Stop accepting, finish in-flight work, close sockets. */
  stop(): Promise<void>;
  /** Send a message to a user on this adapter's side; resolves with the next hop's outcome. */
  sendMessage(op: MessageOp): Promise<Outcome>;
  /** Send a notification to a watcher on this adapter's side. */
  sendNotify(op: NotifyOp): Promise<Outcome>;
  /**
   * Subscribe (duration > 0), refresh, or end (duration 0) toward a presentity on this adapter's
   * side, on behalf of a watcher elsewhere (SIP subscriber role; XMPP presence subscription).
   * Notifications come back through AdapterContext.notify.
   */
  sendSubscribe?(op: SubscribeOp): Promise<SubscribeResult>;
  /** Whether a user on this side is reachable now (JSON: a live socket). */
  isOnline?(address: Address): Promise<boolean>;
}

export type AdapterFactory<C> = (config: C, ctx: AdapterContext) => Adapter;
