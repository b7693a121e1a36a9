/**
 * The server transaction table (RFC 3261 17.2.2, 17.2.3): retransmissions absorbed or answered
 * again, entries expiring after Timer J (64*T1) in order, and the size bound.
 */
import { ClientTransactions, ServerTransactions, TIMERS } from '../../../../adapters/sip/transactions';
import type { Remote } from '../../../../adapters/sip/transport';
import { parseRequestFixture } from './parse-fixture';
import { parseSip, type CheckedRequest, type CheckedResponse } from '../../../../adapters/sip/wire-validate';

const remote: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5070 };

function message(branch: string): CheckedRequest {
  return parseRequestFixture([
    'MESSAGE sip:bob@sip.example.test SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${branch}`,
    'Max-Forwards: 70',
    'From: <sip:alice@sip.example.test>;tag=a1',
    'To: <sip:bob@sip.example.test>',
    `Call-ID: ${branch}@127.0.0.1`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    'Content-Length: 2',
    '',
    'hi',
  ]);
}

function setup(max?: number) {
  const sent: Buffer[] = [];
  return { sent, tx: new ServerTransactions((_r, b) => { sent.push(b); }, max) };
}

afterEach(() => jest.useRealTimers());

describe('ServerTransactions', () => {
  test('a retransmission while processing is absorbed; after the answer it gets the same bytes again', () => {
    const { tx, sent } = setup();
    const a = tx.begin(message('r1'), remote);
    expect(a.isNew).toBe(true);
    expect(tx.begin(message('r1'), remote).isNew).toBe(false);
    expect(sent).toHaveLength(0);
    const answer = Buffer.from('SIP/2.0 200 OK\r\n\r\n');
    tx.respond(a.key, remote, answer);
    expect(tx.begin(message('r1'), remote)).toEqual({ isNew: false, key: a.key });
    expect(sent).toEqual([answer, answer]);
  });

  test('entries expire 64*T1 after their last change, in order, without a scan of the table', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { tx } = setup();
    const first = tx.begin(message('e1'), remote);
    jest.advanceTimersByTime(10_000);
    tx.begin(message('e2'), remote);
    // Answering e1 late moves its expiry (and its place) behind e2.
    jest.advanceTimersByTime(10_000);
    tx.respond(first.key, remote, Buffer.from('SIP/2.0 200 OK\r\n\r\n'));
    jest.advanceTimersByTime(64 * TIMERS.T1 - 10_000 + 1);
    tx.begin(message('e3'), remote); // expires e2 only
    expect(tx.size).toBe(2);
    expect(tx.begin(message('e1'), remote).isNew).toBe(false);
    expect(tx.begin(message('e2'), remote).isNew).toBe(true);
  });

  test('beyond the size bound the oldest entries go first', () => {
    const { tx } = setup(3);
    for (const b of ['s1', 's2', 's3', 's4', 's5']) tx.begin(message(b), remote);
    expect(tx.size).toBe(3);
    expect(tx.begin(message('s5'), remote).isNew).toBe(false);
    expect(tx.begin(message('s1'), remote).isNew).toBe(true);
  });

  test('a key evicted and begun again lives as a new entry; answered entries keep their place by their last change', () => {
    const { tx } = setup(2);
    tx.begin(message('k1'), remote);
    tx.begin(message('k2'), remote);
    tx.begin(message('k3'), remote); // evicts k1
    expect(tx.begin(message('k1'), remote).isNew).toBe(true); // evicts k2; k3, k1 held
    const k3 = tx.begin(message('k3'), remote);
    expect(k3.isNew).toBe(false);
    tx.respond(k3.key, remote, Buffer.from('SIP/2.0 200 OK\r\n\r\n')); // k3 now changed last
    tx.begin(message('k4'), remote); // evicts k1, the oldest by last change
    expect(tx.size).toBe(2);
    expect(tx.begin(message('k3'), remote).isNew).toBe(false);
    expect(tx.begin(message('k4'), remote).isNew).toBe(false);
    expect(tx.begin(message('k1'), remote).isNew).toBe(true);
  });

  test('50,000 live entries at the bound: each new request stays cheap (bounded work per call)', () => {
    const { tx } = setup(20_000);
    const reqs = Array.from({ length: 50_000 }, (_, i) => message(`b${i}`));
    const t0 = performance.now();
    for (const r of reqs) tx.begin(r, remote);
    const ms = performance.now() - t0;
    expect(tx.size).toBe(20_000);
    // A scan of the 20,000-entry table per request took seconds for this many requests.
    expect(ms).toBeLessThan(1_500);
  });
});

