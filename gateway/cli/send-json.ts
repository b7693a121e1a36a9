/**
 * `switchboard send --via json`: POST /v1/messages with a bearer token, answered with the message
 * id and its outcome once the next hop has answered (adapters/json/routes-messages.ts). Text goes
 * as `text`; other content as exact bytes (`base64` + `contentType`), and message/cpim as a raw
 * body (`Content-Type: message/cpim`, `?to=`), so signed bytes arrive unchanged.
 */
import type { Content, Outcome } from '../../canonical/operations';

export interface JsonSendOptions {
  /** Base URL of the gateway's JSON listener, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly token: string;
  readonly to: string;
  readonly content?: Content;
  readonly text?: string;
  readonly subject?: string;
  readonly timeoutMs: number;
}

export interface JsonSendResult {
  readonly outcome: Outcome;
  readonly httpStatus: number;
  readonly id?: string;
  /** The received-trace, when the outcome reports one (failures such as a loop). */
  readonly trace?: readonly string[];
  /** The response body as received (for printing). */
  readonly body: unknown;
}

const isMediaType = (t: string, mt: string): boolean => t.split(';')[0]!.trim().toLowerCase() === mt;

export async function sendJsonMessage(o: JsonSendOptions): Promise<JsonSendResult> {
  try {
    return await post(o);
  } catch (e) {
    if (e instanceof JsonSendError) throw e;
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : `${(e as Error).message}${cause ? ` (${cause})` : ''}`;
    throw new JsonSendError(0, `cannot reach the gateway at ${o.url}: ${why}`, undefined);
  }
}

async function post(o: JsonSendOptions): Promise<JsonSendResult> {
  const base = o.url.replace(/\/+$/, '');
  let res: Response;
  const signal = AbortSignal.timeout(o.timeoutMs);
  if (o.content && isMediaType(o.content.type, 'message/cpim') && o.subject === undefined) {
    res = await fetch(`${base}/v1/messages?to=${encodeURIComponent(o.to)}`, {
      method: 'POST', signal,
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'message/cpim' },
      body: Buffer.from(o.content.bytes),
    });
  } else {
    const body: Record<string, unknown> = { to: o.to };
    if (o.subject !== undefined) body.subject = o.subject;
    if (o.content) {
      if (isMediaType(o.content.type, 'message/cpim')) body.cpim = Buffer.from(o.content.bytes).toString('base64');
      else { body.base64 = Buffer.from(o.content.bytes).toString('base64'); body.contentType = o.content.type; }
    } else body.text = o.text ?? '';
    res = await fetch(`${base}/v1/messages`, {
      method: 'POST', signal,
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text.slice(0, 2000); }
  const j = (typeof json === 'object' && json !== null ? json : {}) as { id?: string; outcome?: Outcome; error?: { code?: string; message?: string; field?: string } };
  if (res.status !== 200 || !j.outcome) {
    const e = j.error;
    const why = e ? `${e.code ?? 'error'}${e.field ? ` (${e.field})` : ''}: ${e.message ?? ''}` : String(json).slice(0, 200);
    throw new JsonSendError(res.status, `the gateway answered HTTP ${res.status}: ${why}`, json);
  }
  const outcome = j.outcome;
  return {
    outcome, httpStatus: res.status, body: json,
    ...(j.id !== undefined ? { id: j.id } : {}),
    ...(outcome.status === 'failed' && outcome.trace ? { trace: outcome.trace } : {}),
  };
}

/** The gateway refused the request itself (4xx/5xx): not an outcome of the message. */
export class JsonSendError extends Error {
  constructor(readonly httpStatus: number, message: string, readonly body: unknown) {
    super(message);
  }
}
