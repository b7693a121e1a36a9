import fc from 'fast-check';
import { ParseError } from '../../../canonical/errors';
import { type CpimAddress, type CpimBuildInput, IMDN_NS, buildCpim, cpimHeaders, parseCpim, serializeCpim } from '../../../canonical/cpim';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('buildCpim', () => {
  it('writes the exact bytes a new message should have', () => {
    const out = buildCpim({
      from: { name: 'MR SANDERS', uri: 'im:piglet@100akerwood.com' },
      to: [{ name: 'Depressed Donkey', uri: 'im:eeyore@100akerwood.com' }],
      dateTime: '2000-12-13T13:40:00-08:00',
      subject: [{ text: 'the weather will be fine today' }, { text: "beau temps prevu pour aujourd'hui", lang: 'fr' }],
      ns: { MyFeatures: 'mid:MessageFeatures@id.foo.com' },
      require: ['MyFeatures.VitalMessageOption'],
      headers: [{ name: 'MyFeatures.VitalMessageOption', value: 'Confirmation-requested' }, { name: 'MyFeatures.WackyMessageOption', value: 'Use-silly-font' }],
      content: { type: 'text/xml; charset=utf-8', bytes: utf8('<body>\r\nHere is the text of my message.\r\n</body>\r\n'), extraHeaders: [{ name: 'Content-ID', value: '<1234567890@foo.com>' }] },
      withMimeHeaders: true,
    });
    // The RFC 3862 5.1 example, but for the header name case of the MIME Content-Type (we write Content-Type).
    expect(text(out)).toBe([
      'Content-type: Message/CPIM', '',
      'From: MR SANDERS <im:piglet@100akerwood.com>', 'To: Depressed Donkey <im:eeyore@100akerwood.com>',
      'DateTime: 2000-12-13T13:40:00-08:00', 'Subject: the weather will be fine today',
      "Subject:;lang=fr beau temps prevu pour aujourd'hui", 'NS: MyFeatures <mid:MessageFeatures@id.foo.com>',
      'Require: MyFeatures.VitalMessageOption', 'MyFeatures.VitalMessageOption: Confirmation-requested',
      'MyFeatures.WackyMessageOption: Use-silly-font', '',
      'Content-Type: text/xml; charset=utf-8', 'Content-ID: <1234567890@foo.com>', '',
      '<body>', 'Here is the text of my message.', '</body>', '',
    ].join('\r\n'));
  });

  it('writes IMDN headers (RFC 5438 7.1.1.3 example) and reads them back', () => {
    const out = buildCpim({
      from: { name: 'Alice', uri: 'im:alice@example.com' }, to: [{ name: 'Bob', uri: 'im:bob@example.com' }],
      dateTime: '2006-04-04T12:16:49-05:00',
      imdn: { messageId: '34jk324j', dispositionNotification: ['positive-delivery', 'negative-delivery'] },
      content: { type: 'text/plain', bytes: utf8('Hello World') },
    });
    expect(text(out)).toContain('NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\nimdn.Disposition-Notification: positive-delivery, negative-delivery\r\n');
    const m = parseCpim(out);
    expect(m.imdn.messageId).toBe('34jk324j');
    expect(m.imdn.dispositionNotification).toEqual(['positive-delivery', 'negative-delivery']);
    expect(m.dateTime?.epochMs).toBe(Date.UTC(2006, 3, 4, 17, 16, 49));
  });

  it('reuses a prefix already bound to the IMDN URN', () => {
    const out = buildCpim({ ns: { n: IMDN_NS }, imdn: { messageId: 'x1' }, content: { type: 'text/plain', bytes: utf8('') } });
    expect(text(out)).toBe('NS: n <urn:ietf:params:imdn>\r\nn.Message-ID: x1\r\n\r\nContent-Type: text/plain\r\n\r\n');
  });

  it('escapes control characters, backslashes and quotes as RFC 3862 2.3.1 requires', () => {
    const out = buildCpim({
      from: { name: 'A "quoted"\tname\\', uri: 'im:a@example.com' },
      subject: [{ text: 'line1\nline2\r\x07\x7f \\ "not escaped outside quotes"' }],
      content: { type: 'text/plain', bytes: utf8('') },
    });
    expect(text(out).split('\r\n').slice(0, 2)).toEqual([
      'From: "A \\"quoted\\"\\tname\\\\"<im:a@example.com>',
      'Subject: line1\\nline2\\r\\u0007\\u007f \\\\ "not escaped outside quotes"',
    ]);
  });

  it('writes a Date in UTC without a zero fraction', () => {
    const out = buildCpim({ dateTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), content: { type: 'text/plain', bytes: utf8('') } });
    expect(text(out)).toMatch(/^DateTime: 2024-01-02T03:04:05Z\r\n/);
  });

  it('keeps the content bytes as given, binary included', () => {
    const bin = new Uint8Array([0, 13, 10, 255, 254, 13, 10, 13, 10]);
    const m = parseCpim(buildCpim({ to: [{ uri: 'sip:b@example.com' }], content: { type: 'application/octet-stream', bytes: bin } }));
    expect(Buffer.from(m.content.body).equals(Buffer.from(bin))).toBe(true);
  });

  it.each<[string, Partial<CpimBuildInput>, RegExp]>([
    ['relative URI', { to: [{ uri: 'bob' }] }, /"bob" is not an absolute URI \(at to\[0\]\.uri\)/],
    ['URI with ">"', { from: { uri: 'im:a>b@example.com' } }, /not an absolute URI/],
    ['bad lang', { subject: [{ text: 'x', lang: 'not a tag' }] }, /not a language tag \(at subject\[0\]\.lang\)/],
    ['undeclared prefix', { headers: [{ name: 'Foo.Bar', value: 'x' }] }, /prefix "Foo" is not declared in ns/],
    ['undeclared prefix in Require', { require: ['Foo.Bar'] }, /prefix "Foo" is not declared/],
    ['core header as extension', { headers: [{ name: 'From', value: '<im:a@b.c>' }] }, /From is a core header/],
    ['bad header name', { headers: [{ name: 'X Y', value: 'v' }] }, /not a header name/],
    ['bad IMDN Message-ID', { imdn: { messageId: 'a b' } }, /Message-ID "a b" is not a Token/],
    ['bad date-time', { dateTime: 'yesterday' }, /dateTime "yesterday": not an RFC 3339/],
    ['lone surrogate', { subject: [{ text: 'a\ud800b' }] }, /lone UTF-16 surrogate/],
    ['trailing space', { subject: [{ text: 'a ' }] }, /may not end with a space/],
    ['namespace with fragment', { ns: { a: 'http://x.example/#f' } }, /not an absolute URI without fragment/],
  ])('refuses %s with a ParseError naming the field', (_n, input, pattern) => {
    let err: unknown;
    try { buildCpim({ content: { type: 'text/plain', bytes: utf8('') }, ...input }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as Error).message).toMatch(pattern);
  });

  it('refuses a malformed content type', () => {
    expect(() => buildCpim({ content: { type: 'text', bytes: utf8('') } })).toThrow(/content\.type/);
  });
});

