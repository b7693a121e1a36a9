/**
 * Builds the AdapterContext each adapter gets: its callbacks into the router and the presence
 * service, its own state namespace in the store, the shared Bus, and readiness and ops views.
 * Every call an adapter makes in is counted as in flight, so stop() can drain them.
 */
import type { AdapterContext, Log, OpsViews } from '../canonical/adapter';
import { failed, type Protocol } from '../canonical/operations';
import type { GatewayConfig } from './config/types';
import type { PresenceService } from './presence-service';
import type { Router } from './router';
import type { GatewayServices } from '../canonical/adapter';
import type { Store } from './store/store';

/** Each check's state for /readyz: the store and every adapter. */
export class ReadinessBoard {
  private readonly checks = new Map<string, { ok: boolean; reason?: string }>();
  set(name: string, ok: boolean, reason?: string): void {
    this.checks.set(name, { ok, ...(reason !== undefined ? { reason } : {}) });
  }
  isOk(name: string): boolean {
    return this.checks.get(name)?.ok === true;
  }
  snapshot(): Record<string, { ok: boolean; reason?: string }> {
    return Object.fromEntries([...this.checks].map(([k, v]) => [k, { ...v }]));
  }
}

/** Work in progress, for a graceful stop; after drain() begins, new work is refused. */
export class Inflight {
  private count = 0;
  private waiters: Array<() => void> = [];
  draining = false;

  /** Counts fn's promise as in flight until it settles (one reaction, no async frame held). */
  track<T>(fn: () => Promise<T>): Promise<T> {
    this.count++;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      this.settled();
      return Promise.reject(err);
    }
    p.then(this.settled, this.settled);
    return p;
  }

  private readonly settled = (): void => {
    if (--this.count === 0) for (const w of this.waiters.splice(0)) w();
  };

  /** Waits until nothing is in flight, or maxMs has passed; true when drained. */
  async drain(maxMs: number): Promise<boolean> {
    this.draining = true;
    if (this.count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((r) => this.waiters.push(() => r(true))),
      new Promise<boolean>((r) => { timer = setTimeout(() => r(false), maxMs); }),
    ]);
    clearTimeout(timer);
    return done;
  }
}

export interface ContextDeps {
  readonly config: GatewayConfig;
  readonly instanceId: string;
  readonly store: Store;
  readonly services: GatewayServices;
  readonly log: Log;
  readonly router: Router;
  readonly presence: PresenceService;
  readonly readiness: ReadinessBoard;
  readonly inflight: Inflight;
  readonly ops: OpsViews;
  readonly ownerOf: (domain: string) => Protocol | undefined;
}

const STOPPING = 'the gateway is shutting down';

export function buildContext(protocol: Protocol, d: ContextDeps): AdapterContext {
  const log = d.log.child({ adapter: protocol });
  return {
    gatewayId: d.config.gateway.id,
    instanceId: d.instanceId,
    bus: d.store.bus,
    services: d.services,
    log,
    state: d.store.state(protocol),
    ownerOf: d.ownerOf,
    deliver: (op) => (d.inflight.draining ? Promise.resolve(failed('service-unavailable', STOPPING)) : d.inflight.track(() => d.router.route(op))),
    subscribe: (op) => (d.inflight.draining ? Promise.resolve({ outcome: failed('service-unavailable', STOPPING) }) : d.inflight.track(() => d.presence.subscribe(op))),
    publish: (op) => (d.inflight.draining ? Promise.resolve({ outcome: failed('service-unavailable', STOPPING) }) : d.inflight.track(() => d.presence.publish(op))),
    notify: (op) => (d.inflight.draining ? Promise.resolve(failed('service-unavailable', STOPPING)) : d.inflight.track(() => d.presence.notify(op))),
    setReady: (ready, reason) => {
      d.readiness.set(protocol, ready, reason);
      log.info({ ready, reason }, ready ? 'adapter ready' : 'adapter not ready');
    },
    ops: d.ops,
  };
}
