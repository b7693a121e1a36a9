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
 * they are handed out bound, without the extra promise.
 *
 * The wrappers are made once, as own properties of an object whose prototype is the target (other
 * properties read through to it). Not a Proxy: every method read through a Proxy trap (and its
 * wrapper lookup) showed in the gateway's CPU profile at two store calls per message.
 */
export function guarded<T extends object>(target: T, passThrough: ReadonlyArray<keyof T & string> = []): T {
  const out = Object.create(target) as Record<string, unknown>;
  const direct = new Set<string>(passThrough);
  for (const name of methodNames(target)) {
    const f = (target as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
    out[name] = direct.has(name)
      ? f.bind(target)
      : (...args: unknown[]): unknown => {
        const r = f.apply(target, args);
        return r instanceof Promise
          ? r.catch((err: unknown) => {
            throw err instanceof StoreError ? err : new StoreError(`Redis ${name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          })
          : r;
      };
  }
  return out as T;
}

/** The methods an object has through its class chain (own functions and prototype methods, not Object's). */
function methodNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (n === 'constructor' || names.has(n)) continue;
      const d = Object.getOwnPropertyDescriptor(p, n);
      if (d && typeof d.value === 'function') names.add(n);
    }
  }
  return [...names];
}
