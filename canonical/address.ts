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
import { fail, show, checkLocal, validAddress, normalizeDomain, MAX_ADDRESS_CHARS, type Address, parseAddressKey, ANONYMOUS } from './address-parts';
import { parseUri, percentDecode } from './address-uri';
import { parseJid } from './address-jid';

export {
  type Address, type UriScheme, ANONYMOUS, MAX_ADDRESS_CHARS, MAX_PART_BYTES, addressKey, normalizeDomain, parseAddressKey,
} from './address-parts';
export { formatUri, parseUri } from './address-uri';
export { escapeJidLocal, formatJid, parseJid, unescapeJidLocal } from './address-jid';

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
