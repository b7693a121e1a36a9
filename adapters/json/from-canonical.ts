/**
 * Canonical operations -> JSON frames and response bodies. Pure.
 *
 * Content leaves as its exact bytes (base64), plus `text` when it is text/plain in UTF-8, so a
 * signature over the bytes still verifies at the client.
 */
import { addressKey } from '../../canonical/address';
import type { Address } from '../../canonical/address';
import type { Account, SubscriptionInfo } from '../../canonical/adapter';
import type { Content, MessageOp, NotifyOp, Outcome } from '../../canonical/operations';
import { parsePidf } from '../../canonical/pidf';
import { parseCpim } from '../../canonical/cpim';

export const addressText = (a: Address): string => addressKey(a);
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The text of text/plain content in UTF-8 (or US-ASCII, its subset), else undefined. */
export function plainText(c: Content): string | undefined {
  const m = /^\s*text\/plain\s*(?:;(.*))?$/i.exec(c.type);
  if (!m) return undefined;
  const charset = /(?:^|;)\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(m[1] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'us-ascii') return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(c.bytes);
  } catch {
    return undefined;
  }
}

export function outcomeJson(o: Outcome): Record<string, unknown> {
  if (o.status !== 'failed') return o.status === 'indeterminate' && o.reason ? { status: o.status, reason: o.reason } : { status: o.status };
  return {
    status: 'failed', code: o.code,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...(o.remote ? { remote: o.remote } : {}),
    ...(o.trace ? { trace: o.trace } : {}),
  };
}

/** For message/cpim: the text of an encapsulated text/plain UTF-8 object (a view; bytes untouched). */
function cpimText(c: Content): string | undefined {
  if (!/^\s*message\/cpim\s*(?:;|$)/i.test(c.type)) return undefined;
  try {
    const m = parseCpim(c.bytes);
    const ct = m.content.contentType;
    return plainText({ type: `${ct.mediaType}${ct.params.has('charset') ? `;charset=${ct.params.get('charset')}` : ''}`, bytes: m.content.body });
  } catch {
    return undefined;
  }
}

/** A message pushed to its recipient on /v1/stream. */
export function messageFrame(op: MessageOp): Record<string, unknown> {
  const text = plainText(op.content) ?? cpimText(op.content);
  return {
    type: 'message',
    id: op.id,
    from: addressText(op.from),
    to: addressText(op.to),
    contentType: op.content.type,
    base64: b64(op.content.bytes),
    ...(text !== undefined ? { text } : {}),
    ...(op.subject ? { subject: op.subject } : {}),
    ...(op.thread !== undefined ? { thread: op.thread } : {}),
    ...(op.dateTime !== undefined ? { dateTime: op.dateTime } : {}),
    ...(op.deliveryNotification ? { deliveryNotification: true } : {}),
    trace: op.trace,
    maxForwards: op.maxForwards,
    via: op.source.protocol,
  };
}

export interface PresenceViewJson {
  readonly entity: string;
  readonly basic?: 'open' | 'closed';
  readonly note?: string;
  readonly tuples: readonly { id: string; basic?: 'open' | 'closed'; contact?: string; priority?: number; notes: readonly string[]; timestamp?: string }[];
  readonly notes: readonly string[];
}

/**
 * The JSON view of a PIDF document: per tuple, and a summary `basic` (open when any tuple is
 * open) and `note` (the first note). Undefined when the document does not parse.
 */
export function presenceView(c: Content): PresenceViewJson | undefined {
  let doc;
  try {
    doc = parsePidf(c.bytes);
  } catch {
    return undefined;
  }
  const tuples = doc.tuples.map((t) => ({
    id: t.id,
    ...(t.status.basic !== undefined ? { basic: t.status.basic } : {}),
    ...(t.contact ? { contact: t.contact.uri, ...(t.contact.priority !== undefined ? { priority: t.contact.priority } : {}) } : {}),
    notes: t.notes.map((n) => n.text),
    ...(t.timestamp !== undefined ? { timestamp: t.timestamp } : {}),
  }));
  const basics = tuples.map((t) => t.basic).filter((b) => b !== undefined);
  const basic = basics.includes('open') ? 'open' : basics.length > 0 ? 'closed' : undefined;
  const notes = doc.notes.map((n) => n.text);
  const note = notes[0] ?? tuples.flatMap((t) => t.notes)[0];
  return { entity: doc.entity, ...(basic ? { basic } : {}), ...(note !== undefined ? { note } : {}), tuples, notes };
}

