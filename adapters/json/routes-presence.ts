/**
 * Presence resources: publish (PUT/DELETE /v1/presence), fetch (GET /v1/presence/{entity}),
 * subscriptions (RFC 2779 5.1.10: "A SHOULD be able to determine the status of A's SUBSCRIPTION
 * to B, at any time"), watchers (5.1.11 learn of them; 5.1.16 "B MUST be able to cancel A's
 * subscription at will") and access rules (2.3).
 */
import { Router, type Request, type Response } from 'express';
import { addressKey } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import { DEFAULT_RULES } from '../../canonical/rules';
import type { Content, Outcome } from '../../canonical/operations';
import { parsePidf } from '../../canonical/pidf';
import { ParseError } from '../../canonical/errors';
import { type Deps, newTransactionId } from './deps';
import { outcomeJson, presenceJson, subscriptionJson } from './from-canonical';
import { mediaType, principal, readBody, requireJson, sendError, statusOf } from './http-util';
import { presenceToDocument, publishOp, subscribeOp, toAddress } from './to-canonical';
import { JsonRequestError, parseJsonBytes, parsePresenceRequest, parseRulesRequest, parseSubscriptionRequest } from './wire';

const PIDF = 'application/pidf+xml';

/** A failed outcome as an HTTP error whose status comes from the error table. */
function sendFailure(res: Response, o: Outcome): boolean {
  if (o.status !== 'failed') return false;
  res.status(statusOf(o.code)).json({ error: { code: o.code, message: o.reason ?? o.code }, outcome: outcomeJson(o) });
  return true;
}

const param = (req: Request, name: string): string => {
  const v = req.params[name];
  if (typeof v !== 'string' || v === '') throw new JsonRequestError('bad-request', 'missing path segment', name);
  return v;
};

function queryAddress(req: Request, name: string): Address | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new JsonRequestError('bad-request', 'give this query parameter once', name);
  return toAddress(v, name);
}

/** A raw PIDF body: parsed to check it, kept as exact bytes; its entity must be the presentity. */
function rawPidf(body: Buffer, presentity: Address, type: string): Content {
  let entity: string;
  try {
    entity = parsePidf(new Uint8Array(body)).entity;
  } catch (err) {
    throw new JsonRequestError('bad-request', `not a valid PIDF document: ${err instanceof ParseError ? err.message : 'parse error'}`, 'body');
  }
  // RFC 2779 5.2.4: no one publishes a document that claims to be about someone else.
  if (addressKey(toAddress(entity, 'entity')) !== addressKey(presentity)) {
    throw new JsonRequestError('forbidden', `the document's entity ${entity} is not the presentity ${addressKey(presentity)}`, 'entity');
  }
  return { type, bytes: new Uint8Array(body) };
}

