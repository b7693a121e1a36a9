import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CPIM_HEADERS_NS, cpimHeaders, parseCpim, serializeCpim } from '../../../canonical/cpim';
import { parseContentType, parseMimeEntity, splitMultipart } from '../../../canonical/mime';

const dir = join(__dirname, '../../fixtures/cpim');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name)));
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('RFC 3862 section 5 fixtures', () => {
  it('has the fixtures the extraction script writes', () => {
    expect(readdirSync(dir).filter((f) => /\.(cpim|mime)$/.test(f)).sort()).toEqual([
      'rfc3862-5.1-bare.cpim', 'rfc3862-5.1-message.cpim', 'rfc3862-5.2-multipart-signed.mime',
    ]);
  });

  it.each(['rfc3862-5.1-message.cpim', 'rfc3862-5.1-bare.cpim'])('%s: parse then serialize gives the same bytes', (name) => {
    const bytes = fixture(name);
    const msg = parseCpim(bytes);
    expect(serializeCpim(msg)).toBe(bytes);
    expect(Buffer.compare(Buffer.from(serializeCpim(msg)), Buffer.from(bytes))).toBe(0);
    // Every header's range covers exactly its line.
    for (const h of msg.headers) expect(text(bytes.subarray(h.start, h.end))).toBe(`${h.name}:${h.params.map((p) => `;${p.name}=${p.value}`).join('')} ${h.rawValue}`);
  });

  it.each([
    ['rfc3862-5.1-message.cpim', true],
    ['rfc3862-5.1-bare.cpim', false],
  ])('%s: the fields are what section 5.1 shows', (name, wrapped) => {
    const msg = parseCpim(fixture(name));
    if (wrapped) expect(msg.mimeHeaders?.map((h) => [h.name, h.value])).toEqual([['Content-type', 'Message/CPIM']]);
    else expect(msg.mimeHeaders).toBeUndefined();
    expect(msg.headers.map((h) => h.name)).toEqual([
      'From', 'To', 'DateTime', 'Subject', 'Subject', 'NS', 'Require', 'MyFeatures.VitalMessageOption', 'MyFeatures.WackyMessageOption',
    ]);
    expect(msg.from).toEqual({ name: 'MR SANDERS', uri: 'im:piglet@100akerwood.com' });
    expect(msg.to).toEqual([{ name: 'Depressed Donkey', uri: 'im:eeyore@100akerwood.com' }]);
    expect(msg.cc).toEqual([]);
    expect(msg.dateTime).toEqual({ raw: '2000-12-13T13:40:00-08:00', epochMs: Date.UTC(2000, 11, 13, 21, 40, 0) });
    expect(msg.subjects).toEqual([
      { text: 'the weather will be fine today', lang: undefined },
      { text: "beau temps prevu pour aujourd'hui", lang: 'fr' },
    ]);
    expect(msg.namespaces).toEqual([{ prefix: 'MyFeatures', uri: 'mid:MessageFeatures@id.foo.com' }]);
    expect(msg.require).toEqual([{ name: 'MyFeatures.VitalMessageOption', namespace: 'mid:MessageFeatures@id.foo.com', localName: 'VitalMessageOption' }]);
    const vital = cpimHeaders(msg, 'mid:MessageFeatures@id.foo.com', 'VitalMessageOption');
    expect(vital.map((h) => h.value)).toEqual(['Confirmation-requested']);
    expect(msg.headers[0]!.namespace).toBe(CPIM_HEADERS_NS);
    expect(msg.content.contentType.mediaType).toBe('text/xml');
    expect(msg.content.contentType.params.get('charset')).toBe('utf-8');
    expect(msg.content.headers.map((h) => [h.name, h.value])).toEqual([['Content-type', 'text/xml; charset=utf-8'], ['Content-ID', '<1234567890@foo.com>']]);
    expect(text(msg.content.bytes)).toBe('Content-type: text/xml; charset=utf-8\r\nContent-ID: <1234567890@foo.com>\r\n\r\n<body>\r\nHere is the text of my message.\r\n</body>\r\n');
    expect(text(msg.content.body)).toBe('<body>\r\nHere is the text of my message.\r\n</body>\r\n');
    expect(msg.imdn).toEqual({ messageId: undefined, dispositionNotification: undefined, originalTo: undefined, recordRoute: [], route: [] });
  });

  it('content views are subarrays of the input, not copies', () => {
    const bytes = fixture('rfc3862-5.1-message.cpim');
    const msg = parseCpim(bytes);
    expect(msg.content.bytes.buffer).toBe(bytes.buffer);
    expect(msg.content.body.buffer).toBe(bytes.buffer);
    expect(msg.content.body.byteOffset).toBe(bytes.byteOffset + msg.content.bodyOffset);
  });

  it('5.2: the multipart/signed entity carries the CPIM message as its first part, byte for byte', () => {
    const bytes = fixture('rfc3862-5.2-multipart-signed.mime');
    const entity = parseMimeEntity(bytes);
    expect(entity.headers.map((h) => h.name)).toEqual(['Content-Type']);
    expect(entity.headers[0]!.value).toBe('multipart/signed; boundary=next;              micalg=sha1;              protocol=application/pkcs7-signature');
    const parts = splitMultipart(entity.body, 'next');
    expect(parts).toHaveLength(2);
    const msg = parseCpim(parts[0]!.bytes);
    expect(serializeCpim(msg)).toBe(parts[0]!.bytes);
    expect(msg.mimeHeaders?.map((h) => h.value)).toEqual(['Message/CPIM']);
    expect(msg.to).toEqual([{ name: 'Dopey Donkey', uri: 'im:eeyore@100akerwood.com' }]);
    // The CRLF before "--next" belongs to the delimiter (RFC 2046 5.1.1).
    expect(text(msg.content.body)).toBe('<body>\r\nHere is the text of my message.\r\n</body>');
    expect(text(parts[1]!.bytes)).toBe('Content-Type: application/pkcs7-signature\r\n\r\n(signature stuff)');
  });

  it('5.2: the example\'s unquoted protocol=application/pkcs7-signature breaks RFC 2045 5.1 ("/" is a tspecial) and is refused by name', () => {
    const ct = parseMimeEntity(fixture('rfc3862-5.2-multipart-signed.mime')).headers[0]!.value;
    expect(() => parseContentType(ct)).toThrow(/"\/" in the value of parameter protocol; a value with tspecials must be quoted/);
    expect(parseContentType(ct.replace('protocol=application/pkcs7-signature', 'protocol="application/pkcs7-signature"')).params.get('protocol')).toBe('application/pkcs7-signature');
  });
});
