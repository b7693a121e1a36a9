/**
 * `switchboard inspect FILE|-`: read a bare CPIM message, a MIME entity (`Content-type:
 * Message/CPIM`, multipart/signed, application/pkcs7-mime, ...) or a PIDF document and print its
 * canonical view as JSON, with the SHA-256 of the content exactly as received. Malformed input
 * exits 2 with one line on stderr naming the fault and where it is.
 */
import { createHash } from 'node:crypto';
import { ParseError, SwitchboardError } from '../../canonical/errors';
import { type CpimMessage, parseCpim } from '../../canonical/cpim';
import {
  type ContentType, type MimeHeader, DEFAULT_LIMITS, at, classify, findHeader, parseContentType, parseMimeEntity, splitMultipart,
} from '../../canonical/mime';
import { parsePidf } from '../../canonical/pidf';
import { InputTooLarge as InputError, readInput } from './read-input';

export interface InspectIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

export interface InspectOptions {
  /** Largest input read (default 1 MiB, the parsers' limit). */
  readonly maxBytes?: number;
  /** How long to wait for stdin to end (default 30 s). */
  readonly stdinTimeoutMs?: number;
}

/** Exit statuses. */
export const EXIT_OK = 0;
export const EXIT_IO = 1;
export const EXIT_MALFORMED = 2;
export const EXIT_USAGE = 64;

const USAGE = 'usage: switchboard inspect FILE   (or - for stdin)\n'
  + '  Prints the canonical view of a CPIM message, a MIME entity or a PIDF document as JSON.\n'
  + '  Exit status: 0 ok, 2 malformed input, 1 unreadable input, 64 bad usage.\n';


const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();

const headerList = (hs: readonly MimeHeader[]): { name: string; value: string }[] => hs.map((h) => ({ name: h.name, value: h.value }));

function cpimView(msg: CpimMessage): Record<string, unknown> {
  const ct = findHeader(msg.content.headers, 'content-type')!;
  const imdn = msg.imdn;
  const hasImdn = imdn.messageId !== undefined || imdn.dispositionNotification !== undefined || imdn.originalTo !== undefined
    || imdn.recordRoute.length > 0 || imdn.route.length > 0;
  return {
    kind: 'cpim',
    mimeHeaders: msg.mimeHeaders && headerList(msg.mimeHeaders),
    headers: msg.headers.map((h) => ({
      name: h.name, value: h.value, namespace: h.namespace,
      ...(h.lang !== undefined ? { lang: h.lang } : {}),
      ...(h.params.length > 0 ? { params: h.params.map((p) => ({ name: p.name, value: p.value })) } : {}),
    })),
    from: msg.from,
    to: msg.to,
    cc: msg.cc,
    dateTime: msg.dateTime?.raw,
    subjects: msg.subjects,
    namespaces: msg.namespaces,
    require: msg.require,
    imdn: hasImdn ? imdn : undefined,
    contentType: ct.value,
    mediaType: msg.content.contentType.mediaType,
    contentClass: classify(msg.content.contentType),
    contentHeaders: headerList(msg.content.headers),
    contentLength: msg.content.bytes.length,
    // RFC 3862 2.4: the encapsulated MIME object, headers and body, exactly as received.
    contentSha256: sha256(msg.content.bytes),
  };
}

function mimeView(bytes: Uint8Array, depth: number): Record<string, unknown> {
  const e = parseMimeEntity(bytes);
  const ctHeader = findHeader(e.headers, 'content-type');
  const where = ctHeader && at(ctHeader.line, ctHeader.start);
  let ct: ContentType | undefined;
  try { ct = ctHeader && parseContentType(ctHeader.value); } catch (err) {
    throw new ParseError((err as ParseError).message, where);
  }
  let parts: unknown[] | undefined;
  if (ct?.type.toLowerCase() === 'multipart' && depth < 4) {
    const boundary = ct.params.get('boundary');
    if (boundary === undefined) throw new ParseError(`${ct.mediaType} has no boundary parameter (RFC 2046 5.1.1)`, where);
    parts = splitMultipart(e.body, boundary).map((p) => partView(p.bytes, depth + 1));
  }
  return {
    kind: 'mime',
    headers: headerList(e.headers),
    contentType: ctHeader?.value,
    mediaType: ct?.mediaType,
    contentClass: ct && classify(ct),
    contentLength: e.body.length,
    contentSha256: sha256(e.body),
    parts,
  };
}

