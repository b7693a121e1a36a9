/**
 * UDP and TCP transports (RFC 3261 section 18). UDP: one datagram is one message. TCP: framed by
 * Content-Length (wire-frame.ts); a framing fault closes only that connection; an incomplete
 * message and an idle connection each have a time limit; connections are bounded in number.
 * Responses to requests received over TCP go back on the same connection (RFC 3261 18.2.2).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Log } from '../../canonical/adapter';
import { TransportError } from '../../canonical/errors';
import { StreamFramer, type Frame } from './wire-frame';

export type TransportName = 'UDP' | 'TCP' | 'TLS';

/** Where a message came from / goes to. */
export interface Remote {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  /** The TCP connection a request arrived on. */
  readonly socket?: Socket;
}

export interface TransportEvents {
  message(bytes: Buffer, remote: Remote, datagram: boolean): void;
  /** A stream framing fault: answer from `head` if possible; the connection is closed afterwards. */
  framingError(frame: Extract<Frame, { kind: 'fatal' }>, remote: Remote): Buffer | undefined;
}

export const TRANSPORT_LIMITS = Object.freeze({
  maxConnections: 1024,
  /** An incomplete message on a stream is abandoned after this (RFC 4475 3.1.2.2). */
  partialMessageMs: 10_000,
  idleConnectionMs: 300_000,
  connectTimeoutMs: 5_000,
  /**
   * UDP receive buffer asked of the kernel (it grants at most net.core.rmem_max). The default
   * (~208 KB, about 150 datagrams) overflows during a pause of tens of milliseconds at a few
   * thousand requests a second, and every datagram dropped there costs the sender a Timer E
   * retransmission 500 ms later (RFC 3261 17.1.2.2).
   */
  udpReceiveBufferBytes: 4 * 1024 * 1024,
});

