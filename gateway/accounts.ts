/**
 * Accounts of the JSON protocol: bearer tokens are random 32-byte base64url strings, stored only
 * as their sha256, so a copy of the store authenticates nobody.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Account, GatewayServices } from '../canonical/adapter';
import { addressKey, parseAddressKey, parseAnyAddress, type Address } from '../canonical/address';
import type { GatewayConfig } from './config/types';
import type { AccountRecord, Store } from './store/store';

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
export const newToken = (): string => randomBytes(32).toString('base64url');

/** The admin account's address: "admin" at the deployment's id (its own name, never a user domain). */
export function adminAddress(config: GatewayConfig): Address {
  return { local: 'admin', domain: config.gateway.id.toLowerCase() };
}

const toAccount = (r: AccountRecord): Account => ({ address: parseAddressKey(r.address), admin: r.admin, createdAt: r.createdAt });

type AccountsApi = GatewayServices['accounts'];

export class Accounts implements AccountsApi {
  constructor(private readonly store: Store) {}

  async authenticate(token: string): Promise<Account | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return undefined;
    const r = await this.store.findAccountByTokenHash(hashToken(token));
    return r && toAccount(r);
  }

  async create(address: Address, opts: { admin?: boolean; token?: string } = {}): Promise<{ token: string }> {
    const token = opts.token ?? newToken();
    const key = addressKey(address);
    const old = await this.store.getAccount(key);
    await this.store.putAccount({ address: key, tokenHash: hashToken(token), admin: opts.admin === true, createdAt: old?.createdAt ?? Date.now() });
    return { token };
  }

  async get(address: Address): Promise<Account | undefined> {
    const r = await this.store.getAccount(addressKey(address));
    return r && toAccount(r);
  }

  async list(): Promise<Account[]> {
    return (await this.store.listAccounts()).map(toAccount);
  }

  revoke(address: Address): Promise<boolean> {
    return this.store.deleteAccount(addressKey(address));
  }

  /**
   * Seeds config.json.accounts and the admin account. The admin token is config.json.adminToken
   * when set; otherwise one is generated at the first start of the deployment (a claim makes it
   * one among several instances) and returned so the CLI can print it once. Later starts find the
   * account in the store (with Redis, across restarts) and return nothing.
   */
  async seed(config: GatewayConfig): Promise<{ firstAdminToken?: string }> {
    if (!config.json) return {};
    for (const a of config.json.accounts) {
      await this.create(parseAnyAddress(a.address), { token: a.token, admin: a.admin === true });
    }
    const admin = adminAddress(config);
    if (config.json.adminToken !== undefined) {
      await this.create(admin, { admin: true, token: config.json.adminToken });
      return {};
    }
    if (await this.store.getAccount(addressKey(admin))) return {};
    if (!(await this.store.claim(`admin-init:${addressKey(admin)}`, 3600))) return {};
    const { token } = await this.create(admin, { admin: true });
    return { firstAdminToken: token };
  }
}
