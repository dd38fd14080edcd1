import * as fs from 'node:fs';
import { ctlRestore } from '../../engine/ctlClient';
import { SnapshotStore } from '../../engine/snapshotStore';
import { assertTrustedDir } from '../../engine/trustedDir';
import { computationDir, parseArgs } from '../argParser';
import { note, out } from '../cliOutput';
import { resolveSnapshotId } from '../resolveSnapshot';

/**
 * `ckpt restore`: the coordinator running in D (`ckpt launch` or `ckpt restart`)
 * replaces its computation by a snapshot, in its own terminal. Prints the pids
 * of the restored processes, the root first.
 */
export async function restoreCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'restore', valueOptions: ['dir'], flagOptions: ['hold'], positionals: ['SNAPSHOT'] }, argv);
  const dir = computationDir(args);
  if (fs.existsSync(dir)) assertTrustedDir(dir); // its snapshots are what the program becomes
  const id = resolveSnapshotId(new SnapshotStore(dir), args.positionals[0]);
  const restored = await ctlRestore(dir, id, { hold: args.flags.has('hold') });
  note(`snapshot ${restored.snapshot} restored in ${dir}`);
  out(`${restored.pids.join(' ')}\n`);
  return 0;
}
