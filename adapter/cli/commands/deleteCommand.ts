import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, outJson } from '../cliOutput';
import { resolveSnapshotId } from '../resolveSnapshot';

/** `ckpt delete`: removes one snapshot (its images and manifest) from the computation directory. `--json`: `{ deleted: id }`. */
export async function deleteCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.delete, argv);
  const store = new SnapshotStore(computationDir(args));
  const id = resolveSnapshotId(store, args.positionals[0]);
  store.delete(id);
  note(`snapshot ${id} deleted`);
  if (args.flags.has('json')) outJson({ deleted: id });
  return 0;
}
