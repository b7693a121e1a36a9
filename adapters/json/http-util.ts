/**
 * HTTP plumbing of the JSON adapter: bounded body reading, bearer authentication, JSON error
 * bodies `{ error: { code, message, field } }` with the HTTP status from the one error table.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Account, AdapterContext, Log } from '../../canonical/adapter';
import { ERROR_TABLE, type ErrorCode, SwitchboardError } from '../../canonical/errors';
import { JsonRequestError } from './wire';

/** Past this many bytes beyond the limit, stop draining an oversized upload and close. */
const DRAIN_CAP = 64 * 1_048_576;

/**
 * Reads the request body as exact bytes. Oversized bodies are drained (bounded) and refused with
 * 413, so the client reads the answer instead of a reset.
 */
export function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > maxBytes;
    const fail = (): void => reject(new JsonRequestError('payload-too-large', `the body is larger than ${maxBytes} bytes`, 'body'));
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > maxBytes + DRAIN_CAP) { req.destroy(); fail(); }
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => (tooLarge ? fail() : resolve(Buffer.concat(chunks, size))));
    req.on('error', reject);
  });
}

/** The media type of a request without parameters, lower-cased ('' when absent). */
export function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function requireJson(req: Request): void {
  const t = mediaType(req);
  if (t !== 'application/json') throw new JsonRequestError('unsupported-media-type', `expected Content-Type: application/json, got ${t || 'none'}`, 'Content-Type');
}

export function sendError(res: Response, code: ErrorCode, message: string, field?: string, status?: number): void {
  if (res.headersSent) { res.end(); return; }
  const s = status ?? ERROR_TABLE[code].http;
  if (s === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="switchboard"');
  res.status(s).json({ error: { code, message, ...(field !== undefined ? { field } : {}) } });
}

/** Express error handler: our errors keep their code; anything else is logged as internal. */
export function errorHandler(log: Log) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof JsonRequestError) { sendError(res, err.code, err.message, err.field); return; }
    if (err instanceof SwitchboardError) { sendError(res, err.code, err.message); return; }
    // body-parser style errors from express itself (none expected: we read bodies ourselves)
    log.error({ err: (err as Error)?.message, stack: (err as Error)?.stack, path: req.path }, 'request failed');
    sendError(res, 'internal', 'internal error');
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return m?.[1];
}

const ACCOUNT = Symbol('account');
type WithAccount = Request & { [ACCOUNT]?: Account };

/** Authenticates the bearer token; the account is the principal for the whole request. */
export function authenticate(ctx: AdapterContext) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req.headers.authorization);
    if (!token) { sendError(res, 'unauthenticated', 'missing bearer token: send Authorization: Bearer <token>', 'Authorization'); return; }
    const account = await ctx.services.accounts.authenticate(token);
    if (!account) { sendError(res, 'unauthenticated', 'unknown or revoked token', 'Authorization'); return; }
    (req as WithAccount)[ACCOUNT] = account;
    next();
  };
}

export function principal(req: Request): Account {
  const a = (req as WithAccount)[ACCOUNT];
  if (!a) throw new SwitchboardError('unauthenticated');
  return a;
}

export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (!principal(req).admin) { sendError(res, 'forbidden', 'this resource needs an admin token'); return; }
  next();
}

/** HTTP status for a failed operation outcome on non-message resources. */
export const statusOf = (code: ErrorCode): number => ERROR_TABLE[code].http;
