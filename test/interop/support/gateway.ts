/**
 * A real gateway (createGateway) from YAML for the interop tests, with its log lines kept in
 * memory (bounded) so a test can read what the gateway saw on the wire: at level "trace" the
 * adapters log every stanza and SIP request they receive ("xmpp stanza in", "sip receive").
 */
import { Writable } from 'node:stream';
import { loadConfig } from '../../../gateway/config';
import { createLogger } from '../../../gateway/logging';
import { createGateway, type Gateway } from '../../../gateway/service';
import { freePort } from '../../support/ports';

export const ADMIN = 'interop-admin-token';

export interface RunningGateway {
  readonly gw: Gateway;
  readonly url: string;
  /** Parsed pino lines, oldest first (at most MAX_LINES kept). */
  readonly logs: Array<Record<string, any>>;
  /** Sum of switchboard_messages_total: how many messages this gateway's router has routed. */
  routed(): Promise<number>;
  stop(): Promise<void>;
}

const MAX_LINES = 20_000;

export async function startGw(yaml: string, opts: { logLevel?: string } = {}): Promise<RunningGateway> {
  const port = await freePort();
  const config = loadConfig({ text: yaml, env: { SWITCHBOARD_JSON__LISTEN: `127.0.0.1:${port}`, SWITCHBOARD_JSON__ADMINTOKEN: ADMIN } });
  const logs: Array<Record<string, any>> = [];
  const echo = process.env.SB_TEST_LOG !== undefined && process.env.SB_INTEROP_DUMP === undefined;
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        if (echo) process.stderr.write(`${line}\n`);
        try { logs.push(JSON.parse(line) as Record<string, any>); } catch { /* not JSON */ }
        if (logs.length > MAX_LINES) logs.splice(0, logs.length - MAX_LINES);
      }
      cb();
    },
  });
  const log = createLogger({ level: (opts.logLevel ?? 'info') as 'info', pretty: false, destination });
  const gw = await createGateway({ config, log });
  await gw.start();
  let stopped = false;
  return {
    gw,
    url: `http://127.0.0.1:${port}`,
    logs,
    async routed() {
      const m = await gw.metrics.getSingleMetric('switchboard_messages_total')?.get();
      return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
    },
    stop: async () => { if (!stopped) { stopped = true; await gw.stop(); } },
  };
}
