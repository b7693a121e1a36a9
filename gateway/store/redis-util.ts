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
 * Methods named in `passThrough` already reject with StoreError only (the batched message path):
 * they are handed out bound, without the extra promise. Wrappers are made once per method, not
 * per call (the message path calls the store twice per message).
 */
export function guarded<T extends object>(target: T, passThrough: ReadonlyArray<keyof T & string> = []): T {
  const made = new Map<PropertyKey, { fn: unknown; wrapper: unknown }>();
  const direct = new Set<PropertyKey>(passThrough);
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop, t) as unknown;
      if (typeof v !== 'function') return v;
      const hit = made.get(prop);
      if (hit && hit.fn === v) return hit.wrapper;
      const f = v as (...a: unknown[]) => unknown;
      const wrapper = direct.has(prop)
        ? f.bind(t)
        : (...args: unknown[]) => {
          const out = f.apply(t, args);
          return out instanceof Promise
            ? out.catch((err: unknown) => {
              throw err instanceof StoreError ? err : new StoreError(`Redis ${String(prop)} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
            })
            : out;
        };
      made.set(prop, { fn: v, wrapper });
      return wrapper;
    },
  });
}