describe('ClientTransactions: a window of requests per UDP peer', () => {
  const peer: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5090 };
  const other: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5091 };

  function response(branch: string): CheckedResponse {
    const text = ['SIP/2.0 200 OK', `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`, 'From: <sip:a@x.test>;tag=1', 'To: <sip:b@x.test>;tag=2', 'Call-ID: c1', 'CSeq: 1 NOTIFY', 'Content-Length: 0', '', ''].join('\r\n');
    const p = parseSip(Buffer.from(text, 'latin1'), true);
    if (!p.ok || p.message.kind !== 'response') throw new Error('fixture did not parse');
    return p.message;
  }

  test('beyond the window requests wait; each answer lets the next one go, in order; other peers are not held up', async () => {
    const sent: string[] = [];
    const tx = new ClientTransactions(async (r, b) => { sent.push(`${r.port} ${b.toString()}`); }, 5_000, 2);
    const results = ['z9hG4bKa', 'z9hG4bKb', 'z9hG4bKc', 'z9hG4bKd'].map((b) => tx.request(Buffer.from(b), b, 'NOTIFY', peer));
    const o = tx.request(Buffer.from('z9hG4bKo'), 'z9hG4bKo', 'NOTIFY', other);
    expect(sent).toEqual(['5090 z9hG4bKa', '5090 z9hG4bKb', '5091 z9hG4bKo']);
    expect(tx.receive(response('z9hG4bKa'))).toBe(true);
    expect(sent.at(-1)).toBe('5090 z9hG4bKc');
    expect(tx.receive(response('z9hG4bKc'))).toBe(true);
    expect(sent.at(-1)).toBe('5090 z9hG4bKd');
    for (const b of ['z9hG4bKb', 'z9hG4bKd', 'z9hG4bKo']) tx.receive(response(b));
    expect((await Promise.all([...results, o])).map((r) => r.kind)).toEqual(['response', 'response', 'response', 'response', 'response']);
    tx.clear();
  });

  test('Timer F runs while a request waits; a holder that times out passes its place on; the window empties', async () => {
    jest.useFakeTimers();
    const sent: string[] = [];
    const tx = new ClientTransactions(async (_r, b) => { sent.push(b.toString()); }, 1_000, 1);
    const first = tx.request(Buffer.from('z9hG4bK1'), 'z9hG4bK1', 'NOTIFY', peer);
    jest.advanceTimersByTime(600);
    const second = tx.request(Buffer.from('z9hG4bK2'), 'z9hG4bK2', 'NOTIFY', peer);
    expect(sent.filter((x) => x === 'z9hG4bK2')).toHaveLength(0);
    jest.advanceTimersByTime(400);
    expect(await first).toEqual({ kind: 'timeout' });
    expect(sent).toContain('z9hG4bK2');
    // Its own Timer F started when it was asked for, not when it went out.
    jest.advanceTimersByTime(600);
    expect(await second).toEqual({ kind: 'timeout' });
    void tx.request(Buffer.from('z9hG4bK3'), 'z9hG4bK3', 'NOTIFY', peer);
    expect(sent.at(-1)).toBe('z9hG4bK3');
    tx.clear();
  });

  test('clear() ends every request and sends none of the waiting ones', async () => {
    const sent: string[] = [];
    const tx = new ClientTransactions(async (_r, b) => { sent.push(b.toString()); }, 5_000, 1);
    const all = ['z9hG4bKx', 'z9hG4bKy', 'z9hG4bKz'].map((b) => tx.request(Buffer.from(b), b, 'NOTIFY', peer));
    tx.clear();
    expect((await Promise.all(all)).map((r) => r.kind)).toEqual(['transport-error', 'transport-error', 'transport-error']);
    expect(sent).toEqual(['z9hG4bKx']);
  });
});

