/**
 * The cross-protocol matrix (issue 6): every ordered pair of SIP (sipsak / SIPp), XMPP (Prosody +
 * slixmpp) and JSON (HTTP / WebSocket), through ONE running gateway with Redis (support/world.ts).
 * Each test names the RFC 2779 requirement it proves.
 */
import { type Proto, sides, type Side } from './support/sides';
import { startWorld, type World } from './support/world';

let w: World;
let S: Record<Proto, Side>;

beforeAll(async () => {
  w = await startWorld();
  S = sides(w);
}, 90_000);
afterAll(async () => { await w?.stop(); }, 30_000);

const PROTOS: Proto[] = ['json', 'xmpp', 'sip'];
const PAIRS: Array<[Proto, Proto]> = PROTOS.flatMap((a) => PROTOS.filter((b) => b !== a).map((b) => [a, b] as [Proto, Proto]));
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
    // The reply, written to the address the recipient saw.
    const r = marker('reply');
    const waitA = await A.expect(r);
    await B.send(got.from, { kind: 'text', text: `Antwort ✓ ${r}` });
    const back = await waitA();
    expect(back.text).toBe(`Antwort ✓ ${r}`);
    expect(back.from).toBe(A.addr(B.user));
  });
});
