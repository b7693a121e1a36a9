/**
 * The JSON protocol on the wire: strict parsing of request bodies from raw bytes (size, UTF-8,
 * depth, list length and key bounds; no `__proto__`/`constructor`/`prototype` keys) and strict
 * validation of each request shape (unknown fields refused, each fault naming its field).
 * Pure: no I/O.
 */
import { type ErrorCode, SwitchboardError } from '../../canonical/errors';
import type { InboxRules, PresenceRules, PresenceView, Rules, WatcherDecision } from '../../canonical/rules';

/** A request the JSON protocol refuses; `field` names the offending member ("body" for the whole). */
export class JsonRequestError extends SwitchboardError {
  readonly field: string;
  constructor(code: ErrorCode, message: string, field: string) {
    super(code, message);
    this.field = field;
  }
}

export interface JsonLimits {
  readonly maxBytes: number;
  /** Nesting of objects and lists. */
  readonly maxDepth: number;
  /** Elements of one list. */
  readonly maxArray: number;
  /** Members of one object. */
  readonly maxKeys: number;
}

export const DEFAULT_LIMITS: JsonLimits = Object.freeze({ maxBytes: 1_048_576, maxDepth: 16, maxArray: 1000, maxKeys: 1000 });

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const bad = (message: string, field: string, code: ErrorCode = 'bad-request'): JsonRequestError => new JsonRequestError(code, message, field);

/** Decodes UTF-8 strictly: a malformed sequence or a BOM-less surrogate is an error, not U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, field = 'body'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw bad('the body is not valid UTF-8', field);
  }
}

/**
 * Measures nesting before JSON.parse sees the text, so a deeply nested document is refused in
 * linear time without building it.
 */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw bad(`nesting deeper than ${maxDepth} levels`, 'body');
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

function checkTree(v: unknown, path: string, limits: JsonLimits): void {
  if (Array.isArray(v)) {
    if (v.length > limits.maxArray) throw bad(`a list of ${v.length} elements (max ${limits.maxArray})`, path || 'body');
    v.forEach((x, i) => checkTree(x, `${path}[${i}]`, limits));
  } else if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v);
    if (keys.length > limits.maxKeys) throw bad(`an object with ${keys.length} members (max ${limits.maxKeys})`, path || 'body');
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k;
      if (FORBIDDEN_KEYS.has(k)) throw bad(`the member name ${JSON.stringify(k)} is not allowed`, p);
      checkTree((v as Record<string, unknown>)[k], p, limits);
    }
  }
}

/** Parses a JSON request body from its exact bytes, within limits. */
export function parseJsonBytes(bytes: Uint8Array, limits: JsonLimits = DEFAULT_LIMITS): unknown {
  if (bytes.length > limits.maxBytes) throw bad(`the body is ${bytes.length} bytes (max ${limits.maxBytes})`, 'body', 'payload-too-large');
  if (bytes.length === 0) throw bad('the body is empty; a JSON object is expected', 'body');
  const text = decodeUtf8(bytes);
  checkDepth(text, limits.maxDepth);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw bad(`the body is not JSON: ${(err as Error).message.slice(0, 120)}`, 'body');
  }
  checkTree(v, '', limits);
  return v;
}

// ---- field helpers -------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v);

/** An object with only the allowed members. */
export function object(v: unknown, field: string, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`expected an object, got ${kind(v)}`, field || 'body');
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw bad(`unknown field; allowed: ${allowed.join(', ')}`, field ? `${field}.${k}` : k);
  }
  return v as Obj;
}

const at = (parent: string, k: string): string => (parent ? `${parent}.${k}` : k);

export function string(o: Obj, k: string, parent: string, opts: { required?: boolean; max?: number; pattern?: RegExp; what?: string } = {}): string | undefined {
  const v = o[k];
  const f = at(parent, k);
  if (v === undefined) { if (opts.required) throw bad('required', f); return undefined; }
  if (typeof v !== 'string') throw bad(`expected a string, got ${kind(v)}`, f);
  const max = opts.max ?? 1024;
  if (v.length > max) throw bad(`longer than ${max} characters`, f);
  if (opts.pattern && !opts.pattern.test(v)) throw bad(`expected ${opts.what ?? 'a valid value'}`, f);
  return v;
}

export function integer(o: Obj, k: string, parent: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`expected an integer from ${min} to ${max}`, at(parent, k));
  return v;
}

