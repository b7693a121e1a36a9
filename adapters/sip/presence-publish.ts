/**
 * PUBLISH from SIP presence agents (RFC 3903): initial, refresh (SIP-If-Match, no body), modify
 * (SIP-If-Match with body) and remove (Expires: 0), turned into canonical publications.
 */
import type { PresenceLimits } from './config';
import { outcomeToStatus } from './from-canonical';
import type { SipStack } from './stack';
import { sipPublishToOp } from './to-canonical';
import type { Remote } from './transport';
import { headerValue } from './wire-message';
import type { CheckedRequest } from './wire-validate';

/** RFC 3903 default when the PUBLISH has no Expires (the presence package's 3600). */
export const DEFAULT_PUBLISH_EXPIRES = 3600;

export async function onPublish(stack: SipStack, presence: PresenceLimits, req: CheckedRequest, remote: Remote, txKey: string): Promise<void> {
  const reply = (status: number, phrase: string, headers: [string, string][] = []): void => stack.respond(txKey, req, remote, status, phrase, { headers });
  // RFC 3903 6 step 2: "If the ESC does not support the event package ... 489 (Bad Event)".
  if (req.event?.type !== 'presence') { reply(489, 'Bad Event', [['Allow-Events', 'presence']]); return; }
  const etag = headerValue(req, 'sip-if-match');
  const hasBody = req.body.length > 0;
  // RFC 3903 6 step 3: "If the request does not contain a SIP-If-Match header field, the ESC MUST
  // generate and store a locally unique entity-tag ... If the request has no body ... 400".
  if (etag === undefined && !hasBody) { reply(400, 'Bad Request: PUBLISH without SIP-If-Match needs a body'); return; }
  if (hasBody) {
    const t = req.contentType ? `${req.contentType.type}/${req.contentType.subtype}` : '';
    // RFC 3903 6 step 4: a body of an unsupported type gets 415 with Accept.
    if (t !== 'application/pidf+xml') { reply(415, 'Unsupported Media Type', [['Accept', 'application/pidf+xml']]); return; }
  }
  const requested = req.expires ?? DEFAULT_PUBLISH_EXPIRES;
  // RFC 3903 6 step 5: "If the requested duration is lower than the minimum ... 423 (Interval Too Brief)".
  if (requested > 0 && requested < presence.minExpires) { reply(423, 'Interval Too Brief', [['Min-Expires', String(presence.minExpires)]]); return; }
  if (requested === 0 && etag === undefined) { reply(400, 'Bad Request: Expires 0 needs SIP-If-Match'); return; }
  const expires = Math.min(requested, presence.maxExpires);
  const origin = { transactionId: req.via[0]?.branch ?? req.callId, sourceId: `${remote.transport} ${remote.address}:${remote.port}` };
  const result = await stack.ctx.publish(sipPublishToOp(req, origin, expires, etag));
  if (result.outcome.status === 'failed') {
    // RFC 3903 6 step 4: "If the ESC cannot locate a matching entity-tag ... 412 (Conditional Request Failed)".
    const { status, phrase } = outcomeToStatus(result.outcome);
    reply(status, phrase, status === 423 ? [['Min-Expires', String(presence.minExpires)]] : []);
    return;
  }
  // RFC 3903 6 step 8: "The 2xx response ... MUST contain a SIP-ETag header field ... and an Expires header field".
  const granted = expires === 0 ? 0 : result.expires ?? expires;
  const headers: [string, string][] = [['Expires', String(granted)]];
  if (result.etag) headers.unshift(['SIP-ETag', result.etag]);
  reply(200, 'OK', headers);
}
