/**
 * `switchboard send --via sip|xmpp|json --from A --to B (--text T | --file BODY --type CT)`:
 * injects one message into a running gateway through the chosen protocol, as an ordinary peer of
 * that protocol would, waits (bounded) for the outcome and prints it as JSON with the hop trace
 * the answer carried (SIP Switchboard-Trace header, XMPP <trace xmlns='urn:switchboard:trace:0'/>,
 * JSON outcome.trace).
 *
 * Exit status: 0 delivered; 3 failed; 4 indeterminate (RFC 3860 3.4.1: no authoritative answer);
 * 1 the gateway could not be reached or refused the request itself; 2 unreadable or malformed
 * input; 64 bad usage.
 */
import { parseAnyAddress, type Address } from '../../canonical/address';
import { ParseError, SwitchboardError } from '../../canonical/errors';
import type { Content, Outcome } from '../../canonical/operations';
import { DEFAULT_MAX_FORWARDS, parseMaxForwards, parseTrace } from '../../canonical/trace';
import { outcomeJson } from '../../adapters/json/from-canonical';
import { parseArgs } from './io';
import { JsonSendError, sendJsonMessage } from './send-json';
import { sendSipMessage } from './send-sip';
import { sendXmppMessage, XmppLoginError, type XmppLogin } from './send-xmpp';
import { InputTooLarge, readInput } from './read-input';

export interface SendIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

export const SEND_EXIT = Object.freeze({ delivered: 0, unreachable: 1, malformed: 2, failed: 3, indeterminate: 4, usage: 64 });
const MAX_BODY_BYTES = 1_048_576;
const DEFAULT_TIMEOUT_MS = 15_000;

export const SEND_USAGE = `usage: switchboard send --via sip|xmpp|json --to B [--from A] (--text T | --file BODY --type CT) [options]
  Injects one message into a running gateway, waits for the outcome and prints it (JSON) with the
  hop trace the answer carried.
  --subject S               a subject (SIP Subject header, XMPP <subject/>, JSON subject)
  --timeout MS              how long to wait for the outcome (default ${DEFAULT_TIMEOUT_MS})
  --trace ID[,ID...]        SIP and XMPP: send this received-trace (shows loop detection: the
                            gateway's own id in it is refused, SIP 482)
  --max-forwards N          SIP and XMPP: the hop count to send (0 is refused, SIP 483)
  SIP (a MESSAGE from an ephemeral port; --from is required):
    --gateway HOST:PORT     the gateway's SIP listener (default 127.0.0.1:5060)
    --transport udp|tcp     (default udp)
  XMPP, as a client of the XMPP server (--from defaults to the JID):
    --xmpp-service URL      e.g. xmpp://127.0.0.1:5222
    --jid JID --password PW
  XMPP, as a XEP-0114 component (--from must be on the component's domain):
    --xmpp-service URL      e.g. xmpp://127.0.0.1:5347
    --component DOMAIN --secret SECRET
  JSON (POST /v1/messages; the sender is the token's account):
    --url URL               default $SWITCHBOARD_URL or http://127.0.0.1:8080
    --token TOKEN           default $SWITCHBOARD_TOKEN
  Exit status: 0 delivered, 3 failed, 4 indeterminate, 1 gateway unreachable or request refused,
  2 bad input, 64 usage.
`;

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').trim();
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/;

class Usage extends Error {}

function address(s: string | undefined, what: string): Address {
  if (s === undefined) throw new Usage(`${what} is required`);
  try {
    const a = parseAnyAddress(s);
    return { local: a.local, domain: a.domain.toLowerCase(), ...(a.resource !== undefined ? { resource: a.resource } : {}) };
  } catch (e) {
    throw new Usage(`${what} ${JSON.stringify(s)}: ${e instanceof ParseError ? e.message : 'not an address'}`);
  }
}

const key = (a: Address): string => `${a.local}@${a.domain}`;

interface Report {
  via: string;
  from?: string;
  to: string;
  outcome: Record<string, unknown>;
  /** The received-trace the answer carried; null when it carried none. */
  trace: readonly string[] | null;
  [k: string]: unknown;
}

