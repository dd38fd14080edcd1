/** Checks on what scenario programs print, shared by the scenario tests. */

/** The numbers N of lines `PREFIX N ...`, in order. */
export function numbered(lines: string[], prefix: string): number[] {
  const re = new RegExp(`^${prefix} (\\d+)\\b`);
  const out: number[] = [];
  for (const l of lines) {
    const m = re.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/**
 * The `PREFIX N` lines of several outputs, taken in order, must count
 * 1, 2, 3, ... with no gap and no repeat: nothing lost, nothing run twice.
 * Returns a description of the first break, or undefined.
 */
export function sequenceBreak(outputs: string[][], prefix: string): string | undefined {
  let expect = 1;
  for (let o = 0; o < outputs.length; o++) {
    const ns = numbered(outputs[o], prefix);
    if (ns.length === 0) return `output ${o + 1} has no "${prefix} N" lines`;
    for (const n of ns) {
      if (n !== expect) return `output ${o + 1}: "${prefix} ${n}" where "${prefix} ${expect}" was due`;
      expect++;
    }
  }
  return undefined;
}
