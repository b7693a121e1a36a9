/**
 * Address parts shared by the URI and JID forms: the Address type, limits, domain and local-part
 * checks, and the canonical key. Helpers exported here are internal to canonical/address*.ts;
 * everything public is re-exported by canonical/address.ts. Pure: no I/O.
 */
import { ParseError } from './errors';

/**
 * The canonical address: an identity as user@domain (unescaped: the real local part), with an
 * optional XMPP resource. This is what routing, access rules and stores key on.
 */
export interface Address {
  readonly local: string;
  readonly domain: string;
  readonly resource?: string;
}

/** URI schemes an Address can be written in. */
export type UriScheme = 'im' | 'pres' | 'sip' | 'sips';

/** RFC 7622 3.1: "MUST NOT be zero octets in length and MUST NOT be more than 1023 octets". */
export const MAX_PART_BYTES = 1023;
/** Bound on any address text we parse (a URI with parameters, a JID with resource). */
export const MAX_ADDRESS_CHARS = 4096;

/**
 * RFC 3261 8.1.1.3: a UAC hiding its identity uses "a syntactically correct, but otherwise
 * meaningless URI (like sip:thisis@anonymous.invalid)".
 */
export const ANONYMOUS: Address = Object.freeze({ local: 'anonymous', domain: 'anonymous.invalid' });

export const fail = (message: string, where = 'address'): never => {
  throw new ParseError(message, where, 'address-malformed');
};
export const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
export const utf8 = new TextEncoder();
export const utf8Strict = new TextDecoder('utf-8', { fatal: true });
/**
 * UTF-8 length of a string, as TextEncoder would encode it (a lone surrogate becomes U+FFFD, 3
 * bytes), counted without encoding: it runs on every address part of every message.
 */
export function byteLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Parts

/** Controls (C0, DEL, C1) and lone surrogates: allowed in no address scheme (RFC 7247 6.1). */
// With the u flag a surrogate pair is one code point, so the surrogate range matches lone halves only.
// eslint-disable-next-line no-control-regex
export const BAD_CODE_POINT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

export function checkText(s: string, what: string): void {
  if (s === '') fail(`${what} is empty`, what);
  if (BAD_CODE_POINT.test(s)) fail(`${what} ${show(s)} contains a control character or a lone surrogate`, what);
  if (byteLength(s) > MAX_PART_BYTES) fail(`${what} is longer than ${MAX_PART_BYTES} bytes`, what);
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const IPV6_REF = /^\[[0-9a-f:.]{2,45}\]$/;

/**
 * A domain as the canonical form wants it: lower-cased ASCII; one trailing dot removed (RFC 3261
 * `hostname` allows it; RFC 7622 3.2 says a trailing dot is not part of the domainpart).
 * @throws ParseError (code address-malformed) naming the fault.
 */
export function normalizeDomain(raw: string): string {
  const known = normalized.get(raw);
  if (known !== undefined) return known;
  const d = normalizeDomainUncached(raw);
  // Few distinct domains, met on every message and every watcher of a fan-out: remembered, and
  // bounded (forgotten all at once when full; refusals are never remembered).
  if (normalized.size >= NORMALIZED_MAX) normalized.clear();
  normalized.set(raw, d);
  return d;
}

const NORMALIZED_MAX = 4096;
const normalized = new Map<string, string>();

function normalizeDomainUncached(raw: string): string {
  if (raw === '') return fail('domain is empty', 'domain');
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(raw)) {
    return fail(`domain ${show(raw)} is not ASCII: internationalized domains must be given in A-label (xn--) form`, 'domain');
  }
  let d = raw.toLowerCase();
  if (d.endsWith('.') && d.length > 1) d = d.slice(0, -1);
  if (d.length > 253) return fail(`domain is longer than 253 characters`, 'domain');
  if (IPV4.test(d)) return d;
  if (d.startsWith('[')) {
    if (!IPV6_REF.test(d) || !d.includes(':')) return fail(`domain ${show(raw)} is not a valid IPv6 reference`, 'domain');
    return d;
  }
  const labels = d.split('.');
  for (const l of labels) {
    if (!LABEL.test(l)) return fail(`domain ${show(raw)} has an invalid label ${show(l)} (letters, digits, inner '-'; 1-63 chars)`, 'domain');
  }
  // RFC 3261 25.1: toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
  if (!/^[a-z]/.test(labels[labels.length - 1] ?? '')) return fail(`domain ${show(raw)}: the last label must start with a letter`, 'domain');
  return d;
}

export function checkLocal(local: string): void {
  checkText(local, 'local part');
}

export function checkResource(resource: string | undefined): void {
  if (resource !== undefined) checkText(resource, 'resource');
}

/** Validate an Address built elsewhere; returns it with the domain normalized. */
export function validAddress(a: Address): Address {
  checkLocal(a.local);
  checkResource(a.resource);
  const domain = normalizeDomain(a.domain);
  return a.resource === undefined ? { local: a.local, domain } : { local: a.local, domain, resource: a.resource };
}

// ---------------------------------------------------------------------------------------------
// Canonical key

/** Canonical "local@domain" (domain lower-cased, no resource): the key for stores and routing. */
export function addressKey(a: Address): string {
  const v = validAddress(a);
  return `${v.local}@${v.domain}`;
}

/**
 * Inverse of {@link addressKey}. The domain cannot contain '@', so the LAST '@' splits (the local
 * part may hold '@', as "user@host@example.com" in XEP-0106 example 8 unescapes to).
 */
export function parseAddressKey(s: string): Address {
  if (s.length > MAX_ADDRESS_CHARS) fail(`address is longer than ${MAX_ADDRESS_CHARS} characters`);
  const at = s.lastIndexOf('@');
  if (at < 0) fail(`address ${show(s)} has no '@'`);
  const local = s.slice(0, at);
  checkLocal(local);
  return { local, domain: normalizeDomain(s.slice(at + 1)) };
}
