/** Small statistics over samples (latencies in microseconds). */

/** The q-quantile (0..1) by nearest rank; undefined for no samples. Sorts a copy. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const s = Float64Array.from(samples).sort();
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}

export const round = (x: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
