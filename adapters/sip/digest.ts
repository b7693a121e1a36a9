/**
 * HTTP Digest for SIP (RFC 3261 22.4, RFC 2617 3.2.2): answering a 401/407 challenge to a request
 * the gateway sent, with the configured credentials (sip.credentials). MD5 with qop=auth or none.
 * Pure: no I/O.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm?: string;
  readonly qop?: readonly string[];
}

/** Parses `Digest realm="...", nonce="...", ...`; undefined when not a Digest challenge we can answer. */
export function parseChallenge(value: string): Challenge | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))\s*(?:,|$)/g;
  let p: RegExpExecArray | null;
  let guard = 0;
  while ((p = re.exec(m[1]!)) && guard++ < 32) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  if (params.realm === undefined || params.nonce === undefined) return undefined;
  const algorithm = params.algorithm;
  if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') return undefined;
  return {
    realm: params.realm, nonce: params.nonce,
    ...(params.opaque !== undefined ? { opaque: params.opaque } : {}),
    ...(algorithm !== undefined ? { algorithm } : {}),
    ...(params.qop !== undefined ? { qop: params.qop.split(',').map((q) => q.trim()) } : {}),
  };
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** The Authorization / Proxy-Authorization value for one request. */
export function digestAuthorization(c: Challenge, creds: { username: string; password: string }, method: string, uri: string, opts: { cnonce?: string; nc?: number } = {}): string {
  const ha1 = md5(`${creds.username}:${c.realm}:${creds.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const useQop = c.qop?.includes('auth');
  const nc = (opts.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = opts.cnonce ?? randomBytes(8).toString('hex');
  // RFC 2617 3.2.2.1: request-digest = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)), or without qop KD(H(A1), nonce ":" H(A2)).
  const response = useQop ? md5(`${ha1}:${c.nonce}:${nc}:${cnonce}:auth:${ha2}`) : md5(`${ha1}:${c.nonce}:${ha2}`);
  const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return [
    `Digest username=${q(creds.username)}`, `realm=${q(c.realm)}`, `nonce=${q(c.nonce)}`, `uri=${q(uri)}`, `response=${q(response)}`,
    'algorithm=MD5', ...(c.opaque !== undefined ? [`opaque=${q(c.opaque)}`] : []),
    ...(useQop ? ['qop=auth', `nc=${nc}`, `cnonce=${q(cnonce)}`] : []),
  ].join(', ');
}
