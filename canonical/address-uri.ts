/**
 * URI forms of an address: im:, pres: (RFC 3860, RFC 3859), sip:, sips: (RFC 3261 25.1), with
 * percent-encoding of the user part (RFC 7247 6.2). Pure: no I/O.
 */
import { BAD_CODE_POINT, fail, show, utf8, utf8Strict, checkLocal, checkResource, validAddress, normalizeDomain, MAX_ADDRESS_CHARS, type Address, type UriScheme } from './address-parts';

// ---------------------------------------------------------------------------------------------
// Percent-encoding (RFC 3986 2.1: "%" HEXDIG HEXDIG; upper-case hex on output)

function percentEncode(s: string, literal: (c: string, i: number, bytes: Uint8Array) => boolean): string {
  const bytes = utf8.encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    const c = String.fromCharCode(b);
    out += b < 0x80 && literal(c, i, bytes) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decode %hh sequences; the result must be UTF-8 (RFC 7247 6.4 steps 3-4). */
export function percentDecode(s: string, what: string): string {
  if (!s.includes('%')) return s;
  const bytes: number[] = [];
  let i = 0;
  while (i < s.length) {
    if (s.charCodeAt(i) === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail(`${what} ${show(s)} has a '%' not followed by two hex digits`, what);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      // One whole code point (a surrogate pair stays together).
      const cp = s.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      bytes.push(...utf8.encode(ch));
      i += ch.length;
    }
  }
  try {
    return utf8Strict.decode(new Uint8Array(bytes));
  } catch {
    return fail(`${what} ${show(s)} does not percent-decode to UTF-8`, what);
  }
}

const ALNUM = /^[A-Za-z0-9]$/;
/**
 * RFC 3261 25.1: user = 1*( unreserved / escaped / user-unreserved ); unreserved = alphanum / mark
 * ("-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"); user-unreserved = "&" / "=" / "+" / "$" /
 * "," / ";" / "?" / "/". We also escape ";" and "?" although the grammar allows them literally:
 * they start parameters and headers elsewhere in the URI and lenient parsers split on them.
 */
const SIP_USER_LITERAL = new Set("-_.!~*'()&=+$,/");
const SIP_USER_PARSE = new Set("-_.!~*'()&=+$,;?/");
/** RFC 3261 25.1 paramchar = param-unreserved / unreserved / escaped (for the gr value). */
const SIP_PARAM_LITERAL = new Set("[]/:&+$-_.!~*'()");
/**
 * im:/pres: local part, RFC 3860 A.2 "mailbox" (RFC 2822 dot-atom-text) inside a URI. Output keeps
 * the atext characters RFC 7247 6.5 step 5 leaves alone that are also plain URI characters (RFC 3986
 * unreserved / sub-delims / "/"), and percent-encodes the rest: "?" would start headers (RFC 3860
 * A.2), "#" a fragment, "%" is the escape, and ^ ` { | } are not URI characters.
 */
const IM_LITERAL = new Set("!$&'*+-/=_~");
/** What we accept literally in an im:/pres: local part: RFC 5322 atext without "?" and "#". */
const IM_PARSE = new Set("!$&'*+-/=_~^`{|}");

const isSipUserLiteral = (c: string): boolean => ALNUM.test(c) || SIP_USER_LITERAL.has(c);
const isParamLiteral = (c: string): boolean => ALNUM.test(c) || SIP_PARAM_LITERAL.has(c);

/** im:/pres: local: dots stay literal only where dot-atom-text allows them (not first, last, or doubled). */
function imLiteral(c: string, i: number, bytes: Uint8Array): boolean {
  if (ALNUM.test(c) || IM_LITERAL.has(c)) return true;
  if (c !== '.') return false;
  return i > 0 && i < bytes.length - 1 && bytes[i - 1] !== 0x2e && bytes[i + 1] !== 0x2e;
}

// ---------------------------------------------------------------------------------------------
// URIs

/**
 * Write an address as a URI, percent-encoding the local part as the scheme requires (RFC 7247 6.5
 * step 5: "percent-encode that byte to "%hexhex" format"). For sip:/sips: a resource becomes the
 * "gr" parameter (RFC 7247 6.5 step 8); im:/pres: discard it (RFC 3922 3.2 step 1).
 * @throws ParseError (code address-malformed) when the address itself is invalid.
 */
export function formatUri(a: Address, scheme: UriScheme): string {
  const v = validAddress(a);
  if (scheme === 'sip' || scheme === 'sips') {
    const gr = v.resource === undefined ? '' : `;gr=${percentEncode(v.resource, isParamLiteral)}`;
    return `${scheme}:${percentEncode(v.local, isSipUserLiteral)}@${v.domain}${gr}`;
  }
  if (scheme === 'im' || scheme === 'pres') return `${scheme}:${percentEncode(v.local, imLiteral)}@${v.domain}`;
  return fail(`unknown URI scheme ${show(String(scheme))}`, 'scheme');
}

function checkChars(s: string, ok: (c: string) => boolean, what: string, whole: string): void {
  for (const c of s) {
    if (c === '%') continue; // checked by percentDecode
    if (!ok(c)) fail(`${what} of ${show(whole)} contains ${show(c)}, which must be percent-encoded`, what);
  }
}

const PARAM_OK = (c: string): boolean => isParamLiteral(c);
const HEADER_OK = (c: string): boolean => ALNUM.test(c) || "[]/?:+$-_.!~*'()".includes(c);
/** RFC 2396 uric = reserved / unreserved / escaped (im:/pres: header names and values). */
const URIC_OK = (c: string): boolean => ALNUM.test(c) || ";/?:@&=+$,-_.!~*'()".includes(c);

/** Split "host[:port]" (RFC 3261 hostport); the port is checked and dropped. */
function parseHostPort(hp: string, whole: string): string {
  let host = hp;
  let port: string | undefined;
  if (hp.startsWith('[')) {
    const close = hp.indexOf(']');
    if (close < 0) fail(`URI ${show(whole)} has an unclosed IPv6 reference`, 'host');
    host = hp.slice(0, close + 1);
    const rest = hp.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) fail(`URI ${show(whole)} has text after the host`, 'host');
      port = rest.slice(1);
    }
  } else {
    const colon = hp.indexOf(':');
    if (colon >= 0) {
      host = hp.slice(0, colon);
      port = hp.slice(colon + 1);
    }
  }
  if (port !== undefined && (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535)) {
    fail(`URI ${show(whole)} has an invalid port ${show(port)}`, 'port');
  }
  return normalizeDomain(host);
}

