/**
 * `switchboard translate`: every fixture input (SIP MESSAGE with a CPIM body, XMPP message with
 * subject and thread, JSON POST body, bare CPIM) toward every target, with the bodies checked
 * byte for byte; malformed inputs exit 2 with one line naming the fault; loops exit 3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseSip } from '../../../../adapters/sip/wire-validate';
import { headerValue } from '../../../../adapters/sip/wire-message';
import { parseStanzas, readMessage } from '../../../../adapters/xmpp/wire';
import { runTranslate } from '../../../../gateway/cli/translate';

const DIR = join(__dirname, '../../../fixtures/translate');
const CONFIG = join(DIR, 'gateway.yaml');
const DATE = '2026-11-20T10:00:00Z';
const fixture = (name: string): Buffer => readFileSync(join(DIR, name));

interface Run { code: number; out: Buffer; err: string }

async function translate(args: string[], stdin?: Buffer): Promise<Run> {
  const chunks: Buffer[] = [];
  let err = '';
  const input = new PassThrough();
  if (stdin) input.end(stdin); else input.end();
  const code = await runTranslate(args, {
    stdin: input,
    stdout: { write: (s: string | Uint8Array) => chunks.push(Buffer.from(s)) },
    stderr: { write: (s: string) => { err += s; } },
  });
  return { code, out: Buffer.concat(chunks), err };
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const CPIM = fixture('cpim-bare-text.cpim');
/** The SIP fixture's body: exactly the bare CPIM fixture. */
const SIP_BODY = CPIM;

interface Input {
  readonly file: string;
  readonly extra?: readonly string[];
  /** The content the gateway relays, exact bytes, and its type. */
  readonly type: RegExp;
  readonly bytes: Buffer;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  readonly subject?: string;
  readonly thread?: string;
  /** The received-trace after this gateway (gw1.example.test). */
  readonly trace: readonly string[];
}

const INPUTS: readonly Input[] = [
  {
    file: 'sip-message-cpim.sip', type: /^message\/cpim$/, bytes: SIP_BODY,
    from: 'alice@sip.example.test', to: 'juliet@example.test', text: 'Wherefore art thou, Roméo? ✓\r\n',
    subject: 'Balcony', trace: ['gw0.other.test', 'gw1.example.test'],
  },
  {
    file: 'xmpp-message-subject-thread.xml', type: /^text\/plain;charset=utf-8$/, bytes: utf8('Art thou not Romeo, and a Montague? ✓'),
    from: 'juliet@example.test', to: 'romeo@sip.example.test', text: 'Art thou not Romeo, and a Montague? ✓',
    subject: 'Imploring', thread: 'e0ffe42b28561960c6b12b944a092794b9683a38', trace: ['gw1.example.test'],
  },
  {
    file: 'json-post-text.json', extra: ['--from', 'carol@api.example.test'], type: /^text\/plain;charset=utf-8$/, bytes: utf8('Grüße aus der API ✓'),
    from: 'carol@api.example.test', to: 'romeo@sip.example.test', text: 'Grüße aus der API ✓', subject: 'Hallo', thread: 't-1',
    trace: ['gw1.example.test'],
  },
  {
    file: 'cpim-bare-text.cpim', type: /^message\/cpim$/, bytes: CPIM,
    from: 'alice@sip.example.test', to: 'juliet@example.test', text: 'Wherefore art thou, Roméo? ✓\r\n', trace: ['gw1.example.test'],
  },
];

