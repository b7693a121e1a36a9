/**
 * POST /v1/messages: one message from the authenticated principal, answered with its outcome
 * once the next hop has answered (the router bounds the wait; RFC 3860 3.4.1 "indeterminate").
 *
 * HTTP status: 200 whenever the request was well-formed and routed, whatever the outcome
 * (delivered, failed with a code, indeterminate); 4xx only for a bad request. RFC 2779 5.4.1:
 * "A MUST receive confirmation of non-delivery."
 */
import { Router, type Request, type Response } from 'express';
import type { MessageOp, Outcome } from '../../canonical/operations';
import { type Deps, messageId, newTransactionId } from './deps';
import { addressText, outcomeJson } from './from-canonical';
import { mediaType, principal, readBody } from './http-util';
import { checkCpim, messageToOp } from './to-canonical';
import { CLIENT_ID, JsonRequestError, type MessageRequest, parseJsonBytes, parseMessageRequest } from './wire';

/** Sends one validated request as the principal; shared by HTTP and stream frames. */
export async function sendAs(deps: Deps, sender: MessageOp['from'], req: MessageRequest): Promise<{ id: string; op: MessageOp; outcome: Outcome }> {
  if (req.cpim) checkCpim(req.cpim, sender, 'cpim');
  const id = messageId(sender, req.id);
  const op = messageToOp(req, sender, { id, transactionId: newTransactionId(), maxForwards: deps.config.gateway.maxForwards }, new Date().toISOString());
  const outcome = await deps.ctx.deliver(op);
  deps.log.info({ msgId: id, to: addressText(op.to), status: outcome.status, code: outcome.status === 'failed' ? outcome.code : undefined }, 'json message routed');
  return { id, op, outcome };
}

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new JsonRequestError('bad-request', 'give this query parameter once', name);
  return v;
}

export function messageRoutes(deps: Deps): Router {
  const r = Router();
  r.post('/v1/messages', async (req: Request, res: Response) => {
    const account = principal(req);
    const body = await readBody(req, deps.limits.maxBytes);
    const type = mediaType(req);
    let mreq: MessageRequest;
    if (type === 'message/cpim') {
      // Raw CPIM: the exact bytes are the content (RFC 3862 6: a gateway MUST NOT change it).
      const id = queryString(req, 'id');
      if (id !== undefined && !CLIENT_ID.test(id)) throw new JsonRequestError('bad-request', 'expected 1-128 letters, digits, ".", "_", ":" or "-"', 'id');
      if (body.length === 0) throw new JsonRequestError('bad-request', 'the body is empty', 'body');
      // The recipient: ?to=, else the CPIM To header.
      const to = queryString(req, 'to') ?? checkCpim(new Uint8Array(body), account.address, 'body').to;
      if (to === undefined) throw new JsonRequestError('bad-request', 'a raw message/cpim body needs ?to=ADDRESS or a To header', 'to');
      mreq = { to, cpim: new Uint8Array(body), ...(id !== undefined ? { id } : {}) };
    } else if (type === 'application/json') {
      mreq = parseMessageRequest(parseJsonBytes(body, deps.limits), deps.limits.maxBytes);
    } else {
      throw new JsonRequestError('unsupported-media-type', `expected application/json or message/cpim, got ${type || 'none'}`, 'Content-Type');
    }
    const { id, op, outcome } = await sendAs(deps, account.address, mreq);
    const report = { type: 'report', id, ...(mreq.id !== undefined ? { clientId: mreq.id } : {}), to: addressText(op.to), outcome: outcomeJson(outcome) };
    // Delivery report to the sender's streams on this instance too (best effort, no relay: the
    // HTTP answer is authoritative, and a relay would cost a state lookup per message).
    void deps.hub.sendLocal(addressText(account.address), JSON.stringify(report)).catch(() => undefined);
    res.status(200).json({ id, ...(mreq.id !== undefined ? { clientId: mreq.id } : {}), outcome: outcomeJson(outcome) });
  });
  return r;
}