/** "host:port" -> parts; host may be an IPv4 address or name, port required. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):([0-9]{1,5})$/.exec(s);
  if (!m || !m[1]) throw new TransportError('bad-request', `listen address ${JSON.stringify(s)} is not host:port`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export class SipTransport {
  private udp?: UdpSocket;
  private tcp?: Server;
  private tls?: TlsServer;
  private readonly conns = new Map<string, Socket>();
  readonly local: { udp?: { host: string; port: number }; tcp?: { host: string; port: number }; tls?: { host: string; port: number } } = {};

  constructor(private readonly listen: { udp?: string; tcp?: string; tls?: { listen: string; cert: string; key: string } }, private readonly events: TransportEvents, private readonly log: Log) {}

  async start(): Promise<void> {
    if (this.listen.udp) {
      const { host, port } = parseListen(this.listen.udp);
      const sock = createSocket({ type: 'udp4', reuseAddr: false });
      sock.on('message', (msg, rinfo) => {
        try { this.events.message(msg, { transport: 'UDP', address: rinfo.address, port: rinfo.port }, true); }
        catch (e) { this.log.error({ err: e }, 'sip udp handler failed'); }
      });
      sock.on('error', (e) => this.log.warn({ err: e }, 'sip udp socket error'));
      await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(port, host, () => { sock.off('error', reject); resolve(); }); });
      try {
        sock.setRecvBufferSize(TRANSPORT_LIMITS.udpReceiveBufferBytes);
      } catch (e) {
        this.log.warn({ err: e }, 'sip udp: the receive buffer could not be enlarged (datagrams may be dropped under load)');
      }
      this.udp = sock;
      this.local.udp = { host, port: sock.address().port };
    }
    if (this.listen.tcp) {
      const { host, port } = parseListen(this.listen.tcp);
      const server = createServer((s) => this.adopt(s));
      server.maxConnections = TRANSPORT_LIMITS.maxConnections;
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => { server.off('error', reject); resolve(); }); });
      this.tcp = server;
      const addr = server.address();
      this.local.tcp = { host, port: typeof addr === 'object' && addr ? addr.port : port };
    }
    if (this.listen.tls) {
      const { host, port } = parseListen(this.listen.tls.listen);
      let cert: Buffer;
      let key: Buffer;
      try {
        [cert, key] = await Promise.all([readFile(this.listen.tls.cert), readFile(this.listen.tls.key)]);
      } catch (e) {
        throw new TransportError('bad-request', `sip.listen.tls: cannot read cert or key file: ${e instanceof Error ? e.message : String(e)}`);
      }
      // RFC 3261 26.2.1: TLS for SIP; the stream carries the same Content-Length framing as TCP.
      const server = createTlsServer({ cert, key, minVersion: 'TLSv1.2' }, (s) => this.adopt(s, 'TLS'));
      server.maxConnections = TRANSPORT_LIMITS.maxConnections;
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => { server.off('error', reject); resolve(); }); });
      this.tls = server;
      const addr = server.address();
      this.local.tls = { host, port: typeof addr === 'object' && addr ? addr.port : port };
    }
  }

  private adopt(s: Socket, transport: 'TCP' | 'TLS' = 'TCP'): void {
    const address = (s.remoteAddress ?? '').replace(/^::ffff:/, '');
    const port = s.remotePort ?? 0;
    const key = `${transport}:${address}:${port}`;
    if (this.conns.size >= TRANSPORT_LIMITS.maxConnections) { s.destroy(); return; }
    this.conns.set(key, s);
    const remote: Remote = { transport, address, port, socket: s };
    const framer = new StreamFramer();
    let partial: NodeJS.Timeout | undefined;
    s.setNoDelay(true);
    s.setTimeout(TRANSPORT_LIMITS.idleConnectionMs, () => s.destroy());
    s.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) {
        if (f.kind === 'message') {
          try { this.events.message(f.bytes, remote, false); } catch (e) { this.log.error({ err: e }, 'sip tcp handler failed'); }
        } else {
          let answer: Buffer | undefined;
          try { answer = this.events.framingError(f, remote); } catch { answer = undefined; }
          if (answer) s.end(answer); else s.destroy();
          return;
        }
      }
      if (partial) { clearTimeout(partial); partial = undefined; }
      if (framer.pending > 0) partial = setTimeout(() => s.destroy(), TRANSPORT_LIMITS.partialMessageMs);
    });
    s.on('error', () => s.destroy());
    s.on('close', () => { if (partial) clearTimeout(partial); if (this.conns.get(key) === s) this.conns.delete(key); });
  }

  /**
   * Sends one datagram and forgets it: no Promise (a response of a server transaction is sent
   * once per relayed MESSAGE; the Promise, its executor closure and the callback closure of
   * send() showed in profiles). `onDone` gets the outcome, as dgram's callback.
   */
  sendDatagram(remote: Remote, bytes: Buffer, onDone: (e: Error | null) => void): void {
    const udp = this.udp;
    if (!udp) { onDone(new TransportError('remote-unreachable', 'no UDP listener configured (sip.listen.udp)')); return; }
    udp.send(bytes, remote.port, remote.address, onDone);
  }

  /** Sends bytes; over TCP reuses the request's connection or an open one to the same address. */
  async send(remote: Remote, bytes: Buffer): Promise<void> {
    if (remote.transport === 'UDP') {
      const udp = this.udp;
      if (!udp) throw new TransportError('remote-unreachable', 'no UDP listener configured (sip.listen.udp)');
      await new Promise<void>((resolve, reject) => udp.send(bytes, remote.port, remote.address, (e) => (e ? reject(new TransportError('remote-unreachable', e.message)) : resolve())));
      return;
    }
    if (remote.transport === 'TLS' && !(remote.socket && !remote.socket.destroyed)) {
      const open = this.conns.get(`TLS:${remote.address}:${remote.port}`);
      if (!open || open.destroyed) throw new TransportError('remote-unreachable', 'outbound TLS connections are not supported; the peer must keep its TLS connection open');
      remote = { ...remote, socket: open };
    }
    const s = remote.socket && !remote.socket.destroyed ? remote.socket : await this.connect(remote.address, remote.port);
    await new Promise<void>((resolve, reject) => s.write(bytes, (e) => (e ? reject(new TransportError('remote-unreachable', e.message)) : resolve())));
  }

  private async connect(address: string, port: number): Promise<Socket> {
    const existing = this.conns.get(`TCP:${address}:${port}`);
    if (existing && !existing.destroyed) return existing;
    const s = createConnection({ host: address, port });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { s.destroy(); reject(new TransportError('remote-unreachable', `TCP connect to ${address}:${port} timed out`)); }, TRANSPORT_LIMITS.connectTimeoutMs);
      s.once('connect', () => { clearTimeout(t); resolve(); });
      s.once('error', (e) => { clearTimeout(t); reject(new TransportError('remote-unreachable', `TCP connect to ${address}:${port}: ${e.message}`)); });
    });
    this.adopt(s, 'TCP');
    return s;
  }

  async stop(): Promise<void> {
    for (const s of this.conns.values()) s.destroy();
    this.conns.clear();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
    const tls = this.tls;
    this.tls = undefined;
    if (tls) await new Promise<void>((r) => tls.close(() => r()));
  }
}
