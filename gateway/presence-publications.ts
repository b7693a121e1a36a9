/**
 * Publications (RFC 3903 semantics for every protocol): each source's document is kept under its
 * own entity tag with its own expiry; the presentity's current document is composed from the live
 * ones and kept after they go, so fetches work while it is out of contact (RFC 2779 3.2.1).
 */
import { randomBytes } from 'node:crypto';
import { addressKey, parseAddressKey, type Address } from '../canonical/address';
import { ParseError } from '../canonical/errors';
import { DELIVERED, failed, type Content, type PublishOp, type PublishResult } from '../canonical/operations';
import { DEFAULT_RULES } from '../canonical/rules';
import { checkHops } from '../canonical/trace';
import { mayPublish } from './policy';
import { checkPidf, composeDocument } from './presence-documents';
import type { Notifier, PresenceDeps } from './presence-notifier';
import type { PublicationRecord } from './store/store';

const newEtag = (): string => randomBytes(9).toString('base64url');

export class Publications {
  constructor(private readonly d: PresenceDeps, private readonly notifier: Notifier) {}

  async publish(op: PublishOp): Promise<PublishResult> {
    const res = await this.decide(op);
    this.d.metrics.publications.inc({ result: res.outcome.status === 'failed' ? res.outcome.code : 'ok' });
    return res;
  }

  private async decide(op: PublishOp): Promise<PublishResult> {
    const hops = checkHops(op, this.d.config.gateway.id);
    if (hops.verdict === 'loop') return { outcome: failed('loop-detected', undefined, { trace: hops.trace }) };
    if (hops.verdict === 'exhausted') return { outcome: failed('too-many-hops') };
    const key = addressKey(op.presentity);
    // RFC 2779 2.3.4: the presentity controls "which other PRINCIPALS, if any, can update the
    // PRESENCE INFORMATION of that PRESENTITY".
    const rules = (await this.d.store.getRules(key)) ?? DEFAULT_RULES;
    if (!mayPublish(rules, op.presentity, op.publisher)) return { outcome: failed('forbidden', `${addressKey(op.publisher)} may not publish for ${key}`) };

    const existing = op.etag !== undefined ? await this.d.store.getPublication(key, op.etag) : undefined;
    // RFC 3903 section 6 step 3: "If no match is found, the ESC MUST reject the publication with a
    // response of 412 (Conditional Request Failed)".
    if (op.etag !== undefined && !existing) return { outcome: failed('conditional-request-failed', `no publication with entity-tag ${op.etag}`) };

    if (op.expires === 0) {
      // RFC 3903 step 5: "If the chosen expiration interval has a special value of "0", the event
      // state identified by the entity-tag MUST be immediately removed."
      if (existing) await this.d.store.deletePublication(key, existing.etag);
      else if (op.sourceKey !== undefined) await this.removeSource(key, op.sourceKey);
      else return { outcome: failed('bad-request', 'removing a publication needs its entity-tag or source') };
      await this.recompose(op.presentity);
      return { outcome: DELIVERED, expires: 0 };
    }

    const { minExpires, maxExpires } = this.d.config.presence;
    // RFC 3903 step 4: "Only if the requested expiration interval is greater than zero and less
    // than a locally-configured minimum, the ESC MAY reject the publication with ... 423".
    if (op.expires < minExpires) return { outcome: failed('interval-too-brief', `expires ${op.expires} is below the minimum ${minExpires}`), expires: minExpires };
    const expires = Math.min(op.expires, maxExpires);

    let doc: Content | undefined = op.document;
    if (doc) {
      try {
        checkPidf(doc);
      } catch (err) {
        return { outcome: failed('bad-request', err instanceof ParseError ? `presence document: ${err.message}` : 'presence document is not PIDF') };
      }
    } else if (existing) {
      doc = { type: existing.type, bytes: existing.bytes };
    } else {
      // RFC 3903 step 5: "If the request has no message body and contained no entity-tag, the ESC
      // SHOULD reject the request with an appropriate response, such as 400".
      return { outcome: failed('bad-request', 'a publication without a document needs an entity-tag') };
    }

    const sourceKey = op.sourceKey ?? existing?.sourceKey;
    if (existing) await this.d.store.deletePublication(key, existing.etag);
    else if (sourceKey !== undefined) await this.removeSource(key, sourceKey);
    const publisherKey = addressKey(op.publisher);
    // A new entity-tag on every successful publication, refreshes included (RFC 3903 section 6).
    const rec: PublicationRecord = {
      presentity: key, etag: newEtag(), type: doc.type, bytes: doc.bytes, expiresAt: Date.now() + expires * 1000,
      ...(sourceKey !== undefined ? { sourceKey } : {}),
      ...(publisherKey !== key ? { publisher: publisherKey } : {}),
    };
    await this.d.store.putPublication(rec);
    // A bare refresh changes no state: no notification (RFC 3903 4.2 refresh vs modify).
    if (op.document || !existing) await this.recompose(op.presentity);
    return { outcome: DELIVERED, etag: rec.etag, expires };
  }

  private async removeSource(key: string, sourceKey: string): Promise<number> {
    const pubs = await this.d.store.listPublications(key);
    let n = 0;
    for (const p of pubs) if (p.sourceKey === sourceKey && (await this.d.store.deletePublication(key, p.etag))) n++;
    return n;
  }

  /** Recomposes from the live publications, stores the result, notifies the watchers. */
  async recompose(presentity: Address): Promise<Content> {
    const key = addressKey(presentity);
    const now = Date.now();
    const pubs = (await this.d.store.listPublications(key)).filter((p) => p.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt);
    let doc: Content;
    try {
      doc = composeDocument(presentity, pubs.map((p) => ({ type: p.type, bytes: p.bytes })));
    } catch (err) {
      this.d.log.warn({ err, presentity: key }, 'composition failed; using the newest publication');
      const newest = pubs[pubs.length - 1]!;
      doc = { type: newest.type, bytes: newest.bytes };
    }
    await this.setDocument(presentity, doc);
    return doc;
  }

  /** Stores a document as the presentity's current one and notifies (also for upstream notifications). */
  async setDocument(presentity: Address, doc: Content): Promise<void> {
    await this.d.store.putDocument(addressKey(presentity), { type: doc.type, bytes: doc.bytes, updatedAt: Date.now() });
    await this.notifier.fanOut(presentity, doc);
  }

  /** RFC 2779 3.2.4: the source went out of contact; its publication goes, the rest recomposed. */
  async outOfContact(presentity: Address, sourceKey: string): Promise<void> {
    // A source that never published (a watcher-only client) changes nothing: no notification.
    if ((await this.removeSource(addressKey(presentity), sourceKey)) > 0) await this.recompose(presentity);
  }

  /** Sweeper: one expired publication removed (the caller holds the expiry claim). */
  async expire(presentityKey: string, etag: string): Promise<boolean> {
    const p = await this.d.store.getPublication(presentityKey, etag);
    if (!p || p.expiresAt > Date.now()) return false;
    await this.d.store.deletePublication(presentityKey, etag);
    await this.recompose(parseAddressKey(presentityKey));
    return true;
  }
}
