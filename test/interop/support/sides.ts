/**
 * One "side" per protocol for the table-driven matrix: how that island's client writes an
 * address, sends a message (and what it gets back in its own protocol), and receives one.
 *
 * - json: alice over HTTP (POST /v1/messages) and her WebSocket stream;
 * - xmpp: juliet, a long-lived slixmpp client on Prosody;
 * - sip: dave; sipsak sends his MESSAGEs to the gateway, and SIPp plays his user agent (the
 *   gateway's outboundProxy) to receive, answering the status the test asks for.
 */
import { b64, api } from '../../integration/json-client';
import { startSipp, waitForUdpListener } from '../../support/sipp';
import { messageRequest, sipsakMessage } from './sip-peer';
import { needsRawSip, rawSipRequest, rawSipUas } from './sip-raw';
import type { LoggedRequest } from '../../support/sip-log';
import { receivedSipMessage, headerOf, uriUser } from '../../support/sip-log';
import { COMPONENT, USERS, type World } from './world';

export type Proto = 'json' | 'xmpp' | 'sip';

export type Content =
  | { readonly kind: 'text'; readonly text: string; readonly subject?: string }
  | { readonly kind: 'bytes'; readonly contentType: string; readonly bytes: Buffer };

export interface Received {
  /** The sender's address exactly as this side's client sees it (bare JID, SIP URI user@host...). */
  readonly from: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly text?: string;
  readonly subject?: string;
  /** The received-trace as this side's client sees it, when it shows one. */
  readonly trace?: string;
}

/** What the sender's own protocol reported. */
export interface Sent {
  /** json: the outcome; sip: the final status; xmpp: 'receipt', an error condition, or 'none'. */
  readonly native: any;
}

export interface SendOptions {
  /** Ask for delivery notification (JSON deliveryNotification, XEP-0184 request). */
  readonly notify?: boolean;
  /** Marker to match the answer (XMPP stanza id). */
  readonly id?: string;
  /** XMPP: how long to wait for a receipt or error (ms). */
  readonly waitMs?: number;
}

export interface Side {
  readonly proto: Proto;
  /** This side's user (canonical user@domain). */
  readonly user: string;
  readonly offline: string;
  readonly unknown: string;
  /** How this side's client writes the canonical address `a`. */
  addr(a: string): string;
  /** Arms a receiver for one message whose bytes contain `marker`; call the result to wait for it. */
  expect(marker: string, answer?: { status: number; reason: string }, binary?: boolean): Promise<() => Promise<Received>>;
  send(to: string, content: Content, opts?: SendOptions): Promise<Sent>;
}

const bare = (jid: string): string => jid.split('/')[0]!;

