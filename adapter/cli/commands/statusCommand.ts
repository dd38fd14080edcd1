import { ctlStatus } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { out } from '../cliOutput';
import { tablesText } from '../formatting';

/** `ckpt status`: the resource tables of the running computation. */
export async function statusCommand(argv: string[]): Promise<number> {
  const args = parseArgs({ name: 'status', valueOptions: ['dir'], flagOptions: ['json'] }, argv);
  const tables = await ctlStatus(computationDir(args));
  out(args.flags.has('json') ? JSON.stringify(tables, null, 2) + '\n' : tablesText(tables));
  return 0;
}
