/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and lists where the busy time went (idle excluded):
 * top frames by self time, self time per source file, and the project's own functions by
 * inclusive time, so a missed target names the code that dominates.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfNode[]; startTime: number; endTime: number }

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Share of samples that were not idle. */
  readonly busyPct: number;
  /** Percentages below are of busy samples. */
  readonly topFrames: Array<{ frame: string; selfPct: number }>;
  readonly topFiles: Array<{ file: string; selfPct: number }>;
  readonly topProjectInclusive: Array<{ frame: string; inclusivePct: number }>;
}

export function summarizeProfile(file: string, root: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const all = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
  const idle = p.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const busy = Math.max(1, all - idle);
  const short = (url: string): string => {
    const path = url.replace(/^file:\/\//, '');
    return path.startsWith('/') ? relative(root, path) : path || '(native)';
  };
  const key = (n: ProfNode): string => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const frames = new Map<string, number>();
  const files = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    frames.set(key(n), (frames.get(key(n)) ?? 0) + hits);
    const fk = n.callFrame.url ? short(n.callFrame.url) : `(${n.callFrame.functionName})`;
    files.set(fk, (files.get(fk) ?? 0) + hits);
  }
  // Inclusive hits per node (iterative post-order: profiles can be deep).
  const incl = new Map<number, number>();
  const rootNode = p.nodes[0];
  if (rootNode) {
    const stack: Array<[number, boolean]> = [[rootNode.id, false]];
    while (stack.length > 0) {
      const [id, done] = stack.pop() as [number, boolean];
      const n = byId.get(id);
      if (!n) continue;
      if (done) {
        incl.set(id, (n.hitCount ?? 0) + (n.children ?? []).reduce((a, c) => a + (incl.get(c) ?? 0), 0));
      } else {
        stack.push([id, true]);
        for (const c of n.children ?? []) stack.push([c, false]);
      }
    }
  }
  const project = new Map<string, number>();
  for (const n of p.nodes) {
    const f = short(n.callFrame.url);
    if (!/(^|\/)(canonical|adapters|gateway)\//.test(f) || f.includes('node_modules')) continue;
    project.set(key(n), (project.get(key(n)) ?? 0) + (incl.get(n.id) ?? 0));
  }
  const pct = (h: number): number => Math.round((h / busy) * 1000) / 10;
  const sorted = (m: Map<string, number>): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    totalMs: Math.round((p.endTime - p.startTime) / 1000),
    busyPct: Math.round((busy / all) * 1000) / 10,
    topFrames: sorted(frames).map(([frame, h]) => ({ frame, selfPct: pct(h) })),
    topFiles: sorted(files).map(([f, h]) => ({ file: f, selfPct: pct(h) })),
    topProjectInclusive: sorted(project).map(([frame, h]) => ({ frame, inclusivePct: pct(h) })),
  };
}

/** Plain-text rendering for the terminal. */
export function renderProfile(s: ProfileSummary): string {
  const row = (v: number, t: string): string => `     ${v.toFixed(1).padStart(5)}%  ${t}`;
  return [
    `   profile ${s.file}: ${s.totalMs} ms, busy ${s.busyPct}% (percentages below are of busy time)`,
    '   top self time by frame:', ...s.topFrames.map((f) => row(f.selfPct, f.frame)),
    '   top self time by file:', ...s.topFiles.map((f) => row(f.selfPct, f.file)),
    '   project functions by inclusive time:', ...s.topProjectInclusive.map((f) => row(f.inclusivePct, f.frame)),
  ].join('\n');
}
