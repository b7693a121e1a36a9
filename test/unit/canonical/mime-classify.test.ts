/** canonical/mime.ts classify remembers answers for raw values: the same answers, refusals every time. */
import { classify } from '../../../canonical/mime';

describe('classify (remembered answers)', () => {
  test.each([
    ['text/plain', { kind: 'text-plain', charset: 'us-ascii' }],
    ['text/plain;charset=UTF-8', { kind: 'text-plain', charset: 'utf-8' }],
    ['Message/CPIM', { kind: 'cpim' }],
    ['multipart/signed; protocol="application/pkcs7-signature"; micalg=SHA-256; boundary=b1', { kind: 'multipart-signed', protocol: 'application/pkcs7-signature', micalg: 'sha-256', boundary: 'b1' }],
    ['image/png', { kind: 'other', mediaType: 'image/png' }],
  ])('%s: the same answer on every call, frozen', (type, want) => {
    const first = classify(type);
    expect(first).toEqual(want);
    expect(classify(type)).toEqual(want);
    expect(Object.isFrozen(classify(type))).toBe(true);
  });

  test('a long value (not remembered) gives the same answer', () => {
    const type = `text/plain; charset=utf-8; x=${'a'.repeat(400)}`;
    expect(classify(type)).toEqual({ kind: 'text-plain', charset: 'utf-8' });
    expect(classify(type)).toEqual({ kind: 'text-plain', charset: 'utf-8' });
  });

  test.each(['', 'text', 'text/plain; charset'])('%j is refused on every call', (type) => {
    expect(() => classify(type)).toThrow();
    expect(() => classify(type)).toThrow();
  });

  test('stays right past its bound (many distinct values)', () => {
    for (let i = 0; i < 3000; i++) expect(classify(`application/x-t${i}`)).toEqual({ kind: 'other', mediaType: `application/x-t${i}` });
    expect(classify('text/plain;charset=UTF-8')).toEqual({ kind: 'text-plain', charset: 'utf-8' });
  });
});
