/** Small helpers shared by the Redis store's parts. */
import type { Redis } from 'ioredis';
import { StoreError } from '../../canonical/errors';

export type Exec = Array<[Error | null, unknown]> | null;

export function check(res: Exec, what: string): unknown[] {
  if (!res) throw new StoreError(`redis transaction for ${what} was aborted`);
  return res.map(([err, v]) => {
    if (err) throw new StoreError(`redis ${what} failed: ${err.message}`, { cause: err });
    return v;
  });
}

/** QUIT when connected (bounded wait), otherwise just stop reconnecting. */
export async function closeConnection(r: Redis): Promise<void> {
  if (r.status !== 'ready') {
    r.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([r.quit().catch(() => undefined), new Promise((res) => { timer = setTimeout(res, 1_000); })]);
  clearTimeout(timer);
  r.disconnect();
}

/**
 * Every failure of a store call surfaces as a StoreError (code store-unavailable), whatever
 * ioredis threw (connection closed, retries exhausted), so callers map it to one outcome.
 */
export function guarded<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(t, args);
        return out instanceof Promise
          ? out.catch((err: unknown) => {
            throw err instanceof StoreError ? err : new StoreError(`Redis ${String(prop)} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          })
          : out;
      };
    },
  });
}
