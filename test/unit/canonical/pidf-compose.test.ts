import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPidf, composePidf, filterPidf, parsePidf } from '../../../canonical/pidf';
import { childElements, rawBytes } from '../../../canonical/xml';

const fixture = (name: string) => parsePidf(new Uint8Array(readFileSync(join(__dirname, '../../fixtures/pidf', name))));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('filterPidf (RFC 2779 2.3.3 views)', () => {
  const doc = fixture('rfc3863-4.3.1-status-extensions.xml');

  it('returns the original bytes, the same array, when the view filters nothing', () => {
    expect(filterPidf(doc, {})).toBe(doc.bytes);
    expect(filterPidf(doc, { tuples: ['bs35r9', 'eg92n8', 'other'] })).toBe(doc.bytes);
    const bare = fixture('rfc3922-5.1.4-open.xml');
    expect(filterPidf(bare, { hideNotes: true })).toBe(bare.bytes);
  });

  it('keeps a subset of tuples, cutting the others out of the received bytes', () => {
    expect(dec(filterPidf(doc, { tuples: ['eg92n8'] }))).toBe([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<presence xmlns="urn:ietf:params:xml:ns:pidf"',
      '     xmlns:im="urn:ietf:params:xml:ns:pidf:im"',
      '     xmlns:myex="http://id.example.com/presence/"',
      '     entity="pres:someone@example.com">',
      '  <tuple id="eg92n8">',
      '    <status>',
      '      <basic>open</basic>',
      '    </status>',
      '    <contact priority="1.0">mailto:someone@example.com</contact>',
      '  </tuple>',
      "  <note>I'll be in Tokyo next week</note>",
      '</presence>',
      '',
    ].join('\n'));
    expect(parsePidf(filterPidf(doc, { tuples: [] })).tuples).toEqual([]);
  });

  it('basicOnly keeps ids and <basic> only, and drops tuples without <basic>', () => {
    const out = parsePidf(filterPidf(doc, { basicOnly: true }));
    expect(out.tuples.map((t) => [t.id, t.status.basic, t.contact, t.notes.length, t.timestamp, t.status.extensions.length]))
      .toEqual([['bs35r9', 'open', undefined, 0, undefined, 0], ['eg92n8', 'open', undefined, 0, undefined, 0]]);
    expect(out.notes).toEqual([]);
    const noBasic = parsePidf(enc('<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"><tuple id="a"><status><x:s xmlns:x="urn:x">on</x:s></status></tuple><tuple id="b"><status><basic>closed</basic></status></tuple></presence>'));
    expect(parsePidf(filterPidf(noBasic, { basicOnly: true })).tuples.map((t) => t.id)).toEqual(['b']);
  });

  it('basicOnly on RFC 4480 drops the person, the device and every extension', () => {
    const out = parsePidf(filterPidf(fixture('rfc4480-4-example.xml'), { basicOnly: true }));
    expect(out.tuples.map((t) => t.id)).toEqual(['bs35r9', 'ty4658', 'eg92n8']);
    expect(out.extensions).toEqual([]);
    expect(out.tuples.every((t) => t.extensions.length === 0 && !t.contact)).toBe(true);
  });

  it('hideNotes drops PIDF, RPID and data-model notes and keeps the rest byte-exact', () => {
    const src = fixture('rfc4480-4-example.xml');
    const bytes = filterPidf(src, { hideNotes: true });
    const out = parsePidf(bytes);
    expect(out.notes).toEqual([]);
    expect(out.tuples.flatMap((t) => t.notes)).toEqual([]);
    expect(dec(bytes)).not.toMatch(/note>/);
    expect(out.rpid.person.activities).toMatchObject({ values: ['away'], notes: [] });
    expect(out.tuples[0]!.timestamp).toBe('2005-10-27T16:49:29Z');
    // An element without notes is copied byte for byte.
    const person = src.extensions.find((x) => x.element.name === 'person')!.element;
    const placeIs = childElements(person).find((c) => c.name === 'place-is')!;
    expect(dec(bytes)).toContain(dec(rawBytes(src.bytes, placeIs)));
  });
});

