/**
 * An XMPP sender as its own process: a raw XEP-0114 component (the baseline: stanzas straight
 * into Prosody) or a c2s client (the source of XMPP -> SIP traffic). Bodies carry the step, a
 * sequence number and the send time.
 */
import type { Socket } from 'node:net';
import { servePeer } from '../child-ipc';
import { pace } from '../pacer';
import { benchBody, c2sLogin, componentConnect, nowMicros } from './raw-stream';

type Config =
  | { mode: 'component'; port: number; domain: string; secret: string; from: string; to: string }
  | { mode: 'client'; port: number; host: string; user: string; password: string; to: string };

interface SendArg { step: number; rate: number; count: number; limitMs: number }

servePeer<Config>(async (c) => {
  const sock: Socket = c.mode === 'component'
    ? await componentConnect(c.port, c.domain, c.secret)
    : await c2sLogin(c.port, c.host, c.user, c.password, 'send');
  // Drain what the server sends (presence, errors) so its buffers never fill; count errors.
  let errors = 0;
  sock.on('data', (d: Buffer) => { if (d.includes('type="error"') || d.includes("type='error'")) errors++; });
  sock.on('close', () => process.exit(3));
  const fromAttr = c.mode === 'component' ? ` from='${c.from}'` : '';
  return {
    send: async (a: SendArg) => {
      const r = await pace(a.rate, a.count, a.limitMs, (seq) => {
        sock.write(`<message${fromAttr} to='${c.to}' type='chat' id='b${a.step}-${seq}'><body>${benchBody(a.step, seq, nowMicros())}</body></message>`);
      });
      return { ...r, errors };
    },
  };
});
