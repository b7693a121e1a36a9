/**
 * The cross-protocol matrix (issue 6): every ordered pair of SIP (sipsak / SIPp), XMPP (Prosody +
 * slixmpp) and JSON (HTTP / WebSocket), through ONE running gateway with Redis (support/world.ts).
 * Each test names the RFC 2779 requirement it proves.
 */
import { writeFileSync } from 'node:fs';
import { parseAddressKey } from '../../canonical/address';
import { buildCpim } from '../../canonical/cpim';
import { findHeader, parseMimeEntity } from '../../canonical/mime';
import { decrypt, encrypt, signDetached, signOpaque, verify } from '../support/openssl';
import { startSipp, waitForUdpListener } from '../support/sipp';
import { publishers, watchers, type Publisher, type Watcher } from './support/presence';
import { type Proto, sides, type Side } from './support/sides';
import { GW_ID, startWorld, type World } from './support/world';

let w: World;
let S: Record<Proto, Side>;

beforeAll(async () => {
  w = await startWorld();
  S = sides(w);
}, 90_000);
afterAll(async () => {
  // SB_INTEROP_DUMP=FILE keeps the gateway's log lines (level from SB_TEST_LOG) for a post-mortem.
  if (process.env.SB_INTEROP_DUMP && w) writeFileSync(process.env.SB_INTEROP_DUMP, w.g.logs.map((l) => JSON.stringify(l)).join('\n'));
  await w?.stop();
}, 30_000);

const addressOf = (s: string) => parseAddressKey(s);
const PROTOS: Proto[] = ['json', 'xmpp', 'sip'];
const PAIRS: Array<[Proto, Proto]> = PROTOS.flatMap((a) => PROTOS.filter((b) => b !== a).map((b) => [a, b] as [Proto, Proto]));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const marker = (what: string): string => `${what}-${++seq}-${Date.now().toString(36)}`;

describe('text with a subject, and the reply (RFC 2779 4.1.3, 5.4.4)', () => {
  it.each(PAIRS)('%s -> %s: subject and non-ASCII text arrive intact; the recipient answers the sender\'s address as it saw it and the reply arrives (RFC 2779 4.1.3: "reply to the sender", 5.4.4)', async (a, b) => {
    const A = S[a];
    const B = S[b];
    const m = marker('text');
    const text = `Grüße, 你好, ☃ — ${m}`;
    const subject = 'Olá ✓ Ünïcödé';
    const wait = await B.expect(m);
    await A.send(A.addr(B.user), { kind: 'text', text, subject });
    const got = await wait();
    expect(got.text).toBe(text);
    expect(got.subject).toBe(subject);
    expect(got.from).toBe(B.addr(A.user));
    // The received-trace travels outside the content in each protocol's own place.
    expect(got.trace).toBe(GW_ID);
    // The reply, written to the address the recipient saw.
    const r = marker('reply');
    const waitA = await A.expect(r);
    await B.send(got.from, { kind: 'text', text: `Antwort ✓ ${r}` });
    const back = await waitA();
    expect(back.text).toBe(`Antwort ✓ ${r}`);
    expect(back.from).toBe(A.addr(B.user));
  });
});

// ---------------------------------------------------------------------------------------------
// Delivery status back to the sender, in the sender's own protocol (RFC 2779 5.4.1: "A MUST
// receive confirmation of non-delivery"; 5.4.8 "B must be able to read M"; 5.4.10 "B MUST be able
// to prevent A from sending him messages"). Expected values follow canonical/errors.ts
// (ERROR_TABLE, RFC 7247 section 7).

type Case = 'delivered' | 'unknown-user' | 'sender-blocked' | 'recipient-offline';

/** What the recipient side answers for each case, when it is a real peer that answers. */
const SIP_ANSWER: Record<Case, number | undefined> = { delivered: 200, 'unknown-user': 404, 'sender-blocked': undefined, 'recipient-offline': 480 };

