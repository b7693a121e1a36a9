/**
 * XmppLink.send: messages of one event-loop turn leave in one write (xmpp.js sendMany); any other
 * stanza goes at once with what was queued before it, in order.
 */
import { EventEmitter } from 'node:events';
import { xml, type XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { XmppLink } from '../../../../adapters/xmpp/connection';

class BatchEntity extends EventEmitter {
  status = 'offline';
  jid = { toString: () => 'sip.example.test' };
  reconnect = { stop() {}, start() {}, delay: 0 };
  parser = null;
  socket: { noDelay?: boolean; setNoDelay(on: boolean): void } = { setNoDelay(on) { this.noDelay = on; } };
  timeout = 1000;
  writes: string[][] = [];
  failNext = false;
  _onData(): void {}
  async start(): Promise<void> { this.emit('connect'); this.status = 'online'; this.emit('status', 'online'); }
  async stop(): Promise<void> { this.status = 'offline'; this.emit('status', 'offline'); }
  async disconnect(): Promise<void> {}
  async send(el: Element): Promise<void> { this.writes.push([el.toString()]); }
  async sendMany(els: Element[]): Promise<void> {
    if (this.failNext) { this.failNext = false; throw new Error('socket closed'); }
    this.writes.push(els.map((e) => e.toString()));
  }
}

const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };

async function online() {
  const entity = new BatchEntity();
  const link = new XmppLink({ name: 'component sip.example.test', configPath: 'xmpp.components[0]', create: () => entity as unknown as XmppEntity, log, onStanza: () => {}, onState: () => {} });
  await link.start();
  return { entity, link };
}

const msg = (id: string) => xml('message', { id, to: 'romeo@example.test' }, xml('body', {}, id));

describe('XmppLink batching', () => {
  test('messages sent in one turn leave in one write, in order; each send resolves after it', async () => {
    const { entity, link } = await online();
    const sends = ['m1', 'm2', 'm3'].map((id) => link.send(msg(id)));
    expect(entity.writes).toHaveLength(0);
    await Promise.all(sends);
    expect(entity.writes).toHaveLength(1);
    expect(entity.writes[0]!.map((s) => /id="(m\d)"/.exec(s)?.[1])).toEqual(['m1', 'm2', 'm3']);
    await link.stop();
  });

  test('an IQ answer goes at once, after the messages queued before it', async () => {
    const { entity, link } = await online();
    const a = link.send(msg('m1'));
    const b = link.send(xml('iq', { type: 'result', id: 'q1' }));
    expect(entity.writes).toHaveLength(1);
    expect(entity.writes[0]!.map((s) => /id="(\w+)"/.exec(s)?.[1])).toEqual(['m1', 'q1']);
    await Promise.all([a, b]);
    await link.stop();
  });

  test('a failed write rejects every send of its batch; the socket has no Nagle delay', async () => {
    const { entity, link } = await online();
    expect(entity.socket.noDelay).toBe(true);
    entity.failNext = true;
    const r = await Promise.allSettled([link.send(msg('m1')), link.send(msg('m2'))]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    await link.stop();
  });

  test('a link not online refuses at once', async () => {
    const { link } = await online();
    await link.stop();
    await expect(link.send(msg('m1'))).rejects.toThrow(/not connected/);
  });
});
