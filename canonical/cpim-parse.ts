/**
 * Parse `message/cpim` (RFC 3862) into a read-only view over the exact input bytes. Nothing is
 * copied or re-encoded: header ranges and the encapsulated MIME object are offsets/subarrays of
 * the input, so a gateway can relay the bytes as received (RFC 3862 6: "an intermediate gateway
 * MUST NOT change the Message/CPIM content in any way"). Pure: no I/O.
 */
import { ParseError } from './errors';
import {
  type ByteLimits, type ContentType, type MimeHeader, DEFAULT_LIMITS, at, checkSize, findHeader, lineEnd,
  parseContentType, parseHeaderBlock,
} from './mime';
import {
  CPIM_HEADERS_NS, IMDN_NS, type CpimAddress, type CpimDateTime, LANGUAGE_TAG, decodeEscapes, isAbsoluteUri,
  isNameChar, isToken, isTokenChar, parseAddressValue, parseDateTime, splitHeaderName,
} from './cpim-syntax';
import { decodeUtf8, encodeUtf8, findInvalidUtf8 } from './utf8';

/** A header parameter (`;name=value` between the colon and the SP), its value unescaped. */
export interface CpimParam {
  readonly name: string;
  readonly value: string;
}

/** One CPIM message header, as sent, with its namespace resolved. */
export interface CpimHeader {
  /** The header name exactly as sent, prefix included. */
  readonly name: string;
  readonly prefix: string | undefined;
  readonly localName: string;
  /** The namespace URI the name belongs to (RFC 3862 3.4). */
  readonly namespace: string;
  readonly params: readonly CpimParam[];
  /** The `lang` parameter (RFC 3862 3.3), when present. */
  readonly lang: string | undefined;
  /** The value as sent (escapes kept). */
  readonly rawValue: string;
  /** The value with the escapes of RFC 3862 2.3 decoded. */
  readonly value: string;
  /** Byte range of the header line in the input (CRLF excluded). */
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/** A namespace declared by an `NS` header; `prefix` absent for a new default namespace. */
export interface CpimNamespace {
  readonly prefix: string | undefined;
  readonly uri: string;
}

/** A header or feature named by `Require` (RFC 3862 3.5), resolved to its namespace. */
export interface CpimRequired {
  readonly name: string;
  readonly namespace: string;
  readonly localName: string;
}

/** IMDN header fields (RFC 5438 section 6), from whatever prefix the message bound to urn:ietf:params:imdn. */
export interface ImdnHeaders {
  readonly messageId: string | undefined;
  /** The notify-req tokens in order, parameters dropped (e.g. `positive-delivery`). */
  readonly dispositionNotification: readonly string[] | undefined;
  readonly originalTo: CpimAddress | undefined;
  readonly recordRoute: readonly CpimAddress[];
  readonly route: readonly CpimAddress[];
}

/** The encapsulated MIME object (RFC 3862 2.4). */
export interface CpimContent {
  /** The whole encapsulated object (its headers and body): a subarray of the input. */
  readonly bytes: Uint8Array;
  readonly offset: number;
  readonly headers: readonly MimeHeader[];
  readonly contentType: ContentType;
  /** The body of the encapsulated object: a subarray of the input. */
  readonly body: Uint8Array;
  readonly bodyOffset: number;
}

/** A parsed `message/cpim`: a read-only view over `bytes`. */
export interface CpimMessage {
  /** The exact input. */
  readonly bytes: Uint8Array;
  /** MIME headers before the CPIM headers (`Content-type: Message/CPIM`), when the input had them. */
  readonly mimeHeaders: readonly MimeHeader[] | undefined;
  readonly headers: readonly CpimHeader[];
  readonly content: CpimContent;
  readonly from: CpimAddress | undefined;
  readonly to: readonly CpimAddress[];
  readonly cc: readonly CpimAddress[];
  readonly dateTime: CpimDateTime | undefined;
  readonly subjects: readonly { readonly text: string; readonly lang: string | undefined }[];
  readonly namespaces: readonly CpimNamespace[];
  readonly require: readonly CpimRequired[];
  readonly imdn: ImdnHeaders;
}

export interface CpimParseOptions extends ByteLimits {
  /**
   * Whether MIME headers precede the CPIM headers. 'auto' (default): present when the first
   * header block has a Content-Type of message/cpim (a CPIM header block has none).
   */
  readonly mimeHeaders?: 'auto' | 'present' | 'absent';
}

function hasCpimContentType(bytes: Uint8Array, limit: number): boolean {
  const end = Math.min(bytes.length, limit);
  let blockEnd = -1;
  for (let i = 0; i + 3 < end; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) { blockEnd = i; break; }
  }
  if (blockEnd < 0) return false;
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, blockEnd)).replace(/\r\n(?=[ \t])/g, '');
  for (const l of text.split('\r\n')) {
    const m = /^content-type:[ \t]*(.*)$/i.exec(l);
    if (!m) continue;
    try { return parseContentType(m[1]!).mediaType === 'message/cpim'; } catch { return false; }
  }
  return false;
}

