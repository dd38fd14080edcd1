/**
 * What a re-execution gives back as the original run read it, for the
 * messages about a re-execution that diverged: the engine's replay log
 * (native/lib/plugins/replay) covers the clock and random sources only.
 */

/** `replayed`: the computation records them (undefined: not known, an attached `ckpt launch`). */
export function replayCoverage(replayed: boolean | undefined): string {
  const others = 'files, sockets to outside the program, thread scheduling and signals';
  if (replayed === true) {
    return `Clock and random values (clock_gettime, gettimeofday, time, getrandom, getentropy) were replayed as first read; ${others} are not.`;
  }
  if (replayed === false) return `Clock and random values were read anew ("deterministicReplay" is off), and ${others} are not replayed.`;
  return `Clock and random values are replayed only for a program started with \`ckpt launch --record\`; ${others} never are.`;
}
