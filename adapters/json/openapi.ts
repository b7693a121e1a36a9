/**
 * The OpenAPI 3.1 document served at GET /v1/openapi.json: every resource of the JSON protocol,
 * its request and response shapes, and the stream frames (described in x-stream-frames).
 */
import { ERROR_CODES } from '../../canonical/errors';

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown): unknown => ({ content: { 'application/json': { schema } } });
const errors = (...codes: number[]): Record<string, unknown> =>
  Object.fromEntries(codes.map((c) => [String(c), { description: ERROR_TEXT[c] ?? 'error', ...(json(ref('Error')) as object) }]));
const ERROR_TEXT: Record<number, string> = {
  400: 'bad request: the error names the field', 401: 'missing or unknown bearer token', 403: 'refused by access rules',
  404: 'not found', 409: 'recipient offline', 413: 'body larger than json.maxBodyBytes', 415: 'unsupported Content-Type', 503: 'not ready or shutting down',
};
const addressParam = (name: string, description: string): unknown => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const ok = (description: string, schema: unknown): unknown => ({ description, ...(json(schema) as object) });

const outcome = {
  type: 'object', required: ['status'],
  properties: {
    status: { enum: ['delivered', 'failed', 'indeterminate'] },
    code: { enum: [...ERROR_CODES], description: 'set when failed' },
    reason: { type: 'string' },
    remote: { type: 'object', properties: { sip: { type: 'integer' }, xmpp: { type: 'string' }, text: { type: 'string' } } },
    trace: { type: 'array', items: { type: 'string' } },
  },
};

const subscription = {
  type: 'object',
  properties: {
    id: { type: 'string' }, watcher: { type: 'string' }, presentity: { type: 'string' },
    state: { enum: ['active', 'pending', 'terminated'] }, expiresAt: { type: 'string', format: 'date-time' },
    expires: { type: 'integer' }, watcherProtocol: { enum: ['json', 'sip', 'xmpp'] },
  },
};

const decision = { enum: ['allow', 'deny', 'polite-block'] };
const pattern = { type: 'string', description: '"user@domain", "*@domain" or "*"' };

