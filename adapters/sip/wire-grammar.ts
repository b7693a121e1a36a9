/**
 * Header-value grammar of RFC 3261 section 25.1: a small scanner over one unfolded header value,
 * and the productions the adapter needs strictly (name-addr / addr-spec with parameters, Via,
 * CSeq, media types, token lists, Date, Call-ID). Pure: no I/O.
 *
 * Folding has already been replaced by a single SP (RFC 3261 7.3.1: "a recipient MAY replace any
 * linear white space with a single SP before interpreting the field value").
 */
import { SipWireError, bad } from './wire-error';
import { checkAbsoluteUri, clip, isHost, parseSipUri, splitHostPort, uriScheme, type SipUri } from './wire-uri';

/** Character classes as lookup tables over char codes (the scanner's hot loops avoid regexes). */
function table(chars: string, ranges = true): Uint8Array {
  const t = new Uint8Array(128);
  if (ranges) for (let c = 0; c < 128; c++) if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) t[c] = 1;
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}
const TOKEN_T = table("-.!%*_+`'~");
const GEN_VALUE_T = table("-.!%*_+`'~:");
const HOST_T = table('-.');
const ADDR_END_T = table(';, \t', false);
const isIn = (t: Uint8Array, code: number): boolean => code < 128 && t[code] === 1;
const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * Case folding of a token or host (ASCII by grammar): the string itself when it holds no
 * letter to change, without a call into the runtime (most names and hosts arrive in the case
 * they are kept in). Not for text that may hold non-ASCII letters.
 */
export function lowerToken(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

export function upperToken(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return s.toUpperCase();
  }
  return s;
}

export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** A cursor over one header value. Every method either advances or throws a 400 naming `what`. */
export class Scanner {
  pos = 0;
  constructor(readonly s: string, readonly what: string) {}
  get done(): boolean { return this.pos >= this.s.length; }
  peek(): string { return this.s[this.pos] ?? ''; }
  /** Skips SP / HTAB (LWS after unfolding). Returns whether any was skipped. */
  ws(): boolean {
    const start = this.pos;
    for (let c = this.s.charCodeAt(this.pos); c === 0x20 || c === 0x09; c = this.s.charCodeAt(this.pos)) this.pos++;
    return this.pos > start;
  }
  token(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isIn(TOKEN_T, this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }
  needToken(label: string): string {
    const t = this.token();
    if (!t) throw this.fail(`expected ${label}`);
    return t;
  }
  eat(ch: string): boolean {
    if (this.s.charCodeAt(this.pos) === ch.charCodeAt(0)) { this.pos++; return true; }
    return false;
  }
  expect(ch: string, label: string): void {
    if (!this.eat(ch)) throw this.fail(`expected ${label}`);
  }
  /** quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE; returns the unescaped content. */
  quoted(): string {
    this.expect('"', 'a quoted string');
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) throw this.fail('unterminated quoted string');
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x22) { this.pos++; return out; }
      if (c === 0x5c) {
        const n = this.s.charCodeAt(this.pos + 1);
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        if (Number.isNaN(n) || n === 0x0a || n === 0x0d || n > 0x7f) throw this.fail('bad escape in quoted string');
        out += this.s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
      if (c < 0x20 && c !== 0x09) throw this.fail('control character in quoted string');
      if (c === 0x7f) throw this.fail('DEL in quoted string');
      out += this.s[this.pos];
      this.pos++;
    }
  }
  fail(msg: string): Error {
    return bad(`Malformed ${this.what}: ${msg} at column ${this.pos + 1}`);
  }
}

/** Generic parameters (`;name[=value]`), names lower-cased; values unquoted. */
export type Params = Record<string, string>;

/**
 * *( SEMI generic-param ), SEMI = SWS ";" SWS; gen-value = token / host / quoted-string.
 * Stops before ',' (list separator) or at the end; anything else is an error.
 */
