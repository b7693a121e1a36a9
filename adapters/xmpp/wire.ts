/**
 * XMPP wire helpers over xmpp.js's ltx elements: namespaces, reading <message/> and <presence/>
 * stanzas into plain records, and building the stanzas Switchboard sends. No sockets here.
 *
 * Switchboard's own extension elements (documented in adapters/xmpp/README.md):
 *   <raw xmlns='urn:switchboard:raw:0' type='CONTENT-TYPE'>BASE64</raw>
 *       the exact bytes of content that is not text/plain (XML turns CRLF into LF and cannot
 *       carry NUL and other characters, RFC 3923 6.4 wants "binary" transfer encoding).
 *   <trace xmlns='urn:switchboard:trace:0' hops='69'>gw1.example.test, gw2.example.test</trace>
 *       the received-trace and the hop count (canonical/trace.ts).
 */
import { xml } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { isXmlChar } from '../../canonical/xml';
import { escapeXmlAttr, escapeXmlText } from '../../canonical/xml-escape';

export const NS = Object.freeze({
  client: 'jabber:client',
  component: 'jabber:component:accept',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  e2e: 'urn:ietf:params:xml:ns:xmpp-e2e',
  receipts: 'urn:xmpp:receipts',
  discoInfo: 'http://jabber.org/protocol/disco#info',
  discoItems: 'http://jabber.org/protocol/disco#items',
  ping: 'urn:xmpp:ping',
  raw: 'urn:switchboard:raw:0',
  trace: 'urn:switchboard:trace:0',
  /** Application-specific error conditions: the Switchboard error code (README). */
  error: 'urn:switchboard:error:0',
});

/** Bounds on what one stanza may carry into the gateway. */
export const LIMITS = Object.freeze({
  /** Characters of text in <body/>, <subject/>, <status/> or <e2e/>. */
  maxText: 1024 * 1024,
  /** Characters of base64 in <raw/> (about 1 MiB of content). */
  maxRawBase64: 1400 * 1024,
  /** Repeated children (<body/>, <subject/>, <status/>) considered. */
  maxRepeated: 16,
  /** Length of id, thread and attribute values we keep. */
  maxToken: 1024,
});

export interface LangText { readonly text: string; readonly lang?: string }

export interface StanzaError {
  readonly type?: string;
  readonly condition?: string;
  readonly text?: string;
  /** The name of an application-specific condition in the Switchboard namespace (an error code). */
  readonly code?: string;
}

export interface WireMessage {
  readonly from?: string;
  readonly to?: string;
  readonly id?: string;
  readonly type: 'normal' | 'chat' | 'groupchat' | 'headline' | 'error' | string;
  readonly lang?: string;
  readonly bodies: readonly LangText[];
  readonly subjects: readonly LangText[];
  readonly thread?: string;
  /** RFC 3923 <e2e/> character data. */
  readonly e2e?: string;
  readonly raw?: { readonly type: string; readonly base64: string };
  readonly trace?: { readonly hops?: string; readonly text: string };
  /** XEP-0184 <request/>. */
  readonly receiptRequest: boolean;
  /** XEP-0184 <received id=.../>. */
  readonly receivedId?: string;
  readonly error?: StanzaError;
}

export interface WirePresence {
  readonly from?: string;
  readonly to?: string;
  readonly id?: string;
  /** Absent: available. */
  readonly type?: string;
  readonly show?: string;
  readonly statuses: readonly LangText[];
  readonly priority?: string;
  readonly trace?: { readonly hops?: string; readonly text: string };
  readonly error?: StanzaError;
}

/** A string attribute, bounded; undefined when absent or empty. */
function attr(el: Element, name: string): string | undefined {
  const v = el.attrs[name];
  if (typeof v !== 'string' || v === '') return undefined;
  return v;
}

function langOf(el: Element): string | undefined {
  return attr(el, 'xml:lang');
}

/** Text of an element; throws WireError when it is over the bound. */
function text(el: Element, what: string, max = LIMITS.maxText): string {
  const t = el.getText();
  if (t.length > max) throw new WireError(`<${what}/> has ${t.length} characters (at most ${max} accepted)`, 'policy-violation');
  return t;
}

/** A fault in a received stanza, with the XMPP condition to answer with. */
export class WireError extends Error {
  constructor(message: string, readonly condition: 'bad-request' | 'policy-violation' = 'bad-request') {
    super(message);
    this.name = 'WireError';
  }
}

/** Children of `el` named `name` in namespace `ns` (the stanza's own namespace when ns is undefined). */
function children(el: Element, name: string, ns?: string): Element[] {
  const out = el.getChildElements().filter((c) => c.name === name && (ns === undefined ? isStanzaNs(c.getNS()) : c.getNS() === ns));
  return out.slice(0, LIMITS.maxRepeated);
}

