/** Fan-out order (remoteFirst) and the shared answer bound (AnswerBound). */
import { AnswerBound } from '../../../gateway/answer-bound';
import { remoteFirst } from '../../../gateway/presence-notifier';
import type { SubscriptionRecord } from '../../../gateway/store/store';

const sub = (id: string, watcherProtocol: SubscriptionRecord['watcherProtocol']): SubscriptionRecord =>
  ({ id, watcherProtocol } as unknown as SubscriptionRecord);

describe('remoteFirst', () => {
  test('SIP and XMPP watchers before JSON ones, each group in its own order', () => {
    const subs = [sub('j1', 'json'), sub('s1', 'sip'), sub('j2', 'json'), sub('x1', 'xmpp'), sub('s2', 'sip')];
    expect(remoteFirst(subs).map((s) => s.id)).toEqual(['s1', 'x1', 's2', 'j1', 'j2']);
    expect(remoteFirst([])).toEqual([]);
  });
});

describe('AnswerBound', () => {
  test('the answer, a rejection mapped, or the timeout value after the bound', async () => {
    const b = new AnswerBound(30);
    await expect(b.within(Promise.resolve('a'), () => 't', () => 'e')).resolves.toBe('a');
    await expect(b.within(Promise.reject(new Error('x')), () => 't', (err) => (err as Error).message)).resolves.toBe('x');
    const started = Date.now();
    await expect(b.within(new Promise<string>(() => undefined), () => 't', () => 'e')).resolves.toBe('t');
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
  });

  test('an answer after the bound changes nothing', async () => {
    const b = new AnswerBound(10);
    let answer!: (v: string) => void;
    const late = new Promise<string>((r) => { answer = r; });
    const r = b.within(late, () => 't', () => 'e');
    await expect(r).resolves.toBe('t');
    answer('a');
    await expect(r).resolves.toBe('t');
  });
});
