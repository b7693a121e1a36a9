/**
 * XMPP -> canonical: addresses, <message/> to MessageOp, <presence/> to PIDF. Pure: ids, clocks
 * and configuration come in as arguments.
 */
import { formatUri, parseJid, unescapeForeign, type Address } from '../../canonical/address';
import { ParseError } from '../../canonical/errors';
import type { Content, Hops, MessageOp, Subject } from '../../canonical/operations';
import { buildPidf, type PidfTupleInput } from '../../canonical/pidf';
import { showToActivities, showXml, xmppPriorityToPidf, type XmppShow } from '../../canonical/pidf-xmpp';
import { parseMaxForwards, parseTrace } from '../../canonical/trace';
import { isNcName } from '../../canonical/xml';
import { LIMITS, WireError, type WireMessage, type WirePresence } from './wire';

const UTF8 = new TextEncoder();

/**
 * A JID as a canonical address. A JID on one of the gateway's own (component) domains whose local
 * part is in the escaped foreign form `user%other.dom` is the foreign address user@other.dom
 * (DESIGN "Addresses and routing"; RFC 2779 4.1.3: every received message can be answered).
 */
export function jidToAddress(jid: string, gatewayDomains: readonly string[], keepResource = false): Address {
  let a: Address;
  try {
    a = parseJid(jid);
  } catch (err) {
    throw new WireError(`${JSON.stringify(jid.slice(0, 100))} is not a JID: ${err instanceof Error ? err.message : String(err)}`);
  }
  const domain = a.domain.toLowerCase();
  const bare: Address = { local: a.local, domain };
  const mapped = gatewayDomains.includes(domain) ? unescapeForeign(bare, domain) : bare;
  return keepResource && a.resource !== undefined ? { ...mapped, resource: a.resource } : mapped;
}

/** Hops from a <trace/> extension, or a fresh budget when the stanza carries none. */
export function hopsOf(trace: WireMessage['trace'], defaultMaxForwards: number): Hops {
  if (!trace) return { maxForwards: defaultMaxForwards, trace: [] };
  try {
    return {
      maxForwards: trace.hops !== undefined ? parseMaxForwards(trace.hops) : defaultMaxForwards,
      trace: parseTrace(trace.text),
    };
  } catch (err) {
    throw new WireError(`<trace xmlns="urn:switchboard:trace:0"/>: ${err instanceof ParseError ? err.message : String(err)}`);
  }
}