export function boolean(o: Obj, k: string, parent: string): boolean | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`expected true or false, got ${kind(v)}`, at(parent, k));
  return v;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Strict base64 (RFC 4648 section 4, padded, no whitespace). */
export function base64(o: Obj, k: string, parent: string, maxBytes: number): Uint8Array | undefined {
  const s = string(o, k, parent, { max: Math.ceil(maxBytes / 3) * 4 + 4 });
  if (s === undefined) return undefined;
  if (!BASE64.test(s)) throw bad('expected padded base64 (RFC 4648 section 4) without whitespace', at(parent, k));
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** type/subtype with optional parameters, as a Content-Type value. */
export const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"(?:[^"\\\r\n]|\\.)*"))*$/;
/** A client-chosen id: letters, digits and . _ : - */
export const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LANG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

// ---- requests ------------------------------------------------------------------------------

export interface MessageRequest {
  readonly id?: string;
  readonly to: string;
  readonly subject?: readonly { text: string; lang?: string }[];
  /** text/plain;charset=utf-8 content. */
  readonly text?: string;
  /** Exact content bytes with their type (base64 on the wire). */
  readonly content?: { readonly type: string; readonly bytes: Uint8Array };
  /** A whole message/cpim, exact bytes. */
  readonly cpim?: Uint8Array;
  readonly thread?: string;
  readonly deliveryNotification?: boolean;
}

export const MESSAGE_FIELDS = ['id', 'to', 'subject', 'text', 'base64', 'contentType', 'cpim', 'thread', 'deliveryNotification'] as const;

/** Validates POST /v1/messages (and a stream "message" frame's members). */
export function parseMessageRequest(v: unknown, maxBytes: number, parent = '', extra: readonly string[] = []): MessageRequest {
  const o = object(v, parent, [...MESSAGE_FIELDS, ...extra]);
  const id = string(o, 'id', parent, { pattern: CLIENT_ID, what: '1-128 letters, digits, ".", "_", ":" or "-"' });
  const to = string(o, 'to', parent, { required: true, max: 1024 }) as string;
  let subject: { text: string; lang?: string }[] | undefined;
  const s = o.subject;
  if (typeof s === 'string') {
    if (s.length > 1024) throw bad('longer than 1024 characters', at(parent, 'subject'));
    subject = [{ text: s }];
  } else if (Array.isArray(s)) {
    if (s.length === 0 || s.length > 16) throw bad('expected 1 to 16 subjects', at(parent, 'subject'));
    subject = s.map((x, i) => {
      const p = `${at(parent, 'subject')}[${i}]`;
      const so = object(x, p, ['text', 'lang']);
      const text = string(so, 'text', p, { required: true }) as string;
      const lang = string(so, 'lang', p, { max: 35, pattern: LANG, what: 'a language tag such as en or pt-BR' });
      return lang === undefined ? { text } : { text, lang };
    });
  } else if (s !== undefined) throw bad(`expected a string or a list of {text, lang}, got ${kind(s)}`, at(parent, 'subject'));
  const text = string(o, 'text', parent, { max: maxBytes });
  const b64 = base64(o, 'base64', parent, maxBytes);
  const contentType = string(o, 'contentType', parent, { max: 512, pattern: CONTENT_TYPE, what: 'a content type such as text/plain;charset=utf-8' });
  const cpim = base64(o, 'cpim', parent, maxBytes);
  const given = [text !== undefined, b64 !== undefined, cpim !== undefined].filter(Boolean).length;
  if (given !== 1) throw bad('give exactly one of text, base64 (with contentType) or cpim', given === 0 ? at(parent, 'text') : at(parent, b64 !== undefined ? 'base64' : 'cpim'));
  if (b64 !== undefined && contentType === undefined) throw bad('required with base64', at(parent, 'contentType'));
  if (b64 === undefined && contentType !== undefined) throw bad('only used with base64', at(parent, 'contentType'));
  const thread = string(o, 'thread', parent, { max: 256 });
  const deliveryNotification = boolean(o, 'deliveryNotification', parent);
  return {
    to,
    ...(id !== undefined ? { id } : {}),
    ...(subject ? { subject } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(b64 !== undefined && contentType !== undefined ? { content: { type: contentType, bytes: b64 } } : {}),
    ...(cpim !== undefined ? { cpim } : {}),
    ...(thread !== undefined ? { thread } : {}),
    ...(deliveryNotification !== undefined ? { deliveryNotification } : {}),
  };
}

export interface PresenceRequest {
  readonly basic: 'open' | 'closed';
  readonly note?: string;
  readonly tuple?: string;
  readonly contact?: string;
  readonly priority?: number;
  readonly expires?: number;
  /** Publish for someone else (RFC 2779 2.3.4; their rules must list the publisher). */
  readonly presentity?: string;
}

const XML_ID = /^[A-Za-z_][A-Za-z0-9._-]{0,63}$/;

/** Validates the JSON view of PUT /v1/presence. */
export function parsePresenceRequest(v: unknown): PresenceRequest {
  const o = object(v, '', ['basic', 'note', 'tuple', 'contact', 'priority', 'expires', 'presentity']);
  const basic = string(o, 'basic', '', { required: true, pattern: /^(?:open|closed)$/, what: 'open or closed' }) as 'open' | 'closed';
  const note = string(o, 'note', '', { max: 1024 });
  const tuple = string(o, 'tuple', '', { pattern: XML_ID, what: 'an XML id (letter or _, then letters, digits, . _ -)' });
  const contact = string(o, 'contact', '', { max: 512, pattern: /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/, what: 'a URI such as im:alice@example.test' });
  const p = o.priority;
  if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1))) throw bad('expected a number from 0 to 1 (RFC 3863 4.1.5)', 'priority');
  const expires = integer(o, 'expires', '', 0, 31 * 86_400);
  const presentity = string(o, 'presentity', '', { max: 1024 });
  return {
    basic,
    ...(note !== undefined ? { note } : {}), ...(tuple !== undefined ? { tuple } : {}),
    ...(contact !== undefined ? { contact } : {}), ...(p !== undefined ? { priority: p as number } : {}),
    ...(expires !== undefined ? { expires } : {}), ...(presentity !== undefined ? { presentity } : {}),
  };
}

