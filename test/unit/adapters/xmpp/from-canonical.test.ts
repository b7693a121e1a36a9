import { buildCpim } from '../../../../canonical/cpim';
import { SwitchboardError } from '../../../../canonical/errors';
import type { MessageOp } from '../../../../canonical/operations';
import { buildPidf, parsePidf } from '../../../../canonical/pidf';
import { showXml } from '../../../../canonical/pidf-xmpp';
import {
  addressToGatewayJid, mapContent, messageFromCanonical, pidfToPresences, readPidf,
} from '../../../../adapters/xmpp/from-canonical';
import { messageToCanonical } from '../../../../adapters/xmpp/to-canonical';
import { buildMessage, parseStanzas, readMessage } from '../../../../adapters/xmpp/wire';

const DOMAINS = ['sip.example.test'];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const SIGNED_TYPE = 'multipart/signed; boundary="b1"; micalg=sha-256; protocol="application/pkcs7-signature"';
const SIGNED = enc('--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\nMIIB\r\n--b1--\r\n');

function op(content: MessageOp['content'], extra: Partial<MessageOp> = {}): MessageOp {
  return {
    kind: 'message', id: 'm1', transactionId: 't1', from: { local: 'alice', domain: 'api.example.test' },
    to: { local: 'romeo', domain: 'example.test' }, content, maxForwards: 69, trace: ['gw1.example'],
    source: { protocol: 'json' }, ...extra,
  };
}

describe('addressToGatewayJid', () => {
  it.each([
    [{ local: 'alice', domain: 'api.example.test' }, 'alice%api.example.test@sip.example.test'],
    [{ local: 'bob', domain: 'SIP.example.test' }, 'bob@sip.example.test'],
    [{ local: "d'artagnan", domain: 'api.example.test' }, 'd\\27artagnan%api.example.test@sip.example.test'],
    [{ local: 'alice', domain: 'api.example.test', resource: 'phone' }, 'alice%api.example.test@sip.example.test/phone'],
  ])('%j -> %s', (a, jid) => {
    expect(addressToGatewayJid(a, 'sip.example.test', DOMAINS)).toBe(jid);
  });
});

