/**
 * Sends `count` items at `rate` per second: each tick sends what the clock says is due, so a late
 * tick catches up instead of lowering the rate. Bounded by count and by a wall-clock limit.
 */
export interface PaceResult {
  readonly sent: number;
  readonly elapsedMs: number;
  /** Epoch ms of the first and last send. */
  readonly firstAt: number;
  readonly lastAt: number;
}

export async function pace(rate: number, count: number, limitMs: number, sendOne: (seq: number) => void): Promise<PaceResult> {
  const start = performance.now();
  const firstAt = Date.now();
  let sent = 0;
  // Timers fire at ~1 ms granularity at best; sending what is due per tick keeps the mean rate.
  while (sent < count) {
    const elapsed = performance.now() - start;
    if (elapsed > limitMs) break;
    const due = Math.min(count, Math.floor((elapsed / 1000) * rate) + 1);
    while (sent < due) sendOne(++sent);
    await new Promise((r) => setTimeout(r, 1));
  }
  return { sent, elapsedMs: performance.now() - start, firstAt, lastAt: Date.now() };
}
