/**
 * The SIP adapter: receives requests (strict parse, policy, transaction), dispatches MESSAGE,
 * SUBSCRIBE, NOTIFY, PUBLISH and OPTIONS, and sends MESSAGE, NOTIFY and SUBSCRIBE for the gateway.
 * Malformed input is answered (or dropped, for responses) and never reaches the handlers; a
 * handler failure is answered 500 and logged, never thrown into the socket layer.
 */
import type { Adapter, AdapterContext } from '../../canonical/adapter';
import { failed, type MessageOp, type NotifyOp, type Outcome, type SubscribeOp, type SubscribeResult } from '../../canonical/operations';
import { ConfigError } from '../../canonical/errors';
import type { SipAdapterConfig } from './config';
import { DialogStore } from './dialog-store';
import { messageParts, outcomeToStatus, statusToOutcome } from './from-canonical';
import { PresenceNotifier } from './presence-notifier';
import { onPublish } from './presence-publish';
import { PresenceSubscriber } from './presence-subscriber';
import { ACCEPT_HEADER, ALLOW_HEADER, checkRequestPolicy } from './request-policy';
import { SipStack } from './stack';
import { sipMessageToOp, traceOf } from './to-canonical';
import type { Remote } from './transport';
import { SipWireError } from './wire-error';
import { splitMessage, type SipMessage } from './wire-message';
import { detach } from './detach';
import { buildResponse, randomToken, responseBasis, type ResponseBasis } from './wire-serialize';
import { parseSip, type CheckedRequest } from './wire-validate';

/** Options for tests: shorter client transaction timeout. */
export interface SipAdapterOptions {
  readonly clientTimeoutMs?: number;
  /** DNS servers for RFC 3263 resolution instead of the system's. */
  readonly dnsServers?: readonly string[];
}


/** The Call-ID a response basis copies (for a log line on the failure path only). */
function callIdOf(basis: ResponseBasis): string | undefined {
  return /(?:^|\r\n)Call-ID: ([^\r\n]*)/.exec(basis.text)?.[1];
}

