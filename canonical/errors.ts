/**
 * One registry of stable error codes, and one table mapping each code to the status every
 * protocol uses for it: a SIP status, an XMPP stanza error (condition and type) and an HTTP
 * status. The SIP <-> XMPP pairs follow RFC 7247 section 7 (tables 2 and 3).
 *
 * Pure: no I/O.
 */

/** Stable error codes. Never renumber or rename: clients and logs key on these strings. */
export const ERROR_CODES = [
  'bad-request',
  'payload-too-large',
  'unsupported-media-type',
  'unsupported-extension',
  'address-malformed',
  'unsupported-uri-scheme',
  'unauthenticated',
  'forbidden',
  'sender-blocked',
  'anonymous-refused',
  'unknown-user',
  'unknown-domain',
  'recipient-offline',
  'recipient-declined',
  'loop-detected',
  'too-many-hops',
  'timeout',
  'remote-unreachable',
  'remote-error',
  'service-unavailable',
  'rate-limited',
  'interval-too-brief',
  'subscription-gone',
  'conditional-request-failed',
  'method-not-allowed',
  'not-implemented',
  'conflict',
  'store-unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** XMPP stanza error types, RFC 6120 8.3.2. */
export type XmppErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** XMPP defined stanza error conditions, RFC 6120 8.3.3. */
export const XMPP_CONDITIONS = [
  'bad-request', 'conflict', 'feature-not-implemented', 'forbidden', 'gone',
  'internal-server-error', 'item-not-found', 'jid-malformed', 'not-acceptable', 'not-allowed',
  'not-authorized', 'policy-violation', 'recipient-unavailable', 'redirect',
  'registration-required', 'remote-server-not-found', 'remote-server-timeout',
  'resource-constraint', 'service-unavailable', 'subscription-required',
  'undefined-condition', 'unexpected-request',
] as const;
export type XmppCondition = (typeof XMPP_CONDITIONS)[number];

export interface ErrorRow {
  /** SIP final response status (RFC 3261 21). */
  readonly sip: number;
  /** SIP reason phrase used when the gateway itself answers. */
  readonly sipReason: string;
  readonly xmpp: { readonly condition: XmppCondition; readonly type: XmppErrorType };
  readonly http: number;
  /** One line for humans: what happened and, where it helps, what to change. */
  readonly text: string;
}

const row = (
  sip: number, sipReason: string, condition: XmppCondition, type: XmppErrorType, http: number, text: string,
): ErrorRow => Object.freeze({ sip, sipReason, xmpp: Object.freeze({ condition, type }), http, text });

/**
 * The one table. SIP/XMPP pairs are RFC 7247 section 7.2 (SIP -> XMPP) wherever the SIP status
 * is listed there, with five deliberate exceptions for errors the gateway raises itself, where a
 * more precise XMPP condition exists. Section 7 allows it: "implementations are free to deviate
 * from these mappings if needed."
 * - address-malformed: <jid-malformed/> (RFC 6120 8.3.3.8) rather than 400's <bad-request/>;
 * - conflict: <conflict/> rather than <bad-request/>;
 * - service-unavailable (our adapter toward the recipient is down): <remote-server-timeout/>,
 *   type wait, so XMPP senders retry, rather than 503's <internal-server-error/>;
 * - rate-limited: <resource-constraint/> (8.3.3.17) rather than <internal-server-error/>;
 * - conditional-request-failed (412, unlisted in table 3): <item-not-found/>, the closest meaning
 *   for an unknown RFC 3903 entity tag, rather than the 4xx fallback <bad-request/>.
 * test/unit/canonical/errors.test.ts names exactly these exceptions.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorRow>> = Object.freeze({
  'bad-request': row(400, 'Bad Request', 'bad-request', 'modify', 400, 'the request is malformed'),
  'payload-too-large': row(413, 'Request Entity Too Large', 'policy-violation', 'modify', 413, 'the request is larger than this gateway accepts'),
  'unsupported-media-type': row(415, 'Unsupported Media Type', 'not-acceptable', 'modify', 415, 'the content type cannot be carried to the recipient'),
  'unsupported-extension': row(420, 'Bad Extension', 'feature-not-implemented', 'cancel', 422, 'the message requires an extension this gateway does not support'),
  'address-malformed': row(400, 'Bad Request', 'jid-malformed', 'modify', 400, 'an address is not syntactically valid'),
  'unsupported-uri-scheme': row(416, 'Unsupported URI Scheme', 'not-acceptable', 'modify', 400, 'the address uses a URI scheme this gateway does not route'),
  'unauthenticated': row(401, 'Unauthorized', 'not-authorized', 'auth', 401, 'credentials are missing or wrong'),
  'forbidden': row(403, 'Forbidden', 'forbidden', 'auth', 403, 'the access rules do not permit this request'),
  'sender-blocked': row(403, 'Forbidden', 'forbidden', 'auth', 403, 'the recipient does not accept messages from this sender'),
  'anonymous-refused': row(403, 'Anonymity Disallowed', 'forbidden', 'auth', 403, 'the recipient refuses anonymous senders'),
  'unknown-user': row(404, 'Not Found', 'item-not-found', 'cancel', 404, 'no such user'),
  'unknown-domain': row(404, 'Not Found', 'remote-server-not-found', 'cancel', 404, 'no route to the recipient\'s domain'),
  'recipient-offline': row(480, 'Temporarily Unavailable', 'recipient-unavailable', 'wait', 409, 'the recipient has no live connection'),
  'recipient-declined': row(603, 'Decline', 'recipient-unavailable', 'cancel', 403, 'the recipient declined the request'),
  'loop-detected': row(482, 'Loop Detected', 'not-acceptable', 'cancel', 508, 'the message already passed this gateway (received-trace)'),
  'too-many-hops': row(483, 'Too Many Hops', 'not-acceptable', 'cancel', 508, 'the hop count is exhausted (Max-Forwards)'),
  'timeout': row(408, 'Request Timeout', 'remote-server-timeout', 'wait', 504, 'the next hop did not answer in time'),
  'remote-unreachable': row(502, 'Bad Gateway', 'remote-server-not-found', 'cancel', 502, 'the next hop could not be reached'),
  'remote-error': row(500, 'Server Internal Error', 'internal-server-error', 'wait', 502, 'the next hop failed'),
  'service-unavailable': row(503, 'Service Unavailable', 'remote-server-timeout', 'wait', 503, 'the adapter toward the recipient is not connected'),
  'rate-limited': row(503, 'Service Unavailable', 'resource-constraint', 'wait', 429, 'too many requests; retry later'),
  'interval-too-brief': row(423, 'Interval Too Brief', 'resource-constraint', 'modify', 400, 'the requested expiry is shorter than the minimum'),
  'subscription-gone': row(481, 'Call/Transaction Does Not Exist', 'item-not-found', 'cancel', 404, 'no such subscription or publication'),
  'conditional-request-failed': row(412, 'Conditional Request Failed', 'item-not-found', 'cancel', 412, 'the entity tag does not match a current publication'),
  'method-not-allowed': row(405, 'Method Not Allowed', 'feature-not-implemented', 'cancel', 405, 'the method is not allowed here'),
  'not-implemented': row(501, 'Not Implemented', 'feature-not-implemented', 'cancel', 501, 'not implemented by this gateway'),
  'conflict': row(400, 'Bad Request', 'conflict', 'cancel', 409, 'the request conflicts with current state'),
  'store-unavailable': row(500, 'Server Internal Error', 'internal-server-error', 'wait', 503, 'the state store is unreachable'),
  'internal': row(500, 'Server Internal Error', 'internal-server-error', 'wait', 500, 'internal error'),
});

export function isErrorCode(s: string): s is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(s);
}

/**
 * RFC 7247 7.2, table 3: SIP response code -> XMPP condition. Unlisted codes fall back by class:
 * "a 3xx-series code to <redirect/>, a 4xx-series code to <bad-request/>, a 5xx-series code to
 * <internal-server-error>, and a 6xx-series code to <recipient-unavailable/>."
 */
const SIP_TO_XMPP: Readonly<Record<number, XmppCondition>> = {
  300: 'redirect', 301: 'gone', 302: 'redirect', 305: 'redirect', 380: 'not-acceptable',
  400: 'bad-request', 401: 'not-authorized', 402: 'bad-request', 403: 'forbidden',
  404: 'item-not-found', 405: 'feature-not-implemented', 406: 'not-acceptable',
  407: 'registration-required', 408: 'remote-server-timeout', 410: 'gone', 413: 'policy-violation',
  414: 'policy-violation', 415: 'not-acceptable', 416: 'not-acceptable',
  420: 'feature-not-implemented', 421: 'not-acceptable', 423: 'resource-constraint',
  430: 'recipient-unavailable', 439: 'feature-not-implemented', 440: 'policy-violation',
  480: 'recipient-unavailable', 481: 'item-not-found', 482: 'not-acceptable', 483: 'not-acceptable',
  484: 'item-not-found', 485: 'item-not-found', 486: 'recipient-unavailable',
  487: 'recipient-unavailable', 488: 'not-acceptable', 489: 'policy-violation',
  491: 'unexpected-request', 493: 'bad-request', 500: 'internal-server-error',
  501: 'feature-not-implemented', 502: 'remote-server-not-found', 503: 'internal-server-error',
  504: 'remote-server-timeout', 505: 'not-acceptable', 513: 'policy-violation',
  600: 'recipient-unavailable', 603: 'recipient-unavailable', 604: 'item-not-found',
  606: 'not-acceptable',
};

export function sipStatusToXmppCondition(status: number): XmppCondition {
  const c = SIP_TO_XMPP[status];
  if (c) return c;
  if (status >= 300 && status < 400) return 'redirect';
  if (status >= 400 && status < 500) return 'bad-request';
  if (status >= 500 && status < 600) return 'internal-server-error';
  return 'recipient-unavailable';
}

/**
 * RFC 7247 7.1, table 2: XMPP condition -> SIP response code. Where the table offers a 4xx or a
 * 6xx, the 4xx is used for a full JID and the 6xx for a bare JID (notes 1-2). <service-unavailable/>
 * maps to 403, not 503 (note 5: "NOT RECOMMENDED").
 */
export function xmppConditionToSipStatus(condition: XmppCondition, opts: { bareJid?: boolean; gone?: { newAddress?: string } } = {}): number {
  const bare = opts.bareJid === true;
  switch (condition) {
    case 'bad-request': case 'conflict': case 'jid-malformed': case 'subscription-required':
    case 'undefined-condition': return 400;
    case 'feature-not-implemented': return bare ? 501 : 405;
    case 'forbidden': return bare ? 603 : 403;
    case 'gone': return opts.gone?.newAddress ? 301 : 410;
    case 'internal-server-error': case 'resource-constraint': return 500;
    case 'item-not-found': return bare ? 604 : 404;
    case 'not-acceptable': return bare ? 606 : 406;
    case 'not-allowed': case 'policy-violation': case 'service-unavailable': return 403;
    case 'not-authorized': return 401;
    case 'recipient-unavailable': return bare ? 600 : 480;
    case 'redirect': return 302;
    case 'registration-required': return 407;
    case 'remote-server-not-found': return 404;
    case 'remote-server-timeout': return 408;
    case 'unexpected-request': return 491;
  }
}

/** A remote SIP failure as a stable code (for reports to JSON clients and metrics). */
export function errorCodeFromSipStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'bad-request';
    case 401: case 407: return 'unauthenticated';
    case 403: return 'forbidden';
    case 404: case 604: return 'unknown-user';
    case 405: return 'method-not-allowed';
    case 408: return 'timeout';
    case 412: return 'conditional-request-failed';
    case 413: case 513: return 'payload-too-large';
    case 415: return 'unsupported-media-type';
    case 416: return 'unsupported-uri-scheme';
    case 420: return 'unsupported-extension';
    case 423: return 'interval-too-brief';
    case 480: case 486: case 600: return 'recipient-offline';
    case 481: return 'subscription-gone';
    case 482: return 'loop-detected';
    case 483: return 'too-many-hops';
    case 501: return 'not-implemented';
    case 502: return 'remote-unreachable';
    case 503: return 'service-unavailable';
    case 504: return 'timeout';
    case 603: return 'recipient-declined';
    default: return status >= 500 && status < 600 ? 'remote-error' : 'bad-request';
  }
}

