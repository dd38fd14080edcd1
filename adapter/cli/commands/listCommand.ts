import { snapshotCosts } from '../../engine/manifest';
import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { note, out } from '../cliOutput';
import { snapshotListText } from '../formatting';

export async function listCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'list', valueOptions: ['dir'], flagOptions: ['json'] }, argv);
  const store = new SnapshotStore(computationDir(args));
  const snapshots = store.list();
  if (args.flags.has('json')) {
    out(JSON.stringify(store.manifests().map(snapshotCosts), null, 2) + '\n');
  } else if (snapshots.length === 0) {
    note(`no snapshots in ${store.dir}`);
  } else {
    out(snapshotListText(snapshots));
  }
  return 0;
}