/** Byte offset of character index `ci` in a line that starts at byte `lineStart`. */
function byteAt(line: string, ci: number, lineStart: number): number {
  return lineStart + encodeUtf8(line.slice(0, ci)).length;
}

interface RawHeader { name: string; params: CpimParam[]; lang: string | undefined; rawValue: string }

/** Parse one CPIM header line (already checked: UTF-8, no CTLs). Returns its parts or a fault and where. */
function parseHeaderLine(s: string): RawHeader | { fault: string; ci: number } {
  if (s[0] === ' ') return { fault: 'line starts with whitespace: folded or indented header (RFC 3862 2.2: one header per line, no folding)', ci: 0 };
  let i = 0;
  while (i < s.length && (isNameChar(s.charCodeAt(i)) || s[i] === '.')) i++;
  const name = s.slice(0, i);
  if (s[i] !== ':') {
    return { fault: i === 0 ? 'header name missing' : `character ${JSON.stringify(s[i] ?? 'end of line')} in header name ${JSON.stringify(name)} (RFC 3862 3.1)`, ci: i };
  }
  if (!splitHeaderName(name)) return { fault: `header name ${JSON.stringify(name)} is not [Name-prefix "."] Name (RFC 3862 3.6)`, ci: 0 };
  i++;
  const params: CpimParam[] = [];
  let lang: string | undefined;
  while (s[i] === ';') {
    i++;
    const ps = i;
    while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
    const pname = s.slice(ps, i);
    if (pname.length === 0 || s[i] !== '=') return { fault: 'parameter is not Name "=" value (RFC 3862 3.6)', ci: i };
    i++;
    let pval: string;
    if (s[i] === '"') {
      const vs = i;
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
      if (i >= s.length) return { fault: 'unterminated String in parameter', ci: vs };
      pval = decodeEscapes(s.slice(vs + 1, i));
      i++;
    } else {
      const vs = i;
      while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
      pval = s.slice(vs, i);
      if (pval.length === 0) return { fault: `empty value for parameter ${pname}`, ci: vs };
    }
    if (pname === 'lang') {
      if (!LANGUAGE_TAG.test(pval)) return { fault: `lang=${JSON.stringify(pval)} is not a language tag (RFC 3066)`, ci: i };
      lang = pval;
    }
    params.push({ name: pname, value: pval });
  }
  // RFC 3862 2.2: "There MUST be a single space character (32) following the header name and colon."
  if (s[i] !== ' ') return { fault: `exactly one SP must follow "${name}:" (RFC 3862 2.2)`, ci: i };
  if (s[i + 1] === ' ') return { fault: `more than one SP after "${name}:" (RFC 3862 2.2: a single space character)`, ci: i + 1 };
  // RFC 3862 2.2: "There MUST NOT be any whitespace at the beginning or end of a line."
  if (s.endsWith(' ')) return { fault: 'whitespace at the end of the line (RFC 3862 2.2)', ci: s.length - 1 };
  return { name, params, lang, rawValue: s.slice(i + 1) };
}

/**
 * Parse a `message/cpim` body, with or without its MIME headers, strictly as RFC 3862 2.2 says:
 * one header per line, CRLF line ends, exactly one SP after `Name:`, UTF-8 only, no raw control
 * characters (2.3 escapes instead), namespace prefixes declared before use (3.4). Bounded by
 * `maxBytes`, `maxHeaders`, `maxLineLength`. Throws ParseError naming the fault and where.
 */
