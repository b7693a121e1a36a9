/**
 * The strict XML 1.0 reader behind canonical/xml. It works on the bytes (so element offsets are
 * byte offsets), in one pass without recursion, and refuses instead of guessing:
 *
 * - any document type declaration (no DTD, hence no entity declarations and no expansion);
 * - references other than the five predefined entities and character references to a Char;
 * - input that is not UTF-8, an XML declaration naming another encoding;
 * - input over the size, depth, attribute or element limits;
 * - unbound namespace prefixes and the other Namespaces in XML 1.0 constraints.
 *
 * Pure: no I/O.
 */
import { ParseError } from './errors';
import { findInvalidChar, isXmlChar, isXmlName, lineColumn } from './xml-chars';
import type { XmlAttribute, XmlDeclaration, XmlDocument, XmlElement, XmlNode, XmlNsDecl } from './xml';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Bounds on what one document may cost. Every one is enforced before the work it bounds. */
export interface XmlLimits {
  /** Total input size in bytes. */
  readonly maxBytes?: number;
  /** Element nesting depth (the root is depth 1). */
  readonly maxDepth?: number;
  /** Attributes (namespace declarations included) on one element. */
  readonly maxAttributes?: number;
  /** Elements in the whole document. */
  readonly maxElements?: number;
  /** Length in bytes of one name (element, attribute, entity). */
  readonly maxNameLength?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 32,
  maxAttributes: 64,
  maxElements: 10_000,
  maxNameLength: 256,
});

const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

