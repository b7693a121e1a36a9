/**
 * S/MIME-protected content inside message/cpim, with real openssl: what the parsed view hands out
 * as the encapsulated MIME object must be the exact bytes that were signed, so the signature
 * verifies at the recipient; one changed byte must make it fail.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCpim, parseCpim, serializeCpim } from '../../canonical/cpim';
import { classify, parseMimeEntity } from '../../canonical/mime';
import {
  type CertFiles, decrypt, encrypt, makeCert, makeTempDir, openssl, removeTempDir, signDetached, signOpaque, verify, verifySmime,
} from '../support/openssl';

// Non-ASCII UTF-8 (2-, 3- and 4-byte sequences) and CRLF lines.
const CONTENT = Buffer.from('Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße aus Zürich — ça va? 日本語 🙂\r\nZweite Zeile\r\n', 'utf8');

let dir: string;
let alice: CertFiles;

beforeAll(async () => {
  dir = await makeTempDir();
  alice = await makeCert(dir, { name: 'alice', uri: 'sip:alice@example.test' });
});

afterAll(async () => {
  if (dir) await removeTempDir(dir);
});

function wrap(entity: Uint8Array): Uint8Array {
  return buildCpim({
    from: { name: 'Alice', uri: 'im:alice@example.test' },
    to: [{ name: 'Bob', uri: 'im:bob@example.test' }],
    dateTime: '2026-11-21T02:00:00Z',
    content: { entity },
  });
}

/** A copy with one byte of the signed text changed (the "Z" of "Zweite" becomes "z"). */
function tamper(bytes: Uint8Array): Uint8Array {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf('Zweite');
  expect(at).toBeGreaterThan(0);
  copy[at] = 0x7a;
  return new Uint8Array(copy);
}

describe('signed content inside message/cpim (openssl cms)', () => {
  it('multipart/signed: the encapsulated object taken from the parsed CPIM verifies with -binary; one changed byte fails', async () => {
    const signed = await signDetached(CONTENT, alice);
    expect(parseMimeEntity(signed).headers.length).toBeGreaterThan(0); // strict CRLF entity
    const cpim = wrap(signed);
    const msg = parseCpim(cpim);
    expect(serializeCpim(msg)).toBe(cpim);
    expect(Buffer.from(msg.content.bytes).equals(Buffer.from(signed))).toBe(true);
    expect(classify(msg.content.contentType)).toMatchObject({ kind: 'multipart-signed', protocol: 'application/pkcs7-signature', micalg: 'sha-256' });

    const good = await verify(msg.content.bytes, { caFile: alice.certFile });
    expect(good.stderr).toMatch(/Verification successful/);
    expect(good.ok).toBe(true);
    expect(good.content?.equals(CONTENT)).toBe(true);
    // openssl's own S/MIME reader (canonical mode) agrees on the same bytes.
    expect((await verifySmime(msg.content.bytes, { caFile: alice.certFile })).ok).toBe(true);

    const bad = await verify(parseCpim(tamper(cpim)).content.bytes, { caFile: alice.certFile });
    expect(bad.ok).toBe(false);
    expect(bad.stderr).toMatch(/[Vv]erification failure/);
  });

  it('application/pkcs7-mime (opaque, -nodetach): verifies from the parsed CPIM; one changed byte fails', async () => {
    const signed = await signOpaque(CONTENT, alice);
    const cpim = wrap(signed);
    const msg = parseCpim(cpim);
    expect(serializeCpim(msg)).toBe(cpim);
    expect(classify(msg.content.contentType)).toEqual({ kind: 'pkcs7-mime', smimeType: 'signed-data' });
    expect(msg.content.body[0]).toBe(0x30); // DER, carried as binary

    const good = await verify(msg.content.bytes, { caFile: alice.certFile });
    expect(good.ok).toBe(true);
    expect(good.content?.equals(CONTENT)).toBe(true);

    const bad = await verify(parseCpim(tamper(cpim)).content.bytes, { caFile: alice.certFile });
    expect(bad.ok).toBe(false);
  });

  it('a signature from another key does not verify against Alice\'s certificate', async () => {
    const mallory = await makeCert(dir, { name: 'mallory' });
    const msg = parseCpim(wrap(await signDetached(CONTENT, mallory)));
    expect((await verify(msg.content.bytes, { caFile: alice.certFile })).ok).toBe(false);
    expect((await verify(msg.content.bytes, { caFile: mallory.certFile })).ok).toBe(true);
  });

  it('signed then encrypted (RFC 8591 4.3), AES-128-GCM auth-enveloped-data: decrypts from the parsed CPIM and the inner signature verifies', async () => {
    const bob = await makeCert(dir, { name: 'bob', uri: 'sip:bob@example.test' });
    const inner = await signOpaque(CONTENT, alice);
    const outer = await encrypt(inner, bob, { smimeType: 'auth-enveloped-data' });
    const msg = parseCpim(wrap(outer));
    expect(classify(msg.content.contentType)).toEqual({ kind: 'pkcs7-mime', smimeType: 'auth-enveloped-data' });
    const clear = await decrypt(msg.content.bytes, bob);
    expect(clear.equals(Buffer.from(inner))).toBe(true);
    const v = await verify(clear, { caFile: alice.certFile });
    expect(v.ok).toBe(true);
    expect(v.content?.equals(CONTENT)).toBe(true);
    await expect(decrypt(msg.content.bytes, alice)).rejects.toThrow(/exited/);
  });
});

describe('RFC 8591 section 10 signed vectors (openssl cms)', () => {
  const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(__dirname, '../fixtures/mime', name)));
  const WATSON = Buffer.from('Content-Type: text/plain\r\n\r\nWatson, come here - I want to see you.\r\n');

  // Alice's certificate expired in 2018 and is self-signed: check the signature, not the chain (-noverify).
  async function verifyVector(der: Uint8Array, certArgs: string[]): Promise<{ code: number; stdout: Buffer }> {
    const f = join(dir, `v-${Math.random().toString(36).slice(2)}.der`);
    writeFileSync(f, der);
    return openssl(['cms', '-verify', '-binary', '-noverify', '-inform', 'DER', '-in', f, ...certArgs]);
  }

  it('10.1 verifies with its embedded certificate, 10.2 with that certificate; a changed byte fails; wrapped in CPIM it comes back unchanged', async () => {
    const e1 = parseMimeEntity(fixture('rfc8591-10.1-signed-data.mime'));
    const alicePem = join(dir, 'rfc8591-alice.pem');
    const r1 = await verifyVector(e1.body, ['-signer', alicePem]);
    expect(r1.code).toBe(0);
    expect(r1.stdout.equals(WATSON)).toBe(true);

    const e2 = parseMimeEntity(fixture('rfc8591-10.2-signed-data.mime'));
    const r2 = await verifyVector(e2.body, ['-certfile', alicePem]);
    expect(r2.code).toBe(0);
    expect(r2.stdout.equals(WATSON)).toBe(true);

    const bad = Buffer.from(e1.body);
    bad[bad.indexOf('Watson')] = 0x77;
    expect((await verifyVector(bad, ['-signer', alicePem])).code).not.toBe(0);

    // RFC 8591 9.1: the signature applied "to just the CPIM payload".
    const msg = parseCpim(wrap(fixture('rfc8591-10.1-signed-data.mime')));
    expect(Buffer.from(msg.content.body).equals(Buffer.from(e1.body))).toBe(true);
    expect((await verifyVector(msg.content.body, ['-signer', alicePem])).code).toBe(0);
  });
});