export function parseCpim(bytes: Uint8Array, options: CpimParseOptions = {}): CpimMessage {
  checkSize(bytes, options, 'message/cpim');
  const maxHeaders = options.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
  const maxLine = options.maxLineLength ?? DEFAULT_LIMITS.maxLineLength;
  let pos = 0;
  let line = 1;
  let mimeHeaders: MimeHeader[] | undefined;
  const mode = options.mimeHeaders ?? 'auto';
  if (mode === 'present' || (mode === 'auto' && hasCpimContentType(bytes, maxHeaders * (maxLine + 2)))) {
    const block = parseHeaderBlock(bytes, 0, 1, options, 'message/cpim MIME headers');
    const ct = findHeader(block.headers, 'content-type');
    if (!ct || parseContentType(ct.value).mediaType !== 'message/cpim') {
      throw new ParseError('MIME headers have no "Content-Type: Message/CPIM" (RFC 3862 2.1)', at(1, 0));
    }
    mimeHeaders = block.headers;
    pos = block.end;
    line = block.endLine;
  }

  const headers: CpimHeader[] = [];
  const namespaces: CpimNamespace[] = [];
  const require: CpimRequired[] = [];
  const prefixes = new Map<string, string>();
  let defaultNs = CPIM_HEADERS_NS;
  for (;;) {
    if (pos >= bytes.length) throw new ParseError('message/cpim: headers not followed by an empty line and the encapsulated MIME object', at(line, pos));
    const eol = lineEnd(bytes, pos, line, maxLine, 'message/cpim');
    if (eol < 0) throw new ParseError('message/cpim: last header line has no CRLF and no encapsulated MIME object follows', at(line, pos));
    if (eol === pos) { pos += 2; line += 1; break; }
    const bad = findInvalidUtf8(bytes, pos, eol);
    if (bad >= 0) throw new ParseError('message/cpim: invalid UTF-8 in header (RFC 3862 2.2: UTF-8 character encoding MUST be used)', at(line, bad));
    for (let i = pos; i < eol; i++) {
      const b = bytes[i]!;
      if (b < 32 || b === 127) {
        throw new ParseError(`message/cpim: raw control character 0x${b.toString(16).padStart(2, '0')} in header; control characters must be escaped (RFC 3862 2.2, 2.3)`, at(line, i));
      }
    }
    if (headers.length >= maxHeaders) throw new ParseError(`message/cpim: more than ${maxHeaders} headers`, at(line, pos), 'payload-too-large');
    const s = decodeUtf8(bytes, pos, eol);
    const h = parseHeaderLine(s);
    if ('fault' in h) throw new ParseError(`message/cpim: ${h.fault}`, at(line, byteAt(s, h.ci, pos)));
    const where = at(line, pos);
    const parts = splitHeaderName(h.name)!;
    let namespace = defaultNs;
    if (parts.prefix !== undefined) {
      const ns = prefixes.get(parts.prefix);
      // RFC 3862 3.4: "A namespace prefix declaration MUST precede any use of that prefix."
      if (ns === undefined) throw new ParseError(`message/cpim: namespace prefix "${parts.prefix}" used before an NS header declares it (RFC 3862 3.4)`, where);
      namespace = ns;
    }
    const header: CpimHeader = Object.freeze({
      name: h.name, prefix: parts.prefix, localName: parts.localName, namespace, params: Object.freeze(h.params),
      lang: h.lang, rawValue: h.rawValue, value: decodeEscapes(h.rawValue), start: pos, end: eol, line,
    });
    if (namespace === CPIM_HEADERS_NS && parts.localName === 'NS') {
      // NS-header = "NS" ": " [ Name-prefix ] "<" URI ">"  (RFC 3862 4.6)
      const m = /^(?:([^ <]+) ?)?<(.*)>$/.exec(h.rawValue);
      if (!m || (m[1] !== undefined && !splitHeaderName(m[1])) || (m[1] ?? '').includes('.')) {
        throw new ParseError('message/cpim: NS value is not [Name-prefix] "<" URI ">" (RFC 3862 4.6)', where);
      }
      if (!isAbsoluteUri(m[2]!)) {
        throw new ParseError(`message/cpim: NS URI ${JSON.stringify(m[2])} is not an absolute URI without fragment (RFC 3862 3.4)`, where);
      }
      if (m[1] === undefined) defaultNs = m[2]!;
      else prefixes.set(m[1], m[2]!);
      namespaces.push(Object.freeze({ prefix: m[1], uri: m[2]! }));
    } else if (namespace === CPIM_HEADERS_NS && parts.localName === 'Require') {
      for (const item of h.rawValue.split(/ *, */)) {
        const rp = splitHeaderName(item);
        if (!rp) throw new ParseError(`message/cpim: Require names ${JSON.stringify(item)}, not a header name (RFC 3862 4.7)`, where);
        const rns = rp.prefix === undefined ? defaultNs : prefixes.get(rp.prefix);
        if (rns === undefined) throw new ParseError(`message/cpim: namespace prefix "${rp.prefix}" in Require used before an NS header declares it (RFC 3862 3.4)`, where);
        require.push(Object.freeze({ name: item, namespace: rns, localName: rp.localName }));
      }
    }
    headers.push(header);
    pos = eol + 2;
    line += 1;
  }

  const contentStart = pos;
  const block = parseHeaderBlock(bytes, pos, line, options, 'encapsulated MIME object');
  const ctHeader = findHeader(block.headers, 'content-type');
  // RFC 3862 2.4: "The MIME content headers MUST include at least a Content-Type header."
  if (!ctHeader) throw new ParseError('encapsulated MIME object has no Content-Type header (RFC 3862 2.4)', at(line, contentStart));
  let contentType: ContentType;
  try { contentType = parseContentType(ctHeader.value); } catch (e) {
    throw new ParseError(`encapsulated MIME object: ${(e as Error).message}`, at(ctHeader.line, ctHeader.start));
  }
  const content: CpimContent = Object.freeze({
    bytes: bytes.subarray(contentStart), offset: contentStart, headers: Object.freeze(block.headers), contentType,
    body: bytes.subarray(block.end), bodyOffset: block.end,
  });
  return Object.freeze({
    bytes, mimeHeaders: mimeHeaders && Object.freeze(mimeHeaders), headers: Object.freeze(headers), content,
    ...typedHeaders(headers), namespaces: Object.freeze(namespaces), require: Object.freeze(require),
  });
}

