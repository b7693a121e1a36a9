import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../../canonical/errors';
import { checkConfig, DEFAULTS, loadConfig } from '../../../../gateway/config';

const noEnv = {};

describe('config defaults', () => {
  it('runs on embedded defaults with no file', () => {
    const c = loadConfig({ env: noEnv });
    expect(c.store).toEqual({ kind: 'memory' });
    expect(c.json?.listen).toBe('127.0.0.1:8080');
    expect(c.domains).toEqual({ localhost: 'json' });
    expect(c.gateway.id).toBe('switchboard.local');
    expect(c.sip).toBeUndefined();
    expect(c.xmpp).toBeUndefined();
  });

  it('keeps the defaults frozen', () => {
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS.json)).toBe(true);
    expect(() => { (DEFAULTS.gateway as { id: string }).id = 'x'; }).toThrow();
  });

  it('fills defaults under a partial file, and optional sections only when present', () => {
    const c = loadConfig({ text: 'gateway: { id: gw1.example.test }\nxmpp: { components: [] }\n', env: noEnv });
    expect(c.gateway).toEqual({ ...DEFAULTS.gateway, id: 'gw1.example.test' });
    expect(c.xmpp).toEqual({ components: [], clients: [] });
    expect(c.sip).toBeUndefined();
  });
});

describe('the deploy sample', () => {
  it('validates', () => {
    const r = checkConfig({ file: join(__dirname, '../../../../deploy/switchboard.sample.yaml'), env: noEnv });
    expect(r.problems).toEqual([]);
    expect(r.config?.store).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379/0' });
    expect(r.config?.json?.accounts).toEqual([{ address: 'carol@api.example.test', token: 'carol-secret' }]);
  });
});

describe('bad configs list every bad path', () => {
  const cases: Array<[string, string, string[]]> = [
    ['unknown top-level and nested keys', 'gatway: {}\ngateway: { idd: x }\n', ['gatway: unknown key', 'gateway.idd: unknown key']],
    ['wrong types', 'gateway: { maxForwards: seventy }\njson: { listen: 8080, heartbeatSeconds: true }\n',
      ['gateway.maxForwards: expected an integer', 'json.listen: expected a string', 'json.heartbeatSeconds: expected an integer']],
    ['missing required keys', 'store: { kind: redis }\nsip: { listen: { udp: 127.0.0.1:5060 } }\nxmpp: { components: [ { service: xmpp://127.0.0.1:5347 } ] }\n',
      ['store.url: required when kind is redis', 'sip.domain: required', 'xmpp.components[0].domain: required', 'xmpp.components[0].secret: required']],
    ['bad enums and ranges', 'store: { kind: mongo }\nlog: { level: loud }\ndomains: { a.test: irc }\ngateway: { maxForwards: 0 }\n',
      ['store.kind: expected one of memory, redis', 'log.level: expected one of', 'domains.a.test: expected one of json, sip, xmpp', 'gateway.maxForwards: expected an integer from 1 to 255']],
    ['cross-section', 'domains: { example.test: xmpp, api.test: json }\njson: { accounts: [ { address: a@other.test, token: abcdefgh } ] }\n',
      ['domains.example.test: owned by xmpp, but there is no xmpp section', 'json.accounts[0].address: domain other.test is not a json domain']],
    ['account token type', 'json: { accounts: [ { address: a@localhost, token: 12345678 } ] }\n', ['json.accounts[0].token: expected a string']],
    ['presence order', 'presence: { minExpires: 100, maxExpires: 50, defaultExpires: 10 }\n', ['presence.minExpires: 100 is greater than maxExpires 50']],
    ['host:port', 'json: { listen: "localhost:99999" }\n', ['json.listen: expected host:port']],
    ['yaml syntax', 'gateway: { id: [\n', ['(config):']],
    ['duplicate keys', 'gateway: { id: a }\ngateway: { id: b }\n', ['(config):']],
    ['top level not a mapping', '- a\n- b\n', ['(config): the top level must be a mapping']],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const r = checkConfig({ text, env: noEnv });
    expect(r.config).toBeUndefined();
    expect(r.problems).toEqual(expect.arrayContaining(expected.map((e) => expect.stringContaining(e))));
    for (const e of expected) expect(r.problems.some((p) => p.startsWith(e))).toBe(true);
  });

  it('lists all faults at once, not the first', () => {
    const r = checkConfig({ text: 'gateway: { id: "bad id!", maxForwards: -1, messageTimeoutMs: x }\nfoo: 1\n', env: noEnv });
    expect(r.problems).toHaveLength(4);
  });

  it('throws ConfigError from loadConfig with the problems', () => {
    try { loadConfig({ text: 'foo: 1\n', env: noEnv }); throw new Error('no throw'); } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems[0]).toMatch(/^foo: unknown key/);
    }
  });

  it('names an unreadable file', () => {
    const r = checkConfig({ file: '/nonexistent/sb.yaml', env: noEnv });
    expect(r.problems).toEqual(['/nonexistent/sb.yaml: cannot read (ENOENT)']);
  });

  it('refuses an oversized file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbcfg-'));
    const f = join(dir, 'big.yaml');
    writeFileSync(f, `# ${'x'.repeat(1_100_000)}\n`);
    expect(checkConfig({ file: f, env: noEnv }).problems[0]).toMatch(/over the 1048576-byte limit/);
  });
});

describe('environment overrides', () => {
  it('overrides keys with SWITCHBOARD_A__B, values read as YAML', () => {
    const c = loadConfig({
      text: 'gateway: { id: from-file }\n',
      env: {
        SWITCHBOARD_GATEWAY__ID: 'gw9.example.test',
        SWITCHBOARD_GATEWAY__MAXFORWARDS: '20',
        SWITCHBOARD_STORE__KIND: 'redis',
        SWITCHBOARD_STORE__URL: 'redis://127.0.0.1:7000/1',
        SWITCHBOARD_JSON__LISTEN: '127.0.0.1:9090',
        SWITCHBOARD_DOMAINS: '{api.test: json}',
        SWITCHBOARD_ADMIN_TOKEN: 'not-config',
        PATH: '/usr/bin',
      },
    });
    expect(c.gateway.id).toBe('gw9.example.test');
    expect(c.gateway.maxForwards).toBe(20);
    expect(c.store).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:7000/1' });
    expect(c.json?.listen).toBe('127.0.0.1:9090');
    expect(c.domains).toEqual({ 'api.test': 'json' });
  });

  it('names the variable in a problem, and refuses unknown sections', () => {
    const r = checkConfig({ env: { SWITCHBOARD_GATEWAY__MAXFORWARDS: 'many' } });
    expect(r.problems).toEqual([expect.stringMatching(/^gateway\.maxForwards: expected an integer.*\(from SWITCHBOARD_GATEWAY__MAXFORWARDS\)$/)]);
    expect(checkConfig({ env: { SWITCHBOARD_GATWAY__ID: 'x' } }).problems[0]).toMatch(/^SWITCHBOARD_GATWAY__ID: no config section "gatway"/);
    expect(checkConfig({ env: { SWITCHBOARD_GATEWAY__IDD: 'x' } }).problems[0]).toMatch(/^gateway\.idd: unknown key/);
  });
});
