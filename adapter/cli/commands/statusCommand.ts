import { ctlInfo, ctlStatus } from '../../engine/ctlClient';
import { computationDir, parseArgs } from '../argParser';
import { COMMAND_SPECS } from '../commandSpecs';
import { out } from '../cliOutput';
import { tablesText } from '../formatting';

/** `ckpt status`: the resource tables of the running computation. */
export async function statusCommand(argv: string[]): Promise<number> {
  const args = parseArgs(COMMAND_SPECS.status, argv);
  const dir = computationDir(args);
  const tables = await ctlStatus(dir);
  if (args.flags.has('json')) {
    out(JSON.stringify(tables, null, 2) + '\n');
    return 0;
  }
  const info = await ctlInfo(dir);
  const n = tables.processes.length;
  const from = info.restoredFrom !== undefined ? `, restarted from snapshot ${info.restoredFrom}` : '';
  out(`Running in ${info.dir}: ${n} process${n === 1 ? '' : 'es'}${from}\n\n` + tablesText(tables));
  return 0;
}