function exitFor(o: Outcome): number {
  return o.status === 'delivered' ? SEND_EXIT.delivered : o.status === 'failed' ? SEND_EXIT.failed : SEND_EXIT.indeterminate;
}

export async function runSend(args: readonly string[], io: SendIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.stdout.write(SEND_USAGE); return 0; }
  const p = parseArgs(args, ['via', 'from', 'to', 'text', 'file', 'type', 'subject', 'timeout', 'gateway', 'transport', 'xmpp-service', 'jid', 'password', 'component', 'secret', 'url', 'token', 'trace', 'max-forwards']);
  const opt = p.options;
  let via: string; let to: Address; let timeoutMs: number; let hops: { maxForwards: number; trace: string[] } | undefined;
  try {
    if (p.problems.length) throw new Usage(p.problems.join('; '));
    if (p.positional.length) throw new Usage(`unexpected argument ${JSON.stringify(p.positional[0])}`);
    via = opt.via ?? '';
    if (!['sip', 'xmpp', 'json'].includes(via)) throw new Usage(opt.via === undefined ? '--via sip|xmpp|json is required' : `--via ${JSON.stringify(opt.via)}: expected sip, xmpp or json`);
    to = address(opt.to, '--to');
    if ((opt.text === undefined) === (opt.file === undefined)) throw new Usage('give exactly one of --text or --file');
    if (opt.file !== undefined && opt.type === undefined) throw new Usage('--file needs --type CONTENT-TYPE (e.g. message/cpim, text/plain;charset=utf-8)');
    if (opt.type !== undefined && opt.file === undefined) throw new Usage('--type goes with --file');
    if (opt.type !== undefined && !/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/.test(opt.type)) throw new Usage(`--type ${JSON.stringify(opt.type)} is not a content type`);
    timeoutMs = opt.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(opt.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000) throw new Usage('--timeout: expected milliseconds from 100 to 600000');
    if (opt.trace !== undefined || opt['max-forwards'] !== undefined) {
      if (via === 'json') throw new Usage('--trace and --max-forwards are for sip and xmpp (a JSON client cannot set them)');
      let trace: string[] = [];
      let maxForwards = DEFAULT_MAX_FORWARDS;
      try {
        if (opt.trace !== undefined) trace = parseTrace(opt.trace);
        if (opt['max-forwards'] !== undefined) maxForwards = parseMaxForwards(opt['max-forwards']);
      } catch (e) {
        throw new Usage(`${opt.trace !== undefined && trace.length === 0 ? '--trace' : '--max-forwards'}: ${(e as Error).message}`);
      }
      hops = { maxForwards, trace };
    }
  } catch (e) {
    if (e instanceof Usage) { io.stderr.write(`switchboard send: ${e.message}\n${SEND_USAGE}`); return SEND_EXIT.usage; }
    throw e;
  }

  let content: Content;
  if (opt.file !== undefined) {
    try {
      content = { type: opt.type!, bytes: await readInput(opt.file, io.stdin, MAX_BODY_BYTES) };
    } catch (e) {
      const why = e instanceof InputTooLarge ? e.message : `cannot read: ${oneLine((e as Error).message)}`;
      io.stderr.write(`switchboard send: --file ${opt.file}: ${why}\n`);
      return SEND_EXIT.malformed;
    }
  } else content = { type: 'text/plain;charset=utf-8', bytes: new Uint8Array(Buffer.from(opt.text!, 'utf8')) };

  try {
    const report = await dispatch(via, opt, to, content, timeoutMs, io.env, hops);
    io.stdout.write(`${JSON.stringify(report.report, null, 2)}\n`);
    return exitFor(report.outcome);
  } catch (e) {
    if (e instanceof Usage) { io.stderr.write(`switchboard send: ${e.message}\n${SEND_USAGE}`); return SEND_EXIT.usage; }
    if (e instanceof JsonSendError) { io.stderr.write(`switchboard send: ${oneLine(e.message)}\n`); return SEND_EXIT.unreachable; }
    if (e instanceof XmppLoginError) { io.stderr.write(`switchboard send: ${oneLine(e.message)}\n`); return SEND_EXIT.unreachable; }
    if (e instanceof SwitchboardError) { io.stderr.write(`switchboard send: ${oneLine(e.message)}\n`); return SEND_EXIT.malformed; }
    io.stderr.write(`switchboard send: via ${via}: ${oneLine(String((e as Error)?.message ?? e))}\n`);
    return SEND_EXIT.unreachable;
  }
}