describe('ClientTransactions: Timer E (RFC 3261 17.1.2.2)', () => {
  const peer: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5092 };

  function response(branch: string, status: number): CheckedResponse {
    const text = [`SIP/2.0 ${status} ${status < 200 ? 'Trying' : 'OK'}`, `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`, 'From: <sip:a@x.test>;tag=1', 'To: <sip:b@x.test>;tag=2', 'Call-ID: c1', 'CSeq: 1 MESSAGE', 'Content-Length: 0', '', ''].join('\r\n');
    const p = parseSip(Buffer.from(text, 'latin1'), true);
    if (!p.ok || p.message.kind !== 'response') throw new Error('fixture did not parse');
    return p.message;
  }

  /** Times (ms after the request) at which the request bytes went out. */
  function recorder() {
    const at: number[] = [];
    const t0 = Date.now();
    return { at, send: async () => { at.push(Date.now() - t0); } };
  }

  test('Trying: retransmissions at T1, 2*T1, 4*T1, then every T2', async () => {
    jest.useFakeTimers({ now: 0 });
    const r = recorder();
    const tx = new ClientTransactions(r.send, 64 * TIMERS.T1);
    const p = tx.request(Buffer.from('m'), 'z9hG4bKt1', 'MESSAGE', peer);
    jest.advanceTimersByTime(16_000);
    expect(r.at).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500]);
    tx.receive(response('z9hG4bKt1', 200));
    expect((await p).kind).toBe('response');
  });

  test('after a provisional response the request is still retransmitted, every T2, until the final response', async () => {
    jest.useFakeTimers({ now: 0 });
    const r = recorder();
    const tx = new ClientTransactions(r.send, 64 * TIMERS.T1);
    const p = tx.request(Buffer.from('m'), 'z9hG4bKt2', 'MESSAGE', peer);
    jest.advanceTimersByTime(600); // first retransmission at 500
    expect(tx.receive(response('z9hG4bKt2', 100))).toBe(true);
    // Proceeding: the running Timer E (due at 1500) fires, then is reset with T2 each time.
    jest.advanceTimersByTime(13_000 - 600);
    expect(r.at).toEqual([0, 500, 1500, 5500, 9500]);
    expect(tx.receive(response('z9hG4bKt2', 200))).toBe(true);
    expect((await p).kind).toBe('response');
    jest.advanceTimersByTime(10_000);
    expect(r.at).toHaveLength(5); // the final response stops Timer E
  });

  test('Proceeding with no final response ends with Timer F (64*T1)', async () => {
    jest.useFakeTimers({ now: 0 });
    const r = recorder();
    const tx = new ClientTransactions(r.send, 64 * TIMERS.T1);
    const p = tx.request(Buffer.from('m'), 'z9hG4bKt3', 'MESSAGE', peer);
    tx.receive(response('z9hG4bKt3', 180));
    jest.advanceTimersByTime(64 * TIMERS.T1);
    expect(await p).toEqual({ kind: 'timeout' });
    const n = r.at.length;
    expect(n).toBeGreaterThan(5);
    jest.advanceTimersByTime(10_000);
    expect(r.at).toHaveLength(n);
  });

  test('over TCP nothing is retransmitted, provisional or not', async () => {
    jest.useFakeTimers({ now: 0 });
    const r = recorder();
    const tx = new ClientTransactions(r.send, 64 * TIMERS.T1);
    const p = tx.request(Buffer.from('m'), 'z9hG4bKt4', 'MESSAGE', { ...peer, transport: 'TCP' });
    tx.receive(response('z9hG4bKt4', 100));
    jest.advanceTimersByTime(20_000);
    expect(r.at).toEqual([0]);
    tx.receive(response('z9hG4bKt4', 200));
    expect((await p).kind).toBe('response');
  });
});
