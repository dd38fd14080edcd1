import { ctlCheckpoint } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, out, outJson } from '../cliOutput';
import { formatBytes } from '../formatting';
import { withProgress } from '../progress';
import { trackedText } from './launchCommand';

/**
 * `ckpt checkpoint`: asks the running computation's coordinator for a snapshot; prints its id last.
 * `--json`: `{ snapshot: SnapshotInfo, killed }`.
 */
export async function checkpointCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.checkpoint, argv);
  const kill = args.flags.has('kill');
  const json = args.flags.has('json');
  const saving = ctlCheckpoint(computationDir(args), { label: args.values.get('label'), kill });
  const snapshot = await withProgress('saving a snapshot', saving, { quiet: json });
  note(`snapshot ${snapshot.id} saved (${formatBytes(snapshot.size)})${kill ? '; the program was stopped' : ''}${trackedText(snapshot)}`);
  if (snapshot.files?.notSaved) {
    note(`${snapshot.files.notSaved} files the program writes are only checked, not in the snapshot: larger than ` +
      'CKPT_FILES_MAX (1 GiB unless set in its environment), or not readable (`ckpt inspect` names them)');
  }
  if (snapshot.stdinNotSaved) {
    note(`${snapshot.stdinNotSaved} bytes waiting on the program's standard input (a pipe from outside) are not in the snapshot: ` +
      'the program reads them on, and a restart reads its own input (--kill keeps them for the restart)');
  }
  if (json) outJson({ snapshot, killed: kill });
  else out(`${snapshot.id}\n`);
  return 0;
}