/** POST /v1/subscriptions {presentity, expires?}; PUT /v1/subscriptions/{id} {expires}. */
export function parseSubscriptionRequest(v: unknown, refresh = false): { presentity?: string; expires?: number } {
  const o = object(v, '', refresh ? ['expires'] : ['presentity', 'expires']);
  const presentity = refresh ? undefined : string(o, 'presentity', '', { required: true, max: 1024 });
  const expires = integer(o, 'expires', '', refresh ? 1 : 1, 31 * 86_400);
  if (refresh && expires === undefined) throw bad('required', 'expires');
  return { ...(presentity !== undefined ? { presentity } : {}), ...(expires !== undefined ? { expires } : {}) };
}

/** POST /v1/admin/accounts {address, admin?, token?}. */
export function parseAccountRequest(v: unknown): { address: string; admin?: boolean; token?: string } {
  const o = object(v, '', ['address', 'admin', 'token']);
  const address = string(o, 'address', '', { required: true, max: 1024 }) as string;
  const admin = boolean(o, 'admin', '');
  const token = string(o, 'token', '', { max: 512, pattern: /^[\x21-\x7e]{8,}$/, what: 'at least 8 printable ASCII characters without spaces' });
  return { address, ...(admin !== undefined ? { admin } : {}), ...(token !== undefined ? { token } : {}) };
}

/** "user@domain", "*@domain" or "*" (canonical/rules.ts). */
const PATTERN = /^(?:\*|(?:\*|[^@\s*]{1,256})@[^@\s*]{1,253})$/;
const DECISION = /^(?:allow|deny|polite-block)$/;

function patternList(o: Obj, k: string, parent: string): string[] | undefined {
  const v = o[k];
  const f = at(parent, k);
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw bad(`expected a list of patterns, got ${kind(v)}`, f);
  return v.map((x, i) => {
    if (typeof x !== 'string' || !PATTERN.test(x)) throw bad('expected "user@domain", "*@domain" or "*"', `${f}[${i}]`);
    return x;
  });
}

function patternMap<T>(o: Obj, k: string, parent: string, value: (v: unknown, field: string) => T): Record<string, T> | undefined {
  const v = o[k];
  const f = at(parent, k);
  if (v === undefined) return undefined;
  const m = object(v, f, Object.keys(v as object ?? {}));
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const [pat, x] of Object.entries(m)) {
    if (!PATTERN.test(pat)) throw bad('expected "user@domain", "*@domain" or "*" as the key', `${f}.${pat}`);
    out[pat] = value(x, `${f}.${pat}`);
  }
  return { ...out };
}

