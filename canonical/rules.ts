/**
 * Access rules (RFC 2779 2.3, 5.1, 5.4.10): per presentity, who may watch and what each watcher
 * sees; who else may publish; per inbox, who may send. Types and pure evaluation helpers only.
 *
 * Address patterns are "user@domain" (exact) or "*@domain" (any user of a domain) or "*".
 */

/** allow; deny (the watcher sees a refusal); polite-block (looks granted, delivers nothing: 5.1.15). */
export type WatcherDecision = 'allow' | 'deny' | 'polite-block';

/** A filtered view of presence (RFC 2779 2.3.3): what one watcher may see. */
export interface PresenceView {
  /** Only the basic status of each tuple: notes, contacts and extensions removed. */
  readonly basicOnly?: boolean;
  /** Only these tuple ids (absent: all). */
  readonly tuples?: readonly string[];
  /** Drop every <note/>. */
  readonly hideNotes?: boolean;
}

export interface PresenceRules {
  /** Decision for watchers no pattern matches. */
  readonly default: WatcherDecision;
  /** Pattern -> decision. The most specific pattern wins: exact, then *@domain, then *. */
  readonly watchers: Readonly<Record<string, WatcherDecision>>;
  /** Pattern -> view. Same precedence. Absent: the full document. */
  readonly views: Readonly<Record<string, PresenceView>>;
  /** Who else may publish for this presentity (RFC 2779 2.3.4): patterns. */
  readonly publishers: readonly string[];
}

export interface InboxRules {
  /** Senders whose messages are refused (patterns). */
  readonly blockedSenders: readonly string[];
  /** Refuse messages from anonymous senders (RFC 2779 5.4.10, appendix AD4-AD6). */
  readonly refuseAnonymous: boolean;
}

export interface Rules {
  readonly presence: PresenceRules;
  readonly inbox: InboxRules;
}

export const DEFAULT_RULES: Rules = Object.freeze({
  presence: Object.freeze({ default: 'allow' as const, watchers: Object.freeze({}), views: Object.freeze({}), publishers: Object.freeze([]) as readonly string[] }),
  inbox: Object.freeze({ blockedSenders: Object.freeze([]) as readonly string[], refuseAnonymous: false }),
});
