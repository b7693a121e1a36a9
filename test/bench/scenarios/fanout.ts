/**
 * Presence fan-out: N watchers, JSON ones (each its own account, WebSocket stream and subscription)
 * watch one presentity; one PUT /v1/presence; the time from the publish until the last watcher
 * holds the new document, and notifications per second.
 * Baseline: the same watchers process on a bare `ws` server that sends one frame to every
 * socket: the cost of the fan-out itself in Node, without the gateway.
 *
 * 30% of the watchers are SIP dialogs (SIPp, bench-subscribe-uac.xml), 20% XMPP c2s sessions
 * subscribing through Prosody to the gateway's component (xmpp/watchers-child.ts), the rest JSON.
 */
import http from 'node:http';
import { escapeForeign, formatJid, parseAddressKey } from '../../../canonical/address';
import { join } from 'node:path';
import { forkPeer, type Peer } from '../child-ipc';
import { ADMIN_TOKEN, type GatewayChild, startGateway } from '../gateway';
import { type BenchProsody, startBenchProsody } from '../peers/prosody';
import { startBenchRedis } from '../peers/redis';
import { freePort } from '../ports';
import { cpuMicros, stopChild, waitUntil } from '../proc';
import { startSippWatchers } from '../sip/sipp-peers';
import { parseStamp } from '../tally';
import { FIG } from '../report';
import { round } from '../stats';
import { type BenchOptions, figure, type Figure, type ScenarioResult } from '../types';
import { watcherAccount } from '../json/watcher-names';
import { nowMicros } from '../xmpp/raw-stream';
import { BENCH } from './common';

const PRESENTITY = `pres@${BENCH.jsonDomain}`;
const PRESENTITY_TOKEN = 'bench-presentity-token-0123456789';
const FANOUT_WAIT_MS = 30_000;
/** Share of the watchers that are SIP dialogs; the rest are JSON streams. */
const SIP_SHARE = 0.3;
/** Share of the watchers that are XMPP sessions (c2s through Prosody to the gateway's component). */
const XMPP_SHARE = 0.2;

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function request(method: string, url: string, token: string, type: string, body: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = http.request(url, { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': type, 'content-length': data.length }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (text.length < 4096) text += d; });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.once('error', reject);
    req.end(data);
  });
}

