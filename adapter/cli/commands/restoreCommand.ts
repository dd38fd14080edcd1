import * as fs from 'node:fs';
import { ctlRestore } from '../../engine/ctlClient';
import { describeFileNote } from '../../engine/fileRecords';
import { SnapshotStore } from '../../engine/snapshotStore';
import { assertTrustedDir } from '../../engine/trustedDir';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, out, outJson } from '../cliOutput';
import { withProgress } from '../progress';
import { resolveSnapshotId } from '../resolveSnapshot';

/**
 * `ckpt restore`: the coordinator running in D (`ckpt launch` or `ckpt restart`)
 * replaces its computation by a snapshot, in its own terminal. Prints the pids
 * of the restored processes, the root first. `--json`: `{ snapshot, dir, pids }`.
 */
export async function restoreCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.restore, argv);
  const dir = computationDir(args);
  if (fs.existsSync(dir)) assertTrustedDir(dir); // its snapshots are what the program becomes
  const id = resolveSnapshotId(new SnapshotStore(dir), args.positionals[0]);
  const json = args.flags.has('json');
  const restored = await withProgress(`restoring snapshot ${id}`, ctlRestore(dir, id, { hold: args.flags.has('hold') }), { quiet: json });
  if (!json) for (const n of restored.files ?? []) note(describeFileNote(n));
  note(`snapshot ${restored.snapshot} restored in ${dir}`);
  if (json) outJson({ snapshot: restored.snapshot, dir, pids: restored.pids, files: restored.files ?? [] });
  else out(`${restored.pids.join(' ')}\n`);
  return 0;
}
