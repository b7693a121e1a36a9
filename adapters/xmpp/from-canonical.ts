/**
 * Canonical -> XMPP: addresses, MessageOp to a <message/> record, PIDF to <presence/> records.
 * Pure.
 */
import { escapeForeign, formatJid, type Address } from '../../canonical/address';
import { parseCpim } from '../../canonical/cpim';
import { ParseError, SwitchboardError } from '../../canonical/errors';
import { classify } from '../../canonical/mime';
import type { Content, MessageOp } from '../../canonical/operations';
import { parsePidf, type PidfDocument } from '../../canonical/pidf';
import { activitiesToShow, pidfPriorityToXmpp, tupleShow } from '../../canonical/pidf-xmpp';
import { formatTrace } from '../../canonical/trace';
import { findInvalidUtf8 } from '../../canonical/utf8';
import { tupleIdToResource } from './to-canonical';
import { findNonXmlChar, type LangText, type OutMessage, type OutPresence } from './wire';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The JID a gateway-side address appears under toward XMPP. An address on a component domain is
 * itself; any other (a JSON or foreign user) is escaped onto the component domain
 * (`user%other.dom@component`) so that XMPP users can answer it (RFC 2779 4.1.3), and the local
 * part is XEP-0106-escaped by formatJid.
 */
export function addressToGatewayJid(a: Address, componentDomain: string, gatewayDomains: readonly string[]): string {
  const domain = a.domain.toLowerCase();
  if (gatewayDomains.includes(domain)) return formatJid(a);
  const escaped = escapeForeign({ local: a.local, domain }, componentDomain);
  return formatJid(a.resource !== undefined ? { ...escaped, resource: a.resource } : escaped);
}

