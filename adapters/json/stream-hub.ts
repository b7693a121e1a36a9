/**
 * The WebSocket side of the JSON adapter: live sockets per user, heartbeats, the online registry
 * shared by every instance (in AdapterState, with TTLs refreshed by the heartbeat), and the relay
 * of frames to sockets held by another instance (request/reply over the Bus, bounded wait).
 *
 * RFC 2779 3.2.4: "The protocol MUST provide a mechanism for detecting when a PRESENTITY or
 * SUBSCRIBER has gone OUT OF CONTACT." 3.2.5: it "MUST NOT depend on a PRESENTITY or SUBSCRIBER
 * gracefully telling the service" -- so a silent socket (no pong within the heartbeat) counts too.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { addressKey } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import type { AdapterContext, Log } from '../../canonical/adapter';
import { DELIVERED, failed, type Outcome } from '../../canonical/operations';
import { sourceKeyOf } from './to-canonical';

interface Client {
  readonly ws: WebSocket;
  readonly address: Address;
  readonly key: string;
  lastPong: number;
}

interface RelayRequest { t: 'req'; rid: string; from: string; to: string; frame: string }
interface RelayReply { t: 'res'; rid: string; delivered: boolean }

export interface StreamHubOptions {
  readonly heartbeatSeconds: number;
  /** Bound on a relay round trip to another instance. */
  readonly relayTimeoutMs: number;
}

const ONLINE = 'online:';
const channelOf = (instanceId: string): string => `json:i:${instanceId}`;
/** Bound on sockets per user on one instance (a client reconnect loop must not exhaust memory). */
export const MAX_SOCKETS_PER_USER = 16;