export function parseParams(sc: Scanner): Params {
  const params: Params = {};
  for (;;) {
    sc.ws();
    if (!sc.eat(';')) return params;
    sc.ws();
    const nameStart = sc.pos;
    const name = paramName(sc);
    if (!name) throw sc.fail('empty parameter');
    // Faults name the parameter as written: sc.s.slice(nameStart, nameStart + name.length) (the
    // name is folded, same length: tokens are ASCII).
    sc.ws();
    let value = '';
    if (sc.eat('=')) {
      sc.ws();
      if (sc.peek() === '"') value = sc.quoted();
      else {
        const start = sc.pos;
        // host may be an IPv6 reference, which is not a token.
        if (sc.peek() === '[') { const close = sc.s.indexOf(']', sc.pos); if (close < 0) throw sc.fail('unterminated IPv6 reference'); sc.pos = close + 1; }
        else while (!sc.done && isIn(GEN_VALUE_T, sc.s.charCodeAt(sc.pos))) sc.pos++;
        value = sc.s.slice(start, sc.pos);
        if (!value) throw sc.fail(`parameter ${sc.s.slice(nameStart, nameStart + name.length)} has an empty value`);
        // GEN_VALUE_T is the token characters and ':': a value without '[' or ':' is a token,
        // known without the regex (most are: tag, branch, rport, transport).
        const plain = sc.s.charCodeAt(start) !== 0x5b && value.indexOf(':') < 0;
        if (!plain && !isToken(value) && !isHost(value)) throw sc.fail(`parameter ${sc.s.slice(nameStart, nameStart + name.length)} has a malformed value`);
      }
    }
    params[name] = value;
  }
}

/** Parameter names as usually written (lower case), by length: found in place, no substring. */
const PARAM_NAMES: ReadonlyMap<number, readonly string[]> = (() => {
  const m = new Map<number, string[]>();
  for (const n of ['tag', 'branch', 'rport', 'received', 'transport', 'lr', 'maddr', 'ttl', 'user', 'method', 'charset', 'expires', 'q', 'boundary', 'type', 'id', 'reason', 'retry-after']) {
    m.set(n.length, [...(m.get(n.length) ?? []), n]);
  }
  return m;
})();

/**
 * A parameter name (a token), lower-cased: a common name as its constant (a property key the
 * engine already holds; a fresh substring had to be looked up as one on every store), another
 * one cut and folded.
 */
function paramName(sc: Scanner): string {
  const start = sc.pos;
  const s = sc.s;
  let end = start;
  while (end < s.length && isIn(TOKEN_T, s.charCodeAt(end))) end++;
  sc.pos = end;
  const list = PARAM_NAMES.get(end - start);
  if (list !== undefined) {
    for (const n of list) if (s.startsWith(n, start)) return n;
  }
  return lowerToken(s.slice(start, end));
}

/** To/From/Contact/Route value: display name, URI and header parameters. */
export interface NameAddr {
  readonly display?: string;
  /** The URI text exactly as written (inside <> when bracketed). */
  readonly uri: string;
  /** Set when the scheme is sip: or sips:. */
  readonly sip?: SipUri;
  readonly scheme: string;
  readonly params: Params;
  /** Contact: "*". */
  readonly star?: boolean;
}

/**
 * One name-addr / addr-spec with parameters (RFC 3261 20.10 and 25.1):
 *   (name-addr / addr-spec) *(SEMI param);  name-addr = [display-name] LAQUOT addr-spec RAQUOT
 * "If the URI is not enclosed in angle brackets, any semicolon-delimited parameters are
 * header-parameters, not URI parameters" (20.10), so a bare addr-spec ends at ';' and may not
 * hold '?' or ','.
 */
