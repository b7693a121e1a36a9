/**
 * Runs the selected scenarios one after another (they share two cores: never in parallel),
 * records the machine, checks the targets, prints the table and writes the JSON result. A
 * scenario that fails keeps the figures it measured and names its fault; the run goes on.
 * Every helper process is stopped by pid at the end, on failure too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitCommit, machineInfo } from './machine';
import { repoRoot } from './paths';
import { summarizeProfile } from './profile-summary';
import { killAllSync, stopAll } from './proc';
import { checkTargets, renderReport } from './report';
import { runFanout } from './scenarios/fanout';
import { runJsonToSip } from './scenarios/json-to-sip';
import { runJsonToXmpp } from './scenarios/json-to-xmpp';
import { runSipToXmpp } from './scenarios/sip-to-xmpp';
import { runSipToXmpp2 } from './scenarios/sip-to-xmpp-2';
import { runXmppToSip } from './scenarios/xmpp-to-sip';
import { runState } from './scenarios/state';
import type { BenchOptions, BenchReport, ScenarioResult } from './types';

type Runner = (o: BenchOptions, profDir: string) => Promise<ScenarioResult>;

/** Every scenario by name, in run order. */
export const SCENARIOS: Readonly<Record<string, Runner>> = {
  state: (o) => runState(o),
  'sip-to-xmpp': runSipToXmpp,
  'sip-to-xmpp-2': runSipToXmpp2,
  'xmpp-to-sip': runXmppToSip,
  'json-to-sip': runJsonToSip,
  'json-to-xmpp': runJsonToXmpp,
  fanout: runFanout,
};

export async function runBench(o: BenchOptions, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  const profDir = join(dirname(o.out), 'profiles');
  if (o.cpuProf) mkdirSync(profDir, { recursive: true });
  const names = o.only.length > 0 ? o.only : Object.keys(SCENARIOS);
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const onExit = (): void => killAllSync();
  process.once('exit', onExit);
  const scenarios: ScenarioResult[] = [];
  try {
    for (const n of names) {
      log(`bench: ${n} ...`);
      const t0 = Date.now();
      let r: ScenarioResult;
      try {
        r = await (SCENARIOS[n] as Runner)(o, profDir);
      } catch (err) {
        r = { name: n, title: n, ok: false, error: (err as Error).message, durationMs: Date.now() - t0, figures: [] };
      }
      await stopAll();
      if (r.profiles && r.profiles.length > 0) {
        const root = repoRoot();
        const sums = r.profiles.flatMap((f) => { try { return [summarizeProfile(f, root)]; } catch { return []; } });
        r = { ...r, profileSummaries: sums };
      }
      scenarios.push(r);
      log(`bench: ${n} ${r.ok ? 'done' : 'INCOMPLETE: ' + r.error} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await stopAll();
    process.off('exit', onExit);
  }
  const git = gitCommit(repoRoot());
  const report: BenchReport = {
    format: 'switchboard-bench/1', startedAt, finishedAt: new Date().toISOString(), options: o, machine,
    ...(git ? { git } : {}), scenarios, targets: checkTargets(scenarios),
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
  return report;
}

export { renderReport };
