/**
 * One XMPP connection (a XEP-0114 component or a client account) kept up with bounded backoff.
 *
 * xmpp.js's own reconnect module retries every second forever, including after the server refused
 * the component secret; this wrapper replaces it: an authentication refusal (stream error
 * <not-authorized/>, SASL failure) or an unknown host is a configuration fault that stops the
 * connection with an error naming the setting; a lost connection is retried with exponential
 * backoff (capped), and the owner hears ready=false meanwhile so /readyz reports it and sends
 * fail fast instead of hanging.
 */
import { StringDecoder } from 'node:string_decoder';
import type { XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import type { Log } from '../../canonical/adapter';
import { TransportError } from '../../canonical/errors';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Time allowed for one connect + stream open + authentication. */
  readonly attemptTimeoutMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: 250, maxMs: 15_000, attemptTimeoutMs: 10_000 });

/** Stream error / SASL conditions that retrying cannot fix. */
const FATAL = new Set(['not-authorized', 'host-unknown', 'improper-addressing', 'invalid-namespace', 'invalid-from', 'credentials-expired', 'account-disabled', 'invalid-mechanism']);

export type LinkState = 'idle' | 'connecting' | 'online' | 'retrying' | 'failed' | 'stopped';

export interface LinkOptions {
  /** Human name for logs and errors, e.g. "component sip.example.test". */
  readonly name: string;
  /** Where the setting lives, named in configuration errors, e.g. "xmpp.components[0].secret". */
  readonly configPath: string;
  readonly create: () => XmppEntity;
  readonly log: Log;
  readonly onStanza: (el: Element) => void;
  readonly onState: (online: boolean, reason?: string) => void;
  readonly backoff?: BackoffOptions;
}

const sleep = (ms: number, signal: { cancelled: boolean; wake?: () => void }): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.wake = () => { clearTimeout(t); resolve(); };
  });

function conditionOf(err: unknown): string | undefined {
  const c = (err as { condition?: unknown } | null)?.condition;
  return typeof c === 'string' ? c : undefined;
}

/** Text stanzas written together at the end of one event-loop turn, on one connection. */
class TextBatch {
  readonly texts: string[] = [];
  /** Settles when the batch has been written (or could not be). */
  readonly written: Promise<void>;
  constructor(readonly entity: XmppEntity, flush: (b: TextBatch) => Promise<void>) {
    this.written = new Promise<void>((resolve, reject) => { setImmediate(() => { flush(this).then(resolve, reject); }); });
  }
}

export class XmppLink {
  private entity: XmppEntity | undefined;
  private _state: LinkState = 'idle';
  private fatal: Error | undefined;
  private stopSignal: { cancelled: boolean; wake?: () => void } = { cancelled: false };
  private loop: Promise<void> | undefined;
  private readonly backoff: BackoffOptions;
  private attempts = 0;
  /** Text stanzas waiting for the end of this event-loop turn (sendText). */
  private batch: TextBatch | undefined;

  constructor(private readonly o: LinkOptions) {
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
  }

  get state(): LinkState { return this._state; }
  get online(): boolean { return this._state === 'online' && this.entity?.status === 'online'; }
  get jid(): string | undefined { return this.entity?.jid?.toString(); }
  /** The configuration fault that stopped the link, if any. */
  get failure(): Error | undefined { return this.fatal; }

  /**
   * Connects. Resolves once online; rejects (and stops) when the server refuses the credentials.
   * When the server cannot be reached the first time, resolves after the first failed attempt and
   * keeps retrying in the background (the owner is told not ready). A stopped link may be started
   * again (a component handed back and forth under the lease, lease.ts).
   */
  async start(): Promise<void> {
    if (this._state !== 'idle' && this._state !== 'stopped') throw new Error(`${this.o.name}: already started`);
    this.stopSignal = { cancelled: false };
    this.fatal = undefined;
    this.attempts = 0;
    this.loop = undefined;
    const first = await this.attempt();
    if (this.fatal) {
      this._state = 'failed';
      throw this.fatal;
    }
    if (!first) this.o.onState(false, `${this.o.name}: not connected yet`);
    this.loop = this.run();
  }