describe('translate: each input toward each protocol', () => {
  describe.each(INPUTS)('$file', (input) => {
    const args = (to: string): string[] => ['--to', to, '--config', CONFIG, '--date', DATE, ...(input.extra ?? []), join(DIR, input.file)];

    it('toward SIP: a MESSAGE the strict SIP parser accepts, body byte-identical (RFC 3428, RFC 3862 6)', async () => {
      const r = await translate(args('sip'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const parsed = parseSip(r.out, false);
      if (!parsed.ok) throw new Error(`output does not parse: ${parsed.error.phrase}`);
      const m = parsed.message;
      expect(m.kind).toBe('request');
      if (m.kind !== 'request') return;
      expect(m.method).toBe('MESSAGE');
      expect(m.uri).toBe(`sip:${input.to}`);
      expect(m.from.uri).toBe(`sip:${input.from}`);
      expect(Buffer.from(m.body).equals(input.bytes)).toBe(true);
      expect(headerValue(m, 'content-type')).toMatch(input.type);
      expect(m.maxForwards).toBe(69);
      expect(headerValue(m, 'switchboard-trace')).toBe(input.trace.join(', '));
      // The outbound proxy has ;lr: the adapter routes through it with a Route header.
      expect(headerValue(m, 'route')).toBe('<sip:127.0.0.1:15070;lr>');
      expect(m.via[0]?.host).toBe('127.0.0.1');
    });

    it('toward XMPP: a <message/> with body, subject, thread and trace (RFC 3922 4.2, RFC 7572)', async () => {
      const r = await translate(args('xmpp'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const els = parseStanzas(r.out.toString('utf8'));
      expect(els).toHaveLength(1);
      const m = readMessage(els[0]!);
      expect(m.to).toBe(input.to);
      expect(m.bodies.map((b) => b.text)).toEqual([input.text]);
      if (input.subject) expect(m.subjects.map((s) => s.text)).toEqual([input.subject]);
      if (input.thread) expect(m.thread).toBe(input.thread);
      expect(m.trace?.text).toBe(input.trace.join(', '));
      expect(m.trace?.hops).toBe('69');
      // CPIM travels whole in <raw/> so a far gateway restores the exact bytes.
      if (input.type.source.includes('cpim')) expect(Buffer.from(m.raw!.base64, 'base64').equals(input.bytes)).toBe(true);
      else expect(m.raw).toBeUndefined();
    });

    it('toward JSON: the stream frame with the exact bytes in base64', async () => {
      const r = await translate(args('json'));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const f = JSON.parse(r.out.toString('utf8'));
      expect(f).toMatchObject({ type: 'message', from: input.from, to: input.to, trace: input.trace, maxForwards: 69 });
      expect(f.contentType).toMatch(input.type);
      expect(Buffer.from(f.base64, 'base64').equals(input.bytes)).toBe(true);
      if (input.thread) expect(f.thread).toBe(input.thread);
    });
  });

  it('prints the same bytes every time for the same input and --date (no randomness)', async () => {
    const a = await translate(['--to', 'sip', '--config', CONFIG, '--date', DATE, join(DIR, 'xmpp-message-subject-thread.xml')]);
    const b = await translate(['--to', 'sip', '--config', CONFIG, '--date', DATE, join(DIR, 'xmpp-message-subject-thread.xml')]);
    expect(a.code).toBe(0);
    expect(a.out.toString('latin1')).toContain('\r\nDate: Fri, 20 Nov 2026 10:00:00 GMT\r\n');
    expect(a.out.equals(b.out)).toBe(true);
  });

  it('reads stdin with -, and works without --config (embedded defaults)', async () => {
    const r = await translate(['--to', 'json', '-'], CPIM);
    expect(r.code).toBe(0);
    const f = JSON.parse(r.out.toString('utf8'));
    expect(f.trace).toEqual(['switchboard.local']);
    expect(Buffer.from(f.base64, 'base64').equals(CPIM)).toBe(true);
  });

  it('keeps bytes XML cannot hold: a CPIM with a NUL goes in <raw/> exactly', async () => {
    const cpim = Buffer.concat([utf8('From: <im:a@sip.example.test>\r\nTo: <im:b@example.test>\r\n\r\nContent-Type: application/octet-stream\r\n\r\n'), Buffer.from([0, 0xff, 0x0d, 0x0a])]);
    const r = await translate(['--to', 'json', '--config', CONFIG, '-'], cpim);
    expect(r.code).toBe(0);
    expect(Buffer.from(JSON.parse(r.out.toString('utf8')).base64, 'base64').equals(cpim)).toBe(true);
    const x = await translate(['--to', 'xmpp', '--config', CONFIG, '-'], cpim);
    expect(x.code).toBe(0);
    const m = readMessage(parseStanzas(x.out.toString('utf8'))[0]!);
    // Not text/plain: never in <body/> (RFC 3922 4.2.9); no <e2e/> either, XML cannot hold a NUL.
    expect(m.bodies).toEqual([]);
    expect(m.e2e).toBeUndefined();
    expect(Buffer.from(m.raw!.base64, 'base64').equals(cpim)).toBe(true);
  });
});

describe('translate: faults', () => {
  const FAULTS: readonly { name: string; args: string[]; stdin?: Buffer; code: number; err: RegExp }[] = [
    { name: 'SIP Content-Length past the end', args: [join(DIR, 'sip-message-bad-length.sip')], code: 2, err: /SIP 400 Content-Length larger than the message/ },
    { name: 'XMPP stanza never closed', args: [join(DIR, 'xmpp-message-unclosed.xml')], code: 2, err: /no complete stanza/ },
    { name: 'JSON body with an unknown field', args: ['--from', 'carol@api.example.test', join(DIR, 'json-post-unknown-field.json')], code: 2, err: /colour: unknown field/ },
    { name: 'JSON body whose CPIM From is not the sender (RFC 2779 5.4.3)', args: ['--from', 'mallory@api.example.test', '-'], stdin: Buffer.from(JSON.stringify({ to: 'juliet@example.test', cpim: CPIM.toString('base64') })), code: 2, err: /cpim\.From: the CPIM From im:alice@sip\.example\.test is not the authenticated sender mallory@api\.example\.test/ },
    { name: 'JSON body without --from', args: [join(DIR, 'json-post-text.json')], code: 2, err: /give --from ADDRESS/ },
    { name: 'CPIM header without a colon', args: [join(DIR, 'cpim-bad-header.cpim')], code: 2, err: /cpim-bad-header\.cpim: .*(line 2|colon)/i },
    { name: 'SIP request that is not a MESSAGE', args: ['-'], stdin: Buffer.from('OPTIONS sip:x@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@b.test>;tag=1\r\nTo: <sip:x@example.test>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'), code: 2, err: /a SIP OPTIONS request; translate takes MESSAGE/ },
    { name: 'a SIP response', args: ['-'], stdin: Buffer.from('SIP/2.0 200 OK\r\n\r\n'), code: 2, err: /SIP response/ },
    { name: 'an empty input', args: ['-'], stdin: Buffer.alloc(0), code: 2, err: /empty/ },
    { name: 'binary noise', args: ['-'], stdin: Buffer.from([0x80, 0x81, 0x00]), code: 2, err: /cannot tell what the input is/ },
    { name: 'an XMPP <presence/>', args: ['-'], stdin: Buffer.from("<presence from='a@example.test' to='b@sip.example.test'/>"), code: 2, err: /<presence\/> stanza; translate takes <message\/>/ },
    { name: 'an XMPP message in invalid UTF-8', args: ['-'], stdin: Buffer.concat([Buffer.from("<message from='a@example.test' to='b@sip.example.test'><body>"), Buffer.from([0xc3, 0x28]), Buffer.from('</body></message>')]), code: 2, err: /not valid UTF-8/ },
    { name: 'a loop: the trace already holds this gateway', args: [join(DIR, 'sip-message-loop.sip')], code: 3, err: /loop-detected .*SIP 482 Loop Detected/ },
    { name: 'no hops left', args: ['-'], stdin: Buffer.from(fixture('sip-message-cpim.sip').toString('latin1').replace('Max-Forwards: 70', 'Max-Forwards: 0'), 'latin1'), code: 3, err: /too-many-hops .*SIP 483/ },
    { name: 'a missing file', args: [join(DIR, 'no-such-file')], code: 1, err: /cannot read/ },
  ];

  it.each(FAULTS)('$name: exit $code with one line naming the fault', async (f) => {
    const r = await translate(['--to', 'sip', '--config', CONFIG, ...f.args], f.stdin);
    expect(r.code).toBe(f.code);
    expect(r.out.length).toBe(0);
    expect(r.err).toMatch(f.err);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses input over 1 MiB without reading it all', async () => {
    const r = await translate(['--to', 'json', '-'], Buffer.alloc(1_048_577, 0x41));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/larger than 1048576 bytes/);
  });

  it.each([
    [['--to', 'smtp', 'x'], /--to "smtp": expected sip, xmpp or json/],
    [['x'], /--to sip\|xmpp\|json is required/],
    [['--to', 'sip'], /expected one FILE or -, got 0/],
    [['--to', 'sip', '--as', 'irc', 'x'], /--as "irc"/],
    [['--to', 'sip', '--bogus', 'x'], /unknown option --bogus/],
    [['--to', 'sip', '--date', 'yesterday', 'x'], /--date "yesterday": expected an RFC 3339/],
  ])('usage error %j exits 64', async (args, err) => {
    const r = await translate(args as string[]);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(err as RegExp);
  });
});
