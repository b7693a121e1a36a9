/** Names and secrets shared by the message and presence scenarios. */
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