const pidf = (marker: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:${PRESENTITY}">\n` +
  `<tuple id="t1"><status><basic>open</basic></status><note>${marker}</note></tuple>\n</presence>\n`;

async function createAccounts(url: string, list: ReadonlyArray<[string, string]>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < list.length) {
      const [address, token] = list[next++] as [string, string];
      const r = await request('POST', `${url}/v1/admin/accounts`, ADMIN_TOKEN, 'application/json', JSON.stringify({ address, token }));
      if (r.status !== 201) throw new Error(`creating account ${address}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    }
  }));
}

interface WaitResult { received: number; firstMicros: number | null; lastMicros: number | null; frames: number }

export async function runFanout(o: BenchOptions, profDir: string): Promise<ScenarioResult> {
  const t0 = Date.now();
  const n = o.watchers;
  const figures: Figure[] = [];
  const nSip = Math.floor(n * SIP_SHARE);
  const nXmpp = Math.floor(n * XMPP_SHARE);
  const nJson = n - nSip - nXmpp;
  let prosody: BenchProsody | undefined;
  let sipW: Awaited<ReturnType<typeof startSippWatchers>> | undefined;
  const watchers = Array.from({ length: n }, (_, i) => watcherAccount(i, BENCH.jsonDomain));
  let error: string | undefined;
  let gw: GatewayChild | undefined;
  let profiles: string[] = [];
  const peers: Peer[] = [];
  let baseMs: number | null = null;
  let baseReceived = 0;
  let baseWatcherCpu: number | null = null;
  let lastBy = '';
  let watcherCpu: number | null = null;
  let g: { received: number; jsonReceived: number; sipReceived: number; sipSubscribed: number; xmppReceived: number; xmppSubscribed: number; lastMs: number | null; firstMs: number | null; answeredMs: number; cpuPer: number | null; accRate: number; subRate: number } | undefined;
  const redis = await startBenchRedis();
  try {
    // Baseline first: bare ws broadcast to the same number of sockets.
    try {
      const port = await freePort();
      const bcast = await forkPeer('ws-broadcast', join(__dirname, '..', 'json', 'broadcast-child.js'), { port });
      peers.push(bcast);
      const bw = await forkPeer('baseline-watchers', join(__dirname, '..', 'json', 'watchers-child.js'), { url: `http://127.0.0.1:${port}`, count: n, domain: BENCH.jsonDomain, concurrency: 200 }, 120_000);
      peers.push(bw);
      const marker = `fan-base-${Date.now()}`;
      await bw.request('arm', marker, 5000);
      const frame = JSON.stringify({ type: 'presence', presentity: PRESENTITY, state: 'active', presence: { contentType: 'application/pidf+xml', pidf: Buffer.from(pidf(marker)).toString('base64') } });
      const wc0 = cpuMicros(bw.child.pid);
      const sentAt = nowMicros();
      await bcast.request('broadcast', frame, 30_000);
      const r = await bw.request<WaitResult>('wait', { timeoutMs: FANOUT_WAIT_MS }, FANOUT_WAIT_MS + 5000);
      baseWatcherCpu = r.received ? round((cpuMicros(bw.child.pid) - wc0) / r.received, 1) : null;
      baseReceived = r.received;
      baseMs = r.lastMicros !== null ? round((r.lastMicros - sentAt) / 1000, 1) : null;
      for (const p of peers.splice(0)) await stopChild(p.child);
    } catch (err) {
      error = `baseline: ${(err as Error).message.split('\n')[0]}`;
    }

    const sipPort = await freePort(true);
    if (nXmpp > 0) {
      prosody = await startBenchProsody({
        host: BENCH.xmppHost, components: { [BENCH.sipDomain]: BENCH.secret },
        users: Object.fromEntries(Array.from({ length: nXmpp }, (_, i) => [`xw${i}`, BENCH.password])),
      });
    }
    gw = await startGateway({
      name: 'gateway(fanout)', jsonPort: await freePort(), ...(o.cpuProf ? { cpuProfDir: profDir } : {}),
      config: {
        gateway: { id: BENCH.gatewayId }, store: { kind: 'redis', url: redis.url },
        domains: { [BENCH.jsonDomain]: 'json', [BENCH.sipDomain]: 'sip', ...(prosody ? { [BENCH.xmppHost]: 'xmpp' } : {}) }, log: { level: o.logLevel },
        json: { accounts: [{ address: PRESENTITY, token: PRESENTITY_TOKEN }] },
        sip: { domain: BENCH.sipDomain, listen: { udp: `127.0.0.1:${sipPort}` } },
        ...(prosody ? { xmpp: { components: [{ service: `xmpp://127.0.0.1:${prosody.componentPort}`, domain: BENCH.sipDomain, secret: BENCH.secret }] } } : {}),
      },
    });
    const tAcc = performance.now();
    await createAccounts(gw.jsonUrl, watchers.slice(0, nJson));
    const accSecs = (performance.now() - tAcc) / 1000;
    const tSub = performance.now();
    const w = await forkPeer('gateway-watchers', join(__dirname, '..', 'json', 'watchers-child.js'), { url: gw.jsonUrl, count: nJson, domain: BENCH.jsonDomain, presentity: PRESENTITY, concurrency: 100 }, 300_000);
    peers.push(w);
    const info = await w.request<{ connected: number; subscribed: number; failures: Record<string, number> }>('info', null, 5000);
    if (info.subscribed < nJson) error = [error, `only ${info.subscribed} of ${nJson} JSON subscriptions accepted: ${JSON.stringify(info.failures)}`].filter(Boolean).join('; ');
    let sipSubscribed = 0;
    if (nSip > 0) {
      sipW = await startSippWatchers({ remote: `127.0.0.1:${sipPort}`, pres: PRESENTITY, domain: BENCH.sipDomain, count: nSip, rate: 500, limitSec: 600 });
      const sw = sipW;
      const inits = (): number => sw.lines().filter((l) => l.startsWith('init ')).length;
      await waitUntil(`${nSip} SIP watchers' first NOTIFY`, () => inits() >= nSip, 120_000, 100).catch((e: Error) => {
        error = [error, `${e.message}: ${inits()} subscribed`].filter(Boolean).join('; ');
      });
      sipSubscribed = inits();
    }
    let xw: Peer | undefined;
    let xmppSubscribed = 0;
    if (prosody && nXmpp > 0) {
      // The JSON presentity as XMPP users address it: the escaped foreign form at the component domain.
      const presentityJid = formatJid(escapeForeign(parseAddressKey(PRESENTITY), BENCH.sipDomain));
      xw = await forkPeer('xmpp-watchers', join(__dirname, '..', 'xmpp', 'watchers-child.js'), { port: prosody.c2sPort, host: BENCH.xmppHost, password: BENCH.password, count: nXmpp, presentityJid, concurrency: 50 }, 300_000);
      peers.push(xw);
      const x = xw;
      const xinfo = async (): Promise<{ connected: number; subscribed: number; failures: string[] }> => x.request('info', null, 5000);
      await waitUntil(`${nXmpp} XMPP watchers' subscriptions answered`, async () => (await xinfo()).subscribed >= nXmpp, 60_000, 200).catch(async (e: Error) => {
        const xi = await xinfo();
        error = [error, `${e.message}: ${xi.connected} connected, ${xi.subscribed} answered ${xi.failures.join(' | ')}`].filter(Boolean).join('; ');
      });
      xmppSubscribed = (await xinfo()).subscribed;
    }
    const subSecs = (performance.now() - tSub) / 1000;
    const marker = `fan-gw-${Date.now()}`;
    await w.request('arm', marker, 5000);
    if (xw) await xw.request('arm', marker, 5000);
    const cpu0 = cpuMicros(gw.child.pid);
    const wc0 = cpuMicros(w.child.pid);
    const sentAt = nowMicros();
    const pub = await request('PUT', `${gw.jsonUrl}/v1/presence`, PRESENTITY_TOKEN, 'application/pidf+xml', pidf(marker));
    const answeredMs = (nowMicros() - sentAt) / 1000;
    if (pub.status !== 200) throw new Error(`publish: HTTP ${pub.status} ${pub.text.slice(0, 300)}`);
    const r = await w.request<WaitResult>('wait', { timeoutMs: FANOUT_WAIT_MS }, FANOUT_WAIT_MS + 5000);
    const xr = xw ? await xw.request<WaitResult>('wait', { timeoutMs: FANOUT_WAIT_MS }, FANOUT_WAIT_MS + 5000) : undefined;
    // SIP watchers: NOTIFY lines holding the marker, with SIPp's receive time.
    const sipTimes: number[] = [];
    if (sipW) {
      const sw = sipW;
      const marked = (): string[] => sw.lines().filter((l) => l.startsWith(marker + ' '));
      await waitUntil('SIP watchers notified', () => marked().length >= sipSubscribed, FANOUT_WAIT_MS, 50).catch(() => undefined);
      for (const l of marked()) { const t = parseStamp(l.slice(marker.length + 1)); if (t !== undefined) sipTimes.push(t); }
    }
    const cpu1 = cpuMicros(gw.child.pid);
    const lastMicros = Math.max(r.lastMicros ?? 0, xr?.lastMicros ?? 0, ...sipTimes);
    const firstMicros = Math.min(r.firstMicros ?? Infinity, xr?.firstMicros ?? Infinity, ...sipTimes);
    watcherCpu = r.received ? round((cpuMicros(w.child.pid) - wc0) / r.received, 1) : null;
    const received = r.received + sipTimes.length + (xr?.received ?? 0);
    const ms = (t: number | null | undefined): string => (t ? `${round((t - sentAt) / 1000, 1)} ms` : '-');
    lastBy = `last JSON ${ms(r.lastMicros)}, SIP ${ms(sipTimes.length ? Math.max(...sipTimes) : null)}, XMPP ${ms(xr?.lastMicros)}`;
    g = {
      received, jsonReceived: r.received, sipReceived: sipTimes.length, sipSubscribed, xmppReceived: xr?.received ?? 0, xmppSubscribed,
      lastMs: lastMicros > 0 ? round((lastMicros - sentAt) / 1000, 1) : null,
      firstMs: Number.isFinite(firstMicros) ? round((firstMicros - sentAt) / 1000, 1) : null,
      answeredMs: round(answeredMs, 1), cpuPer: received ? round((cpu1 - cpu0) / received, 1) : null,
      accRate: round(n / accSecs, 0), subRate: round(n / subSecs, 0),
    };
  } catch (err) {
    error = [error, (err as Error).message.split('\n')[0]].filter(Boolean).join('; ');
  } finally {
    for (const p of peers) await stopChild(p.child);
    if (sipW) await sipW.stop();
    if (gw) profiles = await gw.stop().catch(() => []);
    if (prosody) await prosody.stop();
    await redis.stop();
  }
  const all = g !== undefined && g.received === n;
  figures.push(figure('watchers: JSON over WebSocket', 'count', nJson));
  figures.push(figure('watchers: SIP (SIPp dialogs, UDP)', 'count', nSip, undefined, g ? `${g.sipSubscribed} subscribed, ${g.sipReceived} notified` : undefined));
  figures.push(figure('watchers: XMPP (c2s sessions via Prosody)', 'count', nXmpp, undefined, g ? `${g.xmppSubscribed} subscribed, ${g.xmppReceived} notified` : undefined));
  figures.push(figure('notifications received', 'count', g?.received, baseReceived, g && g.received < n ? `${n - g.received} watchers got nothing within ${FANOUT_WAIT_MS / 1000} s` : undefined));
  figures.push(figure(FIG.fanoutLast, 'ms', all ? g?.lastMs : null, baseMs, `from the publish request to the last watcher (${lastBy}); baseline: bare ws broadcast`));
  figures.push(figure('first notification', 'ms', g?.firstMs));
  figures.push(figure('notifications per second', 'notif/s', g?.lastMs ? round(g.received / (g.lastMs / 1000), 0) : null, baseMs ? round(baseReceived / (baseMs / 1000), 0) : null));
  figures.push(figure('publish answered after', 'ms', g?.answeredMs));
  figures.push(figure('gateway CPU per notification', 'us', g?.cpuPer));
  figures.push(figure('watchers process CPU per notification', 'us', watcherCpu, baseWatcherCpu, 'the receiving side: it must not be the bottleneck'));
  figures.push(figure('account creation rate (admin API)', 'accounts/s', g?.accRate));
  figures.push(figure('connect + subscribe rate', 'watchers/s', g?.subRate));
  return {
    name: 'fanout', title: `one publish to ${n} watchers: ${nJson} JSON (WebSocket), ${nSip} SIP (SUBSCRIBE dialogs), ${nXmpp} XMPP (c2s via Prosody)`,
    ok: error === undefined, ...(error ? { error } : {}), durationMs: Date.now() - t0, figures, ...(profiles.length ? { profiles } : {}),
  };
}
