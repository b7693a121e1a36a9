/**
 * Building PIDF documents the gateway itself creates (for sources that do not speak PIDF, and
 * for out-of-contact presentities). Every input is checked against the rules canonical/pidf
 * enforces, and the output is parsed back before it is returned, so what leaves here is always a
 * document parsePidf accepts.
 *
 * Pure: no I/O.
 */
import { ParseError, SwitchboardError } from './errors';
import { isAbsoluteUri, isRfc3339DateTime, isXmlId, parsePidf, PIDF_NS, type PidfNote } from './pidf';
import { rpidPersonXml, type RpidInput } from './rpid';
import { escapeXmlAttr, escapeXmlText, parseXml } from './xml';

export interface PidfTupleInput {
  /** An XML ID, unique in the document (RFC 3863 4.1.2). */
  readonly id: string;
  readonly basic?: 'open' | 'closed';
  readonly contact?: string;
  /** 0..1 with at most 3 decimals (RFC 3863 4.1.5). */
  readonly priority?: number;
  readonly notes?: readonly (PidfNote | string)[];
  /** RFC 3339 date-time (RFC 3863 4.1.7). */
  readonly timestamp?: string;
  /**
   * Serialized status-value elements for inside <status>, each one element declaring its own
   * namespace, e.g. `<show xmlns="jabber:client">away</show>` (RFC 7248 5.2 note 7).
   */
  readonly statusXml?: readonly string[];
  /** Serialized tuple-level extension elements (e.g. RPID), each declaring its own namespace. */
  readonly extensionsXml?: readonly string[];
}

export interface PidfInput {
  /** The presentity's URI (RFC 3863 4.1.1: its pres: URL). */
  readonly entity: string;
  readonly tuples: readonly PidfTupleInput[];
  /** Presence-level notes. */
  readonly notes?: readonly (PidfNote | string)[];
  /** Serialized presence-level extension elements, each declaring its own namespace. */
  readonly extensionsXml?: readonly string[];
  /** RPID person information, sent as an RFC 4479 <dm:person> after the other extensions. */
  readonly rpid?: RpidInput;
}

const bad = (msg: string): never => {
  throw new SwitchboardError('bad-request', `PIDF builder: ${msg}`);
};

/** RFC 3863 4.1.5: "a decimal number between 0 and 1 inclusive with at most 3 digits after the decimal point". */
export function formatPriority(p: number): string {
  if (!Number.isFinite(p) || p < 0 || p > 1) bad(`priority ${p} is not between 0 and 1`);
  const s = p.toFixed(3);
  if (Math.abs(Number(s) - p) > 1e-9) bad(`priority ${p} has more than 3 digits after the decimal point`);
  return s.replace(/\.?0+$/, '') || '0';
}

/** Checks that a fragment is exactly one well-formed element outside the PIDF namespace. */
function fragment(xml: string, where: string): string {
  let root;
  try {
    root = parseXml(new TextEncoder().encode(xml), { maxBytes: 64 * 1024 }).root;
  } catch (e) {
    if (e instanceof ParseError) bad(`${where} extension is not one well-formed element with its own namespace declarations: ${e.message}`);
    throw e;
  }
  if (root.ns === '' || root.ns === PIDF_NS) bad(`${where} extension <${root.name}> must be in its own namespace, not ${root.ns || 'no namespace'}`);
  return xml.trim();
}

function notesXml(notes: readonly (PidfNote | string)[] | undefined, indent: string): string[] {
  return (notes ?? []).map((n) => {
    const note = typeof n === 'string' ? { text: n } : n;
    if (note.lang !== undefined && !/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(note.lang)) bad(`note language "${note.lang}" is not a language tag`);
    const lang = note.lang !== undefined ? ` xml:lang="${escapeXmlAttr(note.lang)}"` : '';
    return `${indent}<note${lang}>${escapeXmlText(note.text)}</note>`;
  });
}

/** Serializes a new PIDF document (UTF-8, with the XML declaration RFC 3863 4.1 requires). */
export function buildPidf(input: PidfInput): Uint8Array {
  if (!isAbsoluteUri(input.entity)) bad(`entity "${input.entity}" is not an absolute URI`);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<presence xmlns="${PIDF_NS}" entity="${escapeXmlAttr(input.entity)}">`];
  const ids = new Set<string>();
  for (const t of input.tuples) {
    if (!isXmlId(t.id)) bad(`tuple id "${t.id}" is not an XML ID (RFC 7248 5.2 note 2 suggests an "ID-" prefix)`);
    if (ids.has(t.id)) bad(`tuple id "${t.id}" is used twice`);
    ids.add(t.id);
    const status = (t.statusXml ?? []).map((x) => fragment(x, 'status'));
    // RFC 3863 4.1.3: at least one child element appears in the <status> element.
    if (t.basic === undefined && status.length === 0) bad(`tuple "${t.id}" needs basic or a status extension`);
    lines.push(`  <tuple id="${escapeXmlAttr(t.id)}">`, '    <status>');
    if (t.basic !== undefined) {
      if (t.basic !== 'open' && t.basic !== 'closed') bad(`basic must be open or closed, not "${String(t.basic)}"`);
      lines.push(`      <basic>${t.basic}</basic>`);
    }
    for (const x of status) lines.push(`      ${x}`);
    lines.push('    </status>');
    for (const x of t.extensionsXml ?? []) lines.push(`    ${fragment(x, 'tuple')}`);
    if (t.contact !== undefined) {
      if (!isAbsoluteUri(t.contact)) bad(`contact "${t.contact}" is not an absolute URI`);
      const prio = t.priority !== undefined ? ` priority="${formatPriority(t.priority)}"` : '';
      lines.push(`    <contact${prio}>${escapeXmlText(t.contact)}</contact>`);
    } else if (t.priority !== undefined) bad(`tuple "${t.id}" has a priority but no contact`);
    lines.push(...notesXml(t.notes, '    '));
    if (t.timestamp !== undefined) {
      if (!isRfc3339DateTime(t.timestamp)) bad(`timestamp "${t.timestamp}" is not an RFC 3339 date-time`);
      lines.push(`    <timestamp>${t.timestamp}</timestamp>`);
    }
    lines.push('  </tuple>');
  }
  lines.push(...notesXml(input.notes, '  '));
  for (const x of input.extensionsXml ?? []) lines.push(`  ${fragment(x, 'presence')}`);
  if (input.rpid) lines.push(`  ${rpidPersonXml(input.rpid)}`);
  lines.push('</presence>', '');
  const bytes = new TextEncoder().encode(lines.join('\n'));
  parsePidf(bytes);
  return bytes;
}

/**
 * A document saying a presentity is not reachable: one tuple with id "closed" and basic CLOSED,
 * for a presentity out of contact (as RFC 7248 5.2 note 4 maps XMPP "unavailable" to "closed").
 */
export function closedPidf(entity: string, note?: PidfNote | string): Uint8Array {
  return buildPidf({ entity, tuples: [{ id: 'closed', basic: 'closed' }], ...(note !== undefined ? { notes: [note] } : {}) });
}
