/** The machine and the peers' versions, recorded with every run so runs can be compared. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { MachineInfo } from './types';

function versionOf(cmd: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    return re.exec(out)?.[1] ?? out.trim().split('\n')[0] ?? 'unknown';
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    const m = e.stdout ? re.exec(e.stdout) : null;
    return m?.[1] ?? `not available (${e.message.split('\n')[0]})`;
  }
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    platform: platform(),
    kernel: release(),
    node: process.version,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    versions: {
      'redis-server': versionOf('redis-server', ['--version'], /v=(\S+)/),
      prosody: versionOf('prosodyctl', ['about'], /^Prosody (\S+)/m),
      sipp: versionOf('sipp', ['-v'], /SIPp (v[^\s,]+)/),
    },
  };
}

/** The checked-out commit, when there is one. */
export function gitCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
