/**
 * Notifier role (RFC 6665, RFC 3856): SUBSCRIBE from SIP watchers to presentities on other sides,
 * and the NOTIFYs that follow, in dialogs kept in the shared state (dialog-store.ts).
 */
import type { PresenceLimits } from './config';
import { failed, type NotifyOp, type Outcome } from '../../canonical/operations';
import type { DialogStore, NotifierDialog } from './dialog-store';
import { outcomeToStatus, statusToOutcome, traceHeaders } from './from-canonical';
import type { SipStack } from './stack';
import { sipSubscribeToOp, unescapeTarget } from './to-canonical';
import type { Remote } from './transport';
import { randomToken } from './wire-serialize';
import type { CheckedRequest } from './wire-validate';

/** RFC 3856 6.4: "the default value of the Expires header field ... is 3600 seconds". */
export const DEFAULT_PRESENCE_EXPIRES = 3600;

export class PresenceNotifier {
  constructor(private readonly stack: SipStack, private readonly dialogs: DialogStore, private readonly presence: PresenceLimits) {}

  async onSubscribe(req: CheckedRequest, remote: Remote, txKey: string): Promise<void> {
    const { stack } = this;
    const reply = (status: number, phrase: string, headers: [string, string][] = [], toTag?: string): void =>
      stack.respond(txKey, req, remote, status, phrase, { headers, ...(toTag ? { toTag } : {}) });
    // RFC 6665 4.2.1.1 / 8.2: an unknown or missing event package gets 489 with Allow-Events.
    if (req.event?.type !== 'presence') { reply(489, 'Bad Event', [['Allow-Events', 'presence']]); return; }
    // RFC 3856 6.7: "application/pidf+xml" is the default; a watcher that accepts nothing we send gets 406.
    if (req.accept && req.accept.length > 0 && !req.accept.some((m) => (m.type === 'application' && (m.subtype === 'pidf+xml' || m.subtype === '*')) || m.type === '*')) {
      reply(406, 'Not Acceptable', [['Accept', 'application/pidf+xml']]); return;
    }
    const requested = req.expires ?? DEFAULT_PRESENCE_EXPIRES;
    // RFC 6665 4.2.1.1: "... the notifier MAY return a 423 (Interval Too Brief) response".
    if (requested > 0 && requested < this.presence.minExpires) {
      reply(423, 'Interval Too Brief', [['Min-Expires', String(this.presence.minExpires)]]); return;
    }
    const duration = Math.min(requested, this.presence.maxExpires);
    const toTag = req.to.params.tag;
    let dialog: NotifierDialog | undefined;
    if (toTag) {
      dialog = await this.dialogs.notifierByDialog(req.callId, toTag);
      // RFC 6665 4.2.1.2: a refresh for an unknown subscription: "481 (Subscription does not exist)".
      if (!dialog) { reply(481, 'Subscription Does Not Exist'); return; }
    } else if (!req.contact?.[0] || req.contact[0].star) {
      reply(400, 'Missing Contact header field in SUBSCRIBE'); return;
    }
    const origin = { transactionId: req.via[0]?.branch ?? req.callId, sourceId: `${remote.transport} ${remote.address}:${remote.port}` };
    // NOTIFYs the gateway sends for this dialog while it handles the refresh or end (the end's
    // terminating NOTIFY, say) wait until the SUBSCRIBE is answered, so the watcher sees the
    // response first (RFC 6665 4.1.2.4 allows either order; many user agents expect this one).
    const heldKey = dialog?.id;
    if (heldKey) this.held.set(heldKey, []);
    let result;
    try {
      const op = sipSubscribeToOp(req, origin, duration, dialog?.id);
      result = await stack.ctx.subscribe({ ...op, presentity: unescapeTarget(op.presentity, stack.ctx.ownerOf) });
    } catch (e) {
      if (heldKey) this.release(heldKey);
      throw e;
    }
    if (result.outcome.status === 'failed') {
      if (heldKey) this.release(heldKey);
      const { status, phrase } = outcomeToStatus(result.outcome);
      reply(status, phrase, status === 423 ? [['Min-Expires', String(this.presence.minExpires)]] : []);
      if (dialog) await this.dialogs.deleteNotifier(dialog);
      return;
    }
    const granted = duration === 0 ? 0 : Math.min(result.expires ?? duration, duration);
    const localTag = toTag ?? randomToken(6);
    const id = dialog?.id ?? result.subscriptionId ?? `sip-${randomToken(10)}`;
    const state = granted === 0 ? 'terminated' : result.state ?? 'active';
    // RFC 6665 4.2.1.1: 200 for an accepted subscription, 202 when authorization is pending.
    const accepted = state === 'pending' ? [202, 'Accepted'] as const : [200, 'OK'] as const;
    reply(accepted[0], accepted[1], [['Expires', String(granted)], ['Contact', stack.contact(remote.transport)]], localTag);
    const d: NotifierDialog = dialog ?? {
      id, callId: req.callId, localTag, remoteTag: req.from.params.tag ?? '',
      localUri: req.to.uri, remoteUri: req.from.uri, remoteTarget: req.contact![0]!.uri,
      routeSet: (req.recordRoute ?? []).map((r) => `<${r.uri}>`),
      cseq: 0, peer: { transport: remote.transport, address: remote.address, port: remote.port },
      watcher: sipSubscribeToOp(req, origin, 0).watcher, presentity: unescapeTarget(sipSubscribeToOp(req, origin, 0).presentity, stack.ctx.ownerOf),
      expiresAt: 0,
    };
    d.expiresAt = Date.now() + granted * 1000;
    await this.dialogs.putNotifier(d);
    // RFC 6665 4.2.1.2: "the notifier MUST immediately send a NOTIFY request"; with Expires: 0
    // it is the terminating one (4.2.1.4... "send a NOTIFY ... with a Subscription-State of terminated").
    const first: NotifyOp = {
      kind: 'notify', transactionId: origin.transactionId, subscriptionId: d.id, watcher: d.watcher, presentity: d.presentity,
      ...(result.presence ? { presence: result.presence } : {}), state,
      ...(granted > 0 ? { expires: granted } : {}),
      maxForwards: 70, trace: [],
    };
    const held = heldKey ? this.release(heldKey) : [];
    if (!held.some((n) => n.state === 'terminated')) held.unshift(first);
    void (async () => { for (const n of held) await this.sendNotify(n); })().catch((e) => stack.log.debug({ err: e }, 'sip NOTIFY after SUBSCRIBE failed'));
  }

