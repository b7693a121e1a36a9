import { PassThrough } from 'node:stream';
import { createLogger } from '../../../gateway/logging';

function capture(): { stream: PassThrough; lines: () => Record<string, unknown>[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('writes JSON lines and redacts secrets by path', async () => {
    const c = capture();
    const log = createLogger({ level: 'info', destination: c.stream, pretty: false });
    log.info({ token: 't0p', account: { token: 'abc', address: 'a@b' }, config: { json: { adminToken: 'adm' }, xmpp: { secret: 's' } }, req: { headers: { authorization: 'Bearer x' } } }, 'hello');
    log.child({ module: 'x' }).info({ credentials: { password: 'pw' } }, 'child');
    await new Promise((r) => setImmediate(r));
    const [a, b] = c.lines();
    expect(a?.msg).toBe('hello');
    const text = JSON.stringify(c.lines());
    for (const secret of ['t0p', '"abc"', 'adm"', '"s"', 'Bearer x', '"pw"']) expect(text).not.toContain(secret);
    expect((a?.account as Record<string, unknown>).address).toBe('a@b');
    expect(b?.module).toBe('x');
  });
});
