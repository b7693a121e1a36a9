/**
 * A small validation vocabulary for the configuration schema. Each check returns the value it
 * accepted (or undefined) and appends one line per bad path to `problems`, so a caller sees every
 * fault at once rather than the first.
 */

/** Validates one value at `path`; appends one message per fault to `problems`. */
export type Check<T> = ((value: unknown, path: string, problems: string[]) => T | undefined) & {
  /** For objects: the known keys (used to map environment variable segments to key names). */
  readonly fields?: Readonly<Record<string, Field>>;
  /** For records: the check of each value. */
  readonly values?: Check<unknown>;
};

export interface Field {
  readonly check: Check<unknown>;
  readonly required?: boolean;
}

const show = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  return String(v);
};

export function str(opts: { pattern?: RegExp; what?: string; max?: number; test?: (s: string) => boolean } = {}): Check<string> {
  const max = opts.max ?? 1024;
  return (v, path, problems) => {
    if (typeof v !== 'string') { problems.push(`${path}: expected a string${opts.what ? ` (${opts.what})` : ''}, got ${show(v)}`); return undefined; }
    if (v.length === 0) { problems.push(`${path}: must not be empty`); return undefined; }
    if (v.length > max) { problems.push(`${path}: longer than ${max} characters`); return undefined; }
    if ((opts.pattern && !opts.pattern.test(v)) || (opts.test && !opts.test(v))) {
      problems.push(`${path}: expected ${opts.what ?? 'a valid value'}, got ${show(v)}`);
      return undefined;
    }
    return v;
  };
}

export function int(min: number, max: number): Check<number> {
  return (v, path, problems) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      problems.push(`${path}: expected an integer from ${min} to ${max}, got ${show(v)}`);
      return undefined;
    }
    return v;
  };
}

export function bool(): Check<boolean> {
  return (v, path, problems) => {
    if (typeof v !== 'boolean') { problems.push(`${path}: expected true or false, got ${show(v)}`); return undefined; }
    return v;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, path, problems) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      problems.push(`${path}: expected one of ${values.join(', ')}, got ${show(v)}`);
      return undefined;
    }
    return v as T;
  };
}

export function list<T>(item: Check<T>, maxItems = 1000): Check<T[]> {
  return (v, path, problems) => {
    if (!Array.isArray(v)) { problems.push(`${path}: expected a list, got ${show(v)}`); return undefined; }
    if (v.length > maxItems) { problems.push(`${path}: more than ${maxItems} entries`); return undefined; }
    const out: T[] = [];
    v.forEach((x, i) => { const r = item(x, `${path}[${i}]`, problems); if (r !== undefined) out.push(r); });
    return out;
  };
}

/** Joins a parent path and a key; the root path is empty. */
export const at = (path: string, k: string): string => (path === '' ? k : `${path}.${k}`);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A mapping with arbitrary keys (checked by `key`) and values checked by `value`. */
export function record<T>(key: Check<string>, value: Check<T>, maxEntries = 1000): Check<Record<string, T>> {
  const c = ((v: unknown, path: string, problems: string[]) => {
    if (!isPlainObject(v)) { problems.push(`${path || '(top level)'}: expected a mapping, got ${show(v)}`); return undefined; }
    const entries = Object.entries(v);
    if (entries.length > maxEntries) { problems.push(`${path}: more than ${maxEntries} entries`); return undefined; }
    const out: Record<string, T> = {};
    for (const [k, x] of entries) {
      const p = at(path, k);
      const kk = key(k, p, problems);
      const r = value(x, p, problems);
      if (kk !== undefined && r !== undefined) out[kk] = r;
    }
    return out;
  }) as Check<Record<string, T>>;
  return Object.assign(c, { values: value as Check<unknown> });
}

/** A mapping with known keys: unknown keys are refused, required ones must be present. */
export function obj(fields: Record<string, Field>, extra?: (v: Record<string, unknown>, path: string, problems: string[]) => void): Check<Record<string, unknown>> {
  const c = ((v: unknown, path: string, problems: string[]) => {
    if (!isPlainObject(v)) { problems.push(`${path || '(top level)'}: expected a mapping, got ${show(v)}`); return undefined; }
    const out: Record<string, unknown> = {};
    const before = problems.length;
    for (const k of Object.keys(v)) {
      if (!Object.hasOwn(fields, k)) {
        const near = Object.keys(fields).find((f) => f.toLowerCase() === k.toLowerCase());
        problems.push(`${at(path, k)}: unknown key${near ? ` (did you mean ${near}?)` : ''}; known keys: ${Object.keys(fields).join(', ')}`);
      }
    }
    for (const [k, f] of Object.entries(fields)) {
      const x = v[k];
      if (x === undefined || x === null) {
        if (f.required) problems.push(`${at(path, k)}: required`);
        continue;
      }
      const r = f.check(x, at(path, k), problems);
      if (r !== undefined) out[k] = r;
    }
    if (extra && problems.length === before) extra(out, path, problems);
    return out;
  }) as Check<Record<string, unknown>>;
  return Object.assign(c, { fields });
}

export const req = (check: Check<unknown>): Field => ({ check, required: true });
export const opt = (check: Check<unknown>): Field => ({ check });
