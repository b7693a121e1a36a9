/**
 * Just enough MIME to classify a body without touching its bytes: header blocks as a view over the
 * exact input, Content-Type (RFC 2045 5.1), the kinds of body the gateway cares about, and the
 * parts of a multipart body (RFC 2046 5.1.1) as subarrays. Pure: no I/O.
 */
import { ParseError } from './errors';
import { decodeUtf8, findInvalidUtf8, indexOfBytes, encodeUtf8 } from './utf8';

/** One header field of a MIME header block. */
export interface MimeHeader {
  readonly name: string;
  /** The value with folding (CRLF before SP/HTAB) removed and outer whitespace trimmed. */
  readonly value: string;
  /** Byte offset of the field's first byte in the input. */
  readonly start: number;
  /** Byte offset just past the field (before its final CRLF). */
  readonly end: number;
  /** 1-based line number of the field's first line in the input. */
  readonly line: number;
}

/** Bounds every parser applies to what it reads. */
export interface ByteLimits {
  /** Largest input accepted (default 1 MiB). */
  readonly maxBytes?: number;
  /** Most header fields in one block (default 256). */
  readonly maxHeaders?: number;
  /** Longest header line, CRLF excluded (default 8 KiB). */
  readonly maxLineLength?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<ByteLimits>> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxHeaders: 256,
  maxLineLength: 8 * 1024,
});

