/**
 * DialogStore.updateNotifier: a NOTIFY's CSeq bump rewrites the dialog record only (one write,
 * not two); the index by Call-ID and tag still finds the updated record. The state here is an
 * in-test map recording the writes (the Redis-backed state is covered by the integration tests).
 */
import type { AdapterState } from '../../../../canonical/adapter';
import { DialogStore, type NotifierDialog } from '../../../../adapters/sip/dialog-store';

class MapState implements AdapterState {
  readonly m = new Map<string, { value: string; ttl?: number }>();
  readonly writes: string[] = [];
  async get(k: string) { return this.m.get(k)?.value; }
  async set(k: string, value: string, ttl?: number) { this.writes.push(k); this.m.set(k, { value, ...(ttl !== undefined ? { ttl } : {}) }); }
  async setIfAbsent(k: string, v: string, ttl: number) { if (this.m.has(k)) return false; await this.set(k, v, ttl); return true; }
  async del(k: string) { this.m.delete(k); }
  async keys(prefix: string) { return [...this.m.keys()].filter((k) => k.startsWith(prefix)); }
}

const dialog = (): NotifierDialog => ({
  id: 'sub-1', callId: 'c1@host', localTag: 'lt', remoteTag: 'rt', localUri: 'sip:bob@gw.test', remoteUri: 'sip:alice@sip.test',
  remoteTarget: 'sip:alice@127.0.0.1:5070', routeSet: [], cseq: 1, peer: { transport: 'UDP', address: '127.0.0.1', port: 5070 },
  watcher: { local: 'alice', domain: 'sip.test' }, presentity: { local: 'bob', domain: 'gw.test' }, expiresAt: Date.now() + 3600_000,
});

describe('DialogStore notifier records', () => {
  test('putNotifier writes the record and its index', async () => {
    const state = new MapState();
    await new DialogStore(state).putNotifier(dialog());
    expect(state.writes).toEqual(['sip:v1:ntf:sub-1', 'sip:v1:ntfkey:c1@host:lt']);
  });

  test('updateNotifier rewrites the record only; both lookups see the new CSeq', async () => {
    const state = new MapState();
    const store = new DialogStore(state);
    const d = dialog();
    await store.putNotifier(d);
    state.writes.length = 0;
    d.cseq = 7;
    await store.updateNotifier(d);
    expect(state.writes).toEqual(['sip:v1:ntf:sub-1']);
    expect((await store.getNotifier('sub-1'))?.cseq).toBe(7);
    expect((await store.notifierByDialog('c1@host', 'lt'))?.cseq).toBe(7);
    const ttl = state.m.get('sip:v1:ntf:sub-1')?.ttl ?? 0;
    expect(ttl).toBeGreaterThanOrEqual(3600 + 31);
    expect(ttl).toBeLessThanOrEqual(3600 + 33);
  });
});
