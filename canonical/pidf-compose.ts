/**
 * New PIDF documents made from received ones, for the presence service: a filtered copy for one
 * watcher (RFC 2779 2.3.3) and the composition of several publications of one presentity
 * (RFC 3903 section 3, with the RFC 4479 data model). Both work on the received bytes: what is
 * kept is copied byte for byte, never re-serialized, and what is removed is cut out.
 *
 * Pure: no I/O.
 */
import { parsePidf, PIDF_NS, type PidfDocument, type PidfNote } from './pidf';
import type { PresenceView } from './rules';
import { DATA_MODEL_NS, RPID_NS } from './rpid';
import { childElements, escapeXmlAttr, escapeXmlText, getAttr, XML_NS, type XmlElement } from './xml';

type Range = { readonly start: number; readonly end: number };

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let k = 0;
  for (const p of parts) { out.set(p, k); k += p.length; }
  return out;
}

const isWsByte = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** The bytes with the given ranges cut out, each with the white space (indentation) before it. */
function cut(bytes: Uint8Array, ranges: readonly Range[]): Uint8Array {
  const sorted = ranges.map((r) => {
    let s = r.start;
    while (s > 0 && isWsByte(bytes[s - 1])) s--;
    return { start: s, end: r.end };
  }).sort((a, b) => a.start - b.start);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const r of sorted) {
    if (r.end <= at) continue; // inside a range already cut
    if (r.start > at) parts.push(bytes.subarray(at, r.start));
    at = Math.max(at, r.end);
  }
  parts.push(bytes.subarray(at));
  return concat(parts);
}

/** Every note element: PIDF <note>, RPID <note> and data-model <note>. */
function notesIn(root: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    for (const c of childElements(el)) {
      if (c.name === 'note' && (c.ns === PIDF_NS || c.ns === RPID_NS || c.ns === DATA_MODEL_NS)) found.push(c);
      else stack.push(c);
    }
  }
  return found;
}

/**
 * The document as one watcher may see it (RFC 2779 2.3.3: the presentity can control what each
 * watcher sees). `tuples` keeps only the listed tuple ids; `basicOnly` keeps each tuple's id and
 * <basic> only (tuples without <basic> are dropped, since an empty <status> is not allowed) and
 * drops presence-level notes and extensions; `hideNotes` drops every note. When nothing is
 * filtered out, the original bytes are returned unchanged (the same array).
 */
export function filterPidf(doc: PidfDocument, view: PresenceView): Uint8Array {
  const ranges: Range[] = [];
  const keep = view.tuples ? new Set(view.tuples) : undefined;
  for (const t of doc.tuples) {
    if (keep && !keep.has(t.id)) { ranges.push(t.element); continue; }
    if (!view.basicOnly) continue;
    if (t.status.basic === undefined) { ranges.push(t.element); continue; }
    const [status, ...rest] = childElements(t.element);
    ranges.push(...rest, ...childElements(status!).slice(1));
  }
  if (view.basicOnly) ranges.push(...childElements(doc.xml.root).filter((c) => !(c.ns === PIDF_NS && c.name === 'tuple')));
  if (view.hideNotes) ranges.push(...notesIn(doc.xml.root));
  if (ranges.length === 0) return doc.bytes;
  const out = cut(doc.bytes, ranges);
  parsePidf(out);
  return out;
}

/**
 * An element's bytes made self-contained for another document whose root declares only the
 * PIDF namespace as default: the namespace declarations (and xml:lang) it inherited from its
 * ancestors are added to its start tag. Its other bytes are copied unchanged.
 */
function transplant(doc: PidfDocument, el: XmlElement): Uint8Array {
  const declared = new Set(el.nsDecls.map((d) => d.prefix ?? ''));
  const add: string[] = [];
  for (const [prefix, uri] of Object.entries(el.inheritedNs)) {
    if (declared.has(prefix) || (prefix === '' && uri === PIDF_NS)) continue;
    add.push(prefix === '' ? ` xmlns="${escapeXmlAttr(uri)}"` : ` xmlns:${prefix}="${escapeXmlAttr(uri)}"`);
  }
  // An element in no default namespace must stay there under the new root's default namespace.
  if (!declared.has('') && el.inheritedNs[''] === undefined) add.push(' xmlns=""');
  const lang = getAttr(doc.xml.root, 'lang', XML_NS);
  if (lang !== undefined && el !== doc.xml.root && getAttr(el, 'lang', XML_NS) === undefined) add.push(` xml:lang="${escapeXmlAttr(lang)}"`);
  if (add.length === 0) return doc.bytes.subarray(el.start, el.end);
  return concat([doc.bytes.subarray(el.start, el.nameEnd), utf8(add.join('')), doc.bytes.subarray(el.nameEnd, el.end)]);
}

/**
 * The union of several documents about one presentity, in order oldest to newest: tuples by id
 * (a later tuple replaces an earlier one with the same id), presence-level notes merged without
 * duplicates, presence-level extensions (RFC 4479 <person>, <device>...) by namespace, name and
 * id (later replaces earlier). This is composition at its simplest; RFC 3903 section 3: "Each
 * endpoint may publish its own unique state, out of which the event state compositor generates
 * the composite event state of the resource."
 */
export function composePidf(entity: string, docs: readonly PidfDocument[]): Uint8Array {
  const tuples = new Map<string, { doc: PidfDocument; el: XmlElement }>();
  const notes = new Map<string, PidfNote>();
  const exts = new Map<string, { doc: PidfDocument; el: XmlElement }>();
  for (const doc of docs) {
    for (const t of doc.tuples) tuples.set(t.id, { doc, el: t.element });
    for (const n of doc.notes) notes.set(JSON.stringify([n.text, n.lang ?? null]), n);
    for (const x of doc.extensions) {
      exts.set(`${x.element.ns} ${x.element.name} ${getAttr(x.element, 'id') ?? ''}`, { doc, el: x.element });
    }
  }
  const parts: Uint8Array[] = [utf8(`<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="${PIDF_NS}" entity="${escapeXmlAttr(entity)}">\n`)];
  const nl = utf8('\n');
  const indent = utf8('  ');
  for (const { doc, el } of tuples.values()) parts.push(indent, transplant(doc, el), nl);
  for (const n of notes.values()) {
    parts.push(utf8(`  <note${n.lang !== undefined ? ` xml:lang="${escapeXmlAttr(n.lang)}"` : ''}>${escapeXmlText(n.text)}</note>\n`));
  }
  for (const { doc, el } of exts.values()) parts.push(indent, transplant(doc, el), nl);
  parts.push(utf8('</presence>\n'));
  const out = concat(parts);
  parsePidf(out);
  return out;
}
