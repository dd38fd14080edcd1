import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { note } from '../cliOutput';
import { resolveSnapshotId } from '../resolveSnapshot';

/** `ckpt delete`: removes one snapshot (its images and manifest) from the computation directory. */
export async function deleteCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'delete', valueOptions: ['dir'], positionals: ['SNAPSHOT'] }, argv);
  const store = new SnapshotStore(computationDir(args));
  const id = resolveSnapshotId(store, args.positionals[0]);
  store.delete(id);
  note(`snapshot ${id} deleted`);
  return 0;
}