/** The expected native result at the sender, by [sender][recipient][case]. */
const STATUS: Record<Proto, Partial<Record<Proto, Record<Case, unknown>>>> = {
  json: {
    xmpp: {
      delivered: { status: 'delivered' },
      // RFC 6121 8.5.2.2.1 / 8.5.1: Prosody does not reveal whether an account exists: a message
      // to no such user gets <service-unavailable/>, as one to an offline user does.
      'unknown-user': { status: 'failed', code: 'recipient-offline', remote: { xmpp: 'service-unavailable' } },
      'sender-blocked': { status: 'failed', code: 'sender-blocked' },
      'recipient-offline': { status: 'failed', code: 'recipient-offline', remote: { xmpp: 'service-unavailable' } },
    },
    sip: {
      delivered: { status: 'delivered' },
      'unknown-user': { status: 'failed', code: 'unknown-user', remote: { sip: 404 } },
      'sender-blocked': { status: 'failed', code: 'sender-blocked' },
      'recipient-offline': { status: 'failed', code: 'recipient-offline', remote: { sip: 480 } },
    },
  },
  xmpp: {
    // XEP-0184 receipt on delivery; stanza errors from the ERROR_TABLE row or the SIP mapping
    // (RFC 7247 7.2: 404 -> item-not-found, 480 -> recipient-unavailable).
    json: { delivered: 'receipt', 'unknown-user': 'item-not-found', 'sender-blocked': 'forbidden', 'recipient-offline': 'recipient-unavailable' },
    sip: { delivered: 'receipt', 'unknown-user': 'item-not-found', 'sender-blocked': 'forbidden', 'recipient-offline': 'recipient-unavailable' },
  },
  sip: {
    json: { delivered: 200, 'unknown-user': 404, 'sender-blocked': 403, 'recipient-offline': 480 },
    // No receipt can be asked from SIP: the gateway cannot confirm delivery, 202 (RFC 3428 7).
    // <service-unavailable/> -> 403 (RFC 7247 7.1 note 5: "SIP 403 Forbidden ... closest").
    xmpp: { delivered: 202, 'unknown-user': 403, 'sender-blocked': 403, 'recipient-offline': 403 },
  },
};

const CASES: Case[] = ['delivered', 'unknown-user', 'sender-blocked', 'recipient-offline'];
const STATUS_ROWS: Array<[Proto, Proto, Case]> = PAIRS.flatMap(([a, b]) => CASES.map((c) => [a, b, c] as [Proto, Proto, Case]));
const REQ: Record<Case, string> = {
  delivered: 'RFC 2779 5.4.8: B reads M, and A learns it was delivered',
  'unknown-user': 'RFC 2779 5.4.1: confirmation of non-delivery (unknown user)',
  'sender-blocked': 'RFC 2779 5.4.10: B prevents A from sending him messages',
  'recipient-offline': 'RFC 2779 5.4.1: confirmation of non-delivery (recipient offline)',
};

