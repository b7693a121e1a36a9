import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runInspect } from '../../../../gateway/cli/inspect';

const fixtures = join(__dirname, '../../../fixtures');
const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

async function run(args: string[], stdinBytes?: Uint8Array | string, opts = {}): Promise<{ code: number; out: string; err: string }> {
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  const p = runInspect(args, { stdin, stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } } }, opts);
  if (stdinBytes !== undefined) stdin.end(stdinBytes);
  const code = await p;
  return { code, out, err };
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'switchboard-inspect-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('switchboard inspect', () => {
  it('a Content-type: Message/CPIM entity (RFC 3862 5.1): headers in order, namespaces, content hash of the encapsulated object', async () => {
    const path = join(fixtures, 'cpim/rfc3862-5.1-message.cpim');
    const { code, out, err } = await run([path]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const v = JSON.parse(out);
    expect(v.kind).toBe('cpim');
    expect(v.mimeHeaders).toEqual([{ name: 'Content-type', value: 'Message/CPIM' }]);
    expect(v.headers.map((h: { name: string }) => h.name)).toEqual([
      'From', 'To', 'DateTime', 'Subject', 'Subject', 'NS', 'Require', 'MyFeatures.VitalMessageOption', 'MyFeatures.WackyMessageOption',
    ]);
    expect(v.headers[4]).toEqual({ name: 'Subject', value: "beau temps prevu pour aujourd'hui", namespace: 'urn:ietf:params:cpim-headers:', lang: 'fr', params: [{ name: 'lang', value: 'fr' }] });
    expect(v.headers[7].namespace).toBe('mid:MessageFeatures@id.foo.com');
    expect(v.from).toEqual({ name: 'MR SANDERS', uri: 'im:piglet@100akerwood.com' });
    expect(v.contentType).toBe('text/xml; charset=utf-8');
    const encapsulated = 'Content-type: text/xml; charset=utf-8\r\nContent-ID: <1234567890@foo.com>\r\n\r\n<body>\r\nHere is the text of my message.\r\n</body>\r\n';
    expect(v.contentSha256).toBe(sha(encapsulated));
    expect(v.contentLength).toBe(Buffer.byteLength(encapsulated));
  });

  it('a bare CPIM message from stdin gives the same view without MIME headers', async () => {
    const bare = readFileSync(join(fixtures, 'cpim/rfc3862-5.1-bare.cpim'));
    const { code, out } = await run(['-'], bare);
    expect(code).toBe(0);
    const v = JSON.parse(out);
    const wrapped = JSON.parse((await run([join(fixtures, 'cpim/rfc3862-5.1-message.cpim')])).out);
    expect(v.mimeHeaders).toBeUndefined();
    expect({ ...v, mimeHeaders: undefined }).toEqual({ ...wrapped, mimeHeaders: undefined });
  });

  it('a MIME entity (RFC 8591 10.1 application/pkcs7-mime): headers, class, hash of the body', async () => {
    const bytes = readFileSync(join(fixtures, 'mime/rfc8591-10.1-signed-data.mime'));
    const { code, out } = await run([join(fixtures, 'mime/rfc8591-10.1-signed-data.mime')]);
    expect(code).toBe(0);
    const v = JSON.parse(out);
    expect(v.kind).toBe('mime');
    expect(v.headers.map((h: { name: string }) => h.name)).toEqual(['Content-Transfer-Encoding', 'Content-Type', 'Content-Disposition']);
    expect(v.contentClass).toEqual({ kind: 'pkcs7-mime', smimeType: 'signed-data' });
    expect(v.contentLength).toBe(762);
    expect(v.contentSha256).toBe(sha(bytes.subarray(bytes.indexOf('\r\n\r\n') + 4)));
  });

  it('a multipart/signed entity: parts listed, a message/cpim part shown as CPIM', async () => {
    const inner = readFileSync(join(fixtures, 'cpim/rfc3862-5.1-message.cpim')).toString('latin1').replace(/\r\n$/, '');
    const entity = `Content-Type: multipart/signed; boundary=next; micalg=sha-256; protocol="application/pkcs7-signature"\r\n\r\n--next\r\n${inner}\r\n--next\r\nContent-Type: application/pkcs7-signature\r\n\r\nxx\r\n--next--\r\n`;
    const { code, out, err } = await run([file('signed.mime', Buffer.from(entity, 'latin1'))]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const v = JSON.parse(out);
    expect(v.contentClass).toEqual({ kind: 'multipart-signed', protocol: 'application/pkcs7-signature', micalg: 'sha-256', boundary: 'next' });
    expect(v.parts).toHaveLength(2);
    expect(v.parts[0].entitySha256).toBe(sha(Buffer.from(inner, 'latin1')));
    expect(v.parts[0].cpim.from.uri).toBe('im:piglet@100akerwood.com');
    expect(v.parts[1].mediaType).toBe('application/pkcs7-signature');
  });

  it('the RFC 3862 5.2 example: exit 2, naming the unquoted "/" in protocol and the header\'s line', async () => {
    const { code, err } = await run([join(fixtures, 'cpim/rfc3862-5.2-multipart-signed.mime')]);
    expect(code).toBe(2);
    expect(err).toMatch(/"\/" in the value of parameter protocol.*\(at line 1, byte 0\)\n$/);
  });

  it('a PIDF document: entity, tuples, hash of the whole document', async () => {
    const path = join(fixtures, 'pidf/rfc3863-4.2.2-prefixed.xml');
    const bytes = readFileSync(path);
    const { code, out, err } = await run([path]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const v = JSON.parse(out);
    expect(v.kind).toBe('pidf');
    expect(v.entity).toBe('pres:someone@example.com');
    expect(v.tuples).toEqual([{ id: 'sg89ae', status: { basic: 'open' }, contact: { uri: 'tel:+09012345678', priority: 0.8 }, notes: [] }]);
    expect(v.contentSha256).toBe(sha(bytes));
  });

  it.each<[string, string | Buffer, RegExp]>([
    ['CPIM with an LF-only line', 'From: <im:a@example.com>\nTo: <im:b@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\nx', /line ends with LF without CR .*\(at line 1, byte 24\)/],
    ['CPIM with two spaces after the colon', 'From:  <im:a@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\nx', /more than one SP after "From:" .*\(at line 1, byte 6\)/],
    ['CPIM with an undeclared prefix', 'x.Y: z\r\n\r\nContent-Type: text/plain\r\n\r\nx', /prefix "x" used before .*\(at line 1, byte 0\)/],
    ['CPIM with invalid UTF-8', Buffer.from([...Buffer.from('Subject: '), 0xff, 13, 10, 13, 10, ...Buffer.from('Content-Type: text/plain\r\n\r\n')]), /invalid UTF-8 .*\(at line 1, byte 9\)/],
    ['Message/CPIM entity with a folded CPIM header', 'Content-Type: message/cpim\r\n\r\nSubject: a\r\n b\r\n\r\nContent-Type: text/plain\r\n\r\n', /folded or indented header .*\(at line 4, byte 42\)/],
    ['MIME entity with a bad Content-Type', 'Content-Type: text\r\n\r\nx', /Content-Type "text": "\/" expected after the type \(at character 4\) \(at line 1, byte 0\)/],
    ['multipart without boundary', 'Content-Type: multipart/mixed\r\n\r\nx', /multipart\/mixed has no boundary parameter/],
    ['PIDF that is not well-formed', '<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@example.com"><tuple id="t"><status><basic>open</basic></status></tuple>', /PIDF|XML/],
    ['PIDF with an entity expansion', '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@example.com">&a;</presence>', /DTD|DOCTYPE|entit/i],
  ])('malformed input (%s): exit 2 and exactly one line on stderr naming the fault and where', async (_n, input, pattern) => {
    const { code, out, err } = await run([file('bad', input)]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.endsWith('\n')).toBe(true);
    expect(err.split('\n')).toHaveLength(2);
    expect(err).toMatch(/^switchboard inspect: .*bad: /);
    expect(err).toMatch(pattern);
    expect(err).toMatch(/\(at ([^)]*(line|character|byte)[^)]*|\d+:\d+)\)\n$/);
  });

  it('refuses a 10 MB input quickly without reading it all (file and stdin)', async () => {
    const big = file('big', Buffer.alloc(10 * 1024 * 1024, 0x41));
    const t0 = Date.now();
    const r = await run([big]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/input is larger than 1048576 bytes/);
    const s = await run(['-'], Buffer.alloc(10 * 1024 * 1024, 0x41));
    expect(s.code).toBe(2);
    expect(s.err).toBe('switchboard inspect: stdin: input is larger than 1048576 bytes\n');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('reads a named pipe (stat size 0) completely', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const bare = readFileSync(join(fixtures, 'cpim/rfc3862-5.1-bare.cpim'));
    const writer = writeFile(fifo, bare);
    const { code, out } = await run([fifo]);
    await writer;
    expect(code).toBe(0);
    expect(JSON.parse(out).contentLength).toBe(125);
  });

  it('usage errors, unreadable files, and a stdin that never ends', async () => {
    expect((await run([])).code).toBe(64);
    expect((await run(['a', 'b'])).code).toBe(64);
    expect((await run(['--bogus'])).code).toBe(64);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: switchboard inspect FILE/);
    const missing = await run([join(dir, 'no-such-file')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*no-such-file: .*ENOENT/);
    const stuck = await run(['-'], undefined, { stdinTimeoutMs: 100 });
    expect(stuck.code).toBe(1);
    expect(stuck.err).toMatch(/stdin did not end within 100 ms/);
  });
});