/**
 * The base64 and the view of documents already converted, by their bytes: a fan-out hands the
 * same document to every watcher, and converting it once per watcher was a large part of the
 * cost of a notification. Content bytes are never changed in place, so both stay valid; entries
 * go with the bytes. The view object is shared: readers only serialize it.
 */
const converted = new WeakMap<Uint8Array, Converted>();
interface Converted {
  readonly pidf: string;
  readonly view: PresenceViewJson | null;
  /** presenceJson as JSON text for the last content type asked (almost always the only one). */
  text?: { readonly type: string; readonly json: string };
}

function convertedOf(c: Content): Converted {
  let done = converted.get(c.bytes);
  if (!done) {
    done = { pidf: b64(c.bytes), view: presenceView(c) ?? null };
    converted.set(c.bytes, done);
  }
  return done;
}

/** Presence as a response member: the view, plus the exact document. */
export function presenceJson(c: Content | undefined): Record<string, unknown> | null {
  if (!c) return null;
  const done = convertedOf(c);
  return { contentType: c.type, pidf: done.pidf, view: done.view };
}

/** JSON.stringify(presenceJson(c)), serialized once per document and content type. */
function presenceJsonText(c: Content): string {
  const done = convertedOf(c);
  if (done.text?.type !== c.type) done.text = { type: c.type, json: JSON.stringify({ contentType: c.type, pidf: done.pidf, view: done.view }) };
  return done.text.json;
}

/**
 * A notification pushed to its watcher. With a document it is a "presence" frame; without one
 * (a state change only, such as a terminated subscription) a "subscription" frame.
 */
export function notifyFrame(op: NotifyOp): Record<string, unknown> {
  return {
    type: op.presence ? 'presence' : 'subscription',
    subscriptionId: op.subscriptionId,
    presentity: addressText(op.presentity),
    watcher: addressText(op.watcher),
    state: op.state,
    ...(op.expires !== undefined ? { expires: op.expires } : {}),
    ...(op.reason !== undefined ? { reason: op.reason } : {}),
    ...(op.presence ? { presence: presenceJson(op.presence) } : {}),
  };
}

/**
 * JSON.stringify(notifyFrame(op)), with the presence member's text made once per document: a
 * fan-out sends the same document to every watcher, and serializing it again for each was most
 * of the cost of a JSON notification. The presence member is the last one in both forms.
 */
export function notifyFrameText(op: NotifyOp): string {
  if (!op.presence) return JSON.stringify(notifyFrame(op));
  const head = JSON.stringify({
    type: 'presence', subscriptionId: op.subscriptionId, presentity: addressText(op.presentity), watcher: addressText(op.watcher), state: op.state,
    ...(op.expires !== undefined ? { expires: op.expires } : {}),
    ...(op.reason !== undefined ? { reason: op.reason } : {}),
  });
  return `${head.slice(0, -1)},"presence":${presenceJsonText(op.presence)}}`;
}

export function subscriptionJson(s: SubscriptionInfo): Record<string, unknown> {
  return {
    id: s.id,
    watcher: addressText(s.watcher),
    presentity: addressText(s.presentity),
    state: s.state,
    expiresAt: new Date(s.expiresAt).toISOString(),
    expires: Math.max(0, Math.round((s.expiresAt - Date.now()) / 1000)),
    watcherProtocol: s.watcherProtocol,
  };
}

export function accountJson(a: Account): Record<string, unknown> {
  return { address: addressText(a.address), admin: a.admin, createdAt: new Date(a.createdAt).toISOString() };
}
