import type { Address } from '../../../canonical/address';
import { DEFAULT_RULES, type Rules } from '../../../canonical/rules';
import { InboxAdmission } from '../../../gateway/inbox-admission';
import { MemoryStore } from '../../../gateway/store/memory-store';

const alice: Address = { local: 'alice', domain: 'api.example.test' };
const BOB = 'bob@sip.example.test';
const blockAlice: Rules = { ...DEFAULT_RULES, inbox: { blockedSenders: ['alice@api.example.test'], refuseAnonymous: false } };
const blockOthers: Rules = { ...DEFAULT_RULES, inbox: { blockedSenders: ['mallory@api.example.test'], refuseAnonymous: false } };

function setup(max?: number) {
  const store = new MemoryStore();
  const admit = jest.spyOn(store, 'admitMessage');
  const claim = jest.spyOn(store, 'claimMessage');
  return { store, admit, claim, adm: new InboxAdmission(store, max) };
}

let n = 0;
const key = () => `k${++n}`;

describe('InboxAdmission: rules decision and claim in one store call', () => {
  test('no rules stored: allowed and claimed in one call; a second copy is not claimed again', async () => {
    const { adm, admit } = setup();
    const k = key();
    expect(await adm.admit(BOB, alice, k, 30)).toEqual({ decision: 'allow', claim: { claimed: true } });
    expect(await adm.admit(BOB, alice, k, 30)).toEqual({ decision: 'allow', claim: { claimed: false } });
    expect(admit).toHaveBeenCalledTimes(2);
  });

  test('rules that block the sender: refused, and no claim is left behind', async () => {
    const { adm, store } = setup();
    await store.putRules(BOB, blockAlice);
    const k = key();
    expect(await adm.admit(BOB, alice, k, 30)).toEqual({ decision: 'sender-blocked' });
    expect(await store.claimMessage(k, 30)).toEqual({ claimed: true });
  });

  test('rules learnt once cost one call per message afterwards; a change is noticed on the next message', async () => {
    const { adm, admit, store } = setup();
    await store.putRules(BOB, blockOthers);
    expect((await adm.admit(BOB, alice, key(), 30)).decision).toBe('allow');
    expect(admit).toHaveBeenCalledTimes(2); // guessed none, learnt the stored rules, claimed
    admit.mockClear();
    expect((await adm.admit(BOB, alice, key(), 30)).decision).toBe('allow');
    expect(admit).toHaveBeenCalledTimes(1);
    await store.putRules(BOB, blockAlice);
    admit.mockClear();
    const k = key();
    expect(await adm.admit(BOB, alice, k, 30)).toEqual({ decision: 'sender-blocked' });
    expect(admit).toHaveBeenCalledTimes(2);
    expect(await store.claimMessage(k, 30)).toEqual({ claimed: true }); // refused: never claimed
    // Unblocked again (rules replaced): the cached refusal is verified by the store, not trusted.
    await store.putRules(BOB, DEFAULT_RULES);
    expect((await adm.admit(BOB, alice, key(), 30)).decision).toBe('allow');
  });

  test('rules that change on every attempt: a bounded number of tries, then a plain read and claim', async () => {
    const { adm, store, admit, claim } = setup();
    let flip = 0;
    admit.mockImplementation(async () => ({ rulesMatched: false, rules: JSON.stringify(++flip % 2 ? blockOthers : DEFAULT_RULES) + ' '.repeat(flip) }));
    await store.putRules(BOB, blockOthers);
    expect(await adm.admit(BOB, alice, key(), 30)).toEqual({ decision: 'allow', claim: { claimed: true } });
    expect(admit).toHaveBeenCalledTimes(3);
    expect(claim).toHaveBeenCalledTimes(1);
  });

  test('remembers at most its bound of recipients, and none without rules', async () => {
    const { adm, store } = setup(2);
    for (const o of ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test']) {
      await store.putRules(o, blockOthers);
      await adm.admit(o, alice, key(), 30);
    }
    expect(adm.size).toBe(2);
    await adm.admit('none@x.test', alice, key(), 30);
    expect(adm.size).toBe(2);
  });
});
