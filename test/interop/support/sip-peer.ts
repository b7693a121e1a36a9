/**
 * SIP senders for the interop tests: one MESSAGE from a request file through sipsak (real peer;
 * it prints the final response with -vv), and the final status of what it printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSipsak, type PeerResult } from '../../support/sipp';

export interface SipMessageRequest {
  readonly from: string;
  readonly to: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  readonly maxForwards?: number;
  readonly extraHeaders?: readonly string[];
  readonly callId?: string;
}

/** The MESSAGE request bytes (CRLF, exact body bytes, Content-Length from the bytes). */
export function messageRequest(r: SipMessageRequest): Buffer {
  const head = [
    `MESSAGE sip:${r.to} SIP/2.0`,
    `Max-Forwards: ${r.maxForwards ?? 70}`,
    `From: <sip:${r.from}>;tag=${Math.random().toString(36).slice(2, 10)}`,
    `To: <sip:${r.to}>`,
    `Call-ID: ${r.callId ?? `${Math.random().toString(36).slice(2)}@127.0.0.1`}`,
    'CSeq: 1 MESSAGE',
    ...(r.extraHeaders ?? []),
    `Content-Type: ${r.contentType}`,
    `Content-Length: ${r.body.length}`,
    '', '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), Buffer.from(r.body)]);
}

export interface SipsakSend { readonly status: number | undefined; readonly result: PeerResult }

/** Sends one MESSAGE with sipsak to 127.0.0.1:port and returns the final status it printed. */
export async function sipsakMessage(port: number, r: SipMessageRequest, timeoutMs = 15_000): Promise<SipsakSend> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-interop-sipsak-'));
  const file = join(dir, 'message.sip');
  writeFileSync(file, messageRequest(r));
  try {
    const result = await runSipsak(['-f', file, '-s', `sip:${r.to.split('@')[0]}@127.0.0.1:${port}`, '-vv'], timeoutMs);
    return { status: finalStatus(result.stdout), result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The last final (>= 200) status line in sipsak's -vv output. */
export function finalStatus(out: string): number | undefined {
  const codes = [...out.matchAll(/SIP\/2\.0 ([0-9]{3}) /g)].map((m) => Number(m[1])).filter((c) => c >= 200);
  return codes.at(-1);
}
