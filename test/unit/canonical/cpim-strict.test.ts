import { ParseError } from '../../../canonical/errors';
import { parseCpim } from '../../../canonical/cpim';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cat = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))));
const CONTENT = '\r\nContent-Type: text/plain\r\n\r\nhi';
const msg = (headers: string): Uint8Array => enc(`${headers}${CONTENT}`);

function parseError(input: Uint8Array, opts = {}): ParseError {
  try { parseCpim(input, opts); } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError');
}

describe('parseCpim refuses what RFC 3862 2.2 / 2.3 / 3.4 forbid, naming the fault and where', () => {
  it('accepts the base message these cases break', () => {
    const m = parseCpim(msg('From: <im:a@example.com>\r\nTo: <im:b@example.com>\r\n'));
    expect(m.from?.uri).toBe('im:a@example.com');
  });

  // [case, input, message pattern, where]
  const cases: [string, Uint8Array, RegExp, string][] = [
    ['LF-only line end', enc('From: <im:a@example.com>\nTo: <im:b@example.com>\r\n' + CONTENT), /LF without CR/, 'line 1, byte 24'],
    ['bare CR', enc('From: <im:a@example.com>\rTo: <im:b@example.com>\r\n' + CONTENT), /CR not followed by LF/, 'line 1, byte 24'],
    ['folded header', msg('From: <im:a@example.com>\r\nTo: Bob\r\n <im:b@example.com>\r\n'), /folded or indented header/, 'line 3, byte 35'],
    ['two SP after the colon', msg('From:  <im:a@example.com>\r\n'), /more than one SP after "From:"/, 'line 1, byte 6'],
    ['no SP after the colon', msg('From:<im:a@example.com>\r\n'), /exactly one SP must follow "From:"/, 'line 1, byte 5'],
    ['HTAB after the colon (raw control character)', msg('From:\t<im:a@example.com>\r\n'), /raw control character 0x09/, 'line 1, byte 5'],
    ['whitespace at the end of the line', msg('Subject: hello \r\n'), /whitespace at the end of the line/, 'line 1, byte 14'],
    ['raw control character in a value', cat('Subject: a', [1], 'b\r\n', CONTENT), /raw control character 0x01.*must be escaped/, 'line 1, byte 10'],
    ['raw DEL in a value', cat('Subject: a', [0x7f], '\r\n', CONTENT), /raw control character 0x7f/, 'line 1, byte 10'],
    ['invalid UTF-8 (bad continuation)', cat('To: <im:b@example.com>\r\nSubject: caf', [0xc3, 0x28], '\r\n', CONTENT), /invalid UTF-8/, 'line 2, byte 36'],
    ['invalid UTF-8 (overlong "/")', cat('Subject: ', [0xc0, 0xaf], '\r\n', CONTENT), /invalid UTF-8/, 'line 1, byte 9'],
    ['invalid UTF-8 (surrogate)', cat('Subject: ', [0xed, 0xa0, 0x80], '\r\n', CONTENT), /invalid UTF-8/, 'line 1, byte 9'],
    ['invalid UTF-8 (truncated at line end)', cat('Subject: x', [0xe2, 0x82], '\r\n', CONTENT), /invalid UTF-8/, 'line 1, byte 10'],
    ['invalid UTF-8 in the header name', cat('Sub', [0xff], 'ject: x\r\n', CONTENT), /invalid UTF-8/, 'line 1, byte 3'],
    ['namespace prefix never declared', msg('From: <im:a@example.com>\r\nFoo.Bar: x\r\n'), /prefix "Foo" used before an NS header declares it/, 'line 2, byte 26'],
    ['namespace prefix declared after its use', msg('Foo.Bar: x\r\nNS: Foo <urn:example:foo>\r\n'), /prefix "Foo" used before/, 'line 1, byte 0'],
    ['Require naming an undeclared prefix', msg('Require: Foo.Bar\r\n'), /prefix "Foo" in Require used before/, 'line 1, byte 0'],
    ['NS with a relative URI', msg('NS: Foo <foo/bar>\r\n'), /not an absolute URI/, 'line 1, byte 0'],
    ['NS with a fragment', msg('NS: Foo <http://example.com/ns#x>\r\n'), /without fragment/, 'line 1, byte 0'],
    ['separator in a header name', msg('Fr(om: x\r\n'), /character "\(" in header name/, 'line 1, byte 2'],
    ['two dots in a header name', msg('a.b.c: x\r\n'), /is not \[Name-prefix "\."\] Name/, 'line 1, byte 0'],
    ['no colon', msg('From <im:a@example.com>\r\n'), /in header name "From"/, 'line 1, byte 4'],
    ['two From headers', msg('From: <im:a@example.com>\r\nFrom: <im:c@example.com>\r\n'), /more than one From/, 'line 2, byte 26'],
    ['From without <URI>', msg('From: im:a@example.com\r\n'), /From header: .*formal name|From header/, 'line 1, byte 0'],
    ['To with a relative URI', msg('To: Bob <bob>\r\n'), /To header: "bob" is not an absolute URI/, 'line 1, byte 0'],
    ['DateTime not RFC 3339', msg('DateTime: 2000-12-13 13:40:00\r\n'), /DateTime .*not an RFC 3339 date-time/, 'line 1, byte 0'],
    ['DateTime out of range', msg('DateTime: 2001-02-29T00:00:00Z\r\n'), /day 29 out of range for month 2/, 'line 1, byte 0'],
    ['lang that is not a language tag', msg('Subject:;lang=f_r x\r\n'), /lang="f_r" is not a language tag/, 'line 1, byte 17'],
    ['parameter without a value', msg('Subject:;lang= x\r\n'), /empty value for parameter lang/, 'line 1, byte 14'],
    ['IMDN Message-ID that is not a Token', msg('NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: a b\r\n'), /Message-ID is not a Token/, 'line 2, byte 33'],
    ['no empty line after the headers', enc('From: <im:a@example.com>\r\n'), /not followed by an empty line/, 'line 2, byte 26'],
    ['last header line without CRLF', enc('From: <im:a@example.com>'), /no CRLF/, 'line 1, byte 0'],
    ['encapsulated object without Content-Type', enc('From: <im:a@example.com>\r\n\r\nContent-ID: <x@y>\r\n\r\nhi'), /no Content-Type header \(RFC 3862 2.4\)/, 'line 3, byte 28'],
    ['encapsulated object with LF-only lines', enc('From: <im:a@example.com>\r\n\r\nContent-Type: text/plain\n\nhi'), /encapsulated MIME object: line ends with LF/, 'line 3, byte 52'],
    ['encapsulated Content-Type that is malformed', enc('From: <im:a@example.com>\r\n\r\nContent-Type: text\r\n\r\nhi'), /encapsulated MIME object: Content-Type "text": "\/" expected/, 'line 3, byte 28'],
    ['MIME headers without Content-Type message/cpim', enc('Content-Type: text/plain\r\n\r\nFrom: <im:a@example.com>' + CONTENT), /no "Content-Type: Message\/CPIM"/, 'line 1, byte 0'],
  ];

  it.each(cases)('%s', (_name, input, pattern, where) => {
    const e = parseError(input, _name.startsWith('MIME headers') ? { mimeHeaders: 'present' } : {});
    expect(e.message).toMatch(pattern);
    expect(e.where).toBe(where);
    expect(e.message).not.toContain('\n');
  });

  it('header names are case-sensitive: "from" is not the From header (RFC 3862 2.2)', () => {
    const m = parseCpim(msg('from: <im:a@example.com>\r\nTO: <im:b@example.com>\r\nDatetime: not a date\r\n'));
    expect(m.from).toBeUndefined();
    expect(m.to).toEqual([]);
    expect(m.dateTime).toBeUndefined();
    expect(m.headers.map((h) => h.name)).toEqual(['from', 'TO', 'Datetime']);
  });

  it('an NS that changes the default namespace takes later unprefixed headers out of the CPIM namespace', () => {
    const m = parseCpim(msg('From: <im:a@example.com>\r\nNS: <http://id.acme.widgets/wily-headers/>\r\nrunner-trap: set\r\nFrom: not an address\r\n'));
    expect(m.from?.uri).toBe('im:a@example.com');
    expect(m.headers[2]!.namespace).toBe('http://id.acme.widgets/wily-headers/');
    expect(m.headers[3]!.namespace).toBe('http://id.acme.widgets/wily-headers/');
  });

  describe('bounds', () => {
    it('refuses 10 MB at once, without scanning it', () => {
      const big = new Uint8Array(10 * 1024 * 1024).fill(0x41);
      const t0 = process.hrtime.bigint();
      const e = parseError(big);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      expect(e.code).toBe('payload-too-large');
      expect(e.message).toMatch(/10485760 bytes, over the limit of 1048576 bytes/);
      expect(ms).toBeLessThan(50);
    });

    it('honours a smaller maxBytes option', () => {
      expect(parseError(msg('From: <im:a@example.com>\r\n'), { maxBytes: 10 }).message).toMatch(/over the limit of 10 bytes/);
    });

    it('refuses more than maxHeaders headers', () => {
      const many = Array.from({ length: 257 }, (_, i) => `X-${i}: v\r\n`).join('');
      const e = parseError(msg(many));
      expect(e.message).toMatch(/more than 256 headers/);
      expect(e.where).toMatch(/^line 257, /);
      expect(parseCpim(msg(many.split('\r\n').slice(0, 256).join('\r\n') + '\r\n')).headers).toHaveLength(256);
    });

    it('refuses a header line longer than maxLineLength, quickly even when the line never ends', () => {
      const e = parseError(msg(`Subject: ${'x'.repeat(8192)}\r\n`));
      expect(e.message).toMatch(/line longer than 8192 bytes/);
      const long = enc(`Subject: ${'x'.repeat(1000 * 1000)}`);
      const t0 = Date.now();
      expect(parseError(long).message).toMatch(/line longer than 8192 bytes/);
      expect(Date.now() - t0).toBeLessThan(200);
      expect(parseCpim(msg(`Subject: ${'x'.repeat(8192 - 9)}\r\n`)).subjects[0]!.text).toHaveLength(8183);
    });
  });
});

