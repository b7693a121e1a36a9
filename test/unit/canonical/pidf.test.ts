import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../../canonical/errors';
import { isRfc3339DateTime, parsePidf } from '../../../canonical/pidf';

const FIX = join(__dirname, '../../fixtures/pidf');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIX, name)));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

interface Expect {
  entity: string;
  tuples: { id: string; basic?: 'open' | 'closed'; contact?: string; priority?: number; notes?: { text: string; lang?: string }[]; timestamp?: string; ext?: number; statusExt?: number }[];
  notes?: string[];
  ext?: number;
}

/** What each RFC shows, read off the RFC text by hand. */
const FIXTURES: [string, Expect][] = [
  ['rfc3863-4.2.2-prefixed.xml', { entity: 'pres:someone@example.com', tuples: [{ id: 'sg89ae', basic: 'open', contact: 'tel:+09012345678', priority: 0.8 }] }],
  ['rfc3863-4.2.2-default-namespace.xml', { entity: 'pres:someone@example.com', tuples: [{ id: 'sg89ae', basic: 'open', contact: 'tel:+09012345678', priority: 0.8 }] }],
  ['rfc3863-4.2.4-location-status.xml', { entity: 'pres:someone@example.com', tuples: [{ id: 'ub93s3', basic: 'open', contact: 'im:someone@example.com', statusExt: 1 }] }],
  ['rfc3863-4.3.1-status-extensions.xml', {
    entity: 'pres:someone@example.com',
    tuples: [
      {
        id: 'bs35r9', basic: 'open', contact: 'im:someone@mobilecarrier.net', priority: 0.8, statusExt: 2,
        notes: [{ text: "Don't Disturb Please!", lang: 'en' }, { text: "Ne derangez pas, s'il vous plait", lang: 'fr' }],
        timestamp: '2001-10-27T16:49:29Z',
      },
      { id: 'eg92n8', basic: 'open', contact: 'mailto:someone@example.com', priority: 1 },
    ],
    notes: ["I'll be in Tokyo next week"],
  }],
  ['rfc3863-4.3.2-other-extensions.xml', {
    entity: 'pres:someone@example.com',
    tuples: [
      { id: 'ck38g9', basic: 'open', contact: 'tel:+09012345678', priority: 0.65, ext: 1 },
      { id: 'md66je', basic: 'open', contact: 'im:someone@mobilecarrier.net', priority: 1 },
    ],
    ext: 1,
  }],
  ['rfc3863-4.3.3-must-understand.xml', {
    entity: 'pres:someone@example.com',
    tuples: [{ id: 'tj25ds', basic: 'open', contact: 'tel:+09012345678', priority: 0.725, ext: 1 }],
    ext: 1,
  }],
  ['rfc4480-4-example.xml', {
    entity: 'pres:someone@example.com',
    tuples: [
      {
        id: 'bs35r9', basic: 'open', contact: 'im:someone@mobile.example.net', priority: 0.8, ext: 3,
        notes: [{ text: "Don't Disturb Please!", lang: 'en' }, { text: "Ne derangez pas, s'il vous plait", lang: 'fr' }],
        timestamp: '2005-10-27T16:49:29Z',
      },
      { id: 'ty4658', basic: 'open', contact: 'mailto:secretary@example.com', priority: 1, ext: 1 },
      { id: 'eg92n8', basic: 'open', contact: 'mailto:someone@example.com', priority: 1, ext: 4 },
    ],
    notes: ["I'll be in Tokyo next week"],
    ext: 2,
  }],
  ['rfc3922-5.1.4-open.xml', { entity: 'pres:juliet@example.com', tuples: [{ id: 'balcony', basic: 'open' }] }],
  ['rfc3922-5.1.4-closed.xml', { entity: 'pres:romeo@example.net', tuples: [{ id: 'balcony', basic: 'closed' }] }],
  ['rfc7248-example4-show-away.xml', { entity: 'pres:romeo@example.net', tuples: [{ id: 'ID-orchard', basic: 'open', statusExt: 1 }] }],
  ['rfc7248-example14-closed.xml', { entity: 'pres:juliet@example.com', tuples: [{ id: 'ID-balcony', basic: 'closed' }] }],
  ['rfc7248-example18-show-away.xml', { entity: 'pres:juliet@example.com', tuples: [{ id: 'ID-balcony', basic: 'open', statusExt: 1 }] }],
  ['rfc7248-example19-closed.xml', { entity: 'pres:romeo@example.net', tuples: [{ id: 'ID-orchard', basic: 'closed' }] }],
];

