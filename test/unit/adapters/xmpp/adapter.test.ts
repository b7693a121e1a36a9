/**
 * XmppAdapter's own decisions (outcomes from receipts and stanza errors, echo suppression, error
 * replies) with an in-test entity standing in for xmpp.js: it records what is sent and lets the
 * test inject stanzas. Real Prosody and slixmpp: test/integration/xmpp-gateway.test.ts.
 */
import { EventEmitter } from 'node:events';
import type { XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import type { AdapterContext } from '../../../../canonical/adapter';
import type { MessageOp, Outcome } from '../../../../canonical/operations';
import { XmppAdapter } from '../../../../adapters/xmpp/adapter';
import type { XmppAdapterConfig } from '../../../../adapters/xmpp/config';
import { parseStanzas } from '../../../../adapters/xmpp/wire';

class TestEntity extends EventEmitter {
  status = 'offline';
  jid: { toString(): string } | null = null;
  sent: Element[] = [];
  reconnect = { stop() {}, start() {}, delay: 0 };
  parser = null;
  socket = null;
  timeout = 1000;
  constructor(readonly options: { service: string; domain: string }, private readonly jidText: string) { super(); }
  _onData(): void {}
  async start(): Promise<void> {
    this.jid = { toString: () => this.jidText };
    this.status = 'online';
    this.emit('status', 'online');
  }
  async stop(): Promise<void> { this.status = 'offline'; this.emit('status', 'offline'); }
  async send(el: Element): Promise<void> { this.sent.push(el); }
  /** The component's text path (XmppLink.sendText): parsed back, so tests read elements either way. */
  async write(s: string): Promise<void> { for (const el of parseStanzas(s)) this.sent.push(el); }
  async disconnect(): Promise<void> {}
  inject(xml: string): void { for (const el of parseStanzas(xml, 'jabber:client')) this.emit('stanza', el); }
}

const flush = () => new Promise((r) => setTimeout(r, 20));

function setup(mode: 'component' | 'client', deliver: (op: MessageOp) => Outcome = () => ({ status: 'delivered' })) {
  const delivered: MessageOp[] = [];
  const ready: [boolean, string | undefined][] = [];
  const ctx = {
    gatewayId: 'gw1.example', instanceId: 'i1',
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
    setReady: (r: boolean, why?: string) => ready.push([r, why]),
    deliver: async (op: MessageOp) => { delivered.push(op); return deliver(op); },
    state: { get: async () => undefined, set: async () => {}, setIfAbsent: async () => true, del: async () => {}, keys: async () => [] },
    // The standby relay (relay.ts) listens on the Bus; one instance here, so nothing arrives.
    bus: { publish: async () => {}, subscribe: async () => async () => {} },
  } as unknown as AdapterContext;
  const config: XmppAdapterConfig = {
    gateway: { maxForwards: 70, messageTimeoutMs: 2000 },
    presence: { maxExpires: 3600 },
    xmpp: mode === 'component'
      ? { components: [{ service: 'xmpp://127.0.0.1:1', domain: 'sip.example.test', secret: 's' }], clients: [] }
      : { components: [], clients: [{ service: 'xmpp://127.0.0.1:1', jid: 'carol%api.example.test@example.test/bridge', password: 'p' }] },
  };
  let entity!: TestEntity;
  const make = (o: { service: string; domain: string }, jid: string) => { entity = new TestEntity(o, jid); return entity as unknown as XmppEntity; };
  const adapter = new XmppAdapter(config, ctx, {
    errorWindowMs: 50, receiptWaitMs: 300,
    createComponent: (c) => make({ service: c.service, domain: c.domain }, c.domain),
    createClient: (c) => make({ service: c.service, domain: 'example.test' }, c.jid),
  });
  return { adapter, delivered, ready, entity: () => entity };
}

const op = (extra: Partial<MessageOp> = {}): MessageOp => ({
  kind: 'message', id: 'm1', transactionId: 't1', from: { local: 'alice', domain: 'api.example.test' },
  to: { local: 'romeo', domain: 'example.test' }, content: { type: 'text/plain', bytes: new TextEncoder().encode('hi') },
  maxForwards: 69, trace: ['gw1.example'], source: { protocol: 'json' }, ...extra,
});

describe('outcomes of sent messages', () => {
  it('ready once online; a receipt from the recipient makes it delivered', async () => {
    const t = setup('component');
    await t.adapter.start();
    expect(t.ready.at(-1)).toEqual([true, undefined]);
    const p = t.adapter.sendMessage(op({ deliveryNotification: true }));
    await flush();
    const sent = t.entity().sent[0]!;
    expect(sent.getChild('request', 'urn:xmpp:receipts')).toBeDefined();
    t.entity().inject(`<message from='romeo@example.test/orchard' to='${sent.attrs.from}'><received xmlns='urn:xmpp:receipts' id='${sent.attrs.id}'/></message>`);
    expect(await p).toEqual({ status: 'delivered' });
    await t.adapter.stop();
  });

  it('a receipt from someone else does not count; without one the outcome is indeterminate', async () => {
    const t = setup('component');
    await t.adapter.start();
    const p = t.adapter.sendMessage(op({ deliveryNotification: true }));
    await flush();
    const sent = t.entity().sent[0]!;
    t.entity().inject(`<message from='mallory@example.test/x' to='${sent.attrs.from}'><received xmlns='urn:xmpp:receipts' id='${sent.attrs.id}'/></message>`);
    expect(await p).toMatchObject({ status: 'indeterminate', reason: expect.stringMatching(/XEP-0184/) });
    await t.adapter.stop();
  });

  it('a stanza error becomes a failure through the RFC 7247 table and is not answered (RFC 6120 8.3.1)', async () => {
    const t = setup('component');
    await t.adapter.start();
    const p = t.adapter.sendMessage(op());
    await flush();
    const sent = t.entity().sent[0]!;
    t.entity().inject(`<message type='error' from='romeo@example.test' to='${sent.attrs.from}' id='${sent.attrs.id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`);
    expect(await p).toEqual({ status: 'failed', code: 'unknown-user', reason: 'the XMPP side answered <item-not-found/>', remote: { xmpp: 'item-not-found' } });
    await flush();
    expect(t.entity().sent).toHaveLength(1);
    await t.adapter.stop();
  });

  it.each([['loop-detected'], ['too-many-hops'], ['sender-blocked']] as const)(
    'a Switchboard peer\'s stable code (%s) is the failure, not the coarser condition it travelled as',
    async (code) => {
      const t = setup('component');
      await t.adapter.start();
      const p = t.adapter.sendMessage(op());
      await flush();
      const sent = t.entity().sent[0]!;
      t.entity().inject(`<message type='error' from='romeo@example.test' to='${sent.attrs.from}' id='${sent.attrs.id}'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><${code} xmlns='urn:switchboard:error:0'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>why</text></error></message>`);
      expect(await p).toEqual({ status: 'failed', code, reason: 'why', remote: { text: 'why' } });
      await t.adapter.stop();
    },
  );

  it('no answer within the error window: indeterminate (RFC 3860 3.4.1)', async () => {
    const t = setup('component');
    await t.adapter.start();
    expect(await t.adapter.sendMessage(op())).toMatchObject({ status: 'indeterminate' });
    await t.adapter.stop();
  });

  it('content XMPP cannot carry fails at once with the reason, nothing is sent', async () => {
    const t = setup('component');
    await t.adapter.start();
    expect(await t.adapter.sendMessage(op({ content: { type: 'image/png', bytes: new Uint8Array([1]) } }))).toMatchObject({ status: 'failed', code: 'unsupported-media-type' });
    expect(t.entity().sent).toHaveLength(0);
    await t.adapter.stop();
  });
});

describe('inbound messages', () => {
  it('a failure is answered with the error of the table row; a headline never is', async () => {
    const t = setup('component', () => ({ status: 'failed', code: 'sender-blocked' }));
    await t.adapter.start();
    t.entity().inject("<message from='juliet@example.test/t' to='alice%api.example.test@sip.example.test' id='x1'><body>hi</body></message>");
    t.entity().inject("<message type='headline' from='juliet@example.test/t' to='alice%api.example.test@sip.example.test' id='x2'><body>news</body></message>");
    await flush();
    expect(t.delivered).toHaveLength(2);
    expect(t.entity().sent.map((e) => e.toString())).toEqual([
      '<message from="alice%api.example.test@sip.example.test" to="juliet@example.test/t" id="x1" type="error"><error type="auth"><forbidden xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><sender-blocked xmlns="urn:switchboard:error:0"/></error></message>',
    ]);
    await t.adapter.stop();
  });

  it('groupchat is refused with service-unavailable', async () => {
    const t = setup('component');
    await t.adapter.start();
    t.entity().inject("<message type='groupchat' from='room@muc.example.test/j' to='alice%api.example.test@sip.example.test' id='g1'><body>hi all</body></message>");
    await flush();
    expect(t.delivered).toHaveLength(0);
    expect(t.entity().sent[0]!.getChild('error')!.getChild('service-unavailable')).toBeDefined();
    await t.adapter.stop();
  });
});

describe('client mode', () => {
  it('messages to the account go to the user it stands for, and leave from the account', async () => {
    const t = setup('client');
    await t.adapter.start();
    // RFC 6121 4.2: initial presence first.
    await flush();
    expect(t.entity().sent[0]!.toString()).toBe('<presence/>');
    t.entity().inject("<message from='juliet@example.test/t' to='carol%api.example.test@example.test' id='c1'><body>hi carol</body></message>");
    await flush();
    expect(t.delivered[0]!.to).toEqual({ local: 'carol', domain: 'api.example.test' });
    const p = t.adapter.sendMessage(op({ from: { local: 'carol', domain: 'api.example.test' }, to: { local: 'juliet', domain: 'example.test' } }));
    await flush();
    expect(t.entity().sent.at(-1)!.attrs.from).toBe('carol%api.example.test@example.test/bridge');
    await p;
    await t.adapter.stop();
  });

  it('never relays back what it sent: its own JID, its own stanza ids, its own id in the trace', async () => {
    const t = setup('client');
    await t.adapter.start();
    const p = t.adapter.sendMessage(op({ from: { local: 'carol', domain: 'api.example.test' }, to: { local: 'juliet', domain: 'example.test' }, id: 'own-1' }));
    await p;
    t.entity().inject("<message from='carol%api.example.test@example.test/other' to='carol%api.example.test@example.test' id='z1'><body>carbon</body></message>");
    t.entity().inject("<message from='juliet@example.test/t' to='carol%api.example.test@example.test' id='own-1'><body>reflected</body></message>");
    t.entity().inject("<message from='juliet@example.test/t' to='carol%api.example.test@example.test' id='z3'><body>looped</body><trace xmlns='urn:switchboard:trace:0' hops='60'>gw0.example, gw1.example</trace></message>");
    t.entity().inject("<message from='juliet@example.test/t' to='carol%api.example.test@example.test' id='z4'><body>genuine</body></message>");
    await flush();
    expect(t.delivered.map((d) => d.id)).toEqual(['z4']);
    await t.adapter.stop();
  });
});
