/**
 * Strict URI grammar for SIP: SIP-URI/SIPS-URI per RFC 3261 section 25.1 and a generic
 * absoluteURI check (RFC 2396) for other schemes, which SIP allows in To/From/Contact.
 * Pure: no I/O.
 */
import { bad } from './wire-error';

/** A parsed sip:/sips: URI. `user` is percent-decoded; `raw` keeps the text as received. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** Percent-decoded user part, or undefined when the URI has none. */
  readonly user?: string;
  readonly password?: string;
  /** Host as written (lower-cased: hostnames are case-insensitive, RFC 3261 19.1.4). */
  readonly host: string;
  readonly port?: number;
  /** uri-parameters; a parameter without value maps to ''. Names lower-cased. */
  readonly params: Readonly<Record<string, string>>;
  /** Headers component (`?a=b&c=d`), raw. */
  readonly headers?: string;
  readonly raw: string;
}

const ESC = '%[0-9A-Fa-f]{2}';
const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,;?/]|${ESC})+$`);
const PASSWORD_RE = new RegExp(`^(?:[${UNRESERVED}&=+$,]|${ESC})*$`);
const PARAM_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/:&+$]|${ESC})+$`);
const HNV_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${ESC})*$`);
const HNAME_RE = new RegExp(`^(?:[${UNRESERVED}\\[\\]/?:+$]|${ESC})+$`);
const HOSTNAME_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/;
const IPV4_RE = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
/** RFC 2396 uric (reserved / unreserved / escaped) plus '#' fragments are not allowed in SIP. */
const URIC_RE = new RegExp(`^(?:[${UNRESERVED};/?:@&=+$,\\[\\]]|${ESC})+$`);

/** True for hostname / IPv4address / IPv6reference (RFC 3261 25.1 `host`). */
export function isHost(s: string): boolean {
  const c0 = s.charCodeAt(0);
  if (c0 === 0x5b) return IPV6_RE.test(s);
  return (c0 >= 0x30 && c0 <= 0x39 && IPV4_RE.test(s)) || isHostname(s);
}

const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) ALNUM[c] = 1;
const isAlnum = (c: number): boolean => c < 128 && ALNUM[c] === 1;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * RFC 3261 25.1: hostname = *( domainlabel "." ) toplabel [ "." ]; domainlabel = alphanum /
 * alphanum *( alphanum / "-" ) alphanum; toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum.
 * HOSTNAME_RE by a loop over the characters (the regex was 2% of the parse); a unit test holds
 * the two equal on generated input.
 */
export function isHostname(s: string): boolean {
  const n = s.length;
  const end = n > 0 && s.charCodeAt(n - 1) === 0x2e ? n - 1 : n;
  if (end === 0) return false;
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i < end && s.charCodeAt(i) !== 0x2e) continue;
    // A label is s[start, i).
    if (i === start) return false;
    const first = s.charCodeAt(start);
    if (!isAlnum(first) || !isAlnum(s.charCodeAt(i - 1))) return false;
    if (i === end && !isAlpha(first)) return false;
    for (let j = start + 1; j < i - 1; j++) {
      const c = s.charCodeAt(j);
      if (c !== 0x2d && !isAlnum(c)) return false;
    }
    start = i + 1;
  }
  return true;
}

/** The regex isHostname implements (kept for the unit test that holds them equal). */
export const HOSTNAME_PATTERN = HOSTNAME_RE;

export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** The scheme of a URI, lower-cased, or throws. */
export function uriScheme(s: string): string {
  const i = s.indexOf(':');
  // Most URIs are sip: (any case): answered without a substring and a regex.
  if (i === 3 && (s.charCodeAt(0) | 0x20) === 0x73 && (s.charCodeAt(1) | 0x20) === 0x69 && (s.charCodeAt(2) | 0x20) === 0x70) return 'sip';
  const scheme = i > 0 ? s.slice(0, i) : '';
  if (!SCHEME_RE.test(scheme)) throw bad(`URI ${clip(s)} has no valid scheme`);
  return scheme.toLowerCase();
}

/** Checks an absoluteURI of any scheme (RFC 2396 3): scheme ":" 1*uric. */
export function checkAbsoluteUri(s: string): void {
  const scheme = uriScheme(s);
  const rest = s.slice(scheme.length + 1);
  if (!URIC_RE.test(rest)) throw bad(`URI ${clip(s)} contains characters a URI may not hold`);
}

/**
 * Parses a sip:/sips: URI strictly. `inRequestLine` refuses a headers component: RFC 3261 19.1.1
 * table 1 lists "headers" as not allowed in the Request-URI.
 */
export function parseSipUri(s: string, opts: { inRequestLine?: boolean; allowHeaders?: boolean } = {}): SipUri {
  // By index over `s` (no substring per step); the value has one shape whatever is present.
  const colon = s.indexOf(':');
  const scheme = colon === 3 || colon === 4 ? sipScheme(s, colon) : undefined;
  if (scheme === undefined) throw bad(`URI ${clip(s)} is not a sip: or sips: URI`);
  const b = colon + 1;
  let e = s.length;
  let headers: string | undefined;
  const q = s.indexOf('?', b);
  const at = s.indexOf('@', b);
  // '?' may appear in the user part (user-unreserved), so look for it only after the '@'.
  const qAfter = q >= 0 && (at < 0 || q > at) ? q : (at >= 0 ? s.indexOf('?', at) : -1);
  if (qAfter >= 0) {
    headers = s.slice(qAfter + 1);
    e = qAfter;
    if (opts.inRequestLine) throw bad('Request-URI contains escaped headers (RFC 3261 19.1.1: not allowed in a Request-URI)');
    if (opts.allowHeaders === false) throw bad(`URI ${clip(s)} has a headers component, which requires <> around it`);
    for (const h of headers.split('&')) {
      const eq = h.indexOf('=');
      if (eq < 0 || !HNAME_RE.test(h.slice(0, eq)) || !HNV_RE.test(h.slice(eq + 1))) throw bad(`URI ${clip(s)} has a malformed header component`);
    }
  }
  // `at`, when present, lies before the headers (qAfter is after it).
  if (at >= 0) {
    const at2 = s.indexOf('@', at + 1);
    if (at2 >= 0 && at2 < e) throw bad(`URI ${clip(s)} has more than one '@'`);
  }
  let user: string | undefined;
  let password: string | undefined;
  let hb = b;
  if (at >= 0) {
    // The user part may contain ';' and ':' only in the password; split the password at the first ':'.
    const pc = s.indexOf(':', b);
    const ue = pc >= 0 && pc < at ? pc : at;
    const u = s.slice(b, ue);
    if (!USER_RE.test(u)) throw bad(`URI ${clip(s)} has a malformed user part`);
    user = decodePercent(u);
    if (ue < at) {
      const p = s.slice(ue + 1, at);
      if (!PASSWORD_RE.test(p)) throw bad(`URI ${clip(s)} has a malformed password`);
      password = decodePercent(p);
    }
    hb = at + 1;
  }
  let semi = s.indexOf(';', hb);
  if (semi >= e) semi = -1;
  const hostport = s.slice(hb, semi >= 0 ? semi : e);
  const { host, port } = splitHostPort(hostport, s);
  const params: Record<string, string> = {};
  if (semi >= 0) {
    for (const p of s.slice(semi + 1, e).split(';')) {
      const eq = p.indexOf('=');
      const name = eq >= 0 ? p.slice(0, eq) : p;
      const value = eq >= 0 ? p.slice(eq + 1) : '';
      if (!PARAM_RE.test(name) || (eq >= 0 && !PARAM_RE.test(value))) throw bad(`URI ${clip(s)} has an empty or malformed parameter`);
      params[decodePercent(name).toLowerCase()] = decodePercent(value);
    }
  }
  // The host passed isHost: ASCII, so folding only its A-Z is toLowerCase.
  return { scheme, user, password, host: lowerHost(host), port, params, headers, raw: s };
}

function lowerHost(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/** 'sip' or 'sips' (any case) for s[0, colon), else undefined. */
function sipScheme(s: string, colon: number): 'sip' | 'sips' | undefined {
  if ((s.charCodeAt(0) | 0x20) !== 0x73 || (s.charCodeAt(1) | 0x20) !== 0x69 || (s.charCodeAt(2) | 0x20) !== 0x70) return undefined;
  if (colon === 3) return 'sip';
  return (s.charCodeAt(3) | 0x20) === 0x73 ? 'sips' : undefined;
}

/** hostport = host [ ":" port ], strict. */
export function splitHostPort(hostport: string, whole: string = hostport): { host: string; port?: number } {
  let host = hostport;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (close < 0 || (after !== '' && !after.startsWith(':'))) throw bad(`malformed IPv6 reference in ${clip(whole)}`);
    if (after) portText = after.slice(1);
  } else {
    const c = hostport.indexOf(':');
    if (c >= 0) { host = hostport.slice(0, c); portText = hostport.slice(c + 1); }
  }
  if (!isHost(host)) throw bad(`malformed host ${clip(host)} in ${clip(whole)}`);
  if (portText === undefined) return { host };
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) throw bad(`malformed port in ${clip(whole)}`);
  return { host, port: Number(portText) };
}

/** Percent-decodes as UTF-8; invalid UTF-8 sequences are kept as escapes rather than guessed. */
export function decodePercent(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9A-Fa-f]{2})/g, (m, h: string) => (parseInt(h, 16) < 0x80 ? String.fromCharCode(parseInt(h, 16)) : m));
  }
}

/** Percent-encodes a user part: everything outside unreserved / user-unreserved minus ';?/' . */
export function encodeUser(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9\-_.!~*'()&=+$,]$/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function clip(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '...' : s);
}
