/**
 * Header-section splitting (RFC 3261 7.3): the fast paths (one scan for bare CR/LF, names from a
 * fixed table, LWS trimmed without regexes) give the same fields and the same faults as the
 * grammar says, including the names and spellings the table does not hold.
 */
import { splitMessage } from '../../../../adapters/sip/wire-message';

const REQ = 'MESSAGE sip:bob@example.test SIP/2.0';
const TAIL = ['Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1', 'From: <sip:a@example.test>;tag=1', 'To: <sip:bob@example.test>', 'Call-ID: c1', 'CSeq: 1 MESSAGE'];
const msg = (start: string, lines: readonly string[]): Buffer => Buffer.from([start, ...lines, 'Content-Length: 0', '', ''].join('\r\n'));

describe('splitMessage header lines', () => {
  test.each<[string, string, readonly string[], { name: string; value: string } | undefined, RegExp | undefined]>([
    ['long form, usual spelling', REQ, ['Subject: hi'], { name: 'subject', value: 'hi' }, undefined],
    ['spelling outside the table', REQ, ['SUBJECT: hi'], { name: 'subject', value: 'hi' }, undefined],
    ['unknown header', REQ, ['X-Thing:  a b  '], { name: 'x-thing', value: 'a b' }, undefined],
    ['compact form, lower case', REQ, ['s: hi'], { name: 'subject', value: 'hi' }, undefined],
    ['compact form, upper case', REQ, ['S: hi'], { name: 'subject', value: 'hi' }, undefined],
    ['white space before the colon and tabs around the value', REQ, ['Subject \t:\t hi \t'], { name: 'subject', value: 'hi' }, undefined],
    ['folded value becomes one SP', REQ, ['Subject: a', ' \t b'], { name: 'subject', value: 'a b' }, undefined],
    ['empty value', REQ, ['Subject:'], { name: 'subject', value: '' }, undefined],
    ['bare LF in a header line', REQ, ['Subject: a\nb'], undefined, /Bare CR or LF in header section/],
    ['bare CR in a header line', REQ, ['Subject: a\rb'], undefined, /Bare CR or LF in header section/],
    ['malformed name', REQ, ['Sub ject: x'], undefined, /Malformed header name/],
    ['no colon', REQ, ['Subject'], undefined, /Header line without colon/],
  ])('%s', (_name, start, extra, field, fault) => {
    const r = splitMessage(msg(start, [...TAIL, ...extra]), true);
    if (fault) expect(r.fault?.phrase).toMatch(fault);
    else expect(r.fault).toBeUndefined();
    if (field) expect(r.message?.headers).toContainEqual(field);
    // The fields around the one under test are read either way (a 400 copies them).
    expect(r.message?.headers.find((h) => h.name === 'call-id')?.value).toBe('c1');
  });

  test('a bare CR in a status line is named as such (a request line reports its own grammar first)', () => {
    const r = splitMessage(msg('SIP/2.0 200 O\rK', TAIL), true);
    expect(r.fault?.phrase).toMatch(/Bare CR or LF in start line/);
  });

  test('a continuation line before the first header field is a fault', () => {
    const r = splitMessage(Buffer.from(`${REQ}\r\n folded\r\n${TAIL.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`), true);
    expect(r.fault?.phrase).toMatch(/Continuation line before the first header field/);
  });

  test.each([['SIP/2.0', undefined], ['sip/2.0', undefined], ['SIP/3.0', /Version Not Supported/], ['SIP/2', /Malformed SIP-Version/]])('version %s', (v, fault) => {
    const r = splitMessage(msg(`MESSAGE sip:bob@example.test ${v}`, TAIL), true);
    if (fault) expect(r.fault?.phrase).toMatch(fault);
    else expect(r.fault).toBeUndefined();
  });
});