describe('composePidf (RFC 3903 section 3 composition at its simplest)', () => {
  it('unions tuples by id with later winning, and merges notes without duplicates', () => {
    const a = parsePidf(buildPidf({ entity: 'pres:j@example.com', tuples: [{ id: 'phone', basic: 'open' }, { id: 'pc', basic: 'open', notes: ['old'] }], notes: ['hello', { text: 'salut', lang: 'fr' }] }));
    const b = parsePidf(buildPidf({ entity: 'pres:j@example.com', tuples: [{ id: 'pc', basic: 'closed', notes: ['new'] }, { id: 'xmpp', basic: 'open' }], notes: ['hello', 'bye'] }));
    const out = parsePidf(composePidf('pres:j@example.com', [a, b]));
    expect(out.entity).toBe('pres:j@example.com');
    expect(out.tuples.map((t) => [t.id, t.status.basic, t.notes.map((n) => n.text)])).toEqual([
      ['phone', 'open', []], ['pc', 'closed', ['new']], ['xmpp', 'open', []],
    ]);
    expect(out.notes).toEqual([{ text: 'hello' }, { text: 'salut', lang: 'fr' }, { text: 'bye' }]);
  });

  it('moves tuples between documents with different prefixes, keeping their bytes and namespaces', () => {
    const prefixed = fixture('rfc3863-4.3.2-other-extensions.xml');
    const plain = fixture('rfc3863-4.3.1-status-extensions.xml');
    const bytes = composePidf('pres:someone@example.com', [prefixed, plain]);
    const out = parsePidf(bytes);
    expect(out.tuples.map((t) => t.id)).toEqual(['ck38g9', 'md66je', 'bs35r9', 'eg92n8']);
    const ext = out.tuples[0]!.extensions[0]!;
    expect([ext.element.ns, ext.element.name, dec(ext.raw)]).toEqual(['http://id.example.com/presence/', 'mytupletag', '<myex:mytupletag>Extended value in tuple</myex:mytupletag>']);
    expect(out.tuples[2]!.status.extensions.map((x) => x.element.ns)).toEqual(['urn:ietf:params:xml:ns:pidf:im', 'http://id.example.com/presence/']);
    expect(out.tuples[2]!.notes).toEqual(plain.tuples[0]!.notes);
    expect(out.extensions.map((x) => x.element.name)).toEqual(['mytag']);
    // Everything after the tuple's name is the received bytes.
    const src = dec(rawBytes(plain.bytes, plain.tuples[0]!.element));
    expect(dec(bytes)).toContain(src.slice('<tuple id="bs35r9">'.length));
  });

  it('keeps an element in no namespace there, and keeps an inherited xml:lang', () => {
    const a = parsePidf(enc('<?xml version="1.0"?><p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:e="urn:e" entity="pres:a@b" xml:lang="de"><p:tuple id="t"><p:status><p:basic>open</p:basic></p:status><p:note>Hallo</p:note></p:tuple><e:x><plain/></e:x></p:presence>'));
    const out = parsePidf(composePidf('pres:a@b', [a]));
    expect(out.tuples[0]!.notes).toEqual([{ text: 'Hallo', lang: 'de' }]);
    const inner = out.extensions[0]!.element.children.find((c) => c.kind === 'element');
    expect(inner && inner.kind === 'element' ? [inner.name, inner.ns] : []).toEqual(['plain', '']);
  });

  it('replaces presence-level extensions with the same namespace, name and id', () => {
    const mk = (activity: string) => parsePidf(buildPidf({ entity: 'pres:a@b', tuples: [], rpid: { activities: [activity] } }));
    const out = parsePidf(composePidf('pres:a@b', [mk('away'), mk('busy')]));
    expect(out.rpid.persons.map((p) => p.activities?.values)).toEqual([['busy']]);
  });

  it('composes nothing into an empty document for the entity', () => {
    const out = parsePidf(composePidf('pres:a@b', []));
    expect([out.entity, out.tuples.length, out.notes.length]).toEqual(['pres:a@b', 0, 0]);
  });
});

describe('every RFC fixture survives composition and filtering', () => {
  const files = readdirSync(join(__dirname, '../../fixtures/pidf')).filter((f) => f.endsWith('.xml'));
  const view = (d: ReturnType<typeof parsePidf>) => ({
    tuples: d.tuples.map((t) => ({ id: t.id, basic: t.status.basic, contact: t.contact, notes: t.notes, timestamp: t.timestamp, rpid: t.rpid, ext: t.extensions.map((x) => [x.element.ns, x.element.name, dec(x.raw)]), st: t.status.extensions.map((x) => [x.element.ns, x.element.name, x.understood]) })),
    notes: d.notes, ext: d.extensions.map((x) => [x.element.ns, x.element.name, x.understood]), rpid: d.rpid,
  });
  it('has all 13 fixtures', () => expect(files).toHaveLength(13));
  it.each(files)('%s', (f) => {
    const doc = fixture(f);
    expect(view(parsePidf(composePidf(doc.entity, [doc])))).toEqual(view(doc));
    expect(parsePidf(filterPidf(doc, { hideNotes: true, tuples: doc.tuples.map((t) => t.id) })).tuples.map((t) => t.id)).toEqual(doc.tuples.map((t) => t.id));
  });
});
