import { answerIq, FEATURES, installIqAnswers } from '../../../../adapters/xmpp/disco';
import {
  assertXmlText, buildErrorReply, buildMessage, buildPresence, buildReceipt, LIMITS, parseStanzas, readMessage, readPresence,
  WireError,
} from '../../../../adapters/xmpp/wire';

const one = (xml: string) => parseStanzas(xml)[0]!;

describe('readMessage', () => {
  it('reads error stanzas: condition, type and text (RFC 6120 8.3.2)', () => {
    const m = readMessage(one("<message from='r@x.test' to='a@y.test' id='m1' type='error'><body>x</body><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>offline</text></error></message>"));
    expect(m.type).toBe('error');
    expect(m.error).toEqual({ type: 'cancel', condition: 'service-unavailable', text: 'offline' });
  });

  it('elements of other namespaces with stanza names are not taken for <body/>', () => {
    const m = readMessage(one("<message from='a@x.test' to='b@y.test'><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>rich</body></html><body>plain</body></message>"));
    expect(m.bodies).toEqual([{ text: 'plain' }]);
  });

  it('bounds: a body over the limit is refused with policy-violation', () => {
    const big = 'x'.repeat(LIMITS.maxText + 1);
    let err: unknown;
    try { readMessage(one(`<message from='a@x.test' to='b@y.test'><body>${big}</body></message>`)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).condition).toBe('policy-violation');
  });

  it('an over-long id is refused', () => {
    expect(() => readMessage(one(`<message from='a@x.test' to='b@y.test' id='${'i'.repeat(LIMITS.maxToken + 1)}'><body>x</body></message>`))).toThrow(/message id/);
  });
});

describe('readPresence', () => {
  it('reads type, show, statuses and priority', () => {
    const p = readPresence(one("<presence from='a@x.test/r' to='b@y.test' type='unavailable'><status xml:lang='en'>bye</status><status xml:lang='cs'>ahoj</status><priority> 5 </priority></presence>"));
    expect(p).toEqual({ from: 'a@x.test/r', to: 'b@y.test', type: 'unavailable', statuses: [{ text: 'bye', lang: 'en' }, { text: 'ahoj', lang: 'cs' }], priority: '5' });
  });
});

describe('builders', () => {
  it('refuse characters XML 1.0 cannot carry, naming the character and where', () => {
    expect(() => assertXmlText('ab\u0001c', 'body')).toThrow(/U\+0001 at character 2/);
    expect(() => buildMessage({ from: 'a@x.test', to: 'b@y.test', id: 'i', body: 'nul\0' })).toThrow(/U\+0000/);
    expect(() => assertXmlText('emoji 🐎 and tab\t are fine', 'body')).not.toThrow();
  });

  it('error replies swap from/to, keep id, carry condition and text (RFC 6120 8.3.1)', () => {
    const el = buildErrorReply({ name: 'message', from: 'a@x.test/r', to: 'b@y.test', id: 'm1' }, 'item-not-found', 'cancel', 'no such user');
    expect(el.toString()).toBe('<message from="b@y.test" to="a@x.test/r" id="m1" type="error"><error type="cancel"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">no such user</text></error></message>');
  });

  it('receipts name the acknowledged id (XEP-0184 5)', () => {
    expect(buildReceipt('b@y.test', 'a@x.test/r', 'm1').toString()).toBe('<message from="b@y.test" to="a@x.test/r" id="rcpt-m1"><received xmlns="urn:xmpp:receipts" id="m1"/></message>');
  });

  it('presence with show, status, priority and the trace extension', () => {
    expect(buildPresence({ from: 'a@x.test/r', to: 'b@y.test', show: 'dnd', status: { text: 'busy', lang: 'en' }, priority: 13, trace: { hops: 69, text: 'gw1' } }).toString())
      .toBe('<presence from="a@x.test/r" to="b@y.test"><show>dnd</show><status xml:lang="en">busy</status><priority>13</priority><trace xmlns="urn:switchboard:trace:0" hops="69">gw1</trace></presence>');
  });
});

