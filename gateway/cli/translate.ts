/**
 * `switchboard translate --to sip|xmpp|json FILE|-`: prints what the gateway would emit toward
 * one protocol for a captured SIP MESSAGE, XMPP <message/> stanza, JSON message request body or
 * message/cpim. No network: the input goes through the receiving adapter's to-canonical functions,
 * the router's hop checks, and the target adapter's from-canonical functions.
 *
 * Exit status: 0 printed; 2 malformed input (one line on stderr naming the fault); 3 the gateway
 * would refuse it (loop, hop count exhausted; the line names the status the sender would get);
 * 1 unreadable input; 64 bad usage.
 */
import { ConfigError, ERROR_TABLE, SwitchboardError } from '../../canonical/errors';
import type { Protocol } from '../../canonical/operations';
import { DEFAULT_MAX_FORWARDS } from '../../canonical/trace';
import { JsonRequestError } from '../../adapters/json/wire';
import { loadConfig } from '../config';
import type { GatewayConfig } from '../config/types';
import { parseArgs } from './io';
import { detectKind, INPUT_KINDS, type InputKind, inputToOp, TranslateInputError } from './translate-input';
import { renderFor, WouldRefuse } from './translate-output';
import { InputTooLarge, readInput } from './read-input';
import { XmppTranslateError } from './translate-xmpp';

export interface TranslateIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(s: string | Uint8Array): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env?: NodeJS.ProcessEnv;
}

export const EXIT = Object.freeze({ ok: 0, io: 1, malformed: 2, refused: 3, usage: 64 });
/** Largest input read: the JSON protocol's and the parsers' own bound. */
export const MAX_INPUT_BYTES = 1_048_576;

const TARGETS: readonly Protocol[] = ['sip', 'xmpp', 'json'];

export const TRANSLATE_USAGE = `usage: switchboard translate --to sip|xmpp|json [options] FILE|-
  Prints what the gateway would emit toward one protocol for a captured SIP MESSAGE, XMPP
  <message/> stanza, JSON POST /v1/messages body or message/cpim (detected from the input).
  --as sip|xmpp|json|cpim   the input kind, when detection should not decide
  --from ADDRESS            the sender of a JSON body (JSON takes it from the bearer token),
                            or of a CPIM message without From
  --recipient ADDRESS       the recipient of a CPIM message without To
  --config FILE             the gateway config (gateway id, maxForwards, SIP listener,
                            outbound proxy, XMPP component domains); default: embedded defaults
  --gateway-id ID           this gateway's id in the received-trace (overrides --config)
  --date DATE-TIME          the arrival time (RFC 3339) where the gateway would read its clock;
                            default now (give it for output that is the same on every run)
  Exit status: 0 ok, 2 malformed input, 3 the gateway would refuse it, 1 unreadable, 64 usage.
`;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();

function sipViaOf(c: GatewayConfig): { transport: 'UDP' | 'TCP'; host: string; port: number } | undefined {
  const l = c.sip?.listen;
  const hp = l?.udp ?? l?.tcp;
  if (!hp) return undefined;
  const i = hp.lastIndexOf(':');
  return { transport: l?.udp ? 'UDP' : 'TCP', host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hp.slice(i + 1)) };
}

export async function runTranslate(args: readonly string[], io: TranslateIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.stdout.write(TRANSLATE_USAGE); return EXIT.ok; }
  const p = parseArgs(args, ['to', 'as', 'from', 'recipient', 'config', 'gateway-id', 'date']);
  const target = p.options.to as Protocol | undefined;
  const as = p.options.as as InputKind | undefined;
  const problems = [...p.problems];
  if (target === undefined) problems.push('--to sip|xmpp|json is required');
  else if (!TARGETS.includes(target)) problems.push(`--to ${JSON.stringify(target)}: expected sip, xmpp or json`);
  if (as !== undefined && !INPUT_KINDS.includes(as)) problems.push(`--as ${JSON.stringify(as)}: expected sip, xmpp, json or cpim`);
  const date = p.options.date;
  if (date !== undefined && (!RFC3339.test(date) || Number.isNaN(Date.parse(date)))) problems.push(`--date ${JSON.stringify(date)}: expected an RFC 3339 date-time such as 2026-11-20T10:00:00Z`);
  if (p.positional.length !== 1) problems.push(`expected one FILE or -, got ${p.positional.length}`);
  if (problems.length > 0 || target === undefined) {
    io.stderr.write(`switchboard translate: ${problems.join('; ')}\n${TRANSLATE_USAGE}`);
    return EXIT.usage;
  }
  let config: GatewayConfig;
  try {
    config = loadConfig({ ...(p.options.config !== undefined ? { file: p.options.config } : {}), env: {} });
  } catch (e) {
    if (e instanceof ConfigError) { io.stderr.write(`switchboard translate: --config ${p.options.config}: ${oneLine(e.problems.join('; '))}\n`); return EXIT.usage; }
    io.stderr.write(`switchboard translate: --config ${p.options.config}: ${oneLine((e as Error).message)}\n`);
    return EXIT.io;
  }
  const file = p.positional[0]!;
  const name = file === '-' ? 'stdin' : file;
  let bytes: Uint8Array;
  try {
    bytes = await readInput(file, io.stdin, MAX_INPUT_BYTES);
  } catch (e) {
    if (e instanceof InputTooLarge) { io.stderr.write(`switchboard translate: ${name}: ${e.message}\n`); return EXIT.malformed; }
    io.stderr.write(`switchboard translate: cannot read ${name}: ${oneLine((e as Error).message)}\n`);
    return EXIT.io;
  }
  const gatewayId = p.options['gateway-id'] ?? config.gateway.id;
  const gatewayDomains = (config.xmpp?.components ?? []).map((c) => c.domain.toLowerCase());
  try {
    const kind = as ?? detectKind(bytes);
    const op = inputToOp(bytes, kind, {
      ...(p.options.from !== undefined ? { from: p.options.from } : {}),
      ...(p.options.recipient !== undefined ? { to: p.options.recipient } : {}),
      maxForwards: config.gateway.maxForwards ?? DEFAULT_MAX_FORWARDS,
      gatewayDomains,
      now: new Date(date !== undefined ? Date.parse(date) : Date.now()).toISOString(),
    });
    const sipVia = sipViaOf(config);
    const out = renderFor(target, op, {
      gatewayId, gatewayDomains,
      ...(sipVia ? { sipVia } : {}),
      ...(config.sip?.outboundProxy !== undefined ? { outboundProxy: config.sip.outboundProxy } : {}),
    });
    io.stdout.write(out);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof WouldRefuse) {
      const row = ERROR_TABLE[e.outcome.code];
      io.stderr.write(`switchboard translate: ${name}: the gateway would refuse it: ${e.outcome.code} (${oneLine(e.message)}); the sender gets SIP ${row.sip} ${row.sipReason} / XMPP <${row.xmpp.condition}/> / HTTP ${row.http}\n`);
      return EXIT.refused;
    }
    if (e instanceof JsonRequestError) { io.stderr.write(`switchboard translate: ${name}: ${e.field}: ${oneLine(e.message)}\n`); return EXIT.malformed; }
    if (e instanceof TranslateInputError || e instanceof XmppTranslateError || e instanceof SwitchboardError) {
      io.stderr.write(`switchboard translate: ${name}: ${oneLine(e.message)}\n`);
      return EXIT.malformed;
    }
    io.stderr.write(`switchboard translate: ${name}: internal error: ${oneLine(String((e as Error)?.message ?? e))}\n`);
    return EXIT.io;
  }
}
