/** Admin resources (admin token only): accounts, and who watches a presentity. */
import { Router } from 'express';
import { addressKey } from '../../canonical/address';
import type { Deps } from './deps';
import { accountJson, subscriptionJson } from './from-canonical';
import { principal, readBody, requireAdmin, requireJson, sendError } from './http-util';
import { toAddress } from './to-canonical';
import { JsonRequestError, parseAccountRequest, parseJsonBytes } from './wire';

export function adminRoutes(deps: Deps): Router {
  const r = Router();
  r.use('/v1/admin', (req, res, next) => { principal(req); requireAdmin(req, res, next); });

  r.post('/v1/admin/accounts', async (req, res) => {
    requireJson(req);
    const a = parseAccountRequest(parseJsonBytes(await readBody(req, deps.limits.maxBytes), deps.limits));
    const address = toAddress(a.address, 'address');
    // An account is a JSON user: its domain must be one this gateway serves over JSON.
    if (deps.ctx.ownerOf(address.domain) !== 'json') {
      throw new JsonRequestError('unknown-domain', `${address.domain} is not a json domain of this gateway (see domains in the config)`, 'address');
    }
    const { token } = await deps.ctx.services.accounts.create(address, { ...(a.admin !== undefined ? { admin: a.admin } : {}), ...(a.token !== undefined ? { token: a.token } : {}) });
    deps.log.info({ user: addressKey(address), admin: a.admin === true }, 'account created');
    res.status(201).json({ address: addressKey(address), admin: a.admin === true, token });
  });

  r.get('/v1/admin/accounts', async (_req, res) => {
    const list = await deps.ctx.services.accounts.list();
    res.json({ accounts: list.slice(0, 10_000).map(accountJson) });
  });

  r.delete('/v1/admin/accounts/:address', async (req, res) => {
    const address = toAddress(String(req.params.address), 'address');
    if (!(await deps.ctx.services.accounts.revoke(address))) { sendError(res, 'unknown-user', `no account ${addressKey(address)}`, 'address'); return; }
    res.json({ address: addressKey(address), revoked: true });
  });

  r.get('/v1/admin/presentities/:entity/watchers', async (req, res) => {
    const presentity = toAddress(String(req.params.entity), 'entity');
    res.json({ presentity: addressKey(presentity), watchers: (await deps.ctx.services.listWatchers(presentity)).map(subscriptionJson) });
  });
  return r;
}