const isStanzaNs = (ns: string | undefined): boolean => ns === NS.client || ns === NS.component || ns === undefined || ns === '';

function first(el: Element, name: string, ns?: string): Element | undefined {
  return children(el, name, ns)[0];
}

function readError(el: Element): StanzaError | undefined {
  const e = first(el, 'error');
  if (!e) return undefined;
  const cond = e.getChildElements().find((c) => c.getNS() === NS.stanzas && c.name !== 'text');
  const t = e.getChildElements().find((c) => c.getNS() === NS.stanzas && c.name === 'text');
  const app = e.getChildElements().find((c) => c.getNS() === NS.error);
  return {
    ...(attr(e, 'type') !== undefined ? { type: attr(e, 'type') } : {}),
    ...(cond ? { condition: cond.name } : {}),
    ...(t ? { text: text(t, 'text', 4096) } : {}),
    ...(app && app.name.length <= 64 ? { code: app.name } : {}),
  };
}

function readTrace(el: Element): WireMessage['trace'] {
  const t = first(el, 'trace', NS.trace);
  if (!t) return undefined;
  const hops = attr(t, 'hops');
  return { text: text(t, 'trace', 16 * 1024), ...(hops !== undefined ? { hops } : {}) };
}

function bounded(v: string | undefined, what: string): string | undefined {
  if (v !== undefined && v.length > LIMITS.maxToken) throw new WireError(`${what} is ${v.length} characters long (at most ${LIMITS.maxToken})`);
  return v;
}

/** Reads a <message/> stanza. Throws WireError on content over the bounds. */
export function readMessage(el: Element): WireMessage {
  const lt = (c: Element, what: string): LangText => {
    const lang = langOf(c);
    return { text: text(c, what), ...(lang !== undefined ? { lang } : {}) };
  };
  const e2e = first(el, 'e2e', NS.e2e);
  const raw = first(el, 'raw', NS.raw);
  const thread = first(el, 'thread');
  const received = first(el, 'received', NS.receipts);
  let rawRec: WireMessage['raw'];
  if (raw) {
    const type = attr(raw, 'type');
    if (type === undefined) throw new WireError('<raw xmlns="urn:switchboard:raw:0"/> has no type attribute');
    rawRec = { type: bounded(type, 'raw type')!, base64: text(raw, 'raw', LIMITS.maxRawBase64) };
  }
  const from = attr(el, 'from');
  const to = attr(el, 'to');
  const id = bounded(attr(el, 'id'), 'message id');
  const lang = langOf(el);
  const error = readError(el);
  const traceRec = readTrace(el);
  const receivedId = received ? attr(received, 'id') : undefined;
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(id !== undefined ? { id } : {}),
    type: attr(el, 'type') ?? 'normal',
    ...(lang !== undefined ? { lang } : {}),
    bodies: children(el, 'body').map((c) => lt(c, 'body')),
    subjects: children(el, 'subject').map((c) => lt(c, 'subject')),
    ...(thread ? { thread: bounded(text(thread, 'thread'), 'thread')! } : {}),
    ...(e2e ? { e2e: text(e2e, 'e2e') } : {}),
    ...(rawRec ? { raw: rawRec } : {}),
    ...(traceRec ? { trace: traceRec } : {}),
    receiptRequest: first(el, 'request', NS.receipts) !== undefined,
    ...(receivedId !== undefined ? { receivedId } : {}),
    ...(error ? { error } : {}),
  };
}

/** Reads a <presence/> stanza. */
export function readPresence(el: Element): WirePresence {
  const show = first(el, 'show');
  const prio = first(el, 'priority');
  const from = attr(el, 'from');
  const to = attr(el, 'to');
  const id = bounded(attr(el, 'id'), 'presence id');
  const type = attr(el, 'type');
  const error = readError(el);
  const traceRec = readTrace(el);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(show ? { show: text(show, 'show', 64).trim() } : {}),
    statuses: children(el, 'status').map((c) => {
      const lang = langOf(c);
      return { text: text(c, 'status', 64 * 1024), ...(lang !== undefined ? { lang } : {}) };
    }),
    ...(prio ? { priority: text(prio, 'priority', 64).trim() } : {}),
    ...(traceRec ? { trace: traceRec } : {}),
    ...(error ? { error } : {}),
  };
}

