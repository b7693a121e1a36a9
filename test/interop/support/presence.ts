/**
 * Presence roles for the matrix, one per protocol: watchers (subscribe, what they were notified
 * of, unsubscribe, fetch) and publishers. JSON: alice watches, carol publishes (her own stream).
 * XMPP: juliet watches, romeo publishes (own slixmpp client). SIP: SIPp plays dave as watcher
 * (watch-uac.xml), fetcher (fetch-uac.xml) and publisher (publish-uac.xml).
 */
import { api, openStream, type Stream } from '../../integration/json-client';
import { runSipp, startSipp, type PeerResult } from '../../support/sipp';
import { freeUdpPort } from '../../support/ports';
import { ADMIN } from './gateway';
import type { Proto } from './sides';
import { COMPONENT, USERS, type World } from './world';
import { startXmppPeer, type XmppPeer } from '../../support/xmpp-peer';

export interface Seen { readonly basic?: string; readonly note?: string }

export interface Watcher {
  readonly proto: Proto;
  readonly user: string;
  /** Subscribes to `p`; a SIP watcher unsubscribes by itself once a notification holds "sbfinal-" (watch-uac.xml). */
  subscribe(p: string, finalNote: string): Promise<void>;
  /** The notifications for `p` seen since subscribe, once one holds `finalNote`. */
  seen(p: string, finalNote: string): Promise<Seen[]>;
  unsubscribe(p: string): Promise<void>;
  /** How many notifications for `p` holding `note` arrive within ms (after unsubscribe: none). */
  countAfter(p: string, note: string, ms: number): Promise<number>;
  /** Fetch the presence of `p` (RFC 2779 3.2.1). */
  fetch(p: string): Promise<Seen>;
}

