/**
 * wire.ts messageToXml and presenceToXml (the component send path, written as text) against
 * buildMessage and buildPresence (the ltx elements they replaced): for each stanza the text parses
 * back to the same element the builder gives. The one intended difference, CR sent as a character
 * reference, has its own test.
 */
import {
  buildMessage, buildPresence, messageToXml, parseStanzas, presenceToXml, WireError, type OutMessage, type OutPresence,
} from '../../../../adapters/xmpp/wire';

const base: OutMessage = { from: 'alice%api.example.test@sip.example.test', to: 'romeo@example.test', id: 'm1' };
const trace = { hops: 69, text: 'gw1.example.test, gw2.example.test' };

const cases: [string, OutMessage][] = [
  ['body only', { ...base, body: 'hi' }],
  ['body with trace', { ...base, body: 'hi', trace }],
  ['subject with xml:lang, and one without', { ...base, body: 'b', subjects: [{ text: 'Ahoj', lang: 'cs' }, { text: 'plain' }], trace }],
  ['thread', { ...base, body: 'b', thread: 'th-1 <x>' }],
  ['non-ASCII text and JID', { ...base, to: 'jürgen@例え.test/résource', body: 'Grüße 😀 ​ 日本語', subjects: [{ text: 'Ünïcode', lang: 'de-CH' }] }],
  ['escapes in text and attributes', { ...base, from: 'a\\26b%x.test@sip.example.test', id: `q"'<&>`, body: `<b>&amp; ]]> 'x' "y"</b>`, thread: '&&', subjects: [{ text: '<s>', lang: 'en' }] }],
  ['tab and LF in text', { ...base, body: 'a\tb\nc\n' }],
  ['type chat kept, normal dropped', { ...base, type: 'chat', body: 'x' }],
  ['type normal', { ...base, type: 'normal', body: 'x' }],
  ['raw and e2e (signed content)', { ...base, e2e: 'Content-Type: multipart/signed; boundary="b"; protocol="application/pkcs7-signature"\n\n--b\n...', raw: { type: 'multipart/signed; boundary="b"; protocol="application/pkcs7-signature"', base64: 'AAEC/w==' }, trace }],
  ['CPIM: body, subjects and raw', { ...base, body: 'hello', subjects: [{ text: 'S', lang: 'en' }], raw: { type: 'message/cpim', base64: 'RnJvbTogPGltOmFAYi5jPg0K' }, trace }],
  ['receipt request', { ...base, body: 'ack me', requestReceipt: true, trace }],
  ['receipt not requested', { ...base, body: 'x', requestReceipt: false }],
  ['empty body and trace text', { ...base, body: '', trace: { hops: 0, text: '' } }],
  ['everything', { ...base, type: 'headline', subjects: [{ text: 's1', lang: 'en' }], body: 'b', thread: 't', e2e: 'e', raw: { type: 'application/pkcs7-mime', base64: 'Zm9v' }, requestReceipt: true, trace }],
];

const parsed = (xmlText: string) => {
  const els = parseStanzas(xmlText);
  expect(els).toHaveLength(1);
  return els[0]!;
};

describe('messageToXml', () => {
  test.each(cases)('%s: parses back to the element buildMessage gives', (_name, m) => {
    const el = buildMessage(m);
    const back = parsed(messageToXml(m));
    // Same names, attributes (in order), children and text: ltx serializes both identically.
    expect(back.toString()).toBe(el.toString());
    // And through the same parser on both sides (the element's own serialization read back).
    expect(back.toString()).toBe(parsed(el.toString()).toString());
  });

  test('the element is in the stream namespace (no xmlns on <message/>), extensions in their own', () => {
    const back = parsed(messageToXml(cases.at(-1)![1]));
    expect(back.attrs.xmlns).toBeUndefined();
    expect(back.getChild('raw')?.attrs.xmlns).toBe('urn:switchboard:raw:0');
    expect(back.getChild('request')?.attrs.xmlns).toBe('urn:xmpp:receipts');
    expect(back.getChild('trace')?.attrs.hops).toBe('69');
  });

  test('CR in text is sent as &#13; so a conforming reader keeps it (XML 1.0 2.11)', () => {
    const text = messageToXml({ ...base, body: 'a\r\nb' });
    expect(text).toContain('<body>a&#13;\nb</body>');
    expect(parsed(text).getChildText('body')).toBe('a\r\nb');
  });

  test.each([
    ['body', { ...base, body: 'a\u0001b' }, /body: .*U\+0001/],
    ['subject', { ...base, subjects: [{ text: '\uFFFF' }] }, /subject: .*U\+FFFF/],
    ['thread', { ...base, thread: '\u0000' }, /thread: .*U\+0000/],
    ['to (lone surrogate)', { ...base, to: 'x\uD800@example.test' }, /to: .*U\+D800/],
  ] as [string, OutMessage, RegExp][])('a character XML cannot carry in %s is refused, naming where', (_n, m, re) => {
    let err: unknown;
    try { messageToXml(m); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(WireError);
    expect((err as Error).message).toMatch(re);
  });
});

const pbase: OutPresence = { from: 'bob%api.example.test@sip.example.test/ID-phone', to: 'romeo@example.test' };
const pcases: [string, OutPresence][] = [
  ['available, nothing else', pbase],
  ['unavailable with trace', { ...pbase, type: 'unavailable', trace }],
  ['subscription types', { ...pbase, type: 'subscribed' }],
  ['id', { ...pbase, type: 'probe', id: 'p<1>&"' }],
  ['show, status with xml:lang, priority', { ...pbase, show: 'dnd', status: { text: 'Im Büro <3 & "so"', lang: 'de' }, priority: 5, trace }],
  ['status without lang, priority 0', { ...pbase, show: 'away', status: { text: 'out\nback soon' }, priority: 0 }],
  ['non-ASCII JIDs', { ...pbase, from: 'jürgen@例え.test/résource', to: 'a\\20b@x.test' }],
];

describe('presenceToXml', () => {
  test.each(pcases)('%s: parses back to the element buildPresence gives', (_name, p) => {
    const back = parsed(presenceToXml(p));
    expect(back.toString()).toBe(buildPresence(p).toString());
    expect(back.attrs.xmlns).toBeUndefined();
  });

  test('a character XML cannot carry in the status is refused, naming where', () => {
    expect(() => presenceToXml({ ...pbase, status: { text: 'a\u0007' } })).toThrow(/status: .*U\+0007/);
  });
});
