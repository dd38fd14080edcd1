import * as fs from 'node:fs';
import { CkptError } from '../../engine/ckptError';
import { snapshotCosts } from '../../engine/manifest';
import { SnapshotStore } from '../../engine/snapshotStore';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { note, out } from '../cliOutput';
import { snapshotListText } from '../formatting';

export async function listCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.list, argv);
  const dir = computationDir(args);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new CkptError(`no such directory: ${dir}`);
  }
  if (!st.isDirectory()) throw new CkptError(`${dir} is not a directory`);
  const store = new SnapshotStore(dir);
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
