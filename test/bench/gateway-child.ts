/**
 * The gateway as the benchmark runs it: its own process, started through the CLI's `start`
 * command exactly as users start it (`switchboard start --config FILE`), so its CPU time and RSS
 * are read from /proc apart from every load generator.
 *
 * With BENCH_GW_HEAP_PROF=FILE (bench --heap-prof), V8's sampling heap profiler records where
 * memory is allocated, including objects collected since, and writes FILE (.heapprofile, for
 * Chrome DevTools or profile-summary.ts) when the gateway is told to stop.
 */
import { Session } from 'node:inspector';
import { appendFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { main } from '../../gateway/cli/main';

function sampleAllocations(out: string): void {
  const s = new Session();
  s.connect();
  s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
  // The session answers synchronously in this thread, so the file is written before the
  // gateway's own SIGTERM handler starts draining.
  process.prependOnceListener('SIGTERM', () => {
    s.post('HeapProfiler.stopSampling', (err, r) => {
      if (!err) writeFileSync(out, JSON.stringify(r.profile));
    });
  });
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: gateway-child CONFIG.yaml\n');
  process.exitCode = 2;
} else {
  const heapOut = process.env.BENCH_GW_HEAP_PROF;
  if (heapOut) sampleAllocations(heapOut);
  if (process.env.BENCH_GW_LOOP_DELAY) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    process.prependOnceListener('SIGTERM', () => {
      const ms = (n: number): string => (n / 1e6).toFixed(2);
      appendFileSync(process.env.BENCH_GW_LOOP_DELAY as string, `loop delay ms p50 ${ms(h.percentile(50))} p90 ${ms(h.percentile(90))} p99 ${ms(h.percentile(99))} p99.9 ${ms(h.percentile(99.9))} max ${ms(h.max)}\n`);
    });
  }
  main(['start', '--config', file]).then(
    (code) => { process.exitCode = code; },
    (err: Error) => { process.stderr.write(`gateway: ${err.stack ?? err.message}\n`); process.exitCode = 1; },
  );
}
