/**
 * The pieces of CPIM header syntax (RFC 3862 section 3.6) that both the parser and the builder
 * need: names, tokens, the escape mechanism of section 2.3, `[Formal-name] "<" URI ">"` values,
 * RFC 3339 date-times and language tags. Pure: no I/O.
 */

/** RFC 3862 section 4: "all headers defined here are associated with the namespace uri <urn:ietf:params:cpim-headers:>". */
export const CPIM_HEADERS_NS = 'urn:ietf:params:cpim-headers:';
/** RFC 5438 section 6.1: the namespace of the IMDN CPIM header fields. */
export const IMDN_NS = 'urn:ietf:params:imdn';

/**
 * NAMECHAR = %x21 / %x23-27 / %x2a-2b / %x2d / %x5e-60 / %x7c / %x7e / ALPHA / DIGIT
 * (RFC 3862 3.6: "Any US-ASCII char except ".", CTLs or SEPARATORS").
 */
export function isNameChar(code: number): boolean {
  return code === 0x21 || (code >= 0x23 && code <= 0x27) || code === 0x2a || code === 0x2b || code === 0x2d
    || (code >= 0x5e && code <= 0x60) || code === 0x7c || code === 0x7e
    || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39);
}

/** TOKENCHAR = NAMECHAR / "." / UCS-high. */
export function isTokenChar(code: number): boolean {
  return isNameChar(code) || code === 0x2e || code >= 0x80;
}

export function isName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** Header-name = [ Name-prefix "." ] Name. Returns the parts, or undefined when not a Header-name. */
export function splitHeaderName(name: string): { prefix: string | undefined; localName: string } | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) return isName(name) ? { prefix: undefined, localName: name } : undefined;
  const prefix = name.slice(0, dot);
  const localName = name.slice(dot + 1);
  return isName(prefix) && isName(localName) ? { prefix, localName } : undefined;
}

/** Language-tag per RFC 3066 section 2.1: Primary-subtag *( "-" Subtag ). */
export const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', "'": "'", b: '\b', t: '\t', n: '\n', r: '\r' };

/**
 * Decode the escapes of RFC 3862 2.3 in a header value (or a String's content).
 * 2.3.1: "Any backslash ('\') character SHOULD be interpreted as introducing an escape sequence.
 * Any unrecognized escape sequence SHOULD be treated as an instance of the character following
 * the backslash character. An isolated backslash that is the last character of a header SHOULD
 * be ignored."
 */
export function decodeEscapes(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') { out += c; continue; }
    const n = raw[i + 1];
    if (n === undefined) break;
    if (n === 'u' && /^[0-9A-Fa-f]{4}$/.test(raw.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16));
      i += 5;
      continue;
    }
    out += SIMPLE_ESCAPES[n] ?? n;
    i += 1;
  }
  return out;
}

/**
 * Escape text for a header value as RFC 3862 2.3.1 requires of generators: "The special
 * sequences listed above MUST be used to encode any occurrence of ... backslash (U+005c),
 * backspace (U+0008), tab (U+0009), linefeed (U+000a) or carriage return (U+000d)"; \uxxxx for
 * the other controls; `\"` only inside a double-quoted String; nothing else escaped.
 */
export function escapeText(s: string, inDoubleQuotes = false): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const code = s.charCodeAt(i);
    if (c === '\\') out += '\\\\';
    else if (c === '\b') out += '\\b';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '"' && inDoubleQuotes) out += '\\"';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** True when the string has a UTF-16 surrogate without its pair (not encodable as UTF-8). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * An absolute URI as RFC 3862 3.4 asks of namespace names and addresses: a scheme, a colon, and
 * no fragment ("URI-references containing fragment identifiers MUST NOT be used"). Characters
 * that would end or break the `<...>` are refused.
 */
export function isAbsoluteUri(s: string, allowFragment = false): boolean {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"\\\x00-\x1f\x7f]+$/.test(s)) return false;
  return allowFragment || !s.includes('#');
}

