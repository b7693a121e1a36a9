/** JSON accounts through the admin API of a gateway started by startGw. */
import { api } from '../../integration/json-client';
import { ADMIN } from './gateway';

/** Creates an account; returns its bearer token. */
export async function addAccount(url: string, address: string): Promise<string> {
  const r = await api(url, ADMIN, 'POST', '/v1/admin/accounts', { address });
  if (r.status !== 201) throw new Error(`account ${address}: ${r.status} ${r.text}`);
  return r.json.token as string;
}
