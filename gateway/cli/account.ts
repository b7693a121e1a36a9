/**
 * `switchboard account add|list|revoke`: calls the admin API of a running gateway
 * (admin token from --token or SWITCHBOARD_ADMIN_TOKEN; URL from --url or SWITCHBOARD_URL).
 */
import type { CliIo } from './io';
import { parseArgs } from './io';

const DEFAULT_URL = 'http://127.0.0.1:8080';
/** Bound on one admin request. */
const REQUEST_TIMEOUT_MS = 10_000;

async function call(io: CliIo, url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { json = undefined; }
  return { status: res.status, json };
}

function failure(io: CliIo, r: { status: number; json: Record<string, unknown> | undefined }): number {
  const e = r.json?.error as { code?: string; message?: string; field?: string } | undefined;
  io.stderr.write(`switchboard: the gateway answered ${r.status}${e ? ` ${e.code}: ${e.message}${e.field ? ` (${e.field})` : ''}` : ''}\n`);
  return 1;
}

export async function runAccount(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['url', 'token'], ['admin']);
  if (p.problems.length > 0) { io.stderr.write(`switchboard account: ${p.problems.join('; ')}\n`); return 2; }
  const url = p.options.url ?? io.env.SWITCHBOARD_URL ?? DEFAULT_URL;
  const token = p.options.token ?? io.env.SWITCHBOARD_ADMIN_TOKEN;
  if (!token) { io.stderr.write('switchboard account: no admin token; pass --token or set SWITCHBOARD_ADMIN_TOKEN (printed at first start)\n'); return 2; }
  try {
    switch (sub) {
      case 'add': {
        if (p.positional.length !== 1) { io.stderr.write('usage: switchboard account add ADDRESS [--admin] [--url URL] [--token ADMIN_TOKEN]\n'); return 2; }
        const r = await call(io, url, token, 'POST', '/v1/admin/accounts', { address: p.positional[0], ...(p.flags.has('admin') ? { admin: true } : {}) });
        if (r.status !== 201 || typeof r.json?.token !== 'string') return failure(io, r);
        io.stderr.write(`account ${String(r.json.address)} created; its bearer token:\n`);
        io.stdout.write(`${r.json.token}\n`);
        return 0;
      }
      case 'list': {
        const r = await call(io, url, token, 'GET', '/v1/admin/accounts');
        if (r.status !== 200) return failure(io, r);
        for (const a of (r.json?.accounts as { address: string; admin: boolean }[] | undefined) ?? []) io.stdout.write(`${a.address}${a.admin ? ' (admin)' : ''}\n`);
        return 0;
      }
      case 'revoke': {
        if (p.positional.length !== 1) { io.stderr.write('usage: switchboard account revoke ADDRESS\n'); return 2; }
        const r = await call(io, url, token, 'DELETE', `/v1/admin/accounts/${encodeURIComponent(p.positional[0] as string)}`);
        if (r.status !== 200) return failure(io, r);
        io.stdout.write(`revoked ${String(r.json?.address)}\n`);
        return 0;
      }
      default:
        io.stderr.write('usage: switchboard account add|list|revoke ... (see switchboard help)\n');
        return 2;
    }
  } catch (err) {
    io.stderr.write(`switchboard account: cannot reach ${url}: ${(err as Error).message}\n`);
    return 1;
  }
}