describe('escapes (RFC 3862 2.3)', () => {
  it.each([
    ['\\\\', '\\'], ['\\"', '"'], ["\\'", "'"], ['\\b', '\b'], ['\\t', '\t'], ['\\n', '\n'], ['\\r', '\r'],
    ['\\u0007', '\u0007'], ['\\u007F', '\u007f'], ['\\u00e9', '\u00e9'],
    // 2.3.1: "Any unrecognized escape sequence SHOULD be treated as an instance of the character following the backslash"
    ['\\q', 'q'], ['\\u12', 'u12'],
    // "An isolated backslash that is the last character of a header SHOULD be ignored."
    ['a\\', 'a'],
  ])('Subject: %s decodes to %j', (raw, decoded) => {
    const m = parseCpim(msg(`Subject: ${raw}\r\n`));
    expect(m.subjects[0]!.text).toBe(decoded);
    expect(m.headers[0]!.rawValue).toBe(raw);
  });

  it('decodes escapes inside a quoted formal name', () => {
    const m = parseCpim(msg('From: "Tab\\there \\"q\\""<im:a@example.com>\r\nTo: "B" <im:b@example.com>\r\n'));
    expect(m.from).toEqual({ name: 'Tab\there "q"', uri: 'im:a@example.com' });
    expect(m.to).toEqual([{ name: 'B', uri: 'im:b@example.com' }]);
  });

  it('reads IMDN headers under whatever prefix the message binds to urn:ietf:params:imdn (RFC 5438 6.1)', () => {
    const m = parseCpim(msg('NS: x <urn:ietf:params:imdn>\r\nx.Message-ID: 34jk324j\r\nx.Disposition-Notification: positive-delivery, negative-delivery;foo=bar\r\nx.Original-To: Bob <im:bob@example.com>\r\n'));
    expect(m.imdn.messageId).toBe('34jk324j');
    expect(m.imdn.dispositionNotification).toEqual(['positive-delivery', 'negative-delivery']);
    expect(m.imdn.originalTo).toEqual({ name: 'Bob', uri: 'im:bob@example.com' });
  });

  const year99 = new Date(0);
  year99.setUTCFullYear(99, 0, 1);
  it.each<[string, number]>([
    ['0099-01-01T00:00:00Z', year99.getTime()],
    ['2000-12-13T13:40:00.25-08:00', Date.UTC(2000, 11, 13, 21, 40, 0, 250)],
    ['2016-12-31T23:59:60Z', Date.UTC(2016, 11, 31, 23, 59, 59, 999)],
    ['2000-02-29t00:00:00z', Date.UTC(2000, 1, 29)],
  ])('DateTime %s', (raw, ms) => {
    expect(parseCpim(msg(`DateTime: ${raw}\r\n`)).dateTime).toEqual({ raw, epochMs: ms });
  });
});
