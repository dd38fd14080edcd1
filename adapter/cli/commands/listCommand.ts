import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, out } from '../cliOutput';
import { snapshotListText } from '../formatting';

export async function listCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.list, argv);
  const store = new SnapshotStore(computationDir(args));
  const snapshots = store.list();
  if (args.flags.has('json')) {
    out(JSON.stringify(snapshots, null, 2) + '\n');
  } else if (snapshots.length === 0) {
    note(`no snapshots in ${store.dir}`);
  } else {
    out(snapshotListText(snapshots));
  }
  return 0;
}
