/**
 * Prometheus metrics of one gateway: its own Registry (never prom-client's global one, so two
 * gateways in one process, as in the tests, keep separate counts).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Every routed message by outcome (delivered/failed/indeterminate) and error code. */
  readonly messages: Counter<'outcome' | 'code'>;
  readonly messageSeconds: Histogram<'outcome'>;
  /** Messages answered from the dedupe record instead of being delivered again. */
  readonly duplicates: Counter<string>;
  readonly notifications: Counter<'outcome'>;
  readonly publications: Counter<'result'>;
  readonly subscriptions: Counter<'result'>;
  /** Records ended by expiry: kind subscription or publication. */
  readonly expired: Counter<'kind'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const registers = [registry];
  return {
    registry,
    messages: new Counter({ name: 'switchboard_messages_total', help: 'Messages routed, by outcome and error code', labelNames: ['outcome', 'code'], registers }),
    messageSeconds: new Histogram({
      name: 'switchboard_message_duration_seconds', help: 'Time from receipt to the next hop\'s answer', labelNames: ['outcome'], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    duplicates: new Counter({ name: 'switchboard_message_duplicates_total', help: 'Messages suppressed as duplicates (RFC 2779 5.4.2)', registers }),
    notifications: new Counter({ name: 'switchboard_notifications_total', help: 'Presence notifications sent, by outcome', labelNames: ['outcome'], registers }),
    publications: new Counter({ name: 'switchboard_publications_total', help: 'Presence publications, by result', labelNames: ['result'], registers }),
    subscriptions: new Counter({ name: 'switchboard_subscriptions_total', help: 'Subscription requests, by result', labelNames: ['result'], registers }),
    expired: new Counter({ name: 'switchboard_expired_total', help: 'Records ended by expiry', labelNames: ['kind'], registers }),
  };
}

/**
 * inc() by one label's value, each child made once: prom-client hashes the labels object on every
 * inc({ ... }) otherwise (a fan-out counts 10,000 notifications).
 */
export function countBy<L extends string>(counter: Counter<L>, label: L): (value: string) => void {
  const children = new Map<string, { inc(): void }>();
  return (value) => {
    let c = children.get(value);
    if (!c) {
      c = counter.labels({ [label]: value } as Partial<Record<L, string>>);
      children.set(value, c);
    }
    c.inc();
  };
}
