/** The JSON sender process as a flow Sender, and account provisioning through the admin API. */
import { join } from 'node:path';
import { forkPeer } from '../child-ipc';
import type { Sender } from '../flow';
import { stopChild } from '../proc';

export async function startJsonSender(url: string, tokens: readonly string[], to: string, streamsPerToken = 12): Promise<Sender & { stop(): Promise<void> }> {
  const peer = await forkPeer('json-sender', join(__dirname, 'sender-child.js'), { url, tokens, to, streamsPerToken });
  return {
    pid: peer.child.pid,
    send: async (step, rate, count, limitMs) => {
      const r = await peer.request<{ sent: number; firstAt: number; outcomes: Record<string, number>; unanswered: number }>('send', { step, rate, count, limitMs }, limitMs + 30_000);
      const out = Object.entries(r.outcomes).filter(([k]) => k !== 'delivered').map(([k, v]) => `${v} ${k}`);
      if (r.unanswered) out.push(`${r.unanswered} unanswered`);
      return { sent: r.sent, firstAt: r.firstAt, ...(out.length ? { note: out.join(', ') } : {}) };
    },
    stop: () => stopChild(peer.child),
  };
}