  /**
   * Sends a stanza, or fails at once when the link is not online. Text stanzas of this turn still
   * waiting (sendText) go first, so the stream keeps the order in which stanzas were sent
   * (RFC 6120 10.1, in-order processing).
   */
  async send(el: Element): Promise<void> {
    const e = this.connected();
    const pending = this.batch;
    if (pending?.entity === e) await pending.written;
    await e.send(el);
  }

  /**
   * Sends a stanza already serialized (wire.ts messageToXml) with xmpp.js's Connection.write: no
   * element tree, no toString, no outgoing middleware pass. For component links only: a client
   * link's stream management (XEP-0198) counts outgoing stanzas in that middleware, so a client
   * sends elements (send()).
   *
   * Stanzas sent during one event-loop turn (a burst of SIP datagrams read in one poll phase, the
   * Redis answers that release them) are written together at the end of that turn: setImmediate
   * runs in the same loop iteration, after the poll phase, so nothing waits for a timer. One
   * write system call and one write callback for the burst instead of one per stanza, which cost
   * ~8% of the gateway's CPU at 4,000 msg/s. (An earlier attempt through xmpp.js sendMany raised
   * the median latency from 3 to 18 ms: sendMany awaits each write before the next.) RFC 6120
   * 4.1: a stream is one XML document, so concatenated stanzas are the same bytes on the wire.
   */
  sendText(xmlText: string): Promise<void> {
    let e: XmppEntity;
    try {
      e = this.connected();
    } catch (err) {
      return Promise.reject(err);
    }
    let batch = this.batch;
    if (batch?.entity !== e) batch = this.batch = new TextBatch(e, (b) => this.flush(b));
    batch.texts.push(xmlText);
    return batch.written;
  }

  private async flush(b: TextBatch): Promise<void> {
    if (this.batch === b) this.batch = undefined;
    if (b.entity !== this.entity || !this.online) throw this.notConnected();
    await b.entity.write(b.texts.length === 1 ? b.texts[0]! : b.texts.join(''));
  }

  /** The entity to write on, or a service-unavailable error when the link is not online. */
  private connected(): XmppEntity {
    const e = this.entity;
    if (!e || !this.online) throw this.notConnected();
    return e;
  }

  private notConnected(): TransportError {
    return new TransportError('service-unavailable', `${this.o.name} is not connected (${this.fatal ? this.fatal.message : this._state})`);
  }

  async stop(): Promise<void> {
    this.stopSignal.cancelled = true;
    this.stopSignal.wake?.();
    const prev = this._state;
    this._state = 'stopped';
    const e = this.entity;
    this.entity = undefined;
    if (e) await this.close(e);
    if (this.loop) await this.loop;
    if (prev === 'online') this.o.onState(false, `${this.o.name} stopped`);
  }

  private async close(e: XmppEntity): Promise<void> {
    e.removeAllListeners('status');
    try {
      await withTimeout(e.stop(), 2000, 'stream close timed out');
    } catch { /* already closed, or the server did not answer </stream:stream> in time */ }
    try { e.socket?.destroy(); } catch { /* gone */ }
  }