export interface Publisher {
  readonly proto: Proto;
  readonly user: string;
  start(): Promise<void>;
  /** Publishes open with note1, then closed with note2 (SIP: one PUBLISH dialog does both). */
  publishBoth(note1: string, note2: string, between: () => Promise<void>): Promise<void>;
  publish(basic: 'open' | 'closed', note: string, expires?: number): Promise<void>;
  /** The presentity goes out of contact (its connection closes; SIP: its publication expires). */
  leave(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const bare = (jid: string): string => jid.split('/')[0]!;
export const jidOf = (a: string): string => {
  const [local, domain] = a.split('@') as [string, string];
  return domain === 'example.test' ? a : `${local}%${domain}@${COMPONENT}`;
};

/** basic and note of each PIDF body in a SIPp log's NOTIFY requests, in order. */
export function notifiesIn(log: string): Seen[] {
  const out: Seen[] = [];
  for (const block of log.split(/^-{20,} .*\r?\n/m)) {
    if (!/message received/.test(block) || !/\n\s*NOTIFY sip:/.test(block)) continue;
    // The summary the JSON view uses too: open when any tuple is open (RFC 3863 4.1.4 status per tuple).
    const basics = [...block.matchAll(/<basic>(open|closed)<\/basic>/g)].map((x) => x[1]);
    const basic = basics.includes('open') ? 'open' : basics[0];
    const note = /<note[^>]*>([^<]*)<\/note>/.exec(block)?.[1];
    out.push({ ...(basic ? { basic } : {}), ...(note !== undefined ? { note: Buffer.from(note, 'latin1').toString('utf8') } : {}) });
  }
  return out;
}

/** Waits until the gateway lists `watcher` as a watcher of `p` (admin API), bounded. */
export async function waitWatching(w: World, p: string, watcher: string, present = true, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 400; i++) {
    const r = await api(w.g.url, ADMIN, 'GET', `/v1/admin/presentities/${encodeURIComponent(p)}/watchers`);
    const listed = JSON.stringify(r.json?.watchers ?? []).includes(`"${watcher}"`);
    if (listed === present) return;
    if (Date.now() > deadline) throw new Error(`${watcher} ${present ? 'never became' : 'is still'} a watcher of ${p}: ${r.text}`);
    await sleep(100);
  }
}

export function watchers(w: World): Record<Proto, Watcher> {
  const subs = new Map<string, string>();
  const mark = new Map<string, number>();
  const json: Watcher = {
    proto: 'json', user: USERS.json.user,
    async subscribe(p) {
      mark.set(p, w.aliceStream.frames.length);
      const r = await api(w.g.url, w.tokens.alice, 'POST', '/v1/subscriptions', { presentity: p, expires: 600 });
      if (r.status !== 201) throw new Error(`subscribe ${p}: ${r.status} ${r.text}`);
      subs.set(p, r.json.id);
    },
    async seen(p, finalNote) {
      await w.aliceStream.next((f) => f.type === 'presence' && f.presentity === p && f.presence?.view?.note === finalNote, 10_000);
      return w.aliceStream.frames.slice(mark.get(p) ?? 0).filter((f) => f.type === 'presence' && f.presentity === p && f.presence?.view)
        .map((f) => ({ basic: f.presence.view.basic, note: f.presence.view.note }));
    },
    async unsubscribe(p) {
      const r = await api(w.g.url, w.tokens.alice, 'DELETE', `/v1/subscriptions/${subs.get(p)}`);
      if (r.status !== 200) throw new Error(`unsubscribe ${p}: ${r.status} ${r.text}`);
      await waitWatching(w, p, USERS.json.user, false);
    },
    async countAfter(p, note, ms) {
      return (await w.aliceStream.collect((f) => f.type === 'presence' && f.presentity === p && f.presence?.view?.note === note, ms)).length;
    },
    async fetch(p) {
      const r = await api(w.g.url, w.tokens.alice, 'GET', `/v1/presence/${encodeURIComponent(p)}`);
      if (r.status !== 200) throw new Error(`fetch ${p}: ${r.status} ${r.text}`);
      const v = r.json.presence?.view;
      return { ...(v?.basic ? { basic: v.basic } : {}), ...(v?.note !== undefined ? { note: v.note } : {}) };
    },
  };
  const xmppSeen = (e: any): Seen => ({ basic: e.type === 'unavailable' ? 'closed' : 'open', ...(e.status !== null ? { note: e.status } : {}) });
  const isPresence = (p: string) => (e: any): boolean => e.event === 'presence' && bare(e.from) === jidOf(p) && (e.type === null || e.type === 'unavailable');
  const xmpp: Watcher = {
    proto: 'xmpp', user: USERS.xmpp.user,
    async subscribe(p) {
      mark.set(`x:${p}`, w.juliet.events.length);
      w.juliet.send({ cmd: 'subscribe', to: jidOf(p) });
      await w.juliet.next((e) => e.event === 'presence' && e.type === 'subscribed' && bare(e.from) === jidOf(p), 10_000);
    },
    async seen(p, finalNote) {
      await w.juliet.next((e) => isPresence(p)(e) && e.status === finalNote, 10_000);
      return w.juliet.events.slice(mark.get(`x:${p}`) ?? 0).filter(isPresence(p)).map(xmppSeen);
    },
    async unsubscribe(p) {
      w.juliet.send({ cmd: 'unsubscribe', to: jidOf(p) });
      await waitWatching(w, p, USERS.xmpp.user, false);
    },
    async countAfter(p, note, ms) {
      return (await w.juliet.collect((e) => isPresence(p)(e) && e.status === note, ms)).length;
    },
    async fetch(p) {
      // An XMPP client has no fetch of its own: its server sends probes only for contacts it is
      // subscribed to (RFC 6121 4.3.1), so a client fetches by subscribing (RFC 2779 3.2.2: "even
      // when the PRESENTITY is OUT OF CONTACT"), reading the presence that follows "subscribed"
      // (RFC 6121 3.1.5: the contact's current presence), and unsubscribing.
      const since = w.juliet.events.length;
      w.juliet.send({ cmd: 'subscribe', to: jidOf(p) });
      await w.juliet.next((e) => e.event === 'presence' && e.type === 'subscribed' && bare(e.from) === jidOf(p), 8000);
      await w.juliet.next((e) => isPresence(p)(e) && w.juliet.events.indexOf(e) >= since, 8000);
      await sleep(300);
      const got = w.juliet.events.slice(since).filter(isPresence(p)).map(xmppSeen);
      w.juliet.send({ cmd: 'unsubscribe', to: jidOf(p) });
      await waitWatching(w, p, USERS.xmpp.user, false);
      return got.some((g) => g.basic === 'open') ? { basic: 'open' } : got.at(-1)!;
    },
  };
  const sipRuns = new Map<string, Promise<PeerResult>>();
  const sip: Watcher = {
    proto: 'sip', user: USERS.sip.user,
    async subscribe(p, finalNote) {
      const run = startSipp({ scenario: '../interop/watch-uac.xml', remote: `127.0.0.1:${w.sipPort}`, localPort: await freeUdpPort(), keys: { pres: p, watcher: USERS.sip.user, expires: '600' }, timeoutSec: 25 });
      sipRuns.set(p, run.done);
      try {
        await waitWatching(w, p, USERS.sip.user);
      } catch (e) {
        if (run.pid) try { process.kill(run.pid, 'SIGKILL'); } catch { /* gone */ }
        const r = await run.done;
        throw new Error(`${(e as Error).message}\nSIPp: ${r.code} ${r.errors}\n${r.messages.slice(0, 3000)}`);
      }
    },
    async seen(p) {
      const r = await sipRuns.get(p)!;
      if (r.code !== 0) throw new Error(`SIPp watcher of ${p} failed (${r.code}): ${r.errors}\n${r.messages.slice(-3000)}`);
      // The scenario ends after the terminating NOTIFY (its unsubscribe, RFC 6665 4.1.2.3).
      return notifiesIn(r.messages).filter((n) => n.basic !== undefined);
    },
    async unsubscribe(p) { await waitWatching(w, p, USERS.sip.user, false); },
    async countAfter() { return 0; },
    async fetch(p) {
      const r = await runSipp({ scenario: '../interop/fetch-uac.xml', remote: `127.0.0.1:${w.sipPort}`, localPort: await freeUdpPort(), keys: { pres: p, watcher: USERS.sip.user }, timeoutSec: 10 });
      if (r.code !== 0) throw new Error(`SIPp fetch of ${p} failed (${r.code}): ${r.errors}\n${r.messages.slice(-2000)}`);
      const n = notifiesIn(r.messages)[0];
      return { ...(n?.basic ? { basic: n.basic } : {}), ...(n?.note !== undefined ? { note: n.note } : {}) };
    },
  };
  return { json, xmpp, sip };
}

export function publishers(w: World): Record<Proto, Publisher> {
  let carol: { token: string; stream?: Stream } | undefined;
  const json: Publisher = {
    proto: 'json', user: 'carol@api.example.test',
    async start() {
      if (!carol) {
        const r = await api(w.g.url, ADMIN, 'POST', '/v1/admin/accounts', { address: 'carol@api.example.test' });
        carol = { token: r.json.token };
      }
      carol.stream ??= await openStream(w.g.url, carol.token);
    },
    async publishBoth(note1, note2, between) {
      await json.publish('open', note1);
      await between();
      await json.publish('closed', note2);
    },
    async publish(basic, note) {
      const r = await api(w.g.url, carol!.token, 'PUT', '/v1/presence', { basic, note });
      if (r.status !== 200) throw new Error(`PUT /v1/presence: ${r.status} ${r.text}`);
    },
    async leave() { await carol?.stream?.close(); if (carol) delete carol.stream; },
    async stop() { await json.leave(); },
  };
  let romeo: XmppPeer | undefined;
  const xmpp: Publisher = {
    proto: 'xmpp', user: 'romeo@example.test',
    async start() { romeo ??= await startXmppPeer(w.prosody.c2sPort, 'romeo@example.test/matrix', 'pw', 600); },
    async publishBoth(note1, note2, between) {
      await xmpp.publish('open', note1);
      await between();
      await xmpp.publish('closed', note2);
    },
    async publish(basic, note) {
      romeo!.send(basic === 'open' ? { cmd: 'presence', status: note } : { cmd: 'presence', type: 'unavailable', status: note });
    },
    async leave() { await romeo?.close(); romeo = undefined; },
    async stop() { await xmpp.leave(); },
  };
  const sip: Publisher = {
    proto: 'sip', user: USERS.sip.user,
    async start() {},
    async publishBoth(note1, note2) {
      const r = await runSipp({ scenario: '../interop/publish-uac.xml', remote: `127.0.0.1:${w.sipPort}`, localPort: await freeUdpPort(), keys: { pres: USERS.sip.user, note1, note2, expires: '60' }, timeoutSec: 15 });
      if (r.code !== 0) throw new Error(`SIPp PUBLISH failed (${r.code}): ${r.errors}\n${r.messages.slice(-2000)}`);
    },
    async publish(basic, note, expires = 60) {
      if (basic !== 'open') throw new Error('the SIP publisher publishes open (publish-once-uac.xml)');
      const r = await runSipp({ scenario: 'publish-once-uac.xml', remote: `127.0.0.1:${w.sipPort}`, localPort: await freeUdpPort(), keys: { pres: USERS.sip.user, note, expires: String(expires) }, timeoutSec: 10 });
      if (r.code !== 0) throw new Error(`SIPp PUBLISH failed (${r.code}): ${r.errors}`);
    },
    async leave() { /* its publication expires (publish with a short expires first) */ },
    async stop() {},
  };
  return { json, xmpp, sip };
}
