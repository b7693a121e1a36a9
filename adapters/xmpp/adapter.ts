/**
 * The XMPP adapter: XEP-0114 components (and client-mode accounts) joined to the gateway.
 * Messages: wire -> to-canonical -> ctx.deliver, and MessageOp -> from-canonical -> wire with the
 * outcome taken from stanza errors and XEP-0184 receipts (inbound.ts handles what comes back and
 * what XMPP users send). Presence lives in presence.ts, IQs in
 * disco.ts, connections in connection.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Adapter, AdapterContext } from '../../canonical/adapter';
import { parseJid, unescapeForeign, type Address, addressKey } from '../../canonical/address';
import { SwitchboardError } from '../../canonical/errors';
import { failed, type MessageOp, type NotifyOp, type Outcome, type SubscribeOp, type SubscribeResult } from '../../canonical/operations';
import { xml, type XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import type { XmppAdapterConfig } from './config';
import { createClientEntity } from './client';
import { createComponentEntity } from './component';
import { type BackoffOptions, withTimeout, XmppLink } from './connection';
import { Deadlines } from '../../canonical/deadlines';
import { installIqAnswers } from './disco';
import { componentFor, messageFromCanonical } from './from-canonical';
import { isStandby, type LeaseTiming, leaseLink, remoteHolder } from './lease';
import { XmppPresence } from './presence';
import { HolderRelay } from './relay';
import { attrsOf, handleInboundMessage, type InboundDeps, type LinkEntry, type Pending } from './inbound';
import {
  buildErrorReply, buildMessage, buildPresence, readPresence, messageToXml, presenceToXml, WireError, type OutPresence,
} from './wire';

/** Tuning that tests (and only tests) change. */
export interface XmppAdapterOptions {
  /**
   * How long a sent message waits for a stanza error before its outcome is "indeterminate" (no
   * receipt requested). XMPP has no positive acknowledgement without XEP-0184; errors from the
   * recipient's server come back within milliseconds on a healthy link, so 250 ms catches them.
   * It stays well under SIP's first retransmission (RFC 3261 17.1.2.2: "the client transaction
   * MUST set timer E to fire in T1 seconds", 500 ms): a SIP sender waits for this window, and a
   * 400 ms window left 100 ms for everything else, so a busy moment turned into retransmissions
   * that made it busier.
   */
  readonly errorWindowMs?: number;
  /** How long a message that requested a XEP-0184 receipt waits for <received/>. */
  readonly receiptWaitMs?: number;
  readonly backoff?: BackoffOptions;
  /** Period of the sweep renewing XMPP watchers' gateway subscriptions. */
  readonly refreshIntervalMs?: number;
  /** Entity factories (tests may wrap them); default: xmpp.js. */
  readonly createComponent?: typeof createComponentEntity;
  readonly createClient?: typeof createClientEntity;
  /** Timing of the component lease (lease.ts); default DEFAULT_LEASE. */
  readonly lease?: LeaseTiming;
}

/** Ids of stanzas a client link sent, kept to drop their echoes (carbons, reflections). */
const ECHO_MEMORY = 2048;

export class XmppAdapter implements Adapter {
  readonly protocol = 'xmpp' as const;
  private readonly links: LinkEntry[] = [];
  private readonly gatewayDomains: string[];
  private readonly pending = new Map<string, Pending>();
  /** The error and receipt windows of sent messages, on one timer. */
  private readonly windows = new Deadlines();
  private readonly sentIds = new Set<string>();
  /** What inbound.ts needs to handle messages from the XMPP side. */
  private readonly inbound: InboundDeps;
  private readonly presence: XmppPresence;
  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly errorWindowMs: number;
  private readonly receiptWaitMs: number;
  /** Sends from a standby instance through the lease holder (relay.ts). */
  private readonly relay: HolderRelay;
  /** The readiness last reported ('' when ready), to report changes only. */
  private lastReadiness: string | undefined;