  /** Keeps the link up until stop() or a fatal refusal. */
  private async run(): Promise<void> {
    while (!this.stopSignal.cancelled && !this.fatal) {
      if (this._state === 'online') {
        await this.waitDisconnect();
        if (this.stopSignal.cancelled) return;
        this.o.log.warn({ link: this.o.name }, 'XMPP connection lost; reconnecting');
        this.o.onState(false, `${this.o.name}: connection lost, reconnecting`);
        this.attempts = 0;
      }
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.attempts, 16));
      const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
      this._state = 'retrying';
      await sleep(jittered, this.stopSignal);
      if (this.stopSignal.cancelled) return;
      await this.attempt();
      const fatal = this.fatal as Error | undefined;
      if (fatal) {
        this._state = 'failed';
        this.o.log.error({ link: this.o.name, err: fatal.message }, 'XMPP connection refused; stopped');
        this.o.onState(false, fatal.message);
        return;
      }
    }
  }

  private waitDisconnect(): Promise<void> {
    return new Promise((resolve) => {
      const e = this.entity;
      if (!e || e.status !== 'online') { resolve(); return; }
      const onStatus = (s: string): void => {
        if (s === 'online') return;
        if (s === 'disconnect' || s === 'offline' || s === 'close') {
          e.removeListener('status', onStatus);
          resolve();
        }
      };
      e.on('status', onStatus);
      this.stopSignal.wake = () => { e.removeListener('status', onStatus); resolve(); };
    });
  }

  /** One connection attempt; true when online. */
  private async attempt(): Promise<boolean> {
    this.attempts++;
    this._state = 'connecting';
    const old = this.entity;
    this.entity = undefined;
    if (old) await this.close(old);
    const e = this.o.create();
    // Our own reconnect loop replaces xmpp.js's (see the file comment).
    e.reconnect?.stop();
    this.decodeUtf8AcrossChunks(e);
    // No Nagle delay: with it, a write that follows an unacknowledged one waits for the server's
    // delayed ACK (up to 40 ms on Linux), which was most of the latency the gateway added.
    e.on('connect', () => { (e as XmppEntity & { socket?: { setNoDelay?: (on: boolean) => void } }).socket?.setNoDelay?.(true); });
    e.on('stanza', (el: Element) => {
      try { this.o.onStanza(el); } catch (err) { this.o.log.error({ err }, 'stanza handler failed'); }
    });
    let lastError: unknown;
    e.on('error', (err: unknown) => {
      lastError = err;
      const cond = conditionOf(err);
      if (cond !== undefined && FATAL.has(cond)) {
        this.fatal = new TransportError('unauthenticated',
          `${this.o.name}: the XMPP server refused us (${cond}${(err as { text?: string }).text ? `: ${(err as { text?: string }).text}` : ''}); check ${this.o.configPath}`);
      }
      this.o.log.debug({ link: this.o.name, err: err instanceof Error ? err.message : String(err) }, 'XMPP connection error');
    });
    this.entity = e;
    try {
      await withTimeout(e.start(), this.backoff.attemptTimeoutMs, `${this.o.name}: no answer within ${this.backoff.attemptTimeoutMs} ms`);
    } catch (err) {
      lastError = lastError ?? err;
    }
    if (!this.fatal && e.status === 'online' && !this.stopSignal.cancelled) {
      this._state = 'online';
      this.attempts = 0;
      this.o.log.info({ link: this.o.name, jid: e.jid?.toString() }, 'XMPP connection online');
      this.o.onState(true);
      return true;
    }
    this.o.log.warn({ link: this.o.name, attempt: this.attempts, err: lastError instanceof Error ? lastError.message : String(lastError) }, 'XMPP connection attempt failed');
    this.entity = undefined;
    await this.close(e);
    return false;
  }

  /**
   * xmpp.js decodes each TCP chunk on its own (`data.toString("utf8")`), which corrupts a
   * multi-byte UTF-8 character split across two chunks; a StringDecoder per socket does not.
   */
  private decodeUtf8AcrossChunks(e: XmppEntity): void {
    let decoder = new StringDecoder('utf8');
    e.on('status', (s: string) => { if (s === 'connecting') decoder = new StringDecoder('utf8'); });
    e._onData = function onData(this: XmppEntity, data: Buffer): void {
      const str = decoder.write(data);
      if (str !== '') this.parser?.write(str);
    };
  }
}

/** Races a promise against a timer that never outlives the race. */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(message)), ms); })]);
  } finally {
    clearTimeout(t);
  }
}