function parseSipRest(scheme: 'sip' | 'sips', rest: string, whole: string): Address {
  const at = rest.indexOf('@');
  if (at < 0) fail(`${scheme}: URI ${show(whole)} has no user part: not an address of record`, 'user');
  if (rest.indexOf('@', at + 1) >= 0) fail(`${scheme}: URI ${show(whole)} has more than one '@'`, 'user');
  const userinfo = rest.slice(0, at);
  if (userinfo.includes(':')) fail(`${scheme}: URI ${show(whole)} carries a password (RFC 3261 19.1.1: NOT RECOMMENDED); refused`, 'user');
  if (userinfo === '') fail(`${scheme}: URI ${show(whole)} has an empty user part`, 'user');
  checkChars(userinfo, (c) => ALNUM.test(c) || SIP_USER_PARSE.has(c), 'user part', whole);
  const local = percentDecode(userinfo, 'user part');
  checkLocal(local);

  let after = rest.slice(at + 1);
  let headers: string | undefined;
  const q = after.indexOf('?');
  if (q >= 0) {
    headers = after.slice(q + 1);
    after = after.slice(0, q);
  }
  const [hostport = '', ...params] = after.split(';');
  const domain = parseHostPort(hostport, whole);
  let resource: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? undefined : p.slice(eq + 1);
    if (name === '' || value === '') fail(`URI ${show(whole)} has an empty parameter name or value`, 'uri-parameters');
    checkChars(name, PARAM_OK, 'parameter name', whole);
    if (value !== undefined) checkChars(value, PARAM_OK, 'parameter value', whole);
    const decodedValue = value === undefined ? undefined : percentDecode(value, 'parameter value');
    if (name.toLowerCase() === 'gr' && decodedValue !== undefined) {
      if (resource !== undefined) fail(`URI ${show(whole)} has more than one gr parameter`, 'uri-parameters');
      checkResource(decodedValue);
      resource = decodedValue;
    }
  }
  if (headers !== undefined) parseHeaders(headers, HEADER_OK, whole);
  return resource === undefined ? { local, domain } : { local, domain, resource };
}

