/**
 * Every Redis key Switchboard writes, built here and nowhere else. Bump KEY_VERSION on any
 * incompatible change of a stored shape: old and new instances then never read each other's keys.
 */
import { createHash } from 'node:crypto';

export const KEY_VERSION = 'v1';
export const KEY_PREFIX = `sb:${KEY_VERSION}:`;

/** Ids from outside (message ids) are bounded: long ones are hashed. */
const bounded = (s: string): string => (s.length <= 200 ? s : 'h' + createHash('sha256').update(s).digest('base64url'));

export const keys = {
  account: (address: string) => `${KEY_PREFIX}a:${address}`,
  accountIndex: () => `${KEY_PREFIX}as`,
  token: (tokenHash: string) => `${KEY_PREFIX}t:${tokenHash}`,
  publication: (presentity: string, etag: string) => `${KEY_PREFIX}p:${etag}:${presentity}`,
  publicationIndex: (presentity: string) => `${KEY_PREFIX}pi:${presentity}`,
  /** Sorted set by expiry; members are "<etag> <presentity>" (etags never hold spaces). */
  publicationDue: () => `${KEY_PREFIX}px`,
  document: (presentity: string) => `${KEY_PREFIX}d:${presentity}`,
  /** Hash per presentity: random part of the subscription id -> compact record. */
  subscriptionsOf: (presentity: string) => `${KEY_PREFIX}sp:${presentity}`,
  /** Hash per watcher bucket: subscription id -> watcher key (see watcherBucket). */
  watcherBucket: (bucket: number) => `${KEY_PREFIX}sw:${bucket}`,
  /** Sorted set of presentities by the earliest expiry among their subscriptions (never later). */
  subscriptionDue: () => `${KEY_PREFIX}sx`,
  rules: (owner: string) => `${KEY_PREFIX}r:${owner}`,
  message: (messageId: string) => `${KEY_PREFIX}m:${bounded(messageId)}`,
  claim: (key: string) => `${KEY_PREFIX}c:${bounded(key)}`,
  state: (namespace: string, key: string) => `${KEY_PREFIX}st:${namespace}:${key}`,
  /** Sorted set (all scores 0) of a namespace's keys, for prefix listing by ZRANGEBYLEX. */
  stateIndex: (namespace: string) => `${KEY_PREFIX}si:${namespace}`,
  bus: (channel: string) => `${KEY_PREFIX}bus:${channel}`,
};

/**
 * Watchers are indexed in a fixed number of bucket hashes rather than one key each: a key costs
 * about 100 bytes of Redis before it holds anything, and most watchers hold few subscriptions.
 * 65,536 buckets keep each one a small listpack up to millions of subscriptions.
 */
export const WATCHER_BUCKETS = 65_536;
export function watcherBucket(watcher: string): number {
  return createHash('sha1').update(watcher, 'utf8').digest().readUInt16BE(0) % WATCHER_BUCKETS;
}

/** The member of keys.publicationDue() for one publication, and its inverse. */
export const publicationDueMember = (presentity: string, etag: string): string => `${etag} ${presentity}`;
export function parsePublicationDueMember(m: string): { presentity: string; etag: string } | undefined {
  const sp = m.indexOf(' ');
  if (sp <= 0) return undefined;
  return { etag: m.slice(0, sp), presentity: m.slice(sp + 1) };
}
