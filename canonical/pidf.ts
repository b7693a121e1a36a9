/**
 * PIDF (RFC 3863): a strict reader that returns a frozen view over the exact document bytes.
 * The bytes are what the gateway relays (RFC 3863 4: presence is "transported to the WATCHERS
 * by the presence servers or gateways without any interpretation or modification"); the view
 * (entity, tuples, basic status, contact and priority, notes, timestamps, RPID) is what it
 * reasons with. Builders, filtering and composition live in pidf-build.ts and pidf-compose.ts.
 *
 * Pure: no I/O.
 */
import { ParseError } from './errors';
import { isNcName } from './xml-chars';
import { DATA_MODEL_NS, readRpid, RPID_NS, type RpidElements } from './rpid';
import {
  childElements, getAttr, isXmlWhitespace, lineColumn, parseXml, qualifiedName, rawBytes, textContent, XML_NS,
  type XmlDocument, type XmlElement, type XmlLimits,
} from './xml';

export const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
/** RFC 7248 5.2 note 7: the XMPP <show/> element "qualified by the 'jabber:client' namespace". */
export const JABBER_CLIENT_NS = 'jabber:client';

/** Namespaces whose elements this reader understands (RFC 3863 4.2.3 "recognized"). */
const UNDERSTOOD = new Set([PIDF_NS, RPID_NS, DATA_MODEL_NS, JABBER_CLIENT_NS]);

export interface PidfNote {
  readonly text: string;
  /** xml:lang on the note or inherited from an enclosing element (XML 1.0 2.12). */
  readonly lang?: string;
}

/** An extension element (from another namespace), kept as parsed and as its exact bytes. */
export interface PidfExtension {
  readonly element: XmlElement;
  /** The element's bytes as written (a view into the document's bytes). */
  readonly raw: Uint8Array;
  /**
   * False when the reader must not process the element (RFC 3863 4.2.3): its namespace is not
   * one this reader recognizes, or it holds an unrecognized element marked mustUnderstand.
   * The element is still kept and relayed.
   */
  readonly understood: boolean;
  /** The unrecognized element marked mustUnderstand that made this one unprocessable. */
  readonly mustUnderstand?: string;
}

export interface PidfContact {
  readonly uri: string;
  /** 0..1 (RFC 3863 4.1.5); absent when the attribute is absent or out of range. */
  readonly priority?: number;
  /** The priority attribute as written when it was out of range and therefore ignored. */
  readonly ignoredPriority?: string;
}

export interface PidfTuple {
  readonly id: string;
  readonly status: { readonly basic?: 'open' | 'closed'; readonly extensions: readonly PidfExtension[] };
  readonly contact?: PidfContact;
  readonly notes: readonly PidfNote[];
  /** RFC 3339 date-time as written (validated). */
  readonly timestamp?: string;
  /** Tuple-level extension elements (between <status> and <contact>). */
  readonly extensions: readonly PidfExtension[];
  /** RPID elements of this tuple (in the tuple or in its <status>). */
  readonly rpid: RpidElements;
  readonly element: XmlElement;
}

export interface PidfRpidView {
  /** RPID of each <dm:person> (RFC 4479), in order; `person` is the first, or empty. */
  readonly persons: readonly (RpidElements & { readonly id?: string })[];
  readonly person: RpidElements;
  readonly devices: readonly (RpidElements & { readonly id?: string })[];
  /** RPID elements that were malformed and left out of the view. */
  readonly problems: readonly string[];
}

export interface PidfDocument {
  /** The entity attribute as written (RFC 3863 4.1.1: the presentity's pres: URL). */
  readonly entity: string;
  readonly tuples: readonly PidfTuple[];
  /** Presence-level notes (about the presentity). */
  readonly notes: readonly PidfNote[];
  /** Presence-level extension elements. */
  readonly extensions: readonly PidfExtension[];
  readonly rpid: PidfRpidView;
  /** The exact input: relay these, never a re-serialization. */
  readonly bytes: Uint8Array;
  readonly xml: XmlDocument;
}