  constructor(private readonly config: XmppAdapterConfig, private readonly ctx: AdapterContext, private readonly opts: XmppAdapterOptions = {}) {
    const x = config.xmpp ?? { components: [], clients: [] };
    this.gatewayDomains = x.components.map((c) => c.domain.toLowerCase());
    this.inbound = {
      ctx, config, gatewayDomains: this.gatewayDomains, pending: this.pending, sentIds: this.sentIds,
      safeSend: (entry, el) => this.safeSend(entry, el),
      clientTarget: (entry, to) => this.clientTarget(entry, to),
    };
    this.errorWindowMs = opts.errorWindowMs ?? 250;
    this.receiptWaitMs = opts.receiptWaitMs ?? Math.max(500, Math.min(30_000, config.gateway.messageTimeoutMs - 250));
    const makeComponent = opts.createComponent ?? createComponentEntity;
    const makeClient = opts.createClient ?? createClientEntity;
    x.components.forEach((c, i) => this.addLink('component', c.domain.toLowerCase(), `component ${c.domain}`, `xmpp.components[${i}] (service, domain, secret)`, () => makeComponent(c)));
    x.clients.forEach((c, i) => {
      const bare = c.jid.split('/')[0]!.toLowerCase();
      this.addLink('client', bare, `client ${bare}`, `xmpp.clients[${i}] (service, jid, password)`, () => makeClient(c), servedBy(bare));
    });
    this.presence = new XmppPresence({
      ctx,
      gatewayDomains: this.gatewayDomains,
      maxForwards: config.gateway.maxForwards,
      subscriptionSeconds: config.presence.maxExpires,
      send: (p, origin) => this.sendPresence(p, origin),
    });
    this.relay = new HolderRelay(ctx, {
      message: (op) => this.sendMessageHere(op),
      presence: (p, origin) => this.sendPresenceHere(p, origin),
    }, config.gateway.messageTimeoutMs);
  }

  private addLink(kind: 'component' | 'client', domain: string, name: string, configPath: string, create: () => XmppEntity, serves?: Address): void {
    const entry: LinkEntry = {
      kind, domain, online: false, ...(serves ? { serves } : {}),
      link: new XmppLink({
        name, configPath,
        // The one place IQs are answered (disco.ts: xmpp.js's own IQ handler answers too).
        create: () => installIqAnswers(create(), () => (kind === 'component' ? this.gatewayDomains : [domain.slice(domain.indexOf('@') + 1)])),
        log: this.ctx.log,
        onStanza: (el) => this.track(this.onStanza(entry, el)),
        onState: (online, reason) => {
          entry.online = online;
          entry.reason = reason;
          // RFC 6121 4.2: a client is not available (and gets no messages sent to its bare JID)
          // until it sends initial presence.
          if (online && kind === 'client') this.track(entry.link.send(xml('presence')));
          this.reportReadiness();
        },
        ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      }),
    };
    this.links.push(entry);
  }

  /**
   * /readyz: a standby (another instance holds the component's lease) counts as ready, because
   * what it is asked to send toward XMPP goes through the holder (relay.ts); a component nobody
   * holds, or whose holder is reconnecting here, does not.
   */
  private reportReadiness(): void {
    if (this.stopped) return;
    const down = this.links.filter((l) => !l.online && !isStandby(l, this.ctx.instanceId));
    const reason = down.length === 0 ? undefined : down.map((l) => l.reason ?? `${l.kind} ${l.domain} not connected`).join('; ');
    // Leases report after every poll; only a change is worth a log line.
    const key = reason ?? '';
    if (this.lastReadiness === key) return;
    this.lastReadiness = key;
    this.ctx.setReady(reason === undefined, reason);
  }

  private track<T>(p: Promise<T>): void {
    this.inflight.add(p);
    p.catch((err: unknown) => this.ctx.log.error({ err }, 'XMPP stanza handling failed')).finally(() => this.inflight.delete(p));
  }

  /** Each component: whether this instance holds its connection now, and who holds its lease. */
  components(): Array<{ domain: string; connected: boolean; holder?: string }> {
    return this.links.filter((l) => l.kind === 'component').map((l) => {
      const holder = l.lease?.holder;
      return { domain: l.domain, connected: l.link.online, ...(holder !== undefined ? { holder } : {}) };
    });
  }

  async start(): Promise<void> {
    if (this.links.length === 0) throw new SwitchboardError('bad-request', 'xmpp: no components and no clients configured');
    this.ctx.setReady(false, 'xmpp: connecting');
    this.lastReadiness = 'xmpp: connecting';
    await this.relay.start();
    // A refused secret or password stops start() with the error naming the setting. Components
    // connect only under their lease; a standby keeps polling for it.
    await Promise.all(this.links.map((l) => {
      if (l.kind === 'client') return l.link.start();
      l.lease = leaseLink(l, {
        state: this.ctx.state, owner: this.ctx.instanceId, log: this.ctx.log.child({ component: l.domain }),
        ...(this.opts.lease ? { timing: this.opts.lease } : {}),
        onChange: () => this.reportReadiness(),
      });
      return l.lease.start();
    }));
    this.reportReadiness();
    const every = this.opts.refreshIntervalMs ?? Math.min(60_000, Math.max(1000, (this.config.presence.maxExpires * 1000) / 6));
    // The refresh sweep reads shared state; one instance runs it: one holding a link.
    this.refreshTimer = setInterval(() => { if (this.links.some((l) => l.link.online)) this.track(this.presence.refreshDue()); }, every);
    this.refreshTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    await Promise.all(this.links.map((l) => l.lease?.stop()));
    // Finish in-flight work (bounded), then close the streams.
    await withTimeout(Promise.allSettled([...this.inflight]), 2000, 'in-flight stanzas').catch(() => undefined);
    for (const p of this.pending.values()) p.finish({ status: 'indeterminate', reason: 'the XMPP adapter stopped before an answer came' });
    this.pending.clear();
    this.windows.clear();
    await Promise.all(this.links.map((l) => l.link.stop()));
    // Given back only once the stream is closed, so the next holder does not meet a <conflict/>.
    await Promise.all(this.links.map((l) => l.lease?.release()));
    await this.relay.stop();
  }