export function presenceRoutes(deps: Deps): Router {
  const r = Router();
  const mf = (): number => deps.config.gateway.maxForwards;

  r.put('/v1/presence', async (req, res) => {
    const me = principal(req).address;
    const body = await readBody(req, deps.limits.maxBytes);
    const type = mediaType(req);
    let presentity = queryAddress(req, 'presentity') ?? me;
    let expires = deps.config.presence.defaultExpires;
    let document: Content;
    if (type === PIDF) {
      const e = req.query.expires;
      if (e !== undefined) {
        if (typeof e !== 'string' || !/^[0-9]{1,7}$/.test(e)) throw new JsonRequestError('bad-request', 'expected seconds as digits', 'expires');
        expires = Number(e);
      }
      document = rawPidf(body, presentity, (req.headers['content-type'] ?? PIDF).trim());
    } else if (type === 'application/json') {
      const p = parsePresenceRequest(parseJsonBytes(body, deps.limits));
      if (p.presentity !== undefined) presentity = toAddress(p.presentity, 'presentity');
      if (p.expires !== undefined) expires = p.expires;
      document = presenceToDocument(p, presentity, new Date().toISOString());
    } else {
      throw new JsonRequestError('unsupported-media-type', `expected application/json or ${PIDF}, got ${type || 'none'}`, 'Content-Type');
    }
    const result = await deps.ctx.publish(publishOp({ presentity, publisher: me, document, expires, transactionId: newTransactionId(), maxForwards: mf() }));
    if (sendFailure(res, result.outcome)) return;
    res.json({ presentity: addressKey(presentity), outcome: outcomeJson(result.outcome), ...(result.etag !== undefined ? { etag: result.etag } : {}), ...(result.expires !== undefined ? { expires: result.expires } : {}) });
  });

  r.delete('/v1/presence', async (req, res) => {
    const me = principal(req).address;
    const presentity = queryAddress(req, 'presentity') ?? me;
    const result = await deps.ctx.publish(publishOp({ presentity, publisher: me, expires: 0, transactionId: newTransactionId(), maxForwards: mf() }));
    if (sendFailure(res, result.outcome)) return;
    res.json({ presentity: addressKey(presentity), outcome: outcomeJson(result.outcome) });
  });

  // RFC 2779 3.2.1: "A FETCHER MUST be able to fetch a PRESENTITY's PRESENCE INFORMATION even
  // when the PRESENTITY is OUT OF CONTACT" -- the gateway answers from the stored document.
  r.get('/v1/presence/:entity', async (req, res) => {
    const me = principal(req).address;
    const presentity = toAddress(param(req, 'entity'), 'entity');
    const result = await deps.ctx.subscribe(subscribeOp({ watcher: me, presentity, duration: 0, transactionId: newTransactionId(), maxForwards: mf() }));
    if (sendFailure(res, result.outcome)) return;
    const wantsPidf = req.accepts(['application/json', PIDF]) === PIDF;
    if (wantsPidf) {
      if (!result.presence) { sendError(res, 'unknown-user', `no presence known for ${addressKey(presentity)}`, 'entity', 404); return; }
      res.status(200).type(result.presence.type).send(Buffer.from(result.presence.bytes));
      return;
    }
    res.json({ entity: addressKey(presentity), presence: presenceJson(result.presence) });
  });

  r.post('/v1/subscriptions', async (req, res) => {
    const me = principal(req).address;
    requireJson(req);
    const s = parseSubscriptionRequest(parseJsonBytes(await readBody(req, deps.limits.maxBytes), deps.limits));
    const presentity = toAddress(s.presentity as string, 'presentity');
    const duration = s.expires ?? deps.config.presence.defaultExpires;
    const result = await deps.ctx.subscribe(subscribeOp({ watcher: me, presentity, duration, transactionId: newTransactionId(), maxForwards: mf() }));
    // RFC 2779 5.1.5: "B MUST inform A if B refuses A's SUBSCRIPTION" (a deny is a 403 here;
    // polite blocking looks granted: 5.1.15).
    if (sendFailure(res, result.outcome)) return;
    res.status(201).json({
      id: result.subscriptionId ?? null,
      presentity: addressKey(presentity),
      state: result.state ?? 'active',
      ...(result.expires !== undefined ? { expires: result.expires } : {}),
      outcome: outcomeJson(result.outcome),
      presence: presenceJson(result.presence),
    });
  });

  r.get('/v1/subscriptions', async (req, res) => {
    const subs = await deps.ctx.services.listSubscriptions(principal(req).address);
    res.json({ subscriptions: subs.map(subscriptionJson) });
  });

  /** Only the watcher's own subscriptions can be refreshed or ended (RFC 2779 5.1.8). */
  async function mine(req: Request): Promise<{ me: Address; presentity: Address; id: string } | undefined> {
    const me = principal(req).address;
    const id = param(req, 'id');
    const sub = (await deps.ctx.services.listSubscriptions(me)).find((s) => s.id === id);
    return sub ? { me, presentity: sub.presentity, id } : undefined;
  }

  r.put('/v1/subscriptions/:id', async (req, res) => {
    requireJson(req);
    const s = parseSubscriptionRequest(parseJsonBytes(await readBody(req, deps.limits.maxBytes), deps.limits), true);
    const m = await mine(req);
    if (!m) { sendError(res, 'subscription-gone', 'no such subscription of yours', 'id'); return; }
    const result = await deps.ctx.subscribe(subscribeOp({ watcher: m.me, presentity: m.presentity, duration: s.expires as number, subscriptionId: m.id, transactionId: newTransactionId(), maxForwards: mf() }));
    if (sendFailure(res, result.outcome)) return;
    res.json({ id: m.id, presentity: addressKey(m.presentity), state: result.state ?? 'active', ...(result.expires !== undefined ? { expires: result.expires } : {}), outcome: outcomeJson(result.outcome) });
  });

  r.delete('/v1/subscriptions/:id', async (req, res) => {
    const m = await mine(req);
    if (!m) { sendError(res, 'subscription-gone', 'no such subscription of yours', 'id'); return; }
    const result = await deps.ctx.subscribe(subscribeOp({ watcher: m.me, presentity: m.presentity, duration: 0, subscriptionId: m.id, transactionId: newTransactionId(), maxForwards: mf() }));
    if (sendFailure(res, result.outcome)) return;
    res.json({ id: m.id, presentity: addressKey(m.presentity), state: 'terminated', outcome: outcomeJson(result.outcome) });
  });

  r.get('/v1/watchers', async (req, res) => {
    const subs = await deps.ctx.services.listWatchers(principal(req).address);
    res.json({ watchers: subs.map(subscriptionJson) });
  });

  r.delete('/v1/watchers/:watcher', async (req, res) => {
    const watcher = toAddress(param(req, 'watcher'), 'watcher');
    const removed = await deps.ctx.services.removeWatcher(principal(req).address, watcher);
    if (!removed) { sendError(res, 'subscription-gone', `${addressKey(watcher)} is not watching you`, 'watcher'); return; }
    res.json({ watcher: addressKey(watcher), removed: true });
  });

  r.get('/v1/rules', async (req, res) => {
    res.json(await deps.ctx.services.getRules(principal(req).address));
  });

  r.put('/v1/rules', async (req, res) => {
    requireJson(req);
    const rules = parseRulesRequest(parseJsonBytes(await readBody(req, deps.limits.maxBytes), deps.limits), DEFAULT_RULES);
    const me = principal(req).address;
    await deps.ctx.services.putRules(me, rules);
    res.json(await deps.ctx.services.getRules(me));
  });
  return r;
}