/** A MIME entity: its header fields in order and its body as a subarray of the input. */
export interface MimeEntity {
  readonly headers: readonly MimeHeader[];
  /** The body: the exact input bytes after the empty line (no copy). */
  readonly body: Uint8Array;
  /** Offset of the body in the input. */
  readonly bodyOffset: number;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;

/** Where: a line number and a byte offset, as every error message gives it. */
export function at(line: number, offset: number): string {
  return `line ${line}, byte ${offset}`;
}

/** Refuse input over the size limit before looking at any byte of it. */
export function checkSize(bytes: Uint8Array, limits: ByteLimits | undefined, what: string): void {
  const max = limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  if (bytes.length > max) {
    throw new ParseError(`${what} is ${bytes.length} bytes, over the limit of ${max} bytes`, 'byte 0', 'payload-too-large');
  }
}

/**
 * Find the end of the line that starts at `pos`: the index of its CR. Refuses a bare LF or a bare
 * CR (strict CRLF) and a line longer than the limit.
 * Returns -1 when the input ends before any line end.
 */
export function lineEnd(bytes: Uint8Array, pos: number, line: number, maxLineLength: number, what: string): number {
  const stop = Math.min(bytes.length, pos + maxLineLength + 1);
  for (let i = pos; i < stop; i++) {
    const b = bytes[i];
    if (b === LF) throw new ParseError(`${what}: line ends with LF without CR (lines end with CRLF)`, at(line, i));
    if (b === CR) {
      if (bytes[i + 1] !== LF) throw new ParseError(`${what}: CR not followed by LF`, at(line, i));
      return i;
    }
  }
  if (stop < bytes.length || bytes.length - pos > maxLineLength) {
    throw new ParseError(`${what}: line longer than ${maxLineLength} bytes`, at(line, pos), 'payload-too-large');
  }
  return -1;
}

/** RFC 5322 3.6.8: field-name = 1*ftext; ftext = %d33-57 / %d59-126. */
function isFtext(b: number): boolean {
  return b >= 33 && b <= 126 && b !== 58;
}

/**
 * Parse a MIME header block starting at `start` up to and including its terminating empty line.
 * Folding (RFC 5322 2.2.3: CRLF followed by WSP) is allowed here, unlike in CPIM headers.
 * @returns the fields and the offset just past the empty line, and the line number there.
 */
export function parseHeaderBlock(
  bytes: Uint8Array, start: number, startLine: number, limits: ByteLimits | undefined, what: string,
): { headers: MimeHeader[]; end: number; endLine: number } {
  const maxHeaders = limits?.maxHeaders ?? DEFAULT_LIMITS.maxHeaders;
  const maxLine = limits?.maxLineLength ?? DEFAULT_LIMITS.maxLineLength;
  const headers: MimeHeader[] = [];
  let pos = start;
  let line = startLine;
  let cur: { name: string; nameEnd: number; start: number; line: number; end: number } | undefined;
  const flush = (): void => {
    if (!cur) return;
    const raw = decodeUtf8(bytes, cur.nameEnd + 1, cur.end);
    const value = raw.replace(/\r\n(?=[ \t])/g, '').replace(/^[ \t]+|[ \t]+$/g, '');
    headers.push(Object.freeze({ name: cur.name, value, start: cur.start, end: cur.end, line: cur.line }));
    cur = undefined;
  };
  for (;;) {
    if (pos >= bytes.length) throw new ParseError(`${what}: header block not ended by an empty line`, at(line, pos));
    const eol = lineEnd(bytes, pos, line, maxLine, what);
    if (eol < 0) throw new ParseError(`${what}: header block not ended by an empty line`, at(line, pos));
    if (eol === pos) {
      flush();
      return { headers, end: pos + 2, endLine: line + 1 };
    }
    const bad = findInvalidUtf8(bytes, pos, eol);
    if (bad >= 0) throw new ParseError(`${what}: invalid UTF-8 in header`, at(line, bad));
    for (let i = pos; i < eol; i++) {
      const b = bytes[i]!;
      if ((b < 32 && b !== HTAB) || b === 127) {
        throw new ParseError(`${what}: control character 0x${b.toString(16).padStart(2, '0')} in header`, at(line, i));
      }
    }
    const first = bytes[pos]!;
    if (first === SP || first === HTAB) {
      if (!cur) throw new ParseError(`${what}: continuation line without a header field before it`, at(line, pos));
      cur.end = eol;
    } else {
      flush();
      let i = pos;
      while (i < eol && isFtext(bytes[i]!)) i++;
      if (i === pos || bytes[i] !== 58) {
        throw new ParseError(`${what}: header line is not "Name: value" (bad or missing field name)`, at(line, i));
      }
      if (headers.length >= maxHeaders) throw new ParseError(`${what}: more than ${maxHeaders} header fields`, at(line, pos), 'payload-too-large');
      cur = { name: decodeUtf8(bytes, pos, i), nameEnd: i, start: pos, line, end: eol };
    }
    pos = eol + 2;
    line += 1;
  }
}

/**
 * Parse a MIME entity: header fields in order, then the body as the exact bytes after the first
 * empty line (RFC 2045 3 / RFC 5322 2.1: "The body is simply a sequence of characters that
 * follows the header and is separated from the header by an empty line"). Strict CRLF.
 */
export function parseMimeEntity(bytes: Uint8Array, limits?: ByteLimits): MimeEntity {
  checkSize(bytes, limits, 'MIME entity');
  const { headers, end } = parseHeaderBlock(bytes, 0, 1, limits, 'MIME entity');
  return Object.freeze({ headers: Object.freeze(headers), body: bytes.subarray(end), bodyOffset: end });
}

/** First header with this name (MIME names are case-insensitive, RFC 2045 5.1). */
export function findHeader(headers: readonly MimeHeader[], name: string): MimeHeader | undefined {
  const lower = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === lower);
}

/** A parsed Content-Type value. */
export interface ContentType {
  readonly type: string;
  readonly subtype: string;
  /** `type/subtype`, lower-cased: what comparisons use. */
  readonly mediaType: string;
  /** Parameters by lower-cased name; quoted-string values unescaped. */
  readonly params: ReadonlyMap<string, string>;
}