function decision(v: unknown, field: string): WatcherDecision {
  if (typeof v !== 'string' || !DECISION.test(v)) throw bad('expected allow, deny or polite-block', field);
  return v as WatcherDecision;
}

function view(v: unknown, field: string): PresenceView {
  const o = object(v, field, ['basicOnly', 'tuples', 'hideNotes']);
  const basicOnly = boolean(o, 'basicOnly', field);
  const hideNotes = boolean(o, 'hideNotes', field);
  let tuples: string[] | undefined;
  if (o.tuples !== undefined) {
    if (!Array.isArray(o.tuples)) throw bad('expected a list of tuple ids', `${field}.tuples`);
    tuples = o.tuples.map((t, i) => { if (typeof t !== 'string' || !XML_ID.test(t)) throw bad('expected a tuple id', `${field}.tuples[${i}]`); return t; });
  }
  return { ...(basicOnly !== undefined ? { basicOnly } : {}), ...(hideNotes !== undefined ? { hideNotes } : {}), ...(tuples ? { tuples } : {}) };
}

/** PUT /v1/rules: the canonical/rules.ts shape; missing parts take DEFAULT_RULES' values. */
export function parseRulesRequest(v: unknown, defaults: Rules): Rules {
  const o = object(v, '', ['presence', 'inbox']);
  let presence: PresenceRules = defaults.presence;
  if (o.presence !== undefined) {
    const p = object(o.presence, 'presence', ['default', 'watchers', 'views', 'publishers']);
    presence = {
      default: p.default === undefined ? defaults.presence.default : decision(p.default, 'presence.default'),
      watchers: patternMap(p, 'watchers', 'presence', decision) ?? defaults.presence.watchers,
      views: patternMap(p, 'views', 'presence', view) ?? defaults.presence.views,
      publishers: patternList(p, 'publishers', 'presence') ?? defaults.presence.publishers,
    };
  }
  let inbox: InboxRules = defaults.inbox;
  if (o.inbox !== undefined) {
    const i = object(o.inbox, 'inbox', ['blockedSenders', 'refuseAnonymous']);
    inbox = {
      blockedSenders: patternList(i, 'blockedSenders', 'inbox') ?? defaults.inbox.blockedSenders,
      refuseAnonymous: boolean(i, 'refuseAnonymous', 'inbox') ?? defaults.inbox.refuseAnonymous,
    };
  }
  return { presence, inbox };
}

/** A frame a client sends on /v1/stream. */
export type ClientFrame =
  | { readonly type: 'message'; readonly requestId: string; readonly message: MessageRequest }
  | { readonly type: 'ping'; readonly requestId?: string };

/** Validates one client frame (text, already size-bounded by the WebSocket server). */
export function parseClientFrame(bytes: Uint8Array, limits: JsonLimits): ClientFrame {
  const v = parseJsonBytes(bytes, limits);
  const o = object(v, '', ['type', 'requestId', ...MESSAGE_FIELDS]);
  const type = string(o, 'type', '', { required: true, pattern: /^(?:message|ping)$/, what: 'message or ping' });
  const requestId = string(o, 'requestId', '', { required: type === 'message', pattern: CLIENT_ID, what: '1-128 letters, digits, ".", "_", ":" or "-"' });
  if (type === 'ping') {
    if (Object.keys(o).some((k) => k !== 'type' && k !== 'requestId')) throw bad('a ping frame has only type and requestId', 'type');
    return requestId === undefined ? { type: 'ping' } : { type: 'ping', requestId };
  }
  const rest: Obj = { ...o };
  delete rest.type; delete rest.requestId;
  return { type: 'message', requestId: requestId as string, message: parseMessageRequest(rest, limits.maxBytes) };
}

/** The requestId of a frame that failed validation, when one can be read, so the error frame names it. */
export function peekRequestId(bytes: Uint8Array): string | undefined {
  try {
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 1_048_576))) as unknown;
    const id = typeof v === 'object' && v !== null ? (v as Record<string, unknown>).requestId : undefined;
    return typeof id === 'string' && CLIENT_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
