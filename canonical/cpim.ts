/**
 * message/cpim (RFC 3862): parse into a view over the exact bytes, serialize (the same bytes),
 * and build new messages. The code lives in cpim-parse.ts, cpim-build.ts and cpim-syntax.ts;
 * import from here. Pure: no I/O.
 */
export {
  type CpimContent, type CpimHeader, type CpimMessage, type CpimNamespace, type CpimParam, type CpimParseOptions,
  type CpimRequired, type ImdnHeaders, cpimHeaders, parseCpim, serializeCpim,
} from './cpim-parse';
export { type CpimBuildInput, type CpimExtensionHeader, buildCpim } from './cpim-build';
export {
  CPIM_HEADERS_NS, IMDN_NS, type CpimAddress, type CpimDateTime, decodeEscapes, escapeText, parseDateTime,
} from './cpim-syntax';
