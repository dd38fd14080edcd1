/** The part of a stream the progress line needs (stderr, or a test's stand-in). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** --json: the output is for a program, which has no use for a moving line. */
  quiet?: boolean;
  stream?: ProgressStream;
  /** Work shorter than this shows nothing. */
  delayMs?: number;
  intervalMs?: number;
}

/**
 * Awaits `work`, drawing `ckpt: WHAT… 1.2s` on a terminal once it has taken over
 * half a second, and erasing the line when it ends. Nothing is drawn when stderr
 * is not a terminal (piped, a log file) or with --json.
 */
export async function withProgress<T>(what: string, work: Promise<T>, opts: ProgressOptions = {}): Promise<T> {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return work;
  const started = Date.now();
  let shown = false;
  const draw = () => {
    shown = true;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    // \r and erase-to-end: the line is redrawn in place, never scrolled.
    stream.write(`\rckpt: ${what}… ${seconds}s\x1b[K`);
  };
  let ticker: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    ticker = setInterval(draw, opts.intervalMs ?? 200);
  }, opts.delayMs ?? delayFromEnv());
  try {
    return await work;
  } finally {
    clearTimeout(delay);
    if (ticker) clearInterval(ticker);
    if (shown) stream.write('\r\x1b[K');
  }
}

/** CKPT_PROGRESS_AFTER_MS: how long work runs before the line shows (default half a second). */
function delayFromEnv(): number {
  const v = Number(process.env.CKPT_PROGRESS_AFTER_MS);
  return process.env.CKPT_PROGRESS_AFTER_MS !== undefined && Number.isFinite(v) && v >= 0 ? v : 500;
}
