/**
 * RPID (RFC 4480) elements inside PIDF: a parsed, read-only view of the ones the gateway
 * reasons with, and a builder for the person element the gateway publishes.
 *
 * RPID is informational (RFC 3863 4.2: extensions "MUST NOT modify how <basic> is to be
 * understood"), so a malformed RPID element never fails the PIDF document around it: it is left
 * out of the view and named in `problems`, and its bytes still travel untouched.
 *
 * Pure: no I/O.
 */
import { SwitchboardError } from './errors';
import { childElements, escapeXmlAttr, escapeXmlText, getAttr, qualifiedName, textContent, XML_NS, type XmlElement } from './xml';

export const RPID_NS = 'urn:ietf:params:xml:ns:pidf:rpid';
/** RFC 4479 data model: <person>, <device>, <deviceID>. */
export const DATA_MODEL_NS = 'urn:ietf:params:xml:ns:pidf:data-model';

export interface RpidNote { readonly text: string; readonly lang?: string }

/**
 * An enumeration element (activities, mood, place-type, privacy, relationship, service-class).
 * `values` are the RPID value names (`away`, `angry`...) and, for values from other namespaces
 * (RFC 4480 section 6), the expanded name `{ns}local`; `other` holds the texts of <other>.
 */
export interface RpidEnumeration {
  readonly values: readonly string[];
  readonly other: readonly string[];
  readonly notes: readonly RpidNote[];
  readonly from?: string;
  readonly until?: string;
  readonly id?: string;
}

/** The RPID elements found in one <tuple>, <dm:person> or <dm:device>. */
export interface RpidElements {
  readonly activities?: RpidEnumeration;
  readonly mood?: RpidEnumeration;
  readonly placeIs?: { readonly audio?: string; readonly video?: string; readonly text?: string };
  readonly placeType?: RpidEnumeration;
  readonly privacy?: RpidEnumeration;
  readonly relationship?: RpidEnumeration;
  readonly serviceClass?: RpidEnumeration;
  readonly sphere?: string;
  readonly statusIcon?: string;
  readonly timeOffset?: { readonly minutes: number; readonly description?: string };
  readonly userInput?: { readonly value: 'active' | 'idle'; readonly idleThreshold?: number; readonly lastInput?: string };
  readonly class?: string;
  /** RFC 4479 <dm:deviceID> values. */
  readonly deviceIds: readonly string[];
}

/** RFC 4480 Table 1 elements the view reads, keyed by local name. */
const ENUMS = {
  activities: 'activities', mood: 'mood', 'place-type': 'placeType', privacy: 'privacy',
  relationship: 'relationship', 'service-class': 'serviceClass',
} as const;

/** RFC 4480 3.2: the activity values of the schema (section 5.1). */
export const RPID_ACTIVITIES: readonly string[] = Object.freeze([
  'appointment', 'away', 'breakfast', 'busy', 'dinner', 'holiday', 'in-transit', 'looking-for-work',
  'lunch', 'meal', 'meeting', 'on-the-phone', 'performance', 'permanent-absence', 'playing',
  'presentation', 'shopping', 'sleeping', 'spectator', 'steering', 'travel', 'tv', 'unknown',
  'vacation', 'working', 'worship',
]);

/** RFC 4480 3.5: the mood values of the schema (section 5.1). */
export const RPID_MOODS: readonly string[] = Object.freeze([
  'afraid', 'amazed', 'angry', 'annoyed', 'anxious', 'ashamed', 'bored', 'brave', 'calm', 'cold',
  'confused', 'contented', 'cranky', 'curious', 'depressed', 'disappointed', 'disgusted',
  'distracted', 'embarrassed', 'excited', 'flirtatious', 'frustrated', 'grumpy', 'guilty', 'happy',
  'hot', 'humbled', 'humiliated', 'hungry', 'hurt', 'impressed', 'in_awe', 'in_love', 'indignant',
  'interested', 'invincible', 'jealous', 'lonely', 'mean', 'moody', 'nervous', 'neutral', 'offended',
  'playful', 'proud', 'relieved', 'remorseful', 'restless', 'sad', 'sarcastic', 'serious', 'shocked',
  'shy', 'sick', 'sleepy', 'stressed', 'surprised', 'thirsty', 'unknown', 'worried',
]);