describe('parsePidf: RFC examples', () => {
  it.each(FIXTURES)('%s: bytes kept identical, view as the RFC shows', (name, want) => {
    const bytes = fixture(name);
    const doc = parsePidf(bytes);
    expect(Buffer.from(doc.bytes).equals(Buffer.from(readFileSync(join(FIX, name))))).toBe(true);
    expect(doc.entity).toBe(want.entity);
    expect(doc.tuples.map((t) => t.id)).toEqual(want.tuples.map((t) => t.id));
    want.tuples.forEach((w, k) => {
      const t = doc.tuples[k]!;
      expect(t.status.basic).toBe(w.basic);
      expect(t.contact?.uri).toBe(w.contact);
      expect(t.contact?.priority).toBe(w.priority);
      expect(t.notes).toEqual(w.notes ?? []);
      expect(t.timestamp).toBe(w.timestamp);
      expect(t.extensions.length).toBe(w.ext ?? 0);
      expect(t.status.extensions.length).toBe(w.statusExt ?? 0);
    });
    expect(doc.notes.map((n) => n.text)).toEqual(want.notes ?? []);
    expect(doc.extensions.length).toBe(want.ext ?? 0);
    expect(Object.isFrozen(doc) && Object.isFrozen(doc.tuples) && Object.isFrozen(doc.tuples[0])).toBe(true);
  });

  it('keeps each extension element as its exact bytes', () => {
    const doc = parsePidf(fixture('rfc3863-4.3.2-other-extensions.xml'));
    expect(dec(doc.tuples[0]!.extensions[0]!.raw)).toBe('<myex:mytupletag>Extended value in tuple</myex:mytupletag>');
    expect(dec(doc.extensions[0]!.raw)).toBe('<myex:mytag>My extended presentity information</myex:mytag>');
    expect(doc.extensions[0]!.understood).toBe(false);
  });

  it('RFC 3863 4.3.3: the extension holding an unrecognized mustUnderstand element is ignored, the document kept', () => {
    const doc = parsePidf(fixture('rfc3863-4.3.3-must-understand.xml'));
    const x = doc.tuples[0]!.extensions[0]!;
    expect(x.element.name).toBe('complexExtension');
    expect(x.understood).toBe(false);
    expect(x.mustUnderstand).toBe('myex:ex1');
    expect(doc.tuples[0]!.status.basic).toBe('open');
  });

  it("with mustUnderstand: 'reject' the same document fails, naming the element", () => {
    expect(() => parsePidf(fixture('rfc3863-4.3.3-must-understand.xml'), { mustUnderstand: 'reject' }))
      .toThrow(/<myex:ex1> \(http:\/\/id\.mycompany\.com\/presence\/\) is marked mustUnderstand.*\(at 10:/);
    // Without any mark, 'reject' accepts unknown extensions.
    expect(() => parsePidf(fixture('rfc3863-4.3.2-other-extensions.xml'), { mustUnderstand: 'reject' })).not.toThrow();
  });

  it('an unrecognized mandatory element directly in <status> is kept, marked, and not processed', () => {
    const src = PRE + T('<status><basic>open</basic><e:level p:mustUnderstand="true">3</e:level><r:user-input>idle</r:user-input></status>') + POST;
    const t = parsePidf(enc(src)).tuples[0]!;
    expect(t.status.basic).toBe('open');
    expect(t.status.extensions.map((x) => [x.element.name, x.understood, x.mustUnderstand])).toEqual([['level', false, 'e:level'], ['user-input', true, undefined]]);
    expect(dec(t.status.extensions[0]!.raw)).toBe('<e:level p:mustUnderstand="true">3</e:level>');
    expect(t.rpid.userInput).toEqual({ value: 'idle' });
    expect(() => parsePidf(enc(src), { mustUnderstand: 'reject' })).toThrow(/<e:level> \(urn:example\) is marked mustUnderstand/);
  });

  it('a recognized (RPID) extension holding an unrecognized mandatory element is not processed', () => {
    const doc = parsePidf(enc(PRE + '<tuple id="a"><status><basic>open</basic></status>'
      + '<r:user-input>idle</r:user-input></tuple>'
      + '<dm:person id="p"><r:activities><r:away/><x:new xmlns:x="urn:x" p:mustUnderstand="true"/></r:activities><r:mood><r:happy/></r:mood></dm:person>' + POST));
    const person = doc.extensions[0]!;
    expect(person.understood).toBe(false);
    expect(person.mustUnderstand).toBe('x:new');
    expect(doc.rpid.persons).toEqual([]);
    expect(doc.tuples[0]!.rpid.userInput).toEqual({ value: 'idle' });
  });

  it('mustUnderstand on a recognized element or set false changes nothing', () => {
    const doc = parsePidf(enc(PRE + '<dm:person id="p"><r:activities p:mustUnderstand="1"><r:away/><x:n xmlns:x="urn:x" mustUnderstand="false"/></r:activities></dm:person>' + POST));
    expect(doc.extensions[0]!.understood).toBe(true);
    expect(doc.rpid.person.activities?.values).toEqual(['away', '{urn:x}n']);
  });

  it('priority out of range is ignored as RFC 3863 4.1.5 says', () => {
    const t = parsePidf(enc(PRE + '<tuple id="a"><status><basic>open</basic></status><contact priority="1.5">im:a@b</contact></tuple>' + POST)).tuples[0]!;
    expect(t.contact).toEqual({ uri: 'im:a@b', ignoredPriority: '1.5' });
    const t2 = parsePidf(enc(PRE + '<tuple id="a"><status><basic>open</basic></status><contact priority="0.1234">im:a@b</contact></tuple>' + POST)).tuples[0]!;
    expect(t2.contact?.priority).toBeUndefined();
  });

  it('note language is inherited from an enclosing xml:lang', () => {
    const doc = parsePidf(enc('<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b" xml:lang="de"><tuple id="a"><status><basic>open</basic></status><note>Hallo</note><note xml:lang="en">Hi</note></tuple></presence>'));
    expect(doc.tuples[0]!.notes).toEqual([{ text: 'Hallo', lang: 'de' }, { text: 'Hi', lang: 'en' }]);
  });
});

const PRE = '<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" xmlns:e="urn:example" entity="pres:a@example.com">';
const POST = '</presence>';
const T = (inner: string, id = 'a') => `<tuple id="${id}">${inner}</tuple>`;
const OPEN = '<status><basic>open</basic></status>';

describe('parsePidf: every strictness rule has an input that breaks it', () => {
  const cases: [string, string, RegExp][] = [
    ['no XML declaration', '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"/>', /XML declaration is missing/],
    ['root not presence', '<?xml version="1.0"?><tuple xmlns="urn:ietf:params:xml:ns:pidf"/>', /root element must be <presence>/],
    ['root in wrong namespace', '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf:" entity="pres:a@b"/>', /root element must be <presence>/],
    ['root in no namespace', '<?xml version="1.0"?><presence entity="pres:a@b"/>', /in no namespace/],
    ['no entity', '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf"/>', /no entity attribute/],
    ['entity not a URI', '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="a@b"/>', /not an absolute URI/],
    ['unknown attribute on presence', '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b" foo="1"/>', /unexpected attribute foo/],
    ['text in presence', PRE + 'hello' + POST, /text is not allowed directly inside <presence>/],
    ['tuple after note', PRE + '<note>n</note>' + T(OPEN) + POST, /<tuple> after <note>/],
    ['tuple after extension', PRE + '<e:x/>' + T(OPEN) + POST, /<tuple> after an extension/],
    ['note after extension', PRE + '<e:x/><note>n</note>' + POST, /<note> after an extension/],
    ['unknown PIDF element', PRE + '<status/>' + POST, /not a PIDF element allowed here/],
    ['extension in no namespace', '<?xml version="1.0"?><p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"><x/></p:presence>', /in no namespace; extensions must come from another namespace/],
    ['tuple without id', PRE + '<tuple>' + OPEN + '</tuple>' + POST, /no id attribute/],
    ['tuple id not an XML ID', PRE + T(OPEN, '1abc') + POST, /not an XML ID/],
    ['tuple id repeated', PRE + T(OPEN) + T(OPEN) + POST, /used twice/],
    ['tuple without status', PRE + T('<contact>im:a@b</contact>') + POST, /must begin with <status>/],
    ['empty tuple', PRE + T('') + POST, /must begin with <status>/],
    ['two statuses', PRE + T(OPEN + OPEN) + POST, /out of order or repeated/],
    ['contact before extension', PRE + T(OPEN + '<contact>im:a@b</contact><e:x/>') + POST, /<e:x> is out of order/],
    ['two contacts', PRE + T(OPEN + '<contact>im:a@b</contact><contact>im:c@d</contact>') + POST, /out of order or repeated/],
    ['note after timestamp', PRE + T(OPEN + '<timestamp>2001-10-27T16:49:29Z</timestamp><note>n</note>') + POST, /<note> is out of order/],
    ['two timestamps', PRE + T(OPEN + '<timestamp>2001-10-27T16:49:29Z</timestamp><timestamp>2001-10-27T16:49:29Z</timestamp>') + POST, /out of order or repeated/],
    ['unknown PIDF child of tuple', PRE + T(OPEN + '<basic>open</basic>') + POST, /not a PIDF tuple child/],
    ['text in tuple', PRE + T(OPEN + 'x') + POST, /text is not allowed directly inside <tuple>/],
    ['unknown attribute on tuple', PRE + '<tuple id="a" x="1">' + OPEN + '</tuple>' + POST, /unexpected attribute x/],
    ['empty status', PRE + T('<status/>') + POST, /<status> is empty/],
    ['basic not first', PRE + T('<status><e:x/><basic>open</basic></status>') + POST, /<basic> must be the first child/],
    ['two basics', PRE + T('<status><basic>open</basic><basic>open</basic></status>') + POST, /<basic> must be the first child/],
    ['basic value', PRE + T('<status><basic>busy</basic></status>') + POST, /must be "open" or "closed", not "busy"/],
    ['basic value with space', PRE + T('<status><basic> open</basic></status>') + POST, /must be "open" or "closed"/],
    ['basic value capitalized', PRE + T('<status><basic>OPEN</basic></status>') + POST, /must be "open" or "closed"/],
    ['basic with child', PRE + T('<status><basic><e:x/></basic></status>') + POST, /must hold text only/],
    ['text in status', PRE + T('<status>open</status>') + POST, /text is not allowed directly inside <status>/],
    ['contact not a URI', PRE + T(OPEN + '<contact>someone</contact>') + POST, /contact "someone" is not an absolute URI/],
    ['empty contact', PRE + T(OPEN + '<contact></contact>') + POST, /not an absolute URI/],
    ['priority not a number', PRE + T(OPEN + '<contact priority="high">im:a@b</contact>') + POST, /priority "high" is not a decimal/],
    ['note with child element', PRE + '<note><e:x/></note>' + POST, /must hold text only/],
    ['timestamp not RFC 3339', PRE + T(OPEN + '<timestamp>27 Oct 2001</timestamp>') + POST, /not an RFC 3339 date-time/],
    ['timestamp lower-case t', PRE + T(OPEN + '<timestamp>2001-10-27t16:49:29Z</timestamp>') + POST, /capital T and Z/],
    ['timestamp lower-case z', PRE + T(OPEN + '<timestamp>2001-10-27T16:49:29z</timestamp>') + POST, /capital T and Z/],
    ['timestamp out of range', PRE + T(OPEN + '<timestamp>2001-02-29T16:49:29Z</timestamp>') + POST, /not an RFC 3339/],
    ['mustUnderstand not boolean', PRE + '<e:x p:mustUnderstand="yes"/>' + POST, /mustUnderstand="yes" is not a boolean/],
  ];
  it.each(cases)('%s', (_name, input, re) => {
    let err: unknown;
    try { parsePidf(enc(input)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).message).toMatch(re);
    expect((err as ParseError).where).toMatch(/^\d+:\d+$/);
  });

  it('accepts a document without the XML declaration when asked to', () => {
    expect(parsePidf(enc('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"/>'), { requireXmlDeclaration: false }).tuples).toEqual([]);
  });

  it('refuses hostile XML through the hardened reader', () => {
    expect(() => parsePidf(enc('<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY a "x">]><presence/>'))).toThrow(/DOCTYPE/);
    expect(() => parsePidf(new Uint8Array(10 * 1024 * 1024))).toThrow(/over the limit/);
    const deep = PRE + '<e:x>'.repeat(10_000) + '</e:x>'.repeat(10_000) + POST;
    expect(() => parsePidf(enc(deep))).toThrow(/nested deeper than 32/);
  });
});

describe('isRfc3339DateTime', () => {
  it.each([
    ['2001-10-27T16:49:29Z', true], ['2004-10-21T13:20:00.000-05:00', true], ['2000-02-29T00:00:00+00:00', true],
    ['1990-12-31T23:59:60Z', true], ['2001-13-01T00:00:00Z', false], ['1900-02-29T00:00:00Z', false],
    ['2001-10-27T24:00:00Z', false], ['2001-10-27T16:49:29', false], ['2001-10-27T16:49:29+05', false],
    ['2001-10-27 16:49:29Z', false], ['2001-10-27T16:49:29+24:00', false],
  ])('%s -> %s', (s, ok) => expect(isRfc3339DateTime(s)).toBe(ok));
});

