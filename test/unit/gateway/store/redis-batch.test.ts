import { StoreError } from '../../../../canonical/errors';
import { type BatchCall, type BatchWaiters, failBatch, settleBatch } from '../../../../gateway/store/redis-batch';
import type { Admission } from '../../../../gateway/store/store';

type Settled = { ok: Admission | undefined } | { err: StoreError };

/** Waiters for `calls` whose settlements land in the returned array (index = call). */
function waiters(calls: BatchCall[]): { w: BatchWaiters; got: Array<Settled | undefined> } {
  const got: Array<Settled | undefined> = calls.map(() => undefined);
  const settle = (i: number, s: Settled): void => {
    if (got[i] !== undefined) throw new Error(`call ${i} settled twice`);
    got[i] = s;
  };
  return {
    w: {
      calls,
      resolves: calls.map((_, i) => (v: Admission | undefined) => settle(i, { ok: v })),
      rejects: calls.map((_, i) => (e: StoreError) => settle(i, { err: e })),
    },
    got,
  };
}

const A: BatchCall = 'admitMessage';
const R: BatchCall = 'recordOutcome';

describe('settleBatch: one reply, one answer per call in order', () => {
  test.each<[string, BatchCall[], unknown[], Settled[]]>([
    ['every admission answer and a record', [A, A, A, A, A, A, R], [0, 1, '{"r":1}', 2, 3, 4, 5, '{"status":"delivered"}', 6], [
      { ok: { rulesMatched: false, rules: null } },
      { ok: { rulesMatched: false, rules: '{"r":1}' } },
      { ok: { rulesMatched: true } },
      { ok: { rulesMatched: true, claim: { claimed: true } } },
      { ok: { rulesMatched: true, claim: { claimed: false } } },
      { ok: { rulesMatched: true, claim: { claimed: false, outcome: '{"status":"delivered"}' } } },
      { ok: undefined },
    ]],
    ['an empty stored string is still a string', [A], [1, ''], [{ ok: { rulesMatched: false, rules: '' } }]],
  ])('%s', (_name, calls, reply, want) => {
    const { w, got } = waiters(calls);
    settleBatch(reply, w);
    expect(got).toEqual(want);
  });

  test('an error of one call rejects that call only, naming the method and the Redis error', () => {
    const { w, got } = waiters([A, R, A]);
    settleBatch([-1, 'WRONGTYPE Operation against a key holding the wrong kind of value', -1, 'ERR boom', 3], w);
    expect(got[0]).toEqual({ err: expect.objectContaining({ code: 'store-unavailable', message: 'Redis admitMessage failed: WRONGTYPE Operation against a key holding the wrong kind of value' }) });
    expect(got[1]).toEqual({ err: expect.objectContaining({ message: 'Redis recordOutcome failed: ERR boom' }) });
    expect(got[2]).toEqual({ ok: { rulesMatched: true, claim: { claimed: true } } });
  });

  test.each<[string, unknown, BatchCall[], number]>([
    ['not an array', 'OK', [A, R], 0],
    ['too short', [3], [A, A, R], 1],
    ['unknown code', [3, 9, 3], [A, A, A], 1],
    ['a record answered as an admission', [3, 3], [A, R], 1],
    ['code 1 without its rules', [2, 1], [A, A], 1],
    ['code 5 without its outcome', [5, 7], [A, A], 0],
    ['an error without its message', [-1], [A, A], 0],
  ])('a malformed reply (%s) rejects every call from the first it cannot answer; none is left unsettled', (_name, reply, calls, firstBad) => {
    const { w, got } = waiters(calls);
    settleBatch(reply, w);
    got.forEach((s, i) => {
      if (i < firstBad) expect(s).toHaveProperty('ok');
      else expect(s).toEqual({ err: expect.objectContaining({ code: 'store-unavailable', message: expect.stringMatching(/^Redis (admitMessage|recordOutcome) failed: unexpected reply/) }) });
    });
  });

  test('shared answers are frozen, so no caller can change another\'s', () => {
    const { w, got } = waiters([A, A]);
    settleBatch([3, 3], w);
    const a = (got[0] as { ok: Admission }).ok;
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.rulesMatched && Object.isFrozen(a.claim)).toBe(true);
  });
});

describe('failBatch', () => {
  test('rejects every call with a StoreError naming its method and the cause', () => {
    const { w, got } = waiters([A, R]);
    const cause = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    failBatch(w, cause);
    expect(got).toEqual([
      { err: expect.objectContaining({ name: 'StoreError', message: `Redis admitMessage failed: ${cause.message}`, cause }) },
      { err: expect.objectContaining({ name: 'StoreError', message: `Redis recordOutcome failed: ${cause.message}` }) },
    ]);
    expect((got[0] as { err: StoreError }).err).toBeInstanceOf(StoreError);
  });

  test('a StoreError is passed on as it is', () => {
    const { w, got } = waiters([A]);
    const e = new StoreError('gone');
    failBatch(w, e);
    expect(got).toEqual([{ err: e }]);
  });
});