export class StreamHub {
  private readonly clients = new Map<string, Set<Client>>();
  private readonly pending = new Map<string, (delivered: boolean) => void>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly ctx: AdapterContext, private readonly log: Log, private readonly opts: StreamHubOptions) {}

  private get ttl(): number { return Math.max(2, this.opts.heartbeatSeconds * 2); }
  private onlineKey(key: string): string { return `${ONLINE}${key}:${this.ctx.instanceId}`; }

  async start(): Promise<void> {
    this.unsubscribe = await this.ctx.bus.subscribe(channelOf(this.ctx.instanceId), (m) => { void this.onBus(m); });
    // Ping a third of the heartbeat so one lost ping does not end a healthy client.
    const every = Math.max(500, Math.floor((this.opts.heartbeatSeconds * 1000) / 3));
    this.timer = setInterval(() => { void this.beat(); }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const all = [...this.clients.values()].flatMap((s) => [...s]);
    for (const c of all) c.ws.close(1001, 'gateway shutting down');
    await Promise.all([...this.clients.keys()].map((k) => this.ctx.state.del(this.onlineKey(k)).catch(() => undefined)));
    this.clients.clear();
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
    if (this.unsubscribe) await this.unsubscribe().catch(() => undefined);
  }

  /** Takes an authenticated socket; resolves once the user is registered online. */
  async attach(ws: WebSocket, address: Address): Promise<boolean> {
    const key = addressKey(address);
    let set = this.clients.get(key);
    if (!set) { set = new Set(); this.clients.set(key, set); }
    if (set.size >= MAX_SOCKETS_PER_USER) { ws.close(1008, `more than ${MAX_SOCKETS_PER_USER} streams for one user`); return false; }
    const client: Client = { ws, address, key, lastPong: Date.now() };
    set.add(client);
    ws.on('pong', () => { client.lastPong = Date.now(); });
    ws.on('close', () => { void this.detach(client); });
    ws.on('error', (err) => this.log.debug({ err: err.message, user: key }, 'stream socket error'));
    await this.ctx.state.set(this.onlineKey(key), '1', this.ttl);
    return true;
  }

  private async detach(client: Client): Promise<void> {
    const set = this.clients.get(client.key);
    if (!set || !set.delete(client)) return;
    if (set.size > 0) return;
    this.clients.delete(client.key);
    try {
      await this.ctx.state.del(this.onlineKey(client.key));
      const elsewhere = await this.ctx.state.keys(`${ONLINE}${client.key}:`);
      if (elsewhere.length === 0) {
        this.log.info({ user: client.key }, 'stream client out of contact');
        await this.ctx.services.outOfContact(client.address, sourceKeyOf(client.address));
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message, user: client.key }, 'out-of-contact handling failed');
    }
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    for (const [key, set] of this.clients) {
      for (const c of set) {
        if (now - c.lastPong > this.opts.heartbeatSeconds * 1000) {
          this.log.info({ user: key }, 'stream heartbeat stopped; closing');
          c.ws.terminate(); // emits close -> detach -> out of contact
        } else {
          try { c.ws.ping(); } catch { /* closing */ }
        }
      }
      await this.ctx.state.set(this.onlineKey(key), '1', this.ttl).catch(() => undefined);
    }
  }

  /** Sends a frame to this instance's sockets of `key`; resolves true when at least one took it. */
  sendLocal(key: string, frame: string): Promise<boolean> {
    const set = this.clients.get(key);
    if (!set || set.size === 0) return Promise.resolve(false);
    if (set.size === 1) {
      // The usual case (one stream per user), without the array and the Promise.all.
      const c = set.values().next().value as Client;
      if (c.ws.readyState !== c.ws.OPEN) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => { c.ws.send(frame, (err) => resolve(!err)); });
    }
    return Promise.all([...set].map((c) => new Promise<boolean>((resolve) => {
      if (c.ws.readyState !== c.ws.OPEN) { resolve(false); return; }
      c.ws.send(frame, (err) => resolve(!err));
    }))).then((r) => r.some(Boolean));
  }

  hasLocal(address: Address): boolean {
    return (this.clients.get(addressKey(address))?.size ?? 0) > 0;
  }

  /** Instances other than this one holding a live stream of `address`. */
  async remoteInstances(address: Address): Promise<string[]> {
    const prefix = `${ONLINE}${addressKey(address)}:`;
    const keys = await this.ctx.state.keys(prefix);
    return keys.map((k) => k.slice(prefix.length)).filter((id) => id !== this.ctx.instanceId).slice(0, 32);
  }

  async isOnline(address: Address): Promise<boolean> {
    return this.hasLocal(address) || (await this.remoteInstances(address)).length > 0;
  }

  /**
   * Delivers a frame (an object, or its JSON text) to every live stream of `to`: here, else through the instance holding it.
   * No stream anywhere: 'recipient-offline' (the sender hears of non-delivery: RFC 2779 5.4.1).
   */
  async deliver(to: Address, frame: Record<string, unknown> | string): Promise<Outcome> {
    const key = addressKey(to);
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    if (await this.sendLocal(key, text)) return DELIVERED;
    const others = await this.remoteInstances(to);
    for (const instance of others) {
      if (await this.relay(instance, key, text)) return DELIVERED;
    }
    return failed('recipient-offline', `${key} has no live stream`);
  }

  private relay(instance: string, key: string, frame: string): Promise<boolean> {
    const rid = randomUUID();
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(rid); resolve(false); }, this.opts.relayTimeoutMs);
      this.pending.set(rid, (ok) => { clearTimeout(timer); this.pending.delete(rid); resolve(ok); });
      const req: RelayRequest = { t: 'req', rid, from: this.ctx.instanceId, to: key, frame };
      this.ctx.bus.publish(channelOf(instance), JSON.stringify(req)).catch(() => this.pending.get(rid)?.(false));
    });
  }

  private async onBus(message: string): Promise<void> {
    let m: RelayRequest | RelayReply;
    try { m = JSON.parse(message) as RelayRequest | RelayReply; } catch { return; }
    if (m.t === 'res' && typeof m.rid === 'string') { this.pending.get(m.rid)?.(m.delivered === true); return; }
    if (m.t === 'req' && typeof m.rid === 'string' && typeof m.to === 'string' && typeof m.frame === 'string' && typeof m.from === 'string') {
      const delivered = await this.sendLocal(m.to, m.frame);
      const reply: RelayReply = { t: 'res', rid: m.rid, delivered };
      await this.ctx.bus.publish(channelOf(m.from), JSON.stringify(reply)).catch(() => undefined);
    }
  }
}
