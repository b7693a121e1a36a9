import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../../canonical/errors';
import { classify, findHeader, parseContentType, parseMimeEntity, splitMultipart } from '../../../canonical/mime';
import { findInvalidUtf8 } from '../../../canonical/utf8';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const mimeDir = join(__dirname, '../../fixtures/mime');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(mimeDir, name)));

function thrown(f: () => unknown): ParseError {
  try { f(); } catch (e) { expect(e).toBeInstanceOf(ParseError); return e as ParseError; }
  throw new Error('expected a ParseError');
}

describe('parseContentType (RFC 2045 5.1)', () => {
  it.each<[string, string, Record<string, string>]>([
    ['text/plain', 'text/plain', {}],
    ['Message/CPIM', 'message/cpim', {}],
    ['text/plain; charset=UTF-8', 'text/plain', { charset: 'UTF-8' }],
    ['text/plain;charset="utf-8"', 'text/plain', { charset: 'utf-8' }],
    ['multipart/signed; boundary="a b\\"c"; Protocol="application/pkcs7-signature"; micalg=sha-256', 'multipart/signed',
      { boundary: 'a b"c', protocol: 'application/pkcs7-signature', micalg: 'sha-256' }],
    ['application/pkcs7-mime; smime-type=signed-data;\r\n              name="smime.p7m"', 'application/pkcs7-mime', { 'smime-type': 'signed-data', name: 'smime.p7m' }],
    ['  text/plain ;\tcharset = us-ascii ', 'text/plain', { charset: 'us-ascii' }],
  ])('%j', (value, mediaType, params) => {
    const ct = parseContentType(value);
    expect(ct.mediaType).toBe(mediaType);
    expect(Object.fromEntries(ct.params)).toEqual(params);
  });

  it('keeps the type and subtype as written besides the lower-cased media type', () => {
    expect(parseContentType('Message/CPIM')).toMatchObject({ type: 'Message', subtype: 'CPIM', mediaType: 'message/cpim' });
  });

  it.each<[string, RegExp]>([
    ['text', /"\/" expected after the type/],
    ['text/', /subtype missing/],
    ['/plain', /type expected, found "\/"/],
    ['text/plain;', /parameter expected after ";"/],
    ['text/plain; charset', /"=" expected after parameter charset/],
    ['text/plain; charset=', /value of parameter charset missing/],
    ['text/plain; charset="utf-8', /unterminated quoted-string/],
    ['text/plain charset=utf-8', /";" expected, found "c"/],
    ['text/plain; a=1; A=2', /parameter a given twice/],
    ['text/plain (comment)', /";" expected|comments are not accepted/],
    ['text/plain; (c) a=1', /comments are not accepted/],
    ['multipart/signed; protocol=application/pkcs7-signature', /"\/" in the value of parameter protocol; a value with tspecials must be quoted/],
    ['text/pla\u00efn', /expected|";" expected/],
  ])('refuses %j', (value, pattern) => {
    const e = thrown(() => parseContentType(value));
    expect(e.message).toMatch(pattern);
    expect(e.where).toMatch(/^character \d+$/);
  });
});

describe('classify', () => {
  it.each<[string, object]>([
    ['Message/CPIM', { kind: 'cpim' }],
    ['multipart/signed; protocol="application/pkcs7-signature"; micalg=SHA-256; boundary=b1', { kind: 'multipart-signed', protocol: 'application/pkcs7-signature', micalg: 'sha-256', boundary: 'b1' }],
    ['application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"', { kind: 'pkcs7-mime', smimeType: 'signed-data' }],
    ['application/x-pkcs7-mime', { kind: 'pkcs7-mime' }],
    ['application/pidf+xml', { kind: 'pidf' }],
    ['message/imdn+xml', { kind: 'imdn' }],
    ['text/plain; charset=UTF-8', { kind: 'text-plain', charset: 'utf-8' }],
    ['text/plain', { kind: 'text-plain', charset: 'us-ascii' }],
    ['text/html', { kind: 'other', mediaType: 'text/html' }],
  ])('%j', (value, expected) => {
    expect(classify(value)).toEqual(expected);
    expect(classify(parseContentType(value))).toEqual(expected);
  });
});