  /** NOTIFYs held for a dialog whose SUBSCRIBE is being answered, by dialog id (bounded by the SUBSCRIBEs in progress). */
  private readonly held = new Map<string, NotifyOp[]>();

  private release(id: string): NotifyOp[] {
    const ops = this.held.get(id) ?? [];
    this.held.delete(id);
    return ops;
  }

  /** NOTIFY to a SIP watcher (called by the gateway on every change, and for the first one). */
  async sendNotify(op: NotifyOp): Promise<Outcome> {
    const queue = this.held.get(op.subscriptionId);
    if (queue && queue.length < 16) {
      queue.push(op);
      return { status: 'indeterminate', reason: 'NOTIFY queued until the SUBSCRIBE in progress is answered' };
    }
    const d = await this.dialogs.getNotifier(op.subscriptionId);
    if (!d) return failed('subscription-gone', `no SIP subscription ${op.subscriptionId}`);
    d.cseq += 1;
    const remaining = Math.max(0, Math.round((d.expiresAt - Date.now()) / 1000));
    const expires = op.expires ?? remaining;
    const terminated = op.state === 'terminated' || expires === 0;
    // RFC 6665 8.2.3 Subscription-State: "active" / "pending" / "terminated" with expires / reason.
    const subState = terminated ? `terminated${op.reason ? `;reason=${op.reason}` : ''}` : `${op.state};expires=${expires}`;
    if (terminated) await this.dialogs.deleteNotifier(d); else await this.dialogs.updateNotifier(d);
    const spec = {
      method: 'NOTIFY', uri: d.remoteTarget,
      from: `<${d.localUri}>;tag=${d.localTag}`, to: `<${d.remoteUri}>${d.remoteTag ? `;tag=${d.remoteTag}` : ''}`,
      callId: d.callId, cseq: d.cseq, maxForwards: op.maxForwards > 0 ? op.maxForwards : 70,
      headers: [
        ...d.routeSet.map((r) => ['Route', r] as [string, string]),
        ['Event', 'presence'], ['Subscription-State', subState], ['Contact', this.stack.contact(d.peer.transport)],
        ...traceHeaders(op.trace),
      ] as [string, string][],
      ...(op.presence ? { body: { type: op.presence.type, bytes: op.presence.bytes } } : {}),
    };
    // In-dialog requests go back the way the SUBSCRIBE came (the peer that sent it, or its open
    // connection); when a stream connection is gone, to the watcher's Contact (RFC 3261 12.2.1.1).
    let result = await this.stack.request(spec, { transport: d.peer.transport, address: d.peer.address, port: d.peer.port });
    if (result.kind === 'transport-error' && d.peer.transport !== 'UDP' && d.routeSet.length === 0) {
      const direct = await this.stack.resolveDirect(d.remoteTarget).catch(() => undefined);
      if (direct) result = await this.stack.request({ ...spec, cseq: spec.cseq }, direct);
    }
    if (result.kind === 'timeout') return failed('timeout', 'no response to NOTIFY');
    if (result.kind === 'transport-error') return failed('remote-unreachable', result.message);
    if (result.response.cseq.seq > d.cseq && !terminated) {
      // A Digest retry (stack.request) used the next CSeq: keep the dialog's counter ahead of it.
      d.cseq = result.response.cseq.seq;
      await this.dialogs.updateNotifier(d);
    }
    const outcome = statusToOutcome(result.response.status, result.response.reason);
    // RFC 6665 4.2.2: a 481 or other failure to NOTIFY ends the subscription.
    if (outcome.status === 'failed' && !terminated && [481, 408].includes(result.response.status)) await this.dialogs.deleteNotifier(d);
    return outcome;
  }
}

