import { ANONYMOUS, type Address } from '../../../canonical/address';
import { DEFAULT_RULES, type Rules } from '../../../canonical/rules';
import { mayPublish, maySend, patternSpecificity, viewFor, watcherDecision } from '../../../gateway/policy';

const A = (s: string): Address => { const at = s.lastIndexOf('@'); return { local: s.slice(0, at), domain: s.slice(at + 1) }; };
const bob = A('bob@api.example.test');

const rules = (over: { presence?: Partial<Rules['presence']>; inbox?: Partial<Rules['inbox']> }): Rules => ({
  presence: { ...DEFAULT_RULES.presence, ...over.presence },
  inbox: { ...DEFAULT_RULES.inbox, ...over.inbox },
});

describe('patternSpecificity', () => {
  test.each([
    ['alice@example.test', 'alice@example.test', 3],
    ['alice@EXAMPLE.test', 'alice@example.test', 3],
    ['Alice@example.test', 'alice@example.test', 0],
    ['*@example.test', 'alice@example.test', 2],
    ['*@other.test', 'alice@example.test', 0],
    ['*', 'alice@example.test', 1],
    ['alice', 'alice@example.test', 0],
    ['alice@example.test', 'alice@example.test.evil', 0],
  ])('%s vs %s -> %d', (pattern, addr, want) => {
    expect(patternSpecificity(pattern, A(addr))).toBe(want);
  });
});

describe('watcherDecision: most specific pattern wins, default otherwise', () => {
  const r = rules({ presence: { default: 'deny', watchers: { '*': 'polite-block', '*@example.test': 'allow', 'eve@example.test': 'deny', 'mallory@x.test': 'polite-block' } } });
  test.each([
    ['alice@example.test', 'allow'],
    ['eve@example.test', 'deny'],
    ['mallory@x.test', 'polite-block'],
    ['someone@x.test', 'polite-block'],
  ])('%s -> %s', (w, want) => {
    expect(watcherDecision(r, bob, A(w))).toBe(want);
  });
  test('no pattern matches: the default', () => {
    expect(watcherDecision(rules({ presence: { default: 'deny', watchers: { '*@x.test': 'allow' } } }), bob, A('z@y.test'))).toBe('deny');
    expect(watcherDecision(DEFAULT_RULES, bob, A('z@y.test'))).toBe('allow');
  });
  test('the presentity always sees itself', () => {
    expect(watcherDecision(rules({ presence: { default: 'deny', watchers: { '*': 'deny' } } }), bob, A('bob@API.example.test'))).toBe('allow');
  });
});

describe('viewFor', () => {
  const r = rules({ presence: { views: { '*': { basicOnly: true }, '*@example.test': { hideNotes: true }, 'carol@example.test': { tuples: ['t1'] } } } });
  test.each([
    ['carol@example.test', { tuples: ['t1'] }],
    ['dave@example.test', { hideNotes: true }],
    ['zed@elsewhere.test', { basicOnly: true }],
  ])('%s', (w, want) => {
    expect(viewFor(r, bob, A(w))).toEqual(want);
  });
  test('no views: the full document; the presentity itself: the full document', () => {
    expect(viewFor(DEFAULT_RULES, bob, A('x@y.test'))).toBeUndefined();
    expect(viewFor(r, bob, bob)).toBeUndefined();
  });
});

describe('mayPublish (RFC 2779 2.3.4)', () => {
  const r = rules({ presence: { publishers: ['pda@example.test', '*@sip.example.test'] } });
  test.each([
    ['bob@api.example.test', true],
    ['pda@example.test', true],
    ['anyone@sip.example.test', true],
    ['eve@example.test', false],
  ])('%s -> %s', (p, want) => {
    expect(mayPublish(r, bob, A(p))).toBe(want);
  });
});

describe('maySend (RFC 2779 2.3.5, 5.4.10)', () => {
  const r = rules({ inbox: { blockedSenders: ['spam@x.test', '*@junk.test'], refuseAnonymous: true } });
  test.each([
    ['spam@x.test', 'sender-blocked'],
    ['a@junk.test', 'sender-blocked'],
    ['alice@example.test', 'allow'],
  ])('%s -> %s', (s, want) => {
    expect(maySend(r, A(s))).toBe(want);
  });
  test('anonymous refused only when the rules say so', () => {
    expect(maySend(r, ANONYMOUS)).toBe('anonymous-refused');
    expect(maySend(DEFAULT_RULES, ANONYMOUS)).toBe('allow');
  });
});
