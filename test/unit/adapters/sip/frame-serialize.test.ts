import fc from 'fast-check';
import { StreamFramer } from '../../../../adapters/sip/wire-frame';
import { buildRequest, buildResponse } from '../../../../adapters/sip/wire-serialize';
import { parseSip } from '../../../../adapters/sip/wire-validate';

const msg = (id: string, body = 'hello'): Buffer => Buffer.from(
  `MESSAGE sip:a@b.test SIP/2.0\r\nVia: SIP/2.0/TCP h.test;branch=z9hG4bK${id}\r\nFrom: <sip:c@d.test>;tag=1\r\nTo: <sip:a@b.test>\r\nCall-ID: ${id}\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

describe('stream framing by Content-Length', () => {
  it('frames any split of a byte stream of messages identically (property)', () => {
    const stream = Buffer.concat([Buffer.from('\r\n\r\n'), msg('x1'), msg('x2', ''), Buffer.from('\r\n'), msg('x3', 'é\r\n\r\nbody with blank line')]);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const f = new StreamFramer();
      const out: Buffer[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        for (const fr of f.push(stream.subarray(prev, p))) { if (fr.kind !== 'message') return false; out.push(fr.bytes); }
        prev = p;
      }
      return out.length === 3 && out[0]!.equals(msg('x1')) && out[2]!.equals(msg('x3', 'é\r\n\r\nbody with blank line'));
    }));
  });
  it.each([
    ['Content-Length: -5', /non-negative/],
    ['Content-Length: abc', /non-negative/],
    ['X-No-Length: 1', /Missing Content-Length/],
  ])('a bad length (%s) is fatal once, then the framer stays silent', (hdr, why) => {
    const f = new StreamFramer();
    const bad = Buffer.from(msg('b').toString().replace(/Content-Length: \d+/, hdr));
    const frames = f.push(bad);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind === 'fatal' && frames[0]!.error.phrase).toMatch(why);
    expect(f.push(msg('after'))).toEqual([]);
  });
  it('two Content-Length fields are fatal; oversized bodies get 413; endless headers 513', () => {
    expect(new StreamFramer().push(Buffer.from(msg('d').toString().replace('Content-Length', 'l: 5\r\nContent-Length')))[0]).toMatchObject({ kind: 'fatal' });
    expect(new StreamFramer().push(Buffer.from(msg('e').toString().replace(/Content-Length: \d+/, 'Content-Length: 999999')))[0]).toMatchObject({ kind: 'fatal', error: { status: 413 } });
    expect(new StreamFramer().push(Buffer.alloc(20_000, 0x61))[0]).toMatchObject({ kind: 'fatal', error: { status: 513 } });
  });
});

describe('serializing', () => {
  it('a response copies Via, From, To, Call-ID, CSeq as received and adds tag, received and rport', () => {
    const req = Buffer.from('OPTIONS sip:a@b.test SIP/2.0\r\nv: SIP/2.0/UDP h.test:5070;branch=z9hG4bKa;rport , SIP/2.0/UDP p.test;branch=z9hG4bKb\r\nVia: SIP/2.0/UDP q.test;branch=z9hG4bKc\r\nf: "X, Y" <sip:c@d.test>;tag=1\r\nt: <sip:a@b.test>\r\ni: cid-1\r\nCSeq: 0009 OPTIONS\r\nl: 0\r\n\r\n');
    const p = parseSip(req, true);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    const res = buildResponse(p.message, 200, 'OK', { toTag: 'tt', received: { address: '127.0.0.1', port: 4000 } }).toString();
    expect(res).toBe('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h.test:5070;branch=z9hG4bKa;rport=4000;received=127.0.0.1 , SIP/2.0/UDP p.test;branch=z9hG4bKb\r\nVia: SIP/2.0/UDP q.test;branch=z9hG4bKc\r\nFrom: "X, Y" <sip:c@d.test>;tag=1\r\nTo: <sip:a@b.test>;tag=tt\r\nCall-ID: cid-1\r\nCSeq: 0009 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    const back = parseSip(Buffer.from(res), true);
    expect(back.ok && back.message.kind === 'response' && back.message.status).toBe(200);
  });
  it('a request carries the body bytes unchanged and parses strictly', () => {
    const body = Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a, 0x41]);
    const bytes = buildRequest({ method: 'MESSAGE', uri: 'sip:a@b.test', via: { transport: 'UDP', host: '127.0.0.1', port: 5060, branch: 'z9hG4bK-x' }, from: '<sip:c@d.test>;tag=9', to: '<sip:a@b.test>', callId: 'k@l', cseq: 1, maxForwards: 69, body: { type: 'application/octet-stream', bytes: body } });
    const p = parseSip(bytes, false);
    expect(p.ok).toBe(true);
    if (p.ok) { expect(Buffer.compare(p.message.body, body)).toBe(0); expect(p.message.maxForwards).toBe(69); }
  });
});
