/**
 * Real openssl for tests: throwaway keys and self-signed certificates, S/MIME signing
 * (multipart/signed and opaque application/pkcs7-mime), verification, encryption and decryption.
 * Every call runs `openssl` with execFile and a bounded timeout; nothing goes through a shell.
 * If openssl is missing, the calls reject (tests that need it fail, never skip).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MimeEntity, findHeader, parseContentType, parseMimeEntity, splitMultipart } from '../../canonical/mime';

export interface OpensslResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Run `openssl ...args`, feeding `input` on stdin. Resolves with the exit code (non-zero is not an
 * error: verification failures are results); rejects when openssl cannot run or times out.
 */
export function openssl(args: readonly string[], opts: { input?: Uint8Array; timeoutMs?: number; cwd?: string } = {}): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', [...args], {
      encoding: 'buffer', timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024, cwd: opts.cwd,
    }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      if (e && (typeof e.code === 'string' || e.killed)) {
        reject(new Error(`openssl ${args[0] ?? ''} could not run: ${e.killed ? 'timed out' : e.message}`));
        return;
      }
      resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr: stderr.toString('utf8') });
    });
    child.stdin?.on('error', () => { /* openssl may exit before reading all input; the exit code tells */ });
    child.stdin?.end(opts.input ? Buffer.from(opts.input) : undefined);
  });
}

/** Like openssl(), but rejects unless the exit code is 0. */
export async function opensslOk(args: readonly string[], opts: { input?: Uint8Array; timeoutMs?: number; cwd?: string } = {}): Promise<Buffer> {
  const r = await openssl(args, opts);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return r.stdout;
}

/** A fresh private temp directory; remove it with removeTempDir. */
export function makeTempDir(prefix = 'switchboard-openssl-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A key and its self-signed certificate, as PEM files. */
export interface CertFiles {
  readonly keyFile: string;
  readonly certFile: string;
}

/**
 * Make an EC P-256 key (RFC 8591 4.1: UAs "MUST support ... ECDSA using the NIST P-256 elliptic
 * curve") and a self-signed certificate for it in `dir`, valid two days. `uri` goes in
 * subjectAltName (RFC 8591 4.4.1: "the subject alternative name extension is used as the
 * preferred means to convey the SIP URI").
 */
export async function makeCert(dir: string, opts: { name?: string; commonName?: string; uri?: string } = {}): Promise<CertFiles> {
  const name = opts.name ?? 'alice';
  const keyFile = join(dir, `${name}.key.pem`);
  const certFile = join(dir, `${name}.cert.pem`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '2', '-subj', `/O=example.test/CN=${opts.commonName ?? name}`];
  if (opts.uri) args.push('-addext', `subjectAltName=URI:${opts.uri}`);
  await opensslOk(args);
  return { keyFile, certFile };
}

async function withTemp<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await makeTempDir();
  try { return await f(dir); } finally { await removeTempDir(dir); }
}

/**
 * Sign `content` (a MIME entity: headers, empty line, body; its bytes are signed as they are,
 * `-binary`) and return the multipart/signed entity openssl writes, with CRLF line ends
 * (`-crlfeol`), so it can travel inside message/cpim.
 */
export async function signDetached(content: Uint8Array, signer: CertFiles): Promise<Uint8Array> {
  return withTemp(async (dir) => {
    const inFile = join(dir, 'content');
    await writeFile(inFile, content);
    return new Uint8Array(await opensslOk(['cms', '-sign', '-binary', '-crlfeol', '-md', 'sha256', '-in', inFile, '-signer', signer.certFile, '-inkey', signer.keyFile]));
  });
}

/**
 * Sign `content` into an opaque CMS SignedData (`-nodetach`) and return an
 * `application/pkcs7-mime; smime-type=signed-data` entity with the DER body sent as binary
 * (RFC 8591 5: "Inner S/MIME entities do not require base64 encoding").
 */
export async function signOpaque(content: Uint8Array, signer: CertFiles): Promise<Uint8Array> {
  return withTemp(async (dir) => {
    const inFile = join(dir, 'content');
    await writeFile(inFile, content);
    const der = await opensslOk(['cms', '-sign', '-binary', '-nodetach', '-md', 'sha256', '-outform', 'DER', '-in', inFile, '-signer', signer.certFile, '-inkey', signer.keyFile]);
    return pkcs7Entity('signed-data', der);
  });
}

function pkcs7Entity(smimeType: string, der: Uint8Array): Uint8Array {
  const head = `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"\r\nContent-Transfer-Encoding: binary\r\n\r\n`;
  return new Uint8Array(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(der)]));
}

export interface VerifyResult {
  readonly ok: boolean;
  /** The signed content openssl recovered (when ok). */
  readonly content: Buffer | undefined;
  readonly stderr: string;
}

