import { Writable } from 'node:stream';
import { createLogger, lazyChild, levelEnabled } from '../../../gateway/logging';

function capture(level: string) {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, log: createLogger({ level, pretty: false, destination }) };
}

describe('lazyChild', () => {
  test('below the level: no child is made and no bindings are computed', () => {
    const { log, lines } = capture('warn');
    const child = jest.spyOn(log, 'child');
    const bindings = jest.fn(() => ({ msgId: 'm1' }));
    const l = lazyChild(log, bindings);
    l.info({ a: 1 }, 'routed');
    l.debug('x');
    expect(bindings).not.toHaveBeenCalled();
    expect(child).not.toHaveBeenCalled();
    expect(lines).toHaveLength(0);
    expect(levelEnabled(log, 'info')).toBe(false);
    expect(levelEnabled(log, 'warn')).toBe(true);
  });

  test('at the level: one child with the bindings, reused, secrets still redacted', async () => {
    const { log, lines } = capture('info');
    const bindings = jest.fn(() => ({ msgId: 'm2' }));
    const l = lazyChild(log, bindings);
    l.info({ token: 'secret-value' }, 'one');
    l.warn('two');
    await new Promise((r) => setImmediate(r));
    expect(bindings).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ msgId: 'm2', msg: 'one', token: '[redacted]' });
  });
});
