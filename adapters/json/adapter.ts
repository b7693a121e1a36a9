/**
 * The JSON adapter: one HTTP listener carrying the REST resources, the /v1/stream WebSocket, the
 * OpenAPI document and the operational endpoints (/healthz, /readyz, /metrics).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Request, type Response } from 'express';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { addressKey } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import type { Account, Adapter, AdapterContext } from '../../canonical/adapter';
import { failed, type MessageOp, type NotifyOp, type Outcome } from '../../canonical/operations';
import { SwitchboardError } from '../../canonical/errors';
import type { Deps, JsonAdapterConfig } from './deps';
import { messageFrame, notifyFrameText, outcomeJson } from './from-canonical';
import { authenticate, bearerToken, errorHandler, sendError } from './http-util';
import { OPENAPI } from './openapi';
import { adminRoutes } from './routes-admin';
import { messageRoutes, sendAs } from './routes-messages';
import { presenceRoutes } from './routes-presence';
import { StreamHub } from './stream-hub';
import { DEFAULT_LIMITS, JsonRequestError, parseClientFrame, peekRequestId } from './wire';

/** Bound on waiting for in-flight requests at stop. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** Bound on a client's unanswered stream requests. */
const MAX_STREAM_INFLIGHT = 32;

export interface JsonAdapter extends Adapter {
  /** The bound port once started (useful when listen asks for port 0). */
  readonly port: number | undefined;
}

function splitListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}

/** Creates the JSON adapter (HTTP + WebSocket). */
export function createJsonAdapter(config: JsonAdapterConfig, ctx: AdapterContext): JsonAdapter {
  const json = config.json;
  if (!json) throw new SwitchboardError('internal', 'createJsonAdapter needs the json config section');
  // The gateway's context already binds the adapter name to its logger.
  const log = ctx.log;
  const limits = { ...DEFAULT_LIMITS, maxBytes: json.maxBodyBytes };
  const hub = new StreamHub(ctx, log, { heartbeatSeconds: json.heartbeatSeconds, relayTimeoutMs: Math.min(5000, config.gateway.messageTimeoutMs) });
  const deps: Deps = { ctx, log, config, hub, limits };

  let draining = false;
  let inflight = 0;
  let idle: (() => void) | undefined;

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    if (draining) { res.setHeader('Connection', 'close'); sendError(res, 'service-unavailable', 'the gateway is shutting down'); return; }
    inflight++;
    let done = false;
    const finish = (): void => { if (done) return; done = true; inflight--; if (inflight === 0) idle?.(); };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  });

  // Operational endpoints: no credentials (bind the listener to loopback or a private network).
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    if (!ctx.ops) { res.json({ ready: true, checks: {} }); return; }
    const r = await ctx.ops.readiness();
    res.status(r.ready ? 200 : 503).json(r);
  });
  app.get('/metrics', async (_req, res) => {
    if (!ctx.ops) { res.status(404).type('text/plain').send('no metrics\n'); return; }
    const m = await ctx.ops.metrics();
    res.status(200).type(m.contentType).send(m.body);
  });
  app.get('/v1/openapi.json', (_req, res) => { res.json(OPENAPI); });

  // Everything else needs a bearer token: no unauthenticated access, even by default.
  app.use('/v1', authenticate(ctx));
  app.use(messageRoutes(deps));
  app.use(presenceRoutes(deps));
  app.use(adminRoutes(deps));
  app.use((req: Request, res: Response) => { sendError(res, 'bad-request', `no resource ${req.method} ${req.path} (see /v1/openapi.json)`, 'path', 404); });
  app.use(errorHandler(log));

  const server: Server = createServer(app);
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: json.maxBodyBytes });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(req, socket, head).catch((err) => {
      log.warn({ err: (err as Error).message }, 'stream upgrade failed');
      socket.destroy();
    });
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${status === 401 ? 'WWW-Authenticate: Bearer realm="switchboard"\r\n' : ''}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (draining) { reject(503, 'Service Unavailable'); return; }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1/stream') { reject(404, 'Not Found'); return; }
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token') ?? undefined;
    const account = token ? await ctx.services.accounts.authenticate(token) : undefined;
    if (!account) { reject(401, 'Unauthorized'); return; }
    wss.handleUpgrade(req, socket, head, (ws) => { void onStream(ws, account); });
  }

  async function onStream(ws: WebSocket, account: Account): Promise<void> {
    let pending = 0;
    const send = (frame: Record<string, unknown>): void => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame)); };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void (async () => {
        let requestId: string | undefined;
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        try {
          if (isBinary) throw new JsonRequestError('bad-request', 'frames are JSON text', 'frame');
          requestId = peekRequestId(new Uint8Array(bytes));
          const frame = parseClientFrame(new Uint8Array(bytes), limits);
          requestId = frame.requestId;
          if (frame.type === 'ping') { send({ type: 'pong', ...(requestId ? { requestId } : {}) }); return; }
          if (pending >= MAX_STREAM_INFLIGHT) throw new JsonRequestError('rate-limited', `more than ${MAX_STREAM_INFLIGHT} unanswered requests`, 'requestId');
          pending++;
          try {
            const { id, outcome } = await sendAs(deps, account.address, frame.message);
            send({ type: 'outcome', requestId, id, ...(frame.message.id !== undefined ? { clientId: frame.message.id } : {}), outcome: outcomeJson(outcome) });
          } finally { pending--; }
        } catch (err) {
          const e = err instanceof SwitchboardError ? err : new SwitchboardError('internal');
          if (!(err instanceof SwitchboardError)) log.error({ err: (err as Error).message }, 'stream frame failed');
          send({ type: 'error', ...(requestId ? { requestId } : {}), error: { code: e.code, message: e.message, ...(e instanceof JsonRequestError ? { field: e.field } : {}) } });
        }
      })();
    });
    if (!(await hub.attach(ws, account.address))) return;
    send({ type: 'hello', address: addressKey(account.address), instance: ctx.instanceId, heartbeatSeconds: json!.heartbeatSeconds });
  }

  async function recipientExists(a: Address): Promise<boolean> {
    const bare = { local: a.local, domain: a.domain.toLowerCase() };
    const get = ctx.services.accounts.get;
    if (get) return (await get.call(ctx.services.accounts, bare)) !== undefined;
    const key = addressKey(bare);
    return (await ctx.services.accounts.list()).some((x) => addressKey(x.address) === key);
  }

  let port: number | undefined;
  return {
    protocol: 'json',
    get port() { return port; },
    async start() {
      await hub.start();
      const { host, port: want } = splitListen(json.listen);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(want, host, () => { server.off('error', reject); resolve(); });
      });
      const addr = server.address();
      port = typeof addr === 'object' && addr ? addr.port : want;
      log.info({ listen: `${host}:${port}` }, 'json listener up');
    },
    async stop() {
      // Stop accepting, finish requests in flight (bounded), then close streams and sockets.
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, DRAIN_TIMEOUT_MS);
          idle = () => { clearTimeout(t); resolve(); };
        });
      }
      await hub.stop();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await closed;
      log.info('json listener stopped');
    },
    async sendMessage(op: MessageOp): Promise<Outcome> {
      if (!(await recipientExists(op.to))) return failed('unknown-user', `no JSON account ${addressKey(op.to)}`);
      return hub.deliver(op.to, messageFrame(op));
    },
    async sendNotify(op: NotifyOp): Promise<Outcome> {
      return hub.deliver(op.watcher, notifyFrameText(op));
    },
    async isOnline(address: Address): Promise<boolean> {
      return hub.isOnline(address);
    },
  };
}
