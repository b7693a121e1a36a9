/**
 * SIP presence through the adapter with real SIPp peers and a recording gateway context:
 * PUBLISH (RFC 3903), the notifier role (SUBSCRIBE from SIP watchers, NOTIFY on change, refresh,
 * 423, end), and the subscriber role (SUBSCRIBE into the SIP island, NOTIFY taken, unsubscribe).
 */
import { createSocket } from 'node:dgram';
import { createSipAdapterWith } from '../../adapters/sip';
import type { Adapter } from '../../canonical/adapter';
import type { PublishOp } from '../../canonical/operations';
import type { GatewayConfig } from '../../gateway/config/types';
import { recordingContext, runSipp, startSipp, type RecordingContext, waitForUdpListener } from '../support/sipp';
import { freeUdpPort } from '../support/ports';

type Local = { udp?: { port: number }; tcp?: { port: number } };
const PIDF = (note: string): Buffer => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@api.example.test"><tuple id="j"><status><basic>open</basic></status><note>${note}</note></tuple></presence>\n`);

function configFor(outboundProxy?: string): GatewayConfig {
  return {
    gateway: { id: 'gw.test', maxForwards: 70, messageTimeoutMs: 5000, dedupeTtlSeconds: 60 },
    store: { kind: 'memory' }, domains: {},
    presence: { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 },
    log: { level: 'silent' },
    sip: { domain: 'sip.example.test', listen: { udp: '127.0.0.1:0' }, ...(outboundProxy ? { outboundProxy } : {}) },
  };
}