function note(el: XmlElement): RpidNote {
  const lang = getAttr(el, 'lang', XML_NS);
  return lang === undefined ? { text: textContent(el) } : { text: textContent(el), lang };
}

function enumeration(el: XmlElement): RpidEnumeration {
  const values: string[] = [];
  const other: string[] = [];
  const notes: RpidNote[] = [];
  for (const c of childElements(el)) {
    if (c.ns === RPID_NS && c.name === 'note') notes.push(note(c));
    else if (c.ns === RPID_NS && c.name === 'other') other.push(textContent(c));
    else values.push(c.ns === RPID_NS ? c.name : `{${c.ns}}${c.name}`);
  }
  if (values.length === 0 && other.length === 0) throw new Error('it names no value');
  const r: { -readonly [K in keyof RpidEnumeration]: RpidEnumeration[K] } = { values, other, notes };
  for (const a of ['from', 'until', 'id'] as const) {
    const v = getAttr(el, a);
    if (v !== undefined) r[a] = v;
  }
  return r;
}

function simpleText(el: XmlElement): string {
  if (childElements(el).length > 0) throw new Error('it must hold text only');
  return textContent(el).trim();
}

/** RFC 4480 3.6: <place-is> holds at most one each of <audio>, <video>, <text>. */
function placeIs(el: XmlElement): NonNullable<RpidElements['placeIs']> {
  const r: { audio?: string; video?: string; text?: string } = {};
  for (const c of childElements(el)) {
    if (c.ns !== RPID_NS || (c.name !== 'audio' && c.name !== 'video' && c.name !== 'text')) continue;
    const v = childElements(c)[0];
    if (!v) throw new Error(`<${c.name}> names no value`);
    r[c.name] = v.name;
  }
  return r;
}

/** RFC 4480 3.14: "The element can assume one of two values, namely, 'active' or 'idle'". */
function userInput(el: XmlElement): NonNullable<RpidElements['userInput']> {
  const v = simpleText(el);
  if (v !== 'active' && v !== 'idle') throw new Error(`value "${v}" is not active or idle`);
  const t = getAttr(el, 'idle-threshold');
  if (t !== undefined && !/^\s*\+?0*[1-9][0-9]{0,9}\s*$/.test(t)) throw new Error(`idle-threshold "${t}" is not a positive integer`);
  const last = getAttr(el, 'last-input');
  return { value: v, ...(t !== undefined ? { idleThreshold: Number(t) } : {}), ...(last !== undefined ? { lastInput: last.trim() } : {}) };
}

/**
 * The RPID view of a set of sibling extension elements (the children of one <tuple>, <status>,
 * <dm:person> or <dm:device>). Elements of other namespaces are skipped; RPID elements that do
 * not follow RFC 4480 section 5.1 are skipped and described in `problems`. Where an element
 * repeats (allowed with from/until ranges), the first is read.
 */
