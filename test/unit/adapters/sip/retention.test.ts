/**
 * What outlives the parse of a request keeps none of its text (issue 7: at 4,000 msg/s, 15,000
 * whole message texts were retained through sliced strings and ropes held by transaction keys,
 * response bases and operation fields). Measured as heap growth after gc: V8 gives no other view
 * of what a string points to. Each test has a control that keeps the text, so it can fail.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { detach } from '../../../../adapters/sip/detach';
import { Memo } from '../../../../adapters/sip/memo';
import { sipMessageToOp } from '../../../../adapters/sip/to-canonical';
import { ServerTransactions } from '../../../../adapters/sip/transactions';
import type { Remote } from '../../../../adapters/sip/transport';
import { buildResponse, buildResponseFrom, responseBasis } from '../../../../adapters/sip/wire-serialize';
import { parseRequestFixture } from './parse-fixture';
import type { CheckedRequest } from '../../../../adapters/sip/wire-validate';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc(); gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth while `make` results are held (256 KB parents stay on the V8 heap, unlike 1 MB+ ones, which Node makes external). */
function growth<T>(count: number, make: (i: number) => T): number {
  const base = heapAfterGc();
  const kept: T[] = [];
  for (let i = 0; i < count; i++) kept.push(make(i));
  const grown = heapAfterGc() - base;
  expect(kept).toHaveLength(count);
  return grown;
}

/**
 * The least and the most growth of three measurements. Work left over from other test files in
 * a shared jest worker moved heapUsed by a few MB either way; a retained text shows in every
 * measurement, so the bound holds for the best one and the control for the worst.
 */
function growths<T>(count: number, make: (i: number) => T): { least: number; most: number } {
  // Each measurement with its own numbers (distinct requests, distinct transaction keys).
  const g = [0, 1, 2].map((k) => growth(count, (i) => make(k * 1_000_000 + i)));
  return { least: Math.min(...g), most: Math.max(...g) };
}

describe('detach', () => {
  // Margins are wide: other work in a shared jest worker moved heapUsed by up to 3 MB.
  test('a detached substring does not keep its parent alive; a plain one does (control)', () => {
    const parent = (i: number): string => Buffer.alloc(256 * 1024, 0x61 + (i % 26)).toString('latin1');
    expect(growths(64, (i) => parent(i).slice(100, 160)).most).toBeGreaterThan(12_000_000);
    expect(growths(64, (i) => detach(parent(i).slice(100, 160))).least).toBeLessThan(2_000_000);
    expect(growths(64, (i) => detach(`<${parent(i).slice(100, 160)}>`)).least).toBeLessThan(2_000_000);
  });
  test('the same text; short strings (always copies in V8) as they are', () => {
    const s = 'x'.repeat(40) + 'é€😀';
    expect(detach(s.slice(2))).toBe(s.slice(2));
    expect(detach('')).toBe('');
    expect(detach('abc')).toBe('abc');
  });
});

describe('Memo', () => {
  test('remembers successes only, returns the same value for the same text, and stays bounded', () => {
    let calls = 0;
    const memo = new Memo<{ n: number }>(3, (t) => { calls++; if (t === 'bad') throw new Error('bad value'); return Object.freeze({ n: t.length }); });
    const a = memo.get('alpha');
    expect(memo.get('alp' + 'ha')).toBe(a);
    expect(calls).toBe(1);
    expect(() => memo.get('bad')).toThrow('bad value');
    expect(() => memo.get('bad')).toThrow('bad value');
    expect(calls).toBe(3);
    for (const t of ['b', 'c', 'd', 'e']) memo.get(t);
    expect(memo.size).toBeLessThanOrEqual(3);
  });

  test('what it keeps holds no message text: 300 values cut from 64 KB texts', () => {
    const memo = new Memo<{ uri: string }>(2_000, (t) => ({ uri: t.slice(1, -1) }));
    const parent = (i: number): string => `<sip:user-${i}@example.test>` + 'x'.repeat(64 * 1024);
    const g = growths(300, (i) => memo.get(parent(i).slice(0, 30)));
    expect(g.least).toBeLessThan(2_000_000);
  });
});

