/**
 * `switchboard start [--config FILE]`: load and validate the config (every bad path listed, exit
 * 2), start the gateway, print the first admin token, and on SIGTERM/SIGINT drain and stop.
 */
import { ConfigError } from '../../canonical/errors';
import { loadConfig } from '../config';
import { createLogger } from '../logging';
import { createGateway } from '../service';
import type { CliIo } from './io';
import { parseArgs } from './io';

/** Bound on a graceful stop; past it the process reports failure instead of hanging. */
export const STOP_TIMEOUT_MS = 20_000;

export async function runStart(args: readonly string[], io: CliIo, signals: NodeJS.EventEmitter = process): Promise<number> {
  const p = parseArgs(args, ['config']);
  if (p.problems.length > 0 || p.positional.length > 0) {
    io.stderr.write(`usage: switchboard start [--config FILE]${p.problems.length ? ` (${p.problems.join('; ')})` : ''}\n`);
    return 2;
  }
  const file = p.options.config ?? io.env.SWITCHBOARD_CONFIG;
  let config;
  try {
    config = loadConfig({ ...(file !== undefined ? { file } : {}), env: io.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`switchboard: ${file ?? 'the embedded defaults'}: invalid configuration:\n${err.problems.map((x) => `  ${x}\n`).join('')}`);
      return 2;
    }
    throw err;
  }
  const log = createLogger({ level: config.log.level });
  const gateway = await createGateway({ config, log });
  await gateway.start();
  log.info({ gatewayId: config.gateway.id, instanceId: gateway.instanceId, store: config.store.kind, listen: config.json?.listen }, 'switchboard started');
  if (gateway.firstAdminToken) {
    const url = `http://${config.json?.listen ?? '127.0.0.1:8080'}`;
    const domain = Object.entries(config.domains).find(([, proto]) => proto === 'json')?.[0] ?? 'localhost';
    io.stderr.write(
      `\nAdmin token (shown once; keep it): ${gateway.firstAdminToken}\n` +
      `Add an account:  SWITCHBOARD_ADMIN_TOKEN=${gateway.firstAdminToken} npx switchboard account add alice@${domain} --url ${url}\n\n`,
    );
  }
  const signal = await new Promise<string>((resolve) => {
    const on = (s: string) => (): void => resolve(s);
    signals.once('SIGTERM', on('SIGTERM'));
    signals.once('SIGINT', on('SIGINT'));
  });
  log.info({ signal }, 'draining and stopping');
  let timer: NodeJS.Timeout | undefined;
  const stopped = await Promise.race([
    gateway.stop().then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS); }),
  ]);
  if (timer) clearTimeout(timer);
  if (!stopped) { log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'stop did not finish in time'); log.flush?.(); return 1; }
  log.info('stopped');
  log.flush?.();
  // The gateway has stopped everything it started; should a library still hold a handle open,
  // do not let it keep a stopped gateway's process alive (the command, not a library, decides).
  setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref();
  return 0;
}
