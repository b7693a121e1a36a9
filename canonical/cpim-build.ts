/**
 * Build new `message/cpim` messages, for sources that did not send CPIM (an XMPP <body/>, a JSON
 * message). Relayed CPIM is never rebuilt: see serializeCpim. Pure: no I/O.
 */
import { ParseError } from './errors';
import { findHeader, parseContentType, parseMimeEntity } from './mime';
import {
  CPIM_HEADERS_NS, IMDN_NS, type CpimAddress, LANGUAGE_TAG, escapeText, formatAddressValue, formatDateTime,
  hasLoneSurrogate, isAbsoluteUri, isName, isToken, parseDateTime, splitHeaderName,
} from './cpim-syntax';
import { concatBytes, encodeUtf8 } from './utf8';

/** An extension header to add (after the core and IMDN headers). */
export interface CpimExtensionHeader {
  /** Header-name, `prefix.Name` with a prefix declared in `ns`, or a bare Name. */
  readonly name: string;
  /** The value as text: control characters and backslashes are escaped by the builder. */
  readonly value: string;
  readonly lang?: string;
}

/** What a new message says. */
export interface CpimBuildInput {
  /** Prepend the MIME header `Content-type: Message/CPIM` and an empty line (RFC 3862 2.1). */
  readonly withMimeHeaders?: boolean;
  readonly from?: CpimAddress;
  readonly to?: readonly CpimAddress[];
  readonly cc?: readonly CpimAddress[];
  /** A Date (written in UTC) or an RFC 3339 date-time string (written as given, after checking). */
  readonly dateTime?: Date | string;
  readonly subject?: readonly { readonly text: string; readonly lang?: string }[];
  /** Namespace prefixes to declare, prefix -> absolute URI. */
  readonly ns?: Readonly<Record<string, string>>;
  /** Header names the recipient must understand (RFC 3862 3.5). */
  readonly require?: readonly string[];
  /** RFC 5438 headers; declared under `prefix` (default `imdn`) unless `ns` already binds the IMDN URN. */
  readonly imdn?: {
    readonly prefix?: string;
    readonly messageId: string;
    readonly dispositionNotification?: readonly string[];
    readonly originalTo?: CpimAddress;
  };
  readonly headers?: readonly CpimExtensionHeader[];
  /**
   * The encapsulated MIME object: a type and bytes (the builder writes its headers), or a whole
   * MIME entity used exactly as given (e.g. an S/MIME multipart/signed entity: its bytes must not
   * change, or the signature breaks).
   */
  readonly content: {
    /** Content-Type of the encapsulated object, checked against RFC 2045 5.1. */
    readonly type: string;
    readonly bytes: Uint8Array;
    /** More MIME headers of the encapsulated object, after Content-Type (e.g. Content-ID). */
    readonly extraHeaders?: readonly { readonly name: string; readonly value: string }[];
  } | {
    /** A MIME entity (headers, empty line, body), CRLF line ends, with a Content-Type header. */
    readonly entity: Uint8Array;
  };
}

function bad(msg: string, where: string): never {
  throw new ParseError(`buildCpim: ${msg}`, where);
}

function text(s: string, where: string, inQuotes = false): string {
  if (hasLoneSurrogate(s)) bad('text has a lone UTF-16 surrogate (not encodable as UTF-8)', where);
  return escapeText(s, inQuotes);
}

function address(a: CpimAddress, where: string): string {
  if (!isAbsoluteUri(a.uri, true)) bad(`${JSON.stringify(a.uri)} is not an absolute URI`, `${where}.uri`);
  if (a.name !== undefined && hasLoneSurrogate(a.name)) bad('name has a lone UTF-16 surrogate', `${where}.name`);
  return formatAddressValue(a);
}

/**
 * Build a new message/cpim: core headers (From, To, cc, DateTime, Subject), NS declarations,
 * Require, IMDN headers, extension headers, an empty line, then the encapsulated MIME object
 * (Content-Type, extra headers, empty line, the content bytes unchanged). CRLF line ends, one SP
 * after each colon, values escaped as RFC 3862 2.3.1 requires. Throws ParseError on input the
 * format cannot carry.
 */
