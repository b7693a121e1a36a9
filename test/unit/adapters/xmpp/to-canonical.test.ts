import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePidf } from '../../../../canonical/pidf';
import { tupleShow } from '../../../../canonical/pidf-xmpp';
import { isNcName } from '../../../../canonical/xml';
import {
  decodeBase64, hopsOf, jidToAddress, messageToCanonical, presenceToResource, resourcesToPidf, resourceToTupleId,
  tupleIdToResource, unwrapE2e,
} from '../../../../adapters/xmpp/to-canonical';
import { parseStanzas, readMessage, readPresence, WireError } from '../../../../adapters/xmpp/wire';

const FIX = join(__dirname, '..', '..', '..', 'fixtures', 'xmpp');
const fixture = (name: string): string => readFileSync(join(FIX, name), 'utf8');
const one = (xml: string) => {
  const els = parseStanzas(xml);
  expect(els).toHaveLength(1);
  return els[0]!;
};
const OPTS = { gatewayDomains: ['sip.example.test'], maxForwards: 70, newId: () => 'new-id', now: () => '2026-01-01T00:00:00Z' };
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

describe('jidToAddress', () => {
  it.each([
    ['juliet@example.com/balcony', false, { local: 'juliet', domain: 'example.com' }],
    ['juliet@example.com/balcony', true, { local: 'juliet', domain: 'example.com', resource: 'balcony' }],
    ['alice%api.example.test@sip.example.test', false, { local: 'alice', domain: 'api.example.test' }],
    ['alice%api.example.test@SIP.example.test', false, { local: 'alice', domain: 'api.example.test' }],
    // Escaped form only means something on a gateway domain.
    ['alice%api.example.test@example.com', false, { local: 'alice%api.example.test', domain: 'example.com' }],
    // XEP-0106: d\27artagnan is d'artagnan.
    ['d\\27artagnan@sip.example.test', false, { local: "d'artagnan", domain: 'sip.example.test' }],
  ])('%s (resource kept: %s)', (jid, keep, want) => {
    expect(jidToAddress(jid, ['sip.example.test'], keep)).toEqual(want);
  });

  it('refuses a JID without a local part, naming it', () => {
    expect(() => jidToAddress('sip.example.test', ['sip.example.test'])).toThrow(WireError);
    expect(() => jidToAddress('sip.example.test', ['sip.example.test'])).toThrow(/is not a JID/);
  });
});