// RFC 2045 5.1: tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" / <"> / "/" / "[" / "]" / "?" / "="
const TSPECIALS = '()<>@,;:\\"/[]?=';
function isTokenChar(c: string): boolean {
  const code = c.charCodeAt(0);
  return code > 32 && code < 127 && !TSPECIALS.includes(c);
}

/**
 * Parse a Content-Type value strictly per RFC 2045 5.1:
 * `content := "Content-Type" ":" type "/" subtype *(";" parameter)`, `value := token / quoted-string`.
 * Linear whitespace (and folding) between the parts is allowed, as in any RFC 822 structured
 * field; comments are refused (nothing we relay uses them, and they make equal values differ).
 */
export function parseContentType(value: string): ContentType {
  const s = value.replace(/\r\n(?=[ \t])/g, '');
  let i = 0;
  const fail = (msg: string): never => { throw new ParseError(`Content-Type "${s}": ${msg}`, `character ${i}`, 'bad-request'); };
  const ws = (): void => { while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++; };
  const token = (what: string): string => {
    const from = i;
    while (i < s.length && isTokenChar(s[i]!)) i++;
    if (i === from) {
      const c = s[i];
      fail(c === undefined ? `${what} missing` : c === '(' ? 'comments are not accepted' : `${what} expected, found ${JSON.stringify(c)}`);
    }
    return s.slice(from, i);
  };
  ws();
  const type = token('type');
  if (s[i] !== '/') fail('"/" expected after the type');
  i++;
  const subtype = token('subtype');
  const params = new Map<string, string>();
  for (;;) {
    ws();
    if (i >= s.length) break;
    if (s[i] !== ';') fail(`";" expected, found ${JSON.stringify(s[i])}`);
    i++;
    ws();
    if (i >= s.length) fail('parameter expected after ";"');
    const name = token('parameter name').toLowerCase();
    ws();
    if (s[i] !== '=') fail(`"=" expected after parameter ${name}`);
    i++;
    ws();
    let v: string;
    if (s[i] === '"') {
      i++;
      let out = '';
      for (;;) {
        const c = s[i];
        if (c === undefined) fail('unterminated quoted-string');
        if (c === '"') { i++; break; }
        if (c === '\\') {
          const n = s[i + 1];
          if (n === undefined) fail('unterminated quoted-string');
          out += n; i += 2; continue;
        }
        if (c!.charCodeAt(0) < 32 && c !== '\t') fail('control character in quoted-string');
        out += c; i++;
      }
      v = out;
    } else {
      v = token(`value of parameter ${name}`);
      if (i < s.length && !/[ \t;]/.test(s[i]!)) {
        fail(`${JSON.stringify(s[i])} in the value of parameter ${name}; a value with tspecials must be quoted`);
      }
    }
    if (params.has(name)) fail(`parameter ${name} given twice`);
    params.set(name, v);
  }
  return Object.freeze({ type, subtype, mediaType: `${type}/${subtype}`.toLowerCase(), params });
}

/** What a body is, as far as the gateway needs to know. */
export type BodyClass =
  | { readonly kind: 'cpim' }
  | { readonly kind: 'multipart-signed'; readonly protocol?: string; readonly micalg?: string; readonly boundary?: string }
  | { readonly kind: 'pkcs7-mime'; readonly smimeType?: string }
  | { readonly kind: 'pidf' }
  | { readonly kind: 'imdn' }
  | { readonly kind: 'text-plain'; readonly charset: string }
  | { readonly kind: 'other'; readonly mediaType: string };

/**
 * Classify a content type (a parsed one, or a raw value to parse). A raw value's answer is
 * remembered (frozen; values up to 256 characters, bounded, forgotten all at once when full; refusals never): every message
 * classifies its Content-Type, and a gateway meets few distinct ones.
 */
export function classify(contentType: ContentType | string): BodyClass {
  if (typeof contentType !== 'string') return classifyParsed(contentType);
  const known = classified.get(contentType);
  if (known !== undefined) return known;
  const c = Object.freeze(classifyParsed(parseContentType(contentType)));
  if (contentType.length > 256) return c;
  if (classified.size >= CLASSIFIED_MAX) classified.clear();
  classified.set(contentType, c);
  return c;
}