/** A remote XMPP stanza error as a stable code. */
export function errorCodeFromXmppCondition(condition: string): ErrorCode {
  switch (condition) {
    case 'bad-request': return 'bad-request';
    case 'jid-malformed': return 'address-malformed';
    case 'forbidden': case 'not-allowed': return 'forbidden';
    case 'not-authorized': case 'registration-required': return 'unauthenticated';
    case 'item-not-found': return 'unknown-user';
    case 'remote-server-not-found': return 'unknown-domain';
    case 'remote-server-timeout': return 'timeout';
    case 'recipient-unavailable': return 'recipient-offline';
    case 'service-unavailable': return 'recipient-offline';
    case 'not-acceptable': return 'unsupported-media-type';
    case 'policy-violation': return 'forbidden';
    case 'feature-not-implemented': return 'not-implemented';
    case 'resource-constraint': return 'rate-limited';
    case 'conflict': return 'conflict';
    case 'internal-server-error': return 'remote-error';
    default: return 'remote-error';
  }
}

/** Base class of every error the gateway raises on purpose: it carries a stable code. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_TABLE[code].text, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Input that breaks its format's rules. `where` names the place (line, byte offset, path). */
export class ParseError extends SwitchboardError {
  readonly where: string | undefined;
  constructor(message: string, where?: string, code: ErrorCode = 'bad-request') {
    super(code, where ? `${message} (at ${where})` : message);
    this.where = where;
  }
}

/** A configuration that cannot run; `problems` lists every bad path. */
export class ConfigError extends SwitchboardError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('bad-request', `invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

export class TransportError extends SwitchboardError {}
export class StoreError extends SwitchboardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store-unavailable', message, options);
  }
}
export class LoopError extends SwitchboardError {}
/** The far side refused; `remote` keeps its own status for faithful mapping. */
export class RemoteRejection extends SwitchboardError {
  readonly remote: { sip?: number; xmpp?: XmppCondition; text?: string };
  constructor(code: ErrorCode, remote: { sip?: number; xmpp?: XmppCondition; text?: string }) {
    super(code, remote.text ?? ERROR_TABLE[code].text);
    this.remote = remote;
  }
}