export interface PidfParseOptions {
  readonly limits?: XmlLimits;
  /**
   * What to do with an unrecognized element marked mustUnderstand="true"/"1":
   * 'ignore-element' (RFC 3863 4.2.3, the default): the enclosing extension is kept but marked
   * not understood and left out of the RPID view; 'reject': the document fails, naming it.
   */
  readonly mustUnderstand?: 'ignore-element' | 'reject';
  /** RFC 3863 4.1 "It MUST have the XML declaration"; set false to accept documents without. */
  readonly requireXmlDeclaration?: boolean;
}

/** True when s is an XML ID (NCName), as a tuple id must be (RFC 3863 4.4, xs:ID). */
export function isXmlId(s: string): boolean {
  return isNcName(s);
}

/** An absolute URI: scheme ":" and no white space (RFC 3986 3.1 scheme syntax). */
export function isAbsoluteUri(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"]*$/.test(s) && s.length > 0;
}

/**
 * RFC 3339 5.6 date-time, as RFC 3863 4.1.7 requires: "Timestamps that contain 'T' or 'Z' MUST
 * use the capitalized forms." Checks field ranges too (month days, leap years, offsets).
 */
export function isRfc3339DateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (days === undefined || d < 1 || d > days || h > 23 || mi > 59 || se > 60) return false;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false;
  return true;
}

/** RFC 3863 4.4 qvalue: 0(.[0-9]{0,3})? | 1(.0{0,3})? */
const QVALUE = /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/;
const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/;

/**
 * Parses and checks a PIDF document. Throws ParseError naming the fault and where it is
 * (line:column); the XML limits of canonical/xml apply (1 MiB, depth 32 by default).
 */
