/**
 * The SIP stack the adapter's handlers share: transports, the transaction layer, responding and
 * originating requests. I/O lives here and in transport.ts; the handlers (adapter.ts,
 * presence-*.ts) decide what to send.
 */
import { createHash } from 'node:crypto';
import type { AdapterContext, Log } from '../../canonical/adapter';
import type { SipSection } from './config';
import { resolveTarget } from './resolve';
import { ClientTransactions, ServerTransactions, type ClientResult } from './transactions';
import { SipTransport, type Remote, type TransportEvents, type TransportName } from './transport';
import { buildRequest, buildResponseFrom, MAGIC_COOKIE, randomToken, responseBasis, type HeaderPair, type RequestSpec, type ResponseBasis } from './wire-serialize';
import { headerValues, type SipMessage } from './wire-message';
import { digestAuthorization, parseChallenge } from './digest';

export const USER_AGENT = 'Switchboard';
/** The Server header field of every response, serialized once. */
const SERVER_LINE = `Server: ${USER_AGENT}\r\n`;

export class SipStack {
  readonly transport: SipTransport;
  readonly server: ServerTransactions;
  readonly client: ClientTransactions;
  /**
   * Our branch prefix: the magic cookie and a hash of the gateway id, shared by every instance.
   * A request that comes back holding a Via with it has looped (RFC 3261 16.3 item 4).
   */
  readonly branchPrefix: string;
  /** Wire dumps (trace level, truncated) only when that level is on: they cost a string per message. */
  readonly traceWire: boolean;

  constructor(readonly config: SipSection, readonly ctx: AdapterContext, readonly log: Log, events: TransportEvents, clientTimeoutMs?: number, private readonly dnsServers?: readonly string[]) {
    this.transport = new SipTransport(config.listen, events, log);
    this.traceWire = (log as Partial<{ isLevelEnabled(l: string): boolean }>).isLevelEnabled?.('trace') ?? false;
    const send = (remote: Remote, bytes: Buffer): Promise<void> => {
      if (this.traceWire) log.trace({ to: `${remote.transport} ${remote.address}:${remote.port}`, wire: bytes.subarray(0, 300).toString('latin1') }, 'sip send');
      return this.transport.send(remote, bytes);
    };
    const unsent = (e: Error | null): void => { if (e) log.debug({ err: e }, 'sip response not sent'); };
    this.server = new ServerTransactions((r, b) => {
      if (r.transport !== 'UDP') { send(r, b).catch(unsent); return; }
      if (this.traceWire) log.trace({ to: `UDP ${r.address}:${r.port}`, wire: b.subarray(0, 300).toString('latin1') }, 'sip send');
      this.transport.sendDatagram(r, b, unsent);
    });
    this.client = new ClientTransactions(send, clientTimeoutMs);
    this.branchPrefix = `${MAGIC_COOKIE}-sb${createHash('sha1').update(ctx.gatewayId).digest('hex').slice(0, 8)}-`;
  }

  transports(): TransportName[] {
    const t: TransportName[] = [];
    if (this.transport.local.udp) t.push('UDP');
    if (this.transport.local.tcp) t.push('TCP');
    if (this.transport.local.tls) t.push('TLS');
    return t;
  }

  /** host:port we advertise for a transport (Via sent-by, Contact). */
  local(t: TransportName): { host: string; port: number } {
    const { udp, tcp, tls } = this.transport.local;
    const l = t === 'TLS' ? tls ?? tcp ?? udp : t === 'TCP' ? tcp ?? udp : udp ?? tcp;
    return l ?? { host: '127.0.0.1', port: 5060 };
  }

  contact(t: TransportName): string {
    const l = this.local(t);
    return `<sip:switchboard@${l.host}:${l.port}${t === 'UDP' ? '' : `;transport=${t.toLowerCase()}`}>`;
  }

  /**
   * Sends a final response inside a server transaction (absorbing later retransmissions).
   * `req` is the request, or its ResponseBasis when the request is no longer held (a MESSAGE
   * waiting for its outcome); a basis made here applies received/rport for UDP (RFC 3261 18.2.1,
   * RFC 3581), as one made by the caller must.
   */
  respond(txKey: string | undefined, req: Pick<SipMessage, 'headers'> | ResponseBasis, remote: Remote, status: number, phrase: string, opts: { toTag?: string; headers?: readonly HeaderPair[]; body?: { type: string; bytes: Uint8Array } } = {}): void {
    const basis = 'toEnd' in req ? req : responseBasis(req, remote.transport === 'UDP' ? remote : undefined);
    // A fresh tag only when the To lacks one (RFC 3261 8.2.6.2).
    const toTag = opts.toTag ?? (basis.toTagged || basis.toEnd < 0 ? undefined : randomToken(6));
    const bytes = buildResponseFrom(basis, status, phrase, { toTag, headers: opts.headers, lines: SERVER_LINE, body: opts.body });
    if (txKey) this.server.respond(txKey, remote, bytes);
    else this.transport.send(remote, bytes).catch((e) => this.log.debug({ err: e }, 'sip response not sent'));
  }

  /** Sends a request in a new client transaction to `remote` (or the resolved target of its URI). */
  async request(spec: Omit<RequestSpec, 'via'>, remote?: Remote): Promise<ClientResult> {
    let target: Remote;
    try {
      target = remote ?? await this.resolve(spec.uri);
    } catch (e) {
      return { kind: 'transport-error', message: e instanceof Error ? e.message : String(e) };
    }
    const send = (s: Omit<RequestSpec, 'via'>): Promise<ClientResult> => {
      const branch = this.branchPrefix + randomToken(8);
      const l = this.local(target.transport);
      return this.client.request(buildRequest({ ...s, via: { transport: target.transport, host: l.host, port: l.port, branch } }), branch, s.method, target);
    };
    const first = await send(spec);
    // RFC 3261 22.2: a 401/407 is answered once with credentials for the realm, in a new request
    // with a higher CSeq ("the request ... MUST have the same Call-ID and a CSeq incremented").
    const creds = this.config.credentials;
    if (first.kind !== 'response' || (first.response.status !== 401 && first.response.status !== 407) || !creds) return first;
    const proxy = first.response.status === 407;
    const challengeText = headerValues(first.response, proxy ? 'proxy-authenticate' : 'www-authenticate').find((v) => parseChallenge(v));
    const challenge = challengeText ? parseChallenge(challengeText) : undefined;
    if (!challenge) return first;
    const auth: HeaderPair = [proxy ? 'Proxy-Authorization' : 'Authorization', digestAuthorization(challenge, creds, spec.method, spec.uri)];
    return send({ ...spec, cseq: spec.cseq + 1, headers: [...(spec.headers ?? []), auth] });
  }

  /** The next hop of a URI itself, without the outbound proxy (in-dialog remote targets). */
  resolveDirect(uri: string): Promise<Remote> {
    return resolveTarget(uri, { transports: this.transports(), ...(this.dnsServers ? { servers: this.dnsServers } : {}) });
  }

  resolve(uri: string): Promise<Remote> {
    return resolveTarget(uri, { ...(this.config.outboundProxy ? { outboundProxy: this.config.outboundProxy } : {}), transports: this.transports(), ...(this.dnsServers ? { servers: this.dnsServers } : {}) });
  }
}