function addressOf(h: CpimHeader): CpimAddress {
  const a = parseAddressValue(h.rawValue);
  if (typeof a === 'string') throw new ParseError(`message/cpim: ${h.name} header: ${a}`, at(h.line, h.start));
  return Object.freeze(a);
}

function single(hs: CpimHeader[], what: string): CpimHeader | undefined {
  const second = hs[1];
  // One sender, one send time: a second one would let a relay show one and verify the other.
  if (second) throw new ParseError(`message/cpim: more than one ${what} header`, at(second.line, second.start));
  return hs[0];
}

function typedHeaders(headers: readonly CpimHeader[]): Pick<CpimMessage, 'from' | 'to' | 'cc' | 'dateTime' | 'subjects' | 'imdn'> {
  const core = (n: string): CpimHeader[] => headers.filter((h) => h.namespace === CPIM_HEADERS_NS && h.localName === n);
  const imdn = (n: string): CpimHeader[] => headers.filter((h) => h.namespace === IMDN_NS && h.localName === n);
  const fromH = single(core('From'), 'From');
  const dtH = single(core('DateTime'), 'DateTime');
  let dateTime: CpimDateTime | undefined;
  if (dtH) {
    const d = parseDateTime(dtH.rawValue);
    if (typeof d === 'string') throw new ParseError(`message/cpim: DateTime ${JSON.stringify(dtH.rawValue)}: ${d} (RFC 3862 4.4)`, at(dtH.line, dtH.start));
    dateTime = Object.freeze(d);
  }
  const midH = single(imdn('Message-ID'), 'imdn Message-ID');
  // RFC 5438 10: Message-ID = "Message-ID" ": " Token
  if (midH && !isToken(midH.rawValue)) throw new ParseError('message/cpim: IMDN Message-ID is not a Token (RFC 5438 10)', at(midH.line, midH.start));
  const dnH = single(imdn('Disposition-Notification'), 'imdn Disposition-Notification');
  let dispositionNotification: string[] | undefined;
  if (dnH) {
    dispositionNotification = [];
    for (const req of dnH.rawValue.split(/ *, */)) {
      const tok = req.split(/ *; */)[0] ?? '';
      if (!isToken(tok)) throw new ParseError(`message/cpim: Disposition-Notification value ${JSON.stringify(req)} is not a notify-req (RFC 5438 10)`, at(dnH.line, dnH.start));
      dispositionNotification.push(tok);
    }
  }
  const origH = single(imdn('Original-To'), 'imdn Original-To');
  return {
    from: fromH && addressOf(fromH),
    to: Object.freeze(core('To').map(addressOf)),
    cc: Object.freeze(core('cc').map(addressOf)),
    dateTime,
    subjects: Object.freeze(core('Subject').map((h) => Object.freeze({ text: h.value, lang: h.lang }))),
    imdn: Object.freeze({
      messageId: midH?.rawValue,
      dispositionNotification: dispositionNotification && Object.freeze(dispositionNotification),
      originalTo: origH && addressOf(origH),
      recordRoute: Object.freeze(imdn('IMDN-Record-Route').map(addressOf)),
      route: Object.freeze(imdn('IMDN-Route').map(addressOf)),
    }),
  };
}

/** Headers of one namespace and local name, in order (e.g. an extension's headers). */
export function cpimHeaders(msg: CpimMessage, namespace: string, localName: string): CpimHeader[] {
  return msg.headers.filter((h) => h.namespace === namespace && h.localName === localName);
}

/**
 * Serialize a parsed message: the identical bytes it was parsed from (the same buffer). A gateway
 * never rebuilds a message it relays (RFC 3862 2.2: "Message processors MUST preserve all octets
 * of all headers (both name and value) exactly").
 */
export function serializeCpim(msg: CpimMessage): Uint8Array {
  return msg.bytes;
}