export function readRpid(elements: readonly XmlElement[], problems: string[]): RpidElements {
  const r: { -readonly [K in keyof RpidElements]: RpidElements[K] } = { deviceIds: [] };
  const ids: string[] = [];
  for (const el of elements) {
    if (el.ns === DATA_MODEL_NS && el.name === 'deviceID') { ids.push(textContent(el).trim()); continue; }
    if (el.ns !== RPID_NS) continue;
    try {
      const key = (ENUMS as Record<string, (typeof ENUMS)[keyof typeof ENUMS]>)[el.name];
      if (key !== undefined) r[key] ??= enumeration(el);
      else if (el.name === 'place-is') r.placeIs ??= placeIs(el);
      else if (el.name === 'sphere') {
        // RFC 4480 3.11 allows any sphere name; its own section 4 example writes one as text.
        const c = childElements(el)[0];
        r.sphere ??= c ? c.name : textContent(el).trim();
      } else if (el.name === 'status-icon') r.statusIcon ??= simpleText(el);
      else if (el.name === 'class') r.class ??= simpleText(el);
      else if (el.name === 'user-input') r.userInput ??= userInput(el);
      else if (el.name === 'time-offset') {
        const v = simpleText(el);
        if (!/^[+-]?[0-9]{1,5}$/.test(v)) throw new Error(`value "${v}" is not an integer number of minutes`);
        const d = getAttr(el, 'description');
        r.timeOffset ??= { minutes: Number(v), ...(d !== undefined ? { description: d } : {}) };
      }
    } catch (e) {
      problems.push(`<${qualifiedName(el)}> ignored: ${(e as Error).message}`);
    }
  }
  r.deviceIds = ids;
  return r;
}

/** What the gateway publishes about a person (RFC 4480 via the RFC 4479 <dm:person>). */
export interface RpidInput {
  /** Activity names (RFC 4480 3.2); a name not in the list is sent as <other>. */
  readonly activities?: readonly string[];
  /** Mood names (RFC 4480 3.5); a name not in the list is sent as <other>. */
  readonly mood?: readonly string[];
  readonly sphere?: 'home' | 'work' | 'unknown';
  /** Minutes from UTC (RFC 4480 3.13). */
  readonly timeOffset?: number;
  readonly userInput?: 'active' | 'idle';
  readonly statusIcon?: string;
  readonly class?: string;
  /** The person element's id (an XML ID); default "p1". */
  readonly id?: string;
}

function enumXml(tag: string, names: readonly string[], known: readonly string[]): string {
  const inner = names.map((n) => (known.includes(n) ? `<rpid:${n}/>` : `<rpid:other>${escapeXmlText(n)}</rpid:other>`)).join('');
  return `<rpid:${tag}>${inner}</rpid:${tag}>`;
}

/** A serialized <dm:person> carrying the given RPID elements, with its own namespace declarations. */
export function rpidPersonXml(input: RpidInput): string {
  const id = input.id ?? 'p1';
  if (!/^[A-Za-z_][A-Za-z0-9._-]*$/.test(id)) throw new SwitchboardError('bad-request', `RPID person id "${id}" is not an XML ID`);
  const parts: string[] = [];
  if (input.activities?.length) parts.push(enumXml('activities', input.activities, RPID_ACTIVITIES));
  if (input.class !== undefined) parts.push(`<rpid:class>${escapeXmlText(input.class)}</rpid:class>`);
  if (input.mood?.length) parts.push(enumXml('mood', input.mood, RPID_MOODS));
  if (input.sphere !== undefined) parts.push(`<rpid:sphere><rpid:${input.sphere}/></rpid:sphere>`);
  if (input.statusIcon !== undefined) parts.push(`<rpid:status-icon>${escapeXmlText(input.statusIcon)}</rpid:status-icon>`);
  if (input.timeOffset !== undefined) {
    if (!Number.isInteger(input.timeOffset) || Math.abs(input.timeOffset) > 24 * 60) {
      throw new SwitchboardError('bad-request', `RPID time-offset ${input.timeOffset} is not a whole number of minutes within a day`);
    }
    parts.push(`<rpid:time-offset>${input.timeOffset}</rpid:time-offset>`);
  }
  if (input.userInput !== undefined) parts.push(`<rpid:user-input>${input.userInput}</rpid:user-input>`);
  return `<dm:person xmlns:dm="${DATA_MODEL_NS}" xmlns:rpid="${RPID_NS}" id="${escapeXmlAttr(id)}">${parts.join('')}</dm:person>`;
}

