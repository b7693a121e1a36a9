/**
 * The root logger: pino, JSON lines (pretty when stdout is a terminal), secrets redacted by path.
 * Modules and adapters take children (`log.child({ module: 'router' })`).
 */
import pino, { type Logger } from 'pino';
import type { Log } from '../canonical/adapter';
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

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Whether a line at this level would be written (loggers without isLevelEnabled: always). */
export function levelEnabled(log: Log, level: Level): boolean {
  const f = (log as Partial<{ isLevelEnabled(l: string): boolean }>).isLevelEnabled;
  return typeof f === 'function' ? f.call(log, level) : true;
}

/**
 * A child logger made only when a line is written at an enabled level. Per-message children
 * (msgId, from, to) cost a pino child each (bindings serialized, redaction compiled) even when
 * every line they would write is below the level: at thousands of messages a second that showed
 * in the profile of a gateway logging at warn. One object with prototype methods, not a closure
 * per level: a message's logger lives as long as the message waits for its answer.
 */
export function lazyChild(log: Log, bindings: () => Record<string, unknown>): Log {
  return new LazyChild(log, bindings);
}

class LazyChild implements Log {
  private made: Log | undefined;
  constructor(private readonly parent: Log, private readonly bindings: () => Record<string, unknown>) {}
  trace(obj: object | string, msg?: string): void { this.write('trace', obj, msg); }
  debug(obj: object | string, msg?: string): void { this.write('debug', obj, msg); }
  info(obj: object | string, msg?: string): void { this.write('info', obj, msg); }
  warn(obj: object | string, msg?: string): void { this.write('warn', obj, msg); }
  error(obj: object | string, msg?: string): void { this.write('error', obj, msg); }
  child(b: Record<string, unknown>): Log { return this.get().child(b); }
  private get(): Log { return (this.made ??= this.parent.child(this.bindings())); }
  private write(level: Level, obj: object | string, msg?: string): void {
    if (levelEnabled(this.parent, level)) this.get()[level](obj, msg);
  }
}