/** Strict base64 (RFC 4648 section 4), whitespace allowed between groups. */
export function decodeBase64(s: string, what: string): Uint8Array {
  const compact = s.replace(/[ \t\r\n]+/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new WireError(`${what} is not base64 (RFC 4648 section 4)`);
  }
  const buf = Buffer.from(compact, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Unwraps RFC 3923 <e2e/> character data: a MIME entity (headers, empty line, body). RFC 3923 8:
 * the gateway "MUST remove the XMPP 'wrapper' ... to reveal the multipart S/MIME object" and the
 * object "MUST NOT be modified". Leading white space before the first header (the line break
 * after <![CDATA[ in RFC 3923's examples) is not part of the entity.
 */
export function unwrapE2e(data: string): Content {
  const s = data.replace(/^[ \t\r\n]+/, '');
  const m = /\r?\n\r?\n/.exec(s);
  if (!m) throw new WireError('<e2e/> does not hold a MIME entity (no empty line after the headers; RFC 3923 section 3.1)');
  const head = s.slice(0, m.index).replace(/\r?\n(?=[ \t])/g, '');
  let type: string | undefined;
  for (const line of head.split(/\r?\n/)) {
    const h = /^content-type[ \t]*:[ \t]*(.*)$/i.exec(line);
    if (h) type = h[1]!.trim();
  }
  if (type === undefined || type === '') throw new WireError('<e2e/> MIME entity has no Content-Type header (RFC 3923 section 9)');
  return { type, bytes: UTF8.encode(s.slice(m.index + m[0].length)) };
}

/** The content of a message: exact <raw/> bytes first, then <e2e/>, then <body/>. */
export function messageContent(m: WireMessage): Content | undefined {
  if (m.raw) return { type: m.raw.type, bytes: decodeBase64(m.raw.base64, '<raw xmlns="urn:switchboard:raw:0"/>') };
  if (m.e2e !== undefined) return unwrapE2e(m.e2e);
  const body = pickByLang(m.bodies, m.lang);
  if (body === undefined) return undefined;
  // RFC 3922 4.1.7: "The XML character data of the XMPP <body/> element maps to the encapsulated
  // text message content" (text/plain; charset=utf-8).
  return { type: 'text/plain;charset=utf-8', bytes: UTF8.encode(body.text) };
}

/** The body in the stanza's default language (RFC 6121 5.2.3: several <body/> may differ by xml:lang). */
function pickByLang(items: readonly { text: string; lang?: string }[], lang: string | undefined): { text: string; lang?: string } | undefined {
  return items.find((b) => b.lang === undefined) ?? items.find((b) => b.lang === lang) ?? items[0];
}

export interface InboundOptions {
  /** The component domains (and, in client mode, nothing: client JIDs are never escaped). */
  readonly gatewayDomains: readonly string[];
  readonly maxForwards: number;
  /** A fresh unique id (for stanzas without one). */
  readonly newId: () => string;
  /** RFC 3339 now. */
  readonly now: () => string;
}

/**
 * A <message/> as a canonical MessageOp, or undefined when it carries nothing to relay (chat
 * states, bare receipts). RFC 3922 4.1.4: the message 'type' "SHOULD" be ignored; 4.1.6: each
 * <subject/> maps with its xml:lang; <thread/> and id are kept so a reply can be threaded.
 */
export function messageToCanonical(m: WireMessage, o: InboundOptions): MessageOp | undefined {
  if (m.from === undefined || m.to === undefined) throw new WireError('message without from or to');
  const content = messageContent(m);
  if (content === undefined) return undefined;
  const from = jidToAddress(m.from, o.gatewayDomains, true);
  const to = jidToAddress(m.to, o.gatewayDomains, false);
  const subject: Subject[] = m.subjects.map((s) => ({ text: s.text, ...(s.lang !== undefined ? { lang: s.lang } : {}) }));
  const id = m.id ?? o.newId();
  return {
    kind: 'message',
    id,
    transactionId: m.id ?? id,
    from,
    to,
    content,
    ...hopsOf(m.trace, o.maxForwards),
    ...(subject.length > 0 ? { subject } : {}),
    ...(m.thread !== undefined ? { thread: m.thread } : {}),
    dateTime: o.now(),
    ...(m.receiptRequest ? { deliveryNotification: true } : {}),
    source: { protocol: 'xmpp', ...(m.id !== undefined ? { id: m.id } : {}) },
  };
}

/**
 * A resource as a PIDF tuple id. RFC 7248 5.2 note 2: "prepending the resourcepart with "ID-" or
 * some other alphabetic string ... is RECOMMENDED" (xs:ID is narrower than a resourcepart); a
 * resource that still is not an NCName is sent hex-encoded after "IDX-".
 */
export function resourceToTupleId(resource: string | undefined): string {
  const r = resource ?? '';
  const plain = `ID-${r}`;
  if (r !== '' && isNcName(plain)) return plain;
  return `IDX-${Buffer.from(r, 'utf8').toString('hex')}`;
}

/** The inverse of resourceToTupleId; other tuple ids are used as the resource unchanged. */
export function tupleIdToResource(id: string): string {
  if (id.startsWith('IDX-') && /^[0-9a-f]*$/.test(id.slice(4)) && id.length % 2 === 0) return Buffer.from(id.slice(4), 'hex').toString('utf8');
  if (id.startsWith('ID-') && id.length > 3) return id.slice(3);
  return id;
}

/** One resource's presence as the gateway keeps it between stanzas. */
export interface ResourcePresence {
  readonly basic: 'open' | 'closed';
  readonly show?: XmppShow;
  readonly status?: { readonly text: string; readonly lang?: string };
  readonly priority?: number;
}

const SHOWS = ['away', 'chat', 'dnd', 'xa'];

/** Reads an available/unavailable <presence/> into the per-resource record. */
export function presenceToResource(p: WirePresence): ResourcePresence {
  if (p.type !== undefined && p.type !== 'unavailable') throw new WireError(`presence of type ${p.type} is not a notification`);
  const status = pickByLang(p.statuses, undefined);
  let priority: number | undefined;
  if (p.priority !== undefined) {
    // RFC 6121 4.7.2.3: "The value MUST be an integer between -128 and +127."
    if (!/^[+-]?[0-9]{1,3}$/.test(p.priority) || Math.abs(Number(p.priority)) > 128 || Number(p.priority) > 127) {
      throw new WireError(`<priority/> ${JSON.stringify(p.priority.slice(0, 20))} is not an integer between -128 and +127 (RFC 6121 4.7.2.3)`);
    }
    priority = Number(p.priority);
  }
  return {
    basic: p.type === 'unavailable' ? 'closed' : 'open',
    ...(p.show !== undefined && SHOWS.includes(p.show) && p.type !== 'unavailable' ? { show: p.show as XmppShow } : {}),
    ...(status !== undefined && status.text.length <= LIMITS.maxText ? { status: status.lang !== undefined ? { text: status.text, lang: status.lang } : { text: status.text } } : {}),
    ...(priority !== undefined ? { priority } : {}),
  };
}

/**
 * A presentity's resources as one PIDF document (RFC 7248 table 1, RFC 3922 5.1): no type ->
 * basic open, unavailable -> closed (5.2 note 4), <status/> -> <note/>, <show/> -> the
 * jabber:client <show/> in <status> (note 7) and RPID activities, resource -> tuple id with the
 * "ID-" prefix (note 2), priority -> contact priority where not negative (note 6, RFC 3922 5.1.7).
 */
export function resourcesToPidf(presentity: Address, resources: Readonly<Record<string, ResourcePresence>>): Content {
  const contact = formatUri({ local: presentity.local, domain: presentity.domain }, 'im');
  const entries = Object.entries(resources).slice(0, 32);
  const tuples: PidfTupleInput[] = entries.map(([res, r]) => {
    const prio = r.priority !== undefined ? xmppPriorityToPidf(r.priority) : undefined;
    return {
      id: resourceToTupleId(res),
      basic: r.basic,
      ...(r.show ? { statusXml: [showXml(r.show)] } : {}),
      contact,
      ...(prio !== undefined ? { priority: prio } : {}),
      ...(r.status ? { notes: [r.status] } : {}),
    };
  });
  if (tuples.length === 0) tuples.push({ id: 'ID-closed', basic: 'closed' });
  // The person's activities follow the most available resource (highest priority among open ones).
  const best = entries
    .filter(([, r]) => r.basic === 'open')
    .sort(([, a], [, b]) => (b.priority ?? 0) - (a.priority ?? 0))[0]?.[1];
  const activities = showToActivities(best?.show);
  const bytes = buildPidf({
    entity: formatUri({ local: presentity.local, domain: presentity.domain }, 'pres'),
    tuples,
    ...(activities.length > 0 ? { rpid: { activities } } : {}),
  });
  return { type: 'application/pidf+xml', bytes };
}
