import { CkptError, errorMessage } from '../../engine/ckptError';
import { Coordinator, RunningProgram } from '../../engine/coordinator';
import { checkTrackFolders } from '../../engine/trackFolders';
import { computationDir, intervalMs, parseArgs } from '../argParser';
import { note } from '../cliOutput';
import { formatBytes } from '../formatting';
import type { SnapshotInfo } from '../../engine/tables';
import { COMMAND_SPECS } from '../commandSpecs';
import { UsageError } from '../usageError';

/**
 * `ckpt launch`: runs the program in the foreground under the engine and is its
 * coordinator while it runs. Writes nothing on stdout: that is the program's.
 * `--json`: ckpt's own messages on stderr are JSON lines (`{ event: ... }`).
 */
export async function launchCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.launch, argv);
  if (args.rest.length === 0) throw new UsageError('missing PROGRAM', 'launch');
  const every = intervalMs(args, 'launch');
  const [program, ...programArgs] = args.rest;
  const track = checkTrackFolders(args.lists.get('track') ?? []);
  const coordinator = await Coordinator.open(computationDir(args));
  coordinator.trackFolders = track;
  coordinator.record = recordAsked(args.flags);
  try {
    const running = await coordinator.launch(program, programArgs, { stdio: 'inherit' });
    return await runInForeground(coordinator, running, every, args.flags.has('json'));
  } finally {
    await coordinator.close();
  }
}

/**
 * Waits for the program while passing on termination requests and taking the
 * scheduled checkpoints. Shared with `ckpt restart`. A program replaced by a
 * snapshot (`ckpt restore`, or a debugger attached here) is followed by the
 * restored one: the status is that of the program that ends last.
 */
export async function runInForeground(
  coordinator: Coordinator,
  program: RunningProgram,
  intervalMs?: number,
  json = false,
): Promise<number> {
  // Ctrl-C reaches the program from the terminal itself; ckpt must just not die
  // first, or the program would lose its coordinator.
  const onInt = () => undefined;
  const forward = (sig: NodeJS.Signals) => () => {
    const pid = coordinator.runningProgram?.pid;
    if (pid) {
      try {
        process.kill(pid, sig);
      } catch {
        // it has just ended
      }
    }
  };
  const onTerm = forward('SIGTERM');
  const onHup = forward('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  let timer: NodeJS.Timeout | undefined;
  if (intervalMs !== undefined) {
    let busy = false;
    timer = setInterval(() => {
      // A slow checkpoint must not pile up behind itself; a program being replaced has nothing to save.
      if (busy || coordinator.isReplacing) return;
      busy = true;
      coordinator
        .checkpoint({ label: 'interval' })
        .then((s) => {
          if (json) event({ event: 'snapshot', snapshot: s });
          else note(`snapshot ${s.id} saved${trackedText(s)}`);
        })
        .catch((err: unknown) => {
          // The program may have ended between the tick and the order.
          if (!coordinator.runningProgram) return;
          if (json) event({ event: 'checkpointFailed', message: errorMessage(err) });
          else note(`scheduled checkpoint failed: ${errorMessage(err)}`);
        })
        .finally(() => (busy = false));
    }, intervalMs);
  }
  try {
    const { status } = await coordinator.untilEnd(program);
    if (json) event({ event: 'exit', status });
    return status;
  } catch (err) {
    if (err instanceof CkptError) throw err;
    throw new CkptError(errorMessage(err));
  } finally {
    if (timer) clearInterval(timer);
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
}

/** `--record`, or CKPT_RECORD=1 in ckpt's environment: never by surprise otherwise. */
export function recordAsked(flags: Set<string>): boolean {
  return flags.has('record') || process.env.CKPT_RECORD === '1';
}

/** One line of `--json` news on stderr: stdout belongs to the program. */
function event(value: object): void {
  process.stderr.write(JSON.stringify(value) + '\n');
}

/** What a snapshot of tracked folders held, and how long the program stood still for it: they may be large. */
export function trackedText(s: SnapshotInfo): string {
  const f = s.files;
  if (!f || !f.tracked) return '';
  return `; tracked folders: ${f.tracked} files, ${formatBytes(f.bytes)} (${formatBytes(f.addedBytes)} new)` +
    (f.pauseMs !== undefined ? `; the program stood still ${f.pauseMs} ms` : '');
}
