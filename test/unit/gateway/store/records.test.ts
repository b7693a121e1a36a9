import { DEFAULT_RULES } from '../../../../canonical/rules';
import { KEY_PREFIX, keys, parsePublicationDueMember, publicationDueMember, watcherBucket, WATCHER_BUCKETS } from '../../../../gateway/store/keys';
import {
  decodeAccount, decodeDocument, decodePublication, decodeRules, decodeSubscription, encodeAccount, encodeDocument,
  encodePublication, encodeSubscription, newSubscriptionId, readRules, splitSubscriptionId, type SubscriptionRecord,
} from '../../../../gateway/store/records';

const bytes = new Uint8Array([0x0d, 0x0a, 0x00, 0xff, 0x0a, 0x7b]);

describe('subscription records', () => {
  const presentity = 'alice@api.example.test';
  const rec: SubscriptionRecord = {
    id: newSubscriptionId(presentity), watcher: 'bob@example.test', watcherResource: 'phone', presentity,
    watcherProtocol: 'xmpp', state: 'pending', expiresAt: 1_800_000_000_123, polite: true,
  };

  test('round trip, compact', () => {
    const s = encodeSubscription(rec);
    expect(decodeSubscription(rec.id, presentity, s)).toEqual(rec);
    expect(s.length).toBeLessThan(60);
  });

  test('ids locate their presentity; foreign ids do not parse', () => {
    expect(splitSubscriptionId(rec.id)?.presentity).toBe(presentity);
    expect(newSubscriptionId(presentity)).not.toBe(rec.id);
    for (const bad of ['', 'abc', '.x', 'abc.', 'abc.!!', `a.${Buffer.from('nodomain').toString('base64url')}`]) expect(splitSubscriptionId(bad)).toBeUndefined();
  });

  test.each([
    ['not json', '{'],
    ['not an array', '{"w":1}'],
    ['unknown protocol', '["bob@x","q","a","1",0]'],
    ['bad expiry', '["bob@x","j","a","!",0]'],
    ['absent', null],
  ])('tolerant reader: %s -> undefined', (_n, s) => {
    expect(decodeSubscription('i.x', presentity, s)).toBeUndefined();
  });

  test('tolerant reader: missing fields default, extra fields ignored', () => {
    expect(decodeSubscription('i', presentity, '["bob@x","s","?","10"]')).toEqual({ id: 'i', watcher: 'bob@x', presentity, watcherProtocol: 'sip', state: 'active', expiresAt: 36, polite: false });
    expect(decodeSubscription('i', presentity, '["bob@x","s","a","10",0,"r","future"]')?.watcherResource).toBe('r');
  });
});

describe('binary records keep exact bytes', () => {
  test('publication', () => {
    const p = { presentity: 'a@b', etag: 'e1', type: 'application/pidf+xml', bytes, expiresAt: 5, sourceKey: 's', publisher: 'c@d' };
    expect(decodePublication('a@b', 'e1', encodePublication(p))).toEqual(p);
    expect(decodePublication('a@b', 'e1', Buffer.from('no header line'))).toBeUndefined();
    expect(decodePublication('a@b', 'e1', Buffer.from('{"t":1}\nx'))).toBeUndefined();
  });
  test('document', () => {
    const d = { type: 'application/pidf+xml', bytes, updatedAt: 9 };
    expect(decodeDocument(encodeDocument(d))).toEqual(d);
    expect(decodeDocument(null)).toBeUndefined();
  });
  test('account', () => {
    const a = { address: 'a@b', tokenHash: 'ff', admin: true, createdAt: 3 };
    expect(decodeAccount('a@b', encodeAccount(a))).toEqual(a);
    expect(decodeAccount('a@b', '{"a":1}')).toBeUndefined();
  });
});

describe('rules reader', () => {
  test('junk falls back to defaults piecewise', () => {
    expect(readRules(null)).toEqual(DEFAULT_RULES);
    expect(decodeRules('not json')).toBeUndefined();
    const r = readRules({ presence: { default: 'maybe', watchers: { 'a@b': 'deny', 'c@d': 'perhaps' }, views: { '*': { basicOnly: 'yes', hideNotes: true, tuples: ['t', 3] } }, publishers: ['p@q', 7] }, inbox: { refuseAnonymous: 'true' } });
    expect(r.presence.default).toBe('allow');
    expect({ ...r.presence.watchers }).toEqual({ 'a@b': 'deny' });
    expect({ ...r.presence.views }).toEqual({ '*': { hideNotes: true, tuples: ['t'] } });
    expect(r.presence.publishers).toEqual(['p@q']);
    expect(r.inbox).toEqual({ blockedSenders: [], refuseAnonymous: false });
  });
  test('"__proto__" in stored rules is data, never a prototype', () => {
    const r = readRules(JSON.parse('{"presence":{"watchers":{"__proto__":"deny","x@y":"allow"}}}'));
    expect(Object.getPrototypeOf(r.presence.watchers)).toBeNull();
    expect(r.presence.watchers['__proto__']).toBe('deny');
    expect(({} as Record<string, unknown>).deny).toBeUndefined();
  });
});

describe('keys', () => {
  test('every key carries the version prefix', () => {
    const all = [keys.account('a'), keys.accountIndex(), keys.token('h'), keys.publication('p', 'e'), keys.publicationIndex('p'), keys.publicationDue(),
      keys.document('p'), keys.subscriptionsOf('p'), keys.watcherBucket(1), keys.subscriptionDue(), keys.rules('o'), keys.message('m'),
      keys.claim('c'), keys.state('n', 'k'), keys.stateIndex('n'), keys.bus('c')];
    for (const k of all) expect(k.startsWith(KEY_PREFIX)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
    expect(KEY_PREFIX).toBe('sb:v1:');
  });
  test('long outside ids are bounded', () => {
    expect(keys.message('x'.repeat(10_000)).length).toBeLessThan(80);
  });
  test('publication due members round trip', () => {
    expect(parsePublicationDueMember(publicationDueMember('a b@c', 'etag'))).toEqual({ presentity: 'a b@c', etag: 'etag' });
    expect(parsePublicationDueMember('nospace')).toBeUndefined();
  });
  test('watcher buckets are stable and in range', () => {
    expect(watcherBucket('bob@x')).toBe(watcherBucket('bob@x'));
    for (const w of ['a@b', 'c@d', 'e@f']) expect(watcherBucket(w)).toBeLessThan(WATCHER_BUCKETS);
  });
});
