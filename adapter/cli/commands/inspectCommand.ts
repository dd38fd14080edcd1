import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { out } from '../cliOutput';
import { snapshotHeaderText, tablesText } from '../formatting';
import { withProgress } from '../progress';
import { resolveSnapshotId } from '../resolveSnapshot';

/**
 * `ckpt inspect`: the resource tables of a snapshot. `--json` prints the shared
 * ResourceTables shape plus `snapshot` (SnapshotInfo) and `images` (each image's
 * full inspector JSON: memory regions, sections).
 */
export async function inspectCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.inspect, argv);
  const store = new SnapshotStore(computationDir(args));
  const id = resolveSnapshotId(store, args.positionals[0]);
  const inspection = await withProgress(`reading snapshot ${id}`, store.inspect(id), { quiet: args.flags.has('json') });
  if (args.flags.has('json')) {
    out(JSON.stringify({ ...inspection.tables, snapshot: inspection.info, images: inspection.images }, null, 2) + '\n');
  } else {
    out(snapshotHeaderText(inspection.info) + tablesText(inspection.tables, inspection.images));
  }
  return 0;
}
