/** The configuration loader: see load.ts for the file and environment rules. */
export { loadConfig, checkConfig, validateConfig, applyEnv, MAX_CONFIG_BYTES, type LoadOptions } from './load';
export { DEFAULTS, DEFAULT_JSON_DOMAIN } from './defaults';
export type { GatewayConfig } from './types';
