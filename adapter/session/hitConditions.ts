/**
 * A breakpoint's hit condition (DAP `hitCondition`): which hits, counted from
 * 1, stop the program. "3" or "== 3": the third hit only; ">= 3", "> 3",
 * "< 3", "<= 3": every hit in that range; "% 2": every second hit.
 * gdb's ignore counts cover only ">= N", so the adapter counts hits itself.
 */
export type HitTest = (count: number) => boolean;

export class HitConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HitConditionError';
  }
}

const FORM = /^\s*(==|=|>=|>|<=|<|%)?\s*(\d+)\s*$/;

/** The test for `text`; a clear error naming the text when it is not one of the forms above. */
export function parseHitCondition(text: string): HitTest {
  const m = FORM.exec(text);
  if (!m) {
    throw new HitConditionError(`Hit condition '${text}' is not understood: use a number (the Nth hit), '>= N', '> N', '< N', '<= N', '== N' or '% N'.`);
  }
  const n = Number(m[2]);
  switch (m[1]) {
    case undefined: case '==': case '=': return (c) => c === n;
    case '>=': return (c) => c >= n;
    case '>': return (c) => c > n;
    case '<=': return (c) => c <= n;
    case '<': return (c) => c < n;
    case '%':
      if (n === 0) throw new HitConditionError(`Hit condition '${text}': '% 0' would never stop; use '% 1' for every hit.`);
      return (c) => c % n === 0;
    default: throw new HitConditionError(`Hit condition '${text}' is not understood.`);
  }
}
