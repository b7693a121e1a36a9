/**
 * Helpers for the JSON integration tests: a real gateway (createGateway) on a free port, a real
 * HTTP client (Node's fetch) and a real WebSocket client (ws) with a bounded frame queue.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { loadConfig } from '../../gateway/config';
import { createLogger } from '../../gateway/logging';
import { createGateway, type Gateway } from '../../gateway/service';
import type { GatewayConfig } from '../../gateway/config/types';

export const ADMIN = 'admin-token-for-tests';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Running { gw: Gateway; url: string; port: number; config: GatewayConfig; stop(): Promise<void> }

/** Starts a real gateway from YAML text (env ignored), on a free port unless one is given. */
export async function startGateway(yaml: string, port?: number): Promise<Running> {
  const p = port ?? await freePort();
  const config = loadConfig({
    text: yaml,
    env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${p}`, SWITCHBOARD_JSON__ADMINTOKEN: ADMIN },
  });
  const gw = await createGateway({ config, log: createLogger({ level: process.env.SB_TEST_LOG ?? 'silent', pretty: false }) });
  await gw.start();
  let stopped = false;
  return { gw, url: `http://127.0.0.1:${p}`, port: p, config, stop: async () => { if (!stopped) { stopped = true; await gw.stop(); } } };
}

export interface Reply { status: number; json: any; text: string; headers: Headers; bytes: Buffer }

export async function api(url: string, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const isRaw = body instanceof Uint8Array || typeof body === 'string';
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !isRaw ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: isRaw ? (body as any) : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(15_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers, bytes };
}

/** Creates an account through the admin API; returns its token. */
export async function addAccount(url: string, address: string): Promise<string> {
  const r = await api(url, ADMIN, 'POST', '/v1/admin/accounts', { address });
  if (r.status !== 201) throw new Error(`account ${address}: ${r.status} ${r.text}`);
  return r.json.token as string;
}

export interface Stream {
  ws: WebSocket;
  frames: any[];
  /** The next frame (not yet taken) matching pred, within timeoutMs. */
  next(pred: (f: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Frames matching pred that arrive within ms (for "nothing arrives" checks). */
  collect(pred: (f: any) => boolean, ms: number): Promise<any[]>;
  send(frame: unknown): void;
  close(): Promise<void>;
}

export function openStream(url: string, token: string, via: 'header' | 'query' = 'header', opts: { autoPong?: boolean } = {}): Promise<Stream> {
  const wsUrl = `${url.replace(/^http/, 'ws')}/v1/stream${via === 'query' ? `?access_token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(wsUrl, { ...(via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {}), ...opts });
  const frames: any[] = [];
  const taken = new Set<any>();
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => { frames.push(JSON.parse(d.toString())); for (const w of waiters.splice(0)) w(); });
  const stream: Stream = {
    ws, frames,
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 800)}`)), timeoutMs);
        const look = (): void => {
          const f = frames.find((x) => !taken.has(x) && pred(x));
          if (f !== undefined) { taken.add(f); clearTimeout(deadline); resolve(f); } else waiters.push(look);
        };
        look();
      });
    },
    async collect(pred, ms) {
      await new Promise((r) => setTimeout(r, ms));
      return frames.filter((x) => !taken.has(x) && pred(x));
    },
    send(frame) { ws.send(JSON.stringify(frame)); },
    close() {
      return new Promise((resolve) => {
        if (ws.readyState === ws.CLOSED) { resolve(); return; }
        ws.once('close', () => resolve());
        ws.close();
        setTimeout(() => { ws.terminate(); resolve(); }, 2000).unref();
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused: ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () => { stream.next((f) => f.type === 'hello').then(() => resolve(stream), reject); });
  });
}

export const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
