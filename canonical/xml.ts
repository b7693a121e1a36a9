/**
 * A small, strict, hardened XML 1.0 reader (with Namespaces in XML 1.0) for the documents the
 * gateway reads: PIDF, RPID, and XML payloads other adapters carry. No DTD, no entity expansion,
 * bounded size, depth, attribute count and element count; input must be UTF-8.
 *
 * Every element keeps its byte range in the input, so callers can relay an element they do not
 * understand byte-exact (RFC 3863 4: presence is transported "without any interpretation or
 * modification").
 *
 * Pure: no I/O.
 */

export { parseXml, DEFAULT_XML_LIMITS } from './xml-reader';
export type { XmlLimits } from './xml-reader';
export { escapeXmlText, escapeXmlAttr } from './xml-escape';
export { isNcName, isXmlChar, isXmlName, lineColumn } from './xml-chars';

/** The namespace bound to the `xml` prefix (Namespaces in XML 1.0, section 3). */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** The namespace of `xmlns` declarations themselves. */
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** An attribute after namespace processing. Namespace declarations are not attributes here. */
export interface XmlAttribute {
  /** Local name. */
  readonly name: string;
  /** The prefix as written, or undefined when unprefixed. */
  readonly prefix: string | undefined;
  /** Namespace URI; '' for an unprefixed attribute (the default namespace never applies). */
  readonly ns: string;
  /** The normalized value (XML 1.0 3.3.3), references replaced. */
  readonly value: string;
}

/** A namespace declaration made on an element (`xmlns="..."` has prefix undefined). */
export interface XmlNsDecl {
  readonly prefix: string | undefined;
  readonly uri: string;
}

/** Character data (text or CDATA section), references replaced, line ends normalized. */
export interface XmlText {
  readonly kind: 'text';
  readonly text: string;
  /** True for a CDATA section. */
  readonly cdata: boolean;
  /** Byte offsets [start, end) of the text as written in the input. */
  readonly start: number;
  readonly end: number;
}

export interface XmlElement {
  readonly kind: 'element';
  /** Local name. */
  readonly name: string;
  /** The prefix as written, or undefined when unprefixed. */
  readonly prefix: string | undefined;
  /** Namespace URI ('' when in no namespace). */
  readonly ns: string;
  readonly attrs: readonly XmlAttribute[];
  /** Namespace declarations made on this element's start tag, in document order. */
  readonly nsDecls: readonly XmlNsDecl[];
  /** Elements and text, in document order (comments and processing instructions dropped). */
  readonly children: readonly XmlNode[];
  /** Byte offset of the '<' of the start tag. */
  readonly start: number;
  /** Byte offset just after the '>' of the end tag (or of the empty-element tag). */
  readonly end: number;
  /** Byte offset just after the element's name in its start tag (where an attribute can go). */
  readonly nameEnd: number;
  /**
   * The namespaces in scope at this element that were declared on its ancestors (prefix '' for
   * the default namespace). With `nsDecls` this is everything needed to move the element's raw
   * bytes into another document.
   */
  readonly inheritedNs: Readonly<Record<string, string>>;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlDeclaration {
  readonly version: string;
  readonly encoding: string | undefined;
  readonly standalone: boolean | undefined;
}

export interface XmlDocument {
  /** The XML declaration, when the document has one. */
  readonly declaration: XmlDeclaration | undefined;
  readonly root: XmlElement;
}

/** The element children of an element, in order. */
export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.kind === 'element');
}

/** The concatenated character data directly inside an element (not its descendants). */
export function textContent(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.text;
  return s;
}

/** An attribute's value by local name and namespace ('' = unprefixed), or undefined. */
export function getAttr(el: XmlElement, name: string, ns = ''): string | undefined {
  for (const a of el.attrs) if (a.name === name && a.ns === ns) return a.value;
  return undefined;
}

/** `{ns}local`: the expanded name, for messages and maps. */
export function expandedName(el: { readonly ns: string; readonly name: string }): string {
  return el.ns ? `{${el.ns}}${el.name}` : el.name;
}

/** The name as written (prefix:local), for error messages. */
export function qualifiedName(el: { readonly prefix: string | undefined; readonly name: string }): string {
  return el.prefix ? `${el.prefix}:${el.name}` : el.name;
}

/** True when a string is only XML white space (S production: space, tab, CR, LF). */
export function isXmlWhitespace(s: string): boolean {
  return /^[ \t\r\n]*$/.test(s);
}

/** The exact bytes of a node as written in the input it was parsed from (a view, not a copy). */
export function rawBytes(input: Uint8Array, node: { readonly start: number; readonly end: number }): Uint8Array {
  return input.subarray(node.start, node.end);
}
