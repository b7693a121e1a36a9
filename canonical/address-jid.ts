/**
 * XMPP JIDs (RFC 7622) with XEP-0106 escaping of the local part. Pure: no I/O.
 */
import { fail, show, byteLength, checkText, checkResource, validAddress, normalizeDomain, MAX_PART_BYTES, MAX_ADDRESS_CHARS, type Address } from './address-parts';

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
/** The characters escapeJidLocal may change: those of JID_ESCAPES, and a backslash. */
const NEEDS_ESCAPE = /[ "&'/:<>@\\]/;

/** XEP-0106 escaping of a local part (the transformation alone; no length checks). */
export function escapeJidLocal(local: string): string {
  // Most local parts need no escape: returned as they are, without a copy.
  if (!NEEDS_ESCAPE.test(local)) return local;
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