describe('messageToCanonical', () => {
  it('RFC 7572 example 1: <body/> becomes text/plain UTF-8, sender resource kept, fresh id', () => {
    const op = messageToCanonical(readMessage(one(fixture('rfc7572-message-example1.xml'))), OPTS)!;
    expect(op.content.type).toBe('text/plain;charset=utf-8');
    expect(text(op.content.bytes)).toBe('Art thou not Romeo, and a Montague?');
    expect(op.from).toEqual({ local: 'juliet', domain: 'example.com', resource: 'yn0cl4bnw0yr3vym' });
    expect(op.to).toEqual({ local: 'romeo', domain: 'example.net' });
    expect(op.id).toBe('new-id');
    expect(op.maxForwards).toBe(70);
    expect(op.trace).toEqual([]);
    expect(op.source).toEqual({ protocol: 'xmpp' });
    expect(op.deliveryNotification).toBeUndefined();
  });

  it('RFC 3922 4.1.6: each <subject/> with its xml:lang; <thread/> and id kept', () => {
    const op = messageToCanonical(readMessage(one(fixture('rfc3922-message-subjects.xml'))), OPTS)!;
    expect(op.subject).toEqual([{ text: 'Hi!' }, { text: 'Ahoj!', lang: 'cz' }]);
    expect(op.thread).toBe('e0ffe42b28561960c6b12b944a092794b9683a38');
    expect(op.id).toBe('a1');
    expect(op.transactionId).toBe('a1');
    expect(op.source).toEqual({ protocol: 'xmpp', id: 'a1' });
  });

  it('RFC 3923 example 3: the <e2e/> MIME object is unwrapped and relayed unchanged', () => {
    const op = messageToCanonical(readMessage(one(fixture('rfc3923-message-signed.xml'))), OPTS)!;
    // Unfolded as RFC 5322 2.2.3 says: the line breaks go, the white space stays.
    expect(op.content.type).toBe('multipart/signed; boundary=next;              micalg=sha1;              protocol=application/pkcs7-signature');
    const body = text(op.content.bytes);
    expect(body.startsWith('--next\nContent-type: Message/CPIM\n')).toBe(true);
    expect(body).toContain('Wherefore art thou, Romeo?\n--next\nContent-Type: application/pkcs7-signature');
    expect(body.endsWith('--next--\n')).toBe(true);
  });

  it('<raw/> carries the exact bytes (CRLF, NUL) and wins over <body/> and <e2e/>', () => {
    const bytes = Buffer.from('a\r\nb\0c\xff', 'latin1');
    const m = readMessage(one(`<message from='a@x.test/r' to='b%api.example.test@sip.example.test'><body>ignored</body><e2e xmlns='urn:ietf:params:xml:ns:xmpp-e2e'>Content-Type: text/x\n\nno</e2e><raw xmlns='urn:switchboard:raw:0' type='application/pkcs7-mime; smime-type=enveloped-data'>${bytes.toString('base64')}</raw></message>`));
    const op = messageToCanonical(m, OPTS)!;
    expect(op.content.type).toBe('application/pkcs7-mime; smime-type=enveloped-data');
    expect(Buffer.from(op.content.bytes).equals(bytes)).toBe(true);
    expect(op.to).toEqual({ local: 'b', domain: 'api.example.test' });
  });

  it('the trace extension gives hops and trace; a receipt request asks for delivery notification', () => {
    const m = readMessage(one("<message from='a@x.test' to='b@y.test' id='i'><body>x</body><request xmlns='urn:xmpp:receipts'/><trace xmlns='urn:switchboard:trace:0' hops='12'>gw1.example, gw2.example</trace></message>"));
    const op = messageToCanonical(m, OPTS)!;
    expect(op.maxForwards).toBe(12);
    expect(op.trace).toEqual(['gw1.example', 'gw2.example']);
    expect(op.deliveryNotification).toBe(true);
  });

  it.each([
    ["<trace xmlns='urn:switchboard:trace:0' hops='1000'>gw1</trace>", /Max-Forwards/],
    ["<trace xmlns='urn:switchboard:trace:0' hops='x'>gw1</trace>", /Max-Forwards/],
    ["<trace xmlns='urn:switchboard:trace:0'>not an id!</trace>", /received-trace entry/],
    ["<raw xmlns='urn:switchboard:raw:0' type='text/plain'>@@@</raw>", /not base64/],
    ["<raw xmlns='urn:switchboard:raw:0'>AAAA</raw>", /no type attribute/],
    ["<e2e xmlns='urn:ietf:params:xml:ns:xmpp-e2e'>no headers at all</e2e>", /no empty line/],
  ])('refuses %s with a clear reason', (ext, why) => {
    const run = () => messageToCanonical(readMessage(one(`<message from='a@x.test' to='b@y.test'><body>x</body>${ext}</message>`)), OPTS);
    expect(run).toThrow(WireError);
    expect(run).toThrow(why);
  });

  it('a message with nothing to relay (a chat state, a bare receipt) maps to nothing', () => {
    const m = readMessage(one("<message from='a@x.test' to='b@y.test'><active xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    expect(messageToCanonical(m, OPTS)).toBeUndefined();
    const r = readMessage(one("<message from='a@x.test' to='b@y.test'><received xmlns='urn:xmpp:receipts' id='m1'/></message>"));
    expect(r.receivedId).toBe('m1');
    expect(messageToCanonical(r, OPTS)).toBeUndefined();
  });

  it('of several <body/> the one without xml:lang is taken (RFC 6121 5.2.3)', () => {
    const m = readMessage(one("<message from='a@x.test' to='b@y.test' xml:lang='en'><body xml:lang='cs'>Ahoj</body><body>Hello</body></message>"));
    expect(text(messageToCanonical(m, OPTS)!.content.bytes)).toBe('Hello');
  });
});

describe('unwrapE2e / decodeBase64', () => {
  it('keeps CRLF exactly when the XML carried it', () => {
    const c = unwrapE2e('Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nABC\r\n');
    expect(c.type).toBe('application/pkcs7-mime; smime-type=enveloped-data');
    expect(text(c.bytes)).toBe('ABC\r\n');
  });
  it('refuses an entity without Content-Type', () => {
    expect(() => unwrapE2e('X-Other: 1\n\nbody')).toThrow(/no Content-Type/);
  });
  it('base64 round trip for arbitrary bytes; whitespace between groups allowed', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const s = Buffer.from(b).toString('base64').replace(/(.{8})/g, '$1\n');
      expect(Buffer.from(decodeBase64(s, 'x')).equals(Buffer.from(b))).toBe(true);
    }));
  });
});