describe('a relayed MESSAGE: key, response basis and operation', () => {
  const remote: Remote = { transport: 'UDP', address: '127.0.0.1', port: 5070 };
  const PAD = 'p'.repeat(14_000);
  function request(i: number): CheckedRequest {
    return parseRequestFixture([
      'MESSAGE sip:bob@sip.example.test SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-retention-${i}`,
      'Max-Forwards: 70',
      `From: "Alice ${i}" <sip:alice-with-a-long-name@sip.example.test>;tag=a${i}`,
      'To: <sip:bob-with-a-long-name@sip.example.test>',
      `Call-ID: ${i}-retention@127.0.0.1`,
      'CSeq: 1 MESSAGE',
      'Subject: a subject long enough to be a slice',
      `X-Pad: ${PAD}`,
      'Content-Type: text/plain;charset=utf-8',
      'Content-Length: 2',
      '',
      'hi',
    ]);
  }

  test('1,500 answered transactions and their operations hold no message text (~14 KB each)', () => {
    const table = new ServerTransactions(() => undefined);
    const relay = (i: number): unknown => {
      const req = request(i);
      const { key } = table.begin(req, remote);
      const basis = responseBasis(req, remote);
      const op = sipMessageToOp(req, { transactionId: req.via[0]!.branch!, sourceId: `UDP ${remote.address}:${remote.port}` });
      table.respond(key, remote, buildResponseFrom(basis, 202, 'Accepted', { toTag: 'tag1' }));
      return { basis, op };
    };
    growth(200, (i) => relay(-1 - i)); // warm-up: compiled code and the table's first growth are not per message
    // Measured about 1.5 KB per message (key, entry, 202, basis, operation with its body view);
    // a retained text would add 14 KB.
    expect(growths(1500, relay).least).toBeLessThan(1500 * 5_000);
    expect(table.size).toBe(4700);
  });

  test('control: holding one parsed header value keeps the ~14 KB text', () => {
    expect(growths(1500, (i) => request(i).callId).most).toBeGreaterThan(1500 * 10_000);
  });

  test('the basis gives the bytes buildResponse gives, with or without a To tag', () => {
    const req = request(1);
    const basis = responseBasis(req, remote);
    expect(basis.toTagged).toBe(false);
    const viaBasis = buildResponseFrom(basis, 202, 'Accepted', { toTag: 'tt', lines: 'Server: Switchboard\r\n' }).toString('latin1');
    const direct = buildResponse(req, 202, 'Accepted', { toTag: 'tt', headers: [['Server', 'Switchboard']], received: { address: remote.address, port: remote.port } }).toString('latin1');
    expect(viaBasis).toBe(direct);
    expect(viaBasis).toBe('SIP/2.0 202 Accepted\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-retention-1;received=127.0.0.1\r\n'
      + 'From: "Alice 1" <sip:alice-with-a-long-name@sip.example.test>;tag=a1\r\nTo: <sip:bob-with-a-long-name@sip.example.test>;tag=tt\r\n'
      + 'Call-ID: 1-retention@127.0.0.1\r\nCSeq: 1 MESSAGE\r\nServer: Switchboard\r\nContent-Length: 0\r\n\r\n');
    // 100 Trying gets no tag (RFC 3261 8.2.6.2), nor does a To that has one.
    expect(buildResponseFrom(basis, 100, 'Trying', { toTag: 'tt' }).toString('latin1')).toContain('To: <sip:bob-with-a-long-name@sip.example.test>\r\n');
    const tagged = responseBasis({ headers: [{ name: 'to', value: '<sip:b@c.test>;TAG=x' }, { name: 'cseq', value: '2 OPTIONS' }] });
    expect(tagged.toTagged).toBe(true);
    expect(buildResponseFrom(tagged, 200, 'OK', { toTag: 'tt' }).toString('latin1')).toBe('SIP/2.0 200 OK\r\nTo: <sip:b@c.test>;TAG=x\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    // Without a To (a 400 to a request lacking one) nothing is inserted.
    const noTo = responseBasis({ headers: [{ name: 'call-id', value: 'c1' }] });
    expect(noTo.toEnd).toBe(-1);
    expect(buildResponseFrom(noTo, 400, 'Missing To', { toTag: 'tt' }).toString('latin1')).toBe('SIP/2.0 400 Missing To\r\nCall-ID: c1\r\nContent-Length: 0\r\n\r\n');
  });
});