  /** The link a stanza from this gateway-side address leaves on. */
  private linkFor(from: Address): LinkEntry | undefined {
    const client = this.links.find((l) => l.kind === 'client' && l.serves && addressKey(l.serves) === addressKey({ local: from.local, domain: from.domain }));
    if (client) return client;
    const domain = componentFor(from, this.gatewayDomains);
    return this.links.find((l) => l.kind === 'component' && l.domain === domain);
  }

  private async sendPresence(p: OutPresence, origin: Address): Promise<void> {
    const entry = this.linkFor(origin);
    const remote = entry && await remoteHolder(entry, this.ctx.instanceId);
    if (remote) {
      if (remote.holder === undefined) throw new SwitchboardError('service-unavailable', `no instance holds XMPP component ${entry.domain}`);
      return this.relay.sendPresence(remote.holder, p, origin);
    }
    return this.sendPresenceHere(p, origin);
  }

  /** Sends on this instance's own link (never relays: a relayed request must not travel on). */
  private async sendPresenceHere(p: OutPresence, origin: Address): Promise<void> {
    const entry = this.linkFor(origin);
    if (!entry) throw new SwitchboardError('service-unavailable', `no XMPP link serves ${addressKey(origin)}`);
    // A component writes text (as messages do); a client sends an element for its stream management.
    if (entry.kind === 'component') {
      await entry.link.sendText(presenceToXml(p));
      return;
    }
    // A client link can only send as itself: the server stamps its own JID (RFC 6120 8.1.2.1).
    await entry.link.send(buildPresence({ ...p, from: entry.link.jid ?? p.from }));
  }

  private newStanzaId(preferred: string): string {
    const ok = preferred.length > 0 && preferred.length <= 128 && /^[\x21-\x7e]+$/.test(preferred) && !this.pending.has(preferred);
    return ok ? preferred : `sb-${randomUUID()}`;
  }

  /**
   * Sends a message; from a standby instance through the lease holder, and failing fast with
   * service-unavailable when no instance holds the component.
   */
  sendMessage(op: MessageOp): Promise<Outcome> {
    const entry = this.linkFor(op.from);
    // This instance holds the link (or nothing is leased): no store call, no extra promise hop.
    if (!entry || !entry.lease || entry.lease.held) return this.sendMessageHere(op);
    return this.sendMessageViaHolder(entry, op);
  }

  private async sendMessageViaHolder(entry: LinkEntry, op: MessageOp): Promise<Outcome> {
    const remote = await remoteHolder(entry, this.ctx.instanceId);
    if (remote) {
      if (remote.holder === undefined) return failed('service-unavailable', `no instance holds XMPP component ${entry.domain}`);
      return this.relay.sendMessage(remote.holder, op);
    }
    return this.sendMessageHere(op);
  }

  /**
   * Sends on this instance's own link. Not async: the caller gets the wait's own promise, so a
   * message in its 250 ms window costs no async frame and no promise hops (router.ts route).
   */
  private sendMessageHere(op: MessageOp): Promise<Outcome> {
    const entry = this.linkFor(op.from);
    if (!entry) return Promise.resolve(failed('service-unavailable', `no XMPP component or client account can send for ${addressKey(op.from)}`));
    if (!entry.link.online) return Promise.resolve(failed('service-unavailable', `XMPP ${entry.kind} ${entry.domain} is not connected`));
    const id = this.newStanzaId(op.id);
    const wantReceipt = op.deliveryNotification === true;
    let out;
    // A component writes the stanza as text (wire.ts messageToXml: no element tree); a client
    // sends an element, which its stream management counts (XmppLink.sendText).
    let stanza: string | Element;
    try {
      const fromJid = entry.kind === 'client' ? entry.link.jid : undefined;
      out = messageFromCanonical(op, { gatewayDomains: this.gatewayDomains, id, requestReceipt: wantReceipt, ...(fromJid ? { fromJid } : {}) });
      stanza = entry.kind === 'component' ? messageToXml(out) : buildMessage(out);
    } catch (err) {
      if (err instanceof SwitchboardError || err instanceof WireError) {
        return Promise.resolve(failed(err instanceof SwitchboardError ? err.code : 'bad-request', err.message));
      }
      return Promise.reject(err);
    }
    const waiting = this.awaitOutcome(id, out.to.split('/')[0]!.toLowerCase(), wantReceipt);
    if (entry.kind === 'client') this.rememberSent(id);
    (typeof stanza === 'string' ? entry.link.sendText(stanza) : entry.link.send(stanza)).catch((err: unknown) => waiting.finish(failed('service-unavailable', err instanceof Error ? err.message : String(err))));
    return waiting.outcome;
  }

