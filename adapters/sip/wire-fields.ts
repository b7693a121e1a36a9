/**
 * Header-field values with a grammar of their own beyond name-addr and Via (RFC 3261 25.1,
 * RFC 6665 8.4): CSeq, Max-Forwards, delta-seconds, media types and Accept, token lists, Call-ID,
 * Date, Event, Subscription-State. Split from wire-grammar.ts (its scanner and parameters) to
 * keep each file small. Pure: no I/O.
 */
import { bad } from './wire-error';
import { commaList, isToken, lowerToken, parseParams, Scanner, type Params } from './wire-grammar';
import { clip } from './wire-uri';

const WORD_RE = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+$/;

/** RFC 3261 8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer" and "MUST be less than 2**31". */
export function parseCSeq(value: string): { seq: number; method: string } {
  const m = /^([0-9]{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(value);
  if (!m) throw bad('Malformed CSeq: expected 1*DIGIT LWS Method');
  const seq = Number(m[1]);
  if (seq >= 2 ** 31) throw bad('CSeq sequence number out of range (must be less than 2**31)');
  return { seq, method: m[2]! };
}

/** RFC 3261 20.22: Max-Forwards is an integer in the range 0-255 (leading zeros allowed). */
export function parseMaxForwardsValue(value: string): number {
  if (!/^[0-9]{1,10}$/.test(value)) throw bad('Malformed Max-Forwards: expected 1*DIGIT');
  const n = Number(value);
  if (n > 255) throw bad('Max-Forwards out of range (0-255)');
  return n;
}

/** delta-seconds = 1*DIGIT; RFC 3261 says values above 2**32-1 are treated as 2**32-1. */
export function parseDeltaSeconds(value: string, what: string): number {
  if (!/^[0-9]+$/.test(value)) throw bad(`Malformed ${what}: expected delta-seconds`);
  if (value.length > 10) return 2 ** 32 - 1;
  return Math.min(Number(value), 2 ** 32 - 1);
}

export interface MediaType { readonly type: string; readonly subtype: string; readonly params: Params }

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter). */
export function parseMediaType(value: string, what = 'Content-Type'): MediaType {
  const sc = new Scanner(value, what);
  const mt = mediaType(sc);
  sc.ws();
  if (!sc.done) throw sc.fail(`unexpected ${clip(sc.peek())}`);
  return mt;
}

function mediaType(sc: Scanner): MediaType {
  sc.ws();
  const type = sc.needToken('media type');
  sc.ws(); sc.expect('/', "'/' in media type"); sc.ws();
  const subtype = sc.needToken('media subtype');
  return { type: lowerToken(type), subtype: lowerToken(subtype), params: parseParams(sc) };
}

/** Accept = [ accept-range *(COMMA accept-range) ]: an empty value is allowed. */
export function parseAccept(value: string): MediaType[] {
  if (value.trim() === '') return [];
  return commaList(new Scanner(value, 'Accept'), mediaType);
}

/** A comma-separated token list (Require, Proxy-Require, Supported, Allow, Allow-Events). */
export function parseTokenList(value: string, what: string): string[] {
  if (value.trim() === '') return [];
  return value.split(',').map((v) => {
    const t = v.trim();
    if (!isToken(t)) throw bad(`Malformed ${what}: ${clip(t)} is not a token`);
    return t;
  });
}

/** callid = word [ "@" word ]. */
export function checkCallId(value: string): void {
  const at = value.indexOf('@');
  const parts = at >= 0 ? [value.slice(0, at), value.slice(at + 1)] : [value];
  if (!parts.every((p) => WORD_RE.test(p))) throw bad('Malformed Call-ID: expected word [ "@" word ]');
}

/** Date = rfc1123-date: wkday "," SP 2DIGIT SP month SP 4DIGIT SP time SP "GMT" (RFC 3261 25.1). */
export function checkDate(value: string): void {
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/.test(value)) {
    throw bad('Malformed Date: RFC 3261 allows only rfc1123-date with the time zone GMT');
  }
}

/** Event = event-type *( SEMI event-param ) (RFC 6665 8.4). */
export function parseEvent(value: string): { type: string; params: Params } {
  const sc = new Scanner(value, 'Event');
  sc.ws();
  const type = sc.needToken('event type');
  const params = parseParams(sc);
  sc.ws();
  if (!sc.done) throw sc.fail(`unexpected ${clip(sc.peek())}`);
  return { type: lowerToken(type), params };
}

/** Subscription-State = substate-value *( SEMI subexp-params ) (RFC 6665 8.4). */
export function parseSubscriptionState(value: string): { state: string; params: Params } {
  const ev = parseEvent(value);
  return { state: ev.type, params: ev.params };
}