describe('hopsOf', () => {
  it('no trace element: the configured budget and an empty trace', () => {
    expect(hopsOf(undefined, 70)).toEqual({ maxForwards: 70, trace: [] });
  });
});

describe('presence', () => {
  it('RFC 3922 5.1.5-5.1.7: show, status and priority become the resource record', () => {
    const p = readPresence(one(fixture('rfc3922-presence-away.xml')));
    expect(presenceToResource(p)).toEqual({ basic: 'open', show: 'away', status: { text: 'retired to the chamber' }, priority: 13 });
  });

  it.each([
    ["<presence from='a@x.test/r' type='unavailable'/>", { basic: 'closed' }],
    ["<presence from='a@x.test/r'><show>bogus</show></presence>", { basic: 'open' }],
    ["<presence from='a@x.test/r'><priority>-5</priority></presence>", { basic: 'open', priority: -5 }],
  ])('%s', (xml, want) => {
    expect(presenceToResource(readPresence(one(xml)))).toEqual(want);
  });

  it.each(['128', '-129', '1.5', 'high'])('refuses priority %s (RFC 6121 4.7.2.3)', (v) => {
    expect(() => presenceToResource(readPresence(one(`<presence from='a@x.test/r'><priority>${v}</priority></presence>`)))).toThrow(/RFC 6121 4.7.2.3/);
  });

  it('RFC 7248 table 1: resources as tuples ID-<resource>, show in jabber:client and RPID, note, priority (never negative)', () => {
    const c = resourcesToPidf({ local: 'juliet', domain: 'example.com' }, {
      balcony: { basic: 'open', show: 'dnd', status: { text: 'busy busy', lang: 'en' }, priority: 127 },
      chamber: { basic: 'closed' },
      '1phone': { basic: 'open', priority: -1 },
    });
    expect(c.type).toBe('application/pidf+xml');
    const doc = parsePidf(c.bytes);
    expect(doc.entity).toBe('pres:juliet@example.com');
    const byId = Object.fromEntries(doc.tuples.map((t) => [t.id, t]));
    expect(byId['ID-balcony']!.status.basic).toBe('open');
    expect(tupleShow(byId['ID-balcony']!)).toBe('dnd');
    expect(byId['ID-balcony']!.notes).toEqual([{ text: 'busy busy', lang: 'en' }]);
    expect(byId['ID-balcony']!.contact).toEqual({ uri: 'im:juliet@example.com', priority: 1 });
    expect(byId['ID-chamber']!.status.basic).toBe('closed');
    expect(byId['ID-1phone']!.contact?.priority).toBeUndefined();
    expect(doc.rpid.person.activities?.values).toEqual(['busy']);
  });

  it('a presentity with no resources known is one closed tuple', () => {
    expect(parsePidf(resourcesToPidf({ local: 'a', domain: 'x.test' }, {}).bytes).tuples.map((t) => t.status.basic)).toEqual(['closed']);
  });

  it('resource <-> tuple id round trip for any resource, and the id is always an XML ID', () => {
    expect(resourceToTupleId('balcony')).toBe('ID-balcony');
    expect(tupleIdToResource('ID-balcony')).toBe('balcony');
    expect(tupleIdToResource('orchard')).toBe('orchard');
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), (r) => {
      const id = resourceToTupleId(r);
      expect(isNcName(id)).toBe(true);
      expect(tupleIdToResource(id)).toBe(r);
    }));
  });
});