describe('mapContent (RFC 3922 4.2.9, RFC 3923)', () => {
  it('text/plain UTF-8 (and US-ASCII, the default) goes into <body/>', () => {
    expect(mapContent({ type: 'text/plain;charset=utf-8', bytes: enc('Olá 你好') })).toEqual({ body: 'Olá 你好' });
    expect(mapContent({ type: 'text/plain', bytes: enc('plain') })).toEqual({ body: 'plain' });
  });

  it.each([
    [{ type: 'text/plain; charset=iso-8859-1', bytes: enc('x') }, 'unsupported-media-type', /charset iso-8859-1/],
    [{ type: 'text/plain', bytes: enc('nul\0here') }, 'bad-request', /U\+0000 at character 3/],
    [{ type: 'text/plain', bytes: new Uint8Array([0xff, 0xfe]) }, 'bad-request', /not valid UTF-8/],
    [{ type: 'image/png', bytes: enc('x') }, 'unsupported-media-type', /RFC 3922 4\.2\.9/],
    [{ type: 'message/cpim', bytes: enc('not cpim') }, 'bad-request', /message\/cpim/],
    [{ type: 'text/', bytes: enc('x') }, 'bad-request', /Content-Type/],
  ])('%j is refused (%s)', (content, code, why) => {
    let err: unknown;
    try { mapContent(content); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(SwitchboardError);
    expect((err as SwitchboardError).code).toBe(code);
    expect((err as Error).message).toMatch(why);
  });

  it('signed content travels in <e2e/> with its MIME header, and exactly in <raw/>; never in <body/>', () => {
    const m = mapContent({ type: SIGNED_TYPE, bytes: SIGNED });
    expect(m.body).toBeUndefined();
    expect(m.e2e).toBe(`Content-Type: ${SIGNED_TYPE}\r\n\r\n${Buffer.from(SIGNED).toString()}`);
    expect(m.raw).toEqual({ type: SIGNED_TYPE, base64: Buffer.from(SIGNED).toString('base64') });
  });

  it('bytes XML cannot hold (binary DER) go in <raw/> only', () => {
    const bin = new Uint8Array([0x30, 0x82, 0x00, 0x01, 0xff]);
    const m = mapContent({ type: 'application/pkcs7-mime; smime-type=enveloped-data', bytes: bin });
    expect(m.e2e).toBeUndefined();
    expect(Buffer.from(m.raw!.base64, 'base64').equals(Buffer.from(bin))).toBe(true);
  });

  it('CPIM with text/plain inside: body and CPIM subjects, plus the exact CPIM in <raw/>', () => {
    const cpim = buildCpim({
      from: { uri: 'im:alice@api.example.test' }, to: [{ uri: 'im:romeo@example.test' }],
      subject: [{ text: 'Hi!' }, { text: 'Ahoj!', lang: 'cz' }],
      content: { type: 'text/plain; charset=utf-8', bytes: enc('Wherefore art thou?') },
    });
    const m = mapContent({ type: 'message/cpim', bytes: cpim });
    expect(m.body).toBe('Wherefore art thou?');
    expect(m.subjects).toEqual([{ text: 'Hi!' }, { text: 'Ahoj!', lang: 'cz' }]);
    expect(m.e2e).toBeUndefined();
    expect(Buffer.from(m.raw!.base64, 'base64').equals(Buffer.from(cpim))).toBe(true);
  });

  it('CPIM wrapping a signed entity is an RFC 3923 Message/CPIM object in <e2e/>', () => {
    const entity = Buffer.concat([Buffer.from(`Content-Type: ${SIGNED_TYPE}\r\n\r\n`), SIGNED]);
    const cpim = buildCpim({ from: { uri: 'im:alice@api.example.test' }, content: { entity } });
    const m = mapContent({ type: 'message/cpim', bytes: cpim });
    expect(m.body).toBeUndefined();
    expect(m.e2e).toContain('Content-Type: message/cpim\r\n\r\nFrom: <im:alice@api.example.test>');
    expect(m.raw?.type).toBe('message/cpim');
  });
});

describe('messageFromCanonical', () => {
  it('RFC 7572 5: no type attribute; subject, thread, trace, receipt request; escaped sender', () => {
    const out = messageFromCanonical(op({ type: 'text/plain;charset=utf-8', bytes: enc('hi') }, { subject: [{ text: 'Olá', lang: 'pt' }], thread: 'th' }), { gatewayDomains: DOMAINS, id: 'm1', requestReceipt: true });
    expect(out).toEqual({
      from: 'alice%api.example.test@sip.example.test', to: 'romeo@example.test', id: 'm1', body: 'hi',
      subjects: [{ text: 'Olá', lang: 'pt' }], thread: 'th', trace: { hops: 69, text: 'gw1.example' }, requestReceipt: true,
    });
    const xml = buildMessage(out).toString();
    expect(xml).not.toContain('type=');
    expect(xml).toContain("<subject xml:lang=\"pt\">Olá</subject>");
    expect(xml).toContain('<request xmlns="urn:xmpp:receipts"/>');
    expect(xml).toContain('<trace xmlns="urn:switchboard:trace:0" hops="69">gw1.example</trace>');
  });

  it('round trip through XML: exact bytes of signed content come back from <raw/>, with trace and hops', () => {
    const out = messageFromCanonical(op({ type: SIGNED_TYPE, bytes: SIGNED }), { gatewayDomains: DOMAINS, id: 'm1', requestReceipt: false });
    const el = parseStanzas(buildMessage(out).toString())[0]!;
    const back = messageToCanonical(readMessage(el), { gatewayDomains: DOMAINS, maxForwards: 70, newId: () => 'n', now: () => 'now' })!;
    expect(back.content.type).toBe(SIGNED_TYPE);
    expect(Buffer.from(back.content.bytes).equals(Buffer.from(SIGNED))).toBe(true);
    expect(back.from).toEqual({ local: 'alice', domain: 'api.example.test' });
    expect(back.trace).toEqual(['gw1.example']);
    expect(back.maxForwards).toBe(69);
  });

  it('client mode sends from the account JID', () => {
    const out = messageFromCanonical(op({ type: 'text/plain', bytes: enc('x') }), { gatewayDomains: [], id: 'i', requestReceipt: false, fromJid: 'gw@example.test/bridge' });
    expect(out.from).toBe('gw@example.test/bridge');
  });

  it('without a component or an account there is nothing to send from', () => {
    expect(() => messageFromCanonical(op({ type: 'text/plain', bytes: enc('x') }), { gatewayDomains: [], id: 'i', requestReceipt: false })).toThrow(/no XMPP component/);
  });
});

describe('pidfToPresences (RFC 7248 table 2, RFC 3922 5.2)', () => {
  const from = 'romeo%sip.example.net@sip.example.test';
  it('open with show/note/priority, closed as unavailable; tuple ids become resources', () => {
    const doc = parsePidf(buildPidf({
      entity: 'pres:romeo@sip.example.net',
      tuples: [
        { id: 'ID-orchard', basic: 'open', statusXml: [showXml('away')], notes: ['Wooing Juliet'], contact: 'im:romeo@sip.example.net', priority: 0.102 },
        { id: 'desk', basic: 'closed' },
      ],
    }));
    expect(pidfToPresences(doc, from, 'juliet@example.test')).toEqual([
      { from: `${from}/orchard`, to: 'juliet@example.test', show: 'away', status: { text: 'Wooing Juliet' }, priority: 13 },
      { from: `${from}/desk`, to: 'juliet@example.test', type: 'unavailable' },
    ]);
  });

  it('RPID activities map to <show/> when there is no jabber:client show', () => {
    const doc = parsePidf(buildPidf({ entity: 'pres:a@x.test', tuples: [{ id: 't1', basic: 'open' }], rpid: { activities: ['on-the-phone'] } }));
    expect(pidfToPresences(doc, 'a@x.test', 'b@y.test')[0]?.show).toBe('dnd');
  });

  it('RFC 3922 5.2.11: a document with zero tuples is not mapped', () => {
    const doc = readPidf({ type: 'application/pidf+xml', bytes: enc('<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@x.test"><note>hi</note></presence>') })!;
    expect(pidfToPresences(doc, 'a@x.test', 'b@y.test')).toEqual([]);
  });

  it('readPidf: not PIDF gives undefined', () => {
    expect(readPidf({ type: 'application/pidf+xml', bytes: enc('<nope/>') })).toBeUndefined();
    expect(readPidf(undefined)).toBeUndefined();
  });
});
