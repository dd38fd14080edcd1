import { Coordinator } from '../../engine/coordinator';
import { describeFileNote, FileNote } from '../../engine/fileRecords';
import { note } from '../cliOutput';
import { computationDir, intervalMs, pairList, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { withProgress } from '../progress';
import { resolveSnapshotId } from '../resolveSnapshot';
import { recordAsked, runInForeground } from './launchCommand';

/**
 * `ckpt restart`: brings a snapshot back in the foreground, as its coordinator (so it
 * can be checkpointed again). `--json`: as `ckpt launch --json`.
 */
export async function restartCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.restart, argv);
  const json = args.flags.has('json');
  const every = intervalMs(args, 'restart');
  const pathMap = pairList(args, 'path-map', 'restart');
  const setEnv = pairList(args, 'env', 'restart');
  const coordinator = await Coordinator.open(computationDir(args), { mustExist: true });
  coordinator.record = recordAsked(args.flags);
  try {
    const id = resolveSnapshotId(coordinator.store, args.positionals[0]);
    const strict = args.flags.has('strict');
    const starting = coordinator.startRestart(id, { stdio: 'inherit', pathMap, setEnv, strict });
    const running = await withProgress(`restarting snapshot ${id}`, starting, { quiet: json });
    tellFileNotes((await running.fileNotes) ?? [], json);
    return await runInForeground(coordinator, running, every, json);
  } finally {
    await coordinator.close();
  }
}

/** What the restart did with the program's files, before its own output: one line each, or one `files` event. */
export function tellFileNotes(notes: FileNote[], json: boolean): void {
  if (notes.length === 0) return;
  if (json) process.stderr.write(JSON.stringify({ event: 'files', files: notes }) + '\n');
  else for (const n of notes) note(describeFileNote(n));
}
