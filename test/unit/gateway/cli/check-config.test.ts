import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckConfig } from '../../../../gateway/cli/check-config';
import { type CliIo, parseArgs } from '../../../../gateway/cli/io';

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: () => string; err: () => string } {
  let out = ''; let err = '';
  return { stdin: process.stdin, stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } }, env, out: () => out, err: () => err };
}

describe('switchboard check-config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbcli-'));
  it('exits 0 for the deploy sample', () => {
    const i = io();
    expect(runCheckConfig([join(__dirname, '../../../../deploy/switchboard.sample.yaml')], i)).toBe(0);
    expect(i.out()).toMatch(/: ok \(gateway gw1\.example\.test, store redis, adapters: json, sip, xmpp/);
  });
  it('exits 2 listing every bad path', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'gateway: { id: "no spaces allowed", maxForwards: x }\nstore: { kind: redis }\nextra: 1\n');
    const i = io();
    expect(runCheckConfig([f], i)).toBe(2);
    const lines = i.err().split('\n').filter((l) => l.startsWith('  '));
    expect(lines.map((l) => l.trim().split(':')[0]).sort()).toEqual(['extra', 'gateway.id', 'gateway.maxForwards', 'store.url']);
    expect(i.err()).toMatch(/invalid configuration \(4 problems\)/);
  });
  it('applies environment overrides', () => {
    const f = join(dir, 'ok.yaml');
    writeFileSync(f, 'gateway: { id: gw1 }\n');
    const i = io({ SWITCHBOARD_STORE__KIND: 'nope' });
    expect(runCheckConfig([f], i)).toBe(2);
    expect(i.err()).toMatch(/store\.kind: expected one of memory, redis.*\(from SWITCHBOARD_STORE__KIND\)/);
  });
  it('needs exactly one file', () => {
    const i = io();
    expect(runCheckConfig([], i)).toBe(2);
    expect(i.err()).toMatch(/usage/);
  });
});

describe('parseArgs', () => {
  it('parses valued options, flags and positionals', () => {
    expect(parseArgs(['add', 'a@b', '--url', 'http://x', '--token=t', '--admin'], ['url', 'token'], ['admin']))
      .toEqual({ positional: ['add', 'a@b'], options: { url: 'http://x', token: 't' }, flags: new Set(['admin']), problems: [] });
    expect(parseArgs(['--url'], ['url']).problems).toEqual(['--url needs a value']);
    expect(parseArgs(['--bogus'], ['url']).problems).toEqual(['unknown option --bogus']);
  });
});
