/**
 * JSON watchers as one process: many accounts, each with a WebSocket stream (/v1/stream) and a
 * presence subscription (POST /v1/subscriptions). After "arm" with a marker, it records when each
 * watcher's first "presence" frame whose PIDF holds the marker arrives. Also used against the
 * raw broadcast server (the fan-out baseline), where any frame holding the marker counts.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { servePeer } from '../child-ipc';
import { nowMicros } from '../xmpp/raw-stream';
import { watcherAccount } from './watcher-names';

interface Config {
  url: string;
  /** Watchers w0..w<count-1> at domain (see watcher-names.ts). */
  count: number;
  domain: string;
  presentity?: string;
  /** Connections opened at once. */
  concurrency: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': data.length }, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('subscription request timed out')));
    req.once('error', reject);
    req.end(data);
  });
}

async function inBatches<T>(items: readonly T[], n: number, f: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) { const i = next++; await f(items[i] as T, i); }
  }));
}

servePeer<Config>(async (c) => {
  const watchers = Array.from({ length: c.count }, (_, i) => watcherAccount(i, c.domain));
  let marker = '';
  const arrivals = new Float64Array(watchers.length);
  let received = 0;
  let frames = 0;
  const socks: WebSocket[] = [];
  await inBatches(watchers, c.concurrency, ([, token], i) => new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`${c.url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once('open', () => { socks[i] = ws; resolve(); });
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`stream ${i} refused: HTTP ${res.statusCode}`)));
    ws.on('message', (data: WebSocket.RawData) => {
      frames++;
      if (!marker || arrivals[i] !== 0) return;
      const text = data.toString();
      let hit = text.includes(marker);
      if (!hit) {
        // Gateway frames carry the PIDF as base64.
        const m = /"pidf":"([A-Za-z0-9+/=]+)"/.exec(text);
        hit = m !== null && Buffer.from(m[1] as string, 'base64').includes(marker);
      }
      if (hit) { arrivals[i] = nowMicros(); received++; }
    });
  }));
  let subscribed = 0;
  const failures: Record<string, number> = {};
  if (c.presentity) {
    await inBatches(watchers, c.concurrency, async ([, token]) => {
      const status = await post(`${c.url}/v1/subscriptions`, token, { presentity: c.presentity }).catch((e: Error) => e.message);
      if (status === 201 || status === 200) subscribed++;
      else failures[String(status)] = (failures[String(status)] ?? 0) + 1;
    });
  }
  return {
    info: () => ({ connected: socks.filter(Boolean).length, subscribed, failures }),
    arm: (m: string) => { marker = m; received = 0; arrivals.fill(0); return true; },
    wait: async (a: { timeoutMs: number }) => {
      const end = Date.now() + a.timeoutMs;
      while (received < watchers.length && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      let first = Infinity;
      let last = 0;
      for (const t of arrivals) { if (t > 0) { first = Math.min(first, t); last = Math.max(last, t); } }
      return { received, firstMicros: Number.isFinite(first) ? first : null, lastMicros: last || null, frames };
    },
  };
});