  /**
   * Registers a sent message's wait for its answer. Kept apart from sendMessage so that what waits
   * (for the window, often hundreds of messages at once) holds the id and the addressee only, not
   * the operation or the built stanza.
   */
  private awaitOutcome(id: string, bareTo: string, wantReceipt: boolean): { outcome: Promise<Outcome>; finish: (o: Outcome) => void } {
    let finish!: (o: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => {
      // RFC 3860 3.4.1: without a receipt the far side gives "no authoritative indication": the
      // outcome is indeterminate unless a stanza error arrives within the window.
      const wait = wantReceipt ? this.receiptWaitMs : this.errorWindowMs;
      const window = this.windows.after(wait, () => finish({
        status: 'indeterminate',
        reason: wantReceipt ? `no XEP-0184 receipt within ${wait} ms` : 'sent; XMPP reports no delivery without a receipt (RFC 3860 3.4.1)',
      }));
      const done = (o: Outcome): void => {
        if (this.pending.get(id)?.finish !== done) return;
        this.pending.delete(id);
        window.cancel();
        resolve(o);
      };
      finish = done;
      this.pending.set(id, { bareTo, finish: done });
    });
    return { outcome, finish };
  }

  private rememberSent(id: string): void {
    this.sentIds.add(id);
    if (this.sentIds.size > ECHO_MEMORY) this.sentIds.delete(this.sentIds.values().next().value as string);
  }

  async sendNotify(op: NotifyOp): Promise<Outcome> {
    try {
      return await this.presence.sendNotify(op);
    } catch (err) {
      return failed(err instanceof SwitchboardError ? err.code : 'remote-error', err instanceof Error ? err.message : String(err));
    }
  }

  async sendSubscribe(op: SubscribeOp): Promise<SubscribeResult> {
    try {
      return await this.presence.sendSubscribe(op);
    } catch (err) {
      return { outcome: failed(err instanceof SwitchboardError ? err.code : 'remote-error', err instanceof Error ? err.message : String(err)) };
    }
  }

  private async onStanza(entry: LinkEntry, el: Element): Promise<void> {
    if (this.stopped) return;
    // Client mode: what comes from the account itself (self-presence, carbons) is an echo.
    if (entry.kind === 'client' && el.name !== 'iq' && (el.attrs.from ?? '').split('/')[0]!.toLowerCase() === entry.domain) return;
    // Wire dumps only at trace level, truncated (STYLE "Logging").
    this.ctx.log.trace({ link: entry.domain, stanza: el.toString().slice(0, 2000) }, 'xmpp stanza in');
    if (el.name === 'message') return handleInboundMessage(this.inbound, entry, el);
    if (el.name === 'presence') {
      const isError = el.attrs.type === 'error';
      try {
        const p = readPresence(el);
        if (entry.kind === 'client' && p.to !== undefined) {
          // A client account stands for one gateway-side address.
          return await this.presence.onPresence({ ...p, to: this.clientTarget(entry, p.to) });
        }
        return await this.presence.onPresence(p);
      } catch (err) {
        if (isError) return;
        const msg = err instanceof Error ? err.message : String(err);
        this.ctx.log.warn({ err: msg }, 'presence refused');
        await this.safeSend(entry, buildErrorReply({ name: 'presence', ...attrsOf(el) }, err instanceof WireError ? err.condition : 'bad-request', 'modify', msg));
      }
      return;
    }
    // IQs are answered where the entity is made (installIqAnswers), exactly once.
  }

  /** In client mode, stanzas to the account are for the address it serves, as a pseudo-JID. */
  private clientTarget(entry: LinkEntry, _to: string): string {
    return entry.serves ? `${entry.serves.local}@${entry.serves.domain}` : entry.domain;
  }

  private async safeSend(entry: LinkEntry, el: Element): Promise<void> {
    try {
      await entry.link.send(el);
    } catch (err) {
      this.ctx.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not answer a stanza');
    }
  }

}

/** The address a client account stands for: an account named `user%domain` bridges user@domain. */
function servedBy(bareJid: string): Address | undefined {
  try {
    const a = parseJid(bareJid);
    const u = unescapeForeign(a, a.domain);
    return { local: u.local, domain: u.domain.toLowerCase() };
  } catch {
    return undefined;
  }
}