describe('parseMimeEntity', () => {
  it('splits headers in order and the body at the first empty line, without copying', () => {
    const bytes = enc('Content-Type: text/plain\r\nX-A: 1\r\n\t2\r\nX-B:3\r\n\r\nbody\r\n\r\nmore');
    const e = parseMimeEntity(bytes);
    expect(e.headers.map((h) => [h.name, h.value, h.line])).toEqual([['Content-Type', 'text/plain', 1], ['X-A', '1\t2', 2], ['X-B', '3', 4]]);
    expect(Buffer.from(bytes.subarray(e.headers[1]!.start, e.headers[1]!.end)).toString()).toBe('X-A: 1\r\n\t2');
    expect(Buffer.from(e.body).toString()).toBe('body\r\n\r\nmore');
    expect(e.body.buffer).toBe(bytes.buffer);
    expect(findHeader(e.headers, 'content-TYPE')?.value).toBe('text/plain');
  });

  it('accepts an entity with no headers (empty line first) and an empty body', () => {
    expect(parseMimeEntity(enc('\r\nabc')).headers).toEqual([]);
    expect(parseMimeEntity(enc('A: b\r\n\r\n')).body.length).toBe(0);
  });

  it.each<[string, Uint8Array, RegExp, string]>([
    ['LF-only line', enc('Content-Type: text/plain\n\nx'), /line ends with LF without CR/, 'line 1, byte 24'],
    ['bare CR', enc('A: b\rC: d\r\n\r\n'), /CR not followed by LF/, 'line 1, byte 4'],
    ['no empty line', enc('Content-Type: text/plain\r\n'), /not ended by an empty line/, 'line 2, byte 26'],
    ['no line end at all', enc('Content-Type: text/plain'), /not ended by an empty line/, 'line 1, byte 0'],
    ['continuation first', enc(' A: b\r\n\r\n'), /continuation line without a header field/, 'line 1, byte 0'],
    ['no colon', enc('Content-Type text/plain\r\n\r\n'), /bad or missing field name/, 'line 1, byte 12'],
    ['empty name', enc(': x\r\n\r\n'), /bad or missing field name/, 'line 1, byte 0'],
    ['control character', enc('A: b\u0001\r\n\r\n'), /control character 0x01/, 'line 1, byte 4'],
    ['invalid UTF-8', new Uint8Array([65, 58, 32, 0xc3, 0x28, 13, 10, 13, 10]), /invalid UTF-8/, 'line 1, byte 3'],
    ['too many fields', enc(`${'A: b\r\n'.repeat(257)}\r\n`), /more than 256 header fields/, 'line 257, byte 1536'],
    ['line too long', enc(`A: ${'x'.repeat(9000)}\r\n\r\n`), /line longer than 8192 bytes/, 'line 1, byte 0'],
  ])('refuses %s', (_n, bytes, pattern, where) => {
    const e = thrown(() => parseMimeEntity(bytes));
    expect(e.message).toMatch(pattern);
    expect(e.where).toBe(where);
  });

  it('refuses 10 MB at once', () => {
    const t0 = Date.now();
    const e = thrown(() => parseMimeEntity(new Uint8Array(10 * 1024 * 1024)));
    expect(e.code).toBe('payload-too-large');
    expect(Date.now() - t0).toBeLessThan(50);
  });
});

