/**
 * The root logger: pino, JSON lines (pretty when stdout is a terminal), secrets redacted by path.
 * Modules and adapters take children (`log.child({ module: 'router' })`).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * Paths whose values never reach a log line: bearer tokens, passwords, component secrets, the
 * admin token, and HTTP authorization headers (pino redact paths; `*` is one level).
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  'token', '*.token', '*.*.token', '*.*.*.token',
  'adminToken', '*.adminToken', '*.*.adminToken',
  'password', '*.password', '*.*.password', '*.*.*.password',
  'secret', '*.secret', '*.*.secret', '*.*.*.secret',
  'authorization', '*.authorization', '*.*.authorization', 'headers.authorization', 'req.headers.authorization',
  'access_token', '*.access_token', '*.*.access_token',
]);

export interface LoggerOptions {
  readonly level?: string;
  /** Pretty output; default: when stdout is a TTY. */
  readonly pretty?: boolean;
  /** Where lines go (tests); default stdout. */
  readonly destination?: NodeJS.WritableStream;
}

/** Builds the one root logger of a process. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  const prettyOut = opts.pretty ?? (opts.destination === undefined && process.stdout.isTTY === true);
  if (prettyOut) {
    return pino(options, pretty({ colorize: true, destination: opts.destination ?? 1, sync: true }) as unknown as pino.DestinationStream);
  }
  return pino(options, (opts.destination ?? pino.destination({ dest: 1, sync: false })) as pino.DestinationStream);
}
