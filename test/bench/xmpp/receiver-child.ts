/**
 * The receiving XMPP client, as its own process: logs in over c2s and counts bench bodies.
 * Scanning stays cheap: only complete stanzas are searched, with one regular expression.
 */
import { servePeer } from '../child-ipc';
import { Tally } from '../tally';
import { BODY_RE, c2sLogin, nowMicros } from './raw-stream';

interface Config { port: number; host: string; user: string; password: string; resource: string }

/** Bound on an incomplete stanza kept between reads. */
const MAX_PENDING = 4 * 1024 * 1024;

servePeer<Config>(async (c) => {
  const sock = await c2sLogin(c.port, c.host, c.user, c.password, c.resource);
  const tally = new Tally();
  let pending = '';
  let stanzas = 0;
  let overflow = 0;
  sock.on('data', (d: Buffer) => {
    const now = nowMicros();
    pending += d.toString('latin1');
    const end = pending.lastIndexOf('</message>');
    if (end < 0) {
      if (pending.length > MAX_PENDING) { overflow++; pending = ''; }
      return;
    }
    const complete = pending.slice(0, end);
    pending = pending.slice(end + 10);
    BODY_RE.lastIndex = 0;
    for (let m = BODY_RE.exec(complete); m; m = BODY_RE.exec(complete)) {
      stanzas++;
      tally.add(Number(m[1]), Number(m[2]), m[3] as string, now);
    }
  });
  sock.on('close', () => process.exit(3));
  return {
    count: (step: number) => tally.count(step),
    take: (step: number) => ({ ...tally.take(step), badStamps: tally.badStamps, overflow, stanzas }),
  };
});
