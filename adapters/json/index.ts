/** The JSON protocol adapter (HTTP + WebSocket). */
export { createJsonAdapter, type JsonAdapter } from './adapter';
export type { JsonAdapterConfig } from './deps';
export { OPENAPI } from './openapi';