export function parsePidf(bytes: Uint8Array, opts: PidfParseOptions = {}): PidfDocument {
  const xml = parseXml(bytes, opts.limits);
  return new PidfReader(bytes, xml, opts).read();
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class PidfReader {
  private readonly problems: string[] = [];

  constructor(private readonly bytes: Uint8Array, private readonly xml: XmlDocument, private readonly opts: PidfParseOptions) {}

  private fail(msg: string, at: { readonly start: number }): never {
    throw new ParseError(`PIDF: ${msg}`, lineColumn(this.bytes, at.start));
  }

  read(): PidfDocument {
    const root = this.xml.root;
    if (this.opts.requireXmlDeclaration !== false && !this.xml.declaration) {
      this.fail('the XML declaration is missing (RFC 3863 4.1: "It MUST have the XML declaration")', root);
    }
    // RFC 3863 4.1.1: "The root of an "application/pidf+xml" object is a <presence> element
    // associated with the presence information namespace."
    if (root.name !== 'presence' || root.ns !== PIDF_NS) {
      this.fail(`the root element must be <presence> in namespace ${PIDF_NS}, not <${qualifiedName(root)}>${root.ns ? ` in ${root.ns}` : ' in no namespace'}`, root);
    }
    this.checkAttrs(root, ['entity']);
    // RFC 3863 4.1.1: "The <presence> element MUST have an 'entity' attribute."
    const entity = getAttr(root, 'entity');
    if (entity === undefined) this.fail('<presence> has no entity attribute (RFC 3863 4.1.1)', root);
    if (!isAbsoluteUri(entity)) this.fail(`entity "${entity}" is not an absolute URI`, root);
    this.elementOnly(root);
    const tuples: PidfTuple[] = [];
    const notes: PidfNote[] = [];
    const extensions: PidfExtension[] = [];
    const ids = new Set<string>();
    // RFC 3863 4.1.1: "any number (including 0) of <tuple> elements, followed by any number
    // (including 0) of <note> elements, followed by any number of OPTIONAL extension elements
    // from other namespaces."
    let stage = 0;
    for (const c of childElements(root)) {
      if (c.ns === PIDF_NS && c.name === 'tuple') {
        if (stage > 0) this.fail(`<tuple> after ${stage === 1 ? '<note>' : 'an extension element'}: tuples come first (RFC 3863 4.1.1)`, c);
        const t = this.tuple(c);
        if (ids.has(t.id)) this.fail(`tuple id "${t.id}" is used twice; it MUST be unique (RFC 3863 4.1.2)`, c);
        ids.add(t.id);
        tuples.push(t);
      } else if (c.ns === PIDF_NS && c.name === 'note') {
        if (stage > 1) this.fail('<note> after an extension element: presence notes come before extensions (RFC 3863 4.1.1)', c);
        stage = 1;
        notes.push(this.note(c));
      } else {
        extensions.push(this.extension(c, 'presence'));
        stage = 2;
      }
    }
    const persons: (RpidElements & { id?: string })[] = [];
    const devices: (RpidElements & { id?: string })[] = [];
    for (const x of extensions) {
      if (!x.understood || x.element.ns !== DATA_MODEL_NS) continue;
      const list = x.element.name === 'person' ? persons : x.element.name === 'device' ? devices : undefined;
      if (!list) continue;
      const id = getAttr(x.element, 'id');
      list.push(Object.freeze({ ...readRpid(childElements(x.element), this.problems), ...(id !== undefined ? { id } : {}) }));
    }
    const rpid: PidfRpidView = Object.freeze({
      persons: Object.freeze(persons), devices: Object.freeze(devices),
      person: persons[0] ?? Object.freeze({ deviceIds: [] }), problems: Object.freeze(this.problems),
    });
    return Object.freeze({
      entity, tuples: Object.freeze(tuples), notes: Object.freeze(notes), extensions: Object.freeze(extensions),
      rpid, bytes: this.bytes, xml: this.xml,
    });
  }

  /** Unqualified attributes must be the ones the schema defines; qualified ones are extensions. */
  private checkAttrs(el: XmlElement, allowed: readonly string[]): void {
    for (const a of el.attrs) {
      if (a.ns === '' && !allowed.includes(a.name)) this.fail(`<${qualifiedName(el)}> has an unexpected attribute ${a.name}`, el);
    }
  }

  /** <presence>, <tuple> and <status> hold elements only: no character data but white space. */
  private elementOnly(el: XmlElement): void {
    for (const c of el.children) {
      if (c.kind === 'text' && !isXmlWhitespace(c.text)) this.fail(`text is not allowed directly inside <${qualifiedName(el)}>`, c);
    }
  }

  /** Simple content: text and no child elements. */
  private simple(el: XmlElement): string {
    const child = childElements(el)[0];
    if (child) this.fail(`<${qualifiedName(el)}> must hold text only, not <${qualifiedName(child)}>`, child);
    return textContent(el);
  }

  private lang(el: XmlElement): string | undefined {
    return getAttr(el, 'lang', XML_NS);
  }

  private note(el: XmlElement, inherited?: string): PidfNote {
    this.checkAttrs(el, []);
    const text = this.simple(el);
    const lang = this.lang(el) ?? inherited;
    return Object.freeze(lang === undefined ? { text } : { text, lang });
  }

  private tuple(el: XmlElement): PidfTuple {
    this.checkAttrs(el, ['id']);
    // RFC 3863 4.1.2: "The <tuple> element MUST contain an 'id' attribute"; 4.4: type xs:ID.
    const id = getAttr(el, 'id');
    if (id === undefined) this.fail('<tuple> has no id attribute (RFC 3863 4.1.2)', el);
    if (!isXmlId(id)) this.fail(`tuple id "${id}" is not an XML ID (RFC 3863 4.4: xs:ID; it cannot start with a digit)`, el);
    this.elementOnly(el);
    const kids = childElements(el);
    const first = kids[0];
    // RFC 3863 4.1.2: "a mandatory <status> element, followed by any number of OPTIONAL
    // extension elements ..., followed by an OPTIONAL <contact> element, followed by any number
    // of OPTIONAL <note> elements, followed by an OPTIONAL <timestamp> element."
    if (!first || first.ns !== PIDF_NS || first.name !== 'status') this.fail(`tuple "${id}" must begin with <status> (RFC 3863 4.1.2)`, first ?? el);
    const status = this.status(first);
    const extensions: PidfExtension[] = [];
    const notes: PidfNote[] = [];
    let contact: PidfContact | undefined;
    let timestamp: string | undefined;
    const tupleLang = this.lang(el) ?? this.lang(this.xml.root);
    const order = ['status', 'extension', 'contact', 'note', 'timestamp'];
    let stage = 0;
    for (const c of kids.slice(1)) {
      const kind = c.ns !== PIDF_NS ? 'extension' : c.name;
      const k = order.indexOf(kind);
      if (k < 0) this.fail(`<${qualifiedName(c)}> is not a PIDF tuple child (RFC 3863 4.1.2)`, c);
      if (k < stage || (k === stage && (kind === 'status' || kind === 'contact' || kind === 'timestamp'))) {
        this.fail(`<${qualifiedName(c)}> is out of order or repeated in tuple "${id}" (RFC 3863 4.1.2: status, extensions, contact, notes, timestamp)`, c);
      }
      stage = k;
      if (kind === 'extension') extensions.push(this.extension(c, 'tuple'));
      else if (kind === 'contact') contact = this.contact(c);
      else if (kind === 'note') notes.push(this.note(c, tupleLang));
      else {
        this.checkAttrs(c, []);
        // xs:dateTime collapses white space, so surrounding white space is allowed.
        const v = this.simple(c).trim();
        if (!isRfc3339DateTime(v)) this.fail(`timestamp "${v}" is not an RFC 3339 date-time with capital T and Z (RFC 3863 4.1.7)`, c);
        timestamp = v;
      }
    }
    const understood = (xs: readonly PidfExtension[]) => xs.filter((x) => x.understood).map((x) => x.element);
    const rpid = Object.freeze(readRpid([...understood(extensions), ...understood(status.extensions)], this.problems));
    const t: Mutable<PidfTuple> = { id, status, notes: Object.freeze(notes), extensions: Object.freeze(extensions), rpid, element: el };
    if (contact) t.contact = contact;
    if (timestamp !== undefined) t.timestamp = timestamp;
    return Object.freeze(t);
  }

  private status(el: XmlElement): PidfTuple['status'] {
    this.checkAttrs(el, []);
    this.elementOnly(el);
    const kids = childElements(el);
    // RFC 3863 4.1.3: "one OPTIONAL <basic> element, followed by any number of OPTIONAL
    // extension elements ..., under the restriction that at least one child element appears".
    if (kids.length === 0) this.fail('<status> is empty; it needs <basic> or an extension (RFC 3863 4.1.3)', el);
    let basic: 'open' | 'closed' | undefined;
    const extensions: PidfExtension[] = [];
    kids.forEach((c, k) => {
      if (c.ns === PIDF_NS && c.name === 'basic') {
        if (k !== 0) this.fail('<basic> must be the first child of <status> and appear once (RFC 3863 4.1.3)', c);
        this.checkAttrs(c, []);
        const v = this.simple(c);
        // RFC 3863 4.1.4: "The <basic> element contains one of the following strings: "open"
        // or "closed"."
        if (v !== 'open' && v !== 'closed') this.fail(`<basic> must be "open" or "closed", not "${v}" (RFC 3863 4.1.4)`, c);
        basic = v;
      } else extensions.push(this.extension(c, 'status'));
    });
    return Object.freeze(basic === undefined ? { extensions: Object.freeze(extensions) } : { basic, extensions: Object.freeze(extensions) });
  }

  private contact(el: XmlElement): PidfContact {
    this.checkAttrs(el, ['priority']);
    // xs:anyURI collapses white space (RFC 3863 4.3.2 writes a contact on its own line).
    const uri = this.simple(el).trim();
    if (!isAbsoluteUri(uri)) this.fail(`contact "${uri}" is not an absolute URI (RFC 3863 4.1.5)`, el);
    const p = getAttr(el, 'priority');
    if (p === undefined) return Object.freeze({ uri });
    const v = p.trim();
    if (QVALUE.test(v)) return Object.freeze({ uri, priority: Number(v) });
    // RFC 3863 4.1.5: "If the 'priority' value is out of the range, applications just SHOULD
    // ignore the value and process it as if the attribute was not present." A value that is
    // not a decimal number at all breaks the schema (qvalue restricts xs:decimal).
    if (DECIMAL.test(v)) return Object.freeze({ uri, ignoredPriority: p });
    this.fail(`contact priority "${p}" is not a decimal number between 0 and 1 (RFC 3863 4.1.5)`, el);
  }

  /**
   * An extension element. RFC 3863 4.2.3: a processor "MUST ignore any XML element with an
   * unrecognized name ... This includes all of the element content"; and an unrecognized element
   * marked mustUnderstand inside an extension means the enclosing element "MUST be ignored".
   */
  private extension(el: XmlElement, where: string): PidfExtension {
    if (el.ns === '') this.fail(`<${el.name}> in ${where} is in no namespace; extensions must come from another namespace (RFC 3863 4.4: ##other)`, el);
    if (el.ns === PIDF_NS) this.fail(`<${qualifiedName(el)}> is not a PIDF element allowed here`, el);
    const marked = this.findMustUnderstand(el);
    const raw = rawBytes(this.bytes, el);
    if (marked && this.opts.mustUnderstand === 'reject') {
      this.fail(`<${qualifiedName(marked)}> (${marked.ns}) is marked mustUnderstand and is not understood by this reader`, marked);
    }
    if (!UNDERSTOOD.has(el.ns)) return Object.freeze({ element: el, raw, understood: false, ...(marked ? { mustUnderstand: qualifiedName(marked) } : {}) });
    if (marked) return Object.freeze({ element: el, raw, understood: false, mustUnderstand: qualifiedName(marked) });
    return Object.freeze({ element: el, raw, understood: true });
  }

  /** The first unrecognized element in the subtree carrying mustUnderstand="true"/"1". */
  private findMustUnderstand(root: XmlElement): XmlElement | undefined {
    const stack: XmlElement[] = [root];
    for (let n = 0; stack.length > 0 && n < 100_000; n++) {
      const el = stack.pop()!;
      for (const a of el.attrs) {
        if (a.name !== 'mustUnderstand' || (a.ns !== PIDF_NS && a.ns !== '')) continue;
        const v = a.value.trim();
        // RFC 3863 4.4: the attribute is an xs:boolean.
        if (v !== 'true' && v !== '1' && v !== 'false' && v !== '0') this.fail(`mustUnderstand="${a.value}" is not a boolean (true, false, 1, 0)`, el);
        if ((v === 'true' || v === '1') && !UNDERSTOOD.has(el.ns)) return el;
      }
      // Below the extension itself, an unrecognized element is ignored with all its content,
      // marks included (RFC 3863 4.2.3 NOTE).
      if (el !== root && !UNDERSTOOD.has(el.ns)) continue;
      for (let k = el.children.length - 1; k >= 0; k--) {
        const c = el.children[k]!;
        if (c.kind === 'element') stack.push(c);
      }
    }
    return undefined;
  }
}

export { buildPidf, closedPidf, formatPriority } from './pidf-build';
export type { PidfInput, PidfTupleInput } from './pidf-build';
export { composePidf, filterPidf } from './pidf-compose';
