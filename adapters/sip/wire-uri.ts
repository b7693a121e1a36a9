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
  return IPV4_RE.test(s) || HOSTNAME_RE.test(s) || IPV6_RE.test(s);
}

export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** The scheme of a URI, lower-cased, or throws. */
export function uriScheme(s: string): string {
  const i = s.indexOf(':');
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
  const colon = s.indexOf(':');
  const schemeRaw = s.slice(0, colon).toLowerCase();
  if (colon < 0 || (schemeRaw !== 'sip' && schemeRaw !== 'sips')) throw bad(`URI ${clip(s)} is not a sip: or sips: URI`);
  const scheme = schemeRaw as 'sip' | 'sips';
  let rest = s.slice(colon + 1);
  let headers: string | undefined;
  const q = rest.indexOf('?');
  const at = rest.indexOf('@');
  // '?' may appear in the user part (user-unreserved), so look for it only after the '@'.
  const qAfter = q >= 0 && (at < 0 || q > at) ? q : (at >= 0 ? rest.indexOf('?', at) : -1);
  if (qAfter >= 0) {
    headers = rest.slice(qAfter + 1);
    rest = rest.slice(0, qAfter);
    if (opts.inRequestLine) throw bad('Request-URI contains escaped headers (RFC 3261 19.1.1: not allowed in a Request-URI)');
    if (opts.allowHeaders === false) throw bad(`URI ${clip(s)} has a headers component, which requires <> around it`);
    for (const h of headers.split('&')) {
      const eq = h.indexOf('=');
      if (eq < 0 || !HNAME_RE.test(h.slice(0, eq)) || !HNV_RE.test(h.slice(eq + 1))) throw bad(`URI ${clip(s)} has a malformed header component`);
    }
  }
  if (rest.indexOf('@') !== rest.lastIndexOf('@')) throw bad(`URI ${clip(s)} has more than one '@'`);
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, rest.indexOf('@'));
    rest = rest.slice(rest.indexOf('@') + 1);
    // The user part may contain ';' and ':' only in the password; split the password at the first ':'.
    const pc = userinfo.indexOf(':');
    const u = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
    if (!USER_RE.test(u)) throw bad(`URI ${clip(s)} has a malformed user part`);
    user = decodePercent(u);
    if (pc >= 0) {
      const p = userinfo.slice(pc + 1);
      if (!PASSWORD_RE.test(p)) throw bad(`URI ${clip(s)} has a malformed password`);
      password = decodePercent(p);
    }
  }
  const semi = rest.indexOf(';');
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const paramText = semi >= 0 ? rest.slice(semi + 1) : undefined;
  const { host, port } = splitHostPort(hostport, s);
  const params: Record<string, string> = {};
  if (paramText !== undefined) {
    for (const p of paramText.split(';')) {
      const eq = p.indexOf('=');
      const name = eq >= 0 ? p.slice(0, eq) : p;
      const value = eq >= 0 ? p.slice(eq + 1) : '';
      if (!PARAM_RE.test(name) || (eq >= 0 && !PARAM_RE.test(value))) throw bad(`URI ${clip(s)} has an empty or malformed parameter`);
      params[decodePercent(name).toLowerCase()] = decodePercent(value);
    }
  }
  return {
    scheme, ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}),
    host: host.toLowerCase(), ...(port !== undefined ? { port } : {}), params,
    ...(headers !== undefined ? { headers } : {}), raw: s,
  };
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