export function buildCpim(input: CpimBuildInput): Uint8Array {
  const lines: string[] = [];
  if (input.from) lines.push(`From: ${address(input.from, 'from')}`);
  (input.to ?? []).forEach((a, i) => lines.push(`To: ${address(a, `to[${i}]`)}`));
  (input.cc ?? []).forEach((a, i) => lines.push(`cc: ${address(a, `cc[${i}]`)}`));
  if (input.dateTime !== undefined) {
    const dt = input.dateTime instanceof Date ? formatDateTime(input.dateTime) : input.dateTime;
    const p = parseDateTime(dt);
    if (typeof p === 'string') bad(`dateTime ${JSON.stringify(dt)}: ${p}`, 'dateTime');
    lines.push(`DateTime: ${dt}`);
  }
  (input.subject ?? []).forEach((s, i) => {
    if (s.lang !== undefined && !LANGUAGE_TAG.test(s.lang)) bad(`${JSON.stringify(s.lang)} is not a language tag`, `subject[${i}].lang`);
    lines.push(`Subject:${s.lang !== undefined ? `;lang=${s.lang}` : ''} ${text(s.text, `subject[${i}].text`)}`);
  });

  const declared = new Map<string, string>();
  for (const [prefix, uri] of Object.entries(input.ns ?? {})) {
    if (!isName(prefix)) bad(`namespace prefix ${JSON.stringify(prefix)} is not a Name`, `ns.${prefix}`);
    if (!isAbsoluteUri(uri)) bad(`namespace ${JSON.stringify(uri)} is not an absolute URI without fragment`, `ns.${prefix}`);
    declared.set(prefix, uri);
    lines.push(`NS: ${prefix} <${uri}>`);
  }
  let imdnPrefix: string | undefined;
  if (input.imdn) {
    imdnPrefix = [...declared].find(([, uri]) => uri === IMDN_NS)?.[0];
    if (imdnPrefix === undefined) {
      imdnPrefix = input.imdn.prefix ?? 'imdn';
      if (!isName(imdnPrefix)) bad(`IMDN prefix ${JSON.stringify(imdnPrefix)} is not a Name`, 'imdn.prefix');
      if (declared.has(imdnPrefix)) bad(`prefix ${imdnPrefix} is bound to another namespace`, 'imdn.prefix');
      declared.set(imdnPrefix, IMDN_NS);
      // RFC 5438 6.1: "the new header fields ... are prepended ... by a prefix assigned to the URN through the NS header field"
      lines.push(`NS: ${imdnPrefix} <${IMDN_NS}>`);
    }
  }
  const checkName = (name: string, where: string): void => {
    const parts = splitHeaderName(name);
    if (!parts) bad(`${JSON.stringify(name)} is not a header name`, where);
    if (parts.prefix !== undefined && !declared.has(parts.prefix)) bad(`prefix ${JSON.stringify(parts.prefix)} is not declared in ns`, where);
  };
  if (input.require && input.require.length > 0) {
    input.require.forEach((n, i) => checkName(n, `require[${i}]`));
    lines.push(`Require: ${input.require.join(',')}`);
  }
  if (input.imdn && imdnPrefix !== undefined) {
    const { messageId, dispositionNotification, originalTo } = input.imdn;
    // RFC 5438 10: Message-ID = "Message-ID" ": " Token
    if (!isToken(messageId)) bad(`IMDN Message-ID ${JSON.stringify(messageId)} is not a Token`, 'imdn.messageId');
    lines.push(`${imdnPrefix}.Message-ID: ${messageId}`);
    if (dispositionNotification && dispositionNotification.length > 0) {
      dispositionNotification.forEach((t, i) => { if (!isToken(t)) bad(`${JSON.stringify(t)} is not a Token`, `imdn.dispositionNotification[${i}]`); });
      lines.push(`${imdnPrefix}.Disposition-Notification: ${dispositionNotification.join(', ')}`);
    }
    if (originalTo) lines.push(`${imdnPrefix}.Original-To: ${address(originalTo, 'imdn.originalTo')}`);
  }
  (input.headers ?? []).forEach((h, i) => {
    checkName(h.name, `headers[${i}].name`);
    const parts = splitHeaderName(h.name)!;
    const ns = parts.prefix === undefined ? CPIM_HEADERS_NS : declared.get(parts.prefix);
    if (ns === CPIM_HEADERS_NS && ['From', 'To', 'cc', 'DateTime', 'Subject', 'NS', 'Require'].includes(parts.localName)) {
      bad(`${h.name} is a core header: use its own field`, `headers[${i}].name`);
    }
    if (h.lang !== undefined && !LANGUAGE_TAG.test(h.lang)) bad(`${JSON.stringify(h.lang)} is not a language tag`, `headers[${i}].lang`);
    const v = text(h.value, `headers[${i}].value`);
    // RFC 3862 2.2: "There MUST NOT be any whitespace at the beginning or end of a line."
    if (v.endsWith(' ') || v.startsWith(' ')) bad('value begins or ends with a space', `headers[${i}].value`);
    lines.push(`${h.name}:${h.lang !== undefined ? `;lang=${h.lang}` : ''} ${v}`);
  });
  for (const [i, l] of lines.entries()) {
    if (l.endsWith(' ')) bad('a header value may not end with a space (RFC 3862 2.2)', `line ${i + 1}`);
  }

  const cpimHead = `${input.withMimeHeaders ? 'Content-type: Message/CPIM\r\n\r\n' : ''}${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
  const content = input.content;
  if ('entity' in content) {
    let ct: string | undefined;
    try { ct = findHeader(parseMimeEntity(content.entity).headers, 'content-type')?.value; } catch (e) { bad((e as Error).message, 'content.entity'); }
    // RFC 3862 2.4: "The MIME content headers MUST include at least a Content-Type header."
    if (ct === undefined) bad('the entity has no Content-Type header (RFC 3862 2.4)', 'content.entity');
    try { parseContentType(ct); } catch (e) { bad((e as Error).message, 'content.entity'); }
    return concatBytes([encodeUtf8(cpimHead), content.entity]);
  }
  try { parseContentType(content.type); } catch (e) { bad((e as Error).message, 'content.type'); }
  const mime = [`Content-Type: ${content.type}`];
  (content.extraHeaders ?? []).forEach((h, i) => {
    if (!/^[!-9;-~]+$/.test(h.name)) bad(`${JSON.stringify(h.name)} is not a MIME header name`, `content.extraHeaders[${i}].name`);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(h.value) || hasLoneSurrogate(h.value)) bad('control character in MIME header value', `content.extraHeaders[${i}].value`);
    mime.push(`${h.name}: ${h.value}`);
  });
  return concatBytes([encodeUtf8(`${cpimHead}${mime.map((l) => `${l}\r\n`).join('')}\r\n`), content.bytes]);
}
