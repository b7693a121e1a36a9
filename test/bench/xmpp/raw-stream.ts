/**
 * The smallest XMPP stream code that can carry benchmark traffic without being the bottleneck:
 * a c2s login (RFC 6120 SASL PLAIN over loopback without TLS, resource binding) and a XEP-0114
 * component handshake, over a raw socket. It waits for literal markers instead of parsing XML:
 * the peer is a known Prosody on loopback, and every wait is bounded in time and bytes.
 */
import { createHash } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';

const HANDSHAKE_TIMEOUT_MS = 10_000;
const HANDSHAKE_MAX_BYTES = 256 * 1024;

/** Bench body: "sbb;<step>;<seq>;<send time>;" (send time: epoch microseconds or SIPp's date form). */
export const BODY_RE = /sbb;(\d+);(\d+);([^;<]+);/g;
export const benchBody = (step: number, seq: number, sentMicros: number): string => `sbb;${step};${seq};${Math.round(sentMicros)};`;

/** Wall-clock microseconds with sub-millisecond resolution (comparable across processes). */
export const nowMicros = (): number => (performance.timeOrigin + performance.now()) * 1000;

/** Reads from the socket until `marker` (a string or a test) appears; returns all text read. */
function readUntil(sock: Socket, done: (text: string) => boolean, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new Error(`XMPP: no ${what} within ${HANDSHAKE_TIMEOUT_MS} ms (got ${JSON.stringify(text.slice(-300))})`)), HANDSHAKE_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      if (/<stream:error|<failure/.test(text)) finish(new Error(`XMPP: ${what} refused: ${text.slice(-400)}`));
      else if (done(text)) finish(undefined);
      else if (text.length > HANDSHAKE_MAX_BYTES) finish(new Error(`XMPP: ${what}: more than ${HANDSHAKE_MAX_BYTES} bytes without it`));
    };
    const onClose = (): void => finish(new Error(`XMPP: connection closed waiting for ${what}: ${text.slice(-400)}`));
    const finish = (err: Error | undefined): void => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('close', onClose);
      if (err) reject(err); else resolve(text);
    };
    sock.on('data', onData);
    sock.once('close', onClose);
  });
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    s.once('connect', () => { s.off('error', reject); resolve(s); });
    s.once('error', reject);
  });
}

const streamHeader = (ns: string, to: string): string =>
  `<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams' to='${to}' version='1.0'>`;

/** Logs in as user@host/resource (SASL PLAIN, bind), sends initial presence; returns the socket. */
export async function c2sLogin(port: number, host: string, user: string, password: string, resource: string): Promise<Socket> {
  const s = await connect(port);
  const features = (t: string): boolean => t.includes('</stream:features>');
  s.write(streamHeader('jabber:client', host));
  await readUntil(s, features, 'stream features');
  // RFC 4616: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  const plain = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
  s.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
  await readUntil(s, (t) => t.includes('<success'), 'SASL success');
  s.write(streamHeader('jabber:client', host));
  await readUntil(s, features, 'post-auth features');
  s.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`);
  await readUntil(s, (t) => /id=["']bind1["']/.test(t) && t.includes('</iq>'), 'bind result');
  // Available presence with a positive priority: messages to the bare JID reach this resource
  // (RFC 6121 8.5.2.1.1).
  s.write('<presence><priority>1</priority></presence>');
  return s;
}

/** Opens a XEP-0114 component stream for `domain`; returns the socket once the handshake succeeds. */
export async function componentConnect(port: number, domain: string, secret: string): Promise<Socket> {
  const s = await connect(port);
  s.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`);
  const head = await readUntil(s, (t) => /<stream:stream[^>]*>/.test(t), 'component stream header');
  const id = /<stream:stream[^>]*\sid=["']([^"']+)["']/.exec(head)?.[1];
  if (!id) throw new Error(`XMPP component: no stream id in ${head.slice(0, 300)}`);
  // XEP-0114 section 3: the handshake is the hex SHA-1 of the stream id concatenated with the secret.
  s.write(`<handshake>${createHash('sha1').update(id + secret, 'utf8').digest('hex')}</handshake>`);
  await readUntil(s, (t) => /<handshake\s*\/>|<handshake><\/handshake>/.test(t), 'component handshake');
  return s;
}