describe('RFC 8591 section 10 fixtures', () => {
  const names = readdirSync(mimeDir).filter((f) => f.endsWith('.mime')).sort();

  it('has the fixtures the extraction script writes', () => {
    expect(names).toEqual([
      'rfc8591-10.1-signed-data.mime', 'rfc8591-10.2-signed-data.mime', 'rfc8591-10.3-auth-enveloped-data.mime',
      'rfc8591-10.4-chunk1.mime', 'rfc8591-10.4-chunk2.mime',
    ]);
  });

  it.each<[string, string | undefined, number, string]>([
    ['rfc8591-10.1-signed-data.mime', 'signed-data', 762, 'binary'],
    ['rfc8591-10.2-signed-data.mime', 'signed-data', 395, 'binary'],
    ['rfc8591-10.3-auth-enveloped-data.mime', 'auth-enveloped-data', 1940, ''],
    ['rfc8591-10.4-chunk1.mime', 'enveloped-data', 960, ''],
    ['rfc8591-10.4-chunk2.mime', 'enveloped-data', 980, ''],
  ])('%s: classified from its outer headers only, body length as the RFC says', (name, smimeType, length, cte) => {
    const e = parseMimeEntity(fixture(name));
    const ct = findHeader(e.headers, 'Content-Type')!;
    expect(classify(ct.value)).toEqual({ kind: 'pkcs7-mime', smimeType });
    expect(parseContentType(ct.value).params.get('name')).toBe('smime.p7m');
    expect(findHeader(e.headers, 'Content-Disposition')?.value).toBe('attachment; filename="smime.p7m"');
    expect(findHeader(e.headers, 'Content-Transfer-Encoding')?.value ?? '').toBe(cte);
    expect(e.body.length).toBe(length);
    // DER SEQUENCE with a long-form length that covers the rest of the body.
    if (!name.includes('chunk2')) expect(e.body[0]).toBe(0x30);
  });

  it('10.4: the two chunks are the body of 10.3 (Byte-Range 1-960 and 961-1940)', () => {
    const whole = parseMimeEntity(fixture('rfc8591-10.3-auth-enveloped-data.mime')).body;
    const a = parseMimeEntity(fixture('rfc8591-10.4-chunk1.mime')).body;
    const b = parseMimeEntity(fixture('rfc8591-10.4-chunk2.mime')).body;
    expect(Buffer.concat([a, b]).equals(Buffer.from(whole))).toBe(true);
  });
});

describe('splitMultipart (RFC 2046 5.1.1)', () => {
  it('returns each part without the CRLF that belongs to the next delimiter; drops preamble and epilogue', () => {
    const body = enc('preamble\r\n--b1\r\nA: 1\r\n\r\none\r\n--b1  \r\n\r\ntwo\r\n--b1--\r\nepilogue');
    const parts = splitMultipart(body, 'b1');
    expect(parts.map((p) => Buffer.from(p.bytes).toString())).toEqual(['A: 1\r\n\r\none', '\r\ntwo']);
    expect(parts[0]!.bytes.buffer).toBe(body.buffer);
  });

  it.each<[string, string, RegExp]>([
    ['no delimiter', 'abc', /no delimiter line/],
    ['no close delimiter', '--b1\r\nx', /no close delimiter/],
    ['delimiter not ended by CRLF', '--b1x\r\n--b1--', /not ended by CRLF/],
  ])('refuses %s', (_n, body, pattern) => {
    expect(thrown(() => splitMultipart(enc(body), 'b1')).message).toMatch(pattern);
  });

  it('refuses an invalid boundary and too many parts', () => {
    expect(thrown(() => splitMultipart(enc(''), 'bad boundary ')).message).toMatch(/not valid/);
    expect(thrown(() => splitMultipart(enc(`${'--b\r\nx\r\n'.repeat(5)}--b--`), 'b', 4)).message).toMatch(/more than 4 parts/);
  });
});

describe('findInvalidUtf8 (RFC 3629)', () => {
  it.each<[number[], number]>([
    [[0x41, 0xc3, 0xa9], -1], [[0xe2, 0x82, 0xac], -1], [[0xf0, 0x9f, 0x98, 0x80], -1], [[0xf4, 0x8f, 0xbf, 0xbf], -1],
    [[0x41, 0x80], 1], [[0xc0, 0xaf], 0], [[0xc1, 0xbf], 0], [[0xe0, 0x80, 0xaf], 0], [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0], [[0xf5, 0x80, 0x80, 0x80], 0], [[0x41, 0xe2, 0x82], 1], [[0xff], 0],
  ])('%j -> %d', (bytes, expected) => {
    expect(findInvalidUtf8(new Uint8Array(bytes))).toBe(expected);
  });

  it('stops at the end given, not the end of the array', () => {
    expect(findInvalidUtf8(new Uint8Array([0x41, 0xe2, 0x82, 0xac]), 0, 3)).toBe(1);
  });
});