async function dispatch(via: string, opt: Record<string, string>, to: Address, content: Content, timeoutMs: number, env: NodeJS.ProcessEnv, hops?: { maxForwards: number; trace: string[] }): Promise<{ outcome: Outcome; report: Report }> {
  const subject = opt.subject;
  if (via === 'sip') {
    const from = address(opt.from, '--from');
    const gw = opt.gateway ?? '127.0.0.1:5060';
    const m = HOST_PORT.exec(gw);
    if (!m || Number(m[2]) > 65535) throw new Usage(`--gateway ${JSON.stringify(gw)}: expected HOST:PORT`);
    const transport = (opt.transport ?? 'udp').toUpperCase();
    if (transport !== 'UDP' && transport !== 'TCP') throw new Usage(`--transport ${JSON.stringify(opt.transport)}: expected udp or tcp`);
    const r = await sendSipMessage({
      host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]), transport, from, to, content, timeoutMs,
      ...(hops ? { trace: hops.trace, maxForwards: hops.maxForwards } : {}),
      ...(subject !== undefined ? { subject } : {}),
    });
    const trace = r.trace ?? (r.outcome.status === 'failed' ? r.outcome.trace : undefined) ?? null;
    return {
      outcome: r.outcome,
      report: {
        via, from: key(from), to: key(to), outcome: outcomeJson(r.outcome), trace,
        sip: { transport, ...(r.status !== undefined ? { status: r.status, reason: r.reason } : {}), provisional: r.provisional },
      },
    };
  }
  if (via === 'xmpp') {
    const service = opt['xmpp-service'];
    if (service === undefined || !/^xmpps?:\/\/[^\s/]+$/.test(service)) throw new Usage('--xmpp-service xmpp://HOST:PORT is required with --via xmpp');
    let login: XmppLogin;
    if (opt.component !== undefined) {
      if (opt.secret === undefined) throw new Usage('--component needs --secret');
      login = { kind: 'component', service, domain: opt.component.toLowerCase(), secret: opt.secret };
    } else {
      if (opt.jid === undefined || opt.password === undefined) throw new Usage('--via xmpp needs --jid and --password (client), or --component and --secret');
      login = { kind: 'client', service, jid: opt.jid, password: opt.password };
    }
    const from = address(opt.from ?? (login.kind === 'client' ? login.jid : undefined), '--from');
    if (login.kind === 'component' && from.domain !== login.domain) throw new Usage(`--from ${key(from)} is not on the component domain ${login.domain}`);
    const r = await sendXmppMessage({ login, from, to, content, timeoutMs, ...(subject !== undefined ? { subject } : {}), ...(hops ? { hops } : {}) });
    const trace = r.trace ?? (r.outcome.status === 'failed' ? r.outcome.trace : undefined) ?? null;
    return {
      outcome: r.outcome,
      report: {
        via, from: r.sentFrom, to: key(to), outcome: outcomeJson(r.outcome), trace,
        xmpp: { login: login.kind, stanzaId: r.stanzaId, ...(r.answer !== undefined ? { answer: r.answer } : {}) },
      },
    };
  }
  const token = opt.token ?? env.SWITCHBOARD_TOKEN;
  if (token === undefined || token === '') throw new Usage('--via json needs --token (or SWITCHBOARD_TOKEN)');
  const url = opt.url ?? env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/\S+$/.test(url)) throw new Usage(`--url ${JSON.stringify(url)}: expected http://HOST:PORT`);
  const r = await sendJsonMessage({ url, token, to: key(to), ...(opt.text !== undefined ? { text: opt.text } : { content }), timeoutMs, ...(subject !== undefined ? { subject } : {}) });
  return {
    outcome: r.outcome,
    report: {
      via, ...(opt.from !== undefined ? { from: opt.from } : {}), to: key(to), outcome: outcomeJson(r.outcome), trace: r.trace ?? null,
      json: { httpStatus: r.httpStatus, ...(r.id !== undefined ? { id: r.id } : {}) },
    },
  };
}