/**
 * Verify a detached signature over exact bytes: `openssl cms -verify -binary -content ...`.
 */
export async function verifyDetached(content: Uint8Array, signatureDer: Uint8Array, trust: { caFile: string }): Promise<VerifyResult> {
  return withTemp(async (dir) => {
    const c = join(dir, 'content');
    const s = join(dir, 'sig.der');
    const out = join(dir, 'out');
    await writeFile(c, content);
    await writeFile(s, signatureDer);
    const r = await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', s, '-content', c, '-CAfile', trust.caFile, '-out', out]);
    return { ok: r.code === 0, content: r.code === 0 ? await readFile(out) : undefined, stderr: r.stderr };
  });
}

/**
 * Verify an S/MIME entity as a recipient would, in binary mode.
 * - multipart/signed: the parts are split as RFC 2046 5.1.1 says ("The CRLF preceding the boundary
 *   delimiter line is conceptually attached to the boundary"), and the first part's exact bytes are
 *   checked against the second part's signature with `openssl cms -verify -binary`. (openssl's own
 *   multipart reader in -binary mode keeps the CR of that CRLF, so CRLF entities fail there.)
 * - application/pkcs7-mime: the body (binary DER, or base64) with `openssl cms -verify -binary`.
 */
export async function verify(entity: Uint8Array, trust: { caFile: string }): Promise<VerifyResult> {
  const e = parseMimeEntity(entity);
  const ctValue = findHeader(e.headers, 'content-type')?.value;
  if (!ctValue) throw new Error('verify: the entity has no Content-Type');
  const ct = parseContentType(ctValue);
  if (ct.mediaType === 'multipart/signed') {
    const boundary = ct.params.get('boundary');
    if (!boundary) throw new Error('verify: multipart/signed without boundary');
    const [content, sig] = splitMultipart(e.body, boundary);
    if (!content || !sig) throw new Error('verify: multipart/signed needs two parts');
    return verifyDetached(content.bytes, decodeBody(parseMimeEntity(sig.bytes)), trust);
  }
  if (ct.mediaType === 'application/pkcs7-mime' || ct.mediaType === 'application/x-pkcs7-mime') {
    const der = decodeBody(e);
    return withTemp(async (dir) => {
      const s = join(dir, 'smime.p7m');
      const out = join(dir, 'out');
      await writeFile(s, der);
      const r = await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', s, '-CAfile', trust.caFile, '-out', out]);
      return { ok: r.code === 0, content: r.code === 0 ? await readFile(out) : undefined, stderr: r.stderr };
    });
  }
  throw new Error(`verify: ${ct.mediaType} is not an S/MIME signed type`);
}

/** openssl's own S/MIME reader over the whole entity (`-inform SMIME`), optionally with -binary. */
export async function verifySmime(entity: Uint8Array, trust: { caFile: string }, opts: { binary?: boolean } = {}): Promise<VerifyResult> {
  const r = await openssl(['cms', '-verify', ...(opts.binary ? ['-binary'] : []), '-CAfile', trust.caFile], { input: entity });
  return { ok: r.code === 0, content: r.code === 0 ? r.stdout : undefined, stderr: r.stderr };
}

function decodeBody(e: MimeEntity): Uint8Array {
  const cte = findHeader(e.headers, 'content-transfer-encoding')?.value.toLowerCase();
  if (cte === 'base64') return new Uint8Array(Buffer.from(Buffer.from(e.body).toString('latin1'), 'base64'));
  return e.body;
}

/**
 * Encrypt `content` (a MIME entity) to `recipient` and return an application/pkcs7-mime entity
 * with a binary DER body. `smimeType` 'auth-enveloped-data' uses AES-128-GCM (RFC 8591 4.2).
 */
export async function encrypt(content: Uint8Array, recipient: CertFiles, opts: { smimeType?: 'enveloped-data' | 'auth-enveloped-data' } = {}): Promise<Uint8Array> {
  const type = opts.smimeType ?? 'enveloped-data';
  return withTemp(async (dir) => {
    const inFile = join(dir, 'content');
    await writeFile(inFile, content);
    const der = await opensslOk(['cms', '-encrypt', '-binary', type === 'auth-enveloped-data' ? '-aes-128-gcm' : '-aes-128-cbc',
      '-outform', 'DER', '-in', inFile, recipient.certFile]);
    return pkcs7Entity(type, der);
  });
}

/** Decrypt an application/pkcs7-mime entity made by encrypt() (or any binary/base64 CMS enveloped body). */
export async function decrypt(entity: Uint8Array, recipient: CertFiles): Promise<Buffer> {
  const der = decodeBody(parseMimeEntity(entity));
  return withTemp(async (dir) => {
    const s = join(dir, 'smime.p7m');
    await writeFile(s, der);
    return opensslOk(['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', s, '-recip', recipient.certFile, '-inkey', recipient.keyFile]);
  });
}
