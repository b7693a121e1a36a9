import fc from 'fast-check';
import { SwitchboardError } from '../../../canonical/errors';
import { buildPidf, closedPidf, formatPriority, parsePidf } from '../../../canonical/pidf';

const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('buildPidf', () => {
  it('builds what parsePidf reads back, field for field', () => {
    const bytes = buildPidf({
      entity: 'pres:juliet@example.com',
      tuples: [
        {
          id: 'ID-balcony', basic: 'open', contact: 'xmpp:juliet@example.com/balcony', priority: 0.8,
          notes: [{ text: 'On the balcony', lang: 'en' }, 'sans langue'], timestamp: '2026-11-21T01:50:00.123+01:00',
          statusXml: ['<show xmlns="jabber:client">away</show>'],
          extensionsXml: ['<r:class xmlns:r="urn:ietf:params:xml:ns:pidf:rpid">phone</r:class>'],
        },
        { id: 'ID-chamber', basic: 'closed' },
      ],
      notes: ['Wherefore art thou'],
      extensionsXml: ['<x:thing xmlns:x="urn:example:x" a="1">v</x:thing>'],
    });
    const text = dec(bytes);
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:juliet@example.com">')).toBe(true);
    const doc = parsePidf(bytes);
    expect(doc.entity).toBe('pres:juliet@example.com');
    const [a, b] = doc.tuples;
    expect(a).toMatchObject({
      id: 'ID-balcony', contact: { uri: 'xmpp:juliet@example.com/balcony', priority: 0.8 },
      notes: [{ text: 'On the balcony', lang: 'en' }, { text: 'sans langue' }], timestamp: '2026-11-21T01:50:00.123+01:00',
    });
    expect(a!.status.basic).toBe('open');
    expect(dec(a!.status.extensions[0]!.raw)).toBe('<show xmlns="jabber:client">away</show>');
    expect(a!.rpid.class).toBe('phone');
    expect(b).toMatchObject({ id: 'ID-chamber', status: { basic: 'closed' }, notes: [] });
    expect(doc.notes).toEqual([{ text: 'Wherefore art thou' }]);
    expect(dec(doc.extensions[0]!.raw)).toBe('<x:thing xmlns:x="urn:example:x" a="1">v</x:thing>');
  });

  it('property: any notes, entity characters and languages survive build then parse', () => {
    // Strings XML can carry: everything but C0 controls (other than tab, LF, CR), U+FFFE/FFFF and lone surrogates.
    const xmlText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(s));
    const lang = fc.constantFrom(undefined, 'en', 'fr', 'zh-Hant', 'de-CH-1996');
    const note = fc.record({ text: xmlText, lang }).map((n) => (n.lang === undefined ? { text: n.text } : { text: n.text, lang: n.lang }));
    const local = fc.string({ unit: fc.constantFrom('a', 'b', '&', "'", '!', '\u00e9', '%', '\u4e2d'), minLength: 1, maxLength: 8 });
    fc.assert(fc.property(fc.array(note, { maxLength: 4 }), fc.array(note, { maxLength: 3 }), local, (tupleNotes, notes, user) => {
      const entity = `pres:${user}@example.com`;
      const doc = parsePidf(buildPidf({ entity, tuples: [{ id: 't1', basic: 'open', notes: tupleNotes }], notes }));
      expect(doc.entity).toBe(entity);
      expect(doc.tuples[0]!.notes).toEqual(tupleNotes);
      expect(doc.notes).toEqual(notes);
    }), { numRuns: 200 });
  });

  it('property: priorities with up to three decimals survive exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (k) => {
      const p = k / 1000;
      const doc = parsePidf(buildPidf({ entity: 'pres:a@b.c', tuples: [{ id: 'a', basic: 'open', contact: 'im:a@b.c', priority: p }] }));
      expect(doc.tuples[0]!.contact!.priority).toBe(p);
    }));
  });

  const bad: [string, Parameters<typeof buildPidf>[0], RegExp][] = [
    ['entity not a URI', { entity: 'alice', tuples: [] }, /entity "alice" is not an absolute URI/],
    ['tuple id not an XML ID', { entity: 'pres:a@b', tuples: [{ id: 'balcony 2', basic: 'open' }] }, /not an XML ID/],
    ['tuple id starting with a digit', { entity: 'pres:a@b', tuples: [{ id: '42', basic: 'open' }] }, /"ID-" prefix/],
    ['repeated tuple id', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open' }, { id: 'a', basic: 'closed' }] }, /used twice/],
    ['empty status', { entity: 'pres:a@b', tuples: [{ id: 'a' }] }, /needs basic or a status extension/],
    ['basic value', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'busy' as never }] }, /open or closed/],
    ['contact not a URI', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', contact: 'nowhere' }] }, /contact "nowhere"/],
    ['priority above 1', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', contact: 'im:a@b', priority: 1.2 }] }, /not between 0 and 1/],
    ['priority with 4 decimals', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', contact: 'im:a@b', priority: 0.1234 }] }, /more than 3 digits/],
    ['priority without contact', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', priority: 0.5 }] }, /priority but no contact/],
    ['bad timestamp', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', timestamp: '2026-11-21 01:00:00' }] }, /not an RFC 3339/],
    ['bad note language', { entity: 'pres:a@b', tuples: [], notes: [{ text: 'x', lang: 'en us' }] }, /not a language tag/],
    ['note with a control character', { entity: 'pres:a@b', tuples: [], notes: ['bell\u0007'] }, /U\+0007/],
    ['extension not well-formed', { entity: 'pres:a@b', tuples: [], extensionsXml: ['<x:a xmlns:x="urn:x">'] }, /not one well-formed element/],
    ['extension without namespace', { entity: 'pres:a@b', tuples: [], extensionsXml: ['<a/>'] }, /must be in its own namespace/],
    ['extension in the PIDF namespace', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', extensionsXml: ['<note xmlns="urn:ietf:params:xml:ns:pidf"/>'] }] }, /must be in its own namespace/],
    ['two elements as one extension', { entity: 'pres:a@b', tuples: [{ id: 'a', basic: 'open', statusXml: ['<a xmlns="urn:x"/><b xmlns="urn:x"/>'] }] }, /not one well-formed element/],
  ];
  it.each(bad)('refuses %s', (_n, input, re) => {
    let err: unknown;
    try { buildPidf(input); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SwitchboardError);
    expect((err as Error).message).toMatch(re);
  });

  it('formatPriority writes the shortest form', () => {
    expect([0, 1, 0.5, 0.007, 0.65, 0.725].map(formatPriority)).toEqual(['0', '1', '0.5', '0.007', '0.65', '0.725']);
  });
});

describe('closedPidf', () => {
  it('says closed, with an optional note', () => {
    const doc = parsePidf(closedPidf('pres:romeo@example.net', { text: 'out of contact', lang: 'en' }));
    expect(doc.entity).toBe('pres:romeo@example.net');
    expect(doc.tuples.map((t) => [t.id, t.status.basic])).toEqual([['closed', 'closed']]);
    expect(doc.notes).toEqual([{ text: 'out of contact', lang: 'en' }]);
    expect(parsePidf(closedPidf('pres:romeo@example.net')).notes).toEqual([]);
  });
});
