/**
 * Loading the configuration: a YAML file (optional), then environment overrides, then the
 * defaults under both, then one validation pass that lists every bad path.
 *
 * Environment overrides: `SWITCHBOARD_<SECTION>__<KEY>[__<KEY>...]`, a double underscore between
 * path segments, segments matched to key names without regard to case, and the value parsed as
 * YAML (so `8080` is a number, `true` a boolean, `{a.test: json}` a mapping and `[...]` a list).
 * Examples: SWITCHBOARD_GATEWAY__ID=gw1.example.test, SWITCHBOARD_STORE__KIND=redis,
 * SWITCHBOARD_STORE__URL=redis://127.0.0.1:6379/0, SWITCHBOARD_JSON__LISTEN=0.0.0.0:8080.
 * A name with `__` whose first segment is not a section is refused (it is probably a typo);
 * single-segment names such as SWITCHBOARD_ADMIN_TOKEN belong to the CLI and are not config.
 */
import { readFileSync, statSync } from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../../canonical/errors';
import type { GatewayConfig } from './types';
import { DEFAULTS, OPTIONAL_SECTIONS, REPLACED_PATHS } from './defaults';
import { CONFIG_SCHEMA } from './schema';
import type { Check } from './checks';

/** Largest config file read; a config is a page of YAML, not a data set. */
export const MAX_CONFIG_BYTES = 1_048_576;
const ENV_PREFIX = 'SWITCHBOARD_';
const YAML_OPTIONS = { uniqueKeys: true, strict: true, prettyErrors: true } as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses YAML text into a plain value; syntax faults become problems naming line and column. */
export function parseYaml(text: string, source: string, problems: string[]): unknown {
  const doc = YAML.parseDocument(text, YAML_OPTIONS);
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      problems.push(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`);
    }
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    problems.push(`${source}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Reads and parses a YAML config file (bounded in size). */
export function readConfigFile(file: string, problems: string[]): Obj {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CONFIG_BYTES) { problems.push(`${file}: ${size} bytes is over the ${MAX_CONFIG_BYTES}-byte limit for a config file`); return {}; }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return {};
  }
  const v = parseYaml(text, file, problems);
  if (v === undefined || v === null) return {};
  if (!isObj(v)) { problems.push(`${file}: the top level must be a mapping of sections (gateway, store, domains, ...)`); return {}; }
  return v;
}

/**
 * Applies SWITCHBOARD_* environment overrides to `raw` (in place). Returns which config path
 * each variable set, so problems can name the variable.
 */
export function applyEnv(raw: Obj, env: NodeJS.ProcessEnv, problems: string[]): Map<string, string> {
  const origins = new Map<string, string>();
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX)).sort();
  for (const name of names) {
    const segments = name.slice(ENV_PREFIX.length).split('__');
    let check: Check<unknown> | undefined = CONFIG_SCHEMA as Check<unknown>;
    const path: string[] = [];
    let known = true;
    for (const seg of segments) {
      const fields: Readonly<Record<string, { check: Check<unknown> }>> | undefined = check?.fields;
      const match: string | undefined = fields ? Object.keys(fields).find((k) => k.toLowerCase() === seg.toLowerCase()) : undefined;
      if (fields && match !== undefined) { path.push(match); check = fields[match]?.check; } else if (check?.values) { path.push(seg.toLowerCase()); check = check.values; } else { known = false; path.push(seg.toLowerCase()); check = undefined; }
    }
    if (segments.length === 1 && (path.length === 0 || !known)) continue; // CLI variables, not config
    if (seg0Unknown(segments[0])) { problems.push(`${name}: no config section ${JSON.stringify(segments[0]?.toLowerCase())} (sections: ${Object.keys(CONFIG_SCHEMA.fields ?? {}).join(', ')})`); continue; }
    const value = parseYaml(env[name] ?? '', name, problems);
    let o: Obj = raw;
    for (const seg of path.slice(0, -1)) {
      if (!isObj(o[seg])) o[seg] = {};
      o = o[seg] as Obj;
    }
    o[path[path.length - 1] as string] = value;
    origins.set(path.join('.'), name);
  }
  return origins;
}

function seg0Unknown(seg: string | undefined): boolean {
  const fields = CONFIG_SCHEMA.fields ?? {};
  return seg === undefined || !Object.keys(fields).some((k) => k.toLowerCase() === seg.toLowerCase());
}

/** Deep merge: user values over defaults; lists and REPLACED_PATHS are replaced whole. */
function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isObj(base) || !isObj(over) || REPLACED_PATHS.includes(path)) return over;
  const out: Obj = {};
  for (const k of new Set([...Object.keys(base), ...Object.keys(over)])) {
    const p = path === '' ? k : `${path}.${k}`;
    if (path === '' && OPTIONAL_SECTIONS.includes(k) && over[k] === undefined) continue;
    out[k] = merge(base[k], over[k], p);
  }
  return out;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) { for (const x of Object.values(v)) deepFreeze(x); Object.freeze(v); }
  return v;
}

/** Validates a raw (already merged with defaults) config object; problems lists every bad path. */
export function validateConfig(merged: unknown): { config?: GatewayConfig; problems: string[] } {
  const problems: string[] = [];
  const out = CONFIG_SCHEMA(merged, '', problems);
  if (problems.length > 0 || out === undefined) return { problems };
  return { config: deepFreeze(out) as unknown as GatewayConfig, problems };
}

export interface LoadOptions {
  /** YAML file; without it, the embedded defaults (plus the environment). */
  readonly file?: string;
  /** YAML text instead of a file (tests, stdin). */
  readonly text?: string;
  /** Environment; default process.env. Pass {} to ignore it. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Loads, overrides, merges and validates; returns the problems instead of throwing. */
export function checkConfig(opts: LoadOptions = {}): { config?: GatewayConfig; problems: string[] } {
  const problems: string[] = [];
  let raw: Obj = {};
  if (opts.file !== undefined) raw = readConfigFile(opts.file, problems);
  else if (opts.text !== undefined) {
    const v = parseYaml(opts.text, '(config)', problems);
    if (isObj(v)) raw = v; else if (v !== undefined && v !== null) problems.push('(config): the top level must be a mapping of sections');
  }
  const origins = applyEnv(raw, opts.env ?? process.env, problems);
  if (problems.length > 0) return { problems };
  const r = validateConfig(merge(DEFAULTS, raw, ''));
  const named = r.problems.map((p) => {
    for (const [path, name] of origins) if (p.startsWith(`${path}:`) || p.startsWith(`${path}.`) || p.startsWith(`${path}[`)) return `${p} (from ${name})`;
    return p;
  });
  return r.config ? { config: r.config, problems: [] } : { problems: named };
}

/** Loads the configuration or throws ConfigError listing every bad path. */
export function loadConfig(opts: LoadOptions = {}): GatewayConfig {
  const r = checkConfig(opts);
  if (!r.config) throw new ConfigError(r.problems);
  return r.config;
}
