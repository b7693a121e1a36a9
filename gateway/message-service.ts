/**
 * Duplicate suppression for messages (RFC 2779 5.4.2: "If M is delivered, B MUST receive the
 * message only once."). The first instance to claim a message id delivers it and records the
 * outcome; a retry, or a copy seen by another instance, gets that first outcome instead of a
 * second delivery.
 */
import type { Outcome } from '../canonical/operations';
import type { MessageClaim, Store } from './store/store';

/** Poll cadence while a duplicate waits for the first copy's outcome. */
const PENDING_POLL_MS = 50;
/** Slack on top of the delivery bound before a pending claim lapses (its holder died). */
const PENDING_SLACK_SECONDS = 5;

export interface OnceResult {
  readonly outcome: Outcome;
  /** true when this copy was suppressed and the outcome is the first copy's. */
  readonly duplicate: boolean;
}

/** The dedupe key: a message id is only unique per sender and recipient (XMPP ids are not global). */
export function dedupeKey(from: string, to: string, messageId: string): string {
  return `${from} ${to} ${messageId}`;
}

function readOutcome(s: string): Outcome | undefined {
  try {
    const o = JSON.parse(s) as unknown;
    if (typeof o === 'object' && o !== null && 'status' in o) {
      const st = (o as { status: unknown }).status;
      if (st === 'delivered' || st === 'failed' || st === 'indeterminate') return o as Outcome;
    }
  } catch { /* tolerant reader: fall through */ }
  return undefined;
}

/** How long a pending claim holds: the delivery bound plus slack, never past the dedupe TTL. */
export function pendingClaimSeconds(ttlSeconds: number, waitMs: number): number {
  return Math.min(ttlSeconds, Math.ceil(waitMs / 1000) + PENDING_SLACK_SECONDS);
}

export interface OnceOptions {
  /** The claim already made for this key (InboxAdmission makes it with the rules read). */
  readonly firstClaim?: MessageClaim | undefined;
  /**
   * Called when recording the outcome fails. The outcome is recorded without waiting: the sender
   * has its answer either way, and a duplicate meanwhile polls until the record lands.
   */
  readonly onRecordError?: (err: unknown) => void;
}

/**
 * Runs `deliver` at most once per key among every instance sharing the store. `deliver` must be
 * bounded by waitMs (the router's next-hop timeout). The claim is pending for about that long, so
 * an instance that dies mid-delivery does not block the id for the whole dedupe TTL; the outcome
 * is then kept for ttlSeconds. A copy that arrives while the first is in flight waits (bounded by
 * waitMs) for the first outcome; if none comes in time it is reported indeterminate, never
 * delivered twice.
 */
export function deliverOnce(
  store: Store, key: string, ttlSeconds: number, waitMs: number, deliver: () => Promise<Outcome>, opts: OnceOptions = {},
): Promise<OnceResult> {
  const record = (outcome: Outcome): void => {
    store.recordOutcome(key, JSON.stringify(outcome), ttlSeconds).catch((err: unknown) => opts.onRecordError?.(err));
  };
  // The common case, a first copy already claimed, waits for the delivery in one reaction rather
  // than an async frame (router.ts route: what waits for an answer should hold little).
  if (opts.firstClaim?.claimed) return deliver().then((outcome) => { record(outcome); return { outcome, duplicate: false }; });
  return claimThenDeliver(store, key, ttlSeconds, waitMs, deliver, record, opts.firstClaim);
}

async function claimThenDeliver(
  store: Store, key: string, ttlSeconds: number, waitMs: number, deliver: () => Promise<Outcome>,
  record: (o: Outcome) => void, firstClaim: MessageClaim | undefined,
): Promise<OnceResult> {
  const pendingSeconds = pendingClaimSeconds(ttlSeconds, waitMs);
  const claim = firstClaim ?? await store.claimMessage(key, pendingSeconds);
  if (claim.claimed) {
    const outcome = await deliver();
    record(outcome);
    return { outcome, duplicate: false };
  }
  let stored = claim.outcome;
  const deadline = Date.now() + waitMs;
  while (stored === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, PENDING_POLL_MS));
    const again = await store.claimMessage(key, pendingSeconds);
    if (again.claimed) {
      // The first claim lapsed meanwhile (its holder died): this copy is the only live one now.
      const outcome = await deliver();
      record(outcome);
      return { outcome, duplicate: false };
    }
    stored = again.outcome;
  }
  const outcome = stored === undefined ? undefined : readOutcome(stored);
  return {
    outcome: outcome ?? { status: 'indeterminate', reason: 'a copy of this message is still in flight' },
    duplicate: true,
  };
}
