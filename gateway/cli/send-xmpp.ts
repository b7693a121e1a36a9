/**
 * `switchboard send --via xmpp`: log in to the XMPP server as an ordinary client (RFC 6120 SASL
 * and resource binding, with @xmpp/client) or connect as a XEP-0114 component, send one
 * <message/> toward the gateway's component domain with a XEP-0184 receipt request, and wait
 * (bounded) for the receipt or an error stanza. The stanza is built with the XMPP adapter's own
 * content mapping: text/plain in <body/>, signed or encrypted content in RFC 3923 <e2e/> and the
 * exact bytes in Switchboard's <raw/> element.
 */
import { randomBytes } from 'node:crypto';
import type { XmppEntity } from '@xmpp/component';
import type { Element } from '@xmpp/xml';
import { formatJid, type Address } from '../../canonical/address';
import { errorCodeFromXmppCondition, isErrorCode, SwitchboardError, XMPP_CONDITIONS, type XmppCondition } from '../../canonical/errors';
import { DELIVERED, failed, type Content, type Outcome } from '../../canonical/operations';
import { formatTrace, parseTrace } from '../../canonical/trace';
import { mapContent } from '../../adapters/xmpp/from-canonical';
import { buildMessage, readMessage } from '../../adapters/xmpp/wire';

export type XmppLogin =
  | { readonly kind: 'client'; readonly service: string; readonly jid: string; readonly password: string }
  | { readonly kind: 'component'; readonly service: string; readonly domain: string; readonly secret: string };

export interface XmppSendOptions {
  readonly login: XmppLogin;
  /** The sender; for a client login its own JID is used (the server stamps it: RFC 6120 8.1.2.1). */
  readonly from: Address;
  readonly to: Address;
  readonly content: Content;
  readonly subject?: string;
  /** A received-trace and hop count to send in <trace xmlns='urn:switchboard:trace:0'/> (lab use). */
  readonly hops?: { readonly maxForwards: number; readonly trace: readonly string[] };
  readonly timeoutMs: number;
}

export interface XmppSendResult {
  readonly outcome: Outcome;
  /** The JID the message was sent from. */
  readonly sentFrom: string;
  readonly stanzaId: string;
  /** The answer as received (a receipt or an error stanza), for printing. */
  readonly answer?: string;
  /** The received-trace, when the answer carries Switchboard's <trace/> element. */
  readonly trace?: readonly string[];
}

/** Login to the XMPP server failed (credentials, connection, timeout). */
export class XmppLoginError extends Error {}

function createEntity(login: XmppLogin): XmppEntity {
  if (login.kind === 'component') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('@xmpp/component') as typeof import('@xmpp/component');
    return mod.component({ service: login.service, domain: login.domain, password: login.secret });
  }
  const m = /^([^@/]+)@([^@/]+)(?:\/(.+))?$/.exec(login.jid);
  if (!m) throw new XmppLoginError(`--jid ${JSON.stringify(login.jid)} is not user@domain[/resource]`);
  // @xmpp/client is ESM-only; Node >= 20.19 can require() it (as adapters/xmpp/client.ts does).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('@xmpp/client') as typeof import('@xmpp/client');
  return mod.client({ service: login.service, domain: m[2]!, username: m[1]!, password: login.password, resource: m[3] ?? `send-${randomBytes(3).toString('hex')}` });
}

async function bounded<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { t = setTimeout(() => reject(new XmppLoginError(message)), ms); })]);
  } finally {
    clearTimeout(t);
  }
}

const isCondition = (s: string): s is XmppCondition => (XMPP_CONDITIONS as readonly string[]).includes(s);

/** Sends one message and waits for its receipt or error, within timeoutMs overall. */
export async function sendXmppMessage(o: XmppSendOptions): Promise<XmppSendResult> {
  const started = Date.now();
  const left = (): number => Math.max(1, o.timeoutMs - (Date.now() - started));
  const entity = createEntity(o.login);
  // xmpp.js would reconnect forever on its own; a one-shot tool must not.
  entity.reconnect?.stop();
  let lastError: unknown;
  entity.on('error', (e: unknown) => { lastError = e; });
  const stanzas: Element[] = [];
  const waiters: (() => void)[] = [];
  entity.on('stanza', (el: Element) => { stanzas.push(el); for (const w of waiters.splice(0)) w(); });
  try {
    try {
      await bounded(entity.start(), left(), `no XMPP session within ${o.timeoutMs} ms at ${o.login.service}`);
    } catch (e) {
      const err = lastError ?? e;
      const cond = (err as { condition?: string }).condition;
      throw new XmppLoginError(`XMPP login at ${o.login.service} failed${cond ? ` (${cond})` : ''}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const sentFrom = o.login.kind === 'client' ? (entity.jid?.toString() ?? formatJid(o.from)) : formatJid(o.from);
    const stanzaId = `send-${randomBytes(8).toString('hex')}`;
    let mapped;
    try {
      mapped = mapContent(o.content);
    } catch (e) {
      throw new SwitchboardError(e instanceof SwitchboardError ? e.code : 'bad-request', `XMPP cannot carry this content: ${(e as Error).message}`);
    }
    const subjects = o.subject !== undefined ? [{ text: o.subject }] : mapped.subjects;
    await entity.send(buildMessage({
      from: sentFrom, to: formatJid(o.to), id: stanzaId, type: 'chat',
      ...(mapped.body !== undefined ? { body: mapped.body } : {}),
      ...(subjects ? { subjects } : {}),
      ...(mapped.e2e !== undefined ? { e2e: mapped.e2e } : {}),
      ...(mapped.raw ? { raw: mapped.raw } : {}),
      requestReceipt: true,
      ...(o.hops ? { trace: { hops: o.hops.maxForwards, text: formatTrace(o.hops.trace) } } : {}),
    }));
    // Wait for the answer: <message type='error' id=ours/> or <received xmlns='urn:xmpp:receipts' id=ours/>.
    for (let guard = 0; guard < 10_000; guard++) {
      for (const el of stanzas.splice(0)) {
        if (el.name !== 'message') continue;
        let m;
        try { m = readMessage(el); } catch { continue; }
        let trace: string[] | undefined;
        try { trace = m.trace ? parseTrace(m.trace.text) : undefined; } catch { trace = undefined; }
        const extra = { sentFrom, stanzaId, answer: el.toString(), ...(trace ? { trace } : {}) };
        if (m.type === 'error' && m.id === stanzaId) {
          const cond = m.error?.condition ?? 'undefined-condition';
          const code = errorCodeFromXmppCondition(cond);
          return {
            outcome: failed(isErrorCode(code) ? code : 'remote-error', m.error?.text ?? `<${cond}/>`, { remote: { ...(isCondition(cond) ? { xmpp: cond } : {}), ...(m.error?.text ? { text: m.error.text } : {}) } }),
            ...extra,
          };
        }
        if (m.receivedId === stanzaId) return { outcome: DELIVERED, ...extra };
      }
      const more = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), left());
        waiters.push(() => { clearTimeout(t); resolve(true); });
      });
      if (!more) break;
    }
    return {
      outcome: { status: 'indeterminate', reason: `no receipt or error within ${o.timeoutMs} ms (the gateway sends a XEP-0184 receipt when the message is delivered)` },
      sentFrom, stanzaId,
    };
  } finally {
    await bounded(entity.stop().catch(() => undefined), 3000, 'stop').catch(() => undefined);
  }
}