/** The first character XML 1.0 cannot carry (section 2.2 Char), or undefined. */
export function findNonXmlChar(s: string): { index: number; codePoint: number } | undefined {
  let i = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (!isXmlChar(cp) || (cp >= 0xd800 && cp <= 0xdfff)) return { index: i, codePoint: cp };
    i += ch.length;
  }
  return undefined;
}

const hex4 = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

/** Throws when `s` holds a character XML cannot carry, naming it and where. */
export function assertXmlText(s: string, what: string): void {
  const bad = findNonXmlChar(s);
  if (bad) throw new WireError(`${what} holds U+${hex4(bad.codePoint)} at character ${bad.index}, which XML 1.0 cannot carry (XML 1.0 section 2.2)`);
}

export interface OutMessage {
  readonly from: string;
  readonly to: string;
  readonly id: string;
  readonly type?: 'normal' | 'chat' | 'headline';
  readonly body?: string;
  readonly subjects?: readonly LangText[];
  readonly thread?: string;
  readonly e2e?: string;
  readonly raw?: { readonly type: string; readonly base64: string };
  readonly trace?: { readonly hops: number; readonly text: string };
  readonly requestReceipt?: boolean;
}

/** Builds a <message/>; every text is checked to be XML-safe first. */
export function buildMessage(m: OutMessage): Element {
  const el = xml('message', { from: m.from, to: m.to, id: m.id, ...(m.type && m.type !== 'normal' ? { type: m.type } : {}) });
  for (const s of m.subjects ?? []) {
    assertXmlText(s.text, 'subject');
    el.append(xml('subject', s.lang !== undefined ? { 'xml:lang': s.lang } : {}, s.text));
  }
  if (m.body !== undefined) {
    assertXmlText(m.body, 'body');
    el.append(xml('body', {}, m.body));
  }
  if (m.thread !== undefined) {
    assertXmlText(m.thread, 'thread');
    el.append(xml('thread', {}, m.thread));
  }
  if (m.e2e !== undefined) el.append(xml('e2e', { xmlns: NS.e2e }, m.e2e));
  if (m.raw) el.append(xml('raw', { xmlns: NS.raw, type: m.raw.type }, m.raw.base64));
  if (m.requestReceipt) el.append(xml('request', { xmlns: NS.receipts }));
  if (m.trace) el.append(xml('trace', { xmlns: NS.trace, hops: String(m.trace.hops) }, m.trace.text));
  return el;
}

