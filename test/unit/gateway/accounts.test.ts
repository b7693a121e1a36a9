import { Accounts, adminAddress, hashToken } from '../../../gateway/accounts';
import type { GatewayConfig } from '../../../gateway/config/types';
import { MemoryStore } from '../../../gateway/store/memory-store';

function config(json: Partial<NonNullable<GatewayConfig['json']>> | undefined): GatewayConfig {
  return {
    gateway: { id: 'GW1.example.test', maxForwards: 70, messageTimeoutMs: 1000, dedupeTtlSeconds: 60 },
    store: { kind: 'memory' }, domains: {}, presence: { defaultExpires: 600, minExpires: 1, maxExpires: 3600 }, log: { level: 'silent' },
    ...(json ? { json: { listen: '127.0.0.1:0', accounts: [], heartbeatSeconds: 30, maxBodyBytes: 1000, ...json } } : {}),
  };
}

describe('accounts', () => {
  test('tokens are stored only as sha256', async () => {
    const store = new MemoryStore();
    const accounts = new Accounts(store);
    const { token } = await accounts.create({ local: 'bob', domain: 'API.example.test' });
    const rec = await store.getAccount('bob@api.example.test');
    expect(rec?.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(rec)).not.toContain(token);
    expect((await accounts.authenticate(token))?.address).toEqual({ local: 'bob', domain: 'api.example.test' });
    expect(await accounts.authenticate('')).toBeUndefined();
    expect(await accounts.authenticate('x'.repeat(10_000))).toBeUndefined();
  });

  test('replacing a token keeps createdAt and retires the old token', async () => {
    const accounts = new Accounts(new MemoryStore());
    const a = { local: 'bob', domain: 'x.test' };
    const first = await accounts.create(a);
    const created = (await accounts.get(a))!.createdAt;
    const second = await accounts.create(a, { token: 'chosen' });
    expect(second.token).toBe('chosen');
    expect(await accounts.authenticate(first.token)).toBeUndefined();
    expect((await accounts.get(a))!.createdAt).toBe(created);
    expect((await accounts.list()).map((x) => x.address.local)).toEqual(['bob']);
  });

  test('seed: static accounts and a configured admin token; nothing to print', async () => {
    const accounts = new Accounts(new MemoryStore());
    const r = await accounts.seed(config({ adminToken: 'adm', accounts: [{ address: 'carol@api.example.test', token: 'c', admin: false }] }));
    expect(r).toEqual({});
    expect((await accounts.authenticate('adm'))).toMatchObject({ admin: true, address: adminAddress(config(undefined)) });
    expect((await accounts.authenticate('c'))?.address).toEqual({ local: 'carol', domain: 'api.example.test' });
  });

  test('seed: without an admin token one is generated once, even by concurrent instances', async () => {
    const store = new MemoryStore();
    const results = await Promise.all([new Accounts(store).seed(config({})), new Accounts(store).seed(config({}))]);
    const tokens = results.map((r) => r.firstAdminToken).filter(Boolean) as string[];
    expect(tokens).toHaveLength(1);
    expect(Buffer.from(tokens[0]!, 'base64url')).toHaveLength(32);
    expect((await new Accounts(store).authenticate(tokens[0]!))?.admin).toBe(true);
    expect(await new Accounts(store).seed(config({}))).toEqual({});
  });

  test('no json section: nothing seeded', async () => {
    const store = new MemoryStore();
    expect(await new Accounts(store).seed(config(undefined))).toEqual({});
    expect(await store.listAccounts()).toEqual([]);
  });
});