export function createSipAdapterWith(config: SipAdapterConfig, ctx: AdapterContext, options: SipAdapterOptions = {}): Adapter {
  const sip = config.sip;
  if (!sip) throw new ConfigError(['sip: the SIP adapter needs a sip section (domain, listen)']);
  const log = ctx.log.child({ adapter: 'sip' });
  const dialogs = new DialogStore(ctx.state);
  const onMessage = (bytes: Buffer, remote: Remote, datagram: boolean): void => {
    try {
      receive(bytes, remote, datagram);
    } catch (e) {
      log.error({ err: e }, 'sip receive failed');
    }
  };
  const stack: SipStack = new SipStack(sip, ctx, log, {
    message: onMessage,
    framingError: (frame, remote) => {
      log.debug({ remote: `${remote.address}:${remote.port}`, fault: frame.error.phrase }, 'sip stream framing fault: closing connection');
      if (!frame.head) return undefined;
      const split = splitMessage(frame.head, true);
      if (split.message?.kind !== 'request' || split.message.method === 'ACK') return undefined;
      return errorResponse(split.message, frame.error, remote);
    },
  }, options.clientTimeoutMs, options.dnsServers ?? (config.resolver?.servers?.length ? config.resolver.servers : undefined));
  const notifier = new PresenceNotifier(stack, dialogs, config.presence);
  const subscriber = new PresenceSubscriber(stack, dialogs);

  function errorResponse(msg: SipMessage, err: SipWireError, remote: Remote): Buffer {
    // Built here rather than through stack.respond so that the TCP path can write it before closing.
    return buildResponse(msg, err.status, err.phrase, {
      headers: [...err.extraHeaders], toTag: randomToken(6),
      ...(remote.transport === 'UDP' ? { received: { address: remote.address, port: remote.port } } : {}),
    });
  }

  /**
   * One received message, synchronously up to its handler, whose promise is not awaited: an async
   * receive and an async dispatch cost every MESSAGE two Promises and their microtask turns for
   * nothing (issue 7: about 19 Promises per relayed message).
   */
  function receive(bytes: Buffer, remote: Remote, datagram: boolean): void {
    if (stack.traceWire) log.trace({ from: `${remote.transport} ${remote.address}:${remote.port}`, wire: bytes.subarray(0, 300).toString('latin1') }, 'sip receive');
    const parsed = parseSip(bytes, datagram);
    if (!parsed.ok) {
      // RFC 3261 8.2: a malformed request is answered; a malformed response is discarded (RFC 4475 3.1.2.19).
      const m = parsed.message;
      if (m?.kind === 'request' && m.method !== 'ACK') {
        log.debug({ fault: parsed.error.phrase, status: parsed.error.status }, 'sip request rejected');
        stack.transport.send(remote, errorResponse(m, parsed.error, remote)).catch(() => undefined);
      } else log.debug({ fault: parsed.error.phrase }, 'sip message dropped');
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'response') {
      if (!stack.client.receive(msg)) log.debug({ status: msg.status }, 'sip response matches no transaction: dropped');
      return;
    }
    const req = msg;
    if (req.method === 'ACK') return;
    const tx = stack.server.begin(req, remote);
    if (!tx.isNew) return;
    // Not awaited here, and answered from the response basis (one flat string, RFC 3261 18.2.1
    // received/rport applied): no frame that waits for the handler holds the parsed request
    // (async frames keep every local until they finish), nor any string cut from its text.
    const basis = responseBasis(req, remote.transport === 'UDP' ? remote : undefined);
    const txKey = tx.key;
    let pending: Promise<void> | undefined;
    try {
      pending = dispatch(req, remote, txKey, basis);
    } catch (e) {
      failRequest(e, req.method, basis, txKey, remote);
      return;
    }
    if (pending) {
      // A method name is short enough to be a copy (see detach.ts): the closure pins no text.
      const method = detach(req.method);
      pending.catch((e: unknown) => failRequest(e, method, basis, txKey, remote));
    }
  }

  /** A handler's failure: logged, and answered 500 (or the status a SipWireError names). */
  function failRequest(e: unknown, method: string, basis: ResponseBasis, txKey: string, remote: Remote): void {
    try {
      log.error({ err: e, method, callId: callIdOf(basis) }, 'sip request handler failed');
      if (e instanceof SipWireError) stack.respond(txKey, basis, remote, e.status, e.phrase, { headers: [...e.extraHeaders] });
      else stack.respond(txKey, basis, remote, 500, 'Server Internal Error');
    } catch (e2) {
      log.error({ err: e2 }, 'sip failure response not sent');
    }
  }

  /**
   * Runs the method's handler; returns its promise when it has one (not awaited here: a frame
   * waiting for it would hold the parsed request). Throws what a synchronous step throws.
   */
  function dispatch(req: CheckedRequest, remote: Remote, txKey: string, basis: ResponseBasis): Promise<void> | undefined {
    const fault = checkRequestPolicy(req);
    if (fault) { stack.respond(txKey, req, remote, fault.status, fault.phrase, { headers: [...fault.extraHeaders] }); return undefined; }
    switch (req.method) {
      case 'OPTIONS':
        // RFC 3261 11.2: the response to OPTIONS lists Allow, Accept, Accept-Encoding, Supported.
        stack.respond(txKey, req, remote, 200, 'OK', { headers: [['Allow', ALLOW_HEADER], ['Accept', ACCEPT_HEADER], ['Accept-Encoding', 'identity'], ['Supported', ''], ['Allow-Events', 'presence']] });
        return undefined;
      case 'CANCEL':
        // RFC 3261 9.2: nothing to cancel for non-INVITE transactions.
        stack.respond(txKey, req, remote, 481, 'Call/Transaction Does Not Exist');
        return undefined;
      case 'MESSAGE': return onMessageRequest(req, remote, txKey, basis);
      case 'SUBSCRIBE': return loopCheck(req, remote, txKey) ? undefined : notifier.onSubscribe(req, remote, txKey);
      case 'PUBLISH': return loopCheck(req, remote, txKey) ? undefined : onPublish(stack, config.presence, req, remote, txKey);
      case 'NOTIFY': return subscriber.onNotify(req, remote, txKey);
      default:
        stack.respond(txKey, req, remote, 405, 'Method Not Allowed', { headers: [['Allow', ALLOW_HEADER]] });
        return undefined;
    }
  }

  /**
   * Loop checks of RFC 3261 16.3 (Max-Forwards, Via) and the received-trace; true when answered.
   * Synchronous: an async check cost each MESSAGE a Promise and a microtask turn for nothing.
   */
  function loopCheck(req: CheckedRequest, remote: Remote, txKey: string): boolean {
    // RFC 3261 16.3 item 2: "If the Max-Forwards value is zero (0), the proxy MUST NOT forward the
    // request ... the element MUST return a 483 (Too many hops) response."
    if (req.maxForwards === 0) { stack.respond(txKey, req, remote, 483, 'Too Many Hops'); return true; }
    // RFC 3261 16.3 item 4 / RFC 5393 4.2: a request carrying a Via this gateway inserted has come
    // back round: "482 (Loop Detected)".
    if (req.via.some((v) => v.branch?.startsWith(stack.branchPrefix))) { stack.respond(txKey, req, remote, 482, 'Loop Detected'); return true; }
    let trace: string[];
    try {
      trace = traceOf(req);
    } catch (e) {
      const err = e instanceof SipWireError ? e : new SipWireError(400, 'Malformed Switchboard-Trace');
      stack.respond(txKey, req, remote, err.status, err.phrase);
      return true;
    }
    if (trace.includes(ctx.gatewayId)) { stack.respond(txKey, req, remote, 482, 'Loop Detected (Switchboard-Trace)'); return true; }
    return false;
  }

  function onMessageRequest(req: CheckedRequest, remote: Remote, txKey: string, basis: ResponseBasis): undefined {
    if (loopCheck(req, remote, txKey)) return undefined;
    const op = sipMessageToOp(req, { transactionId: req.via[0]?.branch ?? req.callId, sourceId: `${remote.transport} ${remote.address}:${remote.port}` }, ctx.ownerOf);
    return relayMessage(op, remote, txKey, basis);
  }

  /**
   * Waits for the gateway's outcome and answers it. What waits (a reaction, not an async frame)
   * holds the response basis and the message id only: while thousands of messages wait for their
   * outcome (250 ms for XMPP), their parsed requests and operations are garbage (an async frame
   * kept `op` alive to the end: heap snapshot, one MessageOp per message in flight).
   */
  function relayMessage(op: MessageOp, remote: Remote, txKey: string, basis: ResponseBasis): undefined {
    const msgId = op.id;
    // Its own failures are answered here, so receive() attaches no second reaction per message.
    ctx.deliver(op).then((outcome) => {
      try {
        const { status, phrase } = outcomeToStatus(outcome);
        log.debug({ msgId, status }, 'sip MESSAGE answered');
        stack.respond(txKey, basis, remote, status, phrase);
      } catch (e) {
        failRequest(e, 'MESSAGE', basis, txKey, remote);
      }
    }, (e: unknown) => failRequest(e, 'MESSAGE', basis, txKey, remote));
    return undefined;
  }

  async function sendMessage(op: MessageOp): Promise<Outcome> {
    if (op.maxForwards <= 0) return failed('too-many-hops');
    // The trace leaves with our id appended (canonical/trace.ts forwardHops), unless already done.
    const trace = op.trace[op.trace.length - 1] === ctx.gatewayId ? op.trace : [...op.trace, ctx.gatewayId];
    const parts = messageParts(op, trace);
    const route = sip!.outboundProxy && /;lr\b/i.test(sip!.outboundProxy) ? [['Route', `<${sip!.outboundProxy}>`] as [string, string]] : [];
    const r = await stack.request({
      method: 'MESSAGE', uri: parts.uri, from: `${parts.from};tag=${randomToken(6)}`, to: parts.to,
      callId: `${randomToken(12)}@switchboard`, cseq: 1, maxForwards: op.maxForwards,
      headers: [...route, ...parts.headers], body: parts.body,
    });
    if (r.kind === 'timeout') return failed('timeout', 'no final response to MESSAGE (Timer F)');
    if (r.kind === 'transport-error') return failed('remote-unreachable', r.message);
    return statusToOutcome(r.response.status, r.response.reason);
  }

  return {
    protocol: 'sip',
    async start() {
      await stack.transport.start();
      ctx.setReady(true);
      log.info({ udp: stack.transport.local.udp, tcp: stack.transport.local.tcp }, 'sip adapter listening');
    },
    async stop() {
      ctx.setReady(false, 'stopped');
      subscriber.stop();
      stack.client.clear();
      stack.server.clear();
      await stack.transport.stop();
    },
    sendMessage,
    sendNotify: (op: NotifyOp) => notifier.sendNotify(op),
    sendSubscribe: (op: SubscribeOp): Promise<SubscribeResult> => subscriber.sendSubscribe(op),
    /** Where the adapter listens (tests bind port 0 and read the real port here). */
    get local() { return stack.transport.local; },
  } as Adapter & { readonly local: SipStack['transport']['local'] };
}
