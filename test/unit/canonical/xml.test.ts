import { ParseError } from '../../../canonical/errors';
import {
  childElements, escapeXmlAttr, escapeXmlText, getAttr, parseXml, rawBytes, textContent, XML_NS,
  type XmlElement,
} from '../../../canonical/xml';
import fc from 'fast-check';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const parse = (s: string, limits = {}) => parseXml(enc(s), limits);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function parseError(input: string | Uint8Array, limits = {}): ParseError {
  try {
    parseXml(typeof input === 'string' ? enc(input) : input, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('parseXml: well-formed documents', () => {
  it('reads elements, attributes, text, namespaces and byte ranges', () => {
    const src = '<?xml version="1.0" encoding="UTF-8"?>\n<a:r xmlns:a="urn:a" xmlns="urn:d" x="1" a:y=\'2\'><c>hi &amp; &#x263A;&#65;</c><a:e/></a:r>\n';
    const doc = parse(src);
    expect(doc.declaration).toEqual({ version: '1.0', encoding: 'UTF-8', standalone: undefined });
    const r = doc.root;
    expect([r.name, r.prefix, r.ns]).toEqual(['r', 'a', 'urn:a']);
    expect(r.attrs).toEqual([
      { name: 'x', prefix: undefined, ns: '', value: '1' },
      { name: 'y', prefix: 'a', ns: 'urn:a', value: '2' },
    ]);
    expect(r.nsDecls).toEqual([{ prefix: 'a', uri: 'urn:a' }, { prefix: undefined, uri: 'urn:d' }]);
    const [c, e] = childElements(r) as [XmlElement, XmlElement];
    expect([c.name, c.ns, textContent(c)]).toEqual(['c', 'urn:d', 'hi & \u263AA']);
    expect([e.name, e.ns]).toEqual(['e', 'urn:a']);
    const bytes = enc(src);
    expect(dec(rawBytes(bytes, c))).toBe('<c>hi &amp; &#x263A;&#65;</c>');
    expect(dec(rawBytes(bytes, e))).toBe('<a:e/>');
    expect(dec(rawBytes(bytes, r))).toBe(src.slice(src.indexOf('<a:r'), src.lastIndexOf('>') + 1));
    expect(e.inheritedNs).toEqual({ a: 'urn:a', '': 'urn:d' });
    expect(dec(bytes.subarray(c.start, c.nameEnd))).toBe('<c');
  });

  it('keeps byte offsets right after multi-byte characters', () => {
    const src = '<r>\u00e9\u{1F600}<x>\u4e2d</x></r>';
    const b = enc(src);
    const x = childElements(parseXml(b).root)[0]!;
    expect(dec(rawBytes(b, x))).toBe('<x>\u4e2d</x>');
  });

  it('skips comments, processing instructions and the BOM; reads CDATA; normalizes line ends', () => {
    const src = '\ufeff<?xml version="1.0"?><!-- c --><?pi data?><r a="x\r\ny\tz"><![CDATA[<&>]]>a\r\nb\rc<!--x--><?p?></r><!-- end -->\n';
    const r = parse(src).root;
    expect(textContent(r)).toBe('<&>a\nb\nc');
    expect(getAttr(r, 'a')).toBe('x y z');
    expect(r.children.map((n) => n.kind === 'text' && n.cdata)).toEqual([true, false]);
  });

  it('normalizes literal line ends only, not character references to CR', () => {
    expect(textContent(parse('<r>a&#13;\r\nb&#xD;&#10;\r</r>').root)).toBe('a\r\nb\r\n\n');
    expect(getAttr(parse('<r a="x&#13;&#10;\r\ny"/>').root, 'a')).toBe('x\r\n y');
  });

  it('reads xml:lang in the XML namespace without a declaration, and undeclares the default namespace', () => {
    const r = parse('<r xmlns="urn:x" xml:lang="fr"><c xmlns=""/></r>').root;
    expect(getAttr(r, 'lang', XML_NS)).toBe('fr');
    expect(childElements(r)[0]!.ns).toBe('');
  });

  it('accepts character references to supplementary characters and all five predefined entities', () => {
    expect(textContent(parse('<r>&lt;&gt;&amp;&apos;&quot;&#x1F600;&#128512;</r>').root)).toBe('<>&\'"\u{1F600}\u{1F600}');
  });
});

describe('parseXml: every strictness rule has an input that breaks it', () => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['DOCTYPE in the prolog', '<?xml version="1.0"?><!DOCTYPE r><r/>', /DOCTYPE/],
    ['internal subset with an entity', '<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>', /DOCTYPE/],
    ['undefined entity', '<r>&nbsp;</r>', /undefined entity &nbsp;/],
    ['entity without ;', '<r>&amp</r>', /';' expected/],
    ['char ref to a non-Char', '<r>&#0;</r>', /not an XML Char/],
    ['char ref to a surrogate', '<r>&#xD800;</r>', /not an XML Char/],
    ['char ref too large', '<r>&#x110000;</r>', /not an XML Char/],
    ['malformed char ref', '<r>&#xZZ;</r>', /malformed character reference/],
    ['control character', '<r>\u0001</r>', /U\+0001 is not allowed/],
    ['U+FFFE', '<r>\ufffe</r>', /U\+FFFE is not allowed/],
    ['invalid UTF-8', new Uint8Array([0x3c, 0x72, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x72, 0x3e]), /invalid UTF-8/],
    ['overlong UTF-8', new Uint8Array([0x3c, 0x72, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x72, 0x3e]), /invalid UTF-8/],
    ['UTF-8 surrogate', new Uint8Array([0x3c, 0x72, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x72, 0x3e]), /invalid UTF-8/],
    ['truncated UTF-8', new Uint8Array([0x3c, 0x72, 0x2f, 0x3e, 0xe2, 0x82]), /invalid UTF-8/],
    ['encoding other than UTF-8', '<?xml version="1.0" encoding="ISO-8859-1"?><r/>', /must be UTF-8/],
    ['XML version 2.0', '<?xml version="2.0"?><r/>', /unsupported XML version/],
    ['declaration not at the start', ' <?xml version="1.0"?><r/>', /only allowed at the very start/],
    ['bad standalone', '<?xml version="1.0" standalone="maybe"?><r/>', /standalone/],
    ['no root', '<?xml version="1.0"?>', /no root element/],
    ['two roots', '<r/><s/>', /second root/],
    ['text before root', 'x<r/>', /text before the root/],
    ['text after root', '<r/>x', /text after the root/],
    ['unclosed element', '<r><c></r>', /does not match/],
    ['unclosed at end', '<r><c/>', /is not closed/],
    ['mismatched end tag', '<r></s>', /end tag <\/s> does not match/],
    ['unquoted attribute', '<r a=1/>', /must be quoted/],
    ['< in attribute', '<r a="<"/>', /not allowed in an attribute/],
    ['duplicate attribute', '<r a="1" a="2"/>', /duplicate attribute a/],
    ['duplicate expanded attribute', '<r xmlns:p="u" xmlns:q="u" p:a="1" q:a="2"/>', /same namespace and name/],
    ['missing space between attributes', '<r a="1"b="2"/>', /white space expected/],
    ['unbound element prefix', '<p:r/>', /unbound namespace prefix "p"/],
    ['unbound attribute prefix', '<r p:a="1"/>', /unbound namespace prefix "p"/],
    ['prefix undeclared', '<r xmlns:p=""/>', /cannot be undeclared/],
    ['xmlns prefix declared', '<r xmlns:xmlns="u"/>', /must not be declared/],
    ['xml prefix rebound', '<r xmlns:xml="urn:x"/>', /prefix xml/],
    ['two colons', '<a:b:c xmlns:a="u"/>', /not a valid qualified name/],
    ['bad name start', '<1r/>', /element name expected|not a valid XML name/],
    [']]> in content', '<r>a]]>b</r>', /']]>' is not allowed/],
    ['-- in comment', '<r><!-- a -- b --></r>', /'--' is not allowed/],
    ['unterminated comment', '<r><!-- a </r>', /unterminated comment/],
    ['unterminated CDATA', '<r><![CDATA[ a </r>', /unterminated CDATA/],
    ['markup declaration in content', '<r><!ELEMENT r ANY></r>', /markup declarations/],
  ];
  it.each(cases)('%s', (_name, input, re) => {
    const e = parseError(input);
    expect(e.message).toMatch(re);
    expect(e.where).toMatch(/^\d+:\d+$|^byte 0$/);
  });

  it('names the line and column of the fault', () => {
    expect(parseError('<r>\n  <c>\u00e9&bogus;</c>\n</r>').where).toBe('2:7');
  });
});

describe('parseXml: bounded', () => {
  it('refuses a 10 MB input before reading it, as payload-too-large', () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(0x20);
    const e = parseError(big);
    expect(e.message).toMatch(/over the limit of 1048576/);
    expect(e.code).toBe('payload-too-large');
  });

  it('refuses 10,000-deep nesting at the depth limit', () => {
    const deep = '<a>'.repeat(10_000) + '</a>'.repeat(10_000);
    expect(parseError(deep).message).toMatch(/nested deeper than 32/);
    expect(parseError('<a>'.repeat(5) + '<a/>' + '</a>'.repeat(5), { maxDepth: 5 }).message).toMatch(/deeper than 5/);
    expect(() => parse('<a>'.repeat(5) + '</a>'.repeat(5), { maxDepth: 5 })).not.toThrow();
  });

  it('refuses the billion laughs document (its DTD) and its entity references without one', () => {
    const lol = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', '<!ENTITY lol "lol">'];
    for (let k = 1; k <= 9; k++) lol.push(`<!ENTITY lol${k} "${`&lol${k === 1 ? '' : k - 1};`.repeat(10)}">`);
    lol.push(']>', '<lolz>&lol9;</lolz>');
    expect(parseError(lol.join('\n')).message).toMatch(/DOCTYPE/);
    expect(parseError('<lolz>&lol9;</lolz>').message).toMatch(/undefined entity &lol9;/);
    // An external entity (XXE) needs a DTD too.
    expect(parseError('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>').message).toMatch(/DOCTYPE/);
  });

  it('bounds attributes per element, element count and name length', () => {
    const attrs = Array.from({ length: 65 }, (_, k) => `a${k}="v"`).join(' ');
    expect(parseError(`<r ${attrs}/>`).message).toMatch(/more than 64 attributes/);
    expect(parseError(`<r>${'<c/>'.repeat(10_000)}</r>`).message).toMatch(/more than 10000 elements/);
    expect(parseError(`<${'n'.repeat(300)}/>`).message).toMatch(/longer than 256 bytes/);
  });
});

describe('escapeXmlText / escapeXmlAttr', () => {
  it('escape what needs it and refuse what XML cannot carry', () => {
    expect(escapeXmlText('a<b>&]]>\r')).toBe('a&lt;b&gt;&amp;]]&gt;&#13;');
    expect(escapeXmlAttr('"\t\n\r<&>\'')).toBe('&quot;&#9;&#10;&#13;&lt;&amp;&gt;\'');
    expect(() => escapeXmlText('\u0000')).toThrow(/U\+0000/);
    expect(() => escapeXmlAttr('\uffff')).toThrow(/U\+FFFF/);
    expect(() => escapeXmlText('\ud800')).toThrow(/U\+D800/);
  });

  it('round-trip through the reader for any string XML can carry', () => {
    const xmlChar = fc.string({ unit: 'binary' }).filter((s) => !/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(s));
    fc.assert(fc.property(xmlChar, xmlChar, (t, a) => {
      const r = parse(`<r a="${escapeXmlAttr(a)}">${escapeXmlText(t)}</r>`).root;
      return textContent(r) === t && getAttr(r, 'a') === a;
    }), { numRuns: 300 });
  });
});