describe('delivery status in the sender\'s own protocol (RFC 2779 5.4.1, 5.4.8, 5.4.10)', () => {
  it.each(STATUS_ROWS.map(([a, b, c]) => [a, b, c, REQ[c]] as const))('%s -> %s, %s: the mapped status comes back to the sender (%s)', async (a, b, c) => {
    const A = S[a];
    const B = S[b];
    const m = marker(c);
    const target = c === 'unknown-user' ? B.unknown : c === 'recipient-offline' ? B.offline : B.user;
    const sipAnswer = SIP_ANSWER[c];
    const wait = b === 'sip' && sipAnswer !== undefined ? await B.expect(m, { status: sipAnswer, reason: 'x' }) : undefined;
    const rules = await w.g.gw.services.getRules(addressOf(B.user));
    if (c === 'sender-blocked') {
      await w.g.gw.services.putRules(addressOf(B.user), { ...rules, inbox: { ...rules.inbox, blockedSenders: [A.user] } });
    }
    try {
      const sent = await A.send(A.addr(target), { kind: 'text', text: `${REQ[c]} ${m}` }, { notify: true });
      const want = STATUS[a][b]![c];
      if (typeof want === 'object') expect(sent.native).toMatchObject(want as object);
      else expect(sent.native).toBe(want);
      if (c === 'delivered' && b !== 'sip') expect((await (await B.expect(m))()).text).toContain(m);
      if (wait) await wait();
    } finally {
      if (c === 'sender-blocked') await w.g.gw.services.putRules(addressOf(B.user), rules);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Secured content end to end. RFC 2779 5.4.9: "The protocol MUST allow A to sign the message,
// using existing standards for digital signatures"; 5.4.7: "B means to verify that no tampering
// has occurred"; 5.4.6: "no other PRINCIPAL C can see the content of M" (encryption). The gateway
// relays the bytes; openssl at the far end decides.

type Secured = 'signed-cpim' | 'opaque-signed' | 'encrypted';
const SECURED: Secured[] = ['signed-cpim', 'opaque-signed', 'encrypted'];
const SECURED_ROWS: Array<[Proto, Proto, Secured]> = PAIRS.flatMap(([a, b]) => SECURED.map((k) => [a, b, k] as [Proto, Proto, Secured]));

/** Splits an S/MIME entity made by openssl into its Content-Type (one line) and body bytes. */
function splitEntity(entity: Uint8Array): { contentType: string; body: Buffer } {
  const e = parseMimeEntity(entity);
  return { contentType: findHeader(e.headers, 'content-type')!.value.replace(/\r\n[ \t]+/g, ' '), body: Buffer.from(e.body) };
}

/** One byte changed: the first "line two" becomes "line twO" (a copy altered in transit). */
function tamper(bytes: Buffer): Buffer {
  const i = bytes.indexOf(Buffer.from('line two'));
  if (i < 0) throw new Error('tamper: "line two" not found');
  const copy = Buffer.from(bytes);
  copy[i + 7] = 0x4f;
  return copy;
}

const SECURED_REQ: Record<Secured, string> = {
  'signed-cpim': 'RFC 2779 5.4.9, 5.4.7: a multipart/signed CPIM verifies at B; a tampered copy does not',
  'opaque-signed': 'RFC 2779 5.4.9, 5.4.7: an opaque pkcs7-mime signature verifies at B; a tampered copy does not',
  encrypted: 'RFC 2779 5.4.6: only B can read M (pkcs7-mime enveloped-data decrypts at B)',
};

describe('signed and encrypted content arrives verifiable (RFC 2779 5.4.6, 5.4.7, 5.4.9)', () => {
  it.each(SECURED_ROWS.map(([a, b, k]) => [a, b, k, SECURED_REQ[k]] as const))('%s -> %s, %s: the exact bytes arrive (%s)', async (a, b, kind) => {
    const A = S[a];
    const B = S[b];
    const m = marker(kind);
    const inner = Buffer.from(`Content-Type: text/plain;charset=utf-8\r\n\r\nSigned Grüße ✓\r\nline two ${m}\r\n`, 'utf8');
    let contentType: string;
    let bytes: Buffer;
    let match = m;
    if (kind === 'signed-cpim') {
      const signed = await signDetached(inner, w.signer);
      bytes = Buffer.from(buildCpim({
        withMimeHeaders: false, from: { uri: `im:${A.user}` }, to: [{ uri: `im:${B.user}` }],
        content: { entity: signed },
      }));
      contentType = 'message/cpim';
    } else if (kind === 'opaque-signed') {
      ({ contentType, body: bytes } = splitEntity(await signOpaque(inner, w.signer)));
    } else {
      ({ contentType, body: bytes } = splitEntity(await encrypt(inner, w.recipient)));
      match = bytes.subarray(bytes.length - 24).toString('latin1');
    }
    const wait = await B.expect(match, undefined, bytes.includes(0));
    await A.send(A.addr(B.user), { kind: 'bytes', contentType, bytes });
    const got = await wait();
    if (!got.bytes.equals(bytes)) throw new Error(`${a} -> ${b}: the bytes differ (${got.bytes.length} vs ${bytes.length}):\n${JSON.stringify(got.bytes.toString('latin1').slice(0, 400))}\n${JSON.stringify(bytes.toString('latin1').slice(0, 400))}`);
    expect(got.contentType.replace(/\s+/g, '').toLowerCase()).toBe(contentType.replace(/\s+/g, '').toLowerCase());
    if (kind === 'encrypted') {
      const entity = Buffer.concat([Buffer.from(`Content-Type: ${got.contentType}\r\n\r\n`), got.bytes]);
      expect((await decrypt(entity, w.recipient)).equals(inner)).toBe(true);
      // A changed byte in the ciphertext: CBC padding or the content no longer decrypts to the text.
      const bad = Buffer.from(got.bytes);
      bad[bad.length - 20] = bad[bad.length - 20]! ^ 0x01;
      const out = await decrypt(Buffer.concat([Buffer.from(`Content-Type: ${got.contentType}\r\n\r\n`), bad]), w.recipient).catch(() => undefined);
      expect(out?.equals(inner) ?? false).toBe(false);
      return;
    }
    const signedEntity = kind === 'signed-cpim'
      ? got.bytes.subarray(got.bytes.indexOf('\r\n\r\n') + 4)
      : Buffer.concat([Buffer.from(`Content-Type: ${got.contentType}\r\n\r\n`), got.bytes]);
    const v = await verify(signedEntity, { caFile: w.signer.certFile });
    expect(v.stderr).toBe(v.ok ? v.stderr : 'verified');
    expect(v.content?.equals(inner)).toBe(true);
    const v2 = await verify(tamper(Buffer.from(signedEntity)), { caFile: w.signer.certFile });
    expect(v2.ok).toBe(false);
    // A copy changed on the way (one byte of the signed text, before the gateway): it is relayed
    // as it is, and the far end's verification refuses it.
    const m2 = `line twO ${m}`;
    const bent = tamper(bytes);
    expect(bent.includes(Buffer.from(m2))).toBe(true);
    const wait2 = await B.expect(m2, undefined, bent.includes(0));
    await A.send(A.addr(B.user), { kind: 'bytes', contentType, bytes: bent });
    const got2 = await wait2();
    expect(got2.bytes.equals(bent)).toBe(true);
    const entity2 = kind === 'signed-cpim'
      ? got2.bytes.subarray(got2.bytes.indexOf('\r\n\r\n') + 4)
      : Buffer.concat([Buffer.from(`Content-Type: ${got2.contentType}\r\n\r\n`), got2.bytes]);
    expect((await verify(entity2, { caFile: w.signer.certFile })).ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Presence: a presentity on each side, watchers on the other two (RFC 2779 3.2.3: "the PRESENCE
// SERVICE MUST deliver a NOTIFICATION to each SUBSCRIBER"; 4.4.2 OPEN and CLOSED; 5.1.7 "A MUST
// be able to cancel her SUBSCRIPTION"; 3.2.1 fetch while OUT OF CONTACT).

describe('presence across protocols (RFC 2779 3.2.1, 3.2.3, 4.4.2, 5.1.7)', () => {
  let WATCH: Record<Proto, Watcher>;
  let PUB: Record<Proto, Publisher>;
  beforeAll(() => { WATCH = watchers(w); PUB = publishers(w); });
  afterAll(async () => { for (const p of PROTOS) await PUB[p].stop(); });

  it.each(PROTOS)('%s presentity publishes open then closed: watchers on the other two sides are notified with the basic status and note (RFC 2779 3.2.3, 4.4.2); after they unsubscribe nothing more arrives (RFC 2779 5.1.7)', async (p) => {
    const P = PUB[p];
    const Ws = PROTOS.filter((x) => x !== p).map((x) => WATCH[x]);
    await P.start();
    const m = marker('pres');
    const note1 = `offen ✓ ${m}`;
    const note2 = `sbfinal-${m}`; // watch-uac.xml unsubscribes after this one
    const note3 = `after-${m}`;
    // The SIP island's presence server refuses the gateway's upstream SUBSCRIBEs: dave's presence
    // comes from his PUBLISH to the gateway only.
    const upstream = p === 'sip' ? startSipp({ scenario: '../interop/subscribe-reject-uas.xml', localPort: w.islandPort, calls: 2, timeoutSec: 6 }) : undefined;
    if (upstream) await waitForUdpListener(w.islandPort);
    try {
      for (const W of Ws) await W.subscribe(P.user, note2);
      const pub = P.publishBoth(note1, note2, () => sleep(800));
      for (const W of Ws) {
        const seen = await W.seen(P.user, note2);
        const iOpen = seen.findIndex((s) => s.basic === 'open' && s.note === note1);
        const iClosed = seen.findIndex((s) => s.basic === 'closed' && s.note === note2);
        if (iOpen < 0 || iClosed < iOpen) throw new Error(`${W.proto} watcher of ${P.user} saw ${JSON.stringify(seen)}`);
      }
      await pub;
      for (const W of Ws) await W.unsubscribe(P.user);
      await P.publish('open', note3, 2);
      const after = await Promise.all(Ws.map((W) => W.countAfter(P.user, note3, 1500)));
      expect(after).toEqual([0, 0]);
    } finally {
      await upstream?.done;
    }
  });

  it.each(PROTOS)('%s presentity out of contact: the other two sides fetch its presence and get CLOSED (RFC 2779 3.2.1, 3.2.4)', async (p) => {
    const P = PUB[p];
    const fetchers = PROTOS.filter((x) => x !== p).map((x) => WATCH[x]);
    await P.start();
    const m = marker('gone');
    if (p === 'sip') {
      await P.publish('open', `short-lived ${m}`, 2);
      await sleep(3500);
    } else {
      await P.publish('open', `leaving ${m}`);
      await sleep(500);
      await P.leave();
      await sleep(1000);
    }
    for (const F of fetchers) {
      const s = await F.fetch(P.user);
      if (s.basic !== 'closed') throw new Error(`${F.proto} fetch of ${P.user}: ${JSON.stringify(s)}`);
    }
  });
});
