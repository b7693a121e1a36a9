/**
 * A JSON-protocol sender as its own process: WebSocket streams (/v1/stream) to the gateway, each
 * message a "message" frame answered by an "outcome" frame. The gateway bounds unanswered
 * requests per stream (32) and streams per user (16), and an outcome toward XMPP comes only after
 * the adapter's stanza-error window (400 ms), so the sender spreads frames over many streams of
 * several sender accounts (8 x 12 = 96 streams, 3,072 in flight) and queues locally when all are
 * full: the offered rate stays honest and nothing is refused for pacing.
 */
import WebSocket from 'ws';
import { servePeer } from '../child-ipc';
import { pace } from '../pacer';
import { benchBody, nowMicros } from '../xmpp/raw-stream';

interface Config { url: string; tokens: string[]; to: string; streamsPerToken: number }
interface SendArg { step: number; rate: number; count: number; limitMs: number }

/** The gateway's per-stream bound on unanswered requests (adapters/json/adapter.ts). */
const PER_STREAM = 32;
const OUTCOME_WAIT_MS = 15_000;

servePeer<Config>(async (c) => {
  const tokens = c.tokens.flatMap((t) => Array.from({ length: c.streamsPerToken }, () => t));
  const socks = await Promise.all(tokens.map((token) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${c.url.replace(/^http/, 'ws')}/v1/stream`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused: HTTP ${res.statusCode}`)));
  })));
  const inflight = new Array<number>(socks.length).fill(0);
  const queue: string[] = [];
  const outcomes: Record<string, number> = {};
  let answered = 0;
  const pump = (): void => {
    for (let i = 0; i < socks.length && queue.length > 0; i++) {
      while ((inflight[i] ?? 0) < PER_STREAM && queue.length > 0) {
        (socks[i] as WebSocket).send(queue.shift() as string);
        inflight[i] = (inflight[i] ?? 0) + 1;
      }
    }
  };
  socks.forEach((ws, i) => {
    ws.on('message', (data: WebSocket.RawData) => {
      const f = JSON.parse(data.toString()) as { type: string; outcome?: { status?: string; code?: string }; error?: { code?: string } };
      if (f.type === 'outcome' || f.type === 'error') {
        inflight[i] = Math.max(0, (inflight[i] ?? 0) - 1);
        answered++;
        const k = f.type === 'error' ? `error:${f.error?.code ?? '?'}` : `${f.outcome?.status ?? '?'}${f.outcome?.code ? ':' + f.outcome.code : ''}`;
        outcomes[k] = (outcomes[k] ?? 0) + 1;
        pump();
      }
    });
    ws.on('close', () => process.exit(3));
  });
  return {
    send: async (a: SendArg) => {
      answered = 0;
      for (const k of Object.keys(outcomes)) delete outcomes[k];
      const r = await pace(a.rate, a.count, a.limitMs, (seq) => {
        queue.push(JSON.stringify({ type: 'message', requestId: `r${a.step}-${seq}`, to: c.to, text: benchBody(a.step, seq, nowMicros()) }));
        pump();
      });
      const end = Date.now() + OUTCOME_WAIT_MS;
      while (answered < r.sent && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
      return { ...r, outcomes: { ...outcomes }, unanswered: r.sent - answered };
    },
  };
});
