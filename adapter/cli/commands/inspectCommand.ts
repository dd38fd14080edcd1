import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { out } from '../cliOutput';
import { snapshotHeaderText, tablesText } from '../formatting';
import { resolveSnapshotId } from '../resolveSnapshot';

/**
 * `ckpt inspect`: the resource tables of a snapshot. `--json` prints the shared
 * ResourceTables shape plus `snapshot` (SnapshotInfo) and `images` (each image's
 * full inspector JSON: memory regions, sections).
 */
export async function inspectCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'inspect', valueOptions: ['dir'], flagOptions: ['json'], positionals: ['SNAPSHOT'] }, argv);
  const store = new SnapshotStore(computationDir(args));
  const id = resolveSnapshotId(store, args.positionals[0]);
  const inspection = await store.inspect(id);
  if (args.flags.has('json')) {
    out(JSON.stringify({ ...inspection.tables, snapshot: inspection.info, images: inspection.images }, null, 2) + '\n');
  } else {
    out(snapshotHeaderText(inspection.info) + tablesText(inspection.tables, inspection.images));
  }
  return 0;
}