export const OPENAPI = Object.freeze({
  openapi: '3.1.0',
  info: {
    title: 'Switchboard JSON protocol',
    version: '1',
    description: 'Messages and presence through the Switchboard gateway. Every /v1 resource except this document needs a bearer token; the authenticated account is the sender of everything it sends (RFC 2779 5.2.4, 5.4.3). Bad input gets 400/413/415 with { error: { code, message, field } } and changes nothing stored.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { enum: [...ERROR_CODES] }, message: { type: 'string' }, field: { type: 'string' } } }, outcome } },
      Outcome: outcome,
      MessageRequest: {
        type: 'object', additionalProperties: false, required: ['to'],
        description: 'Exactly one of text, base64 (with contentType) or cpim.',
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'client-chosen id: a retry with the same id is delivered once (RFC 2779 5.4.2)' },
          to: { type: 'string', description: 'user@domain, im:, sip:, xmpp: forms' },
          subject: { oneOf: [{ type: 'string' }, { type: 'array', maxItems: 16, items: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string' }, lang: { type: 'string' } } } }] },
          text: { type: 'string', description: 'sent as text/plain;charset=utf-8' },
          base64: { type: 'string', contentEncoding: 'base64', description: 'exact content bytes' },
          contentType: { type: 'string' },
          cpim: { type: 'string', contentEncoding: 'base64', description: 'a whole message/cpim, relayed byte for byte' },
          thread: { type: 'string' },
          deliveryNotification: { type: 'boolean' },
        },
      },
      MessageResponse: { type: 'object', required: ['id', 'outcome'], properties: { id: { type: 'string' }, clientId: { type: 'string' }, outcome } },
      PresenceRequest: {
        type: 'object', additionalProperties: false, required: ['basic'],
        properties: {
          basic: { enum: ['open', 'closed'] }, note: { type: 'string' }, tuple: { type: 'string' }, contact: { type: 'string' },
          priority: { type: 'number', minimum: 0, maximum: 1 }, expires: { type: 'integer', minimum: 0 },
          presentity: { type: 'string', description: 'publish for another presentity whose rules list you as publisher (RFC 2779 2.3.4)' },
        },
      },
      Presence: {
        type: ['object', 'null'],
        properties: {
          contentType: { type: 'string' }, pidf: { type: 'string', contentEncoding: 'base64', description: 'the PIDF document exactly as stored' },
          view: { type: ['object', 'null'], properties: { entity: { type: 'string' }, basic: { enum: ['open', 'closed'] }, note: { type: 'string' }, tuples: { type: 'array' }, notes: { type: 'array' } } },
        },
      },
      Subscription: subscription,
      Rules: {
        type: 'object', additionalProperties: false,
        properties: {
          presence: { type: 'object', additionalProperties: false, properties: {
            default: decision,
            watchers: { type: 'object', additionalProperties: decision, propertyNames: pattern },
            views: { type: 'object', additionalProperties: { type: 'object', additionalProperties: false, properties: { basicOnly: { type: 'boolean' }, hideNotes: { type: 'boolean' }, tuples: { type: 'array', items: { type: 'string' } } } } },
            publishers: { type: 'array', items: pattern },
          } },
          inbox: { type: 'object', additionalProperties: false, properties: { blockedSenders: { type: 'array', items: pattern }, refuseAnonymous: { type: 'boolean' } } },
        },
      },
      Account: { type: 'object', properties: { address: { type: 'string' }, admin: { type: 'boolean' }, createdAt: { type: 'string', format: 'date-time' } } },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/messages': {
      post: {
        summary: 'Send a message; answers with its outcome once the next hop answered',
        description: '200 for every routed message whatever the outcome (delivered, failed with a code, indeterminate); 4xx only for a bad request. A raw message/cpim body (with ?to=ADDRESS and optional ?id=) is relayed as its exact bytes.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('MessageRequest') }, 'message/cpim': { schema: { type: 'string', format: 'binary' } } } },
        responses: { 200: ok('routed, with the outcome', ref('MessageResponse')), ...errors(400, 401, 413, 415) },
      },
    },
    '/v1/stream': {
      get: {
        summary: 'WebSocket: messages, presence, subscription changes and delivery reports pushed as JSON frames',
        description: 'Bearer token in Authorization or ?access_token=. Server frames: hello, message, presence, subscription, report, outcome, error, pong. Client frames: {type:"message", requestId, ...MessageRequest} answered by {type:"outcome", requestId, id, outcome}; {type:"ping"}. WebSocket ping/pong heartbeat: a silent client is out of contact after json.heartbeatSeconds.',
        responses: { 101: { description: 'switching to WebSocket' }, ...errors(401) },
      },
    },
    '/v1/presence': {
      put: {
        summary: 'Publish your presence (JSON view turned into PIDF, or a raw PIDF document kept as exact bytes)',
        parameters: [{ name: 'presentity', in: 'query', schema: { type: 'string' } }, { name: 'expires', in: 'query', schema: { type: 'integer' } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('PresenceRequest') }, 'application/pidf+xml': { schema: { type: 'string' } } } },
        responses: { 200: ok('published', { type: 'object', properties: { presentity: { type: 'string' }, etag: { type: 'string' }, expires: { type: 'integer' }, outcome } }), ...errors(400, 401, 403, 413, 415) },
      },
      delete: { summary: 'Remove your publication', parameters: [{ name: 'presentity', in: 'query', schema: { type: 'string' } }], responses: { 200: ok('removed', { type: 'object' }), ...errors(401, 403) } },
    },
    '/v1/presence/{entity}': {
      get: {
        summary: 'Fetch presence (works while the presentity is out of contact: RFC 2779 3.2.1); JSON or PIDF by Accept',
        parameters: [addressParam('entity', 'the presentity')],
        responses: { 200: { description: 'the presence', content: { 'application/json': { schema: { type: 'object', properties: { entity: { type: 'string' }, presence: ref('Presence') } } }, 'application/pidf+xml': { schema: { type: 'string' } } } }, ...errors(401, 403, 404) },
      },
    },
    '/v1/subscriptions': {
      post: {
        summary: 'Subscribe to a presentity', requestBody: json({ type: 'object', additionalProperties: false, required: ['presentity'], properties: { presentity: { type: 'string' }, expires: { type: 'integer', minimum: 1 } } }),
        responses: { 201: ok('granted (polite blocking looks the same: RFC 2779 5.1.15)', { type: 'object', properties: { id: { type: 'string' }, presentity: { type: 'string' }, state: { type: 'string' }, expires: { type: 'integer' }, outcome, presence: ref('Presence') } }), ...errors(400, 401, 403) },
      },
      get: { summary: 'Your subscriptions with their state (RFC 2779 5.1.10)', responses: { 200: ok('list', { type: 'object', properties: { subscriptions: { type: 'array', items: ref('Subscription') } } }), ...errors(401) } },
    },
    '/v1/subscriptions/{id}': {
      put: { summary: 'Refresh one of your subscriptions', parameters: [addressParam('id', 'subscription id')], requestBody: json({ type: 'object', additionalProperties: false, required: ['expires'], properties: { expires: { type: 'integer', minimum: 1 } } }), responses: { 200: ok('refreshed', { type: 'object' }), ...errors(400, 401, 404) } },
      delete: { summary: 'End one of your subscriptions (RFC 2779 5.1.7)', parameters: [addressParam('id', 'subscription id')], responses: { 200: ok('ended', { type: 'object' }), ...errors(401, 404) } },
    },
    '/v1/watchers': { get: { summary: 'Who watches you (RFC 2779 5.1.11)', responses: { 200: ok('list', { type: 'object', properties: { watchers: { type: 'array', items: ref('Subscription') } } }), ...errors(401) } } },
    '/v1/watchers/{watcher}': { delete: { summary: "Cancel a watcher's subscription to you (RFC 2779 5.1.16)", parameters: [addressParam('watcher', 'the watcher')], responses: { 200: ok('removed', { type: 'object' }), ...errors(401, 404) } } },
    '/v1/rules': {
      get: { summary: 'Your access rules (RFC 2779 2.3)', responses: { 200: ok('rules', ref('Rules')), ...errors(401) } },
      put: { summary: 'Replace your access rules (missing parts take the defaults)', requestBody: json(ref('Rules')), responses: { 200: ok('rules as stored', ref('Rules')), ...errors(400, 401) } },
    },
    '/v1/admin/accounts': {
      post: { summary: 'Create an account (admin)', requestBody: json({ type: 'object', additionalProperties: false, required: ['address'], properties: { address: { type: 'string' }, admin: { type: 'boolean' }, token: { type: 'string' } } }), responses: { 201: ok('created; the token is shown once', { type: 'object', properties: { address: { type: 'string' }, admin: { type: 'boolean' }, token: { type: 'string' } } }), ...errors(400, 401, 403) } },
      get: { summary: 'List accounts (admin)', responses: { 200: ok('accounts', { type: 'object', properties: { accounts: { type: 'array', items: ref('Account') } } }), ...errors(401, 403) } },
    },
    '/v1/admin/accounts/{address}': { delete: { summary: 'Revoke an account (admin)', parameters: [addressParam('address', 'the account')], responses: { 200: ok('revoked', { type: 'object' }), ...errors(401, 403, 404) } } },
    '/v1/admin/presentities/{entity}/watchers': { get: { summary: 'Who is subscribed to a presentity (admin)', parameters: [addressParam('entity', 'the presentity')], responses: { 200: ok('watchers', { type: 'object', properties: { presentity: { type: 'string' }, watchers: { type: 'array', items: ref('Subscription') } } }), ...errors(401, 403) } } },
    '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: ok('OpenAPI 3.1', { type: 'object' }) } } },
    '/healthz': { get: { summary: 'Process alive', security: [], responses: { 200: ok('alive', { type: 'object' }) } } },
    '/readyz': { get: { summary: 'Store reachable and adapters connected', security: [], responses: { 200: ok('ready', { type: 'object' }), 503: ok('not ready, with the failing checks', { type: 'object' }) } } },
    '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'text exposition', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
  },
});