describe('build then parse is the identity of the fields (property)', () => {
  // Printable and non-ASCII text, control characters and backslashes included; no lone surrogates.
  const anyText = fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/[\uD800-\uDFFF]/.test(s));
  const valueText = anyText.filter((s) => s.length > 0 && !s.startsWith(' ') && !s.endsWith(' '));
  const uri = fc.tuple(fc.constantFrom('im', 'sip', 'pres', 'xmpp'), fc.stringMatching(/^[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\.[a-z]{2,4}$/))
    .map(([s, rest]) => `${s}:${rest}`);
  const address: fc.Arbitrary<CpimAddress> = fc.record({ name: anyText, uri }, { requiredKeys: ['uri'] });
  const lang = fc.stringMatching(/^[a-z]{1,8}(-[A-Za-z0-9]{1,8}){0,2}$/);
  const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+^_`|~.-]{1,20}$/);
  const prefix = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);

  it('From, To, cc, DateTime, Subject;lang, NS, Require, IMDN, extension headers, content', () => {
    fc.assert(fc.property(
      fc.record({
        from: fc.option(address, { nil: undefined }),
        to: fc.array(address, { maxLength: 3 }),
        cc: fc.array(address, { maxLength: 2 }),
        dateTime: fc.option(fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }), { nil: undefined }),
        subject: fc.array(fc.record({ text: valueText, lang: fc.option(lang, { nil: undefined }) }), { maxLength: 3 }),
        extPrefix: prefix.filter((p) => p !== 'imdn'),
        ext: fc.array(fc.record({ local: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/), value: valueText }), { maxLength: 3 }),
        imdn: fc.option(fc.record({ messageId: token, dispositionNotification: fc.array(fc.constantFrom('positive-delivery', 'negative-delivery', 'processing', 'display'), { minLength: 1, maxLength: 3 }) }), { nil: undefined }),
        body: fc.uint8Array({ maxLength: 64 }),
        wrap: fc.boolean(),
      }),
      (r) => {
        const nsUri = `urn:example:${r.extPrefix.toLowerCase()}`;
        const input: CpimBuildInput = {
          withMimeHeaders: r.wrap, from: r.from, to: r.to, cc: r.cc, dateTime: r.dateTime,
          subject: r.subject.map((s) => (s.lang === undefined ? { text: s.text } : s)),
          ns: { [r.extPrefix]: nsUri },
          require: r.ext.map((e) => `${r.extPrefix}.${e.local}`),
          headers: r.ext.map((e) => ({ name: `${r.extPrefix}.${e.local}`, value: e.value })),
          ...(r.imdn ? { imdn: r.imdn } : {}),
          content: { type: 'application/octet-stream', bytes: r.body },
        };
        const bytes = buildCpim(input);
        const m = parseCpim(bytes);
        expect(serializeCpim(m)).toBe(bytes);
        expect(m.mimeHeaders !== undefined).toBe(r.wrap);
        expect(m.from).toEqual(r.from);
        expect(m.to).toEqual(r.to);
        expect(m.cc).toEqual(r.cc);
        expect(m.dateTime?.epochMs).toBe(r.dateTime?.getTime());
        expect(m.subjects).toEqual(r.subject.map((s) => ({ text: s.text, lang: s.lang })));
        expect(m.require.map((q) => [q.namespace, q.localName])).toEqual(r.ext.map((e) => [nsUri, e.local]));
        expect(r.ext.map((e, i) => cpimHeaders(m, nsUri, e.local).filter((h) => h.value === r.ext[i]!.value).length > 0)).toEqual(r.ext.map(() => true));
        expect(m.imdn.messageId).toBe(r.imdn?.messageId);
        expect(m.imdn.dispositionNotification).toEqual(r.imdn?.dispositionNotification);
        expect(Buffer.from(m.content.body).equals(Buffer.from(r.body))).toBe(true);
      },
    ), { numRuns: 300 });
  });

  it('parse then serialize is the same bytes for any message the parser accepts', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      const bytes = new Uint8Array(Buffer.concat([Buffer.from('From: <im:a@b.example>\r\nSubject: '), Buffer.from(junk), Buffer.from('\r\n\r\nContent-Type: text/plain\r\n\r\n')]));
      let m;
      try { m = parseCpim(bytes); } catch (e) { expect(e).toBeInstanceOf(ParseError); return; }
      expect(serializeCpim(m)).toBe(bytes);
    }), { numRuns: 500 });
  });
});