const CLASSIFIED_MAX = 1024;
const classified = new Map<string, BodyClass>();

function classifyParsed(ct: ContentType): BodyClass {
  const p = (n: string): string | undefined => ct.params.get(n);
  const opt = <K extends string>(k: K, v: string | undefined): { [P in K]?: string } =>
    (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
  switch (ct.mediaType) {
    case 'message/cpim': return { kind: 'cpim' };
    case 'multipart/signed':
      return { kind: 'multipart-signed', ...opt('protocol', p('protocol')?.toLowerCase()), ...opt('micalg', p('micalg')?.toLowerCase()), ...opt('boundary', p('boundary')) };
    // RFC 8551 3.2.1: agents should accept the older x- name too.
    case 'application/pkcs7-mime': case 'application/x-pkcs7-mime':
      return { kind: 'pkcs7-mime', ...opt('smimeType', p('smime-type')?.toLowerCase()) };
    case 'application/pidf+xml': return { kind: 'pidf' };
    case 'message/imdn+xml': return { kind: 'imdn' };
    // RFC 2046 4.1.2: the default character set "is assumed to be US-ASCII".
    case 'text/plain': return { kind: 'text-plain', charset: (p('charset') ?? 'us-ascii').toLowerCase() };
    default: return { kind: 'other', mediaType: ct.mediaType };
  }
}

/** One body part of a multipart body: exact bytes (headers and body) as a subarray. */
export interface MultipartPart {
  readonly bytes: Uint8Array;
  /** Offset of the part in the multipart body. */
  readonly offset: number;
}

/**
 * Split a multipart body into its parts (RFC 2046 5.1.1). The CRLF before each delimiter belongs
 * to the delimiter: "The CRLF preceding the boundary delimiter line is conceptually attached to
 * the boundary". Preamble and epilogue are dropped. At most `maxParts` parts.
 */
export function splitMultipart(body: Uint8Array, boundary: string, maxParts = 64): MultipartPart[] {
  // RFC 2046 5.1.1: boundary := 0*69<bchars> bcharsnospace
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
    throw new ParseError(`multipart boundary ${JSON.stringify(boundary)} is not valid (RFC 2046 5.1.1)`, 'Content-Type boundary');
  }
  const dash = encodeUtf8(`--${boundary}`);
  const delim = encodeUtf8(`\r\n--${boundary}`);
  // The first delimiter may start the body (no CRLF before it).
  let d = body.length >= dash.length && indexOfBytes(body.subarray(0, dash.length), dash) === 0 ? 0 : indexOfBytes(body, delim);
  if (d < 0) throw new ParseError(`multipart body has no delimiter line for boundary ${JSON.stringify(boundary)}`, 'byte 0');
  let after = d === 0 ? dash.length : d + delim.length;
  const parts: MultipartPart[] = [];
  for (;;) {
    if (body[after] === 45 && body[after + 1] === 45) return parts; // close-delimiter "--"
    // transport-padding := *LWSP-char, then CRLF
    let i = after;
    while (body[i] === SP || body[i] === HTAB) i++;
    if (body[i] !== CR || body[i + 1] !== LF) throw new ParseError('multipart delimiter line not ended by CRLF', `byte ${i}`);
    const start = i + 2;
    const next = indexOfBytes(body, delim, start - 2);
    if (next < 0) throw new ParseError('multipart body has no close delimiter', `byte ${start}`);
    if (parts.length >= maxParts) throw new ParseError(`multipart body has more than ${maxParts} parts`, `byte ${start}`, 'payload-too-large');
    parts.push(Object.freeze({ bytes: body.subarray(start, Math.max(start, next)), offset: start }));
    d = next;
    after = d + delim.length;
  }
}