export function parseNameAddr(sc: Scanner): NameAddr {
  sc.ws();
  let display: string | undefined;
  if (sc.peek() === '"') {
    display = sc.quoted();
    sc.ws();
    if (sc.peek() !== '<') throw sc.fail('quoted display name not followed by <URI>');
  } else {
    const start = sc.pos;
    let words: string[] | undefined;
    for (;;) {
      const t = sc.token();
      if (!t) break;
      (words ??= []).push(t);
      sc.ws();
    }
    if (sc.peek() === '<' && words !== undefined) display = words.join(' ');
    else if (sc.peek() !== '<') sc.pos = start;
  }
  let uri: string;
  let bracketed = false;
  if (sc.eat('<')) {
    bracketed = true;
    const close = sc.s.indexOf('>', sc.pos);
    if (close < 0) throw sc.fail('missing > after URI');
    uri = sc.s.slice(sc.pos, close);
    if (/[ \t]/.test(uri)) throw sc.fail('white space inside <URI>');
    sc.pos = close + 1;
  } else {
    const start = sc.pos;
    while (!sc.done && !isIn(ADDR_END_T, sc.s.charCodeAt(sc.pos))) sc.pos++;
    uri = sc.s.slice(start, sc.pos);
    if (!uri) throw sc.fail('missing URI');
    // An unbracketed display name (words then something that is not '<') lands here too.
    const after = sc.pos;
    sc.ws();
    if (!sc.done && sc.peek() !== ';' && sc.peek() !== ',') {
      throw sc.fail(sc.peek() === '<' || /^[A-Za-z0-9]/.test(sc.peek()) ? 'display name with non-token characters must be quoted' : 'white space inside addr-spec');
    }
    sc.pos = after;
  }
  let scheme: string;
  let sip: SipUri | undefined;
  try {
    scheme = uriScheme(uri);
    if (scheme === 'sip' || scheme === 'sips') sip = parseSipUri(uri, { allowHeaders: bracketed });
    else checkAbsoluteUri(uri);
  } catch (e) {
    if (!bracketed && sc.s.indexOf('<', sc.pos) >= 0) throw sc.fail('display name with non-token characters must be quoted');
    throw sc.fail(e instanceof SipWireError ? e.phrase : 'malformed URI');
  }
  if (!bracketed && uri.includes('?')) throw sc.fail('URI with a headers component must be enclosed in <>');
  const params = parseParams(sc);
  // One shape whatever is present (conditional spreads made each a different hidden class).
  return { display, uri, sip, scheme, params, star: undefined };
}

/** A whole single-valued name-addr header (To, From): nothing may follow. */
export function parseNameAddrHeader(value: string, what: string): NameAddr {
  const sc = new Scanner(value, what);
  const na = parseNameAddr(sc);
  sc.ws();
  if (!sc.done) throw sc.fail(sc.peek() === ',' ? 'more than one value' : `unexpected ${clip(sc.peek())}`);
  return na;
}

/** A comma-separated list of name-addrs (Contact, Route, Record-Route); Contact may be "*". */
export function parseNameAddrList(value: string, what: string, allowStar = false): NameAddr[] {
  if (allowStar && value.trim() === '*') return [{ display: undefined, uri: '*', sip: undefined, scheme: '*', params: {}, star: true }];
  return commaList(new Scanner(value, what), parseNameAddr);
}

/** Values separated by commas (RFC 3261 7.3.1: `#` lists), at most 64; the scanner ends at its end. */
export function commaList<T>(sc: Scanner, item: (sc: Scanner) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < 64; i++) {
    out.push(item(sc));
    sc.ws();
    if (sc.done) return out;
    if (!sc.eat(',')) throw sc.fail(`unexpected ${clip(sc.peek())}`);
  }
  throw sc.fail('more than 64 values');
}

export interface Via {
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  readonly branch?: string;
}

/**
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ); sent-protocol = protocol-name SLASH
 * protocol-version SLASH transport, SLASH = SWS "/" SWS.
 */
