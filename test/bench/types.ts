import type { ProfileSummary } from './profile-summary';

/**
 * The shapes of a benchmark run: options, figures (each with its same-run baseline and the
 * ratio), per-step rows of the message scenarios, target checks, and the report written as JSON.
 */

export interface BenchOptions {
  /** Short steps and small counts (the smoke test and CI). */
  readonly quick: boolean;
  /** Where the JSON result goes (a file path). */
  readonly out: string;
  /** Scenario names to run; empty = all. */
  readonly only: readonly string[];
  /** Offered rates of the message scenarios, messages per second. */
  readonly rates: readonly number[];
  /** Seconds per rate step. */
  readonly stepSeconds: number;
  /** Subscriptions the State scenario creates. */
  readonly subscriptions: number;
  /** Watchers of the fan-out scenario. */
  readonly watchers: number;
  /** Run the gateway child under node --cpu-prof (profiles written under the out directory). */
  readonly cpuProf: boolean;
  /** The gateway's log level during the run. */
  readonly logLevel: 'warn' | 'info' | 'error';
}

export interface Figure {
  readonly name: string;
  readonly unit: string;
  /** null when it could not be measured (see the scenario's error). */
  readonly value: number | null;
  readonly baseline?: number | null;
  /** value / baseline, when both exist. */
  readonly ratio?: number | null;
  readonly note?: string;
}

/** One offered-rate step of a message scenario, for one path (gateway or baseline). */
export interface StepRow {
  readonly path: 'gateway' | 'baseline';
  readonly rate: number;
  readonly sent: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Unique deliveries per second, from the first send to the last arrival. */
  readonly deliveredPerSec: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
  /** Gateway process CPU (user+system) per delivered message, microseconds. */
  readonly gatewayCpuUsPerMsg?: number;
  /** Receiving client's CPU per delivered message, and its share of one core during the step. */
  readonly receiverCpuUsPerMsg?: number;
  readonly receiverCorePct?: number;
  readonly senderCorePct?: number;
  /** Redis commands the gateway issued per delivered message (INFO stats). */
  readonly redisCommandsPerMsg?: number;
  /** Each gateway instance's share, in scenarios that run several (sip-to-xmpp-2). */
  readonly instances?: readonly InstanceShare[];
  readonly note?: string;
}

/** One gateway instance during a step: its CPU and whether it held the XMPP component's lease. */
export interface InstanceShare {
  /** The instance's gateway.instanceId. */
  readonly instance: string;
  /** Held the XMPP component's lease at the end of the step (read from Redis), or not. */
  readonly role: 'holder' | 'standby';
  /** The instance's process CPU (user+system) per message delivered in the step, microseconds. */
  readonly cpuUsPerMsg?: number;
  /** Its share of one core during the step. */
  readonly corePct?: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly ok: boolean;
  /** Why it failed or what part is missing; the figures it did measure are kept. */
  readonly error?: string;
  readonly durationMs: number;
  readonly figures: Figure[];
  readonly steps?: StepRow[];
  /** CPU profile files written for this scenario (--cpu-prof). */
  readonly profiles?: string[];
  /** Where the gateway's time went, per profile (--cpu-prof). */
  readonly profileSummaries?: ProfileSummary[];
}

export interface TargetCheck {
  readonly target: string;
  readonly scenario: string;
  readonly value: number | null;
  readonly limit: number;
  readonly unit: string;
  /** null: not measured in this run. */
  readonly pass: boolean | null;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly kernel: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  /** 1-minute load average at start: other work on the machine skews every figure. */
  readonly loadAverage: number;
}

export interface BenchReport {
  readonly format: 'switchboard-bench/1';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: BenchOptions;
  readonly machine: MachineInfo;
  readonly git?: string;
  readonly scenarios: ScenarioResult[];
  readonly targets: TargetCheck[];
}

/** A figure with its baseline and the ratio computed. */
export function figure(name: string, unit: string, value: number | null | undefined, baseline?: number | null, note?: string): Figure {
  const v = value ?? null;
  const f: Figure = { name, unit, value: v };
  if (baseline === undefined) return note ? { ...f, note } : f;
  const ratio = v !== null && baseline !== null && baseline !== 0 ? Math.round((v / baseline) * 1000) / 1000 : null;
  return { ...f, baseline, ratio, ...(note ? { note } : {}) };
}
