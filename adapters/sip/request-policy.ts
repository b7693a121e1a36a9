/**
 * What the adapter, as a user agent server, checks after the grammar and before it looks at the
 * method's own semantics: URI scheme, required extensions, body type, Accept, method. Pure.
 *
 * RFC 3261 8.2 gives an order (method, then headers, then content) that an element "SHOULD"
 * follow. The order here puts URI scheme, Require and the body type first so that the specific
 * statuses RFC 4475 names for its torture messages (416 for 3.3.2/3.3.3, 420 for 3.3.5, 415 for
 * 3.3.6, 406 for 3.3.15) are what a sender learns, even for INVITE, which this gateway does not
 * serve and otherwise answers 405.
 */
import { SipWireError } from './wire-error';
import { headerValues } from './wire-message';
import { KNOWN_METHODS, type CheckedRequest } from './wire-validate';

/** Methods served here. */
export const ALLOWED_METHODS = ['MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'OPTIONS', 'ACK', 'CANCEL'] as const;
export const ALLOW_HEADER = ALLOWED_METHODS.join(', ');
/** Body types the gateway can carry or read (canonical/mime classifies these). */
export const ACCEPTED_TYPES = [
  'text/plain', 'message/cpim', 'application/pidf+xml', 'multipart/signed', 'multipart/mixed',
  'multipart/alternative', 'application/pkcs7-mime', 'message/imdn+xml', 'text/html', 'application/sdp',
];
export const ACCEPT_HEADER = 'text/plain, message/cpim, application/pidf+xml, multipart/signed, multipart/mixed, application/pkcs7-mime, message/imdn+xml';
/** Option tags this adapter supports (none are required of peers). */
export const SUPPORTED_HEADER = '';
/** URI schemes the gateway routes in a Request-URI (RFC 3860 im:, RFC 3859 pres:). */
const SCHEMES = new Set(['sip', 'sips', 'im', 'pres']);

/** Whether any Content-Encoding field is present (most requests: none, and nothing allocated to learn it). */
function hasEncoding(req: CheckedRequest): boolean {
  for (const h of req.headers) if (h.name === 'content-encoding') return true;
  return false;
}

/** The first policy fault of a request, or undefined when it may be processed. */
export function checkRequestPolicy(req: CheckedRequest): SipWireError | undefined {
  // RFC 3261 8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD
  // reject the request with a 416 (Unsupported URI Scheme) response."
  if (!SCHEMES.has(req.uriScheme)) return new SipWireError(416, 'Unsupported URI Scheme');
  // RFC 3261 8.2.2.3: "the UAS MUST respond by generating a response with a status code of
  // 420 (Bad Extension) ... and MUST include an Unsupported header field".
  if (req.method !== 'ACK' && req.method !== 'CANCEL' && req.require.length > 0) {
    return new SipWireError(420, 'Bad Extension', [['Unsupported', req.require.join(', ')]]);
  }
  // RFC 3261 8.2.3: "If a UAS does not understand ... the type ... of a body, the UAS MUST
  // respond with a 415 (Unsupported Media Type) response."
  if (req.body.length > 0 && req.contentType) {
    const t = `${req.contentType.type}/${req.contentType.subtype}`;
    if (!ACCEPTED_TYPES.includes(t) && !(req.contentType.type === 'text' && req.method === 'MESSAGE')) {
      return new SipWireError(415, 'Unsupported Media Type', [['Accept', ACCEPT_HEADER]]);
    }
  }
  // RFC 3261 8.2.3: "If a UAS does not understand the ... encoding ... of a body, the UAS MUST
  // respond with a 415 (Unsupported Media Type) response", listing Accept-Encoding. The canonical
  // content has no encoding field, so only identity can be carried without re-encoding.
  if (req.body.length > 0 && hasEncoding(req)) {
    const enc = headerValues(req, 'content-encoding').flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter((v) => v !== '' && v !== 'identity');
    if (enc.length > 0) return new SipWireError(415, 'Unsupported Media Type: Content-Encoding', [['Accept-Encoding', 'identity']]);
  }
  // RFC 4475 3.3.15: "all SIP User-Agents (UAs) supporting INVITE are required to support
  // application/sdp"; an INVITE whose Accept excludes it cannot be answered: 406.
  if (req.method === 'INVITE' && req.accept && !req.accept.some((m) => (m.type === 'application' || m.type === '*') && (m.subtype === 'sdp' || m.subtype === '*'))) {
    return new SipWireError(406, 'Not Acceptable: Accept excludes application/sdp', [['Warning', '399 switchboard "no response can be formulated in the offered Accept types"']]);
  }
  // RFC 3261 8.2.1: "If the UAS recognizes but does not support the method of a request, it
  // MUST generate a 405 (Method Not Allowed) response ... The UAS MUST also add an Allow header."
  if (!(ALLOWED_METHODS as readonly string[]).includes(req.method)) {
    if (KNOWN_METHODS.has(req.method)) return new SipWireError(405, 'Method Not Allowed', [['Allow', ALLOW_HEADER]]);
    return new SipWireError(501, 'Not Implemented', [['Allow', ALLOW_HEADER]]);
  }
  return undefined;
}