const isWs = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
/** Bytes that can be part of a name; non-ASCII bytes are checked after decoding. */
const isNameByte = (b: number | undefined): boolean =>
  b !== undefined && (b >= 0x80 || (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === 0x3a || b === 0x5f || b === 0x2d || b === 0x2e);

interface Frame {
  qname: string;
  prefix: string | undefined;
  name: string;
  ns: string;
  attrs: readonly XmlAttribute[];
  nsDecls: readonly XmlNsDecl[];
  scope: Readonly<Record<string, string>>;
  inherited: Readonly<Record<string, string>>;
  start: number;
  nameEnd: number;
  children: XmlNode[];
}

/**
 * Parses one XML document. Throws ParseError naming the fault and its line:column; a document
 * over `maxBytes` fails with code 'payload-too-large' before any of it is read.
 */
export function parseXml(bytes: Uint8Array, limits: XmlLimits = {}): XmlDocument {
  return new Reader(bytes, { ...DEFAULT_XML_LIMITS, ...limits }).document();
}

class Reader {
  private i = 0;
  private elements = 0;

  constructor(private readonly b: Uint8Array, private readonly lim: Required<XmlLimits>) {}

  private fail(msg: string, at: number = this.i): never {
    throw new ParseError(`XML: ${msg}`, lineColumn(this.b, at));
  }

  private startsWith(s: string, at = this.i): boolean {
    if (at + s.length > this.b.length) return false;
    for (let k = 0; k < s.length; k++) if (this.b[at + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private skipWs(): boolean {
    const from = this.i;
    while (isWs(this.b[this.i])) this.i++;
    return this.i > from;
  }

  private decode(from: number, to: number): string {
    return DECODER.decode(this.b.subarray(from, to));
  }

  document(): XmlDocument {
    const b = this.b;
    if (b.length > this.lim.maxBytes) {
      throw new ParseError(`XML: document is ${b.length} bytes, over the limit of ${this.lim.maxBytes}`, 'byte 0', 'payload-too-large');
    }
    const bad = findInvalidChar(b);
    if (bad) this.fail(bad.message, bad.offset);
    if (this.startsWith('\xEF\xBB\xBF')) this.i = 3; // a byte order mark (XML 1.0 4.3.3)
    let declaration: XmlDeclaration | undefined;
    if (this.startsWith('<?xml') && isWs(b[this.i + 5])) declaration = this.xmlDecl();
    let root: XmlElement | undefined;
    for (;;) {
      this.skipWs();
      if (this.i >= b.length) break;
      if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<?')) this.pi();
      else if (this.startsWith('<!DOCTYPE')) this.fail('a document type declaration (<!DOCTYPE) is not accepted: no DTD, no entity declarations');
      else if (b[this.i] === 0x3c && root === undefined) root = this.element();
      else if (b[this.i] === 0x3c) this.fail('a second root element (only one is allowed after the first one ends)');
      else this.fail(root ? 'text after the root element' : 'text before the root element');
    }
    if (!root) this.fail('no root element');
    return Object.freeze({ declaration, root });
  }

  /** XML 1.0 2.8: XMLDecl ::= '<?xml' VersionInfo EncodingDecl? SDDecl? S? '?>' */
  private xmlDecl(): XmlDeclaration {
    const at = this.i;
    this.i += 5;
    const pseudo = (name: string, required: boolean): string | undefined => {
      const save = this.i;
      if (!this.skipWs() || !this.startsWith(name)) {
        this.i = save;
        if (required) this.fail(`the XML declaration needs ${name}`);
        return undefined;
      }
      this.i += name.length;
      this.skipWs();
      if (this.b[this.i] !== 0x3d) this.fail(`'=' expected after ${name} in the XML declaration`);
      this.i++;
      this.skipWs();
      const q = this.b[this.i];
      if (q !== 0x22 && q !== 0x27) this.fail(`quoted value expected for ${name}`);
      const from = ++this.i;
      while (this.i < this.b.length && this.b[this.i] !== q && this.i - from < 64) this.i++;
      if (this.b[this.i] !== q) this.fail(`unterminated ${name} value`);
      return this.decode(from, this.i++);
    };
    const version = pseudo('version', true)!;
    if (!/^1\.[0-9]+$/.test(version)) this.fail(`unsupported XML version "${version}"`, at);
    const encoding = pseudo('encoding', false);
    // XML 1.0 4.3.3: a document labelled with an encoding it is not in is an error; this
    // reader reads UTF-8 only.
    if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
      this.fail(`encoding "${encoding}" is not supported: the document must be UTF-8`, at);
    }
    const sd = pseudo('standalone', false);
    if (sd !== undefined && sd !== 'yes' && sd !== 'no') this.fail(`standalone must be "yes" or "no", not "${sd}"`, at);
    this.skipWs();
    if (!this.startsWith('?>')) this.fail('malformed XML declaration (expected "?>")');
    this.i += 2;
    return Object.freeze({ version, encoding, standalone: sd === undefined ? undefined : sd === 'yes' });
  }

  /** XML 1.0 2.5: '<!--' ((Char - '-') | ('-' (Char - '-')))* '-->' */
  private comment(): void {
    const at = this.i;
    this.i += 4;
    for (;;) {
      if (this.i >= this.b.length) this.fail('unterminated comment', at);
      if (this.b[this.i] === 0x2d && this.b[this.i + 1] === 0x2d) {
        if (this.b[this.i + 2] !== 0x3e) this.fail("'--' is not allowed inside a comment");
        this.i += 3;
        return;
      }
      this.i++;
    }
  }

  /** XML 1.0 2.6; the content is skipped. A target of "xml" here is a misplaced declaration. */
  private pi(): void {
    const at = this.i;
    this.i += 2;
    const target = this.name('processing instruction target');
    if (target.toLowerCase() === 'xml') this.fail('an XML declaration is only allowed at the very start of the document', at);
    if (!this.startsWith('?>') && !this.skipWs()) this.fail('white space expected after the processing instruction target');
    for (;;) {
      if (this.i >= this.b.length) this.fail('unterminated processing instruction', at);
      if (this.startsWith('?>')) { this.i += 2; return; }
      this.i++;
    }
  }

  private name(what: string): string {
    const from = this.i;
    while (isNameByte(this.b[this.i])) {
      this.i++;
      if (this.i - from > this.lim.maxNameLength) this.fail(`${what} is longer than ${this.lim.maxNameLength} bytes`, from);
    }
    if (this.i === from) this.fail(`${what} expected`);
    const s = this.decode(from, this.i);
    if (!isXmlName(s)) this.fail(`"${s}" is not a valid XML name (${what})`, from);
    return s;
  }

  /** A reference after '&': one of the five predefined entities or a character reference. */
  private reference(): string {
    const at = this.i;
    this.i++;
    if (this.b[this.i] === 0x23) {
      this.i++;
      const hex = this.b[this.i] === 0x78;
      if (hex) this.i++;
      const from = this.i;
      while (this.i - from <= 8 && this.b[this.i] !== 0x3b && this.i < this.b.length) this.i++;
      const digits = this.decode(from, this.i);
      if (this.b[this.i] !== 0x3b || !(hex ? /^[0-9a-fA-F]{1,8}$/ : /^[0-9]{1,10}$/).test(digits)) this.fail('malformed character reference', at);
      this.i++;
      const cp = parseInt(digits, hex ? 16 : 10);
      // XML 1.0 4.1, WFC Legal Character: "Characters referred to using character references
      // MUST match the production for Char."
      if (!isXmlChar(cp)) this.fail(`character reference to U+${cp.toString(16).toUpperCase()}, which is not an XML Char`, at);
      return String.fromCodePoint(cp);
    }
    const name = this.name('entity name');
    if (this.b[this.i] !== 0x3b) this.fail(`';' expected after &${name}`, at);
    this.i++;
    const v = PREDEFINED[name];
    // No DTD is accepted, so no other entity can be declared (XML 1.0 4.1, WFC Entity Declared).
    if (v === undefined) this.fail(`undefined entity &${name}; (only &lt; &gt; &amp; &apos; &quot; and character references are accepted)`, at);
    return v;
  }

  private attrValue(): string {
    const q = this.b[this.i];
    if (q !== 0x22 && q !== 0x27) this.fail('attribute value must be quoted');
    const at = this.i++;
    let out = '';
    let from = this.i;
    for (;;) {
      const c = this.b[this.i];
      if (c === undefined) this.fail('unterminated attribute value', at);
      if (c === q) break;
      if (c === 0x3c) this.fail("'<' is not allowed in an attribute value");
      if (c === 0x26) {
        out += this.decode(from, this.i);
        out += this.reference();
        from = this.i;
        continue;
      }
      if (c === 0x09 || c === 0x0a || c === 0x0d) {
        // XML 1.0 2.11 then 3.3.3: CRLF is one line end, and each line end or tab is a space.
        out += this.decode(from, this.i) + ' ';
        this.i += c === 0x0d && this.b[this.i + 1] === 0x0a ? 2 : 1;
        from = this.i;
        continue;
      }
      this.i++;
    }
    out += this.decode(from, this.i);
    this.i++;
    return out;
  }

  private splitQName(qname: string, at: number): [string | undefined, string] {
    const c = qname.indexOf(':');
    if (c < 0) return [undefined, qname];
    const prefix = qname.slice(0, c);
    const local = qname.slice(c + 1);
    if (!prefix || !local || local.includes(':')) this.fail(`"${qname}" is not a valid qualified name (Namespaces in XML 1.0, section 4)`, at);
    return [prefix, local];
  }

  /** Reads a start tag at '<'; returns the frame and whether it was an empty-element tag. */
  private startTag(scope: Readonly<Record<string, string>>): [Frame, boolean] {
    const start = this.i;
    if (++this.elements > this.lim.maxElements) this.fail(`more than ${this.lim.maxElements} elements`);
    this.i++;
    const qname = this.name('element name');
    const nameEnd = this.i;
    const raw: { qname: string; value: string; at: number }[] = [];
    let empty = false;
    for (;;) {
      const ws = this.skipWs();
      const c = this.b[this.i];
      if (c === 0x3e) { this.i++; break; }
      if (c === 0x2f && this.b[this.i + 1] === 0x3e) { this.i += 2; empty = true; break; }
      if (c === undefined) this.fail(`unterminated start tag <${qname}>`, start);
      if (!ws) this.fail(`white space expected before an attribute in <${qname}>`);
      const at = this.i;
      const an = this.name('attribute name');
      this.skipWs();
      if (this.b[this.i] !== 0x3d) this.fail(`'=' expected after attribute ${an}`);
      this.i++;
      this.skipWs();
      const value = this.attrValue();
      if (raw.some((r) => r.qname === an)) this.fail(`duplicate attribute ${an} on <${qname}>`, at);
      raw.push({ qname: an, value, at });
      if (raw.length > this.lim.maxAttributes) this.fail(`more than ${this.lim.maxAttributes} attributes on <${qname}>`, at);
    }
    // Namespaces in XML 1.0, section 3: declarations first, then resolve names in the new scope.
    const nsDecls: XmlNsDecl[] = [];
    let inner = scope;
    for (const r of raw) {
      let prefix: string | undefined;
      if (r.qname === 'xmlns') prefix = undefined;
      else if (r.qname.startsWith('xmlns:')) prefix = this.splitQName(r.qname, r.at)[1];
      else continue;
      if (prefix === 'xmlns') this.fail('the prefix xmlns must not be declared', r.at);
      if (prefix === 'xml' && r.value !== XML_NS) this.fail('the prefix xml must be bound to its own namespace only', r.at);
      if (prefix !== 'xml' && (r.value === XML_NS || r.value === XMLNS_NS)) this.fail(`the namespace ${r.value} must not be bound to another prefix`, r.at);
      if (prefix !== undefined && r.value === '') this.fail(`prefix ${prefix} cannot be undeclared (Namespaces in XML 1.0)`, r.at);
      if (inner === scope) inner = { ...scope };
      (inner as Record<string, string>)[prefix ?? ''] = r.value;
      nsDecls.push(Object.freeze({ prefix, uri: r.value }));
    }
    if (inner !== scope) Object.freeze(inner);
    const [prefix, name] = this.splitQName(qname, start);
    let ns: string;
    if (prefix === undefined) ns = inner[''] ?? '';
    else if (prefix === 'xml') ns = XML_NS;
    else if (prefix === 'xmlns') this.fail('an element cannot have the prefix xmlns', start);
    else {
      const u = inner[prefix];
      if (u === undefined) this.fail(`unbound namespace prefix "${prefix}" on element <${qname}>`, start);
      ns = u;
    }
    const attrs: XmlAttribute[] = [];
    for (const r of raw) {
      if (r.qname === 'xmlns' || r.qname.startsWith('xmlns:')) continue;
      const [ap, an] = this.splitQName(r.qname, r.at);
      let ans = '';
      if (ap === 'xml') ans = XML_NS;
      else if (ap !== undefined) {
        const u = inner[ap];
        if (u === undefined) this.fail(`unbound namespace prefix "${ap}" on attribute ${r.qname}`, r.at);
        ans = u;
      }
      if (attrs.some((a) => a.name === an && a.ns === ans)) this.fail(`attribute ${r.qname} duplicates another attribute with the same namespace and name`, r.at);
      attrs.push(Object.freeze({ name: an, prefix: ap, ns: ans, value: r.value }));
    }
    const frame: Frame = {
      qname, prefix, name, ns, attrs: Object.freeze(attrs), nsDecls: Object.freeze(nsDecls),
      scope: inner, inherited: scope, start, nameEnd, children: [],
    };
    return [frame, empty];
  }

  private finish(f: Frame): XmlElement {
    return Object.freeze({
      kind: 'element' as const, name: f.name, prefix: f.prefix, ns: f.ns, attrs: f.attrs, nsDecls: f.nsDecls,
      children: Object.freeze(f.children), start: f.start, end: this.i, nameEnd: f.nameEnd, inheritedNs: f.inherited,
    });
  }

  /** Character data up to the next '<'. */
  private text(): XmlNode {
    const start = this.i;
    let out = '';
    let from = this.i;
    for (;;) {
      const c = this.b[this.i];
      if (c === undefined || c === 0x3c) break;
      if (c === 0x26) {
        // Line ends are normalized in the literal text only: &#13; stays a CR (XML 1.0 2.11).
        out += eol(this.decode(from, this.i));
        out += this.reference();
        from = this.i;
        continue;
      }
      // XML 1.0 2.4: "the right angle bracket (>) MUST ... be escaped ... when it appears in the
      // string ']]>' in content, when that string is not marking the end of a CDATA section."
      if (c === 0x5d && this.b[this.i + 1] === 0x5d && this.b[this.i + 2] === 0x3e) this.fail("']]>' is not allowed in content");
      this.i++;
    }
    out += eol(this.decode(from, this.i));
    return Object.freeze({ kind: 'text' as const, text: out, cdata: false, start, end: this.i });
  }

  private cdata(): XmlNode {
    const start = this.i;
    this.i += 9;
    const from = this.i;
    for (;;) {
      if (this.i >= this.b.length) this.fail('unterminated CDATA section', start);
      if (this.b[this.i] === 0x5d && this.startsWith(']]>')) break;
      this.i++;
    }
    const text = eol(this.decode(from, this.i));
    this.i += 3;
    return Object.freeze({ kind: 'text' as const, text, cdata: true, start, end: this.i });
  }

  /** The root element and everything inside it, with an explicit stack (no recursion). */
  private element(): XmlElement {
    const rootScope: Readonly<Record<string, string>> = Object.freeze({});
    const [first, firstEmpty] = this.startTag(rootScope);
    if (firstEmpty) return this.finish(first);
    const stack: Frame[] = [first];
    for (;;) {
      const top = stack[stack.length - 1]!;
      const c = this.b[this.i];
      if (c === undefined) this.fail(`element <${top.qname}> is not closed`, top.start);
      if (c !== 0x3c) { top.children.push(this.text()); continue; }
      const n = this.b[this.i + 1];
      if (n === 0x2f) {
        const at = this.i;
        this.i += 2;
        const qn = this.name('end tag name');
        this.skipWs();
        if (this.b[this.i] !== 0x3e) this.fail(`'>' expected to close </${qn}>`);
        this.i++;
        if (qn !== top.qname) this.fail(`end tag </${qn}> does not match the open element <${top.qname}>`, at);
        stack.pop();
        const el = this.finish(top);
        const parent = stack[stack.length - 1];
        if (!parent) return el;
        parent.children.push(el);
      } else if (this.startsWith('<!--')) this.comment();
      else if (this.startsWith('<![CDATA[')) top.children.push(this.cdata());
      else if (n === 0x21) this.fail(this.startsWith('<!DOCTYPE') ? 'a document type declaration (<!DOCTYPE) is not accepted' : "markup declarations ('<!') are not allowed in content");
      else if (n === 0x3f) this.pi();
      else {
        const [f, empty] = this.startTag(top.scope);
        if (stack.length + 1 > this.lim.maxDepth) this.fail(`elements nested deeper than ${this.lim.maxDepth}`, f.start);
        if (empty) top.children.push(this.finish(f));
        else stack.push(f);
      }
    }
  }
}

/** XML 1.0 2.11: CRLF and lone CR become LF. */
function eol(s: string): string {
  return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
}
