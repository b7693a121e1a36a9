import { DEFAULT_RULES } from '../../../../canonical/rules';
import {
  DEFAULT_LIMITS, JsonRequestError, parseAccountRequest, parseClientFrame, parseJsonBytes, parseMessageRequest,
  parsePresenceRequest, parseRulesRequest, parseSubscriptionRequest,
} from '../../../../adapters/json/wire';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const limits = { ...DEFAULT_LIMITS, maxBytes: 4096 };

function fault(fn: () => unknown): { code: string; field: string; message: string } {
  try { fn(); } catch (err) {
    if (err instanceof JsonRequestError) return { code: err.code, field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected a JsonRequestError');
}

describe('parseJsonBytes', () => {
  const cases: Array<[string, Uint8Array, string, string]> = [
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'bad-request', 'body'],
    ['overlong UTF-8', new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), 'bad-request', 'body'],
    ['not JSON', enc('{to: 1}'), 'bad-request', 'body'],
    ['empty', enc(''), 'bad-request', 'body'],
    ['deep nesting', enc(`${'['.repeat(40)}${']'.repeat(40)}`), 'bad-request', 'body'],
    ['deep nesting in objects', enc(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`), 'bad-request', 'body'],
    ['10,000-element array', enc(JSON.stringify({ to: 'a@b', list: new Array(10_000).fill(0) })), 'payload-too-large', 'body'],
    ['__proto__ key', enc('{"to":"a@b","__proto__":{"admin":true}}'), 'bad-request', '__proto__'],
    ['nested constructor key', enc('{"a":{"constructor":{"prototype":1}}}'), 'bad-request', 'a.constructor'],
    ['oversized', enc(JSON.stringify({ text: 'x'.repeat(5000) })), 'payload-too-large', 'body'],
  ];
  it.each(cases)('%s', (_n, bytes, code, field) => {
    const f = fault(() => parseJsonBytes(bytes, limits));
    expect(f.code).toBe(code);
    expect(f.field).toBe(field);
  });

  it('refuses a 10,000-element array within the size limit, naming the field', () => {
    const f = fault(() => parseJsonBytes(enc(JSON.stringify({ list: new Array(10_000).fill(0) })), { ...limits, maxBytes: 1_000_000 }));
    expect(f).toMatchObject({ code: 'bad-request', field: 'list' });
  });

  it('does not count brackets inside strings as nesting', () => {
    expect(parseJsonBytes(enc(JSON.stringify({ text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\' })), limits)).toEqual({ text: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["\\' });
  });

  it('refuses 100,000-deep nesting fast', () => {
    const t0 = Date.now();
    const f = fault(() => parseJsonBytes(enc('['.repeat(100_000)), { ...limits, maxBytes: 1_000_000 }));
    expect(f.code).toBe('bad-request');
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe('parseMessageRequest', () => {
  const ok = (v: unknown) => parseMessageRequest(v, 4096);
  it('accepts text, base64 + contentType, or cpim', () => {
    expect(ok({ to: 'bob@localhost', text: 'hé', subject: 'hi', id: 'm-1' })).toEqual({ to: 'bob@localhost', text: 'hé', subject: [{ text: 'hi' }], id: 'm-1' });
    const b = ok({ to: 'bob@localhost', base64: 'AAECAw==', contentType: 'application/octet-stream' });
    expect(Array.from(b.content?.bytes ?? [])).toEqual([0, 1, 2, 3]);
    expect(Array.from(ok({ to: 'bob@localhost', cpim: 'AP8=' }).cpim ?? [])).toEqual([0, 255]);
    expect(ok({ to: 'b@l', text: 'x', subject: [{ text: 'Hallo', lang: 'de' }] }).subject).toEqual([{ text: 'Hallo', lang: 'de' }]);
  });

  const bad: Array<[string, unknown, string]> = [
    ['not an object', [1], 'body'],
    ['unknown field', { to: 'a@b', text: 'x', from: 'mallory@b' }, 'from'],
    ['missing to', { text: 'x' }, 'to'],
    ['to not a string', { to: 5, text: 'x' }, 'to'],
    ['no content', { to: 'a@b' }, 'text'],
    ['two contents', { to: 'a@b', text: 'x', cpim: 'AA==' }, 'cpim'],
    ['base64 without contentType', { to: 'a@b', base64: 'AA==' }, 'contentType'],
    ['contentType without base64', { to: 'a@b', text: 'x', contentType: 'text/plain' }, 'contentType'],
    ['bad base64', { to: 'a@b', base64: 'A A=', contentType: 'text/plain' }, 'base64'],
    ['unpadded base64', { to: 'a@b', cpim: 'AAE' }, 'cpim'],
    ['bad content type', { to: 'a@b', base64: 'AA==', contentType: 'text' }, 'contentType'],
    ['bad id', { to: 'a@b', text: 'x', id: 'has space' }, 'id'],
    ['subject wrong type', { to: 'a@b', text: 'x', subject: 5 }, 'subject'],
    ['subject entry unknown field', { to: 'a@b', text: 'x', subject: [{ text: 'a', x: 1 }] }, 'subject[0].x'],
    ['subject bad lang', { to: 'a@b', text: 'x', subject: [{ text: 'a', lang: 'en us' }] }, 'subject[0].lang'],
    ['deliveryNotification not boolean', { to: 'a@b', text: 'x', deliveryNotification: 'yes' }, 'deliveryNotification'],
  ];
  it.each(bad)('refuses %s, naming the field', (_n, v, field) => {
    expect(fault(() => ok(v)).field).toBe(field);
  });
});

describe('other requests', () => {
  it('presence', () => {
    expect(parsePresenceRequest({ basic: 'open', note: 'at lunch', priority: 0.5 })).toEqual({ basic: 'open', note: 'at lunch', priority: 0.5 });
    expect(fault(() => parsePresenceRequest({ basic: 'away' })).field).toBe('basic');
    expect(fault(() => parsePresenceRequest({ basic: 'open', priority: 2 })).field).toBe('priority');
    expect(fault(() => parsePresenceRequest({ basic: 'open', tuple: '1abc' })).field).toBe('tuple');
    expect(fault(() => parsePresenceRequest({ basic: 'open', entity: 'x' })).field).toBe('entity');
  });
  it('subscriptions', () => {
    expect(parseSubscriptionRequest({ presentity: 'a@b', expires: 60 })).toEqual({ presentity: 'a@b', expires: 60 });
    expect(fault(() => parseSubscriptionRequest({ expires: 60 })).field).toBe('presentity');
    expect(fault(() => parseSubscriptionRequest({ presentity: 'a@b', expires: -1 })).field).toBe('expires');
    expect(fault(() => parseSubscriptionRequest({}, true)).field).toBe('expires');
  });
  it('accounts', () => {
    expect(parseAccountRequest({ address: 'a@b', admin: true })).toEqual({ address: 'a@b', admin: true });
    expect(fault(() => parseAccountRequest({ address: 'a@b', admin: 'yes' })).field).toBe('admin');
    expect(fault(() => parseAccountRequest({ address: 'a@b', token: 'short' })).field).toBe('token');
  });
  it('rules: full, partial (defaults fill in) and bad', () => {
    const r = parseRulesRequest({ presence: { default: 'deny', watchers: { 'bob@localhost': 'allow', '*@evil.test': 'polite-block' }, views: { '*': { basicOnly: true } } }, inbox: { blockedSenders: ['eve@localhost'] } }, DEFAULT_RULES);
    expect(r.presence).toEqual({ default: 'deny', watchers: { 'bob@localhost': 'allow', '*@evil.test': 'polite-block' }, views: { '*': { basicOnly: true } }, publishers: [] });
    expect(r.inbox).toEqual({ blockedSenders: ['eve@localhost'], refuseAnonymous: false });
    expect(parseRulesRequest({}, DEFAULT_RULES)).toEqual(DEFAULT_RULES);
    expect(fault(() => parseRulesRequest({ presence: { default: 'maybe' } }, DEFAULT_RULES)).field).toBe('presence.default');
    expect(fault(() => parseRulesRequest({ presence: { watchers: { 'bob@localhost': 'yes' } } }, DEFAULT_RULES)).field).toBe('presence.watchers.bob@localhost');
    expect(fault(() => parseRulesRequest({ presence: { watchers: { 'b*b@x': 'allow' } } }, DEFAULT_RULES)).field).toBe('presence.watchers.b*b@x');
    expect(fault(() => parseRulesRequest({ inbox: { blockedSenders: 'eve' } }, DEFAULT_RULES)).field).toBe('inbox.blockedSenders');
    expect(fault(() => parseRulesRequest({ inbox: { blockedSenders: ['eve'] } }, DEFAULT_RULES)).field).toBe('inbox.blockedSenders[0]');
    expect(fault(() => parseRulesRequest({ presence: { views: { '*': { all: true } } } }, DEFAULT_RULES)).field).toBe('presence.views.*.all');
  });
  it('stream frames', () => {
    expect(parseClientFrame(enc('{"type":"ping"}'), limits)).toEqual({ type: 'ping' });
    const m = parseClientFrame(enc('{"type":"message","requestId":"r1","to":"b@l","text":"hi"}'), limits);
    expect(m).toEqual({ type: 'message', requestId: 'r1', message: { to: 'b@l', text: 'hi' } });
    expect(fault(() => parseClientFrame(enc('{"type":"message","to":"b@l","text":"hi"}'), limits)).field).toBe('requestId');
    expect(fault(() => parseClientFrame(enc('{"type":"shout"}'), limits)).field).toBe('type');
  });
});
