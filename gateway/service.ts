/**
 * createGateway(): the store, the router, the presence service, accounts and metrics, and one
 * adapter per configured protocol, wired together. Several instances on one Redis behave as one
 * gateway: all state and the Bus live in the store.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Adapter, AdapterFactory, GatewayServices, OpsViews, Readiness } from '../canonical/adapter';
import type { Protocol } from '../canonical/operations';
import { Accounts } from './accounts';
import { ADAPTERS } from './adapter-registry';
import type { GatewayConfig } from './config/types';
import { buildContext, Inflight, ReadinessBoard } from './context';
import { createMetrics } from './metrics';
import { DEFAULT_SWEEP, PresenceService, type SweepOptions } from './presence-service';
import { domainResolverFor } from './resolver';
import { domainTable, Router } from './router';
import { createServices } from './services';
import { MemoryStore } from './store/memory-store';
import { RedisStore } from './store/redis-store';
import type { Store, StoreOptions } from './store/store';

export type { Readiness } from '../canonical/adapter';

export interface Gateway {
  start(): Promise<void>;
  /** Drains in-flight work, stops adapters, closes the store. */
  stop(): Promise<void>;
  readiness(): Promise<Readiness>;
  readonly services: GatewayServices;
  readonly metrics: Registry;
  readonly instanceId: string;
  adapter(p: Protocol): Adapter | undefined;
  /** Set only when this start generated the deployment's admin token (print it once). */
  readonly firstAdminToken?: string;
}

export interface CreateGatewayOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** Adapter factories; default gateway/adapter-registry.ts. */
  readonly factories?: Partial<Record<Protocol, AdapterFactory<GatewayConfig>>>;
  /** Timing knobs for tests and benchmarks (sweep cadence, expiry grace). */
  readonly tuning?: { readonly sweep?: Partial<SweepOptions>; readonly store?: StoreOptions };
}

const PROTOCOLS: readonly Protocol[] = ['json', 'sip', 'xmpp'];
/** Upper bound on draining at stop: in-flight work has at most one next-hop timeout to finish. */
const DRAIN_EXTRA_MS = 2_000;

async function openStore(config: GatewayConfig, opts: StoreOptions | undefined): Promise<Store> {
  return config.store.kind === 'redis' ? RedisStore.connect(config.store.url, opts) : new MemoryStore(opts);
}

export async function createGateway(opts: CreateGatewayOptions): Promise<Gateway> {
  const { config } = opts;
  const instanceId = config.gateway.instanceId ?? `${config.gateway.id}-${randomBytes(4).toString('hex')}`;
  const log = opts.log.child({ instanceId });
  const store = await openStore(config, opts.tuning?.store);
  const metrics = createMetrics({ defaultMetrics: true });
  const readiness = new ReadinessBoard();
  const inflight = new Inflight();
  const ownerOf = domainTable(config.domains);
  const resolveDomain = domainResolverFor(config);
  const adapters = new Map<Protocol, Adapter>();
  const hub = { adapter: (p: Protocol) => adapters.get(p), isReady: (p: Protocol) => readiness.isOk(p) };

  const router = new Router({
    gatewayId: config.gateway.id, messageTimeoutMs: config.gateway.messageTimeoutMs, dedupeTtlSeconds: config.gateway.dedupeTtlSeconds,
    store, hub, ownerOf, ...(resolveDomain ? { resolveDomain } : {}), metrics, log: log.child({ module: 'router' }),
  });
  const presence = new PresenceService(
    { config, store, hub, ownerOf, ...(resolveDomain ? { resolveDomain } : {}), metrics, log: log.child({ module: 'presence' }) },
    store.state('_gw'), { ...DEFAULT_SWEEP, ...opts.tuning?.sweep },
  );
  const accounts = new Accounts(store);
  const services = createServices(store, presence, accounts);
  let firstAdminToken: string | undefined;
  try {
    ({ firstAdminToken } = await accounts.seed(config));
  } catch (err) {
    await store.close();
    throw err;
  }

  const checkReadiness = async (): Promise<Readiness> => {
    try {
      await store.ping();
      readiness.set('store', true);
    } catch (err) {
      readiness.set('store', false, (err as Error).message);
    }
    const checks = readiness.snapshot();
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
  const ops: OpsViews = {
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    readiness: checkReadiness,
  };

  const factories = opts.factories ?? ADAPTERS;
  for (const p of PROTOCOLS) {
    const factory = factories[p];
    if (config[p] === undefined) continue;
    if (!factory) {
      log.warn({ adapter: p }, `the ${p} section is configured but this build has no ${p} adapter; its domains answer service-unavailable`);
      continue;
    }
    readiness.set(p, false, 'not started');
    adapters.set(p, factory(config, buildContext(p, { config, instanceId, store, services, log, router, presence, readiness, inflight, ops, ownerOf })));
  }

  let started = false;
  let stopped = false;
  return {
    instanceId, services, metrics: metrics.registry,
    ...(firstAdminToken !== undefined ? { firstAdminToken } : {}),
    adapter: (p) => adapters.get(p),
    readiness: checkReadiness,
    async start() {
      if (started) return;
      started = true;
      for (const [p, a] of adapters) {
        await a.start();
        // An adapter that reported itself not ready while starting keeps that state.
        if (readiness.snapshot()[p]?.reason === 'not started') readiness.set(p, true);
        log.info({ adapter: p }, 'adapter started');
      }
      presence.startSweeper();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const drained = await inflight.drain(config.gateway.messageTimeoutMs + DRAIN_EXTRA_MS);
      if (!drained) log.warn('stopping with work still in flight');
      await presence.stopSweeper();
      for (const [p, a] of [...adapters].reverse()) {
        try {
          await a.stop();
        } catch (err) {
          log.warn({ err, adapter: p }, 'adapter stop failed');
        }
        readiness.set(p, false, 'stopped');
      }
      await store.close();
    },
  };
}