/** headers = "?" header *( "&" header ); header = hname "=" hvalue. Checked, then dropped. */
function parseHeaders(h: string, ok: (c: string) => boolean, whole: string): void {
  for (const header of h.split('&')) {
    const eq = header.indexOf('=');
    if (eq <= 0) fail(`URI ${show(whole)} has a header without "name="`, 'headers');
    checkChars(header.slice(0, eq), ok, 'header name', whole);
    checkChars(header.slice(eq + 1), (c) => c !== '&' && ok(c), 'header value', whole);
    percentDecode(header, 'header');
  }
}

function parseImRest(scheme: 'im' | 'pres', rest: string, whole: string): Address {
  let mailbox = rest;
  const q = rest.indexOf('?');
  if (q >= 0) {
    parseHeaders(rest.slice(q + 1), URIC_OK, whole);
    mailbox = rest.slice(0, q);
  }
  const at = mailbox.indexOf('@');
  if (at < 0) fail(`${scheme}: URI ${show(whole)} has no '@': not a mailbox (RFC 3860 A.2)`, 'mailbox');
  if (mailbox.indexOf('@', at + 1) >= 0) fail(`${scheme}: URI ${show(whole)} has more than one '@'`, 'mailbox');
  const raw = mailbox.slice(0, at);
  if (raw === '') fail(`${scheme}: URI ${show(whole)} has an empty local part`, 'mailbox');
  // RFC 5322 3.2.3: dot-atom-text = 1*atext *("." 1*atext)
  if (raw.startsWith('.') || raw.endsWith('.') || raw.includes('..')) {
    fail(`${scheme}: URI ${show(whole)}: local part is not a dot-atom (leading, trailing or double '.')`, 'mailbox');
  }
  checkChars(raw, (c) => ALNUM.test(c) || c === '.' || IM_PARSE.has(c), 'local part', whole);
  const local = percentDecode(raw, 'local part');
  checkLocal(local);
  return { local, domain: normalizeDomain(mailbox.slice(at + 1)) };
}

/**
 * Parse an im:, pres:, sip: or sips: URI strictly into its address. The scheme is case-insensitive
 * (RFC 3261 19.1.4). sip/sips: a user part is required (an address of record); a password is
 * refused; the port, URI parameters and headers are checked and dropped, except "gr", which becomes
 * the resource (RFC 7247 6.4 step 8). im/pres: RFC 3860 A.2 / RFC 3859 "mailbox [headers]".
 * @throws ParseError (code address-malformed) naming the fault.
 */
export function parseUri(s: string): { scheme: UriScheme; address: Address } {
  if (s.length > MAX_ADDRESS_CHARS) fail(`URI is longer than ${MAX_ADDRESS_CHARS} characters`, 'uri');
  const colon = s.indexOf(':');
  const scheme = colon < 0 ? '' : s.slice(0, colon).toLowerCase();
  const rest = s.slice(colon + 1);
  if (/[\s<>"#]/.test(rest) || BAD_CODE_POINT.test(rest)) {
    fail(`URI ${show(s)} contains whitespace, a control character or one of < > " # (percent-encode them)`, 'uri');
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(rest)) fail(`URI ${show(s)} contains non-ASCII characters (percent-encode them as UTF-8)`, 'uri');
  switch (scheme) {
    case 'sip': case 'sips': return { scheme, address: parseSipRest(scheme, rest, s) };
    case 'im': case 'pres': return { scheme, address: parseImRest(scheme, rest, s) };
    default: return fail(`${show(s)} is not an im:, pres:, sip: or sips: URI`, 'scheme');
  }
}