/** `[ Formal-name ] "<" URI ">"` (RFC 3862 4.1-4.3). */
export interface CpimAddress {
  /** The formal ("real world") name, escapes decoded; absent when the value has none. */
  readonly name?: string;
  readonly uri: string;
}

/**
 * Parse `[ Formal-name ] "<" URI ">"` where `Formal-name = 1*( Token SP ) / String`.
 * A String may be followed by one SP before "<" (common practice, harmless).
 * @returns the address, or a string saying what is wrong.
 */
export function parseAddressValue(raw: string): CpimAddress | string {
  let i = 0;
  let name: string | undefined;
  if (raw[0] === '"') {
    i = 1;
    let body = '';
    for (;;) {
      const c = raw[i];
      if (c === undefined) return 'unterminated quoted formal name';
      if (c === '"') { i++; break; }
      if (c === '\\') { body += raw.slice(i, i + 2); i += 2; continue; }
      body += c; i++;
    }
    name = decodeEscapes(body);
    if (raw[i] === ' ') i++;
  } else if (raw[0] !== '<') {
    const words: string[] = [];
    while (i < raw.length && raw[i] !== '<') {
      const sp = raw.indexOf(' ', i);
      if (sp < 0) return 'formal name tokens must each be followed by one SP before "<"';
      const word = raw.slice(i, sp);
      if (!isToken(word)) return `formal name word ${JSON.stringify(word)} is not a Token (quote it as a String)`;
      words.push(word);
      i = sp + 1;
    }
    name = words.join(' ');
  }
  if (raw[i] !== '<' || !raw.endsWith('>')) return 'value is not [Formal-name] "<" URI ">"';
  const uri = raw.slice(i + 1, -1);
  if (!isAbsoluteUri(uri, true)) return `${JSON.stringify(uri)} is not an absolute URI`;
  return name === undefined ? { uri } : { name, uri };
}

/** Format `[ Formal-name ] "<" URI ">"`: the Token form when the name allows it, else a String. */
export function formatAddressValue(a: CpimAddress): string {
  if (a.name === undefined) return `<${a.uri}>`;
  const words = a.name.split(' ');
  if (words.every(isToken)) return `${words.join(' ')} <${a.uri}>`;
  // RFC 3862 3.6: Formal-name = 1*( Token SP ) / String -- the String form has no SP before "<".
  return `"${escapeText(a.name, true)}"<${a.uri}>`;
}

/** A validated RFC 3339 date-time. */
export interface CpimDateTime {
  /** The value exactly as sent. */
  readonly raw: string;
  /** Milliseconds since the epoch (leap second 60 counted as 59.999). */
  readonly epochMs: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/**
 * Parse an RFC 3339 section 5.6 date-time (RFC 3862 4.4: "the syntax of 'date-time' is a profile
 * of ISO8601 defined in 'Date and Time on the Internet'"). Field ranges as RFC 3339 5.7.
 * @returns the value, or a string saying what is wrong.
 */
export function parseDateTime(raw: string): CpimDateTime | string {
  const m = DATE_TIME.exec(raw);
  if (!m) return 'not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm))';
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x)) as [number, number, number, number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const mdays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (mdays === undefined) return `month ${mo} out of range`;
  if (d < 1 || d > mdays) return `day ${d} out of range for month ${mo}`;
  if (h > 23 || mi > 59 || s > 60) return 'time of day out of range';
  let off = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return 'time offset out of range';
    off = (oh * 60 + om) * (m[8]!.startsWith('-') ? -1 : 1);
  }
  const frac = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const t = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, Math.min(s, 59), 0);
  const epochMs = t.getTime() + (s === 60 ? 999 : Math.floor(frac)) - off * 60000;
  return { raw, epochMs };
}

/** Format a Date as an RFC 3339 date-time in UTC, without a fraction when it is whole seconds. */
export function formatDateTime(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}