describe('answerIq (XEP-0030, XEP-0199, RFC 6120 8.2.3)', () => {
  const DOMAINS = ['sip.example.test'];
  it('disco#info on the component domain: gateway/simple and the features', () => {
    const r = answerIq(one("<iq type='get' from='j@example.test/t' to='sip.example.test' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"), DOMAINS)!;
    expect(r.attrs).toMatchObject({ type: 'result', to: 'j@example.test/t', from: 'sip.example.test', id: 'd1' });
    const q = r.getChild('query', 'http://jabber.org/protocol/disco#info')!;
    expect(q.getChild('identity')!.attrs).toMatchObject({ category: 'gateway', type: 'simple' });
    expect(q.getChildren('feature').map((f) => f.attrs.var)).toEqual(FEATURES);
  });

  it('disco#info on a user of the domain: an account', () => {
    const r = answerIq(one("<iq type='get' from='j@example.test/t' to='a%api.example.test@sip.example.test' id='d2'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"), DOMAINS)!;
    expect(r.getChild('query')!.getChild('identity')!.attrs).toMatchObject({ category: 'account', type: 'registered' });
  });

  it('ping is answered with an empty result', () => {
    expect(answerIq(one("<iq type='get' from='s' to='sip.example.test' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"), DOMAINS)!.toString())
      .toBe('<iq type="result" from="sip.example.test" to="s" id="p"/>');
  });

  it('an unknown get is service-unavailable; results and errors are never answered', () => {
    const r = answerIq(one("<iq type='set' from='s' to='sip.example.test' id='x'><query xmlns='jabber:iq:register'/></iq>"), DOMAINS)!;
    expect(r.attrs.type).toBe('error');
    expect(r.getChild('error')!.getChild('service-unavailable')).toBeDefined();
    expect(answerIq(one("<iq type='result' from='s' to='sip.example.test' id='x'/>"), DOMAINS)).toBeUndefined();
    expect(answerIq(one("<iq type='error' from='s' to='sip.example.test' id='x'/>"), DOMAINS)).toBeUndefined();
  });
});

describe('answerIq: malformed requests and nodes', () => {
  const DOMAINS = ['sip.example.test'];
  it.each([
    ['no payload', "<iq type='get' from='s' to='sip.example.test' id='b1'/>", 'bad-request'],
    ['two payloads', "<iq type='get' from='s' to='sip.example.test' id='b2'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>", 'bad-request'],
    ['disco#info with an unknown node', "<iq type='get' from='s' to='sip.example.test' id='n1'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>", 'item-not-found'],
    ['disco#items with an unknown node', "<iq type='get' from='s' to='sip.example.test' id='n2'><query xmlns='http://jabber.org/protocol/disco#items' node='x'/></iq>", 'item-not-found'],
    ['disco#info for another domain', "<iq type='get' from='s' to='other.test' id='o1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", 'service-unavailable'],
  ])('%s: error %s', (_n, text, condition) => {
    const r = answerIq(one(text), DOMAINS)!;
    expect(r.attrs.type).toBe('error');
    expect(r.getChild('error')!.getChildElements()[0]!.name).toBe(condition);
  });
});

describe('installIqAnswers: one answer through xmpp.js\'s IQ middleware', () => {
  type Mw = (ctx: { stanza: ReturnType<typeof one> }, next: () => Promise<unknown>) => unknown;
  function fakeEntity() {
    const used: Mw[] = [];
    const sent: string[] = [];
    const e = Object.assign(new (require('node:events').EventEmitter)(), {
      middleware: { use: (fn: Mw) => { used.push(fn); } },
      send: async (el: { toString(): string }) => { sent.push(el.toString()); },
    });
    return { e, used, sent };
  }
  const DOMAINS = ['sip.example.test'];
  it('hands the payload (or the <error/>) to the IQ handler and sends nothing itself', async () => {
    const { e, used, sent } = fakeEntity();
    installIqAnswers(e as never, () => DOMAINS);
    expect(used).toHaveLength(1);
    const next = async () => 'next';
    const info = await used[0]!({ stanza: one("<iq type='get' from='s' to='sip.example.test' id='1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>") }, next) as ReturnType<typeof one>;
    expect(info.is('query', 'http://jabber.org/protocol/disco#info')).toBe(true);
    const ping = await used[0]!({ stanza: one("<iq type='get' from='s' to='sip.example.test' id='2'><ping xmlns='urn:xmpp:ping'/></iq>") }, next);
    expect(ping).toBe(true);
    const err = await used[0]!({ stanza: one("<iq type='get' from='s' to='sip.example.test' id='3'><query xmlns='jabber:iq:version'/></iq>") }, next) as ReturnType<typeof one>;
    expect(err.name).toBe('error');
    expect(err.getChild('service-unavailable')).toBeDefined();
    // Results, errors and other stanzas go on down the chain untouched.
    expect(await used[0]!({ stanza: one("<iq type='result' from='s' to='sip.example.test' id='4'/>") }, next)).toBe('next');
    expect(await used[0]!({ stanza: one("<message from='s' to='sip.example.test'/>") }, next)).toBe('next');
    e.emit('stanza', one("<iq type='get' from='s' to='sip.example.test' id='5'><ping xmlns='urn:xmpp:ping'/></iq>"));
    expect(sent).toEqual([]);
  });

  it('without a middleware it answers get/set from the stanza event, once, and never a result', async () => {
    const { e, sent } = fakeEntity();
    delete (e as { middleware?: unknown }).middleware;
    installIqAnswers(e as never, () => DOMAINS);
    e.emit('stanza', one("<iq type='get' from='s' to='sip.example.test' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"));
    e.emit('stanza', one("<iq type='result' from='s' to='sip.example.test' id='r'/>"));
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['<iq type="result" from="sip.example.test" to="s" id="p"/>']);
  });
});
