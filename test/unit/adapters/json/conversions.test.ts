import { messageFrame, notifyFrame, outcomeJson, plainText, presenceView } from '../../../../adapters/json/from-canonical';
import { messageToOp, presenceToDocument, toAddress } from '../../../../adapters/json/to-canonical';
import { JsonRequestError } from '../../../../adapters/json/wire';
import { failed } from '../../../../canonical/operations';

const alice = { local: 'alice', domain: 'localhost' };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('to-canonical', () => {
  it('makes a message from the principal, never from the body', () => {
    const op = messageToOp({ to: 'im:bob@LocalHost', text: 'hé', subject: [{ text: 's', lang: 'fr' }], thread: 't1' }, alice, { id: 'm1', transactionId: 't', maxForwards: 70 }, '2026-01-01T00:00:00Z');
    expect(op).toMatchObject({ kind: 'message', id: 'm1', from: alice, to: { local: 'bob', domain: 'localhost' }, maxForwards: 70, trace: [], thread: 't1', subject: [{ text: 's', lang: 'fr' }], source: { protocol: 'json' } });
    expect(op.content.type).toBe('text/plain;charset=utf-8');
    expect(Buffer.from(op.content.bytes).toString('utf8')).toBe('hé');
  });
  it('keeps exact bytes for base64 and cpim content', () => {
    const bytes = new Uint8Array([0, 13, 10, 255]);
    expect(messageToOp({ to: 'b@l', content: { type: 'application/pkcs7-mime', bytes } }, alice, { id: 'x', transactionId: 't', maxForwards: 5 }, 'd').content).toEqual({ type: 'application/pkcs7-mime', bytes });
    expect(messageToOp({ to: 'b@l', cpim: bytes }, alice, { id: 'x', transactionId: 't', maxForwards: 5 }, 'd').content).toEqual({ type: 'message/cpim', bytes });
  });
  it('names the field of a malformed address', () => {
    expect(() => toAddress('not an address', 'to')).toThrow(JsonRequestError);
    try { toAddress('nope', 'presentity'); } catch (err) { expect((err as JsonRequestError).field).toBe('presentity'); expect((err as JsonRequestError).code).toBe('address-malformed'); }
  });
  it('turns the JSON presence view into PIDF that reads back', () => {
    const doc = presenceToDocument({ basic: 'open', note: 'à la plage <&>', contact: 'im:alice@localhost', priority: 0.8 }, alice, '2026-01-01T00:00:00Z');
    expect(doc.type).toBe('application/pidf+xml');
    const v = presenceView(doc);
    expect(v).toMatchObject({ basic: 'open', note: 'à la plage <&>', tuples: [{ id: 'json', basic: 'open', contact: 'im:alice@localhost', priority: 0.8 }] });
    expect(v?.entity).toMatch(/^pres:alice@localhost$/);
  });
});

describe('from-canonical', () => {
  it('gives text only for text/plain in UTF-8', () => {
    expect(plainText({ type: 'text/plain; charset="UTF-8"', bytes: enc('ok') })).toBe('ok');
    expect(plainText({ type: 'text/plain', bytes: enc('ascii') })).toBe('ascii');
    expect(plainText({ type: 'text/plain;charset=iso-8859-1', bytes: enc('x') })).toBeUndefined();
    expect(plainText({ type: 'text/plain', bytes: new Uint8Array([0xff]) })).toBeUndefined();
    expect(plainText({ type: 'message/cpim', bytes: enc('x') })).toBeUndefined();
  });
  it('frames a message with base64 of the exact bytes', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const f = messageFrame({ kind: 'message', id: 'i', transactionId: 't', from: alice, to: { local: 'bob', domain: 'localhost' }, content: { type: 'application/octet-stream', bytes }, maxForwards: 69, trace: ['gw'], source: { protocol: 'sip' } });
    expect(f).toEqual({ type: 'message', id: 'i', from: 'alice@localhost', to: 'bob@localhost', contentType: 'application/octet-stream', base64: 'AQID', trace: ['gw'], maxForwards: 69, via: 'sip' });
  });
  it('frames notifications: presence with a document, subscription state without', () => {
    const base = { kind: 'notify' as const, transactionId: 't', subscriptionId: 's1', watcher: alice, presentity: { local: 'bob', domain: 'localhost' }, maxForwards: 70, trace: [] };
    expect(notifyFrame({ ...base, state: 'terminated', reason: 'timeout' })).toEqual({ type: 'subscription', subscriptionId: 's1', presentity: 'bob@localhost', watcher: 'alice@localhost', state: 'terminated', reason: 'timeout' });
    const doc = presenceToDocument({ basic: 'closed' }, { local: 'bob', domain: 'localhost' }, '2026-01-01T00:00:00Z');
    const f = notifyFrame({ ...base, state: 'active', expires: 30, presence: doc });
    expect(f).toMatchObject({ type: 'presence', state: 'active', expires: 30, presence: { contentType: 'application/pidf+xml', view: { basic: 'closed' } } });
  });
  it('outcomes as JSON', () => {
    expect(outcomeJson({ status: 'delivered' })).toEqual({ status: 'delivered' });
    expect(outcomeJson(failed('sender-blocked', 'no'))).toEqual({ status: 'failed', code: 'sender-blocked', reason: 'no' });
    expect(outcomeJson({ status: 'indeterminate' })).toEqual({ status: 'indeterminate' });
  });
});
