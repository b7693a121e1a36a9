/**
 * Subscriber role (RFC 6665, RFC 3856, RFC 7248 4.2.2): the gateway subscribes to a SIP
 * presentity on behalf of a watcher on another side, takes the NOTIFYs, refreshes before expiry
 * and unsubscribes with Expires: 0.
 */
import { randomUUID } from 'node:crypto';
import { failed, type Outcome, type SubscribeOp, type SubscribeResult, type SubscriptionState } from '../../canonical/operations';
import type { DialogStore, SubscriberDialog } from './dialog-store';
import { outcomeToStatus, sipUriFor, statusToOutcome, traceHeaders } from './from-canonical';
import type { SipStack } from './stack';
import { toTag, type ClientResult } from './transactions';
import type { Remote } from './transport';
import { traceOf } from './to-canonical';
import { headerValue } from './wire-message';
import { randomToken } from './wire-serialize';
import type { CheckedRequest } from './wire-validate';

/** Refresh when this fraction of the granted time has passed (RFC 6665 4.1.2.1 leaves the margin to the subscriber). */
const REFRESH_AT = 0.8;
const MAX_TIMERS = 10_000;

export class PresenceSubscriber {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly stack: SipStack, private readonly dialogs: DialogStore) {}

  async sendSubscribe(op: SubscribeOp): Promise<SubscribeResult> {
    const existing = op.subscriptionId ? await this.dialogs.getSubscriber(op.subscriptionId) : undefined;
    if (op.duration === 0) {
      if (!existing) return { outcome: { status: 'delivered' }, state: 'terminated', expires: 0 };
      this.clearTimer(existing.id);
      // Kept (briefly, by its store TTL) so the final NOTIFY of RFC 6665 4.1.2.3 is answered 200.
      existing.ending = true;
      existing.expiresAt = Date.now();
      const r = await this.send(existing, 0, op.trace);
      return { outcome: this.outcomeOf(r), subscriptionId: existing.id, state: 'terminated', expires: 0 };
    }
    const d: SubscriberDialog = existing ?? {
      id: op.subscriptionId ?? `sipsub-${randomUUID()}`, callId: `${randomToken(10)}@switchboard`, localTag: randomToken(6), cseq: 0,
      watcher: op.watcher, presentity: op.presentity, expiresAt: Date.now() + op.duration * 1000, duration: op.duration,
    };
    d.duration = op.duration;
    return this.subscribe(d, op.trace, 0);
  }

  private async subscribe(d: SubscriberDialog, trace: readonly string[], attempt: number): Promise<SubscribeResult> {
    // Stored before sending: RFC 6665 4.1.2.4 "NOTIFY requests may arrive before the 200-class response".
    await this.dialogs.putSubscriber(d);
    const r = await this.send(d, d.duration, trace);
    if (r.kind !== 'response') {
      await this.dialogs.deleteSubscriber(d);
      return { outcome: this.outcomeOf(r) };
    }
    const res = r.response;
    // A Digest retry (stack.request) used the next CSeq: keep the dialog's counter ahead of it.
    if (res.cseq.seq > d.cseq) d.cseq = res.cseq.seq;
    if (res.status >= 200 && res.status < 300) {
      d.remoteTag ??= toTag(res);
      if (res.contact?.[0] && !res.contact[0].star) d.remoteTarget = res.contact[0].uri;
      const granted = Math.min(res.expires ?? d.duration, d.duration);
      d.expiresAt = Date.now() + granted * 1000;
      await this.dialogs.putSubscriber(d);
      this.schedule(d, granted);
      const state: SubscriptionState = res.status === 202 ? 'pending' : 'active';
      return { outcome: { status: 'delivered' }, subscriptionId: d.id, state, expires: granted };
    }
    // RFC 7248 4.2.2: 423 and 481 are transient: retry (with Min-Expires / as a new dialog).
    if (res.status === 423 && res.minExpires && attempt < 2) {
      d.duration = res.minExpires;
      return this.subscribe(d, trace, attempt + 1);
    }
    if (res.status === 481 && d.remoteTag && attempt < 2) {
      await this.dialogs.deleteSubscriber(d);
      const fresh: SubscriberDialog = { ...d, callId: `${randomToken(10)}@switchboard`, localTag: randomToken(6), cseq: 0 };
      delete fresh.remoteTag;
      delete fresh.remoteTarget;
      return this.subscribe(fresh, trace, attempt + 1);
    }
    // 403, 489, 603 and the rest end the subscription for good.
    await this.dialogs.deleteSubscriber(d);
    this.clearTimer(d.id);
    return { outcome: statusToOutcome(res.status, res.reason), subscriptionId: d.id, state: 'terminated' };
  }

  private async send(d: SubscriberDialog, expires: number, trace: readonly string[]): Promise<ClientResult> {
    d.cseq += 1;
    await this.dialogs.putSubscriber(d);
    const presentityUri = sipUriFor(d.presentity);
    return this.stack.request({
      method: 'SUBSCRIBE', uri: d.remoteTarget ?? presentityUri,
      from: `<${sipUriFor(d.watcher)}>;tag=${d.localTag}`, to: `<${presentityUri}>${d.remoteTag ? `;tag=${d.remoteTag}` : ''}`,
      callId: d.callId, cseq: d.cseq, maxForwards: 70,
      headers: [
        ['Event', 'presence'], ['Accept', 'application/pidf+xml'], ['Expires', String(expires)],
        ['Contact', this.stack.contact(this.stack.transports()[0] ?? 'UDP')], ...traceHeaders(trace),
      ],
    });
  }

  private outcomeOf(r: ClientResult): Outcome {
    if (r.kind === 'timeout') return failed('timeout', 'no response to SUBSCRIBE');
    if (r.kind === 'transport-error') return failed('remote-unreachable', r.message);
    return statusToOutcome(r.response.status, r.response.reason);
  }

  private schedule(d: SubscriberDialog, granted: number): void {
    this.clearTimer(d.id);
    if (this.timers.size >= MAX_TIMERS) return;
    const t = setTimeout(() => {
      this.timers.delete(d.id);
      void (async () => {
        const cur = await this.dialogs.getSubscriber(d.id);
        if (!cur || cur.ending) return;
        const r = await this.subscribe(cur, [], 0);
        if (r.outcome.status === 'failed') {
          // The refresh was refused for good (RFC 7248 4.2.2) or went unanswered: the gateway's
          // watchers learn that the subscription is over.
          await this.stack.ctx.notify({
            kind: 'notify', transactionId: `refresh-${d.id}`, subscriptionId: d.id, watcher: d.watcher, presentity: d.presentity,
            state: 'terminated', reason: r.outcome.code === 'timeout' || r.outcome.code === 'remote-unreachable' ? 'timeout' : 'rejected',
            maxForwards: 70, trace: [],
          });
        }
      })().catch((e) => this.stack.log.debug({ err: e }, 'sip subscription refresh failed'));
    }, Math.max(1000, granted * 1000 * REFRESH_AT));
    t.unref();
    this.timers.set(d.id, t);
  }

  private clearTimer(id: string): void {
    const t = this.timers.get(id);
    if (t) { clearTimeout(t); this.timers.delete(id); }
  }

  /** A NOTIFY for one of our subscriptions (RFC 6665 4.1.3). */
  async onNotify(req: CheckedRequest, remote: Remote, txKey: string): Promise<void> {
    const reply = (status: number, phrase: string, headers: [string, string][] = []): void => this.stack.respond(txKey, req, remote, status, phrase, { headers });
    const tag = req.to.params.tag;
    const d = tag ? await this.dialogs.subscriberByDialog(req.callId, tag) : undefined;
    // RFC 6665 4.1.3: "If the subscription is not known ... 481".
    if (!d) { reply(481, 'Subscription Does Not Exist'); return; }
    if (req.event?.type !== 'presence') { reply(489, 'Bad Event', [['Allow-Events', 'presence']]); return; }
    const ss = req.subscriptionState;
    if (!ss) { reply(400, 'Missing Subscription-State header field'); return; }
    if (d.ending) {
      // The watcher already left: acknowledge the notifier's last word without passing it on.
      if (ss.state === 'terminated') await this.dialogs.deleteSubscriber(d);
      reply(200, 'OK');
      return;
    }
    const state: SubscriptionState = ss.state === 'active' || ss.state === 'pending' ? ss.state : 'terminated';
    d.remoteTag ??= req.from.params.tag;
    if (req.contact?.[0] && !req.contact[0].star) d.remoteTarget = req.contact[0].uri;
    const expires = ss.params.expires !== undefined && /^[0-9]{1,10}$/.test(ss.params.expires) ? Number(ss.params.expires) : undefined;
    const contentType = headerValue(req, 'content-type');
    const reasons = ['timeout', 'deactivated', 'rejected', 'noresource', 'giveup', 'probation'] as const;
    const reason = reasons.find((r) => r === ss.params.reason);
    const outcome = await this.stack.ctx.notify({
      kind: 'notify', transactionId: req.via[0]?.branch ?? req.callId, subscriptionId: d.id,
      watcher: d.watcher, presentity: d.presentity,
      ...(req.body.length > 0 && contentType !== undefined ? { presence: { type: contentType, bytes: req.body } } : {}),
      state, ...(expires !== undefined ? { expires } : {}), ...(reason ? { reason } : {}),
      maxForwards: req.maxForwards ?? 70, trace: traceOrEmpty(req),
    });
    if (state === 'terminated') { this.clearTimer(d.id); await this.dialogs.deleteSubscriber(d); }
    else await this.dialogs.putSubscriber(d);
    if (outcome.status === 'failed') { const { status, phrase } = outcomeToStatus(outcome); reply(status, phrase); return; }
    reply(200, 'OK');
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}


/** The NOTIFY's received-trace; a malformed one is not worth refusing the notification for. */
function traceOrEmpty(req: CheckedRequest): string[] {
  try { return traceOf(req); } catch { return []; }
}
