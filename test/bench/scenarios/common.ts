/** Names, secrets and the gateway config shared by the message and presence scenarios. */
import type { BenchOptions } from '../types';

export const BENCH = {
  gatewayId: 'bench.example.test',
  xmppHost: 'example.test',
  sipDomain: 'sip.example.test',
  jsonDomain: 'api.example.test',
  /** The baseline's raw component domain on the same Prosody. */
  rawDomain: 'raw.example.test',
  secret: 'bench-component-secret',
  password: 'bench-password',
} as const;

export interface GatewayPorts {
  readonly sipPort?: number;
  /** Where the gateway sends SIP requests (SIPp UAS sink). */
  readonly sipOutboundPort?: number;
  readonly componentPort?: number;
}

/** The gateway config as users write it (YAML keys, issue 3/4/5), for the bench topology. */
export function gatewayConfig(o: BenchOptions, redisUrl: string, p: GatewayPorts, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    gateway: { id: BENCH.gatewayId },
    store: { kind: 'redis', url: redisUrl },
    domains: { [BENCH.xmppHost]: 'xmpp', [BENCH.sipDomain]: 'sip', [BENCH.jsonDomain]: 'json' },
    log: { level: o.logLevel },
    ...(p.sipPort !== undefined ? {
      sip: {
        domain: BENCH.sipDomain,
        listen: { udp: `127.0.0.1:${p.sipPort}`, tcp: `127.0.0.1:${p.sipPort}` },
        ...(p.sipOutboundPort !== undefined ? { outboundProxy: `sip:127.0.0.1:${p.sipOutboundPort}` } : {}),
      },
    } : {}),
    ...(p.componentPort !== undefined ? {
      xmpp: { components: [{ service: `xmpp://127.0.0.1:${p.componentPort}`, domain: BENCH.sipDomain, secret: BENCH.secret }] },
    } : {}),
    ...extra,
  };
}
