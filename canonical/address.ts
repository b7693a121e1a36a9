/**
 * Addresses: im:, pres:, sip:, sips: URIs and XMPP JIDs, and the mappings between them
 * (RFC 7247 section 6, RFC 3922 section 3). Pure: no I/O.
 *
 * The canonical {@link Address} holds the real, unescaped local part: "d'artagnan", not
 * "d\27artagnan" (JID) nor "d%27artagnan" (URI). Each wire form escapes on the way out and
 * unescapes on the way in, which is RFC 7247 6.2's procedure: "1. Unescape any escaped characters
 * in the source address ... 2. Leave unmodified any characters that are allowed in the destination
 * scheme. 3. Escape any characters that are allowed in the source scheme but reserved in the
 * destination scheme".
 *
 * Choices (documented for the other layers):
 * - Domains are ASCII only and lower-cased: a DNS host name (RFC 3261 25.1 `hostname`), an IPv4
 *   address or a bracketed IPv6 reference. A non-ASCII (IDN) domain is refused with an error asking
 *   for its A-label ("xn--") form; RFC 7247 6.1 leaves domain mapping out of scope.
 * - Local parts are kept exactly (no PRECIS case folding); any Unicode except controls, at most 1023
 *   UTF-8 bytes (RFC 7622 3.1 limit).
 * - The SIP "gr" URI parameter maps to the XMPP resource and back (RFC 7247 6.3, 6.4 step 8,
 *   6.5 step 8); every other URI parameter, a port and URI headers are accepted and dropped, since an
 *   Address names an address of record. im:/pres: URIs drop the resource (RFC 3922 3.2 step 1).
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

const fail = (message: string, where = 'address'): never => {
  throw new ParseError(message, where, 'address-malformed');
};
const show = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const byteLength = (s: string): number => utf8.encode(s).length;

// ---------------------------------------------------------------------------------------------
// Parts

/** Controls (C0, DEL, C1) and lone surrogates: allowed in no address scheme (RFC 7247 6.1). */
// With the u flag a surrogate pair is one code point, so the surrogate range matches lone halves only.
// eslint-disable-next-line no-control-regex
const BAD_CODE_POINT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

