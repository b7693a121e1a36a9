/**
 * XMPP watchers as one process: many c2s sessions (xw<i>@host), each sending a presence
 * subscription (RFC 6121 3.1.1) to the presentity's JID at the gateway's component domain.
 * After "arm" with a marker, it records when each session first receives data holding the marker
 * (the published note arrives as <status/>, RFC 7248).
 */
import type { Socket } from 'node:net';
import { servePeer } from '../child-ipc';
import { c2sLogin, nowMicros } from './raw-stream';

interface Config { port: number; host: string; password: string; count: number; presentityJid: string; concurrency: number }

servePeer<Config>(async (c) => {
  const socks: Socket[] = [];
  const arrivals = new Float64Array(c.count);
  let marker = '';
  let received = 0;
  let subscribedAnswers = 0;
  const seenSubscribed = new Uint8Array(c.count);
  let next = 0;
  const failures: string[] = [];
  await Promise.all(Array.from({ length: Math.min(c.concurrency, c.count) }, async () => {
    while (next < c.count) {
      const i = next++;
      try {
        const s = await c2sLogin(c.port, c.host, `xw${i}`, c.password, 'w');
        socks[i] = s;
        s.on('data', (d: Buffer) => {
          // Granted: presence from the presentity arrives (after Prosody's roster push of the pending subscription).
          if (!seenSubscribed[i] && d.includes('<presence') && d.includes(c.presentityJid) && !d.includes("type='subscribe'")) { seenSubscribed[i] = 1; subscribedAnswers++; }
          if (marker && arrivals[i] === 0 && d.includes(marker)) { arrivals[i] = nowMicros(); received++; }
        });
        s.write(`<presence type='subscribe' to='${c.presentityJid}'/>`);
      } catch (err) {
        if (failures.length < 5) failures.push((err as Error).message);
      }
    }
  }));
  return {
    info: () => ({ connected: socks.filter(Boolean).length, subscribed: subscribedAnswers, failures }),
    arm: (m: string) => { marker = m; received = 0; arrivals.fill(0); return true; },
    wait: async (a: { timeoutMs: number }) => {
      const want = socks.filter(Boolean).length;
      const end = Date.now() + a.timeoutMs;
      while (received < want && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      let first = Infinity;
      let last = 0;
      for (const t of arrivals) { if (t > 0) { first = Math.min(first, t); last = Math.max(last, t); } }
      return { received, firstMicros: Number.isFinite(first) ? first : null, lastMicros: last || null, frames: 0 };
    },
  };
});