/** escapeXmlText / escapeXmlAttr, with a refusal naming the element or attribute at fault. */
function esc(s: string, what: string, attr = false): string {
  try {
    return attr ? escapeXmlAttr(s) : escapeXmlText(s);
  } catch (err) {
    throw new WireError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The same <message/> as buildMessage, as XML text ready for the stream: the send path of a
 * message toward XMPP writes this straight on the component socket (XmppLink.sendText) instead
 * of building an ltx element tree and serializing it, which was a large part of the gateway's CPU
 * per SIP->XMPP message. It parses back to the element buildMessage gives (unit-tested), except
 * that a CR in text is sent as `&#13;`, so a conforming reader keeps it instead of turning it into
 * LF (XML 1.0 2.11: "translating both the two-character sequence #xD #xA and any #xD that is not
 * followed by #xA to a single #xA"). No xmlns on <message/>: it is in the stream's default
 * namespace, as the element was.
 */
export function messageToXml(m: OutMessage): string {
  let s = `<message from="${esc(m.from, 'from', true)}" to="${esc(m.to, 'to', true)}" id="${esc(m.id, 'id', true)}"`;
  if (m.type && m.type !== 'normal') s += ` type="${m.type}"`;
  s += '>';
  for (const sub of m.subjects ?? []) {
    s += sub.lang !== undefined ? `<subject xml:lang="${esc(sub.lang, 'subject xml:lang', true)}">` : '<subject>';
    s += `${esc(sub.text, 'subject')}</subject>`;
  }
  if (m.body !== undefined) s += `<body>${esc(m.body, 'body')}</body>`;
  if (m.thread !== undefined) s += `<thread>${esc(m.thread, 'thread')}</thread>`;
  if (m.e2e !== undefined) s += `<e2e xmlns="${NS.e2e}">${esc(m.e2e, 'e2e')}</e2e>`;
  if (m.raw) s += `<raw xmlns="${NS.raw}" type="${esc(m.raw.type, 'raw type', true)}">${esc(m.raw.base64, 'raw')}</raw>`;
  if (m.requestReceipt) s += `<request xmlns="${NS.receipts}"/>`;
  if (m.trace) s += `<trace xmlns="${NS.trace}" hops="${m.trace.hops}">${esc(m.trace.text, 'trace')}</trace>`;
  return `${s}</message>`;
}

export interface OutPresence {
  readonly from: string;
  readonly to: string;
  readonly type?: 'unavailable' | 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed' | 'probe';
  readonly id?: string;
  readonly show?: string;
  readonly status?: LangText;
  readonly priority?: number;
  readonly trace?: { readonly hops: number; readonly text: string };
}

export function buildPresence(p: OutPresence): Element {
  const el = xml('presence', { from: p.from, to: p.to, ...(p.type ? { type: p.type } : {}), ...(p.id ? { id: p.id } : {}) });
  if (p.show !== undefined) el.append(xml('show', {}, p.show));
  if (p.status !== undefined) {
    assertXmlText(p.status.text, 'status');
    el.append(xml('status', p.status.lang !== undefined ? { 'xml:lang': p.status.lang } : {}, p.status.text));
  }
  if (p.priority !== undefined) el.append(xml('priority', {}, String(p.priority)));
  if (p.trace) el.append(xml('trace', { xmlns: NS.trace, hops: String(p.trace.hops) }, p.trace.text));
  return el;
}

/**
 * The same <presence/> as buildPresence, as XML text (the component path of presence
 * notifications, as messageToXml is for messages; a fan-out sends one per XMPP watcher).
 */
export function presenceToXml(p: OutPresence): string {
  let s = `<presence from="${esc(p.from, 'from', true)}" to="${esc(p.to, 'to', true)}"`;
  if (p.type) s += ` type="${p.type}"`;
  if (p.id) s += ` id="${esc(p.id, 'id', true)}"`;
  s += '>';
  if (p.show !== undefined) s += `<show>${esc(p.show, 'show')}</show>`;
  if (p.status !== undefined) {
    s += p.status.lang !== undefined ? `<status xml:lang="${esc(p.status.lang, 'status xml:lang', true)}">` : '<status>';
    s += `${esc(p.status.text, 'status')}</status>`;
  }
  if (p.priority !== undefined) s += `<priority>${p.priority}</priority>`;
  if (p.trace) s += `<trace xmlns="${NS.trace}" hops="${p.trace.hops}">${esc(p.trace.text, 'trace')}</trace>`;
  return `${s}</presence>`;
}

/**
 * An error reply to a stanza (RFC 6120 8.3.1): swaps from/to, keeps id and name, adds <error/>.
 * The caller makes sure the stanza was not itself an error: "An entity that receives an error
 * stanza MUST NOT respond to the stanza with a further error stanza".
 */
export function buildErrorReply(
  stanza: { readonly name: string; readonly from?: string; readonly to?: string; readonly id?: string },
  condition: string, type: string, message?: string, code?: string,
): Element {
  const err = xml('error', { type }, xml(condition, { xmlns: NS.stanzas }));
  if (message !== undefined) {
    const safe = [...message.slice(0, 1024)].filter((c) => findNonXmlChar(c) === undefined).join('');
    err.append(xml('text', { xmlns: NS.stanzas, 'xml:lang': 'en' }, safe));
  }
  // RFC 6120 8.3.2: the <error/> element "MAY contain a child element for an application-specific
  // error condition". The adapter always sends its stable error code there: several codes travel
  // as one condition (loop-detected and too-many-hops are both <not-acceptable/>, which reads back
  // as unsupported-media-type), so a Switchboard on the far side reports the same failure (482/483
  // to a SIP sender) instead of the nearest code. Other entities ignore the element.
  if (code !== undefined && /^[a-z][a-z-]{0,63}$/.test(code)) err.append(xml(code, { xmlns: NS.error }));
  return xml(stanza.name, {
    ...(stanza.to ? { from: stanza.to } : {}), ...(stanza.from ? { to: stanza.from } : {}),
    ...(stanza.id ? { id: stanza.id } : {}), type: 'error',
  }, err);
}

/** XEP-0184 section 5: "<received xmlns='urn:xmpp:receipts' id='...'/>" in a message to the sender. */
export function buildReceipt(from: string, to: string, id: string): Element {
  return xml('message', { from, to, id: `rcpt-${id}`.slice(0, 256) }, xml('received', { xmlns: NS.receipts, id }));
}

/**
 * Parses stanza text (tests, fixtures) with xmpp.js's own parser, inside a stream header of the
 * given namespace so that namespaces resolve as on a live stream.
 */
export function parseStanzas(s: string, ns: string = NS.component): Element[] {
  const parser = new xml.Parser();
  const out: Element[] = [];
  let failure: unknown;
  parser.on('element', (el: Element) => out.push(el));
  parser.on('error', (e: unknown) => { failure = e; });
  parser.write(`<stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams'>${s}`);
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return out;
}
