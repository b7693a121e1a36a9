/**
 * Sends toward XMPP from an instance that does not hold the component connection: the request goes
 * over the Bus to the instance holding the lease (lease.ts), which sends it on its stream and
 * answers with the outcome; the wait is bounded. Same request/reply shape as the JSON adapter's
 * socket relay (adapters/json/stream-hub.ts): a channel per instance, a request id, a timer.
 *
 * Relayed, not refused: any instance can answer any request (DESIGN "Growing past one machine"),
 * so a JSON or SIP user whose request lands on a standby still reaches XMPP. Only when no instance
 * holds the lease does a send fail fast with service-unavailable (the adapter decides that).
 *
 * Content bytes travel base64-encoded inside the JSON request and are restored exactly.
 */
import { randomUUID } from 'node:crypto';
import type { AdapterContext } from '../../canonical/adapter';
import type { Address } from '../../canonical/address';
import { isErrorCode, SwitchboardError } from '../../canonical/errors';
import { failed, type MessageOp, type Outcome } from '../../canonical/operations';
import type { OutPresence } from './wire';

type WireMessageOp = Omit<MessageOp, 'content'> & { content: { type: string; b64: string } };

type RelayRequest =
  | { t: 'req'; rid: string; from: string; kind: 'message'; op: WireMessageOp }
  | { t: 'req'; rid: string; from: string; kind: 'presence'; presence: OutPresence; origin: Address };
interface RelayReply { t: 'res'; rid: string; outcome: Outcome }

/** What the holder does with a relayed request: send on its own connection only (never relay on). */
export interface RelayHandlers {
  message(op: MessageOp): Promise<Outcome>;
  presence(p: OutPresence, origin: Address): Promise<void>;
}

const channelOf = (instanceId: string): string => `xmpp:i:${instanceId}`;

export class HolderRelay {
  private readonly pending = new Map<string, (o: Outcome) => void>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly ctx: AdapterContext, private readonly handlers: RelayHandlers, private readonly timeoutMs: number) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.ctx.bus.subscribe(channelOf(this.ctx.instanceId), (m) => { void this.onBus(m); });
  }

  async stop(): Promise<void> {
    const off = this.unsubscribe;
    this.unsubscribe = undefined;
    for (const finish of [...this.pending.values()]) finish({ status: 'indeterminate', reason: 'the XMPP adapter stopped before the holder answered' });
    if (off) await off().catch(() => undefined);
  }

  /** A message sent through `holder`; its outcome, or indeterminate when it does not answer in time. */
  sendMessage(holder: string, op: MessageOp): Promise<Outcome> {
    const wire: WireMessageOp = { ...op, content: { type: op.content.type, b64: Buffer.from(op.content.bytes).toString('base64') } };
    return this.request(holder, { kind: 'message', op: wire });
  }

  /** A presence stanza sent through `holder`; throws when it was not sent. */
  async sendPresence(holder: string, presence: OutPresence, origin: Address): Promise<void> {
    const o = await this.request(holder, { kind: 'presence', presence, origin });
    if (o.status === 'failed') throw new SwitchboardError(o.code, o.reason ?? 'the holder could not send the presence');
    if (o.status === 'indeterminate') throw new SwitchboardError('service-unavailable', o.reason ?? 'the holder did not answer');
  }

  private request(holder: string, body: { kind: 'message'; op: WireMessageOp } | { kind: 'presence'; presence: OutPresence; origin: Address }): Promise<Outcome> {
    const rid = randomUUID();
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => finish({ status: 'indeterminate', reason: `the instance holding the XMPP component (${holder}) did not answer within ${this.timeoutMs} ms` }), this.timeoutMs);
      const finish = (o: Outcome): void => {
        if (!this.pending.delete(rid)) return;
        clearTimeout(timer);
        resolve(o);
      };
      this.pending.set(rid, finish);
      const req = { t: 'req', rid, from: this.ctx.instanceId, ...body } as RelayRequest;
      this.ctx.bus.publish(channelOf(holder), JSON.stringify(req))
        .catch((err: unknown) => finish(failed('service-unavailable', `could not reach the instance holding the XMPP component: ${err instanceof Error ? err.message : String(err)}`)));
    });
  }

  private async onBus(message: string): Promise<void> {
    let m: RelayRequest | RelayReply;
    try { m = JSON.parse(message) as RelayRequest | RelayReply; } catch { return; }
    if (typeof m !== 'object' || m === null || typeof m.rid !== 'string') return;
    if (m.t === 'res') {
      if (isOutcome(m.outcome)) this.pending.get(m.rid)?.(m.outcome);
      return;
    }
    if (m.t !== 'req' || typeof m.from !== 'string') return;
    let outcome: Outcome;
    try {
      outcome = await this.handle(m);
    } catch (err) {
      outcome = failed(err instanceof SwitchboardError ? err.code : 'internal', err instanceof Error ? err.message : String(err));
    }
    const reply: RelayReply = { t: 'res', rid: m.rid, outcome };
    await this.ctx.bus.publish(channelOf(m.from), JSON.stringify(reply)).catch((err: unknown) => {
      this.ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not answer a relayed XMPP request');
    });
  }

  private async handle(m: RelayRequest): Promise<Outcome> {
    if (m.kind === 'message') {
      const op = m.op;
      if (op?.kind !== 'message' || typeof op.content?.b64 !== 'string' || typeof op.content.type !== 'string' || !isAddress(op.from) || !isAddress(op.to)) {
        return failed('bad-request', 'relayed XMPP message: malformed operation');
      }
      const { content, ...rest } = op;
      return this.handlers.message({ ...rest, content: { type: content.type, bytes: new Uint8Array(Buffer.from(content.b64, 'base64')) } });
    }
    if (m.kind === 'presence') {
      if (typeof m.presence?.from !== 'string' || typeof m.presence.to !== 'string' || !isAddress(m.origin)) return failed('bad-request', 'relayed XMPP presence: malformed');
      await this.handlers.presence(m.presence, m.origin);
      return { status: 'delivered' };
    }
    return failed('bad-request', 'relayed XMPP request of an unknown kind');
  }
}

function isAddress(a: unknown): a is Address {
  return typeof a === 'object' && a !== null && typeof (a as Address).local === 'string' && typeof (a as Address).domain === 'string';
}

function isOutcome(o: unknown): o is Outcome {
  const s = (o as { status?: unknown } | null)?.status;
  if (s === 'failed') return isErrorCode((o as { code?: unknown }).code as string);
  return s === 'delivered' || s === 'indeterminate';
}
