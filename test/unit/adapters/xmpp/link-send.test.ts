/**
 * XmppLink.send: one write per stanza, in order, on a socket without Nagle delay; refused at once
 * when the link is not online. XmppLink.sendText: the text stanzas of one event-loop turn leave
 * as one write at the end of that turn, in order, and an element sent after them waits for them.
 */
import { EventEmitter } from 'node:events';
import { xml, type XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { XmppLink } from '../../../../adapters/xmpp/connection';

class TestEntity extends EventEmitter {
  status = 'offline';
  jid = { toString: () => 'sip.example.test' };
  reconnect = { stop() {}, start() {}, delay: 0 };
  parser = null;
  socket: { noDelay?: boolean; setNoDelay(on: boolean): void } = { setNoDelay(on) { this.noDelay = on; } };
  timeout = 1000;
  writes: string[] = [];
  failNext = false;
  _onData(): void {}
  async start(): Promise<void> { this.emit('connect'); this.status = 'online'; this.emit('status', 'online'); }
  async stop(): Promise<void> { this.status = 'offline'; this.emit('status', 'offline'); }
  async disconnect(): Promise<void> {}
  async send(el: Element): Promise<void> {
    if (this.failNext) { this.failNext = false; throw new Error('socket closed'); }
    this.writes.push(el.toString());
  }
  async write(s: string): Promise<void> {
    if (this.failNext) { this.failNext = false; throw new Error('socket closed'); }
    this.writes.push(s);
  }
}

const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };

async function online() {
  const entity = new TestEntity();
  const link = new XmppLink({ name: 'component sip.example.test', configPath: 'xmpp.components[0]', create: () => entity as unknown as XmppEntity, log, onStanza: () => {}, onState: () => {} });
  await link.start();
  return { entity, link };
}

const msg = (id: string) => xml('message', { id, to: 'romeo@example.test' }, xml('body', {}, id));

describe('XmppLink.send', () => {
  test('each stanza is written at once, in order; the socket has no Nagle delay', async () => {
    const { entity, link } = await online();
    expect(entity.socket.noDelay).toBe(true);
    const sends = ['m1', 'm2', 'm3'].map((id) => link.send(msg(id)));
    expect(entity.writes.map((s) => /id="(m\d)"/.exec(s)?.[1])).toEqual(['m1', 'm2', 'm3']);
    await Promise.all(sends);
    await link.stop();
  });

  test('a failed write rejects that send only', async () => {
    const { entity, link } = await online();
    entity.failNext = true;
    const r = await Promise.allSettled([link.send(msg('m1')), link.send(msg('m2'))]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'fulfilled']);
    await link.stop();
  });

  test('a link not online refuses at once', async () => {
    const { link } = await online();
    await link.stop();
    await expect(link.send(msg('m1'))).rejects.toThrow(/not connected/);
  });
});

describe('XmppLink.sendText (the component message path)', () => {
  test("one turn's texts leave as one write, as they are, in order", async () => {
    const { entity, link } = await online();
    const texts = ['<message id="t1"/>', '<message id="t2"/>'];
    const sent = Promise.all(texts.map((t) => link.sendText(t)));
    expect(entity.writes).toEqual([]);
    await sent;
    expect(entity.writes).toEqual([texts.join('')]);
    await link.stop();
  });

  test('texts of later turns are later writes', async () => {
    const { entity, link } = await online();
    await link.sendText('<message id="t1"/>');
    await link.sendText('<message id="t2"/>');
    expect(entity.writes).toEqual(['<message id="t1"/>', '<message id="t2"/>']);
    await link.stop();
  });

  test('an element sent after texts of the same turn is written after them', async () => {
    const { entity, link } = await online();
    const a = link.sendText('<message id="t1"/>');
    const b = link.send(msg('m2'));
    await Promise.all([a, b]);
    expect(entity.writes.map((s) => /id="(\w+)"/.exec(s)?.[1])).toEqual(['t1', 'm2']);
    await link.stop();
  });

  test('a failed write rejects every text of its turn; a link not online refuses at once', async () => {
    const { entity, link } = await online();
    entity.failNext = true;
    const r = await Promise.allSettled([link.sendText('<message id="t1"/>'), link.sendText('<message id="t2"/>')]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    await link.sendText('<message id="t3"/>');
    expect(entity.writes).toEqual(['<message id="t3"/>']);
    await link.stop();
    await expect(link.sendText('<message id="t4"/>')).rejects.toThrow(/not connected/);
  });

  test('a link stopped before the turn ends fails the waiting texts', async () => {
    const { entity, link } = await online();
    const p = link.sendText('<message id="t1"/>');
    const stopped = link.stop();
    await expect(p).rejects.toThrow(/not connected/);
    await stopped;
    expect(entity.writes).toEqual([]);
  });
});