export function parseViaList(value: string): Via[] {
  const sc = new Scanner(value, 'Via');
  const out: Via[] = [];
  for (let i = 0; i < 70; i++) {
    sc.ws();
    // "SIP/2.0/UDP" as most peers write it: read in place; anything else by the grammar below.
    let transport = fastTransport(sc);
    if (transport === undefined) {
      const name = sc.needToken('protocol name');
      sc.ws(); sc.expect('/', "'/' after protocol name"); sc.ws();
      const version = sc.needToken('protocol version');
      sc.ws(); sc.expect('/', "'/' after protocol version"); sc.ws();
      transport = sc.needToken('transport');
      if (upperToken(name) !== 'SIP' || version !== '2.0') throw sc.fail(`unsupported sent-protocol ${name}/${version}`);
    }
    if (!sc.ws()) throw sc.fail('missing white space before sent-by');
    const start = sc.pos;
    if (sc.peek() === '[') { const close = sc.s.indexOf(']', sc.pos); if (close < 0) throw sc.fail('unterminated IPv6 reference'); sc.pos = close + 1; }
    while (!sc.done && isIn(HOST_T, sc.s.charCodeAt(sc.pos))) sc.pos++;
    const host = sc.s.slice(start, sc.pos);
    sc.ws();
    let portText = '';
    if (sc.eat(':')) { sc.ws(); const p = sc.pos; for (let c = sc.s.charCodeAt(sc.pos); c >= 0x30 && c <= 0x39; c = sc.s.charCodeAt(sc.pos)) sc.pos++; portText = sc.s.slice(p, sc.pos); if (!portText) throw sc.fail('empty port'); }
    // sent-by = host [ COLON port ]: an IPv6 reference through splitHostPort; any other host was
    // scanned without ':' and the port as digits, so the same checks need no re-split.
    const hp = host.charCodeAt(0) === 0x5b ? splitHostPort(portText ? `${host}:${portText}` : host, `Via sent-by ${host}`) : sentBy(host, portText);
    const params = parseParams(sc);
    if (params.ttl !== undefined && (!/^[0-9]{1,3}$/.test(params.ttl) || Number(params.ttl) > 255)) throw sc.fail('ttl out of range');
    if (params.received !== undefined && !isHost(params.received)) throw sc.fail('received is not an address');
    if ('branch' in params && !params.branch) throw sc.fail('empty branch');
    out.push({ transport: upperToken(transport), host: lowerToken(hp.host), port: hp.port, params, branch: params.branch ? params.branch : undefined });
    sc.ws();
    if (sc.done) return out;
    if (!sc.eat(',')) throw sc.fail(`unexpected ${clip(sc.peek())}`);
  }
  throw sc.fail('more than 70 values');
}

/** UDP, TCP or TLS after an exact "SIP/2.0/" and before a non-token character, else undefined (position kept). */
function fastTransport(sc: Scanner): string | undefined {
  const s = sc.s;
  const p = sc.pos;
  if (!s.startsWith('SIP/2.0/', p) || isIn(TOKEN_T, s.charCodeAt(p + 11))) return undefined;
  const t = s.startsWith('UDP', p + 8) ? 'UDP' : s.startsWith('TCP', p + 8) ? 'TCP' : s.startsWith('TLS', p + 8) ? 'TLS' : undefined;
  if (t !== undefined) sc.pos = p + 11;
  return t;
}

/** A Via sent-by without '[': splitHostPort's checks and faults, for a host holding no ':' and a port of digits. */
function sentBy(host: string, portText: string): { host: string; port: number | undefined } {
  if (!isHost(host)) throw bad(`malformed host ${clip(host)} in ${clip(`Via sent-by ${host}`)}`);
  if (portText === '') return { host, port: undefined };
  if (portText.length > 5 || Number(portText) > 65535) throw bad(`malformed port in ${clip(`Via sent-by ${host}`)}`);
  return { host, port: Number(portText) };
}
