/**
 * Micro benchmark of the message path's Redis work (issue 7): admitMessage + recordOutcome pairs
 * against a private redis-server, in bursts of 8-32 admits per event-loop turn, each admit's
 * record issued when it resolves (as the router does, not awaited). Reports this process's CPU
 * per pair (process.cpuUsage, user + system), Redis commands per pair (INFO commandstats deltas)
 * and the admit latency (call to resolve).
 *
 * Build and run (compiled like `npm run bench`):
 *   npx tsc -p tsconfig.bench.json && node dist/bench/test/bench/micro/redis-store-pairs.js [pairs] [rate/s or 0] [store module]
 * rate 0 (the default) runs flat out (CPU per pair); a rate paces the bursts with timers (latency at
 * that load). The optional store module (a compiled redis-store.js of another tree) compares two
 * versions: run A, B, A, B on the same machine and compare the figures, not one run. With
 * SB_MONITOR=1 a redis-cli MONITOR (its own process) counts the commands clients sent, script
 * inner calls excluded: slower, so for the command count only, not the CPU figure.
 */
import { RedisStore as HereStore } from '../../../gateway/store/redis-store';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startRedis } from '../../support/redis';

interface StoreLike {
  admitMessage(owner: string, expectedRules: string | null, messageId: string, ttlSeconds: number, claim: boolean): Promise<unknown>;
  recordOutcome(messageId: string, outcome: string, ttlSeconds: number): Promise<void>;
  close(): Promise<void>;
}

/** Bound on admits in flight, so a slow Redis cannot grow the queue without limit. */
const MAX_IN_FLIGHT = 4_096;

/** redis-server's own CPU seconds (user + system, main thread and children) from INFO cpu. */
function redisCpuSeconds(info: string): number {
  let t = 0;
  for (const m of info.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm)) t += Number(m[1]);
  return t;
}

function commandstats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const pairs = Number(argv[0] ?? 200_000);
  const rate = Number(argv[1] ?? 0);
  const modulePath = argv[2] ?? 'this tree';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RedisStore = argv[2] ? (require(argv[2]) as { RedisStore: { connect(url: string): Promise<StoreLike> } }).RedisStore : HereStore;
  const redis = await startRedis();
  const { Redis } = await import('ioredis');
  const admin = new Redis(redis.url);
  try {
    const store = await RedisStore.connect(redis.url);
    const outcome = JSON.stringify({ status: 'delivered', code: 200 });
    const latencies = new Float64Array(pairs);
    // Warm up (JIT, script load), then reset the counters.
    await runPairs(store, 5_000, outcome, new Float64Array(5_000), 'w', 0);
    await admin.config('RESETSTAT');
    const monitor = process.env.SB_MONITOR === '1' ? await startMonitor(redis.port) : undefined;
    const redisCpu0 = redisCpuSeconds(await admin.info('cpu'));
    const before = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await runPairs(store, pairs, outcome, latencies, 'm', rate);
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(before);
    const redisCpu = redisCpuSeconds(await admin.info('cpu')) - redisCpu0;
    const clientCommands = monitor ? await monitor.stop() : undefined;
    const stats = commandstats(await admin.info('commandstats'));
    await store.close();
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
    const topLevel = (stats.get('evalsha') ?? 0) + (stats.get('eval') ?? 0);
    const result = {
      module: modulePath,
      pairs,
      rate: rate || 'flat out',
      cpuUsPerPair: Number(((cpu.user + cpu.system) / pairs).toFixed(2)),
      redisCpuUsPerPair: Number(((redisCpu * 1e6) / pairs).toFixed(2)),
      wallMs: Math.round(wallMs),
      // Script calls per pair, commands clients sent per pair (MONITOR), and every command Redis
      // counted (inner script calls included).
      scriptCallsPerPair: Number((topLevel / pairs).toFixed(4)),
      ...(clientCommands !== undefined ? { clientCommandsPerPair: Number((clientCommands / pairs).toFixed(4)) } : {}),
      commandstats: Object.fromEntries([...stats].map(([k, v]) => [k, Number((v / pairs).toFixed(4))])),
      admitLatencyMs: { p50: Number(pct(0.5).toFixed(3)), p99: Number(pct(0.99).toFixed(3)), max: Number(pct(1).toFixed(3)) },
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}

/**
 * MONITOR through redis-cli (stopped by pid); stop() counts the client commands it saw, those run
 * inside scripts ("[0 lua]") excluded.
 */
async function startMonitor(port: number): Promise<{ stop(): Promise<number> }> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-monitor-')), 'monitor.log');
  const out = fs.openSync(file, 'w');
  const child = spawn('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'monitor'], { stdio: ['ignore', out, 'inherit'] });
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop(): Promise<number> {
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      fs.closeSync(out);
      let n = 0;
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) if (/^\d+\.\d+ \[\d+ \d/.test(line)) n++;
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      return n;
    },
  };
}

/**
 * Bursts of 8-32 admits per turn, each followed by its record when it resolves. Flat out (rate 0)
 * a burst per setImmediate; paced, a burst per timer tick of 5 ms sized to the rate.
 */
function runPairs(store: StoreLike, pairs: number, outcome: string, latencies: Float64Array, tag: string, rate: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    let inFlight = 0;
    let burst = 0;
    const finish = (): void => {
      done++;
      if (done === pairs) resolve();
    };
    const t0 = performance.now();
    const turn = (): void => {
      const due = rate > 0 ? Math.floor(((performance.now() - t0) * rate) / 1000) - started : 8 + (burst++ * 7) % 25;
      const n = Math.max(0, Math.min(due, pairs - started, MAX_IN_FLIGHT - inFlight));
      for (let i = 0; i < n; i++) {
        const idx = started++;
        const key = `sip:${tag}${idx}@a.test sip:recv@b.test ${tag}-${idx}-${process.pid}`;
        const t = performance.now();
        inFlight++;
        store.admitMessage('recv@b.test', null, key, 35, true).then(() => {
          latencies[idx] = performance.now() - t;
          inFlight--;
          store.recordOutcome(key, outcome, 30).then(finish, reject);
        }, reject);
      }
      if (started < pairs) {
        if (rate > 0) setTimeout(turn, 5);
        else setImmediate(turn);
      }
    };
    if (rate > 0) setTimeout(turn, 5);
    else setImmediate(turn);
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
