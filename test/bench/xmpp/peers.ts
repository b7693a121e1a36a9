/** The XMPP helper processes as flow Senders and Receivers (see flow.ts). */
import { join } from 'node:path';
import { forkPeer, type Peer } from '../child-ipc';
import type { Receiver, Sender } from '../flow';
import { stopChild } from '../proc';
import type { StepTally } from '../tally';

export interface Stoppable { stop(): Promise<void> }

export async function startXmppReceiver(port: number, host: string, user: string, password: string): Promise<Receiver & Stoppable & { peer: Peer }> {
  const peer = await forkPeer(`xmpp-receiver(${user})`, join(__dirname, 'receiver-child.js'), { port, host, user, password, resource: 'bench' });
  return {
    peer,
    pid: peer.child.pid,
    count: (step) => peer.request<number>('count', step, 5000),
    take: (step) => peer.request<StepTally>('take', step, 30_000),
    stop: () => stopChild(peer.child),
  };
}

type SenderConfig =
  | { mode: 'component'; port: number; domain: string; secret: string; from: string; to: string }
  | { mode: 'client'; port: number; host: string; user: string; password: string; to: string };

export async function startXmppSender(name: string, config: SenderConfig): Promise<Sender & Stoppable> {
  const peer = await forkPeer(name, join(__dirname, 'sender-child.js'), config);
  return {
    pid: peer.child.pid,
    send: async (step, rate, count, limitMs) => {
      const r = await peer.request<{ sent: number; firstAt: number; errors: number }>('send', { step, rate, count, limitMs }, limitMs + 10_000);
      return { sent: r.sent, firstAt: r.firstAt, ...(r.errors ? { note: `${r.errors} error stanzas so far` } : {}) };
    },
    stop: () => stopChild(peer.child),
  };
}