function toReceived(m: LoggedRequest, marker: string): Received {
  if (!m.body.toString('latin1').includes(marker)) throw new Error(`SIP UA got a MESSAGE without ${JSON.stringify(marker)}: ${m.head}`);
  const ct = headerOf(m.head, 'content-type') ?? '';
  const subject = headerOf(m.head, 'subject');
  const trace = headerOf(m.head, 'switchboard-trace');
  return {
    from: uriUser(headerOf(m.head, 'from') ?? ''), contentType: ct, bytes: m.body,
    ...(/^text\/plain/i.test(ct) ? { text: m.body.toString('utf8') } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(trace !== undefined ? { trace } : {}),
  };
}

export function sides(w: World): Record<Proto, Side> {
  const json: Side = {
    proto: 'json', ...USERS.json,
    addr: (a) => a,
    async expect(marker) {
      return async () => {
        const f = await w.aliceStream.next((x) => x.type === 'message' && Buffer.from(x.base64, 'base64').toString('latin1').includes(marker), 10_000);
        return {
          from: f.from, contentType: f.contentType, bytes: Buffer.from(f.base64, 'base64'),
          ...(f.text !== undefined ? { text: f.text } : {}),
          ...(f.subject?.[0] ? { subject: f.subject[0].text } : {}),
          trace: (f.trace as string[]).join(', '),
        };
      };
    },
    async send(to, content, opts = {}) {
      const body = content.kind === 'text'
        ? { to, text: content.text, ...(content.subject !== undefined ? { subject: [{ text: content.subject }] } : {}) }
        : content.contentType.toLowerCase().startsWith('message/cpim')
          ? { to, cpim: b64(content.bytes) }
          : { to, base64: b64(content.bytes), contentType: content.contentType };
      const r = await api(w.g.url, w.tokens.alice, 'POST', '/v1/messages', { ...body, ...(opts.notify ? { deliveryNotification: true } : {}) });
      if (r.status !== 200) throw new Error(`POST /v1/messages: ${r.status} ${r.text}`);
      return { native: r.json.outcome };
    },
  };

  const xmpp: Side = {
    proto: 'xmpp', ...USERS.xmpp,
    addr: (a) => {
      const [local, domain] = a.split('@') as [string, string];
      return domain === 'example.test' ? a : `${local}%${domain}@${COMPONENT}`;
    },
    async expect(marker) {
      return async () => {
        const e = await w.juliet.next((x) => x.event === 'message' && x.type !== 'error' && x.received === null
          && ((x.body ?? '').includes(marker) || (x.raw !== null && Buffer.from(x.raw, 'base64').toString('latin1').includes(marker))), 10_000);
        const bytes = e.raw !== null ? Buffer.from(e.raw, 'base64') : Buffer.from(e.body ?? '', 'utf8');
        const trace = /<trace xmlns="urn:switchboard:trace:0"[^>]*>([^<]*)<\/trace>/.exec(e.xml)?.[1];
        return {
          from: bare(e.from), contentType: e.raw !== null ? e.rawType : 'text/plain;charset=utf-8', bytes,
          ...(e.body !== null ? { text: e.body } : {}),
          ...(e.subject !== null ? { subject: e.subject } : {}),
          ...(trace !== undefined ? { trace } : {}),
        };
      };
    },
    async send(to, content, opts = {}) {
      const id = opts.id ?? `x-${Math.random().toString(36).slice(2)}`;
      const cmd: Record<string, unknown> = { cmd: 'message', to, id, ...(opts.notify ? { receipt: true } : {}) };
      if (content.kind === 'text') Object.assign(cmd, { body: content.text, ...(content.subject !== undefined ? { subject: content.subject } : {}) });
      // Exact bytes travel in Switchboard's <raw/> (XML would turn CRLF into LF: XML 1.0 2.11).
      else Object.assign(cmd, { raw: b64(content.bytes), rawType: content.contentType });
      w.juliet.send(cmd);
      const answer = await w.juliet.next((x) => x.event === 'message' && ((x.type === 'error' && x.id === id) || x.received === id), opts.waitMs ?? (opts.notify ? 6000 : 1000)).catch(() => undefined);
      return { native: answer === undefined ? 'none' : answer.type === 'error' ? answer.error?.[0] : 'receipt' };
    },
  };

  const sip: Side = {
    proto: 'sip', ...USERS.sip,
    addr: (a) => a,
    async expect(marker, answer = { status: 200, reason: 'OK' }, binary = false) {
      if (binary) {
        const uas = await rawSipUas(w.islandPort);
        await uas.ready;
        return async () => toReceived(await uas.done, marker);
      }
      const uas = startSipp({ scenario: `../interop/message-${answer.status}-uas.xml`, localPort: w.islandPort, timeoutSec: 12 });
      await waitForUdpListener(w.islandPort);
      return async () => {
        const r = await uas.done;
        return toReceived(receivedSipMessage(r.messages), marker);
      };
    },
    async send(to, content) {
      const body = content.kind === 'text' ? Buffer.from(content.text, 'utf8') : content.bytes;
      const contentType = content.kind === 'text' ? 'text/plain;charset=utf-8' : content.contentType;
      const extra = content.kind === 'text' && content.subject !== undefined ? [`Subject: ${content.subject}`] : [];
      const req = { from: USERS.sip.user, to, body, contentType, extraHeaders: extra };
      if (needsRawSip(body)) return { native: await rawSipRequest(w.sipPort, messageRequest(req)) };
      const r = await sipsakMessage(w.sipPort, req);
      return { native: r.status };
    },
  };
  return { json, xmpp, sip };
}