describe('SIP presence with real SIPp', () => {
  let ctx: RecordingContext;
  let adapter: Adapter & { local: Local };
  afterEach(async () => { await adapter.stop(); });

  it('PUBLISH: 423, initial with SIP-ETag, refresh, modify, remove, unknown etag 412', async () => {
    ctx = recordingContext();
    const live = new Set<string>();
    let n = 0;
    ctx.publishResult = (op: PublishOp) => {
      if (op.etag !== undefined && !live.has(op.etag)) return { outcome: { status: 'failed', code: 'conditional-request-failed' } };
      if (op.etag) live.delete(op.etag);
      if (op.expires === 0) return { outcome: { status: 'delivered' }, expires: 0 };
      const etag = `etag-${++n}`;
      live.add(etag);
      return { outcome: { status: 'delivered' }, etag, expires: op.expires };
    };
    adapter = createSipAdapterWith(configFor(), ctx) as typeof adapter;
    await adapter.start();
    const r = await runSipp({ scenario: 'publish-uac.xml', remote: `127.0.0.1:${adapter.local.udp!.port}`, localPort: await freeUdpPort(), keys: { pres: 'dave@sip.example.test', note: 'hello from SIPp' } });
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
    const ops = ctx.publishes;
    expect(ops).toHaveLength(5);
    expect(ops[0]).toMatchObject({ presentity: { local: 'dave', domain: 'sip.example.test' }, expires: 120 });
    expect(ops[0]!.etag).toBeUndefined();
    expect(Buffer.from(ops[0]!.document!.bytes).toString()).toContain('<note>hello from SIPp</note>');
    expect(ops[1]).toMatchObject({ etag: 'etag-1', expires: 120 });
    expect(ops[1]!.document).toBeUndefined();
    expect(ops[2]).toMatchObject({ etag: 'etag-2' });
    expect(Buffer.from(ops[2]!.document!.bytes).toString()).toContain('<basic>closed</basic>');
    expect(ops[3]).toMatchObject({ etag: 'etag-3', expires: 0 });
    expect(ops[4]).toMatchObject({ etag: 'no-such-etag-0' });
  });

  it('notifier: 423, 200 with immediate NOTIFY, NOTIFY on change, refresh, Expires 0 with terminating NOTIFY', async () => {
    ctx = recordingContext();
    ctx.subscribeResult = (op) => ({ outcome: { status: 'delivered' }, subscriptionId: 'sub-42', state: 'active', expires: op.duration, presence: { type: 'application/pidf+xml', bytes: PIDF('first') } });
    adapter = createSipAdapterWith(configFor(), ctx) as typeof adapter;
    await adapter.start();
    const sipp = startSipp({ scenario: 'subscribe-uac.xml', remote: `127.0.0.1:${adapter.local.udp!.port}`, localPort: await freeUdpPort(), keys: { pres: 'alice@api.example.test', watcher: 'bob@sip.example.test', expires: '120' } });
    await ctx.waitFor(ctx.subscribes, (s) => s.duration === 120).catch(async (e) => { const r = await sipp.done; throw new Error(e.message + r.messages + r.errors + r.stdout.slice(-1500)); });
    await new Promise((r) => setTimeout(r, 200));
    const changed = PIDF('changed by the gateway');
    const outcome = await adapter.sendNotify({ kind: 'notify', transactionId: 't', subscriptionId: 'sub-42', watcher: { local: 'bob', domain: 'sip.example.test' }, presentity: { local: 'alice', domain: 'api.example.test' }, presence: { type: 'application/pidf+xml', bytes: changed }, state: 'active', maxForwards: 70, trace: [] });
    expect(outcome).toEqual({ status: 'delivered' });
    const r = await sipp.done;
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
    expect(ctx.subscribes.map((s) => s.duration)).toEqual([120, 120, 0]);
    expect(ctx.subscribes[0]).toMatchObject({ watcher: { local: 'bob', domain: 'sip.example.test' }, presentity: { local: 'alice', domain: 'api.example.test' } });
    expect(ctx.subscribes[1]!.subscriptionId).toBe('sub-42');
    // The NOTIFY carried the document's exact bytes.
    expect(r.messages).toContain('<note>changed by the gateway</note>');
    expect(r.messages).toMatch(/Subscription-State: terminated\r?\n/);
    // After the end, the dialog is gone: a NOTIFY for it is refused.
    const after = await adapter.sendNotify({ kind: 'notify', transactionId: 't', subscriptionId: 'sub-42', watcher: { local: 'bob', domain: 'sip.example.test' }, presentity: { local: 'alice', domain: 'api.example.test' }, state: 'active', maxForwards: 70, trace: [] });
    expect(after).toMatchObject({ status: 'failed', code: 'subscription-gone' });
  });

  it('dialog state is shared: another instance sends the NOTIFY for a subscription this one accepted', async () => {
    ctx = recordingContext();
    ctx.subscribeResult = (op) => ({ outcome: { status: 'delivered' }, subscriptionId: 'shared-1', state: 'active', expires: op.duration, presence: { type: 'application/pidf+xml', bytes: PIDF('first') } });
    const other = { ...recordingContext(), state: ctx.state };
    adapter = createSipAdapterWith(configFor(), ctx) as typeof adapter;
    const second = createSipAdapterWith(configFor(), other) as typeof adapter;
    await adapter.start();
    await second.start();
    // A watcher that answers every NOTIFY to wherever it came from (SIPp sends everything to one peer).
    const watcher = createSocket('udp4');
    const got: { from: number; text: string }[] = [];
    watcher.on('message', (m, rinfo) => {
      const text = m.toString('latin1');
      got.push({ from: rinfo.port, text });
      if (!text.startsWith('NOTIFY ')) return;
      const h = (n: string): string => new RegExp(`^${n}: [^\\r]*`, 'm').exec(text)?.[0] ?? '';
      watcher.send(Buffer.from(`SIP/2.0 200 OK\r\n${h('Via')}\r\n${h('From')}\r\n${h('To')}\r\n${h('Call-ID')}\r\n${h('CSeq')}\r\nContent-Length: 0\r\n\r\n`), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => watcher.bind(0, '127.0.0.1', () => r()));
    const wport = watcher.address().port;
    try {
      watcher.send(Buffer.from(`SUBSCRIBE sip:alice@api.example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${wport};branch=z9hG4bKshared1\r\nMax-Forwards: 70\r\nFrom: <sip:bob@sip.example.test>;tag=w1\r\nTo: <sip:alice@api.example.test>\r\nCall-ID: shared-dialog\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:bob@127.0.0.1:${wport}>\r\nEvent: presence\r\nExpires: 120\r\nContent-Length: 0\r\n\r\n`), adapter.local.udp!.port, '127.0.0.1');
      await ctx.waitFor(got, (g) => g.text.startsWith('NOTIFY ') && g.from === adapter.local.udp!.port);
      const n = await second.sendNotify({ kind: 'notify', transactionId: 't', subscriptionId: 'shared-1', watcher: { local: 'bob', domain: 'sip.example.test' }, presentity: { local: 'alice', domain: 'api.example.test' }, presence: { type: 'application/pidf+xml', bytes: PIDF('changed by the gateway') }, state: 'active', maxForwards: 70, trace: [] });
      expect(n).toEqual({ status: 'delivered' });
      const fromSecond = got.find((g) => g.from === second.local.udp!.port)!;
      expect(fromSecond.text).toMatch(/^NOTIFY sip:bob@127\.0\.0\.1:\d+ SIP\/2\.0\r\n/);
      expect(fromSecond.text).toMatch(/\r\nCSeq: 2 NOTIFY\r\n/);
      expect(fromSecond.text).toMatch(/\r\nCall-ID: shared-dialog\r\n/);
      expect(fromSecond.text).toContain('<note>changed by the gateway</note>');
    } finally { watcher.close(); await second.stop(); }
  });

  it('subscriber: SUBSCRIBE into the SIP island, NOTIFY passed to the gateway, unsubscribe', async () => {
    ctx = recordingContext();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx) as typeof adapter;
    await adapter.start();
    const uas = startSipp({ scenario: 'subscribe-uas.xml', localPort: uasPort, keys: { pres: 'dave@sip.example.test' } });
    await waitForUdpListener(uasPort);
    const res = await adapter.sendSubscribe!({ kind: 'subscribe', transactionId: 't', watcher: { local: 'erin', domain: 'api.example.test' }, presentity: { local: 'dave', domain: 'sip.example.test' }, duration: 600, subscriptionId: 'w-1', maxForwards: 70, trace: [], source: { protocol: 'json' } });
    expect(res).toMatchObject({ outcome: { status: 'delivered' }, subscriptionId: 'w-1', state: 'active', expires: 120 });
    const n = await ctx.waitFor(ctx.notifies, () => true).catch(async (e) => { const r = await uas.done; throw new Error(e.message + r.messages + r.errors); });
    expect(n).toMatchObject({ subscriptionId: 'w-1', state: 'active', expires: 120, watcher: { local: 'erin' }, presentity: { local: 'dave' } });
    expect(Buffer.from(n.presence!.bytes).toString()).toContain('<note>on the SIP side</note>');
    const end = await adapter.sendSubscribe!({ kind: 'subscribe', transactionId: 't2', watcher: { local: 'erin', domain: 'api.example.test' }, presentity: { local: 'dave', domain: 'sip.example.test' }, duration: 0, subscriptionId: 'w-1', maxForwards: 70, trace: [], source: { protocol: 'json' } });
    expect(end).toMatchObject({ outcome: { status: 'delivered' }, state: 'terminated' });
    const r = await uas.done;
    expect(r.errors).toBe('');
    expect(r.code).toBe(0);
    expect(ctx.notifies).toHaveLength(1);
  });

  it('subscriber: refreshes before expiry; 481 is transient (new dialog), 403 ends it for good (RFC 7248 4.2.2)', async () => {
    ctx = recordingContext();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx, { clientTimeoutMs: 6000 }) as typeof adapter;
    await adapter.start();
    const first = startSipp({ scenario: 'subscribe-refresh-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const res = await adapter.sendSubscribe!({ kind: 'subscribe', transactionId: 't', watcher: { local: 'erin', domain: 'api.example.test' }, presentity: { local: 'dave', domain: 'sip.example.test' }, duration: 600, subscriptionId: 'w-2', maxForwards: 70, trace: [], source: { protocol: 'json' } });
    expect(res).toMatchObject({ outcome: { status: 'delivered' }, state: 'active', expires: 2 });
    const r1 = await first.done;
    expect(r1.errors).toBe('');
    expect(r1.code).toBe(0);
    // The new out-of-dialog SUBSCRIBE is retransmitted (Timer E) until the next peer answers 403.
    const second = await runSipp({ scenario: 'subscribe-reject-uas.xml', localPort: uasPort });
    expect(second.code).toBe(0);
    expect(second.messages).toMatch(/SUBSCRIBE sip:dave@sip\.example\.test SIP\/2\.0[\s\S]*?\nTo: <sip:dave@sip\.example\.test>\r?\n/);
    const ended = await ctx.waitFor(ctx.notifies, (n) => n.subscriptionId === 'w-2' && n.state === 'terminated', 8000);
    expect(ended.reason).toBe('rejected');
  }, 30_000);

  it('subscriber: a 403 to the first SUBSCRIBE fails the subscription', async () => {
    ctx = recordingContext();
    const uasPort = await freeUdpPort();
    adapter = createSipAdapterWith(configFor(`sip:127.0.0.1:${uasPort}`), ctx) as typeof adapter;
    await adapter.start();
    const uas = startSipp({ scenario: 'subscribe-reject-uas.xml', localPort: uasPort });
    await waitForUdpListener(uasPort);
    const res = await adapter.sendSubscribe!({ kind: 'subscribe', transactionId: 't', watcher: { local: 'erin', domain: 'api.example.test' }, presentity: { local: 'dave', domain: 'sip.example.test' }, duration: 600, maxForwards: 70, trace: [], source: { protocol: 'json' } });
    expect(res).toMatchObject({ outcome: { status: 'failed', code: 'forbidden', remote: { sip: 403 } }, state: 'terminated' });
    expect((await uas.done).code).toBe(0);
  });
});
