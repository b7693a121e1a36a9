/**
 * The inbox check and the duplicate claim of one message in one store round trip.
 *
 * RFC 3860 3.4.1 step 3: "If access control does not permit the application to request this
 * operation, a response operation having status "failure" is invoked." The decision needs the
 * recipient's rules, and the claim (RFC 2779 5.4.2) must only be made when they permit the
 * message. Reading the rules first and claiming afterwards costs two round trips per message;
 * instead the decision is made on the rules this instance last saw for the recipient (none, for
 * most), and the store claims only if the stored rules are still exactly those (Store
 * admitMessage). A changed or unknown rule set comes back in the same answer and the decision is
 * made again, so the cache is only ever a guess that the store verifies.
 */
import type { Address } from '../canonical/address';
import { DEFAULT_RULES, type Rules } from '../canonical/rules';
import { maySend, type SendDecision } from './policy';
import { decodeRules } from './store/records';
import type { MessageClaim, Store } from './store/store';

/** Recipients whose stored rules are remembered (the rest are assumed to have none). */
const MAX_REMEMBERED = 10_000;
/** Attempts while the rules keep changing under us; then a plain read and claim. */
const MAX_ATTEMPTS = 3;

interface Known { readonly raw: string | null; readonly rules: Rules }
const NONE: Known = Object.freeze({ raw: null, rules: DEFAULT_RULES });

export interface AdmissionResult {
  readonly decision: SendDecision;
  /** The message claim, when the decision is 'allow'. */
  readonly claim?: MessageClaim;
}

export class InboxAdmission {
  private readonly known = new Map<string, Known>();

  constructor(private readonly store: Store, private readonly maxRemembered = MAX_REMEMBERED) {}

  /** Decides whether `sender` may message `owner` (an address key) and, if so, claims messageKey. */
  async admit(owner: string, sender: Address, messageKey: string, claimSeconds: number): Promise<AdmissionResult> {
    let k = this.known.get(owner) ?? NONE;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const decision = maySend(k.rules, sender);
      const a = await this.store.admitMessage(owner, k.raw, messageKey, claimSeconds, decision === 'allow');
      if (a.rulesMatched) return a.claim ? { decision, claim: a.claim } : { decision };
      k = a.rules === null ? NONE : { raw: a.rules, rules: decodeRules(a.rules) ?? DEFAULT_RULES };
      this.remember(owner, k);
    }
    // The rules changed on every attempt: decide on a fresh read, as without the cache.
    const rules = (await this.store.getRules(owner)) ?? DEFAULT_RULES;
    const decision = maySend(rules, sender);
    return decision === 'allow' ? { decision, claim: await this.store.claimMessage(messageKey, claimSeconds) } : { decision };
  }

  /** Recipients remembered now (tests). */
  get size(): number { return this.known.size; }

  private remember(owner: string, k: Known): void {
    this.known.delete(owner);
    if (k.raw === null) return;
    if (this.known.size >= this.maxRemembered) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(owner, k);
  }
}