function partView(bytes: Uint8Array, depth: number): Record<string, unknown> {
  const v = mimeView(bytes, depth);
  const out: Record<string, unknown> = { ...v, kind: undefined, entitySha256: sha256(bytes) };
  if (v.mediaType === 'message/cpim') out.cpim = cpimView(parseCpim(bytes, { mimeHeaders: 'present' }));
  return out;
}

function pidfView(bytes: Uint8Array): Record<string, unknown> {
  const doc = parsePidf(bytes);
  return {
    kind: 'pidf',
    contentType: 'application/pidf+xml',
    entity: doc.entity,
    tuples: doc.tuples.map((t) => ({
      id: t.id,
      status: { basic: t.status.basic },
      contact: t.contact && { uri: t.contact.uri, priority: t.contact.priority },
      notes: t.notes,
      timestamp: t.timestamp,
    })),
    notes: doc.notes,
    contentLength: bytes.length,
    // The whole document, exactly as received.
    contentSha256: sha256(bytes),
  };
}

/** Content-Type of the first header block, if it has one (case-insensitive name). */
function firstBlockContentType(bytes: Uint8Array): string | undefined {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const end = s.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = s.subarray(0, end).toString('utf8').replace(/\r\n(?=[ \t])/g, '');
  for (const line of head.split('\r\n')) {
    const m = /^content-type:[ \t]*(.*)$/i.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Build the canonical view of `bytes`; throws ParseError (or InputError) on malformed input. */
export function inspectBytes(bytes: Uint8Array): Record<string, unknown> {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  if (bytes[i] === 0x3c) return pidfView(bytes); // '<': an XML document
  const ct = firstBlockContentType(bytes);
  if (ct === undefined) return cpimView(parseCpim(bytes, { mimeHeaders: 'absent' }));
  let isCpim = false;
  try { isCpim = parseContentType(ct).mediaType === 'message/cpim'; } catch { /* mimeView reports it, with its line */ }
  return isCpim ? cpimView(parseCpim(bytes, { mimeHeaders: 'present' })) : mimeView(bytes, 0);
}

/**
 * Run `switchboard inspect` with its arguments (after "inspect"). Never exits the process:
 * returns the exit status.
 */
export async function runInspect(args: string[], io: InspectIo, opts: InspectOptions = {}): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.stdout.write(USAGE); return EXIT_OK; }
  const file = args[0];
  if (args.length !== 1 || file === undefined || (file.startsWith('-') && file !== '-')) {
    io.stderr.write(`switchboard inspect: expected one FILE or -, got ${args.length === 0 ? 'nothing' : JSON.stringify(args.join(' '))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const max = opts.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  const name = file === '-' ? 'stdin' : file;
  let bytes: Uint8Array;
  try {
    bytes = await readInput(file, io.stdin, max, opts.stdinTimeoutMs ?? 30_000);
  } catch (e) {
    if (e instanceof InputError) { io.stderr.write(`switchboard inspect: ${name}: ${oneLine(e.message)}\n`); return EXIT_MALFORMED; }
    io.stderr.write(`switchboard inspect: cannot read ${name}: ${oneLine((e as Error).message)}\n`);
    return EXIT_IO;
  }
  let view: Record<string, unknown>;
  try {
    view = inspectBytes(bytes);
  } catch (e) {
    if (e instanceof SwitchboardError || e instanceof InputError) {
      io.stderr.write(`switchboard inspect: ${name}: ${oneLine(e.message)}\n`);
      return EXIT_MALFORMED;
    }
    io.stderr.write(`switchboard inspect: ${name}: internal error: ${oneLine(String((e as Error)?.message ?? e))}\n`);
    return EXIT_IO;
  }
  io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  return EXIT_OK;
}
