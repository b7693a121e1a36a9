import { Deadlines } from '../../../canonical/deadlines';

afterEach(() => jest.useRealTimers());

describe('Deadlines: many waits on one timer', () => {
  test('each wait ends at or after its time, at most one tick late, in order; cancelled ones never run', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const d = new Deadlines(10);
    const ended: Array<[string, number]> = [];
    const start = Date.now();
    d.after(400, () => ended.push(['a', Date.now() - start]));
    jest.advanceTimersByTime(3);
    d.after(400, () => ended.push(['b', Date.now() - start]));
    const c = d.after(400, () => ended.push(['c', Date.now() - start]));
    d.after(50, () => ended.push(['short', Date.now() - start]));
    c.cancel();
    jest.advanceTimersByTime(2);
    d.after(400, () => ended.push(['e', Date.now() - start]));
    jest.advanceTimersByTime(394);
    expect(ended).toEqual([['short', 60]]);
    jest.advanceTimersByTime(20);
    expect(ended.map(([n]) => n)).toEqual(['short', 'a', 'b', 'e']);
    for (const [n, t] of ended) {
      const want = n === 'short' ? 53 : n === 'a' ? 400 : n === 'b' ? 403 : 405;
      expect(t).toBeGreaterThanOrEqual(want);
      expect(t).toBeLessThanOrEqual(want + 10);
    }
    // b and e end within one tick of each other: one wake-up for both.
    expect(ended[2]![1]).toBe(ended[3]![1]);
    expect(d.size).toBe(0);
  });

  test('one timer for thousands of waits; clear() drops them all', () => {
    jest.useFakeTimers({ now: 5_000 });
    const d = new Deadlines(10);
    let ran = 0;
    for (let i = 0; i < 5_000; i++) d.after(400, () => { ran++; });
    expect(jest.getTimerCount()).toBe(1);
    d.clear();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(ran).toBe(0);
  });

  test('a wait started from inside another one, and a throwing one, do not stop the rest', () => {
    jest.useFakeTimers({ now: 0 });
    const d = new Deadlines(10);
    const seen: string[] = [];
    d.after(100, () => { seen.push('first'); d.after(100, () => seen.push('nested')); });
    d.after(100, () => { throw new Error('boom'); });
    d.after(100, () => seen.push('third'));
    const thrown: unknown[] = [];
    const q = jest.spyOn(global, 'queueMicrotask').mockImplementation((f) => { try { f(); } catch (e) { thrown.push(e); } });
    jest.advanceTimersByTime(110);
    expect(seen).toEqual(['first', 'third']);
    expect(thrown).toHaveLength(1);
    jest.advanceTimersByTime(110);
    expect(seen).toEqual(['first', 'third', 'nested']);
    q.mockRestore();
  });
});
