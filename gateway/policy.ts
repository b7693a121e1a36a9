/**
 * Access decisions from a principal's Rules (canonical/rules.ts): pure functions, no I/O.
 *
 * RFC 2779 2.3.7: "Access control MUST be independent of presence: the PRESENCE SERVICE MUST be
 * able to make access control decisions even when the PRESENTITY is OUT OF CONTACT." Nothing here
 * looks at presence: only the stored rules and the addresses.
 */
import { isAnonymous, type Address } from '../canonical/address';
import type { PresenceView, Rules, WatcherDecision } from '../canonical/rules';

/** How specifically a pattern names an address: 3 exact, 2 "*@domain", 1 "*", 0 no match. */
export function patternSpecificity(pattern: string, a: Address): 0 | 1 | 2 | 3 {
  if (pattern === '*') return 1;
  const at = pattern.lastIndexOf('@');
  if (at < 0) return 0;
  const local = pattern.slice(0, at);
  const domain = pattern.slice(at + 1).toLowerCase();
  if (domain !== a.domain.toLowerCase()) return 0;
  if (local === '*') return 2;
  return local === a.local ? 3 : 0;
}

/** The value of the most specific pattern matching the address (exact, then *@domain, then *). */
export function mostSpecific<T>(table: Readonly<Record<string, T>>, a: Address): T | undefined {
  let best: T | undefined;
  let bestScore = 0;
  for (const [pattern, value] of Object.entries(table)) {
    const s = patternSpecificity(pattern, a);
    if (s > bestScore) { best = value; bestScore = s; }
  }
  return best;
}

export function matchesAny(patterns: readonly string[], a: Address): boolean {
  return patterns.some((p) => patternSpecificity(p, a) > 0);
}

const sameIdentity = (x: Address, y: Address): boolean =>
  x.local === y.local && x.domain.toLowerCase() === y.domain.toLowerCase();

/**
 * May this watcher subscribe to or fetch the presentity (RFC 2779 2.3.1, 2.3.2)? The presentity
 * itself is always allowed. deny: the watcher is told (5.1.5); polite-block: it looks granted but
 * nothing is delivered (5.1.15).
 */
export function watcherDecision(rules: Rules, presentity: Address, watcher: Address): WatcherDecision {
  if (sameIdentity(presentity, watcher)) return 'allow';
  return mostSpecific(rules.presence.watchers, watcher) ?? rules.presence.default;
}

/** What this watcher sees (RFC 2779 2.3.3); undefined means the full document. */
export function viewFor(rules: Rules, presentity: Address, watcher: Address): PresenceView | undefined {
  if (sameIdentity(presentity, watcher)) return undefined;
  return mostSpecific(rules.presence.views, watcher);
}

/** RFC 2779 2.3.4: the presentity itself, or a principal its rules name as a publisher. */
export function mayPublish(rules: Rules, presentity: Address, publisher: Address): boolean {
  return sameIdentity(presentity, publisher) || matchesAny(rules.presence.publishers, publisher);
}

export type SendDecision = 'allow' | 'sender-blocked' | 'anonymous-refused';

/**
 * RFC 2779 2.3.5: the inbox's principal controls "which other PRINCIPALS, if any, can send
 * INSTANT MESSAGES to that INSTANT INBOX"; 5.4.10 and the appendix (AD4-AD6) add refusing
 * anonymous senders.
 */
export function maySend(rules: Rules, sender: Address): SendDecision {
  if (rules.inbox.refuseAnonymous && isAnonymous(sender)) return 'anonymous-refused';
  if (matchesAny(rules.inbox.blockedSenders, sender)) return 'sender-blocked';
  return 'allow';
}