/** Which component domain a sender appears on: its own when it is one, else the first. */
export function componentFor(from: Address, gatewayDomains: readonly string[]): string | undefined {
  const d = from.domain.toLowerCase();
  return gatewayDomains.includes(d) ? d : gatewayDomains[0];
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** UTF-8 text XML can carry exactly (apart from line ends), or undefined. */
function xmlSafeText(bytes: Uint8Array): string | undefined {
  if (findInvalidUtf8(bytes) >= 0) return undefined;
  const s = fatal.decode(bytes);
  return findNonXmlChar(s) === undefined ? s : undefined;
}

/** The content part of an outgoing message. */
export interface MappedContent {
  readonly body?: string;
  readonly subjects?: readonly LangText[];
  readonly e2e?: string;
  readonly raw?: { readonly type: string; readonly base64: string };
}

const unsupported = (why: string): never => {
  throw new SwitchboardError('unsupported-media-type', why);
};

/** text/plain in UTF-8 or US-ASCII as a body string; anything else refused with the reason. */
function plainBody(type: string, bytes: Uint8Array, where: string, classified?: ReturnType<typeof classify>): string {
  const c = classified ?? classify(type);
  if (c.kind !== 'text-plain') return unsupported(`${where} is ${type}, not text/plain`);
  // RFC 3922 4.2.9: "If the charset is "US-ASCII" or "UTF-8", the gateway MUST map the
  // "Message/CPIM" object; otherwise it SHOULD NOT."
  if (c.charset !== 'utf-8' && c.charset !== 'us-ascii') return unsupported(`${where} is in charset ${c.charset}; XMPP carries UTF-8 only (RFC 3922 4.2.9)`);
  if (findInvalidUtf8(bytes) >= 0) throw new SwitchboardError('bad-request', `${where} is not valid UTF-8`);
  const s = fatal.decode(bytes);
  const bad = findNonXmlChar(s);
  if (bad) throw new SwitchboardError('bad-request', `${where} holds U+${bad.codePoint.toString(16).toUpperCase().padStart(4, '0')} at character ${bad.index}, which XML 1.0 cannot carry`);
  return s;
}

/** The e2e wrapper: RFC 3923 3.1 step 3, the secured object with its MIME headers. */
function e2eText(type: string, bytes: Uint8Array): string | undefined {
  return xmlSafeText(Buffer.concat([Buffer.from(`Content-Type: ${type}\r\n\r\n`, 'utf8'), bytes]));
}

/**
 * Maps canonical content to <body/>, <e2e/> and <raw/>.
 * - text/plain (UTF-8/US-ASCII): <body/> (RFC 3922 4.2.9, RFC 7572 7).
 * - message/cpim with text/plain inside: <body/> and the CPIM subjects, plus <raw/> so a
 *   Switchboard on the far side restores the exact CPIM bytes.
 * - multipart/signed, application/pkcs7-mime, or CPIM holding anything else: RFC 3923 <e2e/>
 *   (omitted when XML cannot hold the bytes) and <raw/>; never <body/> ("MUST NOT map it to the
 *   <body/> child", RFC 3922 4.2.9).
 * - anything else: refused (unsupported-media-type).
 */
export function mapContent(content: Content): MappedContent {
  let kind;
  try {
    kind = classify(content.type);
  } catch (err) {
    throw new SwitchboardError('bad-request', `Content-Type: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Only the kinds that carry <raw/> pay for the base64 (plain text, the common case, does not).
  const raw = (): { type: string; base64: string } => ({ type: content.type, base64: b64(content.bytes) });
  switch (kind.kind) {
    case 'text-plain':
      return { body: plainBody(content.type, content.bytes, 'the text/plain content', kind) };
    case 'cpim': {
      let cpim;
      try {
        cpim = parseCpim(content.bytes);
      } catch (err) {
        throw new SwitchboardError('bad-request', `message/cpim: ${err instanceof ParseError ? err.message : String(err)}`);
      }
      const inner = cpim.content.contentType;
      const innerKind = classify(inner);
      if (innerKind.kind === 'text-plain') {
        const typeHeader = cpim.content.headers.find((h) => h.name.toLowerCase() === 'content-type');
        const body = plainBody(typeHeader?.value ?? inner.mediaType, cpim.content.body, 'the text/plain inside message/cpim');
        // RFC 3922 4.2.5: each CPIM Subject maps to <subject/>, ;lang= to xml:lang.
        const subjects = cpim.subjects.map((s) => ({ text: s.text, ...(s.lang !== undefined ? { lang: s.lang } : {}) }));
        return { body, ...(subjects.length > 0 ? { subjects } : {}), raw: raw() };
      }
      const e2e = e2eText(content.type, content.bytes);
      return { ...(e2e !== undefined ? { e2e } : {}), raw: raw() };
    }
    case 'multipart-signed':
    case 'pkcs7-mime': {
      const e2e = e2eText(content.type, content.bytes);
      return { ...(e2e !== undefined ? { e2e } : {}), raw: raw() };
    }
    default:
      return unsupported(`${content.type} cannot be carried in XMPP: <body/> holds text/plain only (RFC 3922 4.2.9) and only signed or encrypted content travels in <e2e/> (RFC 3923)`);
  }
}

export interface OutboundOptions {
  readonly gatewayDomains: readonly string[];
  /** Stanza id to use. */
  readonly id: string;
  readonly requestReceipt: boolean;
  /** Client mode: the account's own JID, the only one its server lets it send from. */
  readonly fromJid?: string;
}

/**
 * A MessageOp as a <message/> record. RFC 7572 5: "an IM-capable SIP-to-XMPP gateway MUST specify
 * no XMPP 'type' attribute or, equivalently, a 'type' attribute whose value is "normal"".
 * Subjects of the operation win over those inside CPIM (they are the same when both exist).
 */
export function messageFromCanonical(op: MessageOp, o: OutboundOptions): OutMessage {
  const component = componentFor(op.from, o.gatewayDomains);
  if (component === undefined && o.fromJid === undefined) throw new SwitchboardError('service-unavailable', 'no XMPP component domain is configured to send from');
  const mapped = mapContent(op.content);
  const subjects = op.subject && op.subject.length > 0 ? op.subject : mapped.subjects;
  return {
    from: o.fromJid ?? addressToGatewayJid(op.from, component!, o.gatewayDomains),
    to: formatJid(op.to),
    id: o.id,
    ...(mapped.body !== undefined ? { body: mapped.body } : {}),
    ...(subjects && subjects.length > 0 ? { subjects: subjects.map((s) => ({ text: s.text, ...(s.lang !== undefined ? { lang: s.lang } : {}) })) } : {}),
    ...(op.thread !== undefined ? { thread: op.thread } : {}),
    ...(mapped.e2e !== undefined ? { e2e: mapped.e2e } : {}),
    ...(mapped.raw ? { raw: mapped.raw } : {}),
    trace: { hops: op.maxForwards, text: formatTrace(op.trace) },
    requestReceipt: o.requestReceipt,
  };
}

/**
 * A PIDF document as presence stanzas, one per tuple (RFC 7248 table 2, RFC 3922 5.2): basic open
 * -> no type, closed -> unavailable (note 1); <note/> -> <status/>; the jabber:client <show/> (or,
 * without it, RPID activities) -> <show/> (note 4); contact priority -> <priority/> (5.2.13,
 * never negative); tuple id -> resource (the "ID-" prefix removed). RFC 3922 5.2.11: a document
 * with zero tuples "MUST NOT" be mapped: the result is then empty.
 */
export function pidfToPresences(doc: PidfDocument, from: string, to: string): OutPresence[] {
  const out: OutPresence[] = [];
  for (const t of doc.tuples.slice(0, 32)) {
    const resource = tupleIdToResource(t.id);
    const jid = resource !== '' ? `${from}/${resource}` : from;
    if (t.status.basic === 'closed') {
      out.push({ from: jid, to, type: 'unavailable', ...(statusOf(t.notes, doc) ?? {}) });
      continue;
    }
    const acts = t.rpid.activities?.values ?? doc.rpid.person.activities?.values ?? [];
    const show = tupleShow(t) ?? activitiesToShow(acts);
    const prio = t.contact?.priority !== undefined ? pidfPriorityToXmpp(t.contact.priority) : undefined;
    out.push({
      from: jid, to,
      ...(show !== undefined ? { show } : {}),
      ...(statusOf(t.notes, doc) ?? {}),
      ...(prio !== undefined ? { priority: prio } : {}),
    });
  }
  return out;
}

function statusOf(notes: PidfDocument['notes'], doc: PidfDocument): { status: LangText } | undefined {
  const n = notes[0] ?? doc.notes[0];
  if (!n || findNonXmlChar(n.text) !== undefined) return undefined;
  return { status: n.lang !== undefined ? { text: n.text, lang: n.lang } : { text: n.text } };
}

/**
 * Documents already parsed, by their bytes: a fan-out hands the same document to every watcher,
 * and parsing it once per watcher was a large part of the cost of a notification. Content bytes
 * are never changed in place (canonical/operations.ts), so the parsed view stays valid; entries
 * go with the bytes.
 */
const parsedPidf = new WeakMap<Uint8Array, PidfDocument | null>();

/** Parses a presence document for mapping; undefined when it is not PIDF we can read. */
export function readPidf(c: Content | undefined): PidfDocument | undefined {
  if (!c) return undefined;
  const known = parsedPidf.get(c.bytes);
  if (known !== undefined) return known ?? undefined;
  let doc: PidfDocument | null;
  try {
    doc = parsePidf(c.bytes, { requireXmlDeclaration: false });
  } catch {
    doc = null;
  }
  parsedPidf.set(c.bytes, doc);
  return doc ?? undefined;
}
