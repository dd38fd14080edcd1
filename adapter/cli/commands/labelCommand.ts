import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, outJson } from '../cliOutput';
import { resolveSnapshotId } from '../resolveSnapshot';

/** `ckpt label`: sets a snapshot's label; an empty TEXT clears it. `--json`: `{ snapshot: SnapshotInfo }`. */
export async function labelCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.label, argv);
  const store = new SnapshotStore(computationDir(args));
  const id = resolveSnapshotId(store, args.positionals[0]);
  const info = store.rename(id, args.positionals[1]);
  note(info.label === undefined ? `snapshot ${id}: label cleared` : `snapshot ${id} labelled "${info.label}"`);
  if (args.flags.has('json')) outJson({ snapshot: info });
  return 0;
}