function checkText(s: string, what: string): void {
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

function checkLocal(local: string): void {
  checkText(local, 'local part');
}

function checkResource(resource: string | undefined): void {
  if (resource !== undefined) checkText(resource, 'resource');
}

/** Validate an Address built elsewhere; returns it with the domain normalized. */
function validAddress(a: Address): Address {
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
function percentDecode(s: string, what: string): string {
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

// ---------------------------------------------------------------------------------------------
// JIDs (RFC 7622; XEP-0106 JID Escaping)

/**
 * XEP-0106 3.2: the characters an XMPP localpart cannot hold and their escapes (lower-case: "CASE
 * IS SIGNIFICANT"). RFC 7622 3.3.1 disallows " & ' / : < > @ and the UsernameCaseMapped profile
 * disallows space; "\" is escaped only before one of these sequences (XEP-0106 4.2).
 */
const JID_ESCAPES: Readonly<Record<string, string>> = {
  ' ': '\\20', '"': '\\22', '&': '\\26', "'": '\\27', '/': '\\2f', ':': '\\3a', '<': '\\3c', '>': '\\3e', '@': '\\40',
};
const JID_UNESCAPES: Readonly<Record<string, string>> = {
  '20': ' ', '22': '"', '26': '&', '27': "'", '2f': '/', '3a': ':', '3c': '<', '3e': '>', '40': '@', '5c': '\\',
};
const JID_LOCAL_FORBIDDEN = /[\s"&'/:<>@]/;

/** XEP-0106 escaping of a local part (the transformation alone; no length checks). */
export function escapeJidLocal(local: string): string {
  let out = '';
  for (let i = 0; i < local.length; i++) {
    const c = local[i] as string;
    const esc = JID_ESCAPES[c];
    if (esc !== undefined) out += esc;
    // XEP-0106 4.2: "the leading backslash character MUST be escaped to the character sequence \5c"
    else if (c === '\\' && JID_UNESCAPES[local.slice(i + 1, i + 3)] !== undefined) out += '\\5c';
    else out += c;
  }
  return out;
}

/** XEP-0106 unescaping: "An entity MUST unescape only the specified sequences". */
export function unescapeJidLocal(escaped: string): string {
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i] as string;
    const plain = c === '\\' ? JID_UNESCAPES[escaped.slice(i + 1, i + 3)] : undefined;
    if (plain !== undefined) {
      out += plain;
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Write an address as a JID: the local part XEP-0106-escaped, the resource appended after "/".
 * @throws ParseError (code address-malformed) when a part is invalid, the escaped local part is
 * over 1023 bytes, or the local part starts or ends with a space (XEP-0106 4.2: "The character
 * sequence \20 MUST NOT be the first or last character of an escaped localpart").
 */
export function formatJid(a: Address): string {
  const v = validAddress(a);
  if (v.local.startsWith(' ') || v.local.endsWith(' ')) {
    fail(`local part ${show(v.local)} starts or ends with a space, which a JID cannot carry (XEP-0106 4.2)`, 'local part');
  }
  const local = escapeJidLocal(v.local);
  if (byteLength(local) > MAX_PART_BYTES) fail(`escaped local part is longer than ${MAX_PART_BYTES} bytes`, 'local part');
  return `${local}@${v.domain}${v.resource === undefined ? '' : `/${v.resource}`}`;
}

/**
 * Parse a JID (RFC 7622 3.1: resourcepart after the first "/", localpart before the first "@" of
 * the rest; each part 1..1023 bytes; the localpart free of space and " & ' / : < > @), then
 * XEP-0106-unescape the local part. The resource is kept as is. A JID without a localpart (a bare
 * domain) is not a user address and is refused.
 * @throws ParseError (code address-malformed) naming the fault.
 */
export function parseJid(s: string): Address {
  if (s.length > MAX_ADDRESS_CHARS) fail(`JID is longer than ${MAX_ADDRESS_CHARS} characters`, 'jid');
  const slash = s.indexOf('/');
  const bare = slash < 0 ? s : s.slice(0, slash);
  const resource = slash < 0 ? undefined : s.slice(slash + 1);
  const at = bare.indexOf('@');
  if (at < 0) fail(`JID ${show(s)} has no localpart`, 'jid');
  const raw = bare.slice(0, at);
  checkText(raw, 'localpart');
  if (JID_LOCAL_FORBIDDEN.test(raw)) fail(`JID localpart ${show(raw)} contains a character RFC 7622 3.3.1 disallows (space " & ' / : < > @)`, 'localpart');
  if (raw.startsWith('\\20') || raw.endsWith('\\20')) fail(`JID localpart ${show(raw)} starts or ends with \\20 (XEP-0106 4.2)`, 'localpart');
  const domain = bare.slice(at + 1);
  if (domain.includes('@')) fail(`JID ${show(s)} has more than one '@' before the resource`, 'jid');
  if (byteLength(domain) > MAX_PART_BYTES) fail(`JID domainpart is longer than ${MAX_PART_BYTES} bytes`, 'domainpart');
  const local = unescapeJidLocal(raw);
  checkResource(resource);
  const d = normalizeDomain(domain);
  return resource === undefined ? { local, domain: d } : { local, domain: d, resource };
}

// ---------------------------------------------------------------------------------------------
// Any form

/**
 * Parse an address in any form we meet in config, the JSON protocol and logs:
 * - "im:", "pres:", "sip:", "sips:" URIs (see {@link parseUri});
 * - "xmpp:" URIs (RFC 5122: "xmpp:" [ "//" authority "/" ] jid [ "?" query ] [ "#" fragment ]),
 *   percent-decoded then parsed as a JID;
 * - plain "user@domain": the canonical key form (see {@link parseAddressKey}; unescaped, no
 *   resource).
 * @throws ParseError (code address-malformed) naming the fault.
 */
export function parseAnyAddress(s: string): Address {
  if (s.length > MAX_ADDRESS_CHARS) fail(`address is longer than ${MAX_ADDRESS_CHARS} characters`);
  if (s !== s.trim() || s === '') fail(`address ${show(s)} is empty or has surrounding whitespace`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'im' || scheme === 'pres' || scheme === 'sip' || scheme === 'sips') return parseUri(s).address;
  if (scheme === 'xmpp') {
    let rest = s.slice(5);
    if (rest.startsWith('//')) {
      const end = rest.indexOf('/', 2);
      if (end < 0) fail(`xmpp: URI ${show(s)} has an authority but no JID`, 'uri');
      rest = rest.slice(end + 1);
    }
    rest = rest.replace(/[?#].*$/s, '');
    return parseJid(percentDecode(rest, 'xmpp: URI'));
  }
  // A plain key: "local@domain". Its local part may itself contain ':' (XEP-0106 example 6), so an
  // unknown "scheme" is only refused when there is no '@' after it.
  if (scheme !== undefined && !s.includes('@')) fail(`${show(s)} uses an unsupported URI scheme ${show(scheme)}`, 'scheme');
  return parseAddressKey(s);
}

// ---------------------------------------------------------------------------------------------
// Foreign addresses behind the gateway domain (RFC 3922 / DESIGN "escaped foreign form")

/**
 * user@other.dom -> "user%other.dom"@gatewayDomain: the form a transport can route to the gateway
 * when it cannot route other.dom natively (the customary "%" gateway escaping XEP-0106 4.3 names).
 * The resource is kept.
 */
export function escapeForeign(a: Address, gatewayDomain: string): Address {
  const v = validAddress(a);
  const local = `${v.local}%${v.domain}`;
  checkLocal(local);
  const domain = normalizeDomain(gatewayDomain);
  return v.resource === undefined ? { local, domain } : { local, domain, resource: v.resource };
}

/**
 * Inverse of {@link escapeForeign}: when the address is at the gateway domain and its local part
 * holds a '%', the LAST '%' splits user and domain (a domain never holds '%'). Identity otherwise,
 * and also when the text after the '%' is not a valid domain (then it was never escaped).
 */
export function unescapeForeign(a: Address, gatewayDomain: string): Address {
  if (a.domain.toLowerCase() !== gatewayDomain.toLowerCase()) return a;
  const pct = a.local.lastIndexOf('%');
  if (pct <= 0) return a;
  let domain: string;
  try {
    domain = normalizeDomain(a.local.slice(pct + 1));
  } catch {
    return a;
  }
  const local = a.local.slice(0, pct);
  return a.resource === undefined ? { local, domain } : { local, domain, resource: a.resource };
}

/**
 * True for the anonymous identity: any address at "anonymous.invalid" (RFC 3261 8.1.1.3 uses
 * "sip:thisis@anonymous.invalid"; ".invalid" can never be a real domain, RFC 2606).
 */
export function isAnonymous(a: Address): boolean {
  return a.domain.toLowerCase() === ANONYMOUS.domain;
}

/** Same identity (local part exact, domain case-insensitive); resources ignored. */
export function sameAddress(a: Address, b: Address): boolean {
  return a.local === b.local && a.domain.toLowerCase() === b.domain.toLowerCase();
}
