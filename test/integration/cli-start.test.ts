/**
 * The built CLI end to end: build, `switchboard start --config FILE` on a free port, read the
 * first admin token it prints, `account add` twice, a message between the two accounts, then
 * SIGTERM drains and exits 0. Every wait is bounded.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, freePort, openStream } from './json-client';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'switchboard.js');
/** The environment of the child: no SWITCHBOARD_* from the test runner's own. */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));

function run(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(), timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function waitFor(child: ChildProcess, re: RegExp, timeoutMs: number, buf: { stderr: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms; stderr: ${buf.stderr.slice(-2000)}`)), timeoutMs);
    const check = (): void => { const m = re.exec(buf.stderr); if (m) { clearTimeout(t); child.stderr?.off('data', check); resolve(m); } };
    child.stderr?.on('data', check);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`exited ${code} early; stderr: ${buf.stderr.slice(-2000)}`)); });
    check();
  });
}

let child: ChildProcess | undefined;
afterAll(() => { if (child && child.exitCode === null) child.kill('SIGKILL'); });

beforeAll(async () => {
  const started = Date.now();
  await new Promise<void>((resolve) => {
    execFile(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, timeout: 120_000 }, () => resolve());
  });
  const main = join(ROOT, 'dist', 'gateway', 'cli', 'main.js');
  if (!existsSync(main) || statSync(main).mtimeMs < started - 1000) throw new Error('the build did not produce dist/gateway/cli/main.js');
}, 150_000);

it('prints help', async () => {
  const r = await run(['--help']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/switchboard start \[--config FILE\]/);
  expect(r.stdout).toMatch(/switchboard account add ADDRESS/);
});

it('check-config: exit 0 for the deploy sample, exit 2 listing every bad path', async () => {
  expect((await run(['check-config', join(ROOT, 'deploy', 'switchboard.sample.yaml')])).code).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'sbcli-'));
  writeFileSync(join(dir, 'bad.yaml'), 'gateway: { maxForwards: lots }\njson: { listen: nowhere }\nbogus: 1\n');
  const bad = await run(['check-config', join(dir, 'bad.yaml')]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/gateway\.maxForwards/);
  expect(bad.stderr).toMatch(/json\.listen/);
  expect(bad.stderr).toMatch(/bogus: unknown key/);
  const badStart = await run(['start', '--config', join(dir, 'bad.yaml')]);
  expect(badStart.code).toBe(2);
  expect(badStart.stderr).toMatch(/bogus: unknown key/);
});

it('start, admin token, account add twice, a message, SIGTERM -> exit 0', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sbcli-'));
  const file = join(dir, 'sb.yaml');
  writeFileSync(file, `gateway: { id: cli-test.example }\nstore: { kind: memory }\ndomains: { localhost: json }\njson: { listen: "127.0.0.1:${port}" }\nlog: { level: info }\n`);
  const buf = { stderr: '' };
  child = spawn(process.execPath, [BIN, 'start', '--config', file], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => { buf.stderr += d.toString(); });
  child.stdout?.resume();
  const m = await waitFor(child, /Admin token \(shown once; keep it\): (\S+)/, 20_000, buf);
  const admin = m[1] as string;
  const url = `http://127.0.0.1:${port}`;

  const addA = await run(['account', 'add', 'alice@localhost', '--url', url, '--token', admin]);
  expect(addA.code).toBe(0);
  const addB = await run(['account', 'add', 'bob@localhost', '--url', url, '--token', admin]);
  expect(addB.code).toBe(0);
  const alice = addA.stdout.trim();
  const bob = addB.stdout.trim();
  expect(alice).toMatch(/^\S{16,}$/);
  expect(bob).not.toBe(alice);

  const b = await openStream(url, bob);
  const r = await api(url, alice, 'POST', '/v1/messages', { to: 'bob@localhost', text: 'from the CLI test' });
  expect(r.json.outcome).toEqual({ status: 'delivered' });
  expect((await b.next((f) => f.type === 'message' && f.id === r.json.id)).text).toBe('from the CLI test');
  await b.close();

  const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<string>((r) => { timer = setTimeout(() => r('timeout'), 15_000); })]);
  clearTimeout(timer);
  expect(code).toBe(0);
}, 60_000);
