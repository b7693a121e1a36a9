/**
 * Every default in one frozen object. `npm start` with no config file runs on exactly these: an
 * in-memory store and the JSON protocol on 127.0.0.1:8080 serving the domain `localhost`.
 */

/** Deep-freezes a plain value so no caller can change the defaults by accident. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** The JSON domain when none is configured: addresses look like alice@localhost. */
export const DEFAULT_JSON_DOMAIN = 'localhost';

export const DEFAULTS = deepFreeze({
  gateway: {
    /** Shared by every instance of a deployment; name yours in production. */
    id: 'switchboard.local',
    maxForwards: 70,
    messageTimeoutMs: 10_000,
    dedupeTtlSeconds: 86_400,
  },
  store: { kind: 'memory' },
  domains: { [DEFAULT_JSON_DOMAIN]: 'json' },
  presence: { defaultExpires: 3600, minExpires: 60, maxExpires: 86_400 },
  log: { level: 'info' },
  json: {
    listen: '127.0.0.1:8080',
    accounts: [],
    heartbeatSeconds: 30,
    maxBodyBytes: 1_048_576,
  },
  /** DNS lookup of unknown domains; `enabled` defaults to "sip or xmpp is configured". */
  resolver: { timeoutMs: 2000, cacheSeconds: 300, negativeCacheSeconds: 60, maxEntries: 1000 },
  /** Applied only when the file has a `sip:` section. */
  sip: { listen: {} },
  /** Applied only when the file has an `xmpp:` section. */
  xmpp: { components: [], clients: [] },
} as const);

/** Sections that exist only when the user writes them (their defaults fill in missing keys). */
export const OPTIONAL_SECTIONS: readonly string[] = Object.freeze(['sip', 'xmpp']);

/** Mappings the user's value replaces whole instead of merging into the defaults. */
export const REPLACED_PATHS: readonly string[] = Object.freeze(['domains', 'store']);
