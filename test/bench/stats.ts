/** The few statistics the bench scenarios report: medians of repeated runs, to a tenth. */

/** The median of the numbers among xs (null when there are none). */
export function median(xs: readonly (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** A timed figure beside its target: the median of the samples, and whether it meets the target. */
export function figure(samples: number[], targetMs: number): Record<string, unknown> {
  const m = median(samples) ?? NaN;
  return { medianMs: round1(m), targetMs, meetsTarget: m <= targetMs, samplesMs: samples.map(round1) };
}
