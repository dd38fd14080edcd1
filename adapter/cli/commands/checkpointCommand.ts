import { ctlCheckpoint } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { note, out } from '../cliOutput';
import { formatBytes } from '../formatting';

/** `ckpt checkpoint`: asks the running computation's coordinator for a snapshot; prints its id last. */
export async function checkpointCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'checkpoint', valueOptions: ['dir', 'label'], flagOptions: ['kill'] }, argv);
  const kill = args.flags.has('kill');
  const snapshot = await ctlCheckpoint(computationDir(args), { label: args.values.get('label'), kill });
  note(`snapshot ${snapshot.id} saved (${formatBytes(snapshot.size)})${kill ? '; the program was stopped' : ''}`);
  out(`${snapshot.id}\n`);
  return 0;
}
